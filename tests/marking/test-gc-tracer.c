/* test-gc-tracer.c - the per-phase speed estimates (marking/gc-tracer.c):
 * the ring's average, an outlier leaving after CCGC_TRACER_SAMPLES samples,
 * the finishing-pause estimate from the heap size, its cap, and no estimate
 * without samples; a ring's average ms; a real cycle's owner time (the cycle
 * phase) and wall time, the growing policy's inputs. */
#include <check.h>
#include <math.h>

#include "blinkish.h"
#include "ccgc-test.h"
#include "collector-internal.h"
#include "gc-tracer.h"

START_TEST(speed_is_bytes_over_time_of_the_ring) {
  ccgc_tracer tracer;
  ccgc_tracer_init(&tracer);
  ck_assert(ccgc_tracer_speed(&tracer, CCGC_TRACER_SWEEP) == 0);
  ccgc_tracer_add(&tracer, CCGC_TRACER_SWEEP, 3000, 1);
  ccgc_tracer_add(&tracer, CCGC_TRACER_SWEEP, 1000, 3);
  ck_assert(fabs(ccgc_tracer_speed(&tracer, CCGC_TRACER_SWEEP) - 1000) < 1e-9);
  /* the phases are separate */
  ck_assert(ccgc_tracer_speed(&tracer, CCGC_TRACER_ATOMIC) == 0);
  /* samples without work or with a bad time are ignored */
  ccgc_tracer_add(&tracer, CCGC_TRACER_SWEEP, 0, 100);
  ccgc_tracer_add(&tracer, CCGC_TRACER_SWEEP, 100, -1);
  ccgc_tracer_add(&tracer, CCGC_TRACER_SWEEP, 100, NAN);
  ck_assert(fabs(ccgc_tracer_speed(&tracer, CCGC_TRACER_SWEEP) - 1000) < 1e-9);
}
END_TEST

START_TEST(an_outlier_leaves_the_ring_after_n_samples) {
  ccgc_tracer tracer;
  ccgc_tracer_init(&tracer);
  ccgc_tracer_add(&tracer, CCGC_TRACER_ATOMIC, 1000, 1000); /* 1 byte/ms */
  for (int i = 0; i < CCGC_TRACER_SAMPLES - 1; i++) {
    ccgc_tracer_add(&tracer, CCGC_TRACER_ATOMIC, 1000, 1);
    ck_assert(ccgc_tracer_speed(&tracer, CCGC_TRACER_ATOMIC) < 100);
  }
  ccgc_tracer_add(&tracer, CCGC_TRACER_ATOMIC, 1000, 1); /* pushes it out */
  ck_assert(fabs(ccgc_tracer_speed(&tracer, CCGC_TRACER_ATOMIC) - 1000) <
            1e-9);
}
END_TEST

START_TEST(finish_estimate_scales_with_the_heap_and_is_capped) {
  ccgc_tracer tracer;
  ccgc_tracer_init(&tracer);
  bool known = true;
  ck_assert(ccgc_tracer_estimate_finish_ms(&tracer, 1e6, &known) == 0);
  ck_assert(!known); /* no sample: no estimate */
  ccgc_tracer_add(&tracer, CCGC_TRACER_ATOMIC, 1e6, 2); /* 500 KB/ms */
  ck_assert(ccgc_tracer_estimate_finish_ms(&tracer, 1e6, &known) == 0);
  ck_assert(!known); /* the sweep has none yet */
  ccgc_tracer_add(&tracer, CCGC_TRACER_SWEEP, 1e6, 3);
  double one = ccgc_tracer_estimate_finish_ms(&tracer, 1e6, &known);
  ck_assert(known);
  ck_assert(fabs(one - 5.0) < 1e-9);
  double tenth = ccgc_tracer_estimate_finish_ms(&tracer, 1e5, &known);
  ck_assert(fabs(tenth - 0.5) < 1e-9);
  ck_assert(ccgc_tracer_estimate_finish_ms(&tracer, 1e12, &known) ==
            CCGC_TRACER_MAX_ESTIMATE_MS);
}
END_TEST

