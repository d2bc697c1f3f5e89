/* heap.c - the DOM heap's life: creation, freeing (every remaining object
 * finalized) and its operations for the collector (blinkish.h). */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "heap-internal.h"
#include "invariant-check.h"

_Static_assert(offsetof(blinkish_heap, base) == 0,
               "a blinkish_heap * is a ccgc_heap_base *");
_Static_assert(sizeof(blinkish_heap) < CCGC_SIG_STRUCT_MAX, ".sig");

/* --- the heap's operations (marking/ccgc-heap.h) ------------------------- */

static size_t object_size(void *data, const void *object) {
  (void)data;
  return blinkish_payload_size(object);
}

/* validation.c's start map; not an object the collection found dead while
 * its marks are final (finalizers, pre-finalizers, weak callbacks: a probe
 * made there took it as alive, then followed the next object at its
 * address), nor any object of a heap being freed (its teardown's
 * finalizers and heap_freed listeners). */
static bool is_object(void *heap, const void *address) {
  return !((blinkish_heap *)heap)->tearing_down && blinkish_is_object(heap, address);
}

/* A backing store: only its owner's first member references it
 * (.inv.backing-owner). */
static bool is_private(void *heap, const void *object) {
  blinkish_heap *self = heap;
  return blinkish_type_is_backing(
      self, blinkish_header_type(blinkish_header_of(object)));
}

static void stats(void *data, ccgc_heap_stats *out) {
  ccgc_heap_base_stats(data, out);
  const blinkish_heap *heap = data;
  out->evacuated_pages = heap->evacuated_pages;
  out->evacuated_bytes = heap->evacuated_bytes;
  out->evacuated_objects = heap->evacuated_objects;
  out->evacuation_ms = heap->evacuated_pages ? heap->evacuation_ms : 0;
  /* The owner copies the backing stores alone; 0 when it copied nothing
   * (only pages whose backings all died: released, evacuated_pages counts
   * them; ccgc-stats.h). */
  out->evacuation_threads = heap->evacuated_objects ? 1 : 0;
}

/* A collection's calls in their order, then introspection. */
static const ccgc_heap_ops dom_ops = {
    .name = "dom",
    .prepare = blinkish_prepare, .trace_roots = blinkish_trace_roots,
    .trace_unbarriered_roots = blinkish_trace_unbarriered_roots,
    .trace_object = blinkish_trace_object,
    .prefetch_object = blinkish_prefetch_object,
    .header_before_object = true, /* header, wrappable slot */
    .layouts = blinkish_layouts, /* layouts.c */
    .process_weakness = blinkish_process_weakness,
    /* Backing stores move (compactor.c, docs/compaction.md); the sweeps
     * release the pages they left. */
    .compact = blinkish_compact, .pre_reclaim = blinkish_run_prefinalizers,
    .finalize = blinkish_finalize_dead, .reclaim = blinkish_sweep,
    .object_size = object_size, .type_name = blinkish_object_type_name,
    .for_each_object = blinkish_each_object, .stats = stats,
    .is_object = is_object,
    .is_private = is_private,
    /* Lazy and concurrent sweeping (lazy-sweeper.c). */
    .sweep_start = blinkish_sweep_start, .sweep_step = blinkish_sweep_step,
    .sweep_done = blinkish_sweep_done,
    .sweep_concurrent = blinkish_sweep_concurrent,
};

/* What the collector's stats op reports, for the host. */
void blinkish_heap_stats(blinkish_heap *heap, ccgc_heap_stats *out) {
  ccgc_heap_base_public_stats((const ccgc_heap_base *)heap, BLINKISH_SIG, out,
                              "blinkish_heap_stats");
}

/* --- creation ----------------------------------------------------------- */

