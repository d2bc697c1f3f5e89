/* test-cycle-events.c - the phases of a full cycle as listeners see them
 * (ccgc-events.h), on both real heaps: every event in its documented order -
 * stop-the-world, incremental with its steps, a minor collection between
 * two steps or between two cycles, steps run by allocation and idle time, a
 * compaction's objects_moved before marking_done - each event to every
 * listener before the next; the state and liveness each event promises;
 * inside the collection a listener may only read. The listener list itself:
 * test-event-listener.c. */
#include <check.h>
#include <string.h>

#include "blinkish.h"
#include "ccgc-events.h"
#include "ccgc-page.h" /* ccgc_is_marked: liveness at each event */
#include "ccgc-test.h"
#include "v8ish.h"

/* --- Every phase of a full cycle, on the two real heaps -------------------- */

typedef struct phase_world {
  ccgc_collector *collector;
  v8ish_heap *script;
  blinkish_heap *dom;
  blinkish_type_id node_type;
  ccgc_test_errors errors;
} phase_world;

typedef struct node {
  struct node *next;
} node;

static void trace_node(ccgc_visitor *visitor, void *object) {
  blinkish_trace_member(visitor, (void *const *)&((node *)object)->next, "next");
}

/* Fills *w in place: the error handler records into w->errors. */
static void phase_world_init(phase_world *w, size_t step_bytes) {
  ccgc_collector_options options = {.verify = true,
                                    .incremental_step_bytes = step_bytes};
  w->collector = ccgc_collector_new(&options);
  w->script = v8ish_heap_new(w->collector, NULL); /* with a young generation */
  w->dom = blinkish_heap_new(w->collector, NULL);
  blinkish_type_info info = {"Node", trace_node, NULL, 0};
  w->node_type = blinkish_register_type(w->dom, &info);
  ck_assert_uint_ne(w->node_type, 0);
  ccgc_test_capture_errors(w->collector, &w->errors);
}

static void phase_world_free(phase_world *w) {
  blinkish_heap_free(w->dom);
  v8ish_heap_free(w->script);
  ccgc_collector_free(w->collector);
}

/* One log for every phase listener: "<label>:<event> ". */
static char phases[4096];
static phase_world *observed;  /* what the listeners check */
static node *doomed;           /* a DOM object this cycle finds dead */
static int doomed_at_sweep_start = -1, doomed_at_sweep_end = -1;
static unsigned steps_seen;
static double step_ms_sum;
static bool last_step_complete;
static unsigned long pause_end_cycle;
static size_t pause_end_dom_objects;
static ccgc_cycle_stats pause_end_record;
static ccgc_gc_state states[16];   /* per event kind, below */
static bool inside[16];            /* ccgc_collector_in_collection there */

enum { EV_STEP_START, EV_STEP_END, EV_PAUSE_START, EV_DONE, EV_SWEEP_START,
       EV_SWEEP_END, EV_PAUSE_END };

static void log_event(void *data, const char *what, int kind) {
  char entry[48];
  snprintf(entry, sizeof entry, "%s:%s ", (const char *)data, what);
  strncat(phases, entry, sizeof phases - strlen(phases) - 1);
  if (kind >= 0 && observed) {
    states[kind] = ccgc_collector_state(observed->collector);
    inside[kind] = ccgc_collector_in_collection(observed->collector);
  }
}

