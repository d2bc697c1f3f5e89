/* test-minor-during-concurrent-sweeping.c - minor collections while the old
 * generation is swept lazily or concurrently (minor-cycle.c, docs/sweeping.md
 * "Scavenges while sweeping"): the scavenge leaves sweeping pending, keeps
 * every live young object, promotes into swept memory only, skips stale
 * traced references (.inv.stale-traced-skipped), and the statistics after
 * sweeping completes equal those of the old way (everything swept first).
 * Run by the ThreadSanitizer build (label concurrent). */
#include <check.h>

#include "../v8ish/sweeping-world.h"
#include "ccgc-testing.h"

enum { COUNT = 20000, ELEMENTS = 6, KEEP = 5, YOUNG = 3000 };

/* Young arrays stored into live old arrays (remembered slots) and into a
 * handle; each holds -(its index) - 1. */
static void store_young(script_world *w, v8ish_global kept_global) {
  v8ish_handle_scope scope;
  v8ish_handle_scope_open(w->heap, &scope);
  v8ish_local kept = v8ish_global_get(w->heap, kept_global);
  for (int i = 0; i < YOUNG; i++) {
    v8ish_handle_scope inner;
    v8ish_handle_scope_open(w->heap, &inner);
    v8ish_local young = v8ish_fixed_array_new(w->heap, 2);
    v8ish_array_set(w->heap, young, 0, v8ish_integer(w->heap, -i - 1));
    v8ish_local old = v8ish_array_get(w->heap, kept, (size_t)i);
    v8ish_array_set(w->heap, old, 1, young);
    v8ish_handle_scope_close(&inner);
  }
  v8ish_handle_scope_close(&scope);
}

static void check_young(script_world *w, v8ish_global kept_global) {
  v8ish_handle_scope scope;
  v8ish_handle_scope_open(w->heap, &scope);
  v8ish_local kept = v8ish_global_get(w->heap, kept_global);
  for (int i = 0; i < YOUNG; i++) {
    v8ish_local old = v8ish_array_get(w->heap, kept, (size_t)i);
    v8ish_local young = v8ish_array_get(w->heap, old, 1);
    ck_assert_int_eq(
        v8ish_integer_value(w->heap, v8ish_array_get(w->heap, young, 0)),
        -i - 1);
  }
  v8ish_handle_scope_close(&scope);
}

/* The program; returns the heap's statistics once swept. */
static ccgc_heap_stats run_program(ccgc_sweeping_mode mode, bool sweep_first) {
  script_world w;
  sweeping_world_init(&w, mode, 2, true);
  ccgc_collector_sweep_before_scavenge(w.collector, sweep_first);
  v8ish_global kept = sweeping_fill(&w, COUNT, ELEMENTS, KEEP);
  ccgc_collect(w.collector, CCGC_REASON_TESTING);
  ck_assert_int_eq(ccgc_collector_state(w.collector), CCGC_STATE_SWEEPING);
  store_young(&w, kept);
  /* Two scavenges: the first copies, the second promotes. */
  for (int round = 0; round < 2; round++) {
    unsigned long minors = ccgc_collector_minor_count(w.collector);
    ck_assert_int_eq(ccgc_collect_minor(w.collector, CCGC_REASON_TESTING),
                     CCGC_OK);
    ck_assert_uint_eq(ccgc_collector_minor_count(w.collector), minors + 1);
    ck_assert(ccgc_collector_last_minor(w.collector)->during_sweeping ==
              !sweep_first);
    /* The new way leaves sweeping pending: lazily at least, the heap's
     * pages are not all swept. */
    if (!sweep_first && mode == CCGC_SWEEP_LAZY)
      ck_assert_int_eq(ccgc_collector_state(w.collector), CCGC_STATE_SWEEPING);
    if (sweep_first)
      ck_assert_int_eq(ccgc_collector_state(w.collector), CCGC_STATE_IDLE);
    check_young(&w, kept);
    sweeping_check(&w, kept, COUNT, KEEP);
  }
  const ccgc_minor_stats *minor = ccgc_collector_last_minor(w.collector);
  ck_assert_uint_gt(minor->promoted_objects, 0);
  /* The promoted objects survive the pending sweep of their pages. */
  ck_assert_int_eq(ccgc_collector_finish_sweeping(w.collector), CCGC_OK);
  ck_assert_int_eq(ccgc_collector_state(w.collector), CCGC_STATE_IDLE);
  check_young(&w, kept);
  sweeping_check(&w, kept, COUNT, KEEP);
  ccgc_verify_report report;
  ck_assert_msg(ccgc_collector_verify_heap(w.collector, &report), "%s",
                report.first_error);
  ccgc_heap_stats stats = script_stats(&w);
  /* And a full cycle over the result. */
  ccgc_test_collect_verified(w.collector);
  ccgc_collector_finish_sweeping(w.collector);
  check_young(&w, kept);
  v8ish_global_free(w.heap, kept);
  script_world_free(&w);
  return stats;
}

