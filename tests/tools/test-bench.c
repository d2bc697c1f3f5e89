/* test-bench.c - `ccgc bench` runs in a small configuration and prints
 * well-formed tables and ratios (not timings: those are not asserted). It is
 * also the regression test for an allocation area left open across an
 * incremental cycle's sweep, which crashed `bench pauses`, and checks the
 * binary-trees output values for N = 10 against the benchmarks game's
 * published expected output. */
#include <check.h>
#include <glib.h>
#include <json-glib/json-glib.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ccgc-test.h"
#include "run-command.h"

START_TEST(pauses_prints_both_modes_and_ratios) {
  command_result result = run_ccgc("bench pauses --quick --live-mb 32");
  ck_assert_msg(result.exit_code == 0, "exit %d\n%s%s", result.exit_code, result.out,
                result.err);
  ck_assert(g_regex_match_simple("^stop-the-world +\\d+ +[0-9.]+ +[0-9.]+ +[0-9.]+ +[0-9.]+$",
                                 result.out, G_REGEX_MULTILINE, 0));
  ck_assert(g_regex_match_simple("^incremental +\\d+ +[0-9.]+ +[0-9.]+ +[0-9.]+ +[0-9.]+$",
                                 result.out, G_REGEX_MULTILINE, 0));
  ck_assert(g_regex_match_simple("^ratio max pause stop-the-world / incremental: [0-9.]+$",
                                 result.out, G_REGEX_MULTILINE, 0));
  ck_assert(g_regex_match_simple("^live: script [0-9.]+ MB", result.out, G_REGEX_MULTILINE, 0));
  command_result_free(&result);
}
END_TEST

START_TEST(barrier_prints_a_throughput_ratio) {
  command_result result = run_ccgc("bench barrier --quick");
  ck_assert_int_eq(result.exit_code, 0);
  ck_assert(g_regex_match_simple("^ratio throughput with barrier / without: [0-9.]+$",
                                 result.out, G_REGEX_MULTILINE, 0));
  command_result_free(&result);
  result = run_ccgc("bench nonsense");
  ck_assert_int_eq(result.exit_code, 2);
  ck_assert(strstr(result.err, "unknown benchmark 'nonsense'"));
  command_result_free(&result);
}
END_TEST

/* The game's expected output for N = 10 (tabs as published). */
START_TEST(binary_trees_n10_matches_the_published_output) {
  command_result result = run_ccgc("bench binary-trees --depth 10 --quick");
  ck_assert_msg(result.exit_code == 0, "exit %d\n%s%s", result.exit_code, result.out,
                result.err);
  static const char *expected[] = {
      "stretch tree of depth 11\t check: 4095\n",
      "1024\t trees of depth 4\t check: 31744\n",
      "256\t trees of depth 6\t check: 32512\n",
      "64\t trees of depth 8\t check: 32704\n",
      "16\t trees of depth 10\t check: 32752\n",
      "long lived tree of depth 10\t check: 2047\n",
  };
  const char *at = result.out;
  for (size_t i = 0; i < G_N_ELEMENTS(expected); i++) {
    const char *found = strstr(at, expected[i]);
    ck_assert_msg(found, "missing (in order) '%s' in\n%s", expected[i], result.out);
    at = found + strlen(expected[i]);
  }
  /* Every allocator's checks, not only the printed (malloc) run. */
  ck_assert(strstr(result.out, "check values (all allocators): ok\n"));
  command_result_free(&result);
}
END_TEST

/* Every "ratio ...: X" line ends in a finite number. Returns how many. */
static int check_ratio_lines(const char *out) {
  int count = 0;
  gchar **lines = g_strsplit(out, "\n", -1);
  for (gchar **line = lines; *line; line++) {
    if (!g_str_has_prefix(*line, "ratio ")) continue;
    const char *colon = strrchr(*line, ':');
    ck_assert_msg(colon, "ratio line without a value: '%s'", *line);
    char *end;
    double value = g_ascii_strtod(colon + 1, &end);
    ck_assert_msg(end != colon + 1 && *end == '\0' && isfinite(value) && value >= 0,
                  "ratio line does not end in a number: '%s'", *line);
    count++;
  }
  g_strfreev(lines);
  return count;
}

/* Every line of the JSON file is one object with a "bench" member; returns
 * the set of bench names seen. */
