/* ephemeron-index.c - pending ephemerons indexed by key address
 * (ephemeron-index.h). */
#include "invariant-check.h"
#include "ephemeron-index.h"

#include <stdlib.h>
#include <string.h>

#define RADIX_BITS 8u
#define RADIX_BUCKETS (1u << RADIX_BITS)
#define RADIX_DIGITS ((64u - CCGC_GRANULE_SHIFT + RADIX_BITS - 1) / RADIX_BITS)

void ccgc_ephemeron_index_init(ccgc_ephemeron_index *index,
                               ccgc_bulk_cache *cache) {
  memset(index, 0, sizeof *index);
  index->cache = cache;
  index->sorted.cache = cache;
}

static inline uint64_t sort_key(const ccgc_ephemeron_pair *pair, uintptr_t low) {
  return ((uintptr_t)pair->key - low) >> CCGC_GRANULE_SHIFT;
}

/* LSD radix sort by key address, 8 bits a pass; a pass whose digit is the
 * same for every pair (the high bits of nearby addresses) is skipped. The
 * histograms of every digit come from one read of the input. Stable, so the
 * values of one key keep the order they were discovered in. */
static void sort_by_key(ccgc_bulk_cache *cache, ccgc_ephemeron_pair *pairs,
                        size_t count) {
  if (count < 2) return;
  uintptr_t low = UINTPTR_MAX, high = 0;
  for (size_t i = 0; i < count; i++) {
    uintptr_t key = (uintptr_t)pairs[i].key;
    if (key < low) low = key;
    if (key > high) high = key;
  }
  uint64_t span = ((uint64_t)(high - low)) >> CCGC_GRANULE_SHIFT;
  unsigned digits = 0;
  while (digits < RADIX_DIGITS && (span >> (digits * RADIX_BITS)) != 0) digits++;
  if (digits == 0) return; /* one key */
  size_t (*counts)[RADIX_BUCKETS] = g_malloc0(sizeof *counts * digits);
  for (size_t i = 0; i < count; i++) {
    uint64_t k = sort_key(&pairs[i], low);
    for (unsigned d = 0; d < digits; d++)
      counts[d][(k >> (d * RADIX_BITS)) & (RADIX_BUCKETS - 1)]++;
  }
  ccgc_ephemeron_pair *from = pairs;
  ccgc_ephemeron_pair *to = ccgc_bulk_alloc(cache, count * sizeof *to);
  ccgc_ephemeron_pair *scratch = to;
  for (unsigned d = 0; d < digits; d++) {
    size_t *count_of = counts[d];
    size_t first = (size_t)(sort_key(&from[0], low) >> (d * RADIX_BITS)) &
                   (RADIX_BUCKETS - 1);
    if (count_of[first] == count) continue; /* every pair has this digit */
    size_t offset = 0;
    for (unsigned b = 0; b < RADIX_BUCKETS; b++) {
      size_t n = count_of[b];
      count_of[b] = offset;
      offset += n;
    }
    for (size_t i = 0; i < count; i++) {
      size_t b = (size_t)(sort_key(&from[i], low) >> (d * RADIX_BITS)) &
                 (RADIX_BUCKETS - 1);
      to[count_of[b]++] = from[i];
    }
    ccgc_ephemeron_pair *swap = from;
    from = to;
    to = swap;
  }
  if (from != pairs) memcpy(pairs, from, count * sizeof *pairs);
  ccgc_bulk_free(cache, scratch, count * sizeof *scratch);
  g_free(counts);
}

static size_t words_of(const ccgc_page *page) {
  return page->mark_shift == CCGC_LARGE_MARK_SHIFT
             ? 1
             : (CCGC_PAGE_GRANULES + 63) / 64;
}

