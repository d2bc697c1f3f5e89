/* scavenger.c - the script heap's minor collection: a copying collection of
 * the young generation alone (docs/script-heap.md "Young generation",
 * docs/collection.md "Minor collections").
 *
 *   remembered set   the old-to-young slots the barrier recorded: each
 *                    target is evacuated (copied or promoted) and the slot
 *                    updated; a slot whose target stays young keeps its bit
 *   roots            local and global handles, traced references (edges of
 *                    DOM objects, which a minor collection takes as alive,
 *                    unless the droppable handler lets a wrapper go), the
 *                    finalization queue, wrapper classes
 *   drain            an explicit worklist of evacuated objects, each scanned
 *                    once (v8ish_each_strong_slot); no recursion
 *   weak tables      a fixed point: the values of ephemeron entries whose
 *                    key is old or survived, the held values of live
 *                    registries, drained after each round
 *   weakness         entries with dead young keys leave their tables (moved
 *                    keys are rehashed), dead young targets queue their
 *                    registries' callbacks, weak globals to dead young
 *                    objects are emptied (callbacks queued), dropped
 *                    wrappers empty their traced references
 *
 * Evacuation: an object on an ALLOCATING page is copied into to-space (COPY
 * pages); one on a SURVIVOR page survived a scavenge already and is
 * promoted into old space; if old space refuses (the hard limit) it is
 * copied instead, which the to-space reserve always allows. The old copy's
 * first word becomes the forwarding word, new address | 2 (a class word is
 * tagged | 1; .inv.forwarding). A young large object is promoted in place.
 * While a full marking runs, a copy keeps its original's color
 * (.inv.copy-keeps-color); the collector then fixes the marker's worklists.
 * A full collection promotes the young pages in place instead
 * (v8ish_nursery_promote_in_place): nothing moves there. */
#include <string.h>

#include "invariant-check.h"
#include "space-inl.h"

#define FORWARDED 2u

typedef struct scavenger {
  v8ish_heap *heap;
  bool marking;
  GArray *work;    /* word_t *: evacuated, not scanned yet */
  v8ish_lab copy;  /* to-space allocation */
  v8ish_page *copy_page;
  size_t survived_bytes, survived_objects;
  size_t promoted_bytes, promoted_objects;
  size_t remembered;
  GArray *dropped;    /* traced_slot *: wrappers the handler let go */
  /* The ephemeron fixed point, linear: entries whose young key is not
   * reached yet wait here by key (old address -> GPtrArray of value
   * slots); evacuating a key moves its slots to ready, which drain scans. */
  GHashTable *pending;
  GPtrArray *ready;
} scavenger;

static inline bool is_forwarded(word_t first) {
  return (first & 3u) == FORWARDED;
}

static inline v8ish_page *page_of(const void *address) {
  return (v8ish_page *)ccgc_page_of(address);
}

static inline bool young(const void *address) {
  return ccgc_page_is_young(ccgc_page_of(address));
}

static word_t *copy_allocate(scavenger *s, size_t size) {
  if ((size_t)(s->copy.limit - s->copy.cursor) < size) {
    if (s->copy_page) s->copy_page->top = (word_t *)s->copy.cursor;
    s->copy_page = v8ish_nursery_take_copy_page(s->heap);
    /* .inv.to-space-reserve: the pool was filled for every from-space byte
     * before the mutator could allocate it. */
    if (!s->copy_page)
      g_error("ccgc: the to-space reserve ran out (.inv.to-space-reserve)");
    s->copy.cursor = (uint8_t *)s->copy_page->start;
    s->copy.limit = (uint8_t *)s->copy_page->end;
  }
  word_t *to = (word_t *)s->copy.cursor;
  s->copy.cursor += size;
  return to;
}

/* A key was reached: the values waiting for it become strong. */
static void release_pending(scavenger *s, const word_t *key) {
  GPtrArray *slots = g_hash_table_lookup(s->pending, key);
  if (!slots) return;
  for (guint i = 0; i < slots->len; i++)
    g_ptr_array_add(s->ready, g_ptr_array_index(slots, i));
  g_hash_table_remove(s->pending, key); /* frees slots */
}

