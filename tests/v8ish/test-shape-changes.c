/* test-shape-changes.c - the unsafe layout changes keep values readable and
 * the heap verifiable, stop-the-world and in the middle of incremental
 * marking (where the mutator's protocol makes the object black first). */
#include <check.h>
#include <math.h>
#include <string.h>

#include "ccgc-inspect.h"
#include "ccgc-page.h"
#include "ccgc-test.h"
#include "script-test.h"
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


/* The unboxed field is raw: no property edge (.inv.tagged-fields); the
 * other properties keep theirs; the old number is no longer referenced. */
START_TEST(an_unboxed_field_is_never_traced) {
  script_world w;
  script_world_init(&w, 0);
  v8ish_local o = v8ish_object_new(w.heap);
  /* Bits with the low bit set: followed as a reference, they would crash. */
  double tricky;
  uint64_t bits = 0x7ff0000000001235ull;
  memcpy(&tricky, &bits, sizeof tricky);
  v8ish_local number = v8ish_number_new(w.heap, tricky);
  v8ish_object_set(w.heap, o, "x", number);
  v8ish_object_set(w.heap, o, "s", script_string(&w, "kept"));
  v8ish_local shared_before = v8ish_object_class(w.heap, o);
  ck_assert_int_eq(v8ish_object_unbox_double(w.heap, o, "x"), CCGC_OK);
  ck_assert_int_eq(v8ish_object_unbox_double(w.heap, o, "x"), CCGC_OK); /* idempotent */
  /* A private class: other objects with the old class are unaffected. */
  ck_assert(!v8ish_same(w.heap, shared_before, v8ish_object_class(w.heap, o)));
  void *object = v8ish_object_address(w.heap, o);
  script_graph *graph = malloc(sizeof *graph);
  script_graph_take(&w, graph);
  ck_assert_uint_eq(script_graph_count(graph, object, CCGC_EDGE_PROPERTY, "x", NULL), 0);
  ck_assert_uint_eq(script_graph_count(graph, object, CCGC_EDGE_PROPERTY, "s", NULL), 1);
  free(graph);
  for (int i = 0; i < 3; i++) ccgc_test_collect_verified(w.collector);
  double back = v8ish_object_get_double(w.heap, o, "x");
  ck_assert(memcmp(&back, &tricky, sizeof back) == 0);
  script_world_free(&w);
}
END_TEST

START_TEST(unboxing_misuse_changes_nothing) {
  script_world w;
  script_world_init(&w, 0);
  v8ish_local o = v8ish_object_new(w.heap);
  char name[8];
  for (int i = 0; i < 6; i++) { /* p4, p5: out of object */
    snprintf(name, sizeof name, "p%d", i);
    v8ish_object_set(w.heap, o, name, v8ish_number_new(w.heap, i));
  }
  v8ish_object_set(w.heap, o, "p0", script_string(&w, "not a number"));
  ck_assert_int_eq(v8ish_object_unbox_double(w.heap, o, "p0"), CCGC_E_WRONG_TYPE);
  script_assert_error(&w, CCGC_E_WRONG_TYPE, "does not hold a boxed number");
  ck_assert_int_eq(v8ish_object_unbox_double(w.heap, o, "p5"), CCGC_E_INVALID_ARGUMENT);
  script_assert_error(&w, CCGC_E_INVALID_ARGUMENT, "'p5' is not an in-object property");
  ck_assert_int_eq(v8ish_object_unbox_double(w.heap, o, "nope"), CCGC_E_INVALID_ARGUMENT);
  ck_assert_int_eq(v8ish_object_unbox_double(w.heap, script_int(&w, 1), "p1"),
                   CCGC_E_WRONG_TYPE);
  ck_assert_int_eq(v8ish_object_unbox_double(w.heap, o, "p1"), CCGC_OK);
  /* Storing a reference into the raw field is refused. */
  ck_assert_int_eq(v8ish_object_set(w.heap, o, "p1", o), CCGC_E_WRONG_TYPE);
  script_assert_error(&w, CCGC_E_WRONG_TYPE, "holds an unboxed double");
  ccgc_test_collect_verified(w.collector);
  ck_assert(v8ish_object_get_double(w.heap, o, "p1") == 1.0);
  ck_assert(v8ish_number_value(w.heap, v8ish_object_get(w.heap, o, "p5")) == 5.0);
  script_world_free(&w);
}
END_TEST

