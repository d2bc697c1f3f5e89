/* test-stress.c - `ccgc stress` passes in every mode on fixed seeds, and
 * with the barrier disabled it reports a violation on seed 1: the stress test
 * can fail; so it does with parallel scavenges that forward without their
 * compare-and-swap (ccgc_collector_plain_forwarding). Sanitizer builds (CCGC_SANITIZED set by CTest) also run a million
 * incremental operations, checked by the shadow model after every cycle; the
 * marking verifier, which costs more than the run itself, checks every cycle
 * of the shorter runs. */
#include <check.h>
#include <glib.h>
#include <stdlib.h>
#include <string.h>

#include "ccgc-test.h"
#include "run-command.h"


START_TEST(stop_the_world_mode_passes) {
  run_ccgc_expect_stress_ok("stress --quiet --mode stw --seed 1 --ops 50000");
  run_ccgc_expect_stress_ok("stress --quiet --mode stw --seed 2 --ops 50000 --scavenger-threads 1");
}
END_TEST

START_TEST(incremental_mode_passes) {
  const char *sanitized = getenv("CCGC_SANITIZED");
  run_ccgc_expect_stress_ok("stress --quiet --mode incremental --seed 3 --ops 100000");
  if (sanitized && *sanitized)
    run_ccgc_expect_stress_ok("stress --quiet --mode incremental --seed 7 --ops 600000 --no-verify");
}
END_TEST

START_TEST(without_the_barrier_seed_1_fails) {
  command_result result =
      run_ccgc("stress --quiet --mode incremental --seed 1 --ops 200000 --disable-barrier");
  ck_assert_int_eq(result.exit_code, 1);
  ck_assert_msg(strstr(result.err, "violation at operation") &&
                    strstr(result.err, "seed 1, mode incremental"),
                "%s", result.err);
  command_result_free(&result);
}
END_TEST

/* Parallel scavenges that forward without a compare-and-swap copy objects
 * twice: the model sees a property that no longer holds its object. */
START_TEST(without_the_forwarding_cas_seed_1_fails) {
  command_result result = run_ccgc(
      "stress --quiet --mode stw --seed 1 --ops 200000 --scavenger-threads 3 "
      "--plain-forwarding");
  ck_assert_int_eq(result.exit_code, 1);
  ck_assert_msg(strstr(result.err, "violation at operation") &&
                    strstr(result.err, "seed 1, mode stw"),
                "%s", result.err);
  command_result_free(&result);
}
END_TEST

START_TEST(heap_verified_after_every_operation) {
  run_ccgc_expect_stress_ok("stress --quiet --mode incremental --seed 4 --ops 5000 --check-every-op");
}
END_TEST

int main(void) {
  Suite *suite = suite_create("stress");
  TCase *tc = tcase_create("core");
  tcase_set_timeout(tc, 600);
  tcase_add_test(tc, stop_the_world_mode_passes);
  tcase_add_test(tc, incremental_mode_passes);
  tcase_add_test(tc, without_the_barrier_seed_1_fails);
  tcase_add_test(tc, without_the_forwarding_cas_seed_1_fails);
  tcase_add_test(tc, heap_verified_after_every_operation);
  suite_add_tcase(suite, tc);
  return ccgc_test_run(suite);
}