/* The object's new address: copied or promoted now, or earlier. */
static word_t *evacuate(scavenger *s, word_t *object) {
  word_t first = object[0];
  if (is_forwarded(first)) return (word_t *)(first & ~(word_t)3);
  v8ish_page *page = page_of(object);
  int state = page->young_state;
  if (state == V8ISH_YOUNG_COPY || state == V8ISH_YOUNG_LARGE_LIVE)
    return object; /* a to-space copy, or a large object reached already */
  size_t size = v8ish_size_of(object);
  if (state == V8ISH_YOUNG_LARGE) { /* promoted in place (nursery flip) */
    page->young_state = V8ISH_YOUNG_LARGE_LIVE;
    s->heap->old_used_bytes += size;
    s->heap->old_objects++;
    s->promoted_bytes += size;
    s->promoted_objects++;
    g_array_append_val(s->work, object);
    if (s->pending) release_pending(s, object);
    return object;
  }
  CCGC_CHECK_DEBUG(v8ish_page_is_from_space(page), ".inv.forwarding");
  word_t *to = NULL;
  if (state == V8ISH_YOUNG_SURVIVOR)
    to = v8ish_old_allocate_raw(s->heap, size);
  bool promoted = to != NULL;
  if (!to) to = copy_allocate(s, size);
  memcpy(to, object, size);
  /* .inv.copy-keeps-color */
  if (s->marking) ccgc_mark_set(to, ccgc_color_of(object));
  object[0] = (word_t)to | FORWARDED;
  if (promoted) {
    s->heap->old_used_bytes += size;
    s->heap->old_objects++;
    s->promoted_bytes += size;
    s->promoted_objects++;
  } else {
    s->survived_bytes += size;
    s->survived_objects++;
  }
  g_array_append_val(s->work, to);
  if (__builtin_expect(s->pending != NULL, 0)) release_pending(s, object);
  return to;
}

/* A slot that may hold a young reference: evacuate, update. Returns whether
 * it points at a young object now. */
static inline bool update_slot(scavenger *s, word_t *slot) {
  word_t value = *slot;
  if (!v8ish_is_ref(value) || !young(v8ish_untag(value))) return false;
  word_t *to = evacuate(s, v8ish_untag(value));
  *slot = v8ish_tag(to);
  return young(to);
}

/* A slot of an old object being scanned: recorded if it stays young
 * (.inv.old-to-young-recorded). */
static void scan_old_slot(word_t *slot, void *data) {
  if (update_slot(data, slot))
    ccgc_slot_set_record(ccgc_page_of(slot), slot);
}

static void scan_young_slot(word_t *slot, void *data) {
  update_slot(data, slot);
}

static void drain(scavenger *s) {
  for (;;) {
    if (s->work->len) {
      word_t *object = g_array_index(s->work, word_t *, s->work->len - 1);
      g_array_set_size(s->work, s->work->len - 1);
      v8ish_each_strong_slot(object, young(object) ? scan_young_slot
                                                   : scan_old_slot, s);
    } else if (s->ready && s->ready->len) {
      /* A weak table's value whose key was reached: never recorded (weak
       * tables are found through the heap's lists). */
      scan_young_slot(g_ptr_array_steal_index_fast(s->ready,
                                                   s->ready->len - 1),
                      s);
    } else {
      return;
    }
  }
}

/* --- roots ---------------------------------------------------------------- */

static bool remembered_slot(void **slot, void *data) {
  scavenger *s = data;
  s->remembered++;
  return update_slot(s, (word_t *)slot);
}

static void scan_all_slots(void *object, void *data) {
  v8ish_each_strong_slot(object, scan_old_slot, data);
}

/* The remembered set of every old page, before anything is promoted: a
 * slot set is never written while it is walked (.inv.old-to-young-
 * recorded). Pages whose set could not be allocated are scanned whole. */
static void scan_remembered_set(scavenger *s) {
  v8ish_heap *heap = s->heap;
  if (heap->base.barrier->no_remembered_set) return; /* TESTING ONLY */
  GPtrArray *whole = NULL;
  ccgc_page_space *space = &heap->base.space;
  for (ccgc_space_page *p = ccgc_page_space_first(space); p;
       p = ccgc_page_space_next(space, p)) {
    if (ccgc_page_is_young(&p->page) || !p->page.slot_set) continue;
    if (!ccgc_slot_set_each(&p->page, remembered_slot, s)) {
      if (!whole) whole = g_ptr_array_new();
      g_ptr_array_add(whole, p);
    }
  }
  for (guint i = 0; whole && i < whole->len; i++) {
    v8ish_page *page = g_ptr_array_index(whole, i);
    for (word_t *at = page->start; at < page->end;) {
      if (v8ish_load(at, 0) == 0) break;
      size_t size = v8ish_size_of(at);
      if (at[0] != heap->filler_class && at[0] != heap->one_word_filler_class)
        scan_all_slots(at, s);
      at += size / 8;
    }
  }
  if (whole) g_ptr_array_free(whole, TRUE);
}

/* A wrapper nobody modified: still its creation class (no property added),
 * no elements. */
static bool unmodified_wrapper(v8ish_heap *heap, const word_t *object) {
  v8ish_value klass = object[0];
  if (is_forwarded(klass) || v8ish_class_type(klass) != V8ISH_TYPE_WRAPPER)
    return false;
  word_t *k = v8ish_untag(klass);
  return k[CLASS_PROPERTY_COUNT] == v8ish_smi(0) &&
         object[OBJ_ELEMENTS] == heap->empty_fixed_array;
}

