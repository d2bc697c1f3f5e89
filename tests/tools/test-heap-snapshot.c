/* test-heap-snapshot.c - Chrome DevTools heap snapshots (ccgc-snapshot.h)
 * parsed back with a real JSON parser (json-glib): the layout and meta, the
 * counts against an independent walk, wrapper pairs merged, detachedness,
 * ids stable across collections, weak and element edges. Root categories,
 * user roots and names: test-heap-snapshot-roots.c; files, escaping and
 * errors: test-heap-snapshot-files.c; ids while objects move:
 * test-heap-snapshot-ids.c; the `ccgc snapshot` command:
 * test-cmd-snapshot.c. */
#define _GNU_SOURCE /* open_memstream */
#include <check.h>
#include <glib.h>
#include <json-glib/json-glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ccgc-test.h"
#include "heap-snapshot.h"
#include "heap-snapshot-fixture.h"
#include "host.h"
#include "run-command.h"

START_TEST(layout_and_meta_as_devtools_reads_them) {
  fixture f;
  fixture_open(&f, BRIDGE_MODE_UNIFIED);
  ccgc_heap_snapshot_ids *ids = ccgc_heap_snapshot_ids_new();
  snapshot *s = take(&f, ids, host_options(&f));
  /* Key order: snapshot, nodes, edges, the optional sections, strings last. */
  GList *members = json_object_get_members(s->root);
  const char *order[] = {"snapshot", "nodes", "edges", "trace_function_infos",
                         "trace_tree", "samples", "locations", "strings"};
  guint i = 0;
  for (GList *m = members; m; m = m->next, i++) {
    ck_assert_uint_lt(i, G_N_ELEMENTS(order));
    ck_assert_str_eq(m->data, order[i]);
  }
  ck_assert_uint_eq(i, G_N_ELEMENTS(order));
  g_list_free(members);
  const char *at_nodes = strstr(s->text, "\"nodes\":"), *at_edges = strstr(s->text, "\"edges\":"),
             *at_strings = strstr(s->text, "\"strings\":");
  ck_assert(strstr(s->text, "{\"snapshot\":") == s->text);
  ck_assert(at_nodes && at_edges && at_strings && at_nodes < at_edges && at_edges < at_strings);
  /* Meta fields. */
  const char *node_fields[] = {"type", "name", "id", "self_size", "edge_count",
                               "trace_node_id", "detachedness"};
  JsonArray *fields = json_object_get_array_member(s->meta, "node_fields");
  ck_assert_uint_eq(json_array_get_length(fields), NODE_FIELDS);
  for (i = 0; i < NODE_FIELDS; i++)
    ck_assert_str_eq(json_array_get_string_element(fields, i), node_fields[i]);
  const char *edge_fields[] = {"type", "name_or_index", "to_node"};
  fields = json_object_get_array_member(s->meta, "edge_fields");
  ck_assert_uint_eq(json_array_get_length(fields), 3);
  for (i = 0; i < 3; i++) ck_assert_str_eq(json_array_get_string_element(fields, i), edge_fields[i]);
  const char *edge_types[] = {"context", "element", "property", "internal",
                              "hidden", "shortcut", "weak"};
  JsonArray *types = json_array_get_array_element(json_object_get_array_member(s->meta, "edge_types"), 0);
  ck_assert_uint_eq(json_array_get_length(types), G_N_ELEMENTS(edge_types));
  for (i = 0; i < G_N_ELEMENTS(edge_types); i++)
    ck_assert_str_eq(json_array_get_string_element(types, i), edge_types[i]);
  const char *node_types[] = {"hidden", "array", "string", "object", "code", "closure",
                              "regexp", "number", "native", "synthetic"};
  types = json_array_get_array_element(json_object_get_array_member(s->meta, "node_types"), 0);
  for (i = 0; i < G_N_ELEMENTS(node_types); i++)
    ck_assert_str_eq(json_array_get_string_element(types, i), node_types[i]);
  /* The root: node 0, synthetic, id 1, name ""; node 1 "(GC roots)", id 3
   * (V8's numbering); the root's first edge is element 1 to it. The root
   * categories and user roots: test-heap-snapshot-roots.c. */
  ck_assert_str_eq(node_type(s, 0), "synthetic");
  ck_assert_int_eq(field(s, 0, F_ID), 1);
  ck_assert_str_eq(node_name(s, 0), "");
  ck_assert_str_eq(node_type(s, 1), "synthetic");
  ck_assert_str_eq(node_name(s, 1), "(GC roots)");
  ck_assert_int_eq(field(s, 1, F_ID), 3);
  ck_assert_str_eq(edge_type(s, 0), "element");
  ck_assert_int_eq(edge_name_or_index(s, 0), 1);
  ck_assert_uint_eq(edge_to(s, 0), 1);
  /* Every edge: to_node a multiple of the node field count, in range;
   * element and hidden edges numeric, the others a string index. */
  for (guint e = 0; e < s->edge_count; e++) {
    gint64 to = json_array_get_int_element(s->edges, e * 3 + 2);
    ck_assert_int_eq(to % NODE_FIELDS, 0);
    ck_assert_int_lt(to / NODE_FIELDS, s->node_count);
    const char *type = edge_type(s, e);
    if (strcmp(type, "element") != 0 && strcmp(type, "hidden") != 0)
      string_at(s, edge_name_or_index(s, e));
  }
  for (guint n = 0; n < s->node_count; n++) {
    node_name(s, n);
    ck_assert_int_eq(field(s, n, F_TRACE), 0);
    /* V8's numbering: the root 1, script and synthetic odd, native even. */
    gint64 id = field(s, n, F_ID);
    ck_assert_int_eq(id % 2, strcmp(node_type(s, n), "native") ? 1 : 0);
  }
  snapshot_free(s);
  ccgc_heap_snapshot_ids_free(ids);
  fixture_close(&f);
}
END_TEST

