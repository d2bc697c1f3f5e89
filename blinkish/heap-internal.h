/* heap-internal.h - the DOM heap's internal state, shared by its files. */
#ifndef BLINKISH_HEAP_INTERNAL_H
#define BLINKISH_HEAP_INTERNAL_H

#include <glib.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include "blinkish.h"
#include "blinkish-bridge.h"
#include "handle-table.h"
#include "heap-base.h"
#include "object-header.h"

#define BLINKISH_SIG 0x424c4e4bu /* "BLNK" (.sig) */
#define BLINKISH_MAX_TYPES 4096
#define BLINKISH_BUCKETS 16 /* free-list buckets: 16 << i bytes */
#define BLINKISH_LARGE_THRESHOLD (CCGC_PAGE_SIZE / 4)

/* A page of the heap's page space (page-space.h): the space's header, then
 * this heap's fields, the mark table, the object-start bitmap (one bit per
 * granule: a cell starts here), the cells. */
typedef struct blinkish_page {
  ccgc_space_page base; /* first: masking finds it (.inv.page-aligned) */
  uint8_t *cells_start; /* normal pages: first cell; large: the one cell */
  uint8_t *cells_end;
  uint8_t *start_bits;  /* normal pages only */
  /* While the page waits to be swept after a pause (lazy-sweeper.c): its
   * slot; NULL once swept (owner thread only). */
  struct blinkish_sweep_slot *sweep_slot;
  /* The page's arena: its objects may run host code when they die (a
   * finalizer, a wrappable's release hook), so only the owner sweeps it.
   * Fixed when the page is mapped. */
  bool host_code;
  uint8_t arena; /* BLINKISH_ARENA_*, fixed when mapped (host_code: HOST_CODE) */
  /* A backing page the compact op emptied (compactor.c): no object of it
   * is reachable any more; walks and queries skip it until the sweep
   * releases it (owner thread, inside the pause only). */
  bool evacuated;
} blinkish_page;

/* What sweeping one normal page found (blinkish_page_sweep): its free runs,
 * chained through the free cells' next per free-list bucket (heads and
 * tails, address order within a chain) so that the owner splices each chain
 * into its arena's free list in one step (blinkish_page_sweep_merge), what
 * it freed, and whether no object survived. Built on any thread, merged on
 * the owner. */
typedef struct blinkish_page_sweep {
  struct blinkish_free_cell *heads[BLINKISH_BUCKETS], *tails[BLINKISH_BUCKETS];
  size_t largest; /* the largest run's bytes */
  size_t freed_bytes, freed_objects;
  bool empty;
} blinkish_page_sweep;

/* A page's state in a lazy sweep (lazy-sweeper.c). Every page is claimed by
 * one compare-and-swap out of UNSWEPT (.inv.swept-before-allocation). */
enum {
  BLINKISH_SLOT_UNSWEPT = 1,
  BLINKISH_SLOT_OWNER,       /* the owner thread sweeps it (finalizers)   */
  BLINKISH_SLOT_HELPER,      /* a sweeper thread sweeps it                */
  BLINKISH_SLOT_HELPER_DONE, /* swept by a sweeper thread, not merged     */
  BLINKISH_SLOT_SWEPT,       /* swept and merged: the allocator's again   */
};

/* What a sweeper thread left for the owner on a host-code page (cppgc's
 * deferred finalization), in address order: the dead cells the owner
 * finalizes, and between them the page's free runs, each as two entries
 * (its start tagged with BLINKISH_DEFERRED_RUN, then its end), so that the
 * owner coalesces the runs with the cells it frees. No entries when no
 * object waits: the runs are in the page's result then. */
typedef struct blinkish_deferred {
  uint8_t **cells; /* entries */
  size_t count, capacity;
  size_t objects;  /* the dead cells among the entries */
} blinkish_deferred;

#define BLINKISH_DEFERRED_RUN ((uintptr_t)1)

