/* ccgc-events.h - listeners to the phases of every collection cycle.
 *
 * The collector calls its listeners at fixed points of a cycle and knows
 * nothing else of them: the inspection library (leak probes) is one, a host
 * that wants GC start/end notifications or its own statistics is another.
 * Modelled on whippet's gc-event-listener.h.
 *
 *   static const ccgc_event_listener mine = {
 *       .cycle_start = on_start, .cycle_end = on_end};
 *   ccgc_collector_add_listener(c, &mine, my_data);
 *   ... collections call on_start(my_data, ...) and on_end(my_data, ...) ...
 *   ccgc_collector_remove_listener(c, &mine, my_data);   (or let
 *                                        ccgc_collector_free call collector_freed)
 *
 * Order within one full cycle (guaranteed; tests/marking/test-cycle-
 * events.c):
 *
 *   cycle_start                        ccgc_collect / ccgc_incremental_start /
 *                                      an idle notification starts a cycle
 *   ( incremental_step_start           each marking step, incremental
 *     incremental_step_end )*          cycles only (none stop-the-world)
 *   atomic_pause_start                 the final pause (V8's GC prologue)
 *     objects_moved                    a heap compacted (the script
 *                                      heap's objects, the DOM heap's
 *                                      backings: docs/compaction.md); not
 *                                      in a cycle that moves nothing
 *     marking_done                     liveness final, weak refs cleared
 *     sweep_start                      reclamation: pre-finalizers,
 *     sweep_end                        finalizers, freeing
 *   atomic_pause_end                   the pause is over (V8's GC epilogue)
 *   cycle_end                          after the heaps' after-collection work
 *
 * With CCGC_SWEEP_LAZY or _CONCURRENT (docs/sweeping.md) and a heap that
 * sweeps after the pause, sweep_end moves out of the pause: it comes when
 * sweeping completes (a sweep step, idle time,
 * ccgc_collector_finish_sweeping, or the start of the next cycle), so
 *
 *   ... sweep_start, atomic_pause_end, cycle_end, ..., sweep_end
 *
 * with ccgc_collector_state CCGC_STATE_SWEEPING at sweep_end, and before the
 * next cycle_start. Minor collections do not finish sweeping: they run
 * beside the pages left to sweep (docs/sweeping.md), so minor_start,
 * minor_done and minor_end may come between cycle_end and sweep_end.
 *
 * A minor collection (minor_start -> minor_done -> minor_end) may come
 * between two steps of an incremental cycle (between cycle_start and
 * atomic_pause_start, never inside a step or the pause), or between cycles.
 * object_moved (a left trim) comes from the host's own call, outside this
 * order. A cycle abandoned by ccgc_collector_free (marking in progress)
 * gets no more events after its last step; collector_freed follows. Listeners run
 * in the order they were added (collector_freed: the reverse, last added
 * first), each event to every listener before the next event. A listener
 * added from cycle_end or minor_end hears the next event on, not this one;
 * one removed there is not called after its removal, and every other
 * listener still hears the event. (A collection run from cycle_end or
 * minor_end announces its own events there, before the remaining
 * listeners' cycle_end or minor_end of the outer one.) Every callback is
 * optional (NULL: not called).
 *
 * What a callback may do. Every event but cycle_end, minor_end and
 * collector_freed is *inside the collection*: it may read the heaps
 * (liveness, types, handle scopes) and nothing else - allocation, stores,
 * persistents and registrations are refused as misuse (CCGC_E_IN_COLLECTION,
 * .api.no-heap-calls-in-callbacks), and so is removing a listener
 * (.api.outside-collection); collecting and
 * adding a listener return CCGC_E_IN_COLLECTION (recorded, no handler call).
 * cycle_end and minor_end are
 * outside it: anything goes (allocate, store, even collect) but freeing a
 * heap or the collector, which the collector still uses when the callback
 * returns: ccgc_collector_free, v8ish_heap_free and blinkish_heap_free
 * refuse there (misuse CCGC_E_IN_COLLECTION, .api.outside-collection).
 *
 * Threading contract: every callback runs on the collector's owner thread
 * (never on a marker or scavenger thread); the functions below are owner-
 * thread calls (else CCGC_E_WRONG_THREAD, .api.mutator-thread).
 *
 * ABI: members are only ever added at the end of ccgc_event_listener, and a
 * member left zero (NULL) is not called, so a listener written against an
 * older header (with designated initializers) keeps its meaning.
 */
