/* nursery.c - the script heap's young generation: its pages, the bump
 * allocation through them, the to-space reserve, and the semi-space's size
 * (docs/script-heap.md "Young generation").
 *
 * Young pages are normal pages of the heap's page space flagged
 * CCGC_PAGE_YOUNG (on the space's young list), each in one state
 * (v8ish_young_state):
 *
 *   FREE        the pool: pages the next refill or the next scavenge's
 *               to-space takes; their marks cleared when taken, their
 *               bytes left (each new object is cleared as it is allocated,
 *               a copy written whole: .inv.lab-zeroed)
 *   ALLOCATING  the mutator bumps through them (heap->fast.lab); objects that
 *               never survived a scavenge
 *   SURVIVOR    objects that survived one scavenge: the next one promotes
 *   COPY        during a scavenge: the to-space (SURVIVOR after it)
 *
 * Together the ALLOCATING and SURVIVOR pages are the from-space of the next
 * scavenge; V8's two semi-spaces are the from-space and the COPY pages
 * (page-granular, as V8's paged new space). A scavenge may have to copy
 * every from-space byte, and a page wastes at most one object's size at its
 * end, so the pool always holds enough FREE pages for that
 * (.inv.to-space-reserve): the reserve is mapped before a refill hands out a
 * page, and a refill that cannot keep it fails (the caller allocates old).
 * A parallel scavenge leaves one partly filled to-space page per thread:
 * the pool keeps a spare page per helper (v8ish_nursery_reserve_helpers).
 * Objects of V8ISH_LARGE_THRESHOLD bytes or more live alone on young large
 * pages, which a scavenge promotes in place.
 */
#include <stdint.h>
#include <string.h>

#include "invariant-check.h"
#include "pretenuring.h"
#include "space-inl.h"
#include "nursery.h"

#define DEFAULT_MIN_BYTES ((size_t)1 << 20)
#define DEFAULT_MAX_BYTES ((size_t)16 << 20)

static void trim_pool(v8ish_heap *heap, size_t keep, size_t most);

/* The FREE pages one scavenge or full pause gives back to the system at
 * most: unmapping is the kernel freeing every touched page, about 1 ms per
 * 8 pages (2 MiB) here, so a semi-space that halves from 16 MiB gives its
 * pages back over a few scavenges instead of in one 6 ms pause. */
#define TRIM_PAGES_PER_PAUSE 8

static size_t page_area(void) {
  return CCGC_PAGE_SIZE - CCGC_SPACE_MARKS_END;
}

/* Pages a to-space needs to hold every object of `pages` from-space pages:
 * each to-space page holds at least its area less one largest object. */
static size_t reserve_for(size_t pages) {
  size_t usable = page_area() - V8ISH_LARGE_THRESHOLD;
  return (pages * page_area() + usable - 1) / usable + 1;
}

static size_t pages_for(size_t bytes) {
  size_t pages = (bytes + page_area() - 1) / page_area();
  return pages ? pages : 1;
}

void v8ish_nursery_init(v8ish_heap *heap) {
  v8ish_nursery *n = &heap->nursery;
  memset(n, 0, sizeof *n);
  const ccgc_heap_options *o = &heap->base.options;
  if (o->no_young_generation) return;
  size_t min = o->young_min_bytes ? o->young_min_bytes : DEFAULT_MIN_BYTES;
  size_t max = o->young_max_bytes ? o->young_max_bytes : DEFAULT_MAX_BYTES;
  /* A max of 0 is at least the min; a min of 0 at most the max (a max
   * below the default min was raised to it: 512 KiB gave 1.25 MiB). */
  if (!o->young_min_bytes && min > max) min = max;
  if (max < min) max = min;
  n->min_pages = pages_for(min);
  n->max_pages = pages_for(max);
  /* Under a hard limit the young generation (a semi-space, its reserve and
   * the pages to allocate in) keeps to about a quarter of it, so that old
   * space has room to grow before its own trigger. */
  if (o->limit_bytes) {
    size_t cap = pages_for(o->limit_bytes / 8);
    if (n->max_pages > cap) n->max_pages = cap;
    if (n->min_pages > n->max_pages) n->min_pages = n->max_pages;
  }
  n->capacity_pages = n->min_pages;
  n->enabled = true;
}

bool v8ish_page_is_from_space(const v8ish_page *page) {
  return page->young_state == V8ISH_YOUNG_ALLOCATING ||
         page->young_state == V8ISH_YOUNG_SURVIVOR;
}

