/* scavenger.c - the script heap's minor collection: a copying collection of
 * the young generation alone (docs/script-heap.md "Young generation",
 * docs/collection.md "Minor collections").
 *
 *   weakness first  the droppable handler is asked about every unmodified
 *                    young wrapper a traced reference holds, before anything
 *                    moves (V8's ComputeWeaknessForYoungObjects)
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
 * Evacuation, the drains and the remembered set walk are one thread's part
 * (scavenge-task.c). With scavenger_threads > 0 the remembered set and the
 * drain run on the owner and the collector's helper threads
 * (marking/task-pool.h), with work stealing; the roots, the weak tables and
 * weakness stay on the owner (scavenger-internal.h has the sequence). While
 * a full marking runs, a copy keeps its original's color
 * (.inv.copy-keeps-color); the collector then fixes the marker's worklists.
 * A full collection promotes the young pages in place instead
 * (v8ish_nursery_promote_in_place): nothing moves there. */
#include <string.h>

#include "invariant-check.h"
#include "pretenuring.h"
#include "scavenger-internal.h"
#include "sweeper.h"
#include "task-pool.h"
#include "nursery.h"

static inline v8ish_page *page_of(const void *address) {
  return (v8ish_page *)ccgc_page_of(address);
}

/* --- roots ---------------------------------------------------------------- */

/* A wrapper nobody modified: still its creation class (no property added),
 * no elements. */
static bool unmodified_wrapper(v8ish_heap *heap, const word_t *object) {
  v8ish_value klass = object[0];
  if (scavenge_is_forwarded(klass) || v8ish_class_type(klass) != V8ISH_TYPE_WRAPPER)
    return false;
  word_t *k = v8ish_untag(klass);
  return k[CLASS_PROPERTY_COUNT] == v8ish_smi(0) &&
         object[OBJ_ELEMENTS] == heap->empty_fixed_array;
}

/* A traced slot this scavenge takes: stored since the last full pause, with
 * a young target. .inv.stale-traced-skipped: one stored before it has no
 * young target, and its holder may be a dead DOM object not swept yet (lazy
 * sweeping), whose value may point into memory reused since. TESTING ONLY:
 * the switch reads it anyway. */
static bool young_traced_target(v8ish_heap *heap, const traced_slot *slot) {
  if (slot->epoch != heap->full_epoch &&
      !ccgc_collector_scavenge_sweeping_broken(heap->base.collector))
    return false;
  return v8ish_is_ref(slot->value) && scavenge_young(v8ish_untag(slot->value));
}

/* V8's ComputeWeaknessForYoungObjects: the droppable handler is asked about
 * every unmodified young wrapper before anything moves or any root is
 * scanned (and before helper threads start), so what it reads of the heap
 * is intact and a local it makes is a root like any other. */
static void ask_droppable(void *payload, void *data) {
  scavenger *s = data;
  traced_slot *slot = payload;
  v8ish_heap *heap = s->heap;
  if (slot->root || !young_traced_target(heap, slot)) return;
  if (heap->base.barrier->no_traced_roots) return; /* TESTING ONLY */
  if (!unmodified_wrapper(heap, v8ish_untag(slot->value))) return;
  if (heap->droppable(heap, (const v8ish_traced *)ccgc_handle_of_payload(slot),
                      heap->droppable_data)) {
    slot->dropping = true;
    g_array_append_val(s->dropped, slot);
  }
}

static void traced_root(void *payload, void *data) {
  scavenge_task *owner = data;
  traced_slot *slot = payload;
  v8ish_heap *heap = owner->s->heap;
  if (!young_traced_target(heap, slot) || slot->dropping) return;
  if (!slot->root && heap->base.barrier->no_traced_roots) return; /* TESTING ONLY */
  scavenge_update_slot(owner, &slot->value);
}

/* On the owner (host callbacks, hash tables): its task evacuates. */
static void scan_roots(scavenge_task *owner) {
  v8ish_heap *heap = owner->heap;
  for (size_t i = 1; i < heap->fast.top; i++)
    scavenge_update_slot(owner, &heap->fast.values[i]);
  for (size_t i = 1; i < heap->global_count; i++) {
    global_node *node = &heap->globals[i];
    if (node->in_use && !node->weak) scavenge_update_slot(owner, &node->value);
  }
  v8ish_young_traced_each(heap, traced_root, owner); /* .inv.young-traced-listed */
  for (guint i = heap->pending_head; i < heap->pending->len; i++)
    scavenge_update_slot(owner,
                         &g_array_index(heap->pending, pending_callback, i).held);
  GHashTableIter iter;
  gpointer key, klass;
  g_hash_table_iter_init(&iter, heap->wrapper_classes);
  while (g_hash_table_iter_next(&iter, &key, &klass)) {
    word_t value = (word_t)klass;
    if (scavenge_update_slot(owner, &value) || value != (word_t)klass)
      g_hash_table_iter_replace(&iter, (gpointer)value);
  }
}

