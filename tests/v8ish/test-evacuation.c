/* test-evacuation.c - the evacuation step of the script heap's compaction
 * (v8ish/evacuation.c, docs/compaction.md): with compaction_threads 1 the
 * owner and a helper share the copies, and the compaction moves the same
 * objects as the owner alone does, every reference right afterwards; the
 * option and its setter are bounded. Labelled concurrent (tests/
 * CMakeLists.txt): it starts threads, so the ThreadSanitizer build runs it. */
#include "ccgc-probe.h"
#include "script-test.h"

#define COUNT 60000 /* about 2 MB of arrays: enough moves for several chunks */
#define KEEP 10     /* one array in KEEP survives, scattered */
#define SURVIVORS (COUNT / KEEP)

/* COUNT fixed arrays [i, i * 3, next survivor] on old pages; one in KEEP
 * stays reachable from the holder, and each survivor points at the one
 * before it (references between moved objects). */
static v8ish_global build(script_world *w) {
  v8ish_handle_scope scope;
  v8ish_handle_scope_open(w->heap, &scope);
  v8ish_local holder = v8ish_fixed_array_new(w->heap, SURVIVORS);
  v8ish_local previous = script_int(w, -1);
  for (int i = 0; i < COUNT; i++) {
    v8ish_local array = v8ish_fixed_array_new(w->heap, 3);
    v8ish_array_set(w->heap, array, 0, script_int(w, i));
    v8ish_array_set(w->heap, array, 1, script_int(w, i * 3));
    if (i % KEEP) continue;
    v8ish_array_set(w->heap, array, 2, previous);
    v8ish_array_set(w->heap, holder, (size_t)(i / KEEP), array);
    previous = array;
  }
  v8ish_global global = v8ish_global_new(w->heap, holder, false);
  v8ish_handle_scope_close(&scope);
  return global;
}

/* The survivors' addresses, in order. */
static void addresses(script_world *w, v8ish_global holder, void **out) {
  v8ish_handle_scope scope;
  v8ish_handle_scope_open(w->heap, &scope);
  v8ish_local h = v8ish_global_get(w->heap, holder);
  for (int k = 0; k < SURVIVORS; k++) {
    v8ish_handle_scope inner;
    v8ish_handle_scope_open(w->heap, &inner);
    out[k] = v8ish_object_address(w->heap, v8ish_array_get(w->heap, h, (size_t)k));
    v8ish_handle_scope_close(&inner);
  }
  v8ish_handle_scope_close(&scope);
}

/* Every survivor reads back, with its link to the one before it. */
static void check(script_world *w, v8ish_global holder) {
  v8ish_handle_scope scope;
  v8ish_handle_scope_open(w->heap, &scope);
  v8ish_local h = v8ish_global_get(w->heap, holder);
  for (int k = 0; k < SURVIVORS; k++) {
    v8ish_handle_scope inner;
    v8ish_handle_scope_open(w->heap, &inner);
    v8ish_local array = v8ish_array_get(w->heap, h, (size_t)k);
    ck_assert_int_eq(v8ish_integer_value(w->heap, v8ish_array_get(w->heap, array, 0)),
                     k * KEEP);
    ck_assert_int_eq(v8ish_integer_value(w->heap, v8ish_array_get(w->heap, array, 1)),
                     k * KEEP * 3);
    v8ish_local link = v8ish_array_get(w->heap, array, 2);
    if (k == 0)
      ck_assert_int_eq(v8ish_integer_value(w->heap, link), -1);
    else
      ck_assert(v8ish_same(w->heap, link,
                           v8ish_array_get(w->heap, h, (size_t)k - 1)));
    v8ish_handle_scope_close(&inner);
  }
  v8ish_handle_scope_close(&scope);
  ck_assert_int_eq(w->errors.count, 0);
}

typedef struct outcome {
  bool moved[SURVIVORS]; /* which survivors the compaction moved */
  ccgc_heap_stats stats;
} outcome;

/* One world with `helpers` compaction threads: build, collect, compact,
 * check every reference. */
static void compact_with(int helpers, outcome *out) {
  script_world w;
  script_world_init_old(&w, 0);
  ck_assert_int_eq(ccgc_collector_set_compaction_threads(w.collector, helpers),
                   CCGC_OK);
  v8ish_global holder = build(&w);
  ck_assert_int_eq(ccgc_collect(w.collector, CCGC_REASON_TESTING), CCGC_OK);
  static void *before[SURVIVORS], *after[SURVIVORS];
  addresses(&w, holder, before);
  ck_assert_int_eq(v8ish_heap_request_compaction(w.heap), CCGC_OK);
  ck_assert_int_eq(ccgc_collect(w.collector, CCGC_REASON_TESTING), CCGC_OK);
  out->stats = script_stats(&w);
  addresses(&w, holder, after);
  for (int k = 0; k < SURVIVORS; k++) out->moved[k] = before[k] != after[k];
  check(&w, holder);
  /* The next collection (the verifier on) still finds every object. */
  ck_assert_int_eq(ccgc_collect(w.collector, CCGC_REASON_TESTING), CCGC_OK);
  ccgc_verify_report report;
  ck_assert_msg(ccgc_collector_verify_heap(w.collector, &report), "%s",
                report.first_error);
  check(&w, holder);
  script_world_free(&w);
}

