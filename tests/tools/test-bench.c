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
#include <unistd.h>

#include "bench-json-checks.h"
#include "bench-plot-checks.h"
#include "bench.h"
#include "ccgc-test.h"
#include "ccgc-version.h"
#include "run-command.h"

/* A duration as progress.h writes it: "0.4 s", "42 s", "3 min 07 s", "2 h 05 min". */
#define DURATION "([0-9]+\\.[0-9] s|[0-9]+ s|[0-9]+ min [0-9]{2} s|[0-9]+ h [0-9]{2} min)"
/* A progress line of a benchmark's meter, as printed where stderr is not a
 * terminal (a line per tenth): the work done of the total in its unit, the
 * percentage, the time elapsed and the estimate of the time left. */
#define PROGRESS_AFTER_LABEL                                                           \
  ": ([0-9]+)/([0-9]+) [a-zA-Z ]+ \\(([0-9]+) %\\), " DURATION " elapsed, (about " DURATION \
  " left|time left unknown)(; .*)?$"

static size_t count_char(const char *text, char c) {
  size_t n = 0;
  for (; *text; text++) n += *text == c;
  return n;
}

static size_t count_occurrences(const char *text, const char *word) {
  size_t n = 0;
  for (const char *at = text; (at = strstr(at, word)); at += strlen(word)) n++;
  return n;
}

/* Counts the progress lines of `label` in err (those of one meter: unit
 * given, NULL for any), checks each one's numbers, and returns how many
 * estimate the time left before the end ("about X left" with work to do). */
static int check_progress_lines(const char *err, const char *label, const char *unit,
                                int *count) {
  char *pattern = g_strconcat("^", label, PROGRESS_AFTER_LABEL, NULL);
  GRegex *regex = g_regex_new(pattern, G_REGEX_MULTILINE, 0, NULL);
  ck_assert(regex);
  GMatchInfo *match;
  int estimates = 0;
  *count = 0;
  g_regex_match(regex, err, 0, &match);
  for (; g_match_info_matches(match); g_match_info_next(match, NULL)) {
    char *line = g_match_info_fetch(match, 0);
    char *done = g_match_info_fetch(match, 1), *total = g_match_info_fetch(match, 2);
    char *percent = g_match_info_fetch(match, 3), *left = g_match_info_fetch(match, 5);
    if (!unit || strstr(line, unit)) {
      unsigned long long d = g_ascii_strtoull(done, NULL, 10);
      unsigned long long t = g_ascii_strtoull(total, NULL, 10);
      ck_assert_msg(d <= t && t > 0, "done past the total: %s", line);
      ck_assert_int_eq(g_ascii_strtoull(percent, NULL, 10), d * 100 / t);
      if (d < t && g_str_has_prefix(left, "about ")) estimates++;
      (*count)++;
    }
    g_free(line), g_free(done), g_free(total), g_free(percent), g_free(left);
  }
  g_match_info_free(match);
  g_regex_unref(regex);
  g_free(pattern);
  return estimates;
}

/* The tables on stdout, the progress on stderr: stdout is exactly the
 * lines of the tables (nothing of the meters); stderr, not a terminal here,
 * has a line per tenth of each phase (building, then the cycles), with the
 * time elapsed and an estimate of the time left. */
