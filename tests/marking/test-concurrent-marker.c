/* test-concurrent-marker.c - marker threads drain both heaps' worklists while
 * the main thread mutates; the barrier keeps stored objects alive; the
 * atomic pause merges the threads' findings. Run under ThreadSanitizer by the
 * tsan label. */
#include <check.h>
#include <unistd.h>

#include "ccgc-test.h"
#include "mock-world.h"

typedef mock_world world;

static world make_world(int threads) {
  return mock_world_new(&(ccgc_collector_options){.verify = true, .marker_threads = threads});
}

static void free_world(world *w) { mock_world_free(w); }

START_TEST(threads_mark_the_whole_graph_while_the_main_thread_waits) {
  world w = make_world(2);
  mock_add_root(w.a, mock_world_tree(&w, 8)); /* 87381 objects */
  mock_world_tree(&w, 5);                     /* garbage: 1365 objects */
  /* Twice: each cycle reports its own threads' work, not a running sum. */
  for (int cycle = 0; cycle < 2; cycle++) {
    ccgc_incremental_start(w.collector, CCGC_REASON_TESTING);
    /* The main thread does no marking: wait until the threads are done. */
    for (int i = 0; i < 20000; i++) {
      if (ccgc_incremental_step(w.collector, 0)) break;
      usleep(100);
    }
    ccgc_incremental_finish(w.collector);
    const ccgc_verify_report *report = ccgc_collector_last_verify(w.collector);
    ck_assert_msg(report->errors == 0, "%s", report->first_error);
    const ccgc_cycle_stats *stats = ccgc_collector_last_cycle(w.collector);
    ck_assert_uint_gt(stats->concurrent_objects, 0);
    ck_assert_uint_le(stats->concurrent_objects, 87381);
    ck_assert_uint_eq(mock_live_count(w.a) + mock_live_count(w.b), 87381);
  }
  free_world(&w);
}
END_TEST

START_TEST(mutator_stores_during_concurrent_marking_are_kept) {
  world w = make_world(2);
  mock_object *root = mock_alloc(w.a, 64);
  mock_add_root(w.a, root);
  for (unsigned i = 0; i < 64; i++)
    mock_set(w.a, root, i, mock_world_tree(&w, 4));
  /* Objects unreachable at the start, linked in while threads mark. */
  mock_object *late[64];
  for (unsigned i = 0; i < 64; i++) late[i] = mock_world_tree(&w, 3);
  ccgc_incremental_start(w.collector, CCGC_REASON_TESTING);
  for (unsigned round = 0; round < 64; round++) {
    mock_set(w.a, root, round, late[round]); /* overwrite: old subtree dies */
    ccgc_incremental_step(w.collector, 0.05);
  }
  ccgc_incremental_finish(w.collector);
  const ccgc_verify_report *report = ccgc_collector_last_verify(w.collector);
  ck_assert_msg(report->errors == 0, "%s", report->first_error);
  for (unsigned i = 0; i < 64; i++) ck_assert(!late[i]->dead);
  ccgc_test_collect_verified(w.collector);
  ck_assert_uint_eq(mock_live_count(w.a) + mock_live_count(w.b), 1 + 64 * 85);
  free_world(&w);
}
END_TEST

START_TEST(many_short_cycles_start_and_stop_threads_cleanly) {
  world w = make_world(3);
  mock_add_root(w.a, mock_world_tree(&w, 5));
  for (int cycle = 0; cycle < 50; cycle++) {
    ccgc_incremental_start(w.collector, CCGC_REASON_TESTING);
    if (cycle % 2) ccgc_incremental_step(w.collector, 0.01);
    ccgc_incremental_finish(w.collector);
    ck_assert_uint_eq(ccgc_collector_last_verify(w.collector)->errors, 0);
  }
  ck_assert_uint_eq(mock_live_count(w.a) + mock_live_count(w.b), 1365);
  free_world(&w);
}
END_TEST

int main(void) {
  Suite *suite = suite_create("concurrent-marker");
  TCase *tc = tcase_create("core");
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, threads_mark_the_whole_graph_while_the_main_thread_waits);
  tcase_add_test(tc, mutator_stores_during_concurrent_marking_are_kept);
  tcase_add_test(tc, many_short_cycles_start_and_stop_threads_cleanly);
  suite_add_tcase(suite, tc);
  return ccgc_test_run(suite);
}
