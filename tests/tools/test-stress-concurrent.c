/* test-stress-concurrent.c - `ccgc stress --mode concurrent`: marker threads
 * mark while the driver mutates both heaps and changes object shapes (and,
 * in the second run, a helper thread scavenges beside the owner). Run by
 * the ThreadSanitizer build too (label concurrent). */
#include <check.h>
#include <string.h>

#include "ccgc-test.h"
#include "run-command.h"

START_TEST(concurrent_mode_passes) {
  const char *runs[] = {
      "stress --quiet --mode concurrent --threads 2 --seed 5 --ops 60000",
      "stress --quiet --mode concurrent --threads 3 --seed 6 --ops 60000 "
      "--scavenger-threads 1",
  };
  for (size_t i = 0; i < 2; i++) {
    command_result result = run_ccgc(runs[i]);
    ck_assert_msg(result.exit_code == 0, "ccgc %s: exit %d\n%s%s", runs[i],
                  result.exit_code, result.out, result.err);
    command_result_free(&result);
  }
}
END_TEST

int main(void) {
  Suite *suite = suite_create("stress-concurrent");
  TCase *tc = tcase_create("core");
  tcase_set_timeout(tc, 600);
  tcase_add_test(tc, concurrent_mode_passes);
  suite_add_tcase(suite, tc);
  return ccgc_test_run(suite);
}
