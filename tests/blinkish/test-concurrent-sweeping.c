/* test-concurrent-sweeping.c - the DOM heap under CCGC_SWEEP_CONCURRENT:
 * two sweeper threads sweep the pages while the host allocates (sweeping
 * pages itself), stores members, asks whether objects live and runs sweep
 * steps; on pages with finalizers the threads list the dead objects and the
 * owner finalizes them, but for types with BLINKISH_TYPE_CONCURRENT_
 * FINALIZER, which the threads finalize and free themselves. The verifier
 * checks every cycle; every finalizable object is finalized exactly once,
 * after it died, on the owner thread unless its type allows any.
 * Labelled "concurrent": the ThreadSanitizer build runs it too. */
#include <check.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

#include "dom-test.h"
/* White box: the sweep's page slots (v8ish's header of the same name
 * comes first on the include path). */
#include "../../blinkish/heap-internal.h"

enum { SLOTS = 3000, MAX_IDS = 400000 };

static unsigned char finalized[MAX_IDS];
static pthread_t owner;
static unsigned long off_owner;

static void finalize_counted(void *object) {
  long id = ((dom_node *)object)->value;
  if (id >= 0 && id < MAX_IDS) finalized[id]++;
  if (!pthread_equal(pthread_self(), owner))
    __atomic_fetch_add(&off_owner, 1, __ATOMIC_RELAXED);
}

/* The finalizer of a BLINKISH_TYPE_CONCURRENT_FINALIZER type in the busy
 * host: any thread, so it is not counted off the owner. */
static void finalize_anywhere(void *object) {
  long id = ((dom_node *)object)->value;
  if (id >= 0 && id < MAX_IDS) finalized[id]++;
}

typedef struct churn {
  ccgc_collector *collector;
  blinkish_heap *heap;
  blinkish_type_id plain, counted, anywhere;
  dom_node *slots[SLOTS]; /* the host's table, kept alive by a vector */
  void *vector;
  blinkish_persistent *root;
  long next_id;
  unsigned seed;
  ccgc_test_errors errors;
} churn;

static unsigned next_random(churn *c) {
  c->seed = c->seed * 1103515245u + 12345u;
  return c->seed >> 8;
}

static dom_node *fresh(churn *c) {
  unsigned kind = next_random(c) % 4;
  bool counted = kind >= 2;
  blinkish_type_id type = kind == 3 ? c->anywhere : counted ? c->counted : c->plain;
  dom_node *n = blinkish_alloc(c->heap, type,
                               sizeof(dom_node) + (next_random(c) % 4) * 16);
  ck_assert_ptr_nonnull(n);
  n->value = counted ? c->next_id++ : -1;
  ck_assert_int_lt(c->next_id, MAX_IDS);
  return n;
}

/* The host's work between collections: the table's entries are live (the
 * vector holds them), garbage hangs off them and is dropped. */
static void mutate(churn *c, int operations) {
  for (int op = 0; op < operations; op++) {
    unsigned index = next_random(c) % SLOTS;
    dom_node *a = c->slots[index];
    switch (next_random(c) % 4) {
    case 0: { /* replace an entry: the old one becomes garbage */
      dom_node *n = fresh(c);
      ck_assert_int_eq(blinkish_vector_set(c->heap, c->vector, index, n),
                       CCGC_OK);
      c->slots[index] = n;
      break;
    }
    case 1: /* a short chain of garbage-to-be */
      ck_assert_int_eq(
          blinkish_member_set(c->heap, a, (void **)&a->next, fresh(c)), CCGC_OK);
      break;
    case 2: {
      dom_node *b = c->slots[next_random(c) % SLOTS];
      ck_assert_int_eq(
          blinkish_member_set(c->heap, a, (void **)&a->other, b), CCGC_OK);
      break;
    }
    default:
      ck_assert(blinkish_is_object(c->heap, a));
      if (a->next) ck_assert(blinkish_is_alive(c->heap, a->next));
      break;
    }
  }
}

