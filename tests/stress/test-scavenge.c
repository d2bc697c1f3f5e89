/* test-scavenge.c - `ccgc stress` scavenges in every mode and checks, after
 * every minor collection, every reference of its shadow model against the
 * heaps and the heap verifier (tools/stress/stress.c). The two testing
 * switches of minor collections (ccgc-testing.h) make it fail on a named
 * seed, and the same seed and operations pass without them: the checks can
 * fail. Seed 1 reaches its first scavenge at operation 237 in every mode;
 * with either switch that scavenge already loses an object (--drop-traced-
 * roots: a wrapper held only by its DOM node; --no-remembered-set: the heap
 * verifier finds an old object pointing at a freed young one). */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "ccgc-test.h"
#include "run-command.h"

static const char *const modes[] = {"stw", "incremental", "concurrent"};

static command_result run(const char *mode, const char *extra) {
  char args[256];
  snprintf(args, sizeof args, "stress --quiet --mode %s --seed 1 --ops 3000 %s", mode,
           extra);
  return run_ccgc(args);
}

static void expect_ok(const char *mode, const char *extra) {
  command_result result = run(mode, extra);
  ck_assert_msg(result.exit_code == 0, "mode %s %s: exit %d\n%s%s", mode, extra,
                result.exit_code, result.out, result.err);
  ck_assert_msg(strstr(result.out, "stress ok") && strstr(result.out, "minor collections"),
                "%s", result.out);
  command_result_free(&result);
}

static void expect_violation(const char *mode, const char *testing_switch) {
  command_result result = run(mode, testing_switch);
  ck_assert_msg(result.exit_code == 1, "mode %s %s: exit %d (expected 1)\n%s%s", mode,
                testing_switch, result.exit_code, result.out, result.err);
  char expected[64];
  snprintf(expected, sizeof expected, "seed 1, mode %s", mode);
  ck_assert_msg(strstr(result.err, "violation at operation") &&
                    strstr(result.err, expected) &&
                    strstr(result.err, "after minor collection"),
                "%s", result.err);
  command_result_free(&result);
}

START_TEST(every_mode_passes_with_scavenges) {
  for (size_t i = 0; i < 3; i++) expect_ok(modes[i], "");
}
END_TEST

START_TEST(without_the_remembered_set_seed_1_fails) {
  for (size_t i = 0; i < 3; i++) expect_violation(modes[i], "--no-remembered-set");
}
END_TEST

START_TEST(without_traced_roots_seed_1_fails) {
  for (size_t i = 0; i < 3; i++) expect_violation(modes[i], "--drop-traced-roots");
}
END_TEST

/* Driver scavenges fall inside the marking cycles incremental mode keeps
 * open across operations, and the summary counts them. */
START_TEST(scavenges_run_during_marking) {
  command_result result = run_ccgc(
      "stress --quiet --mode incremental --seed 2 --ops 20000 --scavenge-every 25");
  ck_assert_msg(result.exit_code == 0, "exit %d\n%s%s", result.exit_code, result.out,
                result.err);
  unsigned long minors = 0, during = 0, sweeping = 0, asked = 0;
  const char *at = strstr(result.out, "cycles, ");
  ck_assert_msg(at && sscanf(at, "cycles, %lu minor collections (%lu during marking, "
                                 "%lu during sweeping, %lu asked for by the driver)",
                             &minors, &during, &sweeping, &asked) == 4,
                "%s", result.out);
  ck_assert_uint_ge(minors, asked);
  ck_assert_uint_gt(asked, 400);
  ck_assert_uint_gt(during, 20);
  command_result_free(&result);
}
END_TEST

START_TEST(scavenge_every_zero_leaves_the_nursery_alone) {
  command_result result =
      run_ccgc("stress --quiet --mode stw --seed 1 --ops 3000 --scavenge-every 0");
  ck_assert_msg(result.exit_code == 0, "exit %d\n%s%s", result.exit_code, result.out,
                result.err);
  ck_assert_msg(strstr(result.out, "0 asked for by the driver"), "%s", result.out);
  command_result_free(&result);
}
END_TEST

START_TEST(bad_scavenge_every_is_a_usage_error) {
  command_result result = run_ccgc("stress --scavenge-every often");
  ck_assert_int_eq(result.exit_code, 2);
  ck_assert(strstr(result.err, "--scavenge-every often is out of range"));
  command_result_free(&result);
}
END_TEST

int main(void) {
  Suite *suite = suite_create("stress-scavenge");
  TCase *tc = tcase_create("core");
  tcase_set_timeout(tc, 300);
  tcase_add_test(tc, every_mode_passes_with_scavenges);
  tcase_add_test(tc, without_the_remembered_set_seed_1_fails);
  tcase_add_test(tc, without_traced_roots_seed_1_fails);
  tcase_add_test(tc, scavenges_run_during_marking);
  tcase_add_test(tc, scavenge_every_zero_leaves_the_nursery_alone);
  tcase_add_test(tc, bad_scavenge_every_is_a_usage_error);
  suite_add_tcase(suite, tc);
  return ccgc_test_run(suite);
}
