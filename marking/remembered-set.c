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

void ccgc_slot_set_record(ccgc_page *page, const void *slot) {
  ccgc_slot_set *set = page->slot_set;
  if (!set) set = page->slot_set = slot_set_new(page);
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
                          const void *slot) {
  ccgc_slot_set *set = __atomic_load_n(where, __ATOMIC_ACQUIRE);
  if (!set) {
    ccgc_slot_set *fresh = slot_set_new(page);
    ccgc_slot_set *expected = NULL;
    /* The release publishes the set's fields (words, all) with it. */
    if (__atomic_compare_exchange_n(where, &expected, fresh, false,
                                    __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
      set = fresh;
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
  record_atomic(page, &page->slot_set, slot);
}

void ccgc_old_to_old_record(ccgc_page *page, const void *slot) {
  record_atomic(page, &page->old_to_old, slot);
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

void ccgc_slot_set_free(ccgc_page *page) { free_set(&page->slot_set); }

bool ccgc_old_to_old_is_all(const ccgc_page *page) {
  return page->old_to_old && page->old_to_old->all;
}

void ccgc_old_to_old_free(ccgc_page *page) { free_set(&page->old_to_old); }
