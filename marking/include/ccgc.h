/* ccgc.h - the unified collector, as the host sees it.
 *
 * Legal call order:
 *
 *   ccgc_collector *c = ccgc_collector_new(&options);
 *   v8ish_heap *script = v8ish_heap_new(c, ...);      (attach heaps)
 *   blinkish_heap *dom = blinkish_heap_new(c, ...);
 *   bridge *b = bridge_new(c, script, dom, mode);      (optional)
 *   ... allocate, store, ...
 *   ccgc_collect(c, CCGC_REASON_...);                  (any time outside a GC)
 *   ccgc_collector_safepoint(c);                       (runs a requested GC)
 *   blinkish_heap_free(dom); bridge_free(b); v8ish_heap_free(script);
 *   ccgc_collector_free(c);     (heaps first, in that order: .api.bridge-order)
 *
 * Collections run only inside ccgc_collect / ccgc_collector_safepoint, never
 * inside an allocation: a heap that crosses its soft limit *requests* a
 * collection (ccgc_collector_gc_requested), and one that reaches its hard limit
 * fails the allocation with CCGC_E_HEAP_LIMIT, heap intact. So the host may
 * hold raw DOM pointers on its stack between safepoints (docs/scheduling.md).
 *
 * Threading contract (docs/errors.md, "Threading contract"):
 *  - A collector, its heaps and its bridge belong to one thread, the
 *    collector's *owner*: the thread that called ccgc_collector_new, or the
 *    last one that called ccgc_collector_take_ownership. Every call of
 *    ccgc.h, v8ish.h, blinkish.h and bridge.h runs there; from any other
 *    thread - a marker thread included - it is refused as misuse
 *    (CCGC_E_WRONG_THREAD, .api.mutator-thread) and does nothing.
 *    Exceptions, callable anywhere: the name functions (ccgc_status_name,
 *    ccgc_gc_reason_name, ...), ccgc_time_ms, and what a trace callback uses
 *    (ccgc_visit_*, blinkish_trace*, blinkish_member_load,
 *    bridge_trace_script_ref, v8ish_traced_target).
 *  - Trace callbacks may run on marker threads while the host runs; they,
 *    walk callbacks (ccgc-inspect.h) and the listeners called inside a
 *    collection (every event of ccgc-events.h but cycle_end, minor_end and
 *    collector_freed) only report references and read: allocating, storing
 *    or configuring there is refused (CCGC_E_IN_COLLECTION,
 *    .api.no-heap-calls-in-callbacks). Listeners always run on the owner
 *    thread; so do weak callbacks, finalizers and pre-finalizers.
 *  - Weak callbacks, external value releases, pre-finalizers and finalizers
 *    (and the same callbacks run by blinkish_heap_free) may read and store,
 *    never resurrect (.inv.no-resurrection), allocate or configure
 *    (.api.outside-collection); collecting there returns
 *    CCGC_E_IN_COLLECTION.
 *  - after_collection work (FinalizationRegistry and weak global callbacks)
 *    and cycle_end / minor_end listeners run outside the collection:
 *    anything goes but freeing the collector or a heap (refused).
 */
#ifndef CCGC_H
#define CCGC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "ccgc-error.h"
#include "ccgc-export.h"
#include "ccgc-stats.h"
#include "ccgc-visitor.h"

typedef struct ccgc_collector ccgc_collector;

typedef enum ccgc_gc_state {
  CCGC_STATE_IDLE,         /* no cycle in progress                         */
  CCGC_STATE_MARKING,      /* incremental marking interleaved with the host */
  CCGC_STATE_ATOMIC_PAUSE, /* finishing marking, weakness                  */
  /* Heaps reclaim: in the atomic pause (CCGC_SWEEP_ATOMIC), or from the end
   * of the pause until every heap is swept (CCGC_SWEEP_LAZY, _CONCURRENT). */
  CCGC_STATE_SWEEPING,
} ccgc_gc_state;

