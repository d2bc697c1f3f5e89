/* weak-table.c - the hash table behind HeapEphemeronMap and HeapWeakSet
 * (layout, entry states and the concurrency rules: weak-table.h). */
#include "weak-table.h"

#include <stdint.h>

const char blinkish_weak_tombstone_mark;

/* Fibonacci hashing of the granule index: objects are 16-byte aligned, so
 * the low four bits carry nothing; the multiplication spreads consecutive
 * allocations (which differ by a few granules) over the whole table, and the
 * top bits are the best mixed. */
static size_t home_index(const blinkish_weak_table *table, const void *key) {
  uint64_t granule = (uint64_t)(uintptr_t)key >> CCGC_GRANULE_SHIFT;
  uint64_t mixed = granule * UINT64_C(0x9e3779b97f4a7c15);
  unsigned bits =
      (unsigned)__builtin_ctzll((unsigned long long)table->capacity);
  return (size_t)(mixed >> (64 - bits));
}

size_t blinkish_weak_table_capacity_for(size_t live) {
  size_t capacity = BLINKISH_WEAK_TABLE_MIN_CAPACITY;
  while (capacity / 2 < live) {
    if (capacity > SIZE_MAX / 2) return 0;
    capacity *= 2;
  }
  return capacity;
}

blinkish_weak_table *blinkish_weak_table_new(blinkish_heap *heap,
                                             size_t capacity, bool is_set,
                                             blinkish_weak_target_fn target,
                                             void *target_data,
                                             const char *call) {
  if (capacity == 0 ||
      capacity > (SIZE_MAX - sizeof(blinkish_weak_table)) /
                     sizeof(blinkish_weak_entry)) {
    ccgc_error_set(heap->base.errors, CCGC_E_SIZE_OVERFLOW,
                   "%s: a weak table of that many entries overflows", call);
    return NULL;
  }
  blinkish_weak_table *table = blinkish_alloc_own(
      heap, is_set ? heap->set_table_type : heap->map_table_type,
      sizeof(blinkish_weak_table) + capacity * sizeof(blinkish_weak_entry));
  if (!table) return NULL; /* limit or overflow, recorded by blinkish_alloc */
  /* Zeroed: every entry is free. These fields are written before the table
   * is published (by a release store of the collection's member). */
  table->capacity = capacity;
  table->is_set = is_set;
  table->target = target;
  table->target_data = target_data;
  return table;
}

blinkish_weak_entry *blinkish_weak_table_find(const blinkish_weak_table *table,
                                              const void *key) {
  if (!key) return NULL;
  size_t mask = table->capacity - 1;
  size_t index = home_index(table, key);
  /* The load factor stays at most 3/4, so a free entry ends every probe;
   * the bound is only a guard. */
  for (size_t probes = 0; probes < table->capacity; probes++) {
    const blinkish_weak_entry *entry = &table->entries[index];
    if (entry->key == key) return (blinkish_weak_entry *)entry;
    if (blinkish_weak_entry_is_free(entry)) return NULL;
    index = (index + 1) & mask;
  }
  return NULL;
}

bool blinkish_weak_table_has_room(const blinkish_weak_table *table) {
  return (table->used + 1) * 4 <= table->capacity * 3;
}

/* The barrier for one stored pair. The value's target is what the marker
 * must not miss: the table may be black already (traced earlier this cycle,
 * or allocated black), so a pair stored now is never reported to it, and a
 * key found alive later would not release the value. Shading the key too is
 * conservative: it survives this cycle even if nothing else holds it
 * (floating garbage, reclaimed by the next collection). */
static void barrier_pair(blinkish_heap *heap, const blinkish_weak_table *table,
                         blinkish_weak_entry *entry, void *key, void *value) {
  ccgc_write_barrier(heap->base.barrier, (void *)table, &entry->key,
                     key); /* .inv.no-black-to-white */
  /* The slot holds the value (an external value is a handle), not its
   * target: the marking job only, no slot to remember for it. */
  if (ccgc_barrier_marking(heap->base.barrier))
    ccgc_marking_barrier(heap->base.barrier, (void *)table, &entry->value,
                         blinkish_weak_table_target(table, value));
}

/* Publishes value first, key second: a marker that sees the key (acquire)
 * sees the value with it. */
static void publish(blinkish_weak_entry *entry, void *key, void *value) {
  __atomic_store_n(&entry->value, value, __ATOMIC_RELEASE);
  __atomic_store_n(&entry->key, key, __ATOMIC_RELEASE);
}

