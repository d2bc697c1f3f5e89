/* weak-collections.c - HeapEphemeronMap and HeapWeakSet (blinkish.h): weak
 * keys, ephemeron values, external values for the bridge, and the prune that
 * runs after every marking. Layout and rationale: docs/dom-weak-collections.md.
 *
 *   HeapEphemeronMap / HeapWeakSet            HeapEphemeronMapBacking /
 *   +-------+-----------------+----------+    HeapWeakSetBacking
 *   | table | next_registered | external | -> (weak-table.h)
 *   +-------+-----------------+----------+
 *     member  registry link,    ops + data
 *             never traced      (maps with external values)
 *
 * Why a registry: after marking, every live collection must drop the entries
 * whose key died, *before* any finalizer runs (.inv.weak-before-finalizers).
 * Doing that from the trace callback (recording "tables seen this cycle")
 * would miss tables that were not traced: a collection allocated black while
 * marking runs, or a table swapped in after its collection was traced. So the
 * heap links every collection it allocates and, in process_weakness, prunes
 * each one the collector marked and unlinks each one it did not. A registry
 * link is not a reference: a collection reachable only from the registry dies.
 *
 * Why a release is sometimes deferred: a marker thread asks an external map's
 * target function about every value it finds in a table, while the host may
 * be removing that value. Releasing it then (the bridge frees its node) would
 * let the marker read freed memory. So while marking runs, a removed external
 * value is released in the atomic pause, when every marker thread is parked;
 * outside marking it is released at once. Either way exactly once
 * (.inv.external-release-once).
 */
#include "invariant-check.h"
#include "weak-table.h"

struct blinkish_weak_collection {
  /* member, first: the table's owner slot (.inv.backing-owner); NULL once
   * found dead or torn down */
  blinkish_weak_table *table;
  blinkish_weak_collection *next_registered; /* heap->weak_collections    */
  bool is_map;
  bool is_external;
  blinkish_external_value_ops external;
  void *external_data;
};

typedef struct deferred_release {
  void (*release)(void *value, void *data);
  void *value;
  void *data;
} deferred_release;

/* --- types ---------------------------------------------------------------- */

static void trace_collection(ccgc_visitor *visitor, void *object) {
  blinkish_weak_collection *self = object;
  ccgc_visit_strong(visitor, __atomic_load_n(&self->table, __ATOMIC_ACQUIRE),
                    ccgc_edge_named(CCGC_EDGE_INTERNAL, "backing"));
}

void blinkish_weak_register_types(blinkish_heap *heap) {
  /* No finalizers: a dead collection releases its values in the prune, while
   * its table is still readable (a finalizer may not read other objects). */
  blinkish_type_info map = {"HeapEphemeronMap", trace_collection, NULL, 0};
  blinkish_type_info set = {"HeapWeakSet", trace_collection, NULL, 0};
  blinkish_type_info map_table = {"HeapEphemeronMapBacking",
                                  blinkish_weak_trace_map_table, NULL, 0};
  blinkish_type_info set_table = {"HeapWeakSetBacking",
                                  blinkish_weak_trace_set_table, NULL, 0};
  heap->map_type = blinkish_register_type(heap, &map);
  heap->set_type = blinkish_register_type(heap, &set);
  heap->map_table_type = blinkish_register_type(heap, &map_table);
  heap->set_table_type = blinkish_register_type(heap, &set_table);
}

/* --- releasing external values -------------------------------------------- */

/* Release functions run inside collections too (the prune) and in the
 * middle of a table update: they may not call back into weak collections,
 * which is refused while the flag is set. */
static void call_release(blinkish_heap *heap,
                         void (*release)(void *value, void *data), void *value,
                         void *data) {
  /* From the host's own set or delete, the release runs in a context of
   * its own: inside the table's update it may not free this heap, collect
   * (which could rebuild or move the table) or allocate, as no release
   * may (blinkish.h); inside a collection or teardown it keeps theirs. */
  ccgc_collector *collector = heap->base.collector;
  bool host = ccgc_collector_context(collector) == CCGC_CONTEXT_MUTATOR;
  ccgc_call_context outer =
      host ? ccgc_collector_enter_context(collector, CCGC_CONTEXT_RELEASE)
           : CCGC_CONTEXT_MUTATOR;
  heap->in_external_release = true;
  release(value, data);
  heap->in_external_release = false;
  if (host) ccgc_collector_leave_context(collector, outer);
}