typedef struct blinkish_sweep_slot {
  _Atomic int state;
  blinkish_page *page;
  bool large, host_code; /* fixed from sweep_start on                    */
  /* A sweeper thread could not list the page's dead cells (no memory):
   * the owner finalizes and sweeps it whole after the merge. */
  bool owner_sweep;
  struct blinkish_sweep_slot *next_done; /* the helpers' results stack,
                                            then the owner's finalizing queue */
  blinkish_page_sweep result;            /* a helper's, merged by owner   */
  blinkish_deferred dead;   /* a helper's list of cells to finalize       */
  size_t finalize_index;    /* owner: the next of them to finalize        */
  uint8_t *finalize_cursor; /* owner: where finalization resumes (NULL:
                               from the first cell)                       */
} blinkish_sweep_slot;

/* The lazy sweep of one heap after a pause (lazy-sweeper.c). The slots
 * array outlives the sweep until the next sweep_start or the heap's
 * teardown: a sweeper thread may still look at a slot (and lose its claim)
 * after the owner completed. */
typedef struct blinkish_lazy_sweep {
  bool active;                 /* pages are waiting to be swept          */
  blinkish_sweep_slot *slots;  /* one per page at sweep_start            */
  size_t count;
  size_t cursor;               /* owner: next slot it looks at           */
  size_t unfinished;           /* owner: slots not SWEPT yet             */
  _Atomic size_t claim;        /* sweeper threads: next slot to try      */
  _Atomic(blinkish_sweep_slot *) done; /* swept by helpers, not merged   */
  /* owner: host-code pages sweeper threads swept, their dead objects not
   * finalized yet (FIFO through next_done) */
  blinkish_sweep_slot *finalizing, *finalizing_tail;
  /* Dead objects listed by sweeper threads and not freed yet: above
   * max_listed the threads leave host-code pages to the owner, so the lists
   * stay bounded however far finalization lags. */
  _Atomic size_t listed;
  size_t max_listed; /* BLINKISH_MAX_LISTED; tests lower it */
  /* Dead lists the owner has finalized, a stack linked through their first
   * element: sweeper threads allocated them and free them at their next
   * claim (the owner's free of one waited for the sweeper thread's malloc
   * arena lock: 83 waits in one `ccgc bench dom`, sweep steps of 4 ms with
   * under 1 ms on the CPU); what is left when the sweep completes (the
   * threads stop claiming once past the last page), the owner frees. */
  _Atomic(uint8_t **) retired;
} blinkish_lazy_sweep;

/* At most this many dead objects wait in sweeper threads' lists (8 MiB of
 * list): past it the threads leave host-code pages to the owner. */
#define BLINKISH_MAX_LISTED ((size_t)1 << 20)

typedef struct blinkish_type {
  char *name;
  blinkish_trace_fn trace;
  blinkish_finalize_fn finalize;
  unsigned flags;
  blinkish_finalize_data_fn finalize_with_data; /* or this, with data */
  void *finalize_data;
  /* Declared members (blinkish_type_declare_members) and handles
   * (blinkish_type_declare_handles): names by word, the descriptor (also in
   * heap->layout_table, layouts.c) and the smallest payload that holds them
   * all (allocation refuses smaller ones). */
  char **member_names;
  ccgc_layout layout;
  size_t member_bytes;
  bool allocated; /* an object of the type was allocated (blinkish_alloc) */
} blinkish_type;

/* The payload of a persistent's slot in the heap's handle table: a
 * blinkish_persistent * is a handle of that table (handle-table.h). */
typedef struct persistent_node {
  void *object;
  bool weak;
} persistent_node;

/* A weak collection (weak-collections.c); the heap keeps a registry of them. */
typedef struct blinkish_weak_collection blinkish_weak_collection;

typedef struct blinkish_free_cell {
  blinkish_header header;
  struct blinkish_free_cell *next;
} blinkish_free_cell;

/* An allocation arena (Oilpan's arenas): a linear allocation area and the
 * free lists of the arena's pages. Objects whose death runs host code (a
 * finalizer, a wrappable's release hook: BLINKISH_ARENA_HOST_CODE) get
 * pages of their own, so sweeper threads can take every page of the other
 * arenas (lazy-sweeper.c). A page's arena is blinkish_page.arena. */
