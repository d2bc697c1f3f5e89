/* compactor.c - compaction of the DOM heap's backing stores (Oilpan's
 * HeapCompact): the compact op of a full collection (ccgc-heap.h,
 * docs/compaction.md, "DOM backing stores").
 *
 * DOM objects never move (hosts hold raw pointers). Backing stores do:
 * HeapVectorBacking and the weak collections' tables live on pages of their
 * own arena (BLINKISH_ARENA_BACKING, .inv.dom-backing-arena), each is
 * reachable only through its owner's first member, and each records that
 * slot when it is installed (.inv.backing-owner). In the atomic pause, after
 * weakness processing (marks final, weak slots cleared, dead entries pruned),
 * before the verifier and sweeping:
 *
 *   select     measure every normal backing page by this cycle's marks: the
 *              live bytes of its owned backings (marked, owner marked, the
 *              owner's slot still holding it); the sparsest first, up to
 *              max_evacuation_bytes
 *   evacuate   per candidate: plan every owned backing's new cell on fresh
 *              backing pages first (a page that cannot be mapped leaves the
 *              candidate and every later one in place, whole:
 *              .inv.compaction-no-half-move); then copy, mark the copy
 *              black, rewrite the owner slot, turn the old copy white
 *   retire     the candidates' pages are flagged evacuated (walks and
 *              queries skip them), their dead and unowned backings leave the
 *              statistics, the arena's free lists are emptied; the pages go
 *              to the OS first thing in the sweep, after the verifier
 *
 * A backing that is marked but no longer owned (replaced while marking ran:
 * a grown vector, a rebuilt table, a dead collection's table allocated
 * black) is referenced by nothing: on a candidate page it is dropped with
 * the page, elsewhere it stays until the next sweep. Its stale back-pointer
 * is never written through. */
#include <string.h>

#include "heap-internal.h"
#include "invariant-check.h"

#define DEFAULT_MAX_EVACUATION ((size_t)64 << 20)

typedef struct candidate {
  blinkish_page *page;
  size_t live_bytes;                   /* owned backings: moved       */
  size_t dead_bytes, dead_objects;     /* unmarked, or marked unowned */
} candidate;

typedef struct planned_move {
  uint8_t *from, *to; /* cells */
  size_t size;
} planned_move;

typedef struct compactor {
  blinkish_heap *heap;
  GArray *candidates; /* candidate */
  GArray *moves;      /* planned_move of the candidate being evacuated */
  GPtrArray *targets; /* blinkish_page *: fresh pages, in fill order */
  uint8_t *cursor, *limit; /* bump area in the last target */
  size_t moved_bytes, moved_objects, evacuated_pages;
  bool skip_updates; /* TESTING ONLY (ccgc_collector_skip_compaction_updates) */
  /* Old payload -> new payload of every backing moved, for objects_moved
   * (probes and snapshot ids follow a backing: ccgc_collector_relocated). */
  GHashTable *forward;
} compactor;

static void *payload_of(uint8_t *cell) {
  return cell + blinkish_payload_offset(
                    blinkish_header_is_wrappable((blinkish_header *)cell));
}

/* .inv.backing-owner: a marked backing whose owner is marked and whose
 * owner slot still holds it. The owner's cell is allocated (a backing
 * marked this cycle was installed by an owner that lived during the cycle,
 * and nothing is swept before the pause ends), so its mark and slot are
 * readable even when it died. */
static void **owner_slot(void *backing) {
  void **slot = ((blinkish_backing_prefix *)backing)->owner_slot;
  if (!slot || !ccgc_is_marked(slot) || *slot != backing) return NULL;
  return slot;
}

/* --- selection -------------------------------------------------------------- */

