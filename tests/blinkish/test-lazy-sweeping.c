/* test-lazy-sweeping.c - the DOM heap swept after the pause
 * (CCGC_SWEEP_LAZY, CCGC_SWEEP_CONCURRENT; blinkish/lazy-sweeper.c):
 * finalizers after the pause, on the owner thread, in batches; no page
 * handed to the allocator before it is swept; dead objects of unswept pages
 * dead to every query; statistics falling as pages are swept; the hard
 * limit sweeping what is left; teardown mid-sweep. */
#include <check.h>
#include <glib.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>

#include "ccgc-events.h"
#include "ccgc-inspect.h"
#include "dom-test.h"

/* What the recording finalizer saw. */
typedef struct record {
  ccgc_collector *collector;
  pthread_t owner;
  unsigned long finalized;
  bool pausing;            /* between atomic_pause_start and _end      */
  unsigned long in_pause;  /* ran inside the atomic pause              */
  unsigned long off_owner; /* ran on another thread than the owner     */
  unsigned long not_sweeping; /* ran with a state other than SWEEPING */
  GHashTable *addresses;   /* payloads finalized                       */
} record;

static record rec;

static void recording_finalizer(void *object, void *data) {
  record *r = data;
  r->finalized++;
  if (!pthread_equal(pthread_self(), r->owner)) r->off_owner++;
  ccgc_gc_state state = ccgc_collector_state(r->collector);
  if (r->pausing || state == CCGC_STATE_ATOMIC_PAUSE) r->in_pause++;
  if (state != CCGC_STATE_SWEEPING) r->not_sweeping++;
  if (r->addresses) g_hash_table_add(r->addresses, object);
}

static void pause_starts(void *data) { ((record *)data)->pausing = true; }

static void pause_ends(void *data, const ccgc_cycle_stats *stats) {
  (void)stats;
  ((record *)data)->pausing = false;
}

static const ccgc_event_listener pause_listener = {
    .atomic_pause_start = pause_starts, .atomic_pause_end = pause_ends};

typedef struct world {
  ccgc_collector *collector;
  blinkish_heap *heap;
  blinkish_type_id recorded; /* a Node with the recording finalizer */
  blinkish_type_id plain;    /* a Node without finalizer             */
  ccgc_test_errors errors;
} world;

static void world_init(world *w, ccgc_sweeping_mode mode, size_t limit) {
  ccgc_collector_options options = {
      .verify = true, .sweeping = mode, .sweeper_threads = 2};
  w->collector = ccgc_collector_new(&options);
  ck_assert_ptr_nonnull(w->collector);
  ck_assert_int_eq(ccgc_collector_sweeping(w->collector), mode);
  blinkish_heap_options heap_options = {.limit_bytes = limit};
  w->heap = blinkish_heap_new(w->collector, &heap_options);
  ck_assert_ptr_nonnull(w->heap);
  memset(&rec, 0, sizeof rec);
  rec.collector = w->collector;
  rec.owner = pthread_self();
  ck_assert_int_eq(
      ccgc_collector_add_listener(w->collector, &pause_listener, &rec), CCGC_OK);
  blinkish_type_info info = {"Recorded", dom_trace_node, NULL, 0};
  w->recorded = blinkish_register_type_with_data(w->heap, &info,
                                                 recording_finalizer, &rec);
  blinkish_type_info plain = {"Plain", dom_trace_node, NULL, 0};
  w->plain = blinkish_register_type(w->heap, &plain);
  ck_assert_uint_ne(w->recorded, 0);
  ck_assert_uint_ne(w->plain, 0);
  ccgc_test_capture_errors(w->collector, &w->errors);
}

static void world_free(world *w) {
  blinkish_heap_free(w->heap);
  ccgc_collector_free(w->collector);
  if (rec.addresses) g_hash_table_destroy(rec.addresses);
  rec.addresses = NULL;
}

static dom_node *node(world *w, blinkish_type_id type, long value) {
  dom_node *n = blinkish_alloc(w->heap, type, sizeof(dom_node));
  ck_assert_ptr_nonnull(n);
  n->value = value;
  return n;
}

static ccgc_heap_stats stats_of(world *w) {
  ccgc_heap_stats stats;
  blinkish_heap_stats(w->heap, &stats);
  return stats;
}

/* count nodes of type, every other one kept by a chain from a persistent;
 * returns the persistent. */