START_TEST(counts_are_the_walk_minus_merged_pairs) {
  for (int mode = 0; mode < 2; mode++) {
    fixture f;
    fixture_open(&f, mode ? BRIDGE_MODE_BASELINE : BRIDGE_MODE_UNIFIED);
    size_t objects, edges, groups, wrapped;
    count_walk(&f, &objects, &edges, &groups, &wrapped);
    size_t pairs = mode ? 0 : wrapped; /* baseline: nothing traces a wrapper back */
    ck_assert_uint_gt(wrapped, 3);
    ccgc_heap_snapshot_ids *ids = ccgc_heap_snapshot_ids_new();
    snapshot *s = take(&f, ids, host_options(&f));
    /* + the root and "(GC roots)"; + the root's edge to "(GC roots)" and
     * one edge to each category (no user roots given here). */
    ck_assert_uint_eq(s->node_count, objects - pairs + 2 + groups);
    ck_assert_uint_eq(s->edge_count, edges - 2 * pairs + 1 + groups);
    ck_assert_uint_eq(s->stats.root_groups, groups);
    ck_assert_uint_eq(s->stats.merged_pairs, pairs);
    ck_assert_uint_eq(s->stats.walk_objects, objects);
    ck_assert_uint_eq(s->stats.walk_edges, edges);
    ck_assert_uint_eq(s->stats.dropped_edges, 0);
    snapshot_free(s);
    /* Kept apart, every object is a node and every edge an edge. */
    ccgc_heap_snapshot_options apart = *host_options(&f);
    apart.keep_wrappers_apart = true;
    s = take(&f, ids, &apart);
    ck_assert_uint_eq(s->node_count, objects + 2 + groups);
    ck_assert_uint_eq(s->edge_count, edges + 1 + groups);
    snapshot_free(s);
    ccgc_heap_snapshot_ids_free(ids);
    fixture_close(&f);
  }
}
END_TEST

