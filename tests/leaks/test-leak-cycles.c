/* test-leak-cycles.c - the leak-cycle suite. Each garbage shape must be
 * reclaimed by one full collection with unified tracing, and must leak under
 * the baseline bridge (DOM-to-script references as global handles), which
 * shows the test can fail. The same shapes still reachable from a root must
 * survive. Every collection runs the marking verifier. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "ccgc-probe.h"
#include "ccgc-test.h"
#include "host.h"

typedef struct leak_world {
  ccgc_host_world *w;
  v8ish_handle_scope scope;
  ccgc_probe *probes[16];
  size_t probe_count;
} leak_world;

static void open_world(leak_world *lw, bridge_mode mode) {
  memset(lw, 0, sizeof *lw);
  ccgc_collector_options options = {.verify = true};
  lw->w = ccgc_host_world_new(mode, &options);
  v8ish_handle_scope_open(lw->w->script, &lw->scope);
}

static void probe(leak_world *lw, void *address, const char *label) {
  ck_assert_ptr_nonnull(address);
  lw->probes[lw->probe_count++] = ccgc_probe_new(lw->w->collector, address, label);
}

static void probe_script(leak_world *lw, v8ish_local value, const char *label) {
  probe(lw, v8ish_object_address(lw->w->script, value), label);
}

/* Closes the scope (locals are roots), collects once, and counts the probes
 * whose objects were reclaimed. */
static size_t collect_and_count(leak_world *lw) {
  v8ish_handle_scope_close(&lw->scope);
  ccgc_test_collect_verified(lw->w->collector);
  size_t collected = 0;
  for (size_t i = 0; i < lw->probe_count; i++)
    collected += ccgc_probe_collected(lw->probes[i]);
  v8ish_handle_scope_open(lw->w->script, &lw->scope);
  return collected;
}

static void close_world(leak_world *lw) {
  for (size_t i = 0; i < lw->probe_count; i++)
    ccgc_probe_free(lw->w->collector, lw->probes[i]);
  v8ish_handle_scope_close(&lw->scope);
  ccgc_host_world_free(lw->w);
}

/* An element whose click listener's closure captures the element's wrapper:
 * closure -> context -> wrapper -> element -> listener -> closure. */
static ccgc_host_node *listening_element(leak_world *lw, v8ish_local *closure_out) {
  ccgc_host_node *element = ccgc_host_create_element(lw->w, "div");
  v8ish_local wrapper = ccgc_host_wrap(lw->w, element);
  v8ish_local closure = ccgc_host_make_closure(lw->w, "onclick", &wrapper, 1);
  ccgc_host_add_event_listener(lw->w, element, "click", closure);
  if (closure_out) *closure_out = closure;
  return element;
}

/* --- 1. closure -> listener -> element -> wrapper -> closure ------------- */

static size_t listener_cycle(bridge_mode mode, bool rooted) {
  leak_world lw;
  open_world(&lw, mode);
  v8ish_local closure;
  ccgc_host_node *element = listening_element(&lw, &closure);
  probe(&lw, element, "element");
  probe_script(&lw, closure, "closure");
  probe_script(&lw, ccgc_host_wrap(lw.w, element), "wrapper");
  v8ish_global root = {0, 0};
  if (rooted) root = v8ish_global_new(lw.w->script, closure, false);
  size_t collected = collect_and_count(&lw);
  if (rooted) v8ish_global_free(lw.w->script, root);
  close_world(&lw);
  return collected;
}

START_TEST(listener_cycle_is_reclaimed) {
  ck_assert_uint_eq(listener_cycle(BRIDGE_MODE_UNIFIED, false), 3);
}
END_TEST
START_TEST(listener_cycle_leaks_under_baseline) {
  ck_assert_uint_eq(listener_cycle(BRIDGE_MODE_BASELINE, false), 0);
}
END_TEST
START_TEST(rooted_listener_cycle_survives) {
  ck_assert_uint_eq(listener_cycle(BRIDGE_MODE_UNIFIED, true), 0);
}
END_TEST

/* --- 2. a detached subtree kept only by a cycle with its wrappers -------- */