CCGC_API
const char *ccgc_gc_state_name(ccgc_gc_state state);

/* How concurrent markers and the mutator's unsafe shape changes (double
 * unboxing, left-trimming, instance-size shrink: docs/shape-changes.md) keep
 * out of each other's way (docs/concurrent-marking.md). */
typedef enum ccgc_shape_protocol {
  /* Wait-free snapshotting: the marker copies, then wins grey -> black; the
   * mutator wins it first and visits, then changes the layout. Default. */
  CCGC_SHAPE_SNAPSHOT = 0,
  /* Per-object locks (striped by address): the mutator locks the object
   * around the change, the marker around its visit. */
  CCGC_SHAPE_LOCK = 1,
  /* (2 is CCGC_SHAPE_UNPROTECTED, a testing switch: ccgc-testing.h) */
} ccgc_shape_protocol;

CCGC_API
const char *ccgc_shape_protocol_name(ccgc_shape_protocol protocol);

typedef struct ccgc_collector_options {
  bool verify;        /* run the marking verifier in every collection   */
  /* Incremental marking: a step runs for every incremental_step_bytes the
   * heaps allocate (default 256 KiB), bounded by incremental_step_ms
   * (default 1 ms); at most 8 steps in one allocation (a large object's),
   * the rest at the next allocations that report (a heap reports a page
   * at a time), none once marking is complete. */
  size_t incremental_step_bytes;
  double incremental_step_ms;
  /* Concurrent marking: helper threads that mark while the host runs, from
   * ccgc_incremental_start to the atomic pause (0: none; at most 8). */
  int marker_threads;
  ccgc_shape_protocol shape_protocol; /* default CCGC_SHAPE_SNAPSHOT */
  FILE *trace_gc;     /* V8-style trace line per collection, or NULL    */
  /* Parallel scavenging: helper threads that copy survivors beside the
   * owner thread in every minor collection (0: the owner alone; at most 8;
   * with adaptive_threads a maximum: one per 512 KiB the last scavenge
   * copied). */
  int scavenger_threads;
  bool trace_gc_verbose; /* per-heap detail lines after each trace line */
  /* With trace_gc: V8's --trace-gc-nvp key=value line instead of the
   * --trace-gc line (ccgc_format_trace_nvp). */
  bool trace_gc_nvp;
  /* Automatic incremental collection (docs/scheduling.md "Pacing"): a
   * heap's soft limit makes the next ccgc_collector_safepoint start an
   * incremental cycle (with the marker threads, if any) instead of running
   * a stop-the-world collection; allocation then drives marking steps
   * sized to finish marking before the cycle's allocation budget (half the
   * heaps' used bytes at its start, at least 8 MiB, at most half the
   * headroom to a hard limit) is spent, each about 2 ms at most; the safepoint
   * after marking completes, or after the budget is spent, runs the atomic
   * pause. ccgc_collect stays stop-the-world. */
  bool incremental_marking;
  /* Sweeping (docs/sweeping.md): the mode (default CCGC_SWEEP_ATOMIC) and,
   * for CCGC_SWEEP_CONCURRENT, the sweeper threads (0 to 8; 0 means 1). */
  ccgc_sweeping_mode sweeping;
  int sweeper_threads;
  /* The memory reducer (docs/heap-growth.md): how long after a full
   * collection the host's idle time may start a memory-reducing cycle if
   * allocation has gone quiet (under 1000 bytes per ms). 0: 8000 ms (V8's
   * delay); negative: no memory reducer; NaN or infinite: refused. */
  double memory_reducer_delay_ms;
  /* Parallel marking in the atomic pause (docs/collection.md "Parallel
   * marking in the pause"): helper threads that drain the worklists beside
   * the owner thread after the root rescan, in every atomic pause and so in
   * every stop-the-world collection (0: the owner alone; at most 8). */
  int parallel_marking_threads;
  /* Helper threads sized per cycle (docs/scheduling.md): marker_threads,
   * sweeper_threads and scavenger_threads become maxima, and each cycle's
   * concurrent marking and concurrent sweeping use as many of them as the
   * heaps' size and the mutator's allocation rate call for: one per 4 MiB
   * of heap objects to mark, one per 16 MiB of pages to sweep (a smaller
   * heap uses none), more than one only when one thread at its measured
   * speed would not finish before the mutator, at its measured rate,
   * allocates half the heaps' used bytes; each scavenge one per 512 KiB the
   * previous scavenge copied (none for the first). ccgc_cycle_stats and
   * ccgc_minor_stats say how many were used. false (default): every cycle
   * and every scavenge uses all of them. */
  bool adaptive_threads;
  /* Parallel evacuation (docs/compaction.md): helper threads that copy the
   * objects a compaction of the script heap moves beside the owner thread
   * (0: the owner alone; at most 8, as sweeper_threads). A helper joins
   * when it is first scheduled, unless the copies are done already. */
  int compaction_threads;
} ccgc_collector_options;

