/* page-pool.c - released normal pages kept for reuse (page-pool.h). */
#include "page-pool.h"

#include <string.h>
#include <sys/mman.h>

#include "ccgc-heap.h"
#include "ccgc-page.h"
#include "invariant-check.h"

void ccgc_page_pool_init(ccgc_page_pool *pool) {
  memset(pool, 0, sizeof *pool);
  pthread_mutex_init(&pool->lock, NULL);
}

void ccgc_page_pool_drain(ccgc_page_pool *pool) {
  pthread_mutex_lock(&pool->lock);
  int count = pool->count;
  void *pages[CCGC_PAGE_POOL_PAGES];
  memcpy(pages, pool->pages, (size_t)count * sizeof pages[0]);
  pool->count = 0;
  pthread_mutex_unlock(&pool->lock);
  for (int i = 0; i < count; i++) ccgc_page_memory_unmap(pages[i], CCGC_PAGE_SIZE);
}

void ccgc_page_pool_destroy(ccgc_page_pool *pool) {
  ccgc_page_pool_drain(pool);
  pthread_mutex_destroy(&pool->lock);
}

void *ccgc_page_pool_take(ccgc_page_pool *pool) {
  pthread_mutex_lock(&pool->lock);
  void *memory = pool->count ? pool->pages[--pool->count] : NULL;
  /* Debug builds: accessible again before any other thread can put it
   * back (under the lock, as put's PROT_NONE). */
  if (memory && CCGC_DEBUG_ENABLED &&
      mprotect(memory, CCGC_PAGE_SIZE, PROT_READ | PROT_WRITE) != 0) {
    ccgc_page_memory_unmap(memory, CCGC_PAGE_SIZE);
    memory = NULL; /* the caller maps a fresh page */
  }
  if (memory) pool->reused++;
  pthread_mutex_unlock(&pool->lock);
  if (!memory) return NULL;
  /* Resident already: zeroing it is a few microseconds, the faults of a
   * fresh mapping are a hundred. */
  memset(memory, 0, CCGC_PAGE_SIZE);
  return memory;
}

bool ccgc_page_pool_put(ccgc_page_pool *pool, void *memory) {
  pthread_mutex_lock(&pool->lock);
  bool kept = pool->count < CCGC_PAGE_POOL_PAGES;
  /* Debug builds: a stale access to the released page still faults. */
  if (kept && CCGC_DEBUG_ENABLED &&
      mprotect(memory, CCGC_PAGE_SIZE, PROT_NONE) != 0)
    kept = false;
  if (kept) pool->pages[pool->count++] = memory;
  pthread_mutex_unlock(&pool->lock);
  return kept;
}

size_t ccgc_page_pool_bytes(ccgc_page_pool *pool) {
  pthread_mutex_lock(&pool->lock);
  size_t bytes = (size_t)pool->count * CCGC_PAGE_SIZE;
  pthread_mutex_unlock(&pool->lock);
  return bytes;
}
