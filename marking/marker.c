/* marker.c - the unified tri-color marker (marker.h).
 *
 * Starts at the roots of every heap, then drains: each grey object is
 * traced by its heap's layout descriptor (marker-layouts-inl.h) or
 * delegated to the heap that owns it (page header -> heap id), whose
 * trace_object reports the object's references back to this visitor; every
 * edge goes through the edge window (marker-edges-inl.h). A newly
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
#include "handle-table.h"
#include "marker-edges-inl.h"
#include "marker-layouts-inl.h"

/* A step with a deadline reads the clock every this many objects visited
 * (about 5 us of marking; a clock read is ~25 ns, under 1 percent) and
 * stops when the next batch, if it takes as long as the last one, would
 * end past the deadline: a step ends within its budget unless one object
 * is huge. Measured in `ccgc bench pauses` (1 GiB): checking every 256
 * objects and stopping past the deadline, steps asked for 1.0 ms took
 * 1.02 ms (p50) and 1.17 to 1.35 ms (p99). */
#define DEADLINE_CHECK_INTERVAL 64u

/* Whether any thread but the caller may change a mark byte now: a marker
 * thread is running (between ccgc_concurrent_resume and the merge). The
 * mutator's barrier runs on the marker's own thread, between its calls. */
static void refresh_exclusive(ccgc_marker *marker) {
  const ccgc_concurrent_marker *cm = &marker->collector->concurrent;
  marker->exclusive =
      !marker->shared && (cm->thread_count == 0 || !cm->running);
  marker->break_layouts = marker->collector->barrier.break_layouts;
  /* Each heap says per call whether its descriptors apply (ccgc-layout.h). */
  for (int id = 0; id < marker->collector->heap_count; id++) {
    const ccgc_heap_slot *slot = &marker->collector->heaps[id];
    marker->header_before[id] = slot->heap && slot->ops->header_before_object;
    marker->prefetch_object[id] = slot->heap ? slot->ops->prefetch_object : NULL;
    marker->prefetch_heap[id] = slot->heap;
    marker->layouts[id] = slot->heap && slot->ops->layouts &&
                                  !marker->collector->barrier.no_layouts
                              ? slot->ops->layouts(slot->heap)
                              : NULL;
  }
  /* A new call: a new page cache epoch (.inv.marker-page-cache-current). */
  if (++marker->epoch == CCGC_PAGE_SIZE) {
    memset(marker->pages, 0, CCGC_MARKER_PAGE_CACHE * sizeof *marker->pages);
    marker->epoch = 1;
  }
}

static void marker_strong(ccgc_visitor *visitor, void *target, ccgc_edge edge) {
  window_edge((ccgc_marker *)visitor, target, edge);
}

static void marker_weak(ccgc_visitor *visitor, void **slot, ccgc_edge edge) {
  ccgc_marker *marker = (ccgc_marker *)visitor;
  (void)edge;
  if (*slot) g_array_append_val(marker->weak_slots, slot);
}