#ifndef CCGC_EVENTS_H
#define CCGC_EVENTS_H

#include <stdbool.h>

#include "ccgc-export.h"
#include "ccgc.h"

typedef struct ccgc_event_listener {
  /* A cycle starts (ccgc_collect, ccgc_incremental_start, an idle or
   * requested collection), before any root is marked. Inside the collection:
   * must not allocate in, store into or collect either heap. */
  void (*cycle_start)(void *data, ccgc_gc_reason reason, bool incremental);
  /* Marking is complete and weak references are cleared: from here until
   * the heaps reclaim, an object is alive exactly if it is marked, and dead
   * objects are still intact. Inside the atomic pause, so the same rules as
   * cycle_start apply. */
  void (*marking_done)(void *data);
  /* The cycle is over: memory is reclaimed, the heaps' own after-collection
   * callbacks (FinalizationRegistry, weak callbacks) have run, stats is the
   * cycle's final record (ccgc_collector_last_cycle). Outside the
   * collection: may allocate and store. */
  void (*cycle_end)(void *data, const ccgc_cycle_stats *stats);
  /* ccgc_collector_free is freeing the collector: release data. The
   * collector is already invalid here: a call on it is refused as on a
   * freed collector (the call's neutral value, CCGC_E_INVALID_ARGUMENT
   * where it returns a status; nothing is reported). */
  void (*collector_freed)(void *data);

  /* Minor collections (ccgc_collect_minor). They may come between the
   * cycle_start and the cycle_end of a full cycle that marks
   * incrementally. minor_start: before anything moves; same rules as
   * cycle_start. */
  void (*minor_start)(void *data, ccgc_gc_reason reason);
  /* Every survivor is copied and every reference updated, and the old
   * copies are still readable: ccgc_collector_relocated says where each
   * object that was young went (or that it died). Inside the collection:
   * read only. */
  void (*minor_done)(void *data);
  /* The minor collection is over (weak callbacks ran); stats is its record
   * (ccgc_collector_last_minor). Outside the collection. */
  void (*minor_end)(void *data, const ccgc_minor_stats *stats);

  /* An incremental marking step begins: ccgc_incremental_step, the step of
   * an idle notification, or one the heaps run while allocating (then
   * inside a blinkish_alloc or a v8ish allocation). Inside the collection:
   * read only. */
  void (*incremental_step_start)(void *data);
  /* The step is over after step_ms of marking; marking_complete: no
   * marking work is left, the host should finish the cycle
   * (ccgc_incremental_finish) soon. Read only. */
  void (*incremental_step_end)(void *data, double step_ms,
                               bool marking_complete);
  /* The atomic pause begins (V8's GC prologue): at once after cycle_start
   * for ccgc_collect, or when ccgc_incremental_finish, ccgc_collect during
   * marking or an idle notification finishes the cycle. Marker threads are
   * still running; nothing is final. ccgc_collector_state says
   * CCGC_STATE_ATOMIC_PAUSE. Read only. */
  void (*atomic_pause_start)(void *data);
  /* Reclamation begins: liveness is final (as at marking_done) and every
   * dead object of both heaps is still intact; next come the pre-
   * finalizers, the finalizers and the freeing. ccgc_collector_state says
   * CCGC_STATE_SWEEPING. Read only. */
  void (*sweep_start)(void *data);
  /* Reclamation is over: the dead objects' memory is freed (their
   * addresses are no objects any more) and the heaps' statistics are the
   * survivors'. In the pause, or (lazy sweeping) when sweeping completes,
   * after the cycle's atomic_pause_end and cycle_end. Read only. */
  void (*sweep_end)(void *data);
  /* The atomic pause ends (V8's GC epilogue); stats is this cycle's record,
   * complete (the pause in total_ms, the heaps after), the same values
   * ccgc_collector_last_cycle returns from cycle_end on. Still inside the
   * collection: read only. The heaps' after-collection work (Finalization-
   * Registry and weak global callbacks) runs next, then cycle_end. */
  void (*atomic_pause_end)(void *data, const ccgc_cycle_stats *stats);

  /* A full collection moved old objects (the script heap's compaction, the
   * DOM heap's backing stores: docs/compaction.md): in the atomic pause,
   * before marking_done, once per heap that moved objects, after every
   * reference to them was updated and before the pages they left are
   * released. ccgc_collector_relocated says where each object of that
   * heap's evacuated pages went (NULL: it died in this cycle, its page is
   * released); the old copies are still mapped, but a script object's
   * first word is a forwarding word: read the new copy. Inside the
   * collection: read only. */
  void (*objects_moved)(void *data);

  /* One object's start moved outside any collection: v8ish_array_left_trim
   * moved an array's start from `from` to `to` (V8's left trimming; the
   * heap's handles, globals and traced references follow it, and so do
   * the inspection library's probes and snapshot ids). Not in a collection:
   * at any time the host trims, between or during the events above. Inside
   * the trimming call: read only, as inside a collection. */
  void (*object_moved)(void *data, const void *from, void *to);

  /* A heap of the collector is being freed (v8ish_heap_free,
   * blinkish_heap_free): every object of it is dead - its DOM objects'
   * finalizers have run - and its pages are still mapped; they are
   * released, and their addresses free for other heaps, once this returns.
   * The inspection library's probes on its objects are collected then, and
   * snapshot ids forget them. Inside the freeing call: read only, as inside
   * a collection. */
  void (*heap_freed)(void *data, int heap_id);
} ccgc_event_listener;

