/* sweeper.c - reclamation of the DOM heap, after marking.
 *
 * Two passes (.inv.weak-before-finalizers holds already: the collector ran
 * every heap's weak processing before calling finalize):
 *  1. finalization (the finalize op, run before any heap sweeps,
 *     .inv.finalize-before-sweep): for every unmarked object, the wrappable
 *     release hook (bridge/ frees the wrapper reference), then the type's
 *     finalizer. Dead neighbours, of both heaps, are still intact during
 *     this pass; stores are refused (.inv.finalizer-no-store).
 *  2. freeing (the reclaim op, no host code): unmarked objects and free
 *     cells coalesce into runs; a run that covers a whole page releases the
 *     page, others go to the free lists.
 *     Start bits of freed cells are cleared, so a dangling pointer is
 *     recognised as dead; in CCGC_DEBUG builds freed memory is poisoned.
 *
 * This is CCGC_SWEEP_ATOMIC, in the pause. The page-level pieces are shared
 * with the sweep after the pause (lazy-sweeper.c): the freeing pass of one
 * page (blinkish_page_sweep_cells) touches nothing but the page, so a
 * sweeper thread that claimed it may run it; its result is merged into the
 * heap on the owner (blinkish_page_sweep_merge).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "heap-internal.h"
#include "invariant-check.h"

#define POISON_BYTE 0xdb

void blinkish_release_wrapper(blinkish_heap *heap, void *object) {
  blinkish_header *header = blinkish_header_of(object);
  if (blinkish_header_is_wrappable(header) && heap->wrappable_release) {
    void **slot = (void **)object - 1;
    if (*slot) heap->wrappable_release(object, *slot, heap->wrappable_data);
    *slot = NULL;
  }
}

/* The type's finalizer of a dead object (no other host code). */
static void run_finalizer(const blinkish_type *type, void *object) {
  if (type->finalize_with_data)
    type->finalize_with_data(object, type->finalize_data);
  else if (type->finalize)
    type->finalize(object);
}

void blinkish_finalize_object(blinkish_heap *heap, void *object) {
  blinkish_release_wrapper(heap, object);
  run_finalizer(&heap->types[blinkish_header_type(blinkish_header_of(object))],
                object);
}

static void finalize_if_dead(void *object, void *data) {
  if (!ccgc_is_marked(object)) blinkish_finalize_object(data, object);
}

static void finalize_any(void *object, void *data) {
  blinkish_finalize_object(data, object);
}

void blinkish_finalize_all(blinkish_heap *heap) {
  heap->in_finalization = true;
  blinkish_each_object(heap, finalize_any, heap);
  heap->in_finalization = false;
}

/* Debug builds: freed memory is poisoned, so a dangling read shows. */
static void poison(uint8_t *start, size_t size) {
  if (CCGC_DEBUG_ENABLED)
    memset(start, POISON_BYTE, size);
}

/* A start bit cleared with an atomic update: on a page a sweeper thread
 * sweeps, the owner may read the bits of its survivors meanwhile
 * (validation.c). */
static void clear_start(blinkish_page *page, const uint8_t *cell) {
  size_t index = ((uintptr_t)cell - (uintptr_t)page) >> CCGC_GRANULE_SHIFT;
  __atomic_fetch_and(&page->start_bits[index >> 3],
                     (uint8_t) ~(1u << (index & 7)), __ATOMIC_RELAXED);
}

/* Ends the run [run, end) in out: a free cell, linked last in its
 * bucket's chain. */
static void add_run(blinkish_page_sweep *out, uint8_t *run, uint8_t *end) {
  blinkish_free_cell *cell = (blinkish_free_cell *)run;
  size_t size = (size_t)(end - run);
  __atomic_store_n(&cell->header.word, blinkish_header_make(0, size, false, true),
                   __ATOMIC_RELAXED);
  __atomic_store_n(&cell->next, NULL, __ATOMIC_RELAXED);
  unsigned bucket = ccgc_free_list_bucket(size, BLINKISH_BUCKETS);
  if (out->tails[bucket])
    __atomic_store_n(&out->tails[bucket]->next, cell, __ATOMIC_RELAXED);
  else
    out->heads[bucket] = cell;
  out->tails[bucket] = cell;
  if (size > out->largest) out->largest = size;
}

