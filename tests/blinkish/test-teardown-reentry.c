/* test-teardown-reentry.c - blinkish_heap_free counts as a collection
 * (issue 13, defect 3): the pre-finalizers and finalizers it runs may not
 * collect (CCGC_E_IN_COLLECTION, recorded), start incremental marking,
 * allocate in either heap or free a heap (misuse, .api.outside-collection);
 * the teardown completes and every object is finalized exactly once. */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "blinkish.h"
#include "ccgc-inspect.h"
#include "ccgc-test.h"
#include "misuse-log.h"
#include "v8ish.h"

typedef struct item {
  long value;
} item;

static struct {
  ccgc_collector *collector;
  v8ish_heap *script;
  blinkish_heap *dom;
  blinkish_type_id item_type;
  int finalized, prefinalized;
  ccgc_status collect, start, second_collect, walk, sweeping;
  char start_message[CCGC_ERROR_MESSAGE_MAX], sweeping_message[CCGC_ERROR_MESSAGE_MAX];
  bool script_alloc_empty, dom_alloc_null, walked, alive_in_teardown;
} t;

static void note_object(const ccgc_object_info *info, void *data) {
  (void)info;
  (void)data;
  t.walked = true;
}

static void reenter(void) {
  /* The heap is half torn down: no walk (CCGC_E_IN_COLLECTION, recorded). */
  ccgc_walk_callbacks callbacks = {.object = note_object};
  t.walk = ccgc_collector_walk(t.collector, &callbacks);
  t.collect = ccgc_collect(t.collector, CCGC_REASON_TESTING);
  t.start = ccgc_incremental_start(t.collector, CCGC_REASON_TESTING);
  snprintf(t.start_message, sizeof t.start_message, "%s",
           ccgc_collector_last_error(t.collector)->message);
  t.sweeping = ccgc_collector_set_sweeping(t.collector, CCGC_SWEEP_LAZY, 0);
  snprintf(t.sweeping_message, sizeof t.sweeping_message, "%s",
           ccgc_collector_last_error(t.collector)->message);
  v8ish_handle_scope scope;
  v8ish_handle_scope_open(t.script, &scope);
  t.script_alloc_empty = v8ish_local_is_empty(v8ish_object_new(t.script));
  v8ish_handle_scope_close(&scope);
  t.dom_alloc_null = blinkish_alloc(t.dom, t.item_type, sizeof(item)) == NULL;
  v8ish_heap_free(t.script); /* refused: the heap stays usable */
}

static void finalize_item(void *object) {
  if (blinkish_is_alive(t.dom, object)) t.alive_in_teardown = true;
  if (t.finalized++ == 0) reenter();
  else t.second_collect = ccgc_collect(t.collector, CCGC_REASON_TESTING);
}

static void prefinalize_item(void *object) {
  (void)object;
  t.prefinalized++;
}

static void setup(misuse_log *log) {
  memset(&t, 0, sizeof t);
  t.collect = t.start = t.second_collect = t.walk = t.sweeping = CCGC_OK;
  t.collector = ccgc_collector_new(NULL);
  t.script = v8ish_heap_new(t.collector, NULL);
  t.dom = blinkish_heap_new(t.collector, NULL);
  blinkish_type_info info = {"Item", NULL, finalize_item, 0};
  t.item_type = blinkish_register_type(t.dom, &info);
  misuse_log_install(t.collector, log);
}

START_TEST(a_finalizer_run_by_teardown_cannot_collect) {
  misuse_log log;
  setup(&log);
  for (int i = 0; i < 100; i++) {
    item *it = blinkish_alloc(t.dom, t.item_type, sizeof(item));
    ck_assert_ptr_nonnull(it);
    it->value = i;
    if (i % 10 == 0)
      ck_assert_int_eq(blinkish_register_prefinalizer(t.dom, it, prefinalize_item),
                       CCGC_OK);
  }
  blinkish_heap_free(t.dom);
  ck_assert_int_eq(t.finalized, 100);   /* once each */
  /* Each one dying: blinkish_is_alive said true (found by an audit). */
  ck_assert(!t.alive_in_teardown);
  ck_assert_int_eq(t.prefinalized, 10);
  ck_assert_int_eq(t.collect, CCGC_E_IN_COLLECTION);
  ck_assert_int_eq(t.walk, CCGC_E_IN_COLLECTION);
  ck_assert(!t.walked);
  ck_assert_int_eq(t.second_collect, CCGC_E_IN_COLLECTION);
  ck_assert_int_eq(t.start, CCGC_E_IN_COLLECTION);
  ck_assert_int_eq(t.sweeping, CCGC_E_IN_COLLECTION);
  /* The reason given is the teardown, not a cycle "in progress (state:
   * idle)" (found by an audit, 2026-12-07). */
  ck_assert_msg(strstr(t.start_message, "ccgc_incremental_start: called during a collection"),
                "%s", t.start_message);
  ck_assert_msg(strstr(t.sweeping_message, "ccgc_collector_set_sweeping: called during a collection"),
                "%s", t.sweeping_message);
  ck_assert(t.script_alloc_empty);
  ck_assert(t.dom_alloc_null);
  const misuse_entry *e = misuse_log_find(&log, "v8ish_heap_free");
  ck_assert_msg(e, "freeing the script heap from a teardown finalizer was not refused");
  ck_assert_str_eq(e->check, ".api.outside-collection");
  e = misuse_log_find(&log, "v8ish_object_new");
  ck_assert_msg(e, "a script allocation from a teardown finalizer was not refused");
  ck_assert_str_eq(e->check, ".api.outside-collection");
  ck_assert_uint_eq(ccgc_collector_cycle_count(t.collector), 0);

  /* The collector and the script heap go on as if nothing happened. */
  ck_assert_int_eq(ccgc_collect(t.collector, CCGC_REASON_TESTING), CCGC_OK);
  v8ish_handle_scope scope;
  v8ish_handle_scope_open(t.script, &scope);
  ck_assert(!v8ish_local_is_empty(v8ish_object_new(t.script)));
  v8ish_handle_scope_close(&scope);
  v8ish_heap_free(t.script);
  ccgc_collector_free(t.collector);
}
END_TEST

START_TEST(teardown_mid_incremental_cycle_still_refuses) {
  misuse_log log;
  setup(&log);
  blinkish_persistent *root = NULL;
  for (int i = 0; i < 20; i++) {
    item *it = blinkish_alloc(t.dom, t.item_type, sizeof(item));
    if (i == 0) root = blinkish_persistent_new(t.dom, it, false);
  }
  ck_assert_ptr_nonnull(root);
  ck_assert_int_eq(ccgc_incremental_start(t.collector, CCGC_REASON_TESTING), CCGC_OK);
  blinkish_heap_free(t.dom); /* finishes the cycle first, then tears down */
  ck_assert_int_eq(t.finalized, 20);
  ck_assert_int_eq(t.collect, CCGC_E_IN_COLLECTION);
  ck_assert_uint_eq(ccgc_collector_cycle_count(t.collector), 1);
  ck_assert_int_eq(ccgc_collector_state(t.collector), CCGC_STATE_IDLE);
  v8ish_heap_free(t.script);
  ccgc_collector_free(t.collector);
}
END_TEST

int main(void) {
  Suite *suite = suite_create("teardown-reentry");
  TCase *tc = tcase_create("core");
  tcase_add_test(tc, a_finalizer_run_by_teardown_cannot_collect);
  tcase_add_test(tc, teardown_mid_incremental_cycle_still_refuses);
  suite_add_tcase(suite, tc);
  return ccgc_test_run(suite);
}
