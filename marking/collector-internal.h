/* collector-internal.h - the collector's state, shared by the files of
 * marking/ (collector, marker, verifier, walker, trace output). */
#ifndef CCGC_COLLECTOR_INTERNAL_H
#define CCGC_COLLECTOR_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>

#include "ccgc-events.h"
#include "ccgc-heap.h"
#include "ccgc.h"
#include "concurrent-marker.h"
#include "bulk-memory.h"
#include "gate.h"
#include "gc-tracer.h"
#include "memory-reducer.h"
#include "pacing.h"
#include "marker.h"
#include "page-pool.h"
#include "page-registry.h"
#include "sweeping.h"
#include "worklist.h"

/* "CCG" and the inline layout's version: a live collector (.sig; the
 * inline safepoint reads it, ccgc-fast.h). */
#define CCGC_COLLECTOR_SIG CCGC_FAST_SIG

typedef struct ccgc_heap_slot {
  const ccgc_heap_ops *ops;
  void *heap; /* NULL: slot free */
  struct ccgc_heap_base *base; /* a heap built on heap-base.h, or NULL */
} ccgc_heap_slot;

struct ccgc_collector {
  /* The inline safepoint's words first (ccgc-fast.h: their offsets). */
  uint32_t sig;
  /* Nonzero when a safepoint may have work: set with every request (a
   * collection, a minor one, an incremental cycle's pause), cleared by a
   * safepoint that finds none (.inv.safepoint-poll; safepoint.c). */
  _Atomic uint32_t safepoint_poll;
  ccgc_gate gate;              /* owner thread, open while MUTATOR (gate.h) */
  ccgc_error_sink errors;
  ccgc_call_context context;   /* where the owner runs now (gate.c)        */
  ccgc_barrier barrier;
  ccgc_page_registry registry;
  ccgc_page_pool page_pool; /* released normal pages, for reuse */
  /* Per heap: its soft limit less its committed bytes after its last sweep
   * (ccgc_collector_set_headroom); their sum is the page pool's limit. */
  size_t pool_headroom[CCGC_MAX_HEAPS];

  ccgc_heap_slot heaps[CCGC_MAX_HEAPS];
  int heap_count; /* highest attached id + 1 */

  /* One worklist per heap: "continue in the component where there is work".
   * The mutator's barrier pushes through mutator_locals under barrier_lock. */
  ccgc_worklist worklists[CCGC_MAX_HEAPS];
  ccgc_worklist_local mutator_locals[CCGC_MAX_HEAPS];
  /* What the marking worklists do when they cannot grow: drop the entry
   * and flag it; the owner's marker walks the heaps for grey objects
   * (marker-overflow.c). */
  ccgc_worklist_overflow mark_overflow;
  /* TESTING ONLY (ccgc_collector_break_mark_overflow): the marker never
   * walks the heaps after an overflow (breaks .inv.grey-on-worklist). */
  bool break_mark_overflow;
  /* True while a marking step runs inside a heap's allocation
   * (ccgc_collector_notify_allocation): a heap is not walked then, as its
   * newest object may not be iterable yet (marker-overflow.c). */
  bool in_allocation_step;
  pthread_mutex_t barrier_lock;