START_TEST(two_threads_move_the_same_objects_as_one) {
  static outcome alone, shared;
  compact_with(0, &alone);
  compact_with(1, &shared);
  ck_assert_uint_gt(alone.stats.evacuated_objects, SURVIVORS / 2);
  ck_assert_uint_eq(alone.stats.evacuation_threads, 1);
  /* The helper joins if it is scheduled before the owner is done. */
  ck_assert_uint_ge(shared.stats.evacuation_threads, 1);
  ck_assert_uint_le(shared.stats.evacuation_threads, 2);
  ck_assert_uint_eq(shared.stats.evacuated_pages, alone.stats.evacuated_pages);
  ck_assert_uint_eq(shared.stats.evacuated_bytes, alone.stats.evacuated_bytes);
  ck_assert_uint_eq(shared.stats.evacuated_objects, alone.stats.evacuated_objects);
  ck_assert_uint_eq(shared.stats.used_bytes, alone.stats.used_bytes);
  ck_assert_uint_eq(shared.stats.committed_bytes, alone.stats.committed_bytes);
  for (int k = 0; k < SURVIVORS; k++)
    ck_assert_msg(shared.moved[k] == alone.moved[k], "survivor %d", k);
}
END_TEST

/* Several helpers, several compactions of one heap: each compaction's
 * references are right (the verifier runs in every collection). */
START_TEST(repeated_compactions_with_helpers_keep_every_reference) {
  script_world w;
  script_world_init_old(&w, 0);
  ck_assert_int_eq(ccgc_collector_set_compaction_threads(w.collector, 3), CCGC_OK);
  v8ish_global holder = build(&w);
  for (int round = 0; round < 3; round++) {
    ck_assert_int_eq(v8ish_heap_request_compaction(w.heap), CCGC_OK);
    ck_assert_int_eq(ccgc_collect(w.collector, CCGC_REASON_TESTING), CCGC_OK);
    check(&w, holder);
    /* More garbage between the survivors for the next round. */
    v8ish_global more = build(&w);
    v8ish_global_free(w.heap, more);
  }
  ck_assert_uint_gt(script_stats(&w).evacuated_objects, 0);
  script_world_free(&w);
}
END_TEST

/* The objects_moved event (v8ish_compactor_announce_moves): a probe on a
 * survivor that moves follows it and is not collected; a probe on an
 * object that dies in the compacting collection is. */
START_TEST(probes_follow_a_compaction) {
  script_world w;
  script_world_init_old(&w, 0);
  v8ish_global holder = build(&w);
  v8ish_global trash = build(&w);
  /* Candidates are chosen by the live bytes their last sweep found. */
  ck_assert_int_eq(ccgc_collect(w.collector, CCGC_REASON_TESTING), CCGC_OK);
  void *survivor = NULL, *dead = NULL;
  {
    v8ish_handle_scope scope;
    v8ish_handle_scope_open(w.heap, &scope);
    v8ish_local h = v8ish_global_get(w.heap, holder);
    survivor = v8ish_object_address(w.heap, v8ish_array_get(w.heap, h, SURVIVORS - 1));
    v8ish_local t = v8ish_global_get(w.heap, trash);
    dead = v8ish_object_address(w.heap, v8ish_array_get(w.heap, t, SURVIVORS - 1));
    v8ish_handle_scope_close(&scope);
  }
  ccgc_probe *kept = ccgc_probe_new(w.collector, survivor, "kept");
  ck_assert_ptr_nonnull(kept);
  ccgc_probe *gone = ccgc_probe_new(w.collector, dead, "gone");
  ck_assert_ptr_nonnull(gone);
  v8ish_global_free(w.heap, trash); /* dies in the compacting collection */
  ck_assert_int_eq(v8ish_heap_request_compaction(w.heap), CCGC_OK);
  ck_assert_int_eq(ccgc_collect(w.collector, CCGC_REASON_TESTING), CCGC_OK);
  void *now = NULL;
  {
    v8ish_handle_scope scope;
    v8ish_handle_scope_open(w.heap, &scope);
    v8ish_local h = v8ish_global_get(w.heap, holder);
    now = v8ish_object_address(w.heap, v8ish_array_get(w.heap, h, SURVIVORS - 1));
    v8ish_handle_scope_close(&scope);
  }
  ck_assert_ptr_ne(now, survivor); /* it moved */
  ck_assert(!ccgc_probe_collected(kept));
  ck_assert_ptr_eq(ccgc_probe_address(kept), now);
  ck_assert(ccgc_probe_collected(gone));
  ccgc_probe_free(w.collector, kept);
  ccgc_probe_free(w.collector, gone);
  check(&w, holder);
  script_world_free(&w);
}
END_TEST

START_TEST(compaction_threads_are_bounded) {
  ccgc_collector_options options = {.compaction_threads = 9};
  ck_assert_ptr_null(ccgc_collector_new(&options));
  options.compaction_threads = -1;
  ck_assert_ptr_null(ccgc_collector_new(&options));
  options.compaction_threads = 8;
  ccgc_collector *collector = ccgc_collector_new(&options);
  ck_assert_ptr_nonnull(collector);
  ccgc_test_errors errors;
  ccgc_test_capture_errors(collector, &errors);
  ck_assert_int_eq(ccgc_collector_set_compaction_threads(collector, 9),
                   CCGC_E_INVALID_ARGUMENT);
  ck_assert_int_eq(ccgc_collector_set_compaction_threads(collector, -1),
                   CCGC_E_INVALID_ARGUMENT);
  ck_assert_uint_eq(errors.count, 2);
  ck_assert_int_eq(ccgc_collector_set_compaction_threads(collector, 0), CCGC_OK);
  ccgc_collector_free(collector);
}
END_TEST

int main(void) {
  Suite *suite = suite_create("v8ish-evacuation");
  TCase *tc = tcase_create("core");
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, two_threads_move_the_same_objects_as_one);
  tcase_add_test(tc, repeated_compactions_with_helpers_keep_every_reference);
  tcase_add_test(tc, probes_follow_a_compaction);
  tcase_add_test(tc, compaction_threads_are_bounded);
  suite_add_tcase(suite, tc);
  return ccgc_test_run(suite);
}
