/* finalization.c - FinalizationRegistry and weak global callbacks (v8ish.h,
 * docs/script-heap.md "Weakness").
 *
 * A registry is [map, cells, record index]; its cells are a WeakCells array
 *
 *   [map, capacity, count, (target, held, token) * capacity]
 *
 * traced with held strong (the registry keeps it for the callback) and target
 * and token weak. The host callback and its data live in heap->registries at
 * the record index (C pointers have no place among tagged words).
 *
 * Weak processing (after the ephemeron fixed point, before any finalizer):
 * every live registry moves each cell whose target died to heap->pending and
 * forgets tokens that died; every weak global with a callback whose target
 * died is emptied and queued too (v8ish_clear_dead_weak_globals). After the collection (the heap's
 * after_collection op, outside the collection) the queue runs, each callback
 * in a handle scope of its own. Until then the held values are roots, so a
 * collection the host runs before the queue drains cannot free them.
 *
 * Resurrection is impossible by construction: a callback receives the held
 * value or the emptied handle, never the dead target, whose memory is already
 * reclaimed when the callback runs.
 */
#include "checks-inl.h"
#include "invariant-check.h"
#include "space-inl.h"

#define MIN_CELLS 4

bool v8ish_finalization_init(v8ish_heap *heap) {
  const char *call = "v8ish_heap_new";
  heap->registries = g_array_new(FALSE, TRUE, sizeof(registry_record));
  heap->pending = g_array_new(FALSE, FALSE, sizeof(pending_callback));
  heap->registry_class =
      v8ish_new_class(heap, V8ISH_TYPE_FINALIZATION_REGISTRY, REGISTRY_WORDS,
                      REGISTRY_WORDS, 0, call);
  heap->weak_cells_class =
      v8ish_new_class(heap, V8ISH_TYPE_WEAK_CELLS, 0, 0, 0, call);
  return heap->registry_class && heap->weak_cells_class;
}

void v8ish_weakness_free(v8ish_heap *heap) {
  if (heap->weak_collections) g_ptr_array_free(heap->weak_collections, TRUE);
  if (heap->registries) g_array_free(heap->registries, TRUE);
  if (heap->pending) g_array_free(heap->pending, TRUE);
}

static inline size_t cell_index(size_t cell) {
  return CELLS_HEADER + cell * CELL_WORDS;
}

void v8ish_trace_weak_cells(word_t *cells, size_t limit,
                            ccgc_visitor *visitor) {
  size_t count = (size_t)v8ish_smi_value(v8ish_load(cells, CELLS_COUNT));
  if (limit < CELLS_HEADER) return;
  if (count > (limit - CELLS_HEADER) / CELL_WORDS)
    count = (limit - CELLS_HEADER) / CELL_WORDS;
  for (size_t i = 0; i < count; i++) {
    size_t at = cell_index(i);
    v8ish_value target = v8ish_load(cells, at);
    v8ish_value held = v8ish_load(cells, at + 1);
    v8ish_value token = v8ish_load(cells, at + 2);
    if (v8ish_is_ref(target))
      ccgc_visit_weak_target(visitor, v8ish_untag(target),
                             ccgc_edge_named(CCGC_EDGE_WEAK, "target"));
    if (v8ish_is_ref(held))
      ccgc_visit_strong(visitor, v8ish_untag(held),
                        ccgc_edge_named(CCGC_EDGE_INTERNAL, "held value"));
    if (v8ish_is_ref(token))
      ccgc_visit_weak_target(visitor, v8ish_untag(token),
                             ccgc_edge_named(CCGC_EDGE_WEAK, "token"));
  }
}

void v8ish_trace_pending(v8ish_heap *heap, ccgc_visitor *visitor) {
  for (guint i = heap->pending_head; i < heap->pending->len; i++) {
    pending_callback *p = &g_array_index(heap->pending, pending_callback, i);
    if (v8ish_is_ref(p->held))
      ccgc_visit_strong(visitor, v8ish_untag(p->held),
                        ccgc_edge_named(CCGC_EDGE_ROOT, "finalization queue"));
  }
}

