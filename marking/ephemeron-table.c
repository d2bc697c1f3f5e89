/* ephemeron-table.c - pending ephemerons and the fixed point
 * (ephemeron-table.h). */
#include "ephemeron-table.h"

#include "ccgc-page.h"

typedef struct index_node {
  void *value;
  size_t next; /* 1 + index of the next node of the same key, 0 = end */
} index_node;

void ccgc_ephemeron_table_init(ccgc_ephemeron_table *table) {
  table->pending = g_array_new(FALSE, FALSE, sizeof(ccgc_ephemeron_pair));
  table->indexed = false;
  table->heads = NULL;
  table->nodes = NULL;
  table->indexed_count = 0;
  table->rounds = 0;
}

void ccgc_ephemeron_table_destroy(ccgc_ephemeron_table *table) {
  g_array_free(table->pending, TRUE);
  if (table->heads) g_hash_table_destroy(table->heads);
  if (table->nodes) g_array_free(table->nodes, TRUE);
}

static void index_add(ccgc_ephemeron_table *table, void *key, void *value) {
  size_t head = GPOINTER_TO_SIZE(g_hash_table_lookup(table->heads, key));
  index_node node = {value, head};
  g_array_append_val(table->nodes, node);
  g_hash_table_insert(table->heads, key, GSIZE_TO_POINTER(table->nodes->len));
  table->indexed_count++;
}

void ccgc_ephemeron_table_add(ccgc_ephemeron_table *table, void *key,
                              void *value) {
  if (table->indexed) {
    index_add(table, key, value);
  } else {
    ccgc_ephemeron_pair pair = {key, value};
    g_array_append_val(table->pending, pair);
  }
}

bool ccgc_ephemeron_table_is_empty(const ccgc_ephemeron_table *table) {
  return table->indexed ? table->indexed_count == 0 : table->pending->len == 0;
}

void ccgc_ephemeron_table_key_marked(ccgc_ephemeron_table *table, void *key,
                                     ccgc_ephemeron_release_fn release,
                                     void *data) {
  gpointer found;
  if (!g_hash_table_steal_extended(table->heads, key, NULL, &found)) return;
  for (size_t at = GPOINTER_TO_SIZE(found); at != 0;) {
    index_node node = g_array_index(table->nodes, index_node, at - 1);
    release(node.value, data);
    table->indexed_count--;
    at = node.next;
  }
}

static void switch_to_index(ccgc_ephemeron_table *table) {
  table->indexed = true;
  table->heads = g_hash_table_new(g_direct_hash, g_direct_equal);
  table->nodes = g_array_new(FALSE, FALSE, sizeof(index_node));
  for (size_t i = 0; i < table->pending->len; i++) {
    ccgc_ephemeron_pair pair =
        g_array_index(table->pending, ccgc_ephemeron_pair, i);
    index_add(table, pair.key, pair.value);
  }
  g_array_set_size(table->pending, 0);
}

/* Indexed mode: keys can also turn grey/black without the marker seeing them
 * (the mutator's barrier, allocation-black), so a round re-checks the keys
 * still indexed. It runs once per drain, not once per release. */
static size_t indexed_round(ccgc_ephemeron_table *table,
                            ccgc_ephemeron_release_fn release, void *data) {
  GPtrArray *marked_keys = g_ptr_array_new();
  GHashTableIter iter;
  gpointer key;
  g_hash_table_iter_init(&iter, table->heads);
  while (g_hash_table_iter_next(&iter, &key, NULL))
    if (ccgc_is_marked(key)) g_ptr_array_add(marked_keys, key);
  size_t before = table->indexed_count;
  for (guint i = 0; i < marked_keys->len; i++)
    ccgc_ephemeron_table_key_marked(table, g_ptr_array_index(marked_keys, i),
                                    release, data);
  g_ptr_array_free(marked_keys, TRUE);
  return before - table->indexed_count;
}

size_t ccgc_ephemeron_table_round(ccgc_ephemeron_table *table,
                                  ccgc_ephemeron_release_fn release,
                                  void *data) {
  table->rounds++;
  if (table->indexed) return indexed_round(table, release, data);
  GArray *pending = table->pending;
  size_t total = pending->len, kept = 0, released = 0;
  for (size_t i = 0; i < total; i++) {
    ccgc_ephemeron_pair pair = g_array_index(pending, ccgc_ephemeron_pair, i);
    if (ccgc_is_marked(pair.key)) {
      release(pair.value, data);
      released++;
    } else {
      g_array_index(pending, ccgc_ephemeron_pair, kept++) = pair;
    }
  }
  g_array_set_size(pending, kept);
  /* Rounds stop paying off: the next one would rescan almost everything to
   * release almost nothing. */
  if (kept > 0 && released * CCGC_EPHEMERON_SWITCH_RATIO < total)
    switch_to_index(table);
  return released;
}
