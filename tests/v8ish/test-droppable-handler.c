/* test-droppable-handler.c - the script heap's droppable-wrapper handler
 * (v8ish_heap_set_droppable_handler, V8's EmbedderRootsHandler): an
 * unmodified young wrapper the handler drops is no root of a scavenge, a
 * modified one is not asked about, and the handler may only read. */
#include <check.h>
#include <string.h>

#include "script-test.h"

static v8ish_heap_options young_options(void) {
  v8ish_heap_options options = {.young_min_bytes = 1 << 20,
                                .young_max_bytes = 1 << 20};
  return options;
}

static void minor(script_world *w) {
  ck_assert_int_eq(ccgc_collect_minor(w->collector, CCGC_REASON_TESTING),
                   CCGC_OK);
}

static bool always_droppable(v8ish_heap *heap, const v8ish_traced *traced,
                             void *data) {
  (void)heap, (void)traced;
  ++*(int *)data;
  return true;
}

START_TEST(an_unmodified_droppable_wrapper_is_not_a_root) {
  v8ish_heap_options options = young_options();
  script_world w;
  script_world_init_with(&w, &options);
  int asked = 0;
  ck_assert_int_eq(
      v8ish_heap_set_droppable_handler(w.heap, always_droppable, &asked),
      CCGC_OK);
  v8ish_traced *plain = v8ish_traced_new(w.heap, v8ish_wrapper_new(w.heap, "Div"));
  v8ish_local modified = v8ish_wrapper_new(w.heap, "Div");
  v8ish_object_set(w.heap, modified, "expando", script_int(&w, 1));
  v8ish_traced *kept = v8ish_traced_new(w.heap, modified);
  v8ish_handle_scope_close(&w.scope);
  v8ish_handle_scope_open(w.heap, &w.scope);
  minor(&w);
  ck_assert_int_eq(asked, 1); /* the modified wrapper was not asked about */
  ck_assert(v8ish_local_is_empty(v8ish_traced_get(w.heap, plain)));
  ck_assert(!v8ish_local_is_empty(v8ish_traced_get(w.heap, kept)));
  v8ish_traced_free(w.heap, plain);
  v8ish_traced_free(w.heap, kept);
  script_world_free(&w);
}
END_TEST

/* The handler may only read: an allocation from it is refused, and the
 * error names the context it came from. */
static bool allocating_droppable(v8ish_heap *heap, const v8ish_traced *traced,
                                 void *data) {
  (void)traced;
  v8ish_local made = v8ish_object_new(heap);
  *(bool *)data = v8ish_local_is_empty(made);
  return false;
}

START_TEST(a_droppable_handler_that_allocates_is_refused_by_name) {
  v8ish_heap_options options = young_options();
  script_world w;
  script_world_init_with(&w, &options);
  bool refused = false;
  ck_assert_int_eq(
      v8ish_heap_set_droppable_handler(w.heap, allocating_droppable, &refused),
      CCGC_OK);
  v8ish_traced *traced =
      v8ish_traced_new(w.heap, v8ish_wrapper_new(w.heap, "Div"));
  minor(&w);
  ck_assert(refused);
  ck_assert_uint_eq(w.errors.count, 1);
  ck_assert_int_eq(w.errors.last_code, CCGC_E_IN_COLLECTION);
  ck_assert_msg(strstr(w.errors.last_message, "droppable-wrapper handler"),
                "%s", w.errors.last_message);
  ck_assert(!v8ish_local_is_empty(v8ish_traced_get(w.heap, traced)));
  v8ish_traced_free(w.heap, traced);
  script_world_free(&w);
}
END_TEST

int main(void) {
  Suite *suite = suite_create("v8ish/droppable-handler");
  TCase *tc = tcase_create("core");
  tcase_add_test(tc, an_unmodified_droppable_wrapper_is_not_a_root);
  tcase_add_test(tc, a_droppable_handler_that_allocates_is_refused_by_name);
  suite_add_tcase(suite, tc);
  return ccgc_test_run(suite);
}
