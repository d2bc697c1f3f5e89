/* test-lazy-sweeping.c - the script heap swept after the pause
 * (CCGC_SWEEP_LAZY, docs/sweeping.md): the state is SWEEPING after the pause
 * and IDLE after the sweep steps; the statistics once swept equal those of
 * the same program swept in the pause; allocation while pages are unswept
 * only gets memory of swept pages (.inv.swept-before-allocation), and with
 * ccgc_collector_break_sweeping it does not; a shape change sweeps its
 * object's page first; the next cycle finishes sweeping first. */
#include <check.h>

#include "ccgc-testing.h"
#include "sweeping-world.h"

enum { COUNT = 20000, ELEMENTS = 6, KEEP = 5 };

/* Runs the same program in mode; returns the heap's stats once swept. */
static ccgc_heap_stats run_program(ccgc_sweeping_mode mode, size_t *steps) {
  script_world w;
  sweeping_world_init(&w, mode, 0, false);
  v8ish_global kept = sweeping_fill(&w, COUNT, ELEMENTS, KEEP);
  ck_assert_int_eq(ccgc_collect(w.collector, CCGC_REASON_TESTING), CCGC_OK);
  *steps = 0;
  if (mode == CCGC_SWEEP_ATOMIC) {
    ck_assert_int_eq(ccgc_collector_state(w.collector), CCGC_STATE_IDLE);
  } else {
    ck_assert_int_eq(ccgc_collector_state(w.collector), CCGC_STATE_SWEEPING);
    ck_assert_uint_gt(sweeping_unswept_pages(&w), 1);
    do {
      ++*steps;
      ck_assert_int_eq(ccgc_collector_state(w.collector), CCGC_STATE_SWEEPING);
    } while (!ccgc_sweep_step(w.collector, 0));
    ck_assert_int_eq(ccgc_collector_state(w.collector), CCGC_STATE_IDLE);
    ck_assert_uint_eq(sweeping_unswept_pages(&w), 0);
    const ccgc_cycle_stats *cycle = ccgc_collector_last_cycle(w.collector);
    ck_assert(cycle->sweeping_complete);
    ck_assert_uint_eq(cycle->sweep_steps, *steps);
    ck_assert(cycle->lazy_sweep_ms > 0);
    ck_assert_uint_eq(cycle->heaps[0].after.used_bytes,
                      script_stats(&w).used_bytes);
  }
  sweeping_check(&w, kept, COUNT, KEEP);
  ccgc_verify_report report;
  ck_assert_msg(ccgc_collector_verify_heap(w.collector, &report), "%s",
                report.first_error);
  ccgc_heap_stats stats = script_stats(&w);
  v8ish_global_free(w.heap, kept);
  script_world_free(&w);
  return stats;
}

START_TEST(lazy_sweeping_frees_what_the_pause_would) {
  size_t steps;
  ccgc_heap_stats atomic = run_program(CCGC_SWEEP_ATOMIC, &steps);
  ccgc_heap_stats lazy = run_program(CCGC_SWEEP_LAZY, &steps);
  ck_assert_uint_gt(steps, 1); /* a step sweeps a page or so, not all */
  ck_assert_uint_eq(lazy.used_bytes, atomic.used_bytes);
  ck_assert_uint_eq(lazy.object_count, atomic.object_count);
  ck_assert_uint_eq(lazy.page_count, atomic.page_count);
}
END_TEST

/* Allocates n arrays while sweeping runs; counts those on unswept pages. */
static int allocate_beside_sweeping(script_world *w, int n) {
  int on_unswept = 0;
  for (int i = 0; i < n; i++) {
    v8ish_handle_scope scope;
    v8ish_handle_scope_open(w->heap, &scope);
    v8ish_local array = v8ish_fixed_array_new(w->heap, ELEMENTS);
    if (!sweeping_on_swept_page(w, array)) on_unswept++;
    v8ish_handle_scope_close(&scope);
  }
  return on_unswept;
}

