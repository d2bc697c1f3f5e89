/* lazy-sweeper.c - the DOM heap swept after the atomic pause
 * (CCGC_SWEEP_LAZY and CCGC_SWEEP_CONCURRENT: the sweep ops of
 * marking/ccgc-heap.h), Oilpan's design (docs/sweeping.md, "The DOM
 * heap").
 *
 * In the pause, sweep_start seals the allocation area, empties the free
 * lists and gives every page a slot, state UNSWEPT: O(pages), no host code,
 * nothing freed. After the pause a page is swept by whoever claims it first
 * with one compare-and-swap out of UNSWEPT:
 *
 *   UNSWEPT --owner--> OWNER --(finalizers, free)--------------> SWEPT
 *           --helper-> HELPER --(free; list)--> HELPER_DONE --merge--> SWEPT
 *
 *  - the owner thread (sweep_step, the allocator's slow path, a walk) sweeps
 *    any page: first the wrappable release hooks and finalizers of its dead
 *    objects, in batches between looks at the clock (a page whose deadline
 *    came mid-way resumes where it stopped), then the freeing pass;
 *  - sweeper threads (sweep_concurrent) take every normal page, run no
 *    host code but the finalizers of BLINKISH_TYPE_CONCURRENT_FINALIZER
 *    types (.inv.finalizers-on-owner, .inv.concurrent-finalizers), and
 *    build the page's free runs in its slot, not in the free lists. On a
 *    page where objects whose death runs host code were allocated
 *    (finalizer or wrappable: blinkish_page.host_code) they list the dead
 *    ones that wait for the owner, intact, with the free runs between them
 *    (cppgc's deferred finalization; the owner coalesces the runs with the
 *    cells it frees), and free the others. The owner merges
 *    (accounting, free lists, release of empty pages: page release
 *    unregisters and unmaps, so it stays on the owner); a listing page first
 *    waits in the owner's finalizing queue until its objects are finalized
 *    and freed.
 *
 * Only SWEPT pages reach the allocator (.inv.swept-before-allocation): the
 * free lists are empty from sweep_start on and fill only from merges, and a
 * page that was UNSWEPT is never the allocation area. While a page is not
 * SWEPT its unmarked objects are dead ones, and every query says so
 * (validation.c, resurrection.c, the walk below).
 */
#include <sched.h>
#include <stdlib.h>
#include <string.h>

#include "heap-internal.h"
#include "invariant-check.h"

/* Finalizers run between two looks at the clock. */
#define FINALIZER_BATCH 8
/* How long an allocation sweeps before it maps a new page instead (cppgc
 * gives its allocator's sweep a deadline too). At least one page. */
#define ALLOCATION_SWEEP_MS 0.5

/* Owner: a finalized dead list goes back to the sweeper threads, which
 * allocated it (blinkish_lazy_sweep.retired). */
static void retire_list(blinkish_lazy_sweep *sweep, uint8_t **cells) {
  if (!cells) return;
  uint8_t **head = atomic_load_explicit(&sweep->retired, memory_order_relaxed);
  do {
    cells[0] = (uint8_t *)head;
  } while (!atomic_compare_exchange_weak_explicit(
      &sweep->retired, &head, cells, memory_order_release,
      memory_order_relaxed));
}

/* A sweeper thread at its next claim, or the owner when the sweep completes
 * (a sweeper thread may still be here then: each exchange takes its own part
 * of the stack), at the next sweep_start and at teardown: frees the retired
 * lists. */
static void free_retired(blinkish_lazy_sweep *sweep) {
  uint8_t **list =
      atomic_exchange_explicit(&sweep->retired, NULL, memory_order_acquire);
  while (list) {
    uint8_t **next = (uint8_t **)list[0];
    free(list);
    list = next;
  }
}

