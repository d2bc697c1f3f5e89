/* test-handles.c - local handles and scopes (.inv.handle-valid), escaping,
 * global handles (strong, weak, generations) and traced references. */
#include <check.h>

#include "script-test.h"

/* The empty local is "empty" in reports and type names, with or without a
 * scope open (its slot's serial is no local's: V8ISH_FAST_SLOT0_SERIAL),
 * never "dead". */
START_TEST(the_empty_local_is_named_empty) {
  ccgc_collector *collector = ccgc_collector_new(NULL);
  ccgc_test_errors errors;
  ccgc_test_capture_errors(collector, &errors);
  v8ish_heap *heap = v8ish_heap_new(collector, NULL);
  for (int scoped = 0; scoped < 2; scoped++) {
    v8ish_handle_scope scope;
    if (scoped) v8ish_handle_scope_open(heap, &scope);
    ck_assert_str_eq(v8ish_type_name(heap, v8ish_local_empty()), "empty");
    unsigned before = errors.count;
    ck_assert_int_eq(v8ish_integer_value(heap, v8ish_local_empty()), 0);
    ck_assert_uint_eq(errors.count, before + 1);
    ck_assert_int_eq(errors.last_code, CCGC_E_WRONG_TYPE);
    ck_assert_msg(strstr(errors.last_message, "expected an integer, got empty"),
                  "%s", errors.last_message);
    if (scoped) v8ish_handle_scope_close(&scope);
  }
  v8ish_heap_free(heap);
  ccgc_collector_free(collector);
}
END_TEST

START_TEST(locals_die_with_their_scope_even_when_the_slot_is_reused) {
  script_world w;
  script_world_init(&w, 0);
  v8ish_handle_scope inner;
  v8ish_handle_scope_open(w.heap, &inner);
  v8ish_local stale = v8ish_object_new(w.heap);
  ck_assert(!v8ish_local_is_empty(stale));
  v8ish_handle_scope_close(&inner);
  ck_assert_ptr_null(v8ish_object_address(w.heap, stale));
  script_assert_error(&w, CCGC_E_DEAD_HANDLE,
                      "v8ish_object_address: handle used after its scope closed");
  /* The report names the rule broken (docs/invariants.md). */
  ck_assert_str_eq(ccgc_collector_last_error(w.collector)->check,
                   ".api.live-handle");
  /* A new scope re-uses the slot: the serial still tells them apart. */
  v8ish_handle_scope_open(w.heap, &inner);
  v8ish_local fresh = v8ish_object_new(w.heap);
  ck_assert_uint_eq(fresh.index, stale.index);
  unsigned before = w.errors.count;
  ck_assert_uint_eq(v8ish_local_value(w.heap, stale), 0);
  ck_assert_uint_eq(w.errors.count, before + 1);
  ck_assert_int_eq(w.errors.last_code, CCGC_E_DEAD_HANDLE);
  ck_assert_ptr_nonnull(v8ish_object_address(w.heap, fresh));
  ck_assert_uint_eq(w.errors.count, before + 1);
  v8ish_handle_scope_close(&inner);
  script_world_free(&w);
}
END_TEST

START_TEST(a_dead_value_changes_nothing) {
  script_world w;
  script_world_init(&w, 0);
  v8ish_local o = v8ish_object_new(w.heap);
  v8ish_local array = v8ish_array_new(w.heap);
  v8ish_local context = v8ish_context_new(w.heap, v8ish_local_empty(), 1);
  v8ish_object_set(w.heap, o, "a", script_int(&w, 5));
  v8ish_array_push(w.heap, array, script_int(&w, 6));
  v8ish_context_set(w.heap, context, 0, script_int(&w, 7));
  v8ish_global g = v8ish_global_new(w.heap, script_int(&w, 8), false);
  v8ish_handle_scope inner;
  v8ish_handle_scope_open(w.heap, &inner);
  v8ish_local stale = v8ish_object_new(w.heap);
  v8ish_handle_scope_close(&inner);

  ck_assert_int_eq(v8ish_object_set(w.heap, o, "a", stale), CCGC_E_DEAD_HANDLE);
  ck_assert_int_eq(v8ish_object_set(w.heap, o, "b", stale), CCGC_E_DEAD_HANDLE);
  ck_assert_int_eq(v8ish_array_set(w.heap, array, 0, stale), CCGC_E_DEAD_HANDLE);
  ck_assert_int_eq(v8ish_array_push(w.heap, array, stale), CCGC_E_DEAD_HANDLE);
  ck_assert_int_eq(v8ish_context_set(w.heap, context, 0, stale), CCGC_E_DEAD_HANDLE);
  v8ish_global_set(w.heap, g, stale);
  ck_assert(v8ish_global_is_null(v8ish_global_new(w.heap, stale, false)));
  ck_assert_ptr_null(v8ish_traced_new(w.heap, stale));
  ck_assert_int_eq(w.errors.last_code, CCGC_E_DEAD_HANDLE);

  ck_assert_int_eq(v8ish_integer_value(w.heap, v8ish_object_get(w.heap, o, "a")), 5);
  ck_assert(!v8ish_object_has(w.heap, o, "b"));
  ck_assert_uint_eq(v8ish_array_length(w.heap, array), 1);
  ck_assert_int_eq(v8ish_integer_value(w.heap, v8ish_array_get(w.heap, array, 0)), 6);
  ck_assert_int_eq(v8ish_integer_value(w.heap, v8ish_context_get(w.heap, context, 0)), 7);
  ck_assert_int_eq(v8ish_integer_value(w.heap, v8ish_global_get(w.heap, g)), 8);
  v8ish_global_free(w.heap, g);
  script_world_free(&w);
}
END_TEST