word_t *v8ish_young_top(v8ish_heap *heap, v8ish_page *page) {
  if (page->base.page.flags & CCGC_PAGE_LARGE) return page->end;
  if (page == heap->nursery.current) return (word_t *)heap->fast.lab.cursor;
  return page->young_state == V8ISH_YOUNG_FREE ? page->start : page->top;
}

/* Maps FREE pages until the pool holds `wanted`; false at the limit. */
static bool fill_pool(v8ish_heap *heap, size_t wanted) {
  v8ish_nursery *n = &heap->nursery;
  while (n->free_pages < wanted) {
    ccgc_status why;
    v8ish_page *page = (v8ish_page *)ccgc_page_space_map_young(
        &heap->base.space, 0, false, &why);
    if (!page) return false;
    page->start = (word_t *)((uint8_t *)page + CCGC_SPACE_MARKS_END);
    page->end = (word_t *)((uint8_t *)page + CCGC_PAGE_SIZE);
    /* Fresh: zero; from the pool: a former page's bytes throughout. */
    page->top = page->start;
    page->dirty = page->base.page.flags & CCGC_PAGE_STALE ? page->end : page->start;
    page->base.page.flags &= (uint16_t)~CCGC_PAGE_STALE;
    page->young_state = V8ISH_YOUNG_FREE;
    n->free_pages++;
  }
  return true;
}

/* A FREE page, now in state; its dirty extent covers its last use. */
static v8ish_page *claim_free(v8ish_heap *heap, int state) {
  v8ish_nursery *n = &heap->nursery;
  for (ccgc_space_page *p = heap->base.space.young_pages; p; p = p->next) {
    v8ish_page *page = (v8ish_page *)p;
    if (page->young_state != V8ISH_YOUNG_FREE) continue;
    if (page->top > page->dirty) page->dirty = page->top;
    page->top = page->start;
    page->young_state = state;
    n->free_pages--;
    return page;
  }
  return NULL;
}

/* Recycled pages hold their old objects, which stay (.inv.lab-zeroed): the
 * mutator's allocations clear each object (space-inl.h, the inline
 * v8ish_fixed_array_new), the scavenger writes every byte below a to-space
 * page's top. Clearing a whole page when taken wrote each byte twice, 8.7 %
 * of GCBench's time (perf). Only the mark table is cleared here. */
static void clear_claimed(v8ish_page *page) {
  ccgc_page_clear_marks(&page->base.page);
}

/* A FREE page to allocate in, its marks cleared. */
static v8ish_page *take_free(v8ish_heap *heap) {
  v8ish_page *page = claim_free(heap, V8ISH_YOUNG_ALLOCATING);
  if (page) clear_claimed(page);
  return page;
}

/* The semi-space is full and its scavenge requested, but the host has not
 * reached a safepoint yet: the nursery overflows by one semi-space at
 * most, then new objects go old until the scavenge. The to-space reserve
 * follows the from-space, so an unbounded overflow committed twice what a
 * host allocates between safepoints (a 1 GiB build with none: 740 MB of
 * young pages and a pool of 1 GB). */
static bool overflow_full(const v8ish_nursery *n) {
  return n->requested && n->allocating_pages >= 2 * n->capacity_pages;
}

word_t *v8ish_nursery_refill(v8ish_heap *heap, size_t size) {
  v8ish_nursery *n = &heap->nursery;
  if (overflow_full(n)) return NULL;
  size_t from = n->allocating_pages + n->survivor_pages + 1;
  /* The new page and, behind it, the reserve for a from-space one page
   * bigger (.inv.to-space-reserve). */
  if (!fill_pool(heap, 1 + reserve_for(from))) {
    /* No room to grow: scavenging the nursery makes some (the caller
     * allocates old meanwhile). */
    if (n->allocating_pages && !n->requested) {
      n->requested = true;
      ccgc_collector_request_minor(heap->base.collector);
    }
    return NULL;
  }
  if (n->current) n->current->top = (word_t *)heap->fast.lab.cursor;
  v8ish_page *page = take_free(heap);
  CCGC_CHECK(page != NULL, ".inv.to-space-reserve");
  n->allocating_pages++;
  n->current = page;
  heap->fast.lab.cursor = (uint8_t *)page->start + size;
  heap->fast.lab.limit = (uint8_t *)page->end;
  page->top = (word_t *)heap->fast.lab.cursor;
  memset(page->start, 0, size); /* the caller's object (.inv.lab-zeroed) */
  /* The semi-space is full: the next safepoint scavenges; until then the
   * nursery overflows into more pages (allocation never collects,
   * .inv.no-gc-in-allocation). */
  if (n->allocating_pages >= n->capacity_pages && !n->requested) {
    n->requested = true;
    ccgc_collector_request_minor(heap->base.collector);
  }
  ccgc_collector_notify_young_allocation(heap->base.collector, page_area());
  return page->start;
}