/* A collector owned by the calling thread. NULL if options are invalid
 * (marker_threads, scavenger_threads, parallel_marking_threads,
 * sweeper_threads or compaction_threads outside 0..8, an unknown
 * shape_protocol or sweeping mode, a negative or non-finite
 * incremental_step_ms, a non-finite memory_reducer_delay_ms), if the marker threads cannot all start,
 * or if memory is short; it then prints why to stderr, as the default error
 * handler would ("ccgc: ccgc_collector_new: ... (invalid argument;
 * .api.argument)", or "ccgc: ccgc_collector_new: the system refused memory
 * for ... (out of memory)"), since there is no collector to record it in. */
CCGC_API
ccgc_collector *ccgc_collector_new(const ccgc_collector_options *options);
/* Frees the collector. All heaps must have been freed (detached) first. */
CCGC_API
void ccgc_collector_free(ccgc_collector *collector);
/* The calling thread becomes the collector's owner: the only thread whose
 * calls are accepted from now on. A hand-over: the previous owner must have
 * made its last call before, and the host orders the two (a mutex, a
 * thread's creation or join). Not from inside a collection (a trace,
 * walk, weak or reclamation callback, a listener inside the collection:
 * CCGC_E_IN_COLLECTION), nor on a marker thread; from cycle_end, minor_end
 * and the callbacks run after a collection it is allowed, as every call
 * is there. */
CCGC_API
ccgc_status ccgc_collector_take_ownership(ccgc_collector *collector);

/* Runs one full stop-the-world collection of every attached heap. Returns
 * CCGC_E_IN_COLLECTION (recorded) if called from inside a collection or a
 * callback of the collector (a finalizer, a walk, a heap's teardown). */
CCGC_API
ccgc_status ccgc_collect(ccgc_collector *collector, ccgc_gc_reason reason);

/* --- Minor collections ---------------------------------------------------
 * A minor collection (a scavenge) collects the young generation of the heaps
 * that have one (the script heap's nursery, docs/script-heap.md) and nothing
 * else: survivors are copied, objects that survived once are promoted to the
 * old generation, every handle, traced reference, remembered slot and weak
 * reference to a moved object is updated. It may run while a full marking
 * cycle is in progress (incremental or concurrent); it never finishes that
 * cycle. A heap whose nursery is full requests one
 * (CCGC_REASON_ALLOCATION_FAILURE) and the next ccgc_collector_safepoint runs
 * it. Same contract as ccgc_collect: CCGC_E_IN_COLLECTION from inside a
 * collection or a callback. Addresses of young objects change: never keep
 * one across a collection (docs/collection.md). */
CCGC_API
ccgc_status ccgc_collect_minor(ccgc_collector *collector,
                               ccgc_gc_reason reason);
