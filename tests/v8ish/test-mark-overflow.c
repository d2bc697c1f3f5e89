/* test-mark-overflow.c - the script heap and the marking worklists' overflow
 * walk (marking/marker-overflow.c): a marking step that runs inside a
 * script-heap allocation (ccgc_collector_notify_allocation) may find the
 * allocating object not iterable yet (its class word still zero, in a hole
 * mid-page), so it must leave the walk for grey objects to the next step or
 * the atomic pause. With the marking worklists held to one segment, one
 * allocation into a hole runs a step whose drain drops grey objects; every
 * reachable object is still marked (the verifier) and every child reads
 * back. Found by a review: the walk from inside the allocation stopped at
 * the new object and missed the grey objects after it on its page. */
#include <check.h>

#include "ccgc-test.h"
#include "ccgc-testing.h"
#include "v8ish.h"

#define NODES 20000

START_TEST(a_step_inside_an_allocation_leaves_the_walk_to_the_pause) {
  ccgc_collector_options options = {.verify = true,
                                    .incremental_step_bytes = 1};
  ccgc_collector *c = ccgc_collector_new(&options);
  v8ish_heap_options heap_options = {.no_young_generation = true};
  v8ish_heap *h = v8ish_heap_new(c, &heap_options);
  v8ish_handle_scope outer;
  v8ish_handle_scope_open(h, &outer);
  v8ish_global roots =
      v8ish_global_new(h, v8ish_fixed_array_new(h, NODES), false);
  for (int i = 0; i < NODES; i++) {
    v8ish_handle_scope s;
    v8ish_handle_scope_open(h, &s);
    v8ish_local r = v8ish_global_get(h, roots);
    (void)v8ish_fixed_array_new(h, 6); /* garbage: a hole after the cycle */
    v8ish_local node = v8ish_fixed_array_new(h, 1);
    v8ish_local child = v8ish_fixed_array_new(h, 1);
    v8ish_array_set(h, child, 0, v8ish_integer(h, i));
    v8ish_array_set(h, node, 0, child);
    v8ish_array_set(h, r, (size_t)i, node);
    v8ish_handle_scope_close(&s);
  }
  ck_assert_int_eq(ccgc_collect(c, CCGC_REASON_TESTING), CCGC_OK);
  ccgc_collector_set_step_objects(c, 100000000);
  ccgc_collector_limit_mark_segments(c, 1);
  ck_assert_int_eq(ccgc_incremental_start(c, CCGC_REASON_TESTING), CCGC_OK);
  /* One allocation into a hole: its slow path runs the step. */
  v8ish_handle_scope s;
  v8ish_handle_scope_open(h, &s);
  ck_assert(!v8ish_local_is_empty(v8ish_fixed_array_new(h, 6)));
  v8ish_handle_scope_close(&s);
  ck_assert_int_eq(ccgc_incremental_finish(c), CCGC_OK);
  const ccgc_verify_report *report = ccgc_collector_last_verify(c);
  ck_assert_msg(report->errors == 0, "%s", report->first_error);
  const ccgc_cycle_stats *stats = ccgc_collector_last_cycle(c);
  ck_assert_uint_gt(stats->mark_entries_dropped, 0);
  ck_assert_int_gt(stats->mark_overflow_walks, 0);
  for (int i = 0; i < NODES; i++) {
    v8ish_handle_scope s2;
    v8ish_handle_scope_open(h, &s2);
    v8ish_local node = v8ish_array_get(h, v8ish_global_get(h, roots), (size_t)i);
    v8ish_local child = v8ish_array_get(h, node, 0);
    ck_assert_int_eq(v8ish_integer_value(h, v8ish_array_get(h, child, 0)), i);
    v8ish_handle_scope_close(&s2);
  }
  v8ish_global_free(h, roots);
  v8ish_handle_scope_close(&outer);
  v8ish_heap_free(h);
  ccgc_collector_free(c);
}
END_TEST

int main(void) {
  Suite *suite = suite_create("v8ish-mark-overflow");
  TCase *tc = tcase_create("core");
  tcase_set_timeout(tc, 120);
  tcase_add_test(tc, a_step_inside_an_allocation_leaves_the_walk_to_the_pause);
  suite_add_tcase(suite, tc);
  return ccgc_test_run(suite);
}
