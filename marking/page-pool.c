/* page-pool.c - released normal pages kept for reuse (page-pool.h). The
 * pool is a stack linked through the pages' last words (the first ones
 * keep the header's CCGC_PAGE_DEAD, .inv.registered-pages). */
#include "page-pool.h"

#include <stdint.h>
#include <string.h>
#include <sys/mman.h>

#include "ccgc-heap.h"
#include "ccgc-page.h"
#include "invariant-check.h"

static void **link_of(void *memory) {
  return (void **)((char *)memory + CCGC_PAGE_SIZE - sizeof(void *));
}

void ccgc_page_pool_init(ccgc_page_pool *pool) {
  memset(pool, 0, sizeof *pool);
  pthread_mutex_init(&pool->lock, NULL);
  pool->limit = CCGC_PAGE_POOL_PAGES;
}

/* Under the lock: the top page, accessible again (debug builds keep pooled
 * pages PROT_NONE), or NULL when empty. A pooled page must still read as
 * released (its header's CCGC_PAGE_DEAD) and link to an aligned page or to
 * nothing: a stray write into a released page (a host's dangling pointer)
 * must not make the pool hand out an arbitrary address. If the check fails,
 * or the top page cannot be made accessible again (debug builds, a failed
 * mprotect), the pool forgets every page it held (left mapped and, if they
 * were touched, resident: never used again) and the caller maps fresh
 * memory. */
static void *pop_locked(ccgc_page_pool *pool) {
  if (!pool->head) return NULL;
  void *memory = pool->head;
  void *next = NULL;
  bool readable =
      !CCGC_DEBUG_ENABLED ||
      mprotect(memory, CCGC_PAGE_SIZE, PROT_READ | PROT_WRITE) == 0;
  if (readable) next = *link_of(memory);
  if (!readable || ((ccgc_page *)memory)->magic != CCGC_PAGE_DEAD ||
      ((uintptr_t)next & (CCGC_PAGE_SIZE - 1)) != 0) {
    pool->head = NULL;
    pool->count = 0;
    return NULL;
  }
  pool->head = next;
  pool->count--;
  return memory;
}

/* Unmaps pages from the top until at most keep remain. */
static void trim_to(ccgc_page_pool *pool, size_t keep) {
  for (;;) {
    pthread_mutex_lock(&pool->lock);
    void *memory = pool->count > keep ? pop_locked(pool) : NULL;
    pthread_mutex_unlock(&pool->lock);
    if (!memory) return;
    ccgc_page_memory_unmap(memory, CCGC_PAGE_SIZE);
  }
}

void ccgc_page_pool_drain(ccgc_page_pool *pool) { trim_to(pool, 0); }

void ccgc_page_pool_destroy(ccgc_page_pool *pool) {
  ccgc_page_pool_drain(pool);
  pthread_mutex_destroy(&pool->lock);
}

void ccgc_page_pool_set_limit(ccgc_page_pool *pool, size_t bytes) {
  size_t pages = bytes / CCGC_PAGE_SIZE;
  if (pages < CCGC_PAGE_POOL_PAGES) pages = CCGC_PAGE_POOL_PAGES;
  pthread_mutex_lock(&pool->lock);
  pool->limit = pages;
  pthread_mutex_unlock(&pool->lock);
  trim_to(pool, pages);
}

void *ccgc_page_pool_take_prefix(ccgc_page_pool *pool, size_t zero_bytes) {
  pthread_mutex_lock(&pool->lock);
  void *memory = pop_locked(pool);
  if (memory) pool->reused++;
  pthread_mutex_unlock(&pool->lock);
  if (!memory) return NULL;
  /* Resident already: zeroing it is a few microseconds, the faults of a
   * fresh mapping are a hundred. */
  memset(memory, 0, zero_bytes < CCGC_PAGE_SIZE ? zero_bytes : CCGC_PAGE_SIZE);
  return memory;
}

void *ccgc_page_pool_take(ccgc_page_pool *pool) {
  return ccgc_page_pool_take_prefix(pool, CCGC_PAGE_SIZE);
}

bool ccgc_page_pool_put(ccgc_page_pool *pool, void *memory) {
  pthread_mutex_lock(&pool->lock);
  bool kept = pool->count < pool->limit;
  if (kept) {
    ((ccgc_page *)memory)->magic = CCGC_PAGE_DEAD; /* checked when taken */
    *link_of(memory) = pool->head;
    /* Debug builds: a stale access to the released page still faults. */
    if (CCGC_DEBUG_ENABLED &&
        mprotect(memory, CCGC_PAGE_SIZE, PROT_NONE) != 0) {
      kept = false;
    } else {
      pool->head = memory;
      pool->count++;
    }
  }
  pthread_mutex_unlock(&pool->lock);
  return kept;
}

size_t ccgc_page_pool_bytes(ccgc_page_pool *pool) {
  pthread_mutex_lock(&pool->lock);
  size_t bytes = pool->count * CCGC_PAGE_SIZE;
  pthread_mutex_unlock(&pool->lock);
  return bytes;
}
