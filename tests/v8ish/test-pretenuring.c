/* test-pretenuring.c - v8ish/pretenuring.c: allocation sites (the class an
 * object is allocated with: here the wrapper classes "Kept" and "Dropped")
 * whose young instances survive their first scavenge have their new
 * instances allocated old (docs/script-heap.md "Pretenuring"). The
 * semi-space is fixed at 1 MiB (young_min = young_max), so every scavenge
 * is one of a semi-space at its maximum, which the automatic policy
 * requires. */
#include "script-test.h"

#define SEMI ((size_t)1 << 20)

static void world_with(script_world *w, int pretenuring) {
  v8ish_heap_options options = {.young_min_bytes = SEMI, .young_max_bytes = SEMI,
                                .pretenuring = pretenuring};
  script_world_init_with(w, &options);
}

/* n wrappers of class Kept, each given a property (its shape moves on from
 * the site's class), held by a strong global array, so they all survive;
 * returns the array's global. */
static v8ish_global make_kept(script_world *w, int n) {
  v8ish_handle_scope scope;
  v8ish_handle_scope_open(w->heap, &scope);
  v8ish_local array = v8ish_array_new(w->heap);
  for (int i = 0; i < n; i++) {
    v8ish_local o = v8ish_wrapper_new(w->heap, "Kept");
    ck_assert_int_eq(v8ish_object_set(w->heap, o, "kept", script_int(w, i)), CCGC_OK);
    ck_assert_int_eq(v8ish_array_push(w->heap, array, o), CCGC_OK);
  }
  v8ish_global global = v8ish_global_new(w->heap, array, false);
  v8ish_handle_scope_close(&scope);
  return global;
}

/* n wrappers of class Dropped that nothing holds. */
static void make_dropped(script_world *w, int n) {
  for (int i = 0; i < n; i++) {
    v8ish_handle_scope scope;
    v8ish_handle_scope_open(w->heap, &scope);
    v8ish_local o = v8ish_wrapper_new(w->heap, "Dropped");
    v8ish_object_set(w->heap, o, "dropped", script_int(w, i));
    v8ish_handle_scope_close(&scope);
  }
}

/* Allocates one wrapper of class `name`; returns whether it went old
 * (pretenured) rather than young. */
static bool next_is_old(script_world *w, const char *name) {
  ccgc_heap_stats before = script_stats(w);
  v8ish_handle_scope scope;
  v8ish_handle_scope_open(w->heap, &scope);
  v8ish_local o = v8ish_wrapper_new(w->heap, name);
  ck_assert(!v8ish_local_is_empty(o));
  v8ish_handle_scope_close(&scope);
  ccgc_heap_stats after = script_stats(w);
  return after.pretenured_objects > before.pretenured_objects;
}

START_TEST(surviving_shape_is_pretenured_after_a_scavenge) {
  script_world w;
  world_with(&w, CCGC_PRETENURING_AUTO);
  make_dropped(&w, 10);
  v8ish_global kept = make_kept(&w, 500);
  ck_assert(!next_is_old(&w, "Kept")); /* no scavenge yet: nothing decided */
  ck_assert_int_eq(script_stats(&w).pretenured_classes, 0);
  ck_assert_int_eq(ccgc_collect_minor(w.collector, CCGC_REASON_TESTING), CCGC_OK);
  ck_assert_uint_ge(ccgc_collector_last_minor(w.collector)->pretenured_classes, 1);
  ck_assert_uint_ge(script_stats(&w).pretenured_classes, 1);
  /* The next Kept is allocated old; Dropped had no survivor. */
  ck_assert(next_is_old(&w, "Kept"));
  ck_assert(!next_is_old(&w, "Dropped"));
  /* Old objects pretenured: the heap stays sound through collections. */
  v8ish_global more = make_kept(&w, 200);
  ck_assert_int_eq(ccgc_collect_minor(w.collector, CCGC_REASON_TESTING), CCGC_OK);
  ck_assert_int_eq(ccgc_collect(w.collector, CCGC_REASON_TESTING), CCGC_OK);
  ck_assert_uint_ge(script_stats(&w).pretenured_objects, 200);
  v8ish_global_free(w.heap, more);
  v8ish_global_free(w.heap, kept);
  script_world_free(&w);
}
END_TEST

START_TEST(dying_shape_stays_young) {
  script_world w;
  world_with(&w, CCGC_PRETENURING_AUTO);
  /* 2000 Dropped die, 5 Kept are too few to decide anything. */
  make_dropped(&w, 2000);
  v8ish_global kept = make_kept(&w, 5);
  ck_assert_int_eq(ccgc_collect_minor(w.collector, CCGC_REASON_TESTING), CCGC_OK);
  ck_assert_int_eq(script_stats(&w).pretenured_classes, 0);
  ck_assert(!next_is_old(&w, "Kept"));
  ck_assert(!next_is_old(&w, "Dropped"));
  v8ish_global_free(w.heap, kept);
  script_world_free(&w);
}
END_TEST

