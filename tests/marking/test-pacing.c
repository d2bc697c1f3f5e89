/* test-pacing.c - automatic incremental collection
 * (ccgc_collector_options.incremental_marking, marking/pacing.c): a heap
 * that crosses its soft limit gets an incremental cycle at the next
 * safepoint, never a stop-the-world one; allocation-driven steps sized by
 * the pacing finish marking before the cycle's allocation budget is spent
 * (the last step before every atomic pause reports marking complete) even
 * when the host's time budget per step is tiny (the paced steps are sized
 * in objects, not by incremental_step_ms); a hard limit is never hit; live
 * objects survive and garbage is reclaimed. And without the option the
 * safepoint still collects stop-the-world. The step size alone
 * (ccgc_pacing_step_objects): the even share of the work left without
 * marker threads, the minimum while marker threads are ahead of the
 * schedule, never more than the even share when they are behind; past its
 * estimate the work grows with the visits. The work estimate of a cycle
 * after the first: the objects the last cycle found live, with its margin,
 * not every object (the dead ones made marker threads that had marked
 * everything live look behind). The budget counts old-generation
 * allocation only: a script heap's nursery pages drive steps but do not
 * spend it, the bytes a scavenge during marking promotes do. And
 * ccgc_collector_safepoint_due: true exactly when the safepoint runs
 * something. */
#include <check.h>

#include "blinkish.h"
#include "ccgc-events.h"
#include "ccgc-test.h"
#include "collector-internal.h"
#include "pacing.h"
#include "v8ish.h"

typedef struct node {
  struct node *next;
  long value;
  char pad[48];
} node;

static void trace_node(ccgc_visitor *visitor, void *object) {
  blinkish_trace_member(visitor, (void *const *)&((node *)object)->next, "next");
}

typedef struct record {
  int cycles, incremental_cycles, stw_cycles;
  int steps;
  bool last_step_complete;
  int pauses_after_complete_marking;
} record;

static void on_cycle_start(void *data, ccgc_gc_reason reason, bool incremental) {
  record *r = data;
  (void)reason;
  r->cycles++;
  if (incremental) r->incremental_cycles++;
  else r->stw_cycles++;
  r->last_step_complete = false;
}

static void on_step_end(void *data, double ms, bool complete) {
  record *r = data;
  (void)ms;
  r->steps++;
  r->last_step_complete = complete;
}

static void on_pause_start(void *data) {
  record *r = data;
  if (r->last_step_complete) r->pauses_after_complete_marking++;
}

static const ccgc_event_listener listener = {.cycle_start = on_cycle_start,
                                             .incremental_step_end = on_step_end,
                                             .atomic_pause_start = on_pause_start};

/* A host loop: a live list of `live` nodes rebuilt round by round, garbage
 * beside it, a safepoint every 64 allocations. */
static void run(bool automatic, record *r, size_t *heap_limit_errors) {
  ccgc_collector_options options = {.verify = true,
                                    .incremental_marking = automatic,
                                    .incremental_step_bytes = 64 * 1024,
                                    .incremental_step_ms = 1e-6};
  ccgc_collector *collector = ccgc_collector_new(&options);
  ccgc_test_errors errors;
  ccgc_test_capture_errors(collector, &errors);
  blinkish_heap_options heap_options = {.limit_bytes = (size_t)64 << 20,
                                        .soft_limit_bytes = (size_t)8 << 20};
  blinkish_heap *heap = blinkish_heap_new(collector, &heap_options);
  ck_assert_ptr_nonnull(heap);
  ccgc_collector_add_listener(collector, &listener, r);
  blinkish_type_info info = {"Node", trace_node, NULL, 0};
  blinkish_type_id type = blinkish_register_type(heap, &info);
  blinkish_persistent *root = blinkish_persistent_new(heap, NULL, false);
  const long live = 20000;
  for (int round = 0; round < 12; round++) {
    node *head = NULL;
    for (long i = 0; i < live; i++) {
      for (int g = 0; g < 3; g++) /* garbage */
        ck_assert_ptr_nonnull(blinkish_alloc(heap, type, sizeof(node)));
      node *n = blinkish_alloc(heap, type, sizeof(node));
      ck_assert_ptr_nonnull(n);
      n->value = i;
      blinkish_member_set(heap, n, (void **)&n->next, head);
      head = n;
      blinkish_persistent_set(heap, root, head);
      if (i % 16 == 0) ccgc_collector_safepoint(collector);
    }
    /* the list is whole */
    long count = 0;
    for (node *n = blinkish_persistent_get(root); n; n = n->next) {
      ck_assert_int_eq(n->value, live - 1 - count);
      count++;
    }
    ck_assert_int_eq(count, live);
  }
  *heap_limit_errors = 0;
  if (errors.count) *heap_limit_errors = errors.last_code == CCGC_E_HEAP_LIMIT;
  ck_assert_uint_eq(errors.count, 0);
  ck_assert_uint_eq(ccgc_collector_last_verify(collector)->errors, 0);
  ccgc_collector_remove_listener(collector, &listener, r);
  blinkish_heap_free(heap);
  ccgc_collector_free(collector);
}