static GHashTable *check_json_lines(const char *path) {
  GHashTable *names = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
  gchar *text = NULL;
  ck_assert_msg(g_file_get_contents(path, &text, NULL, NULL), "no JSON file %s", path);
  gchar **lines = g_strsplit(text, "\n", -1);
  for (gchar **line = lines; *line; line++) {
    if (!**line) continue;
    JsonParser *parser = json_parser_new();
    GError *error = NULL;
    ck_assert_msg(json_parser_load_from_data(parser, *line, -1, &error),
                  "JSON line does not parse: %s\n%s", error ? error->message : "", *line);
    JsonNode *root = json_parser_get_root(parser);
    ck_assert(JSON_NODE_HOLDS_OBJECT(root));
    JsonObject *object = json_node_get_object(root);
    ck_assert_msg(json_object_has_member(object, "bench"), "no bench member: %s", *line);
    g_hash_table_add(names, g_strdup(json_object_get_string_member(object, "bench")));
    g_object_unref(parser);
  }
  g_strfreev(lines);
  g_free(text);
  return names;
}

/* Each benchmark's table header, looked for in its own section. */
typedef struct expected_section {
  const char *name;
  const char *header; /* a regex, multiline */
} expected_section;

static const expected_section SECTIONS[] = {
    {"pauses", "^mode +pauses +p50 ms +p99 ms +max ms +total ms$"},
    {"barrier", "^store loop \\(marking off\\) +ms +Mstores/s$"},
    {"ephemerons", "^chain +n +mark n ms"},
    {"gcbench", "^heap +backend +limit MB +time ms +GCs +GC ms +vs malloc +vs boehm$"},
    {"binary-trees", "^heap +backend +limit MB +time ms +GCs +GC ms +vs malloc +vs boehm$"},
    {"mark", "^marker +ms +MB/s +Mobjects/s$"},
    {"dom", "^total ms +GC ms +GC % +pauses +p50 ms +p99 ms +max ms +peak MB +live MB$"},
    {"scavenge", "^threads +survival +actual +p50 ms +p99 ms +max ms +survived MB +promoted MB "
                 "+MB/s copied$"},
};

/* The whole quick suite, as `ccgc bench --quick` runs it. Under the
 * sanitizers (CCGC_SANITIZED set) the suite takes many minutes, so only
 * binary-trees N = 10 runs there, through the same checks. */
START_TEST(quick_suite_is_well_formed) {
  char *dir = make_temp_dir();
  char *json = g_build_filename(dir, "bench.json", NULL);
  const char *sanitized = getenv("CCGC_SANITIZED");
  bool full = !sanitized || !*sanitized;
  char *args = full ? g_strdup_printf("bench --quick --json %s", json)
                    : g_strdup_printf("bench binary-trees --depth 10 --quick --json %s", json);
  command_result result = run_ccgc(args);
  ck_assert_msg(result.exit_code == 0, "exit %d\n%s%s", result.exit_code, result.out,
                result.err);
  ck_assert_msg(check_ratio_lines(result.out) > 0, "no ratio lines:\n%s", result.out);
  GHashTable *names = check_json_lines(json);
  for (size_t i = 0; i < G_N_ELEMENTS(SECTIONS); i++) {
    if (!full && strcmp(SECTIONS[i].name, "binary-trees")) continue;
    const char *section = result.out;
    const char *end = result.out + strlen(result.out);
    if (full) {
      char *marker = g_strdup_printf("== bench %s ==\n", SECTIONS[i].name);
      section = strstr(result.out, marker);
      ck_assert_msg(section, "no section for %s:\n%s", SECTIONS[i].name, result.out);
      section += strlen(marker);
      const char *next = strstr(section, "\n== ");
      if (next) end = next;
      g_free(marker);
    }
    char *text = g_strndup(section, (gsize)(end - section));
    ck_assert_msg(g_regex_match_simple(SECTIONS[i].header, text, G_REGEX_MULTILINE, 0),
                  "%s: no table header /%s/ in\n%s", SECTIONS[i].name, SECTIONS[i].header,
                  text);
    ck_assert_msg(g_hash_table_contains(names, SECTIONS[i].name), "no JSON line for %s",
                  SECTIONS[i].name);
    g_free(text);
  }
  if (full) {
    ck_assert(strstr(result.out, "== all benchmarks: "));
    /* Benchmarks not listed above (concurrent, owned by its own test) must
     * at least print something under their marker. */
    for (const char *at = strstr(result.out, "== bench "); at;
         at = strstr(at + 1, "== bench ")) {
      const char *body = strchr(at, '\n');
      ck_assert(body);
      ck_assert_msg(body[1] && strncmp(body + 1, "== ", 3), "empty section: %.40s", at);
    }
  }
  g_hash_table_destroy(names);
  command_result_free(&result);
  remove(json);
  remove(dir);
  g_free(args);
  g_free(json);
  free(dir);
}
END_TEST

