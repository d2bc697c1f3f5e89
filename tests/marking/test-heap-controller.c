/* test-heap-controller.c - the heap growing policy (marking/heap-controller.c,
 * docs/heap-growth.md): V8's growing factor from the collector's and the
 * mutator's speeds, its clamps, the concurrency floor, the next soft limit from live and committed
 * bytes, and a real heap: after a full collection ccgc_heap_stats reports
 * the factor and the limit the policy gives for its own used and committed
 * bytes, the next collection is requested when the objects (not the pages)
 * pass the limit, a host maximum is obeyed, and an out-of-range maximum is
 * refused. */
#include <check.h>
#include <math.h>
#include <string.h>

#include "blinkish.h"
#include "ccgc-page.h"
#include "ccgc-test.h"
#include "collector-internal.h"
#include "heap-base.h"
#include "heap-controller.h"

#define MIB ((size_t)1024 * 1024)

START_TEST(the_factor_follows_the_speed_ratio) {
  /* unknown speeds: the maximum, as V8 */
  ck_assert(ccgc_heap_growing_factor(0, 100, 4) == 4);
  ck_assert(ccgc_heap_growing_factor(100, 0, 4) == 4);
  /* a collector much faster than the mutator: the minimum */
  ck_assert(ccgc_heap_growing_factor(1e9, 1, 4) == CCGC_MIN_GROWING_FACTOR);
  /* ratio 100: a = 3, b = 2.03, a / b = 1.4778 */
  double f = ccgc_heap_growing_factor(100, 1, 4);
  ck_assert(fabs(f - 3.0 / 2.03) < 1e-9);
  /* a slower collector grows the heap more */
  ck_assert(ccgc_heap_growing_factor(50, 1, 4) > f);
  /* too slow for the target (b <= 0): the maximum */
  ck_assert(ccgc_heap_growing_factor(20, 1, 4) == 4);
  ck_assert(ccgc_heap_growing_factor(20, 1, 2) == 2);
  /* a maximum below the minimum is the default */
  ck_assert(ccgc_heap_growing_factor(0, 0, 0) == CCGC_MAX_GROWING_FACTOR);
}
END_TEST

START_TEST(the_concurrency_floor_keeps_room_for_a_cycles_allocation) {
  /* unknown figures: no floor */
  ck_assert(ccgc_heap_concurrency_floor(0, 50, 10 * MIB) == 0);
  ck_assert(ccgc_heap_concurrency_floor(1000, 0, 10 * MIB) == 0);
  ck_assert(ccgc_heap_concurrency_floor(1000, 50, 0) == 0);
  /* 100 KiB/ms over a 50 ms cycle: 5,000 KiB of growth on 10 MiB live */
  double floor = ccgc_heap_concurrency_floor(100 * 1024, 50, 10 * MIB);
  ck_assert(fabs(floor - (1 + 5000.0 / 10240)) < 1e-9);
  /* a fast collector (V8's factor at its minimum) is raised to the floor */
  ck_assert(fabs(ccgc_heap_choose_factor(1e12, 100 * 1024, 50, 10 * MIB, 4) - floor) <
            1e-9);
  /* within the host's maximum; a maximum of 0 is the default, never 0 */
  ck_assert(ccgc_heap_choose_factor(1e12, 100 * 1024, 50, 10 * MIB, 1.25) == 1.25);
  ck_assert(fabs(ccgc_heap_choose_factor(1e12, 100 * 1024, 50, 10 * MIB, 0) - floor) <
            1e-9);
  ck_assert(ccgc_heap_choose_factor(1e12, 1e9, 1e3, MIB, 0) == CCGC_MAX_GROWING_FACTOR);
  /* a floor below V8's factor changes nothing */
  ck_assert(ccgc_heap_choose_factor(50, 1, 1, 10 * MIB, 4) ==
            ccgc_heap_growing_factor(50, 1, 4));
}
END_TEST

