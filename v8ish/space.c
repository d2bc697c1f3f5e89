/* space.c - the script heap's old space: allocation on the pages of its
 * page space (marking/page-space.h); sweeping is sweeper.c.
 *
 * Normal pages carved by a bump pointer (the linear allocation area) and
 * refilled from size-segregated free lists of fillers; objects above
 * V8ISH_LARGE_THRESHOLD on large pages of their own. Pages stay iterable
 * (.inv.iterable-pages): free space is a filler object.
 */
#include <string.h>

#include "candidates.h"
#include "invariant-check.h"
#include "space-inl.h"
#include "nursery.h"
#include "sweeper.h"

_Static_assert(sizeof(v8ish_page) <= CCGC_SPACE_HEADER_BYTES,
               "page header fits");

size_t v8ish_size_of(const word_t *object) {
  return v8ish_size_with_class(object, v8ish_load(object, 0));
}

size_t v8ish_size_with_class(const word_t *object, v8ish_value klass) {
  word_t *k = v8ish_untag(klass);
  switch ((v8ish_instance_type)v8ish_smi_value(k[CLASS_TYPE])) {
  case V8ISH_TYPE_FILLER:
    return k[CLASS_WORDS] == v8ish_smi(1) ? 8 : object[FILLER_SIZE];
  case V8ISH_TYPE_STRING:
    return (STRING_HEADER * 8 + (size_t)v8ish_smi_value(object[LENGTH]) + 1 + 7) &
           ~(size_t)7;
  case V8ISH_TYPE_FIXED_ARRAY:
  case V8ISH_TYPE_DOUBLE_ARRAY:
    return (2 + (size_t)v8ish_smi_value(v8ish_load(object, LENGTH))) * 8;
  case V8ISH_TYPE_CONTEXT:
    return (CONTEXT_HEADER + (size_t)v8ish_smi_value(object[LENGTH])) * 8;
  case V8ISH_TYPE_EPHEMERON_TABLE:
    return (TABLE_HEADER +
            (size_t)v8ish_smi_value(object[TABLE_CAPACITY]) * TABLE_ENTRY) * 8;
  case V8ISH_TYPE_WEAK_CELLS:
    return (CELLS_HEADER +
            (size_t)v8ish_smi_value(object[CELLS_CAPACITY]) * CELL_WORDS) * 8;
  default:
    return (size_t)v8ish_smi_value(k[CLASS_WORDS]) * 8;
  }
}

size_t v8ish_object_size(void *heap, const void *object) {
  (void)heap;
  return v8ish_size_of(object);
}

size_t v8ish_words_to_page_end(const word_t *object) {
  v8ish_page *page = (v8ish_page *)ccgc_page_of(object);
  return (size_t)(page->end - object);
}

static unsigned bucket_for(size_t size) {
  return ccgc_free_list_bucket(size, V8ISH_BUCKETS);
}

/* Turns [at, at + bytes) into filler; lists it if it can hold a link and
 * lies in old space. A filler inside a young page (a young array trimmed,
 * an object shrunk in the nursery) is never listed: the free lists feed old
 * space, and a promotion into a block of a from-space page would be freed
 * with that page (.inv.free-lists-old). */
void v8ish_write_filler(v8ish_heap *heap, word_t *at, size_t bytes) {
  /* Free memory records no slot: a stale young address left in it would be
   * followed by the next minor collection (.inv.old-to-young-recorded). */
  ccgc_page *page = ccgc_page_of(at);
  if (page->slot_set) ccgc_slot_set_clear_range(page, at, (uint8_t *)at + bytes);
  if (page->old_to_old)
    ccgc_old_to_old_clear_range(page, at, (uint8_t *)at + bytes);
  if (bytes == 8) {
    v8ish_store_raw(at, 0, heap->one_word_filler_class);
    return;
  }
  v8ish_store_raw(at, 0, heap->filler_class);
  /* Atomic: a left trim writes a filler over a live array's old start
   * while a marker thread may read it (snapshot protocol, which reads every
   * word atomically; a plain store here was a data race ThreadSanitizer
   * reported: found by an audit). */
  v8ish_store_raw(at, FILLER_SIZE, bytes);
  /* While a marking cycle has evacuation candidates no filler is listed:
   * not one on a candidate (.inv.compaction-candidates-unlisted), and not
   * one whose words a marker thread may still record from a snapshot
   * taken before the change (the next sweep lists them). */
  if (bytes >= 24 && !ccgc_page_is_young(page) && !heap->candidates) {
    unsigned bucket = bucket_for(bytes);
    v8ish_store_raw(at, FILLER_NEXT, (word_t)heap->free_lists[bucket]);
    heap->free_lists[bucket] = at;
  }
}

