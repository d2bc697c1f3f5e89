/* ccgc-test.c - see ccgc-test.h. */
#include "ccgc-test.h"

#include "ccgc-inspect.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void capture(const ccgc_error *error, void *data) {
  ccgc_test_errors *errors = data;
  errors->count++;
  errors->last_code = error->code;
  snprintf(errors->last_message, sizeof errors->last_message, "%s",
           error->message);
}

void ccgc_test_capture_errors(ccgc_collector *collector,
                              ccgc_test_errors *errors) {
  memset(errors, 0, sizeof *errors);
  ccgc_collector_set_error_handler(collector, capture, errors);
}

void ccgc_test_collect_verified(ccgc_collector *collector) {
  ccgc_collector_set_verify(collector, true);
  ck_assert_int_eq(ccgc_collect(collector, CCGC_REASON_TESTING), CCGC_OK);
  const ccgc_verify_report *report = ccgc_collector_last_verify(collector);
  ck_assert_msg(report->errors == 0, "marking verifier: %zu errors, first: %s",
                report->errors, report->first_error);
  ccgc_verify_report heap_report;
  ck_assert_msg(ccgc_collector_verify_heap(collector, &heap_report),
                "heap verifier: %zu errors, first: %s", heap_report.errors,
                heap_report.first_error);
}

int ccgc_test_run(Suite *suite) {
  SRunner *runner = srunner_create(suite);
  srunner_run_all(runner, CK_NORMAL);
  int failed = srunner_ntests_failed(runner);
  srunner_free(runner);
  return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

typedef struct edge_search {
  void *from, *to;
} edge_search;

static void find_edge(void *from, void *to, ccgc_edge edge, void *data) {
  (void)edge;
  edge_search *search = data;
  if (from == search->from && to) search->to = to;
}

void *ccgc_test_edge_target(ccgc_collector *collector, void *from) {
  edge_search search = {from, NULL};
  ccgc_walk_callbacks callbacks = {.edge = find_edge, .data = &search};
  ck_assert_int_eq(ccgc_collector_walk(collector, &callbacks), CCGC_OK);
  return search.to;
}
