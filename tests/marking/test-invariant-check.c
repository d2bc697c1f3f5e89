/* test-invariant-check.c - the check family (marking/invariant-check.h):
 * CCGC_MISUSE reports the rule's tag with the error and evaluates to the
 * code; the default handler aborts naming the tag; CCGC_CHECK aborts on a
 * broken invariant and passes a holding one; CCGC_CHECK_DEBUG evaluates its
 * condition exactly in debug builds; a real misuse of the collector carries
 * its tag to the host's handler. */
#include <check.h>
#include <signal.h>
#include <string.h>

#include "ccgc-test.h"
#include "invariant-check.h"
#include "mock-world.h"

static const ccgc_error *seen;
static void keep(const ccgc_error *error, void *data) {
  (void)data;
  seen = error;
}

START_TEST(misuse_carries_its_tag_and_evaluates_to_the_code) {
  ccgc_error_sink sink;
  ccgc_error_sink_init(&sink);
  sink.handler = keep;
  seen = NULL;
  ccgc_status status = CCGC_MISUSE(&sink, CCGC_E_DEAD_HANDLE,
                                   ".api.live-handle", "f: handle %d", 7);
  ck_assert_int_eq(status, CCGC_E_DEAD_HANDLE);
  ck_assert_ptr_eq(seen, &sink.last);
  ck_assert_str_eq(sink.last.check, ".api.live-handle");
  ck_assert_str_eq(sink.last.message, "f: handle 7");
  ck_assert_uint_eq(sink.count, 1);
  /* Recoverable errors carry no tag. */
  ccgc_error_set(&sink, CCGC_E_HEAP_LIMIT, "limit");
  ck_assert_ptr_null(sink.last.check);
}
END_TEST

START_TEST(default_handler_aborts_on_misuse) {
  ccgc_error_sink sink;
  ccgc_error_sink_init(&sink);
  CCGC_MISUSE(&sink, CCGC_E_INVALID_ARGUMENT, ".api.argument", "boom");
  ck_abort_msg("the default handler returned");
}
END_TEST

static int broken(void) { return 0; }

START_TEST(check_aborts_on_a_broken_invariant) {
  CCGC_CHECK(broken() == 1, ".inv.color-monotonic");
  ck_abort_msg("CCGC_CHECK returned");
}
END_TEST

START_TEST(check_passes_a_holding_invariant) {
  int evaluated = 0;
  CCGC_CHECK(++evaluated == 1, ".inv.color-monotonic");
  ck_assert_int_eq(evaluated, 1);
}
END_TEST

START_TEST(debug_check_evaluates_only_in_debug_builds) {
  int evaluated = 0;
  CCGC_CHECK_DEBUG(++evaluated > 0, ".inv.color-monotonic");
  ck_assert_int_eq(evaluated, CCGC_DEBUG_ENABLED);
}
END_TEST

START_TEST(collector_misuse_names_the_rule) {
  mock_world w = mock_world_new(NULL);
  ccgc_test_errors errors;
  ccgc_test_capture_errors(w.collector, &errors);
  ccgc_collector_free(w.collector); /* a heap is still attached: refused */
  ck_assert_int_eq(errors.last_code, CCGC_E_INVALID_ARGUMENT);
  ck_assert_str_eq(ccgc_collector_last_error(w.collector)->check,
                   ".api.heaps-first");
  mock_world_free(&w);
}
END_TEST

static Suite *suite(void) {
  Suite *s = suite_create("invariant-check");
  TCase *tc = tcase_create("core");
  tcase_add_test(tc, misuse_carries_its_tag_and_evaluates_to_the_code);
  tcase_add_test_raise_signal(tc, default_handler_aborts_on_misuse, SIGABRT);
  tcase_add_test_raise_signal(tc, check_aborts_on_a_broken_invariant, SIGABRT);
  tcase_add_test(tc, check_passes_a_holding_invariant);
  tcase_add_test(tc, debug_check_evaluates_only_in_debug_builds);
  tcase_add_test(tc, collector_misuse_names_the_rule);
  suite_add_tcase(s, tc);
  return s;
}

int main(void) { return ccgc_test_run(suite()); }
