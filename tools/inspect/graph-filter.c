/* graph-filter.c - the filters of a Graphviz dump (graph-filter.h), on the
 * snapshot's copy of the graph: breadth-first searches where a folded backing
 * store costs no hop (the picture draws node --listeners--> listener, not the
 * vector between), so --depth counts the hops a reader sees. */
#include "graph-filter.h"

#include <stdio.h>
#include <string.h>

typedef struct adjacency {
  const graph_snapshot *snapshot;
  GHashTable *out, *in; /* address (NULL: roots) -> GPtrArray of snap_edge* */
} adjacency;

static void add_to(GHashTable *table, void *key, snap_edge *edge) {
  GPtrArray *list = g_hash_table_lookup(table, key);
  if (!list) {
    list = g_ptr_array_new();
    g_hash_table_insert(table, key, list);
  }
  g_ptr_array_add(list, edge);
}

static void adjacency_init(adjacency *a, const graph_snapshot *snapshot) {
  a->snapshot = snapshot;
  a->out = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL,
                                 (GDestroyNotify)g_ptr_array_unref);
  a->in = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL,
                                (GDestroyNotify)g_ptr_array_unref);
  for (guint i = 0; i < snapshot->edges->len; i++) {
    snap_edge *edge = &g_array_index(snapshot->edges, snap_edge, i);
    add_to(a->out, edge->from, edge);
    if (edge->from) add_to(a->in, edge->to, edge);
  }
}

static void adjacency_destroy(adjacency *a) {
  g_hash_table_destroy(a->out);
  g_hash_table_destroy(a->in);
}

static bool index_of(const graph_snapshot *snapshot, const void *address, guint *index) {
  size_t at;
  if (!address || !graph_snapshot_find(snapshot, address, &at)) return false;
  *index = (guint)at;
  return true;
}

/* Breadth-first from the seeds (depth 0) over out edges (and in edges when
 * both_ways), at most max_depth hops (negative: no limit), not entering
 * objects `stop` refuses. A 0-1 search: folded objects go to the front of
 * the queue at the same depth. A folded backing store is part of its owner
 * in the picture, so the search keeps going the way it entered one: forward
 * from Object into its properties store and on to what they hold, or back
 * from a value to the store and its owner, never back in and forward out
 * (which would make the owner's other values neighbours of this one). */
typedef bool (*stop_fn)(const snap_object *object, void *data);

enum { WAY_OUT = 1, WAY_IN = 2, WAY_BOTH = 3 };

static GArray *neighbourhood(const adjacency *a, GArray *seeds, int max_depth, bool both_ways,
                             const bool *folded, stop_fn stop, void *stop_data) {
  guint n = a->snapshot->objects->len;
  int *depth = g_new(int, n);
  unsigned char *ways = g_new0(unsigned char, n);
  for (guint i = 0; i < n; i++) depth[i] = -1;
  GArray *order = g_array_new(FALSE, FALSE, sizeof(guint));
  GQueue queue = G_QUEUE_INIT;
  for (guint i = 0; i < seeds->len; i++) {
    guint seed = g_array_index(seeds, guint, i);
    if (depth[seed] >= 0) continue;
    depth[seed] = 0;
    ways[seed] = both_ways ? WAY_BOTH : WAY_OUT;
    g_queue_push_tail(&queue, GUINT_TO_POINTER(seed));
  }
  while (!g_queue_is_empty(&queue)) {
    guint at = GPOINTER_TO_UINT(g_queue_pop_head(&queue));
    g_array_append_val(order, at);
    const snap_object *object = &g_array_index(a->snapshot->objects, snap_object, at);
    for (int direction = 0; direction < 2; direction++) {
      if (!(ways[at] & (direction ? WAY_IN : WAY_OUT))) continue;
      GPtrArray *edges = g_hash_table_lookup(direction ? a->in : a->out, object->address);
      for (guint e = 0; edges && e < edges->len; e++) {
        const snap_edge *edge = edges->pdata[e];
        guint next;
        if (!index_of(a->snapshot, direction ? edge->from : edge->to, &next)) continue;
        if (depth[next] >= 0) continue;
        const snap_object *target = &g_array_index(a->snapshot->objects, snap_object, next);
        if (stop && stop(target, stop_data)) continue;
        int next_depth = depth[at] + (folded[next] ? 0 : 1);
        if (max_depth >= 0 && next_depth > max_depth) continue;
        depth[next] = next_depth;
        ways[next] = folded[next] ? (direction ? WAY_IN : WAY_OUT)
                                  : (both_ways ? WAY_BOTH : WAY_OUT);
        if (folded[next]) g_queue_push_head(&queue, GUINT_TO_POINTER(next));
        else g_queue_push_tail(&queue, GUINT_TO_POINTER(next));
      }
    }
  }
  g_free(depth);
  g_free(ways);
  return order;
}

