/* test-weak-set.c - HeapWeakSet: the API, keys held weakly and cleared after
 * one collection (whether or not the set's table was traced that cycle),
 * growth with many dead keys, weak edges in the graph walk, misuse. */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>

#include "dom-test.h"

static void *rooted_set(dom_world *w, blinkish_persistent **root) {
  void *set = blinkish_weak_set_new(w->heap);
  ck_assert_ptr_nonnull(set);
  *root = blinkish_persistent_new(w->heap, set, false);
  return set;
}

START_TEST(add_has_delete_and_size) {
  dom_world w;
  dom_world_init(&w, 0);
  blinkish_persistent *set_root;
  void *set = rooted_set(&w, &set_root);
  ck_assert_str_eq(blinkish_type_name(w.heap, set), "HeapWeakSet");
  dom_node *a = dom_new_node(&w, 1), *b = dom_new_node(&w, 2);
  ck_assert_int_eq(blinkish_weak_set_add(w.heap, set, a), CCGC_OK);
  ck_assert_int_eq(blinkish_weak_set_add(w.heap, set, a), CCGC_OK);
  ck_assert_uint_eq(blinkish_weak_set_size(w.heap, set), 1); /* a set */
  ck_assert(blinkish_weak_set_has(w.heap, set, a));
  ck_assert(!blinkish_weak_set_has(w.heap, set, b));
  ck_assert_int_eq(blinkish_weak_set_add(w.heap, set, b), CCGC_OK);
  ck_assert_uint_eq(blinkish_weak_set_size(w.heap, set), 2);
  ck_assert(blinkish_weak_set_delete(w.heap, set, a));
  ck_assert(!blinkish_weak_set_delete(w.heap, set, a));
  ck_assert(!blinkish_weak_set_has(w.heap, set, a));
  ck_assert(blinkish_weak_set_has(w.heap, set, b));
  ck_assert_uint_eq(blinkish_weak_set_size(w.heap, set), 1);
  ck_assert_uint_eq(w.errors.count, 0);
  blinkish_persistent_free(w.heap, set_root);
  dom_world_free(&w);
}
END_TEST

START_TEST(the_set_does_not_keep_its_keys_and_drops_the_dead_ones) {
  dom_world w;
  dom_world_init(&w, 0);
  blinkish_persistent *set_root;
  void *set = rooted_set(&w, &set_root);
  enum { N = 5000 }; /* grows the table many times */
  dom_node **keys = malloc(N * sizeof *keys);
  blinkish_persistent **roots = calloc(N, sizeof *roots);
  for (int i = 0; i < N; i++) {
    keys[i] = dom_new_node(&w, i);
    if (i % 3 == 0) roots[i] = blinkish_persistent_new(w.heap, keys[i], false);
    ck_assert_int_eq(blinkish_weak_set_add(w.heap, set, keys[i]), CCGC_OK);
  }
  ck_assert_uint_eq(blinkish_weak_set_size(w.heap, set), N);
  ccgc_test_collect_verified(w.collector);
  size_t rooted = (N + 2) / 3;
  ck_assert_uint_eq(blinkish_weak_set_size(w.heap, set), rooted);
  ck_assert_uint_eq(dom_finalized, N - rooted);
  for (int i = 0; i < N; i++) {
    ck_assert_int_eq(blinkish_is_object(w.heap, keys[i]), i % 3 == 0);
    if (i % 3 == 0) ck_assert(blinkish_weak_set_has(w.heap, set, keys[i]));
  }
  /* Tombstones left by the prune do not hide later keys. */
  for (int i = 0; i < 100; i++) {
    dom_node *fresh = dom_new_node(&w, -i);
    ck_assert_int_eq(blinkish_weak_set_add(w.heap, set, fresh), CCGC_OK);
    ck_assert(blinkish_weak_set_has(w.heap, set, fresh));
  }
  for (int i = 0; i < N; i += 3) ck_assert(blinkish_weak_set_has(w.heap, set, keys[i]));
  ck_assert_uint_eq(blinkish_weak_set_size(w.heap, set), rooted + 100);
  for (int i = 0; i < N; i += 3) blinkish_persistent_free(w.heap, roots[i]);
  ccgc_test_collect_verified(w.collector);
  ck_assert_uint_eq(blinkish_weak_set_size(w.heap, set), 0);
  free(roots);
  free(keys);
  blinkish_persistent_free(w.heap, set_root);
  dom_world_free(&w);
}
END_TEST

/* A set allocated while marking is black and never traced that cycle (so the
 * marker records none of its slots): the registry prunes it anyway. */