static size_t detached_subtree(bridge_mode mode, bool keep_attached) {
  leak_world lw;
  open_world(&lw, mode);
  ccgc_host_load_html_memory(lw.w, ccgc_host_default_page(),
                             strlen(ccgc_host_default_page()));
  ccgc_host_node *widget = ccgc_host_get_element_by_id(lw.w->document, "widget");
  ck_assert_ptr_nonnull(widget);
  /* Every element of the subtree gets a listener capturing the root's wrapper. */
  v8ish_local root_wrapper = ccgc_host_wrap(lw.w, widget);
  for (ccgc_host_node *node = widget; node;
       node = ccgc_host_next_in_order(widget, node)) {
    if (node->kind != CCGC_HOST_ELEMENT) continue;
    ccgc_host_wrap(lw.w, node);
    v8ish_local closure = ccgc_host_make_closure(lw.w, "handler", &root_wrapper, 1);
    ccgc_host_add_event_listener(lw.w, node, "click", closure);
    probe(&lw, node, node->name);
  }
  if (!keep_attached) ccgc_host_remove_child(lw.w, widget->parent, widget);
  ck_assert(ccgc_host_is_attached(lw.w, widget) == keep_attached);
  size_t collected = collect_and_count(&lw);
  ck_assert_uint_ge(lw.probe_count, 4);
  size_t expected = lw.probe_count;
  close_world(&lw);
  return collected == expected ? 1 : collected == 0 ? 0 : 2;
}

START_TEST(detached_subtree_is_reclaimed) {
  ck_assert_uint_eq(detached_subtree(BRIDGE_MODE_UNIFIED, false), 1);
}
END_TEST
START_TEST(detached_subtree_leaks_under_baseline) {
  ck_assert_uint_eq(detached_subtree(BRIDGE_MODE_BASELINE, false), 0);
}
END_TEST
START_TEST(attached_subtree_survives) {
  ck_assert_uint_eq(detached_subtree(BRIDGE_MODE_UNIFIED, true), 0);
}
END_TEST

/* --- 3. a chain of cycles alternating between the heaps ------------------
 * element[i] -listener-> closure[i] -context-> wrapper[i+1] -> element[i+1]
 * ... -> closure[n-1] -> wrapper[0]: the cycle crosses the heaps 2n times. */

static size_t alternating_chain(bridge_mode mode, int depth, bool rooted) {
  leak_world lw;
  open_world(&lw, mode);
  ccgc_host_node **elements = calloc((size_t)depth, sizeof *elements);
  for (int i = 0; i < depth; i++) elements[i] = ccgc_host_create_element(lw.w, "span");
  for (int i = 0; i < depth; i++) {
    v8ish_local next = ccgc_host_wrap(lw.w, elements[(i + 1) % depth]);
    v8ish_local closure = ccgc_host_make_closure(lw.w, "next", &next, 1);
    ccgc_host_add_event_listener(lw.w, elements[i], "click", closure);
    if (i % 8 == 0) v8ish_handle_scope_close(&lw.scope), v8ish_handle_scope_open(lw.w->script, &lw.scope);
  }
  probe(&lw, elements[0], "first");
  probe(&lw, elements[depth / 2], "middle");
  probe(&lw, elements[depth - 1], "last");
  blinkish_persistent *root =
      rooted ? blinkish_persistent_new(lw.w->dom, elements[depth / 2], false) : NULL;
  size_t collected = collect_and_count(&lw);
  blinkish_persistent_free(lw.w->dom, root);
  free(elements);
  close_world(&lw);
  return collected;
}

START_TEST(alternating_chains_are_reclaimed) {
  ck_assert_uint_eq(alternating_chain(BRIDGE_MODE_UNIFIED, 1, false), 3);
  ck_assert_uint_eq(alternating_chain(BRIDGE_MODE_UNIFIED, 10, false), 3);
  ck_assert_uint_eq(alternating_chain(BRIDGE_MODE_UNIFIED, 1000, false), 3);
}
END_TEST
START_TEST(alternating_chains_leak_under_baseline) {
  ck_assert_uint_eq(alternating_chain(BRIDGE_MODE_BASELINE, 1, false), 0);
  ck_assert_uint_eq(alternating_chain(BRIDGE_MODE_BASELINE, 10, false), 0);
  ck_assert_uint_eq(alternating_chain(BRIDGE_MODE_BASELINE, 1000, false), 0);
}
END_TEST
START_TEST(rooted_alternating_chains_survive) {
  /* Rooted in the middle: the whole ring is reachable. */
  ck_assert_uint_eq(alternating_chain(BRIDGE_MODE_UNIFIED, 10, true), 0);
  ck_assert_uint_eq(alternating_chain(BRIDGE_MODE_UNIFIED, 1000, true), 0);
}
END_TEST

/* --- 4. a script array of wrappers and a DOM vector of nodes --------------
 * array -> wrapper(list) -> list -> vector -> element[0] -listener-> closure
 * -context-> array, and array -> wrapper(element[i]) -> element[i]. */

typedef struct node_list {
  void *vector; /* HeapVector of elements */
} node_list;

static void trace_node_list(ccgc_visitor *visitor, void *object) {
  blinkish_trace_member(visitor, &((node_list *)object)->vector, "items");
}

