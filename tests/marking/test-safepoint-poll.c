/* test-safepoint-poll.c - the inline safepoint (ccgc-fast.h, marking/
 * safepoint.c, .inv.safepoint-poll): every kind of request sets the poll
 * word, so a poll after one runs it even when the word had been cleared
 * just before; a safepoint that finds nothing due clears it; and a poll
 * from another thread, with a NULL collector or inside a callback still
 * reaches the library, which refuses it as the call always did. */
#include <check.h>
#include <pthread.h>
#include <stdatomic.h>

#include "ccgc-events.h"
#include "ccgc-test.h"
#include "ccgc-heap.h"
#include "collector-internal.h"
#include "v8ish.h"

typedef struct world {
  ccgc_collector *collector;
  v8ish_heap *script;
  ccgc_test_errors errors;
} world;

static void open_world(world *w, bool incremental) {
  ccgc_collector_options options = {.incremental_marking = incremental};
  w->collector = ccgc_collector_new(&options);
  ck_assert_ptr_nonnull(w->collector);
  ccgc_test_capture_errors(w->collector, &w->errors);
  v8ish_heap_options script = {.fast_promotion = CCGC_FAST_PROMOTION_NEVER};
  w->script = v8ish_heap_new(w->collector, &script);
  ck_assert_ptr_nonnull(w->script);
}

static void close_world(world *w) {
  v8ish_heap_free(w->script);
  ccgc_collector_free(w->collector);
}

static unsigned poll_word(world *w) {
  return atomic_load(&w->collector->safepoint_poll);
}

/* A safepoint with nothing due: false, and the poll word is clear after. */
static void settle(world *w) {
  while (ccgc_collector_safepoint(w->collector)) {
  }
  ck_assert(!ccgc_collector_safepoint(w->collector));
  ck_assert_uint_eq(poll_word(w), 0);
}

/* A paced cycle started by a safepoint, marking, and the poll word clear. */
static void start_paced_cycle(world *w) {
  ccgc_collector_request_gc(w->collector, CCGC_REASON_TESTING);
  ck_assert(ccgc_collector_safepoint(w->collector)); /* the cycle starts */
  ck_assert_int_eq(ccgc_collector_state(w->collector), CCGC_STATE_MARKING);
  settle(w);
  ck_assert_int_eq(ccgc_collector_state(w->collector), CCGC_STATE_MARKING);
}

START_TEST(test_nothing_due_clears) {
  world w;
  open_world(&w, false);
  /* A request answered by ccgc_collect, not by a safepoint: the word stays
   * set until a safepoint finds nothing due and clears it. */
  ccgc_collector_request_gc(w.collector, CCGC_REASON_TESTING);
  ck_assert_uint_ne(poll_word(&w), 0);
  ck_assert_int_eq(ccgc_collect(w.collector, CCGC_REASON_TESTING), CCGC_OK);
  ck_assert_uint_ne(poll_word(&w), 0);
  unsigned long cycles = ccgc_collector_cycle_count(w.collector);
  ck_assert(!ccgc_collector_safepoint(w.collector));
  ck_assert_uint_eq(poll_word(&w), 0);
  ck_assert(!ccgc_collector_safepoint(w.collector));
  ck_assert_uint_eq(ccgc_collector_cycle_count(w.collector), cycles);
  ck_assert_uint_eq(w.errors.count, 0);
  close_world(&w);
}
END_TEST

START_TEST(test_full_request) {
  world w;
  open_world(&w, false);
  settle(&w);
  unsigned long cycles = ccgc_collector_cycle_count(w.collector);
  ccgc_collector_request_gc(w.collector, CCGC_REASON_TESTING);
  ck_assert(ccgc_collector_safepoint(w.collector));
  ck_assert_uint_eq(ccgc_collector_cycle_count(w.collector), cycles + 1);
  settle(&w);
  close_world(&w);
}
END_TEST

/* The nursery's own request, from an allocation that filled it. */
START_TEST(test_minor_request) {
  world w;
  open_world(&w, false);
  settle(&w);
  unsigned long minors = ccgc_collector_minor_count(w.collector);
  v8ish_handle_scope scope;
  v8ish_handle_scope_open(w.script, &scope);
  int polls = 0;
  for (int i = 0; i < 1000000 && ccgc_collector_minor_count(w.collector) == minors; i++) {
    v8ish_handle_scope inner;
    v8ish_handle_scope_open(w.script, &inner);
    ck_assert(!v8ish_local_is_empty(v8ish_fixed_array_new(w.script, 4)));
    v8ish_handle_scope_close(&inner);
    if (ccgc_collector_safepoint(w.collector)) polls++;
  }
  v8ish_handle_scope_close(&scope);
  ck_assert_int_eq(polls, 1);
  ck_assert_uint_eq(ccgc_collector_minor_count(w.collector), minors + 1);
  settle(&w);
  close_world(&w);
}
END_TEST

/* The pacing's finish: a step that finds marking complete asks for the
 * atomic pause at the next safepoint. */
START_TEST(test_incremental_finish_request) {
  world w;
  open_world(&w, true);
  settle(&w);
  start_paced_cycle(&w);
  unsigned long cycles = ccgc_collector_cycle_count(w.collector);
  while (!ccgc_incremental_step(w.collector, 1.0)) {
  }
  ck_assert(ccgc_collector_safepoint(w.collector)); /* the atomic pause */
  ck_assert_int_ne(ccgc_collector_state(w.collector), CCGC_STATE_MARKING);
  ck_assert_uint_eq(ccgc_collector_cycle_count(w.collector), cycles + 1);
  close_world(&w);
}
END_TEST