void ccgc_ephemeron_index_build(ccgc_ephemeron_index *index,
                                ccgc_pair_buffer *buffer) {
  CCGC_CHECK(index->sorted.len == 0 && index->pages == NULL,
             ".inv.key-index-in-pause"); /* built once per pause */
  size_t count = buffer->len;
  CCGC_CHECK(count < UINT32_MAX, ".inv.key-index-ranks");
  index->sorted = *buffer;
  index->sorted.cache = index->cache;
  *buffer = (ccgc_pair_buffer){NULL, 0, 0, buffer->cache};
  ccgc_ephemeron_pair *pairs = index->sorted.pairs;
  sort_by_key(index->cache, pairs, count);
  index->pending_values = count;
  index->starts_bytes = (count + 1) * sizeof *index->starts;
  index->starts = ccgc_bulk_alloc(index->cache, index->starts_bytes);
  index->pages = g_ptr_array_new();
  size_t keys = 0;
  ccgc_page *page = NULL;
  ccgc_ephemeron_word *words = NULL;
  for (size_t i = 0; i < count; i++) {
    void *key = pairs[i].key;
    if (i > 0 && key == pairs[i - 1].key) continue;
    index->starts[keys] = (uint32_t)i;
    if (ccgc_page_of(key) != page) { /* sorted: a page's keys are adjacent */
      page = ccgc_page_of(key);
      words = g_new0(ccgc_ephemeron_word, words_of(page));
      page->ephemeron_keys = words;
      g_ptr_array_add(index->pages, page);
    }
    size_t granule = ((uintptr_t)key - (uintptr_t)page) >> page->mark_shift;
    ccgc_ephemeron_word *word = &words[granule >> 6];
    if (!word->bits) word->rank = (uint32_t)keys; /* the word's lowest key */
    word->bits |= (uint64_t)1 << (granule & 63);
    keys++;
  }
  index->starts[keys] = (uint32_t)count;
  index->key_count = keys;
}

size_t ccgc_ephemeron_index_release_at(ccgc_ephemeron_index *index, size_t rank,
                                       const void *object,
                                       ccgc_ephemeron_release_fn release,
                                       void *data) {
  size_t first = index->starts[rank], end = index->starts[rank + 1];
  /* Not this object (another one in the same granule cannot exist:
   * .inv.one-mark-per-object), or released already. */
  if (index->sorted.pairs[first].key != object) return 0;
  index->sorted.pairs[first].key = NULL;
  for (size_t i = first; i < end; i++) release(index->sorted.pairs[i].value, data);
  index->pending_values -= end - first;
  return end - first;
}

size_t ccgc_ephemeron_index_release_marked(ccgc_ephemeron_index *index,
                                           ccgc_ephemeron_release_fn release,
                                           void *data) {
  size_t released = 0;
  for (size_t r = 0; r < index->key_count && index->pending_values; r++) {
    void *key = index->sorted.pairs[index->starts[r]].key;
    if (key && ccgc_is_marked(key))
      released += ccgc_ephemeron_index_release_at(index, r, key, release, data);
  }
  return released;
}

void ccgc_ephemeron_index_collect(const ccgc_ephemeron_index *index,
                                  ccgc_pair_buffer *out) {
  for (size_t r = 0; r < index->key_count; r++) {
    size_t first = index->starts[r], end = index->starts[r + 1];
    if (!index->sorted.pairs[first].key) continue;
    for (size_t i = first; i < end; i++)
      ccgc_pair_buffer_push(out, index->sorted.pairs[i].key,
                            index->sorted.pairs[i].value);
  }
}

void ccgc_ephemeron_index_clear(ccgc_ephemeron_index *index) {
  if (index->pages) {
    for (guint i = 0; i < index->pages->len; i++) {
      ccgc_page *page = g_ptr_array_index(index->pages, i);
      g_free(page->ephemeron_keys);
      page->ephemeron_keys = NULL;
    }
    g_ptr_array_free(index->pages, TRUE);
  }
  ccgc_pair_buffer_free(&index->sorted);
  ccgc_bulk_free(index->cache, index->starts, index->starts_bytes);
  ccgc_ephemeron_index_init(index, index->cache);
}
