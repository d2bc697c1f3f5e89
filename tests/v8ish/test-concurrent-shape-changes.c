/* test-concurrent-shape-changes.c - the shape-change protocols under a
 * forced interleaving (docs/concurrent-marking.md, "Proof by interleaving").
 *
 * A marker thread is parked by the snapshot hook right after it read object
 * O's class and before it read the fields that class describes (and, under
 * snapshotting, before its grey -> black CAS). While it waits, a mutator
 * unboxes O.x: the tagged slot that held a HeapNumber now holds raw double
 * bits. The double is crafted so that its bits equal a tagged pointer to a
 * white, unreachable HeapNumber W. Then the marker resumes.
 *
 *   unprotected: the marker reads the slot with the old class, follows the
 *                raw bits as a reference and marks W: W survives although
 *                nothing references it (a raw word traced as a pointer; with
 *                other bits, a wild write into a mark table).
 *   snapshot:    the mutator won the CAS and visited O first; the marker's
 *                snapshot (with the bogus W) loses its CAS and is dropped.
 *   lock:        the marker holds O's lock while it visits; the mutator
 *                blocks in the change until the marker is done, so the marker
 *                sees the old layout only.
 * In every protocol mode W is collected and the verifier finds nothing.
 * The unprotected case is a deliberate race: skipped under sanitizers. */
#include <check.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ccgc-events.h"
#include "ccgc-heap.h"
#include "ccgc-probe.h"
#include "ccgc-test.h"
#include "object-locks.h"
#include "v8ish.h"

typedef struct schedule {
  void *target;            /* O's address */
  atomic_int reached;      /* the marker parked in the hook */
  atomic_int go;           /* the main thread lets it continue */
  atomic_int mutator_done; /* the unboxing returned */
  ccgc_collector *collector;
  v8ish_heap *heap;
  v8ish_local object;
  ccgc_status unbox_status;
} schedule;

static void sleep_ms(long ms) {
  struct timespec t = {ms / 1000, (ms % 1000) * 1000000L};
  nanosleep(&t, NULL);
}

/* Polls flag for up to ms; true if it became set. */
static bool wait_flag(atomic_int *flag, long ms) {
  for (long i = 0; i < ms; i++) {
    if (atomic_load(flag)) return true;
    sleep_ms(1);
  }
  return atomic_load(flag) != 0;
}

static void hook(void *object, void *data) {
  schedule *s = data;
  if (object != s->target) return;
  atomic_store(&s->reached, 1);
  while (!atomic_load(&s->go)) sleep_ms(1);
}

/* The mutator's half, on its own thread so that under the lock protocol the
 * main thread can watch it block. The main thread does not touch the heap
 * meanwhile (thread creation and join order the two): the collector is
 * handed over and back (the threading contract, ccgc.h). */
static void *mutator(void *data) {
  schedule *s = data;
  ck_assert_int_eq(ccgc_collector_take_ownership(s->collector), CCGC_OK);
  s->unbox_status = v8ish_object_unbox_double(s->heap, s->object, "x");
  atomic_store(&s->mutator_done, 1);
  return NULL;
}

static void run_case(ccgc_shape_protocol protocol) {
  ccgc_collector_options options = {.verify = true,
                                    .marker_threads = 1,
                                    .shape_protocol = protocol};
  ccgc_collector *c = ccgc_collector_new(&options);
  ck_assert_ptr_nonnull(c);
  ck_assert_int_eq(ccgc_collector_shape_protocol(c), protocol);
  v8ish_heap *heap = v8ish_heap_new(c, NULL);
  v8ish_handle_scope scope;
  v8ish_handle_scope_open(heap, &scope);

  /* W: white and unreachable once its scope closes. */
  v8ish_handle_scope inner;
  v8ish_handle_scope_open(heap, &inner);
  void *victim = v8ish_object_address(heap, v8ish_number_new(heap, 2.5));
  v8ish_handle_scope_close(&inner);
  ck_assert_ptr_nonnull(victim);
  ccgc_probe *probe = ccgc_probe_new(c, victim, "W");
  ck_assert_ptr_nonnull(probe);

  /* O.x holds a boxed double whose bits are W's tagged address. */
  uint64_t bits = (uint64_t)(uintptr_t)victim | 1u;
  double crafted;
  memcpy(&crafted, &bits, sizeof crafted);
  v8ish_local o = v8ish_object_new(heap);
  ck_assert_int_eq(v8ish_object_set(heap, o, "x", v8ish_number_new(heap, crafted)),
                   CCGC_OK);
  ck_assert_int_eq(v8ish_object_set(heap, o, "keep", v8ish_object_new(heap)),
                   CCGC_OK);

  schedule s = {.target = v8ish_object_address(heap, o), .collector = c,
                .heap = heap, .object = o};
  atomic_init(&s.reached, 0);
  atomic_init(&s.go, 0);
  atomic_init(&s.mutator_done, 0);
  ccgc_collector_set_snapshot_hook(c, hook, &s);
  ck_assert_int_eq(ccgc_incremental_start(c, CCGC_REASON_TESTING), CCGC_OK);
  /* Marking is on: the protocol is fixed for the cycle. */
  ck_assert_int_eq(ccgc_collector_set_shape_protocol(c, CCGC_SHAPE_LOCK),
                   CCGC_E_IN_COLLECTION);
  ccgc_collector_clear_error(c);
  ck_assert_msg(wait_flag(&s.reached, 20000), "the marker never reached O");

  pthread_t thread;
  ck_assert_int_eq(pthread_create(&thread, NULL, mutator, &s), 0);
  if (protocol == CCGC_SHAPE_LOCK) {
    /* The marker holds O's lock in the hook: the change must wait. */
    ck_assert_msg(!wait_flag(&s.mutator_done, 300),
                  "an unsafe change ran while the marker visited under lock");
    ck_assert(ccgc_object_lock_held(s.target));
  } else {
    ck_assert_msg(wait_flag(&s.mutator_done, 20000), "the mutator hung");
  }
  atomic_store(&s.go, 1);
  pthread_join(thread, NULL);
  ck_assert_int_eq(ccgc_collector_take_ownership(c), CCGC_OK);
  ck_assert_int_eq(s.unbox_status, CCGC_OK);
  ccgc_collector_set_snapshot_hook(c, NULL, NULL);

  while (!ccgc_incremental_step(c, 5.0)) {
  }
  ck_assert_int_eq(ccgc_incremental_finish(c), CCGC_OK);

  ck_assert_uint_eq(ccgc_collector_last_verify(c)->errors, 0);
  ck_assert(v8ish_object_get_double(heap, o, "x") == crafted);
  if (protocol == CCGC_SHAPE_UNPROTECTED)
    ck_assert_msg(!ccgc_probe_collected(probe),
                  "expected the unprotected marker to follow the raw double "
                  "as a pointer and keep W alive");
  else
    ck_assert_msg(ccgc_probe_collected(probe),
                  "%s: W survived: a marker followed the raw double as a "
                  "pointer", ccgc_shape_protocol_name(protocol));
  /* And O is intact for a later stop-the-world collection. */
  ccgc_test_collect_verified(c);
  ck_assert(v8ish_object_get_double(heap, o, "x") == crafted);

  ccgc_probe_free(c, probe);
  v8ish_handle_scope_close(&scope);
  v8ish_heap_free(heap);
  ccgc_collector_free(c);
}

