/* heap-snapshot-graph.c - the copy of both heaps one snapshot write makes
 * (heap-snapshot-graph.h): one ccgc_collector_walk copies objects and
 * edges; wrapper pairs are found from the walk's edge kinds; root edges are
 * grouped into V8's root categories; the host's user roots are resolved;
 * nodes are numbered. Public API and the heaps' ops only. */
#include <string.h>

#include "heap-snapshot-graph.h"
#include "heap-snapshot-ids.h"
#include "inspect-internal.h"

uint32_t ccgc_snapshot_graph_intern(snapshot_graph *graph, const char *text) {
  if (!strchr(text, '\xc0')) return ccgc_snapshot_graph_intern_raw(graph, text);
  /* 0xC0 starts no valid UTF-8 sequence (the writer would print U+FFFD for
   * it): replaced here, so that C0 80 in the table only ever stands for a
   * script string's NUL byte (heap-snapshot-names.c). */
  GString *clean = g_string_sized_new(strlen(text) + 8);
  for (const char *at = text; *at; at++) {
    if (*at == '\xc0') g_string_append(clean, "\xef\xbf\xbd");
    else g_string_append_c(clean, *at);
  }
  uint32_t index = ccgc_snapshot_graph_intern_raw(graph, clean->str);
  g_string_free(clean, TRUE);
  return index;
}

uint32_t ccgc_snapshot_graph_intern_raw(snapshot_graph *graph, const char *text) {
  gpointer found = g_hash_table_lookup(graph->strings, text);
  if (found) return GPOINTER_TO_UINT(found) - 1;
  char *copy = g_strdup(text);
  g_ptr_array_add(graph->string_list, copy);
  g_hash_table_insert(graph->strings, copy, GUINT_TO_POINTER(graph->string_list->len));
  return graph->string_list->len - 1;
}

static void on_object(const ccgc_object_info *info, void *data) {
  snapshot_graph *graph = data;
  snapshot_object o = {.address = info->address, .size = info->size,
                       .partner = SNAPSHOT_NO_INDEX, .wraps = SNAPSHOT_NO_INDEX,
                       .script = heap_snapshot_is_script(info)};
  o.id = ccgc_heap_snapshot_object_id(graph->ids, info);
  ccgc_snapshot_graph_classify(graph, info, &o);
  const ccgc_heap_snapshot_options *options = graph->options;
  if (options->detachedness) {
    ccgc_heap_snapshot_detachedness state =
        options->detachedness(info, options->detachedness_data);
    o.detachedness = state == CCGC_HEAP_SNAPSHOT_ATTACHED || state == CCGC_HEAP_SNAPSHOT_DETACHED
                         ? (uint8_t)state : CCGC_HEAP_SNAPSHOT_UNKNOWN;
  }
  g_array_append_val(graph->objects, o);
  g_hash_table_insert(graph->index, info->address, GUINT_TO_POINTER(graph->objects->len));
}

static uint32_t object_index(const snapshot_graph *graph, const void *address) {
  gpointer found = g_hash_table_lookup(graph->index, address);
  return found ? GPOINTER_TO_UINT(found) - 1 : SNAPSHOT_NO_INDEX;
}

/* V8's names for the kinds of root the heaps report (the walk's root edge
 * names): RootVisitor::RootName for the script heap's, and the name V8
 * gives cppgc's persistents (a root node of its own, not a subroot). */
static const struct {
  const char *walk_name, *v8_name;
  bool embedder;
} known_roots[] = {
    {"handle scope", "(Handle scope)", false},
    {"global handle", "(Global handles)", false},
    {"script internals", "(Strong roots)", false},
    {"persistent", "C++ Persistent roots", true},
};