/* A cycle of 100 steps of 64 KiB over 100,000 objects. */
#define STEP ((size_t)64 * 1024)
static ccgc_pacing cycle_after(size_t steps) {
  return (ccgc_pacing){.budget_bytes = 100.0 * STEP,
                       .allocated = (double)steps * STEP,
                       .work_objects = 100000};
}

START_TEST(a_step_marks_the_even_share_or_less) {
  /* Nobody ahead or behind: the even share, which the schedule agrees with. */
  ccgc_pacing p = cycle_after(0);
  ck_assert(ccgc_pacing_step_objects(&p, 0, STEP) == 1000);
  p = cycle_after(40);
  ck_assert(ccgc_pacing_step_objects(&p, 40000, STEP) == 1000);
  /* Marker threads visited half the work by step 10: the minimum. */
  p = cycle_after(10);
  ck_assert(ccgc_pacing_step_objects(&p, 50000, STEP) ==
            CCGC_PACING_MIN_STEP_OBJECTS);
  /* Slightly ahead: what the schedule still asks (11,000 - 10,500). */
  ck_assert(ccgc_pacing_step_objects(&p, 10500, STEP) == 500);
  /* Far behind at step 50: the even share of what is left (100,000 over
   * 50 steps), not the 51,000 the schedule would ask at once. */
  p = cycle_after(50);
  ck_assert(ccgc_pacing_step_objects(&p, 0, STEP) == 2000);
  /* The budget spent: all that is left. */
  p = cycle_after(120);
  ck_assert(ccgc_pacing_step_objects(&p, 30000, STEP) == 70000);
}
END_TEST

START_TEST(past_its_estimate_the_work_grows_with_the_visits) {
  /* The last cycle's live set was 10,000 objects; 20,000 are visited and
   * marking is not complete: the live set grew. With the budget spent, a
   * step marks what the grown work leaves (25,000 - 20,000), not the
   * minimum a work of 10,000 would give. */
  ccgc_pacing p = cycle_after(120);
  p.work_objects = 10000;
  ck_assert(ccgc_pacing_step_objects(&p, 20000, STEP) ==
            20000 * CCGC_PACING_LIVE_GROWTH - 20000);
}
END_TEST

