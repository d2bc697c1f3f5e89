/* test-bench-fragmentation.c - `ccgc bench fragmentation --quick`
 * (tools/bench/bench-fragmentation.c): the table has a row per heap,
 * thread count and collection, the ratios end in numbers, the figures are
 * sane (committed after compaction below committed before, live bytes
 * unchanged, the bound line and the checks there) and the --json document
 * has the same figures. No timing is asserted. */
#include <check.h>
#include <glib.h>
#include <json-glib/json-glib.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ccgc-test.h"
#include "run-command.h"

#define NUM "([0-9]+\\.[0-9]+)"
#define ROW(heap, threads, collection)                                                  \
  "^" heap " +" threads " +" collection " +" NUM " +" NUM " +" NUM " +" NUM " +"        \
  "(-|" NUM ") +(-|" NUM ") +(-|" NUM ")$"

/* The committed and live MB of a table row. */
static void row_figures(const char *out, const char *pattern, double *committed,
                        double *live) {
  GRegex *regex = g_regex_new(pattern, G_REGEX_MULTILINE, 0, NULL);
  ck_assert(regex);
  GMatchInfo *match;
  ck_assert_msg(g_regex_match(regex, out, 0, &match), "no row /%s/ in\n%s", pattern, out);
  char *c = g_match_info_fetch(match, 1), *l = g_match_info_fetch(match, 2);
  *committed = g_ascii_strtod(c, NULL);
  *live = g_ascii_strtod(l, NULL);
  g_free(c), g_free(l);
  g_match_info_free(match);
  g_regex_unref(regex);
}

static void check_ratio(const char *out, const char *name) {
  char *pattern = g_strdup_printf("^ratio %s: [0-9]+\\.[0-9]+$", name);
  ck_assert_msg(g_regex_match_simple(pattern, out, G_REGEX_MULTILINE, 0), "no /%s/ in\n%s",
                pattern, out);
  g_free(pattern);
}

/* The result objects of the document with "variant" = variant. */
static JsonObject *result_of(JsonArray *results, const char *variant, int threads) {
  for (guint i = 0; i < json_array_get_length(results); i++) {
    JsonObject *o = json_array_get_object_element(results, i);
    if (strcmp(json_object_get_string_member(o, "bench"), "fragmentation")) continue;
    if (strcmp(json_object_get_string_member(o, "variant"), variant)) continue;
    if (threads && json_object_get_int_member(o, "threads") != threads) continue;
    return o;
  }
  ck_abort_msg("no result for %s (%d threads)", variant, threads);
  return NULL;
}

