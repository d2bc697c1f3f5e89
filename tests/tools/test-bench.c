/* test-bench.c - `ccgc bench` runs in a small configuration and prints
 * well-formed tables and ratios (not timings: those are not asserted). It is
 * also the regression test for an allocation area left open across an
 * incremental cycle's sweep, which crashed `bench pauses`. */
#include <check.h>
#include <glib.h>
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

int main(void) {
  Suite *suite = suite_create("bench");
  TCase *tc = tcase_create("core");
  tcase_set_timeout(tc, 120);
  tcase_add_test(tc, pauses_prints_both_modes_and_ratios);
  tcase_add_test(tc, barrier_prints_a_throughput_ratio);
  suite_add_tcase(suite, tc);
  return ccgc_test_run(suite);
}
