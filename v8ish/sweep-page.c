/* sweep-page.c - measuring and freeing one page of the script heap's
 * sweep (sweep-page.h). Measuring walks the page and finds its free runs
 * (dead objects and old fillers, coalesced) and its dead bytes and
 * objects; freeing writes the runs' fillers, in the pause through
 * v8ish_write_filler, after it chained per free-list bucket for the owner
 * to splice (sweeper.c). */
#include <stdlib.h>
#include <string.h>

#include "invariant-check.h"
#include "space-inl.h"
#include "sweep-page.h"

#define POISON_BYTE 0xdb

static bool is_filler(v8ish_heap *heap, const word_t *object) {
  word_t klass = v8ish_load(object, 0);
  return klass == heap->filler_class || klass == heap->one_word_filler_class;
}

/* Debug builds: freed memory is poisoned, so a dangling read shows. */
void v8ish_sweep_poison(word_t *start, size_t bytes) {
  /* Keep the first three words: the filler's map, size and free-list link. */
  if (CCGC_DEBUG_ENABLED && bytes > 24)
    memset((uint8_t *)start + 24, POISON_BYTE, bytes - 24);
}

/* The capacity an array of count items grows to before one more. */
static size_t grown(size_t capacity) { return capacity ? 2 * capacity : 16; }

static void add_run(page_result *result, word_t *start, size_t bytes) {
  if (result->run_count == result->run_capacity) {
    size_t capacity = grown(result->run_capacity);
    free_run *bigger = realloc(result->runs, capacity * sizeof *bigger);
    if (!bigger) /* fatal inside a collection (docs/errors.md) */ g_error("ccgc: out of memory for a sweep's free-run list");
    result->runs = bigger;
    result->run_capacity = capacity;
  }
  result->runs[result->run_count++] = (free_run){start, bytes};
}

static void add_zombie(page_result *result, word_t *zombie) {
  if (result->zombie_count == result->zombie_capacity) {
    size_t capacity = grown(result->zombie_capacity);
    word_t **bigger = realloc(result->zombies, capacity * sizeof *bigger);
    if (!bigger) g_error("ccgc: out of memory for a sweep's list of dead classes");
    result->zombies = bigger;
    result->zombie_capacity = capacity;
  }
  result->zombies[result->zombie_count++] = zombie;
}

/* Measures one normal page into result, and records its live bytes and
 * whether it holds a class (live, or a zombie) in the page
 * (.inv.compaction-classes-stay).
 * keep_classes (lazy sweeping): a dead hidden class ends the run before it
 * and is recorded as a zombie instead of being freed. Reads only. */
void v8ish_sweep_measure_page(v8ish_heap *heap, page_result *result,
                              bool keep_classes) {
  v8ish_page *page = result->page;
  word_t *run = NULL;
  bool empty = true, holds_class = false;
  size_t live_bytes = 0;
  word_t *at = page->start;
  while (at < page->end) {
    if (v8ish_load(at, 0) == 0) { /* untouched rest */
      if (!run) run = at;
      at = page->end;
      break;
    }
    size_t size = v8ish_size_of(at);
    if (!is_filler(heap, at)) {
      bool marked = ccgc_is_marked(at);
      bool klass = v8ish_load(at, 0) == heap->meta_class;
      if (!marked) {
        result->dead_bytes += size;
        result->dead_objects++;
      } else {
        live_bytes += size;
        holds_class |= klass;
      }
      if (marked || (keep_classes && klass)) {
        holds_class |= klass;
        if (run) {
          add_run(result, run, (size_t)(at - run) * 8);
        }
        if (!marked) add_zombie(result, at);
        run = NULL;
        empty = false;
        at += size / 8;
        continue;
      }
    }
    if (!run) run = at;
    at += size / 8;
  }
  if (run && !empty) {
    add_run(result, run, (size_t)(page->end - run) * 8);
  }
  result->empty = empty;
  /* What the next cycle's candidate selection reads (candidates.c): each
   * page is measured by one thread, selection comes after the sweep. */
  page->live_bytes = live_bytes;
  __atomic_store_n(&page->holds_class, holds_class, __ATOMIC_RELAXED);
}

void v8ish_sweep_subtract_dead(v8ish_heap *heap, size_t bytes, size_t objects) {
  heap->base.space.used_bytes -= bytes;
  heap->base.space.object_count -= objects;
  heap->old_used_bytes -= bytes;
  heap->old_objects -= objects;
}

void v8ish_sweep_free_runs(v8ish_heap *heap, const page_result *result) {
  for (size_t i = 0; i < result->run_count; i++) {
    const free_run *found = &result->runs[i];
    v8ish_sweep_poison(found->start, found->bytes);
    v8ish_write_filler(heap, found->start, found->bytes);
  }
}

/* Lazy sweeping, by whoever measured the page (a sweeper thread too): the
 * runs become fillers chained per bucket in result, nothing listed yet.
 * Safe beside the owner: nobody reads a dead run (dead hidden classes are
 * not in runs; the owner walks a page only once merged), and the slot sets
 * of these pages were dropped at sweep_start. */
void v8ish_sweep_write_runs(v8ish_heap *heap, page_result *result) {
  for (size_t i = 0; i < result->run_count; i++) {
    free_run *run = &result->runs[i];
    word_t *at = run->start;
    v8ish_sweep_poison(at, run->bytes);
    if (run->bytes == 8) {
      v8ish_store_raw(at, 0, heap->one_word_filler_class);
      continue;
    }
    v8ish_store_raw(at, 0, heap->filler_class);
    at[FILLER_SIZE] = run->bytes;
    if (run->bytes < 24) continue;
    unsigned bucket = ccgc_free_list_bucket(run->bytes, V8ISH_BUCKETS);
    at[FILLER_NEXT] = (word_t)result->heads[bucket];
    result->heads[bucket] = at;
    if (!result->tails[bucket]) result->tails[bucket] = at;
  }
}

