/* test-marker-overflow.c - marking when its worklists cannot grow
 * (marker-overflow.c, worklist.c): with the marking worklists held to one
 * or two segments (ccgc_collector_limit_mark_segments, as if malloc refused
 * more), grey objects are dropped and found again by walking the heaps, so
 * every reachable object is still marked once and garbage still goes, in
 * stop-the-world, incremental and concurrent cycles and with pause helpers;
 * the cycle's statistics count the drops and walks; a cycle with room walks
 * nothing; and the switch that breaks the walk loses reachable objects.
 * Run under ThreadSanitizer by the concurrent label (marker threads and
 * helpers drop entries too). */
#include <check.h>
#include <unistd.h>

#include "ccgc-test.h"
#include "ccgc-testing.h"
#include "mock-world.h"

typedef mock_world world;

#define TREE_OBJECTS 87381u /* tree(8) */

static size_t marked_objects(const ccgc_cycle_stats *stats) {
  size_t marked = 0;
  for (int id = 0; id < stats->heap_count; id++)
    marked += stats->heaps[id].marked_objects;
  return marked;
}

static size_t live(world *w) {
  return mock_live_count(w->a) + mock_live_count(w->b);
}

START_TEST(a_cycle_with_room_drops_nothing) {
  world w = mock_world_new(NULL);
  mock_add_root(w.a, mock_world_tree(&w, 8));
  ccgc_test_collect_verified(w.collector);
  const ccgc_cycle_stats *stats = ccgc_collector_last_cycle(w.collector);
  ck_assert_uint_eq(stats->mark_entries_dropped, 0);
  ck_assert_int_eq(stats->mark_overflow_walks, 0);
  mock_world_free(&w);
}
END_TEST

START_TEST(stop_the_world_marks_everything_from_one_segment) {
  world w = mock_world_new(NULL);
  mock_add_root(w.a, mock_world_tree(&w, 8));
  mock_world_tree(&w, 5); /* garbage: 1365 objects */
  ccgc_collector_limit_mark_segments(w.collector, 1);
  ccgc_test_collect_verified(w.collector);
  const ccgc_cycle_stats *stats = ccgc_collector_last_cycle(w.collector);
  ck_assert_uint_gt(stats->mark_entries_dropped, 0);
  ck_assert_int_gt(stats->mark_overflow_walks, 0);
  ck_assert_uint_eq(marked_objects(stats), TREE_OBJECTS); /* each once */
  ck_assert_uint_eq(live(&w), TREE_OBJECTS);
  /* Lifted: the next cycle has room again. */
  ccgc_collector_limit_mark_segments(w.collector, 0);
  ccgc_test_collect_verified(w.collector);
  stats = ccgc_collector_last_cycle(w.collector);
  ck_assert_uint_eq(stats->mark_entries_dropped, 0);
  ck_assert_uint_eq(live(&w), TREE_OBJECTS);
  mock_world_free(&w);
}
END_TEST

START_TEST(incremental_steps_with_stores_keep_what_they_drop) {
  world w = mock_world_new(NULL);
  mock_object *root = mock_alloc(w.a, 64);
  mock_add_root(w.a, root);
  for (unsigned i = 0; i < 64; i++)
    mock_set(w.a, root, i, mock_world_tree(&w, 5));
  mock_object *late[64];
  for (unsigned i = 0; i < 64; i++) late[i] = mock_world_tree(&w, 4);
  ccgc_collector_limit_mark_segments(w.collector, 1);
  ccgc_incremental_start(w.collector, CCGC_REASON_TESTING);
  for (unsigned round = 0; round < 64; round++) {
    mock_set(w.a, root, round, late[round]); /* the old subtree dies */
    ccgc_incremental_step(w.collector, 0.05);
  }
  ccgc_incremental_finish(w.collector);
  const ccgc_verify_report *report = ccgc_collector_last_verify(w.collector);
  ck_assert_msg(report->errors == 0, "%s", report->first_error);
  ck_assert_uint_gt(ccgc_collector_last_cycle(w.collector)->mark_entries_dropped,
                    0);
  for (unsigned i = 0; i < 64; i++) ck_assert(!late[i]->dead);
  ccgc_test_collect_verified(w.collector);
  ck_assert_uint_eq(live(&w), 1 + 64 * 341);
  mock_world_free(&w);
}
END_TEST

START_TEST(marker_threads_and_pause_helpers_drop_and_recover) {
  world w = mock_world_new(&(ccgc_collector_options){
      .verify = true, .marker_threads = 2, .parallel_marking_threads = 1});
  mock_add_root(w.a, mock_world_tree(&w, 8));
  mock_world_tree(&w, 5);
  ccgc_collector_limit_mark_segments(w.collector, 2);
  for (int cycle = 0; cycle < 3; cycle++) {
    ccgc_incremental_start(w.collector, CCGC_REASON_TESTING);
    for (int i = 0; i < 20000; i++) {
      if (ccgc_incremental_step(w.collector, 0.05)) break;
      usleep(50);
    }
    ccgc_incremental_finish(w.collector);
    const ccgc_verify_report *report = ccgc_collector_last_verify(w.collector);
    ck_assert_msg(report->errors == 0, "%s", report->first_error);
    ck_assert_uint_eq(live(&w), TREE_OBJECTS);
    ck_assert_uint_gt(
        ccgc_collector_last_cycle(w.collector)->mark_entries_dropped, 0);
  }
  /* Stop-the-world with the pause helper: the helper drops, the owner
   * walks. */
  ccgc_test_collect_verified(w.collector);
  ck_assert_uint_eq(live(&w), TREE_OBJECTS);
  mock_world_free(&w);
}
END_TEST

START_TEST(the_broken_walk_loses_reachable_objects) {
  world w = mock_world_new(NULL);
  mock_add_root(w.a, mock_world_tree(&w, 8));
  ccgc_collector_limit_mark_segments(w.collector, 1);
  ccgc_collector_break_mark_overflow(w.collector, true);
  ck_assert_int_eq(ccgc_collect(w.collector, CCGC_REASON_TESTING), CCGC_OK);
  /* The verifier saw reachable objects left white, and the sweep freed
   * them. */
  ck_assert_uint_gt(ccgc_collector_last_verify(w.collector)->errors, 0);
  ck_assert_uint_lt(live(&w), TREE_OBJECTS);
  mock_world_free(&w);
}
END_TEST

int main(void) {
  Suite *suite = suite_create("marker-overflow");
  TCase *tc = tcase_create("core");
  tcase_set_timeout(tc, 120);
  tcase_add_test(tc, a_cycle_with_room_drops_nothing);
  tcase_add_test(tc, stop_the_world_marks_everything_from_one_segment);
  tcase_add_test(tc, incremental_steps_with_stores_keep_what_they_drop);
  tcase_add_test(tc, marker_threads_and_pause_helpers_drop_and_recover);
  tcase_add_test(tc, the_broken_walk_loses_reachable_objects);
  suite_add_tcase(suite, tc);
  return ccgc_test_run(suite);
}
