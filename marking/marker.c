/* marker.c - the unified tri-color marker (marker.h).
 *
 * Starts at the roots of every heap, then drains: each grey object is
 * delegated to the heap that owns it (page header -> heap id), whose
 * trace_object reports the object's references back to this visitor. A newly
 * reached object turns grey and goes on the worklist of *its* heap, so marking
 * "continues in the component where there is work". Iterative: no recursion
 * on the C stack, whatever the length of a chain.
 *
 * After the worklists run dry, the ephemeron fixed point (ephemeron-table.h).
 * Then every recorded weak slot whose target stayed white is cleared
 * (.inv.weak-before-finalizers: before any heap reclaims).
 */
#include "invariant-check.h"
#include "marker.h"

#include <string.h>

#include "collector-internal.h"

#define DEADLINE_CHECK_INTERVAL 256u

static void report_foreign(ccgc_marker *marker, const void *target,
                           ccgc_edge edge) {
  /* A heap handed the marker an address no heap owns: an internal error (the
   * heaps validate every pointer at the API boundary). Stop before it
   * corrupts a mark table. */
  CCGC_MISUSE(&marker->collector->errors, CCGC_E_FOREIGN_POINTER,
              ".inv.worklist-objects",
              "marker: %s edge '%s' points to %p, which no heap owns",
              ccgc_edge_kind_name(edge.kind), edge.name ? edge.name : "",
              target);
}

static inline void mark_and_push(ccgc_marker *marker, void *target,
                                 ccgc_edge edge) {
  /* Debug builds only: a registry lookup per edge is what the mark loop
   * must not pay (.inv.worklist-objects). */
  if (CCGC_DEBUG_ENABLED &&
      !ccgc_collector_find_page(marker->collector, target)) {
    report_foreign(marker, target, edge);
    return;
  }
  if (ccgc_mark_white_to_grey(target)) /* .inv.color-monotonic */
    ccgc_worklist_push(&marker->locals[ccgc_page_of(target)->heap_id], target);
}

static void marker_strong(ccgc_visitor *visitor, void *target, ccgc_edge edge) {
  mark_and_push((ccgc_marker *)visitor, target, edge);
}

static void marker_weak(ccgc_visitor *visitor, void **slot, ccgc_edge edge) {
  ccgc_marker *marker = (ccgc_marker *)visitor;
  (void)edge;
  if (*slot) g_array_append_val(marker->weak_slots, slot);
}

void ccgc_marker_flush_ephemerons(ccgc_marker *marker) {
  int count = marker->discovered_count;
  marker->discovered_count = 0;
  for (int i = 0; i < count; i++) {
    ccgc_discovered_ephemeron *e = &marker->discovered[i];
    if (ccgc_is_marked(e->key))
      mark_and_push(marker, e->value, e->edge);
    else
      ccgc_ephemeron_table_add(&marker->ephemerons, e->key, e->value);
  }
}

static void marker_ephemeron(ccgc_visitor *visitor, void *key, void *value,
                             ccgc_edge edge) {
  ccgc_marker *marker = (ccgc_marker *)visitor;
  __builtin_prefetch(ccgc_mark_byte(key));
  marker->discovered[marker->discovered_count++] =
      (ccgc_discovered_ephemeron){key, value, edge};
  if (marker->discovered_count == CCGC_EPHEMERON_BATCH)
    ccgc_marker_flush_ephemerons(marker);
}

static void marker_weak_callback(ccgc_visitor *visitor,
                                 ccgc_weak_callback_fn fn, void *object) {
  ccgc_marker *marker = (ccgc_marker *)visitor;
  ccgc_weak_callback_entry entry = {fn, object, NULL, NULL};
  g_array_append_val(marker->weak_callbacks, entry);
}

static void marker_weak_callback_with_data(ccgc_visitor *visitor,
                                           ccgc_weak_callback_data_fn fn,
                                           void *object, void *data) {
  ccgc_marker *marker = (ccgc_marker *)visitor;
  ccgc_weak_callback_entry entry = {NULL, object, fn, data};
  g_array_append_val(marker->weak_callbacks, entry);
}

static const ccgc_visitor_ops marker_ops = {
    .strong = marker_strong,
    .weak = marker_weak,
    .ephemeron = marker_ephemeron,
    .weak_callback = marker_weak_callback,
    .weak_callback_with_data = marker_weak_callback_with_data,
};

static void release_value(void *value, void *data) {
  mark_and_push(data, value, ccgc_edge_named(CCGC_EDGE_EPHEMERON, NULL));
}

