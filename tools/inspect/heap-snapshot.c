/* heap-snapshot.c - Chrome DevTools heap snapshots of every heap of a
 * collector (ccgc-snapshot.h): the public write calls and the JSON. The
 * graph is copied and numbered by heap-snapshot-graph.c; here edges are
 * grouped by node (a counting sort) and the JSON is written through a
 * GString flushed to the FILE, which stops at the first failed write. The
 * id table is in heap-snapshot-ids.c, the file that is written completely
 * or not at all in heap-snapshot-file.c. */
#include "heap-snapshot.h"

#include <string.h>

#include "heap-snapshot-graph.h"
#include "heap-snapshot-file.h"
#include "heap-snapshot-ids.h"
#include "inspect-internal.h"
#include "json-writer.h"

/* --- JSON ---------------------------------------------------------------------- */

/* The strings table's text: C strings, a NUL byte of a script string as
 * C0 80 (heap-snapshot-names.c). */
void ccgc_heap_snapshot_append_json_string(GString *json, const char *text) {
  ccgc_json_writer_escape_mutf8(json, text);
}

/* --- writing ------------------------------------------------------------------------ */

#define NODE_FIELDS 7 /* type, name, id, self_size, edge_count, trace_node_id, detachedness */

typedef struct writer {
  FILE *out;
  GString *buffer;
  size_t bytes;
  bool failed;
  bool first; /* no separator before the next node or edge */
} writer;

static void flush(writer *w, size_t threshold) {
  if (w->buffer->len < threshold || w->failed) return;
  if (fwrite(w->buffer->str, 1, w->buffer->len, w->out) != w->buffer->len) w->failed = true;
  else w->bytes += w->buffer->len;
  g_string_truncate(w->buffer, 0);
}

static const char meta[] =
    "{\"snapshot\":{\"meta\":{"
    "\"node_fields\":[\"type\",\"name\",\"id\",\"self_size\",\"edge_count\","
    "\"trace_node_id\",\"detachedness\"],"
    "\"node_types\":[[\"hidden\",\"array\",\"string\",\"object\",\"code\",\"closure\","
    "\"regexp\",\"number\",\"native\",\"synthetic\",\"concatenated string\","
    "\"sliced string\",\"symbol\",\"bigint\",\"object shape\"],"
    "\"string\",\"number\",\"number\",\"number\",\"number\",\"number\"],"
    "\"edge_fields\":[\"type\",\"name_or_index\",\"to_node\"],"
    "\"edge_types\":[[\"context\",\"element\",\"property\",\"internal\",\"hidden\","
    "\"shortcut\",\"weak\"],\"string_or_number\",\"node\"],"
    "\"trace_function_info_fields\":[\"function_id\",\"name\",\"script_name\","
    "\"script_id\",\"line\",\"column\"],"
    "\"trace_node_fields\":[\"id\",\"function_info_index\",\"count\",\"size\",\"children\"],"
    "\"sample_fields\":[\"timestamp_us\",\"last_assigned_id\"],"
    "\"location_fields\":[\"object_index\",\"script_id\",\"line\",\"column\"]},";

static uint32_t clamp32(size_t value) {
  return value > UINT32_MAX ? UINT32_MAX : (uint32_t)value;
}

static void write_node(writer *w, unsigned type, uint32_t name, uint32_t id, size_t size,
                       uint32_t edges, unsigned detachedness) {
  g_string_append_printf(w->buffer, "%s%u,%u,%u,%u,%u,0,%u", w->first ? "" : "\n,", type,
                         name, id, clamp32(size), edges, detachedness);
  w->first = false;
  flush(w, 1 << 20);
}

static void write_edge(writer *w, unsigned type, uint32_t name_or_index, uint32_t to_node) {
  g_string_append_printf(w->buffer, "%s%u,%u,%u", w->first ? "" : "\n,", type, name_or_index,
                         to_node * NODE_FIELDS);
  w->first = false;
  flush(w, 1 << 20);
}

