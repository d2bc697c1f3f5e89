/* test-page-pool.c - released normal pages are kept for reuse
 * (marking/page-pool.c, docs/heap-growth.md "The page pool"): the pool
 * holds at most its limit (the heaps' headroom, at least
 * CCGC_PAGE_POOL_PAGES), hands them out zeroed, and a heap's
 * sweep fills it and its next pages come from it; a memory-reducing
 * collection and the collector's teardown give everything back. A page the
 * pool cannot supply is mapped, and populated in full at once when a
 * collection maps it. */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "blinkish.h"
#include "v8ish.h"
#include "ccgc-page.h"
#include "ccgc-test.h"
#include "collector-internal.h"
#include "invariant-check.h"
#include "page-pool.h"

START_TEST(pool_keeps_up_to_its_size_and_hands_out_zeroed_pages) {
  ccgc_page_pool pool;
  ccgc_page_pool_init(&pool);
  ck_assert_ptr_null(ccgc_page_pool_take(&pool));
  void *pages[CCGC_PAGE_POOL_PAGES + 1];
  for (int i = 0; i <= CCGC_PAGE_POOL_PAGES; i++) {
    pages[i] = ccgc_page_memory_map(CCGC_PAGE_SIZE);
    ck_assert_ptr_nonnull(pages[i]);
    memset(pages[i], 0xab, CCGC_PAGE_SIZE); /* a used page */
  }
  for (int i = 0; i < CCGC_PAGE_POOL_PAGES; i++)
    ck_assert(ccgc_page_pool_put(&pool, pages[i]));
  ck_assert(!ccgc_page_pool_put(&pool, pages[CCGC_PAGE_POOL_PAGES])); /* full */
  ccgc_page_memory_unmap(pages[CCGC_PAGE_POOL_PAGES], CCGC_PAGE_SIZE);
  ck_assert_uint_eq(ccgc_page_pool_bytes(&pool),
                    (size_t)CCGC_PAGE_POOL_PAGES * CCGC_PAGE_SIZE);
  unsigned char *page = ccgc_page_pool_take(&pool);
  ck_assert_ptr_nonnull(page);
  for (size_t i = 0; i < CCGC_PAGE_SIZE; i++) ck_assert_uint_eq(page[i], 0);
  ck_assert_uint_eq(pool.reused, 1);
  ck_assert(ccgc_page_pool_put(&pool, page));
  ccgc_page_pool_drain(&pool);
  ck_assert_uint_eq(ccgc_page_pool_bytes(&pool), 0);
  ck_assert_ptr_null(ccgc_page_pool_take(&pool));
  ccgc_page_pool_destroy(&pool);
}
END_TEST

/* The limit follows the heaps' headroom: raised, the pool keeps more than
 * the floor; lowered, the pages above it go back to the OS at once; never
 * below CCGC_PAGE_POOL_PAGES. */
START_TEST(the_limit_follows_the_headroom_above_a_floor) {
  enum { PAGES = CCGC_PAGE_POOL_PAGES * 2 };
  ccgc_page_pool pool;
  ccgc_page_pool_init(&pool);
  ccgc_page_pool_set_limit(&pool, (size_t)PAGES * CCGC_PAGE_SIZE);
  for (int i = 0; i < PAGES; i++) {
    void *page = ccgc_page_memory_map(CCGC_PAGE_SIZE);
    ck_assert_ptr_nonnull(page);
    ck_assert(ccgc_page_pool_put(&pool, page));
  }
  void *extra = ccgc_page_memory_map(CCGC_PAGE_SIZE);
  ck_assert(!ccgc_page_pool_put(&pool, extra)); /* at the limit */
  ccgc_page_memory_unmap(extra, CCGC_PAGE_SIZE);
  ck_assert_uint_eq(ccgc_page_pool_bytes(&pool), (size_t)PAGES * CCGC_PAGE_SIZE);
  ccgc_page_pool_set_limit(&pool, 3 * CCGC_PAGE_SIZE); /* below the floor */
  ck_assert_uint_eq(ccgc_page_pool_bytes(&pool),
                    (size_t)CCGC_PAGE_POOL_PAGES * CCGC_PAGE_SIZE);
  /* Every page left is still handed out, zeroed. */
  for (int i = 0; i < CCGC_PAGE_POOL_PAGES; i++) {
    unsigned char *page = ccgc_page_pool_take(&pool);
    ck_assert_ptr_nonnull(page);
    ck_assert_uint_eq(page[0], 0);
    ck_assert_uint_eq(page[CCGC_PAGE_SIZE - 1], 0);
    ccgc_page_memory_unmap(page, CCGC_PAGE_SIZE);
  }
  ck_assert_ptr_null(ccgc_page_pool_take(&pool));
  ccgc_page_pool_destroy(&pool);
}
END_TEST