static void traced_root(void *payload, void *data) {
  scavenger *s = data;
  traced_slot *slot = payload;
  v8ish_heap *heap = s->heap;
  if (!v8ish_is_ref(slot->value) || !young(v8ish_untag(slot->value))) return;
  if (!slot->root) {
    if (heap->base.barrier->no_traced_roots) return; /* TESTING ONLY */
    word_t *object = v8ish_untag(slot->value);
    if (heap->droppable && !is_forwarded(object[0]) &&
        unmodified_wrapper(heap, object) &&
        heap->droppable(heap, (const v8ish_traced *)ccgc_handle_of_payload(slot),
                        heap->droppable_data)) {
      g_array_append_val(s->dropped, slot);
      return;
    }
  }
  update_slot(s, &slot->value);
}

static void scan_roots(scavenger *s) {
  v8ish_heap *heap = s->heap;
  for (size_t i = 1; i < heap->handle_top; i++)
    update_slot(s, &heap->handle_values[i]);
  for (size_t i = 1; i < heap->global_count; i++) {
    global_node *node = &heap->globals[i];
    if (node->in_use && !node->weak) update_slot(s, &node->value);
  }
  ccgc_handle_table_each(&heap->traced, traced_root, s);
  for (guint i = heap->pending_head; i < heap->pending->len; i++)
    update_slot(s, &g_array_index(heap->pending, pending_callback, i).held);
  GHashTableIter iter;
  gpointer key, klass;
  g_hash_table_iter_init(&iter, heap->wrapper_classes);
  while (g_hash_table_iter_next(&iter, &key, &klass)) {
    word_t value = (word_t)klass;
    if (update_slot(s, &value) || value != (word_t)klass)
      g_hash_table_iter_replace(&iter, (gpointer)value);
  }
}

/* --- weakness ------------------------------------------------------------- */

/* Where a weakly held object is now: itself if old (a minor collection
 * takes old objects as alive), its copy, or NULL if it did not survive (or
 * was not reached yet, during the fixed point). */
static word_t *survivor(const word_t *object) {
  if (!young(object)) return (word_t *)object;
  if (is_forwarded(object[0])) return (word_t *)(object[0] & ~(word_t)3);
  int state = page_of(object)->young_state;
  if (state == V8ISH_YOUNG_COPY || state == V8ISH_YOUNG_LARGE_LIVE)
    return (word_t *)object;
  return NULL;
}

static void *relocate_value(void *address, void *data) {
  (void)data;
  return survivor(address);
}

/* An entry of a live table: its value is strong if its key survived,
 * else it waits for the key (release_pending). */
static void weak_entry(word_t *key, word_t *value_slot, void *data) {
  scavenger *s = data;
  if (survivor(key)) {
    scan_young_slot(value_slot, s);
    return;
  }
  GPtrArray *slots = g_hash_table_lookup(s->pending, key);
  if (!slots) {
    slots = g_ptr_array_new();
    g_hash_table_insert(s->pending, key, slots);
  }
  g_ptr_array_add(slots, value_slot);
}

/* The weak tables' fixed point, linear: each live table and registry is
 * visited once, when it is first found alive (old, or reached), and each
 * entry waits at most once for its key. Rounds repeat only while tables or
 * registries come alive. */
static void weak_fixed_point(scavenger *s) {
  v8ish_heap *heap = s->heap;
  guint collections = heap->weak_collections->len;
  guint registries = heap->registries->len;
  bool *done = g_new0(bool, collections + registries + 1);
  s->pending = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL,
                                     (GDestroyNotify)g_ptr_array_unref);
  s->ready = g_ptr_array_new();
  drain(s);
  for (bool progress = true; progress;) {
    progress = false;
    for (guint i = 0; i < collections; i++) {
      word_t *collection =
          done[i] ? NULL : survivor(g_ptr_array_index(heap->weak_collections, i));
      if (!collection) continue;
      done[i] = progress = true;
      v8ish_weak_table_each_entry(
          v8ish_untag(collection[WEAK_COLLECTION_TABLE]), weak_entry, s);
    }
    for (guint i = 0; i < registries; i++) {
      registry_record *record =
          &g_array_index(heap->registries, registry_record, i);
      word_t *registry = done[collections + i] || !record->registry
                             ? NULL
                             : survivor(record->registry);
      if (!registry) continue;
      done[collections + i] = progress = true;
      v8ish_weak_cells_scavenge_held(v8ish_untag(registry[REGISTRY_CELLS]),
                                     scan_young_slot, s);
    }
    drain(s);
  }
  g_hash_table_destroy(s->pending);
  s->pending = NULL;
  g_ptr_array_free(s->ready, TRUE);
  s->ready = NULL;
  g_free(done);
}

