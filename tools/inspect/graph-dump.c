/* graph-dump.c - Graphviz pictures of the cross-heap graph (graph-dump.h). */
#include "graph-dump.h"

#include <stdlib.h>

#include <errno.h>
#include <graphviz/cgraph.h>
#include <graphviz/gvc.h>
#include <stdio.h>
#include <string.h>

#include "graph-filter.h"
#include "graph-render.h"

/* The values of ccgc_object_info.color (ccgc_color). */
enum { COLOR_WHITE = 0, COLOR_GREY = 1, COLOR_BLACK = 2 };

#define PURPLE "#75507b"
#define RECLAIMED_FILL "#f4cccc"

/* COLLAPSED: kept by the filter but over the node budget, drawn as part of
 * a summary node. */
typedef enum visibility { SHOWN, FOLDED, OMITTED, COLLAPSED } visibility;

/* Script-heap internals. Hidden classes and leaf values are left out with
 * their edges (every object points at its hidden class: noise); backing
 * stores are folded into the references that lead through them, so that
 * node --listeners--> EventListener reads as the host wrote it. */
static const char *const omitted_types[] = {"MetaClass", "HiddenClass", "String",
                                            "HeapNumber", "Filler", NULL};
static const char *const folded_types[] = {"FixedArray", "DoubleArray", "HeapVector",
                                           "HeapVectorBacking", NULL};
/* References between siblings, left out of a picture cut by the budget: a
 * long sibling list drawn as a chain of ranks, with every child's parentNode
 * edge across them, took Graphviz minutes to lay out (and flat edges, which
 * would avoid the ranks, make 2.42 fail in init_rank with clusters). */
static const char *const lateral_names[] = {"nextSibling", "previousSibling", NULL};

static bool listed(const char *name, const char *const *list) {
  for (size_t i = 0; list[i]; i++)
    if (!strcmp(name, list[i])) return true;
  return false;
}

/* Graphviz 2.42 takes char *: the one place that casts. */
static void set_attr(void *object, const char *name, const char *value) {
  agsafeset(object, (char *)name, (char *)value, (char *)"");
}

/* Plain references between two nodes, drawn as one edge from the node made
 * first (the walk's heap order: a parent before its children) so that the
 * DOM tree reads downwards: its names of the other node, and the other's
 * names of it (then the edge has two heads). */
typedef struct merged_edge {
  Agnode_t *first, *second;
  GString *forward;  /* first -> second */
  GString *backward; /* second -> first */
} merged_edge;

static void merged_edge_free(void *data) {
  merged_edge *merged = data;
  g_string_free(merged->forward, TRUE);
  g_string_free(merged->backward, TRUE);
  g_free(merged);
}

typedef struct drawing {
  const graph_snapshot *snapshot;
  const graph_dump_options *options;
  bool colors; /* the snapshot has non-white objects and colors are wanted */
  Agraph_t *graph;
  Agraph_t *clusters[CCGC_MAX_HEAPS];
  Agnode_t *roots[CCGC_MAX_HEAPS];
  Agnode_t **nodes;          /* per object: its node when SHOWN */
  visibility *visibility;    /* per object */
  GHashTable *out_edges;     /* from (NULL: roots) -> GPtrArray of snap_edge* */
  GHashTable *wrapper_edges; /* "W:D" of every wrapper edge */
  GHashTable *traced_edges;  /* "D:W" of every traced edge */
  GHashTable *merged;        /* "first:second" -> merged_edge* */
  GPtrArray *merged_order;   /* the merged edges in order, owning them */
  guint *summary_of;         /* per COLLAPSED object: its summary node's index */
  GPtrArray *summaries;      /* Agnode_t* of the summary nodes */
  GHashTable *summary_keys;  /* "heap/type" -> 1 + index in summaries */
  GArray *summary_counts;    /* size_t per summary node */
  GHashTable *summary_edges; /* "tail:summary" drawn already */
  bool *targets;             /* per object: a filter target, highlighted */
  graph_dump_result result;
} drawing;

