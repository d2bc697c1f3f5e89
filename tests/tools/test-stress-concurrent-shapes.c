/* test-stress-concurrent-shapes.c - `ccgc stress --mode concurrent` with each
 * shape-change protocol. Locking passes like snapshotting; with both off
 * (--unsafe-shapes, testing only) the run finds a violation. Labelled
 * concurrent: the TSan build runs the passing cases; the unprotected one is a
 * deliberate race and is skipped under sanitizers.
 *
 * Whether an unprotected run fails depends on thread timing (a left-trimmed
 * or unboxed object must be grey or mid-visit at the change), so it tries
 * named seeds until one fails, up to sixteen: locally each failed within
 * 10k-95k operations in most runs, but on a loaded machine (ctest -j2 beside
 * other stress runs) a seed sometimes ran clean, three seeds were once not
 * enough, and in one full ctest -j2 run of the twenty-seventh session eight
 * were not (the test took 33 s; ten runs beside two stress runs all found
 * one at the first seed). tests/v8ish/test-concurrent-shape-changes.c is the
 * deterministic proof. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ccgc-test.h"
#include "run-command.h"

START_TEST(lock_protocol_passes) {
  const char *runs[] = {
      "stress --quiet --mode concurrent --shapes lock --threads 2 --seed 5 --ops 60000",
      "stress --quiet --mode concurrent --shapes lock --threads 1 --seed 7 --ops 60000",
  };
  for (size_t i = 0; i < 2; i++) {
    command_result result = run_ccgc(runs[i]);
    ck_assert_msg(result.exit_code == 0, "ccgc %s: exit %d\n%s%s", runs[i],
                  result.exit_code, result.out, result.err);
    command_result_free(&result);
  }
}
END_TEST

START_TEST(unprotected_shapes_find_a_violation) {
  const char *sanitized = getenv("CCGC_SANITIZED");
  if (sanitized && *sanitized) return; /* a deliberate race */
  static const int seeds[] = {3, 1, 2, 4, 5, 6, 7, 8,
                              9, 10, 11, 12, 13, 14, 15, 16};
  bool found = false;
  for (size_t i = 0; i < sizeof seeds / sizeof *seeds && !found; i++) {
    char run[160];
    snprintf(run, sizeof run,
             "stress --quiet --mode concurrent --unsafe-shapes --seed %d --ops 200000",
             seeds[i]);
    command_result result = run_ccgc(run);
    if (result.exit_code == 1) {
      ck_assert_msg(strstr(result.err, "violation at operation"), "%s",
                    result.err);
      found = true;
    } else {
      ck_assert_msg(result.exit_code == 0, "ccgc %s: exit %d\n%s%s", run,
                    result.exit_code, result.out, result.err);
    }
    command_result_free(&result);
  }
  ck_assert_msg(found, "no seed found a violation with both protocols off");
}
END_TEST

START_TEST(bad_protocol_is_a_usage_error) {
  command_result result = run_ccgc("stress --shapes maybe");
  ck_assert_int_eq(result.exit_code, 2);
  ck_assert(strstr(result.err, "--shapes must be"));
  command_result_free(&result);
}
END_TEST

int main(void) {
  Suite *suite = suite_create("stress-concurrent-shapes");
  TCase *tc = tcase_create("core");
  tcase_set_timeout(tc, 600);
  tcase_add_test(tc, bad_protocol_is_a_usage_error);
  tcase_add_test(tc, lock_protocol_passes);
  tcase_add_test(tc, unprotected_shapes_find_a_violation);
  suite_add_tcase(suite, tc);
  return ccgc_test_run(suite);
}