START_TEST(the_work_is_the_last_cycles_live_objects) {
  ccgc_collector_options options = {.incremental_marking = true, .marker_threads = 1};
  ccgc_collector *collector = ccgc_collector_new(&options);
  blinkish_heap *heap = blinkish_heap_new(collector, NULL);
  blinkish_type_info info = {"Node", trace_node, NULL, 0};
  blinkish_type_id type = blinkish_register_type(heap, &info);
  blinkish_persistent *root = blinkish_persistent_new(heap, NULL, false);
  node *head = NULL;
  for (int i = 0; i < 10000; i++) {
    node *n = blinkish_alloc(heap, type, sizeof(node));
    blinkish_member_set(heap, n, (void **)&n->next, head);
    head = n;
  }
  blinkish_persistent_set(heap, root, head);
  /* The first cycle knows no live set: every object. */
  ck_assert_int_eq(ccgc_incremental_start(collector, CCGC_REASON_TESTING), CCGC_OK);
  ck_assert(collector->pacing.work_objects >= 10000);
  ck_assert_int_eq(ccgc_incremental_finish(collector), CCGC_OK);
  ccgc_collector_finish_sweeping(collector);
  for (int i = 0; i < 90000; i++) /* garbage */
    ck_assert_ptr_nonnull(blinkish_alloc(heap, type, sizeof(node)));
  ccgc_heap_stats stats;
  blinkish_heap_stats(heap, &stats);
  ck_assert_uint_ge(stats.object_count, 100000);
  ck_assert_int_eq(ccgc_incremental_start(collector, CCGC_REASON_TESTING), CCGC_OK);
  /* 10,000 live (and the persistent's few) with the margin, not 100,000 */
  ck_assert(collector->pacing.work_objects >= 10000 * CCGC_PACING_LIVE_GROWTH);
  ck_assert(collector->pacing.work_objects < 10100 * CCGC_PACING_LIVE_GROWTH);
  ck_assert_int_eq(ccgc_incremental_finish(collector), CCGC_OK);
  ccgc_collector_finish_sweeping(collector);
  /* The owner marking alone takes every object: an upper bound. */
  ck_assert_int_eq(ccgc_collector_set_marker_threads(collector, 0), CCGC_OK);
  for (int i = 0; i < 90000; i++)
    ck_assert_ptr_nonnull(blinkish_alloc(heap, type, sizeof(node)));
  blinkish_heap_stats(heap, &stats);
  ck_assert_int_eq(ccgc_incremental_start(collector, CCGC_REASON_TESTING), CCGC_OK);
  ck_assert(collector->pacing.work_objects >= (double)stats.object_count);
  ck_assert_int_eq(ccgc_incremental_finish(collector), CCGC_OK);
  ccgc_collector_finish_sweeping(collector);
  int count = 0;
  for (node *n = blinkish_persistent_get(root); n; n = n->next) count++;
  ck_assert_int_eq(count, 10000);
  blinkish_heap_free(heap);
  ccgc_collector_free(collector);
}
END_TEST

/* A collector with automatic incremental marking (64 KiB steps, the owner
 * marking alone) and both heaps. */
typedef struct paced_world {
  ccgc_collector *collector;
  v8ish_heap *script;
  blinkish_heap *dom;
  blinkish_type_id type;
} paced_world;

static paced_world paced_world_new(void) {
  ccgc_collector_options options = {.incremental_marking = true,
                                    .incremental_step_bytes = 64 * 1024};
  paced_world w = {.collector = ccgc_collector_new(&options)};
  w.script = v8ish_heap_new(w.collector, NULL);
  w.dom = blinkish_heap_new(w.collector, NULL);
  blinkish_type_info info = {"Node", trace_node, NULL, 0};
  w.type = blinkish_register_type(w.dom, &info);
  return w;
}

static void paced_world_free(paced_world *w) {
  blinkish_heap_free(w->dom);
  v8ish_heap_free(w->script);
  ccgc_collector_free(w->collector);
}