word_t *v8ish_nursery_allocate_large(v8ish_heap *heap, size_t size,
                                     ccgc_status *why) {
  v8ish_page *page = (v8ish_page *)ccgc_page_space_map_young(
      &heap->base.space, size, true, why);
  if (!page) return NULL;
  page->start = (word_t *)((uint8_t *)page + CCGC_SPACE_HEADER_BYTES);
  page->end = (word_t *)((uint8_t *)page + page->base.page.reservation);
  page->top = page->end;
  page->young_state = V8ISH_YOUNG_LARGE;
  /* Young large objects count against the semi-space: a host allocating
   * only large objects (each its own page, never an allocating page) got
   * no scavenge until the hard limit refused the next one, its garbage
   * all still young (found by an audit). */
  v8ish_nursery *n = &heap->nursery;
  n->large_bytes += page->base.page.reservation;
  if (!n->requested && n->allocating_pages * page_area() + n->large_bytes >=
                           n->capacity_pages * page_area()) {
    n->requested = true;
    ccgc_collector_request_minor(heap->base.collector);
  }
  return page->start; /* fresh: zero */
}

v8ish_page *v8ish_nursery_take_copy_page(v8ish_heap *heap,
                                         pthread_mutex_t *lock) {
  /* The pool's list and counts under the lock; the page's mark table
   * cleared outside it (the page is this thread's once claimed). */
  if (lock) pthread_mutex_lock(lock);
  v8ish_page *page = claim_free(heap, V8ISH_YOUNG_COPY);
  if (page) heap->nursery.copy_pages++;
  if (lock) pthread_mutex_unlock(lock);
  if (page) clear_claimed(page);
  return page;
}

size_t v8ish_nursery_reserve_helpers(v8ish_heap *heap, size_t helpers) {
  v8ish_nursery *n = &heap->nursery;
  size_t reserve = reserve_for(n->allocating_pages + n->survivor_pages);
  while (helpers && !fill_pool(heap, reserve + helpers)) helpers--;
  n->helper_pages = helpers;
  return helpers;
}

void v8ish_nursery_flip(v8ish_heap *heap, size_t survived_bytes,
                        size_t young_before_bytes, bool adapt) {
  v8ish_nursery *n = &heap->nursery;
  ccgc_page_space *space = &heap->base.space;
  for (ccgc_space_page *p = space->young_pages; p; p = p->next) {
    v8ish_page *page = (v8ish_page *)p;
    if (v8ish_page_is_from_space(page)) {
      page->young_state = V8ISH_YOUNG_FREE; /* top kept: its dirty extent */
      n->free_pages++;
    } else if (page->young_state == V8ISH_YOUNG_COPY) {
      page->young_state = V8ISH_YOUNG_SURVIVOR;
    }
  }
  n->survivor_pages = n->copy_pages;
  n->copy_pages = 0;
  n->allocating_pages = 0;
  n->large_bytes = 0;
  n->current = NULL;
  n->requested = false;
  heap->fast.lab.cursor = heap->fast.lab.limit = NULL;
  /* Young large pages: reached ones were promoted, the rest die. */
  for (ccgc_space_page *p = space->large_pages, *next; p; p = next) {
    next = p->next;
    v8ish_page *page = (v8ish_page *)p;
    if (!ccgc_page_is_young(&p->page)) continue;
    if (page->young_state == V8ISH_YOUNG_LARGE_LIVE) {
      ccgc_page_space_promote_large(space, p);
      page->young_state = 0;
    } else {
      ccgc_page_space_release(space, p);
    }
  }
  /* The semi-space follows survival: it doubles while more than a tenth
   * survives, halves while almost nothing does (V8 shrinks only to reduce
   * memory or at a low allocation rate; a small semi-space stays in the
   * cache: docs/script-heap.md "Sizing"). */
  size_t capacity_bytes = n->capacity_pages * page_area();
  if (!adapt) {
    /* The evacuation of a full collection says nothing about survival. */
  } else if (survived_bytes * 10 > capacity_bytes &&
             n->capacity_pages < n->max_pages)
    n->capacity_pages = n->capacity_pages * 2 < n->max_pages
                            ? n->capacity_pages * 2
                            : n->max_pages;
  else if (young_before_bytes >= capacity_bytes / 2 &&
           survived_bytes * 100 < capacity_bytes &&
           n->capacity_pages > n->min_pages)
    n->capacity_pages = n->capacity_pages / 2 > n->min_pages
                            ? n->capacity_pages / 2
                            : n->min_pages;
  /* The pool keeps the reserve of the survivors and one semi-space of
   * pages to allocate in; the rest goes back to the system. */
  trim_pool(heap, reserve_for(n->survivor_pages + n->capacity_pages) +
                      n->capacity_pages + n->helper_pages,
            TRIM_PAGES_PER_PAUSE);
}

