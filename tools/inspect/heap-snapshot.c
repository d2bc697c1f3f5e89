/* heap-snapshot.c - Chrome DevTools heap snapshots of both heaps
 * (heap-snapshot.h). One walk copies the graph; wrapper pairs are found from
 * the walk's edge kinds; nodes are numbered, edges grouped by node (counting
 * sort), and the JSON is written through a GString flushed to the FILE. The
 * id table is in heap-snapshot-ids.c. */
#include "heap-snapshot.h"

#include <string.h>

#include "heap-snapshot-ids.h"
#include "host.h"
#include "json-writer.h"

/* --- the host model's detachedness ------------------------------------------- */

ccgc_heap_snapshot_detachedness ccgc_heap_snapshot_host_detachedness(
    const ccgc_object_info *info, void *data) {
  ccgc_host_world *world = data;
  if (!world || heap_snapshot_is_script(info)) return CCGC_HEAP_SNAPSHOT_UNKNOWN;
  const ccgc_host_node *node = ccgc_host_node_at(world, info->address);
  if (!node) return CCGC_HEAP_SNAPSHOT_UNKNOWN;
  return ccgc_host_is_attached(world, node) ? CCGC_HEAP_SNAPSHOT_ATTACHED
                                            : CCGC_HEAP_SNAPSHOT_DETACHED;
}

/* --- JSON ---------------------------------------------------------------------- */

void ccgc_heap_snapshot_append_json_string(GString *json, const char *text) {
  ccgc_json_writer_escape(json, text, -1);
}

/* --- the copy of the graph ------------------------------------------------------ */

/* Indexes into node_types and edge_types as written in the meta. */
enum node_type {
  NODE_HIDDEN = 0, NODE_ARRAY = 1, NODE_STRING = 2, NODE_OBJECT = 3,
  NODE_CLOSURE = 5, NODE_NUMBER = 7, NODE_NATIVE = 8, NODE_SYNTHETIC = 9,
};
enum edge_type {
  EDGE_ELEMENT = 1, EDGE_PROPERTY = 2, EDGE_INTERNAL = 3, EDGE_WEAK = 6,
};

#define NODE_FIELDS 7 /* type, name, id, self_size, edge_count, trace_node_id, detachedness */
#define NO_INDEX UINT32_MAX

typedef struct object {
  void *address;
  size_t size;
  uint32_t id;
  uint32_t name;        /* string index */
  uint32_t node;        /* node index; a paired wrapper's is its DOM object's */
  uint32_t partner;     /* the other half of a wrapper pair, or NO_INDEX */
  uint32_t wraps;       /* the target of its wrapper edge, or NO_INDEX */
  uint8_t type;         /* enum node_type */
  uint8_t detachedness;
  bool script;
  bool pair_edge_dropped; /* its edge to its partner was left out */
} object;

typedef struct edge {
  uint32_t from;  /* object index, or NO_INDEX for a root edge */
  uint32_t to;    /* object index */
  uint32_t name;  /* string index; element index; root group for a root edge */
  uint32_t key;   /* ephemeron: the key's object index, or NO_INDEX */
  uint8_t kind;   /* ccgc_edge_kind */
} edge;

typedef struct group {
  uint32_t name; /* string index */
  uint32_t id;
  uint32_t edges;
} group;

typedef struct builder {
  ccgc_heap_snapshot_ids *ids;
  const ccgc_heap_snapshot_options *options;
  GArray *objects;       /* object */
  GArray *edges;         /* edge */
  GArray *groups;        /* group */
  GHashTable *index;     /* address -> object index + 1 */
  GHashTable *strings;   /* string (owned by string_list) -> index + 1 */
  GPtrArray *string_list;
  GHashTable *group_of;  /* root name string index + 1 -> group index + 1 */
  size_t walk_edges, dropped_edges, merged_pairs;
  uint32_t node_count;
} builder;

static uint32_t intern(builder *b, const char *text) {
  gpointer found = g_hash_table_lookup(b->strings, text);
  if (found) return GPOINTER_TO_UINT(found) - 1;
  char *copy = g_strdup(text);
  g_ptr_array_add(b->string_list, copy);
  g_hash_table_insert(b->strings, copy, GUINT_TO_POINTER(b->string_list->len));
  return b->string_list->len - 1;
}

static const char *const hidden_types[] = {"MetaClass", "HiddenClass", "Filler", NULL};
static const char *const array_types[] = {"FixedArray", "DoubleArray", "EphemeronHashTable",
                                          "WeakCells", NULL};

