/* test-old-space.c - pages and allocation: alignment and spacing
 * (.inv.one-mark-per-object), registered pages (.inv.registered-pages), the
 * hard limit (CCGC_E_HEAP_LIMIT, heap intact), the soft limit (a request,
 * never a collection inside an allocation: .inv.no-gc-in-allocation),
 * allocation black while marking (.inv.allocate-black), stats. */
#include <check.h>
#include <stdint.h>

#include "ccgc-page.h"
#include "script-test.h"

static void *address_of(script_world *w, v8ish_local local) {
  void *address = v8ish_object_address(w->heap, local);
  ck_assert_ptr_nonnull(address);
  return address;
}

START_TEST(objects_are_aligned_and_a_granule_apart) {
  script_world w;
  script_world_init_old(&w, 0);
  uintptr_t previous = 0;
  for (int i = 0; i < 2000; i++) {
    v8ish_local value;
    switch (i % 4) {
    case 0: value = v8ish_number_new(w.heap, i); break;            /* 16 B */
    case 1: value = v8ish_fixed_array_new(w.heap, 0); break;       /* 16 B */
    case 2: value = v8ish_string_new(w.heap, "ab", 2); break;      /* 32 B */
    default: value = v8ish_object_new(w.heap); break;              /* 56 B */
    }
    uintptr_t address = (uintptr_t)address_of(&w, value);
    ck_assert_uint_eq(address % 8, 0);
    if (previous && address > previous)
      ck_assert_uint_ge(address - previous, CCGC_GRANULE);
    previous = address;
    ccgc_object_info info;
    ck_assert_int_eq(ccgc_collector_object_info(w.collector, (void *)address, &info), CCGC_OK);
    ck_assert_str_eq(info.heap_name, "script");
    ck_assert_uint_ge(info.size, 16);
  }
  ccgc_test_collect_verified(w.collector);
  ccgc_heap_stats stats = script_stats(&w);
  ck_assert_uint_eq(stats.committed_bytes % CCGC_PAGE_SIZE, 0);
  ck_assert_uint_eq(stats.committed_bytes, stats.page_count * CCGC_PAGE_SIZE);
  ck_assert_uint_gt(stats.object_count, 2000);
  ck_assert_uint_le(stats.used_bytes, stats.committed_bytes);
  script_world_free(&w);
}
END_TEST

START_TEST(pages_are_registered_with_the_collector) {
  script_world w;
  script_world_init_old(&w, 0);
  v8ish_local o = v8ish_object_new(w.heap);
  void *address = address_of(&w, o);
  ccgc_page *page = ccgc_page_of(address);
  ck_assert_uint_eq(page->magic, CCGC_PAGE_MAGIC);
  ck_assert_uint_eq(page->mark_shift, CCGC_GRANULE_SHIFT);
  ck_assert_uint_eq(page->flags & CCGC_PAGE_LARGE, 0);
  v8ish_local big = v8ish_fixed_array_new(w.heap, 20000); /* 160 KB: large */
  ccgc_page *large = ccgc_page_of(address_of(&w, big));
  ck_assert_uint_eq(large->flags & CCGC_PAGE_LARGE, CCGC_PAGE_LARGE);
  ck_assert_uint_eq(large->mark_shift, CCGC_LARGE_MARK_SHIFT);
  ck_assert_uint_eq(large->heap_id, page->heap_id);
  ck_assert_ptr_eq(large->marks, &large->large_mark);
  script_world_free(&w);
}
END_TEST

