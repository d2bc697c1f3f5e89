/* sweep-page.h - one page of the script heap's sweep: measuring it (its
 * free runs, dead bytes and objects, dead classes kept as zombies) and
 * freeing what was found, in the pause or after it (sweep-page.c). The
 * sweep's order and its threads are sweeper.c's; docs/sweeping.md tells
 * the whole story. Internal to v8ish/. */
#ifndef V8ISH_SWEEP_PAGE_H
#define V8ISH_SWEEP_PAGE_H

#include <stdbool.h>
#include <stddef.h>

#include "heap-internal.h"

typedef struct free_run {
  word_t *start;
  size_t bytes;
} free_run;

/* What measuring one page found. */
typedef struct page_result {
  struct page_result *next; /* in the queue (v8ish_sweep.queued) */
  v8ish_page *page;
  size_t index;     /* in heap->sweep.pages; (size_t)-1 in the pause */
  /* Plain malloc'd arrays: sweeper threads fill them (no GLib allocator
   * on their side). */
  free_run *runs;
  size_t run_count, run_capacity;
  word_t **zombies; /* dead hidden classes kept (lazy only) */
  size_t zombie_count, zombie_capacity;
  size_t dead_bytes, dead_objects;
  bool empty;       /* no live object, no zombie: the page can go */
  /* Lazy sweeping: the runs, already fillers, chained per free-list bucket
   * by whoever measured the page; the owner splices the chains. */
  word_t *heads[V8ISH_BUCKETS], *tails[V8ISH_BUCKETS];
} page_result;

/* Debug builds: freed memory is poisoned (its first three words kept: a
 * filler's map, size and free-list link), so a dangling read shows. */
void v8ish_sweep_poison(word_t *start, size_t bytes);
/* Measures one normal page into result (result->page set, the rest zero),
 * and records its live bytes and whether it holds a class (live, or a
 * zombie) in the page (.inv.compaction-classes-stay). keep_classes (lazy
 * sweeping): a dead hidden class ends the run before it and is recorded as
 * a zombie instead of being freed. Reads only: any thread. */
void v8ish_sweep_measure_page(v8ish_heap *heap, page_result *result,
                              bool keep_classes);
/* Owner: the dead leave the heap's statistics. */
void v8ish_sweep_subtract_dead(v8ish_heap *heap, size_t bytes, size_t objects);
/* In the pause: the runs become fillers (v8ish_write_filler). */
void v8ish_sweep_free_runs(v8ish_heap *heap, const page_result *result);
/* After the pause, by whoever measured the page (a sweeper thread too):
 * the runs become fillers chained per bucket in result, nothing listed. */
void v8ish_sweep_write_runs(v8ish_heap *heap, page_result *result);

#endif
