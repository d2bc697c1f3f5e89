/* retaining-path.c - shortest retaining paths through both heaps
 * (ccgc-probe.h): breadth-first from the roots over the heaps' own edges,
 * with a parent map, independent of the mark tables. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ccgc-probe.h"
#include "object-graph.h"

typedef struct parent_link {
  void *parent; /* NULL: a root */
  ccgc_edge_kind kind;
  char *name;
  size_t index;
} parent_link;

typedef struct bfs {
  ccgc_visitor base;
  GHashTable *objects;
  GHashTable *parents; /* object -> parent_link* */
  GQueue queue;
  void *current;
  GArray *pending_ephemerons; /* void *[3]: holder, key, value */
} bfs;

static void reach(bfs *search, void *to, ccgc_edge edge) {
  if (!g_hash_table_contains(search->objects, to) ||
      g_hash_table_contains(search->parents, to))
    return;
  parent_link *link = g_new0(parent_link, 1);
  link->parent = search->current;
  link->kind = edge.kind;
  link->name = edge.name ? g_strdup(edge.name) : NULL;
  link->index = edge.index;
  g_hash_table_insert(search->parents, to, link);
  g_queue_push_tail(&search->queue, to);
}

static void bfs_strong(ccgc_visitor *visitor, void *target, ccgc_edge edge) {
  reach((bfs *)visitor, target, edge);
}

static void bfs_weak(ccgc_visitor *visitor, void **slot, ccgc_edge edge) {
  (void)visitor, (void)slot, (void)edge; /* weak edges retain nothing */
}

static void bfs_ephemeron(ccgc_visitor *visitor, void *key, void *value,
                          ccgc_edge edge) {
  bfs *search = (bfs *)visitor;
  if (g_hash_table_contains(search->parents, key)) {
    reach(search, value, edge);
    return;
  }
  void *entry[3] = {search->current, key, value};
  g_array_append_val(search->pending_ephemerons, entry);
}

static const ccgc_visitor_ops bfs_ops = {
    .strong = bfs_strong,
    .weak = bfs_weak,
    .ephemeron = bfs_ephemeron,
};

static void free_link(gpointer data) {
  parent_link *link = data;
  g_free(link->name);
  g_free(link);
}

static bool release_ephemerons(bfs *search) {
  bool progress = false;
  GArray *pending = search->pending_ephemerons;
  size_t kept = 0;
  for (size_t i = 0; i < pending->len; i++) {
    void **entry = (void **)(pending->data + i * 3 * sizeof(void *));
    if (g_hash_table_contains(search->parents, entry[1])) {
      search->current = entry[0];
      reach(search, entry[2], ccgc_edge_named(CCGC_EDGE_EPHEMERON, "value"));
      progress = true;
    } else if (kept++ != i) {
      memmove(pending->data + (kept - 1) * 3 * sizeof(void *), entry,
              3 * sizeof(void *));
    }
  }
  g_array_set_size(pending, kept);
  return progress;
}

static void fill_path(ccgc_collector *collector, bfs *search, void *target,
                      ccgc_path *path) {
  size_t length = 0;
  for (void *at = target; at;) {
    parent_link *link = g_hash_table_lookup(search->parents, at);
    length++;
    at = link->parent;
  }
  path->length = length;
  path->hops = calloc(length, sizeof *path->hops);
  size_t i = length;
  for (void *at = target; at;) {
    parent_link *link = g_hash_table_lookup(search->parents, at);
    ccgc_path_hop *hop = &path->hops[--i];
    ccgc_object_info info;
    ccgc_collector_object_info(collector, at, &info);
    hop->object = at;
    hop->heap_name = info.heap_name;
    hop->type_name = info.type_name;
    hop->edge_kind = link->kind;
    hop->edge_name = link->name ? strdup(link->name) : NULL;
    hop->edge_index = link->index;
    at = link->parent;
  }
}

ccgc_status ccgc_retaining_path(ccgc_collector *collector, void *target,
                                ccgc_path *path) {
  memset(path, 0, sizeof *path);
  if (!ccgc_collector_valid(collector)) return CCGC_E_INVALID_ARGUMENT;
  if (collector->in_collection)
    return ccgc_error_set(&collector->errors, CCGC_E_IN_COLLECTION,
                          "ccgc_retaining_path: called during a collection");
  bfs search;
  memset(&search, 0, sizeof search);
  search.base.ops = &bfs_ops;
  search.objects = ccgc_object_set_new(collector);
  if (!g_hash_table_contains(search.objects, target)) {
    g_hash_table_destroy(search.objects);
    return ccgc_error_set(&collector->errors, CCGC_E_FOREIGN_POINTER,
                          "ccgc_retaining_path: %p is not an allocated object "
                          "of any heap",
                          target);
  }
  search.parents =
      g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, free_link);
  g_queue_init(&search.queue);
  search.pending_ephemerons = g_array_new(FALSE, FALSE, 3 * sizeof(void *));
  for (int id = 0; id < collector->heap_count; id++) {
    ccgc_heap_slot *slot = &collector->heaps[id];
    if (slot->heap) slot->ops->trace_roots(slot->heap, &search.base);
  }
  bool found = false;
  do {
    while (!g_queue_is_empty(&search.queue)) {
      void *object = g_queue_pop_head(&search.queue);
      if (object == target) {
        found = true;
        break;
      }
      search.current = object;
      ccgc_trace_one(collector, search.objects, object, &search.base);
    }
  } while (!found && release_ephemerons(&search));
  ccgc_status status = CCGC_E_INVALID_ARGUMENT;
  if (found || g_hash_table_contains(search.parents, target)) {
    fill_path(collector, &search, target, path);
    status = CCGC_OK;
  }
  g_queue_clear(&search.queue);
  g_hash_table_destroy(search.parents);
  g_hash_table_destroy(search.objects);
  g_array_free(search.pending_ephemerons, TRUE);
  return status;
}

void ccgc_path_free(ccgc_path *path) {
  for (size_t i = 0; i < path->length; i++) free(path->hops[i].edge_name);
  free(path->hops);
  path->hops = NULL;
  path->length = 0;
}

char *ccgc_path_format(const ccgc_path *path) {
  GString *text = g_string_new(NULL);
  for (size_t i = 0; i < path->length; i++) {
    const ccgc_path_hop *hop = &path->hops[i];
    if (i == 0)
      g_string_append_printf(text, "root (%s)", hop->edge_name ? hop->edge_name : "root");
    else if (hop->edge_kind == CCGC_EDGE_ELEMENT)
      g_string_append_printf(text, "  --element [%zu]", hop->edge_index);
    else
      g_string_append_printf(text, "  --%s '%s'", ccgc_edge_kind_name(hop->edge_kind),
                             hop->edge_name ? hop->edge_name : "");
    g_string_append_printf(text, "%s %s (%s heap) %p\n", i == 0 ? " ->" : "-->",
                           hop->type_name, hop->heap_name, hop->object);
  }
  char *result = strdup(text->str);
  g_string_free(text, TRUE);
  return result;
}