/* Maps and lists a page (for one object of `bytes` if large) and bounds its
 * object area, or NULL with *why = CCGC_E_HEAP_LIMIT (the hard limit on
 * committed bytes) or CCGC_E_OUT_OF_MEMORY (the OS or the registry refused). */
v8ish_page *v8ish_space_map_page(v8ish_heap *heap, size_t bytes, bool large,
                                 ccgc_status *why) {
  v8ish_page *page =
      (v8ish_page *)ccgc_page_space_map(&heap->base.space, bytes, large, why);
  if (!page) return NULL;
  page->start = (word_t *)((uint8_t *)page + (large ? CCGC_SPACE_HEADER_BYTES
                                                    : CCGC_SPACE_MARKS_END));
  page->end = (word_t *)((uint8_t *)page + page->base.page.reservation);
  page->sweep_index = -1; /* mapped after any pause: nothing to sweep */
  page->live_bytes = SIZE_MAX; /* not measured: never a candidate yet */
  return page;
}

void v8ish_space_release_all(v8ish_heap *heap) {
  ccgc_page_space_release_all(&heap->base.space);
  heap->fast.lab.cursor = heap->fast.lab.limit = NULL;
  heap->old_lab.cursor = heap->old_lab.limit = NULL;
  heap->class_lab.cursor = heap->class_lab.limit = NULL;
  heap->nursery.current = NULL;
  memset(heap->free_lists, 0, sizeof heap->free_lists);
}

/* The old-space area old allocations bump: the mutator's without a
 * nursery, else the one beside it. */
static v8ish_lab *old_lab_of(v8ish_heap *heap) {
  return heap->nursery.enabled ? &heap->old_lab : &heap->fast.lab;
}

static void seal_lab(v8ish_heap *heap, v8ish_lab *lab) {
  if (lab->cursor && lab->cursor < lab->limit) {
    size_t rest = (size_t)(lab->limit - lab->cursor);
    /* Not listed: the LAB's rest is reused after the next sweep. */
    v8ish_store_raw((word_t *)lab->cursor, 0,
                    rest == 8 ? heap->one_word_filler_class : heap->filler_class);
    if (rest > 8) ((word_t *)lab->cursor)[FILLER_SIZE] = rest;
  }
  lab->cursor = lab->limit = NULL;
}

void v8ish_seal_labs(v8ish_heap *heap) {
  v8ish_seal_object_labs(heap);
  seal_lab(heap, &heap->class_lab);
}

void v8ish_seal_object_labs(v8ish_heap *heap) {
  if (heap->nursery.enabled) {
    /* The nursery page keeps its objects below its top. */
    if (heap->nursery.current)
      heap->nursery.current->top = (word_t *)heap->fast.lab.cursor;
    heap->nursery.current = NULL;
    heap->fast.lab.cursor = heap->fast.lab.limit = NULL;
  }
  seal_lab(heap, old_lab_of(heap));
}

/* Segregated fit from the size-classed free lists; the rest of the block
 * becomes the linear allocation area. Every block of a bigger bucket fits,
 * so only the request's own bucket is searched, and only its first few
 * blocks: after sweeping a fragmented heap that bucket can hold a great many
 * blocks too small for this request, and scanning them all on every refill
 * made allocation quadratic (measured: `ccgc bench pauses` spent 99% of its
 * time here). Blocks left behind are found by smaller requests, or merged by
 * the next sweep. */
#define OWN_BUCKET_PROBES 8