static void trace_nothing(ccgc_visitor *visitor, void *object) {
  (void)visitor;
  (void)object;
}

/* Allocates about bytes of unreachable objects. */
static void garbage(blinkish_heap *heap, blinkish_type_id type, size_t bytes) {
  for (size_t done = 0; done < bytes; done += 256)
    ck_assert_ptr_nonnull(blinkish_alloc(heap, type, 240));
}

/* A stray write into a pooled page (a host's dangling pointer) must not
 * make the pool hand out an arbitrary address: it forgets its pages and the
 * caller maps fresh memory. Release builds only (debug builds keep pooled
 * pages inaccessible: the stray write faults there). */
START_TEST(a_corrupted_link_empties_the_pool_instead_of_handing_it_out) {
  if (CCGC_DEBUG_ENABLED) return;
  ccgc_page_pool pool;
  ccgc_page_pool_init(&pool);
  void *first = ccgc_page_memory_map(CCGC_PAGE_SIZE);
  void *second = ccgc_page_memory_map(CCGC_PAGE_SIZE);
  ck_assert(ccgc_page_pool_put(&pool, first));
  ck_assert(ccgc_page_pool_put(&pool, second));
  /* The stray write: the last word of the top page, its link. */
  ((void **)second)[CCGC_PAGE_SIZE / sizeof(void *) - 1] = (char *)first + 24;
  ck_assert_ptr_null(ccgc_page_pool_take(&pool));
  ck_assert_uint_eq(ccgc_page_pool_bytes(&pool), 0);
  /* A header overwritten: not handed out either. */
  unsigned char *page = second;
  ck_assert(ccgc_page_pool_put(&pool, page));
  memset(page, 0x5a, 64);
  ck_assert_ptr_null(ccgc_page_pool_take(&pool));
  ccgc_page_memory_unmap(first, CCGC_PAGE_SIZE);
  ccgc_page_memory_unmap(second, CCGC_PAGE_SIZE);
  ccgc_page_pool_destroy(&pool);
}
END_TEST

/* A DOM heap with a soft limit of 64 MiB, and its type of raw objects. */
static blinkish_heap *roomy_heap(ccgc_collector *collector,
                                 blinkish_type_id *type) {
  blinkish_heap *heap = blinkish_heap_new(
      collector, &(blinkish_heap_options){.soft_limit_bytes = (size_t)64 << 20});
  ck_assert_ptr_nonnull(heap);
  blinkish_type_info info = {"Raw", trace_nothing, NULL, 0};
  *type = blinkish_register_type(heap, &info);
  return heap;
}

/* A heap whose soft limit leaves room keeps more than the floor of the
 * pages its sweep emptied: the next allocations refill it from the pool. */
START_TEST(a_heap_with_headroom_pools_more_than_the_floor) {
  ccgc_collector *collector = ccgc_collector_new(&(ccgc_collector_options){.verify = true});
  blinkish_type_id type;
  blinkish_heap *heap = roomy_heap(collector, &type);
  ck_assert_int_eq(ccgc_collect(collector, CCGC_REASON_TESTING), CCGC_OK);
  garbage(heap, type, (size_t)24 << 20); /* 96 pages, all dead */
  ck_assert_int_eq(ccgc_collect(collector, CCGC_REASON_TESTING), CCGC_OK);
  ck_assert_uint_gt(ccgc_collector_pooled_bytes(collector),
                    (size_t)CCGC_PAGE_POOL_PAGES * CCGC_PAGE_SIZE);
  ck_assert_uint_eq(ccgc_collector_pooled_bytes(collector),
                    ccgc_page_pool_bytes(&collector->page_pool));
  blinkish_heap_free(heap);
  ccgc_collector_free(collector);
  ck_assert_uint_eq(ccgc_collector_pooled_bytes(NULL), 0);
}
END_TEST

