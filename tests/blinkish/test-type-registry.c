/* test-type-registry.c - registering types: ids, copied names, the heap's own
 * types, lookups, invalid registrations and unknown ids. */
#include <check.h>
#include <stdint.h>
#include <stdio.h>

#include "dom-test.h"

START_TEST(the_heap_registers_its_vector_types_first) {
  dom_world w;
  dom_world_init(&w, 0);
  blinkish_type_id vector = blinkish_type_by_name(w.heap, "HeapVector");
  blinkish_type_id backing = blinkish_type_by_name(w.heap, "HeapVectorBacking");
  ck_assert_uint_ge(vector, 1); /* ids start at 1 */
  ck_assert_uint_ge(backing, 1);
  ck_assert_uint_ne(vector, backing);
  ck_assert_uint_gt(w.node_type, vector);
  ck_assert_uint_gt(w.node_type, backing);
  void *v = blinkish_vector_new(w.heap, 1);
  ck_assert_uint_eq(blinkish_type_of(w.heap, v), vector);
  ck_assert_str_eq(blinkish_type_name(w.heap, v), "HeapVector");
  dom_world_free(&w);
}
END_TEST

START_TEST(names_are_copied_and_found_by_name) {
  dom_world w;
  dom_world_init(&w, 0);
  char name[32];
  snprintf(name, sizeof name, "HTMLDivElement");
  blinkish_type_info info = {name, NULL, NULL, 0};
  blinkish_type_id div = blinkish_register_type(w.heap, &info);
  ck_assert_uint_eq(div, w.node_type + 1); /* ids are dense */
  snprintf(name, sizeof name, "overwritten");
  void *object = blinkish_alloc(w.heap, div, 16);
  ck_assert_str_eq(blinkish_type_name(w.heap, object), "HTMLDivElement");
  ck_assert_uint_eq(blinkish_type_by_name(w.heap, "HTMLDivElement"), div);
  ck_assert_uint_eq(blinkish_type_by_name(w.heap, "Node"), w.node_type);
  ck_assert_uint_eq(blinkish_type_by_name(w.heap, "overwritten"), 0);
  ck_assert_uint_eq(blinkish_type_by_name(w.heap, "NoSuchType"), 0);
  dom_world_free(&w);
}
END_TEST

START_TEST(a_type_without_trace_or_finalizer_works) {
  dom_world w;
  dom_world_init(&w, 0);
  blinkish_type_info info = {"Leaf", NULL, NULL, 0};
  blinkish_type_id leaf = blinkish_register_type(w.heap, &info);
  dom_node *holder = dom_new_node(&w, 0);
  blinkish_persistent *root = blinkish_persistent_new(w.heap, holder, false);
  void *object = blinkish_alloc(w.heap, leaf, 64);
  dom_link(&w, holder, &holder->next, object);
  blinkish_alloc(w.heap, leaf, 64); /* garbage */
  ccgc_test_collect_verified(w.collector);
  ck_assert(blinkish_is_object(w.heap, object));
  ck_assert_uint_eq(dom_stats(&w).object_count, 2);
  blinkish_persistent_free(w.heap, root);
  dom_world_free(&w);
}
END_TEST

START_TEST(thousands_of_types_fit_then_the_table_is_full) {
  dom_world w;
  dom_world_init(&w, 0);
  char name[32];
  blinkish_type_id last = 0;
  unsigned registered = 0;
  for (;;) {
    snprintf(name, sizeof name, "Type%u", registered);
    blinkish_type_info info = {name, NULL, NULL, 0};
    blinkish_type_id id = blinkish_register_type(w.heap, &info);
    if (!id) break;
    ck_assert_uint_eq(id, (unsigned)last + (last ? 1 : id));
    last = id;
    registered++;
    ck_assert_uint_lt(registered, 70000);
  }
  ck_assert_uint_ge(registered, 4000);
  ck_assert_int_eq(ccgc_collector_last_error(w.collector)->code,
                   CCGC_E_INVALID_ARGUMENT);
  ck_assert(strstr(ccgc_collector_last_error(w.collector)->message,
                   "blinkish_register_type"));
  /* Every registered type still works, the last one included. */
  void *object = blinkish_alloc(w.heap, last, 8);
  ck_assert_ptr_nonnull(object);
  snprintf(name, sizeof name, "Type%u", registered - 1);
  ck_assert_str_eq(blinkish_type_name(w.heap, object), name);
  ck_assert_uint_eq(blinkish_type_by_name(w.heap, name), last);
  dom_world_free(&w);
}
END_TEST

