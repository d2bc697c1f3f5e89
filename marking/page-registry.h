/* page-registry.h - which pages are live (.inv.registered-pages).
 *
 * A two-level radix table indexed by page number (address >> CCGC_PAGE_SHIFT)
 * over the 48-bit user address space: a lookup is two atomic loads and a magic
 * check, lock-free, safe on any pointer value. Registration and removal take
 * the registry's mutex (pthread, so ThreadSanitizer sees it). Second-level
 * tables are allocated on first use and kept until the registry is freed. */
#ifndef CCGC_PAGE_REGISTRY_H
#define CCGC_PAGE_REGISTRY_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

#include "ccgc-page.h"

#define CCGC_REGISTRY_ADDRESS_BITS 48u
#define CCGC_REGISTRY_LEVEL_BITS 15u /* 48 - 18 = 30 = 15 + 15 */
#define CCGC_REGISTRY_FANOUT ((size_t)1 << CCGC_REGISTRY_LEVEL_BITS)

typedef struct ccgc_page_registry {
  _Atomic(ccgc_page *_Atomic *) *roots; /* CCGC_REGISTRY_FANOUT entries */
  pthread_mutex_t lock;
  size_t page_count;
  /* Every registered page, page_count of them (ccgc_page.registry_index:
   * its place), in an array of pages_capacity. */
  ccgc_page **pages;
  size_t pages_capacity;
  /* Page flags every registered page carries (CCGC_PAGE_MARKING while a
   * cycle marks): a page gets them when it is added. */
  uint16_t common_flags;
} ccgc_page_registry;

int ccgc_page_registry_init(ccgc_page_registry *registry);
void ccgc_page_registry_destroy(ccgc_page_registry *registry);
/* 0 on success, -1 if a table could not be allocated or the address is out of
 * range. */
int ccgc_page_registry_add(ccgc_page_registry *registry, ccgc_page *page);
void ccgc_page_registry_remove(ccgc_page_registry *registry, ccgc_page *page);
/* Sets (on) or clears the flags on every registered page and on every page
 * added from now on. The caller makes sure no other thread reads or writes
 * a page's flags meanwhile (the collector's pauses). */
void ccgc_page_registry_set_common_flags(ccgc_page_registry *registry,
                                         uint16_t flags, bool on);
/* Whether every registered page carries exactly the registry's common
 * flags among `flags` (a debug check: .inv.marking-flag-on-every-page). */
bool ccgc_page_registry_common_flags_hold(ccgc_page_registry *registry,
                                          uint16_t flags);
ccgc_page *ccgc_page_registry_find(const ccgc_page_registry *registry,
                                   const void *address);

#endif /* CCGC_PAGE_REGISTRY_H */
