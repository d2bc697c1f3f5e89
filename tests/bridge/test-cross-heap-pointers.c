/* test-cross-heap-pointers.c - every address that enters the library across
 * the heaps is the start of a live object of the right heap
 * (.api.valid-object, issue 13 defect 2): a wrapper's embedder, a weak map's
 * embedder value, ccgc_collector_object_info and ccgc_probe_new refuse an
 * interior pointer, a reclaimed DOM object, free space and an object of the
 * wrong heap, and change nothing. */
#include <check.h>
#include <string.h>

#include "bridge-world.h"
#include "ccgc-inspect.h"
#include "ccgc-probe.h"
#include "ccgc-test.h"

typedef bridge_world world;

static void make_world(world *w) { bridge_world_init(w, BRIDGE_MODE_UNIFIED); }
static void free_world(world *w) { bridge_world_free(w); }

/* A DOM object that a collection reclaimed: its cell is free space now. */
static void *reclaimed_dom_object(world *w) {
  void *dead = blinkish_alloc(w->dom, w->type, 64);
  ck_assert_ptr_nonnull(dead);
  ccgc_test_collect_verified(w->collector);
  ck_assert(!blinkish_is_object(w->dom, dead));
  return dead;
}

/* The addresses no cross-heap call may take, for a live DOM object `live`
 * (rooted by the caller: the reclaimed object costs a collection). */
typedef struct bad_addresses {
  void *at[5];
  const char *what[5];
} bad_addresses;

static bad_addresses bad_addresses_for(world *w, void *live) {
  v8ish_local script_object = v8ish_object_new(w->script);
  bad_addresses bad = {
      {(char *)live + 8, (char *)live + 16, reclaimed_dom_object(w),
       v8ish_object_address(w->script, script_object),
       (char *)v8ish_object_address(w->script, script_object) + 8},
      {"an interior pointer", "another interior pointer",
       "a reclaimed DOM object", "a script object",
       "a script interior pointer"}};
  return bad;
}

START_TEST(wrapper_embedders_are_live_dom_objects) {
  world w;
  make_world(&w);
  void *live = blinkish_alloc(w.dom, w.type, 64);
  blinkish_persistent *root = blinkish_persistent_new(w.dom, live, false);
  v8ish_local wrapper = v8ish_wrapper_new(w.script, "HTMLDivElement");
  bad_addresses bad = bad_addresses_for(&w, live);
  for (int i = 0; i < 5; i++) {
    unsigned before = w.errors.count;
    ck_assert_msg(v8ish_wrapper_set_embedder(w.script, wrapper, bad.at[i]) !=
                      CCGC_OK,
                  "v8ish_wrapper_set_embedder took %s", bad.what[i]);
    ck_assert_uint_eq(w.errors.count, before + 1);
    ck_assert_str_eq(ccgc_collector_last_error(w.collector)->check,
                     ".api.valid-object");
    ck_assert(strstr(w.errors.last_message, "v8ish_wrapper_set_embedder"));
    ck_assert_ptr_null(v8ish_wrapper_embedder(w.script, wrapper));
  }
  /* A live DOM object is still fine, and survives through its wrapper. */
  ck_assert_int_eq(v8ish_wrapper_set_embedder(w.script, wrapper, live),
                   CCGC_OK);
  blinkish_persistent_free(w.dom, root);
  v8ish_global keep = v8ish_global_new(w.script, wrapper, false);
  ccgc_test_collect_verified(w.collector);
  ck_assert(blinkish_is_object(w.dom, live));
  v8ish_global_free(w.script, keep);
  free_world(&w);
}
END_TEST

START_TEST(weak_map_embedder_values_are_live_dom_objects) {
  world w;
  make_world(&w);
  void *live = blinkish_alloc(w.dom, w.type, 64);
  blinkish_persistent *root = blinkish_persistent_new(w.dom, live, false);
  v8ish_local map = v8ish_weak_map_new(w.script);
  v8ish_local key = v8ish_object_new(w.script);
  bad_addresses bad = bad_addresses_for(&w, live);
  for (int i = 0; i < 5; i++) {
    unsigned before = w.errors.count;
    ck_assert_msg(v8ish_weak_map_set_embedder(w.script, map, key, bad.at[i]) !=
                      CCGC_OK,
                  "v8ish_weak_map_set_embedder took %s", bad.what[i]);
    ck_assert_uint_eq(w.errors.count, before + 1);
    ck_assert(strstr(w.errors.last_message, "v8ish_weak_map_set_embedder"));
    ck_assert(!v8ish_weak_map_has(w.script, map, key));
  }
  ck_assert_int_eq(v8ish_weak_map_set_embedder(w.script, map, key, live),
                   CCGC_OK);
  ck_assert_ptr_eq(v8ish_weak_map_get_embedder(w.script, map, key), live);
  ccgc_test_collect_verified(w.collector);
  blinkish_persistent_free(w.dom, root);
  free_world(&w);
}
END_TEST

/* A DOM weak map of the bridge's (script values) filled through the DOM
 * heap's own call: a value that is not a live script reference of the
 * bridge is refused before anything follows it (it crashed: the map's
 * target function read it as a traced slot), and the map is unchanged. */
