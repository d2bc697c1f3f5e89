/* test-pretenuring.c - `ccgc stress --pretenuring always` allocates the
 * instances of every allocation site with a survivor old (docs/script-heap.md
 * "Pretenuring") in every mode, and after every scavenge and cycle checks
 * every reference of its shadow model and runs the verifiers. The testing
 * switch --break-pretenuring (ccgc_collector_break_pretenuring) makes each
 * scavenge forget the remembered slots inside the objects pretenured since
 * the one before (.inv.old-to-young-recorded broken): seed 2 then fails in
 * every mode, and the same seed and operations pass without it. */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "ccgc-test.h"
#include "run-command.h"

static const char *const modes[] = {"stw", "incremental", "concurrent"};

START_TEST(every_mode_passes_pretenuring_always) {
  for (size_t i = 0; i < 3; i++) {
    char args[256];
    snprintf(args, sizeof args,
             "stress --quiet --mode %s --seed 2 --ops 5000 --pretenuring always", modes[i]);
    command_result result = run_ccgc(args);
    ck_assert_msg(result.exit_code == 0, "mode %s: exit %d\n%s%s", modes[i],
                  result.exit_code, result.out, result.err);
    unsigned long long pretenured = 0;
    const char *at = strstr(result.out, "bytes moved), ");
    ck_assert_msg(at && sscanf(at, "bytes moved), %llu objects pretenured", &pretenured) == 1,
                  "%s", result.out);
    ck_assert_msg(pretenured > 100, "mode %s: %llu pretenured\n%s", modes[i], pretenured,
                  result.out);
    command_result_free(&result);
  }
}
END_TEST

START_TEST(broken_pretenuring_fails_seed_2) {
  for (size_t i = 0; i < 3; i++) {
    char args[256], expected[64];
    snprintf(args, sizeof args,
             "stress --quiet --mode %s --seed 2 --ops 5000 --pretenuring always "
             "--break-pretenuring",
             modes[i]);
    snprintf(expected, sizeof expected, "seed 2, mode %s", modes[i]);
    run_ccgc_expect_stress_violation(
        args, (const char *const[]){expected, "after minor collection", NULL});
  }
}
END_TEST

int main(void) {
  Suite *suite = suite_create("stress-pretenuring");
  TCase *tc = tcase_create("core");
  tcase_set_timeout(tc, 300);
  tcase_add_test(tc, every_mode_passes_pretenuring_always);
  tcase_add_test(tc, broken_pretenuring_fails_seed_2);
  suite_add_tcase(suite, tc);
  return ccgc_test_run(suite);
}
