/* weak-collections.c - WeakMap and WeakSet over ephemeron hash tables
 * (v8ish.h, docs/script-heap.md "Weakness").
 *
 * A WeakMap or WeakSet is a two-word object [map, table]; the table is an
 * EphemeronHashTable, replaced by a bigger (or cleaner) one when it fills:
 *
 *   [map, capacity, count, deleted, (key, value) * capacity]
 *
 * Open addressing with linear probing over a power-of-two capacity, keyed by
 * the key's address (script objects do not move today; a moving collector
 * must rehash the tables whose keys it moved, as V8 would without its
 * identity hashes). A key slot holds the tagged key, EMPTY (the integer 0,
 * what fresh memory holds) or DELETED (the integer 1, a tombstone). A value
 * is a tagged script value or an *embedder value*: the address of an object
 * of another heap, tagged like a reference (low bit 1). The page it lies on
 * says which heap owns it, so one word describes itself: a concurrent marker
 * can never read a value with the wrong kind, whatever it races with.
 *
 * Marking: a table reports every entry as an ephemeron (key, value), so the
 * marker's fixed point keeps the value only while the key is alive, whichever
 * heap each lives in; a WeakSet's entries (no value) are weak references. The
 * heap keeps every WeakMap/WeakSet in heap->weak_collections and, in its weak
 * processing, deletes the entries of live tables whose key died
 * (.inv.weak-before-finalizers). This does not depend on the table having been
 * traced this cycle: a table allocated black during marking is pruned too.
 *
 * While marking runs every store into a table goes through the barrier, key
 * and value alike (.inv.script-store-barriered): conservative (an entry stored
 * during marking survives this cycle even if its key dies in it), never
 * unsafe. A grown table is filled without the barrier and published white
 * (ccgc_barrier_unmark_unpublished): the marker traces it like any table, so
 * an entry whose key is dead is not resurrected by the copy. Entries are
 * written with release stores and read by the trace with acquire loads; a
 * concurrent marker that reads a half-written entry sees either slot's old
 * or new word, and every new word was shaded by the barrier.
 */
#include "checks-inl.h"
#include "invariant-check.h"
#include "space-inl.h"

#define EMPTY ((v8ish_value)0)
#define DELETED v8ish_smi(1)
#define MIN_CAPACITY 8
#define SET_PRESENT v8ish_smi(1) /* a WeakSet's value */

bool v8ish_weak_collections_init(v8ish_heap *heap) {
  const char *call = "v8ish_heap_new";
  heap->weak_collections = g_ptr_array_new();
  heap->weak_map_class = v8ish_new_class(heap, V8ISH_TYPE_WEAK_MAP,
                                         WEAK_COLLECTION_WORDS,
                                         WEAK_COLLECTION_WORDS, 0, call);
  heap->weak_set_class = v8ish_new_class(heap, V8ISH_TYPE_WEAK_SET,
                                         WEAK_COLLECTION_WORDS,
                                         WEAK_COLLECTION_WORDS, 0, call);
  heap->ephemeron_table_class =
      v8ish_new_class(heap, V8ISH_TYPE_EPHEMERON_TABLE, 0, 0, 0, call);
  return heap->weak_map_class && heap->weak_set_class &&
         heap->ephemeron_table_class;
}

static size_t capacity_of(const word_t *table) {
  return (size_t)v8ish_smi_value(v8ish_load(table, TABLE_CAPACITY));
}
static size_t count_of(const word_t *table) {
  return (size_t)v8ish_smi_value(table[TABLE_COUNT]);
}
static size_t deleted_of(const word_t *table) {
  return (size_t)v8ish_smi_value(table[TABLE_DELETED]);
}
static inline size_t key_index(size_t entry) {
  return TABLE_HEADER + entry * TABLE_ENTRY;
}
static inline bool is_key(v8ish_value word) { return v8ish_is_ref(word); }
static inline bool is_embedder(const v8ish_heap *heap, v8ish_value value) {
  return v8ish_is_ref(value) &&
         ccgc_page_of(v8ish_untag(value))->heap_id != heap->base.heap_id;
}

