/* compactor.c - the script heap's old-generation compaction: the compact op
 * of a full collection (ccgc-heap.h, docs/compaction.md). The candidates
 * were chosen when this cycle's marking started, and marking recorded the
 * slots that point into them (candidates.c).
 *
 * In the atomic pause, after weakness processing (marks final, weak
 * references to dead objects cleared), before the verifier and sweeping:
 *
 *   re-check   measure every candidate by this cycle's marks (live bytes,
 *              dead bytes and objects); one with a locked object stays
 *              (.inv.compaction-unmovable); the sparsest first, up to
 *              max_evacuation_bytes by these live bytes
 *   evacuate   evacuation.c: per candidate, plan every live object's new
 *              address on fresh pages first (.inv.compaction-no-half-move),
 *              then copy, mark the copy black, and turn the old first word
 *              into a forwarding word (.inv.compaction-forwarding)
 *   update     the recorded old-to-old slots of every normal and large page
 *              that stays (a slot is read: only a reference to a forwarded
 *              object is rewritten), the objects whose layout changed while
 *              marking, and, walked whole, the young pages, the fresh
 *              target pages and the candidates that stayed; then the roots
 *              (locals, globals, traced references, the finalization queue,
 *              wrapper classes, the permanent objects) and the weak tables
 *              (ephemeron keys rehashed, values; registries' cells)
 *              (.inv.compaction-updates-all)
 *   retire     the evacuated candidates' dead objects leave the statistics;
 *              their pages go to the OS first thing in the sweep
 *              (v8ish_compact_release), after the marking verifier and the
 *              end of marking
 *
 * No dead object is walked: none has a class word that points into a
 * candidate (.inv.compaction-classes-stay), so the sweeper can still size
 * every dead object (.inv.compaction-dead-readable). The copies run on the owner
 * and compaction_threads helpers (evacuation.c); the updates on the owner. */
#include <string.h>

#include "candidates.h"
#include "compactor-internal.h"
#include "invariant-check.h"
#include "object-locks.h"
#include "space-inl.h"
#include "nursery.h"

static void update_slot(word_t *slot, void *data) {
  (void)data;
  word_t value = *slot;
  if (!v8ish_is_ref(value)) return;
  word_t *to = forwarded(v8ish_untag(value));
  if (to) *slot = v8ish_tag(to);
}

static void *relocate(void *address, void *data) {
  (void)data;
  word_t *to = forwarded(address);
  return to ? to : address;
}

/* --- re-check ---------------------------------------------------------------- */

/* This cycle's live and dead bytes of a candidate; false if the page
 * must stay (.inv.compaction-unmovable): a locked object (a shape change
 * or a marker's visit holds it). */
static bool measure(v8ish_heap *heap, v8ish_page *page, candidate *out) {
  *out = (candidate){.page = page};
  for (word_t *at = page->start; at < page->end;) {
    if (at[0] == 0) break; /* the untouched rest of the page */
    size_t size = v8ish_size_of(at);
    if (!is_filler(heap, at)) {
      if (ccgc_is_marked(at)) {
        if (ccgc_object_lock_held(at)) return false;
        out->live_bytes += size;
      } else {
        out->dead_bytes += size;
        out->dead_objects++;
      }
    }
    at += size / 8;
  }
  return true;
}

static int by_live_bytes(const void *a, const void *b) {
  const candidate *x = a, *y = b;
  return (x->live_bytes > y->live_bytes) - (x->live_bytes < y->live_bytes);
}

/* The candidates chosen at marking start that are evacuated now: flagged
 * `evacuating`. The others stay, flagged candidates still: walked whole. */
static void recheck_candidates(compactor *c) {
  v8ish_heap *heap = c->heap;
  size_t cap = heap->base.options.max_evacuation_bytes;
  if (cap == 0) cap = DEFAULT_MAX_EVACUATION;
  for (guint i = 0; i < heap->candidates->len; i++) {
    candidate found;
    if (measure(heap, g_ptr_array_index(heap->candidates, i), &found))
      g_array_append_val(c->candidates, found);
  }
  g_array_sort(c->candidates, by_live_bytes);
  size_t total = 0, kept = 0;
  for (guint i = 0; i < c->candidates->len; i++) {
    candidate *next = &g_array_index(c->candidates, candidate, i);
    if (total + next->live_bytes > cap) break;
    total += next->live_bytes;
    next->page->evacuating = true;
    kept++;
  }
  g_array_set_size(c->candidates, kept);
}