static unsigned edge_type_of(uint8_t kind) {
  switch (kind) {
  case CCGC_EDGE_FIELD:
  case CCGC_EDGE_PROPERTY:
  case CCGC_EDGE_TRACED: return SNAPSHOT_EDGE_PROPERTY;
  case CCGC_EDGE_ELEMENT: return SNAPSHOT_EDGE_ELEMENT;
  case CCGC_EDGE_WEAK: return SNAPSHOT_EDGE_WEAK;
  default: return SNAPSHOT_EDGE_INTERNAL; /* internal, an unpaired wrapper, ephemeron */
  }
}

/* V8's name of an auto-indexed named edge ("1", "2"...): a string. */
static uint32_t index_name(snapshot_graph *graph, uint32_t index) {
  char text[16];
  snprintf(text, sizeof text, "%u", index);
  return ccgc_snapshot_graph_intern(graph, text);
}

/* V8's name for a WeakMap entry, which memlab parses for the key's id. */
static uint32_t ephemeron_name(snapshot_graph *graph, const snapshot_edge *e) {
  const snapshot_object *objects = (const snapshot_object *)graph->objects->data;
  const snapshot_object *key = ccgc_snapshot_graph_node_object(graph, &objects[e->key]);
  const snapshot_object *value = ccgc_snapshot_graph_node_object(graph, &objects[e->to]);
  const snapshot_object *table = ccgc_snapshot_graph_node_object(graph, &objects[e->from]);
  char *name = g_strdup_printf(
      "part of key (%s @%u) -> value (%s @%u) pair in WeakMap (table @%u)",
      (const char *)graph->string_list->pdata[key->name], key->id,
      (const char *)graph->string_list->pdata[value->name], value->id, table->id);
  uint32_t index = ccgc_snapshot_graph_intern_raw(graph, name); /* parts interned */
  g_free(name);
  return index;
}

/* The walk's edges grouped by source node, in walk order (a counting sort):
 * a root edge belongs to its group's node. The edge between the two halves
 * of a merged pair (the first one each way) is left out. */
typedef struct edge_order {
  uint32_t *count; /* per node: walk edges kept */
  uint32_t *order; /* edge indexes, by source node */
  uint32_t kept;
} edge_order;

static uint32_t source_node(const snapshot_graph *graph, const snapshot_edge *e) {
  if (e->from == SNAPSHOT_NO_INDEX) return SNAPSHOT_FIRST_GROUP_NODE + e->name;
  return g_array_index(graph->objects, snapshot_object, e->from).node;
}

static bool is_pair_edge(snapshot_graph *graph, const snapshot_edge *e) {
  if (e->from == SNAPSHOT_NO_INDEX) return false;
  snapshot_object *source = &g_array_index(graph->objects, snapshot_object, e->from);
  if (source->partner != e->to || source->pair_edge_dropped) return false;
  if (e->kind != (source->script ? CCGC_EDGE_WRAPPER : CCGC_EDGE_TRACED)) return false;
  source->pair_edge_dropped = true;
  return true;
}

static void order_edges(snapshot_graph *graph, edge_order *order) {
  guint total = graph->edges->len;
  order->count = g_new0(uint32_t, graph->node_count + 1);
  order->order = g_new0(uint32_t, total + 1);
  bool *dropped = g_new0(bool, total + 1);
  order->kept = 0;
  for (guint i = 0; i < total; i++) {
    const snapshot_edge *e = &g_array_index(graph->edges, snapshot_edge, i);
    if (is_pair_edge(graph, e)) {
      dropped[i] = true;
      continue;
    }
    if (e->from == SNAPSHOT_NO_INDEX) g_array_index(graph->groups, snapshot_group, e->name).edges++;
    order->count[source_node(graph, e)]++;
    order->kept++;
  }
  uint32_t *fill = g_new0(uint32_t, graph->node_count + 1);
  for (uint32_t n = 0, sum = 0; n < graph->node_count; n++) {
    fill[n] = sum;
    sum += order->count[n];
  }
  for (guint i = 0; i < total; i++)
    if (!dropped[i])
      order->order[fill[source_node(graph, &g_array_index(graph->edges, snapshot_edge, i))]++] = i;
  g_free(fill);
  g_free(dropped);
}

