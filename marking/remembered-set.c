/* remembered-set.c - per-page slot sets (remembered-set.h). */
#include "remembered-set.h"

#include <stdlib.h>
#include <string.h>

/* The "every slot" set of a page whose bitmap could not be allocated: one
 * static object per page would need memory too, so the flag lives in a tiny
 * set of its own, allocated with the page's first record (a few bytes, far
 * likelier to succeed); if even that fails the page header keeps a sentinel. */
static ccgc_slot_set every_slot_sentinel = {0, 0, true};

static ccgc_slot_set *slot_set_new(const ccgc_page *page) {
  size_t words = (page->reservation / 8 + 63) / 64;
  ccgc_slot_set *set = calloc(1, sizeof *set + words * sizeof(uint64_t));
  if (set) {
    set->words = words;
    return set;
  }
  set = calloc(1, sizeof *set);
  if (!set) return &every_slot_sentinel;
  set->all = true;
  return set;
}

/* --- the space's list of pages with a set ---------------------------------- */

static void lock(ccgc_remembered_pages *list) {
  while (atomic_flag_test_and_set_explicit(&list->lock, memory_order_acquire))
    ;
}

static void unlock(ccgc_remembered_pages *list) {
  atomic_flag_clear_explicit(&list->lock, memory_order_release);
}

void ccgc_remembered_pages_add(ccgc_page *page) {
  ccgc_remembered_pages *list = page->remembered_pages;
  if (!list) return;
  lock(list);
  if (page->remembered_index == 0) {
    if (list->count == list->capacity) {
      size_t capacity = list->capacity ? 2 * list->capacity : 64;
      ccgc_page **grown = realloc(list->pages, capacity * sizeof *grown);
      if (grown) {
        list->pages = grown;
        list->capacity = capacity;
      }
    }
    if (list->count < list->capacity) {
      list->pages[list->count++] = page;
      page->remembered_index = (uint32_t)list->count;
    } else {
      list->overflow = true; /* the collection walks every page */
    }
  }
  unlock(list);
}

static void forget_page(ccgc_page *page) {
  ccgc_remembered_pages *list = page->remembered_pages;
  if (!list) return;
  lock(list);
  uint32_t index = page->remembered_index;
  if (index) {
    ccgc_page *last = list->pages[--list->count];
    list->pages[index - 1] = last;
    last->remembered_index = index;
    page->remembered_index = 0;
  }
  unlock(list);
}

void ccgc_remembered_pages_reset(ccgc_remembered_pages *list) {
  for (size_t i = 0; i < list->count; i++) list->pages[i]->remembered_index = 0;
  list->count = 0;
  list->overflow = false;
}

void ccgc_remembered_pages_destroy(ccgc_remembered_pages *list) {
  ccgc_remembered_pages_reset(list);
  free(list->pages);
  list->pages = NULL;
  list->capacity = 0;
}

/* --- slot sets ------------------------------------------------------------------ */

void ccgc_slot_set_record(ccgc_page *page, const void *slot) {
  ccgc_slot_set *set = page->slot_set;
  if (!set) {
    set = page->slot_set = slot_set_new(page);
    ccgc_remembered_pages_add(page);
  }
  if (set->all) return;
  size_t index = ((uintptr_t)slot - (uintptr_t)page) >> 3;
  uint64_t bit = UINT64_C(1) << (index & 63);
  uint64_t *word = &set->bits[index >> 6];
  if (!(*word & bit)) {
    *word |= bit;
    set->recorded++;
  }
}

