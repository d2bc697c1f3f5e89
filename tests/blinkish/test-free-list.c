/* test-free-list.c - normal pages: bump allocation, the object-start bitmap
 * behind blinkish_is_object, free-list reuse, coalescing, zeroed payloads,
 * page iteration and the page header the marker reads. */
#include <check.h>
#include <stdint.h>

#include "dom-test.h"

typedef struct raw_world {
  dom_world w;
  blinkish_type_id raw; /* no trace, no finalizer: any size */
} raw_world;

static void raw_init(raw_world *r) {
  dom_world_init(&r->w, 0);
  blinkish_type_info info = {"Raw", NULL, NULL, 0};
  r->raw = blinkish_register_type(r->w.heap, &info);
}

START_TEST(normal_pages_carry_the_common_header) {
  raw_world r;
  raw_init(&r);
  void *object = blinkish_alloc(r.w.heap, r.raw, 40);
  ccgc_page *page = ccgc_page_of(object);
  ck_assert_uint_eq(page->magic, CCGC_PAGE_MAGIC);
  ck_assert_uint_eq(page->flags & CCGC_PAGE_LARGE, 0);
  ck_assert_uint_eq(page->mark_shift, CCGC_GRANULE_SHIFT);
  ck_assert_ptr_eq(page->owner, r.w.heap);
  ck_assert_uint_eq(page->reservation, CCGC_PAGE_SIZE);
  /* Two bits per granule, four granules to a byte (ccgc-page.h). */
  size_t granule = ((uintptr_t)object - (uintptr_t)page) >> 4;
  ck_assert_ptr_eq(ccgc_mark_byte(object), &page->marks[granule / 4]);
  ck_assert_uint_eq(ccgc_mark_of(object).shift, (granule % 4) * 2);
  ccgc_heap_stats stats = dom_stats(&r.w);
  ck_assert_uint_eq(stats.page_count, 1);
  ck_assert_uint_eq(stats.committed_bytes, CCGC_PAGE_SIZE);
  ck_assert_uint_eq(stats.object_count, 1);
  ck_assert_uint_eq(stats.used_bytes, 48); /* header + 40, one granule up */
  dom_world_free(&r.w);
}
END_TEST

START_TEST(only_object_addresses_are_objects) {
  raw_world r;
  raw_init(&r);
  uint8_t *a = blinkish_alloc(r.w.heap, r.raw, 64);
  uint8_t *b = blinkish_alloc(r.w.heap, r.raw, 64);
  ck_assert(blinkish_is_object(r.w.heap, a));
  ck_assert(blinkish_is_object(r.w.heap, b));
  for (size_t offset = 1; offset < 64; offset++)
    ck_assert_msg(!blinkish_is_object(r.w.heap, a + offset),
                  "interior pointer +%zu taken for an object", offset);
  ck_assert(!blinkish_is_object(r.w.heap, a - 8));  /* the header */
  ck_assert(!blinkish_is_object(r.w.heap, NULL));
  static long not_on_the_heap;
  ck_assert(!blinkish_is_object(r.w.heap, &not_on_the_heap));
  ck_assert(!blinkish_is_object(r.w.heap, (void *)(uintptr_t)0x1000));
  ck_assert(!blinkish_is_object(r.w.heap, (void *)(uintptr_t)-16));
  /* The page header and mark table are not objects either. */
  ck_assert(!blinkish_is_object(r.w.heap, (uint8_t *)ccgc_page_of(a) + 8));
  ck_assert(!blinkish_is_object(r.w.heap, (uint8_t *)ccgc_page_of(a) + 4096));
  /* Not yet allocated memory of the page is not an object. */
  ck_assert(!blinkish_is_object(r.w.heap, b + 80));
  ck_assert(!blinkish_is_object(r.w.heap, b + 4096 + 8));

  /* Another heap's objects are not this heap's. */
  blinkish_heap *other = blinkish_heap_new(r.w.collector, NULL);
  blinkish_type_info info = {"Raw", NULL, NULL, 0};
  void *theirs = blinkish_alloc(other, blinkish_register_type(other, &info), 8);
  ck_assert(blinkish_is_object(other, theirs));
  ck_assert(!blinkish_is_object(r.w.heap, theirs));
  ck_assert(!blinkish_is_object(other, a));
  blinkish_heap_free(other);
  dom_world_free(&r.w);
}
END_TEST

