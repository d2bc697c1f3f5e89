/* test-cycle.c - incremental cycles over mock heaps: start/step/finish,
 * allocation-triggered and idle-time steps, the barrier keeping an object
 * stored into a black holder alive (and losing it when disabled), the GC
 * state and per-step durations. */
#include <check.h>
#include <string.h>

#include "ccgc-test.h"
#include "mock-world.h"

typedef mock_world world;

static world make_world(void) {
  return mock_world_new(&(ccgc_collector_options){.verify = true});
}

static void free_world(world *w) { mock_world_free(w); }

static mock_object *chain(world *w, int length) {
  mock_object *head = mock_alloc(w->a, 1), *tail = head;
  for (int i = 1; i < length; i++) {
    mock_object *next = mock_alloc(i % 2 ? w->b : w->a, 1);
    mock_set(w->a, tail, 0, next);
    tail = next;
  }
  return head;
}

static void assert_verified(world *w) {
  const ccgc_verify_report *report = ccgc_collector_last_verify(w->collector);
  ck_assert_msg(report->errors == 0, "%s", report->first_error);
}

START_TEST(incremental_cycle_marks_in_steps_and_reclaims) {
  world w = make_world();
  mock_add_root(w.a, chain(&w, 20000));
  chain(&w, 5000); /* garbage */
  ck_assert_int_eq(ccgc_collector_state(w.collector), CCGC_STATE_IDLE);
  ck_assert_int_eq(ccgc_incremental_start(w.collector, CCGC_REASON_TESTING), CCGC_OK);
  ck_assert_int_eq(ccgc_collector_state(w.collector), CCGC_STATE_MARKING);
  ck_assert_int_eq(ccgc_incremental_start(w.collector, CCGC_REASON_TESTING),
                   CCGC_E_IN_COLLECTION);
  int steps = 0;
  while (!ccgc_incremental_step(w.collector, 0.001)) steps++;
  ck_assert_int_gt(steps, 1); /* a tiny budget takes several steps */
  ck_assert_int_eq(ccgc_incremental_finish(w.collector), CCGC_OK);
  assert_verified(&w);
  ck_assert_int_eq(ccgc_collector_state(w.collector), CCGC_STATE_IDLE);
  ck_assert_uint_eq(mock_live_count(w.a) + mock_live_count(w.b), 20000);
  const ccgc_cycle_stats *stats = ccgc_collector_last_cycle(w.collector);
  ck_assert(stats->incremental);
  ck_assert_uint_eq(stats->steps, (size_t)steps + 1);
  size_t count;
  const double *durations = ccgc_collector_last_steps(w.collector, &count);
  ck_assert_uint_eq(count, stats->steps);
  for (size_t i = 0; i < count; i++) ck_assert(durations[i] >= 0);
  ck_assert_int_eq(ccgc_incremental_finish(w.collector), CCGC_E_IN_COLLECTION);
  free_world(&w);
}
END_TEST

/* An object unreachable when marking started is made reachable from a black
 * holder: only the barrier keeps it alive. */
static bool lost_object_scenario(bool barrier) {
  world w = make_world();
  mock_object *holder = mock_alloc(w.a, 1);
  mock_add_root(w.a, holder);
  mock_object *hidden = mock_alloc(w.b, 0); /* held only by the test */
  ccgc_collector_disable_barrier(w.collector, !barrier);
  ccgc_incremental_start(w.collector, CCGC_REASON_TESTING);
  while (!ccgc_incremental_step(w.collector, 10)) {
  }
  ck_assert_int_eq(ccgc_color_of(holder), CCGC_BLACK);
  mock_set(w.a, holder, 0, hidden); /* black -> white without a barrier */
  ccgc_incremental_finish(w.collector);
  bool ok = !hidden->dead && ccgc_collector_last_verify(w.collector)->errors == 0;
  free_world(&w);
  return ok;
}

START_TEST(barrier_keeps_an_object_stored_into_a_black_holder) {
  ck_assert(lost_object_scenario(true));
}
END_TEST

START_TEST(without_the_barrier_the_object_is_lost_and_the_verifier_says_so) {
  ck_assert(!lost_object_scenario(false));
}
END_TEST

