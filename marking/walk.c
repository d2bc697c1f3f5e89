/* walk.c - the public, heap-agnostic view of the object graph for tools and
 * tests (ccgc_collector_walk): every object, then every root edge and every
 * edge of every object, with the heaps' own edge names. */
#include <string.h>

#include "object-graph.h"

static const char *const edge_kind_names[CCGC_EDGE_KIND_COUNT] = {
    [CCGC_EDGE_ROOT] = "root",         [CCGC_EDGE_FIELD] = "field",
    [CCGC_EDGE_PROPERTY] = "property", [CCGC_EDGE_ELEMENT] = "element",
    [CCGC_EDGE_INTERNAL] = "internal", [CCGC_EDGE_WRAPPER] = "wrapper",
    [CCGC_EDGE_TRACED] = "traced",     [CCGC_EDGE_EPHEMERON] = "ephemeron",
    [CCGC_EDGE_WEAK] = "weak",
};

const char *ccgc_edge_kind_name(ccgc_edge_kind kind) {
  if ((unsigned)kind >= CCGC_EDGE_KIND_COUNT) return "unknown";
  return edge_kind_names[kind];
}

typedef struct walk_visitor {
  ccgc_visitor base;
  const ccgc_walk_callbacks *callbacks;
  void *from;
} walk_visitor;

static void walk_strong(ccgc_visitor *visitor, void *target, ccgc_edge edge) {
  walk_visitor *walk = (walk_visitor *)visitor;
  walk->callbacks->edge(walk->from, target, edge, walk->callbacks->data);
}

static void walk_weak(ccgc_visitor *visitor, void **slot, ccgc_edge edge) {
  walk_visitor *walk = (walk_visitor *)visitor;
  edge.kind = CCGC_EDGE_WEAK;
  if (*slot) walk->callbacks->edge(walk->from, *slot, edge,
                                   walk->callbacks->data);
}

static void walk_ephemeron(ccgc_visitor *visitor, void *key, void *value,
                           ccgc_edge edge) {
  walk_visitor *walk = (walk_visitor *)visitor;
  /* The holder refers weakly to the key, and through the pair to the value. */
  ccgc_edge key_edge = ccgc_edge_named(CCGC_EDGE_WEAK, "ephemeron key");
  walk->callbacks->edge(walk->from, key, key_edge, walk->callbacks->data);
  edge.kind = CCGC_EDGE_EPHEMERON;
  walk->callbacks->edge(walk->from, value, edge, walk->callbacks->data);
}

static void walk_weak_target(ccgc_visitor *visitor, void *target,
                             ccgc_edge edge) {
  walk_visitor *walk = (walk_visitor *)visitor;
  edge.kind = CCGC_EDGE_WEAK;
  walk->callbacks->edge(walk->from, target, edge, walk->callbacks->data);
}

static const ccgc_visitor_ops walk_ops = {
    .strong = walk_strong,
    .weak = walk_weak,
    .ephemeron = walk_ephemeron,
    .weak_target = walk_weak_target,
};

typedef struct object_walk {
  ccgc_collector *collector;
  int heap_id;
  const ccgc_walk_callbacks *callbacks;
  walk_visitor *visitor; /* NULL: report objects; else: report their edges */
} object_walk;

static void walk_object(void *object, void *data) {
  object_walk *walk = data;
  ccgc_heap_slot *slot = &walk->collector->heaps[walk->heap_id];
  if (walk->visitor) {
    walk->visitor->from = object;
    slot->ops->trace_object(slot->heap, object, &walk->visitor->base);
    return;
  }
  ccgc_object_info info = {
      .address = object,
      .heap_id = walk->heap_id,
      .heap_name = slot->ops->name,
      .type_name =
          slot->ops->type_name ? slot->ops->type_name(slot->heap, object) : "?",
      .space_name =
          ccgc_page_of(object)->flags & CCGC_PAGE_LARGE ? "large" : "normal",
      .size = slot->ops->object_size ? slot->ops->object_size(slot->heap, object)
                                     : 0,
      .color = ccgc_color_of(object),
  };
  walk->callbacks->object(&info, walk->callbacks->data);
}

ccgc_status ccgc_collector_walk(ccgc_collector *collector,
                                const ccgc_walk_callbacks *callbacks) {
  if (!ccgc_collector_valid(collector) || !callbacks)
    return CCGC_E_INVALID_ARGUMENT;
  if (collector->in_collection)
    return ccgc_error_set(&collector->errors, CCGC_E_IN_COLLECTION,
                          "ccgc_collector_walk: called during a collection");
  walk_visitor visitor = {{&walk_ops}, callbacks, NULL};
  for (int pass = 0; pass < 2; pass++) {
    if (pass == 0 && !callbacks->object) continue;
    if (pass == 1 && !callbacks->edge) continue;
    if (pass == 1) {
      for (int id = 0; id < collector->heap_count; id++) {
        ccgc_heap_slot *slot = &collector->heaps[id];
        visitor.from = NULL;
        if (slot->heap) slot->ops->trace_roots(slot->heap, &visitor.base);
      }
    }
    for (int id = 0; id < collector->heap_count; id++) {
      ccgc_heap_slot *slot = &collector->heaps[id];
      if (!slot->heap) continue;
      object_walk walk = {collector, id, callbacks,
                          pass == 1 ? &visitor : NULL};
      slot->ops->for_each_object(slot->heap, walk_object, &walk);
    }
  }
  return CCGC_OK;
}