START_TEST(allocation_gets_swept_pages_only) {
  script_world w;
  sweeping_world_init(&w, CCGC_SWEEP_LAZY, 0, false);
  /* The last cycle's free lists are full of blocks on every page. */
  v8ish_global kept = sweeping_fill(&w, COUNT, ELEMENTS, KEEP);
  ccgc_collect(w.collector, CCGC_REASON_TESTING);
  ccgc_collector_finish_sweeping(w.collector);
  v8ish_global more = sweeping_fill(&w, COUNT / 4, ELEMENTS, KEEP);
  ccgc_collect(w.collector, CCGC_REASON_TESTING);
  size_t unswept = sweeping_unswept_pages(&w);
  ck_assert_uint_gt(unswept, 4);
  ck_assert_int_eq(allocate_beside_sweeping(&w, 3000), 0);
  /* The allocator swept pages for itself, and left the rest. */
  ck_assert_uint_lt(sweeping_unswept_pages(&w), unswept);
  ck_assert_int_eq(ccgc_collector_state(w.collector), CCGC_STATE_SWEEPING);
  ck_assert_int_eq(ccgc_collector_finish_sweeping(w.collector), CCGC_OK);
  sweeping_check(&w, kept, COUNT, KEEP);
  sweeping_check(&w, more, COUNT / 4, KEEP);
  ccgc_test_collect_verified(w.collector);
  v8ish_global_free(w.heap, kept);
  v8ish_global_free(w.heap, more);
  script_world_free(&w);
}
END_TEST

/* The switch that breaks sweeping keeps the old free lists: the same
 * program then allocates on unswept pages (the check above can fail). */
START_TEST(broken_sweeping_allocates_on_unswept_pages) {
  script_world w;
  sweeping_world_init(&w, CCGC_SWEEP_LAZY, 0, false);
  ccgc_collector_break_sweeping(w.collector, true);
  v8ish_global kept = sweeping_fill(&w, COUNT, ELEMENTS, KEEP);
  ccgc_collect(w.collector, CCGC_REASON_TESTING);
  ccgc_collector_finish_sweeping(w.collector);
  v8ish_global more = sweeping_fill(&w, COUNT / 4, ELEMENTS, KEEP);
  ccgc_collect(w.collector, CCGC_REASON_TESTING);
  ck_assert_int_gt(allocate_beside_sweeping(&w, 3000), 0);
  /* Not freed again: the objects above were garbage anyway. */
  v8ish_global_free(w.heap, kept);
  v8ish_global_free(w.heap, more);
  script_world_free(&w);
}
END_TEST

START_TEST(a_shape_change_sweeps_its_page_first) {
  script_world w;
  sweeping_world_init(&w, CCGC_SWEEP_LAZY, 0, false);
  v8ish_global kept = sweeping_fill(&w, COUNT / 2, ELEMENTS, KEEP);
  /* Held by a global alone, among garbage (left-trimming's restriction). */
  v8ish_global lone = v8ish_global_new(w.heap, v8ish_fixed_array_new(w.heap, 40),
                                       false);
  v8ish_global more = sweeping_fill(&w, COUNT / 2, ELEMENTS, KEEP);
  ccgc_collect(w.collector, CCGC_REASON_TESTING);
  v8ish_local array = v8ish_global_get(w.heap, lone);
  ck_assert(!sweeping_on_swept_page(&w, array));
  ck_assert_int_eq(v8ish_array_left_trim(w.heap, array, 2), CCGC_OK);
  array = v8ish_global_get(w.heap, lone);
  ck_assert(sweeping_on_swept_page(&w, array));
  ck_assert_uint_eq(v8ish_array_length(w.heap, array), 38);
  ck_assert_int_eq(ccgc_collector_state(w.collector), CCGC_STATE_SWEEPING);
  /* The next cycle completes this sweeping before its prepare. */
  ccgc_test_collect_verified(w.collector);
  ccgc_collector_finish_sweeping(w.collector);
  sweeping_check(&w, kept, COUNT / 2, KEEP);
  sweeping_check(&w, more, COUNT / 2, KEEP);
  v8ish_global_free(w.heap, kept);
  v8ish_global_free(w.heap, more);
  v8ish_global_free(w.heap, lone);
  script_world_free(&w);
}
END_TEST

/* With a young generation: the pause promotes the nursery in place, its
 * pages are swept lazily like old ones; a minor collection runs beside
 * them, sweeps none while it copies, and two pages after it when it
 * promoted nothing (docs/sweeping.md "Scavenges while sweeping"), unless
 * the TESTING switch asks for the old way (everything swept first). */
