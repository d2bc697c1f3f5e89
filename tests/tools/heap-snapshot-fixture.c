/* heap-snapshot-fixture.c - the heap-snapshot tests' world and reader
 * (heap-snapshot-fixture.h). */
#define _GNU_SOURCE /* open_memstream */
#include "heap-snapshot-fixture.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "ccgc-test.h"

/* --- a world with something of everything ---------------------------------- */


v8ish_local app_object(fixture *f) { return v8ish_global_get(f->w->script, f->app); }

void fixture_open(fixture *f, bridge_mode mode) {
  ccgc_collector_options options = {.verify = true};
  f->w = ccgc_host_world_new(mode, &options);
  const char *page = ccgc_host_default_page();
  ck_assert_int_eq(ccgc_host_load_html_memory(f->w, page, strlen(page)), CCGC_OK);
  ccgc_host_world *w = f->w;
  v8ish_handle_scope scope;
  v8ish_handle_scope_open(w->script, &scope);
  v8ish_local app = v8ish_object_new(w->script);
  f->app = v8ish_global_new(w->script, app, false);
  v8ish_object_set(w->script, app, "document", ccgc_host_wrap(w, w->document));
  f->button = ccgc_host_get_element_by_id(w->document, "send");
  ck_assert_ptr_nonnull(f->button);
  v8ish_local wrapper = ccgc_host_wrap(w, f->button);
  ccgc_host_add_event_listener(w, f->button, "click",
                               ccgc_host_make_closure(w, "onSend", &wrapper, 1));
  f->detached = ccgc_host_create_element(w, "div");
  ccgc_host_set_attribute(w, f->detached, "id", "gone");
  f->inner = ccgc_host_create_element(w, "p");
  ccgc_host_append_child(w, f->detached, f->inner);
  ccgc_host_append_child(w, f->inner, ccgc_host_create_text(w, "held from script"));
  v8ish_object_set(w->script, app, "gone", ccgc_host_wrap(w, f->detached));
  ccgc_host_node *list[] = {f->button, f->detached, f->inner};
  v8ish_object_set(w->script, app, "list", ccgc_host_wrapper_array(w, list, 3));
  v8ish_handle_scope_close(&scope);
  ccgc_test_collect_verified(w->collector);
}

void fixture_close(fixture *f) {
  v8ish_global_free(f->w->script, f->app);
  ccgc_host_world_free(f->w);
}

/* --- writing and parsing --------------------------------------------------------- */


snapshot *take(fixture *f, ccgc_heap_snapshot_ids *ids,
                      const ccgc_heap_snapshot_options *options) {
  snapshot *s = g_new0(snapshot, 1);
  FILE *out = open_memstream(&s->text, &s->size);
  ck_assert_int_eq(ccgc_heap_snapshot_write(f->w->collector, ids, out, options, &s->stats),
                   CCGC_OK);
  fclose(out);
  ck_assert_uint_eq(s->stats.bytes, s->size);
  s->parser = json_parser_new();
  GError *error = NULL;
  ck_assert_msg(json_parser_load_from_data(s->parser, s->text, (gssize)s->size, &error),
                "the snapshot does not parse: %s", error ? error->message : "");
  s->root = json_node_get_object(json_parser_get_root(s->parser));
  JsonObject *head = json_object_get_object_member(s->root, "snapshot");
  s->meta = json_object_get_object_member(head, "meta");
  s->nodes = json_object_get_array_member(s->root, "nodes");
  s->edges = json_object_get_array_member(s->root, "edges");
  s->strings = json_object_get_array_member(s->root, "strings");
  ck_assert_uint_eq(json_array_get_length(s->nodes) % NODE_FIELDS, 0);
  ck_assert_uint_eq(json_array_get_length(s->edges) % 3, 0);
  s->node_count = json_array_get_length(s->nodes) / NODE_FIELDS;
  s->edge_count = json_array_get_length(s->edges) / 3;
  ck_assert_uint_eq(json_object_get_int_member(head, "node_count"), s->node_count);
  ck_assert_uint_eq(json_object_get_int_member(head, "edge_count"), s->edge_count);
  s->first_edge = g_new0(guint, s->node_count + 1);
  s->by_id = g_hash_table_new(g_direct_hash, g_direct_equal);
  for (guint n = 0; n < s->node_count; n++) {
    s->first_edge[n + 1] =
        s->first_edge[n] + (guint)json_array_get_int_element(s->nodes, n * NODE_FIELDS + F_EDGES);
    guint id = (guint)json_array_get_int_element(s->nodes, n * NODE_FIELDS + F_ID);
    ck_assert_msg(!g_hash_table_contains(s->by_id, GUINT_TO_POINTER(id)), "id %u twice", id);
    g_hash_table_insert(s->by_id, GUINT_TO_POINTER(id), GUINT_TO_POINTER(n + 1));
  }
  ck_assert_uint_eq(s->first_edge[s->node_count], s->edge_count);
  return s;
}

void snapshot_free(snapshot *s) {
  g_object_unref(s->parser);
  g_hash_table_destroy(s->by_id);
  g_free(s->first_edge);
  free(s->text);
  g_free(s);
}

