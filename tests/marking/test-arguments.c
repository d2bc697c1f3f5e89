/* test-arguments.c - every public entry validates its arguments (issue 13,
 * defect 5; .api.argument): NULL heaps, collectors and bridges give the
 * call's neutral value (CCGC_E_INVALID_ARGUMENT where it returns a status)
 * and touch nothing; ccgc_collector_new refuses bad options with NULL and a
 * line on stderr; out-of-range thread counts, reasons and modes are misuse.
 */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "blinkish.h"
#include "bridge.h"
#include "ccgc-events.h"
#include "ccgc-inspect.h"
#include "ccgc-probe.h"
#include "ccgc-test.h"
#include "misuse-log.h"
#include "v8ish.h"

/* Runs new_with(options) with stderr captured into buf. */
static ccgc_collector *new_capturing(const ccgc_collector_options *options,
                                     char *buf, size_t size) {
  fflush(stderr);
  FILE *capture = tmpfile();
  ck_assert_ptr_nonnull(capture);
  int saved = dup(STDERR_FILENO);
  dup2(fileno(capture), STDERR_FILENO);
  ccgc_collector *c = ccgc_collector_new(options);
  fflush(stderr);
  dup2(saved, STDERR_FILENO);
  close(saved);
  rewind(capture);
  size_t n = fread(buf, 1, size - 1, capture);
  buf[n] = '\0';
  fclose(capture);
  return c;
}

START_TEST(bad_collector_options_give_null_and_say_why) {
  char err[512];
  struct {
    ccgc_collector_options options;
    const char *why;
  } bad[] = {
      {{.shape_protocol = (ccgc_shape_protocol)42}, "unknown shape_protocol 42"},
      {{.marker_threads = 9}, "marker_threads 9 is out of range"},
      {{.marker_threads = 1000}, "marker_threads 1000 is out of range"},
      {{.marker_threads = -1}, "marker_threads -1 is out of range"},
      {{.incremental_step_ms = -1}, "incremental_step_ms -1"},
      {{.incremental_step_ms = NAN}, "incremental_step_ms nan"},
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    ccgc_collector *c = new_capturing(&bad[i].options, err, sizeof err);
    ck_assert_msg(c == NULL, "case %zu (%s) was accepted", i, bad[i].why);
    ck_assert_msg(strstr(err, "ccgc: ccgc_collector_new: "), "case %zu: %s", i, err);
    ck_assert_msg(strstr(err, bad[i].why), "case %zu: %s", i, err);
    ck_assert_msg(strstr(err, ".api.argument"), "case %zu: %s", i, err);
  }
  /* The limits themselves are fine. */
  ccgc_collector_options eight = {.marker_threads = 8,
                                  .shape_protocol = CCGC_SHAPE_LOCK};
  ccgc_collector *c = new_capturing(&eight, err, sizeof err);
  ck_assert_ptr_nonnull(c);
  ck_assert_str_eq(err, "");
  ccgc_collector_free(c);
}
END_TEST

START_TEST(marker_thread_counts_out_of_range_are_misuse) {
  ccgc_collector *c = ccgc_collector_new(NULL);
  misuse_log log;
  misuse_log_install(c, &log);
  ck_assert_int_eq(ccgc_collector_set_marker_threads(c, -1),
                   CCGC_E_INVALID_ARGUMENT);
  ck_assert_int_eq(ccgc_collector_set_marker_threads(c, 9),
                   CCGC_E_INVALID_ARGUMENT);
  ck_assert_uint_eq(misuse_log_count(&log), 2);
  ck_assert_str_eq(misuse_log_entry(&log, 0)->check, ".api.argument");
  ck_assert(strstr(misuse_log_entry(&log, 0)->message, "-1 threads"));
  ck_assert_int_eq(ccgc_collector_set_marker_threads(c, 2), CCGC_OK);
  ck_assert_int_eq(ccgc_collector_set_marker_threads(c, 0), CCGC_OK);
  ck_assert_uint_eq(misuse_log_count(&log), 2);
  ccgc_collector_free(c);
}
END_TEST

/* A step's budget is a duration: NaN (which marked the whole cycle in one
 * step) and negative budgets are misuse, as for ccgc_sweep_step. */