START_TEST(a_wrapper_pair_is_one_native_node) {
  fixture f;
  fixture_open(&f, BRIDGE_MODE_UNIFIED);
  ccgc_heap_snapshot_ids *ids = ccgc_heap_snapshot_ids_new();
  snapshot *s = take(&f, ids, host_options(&f));
  void *wrapper = wrapper_address(&f, f.button);
  ck_assert_ptr_nonnull(wrapper);
  guint node = node_of(s, ids, f.button);
  ck_assert_str_eq(node_type(s, node), "native");
  ck_assert_str_eq(node_name(s, node), "HTMLButtonElement");
  ccgc_object_info dom_info, wrapper_info;
  ck_assert_int_eq(ccgc_collector_object_info(f.w->collector, f.button, &dom_info), CCGC_OK);
  ck_assert_int_eq(ccgc_collector_object_info(f.w->collector, wrapper, &wrapper_info), CCGC_OK);
  ck_assert_int_eq(field(s, node, F_SIZE), dom_info.size + wrapper_info.size);
  /* The wrapper has no node of its own: its lookup answers its node's id,
   * the DOM object's (ccgc-snapshot.h). */
  uint32_t wrapper_id = ccgc_heap_snapshot_ids_lookup(ids, wrapper);
  ck_assert_uint_ne(wrapper_id, 0);
  ck_assert_uint_eq(wrapper_id, ccgc_heap_snapshot_ids_lookup(ids, f.button));
  ck_assert_int_eq(node_of_id(s, wrapper_id), (int)node);
  /* The merged node has both halves' edges (the DOM's parentNode, the
   * wrapper's map), but not the two between them. */
  ck_assert_int_ge(named_edge(s, node, "parentNode"), 0);
  ck_assert_int_ge(named_edge(s, node, "listeners"), 0);
  ck_assert_int_ge(named_edge(s, node, "map"), 0);
  ck_assert_int_eq(named_edge(s, node, "embedder"), -1);
  for (guint e = s->first_edge[node]; e < s->first_edge[node + 1]; e++)
    ck_assert_uint_ne(edge_to(s, e), node);
  /* References to a wrapper lead to its merged node: app.gone. */
  guint app = node_of(s, ids, app_address(&f));
  int gone = named_edge(s, app, "gone");
  ck_assert_int_ge(gone, 0);
  ck_assert_uint_eq(edge_to(s, (guint)gone), node_of(s, ids, f.detached));
  ck_assert_str_eq(edge_type(s, (guint)gone), "property");
  snapshot_free(s);
  ccgc_heap_snapshot_ids_free(ids);
  fixture_close(&f);

  /* Baseline bridge: the wrapper is a root and nothing traces it back, so
   * it stays a script object with an internal edge to its DOM object. */
  fixture_open(&f, BRIDGE_MODE_BASELINE);
  ids = ccgc_heap_snapshot_ids_new();
  s = take(&f, ids, host_options(&f));
  ck_assert_uint_eq(s->stats.merged_pairs, 0);
  guint wrapper_node = node_of(s, ids, wrapper_address(&f, f.button));
  ck_assert_str_eq(node_type(s, wrapper_node), "object");
  ck_assert_str_eq(node_name(s, wrapper_node), "HTMLButtonElement");
  int embedder = named_edge(s, wrapper_node, "embedder");
  ck_assert_int_ge(embedder, 0);
  ck_assert_str_eq(edge_type(s, (guint)embedder), "internal");
  ck_assert_uint_eq(edge_to(s, (guint)embedder), node_of(s, ids, f.button));
  snapshot_free(s);
  ccgc_heap_snapshot_ids_free(ids);
  fixture_close(&f);
}
END_TEST