START_TEST(scopes_are_lifo) {
  script_world w;
  script_world_init(&w, 0);
  v8ish_handle_scope outer, inner;
  v8ish_handle_scope_open(w.heap, &outer);
  v8ish_handle_scope_open(w.heap, &inner);
  v8ish_handle_scope_close(&outer);
  script_assert_error(&w, CCGC_E_DEAD_HANDLE,
                      "v8ish_handle_scope_close: the scope is not the innermost");
  v8ish_local o = v8ish_object_new(w.heap); /* inner is still open */
  ck_assert_ptr_nonnull(v8ish_object_address(w.heap, o));
  v8ish_handle_scope_close(&inner);
  v8ish_handle_scope_close(&inner); /* twice */
  ck_assert_int_eq(w.errors.count, 2);
  v8ish_handle_scope_close(&outer);
  ck_assert_int_eq(w.errors.count, 2);
  script_world_free(&w);
}
END_TEST

START_TEST(creating_a_local_without_a_scope_is_misuse) {
  script_world w;
  script_world_init(&w, 0);
  v8ish_handle_scope_close(&w.scope);
  ck_assert(v8ish_local_is_empty(v8ish_object_new(w.heap)));
  script_assert_error(&w, CCGC_E_DEAD_HANDLE, "v8ish_object_new: no handle scope is open");
  ck_assert(v8ish_local_is_empty(v8ish_integer(w.heap, 1)));
  script_assert_error(&w, CCGC_E_DEAD_HANDLE, "v8ish_integer: no handle scope is open");
  v8ish_handle_scope_open(w.heap, &w.scope);
  script_world_free(&w);
}
END_TEST

START_TEST(escape_hands_one_value_to_the_enclosing_scope) {
  script_world w;
  script_world_init(&w, 0);
  v8ish_handle_scope inner;
  v8ish_handle_scope_open(w.heap, &inner);
  v8ish_local o = v8ish_object_new(w.heap);
  v8ish_object_set(w.heap, o, "v", script_int(&w, 5));
  v8ish_local escaped = v8ish_handle_scope_escape(&inner, o);
  ck_assert(v8ish_local_is_empty(v8ish_handle_scope_escape(&inner, o)));
  script_assert_error(&w, CCGC_E_INVALID_ARGUMENT, "a scope escapes one value only");
  v8ish_handle_scope_close(&inner);
  ccgc_test_collect_verified(w.collector); /* the escaped handle is a root */
  ck_assert_int_eq(v8ish_integer_value(w.heap, v8ish_object_get(w.heap, escaped, "v")), 5);
  /* The outermost scope has nowhere to escape to. */
  ck_assert(v8ish_local_is_empty(v8ish_handle_scope_escape(&w.scope, escaped)));
  script_assert_error(&w, CCGC_E_INVALID_ARGUMENT, "no enclosing scope");
  script_world_free(&w);
}
END_TEST

