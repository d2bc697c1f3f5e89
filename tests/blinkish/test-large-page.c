/* test-large-page.c - objects above the large threshold: one page each, the
 * single mark byte, liveness, release, limits and size overflow. */
#include <check.h>
#include <stdint.h>

#include "dom-test.h"

#define LARGE (CCGC_PAGE_SIZE / 2)

static blinkish_type_id raw_type(dom_world *w, unsigned flags) {
  blinkish_type_info info = {flags ? "RawWrappable" : "Raw", NULL, NULL, flags};
  return blinkish_register_type(w->heap, &info);
}

START_TEST(a_large_object_gets_a_large_page) {
  dom_world w;
  dom_world_init(&w, 0);
  blinkish_type_id raw = raw_type(&w, 0);
  uint8_t *big = blinkish_alloc(w.heap, raw, 3 * CCGC_PAGE_SIZE);
  ck_assert_ptr_nonnull(big);
  ccgc_page *page = ccgc_page_of(big);
  ck_assert_uint_eq(page->magic, CCGC_PAGE_MAGIC);
  ck_assert(page->flags & CCGC_PAGE_LARGE);
  ck_assert_uint_eq(page->mark_shift, CCGC_LARGE_MARK_SHIFT);
  ck_assert_ptr_eq(page->owner, w.heap);
  ck_assert_uint_ge(page->reservation, 3 * CCGC_PAGE_SIZE);
  ck_assert_uint_eq(page->reservation % CCGC_PAGE_SIZE, 0);
  /* .inv.page-aligned: the object starts in the first page-sized chunk. */
  ck_assert_uint_lt((uintptr_t)big - (uintptr_t)page, CCGC_PAGE_SIZE);
  /* Every address of the object maps to the page's one mark byte. */
  ck_assert_ptr_eq(ccgc_mark_byte(big), page->marks);
  ck_assert_uint_eq(ccgc_mark_of(big).shift, 0);
  ck_assert_uint_ge(blinkish_object_size(w.heap, big), 3 * CCGC_PAGE_SIZE);
  for (size_t i = 0; i < 3 * CCGC_PAGE_SIZE; i += 4096) ck_assert_uint_eq(big[i], 0);
  big[3 * CCGC_PAGE_SIZE - 1] = 1; /* the whole payload is writable */

  ck_assert(blinkish_is_object(w.heap, big));
  ck_assert(!blinkish_is_object(w.heap, big + 16));
  ck_assert(!blinkish_is_object(w.heap, big + CCGC_PAGE_SIZE));
  ck_assert(!blinkish_is_object(w.heap, big + 2 * CCGC_PAGE_SIZE + 8));

  ccgc_heap_stats stats = dom_stats(&w);
  ck_assert_uint_eq(stats.page_count, 1);
  ck_assert_uint_eq(stats.committed_bytes, page->reservation);
  ck_assert_uint_eq(stats.object_count, 1);
  ck_assert_uint_ge(stats.used_bytes, 3 * CCGC_PAGE_SIZE);
  dom_world_free(&w);
}
END_TEST

START_TEST(large_objects_live_while_referenced_and_return_their_pages) {
  dom_world w;
  dom_world_init(&w, 0);
  blinkish_type_id raw = raw_type(&w, 0);
  dom_node *holder = dom_new_node(&w, 0);
  blinkish_persistent *root = blinkish_persistent_new(w.heap, holder, false);
  size_t baseline = dom_stats(&w).committed_bytes;
  void *kept = blinkish_alloc(w.heap, raw, LARGE);
  dom_link(&w, holder, &holder->next, kept);
  for (int i = 0; i < 10; i++) ck_assert_ptr_nonnull(blinkish_alloc(w.heap, raw, LARGE + (size_t)i * 4096));
  ck_assert_uint_eq(dom_stats(&w).page_count, 12);
  ccgc_test_collect_verified(w.collector);
  ccgc_heap_stats stats = dom_stats(&w);
  ck_assert_uint_eq(stats.page_count, 2); /* the holder's and the kept one */
  ck_assert_uint_eq(stats.object_count, 2);
  ck_assert(blinkish_is_object(w.heap, kept));
  blinkish_member_set(w.heap, holder, (void **)&holder->next, NULL);
  ccgc_test_collect_verified(w.collector);
  stats = dom_stats(&w);
  ck_assert_uint_eq(stats.page_count, 1);
  ck_assert_uint_eq(stats.committed_bytes, baseline);
  blinkish_persistent_free(w.heap, root);
  dom_world_free(&w);
}
END_TEST