START_TEST(detachedness_of_attached_and_detached_nodes) {
  fixture f;
  fixture_open(&f, BRIDGE_MODE_UNIFIED);
  ccgc_heap_snapshot_ids *ids = ccgc_heap_snapshot_ids_new();
  snapshot *s = take(&f, ids, host_options(&f));
  guint button = node_of(s, ids, f.button), gone = node_of(s, ids, f.detached),
        inner = node_of(s, ids, f.inner), document = node_of(s, ids, f.w->document);
  ck_assert_int_eq(field(s, button, F_DETACHED), 1);
  ck_assert_int_eq(field(s, document, F_DETACHED), 1);
  ck_assert_int_eq(field(s, gone, F_DETACHED), 2);
  ck_assert_int_eq(field(s, inner, F_DETACHED), 2);
  ck_assert_str_eq(node_name(s, gone), "HTMLDivElement"); /* plain: readers add "Detached " */
  ck_assert_str_eq(node_name(s, inner), "HTMLParagraphElement");
  /* Not DOM nodes: unknown. */
  int listeners = named_edge(s, button, "listeners");
  ck_assert_int_ge(listeners, 0);
  ck_assert_int_eq(field(s, edge_to(s, (guint)listeners), F_DETACHED), 0);
  guint app = node_of(s, ids, app_address(&f));
  ck_assert_str_eq(node_type(s, app), "object");
  ck_assert_int_eq(field(s, app, F_DETACHED), 0);
  snapshot_free(s);
  /* Without a callback every node is unknown. */
  s = take(&f, ids, NULL);
  for (guint n = 0; n < s->node_count; n++) ck_assert_int_eq(field(s, n, F_DETACHED), 0);
  snapshot_free(s);
  ccgc_heap_snapshot_ids_free(ids);
  fixture_close(&f);
}
END_TEST

static GHashTable *ids_of(const snapshot *s) {
  GHashTable *set = g_hash_table_new(g_direct_hash, g_direct_equal);
  for (guint n = 0; n < s->node_count; n++)
    g_hash_table_add(set, GUINT_TO_POINTER((guint)field(s, n, F_ID)));
  return set;
}