START_TEST(nursery_pages_do_not_spend_the_budget_promotions_do) {
  paced_world w = paced_world_new();
  ccgc_collector *collector = w.collector;
  v8ish_heap *script = w.script;
  blinkish_heap *dom = w.dom;
  blinkish_type_id type = w.type;
  ck_assert_int_eq(ccgc_incremental_start(collector, CCGC_REASON_TESTING), CCGC_OK);
  /* About 1.3 MiB of young objects: several nursery pages (fewer than a
   * default semi-space's overflow allows: allocation stays young), steps
   * run. */
  for (int round = 0; round < 40; round++) {
    v8ish_handle_scope scope;
    v8ish_handle_scope_open(script, &scope);
    for (int i = 0; i < 1024; i++) v8ish_array_new(script);
    v8ish_handle_scope_close(&scope);
  }
  ck_assert_uint_gt(collector->current.steps, 0);
  ck_assert(collector->pacing.allocated == 0);
  /* Old objects spend it. */
  for (int i = 0; i < 20000; i++)
    ck_assert_ptr_nonnull(blinkish_alloc(dom, type, sizeof(node)));
  ck_assert(collector->pacing.allocated > 0);
  /* Promotions by a scavenge during marking spend it too. */
  v8ish_handle_scope scope;
  v8ish_handle_scope_open(script, &scope);
  v8ish_local kept[256];
  for (int i = 0; i < 256; i++) kept[i] = v8ish_array_new(script);
  double before = collector->old_since_step;
  ck_assert_int_eq(ccgc_collect_minor(collector, CCGC_REASON_TESTING), CCGC_OK);
  ck_assert_int_eq(ccgc_collect_minor(collector, CCGC_REASON_TESTING), CCGC_OK);
  ck_assert_uint_gt(ccgc_collector_last_minor(collector)->promoted_bytes, 0);
  ck_assert(collector->old_since_step >=
            before + (double)ccgc_collector_last_minor(collector)->promoted_bytes);
  for (int i = 0; i < 256; i++) ck_assert(!v8ish_local_is_empty(kept[i]));
  v8ish_handle_scope_close(&scope);
  ck_assert_int_eq(ccgc_incremental_finish(collector), CCGC_OK);
  paced_world_free(&w);
}
END_TEST

/* ccgc_collector_safepoint_due says whether a safepoint would run
 * something: each time it says so the safepoint runs something, each time
 * it does not the safepoint runs nothing. */
static bool due_then_safepoint(ccgc_collector *collector) {
  bool due = ccgc_collector_safepoint_due(collector);
  ck_assert(ccgc_collector_safepoint(collector) == due);
  return due;
}

START_TEST(a_safepoint_is_due_exactly_when_it_would_run_something) {
  paced_world w = paced_world_new();
  ccgc_collector *collector = w.collector;
  blinkish_heap *dom = w.dom;
  blinkish_type_id type = w.type;
  ck_assert(!due_then_safepoint(collector));
  ccgc_collector_request_gc(collector, CCGC_REASON_TESTING);
  ck_assert(due_then_safepoint(collector)); /* the cycle starts */
  ck_assert_int_eq(ccgc_collector_state(collector), CCGC_STATE_MARKING);
  /* while it marks, a request is its own: nothing due */
  ccgc_collector_request_gc(collector, CCGC_REASON_TESTING);
  ck_assert(!due_then_safepoint(collector));
  ccgc_collector_request_minor(collector);
  ck_assert(due_then_safepoint(collector)); /* a scavenge */
  ck_assert(!due_then_safepoint(collector));
  /* paced steps complete the marking: then the atomic pause is due */
  int i = 0;
  while (!ccgc_collector_safepoint_due(collector) && i++ < 1000000)
    ck_assert_ptr_nonnull(blinkish_alloc(dom, type, sizeof(node)));
  ck_assert(due_then_safepoint(collector));
  ck_assert_int_ne(ccgc_collector_state(collector), CCGC_STATE_MARKING);
  ck_assert(!ccgc_collector_safepoint_due(NULL));
  paced_world_free(&w);
  /* without incremental marking: a request is due, and collects */
  collector = ccgc_collector_new(NULL);
  dom = blinkish_heap_new(collector, NULL);
  ck_assert(!due_then_safepoint(collector));
  ccgc_collector_request_gc(collector, CCGC_REASON_TESTING);
  ck_assert(due_then_safepoint(collector));
  ck_assert_uint_eq(ccgc_collector_cycle_count(collector), 1);
  blinkish_heap_free(dom);
  ccgc_collector_free(collector);
}
END_TEST

