/* test-progress.c - the progress line of long runs (tools/cli/progress.h):
 * the estimate, the durations, the line, and the meter's output in place
 * and as lines, with the time given in (no clock, no timing). */
#define _GNU_SOURCE /* open_memstream */
#include <check.h>
#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ccgc-test.h"
#include "progress.h"

START_TEST(estimate_is_the_average_rate_so_far) {
  ck_assert_double_eq_tol(progress_time_left_ms(25, 100, 10000), 30000, 1e-9);
  ck_assert_double_eq_tol(progress_time_left_ms(1, 3, 500), 1000, 1e-9);
  ck_assert_double_eq_tol(progress_time_left_ms(999, 1000, 999), 1, 1e-9);
  ck_assert_double_eq(progress_time_left_ms(100, 100, 5000), 0);
  ck_assert_double_eq(progress_time_left_ms(120, 100, 5000), 0);
  ck_assert_double_lt(progress_time_left_ms(0, 100, 5000), 0); /* unknown */
}
END_TEST

static void expect_duration(double ms, const char *want) {
  char text[32];
  progress_format_duration(ms, text, sizeof text);
  ck_assert_msg(!strcmp(text, want), "%g ms: '%s', want '%s'", ms, text, want);
}

START_TEST(durations_read_as_a_person_says_them) {
  expect_duration(0, "0.0 s");
  expect_duration(-5, "0.0 s");
  expect_duration(420, "0.4 s");
  expect_duration(9940, "9.9 s");
  expect_duration(9960, "10 s");
  expect_duration(59400, "59 s");
  expect_duration(59600, "1 min 00 s");
  expect_duration(187000, "3 min 07 s");
  expect_duration(3599400, "59 min 59 s");
  expect_duration(7500000, "2 h 05 min");
}
END_TEST

START_TEST(line_says_done_elapsed_and_left) {
  char line[256];
  progress_format_line(line, sizeof line, "ccgc stress", "ops", 450000, 1000000, 65000,
                       "920 cycles");
  ck_assert_str_eq(line, "ccgc stress: 450000/1000000 ops (45 %), 1 min 05 s elapsed, "
                         "about 1 min 19 s left; 920 cycles");
  progress_format_line(line, sizeof line, "run", "items", 0, 9, 10, NULL);
  ck_assert_str_eq(line, "run: 0/9 items (0 %), 0.0 s elapsed, time left unknown");
  progress_format_line(line, sizeof line, "run", "items", 9, 9, 12000, NULL);
  ck_assert_str_eq(line, "run: 9/9 items (100 %), 12 s elapsed, about 0.0 s left");
  /* a line that does not fit is cut, not overrun */
  char small[16];
  progress_format_line(small, sizeof small, "run", "items", 1, 9, 10, NULL);
  ck_assert_uint_eq(strlen(small), sizeof small - 1);
}
END_TEST

typedef struct capture {
  char *text;
  size_t size;
  FILE *file;
} capture;

static void capture_open(capture *c) {
  *c = (capture){0};
  c->file = open_memstream(&c->text, &c->size);
  ck_assert_ptr_nonnull(c->file);
}

static void capture_close(capture *c) {
  fclose(c->file);
  free(c->text);
}

static size_t count(const char *text, char c) {
  size_t n = 0;
  for (; *text; text++) n += *text == c;
  return n;
}

/* In place: "\r" and the line, redrawn at most every PROGRESS_REDRAW_MS, no
 * newline until the end, a shorter line blanks out the longer one's rest. */
START_TEST(in_place_is_one_line_redrawn) {
  capture c;
  capture_open(&c);
  progress_meter m;
  progress_start(&m, c.file, PROGRESS_IN_PLACE, "run", "ops", 1000, 1000);
  size_t draws = 0;
  for (uint64_t done = 1; done <= 1000; done++) {
    double now = 1000 + (double)done; /* 1 ms per operation */
    if (progress_due(&m, done, now)) {
      progress_draw(&m, done, "a long detail to be blanked out", now);
      draws++;
    }
  }
  /* the first operation, then every 250 ms of 1000 */
  ck_assert_uint_eq(draws, 1 + (size_t)(999 / PROGRESS_REDRAW_MS));
  fflush(c.file);
  ck_assert_uint_eq(count(c.text, '\n'), 0);
  ck_assert_uint_eq(count(c.text, '\r'), draws);
  progress_finish(&m, 1000, NULL, 2000);
  fflush(c.file);
  ck_assert_uint_eq(count(c.text, '\n'), 1);
  const char *last = strrchr(c.text, '\r') + 1;
  ck_assert_msg(g_str_has_prefix(last, "run: 1000/1000 ops (100 %), 1.0 s elapsed, about 0.0 s "
                                       "left"),
                "%s", last);
  /* the detail of the earlier, longer line is blanked with spaces */
  ck_assert(!strstr(last, "detail"));
  ck_assert(g_str_has_suffix(last, " \n"));
  capture_close(&c);
}
END_TEST