/* The shortest retaining path of every object, as ccgc_retaining_path finds
 * it but on the snapshot: breadth-first from the roots over strong edges;
 * an ephemeron value edge (the walk reports it right after the holder's
 * weak "ephemeron key" edge) once its key is reached; weak edges never.
 * parent[i]: the index it was reached from, -1 for a root, -2 unreached. */
static int *retaining_parents(const adjacency *a) {
  const graph_snapshot *s = a->snapshot;
  guint n = s->objects->len;
  int *parent = g_new(int, n);
  for (guint i = 0; i < n; i++) parent[i] = -2;
  GQueue queue = G_QUEUE_INIT;
  GPtrArray *roots = g_hash_table_lookup(a->out, NULL);
  for (guint e = 0; roots && e < roots->len; e++) {
    guint to;
    if (index_of(s, ((snap_edge *)roots->pdata[e])->to, &to) && parent[to] == -2) {
      parent[to] = -1;
      g_queue_push_tail(&queue, GUINT_TO_POINTER(to));
    }
  }
  GPtrArray *waiting = g_ptr_array_new(); /* ephemeron edges whose key is unreached */
  const snap_edge *first = s->edges->len ? &g_array_index(s->edges, snap_edge, 0) : NULL;
  for (bool progress = true; progress;) {
    while (!g_queue_is_empty(&queue)) {
      guint at = GPOINTER_TO_UINT(g_queue_pop_head(&queue));
      GPtrArray *edges =
          g_hash_table_lookup(a->out, g_array_index(s->objects, snap_object, at).address);
      for (guint e = 0; edges && e < edges->len; e++) {
        const snap_edge *edge = edges->pdata[e];
        guint to, key;
        if (edge->kind == CCGC_EDGE_WEAK || !index_of(s, edge->to, &to) || parent[to] != -2)
          continue;
        if (edge->kind == CCGC_EDGE_EPHEMERON && edge > first &&
            (edge - 1)->kind == CCGC_EDGE_WEAK && (edge - 1)->from == edge->from &&
            index_of(s, (edge - 1)->to, &key) && parent[key] == -2) {
          g_ptr_array_add(waiting, (gpointer)edge);
          continue;
        }
        parent[to] = (int)at;
        g_queue_push_tail(&queue, GUINT_TO_POINTER(to));
      }
    }
    /* Release the ephemerons whose keys were reached since. */
    progress = false;
    for (guint w = 0; w < waiting->len;) {
      const snap_edge *edge = waiting->pdata[w];
      guint to = 0, key = 0, from = 0; /* all three were found when it waited */
      index_of(s, edge->to, &to);
      index_of(s, (edge - 1)->to, &key);
      index_of(s, edge->from, &from);
      if (parent[key] == -2) {
        w++;
        continue;
      }
      if (parent[to] == -2) {
        parent[to] = (int)from;
        g_queue_push_tail(&queue, GUINT_TO_POINTER(to));
        progress = true;
      }
      g_ptr_array_remove_index_fast(waiting, w);
    }
  }
  g_ptr_array_free(waiting, TRUE);
  return parent;
}

