/* test-layouts.c - the script heap's layout descriptors (v8ish/layouts.c):
 * the mark loop traces objects by their hidden class's descriptor, with no
 * call. Each kind keeps what it references alive; the testing switch that
 * breaks descriptors (ccgc_collector_break_layouts) loses those targets,
 * which shows the marker used the descriptor; an unboxed double whose bits
 * look like a tagged reference is never followed; the same graph marked
 * with descriptors skipped survives the same. */
#include "ccgc-testing.h"
#include "script-test.h"

/* A world without the verifier: the broken switch would trip it first. */
static void world_init(script_world *w, bool verify) {
  script_world_init(w, 0);
  if (!verify) {
    script_world_free(w);
    ccgc_collector_options options = {.verify = false};
    w->collector = ccgc_collector_new(&options);
    ck_assert_ptr_nonnull(w->collector);
    w->heap = v8ish_heap_new(w->collector, NULL);
    ck_assert_ptr_nonnull(w->heap);
    ccgc_test_capture_errors(w->collector, &w->errors);
    v8ish_handle_scope_open(w->heap, &w->scope);
  }
}

/* A weak global on a fresh target: empty once the target died. */
static v8ish_global watch(script_world *w, v8ish_local target) {
  return v8ish_global_new(w->heap, target, true);
}

static bool alive(script_world *w, v8ish_global g) {
  v8ish_handle_scope scope;
  v8ish_handle_scope_open(w->heap, &scope);
  bool live = !v8ish_local_is_empty(v8ish_global_get(w->heap, g));
  v8ish_handle_scope_close(&scope);
  return live;
}

/* Holders of each kind, rooted by strong globals, each the only path to a
 * watched target: the array's last element, an object's last in-object
 * property, a context's slot, a closure's context. */
typedef struct graph {
  v8ish_global roots[4];
  v8ish_global watched[4];
} graph;

static void build(script_world *w, graph *g) {
  v8ish_handle_scope scope;
  v8ish_handle_scope_open(w->heap, &scope);
  v8ish_local array = v8ish_fixed_array_new(w->heap, 3);
  v8ish_local t0 = v8ish_fixed_array_new(w->heap, 1);
  v8ish_array_set(w->heap, array, 2, t0);
  v8ish_local object = v8ish_object_new(w->heap);
  v8ish_local t1 = v8ish_fixed_array_new(w->heap, 1);
  ck_assert_int_eq(v8ish_object_set(w->heap, object, "x", script_int(w, 1)), CCGC_OK);
  ck_assert_int_eq(v8ish_object_set(w->heap, object, "y", t1), CCGC_OK);
  v8ish_local context = v8ish_context_new(w->heap, v8ish_local_empty(), 2);
  v8ish_local t2 = v8ish_fixed_array_new(w->heap, 1);
  ck_assert_int_eq(v8ish_context_set(w->heap, context, 1, t2), CCGC_OK);
  v8ish_local inner = v8ish_context_new(w->heap, v8ish_local_empty(), 1);
  v8ish_local closure = v8ish_closure_new(w->heap, inner, "f");
  v8ish_local holders[] = {array, object, context, closure};
  v8ish_local targets[] = {t0, t1, t2, inner};
  for (int i = 0; i < 4; i++) {
    g->roots[i] = v8ish_global_new(w->heap, holders[i], false);
    g->watched[i] = watch(w, targets[i]);
  }
  v8ish_handle_scope_close(&scope);
}

static void drop(script_world *w, graph *g) {
  for (int i = 0; i < 4; i++) {
    v8ish_global_free(w->heap, g->roots[i]);
    v8ish_global_free(w->heap, g->watched[i]);
  }
}

START_TEST(every_kind_keeps_its_targets) {
  script_world w;
  world_init(&w, true);
  graph g;
  build(&w, &g);
  for (int round = 0; round < 3; round++) {
    ccgc_collect(w.collector, CCGC_REASON_TESTING);
    for (int i = 0; i < 4; i++)
      ck_assert_msg(alive(&w, g.watched[i]), "round %d: target %d died", round, i);
  }
  ck_assert_int_eq(w.errors.count, 0);
  drop(&w, &g);
  script_world_free(&w);
}
END_TEST

START_TEST(skipped_descriptors_mark_the_same) {
  script_world w;
  world_init(&w, true);
  graph g;
  build(&w, &g);
  ccgc_collector_skip_layouts(w.collector, true);
  ccgc_collect(w.collector, CCGC_REASON_TESTING);
  for (int i = 0; i < 4; i++) ck_assert(alive(&w, g.watched[i]));
  ccgc_collector_skip_layouts(w.collector, false);
  ccgc_collect(w.collector, CCGC_REASON_TESTING);
  for (int i = 0; i < 4; i++) ck_assert(alive(&w, g.watched[i]));
  drop(&w, &g);
  script_world_free(&w);
}
END_TEST

