/* page-space.c - the pages of one heap: mapping under its hard limit,
 * listing, accounting, release (page-space.h). */
#include "page-space.h"

#include <string.h>

#include "collector-internal.h"
#include "heap-base.h"
#include "invariant-check.h"
#include "remembered-set.h"

_Static_assert(sizeof(ccgc_space_page) <= CCGC_SPACE_HEADER_BYTES,
               "the page header fits");

void ccgc_page_space_init(ccgc_page_space *space, struct ccgc_heap_base *heap) {
  memset(space, 0, sizeof *space);
  space->heap = heap;
}

size_t ccgc_page_space_reservation(size_t object_bytes, bool large) {
  if (!large) return CCGC_PAGE_SIZE;
  return (CCGC_SPACE_HEADER_BYTES + object_bytes + CCGC_PAGE_SIZE - 1) &
         ~(CCGC_PAGE_SIZE - 1);
}

static ccgc_space_page **list_of(ccgc_page_space *space, uint16_t flags) {
  if (flags & CCGC_PAGE_LARGE) return &space->large_pages;
  return (flags & CCGC_PAGE_YOUNG) ? &space->young_pages : &space->pages;
}

static ccgc_space_page *map_page(ccgc_page_space *space, size_t object_bytes,
                                 bool large, bool young, ccgc_status *why) {
  ccgc_heap_base *heap = space->heap;
  size_t reservation = ccgc_page_space_reservation(object_bytes, large);
  /* The hard limit on committed bytes, compared without overflow: at the
   * limit the allocation fails with the heap unchanged
   * (.inv.no-gc-in-allocation). */
  size_t limit = heap->options.limit_bytes;
  if (limit && (reservation > limit ||
                space->committed_bytes > limit - reservation)) {
    *why = CCGC_E_HEAP_LIMIT;
    return NULL;
  }
  ccgc_space_page *page = (ccgc_space_page *)ccgc_page_create(
      heap->collector, heap->heap_id, heap, reservation, large,
      CCGC_SPACE_HEADER_BYTES, young);
  if (!page) {
    *why = CCGC_E_OUT_OF_MEMORY;
    return NULL;
  }
  if (young) page->page.flags |= CCGC_PAGE_YOUNG;
  page->page.remembered_pages = &space->remembered;
  page->page.remembered_index = 0;
  ccgc_space_page **list = list_of(space, page->page.flags);
  page->prev = NULL;
  page->next = *list;
  if (*list) (*list)->prev = page;
  *list = page;
  if (large)
    space->large_page_count++;
  else if (young)
    space->young_page_count++;
  else
    space->normal_page_count++;
  space->committed_bytes += reservation;
  if (young) space->young_committed_bytes += reservation;
  return page;
}

ccgc_space_page *ccgc_page_space_map(ccgc_page_space *space,
                                     size_t object_bytes, bool large,
                                     ccgc_status *why) {
  return map_page(space, object_bytes, large, false, why);
}

ccgc_space_page *ccgc_page_space_map_young(ccgc_page_space *space,
                                           size_t object_bytes, bool large,
                                           ccgc_status *why) {
  /* A nursery page is written first by a scavenge's copies, in the pause,
   * or by the allocator: ccgc_page_create faults it in here, outside the
   * pause, at a fraction of the cost of a fault per 4 KiB (a scavenge that
   * copied into fresh pages spent most of its time in faults). */
  return map_page(space, object_bytes, large, true, why);
}

void ccgc_page_space_promote_page(ccgc_page_space *space,
                                  ccgc_space_page *page) {
  if (!(page->page.flags & CCGC_PAGE_YOUNG)) return;
  if (page->page.flags & CCGC_PAGE_LARGE) {
    ccgc_page_space_promote_large(space, page);
    return;
  }
  if (page->prev)
    page->prev->next = page->next;
  else
    space->young_pages = page->next;
  if (page->next) page->next->prev = page->prev;
  page->page.flags &= (uint16_t)~CCGC_PAGE_YOUNG;
  page->prev = NULL;
  page->next = space->pages;
  if (space->pages) space->pages->prev = page;
  space->pages = page;
  space->young_page_count--;
  space->normal_page_count++;
  space->young_committed_bytes -= page->page.reservation;
}

void ccgc_page_space_promote_large(ccgc_page_space *space,
                                   ccgc_space_page *page) {
  if (!(page->page.flags & CCGC_PAGE_YOUNG)) return;
  page->page.flags &= (uint16_t)~CCGC_PAGE_YOUNG;
  space->young_committed_bytes -= page->page.reservation;
}

void ccgc_page_space_release(ccgc_page_space *space, ccgc_space_page *page) {
  __atomic_store_n(&space->checked_page, NULL, __ATOMIC_RELAXED);
  bool large = page->page.flags & CCGC_PAGE_LARGE;
  bool young = page->page.flags & CCGC_PAGE_YOUNG;
  if (page->prev)
    page->prev->next = page->next;
  else
    *list_of(space, page->page.flags) = page->next;
  if (page->next) page->next->prev = page->prev;
  space->committed_bytes -= page->page.reservation;
  if (young) space->young_committed_bytes -= page->page.reservation;
  if (large)
    space->large_page_count--;
  else if (young)
    space->young_page_count--;
  else
    space->normal_page_count--;
  ccgc_slot_set_free(&page->page);
  ccgc_old_to_old_free(&page->page);
  ccgc_page_destroy(space->heap->collector, &page->page);
}

void ccgc_page_space_release_all(ccgc_page_space *space) {
  while (space->pages) ccgc_page_space_release(space, space->pages);
  while (space->young_pages) ccgc_page_space_release(space, space->young_pages);
  while (space->large_pages) ccgc_page_space_release(space, space->large_pages);
  ccgc_remembered_pages_destroy(&space->remembered);
}

static void clear_list(ccgc_space_page *page, uint32_t clean) {
  for (; page; page = page->next) {
    if (clean && page->page.clear_stamp == clean) {
      CCGC_CHECK_DEBUG(ccgc_page_marks_clear(&page->page),
                       ".inv.marks-clear-after-sweep");
      continue;
    }
    ccgc_page_clear_marks(&page->page);
  }
}

void ccgc_page_space_clear_marks(ccgc_page_space *space) {
  /* Pages a sweeper thread cleared after the last sweep, or mapped since
   * while nothing marked, are white (sweeping.h,
   * .inv.marks-clear-after-sweep); young large pages and pages promoted
   * from the young generation were not in that clearing. */
  const ccgc_sweeper *sweeper = &space->heap->collector->sweeper;
  uint32_t clean = sweeper->marks_clear ? sweeper->clear_epoch : 0;
  clear_list(space->pages, clean);
  clear_list(space->large_pages, clean);
}