START_TEST(pauses_prints_both_modes_and_ratios) {
  command_result result = run_ccgc("bench pauses --quick --live-mb 32");
  ck_assert_msg(result.exit_code == 0, "exit %d\n%s%s", result.exit_code, result.out,
                result.err);
  static const char *const form[] = {
      "^live: script [0-9.]+ MB \\(\\d+ objects\\), dom [0-9.]+ MB \\(\\d+ objects\\)$",
      "^mode +pauses +p50 ms +p99 ms +max ms +total ms$",
      "^stop-the-world +\\d+ +[0-9.]+ +[0-9.]+ +[0-9.]+ +[0-9.]+$",
      "^incremental +\\d+ +[0-9.]+ +[0-9.]+ +[0-9.]+ +[0-9.]+$",
      "^ratio max pause stop-the-world / incremental: [0-9.]+$",
      "^ratio p99 pause stop-the-world / incremental: [0-9.]+$",
      "^mode +run ms +MMU 1 ms +MMU 10 ms +MMU 100 ms$",
      "^stop-the-world +[0-9.]+ +[0-9.]+ +[0-9.]+ +[0-9.]+$",
      "^incremental +[0-9.]+ +[0-9.]+ +[0-9.]+ +[0-9.]+$",
      "^longest stop-the-world pause: full collection, [0-9.]+ ms, main thread on the CPU "
      "[0-9.]+ ms, preempted \\d+ times, blocked \\d+ times, \\d+ page faults$",
      "^longest incremental pause: (start|step|finishing pause|sweep step|last sweep step), [0-9.]+ ms, main "
      "thread on the CPU [0-9.]+ ms, preempted \\d+ times, blocked \\d+ times, \\d+ page faults$",
      "^mode +sweeping +main ms +in pauses ms +threads ms$",
      "^stop-the-world +atomic +[0-9.]+ +[0-9.]+ +0\\.0$",
      "^incremental +concurrent +[0-9.]+ +[0-9.]+ +[0-9.]+$",
      "^ratio main-thread sweep concurrent / atomic: [0-9.]+$",
  };
  gchar **lines = g_strsplit(result.out, "\n", -1);
  ck_assert_uint_eq(g_strv_length(lines), G_N_ELEMENTS(form) + 1); /* + "" after the last */
  for (size_t i = 0; i < G_N_ELEMENTS(form); i++)
    ck_assert_msg(g_regex_match_simple(form[i], lines[i], 0, 0), "stdout line %zu: '%s'", i,
                  lines[i]);
  /* The MMU of each mode against its pauses (rows 2 and 3, then 7 and 8). */
  for (int m = 0; m < 2; m++) {
    size_t count;
    double p50, p99, max, total, run, mmu[3];
    ck_assert_int_eq(sscanf(lines[2 + m] + 16, "%zu %lf %lf %lf %lf", &count, &p50, &p99, &max,
                            &total), 5);
    ck_assert_int_eq(sscanf(lines[7 + m] + 16, "%lf %lf %lf %lf", &run, &mmu[0], &mmu[1],
                            &mmu[2]), 4);
    bench_check_mmu_row(lines[7 + m], run, mmu, max, total);
  }
  g_strfreev(lines);

  ck_assert_msg(!strchr(result.err, '\r'), "in place on a pipe:\n%s", result.err);
  int count;
  int estimates = check_progress_lines(result.err, "bench pauses", "MB built", &count);
  ck_assert_msg(count >= 2 && count <= 10 && estimates >= 1, "building: %d lines, %d "
                "estimates:\n%s", count, estimates, result.err);
  ck_assert(strstr(result.err, "bench pauses: 32/32 MB built across both heaps (100 %), "));
  estimates = check_progress_lines(result.err, "bench pauses", "cycles", &count);
  ck_assert_msg(count == 4 && estimates == 3, "cycles: %d lines, %d estimates:\n%s", count,
                estimates, result.err);
  ck_assert(strstr(result.err, "bench pauses: 4/4 cycles (100 %), "));
  /* Every line on stderr is a meter's. */
  check_progress_lines(result.err, "bench pauses", NULL, &count);
  ck_assert_int_eq(count, (int)count_char(result.err, '\n'));
  command_result_free(&result);
}
END_TEST