/* Each scope reserves an escape slot; an unused one must not stay behind. */
START_TEST(opening_and_closing_scopes_does_not_grow_the_handle_area) {
  script_world w;
  script_world_init(&w, 0);
  v8ish_local first = script_int(&w, 1);
  for (int i = 0; i < 10000; i++) {
    v8ish_handle_scope inner;
    v8ish_handle_scope_open(w.heap, &inner);
    script_int(&w, i);
    v8ish_handle_scope_close(&inner);
  }
  v8ish_local next = script_int(&w, 2);
  ck_assert_uint_eq(next.index, first.index + 1);
  v8ish_handle_scope_close(&w.scope);
  for (int i = 0; i < 1000; i++) {
    v8ish_handle_scope_open(w.heap, &w.scope);
    v8ish_handle_scope_close(&w.scope);
  }
  v8ish_handle_scope_open(w.heap, &w.scope);
  ck_assert_uint_eq(script_int(&w, 3).index, first.index);
  ck_assert_uint_eq(w.errors.count, 0);
  script_world_free(&w);
}
END_TEST

START_TEST(strong_globals_are_roots_and_outlive_scopes) {
  script_world w;
  script_world_init(&w, 0);
  v8ish_global g;
  {
    v8ish_handle_scope inner;
    v8ish_handle_scope_open(w.heap, &inner);
    v8ish_local o = v8ish_object_new(w.heap);
    v8ish_object_set(w.heap, o, "name", script_string(&w, "kept"));
    g = v8ish_global_new(w.heap, o, false);
    v8ish_handle_scope_close(&inner);
  }
  for (int i = 0; i < 5; i++) ccgc_test_collect_verified(w.collector);
  char buf[8];
  v8ish_string_copy(w.heap, v8ish_object_get(w.heap, v8ish_global_get(w.heap, g), "name"),
                    buf, sizeof buf);
  ck_assert_str_eq(buf, "kept");
  script_graph *graph = malloc(sizeof *graph);
  script_graph_take(&w, graph);
  ck_assert_uint_eq(script_graph_count(graph, NULL, CCGC_EDGE_ROOT, "global handle", NULL), 1);
  ck_assert_uint_ge(script_graph_count(graph, NULL, CCGC_EDGE_ROOT, "script internals", NULL), 5);
  free(graph);
  /* Set to another value, to an integer (0 too), to nothing. */
  v8ish_global_set(w.heap, g, script_int(&w, 0));
  ck_assert(!v8ish_global_is_empty_slot(w.heap, g));
  ck_assert(v8ish_is_integer(w.heap, v8ish_global_get(w.heap, g)));
  v8ish_global_set(w.heap, g, v8ish_local_empty());
  ck_assert(v8ish_global_is_empty_slot(w.heap, g));
  ck_assert(v8ish_local_is_empty(v8ish_global_get(w.heap, g)));
  v8ish_global_free(w.heap, g);
  script_world_free(&w);
}
END_TEST

START_TEST(weak_globals_are_cleared_when_their_target_dies) {
  script_world w;
  script_world_init(&w, 0);
  v8ish_handle_scope inner;
  v8ish_handle_scope_open(w.heap, &inner);
  v8ish_local o = v8ish_object_new(w.heap);
  v8ish_global weak = v8ish_global_new(w.heap, o, true);
  v8ish_global strong = v8ish_global_new(w.heap, o, false);
  v8ish_global weak_int = v8ish_global_new(w.heap, script_int(&w, 3), true);
  v8ish_handle_scope_close(&inner);
  ccgc_test_collect_verified(w.collector);
  ck_assert(!v8ish_global_is_empty_slot(w.heap, weak));
  v8ish_global_free(w.heap, strong);
  ccgc_test_collect_verified(w.collector);
  ck_assert(v8ish_global_is_empty_slot(w.heap, weak));
  ck_assert(v8ish_local_is_empty(v8ish_global_get(w.heap, weak)));
  /* An integer never dies. */
  ck_assert_int_eq(v8ish_integer_value(w.heap, v8ish_global_get(w.heap, weak_int)), 3);
  v8ish_global_free(w.heap, weak);
  v8ish_global_free(w.heap, weak_int);
  ck_assert_uint_eq(w.errors.count, 0);
  script_world_free(&w);
}
END_TEST

START_TEST(a_freed_global_is_detected_even_when_its_slot_is_reused) {
  script_world w;
  script_world_init(&w, 0);
  v8ish_global g = v8ish_global_new(w.heap, v8ish_object_new(w.heap), false);
  v8ish_global_free(w.heap, g);
  v8ish_global reused = v8ish_global_new(w.heap, script_int(&w, 1), false);
  ck_assert_uint_eq(reused.index, g.index);
  ck_assert(v8ish_local_is_empty(v8ish_global_get(w.heap, g)));
  script_assert_error(&w, CCGC_E_DEAD_HANDLE,
                      "v8ish_global_get: global handle used after it was freed");
  v8ish_global_free(w.heap, g);
  script_assert_error(&w, CCGC_E_DEAD_HANDLE, "v8ish_global_free");
  ck_assert_int_eq(v8ish_integer_value(w.heap, v8ish_global_get(w.heap, reused)), 1);
  v8ish_global_free(w.heap, reused);
  script_world_free(&w);
}
END_TEST

