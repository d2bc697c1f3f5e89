/* heap-internal.h - the DOM heap's internal state, shared by its files.
 * Layouts and rationale: docs/dom-heap.md. */
#ifndef BLINKISH_HEAP_INTERNAL_H
#define BLINKISH_HEAP_INTERNAL_H

#include <glib.h>
#include <stdint.h>

#include "blinkish.h"
#include "ccgc-heap.h"
#include "object-header.h"

#define BLINKISH_SIG 0x424c4e4bu /* "BLNK" (.sig) */
#define BLINKISH_MAX_TYPES 4096  /* ids 1 .. 4095 */
#define BLINKISH_BUCKETS 16      /* free-list bucket i: [16 << i, 16 << (i+1)) */
/* Cells of this size and more get a large page of their own. */
#define BLINKISH_LARGE_THRESHOLD (CCGC_PAGE_SIZE / 4)
#define BLINKISH_DEFAULT_SOFT_LIMIT ((size_t)8 * 1024 * 1024)

/* A page: the common prefix, then this heap's fields. Normal pages follow
 * with the mark table (one byte per granule), the object-start bitmap (one
 * bit per granule: a cell starts here) and the cells; a large page with its
 * one cell (its single mark byte is large_mark). */
typedef struct blinkish_page {
  ccgc_page base; /* first: masking finds it (.inv.page-aligned) */
  struct blinkish_page *next;
  uint8_t *cells_start; /* normal pages: first cell; large: the one cell */
  uint8_t *cells_end;
  uint8_t *start_bits;  /* normal pages only */
  _Atomic uint8_t large_mark;
} blinkish_page;

#define BLINKISH_PAGE_HEADER_BYTES 256 /* blinkish_page, rounded up */
#define BLINKISH_MARKS_OFFSET BLINKISH_PAGE_HEADER_BYTES
#define BLINKISH_START_BITS_OFFSET \
  (BLINKISH_MARKS_OFFSET + CCGC_MARK_TABLE_BYTES)
#define BLINKISH_START_BITS_BYTES (CCGC_MARK_TABLE_BYTES / 8)
#define BLINKISH_CELLS_OFFSET \
  (BLINKISH_START_BITS_OFFSET + BLINKISH_START_BITS_BYTES)
#define BLINKISH_NORMAL_CELL_BYTES (CCGC_PAGE_SIZE - BLINKISH_CELLS_OFFSET)

typedef struct blinkish_type {
  char *name;
  blinkish_trace_fn trace;
  blinkish_finalize_fn finalize;
  unsigned flags;
} blinkish_type;

struct blinkish_persistent {
  void *object;
  blinkish_heap *heap; /* owner; NULL once freed (caught if reused soon) */
  bool weak;
  struct blinkish_persistent *prev, *next;
};

typedef struct blinkish_free_cell {
  blinkish_header header; /* A clear, size */
  struct blinkish_free_cell *next;
} blinkish_free_cell;

/* Segregated free lists: bucket i holds free cells of [16 << i, 16 << (i+1))
 * bytes (the last bucket: everything bigger). */
typedef struct blinkish_free_list {
  blinkish_free_cell *heads[BLINKISH_BUCKETS];
  uint32_t nonempty; /* bit i: heads[i] != NULL */
} blinkish_free_list;

/* The linear allocation area: a run of free memory inside one normal page
 * that allocation bumps through. Its bytes carry no headers until it is
 * sealed (the rest becomes a free-list entry); walkers skip it. */
typedef struct blinkish_lab {
  uint8_t *cursor, *limit;
  bool zeroed; /* a fresh page: no memset needed */
} blinkish_lab;

struct blinkish_heap {
  uint32_t sig;
  ccgc_collector *collector;
  ccgc_barrier *barrier;
  ccgc_error_sink *errors;
  int heap_id;
  ccgc_heap_ops ops;
  blinkish_heap_options options;

  /* Types: a fixed table, so marker threads read it without locks while the
   * host registers more. */
  blinkish_type types[BLINKISH_MAX_TYPES];
  uint16_t type_count;    /* ids 1 .. type_count */
  GHashTable *type_names; /* name -> id (first registration wins) */
  blinkish_type_id vector_type, backing_type;

  blinkish_page *pages; /* normal pages */
  blinkish_page *large_pages;
  size_t normal_page_count, large_page_count;
  size_t committed_bytes;
  size_t used_bytes; /* cells of allocated objects, headers included */
  size_t object_count;
  size_t soft_limit; /* request a GC above this many committed bytes */

  blinkish_lab lab;
  blinkish_free_list free_list;

  blinkish_persistent persistents; /* sentinel of a circular list */
  blinkish_wrappable_trace_fn wrappable_trace;
  blinkish_wrappable_release_fn wrappable_release;
  void *wrappable_data;
  bool in_finalization;
};

/* type-registry.c */
void blinkish_types_init(blinkish_heap *heap);
void blinkish_types_destroy(blinkish_heap *heap);

/* page.c */
blinkish_page *blinkish_page_new_normal(blinkish_heap *heap);
blinkish_page *blinkish_page_new_large(blinkish_heap *heap, size_t cell_size);
void blinkish_page_release(blinkish_heap *heap, blinkish_page *page);
void blinkish_pages_release_all(blinkish_heap *heap);
/* Calls fn for every allocated object (payload) of a page / the heap,
 * skipping the linear allocation area. */
void blinkish_page_each_object(blinkish_heap *heap, blinkish_page *page,
                               void (*fn)(void *object, void *data),
                               void *data);
void blinkish_each_object(blinkish_heap *heap,
                          void (*fn)(void *object, void *data), void *data);

/* free-list.c */
void blinkish_free_list_add(blinkish_free_list *list, uint8_t *cell,
                            size_t size);
/* Removes an entry of at least size bytes (the largest bucket first, so that
 * it refills the allocation area for many allocations); NULL if none. */
uint8_t *blinkish_free_list_take(blinkish_free_list *list, size_t size,
                                 size_t *entry_size);
void blinkish_free_list_clear(blinkish_free_list *list);

/* allocator.c */
/* The cell for a payload of `size` bytes; false if it cannot be described. */
bool blinkish_cell_size_for(size_t size, bool wrappable, size_t *cell_size);
/* Closes the allocation area: its rest becomes a free-list entry, so the page
 * is iterable with headers alone. */
void blinkish_lab_seal(blinkish_heap *heap);

/* sweeper.c */
void blinkish_sweep(void *heap);
void blinkish_finalize_all(blinkish_heap *heap);

/* persistent.c */
void blinkish_persistents_trace(blinkish_heap *heap, ccgc_visitor *visitor);
void blinkish_persistents_process_weakness(blinkish_heap *heap);
void blinkish_persistents_free_all(blinkish_heap *heap);

/* vector.c */
void blinkish_vector_register_types(blinkish_heap *heap);

/* member.c */
/* A live object of this heap, reported as misuse otherwise (always):
 * CCGC_E_FOREIGN_POINTER if no page of this heap holds it, CCGC_E_DEAD_OBJECT
 * if one does but no live object starts there. */
bool blinkish_check_object(blinkish_heap *heap, const void *object,
                           const char *call, const char *what);

static inline const blinkish_type *blinkish_type_info_of(blinkish_heap *heap,
                                                         const void *object) {
  return &heap->types[blinkish_header_type(blinkish_header_of(object))];
}

#endif /* BLINKISH_HEAP_INTERNAL_H */