/* Fibonacci hashing of the address: objects are 8-aligned, so the low bits
 * carry nothing. */
static size_t hash_of(v8ish_value key, size_t capacity) {
  uint64_t x = (uint64_t)(key >> 3) * UINT64_C(0x9E3779B97F4A7C15);
  return (size_t)(x >> 32) & (capacity - 1);
}

/* --- tracing ---------------------------------------------------------------- */

/* limit: words readable to the end of the page (concurrent snapshots must
 * never read past the object even if they see a stale capacity). */
void v8ish_trace_ephemeron_table(word_t *table, size_t limit,
                                 ccgc_visitor *visitor) {
  size_t capacity = capacity_of(table);
  if (limit < TABLE_HEADER) return;
  if (capacity > (limit - TABLE_HEADER) / TABLE_ENTRY)
    capacity = (limit - TABLE_HEADER) / TABLE_ENTRY;
  ccgc_edge edge = ccgc_edge_named(CCGC_EDGE_EPHEMERON, "value");
  ccgc_edge key_edge = ccgc_edge_named(CCGC_EDGE_WEAK, "key");
  for (size_t i = 0; i < capacity; i++) {
    size_t at = key_index(i);
    v8ish_value key = v8ish_load(table, at);
    if (!is_key(key)) continue;
    v8ish_value value = v8ish_load(table, at + 1);
    if (v8ish_is_ref(value)) /* a script object or an embedder value */
      ccgc_visit_ephemeron(visitor, v8ish_untag(key), v8ish_untag(value), edge);
    else /* a set entry or an integer value: only the weak key */
      ccgc_visit_weak_target(visitor, v8ish_untag(key), key_edge);
  }
}

/* --- the table ------------------------------------------------------------------ */

static word_t *new_table(v8ish_heap *heap, size_t capacity, const char *call) {
  word_t *table =
      v8ish_allocate(heap, (TABLE_HEADER + capacity * TABLE_ENTRY) * 8, call);
  if (!table) return NULL;
  table[TABLE_CAPACITY] = v8ish_smi((intptr_t)capacity);
  table[TABLE_COUNT] = v8ish_smi(0);
  table[TABLE_DELETED] = v8ish_smi(0);
  /* Entries are zero: EMPTY keys. The class goes last, with release, so a
   * concurrent marker that finds the table sees its header. */
  v8ish_store(heap, table, 0, heap->ephemeron_table_class);
  return table;
}

/* The entry holding key, or capacity if none. */
static size_t find(const word_t *table, v8ish_value key) {
  size_t capacity = capacity_of(table);
  size_t i = hash_of(key, capacity);
  for (size_t probes = 0; probes < capacity; probes++) {
    v8ish_value word = table[key_index(i)];
    if (word == key) return i;
    if (word == EMPTY) return capacity;
    i = (i + 1) & (capacity - 1);
  }
  return capacity;
}

/* The first EMPTY or DELETED entry on key's probe sequence (one exists: the
 * table is never full). */
static size_t free_entry(const word_t *table, v8ish_value key) {
  size_t capacity = capacity_of(table);
  size_t i = hash_of(key, capacity);
  while (is_key(table[key_index(i)])) i = (i + 1) & (capacity - 1);
  return i;
}

static void put(v8ish_heap *heap, word_t *table, size_t entry, v8ish_value key,
                v8ish_value value) {
  size_t at = key_index(entry);
  /* The value first, then the key that makes the entry visible. Both are
   * barriered: an embedder value too, like a wrapper's embedder field. */
  v8ish_store_weak_table(heap, table, at + 1, value);
  v8ish_store_weak_table(heap, table, at, key);
}

static void erase(word_t *table, size_t entry) {
  size_t at = key_index(entry);
  v8ish_store_raw(table, at, DELETED);
  v8ish_store_raw(table, at + 1, 0);
  table[TABLE_COUNT] = v8ish_smi((intptr_t)count_of(table) - 1);
  table[TABLE_DELETED] = v8ish_smi((intptr_t)deleted_of(table) + 1);
}