/* Handles carry no heap pointer: with two script heaps on one collector, a
 * handle of one given to the other is refused (.api.live-handle) and leaves
 * the other's own handles alone (v8ish_global_free(h2, global of h1) freed
 * h2's global of the same index; a local of h1 read h2's slot). */
START_TEST(another_heaps_handles_are_refused) {
  script_world w;
  script_world_init(&w, 0);
  v8ish_heap *other = v8ish_heap_new(w.collector, NULL);
  ck_assert_ptr_nonnull(other);
  v8ish_handle_scope scope;
  v8ish_handle_scope_open(other, &scope);
  v8ish_local mine = v8ish_object_new(w.heap);
  v8ish_local theirs = v8ish_object_new(other);
  ck_assert_uint_eq(mine.index, theirs.index); /* the same slots */
  v8ish_global g_mine = v8ish_global_new(w.heap, mine, false);
  v8ish_global g_theirs = v8ish_global_new(other, theirs, false);
  ck_assert_uint_eq(g_mine.index, g_theirs.index);
  unsigned before = w.errors.count;
  ck_assert_ptr_null(v8ish_object_address(other, mine));
  script_assert_error(&w, CCGC_E_DEAD_HANDLE, "made by another heap");
  ck_assert(v8ish_local_is_empty(v8ish_global_get(other, g_mine)));
  script_assert_error(&w, CCGC_E_DEAD_HANDLE, "made by another heap");
  v8ish_global_free(other, g_mine);
  script_assert_error(&w, CCGC_E_DEAD_HANDLE, "v8ish_global_free");
  ck_assert_uint_eq(w.errors.count, before + 3);
  /* Both heaps' own handles still name their objects. */
  ck_assert(v8ish_same(other, v8ish_global_get(other, g_theirs), theirs));
  ck_assert(v8ish_same(w.heap, v8ish_global_get(w.heap, g_mine), mine));
  ck_assert_uint_eq(w.errors.count, before + 3);
  v8ish_global_free(other, g_theirs);
  v8ish_global_free(w.heap, g_mine);
  ck_assert_uint_eq(w.errors.count, before + 3);
  v8ish_handle_scope_close(&scope);
  v8ish_heap_free(other);
  script_world_free(&w);
}
END_TEST

START_TEST(traced_references_are_not_roots) {
  script_world w;
  script_world_init(&w, 0);
  v8ish_handle_scope inner;
  v8ish_handle_scope_open(w.heap, &inner);
  v8ish_local o = v8ish_object_new(w.heap);
  v8ish_traced *traced = v8ish_traced_new(w.heap, o);
  ck_assert_ptr_nonnull(traced);
  ck_assert_ptr_eq(v8ish_traced_target(traced), v8ish_object_address(w.heap, o));
  v8ish_global watch = v8ish_global_new(w.heap, o, true);
  ck_assert(v8ish_same(w.heap, v8ish_traced_get(w.heap, traced), o));
  v8ish_handle_scope_close(&inner);
  /* Nobody traces the reference: its target dies. */
  ccgc_test_collect_verified(w.collector);
  ck_assert(v8ish_global_is_empty_slot(w.heap, watch));
  /* An integer, then nothing. */
  v8ish_traced_set(w.heap, traced, script_int(&w, 0));
  ck_assert_ptr_null(v8ish_traced_target(traced));
  ck_assert(v8ish_is_integer(w.heap, v8ish_traced_get(w.heap, traced)));
  v8ish_traced_set(w.heap, traced, v8ish_local_empty());
  ck_assert(v8ish_local_is_empty(v8ish_traced_get(w.heap, traced)));
  v8ish_traced_free(w.heap, traced);
  v8ish_global_free(w.heap, watch);
  ck_assert_ptr_null(v8ish_traced_target(NULL));
  script_world_free(&w);
}
END_TEST

START_TEST(same_compares_values) {
  script_world w;
  script_world_init(&w, 0);
  v8ish_local o = v8ish_object_new(w.heap);
  v8ish_global g = v8ish_global_new(w.heap, o, false);
  ck_assert(v8ish_same(w.heap, o, v8ish_global_get(w.heap, g)));
  ck_assert(!v8ish_same(w.heap, o, v8ish_object_new(w.heap)));
  ck_assert(v8ish_same(w.heap, script_int(&w, 4), script_int(&w, 4)));
  /* The integer 0 is not the empty handle. */
  ck_assert(!v8ish_same(w.heap, script_int(&w, 0), v8ish_local_empty()));
  ck_assert(v8ish_same(w.heap, v8ish_local_empty(), v8ish_local_empty()));
  v8ish_global_free(w.heap, g);
  script_world_free(&w);
}
END_TEST

