/* sweeper.c - the script heap's sweep: all of it in the pause (the reclaim
 * op, CCGC_SWEEP_ATOMIC), or lazily after it on the owner thread and
 * concurrently on the collector's sweeper threads (the sweep ops,
 * CCGC_SWEEP_LAZY / _CONCURRENT; docs/sweeping.md).
 *
 * A page is swept in two halves (sweep-page.c). Measuring walks the page
 * and finds its free runs (dead objects and old fillers, coalesced) and
 * its dead bytes and objects; after the pause it also writes the runs'
 * fillers (poisoned in debug builds) and chains them per free-list
 * bucket: a sweeper thread may do all of that, since nobody else reads a
 * dead run. Merging splices those chains into the free lists, subtracts
 * the dead from the heap's statistics and releases an empty page: only
 * the owner does it, so the free lists and the statistics are the owner's
 * alone (no lock on the allocation path; .inv.swept-before-allocation).
 * In the pause the merge writes the fillers itself (v8ish_write_filler,
 * which clears their remembered slots; after the pause sweep_start drops
 * the slot sets).
 *
 * A dead object's size comes from its hidden class, which may be dead too.
 * In the pause every page is measured before anything is freed. After it,
 * pages are freed one by one while others are still to be measured, so a
 * dead hidden class is never freed by its page's merge: it stays as it is
 * (a "zombie", unmarked) until sweeping completes, and the last step frees
 * them all. Live objects are never read for anything but their size, and
 * nothing changes an object's size on a page that is not merged
 * (v8ish_sweep_ensure_page before every shape change).
 */
#include <sched.h>
#include <stdlib.h>
#include <string.h>

#include "invariant-check.h"
#include "remembered-set.h"
#include "space-inl.h"
#include "nursery.h"
#include "sweeper.h"
#include "sweep-page.h"
#include "candidates.h"

/* The dead large pages found in the pause go back to the OS (owner). */
static void release_dead_large(v8ish_heap *heap) {
  GPtrArray *dead = heap->sweep.dead_large;
  if (!dead) return;
  heap->sweep.dead_large = NULL;
  for (guint i = 0; i < dead->len; i++) {
    v8ish_page *page = g_ptr_array_index(dead, i);
    /* Its class may be dead too: kept until completion (the zombies). */
    v8ish_sweep_subtract_dead(heap, v8ish_size_of(page->start), 1);
    ccgc_page_space_release(&heap->base.space, &page->base);
  }
  g_ptr_array_free(dead, TRUE);
}

/* Large pages: one object each; a dead one's page goes back to the OS. */
static void sweep_large_pages(v8ish_heap *heap) {
  ccgc_page_space *space = &heap->base.space;
  for (ccgc_space_page *p = space->large_pages, *next; p; p = next) {
    next = p->next;
    v8ish_page *page = (v8ish_page *)p;
    if (ccgc_is_marked(page->start)) continue;
    v8ish_sweep_subtract_dead(heap, v8ish_size_of(page->start), 1);
    ccgc_page_space_release(space, p);
  }
}

/* --- in the pause (CCGC_SWEEP_ATOMIC) ----------------------------------- */

void v8ish_space_sweep(void *data) {
  v8ish_heap *heap = data;
  v8ish_compact_release(heap); /* compactor.c: the evacuated pages go */
  /* The mutator allocated during incremental marking: close that area too,
   * or a page holding only it would look empty and go back to the OS. */
  v8ish_seal_labs(heap);
  /* The young generation joins old space where it is (nursery.c). */
  v8ish_nursery_promote_in_place(heap);
  memset(heap->free_lists, 0, sizeof heap->free_lists);
  /* Pass 1: measure every normal page before freeing anything (a dead
   * object's class may be dead: no class may be freed before every page
   * has been measured). */
  ccgc_page_space *space = &heap->base.space;
  GArray *results = g_array_new(FALSE, TRUE, sizeof(page_result));
  for (ccgc_space_page *p = space->pages; p; p = p->next) {
    page_result result = {.page = (v8ish_page *)p, .index = (size_t)-1};
    v8ish_sweep_measure_page(heap, &result, false);
    g_array_append_val(results, result);
  }
  /* Large objects are measured before any normal page is freed too. */
  sweep_large_pages(heap);
  /* Pass 2: free. */
  for (guint i = 0; i < results->len; i++) {
    page_result *result = &g_array_index(results, page_result, i);
    v8ish_sweep_subtract_dead(heap, result->dead_bytes, result->dead_objects);
    v8ish_sweep_free_runs(heap, result);
    free(result->runs);
  }
  for (guint i = 0; i < results->len; i++) {
    page_result *result = &g_array_index(results, page_result, i);
    if (result->empty)
      ccgc_page_space_release(space, &result->page->base);
  }
  g_array_free(results, TRUE);
  ccgc_heap_base_grow_soft_limit(&heap->base);
}

