/* marker-edges-inl.h - the mark loop's edge path (marker.c only): the page
 * cache, the color transitions, and the edge window an edge goes through
 * (docs/collection.md, "The mark loop"). Static inline: included by
 * marker.c alone, so that the loop's hot path inlines across it. */
#ifndef CCGC_MARKER_EDGES_INL_H
#define CCGC_MARKER_EDGES_INL_H

#include <string.h>

#include "collector-internal.h"
#include "invariant-check.h"
#include "marker.h"

static void report_foreign(ccgc_marker *marker, const void *target,
                           ccgc_edge edge) {
  /* A heap handed the marker an address no heap owns: an internal error (the
   * heaps validate every pointer at the API boundary). Stop before it
   * corrupts a mark table. */
  CCGC_MISUSE(&marker->collector->errors, CCGC_E_FOREIGN_POINTER,
              ".inv.worklist-objects",
              "marker: %s edge '%s' points to %p, which no heap owns",
              ccgc_edge_kind_name(edge.kind), edge.name ? edge.name : "",
              target);
}

static void __attribute__((noinline))
fill_page(ccgc_marker *marker, ccgc_marker_page *entry, uintptr_t key) {
  const ccgc_page *page = (const ccgc_page *)(key & ~(CCGC_PAGE_SIZE - 1));
  entry->key = key;
  entry->marks_offset =
      (uint32_t)((uintptr_t)page->marks - ((uintptr_t)page));
  entry->mark_shift = (uint8_t)page->mark_shift;
  entry->heap_id = (uint8_t)page->heap_id;
  (void)marker;
}

/* What the mark loop needs of the page that holds address. */
static inline const ccgc_marker_page *page_of(ccgc_marker *marker,
                                              const void *address) {
  uintptr_t page = (uintptr_t)address & ~(uintptr_t)(CCGC_PAGE_SIZE - 1);
  ccgc_marker_page *entry =
      &marker->pages[(page >> CCGC_PAGE_SHIFT) & (CCGC_MARKER_PAGE_CACHE - 1)];
  uintptr_t key = page | marker->epoch;
  if (__builtin_expect(entry->key != key, 0)) fill_page(marker, entry, key);
  return entry;
}

static inline ccgc_mark_ref mark_of(const ccgc_marker_page *page,
                                    const void *address) {
  uintptr_t base = (uintptr_t)address & ~(uintptr_t)(CCGC_PAGE_SIZE - 1);
  return ccgc_mark_at((_Atomic uint8_t *)(base + page->marks_offset),
                      page->mark_shift, address);
}

/* white -> grey; true if this caller must push. Exclusive: a plain load and
 * store of the byte (no locked instruction, so the misses of consecutive
 * edges overlap; no other thread writes marks then); else the atomic OR
 * marker threads race on. */
static inline bool white_to_grey(const ccgc_marker *marker,
                                 ccgc_mark_ref mark) {
  uint8_t byte = atomic_load_explicit(mark.byte, memory_order_relaxed);
  uint8_t bit = (uint8_t)(CCGC_MARK_BIT_MARKED << mark.shift);
  if (byte & bit) return false; /* tested before any write: most edges end here */
  if (marker->exclusive) {
    atomic_store_explicit(mark.byte, (uint8_t)(byte | bit),
                          memory_order_relaxed);
    return true;
  }
  /* Tested above: the atomic OR alone (ccgc_mark_ref_white_to_grey's). */
  return !(atomic_fetch_or_explicit(mark.byte, bit, memory_order_relaxed) & bit);
}

/* grey -> black; true if this caller must visit (the same two ways; the
 * atomic one is ccgc_mark_grey_to_black's, .inv.snapshot-before-cas). */
static inline bool grey_to_black(const ccgc_marker *marker,
                                 ccgc_mark_ref mark) {
  if (!marker->exclusive) return ccgc_mark_ref_grey_to_black(mark);
  uint8_t byte = atomic_load_explicit(mark.byte, memory_order_relaxed);
  if (((byte >> mark.shift) & 3u) != CCGC_MARK_BIT_MARKED) return false;
  atomic_store_explicit(
      mark.byte, (uint8_t)(byte | (CCGC_MARK_BIT_BLACK << mark.shift)),
      memory_order_relaxed);
  return true;
}

/* A window's entry for address: its mark's byte and shift, its heap. */
static inline ccgc_window_entry window_entry(ccgc_marker *marker,
                                             void *address) {
  const ccgc_marker_page *page = page_of(marker, address);
  ccgc_mark_ref mark = mark_of(page, address);
  return (ccgc_window_entry){
      address, (uintptr_t)mark.byte << 8 | (uintptr_t)mark.shift << 4 |
                   page->heap_id};
}

