/* ccgc-test.h - helpers shared by the check suites. */
#ifndef CCGC_TEST_H
#define CCGC_TEST_H

#include <check.h>

#include "ccgc.h"
#include "ccgc-testing.h" /* tests may use the testing switches */

/* An error handler that records instead of aborting. */
typedef struct ccgc_test_errors {
  unsigned count;
  ccgc_status last_code;
  char last_message[CCGC_ERROR_MESSAGE_MAX];
} ccgc_test_errors;

void ccgc_test_capture_errors(ccgc_collector *collector,
                              ccgc_test_errors *errors);

/* Collects with the verifier on and fails the test if it finds anything; also
 * runs the heap verifier afterwards. */
void ccgc_test_collect_verified(ccgc_collector *collector);

/* The target of the last edge from `from` in a collector walk, or NULL (a
 * DOM vector's backing store, which no call hands out). */
void *ccgc_test_edge_target(ccgc_collector *collector, void *from);

/* Runs a suite with CK_ENV-controlled output; returns the process exit code. */
int ccgc_test_run(Suite *suite);

#endif
