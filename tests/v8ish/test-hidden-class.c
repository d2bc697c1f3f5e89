/* test-hidden-class.c - hidden classes: transitions shared by objects with
 * the same property order, descriptor arrays shared along a chain, the meta
 * class, wrapper classes, and the edges a class reports. */
#include <check.h>

#include "heap-internal.h"
#include "script-test.h"

static void set_int(script_world *w, v8ish_local o, const char *name, int value) {
  ck_assert_int_eq(v8ish_object_set(w->heap, o, name, script_int(w, value)), CCGC_OK);
}

START_TEST(same_property_order_same_class) {
  script_world w;
  script_world_init(&w, 0);
  v8ish_local a = v8ish_object_new(w.heap), b = v8ish_object_new(w.heap);
  v8ish_local c = v8ish_object_new(w.heap);
  ck_assert(v8ish_same(w.heap, v8ish_object_class(w.heap, a), v8ish_object_class(w.heap, c)));
  set_int(&w, a, "x", 1);
  set_int(&w, a, "y", 2);
  set_int(&w, b, "x", 3);
  set_int(&w, b, "y", 4);
  set_int(&w, c, "y", 5);
  set_int(&w, c, "x", 6);
  ck_assert(v8ish_same(w.heap, v8ish_object_class(w.heap, a), v8ish_object_class(w.heap, b)));
  ck_assert(!v8ish_same(w.heap, v8ish_object_class(w.heap, a), v8ish_object_class(w.heap, c)));
  ck_assert_str_eq(v8ish_type_name(w.heap, v8ish_object_class(w.heap, a)), "HiddenClass");
  /* Overwriting does not transition. */
  set_int(&w, b, "x", 7);
  ck_assert(v8ish_same(w.heap, v8ish_object_class(w.heap, a), v8ish_object_class(w.heap, b)));
  /* Transitions survive collections: a new object still finds them. */
  ccgc_test_collect_verified(w.collector);
  v8ish_local d = v8ish_object_new(w.heap);
  set_int(&w, d, "x", 0);
  set_int(&w, d, "y", 0);
  ck_assert(v8ish_same(w.heap, v8ish_object_class(w.heap, a), v8ish_object_class(w.heap, d)));
  ck_assert_int_eq(v8ish_integer_value(w.heap, v8ish_object_get(w.heap, c, "x")), 6);
  ck_assert_int_eq(v8ish_integer_value(w.heap, v8ish_object_get(w.heap, b, "x")), 7);
  script_world_free(&w);
}
END_TEST

START_TEST(branching_transitions_keep_each_branch_right) {
  script_world w;
  script_world_init(&w, 0);
  /* a: p q r, b: p q s, c: p t - they share prefixes of one names array
   * where they can, and must still see only their own names. */
  v8ish_local a = v8ish_object_new(w.heap), b = v8ish_object_new(w.heap),
              c = v8ish_object_new(w.heap);
  set_int(&w, a, "p", 1);
  set_int(&w, a, "q", 2);
  set_int(&w, a, "r", 3);
  set_int(&w, b, "p", 4);
  set_int(&w, b, "q", 5);
  set_int(&w, b, "s", 6);
  set_int(&w, c, "p", 7);
  set_int(&w, c, "t", 8);
  ccgc_test_collect_verified(w.collector);
  ck_assert(v8ish_object_has(w.heap, a, "r") && !v8ish_object_has(w.heap, a, "s"));
  ck_assert(v8ish_object_has(w.heap, b, "s") && !v8ish_object_has(w.heap, b, "r"));
  ck_assert(!v8ish_object_has(w.heap, c, "q") && v8ish_object_has(w.heap, c, "t"));
  ck_assert_uint_eq(v8ish_object_property_count(w.heap, c), 2);
  ck_assert_int_eq(v8ish_integer_value(w.heap, v8ish_object_get(w.heap, b, "s")), 6);
  ck_assert_int_eq(v8ish_integer_value(w.heap, v8ish_object_get(w.heap, c, "t")), 8);
  ck_assert_int_eq(v8ish_integer_value(w.heap, v8ish_object_get(w.heap, a, "r")), 3);
  script_world_free(&w);
}
END_TEST

/* Descriptor arrays are shared along a transition chain, so n properties
 * cost O(n) words of names, not O(n^2). */