START_TEST(snapshot_drops_the_stale_snapshot) { run_case(CCGC_SHAPE_SNAPSHOT); }
END_TEST

START_TEST(lock_blocks_the_change_during_the_visit) { run_case(CCGC_SHAPE_LOCK); }
END_TEST

START_TEST(unprotected_follows_raw_bits) {
  const char *sanitized = getenv("CCGC_SANITIZED");
  if (sanitized && *sanitized) return; /* a deliberate race: not under TSan */
  run_case(CCGC_SHAPE_UNPROTECTED);
}
END_TEST

START_TEST(protocol_setter_checks) {
  ccgc_collector *c = ccgc_collector_new(NULL);
  ccgc_test_errors errors;
  ccgc_test_capture_errors(c, &errors);
  ck_assert_int_eq(ccgc_collector_shape_protocol(c), CCGC_SHAPE_SNAPSHOT);
  ck_assert_int_eq(ccgc_collector_set_shape_protocol(c, CCGC_SHAPE_LOCK), CCGC_OK);
  ck_assert_int_eq(ccgc_collector_shape_protocol(c), CCGC_SHAPE_LOCK);
  ck_assert_int_eq(ccgc_collector_set_shape_protocol(c, (ccgc_shape_protocol)7),
                   CCGC_E_INVALID_ARGUMENT);
  /* misuse, as every out-of-range argument (.api.argument) */
  ck_assert_uint_eq(errors.count, 1);
  ck_assert_str_eq(ccgc_collector_last_error(c)->check, ".api.argument");
  ck_assert_int_eq(ccgc_collector_shape_protocol(c), CCGC_SHAPE_LOCK); /* kept */
  ck_assert_str_eq(ccgc_shape_protocol_name(CCGC_SHAPE_UNPROTECTED), "unprotected");
  ccgc_collector_free(c);
}
END_TEST

/* From a cycle_start listener (the state still reads idle there): refused
 * as every call that may not run inside a collection, saying from where,
 * and the protocol is kept. */
static ccgc_collector *listener_collector;
static ccgc_status listener_status;
static void set_protocol_at_start(void *data, ccgc_gc_reason reason,
                                  bool incremental) {
  (void)data;
  (void)reason;
  (void)incremental;
  listener_status =
      ccgc_collector_set_shape_protocol(listener_collector, CCGC_SHAPE_LOCK);
}

START_TEST(protocol_setter_refuses_a_collections_callback) {
  ccgc_collector *c = ccgc_collector_new(NULL);
  ccgc_test_errors errors;
  ccgc_test_capture_errors(c, &errors);
  listener_collector = c;
  static const ccgc_event_listener listener = {.cycle_start =
                                                   set_protocol_at_start};
  ck_assert_int_eq(ccgc_collector_add_listener(c, &listener, NULL), CCGC_OK);
  ck_assert_int_eq(ccgc_collect(c, CCGC_REASON_TESTING), CCGC_OK);
  ck_assert_int_eq(listener_status, CCGC_E_IN_COLLECTION);
  const char *message = ccgc_collector_last_error(c)->message;
  ck_assert_msg(strstr(message, "ccgc_collector_set_shape_protocol: called "
                                "during a collection") != NULL,
                "%s", message);
  ck_assert_int_eq(ccgc_collector_shape_protocol(c), CCGC_SHAPE_SNAPSHOT);
  ccgc_collector_free(c);
}
END_TEST

int main(void) {
  Suite *suite = suite_create("concurrent-shape-changes");
  TCase *tc = tcase_create("core");
  tcase_set_timeout(tc, 120);
  tcase_add_test(tc, protocol_setter_checks);
  tcase_add_test(tc, protocol_setter_refuses_a_collections_callback);
  tcase_add_test(tc, snapshot_drops_the_stale_snapshot);
  tcase_add_test(tc, lock_blocks_the_change_during_the_visit);
  tcase_add_test(tc, unprotected_follows_raw_bits);
  suite_add_tcase(suite, tc);
  return ccgc_test_run(suite);
}
