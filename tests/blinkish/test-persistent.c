/* test-persistent.c - persistents: strong ones are roots, weak ones are
 * cleared when their target dies and kept while it lives; retargeting,
 * misuse, roots in the graph walk, and persistents made during marking. */
#include <check.h>
#include <stdint.h>

#include "dom-test.h"
#include "handle-table.h"

START_TEST(a_strong_persistent_keeps_a_graph_alive_until_dropped) {
  dom_world w;
  dom_world_init(&w, 0);
  dom_node *head = dom_new_node(&w, 0), *tail = head;
  for (long i = 1; i < 1000; i++) {
    dom_node *next = dom_new_node(&w, i);
    dom_link(&w, tail, &tail->next, next);
    tail = next;
  }
  blinkish_persistent *root = blinkish_persistent_new(w.heap, head, false);
  ck_assert_ptr_eq(blinkish_persistent_get(root), head);
  ccgc_test_collect_verified(w.collector);
  ck_assert_uint_eq(dom_stats(&w).object_count, 1000);
  ck_assert_uint_eq(dom_finalized, 0);
  blinkish_persistent_free(w.heap, root);
  ccgc_test_collect_verified(w.collector);
  ck_assert_uint_eq(dom_stats(&w).object_count, 0);
  ck_assert_uint_eq(dom_finalized, 1000);
  ck_assert_int_eq(dom_finalized_sum, 999L * 1000L / 2);
  dom_world_free(&w);
}
END_TEST

START_TEST(a_weak_persistent_follows_its_target_without_keeping_it) {
  dom_world w;
  dom_world_init(&w, 0);
  dom_node *target = dom_new_node(&w, 5);
  blinkish_persistent *strong = blinkish_persistent_new(w.heap, target, false);
  blinkish_persistent *weak = blinkish_persistent_new(w.heap, target, true);
  blinkish_persistent *weak2 = blinkish_persistent_new(w.heap, target, true);
  ccgc_test_collect_verified(w.collector);
  ck_assert_ptr_eq(blinkish_persistent_get(weak), target); /* kept: alive */
  ck_assert_ptr_eq(blinkish_persistent_get(weak2), target);
  blinkish_persistent_free(w.heap, strong);
  ccgc_test_collect_verified(w.collector);
  ck_assert_ptr_null(blinkish_persistent_get(weak)); /* cleared: dead */
  ck_assert_ptr_null(blinkish_persistent_get(weak2));
  ck_assert_uint_eq(dom_finalized, 1);
  /* A weak persistent alone never keeps anything. */
  dom_node *lonely = dom_new_node(&w, 6);
  blinkish_persistent_set(w.heap, weak, lonely);
  ck_assert_ptr_eq(blinkish_persistent_get(weak), lonely);
  ccgc_test_collect_verified(w.collector);
  ck_assert_ptr_null(blinkish_persistent_get(weak));
  ck_assert_uint_eq(dom_finalized, 2);
  blinkish_persistent_free(w.heap, weak);
  blinkish_persistent_free(w.heap, weak2);
  dom_world_free(&w);
}
END_TEST

START_TEST(a_weak_persistent_to_an_object_reachable_otherwise_is_kept) {
  dom_world w;
  dom_world_init(&w, 0);
  dom_node *parent = dom_new_node(&w, 0), *child = dom_new_node(&w, 1);
  dom_link(&w, parent, &parent->next, child);
  blinkish_persistent *root = blinkish_persistent_new(w.heap, parent, false);
  blinkish_persistent *watch = blinkish_persistent_new(w.heap, child, true);
  for (int i = 0; i < 3; i++) {
    ccgc_test_collect_verified(w.collector);
    ck_assert_ptr_eq(blinkish_persistent_get(watch), child);
  }
  dom_link(&w, parent, &parent->next, NULL);
  ccgc_test_collect_verified(w.collector);
  ck_assert_ptr_null(blinkish_persistent_get(watch));
  blinkish_persistent_free(w.heap, watch);
  blinkish_persistent_free(w.heap, root);
  dom_world_free(&w);
}
END_TEST