static void flush_ephemerons(ccgc_marker *marker) {
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

void ccgc_marker_flush_ephemerons(ccgc_marker *marker) {
  refresh_exclusive(marker);
  flush_edges(marker);
  flush_ephemerons(marker);
}

static void marker_ephemeron(ccgc_visitor *visitor, void *key, void *value,
                             ccgc_edge edge) {
  ccgc_marker *marker = (ccgc_marker *)visitor;
  __builtin_prefetch(ccgc_mark_byte(key));
  marker->discovered[marker->discovered_count++] =
      (ccgc_discovered_ephemeron){key, value, edge};
  /* The public flush: this visitor op is also called outside the marker's
   * own calls (ccgc_concurrent_merge), so it starts a page cache epoch. */
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

/* cache: where the ephemeron table's big arrays come from (the owner's
 * marker only: the collector's bulk cache is not thread-safe). */
static void marker_init(ccgc_marker *marker, ccgc_collector *collector,
                        ccgc_bulk_cache *cache) {
  memset(marker, 0, sizeof *marker);
  marker->base.ops = &marker_ops;
  marker->collector = collector;
  /* Zeroed: no entry may match a key before its page was read. */
  marker->pages = g_new0(ccgc_marker_page, CCGC_MARKER_PAGE_CACHE);
  clear_edges(marker);
  marker->weak_slots = g_array_new(FALSE, FALSE, sizeof(void **));
  marker->weak_callbacks =
      g_array_new(FALSE, FALSE, sizeof(ccgc_weak_callback_entry));
  ccgc_ephemeron_table_init(&marker->ephemerons, cache);
  for (int id = 0; id < CCGC_MAX_HEAPS; id++)
    ccgc_worklist_local_init(&marker->locals[id], &collector->worklists[id]);
}

static void marker_release(ccgc_marker *marker) {
  for (int id = 0; id < CCGC_MAX_HEAPS; id++)
    ccgc_worklist_local_destroy(&marker->locals[id]);
  g_array_free(marker->weak_slots, TRUE);
  g_array_free(marker->weak_callbacks, TRUE);
  g_free(marker->pages);
  marker->pages = NULL;
  ccgc_ephemeron_table_destroy(&marker->ephemerons);
}

void ccgc_marker_begin(ccgc_marker *marker, ccgc_collector *collector) {
  marker_init(marker, collector, &collector->bulk_cache);
  /* Nothing is grey yet: a drop of an abandoned cycle calls for no walk. */
  atomic_store_explicit(&collector->mark_overflow.overflowed, false,
                        memory_order_relaxed);
  marker->active = true;
}

void ccgc_marker_end(ccgc_marker *marker) {
  CCGC_CHECK(marker->discovered_count == 0, ".inv.ephemerons-flushed");
  CCGC_CHECK(edges_empty(marker) && marker->object_count == 0,
             ".inv.marker-windows-empty");
  marker_release(marker);
  for (int id = 0; id < CCGC_MAX_HEAPS; id++)
    ccgc_worklist_clear(&marker->collector->worklists[id]);
  /* Big arrays no collection asked for since the last end go back. */
  ccgc_bulk_cache_trim(&marker->collector->bulk_cache);
  marker->active = false;
}

/* A pause helper's marker (parallel-marking.c): the mark loop of the owner,
 * compare-and-swap marks, and no ephemeron index nor bulk cache (both are
 * the owner's). */
void ccgc_marker_begin_helper(ccgc_marker *marker, ccgc_collector *collector) {
  marker_init(marker, collector, NULL);
  marker->shared = true;
}

void ccgc_marker_adopt(ccgc_marker *marker, GArray *weak_slots,
                       GArray *weak_callbacks,
                       const ccgc_ephemeron_pair *pairs, size_t pair_count,
                       size_t marked[CCGC_MAX_HEAPS]) {
  g_array_append_vals(marker->weak_slots, weak_slots->data, weak_slots->len);
  g_array_set_size(weak_slots, 0);
  g_array_append_vals(marker->weak_callbacks, weak_callbacks->data,
                      weak_callbacks->len);
  g_array_set_size(weak_callbacks, 0);
  /* Pairs whose key was white when the thread met them: the owner's table
   * decides now (a key marked since releases its value). */
  for (size_t i = 0; i < pair_count; i++)
    marker_ephemeron(&marker->base, pairs[i].key, pairs[i].value,
                     ccgc_edge_named(CCGC_EDGE_EPHEMERON, NULL));
  ccgc_marker_flush_ephemerons(marker);
  for (int id = 0; id < CCGC_MAX_HEAPS; id++) {
    marker->marked[id] += marked[id];
    marked[id] = 0;
  }
}

void ccgc_marker_merge_helper(ccgc_marker *helper, ccgc_marker *owner) {
  CCGC_CHECK(helper->discovered_count == 0 && edges_empty(helper) &&
                 helper->object_count == 0 && !helper->ephemerons.indexed,
             ".inv.marker-windows-empty");
  ccgc_pair_buffer *pending = &helper->ephemerons.pending;
  ccgc_marker_adopt(owner, helper->weak_slots, helper->weak_callbacks,
                    pending->pairs, pending->len, helper->marked);
  pending->len = 0;
}

void ccgc_marker_end_helper(ccgc_marker *marker) { marker_release(marker); }

void ccgc_marker_publish(ccgc_marker *marker) {
  for (int id = 0; id < CCGC_MAX_HEAPS; id++)
    ccgc_worklist_local_publish(&marker->locals[id]);
}

void ccgc_marker_trace_roots(ccgc_marker *marker) {
  ccgc_collector *collector = marker->collector;
  refresh_exclusive(marker);
  for (int id = 0; id < collector->heap_count; id++) {
    ccgc_heap_slot *slot = &collector->heaps[id];
    if (slot->heap) slot->ops->trace_roots(slot->heap, &marker->base);
  }
  ccgc_marker_flush_ephemerons(marker);
}

void ccgc_marker_rescan_roots(ccgc_marker *marker) {
  ccgc_collector *collector = marker->collector;
  refresh_exclusive(marker); /* a marker call: its own page cache epoch */
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
  const ccgc_layout_source *source = marker->layouts[id];
  const ccgc_layout *layout;
  bool rest;
  uintptr_t handle;
  if (source && (layout = ccgc_layout_of(source, object, &rest, &handle))) {
    bool live = trace_layout(marker, source, layout, object);
    /* (Broken on purpose: the slot's handle is dropped too.) A freed
     * handle, in the slot or a handle word: the whole callback path, whose
     * hooks report the misuse (trace_rest leaves them to the marker). */
    if (handle && !marker->break_layouts &&
        !layout_handle(marker, &source->slot_handles, handle))
      live = false;
    if (!live)
      slot->ops->trace_object(slot->heap, object, &marker->base);
    else if (rest)
      source->trace_rest(slot->heap, object, &marker->base);
  } else {
    slot->ops->trace_object(slot->heap, object, &marker->base);
  }
  if (marker->discovered_count) flush_ephemerons(marker);
  marker->marked[id]++;
  if (marker->ephemerons.indexed) /* a marked key releases its values */
    ccgc_ephemeron_table_key_marked(&marker->ephemerons, object, release_value,
                                    marker);
}

/* Visits a grey object that left the object window. Whoever wins grey ->
 * black visits; a loser's object was visited by someone else (a mutator
 * running the unsafe-change protocol, or a marker thread). */
static inline bool visit_grey(ccgc_marker *marker, ccgc_window_entry entry) {
  if (!grey_to_black(marker, entry_mark(entry))) return false;
  int id = (int)entry_heap(entry);
  visit(marker, &marker->collector->heaps[id], id, entry.address);
  return true;
}

/* Puts a popped object into the object window (its first line and its mark
 * byte prefetched: an object waits on the worklist long enough for both to
 * leave the cache) and returns true with *out the one that falls out, or
 * false while the window fills. */
static inline bool window_exchange(ccgc_marker *marker, void *object,
                                   ccgc_window_entry *out) {
  ccgc_window_entry entry = window_entry(marker, object);
  __builtin_prefetch(object);
  /* A header before the object, if its heap has one (a DOM object's header
   * and wrappable slot); a script object's word before it belongs to its
   * neighbour, a line of its own when the object starts one. */
  if (marker->header_before[entry_heap(entry)])
    __builtin_prefetch((const char *)object - sizeof(void *));
  __builtin_prefetch(entry_byte(entry), 1);
  unsigned at = marker->object_next++ & (CCGC_OBJECT_WINDOW - 1);
  bool full = marker->object_count == CCGC_OBJECT_WINDOW;
  if (full)
    *out = marker->objects[at];
  else
    marker->object_count++;
  marker->objects[at] = entry;
  /* Half way through the window, its lines arrived: the heap may prefetch
   * what tracing it will read next (ccgc_heap_ops.prefetch_object). */
  if (marker->object_count > CCGC_OBJECT_WINDOW / 2) {
    const ccgc_window_entry *half =
        &marker->objects[(at - CCGC_OBJECT_WINDOW / 2) &
                         (CCGC_OBJECT_WINDOW - 1)];
    unsigned id = entry_heap(*half);
    if (marker->prefetch_object[id])
      marker->prefetch_object[id](marker->prefetch_heap[id], half->address);
  }
  return full;
}

/* The oldest entry of the window into *out; false when it is empty. */
static inline bool window_take(ccgc_marker *marker, ccgc_window_entry *out) {
  if (!marker->object_count) return false;
  *out = marker->objects[(marker->object_next - marker->object_count--) &
                         (CCGC_OBJECT_WINDOW - 1)];
  return true;
}

/* A step ends with work left: the objects still in the window are grey and
 * go back on their heaps' worklists, the edge window is settled, and the
 * rest becomes stealable for the next step (or another thread). */
static void stop_early(ccgc_marker *marker) {
  if (__builtin_expect(marker->testing_drop_work, 0)) {
    /* TESTING ONLY (a broken pause helper, parallel-marking.c): the grey
     * objects of the windows and the local views are lost, unpublished. */
    marker->object_count = 0;
    clear_edges(marker);
    for (int id = 0; id < CCGC_MAX_HEAPS; id++)
      ccgc_worklist_local_clear(&marker->locals[id]);
    return;
  }
  ccgc_window_entry entry;
  while (window_take(marker, &entry))
    ccgc_worklist_push(&marker->locals[entry_heap(entry)], entry.address);
  flush_edges(marker);
  for (int id = 0; id < marker->collector->heap_count; id++)
    ccgc_worklist_local_publish(&marker->locals[id]);
}

/* Whether another batch as long as the last would end past the deadline
 * (DEADLINE_CHECK_INTERVAL); *last_check becomes now. */
static bool past_deadline(double *last_check, double deadline_ms) {
  double now = ccgc_now_ms();
  double batch = now - *last_check;
  *last_check = now;
  return now + batch >= deadline_ms;
}

/* The drain; limited is a constant in each copy: a drain with no deadline
 * and no budget (every stop-the-world drain, the fixed point's, the pause
 * helpers') tests neither per object. */
static inline __attribute__((always_inline)) size_t
drain(ccgc_marker *marker, double deadline_ms, size_t max_objects,
      bool limited) {
  ccgc_collector *collector = marker->collector;
  size_t visited = 0;
  bool progress;
  double last_check = deadline_ms > 0 ? ccgc_now_ms() : 0;
  refresh_exclusive(marker);
  take_mutator_work(collector);
#define AFTER_VISIT()                                                          \
  do {                                                                         \
    ++visited;                                                                 \
    if (limited &&                                                             \
        ((max_objects && visited >= max_objects) ||                            \
         (visited % DEADLINE_CHECK_INTERVAL == 0 && deadline_ms > 0 &&         \
          past_deadline(&last_check, deadline_ms)))) {                         \
      stop_early(marker);                                                      \
      return visited;                                                          \
    }                                                                          \
  } while (0)
  do {
    progress = false;
    for (int id = 0; id < collector->heap_count; id++) {
      ccgc_worklist_local *local = &marker->locals[id];
      void *object;
      ccgc_window_entry out = {0}; /* (set before it is read) */
      while (ccgc_worklist_pop(local, &object)) {
        progress = true;
        if (window_exchange(marker, object, &out) && visit_grey(marker, out))
          AFTER_VISIT();
      }
    }
    /* The worklists ran dry: the windows hold the last of the work. */
    ccgc_window_entry entry;
    while (window_take(marker, &entry)) {
      progress = true;
      if (visit_grey(marker, entry)) AFTER_VISIT();
    }
    if (flush_edges(marker)) progress = true;
    if (!progress) {
      take_mutator_work(collector);
      for (int id = 0; id < collector->heap_count && !progress; id++)
        progress = !ccgc_worklist_is_empty(&collector->worklists[id]);
      /* Dry, and a worklist dropped grey objects: the owner finds them
       * again in the heaps (.inv.grey-on-worklist); helpers leave it to
       * the owner's drain, which follows theirs. */
      if (!progress && !marker->shared)
        progress = ccgc_marker_recover_overflow(marker);
    }
  } while (progress);
#undef AFTER_VISIT
  return visited;
}

size_t ccgc_marker_drain(ccgc_marker *marker, double deadline_ms,
                         size_t max_objects) {
  if (deadline_ms > 0 || max_objects)
    return drain(marker, deadline_ms, max_objects, true);
  return drain(marker, 0, 0, false);
}

bool ccgc_marker_has_no_work(ccgc_marker *marker) {
  ccgc_collector *collector = marker->collector;
  CCGC_CHECK(edges_empty(marker) && marker->object_count == 0,
             ".inv.marker-windows-empty");
  take_mutator_work(collector);
  /* Dropped grey objects are work: the next drain walks for them. */
  if (ccgc_marker_overflowed(marker)) return false;
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
         (refresh_exclusive(marker), true) &&
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
    void *target = *slot;
    if (!target) continue;
    /* A slot holds what a plain store may have put there since it was
     * reported: a mark is read only on a page of the collector's heaps
     * (the registry: safe on any value). Else left alone, and reported. */
    if (!ccgc_collector_find_page(marker->collector, target)) {
      CCGC_MISUSE(&marker->collector->errors, CCGC_E_FOREIGN_POINTER,
                  ".api.valid-object",
                  "marker: weak slot %p holds %p, which no heap of this "
                  "collector owns (left as it is)",
                  (void *)slot, target);
      continue;
    }
    if (!ccgc_is_marked(target)) {
      *slot = NULL;
      cleared++;
    }
  }
  return cleared;
}

void ccgc_marker_visit_now(ccgc_marker *marker, void *object) {
  ccgc_page *page = ccgc_page_of(object);
  ccgc_heap_slot *slot = &marker->collector->heaps[page->heap_id];
  refresh_exclusive(marker);
  visit(marker, slot, page->heap_id, object);
  flush_edges(marker);
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