START_TEST(a_step_budget_that_is_not_a_duration_is_misuse) {
  ccgc_collector *c = ccgc_collector_new(NULL);
  blinkish_heap *dom = blinkish_heap_new(c, NULL);
  misuse_log log;
  misuse_log_install(c, &log);
  ck_assert_int_eq(ccgc_incremental_start(c, CCGC_REASON_TESTING), CCGC_OK);
  ck_assert(!ccgc_incremental_step(c, NAN));
  ck_assert(!ccgc_incremental_step(c, -1));
  ck_assert(!ccgc_incremental_step(c, -INFINITY));
  ck_assert_uint_eq(misuse_log_count(&log), 3);
  ck_assert_str_eq(misuse_log_entry(&log, 0)->check, ".api.argument");
  ck_assert(strstr(misuse_log_entry(&log, 0)->message, "not a duration"));
  ck_assert_int_eq(ccgc_collector_state(c), CCGC_STATE_MARKING);
  ccgc_incremental_step(c, 0);
  ck_assert_uint_eq(misuse_log_count(&log), 3);
  ck_assert_int_eq(ccgc_incremental_finish(c), CCGC_OK);
  blinkish_heap_free(dom);
  ccgc_collector_free(c);
}
END_TEST

START_TEST(unknown_reasons_and_modes_are_misuse) {
  ccgc_collector *c = ccgc_collector_new(NULL);
  v8ish_heap *script = v8ish_heap_new(c, NULL);
  blinkish_heap *dom = blinkish_heap_new(c, NULL);
  misuse_log log;
  misuse_log_install(c, &log);
  ck_assert_int_eq(ccgc_collect(c, (ccgc_gc_reason)99), CCGC_E_INVALID_ARGUMENT);
  ck_assert_int_eq(ccgc_incremental_start(c, (ccgc_gc_reason)-1),
                   CCGC_E_INVALID_ARGUMENT);
  ck_assert_ptr_null(bridge_new(c, script, dom, (bridge_mode)7));
  ck_assert_uint_eq(misuse_log_count(&log), 3);
  for (unsigned i = 0; i < 3; i++)
    ck_assert_str_eq(misuse_log_entry(&log, i)->check, ".api.argument");
  ck_assert_uint_eq(ccgc_collector_cycle_count(c), 0);
  ck_assert_int_eq(ccgc_collector_state(c), CCGC_STATE_IDLE);
  blinkish_heap_free(dom);
  v8ish_heap_free(script);
  ccgc_collector_free(c);
}
END_TEST

START_TEST(a_null_dom_heap_is_refused_everywhere) {
  int x = 0;
  void *p = &x;
  ck_assert_int_eq(blinkish_member_set(NULL, p, (void **)&p, NULL),
                   CCGC_E_INVALID_ARGUMENT);
  ck_assert_ptr_null(blinkish_alloc(NULL, 1, 16));
  ck_assert_ptr_null(blinkish_alloc_begin(NULL, 1, 16));
  blinkish_alloc_commit(NULL, p);
  ck_assert_uint_eq(blinkish_register_type(NULL, &(blinkish_type_info){"T", NULL, NULL, 0}), 0);
  ck_assert_uint_eq(blinkish_type_by_name(NULL, "T"), 0);
  ck_assert_ptr_null(blinkish_persistent_new(NULL, NULL, false));
  blinkish_persistent_set(NULL, NULL, NULL);
  ck_assert_ptr_null(blinkish_vector_new(NULL, 4));
  ck_assert_int_eq(blinkish_vector_append(NULL, p, NULL), CCGC_E_INVALID_ARGUMENT);
  ck_assert_uint_eq(blinkish_vector_length(NULL, p), 0);
  ck_assert_ptr_null(blinkish_weak_map_new(NULL));
  ck_assert_int_eq(blinkish_weak_map_set(NULL, p, p, p), CCGC_E_INVALID_ARGUMENT);
  ck_assert(!blinkish_weak_map_has(NULL, p, p));
  ck_assert_int_eq(blinkish_weak_set_add(NULL, p, p), CCGC_E_INVALID_ARGUMENT);
  ck_assert_int_eq(blinkish_register_prefinalizer(NULL, p, NULL),
                   CCGC_E_INVALID_ARGUMENT);
  ck_assert(!blinkish_is_object(NULL, p));
  ck_assert(!blinkish_is_alive(NULL, p));
  ck_assert_ptr_null(blinkish_type_name(NULL, p));
  ck_assert_ptr_null(blinkish_wrappable_slot(NULL, p));
  ck_assert(!blinkish_in_finalization(NULL));
  ck_assert_ptr_null(blinkish_heap_collector(NULL));
  ccgc_heap_stats stats = {.used_bytes = 1};
  blinkish_heap_stats(NULL, &stats);
  ck_assert_uint_eq(stats.used_bytes, 0);
  blinkish_heap_free(NULL);
  ck_assert_ptr_null(blinkish_heap_new(NULL, NULL));
}
END_TEST