/* A heap's nursery is full: the next safepoint runs a minor collection
 * (unless a full collection was requested too). */
CCGC_API
void ccgc_collector_request_minor(ccgc_collector *collector);
/* The last minor collection's statistics (NULL before the first); the count
 * of minor collections since the collector was created. */
CCGC_API
const ccgc_minor_stats *ccgc_collector_last_minor(const ccgc_collector *c);
CCGC_API
unsigned long ccgc_collector_minor_count(const ccgc_collector *collector);
/* Formats V8's --trace-gc line of a minor collection ("Scavenge ...", the
 * totals of every heap) into buf (no newline). Every ccgc_format_* call
 * returns the length, as snprintf: size or more means buf holds the line cut
 * short; 0 (buf empty) for NULL stats or buf. */
CCGC_API
size_t ccgc_format_minor_trace_line(const ccgc_collector *collector,
                                    const ccgc_minor_stats *stats, char *buf,
                                    size_t size);
/* Formats V8's --trace-gc-nvp line of a minor collection ("pause=...
 * mutator=... gc=s ...") into buf (no newline). */
CCGC_API
size_t ccgc_format_minor_trace_nvp(const ccgc_collector *collector,
                                   const ccgc_minor_stats *stats, char *buf,
                                   size_t size);

/* --- Incremental marking ------------------------------------------------
 *   ccgc_incremental_start(c, reason);        roots marked, barrier on
 *   while (!ccgc_incremental_step(c, 1.0))    host work in between; the
 *     ... host runs ...                       heaps also step on allocation
 *   ccgc_incremental_finish(c);               the atomic pause: rescans the
 *                                             roots, drains, ephemerons, weak
 *                                             processing, reclamation
 * ccgc_collect during marking finishes the cycle. */
CCGC_API
ccgc_status ccgc_incremental_start(ccgc_collector *collector,
                                   ccgc_gc_reason reason);
/* Marks for at most budget_ms (0: one batch; NaN, < 0: misuse). True when no
 * marking work is left (finish soon); false when no cycle runs. */
CCGC_API
bool ccgc_incremental_step(ccgc_collector *collector, double budget_ms);
CCGC_API
ccgc_status ccgc_incremental_finish(ccgc_collector *collector);
/* The host is idle for idle_ms (>= 0; negative or NaN: misuse,
 * CCGC_E_INVALID_ARGUMENT). While the last cycle's sweeping runs (state
 * CCGC_STATE_SWEEPING: docs/sweeping.md) it first sweeps until the deadline
 * (sweep steps, repeated while sweeper threads hold the pages left, which a
 * single step leaves to them); unless that completes sweeping it returns false,
 * else the rest of the period goes on as follows. With no cycle in
 * progress, starts one
 * (CCGC_REASON_IDLE) if a collection was requested, else a memory-reducing
 * one (CCGC_REASON_MEMORY_REDUCER) if the memory reducer finds allocation
 * quiet since the last full collection (options.memory_reducer_delay_ms,
 * docs/heap-growth.md), else returns false.
 * Then runs one incremental step bounded by the rest of the idle period (by
 * the object budget instead when ccgc_collector_set_step_objects is set).
 * If no marking work is left, it finishes the cycle when the estimated
 * finishing pause fits in what remains of the period. The estimate is the
 * heaps' used bytes now divided by two speeds, each the average over the
 * last 10 cycles (total bytes / total ms, as V8's GCTracer): the atomic
 * pause's work up to sweeping and the sweep (finalizers and reclaim), both
 * per byte of heap at the pause's start; at most 1000 ms; halved once for
 * every earlier idle period of this cycle that found marking complete and
 * the estimate too long, so one slow pause delays finishing by about
 * log2(estimate / idle_ms) + 1 periods, never for ever: once halved below a
 * microsecond the estimate fits any period, one shorter than the step
 * itself (idle_ms 0) included (about 20 periods at most). Before any cycle has
 * finished there is no estimate: it finishes as soon as marking is done.
 * Returns true if a cycle finished (docs/collection.md "Idle time"). */
