/* test-finalization.c - FinalizationRegistry and weak global callbacks: the
 * callback runs once, after the collection and never inside it, with the held
 * value alive; unregistering and dead registries call nothing; callbacks may
 * allocate and even collect. */
#include <check.h>
#include <string.h>

#include "ccgc-events.h"
#include "ccgc-probe.h"
#include "ccgc-testing.h"
#include "heap-internal.h"
#include "script-test.h"

typedef struct calls {
  script_world *w;
  int count;
  bool inside_collection;
  char held[32];
  bool collect_again;
} calls;

static void on_finalize(v8ish_heap *heap, v8ish_local held, void *data) {
  calls *c = data;
  c->count++;
  c->inside_collection |= ccgc_collector_in_collection(c->w->collector) ||
                          ccgc_collector_state(c->w->collector) != CCGC_STATE_IDLE;
  v8ish_string_copy(heap, held, c->held, sizeof c->held);
  /* Callbacks may allocate, and even collect. */
  v8ish_local scratch = v8ish_object_new(heap);
  ck_assert(!v8ish_local_is_empty(scratch));
  if (c->collect_again) {
    c->collect_again = false;
    ck_assert_int_eq(ccgc_collect(c->w->collector, CCGC_REASON_TESTING), CCGC_OK);
  }
}

/* A target that only the registration refers to, with a held string. */
static void register_garbage(script_world *w, v8ish_local registry,
                             const char *held, v8ish_local token) {
  v8ish_handle_scope scope;
  v8ish_handle_scope_open(w->heap, &scope);
  ck_assert_int_eq(v8ish_finalization_registry_register(
                       w->heap, registry, v8ish_object_new(w->heap),
                       script_string(w, held), token),
                   CCGC_OK);
  v8ish_handle_scope_close(&scope);
}

START_TEST(the_callback_runs_once_after_the_collection_with_the_held_value) {
  script_world w;
  script_world_init(&w, 0);
  calls c = {.w = &w};
  v8ish_local registry = v8ish_finalization_registry_new(w.heap, on_finalize, &c);
  v8ish_global alive;
  {
    v8ish_handle_scope scope; /* locals are roots: keep them short-lived */
    v8ish_handle_scope_open(w.heap, &scope);
    v8ish_local target = v8ish_object_new(w.heap);
    alive = v8ish_global_new(w.heap, target, false);
    ck_assert_int_eq(v8ish_finalization_registry_register(
                         w.heap, registry, target,
                         script_string(&w, "still here"), v8ish_local_empty()),
                     CCGC_OK);
    v8ish_handle_scope_close(&scope);
  }
  register_garbage(&w, registry, "gone", v8ish_local_empty());
  ck_assert_uint_eq(v8ish_finalization_registry_size(w.heap, registry), 2);
  ccgc_test_collect_verified(w.collector);
  ck_assert_int_eq(c.count, 1);
  ck_assert(!c.inside_collection);
  ck_assert_str_eq(c.held, "gone");
  ck_assert_uint_eq(v8ish_finalization_registry_size(w.heap, registry), 1);
  ccgc_test_collect_verified(w.collector);
  ck_assert_int_eq(c.count, 1); /* once */
  v8ish_global_free(w.heap, alive);
  ccgc_test_collect_verified(w.collector);
  ck_assert_int_eq(c.count, 2);
  ck_assert_str_eq(c.held, "still here");
  script_world_free(&w);
}
END_TEST

START_TEST(unregistered_targets_and_dead_registries_call_nothing) {
  script_world w;
  script_world_init(&w, 0);
  calls c = {.w = &w};
  v8ish_local token = v8ish_object_new(w.heap);
  v8ish_local registry = v8ish_finalization_registry_new(w.heap, on_finalize, &c);
  register_garbage(&w, registry, "a", token);
  register_garbage(&w, registry, "b", token);
  register_garbage(&w, registry, "c", v8ish_local_empty());
  ck_assert_uint_eq(v8ish_finalization_registry_unregister(w.heap, registry, token), 2);
  ccgc_test_collect_verified(w.collector);
  ck_assert_int_eq(c.count, 1);
  ck_assert_str_eq(c.held, "c");
  {
    v8ish_handle_scope scope;
    v8ish_handle_scope_open(w.heap, &scope);
    v8ish_local dead_registry =
        v8ish_finalization_registry_new(w.heap, on_finalize, &c);
    register_garbage(&w, dead_registry, "never", v8ish_local_empty());
    v8ish_handle_scope_close(&scope);
  }
  ccgc_test_collect_verified(w.collector);
  ck_assert_int_eq(c.count, 1);
  script_world_free(&w);
}
END_TEST

