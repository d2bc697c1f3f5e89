/* page.c - the DOM heap's cells, free lists and allocation on the pages of
 * its page space (marking/page-space.h).
 *
 * Normal pages hold cells of any size below BLINKISH_LARGE_THRESHOLD, bumped
 * out of a linear allocation area. When it runs out, the area is refilled
 * with a whole entry of the segregated free lists (bucket i holds free cells
 * of [16 << i, 16 << (i+1)) bytes), or else with a fresh page; its rest goes
 * back to the free lists. Larger objects get a large page each. Pages stay
 * iterable (.inv.iterable-pages): every cell has a header with its size, free
 * cells are flagged, and walkers skip the open allocation area.
 */
#include <string.h>

#include "heap-internal.h"

_Static_assert(sizeof(blinkish_page) <= CCGC_SPACE_HEADER_BYTES,
               "page header fits");

/* Layout of a normal page: header | marks | start bits | cells. */
#define START_BITS_OFFSET CCGC_SPACE_MARKS_END
#define START_BITS_BYTES (CCGC_PAGE_GRANULES / 8)
#define CELLS_OFFSET (START_BITS_OFFSET + START_BITS_BYTES)

size_t blinkish_cell_size_for(size_t payload, bool wrappable, bool *overflow) {
  size_t prefix = blinkish_payload_offset(wrappable);
  *overflow = payload > SIZE_MAX - prefix - CCGC_GRANULE - CCGC_PAGE_SIZE;
  if (*overflow) return 0;
  /* At least one payload word, so that no payload address is the start of
   * the next cell (.inv.one-mark-per-object). */
  size_t size = prefix + (payload < 8 ? 8 : payload);
  return (size + CCGC_GRANULE - 1) & ~(CCGC_GRANULE - 1);
}

/* Maps and lists a page (for one cell of cell_size if large) and lays out
 * its cells, or returns NULL with *why CCGC_E_HEAP_LIMIT (the hard limit)
 * or CCGC_E_OUT_OF_MEMORY, nothing recorded. While a lazy sweep is active,
 * a page at the limit is mapped only after every dead page was swept. */
static blinkish_page *try_map_page(blinkish_heap *heap, size_t cell_size,
                                   bool large, int arena, ccgc_status *why) {
  blinkish_page *page = (blinkish_page *)ccgc_page_space_map(
      &heap->base.space, cell_size, large, why);
  if (!page && *why == CCGC_E_HEAP_LIMIT && heap->sweep.active) {
    blinkish_sweep_finish(heap);
    page = (blinkish_page *)ccgc_page_space_map(&heap->base.space, cell_size,
                                                large, why);
  }
  if (!page) return NULL;
  page->arena = (uint8_t)arena;
  page->host_code = arena == BLINKISH_ARENA_HOST_CODE;
  size_t reservation = ccgc_page_space_reservation(cell_size, large);
  if (large) {
    page->cells_start = (uint8_t *)page + CCGC_SPACE_HEADER_BYTES;
    page->cells_end = (uint8_t *)page + reservation;
  } else {
    page->start_bits = (uint8_t *)page + START_BITS_OFFSET;
    page->cells_start = (uint8_t *)page + CELLS_OFFSET;
    page->cells_end = (uint8_t *)page + CCGC_PAGE_SIZE;
  }
  return page;
}

/* Records why try_map_page failed: CCGC_E_HEAP_LIMIT (the allocation fails
 * with the heap unchanged, .inv.no-gc-in-allocation) or
 * CCGC_E_OUT_OF_MEMORY. */
static void report_map_failure(blinkish_heap *heap, size_t cell_size,
                               bool large, uint16_t type, ccgc_status why) {
  size_t reservation = ccgc_page_space_reservation(cell_size, large);
  /* The next safepoint collects whole, as the script heap's does
   * (ccgc_collector_request_gc_at_limit). */
  if (why == CCGC_E_HEAP_LIMIT)
    ccgc_collector_request_gc_at_limit(heap->base.collector);
  if (why == CCGC_E_HEAP_LIMIT)
    ccgc_error_set(heap->base.errors, CCGC_E_HEAP_LIMIT,
                   "blinkish_alloc: DOM heap limit of %zu bytes reached "
                   "allocating a %zu-byte %s (%zu committed, %zu more needed)",
                   heap->base.options.limit_bytes, cell_size,
                   heap->types[type].name, heap->base.space.committed_bytes,
                   reservation);
  else
    ccgc_error_set(heap->base.errors, CCGC_E_OUT_OF_MEMORY,
                   "blinkish_alloc: the system refused a %zu-byte page",
                   reservation);
}

void blinkish_pages_release_all(blinkish_heap *heap) {
  ccgc_page_space_release_all(&heap->base.space);
  for (int kind = 0; kind < BLINKISH_ARENAS; kind++) {
    blinkish_arena *arena = &heap->arenas[kind];
    arena->lab_cursor = arena->lab_limit = NULL;
    arena->lab_page = NULL;
  }
  blinkish_free_lists_clear(heap);
}

