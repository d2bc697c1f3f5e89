/* test-probe.c - leak probes (tools/inspect/probe.c, ccgc-probe.h) where
 * their object goes without a collection finding it dead: its heap is
 * freed (the probe is collected then, before the heap's pages go), or a
 * finalizer makes a probe on the object it finalizes (refused: the object
 * is dead). Both were found by an audit: the next collection read the mark
 * of a released large page (a crash), a probe on a small object took the
 * next heap's object at its address as its own, and a probe made in a
 * finalizer reported the finalized object alive. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "blinkish.h"
#include "ccgc-events.h"
#include "ccgc-probe.h"
#include "ccgc-snapshot.h"
#include "ccgc-test.h"
#include "v8ish.h"

static void no_trace(ccgc_visitor *visitor, void *object) {
  (void)object, (void)visitor;
}

START_TEST(a_freed_heaps_objects_are_collected_before_its_pages_go) {
  ccgc_collector *collector = ccgc_collector_new(NULL);
  blinkish_heap *dom = blinkish_heap_new(collector, NULL);
  blinkish_type_info info = {"Blob", no_trace, NULL, 0};
  blinkish_type_id type = blinkish_register_type(dom, &info);
  void *large = blinkish_alloc(dom, type, (size_t)4 << 20);
  void *small = blinkish_alloc(dom, type, 64);
  blinkish_persistent *roots[2] = {blinkish_persistent_new(dom, large, false),
                                   blinkish_persistent_new(dom, small, false)};
  /* Snapshot ids: the table forgets the freed heap's objects too. */
  ccgc_heap_snapshot_ids *ids = ccgc_heap_snapshot_ids_new();
  ck_assert_int_eq(ccgc_heap_snapshot_ids_refresh(ids, collector), CCGC_OK);
  uint32_t small_id = ccgc_heap_snapshot_ids_lookup(ids, small);
  ck_assert_uint_ne(small_id, 0);
  ccgc_probe *large_probe = ccgc_probe_new(collector, large, "large");
  ccgc_probe *small_probe = ccgc_probe_new(collector, small, "small");
  ck_assert_ptr_nonnull(large_probe);
  ck_assert_ptr_nonnull(small_probe);
  v8ish_heap *script = v8ish_heap_new(collector, NULL);
  v8ish_handle_scope scope;
  v8ish_handle_scope_open(script, &scope);
  v8ish_local array = v8ish_fixed_array_new(script, 100000); /* a large page */
  v8ish_global script_root = v8ish_global_new(script, array, false);
  ccgc_probe *script_probe =
      ccgc_probe_new(collector, (void *)(v8ish_local_value(script, array) - 1), "script");
  ck_assert_ptr_nonnull(script_probe);
  v8ish_handle_scope_close(&scope);
  (void)roots, (void)script_root;

  blinkish_heap_free(dom); /* its persistents go with it */
  ck_assert(ccgc_probe_collected(large_probe));
  ck_assert(ccgc_probe_collected(small_probe));
  ck_assert_ptr_null(ccgc_probe_address(small_probe));
  ck_assert(!ccgc_probe_collected(script_probe));
  ck_assert_uint_eq(ccgc_heap_snapshot_ids_lookup(ids, small), 0);
  v8ish_heap_free(script);
  ck_assert(ccgc_probe_collected(script_probe));
  ccgc_collect(collector, CCGC_REASON_TESTING); /* read no released page */

  /* A new heap's object at the old small object's address is not it. */
  blinkish_heap *again = blinkish_heap_new(collector, NULL);
  type = blinkish_register_type(again, &info);
  for (int i = 0; i < 64; i++) blinkish_alloc(again, type, 64);
  ccgc_collect(collector, CCGC_REASON_TESTING);
  ck_assert(ccgc_probe_collected(small_probe));
  char *text = ccgc_probe_explain(collector, small_probe);
  ck_assert_msg(strstr(text, "collected"), "%s", text);
  free(text);
  blinkish_heap_free(again);
  ccgc_heap_snapshot_ids_free(ids);
  ccgc_collector_free(collector);
}
END_TEST

/* A heap_freed listener reads only: a probe it makes on the dying heap's
 * object is refused (it would outlive the page; found by a review). */
static void *freed_object;
static ccgc_probe *made_in_heap_freed;
static int heap_freed_calls;

static void probe_the_freed(void *data, int heap_id) {
  (void)heap_id;
  heap_freed_calls++;
  made_in_heap_freed = ccgc_probe_new(data, freed_object, "late");
}