static void process_weakness(scavenger *s) {
  v8ish_heap *heap = s->heap;
  /* Weak collections: dead ones leave the list, live tables lose the
   * entries of dead young keys and follow moved keys. */
  guint kept = 0;
  for (guint i = 0; i < heap->weak_collections->len; i++) {
    word_t *collection = survivor(g_ptr_array_index(heap->weak_collections, i));
    if (!collection) continue;
    g_ptr_array_index(heap->weak_collections, kept++) = collection;
    v8ish_weak_table_after_scavenge(
        heap, v8ish_untag(collection[WEAK_COLLECTION_TABLE]), relocate_value,
        NULL);
  }
  g_ptr_array_set_size(heap->weak_collections, kept);
  /* Registries: dead ones forget their callbacks; live ones queue the
   * callbacks of dead young targets. */
  for (guint i = 0; i < heap->registries->len; i++) {
    registry_record *record =
        &g_array_index(heap->registries, registry_record, i);
    if (!record->registry) continue;
    word_t *registry = survivor(record->registry);
    if (!registry) {
      *record = (registry_record){0};
      continue;
    }
    record->registry = registry;
    v8ish_finalization_after_scavenge(heap, record, relocate_value, NULL);
  }
  /* Weak globals. */
  for (size_t i = 1; i < heap->global_count; i++) {
    global_node *node = &heap->globals[i];
    if (!node->in_use || !node->weak || !v8ish_is_ref(node->value)) continue;
    word_t *to = survivor(v8ish_untag(node->value));
    if (to) {
      node->value = v8ish_tag(to);
      continue;
    }
    node->value = 0;
    node->has_value = false;
    if (node->callback) v8ish_queue_weak_callback(heap, (uint32_t)i);
  }
  /* Dropped wrappers: reached another way, or gone. */
  for (guint i = 0; i < s->dropped->len; i++) {
    traced_slot *slot = g_array_index(s->dropped, traced_slot *, i);
    word_t *to = survivor(v8ish_untag(slot->value));
    __atomic_store_n(&slot->value, to ? v8ish_tag(to) : 0, __ATOMIC_RELAXED);
    if (!to) slot->has_value = false;
  }
}

/* --- the ops ---------------------------------------------------------------- */

void v8ish_minor_collect(void *data, ccgc_minor_stats *stats) {
  v8ish_heap *heap = data;
  if (!heap->nursery.enabled) return;
  double start = ccgc_time_ms();
  scavenger s = {.heap = heap,
                 .marking = ccgc_barrier_marking(heap->base.barrier)};
  s.work = g_array_new(FALSE, FALSE, sizeof(word_t *));
  s.dropped = g_array_new(FALSE, FALSE, sizeof(traced_slot *));
  v8ish_seal_labs(heap);
  size_t young_before = heap->base.space.used_bytes - heap->old_used_bytes;

  scan_remembered_set(&s);
  scan_roots(&s);
  double roots_end = ccgc_time_ms();
  weak_fixed_point(&s);
  double copy_end = ccgc_time_ms();
  process_weakness(&s);
  if (s.copy_page) s.copy_page->top = (word_t *)s.copy.cursor;
  double end = ccgc_time_ms();

  heap->base.space.used_bytes = heap->old_used_bytes + s.survived_bytes;
  heap->base.space.object_count = heap->old_objects + s.survived_objects;
  heap->scavenge_survived = s.survived_bytes;
  heap->scavenge_young_before = young_before;
  stats->roots_ms += roots_end - start;
  stats->copy_ms += copy_end - roots_end;
  stats->weak_ms += end - copy_end;
  stats->young_before_bytes += young_before;
  stats->survived_bytes += s.survived_bytes;
  stats->survived_objects += s.survived_objects;
  stats->promoted_bytes += s.promoted_bytes;
  stats->promoted_objects += s.promoted_objects;
  stats->remembered_slots += s.remembered;
  g_array_free(s.work, TRUE);
  g_array_free(s.dropped, TRUE);
}

void *v8ish_relocated(void *data, const void *address) {
  (void)data;
  v8ish_page *page = page_of(address);
  if (!ccgc_page_is_young(&page->base.page)) return (void *)address;
  if (page->young_state == V8ISH_YOUNG_FREE) return NULL;
  return survivor(address);
}

void v8ish_minor_release(void *data) {
  v8ish_heap *heap = data;
  if (!heap->nursery.enabled) return;
  v8ish_nursery_flip(heap, heap->scavenge_survived,
                     heap->scavenge_young_before, true);
  /* Promotion grew old space: maybe past its trigger. */
  ccgc_heap_base_poll(&heap->base);
}
