/* retained-size.c - dominator-based retained sizes (ccgc-probe.h).
 *
 * The graph: a virtual root with an edge to every root, then every strong
 * edge between allocated objects; an ephemeron's value edge (from the table
 * that holds it) counts once its key is reachable, as the marker does; weak
 * edges never count. An object's retained size is its own size plus that of
 * every object it dominates: what a collection would free if the object's
 * last retainers let go of it.
 *
 * Dominators: Cooper, Harvey and Kennedy, "A Simple, Fast Dominance
 * Algorithm" (2001), the iterative data-flow algorithm. It wants a numbering
 * in which every node's dominators come first. Reverse postorder is the usual
 * one; breadth-first discovery order is one too (every dominator of v lies on
 * v's discovery path, so it was discovered earlier), and the breadth-first
 * search is what handles ephemerons without recursion (retaining-path.c does
 * the same). Each round starts a node's candidate at its discovery parent,
 * which is already processed and numbered lower, so idom[v] < v holds
 * throughout and the two-finger intersection terminates. */
#include <stdlib.h>
#include <string.h>

#include "ccgc-probe.h"
#include "inspect-internal.h"
#include "object-graph.h"

typedef struct pending_ephemeron {
  void *holder, *value;
  guint next;
} pending_ephemeron;

typedef struct graph_edge {
  void *from, *to; /* from NULL: the virtual root */
} graph_edge;

typedef struct search {
  ccgc_visitor base;
  ccgc_pointer_map objects; /* every allocated object */
  ccgc_pointer_map number;  /* object -> discovery number (>= 1; root is 0) */
  GArray *order;        /* void *, by discovery number; [0] = NULL (root) */
  GArray *parent;       /* guint per number: discovery parent */
  GArray *edges;        /* graph_edge, every counted edge */
  GQueue queue;
  void *current;
  GArray *pending;      /* ephemerons waiting for their key */
  ccgc_pointer_map waiting; /* key -> 1 + first pending index */
  GArray *reached;
} search;

static guint number_of(const search *s, void *object) {
  if (!object) return 0;
  return ccgc_pointer_map_get(&s->number, object);
}

/* Records the edge; discovers `to` if new. True if it was new. */
static bool add_edge(search *s, void *from, void *to) {
  if (!ccgc_pointer_map_contains(&s->objects, to)) return false;
  graph_edge edge = {from, to};
  g_array_append_val(s->edges, edge);
  if (ccgc_pointer_map_contains(&s->number, to)) return false;
  guint parent = number_of(s, from);
  g_array_append_val(s->order, to);
  g_array_append_val(s->parent, parent);
  ccgc_pointer_map_insert(&s->number, to, s->order->len - 1);
  g_queue_push_tail(&s->queue, to);
  return true;
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
  if (ccgc_pointer_map_contains(&s->number, key)) {
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

static guint intersect(const guint *idom, guint a, guint b) {
  while (a != b) {
    while (a > b) a = idom[a];
    while (b > a) b = idom[b];
  }
  return a;
}

/* idom per discovery number; the root's is itself. */
static guint *dominators(const search *s) {
  guint n = s->order->len;
  /* Predecessors as a compressed array, by target number. */
  guint *start = g_new0(guint, n + 1), *preds = g_new(guint, s->edges->len + 1);
  for (guint i = 0; i < s->edges->len; i++)
    start[number_of(s, g_array_index(s->edges, graph_edge, i).to) + 1]++;
  for (guint v = 0; v < n; v++) start[v + 1] += start[v];
  guint *fill = g_memdup2(start, (n + 1) * sizeof *start);
  for (guint i = 0; i < s->edges->len; i++) {
    const graph_edge *e = &g_array_index(s->edges, graph_edge, i);
    preds[fill[number_of(s, e->to)]++] = number_of(s, e->from);
  }
  g_free(fill);
  guint *idom = g_new(guint, n);
  const guint undefined = G_MAXUINT;
  for (guint v = 0; v < n; v++) idom[v] = undefined;
  idom[0] = 0;
  for (bool changed = true; changed;) {
    changed = false;
    for (guint v = 1; v < n; v++) {
      guint candidate = g_array_index(s->parent, guint, v);
      for (guint p = start[v]; p < start[v + 1]; p++)
        if (idom[preds[p]] != undefined) candidate = intersect(idom, preds[p], candidate);
      if (idom[v] != candidate) {
        idom[v] = candidate;
        changed = true;
      }
    }
  }
  g_free(start);
  g_free(preds);
  return idom;
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
  ccgc_pointer_map_init(&s.number, 0);
  s.order = g_array_new(FALSE, FALSE, sizeof(void *));
  s.parent = g_array_new(FALSE, FALSE, sizeof(guint));
  s.edges = g_array_new(FALSE, FALSE, sizeof(graph_edge));
  s.pending = g_array_new(FALSE, FALSE, sizeof(pending_ephemeron));
  ccgc_pointer_map_init(&s.waiting, 0);
  s.reached = g_array_new(FALSE, FALSE, sizeof(void *));
  g_queue_init(&s.queue);
  void *root = NULL;
  guint zero = 0;
  g_array_append_val(s.order, root);
  g_array_append_val(s.parent, zero);
  ccgc_collector_trace_all_roots(collector, &s.base);
  while (!g_queue_is_empty(&s.queue)) {
    s.current = g_queue_pop_head(&s.queue);
    ccgc_trace_one(collector, &s.objects, s.current, &s.base);
  }
  ccgc_status status = CCGC_E_INVALID_ARGUMENT; /* unreachable: garbage */
  guint target = number_of(&s, object);
  if (target) {
    guint *idom = dominators(&s);
    guint n = s.order->len;
    /* idom[v] < v: one pass from the last node up sums every subtree. */
    size_t *sum_bytes = g_new0(size_t, n), *sum_objects = g_new0(size_t, n);
    for (guint v = n - 1; v > 0; v--) {
      ccgc_object_info info;
      ccgc_collector_object_info(collector, g_array_index(s.order, void *, v), &info);
      sum_bytes[v] += info.size;
      sum_objects[v] += 1;
      sum_bytes[idom[v]] += sum_bytes[v];
      sum_objects[idom[v]] += sum_objects[v];
    }
    if (bytes) *bytes = sum_bytes[target];
    if (objects) *objects = sum_objects[target];
    g_free(sum_bytes);
    g_free(sum_objects);
    g_free(idom);
    status = CCGC_OK;
  }
  g_queue_clear(&s.queue);
  ccgc_pointer_map_destroy(&s.objects);
  ccgc_pointer_map_destroy(&s.number);
  g_array_free(s.order, TRUE);
  g_array_free(s.parent, TRUE);
  g_array_free(s.edges, TRUE);
  g_array_free(s.pending, TRUE);
  ccgc_pointer_map_destroy(&s.waiting);
  g_array_free(s.reached, TRUE);
  return status;
}