START_TEST(concurrent_sweeping_with_a_busy_host) {
  static churn c;
  memset(&c, 0, sizeof c);
  memset(finalized, 0, sizeof finalized);
  owner = pthread_self();
  off_owner = 0;
  ccgc_collector_options options = {.verify = true,
                                    .sweeping = CCGC_SWEEP_CONCURRENT,
                                    .sweeper_threads = 2};
  c.collector = ccgc_collector_new(&options);
  c.heap = blinkish_heap_new(c.collector, NULL);
  blinkish_type_info plain = {"Plain", dom_trace_node, NULL, 0};
  blinkish_type_info counted = {"Counted", dom_trace_node, finalize_counted, 0};
  c.plain = blinkish_register_type(c.heap, &plain);
  c.counted = blinkish_register_type(c.heap, &counted);
  blinkish_type_info anywhere = {"Anywhere", dom_trace_node, finalize_anywhere,
                                 BLINKISH_TYPE_CONCURRENT_FINALIZER};
  c.anywhere = blinkish_register_type(c.heap, &anywhere);
  ccgc_test_capture_errors(c.collector, &c.errors);
  c.seed = 7;
  c.vector = blinkish_vector_new(c.heap, SLOTS);
  c.root = blinkish_persistent_new(c.heap, c.vector, false);
  for (int i = 0; i < SLOTS; i++) {
    c.slots[i] = fresh(&c);
    ck_assert_int_eq(blinkish_vector_append(c.heap, c.vector, c.slots[i]),
                     CCGC_OK);
  }
  for (int cycle = 0; cycle < 12; cycle++) {
    mutate(&c, 20000); /* while the last cycle's pages are swept */
    if (cycle % 3 == 1) ccgc_sweep_step(c.collector, 0.2);
    ck_assert_int_eq(ccgc_collect(c.collector, CCGC_REASON_TESTING), CCGC_OK);
    ck_assert_int_eq(ccgc_collector_state(c.collector), CCGC_STATE_SWEEPING);
  }
  ck_assert_int_eq(ccgc_collector_finish_sweeping(c.collector), CCGC_OK);
  ck_assert_uint_eq(c.errors.count, 0);
  ck_assert_uint_eq(off_owner, 0);
  /* Whatever is finalized was finalized once; the survivors not at all. */
  for (long id = 0; id < c.next_id; id++)
    ck_assert_uint_le(finalized[id], 1);
  for (int i = 0; i < SLOTS; i++)
    if (c.slots[i]->value >= 0)
      ck_assert_uint_eq(finalized[c.slots[i]->value], 0);
  blinkish_persistent_free(c.heap, c.root);
  blinkish_heap_free(c.heap);
  for (long id = 0; id < c.next_id; id++) ck_assert_uint_eq(finalized[id], 1);
  ck_assert_uint_eq(off_owner, 0);
  ccgc_collector_free(c.collector);
}
END_TEST


/* A collector with one sweeper thread and a DOM heap of count finalizable
 * nodes (ids 0 .. count - 1), the even ones held by a rooted vector, the
 * odd ones garbage (stored in dead[id / 2] when dead is not NULL). */
typedef struct listed_world {
  ccgc_collector *collector;
  blinkish_heap *heap;
  blinkish_type_id type;
  blinkish_persistent *root;
} listed_world;

static listed_world listed_world_flags(long count, dom_node **dead,
                                       unsigned flags);

static listed_world listed_world_new(long count, dom_node **dead) {
  return listed_world_flags(count, dead, 0);
}