START_TEST(ids_are_stable_across_collections) {
  fixture f;
  fixture_open(&f, BRIDGE_MODE_UNIFIED);
  ccgc_heap_snapshot_ids *ids = ccgc_heap_snapshot_ids_new();
  snapshot *first = take(&f, ids, host_options(&f));
  uint32_t button_id = ccgc_heap_snapshot_ids_lookup(ids, f.button);
  uint32_t gone_id = ccgc_heap_snapshot_ids_lookup(ids, f.detached);
  uint32_t inner_id = ccgc_heap_snapshot_ids_lookup(ids, f.inner);
  uint32_t document_id = ccgc_heap_snapshot_ids_lookup(ids, f.w->document);
  void *gone_address = f.detached, *inner_address = f.inner;
  GHashTable *first_ids = ids_of(first);

  /* Script drops #gone; a collection reclaims it; new objects are made
   * (they may reuse its memory), and collected once more. */
  v8ish_handle_scope scope;
  v8ish_handle_scope_open(f.w->script, &scope);
  v8ish_object_set(f.w->script, app_object(&f), "gone", v8ish_integer(f.w->script, 0));
  v8ish_object_set(f.w->script, app_object(&f), "list", v8ish_integer(f.w->script, 0));
  v8ish_handle_scope_close(&scope);
  ccgc_test_collect_verified(f.w->collector);
  ck_assert_int_eq(ccgc_heap_snapshot_ids_refresh(ids, f.w->collector), CCGC_OK);
  ck_assert_uint_eq(ccgc_heap_snapshot_ids_lookup(ids, gone_address), 0);
  v8ish_handle_scope_open(f.w->script, &scope);
  ccgc_host_node *fresh = NULL;
  for (int i = 0; i < 4; i++) {
    ccgc_host_node *div = ccgc_host_create_element(f.w, "div");
    ccgc_host_append_child(f.w, div, ccgc_host_create_element(f.w, "p"));
    ccgc_host_append_child(f.w, ccgc_host_find_tag(f.w->document, "body"), div);
    ccgc_host_wrap(f.w, div);
    fresh = div;
  }
  v8ish_handle_scope_close(&scope);
  ccgc_test_collect_verified(f.w->collector);
  snapshot *second = take(&f, ids, host_options(&f));

  /* Survivors keep their ids, and their nodes say the same. */
  ck_assert_uint_eq(ccgc_heap_snapshot_ids_lookup(ids, f.button), button_id);
  ck_assert_uint_eq(ccgc_heap_snapshot_ids_lookup(ids, f.w->document), document_id);
  int before = node_of_id(first, button_id), after = node_of_id(second, button_id);
  ck_assert(before >= 0 && after >= 0);
  ck_assert_str_eq(node_name(first, (guint)before), node_name(second, (guint)after));
  ck_assert_int_eq(node_of_id(second, 1), 0);
  /* "(GC roots)" and the root categories: the same ids. */
  for (guint g = 1; g <= second->stats.root_groups + 1; g++) {
    int same = node_of_id(first, (guint)field(second, g, F_ID));
    ck_assert_int_ge(same, 1);
    ck_assert_str_eq(node_name(first, (guint)same), node_name(second, g));
  }
  /* The dead are gone: no node has their ids, even where a new object took
   * their address; new objects have ids never used before. */
  ck_assert_int_eq(node_of_id(second, gone_id), -1);
  ck_assert_int_eq(node_of_id(second, inner_id), -1);
  ck_assert_uint_ne(ccgc_heap_snapshot_ids_lookup(ids, gone_address), gone_id);
  ck_assert_uint_ne(ccgc_heap_snapshot_ids_lookup(ids, inner_address), inner_id);
  uint32_t fresh_id = ccgc_heap_snapshot_ids_lookup(ids, fresh);
  ck_assert_uint_ne(fresh_id, 0);
  ck_assert(!g_hash_table_contains(first_ids, GUINT_TO_POINTER(fresh_id)));
  /* Every id shared by both snapshots names the same kind of node. */
  size_t shared = 0;
  for (guint n = 0; n < second->node_count; n++) {
    guint id = (guint)field(second, n, F_ID);
    int old = node_of_id(first, id);
    if (old < 0) continue;
    shared++;
    ck_assert_str_eq(node_name(first, (guint)old), node_name(second, n));
    ck_assert_int_eq(field(first, (guint)old, F_TYPE), field(second, n, F_TYPE));
  }
  ck_assert_uint_gt(shared, second->node_count / 2);
  /* The table holds exactly the live objects. */
  ck_assert_uint_eq(ccgc_heap_snapshot_ids_count(ids), second->stats.walk_objects);
  g_hash_table_destroy(first_ids);
  snapshot_free(first);
  snapshot_free(second);
  ccgc_heap_snapshot_ids_free(ids);
  fixture_close(&f);
}
END_TEST

/* A DOM type with a strong member, a weak one, and an ephemeron (key keeps
 * value alive). */
typedef struct weak_holder {
  void *strong;
  void *weak;
  void *key, *value;
} weak_holder;

static void trace_weak_holder(ccgc_visitor *visitor, void *object) {
  weak_holder *holder = object;
  blinkish_trace_member(visitor, (void *const *)&holder->strong, "strongTarget");
  blinkish_trace_weak(visitor, &holder->weak, "weakTarget");
  ccgc_visit_ephemeron(visitor, blinkish_member_load((void *const *)&holder->key),
                       blinkish_member_load((void *const *)&holder->value),
                       ccgc_edge_named(CCGC_EDGE_EPHEMERON, "value"));
}