CCGC_API
bool ccgc_idle_notification(ccgc_collector *collector, double idle_ms);
CCGC_API
ccgc_gc_state ccgc_collector_state(const ccgc_collector *collector);
/* Durations (ms) of the incremental steps of the last finished cycle. */
CCGC_API
const double *ccgc_collector_last_steps(const ccgc_collector *collector,
                                        size_t *count);
/* The collector's monotonic clock, in milliseconds. */
CCGC_API
double ccgc_time_ms(void);

/* Selects the shape-change protocol for the next cycles. Only between cycles
 * (CCGC_E_IN_COLLECTION while one runs). */
CCGC_API
ccgc_status ccgc_collector_set_shape_protocol(ccgc_collector *collector,
                                              ccgc_shape_protocol protocol);
CCGC_API
ccgc_shape_protocol ccgc_collector_shape_protocol(
    const ccgc_collector *collector);
/* Replaces the marker threads (0 to 8; anything else is misuse,
 * CCGC_E_INVALID_ARGUMENT) between cycles, so one heap can be marked
 * incrementally only and then concurrently (benchmarks).
 * CCGC_E_IN_COLLECTION while a cycle runs; CCGC_E_OUT_OF_MEMORY (recorded)
 * if fewer threads could start. */
CCGC_API
ccgc_status ccgc_collector_set_marker_threads(ccgc_collector *collector,
                                              int threads);
/* Sets options.parallel_marking_threads (0 to 8; anything else is misuse,
 * CCGC_E_INVALID_ARGUMENT): the helpers of the next atomic pauses' drain
 * (benchmarks compare one thread and two). CCGC_E_IN_COLLECTION from
 * inside a collection (a pause, a callback); between an incremental
 * cycle's steps it is allowed and applies from that cycle's pause (unlike
 * ccgc_collector_set_marker_threads, refused while a cycle runs). */
CCGC_API
ccgc_status ccgc_collector_set_parallel_marking_threads(
    ccgc_collector *collector, int threads);
/* Sets options.compaction_threads (0 to 8; anything else is misuse,
 * CCGC_E_INVALID_ARGUMENT): the helpers of the next compactions' copies
 * (benchmarks compare one thread and two). CCGC_E_IN_COLLECTION from
 * inside a collection (a pause, a callback); between an incremental
 * cycle's steps it is allowed and applies from that cycle's pause. */
CCGC_API
ccgc_status ccgc_collector_set_compaction_threads(ccgc_collector *collector,
                                                  int threads);

/* --- Sweeping (docs/sweeping.md) -----------------------------------------
 *   ccgc_collector_set_sweeping(c, CCGC_SWEEP_CONCURRENT, 2);
 *   ccgc_collect(c, reason);       pause ends: state CCGC_STATE_SWEEPING
 *   while (ccgc_collector_state(c) == CCGC_STATE_SWEEPING) {
 *     ccgc_sweep_step(c, 1.0);        host work in between; heaps also
 *     ... host runs ...               sweep pages when they allocate
 *   }
 *   (or ccgc_collector_finish_sweeping(c); or let the next cycle do it)
 * A new cycle (ccgc_collect, ccgc_incremental_start, a safepoint's or an
 * idle notification's collection), heap teardown,
 * ccgc_collector_contains, ccgc_collector_verify_heap and the inspection
 * library's walks and snapshots finish sweeping first. A minor collection
 * does not: it runs beside the unswept pages and sweeping stays pending
 * (docs/sweeping.md, "Scavenges while sweeping").
 * ccgc_collector_heap_stats does not (docs/sweeping.md, "Statistics"). */
