/* retained-size.c - dominator-based retained sizes (ccgc-probe.h).
 *
 * The graph: a virtual root with an edge to every root, then every strong
 * edge between allocated objects; an ephemeron's value edge (from the table
 * that holds it) counts once its key is reachable, as the marker does; weak
 * edges never count. An object's retained size is its own size plus that of
 * every object it dominates: what a collection would free if the object's
 * last retainers let go of it.
 *
 * The graph is found breadth-first (which handles ephemerons without
 * recursion, as retaining-path.c does) and numbered in discovery order.
 * Dominators: Lengauer and Tarjan, "A Fast Algorithm for Finding Dominators
 * in a Flowgraph" (1979), the simple version (path compression, no
 * balancing): O(m log n), over a depth-first numbering of the same graph.
 * Everything runs on explicit stacks: a chain of a million objects is a
 * million-deep depth-first search and compression path, far beyond the C
 * stack. (The iterative data-flow algorithm of Cooper, Harvey and Kennedy
 * used before took a number of rounds that grows with the graph's longest
 * sibling list, each as long: cubic on a page with long sibling lists.)
 *
 * Every dominator of v lies on every path from the root to v, so on v's
 * breadth-first discovery path too: idom[v] < v in discovery order, which
 * the sums at the end rely on. */
#include <stdlib.h>
#include <string.h>

#include "ccgc-probe.h"
#include "inspect-internal.h"
#include "object-graph.h"

typedef struct pending_ephemeron {
  guint holder; /* discovery number */
  void *value;
  guint next;
} pending_ephemeron;

typedef struct graph_edge {
  guint from, to; /* discovery numbers; 0 is the virtual root */
} graph_edge;

/* One probe of the object set per edge and none per object: an object's
 * discovery number is kept by its slot in the set (which never changes
 * after it is built), and the search queues the object with its heap. */
typedef struct found_object {
  void *address;
  int heap_id;
} found_object;

typedef struct search {
  ccgc_visitor base;
  ccgc_pointer_map objects; /* every allocated object */
  guint *number;        /* per slot of objects: discovery number, 0 if not yet */
  GArray *order;        /* found_object, by discovery number; [0]: root */
  GArray *edges;        /* graph_edge, every counted edge */
  guint current;        /* the number of the object being traced (0: roots) */
  GArray *pending;      /* ephemerons waiting for their key */
  ccgc_pointer_map waiting; /* key -> 1 + first pending index */
  GArray *reached;
} search;

static guint number_of(const search *s, const void *object) {
  size_t slot = ccgc_pointer_map_find(&s->objects, object);
  return slot == SIZE_MAX ? 0 : s->number[slot];
}

/* Records the edge; discovers `to` if new. True if it was new. */
static bool add_edge(search *s, guint from, void *to) {
  size_t slot = ccgc_pointer_map_find(&s->objects, to);
  if (slot == SIZE_MAX) return false;
  bool found = s->number[slot] != 0;
  if (!found) { /* to trace, in turn; the set maps an object to its heap id + 1 */
    found_object object = {to, (int)s->objects.values[slot] - 1};
    g_array_append_val(s->order, object);
    s->number[slot] = s->order->len - 1;
  }
  graph_edge edge = {from, s->number[slot]};
  g_array_append_val(s->edges, edge);
  return !found;
}

static void reach(search *s, void *to) {
  if (!add_edge(s, s->current, to)) return;
  g_array_append_val(s->reached, to);
  while (s->reached->len > 0) {
    void *key = g_array_index(s->reached, void *, s->reached->len - 1);
    g_array_set_size(s->reached, s->reached->len - 1);
    uint32_t first;
    if (!ccgc_pointer_map_steal(&s->waiting, key, &first)) continue;
    for (guint at = first; at != 0;) {
      pending_ephemeron entry = g_array_index(s->pending, pending_ephemeron, at - 1);
      if (add_edge(s, entry.holder, entry.value))
        g_array_append_val(s->reached, entry.value);
      at = entry.next;
    }
  }
}

static void on_strong(ccgc_visitor *visitor, void *target, ccgc_edge edge) {
  (void)edge;
  reach((search *)visitor, target);
}

static void on_weak(ccgc_visitor *visitor, void **slot, ccgc_edge edge) {
  (void)visitor, (void)slot, (void)edge; /* weak edges retain nothing */
}