START_TEST(never_keeps_every_object_young) {
  script_world w;
  world_with(&w, CCGC_PRETENURING_NEVER);
  v8ish_global kept = make_kept(&w, 500);
  ck_assert_int_eq(ccgc_collect_minor(w.collector, CCGC_REASON_TESTING), CCGC_OK);
  ck_assert_int_eq(script_stats(&w).pretenured_classes, 0);
  ck_assert(!next_is_old(&w, "Kept"));
  v8ish_global_free(w.heap, kept);
  script_world_free(&w);
}
END_TEST

/* A young target stored into a pretenured (old) object is found through the
 * remembered set: it survives the scavenge and the field follows it. */
START_TEST(pretenured_object_keeps_its_young_target) {
  script_world w;
  world_with(&w, CCGC_PRETENURING_ALWAYS);
  v8ish_global kept = make_kept(&w, 10);
  ck_assert_int_eq(ccgc_collect_minor(w.collector, CCGC_REASON_TESTING), CCGC_OK);
  v8ish_handle_scope scope;
  v8ish_handle_scope_open(w.heap, &scope);
  ccgc_heap_stats before = script_stats(&w);
  v8ish_local holder = v8ish_wrapper_new(w.heap, "Kept");
  ck_assert_uint_gt(script_stats(&w).pretenured_objects, before.pretenured_objects);
  v8ish_global root = v8ish_global_new(w.heap, holder, false);
  v8ish_local target = script_string(&w, "young target");
  v8ish_object_set(w.heap, holder, "target", target);
  v8ish_handle_scope_close(&scope);
  ck_assert_int_eq(ccgc_collect_minor(w.collector, CCGC_REASON_TESTING), CCGC_OK);
  ck_assert_int_eq(ccgc_collect_minor(w.collector, CCGC_REASON_TESTING), CCGC_OK);
  v8ish_handle_scope_open(w.heap, &scope);
  v8ish_local value = v8ish_object_get(w.heap, v8ish_global_get(w.heap, root), "target");
  char text[32] = {0};
  ck_assert_uint_eq(v8ish_string_copy(w.heap, value, text, sizeof text), 12);
  ck_assert_str_eq(text, "young target");
  v8ish_handle_scope_close(&scope);
  ck_assert(ccgc_collector_verify_heap(w.collector, NULL));
  v8ish_global_free(w.heap, root);
  v8ish_global_free(w.heap, kept);
  script_world_free(&w);
}
END_TEST

/* ALWAYS decides the allocation sites only: a FixedArray, a DoubleArray and
 * a boxed number that survive are allocated without a site, so no class is
 * counted for them and their kinds stay young; a wrapper class is decided. */
START_TEST(always_decides_allocation_sites_only) {
  script_world w;
  world_with(&w, CCGC_PRETENURING_ALWAYS);
  v8ish_handle_scope scope;
  v8ish_handle_scope_open(w.heap, &scope);
  v8ish_global held[3] = {
      v8ish_global_new(w.heap, v8ish_fixed_array_new(w.heap, 10), false),
      v8ish_global_new(w.heap, v8ish_double_array_new(w.heap, 10), false),
      v8ish_global_new(w.heap, v8ish_number_new(w.heap, 1.5), false)};
  v8ish_handle_scope_close(&scope);
  ck_assert_int_eq(ccgc_collect_minor(w.collector, CCGC_REASON_TESTING), CCGC_OK);
  ccgc_heap_stats stats = script_stats(&w);
  ck_assert_uint_eq(stats.pretenured_classes, 0);
  v8ish_handle_scope_open(w.heap, &scope);
  ck_assert(!v8ish_local_is_empty(v8ish_fixed_array_new(w.heap, 100)));
  ck_assert(!v8ish_local_is_empty(v8ish_number_new(w.heap, 2.5)));
  v8ish_handle_scope_close(&scope);
  ck_assert_uint_eq(script_stats(&w).pretenured_objects, stats.pretenured_objects);
  ck_assert_uint_gt(script_stats(&w).young_used_bytes, stats.young_used_bytes);
  v8ish_global kept = make_kept(&w, 1);
  ck_assert_int_eq(ccgc_collect_minor(w.collector, CCGC_REASON_TESTING), CCGC_OK);
  ck_assert_uint_ge(script_stats(&w).pretenured_classes, 1);
  ck_assert(next_is_old(&w, "Kept"));
  for (int i = 0; i < 3; i++) v8ish_global_free(w.heap, held[i]);
  v8ish_global_free(w.heap, kept);
  script_world_free(&w);
}
END_TEST