/* The value left the map (overwritten, deleted, key dead, map dead). */
static void release_value(blinkish_heap *heap, blinkish_weak_collection *self,
                          void *value) {
  if (!self->is_external || !self->external.release) return;
  if (!ccgc_barrier_marking(heap->base.barrier)) {
    call_release(heap, self->external.release, value, self->external_data);
    return;
  }
  /* A marker thread may be calling target(value) right now. */
  if (!heap->deferred_releases)
    heap->deferred_releases =
        g_array_new(FALSE, FALSE, sizeof(deferred_release));
  deferred_release later = {self->external.release, value,
                            self->external_data};
  g_array_append_val(heap->deferred_releases, later);
}

static void flush_deferred_releases(blinkish_heap *heap) {
  if (!heap->deferred_releases) return;
  /* Index loop: the array is not touched by release (marking is off, so
   * nothing more is deferred). */
  for (guint i = 0; i < heap->deferred_releases->len; i++) {
    deferred_release later =
        g_array_index(heap->deferred_releases, deferred_release, i);
    call_release(heap, later.release, later.value, later.data);
  }
  g_array_set_size(heap->deferred_releases, 0);
}

/* --- validation ----------------------------------------------------------- */

static blinkish_weak_collection *check_collection(blinkish_heap *heap,
                                                  const void *object,
                                                  bool map, const char *call) {
  if (!blinkish_check_object(heap, object, call, map ? "map" : "set"))
    return NULL;
  blinkish_type_id type = blinkish_header_type(blinkish_header_of(object));
  if (type != (map ? heap->map_type : heap->set_type)) {
    CCGC_MISUSE(heap->base.errors, CCGC_E_WRONG_TYPE, ".api.wrong-type",
                "%s: %p is a %s, not a %s", call, object,
                heap->types[type].name,
                map ? "HeapEphemeronMap" : "HeapWeakSet");
    return NULL;
  }
  return (blinkish_weak_collection *)object;
}

static const char *what(const blinkish_weak_collection *self) {
  return self->is_map ? "map" : "set";
}

/* From a pre-finalizer: the collection must survive this collection (a dead
 * one was emptied and released its values already: an entry added now would
 * never be released), and the entry must not hold a dead object. */
static ccgc_status check_prefinalizer_store(blinkish_heap *heap,
                                            blinkish_weak_collection *self,
                                            const char *call, void *key,
                                            void *value, void *target) {
  if (!self->table || blinkish_is_dying(heap, self))
    return CCGC_MISUSE(heap->base.errors, CCGC_E_DEAD_OBJECT,
                       ".inv.no-resurrection",
                       "%s: the %s %p was found dead by this collection "
                       "and takes no new entries (its entries were "
                       "already released)",
                       call, what(self), (void *)self);
  /* .inv.no-resurrection */
  if (blinkish_refuse_resurrection(heap, self, key, call, NULL))
    return CCGC_E_DEAD_OBJECT;
  if (!self->is_external &&
      blinkish_refuse_resurrection(heap, self, value, call, NULL))
    return CCGC_E_DEAD_OBJECT;
  /* A target in another heap: no heap has swept yet (every heap's
   * pre_reclaim and finalize run before any reclaim,
   * .inv.finalize-before-sweep), so its mark is still the verdict. */
  if (self->is_external && target &&
      (heap->tearing_down || !ccgc_is_marked(target)))
    return CCGC_MISUSE(heap->base.errors, CCGC_E_DEAD_OBJECT,
                       ".inv.no-resurrection",
                       "%s: resurrection from %s: the "
                       "value's target %p was found dead by this "
                       "collection; keeping it in live map %p would "
                       "leave a dangling pointer (.inv.no-resurrection)",
                       call, blinkish_reclamation_phase(heap), target,
                       (void *)self);
  return CCGC_OK;
}

