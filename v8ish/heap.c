/* heap.c - the script heap's life: creation and bootstrap of its permanent
 * objects, freeing, and its operations for the collector (v8ish.h). */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "candidates.h"
#include "heap-internal.h"
#include "invariant-check.h"
#include "nursery.h"
#include "pretenuring.h"
#include "sweeper.h"

_Static_assert(offsetof(v8ish_heap, base) == 0,
               "a v8ish_heap * is a ccgc_heap_base *");
_Static_assert(sizeof(v8ish_heap) < CCGC_SIG_STRUCT_MAX, ".sig");

/* --- the heap's operations (marking/ccgc-heap.h) ------------------------- */

/* .inv.weak-before-finalizers: weak globals, weak-table entries and
 * finalization targets are settled before any heap reclaims. */
static void process_weakness(void *data) {
  /* .inv.raw-epoch: before the first weak reference is cleared and before
   * compaction and sweeping, in the pause (no host code between). */
  v8ish_raw_epoch_advance(data);
  v8ish_clear_dead_weak_globals(data);
  v8ish_weak_collections_prune(data);
  v8ish_finalization_prune(data);
}

static void after_collection(void *data) { v8ish_run_pending_callbacks(data); }

static void stats(void *data, ccgc_heap_stats *out) {
  ccgc_heap_base_stats(data, out);
  v8ish_nursery_stats(data, out);
  const v8ish_heap *heap = data;
  out->evacuated_pages = heap->evacuated_pages;
  out->evacuated_bytes = heap->evacuated_bytes;
  out->evacuated_objects = heap->evacuated_objects;
  /* A collection whose candidates all stayed in place did not compact:
   * every field 0 (ccgc.h), the time it spent checking them included. */
  out->evacuation_ms = heap->evacuated_pages ? heap->evacuation_ms : 0;
  out->evacuation_threads = heap->evacuated_pages ? heap->evacuation_threads : 0;
  v8ish_pretenuring_stats(heap, out);
}

/* A collection's calls in their order, then introspection. */
static const ccgc_heap_ops script_ops = {
    .name = "script",
    .prepare = v8ish_space_prepare,
    .trace_roots = v8ish_trace_roots,
    .trace_unbarriered_roots = v8ish_trace_unbarriered_roots,
    .trace_object = v8ish_trace_object,
    .visit_concurrent = v8ish_visit_concurrent,
    .layouts = v8ish_layouts, /* layouts.c */
    .process_weakness = process_weakness,
    .compact = v8ish_compact, /* compactor.c, docs/compaction.md */

    .reclaim = v8ish_space_sweep,
    .after_collection = after_collection,
    /* Lazy and concurrent sweeping (sweeper.c, docs/sweeping.md). */
    .sweep_start = v8ish_sweep_start, .sweep_step = v8ish_sweep_step,
    .sweep_done = v8ish_sweep_done,
    .sweep_concurrent = v8ish_sweep_concurrent,
    .object_size = v8ish_object_size, .type_name = v8ish_object_type_name,
    .label = v8ish_object_label,
    .for_each_object = v8ish_each_object, .stats = stats,
    .is_object = v8ish_is_object,
    /* The young generation (nursery.c, scavenger.c). */
    .minor_collect = v8ish_minor_collect, .relocated = v8ish_relocated,
    .minor_release = v8ish_minor_release, .after_minor = after_collection,
};

/* --- creation -------------------------------------------------------------- */

