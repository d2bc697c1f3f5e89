/* page-space.h - the pages of one heap, kept the same way for every heap
 * (MMTk's CommonSpace): a list of normal pages and a list of large pages,
 * mapping under the heap's hard limit, committed-bytes accounting, release of
 * one page or all, iteration. Internal to the library; each heap has one, in
 * its ccgc_heap_base (heap-base.h), and lays out its own object area.
 *
 *   page (CCGC_PAGE_SIZE aligned)
 *   +------------------------------+--------------------+-------------------+
 *   | ccgc_space_page, then the    | mark table (normal | the heap's tables |
 *   | heap's page fields           | pages only)        | and objects ...   |
 *   | (CCGC_SPACE_HEADER_BYTES)    |                    |                   |
 *   +------------------------------+--------------------+-------------------+
 *   ^ page start                   ^ CCGC_SPACE_HEADER_BYTES
 *                                                       ^ CCGC_SPACE_MARKS_END
 *
 * A large page holds one object, starting at CCGC_SPACE_HEADER_BYTES (so in
 * the page's first CCGC_PAGE_SIZE bytes: .inv.page-aligned); its mark byte is
 * the prefix's large_mark. The space walks and frees only pages: what is on
 * them, free lists and allocation areas are the heap's.
 */
#ifndef CCGC_PAGE_SPACE_H
#define CCGC_PAGE_SPACE_H

#include <stdbool.h>
#include <stddef.h>

#include "ccgc-error.h"
#include "ccgc-page.h"
#include "remembered-set.h"

#define CCGC_SPACE_HEADER_BYTES 256 /* the page header, rounded up */
#define CCGC_SPACE_MARKS_END (CCGC_SPACE_HEADER_BYTES + CCGC_MARK_TABLE_BYTES)

struct ccgc_heap_base;

/* The start of every page of a space; a heap's page struct starts with it. */
typedef struct ccgc_space_page {
  ccgc_page page;                      /* first (.inv.page-aligned) */
  struct ccgc_space_page *next, *prev; /* its list in the space */
} ccgc_space_page;

typedef struct ccgc_page_space {
  struct ccgc_heap_base *heap;  /* owner: collector, heap id, hard limit */
  ccgc_space_page *pages;       /* normal pages, newest first */
  ccgc_space_page *large_pages; /* one object each, newest first */
  /* Normal pages of the young generation (CCGC_PAGE_YOUNG), newest first;
   * young large pages are on large_pages with the flag. */
  ccgc_space_page *young_pages;
  size_t normal_page_count, large_page_count, young_page_count;
  size_t committed_bytes; /* the reservations of every page */
  size_t young_committed_bytes; /* of those, young pages (both lists) */
  /* The heap's own accounting of its objects, kept here for the stats. */
  size_t used_bytes;
  size_t object_count;
  /* The page of this space where the heap's last API check found a
   * live object (blinkish/validation.c): an address on it needs no registry
   * lookup to be known as the space's. Cleared whenever a page of the space
   * is released; relaxed atomics (written by the owner's checks, cleared by
   * whichever thread releases). */
  ccgc_page *checked_page;
  /* The old pages that have a slot set (remembered-set.h): what a minor
   * collection walks for the remembered set. */
  ccgc_remembered_pages remembered;
} ccgc_page_space;

void ccgc_page_space_init(ccgc_page_space *space, struct ccgc_heap_base *heap);

/* Bytes a page for an object of object_bytes takes: CCGC_PAGE_SIZE for a
 * normal page, the header and the object rounded up to CCGC_PAGE_SIZE for a
 * large one. */
size_t ccgc_page_space_reservation(size_t object_bytes, bool large);

/* Maps, registers and lists a page (normal, or large for one object of
 * object_bytes), zero-filled, counted in committed bytes. NULL and *why =
 * CCGC_E_HEAP_LIMIT if the heap's hard limit on committed bytes would be
 * passed, or CCGC_E_OUT_OF_MEMORY if the OS or the registry refused; the
 * space is then unchanged and nothing is recorded (the heap words the error). */
ccgc_space_page *ccgc_page_space_map(ccgc_page_space *space,
                                     size_t object_bytes, bool large,
                                     ccgc_status *why);
/* A normal page for the young generation (CCGC_PAGE_YOUNG, on young_pages),
 * or a large one (on large_pages, with the flag); as ccgc_page_space_map. */
ccgc_space_page *ccgc_page_space_map_young(ccgc_page_space *space,
                                           size_t object_bytes, bool large,
                                           ccgc_status *why);
/* A young normal page becomes an old one where it is (its objects are
 * promoted in place: a full collection empties the nursery so). */
void ccgc_page_space_promote_page(ccgc_page_space *space,
                                  ccgc_space_page *page);
/* A young large page becomes old where it is (promotion in place). */
void ccgc_page_space_promote_large(ccgc_page_space *space,
                                   ccgc_space_page *page);
/* Old bytes committed: the soft limit's measure (heap-base.h). */
static inline size_t ccgc_page_space_old_committed(
    const ccgc_page_space *space) {
  return space->committed_bytes - space->young_committed_bytes;
}
/* Unlists, unregisters and unmaps a page of the space. */
void ccgc_page_space_release(ccgc_page_space *space, ccgc_space_page *page);
/* Releases every page, normal ones first. */
void ccgc_page_space_release_all(ccgc_page_space *space);
/* Clears the mark table of every old and every large page, for a new
 * cycle. Normal young pages are the young generation's to clear: it knows
 * which hold objects (v8ish clears a pool page's table when it takes the
 * page, nursery.c). */
void ccgc_page_space_clear_marks(ccgc_page_space *space);

/* For a heap that keeps segregated free lists of the free blocks on its
 * pages: the list of a block of `bytes`. List i holds blocks of
 * [16 << i, 16 << (i + 1)) bytes, the last of `lists` everything larger. */
static inline unsigned ccgc_free_list_bucket(size_t bytes, unsigned lists) {
  unsigned bucket = 0;
  while (bucket + 1 < lists && ((size_t)16 << (bucket + 1)) <= bytes) bucket++;
  return bucket;
}

/* Iteration over every page: old normal pages, young normal pages, then
 * large pages (old and young), each list newest first:
 *   for (p = ccgc_page_space_first(s); p; p = ccgc_page_space_next(s, p))
 * The current page may not be released during the walk. */
static inline ccgc_space_page *ccgc_page_space_first(
    const ccgc_page_space *space) {
  if (space->pages) return space->pages;
  return space->young_pages ? space->young_pages : space->large_pages;
}
static inline ccgc_space_page *ccgc_page_space_next(
    const ccgc_page_space *space, const ccgc_space_page *page) {
  if (page->next) return page->next;
  if (page->page.flags & CCGC_PAGE_LARGE) return NULL;
  if (!(page->page.flags & CCGC_PAGE_YOUNG) && space->young_pages)
    return space->young_pages;
  return space->large_pages;
}

#endif /* CCGC_PAGE_SPACE_H */