/* --- creation ------------------------------------------------------------- */

static void *new_collection(blinkish_heap *heap, bool map,
                            const blinkish_external_value_ops *ops, void *data,
                            const char *call) {
  blinkish_weak_collection *self =
      blinkish_alloc_own(heap, map ? heap->map_type : heap->set_type, sizeof *self);
  if (!self) return NULL;
  self->is_map = map;
  if (ops) {
    self->is_external = true;
    self->external = *ops;
    self->external_data = data;
  }
  blinkish_weak_table *table = blinkish_weak_table_new(
      heap, BLINKISH_WEAK_TABLE_MIN_CAPACITY, !map, ops ? ops->target : NULL,
      data, call);
  if (!table) return NULL; /* the collection is garbage, never registered */
  table->prefetch = ops ? ops->prefetch : NULL;
  blinkish_backing_install(heap, self, table);
  self->next_registered = heap->weak_collections;
  heap->weak_collections = self;
  return self;
}

void *blinkish_weak_map_new(blinkish_heap *heap) {
  if (!blinkish_enter(heap, CCGC_CALL_ALLOCATE, "blinkish_weak_map_new"))
    return NULL;
  return new_collection(heap, true, NULL, NULL, "blinkish_weak_map_new");
}

void *blinkish_weak_map_new_external(blinkish_heap *heap,
                                     const blinkish_external_value_ops *ops,
                                     void *data) {
  if (!blinkish_enter(heap, CCGC_CALL_ALLOCATE,
                      "blinkish_weak_map_new_external"))
    return NULL;
  if (!ops || !ops->target) {
    CCGC_MISUSE(heap->base.errors, CCGC_E_INVALID_ARGUMENT, ".api.argument",
                "blinkish_weak_map_new_external: the ops need a target "
                "function");
    return NULL;
  }
  return new_collection(heap, true, ops, data,
                        "blinkish_weak_map_new_external");
}

void *blinkish_weak_set_new(blinkish_heap *heap) {
  if (!blinkish_enter(heap, CCGC_CALL_ALLOCATE, "blinkish_weak_set_new"))
    return NULL;
  return new_collection(heap, false, NULL, NULL, "blinkish_weak_set_new");
}

/* --- growing and shrinking ------------------------------------------------ */

/* Replaces the table by a new one of `capacity` holding the same entries
 * (tombstones dropped). The old table keeps its contents - a marker may still
 * be reading it, and the sweep frees it once it is garbage - but is retired:
 * it reports nothing to later traces (weak-table.h). */
static ccgc_status rebuild(blinkish_heap *heap, blinkish_weak_collection *self,
                           size_t capacity, const char *call) {
  blinkish_weak_table *old = self->table;
  blinkish_weak_table *fresh = blinkish_weak_table_new(
      heap, capacity, old->is_set, old->target, old->target_data, call);
  if (!fresh) return heap->base.errors->last.code;
  fresh->prefetch = old->prefetch;
  /* self->table is unchanged: allocation never collects. Copied without the
   * barrier and published white: the member store greys the new table and
   * the marker traces it, so a dead key copied along is not resurrected for
   * a cycle (.inv.unpublished-white). */
  blinkish_weak_table_copy(heap, fresh, old);
  ccgc_barrier_unmark_unpublished(heap->base.barrier, fresh);
  blinkish_backing_install(heap, self, fresh);
  blinkish_weak_table_retire(old);
  return CCGC_OK;
}

/* Best effort after a removal: a table at most 1/8 full shrinks to half
 * full. Not from pre-finalizers (they must not allocate); if the heap cannot
 * allocate, the bigger table stays and the removal still succeeded, so the
 * failure is not left behind as the host's last error. */
static void maybe_shrink(blinkish_heap *heap, blinkish_weak_collection *self,
                         const char *call) {
  blinkish_weak_table *table = self->table;
  /* Only where the host may allocate: not from a collector callback (a
   * weak callback's removal rebuilt the table and was reported as an
   * allocation; the default handler aborted). */
  if (!ccgc_gate_open(heap->base.gate) || heap->tearing_down ||
      table->capacity <= BLINKISH_WEAK_TABLE_MIN_CAPACITY ||
      table->live * 8 > table->capacity)
    return;
  ccgc_error saved = heap->base.errors->last;
  if (rebuild(heap, self, blinkish_weak_table_capacity_for(table->live),
              call) != CCGC_OK)
    heap->base.errors->last = saved;
}

