/* ccgc-stats.h - what collections report: why a collection ran
 * (ccgc_gc_reason), how it swept (ccgc_sweeping_mode), and the statistics of
 * heaps, full cycles and minor collections (ccgc_collector_heap_stats,
 * ccgc_collector_last_cycle, ccgc_collector_last_minor, the listeners of
 * ccgc-events.h). Included by ccgc.h, which declares the calls. */
#ifndef CCGC_STATS_H
#define CCGC_STATS_H

#include <stdbool.h>
#include <stddef.h>

#include "ccgc-export.h"

#define CCGC_MAX_HEAPS 4

typedef enum ccgc_gc_reason {
  CCGC_REASON_TESTING,
  CCGC_REASON_ALLOCATION_LIMIT,
  CCGC_REASON_HOST_REQUEST,
  CCGC_REASON_IDLE,
  CCGC_REASON_MEMORY_PRESSURE,
  CCGC_REASON_TEARDOWN,
  /* The script heap's nursery is full: the next safepoint scavenges. */
  CCGC_REASON_ALLOCATION_FAILURE,
  /* The memory reducer: allocation went quiet after a full collection, an
   * idle period starts a memory-reducing cycle (docs/heap-growth.md). Like
   * CCGC_REASON_MEMORY_PRESSURE, the cycle reduces memory: the smallest
   * growing factor for the next limits, the nursery at its minimum. */
  CCGC_REASON_MEMORY_REDUCER,
  CCGC_REASON_COUNT
} ccgc_gc_reason;

CCGC_API
const char *ccgc_gc_reason_name(ccgc_gc_reason reason);

/* Where and when the heaps free the dead objects of a cycle
 * (docs/sweeping.md). */
typedef enum ccgc_sweeping_mode {
  /* In the atomic pause, finalizers included. The default. */
  CCGC_SWEEP_ATOMIC = 0,
  /* After the pause, on the owner thread: in ccgc_sweep_step, in idle time,
   * on allocation (a heap sweeps a page itself when it needs one), and
   * completely before the next cycle starts. */
  CCGC_SWEEP_LAZY = 1,
  /* LAZY, plus the collector's sweeper threads sweep pages while the host
   * runs; dead objects whose death runs host code (finalizers) are left
   * intact for the owner thread, which runs it and frees them. */
  CCGC_SWEEP_CONCURRENT = 2,
} ccgc_sweeping_mode;

/* "atomic", "lazy", "concurrent"; "unknown" otherwise. */
CCGC_API
const char *ccgc_sweeping_mode_name(ccgc_sweeping_mode mode);

typedef struct ccgc_heap_stats {
  size_t used_bytes;      /* bytes in allocated objects           */
  size_t committed_bytes; /* bytes in pages mapped from the OS    */
  size_t object_count;
  size_t page_count;
  size_t limit_bytes;     /* hard limit, 0 if none                */
  /* The young generation (script heap; 0 for a heap without one): bytes in
   * young objects, bytes of young pages mapped (both semi-spaces and young
   * large pages, included in committed_bytes), the semi-space capacity. */
  size_t young_used_bytes, young_committed_bytes, young_capacity_bytes;
  /* The growing policy (docs/heap-growth.md): the bytes of old-generation
   * objects above which the next full collection is requested, and the
   * growing factor the last full collection chose (0 before the first). */
  size_t soft_limit_bytes;
  double growing_factor;
  /* The last full collection's compaction (docs/compaction.md; 0 when it
   * did not compact): normal pages evacuated and released (the DOM heap:
   * backing pages), live bytes and objects moved, time spent in the pause
   * (selection, copies, reference updates, releases). */
  size_t evacuated_pages, evacuated_bytes, evacuated_objects;
  double evacuation_ms;
  /* The threads that copied the objects of that compaction: the owner and
   * the helpers (compaction_threads) that joined before the copies were
   * done; the DOM heap's owner copies alone (1). 0 when it copied nothing:
   * no page evacuated (a collection whose candidates all stayed in place
   * reports 0 in every field of its compaction), or only pages whose
   * objects all died in the cycle (released: evacuated_pages counts them,
   * evacuated_bytes and _objects are 0). */
  unsigned evacuation_threads;
  /* Pretenuring (script heap, docs/script-heap.md "Pretenuring"): the
   * allocation sites (classes objects are allocated with) whose new objects
   * are allocated old now, and the bytes and objects allocated old that way
   * since the heap was created. */
  size_t pretenured_classes;
  size_t pretenured_bytes, pretenured_objects;
} ccgc_heap_stats;

