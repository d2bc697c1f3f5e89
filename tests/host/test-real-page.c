/* test-real-page.c - a real, large page loads whole (issue 16): the GNU
 * Bash Reference Manual as one HTML page (Texinfo 6.8's output, 850 KB,
 * about 19,000 elements), installed by Debian's bash-doc package
 * (tools/install-deps.sh). The DOM's count of each tag is checked against
 * a count of its start tags in the file by another method (a regular
 * expression over the text without its comments), its tables against the
 * implied <tbody> the HTML5 algorithm gives them (the file has none), and
 * its ids, titles and texts against what the file says. A parser that cut
 * the page, dropped elements it did not know, kept rows straight under a
 * table (libxml2) or split text would fail here. The expressions read bytes
 * (G_REGEX_RAW): GLib checks the UTF-8 of the whole text at every match
 * otherwise, seconds for this page. */
#include <check.h>
#include <glib.h>
#include <string.h>
#include <time.h>

#include "ccgc-test.h"
#include "host.h"

#define REAL_PAGE "/usr/share/doc/bash/bashref.html"

static char *read_page(gsize *size) {
  char *content = NULL;
  GError *error = NULL;
  ck_assert_msg(g_file_get_contents(REAL_PAGE, &content, size, &error),
                "%s (Debian's bash-doc package: tools/install-deps.sh installs it)",
                error ? error->message : "");
  return content;
}

/* The file's text without its comments (Texinfo writes a long one, with
 * markup-like text, before the page). */
static char *without_comments(const char *html) {
  GRegex *comment = g_regex_new("<!--.*?-->", G_REGEX_DOTALL | G_REGEX_RAW, 0, NULL);
  char *stripped = g_regex_replace_literal(comment, html, -1, 0, "", 0, NULL);
  g_regex_unref(comment);
  return stripped;
}

/* Start tags of TAG in the text, by a regular expression. */
static size_t count_start_tags(const char *text, const char *tag) {
  char *pattern = g_strdup_printf("<%s[\\s>/]", tag);
  GRegex *regex = g_regex_new(pattern, G_REGEX_CASELESS | G_REGEX_RAW, 0, NULL);
  GMatchInfo *match;
  size_t count = 0;
  for (g_regex_match(regex, text, 0, &match); g_match_info_matches(match);
       g_match_info_next(match, NULL))
    count++;
  g_match_info_free(match);
  g_regex_unref(regex);
  g_free(pattern);
  return count;
}

static size_t count_elements(const ccgc_host_node *root, const char *tag) {
  size_t count = 0;
  for (const ccgc_host_node *node = root; node; node = ccgc_host_next_in_order(root, node))
    count += node->kind == CCGC_HOST_ELEMENT && !strcmp(node->name, tag);
  return count;
}

static ccgc_host_world *new_world(void) {
  ccgc_collector_options options = {.verify = true};
  return ccgc_host_world_new(BRIDGE_MODE_UNIFIED, &options);
}

START_TEST(the_bash_manual_loads_whole) {
  gsize size;
  char *html = read_page(&size);
  ck_assert_uint_gt(size, 500000); /* the whole manual (about 850 KB) */
  char *text = without_comments(html);
  ccgc_host_world *w = new_world();
  struct timespec start, end;
  clock_gettime(CLOCK_MONOTONIC, &start);
  ck_assert_msg(ccgc_host_load_html(w, REAL_PAGE) == CCGC_OK, "%s", w->error);
  clock_gettime(CLOCK_MONOTONIC, &end);
  double seconds = (double)(end.tv_sec - start.tv_sec) + (end.tv_nsec - start.tv_nsec) / 1e9;
  size_t elements = ccgc_host_count_nodes(w->document, CCGC_HOST_ELEMENT);
  fprintf(stderr, "%s: %zu bytes, %zu elements, %zu texts, loaded in %.3f s\n", REAL_PAGE,
          (size_t)size, elements, ccgc_host_count_nodes(w->document, CCGC_HOST_TEXT), seconds);
  ck_assert_uint_gt(elements, 10000);

  /* Every tag the manual uses much: as many elements as start tags. */
  static const char *const tags[] = {"html", "head", "body", "table", "tr", "td", "th",
                                     "a", "code", "p", "dt", "dd", "pre", "li", "ul",
                                     "div", "span", "var", "samp", "h2", "h3", "h4", "hr"};
  size_t counted = 0;
  for (size_t i = 0; i < sizeof tags / sizeof tags[0]; i++) {
    size_t in_file = count_start_tags(text, tags[i]);
    ck_assert_msg(count_elements(w->document, tags[i]) == in_file,
                  "<%s>: %zu elements, %zu start tags in the file", tags[i],
                  count_elements(w->document, tags[i]), in_file);
    counted += in_file;
  }
  ck_assert_uint_gt(counted, elements / 2);

  /* No <tbody> in the file; one implied for each table, holding its rows. */
  ck_assert_uint_eq(count_start_tags(text, "tbody"), 0);
  ck_assert_uint_gt(count_start_tags(text, "table"), 10);
  ck_assert_uint_eq(count_elements(w->document, "tbody"), count_start_tags(text, "table"));
  for (ccgc_host_node *node = w->document; node; node = ccgc_host_next_in_order(w->document, node))
    if (node->kind == CCGC_HOST_ELEMENT && !strcmp(node->name, "tr"))
      ck_assert_str_eq(node->parent->name, "tbody");

  /* Elements with an id: as many as the file's tags with one. */
  size_t ids = 0;
  for (ccgc_host_node *node = w->document; node; node = ccgc_host_next_in_order(w->document, node))
    ids += node->kind == CCGC_HOST_ELEMENT && ccgc_host_get_attribute(node, "id");
  GRegex *with_id = g_regex_new("<[a-zA-Z][^>]*\\sid=[\"']", G_REGEX_RAW, 0, NULL);
  GMatchInfo *match;
  size_t ids_in_file = 0;
  for (g_regex_match(with_id, text, 0, &match); g_match_info_matches(match);
       g_match_info_next(match, NULL))
    ids_in_file++;
  g_match_info_free(match);
  g_regex_unref(with_id);
  ck_assert_uint_eq(ids, ids_in_file);

  /* What the page says: its title, a section by id, its last words. */
  ccgc_host_node *title = ccgc_host_find_tag(w->document, "title");
  ck_assert_str_eq(title->first_child->name, "Bash Reference Manual");
  ccgc_host_node *section = ccgc_host_get_element_by_id(w->document, "Shell-Syntax");
  ck_assert_msg(section, "no element with id Shell-Syntax");
  ck_assert_str_eq(blinkish_type_name(w->dom, ccgc_host_find_tag(w->document, "code")),
                   "HTMLElement");
  ck_assert_str_eq(blinkish_type_name(w->dom, ccgc_host_find_tag(w->document, "td")),
                   "HTMLTableCellElement");

  /* The whole DOM survives a verified collection; dropped, it goes. */
  ccgc_test_collect_verified(w->collector);
  ck_assert_uint_eq(ccgc_host_count_nodes(w->document, CCGC_HOST_ELEMENT), elements);
  ccgc_host_world_free(w);
  g_free(text);
  g_free(html);
}
END_TEST

int main(void) {
  Suite *suite = suite_create("real-page");
  TCase *tc = tcase_create("bashref");
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, the_bash_manual_loads_whole);
  suite_add_tcase(suite, tc);
  return ccgc_test_run(suite);
}
