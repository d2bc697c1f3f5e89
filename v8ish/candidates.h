/* candidates.h - the script heap compaction's ops and its evacuation candidates,
 * chosen when a full marking cycle starts, and the slot recording marking
 * does for them (candidates.c, docs/compaction.md). Internal to v8ish/. */
#ifndef V8ISH_CANDIDATES_H
#define V8ISH_CANDIDATES_H

#include "heap-internal.h"

/* compactor.c: the compact op (ccgc-heap.h, docs/compaction.md). */
void v8ish_compact(void *heap);
/* First thing in both sweeps (reclaim, sweep_start), after every heap's
 * pre-finalizers: the pages the compact op evacuated go to the OS. */
void v8ish_compact_release(void *heap);

/* From v8ish_space_prepare: the candidates, if compaction is asked for. */
void v8ish_compaction_select(v8ish_heap *heap);
/* Drops the candidates' flags, the old-to-old sets and the invalidated
 * objects (the pause, after the updates; a heap freed mid-cycle). */
void v8ish_compaction_finish(v8ish_heap *heap);
/* The page whose old-to-old set records object's slots now, or NULL: not
 * recording, or object young or on a candidate. */
static inline ccgc_page *v8ish_recording_page(const v8ish_heap *heap,
                                              const void *object) {
  if (__builtin_expect(!heap->recording_slots, 1)) return NULL;
  ccgc_page *page = ccgc_page_of(object);
  return (page->flags & (CCGC_PAGE_YOUNG | CCGC_PAGE_EVACUATION_CANDIDATE))
             ? NULL
             : page;
}
/* Records slot of a holder on page if value points into a candidate. */
static inline void v8ish_record_slot(ccgc_page *page, const word_t *slot,
                                     v8ish_value value) {
  if (v8ish_is_ref(value) &&
      ccgc_page_is_candidate(ccgc_page_of(v8ish_untag(value))))
    ccgc_old_to_old_record(page, slot);
}
/* Records every strong slot of object that points into a candidate (a
 * scavenge's promoted copy, a young large object promoted in place:
 * .inv.compaction-slots-recorded); object is old, or about to be. */
void v8ish_record_slots_of(v8ish_heap *heap, word_t *object);
/* An in-place layout change of object while recording: its records are
 * stale; the pause drops them and walks it whole. */
void v8ish_compaction_invalidate(v8ish_heap *heap, word_t *object);
/* A hidden class was allocated or copied at k: its page never moves
 * (.inv.compaction-classes-stay). */
void v8ish_note_class(word_t *k);

#endif