/* Room for one more entry, growing the table if needed. */
static ccgc_status make_room(blinkish_heap *heap,
                             blinkish_weak_collection *self,
                             const char *call) {
  blinkish_weak_table *table = self->table;
  if (blinkish_weak_table_has_room(table)) return CCGC_OK;
  if (blinkish_in_reclamation(heap))
    return CCGC_MISUSE(heap->base.errors, CCGC_E_IN_COLLECTION,
                       ".api.outside-collection",
                       "%s: the %s must grow, which allocates, and a "
                       "pre-finalizer must not allocate",
                       call, what(self));
  if (!ccgc_gate_open(heap->base.gate))
    return CCGC_MISUSE(heap->base.errors, CCGC_E_IN_COLLECTION,
                       ".api.outside-collection",
                       "%s: the %s must grow, which allocates, and a "
                       "collector callback must not allocate",
                       call, what(self));
  /* Sized for the live entries: a table full of tombstones is rebuilt at
   * the same size (or smaller) instead of doubling. */
  size_t capacity = blinkish_weak_table_capacity_for(table->live + 1);
  if (capacity == 0)
    return ccgc_error_set(heap->base.errors, CCGC_E_SIZE_OVERFLOW,
                          "%s: the %s cannot grow beyond %zu entries", call,
                          what(self), table->live);
  return rebuild(heap, self, capacity, call);
}

/* --- the shared store ----------------------------------------------------- */

/* Stores key -> value (sets: value == key). Checked and validated by the
 * callers except for the phase rules, which are here. */
static ccgc_status refuse_reentry(blinkish_heap *heap, const char *call) {
  return CCGC_MISUSE(heap->base.errors, CCGC_E_IN_COLLECTION,
                     ".api.outside-collection",
                     "%s: called from an external value's release "
                     "function (it may not change weak collections)",
                     call);
}

static ccgc_status store(blinkish_heap *heap, blinkish_weak_collection *self,
                         void *key, void *value, const char *call) {
  if (heap->in_external_release) return refuse_reentry(heap, call);
  if (heap->in_finalization) /* .inv.finalizer-no-store */
    return blinkish_refuse_finalizer_store(heap, call, key,
                                           self->is_external ? NULL : value);
  void *target = NULL;
  if (self->is_map && value) {
    if (self->is_external && self->external.check) {
      ccgc_status checked = self->external.check(value, self->external_data);
      if (checked != CCGC_OK) return checked;
    }
    target = self->is_external
                 ? self->external.target(value, self->external_data)
                 : value;
    if (self->is_external && target) {
      /* The marker would take any other address for an object of some
       * heap. */
      const ccgc_page *page = ccgc_collector_find_page(heap->base.collector, target);
      if (!page)
        return CCGC_MISUSE(heap->base.errors, CCGC_E_FOREIGN_POINTER,
                           ".api.valid-object",
                           "%s: the target of value %p is %p, which is "
                           "not in any heap of this collector",
                           call, value, target);
      if (!blinkish_check_target(heap, page, target, value, call))
        return CCGC_E_WRONG_TYPE;
    }
  }
  if (blinkish_marks_final(heap)) { /* pre-finalizers, weak callbacks */
    ccgc_status status =
        check_prefinalizer_store(heap, self, call, key, value, target);
    if (status != CCGC_OK) return status;
  }
  blinkish_weak_entry *entry = blinkish_weak_table_find(self->table, key);
  if (entry) {
    void *old = entry->value;
    if (old == value) return CCGC_OK; /* not a removal: nothing released */
    blinkish_weak_table_replace_value(heap, self->table, entry, value);
    release_value(heap, self, old);
    return CCGC_OK;
  }
  ccgc_status status = make_room(heap, self, call);
  if (status != CCGC_OK) return status; /* the value was not taken */
  blinkish_weak_table_insert(heap, self->table, key, value);
  return CCGC_OK;
}