/* The same, the nodes' type with flags. */
static listed_world listed_world_flags(long count, dom_node **dead,
                                       unsigned flags) {
  memset(finalized, 0, sizeof finalized);
  owner = pthread_self();
  off_owner = 0;
  ccgc_collector_options options = {.verify = true,
                                    .sweeping = CCGC_SWEEP_CONCURRENT,
                                    .sweeper_threads = 1};
  listed_world w;
  w.collector = ccgc_collector_new(&options);
  w.heap = blinkish_heap_new(w.collector, NULL);
  blinkish_type_info counted = {"Counted", dom_trace_node, finalize_counted, flags};
  w.type = blinkish_register_type(w.heap, &counted);
  void *vector = blinkish_vector_new(w.heap, (size_t)count / 2);
  w.root = blinkish_persistent_new(w.heap, vector, false);
  for (long i = 0; i < count; i++) {
    dom_node *n = blinkish_alloc(w.heap, w.type, sizeof(dom_node));
    ck_assert_ptr_nonnull(n);
    n->value = i;
    if (i % 2 == 0)
      ck_assert_int_eq(blinkish_vector_append(w.heap, vector, n), CCGC_OK);
    else if (dead)
      dead[i / 2] = n;
  }
  return w;
}

/* The owner does nothing until the sweeper thread is done with every
 * normal page (up to 200 s on a loaded machine under ThreadSanitizer). */
static void wait_for_the_thread(blinkish_heap *heap) {
  blinkish_lazy_sweep *sweep = &heap->sweep;
  for (int wait = 0; wait < 200000; wait++) {
    bool claimed = true;
    for (size_t i = 0; i < sweep->count; i++) {
      int state = atomic_load(&sweep->slots[i].state);
      if (!sweep->slots[i].large && state != BLINKISH_SLOT_HELPER_DONE)
        claimed = false;
    }
    if (claimed) return;
    nanosleep(&(struct timespec){0, 1000000}, NULL);
  }
  ck_abort_msg("the sweeper thread did not sweep every page");
}

/* A sweeper thread takes the pages of finalizable objects too: it lists
 * their dead objects, intact, and finalizes none; the owner's sweep step
 * finalizes each once and frees its cell, which the allocator reuses. */
START_TEST(sweeper_threads_list_dead_objects_for_the_owner) {
  enum { COUNT = 20000 };
  static dom_node *dead[COUNT / 2];
  listed_world w = listed_world_new(COUNT, dead);
  ccgc_collector *collector = w.collector;
  blinkish_heap *heap = w.heap;
  blinkish_type_id type = w.type;
  blinkish_persistent *root = w.root;
  ccgc_test_errors errors;
  ccgc_test_capture_errors(collector, &errors);
  ccgc_heap_stats before;
  blinkish_heap_stats(heap, &before);
  ck_assert_int_eq(ccgc_collect(collector, CCGC_REASON_TESTING), CCGC_OK);
  ck_assert_int_eq(ccgc_collector_state(collector), CCGC_STATE_SWEEPING);
  /* The owner does nothing: the thread claims every normal page. */
  blinkish_lazy_sweep *sweep = &heap->sweep;
  size_t listed = 0;
  wait_for_the_thread(heap);
  for (size_t i = 0; i < sweep->count; i++) {
    if (sweep->slots[i].large) continue;
    ck_assert_int_eq(atomic_load(&sweep->slots[i].state),
                     BLINKISH_SLOT_HELPER_DONE);
    listed += sweep->slots[i].dead.objects;
  }
  ck_assert_uint_eq(listed, COUNT / 2);
  for (long i = 0; i < COUNT; i++) ck_assert_uint_eq(finalized[i], 0);
  /* Dead to every query while they wait (.inv.dom-unswept-dead). */
  ck_assert(!blinkish_is_object(heap, dead[0]));
  ck_assert_int_eq(errors.count, 0);
  while (ccgc_collector_state(collector) == CCGC_STATE_SWEEPING)
    ccgc_sweep_step(collector, 1.0);
  ck_assert_uint_eq(off_owner, 0);
  for (long i = 0; i < COUNT; i++)
    ck_assert_uint_eq(finalized[i], (unsigned)(i % 2));
  ccgc_heap_stats after;
  blinkish_heap_stats(heap, &after);
  ck_assert_uint_eq(after.object_count, before.object_count - COUNT / 2);
  /* The freed cells are free runs again: as many new objects fit in them. */
  for (long i = 0; i < COUNT / 2; i++)
    ck_assert_ptr_nonnull(blinkish_alloc(heap, type, sizeof(dom_node)));
  ccgc_heap_stats refilled;
  blinkish_heap_stats(heap, &refilled);
  ck_assert_uint_eq(refilled.committed_bytes, after.committed_bytes);
  ck_assert_uint_eq(refilled.object_count, before.object_count);
  blinkish_persistent_free(heap, root);
  blinkish_heap_free(heap);
  ck_assert_uint_eq(off_owner, 0);
  ccgc_collector_free(collector);
}
END_TEST