  /* The cycle in progress (cycle.c). */
  ccgc_marker marker;
  ccgc_bulk_cache bulk_cache;     /* the marker's big arrays, recycled */
  ccgc_concurrent_marker concurrent; /* helper threads, maybe none */
  ccgc_gc_state state;
  ccgc_cycle_stats current;       /* stats of the cycle in progress    */
  double cycle_start_ms;          /* when marking started              */
  double start_pause_ms;          /* the owner's time starting it      */
  double allocated_since_step;    /* bytes, for allocation-driven steps */
  double old_since_step;          /* of them, the pacing budget's       */
  size_t step_bytes;              /* options.incremental_step_bytes    */
  double step_ms;                 /* options.incremental_step_ms       */
  size_t step_objects;            /* ccgc_collector_set_step_objects   */
  GArray *steps, *last_steps;     /* step durations (double ms)        */
  /* Marking steps' time since the end of the last collection (minor or
   * full): the trace line's current mu counts it as the collection's. */
  double step_ms_since_gc_end;
  /* Speed estimates for idle time (gc-tracer.h, cycle.c). */
  ccgc_tracer tracer;
  /* Each cycle's helper threads' time beside the mutator (ms; bytes 1:
   * ccgc_collector_mutator_marking_ms and its sweeper threads' span after
   * the pause): the growing policy's concurrency floor (heap-controller.h). */
  ccgc_tracer_ring cycle_wall;
  ccgc_pacing pacing; /* automatic incremental collection (pacing.h) */
  ccgc_memory_reducer reducer; /* memory-reducer.h */
  /* Bytes the heaps handed out (allocation areas, pages, large objects:
   * ccgc_collector_notify_allocation), ever. */
  double allocated_bytes;
  /* Helper-thread sizing (options.adaptive_threads, thread-sizing.h):
   * allocated_bytes and the time at the last cycle's start. */
  bool adaptive_threads;
  double sizing_allocated, sizing_since_ms;
  double object_bytes;            /* average object size at cycle start */
  size_t step_objects_visited;    /* objects the owner's steps visited  */
  /* How far a step with a budget runs past its drain's deadline (the last
   * batch, publishing, the termination check, listeners): a high quantile
   * over the last steps, taken off the drain's deadline so that the step
   * ends within its budget (cycle.c, track_overrun). */
  double step_tail_ms;
  unsigned idle_refusals;         /* idle periods too short to finish,
                                     marking complete, this cycle       */
  GArray *listeners;              /* (listener, data): event-listener.c */
  bool in_collection;
  bool in_minor; /* in_collection for a minor collection (minor-cycle.c) */
  /* Nonzero while the callbacks after a collection run (after_collection
   * and after_minor ops: FinalizationRegistry and weak callbacks; the
   * cycle_end and minor_end listeners): the collection call has not
   * returned, so freeing the collector or a heap is refused there. */
  unsigned after_callbacks;
  /* Nonzero while a heap's free finishes the cycle and sweeping in
   * progress (ccgc_collector_finish_for_heap_free): new cycles are refused,
   * a callback's cycle would hold the heap's objects as its pages go. */
  unsigned heap_frees;
  bool in_atomic_pause; /* finish_cycle runs (its state turns SWEEPING inside) */
  _Atomic bool gc_requested;
  /* An allocation failed at a heap's hard limit since the last full
   * collection (ccgc_collector_request_gc_at_limit): the next safepoint
   * collects whole, an incremental cycle in progress included. */
  _Atomic bool limit_requested;
  _Atomic bool minor_requested;
  /* Minor collections (minor-cycle.c). */
  unsigned long minor_count;
  ccgc_minor_stats last_minor;
  bool relocating;     /* minor_done: ccgc_collector_relocated answers */
  /* objects_moved (event-listener.c): the compacting heap's answer to
   * ccgc_collector_relocated for its own pages, NULL outside the event. */
  void *(*moves_relocated)(void *address, void *data);
  void *moves_data;
  int moves_heap_id;
  int scavenger_threads; /* options.scavenger_threads                 */
  struct ccgc_task_pool *scavenge_pool; /* its helpers (task-pool.h), lazy */
  int parallel_marking_threads; /* options.parallel_marking_threads     */
  struct ccgc_task_pool *mark_pool; /* their threads (parallel-marking.c) */
  bool testing_break_parallel_termination; /* ccgc-testing.h            */
  int compaction_threads; /* options.compaction_threads (evacuation.c)  */
  double minor_total_ms; /* sum of all minor pauses                   */
  ccgc_gc_reason requested_reason;
  ccgc_sweeper sweeper;  /* sweeping after the pause (sweeping.h)    */

  bool verify;
  FILE *trace_gc;
  bool trace_gc_verbose;
  bool trace_gc_nvp; /* V8's key=value line instead of the --trace-gc one */

  double created_ms;     /* monotonic clock at creation        */
  double gc_total_ms;    /* sum of all collection times        */
  double last_gc_end_ms; /* monotonic clock at the end of the last GC */
  unsigned long cycles;
  ccgc_cycle_stats last;
  ccgc_verify_report last_verify;
};

double ccgc_now_ms(void);

