/* test-html5.c - the loader builds the tree as the HTML standard's
 * tree-building algorithm does (issue 16), where an HTML 4 parser (libxml2,
 * before) builds another: the implied <tbody> of a table, a <template>'s
 * contents (rows outside a table), SVG and MathML elements in their
 * namespaces with their interfaces and camelCase names, misnested
 * formatting tags repaired by the adoption agency, a <p> closed by a <div>;
 * and the element types named by interface (HTMLElement for <em>,
 * HTMLModElement for <del>...). */
#include <check.h>
#include <glib.h>
#include <string.h>

#include "ccgc-test.h"
#include "host.h"

static ccgc_host_world *load(const char *html) {
  ccgc_collector_options options = {.verify = true};
  ccgc_host_world *w = ccgc_host_world_new(BRIDGE_MODE_UNIFIED, &options);
  ck_assert_msg(ccgc_host_load_html_memory(w, html, strlen(html)) == CCGC_OK, "%s", w->error);
  return w;
}

/* The subtree under node as "tag(child,child)", texts as 'text': one
 * string to compare with what the standard's algorithm builds. */
static void shape(const ccgc_host_node *node, GString *out) {
  if (node->kind == CCGC_HOST_TEXT) {
    g_string_append_printf(out, "'%s'", node->name);
    return;
  }
  g_string_append(out, node->name);
  if (!node->first_child) return;
  g_string_append_c(out, '(');
  for (const ccgc_host_node *child = node->first_child; child; child = child->next_sibling) {
    shape(child, out);
    if (child->next_sibling) g_string_append_c(out, ',');
  }
  g_string_append_c(out, ')');
}

static void assert_shape(const ccgc_host_node *node, const char *expected) {
  ck_assert_ptr_nonnull(node);
  GString *out = g_string_new(NULL);
  shape(node, out);
  ck_assert_str_eq(out->str, expected);
  g_string_free(out, TRUE);
}

static const char *type_of(ccgc_host_world *w, const ccgc_host_node *node) {
  return blinkish_type_name(w->dom, node);
}

START_TEST(a_table_gets_its_implied_tbody) {
  ccgc_host_world *w = load("<table id=t><tr><td>a<td>b</table>");
  ccgc_host_node *table = ccgc_host_get_element_by_id(w->document, "t");
  /* libxml2 put the row straight under the table. */
  assert_shape(table, "table(tbody(tr(td('a'),td('b'))))");
  ck_assert_str_eq(type_of(w, table->first_child), "HTMLTableSectionElement");
  ck_assert_str_eq(type_of(w, table->first_child->first_child), "HTMLTableRowElement");
  ck_assert_str_eq(type_of(w, table->first_child->first_child->first_child),
                   "HTMLTableCellElement");
  /* The document has html, head and body though the page names none. */
  assert_shape(w->document, "#document(html(head,body(table(tbody(tr(td('a'),td('b')))))))");
  ccgc_host_world_free(w);
}
END_TEST

START_TEST(a_template_keeps_its_contents) {
  ccgc_host_world *w = load("<body><template id=row><tr class=r><td>cell</td></tr></template>"
                            "<p id=p>para<template id=block><div>d</div><td>c</td></template>"
                            "after</p>");
  ccgc_host_node *row = ccgc_host_get_element_by_id(w->document, "row");
  /* A row outside a table: template contents that start with a row parse
   * as rows. */
  assert_shape(row, "template(tr(td('cell')))");
  ck_assert_str_eq(type_of(w, row), "HTMLTemplateElement");
  ck_assert_str_eq(ccgc_host_get_attribute(row->first_child, "class"), "r");
  /* Contents that start with a div parse as a body's: a cell there is a
   * parse error, dropped with its tag (libxml2 kept a td element), and the
   * template does not close the paragraph around it. */
  assert_shape(ccgc_host_get_element_by_id(w->document, "p"),
               "p('para',template(div('d'),'c'),'after')");
  ccgc_host_world_free(w);
}
END_TEST