/* --- after the pause (CCGC_SWEEP_LAZY, _CONCURRENT) --------------------- */

void v8ish_sweep_init(v8ish_heap *heap) {
  atomic_init(&heap->sweep.queued, NULL);
  atomic_init(&heap->sweep.cursor, 0);
}

/* What the result still holds goes (its page's entry stays). */
static void result_release(page_result *result) {
  free(result->runs);
  free(result->zombies);
  result->runs = NULL;
  result->zombies = NULL;
}

/* The end of a sweep (owner): the queue and the kept classes go. The page
 * list and its states stay until the next sweep_start or the heap's end:
 * sweeper threads may still look at them (every page MERGED, so they claim
 * nothing) until the collector stops them, after every heap is swept. */
static void sweep_end(v8ish_heap *heap) {
  v8ish_sweep *sweep = &heap->sweep;
  /* Every page is merged, or no sweeper thread runs (the heap's end). */
  atomic_store(&sweep->queued, NULL);
  sweep->pending = NULL;
  if (sweep->results)
    for (size_t i = 0; i < sweep->page_count; i++) result_release(&sweep->results[i]);
  if (sweep->zombies) g_array_free(sweep->zombies, TRUE);
  sweep->zombies = NULL;
  /* The heap's end during a sweep: its pages go with the space. */
  if (sweep->dead_large) g_ptr_array_free(sweep->dead_large, TRUE);
  sweep->dead_large = NULL;
  sweep->active = false;
}

/* No sweeper thread runs (a new sweep_start, the heap's end). */
static void drop_page_list(v8ish_heap *heap) {
  v8ish_sweep *sweep = &heap->sweep;
  free(sweep->pages);
  free((void *)sweep->states);
  free(sweep->results);
  sweep->pages = NULL;
  sweep->states = NULL;
  sweep->results = NULL;
  sweep->page_count = sweep->merged = 0;
}

void v8ish_sweep_free(v8ish_heap *heap) {
  sweep_end(heap);
  drop_page_list(heap);
}

