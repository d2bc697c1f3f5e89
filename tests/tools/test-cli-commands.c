/* test-cli-commands.c - what every subcommand of `ccgc` does the same way
 * through the option layer (tools/cli/cli-options.h): --help generated from
 * its table, --version, one-line usage errors with exit status 2 (unknown
 * option, missing value, bad number, a flag given a value, an operand too
 * many), the page given with --page, and output written where the message
 * says, never into the current directory. */
#include <check.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ccgc-test.h"
#include "ccgc-version.h"
#include "run-command.h"

static const char *const COMMANDS[] = {"demo", "stress", "bench", "snapshot",
                                       "dot",  "why",    "stats"};
#define COMMAND_COUNT (sizeof COMMANDS / sizeof COMMANDS[0])

static size_t count_char(const char *text, char c) {
  size_t count = 0;
  for (; *text; text++) count += *text == c;
  return count;
}

/* ARGS fails with exit 2 and exactly one line on stderr: "ccgc CMD: " MESSAGE
 * " (try 'ccgc CMD --help')", nothing on stdout. */
static void expect_usage_error(const char *command, const char *args, const char *message) {
  char *full = g_strdup_printf("%s %s", command, args);
  command_result result = run_ccgc(full);
  ck_assert_msg(result.exit_code == 2, "ccgc %s: exit %d\n%s", full, result.exit_code,
                result.err);
  ck_assert_msg(count_char(result.err, '\n') == 1, "ccgc %s: not one line:\n%s", full,
                result.err);
  char *want = g_strdup_printf("ccgc %s: %s (try 'ccgc %s --help')\n", command, message,
                               command);
  ck_assert_msg(!strcmp(result.err, want), "ccgc %s:\n got  %s want %s", full, result.err,
                want);
  ck_assert_msg(result.out[0] == '\0', "ccgc %s wrote on stdout: %s", full, result.out);
  g_free(want);
  g_free(full);
  command_result_free(&result);
}

START_TEST(every_command_has_generated_help_and_the_version) {
  command_result version = run_ccgc("--version");
  ck_assert_str_eq(version.out, "ccgc " CCGC_VERSION_STRING "\n");
  /* Extra operands are refused; `ccgc help help` is the list of commands. */
  const char *extra[] = {"--version extra", "--help extra", "help demo extra"};
  for (size_t i = 0; i < 3; i++) {
    command_result refused = run_ccgc(extra[i]);
    ck_assert_msg(refused.exit_code == 2 && strstr(refused.err, "unexpected argument"),
                  "ccgc %s: exit %d: %s", extra[i], refused.exit_code, refused.err);
    command_result_free(&refused);
  }
  command_result list = run_ccgc("help help");
  ck_assert_int_eq(list.exit_code, 0);
  ck_assert_msg(strstr(list.out, "commands:"), "%s", list.out);
  command_result_free(&list);
  /* `help` answers --help and --version as every command does (both were
   * "unknown option"). */
  list = run_ccgc("help --help");
  ck_assert_int_eq(list.exit_code, 0);
  ck_assert_msg(strstr(list.out, "commands:"), "%s", list.out);
  command_result_free(&list);
  list = run_ccgc("help --version");
  ck_assert_int_eq(list.exit_code, 0);
  ck_assert_str_eq(list.out, "ccgc " CCGC_VERSION_STRING "\n");
  command_result_free(&list);
  for (size_t i = 0; i < COMMAND_COUNT; i++) {
    char *args = g_strdup_printf("%s --help", COMMANDS[i]);
    command_result help = run_ccgc(args);
    ck_assert_msg(help.exit_code == 0, "%s: exit %d", args, help.exit_code);
    char *usage = g_strdup_printf("usage: ccgc %s ", COMMANDS[i]);
    ck_assert_msg(g_str_has_prefix(help.out, usage), "%s:\n%s", args, help.out);
    /* generated: every command lists the options the layer adds */
    ck_assert_msg(strstr(help.out, "\n  -h, --help ") && strstr(help.out, "\n  --version "),
                  "%s:\n%s", args, help.out);
    ck_assert_str_eq(help.err, "");
    /* no line of the help is wider than a terminal */
    char **lines = g_strsplit(help.out, "\n", -1);
    for (char **line = lines; *line; line++)
      ck_assert_msg(g_utf8_strlen(*line, -1) <= 80 || strstr(*line, "  ") == *line,
                    "%s: wide line '%s'", args, *line);
    g_strfreev(lines);
    g_free(args);
    /* `ccgc help CMD` is the same text */
    args = g_strdup_printf("help %s", COMMANDS[i]);
    command_result topic = run_ccgc(args);
    ck_assert_int_eq(topic.exit_code, 0);
    ck_assert_str_eq(topic.out, help.out);
    command_result_free(&topic);
    g_free(args);
    /* `ccgc CMD --version` says what `ccgc --version` says, and does nothing else */
    args = g_strdup_printf("%s --version", COMMANDS[i]);
    command_result own = run_ccgc(args);
    ck_assert_msg(own.exit_code == 0, "%s: exit %d", args, own.exit_code);
    ck_assert_str_eq(own.out, version.out);
    ck_assert_str_eq(own.err, "");
    command_result_free(&own);
    g_free(args);
    g_free(usage);
    command_result_free(&help);
  }
  /* A command's own --help or --version answers a bad or missing value
   * beside it too (each was a usage error; found by an audit, 2026-12-07). */
  const char *answered[] = {"dot --help --depth 0", "dot --help --out",
                            "stats --help --format xml", "stress --help --ops 0",
                            "dot --mid-cycle=1 --help", "demo -oX --help",
                            "why --version --at 9", "bench --live-mb 0 --version",
                            "demo -ho x --max-nodes 0", "demo -ho"};
  for (size_t i = 0; i < sizeof answered / sizeof answered[0]; i++) {
    command_result r = run_ccgc(answered[i]);
    ck_assert_msg(r.exit_code == 0 && r.err[0] == '\0' &&
                      (g_str_has_prefix(r.out, "usage: ccgc ") ||
                       !strcmp(r.out, version.out)),
                  "ccgc %s: exit %d, stdout '%.60s', stderr '%s'", answered[i],
                  r.exit_code, r.out, r.err);
    command_result_free(&r);
  }
  command_result_free(&version);
}
END_TEST