static blinkish_persistent *half_garbage(world *w, blinkish_type_id type,
                                         long count) {
  dom_node *head = node(w, w->plain, -1);
  blinkish_persistent *root = blinkish_persistent_new(w->heap, head, false);
  dom_node *tail = head;
  for (long i = 0; i < count; i++) {
    dom_node *n = node(w, type, i);
    if (i % 2 == 0) {
      ck_assert_int_eq(
          blinkish_member_set(w->heap, tail, (void **)&tail->next, n), CCGC_OK);
      tail = n;
    }
  }
  return root;
}

static void finalizers_after_the_pause_on_the_owner(ccgc_sweeping_mode mode) {
  world w;
  world_init(&w, mode, 0);
  enum { COUNT = 20000 };
  blinkish_persistent *root = half_garbage(&w, w.recorded, COUNT);
  half_garbage(&w, w.plain, COUNT); /* pages a sweeper thread may take */
  ck_assert_int_eq(ccgc_collect(w.collector, CCGC_REASON_TESTING), CCGC_OK);
  /* The pause ran no finalizer: they wait for sweeping. */
  ck_assert_uint_eq(rec.finalized, 0);
  ck_assert_int_eq(ccgc_collector_state(w.collector), CCGC_STATE_SWEEPING);
  unsigned steps = 0;
  while (!ccgc_sweep_step(w.collector, 0.05)) steps++;
  ck_assert_int_eq(ccgc_collector_state(w.collector), CCGC_STATE_IDLE);
  /* Nothing left: a step is a no-op. */
  ck_assert(!ccgc_sweep_step(w.collector, 1));
  ck_assert_uint_eq(rec.finalized, COUNT / 2);
  ck_assert_uint_eq(rec.in_pause, 0);
  ck_assert_uint_eq(rec.off_owner, 0);
  ck_assert_uint_eq(rec.not_sweeping, 0);
  ck_assert_uint_gt(steps, 0); /* batches: not all in the first step */
  ck_assert_uint_eq(w.errors.count, 0);
  /* Survivors are intact and the heap verifies. */
  ccgc_test_collect_verified(w.collector);
  ck_assert_int_eq(ccgc_collector_finish_sweeping(w.collector), CCGC_OK);
  ck_assert_uint_eq(rec.finalized, COUNT / 2);
  blinkish_persistent_free(w.heap, root);
  world_free(&w);
}

START_TEST(lazy_finalizers_run_after_the_pause_on_the_owner) {
  finalizers_after_the_pause_on_the_owner(CCGC_SWEEP_LAZY);
}
END_TEST

START_TEST(concurrent_finalizers_run_after_the_pause_on_the_owner) {
  finalizers_after_the_pause_on_the_owner(CCGC_SWEEP_CONCURRENT);
}
END_TEST

START_TEST(atomic_mode_finalizes_in_the_pause) {
  world w;
  world_init(&w, CCGC_SWEEP_ATOMIC, 0);
  blinkish_persistent *root = half_garbage(&w, w.recorded, 1000);
  ck_assert_int_eq(ccgc_collect(w.collector, CCGC_REASON_TESTING), CCGC_OK);
  ck_assert_uint_eq(rec.finalized, 500);
  ck_assert_uint_eq(rec.in_pause, 500); /* the recorder sees the pause */
  ck_assert_uint_eq(rec.off_owner, 0);
  ck_assert_int_eq(ccgc_collector_state(w.collector), CCGC_STATE_IDLE);
  ck_assert(!ccgc_sweep_step(w.collector, 1));
  blinkish_persistent_free(w.heap, root);
  world_free(&w);
}
END_TEST

/* A dead object's cell is reused only once its finalizer ran: every new
 * object's cell is checked against the payloads that died. */