static bool bootstrap(v8ish_heap *heap) {
  const char *call = "v8ish_heap_new";
  /* A class's instance type is its instances' type: the meta class's
   * instances are hidden classes. The meta class itself is recognised as
   * the object that is its own class (checks.c). */
  heap->meta_class = v8ish_new_class(heap, V8ISH_TYPE_HIDDEN_CLASS,
                                     CLASS_SIZE_WORDS, 0, 0, call);
  if (!heap->meta_class) return false;
  heap->fixed_array_class =
      v8ish_new_class(heap, V8ISH_TYPE_FIXED_ARRAY, 0, 0, 0, call);
  heap->empty_fixed_array = v8ish_new_fixed_array(heap, 0, call);
  if (!heap->fixed_array_class || !heap->empty_fixed_array) return false;
  /* The first two classes were made before the empty array existed. */
  v8ish_value first[] = {heap->meta_class, heap->fixed_array_class};
  for (int i = 0; i < 2; i++) {
    v8ish_store(heap, v8ish_untag(first[i]), CLASS_NAMES, heap->empty_fixed_array);
    v8ish_store(heap, v8ish_untag(first[i]), CLASS_TRANSITIONS,
                heap->empty_fixed_array);
  }
  /* Classes of objects without properties: words 0 = size from the object. */
  heap->filler_class = v8ish_new_class(heap, V8ISH_TYPE_FILLER, 0, 0, 0, call);
  heap->one_word_filler_class =
      v8ish_new_class(heap, V8ISH_TYPE_FILLER, 1, 0, 0, call);
  heap->number_class =
      v8ish_new_class(heap, V8ISH_TYPE_HEAP_NUMBER, 2, 0, 0, call);
  heap->string_class = v8ish_new_class(heap, V8ISH_TYPE_STRING, 0, 0, 0, call);
  heap->double_array_class =
      v8ish_new_class(heap, V8ISH_TYPE_DOUBLE_ARRAY, 0, 0, 0, call);
  heap->context_class = v8ish_new_class(heap, V8ISH_TYPE_CONTEXT, 0, 0, 0, call);
  heap->object_class = v8ish_new_class(heap, V8ISH_TYPE_OBJECT,
                                       3 + V8ISH_INITIAL_SLACK, 3,
                                       V8ISH_INITIAL_SLACK, call);
  heap->array_class = v8ish_new_class(heap, V8ISH_TYPE_ARRAY, ARRAY_WORDS,
                                      ARRAY_WORDS, 0, call);
  heap->closure_class = v8ish_new_class(heap, V8ISH_TYPE_CLOSURE, CLOSURE_WORDS,
                                        CLOSURE_WORDS, 0, call);
  if (!v8ish_weak_collections_init(heap) || !v8ish_finalization_init(heap))
    return false;
  return heap->filler_class && heap->one_word_filler_class && heap->number_class &&
         heap->string_class && heap->double_array_class && heap->context_class &&
         heap->object_class && heap->array_class && heap->closure_class;
}

#define V8ISH_YOUNG_MAX_BYTES ((size_t)1 << 30)

/* The young generation's bounds (.api.argument): each 0 (the default) or
 * at most V8ISH_YOUNG_MAX_BYTES, and min not above a nonzero max. Reported
 * into errors unless it is NULL. */
static bool young_bounds_valid(const ccgc_heap_options *o,
                               ccgc_error_sink *errors) {
  const char *bad = NULL;
  size_t value = 0;
  if (o->young_min_bytes > V8ISH_YOUNG_MAX_BYTES)
    bad = "young_min_bytes", value = o->young_min_bytes;
  else if (o->young_max_bytes > V8ISH_YOUNG_MAX_BYTES)
    bad = "young_max_bytes", value = o->young_max_bytes;
  if (bad) {
    if (errors)
      CCGC_MISUSE(errors, CCGC_E_INVALID_ARGUMENT, ".api.argument",
                  "v8ish_heap_new: %s %zu is above %zu (a semi-space of 1 GiB "
                  "at most; 0: the default)",
                  bad, value, V8ISH_YOUNG_MAX_BYTES);
    return false;
  }
  if (o->young_max_bytes && o->young_min_bytes > o->young_max_bytes) {
    if (errors)
      CCGC_MISUSE(errors, CCGC_E_INVALID_ARGUMENT, ".api.argument",
                  "v8ish_heap_new: young_min_bytes %zu is above "
                  "young_max_bytes %zu",
                  o->young_min_bytes, o->young_max_bytes);
    return false;
  }
  return true;
}