static size_t array_and_vector(bridge_mode mode, bool rooted) {
  leak_world lw;
  open_world(&lw, mode);
  blinkish_type_info info = {"NodeList", trace_node_list, NULL,
                             BLINKISH_TYPE_WRAPPABLE};
  blinkish_type_id list_type = blinkish_register_type(lw.w->dom, &info);
  node_list *list = blinkish_alloc(lw.w->dom, list_type, sizeof *list);
  void *vector = blinkish_vector_new(lw.w->dom, 2);
  blinkish_member_set(lw.w->dom, list, &list->vector, vector);
  v8ish_local array = v8ish_array_new(lw.w->script);
  ccgc_host_node *first = NULL;
  for (int i = 0; i < 20; i++) {
    ccgc_host_node *element = ccgc_host_create_element(lw.w, "li");
    if (!first) first = element;
    blinkish_vector_append(lw.w->dom, vector, element);
    v8ish_array_push(lw.w->script, array, ccgc_host_wrap(lw.w, element));
  }
  v8ish_array_push(lw.w->script, array, bridge_wrap(lw.w->bridge, list));
  v8ish_local closure = ccgc_host_make_closure(lw.w, "onitem", &array, 1);
  ccgc_host_add_event_listener(lw.w, first, "click", closure);
  probe(&lw, list, "list");
  probe(&lw, first, "first item");
  probe_script(&lw, array, "array");
  probe_script(&lw, closure, "closure");
  v8ish_global root = {0, 0};
  if (rooted) root = v8ish_global_new(lw.w->script, array, false);
  size_t collected = collect_and_count(&lw);
  if (rooted) v8ish_global_free(lw.w->script, root);
  close_world(&lw);
  return collected;
}

START_TEST(array_and_vector_cycle_is_reclaimed) {
  ck_assert_uint_eq(array_and_vector(BRIDGE_MODE_UNIFIED, false), 4);
}
END_TEST
START_TEST(array_and_vector_cycle_leaks_under_baseline) {
  ck_assert_uint_eq(array_and_vector(BRIDGE_MODE_BASELINE, false), 0);
}
END_TEST
START_TEST(rooted_array_and_vector_cycle_survives) {
  ck_assert_uint_eq(array_and_vector(BRIDGE_MODE_UNIFIED, true), 0);
}
END_TEST

/* --- a deliberately retained object: the probe explains why ---------------- */

START_TEST(a_retained_object_reports_its_path_through_both_heaps) {
  leak_world lw;
  open_world(&lw, BRIDGE_MODE_UNIFIED);
  ccgc_host_node *widget = ccgc_host_create_element(lw.w, "div");
  ccgc_host_node *button = ccgc_host_create_element(lw.w, "button");
  ccgc_host_append_child(lw.w, widget, button);
  v8ish_local app = v8ish_object_new(lw.w->script);
  v8ish_object_set(lw.w->script, app, "widget", ccgc_host_wrap(lw.w, widget));
  v8ish_global root = v8ish_global_new(lw.w->script, app, false);
  probe(&lw, button, "button");
  ck_assert_uint_eq(collect_and_count(&lw), 0); /* the leak */
  ccgc_path path;
  ck_assert_int_eq(ccgc_retaining_path(lw.w->collector, button, &path), CCGC_OK);
  ck_assert_uint_eq(path.length, 4);
  ck_assert_int_eq(path.hops[0].edge_kind, CCGC_EDGE_ROOT);
  ck_assert_str_eq(path.hops[0].edge_name, "global handle");
  ck_assert_str_eq(path.hops[0].type_name, "Object");
  ck_assert_str_eq(path.hops[0].heap_name, "script");
  ck_assert_int_eq(path.hops[1].edge_kind, CCGC_EDGE_PROPERTY);
  ck_assert_str_eq(path.hops[1].edge_name, "widget");
  ck_assert_str_eq(path.hops[1].type_name, "HTMLDivElement"); /* the wrapper */
  ck_assert_str_eq(path.hops[1].heap_name, "script");
  ck_assert_int_eq(path.hops[2].edge_kind, CCGC_EDGE_WRAPPER);
  ck_assert_str_eq(path.hops[2].type_name, "HTMLDivElement");
  ck_assert_str_eq(path.hops[2].heap_name, "dom");
  ck_assert_ptr_eq(path.hops[2].object, widget);
  ck_assert_int_eq(path.hops[3].edge_kind, CCGC_EDGE_FIELD);
  ck_assert_str_eq(path.hops[3].edge_name, "firstChild");
  ck_assert_ptr_eq(path.hops[3].object, button);
  ccgc_path_free(&path);
  char *text = ccgc_probe_explain(lw.w->collector, lw.probes[0]);
  ck_assert_msg(strstr(text, "--property 'widget'--> HTMLDivElement (script heap)") &&
                    strstr(text, "--wrapper 'embedder'--> HTMLDivElement (dom heap)") &&
                    strstr(text, "--field 'firstChild'--> HTMLButtonElement (dom heap)"),
                "%s", text);
  free(text);
  /* Dropping the root fixes the leak. */
  v8ish_global_free(lw.w->script, root);
  ck_assert_uint_eq(collect_and_count(&lw), 1);
  close_world(&lw);
}
END_TEST