static bool listed(const char *name, const char *const *list) {
  for (size_t i = 0; list[i]; i++)
    if (!strcmp(name, list[i])) return true;
  return false;
}

/* The node type and name of an object as DevTools names V8's. */
static void classify(builder *b, const ccgc_object_info *info, object *o) {
  const char *type = info->type_name ? info->type_name : "?";
  if (!o->script) {
    o->type = NODE_NATIVE;
    o->name = intern(b, type);
    return;
  }
  if (listed(type, hidden_types)) {
    char *name = g_strdup_printf("system / %s", type);
    o->type = NODE_HIDDEN;
    o->name = intern(b, name);
    g_free(name);
  } else if (!strcmp(type, "Context")) {
    o->type = NODE_OBJECT;
    o->name = intern(b, "system / Context");
  } else if (!strcmp(type, "String")) {
    o->type = NODE_STRING; /* the public API does not give its characters */
    o->name = intern(b, "(string)");
  } else if (!strcmp(type, "HeapNumber")) {
    o->type = NODE_NUMBER;
    o->name = intern(b, "heap number");
  } else if (!strcmp(type, "Closure")) {
    o->type = NODE_CLOSURE;
    o->name = intern(b, "Closure");
  } else {
    o->type = listed(type, array_types) ? NODE_ARRAY : NODE_OBJECT;
    o->name = intern(b, type); /* Object, Array, a wrapper's class name... */
  }
}

static void on_object(const ccgc_object_info *info, void *data) {
  builder *b = data;
  object o = {.address = info->address, .size = info->size,
              .partner = NO_INDEX, .wraps = NO_INDEX, .script = heap_snapshot_is_script(info)};
  o.id = heap_snapshot_object_id(b->ids, info);
  classify(b, info, &o);
  if (b->options->detachedness)
    o.detachedness = (uint8_t)b->options->detachedness(info, b->options->detachedness_data);
  g_array_append_val(b->objects, o);
  g_hash_table_insert(b->index, info->address, GUINT_TO_POINTER(b->objects->len));
}

static uint32_t object_index(const builder *b, const void *address) {
  gpointer found = g_hash_table_lookup(b->index, address);
  return found ? GPOINTER_TO_UINT(found) - 1 : NO_INDEX;
}

static uint32_t root_group(builder *b, const char *root_name) {
  static const char *const known[][2] = {
      {"global handle", "(Global handles)"},
      {"handle scope", "(Handle scope)"},
      {"persistent", "(DOM persistents)"},
      {"script internals", "(Script internals)"},
  };
  const char *raw = root_name ? root_name : "roots";
  uint32_t key = intern(b, raw) + 1;
  gpointer found = g_hash_table_lookup(b->group_of, GUINT_TO_POINTER(key));
  if (found) return GPOINTER_TO_UINT(found) - 1;
  char *name = NULL;
  for (size_t i = 0; i < G_N_ELEMENTS(known) && !name; i++)
    if (!strcmp(raw, known[i][0])) name = g_strdup(known[i][1]);
  if (!name) { /* "weak persistent" -> "(Weak persistent)" */
    name = g_strdup_printf("(%s)", raw);
    name[1] = g_ascii_toupper(name[1]);
  }
  group g = {intern(b, name), heap_snapshot_synthetic_id(b->ids, name), 0};
  g_free(name);
  g_array_append_val(b->groups, g);
  g_hash_table_insert(b->group_of, GUINT_TO_POINTER(key),
                      GUINT_TO_POINTER(b->groups->len));
  return b->groups->len - 1;
}

static void on_edge(void *from, void *to, ccgc_edge e, void *data) {
  builder *b = data;
  b->walk_edges++;
  uint32_t target = object_index(b, to);
  uint32_t source = from ? object_index(b, from) : NO_INDEX;
  if (target == NO_INDEX || (from && source == NO_INDEX)) {
    b->dropped_edges++;
    return;
  }
  edge out = {source, target, 0, NO_INDEX, (uint8_t)e.kind};
  if (!from)
    out.name = root_group(b, e.name);
  else if (e.kind == CCGC_EDGE_ELEMENT)
    out.name = e.index > UINT32_MAX ? UINT32_MAX : (uint32_t)e.index;
  else
    out.name = intern(b, e.name ? e.name : ccgc_edge_kind_name(e.kind));
  /* The walk reports an ephemeron as a weak edge to its key, then the
   * ephemeron edge to its value: remember the key for the value's name. */
  if (from && e.kind == CCGC_EDGE_EPHEMERON && b->edges->len) {
    const edge *last = &g_array_index(b->edges, edge, b->edges->len - 1);
    if (last->from == source && last->kind == CCGC_EDGE_WEAK) out.key = last->to;
  }
  if (from && e.kind == CCGC_EDGE_WRAPPER)
    g_array_index(b->objects, object, source).wraps = target;
  g_array_append_val(b->edges, out);
}

