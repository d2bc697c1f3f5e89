/* test-fast-promotion.c - `ccgc stress --fast-promotion always` makes the
 * young pages old in place at every scavenge outside marking (docs/
 * script-heap.md "Fast promotion"), in every mode, and after every scavenge
 * and cycle checks every reference of its shadow model and runs the
 * verifiers. The testing switch --break-fast-promotion
 * (ccgc_collector_break_fast_promotion) gives the young pages back to the
 * pool instead: seed 1 then fails in every mode, and the same seed and
 * operations pass without it. */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "ccgc-test.h"
#include "run-command.h"

static const char *const modes[] = {"stw", "incremental", "concurrent"};

START_TEST(every_mode_passes_fast_promotion_always) {
  for (size_t i = 0; i < 3; i++) {
    char args[256];
    snprintf(args, sizeof args,
             "stress --quiet --mode %s --seed 1 --ops 5000 --fast-promotion always",
             modes[i]);
    command_result result = run_ccgc(args);
    ck_assert_msg(result.exit_code == 0, "mode %s: exit %d\n%s%s", modes[i],
                  result.exit_code, result.out, result.err);
    unsigned long fast = 0;
    const char *f = strstr(result.out, " fast promotions\n");
    ck_assert_msg(f != NULL, "%s", result.out);
    while (f > result.out && f[-1] >= '0' && f[-1] <= '9') f--;
    ck_assert_int_eq(sscanf(f, "%lu", &fast), 1);
    /* Outside marking every scavenge promotes in place (stw: all). */
    ck_assert_msg(fast > 10, "mode %s: %lu fast promotions\n%s", modes[i], fast,
                  result.out);
    command_result_free(&result);
  }
}
END_TEST

START_TEST(broken_fast_promotion_fails_seed_1) {
  for (size_t i = 0; i < 3; i++) {
    char args[256], expected[64];
    snprintf(args, sizeof args,
             "stress --quiet --mode %s --seed 1 --ops 5000 --fast-promotion always "
             "--break-fast-promotion",
             modes[i]);
    snprintf(expected, sizeof expected, "seed 1, mode %s", modes[i]);
    run_ccgc_expect_stress_violation(
        args, (const char *const[]){expected, "after minor collection", NULL});
  }
}
END_TEST

int main(void) {
  Suite *suite = suite_create("stress-fast-promotion");
  TCase *tc = tcase_create("core");
  tcase_set_timeout(tc, 300);
  tcase_add_test(tc, every_mode_passes_fast_promotion_always);
  tcase_add_test(tc, broken_fast_promotion_fails_seed_1);
  suite_add_tcase(suite, tc);
  return ccgc_test_run(suite);
}
