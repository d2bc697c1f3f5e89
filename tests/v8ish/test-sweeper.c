/* test-sweeper.c - reclamation: unreachable objects become free space and
 * used bytes drop, reachable ones survive many collections unchanged, free
 * space is coalesced and reused, empty pages go back to the OS, pages stay
 * iterable (.inv.iterable-pages), freed memory is poisoned in debug builds. */
#include <check.h>
#include <stdint.h>

#include "script-test.h"

/* A small tree of every kind of object, reachable from the returned object. */
static v8ish_local build_tree(script_world *w, int seed) {
  v8ish_local root = v8ish_object_new(w->heap);
  v8ish_object_set(w->heap, root, "seed", script_int(w, seed));
  v8ish_object_set(w->heap, root, "pi", v8ish_number_new(w->heap, 3.5 + seed));
  v8ish_object_set(w->heap, root, "name", script_string(w, "tree"));
  v8ish_local list = v8ish_array_new(w->heap);
  for (int i = 0; i < 10; i++) v8ish_array_push(w->heap, list, script_int(w, seed + i));
  v8ish_object_set(w->heap, root, "list", list);
  v8ish_local context = v8ish_context_new(w->heap, v8ish_local_empty(), 1);
  v8ish_context_set(w->heap, context, 0, root);
  v8ish_object_set(w->heap, root, "f", v8ish_closure_new(w->heap, context, "f"));
  v8ish_local doubles = v8ish_double_array_new(w->heap, 3);
  v8ish_double_array_set(w->heap, doubles, 2, seed * 0.5);
  v8ish_object_set(w->heap, root, "d", doubles);
  return root;
}

static void check_tree(script_world *w, v8ish_local root, int seed) {
  ck_assert_int_eq(v8ish_integer_value(w->heap, v8ish_object_get(w->heap, root, "seed")), seed);
  ck_assert(v8ish_number_value(w->heap, v8ish_object_get(w->heap, root, "pi")) == 3.5 + seed);
  char buf[8];
  v8ish_string_copy(w->heap, v8ish_object_get(w->heap, root, "name"), buf, sizeof buf);
  ck_assert_str_eq(buf, "tree");
  v8ish_local list = v8ish_object_get(w->heap, root, "list");
  ck_assert_uint_eq(v8ish_array_length(w->heap, list), 10);
  ck_assert_int_eq(v8ish_integer_value(w->heap, v8ish_array_get(w->heap, list, 9)), seed + 9);
  v8ish_local f = v8ish_object_get(w->heap, root, "f");
  ck_assert(v8ish_same(w->heap, v8ish_context_get(w->heap, v8ish_closure_context(w->heap, f), 0),
                       root));
  ck_assert(v8ish_double_array_get(w->heap, v8ish_object_get(w->heap, root, "d"), 2) ==
            seed * 0.5);
}

START_TEST(reachable_objects_survive_many_collections) {
  script_world w;
  script_world_init_old(&w, 0);
  v8ish_global roots[8];
  for (int i = 0; i < 8; i++) roots[i] = v8ish_global_new(w.heap, build_tree(&w, i), false);
  v8ish_handle_scope_close(&w.scope);
  v8ish_handle_scope_open(w.heap, &w.scope);
  ccgc_test_collect_verified(w.collector);
  ccgc_heap_stats first = script_stats(&w);
  for (int cycle = 0; cycle < 20; cycle++) {
    v8ish_handle_scope garbage;
    v8ish_handle_scope_open(w.heap, &garbage);
    for (int i = 0; i < 200; i++) build_tree(&w, 100 + i);
    v8ish_handle_scope_close(&garbage);
    ccgc_test_collect_verified(w.collector);
    ccgc_heap_stats now = script_stats(&w);
    ck_assert_uint_eq(now.used_bytes, first.used_bytes); /* exactly the live set */
    ck_assert_uint_eq(now.object_count, first.object_count);
  }
  v8ish_handle_scope inner;
  v8ish_handle_scope_open(w.heap, &inner);
  for (int i = 0; i < 8; i++) check_tree(&w, v8ish_global_get(w.heap, roots[i]), i);
  v8ish_handle_scope_close(&inner);
  for (int i = 0; i < 8; i++) v8ish_global_free(w.heap, roots[i]);
  ccgc_test_collect_verified(w.collector);
  ck_assert_uint_lt(script_stats(&w).used_bytes, first.used_bytes);
  const ccgc_cycle_stats *cycle = ccgc_collector_last_cycle(w.collector);
  ck_assert_str_eq(cycle->heaps[0].name, "script");
  ck_assert_uint_lt(cycle->heaps[0].after.used_bytes, cycle->heaps[0].before.used_bytes);
  script_world_free(&w);
}
END_TEST

START_TEST(unreachable_objects_are_reclaimed_and_empty_pages_released) {
  script_world w;
  script_world_init_old(&w, 0);
  ccgc_heap_stats empty = script_stats(&w);
  v8ish_handle_scope inner;
  v8ish_handle_scope_open(w.heap, &inner);
  for (int i = 0; i < 30000; i++) {
    v8ish_local o = v8ish_object_new(w.heap);
    v8ish_object_set(w.heap, o, "self", o);
  }
  v8ish_handle_scope_close(&inner);
  ccgc_heap_stats full = script_stats(&w);
  ck_assert_uint_gt(full.page_count, empty.page_count + 3);
  ccgc_test_collect_verified(w.collector);
  ccgc_heap_stats swept = script_stats(&w);
  ck_assert_uint_le(swept.used_bytes, empty.used_bytes + 4096);
  ck_assert_uint_le(swept.page_count, empty.page_count + 1);
  ck_assert_uint_lt(swept.committed_bytes, full.committed_bytes);
  script_world_free(&w);
}
END_TEST

