/* space-inl.h - the script heap's allocation fast path: bump a pointer
 * through the linear allocation area (LAB). Everything else - refilling the
 * LAB from the free lists or a new page, large objects, limits, size
 * overflow, the collector's allocation accounting - is v8ish_allocate_slow
 * (space.c), which takes a nursery page (nursery.c) or old space.
 *
 * Objects are 8-byte aligned and at least 16 bytes, so no two objects start
 * in the same mark granule (.inv.one-mark-per-object). A new object is zeroed
 * (its class word is 0 until the caller stores one: nothing can reach it
 * before) and colored by ccgc_barrier_on_allocate: black while marking runs
 * (.inv.allocate-black), so no marker ever visits it uninitialized.
 */
#ifndef V8ISH_SPACE_INL_H
#define V8ISH_SPACE_INL_H

#include <string.h>

#include "heap-internal.h"
#include "pretenuring.h"

/* Bookkeeping shared by both paths. */
static inline word_t *v8ish_allocated(v8ish_heap *heap, word_t *object,
                                      size_t bytes) {
  heap->base.space.used_bytes += bytes;
  heap->base.space.object_count++;
  /* .inv.allocate-black. White otherwise, without a store (a sweeper
   * thread may be clearing the page's marks): a fresh or recycled nursery
   * page's mark table is clear, and an old block's granule was a dead
   * object's or a filler's, white since the sweep. */
  if (__builtin_expect(ccgc_barrier_marking(heap->base.barrier), 0))
    ccgc_mark_set(object, CCGC_BLACK);
  return object;
}

/* Allocates bytes (rounded up to 8, at least 16) for the API call `call`
 * (named in errors). Returns zeroed memory, or NULL with CCGC_E_HEAP_LIMIT,
 * CCGC_E_SIZE_OVERFLOW or CCGC_E_OUT_OF_MEMORY recorded and the heap
 * unchanged; NULL too, as misuse, on another thread or in a collector
 * callback (gate.h). Never collects (.inv.no-gc-in-allocation).
 *
 * The fast path bumps the linear allocation area: a nursery page while the
 * young generation is on (docs/script-heap.md), else old space. A nursery
 * page is not zeroed when it is taken: each object is, here, the bytes the
 * caller is about to write anyway (.inv.lab-zeroed). */
/* The fast path alone: a bump of the mutator's area, or NULL when the gate
 * is closed (only the owner thread outside every collector callback
 * allocates, gate.h), the area is full or the object is large. */
static inline word_t *v8ish_allocate_fast(v8ish_heap *heap, size_t bytes) {
  size_t size = bytes < 16 ? 16 : (bytes + 7) & ~(size_t)7;
  uint8_t *cursor = heap->fast.lab.cursor;
  if (__builtin_expect(ccgc_gate_open(heap->base.gate) &&
                           (size_t)(heap->fast.lab.limit - cursor) >= size &&
                           bytes < V8ISH_LARGE_THRESHOLD,
                       1)) {
    heap->fast.lab.cursor = cursor + size;
    memset(cursor, 0, size);
    return v8ish_allocated(heap, (word_t *)cursor, size);
  }
  return NULL;
}

/* Past the fast path: misuse, or the slow path. */
static inline word_t *v8ish_allocate_rest(v8ish_heap *heap, size_t bytes,
                                          const char *call) {
  if (!ccgc_gate_open(heap->base.gate))
    return v8ish_allocate_gated(heap, bytes, call);
  return v8ish_allocate_slow(heap, bytes, call);
}

static inline word_t *v8ish_allocate(v8ish_heap *heap, size_t bytes,
                                     const char *call) {
  word_t *object = v8ish_allocate_fast(heap, bytes);
  return __builtin_expect(object != NULL, 1)
             ? object
             : v8ish_allocate_rest(heap, bytes, call);
}

/* An instance of klass (objects, wrappers, closures, contexts, strings,
 * arrays): young, counted in its class's allocation site (CLASS_SITE), or
 * old if the site is pretenured (pretenuring.h). Two loads and one add
 * beside v8ish_allocate's fast path. An object the slow path places old
 * because the nursery cannot take it (the hard limit, or the overflow
 * bound before a safepoint, nursery.c) is not counted: it never survives
 * a scavenge, and counting it would hide a site whose objects all
 * survive. */
static inline word_t *v8ish_allocate_instance(v8ish_heap *heap, v8ish_value klass,
                                              size_t bytes, const char *call) {
  word_t *k = (word_t *)v8ish_untag(klass)[CLASS_SITE];
  if (__builtin_expect(k[CLASS_PRETENURE] != v8ish_smi(V8ISH_PRETENURE_UNDECIDED), 0))
    return v8ish_allocate_pretenured(heap, bytes, call);
  word_t *object = v8ish_allocate_fast(heap, bytes);
  if (__builtin_expect(object != NULL, 1)) {
    k[CLASS_ALLOCATED] += v8ish_smi(1);
    return object;
  }
  object = v8ish_allocate_rest(heap, bytes, call);
  if (object && (!heap->nursery.enabled ||
                 ccgc_page_is_young(ccgc_page_of(object))))
    k[CLASS_ALLOCATED] += v8ish_smi(1);
  return object;
}

#endif /* V8ISH_SPACE_INL_H */