START_TEST(an_untraced_set_is_pruned_too) {
  dom_world w;
  dom_world_init(&w, 0);
  dom_node *key = dom_new_node(&w, 1);
  ck_assert_int_eq(ccgc_incremental_start(w.collector, CCGC_REASON_TESTING),
                   CCGC_OK);
  while (!ccgc_incremental_step(w.collector, 1.0)) {
  }
  void *set = blinkish_weak_set_new(w.heap);
  blinkish_persistent *set_root = blinkish_persistent_new(w.heap, set, false);
  ck_assert_int_eq(blinkish_weak_set_add(w.heap, set, key), CCGC_OK);
  ck_assert_int_eq(ccgc_incremental_finish(w.collector), CCGC_OK);
  ck_assert_uint_eq(ccgc_collector_last_verify(w.collector)->errors, 0);
  /* The barrier shaded the key: floating garbage for one cycle. */
  ck_assert_uint_eq(blinkish_weak_set_size(w.heap, set), 1);
  ccgc_test_collect_verified(w.collector);
  ck_assert_uint_eq(blinkish_weak_set_size(w.heap, set), 0);
  ck_assert(!blinkish_is_object(w.heap, key));
  blinkish_persistent_free(w.heap, set_root);
  dom_world_free(&w);
}
END_TEST

typedef struct weak_edges {
  void *key;
  int to_key;    /* weak "key" edges                      */
  int strong;    /* any other non-root edge to the key    */
} weak_edges;

static void count_key_edges(void *from, void *to, ccgc_edge edge, void *data) {
  weak_edges *edges = data;
  (void)from;
  if (to != edges->key || edge.kind == CCGC_EDGE_ROOT) return;
  if (edge.kind == CCGC_EDGE_WEAK && edge.name && !strcmp(edge.name, "key"))
    edges->to_key++;
  else
    edges->strong++;
}

START_TEST(the_graph_walk_shows_weak_key_edges_only) {
  dom_world w;
  dom_world_init(&w, 0);
  blinkish_persistent *set_root;
  void *set = rooted_set(&w, &set_root);
  dom_node *key = dom_new_node(&w, 1);
  blinkish_persistent *key_root = blinkish_persistent_new(w.heap, key, false);
  ck_assert_int_eq(blinkish_weak_set_add(w.heap, set, key), CCGC_OK);
  weak_edges edges = {key, 0, 0};
  ccgc_walk_callbacks callbacks = {NULL, count_key_edges, &edges};
  ck_assert_int_eq(ccgc_collector_walk(w.collector, &callbacks), CCGC_OK);
  ck_assert_int_eq(edges.to_key, 1);
  ck_assert_int_eq(edges.strong, 0);
  blinkish_persistent_free(w.heap, key_root);
  blinkish_persistent_free(w.heap, set_root);
  dom_world_free(&w);
}
END_TEST

START_TEST(misuse_is_reported_and_nothing_is_stored) {
  dom_world w;
  dom_world_init(&w, 0);
  blinkish_persistent *set_root;
  void *set = rooted_set(&w, &set_root);
  void *map = blinkish_weak_map_new(w.heap);
  dom_node *key = dom_new_node(&w, 1);
  int local;
  ck_assert_int_eq(blinkish_weak_set_add(w.heap, set, NULL),
                   CCGC_E_INVALID_ARGUMENT);
  dom_assert_error(&w, CCGC_E_INVALID_ARGUMENT, "blinkish_weak_set_add: the key is NULL");
  ck_assert_int_eq(blinkish_weak_set_add(w.heap, set, &local),
                   CCGC_E_FOREIGN_POINTER);
  ck_assert_int_eq(blinkish_weak_set_add(w.heap, map, key), CCGC_E_WRONG_TYPE);
  dom_assert_error(&w, CCGC_E_WRONG_TYPE, "is a HeapEphemeronMap, not a HeapWeakSet");
  ck_assert(!blinkish_weak_set_has(w.heap, key, key));
  dom_assert_error(&w, CCGC_E_WRONG_TYPE, "blinkish_weak_set_has");
  ck_assert(!blinkish_weak_set_delete(w.heap, &local, key));
  dom_assert_error(&w, CCGC_E_FOREIGN_POINTER, "blinkish_weak_set_delete: set");
  ck_assert_uint_eq(blinkish_weak_set_size(w.heap, set), 0);
  ck_assert_uint_eq(blinkish_weak_map_size(w.heap, map), 0);
  ck_assert_uint_eq(w.errors.count, 5);
  blinkish_persistent_free(w.heap, set_root);
  dom_world_free(&w);
}
END_TEST

int main(void) {
  Suite *suite = suite_create("blinkish-weak-set");
  TCase *tc = tcase_create("core");
  tcase_set_timeout(tc, 30);
  tcase_add_test(tc, add_has_delete_and_size);
  tcase_add_test(tc, the_set_does_not_keep_its_keys_and_drops_the_dead_ones);
  tcase_add_test(tc, an_untraced_set_is_pruned_too);
  tcase_add_test(tc, the_graph_walk_shows_weak_key_edges_only);
  tcase_add_test(tc, misuse_is_reported_and_nothing_is_stored);
  suite_add_tcase(suite, tc);
  return ccgc_test_run(suite);
}