/* The heap id the collector gave heap. */
static int heap_id_of(ccgc_collector *collector, void *heap) {
  for (int id = 0; id < CCGC_MAX_HEAPS; id++)
    if (collector->heaps[id].base == heap) return id;
  ck_abort_msg("heap not attached");
  return -1;
}

/* Before its first sweep a heap may commit up to its soft limit: the pool
 * keeps that much of what it releases meanwhile (a nursery's trims). */
START_TEST(a_new_heap_pools_up_to_its_soft_limit) {
  ccgc_collector *collector = ccgc_collector_new(NULL);
  ck_assert_uint_eq(collector->page_pool.limit, CCGC_PAGE_POOL_PAGES);
  blinkish_heap *heap = blinkish_heap_new(
      collector, &(blinkish_heap_options){.soft_limit_bytes = (size_t)64 << 20});
  ck_assert_uint_eq(collector->page_pool.limit, ((size_t)64 << 20) / CCGC_PAGE_SIZE);
  blinkish_heap_free(heap);
  ck_assert_uint_eq(collector->page_pool.limit, CCGC_PAGE_POOL_PAGES);
  ccgc_collector_free(collector);
}
END_TEST

/* While a heap sweeps, the pool keeps what the sweep empties up to the
 * heap's soft limit, whatever headroom the last sweep left (none here): the
 * heap grows back to its soft limit before its next collection. */
START_TEST(a_sweep_pools_up_to_the_soft_limit_whatever_the_last_headroom) {
  ccgc_collector *collector = ccgc_collector_new(&(ccgc_collector_options){.verify = true});
  blinkish_type_id type;
  blinkish_heap *heap = roomy_heap(collector, &type);
  garbage(heap, type, (size_t)24 << 20); /* 96 pages, all dead */
  ccgc_collector_set_headroom(collector, heap_id_of(collector, heap), 0);
  ck_assert_uint_eq(collector->page_pool.limit, CCGC_PAGE_POOL_PAGES);
  ck_assert_int_eq(ccgc_collect(collector, CCGC_REASON_TESTING), CCGC_OK);
  ck_assert_uint_ge(ccgc_collector_pooled_bytes(collector), (size_t)80 * CCGC_PAGE_SIZE);
  blinkish_heap_free(heap);
  ccgc_collector_free(collector);
}
END_TEST

START_TEST(a_sweep_fills_the_pool_and_the_next_pages_come_from_it) {
  ccgc_collector *collector = ccgc_collector_new(&(ccgc_collector_options){.verify = true});
  ccgc_test_errors errors;
  ccgc_test_capture_errors(collector, &errors);
  blinkish_heap *heap = blinkish_heap_new(collector, NULL);
  blinkish_type_info info = {"Raw", trace_nothing, NULL, 0};
  blinkish_type_id type = blinkish_register_type(heap, &info);
  garbage(heap, type, (size_t)4 << 20); /* 16 pages, all dead */
  ccgc_heap_stats before, after;
  blinkish_heap_stats(heap, &before);
  ck_assert_int_eq(ccgc_collect(collector, CCGC_REASON_TESTING), CCGC_OK);
  blinkish_heap_stats(heap, &after);
  /* The emptied pages left the heap for the pool, not for the OS. */
  ck_assert_uint_lt(after.committed_bytes, before.committed_bytes);
  size_t pooled = ccgc_page_pool_bytes(&collector->page_pool);
  ck_assert_uint_ge(pooled, before.committed_bytes - after.committed_bytes -
                                 CCGC_PAGE_SIZE);
  ck_assert_uint_gt(pooled, 0);
  /* The heap grows again from the pool. */
  size_t reused = collector->page_pool.reused;
  garbage(heap, type, (size_t)2 << 20);
  ck_assert_uint_gt(collector->page_pool.reused, reused);
  ck_assert_uint_lt(ccgc_page_pool_bytes(&collector->page_pool), pooled);
  /* A memory-reducing collection gives the pool back to the OS, even one
   * that releases no page itself. */
  ck_assert_uint_gt(ccgc_page_pool_bytes(&collector->page_pool), 0);
  ck_assert_int_eq(ccgc_collect(collector, CCGC_REASON_TESTING), CCGC_OK);
  ck_assert_int_eq(ccgc_collect(collector, CCGC_REASON_MEMORY_PRESSURE), CCGC_OK);
  ck_assert_uint_eq(ccgc_page_pool_bytes(&collector->page_pool), 0);
  ck_assert_uint_eq(errors.count, 0);
  blinkish_heap_free(heap);
  ccgc_collector_free(collector);
}
END_TEST