static bool has_edge(const adjacency *a, void *from, void *to, ccgc_edge_kind kind) {
  GPtrArray *edges = g_hash_table_lookup(a->out, from);
  for (guint e = 0; edges && e < edges->len; e++) {
    const snap_edge *edge = edges->pdata[e];
    if (edge->to == to && edge->kind == kind) return true;
  }
  return false;
}

static void add_index(GArray *seeds, bool *seeded, guint at) {
  if (seeded[at]) return;
  seeded[at] = true;
  g_array_append_val(seeds, at);
}

static void add_seed(const graph_snapshot *snapshot, GArray *seeds, bool *seeded,
                     const void *address) {
  guint at;
  if (index_of(snapshot, address, &at)) add_index(seeds, seeded, at);
}

static bool not_reclaimed(const snap_object *object, void *data) {
  (void)data;
  return !object->reclaimed_in;
}

/* The unfiltered picture's order under a node budget, what the picture is
 * about first:
 *   1. the objects the roots hold;
 *   2. what the collections reclaimed (graph_snapshot_mark_reclaimed): the
 *      elements the host named (#tooltip, #menu: the heads of the detached
 *      subtrees), then breadth-first from them through reclaimed objects,
 *      either direction, so that every subtree keeps its top when there are
 *      too many; then any other reclaimed object;
 *   3. both halves of every wrapper pair (the wrapper first), then the two
 *      ends of every other reference between the heaps;
 * then what all these reach, nearest first; then the rest in walk order. */
static GArray *budget_order(const adjacency *a, const bool *folded) {
  const graph_snapshot *s = a->snapshot;
  guint n = s->objects->len;
  bool *seeded = g_new0(bool, n + 1);
  GArray *seeds = g_array_new(FALSE, FALSE, sizeof(guint));
  GPtrArray *roots = g_hash_table_lookup(a->out, NULL);
  for (guint e = 0; roots && e < roots->len; e++)
    add_seed(s, seeds, seeded, ((snap_edge *)roots->pdata[e])->to);
  GArray *heads = g_array_new(FALSE, FALSE, sizeof(guint));
  for (guint i = 0; i < n; i++) {
    const snap_object *object = &g_array_index(s->objects, snap_object, i);
    if (object->reclaimed_in && object->note && object->note[0] == '#')
      g_array_append_val(heads, i);
  }
  GArray *reclaimed = neighbourhood(a, heads, -1, true, folded, not_reclaimed, NULL);
  for (guint k = 0; k < reclaimed->len; k++)
    add_index(seeds, seeded, g_array_index(reclaimed, guint, k));
  for (guint i = 0; i < n; i++)
    if (g_array_index(s->objects, snap_object, i).reclaimed_in) add_index(seeds, seeded, i);
  g_array_free(heads, TRUE);
  g_array_free(reclaimed, TRUE);
  for (int pairs = 1; pairs >= 0; pairs--) {
    for (guint i = 0; i < s->edges->len; i++) {
      const snap_edge *edge = &g_array_index(s->edges, snap_edge, i);
      bool wrapper = edge->kind == CCGC_EDGE_WRAPPER;
      if (!edge->from || (!wrapper && edge->kind != CCGC_EDGE_TRACED)) continue;
      bool paired = has_edge(a, edge->to, edge->from,
                             wrapper ? CCGC_EDGE_TRACED : CCGC_EDGE_WRAPPER);
      if (paired != (pairs == 1)) continue;
      add_seed(s, seeds, seeded, paired && !wrapper ? edge->to : edge->from);
      add_seed(s, seeds, seeded, paired && !wrapper ? edge->from : edge->to);
    }
  }
  GArray *order = neighbourhood(a, seeds, -1, false, folded, NULL, NULL);
  memset(seeded, 0, (n + 1) * sizeof *seeded);
  for (guint k = 0; k < order->len; k++) seeded[g_array_index(order, guint, k)] = true;
  for (guint i = 0; i < n; i++)
    if (!seeded[i]) g_array_append_val(order, i);
  g_array_free(seeds, TRUE);
  g_free(seeded);
  return order;
}