START_TEST(no_page_reaches_the_allocator_before_it_is_swept) {
  world w;
  world_init(&w, CCGC_SWEEP_LAZY, 0);
  rec.addresses = g_hash_table_new(g_direct_hash, g_direct_equal);
  enum { COUNT = 30000 };
  GHashTable *dead = g_hash_table_new(g_direct_hash, g_direct_equal);
  dom_node *keep = node(&w, w.plain, -1);
  blinkish_persistent *root = blinkish_persistent_new(w.heap, keep, false);
  for (long i = 0; i < COUNT; i++) {
    dom_node *n = node(&w, w.recorded, i);
    if (i % 8 == 0) { /* a survivor now and then: pages stay, cells free */
      ck_assert_int_eq(
          blinkish_member_set(w.heap, keep, (void **)&keep->next, n), CCGC_OK);
      keep = n;
    } else {
      g_hash_table_add(dead, n);
    }
  }
  size_t pages_before = stats_of(&w).page_count;
  ck_assert_int_eq(ccgc_collect(w.collector, CCGC_REASON_TESTING), CCGC_OK);
  ck_assert_uint_eq(rec.finalized, 0);
  unsigned long reused = 0;
  /* Same arena as the dead (a finalizer: their pages), fits in their cells. */
  for (long i = 0; i < COUNT / 2; i++) {
    dom_node *n = node(&w, w.recorded, -1);
    /* The cell [n - 8, n + 40) may overlap dead payloads n + 16k. */
    for (long k = -2; k <= 2; k++) {
      void *old = (char *)n + 16 * k;
      if (!g_hash_table_contains(dead, old)) continue;
      reused++;
      ck_assert_msg(g_hash_table_contains(rec.addresses, old),
                    "new object %p reuses dead %p before its finalizer ran",
                    (void *)n, old);
    }
  }
  /* The allocator swept pages itself and reused them: no fresh pages. */
  ck_assert_uint_gt(reused, COUNT / 4);
  ck_assert_uint_le(stats_of(&w).page_count, pages_before);
  ck_assert_uint_gt(rec.finalized, 0);
  ck_assert_int_eq(ccgc_collector_finish_sweeping(w.collector), CCGC_OK);
  ck_assert_uint_eq(rec.finalized, COUNT - (COUNT + 7) / 8);
  ck_assert_uint_eq(w.errors.count, 0);
  g_hash_table_destroy(dead);
  blinkish_persistent_free(w.heap, root);
  world_free(&w);
}
END_TEST

START_TEST(dead_objects_of_unswept_pages_are_dead_to_every_query) {
  world w;
  world_init(&w, CCGC_SWEEP_LAZY, 0);
  dom_node *live = node(&w, w.plain, 1);
  blinkish_persistent *root = blinkish_persistent_new(w.heap, live, false);
  dom_node *dead = node(&w, w.recorded, 2);
  ck_assert(blinkish_is_object(w.heap, dead));
  ck_assert_int_eq(ccgc_collect(w.collector, CCGC_REASON_TESTING), CCGC_OK);
  ck_assert_int_eq(ccgc_collector_state(w.collector), CCGC_STATE_SWEEPING);
  ck_assert_uint_eq(rec.finalized, 0); /* its page is not swept yet */
  ck_assert(!blinkish_is_object(w.heap, dead));
  ck_assert(!blinkish_is_alive(w.heap, dead));
  ck_assert(blinkish_is_object(w.heap, live));
  unsigned before = w.errors.count;
  ck_assert_int_eq(blinkish_member_set(w.heap, live, (void **)&live->next, dead),
                   CCGC_E_DEAD_OBJECT);
  ck_assert_uint_eq(w.errors.count, before + 1);
  ck_assert_ptr_null(live->next);
  /* A new object on a swept page is alive, even though unmarked. */
  ck_assert_int_eq(ccgc_collector_finish_sweeping(w.collector), CCGC_OK);
  ck_assert_uint_eq(rec.finalized, 1);
  dom_node *fresh = node(&w, w.plain, 3);
  ck_assert(blinkish_is_object(w.heap, fresh));
  blinkish_persistent_free(w.heap, root);
  world_free(&w);
}
END_TEST

START_TEST(statistics_fall_as_pages_are_swept) {
  world w;
  world_init(&w, CCGC_SWEEP_LAZY, 0);
  blinkish_persistent *root = half_garbage(&w, w.recorded, 20000);
  ccgc_heap_stats before = stats_of(&w);
  ck_assert_int_eq(ccgc_collect(w.collector, CCGC_REASON_TESTING), CCGC_OK);
  /* The pause freed nothing; stats do not finish sweeping. */
  ccgc_heap_stats paused = stats_of(&w);
  ck_assert_uint_eq(paused.used_bytes, before.used_bytes);
  ck_assert_uint_eq(paused.object_count, before.object_count);
  ck_assert_int_eq(ccgc_collector_state(w.collector), CCGC_STATE_SWEEPING);
  /* Zero-budget steps: one batch of finalizers or one page each. */
  ccgc_heap_stats partly;
  bool done;
  do {
    done = ccgc_sweep_step(w.collector, 0);
    partly = stats_of(&w);
  } while (!done && partly.object_count == paused.object_count);
  ck_assert(!done);
  ck_assert_uint_lt(partly.object_count, paused.object_count);
  ck_assert_uint_gt(partly.object_count, 10001);
  ck_assert_int_eq(ccgc_collector_finish_sweeping(w.collector), CCGC_OK);
  ccgc_heap_stats after = stats_of(&w);
  ck_assert_uint_eq(after.object_count, 10001); /* head + 10000 kept */
  ck_assert_uint_lt(after.used_bytes, partly.used_bytes);
  /* The same heap swept in the pause counts the same. */
  ck_assert_int_eq(ccgc_collector_set_sweeping(w.collector, CCGC_SWEEP_ATOMIC, 0),
                   CCGC_OK);
  ck_assert_int_eq(ccgc_collect(w.collector, CCGC_REASON_TESTING), CCGC_OK);
  ccgc_heap_stats atomic = stats_of(&w);
  ck_assert_uint_eq(atomic.used_bytes, after.used_bytes);
  ck_assert_uint_eq(atomic.object_count, after.object_count);
  blinkish_persistent_free(w.heap, root);
  world_free(&w);
}
END_TEST