static word_t *take_free(v8ish_heap *heap, v8ish_lab *lab, size_t bytes,
                         size_t *taken) {
  unsigned first = bucket_for(bytes);
  for (unsigned bucket = first; bucket < V8ISH_BUCKETS; bucket++) {
    word_t **link = &heap->free_lists[bucket];
    unsigned probes = 0;
    for (word_t *filler = *link; filler;
         link = (word_t **)&filler[FILLER_NEXT], filler = *link) {
      size_t size = filler[FILLER_SIZE];
      if (size < bytes) {
        if (++probes == OWN_BUCKET_PROBES) break;
        continue;
      }
      /* Free lists hold runs of merged pages only (TESTING ONLY: unless a
       * switch that breaks sweeping, or scavenges while sweeping, kept the
       * last cycle's). */
      CCGC_CHECK_DEBUG(
          v8ish_page_swept(heap, (v8ish_page *)ccgc_page_of(filler)) ||
              ccgc_collector_sweeping_broken(heap->base.collector) ||
              ccgc_collector_scavenge_sweeping_broken(heap->base.collector),
          ".inv.swept-before-allocation");
      *link = (word_t *)filler[FILLER_NEXT];
      seal_lab(heap, lab);
      /* .inv.lab-zeroed: stale bytes of dead objects and the filler go. */
      memset(filler, 0, size);
      lab->cursor = (uint8_t *)filler + bytes;
      lab->limit = (uint8_t *)filler + size;
      if (lab->cursor == lab->limit) lab->cursor = lab->limit = NULL;
      *taken = size;
      return filler;
    }
  }
  return NULL;
}

/* A large object alone on its own page, starting in the page's first
 * CCGC_PAGE_SIZE bytes (.inv.page-aligned). Fresh page memory is zero. */
/* A page of its own (a large object, a class page): at the hard limit with
 * sweeping left (lazy, concurrent) the dead large pages the pause found,
 * then the unswept pages a page at a time, and last the pages sweeper
 * threads still hold, go back before it fails (docs/sweeping.md), as a
 * normal page's refill sweeps before it maps (before 2026-12-07 a large
 * object failed while dead ones still held the committed bytes, and a new
 * hidden class never swept). */
static v8ish_page *map_own_page(v8ish_heap *heap, size_t bytes, bool large,
                                ccgc_status *why) {
  v8ish_page *page = v8ish_space_map_page(heap, bytes, large, why);
  bool more = true;
  while (!page && *why == CCGC_E_HEAP_LIMIT && more) {
    more = v8ish_sweep_for_allocation(heap);
    page = v8ish_space_map_page(heap, bytes, large, why);
  }
  if (!page && *why == CCGC_E_HEAP_LIMIT &&
      v8ish_sweep_finish_for_allocation(heap))
    page = v8ish_space_map_page(heap, bytes, large, why);
  return page;
}

static word_t *allocate_large(v8ish_heap *heap, size_t bytes, size_t *taken,
                              ccgc_status *why) {
  v8ish_page *page = map_own_page(heap, bytes, true, why);
  if (!page) return NULL;
  *taken = page->base.page.reservation;
  return page->start;
}

static word_t *refill(v8ish_heap *heap, v8ish_lab *lab, size_t bytes,
                      size_t *taken, ccgc_status *why) {
  word_t *object = take_free(heap, lab, bytes, taken);
  if (object) return object;
  /* Lazy sweeping: the unswept pages' free memory first, a page at a time,
   * before a new page (docs/sweeping.md). */
  while (v8ish_sweep_for_allocation(heap)) {
    object = take_free(heap, lab, bytes, taken);
    if (object) return object;
  }
  v8ish_page *page = v8ish_space_map_page(heap, bytes, false, why);
  /* At the hard limit with every unswept page claimed, sweeper threads may
   * still measure some (concurrent sweeping): their free memory first. An
   * allocation failed while they did, to succeed after (found by an audit:
   * 166 of 167 such failures). */
  if (!page && *why == CCGC_E_HEAP_LIMIT &&
      v8ish_sweep_finish_for_allocation(heap)) {
    object = take_free(heap, lab, bytes, taken);
    if (object) return object;
    page = v8ish_space_map_page(heap, bytes, false, why);
  }
  if (!page) return NULL;
  seal_lab(heap, lab);
  lab->cursor = (uint8_t *)page->start + bytes;
  lab->limit = (uint8_t *)page->end;
  *taken = CCGC_PAGE_SIZE;
  return page->start; /* fresh: zero */
}

/* An old object of size bytes: the bump of lab, else a refill. */
static word_t *old_allocate(v8ish_heap *heap, v8ish_lab *lab, size_t size,
                            size_t *taken, ccgc_status *why) {
  if (lab->cursor && (size_t)(lab->limit - lab->cursor) >= size) {
    word_t *object = (word_t *)lab->cursor;
    lab->cursor += size;
    *taken = 0;
    return object;
  }
  return refill(heap, lab, size, taken, why);
}

