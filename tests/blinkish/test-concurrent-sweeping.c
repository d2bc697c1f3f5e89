/* test-concurrent-sweeping.c - the DOM heap under CCGC_SWEEP_CONCURRENT:
 * two sweeper threads sweep the pages while the host allocates (sweeping
 * pages itself), stores members, asks whether objects live and runs sweep
 * steps; on pages with finalizers the threads list the dead objects and the
 * owner finalizes them. The verifier checks every cycle; every finalizable
 * object is finalized exactly once, on the owner thread, after it died.
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
  if (!pthread_equal(pthread_self(), owner)) off_owner++;
}

typedef struct churn {
  ccgc_collector *collector;
  blinkish_heap *heap;
  blinkish_type_id plain, counted;
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
  bool counted = next_random(c) % 4 == 0;
  dom_node *n = blinkish_alloc(c->heap, counted ? c->counted : c->plain,
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

static listed_world listed_world_new(long count, dom_node **dead) {
  memset(finalized, 0, sizeof finalized);
  owner = pthread_self();
  off_owner = 0;
  ccgc_collector_options options = {.verify = true,
                                    .sweeping = CCGC_SWEEP_CONCURRENT,
                                    .sweeper_threads = 1};
  listed_world w;
  w.collector = ccgc_collector_new(&options);
  w.heap = blinkish_heap_new(w.collector, NULL);
  blinkish_type_info counted = {"Counted", dom_trace_node, finalize_counted, 0};
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
  for (int wait = 0; wait < 10000; wait++) {
    bool claimed = true;
    for (size_t i = 0; i < sweep->count; i++) {
      int state = atomic_load(&sweep->slots[i].state);
      if (!sweep->slots[i].large && state != BLINKISH_SLOT_HELPER_DONE)
        claimed = false;
    }
    if (claimed) break;
    nanosleep(&(struct timespec){0, 1000000}, NULL);
  }
  for (size_t i = 0; i < sweep->count; i++) {
    if (sweep->slots[i].large) continue;
    ck_assert_int_eq(atomic_load(&sweep->slots[i].state),
                     BLINKISH_SLOT_HELPER_DONE);
    listed += sweep->slots[i].dead.count;
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
      ck_assert_uint_gt(slot->dead.count, 1);
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

int main(void) {
  Suite *suite = suite_create("blinkish-concurrent-sweeping");
  TCase *tc = tcase_create("core");
  tcase_set_timeout(tc, 300);
  tcase_add_test(tc, concurrent_sweeping_with_a_busy_host);
  tcase_add_test(tc, sweeper_threads_list_dead_objects_for_the_owner);
  tcase_add_test(tc, sweeper_threads_leave_host_code_pages_while_lists_are_full);
  suite_add_tcase(suite, tc);
  return ccgc_test_run(suite);
}
