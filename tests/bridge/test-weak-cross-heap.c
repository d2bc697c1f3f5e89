/* test-weak-cross-heap.c - ephemerons whose key and value live in different
 * heaps, resolved by the marker's one fixed point: a script WeakMap keyed by
 * a wrapper with a DOM value, a DOM weak map keyed by a DOM object with a
 * script value, chains that alternate heaps (1, 10, 100,000 links), the
 * baseline bridge leaking what unified tracing reclaims, and weak references
 * of both heaps cleared before any finalizer runs. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "bridge.h"
#include "ccgc-probe.h"
#include "ccgc-test.h"

typedef struct element {
  void *unused;
} element;

/* What a finalizer saw of the weak references to dying objects. */
typedef struct finalizer_view {
  v8ish_heap *script;
  v8ish_global weak_to_dying;
  bool ran, weak_global_was_empty;
  void *dom_map, *dom_set;
  blinkish_heap *dom;
  size_t dom_map_size, dom_set_size;
} finalizer_view;

static finalizer_view *view; /* the Witness type's finalizer reports here */

typedef struct witness {
  void *unused;
} witness;

static void finalize_witness(void *object) {
  (void)object;
  view->ran = true;
  view->weak_global_was_empty =
      v8ish_global_is_empty_slot(view->script, view->weak_to_dying);
  if (view->dom_map) view->dom_map_size = blinkish_weak_map_size(view->dom, view->dom_map);
  if (view->dom_set) view->dom_set_size = blinkish_weak_set_size(view->dom, view->dom_set);
}

typedef struct world {
  ccgc_collector *collector;
  v8ish_heap *script;
  blinkish_heap *dom;
  bridge *bridge;
  blinkish_type_id element_type, plain_type, witness_type;
  ccgc_test_errors errors;
  v8ish_handle_scope scope;
} world;

static world make_world(bridge_mode mode) {
  world w;
  ccgc_collector_options options = {.verify = true};
  w.collector = ccgc_collector_new(&options);
  w.script = v8ish_heap_new(w.collector, NULL);
  w.dom = blinkish_heap_new(w.collector, NULL);
  w.bridge = bridge_new(w.collector, w.script, w.dom, mode);
  blinkish_type_info element_info = {"HTMLSpanElement", NULL, NULL,
                                     BLINKISH_TYPE_WRAPPABLE};
  w.element_type = blinkish_register_type(w.dom, &element_info);
  blinkish_type_info plain = {"Plain", NULL, NULL, 0};
  w.plain_type = blinkish_register_type(w.dom, &plain);
  blinkish_type_info witness_info = {"Witness", NULL, finalize_witness, 0};
  w.witness_type = blinkish_register_type(w.dom, &witness_info);
  ccgc_test_capture_errors(w.collector, &w.errors);
  v8ish_handle_scope_open(w.script, &w.scope);
  return w;
}

static void free_world(world *w) {
  v8ish_handle_scope_close(&w->scope);
  blinkish_heap_free(w->dom);
  bridge_free(w->bridge);
  v8ish_heap_free(w->script);
  ccgc_collector_free(w->collector);
}

static ccgc_probe *probe(world *w, void *address, const char *label) {
  ccgc_probe *p = ccgc_probe_new(w->collector, address, label);
  ck_assert_ptr_nonnull(p);
  return p;
}

/* --- script key, DOM value ------------------------------------------------ */