START_TEST(a_long_chain_of_properties_costs_linear_memory) {
  script_world w;
  script_world_init(&w, 0);
  ccgc_heap_stats before = script_stats(&w);
  v8ish_local o = v8ish_object_new(w.heap);
  char name[16];
  for (int i = 0; i < 400; i++) {
    snprintf(name, sizeof name, "field%d", i);
    set_int(&w, o, name, i);
  }
  ccgc_test_collect_verified(w.collector);
  ccgc_heap_stats after = script_stats(&w);
  /* Per property: a class (88 B), a name (~40 B), a transitions array (48 B),
   * store growth; unshared names arrays alone would be 400*401/2*8 = 640 KB. */
  ck_assert_uint_lt(after.used_bytes - before.used_bytes, 160 * 1024);
  for (int i = 0; i < 400; i += 37) {
    snprintf(name, sizeof name, "field%d", i);
    ck_assert_int_eq(v8ish_integer_value(w.heap, v8ish_object_get(w.heap, o, name)), i);
  }
  script_world_free(&w);
}
END_TEST

START_TEST(the_meta_class_is_its_own_class) {
  script_world w;
  script_world_init(&w, 0);
  v8ish_local o = v8ish_object_new(w.heap);
  set_int(&w, o, "x", 1);
  void *object = v8ish_object_address(w.heap, o);
  void *klass = v8ish_object_address(w.heap, v8ish_object_class(w.heap, o));
  script_graph *graph = malloc(sizeof *graph);
  script_graph_take(&w, graph);
  ck_assert_ptr_eq(script_graph_target(graph, object, CCGC_EDGE_INTERNAL, "map"), klass);
  void *meta = script_graph_target(graph, klass, CCGC_EDGE_INTERNAL, "map");
  ck_assert_ptr_nonnull(meta);
  ck_assert_ptr_eq(script_graph_target(graph, meta, CCGC_EDGE_INTERNAL, "map"), meta);
  ccgc_object_info info;
  ck_assert_int_eq(ccgc_collector_object_info(w.collector, meta, &info), CCGC_OK);
  ck_assert_str_eq(info.type_name, "MetaClass");
  ck_assert_str_eq(info.heap_name, "script");
  /* The class reports its descriptors, transitions and back pointer. */
  ck_assert_ptr_nonnull(script_graph_target(graph, klass, CCGC_EDGE_INTERNAL, "descriptors"));
  ck_assert_ptr_nonnull(script_graph_target(graph, klass, CCGC_EDGE_INTERNAL, "transitions"));
  void *back = script_graph_target(graph, klass, CCGC_EDGE_INTERNAL, "back pointer");
  ck_assert_ptr_nonnull(back);
  ck_assert_int_eq(ccgc_collector_object_info(w.collector, back, &info), CCGC_OK);
  ck_assert_str_eq(info.type_name, "HiddenClass");
  ck_assert_uint_eq(graph->filler_count, 0);
  free(graph);
  script_world_free(&w);
}
END_TEST

START_TEST(one_wrapper_class_per_class_name) {
  script_world w;
  script_world_init(&w, 0);
  v8ish_local d1 = v8ish_wrapper_new(w.heap, "HTMLDivElement");
  v8ish_local d2 = v8ish_wrapper_new(w.heap, "HTMLDivElement");
  v8ish_local s = v8ish_wrapper_new(w.heap, "HTMLSpanElement");
  ck_assert(v8ish_same(w.heap, v8ish_object_class(w.heap, d1), v8ish_object_class(w.heap, d2)));
  ck_assert(!v8ish_same(w.heap, v8ish_object_class(w.heap, d1), v8ish_object_class(w.heap, s)));
  ck_assert_str_eq(v8ish_type_name(w.heap, d1), "HTMLDivElement");
  ck_assert_str_eq(v8ish_type_name(w.heap, s), "HTMLSpanElement");
  ck_assert_int_eq(v8ish_type_of(w.heap, s), V8ISH_TYPE_WRAPPER);
  /* A property transitions away from the cached class; the name stays. */
  set_int(&w, d1, "id", 1);
  ck_assert_str_eq(v8ish_type_name(w.heap, d1), "HTMLDivElement");
  v8ish_local before = v8ish_object_class(w.heap, d2);
  v8ish_global keep = v8ish_global_new(w.heap, before, true);
  v8ish_handle_scope_close(&w.scope);
  v8ish_handle_scope_open(w.heap, &w.scope);
  /* No wrapper is left, but the cache is a root: the class survives. */
  ccgc_test_collect_verified(w.collector);
  ck_assert(!v8ish_global_is_empty_slot(w.heap, keep));
  v8ish_local d3 = v8ish_wrapper_new(w.heap, "HTMLDivElement");
  ck_assert(v8ish_same(w.heap, v8ish_object_class(w.heap, d3), v8ish_global_get(w.heap, keep)));
  v8ish_global_free(w.heap, keep);
  script_world_free(&w);
}
END_TEST

