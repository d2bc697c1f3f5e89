/* test-bench-v8.c - V8 beside `ccgc bench gcbench` and `binary-trees`
 * (tools/bench/bench-v8.c). A fake node (a shell script named by
 * CCGC_BENCH_NODE) prints canned output, so that the parsing of --trace-gc
 * lines, the check of the workload's output and every way of skipping are
 * tested without node; when node is on PATH, the real run is checked for
 * well-formed rows, ratios and JSON (not for timings). */
#include <check.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <stdlib.h>
#include <string.h>

#include "ccgc-test.h"
#include "run-command.h"

/* binary-trees N = 10, as the game publishes it (tests/tools/test-bench.c). */
static const char GAME_N10[] =
    "stretch tree of depth 11\t check: 4095\n"
    "1024\t trees of depth 4\t check: 31744\n"
    "256\t trees of depth 6\t check: 32512\n"
    "64\t trees of depth 8\t check: 32704\n"
    "16\t trees of depth 10\t check: 32752\n"
    "long lived tree of depth 10\t check: 2047\n";

#define TRACE_MU "  (average mu = 1.000, current mu = 1.000) allocation failure; "

/* A fake node in a fresh directory: checks its argv as bench-v8.c builds it
 * (--trace-gc, a .cjs script that exists, N = 10), copies the script and
 * what NODE_OPTIONS it saw beside itself, prints `output` and exits with
 * `code`. Returns the directory (g_free). */
static char *fake_node(const char *output, int code) {
  char *dir = make_temp_dir();
  ck_assert(dir);
  char *out_path = g_build_filename(dir, "output", NULL);
  ck_assert(g_file_set_contents(out_path, output, -1, NULL));
  char *script = g_strdup_printf(
      "#!/bin/sh\n"
      "[ \"$1\" = --trace-gc ] || { echo \"bad argv: $*\"; exit 9; }\n"
      "case \"$2\" in *.cjs) ;; *) echo \"bad script name: $2\"; exit 9;; esac\n"
      "[ -f \"$2\" ] || { echo \"no script file\"; exit 9; }\n"
      "[ \"$3\" = 10 ] && [ $# = 3 ] || { echo \"bad args: $*\"; exit 9; }\n"
      "cp \"$2\" '%s/script.cjs'\n"
      "echo \"${NODE_OPTIONS-unset}\" > '%s/node-options'\n"
      "cat '%s'\n"
      "exit %d\n",
      dir, dir, out_path, code);
  char *node = g_build_filename(dir, "node", NULL);
  ck_assert(g_file_set_contents(node, script, -1, NULL));
  ck_assert(g_chmod(node, 0755) == 0);
  char *tmp = g_build_filename(dir, "tmp", NULL);
  ck_assert(g_mkdir(tmp, 0700) == 0);
  g_free(tmp);
  g_free(node);
  g_free(script);
  g_free(out_path);
  char *result = g_strdup(dir);
  free(dir);
  return result;
}

static void remove_tree(const char *dir) {
  char *command = g_strdup_printf("rm -rf '%s'", dir);
  ck_assert(system(command) == 0);
  g_free(command);
}

/* Runs binary-trees N = 10 against the fake node in dir (its own TMPDIR,
 * NODE_OPTIONS set to see that it is not passed on), JSON into dir/bench.json. */
static command_result run_with_fake(const char *dir, char **json) {
  char *prefix = g_strdup_printf("CCGC_BENCH_NODE='%s/node' TMPDIR='%s/tmp' "
                                 "NODE_OPTIONS=--max-old-space-size=1",
                                 dir, dir);
  char *json_path = g_build_filename(dir, "bench.json", NULL);
  char *args = g_strdup_printf("bench binary-trees --depth 10 --quick --json '%s'",
                               json_path);
  command_result result = run_ccgc_with(prefix, args, NULL);
  ck_assert(g_file_get_contents(json_path, json, NULL, NULL));
  g_free(args);
  g_free(json_path);
  g_free(prefix);
  return result;
}