START_TEST(the_limit_is_live_times_factor) {
  ck_assert_uint_eq(ccgc_heap_next_soft_limit(100 * MIB, 100 * MIB, 1.5, 8 * MIB, 0),
                    150 * MIB);
  /* free space in committed pages is not counted: it is reused first */
  ck_assert_uint_eq(ccgc_heap_next_soft_limit(100 * MIB, 300 * MIB, 1.5, 8 * MIB, 0),
                    150 * MIB);
  /* at least the minimum step, at least the floor */
  ck_assert_uint_eq(ccgc_heap_next_soft_limit(MIB, 2 * MIB, 1.1, 0, 0),
                    MIB + CCGC_MIN_GROWING_STEP);
  ck_assert_uint_eq(ccgc_heap_next_soft_limit(MIB, 2 * MIB, 1.1, 8 * MIB, 0), 8 * MIB);
  /* at most half the headroom from committed to the hard limit */
  ck_assert_uint_eq(ccgc_heap_next_soft_limit(100 * MIB, 100 * MIB, 4, 8 * MIB, 200 * MIB),
                    150 * MIB);
  ck_assert_uint_eq(ccgc_heap_next_soft_limit(100 * MIB, 180 * MIB, 4, 8 * MIB, 200 * MIB),
                    110 * MIB);
  /* no headroom left: the live size (the floor still applies) */
  ck_assert_uint_eq(ccgc_heap_next_soft_limit(100 * MIB, 200 * MIB, 4, 8 * MIB, 200 * MIB),
                    100 * MIB);
  ck_assert_uint_eq(ccgc_heap_next_soft_limit(MIB, 200 * MIB, 4, 8 * MIB, 200 * MIB),
                    8 * MIB);
}
END_TEST

typedef struct node {
  struct node *next;
  char pad[56];
} node;

static void trace_node(ccgc_visitor *visitor, void *object) {
  blinkish_trace_member(visitor, (void *const *)&((node *)object)->next, "next");
}

/* Builds a list of `count` nodes held by a persistent, and garbage beside
 * it, then collects; returns the heap's statistics. */
static ccgc_heap_stats churn_count_and_collect(int count, double max_factor,
                                               blinkish_heap **out_heap,
                                               ccgc_collector **out_collector,
                                               blinkish_type_id *out_type) {
  ccgc_collector_options options = {.verify = false};
  ccgc_collector *collector = ccgc_collector_new(&options);
  blinkish_heap_options heap_options = {.max_growing_factor = max_factor};
  blinkish_heap *heap = blinkish_heap_new(collector, &heap_options);
  ck_assert_ptr_nonnull(heap);
  blinkish_type_info info = {"Node", trace_node, NULL, 0};
  blinkish_type_id type = blinkish_register_type(heap, &info);
  blinkish_persistent *root = blinkish_persistent_new(heap, NULL, false);
  node *head = NULL;
  for (int i = 0; i < count; i++) {
    node *n = blinkish_alloc(heap, type, sizeof *n);
    ck_assert_ptr_nonnull(n);
    if (i % 4 == 0) { /* a quarter stays */
      blinkish_member_set(heap, n, (void **)&n->next, head);
      head = n;
      blinkish_persistent_set(heap, root, head);
    }
  }
  ck_assert_int_eq(ccgc_collect(collector, CCGC_REASON_TESTING), CCGC_OK);
  ccgc_heap_stats stats;
  blinkish_heap_stats(heap, &stats);
  *out_heap = heap;
  *out_collector = collector;
  if (out_type) *out_type = type;
  return stats;
}

static ccgc_heap_stats churn_and_collect(double max_factor, blinkish_heap **out_heap,
                                         ccgc_collector **out_collector) {
  return churn_count_and_collect(200000, max_factor, out_heap, out_collector, NULL);
}

START_TEST(a_heap_reports_the_factor_and_the_limit_it_chose) {
  blinkish_heap *heap;
  ccgc_collector *collector;
  ccgc_heap_stats stats = churn_and_collect(0, &heap, &collector);
  ck_assert(stats.growing_factor >= CCGC_MIN_GROWING_FACTOR);
  ck_assert(stats.growing_factor <= CCGC_MAX_GROWING_FACTOR);
  /* the policy's limit for the heap's own live and committed bytes */
  ck_assert_uint_eq(stats.soft_limit_bytes,
                    ccgc_heap_next_soft_limit(stats.used_bytes, stats.committed_bytes,
                                              stats.growing_factor,
                                              CCGC_DEFAULT_SOFT_LIMIT, 0));
  blinkish_heap_free(heap);
  ccgc_collector_free(collector);
}
END_TEST

