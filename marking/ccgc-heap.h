/* ccgc-heap.h - the heap interface: what a heap (a "policy": v8ish, blinkish)
 * gives the collector, and what the collector gives a heap. Internal to the
 * library; hosts use ccgc.h and the heaps' own public headers.
 *
 * Call order of one full collection (docs/collection.md):
 *
 *   for each heap: prepare          clear mark tables, seal allocation areas
 *   for each heap: trace_roots      roots into the marker's visitor
 *   drain: for each grey object     trace_object of the heap that owns it
 *   ephemeron fixed point           (drain again after each round)
 *   clear recorded weak slots whose target is white
 *   for each heap: process_weakness clear the heap's own weak references
 *   [verifier, when enabled]
 *   for each heap: pre_reclaim      pre-finalizers (dead neighbours readable)
 *   for each heap: reclaim          sweep / compact, run finalizers
 *   for each heap: after_collection callbacks that must run outside the GC
 *
 * No heap is called re-entrantly, and no heap may allocate from its own
 * callbacks except after_collection.
 */
#ifndef CCGC_HEAP_H
#define CCGC_HEAP_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

#include "ccgc.h"
#include "ccgc-page.h"
#include "ccgc-visitor.h"

typedef struct ccgc_heap_ops {
  const char *name; /* "script" / "dom": used in trace lines and tools */

  void (*prepare)(void *heap);
  void (*trace_roots)(void *heap, ccgc_visitor *visitor);
  /* Reports every outgoing reference of one live object of this heap. Must
   * not allocate, must not recurse into other objects. */
  void (*trace_object)(void *heap, void *object, ccgc_visitor *visitor);
  /* Optional: visits a grey object on a concurrent marker thread while the
   * mutator runs. The heap reads what it needs into a snapshot first, then
   * must itself win ccgc_mark_grey_to_black(object) before it reports the
   * snapshot's references; if it loses, it reports nothing
   * (.inv.snapshot-before-cas). Returns whether it won. Without this op a
   * marker thread does the CAS and calls trace_object, which must then be safe
   * against concurrent mutation of the object. */
  bool (*visit_concurrent)(void *heap, void *object, ccgc_visitor *visitor);
  /* After marking: clear weak references to dead objects (liveness:
   * ccgc_is_marked). Optional. */
  void (*process_weakness)(void *heap);
  void (*pre_reclaim)(void *heap);      /* optional */
  void (*reclaim)(void *heap);          /* required */
  void (*after_collection)(void *heap); /* optional */

  /* Introspection for the verifier, stats and tools. */
  size_t (*object_size)(void *heap, const void *object);
  const char *(*type_name)(void *heap, const void *object);
  /* Calls fn for every allocated (not free) object of the heap. */
  void (*for_each_object)(void *heap, void (*fn)(void *object, void *data),
                          void *data);
  void (*stats)(void *heap, ccgc_heap_stats *out);
} ccgc_heap_ops;

/* Attaches a heap to the collector; returns its heap id (stored in each of its
 * pages) or -1 with an error recorded if the collector is full. */
int ccgc_collector_attach_heap(ccgc_collector *collector,
                               const ccgc_heap_ops *ops, void *heap);
void ccgc_collector_detach_heap(ccgc_collector *collector, int heap_id);

/* Page registry: every page of every heap is registered while it lives, so an
 * arbitrary pointer can be validated (.inv.registered-pages). Lookups are two
 * loads from a radix table, lock-free; registration takes a lock. */
ccgc_status ccgc_collector_register_page(ccgc_collector *collector,
                                         ccgc_page *page);
void ccgc_collector_unregister_page(ccgc_collector *collector, ccgc_page *page);
/* The live page that contains address as an object start, or NULL. Safe on
 * any pointer value. */
ccgc_page *ccgc_collector_find_page(const ccgc_collector *collector,
                                    const void *address);

ccgc_error_sink *ccgc_collector_error_sink(ccgc_collector *collector);

/* Maps, initializes and registers a page for a heap: `reservation` bytes
 * (a multiple of CCGC_PAGE_SIZE for large pages), the ccgc_page prefix filled
 * in, the mark table at `marks_offset` bytes from the page start (normal
 * pages) or the prefix's large_mark byte (large pages). Returns NULL if the OS
 * refuses memory or the registry cannot grow. */
ccgc_page *ccgc_page_create(ccgc_collector *collector, int heap_id,
                            void *owner, size_t reservation, bool large,
                            size_t marks_offset);
/* Unregisters the page, wipes its signature and returns it to the OS. */
void ccgc_page_destroy(ccgc_collector *collector, ccgc_page *page);
/* Clears a page's mark table for a new cycle. */
void ccgc_page_clear_marks(ccgc_page *page);

