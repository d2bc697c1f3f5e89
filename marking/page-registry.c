/* page-registry.c - the radix table of live pages (page-registry.h). */
#include "page-registry.h"

#include <stdint.h>
#include <stdlib.h>

static size_t level1_index(uintptr_t page_number) {
  return page_number >> CCGC_REGISTRY_LEVEL_BITS;
}
static size_t level2_index(uintptr_t page_number) {
  return page_number & (CCGC_REGISTRY_FANOUT - 1);
}

int ccgc_page_registry_init(ccgc_page_registry *registry) {
  registry->roots = calloc(CCGC_REGISTRY_FANOUT, sizeof *registry->roots);
  if (!registry->roots) return -1;
  pthread_mutex_init(&registry->lock, NULL);
  registry->page_count = 0;
  registry->pages = NULL;
  registry->pages_capacity = 0;
  registry->common_flags = 0;
  return 0;
}

void ccgc_page_registry_destroy(ccgc_page_registry *registry) {
  if (!registry->roots) return;
  for (size_t i = 0; i < CCGC_REGISTRY_FANOUT; i++)
    free((void *)atomic_load_explicit(&registry->roots[i], memory_order_relaxed));
  free((void *)registry->roots);
  registry->roots = NULL;
  free(registry->pages);
  registry->pages = NULL;
  pthread_mutex_destroy(&registry->lock);
}

int ccgc_page_registry_add(ccgc_page_registry *registry, ccgc_page *page) {
  uintptr_t address = (uintptr_t)page;
  if ((address >> CCGC_REGISTRY_ADDRESS_BITS) != 0 ||
      (address & (CCGC_PAGE_SIZE - 1)) != 0) /* .inv.page-aligned */
    return -1;
  uintptr_t number = address >> CCGC_PAGE_SHIFT;
  pthread_mutex_lock(&registry->lock);
  ccgc_page *_Atomic *table = atomic_load_explicit(
      &registry->roots[level1_index(number)], memory_order_acquire);
  if (!table) {
    table = calloc(CCGC_REGISTRY_FANOUT, sizeof *table);
    if (!table) {
      pthread_mutex_unlock(&registry->lock);
      return -1;
    }
    atomic_store_explicit(&registry->roots[level1_index(number)], table,
                          memory_order_release);
  }
  if (atomic_load_explicit(&table[level2_index(number)],
                           memory_order_relaxed) == page) {
    pthread_mutex_unlock(&registry->lock); /* registered already */
    return 0;
  }
  if (registry->page_count == registry->pages_capacity) {
    size_t capacity = registry->pages_capacity ? 2 * registry->pages_capacity
                                               : 64;
    ccgc_page **pages = realloc(registry->pages, capacity * sizeof *pages);
    if (!pages) {
      pthread_mutex_unlock(&registry->lock);
      return -1;
    }
    registry->pages = pages;
    registry->pages_capacity = capacity;
  }
  page->flags |= registry->common_flags; /* .inv.marking-flag-on-every-page */
  page->registry_index = registry->page_count;
  registry->pages[registry->page_count] = page;
  atomic_store_explicit(&table[level2_index(number)], page,
                        memory_order_release);
  registry->page_count++;
  pthread_mutex_unlock(&registry->lock);
  return 0;
}

void ccgc_page_registry_remove(ccgc_page_registry *registry, ccgc_page *page) {
  uintptr_t number = (uintptr_t)page >> CCGC_PAGE_SHIFT;
  if (((uintptr_t)page >> CCGC_REGISTRY_ADDRESS_BITS) != 0) return;
  pthread_mutex_lock(&registry->lock);
  ccgc_page *_Atomic *table = atomic_load_explicit(
      &registry->roots[level1_index(number)], memory_order_acquire);
  if (table && atomic_load_explicit(&table[level2_index(number)],
                                    memory_order_relaxed) == page) {
    atomic_store_explicit(&table[level2_index(number)], NULL,
                          memory_order_release);
    /* The last page takes its place in the array. */
    ccgc_page *last = registry->pages[registry->page_count - 1];
    registry->pages[page->registry_index] = last;
    last->registry_index = page->registry_index;
    registry->page_count--;
  }
  pthread_mutex_unlock(&registry->lock);
}

void ccgc_page_registry_set_common_flags(ccgc_page_registry *registry,
                                         uint16_t flags, bool on) {
  pthread_mutex_lock(&registry->lock);
  if (on)
    registry->common_flags |= flags;
  else
    registry->common_flags &= (uint16_t)~flags;
  /* An array, not a list: the headers' cache misses overlap (prefetched
   * a few pages ahead) instead of following one another. */
  ccgc_page **pages = registry->pages;
  size_t count = registry->page_count;
  for (size_t i = 0; i < count; i++) {
    if (i + 8 < count) __builtin_prefetch(&pages[i + 8]->flags, 1);
    ccgc_page *page = pages[i];
    page->flags = on ? (uint16_t)(page->flags | flags)
                     : (uint16_t)(page->flags & ~flags);
  }
  pthread_mutex_unlock(&registry->lock);
}

bool ccgc_page_registry_common_flags_hold(ccgc_page_registry *registry,
                                          uint16_t flags) {
  bool hold = true;
  pthread_mutex_lock(&registry->lock);
  uint16_t want = registry->common_flags & flags;
  for (size_t i = 0; i < registry->page_count && hold; i++)
    hold = (registry->pages[i]->flags & flags) == want;
  pthread_mutex_unlock(&registry->lock);
  return hold;
}

ccgc_page *ccgc_page_registry_find(const ccgc_page_registry *registry,
                                   const void *address) {
  uintptr_t value = (uintptr_t)address;
  if ((value >> CCGC_REGISTRY_ADDRESS_BITS) != 0) return NULL;
  uintptr_t number = value >> CCGC_PAGE_SHIFT;
  ccgc_page *_Atomic *table = atomic_load_explicit(
      &registry->roots[level1_index(number)], memory_order_acquire);
  if (!table) return NULL;
  ccgc_page *page =
      atomic_load_explicit(&table[level2_index(number)], memory_order_acquire);
  if (!page || page->magic != CCGC_PAGE_MAGIC) return NULL; /* .inv.registered-pages */
  return page;
}