void v8ish_nursery_clear_marks(v8ish_heap *heap) {
  /* A pool page's table is cleared when the page is taken (clear_claimed):
   * a pool of thousands of pages after a large nursery costs nothing
   * here. */
  for (ccgc_space_page *p = heap->base.space.young_pages; p; p = p->next)
    if (((v8ish_page *)p)->young_state != V8ISH_YOUNG_FREE)
      ccgc_page_clear_marks(&p->page);
}

/* Every young page that holds objects, and every young large page, becomes
 * old where it is; the nursery is empty after. minor: a fast promotion, not
 * a full collection's sweep: the pages are old pages mapped after the last
 * pause (swept by definition, not measured, their mark tables cleared at
 * the next cycle's start). */
static void convert_young_pages(v8ish_heap *heap, bool minor) {
  v8ish_nursery *n = &heap->nursery;
  ccgc_page_space *space = &heap->base.space;
  for (ccgc_space_page *p = space->young_pages, *next; p; p = next) {
    next = p->next;
    v8ish_page *page = (v8ish_page *)p;
    if (page->young_state == V8ISH_YOUNG_FREE) continue;
    /* An old page's walks end at a zero word (the untouched rest): the
     * stale bytes past its top go (.inv.lab-zeroed). Its top is final: the
     * mutator's area was sealed first (v8ish_seal_labs,
     * v8ish_seal_object_labs). */
    if (page->dirty > page->top)
      memset(page->top, 0,
             (size_t)((uint8_t *)page->dirty - (uint8_t *)page->top));
    page->dirty = page->start;
    page->young_state = 0;
    if (minor) {
      page->sweep_index = -1;
      page->live_bytes = SIZE_MAX;
      page->holds_class = false; /* recomputed by its first sweep */
      p->page.clear_stamp = 0;
    }
    ccgc_page_space_promote_page(space, p);
  }
  for (ccgc_space_page *p = space->large_pages; p; p = p->next)
    if (ccgc_page_is_young(&p->page)) {
      ((v8ish_page *)p)->young_state = 0;
      if (minor) p->page.clear_stamp = 0;
      ccgc_page_space_promote_large(space, p);
    }
  /* Every object is old now: a sweep that follows subtracts the dead. */
  heap->old_used_bytes = space->used_bytes;
  heap->old_objects = space->object_count;
  n->allocating_pages = n->survivor_pages = 0;
  n->large_bytes = 0;
  n->current = NULL;
  n->requested = false;
}

void v8ish_nursery_promote_in_place(v8ish_heap *heap) {
  v8ish_nursery *n = &heap->nursery;
  /* Every traced slot stored so far now holds no young target
   * (.inv.stale-traced-skipped). */
  heap->full_epoch++;
  v8ish_pretenuring_full_pause(heap); /* marks are valid here */
  if (!n->enabled) return;
  v8ish_pretenuring_nursery_promoted(heap);
  convert_young_pages(heap, false);
  n->fast_promote_next = false;
  n->fast_in_a_row = 0;
  /* A memory-reducing collection: the semi-space goes back to its minimum
   * and the pool keeps only what that needs (V8 shrinks its new space). */
  bool reducing = ccgc_collector_reducing_memory(heap->base.collector);
  if (reducing) n->capacity_pages = n->min_pages;
  trim_pool(heap, reserve_for(n->capacity_pages) + n->capacity_pages +
                      n->helper_pages,
            reducing ? SIZE_MAX : TRIM_PAGES_PER_PAUSE);
}

