/* object-index.c - every allocated object by page (object-index.h). */
#include "object-index.h"

#include <string.h>

#include "collector-internal.h"
#include "invariant-check.h"

/* Records and chunks are carved from blocks of this size, zeroed: one
 * allocation per 256 KiB of index instead of one per chunk. */
#define INDEX_BLOCK_BYTES ((size_t)256 * 1024)

static void *carve(ccgc_object_index *index, size_t bytes) {
  if (!index->cursor || (size_t)(index->limit - index->cursor) < bytes) {
    uint8_t *block = g_malloc0(INDEX_BLOCK_BYTES);
    g_ptr_array_add(index->blocks, block);
    index->cursor = block;
    index->limit = block + INDEX_BLOCK_BYTES;
  }
  void *at = index->cursor;
  index->cursor += (bytes + 15) & ~(size_t)15;
  return at;
}

typedef struct index_builder {
  ccgc_object_index *index;
  int heap_id;
  uintptr_t last_page;   /* objects come page by page: one probe per page */
  ccgc_index_page *last;
} index_builder;

static ccgc_index_page *record_of(index_builder *builder, uintptr_t page) {
  ccgc_object_index *index = builder->index;
  if (builder->last && builder->last_page == page) return builder->last;
  builder->last_page = page;
  uint32_t position;
  if (ccgc_pointer_map_lookup(&index->pages, (const void *)page, &position))
    return builder->last = index->records[position - 1];
  if (index->page_count == index->capacity) {
    index->capacity = index->capacity ? 2 * index->capacity : 64;
    index->records =
        g_renew(ccgc_index_page *, index->records, index->capacity);
  }
  ccgc_index_page *record = carve(index, sizeof *record);
  record->heap_id = builder->heap_id;
  index->records[index->page_count++] = record;
  ccgc_pointer_map_insert(&index->pages, (void *)page,
                          (uint32_t)index->page_count);
  return builder->last = record;
}

static void add_object(void *object, void *data) {
  index_builder *builder = data;
  uintptr_t at = (uintptr_t)object;
  /* Objects are word-aligned (granules: .inv.one-mark-per-object). One
   * that started past its page's first CCGC_PAGE_SIZE (.inv.page-aligned)
   * would only get a record of its own window, still found. */
  CCGC_CHECK(at && (at & ((1u << CCGC_INDEX_WORD_SHIFT) - 1)) == 0,
             ".inv.one-mark-per-object");
  uintptr_t page = at & ~(uintptr_t)(CCGC_PAGE_SIZE - 1);
  ccgc_index_page *record = record_of(builder, page);
  uintptr_t offset = at - page;
  ccgc_index_chunk **chunk = &record->chunks[offset >> CCGC_INDEX_CHUNK_SHIFT];
  if (!*chunk) *chunk = carve(builder->index, sizeof **chunk);
  unsigned bit = (unsigned)((offset & ((1u << CCGC_INDEX_CHUNK_SHIFT) - 1)) >>
                            CCGC_INDEX_WORD_SHIFT);
  (*chunk)->starts[bit / 64] |= UINT64_C(1) << (bit % 64);
  builder->index->object_count++;
}

void ccgc_object_index_init(ccgc_object_index *index,
                            ccgc_collector *collector) {
  memset(index, 0, sizeof *index);
  index->blocks = g_ptr_array_new_with_free_func(g_free);
  size_t pages = 0;
  for (int id = 0; id < collector->heap_count; id++) {
    ccgc_heap_slot *slot = &collector->heaps[id];
    if (!slot->heap || !slot->ops->stats) continue;
    ccgc_heap_stats stats;
    slot->ops->stats(slot->heap, &stats);
    pages += stats.page_count;
  }
  ccgc_pointer_map_init(&index->pages, pages);
  for (int id = 0; id < collector->heap_count; id++) {
    index_builder builder = {index, id, 0, NULL};
    ccgc_collector_for_each_object(collector, id, add_object, &builder);
  }
}

void ccgc_object_index_destroy(ccgc_object_index *index) {
  g_free(index->records);
  ccgc_pointer_map_destroy(&index->pages);
  g_ptr_array_free(index->blocks, TRUE);
  memset(index, 0, sizeof *index);
}