static char *pair_key(const void *a, const void *b) {
  return g_strdup_printf("%p:%p", a, b);
}

static bool has_pair(GHashTable *set, const void *a, const void *b) {
  char *key = pair_key(a, b);
  bool found = g_hash_table_contains(set, key);
  g_free(key);
  return found;
}

static Agraph_t *cluster(drawing *d, int heap_id, const char *heap_name) {
  if (d->clusters[heap_id]) return d->clusters[heap_id];
  char name[64], label[96];
  snprintf(name, sizeof name, "cluster_%s", heap_name);
  snprintf(label, sizeof label, "%s heap", heap_name);
  Agraph_t *sub = agsubg(d->graph, name, 1);
  set_attr(sub, "label", label);
  set_attr(sub, "style", "rounded");
  set_attr(sub, "color", heap_id == 0 ? "#3465a4" : "#4e9a06");
  d->clusters[heap_id] = sub;
  return sub;
}

/* Text from the page (ids, tag and property names) in a label: Graphviz
 * reads a backslash as an escape (\N the node's name, \l a line break), so
 * each is doubled. Free with g_free. */
static char *label_text(const char *text) {
  GString *escaped = g_string_new(NULL);
  for (const char *c = text ? text : ""; *c; c++) {
    if (*c == '\\') g_string_append_c(escaped, '\\');
    g_string_append_c(escaped, *c);
  }
  return g_string_free(escaped, FALSE);
}

/* Light fills, so that labels stay readable on every color. */
static const char *fill_for(const drawing *d, const snap_object *object) {
  if (object->reclaimed_in) return RECLAIMED_FILL;
  if (!d->colors) return "#ffffff";
  switch (object->color) {
  case COLOR_GREY: return "#e0e0e0";
  case COLOR_BLACK: return "#b8b8b8";
  default: return "#ffffff";
  }
}

static visibility base_visibility(const drawing *d, const snap_object *object) {
  if (d->options->show_internals) return SHOWN;
  return listed(object->type_name, omitted_types)  ? OMITTED
         : listed(object->type_name, folded_types) ? FOLDED
                                                   : SHOWN;
}

/* Everything left out by the filter is OMITTED; the kept objects past the
 * node budget, in the filter's order, are COLLAPSED. */
static int choose(drawing *d, char *error, size_t error_size) {
  const GArray *objects = d->snapshot->objects;
  d->visibility = g_new0(visibility, objects->len + 1);
  bool *folded = g_new0(bool, objects->len + 1);
  for (guint i = 0; i < objects->len; i++) {
    d->visibility[i] = OMITTED;
    folded[i] = base_visibility(d, &g_array_index(objects, snap_object, i)) == FOLDED;
  }
  GArray *order = graph_filter_select(d->snapshot, d->options, folded, error, error_size);
  g_free(folded);
  if (!order) return -1;
  size_t drawn = 0, collapsed = 0;
  for (guint k = 0; k < order->len; k++) {
    guint i = g_array_index(order, guint, k);
    visibility shown = base_visibility(d, &g_array_index(objects, snap_object, i));
    if (shown == SHOWN && d->options->max_nodes && drawn >= d->options->max_nodes)
      shown = COLLAPSED;
    drawn += shown == SHOWN;
    collapsed += shown == COLLAPSED;
    d->visibility[i] = shown;
    d->result.selected += shown != OMITTED;
  }
  g_array_free(order, TRUE);
  d->result.drawn = drawn;
  /* Folded objects (strings, numbers, classes, backing stores without
   * --all) are no nodes: a filter that keeps only those (a focus on a
   * string) would draw an empty picture. */
  if (drawn == 0 && collapsed == 0) {
    snprintf(error, error_size, "the filter matches no object that is drawn");
    return -1;
  }
  d->targets = g_new0(bool, objects->len + 1);
  for (size_t t = 0; d->options->filter != GRAPH_DUMP_ALL && t < d->options->target_count;
       t++) {
    size_t at;
    if (d->options->targets && graph_snapshot_find(d->snapshot, d->options->targets[t], &at))
      d->targets[at] = true;
  }
  return 0;
}

