/* test-fast-promotion.c - fast promotion (ccgc_heap_options.fast_promotion,
 * docs/script-heap.md "Fast promotion"): after a scavenge of a full
 * semi-space that kept nine tenths of its bytes, the next scavenges (three
 * in a row at most) make every young page old where it is - nothing moves,
 * every value reads back, the nursery is empty after - and then a copying
 * one measures again; a low survival rate ends it; never with
 * CCGC_FAST_PROMOTION_NEVER, nor while a marking cycle runs; what it
 * promoted dead goes in the next full collection; weak globals and
 * finalization targets on promoted pages behave as in any promotion; a bad
 * option value is refused. */
#include "script-test.h"

#include "ccgc-events.h"

#define ELEMENTS 14 /* 128-byte arrays */

typedef struct minor_log {
  unsigned count, fast;
  bool last_fast;
} minor_log;

static void on_minor_end(void *data, const ccgc_minor_stats *stats) {
  minor_log *log = data;
  log->count++;
  log->fast += stats->fast_promotion;
  log->last_fast = stats->fast_promotion;
}

static const ccgc_event_listener listener = {.minor_end = on_minor_end};

static void world_with(script_world *w, minor_log *log, int mode) {
  v8ish_heap_options options = {.young_min_bytes = 1 << 20,
                                .young_max_bytes = 1 << 20,
                                .fast_promotion = mode};
  script_world_init_with(w, &options);
  *log = (minor_log){0};
  ck_assert_int_eq(ccgc_collector_add_listener(w->collector, &listener, log), CCGC_OK);
}

/* Allocates about `bytes` of arrays, element 0 its index, every one kept
 * in `keep` (a global FixedArray) from `from` on if keep_all, else one in
 * 32; safepoints run the scavenges the nursery asks for. Returns the next
 * index. */
static size_t fill(script_world *w, v8ish_global keep, size_t from,
                   size_t bytes, bool keep_all) {
  size_t count = bytes / ((2 + ELEMENTS) * 8);
  for (size_t i = from; i < from + count; i++) {
    v8ish_handle_scope scope;
    v8ish_handle_scope_open(w->heap, &scope);
    v8ish_local array = v8ish_fixed_array_new(w->heap, ELEMENTS);
    ck_assert(!v8ish_local_is_empty(array));
    v8ish_array_set(w->heap, array, 0, v8ish_integer(w->heap, (intptr_t)i));
    if (keep_all || i % 32 == 0)
      ck_assert_int_eq(v8ish_array_set(w->heap, v8ish_global_get(w->heap, keep),
                                       i, array),
                       CCGC_OK);
    v8ish_handle_scope_close(&scope);
    ccgc_collector_safepoint(w->collector);
  }
  return from + count;
}

static v8ish_global new_keep(script_world *w, size_t length) {
  v8ish_handle_scope scope;
  v8ish_handle_scope_open(w->heap, &scope);
  v8ish_local keep = v8ish_fixed_array_new(w->heap, length);
  ck_assert(!v8ish_local_is_empty(keep));
  v8ish_global global = v8ish_global_new(w->heap, keep, false);
  v8ish_handle_scope_close(&scope);
  return global;
}

/* Every kept array below `to` reads back its index. */
static void check_kept(script_world *w, v8ish_global keep, size_t to,
                       bool all) {
  v8ish_handle_scope scope;
  v8ish_handle_scope_open(w->heap, &scope);
  v8ish_local list = v8ish_global_get(w->heap, keep);
  for (size_t i = 0; i < to; i++) {
    if (!all && i % 32) continue;
    v8ish_local array = v8ish_array_get(w->heap, list, i);
    ck_assert_int_eq(v8ish_integer_value(w->heap, v8ish_array_get(w->heap, array, 0)),
                     (intptr_t)i);
  }
  v8ish_handle_scope_close(&scope);
}

static size_t young_used(script_world *w) {
  ccgc_heap_stats stats = script_stats(w);
  return stats.young_used_bytes;
}

START_TEST(high_survival_promotes_the_next_scavenges_in_place) {
  script_world w;
  minor_log log;
  world_with(&w, &log, CCGC_FAST_PROMOTION_AUTO);
  v8ish_global keep = new_keep(&w, 60000);
  /* A full semi-space, all of it kept: a copying scavenge that kept it. */
  size_t next = fill(&w, keep, 0, 1100 << 10, true);
  ck_assert_uint_ge(log.count, 1);
  ck_assert_uint_eq(log.fast, 0);
  unsigned copying = log.count;
  /* The next ones promote in place: an address taken before one is the
   * same after it, and the nursery is empty after it. */
  v8ish_handle_scope scope;
  v8ish_handle_scope_open(w.heap, &scope);
  v8ish_local probe = v8ish_fixed_array_new(w.heap, 2);
  void *before = v8ish_object_address(w.heap, probe);
  ck_assert_int_eq(ccgc_collect_minor(w.collector, CCGC_REASON_TESTING), CCGC_OK);
  ck_assert(log.last_fast);
  ck_assert_ptr_eq(v8ish_object_address(w.heap, probe), before);
  ck_assert_uint_eq(young_used(&w), 0);
  v8ish_handle_scope_close(&scope);
  check_kept(&w, keep, next, true);
  /* Three in a row at most, then a copying one measures again. */
  next = fill(&w, keep, next, 6000 << 10, true);
  ck_assert_uint_gt(log.count, copying + 3);
  ck_assert_uint_lt(log.fast, log.count - copying);
  ck_assert_uint_ge(log.fast, 3);
  check_kept(&w, keep, next, true);
  /* Low survival ends it: garbage, a copying scavenge, no fast one. */
  unsigned fast = log.fast;
  v8ish_global scratch = new_keep(&w, 60000);
  fill(&w, scratch, 0, 4000 << 10, false);
  ck_assert_uint_le(log.fast, fast + 3);
  unsigned settled = log.fast;
  fill(&w, scratch, 0, 4000 << 10, false);
  ck_assert_uint_eq(log.fast, settled);
  check_kept(&w, keep, next, true);
  ccgc_test_collect_verified(w.collector);
  check_kept(&w, keep, next, true);
  ck_assert_uint_eq(w.errors.count, 0);
  v8ish_global_free(w.heap, scratch);
  v8ish_global_free(w.heap, keep);
  script_world_free(&w);
}
END_TEST