/* Heaps call this from their allocation slow path (not the inline fast path)
 * with the bytes handed out since the last call: while incremental marking
 * runs, enough allocation triggers a marking step. Marking steps never free
 * anything, so this is safe inside an allocation (.inv.no-gc-in-allocation). */
void ccgc_collector_notify_allocation(ccgc_collector *collector, size_t bytes);


/* --- The write barrier -------------------------------------------------
 * One Dijkstra insertion barrier for both heaps (.inv.no-black-to-white).
 * Each heap caches the collector's barrier pointer and calls
 * ccgc_barrier_write(barrier, target) after every store of a reference to
 * target (an object address). Fast path with marking off: one load, one
 * branch. */
typedef struct ccgc_barrier {
  _Atomic int marking; /* nonzero while a marking cycle runs */
  ccgc_collector *collector;
  bool disabled;       /* testing only: ccgc_collector_disable_barrier */
  /* ccgc_shape_protocol; changed only between cycles, read by markers. */
  _Atomic int shape_protocol;
  /* TESTING ONLY: ccgc_collector_set_snapshot_hook. Set and cleared while
   * markers run: accessed with __atomic builtins (data before the hook). */
  void (*snapshot_hook)(void *object, void *data);
  void *snapshot_hook_data;
} ccgc_barrier;

ccgc_barrier *ccgc_collector_barrier(ccgc_collector *collector);
void ccgc_barrier_slow(ccgc_barrier *barrier, void *target);

static inline void ccgc_barrier_write(ccgc_barrier *barrier, void *target) {
  if (__builtin_expect(
          atomic_load_explicit(&barrier->marking, memory_order_relaxed) != 0,
          0) &&
      target)
    ccgc_barrier_slow(barrier, target);
}

/* Heaps call this for every new object: black while marking runs
 * (.inv.allocate-black), white otherwise. */
static inline void ccgc_barrier_on_allocate(ccgc_barrier *barrier,
                                            void *object) {
  ccgc_mark_set(object,
                atomic_load_explicit(&barrier->marking, memory_order_relaxed)
                    ? CCGC_BLACK
                    : CCGC_WHITE);
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
  if (atomic_load_explicit(&barrier->marking, memory_order_relaxed))
    ccgc_mark_set(object, CCGC_WHITE);
}

static inline bool ccgc_barrier_marking(ccgc_barrier *barrier) {
  return atomic_load_explicit(&barrier->marking, memory_order_relaxed) != 0;
}

/* A safepoint for heap operations that need the heap still while concurrent
 * markers may run (releasing pages, heap teardown): pause returns once every
 * marker thread has parked; resume lets them go on. Nestable calls are not
 * supported; no-ops without marker threads. */
void ccgc_collector_pause_markers(ccgc_collector *collector);
/* True on a concurrent marker thread (where the mutator may be running and
 * the collector's own state must not be read). */
bool ccgc_on_marker_thread(void);
void ccgc_collector_resume_markers(ccgc_collector *collector);

/* TESTING ONLY: called on a marker thread at a heap's snapshot point, to
 * force interleavings. A heap with visit_concurrent calls it (through
 * ccgc_barrier_snapshot_point) after it read the object's layout (its class)
 * and before it reads the fields that layout describes and before its
 * grey->black CAS; for other heaps the marker calls it before its CAS.
 * Under CCGC_SHAPE_LOCK the hook runs with the object's lock held. */
void ccgc_collector_set_snapshot_hook(ccgc_collector *collector,
                                      void (*hook)(void *object, void *data),
                                      void *data);

/* The heap's snapshot point (see ccgc_collector_set_snapshot_hook): one load
 * and a predictable branch when no hook is set. */
static inline void ccgc_barrier_snapshot_point(ccgc_barrier *barrier,
                                               void *object) {
  void (*hook)(void *, void *) =
      __atomic_load_n(&barrier->snapshot_hook, __ATOMIC_ACQUIRE);
  if (__builtin_expect(hook != NULL, 0))
    hook(object, __atomic_load_n(&barrier->snapshot_hook_data,
                                 __ATOMIC_RELAXED));
}

static inline ccgc_shape_protocol ccgc_barrier_shape_protocol(
    ccgc_barrier *barrier) {
  return (ccgc_shape_protocol)atomic_load_explicit(&barrier->shape_protocol,
                                                   memory_order_relaxed);
}

/* The unsafe-shape-change protocol (docs/shape-changes.md): a heap calls this
 * right before changing an object's layout in place, and
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

#endif /* CCGC_HEAP_H */
