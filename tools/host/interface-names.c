/* interface-names.c - the DOM interface of an element, from the HTML
 * standard's element index (https://html.spec.whatwg.org/#elements-3) and
 * its rule for the element interface ("Elements in the DOM", #elements-in-
 * the-dom), SVG 2's element index, and MathML Core (one interface,
 * MathMLElement). One table per namespace; host.c names its DOM heap types
 * with these, as Blink names its wrapper classes (docs/host-model.md). */
#include <stdlib.h>
#include <string.h>

#include "host.h"

typedef struct interface_entry {
  const char *tag, *interface;
} interface_entry;

/* The HTML namespace, sorted by tag (bsearch). Elements whose index entry
 * says HTMLElement are listed too, so that the list is the whole index; the
 * obsolete elements carry the interfaces the standard's rule gives them
 * (applet...spacer: HTMLUnknownElement; acronym...tt: HTMLElement; listing,
 * xmp: HTMLPreElement; dir, font, frame, frameset, marquee, param: their
 * obsolete interfaces). */
static const interface_entry html_elements[] = {
    {"a", "HTMLAnchorElement"},
    {"abbr", "HTMLElement"},
    {"acronym", "HTMLElement"},
    {"address", "HTMLElement"},
    {"applet", "HTMLUnknownElement"},
    {"area", "HTMLAreaElement"},
    {"article", "HTMLElement"},
    {"aside", "HTMLElement"},
    {"audio", "HTMLAudioElement"},
    {"b", "HTMLElement"},
    {"base", "HTMLBaseElement"},
    {"basefont", "HTMLElement"},
    {"bdi", "HTMLElement"},
    {"bdo", "HTMLElement"},
    {"bgsound", "HTMLUnknownElement"},
    {"big", "HTMLElement"},
    {"blink", "HTMLUnknownElement"},
    {"blockquote", "HTMLQuoteElement"},
    {"body", "HTMLBodyElement"},
    {"br", "HTMLBRElement"},
    {"button", "HTMLButtonElement"},
    {"canvas", "HTMLCanvasElement"},
    {"caption", "HTMLTableCaptionElement"},
    {"center", "HTMLElement"},
    {"cite", "HTMLElement"},
    {"code", "HTMLElement"},
    {"col", "HTMLTableColElement"},
    {"colgroup", "HTMLTableColElement"},
    {"data", "HTMLDataElement"},
    {"datalist", "HTMLDataListElement"},
    {"dd", "HTMLElement"},
    {"del", "HTMLModElement"},
    {"details", "HTMLDetailsElement"},
    {"dfn", "HTMLElement"},
    {"dialog", "HTMLDialogElement"},
    {"dir", "HTMLDirectoryElement"},
    {"div", "HTMLDivElement"},
    {"dl", "HTMLDListElement"},
    {"dt", "HTMLElement"},
    {"em", "HTMLElement"},
    {"embed", "HTMLEmbedElement"},
    {"fieldset", "HTMLFieldSetElement"},
    {"figcaption", "HTMLElement"},
    {"figure", "HTMLElement"},
    {"font", "HTMLFontElement"},
    {"footer", "HTMLElement"},
    {"form", "HTMLFormElement"},
    {"frame", "HTMLFrameElement"},
    {"frameset", "HTMLFrameSetElement"},
    {"h1", "HTMLHeadingElement"},
    {"h2", "HTMLHeadingElement"},
    {"h3", "HTMLHeadingElement"},
    {"h4", "HTMLHeadingElement"},
    {"h5", "HTMLHeadingElement"},
    {"h6", "HTMLHeadingElement"},
    {"head", "HTMLHeadElement"},
    {"header", "HTMLElement"},
    {"hgroup", "HTMLElement"},
    {"hr", "HTMLHRElement"},
    {"html", "HTMLHtmlElement"},
    {"i", "HTMLElement"},
    {"iframe", "HTMLIFrameElement"},
    {"img", "HTMLImageElement"},
    {"input", "HTMLInputElement"},
    {"ins", "HTMLModElement"},
    {"isindex", "HTMLUnknownElement"},
    {"kbd", "HTMLElement"},
    {"keygen", "HTMLUnknownElement"},
    {"label", "HTMLLabelElement"},
    {"legend", "HTMLLegendElement"},
    {"li", "HTMLLIElement"},
    {"link", "HTMLLinkElement"},
    {"listing", "HTMLPreElement"},
    {"main", "HTMLElement"},
    {"map", "HTMLMapElement"},
    {"mark", "HTMLElement"},
    {"marquee", "HTMLMarqueeElement"},
    {"menu", "HTMLMenuElement"},
    {"meta", "HTMLMetaElement"},
    {"meter", "HTMLMeterElement"},
    {"multicol", "HTMLUnknownElement"},
    {"nav", "HTMLElement"},
    {"nextid", "HTMLUnknownElement"},
    {"nobr", "HTMLElement"},
    {"noembed", "HTMLElement"},
    {"noframes", "HTMLElement"},
    {"noscript", "HTMLElement"},
    {"object", "HTMLObjectElement"},
    {"ol", "HTMLOListElement"},
    {"optgroup", "HTMLOptGroupElement"},
    {"option", "HTMLOptionElement"},
    {"output", "HTMLOutputElement"},
    {"p", "HTMLParagraphElement"},
    {"param", "HTMLParamElement"},
    {"picture", "HTMLPictureElement"},
    {"plaintext", "HTMLElement"},
    {"pre", "HTMLPreElement"},
    {"progress", "HTMLProgressElement"},
    {"q", "HTMLQuoteElement"},
    {"rb", "HTMLElement"},
    {"rp", "HTMLElement"},
    {"rt", "HTMLElement"},
    {"rtc", "HTMLElement"},
    {"ruby", "HTMLElement"},
    {"s", "HTMLElement"},
    {"samp", "HTMLElement"},
    {"script", "HTMLScriptElement"},
    {"search", "HTMLElement"},
    {"section", "HTMLElement"},
    {"select", "HTMLSelectElement"},
    {"slot", "HTMLSlotElement"},
    {"small", "HTMLElement"},
    {"source", "HTMLSourceElement"},
    {"spacer", "HTMLUnknownElement"},
    {"span", "HTMLSpanElement"},
    {"strike", "HTMLElement"},
    {"strong", "HTMLElement"},
    {"style", "HTMLStyleElement"},
    {"sub", "HTMLElement"},
    {"summary", "HTMLElement"},
    {"sup", "HTMLElement"},
    {"table", "HTMLTableElement"},
    {"tbody", "HTMLTableSectionElement"},
    {"td", "HTMLTableCellElement"},
    {"template", "HTMLTemplateElement"},
    {"textarea", "HTMLTextAreaElement"},
    {"tfoot", "HTMLTableSectionElement"},
    {"th", "HTMLTableCellElement"},
    {"thead", "HTMLTableSectionElement"},
    {"time", "HTMLTimeElement"},
    {"title", "HTMLTitleElement"},
    {"tr", "HTMLTableRowElement"},
    {"track", "HTMLTrackElement"},
    {"tt", "HTMLElement"},
    {"u", "HTMLElement"},
    {"ul", "HTMLUListElement"},
    {"var", "HTMLElement"},
    {"video", "HTMLVideoElement"},
    {"wbr", "HTMLElement"},
    {"xmp", "HTMLPreElement"},
};

