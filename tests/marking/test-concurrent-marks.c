/* test-concurrent-marks.c - the page's mark table (marking/ccgc-page.h): two
 * bits per granule, four granules to a byte. Colors of neighbours stay
 * apart, each transition has one winner, and threads that mark neighbouring
 * granules of the same bytes at the same time lose none of each other's
 * marks (.inv.one-mark-per-object, .inv.color-monotonic). In the TSan set. */
#include <check.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include "ccgc-heap.h" /* ccgc_page_clear_marks, ccgc_page_marks_clear */
#include "ccgc-page.h"
#include "ccgc-test.h"

#define MARKS_OFFSET 4096u
#define OBJECTS_OFFSET (MARKS_OFFSET + CCGC_MARK_TABLE_BYTES)
#define OBJECTS ((CCGC_PAGE_SIZE - OBJECTS_OFFSET) / CCGC_GRANULE)

static ccgc_page *page_new(void) {
  ccgc_page *page = ccgc_page_memory_map(CCGC_PAGE_SIZE);
  ck_assert_ptr_nonnull(page);
  page->magic = CCGC_PAGE_MAGIC;
  page->mark_shift = CCGC_GRANULE_SHIFT;
  page->marks = (_Atomic uint8_t *)((uint8_t *)page + MARKS_OFFSET);
  return page;
}

/* The k-th granule-sized object of the page. */
static void *object_at(ccgc_page *page, size_t k) {
  return (uint8_t *)page + OBJECTS_OFFSET + k * CCGC_GRANULE;
}

START_TEST(a_quarter_of_a_byte_per_granule) {
  ccgc_page *page = page_new();
  void *first = object_at(page, 0);
  size_t granule = ((uintptr_t)first - (uintptr_t)page) >> CCGC_GRANULE_SHIFT;
  for (size_t k = 0; k < 8; k++) {
    ccgc_mark_ref mark = ccgc_mark_of(object_at(page, k));
    ck_assert_ptr_eq(mark.byte, &page->marks[(granule + k) / 4]);
    ck_assert_uint_eq(mark.shift, ((granule + k) % 4) * 2);
  }
  ck_assert_uint_eq(CCGC_MARK_TABLE_BYTES * 64, CCGC_PAGE_SIZE);
  ccgc_page_memory_unmap(page, CCGC_PAGE_SIZE);
}
END_TEST

START_TEST(neighbours_keep_their_own_colors) {
  ccgc_page *page = page_new();
  enum { N = 12 };
  const ccgc_color want[N] = {CCGC_WHITE, CCGC_GREY,  CCGC_BLACK, CCGC_GREY,
                              CCGC_BLACK, CCGC_WHITE, CCGC_WHITE, CCGC_BLACK,
                              CCGC_GREY,  CCGC_GREY,  CCGC_BLACK, CCGC_WHITE};
  for (size_t k = 0; k < N; k++) {
    void *o = object_at(page, k);
    if (want[k] != CCGC_WHITE) ck_assert(ccgc_mark_white_to_grey(o));
    if (want[k] == CCGC_BLACK) ck_assert(ccgc_mark_grey_to_black(o));
  }
  for (size_t k = 0; k < N; k++) {
    void *o = object_at(page, k);
    ck_assert_int_eq(ccgc_color_of(o), want[k]);
    ck_assert(ccgc_is_marked(o) == (want[k] != CCGC_WHITE));
    /* Transitions from the wrong color fail and change nothing. */
    if (want[k] != CCGC_WHITE) ck_assert(!ccgc_mark_white_to_grey(o));
    if (want[k] != CCGC_GREY) ck_assert(!ccgc_mark_grey_to_black(o));
    ck_assert_int_eq(ccgc_color_of(o), want[k]);
  }
  /* Setting one object's color leaves the byte's others alone. */
  ccgc_mark_set(object_at(page, 2), CCGC_WHITE);
  ccgc_mark_set(object_at(page, 5), CCGC_BLACK);
  ccgc_mark_set(object_at(page, 7), CCGC_GREY);
  for (size_t k = 0; k < N; k++) {
    ccgc_color expected = k == 2   ? CCGC_WHITE
                          : k == 5 ? CCGC_BLACK
                          : k == 7 ? CCGC_GREY
                                   : want[k];
    ck_assert_int_eq(ccgc_color_of(object_at(page, k)), expected);
  }
  ck_assert(!ccgc_page_marks_clear(page));
  ccgc_page_clear_marks(page);
  ck_assert(ccgc_page_marks_clear(page));
  for (size_t k = 0; k < N; k++)
    ck_assert_int_eq(ccgc_color_of(object_at(page, k)), CCGC_WHITE);
  ccgc_page_memory_unmap(page, CCGC_PAGE_SIZE);
}
END_TEST

/* Threads race over every object of the page: `stride` 1 means all of them
 * try every object (one winner each); 2 means thread t takes the objects
 * k with k % 2 == t, so the two threads always write the same bytes. */
typedef struct race {
  ccgc_page *page;
  unsigned thread, stride;
  atomic_uint *go;
  size_t greyed, blackened;
} race;

static void *racer(void *arg) {
  race *r = arg;
  while (!atomic_load(r->go)) {
  }
  for (size_t k = r->stride == 1 ? 0 : r->thread; k < OBJECTS; k += r->stride)
    if (ccgc_mark_white_to_grey(object_at(r->page, k))) r->greyed++;
  for (size_t k = r->stride == 1 ? 0 : r->thread; k < OBJECTS; k += r->stride)
    if (ccgc_mark_grey_to_black(object_at(r->page, k))) r->blackened++;
  return NULL;
}

static void run_race(unsigned stride) {
  ccgc_page *page = page_new();
  for (int round = 0; round < 20; round++) {
    ccgc_page_clear_marks(page);
    atomic_uint go = 0;
    race races[2];
    pthread_t threads[2];
    for (unsigned t = 0; t < 2; t++) {
      races[t] = (race){page, t, stride, &go, 0, 0};
      ck_assert_int_eq(pthread_create(&threads[t], NULL, racer, &races[t]), 0);
    }
    atomic_store(&go, 1);
    for (unsigned t = 0; t < 2; t++) pthread_join(threads[t], NULL);
    /* One winner per object and transition, and no mark lost: a plain
     * store of a byte would drop the other thread's neighbouring bits. */
    ck_assert_uint_eq(races[0].greyed + races[1].greyed, OBJECTS);
    ck_assert_uint_eq(races[0].blackened + races[1].blackened, OBJECTS);
    for (size_t k = 0; k < OBJECTS; k++)
      ck_assert_int_eq(ccgc_color_of(object_at(page, k)), CCGC_BLACK);
  }
  ccgc_page_memory_unmap(page, CCGC_PAGE_SIZE);
}

START_TEST(threads_marking_neighbours_lose_no_mark) { run_race(2); }
END_TEST

START_TEST(threads_marking_the_same_objects_have_one_winner) { run_race(1); }
END_TEST

int main(void) {
  Suite *suite = suite_create("concurrent-marks");
  TCase *tc = tcase_create("core");
  tcase_add_test(tc, a_quarter_of_a_byte_per_granule);
  tcase_add_test(tc, neighbours_keep_their_own_colors);
  tcase_add_test(tc, threads_marking_neighbours_lose_no_mark);
  tcase_add_test(tc, threads_marking_the_same_objects_have_one_winner);
  suite_add_tcase(suite, tc);
  return ccgc_test_run(suite);
}