void blinkish_sweep_start(void *data, bool concurrent) {
  blinkish_heap *heap = data;
  (void)concurrent; /* ccgc_collector_sweepers_running says when they run */
  blinkish_lazy_sweep *sweep = &heap->sweep;
  blinkish_compact_release(heap);
  blinkish_lab_seal(heap);
  blinkish_free_lists_clear(heap);
  ccgc_page_space *space = &heap->base.space;
  size_t count = 0;
  /* An evacuated page outlives the pause only with the testing switch
   * (compactor.c): nothing on it is an object, it is not swept. */
  for (ccgc_space_page *page = ccgc_page_space_first(space); page;
       page = ccgc_page_space_next(space, page))
    if (!((blinkish_page *)page)->evacuated) count++;
  /* The last sweep's slots and dead lists: its sweeper threads were
   * stopped when it completed, before this cycle started. */
  free_retired(sweep);
  free(sweep->slots);
  sweep->slots = NULL;
  sweep->count = 0;
  sweep->active = false;
  sweep->finalizing = sweep->finalizing_tail = NULL;
  atomic_store_explicit(&sweep->listed, 0, memory_order_relaxed);
  if (count == 0) { /* nothing to sweep: complete already */
    ccgc_heap_base_grow_soft_limit(&heap->base);
    return;
  }
  sweep->slots = calloc(count, sizeof *sweep->slots);
  if (!sweep->slots) {
    /* No memory for the slots: swept here, as in CCGC_SWEEP_ATOMIC (we are
     * in the pause's RECLAIM context, where the finalize op runs). */
    blinkish_finalize_dead(heap);
    blinkish_sweep(heap);
    return;
  }
  size_t index = 0;
  for (ccgc_space_page *page = ccgc_page_space_first(space); page;
       page = ccgc_page_space_next(space, page)) {
    blinkish_page *dom_page = (blinkish_page *)page;
    if (dom_page->evacuated) continue;
    blinkish_sweep_slot *slot = &sweep->slots[index++];
    slot->page = dom_page;
    slot->large = (page->page.flags & CCGC_PAGE_LARGE) != 0;
    /* Large pages: the owner's (one object; releasing is the work). */
    slot->host_code = slot->large || dom_page->host_code; /* its arena */
    atomic_init(&slot->state, BLINKISH_SLOT_UNSWEPT);
    dom_page->sweep_slot = slot;
  }
  sweep->count = count;
  sweep->cursor = 0;
  sweep->unfinished = count;
  atomic_store_explicit(&sweep->claim, 0, memory_order_relaxed);
  atomic_store_explicit(&sweep->done, NULL, memory_order_relaxed);
  sweep->active = true;
  /* Until the sweep completes, committed bytes count the dead pages too:
   * a provisional trigger keeps the first allocations after the pause from
   * requesting the next collection at once. The growing policy sets the
   * real one from the swept heap at completion. */
  ccgc_heap_base_hold_soft_limit(&heap->base);
}

/* Owner: the release hooks and finalizers of the page's dead objects, from
 * where the last batch stopped, in the RECLAIM context the pause's finalize
 * phase uses (allocation and stores refused, .inv.no-resurrection). False
 * when deadline_ms (> 0) came first: slot->finalize_cursor says where to
 * resume. Dead neighbours stay intact until the freeing pass. */
static bool finalize_page(blinkish_heap *heap, blinkish_sweep_slot *slot,
                          double deadline_ms) {
  blinkish_page *page = slot->page;
  uint8_t *cell =
      slot->finalize_cursor ? slot->finalize_cursor : page->cells_start;
  bool done = true;
  unsigned batch = 0;
  ccgc_call_context outer = ccgc_collector_enter_context(
      heap->base.collector, CCGC_CONTEXT_RECLAIM);
  heap->in_finalization = true;
  while (cell < page->cells_end) {
    blinkish_header *header = (blinkish_header *)cell;
    if (!blinkish_word_is_header(blinkish_header_word(header))) break;
    size_t size = blinkish_header_cell_size(header);
    if (!blinkish_header_is_free(header)) {
      void *payload =
          cell + blinkish_payload_offset(blinkish_header_is_wrappable(header));
      if (!ccgc_is_marked(payload)) {
        blinkish_finalize_object(heap, payload);
        batch++;
      }
    }
    cell += size;
    if (slot->large) break; /* one cell */
    if (batch >= FINALIZER_BATCH) {
      batch = 0;
      if (deadline_ms > 0 && cell < page->cells_end &&
          ccgc_time_ms() >= deadline_ms) {
        done = false;
        break;
      }
    }
  }
  slot->finalize_cursor = cell;
  heap->in_finalization = false;
  ccgc_collector_leave_context(heap->base.collector, outer);
  return done;
}