void ccgc_marker_begin(ccgc_marker *marker, ccgc_collector *collector) {
  memset(marker, 0, sizeof *marker);
  marker->base.ops = &marker_ops;
  marker->collector = collector;
  marker->active = true;
  marker->weak_slots = g_array_new(FALSE, FALSE, sizeof(void **));
  marker->weak_callbacks =
      g_array_new(FALSE, FALSE, sizeof(ccgc_weak_callback_entry));
  ccgc_ephemeron_table_init(&marker->ephemerons, &collector->bulk_cache);
  for (int id = 0; id < CCGC_MAX_HEAPS; id++)
    ccgc_worklist_local_init(&marker->locals[id], &collector->worklists[id]);
}

void ccgc_marker_end(ccgc_marker *marker) {
  for (int id = 0; id < CCGC_MAX_HEAPS; id++) {
    ccgc_worklist_local_destroy(&marker->locals[id]);
    ccgc_worklist_clear(&marker->collector->worklists[id]);
  }
  g_array_free(marker->weak_slots, TRUE);
  g_array_free(marker->weak_callbacks, TRUE);
  CCGC_CHECK(marker->discovered_count == 0, ".inv.ephemerons-flushed");
  ccgc_ephemeron_table_destroy(&marker->ephemerons);
  /* Big arrays no collection asked for since the last end go back. */
  ccgc_bulk_cache_trim(&marker->collector->bulk_cache);
  marker->active = false;
}

void ccgc_marker_publish(ccgc_marker *marker) {
  for (int id = 0; id < CCGC_MAX_HEAPS; id++)
    ccgc_worklist_local_publish(&marker->locals[id]);
}

void ccgc_marker_trace_roots(ccgc_marker *marker) {
  ccgc_collector *collector = marker->collector;
  for (int id = 0; id < collector->heap_count; id++) {
    ccgc_heap_slot *slot = &collector->heaps[id];
    if (slot->heap) slot->ops->trace_roots(slot->heap, &marker->base);
  }
  ccgc_marker_flush_ephemerons(marker);
}

void ccgc_marker_rescan_roots(ccgc_marker *marker) {
  ccgc_collector *collector = marker->collector;
  for (int id = 0; id < collector->heap_count; id++) {
    ccgc_heap_slot *slot = &collector->heaps[id];
    if (!slot->heap) continue;
    if (slot->ops->trace_unbarriered_roots)
      slot->ops->trace_unbarriered_roots(slot->heap, &marker->base);
    else
      slot->ops->trace_roots(slot->heap, &marker->base);
  }
  ccgc_marker_flush_ephemerons(marker);
}

/* Work the mutator's barrier left joins the shared pools. */
static void take_mutator_work(ccgc_collector *collector) {
  pthread_mutex_lock(&collector->barrier_lock);
  for (int id = 0; id < collector->heap_count; id++)
    ccgc_worklist_local_publish(&collector->mutator_locals[id]);
  pthread_mutex_unlock(&collector->barrier_lock);
}

static inline void visit(ccgc_marker *marker, ccgc_heap_slot *slot, int id,
                         void *object) {
  slot->ops->trace_object(slot->heap, object, &marker->base);
  if (marker->discovered_count) ccgc_marker_flush_ephemerons(marker);
  marker->marked[id]++;
  if (marker->ephemerons.indexed) /* a marked key releases its values */
    ccgc_ephemeron_table_key_marked(&marker->ephemerons, object, release_value,
                                    marker);
}

size_t ccgc_marker_drain(ccgc_marker *marker, double deadline_ms,
                         size_t max_objects) {
  ccgc_collector *collector = marker->collector;
  size_t visited = 0;
  bool progress;
  take_mutator_work(collector);
  do {
    progress = false;
    for (int id = 0; id < collector->heap_count; id++) {
      ccgc_heap_slot *slot = &collector->heaps[id];
      ccgc_worklist_local *local = &marker->locals[id];
      void *object;
      while (ccgc_worklist_pop(local, &object)) {
        progress = true;
        /* Whoever wins grey -> black visits; a loser's object was visited by
         * someone else (a mutator running the unsafe-change protocol). */
        if (!ccgc_mark_grey_to_black(object)) continue;
        visit(marker, slot, id, object);
        ++visited;
        if ((max_objects && visited >= max_objects) ||
            (visited % DEADLINE_CHECK_INTERVAL == 0 && deadline_ms > 0 &&
             ccgc_now_ms() >= deadline_ms)) {
          /* Leave the rest stealable for the next step (or another thread). */
          ccgc_worklist_local_publish(local);
          return visited;
        }
      }
    }
    if (!progress) {
      take_mutator_work(collector);
      for (int id = 0; id < collector->heap_count && !progress; id++)
        progress = !ccgc_worklist_is_empty(&collector->worklists[id]);
    }
  } while (progress);
  return visited;
}