static uint32_t root_group(snapshot_graph *graph, const char *root_name) {
  const char *raw = root_name ? root_name : "roots";
  uint32_t key = ccgc_snapshot_graph_intern(graph, raw) + 1;
  gpointer found = g_hash_table_lookup(graph->group_of, GUINT_TO_POINTER(key));
  if (found) return GPOINTER_TO_UINT(found) - 1;
  char *name = NULL;
  bool embedder = false;
  for (size_t i = 0; i < G_N_ELEMENTS(known_roots) && !name; i++)
    if (!strcmp(raw, known_roots[i].walk_name)) {
      name = g_strdup(known_roots[i].v8_name);
      embedder = known_roots[i].embedder;
    }
  if (!name) { /* "finalization queue" -> "(Finalization queue)" */
    name = g_strdup_printf("(%s)", raw);
    name[1] = g_ascii_toupper(name[1]);
  }
  snapshot_group group = {ccgc_snapshot_graph_intern(graph, name),
                          ccgc_heap_snapshot_synthetic_id(graph->ids, name), 0, embedder};
  g_free(name);
  if (embedder) graph->embedder_groups++;
  else graph->subroot_groups++;
  g_array_append_val(graph->groups, group);
  g_hash_table_insert(graph->group_of, GUINT_TO_POINTER(key),
                      GUINT_TO_POINTER(graph->groups->len));
  return graph->groups->len - 1;
}

static void on_edge(void *from, void *to, ccgc_edge e, void *data) {
  snapshot_graph *graph = data;
  graph->walk_edges++;
  uint32_t target = object_index(graph, to);
  uint32_t source = from ? object_index(graph, from) : SNAPSHOT_NO_INDEX;
  if (target == SNAPSHOT_NO_INDEX || (from && source == SNAPSHOT_NO_INDEX)) {
    graph->dropped_edges++;
    return;
  }
  snapshot_edge out = {source, target, 0, SNAPSHOT_NO_INDEX, (uint8_t)e.kind};
  if (!from)
    out.name = root_group(graph, e.name);
  else if (e.kind == CCGC_EDGE_ELEMENT)
    out.name = e.index > UINT32_MAX ? UINT32_MAX : (uint32_t)e.index;
  else
    out.name = ccgc_snapshot_graph_intern(graph, e.name ? e.name : ccgc_edge_kind_name(e.kind));
  /* The walk reports an ephemeron as a weak edge to its key, then the
   * ephemeron edge to its value: remember the key for the value's name. */
  if (from && e.kind == CCGC_EDGE_EPHEMERON && graph->edges->len) {
    const snapshot_edge *last =
        &g_array_index(graph->edges, snapshot_edge, graph->edges->len - 1);
    if (last->from == source && last->kind == CCGC_EDGE_WEAK) out.key = last->to;
  }
  if (from && e.kind == CCGC_EDGE_WRAPPER)
    g_array_index(graph->objects, snapshot_object, source).wraps = target;
  g_array_append_val(graph->edges, out);
}

/* A wrapper pair: W's wrapper edge leads to D and D traces W back. */
static void find_pairs(snapshot_graph *graph) {
  for (guint i = 0; i < graph->edges->len; i++) {
    const snapshot_edge *e = &g_array_index(graph->edges, snapshot_edge, i);
    if (e->kind != CCGC_EDGE_TRACED || e->from == SNAPSHOT_NO_INDEX) continue;
    snapshot_object *dom = &g_array_index(graph->objects, snapshot_object, e->from);
    snapshot_object *wrapper = &g_array_index(graph->objects, snapshot_object, e->to);
    if (wrapper->wraps != e->from || dom->partner != SNAPSHOT_NO_INDEX ||
        wrapper->partner != SNAPSHOT_NO_INDEX || dom->script || !wrapper->script)
      continue;
    dom->partner = e->to;
    wrapper->partner = e->from;
    graph->merged_pairs++;
  }
}

const snapshot_object *ccgc_snapshot_graph_node_object(const snapshot_graph *graph,
                                                       const snapshot_object *o) {
  return o->script && o->partner != SNAPSHOT_NO_INDEX
             ? &g_array_index(graph->objects, snapshot_object, o->partner) : o;
}

static void number_nodes(snapshot_graph *graph) {
  uint32_t node = SNAPSHOT_FIRST_GROUP_NODE + graph->groups->len;
  for (guint i = 0; i < graph->objects->len; i++) {
    snapshot_object *o = &g_array_index(graph->objects, snapshot_object, i);
    if (!(o->script && o->partner != SNAPSHOT_NO_INDEX)) o->node = node++;
  }
  for (guint i = 0; i < graph->objects->len; i++) {
    snapshot_object *o = &g_array_index(graph->objects, snapshot_object, i);
    if (o->script && o->partner != SNAPSHOT_NO_INDEX)
      o->node = g_array_index(graph->objects, snapshot_object, o->partner).node;
  }
  graph->node_count = node;
}

