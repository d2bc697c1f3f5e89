/* test-error.c - the collector's last error (marking/error.c, ccgc-error.h):
 * a misuse records its code, message and the tag of the rule it broke;
 * ccgc_collector_clear_error forgets all three (the tag stayed, so a host
 * that took a non-NULL check for misuse saw one after clearing). */
#include <check.h>
#include <math.h>

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

static Suite *suite(void) {
  Suite *s = suite_create("error");
  TCase *tc = tcase_create("core");
  tcase_add_test(tc, clearing_forgets_code_message_and_check);
  suite_add_tcase(s, tc);
  return s;
}

int main(void) { return ccgc_test_run(suite()); }
