/* ephemeron-table.c - pending ephemerons and the fixed point
 * (ephemeron-table.h). */
#include "ephemeron-table.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "ccgc-page.h"

typedef struct index_node {
  void *value;
  size_t next; /* 1 + index of the next node of the same key, 0 = end */
} index_node;

/* Fibonacci hashing of the granule number: objects are 16-byte granules.
 * (A locality-preserving hash, page scattered but offsets kept, was tried and
 * measured: dense DOM pages form runs of occupied slots that linear probing
 * crawls through, 100 times slower on `ccgc bench ephemerons`.) */
static inline size_t home_of(const ccgc_ephemeron_table *table,
                             const void *key) {
  uint64_t x = (uint64_t)((uintptr_t)key >> CCGC_GRANULE_SHIFT) *
               UINT64_C(0x9E3779B97F4A7C15);
  return (size_t)(x >> 32) & (table->capacity - 1);
}

/* Slots come zeroed; big arrays are 2 MiB aligned and advised to use huge
 * pages, since every probe of a big index is a TLB miss otherwise. */
#define HUGE_PAGE ((size_t)2 << 20)

static ccgc_ephemeron_slot *slots_new(size_t capacity) {
  size_t bytes = capacity * sizeof(ccgc_ephemeron_slot);
  if (bytes < HUGE_PAGE) return g_new0(ccgc_ephemeron_slot, capacity);
  void *memory = NULL;
  if (posix_memalign(&memory, HUGE_PAGE, bytes) != 0) abort(); /* as g_new */
#ifdef MADV_HUGEPAGE
  madvise(memory, bytes, MADV_HUGEPAGE);
#endif
  memset(memory, 0, bytes);
  return memory;
}

static void slots_free(ccgc_ephemeron_slot *slots, size_t capacity) {
  if (capacity * sizeof(ccgc_ephemeron_slot) < HUGE_PAGE)
    g_free(slots);
  else
    free(slots);
}

void ccgc_ephemeron_table_init(ccgc_ephemeron_table *table,
                               ccgc_bulk_cache *cache) {
  table->pending = (ccgc_pair_buffer){NULL, 0, 0, cache};
  table->indexed = false;
  ccgc_ephemeron_index_init(&table->index, cache);
  table->slots = NULL;
  table->capacity = 0;
  table->key_count = 0;
  table->nodes = NULL;
  table->indexed_count = 0;
  table->rounds = 0;
}

void ccgc_ephemeron_table_destroy(ccgc_ephemeron_table *table) {
  ccgc_pair_buffer_free(&table->pending);
  ccgc_ephemeron_index_clear(&table->index);
  if (table->slots) slots_free(table->slots, table->capacity);
  if (table->nodes) g_array_free(table->nodes, TRUE);
}

/* The slot holding key, or the empty slot where it would go. */
static inline size_t find_slot(const ccgc_ephemeron_table *table,
                               const void *key) {
  size_t mask = table->capacity - 1;
  size_t at = home_of(table, key);
  while (table->slots[at].key && table->slots[at].key != key)
    at = (at + 1) & mask;
  return at;
}

static void index_resize(ccgc_ephemeron_table *table, size_t capacity) {
  ccgc_ephemeron_slot *old = table->slots;
  size_t old_capacity = table->capacity;
  table->slots = slots_new(capacity);
  table->capacity = capacity;
  for (size_t i = 0; i < old_capacity; i++)
    if (old[i].key) table->slots[find_slot(table, old[i].key)] = old[i];
  if (old) slots_free(old, old_capacity);
}

static void index_add(ccgc_ephemeron_table *table, void *key, void *value) {
  if ((table->key_count + 1) * 2 > table->capacity)
    index_resize(table, table->capacity ? table->capacity * 2 : 64);
  ccgc_ephemeron_slot *slot = &table->slots[find_slot(table, key)];
  if (slot->key) { /* a further value of a known key */
    index_node node = {value, slot->more};
    g_array_append_val(table->nodes, node);
    slot->more = table->nodes->len;
  } else {
    *slot = (ccgc_ephemeron_slot){key, value, 0};
    table->key_count++;
  }
  table->indexed_count++;
}

/* Backward-shift deletion: the entries after the hole that probed past it
 * move up, so no tombstone ever lengthens a probe. */
static void index_remove(ccgc_ephemeron_table *table, size_t hole) {
  size_t mask = table->capacity - 1;
  size_t at = hole;
  table->slots[hole].key = NULL;
  table->key_count--;
  for (;;) {
    at = (at + 1) & mask;
    void *key = table->slots[at].key;
    if (!key) return;
    size_t home = home_of(table, key);
    /* key stays if its home lies cyclically in (hole, at]. */
    bool stays = hole <= at ? (hole < home && home <= at)
                            : (hole < home || home <= at);
    if (stays) continue;
    table->slots[hole] = table->slots[at];
    table->slots[at].key = NULL;
    hole = at;
  }
}

#define PREFETCH_DISTANCE 16

/* Below this many late keys the hash stays as it is. */
#define LATE_KEYS_MIN 1024u

static void index_rebuild(ccgc_ephemeron_table *table);