START_TEST(consecutive_allocations_bump_through_a_page) {
  raw_world r;
  raw_init(&r);
  uint8_t *previous = blinkish_alloc(r.w.heap, r.raw, 24);
  for (int i = 0; i < 1000; i++) {
    uint8_t *next = blinkish_alloc(r.w.heap, r.raw, 24);
    ck_assert_ptr_eq(next, previous + 32); /* header 8 + 24 = 32 */
    previous = next;
  }
  ck_assert_uint_eq(dom_stats(&r.w).page_count, 1);
  dom_world_free(&r.w);
}
END_TEST

START_TEST(freed_memory_is_reused_and_committed_bytes_stay_flat) {
  /* One survivor in every hundred keeps every page; the next allocations
   * must fit in the freed cells between them, without a new page. */
  raw_world r;
  raw_init(&r);
  enum { N = 20000 };
  blinkish_persistent *roots[N / 100];
  for (int i = 0; i < N; i++) {
    void *object = blinkish_alloc(r.w.heap, r.raw, 40);
    if (i % 100 == 0) roots[i / 100] = blinkish_persistent_new(r.w.heap, object, false);
  }
  ccgc_heap_stats full = dom_stats(&r.w);
  ccgc_test_collect_verified(r.w.collector);
  ccgc_heap_stats swept = dom_stats(&r.w);
  ck_assert_uint_eq(swept.object_count, N / 100);
  ck_assert_uint_eq(swept.committed_bytes, full.committed_bytes);
  for (int i = 0; i < N - N / 100 - 10; i++)
    ck_assert_ptr_nonnull(blinkish_alloc(r.w.heap, r.raw, 40));
  ck_assert_uint_eq(dom_stats(&r.w).committed_bytes, full.committed_bytes);
  ck_assert_uint_eq(dom_stats(&r.w).page_count, full.page_count);

  /* Churn: the peak of each round stays where the first round put it. */
  size_t first_peak = 0;
  for (int round = 0; round < 8; round++) {
    for (int i = 0; i < N; i++)
      ck_assert_ptr_nonnull(blinkish_alloc(r.w.heap, r.raw, (size_t)(8 + i % 120)));
    size_t peak = dom_stats(&r.w).committed_bytes;
    if (round == 0) first_peak = peak;
    ck_assert_uint_le(peak, first_peak + CCGC_PAGE_SIZE);
    ccgc_test_collect_verified(r.w.collector);
    ck_assert_uint_eq(dom_stats(&r.w).object_count, N / 100);
  }
  for (int i = 0; i < N / 100; i++) blinkish_persistent_free(r.w.heap, roots[i]);
  dom_world_free(&r.w);
}
END_TEST

/* At the hard limit an allocation takes a run that fits however deep it
 * sits in its bucket: one page, full; 20 dead 32-byte cells then one dead
 * 48-byte cell between survivors; a 48-byte object (whose bucket holds the
 * 32-byte runs first) goes into the 48-byte run rather than failing. */
START_TEST(at_the_limit_a_deep_run_that_fits_is_found) {
  raw_world r;
  dom_world_init(&r.w, CCGC_PAGE_SIZE);
  blinkish_type_info info = {"Raw", NULL, NULL, 0};
  r.raw = blinkish_register_type(r.w.heap, &info);
  enum { SMALL = 24, LARGE = 40, DEAD_SMALL = 20, MAX_LIVE = 8192 };
  static blinkish_persistent *roots[MAX_LIVE];
  size_t live = 0;
  uint8_t *deep = NULL;
  for (int i = 0; i <= DEAD_SMALL; i++) {
    void *keep = blinkish_alloc(r.w.heap, r.raw, SMALL);
    roots[live++] = blinkish_persistent_new(r.w.heap, keep, false);
    if (i < DEAD_SMALL)
      blinkish_alloc(r.w.heap, r.raw, SMALL); /* dies: a 32-byte run */
    else
      deep = blinkish_alloc(r.w.heap, r.raw, LARGE); /* dies: 48 bytes */
  }
  void *keep;
  while ((keep = blinkish_alloc(r.w.heap, r.raw, SMALL)) != NULL) {
    ck_assert_uint_lt(live, MAX_LIVE);
    roots[live++] = blinkish_persistent_new(r.w.heap, keep, false);
  }
  ck_assert_int_eq(ccgc_collector_last_error(r.w.collector)->code, CCGC_E_HEAP_LIMIT);
  ccgc_test_collect_verified(r.w.collector);
  ck_assert_uint_eq(dom_stats(&r.w).object_count, live);
  void *again = blinkish_alloc(r.w.heap, r.raw, LARGE);
  ck_assert_ptr_eq(again, deep);
  for (size_t i = 0; i < live; i++) blinkish_persistent_free(r.w.heap, roots[i]);
  dom_world_free(&r.w);
}
END_TEST

