/* test-event-listener.c - the collector's event listeners (ccgc-events.h):
 * every cycle, stop-the-world or incremental, announces cycle_start,
 * marking_done and cycle_end in that order to every listener in the order
 * they were added; marking_done sees final liveness before anything is
 * reclaimed; cycle_end sees the cycle's stats; misuse is refused; the
 * collector frees its listeners' data; a listener removed during an
 * announcement leaves the others theirs. Every phase of a full cycle on the
 * real heaps: test-cycle-events.c. */
#include <check.h>
#include <string.h>

#include "ccgc-events.h"
#include "ccgc-test.h"
#include "mock-world.h"

typedef struct recorder {
  char log[512];
  int id;
  mock_object *watched;     /* liveness seen by marking_done */
  int watched_marked;       /* -1: not seen */
  int watched_dead_at_done; /* reclaimed before marking_done? */
  unsigned long last_cycle;
  bool last_incremental;
  int freed;
} recorder;

static void append(recorder *r, const char *what) {
  char entry[32];
  snprintf(entry, sizeof entry, "%s%d ", what, r->id);
  strncat(r->log, entry, sizeof r->log - strlen(r->log) - 1);
}

static void on_start(void *data, ccgc_gc_reason reason, bool incremental) {
  recorder *r = data;
  ck_assert_int_eq(reason, CCGC_REASON_TESTING);
  r->last_incremental = incremental;
  append(r, "start");
}

static void on_marking_done(void *data) {
  recorder *r = data;
  append(r, "done");
  if (r->watched) {
    r->watched_marked = ccgc_is_marked(r->watched);
    r->watched_dead_at_done = r->watched->dead;
  }
}

static void on_end(void *data, const ccgc_cycle_stats *stats) {
  recorder *r = data;
  r->last_cycle = stats->cycle;
  append(r, "end");
}

static void on_freed(void *data) { ((recorder *)data)->freed++; }

static const ccgc_event_listener listener = {
    .cycle_start = on_start,
    .marking_done = on_marking_done,
    .cycle_end = on_end,
    .collector_freed = on_freed,
};

/* Shared log for the ordering of two listeners. */
static char shared_log[512];
static void shared_start(void *data, ccgc_gc_reason reason, bool inc) {
  (void)reason, (void)inc;
  strncat(shared_log, (const char *)data, sizeof shared_log - strlen(shared_log) - 1);
}
static const ccgc_event_listener shared = {.cycle_start = shared_start};

START_TEST(stop_the_world_cycle_announces_every_phase_in_order) {
  mock_world w = mock_world_new(NULL);
  recorder r = {.id = 1, .watched_marked = -1};
  ck_assert_int_eq(ccgc_collector_add_listener(w.collector, &listener, &r), CCGC_OK);
  ccgc_test_collect_verified(w.collector);
  ck_assert_str_eq(r.log, "start1 done1 end1 ");
  ck_assert(!r.last_incremental);
  ck_assert_uint_eq(r.last_cycle, 1);
  ck_assert_uint_eq(r.last_cycle, ccgc_collector_last_cycle(w.collector)->cycle);
  mock_world_free(&w);
  ck_assert_int_eq(r.freed, 1);
}
END_TEST

START_TEST(incremental_cycle_announces_start_at_start_and_the_rest_at_finish) {
  mock_world w = mock_world_new(NULL);
  recorder r = {.id = 7, .watched_marked = -1};
  ccgc_collector_add_listener(w.collector, &listener, &r);
  ck_assert_int_eq(ccgc_incremental_start(w.collector, CCGC_REASON_TESTING), CCGC_OK);
  ck_assert_str_eq(r.log, "start7 ");
  ck_assert(r.last_incremental);
  ccgc_incremental_step(w.collector, 1.0);
  ck_assert_str_eq(r.log, "start7 ");
  ck_assert_int_eq(ccgc_incremental_finish(w.collector), CCGC_OK);
  ck_assert_str_eq(r.log, "start7 done7 end7 ");
  mock_world_free(&w);
}
END_TEST

START_TEST(marking_done_sees_final_liveness_before_reclamation) {
  mock_world w = mock_world_new(NULL);
  mock_object *live = mock_alloc(w.a, 1), *dead = mock_alloc(w.b, 1);
  mock_add_root(w.a, live);
  recorder alive = {.id = 1, .watched = live, .watched_marked = -1};
  recorder gone = {.id = 2, .watched = dead, .watched_marked = -1};
  ccgc_collector_add_listener(w.collector, &listener, &alive);
  ccgc_collector_add_listener(w.collector, &listener, &gone);
  ccgc_test_collect_verified(w.collector);
  ck_assert_int_eq(alive.watched_marked, 1);
  ck_assert_int_eq(gone.watched_marked, 0);
  ck_assert_int_eq(gone.watched_dead_at_done, 0); /* not reclaimed yet */
  ck_assert(dead->dead);                          /* ... but afterwards */
  mock_world_free(&w);
  ck_assert_int_eq(alive.freed + gone.freed, 2);
}
END_TEST