START_TEST(objects_allocated_during_marking_survive_the_cycle) {
  world w = make_world();
  mock_add_root(w.a, chain(&w, 1000));
  ccgc_incremental_start(w.collector, CCGC_REASON_TESTING);
  mock_object *fresh = mock_alloc(w.b, 0); /* unreachable, but black */
  ck_assert_int_eq(ccgc_color_of(fresh), CCGC_BLACK);
  ccgc_incremental_finish(w.collector);
  assert_verified(&w);
  ck_assert(!fresh->dead); /* floating garbage: reclaimed next cycle */
  ccgc_test_collect_verified(w.collector);
  ck_assert(fresh->dead);
  free_world(&w);
}
END_TEST

START_TEST(allocation_drives_steps) {
  ccgc_collector_options options = {.verify = true,
                                    .incremental_step_bytes = 4096};
  world w;
  w.collector = ccgc_collector_new(&options);
  w.a = mock_heap_new(w.collector, "alpha");
  w.b = mock_heap_new(w.collector, "beta");
  mock_add_root(w.a, chain(&w, 5000));
  ccgc_incremental_start(w.collector, CCGC_REASON_TESTING);
  for (int i = 0; i < 10; i++) ccgc_collector_notify_allocation(w.collector, 4096);
  ccgc_incremental_finish(w.collector);
  ck_assert_uint_eq(ccgc_collector_last_cycle(w.collector)->steps, 10);
  assert_verified(&w);
  free_world(&w);
}
END_TEST

START_TEST(idle_notification_runs_a_requested_cycle) {
  world w = make_world();
  mock_add_root(w.a, chain(&w, 100));
  chain(&w, 100);
  ck_assert(!ccgc_idle_notification(w.collector, 50)); /* nothing requested */
  ccgc_collector_request_gc(w.collector, CCGC_REASON_HOST_REQUEST);
  ck_assert(ccgc_idle_notification(w.collector, 1000));
  ck_assert_uint_eq(ccgc_collector_cycle_count(w.collector), 1);
  ck_assert_int_eq(ccgc_collector_last_cycle(w.collector)->reason, CCGC_REASON_IDLE);
  ck_assert_uint_eq(mock_live_count(w.a) + mock_live_count(w.b), 100);
  ck_assert(!ccgc_collector_gc_requested(w.collector));
  free_world(&w);
}
END_TEST

START_TEST(collect_during_marking_finishes_the_cycle) {
  world w = make_world();
  mock_add_root(w.a, chain(&w, 100));
  ccgc_incremental_start(w.collector, CCGC_REASON_TESTING);
  ck_assert_int_eq(ccgc_collect(w.collector, CCGC_REASON_TESTING), CCGC_OK);
  ck_assert_int_eq(ccgc_collector_state(w.collector), CCGC_STATE_IDLE);
  ck_assert_uint_eq(ccgc_collector_cycle_count(w.collector), 1);
  assert_verified(&w);
  free_world(&w);
}
END_TEST

START_TEST(trace_line_totals_the_heaps_and_names_incremental_steps) {
  world w = make_world();
  mock_add_root(w.a, chain(&w, 10));
  ccgc_incremental_start(w.collector, CCGC_REASON_TESTING);
  ccgc_incremental_step(w.collector, 1);
  ccgc_incremental_finish(w.collector);
  char line[1024];
  ccgc_format_trace_line(w.collector, ccgc_collector_last_cycle(w.collector),
                         line, sizeof line);
  ck_assert_msg(strstr(line, " ms: Mark-Compact ") &&
                    !strstr(line, "alpha") && !strstr(line, "beta") &&
                    strstr(line, " ms  (+ ") &&
                    strstr(line, "in 1 steps since start of marking") &&
                    strstr(line, ") testing; "),
                "%s", line);
  free_world(&w);
}
END_TEST

int main(void) {
  Suite *suite = suite_create("cycle");
  TCase *tc = tcase_create("core");
  tcase_set_timeout(tc, 30);
  tcase_add_test(tc, incremental_cycle_marks_in_steps_and_reclaims);
  tcase_add_test(tc, barrier_keeps_an_object_stored_into_a_black_holder);
  tcase_add_test(tc, without_the_barrier_the_object_is_lost_and_the_verifier_says_so);
  tcase_add_test(tc, objects_allocated_during_marking_survive_the_cycle);
  tcase_add_test(tc, allocation_drives_steps);
  tcase_add_test(tc, idle_notification_runs_a_requested_cycle);
  tcase_add_test(tc, collect_during_marking_finishes_the_cycle);
  tcase_add_test(tc, trace_line_totals_the_heaps_and_names_incremental_steps);
  suite_add_tcase(suite, tc);
  return ccgc_test_run(suite);
}
