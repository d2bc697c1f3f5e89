/* test-ephemeron-index.c - the address-ordered key index: lookups release
 * exactly the values of a key, once; keys on several pages, a large page,
 * keys with several values; marked keys found by the sweep in address order;
 * the remaining pairs collected; pages' pointers cleared. And the table's
 * merge of late pairs into the index. */
#include <check.h>
#include <stdint.h>

#include "ccgc-heap.h"
#include "ccgc-test.h"
#include "ephemeron-table.h"
#include "mock-heap.h"

typedef struct release_log {
  GPtrArray *values;
} release_log;

static void record(void *value, void *data) {
  g_ptr_array_add(((release_log *)data)->values, value);
}

static bool contains(release_log *r, void *value) {
  for (guint i = 0; i < r->values->len; i++)
    if (g_ptr_array_index(r->values, i) == value) return true;
  return false;
}

START_TEST(lookups_release_each_keys_values_once) {
  ccgc_collector *collector = ccgc_collector_new(NULL);
  mock_heap *a = mock_heap_new(collector, "alpha");
  mock_heap *b = mock_heap_new(collector, "beta");
  enum { N = 3000 }; /* several pages of each heap */
  mock_object *keys[N], *values[N];
  ccgc_pair_buffer pairs = {NULL, 0, 0, NULL};
  for (int i = 0; i < N; i++) {
    keys[i] = mock_alloc(i % 2 ? a : b, 12);
    values[i] = mock_alloc(i % 3 ? a : b, 12);
  }
  /* Discovery order scrambled; key 5 has three values, key 6 two. */
  for (int i = 0; i < N; i++) {
    int k = (i * 7919) % N;
    ccgc_pair_buffer_push(&pairs, keys[k], values[k]);
  }
  ccgc_pair_buffer_push(&pairs, keys[5], values[100]);
  ccgc_pair_buffer_push(&pairs, keys[5], values[101]);
  ccgc_pair_buffer_push(&pairs, keys[6], values[102]);
  ccgc_ephemeron_index index;
  ccgc_ephemeron_index_init(&index, NULL);
  ccgc_ephemeron_index_build(&index, &pairs);
  ck_assert_uint_eq(pairs.len, 0); /* taken over */
  ck_assert_uint_eq(index.key_count, N);
  ck_assert_uint_eq(index.pending_values, N + 3);
  ck_assert_ptr_nonnull(ccgc_page_of(keys[0])->ephemeron_keys);

  release_log r = {g_ptr_array_new()};
  /* A value that is no key releases nothing. */
  ck_assert_uint_eq(ccgc_ephemeron_index_key_marked(&index, values[1], record, &r), 0);
  ck_assert_uint_eq(ccgc_ephemeron_index_key_marked(&index, keys[5], record, &r), 3);
  ck_assert(contains(&r, values[5]) && contains(&r, values[100]) &&
            contains(&r, values[101]));
  ck_assert_uint_eq(ccgc_ephemeron_index_key_marked(&index, keys[5], record, &r), 0);
  for (int i = 0; i < N; i++)
    if (i != 5) ccgc_ephemeron_index_key_marked(&index, keys[i], record, &r);
  ck_assert_uint_eq(r.values->len, N + 3);
  ck_assert(contains(&r, values[102]));
  for (int i = 0; i < N; i++) ck_assert(contains(&r, values[i]));
  ck_assert_uint_eq(index.pending_values, 0);

  ccgc_ephemeron_index_clear(&index);
  ck_assert_ptr_null(ccgc_page_of(keys[0])->ephemeron_keys);
  ck_assert_ptr_null(ccgc_page_of(keys[1])->ephemeron_keys);
  g_ptr_array_free(r.values, TRUE);
  mock_heap_free(a);
  mock_heap_free(b);
  ccgc_collector_free(collector);
}
END_TEST

START_TEST(marked_keys_are_found_and_the_rest_collected) {
  ccgc_collector *collector = ccgc_collector_new(NULL);
  mock_heap *a = mock_heap_new(collector, "alpha");
  enum { N = 1000 };
  mock_object *keys[N];
  ccgc_pair_buffer pairs = {NULL, 0, 0, NULL};
  for (int i = 0; i < N; i++) keys[i] = mock_alloc(a, 0);
  for (int i = N; i-- > 0;) {
    ccgc_mark_set(keys[i], CCGC_WHITE);
    ccgc_pair_buffer_push(&pairs, keys[i], keys[(i + 1) % N]);
  }
  ccgc_ephemeron_index index;
  ccgc_ephemeron_index_init(&index, NULL);
  ccgc_ephemeron_index_build(&index, &pairs);
  /* Every third key turns grey behind the marker's back. */
  for (int i = 0; i < N; i += 3) ccgc_mark_set(keys[i], CCGC_GREY);
  release_log r = {g_ptr_array_new()};
  size_t marked = (N + 2) / 3;
  ck_assert_uint_eq(ccgc_ephemeron_index_release_marked(&index, record, &r), marked);
  ck_assert_uint_eq(ccgc_ephemeron_index_release_marked(&index, record, &r), 0);
  ck_assert(contains(&r, keys[1]) && contains(&r, keys[4]) && !contains(&r, keys[2]));
  ccgc_pair_buffer rest = {NULL, 0, 0, NULL};
  ccgc_ephemeron_index_collect(&index, &rest);
  ck_assert_uint_eq(rest.len, N - marked);
  for (size_t i = 0; i < rest.len; i++) {
    ck_assert(!ccgc_is_marked(rest.pairs[i].key));
    if (i) /* in address order */
      ck_assert((uintptr_t)rest.pairs[i - 1].key < (uintptr_t)rest.pairs[i].key);
  }
  ccgc_pair_buffer_free(&rest);
  ccgc_ephemeron_index_clear(&index);
  g_ptr_array_free(r.values, TRUE);
  mock_heap_free(a);
  ccgc_collector_free(collector);
}
END_TEST

