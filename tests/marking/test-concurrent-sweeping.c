/* test-concurrent-sweeping.c - CCGC_SWEEP_CONCURRENT over a mock heap
 * (lazy-mock.h): the sweeper threads sweep the heap's pages while the owner
 * does nothing (never on the owner thread), the owner's step then completes
 * it, and completion stops them; run under ThreadSanitizer (label
 * concurrent). */
#include <check.h>
#include <sched.h>

#include "ccgc-test.h"
#include "lazy-mock.h"

START_TEST(sweeper_threads_sweep_while_the_owner_runs) {
  mock_world w = lazy_world(CCGC_SWEEP_CONCURRENT, 2, 2000);
  for (int i = 0; i < 10; i++) mock_add_root(w.a, mock_alloc(w.a, 1));
  for (int i = 0; i < 30; i++) mock_alloc(w.a, 1);
  ccgc_collect(w.collector, CCGC_REASON_TESTING);
  ck_assert(lazy.started_concurrent);
  ck_assert_int_eq(ccgc_collector_state(w.collector), CCGC_STATE_SWEEPING);
  /* The owner sweeps nothing: the sweeper threads take every page. (A
   * thread takes a page before it counts it, so wait for the count.) */
  double give_up = ccgc_time_ms() + 20000;
  while (atomic_load(&lazy.helper_pages) < 2000 && ccgc_time_ms() < give_up)
    sched_yield();
  ck_assert_int_eq(atomic_load(&lazy.unswept), 0);
  ck_assert_int_eq(atomic_load(&lazy.helper_pages), 2000);
  ck_assert_int_eq(atomic_load(&lazy.helper_on_owner), 0);
  ck_assert_int_eq(ccgc_collector_state(w.collector), CCGC_STATE_SWEEPING);
  ck_assert(ccgc_sweep_step(w.collector, 1));
  ck_assert_int_eq(ccgc_collector_state(w.collector), CCGC_STATE_IDLE);
  ck_assert_uint_eq(mock_dead_count(w.a), 30);
  const ccgc_cycle_stats *stats = ccgc_collector_last_cycle(w.collector);
  ck_assert(stats->concurrent_sweep_ms > 0);
  ck_assert_uint_eq(stats->sweep_steps, 1);
  mock_world_free(&w);
}
END_TEST

/* Completion (here the next cycle) stops sweeper threads that still work.
 * (The mock frees every unmarked object when swept, so it allocates only
 * while no sweeping is pending, as a real heap never puts new objects on
 * unswept pages.) */
START_TEST(completion_stops_the_sweeper_threads) {
  mock_world w = lazy_world(CCGC_SWEEP_CONCURRENT, 3, 1000000);
  for (int i = 0; i < 10; i++) mock_add_root(w.a, mock_alloc(w.a, 1));
  for (int round = 1; round <= 5; round++) {
    ck_assert_int_eq(ccgc_collector_finish_sweeping(w.collector), CCGC_OK);
    for (int i = 0; i < 30; i++) mock_alloc(w.a, 1);
    ccgc_collect(w.collector, CCGC_REASON_TESTING);
    ck_assert_uint_eq(mock_live_count(w.a), 40); /* not swept yet */
    ccgc_collect(w.collector, CCGC_REASON_TESTING);
    ck_assert_uint_eq(mock_live_count(w.a), 10);
    ck_assert_uint_eq(mock_dead_count(w.a), 30 * (size_t)round);
  }
  ck_assert_int_eq(ccgc_collector_finish_sweeping(w.collector), CCGC_OK);
  mock_world_free(&w);
}
END_TEST

static Suite *concurrent_sweeping_suite(void) {
  Suite *s = suite_create("concurrent sweeping");
  TCase *tc = tcase_create("core");
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, sweeper_threads_sweep_while_the_owner_runs);
  tcase_add_test(tc, completion_stops_the_sweeper_threads);
  suite_add_tcase(s, tc);
  return s;
}

int main(void) { return ccgc_test_run(concurrent_sweeping_suite()); }
