/* retaining-path.c - shortest retaining paths through both heaps
 * (ccgc-probe.h): breadth-first from the roots over the heaps' own edges,
 * with a parent map, independent of the mark tables. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ccgc-probe.h"
#include "inspect-internal.h"
#include "object-graph.h"

typedef struct parent_link {
  void *parent; /* NULL: a root */
  ccgc_edge_kind kind;
  char *name;
  size_t index;
} parent_link;

typedef struct bfs {
  ccgc_visitor base;
  ccgc_pointer_map objects;
  ccgc_pointer_map parents; /* object -> 1 + index in `links` */
  GArray *links;            /* parent_link */
  GQueue queue;
  void *current;
  /* Ephemerons whose key has no parent yet, chained per key: key -> 1 + the
   * index of its first entry in `pending`. Reaching the key releases them at
   * once, so the search stays linear on ephemeron chains. */
  GArray *pending; /* pending_ephemeron */
  ccgc_pointer_map waiting;
  GArray *reached; /* objects just given a parent, whose waiters to release */
} bfs;

typedef struct pending_ephemeron {
  void *holder;
  void *value;
  guint next;
} pending_ephemeron;

/* Gives `to` its parent and queues it; false if it had one (or is no object). */
static bool link_to(bfs *search, void *to, void *parent, ccgc_edge edge) {
  if (!ccgc_pointer_map_contains(&search->objects, to) ||
      ccgc_pointer_map_contains(&search->parents, to))
    return false;
  parent_link link = {parent, edge.kind,
                      edge.name ? g_strdup(edge.name) : NULL, edge.index};
  g_array_append_val(search->links, link);
  ccgc_pointer_map_insert(&search->parents, to, search->links->len);
  g_queue_push_tail(&search->queue, to);
  return true;
}

static void reach(bfs *search, void *to, ccgc_edge edge) {
  if (!link_to(search, to, search->current, edge)) return;
  g_array_append_val(search->reached, to);
  /* A reached key releases the values waiting on it, which may be keys of
   * their own: a loop, not recursion. */
  while (search->reached->len > 0) {
    void *key = g_array_index(search->reached, void *, search->reached->len - 1);
    g_array_set_size(search->reached, search->reached->len - 1);
    uint32_t first;
    if (!ccgc_pointer_map_steal(&search->waiting, key, &first)) continue;
    for (guint at = first; at != 0;) {
      pending_ephemeron entry = g_array_index(search->pending, pending_ephemeron, at - 1);
      if (link_to(search, entry.value, entry.holder,
                  ccgc_edge_named(CCGC_EDGE_EPHEMERON, "value")))
        g_array_append_val(search->reached, entry.value);
      at = entry.next;
    }
  }
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
  if (ccgc_pointer_map_contains(&search->parents, key)) {
    reach(search, value, edge);
    return;
  }
  if (!key) return; /* never reached: its value could never be released */
  pending_ephemeron entry = {search->current, value,
                             ccgc_pointer_map_get(&search->waiting, key)};
  g_array_append_val(search->pending, entry);
  ccgc_pointer_map_insert(&search->waiting, key, search->pending->len);
}

static const ccgc_visitor_ops bfs_ops = {
    .strong = bfs_strong,
    .weak = bfs_weak,
    .ephemeron = bfs_ephemeron,
};

static const parent_link *parent_of(const bfs *search, const void *object) {
  return &g_array_index(search->links, parent_link,
                        ccgc_pointer_map_get(&search->parents, object) - 1);
}

static void fill_path(ccgc_collector *collector, bfs *search, void *target,
                      ccgc_path *path) {
  size_t length = 0;
  for (void *at = target; at;) {
    const parent_link *link = parent_of(search, at);
    length++;
    at = link->parent;
  }
  path->length = length;
  path->hops = calloc(length, sizeof *path->hops);
  size_t i = length;
  for (void *at = target; at;) {
    const parent_link *link = parent_of(search, at);
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
  if (path) memset(path, 0, sizeof *path);
  ccgc_status entered = ccgc_inspect_enter(collector, "ccgc_retaining_path");
  if (entered != CCGC_OK) return entered;
  if (!path)
    return ccgc_error_set(ccgc_collector_error_sink(collector), CCGC_E_INVALID_ARGUMENT,
                          "ccgc_retaining_path: path is NULL");
  bfs search;
  memset(&search, 0, sizeof search);
  search.base.ops = &bfs_ops;
  ccgc_object_set_init(&search.objects, collector);
  if (!ccgc_pointer_map_contains(&search.objects, target)) {
    ccgc_pointer_map_destroy(&search.objects);
    return ccgc_error_set(ccgc_collector_error_sink(collector),
                          CCGC_E_FOREIGN_POINTER,
                          "ccgc_retaining_path: %p is not an allocated object "
                          "of any heap",
                          target);
  }
  ccgc_pointer_map_init(&search.parents, 0);
  search.links = g_array_new(FALSE, FALSE, sizeof(parent_link));
  g_queue_init(&search.queue);
  search.pending = g_array_new(FALSE, FALSE, sizeof(pending_ephemeron));
  ccgc_pointer_map_init(&search.waiting, 0);
  search.reached = g_array_new(FALSE, FALSE, sizeof(void *));
  ccgc_collector_trace_all_roots(collector, &search.base);
  bool found = false;
  while (!found && !g_queue_is_empty(&search.queue)) {
    void *object = g_queue_pop_head(&search.queue);
    found = object == target;
    search.current = object;
    if (!found) ccgc_trace_one(collector, &search.objects, object, &search.base);
  }
  ccgc_status status = CCGC_E_INVALID_ARGUMENT;
  if (found || ccgc_pointer_map_contains(&search.parents, target)) {
    fill_path(collector, &search, target, path);
    status = CCGC_OK;
  }
  g_queue_clear(&search.queue);
  for (guint i = 0; i < search.links->len; i++)
    g_free(g_array_index(search.links, parent_link, i).name);
  g_array_free(search.links, TRUE);
  ccgc_pointer_map_destroy(&search.parents);
  ccgc_pointer_map_destroy(&search.objects);
  g_array_free(search.pending, TRUE);
  ccgc_pointer_map_destroy(&search.waiting);
  g_array_free(search.reached, TRUE);
  return status;
}

void ccgc_path_free(ccgc_path *path) {
  if (!path) return;
  for (size_t i = 0; i < path->length; i++) free(path->hops[i].edge_name);
  free(path->hops);
  path->hops = NULL;
  path->length = 0;
}

char *ccgc_path_format(const ccgc_path *path) {
  if (!path) return NULL;
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
