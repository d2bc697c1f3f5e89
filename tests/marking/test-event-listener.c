/* test-event-listener.c - the collector's event listeners (ccgc-events.h):
 * every cycle, stop-the-world or incremental, announces cycle_start,
 * marking_done and cycle_end in that order to every listener in the order
 * they were added; marking_done sees final liveness before anything is
 * reclaimed; cycle_end sees the cycle's stats; misuse is refused; the
 * collector frees its listeners' data.
 *
 * The phases of a full cycle (the second half, on both real heaps): every
 * event of ccgc-events.h in its documented order - stop-the-world,
 * incremental with its steps, a minor collection between two steps or
 * between two cycles, steps run by allocation - each event to every
 * listener before the next; the state and liveness each event promises;
 * inside the collection a listener may only read. */
#include <check.h>
#include <string.h>

#include "blinkish.h"
#include "ccgc-events.h"
#include "ccgc-test.h"
#include "mock-world.h"
#include "v8ish.h"

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

static Suite *suite(void) {
  Suite *s = suite_create("event-listener");
  TCase *tc = tcase_create("core");
  tcase_add_test(tc, stop_the_world_announces_every_phase_in_order_to_every_listener);
  tcase_add_test(tc, incremental_cycle_announces_each_step_and_a_minor_collection_between);
  tcase_add_test(tc, a_minor_collection_between_stop_the_world_cycles_stays_outside_them);
  tcase_add_test(tc, steps_run_by_allocation_and_idle_time_are_announced_too);
  tcase_add_test(tc, inside_the_collection_a_listener_may_only_read);
  tcase_add_test(tc, a_compaction_announces_the_objects_moved_before_marking_done);
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