START_TEST(barrier_prints_a_throughput_ratio) {
  command_result result = run_ccgc("bench barrier --quick");
  ck_assert_int_eq(result.exit_code, 0);
  ck_assert(g_regex_match_simple("^ratio throughput with barrier / without: [0-9.]+$",
                                 result.out, G_REGEX_MULTILINE, 0));
  /* The two mutators: their stores counted (the tree build stores two
   * references a node, a splay operation dozens) and their checks held. */
  ck_assert(g_regex_match_simple("^splay \\(16384 nodes, 20000 ops\\) +[1-9][0-9]\\.[0-9] "
                                 "+[0-9.]+ +[0-9.]+ +[0-9.]+$",
                                 result.out, G_REGEX_MULTILINE, 0));
  ck_assert(g_regex_match_simple("^trees \\(depth 14, 2 trees\\) +2\\.0 +[0-9.]+ +[0-9.]+ +[0-9.]+$",
                                 result.out, G_REGEX_MULTILINE, 0));
  ck_assert(g_regex_match_simple("^ratio splay with barrier / without: [0-9.]+$",
                                 result.out, G_REGEX_MULTILINE, 0));
  ck_assert(g_regex_match_simple("^ratio trees with barrier / without: [0-9.]+$",
                                 result.out, G_REGEX_MULTILINE, 0));
  ck_assert(g_regex_match_simple("^checks \\(.*\\): ok$", result.out, G_REGEX_MULTILINE, 0));
  command_result_free(&result);
  result = run_ccgc("bench nonsense");
  ck_assert_int_eq(result.exit_code, 2);
  ck_assert(strstr(result.err, "unknown benchmark 'nonsense'"));
  command_result_free(&result);
}
END_TEST

/* The game's expected output for N = 10 (tabs as published). The meter's
 * lines go to stderr, between the game's lines on a terminal: never into
 * stdout. */
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
  ck_assert(!strstr(result.out, "elapsed"));
  int count;
  check_progress_lines(result.err, "bench binary-trees", "tree nodes allocated", &count);
  ck_assert_int_ge(count, 2);
  ck_assert(g_regex_match_simple("^bench binary-trees: (\\d+)/\\1 tree nodes allocated "
                                 "\\(100 %\\)", result.err, G_REGEX_MULTILINE, 0));
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
  GHashTable *names = bench_check_json_document(json, full ? NULL : "binary-trees");
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
  /* Progress on stderr only: the loop's line before each benchmark, and
   * each long benchmark's meter run to its end (100 %). */
  ck_assert_msg(!strstr(result.out, " elapsed, "), "progress on stdout:\n%s", result.out);
  int count;
  check_progress_lines(result.err, "ccgc bench --quick", "benchmarks", &count);
  ck_assert_int_eq(count, full ? (int)count_occurrences(result.out, "== bench ") : 0);
  static const char *const metered[] = {"pauses", "ephemerons", "gcbench", "binary-trees",
                                        "mark", "dom", "concurrent", "scavenge"};
  for (size_t i = 0; i < G_N_ELEMENTS(metered); i++) {
    if (!full && strcmp(metered[i], "binary-trees")) continue;
    char *label = g_strdup_printf("bench %s", metered[i]);
    check_progress_lines(result.err, label, NULL, &count);
    char *end = g_strdup_printf("^%s: (\\d+)/\\1 [a-zA-Z ]+ \\(100 %%\\)", label);
    ck_assert_msg(count >= 1 && g_regex_match_simple(end, result.err, G_REGEX_MULTILINE, 0),
                  "%s: no progress to the end:\n%s", label, result.err);
    g_free(end);
    g_free(label);
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
                               "scavenge ran, the helper took part): ok\n"));
  ck_assert(g_regex_match_simple("^ratio scavenge 10%/1%: [0-9.]+$", result.out,
                                 G_REGEX_MULTILINE, 0));
  ck_assert(g_regex_match_simple("^ratio scavenge 0%/10%: [0-9.]+$", result.out,
                                 G_REGEX_MULTILINE, 0));
  ck_assert(g_regex_match_simple("^ratio scavenge 2 threads/1 thread: [0-9.]+$", result.out,
                                 G_REGEX_MULTILINE, 0));
  ck_assert(g_regex_match_simple("^bounds \\(p50\\): 10%/1% <= 11 (ok|EXCEEDED), "
                                 "0%/10% <= 0.05 (ok|EXCEEDED)$",
                                 result.out, G_REGEX_MULTILINE, 0));
  ck_assert(g_regex_match_simple("^bound \\(p99 at 10%\\) <= 2 ms: 1 thread [0-9.]+ "
                                 "(ok|EXCEEDED), 2 threads [0-9.]+ (ok|EXCEEDED)$",
                                 result.out, G_REGEX_MULTILINE, 0));
  check_ratio_lines(result.out);
  GHashTable *names = bench_check_json_document(json, "scavenge");
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
  GHashTable *names = bench_check_json_document(json, "barrier");
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
  ck_assert(json_object_get_double_member(barrier, "splay_ratio") > 0);
  ck_assert(json_object_get_double_member(barrier, "splay_stores_per_op") > 10);
  ck_assert(json_object_get_double_member(barrier, "trees_barrier_ms") > 0);
  ck_assert(json_object_get_double_member(barrier, "trees_stores_per_op") == 2.0);
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

