/* marker-layouts-inl.h - the mark loop's tracing by layout descriptors
 * (marking/ccgc-layout.h, docs/collection.md "Layout descriptors"): the
 * words a descriptor names, its array part and a wrappable slot's traced
 * handle go straight into the edge window (marker-edges-inl.h). Static
 * inline: included by marker.c alone. */
#ifndef CCGC_MARKER_LAYOUTS_INL_H
#define CCGC_MARKER_LAYOUTS_INL_H

#include "ccgc-layout.h"
#include "handle-table.h"
#include "marker-edges-inl.h"

/* --- layout descriptors (ccgc-layout.h) --------------------------------------
 * The words a descriptor names go straight into the edge window: no call
 * per object, none per edge. */

#define LAYOUT_EDGE ccgc_edge_named(CCGC_EDGE_INTERNAL, "layout")

static inline __attribute__((always_inline)) void
layout_words(ccgc_marker *marker, const uintptr_t *words, uint64_t bits,
             uintptr_t tag, uintptr_t tag_mask) {
  while (bits) {
    unsigned i = (unsigned)__builtin_ctzll(bits);
    bits &= bits - 1;
    uintptr_t w = __atomic_load_n(&words[i], __ATOMIC_RELAXED);
    if (w && (w & tag_mask) == tag)
      window_edge(marker, (void *)(w - tag), LAYOUT_EDGE);
  }
}

/* The elements of an array part, clamped to the object's page
 * (ccgc_page_words_to_end: no page header read for an ordinary object). */
static inline __attribute__((always_inline)) void
layout_array(ccgc_marker *marker, const uintptr_t *words,
             const ccgc_layout *layout, uintptr_t tag, uintptr_t tag_mask) {
  intptr_t count = (intptr_t)__atomic_load_n(&words[layout->length_word],
                                             __ATOMIC_RELAXED) >>
                   layout->length_shift;
  if (count <= 0) return;
  size_t first = layout->first_element;
  size_t end = (size_t)count + first;
  size_t limit = ccgc_page_words_to_end(words, end);
  if (end > limit) end = limit;
  for (size_t i = first; i < end; i++) {
    uintptr_t w = __atomic_load_n(&words[i], __ATOMIC_RELAXED);
    if ((w & tag_mask) == tag && w)
      window_edge(marker, (void *)(w - tag), LAYOUT_EDGE);
  }
}

/* Follows a traced handle (ccgc_layout_handles); false if it is not live
 * (the caller's trace_rest then reports the misuse, as the callback path
 * would). A root handle is not an edge. */
static inline bool layout_handle(ccgc_marker *marker,
                                 const ccgc_layout_handles *handles,
                                 uintptr_t handle) {
  if (!ccgc_handle_live_unchecked((const void *)handle)) return false;
  const unsigned char *payload =
      ccgc_handle_payload_unchecked((const void *)handle);
  if (__atomic_load_n(payload + handles->skip_offset, __ATOMIC_RELAXED))
    return true;
  uintptr_t w = __atomic_load_n(
      (const uintptr_t *)(const void *)(payload + handles->value_offset),
      __ATOMIC_ACQUIRE);
  if (w && (w & handles->tag_mask) == handles->tag)
    window_edge(marker, (void *)(w - handles->tag), LAYOUT_EDGE);
  return true;
}

/* TESTING ONLY (ccgc_collector_break_layouts): the descriptor without its
 * array part, its first plain-address word, its first handle word and its
 * last reference word above word 0, so that objects reachable only through
 * those words are lost (.inv.layout-complete). */
static ccgc_layout broken_layout(const ccgc_layout *layout) {
  ccgc_layout b = *layout;
  b.length_word = 0;
  b.raw_refs &= b.raw_refs - 1;
  b.handles &= b.handles - 1;
  if (b.refs & ~(uint64_t)1)
    b.refs &= ~((uint64_t)1 << (63 - __builtin_clzll(b.refs)));
  return b;
}

/* The handle words of a descriptor; false if one is not live (the caller
 * then sends the object to trace_object, which reports the misuse). */
static inline bool layout_handle_words(ccgc_marker *marker,
                                       const ccgc_layout_source *source,
                                       const uintptr_t *words, uint64_t bits) {
  bool live = true;
  while (bits) {
    unsigned i = (unsigned)__builtin_ctzll(bits);
    bits &= bits - 1;
    uintptr_t w = __atomic_load_n(&words[i], __ATOMIC_ACQUIRE);
    if (w && !layout_handle(marker, &source->slot_handles, w)) live = false;
  }
  return live;
}

/* .inv.layout-complete: the words a descriptor names, and trace_rest, report
 * what trace_object would. False if a handle word names a handle that is
 * not live: the caller traces the object through trace_object instead. */
static inline bool trace_layout(ccgc_marker *marker,
                                const ccgc_layout_source *source,
                                const ccgc_layout *layout, void *object) {
  const uintptr_t *words = object;
  ccgc_layout broken;
  if (__builtin_expect(marker->break_layouts, 0)) {
    broken = broken_layout(layout);
    layout = &broken;
  }
  layout_words(marker, words, layout->refs, source->tag, source->tag_mask);
  layout_words(marker, words, layout->raw_refs, 0, 0);
  if (layout->length_word)
    layout_array(marker, words, layout, source->tag, source->tag_mask);
  return !layout->handles ||
         layout_handle_words(marker, source, words, layout->handles);
}

#endif /* CCGC_MARKER_LAYOUTS_INL_H */