/* A table its holder no longer names (a grown one took its place, or the
 * holder died young and the table is old) is emptied
 * (.inv.replaced-weak-emptied): a marker may hold it grey from
 * before the holder's store, and no scavenge updates its entries (weak
 * tables are not in the remembered set; a scavenge reaches the tables of
 * heap->weak_collections through their holders), so after one its young
 * keys and values would name freed memory when the marker visits it.
 * Release stores, key first: a concurrent marker reads each entry's old
 * words or EMPTY. */
void v8ish_weak_table_empty(word_t *table) {
  size_t capacity = capacity_of(table);
  for (size_t i = 0; i < capacity; i++) {
    size_t at = key_index(i);
    v8ish_store_raw(table, at, EMPTY);
    v8ish_store_raw(table, at + 1, 0);
  }
  v8ish_store_raw(table, TABLE_COUNT, v8ish_smi(0));
  v8ish_store_raw(table, TABLE_DELETED, v8ish_smi(0));
}

/* Makes room for one more entry: a new table, sized for twice the live
 * entries, when live + tombstones would pass 3/4. NULL at the heap limit
 * (recorded), the old table untouched. */
static word_t *reserve(v8ish_heap *heap, word_t *holder, word_t *table,
                       const char *call) {
  size_t capacity = capacity_of(table);
  size_t used = count_of(table) + deleted_of(table) + 1;
  if (used * 4 <= capacity * 3) return table;
  size_t wanted = MIN_CAPACITY;
  while (wanted < (count_of(table) + 1) * 2) {
    if (wanted > V8ISH_MAX_ELEMENTS / (TABLE_ENTRY * 2)) {
      ccgc_error_set(heap->base.errors, CCGC_E_SIZE_OVERFLOW,
                     "%s: the table cannot grow past %zu entries", call,
                     count_of(table));
      return NULL;
    }
    wanted *= 2;
  }
  word_t *grown = new_table(heap, wanted, call);
  if (!grown) return NULL;
  /* Copied without the barrier, then published white: the barrier on the
   * holder's store greys the new table and the marker traces it, so a dead
   * key copied along stays a dead key (.inv.unpublished-white). */
  for (size_t i = 0; i < capacity; i++) {
    size_t at = key_index(i);
    v8ish_value key = table[at];
    if (!is_key(key)) continue;
    size_t to = key_index(free_entry(grown, key));
    v8ish_store_raw(grown, to + 1, table[at + 1]);
    v8ish_store_raw(grown, to, key);
  }
  grown[TABLE_COUNT] = table[TABLE_COUNT];
  ccgc_barrier_unmark_unpublished(heap->base.barrier, grown);
  v8ish_store(heap, holder, WEAK_COLLECTION_TABLE, v8ish_tag(grown));
  v8ish_weak_table_empty(table);
  return grown;
}

/* --- the collections ------------------------------------------------------------- */

/* After the entry check (the caller read klass from the heap). */
static v8ish_local new_collection(v8ish_heap *heap, v8ish_value klass,
                                  const char *call) {
  /* No collection runs inside an allocation (.inv.no-gc-in-allocation), so
   * the table needs no handle until the holder refers to it. */
  word_t *table = new_table(heap, MIN_CAPACITY, call);
  if (!table) return v8ish_local_empty();
  word_t *holder = v8ish_allocate(heap, WEAK_COLLECTION_WORDS * 8, call);
  if (!holder) return v8ish_local_empty();
  v8ish_store(heap, holder, WEAK_COLLECTION_TABLE, v8ish_tag(table));
  v8ish_store(heap, holder, 0, klass);
  g_ptr_array_add(heap->weak_collections, holder);
  return v8ish_local_push(heap, v8ish_tag(holder), call);
}

v8ish_local v8ish_weak_map_new(v8ish_heap *heap) {
  if (!v8ish_enter(heap, CCGC_CALL_READ, "v8ish_weak_map_new"))
    return v8ish_local_empty();
  return new_collection(heap, heap->weak_map_class, "v8ish_weak_map_new");
}