static void ph_cycle_start(void *data, ccgc_gc_reason reason, bool inc) {
  (void)reason, (void)inc;
  log_event(data, "start", -1);
}
static void ph_step_start(void *data) { log_event(data, "step+", EV_STEP_START); }
static void ph_step_end(void *data, double ms, bool complete) {
  log_event(data, "step-", EV_STEP_END);
  steps_seen++;
  step_ms_sum += ms;
  last_step_complete = complete;
}
static void ph_pause_start(void *data) { log_event(data, "pause+", EV_PAUSE_START); }
static void ph_done(void *data) { log_event(data, "done", EV_DONE); }
static void ph_sweep_start(void *data) {
  log_event(data, "sweep+", EV_SWEEP_START);
  if (doomed && observed) /* dead, but still allocated and intact */
    doomed_at_sweep_start = blinkish_is_object(observed->dom, doomed) &&
                            !ccgc_is_marked(doomed);
}
static void ph_sweep_end(void *data) {
  log_event(data, "sweep-", EV_SWEEP_END);
  if (doomed && observed) doomed_at_sweep_end = blinkish_is_object(observed->dom, doomed);
}
static void ph_pause_end(void *data, const ccgc_cycle_stats *stats) {
  log_event(data, "pause-", EV_PAUSE_END);
  pause_end_cycle = stats->cycle;
  pause_end_record = *stats;
  if (observed) {
    int id = blinkish_heap_collector_id(observed->dom);
    pause_end_dom_objects = stats->heaps[id].after.object_count;
  }
}
static void ph_end(void *data, const ccgc_cycle_stats *stats) {
  (void)stats;
  log_event(data, "end", -1);
}
static void ph_minor_start(void *data, ccgc_gc_reason reason) {
  (void)reason;
  log_event(data, "minor+", -1);
}
static void ph_minor_done(void *data) { log_event(data, "minor.", -1); }
static void ph_minor_end(void *data, const ccgc_minor_stats *stats) {
  (void)stats;
  log_event(data, "minor-", -1);
}

/* objects_moved: where the watched script object went, as
 * ccgc_collector_relocated says inside the event. */
static ccgc_collector *moves_collector;
static void *moves_watched, *moves_answer;
static ccgc_status moves_alloc = CCGC_OK;
static void ph_moved(void *data) {
  log_event(data, "moved", -1);
  if (!moves_collector) return;
  moves_answer = ccgc_collector_relocated(moves_collector, moves_watched);
  moves_alloc = ccgc_collect(moves_collector, CCGC_REASON_TESTING);
}

static const ccgc_event_listener every_phase = {
    .objects_moved = ph_moved,
    .cycle_start = ph_cycle_start,
    .marking_done = ph_done,
    .cycle_end = ph_end,
    .minor_start = ph_minor_start,
    .minor_done = ph_minor_done,
    .minor_end = ph_minor_end,
    .incremental_step_start = ph_step_start,
    .incremental_step_end = ph_step_end,
    .atomic_pause_start = ph_pause_start,
    .sweep_start = ph_sweep_start,
    .sweep_end = ph_sweep_end,
    .atomic_pause_end = ph_pause_end,
};

static void reset_phases(phase_world *w) {
  phases[0] = 0;
  observed = w;
  doomed = NULL;
  doomed_at_sweep_start = doomed_at_sweep_end = -1;
  steps_seen = 0;
  step_ms_sum = 0;
  last_step_complete = false;
  memset(states, 0xff, sizeof states);
  memset(inside, 0, sizeof inside);
}

/* A young script object that survives (a global), so the minor collection
 * has something to move. */
static v8ish_global young_survivor(phase_world *w) {
  v8ish_handle_scope scope;
  v8ish_handle_scope_open(w->script, &scope);
  v8ish_global global = v8ish_global_new(w->script, v8ish_object_new(w->script), false);
  v8ish_handle_scope_close(&scope);
  return global;
}