/* --- updates ---------------------------------------------------------------- */

/* A live object's strong slots, all of them (a page walked whole). */
static void update_object(compactor *c, word_t *object) {
  if (ccgc_is_marked(object)) v8ish_each_strong_slot(object, update_slot, c);
}

static void update_page(compactor *c, v8ish_page *page, word_t *end) {
  for (word_t *at = page->start; at < end;) {
    if (at[0] == 0) break;
    size_t size = v8ish_size_of(at);
    if (!is_filler(c->heap, at)) update_object(c, at);
    at += size / 8;
  }
}

/* A recorded slot (.inv.compaction-slots-recorded): read now. Its holder
 * may have died or stored something else since: only a reference to a
 * forwarded object is rewritten, and the value's page is looked up in the
 * registry first (a stale slot may hold anything). The bit is dropped: the
 * sets are freed after the pause. */
static bool update_recorded(void **slot, void *data) {
  compactor *c = data;
  word_t *at = (word_t *)slot;
  word_t value = *at;
  if (!v8ish_is_ref(value)) return false;
  ccgc_page *page =
      ccgc_collector_find_page(c->heap->base.collector, v8ish_untag(value));
  if (page && ccgc_page_is_candidate(page)) update_slot(at, c);
  return false;
}

/* A page that stays: its recorded slots, or all its live objects when its
 * set could not be allocated ("every slot"). */
static void update_recorded_page(compactor *c, v8ish_page *page) {
  ccgc_page *base = &page->base.page;
  if (!base->old_to_old) return;
  if (ccgc_old_to_old_is_all(base)) {
    if (base->flags & CCGC_PAGE_LARGE)
      update_object(c, page->start);
    else
      update_page(c, page, page->end);
    return;
  }
  ccgc_old_to_old_each(base, update_recorded, c);
}

/* The objects whose layout changed in place while marking recorded: every
 * record inside one is dropped (it may name a word that is raw now), then
 * the object is walked whole with its layout now. An address listed before
 * a left-trim holds the filler of the trimmed head. */
static void update_invalidated(compactor *c) {
  GPtrArray *invalidated = c->heap->invalidated;
  for (guint i = 0; i < invalidated->len; i++) {
    word_t *object = g_ptr_array_index(invalidated, i);
    v8ish_page *page = page_of(object);
    if (page->evacuating) continue; /* moved: its copy is walked */
    ccgc_page *base = &page->base.page;
    if (base->old_to_old)
      ccgc_old_to_old_clear_range(base, object,
                                  (uint8_t *)object + v8ish_size_of(object));
    update_object(c, object);
  }
}

static bool is_target(const compactor *c, const v8ish_page *page) {
  for (guint i = 0; i < c->targets->len; i++)
    if (g_ptr_array_index(c->targets, i) == page) return true;
  return false;
}

/* Every reference held by a heap object (.inv.compaction-updates-all),
 * without a walk of the old pages that stay. TESTING ONLY: the switch
 * (c->skip_updates) updates the moved objects alone. */
static void update_heap_objects(compactor *c) {
  v8ish_heap *heap = c->heap;
  ccgc_page_space *space = &heap->base.space;
  for (guint i = 0; i < c->targets->len; i++) {
    v8ish_page *page = g_ptr_array_index(c->targets, i);
    update_page(c, page, page->end); /* sealed: fillers after the copies */
  }
  if (c->skip_updates) return;
  update_invalidated(c);
  for (ccgc_space_page *p = space->pages; p; p = p->next) {
    v8ish_page *page = (v8ish_page *)p;
    if (page->evacuating) continue;
    if (ccgc_page_is_candidate(&p->page)) /* stayed: its slots unrecorded */
      update_page(c, page, page->end);
    else if (!is_target(c, page))
      update_recorded_page(c, page);
  }
  for (ccgc_space_page *p = space->young_pages; p; p = p->next) {
    v8ish_page *page = (v8ish_page *)p;
    if (page->young_state != V8ISH_YOUNG_FREE)
      update_page(c, page, v8ish_young_top(heap, page));
  }
  for (ccgc_space_page *p = space->large_pages; p; p = p->next) {
    v8ish_page *page = (v8ish_page *)p;
    if (ccgc_page_is_young(&p->page))
      update_object(c, page->start);
    else
      update_recorded_page(c, page);
  }
}