START_TEST(invalid_registrations_return_zero_with_an_error) {
  dom_world w;
  dom_world_init(&w, 0);
  ck_assert_uint_eq(blinkish_register_type(w.heap, NULL), 0);
  ck_assert_int_eq(ccgc_collector_last_error(w.collector)->code,
                   CCGC_E_INVALID_ARGUMENT);
  blinkish_type_info nameless = {NULL, NULL, NULL, 0};
  ck_assert_uint_eq(blinkish_register_type(w.heap, &nameless), 0);
  blinkish_type_info empty = {"", NULL, NULL, 0};
  ck_assert_uint_eq(blinkish_register_type(w.heap, &empty), 0);
  blinkish_type_info bad_flags = {"Odd", NULL, NULL, 0x80};
  ck_assert_uint_eq(blinkish_register_type(w.heap, &bad_flags), 0);
  ck_assert(strstr(ccgc_collector_last_error(w.collector)->message, "flags"));
  ck_assert_uint_eq(blinkish_type_by_name(w.heap, "Odd"), 0);
  ck_assert(strstr(ccgc_collector_last_error(w.collector)->message,
                   "blinkish_register_type"));
  dom_world_free(&w);
}
END_TEST

START_TEST(introspecting_a_non_object_is_misuse) {
  dom_world w;
  dom_world_init(&w, 0);
  dom_node *node = dom_new_node(&w, 0);
  ck_assert_str_eq(blinkish_type_name(w.heap, node), "Node");
  ck_assert_uint_eq(blinkish_type_of(w.heap, node), w.node_type);
  ck_assert_uint_ge(blinkish_object_size(w.heap, node), sizeof(dom_node));
  long stack_value = 0;
  ck_assert_ptr_null(blinkish_type_name(w.heap, &stack_value));
  dom_assert_error(&w, CCGC_E_FOREIGN_POINTER, "blinkish_type_name");
  ck_assert_uint_eq(blinkish_type_of(w.heap, &stack_value), 0);
  dom_assert_error(&w, CCGC_E_FOREIGN_POINTER, "blinkish_type_of");
  ck_assert_uint_eq(blinkish_object_size(w.heap, (uint8_t *)node + 8), 0);
  dom_assert_error(&w, CCGC_E_DEAD_OBJECT, "blinkish_object_size");
  ck_assert_uint_eq(w.errors.count, 3);
  dom_world_free(&w);
}
END_TEST

START_TEST(allocating_an_unknown_type_is_misuse) {
  dom_world w;
  dom_world_init(&w, 0);
  ck_assert_ptr_null(blinkish_alloc(w.heap, 0, 16));
  dom_assert_error(&w, CCGC_E_INVALID_ARGUMENT, "blinkish_alloc");
  ck_assert_ptr_null(blinkish_alloc(w.heap, (blinkish_type_id)(w.node_type + 1), 16));
  dom_assert_error(&w, CCGC_E_INVALID_ARGUMENT, "unknown type");
  ck_assert_ptr_null(blinkish_alloc(w.heap, 4095, 16));
  ck_assert_uint_eq(w.errors.count, 3);
  ck_assert_uint_eq(dom_stats(&w).object_count, 0); /* nothing allocated */
  dom_world_free(&w);
}
END_TEST

int main(void) {
  Suite *suite = suite_create("blinkish-type-registry");
  TCase *tc = tcase_create("core");
  tcase_add_test(tc, the_heap_registers_its_vector_types_first);
  tcase_add_test(tc, names_are_copied_and_found_by_name);
  tcase_add_test(tc, a_type_without_trace_or_finalizer_works);
  tcase_add_test(tc, thousands_of_types_fit_then_the_table_is_full);
  tcase_add_test(tc, invalid_registrations_return_zero_with_an_error);
  tcase_add_test(tc, introspecting_a_non_object_is_misuse);
  tcase_add_test(tc, allocating_an_unknown_type_is_misuse);
  suite_add_tcase(suite, tc);
  return ccgc_test_run(suite);
}