/* Left-trimming updates every handle, global and traced reference. */
START_TEST(left_trimming_updates_globals_and_traced_references) {
  script_world w;
  script_world_init(&w, 0);
  v8ish_local fixed = v8ish_fixed_array_new(w.heap, 8);
  for (int i = 0; i < 8; i++) v8ish_array_set(w.heap, fixed, (size_t)i, v8ish_number_new(w.heap, i));
  v8ish_local copy = v8ish_array_get(w.heap, fixed, 0); /* unrelated */
  v8ish_global global = v8ish_global_new(w.heap, fixed, false);
  v8ish_traced *traced = v8ish_traced_new(w.heap, fixed);
  ck_assert_int_eq(v8ish_array_left_trim(w.heap, fixed, 3), CCGC_OK);
  void *now = v8ish_object_address(w.heap, fixed);
  ck_assert_ptr_eq(v8ish_traced_target(traced), now);
  v8ish_handle_scope inner;
  v8ish_handle_scope_open(w.heap, &inner);
  ck_assert(v8ish_same(w.heap, v8ish_global_get(w.heap, global), fixed));
  v8ish_handle_scope_close(&inner);
  ccgc_test_collect_verified(w.collector);
  ck_assert_uint_eq(v8ish_array_length(w.heap, fixed), 5);
  ck_assert(v8ish_number_value(w.heap, v8ish_array_get(w.heap, fixed, 0)) == 3.0);
  ck_assert(v8ish_number_value(w.heap, copy) == 0.0);
  /* Down to nothing. */
  ck_assert_int_eq(v8ish_array_left_trim(w.heap, fixed, 5), CCGC_OK);
  ck_assert_uint_eq(v8ish_array_length(w.heap, fixed), 0);
  ck_assert_ptr_eq(v8ish_traced_target(traced), v8ish_object_address(w.heap, fixed));
  ccgc_test_collect_verified(w.collector);
  ck_assert_int_eq(v8ish_array_left_trim(w.heap, fixed, 1), CCGC_E_INVALID_ARGUMENT);
  script_assert_error(&w, CCGC_E_INVALID_ARGUMENT, "cannot trim 1 of 0 elements");
  ck_assert_int_eq(v8ish_array_left_trim(w.heap, v8ish_object_new(w.heap), 1), CCGC_E_WRONG_TYPE);
  v8ish_traced_free(w.heap, traced);
  v8ish_global_free(w.heap, global);
  script_world_free(&w);
}
END_TEST

START_TEST(left_trimming_moves_the_mark_state_while_marking) {
  script_world w;
  script_world_init(&w, 0);
  v8ish_local fixed = v8ish_fixed_array_new(w.heap, 40);
  for (int i = 0; i < 40; i++) v8ish_array_set(w.heap, fixed, (size_t)i, v8ish_number_new(w.heap, i));
  ck_assert_int_eq(ccgc_incremental_start(w.collector, CCGC_REASON_TESTING), CCGC_OK);
  ck_assert_int_eq(v8ish_array_left_trim(w.heap, fixed, 9), CCGC_OK);
  /* The protocol made the object black before the change; the new start
   * has that color, and so does every element it keeps. */
  ccgc_object_info info;
  ck_assert_int_eq(ccgc_collector_object_info(w.collector, v8ish_object_address(w.heap, fixed),
                                              &info), CCGC_OK);
  ck_assert_int_eq(info.color, CCGC_BLACK);
  ck_assert_uint_eq(info.size, (2 + 31) * 8);
  ck_assert_int_eq(ccgc_incremental_finish(w.collector), CCGC_OK);
  ck_assert_uint_eq(ccgc_collector_last_verify(w.collector)->errors, 0);
  for (size_t i = 0; i < 31; i++)
    ck_assert(v8ish_number_value(w.heap, v8ish_array_get(w.heap, fixed, i)) == (double)(i + 9));
  script_world_free(&w);
}
END_TEST

/* A large backing store is copied instead of moved: a large object must
 * start in the first CCGC_PAGE_SIZE bytes of its page. */
START_TEST(left_trimming_a_large_store) {
  script_world w;
  script_world_init(&w, 0);
  v8ish_local array = v8ish_array_new(w.heap);
  for (int i = 0; i < 40000; i++) v8ish_array_push(w.heap, array, script_int(&w, i));
  ck_assert_int_eq(v8ish_array_left_trim(w.heap, array, 39000), CCGC_OK);
  ck_assert_uint_eq(v8ish_array_length(w.heap, array), 1000);
  ck_assert_int_eq(v8ish_integer_value(w.heap, v8ish_array_get(w.heap, array, 0)), 39000);
  ccgc_test_collect_verified(w.collector);
  ck_assert_int_eq(v8ish_integer_value(w.heap, v8ish_array_get(w.heap, array, 999)), 39999);
  ck_assert_int_eq(v8ish_array_push(w.heap, array, script_int(&w, -1)), CCGC_OK);
  ck_assert_uint_eq(v8ish_array_length(w.heap, array), 1001);
  /* Trimming everything leaves the shared empty store. */
  ck_assert_int_eq(v8ish_array_left_trim(w.heap, array, 1001), CCGC_OK);
  ck_assert_uint_eq(v8ish_array_length(w.heap, array), 0);
  ccgc_test_collect_verified(w.collector);
  ck_assert_int_eq(v8ish_array_push(w.heap, array, script_int(&w, 5)), CCGC_OK);
  ck_assert_int_eq(v8ish_integer_value(w.heap, v8ish_array_get(w.heap, array, 0)), 5);
  script_world_free(&w);
}
END_TEST

