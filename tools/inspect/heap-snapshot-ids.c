/* heap-snapshot-ids.c - the snapshot-id table of the heap-snapshot writer
 * (ccgc-snapshot.h: "Ids"; heap-snapshot-ids.h): ids that follow an object
 * across snapshots, numbered as V8 numbers them.
 *
 * Script objects move (a minor collection, old-generation compaction, a
 * left trim): the table listens to its collector's minor_done,
 * objects_moved and object_moved events (ccgc-events.h) and moves each
 * entry to the object's new address, or drops it if the object died, as
 * V8's HeapObjectsMap::MoveObject does for its address-keyed map; at
 * marking_done it drops the entries of the objects a full collection found
 * dead (their addresses are about to be reused). The listener
 * is added by the first write or refresh and removed by
 * ccgc_heap_snapshot_ids_free (or goes with the collector). */
#include <glib.h>

#include "ccgc-events.h"
#include "ccgc-heap.h"
#include "heap-snapshot-ids.h"
#include "inspect-internal.h"

typedef struct id_entry {
  uint32_t id;
  /* The id of the node the last write showed the object in, if not its
   * own: a merged pair's wrapper is its DOM object's node (0: its own). */
  uint32_t node_id;
  uint32_t generation; /* the walk that last saw the object */
  int heap_id;
  const char *type;    /* interned: an address with another type is new */
} id_entry;

struct ccgc_heap_snapshot_ids {
  GHashTable *objects;   /* address -> id_entry (owned) */
  GHashTable *synthetic; /* name (owned) -> id */
  uint32_t next_odd;     /* script objects and synthetic nodes */
  uint32_t next_even;    /* DOM (native) objects */
  uint32_t generation;
  bool exhausted;
  ccgc_collector *collector; /* whose moves the table follows, or NULL */
};

#define ID_LIMIT (UINT32_MAX - 2u)

ccgc_heap_snapshot_ids *ccgc_heap_snapshot_ids_new(void) {
  ccgc_heap_snapshot_ids *ids = g_new0(ccgc_heap_snapshot_ids, 1);
  ids->objects = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, g_free);
  ids->synthetic = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
  ids->next_odd = HEAP_SNAPSHOT_GC_ROOTS_ID + 2; /* V8: root 1, (GC roots) 3, step 2 */
  ids->next_even = 2;                        /* V8: embedder (native) nodes are even */
  return ids;
}

/* Inside minor_done or objects_moved: every entry goes where its object went. An entry whose
 * object died is dropped. Moved entries are taken out first and put back
 * after, replacing whatever stale entry (an object that died unseen, its
 * address since reused) held their new address. */
static void ids_minor_done(void *data) {
  ccgc_heap_snapshot_ids *ids = data;
  GArray *moved = g_array_new(FALSE, FALSE, sizeof(gpointer));
  GHashTableIter iter;
  gpointer key, value;
  g_hash_table_iter_init(&iter, ids->objects);
  while (g_hash_table_iter_next(&iter, &key, &value)) {
    void *to = ccgc_collector_relocated(ids->collector, key);
    if (to == key) continue;
    if (!to) {
      g_hash_table_iter_remove(&iter);
      continue;
    }
    g_array_append_val(moved, to);
    g_array_append_val(moved, value);
    g_hash_table_iter_steal(&iter);
  }
  for (guint i = 0; i < moved->len; i += 2)
    g_hash_table_replace(ids->objects, g_array_index(moved, gpointer, i),
                         g_array_index(moved, gpointer, i + 1));
  g_array_free(moved, TRUE);
}

/* A left trim moved an object's start: its entry follows (replacing a
 * stale entry at the new start, a dead object's). */
static void ids_object_moved(void *data, const void *from, void *to) {
  ccgc_heap_snapshot_ids *ids = data;
  gpointer key, value;
  if (!g_hash_table_steal_extended(ids->objects, from, &key, &value)) return;
  g_hash_table_replace(ids->objects, to, value);
}

/* Liveness is final and nothing is reclaimed yet: an entry whose object
 * is unmarked names a dead object, whose address the heap may reuse at
 * once (a young object dies where it is in a full collection: its page
 * becomes old there and the nursery takes the next free page): dropped,
 * so a new object there gets a new id. A wrapper pair's objects are marked
 * or not together. */
static gboolean unmarked(gpointer key, gpointer value, gpointer data) {
  (void)value;
  /* A page no heap has any more (its heap was freed): gone too. */
  return !ccgc_collector_find_page(data, key) || !ccgc_is_marked(key);
}

static void ids_marking_done(void *data) {
  ccgc_heap_snapshot_ids *ids = data;
  g_hash_table_foreach_remove(ids->objects, unmarked, ids->collector);
}

/* A heap is being freed: its objects' entries go, so an object another
 * heap makes at one of their addresses gets an id of its own. */
static gboolean of_heap(gpointer key, gpointer value, gpointer data) {
  (void)key;
  return ((const id_entry *)value)->heap_id == *(const int *)data;
}

static void ids_heap_freed(void *data, int heap_id) {
  ccgc_heap_snapshot_ids *ids = data;
  g_hash_table_foreach_remove(ids->objects, of_heap, &heap_id);
}

/* The collector goes first: nothing more to follow. */
static void ids_collector_freed(void *data) {
  ((ccgc_heap_snapshot_ids *)data)->collector = NULL;
}

