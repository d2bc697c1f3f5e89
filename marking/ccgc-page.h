/* ccgc-page.h - the page header every heap page starts with, the mark-state
 * table, and tri-color transitions. Shared by the heaps (which lay out their
 * own pages after this common prefix) and the marker (which reads only this
 * prefix). Internal to the library: hosts never include it.
 *
 * Address to heap: every page is CCGC_PAGE_SIZE-aligned, so masking an object
 * address gives its page header (.inv.page-aligned). Large objects live alone
 * on a large page whose first CCGC_PAGE_SIZE chunk holds the header and the
 * object start, so masking works for them too.
 *
 *   page (CCGC_PAGE_SIZE aligned)
 *   +------------------+--------------------------+-------------------------+
 *   | ccgc_page prefix | heap-specific page fields | mark table | objects ... |
 *   +------------------+--------------------------+-------------------------+
 *
 * Mark states live in a side table, two bits per 16-byte granule of the
 * page (four granules to an atomic byte), at granule (address - page) >>
 * mark_shift. A large page has a single mark byte and mark_shift 63, so every
 * address maps to granule 0 without a branch. Each object owns the two bits
 * of the granule its address falls in (.inv.one-mark-per-object: objects are
 * at least one granule apart). A table of a 64th of the page: at 1 GiB live
 * it fits the last-level cache where a byte per granule (a 16th) did not.
 *
 * Colors: white (not reached), grey (reached, on a worklist), black (its
 * references were visited). Transitions are atomic so that the same
 * code serves the stop-the-world, incremental and concurrent markers:
 * white -> grey by whoever discovers the object first, grey -> black by
 * whoever visits it (.inv.color-monotonic: during a cycle a color only grows).
 */
#ifndef CCGC_PAGE_H
#define CCGC_PAGE_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CCGC_PAGE_SHIFT 18u
#define CCGC_PAGE_SIZE ((size_t)1 << CCGC_PAGE_SHIFT) /* 256 KiB */
#define CCGC_GRANULE_SHIFT 4u
#define CCGC_GRANULE ((size_t)1 << CCGC_GRANULE_SHIFT) /* 16 bytes */
#define CCGC_PAGE_GRANULES (CCGC_PAGE_SIZE >> CCGC_GRANULE_SHIFT)
/* Two mark bits per granule, four granules per byte of the mark table. */
#define CCGC_MARK_GRANULES_PER_BYTE_LOG 2u
#define CCGC_MARK_GRANULES_PER_BYTE (1u << CCGC_MARK_GRANULES_PER_BYTE_LOG)
#define CCGC_MARK_TABLE_BYTES (CCGC_PAGE_GRANULES / CCGC_MARK_GRANULES_PER_BYTE)
#define CCGC_LARGE_MARK_SHIFT 63u

#define CCGC_PAGE_MAGIC 0x43434750u /* "CCGP": live page (.sig) */
#define CCGC_PAGE_DEAD 0x44454144u /* "DEAD": wiped on release */

/* CCGC_PAGE_YOUNG: a page of a heap's young generation (its objects move in
 * minor collections); the write barrier records old-to-young slots by it
 * (.inv.old-to-young-recorded). */
/* CCGC_PAGE_EVACUATION_CANDIDATE: a page a compacting heap chose at the
 * start of a full marking cycle; the marker and the write barrier record
 * the slots that point into it (remembered-set.h, docs/compaction.md). Set
 * while no marker thread runs (the cycle's prepare), cleared in the atomic
 * pause (markers parked) or when the page is released. */
enum {
  CCGC_PAGE_LARGE = 1u << 0,
  CCGC_PAGE_YOUNG = 1u << 1,
  CCGC_PAGE_EVACUATION_CANDIDATE = 1u << 2,
  /* A nursery page from the page pool: its object area holds a former
   * page's bytes (ccgc_page_create; the nursery takes the flag off). */
  CCGC_PAGE_STALE = 1u << 3,
  /* Set on every live page of a collector while its marking cycle runs, as
   * V8 flags its chunks while incremental marking is on: the write
   * barrier's fast path tests the value's page flags alone, no other word
   * (.inv.marking-flag-on-every-page, write-barrier.h). Set and cleared by
   * ccgc_collector_set_marking with no other thread running, and on a page
   * registered while marking runs (page-registry.c). */
  CCGC_PAGE_MARKING = 1u << 4,
};


typedef enum ccgc_color {
  CCGC_WHITE = 0,
  CCGC_GREY = 1,
  CCGC_BLACK = 2,
} ccgc_color;

/* A granule's mark bits: white 00, grey 01 (marked), black 11 (marked and
 * visited). Both transitions set one bit. */
enum {
  CCGC_MARK_BIT_MARKED = 1u,
  CCGC_MARK_BIT_BLACK = 2u,
};