START_TEST(unknown_options_are_one_line) {
  for (size_t i = 0; i < COMMAND_COUNT; i++) {
    expect_usage_error(COMMANDS[i], "--frob", "unknown option '--frob'");
    expect_usage_error(COMMANDS[i], "--frob=3", "unknown option '--frob'");
    expect_usage_error(COMMANDS[i], "-Z", "unknown option '-Z'");
    expect_usage_error(COMMANDS[i], "--help=yes", "option '--help' takes no value");
  }
  command_result result = run_ccgc("--frob");
  ck_assert_int_eq(result.exit_code, 2);
  ck_assert_str_eq(result.err, "ccgc: unknown option '--frob' (try 'ccgc --help')\n");
  command_result_free(&result);
}
END_TEST

START_TEST(missing_values_are_one_line) {
  expect_usage_error("demo", "--out", "option '--out' needs a value");
  expect_usage_error("demo", "--quiet -o", "option '--out' needs a value");
  expect_usage_error("demo", "--out=", "option '--out' needs a value");
  expect_usage_error("stress", "--ops", "option '--ops' needs a value");
  expect_usage_error("bench", "pauses --json", "option '--json' needs a value");
  expect_usage_error("snapshot", "--series", "option '--series' needs a value");
  expect_usage_error("dot", "--svg", "option '--svg' needs a value");
  expect_usage_error("why", "'#modal' --at", "option '--at' needs a value");
  expect_usage_error("stats", "--format", "option '--format' needs a value");
  expect_usage_error("demo", "--quiet=1", "option '--quiet' takes no value");
  /* GLib reads "-ofoo" as -o -f -o -o: the value must come apart. */
  expect_usage_error("demo", "-ofoo --quiet",
                     "option '-o' takes its value as the next argument ('-o VALUE')");
  expect_usage_error("snapshot", "-oq.hs --at final",
                     "option '-o' takes its value as the next argument ('-o VALUE')");
}
END_TEST

