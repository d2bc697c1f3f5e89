/* test-heap.c - the script heap's creation (v8ish/heap.c): options out of
 * range are refused, and a refused heap leaves nothing behind, even when
 * the error handler does not return. */
#include <check.h>
#include <malloc.h>
#include <setjmp.h>
#include <string.h>

#include "ccgc-test.h"
#include "v8ish.h"

/* Young-generation bounds out of range are refused (.api.argument): a
 * semi-space above 1 GiB, a min above a nonzero max (the min was silently
 * taken as the max, and 1 TiB was accepted). A max of 0 is the default, at
 * least the min. */
START_TEST(young_sizes_out_of_range_are_refused) {
  ccgc_collector *collector = ccgc_collector_new(NULL);
  ccgc_test_errors errors;
  ccgc_test_capture_errors(collector, &errors);
  const v8ish_heap_options bad[] = {
      {.young_min_bytes = (size_t)1 << 40},
      {.young_max_bytes = ((size_t)1 << 30) + 1},
      {.young_min_bytes = 4 << 20, .young_max_bytes = 2 << 20},
  };
  const char *said[] = {"young_min_bytes 1099511627776 is above",
                        "young_max_bytes 1073741825 is above",
                        "young_min_bytes 4194304 is above young_max_bytes"};
  for (int i = 0; i < 3; i++) {
    unsigned before = errors.count;
    ck_assert_ptr_null(v8ish_heap_new(collector, &bad[i]));
    ck_assert_uint_eq(errors.count, before + 1);
    ck_assert_int_eq(errors.last_code, CCGC_E_INVALID_ARGUMENT);
    ck_assert_msg(strstr(errors.last_message, said[i]), "%s",
                  errors.last_message);
  }
  /* In range: accepted, and the collector took no heap from the refusals. */
  const v8ish_heap_options good = {.young_min_bytes = 32 << 20,
                                   .young_max_bytes = 0};
  v8ish_heap *heap = v8ish_heap_new(collector, &good);
  ck_assert_ptr_nonnull(heap);
  ccgc_heap_stats stats;
  v8ish_heap_stats(heap, &stats);
  ck_assert_uint_ge(stats.young_capacity_bytes, (size_t)32 << 20);
  v8ish_heap_free(heap);
  /* A min of 0 is the default, at most the max: a max below 1 MiB holds
   * (it was raised to the default min, 1 MiB, five pages). */
  const v8ish_heap_options small = {.young_max_bytes = 512 << 10};
  heap = v8ish_heap_new(collector, &small);
  ck_assert_ptr_nonnull(heap);
  v8ish_heap_stats(heap, &stats);
  ck_assert_uint_ge(stats.young_capacity_bytes, (size_t)512 << 10);
  ck_assert_uint_lt(stats.young_capacity_bytes, (size_t)1 << 20);
  v8ish_heap_free(heap);
  ccgc_collector_free(collector);
}
END_TEST

/* A handler may not return (ccgc-error.h: longjmp): a refused heap was
 * allocated and registered with the collector before the report, and a
 * handler that jumped out left it there (ASan's leak check reported it; a
 * collection then walked a heap nothing had finished). Now it is freed
 * before the report. */
static jmp_buf refusal_escape;

static void escape_handler(const ccgc_error *error, void *data) {
  (void)error;
  (*(int *)data)++;
  longjmp(refusal_escape, 1);
}

/* Whether v8ish_heap_new's report jumped out (it never returned). */
static bool jumped_out_of_heap_new(ccgc_collector *collector,
                                   const v8ish_heap_options *options) {
  if (setjmp(refusal_escape)) return true;
  v8ish_heap_new(collector, options);
  return false;
}

START_TEST(a_refused_heap_is_gone_before_a_handler_jumps_out) {
  ccgc_collector *collector = ccgc_collector_new(NULL);
  int reports = 0;
  ccgc_collector_set_error_handler(collector, escape_handler, &reports);
  const v8ish_heap_options bad[] = {
      {.young_max_bytes = ((size_t)1 << 30) + 1},
      {.young_min_bytes = 4 << 20, .young_max_bytes = 2 << 20},
  };
  /* Warm-up: the first report may allocate the collector's message. */
  ck_assert(jumped_out_of_heap_new(collector, &bad[0]));
  size_t in_use = mallinfo2().uordblks;
  for (int round = 0; round < 32; round++)
    for (int i = 0; i < 2; i++)
      ck_assert(jumped_out_of_heap_new(collector, &bad[i]));
  ck_assert_int_eq(reports, 65);
  /* 64 refused heaps (each over a kilobyte) left nothing behind. */
  size_t grown = mallinfo2().uordblks - in_use;
  ck_assert_msg(grown < 4096, "%zu bytes still allocated", grown);
  ccgc_collector_set_error_handler(collector, NULL, NULL);
  ck_assert_int_eq(ccgc_collector_heap_count(collector), 0);
  ck_assert_int_eq(ccgc_collect(collector, CCGC_REASON_TESTING), CCGC_OK);
  ccgc_collector_free(collector);
}
END_TEST

int main(void) {
  Suite *suite = suite_create("v8ish-heap");
  TCase *tc = tcase_create("core");
  tcase_add_test(tc, young_sizes_out_of_range_are_refused);
  tcase_add_test(tc, a_refused_heap_is_gone_before_a_handler_jumps_out);
  suite_add_tcase(suite, tc);
  return ccgc_test_run(suite);
}