/* --- registries --------------------------------------------------------------- */

static word_t *new_cells(v8ish_heap *heap, size_t capacity, const char *call) {
  if (capacity > V8ISH_MAX_ELEMENTS / CELL_WORDS) {
    ccgc_error_set(heap->base.errors, CCGC_E_SIZE_OVERFLOW,
                   "%s: %zu registrations overflow the largest object", call,
                   capacity);
    return NULL;
  }
  word_t *cells =
      v8ish_allocate(heap, (CELLS_HEADER + capacity * CELL_WORDS) * 8, call);
  if (!cells) return NULL;
  cells[CELLS_CAPACITY] = v8ish_smi((intptr_t)capacity);
  cells[CELLS_COUNT] = v8ish_smi(0);
  v8ish_store(heap, cells, 0, heap->weak_cells_class);
  return cells;
}

v8ish_local v8ish_finalization_registry_new(v8ish_heap *heap,
                                            v8ish_finalization_fn callback,
                                            void *data) {
  const char *call = "v8ish_finalization_registry_new";
  if (!v8ish_enter(heap, CCGC_CALL_READ, call)) return v8ish_local_empty();
  if (!callback) {
    CCGC_MISUSE(heap->base.errors, CCGC_E_INVALID_ARGUMENT, ".api.argument",
                "%s: NULL callback", call);
    return v8ish_local_empty();
  }
  word_t *cells = new_cells(heap, MIN_CELLS, call);
  if (!cells) return v8ish_local_empty();
  word_t *registry = v8ish_allocate(heap, REGISTRY_WORDS * 8, call);
  if (!registry) return v8ish_local_empty();
  /* A free record slot, or a new one. */
  guint index = 0;
  while (index < heap->registries->len &&
         g_array_index(heap->registries, registry_record, index).registry)
    index++;
  if (index == heap->registries->len) g_array_set_size(heap->registries, index + 1);
  registry_record *record = &g_array_index(heap->registries, registry_record, index);
  *record = (registry_record){registry, callback, data, record->generation};
  v8ish_store(heap, registry, REGISTRY_CELLS, v8ish_tag(cells));
  registry[REGISTRY_RECORD] = v8ish_smi((intptr_t)index);
  v8ish_store(heap, registry, 0, heap->registry_class);
  return v8ish_local_push(heap, v8ish_tag(registry), call);
}

static word_t *cells_of(const word_t *registry) {
  return v8ish_untag(v8ish_load(registry, REGISTRY_CELLS));
}
static size_t cells_count(const word_t *cells) {
  return (size_t)v8ish_smi_value(cells[CELLS_COUNT]);
}