v8ish_local v8ish_weak_set_new(v8ish_heap *heap) {
  if (!v8ish_enter(heap, CCGC_CALL_READ, "v8ish_weak_set_new"))
    return v8ish_local_empty();
  return new_collection(heap, heap->weak_set_class, "v8ish_weak_set_new");
}

/* The holder and its table, and the key as a tagged word; false after a
 * report. A key must be an object: an integer key is a recoverable error (a
 * TypeError in JS), a dead handle is misuse. After the entry check. */
static bool collection_and_key(v8ish_heap *heap, v8ish_local collection,
                               v8ish_instance_type type, v8ish_local key,
                               const char *call, word_t **holder,
                               v8ish_value *key_word, bool key_required) {
  *holder = v8ish_local_object(heap, collection, type, call);
  if (!*holder) return false;
  if (!v8ish_local_read(heap, key, call, key_word)) return false;
  if (!v8ish_is_ref(*key_word)) {
    if (key_required)
      ccgc_error_set(heap->base.errors, CCGC_E_INVALID_ARGUMENT,
                     "%s: invalid key: only objects can be held weakly", call);
    return false;
  }
  return true;
}

static word_t *table_of(const word_t *holder) {
  return v8ish_untag(v8ish_load(holder, WEAK_COLLECTION_TABLE));
}

/* After the entry check (a store). */
static ccgc_status set_entry(v8ish_heap *heap, v8ish_local collection,
                             v8ish_instance_type type, v8ish_local key,
                             v8ish_value value, const char *call) {
  word_t *holder;
  v8ish_value key_word;
  if (!collection_and_key(heap, collection, type, key, call, &holder,
                          &key_word, true))
    return v8ish_last_status(heap);
  /* .inv.no-resurrection: a dead key or value in a live table would be
   * traced (and compared) after the sweep freed it. */
  if (v8ish_refuse_resurrection(heap, holder, key_word, call, NULL) ||
      v8ish_refuse_resurrection(heap, holder, value, call, NULL))
    return CCGC_E_DEAD_OBJECT;
  word_t *table = table_of(holder);
  size_t entry = find(table, key_word);
  if (entry == capacity_of(table)) {
    table = reserve(heap, holder, table, call);
    if (!table) return v8ish_last_status(heap);
    entry = free_entry(table, key_word);
    if (table[key_index(entry)] == DELETED)
      table[TABLE_DELETED] = v8ish_smi((intptr_t)deleted_of(table) - 1);
    table[TABLE_COUNT] = v8ish_smi((intptr_t)count_of(table) + 1);
  }
  put(heap, table, entry, key_word, value);
  return CCGC_OK;
}

ccgc_status v8ish_weak_map_set(v8ish_heap *heap, v8ish_local map,
                               v8ish_local key, v8ish_local value) {
  const char *call = "v8ish_weak_map_set";
  v8ish_value raw;
  if (!v8ish_enter(heap, CCGC_CALL_STORE, call)) return v8ish_last_status(heap);
  if (!v8ish_local_read(heap, value, call, &raw)) return v8ish_last_status(heap);
  return set_entry(heap, map, V8ISH_TYPE_WEAK_MAP, key, raw, call);
}

ccgc_status v8ish_weak_map_set_embedder(v8ish_heap *heap, v8ish_local map,
                                        v8ish_local key, void *object) {
  const char *call = "v8ish_weak_map_set_embedder";
  if (!v8ish_enter(heap, CCGC_CALL_STORE, call)) return v8ish_last_status(heap);
  /* .inv.registered-pages: only an object of some heap of this collector. */
  if (!object || !ccgc_collector_find_page(heap->base.collector, object))
    return CCGC_MISUSE(heap->base.errors, CCGC_E_FOREIGN_POINTER,
                       ".api.valid-object",
                       "%s: %p is not an object of any heap of this "
                       "collector",
                       call, object);
  if (ccgc_page_of(object)->heap_id == heap->base.heap_id)
    return CCGC_MISUSE(heap->base.errors, CCGC_E_INVALID_ARGUMENT,
                       ".api.argument",
                       "%s: %p is a script object; store it with "
                       "v8ish_weak_map_set",
                       call, object);
  /* .api.valid-object: the start of a live object of that heap. */
  ccgc_status status = v8ish_check_embedder(heap, object, call);
  if (status != CCGC_OK) return status;
  return set_entry(heap, map, V8ISH_TYPE_WEAK_MAP, key, v8ish_tag(object),
                   call);
}