static int compare_addresses(const void *a, const void *b) {
  uintptr_t x = *(const uintptr_t *)a, y = *(const uintptr_t *)b;
  return x < y ? -1 : x > y;
}

/* Holes between survivors are coalesced: after every 8th 16-byte number
 * survives, the seven dead ones between two survivors form one 112-byte
 * hole, and 80-byte arrays land there (right after a survivor) before any
 * bigger free block is touched. Without coalescing they would be 16-byte
 * holes, useless for them. */
START_TEST(free_space_is_coalesced_and_reused) {
  script_world w;
  script_world_init_old(&w, 0);
  v8ish_local keep = v8ish_fixed_array_new(w.heap, 2000);
  v8ish_handle_scope inner;
  v8ish_handle_scope_open(w.heap, &inner);
  for (int i = 0; i < 16000; i++) {
    v8ish_local n = v8ish_number_new(w.heap, i); /* 16 B each */
    if (i % 8 == 0) v8ish_array_set(w.heap, keep, (size_t)i / 8, n);
  }
  v8ish_handle_scope_close(&inner);
  ccgc_test_collect_verified(w.collector);
  uintptr_t *kept = malloc(2000 * sizeof *kept);
  for (size_t i = 0; i < 2000; i++)
    kept[i] = (uintptr_t)v8ish_object_address(w.heap, v8ish_array_get(w.heap, keep, i));
  qsort(kept, 2000, sizeof *kept, compare_addresses);
  v8ish_handle_scope_open(w.heap, &inner);
  size_t in_holes = 0;
  for (int i = 0; i < 1000; i++) {
    uintptr_t a = (uintptr_t)v8ish_object_address(w.heap, v8ish_fixed_array_new(w.heap, 8));
    uintptr_t before = a - 16;
    if (bsearch(&before, kept, 2000, sizeof *kept, compare_addresses)) in_holes++;
  }
  v8ish_handle_scope_close(&inner);
  free(kept);
  ck_assert_uint_ge(in_holes, 990);
  ccgc_test_collect_verified(w.collector);
  for (size_t i = 0; i < 2000; i += 97)
    ck_assert(v8ish_number_value(w.heap, v8ish_array_get(w.heap, keep, i)) == (double)(i * 8));
  script_world_free(&w);
}
END_TEST

START_TEST(walks_never_see_free_space) {
  script_world w;
  script_world_init_old(&w, 0);
  v8ish_local keep = v8ish_array_new(w.heap);
  v8ish_handle_scope inner;
  v8ish_handle_scope_open(w.heap, &inner);
  for (int i = 0; i < 300; i++) {
    v8ish_local s = script_string(&w, "garbage or not");
    if (i % 3 == 0) v8ish_array_push(w.heap, keep, s);
  }
  v8ish_handle_scope_close(&inner);
  ccgc_test_collect_verified(w.collector);
  script_graph *graph = malloc(sizeof *graph);
  script_graph_take(&w, graph);
  ck_assert_uint_eq(graph->filler_count, 0);
  ck_assert_uint_eq(graph->object_count, script_stats(&w).object_count);
  free(graph);
  script_world_free(&w);
}
END_TEST

START_TEST(freed_memory_is_poisoned_in_debug_builds) {
#ifdef CCGC_DEBUG
  script_world w;
  script_world_init_old(&w, 0);
  v8ish_local neighbour = v8ish_object_new(w.heap); /* keeps the page */
  v8ish_handle_scope inner;
  v8ish_handle_scope_open(w.heap, &inner);
  char text[200];
  memset(text, 'a', sizeof text);
  v8ish_local s = v8ish_string_new(w.heap, text, sizeof text);
  const uint8_t *dead = v8ish_object_address(w.heap, s);
  v8ish_object_new(w.heap); /* a live object after it: the hole stays a hole */
  v8ish_local after = v8ish_handle_scope_escape(&inner, v8ish_object_new(w.heap));
  v8ish_handle_scope_close(&inner);
  ccgc_test_collect_verified(w.collector);
  size_t poisoned = 0;
  for (size_t i = 32; i < 200; i++) poisoned += dead[i] == 0xdb;
  ck_assert_uint_eq(poisoned, 200 - 32);
  ck_assert_ptr_nonnull(v8ish_object_address(w.heap, neighbour));
  ck_assert_ptr_nonnull(v8ish_object_address(w.heap, after));
  script_world_free(&w);
#endif
}
END_TEST

int main(void) {
  Suite *suite = suite_create("v8ish-sweeper");
  TCase *tc = tcase_create("core");
  tcase_set_timeout(tc, 120);
  tcase_add_test(tc, reachable_objects_survive_many_collections);
  tcase_add_test(tc, unreachable_objects_are_reclaimed_and_empty_pages_released);
  tcase_add_test(tc, free_space_is_coalesced_and_reused);
  tcase_add_test(tc, walks_never_see_free_space);
  tcase_add_test(tc, freed_memory_is_poisoned_in_debug_builds);
  suite_add_tcase(suite, tc);
  return ccgc_test_run(suite);
}
