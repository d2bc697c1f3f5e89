/* parallel-marking.c - the atomic pause's drain on the owner and helper
 * threads (parallel-marking.h, docs/collection.md "Parallel marking in the
 * pause").
 *
 * Work stealing: every thread has its own local views of the heaps'
 * segmented worklists; a full push segment is published to the heap's shared
 * pool and an empty pop segment steals a published one (worklist.h).
 *
 * Termination (.inv.parallel-termination): a thread whose pass over every
 * worklist found nothing (its local views empty, every pool empty when it
 * looked) counts itself idle. An idle thread never publishes. It leaves when
 * every thread is idle; when it sees a non-empty pool it first counts itself
 * busy again, then steals. So "all idle" is reached only when no thread holds
 * work and no pool holds any, and nobody can publish afterwards.
 *
 * Every thread runs the same mark loop (marker.c: the edge and object
 * windows, the page cache), each with a marker of its own; the world is
 * stopped, so helpers trace objects in place with the heaps' layout
 * descriptors or trace_object, not with the snapshot or lock protocols of
 * the concurrent marker threads.
 * Marks are compare-and-swaps on every thread while helpers run (the owner's
 * marker is `shared`, .inv.color-monotonic). What a helper finds besides
 * grey objects (weak slots, ephemerons whose key is white, weak callbacks)
 * stays in its marker and is merged into the owner's marker after the last
 * helper returned, the way ccgc_concurrent_merge merges a marker thread's.
 */
#include "parallel-marking.h"

#include <sched.h>
#include <stdlib.h>
#include <string.h>

#include "collector-internal.h"
#include "invariant-check.h"
#include "ccgc-testing.h"
#include "task-pool.h"

/* With the testing switch: a helper leaves after this many objects. */
#define BROKEN_HELPER_OBJECTS 64u

typedef struct parallel_state parallel_state;

typedef struct parallel_helper {
  ccgc_marker *m; /* its own marker: windows, page cache, finds */
  parallel_state *state;
  double busy_ms;
} parallel_helper;

struct parallel_state {
  ccgc_collector *collector;
  unsigned threads;     /* the owner and the helpers */
  _Atomic unsigned idle; /* threads that found no work */
  bool broken;          /* ccgc_collector_break_parallel_termination */
  parallel_helper helpers[CCGC_MAX_MARKER_THREADS];
};

static bool pools_empty(ccgc_collector *collector) {
  for (int id = 0; id < collector->heap_count; id++)
    if (!ccgc_worklist_is_empty(&collector->worklists[id])) return false;
  return true;
}

/* The caller's local views are empty and it saw no work: true when every
 * thread is idle (leave), false when a pool has work again (the caller is
 * busy again and steals). .inv.parallel-termination */
static bool terminate(parallel_state *state) {
  atomic_fetch_add(&state->idle, 1);
  for (;;) {
    if (atomic_load(&state->idle) == state->threads) return true;
    if (!pools_empty(state->collector)) {
      atomic_fetch_sub(&state->idle, 1);
      return false;
    }
    sched_yield();
  }
}

/* The world is stopped: a helper traces in place with the owner's mark loop
 * (no snapshot, no object lock: nothing changes a shape in the pause), its
 * own windows and page cache, compare-and-swap marks. */
static void helper_main(void *data, unsigned index) {
  parallel_state *state = data;
  parallel_helper *self = &state->helpers[index - 1];
  double start = ccgc_now_ms();
  if (state->broken) {
    /* Broken on purpose: leaves holding grey objects, unpublished. */
    ccgc_marker_drain(self->m, 0, BROKEN_HELPER_OBJECTS);
    atomic_fetch_add(&state->idle, 1);
  } else {
    do ccgc_marker_drain(self->m, 0, 0);
    while (!terminate(state));
  }
  self->busy_ms = ccgc_now_ms() - start;
}

static bool helper_init(parallel_helper *self, parallel_state *state) {
  memset(self, 0, sizeof *self);
  /* Lines of its own: its windows and counters change with every object
   * (task-pool.h, CCGC_CACHE_LINE). */
  self->m = ccgc_aligned_new(1, sizeof *self->m);
  if (!self->m) return false;
  ccgc_marker_begin_helper(self->m, state->collector);
  self->m->testing_drop_work = state->broken;
  self->state = state;
  return true;
}

/* After the last helper returned: what it found joins the owner's marker
 * (ccgc_concurrent_merge does the same for marker threads). A merged
 * ephemeron whose key is marked by now pushes its value: more work. */
