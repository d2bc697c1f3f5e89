/* test-parallel-declared-refs.c - a freed script reference in a declared
 * field (bridge_type_declare_script_refs) found by a pause's parallel
 * helper is not reported from the helper's thread: the error record and
 * the host's handler are the owner thread's (ccgc_on_helper_thread; the
 * owner's own finds are reported). In the ThreadSanitizer build's label
 * (tests/CMakeLists.txt: "parallel"). */
#include <pthread.h>

#include "declared-holder.h"

/* Misuse found by a pause's parallel helper is not reported from that
 * thread: the error record and the handler are the owner's. */
static struct {
  pthread_t owner;
  unsigned reports, foreign;
} reports;

static void count_report(const ccgc_error *error, void *data) {
  (void)error, (void)data;
  reports.reports++;
  if (!pthread_equal(pthread_self(), reports.owner)) reports.foreign++;
}

START_TEST(pause_helpers_leave_freed_references_unreported) {
  bridge_world w;
  bridge_world_init_verified(&w, BRIDGE_MODE_UNIFIED, false);
  ccgc_collector_set_error_handler(w.collector, count_report, NULL);
  reports.owner = pthread_self();
  reports.reports = reports.foreign = 0;
  blinkish_type_id type = holder_type(&w);
  enum { COUNT = 4096 };
  /* Each rooted: the roots fill the owner's worklist, whose full segments
   * the helper steals. */
  static blinkish_persistent *roots[COUNT];
  static holder *holders[COUNT];
  for (int i = 0; i < COUNT; i++) {
    holder *h = blinkish_alloc(w.dom, type, sizeof(holder));
    ck_assert_ptr_nonnull(h);
    h->bridge = w.bridge;
    v8ish_handle_scope scope;
    v8ish_handle_scope_open(w.script, &scope);
    h->first = bridge_script_ref_new(w.bridge, v8ish_object_new(w.script));
    v8ish_handle_scope_close(&scope);
    bridge_script_ref_free(w.bridge, h->first); /* freed, still named */
    holders[i] = h;
    roots[i] = blinkish_persistent_new(w.dom, h, false);
  }
  ccgc_collector_set_parallel_marking_threads(w.collector, 1);
  unsigned helped = 0;
  for (int round = 0; round < 40 && !helped; round++) {
    ccgc_collect(w.collector, CCGC_REASON_TESTING);
    helped = ccgc_collector_last_cycle(w.collector)->pause_helper_objects > 0;
  }
  ck_assert_msg(helped, "no helper took part in 40 pauses");
  ck_assert_uint_eq(reports.foreign, 0);
  /* The helper may have taken every holder (a busy machine can stall the
   * owner while it drains), so the owner's own finds are shown by one more
   * pause without helpers: the handler counts reports at all. */
  ccgc_collector_set_parallel_marking_threads(w.collector, 0);
  unsigned before = reports.reports;
  ccgc_collect(w.collector, CCGC_REASON_TESTING);
  ck_assert_uint_gt(reports.reports, before); /* the owner's finds */
  ck_assert_uint_eq(reports.foreign, 0);
  for (int i = 0; i < COUNT; i++) {
    holders[i]->first = NULL;
    blinkish_persistent_free(w.dom, roots[i]);
  }
  bridge_world_free(&w);
}
END_TEST

int main(void) {
  Suite *suite = suite_create("parallel-declared-refs");
  TCase *tc = tcase_create("core");
  tcase_set_timeout(tc, 120);
  tcase_add_test(tc, pause_helpers_leave_freed_references_unreported);
  suite_add_tcase(suite, tc);
  return ccgc_test_run(suite);
}