START_TEST(weak_and_element_edges) {
  fixture f;
  fixture_open(&f, BRIDGE_MODE_UNIFIED);
  blinkish_type_info info = {"WeakHolder", trace_weak_holder, NULL, 0};
  blinkish_type_id type = blinkish_register_type(f.w->dom, &info);
  ck_assert_uint_ne(type, 0);
  weak_holder *holder = blinkish_alloc(f.w->dom, type, sizeof *holder);
  blinkish_persistent *root = blinkish_persistent_new(f.w->dom, holder, false);
  blinkish_member_set(f.w->dom, holder, &holder->strong, f.inner);
  blinkish_member_set(f.w->dom, holder, &holder->weak, f.button);
  blinkish_member_set(f.w->dom, holder, &holder->key, f.w->document);
  blinkish_member_set(f.w->dom, holder, &holder->value, f.inner);
  ccgc_heap_snapshot_ids *ids = ccgc_heap_snapshot_ids_new();
  snapshot *s = take(&f, ids, host_options(&f));
  guint node = node_of(s, ids, holder);
  ck_assert_str_eq(node_type(s, node), "native");
  int weak = named_edge(s, node, "weakTarget"), strong = named_edge(s, node, "strongTarget");
  ck_assert(weak >= 0 && strong >= 0);
  ck_assert_str_eq(edge_type(s, (guint)weak), "weak");
  ck_assert_uint_eq(edge_to(s, (guint)weak), node_of(s, ids, f.button));
  ck_assert_str_eq(edge_type(s, (guint)strong), "property");
  /* The ephemeron: a weak edge to the key, an internal edge to the value
   * named as V8 names WeakMap entries (memlab reads the key's id in it). */
  guint document = node_of(s, ids, f.w->document), inner = node_of(s, ids, f.inner);
  char *entry = g_strdup_printf(
      "part of key (HTMLDocument @%d) -> value (HTMLParagraphElement @%d) pair in WeakMap "
      "(table @%d)",
      (int)field(s, document, F_ID), (int)field(s, inner, F_ID), (int)field(s, node, F_ID));
  int value = named_edge(s, node, entry);
  ck_assert_msg(value >= 0, "no edge '%s'", entry);
  ck_assert_str_eq(edge_type(s, (guint)value), "internal");
  ck_assert_uint_eq(edge_to(s, (guint)value), inner);
  g_free(entry);
  bool weak_key = false;
  for (guint e = s->first_edge[node]; e < s->first_edge[node + 1]; e++)
    weak_key |= edge_to(s, e) == document && !strcmp(edge_type(s, e), "weak");
  ck_assert(weak_key);

  /* app.list = [button, #gone, p]: the array's backing store has element
   * edges 0, 1, 2 with numeric name_or_index, to the merged nodes. */
  guint list = node_of(s, ids, script_address(&f, "list"));
  ck_assert_str_eq(node_type(s, list), "object");
  ck_assert_str_eq(node_name(s, list), "Array");
  int elements = named_edge(s, list, "elements");
  ck_assert_int_ge(elements, 0);
  guint store = edge_to(s, (guint)elements);
  ck_assert_str_eq(node_type(s, store), "array");
  const void *expected[] = {f.button, f.detached, f.inner};
  guint seen = 0;
  for (guint e = s->first_edge[store]; e < s->first_edge[store + 1]; e++) {
    if (strcmp(edge_type(s, e), "element") != 0) continue;
    gint64 index = edge_name_or_index(s, e);
    ck_assert_int_lt(index, 3);
    ck_assert_uint_eq(edge_to(s, e), node_of(s, ids, expected[index]));
    seen |= 1u << index;
  }
  ck_assert_uint_eq(seen, 7);
  snapshot_free(s);
  ccgc_heap_snapshot_ids_free(ids);
  blinkish_persistent_free(f.w->dom, root);
  fixture_close(&f);
}
END_TEST

int main(void) {
  Suite *suite = suite_create("heap-snapshot");
  TCase *tc = tcase_create("format");
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, layout_and_meta_as_devtools_reads_them);
  tcase_add_test(tc, counts_are_the_walk_minus_merged_pairs);
  tcase_add_test(tc, a_wrapper_pair_is_one_native_node);
  tcase_add_test(tc, detachedness_of_attached_and_detached_nodes);
  tcase_add_test(tc, ids_are_stable_across_collections);
  tcase_add_test(tc, weak_and_element_edges);
  suite_add_tcase(suite, tc);
  return ccgc_test_run(suite);
}