/* ccgc.h: idle time "first sweeps until the deadline". An owner step
 * returns early while the sweeper thread holds the pages left
 * (docs/sweeping.md), and the idle period gave up there: one call of a
 * second's budget returned after microseconds with nothing finalized, and
 * hundreds of calls were needed. Now idle time goes on stepping (yielding
 * to the thread) until sweeping completes or the deadline passes. */
START_TEST(idle_time_sweeps_until_the_deadline) {
  enum { COUNT = 20000 };
  listed_world w = listed_world_new(COUNT, NULL);
  ck_assert_int_eq(ccgc_collect(w.collector, CCGC_REASON_TESTING), CCGC_OK);
  ck_assert_int_eq(ccgc_collector_state(w.collector), CCGC_STATE_SWEEPING);
  double start = ccgc_time_ms();
  /* Nothing requested: the period sweeps and starts no cycle. */
  ck_assert(!ccgc_idle_notification(w.collector, 60000.0));
  ck_assert_msg(ccgc_collector_state(w.collector) == CCGC_STATE_IDLE,
                "sweeping still runs after one idle period (%.2f ms of 60000)",
                ccgc_time_ms() - start);
  for (long i = 0; i < COUNT; i++)
    ck_assert_uint_eq(finalized[i], (unsigned)(i % 2));
  ck_assert_uint_eq(off_owner, 0);
  blinkish_persistent_free(w.heap, w.root);
  blinkish_heap_free(w.heap);
  ccgc_collector_free(w.collector);
}
END_TEST

/* While the owner's finalization lags (more dead objects listed than
 * max_listed wait for it), the threads leave host-code pages to the owner:
 * with a cap of one object, the thread lists one page and no other; the
 * owner sweeps the rest itself, and every dead object is still finalized
 * exactly once, on the owner. */
