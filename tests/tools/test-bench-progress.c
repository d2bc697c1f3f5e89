/* test-bench-progress.c - the benchmarks' progress meters as a terminal
 * shows them (tools/bench/bench.h, bench-progress.c): in place, on the same
 * screen as the tables. Each benchmark runs in process with its meter drawn
 * in place into the stream its tables go to (stdout, sent to a file), so
 * the file holds exactly what a terminal would receive, in order; the test
 * then reads it as a terminal would and checks that no table line was
 * written after a meter's line still on screen (garbled), that the meter
 * was drawn, and that it was ended with a newline. */
#include <check.h>
#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"
#include "ccgc-test.h"
#include "run-command.h"

/* What a benchmark wrote, and how the screen went. */
typedef struct screen {
  char *raw;      /* every byte, in order */
  GString *text;  /* the raw stream without the meter: the tables, the notes */
  int draws;      /* meter lines drawn (in place) */
  int finishes;   /* meter lines ended with a newline */
  int erases;     /* meter lines erased (progress_clear) */
  int garbled;    /* text written after a meter line still on screen */
  char *first_garbled;
} screen;

/* Runs bench(options) with its tables and its meter (in place) on stdout,
 * into a file. */
static void run_on_screen(int (*bench)(const bench_options *), bench_options *options,
                          screen *s) {
  char *dir = make_temp_dir();
  char *path = g_build_filename(dir, "screen", NULL);
  fflush(stdout);
  int saved = dup(STDOUT_FILENO);
  FILE *file = fopen(path, "w");
  ck_assert(saved >= 0 && file);
  ck_assert(dup2(fileno(file), STDOUT_FILENO) >= 0);
  options->progress = stdout;
  options->progress_style = PROGRESS_IN_PLACE;
  int status = bench(options);
  fflush(stdout);
  ck_assert(dup2(saved, STDOUT_FILENO) >= 0);
  close(saved);
  fclose(file);
  ck_assert_int_eq(status, 0);
  ck_assert(g_file_get_contents(path, &s->raw, NULL, NULL));
  remove(path);
  remove(dir);
  g_free(path);
  free(dir);
}

static void garbled(screen *s, const char *at) {
  if (!s->garbled++) s->first_garbled = g_strndup(at, 80);
}

/* Reads the stream as a terminal: the meter writes "\r" and its line
 * (drawn, pending), "\r", blanks and "\r" (erased), or "\r", its line and
 * "\n" (finished); anything else is another writer's text, whole lines that
 * must start at the beginning of a line: not after a pending meter line, and
 * not cut by the meter. */
static void read_screen(screen *s, const char *label) {
  s->text = g_string_new(NULL);
  bool pending = false, midline = false;
  for (const char *at = s->raw; *at;) {
    if (*at != '\r') {
      const char *end = strchr(at, '\n');
      const char *cr = strchr(at, '\r');
      if (!end || (cr && cr < end)) end = cr ? cr - 1 : at + strlen(at) - 1;
      if (pending) garbled(s, at);
      pending = false;
      midline = *end != '\n';
      g_string_append_len(s->text, at, end - at + 1);
      at = end + 1;
      continue;
    }
    if (midline) garbled(s, at + 1);
    midline = false;
    at++; /* "\r" */
    size_t length = strcspn(at, "\r\n");
    if (strspn(at, " ") == length && at[length] == '\r' && pending) {
      s->erases++;
      pending = false;
      at += length + 1;
      continue;
    }
    ck_assert_msg(g_str_has_prefix(at, label), "not the meter's line: '%.*s'", (int)length,
                  at);
    s->draws++;
    pending = at[length] != '\n';
    if (!pending) s->finishes++;
    at += length + (at[length] == '\n');
  }
  ck_assert_msg(!pending, "a meter line left without its newline");
}

static void screen_free(screen *s) {
  g_free(s->raw);
  g_string_free(s->text, TRUE);
  g_free(s->first_garbled);
}