/* A wrapper pair: W's wrapper edge leads to D and D traces W back. */
static void find_pairs(builder *b) {
  for (guint i = 0; i < b->edges->len; i++) {
    const edge *e = &g_array_index(b->edges, edge, i);
    if (e->kind != CCGC_EDGE_TRACED || e->from == NO_INDEX) continue;
    object *dom = &g_array_index(b->objects, object, e->from);
    object *wrapper = &g_array_index(b->objects, object, e->to);
    if (wrapper->wraps != e->from || dom->partner != NO_INDEX ||
        wrapper->partner != NO_INDEX || dom->script || !wrapper->script)
      continue;
    dom->partner = e->to;
    wrapper->partner = e->from;
    b->merged_pairs++;
  }
}

static void number_nodes(builder *b) {
  uint32_t node = 1 + b->groups->len; /* the root, then the groups */
  for (guint i = 0; i < b->objects->len; i++) {
    object *o = &g_array_index(b->objects, object, i);
    if (!(o->script && o->partner != NO_INDEX)) o->node = node++;
  }
  for (guint i = 0; i < b->objects->len; i++) {
    object *o = &g_array_index(b->objects, object, i);
    if (o->script && o->partner != NO_INDEX)
      o->node = g_array_index(b->objects, object, o->partner).node;
  }
  b->node_count = node;
}

/* The edge between the two halves of a pair (the first one each way), which
 * the merged node does not have. */
static bool is_pair_edge(builder *b, const edge *e) {
  if (e->from == NO_INDEX) return false;
  object *source = &g_array_index(b->objects, object, e->from);
  if (source->partner != e->to || source->pair_edge_dropped) return false;
  if (e->kind != (source->script ? CCGC_EDGE_WRAPPER : CCGC_EDGE_TRACED)) return false;
  source->pair_edge_dropped = true;
  return true;
}

/* --- writing ------------------------------------------------------------------------ */

typedef struct writer {
  FILE *out;
  GString *buffer;
  size_t bytes;
  bool failed;
} writer;