static void measure(blinkish_page *page, candidate *out) {
  *out = (candidate){.page = page};
  for (uint8_t *cell = page->cells_start; cell < page->cells_end;) {
    blinkish_header *header = (blinkish_header *)cell;
    if (!blinkish_word_is_header(blinkish_header_word(header))) break;
    size_t size = blinkish_header_cell_size(header);
    if (!blinkish_header_is_free(header)) {
      void *payload = payload_of(cell);
      if (ccgc_is_marked(payload) && owner_slot(payload)) {
        out->live_bytes += size;
      } else {
        out->dead_bytes += size;
        out->dead_objects++;
      }
    }
    cell += size;
  }
}

static int by_live_bytes(const void *a, const void *b) {
  const candidate *x = a, *y = b;
  return (x->live_bytes > y->live_bytes) - (x->live_bytes < y->live_bytes);
}

/* every: each backing page not entirely live is a candidate (requested,
 * EVERY_FULL); else (AUTO) only when the arena's owned live bytes are below
 * half its committed bytes, and then the pages at most half live, if their
 * survivors fit in fewer pages than they are. */
static void select_candidates(compactor *c, bool every) {
  blinkish_heap *heap = c->heap;
  size_t area = (size_t)CCGC_PAGE_SIZE; /* cells_end - cells_start, below */
  size_t live = 0, committed = 0;
  ccgc_page_space *space = &heap->base.space;
  for (ccgc_space_page *p = space->pages; p; p = p->next) {
    blinkish_page *page = (blinkish_page *)p;
    if (page->arena != BLINKISH_ARENA_BACKING || page->evacuated) continue;
    candidate found;
    measure(page, &found);
    area = (size_t)(page->cells_end - page->cells_start);
    live += found.live_bytes;
    committed += CCGC_PAGE_SIZE;
    bool sparse = every ? found.live_bytes < area
                        : found.live_bytes * 2 <= area;
    if (sparse) g_array_append_val(c->candidates, found);
  }
  if (!every && live * 2 >= committed) { /* AUTO: not fragmented enough */
    g_array_set_size(c->candidates, 0);
    return;
  }
  g_array_sort(c->candidates, by_live_bytes);
  size_t cap = heap->base.options.max_evacuation_bytes;
  if (cap == 0) cap = DEFAULT_MAX_EVACUATION;
  size_t total = 0;
  guint kept = 0;
  for (; kept < c->candidates->len; kept++) {
    candidate *next = &g_array_index(c->candidates, candidate, kept);
    if (total + next->live_bytes > cap) break;
    total += next->live_bytes;
  }
  /* AUTO: only a move that frees pages - the survivors need fewer pages
   * than the candidates are. One sparse page moved to a fresh one gains
   * nothing, and was moved again by every collection. */
  if (!every && kept <= (total + area - 1) / area) kept = 0;
  g_array_set_size(c->candidates, kept);
}

/* --- evacuation ------------------------------------------------------------- */

/* The next cell of size bytes on the targets, mapping a fresh backing page
 * when the last one is full; NULL if no page can be mapped (the hard limit,
 * the OS). A target's unused rest stays zero: an untouched rest that every
 * walk and the sweep read as free (.inv.iterable-pages). */
static uint8_t *bump(compactor *c, size_t size) {
  if (!c->cursor || (size_t)(c->limit - c->cursor) < size) {
    ccgc_status why;
    blinkish_page *page =
        blinkish_page_map_normal(c->heap, BLINKISH_ARENA_BACKING, &why);
    if (!page) return NULL;
    g_ptr_array_add(c->targets, page);
    c->cursor = page->cells_start;
    c->limit = page->cells_end;
  }
  uint8_t *at = c->cursor;
  c->cursor += size;
  return at;
}

/* Plans the new cell of every owned backing of the candidate; on failure
 * forgets the plan and releases the pages mapped for it: nothing of the
 * candidate was copied (.inv.compaction-no-half-move). */