/* Inside a minor_done listener: the new address of the object that started
 * at address before the minor collection, address itself if it did not
 * move (an old object, an object of a heap without a young generation, a
 * young large object promoted in place), or NULL if it died in this minor
 * collection. Inside an objects_moved listener: the new address of an
 * object of the compacted heap's evacuated pages, NULL for a dead object of
 * those pages, address itself for any other address. Elsewhere, address
 * itself. */
CCGC_API
void *ccgc_collector_relocated(ccgc_collector *collector, const void *address);

/* Adds a listener; the same (listener, data) pair may be added once.
 * CCGC_OK; CCGC_E_IN_COLLECTION inside a collection (recorded: the host
 * reads it with ccgc_collector_last_error). A NULL listener or a pair added
 * already is misuse (CCGC_E_INVALID_ARGUMENT, .api.argument: the error
 * handler runs, by default it aborts; if it returns, so is that status). */
CCGC_API
ccgc_status ccgc_collector_add_listener(ccgc_collector *collector,
                                        const ccgc_event_listener *listener,
                                        void *data);
/* Removes a pair added before; false if it was not there. Inside a
 * collection (a callback of the same collector) it is misuse
 * (CCGC_E_IN_COLLECTION, .api.outside-collection) and removes nothing; from
 * cycle_end, minor_end and an external value's release run from the host's
 * own weak map call (no collection runs there) it is allowed, as adding. */
CCGC_API
bool ccgc_collector_remove_listener(ccgc_collector *collector,
                                    const ccgc_event_listener *listener,
                                    void *data);
/* The data of the first pair added with this listener, or NULL: how a
 * library that adds one listener per collector finds its own state. */
CCGC_API
void *ccgc_collector_listener_data(const ccgc_collector *collector,
                                   const ccgc_event_listener *listener);

#endif /* CCGC_EVENTS_H */
