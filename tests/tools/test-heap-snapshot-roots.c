/* test-heap-snapshot-roots.c - the roots and names of a heap snapshot as V8
 * and Blink write them (ccgc-snapshot.h), parsed back with json-glib: the
 * synthetic root, "(GC roots)" and its categories ("(Global handles)",
 * "(Handle scope)", "(Strong roots)") with internal edges "1", "2"...,
 * "C++ Persistent roots" under the root; shortcut edges from the root to
 * the host's user roots (what they reach is page-owned, as DevTools marks
 * it); closures named by their function, strings by
 * their characters, the DOM heap's collections "InternalNode", and the
 * host's name callback. The format: test-heap-snapshot.c. */
#include <check.h>
#include <glib.h>
#include <string.h>

#include "ccgc-test.h"
#include "heap-snapshot-fixture.h"
#include "host.h"

/* The node named name among node's targets through edges of type, or -1. */
static int child_named(const snapshot *s, guint node, const char *type, const char *name) {
  for (guint e = s->first_edge[node]; e < s->first_edge[node + 1]; e++)
    if (!strcmp(edge_type(s, e), type) && !strcmp(node_name(s, edge_to(s, e)), name))
      return (int)edge_to(s, e);
  return -1;
}

/* Whether node has an edge of type to target, named (a string) name. */
static bool has_named_edge_to(const snapshot *s, guint node, const char *type, guint target) {
  for (guint e = s->first_edge[node]; e < s->first_edge[node + 1]; e++)
    if (!strcmp(edge_type(s, e), type) && edge_to(s, e) == target) return true;
  return false;
}

START_TEST(root_categories_as_v8_names_them) {
  fixture f;
  fixture_open(&f, BRIDGE_MODE_UNIFIED);
  ccgc_heap_snapshot_ids *ids = ccgc_heap_snapshot_ids_new();
  /* A local handle open while the snapshot is taken: a "(Handle scope)" root. */
  v8ish_handle_scope scope;
  v8ish_handle_scope_open(f.w->script, &scope);
  v8ish_local local = v8ish_object_new(f.w->script);
  void *local_address = v8ish_object_address(f.w->script, local);
  snapshot *s = take(&f, ids, host_options(&f));
  v8ish_handle_scope_close(&scope);

  /* (GC roots): element edges 1, 2... to synthetic subroots, each with
   * internal edges named "1", "2"... */
  int global = child_named(s, 1, "element", "(Global handles)");
  int handles = child_named(s, 1, "element", "(Handle scope)");
  int strong = child_named(s, 1, "element", "(Strong roots)");
  ck_assert(global >= 0 && handles >= 0 && strong >= 0);
  for (guint e = s->first_edge[1], i = 1; e < s->first_edge[2]; e++, i++) {
    ck_assert_str_eq(edge_type(s, e), "element");
    ck_assert_int_eq(edge_name_or_index(s, e), i);
    guint subroot = edge_to(s, e);
    ck_assert_str_eq(node_type(s, subroot), "synthetic");
    ck_assert_int_eq(field(s, subroot, F_ID) % 2, 1);
    guint k = 1;
    for (guint r = s->first_edge[subroot]; r < s->first_edge[subroot + 1]; r++, k++) {
      ck_assert_str_eq(edge_type(s, r), "internal");
      char index[16];
      snprintf(index, sizeof index, "%u", k);
      ck_assert_str_eq(string_at(s, edge_name_or_index(s, r)), index);
    }
  }
  ck_assert(has_named_edge_to(s, (guint)global, "internal", node_of(s, ids, app_address(&f))));
  ck_assert(has_named_edge_to(s, (guint)handles, "internal", node_of(s, ids, local_address)));
  /* The DOM heap's persistents: a root node of their own under the root,
   * as V8 lists cppgc's, with element edges (the document among them). */
  ck_assert_int_eq(child_named(s, 1, "element", "C++ Persistent roots"), -1);
  int persistents = child_named(s, 0, "element", "C++ Persistent roots");
  ck_assert_int_ge(persistents, 0);
  ck_assert_str_eq(node_type(s, (guint)persistents), "synthetic");
  ck_assert(has_named_edge_to(s, (guint)persistents, "element",
                              node_of(s, ids, f.w->document)));
  for (guint n = 0; n < s->node_count; n++)
    ck_assert_str_ne(node_name(s, n), "(DOM persistents)");
  /* Categories counted: every subroot plus the persistents' node. */
  ck_assert_uint_eq(s->stats.root_groups, s->first_edge[2] - s->first_edge[1] + 1);
  snapshot_free(s);
  ccgc_heap_snapshot_ids_free(ids);
  fixture_close(&f);
}
END_TEST

/* DevTools' markPageOwnedNodes: what the root's shortcut targets reach
 * through non-weak edges is owned by the page. */