START_TEST(the_hard_limit_fails_allocation_and_keeps_the_heap) {
  script_world w;
  script_world_init_old(&w, 4 * CCGC_PAGE_SIZE);
  v8ish_local keep = v8ish_array_new(w.heap);
  size_t pushed = 0;
  for (;;) {
    v8ish_local n = v8ish_number_new(w.heap, (double)pushed);
    if (v8ish_local_is_empty(n)) break;
    if (v8ish_array_push(w.heap, keep, n) != CCGC_OK) break;
    pushed++;
  }
  script_assert_last_error(&w, CCGC_E_HEAP_LIMIT, "v8ish_");
  script_assert_last_error(&w, CCGC_E_HEAP_LIMIT, "script heap limit");
  ck_assert_uint_eq(w.errors.count, 0); /* recoverable: not misuse */
  ck_assert_uint_gt(pushed, 1000);
  ccgc_heap_stats stats = script_stats(&w);
  ck_assert_uint_le(stats.committed_bytes, 4 * CCGC_PAGE_SIZE);
  ck_assert_uint_eq(stats.limit_bytes, 4 * CCGC_PAGE_SIZE);
  /* Intact: every element is still there, the heap verifies. */
  ck_assert_uint_eq(v8ish_array_length(w.heap, keep), pushed);
  ccgc_test_collect_verified(w.collector);
  ck_assert(v8ish_number_value(w.heap, v8ish_array_get(w.heap, keep, pushed - 1)) ==
            (double)(pushed - 1));
  /* A large object over the limit fails too. */
  ck_assert(v8ish_local_is_empty(v8ish_fixed_array_new(w.heap, CCGC_PAGE_SIZE)));
  script_assert_last_error(&w, CCGC_E_HEAP_LIMIT, "v8ish_fixed_array_new");
  /* Dropping the array frees room again. */
  v8ish_handle_scope_close(&w.scope);
  v8ish_handle_scope_open(w.heap, &w.scope);
  ccgc_test_collect_verified(w.collector);
  v8ish_local again = v8ish_array_new(w.heap);
  for (int i = 0; i < 1000; i++)
    ck_assert_int_eq(v8ish_array_push(w.heap, again, v8ish_number_new(w.heap, i)), CCGC_OK);
  script_world_free(&w);
}
END_TEST

START_TEST(above_the_soft_limit_allocation_requests_a_collection) {
  script_world w;
  v8ish_heap_options options = {.soft_limit_bytes = 2 * CCGC_PAGE_SIZE,
                                .no_young_generation = 1};
  script_world_init_with(&w, &options);
  unsigned long cycles = ccgc_collector_cycle_count(w.collector);
  v8ish_handle_scope inner;
  v8ish_handle_scope_open(w.heap, &inner);
  for (int i = 0; i < 40000 && !ccgc_collector_gc_requested(w.collector); i++)
    v8ish_fixed_array_new(w.heap, 4);
  ck_assert(ccgc_collector_gc_requested(w.collector));
  /* Requested, not run: allocation never collects. */
  for (int i = 0; i < 1000; i++) v8ish_fixed_array_new(w.heap, 4);
  ck_assert_uint_eq(ccgc_collector_cycle_count(w.collector), cycles);
  v8ish_handle_scope_close(&inner);
  ck_assert(ccgc_collector_safepoint(w.collector));
  ck_assert_uint_eq(ccgc_collector_cycle_count(w.collector), cycles + 1);
  ck_assert_int_eq(ccgc_collector_last_cycle(w.collector)->reason, CCGC_REASON_ALLOCATION_LIMIT);
  ck_assert(!ccgc_collector_gc_requested(w.collector));
  script_world_free(&w);
}
END_TEST

START_TEST(objects_allocated_while_marking_are_black) {
  script_world w;
  script_world_init_old(&w, 0);
  v8ish_local before = v8ish_object_new(w.heap);
  ck_assert_int_eq(ccgc_incremental_start(w.collector, CCGC_REASON_TESTING), CCGC_OK);
  v8ish_local during = v8ish_object_new(w.heap);
  v8ish_local big = v8ish_fixed_array_new(w.heap, 20000);
  ccgc_object_info info;
  ccgc_collector_object_info(w.collector, address_of(&w, during), &info);
  ck_assert_int_eq(info.color, CCGC_BLACK);
  ccgc_collector_object_info(w.collector, address_of(&w, big), &info);
  ck_assert_int_eq(info.color, CCGC_BLACK);
  ck_assert_int_eq(ccgc_incremental_finish(w.collector), CCGC_OK);
  ck_assert_uint_eq(ccgc_collector_last_verify(w.collector)->errors, 0);
  ck_assert_ptr_nonnull(v8ish_object_address(w.heap, before));
  /* After the cycle, allocation is white again. */
  v8ish_local after = v8ish_object_new(w.heap);
  ccgc_collector_object_info(w.collector, address_of(&w, after), &info);
  ck_assert_int_eq(info.color, CCGC_WHITE);
  script_world_free(&w);
}
END_TEST

START_TEST(a_heap_can_be_freed_with_scopes_open_and_globals_alive) {
  ccgc_collector_options options = {.verify = true};
  ccgc_collector *collector = ccgc_collector_new(&options);
  v8ish_heap *heap = v8ish_heap_new(collector, NULL);
  v8ish_handle_scope scope;
  v8ish_handle_scope_open(heap, &scope);
  v8ish_global g = v8ish_global_new(heap, v8ish_object_new(heap), false);
  v8ish_traced *traced = v8ish_traced_new(heap, v8ish_object_new(heap));
  ck_assert(!v8ish_global_is_null(g));
  ck_assert_ptr_nonnull(traced);
  v8ish_heap_free(heap); /* LeakSanitizer checks that nothing stays */
  ck_assert_int_eq(ccgc_collector_heap_count(collector), 0);
  ccgc_collector_free(collector);
}
END_TEST