/* One node per heap, type and reclaiming collection for the objects over
 * the budget: what was reclaimed stays red in summary too. */
static void add_summaries(drawing *d) {
  const GArray *objects = d->snapshot->objects;
  d->summary_of = g_new0(guint, objects->len + 1);
  for (guint i = 0; i < objects->len; i++) {
    if (d->visibility[i] != COLLAPSED) continue;
    const snap_object *object = &g_array_index(objects, snap_object, i);
    char *key = g_strdup_printf("%s/%s/%u", object->heap_name, object->type_name,
                                object->reclaimed_in);
    guint at = GPOINTER_TO_UINT(g_hash_table_lookup(d->summary_keys, key));
    if (!at) {
      char name[48];
      snprintf(name, sizeof name, "summary%u", d->summaries->len);
      Agnode_t *node = agnode(cluster(d, object->heap_id, object->heap_name), name, 1);
      set_attr(node, "shape", "folder");
      set_attr(node, "style", "filled,dashed");
      set_attr(node, "fillcolor", object->reclaimed_in ? RECLAIMED_FILL : "#eeeeec");
      set_attr(node, "color", object->reclaimed_in ? "#cc0000" : "black");
      set_attr(node, "class", "summary");
      g_ptr_array_add(d->summaries, node);
      size_t zero = 0;
      g_array_append_val(d->summary_counts, zero);
      at = d->summaries->len;
      g_hash_table_insert(d->summary_keys, key, GUINT_TO_POINTER(at));
    } else {
      g_free(key);
    }
    d->summary_of[i] = at - 1;
    g_array_index(d->summary_counts, size_t, at - 1)++;
    d->result.collapsed++;
  }
  for (guint s = 0; s < d->summaries->len; s++) {
    const snap_object *any = NULL;
    for (guint i = 0; i < objects->len && !any; i++)
      if (d->visibility[i] == COLLAPSED && d->summary_of[i] == s)
        any = &g_array_index(objects, snap_object, i);
    char reclaimed[48] = "";
    if (any->reclaimed_in) snprintf(reclaimed, 48, "\\n(reclaimed in GC %u)", any->reclaimed_in);
    /* Not cut to a buffer: a cut could split an escaped backslash. */
    char *type = label_text(any->type_name);
    char *label = g_strdup_printf("+%zu more %s%s", g_array_index(d->summary_counts, size_t, s),
                                  type, reclaimed);
    g_free(type);
    set_attr(d->summaries->pdata[s], "label", label);
    g_free(label);
  }
  d->result.summary_nodes = d->summaries->len;
}

static void add_nodes(drawing *d) {
  const GArray *objects = d->snapshot->objects;
  d->nodes = g_new0(Agnode_t *, objects->len + 1);
  for (guint i = 0; i < objects->len; i++) {
    const snap_object *object = &g_array_index(objects, snap_object, i);
    if (d->visibility[i] != SHOWN) continue;
    char name[32], reclaimed[48] = "";
    snprintf(name, sizeof name, "n%u", i);
    if (object->reclaimed_in)
      snprintf(reclaimed, sizeof reclaimed, "\\n(reclaimed in GC %u)", object->reclaimed_in);
    char *type = label_text(object->type_name), *note = label_text(object->note);
    char *label = g_strdup_printf("%s%s%s\\n@%u, %zu B%s", type, object->note ? " " : "",
                                  note, i, object->size, reclaimed);
    g_free(type);
    g_free(note);
    Agnode_t *node = agnode(cluster(d, object->heap_id, object->heap_name), name, 1);
    set_attr(node, "label", label);
    g_free(label);
    set_attr(node, "shape", "box");
    set_attr(node, "style", object->reclaimed_in ? "filled,dashed" : "filled");
    set_attr(node, "fillcolor", fill_for(d, object));
    if (object->reclaimed_in) set_attr(node, "color", "#cc0000");
    if (d->targets[i]) {
      set_attr(node, "color", "#f57900");
      set_attr(node, "penwidth", "3");
      set_attr(node, "class", "target");
    }
    d->nodes[i] = node;
  }
}

