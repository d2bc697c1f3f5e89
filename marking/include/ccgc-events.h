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
 * Order within one cycle (stop-the-world, or incremental across many host
 * calls): cycle_start -> marking_done -> cycle_end. Listeners run in the
 * order they were added. Every callback is optional (NULL: not called).
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
  /* ccgc_collector_free is freeing the collector: release data. */
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
} ccgc_event_listener;

/* Inside a minor_done listener: the new address of the object that started
 * at address before the minor collection, address itself if it did not
 * move (an old object, an object of a heap without a young generation, a
 * young large object promoted in place), or NULL if it died in this minor
 * collection. Outside minor_done, address itself. */
CCGC_API
void *ccgc_collector_relocated(ccgc_collector *collector, const void *address);

/* Adds a listener; the same (listener, data) pair may be added once.
 * CCGC_E_IN_COLLECTION inside a collection, CCGC_E_INVALID_ARGUMENT for a
 * NULL listener or a pair already added, CCGC_E_OUT_OF_MEMORY. */
CCGC_API
ccgc_status ccgc_collector_add_listener(ccgc_collector *collector,
                                        const ccgc_event_listener *listener,
                                        void *data);
/* Removes a pair added before; false if it was not there. Not from inside a
 * callback of the same collector. */
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