START_TEST(a_script_weak_map_keyed_by_a_wrapper_keeps_its_dom_value_while_the_pair_lives) {
  world w = make_world(BRIDGE_MODE_UNIFIED);
  v8ish_global map = v8ish_global_new(w.script, v8ish_weak_map_new(w.script), false);
  element *e = blinkish_alloc(w.dom, w.element_type, sizeof *e);
  blinkish_persistent *root = blinkish_persistent_new(w.dom, e, false);
  void *value = blinkish_alloc(w.dom, w.plain_type, sizeof(element));
  {
    v8ish_handle_scope scope;
    v8ish_handle_scope_open(w.script, &scope);
    v8ish_local wrapper = bridge_wrap(w.bridge, e);
    ck_assert_int_eq(v8ish_weak_map_set_embedder(w.script, v8ish_global_get(w.script, map),
                                                 wrapper, value),
                     CCGC_OK);
    ck_assert_ptr_eq(v8ish_weak_map_get_embedder(w.script, v8ish_global_get(w.script, map),
                                                 wrapper),
                     value);
    /* An embedder value is not a script value. */
    ck_assert(v8ish_local_is_empty(
        v8ish_weak_map_get(w.script, v8ish_global_get(w.script, map), wrapper)));
    v8ish_handle_scope_close(&scope);
  }
  ccgc_probe *value_probe = probe(&w, value, "dom value");
  /* The wrapper lives through its element (a traced reference), the value
   * through the wrapper (the ephemeron). */
  for (int i = 0; i < 2; i++) ccgc_test_collect_verified(w.collector);
  ck_assert(!ccgc_probe_collected(value_probe));
  ck_assert(blinkish_is_object(w.dom, value));
  blinkish_persistent_free(w.dom, root);
  ccgc_test_collect_verified(w.collector);
  ck_assert_msg(ccgc_probe_collected(value_probe), "%s",
                ccgc_probe_explain(w.collector, value_probe));
  {
    v8ish_handle_scope scope;
    v8ish_handle_scope_open(w.script, &scope);
    ck_assert_uint_eq(v8ish_weak_map_size(w.script, v8ish_global_get(w.script, map)), 0);
    v8ish_handle_scope_close(&scope);
  }
  ccgc_probe_free(w.collector, value_probe);
  free_world(&w);
}
END_TEST

/* --- DOM key, script value --------------------------------------------------- */

START_TEST(a_dom_weak_map_keeps_its_script_value_exactly_while_the_key_lives) {
  world w = make_world(BRIDGE_MODE_UNIFIED);
  void *map = bridge_weak_map_new(w.bridge);
  ck_assert_ptr_nonnull(map);
  blinkish_persistent *map_root = blinkish_persistent_new(w.dom, map, false);
  void *key = blinkish_alloc(w.dom, w.plain_type, sizeof(element));
  blinkish_persistent *key_root = blinkish_persistent_new(w.dom, key, false);
  ccgc_probe *value_probe;
  {
    v8ish_handle_scope scope;
    v8ish_handle_scope_open(w.script, &scope);
    v8ish_local value = v8ish_string_new(w.script, "kept", 4);
    ck_assert_int_eq(bridge_weak_map_set(w.bridge, map, key, value), CCGC_OK);
    value_probe = probe(&w, v8ish_object_address(w.script, value), "script value");
    v8ish_handle_scope_close(&scope);
  }
  for (int i = 0; i < 2; i++) ccgc_test_collect_verified(w.collector);
  ck_assert(!ccgc_probe_collected(value_probe));
  {
    v8ish_handle_scope scope;
    v8ish_handle_scope_open(w.script, &scope);
    char text[8];
    v8ish_string_copy(w.script, bridge_weak_map_get(w.bridge, map, key), text, sizeof text);
    ck_assert_str_eq(text, "kept");
    v8ish_handle_scope_close(&scope);
  }
  blinkish_persistent_free(w.dom, key_root);
  ccgc_test_collect_verified(w.collector);
  ck_assert(ccgc_probe_collected(value_probe));
  ck_assert_uint_eq(blinkish_weak_map_size(w.dom, map), 0);
  blinkish_persistent_free(w.dom, map_root);
  ccgc_probe_free(w.collector, value_probe);
  free_world(&w);
}
END_TEST

START_TEST(the_baseline_bridge_leaks_a_dom_maps_script_value) {
  world w = make_world(BRIDGE_MODE_BASELINE);
  void *map = bridge_weak_map_new(w.bridge);
  blinkish_persistent *map_root = blinkish_persistent_new(w.dom, map, false);
  void *key = blinkish_alloc(w.dom, w.plain_type, sizeof(element));
  ccgc_probe *value_probe;
  {
    v8ish_handle_scope scope;
    v8ish_handle_scope_open(w.script, &scope);
    v8ish_local value = v8ish_object_new(w.script);
    ck_assert_int_eq(bridge_weak_map_set(w.bridge, map, key, value), CCGC_OK);
    value_probe = probe(&w, v8ish_object_address(w.script, value), "script value");
    v8ish_handle_scope_close(&scope);
  }
  /* The key dies at once; its entry goes, and with it the global handle:
   * but only because the DOM side released it. A value that refers back to
   * its key would keep it alive forever, which the next test shows. */
  ccgc_test_collect_verified(w.collector);
  ck_assert_uint_eq(blinkish_weak_map_size(w.dom, map), 0);
  ccgc_test_collect_verified(w.collector);
  ck_assert(ccgc_probe_collected(value_probe));
  blinkish_persistent_free(w.dom, map_root);
  ccgc_probe_free(w.collector, value_probe);
  free_world(&w);
}
END_TEST

