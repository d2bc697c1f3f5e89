/* blinkish.h - the DOM heap (Oilpan-like), as the host sees it.
 *
 * Objects are C structs allocated on the heap with a registered type: a name,
 * a trace callback that reports every reference the object holds, and an
 * optional finalizer. Objects never move, so the host holds plain pointers:
 *  - a *member* is a `void *` field inside a heap object; every store goes
 *    through blinkish_member_set (checks, write barrier);
 *  - a *weak member* is a member reported with blinkish_trace_weak: cleared to
 *    NULL when its target dies;
 *  - a *persistent* is a root node owned by the host (strong or weak).
 * Raw pointers on the host's stack are safe between safepoints: collections
 * never run inside an allocation (ccgc.h).
 *
 * Legal call order:
 *   blinkish_heap *h = blinkish_heap_new(collector, &options);
 *   blinkish_type_id t = blinkish_register_type(h, &info);   before use
 *   Node *n = blinkish_alloc(h, t, sizeof(Node));            zeroed payload
 *   blinkish_member_set(h, n, (void **)&n->next, other);
 *   blinkish_persistent *root = blinkish_persistent_new(h, n, false);
 *   ... ccgc_collect(collector, ...) ...
 *   blinkish_persistent_free(h, root);
 *   blinkish_heap_free(h);                                   runs finalizers
 *
 * Finalizers run after the collector knows the object is dead, after every
 * weak reference to it was cleared. A finalizer may release the object's own
 * non-heap resources; it must not read members (their targets may be dead too)
 * nor store into any heap object (reported as misuse). Layouts:
 * docs/dom-heap.md.
 */
#ifndef BLINKISH_H
#define BLINKISH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ccgc.h"
#include "ccgc-visitor.h"

typedef struct blinkish_heap blinkish_heap;
typedef uint16_t blinkish_type_id; /* 0 is never a valid type */

typedef void (*blinkish_trace_fn)(ccgc_visitor *visitor, void *object);
typedef void (*blinkish_finalize_fn)(void *object);

enum {
  /* Objects of this type can have a script wrapper: the heap reserves one
   * pointer-sized slot before the payload (blinkish_wrappable_slot). */
  BLINKISH_TYPE_WRAPPABLE = 1u << 0,
};

typedef struct blinkish_type_info {
  const char *name;          /* copied; shown in tools ("HTMLDivElement") */
  blinkish_trace_fn trace;   /* NULL: the object holds no references      */
  blinkish_finalize_fn finalize; /* NULL: nothing to release              */
  unsigned flags;
} blinkish_type_info;

typedef struct blinkish_heap_options {
  size_t limit_bytes;      /* hard limit on committed bytes; 0 = none  */
  size_t soft_limit_bytes; /* request a GC above this; 0 = automatic   */
} blinkish_heap_options;

blinkish_heap *blinkish_heap_new(ccgc_collector *collector,
                                 const blinkish_heap_options *options);
/* Runs the finalizers of every remaining object, then frees all pages. */
void blinkish_heap_free(blinkish_heap *heap);
ccgc_collector *blinkish_heap_collector(blinkish_heap *heap);
void blinkish_heap_stats(blinkish_heap *heap, ccgc_heap_stats *out);

/* Returns 0 and records an error if the table is full or info is invalid. */
blinkish_type_id blinkish_register_type(blinkish_heap *heap,
                                        const blinkish_type_info *info);
blinkish_type_id blinkish_type_by_name(blinkish_heap *heap, const char *name);

/* A zeroed object of `size` payload bytes, or NULL with CCGC_E_HEAP_LIMIT,
 * CCGC_E_SIZE_OVERFLOW or CCGC_E_INVALID_ARGUMENT recorded. Objects larger
 * than a page fraction go to a large page of their own. */
void *blinkish_alloc(blinkish_heap *heap, blinkish_type_id type, size_t size);

/* The checked store: holder must be a live object of this heap and slot must
 * lie inside its payload; value must be NULL or a live object of this heap.
 * Misuse is reported (foreign pointer, dead object) and nothing is stored.
 * Runs the write barrier. */