START_TEST(a_callback_that_collects_again_is_safe) {
  script_world w;
  script_world_init(&w, 0);
  calls c = {.w = &w, .collect_again = true};
  v8ish_local registry = v8ish_finalization_registry_new(w.heap, on_finalize, &c);
  for (int i = 0; i < 20; i++) register_garbage(&w, registry, "x", v8ish_local_empty());
  ccgc_test_collect_verified(w.collector);
  ck_assert_int_eq(c.count, 20);
  ck_assert(!c.inside_collection);
  ck_assert_uint_eq(v8ish_finalization_registry_size(w.heap, registry), 0);
  script_world_free(&w);
}
END_TEST

START_TEST(registration_errors_are_reported) {
  script_world w;
  script_world_init(&w, 0);
  calls c = {.w = &w};
  v8ish_local registry = v8ish_finalization_registry_new(w.heap, on_finalize, &c);
  v8ish_local target = v8ish_object_new(w.heap);
  ck_assert_int_eq(v8ish_finalization_registry_register(
                       w.heap, registry, script_int(&w, 1), target, v8ish_local_empty()),
                   CCGC_E_INVALID_ARGUMENT);
  script_assert_last_error(&w, CCGC_E_INVALID_ARGUMENT, "the target must be an object");
  ck_assert_int_eq(v8ish_finalization_registry_register(w.heap, registry, target,
                                                        target, v8ish_local_empty()),
                   CCGC_E_INVALID_ARGUMENT);
  script_assert_last_error(&w, CCGC_E_INVALID_ARGUMENT, "are the same");
  ck_assert_uint_eq(v8ish_finalization_registry_size(w.heap, registry), 0);
  script_world_free(&w);
}
END_TEST

typedef struct weak_calls {
  int count;
  bool was_empty;
} weak_calls;

static void on_weak(v8ish_heap *heap, v8ish_global global, void *data) {
  weak_calls *calls_seen = data;
  calls_seen->count++;
  calls_seen->was_empty = v8ish_global_is_empty_slot(heap, global);
  v8ish_global_free(heap, global);
}

START_TEST(a_weak_global_callback_sees_the_emptied_handle_once) {
  script_world w;
  script_world_init(&w, 0);
  weak_calls seen = {0};
  v8ish_global strong, weak;
  {
    v8ish_handle_scope scope; /* locals are roots: keep them short-lived */
    v8ish_handle_scope_open(w.heap, &scope);
    v8ish_local target = v8ish_object_new(w.heap);
    strong = v8ish_global_new(w.heap, target, false);
    weak = v8ish_global_new(w.heap, target, false);
    v8ish_handle_scope_close(&scope);
  }
  ck_assert_int_eq(v8ish_global_set_weak_callback(w.heap, weak, on_weak, &seen), CCGC_OK);
  ccgc_test_collect_verified(w.collector);
  ck_assert_int_eq(seen.count, 0); /* the strong global keeps the target */
  ck_assert(!v8ish_global_is_empty_slot(w.heap, weak));
  v8ish_global_free(w.heap, strong);
  ccgc_test_collect_verified(w.collector); /* the weak global is no root */
  ck_assert_int_eq(seen.count, 1);
  ck_assert(seen.was_empty);
  ccgc_test_collect_verified(w.collector);
  ck_assert_int_eq(seen.count, 1);
  /* A freed global is refused. */
  ck_assert_int_eq(v8ish_global_set_weak_callback(w.heap, weak, on_weak, &seen),
                   CCGC_E_DEAD_HANDLE);
  script_world_free(&w);
}
END_TEST

/* A callback that collects again (a minor collection from a minor one's
 * callback, a full one from a full one's): each end listener gets its own
 * collection's record, the outer one last (both got the nested record, and
 * the outer collection's was never delivered). */
static struct {
  ccgc_collector *collector;
  bool full, nested;
  unsigned long minor_seen[2], cycle_seen[2];
  int minors, cycles;
} nesting;

static void nest_minor_end(void *data, const ccgc_minor_stats *stats) {
  (void)data;
  if (nesting.minors < 2) nesting.minor_seen[nesting.minors] = stats->scavenge;
  nesting.minors++;
}

static void nest_cycle_end(void *data, const ccgc_cycle_stats *stats) {
  (void)data;
  if (nesting.cycles < 2) nesting.cycle_seen[nesting.cycles] = stats->cycle;
  nesting.cycles++;
}