static bool plan(compactor *c, const candidate *cand) {
  blinkish_page *page = cand->page;
  uint8_t *saved_cursor = c->cursor, *saved_limit = c->limit;
  guint targets_before = c->targets->len;
  g_array_set_size(c->moves, 0);
  for (uint8_t *cell = page->cells_start; cell < page->cells_end;) {
    blinkish_header *header = (blinkish_header *)cell;
    if (!blinkish_word_is_header(blinkish_header_word(header))) break;
    size_t size = blinkish_header_cell_size(header);
    void *payload = payload_of(cell);
    if (!blinkish_header_is_free(header) && ccgc_is_marked(payload) &&
        owner_slot(payload)) {
      uint8_t *to = bump(c, size);
      if (!to) {
        for (guint i = targets_before; i < c->targets->len; i++)
          ccgc_page_space_release(&c->heap->base.space,
                                  g_ptr_array_index(c->targets, i));
        g_ptr_array_set_size(c->targets, targets_before);
        g_array_set_size(c->moves, 0);
        c->cursor = saved_cursor;
        c->limit = saved_limit;
        return false;
      }
      planned_move move = {cell, to, size};
      g_array_append_val(c->moves, move);
    }
    cell += size;
  }
  return true;
}

/* Copies the planned backings: the copy is black (the sweep keeps it) with
 * its start bit, the owner slot is rewritten (.inv.backing-owner), the old
 * copy is white. */
static void copy_planned(compactor *c) {
  for (guint i = 0; i < c->moves->len; i++) {
    planned_move *move = &g_array_index(c->moves, planned_move, i);
    void *from = payload_of(move->from);
    void **slot = owner_slot(from);
    memcpy(move->to, move->from, move->size);
    void *to = payload_of(move->to);
    blinkish_page_set_start((blinkish_page *)ccgc_page_of(move->to), move->to,
                            true);
    ccgc_mark_set(to, CCGC_BLACK);
    ccgc_mark_set(from, CCGC_WHITE);
    /* TESTING ONLY: the switch leaves the owner pointing at the old copy
     * (the marking verifier then finds an edge to an address that is not
     * an allocated object: the page is evacuated). */
    if (!c->skip_updates) __atomic_store_n(slot, to, __ATOMIC_RELEASE);
    c->moved_bytes += move->size;
    c->moved_objects++;
    g_hash_table_insert(c->forward, from, to);
  }
}

static void evacuate(compactor *c) {
  blinkish_heap *heap = c->heap;
  guint done = 0;
  for (; done < c->candidates->len; done++) {
    candidate *cand = &g_array_index(c->candidates, candidate, done);
    /* Left in place, whole, with every later candidate. */
    if (!plan(c, cand)) break;
    copy_planned(c);
    /* Retire: walks and queries skip the page; its dead and unowned
     * backings leave the statistics as a sweep would count them (backing
     * types run no host code when they die). */
    cand->page->evacuated = true;
    heap->base.space.used_bytes -= cand->dead_bytes;
    heap->base.space.object_count -= cand->dead_objects;
    if (!heap->evacuated) heap->evacuated = g_ptr_array_new();
    g_ptr_array_add(heap->evacuated, cand->page);
    c->evacuated_pages++;
  }
  g_array_set_size(c->candidates, done);
}

/* ccgc_collector_relocated inside objects_moved, for an address of this
 * heap: a backing of an evacuated page went to its new cell, or died there
 * (NULL: its page goes); other pages did not move. */
static void *moved_to(void *address, void *data) {
  compactor *c = data;
  ccgc_page *base = ccgc_page_of(address);
  if ((base->flags & CCGC_PAGE_LARGE) || !((blinkish_page *)base)->evacuated)
    return address; /* large objects never move */
  return g_hash_table_lookup(c->forward, address);
}

/* --- the ops ----------------------------------------------------------------- */

