/* test-concurrent-handle-reads.c - the host's reads of handles that are
 * given neither heap nor collector (blinkish_persistent_get,
 * ccgc_probe_collected, _label, _address: marking/handle-table.c's
 * ccgc_handle_read_unowned) keep the threading contract: answered on the
 * owner thread, refused on any other (CCGC_E_WRONG_THREAD,
 * .api.mutator-thread) before the slot is read. Also run by the
 * ThreadSanitizer build (concurrent label). */
#include <check.h>
#include <pthread.h>
#include <string.h>

#include "blinkish.h"
#include "ccgc-probe.h"
#include "ccgc-test.h"
#include "misuse-log.h"

typedef struct world {
  ccgc_collector *collector;
  blinkish_heap *dom;
  misuse_log log;
  void *object;
  blinkish_persistent *persistent;
  ccgc_probe *probe;
} world;

static world W;

typedef struct reads {
  void *persistent_target;
  bool collected;
  const char *label;
  void *address;
  char *explained;
} reads;

static void read_all(reads *r) {
  r->persistent_target = blinkish_persistent_get(W.persistent);
  r->collected = ccgc_probe_collected(W.probe);
  r->label = ccgc_probe_label(W.probe);
  r->address = ccgc_probe_address(W.probe);
}

/* Another thread reads, then tries to explain and to free the probe: each
 * call is refused once, as the wrong thread (not also as a dead handle). */
static void *intruder(void *data) {
  reads *r = data;
  read_all(r);
  r->explained = ccgc_probe_explain(W.collector, W.probe);
  ccgc_probe_free(W.collector, W.probe);
  return NULL;
}

START_TEST(unowned_handle_reads_keep_the_threading_contract) {
  memset(&W, 0, sizeof W);
  W.collector = ccgc_collector_new(NULL);
  misuse_log_install(W.collector, &W.log);
  W.dom = blinkish_heap_new(W.collector, NULL);
  blinkish_type_info info = {"Node", NULL, NULL, 0};
  blinkish_type_id type = blinkish_register_type(W.dom, &info);
  W.object = blinkish_alloc(W.dom, type, 32);
  W.persistent = blinkish_persistent_new(W.dom, W.object, false);
  W.probe = ccgc_probe_new(W.collector, W.object, "node");
  ck_assert_ptr_nonnull(W.probe);

  reads mine;
  read_all(&mine); /* the owner thread: answered */
  ck_assert_ptr_eq(mine.persistent_target, W.object);
  ck_assert(!mine.collected);
  ck_assert_str_eq(mine.label, "node");
  ck_assert_ptr_eq(mine.address, W.object);
  ck_assert_uint_eq(misuse_log_count(&W.log), 0);

  reads theirs;
  memset(&theirs, 0xff, sizeof theirs);
  pthread_t thread;
  ck_assert_int_eq(pthread_create(&thread, NULL, intruder, &theirs), 0);
  pthread_join(thread, NULL);
  ck_assert_ptr_null(theirs.persistent_target);
  ck_assert(!theirs.collected);
  ck_assert_ptr_null(theirs.label);
  ck_assert_ptr_null(theirs.address);
  ck_assert_ptr_null(theirs.explained);
  ck_assert_uint_eq(misuse_log_count(&W.log), 6);
  const char *calls[] = {"blinkish_persistent_get", "ccgc_probe_collected",
                         "ccgc_probe_label",        "ccgc_probe_address",
                         "ccgc_probe_explain",      "ccgc_probe_free"};
  for (int i = 0; i < 6; i++) {
    const misuse_entry *e = misuse_log_find(&W.log, calls[i]);
    ck_assert_msg(e, "%s from another thread was not reported", calls[i]);
    ck_assert_int_eq(e->code, CCGC_E_WRONG_THREAD);
    ck_assert_str_eq(e->check, ".api.mutator-thread");
  }
  /* The refused free freed nothing: the probe still answers its owner. */
  ck_assert_str_eq(ccgc_probe_label(W.probe), "node");

  ccgc_probe_free(W.collector, W.probe);
  blinkish_persistent_free(W.dom, W.persistent);
  blinkish_heap_free(W.dom);
  ccgc_collector_free(W.collector);
}
END_TEST

int main(void) {
  Suite *suite = suite_create("concurrent-handle-reads");
  TCase *tc = tcase_create("core");
  tcase_add_test(tc, unowned_handle_reads_keep_the_threading_contract);
  suite_add_tcase(suite, tc);
  return ccgc_test_run(suite);
}