static void flush(writer *w, size_t threshold) {
  if (w->buffer->len < threshold || w->failed) return;
  if (fwrite(w->buffer->str, 1, w->buffer->len, w->out) != w->buffer->len) w->failed = true;
  w->bytes += w->buffer->len;
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

static void write_node(writer *w, bool first, unsigned type, uint32_t name, uint32_t id,
                       size_t size, uint32_t edges, unsigned detachedness) {
  g_string_append_printf(w->buffer, "%s%u,%u,%u,%u,%u,0,%u", first ? "" : "\n,", type,
                         name, id, clamp32(size), edges, detachedness);
  flush(w, 1 << 20);
}

static void write_edge(writer *w, bool first, unsigned type, uint32_t name_or_index,
                       uint32_t to_node) {
  g_string_append_printf(w->buffer, "%s%u,%u,%u", first ? "" : "\n,", type, name_or_index,
                         to_node * NODE_FIELDS);
  flush(w, 1 << 20);
}

static unsigned edge_type_of(uint8_t kind) {
  switch (kind) {
  case CCGC_EDGE_ROOT: return EDGE_ELEMENT;
  case CCGC_EDGE_FIELD:
  case CCGC_EDGE_PROPERTY:
  case CCGC_EDGE_TRACED: return EDGE_PROPERTY;
  case CCGC_EDGE_ELEMENT: return EDGE_ELEMENT;
  case CCGC_EDGE_WEAK: return EDGE_WEAK;
  default: return EDGE_INTERNAL; /* internal, an unpaired wrapper, ephemeron */
  }
}

/* V8's name for a WeakMap entry, which memlab parses for the key's id. */
static uint32_t ephemeron_name(builder *b, const edge *e) {
  const object *holder = &g_array_index(b->objects, object, e->from);
  const object *key = &g_array_index(b->objects, object, e->key);
  const object *value = &g_array_index(b->objects, object, e->to);
  const object *key_node = key->script && key->partner != NO_INDEX
                               ? &g_array_index(b->objects, object, key->partner) : key;
  const object *value_node = value->script && value->partner != NO_INDEX
                                 ? &g_array_index(b->objects, object, value->partner) : value;
  const object *table = holder->script && holder->partner != NO_INDEX
                            ? &g_array_index(b->objects, object, holder->partner) : holder;
  char *name = g_strdup_printf(
      "part of key (%s @%u) -> value (%s @%u) pair in WeakMap (table @%u)",
      (const char *)b->string_list->pdata[key_node->name], key_node->id,
      (const char *)b->string_list->pdata[value_node->name], value_node->id, table->id);
  uint32_t index = intern(b, name);
  g_free(name);
  return index;
}

static void write_snapshot(builder *b, writer *w, uint32_t *first_edge, uint32_t *order,
                           uint32_t edge_count) {
  g_string_append(w->buffer, meta);
  g_string_append_printf(w->buffer,
                         "\"node_count\":%u,\"edge_count\":%u,\"trace_function_count\":0},\n"
                         "\"nodes\":[",
                         b->node_count, edge_count);
  /* Nodes: the root, the root groups, the objects (a merged pair once). */
  uint32_t root_name = intern(b, "");
  write_node(w, true, NODE_SYNTHETIC, root_name, HEAP_SNAPSHOT_ROOT_ID, 0, b->groups->len, 0);
  for (guint g = 0; g < b->groups->len; g++) {
    const group *grp = &g_array_index(b->groups, group, g);
    write_node(w, false, NODE_SYNTHETIC, grp->name, grp->id, 0, grp->edges, 0);
  }
  for (guint i = 0; i < b->objects->len; i++) {
    const object *o = &g_array_index(b->objects, object, i);
    if (o->script && o->partner != NO_INDEX) continue;
    size_t size = o->size;
    if (o->partner != NO_INDEX) size += g_array_index(b->objects, object, o->partner).size;
    write_node(w, false, o->type, o->name, o->id, size,
               first_edge[o->node + 1] - first_edge[o->node], o->detachedness);
  }
  g_string_append(w->buffer, "],\n\"edges\":[");
  bool first = true;
  for (guint g = 0; g < b->groups->len; g++, first = false)
    write_edge(w, first, EDGE_ELEMENT, g + 1, 1 + g);
  uint32_t *group_index = g_new0(uint32_t, b->groups->len + 1);
  for (uint32_t k = 0; k < edge_count - b->groups->len; k++, first = false) {
    const edge *e = &g_array_index(b->edges, edge, order[k]);
    uint32_t to_node = g_array_index(b->objects, object, e->to).node;
    if (e->from == NO_INDEX) { /* a root: an element of its group */
      if (e->kind == CCGC_EDGE_WEAK)
        write_edge(w, first, EDGE_WEAK,
                   g_array_index(b->groups, group, e->name).name, to_node);
      else
        write_edge(w, first, EDGE_ELEMENT, ++group_index[e->name], to_node);
      continue;
    }
    uint32_t name = e->name;
    if (e->kind == CCGC_EDGE_EPHEMERON && e->key != NO_INDEX) name = ephemeron_name(b, e);
    write_edge(w, first, edge_type_of(e->kind), name, to_node);
  }
  g_free(group_index);
  g_string_append(w->buffer, "],\n\"trace_function_infos\":[],\n\"trace_tree\":[],\n"
                             "\"samples\":[],\n\"locations\":[],\n\"strings\":[");
  for (guint s = 0; s < b->string_list->len; s++) {
    if (s) g_string_append(w->buffer, ",\n");
    ccgc_heap_snapshot_append_json_string(w->buffer, b->string_list->pdata[s]);
    flush(w, 1 << 20);
  }
  g_string_append(w->buffer, "]}\n");
  flush(w, 0);
}

static void builder_free(builder *b) {
  g_array_free(b->objects, TRUE);
  g_array_free(b->edges, TRUE);
  g_array_free(b->groups, TRUE);
  g_hash_table_destroy(b->index);
  g_hash_table_destroy(b->strings);
  g_ptr_array_free(b->string_list, TRUE);
  g_hash_table_destroy(b->group_of);
}

ccgc_status ccgc_heap_snapshot_write(ccgc_collector *collector,
                                     ccgc_heap_snapshot_ids *ids, FILE *out,
                                     const ccgc_heap_snapshot_options *options,
                                     ccgc_heap_snapshot_stats *stats) {
  static const ccgc_heap_snapshot_options defaults = {0};
  if (stats) memset(stats, 0, sizeof *stats);
  if (!collector || !ids || !out) return CCGC_E_INVALID_ARGUMENT;
  ccgc_status following = heap_snapshot_ids_follow(ids, collector);
  if (following != CCGC_OK) return following;
  builder b = {
      .ids = ids,
      .options = options ? options : &defaults,
      .objects = g_array_new(FALSE, FALSE, sizeof(object)),
      .edges = g_array_new(FALSE, FALSE, sizeof(edge)),
      .groups = g_array_new(FALSE, FALSE, sizeof(group)),
      .index = g_hash_table_new(g_direct_hash, g_direct_equal),
      .strings = g_hash_table_new(g_str_hash, g_str_equal),
      .string_list = g_ptr_array_new_with_free_func(g_free),
      .group_of = g_hash_table_new(g_direct_hash, g_direct_equal),
  };
  intern(&b, ""); /* strings[0]: the root's name, as V8 writes it */
  heap_snapshot_ids_begin(ids);
  ccgc_walk_callbacks callbacks = {on_object, on_edge, &b};
  ccgc_status status = ccgc_collector_walk(collector, &callbacks);
  if (status == CCGC_OK && heap_snapshot_ids_exhausted(ids)) status = CCGC_E_SIZE_OVERFLOW;
  if (status != CCGC_OK) {
    builder_free(&b);
    return status;
  }
  heap_snapshot_ids_purge(ids);
  if (!b.options->keep_wrappers_apart) find_pairs(&b);
  number_nodes(&b);

  /* Group the edges by source node, in walk order (a counting sort); the
   * root's edges to its groups come first. */
  uint32_t *first_edge = g_new0(uint32_t, b.node_count + 1);
  first_edge[0] = b.groups->len; /* counts, shifted by one */
  uint32_t kept = 0;
  bool *dropped = g_new0(bool, b.edges->len + 1);
  for (guint i = 0; i < b.edges->len; i++) {
    const edge *e = &g_array_index(b.edges, edge, i);
    if (is_pair_edge(&b, e)) {
      dropped[i] = true;
      continue;
    }
    uint32_t node = e->from == NO_INDEX ? 1 + e->name
                                        : g_array_index(b.objects, object, e->from).node;
    if (e->from == NO_INDEX) g_array_index(b.groups, group, e->name).edges++;
    first_edge[node]++;
    kept++;
  }
  for (uint32_t n = 0, sum = 0; n <= b.node_count; n++) {
    uint32_t count = n < b.node_count ? first_edge[n] : 0;
    first_edge[n] = sum;
    sum += count;
  }
  uint32_t *fill = g_memdup2(first_edge, (b.node_count + 1) * sizeof *first_edge);
  uint32_t *order = g_new0(uint32_t, kept + 1);
  for (guint i = 0; i < b.edges->len; i++) {
    if (dropped[i]) continue;
    const edge *e = &g_array_index(b.edges, edge, i);
    uint32_t node = e->from == NO_INDEX ? 1 + e->name
                                        : g_array_index(b.objects, object, e->from).node;
    order[fill[node]++ - b.groups->len] = i;
  }
  uint32_t edge_count = kept + b.groups->len;

  writer w = {out, g_string_sized_new(1 << 16), 0, false};
  write_snapshot(&b, &w, first_edge, order, edge_count);
  if (fflush(out) != 0 || ferror(out)) w.failed = true;
  if (stats) {
    *stats = (ccgc_heap_snapshot_stats){
        .walk_objects = b.objects->len,
        .walk_edges = b.walk_edges,
        .merged_pairs = b.merged_pairs,
        .root_groups = b.groups->len,
        .node_count = b.node_count,
        .edge_count = edge_count,
        .dropped_edges = b.dropped_edges,
        .string_count = b.string_list->len,
        .bytes = w.bytes,
    };
  }
  g_string_free(w.buffer, TRUE);
  g_free(first_edge);
  g_free(fill);
  g_free(order);
  g_free(dropped);
  builder_free(&b);
  return w.failed ? CCGC_E_IO : CCGC_OK;
}