/* A DOM key whose script value refers back to the key through a wrapper: the
 * classic ephemeron cycle across heaps. Unified: collected. Baseline: the
 * value is a root that keeps the key alive forever. */
static bool cycle_through_value_is_collected(bridge_mode mode) {
  world w = make_world(mode);
  void *map = bridge_weak_map_new(w.bridge);
  blinkish_persistent *map_root = blinkish_persistent_new(w.dom, map, false);
  element *key = blinkish_alloc(w.dom, w.element_type, sizeof *key);
  ccgc_probe *key_probe = probe(&w, key, "key");
  {
    v8ish_handle_scope scope;
    v8ish_handle_scope_open(w.script, &scope);
    v8ish_local value = v8ish_object_new(w.script);
    v8ish_object_set(w.script, value, "element", bridge_wrap(w.bridge, key));
    ck_assert_int_eq(bridge_weak_map_set(w.bridge, map, key, value), CCGC_OK);
    v8ish_handle_scope_close(&scope);
  }
  ccgc_test_collect_verified(w.collector);
  ccgc_test_collect_verified(w.collector);
  bool collected = ccgc_probe_collected(key_probe);
  ccgc_probe_free(w.collector, key_probe);
  blinkish_persistent_free(w.dom, map_root);
  free_world(&w);
  return collected;
}

START_TEST(a_value_referring_back_to_its_key_across_heaps_is_collected_and_leaks_in_baseline) {
  ck_assert(cycle_through_value_is_collected(BRIDGE_MODE_UNIFIED));
  ck_assert(!cycle_through_value_is_collected(BRIDGE_MODE_BASELINE));
}
END_TEST

/* --- chains alternating heaps -------------------------------------------------
 * s0 -script map-> d0 -DOM map-> s1 -script map-> d1 ... inserted last link
 * first. Everything lives exactly as long as s0. */
static void alternating_chain(size_t links) {
  world w = make_world(BRIDGE_MODE_UNIFIED);
  ccgc_collector_set_verify(w.collector, links <= 1000);
  v8ish_global script_map =
      v8ish_global_new(w.script, v8ish_weak_map_new(w.script), false);
  void *dom_map = bridge_weak_map_new(w.bridge);
  blinkish_persistent *dom_map_root = blinkish_persistent_new(w.dom, dom_map, false);
  size_t pairs = links / 2 + 1;
  void **dom_keys = malloc(pairs * sizeof *dom_keys);
  v8ish_global head;
  ccgc_probe *last_probe;
  {
    v8ish_handle_scope scope;
    v8ish_handle_scope_open(w.script, &scope);
    v8ish_local keys = v8ish_fixed_array_new(w.script, pairs + 1);
    for (size_t i = 0; i <= pairs; i++) {
      v8ish_handle_scope inner;
      v8ish_handle_scope_open(w.script, &inner);
      v8ish_array_set(w.script, keys, i, v8ish_object_new(w.script));
      v8ish_handle_scope_close(&inner);
    }
    for (size_t i = 0; i < pairs; i++)
      dom_keys[i] = blinkish_alloc(w.dom, w.plain_type, sizeof(element));
    v8ish_local m = v8ish_global_get(w.script, script_map);
    for (size_t i = links; i-- > 0;) {
      v8ish_handle_scope inner;
      v8ish_handle_scope_open(w.script, &inner);
      if (i % 2 == 0)
        ck_assert_int_eq(v8ish_weak_map_set_embedder(
                             w.script, m, v8ish_array_get(w.script, keys, i / 2),
                             dom_keys[i / 2]),
                         CCGC_OK);
      else
        ck_assert_int_eq(bridge_weak_map_set(w.bridge, dom_map, dom_keys[i / 2],
                                             v8ish_array_get(w.script, keys, i / 2 + 1)),
                         CCGC_OK);
      v8ish_handle_scope_close(&inner);
    }
    head = v8ish_global_new(w.script, v8ish_array_get(w.script, keys, 0), false);
    /* The object the last link reaches: a DOM key (odd count) or a script key. */
    void *last = links % 2 ? dom_keys[links / 2]
                           : v8ish_object_address(
                                 w.script, v8ish_array_get(w.script, keys, links / 2));
    last_probe = probe(&w, last, "last link");
    v8ish_handle_scope_close(&scope);
  }
  ccgc_test_collect_verified(w.collector);
  ck_assert_msg(!ccgc_probe_collected(last_probe), "the chain of %zu was cut", links);
  {
    v8ish_handle_scope scope;
    v8ish_handle_scope_open(w.script, &scope);
    ck_assert_uint_eq(v8ish_weak_map_size(w.script, v8ish_global_get(w.script, script_map)),
                      (links + 1) / 2);
    v8ish_handle_scope_close(&scope);
  }
  ck_assert_uint_eq(blinkish_weak_map_size(w.dom, dom_map), links / 2);
  v8ish_global_free(w.script, head);
  ccgc_test_collect_verified(w.collector);
  ck_assert(ccgc_probe_collected(last_probe));
  ck_assert_uint_eq(blinkish_weak_map_size(w.dom, dom_map), 0);
  {
    v8ish_handle_scope scope;
    v8ish_handle_scope_open(w.script, &scope);
    ck_assert_uint_eq(v8ish_weak_map_size(w.script, v8ish_global_get(w.script, script_map)), 0);
    v8ish_handle_scope_close(&scope);
  }
  ccgc_probe_free(w.collector, last_probe);
  blinkish_persistent_free(w.dom, dom_map_root);
  free(dom_keys);
  free_world(&w);
}

