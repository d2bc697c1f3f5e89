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
#include "run-command.h"

START_TEST(help_lists_the_commands_and_unknown_ones_fail) {
  command_result result = run_ccgc("--help");
  ck_assert_int_eq(result.exit_code, 0);
  ck_assert(strstr(result.out, "demo") && strstr(result.out, "stress"));
  command_result_free(&result);
  result = run_ccgc("bogus");
  ck_assert_int_eq(result.exit_code, 2);
  ck_assert(strstr(result.err, "unknown command 'bogus'"));
  command_result_free(&result);
  result = run_ccgc("demo --help");
  ck_assert_int_eq(result.exit_code, 0);
  ck_assert(strstr(result.out, "usage: ccgc demo"));
  command_result_free(&result);
  result = run_ccgc("demo --no-such-option");
  ck_assert_int_eq(result.exit_code, 2);
  command_result_free(&result);
  result = run_ccgc("stress --ops -5");
  ck_assert_int_eq(result.exit_code, 2);
  ck_assert(strstr(result.err, "--ops wants a positive integer"));
  command_result_free(&result);
}
END_TEST

static size_t count_nodes(Agraph_t *graph) {
  size_t count = 0;
  for (Agnode_t *node = agfstnode(graph); node; node = agnxtnode(graph, node)) count++;
  return count;
}

START_TEST(demo_prints_trace_lines_and_draws_both_heaps) {
  char *dir = make_temp_dir();
  char *args = g_strdup_printf("demo --out %s", dir);
  command_result result = run_ccgc(args);
  ck_assert_msg(result.exit_code == 0, "exit %d: %s%s", result.exit_code, result.out, result.err);
  GRegex *trace = g_regex_new(
      "^\\[\\d+:0x[0-9a-f]+\\] +\\d+ ms: Mark-Sweep script [0-9.]+ \\([0-9.]+\\) -> "
      "[0-9.]+ \\([0-9.]+\\) MB, dom [0-9.]+ \\([0-9.]+\\) -> [0-9.]+ \\([0-9.]+\\) MB, "
      "[0-9.]+ / [0-9.]+ ms \\(average mu = [0-9.]+, current mu = [0-9.]+\\) host request;$",
      G_REGEX_MULTILINE, 0, NULL);
  GMatchInfo *match;
  g_regex_match(trace, result.out, 0, &match);
  int lines = 0;
  while (g_match_info_matches(match)) {
    lines++;
    g_match_info_next(match, NULL);
  }
  g_match_info_free(match);
  g_regex_unref(trace);
  ck_assert_msg(lines == 2, "%d trace lines in:\n%s", lines, result.out);
  ck_assert(strstr(result.out, "detached #tooltip (only its own cycle)     reclaimed"));
  ck_assert(strstr(result.out, "detached #modal (held by app.modal)        alive"));
  ck_assert(strstr(result.out, "verifier: 0 errors"));

  char *dot_path = g_build_filename(dir, "heap.dot", NULL);
  FILE *file = fopen(dot_path, "r");
  ck_assert_ptr_nonnull(file);
  Agraph_t *graph = agread(file, NULL);
  fclose(file);
  ck_assert_ptr_nonnull(graph);
  Agraph_t *script = agsubg(graph, (char *)"cluster_script", 0);
  Agraph_t *dom = agsubg(graph, (char *)"cluster_dom", 0);
  ck_assert_ptr_nonnull(script);
  ck_assert_ptr_nonnull(dom);
  ck_assert_uint_gt(count_nodes(script), 10);
  ck_assert_uint_gt(count_nodes(dom), 30);
  size_t bonds = 0, reclaimed = 0;
  for (Agnode_t *node = agfstnode(graph); node; node = agnxtnode(graph, node)) {
    char *label = agget(node, (char *)"label");
    if (label && strstr(label, "(reclaimed)")) reclaimed++;
    for (Agedge_t *edge = agfstout(graph, node); edge; edge = agnxtout(graph, edge)) {
      char *edge_label = agget(edge, (char *)"label");
      char *dir_attr = agget(edge, (char *)"dir");
      if (edge_label && !strcmp(edge_label, "wrapper pair") && dir_attr &&
          !strcmp(dir_attr, "both"))
        bonds++;
    }
  }
  ck_assert_uint_ge(bonds, 10);
  ck_assert_uint_gt(reclaimed, 10);
  ck_assert_ptr_nonnull(agnode(graph, (char *)"roots_script", 0));
  ck_assert_ptr_nonnull(agnode(graph, (char *)"roots_dom", 0));
  agclose(graph);

  char *render = g_strdup_printf("dot -Tsvg %s -o %s/rendered.svg", dot_path, dir);
  ck_assert_int_eq(system(render), 0);
  char *svg = g_build_filename(dir, "heap.svg", NULL);
  gchar *svg_text = NULL;
  ck_assert(g_file_get_contents(svg, &svg_text, NULL, NULL));
  ck_assert(strstr(svg_text, "<svg") && strstr(svg_text, "cluster_dom"));
  g_free(svg_text);
  char *cleanup = g_strdup_printf("rm -rf %s", dir);
  ck_assert_int_eq(system(cleanup), 0);
  g_free(cleanup);
  g_free(render);
  g_free(svg);
  g_free(dot_path);
  g_free(args);
  free(dir);
  command_result_free(&result);
}
END_TEST

START_TEST(baseline_demo_shows_the_leak) {
  char *dir = make_temp_dir();
  char *args = g_strdup_printf("demo --baseline --quiet --out %s", dir);
  command_result result = run_ccgc(args);
  ck_assert_int_eq(result.exit_code, 0);
  ck_assert_msg(strstr(result.out, "detached #tooltip (only its own cycle)     alive"),
                "%s", result.out);
  char *cleanup = g_strdup_printf("rm -rf %s", dir);
  ck_assert_int_eq(system(cleanup), 0);
  g_free(cleanup);
  g_free(args);
  free(dir);
  command_result_free(&result);
}
END_TEST

START_TEST(demo_rejects_unreadable_and_malformed_pages) {
  command_result result = run_ccgc("demo /nonexistent/page.html");
  ck_assert_int_eq(result.exit_code, 1);
  ck_assert_msg(strstr(result.err, "cannot read '/nonexistent/page.html'"), "%s", result.err);
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
  char *cleanup = g_strdup_printf("rm -rf %s", dir);
  ck_assert_int_eq(system(cleanup), 0);
  g_free(cleanup);
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
  tcase_add_test(tc, demo_prints_trace_lines_and_draws_both_heaps);
  tcase_add_test(tc, baseline_demo_shows_the_leak);
  tcase_add_test(tc, demo_rejects_unreadable_and_malformed_pages);
  suite_add_tcase(suite, tc);
  return ccgc_test_run(suite);
}