v8ish_heap *v8ish_heap_new_layout(ccgc_collector *collector,
                                  const v8ish_heap_options *options,
                                  unsigned layout) {
  v8ish_heap *heap =
      ccgc_heap_base_new(sizeof *heap, V8ISH_SIG, collector, options,
                         "v8ish_heap_new");
  if (!heap) return NULL;
  /* A refused heap is freed before the report: a handler that does not
   * return (longjmp, docs/errors.md) leaks nothing. The sink is the
   * collector's; the options are copied out first. */
  ccgc_error_sink *errors = heap->base.errors;
  ccgc_heap_options checked = heap->base.options;
  if (layout != V8ISH_FAST_LAYOUT) {
    /* The host's inline calls (v8ish-fast.h) would read this heap with
     * another version's layout. */
    ccgc_heap_base_free(&heap->base);
    CCGC_MISUSE(errors, CCGC_E_INVALID_ARGUMENT, ".api.argument",
                "v8ish_heap_new: the host was compiled against the inline "
                "calls of another ccgc version (layout %u; this library's "
                "is %u): rebuild it against this version's headers",
                layout, (unsigned)V8ISH_FAST_LAYOUT);
    return NULL;
  }
  if (!young_bounds_valid(&checked, NULL)) {
    ccgc_heap_base_free(&heap->base);
    young_bounds_valid(&checked, errors);
    return NULL;
  }
  /* Handles carry no heap pointer: each heap's scope serials and global
   * generations start at random, so another heap's handle does not name
   * one of this heap's (it is refused as freed, .api.live-handle). */
  uint64_t bits = v8ish_heap_random(heap);
  heap->fast.next_serial =
      (bits & 0xffffffffu) | ((bits >> 32) % ((1u << 30) - 1) + 1) << 32;
  /* The public calls' inline fast paths (v8ish-fast.h) find the handle
   * area through the base, and read the gate's word themselves. */
  heap->fast.marking = (const int *)&heap->base.barrier->marking;
  heap->fast.used_bytes = &heap->base.space.used_bytes;
  heap->fast.object_count = &heap->base.space.object_count;
  heap->base.fast = &heap->fast;
  heap->global_generation_base = (uint32_t)v8ish_heap_random(heap);
  v8ish_raw_epoch_init(heap);
  heap->wrapper_classes =
      g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
  ccgc_handle_table_init(&heap->traced, "traced reference", heap->base.errors);
  heap->young_traced = g_ptr_array_new();
  v8ish_pretenuring_init(heap);
  ccgc_segment_cache_init(&heap->scavenge_segments);
  v8ish_sweep_init(heap);
  v8ish_layouts_init(heap);
  if (!ccgc_heap_base_attach(&heap->base, &script_ops, "v8ish_heap_new") || !bootstrap(heap)) {
    v8ish_space_release_all(heap); /* what bootstrap allocated */
    v8ish_sweep_free(heap);
    ccgc_handle_table_destroy(&heap->traced);
    g_ptr_array_free(heap->young_traced, TRUE);
    g_hash_table_destroy(heap->wrapper_classes);
    v8ish_weakness_free(heap);
    v8ish_pretenuring_free(heap);
    v8ish_layouts_free(heap);
    ccgc_segment_cache_destroy(&heap->scavenge_segments);
    ccgc_heap_base_free(&heap->base);
    return NULL;
  }
  /* The permanent objects are old (bootstrap allocated them with the
   * nursery off), so old space never points at a young internal; from
   * here every new object is young (docs/script-heap.md). */
  v8ish_nursery_init(heap);
  heap->booted = true;
  heap->fast.fixed_array_class = heap->fixed_array_class; /* never moves */
  if (heap->nursery.enabled) {
    heap->old_lab = heap->fast.lab;
    heap->fast.lab.cursor = heap->fast.lab.limit = NULL;
    heap->old_used_bytes = heap->base.space.used_bytes;
    heap->old_objects = heap->base.space.object_count;
    heap->base.old_used = v8ish_nursery_old_used;
  }
  return heap;
}

ccgc_status v8ish_heap_set_droppable_handler(v8ish_heap *heap,
                                             v8ish_droppable_fn handler,
                                             void *data) {
  if (!v8ish_enter(heap, CCGC_CALL_CONFIGURE,
                   "v8ish_heap_set_droppable_handler"))
    return v8ish_last_status(heap);
  heap->droppable = handler;
  heap->droppable_data = data;
  return CCGC_OK;
}