START_TEST(a_null_script_heap_is_refused_everywhere) {
  v8ish_local none = v8ish_local_empty();
  v8ish_handle_scope scope;
  v8ish_handle_scope_open(NULL, &scope);
  ck_assert_ptr_null(scope.heap);
  v8ish_handle_scope_close(&scope);
  ck_assert(v8ish_local_is_empty(v8ish_object_new(NULL)));
  ck_assert(v8ish_local_is_empty(v8ish_integer(NULL, 1)));
  ck_assert(v8ish_local_is_empty(v8ish_number_new(NULL, 1.5)));
  ck_assert(v8ish_local_is_empty(v8ish_string_new(NULL, "x", 1)));
  ck_assert(v8ish_local_is_empty(v8ish_array_new(NULL)));
  ck_assert(v8ish_local_is_empty(v8ish_fixed_array_new(NULL, 3)));
  ck_assert(v8ish_local_is_empty(v8ish_context_new(NULL, none, 2)));
  ck_assert(v8ish_local_is_empty(v8ish_closure_new(NULL, none, "f")));
  ck_assert(v8ish_local_is_empty(v8ish_weak_map_new(NULL)));
  ck_assert_int_eq(v8ish_object_set(NULL, none, "x", none), CCGC_E_INVALID_ARGUMENT);
  ck_assert_int_eq(v8ish_array_push(NULL, none, none), CCGC_E_INVALID_ARGUMENT);
  ck_assert_int_eq(v8ish_weak_map_set(NULL, none, none, none), CCGC_E_INVALID_ARGUMENT);
  ck_assert(v8ish_global_is_null(v8ish_global_new(NULL, none, false)));
  v8ish_global_free(NULL, (v8ish_global){1, 1});
  ck_assert_uint_eq(v8ish_type_of(NULL, none), V8ISH_TYPE_COUNT);
  char buf[4] = "abc";
  ck_assert_uint_eq(v8ish_string_copy(NULL, none, buf, sizeof buf), 0);
  ck_assert_ptr_null(v8ish_heap_collector(NULL));
  ck_assert(v8ish_local_is_empty(v8ish_wrapper_new(NULL, "X")));
  ck_assert_ptr_null(v8ish_traced_new(NULL, none));
  v8ish_traced_set(NULL, NULL, none);
  v8ish_heap_free(NULL);
  ck_assert_ptr_null(v8ish_heap_new(NULL, NULL));
}
END_TEST

