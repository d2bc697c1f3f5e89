/* ephemeron-table.c - pending ephemerons and the fixed point
 * (ephemeron-table.h). */
#include "ephemeron-table.h"

#include <string.h>

#include "ccgc-page.h"

void ccgc_ephemeron_table_init(ccgc_ephemeron_table *table,
                               ccgc_bulk_cache *cache) {
  memset(table, 0, sizeof *table);
  table->pending.cache = cache;
  ccgc_ephemeron_index_init(&table->index, cache);
}

void ccgc_ephemeron_table_destroy(ccgc_ephemeron_table *table) {
  ccgc_pair_buffer_free(&table->pending);
  ccgc_ephemeron_index_clear(&table->index);
  if (table->indexed) {
    ccgc_pointer_map_destroy(&table->late);
    g_array_free(table->late_values, TRUE);
  }
}

static void late_add(ccgc_ephemeron_table *table, void *key, void *value) {
  ccgc_late_value node = {value, ccgc_pointer_map_get(&table->late, key)};
  g_array_append_val(table->late_values, node);
  ccgc_pointer_map_insert(&table->late, key, table->late_values->len);
  table->late_count++;
}

#define PREFETCH_DISTANCE 16

/* Below this many late keys the map stays as it is. */
#define LATE_KEYS_MIN 1024u

static void index_rebuild(ccgc_ephemeron_table *table);

void ccgc_ephemeron_table_add(ccgc_ephemeron_table *table, void *key,
                              void *value) {
  if (table->indexed) {
    late_add(table, key, value);
    /* Late pairs outgrew the address index: merge (each pair is merged
     * O(1) times on average, since the index at least doubles). */
    size_t late_keys = ccgc_pointer_map_size(&table->late);
    if (late_keys > LATE_KEYS_MIN && late_keys > table->index.key_count)
      index_rebuild(table);
  } else {
    ccgc_pair_buffer_push(&table->pending, key, value);
  }
}

size_t ccgc_ephemeron_table_pending_values(const ccgc_ephemeron_table *table) {
  return table->indexed ? table->late_count + table->index.pending_values
                        : table->pending.len;
}

bool ccgc_ephemeron_table_is_empty(const ccgc_ephemeron_table *table) {
  return ccgc_ephemeron_table_pending_values(table) == 0;
}

static void late_key_marked(ccgc_ephemeron_table *table, void *key,
                            ccgc_ephemeron_release_fn release, void *data) {
  uint32_t newest = 0;
  if (!ccgc_pointer_map_steal(&table->late, key, &newest)) return;
  for (size_t at = newest; at != 0;) {
    ccgc_late_value node =
        g_array_index(table->late_values, ccgc_late_value, at - 1);
    release(node.value, data);
    table->late_count--;
    at = node.next;
  }
}

void ccgc_ephemeron_table_key_marked(ccgc_ephemeron_table *table, void *key,
                                     ccgc_ephemeron_release_fn release,
                                     void *data) {
  ccgc_ephemeron_index_key_marked(&table->index, key, release, data);
  if (ccgc_pointer_map_size(&table->late))
    late_key_marked(table, key, release, data);
}

/* The late pairs and the address index's remaining ones form a new address
 * index; the map is emptied. */
static void index_rebuild(ccgc_ephemeron_table *table) {
  ccgc_pair_buffer all = {NULL, 0, 0, table->index.cache};
  ccgc_ephemeron_index_collect(&table->index, &all);
  size_t cursor = 0;
  void *key;
  uint32_t newest = 0;
  while (ccgc_pointer_map_next(&table->late, &cursor, &key, &newest))
    for (size_t at = newest; at != 0;) {
      ccgc_late_value node =
          g_array_index(table->late_values, ccgc_late_value, at - 1);
      ccgc_pair_buffer_push(&all, key, node.value);
      at = node.next;
    }
  ccgc_pointer_map_clear(&table->late);
  g_array_set_size(table->late_values, 0);
  table->late_count = 0;
  ccgc_ephemeron_index_clear(&table->index);
  ccgc_ephemeron_index_build(&table->index, &all);
}

static void switch_to_index(ccgc_ephemeron_table *table) {
  table->indexed = true;
  ccgc_pointer_map_init(&table->late, 0);
  table->late_values = g_array_new(FALSE, FALSE, sizeof(ccgc_late_value));
  ccgc_ephemeron_index_build(&table->index, &table->pending);
}

/* Indexed mode: keys can also turn grey/black without the marker seeing them
 * (the mutator's barrier, allocation-black), so a round re-checks the keys
 * still indexed. It runs once per drain, not once per release. */
static size_t indexed_round(ccgc_ephemeron_table *table,
                            ccgc_ephemeron_release_fn release, void *data) {
  size_t from_index =
      ccgc_ephemeron_index_release_marked(&table->index, release, data);
  if (ccgc_pointer_map_size(&table->late) == 0) return from_index;
  GPtrArray *marked_keys = g_ptr_array_new();
  size_t cursor = 0;
  void *key;
  while (ccgc_pointer_map_next(&table->late, &cursor, &key, NULL))
    if (ccgc_is_marked(key)) g_ptr_array_add(marked_keys, key);
  size_t before = table->late_count;
  for (guint i = 0; i < marked_keys->len; i++)
    late_key_marked(table, g_ptr_array_index(marked_keys, i), release, data);
  g_ptr_array_free(marked_keys, TRUE);
  return from_index + before - table->late_count;
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
