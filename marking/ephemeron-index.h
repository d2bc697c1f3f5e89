/* ephemeron-index.h - pending ephemerons indexed by key address.
 *
 * The ephemeron table (ephemeron-table.h) builds this index when rounds stop
 * paying off. It is built once from a batch of pairs and then only shrinks:
 *
 *   pairs   sorted by key address (an LSD radix sort: linear, and each pass
 *           reads and writes memory in order), so the values of a key are
 *           consecutive; starts[r] is the first pair of the r-th distinct
 *           key, and that pair's key is set to NULL once its values are
 *           released.
 *   pages   each page that holds a key gets a bitmap with one bit per mark
 *           granule (the mark table's indexing, so a large page has one
 *           bit), and for each 64-bit word the rank of its first key;
 *           ccgc_page.ephemeron_keys points to it while the index lives.
 *
 * Looking up an object is a load of its page's pointer (NULL on pages without
 * keys), one word, a popcount and one pair: no hashing, no probing. The
 * bitmaps take 1/64 of the key pages' size, so they stay in cache however
 * many keys there are, and the pairs are laid out in address order: a marker
 * that visits objects in roughly the order they were allocated (a chain, a
 * tree built depth-first) walks the index in order too. A hash table that
 * scatters the keys (the index before this one) made every release a cache
 * and TLB miss once the pairs outgrew the caches: `ccgc bench ephemerons`
 * measured 2n/n ratios of 2.5 to 3.5 from n = 100,000 on.
 *
 * The index lives only inside the atomic pause: a round builds it and
 * ccgc_marker_end clears it, before any heap sweeps, so no page it points
 * into is released under it (.inv.key-index-in-pause).
 */
#ifndef CCGC_EPHEMERON_INDEX_H
#define CCGC_EPHEMERON_INDEX_H

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bulk-memory.h"
#include "ccgc-page.h"

typedef struct ccgc_ephemeron_pair {
  void *key;
  void *value;
} ccgc_ephemeron_pair;

/* A growable array of pairs in bulk memory. */
typedef struct ccgc_pair_buffer {
  ccgc_ephemeron_pair *pairs;
  size_t len;
  size_t capacity;
  ccgc_bulk_cache *cache; /* where its memory comes from; may be NULL */
} ccgc_pair_buffer;

static inline void ccgc_pair_buffer_push(ccgc_pair_buffer *buffer, void *key,
                                         void *value) {
  if (buffer->len == buffer->capacity) {
    size_t capacity = buffer->capacity ? buffer->capacity * 2 : 64;
    buffer->pairs = ccgc_bulk_realloc(buffer->cache, buffer->pairs,
                                      buffer->capacity * sizeof *buffer->pairs,
                                      capacity * sizeof *buffer->pairs);
    buffer->capacity = capacity;
  }
  buffer->pairs[buffer->len++] = (ccgc_ephemeron_pair){key, value};
}

static inline void ccgc_pair_buffer_free(ccgc_pair_buffer *buffer) {
  ccgc_bulk_free(buffer->cache, buffer->pairs,
                 buffer->capacity * sizeof *buffer->pairs);
  *buffer = (ccgc_pair_buffer){NULL, 0, 0, buffer->cache};
}

/* One 64-bit word of a page's key bitmap and the rank (index among the
 * distinct keys) of the lowest key in it. */
typedef struct ccgc_ephemeron_word {
  uint64_t bits;
  uint32_t rank;
  uint32_t unused;
} ccgc_ephemeron_word;

typedef struct ccgc_ephemeron_index {
  ccgc_pair_buffer sorted;    /* the pairs, sorted by key              */
  uint32_t *starts;           /* key_count + 1 entries                 */
  size_t starts_bytes;        /* as allocated                          */
  size_t key_count;
  size_t pending_values;      /* values not released yet               */
  GPtrArray *pages;           /* ccgc_page * whose ephemeron_keys we set */
  ccgc_bulk_cache *cache;
} ccgc_ephemeron_index;

typedef void (*ccgc_ephemeron_release_fn)(void *value, void *data);

/* An empty index (no pages touched) whose arrays come from cache (may be
 * NULL). */
void ccgc_ephemeron_index_init(ccgc_ephemeron_index *index,
                               ccgc_bulk_cache *cache);
/* Builds the index from the pairs of buffer, which it takes over (sorting
 * them in place; buffer is left empty); index must be empty. Keys are object
 * addresses of live pages. */
void ccgc_ephemeron_index_build(ccgc_ephemeron_index *index,
                                ccgc_pair_buffer *buffer);
/* Appends the pairs not released yet to out. */
void ccgc_ephemeron_index_collect(const ccgc_ephemeron_index *index,
                                  ccgc_pair_buffer *out);
/* Clears every page's pointer and frees the index; it is empty again. */
void ccgc_ephemeron_index_clear(ccgc_ephemeron_index *index);
/* Releases the values of every key that is marked (keys can turn grey or
 * black without the marker looking them up: marker threads, the barrier).
 * Visits the keys in address order. Returns the values released. */
size_t ccgc_ephemeron_index_release_marked(ccgc_ephemeron_index *index,
                                           ccgc_ephemeron_release_fn release,
                                           void *data);
/* The lookup's slow half: releases the values of the rank-th key if it is
 * object and not released yet. */
size_t ccgc_ephemeron_index_release_at(ccgc_ephemeron_index *index, size_t rank,
                                       const void *object,
                                       ccgc_ephemeron_release_fn release,
                                       void *data);

/* object was just marked: releases the values it keys (once). Returns the
 * number released. */
static inline size_t ccgc_ephemeron_index_key_marked(
    ccgc_ephemeron_index *index, const void *object,
    ccgc_ephemeron_release_fn release, void *data) {
  ccgc_page *page = ccgc_page_of(object);
  const ccgc_ephemeron_word *words = page->ephemeron_keys;
  if (!words) return 0;
  size_t granule = ((uintptr_t)object - (uintptr_t)page) >> page->mark_shift;
  ccgc_ephemeron_word word = words[granule >> 6];
  uint64_t bit = (uint64_t)1 << (granule & 63);
  if (!(word.bits & bit)) return 0;
  size_t rank = word.rank + (size_t)__builtin_popcountll(word.bits & (bit - 1));
  return ccgc_ephemeron_index_release_at(index, rank, object, release, data);
}

#endif /* CCGC_EPHEMERON_INDEX_H */
