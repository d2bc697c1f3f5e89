/* bulk-memory.c - large, short-lived arrays of the marker (bulk-memory.h). */
#include "bulk-memory.h"

#include <glib.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>

#include "ccgc-page.h"

static size_t mapped_size(size_t bytes) {
  size_t unit = bytes < CCGC_BULK_HUGE ? CCGC_BULK_MIN : CCGC_BULK_HUGE;
  return (bytes + unit - 1) & ~(unit - 1);
}

static void *map_aligned(size_t size) {
  bool huge = size >= CCGC_BULK_HUGE;
  void *memory = ccgc_memory_map_aligned(size, huge ? CCGC_BULK_HUGE : 4096);
  if (!memory) g_error("ccgc: out of memory mapping %zu bytes for the marker", size);
#ifdef MADV_HUGEPAGE
  if (huge) madvise(memory, size, MADV_HUGEPAGE); /* advice: may be refused */
#endif
  return memory;
}

void ccgc_bulk_cache_init(ccgc_bulk_cache *cache) {
  memset(cache, 0, sizeof *cache);
}

void ccgc_bulk_cache_destroy(ccgc_bulk_cache *cache) {
  for (int i = 0; i < cache->count; i++)
    munmap(cache->free[i].memory, cache->free[i].size);
  cache->count = 0;
}

void ccgc_bulk_cache_trim(ccgc_bulk_cache *cache) {
  int kept = 0;
  for (int i = 0; i < cache->count; i++) {
    ccgc_bulk_mapping mapping = cache->free[i];
    if (!mapping.used) {
      munmap(mapping.memory, mapping.size);
      continue;
    }
    mapping.used = false;
    cache->free[kept++] = mapping;
  }
  cache->count = kept;
}

void *ccgc_bulk_alloc(ccgc_bulk_cache *cache, size_t bytes) {
  if (bytes < CCGC_BULK_MIN) return g_malloc(bytes ? bytes : 1);
  size_t size = mapped_size(bytes);
  if (size < bytes) g_error("ccgc: bulk allocation of %zu bytes overflows", bytes);
  if (cache) { /* the smallest cached mapping that fits */
    int best = -1;
    for (int i = 0; i < cache->count; i++)
      if (cache->free[i].size >= size &&
          (best < 0 || cache->free[i].size < cache->free[best].size))
        best = i;
    if (best >= 0) {
      ccgc_bulk_mapping mapping = cache->free[best];
      cache->free[best] = cache->free[--cache->count];
      /* Give back what the request does not need. */
      if (mapping.size > size)
        munmap((uint8_t *)mapping.memory + size, mapping.size - size);
      return mapping.memory;
    }
  }
  return map_aligned(size);
}

void ccgc_bulk_free(ccgc_bulk_cache *cache, void *memory, size_t bytes) {
  if (!memory) return;
  if (bytes < CCGC_BULK_MIN) {
    g_free(memory);
    return;
  }
  size_t size = mapped_size(bytes);
  if (cache) {
    if (cache->count == CCGC_BULK_CACHE_ENTRIES) { /* evict the smallest */
      int smallest = 0;
      for (int i = 1; i < cache->count; i++)
        if (cache->free[i].size < cache->free[smallest].size) smallest = i;
      if (cache->free[smallest].size < size) {
        munmap(cache->free[smallest].memory, cache->free[smallest].size);
        cache->free[smallest] = cache->free[--cache->count];
      }
    }
    if (cache->count < CCGC_BULK_CACHE_ENTRIES) {
      cache->free[cache->count++] = (ccgc_bulk_mapping){memory, size, true};
      return;
    }
  }
  munmap(memory, size);
}

void *ccgc_bulk_realloc(ccgc_bulk_cache *cache, void *memory, size_t old_bytes,
                        size_t new_bytes) {
  if (new_bytes < CCGC_BULK_MIN && old_bytes < CCGC_BULK_MIN)
    return g_realloc(memory, new_bytes ? new_bytes : 1);
  void *moved = ccgc_bulk_alloc(cache, new_bytes);
  if (memory) memcpy(moved, memory, old_bytes < new_bytes ? old_bytes : new_bytes);
  ccgc_bulk_free(cache, memory, old_bytes);
  return moved;
}