START_TEST(young_pages_are_swept_lazily_and_scavenges_run_beside_them) {
  for (int sweep_first = 0; sweep_first < 2; sweep_first++) {
    script_world w;
    sweeping_world_init(&w, CCGC_SWEEP_LAZY, 0, true);
    ccgc_collector_sweep_before_scavenge(w.collector, sweep_first);
    v8ish_global kept = sweeping_fill(&w, COUNT, ELEMENTS, KEEP);
    ccgc_collect(w.collector, CCGC_REASON_TESTING);
    size_t unswept = sweeping_unswept_pages(&w);
    ck_assert_uint_gt(unswept, 1);
    ck_assert_uint_eq(script_stats(&w).young_used_bytes, 0);
    ck_assert_int_eq(ccgc_collect_minor(w.collector, CCGC_REASON_TESTING),
                     CCGC_OK);
    if (sweep_first) {
      ck_assert_uint_eq(sweeping_unswept_pages(&w), 0);
      ck_assert_int_eq(ccgc_collector_state(w.collector), CCGC_STATE_IDLE);
    } else {
      ck_assert_uint_gt(unswept, 2);
      ck_assert_uint_eq(sweeping_unswept_pages(&w), unswept - 2);
      ck_assert_int_eq(ccgc_collector_state(w.collector), CCGC_STATE_SWEEPING);
      ck_assert_int_eq(ccgc_collector_finish_sweeping(w.collector), CCGC_OK);
    }
    sweeping_check(&w, kept, COUNT, KEEP);
    v8ish_global_free(w.heap, kept);
    script_world_free(&w);
  }
}
END_TEST

/* A large object allocated after the pause is unmarked (marking is off):
 * the dead large pages are the ones found in the pause, never a new one. */
START_TEST(a_large_object_allocated_while_sweeping_survives_it) {
  for (int young = 0; young < 2; young++) {
    script_world w;
    sweeping_world_init(&w, CCGC_SWEEP_LAZY, 0, young);
    v8ish_global kept = sweeping_fill(&w, COUNT, ELEMENTS, KEEP);
    /* a large garbage array, dead at the pause */
    v8ish_handle_scope scope;
    v8ish_handle_scope_open(w.heap, &scope);
    size_t length = V8ISH_LARGE_THRESHOLD / 8 + 16;
    v8ish_fixed_array_new(w.heap, length);
    v8ish_handle_scope_close(&scope);
    ccgc_collect(w.collector, CCGC_REASON_TESTING);
    ck_assert_int_eq(ccgc_collector_state(w.collector), CCGC_STATE_SWEEPING);
    v8ish_handle_scope_open(w.heap, &scope);
    v8ish_local big = v8ish_fixed_array_new(w.heap, length);
    ck_assert(!v8ish_local_is_empty(big));
    v8ish_array_set(w.heap, big, length - 1, v8ish_integer(w.heap, 42));
    word_t *address = v8ish_object_address(w.heap, big);
    ck_assert(ccgc_page_of(address)->flags & CCGC_PAGE_LARGE);
    /* a step, then the rest */
    ccgc_sweep_step(w.collector, 0.01);
    ck_assert(v8ish_heap_contains(w.heap, address));
    ck_assert_int_eq(ccgc_collector_finish_sweeping(w.collector), CCGC_OK);
    ck_assert(v8ish_heap_contains(w.heap, address));
    ck_assert_int_eq(v8ish_integer_value(w.heap, v8ish_array_get(w.heap, big, length - 1)),
                     42);
    v8ish_handle_scope_close(&scope);
    ccgc_test_collect_verified(w.collector);
    v8ish_global_free(w.heap, kept);
    script_world_free(&w);
  }
}
END_TEST

/* Nothing is freed in a lazy pause: the committed bytes that crossed the
 * soft limit are still there, and the first allocations after the pause
 * must not request the next collection at once. */
/* At the hard limit a large object takes the room a dead one left, as in
 * an atomic sweep: the dead large pages the pause found go back first
 * (failed with CCGC_E_HEAP_LIMIT before 2026-12-07; found by an audit). */
START_TEST(a_large_object_takes_a_dead_large_objects_room_at_the_limit) {
  for (int mode = CCGC_SWEEP_ATOMIC; mode <= CCGC_SWEEP_CONCURRENT; mode++) {
    ccgc_collector_options options = {.verify = true, .sweeping = mode};
    script_world w;
    w.collector = ccgc_collector_new(&options);
    v8ish_heap_options heap_options = {.limit_bytes = 8 << 20};
    w.heap = v8ish_heap_new(w.collector, &heap_options);
    ck_assert_ptr_nonnull(w.heap);
    ccgc_test_capture_errors(w.collector, &w.errors);
    v8ish_handle_scope scope;
    v8ish_handle_scope_open(w.heap, &scope);
    ck_assert(!v8ish_local_is_empty(v8ish_fixed_array_new(w.heap, 600000)));
    v8ish_handle_scope_close(&scope); /* 4.8 MB of garbage */
    ccgc_collect(w.collector, CCGC_REASON_TESTING);
    v8ish_handle_scope_open(w.heap, &scope);
    v8ish_local again = v8ish_fixed_array_new(w.heap, 600000);
    ck_assert_msg(!v8ish_local_is_empty(again), "%s sweeping: %s",
                  ccgc_sweeping_mode_name((ccgc_sweeping_mode)mode),
                  ccgc_collector_last_error(w.collector)->message);
    ck_assert_uint_eq(v8ish_array_length(w.heap, again), 600000);
    v8ish_handle_scope_close(&scope);
    ccgc_collector_finish_sweeping(w.collector);
    ck_assert_uint_eq(w.errors.count, 0);
    v8ish_heap_free(w.heap);
    ccgc_collector_free(w.collector);
  }
}
END_TEST

