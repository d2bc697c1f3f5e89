/* test-concurrent-finalizers.c - `ccgc stress --resources` gives every DOM
 * node a resource whose type has a concurrent finalizer
 * (BLINKISH_TYPE_CONCURRENT_FINALIZER: with the driver's default concurrent
 * sweeping, sweeper threads run it) and checks after every collection that
 * the resource of every node the model reaches is unfinalized, that none is
 * finalized twice, and at the end that every one was finalized
 * (.inv.concurrent-finalizers). It passes in every mode; the testing switch
 * --break-concurrent-finalizers (ccgc_collector_break_concurrent_finalizers:
 * sweeper threads finalize live resources too) makes seed 1 fail in every
 * mode. Labelled "concurrent": the ThreadSanitizer build runs it too. */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "ccgc-test.h"
#include "run-command.h"

static const char *const modes[] = {"stw", "incremental", "concurrent"};

START_TEST(every_mode_passes_with_resources) {
  for (size_t i = 0; i < 3; i++) {
    char args[256];
    snprintf(args, sizeof args, "stress --quiet --mode %s --seed 1 --ops 20000 --resources",
             modes[i]);
    command_result result = run_ccgc(args);
    ck_assert_msg(result.exit_code == 0, "mode %s: exit %d\n%s%s", modes[i],
                  result.exit_code, result.out, result.err);
    unsigned long long created = 0, reclaimed = 0;
    const char *at = strstr(result.out, "by the driver), ");
    ck_assert_msg(at && sscanf(at, "by the driver), %llu objects created, %llu reclaimed",
                               &created, &reclaimed) == 2,
                  "%s", result.out);
    ck_assert_msg(reclaimed > 1000, "mode %s: %llu reclaimed\n%s", modes[i], reclaimed,
                  result.out);
    command_result_free(&result);
  }
}
END_TEST

START_TEST(broken_concurrent_finalizers_fail_seed_1) {
  for (size_t i = 0; i < 3; i++) {
    char args[256], expected[64];
    snprintf(args, sizeof args,
             "stress --quiet --mode %s --seed 1 --ops 20000 --resources "
             "--break-concurrent-finalizers",
             modes[i]);
    snprintf(expected, sizeof expected, "seed 1, mode %s", modes[i]);
    run_ccgc_expect_stress_violation(
        args, (const char *const[]){expected, "which the model reaches, was finalized", NULL});
  }
}
END_TEST

int main(void) {
  Suite *suite = suite_create("stress-concurrent-finalizers");
  TCase *tc = tcase_create("core");
  tcase_set_timeout(tc, 600);
  tcase_add_test(tc, every_mode_passes_with_resources);
  tcase_add_test(tc, broken_concurrent_finalizers_fail_seed_1);
  suite_add_tcase(suite, tc);
  return ccgc_test_run(suite);
}