START_TEST(average_ms_is_the_mean_of_the_ring) {
  ccgc_tracer_ring ring = {0};
  ck_assert(ccgc_tracer_ring_average_ms(&ring) == 0);
  ccgc_tracer_ring_add(&ring, 1, 10);
  ccgc_tracer_ring_add(&ring, 1, 30);
  ck_assert(fabs(ccgc_tracer_ring_average_ms(&ring) - 20) < 1e-9);
  for (int i = 0; i < CCGC_TRACER_SAMPLES; i++) ccgc_tracer_ring_add(&ring, 1, 5);
  ck_assert(fabs(ccgc_tracer_ring_average_ms(&ring) - 5) < 1e-9);
}
END_TEST

/* A real cycle records the owner's whole marking (the cycle phase) and the
 * time its marker threads worked beside the mutator (0 stop-the-world or
 * with the owner marking alone): the growing policy's inputs
 * (heap-controller.h). */
START_TEST(a_cycle_records_its_owner_time_and_its_wall_time) {
  ccgc_collector_options options = {.marker_threads = 1};
  ccgc_collector *collector = ccgc_collector_new(&options);
  blinkish_heap *heap = blinkish_heap_new(collector, NULL);
  blinkish_type_info info = {"Leaf", NULL, NULL, 0};
  blinkish_type_id type = blinkish_register_type(heap, &info);
  for (int i = 0; i < 1000; i++) ck_assert_ptr_nonnull(blinkish_alloc(heap, type, 32));
  ck_assert(ccgc_tracer_speed(&collector->tracer, CCGC_TRACER_CYCLE) == 0);
  ck_assert_int_eq(collector->cycle_wall.count, 0);
  ck_assert_int_eq(ccgc_collect(collector, CCGC_REASON_TESTING), CCGC_OK);
  ck_assert(ccgc_tracer_speed(&collector->tracer, CCGC_TRACER_CYCLE) > 0);
  /* stop-the-world: the mutator waited, nothing was spread over its time */
  ck_assert_int_eq(collector->cycle_wall.count, 1);
  ck_assert(ccgc_tracer_ring_average_ms(&collector->cycle_wall) == 0);
  /* incremental with a marker thread: from its start to its pause */
  ck_assert_int_eq(ccgc_incremental_start(collector, CCGC_REASON_TESTING), CCGC_OK);
  double until = ccgc_now_ms() + 2;
  while (ccgc_now_ms() < until) ck_assert_ptr_nonnull(blinkish_alloc(heap, type, 32));
  ck_assert_int_eq(ccgc_incremental_finish(collector), CCGC_OK);
  ck_assert_int_eq(collector->cycle_wall.count, 2);
  ck_assert(collector->cycle_wall.ms[1] >= 2);
  /* the owner marking alone: its steps are its own time, none counted */
  ck_assert_int_eq(ccgc_collector_set_marker_threads(collector, 0), CCGC_OK);
  ck_assert_int_eq(ccgc_incremental_start(collector, CCGC_REASON_TESTING), CCGC_OK);
  until = ccgc_now_ms() + 2;
  while (ccgc_now_ms() < until) ck_assert_ptr_nonnull(blinkish_alloc(heap, type, 32));
  ck_assert_int_eq(ccgc_incremental_finish(collector), CCGC_OK);
  ck_assert_int_eq(collector->cycle_wall.count, 3);
  ck_assert(collector->cycle_wall.ms[2] == 0);
  blinkish_heap_free(heap);
  ccgc_collector_free(collector);
}
END_TEST

int main(void) {
  Suite *suite = suite_create("gc-tracer");
  TCase *tc = tcase_create("core");
  tcase_add_test(tc, speed_is_bytes_over_time_of_the_ring);
  tcase_add_test(tc, an_outlier_leaves_the_ring_after_n_samples);
  tcase_add_test(tc, finish_estimate_scales_with_the_heap_and_is_capped);
  tcase_add_test(tc, average_ms_is_the_mean_of_the_ring);
  tcase_add_test(tc, a_cycle_records_its_owner_time_and_its_wall_time);
  suite_add_tcase(suite, tc);
  return ccgc_test_run(suite);
}