typedef struct blinkish_arena {
  uint8_t *lab_cursor, *lab_limit; /* linear allocation area */
  blinkish_page *lab_page;
  blinkish_free_cell *free_lists[BLINKISH_BUCKETS];
} blinkish_arena;

/* BLINKISH_ARENA_BACKING: the backing stores (HeapVectorBacking, the weak
 * collections' tables), each reachable only through one owner slot, so the
 * compact op may move them (compactor.c, .inv.dom-backing-arena). */
enum {
  BLINKISH_ARENA_PLAIN,
  BLINKISH_ARENA_HOST_CODE,
  BLINKISH_ARENA_BACKING,
  BLINKISH_ARENAS
};

struct blinkish_heap {
  /* First: signature, collector, barrier, errors, limits, the page space
   * (marking/heap-base.h); a blinkish_heap * is a ccgc_heap_base *. */
  ccgc_heap_base base;

  /* BLINKISH_MAX_TYPES entries, allocated apart: inline they made the heap
   * 193 KiB, which malloc maps on its own and unmaps when it is freed, so
   * a call on a freed heap faulted instead of reading a wiped signature
   * (.sig; the static assert in heap.c keeps the struct small). */
  blinkish_type *types;
  uint16_t type_count; /* ids 1 .. type_count */
  uint16_t host_types_from; /* the first id the host registered */
  /* layouts.c: BLINKISH_MAX_TYPES entries, allocated apart: the type's
   * descriptor or NULL; and how the marker finds them. */
  const ccgc_layout **layout_table;
  ccgc_layout_source layout_source;
  blinkish_type_id vector_type, backing_type;
  blinkish_type_id map_type, set_type, map_table_type, set_table_type;

  /* Allocation (page.c), one arena per kind of page; base.space.used_bytes
   * counts the cells of live objects. */
  blinkish_arena arenas[BLINKISH_ARENAS];

  ccgc_handle_table persistents; /* persistent_node slots */
  blinkish_wrappable_trace_fn wrappable_trace;
  blinkish_wrappable_release_fn wrappable_release;
  void *wrappable_data;
  /* The bridge's: reports a declared handle word (blinkish-bridge.h). */
  void (*handle_trace)(ccgc_visitor *visitor, const void *handle,
                       const char *name);

  /* Every weak collection allocated and not yet found dead: pruned after
   * every marking (weak-collections.c). A registry, not references. */
  blinkish_weak_collection *weak_collections;
  /* External values removed while marking runs, released in the atomic
   * pause (a marker thread may be asking their target meanwhile). */
  GArray *deferred_releases;
  /* Objects a marker reached while they were under construction
   * (.inv.construct-defer): black, their fields traced in the atomic pause.
   * Marker threads append under not_constructed_lock. */
  GPtrArray *not_constructed;
  pthread_mutex_t not_constructed_lock;
  bool in_external_release; /* a release function runs: no re-entry */
  /* Registered pre-finalizers, in registration order, and the set of their
   * objects (at most one each) (prefinalizer.c). */
  GArray *prefinalizers;
  GHashTable *prefinalized;

  /* Reclamation phases: while one is set, the marks of the cycle being
   * reclaimed are valid and an unmarked object is dead (.inv.no-resurrection).
   * tearing_down: blinkish_heap_free, where every object is dead. */
  bool in_prefinalization;
  bool in_finalization;
  bool tearing_down;

  blinkish_lazy_sweep sweep; /* CCGC_SWEEP_LAZY / _CONCURRENT */
  double allocation_sweep_ms; /* the allocator's own sweeping, in total */

  /* Backing-store compaction (compactor.c, docs/compaction.md). */
  bool compaction_requested; /* blinkish_heap_request_compaction */
  GPtrArray *evacuated; /* blinkish_page *: released by the sweep, or NULL */
  size_t evacuated_pages, evacuated_bytes, evacuated_objects;
  double evacuation_ms;
};