/* The switch drops each descriptor's array part and last tagged word: the
 * array's element and the object's last property are lost, so the marker
 * traced them through the descriptors, not the callback. */
START_TEST(broken_descriptors_lose_targets) {
  script_world w;
  world_init(&w, false);
  graph g;
  build(&w, &g);
  ccgc_collector_break_layouts(w.collector, true);
  ccgc_collect(w.collector, CCGC_REASON_TESTING);
  ck_assert_msg(!alive(&w, g.watched[0]), "the array's element survived");
  ck_assert_msg(!alive(&w, g.watched[1]), "the object's last property survived");
  ck_assert_msg(!alive(&w, g.watched[2]), "the context's slot survived");
  ccgc_collector_break_layouts(w.collector, false);
  drop(&w, &g);
  script_world_free(&w);
}
END_TEST

/* An unboxed double is raw bits in a tagged object's field: its class's
 * descriptor leaves that word out. 1.0000000000000002 has bit 0 set, so
 * followed as a reference it would be the address 0x3ff0000000000000. */
START_TEST(unboxed_double_bits_are_not_followed) {
  script_world w;
  world_init(&w, true);
  v8ish_handle_scope scope;
  v8ish_handle_scope_open(w.heap, &scope);
  v8ish_local object = v8ish_object_new(w.heap);
  v8ish_local t = v8ish_fixed_array_new(w.heap, 1);
  ck_assert_int_eq(v8ish_object_set(w.heap, object, "d",
                                    v8ish_number_new(w.heap, 1.0000000000000002)),
                   CCGC_OK);
  ck_assert_int_eq(v8ish_object_set(w.heap, object, "t", t), CCGC_OK);
  ck_assert_int_eq(v8ish_object_unbox_double(w.heap, object, "d"), CCGC_OK);
  v8ish_global root = v8ish_global_new(w.heap, object, false);
  v8ish_global watched = watch(&w, t);
  v8ish_handle_scope_close(&scope);
  for (int round = 0; round < 3; round++) {
    ccgc_collect(w.collector, CCGC_REASON_TESTING);
    ck_assert(alive(&w, watched));
  }
  v8ish_handle_scope_open(w.heap, &scope);
  ck_assert(v8ish_object_get_double(w.heap, v8ish_global_get(w.heap, root), "d") ==
            1.0000000000000002);
  v8ish_handle_scope_close(&scope);
  ck_assert_int_eq(w.errors.count, 0);
  v8ish_global_free(w.heap, root);
  v8ish_global_free(w.heap, watched);
  script_world_free(&w);
}
END_TEST

/* A long array spans most of its page: the descriptor's element loop stops
 * at the object's end (its length), not the page's, and finds the last. */
START_TEST(long_and_large_arrays) {
  script_world w;
  world_init(&w, true);
  size_t lengths[] = {1000, 30000, 200000}; /* the last on a large page */
  for (size_t k = 0; k < 3; k++) {
    v8ish_handle_scope scope;
    v8ish_handle_scope_open(w.heap, &scope);
    v8ish_local array = v8ish_fixed_array_new(w.heap, lengths[k]);
    ck_assert(!v8ish_local_is_empty(array));
    v8ish_local t = v8ish_fixed_array_new(w.heap, 1);
    v8ish_array_set(w.heap, array, lengths[k] - 1, t);
    v8ish_global root = v8ish_global_new(w.heap, array, false);
    v8ish_global watched = watch(&w, t);
    v8ish_handle_scope_close(&scope);
    ccgc_collect(w.collector, CCGC_REASON_TESTING);
    ccgc_collect(w.collector, CCGC_REASON_TESTING);
    ck_assert_msg(alive(&w, watched), "length %zu: the last element died", lengths[k]);
    v8ish_global_free(w.heap, root);
    v8ish_global_free(w.heap, watched);
  }
  ck_assert_int_eq(w.errors.count, 0);
  script_world_free(&w);
}
END_TEST

int main(void) {
  Suite *suite = suite_create("v8ish-layouts");
  TCase *tc = tcase_create("core");
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, every_kind_keeps_its_targets);
  tcase_add_test(tc, skipped_descriptors_mark_the_same);
  tcase_add_test(tc, broken_descriptors_lose_targets);
  tcase_add_test(tc, unboxed_double_bits_are_not_followed);
  tcase_add_test(tc, long_and_large_arrays);
  suite_add_tcase(suite, tc);
  return ccgc_test_run(suite);
}