static bool *page_owned(const snapshot *s) {
  bool *owned = g_new0(bool, s->node_count);
  GQueue queue = G_QUEUE_INIT;
  for (guint e = s->first_edge[0]; e < s->first_edge[1]; e++)
    if (!strcmp(edge_type(s, e), "shortcut") && !owned[edge_to(s, e)]) {
      owned[edge_to(s, e)] = true;
      g_queue_push_tail(&queue, GUINT_TO_POINTER(edge_to(s, e)));
    }
  while (!g_queue_is_empty(&queue)) {
    guint node = GPOINTER_TO_UINT(g_queue_pop_head(&queue));
    for (guint e = s->first_edge[node]; e < s->first_edge[node + 1]; e++) {
      guint to = edge_to(s, e);
      if (owned[to] || !strcmp(edge_type(s, e), "weak")) continue;
      owned[to] = true;
      g_queue_push_tail(&queue, GUINT_TO_POINTER(to));
    }
  }
  return owned;
}

START_TEST(user_roots_are_shortcuts_from_the_root) {
  fixture f;
  fixture_open(&f, BRIDGE_MODE_UNIFIED);
  /* A DOM object only a persistent holds: not the page's. */
  blinkish_type_info lonely_type = {"Lonely", NULL, NULL, 0};
  void *lonely = blinkish_alloc(f.w->dom, blinkish_register_type(f.w->dom, &lonely_type), 16);
  ck_assert_ptr_nonnull(lonely);
  blinkish_persistent *lonely_root = blinkish_persistent_new(f.w->dom, lonely, false);
  ccgc_heap_snapshot_ids *ids = ccgc_heap_snapshot_ids_new();
  snapshot *plain = take(&f, ids, host_options(&f));
  /* app (the page's global object), the document, and the document's
   * wrapper (the same merged node: no second shortcut). */
  void *document_wrapper = wrapper_address(&f, f.w->document);
  ck_assert_ptr_nonnull(document_wrapper);
  const void *roots[] = {app_address(&f), f.w->document, document_wrapper};
  ccgc_heap_snapshot_options options = *host_options(&f);
  options.user_roots = roots;
  options.user_root_count = 3;
  snapshot *s = take(&f, ids, &options);
  ck_assert_uint_eq(s->stats.user_roots, 2);
  ck_assert_uint_eq(s->node_count, plain->node_count);
  ck_assert_uint_eq(s->edge_count, plain->edge_count + 2);
  /* V8's order: element 1 to (GC roots), shortcuts "2" and "3", then the
   * embedder's root nodes. */
  guint root_edges = s->first_edge[1];
  ck_assert_uint_eq(root_edges, 4);
  ck_assert_str_eq(edge_type(s, 1), "shortcut");
  ck_assert_str_eq(string_at(s, edge_name_or_index(s, 1)), "2");
  ck_assert_uint_eq(edge_to(s, 1), node_of(s, ids, roots[0]));
  ck_assert_str_eq(edge_type(s, 2), "shortcut");
  ck_assert_str_eq(string_at(s, edge_name_or_index(s, 2)), "3");
  ck_assert_uint_eq(edge_to(s, 2), node_of(s, ids, f.w->document));
  ck_assert_str_eq(node_type(s, edge_to(s, 2)), "native");
  ck_assert_str_eq(edge_type(s, 3), "element");
  ck_assert_int_eq(edge_name_or_index(s, 3), 4);
  ck_assert_str_eq(node_name(s, edge_to(s, 3)), "C++ Persistent roots");
  /* DevTools takes the root's non-synthetic children as user roots: without
   * user roots there are none. */
  for (guint e = 0; e < plain->first_edge[1]; e++)
    ck_assert_str_eq(node_type(plain, edge_to(plain, e)), "synthetic");
  /* Page-owned, as DevTools marks them: the page's DOM, app's objects and
   * the detached #gone app holds; not the lonely object, nor anything in
   * the snapshot without user roots. */
  bool *owned = page_owned(s);
  ck_assert(owned[node_of(s, ids, f.button)] && owned[node_of(s, ids, f.detached)]);
  ck_assert(owned[node_of(s, ids, script_address(&f, "list"))]);
  ck_assert(!owned[node_of(s, ids, lonely)]);
  ck_assert(!owned[0] && !owned[1]);
  g_free(owned);
  owned = page_owned(plain);
  for (guint n = 0; n < plain->node_count; n++) ck_assert(!owned[n]);
  g_free(owned);
  snapshot_free(plain);
  snapshot_free(s);
  ccgc_heap_snapshot_ids_free(ids);
  blinkish_persistent_free(f.w->dom, lonely_root);
  fixture_close(&f);
}
END_TEST

/* Renames the document, and cuts a name that is too long. */
static bool rename_some(const ccgc_object_info *info, char *name, size_t size, void *data) {
  fixture *f = data;
  if (info->address == f->w->document) {
    snprintf(name, size, "HTMLDocument / page");
    return true;
  }
  if (info->address == f->inner) {
    memset(name, 'x', size); /* no NUL: the writer cuts it */
    return true;
  }
  return false;
}

