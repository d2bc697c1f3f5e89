/* test-concurrent-trims.c - left trims (v8ish_array_left_trim,
 * v8ish/shape-changes.c) while two marker threads mark, under each shape
 * protocol: every trimmed array keeps its elements and the verifiers find
 * nothing. Under ThreadSanitizer (the "concurrent" label) this is also the
 * check that a trim's filler is written with atomic stores: the filler's
 * size word was a plain store that a marker thread reading the old start
 * raced with (found by an audit). */
#include <check.h>

#include "ccgc-test.h"
#include "v8ish.h"

enum { ARRAYS = 2000, LENGTH = 6, TRIM = 3, ROUNDS = 10 };

static void trim_while_marking(ccgc_shape_protocol protocol) {
  ccgc_collector_options options = {.marker_threads = 2, .shape_protocol = protocol,
                                    .verify = true};
  ccgc_collector *c = ccgc_collector_new(&options);
  v8ish_heap *h = v8ish_heap_new(c, NULL);
  static v8ish_global globals[ARRAYS];
  for (int round = 0; round < ROUNDS; round++) {
    v8ish_handle_scope scope;
    v8ish_handle_scope_open(h, &scope);
    for (int i = 0; i < ARRAYS; i++) {
      v8ish_local array = v8ish_fixed_array_new(h, LENGTH);
      for (int k = 0; k < LENGTH; k++)
        v8ish_array_set(h, array, (size_t)k, v8ish_integer(h, i * LENGTH + k));
      globals[i] = v8ish_global_new(h, array, false);
    }
    v8ish_handle_scope_close(&scope);
    ck_assert_int_eq(ccgc_incremental_start(c, CCGC_REASON_TESTING), CCGC_OK);
    v8ish_handle_scope_open(h, &scope);
    for (int i = 0; i < ARRAYS; i++)
      ck_assert_int_eq(v8ish_array_left_trim(h, v8ish_global_get(h, globals[i]), TRIM),
                       CCGC_OK);
    v8ish_handle_scope_close(&scope);
    ck_assert_int_eq(ccgc_incremental_finish(c), CCGC_OK);
    ck_assert_uint_eq(ccgc_collector_last_verify(c)->errors, 0);
    v8ish_handle_scope_open(h, &scope);
    for (int i = 0; i < ARRAYS; i++) {
      v8ish_local array = v8ish_global_get(h, globals[i]);
      ck_assert_uint_eq(v8ish_array_length(h, array), LENGTH - TRIM);
      ck_assert_int_eq(v8ish_integer_value(h, v8ish_array_get(h, array, 0)),
                       i * LENGTH + TRIM);
      v8ish_global_free(h, globals[i]);
    }
    v8ish_handle_scope_close(&scope);
  }
  ck_assert(ccgc_collector_verify_heap(c, NULL));
  v8ish_heap_free(h);
  ccgc_collector_free(c);
}

START_TEST(trims_under_snapshotting) { trim_while_marking(CCGC_SHAPE_SNAPSHOT); }
END_TEST

START_TEST(trims_under_locking) { trim_while_marking(CCGC_SHAPE_LOCK); }
END_TEST

int main(void) {
  Suite *suite = suite_create("concurrent-trims");
  TCase *tc = tcase_create("core");
  tcase_set_timeout(tc, 120);
  tcase_add_test(tc, trims_under_snapshotting);
  tcase_add_test(tc, trims_under_locking);
  suite_add_tcase(suite, tc);
  return ccgc_test_run(suite);
}
