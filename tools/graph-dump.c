/* graph-dump.c - Graphviz pictures of the cross-heap graph (graph-dump.h). */
#include "graph-dump.h"

#include <errno.h>
#include <glib.h>
#include <graphviz/cgraph.h>
#include <graphviz/gvc.h>
#include <stdio.h>
#include <string.h>

typedef struct snap_object {
  void *address;
  int heap_id;
  char *heap_name;
  char *type_name;
  size_t size;
  int color;
  bool reclaimed;
} snap_object;

typedef struct snap_edge {
  void *from, *to; /* from NULL: a root edge */
  ccgc_edge_kind kind;
  char *name;
  size_t index;
} snap_edge;

struct graph_snapshot {
  GArray *objects;     /* snap_object */
  GArray *edges;       /* snap_edge */
  GHashTable *index;   /* address -> 1 + object index */
};

static void on_object(const ccgc_object_info *info, void *data) {
  graph_snapshot *snapshot = data;
  snap_object object = {info->address, info->heap_id, g_strdup(info->heap_name),
                        g_strdup(info->type_name), info->size, info->color, false};
  g_array_append_val(snapshot->objects, object);
  g_hash_table_insert(snapshot->index, info->address,
                      GSIZE_TO_POINTER(snapshot->objects->len));
}

static void on_edge(void *from, void *to, ccgc_edge edge, void *data) {
  graph_snapshot *snapshot = data;
  snap_edge copy = {from, to, edge.kind, edge.name ? g_strdup(edge.name) : NULL,
                    edge.index};
  g_array_append_val(snapshot->edges, copy);
}

graph_snapshot *graph_snapshot_take(ccgc_collector *collector) {
  graph_snapshot *snapshot = g_new0(graph_snapshot, 1);
  snapshot->objects = g_array_new(FALSE, FALSE, sizeof(snap_object));
  snapshot->edges = g_array_new(FALSE, FALSE, sizeof(snap_edge));
  snapshot->index = g_hash_table_new(g_direct_hash, g_direct_equal);
  ccgc_walk_callbacks callbacks = {on_object, on_edge, snapshot};
  ccgc_collector_walk(collector, &callbacks);
  return snapshot;
}

void graph_snapshot_free(graph_snapshot *snapshot) {
  if (!snapshot) return;
  for (guint i = 0; i < snapshot->objects->len; i++) {
    snap_object *object = &g_array_index(snapshot->objects, snap_object, i);
    g_free(object->heap_name);
    g_free(object->type_name);
  }
  for (guint i = 0; i < snapshot->edges->len; i++)
    g_free(g_array_index(snapshot->edges, snap_edge, i).name);
  g_array_free(snapshot->objects, TRUE);
  g_array_free(snapshot->edges, TRUE);
  g_hash_table_destroy(snapshot->index);
  g_free(snapshot);
}

size_t graph_snapshot_object_count(const graph_snapshot *snapshot) {
  return snapshot->objects->len;
}

size_t graph_snapshot_mark_reclaimed(graph_snapshot *before,
                                     const graph_snapshot *after) {
  size_t count = 0;
  for (guint i = 0; i < before->objects->len; i++) {
    snap_object *object = &g_array_index(before->objects, snap_object, i);
    object->reclaimed = !g_hash_table_contains(after->index, object->address);
    count += object->reclaimed;
  }
  return count;
}

/* --- drawing ------------------------------------------------------------- */

static const char *const internal_types[] = {
    "MetaClass", "HiddenClass", "FixedArray", "String", "HeapNumber",
    "DoubleArray", "Filler", "HeapVector", "HeapVectorBacking", NULL};

static bool is_internal(const snap_object *object) {
  for (size_t i = 0; internal_types[i]; i++)
    if (!strcmp(object->type_name, internal_types[i])) return true;
  return false;
}

/* Graphviz 2.42 takes char *: one place casts. */
static void set_attr(void *object, const char *name, const char *value) {
  agsafeset(object, (char *)name, (char *)value, (char *)"");
}

typedef struct drawing {
  const graph_snapshot *snapshot;
  const graph_dump_options *options;
  Agraph_t *graph;
  Agraph_t *clusters[CCGC_MAX_HEAPS];
  Agnode_t **nodes;       /* per object, NULL when hidden */
  Agnode_t *roots[CCGC_MAX_HEAPS];
  GHashTable *out_edges;  /* from address -> GPtrArray of snap_edge* */
  GHashTable *bonds;      /* "from:to" of the two halves of a wrapper pair */
} drawing;

