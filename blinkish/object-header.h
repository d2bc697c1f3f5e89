/* object-header.h - the DOM heap's object header and cell layout.
 *
 * Every object lives in a *cell*, a multiple of 16 bytes, 16-byte aligned,
 * that starts with its header:
 *
 *   plain type:      | header (8) | payload ...                       |
 *   wrappable type:  | header (8) | slot (8) | payload ...            |
 *                    ^ cell start            ^ object address (payload)
 *
 * The word right before the payload is the header (plain) or the wrappable
 * slot (an opaque, at least 2-aligned pointer owned by bridge/, or NULL). The
 * header's bit 0 is always 1 and a slot's is always 0, so the object address
 * alone finds the header (blinkish_header_of).
 *
 * Header word (64 bits):
 *
 *   63                      32 31      19  18  17  16                 1   0
 *  +--------------------------+----------+---+---+-------------------+---+
 *  |   cell size in bytes     | reserved | C | W | F |   type id     | 1 |
 *  +--------------------------+----------+---+---+---+---------------+---+
 *   F (bit 17): free cell (on a free list, or the rest of a page), not an object
 *   W (bit 18): wrappable layout (slot between header and payload)
 *   C (bit 19): under construction (blinkish_alloc_begin until
 *               blinkish_alloc_commit): markers defer it (.inv.construct-defer)
 *
 * Marker threads read headers while the mutator commits objects, so every
 * read of the word is an atomic load (relaxed: free on x86/arm64 loads) and
 * the commit an atomic release. *
 * Mark state is not here: it lives in the page's side mark table, keyed by the
 * payload address (marking/ccgc-page.h). A free cell keeps a header with F set
 * and its size, and the next free cell in its second word.
 */
#ifndef BLINKISH_OBJECT_HEADER_H
#define BLINKISH_OBJECT_HEADER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define BLINKISH_HEADER_TAG ((uint64_t)1)
#define BLINKISH_HEADER_FREE ((uint64_t)1 << 17)
#define BLINKISH_HEADER_WRAPPABLE ((uint64_t)1 << 18)
#define BLINKISH_HEADER_CONSTRUCTING ((uint64_t)1 << 19)
#define BLINKISH_HEADER_TYPE_SHIFT 1
#define BLINKISH_HEADER_TYPE_MASK ((uint64_t)0xffff << BLINKISH_HEADER_TYPE_SHIFT)

typedef struct blinkish_header {
  uint64_t word;
} blinkish_header;

static inline uint64_t blinkish_header_make(uint16_t type, size_t cell_size,
                                            bool wrappable, bool free) {
  return BLINKISH_HEADER_TAG | ((uint64_t)type << BLINKISH_HEADER_TYPE_SHIFT) |
         (wrappable ? BLINKISH_HEADER_WRAPPABLE : 0) |
         (free ? BLINKISH_HEADER_FREE : 0) | ((uint64_t)cell_size << 32);
}

static inline blinkish_header *blinkish_header_of(const void *payload) {
  const uint64_t *before = (const uint64_t *)payload - 1;
  /* For a wrappable object this word is the slot, which bridge/ may be
   * setting while a marker thread looks: an atomic read. */
  uint64_t word = __atomic_load_n(before, __ATOMIC_RELAXED);
  return (blinkish_header *)(word & BLINKISH_HEADER_TAG ? before : before - 1);
}

static inline uint64_t blinkish_header_word(const blinkish_header *header) {
  return __atomic_load_n(&header->word, __ATOMIC_RELAXED);
}

static inline uint16_t blinkish_header_type(const blinkish_header *header) {
  return (uint16_t)((blinkish_header_word(header) & BLINKISH_HEADER_TYPE_MASK) >>
                    BLINKISH_HEADER_TYPE_SHIFT);
}

static inline size_t blinkish_header_cell_size(const blinkish_header *header) {
  return (size_t)(blinkish_header_word(header) >> 32);
}

static inline bool blinkish_header_is_free(const blinkish_header *header) {
  return (blinkish_header_word(header) & BLINKISH_HEADER_FREE) != 0;
}

static inline bool blinkish_header_is_wrappable(const blinkish_header *header) {
  return (blinkish_header_word(header) & BLINKISH_HEADER_WRAPPABLE) != 0;
}

/* Acquire: a marker that sees the bit clear also sees every field the
 * constructor wrote before blinkish_alloc_commit. */
static inline bool blinkish_header_is_constructing(
    const blinkish_header *header) {
  return (__atomic_load_n(&header->word, __ATOMIC_ACQUIRE) &
          BLINKISH_HEADER_CONSTRUCTING) != 0;
}

static inline void blinkish_header_set_constructing(blinkish_header *header) {
  __atomic_fetch_or(&header->word, BLINKISH_HEADER_CONSTRUCTING,
                    __ATOMIC_RELAXED);
}

static inline void blinkish_header_commit(blinkish_header *header) {
  __atomic_fetch_and(&header->word, ~BLINKISH_HEADER_CONSTRUCTING,
                     __ATOMIC_RELEASE);
}

static inline bool blinkish_word_is_header(uint64_t word) {
  return (word & BLINKISH_HEADER_TAG) != 0;
}

/* Offset from cell start to payload. */
static inline size_t blinkish_payload_offset(bool wrappable) {
  return wrappable ? 16 : 8;
}

/* Payload bytes of an object (unchecked: the caller validated it). */
static inline size_t blinkish_payload_size(const void *payload) {
  const blinkish_header *header = blinkish_header_of(payload);
  return blinkish_header_cell_size(header) -
         blinkish_payload_offset(blinkish_header_is_wrappable(header));
}

#endif /* BLINKISH_OBJECT_HEADER_H */