typedef struct ccgc_cycle_heap_stats {
  const char *name;
  ccgc_heap_stats before, after;
  size_t marked_objects;
  size_t marked_bytes;
} ccgc_cycle_heap_stats;

typedef struct ccgc_cycle_stats {
  unsigned long cycle;       /* 1-based count of collections             */
  ccgc_gc_reason reason;
  bool incremental;          /* marked in steps before the atomic pause  */
  size_t steps;              /* incremental steps (host, idle, allocation) */
  double incremental_ms;     /* time in those steps                      */
  double max_step_ms;
  double marking_wall_ms;    /* from start of marking to end of the pause,
                                before the atomic_pause_end listeners
                                (this record is theirs, complete) */
  double concurrent_ms;      /* time helper threads spent marking          */
  size_t concurrent_objects; /* objects the helper threads visited         */
  double start_ms;           /* since the collector was created          */
  double total_ms;           /* the final (atomic) pause: wall time,
                                the atomic_pause_start and _end listeners
                                excluded (marking_wall_ms counts the
                                atomic_pause_start ones) */
  /* Parts of the pause: mark_ms from its start to the barrier off
   * (pause_markers + roots + drain + ephemeron), weak_ms to liveness final
   * (weak_callbacks + heap_weakness + marking_done listeners), verify_ms
   * (0 when verification is off), reclaim_ms (finalize + sweep). */
  double mark_ms, weak_ms, verify_ms, reclaim_ms;
  size_t ephemeron_rounds;
  size_t weak_slots_cleared;
  int heap_count;
  ccgc_cycle_heap_stats heaps[CCGC_MAX_HEAPS];
  /* The atomic pause (total_ms) by component, in the order they run; each is
   * the time between two consecutive readings of one clock, so together
   * with verify_ms they add up to total_ms (docs/trace-gc.md). */
  double pause_markers_ms;  /* marker threads stop and hand over their work */
  double roots_ms;          /* roots that are not barriered, traced again   */
  double drain_ms;          /* the grey objects left, drained (V8's mark.main) */
  double ephemeron_ms;      /* the rest of the ephemeron fixed point        */
  double weak_callbacks_ms; /* weak callbacks, then white weak slots cleared */
  double heap_weakness_ms;  /* every heap's process_weakness, then its
                             * compaction with the objects_moved listeners */
  double finalize_ms;       /* every heap's pre-finalizers and finalizers   */
  double sweep_ms;          /* every heap's reclaim: memory freed           */
  double listeners_ms;      /* marking_done and sweep_start listeners       */
  double other_ms;          /* the rest: the marker's teardown, and the
                               verify slot when verification is off      */
  /* Sweeping after the pause (CCGC_SWEEP_LAZY, _CONCURRENT; all 0 in
   * CCGC_SWEEP_ATOMIC, whose sweep is sweep_ms above). Filled in when
   * sweeping completes: ccgc_collector_last_cycle shows them from then on
   * (cycle_end listeners of a lazy cycle see zeros; docs/sweeping.md). */
  ccgc_sweeping_mode sweeping;  /* the mode this cycle swept in          */
  bool sweeping_complete;       /* every heap is swept                   */
  size_t sweep_steps;           /* owner-thread sweeping calls: sweep steps,
                                   idle periods, the finishing call      */
  double lazy_sweep_ms;         /* owner-thread time in those calls
                                   (finalizers included)               */
  double concurrent_sweep_ms;   /* sweeper threads' time                 */
  double sweeping_wall_ms;      /* from the pause's end to completion    */
  /* Parallel marking in the pause (options.parallel_marking_threads): the
   * threads that drained after the root rescan (the owner and its helpers;
   * 1 when the owner drained alone), the helpers' summed time in that drain
   * (inside drain_ms, which is wall time) and the objects they visited. */
  int pause_mark_threads;
  double pause_helpers_ms;
  size_t pause_helper_objects;
  /* The helper threads this cycle's concurrent marking woke (0 for a
   * stop-the-world cycle or without marker threads) and its concurrent
   * sweeping ran (0 unless CCGC_SWEEP_CONCURRENT; filled in when sweeping
   * completes): all of the host's, or fewer with options.adaptive_threads. */
  int marker_threads_used;
  int sweeper_threads_used;
  /* Grey objects the marking worklists dropped for want of memory in this
   * cycle, and the walks of the heaps that found them again (both 0 but
   * when memory ran short: docs/collection.md "When the mark worklist
   * cannot grow"). */
  size_t mark_entries_dropped;
  int mark_overflow_walks;
  /* The trace line's figures, taken as the cycle ends (so a line formatted
   * later says the same): the time from the end of the previous collection
   * (minor or full) to this pause (V8's spent_in_mutator, marking steps
   * included), and the mutator utilizations (docs/trace-gc.md). */
  double mutator_ms;
  double average_mu, current_mu;
} ccgc_cycle_stats;