START_TEST(bad_numbers_and_choices_are_one_line) {
  expect_usage_error("demo", "--max-nodes 0x10",
                     "--max-nodes 0x10 is out of range: a whole number from 1 to 1000000");
  expect_usage_error("demo", "--max-nodes 1000001",
                     "--max-nodes 1000001 is out of range: a whole number from 1 to 1000000");
  expect_usage_error("stress", "--seed -1",
                     "--seed -1 is out of range: a whole number, 0 or more");
  expect_usage_error("stress", "--seed 18446744073709551616",
                     "--seed 18446744073709551616 is out of range: a whole number, 0 or more");
  expect_usage_error("stress", "--threads 9",
                     "--threads 9 is out of range: a whole number from 1 to 8");
  expect_usage_error("stress", "--mode fast",
                     "unknown mode 'fast': --mode must be stw, incremental or concurrent");
  expect_usage_error("bench", "pauses --live-mb 0",
                     "--live-mb 0 is out of range: a size from 1 MiB to 64 GiB (MiB, or with a "
                     "unit: k, M, G, T)");
  expect_usage_error("bench", "pauses --live-mb 100k",
                     "--live-mb 100k is out of range: a size from 1 MiB to 64 GiB (MiB, or with "
                     "a unit: k, M, G, T)");
  expect_usage_error("bench", "gcbench --heap-multiplier nan",
                     "--heap-multiplier nan is out of range: a number from 1.05 to 100");
  expect_usage_error("bench", "binary-trees --depth 27",
                     "--depth 27 is out of range: a whole number from 1 to 26");
  expect_usage_error("dot", "--depth 1001 --focus '#modal'",
                     "--depth 1001 is out of range: a whole number from 1 to 1000");
  expect_usage_error("stats", "--max-categories 1.5",
                     "--max-categories 1.5 is out of range: a whole number from 1 to 65536");
  expect_usage_error("stats", "--format xml",
                     "unknown format 'xml': --format must be table, json or csv");
}
END_TEST

START_TEST(extra_operands_are_one_line) {
  expect_usage_error("demo", "a.html b.html", "unexpected argument 'b.html' (one page at most)");
  expect_usage_error("stress", "fast", "unexpected argument 'fast'");
  expect_usage_error("bench", "pauses barrier", "unexpected argument 'barrier'");
  expect_usage_error("snapshot", "page.html",
                     "unexpected argument 'page.html' (a page is given with --page)");
  expect_usage_error("dot", "page.html",
                     "unexpected argument 'page.html' (a page is given with --page)");
  expect_usage_error("stats", "page.html",
                     "unexpected argument 'page.html' (a page is given with --page)");
  expect_usage_error("why", "'#modal' '#menu'", "unexpected argument '#menu'");
  expect_usage_error("why", "", "which object? (#ID or @N)");
  expect_usage_error("bench", "", "which benchmark? (a NAME, or --quick for every one)");
  expect_usage_error("demo", "--page a.html b.html",
                     "the page is given twice: --page and 'b.html'");
  /* after "--" an argument is an operand, even with a dash */
  expect_usage_error("stress", "-- --ops", "unexpected argument '--ops'");
}
END_TEST

/* A page no other test uses: an element with an id the bundled page lacks,
 * and 30 paragraphs (the bundled page has 4). */
static char *write_page(const char *dir) {
  GString *html = g_string_new("<html><body><div id=only-here><button id=open>Open</button>"
                               "</div>");
  for (int i = 0; i < 30; i++) g_string_append_printf(html, "<p>paragraph %d</p>", i);
  g_string_append(html, "</body></html>");
  char *page = g_build_filename(dir, "page.html", NULL);
  ck_assert(g_file_set_contents(page, html->str, -1, NULL));
  g_string_free(html, TRUE);
  return page;
}

static command_result run_ok(const char *args) {
  command_result result = run_ccgc(args);
  ck_assert_msg(result.exit_code == 0, "ccgc %s: exit %d\n%s%s", args, result.exit_code,
                result.out, result.err);
  return result;
}