static void index_edges(drawing *d) {
  d->out_edges = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL,
                                       (GDestroyNotify)g_ptr_array_unref);
  d->wrapper_edges = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
  d->traced_edges = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
  for (guint i = 0; i < d->snapshot->edges->len; i++) {
    snap_edge *edge = &g_array_index(d->snapshot->edges, snap_edge, i);
    GPtrArray *list = g_hash_table_lookup(d->out_edges, edge->from);
    if (!list) {
      list = g_ptr_array_new();
      g_hash_table_insert(d->out_edges, edge->from, list);
    }
    g_ptr_array_add(list, edge);
    if (edge->kind == CCGC_EDGE_WRAPPER)
      g_hash_table_add(d->wrapper_edges, pair_key(edge->from, edge->to));
    else if (edge->kind == CCGC_EDGE_TRACED)
      g_hash_table_add(d->traced_edges, pair_key(edge->from, edge->to));
  }
}

static Agnode_t *root_node(drawing *d, int heap_id, const char *heap_name) {
  if (d->roots[heap_id]) return d->roots[heap_id];
  char name[64], label[64];
  snprintf(name, sizeof name, "roots_%s", heap_name);
  snprintf(label, sizeof label, "%s roots", heap_name);
  Agnode_t *node = agnode(cluster(d, heap_id, heap_name), name, 1);
  set_attr(node, "label", label);
  set_attr(node, "shape", "doubleoctagon");
  set_attr(node, "style", "filled");
  set_attr(node, "fillcolor", "#fce94f");
  d->roots[heap_id] = node;
  return node;
}

static void add_name(GString *names, const char *name) {
  char *token = g_strdup_printf(", %s, ", name);
  char *all = g_strdup_printf(", %s, ", names->str);
  if (!strstr(all, token)) {
    if (names->len) g_string_append(names, ", ");
    g_string_append(names, name);
  }
  g_free(token);
  g_free(all);
}

static void merge_plain(drawing *d, Agnode_t *tail, Agnode_t *head,
                        const char *name) {
  bool forward = AGSEQ(tail) <= AGSEQ(head);
  Agnode_t *first = forward ? tail : head, *second = forward ? head : tail;
  char *key = pair_key(first, second);
  merged_edge *merged = g_hash_table_lookup(d->merged, key);
  if (!merged) {
    merged = g_new0(merged_edge, 1);
    merged->first = first;
    merged->second = second;
    merged->forward = g_string_new(NULL);
    merged->backward = g_string_new(NULL);
    g_hash_table_insert(d->merged, key, merged);
    g_ptr_array_add(d->merged_order, merged);
  } else {
    g_free(key);
  }
  add_name(forward ? merged->forward : merged->backward, name);
}

static void finish_merged(drawing *d) {
  /* In the order they were met: the same graph gives the same layout. */
  for (guint i = 0; i < d->merged_order->len; i++) {
    merged_edge *merged = d->merged_order->pdata[i];
    bool both = merged->forward->len && merged->backward->len;
    Agedge_t *edge = merged->forward->len
                         ? agedge(d->graph, merged->first, merged->second, NULL, 1)
                         : agedge(d->graph, merged->second, merged->first, NULL, 1);
    set_attr(edge, "fontsize", "9");
    if (!both) {
      set_attr(edge, "label", merged->forward->len ? merged->forward->str
                                                   : merged->backward->str);
      continue;
    }
    char *label = g_strdup_printf("%s / %s", merged->forward->str, merged->backward->str);
    set_attr(edge, "label", label);
    set_attr(edge, "dir", "both");
    g_free(label);
  }
}