START_TEST(bridge_weak_map_values_are_live_script_references) {
  world w;
  make_world(&w);
  void *key = blinkish_alloc(w.dom, w.type, 64);
  blinkish_persistent *root = blinkish_persistent_new(w.dom, key, false);
  void *map = bridge_weak_map_new(w.bridge);
  ck_assert_ptr_nonnull(map);
  blinkish_persistent *map_root = blinkish_persistent_new(w.dom, map, false);
  v8ish_local object = v8ish_object_new(w.script);
  bridge_script_ref *freed = bridge_script_ref_new(w.bridge, object);
  bridge_script_ref_free(w.bridge, freed);
  void *bad[] = {(void *)0x10, key, v8ish_object_address(w.script, object),
                 freed};
  const char *what[] = {"a small integer", "a DOM object", "a script object",
                        "a freed script reference"};
  for (int i = 0; i < 4; i++) {
    unsigned before = w.errors.count;
    ck_assert_msg(blinkish_weak_map_set(w.dom, map, key, bad[i]) ==
                      CCGC_E_DEAD_HANDLE,
                  "blinkish_weak_map_set took %s", what[i]);
    ck_assert_uint_eq(w.errors.count, before + 1);
    ck_assert_str_eq(ccgc_collector_last_error(w.collector)->check,
                     ".api.live-handle");
    ck_assert(strstr(w.errors.last_message, "blinkish_weak_map_set"));
    ck_assert(!blinkish_weak_map_has(w.dom, map, key));
  }
  /* The bridge's own call and a live reference through the DOM call work. */
  ck_assert_int_eq(bridge_weak_map_set(w.bridge, map, key, object), CCGC_OK);
  bridge_script_ref *ref = bridge_script_ref_new(w.bridge, object);
  ck_assert_int_eq(blinkish_weak_map_set(w.dom, map, key, ref), CCGC_OK);
  ccgc_test_collect_verified(w.collector);
  ck_assert(blinkish_weak_map_has(w.dom, map, key));
  blinkish_persistent_free(w.dom, map_root);
  blinkish_persistent_free(w.dom, root);
  free_world(&w);
}
END_TEST

/* The inspection library: a header is never decoded from a payload word or
 * from free space (UBSan: an index past the type table). */
START_TEST(object_info_takes_object_starts_only) {
  world w;
  make_world(&w);
  void *live = blinkish_alloc(w.dom, w.type, 64);
  blinkish_persistent *root = blinkish_persistent_new(w.dom, live, false);
  memset(live, 0xff, 64); /* payload words that decode as nonsense */
  /* Collect first: an address is valid until the next collection (young
   * objects move). */
  void *reclaimed = reclaimed_dom_object(&w);
  v8ish_local array = v8ish_fixed_array_new(w.script, 8);
  void *array_address = v8ish_object_address(w.script, array);
  void *bad[] = {(char *)live + 8, (char *)live + 16, reclaimed,
                 (char *)array_address + 8, (char *)array_address + 16};
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    ccgc_object_info info;
    ck_assert_int_eq(ccgc_collector_object_info(w.collector, bad[i], &info),
                     CCGC_E_FOREIGN_POINTER);
    ck_assert(strstr(ccgc_collector_last_error(w.collector)->message,
                     "ccgc_collector_object_info"));
  }
  ccgc_object_info info;
  ck_assert_int_eq(ccgc_collector_object_info(w.collector, live, &info),
                   CCGC_OK);
  ck_assert_str_eq(info.type_name, "HTMLDivElement");
  ck_assert_int_eq(ccgc_collector_object_info(w.collector, array_address,
                                              &info),
                   CCGC_OK);
  ck_assert_str_eq(info.heap_name, "script");
  blinkish_persistent_free(w.dom, root);
  free_world(&w);
}
END_TEST

/* A probe on an interior pointer used to report "collected" for a live
 * object: a leak test that passes wrongly. */
START_TEST(probes_take_object_starts_only) {
  world w;
  make_world(&w);
  void *live = blinkish_alloc(w.dom, w.type, 64);
  blinkish_persistent *root = blinkish_persistent_new(w.dom, live, false);
  void *reclaimed = reclaimed_dom_object(&w); /* first: objects move */
  v8ish_local object = v8ish_object_new(w.script);
  v8ish_global keep = v8ish_global_new(w.script, object, false);
  void *script_address = v8ish_object_address(w.script, object);
  void *bad[] = {(char *)live + 8, (char *)live + 16, reclaimed,
                 (char *)script_address + 8};
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    ccgc_probe *probe = ccgc_probe_new(w.collector, bad[i], "bad");
    ck_assert_msg(probe == NULL, "ccgc_probe_new took bad address %zu", i);
    ck_assert_int_eq(ccgc_collector_last_error(w.collector)->code,
                     CCGC_E_FOREIGN_POINTER);
  }
  ccgc_probe *dom_probe = ccgc_probe_new(w.collector, live, "dom");
  ccgc_probe *script_probe = ccgc_probe_new(w.collector, script_address,
                                            "script");
  ck_assert_ptr_nonnull(dom_probe);
  ck_assert_ptr_nonnull(script_probe);
  ccgc_test_collect_verified(w.collector);
  ck_assert(!ccgc_probe_collected(dom_probe));
  ck_assert(!ccgc_probe_collected(script_probe));
  ccgc_probe_free(w.collector, dom_probe);
  ccgc_probe_free(w.collector, script_probe);
  v8ish_global_free(w.script, keep);
  blinkish_persistent_free(w.dom, root);
  free_world(&w);
}
END_TEST

