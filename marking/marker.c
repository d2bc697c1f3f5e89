/* marker.c - the unified tri-color marker.
 *
 * Starts at the roots of every heap, then drains: each grey object is
 * delegated to the heap that owns it (page header -> heap id), whose
 * trace_object reports the object's references back to this visitor. A newly
 * reached object turns grey and goes on the worklist of *its* heap, so marking
 * "continues in the component where there is work". Iterative: no recursion
 * on the C stack, whatever the length of a chain.
 *
 * After the worklists run dry, the ephemeron fixed point: a pending pair whose
 * key has become marked releases its value; drain again; repeat until a round
 * releases nothing. Then every recorded weak slot whose target stayed white is
 * cleared (.inv.weak-before-finalizers: before any heap reclaims).
 */
#include <glib.h>
#include <stdlib.h>
#include <string.h>

#include "collector-internal.h"
#include "ephemeron-table.h"

typedef struct ccgc_marker {
  ccgc_visitor base; /* first: the visitor is the marker */
  ccgc_collector *collector;
  ccgc_worklist_local locals[CCGC_MAX_HEAPS];
  GArray *weak_slots;  /* void ** */
  ccgc_ephemeron_table ephemerons; /* pairs whose key is not yet marked */
  size_t marked[CCGC_MAX_HEAPS];
} ccgc_marker;

#ifdef CCGC_DEBUG
static void report_foreign(ccgc_marker *marker, const void *target,
                           ccgc_edge edge) {
  /* A heap handed the marker an address no heap owns: an internal error (the
   * heaps validate every pointer at the API boundary). Stop before it
   * corrupts a mark table. */
  ccgc_error_misuse(&marker->collector->errors, CCGC_E_FOREIGN_POINTER,
                    "marker: %s edge '%s' points to %p, which no heap owns",
                    ccgc_edge_kind_name(edge.kind),
                    edge.name ? edge.name : "", target);
}
#endif

static inline void mark_and_push(ccgc_marker *marker, void *target,
                                 ccgc_edge edge) {
#ifdef CCGC_DEBUG
  if (!ccgc_collector_find_page(marker->collector, target)) {
    report_foreign(marker, target, edge);
    return;
  }
#else
  (void)edge;
#endif
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

static void marker_ephemeron(ccgc_visitor *visitor, void *key, void *value,
                             ccgc_edge edge) {
  ccgc_marker *marker = (ccgc_marker *)visitor;
  if (ccgc_is_marked(key)) {
    mark_and_push(marker, value, edge);
    return;
  }
  ccgc_ephemeron_table_add(&marker->ephemerons, key, value);
}

static const ccgc_visitor_ops marker_ops = {
    .strong = marker_strong,
    .weak = marker_weak,
    .ephemeron = marker_ephemeron,
};

static void release_value(void *value, void *data) {
  mark_and_push(data, value, ccgc_edge_named(CCGC_EDGE_EPHEMERON, NULL));
}

/* Empties every worklist: local segments first, then the shared pools (where
 * the mutator's barrier publishes). Returns the number of objects visited. */
static size_t drain(ccgc_marker *marker) {
  ccgc_collector *collector = marker->collector;
  size_t visited = 0;
  bool progress;
  do {
    progress = false;
    for (int id = 0; id < collector->heap_count; id++) {
      ccgc_heap_slot *slot = &collector->heaps[id];
      ccgc_worklist_local *local = &marker->locals[id];
      void *object;
      while (ccgc_worklist_pop(local, &object)) {
        progress = true;
        /* Whoever wins grey -> black visits; a loser's object was visited by
         * someone else (a mutator running the snapshot protocol). */
        if (!ccgc_mark_grey_to_black(object)) continue;
        slot->ops->trace_object(slot->heap, object, &marker->base);
        if (marker->ephemerons.indexed) /* a marked key releases its values */
          ccgc_ephemeron_table_key_marked(&marker->ephemerons, object,
                                          release_value, marker);
        marker->marked[id]++;
        visited++;
      }
    }
  } while (progress);
  return visited;
}

static size_t clear_dead_weak_slots(ccgc_marker *marker) {
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

void ccgc_marker_run(ccgc_collector *collector, ccgc_cycle_stats *stats) {
  ccgc_marker marker;
  memset(&marker, 0, sizeof marker);
  marker.base.ops = &marker_ops;
  marker.collector = collector;
  marker.weak_slots = g_array_new(FALSE, FALSE, sizeof(void **));
  ccgc_ephemeron_table_init(&marker.ephemerons);
  for (int id = 0; id < CCGC_MAX_HEAPS; id++)
    ccgc_worklist_local_init(&marker.locals[id], &collector->worklists[id]);

  double start = ccgc_now_ms();
  /* Work the mutator's barrier left (incremental cycles) joins the pools. */
  pthread_mutex_lock(&collector->barrier_lock);
  for (int id = 0; id < collector->heap_count; id++)
    ccgc_worklist_local_publish(&collector->mutator_locals[id]);
  pthread_mutex_unlock(&collector->barrier_lock);

  for (int id = 0; id < collector->heap_count; id++) {
    ccgc_heap_slot *slot = &collector->heaps[id];
    if (slot->heap) slot->ops->trace_roots(slot->heap, &marker.base);
  }
  drain(&marker);
  /* The ephemeron fixed point: drain, release, drain, ... until a round
   * releases nothing. */
  while (!ccgc_ephemeron_table_is_empty(&marker.ephemerons) &&
         ccgc_ephemeron_table_round(&marker.ephemerons, release_value,
                                    &marker) > 0)
    drain(&marker);
  stats->ephemeron_rounds = marker.ephemerons.rounds;
  double mark_end = ccgc_now_ms();
  stats->mark_ms = mark_end - start;

  stats->weak_slots_cleared = clear_dead_weak_slots(&marker);
  stats->weak_ms = ccgc_now_ms() - mark_end;
  for (int id = 0; id < collector->heap_count; id++)
    stats->heaps[id].marked_objects = marker.marked[id];

  for (int id = 0; id < CCGC_MAX_HEAPS; id++)
    ccgc_worklist_local_destroy(&marker.locals[id]);
  g_array_free(marker.weak_slots, TRUE);
  ccgc_ephemeron_table_destroy(&marker.ephemerons);
}

void ccgc_barrier_slow(ccgc_barrier *barrier, void *target) {
  ccgc_collector *collector = barrier->collector;
  ccgc_page *page = ccgc_collector_find_page(collector, target);
  if (!page) { /* heaps validate before storing; this is a heap bug */
    ccgc_error_misuse(&collector->errors, CCGC_E_FOREIGN_POINTER,
                      "ccgc_barrier_write: %p is not in any heap", target);
    return;
  }
  /* .inv.no-black-to-white: the stored target becomes grey before the
   * holder (possibly black) can be observed pointing to it. */
  if (ccgc_mark_white_to_grey(target)) {
    pthread_mutex_lock(&collector->barrier_lock);
    ccgc_worklist_push(&collector->mutator_locals[page->heap_id], target);
    pthread_mutex_unlock(&collector->barrier_lock);
  }
}