START_TEST(the_first_allocations_after_a_lazy_pause_request_no_collection) {
  script_world w;
  sweeping_world_init(&w, CCGC_SWEEP_LAZY, 0, false);
  v8ish_global kept = sweeping_fill(&w, COUNT * 8, ELEMENTS, KEEP); /* 10 MB */
  ck_assert(ccgc_collector_gc_requested(w.collector)); /* past 8 MiB */
  ccgc_collect(w.collector, CCGC_REASON_TESTING);
  ck_assert(!ccgc_collector_gc_requested(w.collector));
  ck_assert_int_eq(allocate_beside_sweeping(&w, 200), 0);
  ck_assert(!ccgc_collector_gc_requested(w.collector));
  ck_assert_int_eq(ccgc_collector_finish_sweeping(w.collector), CCGC_OK);
  v8ish_global_free(w.heap, kept);
  script_world_free(&w);
}
END_TEST

/* A host allocating only young objects sweeps nothing by its allocations
 * (only old allocation sweeps), so scavenges move a lazy sweep on: young
 * large objects that live a little (promoted, then dead) grew old space
 * without bound - each pause held the soft limit at twice the unswept
 * bytes (3.9 GB committed for 8 MB live); and at a hard limit a failed
 * allocation asks for a collection, or a heap whose sweep had nothing left
 * to sweep kept failing with none asked for (found by a review). */
START_TEST(scavenges_move_a_lazy_sweep_on_when_only_young_objects_are_allocated) {
  for (int mode = CCGC_SWEEP_LAZY; mode <= CCGC_SWEEP_CONCURRENT; mode++) {
    ccgc_collector_options options = {.sweeping = (ccgc_sweeping_mode)mode,
                                      .sweeper_threads = 1};
    ccgc_collector *collector = ccgc_collector_new(&options);
    v8ish_heap *heap = v8ish_heap_new(collector, NULL);
    v8ish_handle_scope top;
    v8ish_handle_scope_open(heap, &top);
    v8ish_global ring =
        v8ish_global_new(heap, v8ish_fixed_array_new(heap, 50), false);
    for (int i = 0; i < 3000; i++) {
      v8ish_handle_scope scope;
      v8ish_handle_scope_open(heap, &scope);
      v8ish_local array = v8ish_fixed_array_new(heap, 20000); /* 160 KB */
      ck_assert(!v8ish_local_is_empty(array));
      v8ish_array_set(heap, v8ish_global_get(heap, ring), (size_t)(i % 50),
                      array);
      v8ish_handle_scope_close(&scope);
      ccgc_collector_safepoint(collector);
    }
    ccgc_heap_stats stats;
    v8ish_heap_stats(heap, &stats);
    /* 8 MB live: bounded (it reached 2.7 GB after 20,000). */
    ck_assert_msg(stats.committed_bytes < ((size_t)128 << 20), "%zu",
                  stats.committed_bytes);
    v8ish_handle_scope_close(&top);
    v8ish_heap_free(heap);
    ccgc_collector_free(collector);
  }
}
END_TEST

START_TEST(an_allocation_failing_at_the_hard_limit_asks_for_a_collection) {
  enum { LIVE = 40000 };
  ccgc_collector_options options = {.sweeping = CCGC_SWEEP_LAZY};
  ccgc_collector *collector = ccgc_collector_new(&options);
  v8ish_heap_options heap_options = {.limit_bytes = 32 << 20};
  v8ish_heap *heap = v8ish_heap_new(collector, &heap_options);
  v8ish_handle_scope top;
  v8ish_handle_scope_open(heap, &top);
  v8ish_global slots =
      v8ish_global_new(heap, v8ish_fixed_array_new(heap, LIVE), false);
  unsigned random = 1;
  size_t failures = 0;
  for (int i = 0; i < 300000; i++) {
    random = random * 1103515245u + 12345u;
    v8ish_handle_scope scope;
    v8ish_handle_scope_open(heap, &scope);
    v8ish_local array =
        v8ish_fixed_array_new(heap, 1 + (random >> 8) % 64);
    if (v8ish_local_is_empty(array)) {
      failures++;
      ck_assert(ccgc_collector_gc_requested(collector));
    } else {
      v8ish_array_set(heap, v8ish_global_get(heap, slots),
                      (random >> 4) % LIVE, array);
    }
    v8ish_handle_scope_close(&scope);
    ccgc_collector_safepoint(collector);
  }
  ck_assert_uint_lt(failures, 1000); /* of 300,000 */
  v8ish_handle_scope_close(&top);
  v8ish_heap_free(heap);
  ccgc_collector_free(collector);
}
END_TEST