START_TEST(in_place_is_cut_to_the_terminal) {
  capture c;
  capture_open(&c);
  progress_meter m;
  progress_start(&m, c.file, PROGRESS_IN_PLACE, "run", "ops", 10, 0);
  m.columns = 30;
  progress_draw(&m, 5, "a detail that makes the line much longer than thirty", 100);
  fflush(c.file);
  ck_assert_uint_eq(strlen(c.text), 1 + 29);
  capture_close(&c);
}
END_TEST

/* Lines: one per tenth at most, whatever the number of updates. */
START_TEST(lines_are_one_per_tenth) {
  capture c;
  capture_open(&c);
  progress_meter m;
  progress_start(&m, c.file, PROGRESS_LINES, "run", "ops", 12345, 0);
  for (uint64_t done = 1; done <= 12345; done++)
    if (progress_due(&m, done, (double)done)) progress_draw(&m, done, NULL, (double)done);
  progress_finish(&m, 12345, NULL, 12345);
  fflush(c.file);
  ck_assert_uint_eq(count(c.text, '\n'), PROGRESS_LINE_STEPS);
  ck_assert_uint_eq(count(c.text, '\r'), 0);
  ck_assert(strstr(c.text, "run: 1234/12345 ops (9 %)") == NULL); /* not before 10 % */
  ck_assert(strstr(c.text, "run: 1235/12345 ops (10 %), 1.2 s elapsed, about 11 s left\n"));
  ck_assert(strstr(c.text, "run: 12345/12345 ops (100 %)"));
  capture_close(&c);

  /* a run that stops early ends with its last state; a short one prints
   * every step */
  capture_open(&c);
  progress_start(&m, c.file, PROGRESS_LINES, "run", "ops", 3, 0);
  for (uint64_t done = 1; done <= 2; done++)
    if (progress_due(&m, done, (double)done)) progress_draw(&m, done, NULL, (double)done);
  progress_finish(&m, 2, "stopped", 2);
  fflush(c.file);
  ck_assert_uint_eq(count(c.text, '\n'), 2);
  capture_close(&c);
}
END_TEST

/* progress_clear: the in-place line blanked and the cursor back at column
 * 0, so that another line written there shows alone; the meter redraws at
 * once after it. As lines, nothing is written. */
START_TEST(clear_leaves_the_line_to_another_writer) {
  capture c;
  capture_open(&c);
  progress_meter m;
  progress_start(&m, c.file, PROGRESS_IN_PLACE, "run", "ops", 10, 0);
  progress_clear(&m); /* nothing drawn yet: nothing to erase */
  fflush(c.file);
  ck_assert_uint_eq(c.size, 0);
  progress_draw(&m, 3, NULL, 100);
  fflush(c.file);
  size_t drawn = strlen(c.text) - 1; /* without the "\r" */
  progress_clear(&m);
  fflush(c.file);
  const char *erase = strchr(c.text + 1, '\r');
  ck_assert_ptr_nonnull(erase);
  size_t erased_at = (size_t)(erase - c.text);
  ck_assert_uint_eq(strlen(erase), 1 + drawn + 1); /* "\r", blanks, "\r" */
  ck_assert_uint_eq(strspn(erase + 1, " "), drawn);
  ck_assert(g_str_has_suffix(c.text, "\r"));
  ck_assert(!m.pending);
  ck_assert(progress_due(&m, 3, 101)); /* redrawn at once, not 250 ms later */
  progress_clear(&m); /* twice: no more output */
  fflush(c.file);
  ck_assert_uint_eq(c.size, erased_at + 1 + drawn + 1);
  progress_finish(&m, 10, NULL, 200);
  fflush(c.file);
  ck_assert(g_str_has_suffix(c.text, "\n"));
  capture_close(&c);

  capture_open(&c);
  progress_start(&m, c.file, PROGRESS_LINES, "run", "ops", 10, 0);
  progress_draw(&m, 3, NULL, 100);
  fflush(c.file);
  size_t size = c.size;
  progress_clear(&m);
  fflush(c.file);
  ck_assert_uint_eq(c.size, size);
  capture_close(&c);
}
END_TEST

int main(void) {
  Suite *suite = suite_create("progress");
  TCase *tc = tcase_create("core");
  tcase_add_test(tc, estimate_is_the_average_rate_so_far);
  tcase_add_test(tc, durations_read_as_a_person_says_them);
  tcase_add_test(tc, line_says_done_elapsed_and_left);
  tcase_add_test(tc, in_place_is_one_line_redrawn);
  tcase_add_test(tc, in_place_is_cut_to_the_terminal);
  tcase_add_test(tc, lines_are_one_per_tenth);
  tcase_add_test(tc, clear_leaves_the_line_to_another_writer);
  suite_add_tcase(suite, tc);
  return ccgc_test_run(suite);
}
