/* object-graph.c - the independent traversal (object-graph.h). */
#include "object-graph.h"

#include <string.h>

typedef struct pending_ephemeron {
  void *from;
  void *key;
  void *value;
  ccgc_edge edge;
  guint next; /* 1 + index of the next entry of the same key, 0: none */
} pending_ephemeron;

static void collect_object(void *object, void *data) {
  void **args = data;
  GHashTable *set = args[0];
  g_hash_table_insert(set, object, args[1]);
}

GHashTable *ccgc_object_set_new(ccgc_collector *collector) {
  GHashTable *set = g_hash_table_new(g_direct_hash, g_direct_equal);
  for (int id = 0; id < collector->heap_count; id++) {
    ccgc_heap_slot *slot = &collector->heaps[id];
    if (!slot->heap) continue;
    void *args[2] = {set, GINT_TO_POINTER(id + 1)};
    slot->ops->for_each_object(slot->heap, collect_object, args);
  }
  return set;
}

static void reach(ccgc_traversal *traversal, void *to) {
  if (g_hash_table_contains(traversal->visited, to)) return;
  g_hash_table_add(traversal->visited, to);
  g_array_append_val(traversal->stack, to);
  gpointer first;
  if (g_hash_table_steal_extended(traversal->waiting, to, NULL, &first))
    for (guint at = GPOINTER_TO_UINT(first); at != 0;) {
      guint index = at - 1;
      g_array_append_val(traversal->released, index);
      at = g_array_index(traversal->pending_ephemerons, pending_ephemeron,
                         index).next;
    }
}

static void traversal_strong(ccgc_visitor *visitor, void *target,
                             ccgc_edge edge) {
  ccgc_traversal *traversal = (ccgc_traversal *)visitor;
  if (traversal->on_edge(traversal, traversal->current, target, edge)) {
    /* Only allocated objects are traced further: an edge to anything else
     * was already reported by on_edge. */
    if (g_hash_table_contains(traversal->objects, target))
      reach(traversal, target);
  }
}

static void traversal_weak(ccgc_visitor *visitor, void **slot,
                           ccgc_edge edge) {
  ccgc_traversal *traversal = (ccgc_traversal *)visitor;
  if (*slot) traversal->on_edge(traversal, traversal->current, *slot, edge);
}

static void traversal_ephemeron(ccgc_visitor *visitor, void *key, void *value,
                                ccgc_edge edge) {
  ccgc_traversal *traversal = (ccgc_traversal *)visitor;
  if (g_hash_table_contains(traversal->visited, key)) {
    traversal_strong(visitor, value, edge);
    return;
  }
  /* The edge name is only valid during this call: keep the kind. */
  pending_ephemeron pending = {traversal->current, key, value,
                               ccgc_edge_named(edge.kind, NULL), 0};
  pending.next = GPOINTER_TO_UINT(g_hash_table_lookup(traversal->waiting, key));
  g_array_append_val(traversal->pending_ephemerons, pending);
  g_hash_table_insert(traversal->waiting, key,
                      GUINT_TO_POINTER(traversal->pending_ephemerons->len));
}

static const ccgc_visitor_ops traversal_ops = {
    .strong = traversal_strong,
    .weak = traversal_weak,
    .ephemeron = traversal_ephemeron,
};

void ccgc_traversal_init(ccgc_traversal *traversal, ccgc_collector *collector,
                         GHashTable *objects, ccgc_traversal_edge_fn on_edge,
                         void *data) {
  memset(traversal, 0, sizeof *traversal);
  traversal->base.ops = &traversal_ops;
  traversal->collector = collector;
  traversal->objects = objects;
  traversal->visited = g_hash_table_new(g_direct_hash, g_direct_equal);
  traversal->stack = g_array_new(FALSE, FALSE, sizeof(void *));
  traversal->pending_ephemerons =
      g_array_new(FALSE, FALSE, sizeof(pending_ephemeron));
  traversal->waiting = g_hash_table_new(g_direct_hash, g_direct_equal);
  traversal->released = g_array_new(FALSE, FALSE, sizeof(guint));
  traversal->on_edge = on_edge;
  traversal->data = data;
}

void ccgc_traversal_destroy(ccgc_traversal *traversal) {
  g_hash_table_destroy(traversal->visited);
  g_array_free(traversal->stack, TRUE);
  g_array_free(traversal->pending_ephemerons, TRUE);
  g_hash_table_destroy(traversal->waiting);
  g_array_free(traversal->released, TRUE);
}

void ccgc_trace_one(ccgc_collector *collector, GHashTable *objects,
                    void *object, ccgc_visitor *visitor) {
  int id = GPOINTER_TO_INT(g_hash_table_lookup(objects, object)) - 1;
  if (id < 0) return;
  ccgc_heap_slot *slot = &collector->heaps[id];
  slot->ops->trace_object(slot->heap, object, visitor);
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
    void *object =
        g_array_index(traversal->stack, void *, traversal->stack->len - 1);
    g_array_set_size(traversal->stack, traversal->stack->len - 1);
    traversal->current = object;
    ccgc_trace_one(traversal->collector, traversal->objects, object,
                   &traversal->base);
  }
  traversal->current = NULL;
}

void ccgc_traversal_run(ccgc_traversal *traversal) {
  ccgc_collector *collector = traversal->collector;
  traversal->current = NULL;
  for (int id = 0; id < collector->heap_count; id++) {
    ccgc_heap_slot *slot = &collector->heaps[id];
    if (slot->heap) slot->ops->trace_roots(slot->heap, &traversal->base);
  }
  drain(traversal); /* ephemerons included: see `waiting` */
}
