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

/* The number just before `suffix` in the summary line. */
static unsigned long count_before(const char *out, const char *suffix) {
  const char *f = strstr(out, suffix);
  ck_assert_msg(f != NULL, "no \"%s\" in\n%s", suffix, out);
  while (f > out && f[-1] >= '0' && f[-1] <= '9') f--;
  unsigned long n = 0;
  ck_assert_int_eq(sscanf(f, "%lu", &n), 1);
  return n;
}

START_TEST(every_mode_passes_fast_promotion_always) {
  for (size_t i = 0; i < 3; i++) {
    char args[256];
    snprintf(args, sizeof args,
             "stress --quiet --mode %s --seed 1 --ops 5000 --fast-promotion always",
             modes[i]);
    command_result result = run_ccgc(args);
    ck_assert_msg(result.exit_code == 0, "mode %s: exit %d\n%s%s", modes[i],
                  result.exit_code, result.out, result.err);
    unsigned long fast = count_before(result.out, " fast promotions\n");
    unsigned long minor = count_before(result.out, " minor collections (");
    unsigned long marking = count_before(result.out, " during marking");
    /* Every scavenge outside marking promotes in place (stw: all of them);
     * how many fall inside an incremental or concurrent cycle depends on
     * the pacing's timing, so only stw has a fixed count. */
    ck_assert_msg(fast == minor - marking && (i > 0 || fast >= 10),
                  "mode %s: %lu fast promotions of %lu scavenges, %lu during "
                  "marking\n%s",
                  modes[i], fast, minor, marking, result.out);
    if (i == 0) ck_assert_uint_eq(marking, 0);
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