START_TEST(property_edges_carry_property_names) {
  script_world w;
  script_world_init(&w, 0);
  v8ish_local o = v8ish_object_new(w.heap);
  char name[16];
  v8ish_local targets[8];
  for (int i = 0; i < 8; i++) { /* 4 in object, 4 in the properties store */
    snprintf(name, sizeof name, "p%d", i);
    targets[i] = v8ish_object_new(w.heap);
    ck_assert_int_eq(v8ish_object_set(w.heap, o, name, targets[i]), CCGC_OK);
  }
  v8ish_object_set(w.heap, o, "n", script_int(&w, 12)); /* integer: no edge */
  void *object = v8ish_object_address(w.heap, o);
  script_graph *graph = malloc(sizeof *graph);
  script_graph_take(&w, graph);
  for (int i = 0; i < 8; i++) {
    snprintf(name, sizeof name, "p%d", i);
    ck_assert_uint_eq(script_graph_count(graph, object, CCGC_EDGE_PROPERTY, name,
                                         v8ish_object_address(w.heap, targets[i])),
                      1);
  }
  ck_assert_uint_eq(script_graph_count(graph, object, CCGC_EDGE_PROPERTY, NULL, NULL), 8);
  ck_assert_uint_eq(script_graph_count(graph, object, CCGC_EDGE_INTERNAL, "properties", NULL), 1);
  ck_assert_uint_eq(script_graph_count(graph, object, CCGC_EDGE_INTERNAL, "elements", NULL), 1);
  free(graph);
  script_world_free(&w);
}
END_TEST

/* Classes live on pages of their own (class_lab, V8's map space): a class
 * made while the nursery is on is old, on a page that holds classes, not
 * the young page of the object that made it, and the classes made next go
 * on that same page. So a class pins only class pages
 * (.inv.compaction-classes-stay, docs/compaction.md). */
START_TEST(classes_are_old_on_pages_of_their_own) {
  script_world w;
  script_world_init(&w, 0);
  v8ish_local a = v8ish_object_new(w.heap);
  set_int(&w, a, "only_here_1", 1);
  v8ish_local b = v8ish_object_new(w.heap);
  set_int(&w, b, "only_here_2", 2);
  ccgc_page *object_page = ccgc_page_of(v8ish_object_address(w.heap, a));
  ccgc_page *class_a = ccgc_page_of(v8ish_object_address(w.heap, v8ish_object_class(w.heap, a)));
  ccgc_page *class_b = ccgc_page_of(v8ish_object_address(w.heap, v8ish_object_class(w.heap, b)));
  ck_assert(ccgc_page_is_young(object_page));
  ck_assert(!ccgc_page_is_young(class_a));
  ck_assert_ptr_eq(class_a, class_b);
  ck_assert(((v8ish_page *)class_a)->holds_class);
  /* Nothing but classes was allocated there. */
  const word_t *end = ((v8ish_page *)class_a)->end;
  for (const word_t *at = ((v8ish_page *)class_a)->start; at < end && at[0];
       at += v8ish_size_of(at) / 8)
    ck_assert_msg(at[0] == w.heap->meta_class, "a non-class object on a class page");
  script_world_free(&w);
}
END_TEST

int main(void) {
  Suite *suite = suite_create("v8ish-hidden-class");
  TCase *tc = tcase_create("core");
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, same_property_order_same_class);
  tcase_add_test(tc, branching_transitions_keep_each_branch_right);
  tcase_add_test(tc, a_long_chain_of_properties_costs_linear_memory);
  tcase_add_test(tc, the_meta_class_is_its_own_class);
  tcase_add_test(tc, one_wrapper_class_per_class_name);
  tcase_add_test(tc, property_edges_carry_property_names);
  tcase_add_test(tc, classes_are_old_on_pages_of_their_own);
  suite_add_tcase(suite, tc);
  return ccgc_test_run(suite);
}
