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
#include <sys/utsname.h>
#include <unistd.h>

#include "ccgc-test.h"
#include "ccgc-version.h"
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

/* A string member that is there and not empty. */
static const char *nonempty_string(JsonObject *object, const char *name) {
  ck_assert_msg(json_object_has_member(object, name), "no member '%s'", name);
  const char *value = json_object_get_string_member(object, name);
  ck_assert_msg(value && *value, "member '%s' is empty", name);
  return value;
}

/* The --json file is ONE document (the whole file parses) with the machine,
 * the commit, the configuration, the results and a record per benchmark run;
 * `benchmark` is the name given (NULL: every one, --quick). Returns the set
 * of bench names among the results. */
static GHashTable *check_json_document(const char *path, const char *benchmark) {
  GHashTable *names = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
  JsonParser *parser = json_parser_new();
  GError *error = NULL;
  ck_assert_msg(json_parser_load_from_file(parser, path, &error),
                "the --json file is not one JSON document: %s", error ? error->message : "");
  JsonNode *root_node = json_parser_get_root(parser);
  ck_assert(JSON_NODE_HOLDS_OBJECT(root_node));
  JsonObject *root = json_node_get_object(root_node);
  ck_assert_str_eq(nonempty_string(root, "format"), "ccgc-bench");
  ck_assert_int_eq(json_object_get_int_member(root, "format_version"), 1);
  ck_assert(g_regex_match_simple("^\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ$",
                                 nonempty_string(root, "started_utc"), 0, 0));

  /* The machine: what /proc and uname say here. */
  JsonObject *machine = json_object_get_object_member(root, "machine");
  ck_assert(machine);
  nonempty_string(machine, "cpu_model");
  ck_assert_int_eq(json_object_get_int_member(machine, "logical_cpus"),
                   sysconf(_SC_NPROCESSORS_ONLN));
  ck_assert_int_ge(json_object_get_int_member(machine, "usable_cpus"), 1);
  gint64 memory = json_object_get_int_member(machine, "memory_bytes");
  ck_assert_int_ge(memory, 64 << 20);
  ck_assert_int_le(json_object_get_int_member(machine, "memory_available_bytes"), memory);
  struct utsname names_here;
  ck_assert_int_eq(uname(&names_here), 0);
  JsonObject *kernel = json_object_get_object_member(machine, "kernel");
  ck_assert_str_eq(nonempty_string(kernel, "name"), names_here.sysname);
  ck_assert_str_eq(nonempty_string(kernel, "release"), names_here.release);
  ck_assert_str_eq(nonempty_string(machine, "architecture"), names_here.machine);
  ck_assert_uint_eq(json_array_get_length(json_object_get_array_member(machine, "load_average")),
                    3);

  /* The commit: a full hash in a git tree, "unknown" outside one. */
  JsonObject *commit = json_object_get_object_member(root, "commit");
  const char *hash = nonempty_string(commit, "hash");
  ck_assert_msg(!strcmp(hash, "unknown") || g_regex_match_simple("^[0-9a-f]{40}$", hash, 0, 0),
                "commit hash '%s'", hash);
  nonempty_string(commit, "describe");

  /* The configuration: the build's and the options of this run. */
  JsonObject *configuration = json_object_get_object_member(root, "configuration");
  nonempty_string(configuration, "build_type");
  ck_assert(json_object_has_member(configuration, "sanitizers"));
  const char *sanitized = getenv("CCGC_SANITIZED");
  ck_assert_int_eq(*json_object_get_string_member(configuration, "sanitizers") != '\0',
                   sanitized && *sanitized);
  ck_assert(g_regex_match_simple("^(GNU|Clang) \\d+", nonempty_string(configuration, "compiler"),
                                 0, 0));
  ck_assert_str_eq(nonempty_string(configuration, "ccgc_version"), CCGC_VERSION_STRING);
  JsonObject *options = json_object_get_object_member(configuration, "options");
  ck_assert(options);
  ck_assert(json_object_get_boolean_member(options, "quick"));
  if (benchmark)
    ck_assert_str_eq(json_object_get_string_member(options, "benchmark"), benchmark);
  else
    ck_assert(json_object_get_null_member(options, "benchmark"));
  ck_assert_int_ge(json_object_get_int_member(options, "live_mb"), 1);

  /* Results: objects with a "bench" member and finite numbers or null. */
  JsonArray *results = json_object_get_array_member(root, "results");
  ck_assert(results);
  ck_assert_uint_gt(json_array_get_length(results), 0);
  for (guint i = 0; i < json_array_get_length(results); i++) {
    JsonObject *result = json_array_get_object_element(results, i);
    ck_assert_msg(result, "result %u is not an object", i);
    g_hash_table_add(names, g_strdup(nonempty_string(result, "bench")));
  }
  JsonArray *runs = json_object_get_array_member(root, "benchmarks");
  ck_assert_uint_gt(json_array_get_length(runs), 0);
  for (guint i = 0; i < json_array_get_length(runs); i++) {
    JsonObject *run = json_array_get_object_element(runs, i);
    nonempty_string(run, "name");
    ck_assert_int_eq(json_object_get_int_member(run, "exit_status"), 0);
    ck_assert(json_object_get_double_member(run, "seconds") >= 0);
  }
  if (benchmark) {
    ck_assert_uint_eq(json_array_get_length(runs), 1);
    ck_assert_str_eq(json_object_get_string_member(json_array_get_object_element(runs, 0),
                                                   "name"), benchmark);
  }
  ck_assert_int_eq(json_object_get_int_member(root, "exit_status"), 0);
  ck_assert(json_object_get_double_member(root, "elapsed_s") >= 0);
  g_object_unref(parser);
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
  GHashTable *names = check_json_document(json, full ? NULL : "binary-trees");
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
    ck_assert_msg(g_hash_table_contains(names, SECTIONS[i].name), "no JSON result for %s",
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
 * not asserted), one JSON result per row plus the ratios. */
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
  GHashTable *names = check_json_document(json, "scavenge");
  ck_assert(g_hash_table_contains(names, "scavenge"));
  g_hash_table_destroy(names);
  gchar *text = NULL;
  ck_assert(g_file_get_contents(json, &text, NULL, NULL));
  int results = 0;
  for (const char *at = text; (at = strstr(at, "\"bench\":\"scavenge\"")); at++) results++;
  ck_assert_int_eq(results, 9);
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

/* A second run replaces the document (appending would make two documents
 * in one file, which no JSON reader accepts); a failed write fails the
 * command and says where. */
START_TEST(json_file_is_replaced_and_write_errors_fail) {
  char *dir = make_temp_dir();
  char *json = g_build_filename(dir, "bench.json", NULL);
  char *args = g_strdup_printf("bench barrier --quick --json %s", json);
  for (int run = 0; run < 2; run++) {
    command_result result = run_ccgc(args);
    ck_assert_msg(result.exit_code == 0, "exit %d\n%s", result.exit_code, result.err);
    command_result_free(&result);
  }
  GHashTable *names = check_json_document(json, "barrier");
  ck_assert(g_hash_table_contains(names, "barrier"));
  g_hash_table_destroy(names);
  JsonParser *parser = json_parser_new();
  ck_assert(json_parser_load_from_file(parser, json, NULL));
  JsonObject *root = json_node_get_object(json_parser_get_root(parser));
  JsonArray *results = json_object_get_array_member(root, "results");
  ck_assert_uint_eq(json_array_get_length(results), 1);
  JsonObject *barrier = json_array_get_object_element(results, 0);
  ck_assert(json_object_get_double_member(barrier, "barrier_ms") > 0);
  ck_assert(json_object_get_double_member(barrier, "throughput_ratio") > 0);
  g_object_unref(parser);
  if (access("/dev/full", W_OK) == 0) {
    command_result result = run_ccgc("bench barrier --quick --json /dev/full");
    ck_assert_int_eq(result.exit_code, 1);
    ck_assert_msg(strstr(result.err, "cannot write '/dev/full'"), "%s", result.err);
    command_result_free(&result);
  }
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
  tcase_add_test(tc, json_file_is_replaced_and_write_errors_fail);
  tcase_add_test(tc, scavenge_prints_every_rate_and_thread_count);
  TCase *suite_case = tcase_create("quick-suite");
  /* ~30 s alone; generous for a shared, busy machine. */
  tcase_set_timeout(suite_case, 600);
  tcase_add_test(suite_case, quick_suite_is_well_formed);
  suite_add_tcase(suite, suite_case);
  suite_add_tcase(suite, tc);
  return ccgc_test_run(suite);
}
