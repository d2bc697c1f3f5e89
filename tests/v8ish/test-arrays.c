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

/* v8ish_fixed_array_new_with: the elements' values, in order, through the
 * inline call and the library's; the same bytes and objects accounted as
 * an empty array and a store per element; misuse refused by both with
 * nothing allocated. */
START_TEST(fixed_arrays_made_from_locals_hold_their_values) {
  script_world w;
  script_world_init(&w, 0);
  v8ish_local string = script_string(&w, "s"), minus = script_int(&w, -9);
  v8ish_local other = v8ish_fixed_array_new(w.heap, 1);
  const size_t lengths[] = {0, 1, 3, V8ISH_FAST_ARRAY_MAX,
                            V8ISH_FAST_ARRAY_MAX + 1, 1000};
  v8ish_local elements[1000];
  for (size_t i = 0; i < 1000; i++)
    elements[i] = i % 3 == 0 ? string : i % 3 == 1 ? minus : other;
  for (size_t l = 0; l < sizeof lengths / sizeof lengths[0]; l++) {
    size_t length = lengths[l];
    for (int slow = 0; slow < 2; slow++) {
      ccgc_heap_stats before = script_stats(&w);
      v8ish_local a =
          slow ? v8ish_fixed_array_new_with_slow(w.heap, length, elements)
               : v8ish_fixed_array_new_with(w.heap, length, elements);
      ccgc_heap_stats after = script_stats(&w);
      ck_assert(!v8ish_local_is_empty(a));
      ck_assert_str_eq(v8ish_type_name(w.heap, a), "FixedArray");
      ck_assert_uint_eq(v8ish_array_length(w.heap, a), length);
      ck_assert_uint_eq(after.object_count - before.object_count, 1);
      ck_assert_uint_eq(after.used_bytes - before.used_bytes, (2 + length) * 8);
      for (size_t i = 0; i < length; i++)
        ck_assert(v8ish_same(w.heap, v8ish_array_get(w.heap, a, i), elements[i]));
    }
  }
  /* The empty local stores the integer 0, as in v8ish_array_set. */
  v8ish_local with_empty[2] = {string, v8ish_local_empty()};
  for (int slow = 0; slow < 2; slow++) {
    v8ish_local a = slow ? v8ish_fixed_array_new_with_slow(w.heap, 2, with_empty)
                         : v8ish_fixed_array_new_with(w.heap, 2, with_empty);
    ck_assert_int_eq(v8ish_integer_value(w.heap, v8ish_array_get(w.heap, a, 1)), 0);
  }
  /* Length 0 needs no elements. */
  ck_assert(!v8ish_local_is_empty(v8ish_fixed_array_new_with(w.heap, 0, NULL)));
  ck_assert_uint_eq(w.errors.count, 0);
  /* A dead local: reported by either path, nothing allocated. */
  v8ish_handle_scope inner;
  v8ish_handle_scope_open(w.heap, &inner);
  v8ish_local dead = v8ish_fixed_array_new(w.heap, 1);
  v8ish_handle_scope_close(&inner);
  v8ish_local with_dead[3] = {string, dead, minus};
  for (int slow = 0; slow < 2; slow++) {
    ccgc_heap_stats before = script_stats(&w);
    unsigned reports = w.errors.count;
    v8ish_local a = slow ? v8ish_fixed_array_new_with_slow(w.heap, 3, with_dead)
                         : v8ish_fixed_array_new_with(w.heap, 3, with_dead);
    ck_assert(v8ish_local_is_empty(a));
    ck_assert_uint_eq(w.errors.count, reports + 1);
    ck_assert_int_eq(w.errors.last_code, CCGC_E_DEAD_HANDLE);
    ck_assert_uint_eq(script_stats(&w).object_count, before.object_count);
  }
  ck_assert(v8ish_local_is_empty(v8ish_fixed_array_new_with(w.heap, 2, NULL)));
  script_assert_error(&w, CCGC_E_INVALID_ARGUMENT,
                      "v8ish_fixed_array_new_with: elements is NULL");
  ccgc_test_collect_verified(w.collector);
  script_world_free(&w);
}
END_TEST

/* What the inline call leaves to the library: while a cycle marks, the new
 * array is black and each white value it takes is shaded
 * (.inv.no-black-to-white); a young value in the new array is found by the
 * next scavenge, with the young generation on (the array is young) and in
 * old space alone. */
START_TEST(fixed_arrays_made_from_locals_keep_the_invariants) {
  script_world w;
  script_world_init(&w, 0);
  v8ish_global list;
  v8ish_local cell = script_white_cell_while_marking(&w, &list);
  void *value = v8ish_object_address(w.heap, cell);
  v8ish_fixed_array_new(w.heap, 2); /* may refill the area: the next bumps */
  ck_assert_int_eq(ccgc_color_of(value), CCGC_WHITE);
  v8ish_local holder = v8ish_fixed_array_new_with(w.heap, 1, &cell);
  ck_assert_int_eq(ccgc_color_of(v8ish_object_address(w.heap, holder)),
                   CCGC_BLACK);
  ck_assert_int_ne(ccgc_color_of(value), CCGC_WHITE);
  ck_assert_int_eq(ccgc_incremental_finish(w.collector), CCGC_OK);
  v8ish_global_free(w.heap, list);
  for (int old = 0; old < 2; old++) {
    script_world y;
    if (old)
      script_world_init_old(&y, 0);
    else
      script_world_init(&y, 0);
    v8ish_local young = v8ish_fixed_array_new(y.heap, 1);
    v8ish_array_set(y.heap, young, 0, script_int(&y, 7));
    v8ish_local made = v8ish_fixed_array_new_with(y.heap, 1, &young);
    void *before = v8ish_object_address(y.heap, young);
    ck_assert_int_eq(ccgc_collect_minor(y.collector, CCGC_REASON_TESTING),
                     CCGC_OK);
    v8ish_local read = v8ish_array_get(y.heap, made, 0);
    ck_assert(v8ish_same(y.heap, read, young));
    ck_assert_int_eq(
        v8ish_integer_value(y.heap, v8ish_array_get(y.heap, read, 0)), 7);
    if (!old) ck_assert_ptr_ne(v8ish_object_address(y.heap, young), before);
    ccgc_test_collect_verified(y.collector);
    ck_assert_uint_eq(y.errors.count, 0);
    script_world_free(&y);
  }
  ck_assert_uint_eq(w.errors.count, 0);
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
  tcase_add_test(tc, fixed_arrays_made_from_locals_hold_their_values);
  tcase_add_test(tc, fixed_arrays_made_from_locals_keep_the_invariants);
  suite_add_tcase(suite, tc);
  return ccgc_test_run(suite);
}