START_TEST(every_command_takes_the_page_with_page) {
  char *dir = make_temp_dir();
  char *page = write_page(dir);
  char *args = g_strdup_printf("demo --quiet --out %s/demo --page %s", dir, page);
  command_result result = run_ok(args);
  char *loaded = g_strdup_printf("ccgc demo: %s: ", page);
  ck_assert_msg(strstr(result.out, loaded), "%s", result.out);
  command_result_free(&result);
  g_free(args);
  /* the operand is the same page */
  args = g_strdup_printf("demo --quiet --out %s/demo %s", dir, page);
  result = run_ok(args);
  ck_assert_msg(strstr(result.out, loaded), "%s", result.out);
  command_result_free(&result);
  g_free(args);
  g_free(loaded);

  args = g_strdup_printf("snapshot --out %s/x.heapsnapshot --page %s", dir, page);
  result = run_ok(args);
  loaded = g_strdup_printf("ccgc snapshot: %s: ", page);
  ck_assert_msg(strstr(result.out, loaded), "%s", result.out);
  g_free(loaded);
  command_result_free(&result);
  g_free(args);

  /* #only-here exists only on the page */
  args = g_strdup_printf("dot --out %s/x.dot --focus '#only-here' --page %s", dir, page);
  result = run_ok(args);
  command_result_free(&result);
  g_free(args);
  args = g_strdup_printf("dot --out %s/x.dot --focus '#only-here'", dir);
  result = run_ccgc(args);
  ck_assert_int_eq(result.exit_code, 1);
  command_result_free(&result);
  g_free(args);

  args = g_strdup_printf("why --page %s '#only-here'", page);
  result = run_ok(args);
  ck_assert_msg(strstr(result.out, "#only-here (HTMLDivElement, dom heap"), "%s", result.out);
  command_result_free(&result);
  g_free(args);

  args = g_strdup_printf("stats --format csv --page %s", page);
  result = run_ok(args);
  ck_assert_msg(g_regex_match_simple("^type,dom/HTMLParagraphElement,\\d+,30,", result.out,
                                     G_REGEX_MULTILINE, 0),
                "%s", result.out);
  command_result_free(&result);
  g_free(args);

  char *cleanup = g_strdup_printf("rm -rf '%s'", dir);
  ck_assert_int_eq(system(cleanup), 0);
  g_free(cleanup);
  g_free(page);
  free(dir);
}
END_TEST

/* Run from a scratch directory with XDG_CACHE_HOME set: the files go to
 * XDG_CACHE_HOME/ccgc/demo, the message names them, the current directory
 * stays empty. */
