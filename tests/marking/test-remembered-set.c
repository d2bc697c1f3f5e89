/* test-remembered-set.c - per-page slot sets and the list of a space's
 * pages that have one (marking/remembered-set.c): a page is listed when its
 * set is made, by the owner's record or a scavenge thread's atomic one, once;
 * it leaves when the set is freed, the list staying dense with every listed
 * page's index right; a walk keeps or clears bits; a reset starts the list
 * over. (The scavenger's use of the list: tests/v8ish/test-scavenger.c.) */
#include <check.h>
#include <stdint.h>

#include "ccgc-page.h"
#include "ccgc-test.h"
#include "remembered-set.h"

#define PAGES 4

typedef struct pages {
  ccgc_remembered_pages list;
  ccgc_page *page[PAGES];
} pages;

static void pages_init(pages *p) {
  p->list = (ccgc_remembered_pages){0};
  for (int i = 0; i < PAGES; i++) {
    p->page[i] = ccgc_page_memory_map(CCGC_PAGE_SIZE);
    ck_assert_ptr_nonnull(p->page[i]);
    p->page[i]->reservation = CCGC_PAGE_SIZE;
    p->page[i]->remembered_pages = &p->list;
  }
}

static void pages_free(pages *p) {
  for (int i = 0; i < PAGES; i++) {
    ccgc_slot_set_free(p->page[i]);
    ccgc_page_memory_unmap(p->page[i], CCGC_PAGE_SIZE);
  }
  ck_assert_uint_eq(p->list.count, 0);
  ccgc_remembered_pages_destroy(&p->list);
}

static void *slot_of(ccgc_page *page, size_t word) {
  return (uint8_t *)page + 4096 + 8 * word;
}

/* Every listed page is where its index says, and listed once. */
static void check_dense(const pages *p) {
  for (size_t i = 0; i < p->list.count; i++) {
    ck_assert_uint_eq(p->list.pages[i]->remembered_index, i + 1);
    ck_assert_ptr_nonnull(p->list.pages[i]->slot_set);
  }
  size_t with_set = 0;
  for (int i = 0; i < PAGES; i++) with_set += p->page[i]->slot_set != NULL;
  ck_assert_uint_eq(p->list.count, with_set);
}

START_TEST(a_page_is_listed_once_when_its_set_is_made_and_leaves_with_it) {
  pages p;
  pages_init(&p);
  ck_assert(ccgc_slot_set_empty(p.page[0]));
  ccgc_slot_set_record(p.page[0], slot_of(p.page[0], 1));
  ccgc_slot_set_record(p.page[0], slot_of(p.page[0], 2));
  ccgc_slot_set_record(p.page[1], slot_of(p.page[1], 1));
  ccgc_slot_set_record_atomic(p.page[2], slot_of(p.page[2], 3));
  ccgc_slot_set_record_atomic(p.page[2], slot_of(p.page[2], 4));
  ck_assert_uint_eq(p.list.count, 3);
  ck_assert(!ccgc_slot_set_empty(p.page[0]));
  check_dense(&p);
  /* An old-to-old set is not a remembered set: not listed. */
  ccgc_old_to_old_record(p.page[3], slot_of(p.page[3], 1));
  ck_assert_uint_eq(p.list.count, 3);
  ccgc_old_to_old_free(p.page[3]);
  /* The first page leaves; the last takes its place. */
  ccgc_slot_set_free(p.page[0]);
  ck_assert_uint_eq(p.list.count, 2);
  ck_assert_uint_eq(p.page[0]->remembered_index, 0);
  check_dense(&p);
  ccgc_slot_set_record(p.page[0], slot_of(p.page[0], 5));
  ccgc_slot_set_record(p.page[3], slot_of(p.page[3], 5));
  ck_assert_uint_eq(p.list.count, 4);
  check_dense(&p);
  ccgc_slot_set_free(p.page[1]);
  ccgc_slot_set_free(p.page[3]);
  check_dense(&p);
  pages_free(&p);
}
END_TEST

static bool drop_all(void **slot, void *data) {
  (void)slot;
  ++*(int *)data;
  return false;
}

START_TEST(a_walk_that_keeps_nothing_leaves_an_empty_set) {
  pages p;
  pages_init(&p);
  for (size_t w = 0; w < 100; w += 7)
    ccgc_slot_set_record(p.page[1], slot_of(p.page[1], w));
  int seen = 0;
  ck_assert(ccgc_slot_set_each(p.page[1], drop_all, &seen));
  ck_assert_int_eq(seen, 15);
  ck_assert(ccgc_slot_set_empty(p.page[1]));
  ck_assert_uint_eq(p.list.count, 1); /* listed until freed */
  seen = 0;
  ck_assert(ccgc_slot_set_each(p.page[1], drop_all, &seen));
  ck_assert_int_eq(seen, 0);
  pages_free(&p);
}
END_TEST

START_TEST(a_reset_list_starts_over_and_takes_pages_back) {
  pages p;
  pages_init(&p);
  for (int i = 0; i < PAGES; i++)
    ccgc_slot_set_record(p.page[i], slot_of(p.page[i], (size_t)i));
  p.list.overflow = true;
  ccgc_remembered_pages_reset(&p.list);
  ck_assert(!p.list.overflow);
  ck_assert_uint_eq(p.list.count, 0);
  for (int i = 0; i < PAGES; i++)
    ck_assert_uint_eq(p.page[i]->remembered_index, 0);
  for (int i = PAGES - 1; i >= 0; i--) ccgc_remembered_pages_add(p.page[i]);
  ccgc_remembered_pages_add(p.page[0]); /* listed already */
  ck_assert_uint_eq(p.list.count, PAGES);
  check_dense(&p);
  ck_assert_ptr_eq(p.list.pages[0], p.page[PAGES - 1]);
  pages_free(&p);
}
END_TEST

static Suite *remembered_set_suite(void) {
  Suite *s = suite_create("remembered-set");
  TCase *tc = tcase_create("core");
  tcase_add_test(tc, a_page_is_listed_once_when_its_set_is_made_and_leaves_with_it);
  tcase_add_test(tc, a_walk_that_keeps_nothing_leaves_an_empty_set);
  tcase_add_test(tc, a_reset_list_starts_over_and_takes_pages_back);
  suite_add_tcase(s, tc);
  return s;
}

int main(void) { return ccgc_test_run(remembered_set_suite()); }