/* Owner: a slot is SWEPT. */
static void slot_swept(blinkish_heap *heap, blinkish_sweep_slot *slot) {
  atomic_store_explicit(&slot->state, BLINKISH_SLOT_SWEPT,
                        memory_order_release);
  heap->sweep.unfinished--;
}

/* Owner: sweeps the slot's page if the owner has it or can claim it; a
 * sweeper thread's page is left to the merge. Returns false when its
 * finalizers ran out of time. largest[arena] grows to the largest run
 * freed. */
static bool sweep_on_owner(blinkish_heap *heap, blinkish_sweep_slot *slot,
                           double deadline_ms, size_t largest[BLINKISH_ARENAS]) {
  int state = atomic_load_explicit(&slot->state, memory_order_acquire);
  /* .inv.dom-page-claim */
  if (state == BLINKISH_SLOT_UNSWEPT &&
      atomic_compare_exchange_strong_explicit(
          &slot->state, &state, BLINKISH_SLOT_OWNER, memory_order_acq_rel,
          memory_order_acquire))
    state = BLINKISH_SLOT_OWNER;
  if (state != BLINKISH_SLOT_OWNER) return true;
  if (slot->host_code && !finalize_page(heap, slot, deadline_ms)) return false;
  if (slot->large) {
    blinkish_large_page_sweep(heap, slot->page);
  } else {
    blinkish_page_sweep swept;
    int kind = slot->page->arena;
    blinkish_page_sweep_cells(slot->page, &swept);
    size_t run = blinkish_page_sweep_merge(heap, slot->page, &swept);
    if (run > largest[kind]) largest[kind] = run;
  }
  slot_swept(heap, slot);
  return true;
}

/* Owner: a page a sweeper thread swept goes into the heap: its runs to the
 * free lists, an empty page back. largest[arena] grows to the largest run. */
static void merge_slot(blinkish_heap *heap, blinkish_sweep_slot *slot,
                       size_t largest[BLINKISH_ARENAS]) {
  int kind = slot->page->arena;
  size_t run = blinkish_page_sweep_merge(heap, slot->page, &slot->result);
  if (run > largest[kind]) largest[kind] = run;
  slot_swept(heap, slot);
}

/* Owner: what sweeper threads finished goes into the heap; a host-code
 * page whose dead objects wait for their finalizers joins the finalizing
 * queue instead (finish_finalizing). */
static void merge_done(blinkish_heap *heap, size_t largest[BLINKISH_ARENAS]) {
  blinkish_lazy_sweep *sweep = &heap->sweep;
  blinkish_sweep_slot *slot = atomic_exchange_explicit(
      &sweep->done, NULL, memory_order_acquire);
  for (blinkish_sweep_slot *next; slot; slot = next) {
    next = slot->next_done;
    if (slot->dead.objects == 0 && !slot->owner_sweep) {
      merge_slot(heap, slot, largest);
      continue;
    }
    slot->next_done = NULL;
    if (sweep->finalizing_tail)
      sweep->finalizing_tail->next_done = slot;
    else
      sweep->finalizing = slot;
    sweep->finalizing_tail = slot;
  }
}

/* Owner: the release hooks and finalizers of the dead objects a sweeper
 * thread listed, from slot->finalize_index on, in the RECLAIM context (as
 * finalize_page). False when deadline_ms (> 0) came first. */