static bool is_attached(const snap_object *object, void *data) {
  const graph_dump_options *options = data;
  return options->detachedness(object, options->detachedness_data) == 1;
}

GArray *graph_filter_select(const graph_snapshot *snapshot, const graph_dump_options *options,
                            const bool *folded, char *error, size_t error_size) {
  guint n = snapshot->objects->len;
  GArray *order = NULL;
  if (options->filter == GRAPH_DUMP_ALL && options->max_nodes) {
    adjacency a;
    adjacency_init(&a, snapshot);
    order = budget_order(&a, folded);
    adjacency_destroy(&a);
    return order;
  }
  if (options->filter == GRAPH_DUMP_ALL) {
    order = g_array_sized_new(FALSE, FALSE, sizeof(guint), n);
    for (guint i = 0; i < n; i++) g_array_append_val(order, i);
    return order;
  }
  GArray *seeds = g_array_new(FALSE, FALSE, sizeof(guint));
  size_t wanted = options->filter == GRAPH_DUMP_FOCUS ? 1 : options->target_count;
  if (options->filter != GRAPH_DUMP_DETACHED) {
    if (!options->targets || wanted == 0) {
      snprintf(error, error_size, "the filter needs a target object");
      g_array_free(seeds, TRUE);
      return NULL;
    }
    for (size_t t = 0; t < wanted; t++) {
      guint at;
      if (!index_of(snapshot, options->targets[t], &at)) {
        snprintf(error, error_size, "%p is not an object of the snapshot",
                 options->targets[t]);
        g_array_free(seeds, TRUE);
        return NULL;
      }
      g_array_append_val(seeds, at);
    }
  }
  adjacency a;
  adjacency_init(&a, snapshot);
  switch (options->filter) {
  case GRAPH_DUMP_FOCUS:
    order = neighbourhood(&a, seeds, options->depth ? options->depth : 2, true, folded, NULL,
                          NULL);
    break;
  case GRAPH_DUMP_PATHS: {
    int *parent = retaining_parents(&a);
    bool *in = g_new0(bool, n);
    order = g_array_new(FALSE, FALSE, sizeof(guint));
    for (guint t = 0; t < seeds->len && order; t++) {
      guint target = g_array_index(seeds, guint, t);
      if (parent[target] == -2) {
        const snap_object *object = &g_array_index(snapshot->objects, snap_object, target);
        snprintf(error, error_size, "@%u (%s%s%s) is not reachable from a root: no retaining path",
                 target, object->type_name, object->note ? " " : "",
                 object->note ? object->note : "");
        g_array_free(order, TRUE);
        order = NULL;
        break;
      }
      /* root first, so a budget keeps the start of each path */
      GArray *path = g_array_new(FALSE, FALSE, sizeof(guint));
      for (int at = (int)target; at >= 0; at = parent[at]) g_array_prepend_val(path, at);
      for (guint i = 0; i < path->len; i++) {
        guint at = g_array_index(path, guint, i);
        if (!in[at]) g_array_append_val(order, at);
        in[at] = true;
      }
      g_array_free(path, TRUE);
    }
    g_free(in);
    g_free(parent);
    break;
  }
  case GRAPH_DUMP_DETACHED:
    if (!options->detachedness) {
      snprintf(error, error_size, "the detached filter needs a detachedness callback");
      break;
    }
    for (guint i = 0; i < n; i++)
      if (options->detachedness(&g_array_index(snapshot->objects, snap_object, i),
                                options->detachedness_data) == 2)
        g_array_append_val(seeds, i);
    if (seeds->len == 0) {
      snprintf(error, error_size, "no detached DOM node in the heap");
      break;
    }
    order = neighbourhood(&a, seeds, options->depth ? options->depth : 1, false, folded,
                          is_attached, (void *)options);
    break;
  case GRAPH_DUMP_ALL: break;
  }
  adjacency_destroy(&a);
  g_array_free(seeds, TRUE);
  return order;
}