static blinkish_weak_entry *insert_unbarriered(blinkish_weak_table *table,
                                               void *key, void *value) {
  size_t mask = table->capacity - 1;
  size_t index = home_index(table, key);
  for (;;) {
    blinkish_weak_entry *entry = &table->entries[index];
    bool is_free = blinkish_weak_entry_is_free(entry);
    if (is_free || (!entry->key && entry->value == BLINKISH_WEAK_TOMBSTONE)) {
      publish(entry, key, value);
      table->live++;
      if (is_free) table->used++;
      return entry;
    }
    index = (index + 1) & mask; /* has_room guarantees a free entry */
  }
}

void blinkish_weak_table_insert(blinkish_heap *heap, blinkish_weak_table *table,
                                void *key, void *value) {
  blinkish_weak_entry *entry = insert_unbarriered(table, key, value);
  barrier_pair(heap, table, entry, key, value);
}

void blinkish_weak_table_replace_value(blinkish_heap *heap,
                                       blinkish_weak_table *table,
                                       blinkish_weak_entry *entry,
                                       void *value) {
  __atomic_store_n(&entry->value, value, __ATOMIC_RELEASE);
  barrier_pair(heap, table, entry, entry->key, value);
}

void blinkish_weak_table_remove(blinkish_weak_table *table,
                                blinkish_weak_entry *entry) {
  /* Key first: from here on a marker skips the entry (key NULL, or the old
   * key with the tombstone value). */
  __atomic_store_n(&entry->key, NULL, __ATOMIC_RELEASE);
  __atomic_store_n(&entry->value, BLINKISH_WEAK_TOMBSTONE, __ATOMIC_RELEASE);
  table->live--;
}

void blinkish_weak_table_copy(blinkish_heap *heap, blinkish_weak_table *to,
                              const blinkish_weak_table *from) {
  for (size_t i = 0; i < from->capacity; i++) {
    const blinkish_weak_entry *entry = &from->entries[i];
    if (!entry->key) continue;
    insert_unbarriered(to, entry->key, entry->value);
  }
  (void)heap; /* the caller publishes `to` white: it is traced, not shaded */
}

/* --- tracing (marker threads too: acquire loads only) ------------------- */

/* Entries are traced in batches: the first pass loads each key and value and
 * starts loading an external value's target (its own cache misses overlap
 * instead of stalling the trace one entry at a time); the second reports. */
#define TRACE_BATCH 32

void blinkish_weak_trace_map_table(ccgc_visitor *visitor, void *object) {
  blinkish_weak_table *table = object;
  if (__atomic_load_n(&table->retired, __ATOMIC_ACQUIRE)) return;
  ccgc_edge edge = ccgc_edge_named(CCGC_EDGE_EPHEMERON, "value");
  void *keys[TRACE_BATCH], *values[TRACE_BATCH];
  size_t i = 0;
  while (i < table->capacity) {
    int count = 0;
    for (; i < table->capacity && count < TRACE_BATCH; i++) {
      blinkish_weak_entry *entry = &table->entries[i];
      void *key = __atomic_load_n(&entry->key, __ATOMIC_ACQUIRE);
      if (!key) continue;
      void *value = __atomic_load_n(&entry->value, __ATOMIC_ACQUIRE);
      if (value == BLINKISH_WEAK_TOMBSTONE) continue; /* removed meanwhile */
      if (table->target) __builtin_prefetch(value);
      keys[count] = key;
      values[count++] = value;
    }
    if (table->prefetch)
      for (int j = 0; j < count; j++)
        if (values[j]) table->prefetch(values[j], table->target_data);
    /* The ephemeron: the marker keeps the target alive only once the key is
     * (marking/ephemeron-table.c; key and target may be in different heaps). */
    for (int j = 0; j < count; j++)
      ccgc_visit_ephemeron(visitor, keys[j],
                           blinkish_weak_table_target(table, values[j]), edge);
  }
}

void blinkish_weak_trace_set_table(ccgc_visitor *visitor, void *object) {
  blinkish_weak_table *table = object;
  if (__atomic_load_n(&table->retired, __ATOMIC_ACQUIRE)) return;
  for (size_t i = 0; i < table->capacity; i++) {
    blinkish_weak_entry *entry = &table->entries[i];
    /* A weak slot: the marker clears it after marking if the key died
     * (the entry becomes "cleared" until the prune). */
    if (__atomic_load_n(&entry->key, __ATOMIC_ACQUIRE))
      ccgc_visit_weak(visitor, &entry->key,
                      ccgc_edge_named(CCGC_EDGE_WEAK, "key"));
  }
}