/* --- weakness ------------------------------------------------------------- */

/* Where a weakly held object is now: itself if old (a minor collection
 * takes old objects as alive), its copy, or NULL if it did not survive (or
 * was not reached yet, during the fixed point). */
static word_t *survivor(const word_t *object) {
  if (!scavenge_young(object)) return (word_t *)object;
  if (scavenge_is_forwarded(object[0]))
    return (word_t *)(object[0] & ~(word_t)3);
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
  scavenge_task *owner = data;
  scavenger *s = owner->s;
  if (survivor(key)) {
    scavenge_young_slot(value_slot, owner);
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
static void weak_fixed_point(scavenge_task *owner) {
  scavenger *s = owner->s;
  v8ish_heap *heap = s->heap;
  guint collections = heap->weak_collections->len;
  guint registries = heap->registries->len;
  bool *done = g_new0(bool, collections + registries + 1);
  s->pending = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL,
                                     (GDestroyNotify)g_ptr_array_unref);
  s->ready = g_ptr_array_new();
  scavenge_drain(owner);
  for (bool progress = true; progress;) {
    progress = false;
    for (guint i = 0; i < collections; i++) {
      word_t *collection =
          done[i] ? NULL : survivor(g_ptr_array_index(heap->weak_collections, i));
      if (!collection) continue;
      done[i] = progress = true;
      v8ish_weak_table_each_entry(
          v8ish_untag(collection[WEAK_COLLECTION_TABLE]), weak_entry, owner);
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
                                     scavenge_young_slot, owner);
    }
    scavenge_drain(owner);
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
    word_t *dead = g_ptr_array_index(heap->weak_collections, i);
    word_t *collection = survivor(dead);
    if (!collection) {
      /* .inv.replaced-weak-emptied: an old table of a collection that died
       * young (grown while the nursery overflowed into old space) is
       * updated by no scavenge from here; a marker may hold it grey. */
      v8ish_value table = dead[WEAK_COLLECTION_TABLE];
      if (v8ish_is_ref(table) && !ccgc_page_is_young(ccgc_page_of(
                                     v8ish_untag(table))))
        v8ish_weak_table_empty(v8ish_untag(table));
      continue;
    }
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
      /* .inv.replaced-weak-emptied, as a dead collection's old table. */
      v8ish_value cells = record->registry[REGISTRY_CELLS];
      if (v8ish_is_ref(cells) &&
          !ccgc_page_is_young(ccgc_page_of(v8ish_untag(cells))))
        v8ish_store_raw(v8ish_untag(cells), CELLS_COUNT, v8ish_smi(0));
      v8ish_registry_record_free(record);
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
    slot->dropping = false;
    word_t *to = survivor(v8ish_untag(slot->value));
    __atomic_store_n(&slot->value, to ? v8ish_tag(to) : 0, __ATOMIC_RELAXED);
    if (!to) slot->has_value = false;
  }
}

/* --- the ops ---------------------------------------------------------------- */

/* How many helpers this scavenge gets: those asked for (scavenger_threads),
 * as many as the pool could start, and as many as the to-space reserve has
 * a spare page for (.inv.to-space-reserve). */
static unsigned helpers_for(v8ish_heap *heap, int wanted) {
  if (wanted <= 0) return 0;
  ccgc_task_pool *pool = ccgc_collector_scavenge_pool(heap->base.collector);
  unsigned helpers = ccgc_task_pool_ready(pool, (unsigned)wanted);
  return (unsigned)v8ish_nursery_reserve_helpers(heap, helpers);
}

/* Roots, the remembered set and the drain: on the owner alone, or on the
 * owner and the helpers (scavenger-internal.h). Returns when every
 * evacuated object was scanned and every helper is back in its pool. */