START_TEST(a_null_collector_or_bridge_is_refused_everywhere) {
  ck_assert_int_eq(ccgc_collect(NULL, CCGC_REASON_TESTING), CCGC_E_INVALID_ARGUMENT);
  ck_assert_int_eq(ccgc_collector_set_marker_threads(NULL, 1),
                   CCGC_E_INVALID_ARGUMENT);
  ck_assert(!ccgc_collector_safepoint(NULL));
  ck_assert(!ccgc_collector_gc_requested(NULL));
  ck_assert(!ccgc_collector_safepoint_due(NULL));
  ck_assert(!ccgc_incremental_step(NULL, 1.0));
  ck_assert_ptr_null(ccgc_collector_last_cycle(NULL));
  ck_assert_int_eq(ccgc_collector_last_error(NULL)->code, CCGC_E_INVALID_ARGUMENT);
  ccgc_collector_set_error_handler(NULL, NULL, NULL);
  ccgc_collector_set_verify(NULL, true);
  ccgc_collector_request_gc(NULL, CCGC_REASON_TESTING);
  ck_assert_int_eq(ccgc_collector_heap_count(NULL), 0);
  ccgc_verify_report report;
  ck_assert(!ccgc_collector_verify_heap(NULL, &report));
  ck_assert_int_eq(ccgc_collector_take_ownership(NULL), CCGC_E_INVALID_ARGUMENT);
  ccgc_collector_free(NULL);

  ck_assert_ptr_null(bridge_new(NULL, NULL, NULL, BRIDGE_MODE_UNIFIED));
  ck_assert(v8ish_local_is_empty(bridge_wrap(NULL, &report)));
  ck_assert(v8ish_local_is_empty(bridge_wrapper_of(NULL, &report)));
  ck_assert_ptr_null(bridge_unwrap(NULL, v8ish_local_empty()));
  ck_assert_int_eq(bridge_attach_wrapper(NULL, &report, v8ish_local_empty()),
                   CCGC_E_INVALID_ARGUMENT);
  ck_assert_ptr_null(bridge_weak_map_new(NULL));
  ck_assert_int_eq(bridge_weak_map_set(NULL, &report, &report, v8ish_local_empty()),
                   CCGC_E_INVALID_ARGUMENT);
  bridge_free(NULL);
}
END_TEST

/* A call on a freed heap reads its wiped signature (.sig): the neutral value,
 * nothing reported. The DOM heap's struct was big enough for malloc to map
 * it apart and unmap it on free, so this faulted. Not under
 * AddressSanitizer, which rightly reports the read of freed memory. */
START_TEST(a_freed_heap_is_refused) {
#if !defined(__SANITIZE_ADDRESS__)
  ccgc_collector *c = ccgc_collector_new(NULL);
  blinkish_heap *dom = blinkish_heap_new(c, NULL);
  v8ish_heap *script = v8ish_heap_new(c, NULL);
  blinkish_heap_free(dom);
  ck_assert_int_eq(blinkish_heap_collector_id(dom), -1);
  ck_assert_ptr_null(blinkish_heap_collector(dom));
  blinkish_heap_free(dom);
  v8ish_heap_free(script);
  ck_assert_int_eq(v8ish_heap_collector_id(script), -1);
  v8ish_heap_free(script);
  ck_assert_int_eq(ccgc_collector_heap_count(c), 0);
  ccgc_collector_free(c);
#endif
}
END_TEST

/* NULL where a name or an output is required, beside a live heap:
 * CCGC_E_INVALID_ARGUMENT recorded, nothing done. */
START_TEST(null_names_and_outputs_are_refused) {
  ccgc_collector *c = ccgc_collector_new(NULL);
  blinkish_heap *dom = blinkish_heap_new(c, NULL);
  blinkish_type_id type =
      blinkish_register_type(dom, &(blinkish_type_info){"T", NULL, NULL, 0});
  ck_assert_uint_eq(blinkish_type_by_name(dom, "T"), type);
  ck_assert_uint_eq(blinkish_type_by_name(dom, NULL), 0);
  ck_assert_int_eq(ccgc_collector_last_error(c)->code, CCGC_E_INVALID_ARGUMENT);
  void *object = blinkish_alloc(dom, type, 16);
  blinkish_persistent *root = blinkish_persistent_new(dom, object, false);
  ck_assert_int_eq(ccgc_collector_object_info(c, object, NULL), CCGC_E_INVALID_ARGUMENT);
  ck_assert_int_eq(ccgc_retaining_path(c, object, NULL), CCGC_E_INVALID_ARGUMENT);
  ck_assert_ptr_null(ccgc_path_format(NULL));
  ccgc_path_free(NULL);
  ccgc_path path;
  ck_assert_int_eq(ccgc_retaining_path(c, object, &path), CCGC_OK);
  ck_assert_uint_eq(path.length, 1); /* the object, held by a root */
  ccgc_path_free(&path);
  blinkish_persistent_free(dom, root);
  blinkish_heap_free(dom);
  ccgc_collector_free(c);
}
END_TEST

/* A collector_freed listener runs when the collector's threads, worklists
 * and sweeper are gone: a call on it there is refused as on a freed
 * collector (a collection from there used to run on freed state and abort,
 * new marker threads read the collector after its free, a new heap was
 * attached to it). */