void ccgc_ephemeron_table_add(ccgc_ephemeron_table *table, void *key,
                              void *value) {
  if (table->indexed) {
    index_add(table, key, value);
    /* Late pairs outgrew the address index: merge (each pair is merged
     * O(1) times on average, since the index at least doubles). */
    if (table->key_count > LATE_KEYS_MIN &&
        table->key_count > table->index.key_count)
      index_rebuild(table);
  } else {
    ccgc_pair_buffer_push(&table->pending, key, value);
  }
}

size_t ccgc_ephemeron_table_pending_values(const ccgc_ephemeron_table *table) {
  return table->indexed ? table->indexed_count + table->index.pending_values
                        : table->pending.len;
}

bool ccgc_ephemeron_table_is_empty(const ccgc_ephemeron_table *table) {
  return ccgc_ephemeron_table_pending_values(table) == 0;
}

void ccgc_ephemeron_table_prefetch(const ccgc_ephemeron_table *table,
                                   const void *object) {
  if (table->key_count) __builtin_prefetch(&table->slots[home_of(table, object)]);
}

static void hash_key_marked(ccgc_ephemeron_table *table, void *key,
                            ccgc_ephemeron_release_fn release, void *data) {
  size_t at = find_slot(table, key);
  ccgc_ephemeron_slot slot = table->slots[at];
  if (!slot.key) return;
  index_remove(table, at);
  release(slot.value, data);
  table->indexed_count--;
  for (size_t node_at = slot.more; node_at != 0;) {
    index_node node = g_array_index(table->nodes, index_node, node_at - 1);
    release(node.value, data);
    table->indexed_count--;
    node_at = node.next;
  }
}

void ccgc_ephemeron_table_key_marked(ccgc_ephemeron_table *table, void *key,
                                     ccgc_ephemeron_release_fn release,
                                     void *data) {
  ccgc_ephemeron_index_key_marked(&table->index, key, release, data);
  if (table->key_count) hash_key_marked(table, key, release, data);
}

/* The late pairs and the address index's remaining ones form a new address
 * index; the hash is emptied. */
static void index_rebuild(ccgc_ephemeron_table *table) {
  ccgc_pair_buffer all = {NULL, 0, 0, table->index.cache};
  ccgc_ephemeron_index_collect(&table->index, &all);
  for (size_t i = 0; i < table->capacity; i++) {
    ccgc_ephemeron_slot slot = table->slots[i];
    if (!slot.key) continue;
    ccgc_pair_buffer_push(&all, slot.key, slot.value);
    for (size_t node_at = slot.more; node_at != 0;) {
      index_node node = g_array_index(table->nodes, index_node, node_at - 1);
      ccgc_pair_buffer_push(&all, slot.key, node.value);
      node_at = node.next;
    }
  }
  memset(table->slots, 0, table->capacity * sizeof *table->slots);
  table->key_count = 0;
  table->indexed_count = 0;
  g_array_set_size(table->nodes, 0);
  ccgc_ephemeron_index_clear(&table->index);
  ccgc_ephemeron_index_build(&table->index, &all);
}

static void switch_to_index(ccgc_ephemeron_table *table) {
  table->indexed = true;
  table->nodes = g_array_new(FALSE, FALSE, sizeof(index_node));
  index_resize(table, 64);
  ccgc_ephemeron_index_build(&table->index, &table->pending);
}

/* Indexed mode: keys can also turn grey/black without the marker seeing them
 * (the mutator's barrier, allocation-black), so a round re-checks the keys
 * still indexed. It runs once per drain, not once per release. */
static size_t indexed_round(ccgc_ephemeron_table *table,
                            ccgc_ephemeron_release_fn release, void *data) {
  size_t from_index =
      ccgc_ephemeron_index_release_marked(&table->index, release, data);
  if (table->key_count == 0) return from_index;
  GPtrArray *marked_keys = g_ptr_array_new();
  for (size_t i = 0; i < table->capacity; i++)
    if (table->slots[i].key && ccgc_is_marked(table->slots[i].key))
      g_ptr_array_add(marked_keys, table->slots[i].key);
  size_t before = table->indexed_count;
  for (guint i = 0; i < marked_keys->len; i++)
    hash_key_marked(table, g_ptr_array_index(marked_keys, i), release, data);
  g_ptr_array_free(marked_keys, TRUE);
  return from_index + before - table->indexed_count;
}

size_t ccgc_ephemeron_table_round(ccgc_ephemeron_table *table,
                                  ccgc_ephemeron_release_fn release,
                                  void *data) {
  table->rounds++;
  if (table->indexed) return indexed_round(table, release, data);
  ccgc_ephemeron_pair *pending = table->pending.pairs;
  size_t total = table->pending.len, kept = 0, released = 0;
  for (size_t i = 0; i < total; i++) {
    /* Keys come in discovery order, scattered over the heap: load ahead. */
    if (i + PREFETCH_DISTANCE < total)
      __builtin_prefetch(ccgc_mark_byte(pending[i + PREFETCH_DISTANCE].key));
    ccgc_ephemeron_pair pair = pending[i];
    if (ccgc_is_marked(pair.key)) {
      release(pair.value, data);
      released++;
    } else {
      pending[kept++] = pair;
    }
  }
  table->pending.len = kept;
  /* Rounds stop paying off: the next one would rescan almost everything to
   * release almost nothing. */
  if (kept > 0 && released * CCGC_EPHEMERON_SWITCH_RATIO < total)
    switch_to_index(table);
  return released;
}