/* A name that ends inside a character: "a" and then e-acute (two bytes)
 * until the buffer is full, as snprintf leaves it. */
static bool rename_broken(const ccgc_object_info *info, char *name, size_t size, void *data) {
  fixture *f = data;
  if (info->address != f->w->document) return false;
  char big[2200] = "a";
  for (int k = 0; k < 1000; k++) strcat(big, "\xc3\xa9");
  snprintf(name, size, "%s", big);
  return true;
}

START_TEST(names_as_v8_and_blink_write_them) {
  fixture f;
  fixture_open(&f, BRIDGE_MODE_UNIFIED);
  v8ish_handle_scope scope;
  v8ish_handle_scope_open(f.w->script, &scope);
  v8ish_object_set(f.w->script, app_object(&f), "anonymous",
                   v8ish_closure_new(f.w->script, v8ish_local_empty(), NULL));
  v8ish_object_set(f.w->script, app_object(&f), "text",
                   v8ish_string_new(f.w->script, "caf\xc3\xa9 au lait", 13));
  v8ish_handle_scope_close(&scope);
  ccgc_heap_snapshot_ids *ids = ccgc_heap_snapshot_ids_new();
  snapshot *s = take(&f, ids, host_options(&f));
  /* The button's listener closure: named by its function, "onSend"; its
   * name string a string node named by its characters. */
  guint button = node_of(s, ids, f.button);
  int listeners = named_edge(s, button, "listeners");
  ck_assert_int_ge(listeners, 0);
  guint vector = edge_to(s, (guint)listeners);
  ck_assert_str_eq(node_type(s, vector), "native");
  ck_assert_str_eq(node_name(s, vector), "InternalNode"); /* Blink's HeapVector */
  bool closure_found = false;
  for (guint n = 0; n < s->node_count; n++) {
    ck_assert_str_ne(node_name(s, n), "HeapVector");
    ck_assert_str_ne(node_name(s, n), "HeapVectorBacking");
    ck_assert_str_ne(node_name(s, n), "Closure");
    if (strcmp(node_type(s, n), "closure") || strcmp(node_name(s, n), "onSend")) continue;
    closure_found = true;
    int shared = named_edge(s, n, "shared name");
    ck_assert_int_ge(shared, 0);
    ck_assert_str_eq(node_type(s, edge_to(s, (guint)shared)), "string");
    ck_assert_str_eq(node_name(s, edge_to(s, (guint)shared)), "onSend");
  }
  ck_assert(closure_found);
  guint app = node_of(s, ids, app_address(&f));
  int anonymous = named_edge(s, app, "anonymous"), text = named_edge(s, app, "text");
  ck_assert(anonymous >= 0 && text >= 0);
  ck_assert_str_eq(node_type(s, edge_to(s, (guint)anonymous)), "closure");
  ck_assert_str_eq(node_name(s, edge_to(s, (guint)anonymous)), "(anonymous)");
  ck_assert_str_eq(node_type(s, edge_to(s, (guint)text)), "string");
  ck_assert_str_eq(node_name(s, edge_to(s, (guint)text)), "caf\xc3\xa9 au lait");
  ck_assert_str_eq(node_name(s, node_of(s, ids, f.w->document)), "HTMLDocument");
  snapshot_free(s);

  /* The host's names come first; the others keep theirs. */
  ccgc_heap_snapshot_options options = *host_options(&f);
  options.name = rename_some;
  options.name_data = &f;
  s = take(&f, ids, &options);
  ck_assert_str_eq(node_name(s, node_of(s, ids, f.w->document)), "HTMLDocument / page");
  ck_assert_uint_eq(strlen(node_name(s, node_of(s, ids, f.inner))), 1024);
  ck_assert_str_eq(node_name(s, node_of(s, ids, f.button)), "HTMLButtonElement");
  snapshot_free(s);

  /* Cut on a character boundary, the name the namer wrote short of its
   * broken last character: 1023 bytes, no U+FFFD. */
  options.name = rename_broken;
  s = take(&f, ids, &options);
  const char *cut_name = node_name(s, node_of(s, ids, f.w->document));
  ck_assert_uint_eq(strlen(cut_name), 1023);
  ck_assert(g_utf8_validate(cut_name, -1, NULL));
  ck_assert_ptr_null(strstr(cut_name, "\xef\xbf\xbd"));
  snapshot_free(s);
  ccgc_heap_snapshot_ids_free(ids);
  fixture_close(&f);
}
END_TEST

int main(void) {
  Suite *suite = suite_create("heap-snapshot-roots");
  TCase *tc = tcase_create("roots");
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, root_categories_as_v8_names_them);
  tcase_add_test(tc, user_roots_are_shortcuts_from_the_root);
  tcase_add_test(tc, names_as_v8_and_blink_write_them);
  suite_add_tcase(suite, tc);
  return ccgc_test_run(suite);
}
