/* test-stress-sweeping.c - `ccgc stress` with sweeping after the pause
 * (docs/sweeping.md): concurrent sweeping (the driver's default) passes in
 * every mode, also with every script object allocated old so that
 * allocation meets unswept pages; lazy sweeping passes; and with
 * ccgc_collector_break_sweeping (the allocator takes free blocks of unswept
 * pages) seed 1 fails where it passes without the switch. */
#include <check.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "ccgc-test.h"
#include "run-command.h"


/* Passes, and scavenges while sweeping (the summary's count). */
static void passes_scavenging_while_sweeping(const char *args) {
  command_result result = run_ccgc(args);
  ck_assert_msg(result.exit_code == 0, "ccgc %s: exit %d\n%s%s", args,
                result.exit_code, result.out, result.err);
  unsigned long minors = 0, marking = 0, sweeping = 0;
  const char *at = strstr(result.out, "cycles, ");
  ck_assert_msg(at && sscanf(at, "cycles, %lu minor collections (%lu during marking, "
                                 "%lu during sweeping",
                             &minors, &marking, &sweeping) == 3,
                "%s", result.out);
  ck_assert_msg(sweeping > 0, "%s", result.out);
  command_result_free(&result);
}

/* A scavenge every 50 operations or so (the driver's default is 1 in 250):
 * sweeping threads finish a small heap within a few operations of the
 * pause, and the owner's steps then complete it, so scavenges must be
 * frequent to land in that window on a fast machine. */
START_TEST(concurrent_sweeping_passes_in_every_mode) {
  passes_scavenging_while_sweeping("stress --quiet --mode stw --seed 11 --ops 40000 "
                                   "--sweeping concurrent --scavenge-every 50");
  passes_scavenging_while_sweeping("stress --quiet --mode incremental --seed 12 --ops 40000 "
                                   "--sweeping concurrent --scavenge-every 50");
  passes_scavenging_while_sweeping("stress --quiet --mode concurrent --seed 13 --ops 40000 "
                                   "--sweeping concurrent --scavenge-every 50");
  passes_scavenging_while_sweeping("stress --quiet --mode concurrent --seed 13 --ops 40000 "
                                   "--sweeping lazy --scavenge-every 50");
}
END_TEST

START_TEST(allocation_beside_sweeping_passes) {
  run_ccgc_expect_stress_ok("stress --quiet --mode stw --seed 14 --ops 30000 --sweeping concurrent "
            "--no-young");
  run_ccgc_expect_stress_ok("stress --quiet --mode incremental --seed 15 --ops 30000 --sweeping lazy "
            "--no-young");
  run_ccgc_expect_stress_ok("stress --quiet --mode incremental --seed 16 --ops 30000 --sweeping lazy");
}
END_TEST

/* In sanitizer builds freed memory is poisoned, so the first read of an
 * object a broken sweep freed may be what stops the run: a sanitizer
 * report instead of the driver's violation, failed either way. */
static bool stopped_by_sanitizer(const command_result *result) {
  const char *sanitized = getenv("CCGC_SANITIZED");
  return sanitized && *sanitized &&
         (strstr(result->err, "runtime error") || strstr(result->err, "AddressSanitizer"));
}

START_TEST(allocating_on_unswept_pages_seed_1_fails) {
  const char *args = "stress --quiet --mode stw --seed 1 --ops 20000 --sweeping lazy "
                     "--no-young";
  run_ccgc_expect_stress_ok(args);
  char broken[256];
  snprintf(broken, sizeof broken, "%s --break-sweeping", args);
  command_result result = run_ccgc(broken);
  ck_assert_int_eq(result.exit_code, 1);
  ck_assert_msg(strstr(result.err, "violation at operation") &&
                    strstr(result.err, "seed 1, mode stw, sweeping lazy") &&
                    strstr(result.err, "not an allocated object"),
                "%s", result.err);
  command_result_free(&result);
  /* Checked after every operation, the verifier's own finishing sweep
   * walked the broken free lists into a released page and crashed
   * (SIGSEGV) instead of reporting. */
  snprintf(broken, sizeof broken, "%s --break-sweeping --check-every-op", args);
  result = run_ccgc(broken);
  if (stopped_by_sanitizer(&result)) {
    ck_assert_int_ne(result.exit_code, 0);
  } else {
    ck_assert_msg(result.exit_code == 1, "exit %d: %s", result.exit_code, result.err);
    ck_assert_msg(strstr(result.err, "violation at operation") &&
                      strstr(result.err, "not an allocated object"),
                  "%s", result.err);
  }
  command_result_free(&result);
}
END_TEST

/* Scavenges while sweeping (docs/sweeping.md): the driver's scavenges run
 * beside unswept pages; broken, their promotion takes the free blocks of
 * unswept pages, whose sweep then frees the promoted objects. */
START_TEST(promoting_into_unswept_pages_seed_5_fails) {
  const char *args = "stress --quiet --mode stw --seed 5 --ops 30000 --sweeping lazy";
  run_ccgc_expect_stress_ok(args);
  char broken[256];
  snprintf(broken, sizeof broken, "%s --break-scavenge-sweeping", args);
  command_result result = run_ccgc(broken);
  if (stopped_by_sanitizer(&result)) {
    ck_assert_int_ne(result.exit_code, 0);
  } else {
    ck_assert_int_eq(result.exit_code, 1);
    ck_assert_msg(strstr(result.err, "violation at operation") &&
                      strstr(result.err, "seed 5, mode stw, sweeping lazy") &&
                      strstr(result.err, "not an allocated object"),
                  "%s", result.err);
  }
  command_result_free(&result);
}
END_TEST

int main(void) {
  Suite *suite = suite_create("stress sweeping");
  TCase *tc = tcase_create("core");
  tcase_set_timeout(tc, 600);
  tcase_add_test(tc, concurrent_sweeping_passes_in_every_mode);
  tcase_add_test(tc, allocation_beside_sweeping_passes);
  tcase_add_test(tc, allocating_on_unswept_pages_seed_1_fails);
  tcase_add_test(tc, promoting_into_unswept_pages_seed_5_fails);
  suite_add_tcase(suite, tc);
  return ccgc_test_run(suite);
}
