/* bench-json-checks.c - checks of what `ccgc bench --json` writes and of
 * the MMU rows of its tables (bench-json-checks.h), shared by the bench
 * tests. */
#include <check.h>
#include <glib.h>
#include <json-glib/json-glib.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "bench-json-checks.h"
#include "ccgc-version.h"

/* A row of MMU at 1, 10 and 100 ms for a run of run_ms whose longest
 * pause is max_ms and whose pauses add up to total_ms (as printed): each
 * in [0, 1]; non-decreasing in the window where the larger window fits in
 * the run (MMU(10 w) >= MMU(w) then: a window of 10 w is ten of w;
 * bench-mmu.h); 0 at 1 ms when a pause is longer than 1 ms; the whole
 * run's utilization at 100 ms when the run is shorter. total_ms < 0: not
 * known. */
void bench_check_mmu_row(const char *what, double run_ms, const double mmu[3], double max_ms,
                          double total_ms) {
  const double windows[3] = {1, 10, 100};
  for (int i = 0; i < 3; i++)
    ck_assert_msg(mmu[i] >= 0 && mmu[i] <= 1, "%s: MMU %g ms = %g", what, windows[i], mmu[i]);
  for (int i = 1; i < 3; i++)
    if (run_ms >= windows[i] + 0.05)
      ck_assert_msg(mmu[i] >= mmu[i - 1], "%s: MMU %g ms = %g < MMU %g ms = %g (run %g ms)",
                    what, windows[i], mmu[i], windows[i - 1], mmu[i - 1], run_ms);
  if (max_ms >= 1.01) ck_assert_msg(mmu[0] == 0, "%s: a pause of %g ms, MMU 1 ms = %g", what,
                                    max_ms, mmu[0]);
  if (total_ms >= 0) {
    ck_assert_msg(run_ms + 0.1 >= total_ms, "%s: pauses of %g ms in a run of %g ms", what,
                  total_ms, run_ms);
    if (run_ms < 99.9)
      ck_assert_msg(fabs(mmu[2] - (1 - total_ms / run_ms)) < 0.005,
                    "%s: MMU 100 ms = %g, the run's utilization %g", what, mmu[2],
                    1 - total_ms / run_ms);
  }
}

/* A string member that is there and not empty. */
static const char *nonempty_string(JsonObject *object, const char *name) {
  ck_assert_msg(json_object_has_member(object, name), "no member '%s'", name);
  const char *value = json_object_get_string_member(object, name);
  ck_assert_msg(value && *value, "member '%s' is empty", name);
  return value;
}

/* The longest pause (max ms) of a JSON record: named, its CPU time within
 * its wall time (up to the rates of the two clocks: NTP slews
 * CLOCK_MONOTONIC by up to 500 ppm; and the JSON's rounding to a
 * microsecond). */
static void check_json_longest(const char *what, JsonObject *o, double max) {
  nonempty_string(o, "max_kind");
  double cpu = json_object_get_double_member(o, "max_cpu_ms");
  ck_assert_msg(cpu >= 0 && cpu <= max * 1.001 + 0.002, "%s: %g ms CPU in %g ms", what, cpu,
                max);
  ck_assert_int_ge(json_object_get_int_member(o, "max_preempted"), 0);
  ck_assert_int_ge(json_object_get_int_member(o, "max_blocked"), 0);
  ck_assert_int_ge(json_object_get_int_member(o, "max_page_faults"), 0);
}

/* The MMU members of a result of `bench pauses` (one per mode) or `bench
 * dom`, checked as the table's rows are; other results have none. */
static void check_json_mmu_of(const char *what, JsonObject *o, double run_ms, double max_ms,
                              double total_ms) {
  static const char *const keys[] = {"mmu_1ms", "mmu_10ms", "mmu_100ms"};
  double mmu[3];
  for (int k = 0; k < 3; k++) {
    ck_assert_msg(json_object_has_member(o, keys[k]), "%s: no %s", what, keys[k]);
    mmu[k] = json_object_get_double_member(o, keys[k]);
  }
  bench_check_mmu_row(what, run_ms, mmu, max_ms, total_ms);
}

void bench_check_json_mmu(JsonObject *result) {
  const char *bench = json_object_get_string_member(result, "bench");
  if (!strcmp(bench, "pauses")) {
    static const char *const modes[] = {"stw", "incremental"};
    for (int m = 0; m < 2; m++) {
      JsonObject *mode = json_object_get_object_member(result, modes[m]);
      ck_assert(mode);
      double max = json_object_get_double_member(mode, "max");
      check_json_mmu_of(modes[m], mode, json_object_get_double_member(mode, "run_ms"), max,
                        -1);
      check_json_longest(modes[m], mode, max);
    }
  } else if (!strcmp(bench, "dom")) {
    double max = json_object_get_double_member(result, "max_ms");
    check_json_mmu_of("dom", result, json_object_get_double_member(result, "total_ms"), max,
                      json_object_get_double_member(result, "gc_ms"));
    check_json_longest("dom", result, max);
  } else {
    ck_assert_msg(!json_object_has_member(result, "mmu_10ms"), "%s has an MMU", bench);
  }
}

/* The --json file is ONE document (the whole file parses) with the machine,
 * the commit, the configuration, the results and a record per benchmark run;
 * `benchmark` is the name given (NULL: every one, --quick). Returns the set
 * of bench names among the results. */
GHashTable *bench_check_json_document(const char *path, const char *benchmark) {
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
    bench_check_json_mmu(result);
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