/* A minor collection's statistics (ccgc_collect_minor, ccgc.h). */
typedef struct ccgc_minor_stats {
  unsigned long scavenge;     /* 1-based count of minor collections       */
  ccgc_gc_reason reason;
  bool during_marking;        /* a full marking cycle was in progress     */
  bool during_sweeping;       /* the last cycle's sweeping was pending
                                 (docs/sweeping.md "Scavenges while
                                 sweeping"); it still is afterwards       */
  int threads;                /* threads that copied, the owner included  */
  /* The owner and the helpers it offered work to: 1 + scavenger_threads,
   * fewer with adaptive_threads (a helper per 512 KiB the last scavenge
   * copied, docs/collection.md) or when the to-space reserve has no spare
   * page for one. A helper the system did not schedule before the work was
   * done is offered but does not count in threads. In what was padding after
   * threads: the struct's size and its other members' offsets are those of
   * earlier versions. */
  int threads_offered;
  double start_ms;            /* since the collector was created          */
  double total_ms;            /* the pause, wall time                     */
  double roots_ms, copy_ms, weak_ms; /* its parts                        */
  size_t young_before_bytes;  /* young objects when it started            */
  size_t survived_bytes, survived_objects; /* copied within the nursery   */
  size_t promoted_bytes, promoted_objects; /* moved to the old generation */
  size_t remembered_slots;    /* old-to-young slots it visited            */
  size_t semispace_bytes;     /* the nursery's capacity after it (adapts) */
  size_t pretenured_classes;  /* allocation sites it decided to pretenure */
  size_t used_before, used_after;           /* every heap, bytes          */
  size_t committed_before, committed_after; /* every heap, bytes          */
  double background_ms;       /* time helper threads spent scavenging     */
  /* The trace line's figures, taken as it ends (ccgc_cycle_stats). */
  double mutator_ms;
  double average_mu, current_mu;
  /* A fast promotion (ccgc_heap_options.fast_promotion, docs/script-heap.md):
   * every young object became old where it was, nothing copied (its bytes
   * count in promoted_*), by at least one heap. */
  bool fast_promotion;
} ccgc_minor_stats;

#endif /* CCGC_STATS_H */