START_TEST(svg_and_mathml_elements_are_in_their_namespaces) {
  ccgc_host_world *w = load(
      "<p>before</p><svg id=pic viewbox='0 0 10 10'><circle r=4 /><clippath id=clip>"
      "<rect/></clippath><foreignobject><p id=inner>html again</p></foreignobject>"
      "<use xlink:href='#clip'/><blink2/></svg><math><mi>x</mi></math><p id=after>after</p>");
  ccgc_host_node *svg = ccgc_host_get_element_by_id(w->document, "pic");
  ck_assert_int_eq(svg->ns, CCGC_HOST_NS_SVG);
  ck_assert_str_eq(type_of(w, svg), "SVGSVGElement");
  /* The standard's attribute and tag case for SVG. */
  ck_assert_str_eq(ccgc_host_get_attribute(svg, "viewBox"), "0 0 10 10");
  assert_shape(svg, "svg(circle,clipPath(rect),foreignObject(p('html again')),use,blink2)");
  ccgc_host_node *circle = svg->first_child;
  ck_assert_int_eq(circle->ns, CCGC_HOST_NS_SVG);
  ck_assert_str_eq(type_of(w, circle), "SVGCircleElement");
  ck_assert_str_eq(type_of(w, circle->next_sibling), "SVGClipPathElement");
  ck_assert_str_eq(type_of(w, circle->next_sibling->first_child), "SVGRectElement");
  ccgc_host_node *foreign = circle->next_sibling->next_sibling;
  ck_assert_str_eq(type_of(w, foreign), "SVGForeignObjectElement");
  ccgc_host_node *use = foreign->next_sibling;
  ck_assert_str_eq(ccgc_host_get_attribute(use, "xlink:href"), "#clip");
  ck_assert_str_eq(type_of(w, use->next_sibling), "SVGElement"); /* an unknown SVG tag */
  /* HTML inside foreignObject is HTML again. */
  ccgc_host_node *inner = ccgc_host_get_element_by_id(w->document, "inner");
  ck_assert_int_eq(inner->ns, CCGC_HOST_NS_HTML);
  ck_assert_str_eq(type_of(w, inner), "HTMLParagraphElement");
  ccgc_host_node *math = ccgc_host_find_tag(w->document, "math");
  ck_assert_int_eq(math->ns, CCGC_HOST_NS_MATHML);
  ck_assert_str_eq(type_of(w, math), "MathMLElement");
  ck_assert_str_eq(type_of(w, math->first_child), "MathMLElement");
  /* An SVG <a> is not an HTML <a>. */
  ck_assert_ptr_eq(ccgc_host_node_at(w, svg), svg);
  ccgc_host_node *svg_a = ccgc_host_create_element_ns(w, CCGC_HOST_NS_SVG, "a");
  ccgc_host_node *html_a = ccgc_host_create_element(w, "a");
  ck_assert_str_eq(type_of(w, svg_a), "SVGAElement");
  ck_assert_str_eq(type_of(w, html_a), "HTMLAnchorElement");
  ck_assert_ptr_nonnull(ccgc_host_get_element_by_id(w->document, "after"));
  ccgc_test_collect_verified(w->collector);
  ccgc_host_world_free(w);
}
END_TEST

START_TEST(misnested_tags_are_repaired_as_the_standard_says) {
  /* The standard's own examples (13.2.6.1, "misnested tags"). */
  ccgc_host_world *w = load("<div id=a><p>1<b>2<i>3</b>4</i>5</p></div>"
                            "<div id=b><b>1<p>2</b>3</p></div>"
                            "<div id=c><p>para<div>block</div></div>"
                            "<div id=d><a href=x>1<a href=y>2</a></div>");
  /* The adoption agency: the i is closed with the b and opened again. */
  assert_shape(ccgc_host_get_element_by_id(w->document, "a"),
               "div(p('1',b('2',i('3')),i('4'),'5'))");
  /* The b is split around the p, which takes the rest. */
  assert_shape(ccgc_host_get_element_by_id(w->document, "b"), "div(b('1'),p(b('2'),'3'))");
  /* A div closes an open p. */
  assert_shape(ccgc_host_get_element_by_id(w->document, "c"), "div(p('para'),div('block'))");
  /* An a inside an a closes the first. */
  assert_shape(ccgc_host_get_element_by_id(w->document, "d"), "div(a('1'),a('2'))");
  ccgc_test_collect_verified(w->collector);
  ccgc_host_world_free(w);
}
END_TEST