static void on_ephemeron(ccgc_visitor *visitor, void *key, void *value, ccgc_edge edge) {
  search *s = (search *)visitor;
  (void)edge;
  if (number_of(s, key)) {
    reach(s, value);
    return;
  }
  if (!key) return; /* never reached: its value could never be released */
  pending_ephemeron entry = {s->current, value, ccgc_pointer_map_get(&s->waiting, key)};
  g_array_append_val(s->pending, entry);
  ccgc_pointer_map_insert(&s->waiting, key, s->pending->len);
}

static const ccgc_visitor_ops search_ops = {
    .strong = on_strong, .weak = on_weak, .ephemeron = on_ephemeron};

enum { NONE = G_MAXUINT };

/* The edges as compressed rows: node v's are list[start[v] .. start[v + 1]),
 * by source (successors) or by target (predecessors). */
static void rows(guint n, const GArray *edges, bool by_target, guint **start_out,
                 guint **list_out) {
  guint *start = g_new0(guint, n + 1), *list = g_new(guint, edges->len + 1);
  const graph_edge *e = (const graph_edge *)(void *)edges->data;
  for (guint i = 0; i < edges->len; i++) start[(by_target ? e[i].to : e[i].from) + 1]++;
  for (guint v = 0; v < n; v++) start[v + 1] += start[v];
  guint *fill = g_memdup2(start, (n + 1) * sizeof *start);
  for (guint i = 0; i < edges->len; i++)
    list[fill[by_target ? e[i].to : e[i].from]++] = by_target ? e[i].from : e[i].to;
  g_free(fill);
  *start_out = start;
  *list_out = list;
}

/* Depth-first preorder from the root (0), on an explicit stack: pre[v] is
 * v's depth-first number, vertex[] the inverse, parent[] the tree parent (by
 * depth-first number). Every node is reachable from the root (the search
 * found them so). */
static void depth_first(guint n, const guint *start, const guint *succ, guint *pre,
                        guint *vertex, guint *parent) {
  guint *cursor = g_new(guint, n), *stack = g_new(guint, n);
  for (guint v = 0; v < n; v++) pre[v] = NONE;
  guint count = 1, top = 0;
  pre[0] = vertex[0] = parent[0] = 0;
  cursor[0] = start[0];
  stack[top++] = 0;
  while (top) {
    guint d = stack[top - 1], v = vertex[d];
    if (cursor[d] == start[v + 1]) {
      top--;
      continue;
    }
    guint w = succ[cursor[d]++];
    if (pre[w] != NONE) continue;
    pre[w] = count;
    vertex[count] = w;
    parent[count] = d;
    cursor[count] = start[w];
    stack[top++] = count++;
  }
  g_free(cursor);
  g_free(stack);
}

/* The forest of processed nodes (ancestor[], NONE at a tree's root), with
 * label[v] the node of least semidominator on the path from v up, kept by
 * path compression. Iterative: the path is first collected on `stack`, then
 * compressed top down, as the recursive version does on its way back. */
typedef struct forest {
  guint *ancestor, *label, *stack;
  const guint *semi;
} forest;

static guint eval(forest *f, guint v) {
  if (f->ancestor[v] == NONE) return v;
  guint top = 0, at = v;
  while (f->ancestor[f->ancestor[at]] != NONE) {
    f->stack[top++] = at;
    at = f->ancestor[at];
  }
  while (top) {
    at = f->stack[--top];
    guint up = f->ancestor[at];
    if (f->semi[f->label[up]] < f->semi[f->label[at]]) f->label[at] = f->label[up];
    f->ancestor[at] = f->ancestor[up];
  }
  return f->label[v];
}

/* idom per discovery number; the root's is itself. */
static guint *dominators(const search *s) {
  guint n = s->order->len;
  guint *start, *succ, *pred_start, *preds;
  guint *pre = g_new(guint, n), *vertex = g_new(guint, n), *parent = g_new(guint, n);
  rows(n, s->edges, false, &start, &succ);
  depth_first(n, start, succ, pre, vertex, parent);
  g_free(start);
  g_free(succ);
  rows(n, s->edges, true, &pred_start, &preds);
  /* Lengauer-Tarjan on depth-first numbers. */
  guint *semi = g_new(guint, n), *idom = g_new(guint, n);
  guint *bucket = g_new(guint, n), *next_in_bucket = g_new(guint, n);
  forest f = {g_new(guint, n), g_new(guint, n), g_new(guint, n), semi};
  for (guint v = 0; v < n; v++) {
    semi[v] = f.label[v] = v;
    f.ancestor[v] = bucket[v] = NONE;
  }
  idom[0] = 0;
  for (guint w = n - 1; w > 0; w--) {
    guint node = vertex[w];
    for (guint p = pred_start[node]; p < pred_start[node + 1]; p++) {
      guint u = eval(&f, pre[preds[p]]);
      if (semi[u] < semi[w]) semi[w] = semi[u];
    }
    next_in_bucket[w] = bucket[semi[w]];
    bucket[semi[w]] = w;
    f.ancestor[w] = parent[w]; /* link */
    for (guint v = bucket[parent[w]]; v != NONE; v = next_in_bucket[v]) {
      guint u = eval(&f, v);
      idom[v] = semi[u] < semi[v] ? u : parent[w];
    }
    bucket[parent[w]] = NONE;
  }
  for (guint w = 1; w < n; w++)
    if (idom[w] != semi[w]) idom[w] = idom[idom[w]];
  /* Back to discovery numbers. */
  guint *result = g_new(guint, n);
  for (guint w = 0; w < n; w++) result[vertex[w]] = vertex[idom[w]];
  g_free(pred_start);
  g_free(preds);
  g_free(pre);
  g_free(vertex);
  g_free(parent);
  g_free(semi);
  g_free(idom);
  g_free(bucket);
  g_free(next_in_bucket);
  g_free(f.ancestor);
  g_free(f.label);
  g_free(f.stack);
  return result;
}

