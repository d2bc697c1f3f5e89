/* test-accounting.c - categories by name, fallback to "other" when full,
 * lock-free counters under threads, peaks, and the three report formats. */
#include <check.h>
#include <glib.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "ccgc-accounting.h"
#include "ccgc-test.h"

START_TEST(categories_are_created_once_by_name) {
  ccgc_accounting *acct = ccgc_accounting_new(8);
  ccgc_category a = ccgc_accounting_category(acct, "script/old-space");
  ccgc_category b = ccgc_accounting_category(acct, "dom/HTMLDivElement");
  ck_assert_uint_ne(a, b);
  ck_assert_uint_ne(a, CCGC_CATEGORY_OTHER);
  ck_assert_uint_eq(ccgc_accounting_category(acct, "script/old-space"), a);
  ck_assert_uint_eq(ccgc_accounting_find(acct, "dom/HTMLDivElement"), b);
  ck_assert_uint_eq(ccgc_accounting_find(acct, "nope"), CCGC_CATEGORY_OTHER);
  ck_assert_uint_eq(ccgc_accounting_category_count(acct), 3);
  ccgc_accounting_free(acct);
}
END_TEST

START_TEST(a_full_table_falls_back_to_other) {
  ccgc_accounting *acct = ccgc_accounting_new(3);
  ccgc_category a = ccgc_accounting_category(acct, "a");
  ccgc_category b = ccgc_accounting_category(acct, "b");
  ccgc_category c = ccgc_accounting_category(acct, "c"); /* no room */
  ck_assert_uint_ne(a, CCGC_CATEGORY_OTHER);
  ck_assert_uint_ne(b, CCGC_CATEGORY_OTHER);
  ck_assert_uint_eq(c, CCGC_CATEGORY_OTHER);
  ccgc_accounting_add(acct, c, 100, 1);
  ccgc_category_stats stats;
  ck_assert(ccgc_accounting_get(acct, CCGC_CATEGORY_OTHER, &stats));
  ck_assert_str_eq(stats.name, "other");
  ck_assert_int_eq(stats.bytes, 100);
  ck_assert_uint_eq(ccgc_accounting_category(acct, ""), CCGC_CATEGORY_OTHER);
  ccgc_accounting_free(acct);
}
END_TEST

typedef struct worker_args {
  ccgc_accounting *acct;
  ccgc_category category;
} worker_args;

static void *worker(void *data) {
  worker_args *args = data;
  for (int i = 0; i < 100000; i++) {
    ccgc_accounting_add(args->acct, args->category, 16, 1);
    ccgc_accounting_add(args->acct, args->category, -8, 0);
  }
  return NULL;
}

START_TEST(counters_are_exact_under_concurrent_updates) {
  ccgc_accounting *acct = ccgc_accounting_new(4);
  ccgc_category shared = ccgc_accounting_category(acct, "shared");
  pthread_t threads[4];
  worker_args args = {acct, shared};
  for (int i = 0; i < 4; i++) pthread_create(&threads[i], NULL, worker, &args);
  for (int i = 0; i < 4; i++) pthread_join(threads[i], NULL);
  ccgc_category_stats stats;
  ccgc_accounting_get(acct, shared, &stats);
  ck_assert_int_eq(stats.bytes, 4 * 100000 * 8);
  ck_assert_int_eq(stats.count, 4 * 100000);
  ck_assert_uint_eq(stats.total_allocations, 4 * 100000);
  ck_assert_int_ge(stats.peak_bytes, stats.bytes);
  ccgc_accounting_free(acct);
}
END_TEST