static void write_free_cell(uint8_t *cell, size_t size) {
  blinkish_free_cell *free_cell = (blinkish_free_cell *)cell;
  free_cell->header.word = blinkish_header_make(0, size, false, true);
  free_cell->next = NULL;
}

static unsigned bucket_for(size_t size) {
  return ccgc_free_list_bucket(size, BLINKISH_BUCKETS);
}

static blinkish_arena *arena_of(blinkish_heap *heap, const uint8_t *cell) {
  return &heap->arenas[((const blinkish_page *)ccgc_page_of(cell))->arena];
}

void blinkish_free_list_add(blinkish_heap *heap, uint8_t *cell, size_t size) {
  write_free_cell(cell, size);
  unsigned bucket = bucket_for(size);
  blinkish_arena *arena = arena_of(heap, cell);
  blinkish_free_cell *free_cell = (blinkish_free_cell *)cell;
  free_cell->next = arena->free_lists[bucket];
  arena->free_lists[bucket] = free_cell;
}

void blinkish_free_lists_clear(blinkish_heap *heap) {
  for (int kind = 0; kind < BLINKISH_ARENAS; kind++)
    blinkish_arena_free_lists_clear(heap, kind);
}

void blinkish_arena_free_lists_clear(blinkish_heap *heap, int arena) {
  memset(heap->arenas[arena].free_lists, 0,
         sizeof heap->arenas[arena].free_lists);
}

blinkish_page *blinkish_page_map_normal(blinkish_heap *heap, int arena,
                                        ccgc_status *why) {
  blinkish_page *page = (blinkish_page *)ccgc_page_space_map(
      &heap->base.space, CCGC_GRANULE, false, why);
  if (!page) return NULL;
  page->arena = (uint8_t)arena;
  page->host_code = arena == BLINKISH_ARENA_HOST_CODE;
  page->start_bits = (uint8_t *)page + START_BITS_OFFSET;
  page->cells_start = (uint8_t *)page + CELLS_OFFSET;
  page->cells_end = (uint8_t *)page + CCGC_PAGE_SIZE;
  return page;
}

/* Returns the rest of the linear allocation area to the free lists, so the
 * page stays iterable with headers alone (before a GC walks or sweeps pages,
 * and whenever the area is replaced). */
static void seal(blinkish_heap *heap, blinkish_arena *arena) {
  if (arena->lab_cursor && arena->lab_cursor < arena->lab_limit)
    blinkish_free_list_add(heap, arena->lab_cursor,
                           (size_t)(arena->lab_limit - arena->lab_cursor));
  arena->lab_cursor = arena->lab_limit = NULL;
  arena->lab_page = NULL;
}

void blinkish_lab_seal(blinkish_heap *heap) {
  for (int kind = 0; kind < BLINKISH_ARENAS; kind++)
    seal(heap, &heap->arenas[kind]);
}

/* How many runs of the lowest fitting bucket an allocation looks at
 * while it may still map a page (at the limit: all, before failing). */
#define LOWEST_BUCKET_PROBES 8

/* Unlinks a free-list entry of at least size bytes, or returns NULL. The
 * largest bucket goes first (cppgc's FreeList::Allocate does the same): the
 * whole entry becomes the allocation area, so one slow-path call feeds many
 * bump allocations. Every bucket above the size's own holds only entries
 * that fit, so its head is taken in O(1); only the size's own bucket may
 * hold entries too small, and it is searched last, for at most max_probes
 * entries. */
static uint8_t *take_from_free_lists(blinkish_arena *arena, size_t size,
                                     size_t *entry_size, size_t max_probes) {
  unsigned lowest = bucket_for(size);
  for (unsigned bucket = BLINKISH_BUCKETS - 1; bucket > lowest; bucket--) {
    blinkish_free_cell *cell = arena->free_lists[bucket];
    if (!cell) continue;
    arena->free_lists[bucket] = cell->next;
    *entry_size = blinkish_header_cell_size(&cell->header);
    return (uint8_t *)cell;
  }
  /* The lowest bucket holds runs smaller than size too: a few are looked
   * at, not the whole chain (after a sweep it may hold thousands of runs
   * too small for the size asked, looked at again by every allocation). */
  blinkish_free_cell **link = &arena->free_lists[lowest];
  size_t probes = 0;
  for (blinkish_free_cell *cell = *link; cell && probes < max_probes;
       link = &cell->next, cell = cell->next, probes++) {
    *entry_size = blinkish_header_cell_size(&cell->header);
    if (*entry_size < size) continue;
    *link = cell->next;
    return (uint8_t *)cell;
  }
  return NULL;
}

/* The slow path: a new allocation area for the arena from its free lists,
 * or else from a fresh page; then bump it. NULL at the limit (heap
 * unchanged). */