/* The size of the cell at cell, or 0 at the untouched rest of the page
 * (no header: the allocator never reached it). */
static inline size_t cell_size_at(const blinkish_page *page,
                                  const uint8_t *cell) {
  const blinkish_header *header = (const blinkish_header *)cell;
  if (!blinkish_word_is_header(blinkish_header_word(header))) return 0;
  size_t size = blinkish_header_cell_size(header);
  /* A header that does not tile the page (hot: debug builds only). */
  CCGC_CHECK_DEBUG(size >= CCGC_GRANULE && (size & (CCGC_GRANULE - 1)) == 0 &&
                       size <= (size_t)(page->cells_end - cell),
                   ".inv.iterable-pages");
  return size;
}

void blinkish_page_sweep_cells(blinkish_page *page, blinkish_page_sweep *out) {
  memset(out, 0, sizeof *out);
  uint8_t *run = NULL; /* start of the current free run */
  bool empty = true;
  uint8_t *cell = page->cells_start;
  while (cell < page->cells_end) {
    blinkish_header *header = (blinkish_header *)cell;
    size_t size = cell_size_at(page, cell);
    if (!size) { /* untouched rest */
      if (!run) run = cell;
      cell = page->cells_end;
      break;
    }
    if (!blinkish_header_is_free(header)) {
      void *payload =
          cell + blinkish_payload_offset(blinkish_header_is_wrappable(header));
      if (ccgc_is_marked(payload)) {
        if (run) add_run(out, run, cell);
        run = NULL;
        empty = false;
        cell += size;
        continue;
      }
      out->freed_bytes += size;
      out->freed_objects++;
      clear_start(page, cell);
      poison(cell + 8, size - 8);
      __atomic_store_n(&header->word, blinkish_header_make(0, size, false, true),
                       __ATOMIC_RELAXED);
    }
    if (!run) run = cell;
    cell += size;
  }
  out->empty = empty; /* a run is only ever ended by a survivor: none yet */
  if (empty) return;
  if (run && run < page->cells_end) add_run(out, run, page->cells_end);
}

/* Whether a dead object leaves host code for the owner: a finalizer that
 * must run there, or a wrapper to release (.inv.concurrent-finalizers).
 * The wrapper slot of a dead object is written by no one: the owner clears
 * it only when it releases it. */
static bool waits_for_owner(bool release_hook, const blinkish_type *type,
                            const blinkish_header *header, void *payload) {
  if (!(type->flags & BLINKISH_TYPE_CONCURRENT_FINALIZER)) return true;
  return release_hook && blinkish_header_is_wrappable(header) &&
         *((void **)payload - 1);
}

/* The pass over a host-code page (blinkish_page_sweep_deferring). count
 * only: what it would list (listed objects, free runs) is counted and
 * nothing changes. Else: dead objects of concurrently finalized types are
 * finalized, the ones nothing waits for freed, and the rest listed in dead
 * with the runs between them (runs_listed) or, when none is listed, the
 * runs go to out's chains. */
typedef struct deferring_pass {
  const blinkish_heap *heap;
  blinkish_page *page;
  blinkish_page_sweep *out;
  blinkish_deferred *dead;
  bool count, runs_listed;
  /* Whether the heap has a release hook, read once for both passes: the
   * host may set the hooks meanwhile (blinkish_heap_set_wrappable_hooks). */
  bool release_hook;
  /* TESTING ONLY (ccgc_collector_break_concurrent_finalizers): live
   * objects of concurrently finalized types are finalized too. */
  bool broken;
  size_t listed, runs;
} deferring_pass;

/* Appends an entry to the list the counting pass reserved
 * (.inv.concurrent-finalizers: reserved before anything is finalized). */
static void list_entry(blinkish_deferred *dead, uint8_t *entry) {
  CCGC_CHECK_DEBUG(dead->count < dead->capacity, ".inv.concurrent-finalizers");
  dead->cells[dead->count++] = entry;
}

static void end_run(deferring_pass *pass, uint8_t *run, uint8_t *end) {
  pass->runs++;
  if (pass->count) return;
  if (!pass->runs_listed) {
    add_run(pass->out, run, end);
    return;
  }
  list_entry(pass->dead, (uint8_t *)((uintptr_t)run | BLINKISH_DEFERRED_RUN));
  list_entry(pass->dead, end);
}