START_TEST(stop_the_world_announces_every_phase_in_order_to_every_listener) {
  phase_world w;
  phase_world_init(&w, 0);
  reset_phases(&w);
  ccgc_collector_add_listener(w.collector, &every_phase, "A");
  ccgc_collector_add_listener(w.collector, &every_phase, "B");
  node *kept = blinkish_alloc(w.dom, w.node_type, sizeof(node));
  blinkish_persistent *root = blinkish_persistent_new(w.dom, kept, false);
  doomed = blinkish_alloc(w.dom, w.node_type, sizeof(node));
  ck_assert_int_eq(ccgc_collect(w.collector, CCGC_REASON_TESTING), CCGC_OK);
  ck_assert_str_eq(phases,
                   "A:start B:start A:pause+ B:pause+ A:done B:done "
                   "A:sweep+ B:sweep+ A:sweep- B:sweep- A:pause- B:pause- "
                   "A:end B:end ");
  ck_assert_uint_eq(steps_seen, 0); /* no steps in a stop-the-world cycle */
  ck_assert_int_eq(states[EV_PAUSE_START], CCGC_STATE_ATOMIC_PAUSE);
  ck_assert_int_eq(states[EV_DONE], CCGC_STATE_ATOMIC_PAUSE);
  ck_assert_int_eq(states[EV_SWEEP_START], CCGC_STATE_SWEEPING);
  ck_assert_int_eq(states[EV_SWEEP_END], CCGC_STATE_SWEEPING);
  for (int kind = EV_PAUSE_START; kind <= EV_PAUSE_END; kind++)
    ck_assert_msg(inside[kind], "event %d outside the collection", kind);
  ck_assert_int_eq(doomed_at_sweep_start, 1); /* dead, intact */
  ck_assert_int_eq(doomed_at_sweep_end, 0);   /* freed by the sweep */
  /* atomic_pause_end had this cycle's final record. */
  const ccgc_cycle_stats *last = ccgc_collector_last_cycle(w.collector);
  ck_assert_uint_eq(pause_end_cycle, last->cycle);
  ck_assert_uint_eq(pause_end_dom_objects,
                    last->heaps[blinkish_heap_collector_id(w.dom)].after.object_count);
  ck_assert_uint_eq(pause_end_dom_objects, 1);
  /* The trace line's figures too (they were 0 there, set after the
   * listeners: found by an audit): the same line from either record. */
  ck_assert(pause_end_record.current_mu > 0 && pause_end_record.average_mu > 0);
  ck_assert(pause_end_record.mutator_ms == last->mutator_ms &&
            pause_end_record.average_mu == last->average_mu &&
            pause_end_record.current_mu == last->current_mu);
  char from_event[512], from_last[512];
  ccgc_format_trace_line(w.collector, &pause_end_record, from_event, sizeof from_event);
  ccgc_format_trace_line(w.collector, last, from_last, sizeof from_last);
  ck_assert_str_eq(from_event, from_last);
  ck_assert_uint_eq(w.errors.count, 0);
  observed = NULL;
  blinkish_persistent_free(w.dom, root);
  phase_world_free(&w);
}
END_TEST

/* A compacting cycle (script heap, docs/compaction.md) announces
 * objects_moved in the pause before marking_done; inside it
 * ccgc_collector_relocated gives a moved object's new address. */
START_TEST(a_compaction_announces_the_objects_moved_before_marking_done) {
  ccgc_collector_options options = {.verify = true};
  ccgc_collector *collector = ccgc_collector_new(&options);
  v8ish_heap_options heap_options = {.no_young_generation = 1};
  v8ish_heap *script = v8ish_heap_new(collector, &heap_options);
  v8ish_handle_scope scope;
  v8ish_handle_scope_open(script, &scope);
  enum { COUNT = 20000, KEEP = 20 };
  v8ish_local holder = v8ish_fixed_array_new(script, COUNT / KEEP);
  for (int i = 0; i < COUNT; i++) {
    v8ish_local array = v8ish_fixed_array_new(script, 2);
    if (i % KEEP == 0) v8ish_array_set(script, holder, (size_t)(i / KEEP), array);
  }
  v8ish_local last = v8ish_array_get(script, holder, COUNT / KEEP - 1);
  ck_assert_int_eq(ccgc_collect(collector, CCGC_REASON_TESTING), CCGC_OK);
  phases[0] = 0;
  observed = NULL;
  moves_collector = collector;
  moves_watched = v8ish_object_address(script, last);
  ccgc_collector_add_listener(collector, &every_phase, "A");
  ck_assert_int_eq(v8ish_heap_request_compaction(script), CCGC_OK);
  ck_assert_int_eq(ccgc_collect(collector, CCGC_REASON_TESTING), CCGC_OK);
  ck_assert_str_eq(phases, "A:start A:pause+ A:moved A:done A:sweep+ A:sweep- A:pause- A:end ");
  void *now = v8ish_object_address(script, last);
  ck_assert_ptr_ne(now, moves_watched); /* it moved */
  ck_assert_ptr_eq(moves_answer, now);  /* and the event said where */
  ck_assert_int_eq(moves_alloc, CCGC_E_IN_COLLECTION); /* read only */
  /* Outside the event the answer is the address itself. */
  ck_assert_ptr_eq(ccgc_collector_relocated(collector, moves_watched), moves_watched);
  moves_collector = NULL;
  v8ish_handle_scope_close(&scope);
  v8ish_heap_free(script);
  ccgc_collector_free(collector);
}
END_TEST