/* A memory-reducing collection undoes every decision (V8 resets its
 * allocation sites under memory pressure). */
START_TEST(memory_reducing_collection_undoes_decisions) {
  script_world w;
  world_with(&w, CCGC_PRETENURING_AUTO);
  v8ish_global kept = make_kept(&w, 500);
  ck_assert_int_eq(ccgc_collect_minor(w.collector, CCGC_REASON_TESTING), CCGC_OK);
  ck_assert_uint_ge(script_stats(&w).pretenured_classes, 1);
  ck_assert_int_eq(ccgc_collect(w.collector, CCGC_REASON_TESTING), CCGC_OK);
  ck_assert_uint_ge(script_stats(&w).pretenured_classes, 1); /* kept */
  ck_assert_int_eq(ccgc_collect(w.collector, CCGC_REASON_MEMORY_REDUCER), CCGC_OK);
  ck_assert_int_eq(script_stats(&w).pretenured_classes, 0);
  ck_assert(!next_is_old(&w, "Kept"));
  v8ish_global_free(w.heap, kept);
  script_world_free(&w);
}
END_TEST

/* Below its maximum the semi-space gives objects too little time to die:
 * AUTO waits for a scavenge at the maximum (V8's rule), EAGER decides at
 * once. */
START_TEST(eager_decides_below_the_maximum_semi_space) {
  int modes[] = {CCGC_PRETENURING_AUTO, CCGC_PRETENURING_EAGER};
  for (int i = 0; i < 2; i++) {
    script_world w;
    v8ish_heap_options options = {.young_min_bytes = SEMI,
                                  .young_max_bytes = 16 * SEMI,
                                  .pretenuring = modes[i]};
    script_world_init_with(&w, &options);
    v8ish_global kept = make_kept(&w, 500);
    ck_assert_int_eq(ccgc_collect_minor(w.collector, CCGC_REASON_TESTING), CCGC_OK);
    ck_assert_uint_lt(script_stats(&w).young_capacity_bytes, 16 * SEMI);
    bool eager = modes[i] == CCGC_PRETENURING_EAGER;
    ck_assert_int_eq(script_stats(&w).pretenured_classes > 0, eager);
    ck_assert_int_eq(next_is_old(&w, "Kept"), eager);
    v8ish_global_free(w.heap, kept);
    script_world_free(&w);
  }
}
END_TEST

/* Survivor counts are kept per scavenge task and merged when it finishes
 * (pretenuring.h): with more sites than a task's cache has slots,
 * allocated in turn so that they keep evicting each other, on the owner
 * alone and with helper threads, each site's decision follows its exact
 * survival: 90 percent tenures, 80 percent does not (the threshold is 85). */
#define SITES 48
#define PER_SITE 200
START_TEST(survivor_counts_are_exact_across_tasks_and_evictions) {
  for (int threads = 0; threads <= 2; threads += 2) {
    ccgc_collector_options collector_options = {.verify = true,
                                                .scavenger_threads = threads};
    script_world w;
    w.collector = ccgc_collector_new(&collector_options);
    ck_assert_ptr_nonnull(w.collector);
    v8ish_heap_options options = {.young_min_bytes = 4 * SEMI,
                                  .young_max_bytes = 4 * SEMI,
                                  .pretenuring = CCGC_PRETENURING_AUTO};
    w.heap = v8ish_heap_new(w.collector, &options);
    ck_assert_ptr_nonnull(w.heap);
    ccgc_test_capture_errors(w.collector, &w.errors);
    v8ish_handle_scope_open(w.heap, &w.scope);
    char name[16];
    v8ish_handle_scope scope;
    v8ish_handle_scope_open(w.heap, &scope);
    v8ish_local array = v8ish_array_new(w.heap);
    for (int i = 0; i < PER_SITE; i++)
      for (int site = 0; site < SITES; site++) {
        v8ish_handle_scope inner;
        v8ish_handle_scope_open(w.heap, &inner);
        snprintf(name, sizeof name, "Site%d", site);
        v8ish_local o = v8ish_wrapper_new(w.heap, name);
        ck_assert(!v8ish_local_is_empty(o));
        bool kept = site % 2 ? i % 5 != 0 : i % 10 != 0; /* 80 or 90 % */
        if (kept) ck_assert_int_eq(v8ish_array_push(w.heap, array, o), CCGC_OK);
        v8ish_handle_scope_close(&inner);
      }
    v8ish_global global = v8ish_global_new(w.heap, array, false);
    v8ish_handle_scope_close(&scope);
    ck_assert_uint_eq(ccgc_collector_minor_count(w.collector), 0);
    ck_assert_int_eq(ccgc_collect_minor(w.collector, CCGC_REASON_TESTING), CCGC_OK);
    ck_assert_uint_eq(ccgc_collector_last_minor(w.collector)->pretenured_classes,
                      SITES / 2);
    for (int site = 0; site < SITES; site++) {
      snprintf(name, sizeof name, "Site%d", site);
      ck_assert_msg(next_is_old(&w, name) == (site % 2 == 0),
                    "%d threads: site %d", threads, site);
    }
    ck_assert_int_eq(w.errors.count, 0);
    v8ish_global_free(w.heap, global);
    script_world_free(&w);
  }
}
END_TEST