/* One reference from tail to head: `first` leaves tail's object, `last`
 * reaches head's (the same edge unless it was folded through a backing
 * store). */
static void draw_reference(drawing *d, Agnode_t *tail, Agnode_t *head,
                           const snap_edge *first, const snap_edge *last) {
  if (first == last && first->kind == CCGC_EDGE_TRACED &&
      has_pair(d->wrapper_edges, first->to, first->from))
    return; /* the DOM half of a wrapper pair: drawn with the wrapper's */
  if (first == last && first->kind == CCGC_EDGE_WRAPPER &&
      has_pair(d->traced_edges, first->to, first->from)) {
    Agedge_t *bond = agedge(d->graph, tail, head, NULL, 1);
    set_attr(bond, "dir", "both");
    set_attr(bond, "color", PURPLE);
    set_attr(bond, "penwidth", "3");
    set_attr(bond, "label", "wrapper pair");
    set_attr(bond, "fontcolor", PURPLE);
    set_attr(bond, "class", "bond");
    return;
  }
  /* A folded path is named by its first edge, unless that is the object's
   * pointer to its own backing store ("elements", "properties"). */
  const snap_edge *named =
      first->kind == CCGC_EDGE_INTERNAL && last->kind != CCGC_EDGE_INTERNAL ? last : first;
  char *label = named->kind == CCGC_EDGE_ELEMENT
                    ? g_strdup_printf("[%zu]", named->index)
                    : label_text(named->name ? named->name : ccgc_edge_kind_name(named->kind));
  bool weak = first->kind == CCGC_EDGE_WEAK || last->kind == CCGC_EDGE_WEAK;
  bool ephemeron = first->kind == CCGC_EDGE_EPHEMERON || last->kind == CCGC_EDGE_EPHEMERON;
  bool cross = first->kind == CCGC_EDGE_TRACED || first->kind == CCGC_EDGE_WRAPPER;
  if (!weak && !ephemeron && !cross) {
    merge_plain(d, tail, head, label);
    g_free(label);
    return;
  }
  Agedge_t *edge = agedge(d->graph, tail, head, NULL, 1);
  set_attr(edge, "label", label);
  g_free(label);
  set_attr(edge, "fontsize", "9");
  if (weak) set_attr(edge, "style", "dashed");
  else if (ephemeron) set_attr(edge, "style", "dotted");
  if (cross) {
    set_attr(edge, "color", PURPLE);
    set_attr(edge, "fontcolor", PURPLE);
  }
}

/* One grey edge from a drawn node to a summary node, however many of the
 * summarised objects it references. */
static void draw_to_summary(drawing *d, Agnode_t *tail, size_t index) {
  Agnode_t *summary = d->summaries->pdata[d->summary_of[index]];
  char *key = pair_key(tail, summary);
  if (g_hash_table_contains(d->summary_edges, key)) {
    g_free(key);
    return;
  }
  g_hash_table_add(d->summary_edges, key);
  Agedge_t *edge = agedge(d->graph, tail, summary, NULL, 1);
  set_attr(edge, "color", "#888a85");
  set_attr(edge, "style", "dashed");
}

static void push_out_edges(drawing *d, GPtrArray *stack, void *from) {
  GPtrArray *edges = g_hash_table_lookup(d->out_edges, from);
  for (guint i = 0; edges && i < edges->len; i++) g_ptr_array_add(stack, edges->pdata[i]);
}

/* Draws the reference `first` from tail: to its target if shown, or through
 * a folded backing store to every shown object it leads to; not a sibling
 * reference in a picture cut by the budget. */