/* --- backing stores (.inv.backing-owner) ----------------------------------
 * A backing store's payload starts with a back-pointer to its owner slot,
 * written when the backing is installed (blinkish_backing_install): the
 * first word of the owner's payload (a HeapVector's or a weak collection's
 * member), so the slot's address is the owner's too. The compact op moves
 * a backing only if that owner is marked and its slot still holds the
 * backing; a backing replaced since (grown, shrunk, its collection dead)
 * is never written through its stale back-pointer. */
typedef struct blinkish_backing_prefix {
  void **owner_slot; /* NULL until installed */
} blinkish_backing_prefix;

static inline bool blinkish_type_is_backing(const blinkish_heap *heap,
                                            blinkish_type_id type) {
  return type == heap->backing_type || type == heap->map_table_type ||
         type == heap->set_table_type;
}

/* Stores backing into owner's first payload word (the checked, barriered
 * member store) and records that slot in the backing. */
/* blinkish_member_set for the heap's own objects (a vector's backing), which
 * the public call refuses as holders; the same checks otherwise, reported
 * as blinkish_member_set's. */
ccgc_status blinkish_member_store_own(blinkish_heap *heap, void *holder,
                                      void **slot, void *value);
ccgc_status blinkish_backing_install(blinkish_heap *heap, void *owner,
                                     void *backing);

/* page.c */
/* arena: BLINKISH_ARENA_* (HOST_CODE: the type has a finalizer or is
 * wrappable; BACKING: a backing store type). */
void *blinkish_page_allocate(blinkish_heap *heap, size_t cell_size,
                             bool wrappable, int arena, uint16_t type);
/* A fresh, empty normal page of the arena (the compactor's targets), or
 * NULL with *why set (nothing recorded, no sweeping done). */
blinkish_page *blinkish_page_map_normal(blinkish_heap *heap, int arena,
                                        ccgc_status *why);
/* The free lists of one arena emptied. */
void blinkish_arena_free_lists_clear(blinkish_heap *heap, int arena);
void blinkish_pages_release_all(blinkish_heap *heap);
void blinkish_free_list_add(blinkish_heap *heap, uint8_t *cell, size_t size);
void blinkish_free_lists_clear(blinkish_heap *heap);
void blinkish_lab_seal(blinkish_heap *heap);
/* The start bits of a normal page (one per granule; a large page's one cell
 * is its own start): read by every object check, written by every
 * allocation and free, so inline. */
static inline size_t blinkish_granule_index(const blinkish_page *page,
                                            const uint8_t *cell) {
  return ((uintptr_t)cell - (uintptr_t)page) >> CCGC_GRANULE_SHIFT;
}
/* Whether object (an object of this heap the heap itself names: a vector's
 * backing) lies on a page the compact op evacuated (compactor.c). */
static inline bool blinkish_on_evacuated_page(const void *object) {
  const ccgc_page *page = ccgc_page_of(object);
  return !(page->flags & CCGC_PAGE_LARGE) &&
         ((const blinkish_page *)page)->evacuated;
}

static inline bool blinkish_page_cell_is_start(const blinkish_page *page,
                                               const uint8_t *cell) {
  if (page->base.page.flags & CCGC_PAGE_LARGE)
    return cell == page->cells_start;
  size_t index = blinkish_granule_index(page, cell);
  /* Atomic: a sweeper thread may clear a dead neighbour's bit in the same
   * byte (sweeper.c). */
  uint8_t bits =
      __atomic_load_n(&page->start_bits[index >> 3], __ATOMIC_RELAXED);
  return (bits >> (index & 7)) & 1;
}
static inline void blinkish_page_set_start(blinkish_page *page,
                                           const uint8_t *cell, bool on) {
  if (page->base.page.flags & CCGC_PAGE_LARGE) return;
  size_t index = blinkish_granule_index(page, cell);
  if (on)
    page->start_bits[index >> 3] |= (uint8_t)(1u << (index & 7));
  else
    page->start_bits[index >> 3] &= (uint8_t)~(1u << (index & 7));
}
size_t blinkish_cell_size_for(size_t payload, bool wrappable, bool *overflow);
/* The for_each_object op: fn for every allocated object (payload). */
void blinkish_each_object(void *heap, void (*fn)(void *, void *), void *data);