/* The host's user roots as nodes, in its order, each once. An address the
 * walk did not report as an object is refused (.api.valid-object): never
 * looked into. */
static ccgc_status resolve_user_roots(snapshot_graph *graph, const char *call) {
  const ccgc_heap_snapshot_options *options = graph->options;
  for (size_t i = 0; i < options->user_root_count; i++) {
    uint32_t index = object_index(graph, options->user_roots[i]);
    if (index == SNAPSHOT_NO_INDEX)
      return ccgc_error_set(ccgc_collector_error_sink(graph->collector),
                            CCGC_E_FOREIGN_POINTER,
                            "%s: user root %zu (%p) is not the start of a live object",
                            call, i, options->user_roots[i]);
    uint32_t node = g_array_index(graph->objects, snapshot_object, index).node;
    bool seen = false;
    for (guint k = 0; k < graph->user_roots->len && !seen; k++)
      seen = g_array_index(graph->user_roots, uint32_t, k) == node;
    if (!seen) g_array_append_val(graph->user_roots, node);
  }
  return CCGC_OK;
}

ccgc_status ccgc_snapshot_graph_build(snapshot_graph *graph, ccgc_collector *collector,
                                      ccgc_heap_snapshot_ids *ids,
                                      const ccgc_heap_snapshot_options *options,
                                      const char *call) {
  *graph = (snapshot_graph){
      .collector = collector,
      .ids = ids,
      .options = options,
      .objects = g_array_new(FALSE, FALSE, sizeof(snapshot_object)),
      .edges = g_array_new(FALSE, FALSE, sizeof(snapshot_edge)),
      .groups = g_array_new(FALSE, FALSE, sizeof(snapshot_group)),
      .user_roots = g_array_new(FALSE, FALSE, sizeof(uint32_t)),
      .index = g_hash_table_new(g_direct_hash, g_direct_equal),
      .strings = g_hash_table_new(g_str_hash, g_str_equal),
      .string_list = g_ptr_array_new_with_free_func(g_free),
      .group_of = g_hash_table_new(g_direct_hash, g_direct_equal),
  };
  ccgc_snapshot_graph_intern(graph, ""); /* strings[0]: the root's name, as V8 writes it */
  ccgc_heap_snapshot_ids_begin(ids);
  ccgc_walk_callbacks callbacks = {on_object, on_edge, graph};
  ccgc_status status = ccgc_collector_walk(collector, &callbacks);
  if (status != CCGC_OK) return status;
  if (ccgc_heap_snapshot_ids_exhausted(ids))
    return ccgc_error_set(ccgc_collector_error_sink(collector), CCGC_E_SIZE_OVERFLOW,
                          "%s: the snapshot ids ran out (2^32)", call);
  ccgc_heap_snapshot_ids_purge(ids);
  if (!options->keep_wrappers_apart) find_pairs(graph);
  /* Each object's node, for ccgc_heap_snapshot_ids_lookup: a merged pair's
   * wrapper is shown in its DOM object's node. */
  for (guint i = 0; i < graph->objects->len; i++) {
    const snapshot_object *o = &g_array_index(graph->objects, snapshot_object, i);
    ccgc_heap_snapshot_ids_set_node(ids, o->address,
                                    ccgc_snapshot_graph_node_object(graph, o)->id);
  }
  number_nodes(graph);
  return resolve_user_roots(graph, call);
}

void ccgc_snapshot_graph_free(snapshot_graph *graph) {
  g_array_free(graph->objects, TRUE);
  g_array_free(graph->edges, TRUE);
  g_array_free(graph->groups, TRUE);
  g_array_free(graph->user_roots, TRUE);
  g_hash_table_destroy(graph->index);
  g_hash_table_destroy(graph->strings);
  g_ptr_array_free(graph->string_list, TRUE);
  g_hash_table_destroy(graph->group_of);
}