static void update_traced(void *payload, void *data) {
  traced_slot *slot = payload;
  word_t value = slot->value;
  update_slot(&value, data);
  if (value != slot->value)
    __atomic_store_n(&slot->value, value, __ATOMIC_RELAXED);
}

static void update_entry_value(word_t *key, word_t *value_slot, void *data) {
  (void)key;
  update_slot(value_slot, data);
}

static void update_roots(compactor *c) {
  v8ish_heap *heap = c->heap;
  for (size_t i = 1; i < heap->fast.top; i++)
    update_slot(&heap->fast.values[i], c);
  for (size_t i = 1; i < heap->global_count; i++)
    if (heap->globals[i].in_use) update_slot(&heap->globals[i].value, c);
  ccgc_handle_table_each(&heap->traced, update_traced, c);
  for (guint i = heap->pending_head; i < heap->pending->len; i++)
    update_slot(&g_array_index(heap->pending, pending_callback, i).held, c);
  GHashTableIter iter;
  gpointer key, klass;
  g_hash_table_iter_init(&iter, heap->wrapper_classes);
  while (g_hash_table_iter_next(&iter, &key, &klass)) {
    word_t value = (word_t)klass;
    update_slot(&value, c);
    if (value != (word_t)klass) g_hash_table_iter_replace(&iter, (gpointer)value);
  }
  v8ish_value *permanent[] = {
      &heap->meta_class,        &heap->filler_class,
      &heap->one_word_filler_class, &heap->number_class,
      &heap->string_class,      &heap->fixed_array_class,
      &heap->double_array_class, &heap->context_class,
      &heap->object_class,      &heap->array_class,
      &heap->closure_class,     &heap->empty_fixed_array,
      &heap->weak_map_class,    &heap->weak_set_class,
      &heap->ephemeron_table_class, &heap->registry_class,
      &heap->weak_cells_class};
  for (size_t i = 0; i < sizeof permanent / sizeof permanent[0]; i++)
    update_slot(permanent[i], c);
  heap->fast.fixed_array_class = heap->fixed_array_class; /* v8ish-fast.h */
}

/* The weak tables, which the object walk does not look into: ephemeron
 * values, then keys (rehashed where they moved); registries' held values,
 * targets and tokens. Every entry left has a live key or target
 * (process_weakness ran), so relocate never reports a death. */
static void update_weak(compactor *c) {
  v8ish_heap *heap = c->heap;
  for (guint i = 0; i < heap->weak_collections->len; i++) {
    word_t **collection = (word_t **)&g_ptr_array_index(heap->weak_collections, i);
    *collection = relocate(*collection, c);
    word_t *table = v8ish_untag((*collection)[WEAK_COLLECTION_TABLE]);
    v8ish_weak_table_each_entry(table, update_entry_value, c);
    v8ish_weak_table_after_scavenge(heap, table, relocate, c);
  }
  for (guint i = 0; i < heap->registries->len; i++) {
    registry_record *record = &g_array_index(heap->registries, registry_record, i);
    if (!record->registry) continue;
    record->registry = relocate(record->registry, c);
    word_t *cells = v8ish_untag(record->registry[REGISTRY_CELLS]);
    v8ish_weak_cells_scavenge_held(cells, update_slot, c);
    v8ish_finalization_after_scavenge(heap, record, relocate, c);
  }
}

/* Once every reference is updated the forwarding words have served: each
 * old copy gets its copy's (updated) class word back, so that until its
 * page is released it is a white object that can be read (the marking
 * verifier reports a reference left to it as a black-to-white edge instead
 * of following a forwarding word). */
static void unforward(compactor *c) {
  for (guint i = 0; i < c->moves->len; i++) {
    planned_move *move = &g_array_index(c->moves, planned_move, i);
    move->from[0] = move->to[0];
  }
}

