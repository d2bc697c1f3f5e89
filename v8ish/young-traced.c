/* young-traced.c - the traced references that may hold a young object
 * (heap->young_traced, .inv.young-traced-listed): V8's young nodes of its
 * traced handles. A scavenge visits these instead of the whole table of
 * traced references (v8ish/handles.c) and prunes them after. */
#include "handles-inl.h"
#include "invariant-check.h"

static inline bool young_value(v8ish_value raw) {
  return v8ish_is_ref(raw) && ccgc_page_is_young(ccgc_page_of(v8ish_untag(raw)));
}

void v8ish_young_traced_record(v8ish_heap *heap, traced_slot *slot) {
  if (!slot->young_listed && young_value(slot->value)) {
    slot->young_listed = true;
    g_ptr_array_add(heap->young_traced, slot);
  }
}

void v8ish_young_traced_each(v8ish_heap *heap, void (*fn)(void *payload, void *data),
                             void *data) {
  GPtrArray *list = heap->young_traced;
  for (guint i = 0; i < list->len; i++) {
    traced_slot *slot = g_ptr_array_index(list, i);
    if (ccgc_handle_payload_live(slot)) fn(slot, data);
  }
}

/* .inv.young-traced-listed, in debug builds after every scavenge. */
static void check_young_listed(void *payload, void *data) {
  const v8ish_heap *heap = data;
  const traced_slot *slot = payload;
  /* A value stored before the last full pause is not young, and may be
   * stale (.inv.stale-traced-skipped): not read. */
  CCGC_CHECK_DEBUG(slot->epoch != heap->full_epoch || !young_value(slot->value) ||
                       slot->young_listed,
                   ".inv.young-traced-listed");
  /* A reference the droppable handler let go is a root again after the
   * scavenge that dropped it (or emptied). */
  CCGC_CHECK_DEBUG(!slot->dropping, ".inv.young-traced-listed");
}

void v8ish_young_traced_prune(v8ish_heap *heap) {
  GPtrArray *list = heap->young_traced;
  guint kept = 0;
  for (guint i = 0; i < list->len; i++) {
    traced_slot *slot = g_ptr_array_index(list, i);
    /* A value stored before the last full pause is old, or stale: its
     * holder may be a dead DOM object not swept yet whose target's page is
     * gone (.inv.stale-traced-skipped); it is dropped unread. */
    if (ccgc_handle_payload_live(slot) && slot->epoch == heap->full_epoch &&
        young_value(slot->value))
      list->pdata[kept++] = slot;
    else
      slot->young_listed = false;
  }
  g_ptr_array_set_size(list, kept);
  if (CCGC_DEBUG_ENABLED)
    ccgc_handle_table_each(&heap->traced, check_young_listed, heap);
}