/* A detached dialog kept by a WeakMap entry whose key is still alive: the
 * path names the ephemeron hop, and dropping the key frees the dialog. */
START_TEST(a_weak_map_value_reports_its_ephemeron_hop) {
  leak_world lw;
  open_world(&lw, BRIDGE_MODE_UNIFIED);
  v8ish_heap *h = lw.w->script;
  ccgc_host_node *dialog = ccgc_host_create_element(lw.w, "dialog");
  v8ish_local map = v8ish_weak_map_new(h);
  v8ish_local key = v8ish_object_new(h);
  v8ish_local state = v8ish_object_new(h);
  v8ish_object_set(h, state, "dialog", ccgc_host_wrap(lw.w, dialog));
  ck_assert_int_eq(v8ish_weak_map_set(h, map, key, state), CCGC_OK);
  v8ish_global map_root = v8ish_global_new(h, map, false);
  v8ish_global key_root = v8ish_global_new(h, key, false);
  probe(&lw, dialog, "dialog");
  ck_assert_uint_eq(collect_and_count(&lw), 0);
  ccgc_path path;
  ck_assert_int_eq(ccgc_retaining_path(lw.w->collector, dialog, &path), CCGC_OK);
  ck_assert_uint_eq(path.length, 5);
  ck_assert_int_eq(path.hops[0].edge_kind, CCGC_EDGE_ROOT);
  ck_assert_str_eq(path.hops[0].type_name, "WeakMap");
  ck_assert_int_eq(path.hops[1].edge_kind, CCGC_EDGE_INTERNAL);
  ck_assert_str_eq(path.hops[1].type_name, "EphemeronHashTable");
  ck_assert_int_eq(path.hops[2].edge_kind, CCGC_EDGE_EPHEMERON);
  ck_assert_str_eq(path.hops[2].type_name, "Object");
  ck_assert_int_eq(path.hops[3].edge_kind, CCGC_EDGE_PROPERTY);
  ck_assert_str_eq(path.hops[3].edge_name, "dialog");
  ck_assert_str_eq(path.hops[3].heap_name, "script");
  ck_assert_int_eq(path.hops[4].edge_kind, CCGC_EDGE_WRAPPER);
  ck_assert_str_eq(path.hops[4].heap_name, "dom");
  ck_assert_ptr_eq(path.hops[4].object, dialog);
  ccgc_path_free(&path);
  char *text = ccgc_probe_explain(lw.w->collector, lw.probes[0]);
  ck_assert_msg(strstr(text, "--ephemeron 'value'--> Object (script heap)"), "%s", text);
  free(text);
  v8ish_global_free(h, key_root); /* the key dies: the entry, then the dialog */
  ck_assert_uint_eq(collect_and_count(&lw), 1);
  v8ish_global_free(h, map_root);
  close_world(&lw);
}
END_TEST

int main(void) {
  Suite *suite = suite_create("leak-cycles");
  TCase *tc = tcase_create("cycles");
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, listener_cycle_is_reclaimed);
  tcase_add_test(tc, listener_cycle_leaks_under_baseline);
  tcase_add_test(tc, rooted_listener_cycle_survives);
  tcase_add_test(tc, detached_subtree_is_reclaimed);
  tcase_add_test(tc, detached_subtree_leaks_under_baseline);
  tcase_add_test(tc, attached_subtree_survives);
  tcase_add_test(tc, alternating_chains_are_reclaimed);
  tcase_add_test(tc, alternating_chains_leak_under_baseline);
  tcase_add_test(tc, rooted_alternating_chains_survive);
  tcase_add_test(tc, array_and_vector_cycle_is_reclaimed);
  tcase_add_test(tc, array_and_vector_cycle_leaks_under_baseline);
  tcase_add_test(tc, rooted_array_and_vector_cycle_survives);
  tcase_add_test(tc, a_retained_object_reports_its_path_through_both_heaps);
  tcase_add_test(tc, a_weak_map_value_reports_its_ephemeron_hop);
  suite_add_tcase(suite, tc);
  return ccgc_test_run(suite);
}
