/* test-shape-changes.c - the unsafe layout changes keep values readable and
 * the heap verifiable, stop-the-world and in the middle of incremental
 * marking (where the mutator's protocol makes the object black first). */
#include <check.h>
#include <math.h>
#include <string.h>

#include "ccgc-test.h"
#include "v8ish.h"

typedef struct world {
  ccgc_collector *collector;
  v8ish_heap *heap;
  v8ish_handle_scope scope;
} world;

static void open_world(world *w) {
  ccgc_collector_options options = {.verify = true};
  w->collector = ccgc_collector_new(&options);
  w->heap = v8ish_heap_new(w->collector, NULL);
  v8ish_handle_scope_open(w->heap, &w->scope);
}

static void close_world(world *w) {
  v8ish_handle_scope_close(&w->scope);
  v8ish_heap_free(w->heap);
  ccgc_collector_free(w->collector);
}

static void unbox_case(bool during_marking) {
  world w;
  open_world(&w);
  v8ish_local point = v8ish_object_new(w.heap);
  v8ish_object_set(w.heap, point, "x", v8ish_number_new(w.heap, 3.14));
  v8ish_object_set(w.heap, point, "next", v8ish_object_new(w.heap));
  if (during_marking) ccgc_incremental_start(w.collector, CCGC_REASON_TESTING);
  ck_assert_int_eq(v8ish_object_unbox_double(w.heap, point, "x"), CCGC_OK);
  if (during_marking) {
    void *address = v8ish_object_address(w.heap, point);
    ck_assert_ptr_nonnull(address);
    ccgc_incremental_finish(w.collector);
  } else {
    ccgc_test_collect_verified(w.collector);
  }
  ck_assert_uint_eq(ccgc_collector_last_verify(w.collector)->errors, 0);
  ck_assert(fabs(v8ish_object_get_double(w.heap, point, "x") - 3.14) < 1e-12);
  ck_assert(fabs(v8ish_number_value(w.heap, v8ish_object_get(w.heap, point, "x")) - 3.14) < 1e-12);
  ck_assert(!v8ish_local_is_empty(v8ish_object_get(w.heap, point, "next")));
  /* Adding after unboxing still works and keeps the raw field raw. */
  v8ish_object_set(w.heap, point, "y", v8ish_integer(w.heap, 2));
  ccgc_test_collect_verified(w.collector);
  ck_assert(fabs(v8ish_object_get_double(w.heap, point, "x") - 3.14) < 1e-12);
  ck_assert_int_eq(v8ish_integer_value(w.heap, v8ish_object_get(w.heap, point, "y")), 2);
  close_world(&w);
}

START_TEST(unboxing_a_double) { unbox_case(false); }
END_TEST
START_TEST(unboxing_a_double_while_marking) { unbox_case(true); }
END_TEST

static void trim_case(bool during_marking) {
  world w;
  open_world(&w);
  v8ish_local array = v8ish_array_new(w.heap);
  for (int i = 0; i < 40; i++) v8ish_array_push(w.heap, array, v8ish_number_new(w.heap, i));
  if (during_marking) {
    ccgc_incremental_start(w.collector, CCGC_REASON_TESTING);
    ccgc_incremental_step(w.collector, 0.001);
  }
  ck_assert_int_eq(v8ish_array_left_trim(w.heap, array, 3), CCGC_OK);
  ck_assert_int_eq(v8ish_array_left_trim(w.heap, array, 1), CCGC_OK);
  if (during_marking)
    ccgc_incremental_finish(w.collector);
  else
    ccgc_test_collect_verified(w.collector);
  ck_assert_uint_eq(ccgc_collector_last_verify(w.collector)->errors, 0);
  ck_assert_uint_eq(v8ish_array_length(w.heap, array), 36);
  for (int i = 0; i < 36; i++)
    ck_assert(fabs(v8ish_number_value(w.heap, v8ish_array_get(w.heap, array, (size_t)i)) - (i + 4)) < 1e-9);
  /* A fixed array held by a handle: the handle follows the new start. */
  v8ish_local fixed = v8ish_fixed_array_new(w.heap, 10);
  for (int i = 0; i < 10; i++) v8ish_array_set(w.heap, fixed, (size_t)i, v8ish_integer(w.heap, i));
  ck_assert_int_eq(v8ish_array_left_trim(w.heap, fixed, 6), CCGC_OK);
  ccgc_test_collect_verified(w.collector);
  ck_assert_uint_eq(v8ish_array_length(w.heap, fixed), 4);
  ck_assert_int_eq(v8ish_integer_value(w.heap, v8ish_array_get(w.heap, fixed, 0)), 6);
  close_world(&w);
}

START_TEST(left_trimming) { trim_case(false); }
END_TEST
START_TEST(left_trimming_while_marking) { trim_case(true); }
END_TEST

START_TEST(shrinking_slack) {
  world w;
  open_world(&w);
  v8ish_local o = v8ish_object_new(w.heap);
  v8ish_object_set(w.heap, o, "a", v8ish_string_new(w.heap, "A", 1));
  ccgc_object_info before, after;
  ccgc_collector_object_info(w.collector, v8ish_object_address(w.heap, o), &before);
  ck_assert_int_eq(v8ish_object_shrink_slack(w.heap, o), CCGC_OK);
  ccgc_collector_object_info(w.collector, v8ish_object_address(w.heap, o), &after);
  ck_assert_uint_eq(before.size - after.size, 3 * 8); /* 3 unused slots cut */
  v8ish_object_set(w.heap, o, "b", v8ish_integer(w.heap, 9)); /* out of object now */
  ccgc_test_collect_verified(w.collector);
  char buf[4];
  v8ish_string_copy(w.heap, v8ish_object_get(w.heap, o, "a"), buf, sizeof buf);
  ck_assert_str_eq(buf, "A");
  ck_assert_int_eq(v8ish_integer_value(w.heap, v8ish_object_get(w.heap, o, "b")), 9);
  close_world(&w);
}
END_TEST

int main(void) {
  Suite *suite = suite_create("v8ish-shape-changes");
  TCase *tc = tcase_create("core");
  tcase_add_test(tc, unboxing_a_double);
  tcase_add_test(tc, unboxing_a_double_while_marking);
  tcase_add_test(tc, left_trimming);
  tcase_add_test(tc, left_trimming_while_marking);
  tcase_add_test(tc, shrinking_slack);
  suite_add_tcase(suite, tc);
  return ccgc_test_run(suite);
}
