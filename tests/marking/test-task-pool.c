/* test-task-pool.c - the collector's helper threads (marking/task-pool.c):
 * a run calls fn once per helper; a withdrawn run calls fn in no helper
 * that had not started it, and ccgc_task_pool_wait still waits for those
 * that had (the owner may not see their writes half done). */
#include <check.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

#include "ccgc-test.h"
#include "task-pool.h"

typedef struct counts {
  atomic_int calls;
  atomic_int started, finished;
  atomic_bool release;
} counts;

static void count_call(void *data, unsigned index) {
  (void)index;
  atomic_fetch_add(&((counts *)data)->calls, 1);
}

START_TEST(a_run_calls_fn_once_per_helper) {
  ccgc_task_pool *pool = ccgc_task_pool_new();
  ck_assert_uint_eq(ccgc_task_pool_ready(pool, 2), 2);
  counts c = {0};
  for (int i = 0; i < 100; i++) {
    ccgc_task_pool_run(pool, 2, count_call, &c);
    ccgc_task_pool_wait(pool);
  }
  ck_assert_int_eq(atomic_load(&c.calls), 200);
  ccgc_task_pool_free(pool);
}
END_TEST

/* Withdrawn at once: each run's helper ran fn fully or not at all, some
 * not at all, wait returns either way, and the next run (not withdrawn)
 * calls fn again. */
START_TEST(a_withdrawn_run_calls_fn_at_most_once_and_the_next_run_is_whole) {
  ccgc_task_pool *pool = ccgc_task_pool_new();
  ck_assert_uint_eq(ccgc_task_pool_ready(pool, 1), 1);
  counts c = {0};
  for (int i = 0; i < 1000; i++) {
    ccgc_task_pool_run(pool, 1, count_call, &c);
    ccgc_task_pool_withdraw(pool);
    ccgc_task_pool_withdraw(pool); /* twice: no effect */
    ccgc_task_pool_wait(pool);
  }
  int withdrawn_calls = atomic_load(&c.calls);
  /* A helper wakes in microseconds, the withdrawal follows the run at
   * once: in 1000 runs it came first at least once (a withdrawal that
   * withdrew nothing would leave 1000 calls). */
  ck_assert_int_lt(withdrawn_calls, 1000);
  ccgc_task_pool_run(pool, 1, count_call, &c);
  ccgc_task_pool_wait(pool);
  ck_assert_int_eq(atomic_load(&c.calls), withdrawn_calls + 1);
  ccgc_task_pool_free(pool);
}
END_TEST

static void block_until_released(void *data, unsigned index) {
  (void)index;
  counts *c = data;
  atomic_store(&c->started, 1);
  while (!atomic_load(&c->release)) sched_yield();
  atomic_store(&c->finished, 1);
}

static void *release_later(void *data) {
  struct timespec ts = {0, 20 * 1000 * 1000};
  nanosleep(&ts, NULL);
  atomic_store(&((counts *)data)->release, true);
  return NULL;
}

/* A helper that started fn is waited for after a withdrawal: wait returns
 * only after fn returned. */
START_TEST(a_started_helper_is_still_waited_for) {
  ccgc_task_pool *pool = ccgc_task_pool_new();
  ck_assert_uint_eq(ccgc_task_pool_ready(pool, 1), 1);
  counts c = {0};
  ccgc_task_pool_run(pool, 1, block_until_released, &c);
  while (!atomic_load(&c.started)) sched_yield();
  pthread_t releaser;
  ck_assert_int_eq(pthread_create(&releaser, NULL, release_later, &c), 0);
  ccgc_task_pool_withdraw(pool);
  ccgc_task_pool_wait(pool);
  ck_assert_int_eq(atomic_load(&c.finished), 1);
  pthread_join(releaser, NULL);
  ccgc_task_pool_free(pool);
}
END_TEST

/* Per-thread data of parallel phases starts on a cache line and fills
 * whole lines (task-pool.h: two threads' counters in one line doubled a
 * 2-thread scavenge): aligned, zeroed, a size overflow refused. */
START_TEST(aligned_objects_start_on_a_line_and_are_zeroed) {
  for (size_t size = 1; size <= 3 * CCGC_CACHE_LINE; size += 17) {
    unsigned char *memory = ccgc_aligned_new(3, size);
    ck_assert_ptr_nonnull(memory);
    ck_assert_uint_eq((uintptr_t)memory % CCGC_CACHE_LINE, 0);
    for (size_t i = 0; i < 3 * size; i++) ck_assert_uint_eq(memory[i], 0);
    free(memory);
  }
  ck_assert_ptr_null(ccgc_aligned_new(SIZE_MAX / 2, 4));
}
END_TEST

int main(void) {
  Suite *suite = suite_create("task-pool");
  TCase *tc = tcase_create("core");
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, a_run_calls_fn_once_per_helper);
  tcase_add_test(tc, a_withdrawn_run_calls_fn_at_most_once_and_the_next_run_is_whole);
  tcase_add_test(tc, a_started_helper_is_still_waited_for);
  tcase_add_test(tc, aligned_objects_start_on_a_line_and_are_zeroed);
  suite_add_tcase(suite, tc);
  return ccgc_test_run(suite);
}