START_TEST(a_heap_freed_listener_cannot_probe_the_dying_heap) {
  ccgc_collector *collector = ccgc_collector_new(NULL);
  const ccgc_event_listener listener = {.heap_freed = probe_the_freed};
  ck_assert_int_eq(ccgc_collector_add_listener(collector, &listener, collector), CCGC_OK);
  for (int kind = 0; kind < 2; kind++) {
    blinkish_heap *dom = NULL;
    v8ish_heap *script = NULL;
    v8ish_global global = {0, 0};
    if (kind == 0) {
      dom = blinkish_heap_new(collector, NULL);
      blinkish_type_info info = {"Blob", no_trace, NULL, 0};
      freed_object = blinkish_alloc(dom, blinkish_register_type(dom, &info), 64);
    } else {
      script = v8ish_heap_new(collector, NULL);
      v8ish_handle_scope scope;
      v8ish_handle_scope_open(script, &scope);
      v8ish_local array = v8ish_fixed_array_new(script, 4);
      global = v8ish_global_new(script, array, false);
      freed_object = (void *)(v8ish_local_value(script, array) - 1);
      v8ish_handle_scope_close(&scope);
    }
    ck_assert_ptr_nonnull(ccgc_probe_new(collector, freed_object, "first"));
    heap_freed_calls = 0;
    made_in_heap_freed = NULL;
    if (dom) blinkish_heap_free(dom);
    else v8ish_heap_free(script);
    (void)global;
    ck_assert_int_eq(heap_freed_calls, 1);
    ck_assert_ptr_null(made_in_heap_freed);
    ck_assert_int_eq(ccgc_collector_last_error(collector)->code, CCGC_E_FOREIGN_POINTER);
    ccgc_collect(collector, CCGC_REASON_TESTING);
  }
  ccgc_collector_free(collector);
}
END_TEST

static ccgc_collector *finalizing_collector;
static ccgc_probe *made_in_finalizer;
static int finalized;

static void probe_self(void *object) {
  finalized++;
  made_in_finalizer = ccgc_probe_new(finalizing_collector, object, "dying");
}

START_TEST(a_finalizer_cannot_probe_its_dead_object) {
  ccgc_collector *collector = ccgc_collector_new(NULL);
  ccgc_test_errors errors;
  ccgc_test_capture_errors(collector, &errors);
  finalizing_collector = collector;
  blinkish_heap *dom = blinkish_heap_new(collector, NULL);
  blinkish_type_info info = {"Dying", no_trace, probe_self, 0};
  blinkish_type_id type = blinkish_register_type(dom, &info);
  blinkish_type_info kept_info = {"Kept", no_trace, NULL, 0};
  blinkish_type_id kept_type = blinkish_register_type(dom, &kept_info);
  void *kept = blinkish_alloc(dom, kept_type, 32);
  blinkish_persistent *root = blinkish_persistent_new(dom, kept, false);
  /* The first probe registers the probes' listener (not in a callback). */
  ccgc_probe *first = ccgc_probe_new(collector, kept, "kept");
  ck_assert_ptr_nonnull(first);
  blinkish_alloc(dom, type, 32); /* unreferenced */
  made_in_finalizer = NULL;
  finalized = 0;
  ccgc_collect(collector, CCGC_REASON_TESTING);
  ck_assert_int_eq(finalized, 1);
  ck_assert_ptr_null(made_in_finalizer);
  const ccgc_error *error = ccgc_collector_last_error(collector);
  ck_assert_int_eq(error->code, CCGC_E_FOREIGN_POINTER);
  ck_assert_msg(strstr(error->message, "ccgc_probe_new"), "%s", error->message);
  ck_assert(!ccgc_probe_collected(first));
  blinkish_persistent_free(dom, root);
  blinkish_heap_free(dom);
  ccgc_collector_free(collector);
}
END_TEST

int main(void) {
  Suite *suite = suite_create("inspect-probe");
  TCase *tc = tcase_create("core");
  tcase_add_test(tc, a_freed_heaps_objects_are_collected_before_its_pages_go);
  tcase_add_test(tc, a_finalizer_cannot_probe_its_dead_object);
  tcase_add_test(tc, a_heap_freed_listener_cannot_probe_the_dying_heap);
  suite_add_tcase(suite, tc);
  return ccgc_test_run(suite);
}
