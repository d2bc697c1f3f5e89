/* mock-heap.c - see mock-heap.h. */
#include "mock-heap.h"

#include <glib.h>
#include <stdlib.h>
#include <string.h>

#define MOCK_MAGIC 0x6d6f636bu

struct mock_heap {
  ccgc_collector *collector;
  ccgc_heap_ops ops;
  int id;
  GPtrArray *pages;
  GPtrArray *objects; /* every object ever allocated, in order */
  GHashTable *starts; /* the same, as a set: the is_object op */
  GPtrArray *roots;
  unsigned char *cursor, *limit;
  bool hide_first_slot; /* a deliberately broken trace, for the verifier */
};

static size_t object_bytes(unsigned slot_count) {
  size_t bytes = sizeof(mock_object) + slot_count * sizeof(void *);
  return (bytes + CCGC_GRANULE - 1) & ~(CCGC_GRANULE - 1);
}

static void mock_prepare(void *heap_ptr) {
  mock_heap *heap = heap_ptr;
  for (guint i = 0; i < heap->pages->len; i++)
    ccgc_page_clear_marks(g_ptr_array_index(heap->pages, i));
}

static void mock_trace_roots(void *heap_ptr, ccgc_visitor *visitor) {
  mock_heap *heap = heap_ptr;
  for (guint i = 0; i < heap->roots->len; i++)
    ccgc_visit_strong(visitor, g_ptr_array_index(heap->roots, i),
                      ccgc_edge_named(CCGC_EDGE_ROOT, "mock root"));
}

static void mock_trace_object(void *heap_ptr, void *object,
                              ccgc_visitor *visitor) {
  mock_object *mock = object;
  mock_heap *heap = heap_ptr;
  /* Slots are read with relaxed atomics: marker threads race with the
   * mutator's mock_set, as in a real heap under concurrent marking. */
  for (unsigned i = heap->hide_first_slot ? 1 : 0; i < mock->slot_count; i++)
    ccgc_visit_strong(visitor, __atomic_load_n(&mock->slots[i], __ATOMIC_RELAXED),
                      ccgc_edge_indexed(i));
  ccgc_visit_weak(visitor, &mock->weak,
                  ccgc_edge_named(CCGC_EDGE_WEAK, "weak"));
  ccgc_visit_ephemeron(visitor, mock->eph_key, mock->eph_value,
                       ccgc_edge_named(CCGC_EDGE_EPHEMERON, "pair"));
}

/* The broken trace lasts for the marking phase only, so the verifier (which
 * runs after weak processing) sees the real edges and must notice. */
static void mock_process_weakness(void *heap_ptr) {
  mock_heap *heap = heap_ptr;
  heap->hide_first_slot = false;
}

static void mock_reclaim(void *heap_ptr) {
  mock_heap *heap = heap_ptr;
  for (guint i = 0; i < heap->objects->len; i++) {
    mock_object *object = g_ptr_array_index(heap->objects, i);
    if (!object->dead && !ccgc_is_marked(object)) object->dead = true;
  }
}

static size_t mock_object_size(void *heap, const void *object) {
  return object_bytes(((const mock_object *)object)->slot_count);
}

static const char *mock_type_name(void *heap, const void *object) {
  return "MockObject";
}

static void mock_for_each(void *heap_ptr, void (*fn)(void *, void *),
                          void *data) {
  mock_heap *heap = heap_ptr;
  for (guint i = 0; i < heap->objects->len; i++) {
    mock_object *object = g_ptr_array_index(heap->objects, i);
    if (!object->dead) fn(object, data);
  }
}

static bool mock_is_object(void *heap_ptr, const void *address) {
  mock_heap *heap = heap_ptr;
  return g_hash_table_contains(heap->starts, address) &&
         !((const mock_object *)address)->dead;
}

static void mock_stats(void *heap_ptr, ccgc_heap_stats *out) {
  mock_heap *heap = heap_ptr;
  memset(out, 0, sizeof *out);
  for (guint i = 0; i < heap->objects->len; i++) {
    mock_object *object = g_ptr_array_index(heap->objects, i);
    if (object->dead) continue;
    out->object_count++;
    out->used_bytes += object_bytes(object->slot_count);
  }
  out->page_count = heap->pages->len;
  out->committed_bytes = heap->pages->len * CCGC_PAGE_SIZE;
}