/* --- fast promotion ------------------------------------------------------------ */

/* A scavenge that keeps this share of a full semi-space predicts the next
 * ones (V8's fast promotion mode: 90 percent); at most FAST_RUN of them in
 * a row promote in place before a copying one measures again. */
#define FAST_KEPT_PERCENT 90
#define FAST_RUN 3

bool v8ish_nursery_fast_promotion_due(v8ish_heap *heap) {
  int mode = heap->base.options.fast_promotion;
  if (mode == CCGC_FAST_PROMOTION_NEVER) return false;
  /* While a cycle marks, a scavenge copies: the marker's colors and the
   * slots recorded into evacuation candidates follow copies only
   * (.inv.copy-keeps-color, .inv.compaction-slots-recorded). */
  if (ccgc_barrier_marking(heap->base.barrier)) return false;
  return mode == CCGC_FAST_PROMOTION_ALWAYS || heap->nursery.fast_promote_next;
}

void v8ish_nursery_note_survival(v8ish_heap *heap, size_t young_before,
                                 size_t kept) {
  v8ish_nursery *n = &heap->nursery;
  n->fast_in_a_row = 0;
  /* Of a semi-space at least half full: a scavenge the nursery asked for
   * runs when its last page is taken, so with no survivors yet it holds
   * a page less than its capacity; a host's early scavenge of a few young
   * objects predicts nothing. */
  n->fast_promote_next =
      2 * young_before >= n->capacity_pages * page_area() &&
      kept * 100 >= young_before * FAST_KEPT_PERCENT;
}

void v8ish_nursery_promote_all(v8ish_heap *heap) {
  v8ish_nursery *n = &heap->nursery;
  /* As a full collection's promotion: no traced slot holds a young target
   * any more (.inv.stale-traced-skipped); the sites' young counts start
   * over. No mark is read: none is valid outside a cycle. */
  heap->full_epoch++;
  v8ish_pretenuring_nursery_promoted(heap);
  /* TESTING ONLY (ccgc_collector_break_fast_promotion): the young pages go
   * back to the pool as if empty, their objects with them. */
  if (__builtin_expect(heap->base.barrier->break_fast_promotion, 0))
    for (ccgc_space_page *p = heap->base.space.young_pages; p; p = p->next)
      if (((v8ish_page *)p)->young_state != V8ISH_YOUNG_FREE) {
        ((v8ish_page *)p)->young_state = V8ISH_YOUNG_FREE;
        n->free_pages++;
      }
  convert_young_pages(heap, true);
  n->fast_in_a_row++;
  n->fast_promote_next = n->fast_in_a_row < FAST_RUN;
}

/* Releases FREE pages beyond `keep`, at most `most` of them. */
static void trim_pool(v8ish_heap *heap, size_t keep, size_t most) {
  v8ish_nursery *n = &heap->nursery;
  ccgc_page_space *space = &heap->base.space;
  for (ccgc_space_page *p = space->young_pages, *next;
       p && n->free_pages > keep && most > 0; p = next) {
    next = p->next;
    if (((v8ish_page *)p)->young_state != V8ISH_YOUNG_FREE) continue;
    ccgc_page_space_release(space, p);
    n->free_pages--;
    most--;
  }
}

void v8ish_nursery_yield_to_old(v8ish_heap *heap) {
  v8ish_nursery *n = &heap->nursery;
  /* The overflow's bound, not the limit: the pool stays for the scavenge
   * the next safepoint runs. */
  if (overflow_full(n)) return;
  /* At the hard limit: all of them, now. */
  trim_pool(heap, reserve_for(n->allocating_pages + n->survivor_pages), SIZE_MAX);
}

size_t v8ish_nursery_old_used(const ccgc_heap_base *base) {
  return ((const v8ish_heap *)base)->old_used_bytes;
}

void v8ish_nursery_stats(v8ish_heap *heap, ccgc_heap_stats *out) {
  const v8ish_nursery *n = &heap->nursery;
  if (!n->enabled) return;
  out->young_capacity_bytes = n->capacity_pages * page_area();
  size_t old = heap->old_used_bytes;
  out->young_used_bytes =
      heap->base.space.used_bytes > old ? heap->base.space.used_bytes - old : 0;
}
