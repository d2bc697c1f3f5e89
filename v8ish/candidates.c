/* candidates.c - the evacuation candidates of the script heap's
 * old-generation compaction, chosen when a full marking cycle starts, and
 * what marking does for them (docs/compaction.md, V8's
 * MarkCompactCollector::StartCompaction and RecordSlot):
 *
 *   select     from the prepare op (every full cycle: stop-the-world,
 *              incremental, concurrent): the normal old pages by the live
 *              bytes of their last sweep, sparsest first, up to
 *              max_evacuation_bytes; never a page that holds a permanent
 *              object or a hidden class (.inv.compaction-unmovable,
 *              .inv.compaction-classes-stay). Each gets the page flag
 *              CCGC_PAGE_EVACUATION_CANDIDATE; its free blocks leave the
 *              free lists, so nothing is allocated on it while marking runs
 *              (.inv.compaction-candidates-unlisted).
 *   record     while the cycle marks, the marker (trace.c), the write
 *              barrier (marking/write-barrier.c) and the scavenger
 *              (scavenge-task.c) record the slots that point into a
 *              candidate in their holder page's old-to-old set
 *              (.inv.compaction-slots-recorded); an in-place layout change
 *              lists its object here instead (v8ish_compaction_invalidate).
 *   finish     after the atomic pause's updates (compactor.c): flags,
 *              sets and lists dropped. */
#include <string.h>

#include "candidates.h"
#include "compactor-internal.h"
#include "invariant-check.h"

/* The permanent objects (the built-in classes, the empty array) never move:
 * fillers and dead objects name the filler classes without being traced. */
static bool holds_permanent(const v8ish_heap *heap, const v8ish_page *page) {
  const v8ish_value permanent[] = {
      heap->meta_class,         heap->filler_class,
      heap->one_word_filler_class, heap->number_class,
      heap->string_class,       heap->fixed_array_class,
      heap->double_array_class, heap->context_class,
      heap->object_class,       heap->array_class,
      heap->closure_class,      heap->empty_fixed_array,
      heap->weak_map_class,     heap->weak_set_class,
      heap->ephemeron_table_class, heap->registry_class,
      heap->weak_cells_class};
  for (size_t i = 0; i < sizeof permanent / sizeof permanent[0]; i++)
    if (v8ish_is_ref(permanent[i]) &&
        page_of(v8ish_untag(permanent[i])) == page)
      return true;
  return false;
}

static int by_live_bytes(const void *a, const void *b) {
  const candidate *x = a, *y = b;
  return (x->live_bytes > y->live_bytes) - (x->live_bytes < y->live_bytes);
}

/* Debug builds: a candidate holds no hidden class, live or dead
 * (.inv.compaction-classes-stay): a dead object's class word never points
 * into a candidate, so the pause never walks dead objects. */
static bool holds_no_class(const v8ish_heap *heap, const v8ish_page *page) {
  for (word_t *at = page->start; at < page->end;) {
    if (at[0] == 0) break; /* the untouched rest of the page */
    if (at[0] == heap->meta_class) return false;
    at += v8ish_size_of(at) / 8;
  }
  return true;
}

/* The candidates' free blocks leave the free lists: no allocation (and so
 * no new class, no promotion) lands on a candidate while marking runs
 * (.inv.compaction-candidates-unlisted). One pass over the lists. */
static void unlist_candidates(v8ish_heap *heap) {
  for (unsigned bucket = 0; bucket < V8ISH_BUCKETS; bucket++)
    for (word_t **link = &heap->free_lists[bucket]; *link;) {
      if (ccgc_page_is_candidate(ccgc_page_of(*link)))
        *link = (word_t *)(*link)[FILLER_NEXT];
      else
        link = (word_t **)&(*link)[FILLER_NEXT];
    }
}