/* sweeper.c */
/* The finalize op: finalizers of the unmarked objects, before any heap
 * sweeps (.inv.finalize-before-sweep). */
void blinkish_finalize_dead(void *heap);
/* The reclaim op: frees the unmarked objects; runs no host code. */
void blinkish_sweep(void *heap);
void blinkish_finalize_all(blinkish_heap *heap);
/* A dead object's wrappable release hook (slot set), then its finalizer. */
void blinkish_finalize_object(blinkish_heap *heap, void *object);
/* A dead object's wrappable release hook only (slot set; the slot cleared). */
void blinkish_release_wrapper(blinkish_heap *heap, void *object);
/* Frees the unmarked cells of a normal page into out (runs no host code,
 * touches nothing but the page: any thread that claimed it). */
void blinkish_page_sweep_cells(blinkish_page *page, blinkish_page_sweep *out);
/* Owner: out's figures leave the heap's accounting; an empty page is
 * released, else its runs go to the free lists. Returns the largest run. */
size_t blinkish_page_sweep_merge(blinkish_heap *heap, blinkish_page *page,
                                 const blinkish_page_sweep *out);
/* A sweeper thread's pass over a host-code page: as
 * blinkish_page_sweep_cells, but a dead object whose death runs host code
 * on the owner is left intact and listed in dead for the owner to finalize
 * and free (blinkish_page_sweep_free_deferred). A dead object of a type
 * with BLINKISH_TYPE_CONCURRENT_FINALIZER is finalized here; it is freed
 * here too unless it holds a wrapper to release, then listed for the
 * owner's release only (.inv.concurrent-finalizers). Counts the dead in
 * out's freed figures. False when the list could not grow (no memory):
 * nothing was finalized nor freed, and the owner must sweep the page
 * whole. */
bool blinkish_page_sweep_deferring(const blinkish_heap *heap,
                                   blinkish_page *page,
                                   blinkish_page_sweep *out,
                                   blinkish_deferred *dead);
/* Owner, after their finalizers: frees the listed dead cells, and out's
 * runs become the page's runs with them (adjacent ones coalesce). */
void blinkish_page_sweep_free_deferred(blinkish_page *page,
                                       blinkish_page_sweep *out,
                                       const blinkish_deferred *dead);
/* Owner: a large page whose object is unmarked is released (its host code
 * ran already). Returns whether it was. */
bool blinkish_large_page_sweep(blinkish_heap *heap, blinkish_page *page);

/* lazy-sweeper.c: the sweep ops (ccgc-heap.h) and the allocator's help. */
void blinkish_sweep_start(void *heap, bool concurrent);
bool blinkish_sweep_step(void *heap, double deadline_ms);
/* Whether the last pause's sweep is complete (the sweep_done op). */
bool blinkish_sweep_done(void *heap);
void blinkish_sweep_concurrent(void *heap, const atomic_bool *stop);
/* The allocator found no free cell of size bytes while a sweep is active:
 * sweeps pages on the owner (finalizers included) until a run that fits
 * was freed or its time is up. */
void blinkish_sweep_for_allocation(blinkish_heap *heap, size_t size,
                                   int arena);
/* Sweeps everything left (the allocator at the hard limit; its time counts
 * as the allocator's). */
void blinkish_sweep_finish(blinkish_heap *heap);
/* A walk while the sweep is active (owner): makes the page safe to read
 * and returns whether its unmarked objects are dead ones to skip. */
bool blinkish_sweep_walk_page(blinkish_heap *heap, blinkish_page *page);
/* Heap teardown: frees the slots (sweeping finished before). */
void blinkish_sweep_free(blinkish_heap *heap);

/* vector.c */
void blinkish_vector_register_types(blinkish_heap *heap);

