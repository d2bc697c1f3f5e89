/* test-freed-dom-heap.c - the bridge once its DOM heap is freed
 * (bridge.h's order: DOM heap, bridge, script heap): live wrappers let go
 * of the freed objects, nothing of the freed heap is read, and the bridge
 * refuses by name (bridge/bridge.c release_wrapper_slot, bridge_check_dom). */
#include <check.h>
#include <string.h>

#include "bridge-world.h"
#include "ccgc-probe.h"

/* A wrapper that outlives its DOM heap (the documented order frees the DOM
 * heap first) lets go of its freed object: a full collection in between
 * does not trace into the freed page, the wrapper unwraps to NULL, a later
 * DOM heap's object at the same address is neither kept alive nor claimed
 * by it, and nothing of the freed heap is read (a weak map, an embedder
 * change: ASan saw both read it). */
START_TEST(a_wrapper_outliving_its_dom_heap_lets_go_of_the_freed_object) {
  bridge_world w;
  bridge_world_init(&w, BRIDGE_MODE_UNIFIED);
  void *div = blinkish_alloc(w.dom, w.type, 16);
  v8ish_local wrapper = bridge_wrap(w.bridge, div);
  v8ish_global kept = v8ish_global_new(w.script, wrapper, false);
  blinkish_heap_free(w.dom);
  ck_assert_ptr_null(v8ish_wrapper_embedder(w.script, wrapper));
  ck_assert_ptr_null(bridge_unwrap(w.bridge, wrapper));
  ck_assert_int_eq(ccgc_collect(w.collector, CCGC_REASON_TESTING), CCGC_OK);
  ck_assert_uint_eq(w.errors.count, 0);
  /* Only bridge_free is left to call on the bridge. */
  ck_assert_ptr_null(bridge_weak_map_new(w.bridge));
  ck_assert_msg(strstr(w.errors.last_message, "DOM heap was freed"), "%s",
                w.errors.last_message);
  ck_assert_int_eq(v8ish_wrapper_set_embedder(w.script, wrapper, NULL),
                   CCGC_OK);
  bridge_free(w.bridge);
  /* A new DOM heap reuses the address: the old wrapper does not hold it. */
  blinkish_heap *dom = blinkish_heap_new(w.collector, NULL);
  bridge *b = bridge_new(w.collector, w.script, dom, BRIDGE_MODE_UNIFIED);
  blinkish_type_info info = {"Plain", NULL, NULL, BLINKISH_TYPE_WRAPPABLE};
  void *fresh = blinkish_alloc(dom, blinkish_register_type(dom, &info), 16);
  ck_assert_ptr_null(bridge_unwrap(b, wrapper));
  ccgc_probe *probe = ccgc_probe_new(w.collector, fresh, "fresh");
  ck_assert_int_eq(ccgc_collect(w.collector, CCGC_REASON_TESTING), CCGC_OK);
  ck_assert(ccgc_probe_collected(probe)); /* nothing held it */
  ccgc_probe_free(w.collector, probe);
  v8ish_global_free(w.script, kept);
  v8ish_handle_scope_close(&w.scope);
  blinkish_heap_free(dom);
  bridge_free(b);
  v8ish_heap_free(w.script);
  ccgc_collector_free(w.collector);
}
END_TEST

int main(void) {
  Suite *suite = suite_create("bridge/freed-dom-heap");
  TCase *tc = tcase_create("core");
  tcase_add_test(tc, a_wrapper_outliving_its_dom_heap_lets_go_of_the_freed_object);
  suite_add_tcase(suite, tc);
  return ccgc_test_run(suite);
}