/* Selects the sweeping mode for the next cycles; threads: sweeper threads
 * for CCGC_SWEEP_CONCURRENT (0 to 8, 0 means 1; in range in every mode,
 * and used only by that one). While
 * sweeping is in progress it finishes it first. An unknown mode or threads
 * out of range: misuse (CCGC_E_INVALID_ARGUMENT, .api.argument);
 * CCGC_E_IN_COLLECTION during marking, the pause or a callback. The
 * sweeper threads start at the first concurrent sweeping; if the system
 * refuses them, the owner thread sweeps alone. */
CCGC_API
ccgc_status ccgc_collector_set_sweeping(ccgc_collector *collector,
                                        ccgc_sweeping_mode mode, int threads);
CCGC_API
ccgc_sweeping_mode ccgc_collector_sweeping(const ccgc_collector *collector);
/* Sweeps (and runs the finalizers of the swept objects) for at most
 * budget_ms (>= 0; else misuse). Returns true when no sweeping is left:
 * the state is then CCGC_STATE_IDLE. False, with nothing done, when the
 * state is not CCGC_STATE_SWEEPING or from inside a collection or callback
 * (then CCGC_E_IN_COLLECTION is recorded): a loop on its answer alone
 * (while (!ccgc_sweep_step(...))) never ends after an atomic pause, which
 * swept everything; loop on the state, as above. */
CCGC_API
bool ccgc_sweep_step(ccgc_collector *collector, double budget_ms);
/* Completes sweeping now. CCGC_OK when done or nothing was left;
 * CCGC_E_IN_COLLECTION from inside a collection or a callback. */
CCGC_API
ccgc_status ccgc_collector_finish_sweeping(ccgc_collector *collector);

/* A heap crossed its soft limit: the next safepoint collects. */
CCGC_API
void ccgc_collector_request_gc(ccgc_collector *collector, ccgc_gc_reason reason);
CCGC_API
bool ccgc_collector_gc_requested(const ccgc_collector *collector);
/* Runs a requested collection, if any. Returns true if one ran. With
 * incremental_marking (ccgc_collector_options) a requested full collection
 * starts an incremental cycle here instead, and a later safepoint runs its
 * atomic pause once marking is complete (found so by any step: an
 * allocation's, the host's ccgc_incremental_step, an idle notification's)
 * or its allocation budget is spent; true when either happened (or a minor
 * collection ran). */
/* bool ccgc_collector_safepoint(ccgc_collector *collector); - inline when
 * nothing is due (ccgc-fast.h: three loads and three compares), the
 * library's call otherwise. */
#include "ccgc-fast.h"
/* Whether ccgc_collector_safepoint would run something now (a requested
 * collection or minor collection, an incremental cycle's start or atomic
 * pause): a host may skip its own bookkeeping around a safepoint that
 * would not. False inside a collection and when the call is refused. */
CCGC_API
bool ccgc_collector_safepoint_due(const ccgc_collector *collector);

/* True inside a collection's pause or step (its callbacks). The last full
 * cycle's statistics (NULL before the first); the count of full cycles. */
CCGC_API
bool ccgc_collector_in_collection(const ccgc_collector *collector);
CCGC_API
const ccgc_cycle_stats *ccgc_collector_last_cycle(const ccgc_collector *c);
CCGC_API
unsigned long ccgc_collector_cycle_count(const ccgc_collector *collector);

/* The marking verifier on or off for the next cycles (as the option verify):
 * ccgc_collector_last_verify reports. */
CCGC_API
void ccgc_collector_set_verify(ccgc_collector *collector, bool verify);
/* Trace lines to out (NULL: none), in the shape of V8's --trace-gc: one
 * line per collection ("Mark-Compact" or "Scavenge", the totals of every
 * heap, pause / external ms, mutator utilization, V8's reason words); with
 * verbose, the per-heap split and the phases (helper-thread time) follow. */
CCGC_API
void ccgc_collector_set_trace_gc(ccgc_collector *collector, FILE *out,
                                 bool verbose);