ccgc_status v8ish_finalization_registry_register(v8ish_heap *heap,
                                                 v8ish_local registry,
                                                 v8ish_local target,
                                                 v8ish_local held,
                                                 v8ish_local token) {
  const char *call = "v8ish_finalization_registry_register";
  if (!v8ish_enter(heap, CCGC_CALL_STORE, call)) return v8ish_last_status(heap);
  word_t *r = v8ish_local_object(heap, registry, V8ISH_TYPE_FINALIZATION_REGISTRY,
                                 call);
  v8ish_value target_word, held_word, token_word;
  if (!r || !v8ish_local_read(heap, target, call, &target_word) ||
      !v8ish_local_read(heap, held, call, &held_word) ||
      !v8ish_local_read(heap, token, call, &token_word))
    return v8ish_last_status(heap);
  /* As in JS: the target must be an object, and holding it as the held value
   * would keep it alive forever. */
  if (!v8ish_is_ref(target_word))
    return ccgc_error_set(heap->base.errors, CCGC_E_INVALID_ARGUMENT,
                          "%s: the target must be an object", call);
  if (target_word == held_word)
    return ccgc_error_set(heap->base.errors, CCGC_E_INVALID_ARGUMENT,
                          "%s: the target and the held value are the same",
                          call);
  if (!v8ish_local_is_empty(token) && !v8ish_is_ref(token_word))
    return ccgc_error_set(heap->base.errors, CCGC_E_INVALID_ARGUMENT,
                          "%s: the unregister token must be an object", call);
  /* .inv.no-resurrection: target and token are weak, but a dead one in a
   * live registry would be read after the sweep freed it. */
  if (v8ish_refuse_resurrection(heap, r, target_word, call, NULL) ||
      v8ish_refuse_resurrection(heap, r, held_word, call, NULL) ||
      v8ish_refuse_resurrection(heap, r, token_word, call, NULL))
    return CCGC_E_DEAD_OBJECT;
  word_t *cells = cells_of(r);
  size_t count = cells_count(cells);
  size_t capacity = (size_t)v8ish_smi_value(cells[CELLS_CAPACITY]);
  if (count == capacity) {
    word_t *grown = new_cells(heap, capacity * 2, call);
    if (!grown) return v8ish_last_status(heap);
    /* Copied raw and published white, so the marker traces the new cells
     * (targets stay weak) instead of the copy shading every target. */
    for (size_t i = 0; i < count * CELL_WORDS; i++)
      v8ish_store_raw(grown, CELLS_HEADER + i, cells[CELLS_HEADER + i]);
    grown[CELLS_COUNT] = cells[CELLS_COUNT];
    ccgc_barrier_unmark_unpublished(heap->base.barrier, grown);
    v8ish_store(heap, r, REGISTRY_CELLS, v8ish_tag(grown));
    /* .inv.replaced-weak-emptied: the old cells hold none (the count
     * bounds their trace), or a marker holding them grey would follow
     * young targets a scavenge freed. */
    v8ish_store_raw(cells, CELLS_COUNT, v8ish_smi(0));
    cells = grown;
  }
  size_t at = cell_index(count);
  /* The marking barrier only: minor collections find every registry's
   * cells through heap->registries (scavenger.c). */
  v8ish_store_weak_table(heap, cells, at, target_word);
  v8ish_store_weak_table(heap, cells, at + 1, held_word);
  v8ish_store_weak_table(heap, cells, at + 2,
                         v8ish_is_ref(token_word) ? token_word : 0);
  /* The count publishes the cell to a concurrent marker (release). */
  v8ish_store_raw(cells, CELLS_COUNT, v8ish_smi((intptr_t)count + 1));
  return CCGC_OK;
}

/* Removes the cells for which drop() says so, keeping the order of the rest.
 * Returns how many went. The held value of a cell that slides down is stored
 * through the barrier: a concurrent marker that already read past its new
 * place would otherwise never see it (.inv.no-black-to-white). Target and
 * token are weak: shading them would keep a dead target for a cycle. */
static size_t compact(v8ish_heap *heap, word_t *cells,
                      bool (*drop)(word_t *cell, void *data), void *data) {
  size_t count = cells_count(cells), kept = 0;
  for (size_t i = 0; i < count; i++) {
    word_t *cell = &cells[cell_index(i)];
    if (drop(cell, data)) continue;
    if (kept != i) {
      size_t to = cell_index(kept);
      v8ish_store_raw(cells, to, cell[0]);         /* target: weak */
      v8ish_store_weak_table(heap, cells, to + 1, cell[1]); /* held: strong */
      v8ish_store_raw(cells, to + 2, cell[2]);     /* token: weak */
    }
    kept++;
  }
  for (size_t i = kept; i < count; i++)
    for (size_t w = 0; w < CELL_WORDS; w++)
      v8ish_store_raw(cells, cell_index(i) + w, 0);
  v8ish_store_raw(cells, CELLS_COUNT, v8ish_smi((intptr_t)kept));
  return count - kept;
}

