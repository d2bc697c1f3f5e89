/* object-index.h - every allocated object of every heap, indexed by page,
 * for the verifiers' traversal (object-graph.c), which asks it once per
 * edge whether an address is an allocated object and whether it was
 * reached.
 *
 * An address masks to its page (.inv.page-aligned; a large object starts in
 * its page's first CCGC_PAGE_SIZE). Per page that holds an object a record
 * holds the owner's heap id and, for each 4 KiB of the page that holds an object
 * start, a bitmap of object starts and a bitmap of the objects the
 * traversal reached, one bit per 8-byte word, so an address is an object
 * exactly when it is 8-byte aligned and its bit is set: an interior pointer
 * is refused like a wild one. The records are found through a table of the
 * pages (a few thousand entries at 1 GiB: it stays in the cache), so a
 * lookup is a masking, one probe of a small table and one bit test, where a
 * table of every object's address missed the cache on every probe (half
 * the time of a verified stress run went to that table and its page faults).
 *
 * It is built from the heaps' for_each_object, never from the mark tables:
 * the verifiers compare marking with a view the marker did not make. Owner
 * thread, between or inside collections, not thread-safe. */
#ifndef CCGC_OBJECT_INDEX_H
#define CCGC_OBJECT_INDEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <glib.h>

#include "ccgc-page.h"
#include "pointer-set.h"

typedef struct ccgc_collector ccgc_collector;

#define CCGC_INDEX_WORD_SHIFT 3u   /* one bit per 8-byte word */
#define CCGC_INDEX_CHUNK_SHIFT 12u /* a chunk covers 4 KiB of a page */
#define CCGC_INDEX_CHUNKS (CCGC_PAGE_SIZE >> CCGC_INDEX_CHUNK_SHIFT)
#define CCGC_INDEX_CHUNK_WORDS \
  ((1u << (CCGC_INDEX_CHUNK_SHIFT - CCGC_INDEX_WORD_SHIFT)) / 64)

/* The objects of 4 KiB of a page: bit b of a bitmap is the word at
 * chunk start + 8 b. */
typedef struct ccgc_index_chunk {
  uint64_t starts[CCGC_INDEX_CHUNK_WORDS];  /* allocated objects */
  uint64_t reached[CCGC_INDEX_CHUNK_WORDS]; /* reached by the traversal */
} ccgc_index_chunk;

/* A page: its owner and its chunks that hold an object start (NULL: none;
 * the heaps leave many pages sparse, so chunks are made only where needed). */
typedef struct ccgc_index_page {
  int heap_id;
  ccgc_index_chunk *chunks[CCGC_INDEX_CHUNKS];
} ccgc_index_page;

typedef struct ccgc_object_index {
  ccgc_pointer_map pages; /* page address -> 1 + position in records */
  ccgc_index_page **records;
  size_t page_count, capacity;
  size_t object_count;
  GPtrArray *blocks; /* where records and chunks are carved from */
  uint8_t *cursor, *limit;
} ccgc_object_index;

/* An allocated object found: its page's record, its chunk, its bit. */
typedef struct ccgc_index_slot {
  ccgc_index_page *page;
  ccgc_index_chunk *chunk;
  unsigned bit;
} ccgc_index_slot;

/* Every allocated object of every heap (the heaps' for_each_object), none
 * reached. Free with ccgc_object_index_destroy. */
void ccgc_object_index_init(ccgc_object_index *index,
                            ccgc_collector *collector);
void ccgc_object_index_destroy(ccgc_object_index *index);

/* True (and *slot) if address is the start of an allocated object; false
 * for NULL, wild, interior or free addresses. */
static inline bool ccgc_object_index_find(const ccgc_object_index *index,
                                          const void *address,
                                          ccgc_index_slot *slot) {
  uintptr_t at = (uintptr_t)address;
  if (!at || (at & ((1u << CCGC_INDEX_WORD_SHIFT) - 1))) return false;
  uintptr_t page = at & ~(uintptr_t)(CCGC_PAGE_SIZE - 1);
  uint32_t position;
  if (!ccgc_pointer_map_lookup(&index->pages, (const void *)page, &position))
    return false;
  ccgc_index_page *record = index->records[position - 1];
  uintptr_t offset = at - page;
  ccgc_index_chunk *chunk = record->chunks[offset >> CCGC_INDEX_CHUNK_SHIFT];
  if (!chunk) return false;
  unsigned bit = (unsigned)((offset & ((1u << CCGC_INDEX_CHUNK_SHIFT) - 1)) >>
                            CCGC_INDEX_WORD_SHIFT);
  if (!(chunk->starts[bit / 64] >> (bit % 64) & 1)) return false;
  *slot = (ccgc_index_slot){record, chunk, bit};
  return true;
}

static inline bool ccgc_index_slot_reached(const ccgc_index_slot *slot) {
  return slot->chunk->reached[slot->bit / 64] >> (slot->bit % 64) & 1;
}

/* Marks the object reached; true if it was not before. */
static inline bool ccgc_index_slot_reach(const ccgc_index_slot *slot) {
  uint64_t mask = UINT64_C(1) << (slot->bit % 64);
  uint64_t *word = &slot->chunk->reached[slot->bit / 64];
  if (*word & mask) return false;
  *word |= mask;
  return true;
}

/* The heap id of an allocated object, or -1. */
static inline int ccgc_object_index_heap(const ccgc_object_index *index,
                                         const void *address) {
  ccgc_index_slot slot;
  return ccgc_object_index_find(index, address, &slot) ? slot.page->heap_id
                                                       : -1;
}

#endif /* CCGC_OBJECT_INDEX_H */
