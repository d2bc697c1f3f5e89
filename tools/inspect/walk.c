/* walk.c - the public, heap-agnostic view of the object graph for tools and
 * tests (ccgc-inspect.h): every object, then every root edge and every edge
 * of every object, with the heaps' own edge names; and what is known of one
 * object. Through the heaps' ops only. */
#include <string.h>

#include "ccgc-inspect.h"
#include "inspect-internal.h"

/* The public colors are the marker's (ccgc-page.h). */
_Static_assert(CCGC_OBJECT_WHITE == (int)CCGC_WHITE &&
                   CCGC_OBJECT_GREY == (int)CCGC_GREY &&
                   CCGC_OBJECT_BLACK == (int)CCGC_BLACK,
               "ccgc_object_info.color values");

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

static void describe(const ccgc_heap_ops *ops, void *heap, int heap_id,
                     const void *object, ccgc_object_info *info) {
  info->address = (void *)object;
  info->heap_id = heap_id;
  info->heap_name = ops->name;
  info->type_name = ops->type_name ? ops->type_name(heap, object) : "?";
  const ccgc_page *page = ccgc_page_of(object);
  bool large = page->flags & CCGC_PAGE_LARGE;
  if (ccgc_page_is_young(page))
    info->space_name = large ? "young large" : "young";
  else
    info->space_name = large ? "large" : "normal";
  info->size = ops->object_size ? ops->object_size(heap, object) : 0;
  info->color = ccgc_color_of(object);
}

typedef struct object_walk {
  int heap_id;
  const ccgc_heap_ops *ops;
  void *heap;
  const ccgc_walk_callbacks *callbacks;
  walk_visitor *visitor; /* NULL: report objects; else: report their edges */
} object_walk;

static void walk_object(void *object, void *data) {
  object_walk *walk = data;
  if (walk->visitor) {
    walk->visitor->from = object;
    walk->ops->trace_object(walk->heap, object, &walk->visitor->base);
    return;
  }
  ccgc_object_info info;
  describe(walk->ops, walk->heap, walk->heap_id, object, &info);
  walk->callbacks->object(&info, walk->callbacks->data);
}

ccgc_status ccgc_collector_walk(ccgc_collector *collector,
                                const ccgc_walk_callbacks *callbacks) {
  ccgc_status entered = ccgc_inspect_enter(collector, "ccgc_collector_walk");
  if (entered != CCGC_OK) return entered;
  if (!callbacks)
    return ccgc_error_set(ccgc_collector_error_sink(collector), CCGC_E_INVALID_ARGUMENT,
                          "ccgc_collector_walk: callbacks is NULL");
  walk_visitor visitor = {{&walk_ops}, callbacks, NULL};
  int heap_count = ccgc_collector_heap_count(collector);
  for (int pass = 0; pass < 2; pass++) {
    if (pass == 0 && !callbacks->object) continue;
    if (pass == 1 && !callbacks->edge) continue;
    if (pass == 1) {
      visitor.from = NULL;
      ccgc_collector_trace_all_roots(collector, &visitor.base);
    }
    for (int id = 0; id < heap_count; id++) {
      object_walk walk = {id, NULL, NULL, callbacks,
                          pass == 1 ? &visitor : NULL};
      walk.heap = ccgc_collector_heap(collector, id, &walk.ops);
      if (walk.heap)
        ccgc_collector_for_each_object(collector, id, walk_object, &walk);
    }
  }
  return CCGC_OK;
}

ccgc_status ccgc_collector_object_info(ccgc_collector *collector,
                                       const void *address,
                                       ccgc_object_info *info) {
  if (!ccgc_collector_is_live(collector)) return CCGC_E_INVALID_ARGUMENT;
  /* .api.mutator-thread; any context (a read). */
  ccgc_status thread =
      ccgc_gate_refuse(collector, CCGC_CALL_READ, "ccgc_collector_object_info");
  if (thread != CCGC_OK) return thread;
  if (!info)
    return ccgc_error_set(ccgc_collector_error_sink(collector), CCGC_E_INVALID_ARGUMENT,
                          "ccgc_collector_object_info: info is NULL");
  /* .api.valid-object: a header is never decoded from a payload word or
   * from free space. */
  ccgc_page *page = ccgc_collector_is_object(collector, address, -1)
                        ? ccgc_collector_find_page(collector, address)
                        : NULL;
  const ccgc_heap_ops *ops = NULL;
  void *heap = page ? ccgc_collector_heap(collector, page->heap_id, &ops) : NULL;
  if (!heap)
    return ccgc_error_set(ccgc_collector_error_sink(collector),
                          CCGC_E_FOREIGN_POINTER,
                          "ccgc_collector_object_info: %p is not the start "
                          "of a live object of any heap",
                          address);
  describe(ops, heap, page->heap_id, address, info);
  return CCGC_OK;
}
