/* test-concurrent-scavenges.c - minor collections while marker threads mark
 * concurrently (v8ish/scavenger.c, marking/minor-cycle.c): the threads park,
 * their worklists are relocated (.inv.worklists-current), copies keep their
 * colors (.inv.copy-keeps-color), and the cycle finishes with the verifier
 * clean and every list intact. Labelled concurrent: the ThreadSanitizer
 * build runs it. */
#include <check.h>

#include "ccgc-testing.h"
#include "script-test.h"

static long list_sum(script_world *w, v8ish_global global) {
  v8ish_handle_scope scope;
  v8ish_handle_scope_open(w->heap, &scope);
  long sum = 0;
  v8ish_local cell = v8ish_global_get(w->heap, global);
  while (!v8ish_is_integer(w->heap, cell)) {
    sum += v8ish_integer_value(w->heap, v8ish_array_get(w->heap, cell, 1));
    cell = v8ish_array_get(w->heap, cell, 0);
  }
  v8ish_handle_scope_close(&scope);
  return sum;
}

START_TEST(scavenges_between_concurrent_marking_steps) {
  ccgc_collector_options collector_options = {.verify = true,
                                              .marker_threads = 2};
  script_world w;
  w.collector = ccgc_collector_new(&collector_options);
  ck_assert_ptr_nonnull(w.collector);
  v8ish_heap_options options = {.young_min_bytes = 1 << 20,
                                .young_max_bytes = 1 << 20};
  w.heap = v8ish_heap_new(w.collector, &options);
  ccgc_test_capture_errors(w.collector, &w.errors);
  v8ish_handle_scope_open(w.heap, &w.scope);
  enum { LISTS = 6, LENGTH = 3000 };
  v8ish_global lists[LISTS];
  for (int round = 0; round < 3; round++) {
    for (int i = 0; i < LISTS / 2; i++) lists[i] = script_make_list(&w, LENGTH);
    ck_assert_int_eq(ccgc_incremental_start(w.collector, CCGC_REASON_TESTING),
                     CCGC_OK);
    for (int i = LISTS / 2; i < LISTS; i++) {
      lists[i] = script_make_list(&w, LENGTH);
      ck_assert_int_eq(ccgc_collect_minor(w.collector, CCGC_REASON_TESTING),
                       CCGC_OK);
      ck_assert(ccgc_collector_last_minor(w.collector)->during_marking);
    }
    ck_assert_int_eq(ccgc_incremental_finish(w.collector), CCGC_OK);
    ck_assert_uint_eq(ccgc_collector_last_verify(w.collector)->errors, 0);
    for (int i = 0; i < LISTS; i++) {
      ck_assert_int_eq(list_sum(&w, lists[i]), (long)LENGTH * (LENGTH - 1) / 2);
      v8ish_global_free(w.heap, lists[i]);
    }
  }
  script_world_free(&w);
}
END_TEST

int main(void) {
  Suite *suite = suite_create("concurrent-scavenges");
  TCase *tc = tcase_create("core");
  tcase_set_timeout(tc, 120);
  tcase_add_test(tc, scavenges_between_concurrent_marking_steps);
  suite_add_tcase(suite, tc);
  return ccgc_test_run(suite);
}
