/* test-concurrent-callbacks.c - the threading contract (issue 13, defect
 * 3; ccgc.h "Threading contract"): calls from a trace callback running on a
 * marker thread (ccgc_collect there used to deadlock the collector), from a
 * trace callback on the collector's thread, from walk callbacks, and from a
 * thread that does not own the collector are refused with their rule
 * (.api.mutator-thread, .api.no-heap-calls-in-callbacks); ownership can be
 * handed over. Runs under ThreadSanitizer (the "concurrent" label). */
#include <check.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdatomic.h>
#include <string.h>
#include <time.h>

#include "blinkish.h"
#include "ccgc-heap.h" /* ccgc_on_marker_thread */
#include "ccgc-inspect.h"
#include "ccgc-test.h"
#include "misuse-log.h"
#include "v8ish.h"

typedef struct bnode {
  struct bnode *next;
} bnode;

typedef enum { QUIET, ON_MARKER_THREAD, ON_MAIN_THREAD } trace_mode;

static struct {
  ccgc_collector *collector;
  v8ish_heap *script;
  blinkish_heap *dom;
  blinkish_type_id type;
  misuse_log log;
  blinkish_persistent *root;
} T;

static _Atomic int mode = QUIET;
static atomic_int fired, done;
static _Atomic int collect_status, member_status;
static atomic_bool dom_alloc_null, script_alloc_empty, scope_refused;

/* The calls a trace callback must not make. */
static void misbehave(bnode *self) {
  atomic_store(&collect_status, ccgc_collect(T.collector, CCGC_REASON_TESTING));
  atomic_store(&dom_alloc_null,
               blinkish_alloc(T.dom, T.type, sizeof(bnode)) == NULL);
  atomic_store(&member_status,
               blinkish_member_set(T.dom, self, (void **)&self->next,
                                   blinkish_member_load((void **)&self->next)));
  v8ish_handle_scope scope;
  v8ish_handle_scope_open(T.script, &scope);
  atomic_store(&scope_refused, scope.heap == NULL);
  atomic_store(&script_alloc_empty,
               v8ish_local_is_empty(v8ish_object_new(T.script)));
  v8ish_handle_scope_close(&scope);
}

static void trace_bnode(ccgc_visitor *visitor, void *object) {
  bnode *self = object;
  blinkish_trace_member(visitor, (void *const *)&self->next, "next");
  int m = atomic_load(&mode);
  if (m == QUIET) return;
  if ((m == ON_MARKER_THREAD) != ccgc_on_marker_thread()) return;
  if (atomic_exchange(&fired, 1)) return;
  misbehave(self);
  atomic_store(&done, 1);
}

static void setup(int marker_threads) {
  memset(&T, 0, sizeof T);
  atomic_store(&mode, QUIET);
  atomic_store(&fired, 0);
  atomic_store(&done, 0);
  atomic_store(&collect_status, -1);
  atomic_store(&member_status, -1);
  atomic_store(&dom_alloc_null, false);
  atomic_store(&script_alloc_empty, false);
  atomic_store(&scope_refused, false);
  ccgc_collector_options options = {.verify = true,
                                    .marker_threads = marker_threads};
  T.collector = ccgc_collector_new(&options);
  ck_assert_ptr_nonnull(T.collector);
  T.script = v8ish_heap_new(T.collector, NULL);
  T.dom = blinkish_heap_new(T.collector, NULL);
  blinkish_type_info info = {"BNode", trace_bnode, NULL, 0};
  T.type = blinkish_register_type(T.dom, &info);
  misuse_log_install(T.collector, &T.log);
  /* A chain of nodes, rooted. */
  bnode *head = NULL;
  for (int i = 0; i < 2000; i++) {
    bnode *n = blinkish_alloc(T.dom, T.type, sizeof(bnode));
    ck_assert_ptr_nonnull(n);
    if (head) ck_assert_int_eq(blinkish_member_set(T.dom, n, (void **)&n->next, head),
                               CCGC_OK);
    head = n;
  }
  T.root = blinkish_persistent_new(T.dom, head, false);
}

static void teardown(void) {
  blinkish_persistent_free(T.dom, T.root);
  blinkish_heap_free(T.dom);
  v8ish_heap_free(T.script);
  ccgc_collector_free(T.collector);
}

static size_t chain_length(void) {
  size_t n = 0;
  for (bnode *at = blinkish_persistent_get(T.root); at; at = at->next) n++;
  return n;
}

static bool wait_for(atomic_int *flag, int ms) {
  struct timespec tick = {0, 1000000L};
  for (int i = 0; i < ms; i++) {
    if (atomic_load(flag)) return true;
    nanosleep(&tick, NULL);
  }
  return atomic_load(flag);
}

