/* test-stress-parallel-marking.c - the stress driver with parallel pause
 * marking (--mark-threads) in every mode, the verifier on after every pause,
 * and with the broken-termination switch, which must make a named seed fail.
 * Run under ThreadSanitizer by the concurrent label. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ccgc-test.h"
#include "run-command.h"

/* Sanitizer builds (CCGC_SANITIZED set by CTest) run shorter. */
static void stress_ok(const char *mode, int seed, int helpers) {
  const char *sanitized = getenv("CCGC_SANITIZED");
  int ops = sanitized && *sanitized ? 10000 : 50000;
  char args[160];
  snprintf(args, sizeof args,
           "stress --quiet --mode %s --seed %d --ops %d --mark-threads %d", mode,
           seed, ops, helpers);
  run_ccgc_expect_stress_ok(args);
}

START_TEST(stw_with_pause_helpers) { stress_ok("stw", 1, 1); }
END_TEST

START_TEST(incremental_with_pause_helpers) { stress_ok("incremental", 2, 2); }
END_TEST

START_TEST(concurrent_with_pause_helpers) { stress_ok("concurrent", 3, 1); }
END_TEST

/* Helpers that leave holding grey objects: the verifier finds a reachable
 * object that is not black. */
START_TEST(broken_termination_seed_1_fails) {
  command_result result = run_ccgc(
      "stress --quiet --mode stw --seed 1 --ops 10000 --mark-threads 1 "
      "--break-parallel-termination");
  ck_assert_int_eq(result.exit_code, 1);
  ck_assert_msg(strstr(result.err, "violation at operation") &&
                    strstr(result.err, "seed 1, mode stw"),
                "%s", result.err);
  command_result_free(&result);
}
END_TEST

int main(void) {
  Suite *suite = suite_create("stress-parallel-marking");
  TCase *tc = tcase_create("core");
  tcase_set_timeout(tc, 120);
  tcase_add_test(tc, stw_with_pause_helpers);
  tcase_add_test(tc, incremental_with_pause_helpers);
  tcase_add_test(tc, concurrent_with_pause_helpers);
  tcase_add_test(tc, broken_termination_seed_1_fails);
  suite_add_tcase(suite, tc);
  return ccgc_test_run(suite);
}
