/* prefinalizer.c - pre-finalizers (blinkish.h, docs/dom-heap.md).
 *
 * A finalizer runs during the sweep, when its neighbours may be finalized
 * already, so it may not read members. Some cleanup needs them: an observer
 * removing itself from the live subject's list, a node telling its document
 * it goes. Oilpan's answer, kept here: a per-object pre-finalizer that runs
 * in the heap's pre_reclaim phase, after marking and weak processing, before
 * any heap sweeps, so every dead object is still intact and readable.
 *
 * Rules (checked where they can be):
 *  - it may read the object's members and the objects they reach, dead or
 *    alive (nothing has been finalized or freed yet);
 *  - it must not allocate (blinkish_alloc refuses: CCGC_E_IN_COLLECTION);
 *  - it must not resurrect: storing an object found dead into a survivor or
 *    a root is refused (.inv.no-resurrection). Stores among survivors, and
 *    into dead objects, are allowed;
 *  - it must not register pre-finalizers.
 *
 * The registry is an array in registration order (pre-finalizers of one
 * collection run in that order) and a set of registered objects that enforces
 * "at most one per object". The array costs one mark-bit read per registered
 * object per collection, as in Oilpan.
 */
#include "heap-internal.h"
#include "invariant-check.h"

/* fn(object), or with_data(object, data). */
typedef struct prefinalizer {
  void *object;
  blinkish_prefinalizer_fn fn;
  blinkish_prefinalizer_data_fn with_data;
  void *data;
} prefinalizer;

static ccgc_status add(blinkish_heap *heap, prefinalizer entry,
                       const char *call) {
  void *object = entry.object;
  if (!blinkish_enter(heap, CCGC_CALL_READ, call))
    return blinkish_refusal(heap);
  if (blinkish_in_reclamation(heap) || heap->tearing_down)
    return CCGC_MISUSE(heap->base.errors, CCGC_E_IN_COLLECTION,
                       ".api.outside-collection",
                       "%s: called from a pre-finalizer or finalizer", call);
  if (!blinkish_enter(heap, CCGC_CALL_CONFIGURE, call))
    return heap->base.errors->last.code;
  if (!entry.fn && !entry.with_data)
    return CCGC_MISUSE(heap->base.errors, CCGC_E_INVALID_ARGUMENT,
                       ".api.argument", "%s: no function given", call);
  /* A backing store moves in compaction (its registration would name the
   * old address, and run for a live vector): refused, .inv.backing-owner. */
  if (!blinkish_check_reference(heap, object, call, "object"))
    return heap->base.errors->last.code;
  if (!heap->prefinalizers) {
    heap->prefinalizers = g_array_new(FALSE, FALSE, sizeof(prefinalizer));
    heap->prefinalized = g_hash_table_new(g_direct_hash, g_direct_equal);
  }
  if (g_hash_table_contains(heap->prefinalized, object))
    return CCGC_MISUSE(heap->base.errors, CCGC_E_INVALID_ARGUMENT,
                       ".api.argument",
                       "%s: %s %p already has a pre-finalizer (at most "
                       "one per object)",
                       call, blinkish_type_info_of(heap, object)->name, object);
  g_array_append_val(heap->prefinalizers, entry);
  g_hash_table_add(heap->prefinalized, object);
  return CCGC_OK;
}

ccgc_status blinkish_register_prefinalizer(blinkish_heap *heap, void *object,
                                           blinkish_prefinalizer_fn fn) {
  prefinalizer entry = {object, fn, NULL, NULL};
  return add(heap, entry, "blinkish_register_prefinalizer");
}

ccgc_status blinkish_register_prefinalizer_with_data(
    blinkish_heap *heap, void *object, blinkish_prefinalizer_data_fn fn,
    void *data) {
  prefinalizer entry = {object, NULL, fn, data};
  return add(heap, entry, "blinkish_register_prefinalizer_with_data");
}

static void run_all(blinkish_heap *heap, GArray *list) {
  heap->in_prefinalization = true;
  for (guint i = 0; i < list->len; i++) {
    prefinalizer entry = g_array_index(list, prefinalizer, i);
    if (entry.with_data)
      entry.with_data(entry.object, entry.data);
    else
      entry.fn(entry.object);
  }
  heap->in_prefinalization = false;
}

void blinkish_run_prefinalizers(void *data) {
  blinkish_heap *heap = data;
  if (!heap->prefinalizers) return;
  /* Split first, run second: the registry is consistent (the dead are out of
   * it) before any host code runs. */
  GArray *dying = NULL;
  guint kept = 0;
  for (guint i = 0; i < heap->prefinalizers->len; i++) {
    prefinalizer entry = g_array_index(heap->prefinalizers, prefinalizer, i);
    if (ccgc_is_marked(entry.object)) {
      g_array_index(heap->prefinalizers, prefinalizer, kept++) = entry;
      continue;
    }
    if (!dying) dying = g_array_new(FALSE, FALSE, sizeof(prefinalizer));
    g_array_append_val(dying, entry);
    g_hash_table_remove(heap->prefinalized, entry.object);
  }
  g_array_set_size(heap->prefinalizers, kept);
  if (!dying) return;
  run_all(heap, dying);
  g_array_free(dying, TRUE);
}

void blinkish_prefinalizers_teardown(blinkish_heap *heap) {
  if (!heap->prefinalizers) return;
  /* Every object dies: every pre-finalizer runs, before any finalizer. */
  GArray *all = heap->prefinalizers;
  heap->prefinalizers = NULL;
  g_hash_table_destroy(heap->prefinalized);
  heap->prefinalized = NULL;
  run_all(heap, all);
  g_array_free(all, TRUE);
}
