/* test-thread-sizing.c - helper threads sized per cycle
 * (ccgc_collector_options.adaptive_threads, thread-sizing.c): the formula
 * (heap size, allocation rate against one thread's speed, the host's
 * maximum), and what cycles do with it: a small heap wakes no marker or
 * sweeper thread and is still marked and swept whole, a larger one wakes
 * them, and without the option every cycle uses all of them. */
#include <check.h>
#include <math.h>

#include "ccgc-test.h"
#include "lazy-mock.h"
#include "thread-sizing.h"

#define MIB ((double)1024 * 1024)

static int sized(double work, double budget, double rate, double speed,
                 int max) {
  ccgc_sizing_input in = {work, budget, rate, speed, CCGC_SIZING_MARK_BYTES,
                          max};
  return ccgc_thread_sizing(&in);
}

START_TEST(the_heap_size_bounds_the_count) {
  ck_assert_int_eq(sized(0, 8 * MIB, 0, 0, 8), 0);
  ck_assert_int_eq(sized(3.9 * MIB, 8 * MIB, 0, 0, 8), 0); /* too small */
  ck_assert_int_eq(sized(4 * MIB, 8 * MIB, 0, 0, 8), 1);
  /* Unmeasured speed or rate: one helper, however large the heap. */
  ck_assert_int_eq(sized(1024 * MIB, 512 * MIB, 0, 0, 8), 1);
  ck_assert_int_eq(sized(1024 * MIB, 512 * MIB, 1000, 0, 8), 1);
  ck_assert_int_eq(sized(1024 * MIB, 8 * MIB, 0, 0, 0), 0); /* host: none */
}
END_TEST

START_TEST(the_allocation_rate_raises_the_count) {
  /* 40 MiB at 1 MiB/ms on one thread: 40 ms; the mutator allocates the 20
   * MiB budget in 20 ms at 1 MiB/ms: two threads; in 5 ms at 4 MiB/ms:
   * eight, capped by the host's maximum and by the size (10 per 4 MiB). */
  ck_assert_int_eq(sized(40 * MIB, 20 * MIB, 1 * MIB, 1 * MIB, 8), 2);
  ck_assert_int_eq(sized(40 * MIB, 20 * MIB, 4 * MIB, 1 * MIB, 8), 8);
  ck_assert_int_eq(sized(40 * MIB, 20 * MIB, 4 * MIB, 1 * MIB, 3), 3);
  ck_assert_int_eq(sized(8 * MIB, 4 * MIB, 4 * MIB, 1 * MIB, 8), 2);
  /* A slow mutator: one is enough. */
  ck_assert_int_eq(sized(40 * MIB, 20 * MIB, 1000, 1 * MIB, 8), 1);
  /* Garbage in, no thread storm. */
  ck_assert_int_eq(sized(NAN, 20 * MIB, 1 * MIB, 1 * MIB, 8), 0);
  ck_assert_int_eq(sized(40 * MIB, 20 * MIB, NAN, 1 * MIB, 8), 1);
  ck_assert_int_eq(sized(40 * MIB, 20 * MIB, INFINITY, 1 * MIB, 8), 8);
}
END_TEST

/* A pause (a scavenge): by size alone, at most the host's count. */
START_TEST(a_pause_is_sized_by_its_work_alone) {
  double per = CCGC_SIZING_SCAVENGE_BYTES;
  ck_assert_int_eq(ccgc_thread_sizing_pause(0, per, 2), 0);
  ck_assert_int_eq(ccgc_thread_sizing_pause(per - 1, per, 2), 0);
  ck_assert_int_eq(ccgc_thread_sizing_pause(per, per, 2), 1);
  ck_assert_int_eq(ccgc_thread_sizing_pause(5 * per, per, 2), 2);
  ck_assert_int_eq(ccgc_thread_sizing_pause(5 * per, per, 8), 5);
  ck_assert_int_eq(ccgc_thread_sizing_pause(5 * per, per, 0), 0);
  ck_assert_int_eq(ccgc_thread_sizing_pause(NAN, per, 8), 0);
  ck_assert_int_eq(ccgc_thread_sizing_pause(INFINITY, per, 8), 8);
}
END_TEST

static const ccgc_cycle_stats *incremental_cycle(mock_world *w) {
  ck_assert_int_eq(ccgc_incremental_start(w->collector, CCGC_REASON_TESTING),
                   CCGC_OK);
  ck_assert_int_eq(ccgc_incremental_finish(w->collector), CCGC_OK);
  return ccgc_collector_last_cycle(w->collector);
}