/* `bench dom`: the MMU table after the ratios, its values against the
 * pauses of the run, the same in the JSON result, and the MMU plot beside
 * the pause CDF. */
/* --marking-threads, --scavenger-threads and --sweeping reach the runs'
 * collector configuration, which the first lines print and the JSON
 * records; sweeping is concurrent by default. */
START_TEST(helper_threads_are_printed_and_recorded) {
  char *dir = make_temp_dir();
  char *json = g_build_filename(dir, "bench.json", NULL);
  static const int marking[] = {0, 2};
  static const char *sweeping[] = {NULL, "atomic"};
  static const char *printed[] = {"concurrent (one sweeper thread beside lazy sweeping)",
                                  "atomic (in the pause)"};
  for (size_t i = 0; i < G_N_ELEMENTS(marking); i++) {
    char *args = g_strdup_printf("bench binary-trees --depth 8 --quick --marking-threads %d "
                                 "--scavenger-threads 0 --json %s%s%s",
                                 marking[i], json, sweeping[i] ? " --sweeping " : "",
                                 sweeping[i] ? sweeping[i] : "");
    command_result result = run_ccgc(args);
    ck_assert_msg(result.exit_code == 0, "exit %d\n%s", result.exit_code, result.err);
    char *line = g_strdup_printf("up to 0 scavenger helper thread(s) (one per 512 KiB the "
                                 "last scavenge copied), %d helper thread(s) marking in "
                                 "each full collection's pause; both heaps' sweeping %s; "
                                 "Boehm GC: ",
                                 marking[i], printed[i]);
    ck_assert_msg(strstr(result.out, line), "no line '%s' in\n%s", line, result.out);
    JsonParser *parser = json_parser_new();
    ck_assert(json_parser_load_from_file(parser, json, NULL));
    JsonObject *root = json_node_get_object(json_parser_get_root(parser));
    JsonObject *options = json_object_get_object_member(
        json_object_get_object_member(root, "configuration"), "options");
    ck_assert_int_eq(json_object_get_int_member(options, "marking_threads"), marking[i]);
    ck_assert_int_eq(json_object_get_int_member(options, "scavenger_threads"), 0);
    if (sweeping[i])
      ck_assert_str_eq(json_object_get_string_member(options, "sweeping"), sweeping[i]);
    else
      ck_assert(json_object_get_null_member(options, "sweeping"));
    g_object_unref(parser);
    g_free(line);
    command_result_free(&result);
    g_free(args);
  }
  command_result bad = run_ccgc("bench binary-trees --quick --marking-threads 9");
  ck_assert_int_eq(bad.exit_code, 2);
  ck_assert_msg(strstr(bad.err, "--marking-threads"), "%s", bad.err);
  command_result_free(&bad);
  remove(json);
  remove(dir);
  g_free(json);
  free(dir);
}
END_TEST