START_TEST(sweeper_threads_leave_host_code_pages_while_lists_are_full) {
  enum { COUNT = 20000 };
  listed_world w = listed_world_new(COUNT, NULL);
  ccgc_collector *collector = w.collector;
  blinkish_heap *heap = w.heap;
  blinkish_persistent *root = w.root;
  blinkish_lazy_sweep *sweep = &heap->sweep;
  sweep->max_listed = 1;
  ck_assert_int_eq(ccgc_collect(collector, CCGC_REASON_TESTING), CCGC_OK);
  ck_assert_int_eq(ccgc_collector_state(collector), CCGC_STATE_SWEEPING);
  ccgc_test_errors errors;
  ccgc_test_capture_errors(collector, &errors);
  /* The owner does nothing until the thread is done with every slot: its
   * claim past the last one comes after its last page (up to 200 s on a
   * loaded machine under ThreadSanitizer). */
  for (int wait = 0; wait < 200000 && atomic_load(&sweep->claim) <= sweep->count;
       wait++)
    nanosleep(&(struct timespec){0, 1000000}, NULL);
  ck_assert_uint_gt(atomic_load(&sweep->claim), sweep->count);
  size_t listed_pages = 0, left = 0, host_pages = 0;
  for (size_t i = 0; i < sweep->count; i++) {
    blinkish_sweep_slot *slot = &sweep->slots[i];
    if (slot->large || !slot->host_code) continue;
    host_pages++;
    int state = atomic_load(&slot->state);
    if (state == BLINKISH_SLOT_HELPER_DONE) {
      listed_pages++;
      ck_assert_uint_gt(slot->dead.objects, 1);
    } else {
      ck_assert_int_eq(state, BLINKISH_SLOT_UNSWEPT);
      left++;
    }
  }
  ck_assert_uint_ge(host_pages, 3);
  ck_assert_uint_eq(listed_pages, 1);
  ck_assert_uint_eq(left, host_pages - 1);
  ck_assert_uint_gt(atomic_load(&sweep->listed), sweep->max_listed);
  for (long i = 0; i < COUNT; i++) ck_assert_uint_eq(finalized[i], 0);
  while (ccgc_collector_state(collector) == CCGC_STATE_SWEEPING)
    ccgc_sweep_step(collector, 1.0);
  ck_assert_uint_eq(off_owner, 0);
  for (long i = 0; i < COUNT; i++)
    ck_assert_uint_eq(finalized[i], (unsigned)(i % 2));
  ck_assert_uint_eq(atomic_load(&sweep->listed), 0);
  ck_assert_int_eq(errors.count, 0);
  blinkish_persistent_free(heap, root);
  blinkish_heap_free(heap);
  ccgc_collector_free(collector);
}
END_TEST


/* BLINKISH_TYPE_CONCURRENT_FINALIZER: the sweeper thread runs the dead
 * objects' finalizers as it sweeps their pages, before the owner does
 * anything, and frees their cells itself: nothing is listed, and the
 * allocator reuses the cells once the owner merged the pages. */
START_TEST(sweeper_threads_run_concurrent_finalizers) {
  enum { COUNT = 20000 };
  listed_world w = listed_world_flags(COUNT, NULL, BLINKISH_TYPE_CONCURRENT_FINALIZER);
  ccgc_test_errors errors;
  ccgc_test_capture_errors(w.collector, &errors);
  ccgc_heap_stats before;
  blinkish_heap_stats(w.heap, &before);
  ck_assert_int_eq(ccgc_collect(w.collector, CCGC_REASON_TESTING), CCGC_OK);
  wait_for_the_thread(w.heap);
  size_t listed = 0;
  for (size_t i = 0; i < w.heap->sweep.count; i++)
    listed += w.heap->sweep.slots[i].dead.objects;
  ck_assert_uint_eq(listed, 0);
  for (long i = 0; i < COUNT; i++) ck_assert_uint_eq(finalized[i], (unsigned)(i % 2));
  ck_assert_uint_eq(off_owner, COUNT / 2);
  ck_assert_int_eq(ccgc_collector_finish_sweeping(w.collector), CCGC_OK);
  for (long i = 0; i < COUNT; i++) ck_assert_uint_eq(finalized[i], (unsigned)(i % 2));
  ccgc_heap_stats after;
  blinkish_heap_stats(w.heap, &after);
  ck_assert_uint_eq(after.object_count, before.object_count - COUNT / 2);
  for (long i = 0; i < COUNT / 2; i++)
    ck_assert_ptr_nonnull(blinkish_alloc(w.heap, w.type, sizeof(dom_node)));
  ccgc_heap_stats refilled;
  blinkish_heap_stats(w.heap, &refilled);
  ck_assert_uint_eq(refilled.committed_bytes, after.committed_bytes);
  ck_assert_int_eq(errors.count, 0);
  blinkish_persistent_free(w.heap, w.root);
  blinkish_heap_free(w.heap);
  /* The survivors' finalizers ran at the teardown, on the owner. */
  ck_assert_uint_eq(off_owner, COUNT / 2);
  ccgc_collector_free(w.collector);
}
END_TEST