/* Whether this kernel populates on request (MADV_POPULATE_WRITE, Linux
 * 5.14): an older one refuses the advice and the pages fault in later, so
 * the next test has nothing to check there. */
static bool kernel_populates(void) {
  size_t size = (size_t)sysconf(_SC_PAGESIZE);
  void *probe = mmap(NULL, size, PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  ck_assert_ptr_ne(probe, MAP_FAILED);
  bool ok = madvise(probe, size, 23 /* MADV_POPULATE_WRITE */) == 0 ||
            errno != EINVAL;
  munmap(probe, size);
  return ok;
}

/* Whether the kernel backs anonymous memory with huge pages unasked. */
static bool huge_pages_always(void) {
  FILE *f = fopen("/sys/kernel/mm/transparent_hugepage/enabled", "r");
  if (!f) return false;
  char line[128] = {0};
  bool always = fgets(line, sizeof line, f) && strstr(line, "[always]");
  fclose(f);
  return always;
}

/* How many of the 4 KiB pages of the 256 KiB page at page are resident. */
static size_t resident_pages(const void *page) {
  size_t os_page = (size_t)sysconf(_SC_PAGESIZE);
  size_t count = CCGC_PAGE_SIZE / os_page;
  unsigned char resident[CCGC_PAGE_SIZE / 4096];
  ck_assert_uint_le(count, sizeof resident);
  ck_assert_int_eq(mincore((void *)page, CCGC_PAGE_SIZE, resident), 0);
  size_t in = 0;
  for (size_t i = 0; i < count; i++) in += resident[i] & 1;
  return in;
}

/* A fresh page mapped inside a collection - here the old-space pages a
 * scavenge promotes into - or for the nursery is resident in full when the
 * heap gets it, not
 * 4 KiB at a time as the pause writes it (a fault each); a page the
 * mutator maps (a DOM page for one small object) is only as resident as it
 * is used. */
START_TEST(pages_mapped_in_a_collection_are_populated_in_full) {
  if (!kernel_populates()) return;
  ccgc_collector *collector = ccgc_collector_new(NULL);
  ck_assert_uint_eq(ccgc_page_pool_bytes(&collector->page_pool), 0);
  blinkish_heap *dom = blinkish_heap_new(collector, NULL);
  blinkish_type_info info = {"Raw", trace_nothing, NULL, 0};
  blinkish_type_id type = blinkish_register_type(dom, &info);
  void *object = blinkish_alloc(dom, type, 16);
  ck_assert_ptr_nonnull(object);
  /* (With transparent huge pages always on, a huge page may cover it.) */
  if (!huge_pages_always())
    ck_assert_uint_lt(resident_pages(ccgc_page_of(object)),
                      CCGC_PAGE_SIZE / (size_t)sysconf(_SC_PAGESIZE));

  enum { CELLS = 4096, CELL_ELEMENTS = 30 }; /* 256 bytes each: 4 pages */
  v8ish_heap_options options = {.young_min_bytes = (size_t)4 << 20,
                                .young_max_bytes = (size_t)4 << 20};
  v8ish_heap *script = v8ish_heap_new(collector, &options);
  v8ish_handle_scope scope;
  v8ish_handle_scope_open(script, &scope);
  v8ish_local cells = v8ish_fixed_array_new(script, CELLS);
  ck_assert(!v8ish_local_is_empty(cells));
  /* A nursery page is populated when mapped, outside the pause: the
   * scavenge copies into it. The array's 32 KiB alone would be 8 pages. */
  const ccgc_page *nursery = ccgc_page_of(v8ish_object_address(script, cells));
  ck_assert(nursery->flags & CCGC_PAGE_YOUNG);
  ck_assert_uint_eq(resident_pages(nursery),
                    CCGC_PAGE_SIZE / (size_t)sysconf(_SC_PAGESIZE));
  v8ish_global keep = v8ish_global_new(script, cells, false);
  for (size_t i = 0; i < CELLS; i++) {
    v8ish_handle_scope inner;
    v8ish_handle_scope_open(script, &inner);
    v8ish_local cell = v8ish_fixed_array_new(script, CELL_ELEMENTS);
    ck_assert(!v8ish_local_is_empty(cell));
    ck_assert_int_eq(v8ish_array_set(script, cells, i, cell), CCGC_OK);
    v8ish_handle_scope_close(&inner);
  }
  v8ish_handle_scope_close(&scope);
  /* The first scavenge copies them, the second promotes them. */
  for (int i = 0; i < 2; i++)
    ck_assert_int_eq(ccgc_collect_minor(collector, CCGC_REASON_TESTING),
                     CCGC_OK);
  v8ish_handle_scope_open(script, &scope);
  cells = v8ish_global_get(script, keep);
  const void *pages[CELLS];
  size_t page_count = 0, full = 0;
  for (size_t i = 0; i < CELLS; i++) {
    v8ish_handle_scope inner;
    v8ish_handle_scope_open(script, &inner);
    void *address = v8ish_object_address(script, v8ish_array_get(script, cells, i));
    ck_assert_ptr_nonnull(address);
    const ccgc_page *page = ccgc_page_of(address);
    ck_assert_msg(!(page->flags & CCGC_PAGE_YOUNG), "cell %zu not promoted", i);
    if (!page_count || pages[page_count - 1] != page) pages[page_count++] = page;
    v8ish_handle_scope_close(&inner);
  }
  v8ish_handle_scope_close(&scope);
  /* The first page may be old space's from before (mapped by the mutator
   * for the heap's own objects, promoted into where it had room); the
   * others were mapped in the pause, the last of them filled only in part
   * (the cells take 4.2 pages): written 4 KiB by 4 KiB, it would be
   * resident only that far. */
  ck_assert_uint_ge(page_count, 4);
  for (size_t i = 1; i < page_count; i++)
    full += resident_pages(pages[i]) ==
            CCGC_PAGE_SIZE / (size_t)sysconf(_SC_PAGESIZE);
  ck_assert_uint_eq(full, page_count - 1);
  v8ish_global_free(script, keep);
  v8ish_heap_free(script);
  blinkish_heap_free(dom);
  ccgc_collector_free(collector);
}
END_TEST

int main(void) {
  Suite *suite = suite_create("page-pool");
  TCase *tc = tcase_create("core");
  tcase_add_test(tc, pool_keeps_up_to_its_size_and_hands_out_zeroed_pages);
  tcase_add_test(tc, a_sweep_fills_the_pool_and_the_next_pages_come_from_it);
  tcase_add_test(tc, the_limit_follows_the_headroom_above_a_floor);
  tcase_add_test(tc, a_corrupted_link_empties_the_pool_instead_of_handing_it_out);
  tcase_add_test(tc, a_heap_with_headroom_pools_more_than_the_floor);
  tcase_add_test(tc, a_new_heap_pools_up_to_its_soft_limit);
  tcase_add_test(tc, a_sweep_pools_up_to_the_soft_limit_whatever_the_last_headroom);
  tcase_add_test(tc, pages_mapped_in_a_collection_are_populated_in_full);
  suite_add_tcase(suite, tc);
  return ccgc_test_run(suite);
}