static void evacuate_reachable(scavenger *s, double *roots_end) {
  scavenge_task *owner = &s->tasks[0];
  if (s->heap->droppable) v8ish_young_traced_each(s->heap, ask_droppable, s);
  scavenge_collect_pages(s, owner);
  if (s->task_count == 1) {
    scavenge_walk_pages(owner);
    scan_roots(owner);
    *roots_end = ccgc_time_ms();
    scavenge_drain(owner);
    return;
  }
  ccgc_task_pool *pool = ccgc_collector_scavenge_pool(s->heap->base.collector);
  atomic_init(&s->walking, 1); /* the owner; helpers join as they start */
  atomic_init(&s->active, 1);
  atomic_init(&s->joined, 0);
  ccgc_task_pool_run(pool, s->task_count - 1, scavenge_helper, s);
  scan_roots(owner);
  scavenge_walk_and_wait(owner, true);
  *roots_end = ccgc_time_ms();
  scavenge_drain_parallel(owner);
  /* A helper not scheduled yet would find every phase closed: the owner
   * does not wait for it to wake up (the cost of a small scavenge was
   * mostly that wait), only for those that joined. */
  ccgc_task_pool_withdraw(pool);
  ccgc_task_pool_wait(pool);
}

/* TESTING ONLY (ccgc_collector_break_scavenge_sweeping). */
static void swap_free_lists(v8ish_heap *heap) {
  for (size_t i = 0; i < V8ISH_BUCKETS; i++) {
    word_t *list = heap->free_lists[i];
    heap->free_lists[i] = heap->stale_free_lists[i];
    heap->stale_free_lists[i] = list;
  }
}

/* Fast promotion (docs/script-heap.md): every young object survives and
 * becomes old where it is, nothing copied, nothing read. Nothing moves or
 * dies, so no root, weak table, registry, weak global or traced reference
 * changes; the young traced references are old now, and the remembered
 * slots name old objects (the next scavenge drops them). */
static void fast_promotion(v8ish_heap *heap, ccgc_minor_stats *stats,
                           size_t young_before, double start, bool stale) {
  size_t young_objects = heap->base.space.object_count - heap->old_objects;
  v8ish_nursery_promote_all(heap);
  v8ish_young_traced_prune(heap); /* none is young (full_epoch moved) */
  heap->scavenge_survived = 0;
  heap->scavenge_unpromoted = 0;
  /* Nothing took old space's free memory: the lazy sweep's share after
   * this pause is its minimum (v8ish_minor_release). */
  heap->scavenge_promoted = 0;
  heap->scavenge_young_before = young_before;
  stats->threads_offered = stats->threads = 1;
  stats->fast_promotion = true;
  stats->young_before_bytes += young_before;
  stats->promoted_bytes += young_before;
  stats->promoted_objects += young_objects;
  stats->copy_ms += ccgc_time_ms() - start;
  if (stale) swap_free_lists(heap);
  heap->sweep.scavenging = false;
}