START_TEST(the_hard_limit_sweeps_what_is_left_before_failing) {
  world w;
  world_init(&w, CCGC_SWEEP_LAZY, 8 * (size_t)CCGC_PAGE_SIZE);
  /* Fill the heap with garbage up to the limit. */
  unsigned long made = 0;
  while (blinkish_alloc(w.heap, w.recorded, 1000)) made++;
  ck_assert_int_eq(ccgc_collector_last_error(w.collector)->code,
                   CCGC_E_HEAP_LIMIT);
  unsigned errors = w.errors.count;
  ck_assert_int_eq(ccgc_collect(w.collector, CCGC_REASON_TESTING), CCGC_OK);
  ck_assert_uint_eq(rec.finalized, 0);
  /* Everything died: allocating as much again must succeed. */
  for (unsigned long i = 0; i < made; i++)
    ck_assert_ptr_nonnull(blinkish_alloc(w.heap, w.plain, 1000));
  ck_assert_uint_eq(w.errors.count, errors);
  ck_assert_int_eq(ccgc_collector_finish_sweeping(w.collector), CCGC_OK);
  ck_assert_uint_eq(rec.finalized, made);
  /* Large objects: the allocator maps a page for each, sweeping nothing
   * first; at the limit it sweeps what is left. */
  ck_assert_int_eq(ccgc_collect(w.collector, CCGC_REASON_TESTING), CCGC_OK);
  made = 0;
  rec.finalized = 0;
  while (blinkish_alloc(w.heap, w.recorded, 100 * 1024)) made++;
  ck_assert_uint_gt(made, 1);
  ck_assert_int_eq(ccgc_collector_last_error(w.collector)->code,
                   CCGC_E_HEAP_LIMIT);
  errors = w.errors.count;
  ck_assert_int_eq(ccgc_collect(w.collector, CCGC_REASON_TESTING), CCGC_OK);
  ck_assert_uint_eq(rec.finalized, 0);
  for (unsigned long i = 0; i < made; i++)
    ck_assert_ptr_nonnull(blinkish_alloc(w.heap, w.plain, 100 * 1024));
  ck_assert_uint_eq(w.errors.count, errors);
  ck_assert_uint_eq(rec.finalized, made); /* swept at the limit */
  ck_assert_int_eq(ccgc_collector_state(w.collector), CCGC_STATE_SWEEPING);
  world_free(&w);
}
END_TEST

static void allocating_finalizer(void *object, void *data) {
  (void)object;
  world *w = data;
  ck_assert_ptr_null(blinkish_alloc(w->heap, w->plain, 16));
  rec.finalized++;
}

START_TEST(a_lazy_finalizer_may_not_allocate) {
  world w;
  world_init(&w, CCGC_SWEEP_LAZY, 0);
  blinkish_type_info info = {"Allocating", NULL, NULL, 0};
  blinkish_type_id type =
      blinkish_register_type_with_data(w.heap, &info, allocating_finalizer, &w);
  ck_assert_ptr_nonnull(blinkish_alloc(w.heap, type, 16));
  ck_assert_int_eq(ccgc_collect(w.collector, CCGC_REASON_TESTING), CCGC_OK);
  ck_assert_int_eq(ccgc_collector_finish_sweeping(w.collector), CCGC_OK);
  ck_assert_uint_eq(rec.finalized, 1);
  ck_assert_int_eq(w.errors.last_code, CCGC_E_IN_COLLECTION);
  ck_assert_msg(strstr(w.errors.last_message, "finalizer") != NULL, "%s",
                w.errors.last_message);
  world_free(&w);
}
END_TEST

/* A finalizer run by sweeping after the pause - here the allocator's, which
 * sweeps a page before it takes one - may not walk the heaps: the page it
 * is on is half swept and the walk would sweep again. */
static unsigned long walked_objects;
static ccgc_status walk_status;

static void count_object(const ccgc_object_info *info, void *data) {
  (void)info;
  (void)data;
  walked_objects++;
}