START_TEST(default_output_is_named_and_not_in_the_current_directory) {
  char *dir = make_temp_dir();
  char *cwd = g_build_filename(dir, "cwd", NULL);
  char *cache = g_build_filename(dir, "cache", NULL);
  ck_assert_int_eq(g_mkdir(cwd, 0755), 0);
  char *prefix = g_strdup_printf("cd '%s' && XDG_CACHE_HOME='%s'", cwd, cache);
  char *out_dir = g_build_filename(cache, "ccgc", "demo", NULL);

  command_result result = run_ccgc_with(prefix, "demo --quiet", NULL);
  ck_assert_msg(result.exit_code == 0, "%s%s", result.out, result.err);
  char *wrote = g_strdup_printf("wrote %s/heap.dot and %s/heap.svg", out_dir, out_dir);
  ck_assert_msg(strstr(result.out, wrote), "want '%s' in:\n%s", wrote, result.out);
  g_free(wrote);
  command_result_free(&result);
  char *svg = g_build_filename(out_dir, "heap.svg", NULL);
  ck_assert(g_file_test(svg, G_FILE_TEST_IS_REGULAR));
  g_free(svg);

  result = run_ccgc_with(prefix, "dot --focus '#modal'", NULL);
  ck_assert_msg(result.exit_code == 0, "%s%s", result.out, result.err);
  char *drawn = g_strdup_printf("%s/heap.dot: ", out_dir);
  ck_assert_msg(g_str_has_prefix(result.out, drawn), "want '%s' in:\n%s", drawn, result.out);
  g_free(drawn);
  command_result_free(&result);

  result = run_ccgc_with(prefix, "snapshot", NULL);
  ck_assert_msg(result.exit_code == 0, "%s%s", result.out, result.err);
  char *snapshot = g_strdup_printf("-> %s/heap.heapsnapshot", out_dir);
  ck_assert_msg(strstr(result.out, snapshot), "want '%s' in:\n%s", snapshot, result.out);
  g_free(snapshot);
  command_result_free(&result);
  /* --quiet still says where (it said nothing). */
  result = run_ccgc_with(prefix, "snapshot --quiet", NULL);
  ck_assert_msg(result.exit_code == 0, "%s%s", result.out, result.err);
  snapshot = g_strdup_printf("wrote %s/heap.heapsnapshot\n", out_dir);
  ck_assert_msg(!strcmp(result.out, snapshot), "want '%s', got:\n%s", snapshot, result.out);
  g_free(snapshot);
  command_result_free(&result);
  /* A picture named like the default DOT file would replace it: refused
   * (it was written over the DOT file). */
  char *clash = g_strdup_printf("dot --svg '%s/heap.dot'", out_dir);
  result = run_ccgc_with(prefix, clash, NULL);
  ck_assert_int_eq(result.exit_code, 2);
  ck_assert_msg(strstr(result.err, "is given for two outputs (--out by default"), "%s",
                result.err);
  command_result_free(&result);
  g_free(clash);
  /* An output directory that is a file fails before the demo runs. */
  char *file_dir = g_build_filename(dir, "a-file", NULL);
  ck_assert(g_file_set_contents(file_dir, "x", 1, NULL));
  char *demo_args = g_strdup_printf("demo --out '%s'", file_dir);
  result = run_ccgc_with(prefix, demo_args, NULL);
  ck_assert_int_eq(result.exit_code, 1);
  char *cannot = g_strdup_printf("ccgc demo: cannot create '%s': Not a directory\n", file_dir);
  ck_assert_msg(!strcmp(result.err, cannot), "%s", result.err);
  ck_assert_msg(result.out[0] == '\0', "the demo ran: %s", result.out);
  command_result_free(&result);
  g_free(cannot);
  g_free(demo_args);
  g_free(file_dir);

  GDir *listing = g_dir_open(cwd, 0, NULL);
  ck_assert_ptr_nonnull(listing);
  const char *entry = g_dir_read_name(listing);
  ck_assert_msg(entry == NULL, "the command wrote '%s' into the current directory", entry);
  g_dir_close(listing);

  char *cleanup = g_strdup_printf("rm -rf '%s'", dir);
  ck_assert_int_eq(system(cleanup), 0);
  g_free(cleanup);
  g_free(out_dir);
  g_free(prefix);
  g_free(cache);
  g_free(cwd);
  free(dir);
}
END_TEST

/* Not a terminal: a line per tenth of the operations at most, each with the
 * time elapsed and an estimate. */
START_TEST(stress_progress_is_a_few_lines_with_times) {
  command_result result = run_ccgc("stress --mode stw --ops 3000");
  ck_assert_msg(result.exit_code == 0, "%s", result.err);
  size_t lines = count_char(result.err, '\n');
  ck_assert_msg(lines >= 1 && lines <= 10, "%zu lines:\n%s", lines, result.err);
  ck_assert_msg(g_regex_match_simple("^ccgc stress: 3000/3000 ops \\(100 %\\), [0-9.]+ s "
                                     "elapsed, about 0.0 s left; \\d+ cycles",
                                     result.err, G_REGEX_MULTILINE, 0),
                "%s", result.err);
  ck_assert(!strchr(result.err, '\r'));
  command_result_free(&result);
  result = run_ccgc("stress --mode stw --ops 3000 --quiet");
  ck_assert_str_eq(result.err, "");
  command_result_free(&result);
}
END_TEST

int main(void) {
  Suite *suite = suite_create("cli-commands");
  TCase *tc = tcase_create("core");
  tcase_set_timeout(tc, 120);
  tcase_add_test(tc, every_command_has_generated_help_and_the_version);
  tcase_add_test(tc, unknown_options_are_one_line);
  tcase_add_test(tc, missing_values_are_one_line);
  tcase_add_test(tc, bad_numbers_and_choices_are_one_line);
  tcase_add_test(tc, extra_operands_are_one_line);
  tcase_add_test(tc, every_command_takes_the_page_with_page);
  tcase_add_test(tc, default_output_is_named_and_not_in_the_current_directory);
  tcase_add_test(tc, stress_progress_is_a_few_lines_with_times);
  suite_add_tcase(suite, tc);
  return ccgc_test_run(suite);
}
