/* write-barrier.h - the one write barrier both heaps share: its state, its
 * inline fast path, and the mutator's half of the shape-change protocol.
 * Internal to the library (heaps include it through ccgc-heap.h); the slow
 * paths are in write-barrier.c. docs/write-barrier.md tells the whole story.
 *
 * Legal call order, for a heap:
 *
 *   ccgc_barrier *b = ccgc_collector_barrier(collector);   once, cached
 *   ccgc_barrier_on_allocate(b, object);        every new object, before use
 *   *slot = value;                              then, for every reference
 *   ccgc_write_barrier(b, holder, slot, target);  store (holder NULL: a root)
 *
 *   locked = ccgc_barrier_before_unsafe_change(b, object);  an in-place
 *   ... change the layout ...                               layout change
 *   ccgc_barrier_after_unsafe_change(b, object, locked);
 *
 * The barrier takes (holder, slot, value) as whippet's gc_write_barrier and
 * cppgc's WriteBarrier do: the Dijkstra insertion barrier
 * (.inv.no-black-to-white) needs only the value; the generational job (old
 * holder, young value) and compaction's slot recording (a value on an
 * evacuation candidate) need the other two.
 */
#ifndef CCGC_WRITE_BARRIER_H
#define CCGC_WRITE_BARRIER_H

#include <stdatomic.h>
#include <stdbool.h>

#include "ccgc-page.h"
#include "ccgc.h"
#include "invariant-check.h"
#include "remembered-set.h"

typedef struct ccgc_barrier {
  /* Nonzero while a marking cycle runs: the only word the fast path reads. */
  _Atomic int marking;
  ccgc_collector *collector;
  bool disabled; /* TESTING ONLY: ccgc_testing_disable_barrier */
  /* ccgc_shape_protocol; changed only between cycles, read by markers. */
  _Atomic int shape_protocol;
  /* TESTING ONLY: ccgc_testing_set_snapshot_hook. Set and cleared while
   * markers run: accessed with __atomic builtins (data before the hook). */
  void (*snapshot_hook)(void *object, void *data);
  void *snapshot_hook_data;
  /* TESTING ONLY (ccgc-testing.h): minor collections ignore the remembered
   * set / the traced roots. Read by the heaps' scavengers. */
  bool no_remembered_set;
  bool no_traced_roots;
  /* TESTING ONLY (ccgc-testing.h): parallel scavenges forward with a plain
   * store, not a compare-and-swap (breaks .inv.forwarding-cas). */
  bool plain_forwarding;
  /* TESTING ONLY (ccgc-testing.h): compaction leaves the fields of objects
   * that did not move unchanged (breaks .inv.compaction-updates-all). */
  bool no_compaction_updates;
  /* TESTING ONLY (ccgc-testing.h): no old-to-old slot is recorded, by the
   * barrier, the marker or a scavenge (breaks
   * .inv.compaction-slots-recorded). */
  bool no_slot_recording;
  /* TESTING ONLY (ccgc-testing.h): a scavenge forgets the remembered slots
   * of the objects pretenured since the last one. */
  bool break_pretenuring;
  /* TESTING ONLY (ccgc_collector_break_fast_promotion): a fast promotion
   * drops the young pages' objects. */
  bool break_fast_promotion;
  /* TESTING ONLY (ccgc-testing.h): sweeper threads run the concurrent
   * finalizers of live objects too (breaks .inv.concurrent-finalizers). */
  bool break_concurrent_finalizers;
  /* TESTING ONLY (ccgc-testing.h): the marker ignores the heaps' layout
   * descriptors (every object through its trace_object), or uses them but
   * drops words of each (breaks .inv.layout-complete).
   * Read by the marker at the start of each call. */
  bool no_layouts;
  bool break_layouts;
} ccgc_barrier;

ccgc_barrier *ccgc_collector_barrier(ccgc_collector *collector);

/* Marking on or off: the barrier's word and CCGC_PAGE_MARKING on every page
 * of the collector (.inv.marking-flag-on-every-page). Only with no other
 * thread running (the pauses that start and end a marking cycle). */
void ccgc_collector_set_marking(ccgc_collector *collector, bool on);

/* The slow path: marking is on and value is an object (write-barrier.c).
 * The inline barrier calls it with the barrier its value's page names. */
void ccgc_write_barrier_slow(ccgc_barrier *barrier, void *holder, void *slot,
                             void *value);

static inline bool ccgc_barrier_marking(ccgc_barrier *barrier) {
  return atomic_load_explicit(&barrier->marking, memory_order_relaxed) != 0;
}

/* The marking job alone (Dijkstra): for slots a minor collection finds
 * without the remembered set (the weak tables a heap lists itself). */
static inline void ccgc_marking_barrier(ccgc_barrier *barrier, void *holder,
                                        void *slot, void *value) {
  /* Why a relaxed load is enough: the collector turns marking on before it
   * reads any root, with the world stopped (cycle.c); a store that raced
   * with that point is caught by the rescan in the atomic pause. */
  if (__builtin_expect(ccgc_barrier_marking(barrier), 0) && value)
    ccgc_write_barrier_slow(barrier, holder, slot, value);
}