/* --- release ---------------------------------------------------------------- */

/* The evacuated candidates leave the statistics now (their free blocks left
 * the free lists when they were chosen: .inv.compaction-candidates-unlisted);
 * their pages wait for the sweep (v8ish_compact_release), after every pre-
 * finalizer (.inv.finalize-before-sweep: they may read a dead object of
 * these pages); the marker's
 * ephemeron key index may point into them until marking ends
 * (.inv.key-index-in-pause), and the marking verifier, which runs in
 * between, finds a reference left to an old copy white. */
static void retire_candidates(compactor *c) {
  v8ish_heap *heap = c->heap;
  for (guint i = 0; i < c->candidates->len; i++) {
    candidate *cand = &g_array_index(c->candidates, candidate, i);
    if (!cand->page->evacuating) continue;
    /* What the sweeper does for dead objects: their bytes leave the
     * statistics (script objects have no finalizer of their own; weak
     * references to them were cleared by process_weakness). */
    heap->base.space.used_bytes -= cand->dead_bytes;
    heap->base.space.object_count -= cand->dead_objects;
    heap->old_used_bytes -= cand->dead_bytes;
    heap->old_objects -= cand->dead_objects;
    if (!heap->evacuated) heap->evacuated = g_ptr_array_new();
    g_ptr_array_add(heap->evacuated, cand->page);
  }
  /* The object-start maps name retired pages. */
  v8ish_object_map_free(heap);
}

void v8ish_compact_release(void *data) {
  v8ish_heap *heap = data;
  if (!heap->evacuated) return;
  double start = ccgc_time_ms();
  for (guint i = 0; i < heap->evacuated->len; i++)
    ccgc_page_space_release(&heap->base.space,
                            g_ptr_array_index(heap->evacuated, i));
  g_ptr_array_free(heap->evacuated, TRUE);
  heap->evacuated = NULL;
  heap->evacuation_ms += ccgc_time_ms() - start;
}

/* --- the op ------------------------------------------------------------------ */

void v8ish_compact(void *data) {
  v8ish_heap *heap = data;
  heap->evacuated_pages = heap->evacuated_bytes = heap->evacuated_objects = 0;
  heap->evacuation_ms = 0;
  if (!heap->candidates) return; /* none chosen at marking start */
  double start = ccgc_time_ms();
  v8ish_seal_labs(heap); /* pages iterable (.inv.iterable-pages) */
  compactor c = {
      .heap = heap,
      .candidates = g_array_new(FALSE, FALSE, sizeof(candidate)),
      .moves = g_array_new(FALSE, FALSE, sizeof(planned_move)),
      .targets = g_ptr_array_new(),
      .tops = g_array_new(FALSE, FALSE, sizeof(word_t *)),
      .skip_updates = heap->base.barrier->no_compaction_updates,
  };
  recheck_candidates(&c);
  if (c.candidates->len > 0) {
    v8ish_compactor_evacuate(&c);
    if (c.evacuated_pages > 0) {
      update_heap_objects(&c);
      update_roots(&c);
      update_weak(&c);
      v8ish_compactor_announce_moves(&c); /* objects_moved (ccgc-events.h) */
      unforward(&c);
    }
    retire_candidates(&c);
  }
  /* The flags, the old-to-old sets and the lists of this cycle go. */
  v8ish_compaction_finish(heap);
  heap->evacuated_pages = c.evacuated_pages;
  heap->evacuated_bytes = c.moved_bytes;
  heap->evacuated_objects = c.moved_objects;
  heap->evacuation_ms = ccgc_time_ms() - start;
  g_array_free(c.candidates, TRUE);
  g_array_free(c.moves, TRUE);
  g_ptr_array_free(c.targets, TRUE);
  g_array_free(c.tops, TRUE);
}

ccgc_status v8ish_heap_request_compaction(v8ish_heap *heap) {
  if (!v8ish_enter(heap, CCGC_CALL_READ, "v8ish_heap_request_compaction"))
    return v8ish_last_status(heap);
  heap->compaction_requested = true;
  return CCGC_OK;
}