static unsigned long large_finalized;
static void count_large(void *object) {
  (void)object;
  large_finalized++;
}

START_TEST(a_dead_large_object_is_finalized_once) {
  dom_world w;
  dom_world_init(&w, 0);
  blinkish_type_info info = {"BigBuffer", NULL, count_large, 0};
  blinkish_type_id type = blinkish_register_type(w.heap, &info);
  large_finalized = 0;
  void *big = blinkish_alloc(w.heap, type, LARGE);
  blinkish_persistent *root = blinkish_persistent_new(w.heap, big, false);
  blinkish_alloc(w.heap, type, LARGE);
  ccgc_test_collect_verified(w.collector);
  ck_assert_uint_eq(large_finalized, 1);
  ccgc_test_collect_verified(w.collector);
  ck_assert_uint_eq(large_finalized, 1);
  blinkish_persistent_free(w.heap, root);
  ccgc_test_collect_verified(w.collector);
  ck_assert_uint_eq(large_finalized, 2);
  ck_assert_uint_eq(dom_stats(&w).page_count, 0);
  dom_world_free(&w);
}
END_TEST

START_TEST(large_objects_may_be_wrappable_and_hold_members) {
  dom_world w;
  dom_world_init(&w, 0);
  blinkish_type_info info = {"BigNode", dom_trace_node, NULL,
                             BLINKISH_TYPE_WRAPPABLE};
  blinkish_type_id type = blinkish_register_type(w.heap, &info);
  dom_node *big = blinkish_alloc(w.heap, type, LARGE);
  ck_assert_ptr_nonnull(big);
  ck_assert(ccgc_page_of(big)->flags & CCGC_PAGE_LARGE);
  ck_assert_ptr_eq(blinkish_wrappable_slot(w.heap, big), (void **)big - 1);
  ck_assert_uint_eq((uintptr_t)big % CCGC_GRANULE, 0);
  blinkish_persistent *root = blinkish_persistent_new(w.heap, big, false);
  dom_node *child = dom_new_node(&w, 5);
  dom_link(&w, big, &big->next, child);
  ccgc_test_collect_verified(w.collector);
  ck_assert(blinkish_is_object(w.heap, child));
  ck_assert_uint_eq(dom_finalized, 0);
  blinkish_persistent_free(w.heap, root);
  ccgc_test_collect_verified(w.collector);
  ck_assert_uint_eq(dom_finalized, 1);
  ck_assert_uint_eq(dom_stats(&w).page_count, 0);
  dom_world_free(&w);
}
END_TEST

