/* page-memory.c - CCGC_PAGE_SIZE-aligned page memory from the OS
 * (.inv.page-aligned), and aligned mappings in general (the marker's bulk
 * memory uses them too). Maps size + alignment, then trims both ends so the
 * result is aligned. A released normal page goes to the collector's page
 * pool (page-pool.h: inaccessible there in debug builds), anything else
 * back to the OS, so a stale access to a released page faults in debug
 * builds instead of reading reused memory. Also the collector's page
 * registry calls and its page pool's limit (the heaps' headroom). */
#include <glib.h>
#include <stdint.h>
#include <sys/mman.h>

#include <string.h>

#include "ccgc-heap.h"
#include "ccgc-page.h"
#include "collector-internal.h"
#include "heap-base.h"

static size_t round_up_to_page(size_t size) {
  return (size + CCGC_PAGE_SIZE - 1) & ~(CCGC_PAGE_SIZE - 1);
}

void *ccgc_memory_map_aligned(size_t size, size_t alignment) {
  if (size == 0 || size > SIZE_MAX - 2 * alignment) return NULL;
  size_t mapped = size + alignment;
  uint8_t *raw = mmap(NULL, mapped, PROT_READ | PROT_WRITE,
                      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (raw == MAP_FAILED) return NULL;
  uintptr_t start = ((uintptr_t)raw + alignment - 1) & ~(uintptr_t)(alignment - 1);
  size_t head = start - (uintptr_t)raw;
  size_t tail = mapped - head - size;
  if (head) munmap(raw, head);
  if (tail) munmap((uint8_t *)start + size, tail);
  return (void *)start;
}

void *ccgc_page_memory_map(size_t size) {
  if (size == 0 || size > SIZE_MAX - 2 * CCGC_PAGE_SIZE) return NULL;
  return ccgc_memory_map_aligned(round_up_to_page(size), CCGC_PAGE_SIZE);
}

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23 /* Linux 5.14 */
#endif

/* Faults in size bytes at base now, in one system call, instead of one
 * fault per 4 KiB page at first touch (best effort: a kernel without the
 * advice leaves the faults for later). */
static void populate(void *base, size_t size) {
  (void)madvise(base, size, MADV_POPULATE_WRITE);
}

void ccgc_page_memory_unmap(void *base, size_t size) {
  if (!base) return;
  munmap(base, round_up_to_page(size));
}

ccgc_page *ccgc_page_create(ccgc_collector *collector, int heap_id,
                            void *owner, size_t reservation, bool large,
                            size_t marks_offset, bool young) {
  /* A normal page comes from the collector's pool when it has one
   * (page-pool.h: zeroed, like a fresh mapping, so resident). A fresh one
   * that a pause writes first - mapped inside a collection (a scavenge
   * promoting into a new old-space page, a compaction's target), or a
   * nursery page (young) - is populated now: one system call instead of
   * a fault per 4 KiB in the pause. One the mutator maps faults in as it
   * is written and is only as resident as it is used (docs/heap-growth.md
   * "The page pool"). in_collection: the owner's, set before any helper
   * thread of the collection started. */
  bool normal = !large && reservation == CCGC_PAGE_SIZE;
  /* A nursery page's object area is not cleared: the nursery clears each
   * object it hands out (.inv.lab-zeroed), and the scavenger writes every
   * byte below a to-space page's top. */
  size_t zero_bytes =
      young ? marks_offset + CCGC_MARK_TABLE_BYTES : CCGC_PAGE_SIZE;
  ccgc_page *page =
      normal ? ccgc_page_pool_take_prefix(&collector->page_pool, zero_bytes)
             : NULL;
  bool stale = page != NULL && zero_bytes < CCGC_PAGE_SIZE;
  if (!page) {
    page = ccgc_page_memory_map(reservation);
    if (!page) return NULL;
    if (normal && (young || collector->in_collection))
      populate(page, reservation);
  }
  page->magic = CCGC_PAGE_MAGIC;
  page->heap_id = (uint16_t)heap_id;
  page->flags = (uint16_t)((large ? CCGC_PAGE_LARGE : 0) |
                           (stale ? CCGC_PAGE_STALE : 0));
  page->reservation = reservation;
  page->owner = owner;
  page->barrier = &collector->barrier;
  /* Listed by its space when it has one (page-space.c). */
  page->remembered_pages = NULL;
  page->remembered_index = 0;
  /* Zero marks (a fresh mapping, or a pooled page zeroed): white as of the
   * last mark clearing, unless marking may write them before the next
   * cycle's prepare (sweeping.h). */
  page->clear_stamp = atomic_load_explicit(&collector->barrier.marking,
                                           memory_order_relaxed)
                          ? 0
                          : collector->sweeper.clear_epoch;
  if (large) {
    page->mark_shift = CCGC_LARGE_MARK_SHIFT; /* every address: index 0 */
    page->marks = &page->large_mark;
  } else {
    page->mark_shift = CCGC_GRANULE_SHIFT;
    page->marks = (_Atomic uint8_t *)((uint8_t *)page + marks_offset);
  }
  if (ccgc_collector_register_page(collector, page) != CCGC_OK) {
    ccgc_page_memory_unmap(page, reservation);
    return NULL;
  }
  return page;
}

void ccgc_page_destroy(ccgc_collector *collector, ccgc_page *page) {
  /* .inv.key-index-in-pause: the marker's key index would point into it. */
  if (page->ephemeron_keys)
    g_error("ccgc: page %p released while the ephemeron key index lives",
            (void *)page);
  /* The mark clearing after the last sweep may hold it (sweeping.h); it
   * holds no young page, so a scavenge's nursery trim does not wait. */
  if (collector->sweeper.clearing && !(page->flags & CCGC_PAGE_YOUNG))
    ccgc_sweeper_finish_clearing(&collector->sweeper);
  ccgc_collector_unregister_page(collector, page);
  page->magic = CCGC_PAGE_DEAD; /* .inv.registered-pages */
  /* A normal page goes to the pool, unless the pool is full or memory is
   * being reduced: then the pool's pages go back to the OS too. */
  if (!(page->flags & CCGC_PAGE_LARGE) && page->reservation == CCGC_PAGE_SIZE) {
    if (ccgc_collector_reducing_memory(collector))
      ccgc_page_pool_drain(&collector->page_pool);
    else if (ccgc_page_pool_put(&collector->page_pool, page))
      return;
  }
  ccgc_page_memory_unmap(page, page->reservation);
}

bool ccgc_page_marks_clear(const ccgc_page *page) {
  if (page->flags & CCGC_PAGE_LARGE)
    return atomic_load_explicit(&page->large_mark, memory_order_relaxed) ==
           CCGC_WHITE;
  /* A word at a time: the table is word-aligned and a whole number of
   * words (ccgc-page.h). */
  const uint64_t *words = (const uint64_t *)(const void *)page->marks;
  uint64_t any = 0;
  for (size_t i = 0; i < CCGC_MARK_TABLE_BYTES / sizeof *words; i++)
    any |= words[i];
  return any == 0;
}

void ccgc_page_clear_marks(ccgc_page *page) {
  if (page->flags & CCGC_PAGE_LARGE)
    atomic_store_explicit(&page->large_mark, CCGC_WHITE, memory_order_relaxed);
  else
    memset((void *)page->marks, 0, CCGC_MARK_TABLE_BYTES);
}

/* --- the collector's pages: its registry and its pool's limit --------- */

/* The pool's limit: the heaps' headrooms summed. */
static void apply_headroom(ccgc_collector *collector) {
  size_t sum = 0;
  for (int id = 0; id < CCGC_MAX_HEAPS; id++) {
    size_t room = collector->pool_headroom[id];
    sum = room > SIZE_MAX - sum ? SIZE_MAX : sum + room;
  }
  ccgc_page_pool_set_limit(&collector->page_pool, sum);
}

void ccgc_collector_set_headroom(ccgc_collector *collector, int heap_id,
                                 size_t bytes) {
  if (heap_id < 0 || heap_id >= CCGC_MAX_HEAPS) return;
  collector->pool_headroom[heap_id] = bytes;
  apply_headroom(collector);
}

size_t ccgc_collector_pooled_bytes(ccgc_collector *collector) {
  if (!ccgc_collector_valid(collector)) return 0;
  return ccgc_page_pool_bytes(&collector->page_pool);
}

ccgc_status ccgc_collector_register_page(ccgc_collector *collector,
                                         ccgc_page *page) {
  if (ccgc_page_registry_add(&collector->registry, page) != 0)
    return ccgc_error_set(&collector->errors, CCGC_E_OUT_OF_MEMORY,
                          "ccgc_collector_register_page: cannot register "
                          "page %p",
                          (void *)page);
  return CCGC_OK;
}

void ccgc_collector_unregister_page(ccgc_collector *collector,
                                    ccgc_page *page) {
  ccgc_page_registry_remove(&collector->registry, page);
}

ccgc_page *ccgc_collector_find_page(const ccgc_collector *collector,
                                    const void *address) {
  return ccgc_page_registry_find(&collector->registry, address);
}

void ccgc_collector_headroom_for_sweeps(ccgc_collector *collector) {
  /* The pages the sweeps empty go to the pool up to the soft limit each
   * heap grows back to before its next collection, not up to the headroom
   * its last sweep left (the floor before the first one: in GCBench the
   * first sweep unmapped 21 MiB that the heap mapped and faulted in again
   * at once). A sweep moves pages from its heap to the pool, and a heap
   * takes pooled pages before it maps any, so committed and pooled bytes
   * stay within what was there at the pause; each sweep's completion sets
   * its heap's headroom again. */
  for (int id = 0; id < collector->heap_count; id++) {
    const ccgc_heap_base *base = collector->heaps[id].base;
    if (base) collector->pool_headroom[id] = base->soft_limit;
  }
  apply_headroom(collector);
}
