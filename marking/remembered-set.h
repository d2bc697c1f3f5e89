/* remembered-set.h - per-page slot sets: the old-to-young slots the write
 * barrier records for minor collections (docs/write-barrier.md,
 * .inv.old-to-young-recorded), and the old-to-old slots recorded during a
 * marking cycle that has evacuation candidates (docs/compaction.md,
 * .inv.compaction-slots-recorded). Internal to the library.
 *
 * A page's slot set is a bitmap with one bit per 8-byte word of the page
 * (its whole reservation, large pages included), allocated on the first
 * record. If that allocation fails the page is marked "every slot": a minor
 * collection then visits every object of the page as a root instead of the
 * recorded slots (never a lost record, never a crash).
 *
 *   ccgc_slot_set_record(page, slot);      barrier: holder old, value young
 *   ccgc_slot_set_record_atomic(page, slot);  the same from racing threads
 *                                          (a parallel scavenge)
 *   ccgc_slot_set_each(page, fn, data);    minor collection: fn(slot, data)
 *                                          returns whether to keep the bit
 *   ccgc_slot_set_clear_range(page, start, end);  memory freed or reused
 *   ccgc_slot_set_free(page);              page released
 *
 * The old-to-old set (page->old_to_old) uses the same bitmap code; every
 * record is atomic (the owner and marker threads record at once):
 *   ccgc_old_to_old_record(page, slot);    slot may point into a candidate
 *   ccgc_old_to_old_each / _clear_range / _is_all / _free   as above
 */
#ifndef CCGC_REMEMBERED_SET_H
#define CCGC_REMEMBERED_SET_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ccgc-page.h"

/* The pages of one space that have a slot set, in no order (a heap's page
 * space keeps one; each page points at its space's): a minor collection
 * walks these instead of reading every page header, each a cache and TLB
 * miss (0.2 ms per scavenge with 200 MiB of old pages). A page is listed
 * when its set is made (by the owner's barrier, or by a parallel scavenge's
 * threads: the lock) and leaves when its set is freed. If the array cannot
 * grow, overflow is set and the list is incomplete: the collection then
 * walks every page and rebuilds it (ccgc_remembered_pages_rebuild). */
typedef struct ccgc_remembered_pages {
  ccgc_page **pages;
  size_t count, capacity;
  atomic_flag lock;
  bool overflow;
} ccgc_remembered_pages;

typedef struct ccgc_slot_set {
  size_t words;     /* bitmap words (64 slots each) */
  size_t recorded;  /* bits set (an upper bound: cleared bits not counted) */
  bool all;         /* the bitmap could not be allocated: every slot */
  uint64_t bits[];  /* words * 64 bits, bit i: the word at page + 8 * i */
} ccgc_slot_set;

/* The slow half of the barrier's generational job: records slot (inside an
 * old page) in its page's set. Called on the owner thread only. */
void ccgc_slot_set_record(ccgc_page *page, const void *slot);
/* ccgc_slot_set_record for the threads of a parallel scavenge, which may
 * record into one page at the same time (promoted objects of two threads on
 * one old page): the set is installed with a compare-and-swap (a loser frees
 * its own), the bit set with an atomic OR. Never concurrent with
 * ccgc_slot_set_each, clear_range or free on that page
 * (.inv.remembered-walk-first). */
void ccgc_slot_set_record_atomic(ccgc_page *page, const void *slot);
/* Calls keep(slot, data) for every recorded slot of page in address order;
 * a false return clears its bit. A page marked "every slot" is not walked
 * here (its heap visits its objects): returns false for it, true otherwise. */
bool ccgc_slot_set_each(ccgc_page *page, bool (*keep)(void **slot, void *data),
                        void *data);
/* Forgets the slots in [start, end): freed memory, a filler, a moved start. */
void ccgc_slot_set_clear_range(ccgc_page *page, const void *start,
                               const void *end);
/* Whether the page has a set, and whether it is an "every slot" set. */
static inline bool ccgc_slot_set_present(const ccgc_page *page) {
  return page->slot_set != NULL;
}
bool ccgc_slot_set_is_all(const ccgc_page *page);
/* Frees the page's set and takes the page off its space's list. */
void ccgc_slot_set_free(ccgc_page *page);
/* Whether no slot is recorded in the page's set (its bits are all clear). */
bool ccgc_slot_set_empty(const ccgc_page *page);

/* The list of a space (never concurrent with a record): starts over empty
 * and complete (the caller then adds every page that has a set), or goes. */
void ccgc_remembered_pages_reset(ccgc_remembered_pages *list);
void ccgc_remembered_pages_add(ccgc_page *page);
void ccgc_remembered_pages_destroy(ccgc_remembered_pages *list);

/* Old-to-old sets (compaction). Record: any thread, never concurrent with
 * each, clear_range or free on that page (the compactor walks them in the
 * atomic pause, markers parked). */
void ccgc_old_to_old_record(ccgc_page *page, const void *slot);
bool ccgc_old_to_old_each(ccgc_page *page,
                          bool (*keep)(void **slot, void *data), void *data);
void ccgc_old_to_old_clear_range(ccgc_page *page, const void *start,
                                 const void *end);
bool ccgc_old_to_old_is_all(const ccgc_page *page);
void ccgc_old_to_old_free(ccgc_page *page);

#endif /* CCGC_REMEMBERED_SET_H */