void v8ish_sweep_start(void *data, bool concurrent) {
  v8ish_heap *heap = data;
  v8ish_sweep *sweep = &heap->sweep;
  sweep->concurrent = concurrent;
  CCGC_CHECK(!sweep->active, ".inv.marks-until-swept");
  v8ish_compact_release(heap); /* compactor.c: the evacuated pages go */
  v8ish_seal_labs(heap);
  /* In the pause, as in the atomic sweep: the nursery is empty after every
   * full collection; its pages are unswept old pages now. */
  v8ish_nursery_promote_in_place(heap);
  /* .inv.swept-before-allocation: the free lists held blocks of pages that
   * are unswept now. Without them the allocator takes memory only from
   * merged pages and new ones. (TESTING ONLY: the switch keeps them.) */
  memset(heap->stale_free_lists, 0, sizeof heap->stale_free_lists);
  if (ccgc_collector_scavenge_sweeping_broken(heap->base.collector))
    memcpy(heap->stale_free_lists, heap->free_lists,
           sizeof heap->free_lists);
  if (!ccgc_collector_sweeping_broken(heap->base.collector))
    memset(heap->free_lists, 0, sizeof heap->free_lists);
  drop_page_list(heap); /* the last sweep's: its sweeper threads stopped */
  ccgc_page_space *space = &heap->base.space;
  size_t count = 0;
  for (ccgc_space_page *p = space->pages; p; p = p->next) count++;
  sweep->pages = calloc(count ? count : 1, sizeof *sweep->pages);
  sweep->states = calloc(count ? count : 1, sizeof *sweep->states);
  sweep->results = calloc(count ? count : 1, sizeof *sweep->results);
  if (!sweep->pages || !sweep->states || !sweep->results) {
    /* No memory for the page list: swept in the pause, as atomically (the
     * step then finds nothing to do). */
    drop_page_list(heap);
    v8ish_space_sweep(heap);
    return;
  }
  size_t i = 0;
  for (ccgc_space_page *p = space->pages; p; p = p->next, i++) {
    v8ish_page *page = (v8ish_page *)p;
    /* Nothing is young after a full collection: every recorded old-to-young
     * slot is stale. Dropped now, the dead runs need no clearing later
     * (.inv.old-to-young-recorded holds: new records come after). */
    ccgc_slot_set_free(&page->base.page);
    sweep->pages[i] = page;
    page->sweep_index = (int32_t)i;
    atomic_init(&sweep->states[i], V8ISH_PAGE_UNSWEPT);
  }
  sweep->page_count = i;
  sweep->merged = 0;
  /* The large pages' records are as stale (a dead one waits for the first
   * owner step, and a scavenge may come before it). */
  for (ccgc_space_page *p = space->large_pages; p; p = p->next)
    ccgc_slot_set_free(&p->page);
  atomic_store(&sweep->cursor, 0);
  atomic_store(&sweep->helper_pages, 0);
  atomic_store(&sweep->queued, NULL);
  sweep->zombies = g_array_new(FALSE, FALSE, sizeof(word_t *));
  /* Which large objects died is decided now, in the pause: a large page
   * allocated after it is unmarked and alive (marking is off). */
  sweep->dead_large = g_ptr_array_new();
  for (ccgc_space_page *p = space->large_pages; p; p = p->next)
    if (!ccgc_is_marked(((v8ish_page *)p)->start))
      g_ptr_array_add(sweep->dead_large, p);
  sweep->active = true;
  /* Nothing is freed yet: no collection request from the first allocation
   * after the pause (the growing policy's limit comes at completion). */
  ccgc_heap_base_hold_soft_limit(&heap->base);
}

bool v8ish_page_swept(const v8ish_heap *heap, const v8ish_page *page) {
  const v8ish_sweep *sweep = &heap->sweep;
  /* A large page: swept once the dead ones found in the pause are gone. */
  if (page->base.page.flags & CCGC_PAGE_LARGE)
    return !sweep->active || !sweep->dead_large;
  if (!sweep->active || page->sweep_index < 0 ||
      (size_t)page->sweep_index >= sweep->page_count ||
      sweep->pages[page->sweep_index] != page)
    return true;
  return atomic_load(&sweep->states[page->sweep_index]) == V8ISH_PAGE_MERGED;
}

/* Claims page index from UNSWEPT; true if this caller won it. */
static bool claim(v8ish_sweep *sweep, size_t index) {
  uint8_t expected = V8ISH_PAGE_UNSWEPT;
  return atomic_compare_exchange_strong(&sweep->states[index], &expected,
                                        (uint8_t)V8ISH_PAGE_SWEEPING);
}

/* Measures a claimed page (any thread) into its entry of the results;
 * the runs, once written, go in the same thread (v8ish_sweep.results). */
static page_result *measure_claimed(v8ish_heap *heap, size_t index) {
  page_result *result = &heap->sweep.results[index];
  result->page = heap->sweep.pages[index];
  result->index = index;
  v8ish_sweep_measure_page(heap, result, true);
  /* TESTING ONLY: with the kept free lists (whose links run through these
   * runs) the owner writes the runs at the merge, after unlist_page. */
  if (ccgc_collector_sweeping_broken(heap->base.collector)) return result;
  if (!result->empty) v8ish_sweep_write_runs(heap, result);
  free(result->runs);
  result->runs = NULL;
  result->run_count = result->run_capacity = 0;
  return result;
}

/* TESTING ONLY (ccgc_collector_break_sweeping): the free lists kept from
 * the last cycle lose their blocks of a page about to be merged, so that
 * no block is listed twice; blocks already handed out stay handed out. */