START_TEST(element_types_are_interfaces) {
  ccgc_host_world *w = load("<em>e</em><b>b</b><del>d</del><ins>i</ins><section></section>"
                            "<my-widget id=custom></my-widget><foo-></foo-><foo></foo>"
                            "<font-face></font-face><span>s</span><h3>h</h3><ul><li>l</ul>"
                            "<xmp>x</xmp><blink>old</blink>");
  static const char *const expected[][2] = {
      {"em", "HTMLElement"},         {"b", "HTMLElement"},
      {"del", "HTMLModElement"},     {"ins", "HTMLModElement"},
      {"section", "HTMLElement"},    {"my-widget", "HTMLElement"},
      {"foo-", "HTMLElement"},       {"foo", "HTMLUnknownElement"},
      {"font-face", "HTMLUnknownElement"}, /* reserved: no custom element */
      {"span", "HTMLSpanElement"},   {"h3", "HTMLHeadingElement"},
      {"ul", "HTMLUListElement"},    {"li", "HTMLLIElement"},
      {"xmp", "HTMLPreElement"},     {"blink", "HTMLUnknownElement"},
      {"body", "HTMLBodyElement"},   {"head", "HTMLHeadElement"},
      {"html", "HTMLHtmlElement"},
  };
  for (size_t i = 0; i < sizeof expected / sizeof expected[0]; i++) {
    ccgc_host_node *node = ccgc_host_find_tag(w->document, expected[i][0]);
    ck_assert_msg(node, "no <%s>", expected[i][0]);
    ck_assert_str_eq(type_of(w, node), expected[i][1]);
  }
  /* One DOM type per interface: em and b share HTMLElement's. */
  ck_assert_uint_eq(blinkish_type_of(w->dom, ccgc_host_find_tag(w->document, "em")),
                    blinkish_type_of(w->dom, ccgc_host_find_tag(w->document, "b")));
  ck_assert_uint_eq(blinkish_type_by_name(w->dom, "HTMLEmElement"), 0);
  ck_assert_uint_eq(blinkish_type_by_name(w->dom, "HTMLMy-widgetElement"), 0);
  ccgc_host_world_free(w);
}
END_TEST

START_TEST(scripts_keep_their_text_and_entities_are_decoded) {
  ccgc_host_world *w = load("<script id=s>if (a < b && c) go();</script>"
                            "<p id=p title='&quot;x&quot;'>fish &amp; chips &lt;b&gt;</p>");
  ccgc_host_node *script = ccgc_host_get_element_by_id(w->document, "s");
  ck_assert_str_eq(script->first_child->name, "if (a < b && c) go();");
  ccgc_host_node *p = ccgc_host_get_element_by_id(w->document, "p");
  ck_assert_str_eq(ccgc_host_get_attribute(p, "title"), "\"x\"");
  assert_shape(p, "p('fish & chips <b>')");
  ccgc_host_world_free(w);
}
END_TEST

int main(void) {
  Suite *suite = suite_create("html5");
  TCase *tc = tcase_create("tree-building");
  tcase_add_test(tc, a_table_gets_its_implied_tbody);
  tcase_add_test(tc, a_template_keeps_its_contents);
  tcase_add_test(tc, svg_and_mathml_elements_are_in_their_namespaces);
  tcase_add_test(tc, misnested_tags_are_repaired_as_the_standard_says);
  tcase_add_test(tc, element_types_are_interfaces);
  tcase_add_test(tc, scripts_keep_their_text_and_entities_are_decoded);
  suite_add_tcase(suite, tc);
  return ccgc_test_run(suite);
}