static void deferring_walk(deferring_pass *pass) {
  blinkish_page *page = pass->page;
  blinkish_page_sweep *out = pass->out;
  uint8_t *run = NULL; /* start of the current free run */
  bool empty = true;
  uint8_t *cell = page->cells_start;
  while (cell < page->cells_end) {
    blinkish_header *header = (blinkish_header *)cell;
    size_t size = cell_size_at(page, cell);
    if (!size) { /* untouched rest */
      if (!run) run = cell;
      cell = page->cells_end;
      break;
    }
    if (!blinkish_header_is_free(header)) {
      void *payload =
          cell + blinkish_payload_offset(blinkish_header_is_wrappable(header));
      bool marked = ccgc_is_marked(payload);
      bool waits = false;
      if (marked && __builtin_expect(pass->broken, 0) && !pass->count) {
        const blinkish_type *type =
            &pass->heap->types[blinkish_header_type(header)];
        if (type->flags & BLINKISH_TYPE_CONCURRENT_FINALIZER)
          run_finalizer(type, payload);
      }
      if (!marked) {
        const blinkish_type *type =
            &pass->heap->types[blinkish_header_type(header)];
        waits = waits_for_owner(pass->release_hook, type, header, payload);
        if (!pass->count) {
          out->freed_bytes += size;
          out->freed_objects++;
          if (type->flags & BLINKISH_TYPE_CONCURRENT_FINALIZER)
            run_finalizer(type, payload);
        }
      }
      /* A survivor, or a dead object that waits intact for host code on
       * the owner (.inv.finalizers-on-owner), ends the run. */
      if (marked || waits) {
        if (run) end_run(pass, run, cell);
        run = NULL;
        if (marked) {
          empty = false;
        } else {
          pass->listed++;
          if (!pass->count) list_entry(pass->dead, cell);
        }
        cell += size;
        continue;
      }
      if (!pass->count) {
        clear_start(page, cell);
        poison(cell + 8, size - 8);
        __atomic_store_n(&header->word,
                         blinkish_header_make(0, size, false, true),
                         __ATOMIC_RELAXED);
      }
    }
    if (!run) run = cell;
    cell += size;
  }
  if (pass->count) { /* the last run too (an upper bound if empty) */
    if (run && run < page->cells_end) pass->runs++;
    return;
  }
  out->empty = empty;
  if (empty) {
    memset(out->heads, 0, sizeof out->heads);
    memset(out->tails, 0, sizeof out->tails);
    out->largest = 0;
    return;
  }
  if (run && run < page->cells_end) end_run(pass, run, page->cells_end);
}

/* Room for count entries in dead; false when the list cannot grow. */
static bool reserve_entries(blinkish_deferred *dead, size_t count) {
  if (count <= dead->capacity) return true;
  size_t capacity = dead->capacity ? dead->capacity : 64;
  while (capacity < count) capacity *= 2;
  uint8_t **cells = realloc(dead->cells, capacity * sizeof *cells);
  if (!cells) return false;
  dead->cells = cells;
  dead->capacity = capacity;
  return true;
}

bool blinkish_page_sweep_deferring(const blinkish_heap *heap,
                                   blinkish_page *page,
                                   blinkish_page_sweep *out,
                                   blinkish_deferred *dead) {
  memset(out, 0, sizeof *out);
  dead->count = dead->objects = 0;
  /* First counted, so that the list has room for all before any object is
   * finalized: a page left to the owner must have run no finalizer yet. */
  bool release_hook =
      __atomic_load_n(&heap->wrappable_release, __ATOMIC_RELAXED) != NULL;
  bool broken = __atomic_load_n(&heap->base.barrier->break_concurrent_finalizers,
                                __ATOMIC_RELAXED);
  deferring_pass pass = {heap, page, out, dead, true, false, release_hook, broken, 0, 0};
  deferring_walk(&pass);
  size_t listed = pass.listed;
  if (listed && !reserve_entries(dead, listed + 2 * pass.runs)) return false;
  pass = (deferring_pass){heap,       page,         out,    dead, false,
                          listed > 0, release_hook, broken, 0,    0};
  deferring_walk(&pass);
  dead->objects = listed;
  return true;
}

