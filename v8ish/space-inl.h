/* space-inl.h - the script heap's allocation fast path: bump a pointer
 * through the linear allocation area (LAB). Everything else - refilling the
 * LAB from the free lists or a new page, large objects, limits, size
 * overflow, the collector's allocation accounting - is v8ish_allocate_slow
 * (space.c).
 *
 * Objects are 8-byte aligned and at least 16 bytes, so no two objects start
 * in the same mark granule (.inv.one-byte-per-object). A new object is zeroed
 * (its class word is 0 until the caller stores one: nothing can reach it
 * before) and colored by ccgc_barrier_on_allocate: black while marking runs
 * (.inv.allocate-black), so no marker ever visits it uninitialized.
 */
#ifndef V8ISH_SPACE_INL_H
#define V8ISH_SPACE_INL_H

#include <string.h>

#include "heap-internal.h"

/* Bookkeeping shared by both paths. */
static inline word_t *v8ish_allocated(v8ish_heap *heap, word_t *object,
                                      size_t bytes) {
  heap->base.space.used_bytes += bytes;
  heap->base.space.object_count++;
  /* .inv.allocate-black */
  ccgc_barrier_on_allocate(heap->base.barrier, object);
  return object;
}

/* Allocates bytes (rounded up to 8, at least 16) for the API call `call`
 * (named in errors). Returns zeroed memory, or NULL with CCGC_E_HEAP_LIMIT,
 * CCGC_E_SIZE_OVERFLOW or CCGC_E_OUT_OF_MEMORY recorded and the heap
 * unchanged; NULL too, as misuse, on another thread or in a collector
 * callback (gate.h). Never collects (.inv.no-gc-in-allocation). */
static inline word_t *v8ish_allocate(v8ish_heap *heap, size_t bytes,
                                     const char *call) {
  /* Only the owner thread outside every collector callback allocates
   * (gate.h): one branch. */
  if (__builtin_expect(!ccgc_gate_open(heap->base.gate), 0))
    return v8ish_allocate_gated(heap, bytes, call);
  if (__builtin_expect(bytes < V8ISH_LARGE_THRESHOLD, 1)) {
    size_t size = bytes < 16 ? 16 : (bytes + 7) & ~(size_t)7;
    uint8_t *cursor = heap->lab_cursor;
    if (__builtin_expect(
            cursor != NULL && (size_t)(heap->lab_limit - cursor) >= size, 1)) {
      heap->lab_cursor = cursor + size;
      memset(cursor, 0, size); /* a reused free block holds stale bytes */
      return v8ish_allocated(heap, (word_t *)cursor, size);
    }
  }
  return v8ish_allocate_slow(heap, bytes, call);
}

#endif /* V8ISH_SPACE_INL_H */