static void collect_nested(v8ish_heap *heap, v8ish_local held, void *data) {
  (void)heap;
  (void)held;
  (void)data;
  if (nesting.nested) return;
  nesting.nested = true;
  ck_assert_int_eq(nesting.full ? ccgc_collect(nesting.collector, CCGC_REASON_TESTING)
                                : ccgc_collect_minor(nesting.collector, CCGC_REASON_TESTING),
                   CCGC_OK);
}

START_TEST(each_end_listener_gets_its_own_collections_record) {
  static const ccgc_event_listener listener = {.minor_end = nest_minor_end,
                                               .cycle_end = nest_cycle_end};
  for (int full = 0; full < 2; full++) {
    script_world w;
    script_world_init(&w, 0);
    memset(&nesting, 0, sizeof nesting);
    nesting.collector = w.collector;
    nesting.full = full;
    ck_assert_int_eq(ccgc_collector_add_listener(w.collector, &listener, NULL), CCGC_OK);
    v8ish_handle_scope scope;
    v8ish_handle_scope_open(w.heap, &scope);
    v8ish_local registry = v8ish_finalization_registry_new(w.heap, collect_nested, NULL);
    {
      v8ish_handle_scope inner;
      v8ish_handle_scope_open(w.heap, &inner);
      ck_assert_int_eq(v8ish_finalization_registry_register(
                           w.heap, registry, v8ish_object_new(w.heap),
                           v8ish_integer(w.heap, 1), v8ish_local_empty()),
                       CCGC_OK);
      v8ish_handle_scope_close(&inner);
    }
    ck_assert_int_eq(full ? ccgc_collect(w.collector, CCGC_REASON_TESTING)
                          : ccgc_collect_minor(w.collector, CCGC_REASON_TESTING),
                     CCGC_OK);
    ck_assert(nesting.nested);
    if (full) {
      ck_assert_int_eq(nesting.cycles, 2);
      ck_assert_uint_eq(nesting.cycle_seen[0], 2); /* the nested one ends first */
      ck_assert_uint_eq(nesting.cycle_seen[1], 1);
    } else {
      ck_assert_int_eq(nesting.minors, 2);
      ck_assert_uint_eq(nesting.minor_seen[0], 2);
      ck_assert_uint_eq(nesting.minor_seen[1], 1);
    }
    v8ish_handle_scope_close(&scope);
    ck_assert(ccgc_collector_remove_listener(w.collector, &listener, NULL));
    script_world_free(&w);
  }
}
END_TEST

/* --- queued callbacks whose registry died or whose global was freed -------
 * Found by an audit (2026-12-07): a registry that died in a collection an
 * earlier callback ran still ran its queued callbacks, and a weak global
 * freed by an earlier callback still had its callback run with the freed
 * handle (every call on it misuse). */

typedef struct queued_world {
  script_world *w;
  v8ish_global r2_strong, r2_weak;
  v8ish_global a, b;
  int fin2_calls, weak_calls;
} queued_world;

static queued_world *QW;

static void fin1(v8ish_heap *h, v8ish_local held, void *d) {
  (void)held;
  (void)d;
  v8ish_global_free(h, QW->r2_strong); /* registry 2 unreachable */
  ccgc_collect(QW->w->collector, CCGC_REASON_TESTING);
  ck_assert(v8ish_global_is_empty_slot(h, QW->r2_weak)); /* it died */
}

static void fin2(v8ish_heap *h, v8ish_local held, void *d) {
  (void)h;
  (void)held;
  (void)d;
  QW->fin2_calls++;
}

START_TEST(a_registry_that_died_since_its_callbacks_were_queued_calls_nothing) {
  script_world w;
  script_world_init(&w, 0);
  queued_world q = {.w = &w};
  QW = &q;
  v8ish_heap *h = w.heap;
  v8ish_handle_scope s;
  v8ish_handle_scope_open(h, &s);
  /* Registry 1 first: its callback runs first and kills registry 2. */
  v8ish_local r1 = v8ish_finalization_registry_new(h, fin1, NULL);
  v8ish_local r2 = v8ish_finalization_registry_new(h, fin2, NULL);
  v8ish_global g1 = v8ish_global_new(h, r1, false);
  q.r2_strong = v8ish_global_new(h, r2, false);
  q.r2_weak = v8ish_global_new(h, r2, true);
  v8ish_finalization_registry_register(h, r1, v8ish_object_new(h),
                                       script_int(&w, 1), v8ish_local_empty());
  v8ish_finalization_registry_register(h, r2, v8ish_object_new(h),
                                       script_int(&w, 2), v8ish_local_empty());
  v8ish_handle_scope_close(&s);
  ccgc_collect(w.collector, CCGC_REASON_TESTING);
  ck_assert_int_eq(q.fin2_calls, 0);
  ck_assert_uint_eq(w.errors.count, 0);
  v8ish_global_free(h, g1);
  v8ish_global_free(h, q.r2_weak);
  script_world_free(&w);
}
END_TEST