static void unlist_page(v8ish_heap *heap, const v8ish_page *page) {
  for (unsigned bucket = 0; bucket < V8ISH_BUCKETS; bucket++)
    for (word_t **link = &heap->free_lists[bucket]; *link;) {
      /* The broken lists keep blocks of pages since released, and blocks
       * that live objects now hold: such a block ends its list here,
       * instead of unmapped memory or an object's words being followed as
       * a link (a crash, not the verifier's report, under
       * --check-every-op). */
      ccgc_page *home = ccgc_collector_find_page(heap->base.collector, *link);
      if (!home || home->owner != heap || (*link)[0] != heap->filler_class) {
        *link = NULL;
        break;
      }
      if (ccgc_page_of(*link) == &page->base.page)
        *link = (word_t *)(*link)[FILLER_NEXT];
      else
        link = (word_t **)&(*link)[FILLER_NEXT];
    }
}

/* Owner: frees what a measured page holds free and lists it. */
static void merge(v8ish_heap *heap, page_result *result) {
  v8ish_sweep *sweep = &heap->sweep;
  v8ish_sweep_subtract_dead(heap, result->dead_bytes, result->dead_objects);
  if (ccgc_collector_sweeping_broken(heap->base.collector) && !result->empty) {
    unlist_page(heap, result->page);
    v8ish_sweep_free_runs(heap, result);
  }
  for (unsigned bucket = 0; bucket < V8ISH_BUCKETS; bucket++) {
    if (!result->heads[bucket]) continue;
    result->tails[bucket][FILLER_NEXT] = (word_t)heap->free_lists[bucket];
    heap->free_lists[bucket] = result->heads[bucket];
  }
  g_array_append_vals(sweep->zombies, result->zombies,
                      (guint)result->zombie_count);
  atomic_store(&sweep->states[result->index], (uint8_t)V8ISH_PAGE_MERGED);
  sweep->merged++;
  /* Nobody reaches the page by its index once it is MERGED. */
  if (result->empty) ccgc_page_space_release(&heap->base.space,
                                             &result->page->base);
  result_release(result);
}

/* Owner: merges the results the sweeper threads queued, taking the queue
 * whole (never waits) onto its own list; with a deadline (> 0) it stops
 * there, after one merge at least (an empty page's release may unmap it:
 * tens of microseconds each, hundreds queued between two steps). */
static void merge_queued(v8ish_heap *heap, double deadline_ms) {
  v8ish_sweep *sweep = &heap->sweep;
  page_result *r = atomic_exchange_explicit(&sweep->queued, NULL, memory_order_acquire);
  /* The stack is newest first: reversed, it goes behind what was left. */
  page_result *batch = NULL;
  for (page_result *next; r; r = next) {
    next = r->next;
    r->next = batch;
    batch = r;
  }
  page_result **tail = &sweep->pending;
  while (*tail) tail = &(*tail)->next;
  *tail = batch;
  while (sweep->pending) {
    page_result *first = sweep->pending;
    sweep->pending = first->next;
    merge(heap, first);
    if (deadline_ms > 0 && ccgc_time_ms() >= deadline_ms) return;
  }
}

/* Owner: claims the next unswept page, measures and merges it. False when
 * no page is left to claim. */
static bool sweep_next_page(v8ish_heap *heap) {
  v8ish_sweep *sweep = &heap->sweep;
  for (;;) {
    size_t index = atomic_fetch_add(&sweep->cursor, 1);
    if (index >= sweep->page_count) return false;
    if (!claim(sweep, index)) continue; /* swept on demand already */
    merge(heap, measure_claimed(heap, index));
    return true;
  }
}

void v8ish_sweep_concurrent(void *data, const atomic_bool *stop) {
  v8ish_heap *heap = data;
  v8ish_sweep *sweep = &heap->sweep;
  while (!atomic_load(stop)) {
    size_t index = atomic_fetch_add(&sweep->cursor, 1);
    if (index >= sweep->page_count) return;
    if (!claim(sweep, index)) continue;
    page_result *result = measure_claimed(heap, index);
    atomic_fetch_add(&sweep->helper_pages, 1);
    /* SWEPT before the push: once pushed, the owner may merge the page
     * (MERGED) at once, and a SWEPT stored after that would undo it. An
     * owner that sees SWEPT first waits for the push (ensure_page). */
    atomic_store(&sweep->states[index], (uint8_t)V8ISH_PAGE_SWEPT);
    page_result *head = atomic_load_explicit(&sweep->queued, memory_order_relaxed);
    do
      result->next = head;
    while (!atomic_compare_exchange_weak_explicit(&sweep->queued, &head, result,
                                                  memory_order_release,
                                                  memory_order_relaxed));
  }
}