START_TEST(retargeting_a_strong_persistent_moves_the_root) {
  dom_world w;
  dom_world_init(&w, 0);
  dom_node *a = dom_new_node(&w, 1), *b = dom_new_node(&w, 2);
  blinkish_persistent *root = blinkish_persistent_new(w.heap, a, false);
  blinkish_persistent_set(w.heap, root, b);
  ccgc_test_collect_verified(w.collector);
  ck_assert(!blinkish_is_object(w.heap, a));
  ck_assert(blinkish_is_object(w.heap, b));
  blinkish_persistent_set(w.heap, root, NULL);
  ck_assert_ptr_null(blinkish_persistent_get(root));
  ccgc_test_collect_verified(w.collector);
  ck_assert_uint_eq(dom_stats(&w).object_count, 0);
  blinkish_persistent_free(w.heap, root);
  ck_assert_ptr_null(blinkish_persistent_get(NULL));
  blinkish_persistent_free(w.heap, NULL); /* a no-op */
  ck_assert_uint_eq(w.errors.count, 0);
  dom_world_free(&w);
}
END_TEST

START_TEST(a_persistent_to_a_non_object_is_refused) {
  dom_world w;
  dom_world_init(&w, 0);
  dom_node stack_node;
  ck_assert_ptr_null(blinkish_persistent_new(w.heap, &stack_node, false));
  dom_assert_error(&w, CCGC_E_FOREIGN_POINTER, "blinkish_persistent_new");
  dom_node *node = dom_new_node(&w, 0);
  blinkish_persistent *root = blinkish_persistent_new(w.heap, node, false);
  blinkish_persistent_set(w.heap, root, (uint8_t *)node + 8);
  dom_assert_error(&w, CCGC_E_DEAD_OBJECT, "blinkish_persistent_set");
  ck_assert_ptr_eq(blinkish_persistent_get(root), node); /* unchanged */
  blinkish_persistent_free(w.heap, root);
  dom_world_free(&w);
}
END_TEST

typedef struct root_edges {
  size_t persistent_roots;
  void *last_target;
} root_edges;

static void count_root(void *from, void *to, ccgc_edge edge, void *data) {
  root_edges *roots = data;
  if (from == NULL && edge.kind == CCGC_EDGE_ROOT && edge.name &&
      strcmp(edge.name, "persistent") == 0) {
    roots->persistent_roots++;
    roots->last_target = to;
  }
}

START_TEST(only_strong_persistents_are_reported_as_roots) {
  dom_world w;
  dom_world_init(&w, 0);
  dom_node *a = dom_new_node(&w, 1), *b = dom_new_node(&w, 2);
  blinkish_persistent *strong = blinkish_persistent_new(w.heap, a, false);
  blinkish_persistent *weak = blinkish_persistent_new(w.heap, b, true);
  blinkish_persistent *empty = blinkish_persistent_new(w.heap, NULL, false);
  root_edges roots = {0, NULL};
  ccgc_walk_callbacks callbacks = {NULL, count_root, &roots};
  ck_assert_int_eq(ccgc_collector_walk(w.collector, &callbacks), CCGC_OK);
  ck_assert_uint_eq(roots.persistent_roots, 1);
  ck_assert_ptr_eq(roots.last_target, a);
  blinkish_persistent_free(w.heap, strong);
  blinkish_persistent_free(w.heap, weak);
  blinkish_persistent_free(w.heap, empty);
  dom_world_free(&w);
}
END_TEST

START_TEST(persistents_made_while_marking_hold) {
  /* Objects allocated before the cycle, unreachable when it starts (white),
   * then rooted by a strong persistent while marking runs: they survive. A
   * weak persistent made meanwhile to a dying object is cleared. */
  dom_world w;
  dom_world_init(&w, 0);
  dom_node *saved = dom_new_node(&w, 1), *child = dom_new_node(&w, 2);
  dom_link(&w, saved, &saved->next, child);
  dom_node *doomed = dom_new_node(&w, 3);
  ck_assert_int_eq(ccgc_incremental_start(w.collector, CCGC_REASON_TESTING), CCGC_OK);
  ccgc_incremental_step(w.collector, 100.0);
  blinkish_persistent *root = blinkish_persistent_new(w.heap, saved, false);
  blinkish_persistent *watch = blinkish_persistent_new(w.heap, doomed, true);
  while (!ccgc_incremental_step(w.collector, 100.0)) {
  }
  ck_assert_int_eq(ccgc_incremental_finish(w.collector), CCGC_OK);
  ck_assert_uint_eq(ccgc_collector_last_verify(w.collector)->errors, 0);
  ck_assert(blinkish_is_object(w.heap, saved));
  ck_assert(blinkish_is_object(w.heap, child));
  ck_assert_ptr_null(blinkish_persistent_get(watch));
  ck_assert_uint_eq(dom_finalized, 1);
  blinkish_persistent_free(w.heap, watch);
  blinkish_persistent_free(w.heap, root);
  dom_world_free(&w);
}
END_TEST