static void walking_finalizer(void *object, void *data) {
  (void)object;
  world *w = data;
  if (rec.finalized++ > 0) return; /* the first is enough */
  ccgc_walk_callbacks callbacks = {.object = count_object};
  walk_status = ccgc_collector_walk(w->collector, &callbacks);
}

static void a_sweeping_finalizer_may_not_walk(ccgc_sweeping_mode mode) {
  world w;
  world_init(&w, mode, 0);
  blinkish_type_info info = {"Walking", NULL, NULL, 0};
  blinkish_type_id type =
      blinkish_register_type_with_data(w.heap, &info, walking_finalizer, &w);
  enum { COUNT = 20000 };
  for (int i = 0; i < COUNT; i++) ck_assert_ptr_nonnull(blinkish_alloc(w.heap, type, 16));
  walked_objects = 0;
  walk_status = CCGC_OK;
  ck_assert_int_eq(ccgc_collect(w.collector, CCGC_REASON_TESTING), CCGC_OK);
  ck_assert_uint_eq(rec.finalized, 0);
  /* Allocation in the same arena sweeps pages until a finalizer has run. */
  for (int i = 0; i < COUNT && rec.finalized == 0; i++)
    ck_assert_ptr_nonnull(blinkish_alloc(w.heap, type, 16));
  ck_assert_uint_gt(rec.finalized, 0);
  ck_assert_int_eq(ccgc_collector_state(w.collector), CCGC_STATE_SWEEPING);
  ck_assert_int_eq(walk_status, CCGC_E_IN_COLLECTION);
  ck_assert_uint_eq(walked_objects, 0);
  const ccgc_error *error = ccgc_collector_last_error(w.collector);
  ck_assert_int_eq(error->code, CCGC_E_IN_COLLECTION);
  ck_assert_msg(strstr(error->message, "ccgc_collector_walk") != NULL, "%s",
                error->message);
  /* Between collections the walk works again. */
  ck_assert_int_eq(ccgc_collector_walk(w.collector,
                                       &(ccgc_walk_callbacks){.object = count_object}),
                   CCGC_OK);
  world_free(&w);
}

START_TEST(a_lazy_finalizer_may_not_walk) {
  a_sweeping_finalizer_may_not_walk(CCGC_SWEEP_LAZY);
}
END_TEST

START_TEST(a_concurrent_sweeping_finalizer_may_not_walk) {
  a_sweeping_finalizer_may_not_walk(CCGC_SWEEP_CONCURRENT);
}
END_TEST

START_TEST(heap_teardown_mid_sweep_finalizes_each_object_once) {
  world w;
  world_init(&w, CCGC_SWEEP_CONCURRENT, 0);
  rec.addresses = g_hash_table_new(g_direct_hash, g_direct_equal);
  blinkish_persistent *root = half_garbage(&w, w.recorded, 5000);
  (void)root;
  ck_assert_int_eq(ccgc_collect(w.collector, CCGC_REASON_TESTING), CCGC_OK);
  ccgc_sweep_step(w.collector, 0);
  blinkish_heap_free(w.heap); /* finishes sweeping, then finalizes all */
  ck_assert_uint_eq(rec.finalized, 5000);
  ck_assert_uint_eq(g_hash_table_size(rec.addresses), 5000);
  ck_assert_uint_eq(rec.off_owner, 0);
  ck_assert_int_eq(ccgc_collector_state(w.collector), CCGC_STATE_IDLE);
  ccgc_collector_free(w.collector);
  g_hash_table_destroy(rec.addresses);
  rec.addresses = NULL;
}
END_TEST

int main(void) {
  Suite *suite = suite_create("blinkish-lazy-sweeping");
  TCase *tc = tcase_create("core");
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, lazy_finalizers_run_after_the_pause_on_the_owner);
  tcase_add_test(tc, concurrent_finalizers_run_after_the_pause_on_the_owner);
  tcase_add_test(tc, atomic_mode_finalizes_in_the_pause);
  tcase_add_test(tc, no_page_reaches_the_allocator_before_it_is_swept);
  tcase_add_test(tc, dead_objects_of_unswept_pages_are_dead_to_every_query);
  tcase_add_test(tc, statistics_fall_as_pages_are_swept);
  tcase_add_test(tc, the_hard_limit_sweeps_what_is_left_before_failing);
  tcase_add_test(tc, a_lazy_finalizer_may_not_allocate);
  tcase_add_test(tc, a_lazy_finalizer_may_not_walk);
  tcase_add_test(tc, a_concurrent_sweeping_finalizer_may_not_walk);
  tcase_add_test(tc, heap_teardown_mid_sweep_finalizes_each_object_once);
  suite_add_tcase(suite, tc);
  return ccgc_test_run(suite);
}