static void write_nodes(snapshot_graph *graph, writer *w, const edge_order *order) {
  uint32_t root_edges = 1 + graph->user_roots->len + graph->embedder_groups;
  write_node(w, SNAPSHOT_NODE_SYNTHETIC, 0, HEAP_SNAPSHOT_ROOT_ID, 0, root_edges, 0);
  write_node(w, SNAPSHOT_NODE_SYNTHETIC, ccgc_snapshot_graph_intern(graph, "(GC roots)"),
             HEAP_SNAPSHOT_GC_ROOTS_ID, 0, graph->subroot_groups, 0);
  for (guint g = 0; g < graph->groups->len; g++) {
    const snapshot_group *group = &g_array_index(graph->groups, snapshot_group, g);
    write_node(w, SNAPSHOT_NODE_SYNTHETIC, group->name, group->id, 0, group->edges, 0);
  }
  for (guint i = 0; i < graph->objects->len; i++) {
    const snapshot_object *o = &g_array_index(graph->objects, snapshot_object, i);
    if (o->script && o->partner != SNAPSHOT_NO_INDEX) continue;
    size_t size = o->size;
    if (o->partner != SNAPSHOT_NO_INDEX)
      size += g_array_index(graph->objects, snapshot_object, o->partner).size;
    write_node(w, o->type, o->name, o->id, size, order->count[o->node], o->detachedness);
  }
}

/* The root's edges, as V8 orders them: "(GC roots)", the user roots'
 * shortcuts, the embedder's root nodes; then "(GC roots)"' subroots. Each
 * is auto-indexed by its place among its node's edges. */
static void write_synthetic_edges(snapshot_graph *graph, writer *w) {
  uint32_t index = 1;
  write_edge(w, SNAPSHOT_EDGE_ELEMENT, index++, SNAPSHOT_GC_ROOTS_NODE);
  for (guint u = 0; u < graph->user_roots->len; u++, index++)
    write_edge(w, SNAPSHOT_EDGE_SHORTCUT, index_name(graph, index),
               g_array_index(graph->user_roots, uint32_t, u));
  for (guint g = 0; g < graph->groups->len; g++)
    if (g_array_index(graph->groups, snapshot_group, g).embedder)
      write_edge(w, SNAPSHOT_EDGE_ELEMENT, index++, SNAPSHOT_FIRST_GROUP_NODE + g);
  index = 1;
  for (guint g = 0; g < graph->groups->len; g++)
    if (!g_array_index(graph->groups, snapshot_group, g).embedder)
      write_edge(w, SNAPSHOT_EDGE_ELEMENT, index++, SNAPSHOT_FIRST_GROUP_NODE + g);
}

static void write_edges(snapshot_graph *graph, writer *w, const edge_order *order) {
  write_synthetic_edges(graph, w);
  uint32_t group_node = UINT32_MAX, index = 0;
  for (uint32_t k = 0; k < order->kept; k++) {
    const snapshot_edge *e = &g_array_index(graph->edges, snapshot_edge, order->order[k]);
    uint32_t to_node = g_array_index(graph->objects, snapshot_object, e->to).node;
    if (e->from == SNAPSHOT_NO_INDEX) { /* a root: auto-indexed in its group */
      uint32_t node = SNAPSHOT_FIRST_GROUP_NODE + e->name;
      index = node == group_node ? index + 1 : 1;
      group_node = node;
      const snapshot_group *group = &g_array_index(graph->groups, snapshot_group, e->name);
      if (e->kind == CCGC_EDGE_WEAK)
        write_edge(w, SNAPSHOT_EDGE_WEAK, index_name(graph, index), to_node);
      else if (group->embedder) /* V8: an unnamed embedder edge is an element */
        write_edge(w, SNAPSHOT_EDGE_ELEMENT, index, to_node);
      else /* V8: a subroot's edges are internal, named by their index */
        write_edge(w, SNAPSHOT_EDGE_INTERNAL, index_name(graph, index), to_node);
      continue;
    }
    uint32_t name = e->name;
    if (e->kind == CCGC_EDGE_EPHEMERON && e->key != SNAPSHOT_NO_INDEX)
      name = ephemeron_name(graph, e);
    write_edge(w, edge_type_of(e->kind), name, to_node);
  }
}