START_TEST(dom_prints_and_plots_mmu) {
  char *dir = make_temp_dir();
  char *json = g_build_filename(dir, "dom.json", NULL);
  char *svg = g_build_filename(dir, "dom.svg", NULL);
  char *mmu_svg = g_build_filename(dir, "dom-mmu.svg", NULL);
  char *args = g_strdup_printf("bench dom --quick --json %s --plot %s", json, svg);
  command_result result = run_ccgc(args);
  ck_assert_msg(result.exit_code == 0, "exit %d\n%s%s", result.exit_code, result.out,
                result.err);
  static const char *const form[] = {
      "^dom: \\d+ sections of \\d+ items \\(\\d+ elements\\), \\d+ churn rounds; "
      "\\d+ elements at the end$",
      "^total ms +GC ms +GC % +pauses +p50 ms +p99 ms +max ms +peak MB +live MB$",
      "^[0-9.]+( +[0-9.]+){8}$",
      "^ratio GC time / total time: [0-9.]+$",
      "^ratio peak committed / peak live: [0-9.]+$",
      "^run ms +MMU 1 ms +MMU 10 ms +MMU 100 ms$",
      "^[0-9.]+ +[0-9.]+ +[0-9.]+ +[0-9.]+$",
      "^longest pause: (marking step|last marking step|sweep step|cycle start|atomic pause|"
      "minor collection( and (cycle start|atomic pause))?|full collection), [0-9.]+ ms, main "
      "thread on the CPU [0-9.]+ ms, preempted \\d+ times, blocked \\d+ times, \\d+ page "
      "faults$",
  };
  gchar **lines = g_strsplit(result.out, "\n", -1);
  ck_assert_uint_ge(g_strv_length(lines), G_N_ELEMENTS(form));
  for (size_t i = 0; i < G_N_ELEMENTS(form); i++)
    ck_assert_msg(g_regex_match_simple(form[i], lines[i], 0, 0), "stdout line %zu: '%s'", i,
                  lines[i]);
  double total, gc, share, p50, p99, max, run, mmu[3];
  size_t pauses;
  ck_assert_int_eq(sscanf(lines[2], "%lf %lf %lf %zu %lf %lf %lf", &total, &gc, &share, &pauses,
                          &p50, &p99, &max), 7);
  ck_assert_int_eq(sscanf(lines[6], "%lf %lf %lf %lf", &run, &mmu[0], &mmu[1], &mmu[2]), 4);
  ck_assert_double_eq_tol(run, total, 0.11); /* the run is the timed work */
  bench_check_mmu_row("dom", run, mmu, max, gc);
  double longest;
  ck_assert_int_eq(sscanf(strchr(lines[7], ',') + 1, "%lf", &longest), 1);
  ck_assert_double_eq_tol(longest, max, 0.006); /* the longest is the max */
  g_strfreev(lines);
  ck_assert(strstr(result.out, "plot: "));
  ck_assert_msg(strstr(result.out, mmu_svg), "no MMU plot in\n%s", result.out);
  bench_check_svg_plot(mmu_svg, 1, bench_inked("bench dom: minimum mutator utilization"));
  /* The JSON result. */
  JsonParser *parser = json_parser_new();
  ck_assert(json_parser_load_from_file(parser, json, NULL));
  JsonArray *results =
      json_object_get_array_member(json_node_get_object(json_parser_get_root(parser)), "results");
  ck_assert_uint_eq(json_array_get_length(results), 1);
  JsonObject *dom = json_array_get_object_element(results, 0);
  bench_check_json_mmu(dom);
  ck_assert_double_eq_tol(json_object_get_double_member(dom, "mmu_100ms"), mmu[2], 0.0006);
  g_object_unref(parser);
  command_result_free(&result);
  remove(json), remove(svg), remove(mmu_svg), remove(dir);
  g_free(json), g_free(svg), g_free(mmu_svg), g_free(args);
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
  tcase_add_test(tc, dom_prints_and_plots_mmu);
  tcase_add_test(tc, json_file_is_replaced_and_write_errors_fail);
  tcase_add_test(tc, helper_threads_are_printed_and_recorded);
  tcase_add_test(tc, scavenge_prints_every_rate_and_thread_count);
  TCase *suite_case = tcase_create("quick-suite");
  /* ~30 s alone; generous for a shared, busy machine. */
  tcase_set_timeout(suite_case, 600);
  tcase_add_test(suite_case, quick_suite_is_well_formed);
  suite_add_tcase(suite, suite_case);
  suite_add_tcase(suite, tc);
  return ccgc_test_run(suite);
}