/* Allocation between two marking steps when the host sets none. */
#define CCGC_DEFAULT_STEP_BYTES ((size_t)256 * 1024)

/* cycle.c: one marking step of the cycle in progress (state MARKING, not
 * busy: the caller checked), for at most budget_ms and max_objects objects
 * (0: no bound on objects; budget_ms <= 0 with an object bound: no time
 * bound); returns whether no marking work is left. */
bool ccgc_collector_marking_step(ccgc_collector *collector, double budget_ms,
                                 size_t max_objects);

/* collector.c */
/* The sums of every attached heap's statistics now (used and committed
 * bytes, objects) and the smallest headroom between a heap's committed
 * bytes and its hard limit (SIZE_MAX when no heap has one). */
typedef struct ccgc_heap_totals {
  size_t used_bytes, committed_bytes, object_count, headroom_bytes;
  size_t young_capacity_bytes; /* the semi-spaces of the heaps that have one */
} ccgc_heap_totals;
void ccgc_collector_heap_totals(ccgc_collector *collector,
                                ccgc_heap_totals *out);
void ccgc_collector_call_phase(ccgc_collector *collector, size_t phase_offset);
void ccgc_collector_snapshot_stats(ccgc_collector *collector, bool before,
                                   ccgc_cycle_stats *stats);

/* cycle.c: the finishing pause of the cycle in progress, estimated from the
 * per-phase speeds (gc-tracer.h) and the heaps' used bytes now, halved once
 * per idle period refused since marking completed. *known is false while no
 * cycle has given a sample. */
double ccgc_collector_estimate_finish_ms(ccgc_collector *collector,
                                         bool *known);

/* verifier.c */
void ccgc_verify_marking(ccgc_collector *collector, ccgc_verify_report *report);

/* event-listener.c: announce a phase to every listener (ccgc-events.h). */
void ccgc_events_init(ccgc_collector *collector);
void ccgc_events_cycle_start(ccgc_collector *collector, ccgc_gc_reason reason,
                             bool incremental);
void ccgc_events_marking_done(ccgc_collector *collector);
void ccgc_events_cycle_end(ccgc_collector *collector,
                           const ccgc_cycle_stats *stats);
void ccgc_events_collector_freed(ccgc_collector *collector);

/* trace-gc.c */
void ccgc_trace_gc_emit(ccgc_collector *collector, const ccgc_cycle_stats *stats);
/* With trace_gc_verbose: a "sweeping:" line when a cycle's lazy sweeping
 * completes (sweeping.c). */
void ccgc_trace_gc_emit_sweeping(ccgc_collector *collector,
                                 const ccgc_cycle_stats *stats);
void ccgc_trace_gc_emit_minor(ccgc_collector *collector,
                              const ccgc_minor_stats *stats);

/* event-listener.c: the minor collection's events. */
void ccgc_events_minor_start(ccgc_collector *collector, ccgc_gc_reason reason);
void ccgc_events_minor_done(ccgc_collector *collector);
/* Inside objects_moved: where address went (ccgc_collector_relocated). */
void *ccgc_events_moved_to(ccgc_collector *collector, const void *address);
void ccgc_events_minor_end(ccgc_collector *collector,
                           const ccgc_minor_stats *stats);
/* event-listener.c: the phases of a full cycle between cycle_start and
 * cycle_end (ccgc-events.h). */
void ccgc_events_step_start(ccgc_collector *collector);
void ccgc_events_step_end(ccgc_collector *collector, double step_ms,
                          bool marking_complete);
void ccgc_events_atomic_pause_start(ccgc_collector *collector);
void ccgc_events_sweep_start(ccgc_collector *collector);
void ccgc_events_sweep_end(ccgc_collector *collector);
void ccgc_events_atomic_pause_end(ccgc_collector *collector,
                                  const ccgc_cycle_stats *stats);

/* marker.c: after objects moved in a minor collection during marking, every
 * address the marker holds (worklists of the marker and of the mutator,
 * pending ephemerons, weak callbacks) goes through relocate: the new
 * address, or NULL to drop it (.inv.worklists-current). */
void ccgc_marker_relocate(ccgc_marker *marker,
                          void *(*relocate)(void *address, void *data),
                          void *data);