mock_heap *mock_heap_new(ccgc_collector *collector, const char *name) {
  mock_heap *heap = g_new0(mock_heap, 1);
  heap->collector = collector;
  heap->ops = (ccgc_heap_ops){
      .name = name,
      .prepare = mock_prepare,
      .trace_roots = mock_trace_roots,
      .trace_object = mock_trace_object,
      .process_weakness = mock_process_weakness,
      .reclaim = mock_reclaim,
      .object_size = mock_object_size,
      .type_name = mock_type_name,
      .for_each_object = mock_for_each,
      .stats = mock_stats,
      .is_object = mock_is_object,
  };
  heap->pages = g_ptr_array_new();
  heap->objects = g_ptr_array_new();
  heap->starts = g_hash_table_new(g_direct_hash, g_direct_equal);
  heap->roots = g_ptr_array_new();
  heap->id = ccgc_collector_attach_heap(collector, &heap->ops, heap, "mock_heap_new");
  return heap;
}

void mock_heap_free(mock_heap *heap) {
  for (guint i = 0; i < heap->pages->len; i++)
    ccgc_page_destroy(heap->collector, g_ptr_array_index(heap->pages, i));
  ccgc_collector_detach_heap(heap->collector, heap->id);
  g_ptr_array_free(heap->pages, TRUE);
  g_ptr_array_free(heap->objects, TRUE);
  g_hash_table_destroy(heap->starts);
  g_ptr_array_free(heap->roots, TRUE);
  g_free(heap);
}

static void new_page(mock_heap *heap) {
  ccgc_page *page = ccgc_page_create(heap->collector, heap->id, heap,
                                     CCGC_PAGE_SIZE, false, 256, false);
  g_assert(page);
  g_ptr_array_add(heap->pages, page);
  heap->cursor = (unsigned char *)page + 256 + CCGC_MARK_TABLE_BYTES;
  heap->limit = (unsigned char *)page + CCGC_PAGE_SIZE;
}

mock_object *mock_alloc(mock_heap *heap, unsigned slot_count) {
  size_t bytes = object_bytes(slot_count);
  g_assert(bytes < CCGC_PAGE_SIZE / 2);
  if (!heap->cursor || heap->cursor + bytes > heap->limit) new_page(heap);
  mock_object *object = (mock_object *)heap->cursor;
  heap->cursor += bytes;
  memset(object, 0, bytes);
  object->magic = MOCK_MAGIC;
  object->slot_count = slot_count;
  ccgc_barrier_on_allocate(ccgc_collector_barrier(heap->collector), object);
  g_ptr_array_add(heap->objects, object);
  g_hash_table_add(heap->starts, object);
  return object;
}

void mock_set(mock_heap *heap, mock_object *holder, unsigned slot,
              void *value) {
  g_assert(slot < holder->slot_count);
  __atomic_store_n(&holder->slots[slot], value, __ATOMIC_RELAXED);
  ccgc_write_barrier(ccgc_collector_barrier(heap->collector), holder,
                     &holder->slots[slot], value);
}

void mock_add_root(mock_heap *heap, void *object) {
  g_ptr_array_add(heap->roots, object);
}
void mock_clear_roots(mock_heap *heap) { g_ptr_array_set_size(heap->roots, 0); }

size_t mock_live_count(mock_heap *heap) {
  size_t live = 0;
  for (guint i = 0; i < heap->objects->len; i++)
    live += !((mock_object *)g_ptr_array_index(heap->objects, i))->dead;
  return live;
}

size_t mock_dead_count(mock_heap *heap) {
  return heap->objects->len - mock_live_count(heap);
}

int mock_heap_id(mock_heap *heap) { return heap->id; }

void mock_heap_hide_first_slot(mock_heap *heap, bool hide) {
  heap->hide_first_slot = hide;
}
