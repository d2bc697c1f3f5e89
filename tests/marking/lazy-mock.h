/* lazy-mock.h - turns mock heap "alpha" of a mock world into a heap swept
 * after the pause (the sweep ops of ccgc-heap.h), for the sweeping suites
 * (test-sweeping.c, test-concurrent-sweeping.c): sweep_start sets `pages`
 * pages unswept; each owner sweep_step call sweeps pages until its deadline
 * (at least one), a sweeper thread's sweep_concurrent sweeps them until none
 * is left or it is told to stop; the owner's step that finds none left frees
 * the dead objects (the mock's reclaim, by ccgc_is_marked) and returns
 * true. */
#ifndef LAZY_MOCK_H
#define LAZY_MOCK_H

#include <check.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>

#include "ccgc-heap.h"
#include "mock-world.h"

typedef struct lazy_mock {
  ccgc_heap_ops ops;
  const ccgc_heap_ops *mock; /* the mock heap's own */
  ccgc_collector *collector;
  int pages;                 /* unswept pages sweep_start sets */
  atomic_int unswept;
  atomic_int helper_pages;    /* swept by sweeper threads */
  atomic_int helper_on_owner; /* sweep_concurrent calls on the owner */
  int starts, steps;          /* sweep_start, sweep_step calls */
  int steps_outside_reclaim;  /* steps not in the RECLAIM context */
  bool started_concurrent;    /* sweep_start's argument */
  pthread_t owner;
} lazy_mock;

/* The ops only get the heap: the one lazy mock of the test process. */
static lazy_mock lazy;

static void lazy_start(void *heap, bool concurrent) {
  (void)heap;
  lazy.starts++;
  lazy.started_concurrent = concurrent;
  atomic_store(&lazy.unswept, lazy.pages);
}

static bool take_page(void) {
  int left = atomic_load(&lazy.unswept);
  while (left > 0)
    if (atomic_compare_exchange_weak(&lazy.unswept, &left, left - 1))
      return true;
  return false;
}

static bool lazy_step(void *heap, double deadline_ms) {
  lazy.steps++;
  if (!ccgc_collector_in_reclamation(lazy.collector))
    lazy.steps_outside_reclaim++;
  while (take_page() && deadline_ms > 0 && ccgc_time_ms() < deadline_ms) {
  }
  if (deadline_ms <= 0)
    while (take_page()) {
    }
  if (atomic_load(&lazy.unswept) > 0) return false;
  lazy.mock->reclaim(heap);
  return true;
}

static void lazy_concurrent(void *heap, const atomic_bool *stop) {
  (void)heap;
  if (pthread_equal(pthread_self(), lazy.owner))
    atomic_fetch_add(&lazy.helper_on_owner, 1);
  while (!atomic_load(stop) && take_page())
    atomic_fetch_add(&lazy.helper_pages, 1);
}

/* A mock world whose heap alpha (id 0) is swept lazily in `pages` pages;
 * beta keeps only reclaim (swept in the pause in every mode). */
static mock_world lazy_world_with(ccgc_collector_options options, int pages) {
  mock_world w = mock_world_new(&options);
  ck_assert_ptr_nonnull(w.collector);
  const ccgc_heap_ops *ops = NULL;
  void *heap = ccgc_collector_heap(w.collector, 0, &ops);
  memset(&lazy, 0, sizeof lazy);
  lazy.mock = ops;
  lazy.ops = *ops;
  lazy.ops.sweep_start = lazy_start;
  lazy.ops.sweep_step = lazy_step;
  lazy.ops.sweep_concurrent = lazy_concurrent;
  lazy.collector = w.collector;
  lazy.pages = pages;
  lazy.owner = pthread_self();
  ccgc_collector_detach_heap(w.collector, 0);
  ck_assert_int_eq(ccgc_collector_attach_heap(w.collector, &lazy.ops, heap, "lazy_mock"), 0);
  return w;
}

static mock_world lazy_world(ccgc_sweeping_mode mode, int threads,
                             int pages) {
  return lazy_world_with((ccgc_collector_options){.verify = true,
                                                  .sweeping = mode,
                                                  .sweeper_threads = threads},
                         pages);
}
#endif