_Static_assert(CCGC_MAX_HEAPS <= 16, "a heap id takes 4 bits of an entry");
_Static_assert(sizeof(uintptr_t) == 8 && CCGC_REGISTRY_ADDRESS_BITS + 8 <= 64,
               "a mark byte's address << 8 fits an entry's word");

static inline _Atomic uint8_t *entry_byte(ccgc_window_entry entry) {
  return (_Atomic uint8_t *)(entry.mark >> 8);
}

static inline ccgc_mark_ref entry_mark(ccgc_window_entry entry) {
  return (ccgc_mark_ref){entry_byte(entry), (unsigned)(entry.mark >> 4) & 7u};
}

static inline unsigned entry_heap(ccgc_window_entry entry) {
  return (unsigned)entry.mark & 15u;
}

/* white -> grey and push, with the mark found when the edge was reported. */
static inline void settle_entry(ccgc_marker *marker, ccgc_window_entry entry) {
  if (white_to_grey(marker, entry_mark(entry))) /* .inv.color-monotonic */
    ccgc_worklist_push(&marker->locals[entry_heap(entry)], entry.address);
}

static inline void settle_edge(ccgc_marker *marker, void *target) {
  settle_entry(marker, window_entry(marker, target));
}

static inline void mark_and_push(ccgc_marker *marker, void *target,
                                 ccgc_edge edge) {
  /* Debug builds only: a registry lookup per edge is what the mark loop
   * must not pay (.inv.worklist-objects). */
  if (CCGC_DEBUG_ENABLED &&
      !ccgc_collector_find_page(marker->collector, target)) {
    report_foreign(marker, target, edge);
    return;
  }
  settle_edge(marker, target);
}

/* The byte an idle entry's mark names: both bits set (black), so that
 * settling it pushes nothing and never writes (white_to_grey tests before
 * any store). Constant: no state. */
static const uint8_t idle_mark_byte = 0xff;

/* An edge window slot with no edge in it. */
static inline ccgc_window_entry idle_entry(void) {
  return (ccgc_window_entry){NULL, (uintptr_t)&idle_mark_byte << 8};
}

/* Empties the edge window without settling it (a new marker, or a testing
 * switch that loses the window's edges). */
static inline void clear_edges(ccgc_marker *marker) {
  for (unsigned i = 0; i < CCGC_EDGE_WINDOW; i++) marker->edges[i] = idle_entry();
}

/* True when no edge waits in the window (.inv.marker-windows-empty). */
static inline bool edges_empty(const ccgc_marker *marker) {
  for (unsigned i = 0; i < CCGC_EDGE_WINDOW; i++)
    if (marker->edges[i].address) return false;
  return true;
}

/* Settles every edge in the window, oldest first, leaving it idle. Returns
 * how many there were. */
static unsigned flush_edges(ccgc_marker *marker) {
  unsigned count = 0;
  for (unsigned i = marker->edge_next; i != marker->edge_next + CCGC_EDGE_WINDOW;
       i++) {
    ccgc_window_entry *slot = &marker->edges[i & (CCGC_EDGE_WINDOW - 1)];
    if (!slot->address) continue;
    settle_entry(marker, *slot);
    *slot = idle_entry();
    count++;
  }
  return count;
}

/* The hot path: one page cache lookup, one prefetch and a store into the
 * window; the entry that falls out (an edge reported CCGC_EDGE_WINDOW edges
 * ago, its mark byte now in cache, or an idle entry) is settled with the
 * mark found then. Inlined into
 * every loop that reports edges: a call per edge cost a tenth of the mark
 * loop's instructions in saved registers alone. */
static inline __attribute__((always_inline)) void
window_edge(ccgc_marker *marker, void *target, ccgc_edge edge) {
  if (CCGC_DEBUG_ENABLED &&
      !ccgc_collector_find_page(marker->collector, target)) {
    report_foreign(marker, target, edge);
    return;
  }
  ccgc_window_entry entry = window_entry(marker, target);
  __builtin_prefetch(entry_byte(entry), 1);
  unsigned at = marker->edge_next++ & (CCGC_EDGE_WINDOW - 1);
  settle_entry(marker, marker->edges[at]);
  marker->edges[at] = entry;
}

#endif /* CCGC_MARKER_EDGES_INL_H */