START_TEST(a_small_heap_marks_without_marker_threads) {
  mock_world w = mock_world_new(&(ccgc_collector_options){
      .verify = true, .marker_threads = 2, .adaptive_threads = true});
  mock_add_root(w.a, mock_world_tree(&w, 3)); /* 85 objects */
  mock_world_tree(&w, 2);                     /* 21 garbage */
  const ccgc_cycle_stats *stats = incremental_cycle(&w);
  ck_assert_int_eq(stats->marker_threads_used, 0);
  ck_assert_uint_eq(stats->concurrent_objects, 0);
  ck_assert_uint_eq(mock_live_count(w.a) + mock_live_count(w.b), 85);
  mock_world_free(&w);
}
END_TEST

START_TEST(a_larger_heap_wakes_marker_threads) {
  mock_world w = mock_world_new(&(ccgc_collector_options){
      .verify = true, .marker_threads = 2, .adaptive_threads = true});
  mock_add_root(w.a, mock_world_tree(&w, 9)); /* 349525 objects, over 4 MiB */
  const ccgc_cycle_stats *stats = incremental_cycle(&w);
  ck_assert_int_ge(stats->marker_threads_used, 1);
  ck_assert_int_le(stats->marker_threads_used, 2);
  ck_assert_uint_eq(mock_live_count(w.a) + mock_live_count(w.b), 349525);
  mock_world_free(&w);
}
END_TEST

START_TEST(without_the_option_every_cycle_uses_every_thread) {
  mock_world w = mock_world_new(
      &(ccgc_collector_options){.verify = true, .marker_threads = 2});
  mock_add_root(w.a, mock_world_tree(&w, 3));
  ck_assert_int_eq(incremental_cycle(&w)->marker_threads_used, 2);
  ccgc_collect(w.collector, CCGC_REASON_TESTING); /* stop-the-world */
  ck_assert_int_eq(ccgc_collector_last_cycle(w.collector)->marker_threads_used,
                   0);
  mock_world_free(&w);
}
END_TEST

/* The lazy mock's heap commits one page: too small for a sweeper thread.
 * The owner sweeps every page, and completion says no thread ran. */
START_TEST(a_small_heap_is_swept_by_the_owner_alone) {
  mock_world w = lazy_world_with(
      (ccgc_collector_options){.verify = true,
                               .sweeping = CCGC_SWEEP_CONCURRENT,
                               .sweeper_threads = 2,
                               .adaptive_threads = true},
      200);
  for (int i = 0; i < 10; i++) mock_add_root(w.a, mock_alloc(w.a, 1));
  for (int i = 0; i < 30; i++) mock_alloc(w.a, 1);
  ccgc_collect(w.collector, CCGC_REASON_TESTING);
  ck_assert_int_eq(ccgc_collector_finish_sweeping(w.collector), CCGC_OK);
  ck_assert_int_eq(atomic_load(&lazy.helper_pages), 0);
  ck_assert_uint_eq(mock_dead_count(w.a), 30);
  const ccgc_cycle_stats *stats = ccgc_collector_last_cycle(w.collector);
  ck_assert(stats->sweeping_complete);
  ck_assert_int_eq(stats->sweeper_threads_used, 0);
  mock_world_free(&w);
}
END_TEST

START_TEST(without_the_option_sweeping_uses_its_threads) {
  mock_world w = lazy_world(CCGC_SWEEP_CONCURRENT, 2, 2000);
  for (int i = 0; i < 10; i++) mock_add_root(w.a, mock_alloc(w.a, 1));
  ccgc_collect(w.collector, CCGC_REASON_TESTING);
  ck_assert_int_eq(ccgc_collector_finish_sweeping(w.collector), CCGC_OK);
  /* Started: how many could start (the task pool), at most the two. */
  int used = ccgc_collector_last_cycle(w.collector)->sweeper_threads_used;
  ck_assert_int_ge(used, 1);
  ck_assert_int_le(used, 2);
  mock_world_free(&w);
}
END_TEST

static Suite *thread_sizing_suite(void) {
  Suite *s = suite_create("thread sizing");
  TCase *tc = tcase_create("core");
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, the_heap_size_bounds_the_count);
  tcase_add_test(tc, the_allocation_rate_raises_the_count);
  tcase_add_test(tc, a_pause_is_sized_by_its_work_alone);
  tcase_add_test(tc, a_small_heap_marks_without_marker_threads);
  tcase_add_test(tc, a_larger_heap_wakes_marker_threads);
  tcase_add_test(tc, without_the_option_every_cycle_uses_every_thread);
  tcase_add_test(tc, a_small_heap_is_swept_by_the_owner_alone);
  tcase_add_test(tc, without_the_option_sweeping_uses_its_threads);
  suite_add_tcase(s, tc);
  return s;
}

int main(void) { return ccgc_test_run(thread_sizing_suite()); }