/* Freed while an incremental cycle marks, the heap finishes the cycle first:
 * the marker's worklists held its objects, and a heap created next (a page
 * reload) gets its pages back from the pool. Before, the cycle went on
 * over the freed objects and the next marking faulted. */
START_TEST(a_heap_freed_while_marking_finishes_the_cycle_first) {
  ccgc_collector_options options = {.verify = true};
  ccgc_collector *collector = ccgc_collector_new(&options);
  v8ish_heap *heap = v8ish_heap_new(collector, NULL);
  v8ish_handle_scope scope;
  v8ish_handle_scope_open(heap, &scope);
  v8ish_local array = v8ish_array_new(heap);
  for (int i = 0; i < 100000; i++) {
    v8ish_handle_scope inner;
    v8ish_handle_scope_open(heap, &inner);
    v8ish_array_push(heap, array, v8ish_object_new(heap));
    v8ish_handle_scope_close(&inner);
  }
  v8ish_global_new(heap, array, false);
  v8ish_handle_scope_close(&scope);
  ck_assert_int_eq(ccgc_incremental_start(collector, CCGC_REASON_TESTING), CCGC_OK);
  ccgc_incremental_step(collector, 0.01);
  ck_assert_int_eq(ccgc_collector_state(collector), CCGC_STATE_MARKING);
  unsigned long cycles = ccgc_collector_cycle_count(collector);
  v8ish_heap_free(heap);
  ck_assert_int_ne(ccgc_collector_state(collector), CCGC_STATE_MARKING);
  ck_assert_uint_eq(ccgc_collector_cycle_count(collector), cycles + 1);
  heap = v8ish_heap_new(collector, NULL);
  ck_assert_ptr_nonnull(heap);
  v8ish_handle_scope_open(heap, &scope);
  v8ish_global g = v8ish_global_new(heap, v8ish_object_new(heap), false);
  v8ish_handle_scope_close(&scope);
  ck_assert_int_eq(ccgc_incremental_start(collector, CCGC_REASON_TESTING), CCGC_OK);
  ck_assert_int_eq(ccgc_incremental_finish(collector), CCGC_OK);
  ck_assert_int_eq(ccgc_collect(collector, CCGC_REASON_TESTING), CCGC_OK);
  ck_assert_int_eq(ccgc_collector_last_verify(collector)->errors, 0);
  v8ish_global_free(heap, g);
  v8ish_heap_free(heap);
  ccgc_collector_free(collector);
}
END_TEST

START_TEST(a_limit_too_small_for_the_heap_itself_fails_creation) {
  ccgc_collector *collector = ccgc_collector_new(NULL);
  v8ish_heap_options options = {.limit_bytes = CCGC_PAGE_SIZE / 2};
  ck_assert_ptr_null(v8ish_heap_new(collector, &options));
  ck_assert_int_eq(ccgc_collector_last_error(collector)->code, CCGC_E_HEAP_LIMIT);
  ck_assert_int_eq(ccgc_collector_heap_count(collector), 0);
  options.limit_bytes = CCGC_PAGE_SIZE; /* one page is enough */
  v8ish_heap *heap = v8ish_heap_new(collector, &options);
  ck_assert_ptr_nonnull(heap);
  v8ish_heap_free(heap);
  ccgc_collector_free(collector);
}
END_TEST

int main(void) {
  Suite *suite = suite_create("v8ish-old-space");
  TCase *tc = tcase_create("core");
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, objects_are_aligned_and_a_granule_apart);
  tcase_add_test(tc, pages_are_registered_with_the_collector);
  tcase_add_test(tc, the_hard_limit_fails_allocation_and_keeps_the_heap);
  tcase_add_test(tc, above_the_soft_limit_allocation_requests_a_collection);
  tcase_add_test(tc, objects_allocated_while_marking_are_black);
  tcase_add_test(tc, a_heap_can_be_freed_with_scopes_open_and_globals_alive);
  tcase_add_test(tc, a_heap_freed_while_marking_finishes_the_cycle_first);
  tcase_add_test(tc, a_limit_too_small_for_the_heap_itself_fails_creation);
  suite_add_tcase(suite, tc);
  return ccgc_test_run(suite);
}