START_TEST(shrinking_slack_while_marking) {
  script_world w;
  script_world_init(&w, 0);
  v8ish_local objects[64];
  for (int i = 0; i < 64; i++) {
    objects[i] = v8ish_object_new(w.heap);
    v8ish_object_set(w.heap, objects[i], "a", v8ish_number_new(w.heap, i));
  }
  ck_assert_int_eq(ccgc_incremental_start(w.collector, CCGC_REASON_TESTING), CCGC_OK);
  ccgc_incremental_step(w.collector, 0.01);
  for (int i = 0; i < 64; i++) {
    ck_assert_int_eq(v8ish_object_shrink_slack(w.heap, objects[i]), CCGC_OK);
    ck_assert_int_eq(v8ish_object_shrink_slack(w.heap, objects[i]), CCGC_OK); /* no-op */
    v8ish_object_set(w.heap, objects[i], "b", v8ish_number_new(w.heap, -i));
  }
  ck_assert_int_eq(ccgc_incremental_finish(w.collector), CCGC_OK);
  ck_assert_uint_eq(ccgc_collector_last_verify(w.collector)->errors, 0);
  ccgc_test_collect_verified(w.collector);
  for (int i = 0; i < 64; i++) {
    ck_assert(v8ish_number_value(w.heap, v8ish_object_get(w.heap, objects[i], "a")) == i);
    ck_assert(v8ish_number_value(w.heap, v8ish_object_get(w.heap, objects[i], "b")) == -i);
  }
  script_world_free(&w);
}
END_TEST

/* The documented restriction: a heap field that also points to a trimmed
 * FixedArray is not updated; the heap verifier reports it. */
START_TEST(left_trimming_does_not_update_heap_fields) {
  script_world w;
  script_world_init(&w, 0);
  v8ish_local fixed = v8ish_fixed_array_new(w.heap, 8);
  v8ish_local holder = v8ish_object_new(w.heap);
  v8ish_object_set(w.heap, holder, "store", fixed);
  ck_assert_int_eq(v8ish_array_left_trim(w.heap, fixed, 4), CCGC_OK);
  ccgc_verify_report report;
  ck_assert(!ccgc_collector_verify_heap(w.collector, &report));
  ck_assert_uint_gt(report.errors, 0);
  ck_assert_msg(strstr(report.first_error, "reachable-allocated"), "%s", report.first_error);
  /* Repaired by the host: store the handle (which did follow) again. */
  v8ish_object_set(w.heap, holder, "store", fixed);
  ccgc_test_collect_verified(w.collector);
  ck_assert_uint_eq(v8ish_array_length(w.heap, v8ish_object_get(w.heap, holder, "store")), 4);
  script_world_free(&w);
}
END_TEST

/* Shrinking or left-trimming an old object frees bytes of the old
 * generation: the heap's statistics say what a walk of its objects finds
 * at every point after (the young figure fell short by the freed bytes, and
 * the next scavenge's used bytes stayed too high for good). */
static size_t walked_bytes;

static void add_script_object(const ccgc_object_info *info, void *data) {
  (void)data;
  if (!strcmp(info->heap_name, "script")) walked_bytes += info->size;
}

static void check_used(script_world *w, size_t young) {
  ccgc_heap_stats stats = script_stats(w);
  walked_bytes = 0;
  ccgc_walk_callbacks callbacks = {.object = add_script_object};
  ck_assert_int_eq(ccgc_collector_walk(w->collector, &callbacks), CCGC_OK);
  ck_assert_uint_eq(stats.used_bytes, walked_bytes);
  if (young != (size_t)-1) ck_assert_uint_eq(stats.young_used_bytes, young);
}

