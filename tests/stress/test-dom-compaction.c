/* test-dom-compaction.c - `ccgc stress --compact-every N` compacts the DOM
 * heap's backing stores too (blinkish/compactor.c, docs/compaction.md "DOM
 * backing stores"): the stress driver's DOM weak map (the bridge's, external
 * values) has its table moved on the same cycles as the script heap's old
 * pages, and every mode passes its checks. With the testing switch
 * --skip-compaction-updates the map's owner slot is left at the old copy of
 * its table: seed 1 then fails in every mode, and the marking verifier names
 * the DOM edge (the map's 'backing' to an address that is not an allocated
 * object). */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "ccgc-test.h"
#include "run-command.h"

static const char *const modes[] = {"stw", "incremental", "concurrent"};

static command_result run(const char *mode, const char *extra) {
  char args[256];
  snprintf(args, sizeof args,
           "stress --quiet --mode %s --seed 1 --ops 3000 --compact-every 1 %s",
           mode, extra);
  return run_ccgc(args);
}

START_TEST(every_mode_passes_with_both_heaps_compacting) {
  for (size_t i = 0; i < 3; i++) {
    command_result result = run(modes[i], "");
    ck_assert_msg(result.exit_code == 0, "mode %s: exit %d\n%s%s", modes[i],
                  result.exit_code, result.out, result.err);
    unsigned long cycles = 0, compactions = 0;
    const char *at = strstr(result.out, "ops, ");
    ck_assert_msg(at && sscanf(at, "ops, %lu cycles", &cycles) == 1, "%s",
                  result.out);
    at = strstr(result.out, "reclaimed, ");
    ck_assert_msg(
        at && sscanf(at, "reclaimed, %lu compactions", &compactions) == 1, "%s",
        result.out);
    /* The script heap compacts at most once a cycle: more compactions than
     * cycles means the DOM heap compacted too. */
    ck_assert_msg(compactions > cycles, "mode %s: %lu compactions in %lu "
                  "cycles\n%s", modes[i], compactions, cycles, result.out);
    command_result_free(&result);
  }
}
END_TEST

START_TEST(without_owner_updates_seed_1_fails_on_the_dom_map) {
  for (size_t i = 0; i < 3; i++) {
    char args[256], expected[64];
    snprintf(args, sizeof args,
             "stress --quiet --mode %s --seed 1 --ops 3000 --compact-every 1 "
             "--skip-compaction-updates",
             modes[i]);
    snprintf(expected, sizeof expected, "seed 1, mode %s", modes[i]);
    run_ccgc_expect_stress_violation(
        args, (const char *const[]){expected, "marking verifier",
                                    "'backing' from HeapEphemeronMap",
                                    "not an allocated object", NULL});
  }
}
END_TEST

int main(void) {
  Suite *suite = suite_create("stress-dom-compaction");
  TCase *tc = tcase_create("core");
  tcase_set_timeout(tc, 120);
  tcase_add_test(tc, every_mode_passes_with_both_heaps_compacting);
  tcase_add_test(tc, without_owner_updates_seed_1_fails_on_the_dom_map);
  suite_add_tcase(suite, tc);
  return ccgc_test_run(suite);
}
