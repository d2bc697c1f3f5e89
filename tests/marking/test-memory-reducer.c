/* test-memory-reducer.c - the memory reducer (marking/memory-reducer.c,
 * docs/heap-growth.md "Memory reducer"): when allocation goes quiet after a
 * full collection, idle time starts a memory-reducing cycle that shrinks the
 * nursery back to its minimum (its pages go back to the system) and sets
 * the smallest growing factor and compacts the script heap's sparse old
 * pages; busy allocation postpones it; an episode
 * stops when a cycle gives nothing back and restarts after the next full
 * collection; a negative delay turns it off; NaN is refused.
 *
 * Timing: the host's delay is 1 ms and the tests wait on the clock for more
 * than that (lower bounds only); "busy" is megabytes within milliseconds,
 * "quiet" is nothing allocated, so no rate is near the 1000 bytes/ms line. */
#include <check.h>
#include <math.h>

#include "blinkish.h"
#include "ccgc-heap.h"
#include "ccgc-test.h"
#include "heap-controller.h"
#include "v8ish.h"

typedef struct world {
  ccgc_collector *collector;
  v8ish_heap *script;
  blinkish_heap *dom;
  blinkish_type_id raw;
  v8ish_handle_scope scope;
} world;

static void world_init(world *w, double delay_ms) {
  ccgc_collector_options options = {.verify = true,
                                    .memory_reducer_delay_ms = delay_ms};
  w->collector = ccgc_collector_new(&options);
  ck_assert_ptr_nonnull(w->collector);
  /* Copying scavenges only: grow_nursery's survivors grow the semi-space
   * and its pool (fast promotion would make them old in place, and leave
   * the reducer nothing young to give back). */
  v8ish_heap_options script_options = {.fast_promotion = CCGC_FAST_PROMOTION_NEVER};
  w->script = v8ish_heap_new(w->collector, &script_options);
  w->dom = blinkish_heap_new(w->collector, NULL);
  ck_assert_ptr_nonnull(w->script);
  ck_assert_ptr_nonnull(w->dom);
  blinkish_type_info info = {"Raw", NULL, NULL, 0};
  w->raw = blinkish_register_type(w->dom, &info);
  v8ish_handle_scope_open(w->script, &w->scope);
}

static void world_free(world *w) {
  v8ish_handle_scope_close(&w->scope);
  v8ish_heap_free(w->script);
  blinkish_heap_free(w->dom);
  ccgc_collector_free(w->collector);
}

static void wait_ms(double ms) {
  double until = ccgc_time_ms() + ms;
  while (ccgc_time_ms() < until) {
  }
}

static void dom_garbage(world *w, size_t bytes) {
  for (size_t done = 0; done < bytes; done += 1000)
    ck_assert_ptr_nonnull(blinkish_alloc(w->dom, w->raw, 1000));
}

/* Survivors in the nursery, scavenged until its semi-space has grown
 * (more than a tenth survives each time: it doubles). */
static v8ish_global grow_nursery(world *w, size_t *capacity_before) {
  ccgc_heap_stats stats;
  v8ish_heap_stats(w->script, &stats);
  *capacity_before = stats.young_capacity_bytes;
  v8ish_handle_scope scope;
  v8ish_handle_scope_open(w->script, &scope);
  v8ish_local array = v8ish_array_new(w->script);
  v8ish_global keep = v8ish_global_new(w->script, array, false);
  for (int round = 0; round < 6; round++) {
    v8ish_handle_scope inner;
    v8ish_handle_scope_open(w->script, &inner);
    v8ish_local held = v8ish_global_get(w->script, keep);
    for (int i = 0; i < 20000; i++)
      ck_assert_int_eq(v8ish_array_push(w->script, held,
                                        v8ish_fixed_array_new(w->script, 4)),
                       CCGC_OK);
    v8ish_handle_scope_close(&inner);
    ck_assert_int_eq(ccgc_collect_minor(w->collector, CCGC_REASON_TESTING), CCGC_OK);
  }
  v8ish_handle_scope_close(&scope);
  v8ish_heap_stats(w->script, &stats);
  ck_assert_uint_gt(stats.young_capacity_bytes, *capacity_before);
  return keep;
}

/* Idle periods of 1 s (a cycle of these heaps finishes in one) a little
 * more than the delay apart; the reducing cycles they finished. */
static int idle_for(world *w, int periods) {
  int reduced = 0;
  for (int i = 0; i < periods; i++) {
    wait_ms(2);
    unsigned long before = ccgc_collector_cycle_count(w->collector);
    ccgc_idle_notification(w->collector, 1000);
    if (ccgc_collector_cycle_count(w->collector) != before) {
      ck_assert_int_eq(ccgc_collector_last_cycle(w->collector)->reason,
                       CCGC_REASON_MEMORY_REDUCER);
      reduced++;
    }
  }
  return reduced;
}