static void follow(drawing *d, Agnode_t *tail, const snap_edge *first) {
  size_t index;
  if (d->result.summary_nodes && first->name && listed(first->name, lateral_names)) return;
  if (!graph_snapshot_find(d->snapshot, first->to, &index)) return;
  if (d->visibility[index] == SHOWN) {
    draw_reference(d, tail, d->nodes[index], first, first);
    return;
  }
  if (d->visibility[index] == COLLAPSED) {
    draw_to_summary(d, tail, index);
    return;
  }
  if (d->visibility[index] == OMITTED || first->kind == CCGC_EDGE_WEAK) return;
  GHashTable *seen = g_hash_table_new(g_direct_hash, g_direct_equal);
  GPtrArray *stack = g_ptr_array_new();
  g_hash_table_add(seen, first->to);
  push_out_edges(d, stack, first->to);
  while (stack->len) {
    const snap_edge *edge = g_ptr_array_steal_index(stack, stack->len - 1);
    if (!graph_snapshot_find(d->snapshot, edge->to, &index) ||
        g_hash_table_contains(seen, edge->to))
      continue;
    g_hash_table_add(seen, edge->to);
    if (d->visibility[index] == SHOWN)
      draw_reference(d, tail, d->nodes[index], first, edge);
    else if (d->visibility[index] == COLLAPSED)
      draw_to_summary(d, tail, index);
    else if (d->visibility[index] == FOLDED && edge->kind != CCGC_EDGE_WEAK)
      push_out_edges(d, stack, edge->to);
  }
  g_ptr_array_free(stack, TRUE);
  g_hash_table_destroy(seen);
}

static void draw_edges(drawing *d) {
  /* Roots: one node per heap, named by the heap of what they hold. */
  GPtrArray *root_edges = g_hash_table_lookup(d->out_edges, NULL);
  for (guint i = 0; root_edges && i < root_edges->len; i++) {
    const snap_edge *edge = root_edges->pdata[i];
    size_t index;
    const snap_object *target = graph_snapshot_find(d->snapshot, edge->to, &index);
    /* no roots node for roots the filter left out */
    if (target && d->visibility[index] != OMITTED)
      follow(d, root_node(d, target->heap_id, target->heap_name), edge);
  }
  for (guint i = 0; i < d->snapshot->objects->len; i++) {
    if (!d->nodes[i]) continue;
    GPtrArray *edges = g_hash_table_lookup(
        d->out_edges, g_array_index(d->snapshot->objects, snap_object, i).address);
    for (guint e = 0; edges && e < edges->len; e++) follow(d, d->nodes[i], edges->pdata[e]);
  }
  finish_merged(d);
}

static void set_legend(drawing *d) {
  GString *label = g_string_new(d->options->title ? d->options->title : "ccgc heap graph");
  g_string_append_printf(label, "\\n%u objects:", d->snapshot->objects->len);
  for (int heap = 0; heap < CCGC_MAX_HEAPS; heap++) {
    size_t count = graph_snapshot_heap_objects(d->snapshot, heap);
    if (!count) continue;
    const snap_object *any = NULL;
    for (guint i = 0; i < d->snapshot->objects->len && !any; i++)
      if (g_array_index(d->snapshot->objects, snap_object, i).heap_id == heap)
        any = &g_array_index(d->snapshot->objects, snap_object, i);
    g_string_append_printf(label, " %s heap %zu", any->heap_name, count);
  }
  g_string_append(label,
                  "\\nbold purple two-headed edge: a wrapper pair; purple: other "
                  "references between the heaps; dashed: weak; dotted: ephemeron"
                  "\\nthin two-headed edge: a reference each way, labelled "
                  "'tail's field / head's field'; red dashed box: reclaimed");
  if (d->colors)
    g_string_append(label, "\\nfill: mark color (white, grey: light grey, black: darker grey)");
  static const char *const filters[] = {NULL, "focus on the orange object", "retaining paths of the orange objects", "detached DOM nodes and what they reach"};
  if (d->options->filter != GRAPH_DUMP_ALL)
    g_string_append_printf(label, "\\nfilter: %s: %zu of %u objects drawn",
                           filters[d->options->filter], d->result.drawn,
                           d->snapshot->objects->len);
  if (d->result.summary_nodes)
    g_string_append_printf(label, "; node budget %zu: %zu objects in %zu summary nodes, "
                           "sibling references not drawn", d->options->max_nodes,
                           d->result.collapsed, d->result.summary_nodes);
  if (!d->options->show_internals)
    g_string_append(label, "\\nhidden classes, strings and numbers omitted; backing "
                           "stores folded into edges (ccgc demo --all shows them)");
  set_attr(d->graph, "label", label->str);
  g_string_free(label, TRUE);
}