/* weak-collections.c */
void blinkish_weak_register_types(blinkish_heap *heap);
/* process_weakness: releases deferred external values, drops entries whose
 * key died and collections that died (.inv.weak-before-finalizers). */
void blinkish_weak_collections_process(blinkish_heap *heap);
/* Heap teardown: releases every external value, empties every collection. */
void blinkish_weak_collections_teardown(blinkish_heap *heap);

/* compactor.c: the compact op (backing stores), and the release of the
 * pages it emptied, first thing in both sweeps (after every pre-finalizer
 * and in-pause finalizer: .inv.finalize-before-sweep). */
void blinkish_compact(void *heap);
void blinkish_compact_release(blinkish_heap *heap);

/* prefinalizer.c */
void blinkish_run_prefinalizers(void *heap); /* the pre_reclaim op */
/* Heap teardown: runs every remaining pre-finalizer, frees the registry. */
void blinkish_prefinalizers_teardown(blinkish_heap *heap);

/* checked-visitor.c: the visitor a host trace callback is given, which
 * drops (and reports) every address no heap of the collector owns before
 * inner sees it. */
typedef struct blinkish_checked_visitor {
  ccgc_visitor base;
  ccgc_visitor *inner;
  blinkish_heap *heap;
  const void *object; /* the object being traced (for messages) */
  uintptr_t page;     /* a page known to be the collector's: the object's,
                       * then the last target's */
} blinkish_checked_visitor;
extern const ccgc_visitor_ops *const blinkish_checked_visitor_ops;
static inline void blinkish_checked_visitor_init(blinkish_checked_visitor *self,
                                                 blinkish_heap *heap,
                                                 const void *object,
                                                 ccgc_visitor *inner) {
  self->base.ops = blinkish_checked_visitor_ops;
  self->inner = inner;
  self->heap = heap;
  self->object = object;
  self->page = (uintptr_t)ccgc_page_of(object);
}

/* trace.c: the marking operations (heap: the blinkish_heap). */
void blinkish_prepare(void *heap);
void blinkish_trace_roots(void *heap, ccgc_visitor *visitor);
/* The atomic pause's rescan: the objects deferred under construction only;
 * persistents are barriered (.inv.roots-barriered). */
void blinkish_trace_unbarriered_roots(void *heap, ccgc_visitor *visitor);
void blinkish_trace_object(void *heap, void *object, ccgc_visitor *visitor);
void blinkish_prefetch_object(void *heap, const void *object);
void blinkish_trace_rest(void *heap, void *object, ccgc_visitor *visitor);

/* layouts.c: declared members as layout descriptors (ccgc-layout.h). */
void blinkish_layouts_init(blinkish_heap *heap);
const ccgc_layout_source *blinkish_layouts(void *heap); /* the layouts op */
void blinkish_type_publish_layout(blinkish_heap *heap, blinkish_type_id id);
void blinkish_type_free_members(blinkish_type *type);
void blinkish_trace_members(const blinkish_heap *heap,
                            const blinkish_type *type, void *object,
                            ccgc_visitor *visitor);
void blinkish_process_weakness(void *heap);

/* persistents.c */
/* Strong persistents, as roots. */
void blinkish_trace_persistents(blinkish_heap *heap, ccgc_visitor *visitor);
/* Weak processing: weak persistents whose target died become empty. */
void blinkish_clear_dead_weak_persistents(blinkish_heap *heap);
/* blinkish_heap_new: the empty table. */
void blinkish_persistents_init(blinkish_heap *heap);
/* Heap teardown: frees every persistent (the table). */
void blinkish_persistents_free(blinkish_heap *heap);

/* types.c */
const blinkish_type *blinkish_type_info_of(blinkish_heap *heap,
                                           const void *object);
/* The type_name op (object: a live object of heap). */
const char *blinkish_object_type_name(void *heap, const void *object);

/* validation.c */
/* blinkish_is_allocated: blinkish-bridge.h */
/* A live object of this heap, checked as misuse otherwise (always). */
bool blinkish_check_object(blinkish_heap *heap, const void *object,
                           const char *call, const char *what);