/* A step of the host's that finds marking complete makes the pause due
 * too: the safepoint finished only cycles whose allocation-driven steps
 * had, and a quiet host kept the barrier on for good (found by an audit,
 * 2026-12-07). */
START_TEST(a_host_step_that_completes_marking_makes_the_pause_due) {
  paced_world w = paced_world_new();
  for (int i = 0; i < 100; i++)
    ck_assert_ptr_nonnull(blinkish_alloc(w.dom, w.type, sizeof(node)));
  ccgc_collector_request_gc(w.collector, CCGC_REASON_TESTING);
  ck_assert(due_then_safepoint(w.collector)); /* the cycle starts */
  ck_assert_int_eq(ccgc_collector_state(w.collector), CCGC_STATE_MARKING);
  ck_assert(!ccgc_collector_safepoint_due(w.collector));
  ck_assert(ccgc_incremental_step(w.collector, 100));
  ck_assert_int_eq(ccgc_collector_state(w.collector), CCGC_STATE_MARKING);
  ck_assert(due_then_safepoint(w.collector));
  ck_assert_int_ne(ccgc_collector_state(w.collector), CCGC_STATE_MARKING);
  ck_assert_uint_eq(ccgc_collector_cycle_count(w.collector), 1);
  paced_world_free(&w);
}
END_TEST

START_TEST(soft_limits_start_incremental_cycles_that_finish_in_time) {
  record r = {0};
  size_t limit_errors;
  run(true, &r, &limit_errors);
  ck_assert_int_gt(r.cycles, 3);
  ck_assert_int_eq(r.stw_cycles, 0);
  ck_assert_int_eq(r.incremental_cycles, r.cycles);
  ck_assert_int_gt(r.steps, r.cycles);
  /* every finished cycle found marking complete by its own steps, with a
   * time budget per step that alone would mark next to nothing */
  ck_assert_int_ge(r.pauses_after_complete_marking, r.cycles - 1);
  ck_assert_uint_eq(limit_errors, 0);
}
END_TEST

START_TEST(without_the_option_the_safepoint_collects_stop_the_world) {
  record r = {0};
  size_t limit_errors;
  run(false, &r, &limit_errors);
  ck_assert_int_gt(r.cycles, 3);
  ck_assert_int_eq(r.incremental_cycles, 0);
  ck_assert_int_eq(r.steps, 0);
}
END_TEST

/* An allocation that fails at a hard limit gets a whole collection at the
 * next safepoint, with automatic incremental marking too: a request only
 * started an incremental cycle (or, while one marked, waited for its
 * steps), whose steps come from allocations - which all failed, so the
 * host that collects and retries retried for ever (found by an audit).
 * The heap is filled to its hard limit with objects that then die. */
static void fill_then_drop_script(v8ish_heap *heap, ccgc_collector *collector) {
  v8ish_handle_scope scope;
  v8ish_handle_scope_open(heap, &scope);
  v8ish_local keep = v8ish_fixed_array_new(heap, 2000);
  ck_assert(!v8ish_local_is_empty(keep));
  v8ish_global held = v8ish_global_new(heap, keep, false);
  v8ish_handle_scope_close(&scope);
  for (size_t i = 0; i < 2000; i++) {
    v8ish_handle_scope_open(heap, &scope);
    v8ish_local array = v8ish_fixed_array_new(heap, 1000);
    bool failed = v8ish_local_is_empty(array);
    if (!failed)
      v8ish_array_set(heap, v8ish_global_get(heap, held), i, array);
    v8ish_handle_scope_close(&scope);
    if (failed) break;
    ccgc_collector_safepoint(collector);
  }
  v8ish_global_free(heap, held); /* everything dies */
}

static unsigned script_failures_in_a_row(v8ish_heap *heap,
                                         ccgc_collector *collector) {
  unsigned streak = 0;
  for (; streak < 100; streak++) {
    v8ish_handle_scope scope;
    v8ish_handle_scope_open(heap, &scope);
    bool failed = v8ish_local_is_empty(v8ish_fixed_array_new(heap, 1000));
    v8ish_handle_scope_close(&scope);
    if (!failed) break;
    ccgc_collector_safepoint(collector); /* collect, then retry */
  }
  return streak;
}