static bool has_token(word_t *cell, void *data) {
  return cell[2] == *(v8ish_value *)data;
}

size_t v8ish_finalization_registry_unregister(v8ish_heap *heap,
                                              v8ish_local registry,
                                              v8ish_local token) {
  const char *call = "v8ish_finalization_registry_unregister";
  if (!v8ish_enter(heap, CCGC_CALL_STORE, call)) return 0;
  word_t *r = v8ish_local_object(heap, registry, V8ISH_TYPE_FINALIZATION_REGISTRY,
                                 call);
  v8ish_value token_word;
  if (!r || !v8ish_local_read(heap, token, call, &token_word)) return 0;
  if (!v8ish_is_ref(token_word)) {
    ccgc_error_set(heap->base.errors, CCGC_E_INVALID_ARGUMENT,
                   "%s: the unregister token must be an object", call);
    return 0;
  }
  return compact(heap, cells_of(r), has_token, &token_word);
}

size_t v8ish_finalization_registry_size(v8ish_heap *heap, v8ish_local registry) {
  word_t *r = v8ish_checked(heap, registry, V8ISH_TYPE_FINALIZATION_REGISTRY,
                            "v8ish_finalization_registry_size");
  return r ? cells_count(cells_of(r)) : 0;
}

/* --- weak global callbacks --------------------------------------------------------- */

ccgc_status v8ish_global_set_weak_callback(v8ish_heap *heap,
                                           v8ish_global global,
                                           v8ish_weak_callback_fn callback,
                                           void *data) {
  const char *call = "v8ish_global_set_weak_callback";
  if (!v8ish_enter(heap, CCGC_CALL_STORE, call)) return v8ish_last_status(heap);
  if (global.index == 0 || global.index >= heap->global_count ||
      !heap->globals[global.index].in_use ||
      heap->globals[global.index].generation != global.generation)
    return CCGC_MISUSE(heap->base.errors, CCGC_E_DEAD_HANDLE,
                       ".api.live-handle",
                       "%s: global handle used after it was freed", call);
  if (!callback)
    return CCGC_MISUSE(heap->base.errors, CCGC_E_INVALID_ARGUMENT,
                       ".api.argument", "%s: NULL callback", call);
  global_node *node = &heap->globals[global.index];
  node->weak = true; /* no longer a root: from the next marking on */
  node->callback = callback;
  node->callback_data = data;
  return CCGC_OK;
}

/* --- weak processing and the queue ---------------------------------------------------- */

/* A registration whose target died: its callback queued with held. */
static void queue_finalization(v8ish_heap *heap, const registry_record *record,
                               v8ish_value held) {
  pending_callback p = {
      .held = held,
      .finalize = record->callback,
      .data = record->data,
      .registry_index =
          (uint32_t)(record - &g_array_index(heap->registries, registry_record, 0)),
      .registry_generation = record->generation};
  g_array_append_val(heap->pending, p);
}

typedef struct prune_state {
  v8ish_heap *heap;
  const registry_record *record;
} prune_state;

static bool dead_target(word_t *cell, void *data) {
  prune_state *state = data;
  if (v8ish_is_ref(cell[2]) && !ccgc_is_marked(v8ish_untag(cell[2])))
    cell[2] = 0; /* a dead token unregisters nothing any more */
  if (ccgc_is_marked(v8ish_untag(cell[0]))) return false;
  queue_finalization(state->heap, state->record, cell[1]);
  return true;
}

void v8ish_finalization_prune(v8ish_heap *heap) {
  for (guint i = 0; i < heap->registries->len; i++) {
    registry_record *record = &g_array_index(heap->registries, registry_record, i);
    if (!record->registry) continue;
    if (!ccgc_is_marked(record->registry)) { /* dead: its callbacks never run */
      v8ish_registry_record_free(record);
      continue;
    }
    prune_state state = {heap, record};
    compact(heap, cells_of(record->registry), dead_target, &state);
  }
}

