/* test-layouts.c - the stress driver's DOM nodes declare their slots and
 * resource as members (blinkish_type_declare_members) and their script
 * reference (bridge_type_declare_script_refs), so every collection
 * of `ccgc stress` marks them through the DOM heap's layout descriptors, and
 * its script arrays and objects through the script heap's
 * (.inv.layout-complete). Seed 1 passes in every mode; with the testing
 * switch --break-layouts (ccgc_collector_break_layouts: the marker drops
 * words of every descriptor) it fails in every mode: the shadow model sees
 * a reachable object die, or (first, when marker threads lag) the marking
 * verifier a reachable object left white. */
#include <check.h>
#include <stdio.h>

#include "ccgc-test.h"
#include "run-command.h"

static const char *const modes[] = {"stw", "incremental", "concurrent"};

START_TEST(every_mode_passes) {
  for (size_t i = 0; i < 3; i++) {
    char args[256];
    snprintf(args, sizeof args, "stress --quiet --mode %s --seed 1 --ops 20000",
             modes[i]);
    command_result result = run_ccgc(args);
    ck_assert_msg(result.exit_code == 0, "mode %s: exit %d\n%s%s", modes[i],
                  result.exit_code, result.out, result.err);
    command_result_free(&result);
  }
}
END_TEST

START_TEST(broken_layouts_fail_seed_1) {
  for (size_t i = 0; i < 3; i++) {
    char args[256], expected[64];
    snprintf(args, sizeof args,
             "stress --quiet --mode %s --seed 1 --ops 20000 --break-layouts",
             modes[i]);
    snprintf(expected, sizeof expected, "seed 1, mode %s", modes[i]);
    run_ccgc_expect_stress_violation(
        args, (const char *const[]){expected, "violation at operation", NULL});
  }
}
END_TEST

int main(void) {
  Suite *suite = suite_create("stress-layouts");
  TCase *tc = tcase_create("core");
  tcase_set_timeout(tc, 600);
  tcase_add_test(tc, every_mode_passes);
  tcase_add_test(tc, broken_layouts_fail_seed_1);
  suite_add_tcase(suite, tc);
  return ccgc_test_run(suite);
}
