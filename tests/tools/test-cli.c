/* test-cli.c - the `ccgc` command: help, errors, and `ccgc demo`: trace
 * lines, the DOT file parsed back with libcgraph (clusters, bonds, nodes), and
 * `dot` rendering it. */
#include <check.h>
#include <glib.h>
#include <graphviz/cgraph.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ccgc-test.h"
#include "ccgc-version.h"
#include "run-command.h"

START_TEST(help_lists_the_commands_and_unknown_ones_fail) {
  command_result result = run_ccgc("--help");
  ck_assert_int_eq(result.exit_code, 0);
  ck_assert(strstr(result.out, "demo") && strstr(result.out, "stress") &&
            strstr(result.out, "bench"));
  command_result_free(&result);
  result = run_ccgc("help");
  ck_assert_int_eq(result.exit_code, 0);
  ck_assert(strstr(result.out, "usage: ccgc COMMAND"));
  command_result_free(&result);
  result = run_ccgc("");
  ck_assert_int_eq(result.exit_code, 2);
  ck_assert(strstr(result.err, "usage: ccgc COMMAND"));
  command_result_free(&result);
  result = run_ccgc("bogus");
  ck_assert_int_eq(result.exit_code, 2);
  ck_assert_str_eq(result.err, "ccgc: unknown command 'bogus' (try 'ccgc --help')\n");
  command_result_free(&result);
  result = run_ccgc("help bogus");
  ck_assert_int_eq(result.exit_code, 2);
  ck_assert(strstr(result.err, "unknown command 'bogus'"));
  command_result_free(&result);
  result = run_ccgc("demo --help");
  ck_assert_int_eq(result.exit_code, 0);
  ck_assert(strstr(result.out, "usage: ccgc demo"));
  command_result_free(&result);
  result = run_ccgc("help demo");
  ck_assert_int_eq(result.exit_code, 0);
  ck_assert(strstr(result.out, "usage: ccgc demo"));
  command_result_free(&result);
  result = run_ccgc("stress --help");
  ck_assert_int_eq(result.exit_code, 0);
  ck_assert(strstr(result.out, "usage: ccgc stress"));
  command_result_free(&result);
  result = run_ccgc("bench --help");
  ck_assert_int_eq(result.exit_code, 0);
  ck_assert(strstr(result.out, "usage: ccgc bench"));
  command_result_free(&result);
  result = run_ccgc("demo --no-such-option");
  ck_assert_int_eq(result.exit_code, 2);
  ck_assert_str_eq(result.err,
                   "ccgc demo: unknown option '--no-such-option' (try 'ccgc demo --help')\n");
  command_result_free(&result);
  result = run_ccgc("demo --out");
  ck_assert_int_eq(result.exit_code, 2);
  ck_assert(strstr(result.err, "ccgc demo: option '--out' needs a value"));
  command_result_free(&result);
  result = run_ccgc("demo a.html b.html");
  ck_assert_int_eq(result.exit_code, 2);
  ck_assert(strstr(result.err, "one page at most"));
  command_result_free(&result);
  result = run_ccgc("stress --no-such-option");
  ck_assert_int_eq(result.exit_code, 2);
  ck_assert_str_eq(result.err, "ccgc stress: unknown option '--no-such-option' (try 'ccgc "
                              "stress --help')\n");
  command_result_free(&result);
  result = run_ccgc("stress --ops -5");
  ck_assert_int_eq(result.exit_code, 2);
  ck_assert_msg(strstr(result.err, "--ops -5 is out of range: a whole number, 1 or more"), "%s",
                result.err);
  command_result_free(&result);
}
END_TEST

static size_t count_matches(const char *pattern, const char *text) {
  GRegex *regex = g_regex_new(pattern, G_REGEX_MULTILINE, 0, NULL);
  ck_assert_ptr_nonnull(regex);
  GMatchInfo *match;
  g_regex_match(regex, text, 0, &match);
  size_t count = 0;
  while (g_match_info_matches(match)) {
    count++;
    g_match_info_next(match, NULL);
  }
  g_match_info_free(match);
  g_regex_unref(regex);
  return count;
}

static size_t count_nodes(Agraph_t *graph) {
  size_t count = 0;
  for (Agnode_t *node = agfstnode(graph); node; node = agnxtnode(graph, node)) count++;
  return count;
}