START_TEST(the_limit_applies_to_large_pages_and_keeps_the_heap_intact) {
  dom_world w;
  dom_world_init(&w, 4 * CCGC_PAGE_SIZE);
  blinkish_type_id raw = raw_type(&w, 0);
  dom_node *node = dom_new_node(&w, 3);
  blinkish_persistent *root = blinkish_persistent_new(w.heap, node, false);
  void *a = blinkish_alloc(w.heap, raw, 2 * CCGC_PAGE_SIZE);
  ck_assert_ptr_nonnull(a);
  ccgc_heap_stats before = dom_stats(&w);
  ck_assert_ptr_null(blinkish_alloc(w.heap, raw, 2 * CCGC_PAGE_SIZE));
  ck_assert_int_eq(ccgc_collector_last_error(w.collector)->code, CCGC_E_HEAP_LIMIT);
  ck_assert(strstr(ccgc_collector_last_error(w.collector)->message, "blinkish_alloc"));
  ck_assert_uint_eq(w.errors.count, 0); /* recoverable: no misuse report */
  ccgc_heap_stats after = dom_stats(&w);
  ck_assert_uint_eq(after.committed_bytes, before.committed_bytes);
  ck_assert_uint_eq(after.object_count, before.object_count);
  ck_assert_uint_eq(after.page_count, before.page_count);
  ck_assert_int_eq(node->value, 3);
  ccgc_test_collect_verified(w.collector); /* a dies */
  ck_assert_ptr_nonnull(blinkish_alloc(w.heap, raw, 2 * CCGC_PAGE_SIZE));
  blinkish_persistent_free(w.heap, root);
  dom_world_free(&w);
}
END_TEST

START_TEST(sizes_that_overflow_are_refused) {
  dom_world w;
  dom_world_init(&w, 0);
  blinkish_type_id raw = raw_type(&w, 0);
  blinkish_type_id wrappable = raw_type(&w, BLINKISH_TYPE_WRAPPABLE);
  size_t sizes[] = {SIZE_MAX, SIZE_MAX - 7, SIZE_MAX - CCGC_PAGE_SIZE,
                    SIZE_MAX / 2, (size_t)1 << 50};
  for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++) {
    ck_assert_ptr_null(blinkish_alloc(w.heap, raw, sizes[i]));
    ck_assert_int_eq(ccgc_collector_last_error(w.collector)->code,
                     CCGC_E_SIZE_OVERFLOW);
    ck_assert_ptr_null(blinkish_alloc(w.heap, wrappable, sizes[i]));
    ck_assert_int_eq(ccgc_collector_last_error(w.collector)->code,
                     CCGC_E_SIZE_OVERFLOW);
  }
  ck_assert(strstr(ccgc_collector_last_error(w.collector)->message, "blinkish_alloc"));
  ck_assert_uint_eq(dom_stats(&w).page_count, 0);
  dom_world_free(&w);
}
END_TEST

START_TEST(an_object_larger_than_the_header_can_describe_is_refused) {
  /* The header keeps the cell size in 32 bits: an object of more than 4 GiB
   * must be refused, not silently described with a truncated size. Mapping
   * is lazy (MAP_NORESERVE), so trying costs no memory. */
  dom_world w;
  dom_world_init(&w, 0);
  blinkish_type_id raw = raw_type(&w, 0);
  size_t huge = ((size_t)5 << 30);
  void *object = blinkish_alloc(w.heap, raw, huge);
  if (object) {
    ck_assert_uint_ge(blinkish_object_size(w.heap, object), huge);
  } else {
    ck_assert_int_eq(ccgc_collector_last_error(w.collector)->code,
                     CCGC_E_SIZE_OVERFLOW);
    ck_assert_uint_eq(dom_stats(&w).page_count, 0);
  }
  dom_world_free(&w);
}
END_TEST

int main(void) {
  Suite *suite = suite_create("blinkish-large-page");
  TCase *tc = tcase_create("core");
  tcase_add_test(tc, a_large_object_gets_a_large_page);
  tcase_add_test(tc, large_objects_live_while_referenced_and_return_their_pages);
  tcase_add_test(tc, a_dead_large_object_is_finalized_once);
  tcase_add_test(tc, large_objects_may_be_wrappable_and_hold_members);
  tcase_add_test(tc, the_limit_applies_to_large_pages_and_keeps_the_heap_intact);
  tcase_add_test(tc, sizes_that_overflow_are_refused);
  tcase_add_test(tc, an_object_larger_than_the_header_can_describe_is_refused);
  suite_add_tcase(suite, tc);
  return ccgc_test_run(suite);
}