static void check_screen(screen *s, const char *label, int meters) {
  read_screen(s, label);
  ck_assert_msg(s->garbled == 0, "%d garbled lines, the first '%s'", s->garbled,
                s->first_garbled);
  ck_assert_int_ge(s->draws, meters);
  /* More: a line written after a pending meter line, read as the meter's. */
  ck_assert_msg(s->finishes == meters, "%d meter lines ended with a newline, %d meters:\n%s",
                s->finishes, meters, s->raw);
  ck_assert_msg(!strstr(s->text->str, " elapsed, "), "meter text outside the meter:\n%s",
                s->text->str);
}

/* pauses: two meters (building, cycles), the "live:" line between them. */
START_TEST(pauses_meters_leave_the_tables_whole) {
  bench_options options = {.live_mb = 8, .quick = true, .scavenger_threads = -1, .marking_threads = -1,
                           .sweeping = -1};
  screen s = {0};
  run_on_screen(ccgc_bench_pauses, &options, &s);
  check_screen(&s, "bench pauses: ", 2);
  ck_assert(g_regex_match_simple("^live: script .*\nmode +pauses +p50 ms", s.text->str, 0, 0));
  ck_assert(g_regex_match_simple("^ratio p99 pause stop-the-world / incremental: [0-9.]+\n"
                                 "mode +run ms +MMU 1 ms.*\nstop-the-world .*\n"
                                 "incremental( +[0-9.]+){4}\n"
                                 "longest stop-the-world pause: .*\n"
                                 "longest incremental pause: .*\n"
                                 "mode +sweeping +main ms.*\nstop-the-world +atomic .*\n"
                                 "incremental +concurrent( +[0-9.]+){3}\n"
                                 "ratio main-thread sweep concurrent / atomic: [0-9.]+\n\\z",
                                 s.text->str, G_REGEX_MULTILINE, 0));
  screen_free(&s);
}
END_TEST

/* ephemerons: one meter, a table row written between its draws (each row
 * after erasing the meter's line). */
START_TEST(ephemerons_rows_erase_the_meter_first) {
  bench_options options = {.quick = true, .scavenger_threads = -1, .marking_threads = -1};
  screen s = {0};
  run_on_screen(ccgc_bench_ephemerons, &options, &s);
  check_screen(&s, "bench ephemerons: ", 1);
  ck_assert_int_ge(s.erases, 3); /* before the rows drawn over the meter */
  int rows = 0;
  gchar **lines = g_strsplit(s.text->str, "\n", -1);
  for (gchar **line = lines; *line; line++)
    rows += g_regex_match_simple("^(script|cross) +\\d+ +[0-9.]+", *line, 0, 0);
  g_strfreev(lines);
  ck_assert_int_eq(rows, 4);
  ck_assert(g_regex_match_simple("^worst 2n/n ratio: [0-9.]+ .*\n\\z", s.text->str,
                                 G_REGEX_MULTILINE, 0));
  screen_free(&s);
}
END_TEST

/* binary-trees: the game's lines printed in the middle of the malloc run,
 * the v8 lines and the table rows between runs. */
START_TEST(binary_trees_game_lines_erase_the_meter_first) {
  bench_options options = {.quick = true, .depth = 10, .scavenger_threads = -1, .marking_threads = -1};
  screen s = {0};
  run_on_screen(ccgc_bench_binary_trees, &options, &s);
  check_screen(&s, "bench binary-trees: ", 1);
  ck_assert(strstr(s.text->str, "stretch tree of depth 11\t check: 4095\n"
                                "1024\t trees of depth 4\t check: 31744\n"));
  ck_assert(strstr(s.text->str, "check values (all allocators): ok\n"));
  screen_free(&s);
}
END_TEST

int main(void) {
  Suite *suite = suite_create("bench-progress");
  TCase *tc = tcase_create("core");
  tcase_set_timeout(tc, 120);
  tcase_add_test(tc, pauses_meters_leave_the_tables_whole);
  tcase_add_test(tc, ephemerons_rows_erase_the_meter_first);
  tcase_add_test(tc, binary_trees_game_lines_erase_the_meter_first);
  suite_add_tcase(suite, tc);
  return ccgc_test_run(suite);
}