START_TEST(quick_run_prints_sane_figures_and_json) {
  char *dir = make_temp_dir();
  char *json = g_build_filename(dir, "bench.json", NULL);
  char *args = g_strdup_printf("bench fragmentation --quick --json %s", json);
  command_result result = run_ccgc(args);
  ck_assert_msg(result.exit_code == 0, "exit %d\n%s%s", result.exit_code, result.out,
                result.err);
  const char *out = result.out;
  ck_assert_msg(g_regex_match_simple("^heap +threads +collection +committed MB +live MB "
                                     "+committed/live +pause ms +evac ms +moved MB +MB/ms$",
                                     out, G_REGEX_MULTILINE, 0),
                "no header in\n%s", out);
  for (int threads = 1; threads <= 2; threads++) {
    char *before_row = g_strdup_printf(ROW("script", "%d", "no compaction"), threads);
    char *after_row = g_strdup_printf(ROW("script", "%d", "compaction"), threads);
    double committed_before, live_before, committed_after, live_after;
    row_figures(out, before_row, &committed_before, &live_before);
    row_figures(out, after_row, &committed_after, &live_after);
    /* 90 % freed, scattered: committed far above live without compaction,
     * back near live with it; compaction frees, it does not lose objects. */
    ck_assert_msg(committed_after < committed_before, "%d threads: %g MB after, %g before",
                  threads, committed_after, committed_before);
    ck_assert_double_gt(committed_before, 3 * live_before);
    ck_assert_double_eq_tol(live_after, live_before, 0.05);
    ck_assert_double_gt(live_after, 0);
    g_free(before_row), g_free(after_row);
  }
  double committed, live;
  row_figures(out, ROW("boehm", "-", "GC_gcollect"), &committed, &live);
  ck_assert_double_gt(live, 0);
  ck_assert_double_ge(committed, live);
  row_figures(out, ROW("dom", "-", "compaction never"), &committed, &live);
  ck_assert_double_gt(live, 0);
  ck_assert_double_ge(committed, live);
  row_figures(out, ROW("dom", "-", "compaction every"), &committed, &live);
  ck_assert_double_gt(live, 0);
  check_ratio(out, "script committed/live after compaction");
  check_ratio(out, "evacuation speed 2 threads / 1 thread");
  check_ratio(out, "committed/live boehm / script after compaction");
  ck_assert(g_regex_match_simple("^bound: script committed/live after compaction <= 1\\.3 "
                                 "\\(both thread counts\\): (ok|EXCEEDED)$",
                                 out, G_REGEX_MULTILINE, 0));
  ck_assert(g_regex_match_simple("^threads that copied: 1 of 1, [12] of 2$", out,
                                 G_REGEX_MULTILINE, 0));
  ck_assert(strstr(out, "same objects moved with 1 and 2 threads): ok\n"));
  /* Progress on stderr only, to the end. */
  ck_assert(!strstr(out, " elapsed, "));
  ck_assert_msg(g_regex_match_simple("^bench fragmentation: (\\d+)/\\1 MB built \\(100 %\\)",
                                     result.err, G_REGEX_MULTILINE, 0),
                "no progress to the end:\n%s", result.err);

  JsonParser *parser = json_parser_new();
  GError *error = NULL;
  ck_assert_msg(json_parser_load_from_file(parser, json, &error), "%s",
                error ? error->message : "");
  JsonArray *results =
      json_object_get_array_member(json_node_get_object(json_parser_get_root(parser)),
                                   "results");
  for (int threads = 1; threads <= 2; threads++) {
    JsonObject *o = result_of(results, "script", threads);
    ck_assert_int_lt(json_object_get_int_member(o, "committed_after_bytes"),
                     json_object_get_int_member(o, "committed_before_bytes"));
    ck_assert_int_eq(json_object_get_int_member(o, "live_after_bytes"),
                     json_object_get_int_member(o, "live_before_bytes"));
    ck_assert_int_gt(json_object_get_int_member(o, "moved_bytes"), 0);
    ck_assert_int_ge(json_object_get_int_member(o, "threads_copied"), 1);
    ck_assert_int_le(json_object_get_int_member(o, "threads_copied"), threads);
    ck_assert(json_object_get_boolean_member(o, "checks_ok"));
    ck_assert(isfinite(json_object_get_double_member(o, "mb_moved_per_ms")));
  }
  ck_assert_int_eq(json_object_get_int_member(result_of(results, "script", 1), "moved_objects"),
                   json_object_get_int_member(result_of(results, "script", 2), "moved_objects"));
  const char *others[] = {"boehm", "dom_compaction_never", "dom_compaction_every_full"};
  for (size_t i = 0; i < G_N_ELEMENTS(others); i++) {
    JsonObject *o = result_of(results, others[i], 0);
    ck_assert_int_gt(json_object_get_int_member(o, "live_bytes"), 0);
    ck_assert_int_ge(json_object_get_int_member(o, "committed_bytes"),
                     json_object_get_int_member(o, "live_bytes"));
  }
  JsonObject *ratios = result_of(results, "ratios", 0);
  ck_assert(json_object_get_boolean_member(ratios, "checks_ok"));
  ck_assert(json_object_has_member(ratios, "ratio_2_threads_over_1"));
  ck_assert(json_object_has_member(ratios, "bound_ok"));
  g_object_unref(parser);
  command_result_free(&result);
  remove(json);
  remove(dir);
  g_free(args);
  g_free(json);
  free(dir);
}
END_TEST

int main(void) {
  Suite *suite = suite_create("bench-fragmentation");
  TCase *tc = tcase_create("core");
  tcase_set_timeout(tc, 120);
  tcase_add_test(tc, quick_run_prints_sane_figures_and_json);
  suite_add_tcase(suite, tc);
  return ccgc_test_run(suite);
}