START_TEST(a_key_on_a_large_page_has_one_bit) {
  ccgc_collector *collector = ccgc_collector_new(NULL);
  mock_heap *a = mock_heap_new(collector, "alpha");
  ccgc_page *large = ccgc_page_create(collector, mock_heap_id(a), NULL,
                                      3 * CCGC_PAGE_SIZE, true, 0, false);
  ck_assert_ptr_nonnull(large);
  void *big_key = (uint8_t *)large + 4096; /* the large object */
  mock_object *small_key = mock_alloc(a, 0), *value = mock_alloc(a, 0);
  ccgc_mark_set(big_key, CCGC_WHITE);
  ccgc_pair_buffer pairs = {NULL, 0, 0, NULL};
  ccgc_pair_buffer_push(&pairs, small_key, value);
  ccgc_pair_buffer_push(&pairs, big_key, value);
  ccgc_pair_buffer_push(&pairs, big_key, small_key);
  ccgc_ephemeron_index index;
  ccgc_ephemeron_index_init(&index, NULL);
  ccgc_ephemeron_index_build(&index, &pairs);
  ck_assert_ptr_nonnull(large->ephemeron_keys);
  release_log r = {g_ptr_array_new()};
  ck_assert_uint_eq(ccgc_ephemeron_index_key_marked(&index, big_key, record, &r), 2);
  ck_assert(contains(&r, value) && contains(&r, small_key));
  ck_assert_uint_eq(ccgc_ephemeron_index_key_marked(&index, small_key, record, &r), 1);
  ccgc_ephemeron_index_clear(&index);
  ck_assert_ptr_null(large->ephemeron_keys);
  g_ptr_array_free(r.values, TRUE);
  ccgc_page_destroy(collector, large);
  mock_heap_free(a);
  ccgc_collector_free(collector);
}
END_TEST

static void count_release(void *value, void *data) {
  (void)value;
  (*(size_t *)data)++;
}

/* Pairs discovered after the switch wait in a map until they outnumber the
 * address index, then both merge into a new index; nothing is lost. */
START_TEST(late_pairs_merge_into_the_index) {
  ccgc_collector *collector = ccgc_collector_new(NULL);
  mock_heap *a = mock_heap_new(collector, "alpha");
  enum { EARLY = 100, LATE = 5000 };
  mock_object *keys[EARLY + LATE];
  for (int i = 0; i < EARLY + LATE; i++) {
    keys[i] = mock_alloc(a, 0);
    ccgc_mark_set(keys[i], CCGC_WHITE);
  }
  ccgc_bulk_cache cache;
  ccgc_bulk_cache_init(&cache);
  ccgc_ephemeron_table table;
  ccgc_ephemeron_table_init(&table, &cache);
  for (int i = 0; i < EARLY; i++) ccgc_ephemeron_table_add(&table, keys[i], keys[i]);
  size_t released = 0;
  ck_assert_uint_eq(ccgc_ephemeron_table_round(&table, count_release, &released), 0);
  ck_assert(table.indexed);
  ck_assert_uint_eq(table.index.key_count, EARLY);
  for (int i = EARLY; i < EARLY + LATE; i++)
    ccgc_ephemeron_table_add(&table, keys[i], keys[i]);
  /* Merged: the index holds more than the early keys, the late map less
   * than its threshold. */
  ck_assert_uint_gt(table.index.key_count, EARLY);
  ck_assert_uint_le(ccgc_pointer_map_size(&table.late), 1024);
  ck_assert_uint_eq(ccgc_ephemeron_table_pending_values(&table), EARLY + LATE);
  for (int i = 0; i < EARLY + LATE; i++)
    ccgc_ephemeron_table_key_marked(&table, keys[i], count_release, &released);
  ck_assert_uint_eq(released, EARLY + LATE);
  ck_assert(ccgc_ephemeron_table_is_empty(&table));
  ccgc_ephemeron_table_destroy(&table);
  ccgc_bulk_cache_destroy(&cache);
  ck_assert_ptr_null(ccgc_page_of(keys[0])->ephemeron_keys);
  mock_heap_free(a);
  ccgc_collector_free(collector);
}
END_TEST

int main(void) {
  Suite *suite = suite_create("ephemeron-index");
  TCase *tc = tcase_create("core");
  tcase_add_test(tc, lookups_release_each_keys_values_once);
  tcase_add_test(tc, marked_keys_are_found_and_the_rest_collected);
  tcase_add_test(tc, a_key_on_a_large_page_has_one_bit);
  tcase_add_test(tc, late_pairs_merge_into_the_index);
  suite_add_tcase(suite, tc);
  return ccgc_test_run(suite);
}