START_TEST(incremental_cycle_announces_each_step_and_a_minor_collection_between) {
  phase_world w;
  phase_world_init(&w, 0);
  reset_phases(&w);
  v8ish_global survivor = young_survivor(&w);
  ccgc_collector_add_listener(w.collector, &every_phase, "A");
  ck_assert_int_eq(ccgc_incremental_start(w.collector, CCGC_REASON_TESTING), CCGC_OK);
  ccgc_incremental_step(w.collector, 100.0);
  ck_assert_int_eq(ccgc_collect_minor(w.collector, CCGC_REASON_TESTING), CCGC_OK);
  ccgc_incremental_step(w.collector, 100.0);
  ck_assert_str_eq(phases, "A:start A:step+ A:step- A:minor+ A:minor. A:minor- "
                           "A:step+ A:step- ");
  ck_assert_int_eq(states[EV_STEP_START], CCGC_STATE_MARKING);
  ck_assert(inside[EV_STEP_START] && inside[EV_STEP_END]);
  ck_assert(last_step_complete); /* a small heap: the second step finished it */
  ck_assert_int_eq(ccgc_incremental_finish(w.collector), CCGC_OK);
  ck_assert_str_eq(phases, "A:start A:step+ A:step- A:minor+ A:minor. A:minor- "
                           "A:step+ A:step- A:pause+ A:done A:sweep+ A:sweep- "
                           "A:pause- A:end ");
  /* step_end's durations are the cycle's steps. */
  const ccgc_cycle_stats *last = ccgc_collector_last_cycle(w.collector);
  ck_assert_uint_eq(last->steps, 2);
  ck_assert_uint_eq(steps_seen, 2);
  ck_assert_double_eq_tol(step_ms_sum, last->incremental_ms, 1e-9);
  ck_assert_uint_eq(w.errors.count, 0);
  observed = NULL;
  v8ish_global_free(w.script, survivor);
  phase_world_free(&w);
}
END_TEST

START_TEST(a_minor_collection_between_stop_the_world_cycles_stays_outside_them) {
  phase_world w;
  phase_world_init(&w, 0);
  reset_phases(&w);
  v8ish_global survivor = young_survivor(&w);
  ccgc_collector_add_listener(w.collector, &every_phase, "A");
  ccgc_collect(w.collector, CCGC_REASON_TESTING);
  v8ish_global second = young_survivor(&w); /* young again after the full GC */
  ck_assert_int_eq(ccgc_collect_minor(w.collector, CCGC_REASON_TESTING), CCGC_OK);
  ccgc_collect(w.collector, CCGC_REASON_TESTING);
  ck_assert_str_eq(phases,
                   "A:start A:pause+ A:done A:sweep+ A:sweep- A:pause- A:end "
                   "A:minor+ A:minor. A:minor- "
                   "A:start A:pause+ A:done A:sweep+ A:sweep- A:pause- A:end ");
  observed = NULL;
  v8ish_global_free(w.script, survivor);
  v8ish_global_free(w.script, second);
  phase_world_free(&w);
}
END_TEST

/* Each step announced, whoever runs it: the idle notification's and the
 * ones allocation runs (inside blinkish_alloc). */
START_TEST(steps_run_by_allocation_and_idle_time_are_announced_too) {
  phase_world w;
  phase_world_init(&w, 1024); /* a step per KiB allocated */
  reset_phases(&w);
  ccgc_collector_add_listener(w.collector, &every_phase, "A");
  ck_assert_int_eq(ccgc_incremental_start(w.collector, CCGC_REASON_TESTING), CCGC_OK);
  for (int i = 0; i < 4000; i++)
    ck_assert_ptr_nonnull(blinkish_alloc(w.dom, w.node_type, 64));
  unsigned by_allocation = steps_seen;
  ck_assert_uint_gt(by_allocation, 0);
  ccgc_idle_notification(w.collector, 1000.0); /* steps, then finishes */
  ck_assert_uint_eq(ccgc_collector_cycle_count(w.collector), 1);
  const ccgc_cycle_stats *last = ccgc_collector_last_cycle(w.collector);
  ck_assert_uint_eq(steps_seen, last->steps);
  ck_assert_uint_eq(steps_seen, by_allocation + 1);
  /* Balanced: every step+ is followed by its step-, then the pause. */
  const char *at = phases + strlen("A:start ");
  ck_assert_int_eq(strncmp(phases, "A:start ", 8), 0);
  for (unsigned i = 0; i < steps_seen; i++) {
    ck_assert_int_eq(strncmp(at, "A:step+ A:step- ", 16), 0);
    at += 16;
  }
  ck_assert_str_eq(at, "A:pause+ A:done A:sweep+ A:sweep- A:pause- A:end ");
  observed = NULL;
  phase_world_free(&w);
}
END_TEST