/* A large array left-trimmed is copied into a new, young array (a large
 * object must start in its page's first chunk): its traced references
 * follow it into the nursery, and the scavenges after keep them on it (a
 * traced reference left off the young list stayed on the from-space copy:
 * another type, then reused memory). */
START_TEST(a_traced_reference_follows_a_large_trim_into_the_nursery) {
  script_world w;
  script_world_init(&w, 0);
  const size_t length = 40000;
  v8ish_traced *traced;
  v8ish_global global;
  {
    v8ish_handle_scope scope;
    v8ish_handle_scope_open(w.heap, &scope);
    v8ish_local array = v8ish_fixed_array_new(w.heap, length);
    ck_assert(!v8ish_local_is_empty(array));
    traced = v8ish_traced_new(w.heap, array);
    global = v8ish_global_new(w.heap, array, false);
    v8ish_handle_scope_close(&scope);
  }
  ck_assert_int_eq(ccgc_collect(w.collector, CCGC_REASON_TESTING), CCGC_OK);
  {
    v8ish_handle_scope scope;
    v8ish_handle_scope_open(w.heap, &scope);
    ck_assert_int_eq(v8ish_array_left_trim(w.heap, v8ish_traced_get(w.heap, traced),
                                           length - 4),
                     CCGC_OK);
    v8ish_local now = v8ish_traced_get(w.heap, traced);
    ccgc_object_info info;
    ck_assert_int_eq(ccgc_collector_object_info(w.collector,
                                                v8ish_object_address(w.heap, now), &info),
                     CCGC_OK);
    ck_assert_str_eq(info.space_name, "young"); /* the test is about this */
    v8ish_handle_scope_close(&scope);
  }
  for (int round = 0; round < 3; round++) {
    ck_assert_int_eq(ccgc_collect_minor(w.collector, CCGC_REASON_TESTING), CCGC_OK);
    for (int i = 0; i < 30000; i++) { /* reuse the from-space */
      v8ish_handle_scope scope;
      v8ish_handle_scope_open(w.heap, &scope);
      v8ish_fixed_array_new(w.heap, 6);
      v8ish_handle_scope_close(&scope);
    }
  }
  v8ish_handle_scope scope;
  v8ish_handle_scope_open(w.heap, &scope);
  v8ish_local by_traced = v8ish_traced_get(w.heap, traced);
  v8ish_local by_global = v8ish_global_get(w.heap, global);
  ck_assert(v8ish_same(w.heap, by_traced, by_global));
  ck_assert_uint_eq(v8ish_array_length(w.heap, by_traced), 4);
  v8ish_handle_scope_close(&scope);
  ck_assert_int_eq(ccgc_collect(w.collector, CCGC_REASON_TESTING), CCGC_OK);
  ck_assert_uint_eq(w.errors.count, 0);
  v8ish_traced_free(w.heap, traced);
  v8ish_global_free(w.heap, global);
  script_world_free(&w);
}
END_TEST

int main(void) {
  Suite *suite = suite_create("v8ish-handles");
  TCase *tc = tcase_create("core");
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, locals_die_with_their_scope_even_when_the_slot_is_reused);
  tcase_add_test(tc, a_dead_value_changes_nothing);
  tcase_add_test(tc, scopes_are_lifo);
  tcase_add_test(tc, creating_a_local_without_a_scope_is_misuse);
  tcase_add_test(tc, escape_hands_one_value_to_the_enclosing_scope);
  tcase_add_test(tc, opening_and_closing_scopes_does_not_grow_the_handle_area);
  tcase_add_test(tc, strong_globals_are_roots_and_outlive_scopes);
  tcase_add_test(tc, weak_globals_are_cleared_when_their_target_dies);
  tcase_add_test(tc, a_freed_global_is_detected_even_when_its_slot_is_reused);
  tcase_add_test(tc, another_heaps_handles_are_refused);
  tcase_add_test(tc, traced_references_are_not_roots);
  tcase_add_test(tc, same_compares_values);
  tcase_add_test(tc, a_traced_reference_follows_a_large_trim_into_the_nursery);
  tcase_add_test(tc, the_empty_local_is_named_empty);
  suite_add_tcase(suite, tc);
  return ccgc_test_run(suite);
}
