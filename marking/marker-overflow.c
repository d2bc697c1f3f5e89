/* marker-overflow.c - marking goes on when its worklists cannot grow.
 *
 * A marking worklist that cannot have a new segment (malloc refused, or the
 * testing budget ccgc_collector_limit_mark_segments is spent) drops the
 * entry it was given and sets the collector's mark_overflow flag
 * (worklist.c). Every entry of a marking worklist is a grey object: marked,
 * not yet visited. So the work a drop loses is still written in the mark
 * tables, and a walk of the heaps finds it again: the owner's marker, when
 * its drain ran dry, walks every heap and pushes each grey object it meets
 * (.inv.grey-on-worklist). The walk may overflow in turn: an object that
 * finds no room is visited at once, so each walk blackens every object it
 * finds grey, and marking ends. Boehm GC
 * and V8's old marking deque recovered from mark stack overflow the same
 * way. docs/collection.md "When the mark worklist cannot grow". */
#include <stdatomic.h>

#include "collector-internal.h"
#include "ccgc-testing.h"
#include "marker.h"

typedef struct grey_walk {
  ccgc_marker *marker;
  int heap_id;
  size_t found;
} grey_walk;

/* A grey object goes on the marker's view; if that has no room either, it
 * is visited now (its targets may be dropped in turn), so every walk
 * blackens every object it finds grey and marking ends. */
static void push_if_grey(void *object, void *data) {
  grey_walk *walk = data;
  if (ccgc_color_of(object) != CCGC_GREY) return;
  walk->found++;
  if (ccgc_worklist_try_push(&walk->marker->locals[walk->heap_id], object))
    return;
  /* The drop was counted and flagged: this walk calls for the next. */
  if (ccgc_mark_grey_to_black(object))
    ccgc_marker_visit_now(walk->marker, object);
}

bool ccgc_marker_overflowed(const ccgc_marker *marker) {
  return atomic_load_explicit(&marker->collector->mark_overflow.overflowed,
                              memory_order_acquire);
}

bool ccgc_marker_recover_overflow(ccgc_marker *marker) {
  ccgc_collector *collector = marker->collector;
  /* A step inside an allocation leaves the walk (and the flag) to the next
   * step or the atomic pause: the allocating heap's newest object may not
   * be iterable yet (its class word still zero, mid-page). Meanwhile
   * ccgc_marker_has_no_work says no, so the cycle does not end. */
  if (collector->in_allocation_step) return false;
  /* Taken (cleared) before the walk, so that a drop during the walk or
   * after it calls for another one; acquire: the walk sees the marks of
   * every drop that set it (drop_entry's release, a read-modify-write, so
   * every dropper's marks are ordered before it). */
  if (!atomic_exchange_explicit(&collector->mark_overflow.overflowed, false,
                                memory_order_acq_rel))
    return false;
  /* TESTING ONLY (ccgc_collector_break_mark_overflow): the dropped grey
   * objects are never visited, so what only they reach is freed. */
  if (collector->break_mark_overflow) return false;
  marker->overflow_walks++;
  size_t found = 0;
  for (int id = 0; id < collector->heap_count; id++) {
    ccgc_heap_slot *slot = &collector->heaps[id];
    if (!slot->heap) continue;
    grey_walk walk = {marker, id, 0};
    /* The heap's own walk, not the collector's: no host code runs, and the
     * heaps are swept before marking starts. */
    slot->ops->for_each_object(slot->heap, push_if_grey, &walk);
    found += walk.found;
  }
  return found > 0;
}

void ccgc_collector_limit_mark_segments(ccgc_collector *collector,
                                        size_t segments) {
  if (!ccgc_collector_enter(collector, "ccgc_collector_limit_mark_segments"))
    return;
  /* Read by every thread that allocates a segment: any time. */
  atomic_store_explicit(&collector->mark_overflow.limit, segments,
                        memory_order_relaxed);
}

void ccgc_collector_break_mark_overflow(ccgc_collector *collector,
                                        bool broken) {
  if (!ccgc_collector_enter(collector, "ccgc_collector_break_mark_overflow"))
    return;
  if (ccgc_collector_refuse_busy(collector,
                                 "ccgc_collector_break_mark_overflow"))
    return;
  collector->break_mark_overflow = broken;
}