static inline bool ccgc_collector_valid(const ccgc_collector *collector) {
  return collector && collector->sig == CCGC_COLLECTOR_SIG;
}

/* A request the next safepoint must see (a collection, a minor one, an
 * incremental cycle's pause): the inline poll takes the library's path
 * until a safepoint finds nothing due (.inv.safepoint-poll). The owner
 * thread's, or a pause's helper thread's (at a hard limit). */
static inline void ccgc_collector_poll_set(ccgc_collector *collector) {
  atomic_store_explicit(&collector->safepoint_poll, 1, memory_order_relaxed);
}

/* gate.c */
void ccgc_gate_init(ccgc_collector *collector);
/* Reports a call from a thread that does not own the collector
 * (.api.mutator-thread) and returns CCGC_E_WRONG_THREAD. */
ccgc_status ccgc_collector_refuse_thread(ccgc_collector *collector,
                                         const char *call);

/* The entry check of the collector's public calls: a live collector (NULL or
 * freed: false, nothing to report to) on its owner thread (misuse
 * otherwise, .api.mutator-thread). One branch when it passes. */
static inline bool ccgc_collector_enter(const ccgc_collector *collector,
                                        const char *call) {
  if (!ccgc_collector_valid(collector)) return false;
  if (__builtin_expect(ccgc_gate_on_owner(&collector->gate), 1)) return true;
  ccgc_collector_refuse_thread((ccgc_collector *)collector, call);
  return false;
}

/* Inside a collection or a callback of the collector: no collection may
 * start or finish now (CCGC_E_IN_COLLECTION, recoverable). */
static inline bool ccgc_collector_busy(const ccgc_collector *collector) {
  return collector->in_collection ||
         collector->context != CCGC_CONTEXT_MUTATOR;
}

/* Inside a collection or a callback of one: not an external value's
 * release run from the host's own weak map call (CCGC_CONTEXT_RELEASE),
 * where no collection runs and the heaps are as the host left them - reads
 * and the listener list are fine there; collecting and configuring are not
 * (ccgc_collector_busy). */
static inline bool ccgc_collector_in_collection_context(
    const ccgc_collector *collector) {
  return collector->in_collection ||
         (collector->context != CCGC_CONTEXT_MUTATOR &&
          collector->context != CCGC_CONTEXT_RELEASE);
}

/* A call that may not run inside a collection or a callback of one:
 * records CCGC_E_IN_COLLECTION ("<call>: called during a collection (from
 * <context>)", recoverable: no handler call) and returns it; CCGC_OK when
 * not busy. */
ccgc_status ccgc_collector_refuse_busy(ccgc_collector *collector, const char *call);
/* A budget or idle time that is not a duration (NaN, negative): misuse
 * "<call>: <what> <ms> ms is not a duration" (.api.argument), true. */
bool ccgc_collector_refuse_duration(ccgc_collector *collector, const char *call,
                                    const char *what, double ms);

/* A heap's room to grow before its next full collection (its soft limit
 * less its committed bytes), after its sweep; the page pool keeps up to the
 * sum over heaps (page-pool.h). Owner thread. */
void ccgc_collector_set_headroom(ccgc_collector *collector, int heap_id,
                                 size_t bytes);
/* The pause's sweeps start (cycle.c, before any heap's pre_reclaim, sweep
 * or compaction releases a page): until each heap's sweep completes, the
 * page pool may keep its released pages up to its soft limit
 * (docs/heap-growth.md "The page pool"). Owner thread. */
void ccgc_collector_headroom_for_sweeps(ccgc_collector *collector);

/* The wall time a cycle's marker threads worked beside the mutator (the
 * concurrency floor's, heap-controller.h): from its start to its atomic
 * pause when it marked incrementally with marker threads; none when the
 * owner marked alone (its steps are the owner's time, which V8's formula
 * weighs) or stop-the-world (the mutator waited). */
static inline double ccgc_collector_mutator_marking_ms(const ccgc_cycle_stats *stats) {
  double ms = stats->marking_wall_ms - stats->total_ms;
  return stats->incremental && stats->marker_threads_used > 0 && ms > 0 ? ms : 0;
}

#endif /* CCGC_COLLECTOR_INTERNAL_H */