static const snap_object *object_at(const drawing *d, void *address,
                                    size_t *index) {
  size_t found = GPOINTER_TO_SIZE(g_hash_table_lookup(d->snapshot->index, address));
  if (!found) return NULL;
  *index = found - 1;
  return &g_array_index(d->snapshot->objects, snap_object, found - 1);
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

static const char *fill_for(const snap_object *object, bool colors) {
  if (object->reclaimed) return "#f4cccc";
  if (!colors) return "#ffffff";
  switch (object->color) {
  case 1: return "#bbbbbb"; /* grey */
  case 2: return "#555555"; /* black */
  default: return "#ffffff";
  }
}

static void add_nodes(drawing *d) {
  const GArray *objects = d->snapshot->objects;
  d->nodes = g_new0(Agnode_t *, objects->len + 1);
  for (guint i = 0; i < objects->len; i++) {
    const snap_object *object = &g_array_index(objects, snap_object, i);
    if (!d->options->show_internals && is_internal(object)) continue;
    char name[32], label[256];
    snprintf(name, sizeof name, "n%u", i);
    snprintf(label, sizeof label, "%s\\n%zu B%s", object->type_name, object->size,
             object->reclaimed ? "\\n(reclaimed)" : "");
    Agnode_t *node = agnode(cluster(d, object->heap_id, object->heap_name), name, 1);
    set_attr(node, "label", label);
    set_attr(node, "shape", "box");
    set_attr(node, "style", object->reclaimed ? "filled,dashed" : "filled");
    set_attr(node, "fillcolor", fill_for(object, d->options->show_colors));
    if (d->options->show_colors && object->color == 2 && !object->reclaimed)
      set_attr(node, "fontcolor", "#ffffff");
    d->nodes[i] = node;
  }
}

static void index_edges(drawing *d) {
  d->out_edges = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL,
                                       (GDestroyNotify)g_ptr_array_unref);
  d->bonds = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
  GHashTable *wrapper_edges = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
  for (guint i = 0; i < d->snapshot->edges->len; i++) {
    snap_edge *edge = &g_array_index(d->snapshot->edges, snap_edge, i);
    GPtrArray *list = g_hash_table_lookup(d->out_edges, edge->from);
    if (!list) {
      list = g_ptr_array_new();
      g_hash_table_insert(d->out_edges, edge->from, list);
    }
    g_ptr_array_add(list, edge);
    if (edge->kind == CCGC_EDGE_WRAPPER)
      g_hash_table_add(wrapper_edges, g_strdup_printf("%p:%p", edge->from, edge->to));
  }
  /* A bond: W -wrapper-> D and D -traced-> W. */
  for (guint i = 0; i < d->snapshot->edges->len; i++) {
    snap_edge *edge = &g_array_index(d->snapshot->edges, snap_edge, i);
    if (edge->kind != CCGC_EDGE_TRACED) continue;
    char *back = g_strdup_printf("%p:%p", edge->to, edge->from);
    if (g_hash_table_contains(wrapper_edges, back)) {
      g_hash_table_add(d->bonds, back);
      g_hash_table_add(d->bonds, g_strdup_printf("%p:%p", edge->from, edge->to));
    } else {
      g_free(back);
    }
  }
  g_hash_table_destroy(wrapper_edges);
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

static void draw_edge(drawing *d, Agnode_t *tail, Agnode_t *head,
                      const snap_edge *edge, bool collapsed) {
  if (!tail || !head) return;
  char key[64];
  snprintf(key, sizeof key, "%p:%p", edge->from, edge->to);
  bool bond = g_hash_table_contains(d->bonds, key);
  if (bond && edge->kind == CCGC_EDGE_TRACED) return; /* drawn once, from W */
  Agedge_t *drawn = agedge(d->graph, tail, head, NULL, 1);
  char label[128];
  if (bond) {
    set_attr(drawn, "dir", "both");
    set_attr(drawn, "color", "#75507b");
    set_attr(drawn, "penwidth", "3");
    set_attr(drawn, "label", "wrapper pair");
    set_attr(drawn, "class", "bond");
    return;
  }
  if (edge->kind == CCGC_EDGE_ELEMENT)
    snprintf(label, sizeof label, "[%zu]", edge->index);
  else
    snprintf(label, sizeof label, "%s", edge->name ? edge->name : ccgc_edge_kind_name(edge->kind));
  set_attr(drawn, "label", label);
  set_attr(drawn, "fontsize", "9");
  if (edge->kind == CCGC_EDGE_WEAK) set_attr(drawn, "style", "dashed");
  else if (edge->kind == CCGC_EDGE_EPHEMERON) set_attr(drawn, "style", "dotted");
  else if (collapsed) set_attr(drawn, "style", "solid");
  if (edge->kind == CCGC_EDGE_TRACED || edge->kind == CCGC_EDGE_WRAPPER)
    set_attr(drawn, "color", "#75507b");
}

/* Edges from a visible node (or a root) to visible nodes, looking through
 * hidden internals (hidden classes, backing stores) without drawing them. */
static void draw_from(drawing *d, void *from, Agnode_t *tail) {
  GHashTable *seen = g_hash_table_new(g_direct_hash, g_direct_equal);
  GPtrArray *stack = g_ptr_array_new();
  GPtrArray *first = g_ptr_array_new(); /* the first edge of each path */
  GPtrArray *direct = g_hash_table_lookup(d->out_edges, from);
  for (guint i = 0; direct && i < direct->len; i++) {
    g_ptr_array_add(stack, direct->pdata[i]);
    g_ptr_array_add(first, direct->pdata[i]);
  }
  while (stack->len) {
    snap_edge *edge = g_ptr_array_steal_index(stack, stack->len - 1);
    snap_edge *origin = g_ptr_array_steal_index(first, first->len - 1);
    size_t index;
    const snap_object *target = object_at(d, edge->to, &index);
    if (!target || g_hash_table_contains(seen, edge->to)) continue;
    g_hash_table_add(seen, edge->to);
    if (d->nodes[index]) {
      snap_edge shown = *origin;
      shown.to = edge->to;
      if (origin->kind == CCGC_EDGE_INTERNAL && edge->kind != CCGC_EDGE_INTERNAL)
        shown.kind = edge->kind, shown.name = edge->name, shown.index = edge->index;
      draw_edge(d, tail, d->nodes[index], &shown, origin != edge);
      continue;
    }
    if (edge->kind == CCGC_EDGE_WEAK) continue;
    GPtrArray *next = g_hash_table_lookup(d->out_edges, edge->to);
    for (guint i = 0; next && i < next->len; i++) {
      g_ptr_array_add(stack, next->pdata[i]);
      g_ptr_array_add(first, origin);
    }
  }
  g_ptr_array_free(stack, TRUE);
  g_ptr_array_free(first, TRUE);
  g_hash_table_destroy(seen);
}

int graph_dump_write(const graph_snapshot *snapshot,
                     const graph_dump_options *options, const char *dot_path,
                     const char *svg_path, char *error, size_t error_size) {
  drawing d;
  memset(&d, 0, sizeof d);
  d.snapshot = snapshot;
  d.options = options;
  /* The context first: it registers the layout plugins' record types, which
   * a graph opened before it would lack (Graphviz 2.42 double-frees then). */
  GVC_t *gvc = gvContext();
  d.graph = agopen((char *)"ccgc", Agdirected, NULL);
  set_attr(d.graph, "rankdir", "LR");
  set_attr(d.graph, "fontname", "Helvetica");
  char title[512];
  snprintf(title, sizeof title,
           "%s\\n%u objects; wrapper pairs bonded (purple), weak edges dashed, "
           "ephemerons dotted%s",
           options->title ? options->title : "ccgc heap graph",
           snapshot->objects->len,
           options->show_internals ? "" : "; hidden classes, strings and backing stores folded into edges");
  set_attr(d.graph, "label", title);
  add_nodes(&d);
  index_edges(&d);
  /* Roots: one node per heap, edges to what the roots hold. */
  GPtrArray *root_edges = g_hash_table_lookup(d.out_edges, NULL);
  for (guint i = 0; root_edges && i < root_edges->len; i++) {
    snap_edge *edge = root_edges->pdata[i];
    size_t index;
    const snap_object *target = object_at(&d, edge->to, &index);
    if (!target) continue;
    Agnode_t *roots = root_node(&d, target->heap_id, target->heap_name);
    if (d.nodes[index]) draw_edge(&d, roots, d.nodes[index], edge, false);
  }
  for (guint i = 0; i < snapshot->objects->len; i++)
    if (d.nodes[i])
      draw_from(&d, g_array_index(snapshot->objects, snap_object, i).address,
                d.nodes[i]);
  int result = 0;
  FILE *out = fopen(dot_path, "w");
  if (!out || agwrite(d.graph, out) != 0) {
    snprintf(error, error_size, "cannot write '%s': %s", dot_path, strerror(errno));
    result = -1;
  }
  if (out) fclose(out);
  agclose(d.graph);
  if (result == 0 && svg_path) {
    /* Lay out the graph as written, read back, as `dot` would. */
    FILE *in = fopen(dot_path, "r");
    Agraph_t *read_back = in ? agread(in, NULL) : NULL;
    if (in) fclose(in);
    if (!read_back || gvLayout(gvc, read_back, "dot") != 0 ||
        gvRenderFilename(gvc, read_back, "svg", (char *)svg_path) != 0) {
      snprintf(error, error_size, "Graphviz could not render '%s'", svg_path);
      result = -1;
    }
    /* No gvFreeLayout: in Graphviz 2.42 the dot layout double-frees there on
     * graphs with clusters and edge labels (seen under AddressSanitizer).
     * The `dot` command never calls it either; the layout's memory is left
     * to process exit (tests/lsan.supp names libgvplugin_). */
    (void)0;
  }
  gvFreeContext(gvc);
  g_free(d.nodes);
  g_hash_table_destroy(d.out_edges);
  g_hash_table_destroy(d.bonds);
  return result;
}