static void same_stats(ccgc_heap_stats a, ccgc_heap_stats b) {
  ck_assert_uint_eq(a.used_bytes, b.used_bytes);
  ck_assert_uint_eq(a.object_count, b.object_count);
}

START_TEST(a_scavenge_during_lazy_sweeping_keeps_the_live_and_the_counts) {
  same_stats(run_program(CCGC_SWEEP_LAZY, false),
             run_program(CCGC_SWEEP_LAZY, true));
}
END_TEST

START_TEST(a_scavenge_during_concurrent_sweeping_keeps_the_live_and_the_counts) {
  same_stats(run_program(CCGC_SWEEP_CONCURRENT, false),
             run_program(CCGC_SWEEP_CONCURRENT, true));
}
END_TEST

/* Once a scavenge's promotion has swept the script heap's last pages
 * (v8ish_minor_release sweeps a few per scavenge), the sweeper threads are
 * not started again (a heap's sweep_done: nothing is left for them), while
 * sweeping stays pending for the host's step as before. Before, every
 * scavenge until then parked and started them. */
START_TEST(sweeper_threads_are_not_started_again_with_nothing_left) {
  script_world w;
  sweeping_world_init(&w, CCGC_SWEEP_CONCURRENT, 1, true);
  v8ish_global kept = sweeping_fill(&w, COUNT, ELEMENTS, KEEP);
  ck_assert_int_eq(ccgc_collect(w.collector, CCGC_REASON_TESTING), CCGC_OK);
  ck_assert_int_eq(ccgc_collector_state(w.collector), CCGC_STATE_SWEEPING);
  int scavenges = 0;
  while (w.heap->sweep.active && scavenges < 1000) {
    ck_assert_int_eq(ccgc_collect_minor(w.collector, CCGC_REASON_TESTING),
                     CCGC_OK);
    scavenges++;
  }
  ck_assert(!w.heap->sweep.active);
  ck_assert(!ccgc_collector_sweepers_running(w.collector));
  ck_assert_int_eq(ccgc_collect_minor(w.collector, CCGC_REASON_TESTING), CCGC_OK);
  ck_assert(ccgc_collector_last_minor(w.collector)->during_sweeping);
  ck_assert_int_eq(ccgc_collector_state(w.collector), CCGC_STATE_SWEEPING);
  ck_assert(!ccgc_collector_sweepers_running(w.collector));
  /* The host's step completes it. */
  ck_assert(ccgc_sweep_step(w.collector, 0));
  ck_assert_int_eq(ccgc_collector_state(w.collector), CCGC_STATE_IDLE);
  ck_assert(ccgc_collector_last_cycle(w.collector)->sweeping_complete);
  sweeping_check(&w, kept, COUNT, KEEP);
  v8ish_global_free(w.heap, kept);
  script_world_free(&w);
}
END_TEST

/* A traced reference stored before the pause whose value (as a dead DOM
 * holder's may, once its target's memory is reused) now points at a young
 * object: the scavenge does not take it as a root, so the young object,
 * referenced from nowhere else, is freed. Broken, it survives. */