static struct {
  ccgc_collector *collector;
  ccgc_status collect, threads;
  blinkish_heap *heap;
  int calls;
} dying;

static void on_freed(void *data) {
  (void)data;
  dying.calls++;
  dying.collect = ccgc_collect(dying.collector, CCGC_REASON_TESTING);
  dying.threads = ccgc_collector_set_marker_threads(dying.collector, 2);
  dying.heap = blinkish_heap_new(dying.collector, NULL);
}

START_TEST(calls_from_a_collector_freed_listener_are_refused) {
  memset(&dying, 0, sizeof dying);
  static const ccgc_event_listener listener = {.collector_freed = on_freed};
  dying.collector = ccgc_collector_new(NULL);
  ck_assert_int_eq(ccgc_collector_add_listener(dying.collector, &listener, NULL),
                   CCGC_OK);
  blinkish_heap *heap = blinkish_heap_new(dying.collector, NULL);
  ck_assert_int_eq(ccgc_collect(dying.collector, CCGC_REASON_TESTING), CCGC_OK);
  blinkish_heap_free(heap);
  ccgc_collector_free(dying.collector);
  ck_assert_int_eq(dying.calls, 1);
  ck_assert_int_eq(dying.collect, CCGC_E_INVALID_ARGUMENT);
  ck_assert_int_eq(dying.threads, CCGC_E_INVALID_ARGUMENT);
  ck_assert_ptr_null(dying.heap);
}
END_TEST

/* The callbacks after a collection run before the collection call
 * returns: freeing the collector or a heap there is refused (it was a use
 * after free: the collection's code went on with the freed state). */
static struct {
  ccgc_collector *collector;
  v8ish_heap *script;
  blinkish_heap *dom;
  ccgc_test_errors errors;
  int tries;
} after;

static void try_frees(void) {
  unsigned before = after.errors.count;
  ccgc_collector_free(after.collector);
  v8ish_heap_free(after.script);
  blinkish_heap_free(after.dom);
  ck_assert_uint_eq(after.errors.count, before + 3);
  ck_assert_int_eq(after.errors.last_code, CCGC_E_IN_COLLECTION);
  ck_assert(strstr(after.errors.last_message,
                   "blinkish_heap_free: called from a callback after a "
                   "collection"));
  after.tries++;
}

static void on_cycle_end(void *data, const ccgc_cycle_stats *stats) {
  (void)data, (void)stats;
  try_frees();
}

static void on_minor_end(void *data, const ccgc_minor_stats *stats) {
  (void)data, (void)stats;
  try_frees();
}

static void on_finalized(v8ish_heap *heap, v8ish_local held, void *data) {
  (void)heap, (void)held, (void)data;
  try_frees();
}

START_TEST(freeing_from_after_collection_callbacks_is_refused) {
  memset(&after, 0, sizeof after);
  after.collector = ccgc_collector_new(NULL);
  ccgc_test_capture_errors(after.collector, &after.errors);
  after.script = v8ish_heap_new(after.collector, NULL);
  after.dom = blinkish_heap_new(after.collector, NULL);
  v8ish_handle_scope scope;
  v8ish_handle_scope_open(after.script, &scope);
  v8ish_local registry =
      v8ish_finalization_registry_new(after.script, on_finalized, NULL);
  v8ish_global keep = v8ish_global_new(after.script, registry, false);
  ck_assert_int_eq(v8ish_finalization_registry_register(
                       after.script, registry, v8ish_object_new(after.script),
                       v8ish_integer(after.script, 1), v8ish_local_empty()),
                   CCGC_OK);
  v8ish_handle_scope_close(&scope);
  static const ccgc_event_listener listener = {.cycle_end = on_cycle_end,
                                               .minor_end = on_minor_end};
  ck_assert_int_eq(ccgc_collector_add_listener(after.collector, &listener, NULL),
                   CCGC_OK);
  ck_assert_int_eq(ccgc_collect(after.collector, CCGC_REASON_TESTING), CCGC_OK);
  ck_assert_int_eq(after.tries, 2); /* the registry's callback, cycle_end */
  ck_assert_int_eq(ccgc_collect_minor(after.collector, CCGC_REASON_TESTING),
                   CCGC_OK);
  ck_assert_int_eq(after.tries, 3);
  /* Everything is intact and is freed normally afterwards. */
  ccgc_collector_remove_listener(after.collector, &listener, NULL);
  ck_assert_int_eq(ccgc_collect(after.collector, CCGC_REASON_TESTING), CCGC_OK);
  v8ish_global_free(after.script, keep);
  unsigned before = after.errors.count;
  blinkish_heap_free(after.dom);
  v8ish_heap_free(after.script);
  ccgc_collector_free(after.collector);
  ck_assert_uint_eq(after.errors.count, before);
}
END_TEST

