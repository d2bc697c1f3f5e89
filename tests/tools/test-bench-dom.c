/* test-bench-dom.c - `ccgc bench dom` (tools/bench/bench-dom.c) in each
 * sweeping mode: the run completes, its table and longest pause are
 * printed, and its sweep line names the mode. With atomic sweeping the
 * heaps' sweep_end comes inside the pause, before the cycle's record is the
 * last one: the benchmark read the last record there (NULL in the first
 * cycle) and crashed. */
#include <check.h>
#include <glib.h>
#include <string.h>

#include "ccgc-test.h"
#include "run-command.h"

static void run_in_mode(const char *mode) {
  char *args = g_strdup_printf("bench dom --quick --sweeping %s", mode);
  command_result result = run_ccgc(args);
  ck_assert_msg(result.exit_code == 0, "%s: exit %d\n%s%s", mode, result.exit_code,
                result.out, result.err);
  ck_assert_msg(strstr(result.out, "longest pause: "), "%s:\n%s", mode, result.out);
  char *sweeping = g_strdup_printf("sweeping (%s): main thread ", mode);
  ck_assert_msg(strstr(result.out, sweeping), "%s:\n%s", mode, result.out);
  g_free(sweeping);
  command_result_free(&result);
  g_free(args);
}

START_TEST(every_sweeping_mode_completes) {
  run_in_mode("atomic");
  run_in_mode("lazy");
  run_in_mode("concurrent");
}
END_TEST

int main(void) {
  Suite *suite = suite_create("tools-bench-dom");
  TCase *tc = tcase_create("core");
  tcase_set_timeout(tc, 300);
  tcase_add_test(tc, every_sweeping_mode_completes);
  suite_add_tcase(suite, tc);
  return ccgc_test_run(suite);
}