/* After every store of a reference into a slot: holder is the object that
 * contains slot (NULL for a root: a handle, a persistent), value the address
 * of the object now stored (NULL needs no call but is harmless; any other
 * value is an object of a heap of the collector whose barrier this is).
 * Three jobs:
 *   generational: an old holder now points at a young value: the slot goes
 *     into the holder page's remembered set (.inv.old-to-young-recorded).
 *     Roots are not recorded: minor collections scan them.
 *   marking: while a cycle marks, the value is shaded (.inv.no-black-to-white).
 *   slot recording (in the slow path, while marking): a value on an
 *     evacuation candidate stored into an old holder of the same heap that
 *     is not a candidate itself: the slot goes into the holder page's
 *     old-to-old set (.inv.compaction-slots-recorded).
 * Marking off and value old: a test of value, one load (the value's page
 * flags: every page carries CCGC_PAGE_MARKING while a cycle marks,
 * .inv.marking-flag-on-every-page) and one predictable branch; the rest is
 * out of line (docs/write-barrier.md "The fast path"). The fast path reads
 * nothing else, not even barrier: the slow path takes the barrier from the
 * value's page, so a caller that keeps barrier in memory its stores may
 * alias does not reload it after every store. */
static inline void ccgc_write_barrier(ccgc_barrier *barrier, void *holder,
                                      void *slot, void *value) {
  (void)barrier;
  if (__builtin_expect(value == NULL, 0)) return;
  const ccgc_page *page = ccgc_page_of(value);
  unsigned flags = page->flags;
  if (__builtin_expect((flags & (CCGC_PAGE_YOUNG | CCGC_PAGE_MARKING)) != 0,
                       0)) {
    if ((flags & CCGC_PAGE_YOUNG) && holder &&
        !ccgc_page_is_young(ccgc_page_of(holder)))
      ccgc_slot_set_record(ccgc_page_of(holder), slot);
    if (flags & CCGC_PAGE_MARKING)
      ccgc_write_barrier_slow(page->barrier, holder, slot, value);
  }
}

/* Every new object: black while marking runs (.inv.allocate-black). Else
 * its mark is white already and is not written: a free cell's mark is
 * white (its last object died unmarked, or a prepare or a sweeper thread
 * cleared it since), and a sweeper thread may be clearing the page's marks
 * meanwhile (docs/sweeping.md "Clearing the marks"). */
static inline void ccgc_barrier_on_allocate(ccgc_barrier *barrier,
                                            void *object) {
  if (ccgc_barrier_marking(barrier)) {
    ccgc_mark_set(object, CCGC_BLACK);
    return;
  }
#if CCGC_DEBUG_ENABLED && !defined(__SANITIZE_THREAD__)
  CCGC_CHECK(ccgc_color_of(object) == CCGC_WHITE, ".inv.allocate-black");
#endif
}

/* A heap that fills a new object with *weak* or ephemeron references (a grown
 * weak table) calls this before it publishes the object. Allocated while
 * marking runs, the object is black (.inv.allocate-black), so the marker would
 * never trace it, and copying entries into it through the barrier would shade
 * every key and value as if they were strong (a dead key's entry resurrected
 * for a cycle). Instead the object turns white again: the barrier on the store
 * that publishes it greys it, and the marker traces it with its entries' weak
 * semantics (.inv.unpublished-white). Only for an object nothing can reach
 * yet, so no marker can have seen its color. */
static inline void ccgc_barrier_unmark_unpublished(ccgc_barrier *barrier,
                                                   void *object) {
  if (ccgc_barrier_marking(barrier)) ccgc_mark_set(object, CCGC_WHITE);
}

/* --- Shape changes (docs/shape-changes.md, docs/concurrent-marking.md) --- */

static inline ccgc_shape_protocol ccgc_barrier_shape_protocol(
    ccgc_barrier *barrier) {
  return (ccgc_shape_protocol)atomic_load_explicit(&barrier->shape_protocol,
                                                   memory_order_relaxed);
}

/* A heap calls this right before changing an object's layout in place, and
 * ccgc_barrier_after_unsafe_change with its result right after the last word
 * of the change. No-op while marking is off (one load, one branch).
 *   CCGC_SHAPE_SNAPSHOT: if the object is white or grey, the caller makes it
 *     black and visits it with the marker first, so no marker ever follows a
 *     snapshot of its old layout (.inv.snapshot-before-cas).
 *   CCGC_SHAPE_LOCK: takes the object's lock (object-locks.h), which markers
 *     hold while they visit it (.inv.lock-visit); returns true.
 *   CCGC_SHAPE_UNPROTECTED: nothing (testing only).
 * Between the two calls the caller may store (barriered) but must not
 * allocate, collect or pause markers (.inv.object-lock-leaf). */
bool ccgc_barrier_before_unsafe_change(ccgc_barrier *barrier, void *object);
void ccgc_barrier_after_unsafe_change(ccgc_barrier *barrier, void *object,
                                      bool locked);
/* The mutator half of snapshotting alone: white -> grey -> black and visit
 * now, if this caller wins. For a change that moves the object's start
 * (left-trimming) under CCGC_SHAPE_LOCK too: the markers' worklists name the
 * old start, so the object is finished before it moves. No-op while marking
 * is off or under CCGC_SHAPE_UNPROTECTED. */
void ccgc_barrier_visit_before_move(ccgc_barrier *barrier, void *object);

/* The heap's snapshot point (ccgc_testing_set_snapshot_hook): a heap with
 * visit_concurrent calls it on a marker thread after it read the object's
 * layout and before it reads the fields that layout describes and before its
 * grey->black CAS. One load and a predictable branch when no hook is set. */
static inline void ccgc_barrier_snapshot_point(ccgc_barrier *barrier,
                                               void *object) {
  void (*hook)(void *, void *) =
      __atomic_load_n(&barrier->snapshot_hook, __ATOMIC_ACQUIRE);
  if (__builtin_expect(hook != NULL, 0))
    hook(object, __atomic_load_n(&barrier->snapshot_hook_data,
                                 __ATOMIC_RELAXED));
}

#endif /* CCGC_WRITE_BARRIER_H */
