/* bulk-memory.h - large, short-lived arrays of the marker (pending ephemeron
 * pairs, their sort buffer, the key index), and a cache that keeps them from
 * one collection to the next.
 *
 * A collection that discovers millions of ephemerons fills tens of MiB of
 * arrays. Fresh memory is dear: every 4 KiB is a page fault, and under a
 * hypervisor the first touch of a page can cost tens of microseconds (on the
 * development machine, filling 64 MiB of fresh memory took 680 ms; filling
 * it again 14 ms). So:
 *  - arrays of CCGC_BULK_MIN bytes or more are mapped by the marker itself;
 *    those of CCGC_BULK_HUGE bytes or more 2 MiB-aligned and advised to use
 *    transparent huge pages (where the kernel allows it, as in the default
 *    "madvise" mode): fewer faults, fewer TLB misses;
 *  - a freed mapping goes to the collector's cache (at most
 *    CCGC_BULK_CACHE_ENTRIES of them) and serves a later request of its size
 *    or smaller; a mapping that no request used during a whole collection
 *    is unmapped at its end (ccgc_bulk_cache_trim), so a single huge
 *    collection does not pin its memory for good.
 * Smaller arrays come from malloc, whose own free lists recycle them (bigger
 * ones malloc would map and unmap afresh each time).
 *
 * Out of memory aborts, as g_malloc does: the marker cannot stop half-way.
 * The cache is owned by one collector and used by the thread that runs its
 * marker (the mutator's marking steps and atomic pause); not thread-safe.
 */
#ifndef CCGC_BULK_MEMORY_H
#define CCGC_BULK_MEMORY_H

#include <stdbool.h>
#include <stddef.h>

#define CCGC_BULK_MIN ((size_t)64 << 10)
#define CCGC_BULK_HUGE ((size_t)2 << 20)
#define CCGC_BULK_CACHE_ENTRIES 16

typedef struct ccgc_bulk_mapping {
  void *memory;
  size_t size; /* mapped bytes, a multiple of CCGC_BULK_MIN   */
  bool used;   /* handed out since the last trim             */
} ccgc_bulk_mapping;

typedef struct ccgc_bulk_cache {
  ccgc_bulk_mapping free[CCGC_BULK_CACHE_ENTRIES];
  int count;
} ccgc_bulk_cache;

void ccgc_bulk_cache_init(ccgc_bulk_cache *cache);
/* Unmaps every cached mapping. */
void ccgc_bulk_cache_destroy(ccgc_bulk_cache *cache);
/* End of a collection: unmaps the mappings no request used since the last
 * trim; marks the others unused. */
void ccgc_bulk_cache_trim(ccgc_bulk_cache *cache);

/* Uninitialized memory for bytes (at least one byte is allocated). cache may
 * be NULL (no recycling). */
void *ccgc_bulk_alloc(ccgc_bulk_cache *cache, size_t bytes);
/* Frees memory of ccgc_bulk_alloc; bytes is the size it was asked for. */
void ccgc_bulk_free(ccgc_bulk_cache *cache, void *memory, size_t bytes);
/* Moves memory (old_bytes of it kept) into an allocation of new_bytes. */
void *ccgc_bulk_realloc(ccgc_bulk_cache *cache, void *memory, size_t old_bytes,
                        size_t new_bytes);

#endif /* CCGC_BULK_MEMORY_H */