/* The heap's policy takes the collector's cycle speed (the owner's marking
 * per cycle) and the concurrency floor: with a collector that costs the
 * owner next to nothing (V8's factor at its minimum) and cycles whose
 * helpers worked for a second, the heap grows by what its mutator
 * allocates in that second. */
START_TEST(a_heap_takes_the_concurrency_floor) {
  blinkish_heap *heap;
  ccgc_collector *collector;
  churn_and_collect(0, &heap, &collector);
  ccgc_heap_base *base = (ccgc_heap_base *)heap;
  ccgc_tracer_init(&collector->tracer);
  for (int i = 0; i < CCGC_TRACER_SAMPLES; i++) {
    ccgc_tracer_add(&collector->tracer, CCGC_TRACER_CYCLE, 1e12, 1);
    ccgc_tracer_add(&collector->tracer, CCGC_TRACER_SWEEP, 1e12, 1);
    ccgc_tracer_ring_add(&collector->cycle_wall, 1, 1000);
    ccgc_tracer_ring_add(&base->allocation, 1024, 1); /* 1 KiB per ms */
  }
  ccgc_heap_base_grow_soft_limit(base);
  size_t live = ccgc_heap_base_old_used(base);
  double mutator = ccgc_tracer_ring_speed(&base->allocation);
  double floor = ccgc_heap_concurrency_floor(mutator, 1000, live);
  ck_assert(ccgc_heap_growing_factor(1e12 / 2, mutator, 4) == CCGC_MIN_GROWING_FACTOR);
  ck_assert(floor > CCGC_MIN_GROWING_FACTOR);
  ck_assert(fabs(base->growing_factor - floor) < 1e-9);
  ccgc_heap_stats stats;
  blinkish_heap_stats(heap, &stats);
  ck_assert(fabs(stats.growing_factor - floor) < 1e-9);
  blinkish_heap_free(heap);
  ccgc_collector_free(collector);
}
END_TEST

START_TEST(the_host_maximum_bounds_the_factor) {
  blinkish_heap *heap;
  ccgc_collector *collector;
  /* the first collection has no speed samples: the maximum */
  ccgc_heap_stats stats = churn_and_collect(1.25, &heap, &collector);
  ck_assert(stats.growing_factor <= 1.25);
  ck_assert(stats.growing_factor >= CCGC_MIN_GROWING_FACTOR);
  blinkish_heap_free(heap);
  ccgc_collector_free(collector);
}
END_TEST

/* The limit measures objects, not pages: a heap whose sweep left three
 * quarters of its pages free reuses that space, and requests its next
 * collection when its objects pass live x factor, before it maps a page
 * (measured on committed bytes, every cycle could allocate the free space
 * on top of the growth the policy allowed). */
START_TEST(the_next_collection_comes_when_objects_pass_the_limit) {
  blinkish_heap *heap;
  ccgc_collector *collector;
  blinkish_type_id type;
  ccgc_heap_stats after = churn_count_and_collect(600000, 1.25, &heap, &collector, &type);
  ck_assert(!ccgc_collector_gc_requested(collector));
  /* a quarter of ~38 MiB stays: the limit is the live size x 1.25 at most
   * (or live + the minimum step), far below the committed bytes */
  ck_assert_uint_gt(after.used_bytes, 8 * MIB);
  ck_assert_uint_le(after.soft_limit_bytes,
                    after.used_bytes + (size_t)(after.used_bytes * 0.25) + CCGC_MIN_GROWING_STEP);
  ck_assert_uint_gt(after.committed_bytes, 2 * after.soft_limit_bytes);
  ccgc_heap_stats now = after;
  size_t allocated = 0;
  while (!ccgc_collector_gc_requested(collector)) {
    ck_assert_ptr_nonnull(blinkish_alloc(heap, type, sizeof(node)));
    allocated += sizeof(node);
    blinkish_heap_stats(heap, &now);
    ck_assert_uint_lt(allocated, 64 * MIB);
  }
  /* requested as the objects crossed the limit, in the free space the
   * sweep left: no page was mapped */
  ck_assert_uint_gt(now.used_bytes, after.soft_limit_bytes);
  ck_assert_uint_le(now.used_bytes, after.soft_limit_bytes + 2 * sizeof(node) + 64);
  ck_assert_uint_eq(now.committed_bytes, after.committed_bytes);
  blinkish_heap_free(heap);
  ccgc_collector_free(collector);
}
END_TEST