static Agraph_t *read_dot(const char *dir) {
  char *dot_path = g_build_filename(dir, "heap.dot", NULL);
  FILE *file = fopen(dot_path, "r");
  ck_assert_msg(file != NULL, "no %s", dot_path);
  Agraph_t *graph = agread(file, NULL);
  fclose(file);
  ck_assert_msg(graph != NULL, "%s does not parse", dot_path);
  g_free(dot_path);
  return graph;
}

static size_t nodes_labelled(Agraph_t *graph, const char *part) {
  size_t count = 0;
  for (Agnode_t *node = agfstnode(graph); node; node = agnxtnode(graph, node)) {
    char *label = agget(node, (char *)"label");
    count += label && strstr(label, part);
  }
  return count;
}

static size_t nodes_labelled_both(Agraph_t *graph, const char *one, const char *other) {
  size_t count = 0;
  for (Agnode_t *node = agfstnode(graph); node; node = agnxtnode(graph, node)) {
    char *label = agget(node, (char *)"label");
    count += label && strstr(label, one) && strstr(label, other);
  }
  return count;
}

static void remove_dir(const char *dir) {
  char *cleanup = g_strdup_printf("rm -rf '%s'", dir);
  ck_assert_int_eq(system(cleanup), 0);
  g_free(cleanup);
}

#define TRACE_LINE                                                                    \
  "^\\[\\d+:0x[0-9a-f]+\\] +\\d+ ms: Mark-Compact [0-9.]+ \\([0-9.]+\\) -> "            \
  "[0-9.]+ \\([0-9.]+\\) MB, [0-9.]+ / [0-9.]+ ms  \\(average mu = [0-9.]+, "              \
  "current mu = [0-9.]+\\) runtime; $"

/* The version the command was built with, which is the library's: the
 * same string as the header's (ccgc-version.h, from the project's VERSION). */
START_TEST(version_prints_the_library_version) {
  command_result result = run_ccgc("--version");
  ck_assert_int_eq(result.exit_code, 0);
  ck_assert_str_eq(result.out, "ccgc " CCGC_VERSION_STRING "\n");
  ck_assert_str_eq(ccgc_version(), CCGC_VERSION_STRING);
  command_result_free(&result);
}
END_TEST

