/* stores.c - every store of a reference into the script heap, each followed
 * by the write barrier with its holder, slot and value (marking/write-
 * barrier.h, .inv.script-store-barriered): tagged fields of objects, a
 * wrapper's raw embedder field, root slots (global handles, traced
 * references). The loads, the raw store (no barrier: integers, raw bits,
 * weak words) and v8ish_store (a tagged field) are inline in
 * heap-internal.h. */
#include "heap-internal.h"

void v8ish_store_embedder(v8ish_heap *heap, word_t *wrapper, void *object) {
  v8ish_store_raw(wrapper, WRAPPER_EMBEDDER, (word_t)object); /* not tagged */
  ccgc_write_barrier(heap->base.barrier, wrapper, &wrapper[WRAPPER_EMBEDDER],
                     object);
}

void v8ish_root_barrier(v8ish_heap *heap, v8ish_value *slot,
                        v8ish_value value) {
  if (v8ish_is_ref(value))
    ccgc_write_barrier(heap->base.barrier, NULL, slot, v8ish_untag(value));
}

void v8ish_store_weak_table(v8ish_heap *heap, word_t *object, size_t index,
                            v8ish_value value) {
  v8ish_store_raw(object, index, value);
  /* No holder: the barrier then records no old-to-old slot. The compactor
   * updates every weak table through the heap's lists, and rehashes a
   * table whose key moved, which it could not tell if a recorded slot had
   * been rewritten first (.inv.compaction-slots-recorded). */
  if (v8ish_is_ref(value))
    ccgc_marking_barrier(heap->base.barrier, NULL, &object[index],
                         v8ish_untag(value));
}