/* bench-scavenge.c: a row per thread count and survival rate, the
 * survivors' check, the three ratios (their bounds are timings: printed,
 * not asserted), one JSON line per row plus the ratios. */
START_TEST(scavenge_prints_every_rate_and_thread_count) {
  char *dir = make_temp_dir();
  char *json = g_build_filename(dir, "bench.json", NULL);
  char *args = g_strdup_printf("bench scavenge --quick --json %s", json);
  command_result result = run_ccgc(args);
  ck_assert_msg(result.exit_code == 0, "exit %d\n%s%s", result.exit_code, result.out,
                result.err);
  static const char *const rates[] = {"0", "1", "10", "50"};
  for (int threads = 1; threads <= 2; threads++)
    for (size_t i = 0; i < G_N_ELEMENTS(rates); i++) {
      char *row = g_strdup_printf("^%d +%s%% +[0-9.]+%% +[0-9.]+ +[0-9.]+ +[0-9.]+ +[0-9.]+ "
                                  "+[0-9.]+ +[0-9.]+$",
                                  threads, rates[i]);
      ck_assert_msg(g_regex_match_simple(row, result.out, G_REGEX_MULTILINE, 0),
                    "no row /%s/ in\n%s", row, result.out);
      g_free(row);
    }
  ck_assert(strstr(result.out, "checks (survivors reachable after their scavenge, no other "
                               "scavenge ran): ok\n"));
  ck_assert(g_regex_match_simple("^ratio scavenge 10%/1%: [0-9.]+$", result.out,
                                 G_REGEX_MULTILINE, 0));
  ck_assert(g_regex_match_simple("^ratio scavenge 0%/10%: [0-9.]+$", result.out,
                                 G_REGEX_MULTILINE, 0));
  ck_assert(g_regex_match_simple("^ratio scavenge 2 threads/1 thread: [0-9.]+$", result.out,
                                 G_REGEX_MULTILINE, 0));
  ck_assert(g_regex_match_simple("^bounds \\(p50\\): 10%/1% <= 11 (ok|EXCEEDED), "
                                 "0%/10% <= 0.05 (ok|EXCEEDED)$",
                                 result.out, G_REGEX_MULTILINE, 0));
  check_ratio_lines(result.out);
  GHashTable *names = check_json_lines(json);
  ck_assert(g_hash_table_contains(names, "scavenge"));
  g_hash_table_destroy(names);
  gchar *text = NULL;
  ck_assert(g_file_get_contents(json, &text, NULL, NULL));
  int lines = 0;
  for (const char *at = text; (at = strstr(at, "\"bench\":\"scavenge\"")); at++) lines++;
  ck_assert_int_eq(lines, 9);
  ck_assert(strstr(text, "\"ratio_2_threads_over_1\":"));
  g_free(text);
  command_result_free(&result);
  remove(json);
  remove(dir);
  g_free(args);
  g_free(json);
  free(dir);
}
END_TEST

START_TEST(pauses_writes_an_svg_plot) {
  char *dir = make_temp_dir();
  char *svg = g_build_filename(dir, "pauses.svg", NULL);
  char *args = g_strdup_printf("bench pauses --quick --live-mb 8 --plot %s", svg);
  command_result result = run_ccgc(args);
  ck_assert_msg(result.exit_code == 0, "exit %d\n%s", result.exit_code, result.err);
  gchar *text = NULL;
  ck_assert(g_file_get_contents(svg, &text, NULL, NULL));
  ck_assert(g_str_has_prefix(text, "<svg "));
  ck_assert(strstr(text, "<polyline"));
  ck_assert(g_str_has_suffix(text, "</svg>\n"));
  g_free(text);
  command_result_free(&result);
  remove(svg);
  remove(dir);
  g_free(args);
  g_free(svg);
  free(dir);
}
END_TEST

int main(void) {
  Suite *suite = suite_create("bench");
  TCase *tc = tcase_create("core");
  tcase_set_timeout(tc, 120);
  tcase_add_test(tc, pauses_prints_both_modes_and_ratios);
  tcase_add_test(tc, barrier_prints_a_throughput_ratio);
  tcase_add_test(tc, binary_trees_n10_matches_the_published_output);
  tcase_add_test(tc, pauses_writes_an_svg_plot);
  tcase_add_test(tc, scavenge_prints_every_rate_and_thread_count);
  TCase *suite_case = tcase_create("quick-suite");
  /* ~30 s alone; generous for a shared, busy machine. */
  tcase_set_timeout(suite_case, 600);
  tcase_add_test(suite_case, quick_suite_is_well_formed);
  suite_add_tcase(suite, suite_case);
  suite_add_tcase(suite, tc);
  return ccgc_test_run(suite);
}