START_TEST(a_hard_limit_failure_collects_whole_at_the_next_safepoint) {
  for (int young = 0; young < 2; young++) {
    for (int sweeping = 0; sweeping < 2; sweeping++) {
      ccgc_collector_options options = {
          .incremental_marking = true,
          .sweeping = sweeping ? CCGC_SWEEP_LAZY : CCGC_SWEEP_ATOMIC};
      ccgc_collector *collector = ccgc_collector_new(&options);
      v8ish_heap_options heap_options = {.limit_bytes = 4 << 20,
                                         .no_young_generation = !young};
      v8ish_heap *heap = v8ish_heap_new(collector, &heap_options);
      ck_assert_ptr_nonnull(heap);
      for (int round = 0; round < 3; round++) {
        fill_then_drop_script(heap, collector);
        unsigned streak = script_failures_in_a_row(heap, collector);
        ck_assert_msg(streak <= 2, "young %d sweeping %d round %d: %u failures in a row",
                      young, sweeping, round, streak);
      }
      v8ish_heap_free(heap);
      ccgc_collector_free(collector);
    }
  }
}
END_TEST

START_TEST(a_dom_hard_limit_failure_collects_whole_at_the_next_safepoint) {
  ccgc_collector_options options = {.incremental_marking = true};
  ccgc_collector *collector = ccgc_collector_new(&options);
  blinkish_heap_options heap_options = {.limit_bytes = 4 << 20};
  blinkish_heap *heap = blinkish_heap_new(collector, &heap_options);
  blinkish_type_info info = {"Node", trace_node, NULL, 0};
  blinkish_type_id type = blinkish_register_type(heap, &info);
  for (int round = 0; round < 3; round++) {
    node *head = blinkish_alloc(heap, type, sizeof(node));
    ck_assert_ptr_nonnull(head);
    blinkish_persistent *root = blinkish_persistent_new(heap, head, false);
    for (;;) {
      node *n = blinkish_alloc(heap, type, sizeof(node));
      if (!n) break;
      blinkish_member_set(heap, n, (void **)&n->next, head->next);
      blinkish_member_set(heap, head, (void **)&head->next, n);
      ccgc_collector_safepoint(collector);
    }
    blinkish_persistent_free(heap, root); /* everything dies */
    unsigned streak = 0;
    while (streak < 100 && !blinkish_alloc(heap, type, sizeof(node))) {
      streak++;
      ccgc_collector_safepoint(collector);
    }
    ck_assert_msg(streak <= 2, "round %d: %u failures in a row", round, streak);
  }
  blinkish_heap_free(heap);
  ccgc_collector_free(collector);
}
END_TEST

int main(void) {
  Suite *suite = suite_create("pacing");
  TCase *tc = tcase_create("core");
  tcase_set_timeout(tc, 120);
  tcase_add_test(tc, a_step_marks_the_even_share_or_less);
  tcase_add_test(tc, past_its_estimate_the_work_grows_with_the_visits);
  tcase_add_test(tc, the_work_is_the_last_cycles_live_objects);
  tcase_add_test(tc, nursery_pages_do_not_spend_the_budget_promotions_do);
  tcase_add_test(tc, a_safepoint_is_due_exactly_when_it_would_run_something);
  tcase_add_test(tc, a_host_step_that_completes_marking_makes_the_pause_due);
  tcase_add_test(tc, soft_limits_start_incremental_cycles_that_finish_in_time);
  tcase_add_test(tc, without_the_option_the_safepoint_collects_stop_the_world);
  tcase_add_test(tc, a_hard_limit_failure_collects_whole_at_the_next_safepoint);
  tcase_add_test(tc, a_dom_hard_limit_failure_collects_whole_at_the_next_safepoint);
  suite_add_tcase(suite, tc);
  return ccgc_test_run(suite);
}