void v8ish_heap_free(v8ish_heap *heap) {
  /* Not from a callback: a collection or a DOM heap's teardown runs. */
  if (!v8ish_enter(heap, CCGC_CALL_READ, "v8ish_heap_free") ||
      ccgc_collector_refuse_free_in_callbacks(heap->base.collector,
                                              "v8ish_heap_free") != CCGC_OK)
    return;
  /* Inside a collection (a trace callback, a walk, a listener, the
   * droppable handler, reclamation): refused as blinkish_heap_free is
   * (docs/errors.md: `.api.outside-collection`; the gate's CONFIGURE
   * refusal named the read-only rule of trace callbacks). */
  ccgc_collector *collector = heap->base.collector;
  if (ccgc_collector_in_collection(collector) ||
      ccgc_collector_context(collector) != CCGC_CONTEXT_MUTATOR) {
    CCGC_MISUSE(heap->base.errors, CCGC_E_IN_COLLECTION,
                ".api.outside-collection",
                "v8ish_heap_free: called from %s, which may not free a heap",
                ccgc_collector_context_name(collector));
    return;
  }
  if (heap->bridges) { /* its DOM objects hold script references into it */
    CCGC_MISUSE(heap->base.errors, CCGC_E_INVALID_ARGUMENT,
                ".api.bridge-order",
                "v8ish_heap_free: a bridge is still joined to this script "
                "heap; free the DOM heap, then the bridge, then the script "
                "heap");
    return;
  }
  /* The marker's worklists and the marker threads may hold objects of this
   * heap: the cycle finishes before its pages go (as blinkish_heap_free
   * does). */
  /* Unswept pages and sweeper threads go before the pages do. */
  ccgc_collector_finish_for_heap_free(heap->base.collector);
  ccgc_collector_pause_markers(heap->base.collector);
  v8ish_compaction_finish(heap); /* a cycle's candidates, if one runs */
  heap->freeing = true;
  ccgc_collector_announce_heap_freed(heap->base.collector, heap->base.heap_id);
  v8ish_space_release_all(heap);
  v8ish_sweep_free(heap);
  v8ish_handles_free(heap);
  v8ish_object_map_free(heap);
  g_hash_table_destroy(heap->wrapper_classes);
  v8ish_weakness_free(heap);
  v8ish_pretenuring_free(heap);
  v8ish_layouts_free(heap);
  ccgc_segment_cache_destroy(&heap->scavenge_segments);
  ccgc_heap_base_free(&heap->base);
}

void v8ish_heap_join_bridge(v8ish_heap *heap, v8ish_bridge_link *link) {
  link->next = heap->bridges;
  heap->bridges = link;
}

void v8ish_heap_leave_bridge(v8ish_heap *heap, v8ish_bridge_link *link) {
  for (v8ish_bridge_link **at = &heap->bridges; *at; at = &(*at)->next)
    if (*at == link) {
      *at = link->next;
      return;
    }
}

ccgc_collector *v8ish_heap_collector(v8ish_heap *heap) {
  return ccgc_heap_base_public_collector((const ccgc_heap_base *)heap,
                                         V8ISH_SIG, "v8ish_heap_collector");
}

int v8ish_heap_collector_id(v8ish_heap *heap) {
  return ccgc_heap_base_public_id((const ccgc_heap_base *)heap, V8ISH_SIG,
                                  "v8ish_heap_collector_id");
}

bool v8ish_heap_contains(v8ish_heap *heap, const void *address) {
  return ccgc_heap_base_public_contains((const ccgc_heap_base *)heap,
                                        V8ISH_SIG, address,
                                        "v8ish_heap_contains");
}

void v8ish_heap_stats(v8ish_heap *heap, ccgc_heap_stats *out) {
  ccgc_heap_base_public_stats((const ccgc_heap_base *)heap, V8ISH_SIG, out,
                              "v8ish_heap_stats");
}