static void free_both(v8ish_heap *h, v8ish_global g, void *data) {
  (void)data;
  QW->weak_calls++;
  if (g.index == QW->a.index) v8ish_global_free(h, QW->b); /* b goes too */
  v8ish_global_free(h, g);
}

START_TEST(a_weak_global_freed_before_its_callback_ran_cancels_it) {
  script_world w;
  script_world_init(&w, 0);
  queued_world q = {.w = &w};
  QW = &q;
  v8ish_heap *h = w.heap;
  v8ish_handle_scope s;
  v8ish_handle_scope_open(h, &s);
  q.a = v8ish_global_new(h, v8ish_object_new(h), true);
  q.b = v8ish_global_new(h, v8ish_object_new(h), true);
  v8ish_global_set_weak_callback(h, q.a, free_both, NULL);
  v8ish_global_set_weak_callback(h, q.b, free_both, NULL);
  v8ish_handle_scope_close(&s);
  ccgc_collect(w.collector, CCGC_REASON_TESTING);
  /* a's callback ran (queued first) and freed b: b's is cancelled. */
  ck_assert_int_eq(q.weak_calls, 1);
  ck_assert_uint_eq(w.errors.count, 0);
  script_world_free(&w);
}
END_TEST

/* Cells that grown ones replaced while marking runs may be grey in the
 * marker; no scavenge updates them, so after one their young targets and
 * held values would name freed memory (.inv.replaced-weak-emptied): the
 * marker must find them empty. Without that the cycle's end followed them
 * (a crash). */
START_TEST(cells_replaced_while_marking_are_not_followed_after_a_scavenge) {
  enum { N = 13 };
  v8ish_heap_options options = {.young_min_bytes = 1 << 20,
                                .young_max_bytes = 1 << 20};
  script_world w;
  script_world_init_with(&w, &options);
  calls c = {.w = &w};
  ccgc_collector_set_step_objects(w.collector, 1);
  v8ish_handle_scope outer;
  v8ish_handle_scope_open(w.heap, &outer);
  v8ish_global targets =
      v8ish_global_new(w.heap, v8ish_fixed_array_new(w.heap, N), false);
  v8ish_global registry = v8ish_global_new(
      w.heap, v8ish_finalization_registry_new(w.heap, on_finalize, &c), false);
  v8ish_handle_scope_close(&outer); /* the globals alone hold them */
  for (int i = 0; i < 2; i++)
    ck_assert_int_eq(ccgc_collect_minor(w.collector, CCGC_REASON_TESTING),
                     CCGC_OK); /* the registry, its cells, the targets: old */
  for (int i = 0; i < N; i++) {
    if (i == 3) {
      ck_assert_int_eq(
          ccgc_incremental_start(w.collector, CCGC_REASON_TESTING), CCGC_OK);
      ccgc_incremental_step(w.collector, 0);
      ccgc_incremental_step(w.collector, 0); /* the old cells are grey */
    }
    v8ish_handle_scope scope;
    v8ish_handle_scope_open(w.heap, &scope);
    v8ish_local target = v8ish_object_new(w.heap);
    v8ish_array_set(w.heap, v8ish_global_get(w.heap, targets), (size_t)i,
                    target);
    ck_assert_int_eq(v8ish_finalization_registry_register(
                         w.heap, v8ish_global_get(w.heap, registry), target,
                         script_string(&w, "held"), v8ish_local_empty()),
                     CCGC_OK); /* the cells grow at 4 and 8 */
    v8ish_handle_scope_close(&scope);
  }
  ck_assert_int_eq(ccgc_collect_minor(w.collector, CCGC_REASON_TESTING),
                   CCGC_OK);
  script_allocate_garbage(&w, 20000); /* over the freed pages */
  ck_assert_int_eq(ccgc_collect_minor(w.collector, CCGC_REASON_TESTING),
                   CCGC_OK);
  while (!ccgc_incremental_step(w.collector, 0)) continue;
  ck_assert_int_eq(ccgc_incremental_finish(w.collector), CCGC_OK);
  ck_assert_int_eq(c.count, 0); /* every target is held */
  /* The targets die: every registration's callback runs, once. */
  v8ish_global_free(w.heap, targets);
  ck_assert_int_eq(ccgc_collect(w.collector, CCGC_REASON_TESTING), CCGC_OK);
  ck_assert_int_eq(c.count, N);
  ck_assert_str_eq(c.held, "held");
  ck_assert_msg(w.errors.count == 0, "%u errors: %s", w.errors.count,
                w.errors.last_message);
  script_world_free(&w);
}
END_TEST

