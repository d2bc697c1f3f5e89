/* test-arrays.c - fixed arrays, double arrays and growable arrays: values,
 * growth, bounds, size overflow, large arrays, and the element edges (never
 * a length, never a raw double: .inv.tagged-fields). */
#include <check.h>
#include <math.h>
#include <stdint.h>

#include "script-test.h"

START_TEST(fixed_arrays_hold_tagged_values) {
  script_world w;
  script_world_init(&w, 0);
  v8ish_local a = v8ish_fixed_array_new(w.heap, 5);
  ck_assert_str_eq(v8ish_type_name(w.heap, a), "FixedArray");
  ck_assert_uint_eq(v8ish_array_length(w.heap, a), 5);
  /* Fresh elements are the integer 0. */
  ck_assert(v8ish_is_integer(w.heap, v8ish_array_get(w.heap, a, 4)));
  ck_assert_int_eq(v8ish_integer_value(w.heap, v8ish_array_get(w.heap, a, 4)), 0);
  ck_assert_int_eq(v8ish_array_set(w.heap, a, 0, script_string(&w, "s")), CCGC_OK);
  ck_assert_int_eq(v8ish_array_set(w.heap, a, 1, script_int(&w, -9)), CCGC_OK);
  ck_assert_int_eq(v8ish_array_set(w.heap, a, 2, a), CCGC_OK); /* a cycle */
  ccgc_test_collect_verified(w.collector);
  ck_assert_str_eq(v8ish_type_name(w.heap, v8ish_array_get(w.heap, a, 0)), "String");
  ck_assert_int_eq(v8ish_integer_value(w.heap, v8ish_array_get(w.heap, a, 1)), -9);
  ck_assert(v8ish_same(w.heap, v8ish_array_get(w.heap, a, 2), a));
  ck_assert(v8ish_local_is_empty(v8ish_array_get(w.heap, a, 5)));
  ck_assert_int_eq(v8ish_array_set(w.heap, a, 5, a), CCGC_E_INVALID_ARGUMENT);
  script_assert_error(&w, CCGC_E_INVALID_ARGUMENT, "v8ish_array_set: index 5 out of range");
  /* A fixed array does not grow. */
  ck_assert_int_eq(v8ish_array_push(w.heap, a, a), CCGC_E_WRONG_TYPE);
  script_assert_error(&w, CCGC_E_WRONG_TYPE, "v8ish_array_push: expected an Array, got a FixedArray");
  script_world_free(&w);
}
END_TEST

START_TEST(growable_arrays_grow_and_keep_their_elements) {
  script_world w;
  script_world_init(&w, 0);
  v8ish_local a = v8ish_array_new(w.heap);
  ck_assert_uint_eq(v8ish_array_length(w.heap, a), 0);
  for (int i = 0; i < 1000; i++) {
    ck_assert_int_eq(v8ish_array_push(w.heap, a, v8ish_number_new(w.heap, i + 0.25)), CCGC_OK);
    if (i % 250 == 0) ccgc_test_collect_verified(w.collector);
  }
  ccgc_test_collect_verified(w.collector);
  ck_assert_uint_eq(v8ish_array_length(w.heap, a), 1000);
  for (size_t i = 0; i < 1000; i += 111)
    ck_assert(fabs(v8ish_number_value(w.heap, v8ish_array_get(w.heap, a, i)) - (i + 0.25)) < 1e-12);
  ck_assert_int_eq(v8ish_array_set(w.heap, a, 999, script_int(&w, 1)), CCGC_OK);
  ck_assert_int_eq(v8ish_array_set(w.heap, a, 1000, script_int(&w, 1)), CCGC_E_INVALID_ARGUMENT);
  ck_assert(v8ish_local_is_empty(v8ish_array_get(w.heap, a, 1000)));
  /* Properties on an array live out of object. */
  ck_assert_int_eq(v8ish_object_set(w.heap, a, "tag", script_int(&w, 3)), CCGC_OK);
  ccgc_test_collect_verified(w.collector);
  ck_assert_int_eq(v8ish_integer_value(w.heap, v8ish_object_get(w.heap, a, "tag")), 3);
  ck_assert_uint_eq(v8ish_array_length(w.heap, a), 1000);
  script_world_free(&w);
}
END_TEST

START_TEST(double_arrays_hold_raw_doubles) {
  script_world w;
  script_world_init(&w, 0);
  v8ish_local d = v8ish_double_array_new(w.heap, 64);
  /* Raw bits that look like tagged references must never be followed. */
  double tricky;
  uint64_t bits = 0x1235; /* low bit 1: "a reference" to a bogus address */
  memcpy(&tricky, &bits, sizeof tricky);
  for (size_t i = 0; i < 64; i++)
    ck_assert_int_eq(v8ish_double_array_set(w.heap, d, i, i % 2 ? tricky : i * 0.5), CCGC_OK);
  ccgc_test_collect_verified(w.collector);
  ck_assert(v8ish_double_array_get(w.heap, d, 2) == 1.0);
  double back = v8ish_double_array_get(w.heap, d, 3);
  ck_assert(memcmp(&back, &tricky, sizeof back) == 0);
  ck_assert_int_eq(v8ish_double_array_set(w.heap, d, 64, 1.0), CCGC_E_INVALID_ARGUMENT);
  ck_assert(v8ish_double_array_get(w.heap, d, 64) == 0);
  script_graph *graph = malloc(sizeof *graph);
  script_graph_take(&w, graph);
  void *address = v8ish_object_address(w.heap, d);
  ck_assert_uint_eq(script_graph_count(graph, address, CCGC_EDGE_ELEMENT, NULL, NULL), 0);
  ck_assert_uint_eq(script_graph_count(graph, address, CCGC_EDGE_INTERNAL, "map", NULL), 1);
  free(graph);
  ck_assert_int_eq(v8ish_double_array_set(w.heap, script_int(&w, 1), 0, 1.0), CCGC_E_WRONG_TYPE);
  script_assert_error(&w, CCGC_E_WRONG_TYPE, "got an integer");
  script_world_free(&w);
}
END_TEST