static void expect_refusals(ccgc_status collect, const char *rule) {
  int collected = atomic_load(&collect_status);
  int stored = atomic_load(&member_status);
  bool dom_refused = atomic_load(&dom_alloc_null);
  bool script_refused = atomic_load(&script_alloc_empty);
  ck_assert_int_eq(collected, collect);
  ck_assert_msg(dom_refused, "a DOM object was allocated");
  ck_assert_int_ne(stored, CCGC_OK);
  ck_assert_msg(script_refused, "a script object was allocated");
  const misuse_entry *e = misuse_log_find(&T.log, "blinkish_alloc");
  ck_assert_msg(e, "the allocation was not reported");
  ck_assert_str_eq(e->check, rule);
  e = misuse_log_find(&T.log, "blinkish_member_set");
  ck_assert_msg(e, "the store was not reported");
  ck_assert_str_eq(e->check, rule);
  e = misuse_log_find(&T.log, "v8ish_object_new");
  ck_assert_msg(e, "the script allocation was not reported");
  ck_assert_str_eq(e->check, rule);
}

START_TEST(collect_from_a_marker_thread_is_refused_not_a_deadlock) {
  setup(1);
  atomic_store(&mode, ON_MARKER_THREAD);
  ck_assert_int_eq(ccgc_incremental_start(T.collector, CCGC_REASON_TESTING),
                   CCGC_OK);
  /* Only the marker thread marks until the callback has run. */
  ck_assert_msg(wait_for(&done, 20000),
                "the trace callback on the marker thread never returned "
                "(ccgc_collect deadlocked?)");
  while (!ccgc_incremental_step(T.collector, 5.0)) {
  }
  ck_assert_int_eq(ccgc_incremental_finish(T.collector), CCGC_OK);
  atomic_store(&mode, QUIET);
  expect_refusals(CCGC_E_WRONG_THREAD, ".api.mutator-thread");
  bool scope_was_refused = atomic_load(&scope_refused);
  ck_assert_msg(scope_was_refused, "a handle scope opened on a marker thread");
  const misuse_entry *e = misuse_log_find(&T.log, "ccgc_collect: called on a marker thread");
  ck_assert_msg(e, "ccgc_collect was not reported as a marker-thread call");
  ck_assert_int_eq(e->code, CCGC_E_WRONG_THREAD);
  ck_assert_uint_eq(ccgc_collector_cycle_count(T.collector), 1);
  ck_assert_uint_eq(ccgc_collector_last_verify(T.collector)->errors, 0);
  ccgc_test_collect_verified(T.collector);
  ck_assert_uint_eq(chain_length(), 2000);
  teardown();
}
END_TEST

START_TEST(heap_calls_from_a_trace_callback_on_the_collector_thread_are_refused) {
  setup(0);
  atomic_store(&mode, ON_MAIN_THREAD);
  ccgc_test_collect_verified(T.collector);
  atomic_store(&mode, QUIET);
  int ran = atomic_load(&done);
  ck_assert_msg(ran, "the trace callback did not run");
  expect_refusals(CCGC_E_IN_COLLECTION, ".api.no-heap-calls-in-callbacks");
  bool scope_was_refused = atomic_load(&scope_refused);
  ck_assert_msg(!scope_was_refused, "reading is fine on the collector thread");
  ck_assert_uint_eq(chain_length(), 2000);
  ccgc_test_collect_verified(T.collector);
  teardown();
}
END_TEST

/* --- walk callbacks ------------------------------------------------------- */

static int walk_objects;

static void on_object(const ccgc_object_info *info, void *data) {
  (void)info, (void)data;
  if (walk_objects++ == 0) misbehave(blinkish_persistent_get(T.root));
}

START_TEST(heap_calls_from_walk_callbacks_are_refused) {
  setup(0);
  walk_objects = 0;
  ccgc_walk_callbacks callbacks = {.object = on_object};
  ck_assert_int_eq(ccgc_collector_walk(T.collector, &callbacks), CCGC_OK);
  expect_refusals(CCGC_E_IN_COLLECTION, ".api.no-heap-calls-in-callbacks");
  /* Every object was seen once: nothing was added under the walk. */
  int seen = walk_objects;
  walk_objects = 1; /* quiet from now on */
  ck_assert_int_eq(ccgc_collector_walk(T.collector, &callbacks), CCGC_OK);
  ck_assert_int_eq(walk_objects - 1, seen);
  /* After the walk, the host may allocate again. */
  ck_assert_ptr_nonnull(blinkish_alloc(T.dom, T.type, sizeof(bnode)));
  teardown();
}
END_TEST

/* --- other threads and the hand-over -------------------------------------- */

static struct {
  bool alloc_null, collect_refused, script_refused, took, alloc_after;
  bool safepoint_ran;
} other;

static void *intruder(void *data) {
  (void)data;
  other.alloc_null = blinkish_alloc(T.dom, T.type, sizeof(bnode)) == NULL;
  other.collect_refused =
      ccgc_collect(T.collector, CCGC_REASON_TESTING) == CCGC_E_WRONG_THREAD;
  /* Nothing is requested: a safepoint would do nothing, and is still
   * reported (its fast path is the owner's alone). */
  other.safepoint_ran = ccgc_collector_safepoint(T.collector);
  v8ish_handle_scope scope;
  v8ish_handle_scope_open(T.script, &scope);
  other.script_refused = scope.heap == NULL &&
                         v8ish_local_is_empty(v8ish_object_new(T.script));
  return NULL;
}