static bool finalize_listed(blinkish_heap *heap, blinkish_sweep_slot *slot,
                            double deadline_ms) {
  const blinkish_deferred *dead = &slot->dead;
  bool done = true;
  unsigned batch = 0;
  ccgc_call_context outer = ccgc_collector_enter_context(
      heap->base.collector, CCGC_CONTEXT_RECLAIM);
  heap->in_finalization = true;
  while (slot->finalize_index < dead->count) {
    size_t i = slot->finalize_index++;
    /* The cells are scattered: the entry a few ahead is fetched meanwhile. */
    if (i + 4 < dead->count)
      __builtin_prefetch(
          (void *)((uintptr_t)dead->cells[i + 4] & ~BLINKISH_DEFERRED_RUN));
    if ((uintptr_t)dead->cells[i] & BLINKISH_DEFERRED_RUN) {
      slot->finalize_index++; /* a free run: its start and end */
      continue;
    }
    uint8_t *cell = dead->cells[i];
    blinkish_header *header = (blinkish_header *)cell;
    void *payload =
        cell + blinkish_payload_offset(blinkish_header_is_wrappable(header));
    /* A listed object of such a type was finalized by the sweeper thread
     * that listed it: its wrapper is what is left (.inv.concurrent-finalizers). */
    if (heap->types[blinkish_header_type(header)].flags &
        BLINKISH_TYPE_CONCURRENT_FINALIZER)
      blinkish_release_wrapper(heap, payload);
    else
      blinkish_finalize_object(heap, payload);
    if (++batch >= FINALIZER_BATCH) {
      batch = 0;
      if (deadline_ms > 0 && slot->finalize_index < dead->count &&
          ccgc_time_ms() >= deadline_ms) {
        done = false;
        break;
      }
    }
  }
  heap->in_finalization = false;
  ccgc_collector_leave_context(heap->base.collector, outer);
  return done;
}

/* Owner: finishes the first page of the finalizing queue: its listed dead
 * objects are finalized, then freed and the page merged (or, when the
 * sweeper thread could not list them, the page is finalized and swept
 * here). False when the deadline came first: the page stays first. */
static bool finish_finalizing(blinkish_heap *heap, double deadline_ms,
                              size_t largest[BLINKISH_ARENAS]) {
  blinkish_lazy_sweep *sweep = &heap->sweep;
  blinkish_sweep_slot *slot = sweep->finalizing;
  if (slot->owner_sweep) {
    if (!finalize_page(heap, slot, deadline_ms)) return false;
    blinkish_page_sweep_cells(slot->page, &slot->result);
  } else {
    if (!finalize_listed(heap, slot, deadline_ms)) return false;
    blinkish_page_sweep_free_deferred(slot->page, &slot->result, &slot->dead);
  }
  if (!slot->owner_sweep) /* a list that could not grow was not counted */
    atomic_fetch_sub_explicit(&sweep->listed, slot->dead.objects,
                              memory_order_relaxed);
  retire_list(sweep, slot->dead.cells);
  slot->dead = (blinkish_deferred){0};
  sweep->finalizing = slot->next_done;
  if (!sweep->finalizing) sweep->finalizing_tail = NULL;
  merge_slot(heap, slot, largest);
  return true;
}

static void complete(blinkish_heap *heap) {
  heap->sweep.active = false;
  /* Every page is swept: the sweeper threads allocate no more lists. */
  free_retired(&heap->sweep);
  /* Grow the next trigger with the live size (blinkish_sweep does too). */
  ccgc_heap_base_grow_soft_limit(&heap->base);
}

/* Owner: the pages sweeper threads swept whose dead objects wait for their
 * finalizers, until none is left (true) or the deadline (> 0) passed, or
 * (size > 0) a run of size bytes is there in the arena. The first page is
 * finished whatever the clock says when first_deadline is 0 and no page
 * was *finished before; *finished becomes true when a page was. */
static bool drain_finalizing(blinkish_heap *heap, double first_deadline,
                             double deadline_ms, size_t size, int arena,
                             size_t largest[BLINKISH_ARENAS], bool *finished) {
  blinkish_lazy_sweep *sweep = &heap->sweep;
  double page_deadline = *finished ? deadline_ms : first_deadline;
  while (sweep->finalizing) {
    if (size && largest[arena] >= size) return false;
    if (!finish_finalizing(heap, page_deadline, largest)) return false;
    *finished = true;
    page_deadline = deadline_ms;
    merge_done(heap, largest);
    if (deadline_ms > 0 && sweep->finalizing && ccgc_time_ms() >= deadline_ms)
      return false;
  }
  return true;
}