ccgc_status blinkish_member_set(blinkish_heap *heap, void *holder, void **slot,
                                void *value);

/* Reads a member inside a trace callback. Marker threads trace while the
 * host stores (blinkish_member_set publishes with release): a trace callback
 * must read members through this (acquire), not as plain fields. */
static inline void *blinkish_member_load(void *const *slot) {
  return __atomic_load_n(slot, __ATOMIC_ACQUIRE);
}

/* For trace callbacks: blinkish_trace_member(visitor, &self->next, "next"). */
static inline void blinkish_trace(ccgc_visitor *visitor, void *target,
                                  const char *field) {
  ccgc_visit_strong(visitor, target, ccgc_edge_named(CCGC_EDGE_FIELD, field));
}
static inline void blinkish_trace_member(ccgc_visitor *visitor,
                                         void *const *slot,
                                         const char *field) {
  blinkish_trace(visitor, blinkish_member_load(slot), field);
}
static inline void blinkish_trace_element(ccgc_visitor *visitor, void *target,
                                          size_t index) {
  ccgc_visit_strong(visitor, target, ccgc_edge_indexed(index));
}
static inline void blinkish_trace_weak(ccgc_visitor *visitor, void **slot,
                                       const char *field) {
  ccgc_visit_weak(visitor, slot, ccgc_edge_named(CCGC_EDGE_WEAK, field));
}

/* --- Persistents: roots held by the host ---------------------------------- */
typedef struct blinkish_persistent blinkish_persistent;
blinkish_persistent *blinkish_persistent_new(blinkish_heap *heap, void *object,
                                             bool weak);
void *blinkish_persistent_get(const blinkish_persistent *persistent);
void blinkish_persistent_set(blinkish_heap *heap,
                             blinkish_persistent *persistent, void *object);
void blinkish_persistent_free(blinkish_heap *heap,
                              blinkish_persistent *persistent);

/* --- Heap vectors: growable arrays of members ---------------------------------
 * A vector is a heap object ("HeapVector") holding a member to its backing
 * store ("HeapVectorBacking"), which is replaced when it grows. */
void *blinkish_vector_new(blinkish_heap *heap, size_t initial_capacity);
size_t blinkish_vector_length(blinkish_heap *heap, const void *vector);
void *blinkish_vector_get(blinkish_heap *heap, const void *vector, size_t i);
ccgc_status blinkish_vector_set(blinkish_heap *heap, void *vector, size_t i,
                                void *value);
ccgc_status blinkish_vector_append(blinkish_heap *heap, void *vector,
                                   void *value);
/* Removes element i, shifting the rest down. */
ccgc_status blinkish_vector_remove(blinkish_heap *heap, void *vector, size_t i);
/* Removes the first element equal to value; returns true if found. */
bool blinkish_vector_remove_value(blinkish_heap *heap, void *vector,
                                  void *value);

/* --- Wrappable objects (used by bridge/) ------------------------------------
 * The slot is opaque to this heap; hooks installed by the bridge trace it and
 * release it when the object dies (before its finalizer runs). */
void **blinkish_wrappable_slot(blinkish_heap *heap, void *object);
typedef void (*blinkish_wrappable_trace_fn)(ccgc_visitor *visitor,
                                            void *object, void *slot_value,
                                            void *data);
typedef void (*blinkish_wrappable_release_fn)(void *object, void *slot_value,
                                              void *data);
void blinkish_heap_set_wrappable_hooks(blinkish_heap *heap,
                                       blinkish_wrappable_trace_fn trace,
                                       blinkish_wrappable_release_fn release,
                                       void *data);

/* --- Introspection --------------------------------------------------------- */
/* True if p is the payload address of a live object of this heap. */
bool blinkish_is_object(blinkish_heap *heap, const void *p);
const char *blinkish_type_name(blinkish_heap *heap, const void *object);
blinkish_type_id blinkish_type_of(blinkish_heap *heap, const void *object);
size_t blinkish_object_size(blinkish_heap *heap, const void *object);
/* True while finalizers run (stores are illegal then). */
bool blinkish_in_finalization(blinkish_heap *heap);

#endif /* BLINKISH_H */