static bool matches(const char *pattern, const char *text) {
  return g_regex_match_simple(pattern, text, G_REGEX_MULTILINE, 0);
}

START_TEST(trace_lines_are_summed_between_begin_and_end) {
  GString *output = g_string_new("ccgc-v8: node v99.1.0 v8 12.3.4-test\n");
  /* Before the workload: not counted. */
  g_string_append(output, "[7:0x1]        5 ms: Scavenge 1.0 (2.0) -> 0.5 (2.0) MB, "
                          "9.50 / 0.00 ms" TRACE_MU "\n");
  g_string_append(output, "ccgc-v8: begin\n");
  const char *traces[] = {
      "[7:0x1]       21 ms: Scavenge 3.8 (4.0) -> 3.4 (5.0) MB, 1.25 / 0.00 ms" TRACE_MU,
      "[7:0x1]       22 ms: Minor Mark-Sweep 4.0 (5.0) -> 3.0 (5.0) MB, 0.50 / 0.00 ms"
      TRACE_MU,
      "[7:0x1]       30 ms: Mark-Compact (reduce) 9.0 (12.0) -> 3.0 (8.0) MB, 4.00 / "
      "0.00 ms  (+ 0.1 ms in 2 steps since start of marking, biggest step 0.1 ms, "
      "walltime since start of marking 10 ms) (average mu = 0.9, current mu = 0.9) "
      "finalize incremental marking via task; GC in old space requested",
      "[7:0x1]       40 ms: Mark-Compact 9.0 (12.0) -> 3.0 (8.0) MB, 2.25 / 0.00 ms"
      TRACE_MU,
      "[7:0x1]       41 ms: Scavenge 3.8 (4.0) -> 3.4 (5.0) MB, 0.25 / 0.00 ms" TRACE_MU,
  };
  /* The game's lines, a trace line after each of the first five. */
  gchar **lines = g_strsplit(GAME_N10, "\n", -1);
  for (size_t i = 0; lines[i] && *lines[i]; i++) {
    g_string_append_printf(output, "%s\n", lines[i]);
    if (i < G_N_ELEMENTS(traces)) g_string_append_printf(output, "%s\r\n", traces[i]);
  }
  g_strfreev(lines);
  g_string_append(output, "ccgc-v8: end 42.500\n"
                          "[7:0x1]       50 ms: Mark-Compact 9.0 (12.0) -> 3.0 (8.0) MB, "
                          "7.00 / 0.00 ms" TRACE_MU "\n");
  char *dir = fake_node(output->str, 0);
  g_string_free(output, TRUE);
  char *json = NULL;
  command_result result = run_with_fake(dir, &json);
  ck_assert_msg(result.exit_code == 0, "exit %d\n%s%s", result.exit_code, result.out,
                result.err);
  ck_assert_msg(matches("^v8: node v99\\.1\\.0 \\(V8 12\\.3\\.4-test\\) with --trace-gc; "
                        "heap: V8's default sizing", result.out),
                "%s", result.out);
  ck_assert_msg(matches("^v8: workload 42\\.5 ms \\(node process [0-9.]+ ms\\); GC 8\\.[23] "
                        "ms in 3 scavenges and 2 full GCs, longest pause 4\\.00 ms "
                        "\\(2 outside the workload, not counted\\)$",
                        result.out),
                "%s", result.out);
  ck_assert_msg(matches("^- +v8 +- +42\\.5 +5 +8\\.[23] +[0-9.]+ +-$", result.out), "%s",
                result.out);
  ck_assert(matches("^ratio script/v8 total: [0-9.]+$", result.out));
  ck_assert(matches("^ratio script/v8 gc: [0-9.]+$", result.out));
  ck_assert(strstr(result.out, "check values (all allocators): ok\n"));
  ck_assert_msg(strstr(json, "\"v8_ran\":true,\"v8_version\":\"node v99.1.0 (V8 12.3.4-test)\""),
                "%s", json);
  ck_assert(strstr(json, "\"v8_ms\":42.500,"));
  ck_assert(strstr(json, "\"v8_gc_ms\":8.250,\"v8_scavenges\":3,\"v8_full_gcs\":2,"
                         "\"v8_other_gcs\":0,\"v8_max_pause_ms\":4.000"));
  ck_assert(matches("\"script_vs_v8\":[0-9.]+,\"script_gc_vs_v8\":[0-9.]+}", json));

  /* What node was given: the embedded script, no NODE_OPTIONS, and the
   * temporary script is gone. */
  char *path = g_build_filename(dir, "script.cjs", NULL);
  char *text = NULL;
  ck_assert(g_file_get_contents(path, &text, NULL, NULL));
  ck_assert(strstr(text, "class TreeNode"));
  ck_assert(strstr(text, "ccgc-v8: begin"));
  g_free(text);
  g_free(path);
  path = g_build_filename(dir, "node-options", NULL);
  ck_assert(g_file_get_contents(path, &text, NULL, NULL));
  ck_assert_str_eq(text, "unset\n");
  g_free(text);
  g_free(path);
  path = g_build_filename(dir, "tmp", NULL);
  GDir *tmp = g_dir_open(path, 0, NULL);
  ck_assert(tmp);
  const char *left = g_dir_read_name(tmp);
  ck_assert_msg(!left, "temporary script left behind: %s", left);
  g_dir_close(tmp);
  g_free(path);

  g_free(json);
  command_result_free(&result);
  remove_tree(dir);
  g_free(dir);
}
END_TEST