blinkish_heap *blinkish_heap_new(ccgc_collector *collector,
                                 const blinkish_heap_options *options) {
  blinkish_heap *heap = ccgc_heap_base_new(
      sizeof *heap, BLINKISH_SIG, collector, options, "blinkish_heap_new");
  if (!heap) return NULL;
  heap->types = calloc(BLINKISH_MAX_TYPES, sizeof *heap->types);
  heap->layout_table = calloc(BLINKISH_MAX_TYPES, sizeof *heap->layout_table);
  if (!heap->types || !heap->layout_table) {
    free(heap->types);
    free(heap->layout_table);
    ccgc_error_set(ccgc_collector_error_sink(collector), CCGC_E_OUT_OF_MEMORY,
                   "blinkish_heap_new: out of memory");
    ccgc_heap_base_free(&heap->base);
    return NULL;
  }
  heap->not_constructed = g_ptr_array_new();
  pthread_mutex_init(&heap->not_constructed_lock, NULL);
  if (!ccgc_heap_base_attach(&heap->base, &dom_ops, "blinkish_heap_new")) {
    g_ptr_array_free(heap->not_constructed, TRUE);
    pthread_mutex_destroy(&heap->not_constructed_lock);
    free(heap->types);
    free(heap->layout_table);
    ccgc_heap_base_free(&heap->base);
    return NULL;
  }
  blinkish_layouts_init(heap);
  blinkish_persistents_init(heap);
  heap->sweep.max_listed = BLINKISH_MAX_LISTED;
  heap->types[0].name = strdup("(free)");
  blinkish_vector_register_types(heap);
  blinkish_weak_register_types(heap);
  heap->host_types_from = (uint16_t)(heap->type_count + 1);
  return heap;
}

void blinkish_heap_free(blinkish_heap *heap) {
  if (!blinkish_enter(heap, CCGC_CALL_READ, "blinkish_heap_free")) return;
  ccgc_collector *collector = heap->base.collector;
  if (ccgc_collector_refuse_free_in_callbacks(collector,
                                              "blinkish_heap_free") != CCGC_OK)
    return;
  if (blinkish_in_reclamation(heap) || heap->tearing_down ||
      ccgc_collector_in_collection(collector) ||
      ccgc_collector_context(collector) != CCGC_CONTEXT_MUTATOR) {
    CCGC_MISUSE(heap->base.errors, CCGC_E_IN_COLLECTION,
                ".api.outside-collection",
                "blinkish_heap_free: called from %s, which may not free a "
                "heap",
                ccgc_collector_context_name(collector));
    return;
  }
  /* The marker's worklists may hold objects of this heap: finish the cycle
   * before its pages go. */
  /* Pages waiting to be swept: swept now (their finalizers run once), and
   * the sweeper threads stop before the pages go (V8's
   * EnsureSweepingCompleted). */
  ccgc_collector_finish_for_heap_free(collector);
  blinkish_lab_seal(heap);
  /* Every object dies now, in the order a collection would reclaim them:
   * weak collections emptied (external values released), pre-finalizers
   * with everything readable, then finalizers. */
  heap->tearing_down = true;
  /* Teardown counts as a collection: the host code it runs may not
   * collect, allocate or configure heaps (gate.h, TEARDOWN). */
  ccgc_call_context outer =
      ccgc_collector_enter_context(collector, CCGC_CONTEXT_TEARDOWN);
  blinkish_weak_collections_teardown(heap);
  blinkish_prefinalizers_teardown(heap);
  blinkish_finalize_all(heap);
  ccgc_collector_leave_context(collector, outer);
  ccgc_collector_announce_heap_freed(collector, heap->base.heap_id);
  blinkish_pages_release_all(heap);
  blinkish_sweep_free(heap);
  blinkish_persistents_free(heap);
  for (unsigned i = 0; i <= heap->type_count; i++) {
    free(heap->types[i].name);
    blinkish_type_free_members(&heap->types[i]);
  }
  free(heap->types);
  free(heap->layout_table);
  g_ptr_array_free(heap->not_constructed, TRUE);
  pthread_mutex_destroy(&heap->not_constructed_lock);
  ccgc_heap_base_free(&heap->base);
}

int blinkish_heap_collector_id(blinkish_heap *heap) {
  return ccgc_heap_base_public_id((const ccgc_heap_base *)heap, BLINKISH_SIG,
                                  "blinkish_heap_collector_id");
}

bool blinkish_heap_contains(blinkish_heap *heap, const void *address) {
  return ccgc_heap_base_public_contains((const ccgc_heap_base *)heap,
                                        BLINKISH_SIG, address,
                                        "blinkish_heap_contains");
}

ccgc_collector *blinkish_heap_collector(blinkish_heap *heap) {
  return ccgc_heap_base_public_collector((const ccgc_heap_base *)heap,
                                         BLINKISH_SIG, "blinkish_heap_collector");
}