void blinkish_page_sweep_free_deferred(blinkish_page *page,
                                       blinkish_page_sweep *out,
                                       const blinkish_deferred *dead) {
  if (out->empty) return; /* the whole page goes */
  /* The sweeper thread made no chains: the runs are listed. */
  uint8_t *run = NULL, *end = NULL;
  for (size_t i = 0; i < dead->count; i++) {
    uintptr_t entry = (uintptr_t)dead->cells[i];
    uint8_t *from, *to;
    if (entry & BLINKISH_DEFERRED_RUN) {
      from = (uint8_t *)(entry & ~BLINKISH_DEFERRED_RUN);
      to = dead->cells[++i];
    } else {
      from = dead->cells[i];
      blinkish_header *header = (blinkish_header *)from;
      size_t size = blinkish_header_cell_size(header);
      clear_start(page, from);
      poison(from + 8, size - 8);
      __atomic_store_n(&header->word, blinkish_header_make(0, size, false, true),
                       __ATOMIC_RELAXED);
      to = from + size;
    }
    /* Runs and freed cells that touch coalesce into one run. */
    if (run && end == from) {
      end = to;
      continue;
    }
    if (run) add_run(out, run, end);
    run = from;
    end = to;
  }
  if (run) add_run(out, run, end);
}

size_t blinkish_page_sweep_merge(blinkish_heap *heap, blinkish_page *page,
                                 const blinkish_page_sweep *out) {
  heap->base.space.used_bytes -= out->freed_bytes;
  heap->base.space.object_count -= out->freed_objects;
  page->sweep_slot = NULL;
  if (out->empty) {
    ccgc_page_space_release(&heap->base.space, &page->base);
    return CCGC_PAGE_SIZE;
  }
  blinkish_free_cell **lists = heap->arenas[page->arena].free_lists;
  for (unsigned bucket = 0; bucket < BLINKISH_BUCKETS; bucket++) {
    if (!out->heads[bucket]) continue;
    out->tails[bucket]->next = lists[bucket];
    lists[bucket] = out->heads[bucket];
  }
  return out->largest;
}

bool blinkish_large_page_sweep(blinkish_heap *heap, blinkish_page *page) {
  uint8_t *cell = page->cells_start;
  blinkish_header *header = (blinkish_header *)cell;
  void *payload =
      cell + blinkish_payload_offset(blinkish_header_is_wrappable(header));
  page->sweep_slot = NULL;
  if (ccgc_is_marked(payload)) return false;
  heap->base.space.used_bytes -= blinkish_header_cell_size(header);
  heap->base.space.object_count--;
  ccgc_page_space_release(&heap->base.space, &page->base);
  return true;
}

void blinkish_finalize_dead(void *data) {
  blinkish_heap *heap = data;
  /* Close the allocation area the mutator used during incremental marking:
   * its page must not look empty, nor its rest be listed twice. */
  blinkish_lab_seal(heap);
  heap->in_finalization = true;
  blinkish_each_object(heap, finalize_if_dead, heap);
  heap->in_finalization = false;
}

void blinkish_sweep(void *data) {
  blinkish_heap *heap = data;
  blinkish_compact_release(heap);
  blinkish_lab_seal(heap); /* nothing allocates since finalize: a no-op */
  blinkish_free_lists_clear(heap);
  ccgc_page_space *space = &heap->base.space;
  for (ccgc_space_page *page = space->pages, *next; page; page = next) {
    next = page->next;
    /* Only with the testing switch does an evacuated page outlive the
     * pause (compactor.c): nothing on it is an object. */
    if (((blinkish_page *)page)->evacuated) continue;
    blinkish_page_sweep swept;
    blinkish_page_sweep_cells((blinkish_page *)page, &swept);
    blinkish_page_sweep_merge(heap, (blinkish_page *)page, &swept);
  }
  for (ccgc_space_page *page = space->large_pages, *next; page; page = next) {
    next = page->next;
    blinkish_large_page_sweep(heap, (blinkish_page *)page);
  }
  /* Grow the next trigger with the live size, as V8 and Oilpan do. */
  ccgc_heap_base_grow_soft_limit(&heap->base);
}