START_TEST(never_and_during_marking_it_copies) {
  for (int mode = 0; mode < 2; mode++) {
    script_world w;
    minor_log log;
    world_with(&w, &log, mode ? CCGC_FAST_PROMOTION_ALWAYS : CCGC_FAST_PROMOTION_NEVER);
    v8ish_global keep = new_keep(&w, 60000);
    if (mode) /* always, but a marking cycle runs */
      ck_assert_int_eq(ccgc_incremental_start(w.collector, CCGC_REASON_TESTING), CCGC_OK);
    size_t next = fill(&w, keep, 0, 5000 << 10, true);
    v8ish_handle_scope scope;
    v8ish_handle_scope_open(w.heap, &scope);
    v8ish_local probe = v8ish_fixed_array_new(w.heap, 2);
    void *before = v8ish_object_address(w.heap, probe);
    ck_assert_int_eq(ccgc_collect_minor(w.collector, CCGC_REASON_TESTING), CCGC_OK);
    ck_assert_ptr_ne(v8ish_object_address(w.heap, probe), before);
    v8ish_handle_scope_close(&scope);
    ck_assert_uint_gt(log.count, 3);
    ck_assert_uint_eq(log.fast, 0);
    if (mode) {
      ck_assert_int_eq(ccgc_incremental_finish(w.collector), CCGC_OK);
      /* Outside marking, always promotes in place. */
      ck_assert_int_eq(ccgc_collect_minor(w.collector, CCGC_REASON_TESTING), CCGC_OK);
      ck_assert(log.last_fast);
    }
    check_kept(&w, keep, next, true);
    ck_assert_uint_eq(w.errors.count, 0);
    v8ish_global_free(w.heap, keep);
    script_world_free(&w);
  }
}
END_TEST

/* What a fast promotion made old dead goes in the next full collection; a
 * weak global to a promoted object stays set while it lives and is cleared
 * when a full collection finds it dead. */
START_TEST(promoted_garbage_and_weak_targets_go_in_the_next_full_collection) {
  script_world w;
  minor_log log;
  world_with(&w, &log, CCGC_FAST_PROMOTION_ALWAYS);
  ccgc_test_collect_verified(w.collector);
  size_t base = script_stats(&w).used_bytes;
  v8ish_handle_scope scope;
  v8ish_handle_scope_open(w.heap, &scope);
  v8ish_local target = v8ish_object_new(w.heap);
  v8ish_global weak = v8ish_global_new(w.heap, target, true);
  for (int i = 0; i < 2000; i++) v8ish_fixed_array_new(w.heap, ELEMENTS);
  v8ish_handle_scope_close(&scope);
  ck_assert_int_eq(ccgc_collect_minor(w.collector, CCGC_REASON_TESTING), CCGC_OK);
  ck_assert(log.last_fast);
  ck_assert(!v8ish_global_is_empty_slot(w.heap, weak));
  ck_assert_uint_gt(script_stats(&w).used_bytes, base + 200000);
  ccgc_test_collect_verified(w.collector);
  ck_assert(v8ish_global_is_empty_slot(w.heap, weak));
  ck_assert_uint_lt(script_stats(&w).used_bytes, base + 20000);
  ck_assert_uint_eq(w.errors.count, 0);
  v8ish_global_free(w.heap, weak);
  script_world_free(&w);
}
END_TEST

START_TEST(a_bad_value_is_refused) {
  ccgc_collector *collector = ccgc_collector_new(NULL);
  ccgc_test_errors errors;
  ccgc_test_capture_errors(collector, &errors);
  v8ish_heap_options options = {.fast_promotion = 3};
  ck_assert_ptr_null(v8ish_heap_new(collector, &options));
  ck_assert_int_eq(errors.last_code, CCGC_E_INVALID_ARGUMENT);
  ck_assert_ptr_nonnull(strstr(errors.last_message, "fast_promotion 3"));
  ccgc_collector_free(collector);
}
END_TEST

int main(void) {
  Suite *suite = suite_create("v8ish/fast-promotion");
  TCase *tc = tcase_create("core");
  tcase_set_timeout(tc, 120);
  tcase_add_test(tc, high_survival_promotes_the_next_scavenges_in_place);
  tcase_add_test(tc, never_and_during_marking_it_copies);
  tcase_add_test(tc, promoted_garbage_and_weak_targets_go_in_the_next_full_collection);
  tcase_add_test(tc, a_bad_value_is_refused);
  suite_add_tcase(suite, tc);
  return ccgc_test_run(suite);
}
