/* test-vector.c - heap vectors: growth keeps elements (and their order)
 * alive, the replaced backing becomes garbage, element edges are indexed,
 * removal, misuse, and growth while incremental marking runs. */
#include <check.h>
#include <stdint.h>

#include "dom-test.h"

START_TEST(a_vector_grows_and_keeps_its_elements_alive) {
  dom_world w;
  dom_world_init(&w, 0);
  void *vector = blinkish_vector_new(w.heap, 1);
  ck_assert_ptr_nonnull(vector);
  blinkish_persistent *root = blinkish_persistent_new(w.heap, vector, false);
  ck_assert_uint_eq(blinkish_vector_length(w.heap, vector), 0);
  for (long i = 0; i < 5000; i++) {
    ck_assert_int_eq(blinkish_vector_append(w.heap, vector, dom_new_node(&w, i)), CCGC_OK);
    if (i % 1000 == 0) ccgc_test_collect_verified(w.collector);
  }
  ccgc_test_collect_verified(w.collector);
  ck_assert_uint_eq(blinkish_vector_length(w.heap, vector), 5000);
  for (size_t i = 0; i < 5000; i++)
    ck_assert_int_eq(((dom_node *)blinkish_vector_get(w.heap, vector, i))->value, (long)i);
  ck_assert_uint_eq(dom_finalized, 0);
  /* The vector, its one current backing and the elements: every replaced
   * backing was garbage. */
  ck_assert_uint_eq(dom_stats(&w).object_count, 5000 + 2);
  blinkish_persistent_free(w.heap, root);
  ccgc_test_collect_verified(w.collector);
  ck_assert_uint_eq(dom_stats(&w).object_count, 0);
  ck_assert_uint_eq(dom_finalized, 5000);
  dom_world_free(&w);
}
END_TEST

START_TEST(set_remove_and_remove_value_edit_the_vector) {
  dom_world w;
  dom_world_init(&w, 0);
  void *vector = blinkish_vector_new(w.heap, 0); /* default capacity */
  blinkish_persistent *root = blinkish_persistent_new(w.heap, vector, false);
  dom_node *nodes[6];
  for (int i = 0; i < 6; i++) {
    nodes[i] = dom_new_node(&w, i);
    blinkish_vector_append(w.heap, vector, nodes[i]);
  }
  blinkish_vector_append(w.heap, vector, NULL); /* NULL elements are fine */
  ck_assert_uint_eq(blinkish_vector_length(w.heap, vector), 7);
  ck_assert_ptr_null(blinkish_vector_get(w.heap, vector, 6));
  ck_assert_int_eq(blinkish_vector_set(w.heap, vector, 6, nodes[0]), CCGC_OK);
  ck_assert_int_eq(blinkish_vector_remove(w.heap, vector, 0), CCGC_OK); /* 1..5,0 */
  ck_assert(blinkish_vector_remove_value(w.heap, vector, nodes[3]));     /* 1,2,4,5,0 */
  ck_assert(!blinkish_vector_remove_value(w.heap, vector, nodes[3]));
  ck_assert_int_eq(blinkish_vector_set(w.heap, vector, 1, NULL), CCGC_OK); /* 1,_,4,5,0 */
  ck_assert_uint_eq(blinkish_vector_length(w.heap, vector), 5);
  ccgc_test_collect_verified(w.collector);
  /* nodes 2 and 3 are out, 0 is still in (at the end). */
  ck_assert_uint_eq(dom_finalized, 2);
  ck_assert_int_eq(dom_finalized_sum, 2 + 3);
  long expected[] = {1, -1, 4, 5, 0};
  for (size_t i = 0; i < 5; i++) {
    dom_node *n = blinkish_vector_get(w.heap, vector, i);
    if (expected[i] < 0)
      ck_assert_ptr_null(n);
    else
      ck_assert_int_eq(n->value, expected[i]);
  }
  while (blinkish_vector_length(w.heap, vector))
    ck_assert_int_eq(blinkish_vector_remove(w.heap, vector, 0), CCGC_OK);
  ccgc_test_collect_verified(w.collector);
  ck_assert_uint_eq(dom_finalized, 6);
  ck_assert_uint_eq(w.errors.count, 0);
  blinkish_persistent_free(w.heap, root);
  dom_world_free(&w);
}
END_TEST

typedef struct element_edges {
  void *backing;
  size_t elements;
  size_t index_sum;
  size_t backing_edges;
} element_edges;

static void record_edge(void *from, void *to, ccgc_edge edge, void *data) {
  (void)to;
  element_edges *edges = data;
  if (edge.kind == CCGC_EDGE_INTERNAL && edge.name &&
      strcmp(edge.name, "backing") == 0) {
    edges->backing_edges++;
    edges->backing = to;
  }
  if (edge.kind == CCGC_EDGE_ELEMENT && from == edges->backing) {
    edges->elements++;
    edges->index_sum += edge.index;
  }
}

