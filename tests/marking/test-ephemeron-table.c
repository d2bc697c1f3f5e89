/* test-ephemeron-table.c - the ephemeron fixed point: round mode, the switch
 * to key-indexed mode on adversarial chains (bounded number of rounds, so
 * linear work), and correctness of both. */
#include <check.h>
#include <stdint.h>

#include "ccgc-test.h"
#include "ephemeron-table.h"
#include "mock-heap.h"

static void count_release(void *value, void *data) { (*(size_t *)data)++; }

START_TEST(round_releases_pairs_with_marked_keys_only) {
  ccgc_collector *collector = ccgc_collector_new(NULL);
  mock_heap *heap = mock_heap_new(collector, "mock");
  mock_object *live_key = mock_alloc(heap, 0), *dead_key = mock_alloc(heap, 0);
  mock_object *value = mock_alloc(heap, 0);
  ccgc_ephemeron_table table;
  ccgc_ephemeron_table_init(&table, NULL);
  for (int i = 0; i < 20; i++) ccgc_ephemeron_table_add(&table, live_key, value);
  for (int i = 0; i < 2; i++) ccgc_ephemeron_table_add(&table, dead_key, value);
  ccgc_mark_set(live_key, CCGC_BLACK);
  ccgc_mark_set(dead_key, CCGC_WHITE);
  size_t released = 0;
  ck_assert_uint_eq(ccgc_ephemeron_table_round(&table, count_release, &released), 20);
  ck_assert_uint_eq(released, 20);
  ck_assert(!table.indexed); /* 20 of 22 released: rounds still pay off */
  ck_assert(!ccgc_ephemeron_table_is_empty(&table));
  ccgc_ephemeron_table_destroy(&table);
  mock_heap_free(heap);
  ccgc_collector_free(collector);
}
END_TEST

START_TEST(stalled_round_switches_to_index_and_keys_release_values) {
  ccgc_collector *collector = ccgc_collector_new(NULL);
  mock_heap *heap = mock_heap_new(collector, "mock");
  enum { N = 100 };
  mock_object *keys[N];
  ccgc_ephemeron_table table;
  ccgc_ephemeron_table_init(&table, NULL);
  for (int i = 0; i < N; i++) {
    keys[i] = mock_alloc(heap, 0);
    ccgc_mark_set(keys[i], CCGC_WHITE);
    ccgc_ephemeron_table_add(&table, keys[i], keys[i]);
  }
  ccgc_mark_set(keys[0], CCGC_BLACK);
  size_t released = 0;
  ccgc_ephemeron_table_round(&table, count_release, &released);
  ck_assert_uint_eq(released, 1);
  ck_assert(table.indexed); /* 1 of 100: switch */
  ccgc_ephemeron_table_key_marked(&table, keys[7], count_release, &released);
  ck_assert_uint_eq(released, 2);
  ccgc_ephemeron_table_key_marked(&table, keys[7], count_release, &released);
  ck_assert_uint_eq(released, 2); /* released once only */
  ccgc_mark_set(keys[9], CCGC_GREY); /* marked behind the marker's back */
  ck_assert_uint_eq(ccgc_ephemeron_table_round(&table, count_release, &released), 1);
  ck_assert_uint_eq(ccgc_ephemeron_table_pending_values(&table), N - 3);
  ccgc_ephemeron_table_destroy(&table);
  mock_heap_free(heap);
  ccgc_collector_free(collector);
}
END_TEST

/* A chain k0 -> k1 -> ... -> kN of ephemerons, one table object per pair,
 * traced in the order that releases one pair per simple round. */
static void chain_case(int n) {
  ccgc_collector_options options = {.verify = n <= 10000};
  ccgc_collector *collector = ccgc_collector_new(&options);
  mock_heap *a = mock_heap_new(collector, "alpha");
  mock_heap *b = mock_heap_new(collector, "beta");
  mock_object **keys = g_new(mock_object *, n + 1);
  for (int i = 0; i <= n; i++) keys[i] = mock_alloc(i % 2 ? a : b, 0);
  /* Roots are traced in order and the worklist is LIFO: table i is traced
   * before table i-1, so a round sees k1->k2 before k0->k1. */
  for (int i = 0; i < n; i++) {
    mock_object *table = mock_alloc(a, 0);
    table->eph_key = keys[i];
    table->eph_value = keys[i + 1];
    mock_add_root(a, table);
  }
  mock_add_root(b, keys[0]);
  if (options.verify)
    ccgc_test_collect_verified(collector);
  else
    ck_assert_int_eq(ccgc_collect(collector, CCGC_REASON_TESTING), CCGC_OK);
  for (int i = 0; i <= n; i++) ck_assert(!keys[i]->dead);
  /* Linear: a handful of rounds, not n. */
  ck_assert_uint_le(ccgc_collector_last_cycle(collector)->ephemeron_rounds, 4);
  /* Cut the chain at the root: everything after it dies. */
  mock_clear_roots(b);
  ck_assert_int_eq(ccgc_collect(collector, CCGC_REASON_TESTING), CCGC_OK);
  for (int i = 0; i <= n; i++) ck_assert(keys[i]->dead);
  g_free(keys);
  mock_heap_free(a);
  mock_heap_free(b);
  ccgc_collector_free(collector);
}

START_TEST(adversarial_chains_take_a_bounded_number_of_rounds) {
  chain_case(1);
  chain_case(10);
  chain_case(10000);
  chain_case(100000);
}
END_TEST

int main(void) {
  Suite *suite = suite_create("ephemeron-table");
  TCase *tc = tcase_create("core");
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, round_releases_pairs_with_marked_keys_only);
  tcase_add_test(tc, stalled_round_switches_to_index_and_keys_release_values);
  tcase_add_test(tc, adversarial_chains_take_a_bounded_number_of_rounds);
  suite_add_tcase(suite, tc);
  return ccgc_test_run(suite);
}