gint64 field(const snapshot *s, guint node, guint f) {
  return json_array_get_int_element(s->nodes, node * NODE_FIELDS + f);
}

const char *string_at(const snapshot *s, gint64 index) {
  ck_assert_int_ge(index, 0);
  ck_assert_int_lt(index, json_array_get_length(s->strings));
  return json_array_get_string_element(s->strings, (guint)index);
}

const char *type_list(const snapshot *s, const char *member, guint i) {
  JsonArray *types = json_array_get_array_element(json_object_get_array_member(s->meta, member), 0);
  return json_array_get_string_element(types, i);
}

const char *node_type(const snapshot *s, guint node) {
  return type_list(s, "node_types", (guint)field(s, node, F_TYPE));
}

const char *node_name(const snapshot *s, guint node) {
  return string_at(s, field(s, node, F_NAME));
}

/* The node with this id, or -1. */
int node_of_id(const snapshot *s, guint id) {
  guint found = GPOINTER_TO_UINT(g_hash_table_lookup(s->by_id, GUINT_TO_POINTER(id)));
  return (int)found - 1;
}

guint node_of(const snapshot *s, const ccgc_heap_snapshot_ids *ids, const void *address) {
  uint32_t id = ccgc_heap_snapshot_ids_lookup(ids, address);
  ck_assert_uint_ne(id, 0);
  int node = node_of_id(s, id);
  ck_assert_msg(node >= 0, "no node with id %u", id);
  return (guint)node;
}

const char *edge_type(const snapshot *s, guint e) {
  return type_list(s, "edge_types", (guint)json_array_get_int_element(s->edges, e * 3));
}

gint64 edge_name_or_index(const snapshot *s, guint e) {
  return json_array_get_int_element(s->edges, e * 3 + 1);
}

guint edge_to(const snapshot *s, guint e) {
  return (guint)json_array_get_int_element(s->edges, e * 3 + 2) / NODE_FIELDS;
}

/* The first edge of node with this string name, or -1. */
int named_edge(const snapshot *s, guint node, const char *name) {
  for (guint e = s->first_edge[node]; e < s->first_edge[node + 1]; e++) {
    const char *type = edge_type(s, e);
    if (!strcmp(type, "element") || !strcmp(type, "hidden")) continue;
    if (!strcmp(string_at(s, edge_name_or_index(s, e)), name)) return (int)e;
  }
  return -1;
}

void *script_address(fixture *f, const char *property) {
  v8ish_handle_scope scope;
  v8ish_handle_scope_open(f->w->script, &scope);
  void *address = v8ish_object_address(
      f->w->script, v8ish_object_get(f->w->script, app_object(f), property));
  v8ish_handle_scope_close(&scope);
  return address;
}

void *app_address(fixture *f) {
  v8ish_handle_scope scope;
  v8ish_handle_scope_open(f->w->script, &scope);
  void *address = v8ish_object_address(f->w->script, app_object(f));
  v8ish_handle_scope_close(&scope);
  return address;
}

void *wrapper_address(fixture *f, ccgc_host_node *node) {
  v8ish_handle_scope scope;
  v8ish_handle_scope_open(f->w->script, &scope);
  void *address = v8ish_object_address(f->w->script, bridge_wrapper_of(f->w->bridge, node));
  v8ish_handle_scope_close(&scope);
  return address;
}

const ccgc_heap_snapshot_options *host_options(fixture *f) {
  static ccgc_heap_snapshot_options options;
  options = (ccgc_heap_snapshot_options){
      .detachedness = ccgc_host_snapshot_detachedness, .detachedness_data = f->w};
  return &options;
}

/* --- an independent count: a walk of the test's own ------------------------------- */


void count_object(const ccgc_object_info *info, void *data) {
  count *c = data;
  c->objects++;
  if (ccgc_host_node_at(c->f->w, info->address)) g_ptr_array_add(c->dom_nodes, info->address);
}

void count_edge(void *from, void *to, ccgc_edge edge, void *data) {
  count *c = data;
  (void)to;
  c->edges++;
  if (!from) g_hash_table_add(c->root_names, g_strdup(edge.name));
}

/* Objects, edges, root kinds, and DOM nodes that have a wrapper. */
void count_walk(fixture *f, size_t *objects, size_t *edges, size_t *groups,
                       size_t *wrapped) {
  count c = {f, 0, 0, g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL),
             g_ptr_array_new()};
  ccgc_walk_callbacks callbacks = {count_object, count_edge, &c};
  ck_assert_int_eq(ccgc_collector_walk(f->w->collector, &callbacks), CCGC_OK);
  *objects = c.objects;
  *edges = c.edges;
  *groups = g_hash_table_size(c.root_names);
  *wrapped = 0;
  for (guint i = 0; i < c.dom_nodes->len; i++)
    *wrapped += wrapper_address(f, c.dom_nodes->pdata[i]) != NULL;
  g_hash_table_destroy(c.root_names);
  g_ptr_array_free(c.dom_nodes, TRUE);
}

/* --- tests ------------------------------------------------------------------------------- */