void v8ish_queue_weak_callback(v8ish_heap *heap, uint32_t index) {
  global_node *node = &heap->globals[index];
  pending_callback p = {.global = {index, node->generation},
                        .weak = node->callback,
                        .data = node->callback_data};
  g_array_append_val(heap->pending, p);
  node->callback = NULL; /* once */
}

/* A queued callback still to run when its turn comes: a registry that died
 * since (a collection an earlier callback ran) calls nothing, as a dead
 * registry never does (v8ish.h); a weak global the host freed since (an
 * earlier callback may free it) cancelled its callback - it would be handed
 * a freed handle, which any call reports as misuse. */
static bool callback_registry_alive(const v8ish_heap *heap,
                                    const pending_callback *p) {
  if (p->registry_index >= heap->registries->len) return false;
  const registry_record *record =
      &g_array_index(heap->registries, registry_record, p->registry_index);
  return record->registry && record->generation == p->registry_generation;
}

static bool callback_global_held(const v8ish_heap *heap,
                                 const pending_callback *p) {
  if (p->global.index >= heap->global_count) return false;
  const global_node *node = &heap->globals[p->global.index];
  return node->in_use && node->generation == p->global.generation;
}

void v8ish_run_pending_callbacks(v8ish_heap *heap) {
  /* Callbacks may register, collect (queueing more, and running this queue
   * from the nested collection: the shared head makes that safe) or free
   * handles. Entries from the head on stay roots until they ran. */
  while (heap->pending_head < heap->pending->len) {
    pending_callback p =
        g_array_index(heap->pending, pending_callback, heap->pending_head);
    v8ish_handle_scope scope;
    v8ish_handle_scope_open(heap, &scope);
    v8ish_local held = p.finalize ? v8ish_handle_new(heap, p.held,
                                                     "finalization callback")
                                  : v8ish_local_empty();
    heap->pending_head++;
    if (p.finalize ? callback_registry_alive(heap, &p) : callback_global_held(heap, &p)) {
      if (p.finalize)
        p.finalize(heap, held, p.data);
      else
        p.weak(heap, p.global, p.data);
    }
    v8ish_handle_scope_close(&scope);
  }
  g_array_set_size(heap->pending, 0);
  heap->pending_head = 0;
}

/* --- minor collections (scavenger.c) ------------------------------------------ */

void v8ish_weak_cells_scavenge_held(word_t *cells,
                                    void (*scan)(word_t *, void *),
                                    void *data) {
  size_t count = cells_count(cells);
  for (size_t i = 0; i < count; i++) scan(&cells[cell_index(i) + 1], data);
}

typedef struct scavenge_prune {
  v8ish_heap *heap;
  const registry_record *record;
  void *(*relocate)(void *, void *);
  void *data;
} scavenge_prune;

/* A weakly held word after a minor collection: followed, or 0 if it died. */
static word_t follow(const scavenge_prune *state, word_t word) {
  if (!v8ish_is_ref(word)) return word;
  word_t *to = state->relocate(v8ish_untag(word), state->data);
  return to ? v8ish_tag(to) : 0;
}

static bool dead_young_target(word_t *cell, void *data) {
  scavenge_prune *state = data;
  cell[2] = follow(state, cell[2]);
  word_t target = follow(state, cell[0]);
  if (target || !v8ish_is_ref(cell[0])) {
    cell[0] = target;
    return false;
  }
  queue_finalization(state->heap, state->record, cell[1]);
  return true;
}

void v8ish_finalization_after_scavenge(v8ish_heap *heap,
                                       registry_record *record,
                                       void *(*relocate)(void *, void *),
                                       void *data) {
  scavenge_prune state = {heap, record, relocate, data};
  compact(heap, cells_of(record->registry), dead_young_target, &state);
}
