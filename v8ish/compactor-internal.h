/* compactor-internal.h - what the compactor's two files share: the
 * candidates, the planned moves and the forwarding word of the script heap's
 * old-generation compaction (compactor.c selects and updates, evacuation.c
 * plans and copies; docs/compaction.md). */
#ifndef V8ISH_COMPACTOR_INTERNAL_H
#define V8ISH_COMPACTOR_INTERNAL_H

#include <glib.h>

#include "heap-internal.h"

#define FORWARDED 2u
#define DEFAULT_MAX_EVACUATION ((size_t)64 << 20)

typedef struct candidate {
  v8ish_page *page;
  size_t live_bytes, dead_bytes, dead_objects;
} candidate;

typedef struct planned_move {
  word_t *from, *to;
  size_t size;
} planned_move;

typedef struct compactor {
  v8ish_heap *heap;
  GArray *candidates; /* candidate */
  GArray *moves;      /* planned_move: every object moved, in order */
  guint planned;      /* moves of the candidate being evacuated start here */
  GPtrArray *targets; /* v8ish_page *: the fresh pages, in fill order */
  GArray *tops;       /* word_t *: where each target left behind ends */
  v8ish_lab lab;      /* bumps through the last target */
  size_t moved_bytes, moved_objects, evacuated_pages;
  bool skip_updates;  /* TESTING ONLY (ccgc_collector_skip_compaction_updates) */
} compactor;

static inline v8ish_page *page_of(const void *address) {
  return (v8ish_page *)ccgc_page_of(address);
}

static inline bool is_filler(const v8ish_heap *heap, const word_t *object) {
  word_t klass = object[0];
  return klass == heap->filler_class || klass == heap->one_word_filler_class;
}

/* Where a live object of a candidate went, or NULL if it did not move. */
static inline word_t *forwarded(const word_t *object) {
  if (!page_of(object)->evacuating) return NULL;
  word_t first = object[0];
  return (first & 3u) == FORWARDED ? (word_t *)(first & ~(word_t)3) : NULL;
}

/* Evacuates every candidate it can (evacuation.c): plans, copies, leaves
 * forwarding words; a candidate it cannot place stays whole with every
 * later one (.inv.compaction-no-half-move). */
void v8ish_compactor_evacuate(compactor *c);
/* The objects_moved listeners (ccgc-events.h; evacuation.c): call after
 * every reference is updated, while the old copies hold their forwarding
 * words. Nothing when no page was evacuated. */
void v8ish_compactor_announce_moves(compactor *c);

#endif