/* Completion: every page merged. The zombie classes go now that no dead
 * object is left to measure. */
static void complete(v8ish_heap *heap) {
  v8ish_sweep *sweep = &heap->sweep;
  for (guint i = 0; i < sweep->zombies->len; i++) {
    word_t *zombie = g_array_index(sweep->zombies, word_t *, i);
    size_t size = v8ish_size_of(zombie);
    v8ish_sweep_poison(zombie, size);
    v8ish_write_filler(heap, zombie, size);
  }
  memset(heap->stale_free_lists, 0, sizeof heap->stale_free_lists);
  sweep_end(heap);
  ccgc_heap_base_grow_soft_limit(&heap->base);
}

bool v8ish_sweep_step(void *data, double deadline_ms) {
  v8ish_heap *heap = data;
  v8ish_sweep *sweep = &heap->sweep;
  if (!sweep->active) return true;
  release_dead_large(heap);
  size_t merged_before = sweep->merged;
  merge_queued(heap, deadline_ms);
  /* With sweeper threads running, a bounded step leaves the measuring to
   * them: it merges what they found, and sweeps a page itself only when
   * they found nothing since the last step (progress either way). With
   * none running (none started, or parked) the owner sweeps alone. */
  bool threads = sweep->concurrent &&
                 ccgc_collector_sweepers_running(heap->base.collector);
  if (threads && deadline_ms > 0 && sweep->merged > merged_before) {
    if (sweep->merged < sweep->page_count) return false;
    complete(heap);
    return true;
  }
  /* At least one page per step (progress), then until the deadline (one
   * page alone when sweeper threads help). */
  bool more = sweep_next_page(heap);
  while (more && (deadline_ms <= 0 ||
                  (!threads && ccgc_time_ms() < deadline_ms)))
    more = sweep_next_page(heap);
  if (deadline_ms <= 0) {
    /* Done claiming: wait for the pages sweeper threads still measure. */
    while (sweep->merged < sweep->page_count) {
      sched_yield();
      merge_queued(heap, 0);
    }
  } else {
    merge_queued(heap, deadline_ms);
  }
  if (sweep->merged < sweep->page_count) return false;
  complete(heap);
  return true;
}

bool v8ish_sweep_done(void *data) {
  return !((const v8ish_heap *)data)->sweep.active;
}

bool v8ish_sweep_for_allocation(v8ish_heap *heap) {
  v8ish_sweep *sweep = &heap->sweep;
  /* A scavenge's promotion (possibly on several threads) takes merged
   * memory or a new page, never sweeps (docs/sweeping.md). */
  if (!sweep->active || sweep->scavenging) return false;
  release_dead_large(heap);
  merge_queued(heap, 0);
  return sweep_next_page(heap);
}

bool v8ish_sweep_finish_for_allocation(v8ish_heap *heap) {
  v8ish_sweep *sweep = &heap->sweep;
  if (!sweep->active || sweep->scavenging) return false;
  v8ish_sweep_step(heap, 0); /* waits for the sweeper threads' pages */
  return true;
}

void v8ish_sweep_ensure_page(v8ish_heap *heap, const void *object) {
  v8ish_sweep *sweep = &heap->sweep;
  if (!sweep->active) return;
  ccgc_page *base = ccgc_page_of(object);
  if (base->flags & CCGC_PAGE_LARGE) {
    release_dead_large(heap);
    return;
  }
  v8ish_page *page = (v8ish_page *)base;
  if (v8ish_page_swept(heap, page)) return;
  size_t index = (size_t)page->sweep_index;
  if (claim(sweep, index)) {
    merge(heap, measure_claimed(heap, index));
    return;
  }
  /* A sweeper thread has it: wait for its result. */
  while (atomic_load(&sweep->states[index]) != V8ISH_PAGE_MERGED) {
    merge_queued(heap, 0);
    if (atomic_load(&sweep->states[index]) != V8ISH_PAGE_MERGED) sched_yield();
  }
}