void v8ish_compaction_select(v8ish_heap *heap) {
  int mode = heap->base.options.compaction;
  /* A memory-reducing cycle (the memory reducer, memory pressure) compacts
   * as if asked to, whatever the option (docs/heap-growth.md). */
  bool requested = heap->compaction_requested ||
                   ccgc_collector_reducing_memory(heap->base.collector);
  heap->compaction_requested = false;
  if (!requested && mode != CCGC_COMPACTION_AUTO &&
      mode != CCGC_COMPACTION_EVERY_FULL)
    return;
  bool every = requested || mode == CCGC_COMPACTION_EVERY_FULL;
  size_t cap = heap->base.options.max_evacuation_bytes;
  if (cap == 0) cap = DEFAULT_MAX_EVACUATION;
  GArray *found = g_array_new(FALSE, FALSE, sizeof(candidate));
  size_t page_area = 1; /* a candidate's object area (the largest seen) */
  for (ccgc_space_page *p = heap->base.space.pages; p; p = p->next) {
    v8ish_page *page = (v8ish_page *)p;
    /* Not measured by a sweep yet (mapped after the last pause), a class
     * on it, a permanent object on it: stays. */
    if (page->live_bytes == SIZE_MAX || page->holds_class ||
        holds_permanent(heap, page))
      continue;
    size_t area = (size_t)(page->end - page->start) * 8;
    bool sparse = every ? page->live_bytes < area : page->live_bytes * 2 <= area;
    if (!sparse) continue;
    if (area > page_area) page_area = area;
    candidate next = {.page = page, .live_bytes = page->live_bytes};
    g_array_append_val(found, next);
  }
  g_array_sort(found, by_live_bytes);
  /* AUTO: only a move that frees pages - the survivors need fewer pages
   * than the candidates are. One sparse page moved to a fresh one gains
   * nothing, and was moved again by every collection. */
  size_t total = 0;
  guint kept = 0;
  for (; kept < found->len; kept++) {
    size_t live = g_array_index(found, candidate, kept).live_bytes;
    if (total + live > cap) break;
    total += live;
  }
  if (!every && kept <= (total + page_area - 1) / page_area) kept = 0;
  g_array_set_size(found, kept);
  for (guint i = 0; i < found->len; i++) {
    candidate *next = &g_array_index(found, candidate, i);
    CCGC_CHECK_DEBUG(holds_no_class(heap, next->page),
                     ".inv.compaction-classes-stay");
    next->page->base.page.flags |= CCGC_PAGE_EVACUATION_CANDIDATE;
    if (!heap->candidates) heap->candidates = g_ptr_array_new();
    g_ptr_array_add(heap->candidates, next->page);
  }
  g_array_free(found, TRUE);
  if (!heap->candidates) return;
  unlist_candidates(heap);
  /* TESTING ONLY: the switch leaves every old-to-old set empty. */
  heap->recording_slots = !heap->base.barrier->no_slot_recording;
  heap->invalidated = g_ptr_array_new();
}

static void free_sets(ccgc_space_page *list) {
  for (ccgc_space_page *p = list; p; p = p->next)
    if (p->page.old_to_old) ccgc_old_to_old_free(&p->page);
}

void v8ish_compaction_finish(v8ish_heap *heap) {
  if (!heap->candidates) return;
  for (guint i = 0; i < heap->candidates->len; i++) {
    v8ish_page *page = g_ptr_array_index(heap->candidates, i);
    page->base.page.flags &= (uint16_t)~CCGC_PAGE_EVACUATION_CANDIDATE;
  }
  g_ptr_array_free(heap->candidates, TRUE);
  heap->candidates = NULL;
  heap->recording_slots = false;
  g_ptr_array_free(heap->invalidated, TRUE);
  heap->invalidated = NULL;
  free_sets(heap->base.space.pages);
  free_sets(heap->base.space.large_pages);
  free_sets(heap->base.space.young_pages);
}

/* Owner thread. The object's slots may have been recorded with its old
 * layout (a tagged field now raw bits, a start moved): the pause drops
 * every record inside it and walks it whole with its layout then. */
void v8ish_compaction_invalidate(v8ish_heap *heap, word_t *object) {
  if (!v8ish_recording_page(heap, object)) return;
  g_ptr_array_add(heap->invalidated, object);
}

void v8ish_note_class(word_t *k) {
  v8ish_page *page = page_of(k);
  /* No allocation lands on a candidate (.inv.compaction-candidates-unlisted),
   * so no class does (.inv.compaction-classes-stay). Parallel scavenges
   * promote classes from several threads: an atomic store. */
  CCGC_CHECK_DEBUG(!ccgc_page_is_candidate(&page->base.page),
                   ".inv.compaction-classes-stay");
  __atomic_store_n(&page->holds_class, true, __ATOMIC_RELAXED);
}