/* Each way node can fail, and the one line the benchmark prints for it:
 * exit 0 all the same, no v8 row, no v8 ratios, v8_ran false in the JSON. */
typedef struct failure_case {
  const char *output;
  int code;
  const char *line; /* the whole "v8: skipped (...)" line, a regex */
} failure_case;

static const failure_case FAILURES[] = {
    {"ccgc-v8: begin\nboom\n", 3, "^v8: skipped \\(node failed: exit 3: boom\\)$"},
    {"ccgc-v8: begin\n", 0,
     "^v8: skipped \\(cannot parse node's output: no 'ccgc-v8: end' line\\)$"},
    {"hello\n", 0,
     "^v8: skipped \\(cannot parse node's output: no 'ccgc-v8: begin' line\\)$"},
    {"ccgc-v8: begin\n[1:0x2]  3 ms: Scavenge garbled\nccgc-v8: end 1.0\n", 0,
     "^v8: skipped \\(cannot parse node's output: a --trace-gc line without a pause: "
     "'\\[1:0x2\\]  3 ms: Scavenge garbled'\\)$"},
    {"ccgc-v8: begin\nstretch tree of depth 11\t check: 4095\n"
     "1024\t trees of depth 4\t check: 31743\nccgc-v8: end 1.0\n",
     0,
     "^v8: skipped \\(its output differs: line 2: expected '1024\t trees of depth 4\t "
     "check: 31744', got '1024\t trees of depth 4\t check: 31743'\\)$"},
    {"ccgc-v8: begin\nccgc-v8: end 1.0\n", 0,
     "^v8: skipped \\(its output differs: line 1: expected 'stretch tree of depth 11\t "
     "check: 4095', got nothing\\)$"},
};

START_TEST(a_failing_node_is_skipped_with_its_reason) {
  const failure_case *c = &FAILURES[_i];
  char *dir = fake_node(c->output, c->code);
  char *json = NULL;
  command_result result = run_with_fake(dir, &json);
  ck_assert_msg(result.exit_code == 0, "exit %d\n%s%s", result.exit_code, result.out,
                result.err);
  ck_assert_msg(matches(c->line, result.out), "no line /%s/ in\n%s", c->line, result.out);
  ck_assert(!matches("^v8: (node|workload)", result.out));
  ck_assert(!matches("^- +v8 ", result.out));
  ck_assert(!strstr(result.out, "ratio script/v8"));
  ck_assert(strstr(result.out, "check values (all allocators): ok\n"));
  ck_assert_msg(strstr(json, "\"v8_ran\":false,\"v8_skipped\":\""), "%s", json);
  g_free(json);
  command_result_free(&result);
  remove_tree(dir);
  g_free(dir);
}
END_TEST

