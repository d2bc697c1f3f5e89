/* space-types.h - the script heap's page, sweep state and nursery
 * structs, which the heap struct (heap-internal.h) holds: pages and their
 * object areas (space.c), the sweep of old space (sweeper.c), the young
 * generation's pages (nursery.c). */
#ifndef V8ISH_SPACE_TYPES_H
#define V8ISH_SPACE_TYPES_H

#include <glib.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "object-layout.h"
#include "page-space.h"

/* A page of the heap's page space (page-space.h): the space's header, then
 * the object area's bounds. */
typedef struct v8ish_page {
  ccgc_space_page base; /* first (.inv.page-aligned) */
  word_t *start, *end;  /* object area */
  /* Young pages (nursery.c): objects lie in [start, top); state says which
   * semi-space the page is in (v8ish_young_state). */
  word_t *top;
  /* Young pages: the end of what any use wrote since the page was last
   * zeroed (a page is not cleared when taken: each new object is, and a
   * copy is written whole), so its bytes past top may be stale; a full
   * collection that makes the page old zeroes them (.inv.lab-zeroed). */
  word_t *dirty;
  int young_state;
  /* Lazy sweeping (sweeper.c): the page's index in the sweep in progress,
   * or -1 (a page mapped after the pause: swept by definition). */
  int32_t sweep_index;
  /* Compaction (compactor.c): set while a full collection's compact op
   * evacuates this normal old page; its live objects' first words are then
   * forwarding words (.inv.compaction-forwarding). */
  bool evacuating;
  /* The live bytes the last sweep of this normal page found (every sweeping
   * path: atomic, lazy, concurrent); SIZE_MAX for a page mapped after the
   * last pause (not measured yet). Candidates are chosen by it when a full
   * marking cycle starts (candidates.c). */
  size_t live_bytes;
  /* The page holds a hidden class (or a dead one kept by lazy sweeping):
   * set when one is allocated or promoted onto it, recomputed by every
   * sweep of the page. Such a page is never an evacuation candidate
   * (.inv.compaction-classes-stay). */
  bool holds_class;
} v8ish_page;

/* Lazy and concurrent sweeping of old space (sweeper.c, docs/sweeping.md).
 * Every normal page that held objects at the pause is listed in pages; its
 * state in states goes UNSWEPT -> SWEEPING (claimed by the owner or a
 * sweeper thread) -> SWEPT (measured; a sweeper thread then queues its
 * result) -> MERGED (the owner spliced its free runs into the free lists).
 * MERGED is final: a sweeper thread stores SWEPT before it queues, never
 * after the owner could have merged. */
enum {
  V8ISH_PAGE_MERGED = 0,
  V8ISH_PAGE_UNSWEPT,
  V8ISH_PAGE_SWEEPING,
  V8ISH_PAGE_SWEPT,
};

typedef struct v8ish_sweep {
  bool active;          /* sweep_start ran, sweep_step not done yet      */
  /* A scavenge runs while sweeping (docs/sweeping.md): promotion takes only
   * merged memory, the allocator sweeps no page meanwhile. */
  bool scavenging;
  /* The large pages whose object died, found in the pause (sweep_start):
   * released at the first owner step. NULL once released. A large page
   * allocated after the pause is never on it. */
  GPtrArray *dead_large;
  bool concurrent;      /* sweeper threads help (sweep_start's flag)    */
  v8ish_page **pages;   /* the normal pages of the pause                */
  _Atomic uint8_t *states; /* V8ISH_PAGE_*, one per page                 */
  size_t page_count;
  atomic_size_t cursor; /* next index to try to claim                   */
  atomic_size_t helper_pages; /* pages sweeper threads measured (tests)  */
  size_t merged;        /* pages MERGED (owner)                         */
  /* One result per page (sweeper.c), allocated with the page list: the
   * measuring thread frees what it allocated (but a rare list of dead
   * classes), as an owner's free waits on a sweeper's malloc arena lock. */
  struct page_result *results;
  /* Measured by sweeper threads: a lock-free stack the owner takes whole
   * (never waits), then pending until merged (owner only). */
  _Atomic(struct page_result *) queued;
  struct page_result *pending;
  GArray *zombies;      /* word_t *: dead classes, freed at completion  */
} v8ish_sweep;

/* The young pages' states (nursery.c, docs/script-heap.md "Young
 * generation"). A minor collection copies the objects of ALLOCATING pages
 * into COPY pages and promotes those of SURVIVOR pages; then the from-space
 * (ALLOCATING and SURVIVOR) becomes FREE and COPY becomes SURVIVOR. */
typedef enum v8ish_young_state {
  V8ISH_YOUNG_FREE,       /* the pool: to-space reserve, next pages      */
  V8ISH_YOUNG_ALLOCATING, /* new objects (never survived a scavenge)     */
  V8ISH_YOUNG_SURVIVOR,   /* objects that survived one scavenge          */
  V8ISH_YOUNG_COPY,       /* during a scavenge: the to-space             */
  V8ISH_YOUNG_LARGE,      /* a young large page                          */
  V8ISH_YOUNG_LARGE_LIVE, /* during a scavenge: a young large page reached */
} v8ish_young_state;

/* A linear allocation area: [cursor, limit). */
typedef v8ish_fast_lab v8ish_lab; /* v8ish-fast.h */

/* The young generation's bookkeeping (nursery.c). */
typedef struct v8ish_nursery {
  bool enabled;
  size_t min_pages, max_pages; /* semi-space bounds, in pages       */
  size_t capacity_pages;       /* the semi-space now (adapts)       */
  v8ish_page *current;         /* the page fast.lab bumps through   */
  size_t allocating_pages, survivor_pages, free_pages, copy_pages;
  bool requested;              /* a minor collection was asked for  */
  /* The young large pages mapped since the last scavenge, in bytes: they
   * fill the semi-space's budget as its pages do (V8 counts its new large
   * object space against the new space's capacity). */
  size_t large_bytes;
  size_t helper_pages;         /* spare to-space pages: one a helper
                                * of the parallel scavenger        */
  /* Fast promotion (nursery.c): the next scavenge makes every young page
   * old where it is; how many did so in a row. */
  bool fast_promote_next;
  unsigned fast_in_a_row;
} v8ish_nursery;

#endif /* V8ISH_SPACE_TYPES_H */