/* --- promotion by the scavenger's tasks (scavenge-task.c) --------------- */

word_t *v8ish_old_allocate_lab(v8ish_heap *heap, v8ish_lab *lab, size_t size) {
  size_t taken;
  ccgc_status why;
  if (size >= V8ISH_LARGE_THRESHOLD) return NULL; /* young large: in place */
  return old_allocate(heap, lab, size, &taken, &why);
}

/* A class of size bytes: the bump of class_lab, else a fresh page of its
 * own, never a free block (a block lies on a page of other objects, which a
 * class would pin). */
static word_t *class_allocate(v8ish_heap *heap, size_t size, size_t *taken,
                              ccgc_status *why) {
  v8ish_lab *lab = &heap->class_lab;
  if (lab->cursor && (size_t)(lab->limit - lab->cursor) >= size) {
    word_t *object = (word_t *)lab->cursor;
    lab->cursor += size;
    *taken = 0;
    return object;
  }
  v8ish_page *page = map_own_page(heap, size, false, why);
  if (!page) return NULL;
  seal_lab(heap, lab);
  lab->cursor = (uint8_t *)page->start + size;
  lab->limit = (uint8_t *)page->end;
  *taken = CCGC_PAGE_SIZE;
  return page->start; /* fresh: zero */
}

/* Where allocate puts an object. */
enum { ALLOC_YOUNG, ALLOC_CLASS, ALLOC_OLD };

static word_t *allocate(v8ish_heap *heap, size_t bytes, int where,
                        const char *call);

word_t *v8ish_allocate_slow(v8ish_heap *heap, size_t bytes, const char *call) {
  return allocate(heap, bytes, ALLOC_YOUNG, call);
}

word_t *v8ish_allocate_pretenured(v8ish_heap *heap, size_t bytes,
                                  const char *call) {
  if (__builtin_expect(!ccgc_gate_open(heap->base.gate), 0) &&
      ccgc_gate_refuse(heap->base.collector, CCGC_CALL_ALLOCATE, call) !=
          CCGC_OK)
    return NULL;
  word_t *object = allocate(heap, bytes, ALLOC_OLD, call);
  if (object)
    v8ish_pretenuring_allocated(heap, object,
                                bytes < 16 ? 16 : (bytes + 7) & ~(size_t)7);
  return object;
}

word_t *v8ish_allocate_class(v8ish_heap *heap, size_t bytes, const char *call) {
  if (__builtin_expect(!ccgc_gate_open(heap->base.gate), 0) &&
      ccgc_gate_refuse(heap->base.collector, CCGC_CALL_ALLOCATE, call) !=
          CCGC_OK)
    return NULL;
  /* The built-in classes go with the other permanent objects, whose page
   * never moves either (a one-page heap stays possible). */
  return allocate(heap, bytes, heap->booted ? ALLOC_CLASS : ALLOC_YOUNG, call);
}