void v8ish_minor_collect(void *data, ccgc_minor_stats *stats) {
  v8ish_heap *heap = data;
  if (!heap->nursery.enabled) return;
  double start = ccgc_time_ms();
  v8ish_raw_epoch_advance(heap); /* .inv.raw-epoch: before anything moves */
  v8ish_seal_object_labs(heap); /* the class area stays open (space.c) */
  /* While sweeping (docs/sweeping.md "Scavenges while sweeping"): the
   * collector parked the sweeper threads; promotion sweeps nothing. */
  heap->sweep.scavenging = true;
  /* TESTING ONLY: promotion takes the free blocks of unswept pages
   * (.inv.swept-before-allocation broken); the lists are swapped back
   * after the scavenge. */
  bool stale = heap->sweep.active &&
               ccgc_collector_scavenge_sweeping_broken(heap->base.collector);
  if (stale) swap_free_lists(heap);
  size_t young_before = heap->base.space.used_bytes - heap->old_used_bytes;
  heap->scavenge_fast = v8ish_nursery_fast_promotion_due(heap);
  if (heap->scavenge_fast) {
    fast_promotion(heap, stats, young_before, start, stale);
    return;
  }
  scavenger s = {.heap = heap};
  s.dropped = g_array_new(FALSE, FALSE, sizeof(traced_slot *));
  ccgc_worklist_init_cached(&s.work, &heap->scavenge_segments);
  pthread_mutex_init(&s.lock, NULL);
  s.task_count = 1 + helpers_for(heap, stats->threads - 1);
  stats->threads_offered = (int)s.task_count;
  s.tasks = ccgc_aligned_new(s.task_count, sizeof(scavenge_task));
  if (!s.tasks) g_error("ccgc: no memory for the scavenge's tasks");
  for (unsigned i = 0; i < s.task_count; i++)
    scavenge_task_init(&s.tasks[i], &s, i == 0);

  v8ish_pretenuring_scavenge_start(heap); /* TESTING ONLY when broken */
  double roots_end = start;
  evacuate_reachable(&s, &roots_end);
  weak_fixed_point(&s.tasks[0]);
  double copy_end = ccgc_time_ms();
  process_weakness(&s);
  v8ish_young_traced_prune(heap);
  double end = ccgc_time_ms();

  /* Every task's figures, and the heap's accounting, once. */
  size_t survived_bytes = 0, survived_objects = 0;
  size_t promoted_bytes = 0, promoted_objects = 0, remembered = 0;
  size_t unpromoted = 0;
  for (unsigned i = 0; i < s.task_count; i++) {
    scavenge_task *task = &s.tasks[i];
    scavenge_task_finish(task);
    survived_bytes += task->survived_bytes;
    survived_objects += task->survived_objects;
    promoted_bytes += task->promoted_bytes;
    promoted_objects += task->promoted_objects;
    remembered += task->remembered;
    unpromoted += task->unpromoted;
    stats->background_ms += task->busy_ms; /* helpers only: the owner's is 0 */
  }
  heap->old_used_bytes += promoted_bytes;
  heap->old_objects += promoted_objects;
  heap->base.space.used_bytes = heap->old_used_bytes + survived_bytes;
  heap->base.space.object_count = heap->old_objects + survived_objects;
  heap->scavenge_survived = survived_bytes;
  heap->scavenge_unpromoted = unpromoted;
  heap->scavenge_promoted = promoted_bytes;
  heap->scavenge_young_before = young_before;
  v8ish_nursery_note_survival(heap, young_before, survived_bytes + promoted_bytes);
  stats->threads = 1 + (int)atomic_load(&s.joined); /* those that took part */
  stats->roots_ms += roots_end - start;
  stats->copy_ms += copy_end - roots_end;
  stats->weak_ms += end - copy_end;
  stats->young_before_bytes += young_before;
  stats->survived_bytes += survived_bytes;
  stats->survived_objects += survived_objects;
  stats->promoted_bytes += promoted_bytes;
  stats->promoted_objects += promoted_objects;
  stats->remembered_slots += remembered;
  stats->pretenured_classes += v8ish_pretenuring_digest(heap);
  if (stale) swap_free_lists(heap);
  heap->sweep.scavenging = false;
  free(s.tasks);
  g_free(s.pages);
  pthread_mutex_destroy(&s.lock);
  ccgc_worklist_destroy(&s.work);
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
  /* A fast promotion says nothing about survival: no adapting. */
  v8ish_nursery_flip(heap, heap->scavenge_survived,
                     heap->scavenge_young_before, !heap->scavenge_fast);
  /* A lazy sweep moves on with the scavenges too: a host allocating only
   * young objects sweeps nothing otherwise (only old allocation sweeps),
   * and promotion cannot take unswept memory. Young large garbage left
   * the dead large pages of the last cycle unreleased, the soft limit held
   * at twice the unswept bytes at each pause: old space grew to 3.9 GB for
   * 8 MB live; under a hard limit the survivors that could not be promoted
   * stayed young until young pages filled the limit and nothing collected
   * again (found by a review). Two pages and twice what was promoted, and
   * the whole sweep when survivors stayed young. */
  if (heap->sweep.active) {
    size_t pages = heap->scavenge_unpromoted
                       ? SIZE_MAX
                       : 2 + 2 * (heap->scavenge_promoted / CCGC_PAGE_SIZE);
    bool more = true;
    while (pages-- > 0 && (more = v8ish_sweep_for_allocation(heap))) continue;
    /* Every page claimed: the heap's sweep completes (its soft limit set
     * from what lives, no longer held at twice the unswept bytes). */
    if (!more) v8ish_sweep_step(heap, 0);
  }
  /* Promotion grew old space: maybe past its trigger. */
  ccgc_heap_base_poll(&heap->base);
  /* Old space could not take every survivor (the hard limit: its pages
   * are full of the dead, not yet collected, or of the nursery's
   * overflow): they stayed young, and every scavenge from here would copy
   * them again, each one with less room. A full collection frees the old
   * dead and promotes the nursery in place (V8 turns such a scavenge into
   * a mark-compact). Without it gcbench's script heap copied up to 3.5x
   * the bytes and collected the old generation twice in a whole run.
   * Not while the last cycle's sweep is pending (its free memory comes
   * first; promotion cannot sweep), and not if old space holds no more
   * than the last full collection left (it would free nothing: a heap
   * whose live data fills it would collect at every scavenge). */
  if (heap->scavenge_unpromoted && !heap->sweep.active &&
      heap->old_used_bytes > heap->base.live_after_gc)
    ccgc_collector_request_gc(heap->base.collector,
                              CCGC_REASON_ALLOCATION_LIMIT);
}