/* A DOM backing store (a vector's, seen in a walk) is no embedder: only
 * its owner may reference it, as compaction moves it with that one slot
 * (.inv.backing-owner). Taken, the embedder word kept the old address
 * after a compacting collection, and the next one aborted on a pointer no
 * heap owned (found by an audit). */
START_TEST(a_dom_backing_store_is_no_embedder) {
  world w;
  make_world(&w);
  struct {
    void *vector, *backing;
  } search = {blinkish_vector_new(w.dom, 4), NULL};
  ck_assert_ptr_nonnull(search.vector);
  blinkish_persistent *root = blinkish_persistent_new(w.dom, search.vector, false);
  search.backing = ccgc_test_edge_target(w.collector, search.vector);
  ck_assert_ptr_nonnull(search.backing);
  v8ish_local wrapper = v8ish_wrapper_new(w.script, "HTMLDivElement");
  ck_assert_int_eq(v8ish_wrapper_set_embedder(w.script, wrapper, search.backing),
                   CCGC_E_WRONG_TYPE);
  ck_assert_str_eq(ccgc_collector_last_error(w.collector)->check,
                   ".inv.backing-owner");
  ck_assert(strstr(w.errors.last_message, "v8ish_wrapper_set_embedder"));
  ck_assert_ptr_null(v8ish_wrapper_embedder(w.script, wrapper));
  v8ish_local map = v8ish_weak_map_new(w.script);
  v8ish_local key = v8ish_object_new(w.script);
  ck_assert_int_eq(v8ish_weak_map_set_embedder(w.script, map, key, search.backing),
                   CCGC_E_WRONG_TYPE);
  ck_assert(strstr(w.errors.last_message, "v8ish_weak_map_set_embedder"));
  ck_assert(!v8ish_weak_map_has(w.script, map, key));
  ck_assert_uint_eq(w.errors.count, 2);
  /* The vector itself is an object like any other. */
  ck_assert_int_eq(v8ish_wrapper_set_embedder(w.script, wrapper, search.vector),
                   CCGC_OK);
  ccgc_test_collect_verified(w.collector);
  blinkish_persistent_free(w.dom, root);
  free_world(&w);
}
END_TEST

/* An object of a second script heap is no embedder: that heap moves it
 * (a scavenge), and the embedder word kept the old address, read back as
 * whatever the heap put there next; a weak map's entry for a live key was
 * lost (found by an audit). */
START_TEST(another_script_heaps_object_is_no_embedder) {
  world w;
  make_world(&w);
  v8ish_heap *other = v8ish_heap_new(w.collector, NULL);
  ck_assert_ptr_nonnull(other);
  v8ish_handle_scope scope;
  v8ish_handle_scope_open(other, &scope);
  void *address = v8ish_object_address(other, v8ish_fixed_array_new(other, 3));
  ck_assert_ptr_nonnull(address);
  v8ish_local wrapper = v8ish_wrapper_new(w.script, "HTMLDivElement");
  ck_assert_int_eq(v8ish_wrapper_set_embedder(w.script, wrapper, address),
                   CCGC_E_INVALID_ARGUMENT);
  ck_assert(strstr(w.errors.last_message, "another script heap"));
  ck_assert_ptr_null(v8ish_wrapper_embedder(w.script, wrapper));
  v8ish_local map = v8ish_weak_map_new(w.script);
  v8ish_local key = v8ish_object_new(w.script);
  ck_assert_int_eq(v8ish_weak_map_set_embedder(w.script, map, key, address),
                   CCGC_E_INVALID_ARGUMENT);
  ck_assert(!v8ish_weak_map_has(w.script, map, key));
  ck_assert_uint_eq(w.errors.count, 2);
  v8ish_handle_scope_close(&scope);
  v8ish_heap_free(other);
  free_world(&w);
}
END_TEST

int main(void) {
  Suite *suite = suite_create("cross-heap-pointers");
  TCase *tc = tcase_create("core");
  tcase_add_test(tc, wrapper_embedders_are_live_dom_objects);
  tcase_add_test(tc, weak_map_embedder_values_are_live_dom_objects);
  tcase_add_test(tc, bridge_weak_map_values_are_live_script_references);
  tcase_add_test(tc, object_info_takes_object_starts_only);
  tcase_add_test(tc, probes_take_object_starts_only);
  tcase_add_test(tc, a_dom_backing_store_is_no_embedder);
  tcase_add_test(tc, another_script_heaps_object_is_no_embedder);
  suite_add_tcase(suite, tc);
  return ccgc_test_run(suite);
}
