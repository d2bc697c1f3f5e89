/* page-pool.h - normal pages kept for reuse instead of going back to the OS
 * (docs/heap-growth.md "The page pool"). Internal to the library.
 *
 * A heap releases a normal page when a sweep empties it, a nursery trims
 * its spare pages, a compaction retires an evacuated page; it maps one when
 * its allocator, a scavenge or a compaction needs room. Mapping fresh
 * memory costs a page fault per 4 KiB on first touch (64 per 256 KiB page;
 * in `ccgc bench gcbench` the faults and the unmaps took a quarter of the
 * run). So, as V8's memory allocator and Oilpan's page backend do, the
 * collector keeps released normal pages and hands them out again, zeroed
 * (every heap expects a new page to read as zero) - a nursery page only up
 * to its mark table's end (the nursery clears what it hands out,
 * .inv.lab-zeroed; ccgc_page_create). Large pages always go
 * back to the OS.
 *
 * How many: at least CCGC_PAGE_POOL_PAGES, and up to what the heaps may
 * commit again before their next full collection (the sum over heaps of
 * soft limit minus committed bytes, set after each heap's sweep; a heap's
 * whole soft limit while it sweeps and before its first sweep:
 * ccgc_page_pool_set_limit). A sweep that empties half the heap keeps those
 * pages for the allocation that refills it (Oilpan's page pool keeps every
 * page until memory pressure; this one stays within the heaps' growth
 * policy).
 *
 * The pool gives everything back to the OS when a memory-reducing
 * collection releases a page (ccgc_collector_reducing_memory) and when the
 * collector is freed; its pages are not any heap's committed bytes. In
 * CCGC_DEBUG builds a pooled page is inaccessible (PROT_NONE) until it is
 * handed out again, so a stale access to a released page still faults
 * (.inv.registered-pages).
 *
 * Any thread (pages are mapped by scavenger and compaction helpers too): a
 * pthread mutex guards it. */
#ifndef CCGC_PAGE_POOL_H
#define CCGC_PAGE_POOL_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

#define CCGC_PAGE_POOL_PAGES 32 /* 8 MiB of 256 KiB pages: the floor */

typedef struct ccgc_page_pool {
  pthread_mutex_t lock;
  void *head;         /* a pooled page's last word links the next one */
  size_t count;
  size_t limit;       /* pages kept at most (>= CCGC_PAGE_POOL_PAGES) */
  size_t reused;      /* pages handed out again, since creation */
} ccgc_page_pool;

void ccgc_page_pool_init(ccgc_page_pool *pool);
/* Gives every pooled page back to the OS. */
void ccgc_page_pool_destroy(ccgc_page_pool *pool);
/* CCGC_PAGE_SIZE bytes of aligned memory, its first zero_bytes zeroed (the
 * rest a former page's), or NULL when empty. */
void *ccgc_page_pool_take_prefix(ccgc_page_pool *pool, size_t zero_bytes);
/* CCGC_PAGE_SIZE bytes of zeroed, aligned memory, or NULL when empty. */
void *ccgc_page_pool_take(ccgc_page_pool *pool);
/* Keeps memory (CCGC_PAGE_SIZE bytes, aligned) for reuse; false when the
 * pool is full (the caller unmaps it). */
bool ccgc_page_pool_put(ccgc_page_pool *pool, void *memory);
/* Gives every pooled page back to the OS (a memory-reducing collection). */
void ccgc_page_pool_drain(ccgc_page_pool *pool);
/* The heaps' headroom in bytes (ccgc_page_pool_set_limit's caller): the
 * pool keeps at most that many, and never fewer than CCGC_PAGE_POOL_PAGES
 * pages; pages above a lowered limit go back to the OS now. */
void ccgc_page_pool_set_limit(ccgc_page_pool *pool, size_t bytes);
/* Bytes pooled now. */
size_t ccgc_page_pool_bytes(ccgc_page_pool *pool);

#endif /* CCGC_PAGE_POOL_H */