static word_t *allocate(v8ish_heap *heap, size_t bytes, int where,
                        const char *call) {
  bool klass = where == ALLOC_CLASS;
  if (bytes > V8ISH_MAX_OBJECT_BYTES) {
    ccgc_error_set(heap->base.errors, CCGC_E_SIZE_OVERFLOW,
                   "%s: %zu bytes overflows the script heap's largest object "
                   "(%zu bytes)",
                   call, bytes, (size_t)V8ISH_MAX_OBJECT_BYTES);
    return NULL;
  }
  size_t size = bytes < 16 ? 16 : (bytes + 7) & ~(size_t)7;
  size_t taken = 0;
  ccgc_status why = CCGC_E_HEAP_LIMIT;
  word_t *object = NULL;
  bool young = false;
  if (klass) {
    object = class_allocate(heap, size, &taken, &why);
  } else if (heap->nursery.enabled && where == ALLOC_YOUNG) {
    /* New objects are young while the young generation is on. Only when
     * the nursery cannot grow (the hard limit) or the object's class is
     * pretenured (pretenuring.h) does one go to old space, where every
     * caller initializes through the barrier (v8ish_store), which records
     * young targets (.inv.old-to-young-recorded). */
    object = size >= V8ISH_LARGE_THRESHOLD
                 ? v8ish_nursery_allocate_large(heap, size, &why)
                 : v8ish_nursery_refill(heap, size);
    young = object != NULL;
    /* A refill announced its page's bytes itself. */
    if (object) taken = size >= V8ISH_LARGE_THRESHOLD ? size : 0;
  }
  if (!object && !klass) {
    if (heap->nursery.enabled && where == ALLOC_YOUNG)
      v8ish_nursery_yield_to_old(heap);
    object = size >= V8ISH_LARGE_THRESHOLD
                 ? allocate_large(heap, size, &taken, &why)
                 : old_allocate(heap, old_lab_of(heap), size, &taken, &why);
  }
  if (object && !young && heap->nursery.enabled) {
    heap->old_used_bytes += size;
    heap->old_objects++;
  }
  if (!object) {
    if (why == CCGC_E_OUT_OF_MEMORY)
      ccgc_error_set(heap->base.errors, CCGC_E_OUT_OF_MEMORY,
                     "%s: the system refused memory for %zu bytes", call, size);
    else
      ccgc_error_set(heap->base.errors, CCGC_E_HEAP_LIMIT,
                     "%s: script heap limit of %zu bytes reached allocating "
                     "%zu bytes (%zu committed)",
                     call, heap->base.options.limit_bytes, size,
                     heap->base.space.committed_bytes);
    /* The next safepoint collects (.inv.no-gc-in-allocation: only asked
     * for here). With the soft limit held by a lazy sweep whose pages were
     * all swept, a host allocating young objects hit the hard limit with
     * no collection ever asked for again (found by a review); with
     * automatic incremental marking a request only started a cycle that
     * the failing host never stepped (found by an audit). */
    if (why == CCGC_E_HEAP_LIMIT && !heap->sweep.scavenging)
      ccgc_collector_request_gc_at_limit(heap->base.collector);
    return NULL;
  }
  v8ish_allocated(heap, object, size);
  /* .inv.no-gc-in-allocation: only request one. Committed bytes grow only
   * here, so the fast path needs no check. */
  ccgc_heap_base_poll(&heap->base);
  /* Last: this may run an incremental marking step; the new object is
   * already black then, so the step never visits it uninitialized. */
  ccgc_collector_notify_allocation(heap->base.collector, taken);
  return object;
}

void v8ish_space_prepare(void *data) {
  v8ish_heap *heap = data;
  v8ish_seal_labs(heap);
  ccgc_page_space_clear_marks(&heap->base.space);
  v8ish_nursery_clear_marks(heap);
  /* Compaction's candidates are chosen as marking starts (candidates.c). */
  v8ish_compaction_select(heap);
}

static bool is_filler(v8ish_heap *heap, const word_t *object) {
  word_t klass = v8ish_load(object, 0);
  return klass == heap->filler_class || klass == heap->one_word_filler_class;
}

static void each_in_page(v8ish_heap *heap, v8ish_page *page,
                         void (*fn)(void *, void *), void *data) {
  word_t *end = ccgc_page_is_young(&page->base.page)
                    ? v8ish_young_top(heap, page)
                    : page->end;
  for (word_t *at = page->start; at < end;) {
    if (v8ish_load(at, 0) == 0) break; /* the untouched rest of the page */
    size_t size = v8ish_size_of(at);
    if (!is_filler(heap, at)) fn(at, data);
    at += size / 8;
  }
}

void v8ish_each_object(void *data, void (*fn)(void *, void *),
                       void *fn_data) {
  v8ish_heap *heap = data;
  /* The linear allocation area may be the rest of a reused free block:
   * close it so the walk sees one filler (.inv.iterable-pages). The
   * nursery's area stays: its page's objects end at the cursor. */
  seal_lab(heap, old_lab_of(heap));
  seal_lab(heap, &heap->class_lab);
  /* Walked while sweeping (from a callback: the collector finishes sweeping
   * before other walks): the script heap sweeps the rest of its pages now
   * (no host code), so the walk sees no dead object. */
  if (heap->sweep.active) v8ish_sweep_step(heap, 0);
  ccgc_page_space *space = &heap->base.space;
  for (ccgc_space_page *page = ccgc_page_space_first(space); page;
       page = ccgc_page_space_next(space, page))
    /* An evacuated page waiting for its release holds only old copies of
     * moved objects and dead objects (compactor.c). */
    if (!((v8ish_page *)page)->evacuating)
      each_in_page(heap, (v8ish_page *)page, fn, fn_data);
}