static const ccgc_event_listener ids_listener = {
    .minor_done = ids_minor_done,
    .marking_done = ids_marking_done,
    .collector_freed = ids_collector_freed,
    .objects_moved = ids_minor_done, /* compaction: the same answers */
    .object_moved = ids_object_moved, /* a left trim */
    .heap_freed = ids_heap_freed,
};

ccgc_status ccgc_heap_snapshot_ids_follow(ccgc_heap_snapshot_ids *ids,
                                          ccgc_collector *collector) {
  if (ids->collector == collector) return CCGC_OK;
  if (ids->collector) {
    /* Another collector's heaps: its addresses mean nothing here. */
    ccgc_collector_remove_listener(ids->collector, &ids_listener, ids);
    ids->collector = NULL;
    g_hash_table_remove_all(ids->objects);
  }
  ccgc_status status = ccgc_collector_add_listener(collector, &ids_listener, ids);
  if (status == CCGC_OK) ids->collector = collector;
  return status;
}

void ccgc_heap_snapshot_ids_free(ccgc_heap_snapshot_ids *ids) {
  if (!ids) return;
  if (ids->collector) ccgc_collector_remove_listener(ids->collector, &ids_listener, ids);
  g_hash_table_destroy(ids->objects);
  g_hash_table_destroy(ids->synthetic);
  g_free(ids);
}

uint32_t ccgc_heap_snapshot_ids_lookup(const ccgc_heap_snapshot_ids *ids,
                                       const void *address) {
  if (!ids) return 0;
  const id_entry *entry = g_hash_table_lookup(ids->objects, address);
  return !entry ? 0 : entry->node_id ? entry->node_id : entry->id;
}

void ccgc_heap_snapshot_ids_set_node(ccgc_heap_snapshot_ids *ids,
                                     const void *address, uint32_t node_id) {
  id_entry *entry = g_hash_table_lookup(ids->objects, address);
  if (entry) entry->node_id = node_id == entry->id ? 0 : node_id;
}

size_t ccgc_heap_snapshot_ids_count(const ccgc_heap_snapshot_ids *ids) {
  return ids ? g_hash_table_size(ids->objects) : 0;
}

void ccgc_heap_snapshot_ids_begin(ccgc_heap_snapshot_ids *ids) {
  ids->generation++;
}

bool ccgc_heap_snapshot_ids_exhausted(const ccgc_heap_snapshot_ids *ids) {
  return ids->exhausted;
}

static uint32_t next_id(ccgc_heap_snapshot_ids *ids, bool native) {
  uint32_t *next = native ? &ids->next_even : &ids->next_odd;
  if (*next > ID_LIMIT) {
    ids->exhausted = true;
    return 0;
  }
  uint32_t id = *next;
  *next += 2;
  return id;
}

uint32_t ccgc_heap_snapshot_object_id(ccgc_heap_snapshot_ids *ids, const ccgc_object_info *info) {
  const char *type = g_intern_string(info->type_name ? info->type_name : "?");
  id_entry *entry = g_hash_table_lookup(ids->objects, info->address);
  if (!entry || entry->heap_id != info->heap_id || entry->type != type) {
    uint32_t id = next_id(ids, !heap_snapshot_is_script(info));
    if (!id) return 0;
    if (!entry) {
      entry = g_new0(id_entry, 1);
      g_hash_table_insert(ids->objects, info->address, entry);
    }
    *entry = (id_entry){id, 0, ids->generation, info->heap_id, type};
  }
  entry->generation = ids->generation;
  return entry->id;
}

uint32_t ccgc_heap_snapshot_synthetic_id(ccgc_heap_snapshot_ids *ids, const char *name) {
  gpointer found;
  if (g_hash_table_lookup_extended(ids->synthetic, name, NULL, &found))
    return GPOINTER_TO_UINT(found);
  uint32_t id = next_id(ids, false);
  if (id) g_hash_table_insert(ids->synthetic, g_strdup(name), GUINT_TO_POINTER(id));
  return id;
}

static gboolean stale(gpointer key, gpointer value, gpointer data) {
  (void)key;
  return ((const id_entry *)value)->generation != *(const uint32_t *)data;
}

void ccgc_heap_snapshot_ids_purge(ccgc_heap_snapshot_ids *ids) {
  g_hash_table_foreach_remove(ids->objects, stale, &ids->generation);
}

static void refresh_object(const ccgc_object_info *info, void *data) {
  ccgc_heap_snapshot_object_id(data, info);
}

ccgc_status ccgc_heap_snapshot_ids_refresh(ccgc_heap_snapshot_ids *ids,
                                           ccgc_collector *collector) {
  const char *call = "ccgc_heap_snapshot_ids_refresh";
  ccgc_status entered = ccgc_inspect_enter(collector, call);
  if (entered != CCGC_OK) return entered;
  if (!ids)
    return ccgc_error_set(ccgc_collector_error_sink(collector), CCGC_E_INVALID_ARGUMENT,
                          "%s: NULL ids", call);
  ccgc_status following = ccgc_heap_snapshot_ids_follow(ids, collector);
  if (following != CCGC_OK) return following;
  ccgc_heap_snapshot_ids_begin(ids);
  ccgc_walk_callbacks callbacks = {refresh_object, NULL, ids};
  ccgc_status status = ccgc_collector_walk(collector, &callbacks);
  if (status != CCGC_OK) return status;
  ccgc_heap_snapshot_ids_purge(ids);
  if (ids->exhausted)
    return ccgc_error_set(ccgc_collector_error_sink(collector), CCGC_E_SIZE_OVERFLOW,
                          "%s: the snapshot ids ran out (2^32)", call);
  return CCGC_OK;
}
