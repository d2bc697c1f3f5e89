/* object-map.c - whether an address is an object of this script heap: the
 * is_object op, safe on any pointer value and always on, for the addresses
 * that enter the library (ccgc_collector_is_object: wrappers' embedders,
 * weak maps' embedder values, probes, object information;
 * .api.valid-object).
 *
 * The heap keeps no object-start bitmap on its allocation path: neither the
 * mutator's bump allocation nor the marker pays for this check. A normal
 * page's starts are found by walking the page (.inv.iterable-pages) the
 * first time the page is asked after the heap changed, and kept until it
 * changes again. Every change of where objects start shows in the key: an
 * allocation grows the object count, a shape change that frees words
 * (left-trimming, slack shrinking) shrinks the used bytes, and only a
 * collection (the cycle count) frees objects. Inside a collection nothing
 * is kept. A large page holds at most a trimmed prefix, its object and a
 * filler: walked every time. */
#include "heap-internal.h"
#include "nursery.h"
#include "sweeper.h"

#define PAGE_WORDS (CCGC_PAGE_SIZE / sizeof(word_t))
#define BITMAP_BYTES (PAGE_WORDS / 8)

static bool is_filler(const v8ish_heap *heap, word_t klass) {
  return klass == heap->filler_class || klass == heap->one_word_filler_class;
}

/* Walks the objects of a page: sets their start bits in bits, or (bits
 * NULL) stops at want. Skips the open linear allocation area, whose bytes
 * are not formatted; stops at the untouched rest of the page. Returns
 * whether want is an object start. */
static bool walk_page(const v8ish_heap *heap, const v8ish_page *page,
                      uint8_t *bits, const word_t *want) {
  const word_t *page_words = (const word_t *)page;
  /* A young page's objects end at its top (v8ish_young_top). */
  const word_t *end = ccgc_page_is_young(&page->base.page)
                          ? v8ish_young_top((v8ish_heap *)heap,
                                            (v8ish_page *)page)
                          : page->end;
  const v8ish_lab *lab = heap->nursery.enabled ? &heap->old_lab : &heap->fast.lab;
  const v8ish_lab *classes = &heap->class_lab;
  for (const word_t *at = page->start; at < end;) {
    if (lab->cursor && (const uint8_t *)at == lab->cursor) {
      at = (const word_t *)lab->limit;
      continue;
    }
    if (classes->cursor && (const uint8_t *)at == classes->cursor) {
      at = (const word_t *)classes->limit;
      continue;
    }
    word_t klass = v8ish_load(at, 0);
    if (klass == 0) break; /* never allocated */
    size_t words = v8ish_size_of(at) / sizeof(word_t);
    if (words == 0 || words > (size_t)(end - at)) break; /* defensive */
    if (!is_filler(heap, klass)) {
      if (!bits && at == want) return true;
      if (bits) {
        size_t index = (size_t)(at - page_words);
        bits[index / 8] |= (uint8_t)(1u << (index % 8));
      }
    }
    at += words;
  }
  return false;
}

/* The start bits of a normal page, walked now if the heap changed since. */
static const uint8_t *starts_of(v8ish_heap *heap, const v8ish_page *page) {
  /* Minor collections move and free objects too. */
  unsigned long cycles = ccgc_collector_cycle_count(heap->base.collector) +
                         ccgc_collector_minor_count(heap->base.collector);
  const ccgc_page_space *space = &heap->base.space;
  if (!heap->object_starts) {
    heap->object_starts =
        g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, g_free);
  } else if (heap->starts_cycles != cycles ||
             heap->starts_objects != space->object_count ||
             heap->starts_bytes != space->used_bytes) {
    g_hash_table_remove_all(heap->object_starts);
  }
  heap->starts_cycles = cycles;
  heap->starts_objects = space->object_count;
  heap->starts_bytes = space->used_bytes;
  uint8_t *bits = g_hash_table_lookup(heap->object_starts, page);
  if (!bits) {
    bits = g_malloc0(BITMAP_BYTES);
    walk_page(heap, page, bits, NULL);
    g_hash_table_insert(heap->object_starts, (void *)page, bits);
  }
  return bits;
}

bool v8ish_is_object(void *data, const void *address) {
  v8ish_heap *heap = data;
  if (!address || ((uintptr_t)address & (sizeof(word_t) - 1))) return false;
  /* A heap being freed has no live object (its heap_freed listeners may
   * not take one: a probe made there would outlive its page). */
  if (heap->freeing) return false;
  ccgc_page *base = ccgc_collector_find_page(heap->base.collector, address);
  if (!base || base->owner != (void *)heap) return false;
  const v8ish_page *page = (const v8ish_page *)base;
  const word_t *want = address;
  if (want < page->start || want >= page->end) return false;
  if (page->evacuating) return false; /* compactor.c: moved, or dead */
  /* An unswept page still holds dead objects (sweeper.c); sweeping it may
   * release it: look again. */
  if (!v8ish_page_swept(heap, page)) {
    v8ish_sweep_ensure_page(heap, want);
    if (ccgc_collector_find_page(heap->base.collector, address) != base)
      return false;
  }
  if ((base->flags & CCGC_PAGE_LARGE) ||
      ccgc_collector_in_collection(heap->base.collector))
    return walk_page(heap, page, NULL, want);
  size_t index = (size_t)(want - (const word_t *)page);
  return (starts_of(heap, page)[index / 8] >> (index % 8)) & 1;
}

void v8ish_object_map_free(v8ish_heap *heap) {
  if (heap->object_starts) g_hash_table_destroy(heap->object_starts);
  heap->object_starts = NULL;
}