/* A young registry whose cells grew while the nursery overflowed into old
 * space has old cells; when it dies in a scavenge they hold no cell (a
 * marker may hold them grey; .inv.replaced-weak-emptied). */
START_TEST(a_dead_young_registrys_old_cells_are_emptied_by_a_scavenge) {
  enum { N = 13 };
  v8ish_heap_options options = {.young_min_bytes = 1 << 20,
                                .young_max_bytes = 1 << 20};
  script_world w;
  script_world_init_with(&w, &options);
  calls c = {.w = &w};
  v8ish_handle_scope outer;
  v8ish_handle_scope_open(w.heap, &outer);
  v8ish_global registry = v8ish_global_new(
      w.heap, v8ish_finalization_registry_new(w.heap, on_finalize, &c), false);
  v8ish_handle_scope_close(&outer);
  /* No safepoint: past two semi-spaces new objects go old. */
  script_allocate_garbage(&w, 100000);
  v8ish_global targets =
      v8ish_global_new(w.heap, v8ish_fixed_array_new(w.heap, N), false);
  for (int i = 0; i < N; i++) {
    v8ish_handle_scope scope;
    v8ish_handle_scope_open(w.heap, &scope);
    v8ish_local target = v8ish_object_new(w.heap);
    v8ish_array_set(w.heap, v8ish_global_get(w.heap, targets), (size_t)i,
                    target);
    ck_assert_int_eq(v8ish_finalization_registry_register(
                         w.heap, v8ish_global_get(w.heap, registry), target,
                         script_string(&w, "held"), v8ish_local_empty()),
                     CCGC_OK);
    v8ish_handle_scope_close(&scope);
  }
  word_t *r = v8ish_object_address(w.heap, v8ish_global_get(w.heap, registry));
  ck_assert(ccgc_page_is_young(ccgc_page_of(r)));
  word_t *cells = v8ish_untag(r[REGISTRY_CELLS]);
  ck_assert(!ccgc_page_is_young(ccgc_page_of(cells))); /* grown while old */
  ck_assert_uint_eq(cells[CELLS_COUNT], v8ish_smi(N));
  v8ish_global_free(w.heap, registry);
  v8ish_handle_scope_close(&w.scope);
  v8ish_handle_scope_open(w.heap, &w.scope);
  ck_assert_int_eq(ccgc_collect_minor(w.collector, CCGC_REASON_TESTING),
                   CCGC_OK);
  ck_assert_uint_eq(cells[CELLS_COUNT], v8ish_smi(0));
  v8ish_global_free(w.heap, targets);
  ck_assert_int_eq(ccgc_collect(w.collector, CCGC_REASON_TESTING), CCGC_OK);
  ck_assert_int_eq(c.count, 0); /* a dead registry calls nothing */
  ck_assert_int_eq(w.errors.count, 0);
  script_world_free(&w);
}
END_TEST

int main(void) {
  Suite *suite = suite_create("v8ish/finalization");
  TCase *tc = tcase_create("finalization");
  tcase_add_test(tc, the_callback_runs_once_after_the_collection_with_the_held_value);
  tcase_add_test(tc, unregistered_targets_and_dead_registries_call_nothing);
  tcase_add_test(tc, a_callback_that_collects_again_is_safe);
  tcase_add_test(tc, registration_errors_are_reported);
  tcase_add_test(tc, a_weak_global_callback_sees_the_emptied_handle_once);
  tcase_add_test(tc, each_end_listener_gets_its_own_collections_record);
  tcase_add_test(tc, a_registry_that_died_since_its_callbacks_were_queued_calls_nothing);
  tcase_add_test(tc, a_weak_global_freed_before_its_callback_ran_cancels_it);
  tcase_add_test(tc, cells_replaced_while_marking_are_not_followed_after_a_scavenge);
  tcase_add_test(tc, a_dead_young_registrys_old_cells_are_emptied_by_a_scavenge);
  suite_add_tcase(suite, tc);
  return ccgc_test_run(suite);
}