static uint8_t *refill_lab(blinkish_heap *heap, int kind, size_t size,
                           uint16_t type) {
  blinkish_arena *arena = &heap->arenas[kind];
  seal(heap, arena);
  size_t entry_size;
  uint8_t *entry = take_from_free_lists(arena, size, &entry_size, LOWEST_BUCKET_PROBES);
  if (!entry && heap->sweep.active) {
    /* Lazy sweeping on allocation (Oilpan's): sweep pages until a run that
     * fits is free, before mapping a new page. Only swept pages reach the
     * free lists (.inv.swept-before-allocation). */
    blinkish_sweep_for_allocation(heap, size, kind);
    entry = take_from_free_lists(arena, size, &entry_size, LOWEST_BUCKET_PROBES);
  }
  blinkish_page *page = NULL;
  if (!entry) {
    ccgc_status why;
    page = try_map_page(heap, size, false, kind, &why);
    /* At the limit (the rest of the sweep ran there): any run that fits,
     * however deep in its bucket, before the allocation fails. */
    if (!page) entry = take_from_free_lists(arena, size, &entry_size, SIZE_MAX);
    if (!page && !entry) {
      report_map_failure(heap, size, false, type, why);
      return NULL;
    }
  }
  if (entry) {
    arena->lab_page = (blinkish_page *)ccgc_page_of(entry);
    arena->lab_cursor = entry;
    arena->lab_limit = entry + entry_size;
  } else {
    arena->lab_page = page;
    arena->lab_cursor = page->cells_start;
    arena->lab_limit = page->cells_end;
  }
  uint8_t *cell = arena->lab_cursor;
  arena->lab_cursor += size;
  ccgc_collector_notify_allocation(heap->base.collector,
                                   (size_t)(arena->lab_limit - cell));
  return cell;
}

static void *allocate_large(blinkish_heap *heap, size_t cell_size,
                            bool wrappable, int kind, uint16_t type) {
  ccgc_status why;
  blinkish_page *page = try_map_page(heap, cell_size, true, kind, &why);
  if (!page) {
    report_map_failure(heap, cell_size, true, type, why);
    return NULL;
  }
  ccgc_collector_notify_allocation(heap->base.collector,
                                   page->base.page.reservation);
  uint8_t *cell = page->cells_start;
  ((blinkish_header *)cell)->word =
      blinkish_header_make(type, cell_size, wrappable, false);
  return cell + blinkish_payload_offset(wrappable);
}

/* Returns the payload of a fresh, zeroed object, or NULL with the error
 * recorded (CCGC_E_HEAP_LIMIT, CCGC_E_OUT_OF_MEMORY). */
void *blinkish_page_allocate(blinkish_heap *heap, size_t cell_size,
                             bool wrappable, int kind, uint16_t type) {
  if (cell_size >= BLINKISH_LARGE_THRESHOLD)
    return allocate_large(heap, cell_size, wrappable, kind, type);
  blinkish_arena *arena = &heap->arenas[kind];
  uint8_t *cell;
  if (arena->lab_cursor &&
      (size_t)(arena->lab_limit - arena->lab_cursor) >= cell_size) {
    cell = arena->lab_cursor; /* the fast path: bump */
    arena->lab_cursor += cell_size;
  } else {
    cell = refill_lab(heap, kind, cell_size, type);
    if (!cell) return NULL;
  }
  memset(cell, 0, cell_size);
  blinkish_page_set_start((blinkish_page *)ccgc_page_of(cell), cell, true);
  ((blinkish_header *)cell)->word =
      blinkish_header_make(type, cell_size, wrappable, false);
  return cell + blinkish_payload_offset(wrappable);
}

static void each_in_page(blinkish_heap *heap, blinkish_page *page,
                         void (*fn)(void *, void *), void *data) {
  /* While a lazy sweep is active (a walk from a callback): the dead
   * objects of an unswept page are not objects any more
   * (.inv.dom-unswept-dead). */
  if (page->evacuated) return; /* compactor.c: released by the sweep */
  bool skip_dead = page->sweep_slot && blinkish_sweep_walk_page(heap, page);
  const blinkish_arena *arena = &heap->arenas[page->arena];
  for (uint8_t *cell = page->cells_start; cell < page->cells_end;) {
    if (cell == arena->lab_cursor && arena->lab_cursor < arena->lab_limit) {
      cell = arena->lab_limit; /* the allocation area has no headers yet */
      continue;
    }
    blinkish_header *header = (blinkish_header *)cell;
    if (!blinkish_word_is_header(header->word)) break; /* untouched rest */
    size_t size = blinkish_header_cell_size(header);
    if (!blinkish_header_is_free(header)) {
      void *payload =
          cell + blinkish_payload_offset(blinkish_header_is_wrappable(header));
      if (!skip_dead || ccgc_is_marked(payload)) fn(payload, data);
    }
    cell += size;
  }
}

void blinkish_each_object(void *data, void (*fn)(void *, void *),
                          void *fn_data) {
  blinkish_heap *heap = data;
  ccgc_page_space *space = &heap->base.space;
  for (ccgc_space_page *page = ccgc_page_space_first(space); page;
       page = ccgc_page_space_next(space, page))
    each_in_page(heap, (blinkish_page *)page, fn, fn_data);
}