START_TEST(the_backing_reports_indexed_element_edges_up_to_the_length) {
  dom_world w;
  dom_world_init(&w, 0);
  void *vector = blinkish_vector_new(w.heap, 16);
  blinkish_persistent *root = blinkish_persistent_new(w.heap, vector, false);
  for (int i = 0; i < 10; i++) blinkish_vector_append(w.heap, vector, dom_new_node(&w, i));
  blinkish_vector_remove(w.heap, vector, 9);
  /* Walk twice: the first finds the backing, the second counts its edges
   * (the walk reports edges after objects, in any order). */
  element_edges edges = {0};
  ccgc_walk_callbacks callbacks = {NULL, record_edge, &edges};
  ck_assert_int_eq(ccgc_collector_walk(w.collector, &callbacks), CCGC_OK);
  ck_assert_uint_eq(edges.backing_edges, 1);
  ck_assert_str_eq(blinkish_type_name(w.heap, edges.backing), "HeapVectorBacking");
  edges.elements = edges.index_sum = 0;
  ck_assert_int_eq(ccgc_collector_walk(w.collector, &callbacks), CCGC_OK);
  ck_assert_uint_eq(edges.elements, 9);
  ck_assert_uint_eq(edges.index_sum, 36); /* 0 + 1 + ... + 8 */
  blinkish_persistent_free(w.heap, root);
  dom_world_free(&w);
}
END_TEST

START_TEST(vector_misuse_is_reported) {
  dom_world w;
  dom_world_init(&w, 0);
  void *vector = blinkish_vector_new(w.heap, 2);
  dom_node *node = dom_new_node(&w, 0);
  ck_assert_uint_eq(blinkish_vector_length(w.heap, node), 0);
  dom_assert_error(&w, CCGC_E_WRONG_TYPE, "blinkish_vector_length");
  ck_assert_int_eq(blinkish_vector_append(w.heap, node, node), CCGC_E_WRONG_TYPE);
  ck_assert_ptr_null(blinkish_vector_get(w.heap, vector, 0));
  dom_assert_error(&w, CCGC_E_INVALID_ARGUMENT, "out of range");
  ck_assert_int_eq(blinkish_vector_set(w.heap, vector, 0, node), CCGC_E_INVALID_ARGUMENT);
  ck_assert_int_eq(blinkish_vector_remove(w.heap, vector, 0), CCGC_E_INVALID_ARGUMENT);
  dom_node stack_node;
  ck_assert_int_eq(blinkish_vector_append(w.heap, vector, &stack_node),
                   CCGC_E_FOREIGN_POINTER);
  ck_assert_int_eq(blinkish_vector_append(w.heap, &stack_node, node),
                   CCGC_E_FOREIGN_POINTER);
  ck_assert_uint_eq(blinkish_vector_length(w.heap, vector), 0);
  ck_assert(!blinkish_vector_remove_value(w.heap, vector, node));
  ck_assert_ptr_null(blinkish_vector_new(w.heap, SIZE_MAX / 4));
  ck_assert_int_eq(ccgc_collector_last_error(w.collector)->code, CCGC_E_SIZE_OVERFLOW);
  dom_world_free(&w);
}
END_TEST

START_TEST(a_vector_grown_during_incremental_marking_keeps_everything) {
  /* The vector is black early; new backings are allocated black; moved and
   * appended elements go through the barrier. Elements allocated before the
   * cycle and held only by C locals are white until appended. */
  dom_world w;
  dom_world_init(&w, 0);
  void *vector = blinkish_vector_new(w.heap, 2);
  blinkish_persistent *root = blinkish_persistent_new(w.heap, vector, false);
  for (int i = 0; i < 4; i++) blinkish_vector_append(w.heap, vector, dom_new_node(&w, i));
  enum { LATE = 300 };
  static dom_node *waiting[LATE];
  for (int i = 0; i < LATE; i++) waiting[i] = dom_new_node(&w, 100 + i);
  ck_assert_int_eq(ccgc_incremental_start(w.collector, CCGC_REASON_TESTING), CCGC_OK);
  for (int i = 0; i < LATE; i++) {
    ck_assert_int_eq(blinkish_vector_append(w.heap, vector, waiting[i]), CCGC_OK);
    if (i % 7 == 0) ccgc_incremental_step(w.collector, 0.01);
    if (i % 50 == 0) blinkish_vector_remove(w.heap, vector, 0);
  }
  ck_assert_int_eq(ccgc_incremental_finish(w.collector), CCGC_OK);
  ck_assert_uint_eq(ccgc_collector_last_verify(w.collector)->errors, 0);
  size_t length = blinkish_vector_length(w.heap, vector);
  ck_assert_uint_eq(length, 4 + LATE - 6);
  for (size_t i = 0; i < length; i++)
    ck_assert(blinkish_is_object(w.heap, blinkish_vector_get(w.heap, vector, i)));
  ccgc_test_collect_verified(w.collector);
  ck_assert_uint_eq(dom_stats(&w).object_count, length + 2);
  blinkish_persistent_free(w.heap, root);
  dom_world_free(&w);
}
END_TEST

int main(void) {
  Suite *suite = suite_create("blinkish-vector");
  TCase *tc = tcase_create("core");
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, a_vector_grows_and_keeps_its_elements_alive);
  tcase_add_test(tc, set_remove_and_remove_value_edit_the_vector);
  tcase_add_test(tc, the_backing_reports_indexed_element_edges_up_to_the_length);
  tcase_add_test(tc, vector_misuse_is_reported);
  tcase_add_test(tc, a_vector_grown_during_incremental_marking_keeps_everything);
  suite_add_tcase(suite, tc);
  return ccgc_test_run(suite);
}