static bool any_colored(const graph_snapshot *snapshot) {
  for (guint i = 0; i < snapshot->objects->len; i++)
    if (g_array_index(snapshot->objects, snap_object, i).color != COLOR_WHITE) return true;
  return false;
}

static void drawing_destroy(drawing *d) {
  g_free(d->nodes);
  g_free(d->visibility);
  g_free(d->targets);
  g_free(d->summary_of);
  if (d->out_edges) g_hash_table_destroy(d->out_edges);
  if (d->wrapper_edges) g_hash_table_destroy(d->wrapper_edges);
  if (d->traced_edges) g_hash_table_destroy(d->traced_edges);
  g_hash_table_destroy(d->merged);
  g_ptr_array_free(d->merged_order, TRUE);
  g_ptr_array_free(d->summaries, TRUE);
  g_hash_table_destroy(d->summary_keys);
  g_array_free(d->summary_counts, TRUE);
  g_hash_table_destroy(d->summary_edges);
}

int graph_dump_write(const graph_snapshot *snapshot,
                     const graph_dump_options *options, const char *dot_path,
                     const char *svg_path, char *error, size_t error_size) {
  drawing d;
  memset(&d, 0, sizeof d);
  d.snapshot = snapshot;
  d.options = options;
  d.colors = options->show_colors && any_colored(snapshot);
  d.merged = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
  d.merged_order = g_ptr_array_new_with_free_func(merged_edge_free);
  d.summaries = g_ptr_array_new();
  d.summary_keys = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
  d.summary_counts = g_array_new(FALSE, FALSE, sizeof(size_t));
  d.summary_edges = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
  if (choose(&d, error, error_size) != 0) {
    drawing_destroy(&d);
    return -1;
  }
  /* The context first: it registers the layout plugins' record types, which
   * a graph opened before it would lack (Graphviz 2.42 double-frees then). */
  GVC_t *gvc = gvContext();
  agseterr(AGERR); /* errors only: 2.42's spline router warns on sound big pictures */
  d.graph = agopen((char *)"ccgc", Agdirected, NULL);
  set_attr(d.graph, "rankdir", "TB");
  set_attr(d.graph, "fontname", "Helvetica");
  add_nodes(&d);
  add_summaries(&d);
  set_legend(&d);
  index_edges(&d);
  draw_edges(&d);
  /* The DOT text in memory first: written to dot_path, and parsed from
   * memory for the layout (graph-render.c), never read back. */
  char *text = NULL;
  size_t length = 0;
  FILE *memory = open_memstream(&text, &length);
  bool written = memory && agwrite(d.graph, memory) == 0;
  if (memory && fclose(memory) != 0) written = false;
  agclose(d.graph);
  int result = -1;
  if (!written) {
    snprintf(error, error_size, "cannot write '%s': out of memory", dot_path);
  } else {
    FILE *out = fopen(dot_path, "w");
    result = graph_render_close_output(out, out && fwrite(text, 1, length, out) == length, dot_path,
                          error, error_size);
  }
  if (result == 0 && (svg_path || options->png_path))
    result = graph_render_pictures(gvc, text, dot_path, svg_path, options->png_path, error, error_size);
  free(text);
  gvFreeContext(gvc);
  if (options->result) *options->result = d.result;
  drawing_destroy(&d);
  return result;
}