START_TEST(listeners_run_in_the_order_added_and_can_be_removed) {
  mock_world w = mock_world_new(NULL);
  shared_log[0] = 0;
  ccgc_collector_add_listener(w.collector, &shared, "A");
  ccgc_collector_add_listener(w.collector, &shared, "B");
  ccgc_collector_add_listener(w.collector, &shared, "C");
  ccgc_test_collect_verified(w.collector);
  ck_assert_str_eq(shared_log, "ABC");
  ck_assert(ccgc_collector_remove_listener(w.collector, &shared, "B"));
  ck_assert(!ccgc_collector_remove_listener(w.collector, &shared, "B"));
  ccgc_test_collect_verified(w.collector);
  ck_assert_str_eq(shared_log, "ABCAC");
  ck_assert_str_eq(ccgc_collector_listener_data(w.collector, &shared), "A");
  ck_assert_ptr_null(ccgc_collector_listener_data(w.collector, &listener));
  mock_world_free(&w);
}
END_TEST

/* A listener that removes itself (or another) from cycle_end: every other
 * listener still hears the event; the removed one is not called after its
 * removal (walking the list by index, the next listener slid into the
 * removed one's slot and missed the event; found by an audit, 2026-12-07). */
typedef struct remover {
  ccgc_collector *collector;
  const ccgc_event_listener *self;
  const char *remove_data; /* whose entry to remove (NULL: none) */
  char *log;
  const char *name;
} remover;

static void remover_end(void *data, const ccgc_cycle_stats *stats) {
  (void)stats;
  remover *r = data;
  strcat(r->log, r->name);
  if (r->remove_data) {
    ccgc_collector_remove_listener(r->collector, r->self, (void *)r->remove_data);
    r->remove_data = NULL;
  }
}

static const ccgc_event_listener removing = {.cycle_end = remover_end};

START_TEST(a_listener_removed_during_an_announcement_leaves_the_rest_theirs) {
  mock_world w = mock_world_new(NULL);
  char log[64] = "";
  remover a = {w.collector, &removing, NULL, log, "A"};
  remover b = {w.collector, &removing, NULL, log, "B"};
  remover c = {w.collector, &removing, NULL, log, "C"};
  a.remove_data = (const char *)&a; /* A removes itself */
  ccgc_collector_add_listener(w.collector, &removing, &a);
  ccgc_collector_add_listener(w.collector, &removing, &b);
  ccgc_collector_add_listener(w.collector, &removing, &c);
  ccgc_test_collect_verified(w.collector);
  ck_assert_str_eq(log, "ABC");
  /* B removes C, which comes after it: C is not called. */
  b.remove_data = (const char *)&c;
  log[0] = 0;
  ccgc_test_collect_verified(w.collector);
  ck_assert_str_eq(log, "B");
  ccgc_test_collect_verified(w.collector);
  ck_assert_str_eq(log, "BB");
  mock_world_free(&w);
}
END_TEST

START_TEST(misuse_is_refused) {
  mock_world w = mock_world_new(NULL);
  ccgc_test_errors errors;
  ccgc_test_capture_errors(w.collector, &errors);
  recorder r = {.id = 1, .watched_marked = -1};
  ck_assert_int_eq(ccgc_collector_add_listener(w.collector, NULL, &r),
                   CCGC_E_INVALID_ARGUMENT);
  ck_assert_int_eq(ccgc_collector_add_listener(w.collector, &listener, &r), CCGC_OK);
  ck_assert_int_eq(ccgc_collector_add_listener(w.collector, &listener, &r),
                   CCGC_E_INVALID_ARGUMENT); /* the same pair twice */
  ck_assert_uint_eq(errors.count, 2);
  ck_assert_int_eq(ccgc_collector_add_listener(NULL, &listener, &r),
                   CCGC_E_INVALID_ARGUMENT);
  ccgc_test_collect_verified(w.collector);
  ck_assert_str_eq(r.log, "start1 done1 end1 "); /* called once per phase */
  mock_world_free(&w);
}
END_TEST

/* A listener that tries to add another from inside the collection. */
static ccgc_collector *adding_collector;
static ccgc_status add_result = CCGC_OK;
static void add_from_start(void *data, ccgc_gc_reason reason, bool inc) {
  (void)data, (void)reason, (void)inc;
  add_result = ccgc_collector_add_listener(adding_collector, &shared, "X");
}
static const ccgc_event_listener adding = {.cycle_start = add_from_start};

START_TEST(adding_inside_a_collection_is_refused) {
  mock_world w = mock_world_new(NULL);
  ccgc_test_errors errors;
  ccgc_test_capture_errors(w.collector, &errors);
  adding_collector = w.collector;
  ccgc_collector_add_listener(w.collector, &adding, NULL);
  ccgc_test_collect_verified(w.collector);
  ck_assert_int_eq(add_result, CCGC_E_IN_COLLECTION);
  ck_assert_ptr_null(ccgc_collector_listener_data(w.collector, &shared));
  mock_world_free(&w);
}
END_TEST

static Suite *suite(void) {
  Suite *s = suite_create("event-listener");
  TCase *tc = tcase_create("core");
  tcase_add_test(tc, stop_the_world_cycle_announces_every_phase_in_order);
  tcase_add_test(tc, incremental_cycle_announces_start_at_start_and_the_rest_at_finish);
  tcase_add_test(tc, marking_done_sees_final_liveness_before_reclamation);
  tcase_add_test(tc, listeners_run_in_the_order_added_and_can_be_removed);
  tcase_add_test(tc, misuse_is_refused);
  tcase_add_test(tc, a_listener_removed_during_an_announcement_leaves_the_rest_theirs);
  tcase_add_test(tc, adding_inside_a_collection_is_refused);
  suite_add_tcase(s, tc);
  return s;
}

int main(void) { return ccgc_test_run(suite()); }