static bool remove_key(blinkish_heap *heap, blinkish_weak_collection *self,
                       const void *key, const char *call) {
  if (heap->in_external_release) {
    refuse_reentry(heap, call);
    return false;
  }
  if (heap->in_finalization) {
    CCGC_MISUSE(heap->base.errors, CCGC_E_DEAD_OBJECT,
                ".inv.finalizer-no-store",
                "%s: store during finalization (a finalizer must not "
                "write heap objects)",
                call);
    return false;
  }
  if (!self->table) return false; /* found dead: already empty */
  blinkish_weak_entry *entry = blinkish_weak_table_find(self->table, key);
  if (!entry) return false;
  void *old = entry->value;
  blinkish_weak_table_remove(self->table, entry);
  release_value(heap, self, old);
  maybe_shrink(heap, self, call);
  return true;
}

/* Keys are DOM objects of this heap, checked like member values. */
static bool check_key(blinkish_heap *heap, const void *key, const char *call) {
  if (!key) {
    CCGC_MISUSE(heap->base.errors, CCGC_E_INVALID_ARGUMENT, ".api.argument",
                "%s: the key is NULL (keys are DOM objects)", call);
    return false;
  }
  return blinkish_check_reference(heap, key, call, "key");
}

/* --- HeapEphemeronMap ----------------------------------------------------- */

ccgc_status blinkish_weak_map_set(blinkish_heap *heap, void *map, void *key,
                                  void *value) {
  if (!blinkish_enter(heap, CCGC_CALL_STORE, "blinkish_weak_map_set"))
    return blinkish_refusal(heap);
  const char *call = "blinkish_weak_map_set";
  blinkish_weak_collection *self = check_collection(heap, map, true, call);
  if (!self || !check_key(heap, key, call)) return heap->base.errors->last.code;
  if (!self->is_external && value &&
      !blinkish_check_reference(heap, value, call, "value"))
    return heap->base.errors->last.code;
  return store(heap, self, key, value, call);
}

void *blinkish_weak_map_get(blinkish_heap *heap, const void *map,
                            const void *key) {
  if (!blinkish_enter(heap, CCGC_CALL_READ, "blinkish_weak_map_get"))
    return NULL;
  blinkish_weak_collection *self =
      check_collection(heap, map, true, "blinkish_weak_map_get");
  if (!self || !self->table) return NULL;
  blinkish_weak_entry *entry = blinkish_weak_table_find(self->table, key);
  return entry ? entry->value : NULL;
}

bool blinkish_weak_map_has(blinkish_heap *heap, const void *map,
                           const void *key) {
  if (!blinkish_enter(heap, CCGC_CALL_READ, "blinkish_weak_map_has"))
    return false;
  blinkish_weak_collection *self =
      check_collection(heap, map, true, "blinkish_weak_map_has");
  return self && self->table && blinkish_weak_table_find(self->table, key);
}

bool blinkish_weak_map_delete(blinkish_heap *heap, void *map, const void *key) {
  if (!blinkish_enter(heap, CCGC_CALL_STORE, "blinkish_weak_map_delete"))
    return false;
  const char *call = "blinkish_weak_map_delete";
  blinkish_weak_collection *self = check_collection(heap, map, true, call);
  return self && remove_key(heap, self, key, call);
}

size_t blinkish_weak_map_size(blinkish_heap *heap, const void *map) {
  if (!blinkish_enter(heap, CCGC_CALL_READ, "blinkish_weak_map_size"))
    return 0;
  blinkish_weak_collection *self =
      check_collection(heap, map, true, "blinkish_weak_map_size");
  return self && self->table ? self->table->live : 0;
}

/* --- HeapWeakSet ---------------------------------------------------------- */