ccgc_status v8ish_weak_set_add(v8ish_heap *heap, v8ish_local set,
                               v8ish_local key) {
  const char *call = "v8ish_weak_set_add";
  if (!v8ish_enter(heap, CCGC_CALL_STORE, call)) return v8ish_last_status(heap);
  return set_entry(heap, set, V8ISH_TYPE_WEAK_SET, key, SET_PRESENT, call);
}

/* The entry of key, or -1 (also for an integer key, which is never present).
 * After the entry check. */
static long lookup(v8ish_heap *heap, v8ish_local collection,
                   v8ish_instance_type type, v8ish_local key, const char *call,
                   word_t **table_out) {
  word_t *holder;
  v8ish_value key_word;
  if (!collection_and_key(heap, collection, type, key, call, &holder,
                          &key_word, false))
    return -1;
  word_t *table = table_of(holder);
  size_t entry = find(table, key_word);
  *table_out = table;
  return entry == capacity_of(table) ? -1 : (long)entry;
}

v8ish_local v8ish_weak_map_get(v8ish_heap *heap, v8ish_local map,
                               v8ish_local key) {
  const char *call = "v8ish_weak_map_get";
  if (!v8ish_enter(heap, CCGC_CALL_READ, call)) return v8ish_local_empty();
  word_t *table;
  long entry = lookup(heap, map, V8ISH_TYPE_WEAK_MAP, key, call, &table);
  if (entry < 0) return v8ish_local_empty();
  v8ish_value value = table[key_index((size_t)entry) + 1];
  if (is_embedder(heap, value)) return v8ish_local_empty();
  return v8ish_local_push(heap, value, call);
}

void *v8ish_weak_map_get_embedder(v8ish_heap *heap, v8ish_local map,
                                  v8ish_local key) {
  const char *call = "v8ish_weak_map_get_embedder";
  if (!v8ish_enter(heap, CCGC_CALL_READ, call)) return NULL;
  word_t *table;
  long entry = lookup(heap, map, V8ISH_TYPE_WEAK_MAP, key, call, &table);
  if (entry < 0) return NULL;
  v8ish_value value = table[key_index((size_t)entry) + 1];
  return is_embedder(heap, value) ? v8ish_untag(value) : NULL;
}

static bool has(v8ish_heap *heap, v8ish_local collection,
                v8ish_instance_type type, v8ish_local key, const char *call) {
  word_t *table;
  return v8ish_enter(heap, CCGC_CALL_READ, call) &&
         lookup(heap, collection, type, key, call, &table) >= 0;
}

static bool delete_entry(v8ish_heap *heap, v8ish_local collection,
                         v8ish_instance_type type, v8ish_local key,
                         const char *call) {
  if (!v8ish_enter(heap, CCGC_CALL_STORE, call)) return false;
  word_t *table;
  long entry = lookup(heap, collection, type, key, call, &table);
  if (entry < 0) return false;
  erase(table, (size_t)entry);
  return true;
}

static size_t size_of(v8ish_heap *heap, v8ish_local collection,
                      v8ish_instance_type type, const char *call) {
  if (!v8ish_enter(heap, CCGC_CALL_READ, call)) return 0;
  word_t *holder = v8ish_local_object(heap, collection, type, call);
  return holder ? count_of(table_of(holder)) : 0;
}