/* The SVG namespace (SVG 2's element index, with the filter primitives of
 * Filter Effects 1), sorted by tag in C's byte order (the parser's
 * camelCase names: "clipPath", "feBlend"...). */
static const interface_entry svg_elements[] = {
    {"a", "SVGAElement"},
    {"animate", "SVGAnimateElement"},
    {"animateMotion", "SVGAnimateMotionElement"},
    {"animateTransform", "SVGAnimateTransformElement"},
    {"circle", "SVGCircleElement"},
    {"clipPath", "SVGClipPathElement"},
    {"defs", "SVGDefsElement"},
    {"desc", "SVGDescElement"},
    {"ellipse", "SVGEllipseElement"},
    {"feBlend", "SVGFEBlendElement"},
    {"feColorMatrix", "SVGFEColorMatrixElement"},
    {"feComponentTransfer", "SVGFEComponentTransferElement"},
    {"feComposite", "SVGFECompositeElement"},
    {"feConvolveMatrix", "SVGFEConvolveMatrixElement"},
    {"feDiffuseLighting", "SVGFEDiffuseLightingElement"},
    {"feDisplacementMap", "SVGFEDisplacementMapElement"},
    {"feDistantLight", "SVGFEDistantLightElement"},
    {"feDropShadow", "SVGFEDropShadowElement"},
    {"feFlood", "SVGFEFloodElement"},
    {"feFuncA", "SVGFEFuncAElement"},
    {"feFuncB", "SVGFEFuncBElement"},
    {"feFuncG", "SVGFEFuncGElement"},
    {"feFuncR", "SVGFEFuncRElement"},
    {"feGaussianBlur", "SVGFEGaussianBlurElement"},
    {"feImage", "SVGFEImageElement"},
    {"feMerge", "SVGFEMergeElement"},
    {"feMergeNode", "SVGFEMergeNodeElement"},
    {"feMorphology", "SVGFEMorphologyElement"},
    {"feOffset", "SVGFEOffsetElement"},
    {"fePointLight", "SVGFEPointLightElement"},
    {"feSpecularLighting", "SVGFESpecularLightingElement"},
    {"feSpotLight", "SVGFESpotLightElement"},
    {"feTile", "SVGFETileElement"},
    {"feTurbulence", "SVGFETurbulenceElement"},
    {"filter", "SVGFilterElement"},
    {"foreignObject", "SVGForeignObjectElement"},
    {"g", "SVGGElement"},
    {"image", "SVGImageElement"},
    {"line", "SVGLineElement"},
    {"linearGradient", "SVGLinearGradientElement"},
    {"marker", "SVGMarkerElement"},
    {"mask", "SVGMaskElement"},
    {"metadata", "SVGMetadataElement"},
    {"mpath", "SVGMPathElement"},
    {"path", "SVGPathElement"},
    {"pattern", "SVGPatternElement"},
    {"polygon", "SVGPolygonElement"},
    {"polyline", "SVGPolylineElement"},
    {"radialGradient", "SVGRadialGradientElement"},
    {"rect", "SVGRectElement"},
    {"script", "SVGScriptElement"},
    {"set", "SVGSetElement"},
    {"stop", "SVGStopElement"},
    {"style", "SVGStyleElement"},
    {"svg", "SVGSVGElement"},
    {"switch", "SVGSwitchElement"},
    {"symbol", "SVGSymbolElement"},
    {"text", "SVGTextElement"},
    {"textPath", "SVGTextPathElement"},
    {"title", "SVGTitleElement"},
    {"tspan", "SVGTSpanElement"},
    {"use", "SVGUseElement"},
    {"view", "SVGViewElement"},
};