START_TEST(element_edges_are_indexed_and_skip_integers) {
  script_world w;
  script_world_init(&w, 0);
  v8ish_local a = v8ish_fixed_array_new(w.heap, 4);
  v8ish_local s = script_string(&w, "x");
  v8ish_array_set(w.heap, a, 1, s);
  v8ish_array_set(w.heap, a, 3, s);
  v8ish_array_set(w.heap, a, 2, script_int(&w, 77));
  script_graph *graph = malloc(sizeof *graph);
  script_graph_take(&w, graph);
  void *address = v8ish_object_address(w.heap, a);
  ck_assert_uint_eq(script_graph_count(graph, address, CCGC_EDGE_ELEMENT, NULL, NULL), 2);
  for (size_t i = 0; i < graph->edge_count; i++) {
    script_edge *e = &graph->edges[i];
    if (e->from == address && e->kind == CCGC_EDGE_ELEMENT) {
      ck_assert(e->index == 1 || e->index == 3);
      ck_assert_ptr_eq(e->to, v8ish_object_address(w.heap, s));
    }
  }
  free(graph);
  script_world_free(&w);
}
END_TEST

START_TEST(sizes_that_overflow_are_errors) {
  script_world w;
  script_world_init(&w, 0);
  ck_assert(v8ish_local_is_empty(v8ish_fixed_array_new(w.heap, SIZE_MAX / 2)));
  script_assert_last_error(&w, CCGC_E_SIZE_OVERFLOW, "v8ish_fixed_array_new");
  ck_assert(v8ish_local_is_empty(v8ish_fixed_array_new(w.heap, SIZE_MAX)));
  script_assert_last_error(&w, CCGC_E_SIZE_OVERFLOW, "v8ish_fixed_array_new");
  ck_assert(v8ish_local_is_empty(v8ish_double_array_new(w.heap, SIZE_MAX / 8 + 1)));
  script_assert_last_error(&w, CCGC_E_SIZE_OVERFLOW, "v8ish_double_array_new");
  ck_assert(v8ish_local_is_empty(v8ish_context_new(w.heap, v8ish_local_empty(), SIZE_MAX - 2)));
  script_assert_last_error(&w, CCGC_E_SIZE_OVERFLOW, "v8ish_context_new");
  char byte = 'x';
  ck_assert(v8ish_local_is_empty(v8ish_string_new(w.heap, &byte, SIZE_MAX - 8)));
  script_assert_last_error(&w, CCGC_E_SIZE_OVERFLOW, "v8ish_string_new");
  /* Recoverable: no misuse reported, the heap is fine. */
  ck_assert_uint_eq(w.errors.count, 0);
  ccgc_test_collect_verified(w.collector);
  ck_assert_uint_eq(v8ish_array_length(w.heap, v8ish_fixed_array_new(w.heap, 3)), 3);
  script_world_free(&w);
}
END_TEST

START_TEST(large_arrays_live_on_their_own_pages) {
  script_world w;
  script_world_init_old(&w, 0); /* old space's large pages */
  ccgc_heap_stats before = script_stats(&w);
  v8ish_handle_scope inner;
  v8ish_handle_scope_open(w.heap, &inner);
  size_t length = 100000; /* 800 KB */
  v8ish_local big = v8ish_fixed_array_new(w.heap, length);
  ck_assert(!v8ish_local_is_empty(big));
  v8ish_array_set(w.heap, big, length - 1, script_string(&w, "last"));
  ccgc_object_info info;
  ck_assert_int_eq(ccgc_collector_object_info(w.collector, v8ish_object_address(w.heap, big),
                                              &info), CCGC_OK);
  ck_assert_uint_eq(info.size, (length + 2) * 8);
  ccgc_heap_stats with = script_stats(&w);
  ck_assert_uint_ge(with.committed_bytes - before.committed_bytes, (length + 2) * 8);
  ck_assert_uint_eq(with.page_count, before.page_count + 1);
  ccgc_test_collect_verified(w.collector);
  char buf[8];
  v8ish_string_copy(w.heap, v8ish_array_get(w.heap, big, length - 1), buf, sizeof buf);
  ck_assert_str_eq(buf, "last");
  v8ish_handle_scope_close(&inner);
  ccgc_test_collect_verified(w.collector);
  ccgc_heap_stats after = script_stats(&w);
  ck_assert_uint_eq(after.committed_bytes, before.committed_bytes); /* page released */
  ck_assert_uint_le(after.used_bytes, before.used_bytes + 1024);
  script_world_free(&w);
}
END_TEST

int main(void) {
  Suite *suite = suite_create("v8ish-arrays");
  TCase *tc = tcase_create("core");
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, fixed_arrays_hold_tagged_values);
  tcase_add_test(tc, growable_arrays_grow_and_keep_their_elements);
  tcase_add_test(tc, double_arrays_hold_raw_doubles);
  tcase_add_test(tc, element_edges_are_indexed_and_skip_integers);
  tcase_add_test(tc, sizes_that_overflow_are_errors);
  tcase_add_test(tc, large_arrays_live_on_their_own_pages);
  suite_add_tcase(suite, tc);
  return ccgc_test_run(suite);
}
