/* test-bulk-memory.c - the marker's bulk arrays: big ones are 2 MiB-aligned,
 * freed mappings are recycled by later requests that fit, a trim unmaps what
 * a whole collection did not use, the cache stays bounded (the smallest
 * entry is evicted), and realloc keeps the contents across the malloc/mmap
 * boundary. */
#include <check.h>
#include <stdint.h>
#include <string.h>

#include "bulk-memory.h"
#include "ccgc-test.h"

#define MIB ((size_t)1 << 20)

START_TEST(big_arrays_are_huge_page_aligned_and_recycled) {
  ccgc_bulk_cache cache;
  ccgc_bulk_cache_init(&cache);
  uint8_t *big = ccgc_bulk_alloc(&cache, 5 * MIB);
  ck_assert_uint_eq((uintptr_t)big % CCGC_BULK_HUGE, 0);
  memset(big, 0xab, 5 * MIB); /* all of it is writable */
  ccgc_bulk_free(&cache, big, 5 * MIB);
  ck_assert_int_eq(cache.count, 1);
  /* A smaller request reuses it (and gives back the tail). */
  uint8_t *again = ccgc_bulk_alloc(&cache, 3 * MIB);
  ck_assert_ptr_eq(again, big);
  ck_assert_int_eq(cache.count, 0);
  /* A bigger one cannot. */
  ccgc_bulk_free(&cache, again, 3 * MIB);
  uint8_t *bigger = ccgc_bulk_alloc(&cache, 9 * MIB);
  ck_assert_ptr_ne(bigger, again);
  ck_assert_int_eq(cache.count, 1);
  ccgc_bulk_free(&cache, bigger, 9 * MIB);
  ccgc_bulk_cache_destroy(&cache);
  ck_assert_int_eq(cache.count, 0);
}
END_TEST

START_TEST(a_trim_unmaps_what_no_collection_used) {
  ccgc_bulk_cache cache;
  ccgc_bulk_cache_init(&cache);
  void *a = ccgc_bulk_alloc(&cache, 4 * MIB);
  void *b = ccgc_bulk_alloc(&cache, 256 << 10);
  ccgc_bulk_free(&cache, a, 4 * MIB);
  ccgc_bulk_free(&cache, b, 256 << 10);
  ck_assert_int_eq(cache.count, 2);
  ccgc_bulk_cache_trim(&cache); /* end of the collection that used both */
  ck_assert_int_eq(cache.count, 2);
  /* The next collection uses only the small one. */
  void *small = ccgc_bulk_alloc(&cache, 200 << 10);
  ck_assert_ptr_eq(small, b);
  ccgc_bulk_free(&cache, small, 200 << 10);
  ccgc_bulk_cache_trim(&cache);
  ck_assert_int_eq(cache.count, 1);
  ck_assert_ptr_eq(cache.free[0].memory, b);
  ccgc_bulk_cache_trim(&cache); /* a collection that used nothing */
  ck_assert_int_eq(cache.count, 0);
  ccgc_bulk_cache_destroy(&cache);
}
END_TEST

START_TEST(the_cache_is_bounded_and_keeps_the_biggest) {
  ccgc_bulk_cache cache;
  ccgc_bulk_cache_init(&cache);
  void *blocks[CCGC_BULK_CACHE_ENTRIES + 1];
  for (int i = 0; i <= CCGC_BULK_CACHE_ENTRIES; i++)
    blocks[i] = ccgc_bulk_alloc(&cache, (size_t)(i + 1) * CCGC_BULK_MIN);
  for (int i = 0; i <= CCGC_BULK_CACHE_ENTRIES; i++)
    ccgc_bulk_free(&cache, blocks[i], (size_t)(i + 1) * CCGC_BULK_MIN);
  ck_assert_int_eq(cache.count, CCGC_BULK_CACHE_ENTRIES);
  for (int i = 0; i < cache.count; i++) /* the smallest went */
    ck_assert_uint_gt(cache.free[i].size, CCGC_BULK_MIN);
  ccgc_bulk_cache_destroy(&cache);
}
END_TEST

START_TEST(realloc_keeps_contents_across_the_boundary) {
  ccgc_bulk_cache cache;
  ccgc_bulk_cache_init(&cache);
  size_t small = 1000, big = 3 * MIB;
  uint32_t *array = ccgc_bulk_alloc(&cache, small * sizeof *array);
  for (size_t i = 0; i < small; i++) array[i] = (uint32_t)i * 7u;
  array = ccgc_bulk_realloc(&cache, array, small * sizeof *array, big);
  for (size_t i = 0; i < small; i++) ck_assert_uint_eq(array[i], (uint32_t)i * 7u);
  array = ccgc_bulk_realloc(&cache, array, big, small * sizeof *array);
  for (size_t i = 0; i < small; i++) ck_assert_uint_eq(array[i], (uint32_t)i * 7u);
  ccgc_bulk_free(&cache, array, small * sizeof *array);
  /* No cache: plain allocate and unmap. */
  void *alone = ccgc_bulk_alloc(NULL, big);
  ccgc_bulk_free(NULL, alone, big);
  ccgc_bulk_cache_destroy(&cache);
}
END_TEST

int main(void) {
  Suite *suite = suite_create("bulk-memory");
  TCase *tc = tcase_create("core");
  tcase_add_test(tc, big_arrays_are_huge_page_aligned_and_recycled);
  tcase_add_test(tc, a_trim_unmaps_what_no_collection_used);
  tcase_add_test(tc, the_cache_is_bounded_and_keeps_the_biggest);
  tcase_add_test(tc, realloc_keeps_contents_across_the_boundary);
  suite_add_tcase(suite, tc);
  return ccgc_test_run(suite);
}