/* The same, and not a backing store (.inv.backing-owner): for every value a
 * host stores as a reference (members, persistents, vector elements, weak
 * keys and values). */
bool blinkish_check_reference(blinkish_heap *heap, const void *object,
                              const char *call, const char *what);
/* An external weak-map value's target, on page (any heap's of the
 * collector): not a DOM heap's backing store (.inv.backing-owner), else
 * misuse, false. */
bool blinkish_check_target(blinkish_heap *heap, const ccgc_page *page,
                           const void *target, const void *value,
                           const char *call);

/* The entry check of every public call (gate.h, heap-base.h): a live DOM
 * heap (NULL or freed: false, nothing reported), on its collector's thread,
 * in a context that allows a call of this kind (else misuse, false). */
static inline bool blinkish_enter(const blinkish_heap *heap,
                                  ccgc_call_kind kind, const char *call) {
  return ccgc_heap_base_enter((const ccgc_heap_base *)heap, BLINKISH_SIG, kind,
                              call);
}

/* What a call whose entry check failed returns as its status. */
static inline ccgc_status blinkish_refusal(const blinkish_heap *heap) {
  return heap && heap->base.sig == BLINKISH_SIG ? heap->base.errors->last.code
                                                : CCGC_E_INVALID_ARGUMENT;
}

/* resurrection.c */
/* True while pre-finalizers or finalizers run: marks are meaningful. */
static inline bool blinkish_in_reclamation(const blinkish_heap *heap) {
  return heap->in_prefinalization || heap->in_finalization;
}
/* True while host code runs with final marks: this heap's pre-finalizers,
 * finalizers or teardown, or any collector callback of the reclamation
 * (weak callbacks, external value releases: ccgc_collector_in_reclamation).
 * One branch while the mutator runs. */
bool blinkish_marks_final(const blinkish_heap *heap);
/* During reclamation: the collection found object dead (unmarked), or the
 * heap is being torn down. Meaningless outside reclamation. */
bool blinkish_is_dying(const blinkish_heap *heap, const void *object);
/* blinkish_alloc for the heap's own types too (its vectors, weak maps and
 * sets, their backings and tables: allocation.c), which blinkish_alloc
 * refuses the host. */
void *blinkish_alloc_own(blinkish_heap *heap, blinkish_type_id type,
                         size_t size);
/* .inv.finalizer-no-store: reports a store a finalizer asked for (any
 * member, vector or weak-collection change), saying "resurrection" too when
 * value or other is a dying object (.inv.no-resurrection), and returns
 * CCGC_E_DEAD_OBJECT; the caller changes nothing. */
ccgc_status blinkish_refuse_finalizer_store(blinkish_heap *heap, const char *call,
                                            const void *value, const void *other);
/* Who runs now, for messages: "a pre-finalizer", "a weak callback", ... */
const char *blinkish_reclamation_phase(const blinkish_heap *heap);
/* .inv.no-resurrection: while marks are final (blinkish_marks_final),
 * reports a store of a dying (checked) object `value` into a holder that
 * survives (holder NULL: a root, described by `into`, e.g. "a persistent")
 * and returns true; the caller stores nothing. False (nothing reported)
 * otherwise; one branch while the mutator runs. */
bool blinkish_refuse_resurrection_slow(blinkish_heap *heap, const void *holder,
                                       const void *value, const char *call,
                                       const char *into);
static inline bool blinkish_refuse_resurrection(blinkish_heap *heap,
                                                const void *holder,
                                                const void *value,
                                                const char *call,
                                                const char *into) {
  /* The mutator outside every callback (blinkish_marks_final's first
   * test): inline, no call. */
  if (__builtin_expect(!value || ccgc_gate_open(heap->base.gate), 1))
    return false;
  return blinkish_refuse_resurrection_slow(heap, holder, value, call, into);
}

#endif /* BLINKISH_HEAP_INTERNAL_H */
