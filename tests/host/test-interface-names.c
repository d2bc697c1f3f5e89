/* test-interface-names.c - ccgc_host_interface_name (tools/host/
 * interface-names.c) against the HTML standard's element index and its rule
 * for the element interface, SVG 2's element index and MathML Core: the
 * first, last and a middle entry of each table (bsearch finds them only in
 * a sorted table), the rule's special cases, custom element names, and the
 * unknown tags of each namespace. */
#include <check.h>
#include <string.h>

#include "ccgc-test.h"
#include "host.h"

static void expect(ccgc_host_namespace ns, const char *tag, const char *interface) {
  const char *got = ccgc_host_interface_name(ns, tag);
  ck_assert_msg(got && !strcmp(got, interface), "<%s> in namespace %d: %s, expected %s", tag,
                (int)ns, got ? got : "NULL", interface);
}

START_TEST(html_elements_have_the_index_interfaces) {
  expect(CCGC_HOST_NS_HTML, "a", "HTMLAnchorElement");  /* the first entry */
  expect(CCGC_HOST_NS_HTML, "xmp", "HTMLPreElement");   /* the last */
  expect(CCGC_HOST_NS_HTML, "wbr", "HTMLElement");
  expect(CCGC_HOST_NS_HTML, "div", "HTMLDivElement");
  expect(CCGC_HOST_NS_HTML, "p", "HTMLParagraphElement");
  expect(CCGC_HOST_NS_HTML, "ul", "HTMLUListElement");
  expect(CCGC_HOST_NS_HTML, "ol", "HTMLOListElement");
  expect(CCGC_HOST_NS_HTML, "dl", "HTMLDListElement");
  for (char level = '1'; level <= '6'; level++) {
    char tag[3] = {'h', level, '\0'};
    expect(CCGC_HOST_NS_HTML, tag, "HTMLHeadingElement");
  }
  expect(CCGC_HOST_NS_HTML, "td", "HTMLTableCellElement");
  expect(CCGC_HOST_NS_HTML, "th", "HTMLTableCellElement");
  expect(CCGC_HOST_NS_HTML, "tbody", "HTMLTableSectionElement");
  expect(CCGC_HOST_NS_HTML, "caption", "HTMLTableCaptionElement");
  expect(CCGC_HOST_NS_HTML, "colgroup", "HTMLTableColElement");
  expect(CCGC_HOST_NS_HTML, "del", "HTMLModElement");
  expect(CCGC_HOST_NS_HTML, "ins", "HTMLModElement");
  expect(CCGC_HOST_NS_HTML, "blockquote", "HTMLQuoteElement");
  expect(CCGC_HOST_NS_HTML, "q", "HTMLQuoteElement");
  expect(CCGC_HOST_NS_HTML, "img", "HTMLImageElement");
  expect(CCGC_HOST_NS_HTML, "iframe", "HTMLIFrameElement");
  expect(CCGC_HOST_NS_HTML, "textarea", "HTMLTextAreaElement");
  expect(CCGC_HOST_NS_HTML, "fieldset", "HTMLFieldSetElement");
  expect(CCGC_HOST_NS_HTML, "span", "HTMLSpanElement");
  static const char *const plain[] = {"em", "b", "i", "strong", "code", "kbd", "var",
                                      "samp", "section", "nav", "header", "footer",
                                      "article", "aside", "main", "dt", "dd", "noscript"};
  for (size_t i = 0; i < sizeof plain / sizeof plain[0]; i++)
    expect(CCGC_HOST_NS_HTML, plain[i], "HTMLElement");
}
END_TEST

START_TEST(obsolete_custom_and_unknown_tags_follow_the_rule) {
  expect(CCGC_HOST_NS_HTML, "applet", "HTMLUnknownElement");
  expect(CCGC_HOST_NS_HTML, "blink", "HTMLUnknownElement");
  expect(CCGC_HOST_NS_HTML, "acronym", "HTMLElement");
  expect(CCGC_HOST_NS_HTML, "tt", "HTMLElement");
  expect(CCGC_HOST_NS_HTML, "listing", "HTMLPreElement");
  expect(CCGC_HOST_NS_HTML, "xmp", "HTMLPreElement");
  expect(CCGC_HOST_NS_HTML, "font", "HTMLFontElement");
  expect(CCGC_HOST_NS_HTML, "marquee", "HTMLMarqueeElement");
  expect(CCGC_HOST_NS_HTML, "my-widget", "HTMLElement");
  expect(CCGC_HOST_NS_HTML, "x-1.2_\xc3\xa9", "HTMLElement"); /* PCENChar, non-ASCII too */
  expect(CCGC_HOST_NS_HTML, "font-face", "HTMLUnknownElement"); /* reserved */
  expect(CCGC_HOST_NS_HTML, "annotation-xml", "HTMLUnknownElement");
  expect(CCGC_HOST_NS_HTML, "1-widget", "HTMLUnknownElement"); /* not a letter first */
  expect(CCGC_HOST_NS_HTML, "my-wid$get", "HTMLUnknownElement");
  expect(CCGC_HOST_NS_HTML, "svg", "HTMLUnknownElement"); /* an SVG tag in HTML */
  expect(CCGC_HOST_NS_HTML, "widget", "HTMLUnknownElement");
  expect(CCGC_HOST_NS_HTML, "", "HTMLUnknownElement");
}
END_TEST

START_TEST(svg_and_mathml_elements_have_their_interfaces) {
  expect(CCGC_HOST_NS_SVG, "a", "SVGAElement"); /* the first entry */
  expect(CCGC_HOST_NS_SVG, "view", "SVGViewElement"); /* the last */
  expect(CCGC_HOST_NS_SVG, "svg", "SVGSVGElement");
  expect(CCGC_HOST_NS_SVG, "circle", "SVGCircleElement");
  expect(CCGC_HOST_NS_SVG, "clipPath", "SVGClipPathElement");
  expect(CCGC_HOST_NS_SVG, "feBlend", "SVGFEBlendElement");
  expect(CCGC_HOST_NS_SVG, "foreignObject", "SVGForeignObjectElement");
  expect(CCGC_HOST_NS_SVG, "tspan", "SVGTSpanElement");
  expect(CCGC_HOST_NS_SVG, "clippath", "SVGElement"); /* the parser gives camelCase */
  expect(CCGC_HOST_NS_SVG, "div", "SVGElement");
  expect(CCGC_HOST_NS_SVG, "my-widget", "SVGElement");
  expect(CCGC_HOST_NS_MATHML, "math", "MathMLElement");
  expect(CCGC_HOST_NS_MATHML, "mi", "MathMLElement");
  expect(CCGC_HOST_NS_MATHML, "anything", "MathMLElement");
}
END_TEST

int main(void) {
  Suite *suite = suite_create("interface-names");
  TCase *tc = tcase_create("names");
  tcase_add_test(tc, html_elements_have_the_index_interfaces);
  tcase_add_test(tc, obsolete_custom_and_unknown_tags_follow_the_rule);
  tcase_add_test(tc, svg_and_mathml_elements_have_their_interfaces);
  suite_add_tcase(suite, tc);
  return ccgc_test_run(suite);
}
