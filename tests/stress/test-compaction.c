/* test-compaction.c - `ccgc stress --compact-every N` compacts the script
 * heap's old generation every Nth full cycle in every mode, and after each
 * cycle checks every reference of its shadow model (through handles and
 * traced references) and runs the marking and heap verifiers
 * (docs/compaction.md). The testing switch --skip-compaction-updates
 * (ccgc_collector_skip_compaction_updates) leaves the fields of the objects
 * that did not move pointing at the old copies: seed 1 then fails in every
 * mode (the marking verifier finds an edge to an old copy), and the same
 * seed and operations pass without it. The testing switch
 * --skip-slot-recording (ccgc_collector_skip_slot_recording) stops the
 * recording of the slots that point into evacuation candidates (write
 * barrier, marker, scavenges): seed 1 then fails with incremental and
 * concurrent marking, where stores during marking need the barrier's
 * records, and with stop-the-world marking too. */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "ccgc-test.h"
#include "run-command.h"

static const char *const modes[] = {"stw", "incremental", "concurrent"};

static command_result run(const char *mode, const char *extra) {
  char args[256];
  snprintf(args, sizeof args,
           "stress --quiet --mode %s --seed 1 --ops 3000 --compact-every 1 %s", mode,
           extra);
  return run_ccgc(args);
}

START_TEST(every_mode_passes_with_compaction) {
  for (size_t i = 0; i < 3; i++) {
    command_result result = run(modes[i], "");
    ck_assert_msg(result.exit_code == 0, "mode %s: exit %d\n%s%s", modes[i],
                  result.exit_code, result.out, result.err);
    unsigned long compactions = 0;
    const char *at = strstr(result.out, "reclaimed, ");
    ck_assert_msg(at && sscanf(at, "reclaimed, %lu compactions", &compactions) == 1,
                  "%s", result.out);
    ck_assert_msg(compactions > 0, "mode %s: nothing moved\n%s", modes[i], result.out);
    command_result_free(&result);
  }
}
END_TEST

/* With two helper threads copying beside the owner (compaction_threads),
 * every mode still passes. */
START_TEST(every_mode_passes_with_compaction_threads) {
  for (size_t i = 0; i < 3; i++) {
    char args[256];
    snprintf(args, sizeof args,
             "stress --quiet --mode %s --seed 2 --ops 3000 --compact-every 1 "
             "--compaction-threads 2",
             modes[i]);
    run_ccgc_expect_stress_ok(args);
  }
}
END_TEST

/* Every mode fails seed 1 with the testing switch `flag`, and the marking
 * verifier is what reports it. */
static void seed_1_fails_with(const char *flag) {
  for (size_t i = 0; i < 3; i++) {
    char args[256], expected[64];
    snprintf(args, sizeof args,
             "stress --quiet --mode %s --seed 1 --ops 3000 --compact-every 1 %s",
             modes[i], flag);
    snprintf(expected, sizeof expected, "seed 1, mode %s", modes[i]);
    run_ccgc_expect_stress_violation(
        args, (const char *const[]){expected, "marking verifier", NULL});
  }
}

START_TEST(without_updates_seed_1_fails) {
  seed_1_fails_with("--skip-compaction-updates");
}
END_TEST

START_TEST(without_slot_recording_seed_1_fails) {
  seed_1_fails_with("--skip-slot-recording");
}
END_TEST

int main(void) {
  Suite *suite = suite_create("stress-compaction");
  TCase *tc = tcase_create("core");
  tcase_set_timeout(tc, 120);
  tcase_add_test(tc, every_mode_passes_with_compaction);
  tcase_add_test(tc, every_mode_passes_with_compaction_threads);
  tcase_add_test(tc, without_updates_seed_1_fails);
  tcase_add_test(tc, without_slot_recording_seed_1_fails);
  suite_add_tcase(suite, tc);
  return ccgc_test_run(suite);
}