/* A heap's free finishes the cycle in progress, which runs cycle_end
 * listeners: a cycle they start is refused (it traced the freed heap's
 * roots, and its marking then read freed pages). */
static ccgc_status restart_status;
static ccgc_collector *restart_collector;

static void restart_on_cycle_end(void *data, const ccgc_cycle_stats *stats) {
  (void)data, (void)stats;
  restart_status =
      ccgc_incremental_start(restart_collector, CCGC_REASON_TESTING);
}

START_TEST(a_cycle_started_while_a_heap_is_freed_is_refused) {
  ccgc_collector *collector = ccgc_collector_new(NULL);
  ccgc_test_errors errors;
  ccgc_test_capture_errors(collector, &errors);
  restart_collector = collector;
  restart_status = CCGC_OK;
  v8ish_heap *script = v8ish_heap_new(collector, NULL);
  blinkish_heap *dom = blinkish_heap_new(collector, NULL);
  v8ish_handle_scope scope;
  v8ish_handle_scope_open(script, &scope);
  v8ish_global keep = v8ish_global_new(script, v8ish_object_new(script), false);
  v8ish_handle_scope_close(&scope);
  static const ccgc_event_listener listener = {.cycle_end = restart_on_cycle_end};
  ccgc_collector_add_listener(collector, &listener, NULL);
  ck_assert_int_eq(ccgc_incremental_start(collector, CCGC_REASON_TESTING),
                   CCGC_OK);
  (void)keep;
  v8ish_heap_free(script); /* finishes the cycle: the listener runs */
  ck_assert_int_eq(restart_status, CCGC_E_IN_COLLECTION);
  ck_assert(strstr(ccgc_collector_last_error(collector)->message,
                   "a heap is being freed"));
  ck_assert_int_ne(ccgc_collector_state(collector), CCGC_STATE_MARKING);
  /* Outside a free the listener's start works again; the DOM heap's free
   * refuses it the same way. */
  ck_assert_int_eq(ccgc_collect(collector, CCGC_REASON_TESTING), CCGC_OK);
  ck_assert_int_eq(restart_status, CCGC_OK);
  ck_assert_int_eq(ccgc_collector_state(collector), CCGC_STATE_MARKING);
  blinkish_heap_free(dom);
  ck_assert_int_eq(restart_status, CCGC_E_IN_COLLECTION);
  ccgc_collector_remove_listener(collector, &listener, NULL);
  ccgc_collector_free(collector);
}
END_TEST

int main(void) {
  Suite *suite = suite_create("arguments");
  TCase *tc = tcase_create("core");
  tcase_add_test(tc, bad_collector_options_give_null_and_say_why);
  tcase_add_test(tc, marker_thread_counts_out_of_range_are_misuse);
  tcase_add_test(tc, a_step_budget_that_is_not_a_duration_is_misuse);
  tcase_add_test(tc, unknown_reasons_and_modes_are_misuse);
  tcase_add_test(tc, a_null_dom_heap_is_refused_everywhere);
  tcase_add_test(tc, a_null_script_heap_is_refused_everywhere);
  tcase_add_test(tc, a_null_collector_or_bridge_is_refused_everywhere);
  tcase_add_test(tc, a_freed_heap_is_refused);
  tcase_add_test(tc, null_names_and_outputs_are_refused);
  tcase_add_test(tc, calls_from_a_collector_freed_listener_are_refused);
  tcase_add_test(tc, freeing_from_after_collection_callbacks_is_refused);
  tcase_add_test(tc, a_cycle_started_while_a_heap_is_freed_is_refused);
  suite_add_tcase(suite, tc);
  return ccgc_test_run(suite);
}