START_TEST(an_alternating_chain_of_one) { alternating_chain(1); }
END_TEST
START_TEST(an_alternating_chain_of_ten) { alternating_chain(10); }
END_TEST
START_TEST(an_alternating_chain_of_a_hundred_thousand) { alternating_chain(100000); }
END_TEST

/* --- weak references of both heaps go before any finalizer ---------------------- */

START_TEST(weak_references_of_both_heaps_are_cleared_before_finalizers_run) {
  world w = make_world(BRIDGE_MODE_UNIFIED);
  finalizer_view seen = {.script = w.script, .dom = w.dom};
  view = &seen;
  seen.dom_map = bridge_weak_map_new(w.bridge);
  blinkish_persistent *map_root = blinkish_persistent_new(w.dom, seen.dom_map, false);
  seen.dom_set = blinkish_weak_set_new(w.dom);
  blinkish_persistent *set_root = blinkish_persistent_new(w.dom, seen.dom_set, false);
  {
    v8ish_handle_scope scope;
    v8ish_handle_scope_open(w.script, &scope);
    /* One dying script object held weakly by a global, one dying DOM object
     * keying the DOM map and in the DOM set, and a dying witness whose
     * finalizer looks at all three. */
    seen.weak_to_dying = v8ish_global_new(w.script, v8ish_object_new(w.script), true);
    void *dying = blinkish_alloc(w.dom, w.plain_type, sizeof(element));
    bridge_weak_map_set(w.bridge, seen.dom_map, dying, v8ish_object_new(w.script));
    blinkish_weak_set_add(w.dom, seen.dom_set, dying);
    blinkish_alloc(w.dom, w.witness_type, sizeof(witness));
    v8ish_handle_scope_close(&scope);
  }
  ck_assert_uint_eq(blinkish_weak_map_size(w.dom, seen.dom_map), 1);
  ccgc_test_collect_verified(w.collector);
  ck_assert(seen.ran);
  ck_assert(seen.weak_global_was_empty);
  ck_assert_uint_eq(seen.dom_map_size, 0);
  ck_assert_uint_eq(seen.dom_set_size, 0);
  v8ish_global_free(w.script, seen.weak_to_dying);
  blinkish_persistent_free(w.dom, map_root);
  blinkish_persistent_free(w.dom, set_root);
  view = NULL;
  free_world(&w);
}
END_TEST

int main(void) {
  Suite *suite = suite_create("bridge/weak-cross-heap");
  TCase *tc = tcase_create("weak-cross-heap");
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, a_script_weak_map_keyed_by_a_wrapper_keeps_its_dom_value_while_the_pair_lives);
  tcase_add_test(tc, a_dom_weak_map_keeps_its_script_value_exactly_while_the_key_lives);
  tcase_add_test(tc, the_baseline_bridge_leaks_a_dom_maps_script_value);
  tcase_add_test(tc, a_value_referring_back_to_its_key_across_heaps_is_collected_and_leaks_in_baseline);
  tcase_add_test(tc, an_alternating_chain_of_one);
  tcase_add_test(tc, an_alternating_chain_of_ten);
  tcase_add_test(tc, an_alternating_chain_of_a_hundred_thousand);
  tcase_add_test(tc, weak_references_of_both_heaps_are_cleared_before_finalizers_run);
  suite_add_tcase(suite, tc);
  return ccgc_test_run(suite);
}