START_TEST(reports_carry_the_same_totals) {
  ccgc_accounting *acct = ccgc_accounting_new(8);
  ccgc_accounting_add(acct, ccgc_accounting_category(acct, "x"), 1000, 2);
  ccgc_accounting_add(acct, ccgc_accounting_category(acct, "needs \"quoting\", yes"), 24, 1);
  ck_assert_int_eq(ccgc_accounting_total_bytes(acct), 1024);
  char *text;
  size_t size;
  FILE *out = open_memstream(&text, &size);
  ccgc_accounting_write(acct, out, CCGC_REPORT_JSON);
  fclose(out);
  ck_assert_msg(strstr(text, "\"total\":{\"bytes\":1024,\"count\":3}"), "%s", text);
  ck_assert(strstr(text, "\"name\":\"needs \\\"quoting\\\", yes\""));
  free(text);
  /* A name that is not UTF-8 (a host's bytes): valid JSON all the same. */
  ccgc_accounting_add(acct, ccgc_accounting_category(acct, "bad \xff\x01"), 0, 0);
  out = open_memstream(&text, &size);
  ck_assert_int_eq(ccgc_accounting_write(acct, out, CCGC_REPORT_JSON), 0);
  fclose(out);
  ck_assert(g_utf8_validate(text, (gssize)size, NULL));
  ck_assert_msg(strstr(text, "\"name\":\"bad \xef\xbf\xbd\\u0001\""), "%s", text);
  free(text);
  out = open_memstream(&text, &size);
  ccgc_accounting_write(acct, out, CCGC_REPORT_CSV);
  fclose(out);
  ck_assert(strncmp(text, "category,bytes,count,peak_bytes,allocations\n", 44) == 0);
  ck_assert(strstr(text, "\"needs \"\"quoting\"\", yes\",24,1,24,1\n"));
  free(text);
  out = open_memstream(&text, &size);
  ccgc_accounting_write(acct, out, CCGC_REPORT_TABLE);
  fclose(out);
  ck_assert(strstr(text, "total") && strstr(text, "1024"));
  free(text);
  ccgc_accounting_free(acct);
}
END_TEST

/* A NULL table is not a table: every call gives its neutral value (each
 * of these dereferenced it and crashed). */
START_TEST(a_null_table_gives_neutral_values) {
  ccgc_category_stats stats;
  ck_assert_uint_eq(ccgc_accounting_category(NULL, "x"), CCGC_CATEGORY_OTHER);
  ck_assert_uint_eq(ccgc_accounting_find(NULL, "x"), CCGC_CATEGORY_OTHER);
  ck_assert_uint_eq(ccgc_accounting_category_count(NULL), 0);
  ccgc_accounting_add(NULL, 0, 1, 1);
  ccgc_accounting_set(NULL, 0, 1, 1);
  ck_assert(!ccgc_accounting_get(NULL, 0, &stats));
  ck_assert_int_eq(ccgc_accounting_total_bytes(NULL), 0);
  ck_assert_int_eq(ccgc_accounting_write(NULL, stdout, CCGC_REPORT_JSON), -1);
  ccgc_accounting *acct = ccgc_accounting_new(4);
  ck_assert(!ccgc_accounting_get(acct, 0, NULL));
  ck_assert_int_eq(ccgc_accounting_write(acct, NULL, CCGC_REPORT_CSV), -1);
  ccgc_accounting_free(acct);
}
END_TEST

/* A write error is -1 in every format (the table and CSV said 0 on a
 * buffered stream: found by an audit). */
START_TEST(a_write_error_is_minus_one_in_every_format) {
  FILE *full = fopen("/dev/full", "w");
  if (!full) return; /* no /dev/full here */
  ccgc_accounting *acct = ccgc_accounting_new(4);
  ccgc_accounting_add(acct, ccgc_accounting_category(acct, "host/cache"), 4096, 1);
  static const ccgc_report_format formats[] = {CCGC_REPORT_TABLE, CCGC_REPORT_JSON,
                                               CCGC_REPORT_CSV};
  for (size_t i = 0; i < 3; i++) {
    clearerr(full);
    ck_assert_int_eq(ccgc_accounting_write(acct, full, formats[i]), -1);
  }
  fclose(full);
  ccgc_accounting_free(acct);
}
END_TEST

int main(void) {
  Suite *suite = suite_create("accounting");
  TCase *tc = tcase_create("core");
  tcase_add_test(tc, categories_are_created_once_by_name);
  tcase_add_test(tc, a_full_table_falls_back_to_other);
  tcase_add_test(tc, counters_are_exact_under_concurrent_updates);
  tcase_add_test(tc, reports_carry_the_same_totals);
  tcase_add_test(tc, a_null_table_gives_neutral_values);
  tcase_add_test(tc, a_write_error_is_minus_one_in_every_format);
  suite_add_tcase(suite, tc);
  return ccgc_test_run(suite);
}