/* What a listener may do: inside the collection only read; at cycle_end
 * anything. */
static ccgc_status alloc_in[16], collect_in[16], step_in[16], idle_in[16], switch_in[16];
static bool alloc_ok_at_end;
static void try_calls(int kind) {
  node *n = blinkish_alloc(observed->dom, observed->node_type, sizeof(node));
  alloc_in[kind] = n ? CCGC_OK : ccgc_collector_last_error(observed->collector)->code;
  collect_in[kind] = ccgc_collect(observed->collector, CCGC_REASON_TESTING);
  /* The bool calls record it (recoverable). */
  ccgc_collector_clear_error(observed->collector);
  step_in[kind] = ccgc_incremental_step(observed->collector, 1.0)
                      ? CCGC_OK
                      : ccgc_collector_last_error(observed->collector)->code;
  ccgc_collector_clear_error(observed->collector);
  idle_in[kind] = ccgc_idle_notification(observed->collector, 1.0)
                      ? CCGC_OK
                      : ccgc_collector_last_error(observed->collector)->code;
  /* A testing switch too (ccgc-testing.h: outside a collection only). */
  ccgc_collector_clear_error(observed->collector);
  ccgc_collector_break_pretenuring(observed->collector, true);
  switch_in[kind] = ccgc_collector_last_error(observed->collector)->code;
}
static void rule_step_start(void *data) { (void)data, try_calls(EV_STEP_START); }
static void rule_pause_start(void *data) { (void)data, try_calls(EV_PAUSE_START); }
static void rule_sweep_start(void *data) { (void)data, try_calls(EV_SWEEP_START); }
static void rule_sweep_end(void *data) { (void)data, try_calls(EV_SWEEP_END); }
static void rule_pause_end(void *data, const ccgc_cycle_stats *stats) {
  (void)data, (void)stats;
  try_calls(EV_PAUSE_END);
}
static void rule_end(void *data, const ccgc_cycle_stats *stats) {
  (void)data, (void)stats;
  alloc_ok_at_end = blinkish_alloc(observed->dom, observed->node_type, sizeof(node)) != NULL;
}
static const ccgc_event_listener rules = {
    .incremental_step_start = rule_step_start,
    .atomic_pause_start = rule_pause_start,
    .sweep_start = rule_sweep_start,
    .sweep_end = rule_sweep_end,
    .atomic_pause_end = rule_pause_end,
    .cycle_end = rule_end,
};

START_TEST(inside_the_collection_a_listener_may_only_read) {
  phase_world w;
  phase_world_init(&w, 0);
  reset_phases(&w);
  ccgc_collector_add_listener(w.collector, &rules, NULL);
  ccgc_incremental_start(w.collector, CCGC_REASON_TESTING);
  ccgc_incremental_step(w.collector, 10.0);
  ccgc_incremental_finish(w.collector);
  int kinds[] = {EV_STEP_START, EV_PAUSE_START, EV_SWEEP_START, EV_SWEEP_END,
                 EV_PAUSE_END};
  for (size_t i = 0; i < sizeof kinds / sizeof *kinds; i++) {
    ck_assert_msg(alloc_in[kinds[i]] == CCGC_E_IN_COLLECTION,
                  "allocation in event %d: %d", kinds[i], alloc_in[kinds[i]]);
    ck_assert_msg(collect_in[kinds[i]] == CCGC_E_IN_COLLECTION,
                  "collection in event %d: %d", kinds[i], collect_in[kinds[i]]);
    ck_assert_msg(step_in[kinds[i]] == CCGC_E_IN_COLLECTION,
                  "incremental step in event %d: %d", kinds[i], step_in[kinds[i]]);
    ck_assert_msg(idle_in[kinds[i]] == CCGC_E_IN_COLLECTION,
                  "idle notification in event %d: %d", kinds[i], idle_in[kinds[i]]);
    ck_assert_msg(switch_in[kinds[i]] == CCGC_E_IN_COLLECTION,
                  "testing switch in event %d: %d", kinds[i], switch_in[kinds[i]]);
  }
  ck_assert(alloc_ok_at_end);
  ck_assert_uint_eq(ccgc_collector_cycle_count(w.collector), 1);
  observed = NULL;
  phase_world_free(&w);
}
END_TEST