START_TEST(unknown_mode_is_refused) {
  ccgc_collector *collector = ccgc_collector_new(NULL);
  ccgc_test_errors errors;
  ccgc_test_capture_errors(collector, &errors);
  v8ish_heap_options options = {.pretenuring = 7};
  ck_assert_ptr_null(v8ish_heap_new(collector, &options));
  ck_assert_int_eq(errors.last_code, CCGC_E_INVALID_ARGUMENT);
  ck_assert_ptr_nonnull(strstr(errors.last_message, "pretenuring 7"));
  ccgc_collector_free(collector);
}
END_TEST

/* A host that allocates far past the semi-space without a safepoint: the
 * nursery overflows by one semi-space, then instances go old (nursery.c).
 * Only the young ones count as the site's allocations, so a site whose
 * objects all survive is still pretenured by the scavenge the safepoint
 * runs (counting the old ones too, it showed a quarter surviving). */
START_TEST(a_site_allocated_past_the_overflow_bound_is_pretenured) {
  script_world w;
  world_with(&w, CCGC_PRETENURING_AUTO);
  v8ish_global kept = make_kept(&w, 100000); /* about 8 semi-spaces */
  ck_assert_uint_eq(ccgc_collector_minor_count(w.collector), 0);
  ck_assert(ccgc_collector_safepoint(w.collector));
  ck_assert_uint_eq(ccgc_collector_minor_count(w.collector), 1);
  ck_assert_uint_ge(script_stats(&w).pretenured_classes, 1);
  ck_assert(next_is_old(&w, "Kept"));
  ck_assert_int_eq(w.errors.count, 0);
  v8ish_global_free(w.heap, kept);
  script_world_free(&w);
}
END_TEST

/* A full collection promotes the nursery in place: the objects a site
 * counted are old then, decided by the full collection. Its counts start
 * over, so the next scavenge judges only what was allocated since: here
 * all of it survives and the site is tenured (counting the promoted ones
 * too, 500 of 2,500 survived: the burst stayed young). */
START_TEST(counts_start_over_when_a_full_collection_promotes_the_nursery) {
  script_world w;
  world_with(&w, CCGC_PRETENURING_AUTO);
  v8ish_global first = make_kept(&w, 2000);
  ck_assert_uint_eq(ccgc_collector_minor_count(w.collector), 0);
  ck_assert_int_eq(ccgc_collect(w.collector, CCGC_REASON_TESTING), CCGC_OK);
  ccgc_collector_finish_sweeping(w.collector);
  ck_assert_int_eq(script_stats(&w).pretenured_classes, 0);
  v8ish_global second = make_kept(&w, 500);
  ck_assert_int_eq(ccgc_collect_minor(w.collector, CCGC_REASON_TESTING), CCGC_OK);
  ck_assert_uint_ge(ccgc_collector_last_minor(w.collector)->pretenured_classes, 1);
  ck_assert(next_is_old(&w, "Kept"));
  ck_assert_int_eq(w.errors.count, 0);
  v8ish_global_free(w.heap, second);
  v8ish_global_free(w.heap, first);
  script_world_free(&w);
}
END_TEST

int main(void) {
  Suite *suite = suite_create("v8ish-pretenuring");
  TCase *tc = tcase_create("core");
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, surviving_shape_is_pretenured_after_a_scavenge);
  tcase_add_test(tc, a_site_allocated_past_the_overflow_bound_is_pretenured);
  tcase_add_test(tc, dying_shape_stays_young);
  tcase_add_test(tc, survivor_counts_are_exact_across_tasks_and_evictions);
  tcase_add_test(tc, never_keeps_every_object_young);
  tcase_add_test(tc, pretenured_object_keeps_its_young_target);
  tcase_add_test(tc, always_decides_allocation_sites_only);
  tcase_add_test(tc, memory_reducing_collection_undoes_decisions);
  tcase_add_test(tc, eager_decides_below_the_maximum_semi_space);
  tcase_add_test(tc, unknown_mode_is_refused);
  tcase_add_test(tc, counts_start_over_when_a_full_collection_promotes_the_nursery);
  suite_add_tcase(suite, tc);
  return ccgc_test_run(suite);
}