bool v8ish_weak_map_has(v8ish_heap *heap, v8ish_local map, v8ish_local key) {
  return has(heap, map, V8ISH_TYPE_WEAK_MAP, key, "v8ish_weak_map_has");
}
bool v8ish_weak_set_has(v8ish_heap *heap, v8ish_local set, v8ish_local key) {
  return has(heap, set, V8ISH_TYPE_WEAK_SET, key, "v8ish_weak_set_has");
}
bool v8ish_weak_map_delete(v8ish_heap *heap, v8ish_local map, v8ish_local key) {
  return delete_entry(heap, map, V8ISH_TYPE_WEAK_MAP, key,
                      "v8ish_weak_map_delete");
}
bool v8ish_weak_set_delete(v8ish_heap *heap, v8ish_local set, v8ish_local key) {
  return delete_entry(heap, set, V8ISH_TYPE_WEAK_SET, key,
                      "v8ish_weak_set_delete");
}
size_t v8ish_weak_map_size(v8ish_heap *heap, v8ish_local map) {
  return size_of(heap, map, V8ISH_TYPE_WEAK_MAP, "v8ish_weak_map_size");
}
size_t v8ish_weak_set_size(v8ish_heap *heap, v8ish_local set) {
  return size_of(heap, set, V8ISH_TYPE_WEAK_SET, "v8ish_weak_set_size");
}

/* --- weak processing ---------------------------------------------------------------- */

void v8ish_weak_collections_prune(v8ish_heap *heap) {
  GPtrArray *all = heap->weak_collections;
  guint kept = 0;
  for (guint i = 0; i < all->len; i++) {
    word_t *holder = g_ptr_array_index(all, i);
    if (!ccgc_is_marked(holder)) continue; /* dead: swept next */
    all->pdata[kept++] = holder;
    word_t *table = table_of(holder);
    size_t capacity = capacity_of(table);
    for (size_t entry = 0; entry < capacity; entry++) {
      v8ish_value key = table[key_index(entry)];
      /* .inv.weak-before-finalizers: a dead key's entry goes now. */
      if (is_key(key) && !ccgc_is_marked(v8ish_untag(key))) erase(table, entry);
    }
  }
  g_ptr_array_set_size(all, kept);
}

/* --- minor collections (scavenger.c) ------------------------------------------ */

void v8ish_weak_table_each_entry(word_t *table,
                                 void (*fn)(word_t *key, word_t *value_slot,
                                            void *data),
                                 void *data) {
  size_t capacity = capacity_of(table);
  for (size_t entry = 0; entry < capacity; entry++) {
    size_t at = key_index(entry);
    if (is_key(table[at])) fn(v8ish_untag(table[at]), &table[at + 1], data);
  }
}

void v8ish_weak_table_after_scavenge(v8ish_heap *heap, word_t *table,
                                     void *(*relocate)(void *, void *),
                                     void *data) {
  (void)heap;
  size_t capacity = capacity_of(table);
  bool changed = false;
  for (size_t entry = 0; entry < capacity && !changed; entry++) {
    v8ish_value key = table[key_index(entry)];
    changed = is_key(key) &&
              relocate(v8ish_untag(key), data) != (void *)v8ish_untag(key);
  }
  if (!changed) return;
  /* Keys moved or died: take the live entries out and put them back where
   * their new addresses hash. Raw stores: a minor collection's updates are
   * not mutations (colors are kept, .inv.copy-keeps-color). */
  GArray *live = g_array_new(FALSE, FALSE, sizeof(v8ish_value) * 2);
  for (size_t entry = 0; entry < capacity; entry++) {
    size_t at = key_index(entry);
    v8ish_value key = table[at];
    if (is_key(key)) {
      word_t *to = relocate(v8ish_untag(key), data);
      if (to) {
        v8ish_value pair[2] = {v8ish_tag(to), table[at + 1]};
        g_array_append_val(live, pair);
      }
    }
    table[at] = EMPTY;
    table[at + 1] = 0;
  }
  for (guint i = 0; i < live->len; i++) {
    v8ish_value *pair = &g_array_index(live, v8ish_value, 2 * i);
    size_t at = key_index(free_entry(table, pair[0]));
    table[at + 1] = pair[1];
    table[at] = pair[0];
  }
  table[TABLE_COUNT] = v8ish_smi((intptr_t)live->len);
  table[TABLE_DELETED] = v8ish_smi(0);
  g_array_free(live, TRUE);
}