/* Freeing a heap from a listener inside a collection (cycle_start,
 * minor_start, minor_done) is misuse tagged `.api.outside-collection`, as
 * docs/errors.md says, for either heap (the script heap's said
 * `.api.no-heap-calls-in-callbacks`; found by an audit); nothing is freed. */
static unsigned free_refusals, free_wrong_tags;
static void try_frees(void) {
  v8ish_heap_free(observed->script);
  const ccgc_error *error = ccgc_collector_last_error(observed->collector);
  free_refusals += error->code == CCGC_E_IN_COLLECTION;
  free_wrong_tags += strcmp(error->check, ".api.outside-collection") != 0;
  ccgc_collector_clear_error(observed->collector);
  blinkish_heap_free(observed->dom);
  error = ccgc_collector_last_error(observed->collector);
  free_refusals += error->code == CCGC_E_IN_COLLECTION;
  free_wrong_tags += strcmp(error->check, ".api.outside-collection") != 0;
}
static void free_at_start(void *data, ccgc_gc_reason reason, bool incremental) {
  (void)data, (void)reason, (void)incremental;
  try_frees();
}
static void free_at_minor_start(void *data, ccgc_gc_reason reason) {
  (void)data, (void)reason;
  try_frees();
}
static void free_at_minor_done(void *data) { (void)data, try_frees(); }
static const ccgc_event_listener freeing = {.cycle_start = free_at_start,
                                            .minor_start = free_at_minor_start,
                                            .minor_done = free_at_minor_done};

START_TEST(a_listener_inside_a_collection_may_not_free_a_heap) {
  phase_world w;
  phase_world_init(&w, 0);
  observed = &w;
  free_refusals = free_wrong_tags = 0;
  ccgc_collector_add_listener(w.collector, &freeing, NULL);
  ck_assert_int_eq(ccgc_collect(w.collector, CCGC_REASON_TESTING), CCGC_OK);
  ck_assert_int_eq(ccgc_collect_minor(w.collector, CCGC_REASON_TESTING), CCGC_OK);
  ck_assert_uint_eq(free_refusals, 6);
  ck_assert_uint_eq(free_wrong_tags, 0);
  ck_assert_uint_eq(w.errors.count, 6);
  /* Both heaps are still there. */
  ck_assert_ptr_nonnull(blinkish_alloc(w.dom, w.node_type, sizeof(node)));
  v8ish_handle_scope scope;
  v8ish_handle_scope_open(w.script, &scope);
  ck_assert(!v8ish_local_is_empty(v8ish_object_new(w.script)));
  v8ish_handle_scope_close(&scope);
  ccgc_collector_remove_listener(w.collector, &freeing, NULL);
  observed = NULL;
  phase_world_free(&w);
}
END_TEST

static Suite *suite(void) {
  Suite *s = suite_create("cycle-events");
  TCase *tc = tcase_create("core");
  tcase_add_test(tc, stop_the_world_announces_every_phase_in_order_to_every_listener);
  tcase_add_test(tc, incremental_cycle_announces_each_step_and_a_minor_collection_between);
  tcase_add_test(tc, a_minor_collection_between_stop_the_world_cycles_stays_outside_them);
  tcase_add_test(tc, steps_run_by_allocation_and_idle_time_are_announced_too);
  tcase_add_test(tc, inside_the_collection_a_listener_may_only_read);
  tcase_add_test(tc, a_compaction_announces_the_objects_moved_before_marking_done);
  tcase_add_test(tc, a_listener_inside_a_collection_may_not_free_a_heap);
  suite_add_tcase(s, tc);
  return s;
}

int main(void) { return ccgc_test_run(suite()); }