/* An allocation failing at the hard limit asks for a whole collection
 * (ccgc_collector_request_gc_at_limit): while a paced cycle marks, the
 * heaps' soft-limit requests are answered by the cycle and cleared, so this
 * request alone must make the next poll collect. */
START_TEST(test_limit_request) {
  world w;
  open_world(&w, true);
  start_paced_cycle(&w);
  unsigned long cycles = ccgc_collector_cycle_count(w.collector);
  ccgc_collector_request_gc_at_limit(w.collector);
  ck_assert(ccgc_collector_safepoint(w.collector));
  ck_assert_uint_eq(ccgc_collector_cycle_count(w.collector), cycles + 1);
  close_world(&w);
}
END_TEST

/* An allocation's pacing step asks for the atomic pause when marking is
 * complete (cycle.c) or when the cycle's allocation budget is spent
 * (pacing.c): here the budget, with marking far from complete (a chain of
 * arrays, the step's minimum of objects). */
START_TEST(test_pacing_budget_request) {
  world w;
  open_world(&w, true);
  v8ish_handle_scope scope;
  v8ish_handle_scope_open(w.script, &scope);
  v8ish_local head = v8ish_fixed_array_new(w.script, 1);
  for (int i = 0; i < 20000; i++) {
    v8ish_local next = v8ish_fixed_array_new(w.script, 1);
    v8ish_array_set(w.script, next, 0, head);
    head = next;
  }
  v8ish_global root = v8ish_global_new(w.script, head, false);
  v8ish_handle_scope_close(&scope);
  start_paced_cycle(&w);
  unsigned long cycles = ccgc_collector_cycle_count(w.collector);
  /* The budget spent, and no work estimated: the step marks its minimum. */
  w.collector->pacing.budget_bytes = 0;
  w.collector->pacing.work_objects = 0;
  ccgc_pacing_step(w.collector);
  ck_assert(w.collector->pacing.finish_requested);
  ck_assert(!ccgc_marker_has_no_work(&w.collector->marker));
  ck_assert(ccgc_collector_safepoint(w.collector));
  ck_assert_uint_eq(ccgc_collector_cycle_count(w.collector), cycles + 1);
  v8ish_global_free(w.script, root);
  close_world(&w);
}
END_TEST

static void *poll_from_thread(void *data) {
  world *w = data;
  return (void *)(uintptr_t)ccgc_collector_safepoint(w->collector);
}

START_TEST(test_misuse_still_reported) {
  world w;
  open_world(&w, false);
  settle(&w);
  /* Another thread: the gate's word is not its token. */
  pthread_t thread;
  void *answer;
  ck_assert_int_eq(pthread_create(&thread, NULL, poll_from_thread, &w), 0);
  ck_assert_int_eq(pthread_join(thread, &answer), 0);
  ck_assert_ptr_null(answer);
  ck_assert_uint_eq(w.errors.count, 1);
  ck_assert_int_eq(w.errors.last_code, CCGC_E_WRONG_THREAD);
  ck_assert_ptr_nonnull(strstr(w.errors.last_message, "ccgc_collector_safepoint"));
  close_world(&w);
}
END_TEST

static int callback_polls, callback_answers;
static ccgc_collector *callback_collector;

static void poll_in_callback(void *data) {
  (void)data;
  callback_polls++;
  if (ccgc_collector_safepoint(callback_collector)) callback_answers++;
}

/* Inside a collection's listener the gate is closed: the poll reaches the
 * library even with the poll word clear, and runs nothing there. */
START_TEST(test_inside_callback) {
  world w;
  open_world(&w, false);
  settle(&w);
  callback_collector = w.collector;
  callback_polls = callback_answers = 0;
  static const ccgc_event_listener listener = {.sweep_start = poll_in_callback};
  ck_assert_int_eq(ccgc_collector_add_listener(w.collector, &listener, NULL), CCGC_OK);
  unsigned long cycles = ccgc_collector_cycle_count(w.collector);
  ck_assert_int_eq(ccgc_collect(w.collector, CCGC_REASON_TESTING), CCGC_OK);
  ck_assert_int_eq(callback_polls, 1);
  ck_assert_int_eq(callback_answers, 0);
  ck_assert_uint_eq(ccgc_collector_cycle_count(w.collector), cycles + 1);
  close_world(&w);
}
END_TEST

static Suite *safepoint_poll_suite(void) {
  Suite *s = suite_create("safepoint-poll");
  TCase *tc = tcase_create("core");
  tcase_add_test(tc, test_nothing_due_clears);
  tcase_add_test(tc, test_full_request);
  tcase_add_test(tc, test_minor_request);
  tcase_add_test(tc, test_incremental_finish_request);
  tcase_add_test(tc, test_limit_request);
  tcase_add_test(tc, test_pacing_budget_request);
  tcase_add_test(tc, test_misuse_still_reported);
  tcase_add_test(tc, test_inside_callback);
  suite_add_tcase(s, tc);
  return s;
}

int main(void) { return ccgc_test_run(safepoint_poll_suite()); }