START_TEST(demo_prints_trace_lines_and_draws_both_heaps) {
  char *dir = make_temp_dir();
  char *args = g_strdup_printf("demo --out %s/pictures", dir);
  command_result result = run_ccgc(args);
  ck_assert_msg(result.exit_code == 0, "exit %d: %s%s", result.exit_code, result.out, result.err);
  ck_assert_msg(count_matches(TRACE_LINE, result.out) == 3, "trace lines in:\n%s", result.out);
  ck_assert_msg(count_matches("^  GC [123]: script \\d+ -> \\d+ objects, dom \\d+ -> \\d+ objects",
                              result.out) == 3,
                "%s", result.out);
  ck_assert(strstr(result.out, "40 elements"));
  ck_assert(count_matches("^  #tooltip .* reclaimed in GC 1$", result.out) == 1);
  ck_assert(count_matches("^  #menu .* reclaimed in GC 1$", result.out) == 1);
  ck_assert(count_matches("^  #modal .* reclaimed in GC 2$", result.out) == 1);
  ck_assert(count_matches("^  #widget .* reclaimed in GC 3$", result.out) == 1);
  ck_assert(strstr(result.out, "detached subtree held only through cross-heap cycles reclaimed: yes"));
  ck_assert(strstr(result.out, "verifier: 0 errors in 3 collections"));
  ck_assert(count_matches("^  script heap: +\\d+ objects before GC 1, +\\d+ after GC 3$",
                          result.out) == 1);

  char *pictures = g_build_filename(dir, "pictures", NULL);
  Agraph_t *graph = read_dot(pictures);
  Agraph_t *script = agsubg(graph, (char *)"cluster_script", 0);
  Agraph_t *dom = agsubg(graph, (char *)"cluster_dom", 0);
  ck_assert_ptr_nonnull(script);
  ck_assert_ptr_nonnull(dom);
  ck_assert_uint_gt(count_nodes(script), 10);
  ck_assert_uint_gt(count_nodes(dom), 40);
  size_t bonds = 0;
  for (Agnode_t *node = agfstnode(graph); node; node = agnxtnode(graph, node))
    for (Agedge_t *edge = agfstout(graph, node); edge; edge = agnxtout(graph, edge)) {
      char *edge_label = agget(edge, (char *)"label");
      char *dir_attr = agget(edge, (char *)"dir");
      if (edge_label && !strcmp(edge_label, "wrapper pair") && dir_attr &&
          !strcmp(dir_attr, "both"))
        bonds++;
    }
  ck_assert_uint_ge(bonds, 10);
  ck_assert_uint_gt(nodes_labelled(graph, "(reclaimed in GC 1)"), 10);
  ck_assert_uint_gt(nodes_labelled(graph, "(reclaimed in GC 3)"), 3);
  /* Script objects move in every GC (the nursery is evacuated): the picture
   * follows them, so the ones that died in GC 2 and 3 are not all reported
   * as reclaimed in GC 1, where they only moved. */
  ck_assert_uint_gt(nodes_labelled(script, "(reclaimed in GC 2)"), 0);
  ck_assert_uint_gt(nodes_labelled(script, "(reclaimed in GC 3)"), 0);
  ck_assert_uint_eq(nodes_labelled(graph, "HTMLDivElement #widget"), 1);
  ck_assert_uint_eq(nodes_labelled_both(graph, "#widget", "(reclaimed in GC 3)"), 1);
  /* Hidden classes (their type name is MetaClass) and strings are left out by
   * default, backing stores folded into edges. */
  ck_assert_uint_eq(nodes_labelled(graph, "MetaClass"), 0);
  ck_assert_uint_eq(nodes_labelled(graph, "String"), 0);
  ck_assert_uint_eq(nodes_labelled(graph, "HeapVector"), 0);
  ck_assert_ptr_nonnull(agnode(graph, (char *)"roots_script", 0));
  ck_assert_ptr_nonnull(agnode(graph, (char *)"roots_dom", 0));
  agclose(graph);

  /* The `dot` program renders the file; the in-process SVG is there too. */
  char *render = g_strdup_printf("dot -Tsvg %s/heap.dot -o %s/rendered.svg", pictures, dir);
  ck_assert_int_eq(system(render), 0);
  char *svg = g_build_filename(pictures, "heap.svg", NULL);
  gchar *svg_text = NULL;
  ck_assert(g_file_get_contents(svg, &svg_text, NULL, NULL));
  ck_assert(strstr(svg_text, "<svg") && strstr(svg_text, "cluster_dom") &&
            strstr(svg_text, "wrapper pair"));
  g_free(svg_text);
  remove_dir(dir);
  g_free(render);
  g_free(svg);
  g_free(pictures);
  g_free(args);
  free(dir);
  command_result_free(&result);
}
END_TEST

START_TEST(demo_all_draws_the_internals) {
  char *dir = make_temp_dir();
  char *args = g_strdup_printf("demo --all --quiet --out %s", dir);
  command_result result = run_ccgc(args);
  ck_assert_msg(result.exit_code == 0, "%s%s", result.out, result.err);
  ck_assert(!strstr(result.out, "script: ")); /* --quiet: no narration */
  ck_assert(strstr(result.out, "summary, unified tracing"));
  Agraph_t *graph = read_dot(dir);
  ck_assert_uint_gt(nodes_labelled(graph, "MetaClass"), 0);
  ck_assert_uint_gt(nodes_labelled(graph, "String"), 0);
  ck_assert_uint_gt(nodes_labelled(graph, "HeapVector"), 0);
  agclose(graph);
  remove_dir(dir);
  g_free(args);
  free(dir);
  command_result_free(&result);
}
END_TEST

START_TEST(baseline_demo_shows_the_leak) {
  char *dir = make_temp_dir();
  char *args = g_strdup_printf("demo --baseline --out %s", dir);
  command_result result = run_ccgc(args);
  ck_assert_int_eq(result.exit_code, 0);
  ck_assert_msg(count_matches("^  #tooltip .* alive \\(leak\\)$", result.out) == 1, "%s",
                result.out);
  ck_assert(strstr(result.out, "detached subtree held only through cross-heap cycles reclaimed: no"));
  ck_assert(strstr(result.out, "leak: 4 detached subtrees survive all 3 collections"));
  ck_assert(strstr(result.out, "probe '#tooltip' is retained by:"));
  ck_assert(strstr(result.out, "root (global handle)"));
  Agraph_t *graph = read_dot(dir);
  ck_assert_uint_eq(nodes_labelled(graph, "HTMLDivElement #tooltip"), 1);
  ck_assert_uint_eq(nodes_labelled_both(graph, "#tooltip", "(reclaimed"), 0);
  agclose(graph);
  command_result_free(&result);
  /* --quiet leaves out the narration only: the summary keeps the path. */
  g_free(args);
  args = g_strdup_printf("demo --baseline --quiet --out %s", dir);
  result = run_ccgc(args);
  ck_assert_int_eq(result.exit_code, 0);
  ck_assert_msg(!strstr(result.out, "\nscript: "), "%s", result.out);
  ck_assert_msg(strstr(result.out, "probe '#tooltip' is retained by:") &&
                    strstr(result.out, "root (global handle)"),
                "%s", result.out);
  remove_dir(dir);
  g_free(args);
  free(dir);
  command_result_free(&result);
}
END_TEST