static void record_atomic(ccgc_page *page, ccgc_slot_set **where,
                          const void *slot, bool listed) {
  ccgc_slot_set *set = __atomic_load_n(where, __ATOMIC_ACQUIRE);
  if (!set) {
    ccgc_slot_set *fresh = slot_set_new(page);
    ccgc_slot_set *expected = NULL;
    /* The release publishes the set's fields (words, all) with it. */
    if (__atomic_compare_exchange_n(where, &expected, fresh, false,
                                    __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
      set = fresh;
      if (listed) ccgc_remembered_pages_add(page);
    } else {
      if (fresh != &every_slot_sentinel) free(fresh);
      set = expected;
    }
  }
  if (set->all) return;
  size_t index = ((uintptr_t)slot - (uintptr_t)page) >> 3;
  uint64_t bit = UINT64_C(1) << (index & 63);
  /* A slot recorded again (a store repeated while marking) costs a load. */
  if (__atomic_load_n(&set->bits[index >> 6], __ATOMIC_RELAXED) & bit) return;
  uint64_t old = __atomic_fetch_or(&set->bits[index >> 6], bit,
                                   __ATOMIC_RELAXED);
  if (!(old & bit)) __atomic_fetch_add(&set->recorded, 1, __ATOMIC_RELAXED);
}

void ccgc_slot_set_record_atomic(ccgc_page *page, const void *slot) {
  record_atomic(page, &page->slot_set, slot, true);
}

void ccgc_old_to_old_record(ccgc_page *page, const void *slot) {
  record_atomic(page, &page->old_to_old, slot, false);
}

bool ccgc_slot_set_is_all(const ccgc_page *page) {
  return page->slot_set && page->slot_set->all;
}

static bool each(ccgc_page *page, ccgc_slot_set *set,
                 bool (*keep)(void **slot, void *data), void *data) {
  if (!set) return true;
  if (set->all) return false;
  size_t kept = 0;
  for (size_t w = 0; w < set->words; w++) {
    uint64_t bits = set->bits[w];
    if (!bits) continue;
    uint64_t keep_bits = bits;
    while (bits) {
      unsigned b = (unsigned)__builtin_ctzll(bits);
      bits &= bits - 1;
      void **slot = (void **)((uint8_t *)page + ((w * 64 + b) << 3));
      if (!keep(slot, data)) keep_bits &= ~(UINT64_C(1) << b);
    }
    set->bits[w] = keep_bits;
    kept += (size_t)__builtin_popcountll(keep_bits);
  }
  set->recorded = kept;
  return true;
}

bool ccgc_slot_set_each(ccgc_page *page, bool (*keep)(void **slot, void *data),
                        void *data) {
  return each(page, page->slot_set, keep, data);
}

bool ccgc_old_to_old_each(ccgc_page *page, bool (*keep)(void **slot, void *data),
                          void *data) {
  return each(page, page->old_to_old, keep, data);
}

static void clear_range(ccgc_page *page, ccgc_slot_set *set, const void *start,
                        const void *end) {
  if (!set || set->all ||
      __atomic_load_n(&set->recorded, __ATOMIC_RELAXED) == 0)
    return;
  size_t from = ((uintptr_t)start - (uintptr_t)page) >> 3;
  size_t to = ((uintptr_t)end - (uintptr_t)page) >> 3;
  if (to > set->words * 64) to = set->words * 64;
  /* Atomic: marker threads may record into an old-to-old set meanwhile. */
  while (from < to && (from & 63)) {
    __atomic_fetch_and(&set->bits[from >> 6], ~(UINT64_C(1) << (from & 63)),
                       __ATOMIC_RELAXED);
    from++;
  }
  while (from + 64 <= to) {
    __atomic_store_n(&set->bits[from >> 6], 0, __ATOMIC_RELAXED);
    from += 64;
  }
  while (from < to) {
    __atomic_fetch_and(&set->bits[from >> 6], ~(UINT64_C(1) << (from & 63)),
                       __ATOMIC_RELAXED);
    from++;
  }
}

void ccgc_slot_set_clear_range(ccgc_page *page, const void *start,
                               const void *end) {
  clear_range(page, page->slot_set, start, end);
}

void ccgc_old_to_old_clear_range(ccgc_page *page, const void *start,
                                 const void *end) {
  clear_range(page, page->old_to_old, start, end);
}

static void free_set(ccgc_slot_set **where) {
  if (*where && *where != &every_slot_sentinel) free(*where);
  *where = NULL;
}

void ccgc_slot_set_free(ccgc_page *page) {
  if (page->slot_set) forget_page(page);
  free_set(&page->slot_set);
}

bool ccgc_slot_set_empty(const ccgc_page *page) {
  const ccgc_slot_set *set = page->slot_set;
  return !set || (!set->all &&
                  __atomic_load_n(&set->recorded, __ATOMIC_RELAXED) == 0);
}

bool ccgc_old_to_old_is_all(const ccgc_page *page) {
  return page->old_to_old && page->old_to_old->all;
}

void ccgc_old_to_old_free(ccgc_page *page) { free_set(&page->old_to_old); }