bool ccgc_marker_has_no_work(ccgc_marker *marker) {
  ccgc_collector *collector = marker->collector;
  take_mutator_work(collector);
  for (int id = 0; id < collector->heap_count; id++) {
    if (!ccgc_worklist_local_is_empty(&marker->locals[id]) ||
        !ccgc_worklist_is_empty(&collector->worklists[id]))
      return false;
  }
  return true;
}

void ccgc_marker_fixed_point(ccgc_marker *marker) {
  ccgc_marker_drain(marker, 0, 0);
  /* Drain, release, drain, ... until a round releases nothing. */
  while (!ccgc_ephemeron_table_is_empty(&marker->ephemerons) &&
         ccgc_ephemeron_table_round(&marker->ephemerons, release_value,
                                    marker) > 0)
    ccgc_marker_drain(marker, 0, 0);
}

size_t ccgc_marker_clear_weak_slots(ccgc_marker *marker) {
  /* .inv.weak-before-finalizers: custom weakness runs while every dead object
   * is still intact and before any heap finalizes. A registration's object is
   * black (it registered while being traced), so its callback may read it. */
  for (size_t i = 0; i < marker->weak_callbacks->len; i++) {
    ccgc_weak_callback_entry entry =
        g_array_index(marker->weak_callbacks, ccgc_weak_callback_entry, i);
    ccgc_weak_callback_run(&entry);
  }
  g_array_set_size(marker->weak_callbacks, 0);
  size_t cleared = 0;
  for (size_t i = 0; i < marker->weak_slots->len; i++) {
    void **slot = g_array_index(marker->weak_slots, void **, i);
    if (*slot && !ccgc_is_marked(*slot)) {
      *slot = NULL;
      cleared++;
    }
  }
  return cleared;
}

void ccgc_marker_visit_now(ccgc_marker *marker, void *object) {
  ccgc_page *page = ccgc_page_of(object);
  ccgc_heap_slot *slot = &marker->collector->heaps[page->heap_id];
  visit(marker, slot, page->heap_id, object);
  /* Targets went to the marker's local views: publish them so the next step
   * (or a concurrent marker) finds them. */
  for (int id = 0; id < marker->collector->heap_count; id++)
    ccgc_worklist_local_publish(&marker->locals[id]);
}

/* .inv.worklists-current: after a minor collection during marking. */
void ccgc_marker_relocate(ccgc_marker *marker,
                          void *(*relocate)(void *address, void *data),
                          void *data) {
  ccgc_collector *collector = marker->collector;
  ccgc_marker_flush_ephemerons(marker);
  for (int id = 0; id < CCGC_MAX_HEAPS; id++) {
    ccgc_worklist_relocate(&collector->worklists[id], relocate, data);
    ccgc_worklist_local_relocate(&marker->locals[id], relocate, data);
    ccgc_worklist_local_relocate(&collector->mutator_locals[id], relocate,
                                 data);
  }
  /* Pending ephemerons wait in round mode between steps (the key index
   * lives only in the atomic pause: .inv.key-index-in-pause). A pair with a
   * side that died goes: its key can no longer be marked, or its value is
   * unreachable (its table died). */
  CCGC_CHECK(!marker->ephemerons.indexed, ".inv.key-index-in-pause");
  ccgc_pair_buffer *pending = &marker->ephemerons.pending;
  size_t kept = 0;
  for (size_t i = 0; i < pending->len; i++) {
    void *key = relocate(pending->pairs[i].key, data);
    void *value = relocate(pending->pairs[i].value, data);
    if (!key || !value) continue;
    pending->pairs[kept].key = key;
    pending->pairs[kept].value = value;
    kept++;
  }
  pending->len = kept;
  guint callbacks = 0;
  for (guint i = 0; i < marker->weak_callbacks->len; i++) {
    ccgc_weak_callback_entry entry =
        g_array_index(marker->weak_callbacks, ccgc_weak_callback_entry, i);
    entry.object = relocate(entry.object, data);
    if (entry.object)
      g_array_index(marker->weak_callbacks, ccgc_weak_callback_entry,
                    callbacks++) = entry;
  }
  g_array_set_size(marker->weak_callbacks, callbacks);
  /* Weak slots are recorded only in objects that never move (DOM objects:
   * a script object's weak references are the heap's own, .inv.weak-slots-
   * unmoving). */
  if (CCGC_DEBUG_ENABLED)
    for (guint i = 0; i < marker->weak_slots->len; i++)
      CCGC_CHECK(!ccgc_page_is_young(ccgc_page_of(
                     g_array_index(marker->weak_slots, void **, i))),
                 ".inv.weak-slots-unmoving");
}
