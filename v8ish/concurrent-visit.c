/* concurrent-visit.c - how a concurrent marker thread visits a script object
 * while the mutator runs (the visit_concurrent op, docs/concurrent-marking.md):
 * wait-free snapshotting, or the object lock, or (testing only) nothing. */
#include <stdlib.h>
#include <string.h>

#include "ccgc-testing.h" /* CCGC_SHAPE_UNPROTECTED: its visit */
#include "heap-internal.h"
#include "object-locks.h"

/* The snapshot lives on the marker's stack; an object with more references
 * than fit grows it on the heap for the one visit. An entry is a strong
 * target (value NULL) or an ephemeron pair (an EphemeronHashTable entry). */
#define SNAPSHOT_INLINE 64

typedef struct snapshot_entry {
  void *target; /* the strong target, or the ephemeron's key */
  void *value;  /* NULL for a strong target */
} snapshot_entry;

typedef struct snapshot_visitor {
  ccgc_visitor base;
  snapshot_entry *entries;
  size_t count, capacity;
  snapshot_entry inline_entries[SNAPSHOT_INLINE];
} snapshot_visitor;

static void snapshot_add(snapshot_visitor *snapshot, void *target,
                         void *value) {
  if (snapshot->count == snapshot->capacity) {
    size_t capacity = snapshot->capacity * 2;
    snapshot_entry *grown = malloc(capacity * sizeof *grown);
    if (!grown) abort(); /* dropping a reference would free a live object */
    memcpy(grown, snapshot->entries, snapshot->count * sizeof *grown);
    if (snapshot->entries != snapshot->inline_entries) free(snapshot->entries);
    snapshot->entries = grown;
    snapshot->capacity = capacity;
  }
  snapshot->entries[snapshot->count++] = (snapshot_entry){target, value};
}

static void snapshot_strong(ccgc_visitor *visitor, void *target, ccgc_edge edge) {
  (void)edge;
  snapshot_add((snapshot_visitor *)visitor, target, NULL);
}
static void snapshot_weak(ccgc_visitor *visitor, void **slot, ccgc_edge edge) {
  (void)visitor, (void)slot, (void)edge; /* the script heap has no raw weak slots */
}
static void snapshot_ephemeron(ccgc_visitor *visitor, void *key, void *value,
                               ccgc_edge edge) {
  (void)edge;
  snapshot_add((snapshot_visitor *)visitor, key, value);
}
static const ccgc_visitor_ops snapshot_ops = {
    .strong = snapshot_strong,
    .weak = snapshot_weak,
    .ephemeron = snapshot_ephemeron,
};

static void follow_snapshot(snapshot_visitor *snapshot, ccgc_visitor *visitor) {
  for (size_t i = 0; i < snapshot->count; i++) {
    snapshot_entry entry = snapshot->entries[i];
    if (entry.value)
      ccgc_visit_ephemeron(visitor, entry.target, entry.value,
                           ccgc_edge_named(CCGC_EDGE_EPHEMERON, NULL));
    else
      ccgc_visit_strong(visitor, entry.target,
                        ccgc_edge_named(CCGC_EDGE_INTERNAL, NULL));
  }
}

/* The marker half of wait-free snapshotting (docs/concurrent-marking.md):
 * copy the class and the tagged fields, then try grey -> black; follow the
 * copy only if this thread won. A mutator's unsafe change that raced with the
 * copy first won the CAS itself, so a corrupt copy is always dropped. */
static bool visit_snapshot(v8ish_heap *heap, word_t *object,
                           ccgc_visitor *visitor) {
  snapshot_visitor snapshot;
  snapshot.base.ops = &snapshot_ops;
  snapshot.entries = snapshot.inline_entries;
  snapshot.count = 0;
  snapshot.capacity = SNAPSHOT_INLINE;
  v8ish_value klass = v8ish_load(object, 0);
  ccgc_barrier_snapshot_point(heap->base.barrier, object); /* testing only */
  v8ish_trace_with_class(heap, object, klass, &snapshot.base);
  bool won = ccgc_mark_grey_to_black(object); /* .inv.snapshot-before-cas */
  if (won) follow_snapshot(&snapshot, visitor);
  if (snapshot.entries != snapshot.inline_entries) free(snapshot.entries);
  return won;
}

/* The marker half of the lock-based protocol: under the object's lock no
 * unsafe change runs (.inv.lock-visit), so the marker wins grey -> black and
 * traces the object in place, no copy. The visitor only pushes to worklists
 * (.inv.object-lock-leaf). */
static bool visit_locked(v8ish_heap *heap, word_t *object,
                         ccgc_visitor *visitor) {
  ccgc_object_lock(object);
  bool won = ccgc_mark_grey_to_black(object);
  if (won) {
    v8ish_value klass = v8ish_load(object, 0);
    ccgc_barrier_snapshot_point(heap->base.barrier, object); /* testing only */
    v8ish_trace_with_class(heap, object, klass, visitor);
  }
  ccgc_object_unlock(object);
  return won;
}

/* TESTING ONLY (CCGC_SHAPE_UNPROTECTED): trace in place with no protocol, the
 * race the two protocols prevent. Loads are relaxed atomics (v8ish_load), so
 * the race is on the meaning of the words, not a C data race. */
static bool visit_unprotected(v8ish_heap *heap, word_t *object,
                              ccgc_visitor *visitor) {
  if (!ccgc_mark_grey_to_black(object)) return false;
  v8ish_value klass = v8ish_load(object, 0);
  ccgc_barrier_snapshot_point(heap->base.barrier, object); /* testing only */
  v8ish_trace_with_class(heap, object, klass, visitor);
  return true;
}

bool v8ish_visit_concurrent(void *data, void *object, ccgc_visitor *visitor) {
  v8ish_heap *heap = data;
  /* One predictable branch per visit selects the protocol (the protocol
   * changes only between cycles). */
  switch ((int)ccgc_barrier_shape_protocol(heap->base.barrier)) {
  case CCGC_SHAPE_LOCK: return visit_locked(heap, object, visitor);
  case CCGC_SHAPE_UNPROTECTED: return visit_unprotected(heap, object, visitor);
  default: return visit_snapshot(heap, object, visitor);
  }
}