ccgc_status blinkish_weak_set_add(blinkish_heap *heap, void *set, void *key) {
  if (!blinkish_enter(heap, CCGC_CALL_STORE, "blinkish_weak_set_add"))
    return blinkish_refusal(heap);
  const char *call = "blinkish_weak_set_add";
  blinkish_weak_collection *self = check_collection(heap, set, false, call);
  if (!self || !check_key(heap, key, call)) return heap->base.errors->last.code;
  return store(heap, self, key, key, call); /* the value word mirrors the key */
}

bool blinkish_weak_set_has(blinkish_heap *heap, const void *set,
                           const void *key) {
  if (!blinkish_enter(heap, CCGC_CALL_READ, "blinkish_weak_set_has"))
    return false;
  blinkish_weak_collection *self =
      check_collection(heap, set, false, "blinkish_weak_set_has");
  return self && self->table && blinkish_weak_table_find(self->table, key);
}

bool blinkish_weak_set_delete(blinkish_heap *heap, void *set, const void *key) {
  if (!blinkish_enter(heap, CCGC_CALL_STORE, "blinkish_weak_set_delete"))
    return false;
  const char *call = "blinkish_weak_set_delete";
  blinkish_weak_collection *self = check_collection(heap, set, false, call);
  return self && remove_key(heap, self, key, call);
}

size_t blinkish_weak_set_size(blinkish_heap *heap, const void *set) {
  if (!blinkish_enter(heap, CCGC_CALL_READ, "blinkish_weak_set_size"))
    return 0;
  blinkish_weak_collection *self =
      check_collection(heap, set, false, "blinkish_weak_set_size");
  return self && self->table ? self->table->live : 0;
}

/* --- after marking: the prune --------------------------------------------- */

/* Drops the entries of a surviving collection whose key died: marked keys
 * stay (and, by the ephemeron rule or the barrier, so did their values). */
static void prune(blinkish_heap *heap, blinkish_weak_collection *self) {
  blinkish_weak_table *table = self->table;
  for (size_t i = 0; i < table->capacity; i++) {
    blinkish_weak_entry *entry = &table->entries[i];
    if (entry->key) {
      if (ccgc_is_marked(entry->key)) continue;
    } else if (!entry->value || entry->value == BLINKISH_WEAK_TOMBSTONE) {
      continue; /* free or tombstone */
    } /* else a set entry whose key the marker cleared: dead too */
    void *old = entry->value;
    blinkish_weak_table_remove(table, entry);
    release_value(heap, self, old); /* marking is off: released now */
  }
}

/* A collection found dead (or torn down): every value leaves with it. Its
 * table is still allocated, so reading it is safe here, unlike in a
 * finalizer. The table is retired before any value is released: it may
 * outlive the collection as floating garbage (allocated black while marking
 * ran) and be traced again later. */
static void retire_collection(blinkish_heap *heap,
                              blinkish_weak_collection *self) {
  blinkish_weak_table *table = self->table;
  self->next_registered = NULL;
  __atomic_store_n(&self->table, NULL, __ATOMIC_RELEASE);
  blinkish_weak_table_retire(table);
  if (!self->is_external) return;
  for (size_t i = 0; i < table->capacity; i++)
    if (table->entries[i].key)
      release_value(heap, self, table->entries[i].value);
}

void blinkish_weak_collections_process(blinkish_heap *heap) {
  /* Marker threads are parked and marking is off: what was deferred goes
   * now, before any pre-finalizer or finalizer (.inv.external-release-once). */
  flush_deferred_releases(heap);
  blinkish_weak_collection **link = &heap->weak_collections;
  while (*link) {
    blinkish_weak_collection *self = *link;
    if (!ccgc_is_marked(self)) { /* dead: out of the registry, values go */
      *link = self->next_registered;
      retire_collection(heap, self);
      continue;
    }
    prune(heap, self); /* .inv.weak-before-finalizers */
    link = &self->next_registered;
  }
}

void blinkish_weak_collections_teardown(blinkish_heap *heap) {
  flush_deferred_releases(heap);
  while (heap->weak_collections) {
    blinkish_weak_collection *self = heap->weak_collections;
    heap->weak_collections = self->next_registered;
    retire_collection(heap, self);
  }
  if (heap->deferred_releases) g_array_free(heap->deferred_releases, TRUE);
  heap->deferred_releases = NULL;
}