/* Owner: sweeps page after page until every page is swept (true), or
 * deadline_ms (> 0) passed, or (size > 0: the allocator) a free run of size
 * bytes is there in the arena `arena` (BLINKISH_ARENA_*). Waits for sweeper threads
 * only without a deadline.
 *
 * While sweeper threads run, a bounded step (not the allocator's) leaves
 * them the pages they can take: it merges what they swept and finalizes
 * what they listed, and claims a page itself only when that found nothing
 * (progress either way) or the page is a large one (the owner's only). So
 * the owner's share of sweeping is finalizers and merging. */
static bool sweep_owner(blinkish_heap *heap, double deadline_ms, size_t size,
                        int arena) {
  blinkish_lazy_sweep *sweep = &heap->sweep;
  if (!sweep->active) return true;
  size_t largest[BLINKISH_ARENAS] = {0};
  size_t unfinished = sweep->unfinished;
  merge_done(heap, largest);
  /* progress: pages merged or finished in this call; finished: pages the
   * owner itself finished in it. The allocator finishes the first page it
   * works on whatever the clock says (Oilpan sweeps whole pages for
   * allocation). */
  bool finished = false;
  double page_deadline = size ? 0 : deadline_ms;
  if (!drain_finalizing(heap, page_deadline, deadline_ms, size, arena, largest,
                        &finished))
    return false;
  bool progress = finished || sweep->unfinished < unfinished;
  if (finished) page_deadline = deadline_ms;
  /* The queue took the step's time: no page is started past it. */
  if (deadline_ms > 0 && progress && sweep->cursor < sweep->count &&
      ccgc_time_ms() >= deadline_ms)
    return false;
  bool leave_to_threads =
      deadline_ms > 0 && !size &&
      ccgc_collector_sweepers_running(heap->base.collector);
  while (sweep->cursor < sweep->count) {
    if (size && largest[arena] >= size) return false;
    blinkish_sweep_slot *slot = &sweep->slots[sweep->cursor];
    int state = atomic_load_explicit(&slot->state, memory_order_relaxed);
    if (leave_to_threads && progress && !slot->large &&
        state == BLINKISH_SLOT_UNSWEPT)
      return false;
    if (!sweep_on_owner(heap, slot, page_deadline, largest)) return false;
    /* A page a sweeper thread has was only passed over. */
    if (state == BLINKISH_SLOT_UNSWEPT || state == BLINKISH_SLOT_OWNER) {
      progress = true;
      page_deadline = deadline_ms;
    }
    sweep->cursor++;
    merge_done(heap, largest);
    if (deadline_ms > 0 && sweep->cursor < sweep->count &&
        ccgc_time_ms() >= deadline_ms)
      return false;
  }
  /* Every page is claimed; sweeper threads may still be at theirs, and the
   * dead objects they listed wait for their finalizers. */
  while (sweep->unfinished > 0) {
    merge_done(heap, largest);
    if (!drain_finalizing(heap, page_deadline, deadline_ms, size, arena,
                          largest, &finished))
      return false;
    if (sweep->unfinished == 0) break;
    if (deadline_ms > 0 || size) return false;
    sched_yield();
  }
  complete(heap);
  return true;
}

bool blinkish_sweep_done(void *data) {
  return !((const blinkish_heap *)data)->sweep.active;
}

bool blinkish_sweep_step(void *data, double deadline_ms) {
  return sweep_owner(data, deadline_ms, 0, false);
}

void blinkish_sweep_for_allocation(blinkish_heap *heap, size_t size,
                                   int arena) {
  double start = ccgc_time_ms();
  sweep_owner(heap, start + ALLOCATION_SWEEP_MS, size, arena);
  heap->allocation_sweep_ms += ccgc_time_ms() - start;
}

void blinkish_sweep_finish(blinkish_heap *heap) {
  double start = ccgc_time_ms();
  sweep_owner(heap, 0, 0, false);
  heap->allocation_sweep_ms += ccgc_time_ms() - start;
}