START_TEST(freeing_in_place_keeps_the_statistics_true) {
  script_world w;
  script_world_init(&w, 0);
  v8ish_local object = v8ish_object_new(w.heap);
  v8ish_local array = v8ish_fixed_array_new(w.heap, 10);
  ck_assert_int_eq(ccgc_collect(w.collector, CCGC_REASON_TESTING), CCGC_OK); /* old */
  check_used(&w, 0);
  ck_assert_int_eq(v8ish_object_shrink_slack(w.heap, object), CCGC_OK);
  ck_assert_int_eq(v8ish_array_left_trim(w.heap, array, 4), CCGC_OK);
  check_used(&w, 0);
  ck_assert(!v8ish_local_is_empty(v8ish_fixed_array_new(w.heap, 10)));
  check_used(&w, (2 + 10) * 8); /* one young array */
  ck_assert_int_eq(ccgc_collect_minor(w.collector, CCGC_REASON_TESTING), CCGC_OK);
  check_used(&w, (size_t)-1);
  ck_assert_int_eq(ccgc_collect(w.collector, CCGC_REASON_TESTING), CCGC_OK);
  check_used(&w, 0);
  script_world_free(&w);
}
END_TEST

/* Reading an unboxed double as a value boxes a new HeapNumber, which a walk
 * callback may not allocate: refused as documented, the message naming the
 * call the host made (it named v8ish_number_new, which the host never
 * called); v8ish_object_get_double reads it there. */
static struct {
  script_world *w;
  v8ish_global object;
  bool asked;
  bool boxed_empty;
  double raw;
} unboxed_read;

static void read_unboxed(const ccgc_object_info *info, void *data) {
  (void)info;
  (void)data;
  if (unboxed_read.asked) return;
  unboxed_read.asked = true;
  v8ish_heap *h = unboxed_read.w->heap;
  v8ish_handle_scope scope;
  v8ish_handle_scope_open(h, &scope);
  v8ish_local o = v8ish_global_get(h, unboxed_read.object);
  unboxed_read.boxed_empty = v8ish_local_is_empty(v8ish_object_get(h, o, "u"));
  unboxed_read.raw = v8ish_object_get_double(h, o, "u");
  v8ish_handle_scope_close(&scope);
}

START_TEST(reading_an_unboxed_double_in_a_callback_names_the_read) {
  script_world w;
  script_world_init(&w, 0);
  v8ish_local o = v8ish_object_new(w.heap);
  ck_assert_int_eq(v8ish_object_set(w.heap, o, "u", v8ish_number_new(w.heap, 2.5)), CCGC_OK);
  ck_assert_int_eq(v8ish_object_unbox_double(w.heap, o, "u"), CCGC_OK);
  unboxed_read.w = &w;
  unboxed_read.object = v8ish_global_new(w.heap, o, false);
  unboxed_read.asked = false;
  unsigned before = w.errors.count;
  ccgc_walk_callbacks callbacks = {.object = read_unboxed};
  ck_assert_int_eq(ccgc_collector_walk(w.collector, &callbacks), CCGC_OK);
  ck_assert(unboxed_read.asked);
  ck_assert(unboxed_read.boxed_empty);
  ck_assert(unboxed_read.raw == 2.5);
  ck_assert_uint_eq(w.errors.count, before + 1);
  ck_assert_int_eq(w.errors.last_code, CCGC_E_IN_COLLECTION);
  ck_assert_msg(strstr(w.errors.last_message, "v8ish_object_get") &&
                    !strstr(w.errors.last_message, "v8ish_number_new"),
                "%s", w.errors.last_message);
  /* Outside the callback it boxes. */
  v8ish_local boxed = v8ish_object_get(w.heap, o, "u");
  ck_assert(v8ish_number_value(w.heap, boxed) == 2.5);
  v8ish_global_free(w.heap, unboxed_read.object);
  script_world_free(&w);
}
END_TEST

int main(void) {
  Suite *suite = suite_create("v8ish-shape-changes");
  TCase *tc = tcase_create("core");
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, unboxing_a_double);
  tcase_add_test(tc, unboxing_a_double_while_marking);
  tcase_add_test(tc, left_trimming);
  tcase_add_test(tc, left_trimming_while_marking);
  tcase_add_test(tc, shrinking_slack);
  tcase_add_test(tc, an_unboxed_field_is_never_traced);
  tcase_add_test(tc, unboxing_misuse_changes_nothing);
  tcase_add_test(tc, left_trimming_updates_globals_and_traced_references);
  tcase_add_test(tc, left_trimming_moves_the_mark_state_while_marking);
  tcase_add_test(tc, left_trimming_a_large_store);
  tcase_add_test(tc, shrinking_slack_while_marking);
  tcase_add_test(tc, left_trimming_does_not_update_heap_fields);
  tcase_add_test(tc, freeing_in_place_keeps_the_statistics_true);
  tcase_add_test(tc, reading_an_unboxed_double_in_a_callback_names_the_read);
  suite_add_tcase(suite, tc);
  return ccgc_test_run(suite);
}