/* A hard limit of 8 MiB or less: the automatic floor (8 MiB) is at most
 * half of it, so garbage made with a safepoint after each allocation is
 * collected before an allocation fails (the floor stayed 8 MiB, above the
 * hard limit: no collection was ever asked for, and allocation failed at
 * 4 MiB; found by an audit). A host's own soft_limit_bytes stays. */
START_TEST(a_small_hard_limit_asks_for_collections_before_failing) {
  ccgc_collector *collector = ccgc_collector_new(NULL);
  blinkish_heap_options options = {.limit_bytes = 4 * MIB};
  blinkish_heap *heap = blinkish_heap_new(collector, &options);
  blinkish_type_info info = {"Node", NULL, NULL, 0};
  blinkish_type_id type = blinkish_register_type(heap, &info);
  ccgc_heap_stats stats;
  blinkish_heap_stats(heap, &stats);
  ck_assert_uint_eq(stats.soft_limit_bytes, 2 * MIB);
  for (int i = 0; i < 200000; i++) { /* 12.8 MB of garbage */
    ck_assert_msg(blinkish_alloc(heap, type, 64) != NULL, "allocation %d failed", i);
    ccgc_collector_safepoint(collector);
  }
  ck_assert_uint_gt(ccgc_collector_cycle_count(collector), 0);
  blinkish_heap_free(heap);
  options.soft_limit_bytes = 3 * MIB;
  heap = blinkish_heap_new(collector, &options);
  blinkish_heap_stats(heap, &stats);
  ck_assert_uint_eq(stats.soft_limit_bytes, 3 * MIB);
  blinkish_heap_free(heap);
  ccgc_collector_free(collector);
}
END_TEST

START_TEST(an_out_of_range_maximum_is_refused) {
  ccgc_collector *collector = ccgc_collector_new(NULL);
  ccgc_test_errors errors;
  ccgc_test_capture_errors(collector, &errors);
  double bad[] = {1.0, 0.5, -2, 101, NAN};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    blinkish_heap_options options = {.max_growing_factor = bad[i]};
    ck_assert_ptr_null(blinkish_heap_new(collector, &options));
    ck_assert_uint_eq(errors.count, i + 1);
    ck_assert_int_eq(errors.last_code, CCGC_E_INVALID_ARGUMENT);
    ck_assert(strstr(errors.last_message, "max_growing_factor"));
  }
  ccgc_collector_free(collector);
}
END_TEST

int main(void) {
  Suite *suite = suite_create("heap-controller");
  TCase *tc = tcase_create("core");
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, the_factor_follows_the_speed_ratio);
  tcase_add_test(tc, the_concurrency_floor_keeps_room_for_a_cycles_allocation);
  tcase_add_test(tc, the_limit_is_live_times_factor);
  tcase_add_test(tc, the_next_collection_comes_when_objects_pass_the_limit);
  tcase_add_test(tc, a_heap_reports_the_factor_and_the_limit_it_chose);
  tcase_add_test(tc, a_heap_takes_the_concurrency_floor);
  tcase_add_test(tc, the_host_maximum_bounds_the_factor);
  tcase_add_test(tc, an_out_of_range_maximum_is_refused);
  tcase_add_test(tc, a_small_hard_limit_asks_for_collections_before_failing);
  suite_add_tcase(suite, tc);
  return ccgc_test_run(suite);
}
