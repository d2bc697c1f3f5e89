/* mock-heap.h - a minimal heap for testing marking/ on its own (MMTk's mock
 * runtime idea): objects with N strong slots, an optional weak slot and an
 * optional ephemeron pair, bump-allocated in registered pages, swept by
 * flagging dead objects (never reusing memory, so tests can inspect them). */
#ifndef CCGC_MOCK_HEAP_H
#define CCGC_MOCK_HEAP_H

#include <stdbool.h>
#include <stddef.h>

#include "ccgc-heap.h"

typedef struct mock_object {
  unsigned magic;
  unsigned slot_count;
  bool dead;       /* set by the sweep */
  void *weak;      /* weak slot */
  void *eph_key;   /* ephemeron: eph_key keeps eph_value alive */
  void *eph_value;
  void *slots[];
} mock_object;

typedef struct mock_heap mock_heap;

mock_heap *mock_heap_new(ccgc_collector *collector, const char *name);
void mock_heap_free(mock_heap *heap);
mock_object *mock_alloc(mock_heap *heap, unsigned slot_count);
/* Stores with the write barrier. */
void mock_set(mock_heap *heap, mock_object *holder, unsigned slot, void *value);
void mock_add_root(mock_heap *heap, void *object);
void mock_clear_roots(mock_heap *heap);
size_t mock_live_count(mock_heap *heap);
size_t mock_dead_count(mock_heap *heap);
int mock_heap_id(mock_heap *heap);
/* Makes trace_object skip slot 0 during the next marking phase only: a
 * marker-side bug that the verifier must catch. */
void mock_heap_hide_first_slot(mock_heap *heap, bool hide);

#endif