START_TEST(demo_loads_a_page_file) {
  char *dir = make_temp_dir();
  char *page = g_build_filename(dir, "page.html", NULL);
  const char *html = "<html><body><div id=widget><button id=open>Open</button>"
                     "<button id=close>Close</button></div><p>text</p></body></html>";
  g_file_set_contents(page, html, -1, NULL);
  char *args = g_strdup_printf("demo --quiet --out %s %s", dir, page);
  command_result result = run_ccgc(args);
  /* No #menu on this page: the other subtrees still behave. */
  ck_assert_msg(result.exit_code == 0, "%s%s", result.out, result.err);
  ck_assert(strstr(result.out, "page.html: 7 elements")); /* and the implied head */
  ck_assert(!strstr(result.out, "#menu"));
  ck_assert(count_matches("^  #widget .* reclaimed in GC 3$", result.out) == 1);
  remove_dir(dir);
  g_free(args);
  g_free(page);
  free(dir);
  command_result_free(&result);
}
END_TEST

START_TEST(demo_rejects_unreadable_and_malformed_pages) {
  command_result result = run_ccgc("demo /nonexistent.html");
  ck_assert_int_eq(result.exit_code, 1);
  ck_assert_str_eq(result.err,
                   "ccgc demo: cannot read '/nonexistent.html': No such file or directory\n");
  ck_assert_str_eq(result.out, "");
  command_result_free(&result);
  char *dir = make_temp_dir();
  char *empty = g_build_filename(dir, "empty.html", NULL);
  g_file_set_contents(empty, "", 0, NULL);
  char *args = g_strdup_printf("demo --out %s %s", dir, empty);
  result = run_ccgc(args);
  ck_assert_int_eq(result.exit_code, 1);
  ck_assert_msg(strstr(result.err, "cannot parse") && strstr(result.err, "empty"), "%s",
                result.err);
  command_result_free(&result);
  char *binary = g_build_filename(dir, "binary.html", NULL);
  g_file_set_contents(binary, "\x7f" "ELF\0\0\0\1", 8, NULL);
  g_free(args);
  args = g_strdup_printf("demo --out %s %s", dir, binary);
  result = run_ccgc(args);
  ck_assert_int_eq(result.exit_code, 1);
  ck_assert(strstr(result.err, "cannot parse"));
  command_result_free(&result);
  g_free(args);
  args = g_strdup_printf("demo --out %s %s", dir, dir); /* a directory */
  result = run_ccgc(args);
  ck_assert_int_eq(result.exit_code, 1);
  ck_assert(strstr(result.err, "not a regular file"));
  command_result_free(&result);
  /* An output directory that cannot be made. */
  g_free(args);
  args = g_strdup_printf("demo --quiet --out %s/heap.dot.d", empty);
  result = run_ccgc(args);
  ck_assert_int_eq(result.exit_code, 1);
  ck_assert_msg(strstr(result.err, "ccgc demo: cannot create"), "%s", result.err);
  command_result_free(&result);
  remove_dir(dir);
  g_free(args);
  g_free(empty);
  g_free(binary);
  free(dir);
}
END_TEST

int main(void) {
  Suite *suite = suite_create("cli");
  TCase *tc = tcase_create("core");
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, help_lists_the_commands_and_unknown_ones_fail);
  tcase_add_test(tc, version_prints_the_library_version);
  tcase_add_test(tc, demo_prints_trace_lines_and_draws_both_heaps);
  tcase_add_test(tc, demo_all_draws_the_internals);
  tcase_add_test(tc, baseline_demo_shows_the_leak);
  tcase_add_test(tc, demo_loads_a_page_file);
  tcase_add_test(tc, demo_rejects_unreadable_and_malformed_pages);
  suite_add_tcase(suite, tc);
  return ccgc_test_run(suite);
}