START_TEST(neighbouring_free_cells_coalesce) {
  /* Fill a page with small objects, keep one at its start so the page stays,
   * free the rest: an object far bigger than any of them fits without a new
   * page. */
  raw_world r;
  raw_init(&r);
  void *first = blinkish_alloc(r.w.heap, r.raw, 16);
  blinkish_persistent *root = blinkish_persistent_new(r.w.heap, first, false);
  while (dom_stats(&r.w).page_count == 1) blinkish_alloc(r.w.heap, r.raw, 16);
  ccgc_test_collect_verified(r.w.collector);
  ccgc_heap_stats stats = dom_stats(&r.w);
  ck_assert_uint_eq(stats.page_count, 1); /* the second page was empty */
  ck_assert_uint_eq(stats.object_count, 1);
  void *big = blinkish_alloc(r.w.heap, r.raw, 60 * 1024);
  ck_assert_ptr_nonnull(big);
  ck_assert_ptr_eq(ccgc_page_of(big), ccgc_page_of(first));
  ck_assert_uint_eq(dom_stats(&r.w).page_count, 1);
  blinkish_persistent_free(r.w.heap, root);
  dom_world_free(&r.w);
}
END_TEST

START_TEST(reused_memory_comes_back_zeroed) {
  raw_world r;
  raw_init(&r);
  dom_node *keep = dom_new_node(&r.w, 0);
  blinkish_persistent *root = blinkish_persistent_new(r.w.heap, keep, false);
  for (int i = 0; i < 5000; i++)
    memset(blinkish_alloc(r.w.heap, r.raw, 56), 0xa5, 56);
  ccgc_test_collect_verified(r.w.collector);
  for (int i = 0; i < 5000; i++) {
    uint8_t *p = blinkish_alloc(r.w.heap, r.raw, 56);
    for (int j = 0; j < 56; j++) ck_assert_uint_eq(p[j], 0);
  }
  blinkish_persistent_free(r.w.heap, root);
  dom_world_free(&r.w);
}
END_TEST

typedef struct walk_count {
  size_t dom_objects;
  size_t dom_bytes;
} walk_count;

static void count_object(const ccgc_object_info *info, void *data) {
  walk_count *count = data;
  if (strcmp(info->heap_name, "dom") != 0) return;
  count->dom_objects++;
  count->dom_bytes += info->size;
}

START_TEST(pages_stay_iterable_through_allocation_and_sweeping) {
  /* .inv.iterable-pages: the collector's walk sees exactly the allocated
   * objects, mid-page, after sweeping and after reuse. */
  raw_world r;
  raw_init(&r);
  enum { N = 3000 };
  static void *objects[N];
  blinkish_persistent *roots[N / 3 + 1];
  int rooted = 0;
  size_t payload = 0;
  for (int i = 0; i < N; i++) {
    objects[i] = blinkish_alloc(r.w.heap, r.raw, (size_t)(i % 200));
    if (i % 3 == 0) {
      roots[rooted++] = blinkish_persistent_new(r.w.heap, objects[i], false);
      payload += blinkish_object_size(r.w.heap, objects[i]);
    }
  }
  walk_count count = {0, 0};
  ccgc_walk_callbacks callbacks = {count_object, NULL, &count};
  ck_assert_int_eq(ccgc_collector_walk(r.w.collector, &callbacks), CCGC_OK);
  ck_assert_uint_eq(count.dom_objects, N);
  ccgc_test_collect_verified(r.w.collector);
  memset(&count, 0, sizeof count);
  ck_assert_int_eq(ccgc_collector_walk(r.w.collector, &callbacks), CCGC_OK);
  ck_assert_uint_eq(count.dom_objects, (size_t)rooted);
  ck_assert_uint_eq(count.dom_bytes, payload);
  for (int i = 0; i < 500; i++) blinkish_alloc(r.w.heap, r.raw, 24);
  memset(&count, 0, sizeof count);
  ck_assert_int_eq(ccgc_collector_walk(r.w.collector, &callbacks), CCGC_OK);
  ck_assert_uint_eq(count.dom_objects, (size_t)rooted + 500);
  ck_assert_uint_eq(dom_stats(&r.w).object_count, (size_t)rooted + 500);
  for (int i = 0; i < rooted; i++) blinkish_persistent_free(r.w.heap, roots[i]);
  dom_world_free(&r.w);
}
END_TEST