static unsigned long released, released_off_owner;

static void release_counted(void *object, void *slot_value, void *data) {
  (void)object, (void)data;
  ck_assert_ptr_nonnull(slot_value);
  released++;
  if (!pthread_equal(pthread_self(), owner)) released_off_owner++;
}

static void trace_no_wrapper(ccgc_visitor *visitor, void *object, void *slot_value,
                             void *data) {
  (void)visitor, (void)object, (void)slot_value, (void)data;
}

/* A wrappable object of such a type whose wrapper is set is listed: its
 * finalizer ran on the sweeper thread, its release hook runs on the owner,
 * once. The free runs around the listed cells coalesce with them when the
 * owner frees them: a dead stretch of alternating wrapped and unwrapped
 * objects is one free run afterwards. */
START_TEST(wrapped_objects_wait_for_the_owner_and_their_runs_coalesce) {
  enum { COUNT = 4000, STRETCH = 64 };
  memset(finalized, 0, sizeof finalized);
  owner = pthread_self();
  off_owner = released = released_off_owner = 0;
  ccgc_collector_options options = {.verify = true,
                                    .sweeping = CCGC_SWEEP_CONCURRENT,
                                    .sweeper_threads = 1};
  ccgc_collector *collector = ccgc_collector_new(&options);
  blinkish_heap *heap = blinkish_heap_new(collector, NULL);
  ck_assert_int_eq(blinkish_heap_set_wrappable_hooks(heap, trace_no_wrapper,
                                                     release_counted, NULL),
                   CCGC_OK);
  blinkish_type_info info = {"Wrapped", dom_trace_node, finalize_counted,
                             BLINKISH_TYPE_WRAPPABLE | BLINKISH_TYPE_CONCURRENT_FINALIZER};
  blinkish_type_id type = blinkish_register_type(heap, &info);
  void *vector = blinkish_vector_new(heap, COUNT);
  blinkish_persistent *root = blinkish_persistent_new(heap, vector, false);
  /* Stretches of STRETCH dead objects (every other one wrapped) between
   * survivors. */
  uint8_t *stretch = NULL; /* the first dead stretch's first cell */
  for (long i = 0; i < COUNT; i++) {
    dom_node *n = blinkish_alloc(heap, type, sizeof(dom_node));
    ck_assert_ptr_nonnull(n);
    n->value = i;
    if (i == 1) stretch = (uint8_t *)n - blinkish_payload_offset(true);
    if (i % (STRETCH + 1) == 0) {
      ck_assert_int_eq(blinkish_vector_append(heap, vector, n), CCGC_OK);
    } else if (i % 2) {
      *blinkish_wrappable_slot(heap, n) = (void *)0x1000; /* a wrapper */
    }
  }
  ccgc_test_errors errors;
  ccgc_test_capture_errors(collector, &errors);
  ck_assert_int_eq(ccgc_collect(collector, CCGC_REASON_TESTING), CCGC_OK);
  wait_for_the_thread(heap);
  size_t listed = 0;
  for (size_t i = 0; i < heap->sweep.count; i++) listed += heap->sweep.slots[i].dead.objects;
  unsigned long dead = 0, wrapped = 0;
  for (long i = 0; i < COUNT; i++) {
    if (i % (STRETCH + 1) == 0) continue;
    dead++;
    if (i % 2) wrapped++;
    ck_assert_uint_eq(finalized[i], 1); /* all on the thread, already */
  }
  ck_assert_uint_eq(off_owner, dead);
  ck_assert_uint_eq(listed, wrapped);
  ck_assert_uint_eq(released, 0);
  ck_assert_int_eq(ccgc_collector_finish_sweeping(collector), CCGC_OK);
  ck_assert_uint_eq(released, wrapped);
  ck_assert_uint_eq(released_off_owner, 0);
  for (long i = 0; i < COUNT; i++)
    ck_assert_uint_eq(finalized[i], i % (STRETCH + 1) ? 1u : 0u);
  /* The first stretch (after the first survivor, allocated in one
   * allocation area) is one free cell now. */
  size_t object = blinkish_header_cell_size(
      blinkish_header_of(blinkish_vector_get(heap, vector, 0)));
  const blinkish_header *run = (const blinkish_header *)stretch;
  ck_assert(blinkish_header_is_free(run));
  ck_assert_uint_eq(blinkish_header_cell_size(run), STRETCH * object);
  ck_assert_int_eq(errors.count, 0);
  blinkish_persistent_free(heap, root);
  blinkish_heap_free(heap);
  ccgc_collector_free(collector);
}
END_TEST