typedef struct ccgc_page {
  uint32_t magic;          /* CCGC_PAGE_MAGIC while live                  */
  uint16_t heap_id;        /* owner's index in the collector              */
  uint16_t flags;          /* CCGC_PAGE_LARGE, _YOUNG, ... _MARKING       */
  uint32_t mark_shift;     /* CCGC_GRANULE_SHIFT or CCGC_LARGE_MARK_SHIFT */
  _Atomic uint8_t large_mark; /* the mark table of a large page        */
  _Atomic uint8_t *marks;  /* the mark table of this page                 */
  size_t reservation;      /* bytes mapped for this page, header included */
  void *owner;             /* the heap-specific space or heap (opaque)    */
  /* The marker's ephemeron key bitmap of this page while its key index
   * lives (ephemeron-index.h); NULL otherwise. Marker-owned. */
  struct ccgc_ephemeron_word *ephemeron_keys;
  /* The remembered set of this (old) page: one bit per 8-byte word whose
   * slot may point at a young object, allocated on the first record
   * (remembered-set.h); NULL while none. Mutator and minor collections. */
  struct ccgc_slot_set *slot_set;
  /* The old-to-old slot set of this page while a marking cycle has
   * evacuation candidates: one bit per word whose slot may point into a
   * candidate (remembered-set.h, docs/compaction.md); NULL while none.
   * Recorded by the owner and marker threads (atomically), read and freed
   * in the atomic pause. */
  struct ccgc_slot_set *old_to_old;
  /* The list of its space's pages that have a slot set (remembered-set.h)
   * and this page's place in it (index + 1; 0: not listed). A minor
   * collection walks that list, not every page header. */
  struct ccgc_remembered_pages *remembered_pages;
  uint32_t remembered_index;
  /* The mark clearing that left this page's marks white, or the last one
   * before the page was made while no marking ran (sweeping.h: the
   * sweeper's clear_epoch). Written when the page is made and by the owner
   * when a clearing starts; read by the heaps' prepare. */
  uint32_t clear_stamp;
  /* The barrier of the collector that owns the page: the write barrier's
   * slow path finds it from the stored value (write-barrier.h). */
  struct ccgc_barrier *barrier;
  /* Its place in the registry's array of every live page
   * (page-registry.c), which ccgc_collector_set_marking walks. Under the
   * registry's lock. */
  size_t registry_index;
} ccgc_page;

static inline bool ccgc_page_is_candidate(const ccgc_page *page) {
  return (page->flags & CCGC_PAGE_EVACUATION_CANDIDATE) != 0;
}

static inline bool ccgc_page_is_young(const ccgc_page *page) {
  return (page->flags & CCGC_PAGE_YOUNG) != 0;
}

static inline ccgc_page *ccgc_page_of(const void *address) {
  return (ccgc_page *)((uintptr_t)address & ~(uintptr_t)(CCGC_PAGE_SIZE - 1));
}

/* Words from address (inside a page's object area) to the end of its
 * page's mapping. Every reservation is a multiple of CCGC_PAGE_SIZE, so the
 * distance to the next CCGC_PAGE_SIZE boundary is the exact end of a normal
 * page and a lower bound for a large one: the page header is read only when
 * the caller wants more words than that. Page headers sit at
 * CCGC_PAGE_SIZE-aligned addresses, in the same few sets of every cache
 * level: read once per object traced, they missed for nearly every object.
 * Tracing clamps array lengths with it. */
static inline size_t ccgc_page_words_to_end(const void *address,
                                            size_t want) {
  size_t to_boundary =
      (CCGC_PAGE_SIZE - ((uintptr_t)address & (CCGC_PAGE_SIZE - 1))) /
      sizeof(uintptr_t);
  if (__builtin_expect(want <= to_boundary, 1)) return to_boundary;
  const ccgc_page *page = ccgc_page_of(address);
  return ((uintptr_t)page + page->reservation - (uintptr_t)address) /
         sizeof(uintptr_t);
}

/* A granule's two bits of its page's mark table (ccgc_mark_of): its byte and
 * the bits' position in it. */
typedef struct ccgc_mark_ref {
  _Atomic uint8_t *byte;
  unsigned shift; /* 0, 2, 4 or 6 */
} ccgc_mark_ref;

/* The mark of the object at address, given the page's mark table and shift
 * (the marker passes them from its page cache). */
static inline ccgc_mark_ref ccgc_mark_at(_Atomic uint8_t *marks,
                                         unsigned mark_shift,
                                         const void *address) {
  size_t granule =
      ((uintptr_t)address & (CCGC_PAGE_SIZE - 1)) >> mark_shift;
  return (ccgc_mark_ref){&marks[granule >> CCGC_MARK_GRANULES_PER_BYTE_LOG],
                         (unsigned)(granule & (CCGC_MARK_GRANULES_PER_BYTE - 1))
                             << 1};
}