static void *new_owner(void *data) {
  (void)data;
  other.took = ccgc_collector_take_ownership(T.collector) == CCGC_OK;
  other.alloc_after = blinkish_alloc(T.dom, T.type, sizeof(bnode)) != NULL &&
                      ccgc_collect(T.collector, CCGC_REASON_TESTING) == CCGC_OK;
  return NULL;
}

START_TEST(calls_from_a_thread_that_does_not_own_the_collector_are_refused) {
  setup(1);
  memset(&other, 0, sizeof other);
  pthread_t thread;
  ck_assert_int_eq(pthread_create(&thread, NULL, intruder, NULL), 0);
  pthread_join(thread, NULL);
  ck_assert(other.alloc_null);
  ck_assert(other.collect_refused);
  ck_assert(other.script_refused);
  const misuse_entry *e = misuse_log_find(&T.log, "blinkish_alloc: called from a thread");
  ck_assert_msg(e, "the intruder's allocation was not reported");
  ck_assert_int_eq(e->code, CCGC_E_WRONG_THREAD);
  ck_assert_str_eq(e->check, ".api.mutator-thread");
  ck_assert(!other.safepoint_ran);
  e = misuse_log_find(&T.log, "ccgc_collector_safepoint: called from a thread");
  ck_assert_msg(e, "the intruder's safepoint was not reported");
  ck_assert_int_eq(e->code, CCGC_E_WRONG_THREAD);
  ck_assert_uint_eq(ccgc_collector_cycle_count(T.collector), 0);

  /* A hand-over: the new owner works, the old one is refused, then takes
   * the collector back. */
  ck_assert_int_eq(pthread_create(&thread, NULL, new_owner, NULL), 0);
  pthread_join(thread, NULL);
  ck_assert(other.took);
  ck_assert(other.alloc_after);
  misuse_log_clear(&T.log);
  ck_assert_ptr_null(blinkish_alloc(T.dom, T.type, sizeof(bnode)));
  ck_assert_uint_eq(misuse_log_count(&T.log), 1);
  ck_assert_int_eq(ccgc_collector_take_ownership(T.collector), CCGC_OK);
  ck_assert_uint_eq(ccgc_collector_cycle_count(T.collector), 1);
  ccgc_test_collect_verified(T.collector);
  ck_assert_uint_eq(chain_length(), 2000);
  teardown();
}
END_TEST

/* A handler may not return (ccgc-error.h): one that longjmps out of a
 * wrong-thread refusal used to leave the library's lock for such reports
 * held, so the next wrong-thread call of any collector waited forever. */
static _Thread_local jmp_buf *escape;
static void jumping_handler(const ccgc_error *error, void *data) {
  atomic_int *count = data;
  if (error->code == CCGC_E_WRONG_THREAD) atomic_fetch_add(count, 1);
  longjmp(*escape, 1);
}

static void *jumping_intruder(void *data) {
  atomic_int *escaped = data;
  for (int i = 0; i < 3; i++) {
    jmp_buf here;
    escape = &here;
    if (setjmp(here) == 0)
      ccgc_collect(T.collector, CCGC_REASON_TESTING);
    else
      atomic_fetch_add(escaped, 1);
  }
  return NULL;
}

START_TEST(a_handler_that_longjmps_out_of_a_wrong_thread_refusal_leaves_no_lock_held) {
  setup(0);
  atomic_int reported = 0, escaped = 0;
  ccgc_collector_set_error_handler(T.collector, jumping_handler, &reported);
  pthread_t thread;
  ck_assert_int_eq(pthread_create(&thread, NULL, jumping_intruder, &escaped), 0);
  pthread_join(thread, NULL); /* hung at the second call before */
  ck_assert_int_eq(atomic_load(&reported), 3);
  ck_assert_int_eq(atomic_load(&escaped), 3);
  ck_assert_uint_eq(ccgc_collector_cycle_count(T.collector), 0);
  ck_assert_int_eq(ccgc_collector_last_error(T.collector)->code, CCGC_E_WRONG_THREAD);
  misuse_log_install(T.collector, &T.log);
  ccgc_test_collect_verified(T.collector);
  teardown();
}
END_TEST

int main(void) {
  Suite *suite = suite_create("concurrent-callbacks");
  TCase *tc = tcase_create("core");
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, collect_from_a_marker_thread_is_refused_not_a_deadlock);
  tcase_add_test(tc, heap_calls_from_a_trace_callback_on_the_collector_thread_are_refused);
  tcase_add_test(tc, heap_calls_from_walk_callbacks_are_refused);
  tcase_add_test(tc, calls_from_a_thread_that_does_not_own_the_collector_are_refused);
  tcase_add_test(tc, a_handler_that_longjmps_out_of_a_wrong_thread_refusal_leaves_no_lock_held);
  suite_add_tcase(suite, tc);
  return ccgc_test_run(suite);
}