START_TEST(no_node_on_path_is_one_line) {
  command_result result =
      run_ccgc_with("env -u CCGC_BENCH_NODE PATH=/nonexistent",
                    "bench binary-trees --depth 10 --quick", NULL);
  ck_assert_msg(result.exit_code == 0, "exit %d\n%s", result.exit_code, result.err);
  ck_assert(strstr(result.out, "\nv8: skipped (node not found)\nheap "));
  ck_assert(!strstr(result.out, "ratio script/v8"));
  command_result_free(&result);
  result = run_ccgc_with("CCGC_BENCH_NODE=", "bench binary-trees --depth 10 --quick", NULL);
  ck_assert_int_eq(result.exit_code, 0);
  ck_assert(strstr(result.out, "\nv8: skipped (CCGC_BENCH_NODE is empty)\n"));
  command_result_free(&result);
}
END_TEST

/* The real node, when there is one: both workloads print a v8 row, the
 * ratio lines and the JSON members, with its own check values passed. */
START_TEST(real_node_runs_beside_gcbench_and_binary_trees) {
  char *node = g_find_program_in_path("node");
  if (!node) node = g_find_program_in_path("nodejs");
  if (!node) {
    fputs("test-bench-v8: node not on PATH; the real run is not checked\n", stderr);
    return;
  }
  g_free(node);
  static const char *commands[] = {"bench binary-trees --depth 10 --quick",
                                   "bench gcbench --quick"};
  for (size_t i = 0; i < G_N_ELEMENTS(commands); i++) {
    char *dir = make_temp_dir();
    char *json_path = g_build_filename(dir, "bench.json", NULL);
    char *args = g_strdup_printf("%s --json '%s'", commands[i], json_path);
    command_result result = run_ccgc_with("env -u CCGC_BENCH_NODE", args, NULL);
    ck_assert_msg(result.exit_code == 0, "exit %d\n%s%s", result.exit_code, result.out,
                  result.err);
    ck_assert_msg(matches("^v8: node v[0-9.]+ \\(V8 [^)]+\\) with --trace-gc", result.out),
                  "%s: v8 did not run:\n%s", commands[i], result.out);
    ck_assert(matches("^v8: workload [0-9.]+ ms \\(node process [0-9.]+ ms\\); GC [0-9.]+ "
                      "ms in \\d+ scavenges and \\d+ full GCs, longest pause [0-9.]+ ms",
                      result.out));
    ck_assert(matches("^- +v8 +- +[0-9.]+ +\\d+ +[0-9.]+ +[0-9.]+ +-$", result.out));
    ck_assert(matches("^ratio script/v8 total: [0-9.]+$", result.out));
    ck_assert(matches("^(ratio script/v8 gc: [0-9.]+|v8 spent no measurable time in GC: "
                      "no gc ratio)$",
                      result.out));
    gchar *json = NULL;
    ck_assert(g_file_get_contents(json_path, &json, NULL, NULL));
    ck_assert_msg(strstr(json, "\"v8_ran\":true,"), "%s", json);
    ck_assert(matches("\"v8_scavenges\":\\d+,\"v8_full_gcs\":\\d+,", json));
    g_free(json);
    command_result_free(&result);
    remove(json_path);
    remove(dir);
    g_free(args);
    g_free(json_path);
    free(dir);
  }
}
END_TEST

int main(void) {
  Suite *suite = suite_create("bench-v8");
  TCase *tc = tcase_create("core");
  tcase_set_timeout(tc, 120);
  tcase_add_test(tc, trace_lines_are_summed_between_begin_and_end);
  tcase_add_loop_test(tc, a_failing_node_is_skipped_with_its_reason, 0,
                      (int)G_N_ELEMENTS(FAILURES));
  tcase_add_test(tc, no_node_on_path_is_one_line);
  tcase_add_test(tc, real_node_runs_beside_gcbench_and_binary_trees);
  suite_add_tcase(suite, tc);
  return ccgc_test_run(suite);
}
