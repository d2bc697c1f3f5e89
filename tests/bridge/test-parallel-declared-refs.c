/* test-parallel-declared-refs.c - a freed script reference in a declared
 * field (bridge_type_declare_script_refs) found by a pause's parallel
 * helper is not reported from the helper's thread: the error record and
 * the host's handler are the owner thread's (ccgc_on_helper_thread; the
 * owner's own finds are reported). In the ThreadSanitizer build's label
 * (tests/CMakeLists.txt: "parallel"). */
#include <pthread.h>
#include <stddef.h>
#include <string.h>

#include "bridge-world.h"

typedef struct holder {
  void *member;             /* a declared member (another holder)  */
  bridge_script_ref *first; /* declared script references           */
  long number;              /* not a reference: never followed      */
  bridge_script_ref *second;
  bridge *bridge;
} holder;

static const blinkish_member_info holder_members[] = {
    BLINKISH_MEMBER(holder, member)};
static const blinkish_member_info holder_refs[] = {
    BLINKISH_MEMBER(holder, first), BLINKISH_MEMBER(holder, second)};

static unsigned finalized;

static void finalize_holder(void *object) {
  holder *self = object;
  finalized++;
  bridge_script_ref_free(self->bridge, self->first);
  bridge_script_ref_free(self->bridge, self->second);
}

static blinkish_type_id holder_type(bridge_world *w) {
  blinkish_type_info info = {"Holder", NULL, finalize_holder, 0};
  blinkish_type_id type = blinkish_register_type(w->dom, &info);
  ck_assert_uint_ne(type, 0);
  ck_assert_int_eq(blinkish_type_declare_members(w->dom, type, holder_members, 1),
                   CCGC_OK);
  ck_assert_int_eq(bridge_type_declare_script_refs(w->bridge, type, holder_refs, 2),
                   CCGC_OK);
  return type;
}

/* bridge_world without the verifier, which would see what a broken
 * descriptor loses. */
static void unverified_world_init(bridge_world *w) {
  ccgc_collector_options options = {.verify = false};
  w->collector = ccgc_collector_new(&options);
  w->script = v8ish_heap_new(w->collector, NULL);
  w->dom = blinkish_heap_new(w->collector, NULL);
  w->bridge = bridge_new(w->collector, w->script, w->dom, BRIDGE_MODE_UNIFIED);
  ccgc_test_capture_errors(w->collector, &w->errors);
  v8ish_handle_scope_open(w->script, &w->scope);
}

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
  unverified_world_init(&w);
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
  ck_assert_uint_gt(reports.reports, 0); /* the owner's finds */
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