static uint32_t edge_total(const snapshot_graph *graph, const edge_order *order) {
  return order->kept + 1 + graph->user_roots->len + (uint32_t)graph->groups->len;
}

static void write_json(snapshot_graph *graph, writer *w, const edge_order *order) {
  g_string_append(w->buffer, meta);
  g_string_append_printf(w->buffer,
                         "\"node_count\":%u,\"edge_count\":%u,\"trace_function_count\":0},\n"
                         "\"nodes\":[",
                         graph->node_count, edge_total(graph, order));
  w->first = true;
  write_nodes(graph, w, order);
  g_string_append(w->buffer, "],\n\"edges\":[");
  w->first = true;
  write_edges(graph, w, order);
  g_string_append(w->buffer, "],\n\"trace_function_infos\":[],\n\"trace_tree\":[],\n"
                             "\"samples\":[],\n\"locations\":[],\n\"strings\":[");
  for (guint s = 0; s < graph->string_list->len; s++) {
    if (s) g_string_append(w->buffer, ",\n");
    ccgc_heap_snapshot_append_json_string(w->buffer, graph->string_list->pdata[s]);
    flush(w, 1 << 20);
  }
  g_string_append(w->buffer, "]}\n");
  flush(w, 0);
}

/* --- the public calls ------------------------------------------------------------------ */

ccgc_status ccgc_heap_snapshot_write_stream(ccgc_collector *collector, ccgc_heap_snapshot_ids *ids,
                                            FILE *out, const ccgc_heap_snapshot_options *options,
                                            ccgc_heap_snapshot_stats *stats, const char *call) {
  static const ccgc_heap_snapshot_options defaults = {0};
  if (stats) memset(stats, 0, sizeof *stats);
  ccgc_status entered = ccgc_inspect_enter(collector, call);
  if (entered != CCGC_OK) return entered;
  ccgc_error_sink *errors = ccgc_collector_error_sink(collector);
  if (!ids || !out)
    return ccgc_error_set(errors, CCGC_E_INVALID_ARGUMENT, "%s: NULL %s", call,
                          !ids ? "ids" : "stream");
  if (!options) options = &defaults;
  if (options->user_root_count && !options->user_roots)
    return ccgc_error_set(errors, CCGC_E_INVALID_ARGUMENT,
                          "%s: %zu user roots at NULL", call, options->user_root_count);
  ccgc_status status = ccgc_heap_snapshot_ids_follow(ids, collector);
  if (status != CCGC_OK) return status;
  snapshot_graph graph;
  status = ccgc_snapshot_graph_build(&graph, collector, ids, options, call);
  if (status != CCGC_OK) {
    ccgc_snapshot_graph_free(&graph);
    return status;
  }
  edge_order order;
  order_edges(&graph, &order);
  writer w = {out, g_string_sized_new(1 << 16), 0, false, true};
  write_json(&graph, &w, &order);
  if (!w.failed && (fflush(out) != 0 || ferror(out))) w.failed = true;
  if (stats) {
    *stats = (ccgc_heap_snapshot_stats){
        .walk_objects = graph.objects->len,
        .walk_edges = graph.walk_edges,
        .merged_pairs = graph.merged_pairs,
        .root_groups = graph.groups->len,
        .user_roots = graph.user_roots->len,
        .node_count = graph.node_count,
        .edge_count = edge_total(&graph, &order),
        .dropped_edges = graph.dropped_edges,
        .string_count = graph.string_list->len,
        .bytes = w.bytes,
    };
  }
  g_string_free(w.buffer, TRUE);
  g_free(order.count);
  g_free(order.order);
  ccgc_snapshot_graph_free(&graph);
  if (w.failed)
    return ccgc_error_set(errors, CCGC_E_IO, "%s: writing the snapshot failed", call);
  return CCGC_OK;
}

ccgc_status ccgc_heap_snapshot_write(ccgc_collector *collector,
                                     ccgc_heap_snapshot_ids *ids, FILE *out,
                                     const ccgc_heap_snapshot_options *options,
                                     ccgc_heap_snapshot_stats *stats) {
  return ccgc_heap_snapshot_write_stream(collector, ids, out, options, stats,
                                    "ccgc_heap_snapshot_write");
}