START_TEST(persistents_left_at_teardown_are_freed_with_the_heap) {
  /* LeakSanitizer (sanitizer build) checks that nothing leaks. */
  dom_world w;
  dom_world_init(&w, 0);
  for (int i = 0; i < 100; i++)
    blinkish_persistent_new(w.heap, dom_new_node(&w, i), i % 2 == 0);
  dom_world_free(&w);
  ck_assert_uint_eq(dom_finalized, 100);
}
END_TEST

/* A persistent is checked against the heap's own handle table: one of
 * another heap, and an address in the chunk header of the heap's own last
 * used chunk, are refused, also right after a handle of that chunk was
 * checked (the table remembers that chunk: marking/handle-table.c). */
START_TEST(another_heaps_persistent_is_refused_after_a_checked_one) {
  dom_world w;
  dom_world_init(&w, 0);
  blinkish_heap *other = blinkish_heap_new(w.collector, NULL);
  ck_assert_ptr_nonnull(other);
  void *node = dom_new_node(&w, 1);
  blinkish_persistent *mine = blinkish_persistent_new(w.heap, node, false);
  blinkish_persistent *theirs = blinkish_persistent_new(other, NULL, false);
  ck_assert_ptr_nonnull(mine);
  ck_assert_ptr_nonnull(theirs);
  unsigned before = w.errors.count;
  blinkish_persistent_set(w.heap, mine, NULL);
  blinkish_persistent_set(w.heap, mine, node);
  ck_assert_uint_eq(w.errors.count, before);
  blinkish_persistent_set(w.heap, theirs, node);
  dom_assert_error(&w, CCGC_E_DEAD_HANDLE, "blinkish_persistent_set");
  ck_assert_ptr_null(blinkish_persistent_get(theirs)); /* unchanged */
  blinkish_persistent *header =
      (blinkish_persistent *)(((uintptr_t)mine &
                               ~(uintptr_t)(CCGC_HANDLE_CHUNK_BYTES - 1)) + 8);
  blinkish_persistent_set(w.heap, mine, node); /* its chunk, remembered */
  blinkish_persistent_set(w.heap, header, node);
  dom_assert_error(&w, CCGC_E_DEAD_HANDLE, "blinkish_persistent_set");
  ck_assert_uint_eq(w.errors.count, before + 2);
  ck_assert_ptr_eq(blinkish_persistent_get(mine), node);
  blinkish_persistent_free(w.heap, mine);
  blinkish_persistent_free(other, theirs);
  blinkish_heap_free(other);
  dom_world_free(&w);
}
END_TEST

/* A low address is in "chunk 0", which is also what "no chunk remembered"
 * reads as: on a fresh heap such a handle is still looked up and refused. */
START_TEST(a_low_address_is_not_a_persistent_on_a_fresh_heap) {
  dom_world w;
  dom_world_init(&w, 0);
  blinkish_persistent *bogus = (blinkish_persistent *)(uintptr_t)0x1000;
  blinkish_persistent_set(w.heap, bogus, NULL);
  dom_assert_error(&w, CCGC_E_DEAD_HANDLE, "was never made by this heap");
  blinkish_persistent_free(w.heap, bogus);
  dom_assert_error(&w, CCGC_E_DEAD_HANDLE, "blinkish_persistent_free");
  ck_assert_uint_eq(w.errors.count, 2);
  dom_world_free(&w);
}
END_TEST

int main(void) {
  Suite *suite = suite_create("blinkish-persistent");
  TCase *tc = tcase_create("core");
  tcase_add_test(tc, a_strong_persistent_keeps_a_graph_alive_until_dropped);
  tcase_add_test(tc, a_weak_persistent_follows_its_target_without_keeping_it);
  tcase_add_test(tc, a_weak_persistent_to_an_object_reachable_otherwise_is_kept);
  tcase_add_test(tc, retargeting_a_strong_persistent_moves_the_root);
  tcase_add_test(tc, a_persistent_to_a_non_object_is_refused);
  tcase_add_test(tc, only_strong_persistents_are_reported_as_roots);
  tcase_add_test(tc, persistents_made_while_marking_hold);
  tcase_add_test(tc, persistents_left_at_teardown_are_freed_with_the_heap);
  tcase_add_test(tc, another_heaps_persistent_is_refused_after_a_checked_one);
  tcase_add_test(tc, a_low_address_is_not_a_persistent_on_a_fresh_heap);
  suite_add_tcase(suite, tc);
  return ccgc_test_run(suite);
}
