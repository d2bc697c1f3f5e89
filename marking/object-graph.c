/* object-graph.c - the independent traversal (object-graph.h). */
#include "object-graph.h"

#include "collector-internal.h"

#include <string.h>

typedef struct pending_ephemeron {
  void *from;
  void *key;
  void *value;
  ccgc_edge edge;
  guint next; /* 1 + index of the next entry of the same key, 0: none */
} pending_ephemeron;

typedef struct object_collection {
  ccgc_pointer_map *set;
  uint32_t value; /* heap id + 1 */
} object_collection;

static void collect_object(void *object, void *data) {
  object_collection *collection = data;
  ccgc_pointer_map_insert(collection->set, object, collection->value);
}

void ccgc_object_set_init(ccgc_pointer_map *set, ccgc_collector *collector) {
  /* The heaps' counts size the table (no growth), if they keep them. */
  size_t expected = 0;
  for (int id = 0; id < collector->heap_count; id++) {
    ccgc_heap_slot *slot = &collector->heaps[id];
    if (!slot->heap || !slot->ops->stats) continue;
    ccgc_heap_stats stats;
    slot->ops->stats(slot->heap, &stats);
    expected += stats.object_count;
  }
  ccgc_pointer_map_init(set, expected);
  for (int id = 0; id < collector->heap_count; id++) {
    object_collection collection = {set, (uint32_t)id + 1};
    ccgc_collector_for_each_object(collector, id, collect_object, &collection);
  }
}

/* Marks object (at slot of the index) reached and queues it. */
static void reach(ccgc_traversal *traversal, void *object,
                  const ccgc_index_slot *slot) {
  if (!ccgc_index_slot_reach(slot)) return;
  traversal->reached++;
  ccgc_traversal_entry entry = {object, slot->page->heap_id};
  g_array_append_val(traversal->stack, entry);
  uint32_t first;
  if (traversal->waiting.size > 0 &&
      ccgc_pointer_map_steal(&traversal->waiting, object, &first))
    for (guint at = first; at != 0;) {
      guint index = at - 1;
      g_array_append_val(traversal->released, index);
      at = g_array_index(traversal->pending_ephemerons, pending_ephemeron,
                         index).next;
    }
}

static void traversal_strong(ccgc_visitor *visitor, void *target,
                             ccgc_edge edge) {
  ccgc_traversal *traversal = (ccgc_traversal *)visitor;
  ccgc_index_slot slot;
  bool found = ccgc_object_index_find(traversal->objects, target, &slot);
  traversal->target_heap = found ? slot.page->heap_id : -1;
  /* Only allocated objects are traced further: an edge to anything else is
   * on_edge's to report. */
  if (traversal->on_edge(traversal, traversal->current, target, edge) && found)
    reach(traversal, target, &slot);
}

static void traversal_weak(ccgc_visitor *visitor, void **slot,
                           ccgc_edge edge) {
  ccgc_traversal *traversal = (ccgc_traversal *)visitor;
  if (!*slot) return;
  traversal->target_heap = ccgc_object_index_heap(traversal->objects, *slot);
  traversal->on_edge(traversal, traversal->current, *slot, edge);
}

static void traversal_ephemeron(ccgc_visitor *visitor, void *key, void *value,
                                ccgc_edge edge) {
  ccgc_traversal *traversal = (ccgc_traversal *)visitor;
  ccgc_index_slot slot;
  if (ccgc_object_index_find(traversal->objects, key, &slot) &&
      ccgc_index_slot_reached(&slot)) {
    traversal_strong(visitor, value, edge);
    return;
  }
  /* A NULL key is never reached: its value could never be released. */
  if (!key) return;
  /* The edge name is only valid during this call: keep the kind. */
  pending_ephemeron pending = {traversal->current, key, value,
                               ccgc_edge_named(edge.kind, NULL), 0};
  pending.next = ccgc_pointer_map_get(&traversal->waiting, key);
  g_array_append_val(traversal->pending_ephemerons, pending);
  ccgc_pointer_map_insert(&traversal->waiting, key,
                          traversal->pending_ephemerons->len);
}

static const ccgc_visitor_ops traversal_ops = {
    .strong = traversal_strong,
    .weak = traversal_weak,
    .ephemeron = traversal_ephemeron,
};

void ccgc_traversal_init(ccgc_traversal *traversal, ccgc_collector *collector,
                         ccgc_object_index *objects,
                         ccgc_traversal_edge_fn on_edge, void *data) {
  memset(traversal, 0, sizeof *traversal);
  traversal->base.ops = &traversal_ops;
  traversal->collector = collector;
  traversal->objects = objects;
  traversal->stack = g_array_new(FALSE, FALSE, sizeof(ccgc_traversal_entry));
  traversal->pending_ephemerons =
      g_array_new(FALSE, FALSE, sizeof(pending_ephemeron));
  ccgc_pointer_map_init(&traversal->waiting, 0);
  traversal->released = g_array_new(FALSE, FALSE, sizeof(guint));
  traversal->on_edge = on_edge;
  traversal->data = data;
}

void ccgc_traversal_destroy(ccgc_traversal *traversal) {
  g_array_free(traversal->stack, TRUE);
  g_array_free(traversal->pending_ephemerons, TRUE);
  ccgc_pointer_map_destroy(&traversal->waiting);
  g_array_free(traversal->released, TRUE);
}

void ccgc_trace_one(ccgc_collector *collector, const ccgc_pointer_map *objects,
                    void *object, ccgc_visitor *visitor) {
  int id = (int)ccgc_pointer_map_get(objects, object) - 1;
  if (id < 0) return;
  ccgc_heap_slot *slot = &collector->heaps[id];
  /* Trace callbacks and the caller's visitor (inspection) are host code. */
  ccgc_call_context outer =
      ccgc_collector_enter_context(collector, CCGC_CONTEXT_WALK);
  slot->ops->trace_object(slot->heap, object, visitor);
  ccgc_collector_leave_context(collector, outer);
}

static void drain(ccgc_traversal *traversal) {
  for (;;) {
    if (traversal->released->len > 0) { /* a value whose key was reached */
      guint index = g_array_index(traversal->released, guint,
                                  traversal->released->len - 1);
      g_array_set_size(traversal->released, traversal->released->len - 1);
      pending_ephemeron entry =
          g_array_index(traversal->pending_ephemerons, pending_ephemeron, index);
      traversal->current = entry.from;
      traversal_strong(&traversal->base, entry.value, entry.edge);
      continue;
    }
    if (traversal->stack->len == 0) break;
    ccgc_traversal_entry entry = g_array_index(
        traversal->stack, ccgc_traversal_entry, traversal->stack->len - 1);
    g_array_set_size(traversal->stack, traversal->stack->len - 1);
    ccgc_heap_slot *slot = &traversal->collector->heaps[entry.heap_id];
    traversal->current = entry.object;
    slot->ops->trace_object(slot->heap, entry.object, &traversal->base);
  }
  traversal->current = NULL;
}

void ccgc_traversal_run(ccgc_traversal *traversal) {
  ccgc_collector *collector = traversal->collector;
  traversal->current = NULL;
  /* Trace callbacks run: they may read, never change the heaps. */
  ccgc_call_context outer =
      ccgc_collector_enter_context(collector, CCGC_CONTEXT_WALK);
  for (int id = 0; id < collector->heap_count; id++) {
    ccgc_heap_slot *slot = &collector->heaps[id];
    if (slot->heap) slot->ops->trace_roots(slot->heap, &traversal->base);
  }
  drain(traversal); /* ephemerons included: see `waiting` */
  ccgc_collector_leave_context(collector, outer);
}