static size_t helper_merge(parallel_helper *self, ccgc_marker *marker) {
  size_t visited = 0;
  for (int id = 0; id < CCGC_MAX_HEAPS; id++) {
    CCGC_CHECK(self->state->broken ||
                   ccgc_worklist_local_is_empty(&self->m->locals[id]),
               ".inv.parallel-termination");
    visited += self->m->marked[id];
  }
  ccgc_marker_merge_helper(self->m, marker);
  return visited;
}

size_t ccgc_parallel_drain(ccgc_marker *marker, ccgc_cycle_stats *stats) {
  ccgc_collector *collector = marker->collector;
  unsigned wanted = (unsigned)collector->parallel_marking_threads;
  unsigned helpers = 0;
  if (wanted > 0) {
    if (!collector->mark_pool) collector->mark_pool = ccgc_task_pool_new();
    helpers = ccgc_task_pool_ready(collector->mark_pool, wanted);
  }
  /* No helper thread, or no memory for one's state: the owner marks alone. */
  parallel_state *state = helpers ? malloc(sizeof *state) : NULL;
  if (state) {
    state->collector = collector;
    state->broken = collector->testing_break_parallel_termination;
    atomic_init(&state->idle, 0);
    unsigned ready = 0;
    while (ready < helpers && helper_init(&state->helpers[ready], state))
      ready++;
    helpers = ready;
    state->threads = 1 + helpers;
  }
  stats->pause_mark_threads = state ? 1 + helpers : 1;
  if (!state || helpers == 0) {
    free(state);
    ccgc_marker_drain(marker, 0, 0);
    return 0;
  }
  size_t helper_objects = 0;
  /* Merging can push values of ephemerons the helpers found: drain again
   * until a merge adds nothing. */
  do {
    atomic_store(&state->idle, 0);
    marker->shared = true; /* compare-and-swap marks from here */
    ccgc_marker_publish(marker); /* the roots' grey objects: stealable */
    ccgc_task_pool_run(collector->mark_pool, helpers, helper_main, state);
    if (state->broken) {
      /* TESTING ONLY: the owner leaves the work to the helpers, so that one
       * reaches BROKEN_HELPER_OBJECTS and drops its grey objects in every
       * pause with enough work, whatever the threads' timing. */
      atomic_fetch_add(&state->idle, 1);
    } else {
      do ccgc_marker_drain(marker, 0, 0);
      while (!terminate(state));
    }
    ccgc_task_pool_wait(collector->mark_pool);
    marker->shared = false;
    for (unsigned i = 0; i < helpers; i++) {
      parallel_helper *self = &state->helpers[i];
      stats->pause_helpers_ms += self->busy_ms;
      helper_objects += helper_merge(self, marker);
    }
    /* Grey objects a worklist dropped while the threads marked: the owner
     * walks for them alone, and they are the next round's work
     * (.inv.grey-on-worklist). */
    if (!state->broken) ccgc_marker_recover_overflow(marker);
  } while (!ccgc_marker_has_no_work(marker) && !state->broken);
  for (unsigned i = 0; i < helpers; i++) {
    ccgc_marker_end_helper(state->helpers[i].m);
    free(state->helpers[i].m);
  }
  free(state);
  stats->pause_helper_objects += helper_objects;
  return helper_objects;
}

/* --- testing switch (ccgc-testing.h) -------------------------------------- */

void ccgc_collector_break_parallel_termination(ccgc_collector *collector,
                                               bool broken) {
  if (!ccgc_collector_enter(collector,
                            "ccgc_collector_break_parallel_termination"))
    return;
  collector->testing_break_parallel_termination = broken;
}

ccgc_status ccgc_collector_set_parallel_marking_threads(
    ccgc_collector *collector, int threads) {
  if (!ccgc_collector_enter(collector,
                            "ccgc_collector_set_parallel_marking_threads"))
    return ccgc_collector_valid(collector) ? CCGC_E_WRONG_THREAD
                                           : CCGC_E_INVALID_ARGUMENT;
  if (threads < 0 || threads > CCGC_MAX_MARKER_THREADS)
    return CCGC_MISUSE(&collector->errors, CCGC_E_INVALID_ARGUMENT,
                       ".api.argument",
                       "ccgc_collector_set_parallel_marking_threads: %d "
                       "threads is out of range (0 to %d)",
                       threads, CCGC_MAX_MARKER_THREADS);
  /* Inside a collection or any callback (a release, a walk, a teardown's
   * finalizer too: only in_collection was tested, found by an audit). */
  if (ccgc_collector_refuse_busy(collector,
                                 "ccgc_collector_set_parallel_marking_threads") != CCGC_OK)
    return CCGC_E_IN_COLLECTION;
  collector->parallel_marking_threads = threads;
  return CCGC_OK;
}
