/* test-mark-overflow.c - the stress driver with its marking worklists held
 * to one segment (--mark-segments 1, ccgc_collector_limit_mark_segments):
 * marking drops grey objects and walks the heaps for them, and seed 1
 * passes in every mode; with --break-mark-overflow (no walk) the dropped
 * objects are never visited and seed 1 fails in every mode: the shadow
 * model sees a reachable object die, or first the marking verifier a
 * reachable object left white (.inv.grey-on-worklist). */
#include <check.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ccgc-test.h"
#include "run-command.h"

static const char *const modes[] = {"stw", "incremental", "concurrent"};

START_TEST(every_mode_passes_from_one_segment) {
  for (size_t i = 0; i < 3; i++) {
    char args[256];
    snprintf(args, sizeof args,
             "stress --quiet --mode %s --seed 1 --ops 20000 --mark-segments 1",
             modes[i]);
    run_ccgc_expect_stress_ok(args);
  }
}
END_TEST

/* Seed 1 fails in every mode. In the sanitizer builds (debug checks on,
 * freed DOM memory poisoned) the objects the broken walk loses are first
 * the heap's own (a weak map's table), which the shadow model does not
 * see: the run then ends with a sanitizer report when the heap is torn
 * down rather than with a violation; a failure either way. */
START_TEST(a_broken_walk_fails_seed_1) {
  const char *sanitized = getenv("CCGC_SANITIZED");
  bool strict = !sanitized || !*sanitized;
  for (size_t i = 0; i < 3; i++) {
    char args[256], expected[64];
    snprintf(args, sizeof args,
             "stress --quiet --mode %s --seed 1 --ops 20000 --mark-segments 1 "
             "--break-mark-overflow",
             modes[i]);
    snprintf(expected, sizeof expected, "seed 1, mode %s", modes[i]);
    if (strict) {
      run_ccgc_expect_stress_violation(
          args, (const char *const[]){expected, "violation at operation", NULL});
      continue;
    }
    command_result result = run_ccgc(args);
    ck_assert_msg(result.exit_code != 0 &&
                      (strstr(result.err, "violation at operation") ||
                       strstr(result.err, "Sanitizer")),
                  "mode %s: exit %d\n%s", modes[i], result.exit_code,
                  result.err);
    command_result_free(&result);
  }
}
END_TEST

int main(void) {
  Suite *suite = suite_create("stress-mark-overflow");
  TCase *tc = tcase_create("core");
  tcase_set_timeout(tc, 600);
  tcase_add_test(tc, every_mode_passes_from_one_segment);
  tcase_add_test(tc, a_broken_walk_fails_seed_1);
  suite_add_tcase(suite, tc);
  return ccgc_test_run(suite);
}