double blinkish_heap_allocation_sweep_ms(blinkish_heap *heap) {
  if (!blinkish_enter(heap, CCGC_CALL_READ,
                      "blinkish_heap_allocation_sweep_ms"))
    return 0;
  return heap->allocation_sweep_ms;
}

void blinkish_sweep_concurrent(void *data, const atomic_bool *stop) {
  blinkish_heap *heap = data;
  blinkish_lazy_sweep *sweep = &heap->sweep;
  /* slots and count were written before the sweeper threads started. */
  size_t count = sweep->count;
  while (!atomic_load_explicit(stop, memory_order_relaxed)) {
    free_retired(sweep);
    size_t index =
        atomic_fetch_add_explicit(&sweep->claim, 1, memory_order_relaxed);
    if (index >= count) return;
    blinkish_sweep_slot *slot = &sweep->slots[index];
    if (slot->large) continue; /* the owner's: releasing is the work */
    /* The owner's finalization lags far behind: its pages are its own. */
    if (slot->host_code &&
        atomic_load_explicit(&sweep->listed, memory_order_relaxed) >
            sweep->max_listed)
      continue;
    int expected = BLINKISH_SLOT_UNSWEPT;
    if (!atomic_compare_exchange_strong_explicit(
            &slot->state, &expected, BLINKISH_SLOT_HELPER,
            memory_order_acq_rel, memory_order_relaxed))
      continue; /* the owner has it (.inv.dom-page-claim) */
    /* Host code runs on the owner only (.inv.dom-arena,
     * .inv.finalizers-on-owner), but for concurrent finalizers
     * (.inv.concurrent-finalizers): on a host-code page the dead objects
     * that wait for it are listed, intact, for the owner to finalize and
     * free (cppgc's deferred finalization); the rest of the page is swept
     * here. */
    if (!slot->host_code)
      blinkish_page_sweep_cells(slot->page, &slot->result);
    else if (!blinkish_page_sweep_deferring(heap, slot->page, &slot->result,
                                            &slot->dead))
      slot->owner_sweep = true;
    else
      atomic_fetch_add_explicit(&sweep->listed, slot->dead.objects,
                                memory_order_relaxed);
    atomic_store_explicit(&slot->state, BLINKISH_SLOT_HELPER_DONE,
                          memory_order_release);
    blinkish_sweep_slot *head =
        atomic_load_explicit(&sweep->done, memory_order_relaxed);
    do {
      slot->next_done = head;
    } while (!atomic_compare_exchange_weak_explicit(
        &sweep->done, &head, slot, memory_order_release,
        memory_order_relaxed));
  }
}

bool blinkish_sweep_walk_page(blinkish_heap *heap, blinkish_page *page) {
  (void)heap;
  blinkish_sweep_slot *slot = page->sweep_slot;
  int state = atomic_load_explicit(&slot->state, memory_order_acquire);
  /* Claimed for the owner: no sweeper thread changes it while we read. The
   * owner's cursor has not passed it (it passes only pages it swept or a
   * sweeper thread claimed), so sweep_step still sweeps it. */
  if (state == BLINKISH_SLOT_UNSWEPT &&
      atomic_compare_exchange_strong_explicit(
          &slot->state, &state, BLINKISH_SLOT_OWNER, memory_order_acq_rel,
          memory_order_acquire))
    return true;
  while (state == BLINKISH_SLOT_HELPER) { /* a page takes microseconds */
    sched_yield();
    state = atomic_load_explicit(&slot->state, memory_order_acquire);
  }
  /* OWNER: not swept yet. HELPER_DONE: its dead cells are free cells,
   * except on a host-code page, where they wait for their finalizers: the
   * walk skips the unmarked objects of both (.inv.dom-unswept-dead). */
  return true;
}

void blinkish_sweep_free(blinkish_heap *heap) {
  free_retired(&heap->sweep);
  free(heap->sweep.slots);
  memset(&heap->sweep, 0, sizeof heap->sweep);
}