static inline ccgc_mark_ref ccgc_mark_of(const void *address) {
  const ccgc_page *page = ccgc_page_of(address);
  return ccgc_mark_at(page->marks, page->mark_shift, address);
}

/* The byte that holds the object's mark (for prefetching). */
static inline _Atomic uint8_t *ccgc_mark_byte(const void *address) {
  return ccgc_mark_of(address).byte;
}

/* The two bits (CCGC_MARK_BIT_*) as a color: 00 white, 01 grey, 11 black. */
static inline ccgc_color ccgc_color_of_bits(unsigned bits) {
  return (ccgc_color)(bits - (bits >> 1));
}

static inline unsigned ccgc_mark_bits(ccgc_mark_ref mark) {
  return (atomic_load_explicit(mark.byte, memory_order_relaxed) >>
          mark.shift) & 3u;
}

static inline ccgc_color ccgc_color_of(const void *address) {
  return ccgc_color_of_bits(ccgc_mark_bits(ccgc_mark_of(address)));
}

static inline bool ccgc_is_marked(const void *address) {
  return (ccgc_mark_bits(ccgc_mark_of(address)) & CCGC_MARK_BIT_MARKED) != 0;
}

/* white -> grey. True if this caller won and must push the object. A load
 * first (a marked object costs no locked instruction), then an atomic OR:
 * the byte is shared with three neighbours' marks, which other threads may
 * set meanwhile. */
static inline bool ccgc_mark_ref_white_to_grey(ccgc_mark_ref mark) {
  uint8_t bit = (uint8_t)(CCGC_MARK_BIT_MARKED << mark.shift);
  if (atomic_load_explicit(mark.byte, memory_order_relaxed) & bit)
    return false;
  return !(atomic_fetch_or_explicit(mark.byte, bit, memory_order_relaxed) &
           bit);
}

static inline bool ccgc_mark_white_to_grey(const void *address) {
  return ccgc_mark_ref_white_to_grey(ccgc_mark_of(address));
}

/* grey -> black. True if this caller won and must visit the object. The
 * acq_rel order pairs the snapshot a concurrent marker took before the CAS with
 * a mutator's unsafe shape change after its own CAS (.inv.snapshot-before-cas).
 * A compare-and-swap of the byte: a white or black object fails, and a
 * neighbour's mark changing under it only retries. */
static inline bool ccgc_mark_ref_grey_to_black(ccgc_mark_ref mark) {
  uint8_t byte = atomic_load_explicit(mark.byte, memory_order_acquire);
  for (;;) {
    if (((byte >> mark.shift) & 3u) != CCGC_MARK_BIT_MARKED) return false;
    if (atomic_compare_exchange_weak_explicit(
            mark.byte, &byte,
            (uint8_t)(byte | (CCGC_MARK_BIT_BLACK << mark.shift)),
            memory_order_acq_rel, memory_order_acquire))
      return true;
  }
}

static inline bool ccgc_mark_grey_to_black(const void *address) {
  return ccgc_mark_ref_grey_to_black(ccgc_mark_of(address));
}

/* Sets a color unconditionally: allocation-black, a moved object's color,
 * or white for an object nothing can reach. Atomic read-modify-writes, as
 * other threads may set the marks of the byte's other granules; not atomic
 * as a whole: nothing else may change this object's mark meanwhile. */
static inline void ccgc_mark_set(const void *address, ccgc_color color) {
  ccgc_mark_ref mark = ccgc_mark_of(address);
  if (color == CCGC_BLACK) { /* 11 whatever it was */
    atomic_fetch_or_explicit(mark.byte, (uint8_t)(3u << mark.shift),
                             memory_order_relaxed);
    return;
  }
  atomic_fetch_and_explicit(mark.byte, (uint8_t)~(3u << mark.shift),
                            memory_order_relaxed);
  if (color == CCGC_GREY)
    atomic_fetch_or_explicit(mark.byte,
                             (uint8_t)(CCGC_MARK_BIT_MARKED << mark.shift),
                             memory_order_relaxed);
}

/* Page memory: CCGC_PAGE_SIZE-aligned, zero-filled, returned to the OS on
 * release. size is rounded up to a multiple of CCGC_PAGE_SIZE. Returns NULL if
 * the OS refuses. */
void *ccgc_page_memory_map(size_t size);
/* size bytes (a multiple of the OS page) at an alignment-aligned address
 * (a power of two, at least the OS page), zero-filled; NULL if refused.
 * Unmap with munmap(memory, size). */
void *ccgc_memory_map_aligned(size_t size, size_t alignment);
void ccgc_page_memory_unmap(void *base, size_t size);

#endif /* CCGC_PAGE_H */
