/* persistents.c - persistents: root nodes owned by the host, strong or weak,
 * slots of the heap's handle table (blinkish.h, marking/handle-table.h): a
 * persistent freed twice or used after free is reported (.api.live-handle),
 * never followed. Their freeing at heap teardown, their tracing as roots and
 * their weakness. */
#include "heap-internal.h"

void blinkish_persistents_init(blinkish_heap *heap) {
  ccgc_handle_table_init(&heap->persistents, "persistent", heap->base.errors);
  heap->persistents.owner = heap->base.collector; /* blinkish_persistent_get */
}

blinkish_persistent *blinkish_persistent_new(blinkish_heap *heap, void *object,
                                             bool weak) {
  if (!blinkish_enter(heap, CCGC_CALL_STORE, "blinkish_persistent_new"))
    return NULL;
  if (object &&
      !blinkish_check_reference(heap, object, "blinkish_persistent_new", "object"))
    return NULL;
  /* Even a weak persistent: weak references were cleared already, so it
   * would dangle after the sweep (.inv.no-resurrection). */
  if (blinkish_refuse_resurrection(heap, NULL, object,
                                   "blinkish_persistent_new",
                                   weak ? "the target of a weak persistent"
                                        : "a root (persistent)"))
    return NULL;
  void *handle;
  persistent_node *node = ccgc_handle_new(&heap->persistents, &handle);
  if (!node) {
    ccgc_error_set(heap->base.errors, CCGC_E_OUT_OF_MEMORY,
                   "blinkish_persistent_new: out of memory");
    return NULL;
  }
  node->object = object;
  node->weak = weak;
  /* A strong persistent is a root whose every store is barriered, so the
   * atomic pause need not rescan persistents (.inv.roots-barriered); a weak
   * one must not keep its target alive. */
  if (!weak) ccgc_write_barrier(heap->base.barrier, NULL, &node->object, object);
  return handle;
}

void *blinkish_persistent_get(const blinkish_persistent *persistent) {
  if (!persistent) return NULL;
  const persistent_node *node =
      ccgc_handle_read_unowned(persistent, "blinkish_persistent_get", NULL);
  return node ? node->object : NULL;
}

void blinkish_persistent_set(blinkish_heap *heap,
                             blinkish_persistent *persistent, void *object) {
  if (!blinkish_enter(heap, CCGC_CALL_STORE, "blinkish_persistent_set"))
    return;
  if (!persistent) return;
  persistent_node *node = ccgc_handle_get(&heap->persistents, persistent,
                                          "blinkish_persistent_set", NULL);
  if (!node) return; /* .api.live-handle */
  if (object &&
      !blinkish_check_reference(heap, object, "blinkish_persistent_set", "object"))
    return;
  if (blinkish_refuse_resurrection(heap, NULL, object,
                                   "blinkish_persistent_set",
                                   node->weak
                                       ? "the target of a weak persistent"
                                       : "a root (persistent)"))
    return; /* .inv.no-resurrection */
  node->object = object;
  if (!node->weak) /* a root: no holder */
    ccgc_write_barrier(heap->base.barrier, NULL, &node->object, object);
}

void blinkish_persistent_free(blinkish_heap *heap,
                              blinkish_persistent *persistent) {
  if (!blinkish_enter(heap, CCGC_CALL_STORE, "blinkish_persistent_free") ||
      !persistent)
    return;
  ccgc_handle_free(&heap->persistents, persistent, "blinkish_persistent_free",
                   NULL); /* .api.live-handle */
}

void blinkish_persistents_free(blinkish_heap *heap) {
  ccgc_handle_table_destroy(&heap->persistents);
}

static void trace_one(void *payload, void *visitor) {
  persistent_node *node = payload;
  if (!node->weak)
    ccgc_visit_strong(visitor, node->object,
                      ccgc_edge_named(CCGC_EDGE_ROOT, "persistent"));
}

void blinkish_trace_persistents(blinkish_heap *heap, ccgc_visitor *visitor) {
  ccgc_handle_table_each(&heap->persistents, trace_one, visitor);
}

static void clear_if_dead(void *payload, void *data) {
  (void)data;
  persistent_node *node = payload;
  if (node->weak && node->object && !ccgc_is_marked(node->object))
    node->object = NULL; /* .inv.weak-before-finalizers */
}

void blinkish_clear_dead_weak_persistents(blinkish_heap *heap) {
  ccgc_handle_table_each(&heap->persistents, clear_if_dead, NULL);
}