void blinkish_compact(void *data) {
  blinkish_heap *heap = data;
  heap->evacuated_pages = heap->evacuated_bytes = heap->evacuated_objects = 0;
  heap->evacuation_ms = 0;
  int mode = heap->base.options.compaction;
  /* A memory-reducing cycle compacts as if asked to (docs/heap-growth.md). */
  bool requested = heap->compaction_requested ||
                   ccgc_collector_reducing_memory(heap->base.collector);
  heap->compaction_requested = false;
  if (!requested && mode != CCGC_COMPACTION_AUTO &&
      mode != CCGC_COMPACTION_EVERY_FULL)
    return;
  /* The collector finishes sweeping before a cycle starts: every page is
   * swept, so headers and marks describe every cell. */
  CCGC_CHECK_DEBUG(!heap->sweep.active, ".inv.swept-before-allocation");
  double start = ccgc_time_ms();
  blinkish_lab_seal(heap); /* pages iterable (.inv.iterable-pages) */
  compactor c = {
      .heap = heap,
      .candidates = g_array_new(FALSE, FALSE, sizeof(candidate)),
      .moves = g_array_new(FALSE, FALSE, sizeof(planned_move)),
      .targets = g_ptr_array_new(),
      .skip_updates = heap->base.barrier->no_compaction_updates,
      .forward = g_hash_table_new(g_direct_hash, g_direct_equal),
  };
  select_candidates(&c, requested || mode == CCGC_COMPACTION_EVERY_FULL);
  if (c.candidates->len > 0) {
    evacuate(&c);
    /* The arena's free lists may list cells of the evacuated pages: both
     * sweeps rebuild every list right after the pause, and nothing
     * allocates in between (pre-finalizers may not). */
    if (c.evacuated_pages > 0)
      blinkish_arena_free_lists_clear(heap, BLINKISH_ARENA_BACKING);
    /* Probes and snapshot ids follow the moved backings, as the script
     * heap's moves (ccgc-events.h objects_moved); not when nothing moved. */
    if (c.moved_objects > 0)
      ccgc_collector_announce_moves(heap->base.collector, heap->base.heap_id,
                                    moved_to, &c);
  }
  heap->evacuated_pages = c.evacuated_pages;
  heap->evacuated_bytes = c.moved_bytes;
  heap->evacuated_objects = c.moved_objects;
  heap->evacuation_ms = ccgc_time_ms() - start;
  g_array_free(c.candidates, TRUE);
  g_array_free(c.moves, TRUE);
  g_ptr_array_free(c.targets, TRUE);
  g_hash_table_destroy(c.forward);
}

/* Gives the pages compact emptied back to the OS. Called first by both
 * sweeps (blinkish_sweep in the pause, blinkish_sweep_start after it): after
 * every heap's pre-finalizers and in-pause finalizers, which may read any
 * dead object, a dead backing too (.inv.finalize-before-sweep), and after
 * the marking verifier and the end of marking. */
void blinkish_compact_release(blinkish_heap *heap) {
  if (heap->evacuated && heap->base.barrier->no_compaction_updates) {
    /* TESTING ONLY: owners were left at the old copies; their pages stay
     * mapped (flagged evacuated: walks, queries and sweeps skip them) until
     * the heap is freed, so the run fails with the marking verifier's report
     * (an edge to an address that is not an allocated object), not with a
     * read of unmapped memory. */
    g_ptr_array_free(heap->evacuated, TRUE);
    heap->evacuated = NULL;
  }
  if (heap->evacuated) {
    /* After the marking verifier and the end of marking: nothing of the
     * collector holds an address on these pages any more (the worklists
     * were empty and the recorded weak slots read before the compact op). */
    double start = ccgc_time_ms();
    for (guint i = 0; i < heap->evacuated->len; i++)
      ccgc_page_space_release(&heap->base.space,
                              g_ptr_array_index(heap->evacuated, i));
    g_ptr_array_free(heap->evacuated, TRUE);
    heap->evacuated = NULL;
    heap->evacuation_ms += ccgc_time_ms() - start;
  }
}

ccgc_status blinkish_heap_request_compaction(blinkish_heap *heap) {
  if (!blinkish_enter(heap, CCGC_CALL_READ, "blinkish_heap_request_compaction"))
    return blinkish_refusal(heap);
  heap->compaction_requested = true;
  return CCGC_OK;
}