START_TEST(used_bytes_follow_allocation_and_sweeping) {
  raw_world r;
  raw_init(&r);
  ck_assert_uint_eq(dom_stats(&r.w).used_bytes, 0);
  void *a = blinkish_alloc(r.w.heap, r.raw, 100); /* 8 + 100 -> 112 */
  blinkish_alloc(r.w.heap, r.raw, 8);             /* 16 */
  ck_assert_uint_eq(dom_stats(&r.w).used_bytes, 112 + 16);
  blinkish_persistent *root = blinkish_persistent_new(r.w.heap, a, false);
  ccgc_test_collect_verified(r.w.collector);
  ck_assert_uint_eq(dom_stats(&r.w).used_bytes, 112);
  ck_assert_uint_eq(dom_stats(&r.w).object_count, 1);
  blinkish_persistent_free(r.w.heap, root);
  ccgc_test_collect_verified(r.w.collector);
  ccgc_heap_stats stats = dom_stats(&r.w);
  ck_assert_uint_eq(stats.used_bytes, 0);
  ck_assert_uint_eq(stats.page_count, 0); /* empty pages go back */
  ck_assert_uint_eq(stats.committed_bytes, 0);
  dom_world_free(&r.w);
}
END_TEST

static bool all_bytes(const uint8_t *p, size_t size, uint8_t value) {
  for (size_t i = 0; i < size; i++)
    if (p[i] != value) return false;
  return true;
}

START_TEST(mixed_sizes_survive_many_cycles_intact) {
  /* A churn of sizes, with survivors checked by content after every cycle:
   * free-list splitting and coalescing never hand out live memory. */
  raw_world r;
  raw_init(&r);
  enum { LIVE = 512 };
  static uint8_t *live[LIVE];
  static size_t sizes[LIVE];
  blinkish_persistent *roots[LIVE];
  unsigned seed = 12345;
  for (int i = 0; i < LIVE; i++) roots[i] = blinkish_persistent_new(r.w.heap, NULL, false);
  for (int cycle = 0; cycle < 30; cycle++) {
    for (int i = 0; i < 4000; i++) {
      seed = seed * 1103515245u + 12345u;
      size_t size = 8 + (seed >> 8) % 3000;
      uint8_t *p = blinkish_alloc(r.w.heap, r.raw, size);
      ck_assert_ptr_nonnull(p);
      ck_assert_msg(all_bytes(p, size, 0), "reused memory not zeroed");
      memset(p, (int)(size & 0xff), size);
      int slot = (int)((seed >> 4) % LIVE);
      if ((seed & 7) == 0) {
        live[slot] = p;
        sizes[slot] = size;
        blinkish_persistent_set(r.w.heap, roots[slot], p);
      }
    }
    ccgc_test_collect_verified(r.w.collector);
    for (int i = 0; i < LIVE; i++) {
      if (!live[i]) continue;
      ck_assert(blinkish_is_object(r.w.heap, live[i]));
      ck_assert_msg(all_bytes(live[i], sizes[i], (uint8_t)(sizes[i] & 0xff)),
                    "a survivor's bytes changed");
    }
  }
  for (int i = 0; i < LIVE; i++) blinkish_persistent_free(r.w.heap, roots[i]);
  dom_world_free(&r.w);
}
END_TEST

int main(void) {
  Suite *suite = suite_create("blinkish-free-list");
  TCase *tc = tcase_create("core");
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, normal_pages_carry_the_common_header);
  tcase_add_test(tc, only_object_addresses_are_objects);
  tcase_add_test(tc, consecutive_allocations_bump_through_a_page);
  tcase_add_test(tc, freed_memory_is_reused_and_committed_bytes_stay_flat);
  tcase_add_test(tc, neighbouring_free_cells_coalesce);
  tcase_add_test(tc, at_the_limit_a_deep_run_that_fits_is_found);
  tcase_add_test(tc, reused_memory_comes_back_zeroed);
  tcase_add_test(tc, pages_stay_iterable_through_allocation_and_sweeping);
  tcase_add_test(tc, used_bytes_follow_allocation_and_sweeping);
  tcase_add_test(tc, mixed_sizes_survive_many_cycles_intact);
  suite_add_tcase(suite, tc);
  return ccgc_test_run(suite);
}