/* A new hidden class at the hard limit takes a page of its own: the pages
 * left to sweep come first (CCGC_E_HEAP_LIMIT only when nothing is left to
 * sweep). It failed while a finished sweep would have made room, and
 * asked for a collection it did not need (found by a review). Lazy and
 * concurrent sweeping. */
START_TEST(a_new_hidden_class_at_the_hard_limit_sweeps_first) {
  for (int concurrent = 0; concurrent < 2; concurrent++) {
    ccgc_collector_options options = {
        .sweeping = concurrent ? CCGC_SWEEP_CONCURRENT : CCGC_SWEEP_LAZY,
        .sweeper_threads = concurrent ? 1 : 0};
    ccgc_collector *collector = ccgc_collector_new(&options);
    ccgc_test_errors errors;
    ccgc_test_capture_errors(collector, &errors);
    v8ish_heap_options heap_options = {.limit_bytes = 4 << 20,
                                       .no_young_generation = 1};
    v8ish_heap *heap = v8ish_heap_new(collector, &heap_options);
    v8ish_handle_scope outer, scope;
    v8ish_handle_scope_open(heap, &outer);
    v8ish_local keep = v8ish_object_new(heap);
    v8ish_local hold = v8ish_fixed_array_new(heap, 100);
    /* Garbage to the limit; the last 100 arrays stay alive. */
    for (size_t n = 0;; n++) {
      v8ish_handle_scope_open(heap, &scope);
      v8ish_local array = v8ish_fixed_array_new(heap, 30);
      bool failed = v8ish_local_is_empty(array);
      if (!failed) v8ish_array_set(heap, hold, n % 100, array);
      v8ish_handle_scope_close(&scope);
      if (failed) break;
    }
    ck_assert_int_eq(ccgc_collect(collector, CCGC_REASON_TESTING), CCGC_OK);
    ck_assert_int_eq(ccgc_collector_state(collector), CCGC_STATE_SWEEPING);
    v8ish_handle_scope_open(heap, &scope);
    ck_assert(!v8ish_local_is_empty(v8ish_fixed_array_new(heap, 2)));
    ck_assert_int_eq(v8ish_object_set(heap, keep, "p0", v8ish_integer(heap, 1)),
                     CCGC_OK);
    ck_assert(!ccgc_collector_gc_requested(collector));
    v8ish_handle_scope_close(&scope);
    v8ish_handle_scope_close(&outer);
    v8ish_heap_free(heap);
    ccgc_collector_free(collector);
  }
}
END_TEST

int main(void) {
  Suite *suite = suite_create("lazy sweeping");
  TCase *tc = tcase_create("core");
  tcase_set_timeout(tc, 120);
  tcase_add_test(tc, lazy_sweeping_frees_what_the_pause_would);
  tcase_add_test(tc, allocation_gets_swept_pages_only);
  tcase_add_test(tc, broken_sweeping_allocates_on_unswept_pages);
  tcase_add_test(tc, a_shape_change_sweeps_its_page_first);
  tcase_add_test(tc, young_pages_are_swept_lazily_and_scavenges_run_beside_them);
  tcase_add_test(tc, a_large_object_allocated_while_sweeping_survives_it);
  tcase_add_test(tc, the_first_allocations_after_a_lazy_pause_request_no_collection);
  tcase_add_test(tc, a_large_object_takes_a_dead_large_objects_room_at_the_limit);
  tcase_add_test(tc, scavenges_move_a_lazy_sweep_on_when_only_young_objects_are_allocated);
  tcase_add_test(tc, an_allocation_failing_at_the_hard_limit_asks_for_a_collection);
  tcase_add_test(tc, a_new_hidden_class_at_the_hard_limit_sweeps_first);
  suite_add_tcase(suite, tc);
  return ccgc_test_run(suite);
}