static int compare_entry(const void *key, const void *entry) {
  return strcmp(key, ((const interface_entry *)entry)->tag);
}

static const char *lookup(const interface_entry *table, size_t count, const char *tag) {
  const interface_entry *found = bsearch(tag, table, count, sizeof *table, compare_entry);
  return found ? found->interface : NULL;
}

/* The HTML standard's "valid custom element name": a lower-case ASCII
 * letter first, a hyphen somewhere, only PCENChar ('-', '.', digits, '_',
 * lower-case letters, and non-ASCII: every byte >= 0x80 is taken for one),
 * and none of the names SVG and MathML reserved. */
static bool valid_custom_element_name(const char *tag) {
  static const char *const reserved[] = {
      "annotation-xml", "color-profile",    "font-face",       "font-face-src",
      "font-face-uri",  "font-face-format", "font-face-name", "missing-glyph"};
  if (!(tag[0] >= 'a' && tag[0] <= 'z') || !strchr(tag, '-')) return false;
  for (const unsigned char *at = (const unsigned char *)tag; *at; at++)
    if (!(*at == '-' || *at == '.' || *at == '_' || (*at >= '0' && *at <= '9') ||
          (*at >= 'a' && *at <= 'z') || *at >= 0x80))
      return false;
  for (size_t i = 0; i < sizeof reserved / sizeof reserved[0]; i++)
    if (!strcmp(tag, reserved[i])) return false;
  return true;
}

const char *ccgc_host_interface_name(ccgc_host_namespace ns, const char *tag) {
  switch (ns) {
  case CCGC_HOST_NS_SVG: {
    const char *found = lookup(svg_elements, sizeof svg_elements / sizeof svg_elements[0], tag);
    return found ? found : "SVGElement";
  }
  case CCGC_HOST_NS_MATHML:
    return "MathMLElement";
  case CCGC_HOST_NS_HTML:
  default: {
    const char *found =
        lookup(html_elements, sizeof html_elements / sizeof html_elements[0], tag);
    if (found) return found;
    return valid_custom_element_name(tag) ? "HTMLElement" : "HTMLUnknownElement";
  }
  }
}