static blinkish_heap *calling_heap;
static unsigned long calls_answered;

/* A concurrent finalizer that breaks its contract: it calls the heap. */
static void finalize_calling(void *object) {
  if (blinkish_is_object(calling_heap, object))
    __atomic_fetch_add(&calls_answered, 1, __ATOMIC_RELAXED);
}

/* A concurrent finalizer that calls the heap from a sweeper thread is
 * refused (CCGC_E_WRONG_THREAD, .api.mutator-thread), nothing worse. */
START_TEST(a_concurrent_finalizer_that_calls_the_heap_is_refused) {
  enum { COUNT = 2000 };
  owner = pthread_self();
  ccgc_collector_options options = {.verify = true,
                                    .sweeping = CCGC_SWEEP_CONCURRENT,
                                    .sweeper_threads = 1};
  ccgc_collector *collector = ccgc_collector_new(&options);
  blinkish_heap *heap = blinkish_heap_new(collector, NULL);
  calling_heap = heap;
  calls_answered = 0;
  blinkish_type_info info = {"Calling", NULL, finalize_calling,
                             BLINKISH_TYPE_CONCURRENT_FINALIZER};
  blinkish_type_id type = blinkish_register_type(heap, &info);
  for (int i = 0; i < COUNT; i++) ck_assert_ptr_nonnull(blinkish_alloc(heap, type, 32));
  ccgc_test_errors errors;
  ccgc_test_capture_errors(collector, &errors);
  ck_assert_int_eq(ccgc_collect(collector, CCGC_REASON_TESTING), CCGC_OK);
  wait_for_the_thread(heap);
  ck_assert_int_eq(ccgc_collector_finish_sweeping(collector), CCGC_OK);
  ck_assert_uint_eq(errors.count, COUNT);
  ck_assert_int_eq(errors.last_code, CCGC_E_WRONG_THREAD);
  ck_assert_uint_eq(calls_answered, 0);
  ccgc_heap_stats stats;
  blinkish_heap_stats(heap, &stats);
  ck_assert_uint_eq(stats.object_count, 0);
  blinkish_heap_free(heap);
  ccgc_collector_free(collector);
}
END_TEST

int main(void) {
  Suite *suite = suite_create("blinkish-concurrent-sweeping");
  TCase *tc = tcase_create("core");
  tcase_set_timeout(tc, 300);
  tcase_add_test(tc, concurrent_sweeping_with_a_busy_host);
  tcase_add_test(tc, sweeper_threads_list_dead_objects_for_the_owner);
  tcase_add_test(tc, idle_time_sweeps_until_the_deadline);
  tcase_add_test(tc, sweeper_threads_leave_host_code_pages_while_lists_are_full);
  tcase_add_test(tc, sweeper_threads_run_concurrent_finalizers);
  tcase_add_test(tc, wrapped_objects_wait_for_the_owner_and_their_runs_coalesce);
  tcase_add_test(tc, a_concurrent_finalizer_that_calls_the_heap_is_refused);
  suite_add_tcase(suite, tc);
  return ccgc_test_run(suite);
}
