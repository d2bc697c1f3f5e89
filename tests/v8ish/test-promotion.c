/* test-promotion.c - a scavenge whose survivors old space cannot take
 * (v8ish/scavenger.c, docs/script-heap.md "Young generation").
 *
 * Objects that survived one scavenge are promoted by the next; when old
 * space is at the hard limit they stay young and are copied again, and so
 * at every scavenge after, each with less room. The scavenge then asks for
 * a full collection (as V8 turns such a scavenge into a mark-compact).
 * Here the soft limit is out of reach, so nothing else would ask: without
 * the request the old generation is never collected and the program runs
 * out of memory while most of old space is garbage.
 */
#include <check.h>

#include "script-test.h"

/* A list cell [next, payload]: prepended to the list in global. */
static void prepend(script_world *w, v8ish_global list, size_t payload) {
  v8ish_handle_scope scope;
  v8ish_handle_scope_open(w->heap, &scope);
  v8ish_local cell = v8ish_fixed_array_new(w->heap, 2 + payload);
  ck_assert(!v8ish_local_is_empty(cell));
  v8ish_array_set(w->heap, cell, 0, v8ish_global_get(w->heap, list));
  v8ish_global_set(w->heap, list, cell);
  v8ish_handle_scope_close(&scope);
}

START_TEST(unpromotable_survivors_request_a_full_collection) {
  script_world w;
  v8ish_heap_options options = {.limit_bytes = (size_t)6 << 20,
                                .soft_limit_bytes = (size_t)1 << 30,
                                .young_min_bytes = (size_t)1 << 20,
                                .young_max_bytes = (size_t)1 << 20};
  script_world_init_with(&w, &options);
  v8ish_global list =
      v8ish_global_new(w.heap, v8ish_integer(w.heap, 0), false);
  /* Live cells until old space is full: each survives two scavenges and
   * is promoted, until promotion finds no room. */
  bool requested = false;
  for (int round = 0; round < 400 && !requested; round++) {
    for (int i = 0; i < 64; i++) prepend(&w, list, 60);
    ck_assert_int_eq(ccgc_collect_minor(w.collector, CCGC_REASON_TESTING),
                     CCGC_OK);
    requested = ccgc_collector_gc_requested(w.collector);
  }
  ck_assert_msg(requested, "no full collection requested with old space full");
  /* Now the garbage: drop the list; the requested collection frees it and
   * the next scavenges promote again. */
  v8ish_global_set(w.heap, list, v8ish_integer(w.heap, 0));
  unsigned long cycles = ccgc_collector_cycle_count(w.collector);
  ck_assert(ccgc_collector_safepoint(w.collector)); /* runs it */
  ck_assert_uint_eq(ccgc_collector_cycle_count(w.collector), cycles + 1);
  ck_assert(!ccgc_collector_gc_requested(w.collector));
  for (int round = 0; round < 8; round++) {
    for (int i = 0; i < 64; i++) prepend(&w, list, 60);
    ck_assert_int_eq(ccgc_collect_minor(w.collector, CCGC_REASON_TESTING),
                     CCGC_OK);
  }
  ck_assert(!ccgc_collector_gc_requested(w.collector));
  v8ish_global_free(w.heap, list);
  ck_assert_uint_eq(w.errors.count, 0);
  script_world_free(&w);
}
END_TEST

static Suite *promotion_suite(void) {
  Suite *s = suite_create("v8ish promotion");
  TCase *t = tcase_create("core");
  tcase_set_timeout(t, 60);
  tcase_add_test(t, unpromotable_survivors_request_a_full_collection);
  suite_add_tcase(s, t);
  return s;
}

int main(void) {
  SRunner *runner = srunner_create(promotion_suite());
  srunner_run_all(runner, CK_NORMAL);
  int failed = srunner_ntests_failed(runner);
  srunner_free(runner);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