static bool stale_target_survives(ccgc_sweeping_mode mode, bool broken) {
  script_world w;
  sweeping_world_init(&w, mode, 2, true);
  ccgc_collector_break_scavenge_sweeping(w.collector, broken);
  v8ish_global kept = sweeping_fill(&w, COUNT, ELEMENTS, KEEP);
  v8ish_handle_scope scope;
  v8ish_handle_scope_open(w.heap, &scope);
  v8ish_traced *traced = v8ish_traced_make(
      w.heap, v8ish_global_get(w.heap, kept), false, "test");
  ck_assert_ptr_nonnull(traced);
  v8ish_handle_scope_close(&scope);
  ccgc_collect(w.collector, CCGC_REASON_TESTING);
  ck_assert_int_eq(ccgc_collector_state(w.collector), CCGC_STATE_SWEEPING);

  v8ish_handle_scope_open(w.heap, &scope);
  v8ish_local young = v8ish_fixed_array_new(w.heap, 2);
  v8ish_global weak = v8ish_global_new(w.heap, young, true);
  /* The stale value, written behind the API's back (no epoch). */
  traced_slot *slot = ccgc_handle_get(&w.heap->traced, traced, "test", "t");
  ck_assert_ptr_nonnull(slot);
  __atomic_store_n(&slot->value, v8ish_tag(v8ish_object_address(w.heap, young)),
                   __ATOMIC_RELEASE);
  v8ish_handle_scope_close(&scope);

  ck_assert_int_eq(ccgc_collect_minor(w.collector, CCGC_REASON_TESTING),
                   CCGC_OK);
  bool survived = !v8ish_global_is_empty_slot(w.heap, weak);
  ck_assert_int_eq(ccgc_collector_finish_sweeping(w.collector), CCGC_OK);
  v8ish_traced_release(w.heap, traced, "test", "t");
  v8ish_global_free(w.heap, weak);
  v8ish_global_free(w.heap, kept);
  script_world_free(&w);
  return survived;
}

START_TEST(a_young_object_held_only_by_a_stale_traced_reference_is_freed) {
  ck_assert(!stale_target_survives(CCGC_SWEEP_LAZY, false));
  ck_assert(!stale_target_survives(CCGC_SWEEP_CONCURRENT, false));
  /* The switch shows the test sees the filter. */
  ck_assert(stale_target_survives(CCGC_SWEEP_LAZY, true));
}
END_TEST

START_TEST(the_old_way_can_be_forced) {
  script_world w;
  sweeping_world_init(&w, CCGC_SWEEP_LAZY, 1, true);
  ccgc_collector_sweep_before_scavenge(w.collector, true);
  v8ish_global kept = sweeping_fill(&w, COUNT / 4, ELEMENTS, KEEP);
  ccgc_collect(w.collector, CCGC_REASON_TESTING);
  ck_assert_int_eq(ccgc_collector_state(w.collector), CCGC_STATE_SWEEPING);
  ck_assert_int_eq(ccgc_collect_minor(w.collector, CCGC_REASON_TESTING),
                   CCGC_OK);
  ck_assert_int_eq(ccgc_collector_state(w.collector), CCGC_STATE_IDLE);
  ccgc_collector_sweep_before_scavenge(w.collector, false);
  ccgc_collect(w.collector, CCGC_REASON_TESTING);
  ck_assert_int_eq(ccgc_collect_minor(w.collector, CCGC_REASON_TESTING),
                   CCGC_OK);
  ck_assert_int_eq(ccgc_collector_state(w.collector), CCGC_STATE_SWEEPING);
  ck_assert_int_eq(ccgc_collector_finish_sweeping(w.collector), CCGC_OK);
  v8ish_global_free(w.heap, kept);
  script_world_free(&w);
}
END_TEST

int main(void) {
  Suite *suite = suite_create("minor collections during sweeping");
  TCase *tc = tcase_create("core");
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, a_scavenge_during_lazy_sweeping_keeps_the_live_and_the_counts);
  tcase_add_test(tc,
                 a_scavenge_during_concurrent_sweeping_keeps_the_live_and_the_counts);
  tcase_add_test(tc, a_young_object_held_only_by_a_stale_traced_reference_is_freed);
  tcase_add_test(tc, the_old_way_can_be_forced);
  tcase_add_test(tc, sweeper_threads_are_not_started_again_with_nothing_left);
  suite_add_tcase(suite, tc);
  return ccgc_test_run(suite);
}
