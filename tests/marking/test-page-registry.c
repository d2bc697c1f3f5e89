/* test-page-registry.c - pages are found while registered, never after; any
 * pointer value is safe to look up. */
#include <check.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

#include "ccgc-test.h"
#include "page-registry.h"

static ccgc_page *map_page(void) {
  ccgc_page *page = ccgc_page_memory_map(CCGC_PAGE_SIZE);
  ck_assert_ptr_nonnull(page);
  ck_assert_uint_eq((uintptr_t)page % CCGC_PAGE_SIZE, 0); /* .inv.page-aligned */
  page->magic = CCGC_PAGE_MAGIC;
  return page;
}

START_TEST(registered_pages_are_found_by_any_interior_address) {
  ccgc_page_registry registry;
  ck_assert_int_eq(ccgc_page_registry_init(&registry), 0);
  ccgc_page *page = map_page();
  ck_assert_ptr_null(ccgc_page_registry_find(&registry, page));
  ck_assert_int_eq(ccgc_page_registry_add(&registry, page), 0);
  ck_assert_ptr_eq(ccgc_page_registry_find(&registry, page), page);
  ck_assert_ptr_eq(
      ccgc_page_registry_find(&registry, (char *)page + CCGC_PAGE_SIZE - 8),
      page);
  ck_assert_ptr_null(
      ccgc_page_registry_find(&registry, (char *)page + CCGC_PAGE_SIZE));
  ccgc_page_registry_remove(&registry, page);
  ck_assert_ptr_null(ccgc_page_registry_find(&registry, (char *)page + 64));
  ccgc_page_memory_unmap(page, CCGC_PAGE_SIZE);
  ccgc_page_registry_destroy(&registry);
}
END_TEST

START_TEST(arbitrary_pointers_are_rejected_safely) {
  ccgc_page_registry registry;
  ccgc_page_registry_init(&registry);
  int on_stack = 0;
  void *on_heap = malloc(32);
  ck_assert_ptr_null(ccgc_page_registry_find(&registry, &on_stack));
  ck_assert_ptr_null(ccgc_page_registry_find(&registry, on_heap));
  ck_assert_ptr_null(ccgc_page_registry_find(&registry, NULL));
  ck_assert_ptr_null(ccgc_page_registry_find(&registry, (void *)UINTPTR_MAX));
  ck_assert_ptr_null(ccgc_page_registry_find(&registry, (void *)0x10));
  free(on_heap);
  ccgc_page_registry_destroy(&registry);
}
END_TEST

START_TEST(a_page_with_a_wiped_signature_is_not_found) {
  ccgc_page_registry registry;
  ccgc_page_registry_init(&registry);
  ccgc_page *page = map_page();
  ccgc_page_registry_add(&registry, page);
  page->magic = CCGC_PAGE_DEAD; /* .inv.registered-pages */
  ck_assert_ptr_null(ccgc_page_registry_find(&registry, page));
  ccgc_page_registry_remove(&registry, page);
  ccgc_page_memory_unmap(page, CCGC_PAGE_SIZE);
  ccgc_page_registry_destroy(&registry);
}
END_TEST

START_TEST(many_pages) {
  ccgc_page_registry registry;
  ccgc_page_registry_init(&registry);
  enum { N = 64 };
  ccgc_page *pages[N];
  for (int i = 0; i < N; i++) {
    pages[i] = map_page();
    ck_assert_int_eq(ccgc_page_registry_add(&registry, pages[i]), 0);
  }
  ck_assert_uint_eq(registry.page_count, N);
  for (int i = 0; i < N; i++)
    ck_assert_ptr_eq(ccgc_page_registry_find(&registry, (char *)pages[i] + 100),
                     pages[i]);
  for (int i = 0; i < N; i += 2) ccgc_page_registry_remove(&registry, pages[i]);
  for (int i = 0; i < N; i++)
    ck_assert((ccgc_page_registry_find(&registry, pages[i]) != NULL) == (i % 2 == 1));
  for (int i = 0; i < N; i++) ccgc_page_memory_unmap(pages[i], CCGC_PAGE_SIZE);
  ccgc_page_registry_destroy(&registry);
}
END_TEST

/* The common flags (CCGC_PAGE_MARKING while a cycle marks) reach every
 * registered page, and every page added while they are set; removing pages
 * from the head, the middle and the tail of the list leaves the others
 * reachable by the walk. */
START_TEST(common_flags_reach_every_registered_page) {
  ccgc_page_registry registry;
  ccgc_page_registry_init(&registry);
  enum { N = 8 };
  ccgc_page *pages[N];
  for (int i = 0; i < N; i++) {
    pages[i] = map_page();
    pages[i]->flags = CCGC_PAGE_LARGE;
    if (i < N / 2) ck_assert_int_eq(ccgc_page_registry_add(&registry, pages[i]), 0);
  }
  ccgc_page_registry_set_common_flags(&registry, CCGC_PAGE_MARKING, true);
  for (int i = N / 2; i < N; i++)
    ck_assert_int_eq(ccgc_page_registry_add(&registry, pages[i]), 0);
  for (int i = 0; i < N; i++)
    ck_assert_uint_eq(pages[i]->flags, CCGC_PAGE_LARGE | CCGC_PAGE_MARKING);
  ck_assert(ccgc_page_registry_common_flags_hold(&registry, CCGC_PAGE_MARKING));
  ck_assert_int_eq(ccgc_page_registry_add(&registry, pages[2]), 0); /* again */
  ck_assert_uint_eq(registry.page_count, N);
  /* The array's last page, a middle one and its first. */
  ccgc_page_registry_remove(&registry, pages[N - 1]);
  ccgc_page_registry_remove(&registry, pages[3]);
  ccgc_page_registry_remove(&registry, pages[0]);
  ccgc_page_registry_set_common_flags(&registry, CCGC_PAGE_MARKING, false);
  for (int i = 0; i < N; i++) {
    bool removed = i == 0 || i == 3 || i == N - 1;
    ck_assert_uint_eq(pages[i]->flags,
                      removed ? CCGC_PAGE_LARGE | CCGC_PAGE_MARKING
                              : CCGC_PAGE_LARGE);
  }
  ck_assert(ccgc_page_registry_common_flags_hold(&registry, CCGC_PAGE_MARKING));
  pages[1]->flags |= CCGC_PAGE_MARKING; /* one page out of step */
  ck_assert(!ccgc_page_registry_common_flags_hold(&registry, CCGC_PAGE_MARKING));
  for (int i = 0; i < N; i++) {
    if (i != 0 && i != 3 && i != N - 1) ccgc_page_registry_remove(&registry, pages[i]);
    ccgc_page_memory_unmap(pages[i], CCGC_PAGE_SIZE);
  }
  ck_assert_uint_eq(registry.page_count, 0);
  ccgc_page_registry_destroy(&registry);
}
END_TEST

int main(void) {
  Suite *suite = suite_create("page-registry");
  TCase *tc = tcase_create("core");
  tcase_add_test(tc, registered_pages_are_found_by_any_interior_address);
  tcase_add_test(tc, arbitrary_pointers_are_rejected_safely);
  tcase_add_test(tc, a_page_with_a_wiped_signature_is_not_found);
  tcase_add_test(tc, many_pages);
  tcase_add_test(tc, common_flags_reach_every_registered_page);
  suite_add_tcase(suite, tc);
  return ccgc_test_run(suite);
}
