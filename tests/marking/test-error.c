/* test-error.c - the collector's last error (marking/error.c, ccgc-error.h):
 * a misuse records its code, message and the tag of the rule it broke;
 * ccgc_collector_clear_error forgets all three (the tag stayed, so a host
 * that took a non-NULL check for misuse saw one after clearing). */
#include <check.h>
#include <math.h>
#include <pthread.h>
#include <string.h>

#include "ccgc-test.h"

START_TEST(clearing_forgets_code_message_and_check) {
  ccgc_collector_options options = {0};
  ccgc_collector *c = ccgc_collector_new(&options);
  ccgc_test_errors errors;
  ccgc_test_capture_errors(c, &errors); /* the handler returns */
  const ccgc_error *last = ccgc_collector_last_error(c);
  ck_assert_int_eq(last->code, CCGC_OK);
  ck_assert_ptr_null(last->check);
  ck_assert(!ccgc_incremental_step(c, NAN)); /* returns whether marking is done */
  last = ccgc_collector_last_error(c);
  ck_assert_int_eq(last->code, CCGC_E_INVALID_ARGUMENT);
  ck_assert_ptr_nonnull(last->check);
  ck_assert_str_eq(last->check, ".api.argument");
  ck_assert_str_ne(last->message, "");
  ccgc_collector_clear_error(c);
  last = ccgc_collector_last_error(c);
  ck_assert_int_eq(last->code, CCGC_OK);
  ck_assert_str_eq(last->message, "");
  ck_assert_ptr_null(last->check);
  ccgc_collector_free(c);
}
END_TEST

/* From a thread that does not own the collector: the call is reported as
 * such, and the record it returns says so (it said "no collector" of a
 * live one; found by an audit, 2026-12-07). */
static void *read_last_error(void *data) {
  return (void *)ccgc_collector_last_error(data);
}

START_TEST(another_threads_read_is_told_whose_the_record_is) {
  ccgc_collector *c = ccgc_collector_new(NULL);
  ccgc_test_errors errors;
  ccgc_test_capture_errors(c, &errors);
  pthread_t thread;
  void *result = NULL;
  ck_assert_int_eq(pthread_create(&thread, NULL, read_last_error, c), 0);
  ck_assert_int_eq(pthread_join(thread, &result), 0);
  const ccgc_error *seen = result;
  ck_assert_int_eq(seen->code, CCGC_E_WRONG_THREAD);
  ck_assert_msg(strstr(seen->message, "does not own the collector"), "%s", seen->message);
  ck_assert_uint_eq(errors.count, 1);
  ck_assert_int_eq(errors.last_code, CCGC_E_WRONG_THREAD);
  ck_assert_int_eq(ccgc_collector_last_error(c)->code, CCGC_E_WRONG_THREAD);
  ccgc_collector_free(c);
}
END_TEST

static Suite *suite(void) {
  Suite *s = suite_create("error");
  TCase *tc = tcase_create("core");
  tcase_add_test(tc, clearing_forgets_code_message_and_check);
  tcase_add_test(tc, another_threads_read_is_told_whose_the_record_is);
  suite_add_tcase(s, tc);
  return s;
}

int main(void) { return ccgc_test_run(suite()); }