ccgc_status ccgc_retained_size(ccgc_collector *collector, void *object, size_t *bytes,
                               size_t *objects) {
  if (bytes) *bytes = 0;
  if (objects) *objects = 0;
  ccgc_status entered = ccgc_inspect_enter(collector, "ccgc_retained_size");
  if (entered != CCGC_OK) return entered;
  search s;
  memset(&s, 0, sizeof s);
  s.base.ops = &search_ops;
  ccgc_object_set_init(&s.objects, collector);
  if (!ccgc_pointer_map_contains(&s.objects, object)) {
    ccgc_pointer_map_destroy(&s.objects);
    return ccgc_error_set(ccgc_collector_error_sink(collector),
                          CCGC_E_FOREIGN_POINTER,
                          "ccgc_retained_size: %p is not an allocated object of any heap",
                          object);
  }
  s.number = g_new0(guint, s.objects.capacity);
  /* Sized for every object and two edges each: no copying while they grow
   * on a typical heap. */
  s.order = g_array_sized_new(FALSE, FALSE, sizeof(found_object), (guint)s.objects.size + 1);
  s.edges = g_array_sized_new(FALSE, FALSE, sizeof(graph_edge), 2 * (guint)s.objects.size);
  s.pending = g_array_new(FALSE, FALSE, sizeof(pending_ephemeron));
  ccgc_pointer_map_init(&s.waiting, 0);
  s.reached = g_array_new(FALSE, FALSE, sizeof(void *));
  found_object root = {NULL, -1};
  g_array_append_val(s.order, root);
  ccgc_collector_trace_all_roots(collector, &s.base);
  /* Breadth-first: the discovery order is the queue. */
  const ccgc_heap_ops *ops[CCGC_MAX_HEAPS] = {NULL};
  void *heaps[CCGC_MAX_HEAPS];
  for (int id = 0; id < CCGC_MAX_HEAPS; id++)
    heaps[id] = ccgc_collector_heap(collector, id, &ops[id]);
  for (guint next = 1; next < s.order->len; next++) {
    found_object at = g_array_index(s.order, found_object, next);
    s.current = next;
    ops[at.heap_id]->trace_object(heaps[at.heap_id], at.address, &s.base);
  }
  ccgc_status status = CCGC_E_INVALID_ARGUMENT; /* unreachable: garbage */
  guint target = number_of(&s, object);
  if (target) {
    guint *idom = dominators(&s);
    guint n = s.order->len;
    /* idom[v] < v: one pass down the numbers finds what target dominates. */
    guint8 *dominated = g_new0(guint8, n);
    size_t sum_bytes = 0, sum_objects = 0;
    for (guint v = target; v < n; v++) {
      dominated[v] = v == target || dominated[idom[v]];
      if (!dominated[v]) continue;
      ccgc_object_info info;
      ccgc_collector_object_info(collector, g_array_index(s.order, found_object, v).address,
                                 &info);
      sum_bytes += info.size;
      sum_objects++;
    }
    if (bytes) *bytes = sum_bytes;
    if (objects) *objects = sum_objects;
    g_free(dominated);
    g_free(idom);
    status = CCGC_OK;
  }
  ccgc_pointer_map_destroy(&s.objects);
  g_free(s.number);
  g_array_free(s.order, TRUE);
  g_array_free(s.edges, TRUE);
  g_array_free(s.pending, TRUE);
  ccgc_pointer_map_destroy(&s.waiting);
  g_array_free(s.reached, TRUE);
  return status;
}
