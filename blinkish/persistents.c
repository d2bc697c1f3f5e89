/* persistents.c - persistents: root nodes owned by the host, strong or weak,
 * in a circular list on the heap (blinkish.h); their freeing at heap
 * teardown, their tracing as roots and their weakness. */
#include <stdlib.h>

#include "heap-internal.h"

blinkish_persistent *blinkish_persistent_new(blinkish_heap *heap, void *object,
                                             bool weak) {
  if (!blinkish_enter(heap, CCGC_CALL_STORE, "blinkish_persistent_new"))
    return NULL;
  if (object &&
      !blinkish_check_object(heap, object, "blinkish_persistent_new", "object"))
    return NULL;
  /* Even a weak persistent: weak references were cleared already, so it
   * would dangle after the sweep (.inv.no-resurrection). */
  if (blinkish_refuse_resurrection(heap, NULL, object,
                                   "blinkish_persistent_new",
                                   weak ? "the target of a weak persistent"
                                        : "a root (persistent)"))
    return NULL;
  blinkish_persistent *node = calloc(1, sizeof *node);
  if (!node) {
    ccgc_error_set(heap->base.errors, CCGC_E_OUT_OF_MEMORY,
                   "blinkish_persistent_new: out of memory");
    return NULL;
  }
  node->object = object;
  node->weak = weak;
  node->next = heap->persistents.next;
  node->prev = &heap->persistents;
  heap->persistents.next->prev = node;
  heap->persistents.next = node;
  /* Persistents are roots, rescanned in the atomic pause: no barrier needed
   * for strong ones; a weak one must not keep its target alive. */
  return node;
}

void *blinkish_persistent_get(const blinkish_persistent *persistent) {
  return persistent ? persistent->object : NULL;
}

void blinkish_persistent_set(blinkish_heap *heap,
                             blinkish_persistent *persistent, void *object) {
  if (!blinkish_enter(heap, CCGC_CALL_STORE, "blinkish_persistent_set"))
    return;
  if (!persistent) return;
  if (object &&
      !blinkish_check_object(heap, object, "blinkish_persistent_set", "object"))
    return;
  if (blinkish_refuse_resurrection(heap, NULL, object,
                                   "blinkish_persistent_set",
                                   persistent->weak
                                       ? "the target of a weak persistent"
                                       : "a root (persistent)"))
    return; /* .inv.no-resurrection */
  persistent->object = object;
  if (!persistent->weak) /* a root: no holder */
    ccgc_write_barrier(heap->base.barrier, NULL, &persistent->object, object);
}

void blinkish_persistent_free(blinkish_heap *heap,
                              blinkish_persistent *persistent) {
  (void)heap;
  if (!persistent) return;
  persistent->prev->next = persistent->next;
  persistent->next->prev = persistent->prev;
  free(persistent);
}

void blinkish_persistents_free(blinkish_heap *heap) {
  while (heap->persistents.next != &heap->persistents) {
    blinkish_persistent *node = heap->persistents.next;
    heap->persistents.next = node->next;
    free(node);
  }
}

void blinkish_trace_persistents(blinkish_heap *heap, ccgc_visitor *visitor) {
  for (blinkish_persistent *node = heap->persistents.next;
       node != &heap->persistents; node = node->next)
    if (!node->weak)
      ccgc_visit_strong(visitor, node->object,
                        ccgc_edge_named(CCGC_EDGE_ROOT, "persistent"));
}

void blinkish_clear_dead_weak_persistents(blinkish_heap *heap) {
  for (blinkish_persistent *node = heap->persistents.next;
       node != &heap->persistents; node = node->next)
    if (node->weak && node->object && !ccgc_is_marked(node->object))
      node->object = NULL; /* .inv.weak-before-finalizers */
}