/* V8's --trace-gc-nvp: the key=value line replaces the --trace-gc line. */
CCGC_API
void ccgc_collector_set_trace_gc_nvp(ccgc_collector *collector, bool nvp);
/* Formats V8's --trace-gc line of a cycle into buf (no newline). */
CCGC_API
size_t ccgc_format_trace_line(const ccgc_collector *collector,
                              const ccgc_cycle_stats *stats, char *buf,
                              size_t size);
/* Formats V8's --trace-gc-nvp line of a cycle ("pause=... mutator=...
 * gc=ms ...") into buf (no newline). */
CCGC_API
size_t ccgc_format_trace_nvp(const ccgc_collector *collector,
                             const ccgc_cycle_stats *stats, char *buf,
                             size_t size);

/* Errors: the last one recorded (never NULL; code CCGC_OK, an empty message
 * and check NULL before the first and after clear_error), and the misuse
 * handler, run on the refused call's thread; NULL restores the default
 * (ccgc_error_abort_handler). */
CCGC_API
const ccgc_error *ccgc_collector_last_error(const ccgc_collector *collector);
CCGC_API
void ccgc_collector_clear_error(ccgc_collector *collector);
CCGC_API
void ccgc_collector_set_error_handler(ccgc_collector *collector,
                                      ccgc_error_handler handler, void *data);

/* --- Verification --------------------------------------------------- */
typedef struct ccgc_verify_report {
  size_t reachable_objects;
  size_t errors;
  char first_error[256];
} ccgc_verify_report;

/* Checks the heap between collections: every object reachable from the roots
 * is an allocated object of a registered page (.inv.reachable-allocated) and
 * every weak slot is NULL or points to an allocated object. Returns true when
 * nothing is wrong. */
CCGC_API
bool ccgc_collector_verify_heap(ccgc_collector *collector,
                                ccgc_verify_report *report);
/* The result of the marking verifier of the last collection (run when
 * verification is on): reachable => black, no black -> white edge. */
CCGC_API
const ccgc_verify_report *ccgc_collector_last_verify(const ccgc_collector *c);

/* 1 + the highest id of an attached heap; a new heap takes the lowest free
 * id, so a freed one can leave a gap (heap_name: NULL). */
CCGC_API
int ccgc_collector_heap_count(const ccgc_collector *collector);
CCGC_API
const char *ccgc_collector_heap_name(const ccgc_collector *collector, int id);
CCGC_API
void ccgc_collector_heap_stats(ccgc_collector *collector, int heap_id,
                               ccgc_heap_stats *out);
/* Bytes of released pages the collector keeps mapped for reuse (its page
 * pool, docs/heap-growth.md): in no heap's committed_bytes, resident all
 * the same. Any thread; 0 for an invalid collector. */
CCGC_API
size_t ccgc_collector_pooled_bytes(ccgc_collector *collector);
/* Whether address is the start of a live object of any heap attached to
 * the collector: allocated and not yet reclaimed. The same rules as
 * v8ish_heap_contains and blinkish_heap_contains (safe on any pointer
 * value; outside collections only, else false with CCGC_E_IN_COLLECTION
 * recorded; owner thread; under lazy or concurrent sweeping the first query
 * after a pause completes sweeping, finalizers included - so from a DOM
 * external value's release run by the host's own weak map call, where no
 * collection runs, it answers unless sweeping is pending, then refuses).
 * ccgc_collector_object_info then says which heap (its heap_id:
 * v8ish_heap_collector_id, blinkish_heap_collector_id). */
CCGC_API
bool ccgc_collector_contains(ccgc_collector *collector, const void *address);

/* The graph walk and object information moved to the inspection library
 * (ccgc-inspect.h, tools/inspect/); included here so that programs written
 * against ccgc.h alone keep compiling. */
#include "ccgc-inspect.h"

#endif /* CCGC_H */