START_TEST(quiet_allocation_starts_a_memory_reducing_cycle) {
  world w;
  world_init(&w, 1);
  size_t min_capacity;
  v8ish_global keep = grow_nursery(&w, &min_capacity);
  dom_garbage(&w, 2u << 20);
  ck_assert_int_eq(ccgc_collect(w.collector, CCGC_REASON_TESTING), CCGC_OK);
  ccgc_heap_stats script, dom;
  v8ish_heap_stats(w.script, &script);
  size_t young_committed = script.young_committed_bytes;
  ck_assert_uint_gt(script.young_capacity_bytes, min_capacity);
  /* One reducing cycle or more (another follows while the last gave back a
   * tenth of the committed bytes), at most CCGC_REDUCER_MAX_GCS; then the
   * episode is over. */
  int reduced = idle_for(&w, 40);
  ck_assert_int_ge(reduced, 1);
  ck_assert_int_le(reduced, 3);
  ck_assert_int_eq(idle_for(&w, 20), 0);
  v8ish_heap_stats(w.script, &script);
  blinkish_heap_stats(w.dom, &dom);
  ck_assert_uint_eq(script.young_capacity_bytes, min_capacity);
  ck_assert_uint_lt(script.young_committed_bytes, young_committed);
  ck_assert(script.growing_factor == CCGC_MIN_GROWING_FACTOR);
  ck_assert(dom.growing_factor == CCGC_MIN_GROWING_FACTOR);
  /* the live list survived all of it */
  v8ish_handle_scope scope;
  v8ish_handle_scope_open(w.script, &scope);
  ck_assert_uint_eq(v8ish_array_length(w.script, v8ish_global_get(w.script, keep)),
                    6 * 20000);
  v8ish_handle_scope_close(&scope);
  /* A full collection the reducer did not start begins a new episode. */
  ck_assert_int_eq(ccgc_collect(w.collector, CCGC_REASON_HOST_REQUEST), CCGC_OK);
  ck_assert_int_eq(idle_for(&w, 20), 1);
  world_free(&w);
}
END_TEST

START_TEST(busy_allocation_postpones_it) {
  world w;
  world_init(&w, 1);
  ck_assert_int_eq(ccgc_collect(w.collector, CCGC_REASON_TESTING), CCGC_OK);
  unsigned long cycles = ccgc_collector_cycle_count(w.collector);
  wait_ms(2);
  dom_garbage(&w, 2u << 20); /* megabytes in milliseconds */
  ck_assert(!ccgc_collector_gc_requested(w.collector));
  ck_assert(!ccgc_idle_notification(w.collector, 1000));
  ck_assert_uint_eq(ccgc_collector_cycle_count(w.collector), cycles);
  /* quiet from here: the next check after the delay starts it; its cycle
   * frees the garbage (more than a tenth of the committed bytes), so a
   * second one follows, which frees nothing: the episode ends */
  ck_assert_int_eq(idle_for(&w, 20), 2);
  world_free(&w);
}
END_TEST

START_TEST(an_episode_ends_when_a_cycle_gives_nothing_back) {
  world w;
  world_init(&w, 1);
  ck_assert_int_eq(ccgc_collect(w.collector, CCGC_REASON_TESTING), CCGC_OK);
  ck_assert_int_eq(idle_for(&w, 20), 1);
  ck_assert_int_eq(ccgc_collect(w.collector, CCGC_REASON_TESTING), CCGC_OK);
  ck_assert_int_eq(idle_for(&w, 20), 1);
  world_free(&w);
}
END_TEST

START_TEST(memory_pressure_reduces_too) {
  world w;
  world_init(&w, -1); /* no memory reducer */
  size_t min_capacity;
  v8ish_global keep = grow_nursery(&w, &min_capacity);
  ck_assert_int_eq(ccgc_collect(w.collector, CCGC_REASON_TESTING), CCGC_OK);
  ck_assert_int_eq(idle_for(&w, 10), 0); /* off */
  ccgc_heap_stats script;
  v8ish_heap_stats(w.script, &script);
  ck_assert_uint_gt(script.young_capacity_bytes, min_capacity);
  /* Old pages nine tenths empty: the survivors' array drops most. */
  v8ish_handle_scope scope;
  v8ish_handle_scope_open(w.script, &scope);
  v8ish_local held = v8ish_global_get(w.script, keep);
  for (size_t i = 0; i < v8ish_array_length(w.script, held); i++)
    if (i % 10) v8ish_array_set(w.script, held, i, v8ish_integer(w.script, 0));
  v8ish_handle_scope_close(&scope);
  ck_assert_int_eq(ccgc_collect(w.collector, CCGC_REASON_TESTING), CCGC_OK);
  v8ish_heap_stats(w.script, &script);
  ck_assert_uint_eq(script.evacuated_pages, 0); /* compaction is off */
  size_t committed = script.committed_bytes;
  ck_assert_int_eq(ccgc_collect(w.collector, CCGC_REASON_MEMORY_PRESSURE), CCGC_OK);
  v8ish_heap_stats(w.script, &script);
  ck_assert_uint_eq(script.young_capacity_bytes, min_capacity);
  ck_assert(script.growing_factor == CCGC_MIN_GROWING_FACTOR);
  /* it compacted the sparse pages and released them */
  ck_assert_uint_gt(script.evacuated_pages, 0);
  ck_assert_uint_lt(script.committed_bytes, committed);
  world_free(&w);
}
END_TEST

START_TEST(a_delay_that_is_not_a_duration_is_refused) {
  double bad[] = {NAN, INFINITY, -INFINITY};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    ccgc_collector_options options = {.memory_reducer_delay_ms = bad[i]};
    ck_assert_ptr_null(ccgc_collector_new(&options));
  }
}
END_TEST

int main(void) {
  Suite *suite = suite_create("memory-reducer");
  TCase *tc = tcase_create("core");
  tcase_set_timeout(tc, 120);
  tcase_add_test(tc, quiet_allocation_starts_a_memory_reducing_cycle);
  tcase_add_test(tc, busy_allocation_postpones_it);
  tcase_add_test(tc, an_episode_ends_when_a_cycle_gives_nothing_back);
  tcase_add_test(tc, memory_pressure_reduces_too);
  tcase_add_test(tc, a_delay_that_is_not_a_duration_is_refused);
  suite_add_tcase(suite, tc);
  return ccgc_test_run(suite);
}
