/* test-stress-reclamation.c - the stress driver's calls from inside
 * collections (tools/stress/stress-reclaim.c): in every mode, pre-finalizers,
 * finalizers and weak callbacks try allocation, collection and stores, and
 * every refusal the contract and the shadow model expect is reported (a
 * missing or an unexpected one fails the run). */
#include <check.h>
#include <stdlib.h>

#include "ccgc-test.h"
#include "stress.h"

static void run(stress_mode mode, uint64_t seed, uint64_t ops) {
  stress_options options = {.seed = seed, .ops = ops, .mode = mode,
                            .verify = true};
  stress_result result;
  stress_run(&options, &result);
  ck_assert_msg(result.ok, "%s", result.message);
  ck_assert_msg(result.reclamation_calls > 20,
                "only %llu calls from inside collections",
                (unsigned long long)result.reclamation_calls);
  ck_assert_msg(result.refusals > 10, "only %llu refusals",
                (unsigned long long)result.refusals);
  ck_assert_uint_le(result.refusals, result.reclamation_calls);
}

START_TEST(stop_the_world) { run(STRESS_MODE_STW, 11, 60000); }
END_TEST
START_TEST(incremental) { run(STRESS_MODE_INCREMENTAL, 12, 60000); }
END_TEST
START_TEST(concurrent) { run(STRESS_MODE_CONCURRENT, 13, 40000); }
END_TEST

int main(void) {
  Suite *suite = suite_create("stress-reclamation");
  TCase *tc = tcase_create("core");
  tcase_set_timeout(tc, 300);
  tcase_add_test(tc, stop_the_world);
  tcase_add_test(tc, incremental);
  tcase_add_test(tc, concurrent);
  suite_add_tcase(suite, tc);
  return ccgc_test_run(suite);
}
