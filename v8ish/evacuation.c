/* evacuation.c - the evacuation step of the script heap's old-generation
 * compaction (compactor.c runs it in the atomic pause, docs/compaction.md):
 * plan every live object's new address on fresh pages first, candidate by
 * candidate (a candidate that cannot be placed stays whole, with every
 * later one: .inv.compaction-no-half-move), then copy the planned moves,
 * mark each copy black and leave a forwarding word in its old copy
 * (.inv.compaction-forwarding).
 *
 * The copies run on the owner thread and, with compaction_threads > 0
 * (ccgc.h), on helpers of the collector's task pool (the pool of the
 * parallel scavenges: a compaction never runs during a scavenge). The
 * tasks take chunks of the moves array by an atomic index; a helper joins
 * when it is first scheduled, unless the copies are done already, so no
 * copy waits for a helper that has not started: the owner copies whatever
 * is left, and a helper scheduled late finds the copies closed and returns
 * at once (ccgc_task_pool_wait then waits for that return only, as the
 * parallel scavenger's does) (.inv.evacuation-one-copier).
 *
 * Memory ordering: a move is copied by the one task whose fetch-and-add
 * claimed its chunk (relaxed: the index only has to be unique). That task
 * alone writes the move's target range, its forwarding word (the old
 * copy's first word) and the two mark bytes (atomic, relaxed); the source
 * ranges are otherwise only read, and no two moves overlap, at either end.
 * The moves array and the mapped target pages are written by the owner
 * before ccgc_task_pool_run, whose mutex publishes them to the helpers;
 * the helpers' copies happen before the return of ccgc_task_pool_wait
 * (the pool's mutex), which the owner calls before it seals the targets and
 * before compactor.c's update phase reads any copy or forwarding word. */
#include <sched.h>
#include <stdatomic.h>
#include <string.h>

#include "compactor-internal.h"
#include "invariant-check.h"
#include "scavenger-internal.h" /* scavenge_phase_join, _closed */
#include "space-inl.h"
#include "task-pool.h"

/* Moves per claim: small enough that two threads share a few pages' worth
 * of small objects, large enough that the shared index is not contended. */
#define CHUNK_MOVES 256

/* --- evacuation ------------------------------------------------------------- */

/* The next address of `size` bytes on the targets, mapping a fresh page
 * when the last one is full; NULL if no page can be mapped. */
static word_t *bump(compactor *c, size_t size) {
  if (!c->lab.cursor || (size_t)(c->lab.limit - c->lab.cursor) < size) {
    ccgc_status why;
    v8ish_page *page = v8ish_space_map_page(c->heap, size, false, &why);
    if (!page) return NULL;
    if (c->targets->len > 0) {
      word_t *top = (word_t *)c->lab.cursor;
      g_array_append_val(c->tops, top);
    }
    g_ptr_array_add(c->targets, page);
    c->lab.cursor = (uint8_t *)page->start;
    c->lab.limit = (uint8_t *)page->end;
  }
  word_t *at = (word_t *)c->lab.cursor;
  c->lab.cursor += size;
  return at;
}

/* Plans the new address of every live object of the candidate; on failure
 * forgets the plan and the pages mapped for it: nothing of the candidate
 * was copied (.inv.compaction-no-half-move). */
static bool plan(compactor *c, const candidate *cand) {
  v8ish_heap *heap = c->heap;
  v8ish_page *page = cand->page;
  v8ish_lab saved = c->lab;
  guint targets_before = c->targets->len, tops_before = c->tops->len;
  c->planned = c->moves->len;
  size_t bytes = 0, objects = 0;
  for (word_t *at = page->start; at < page->end;) {
    if (at[0] == 0) break;
    size_t size = v8ish_size_of(at);
    if (!is_filler(heap, at) && ccgc_is_marked(at)) {
      word_t *to = bump(c, size);
      if (!to) {
        for (guint i = targets_before; i < c->targets->len; i++)
          ccgc_page_space_release(&heap->base.space,
                                  g_ptr_array_index(c->targets, i));
        g_ptr_array_set_size(c->targets, targets_before);
        g_array_set_size(c->tops, tops_before);
        g_array_set_size(c->moves, c->planned);
        c->lab = saved;
        return false;
      }
      planned_move move = {at, to, size};
      g_array_append_val(c->moves, move);
      bytes += size;
      objects++;
    }
    at += size / 8;
  }
  c->moved_bytes += bytes;
  c->moved_objects += objects;
  return true;
}

/* --- copies ------------------------------------------------------------------ */

/* The copies of one evacuation: the moves, the next unclaimed one, and the
 * tasks copying (scavenge_phase_join's counter: the owner, then each helper
 * that joined before the copies closed). */
typedef struct copy_job {
  planned_move *moves;
  size_t count;
  atomic_size_t next;
  atomic_uint copying;
  atomic_uint joined; /* helpers that joined */
} copy_job;

static void copy_move(const planned_move *move) {
  memcpy(move->to, move->from, move->size);
  ccgc_mark_set(move->to, CCGC_BLACK); /* the sweeper keeps it */
  /* The old copy is white: a reference left to it is a black-to-white
   * edge for the marking verifier. */
  ccgc_mark_set(move->from, CCGC_WHITE);
  move->from[0] = (word_t)move->to | FORWARDED;
}

/* Claims chunks until none is left (.inv.evacuation-one-copier: a move
 * belongs to the task whose fetch-and-add returned its chunk). */
static void copy_chunks(copy_job *job) {
  for (;;) {
    size_t first = atomic_fetch_add_explicit(&job->next, CHUNK_MOVES,
                                             memory_order_relaxed);
    if (first >= job->count) return;
    size_t end = first + CHUNK_MOVES < job->count ? first + CHUNK_MOVES
                                                  : job->count;
    for (size_t i = first; i < end; i++) copy_move(&job->moves[i]);
  }
}

static void copy_helper(void *data, unsigned index) {
  (void)index;
  copy_job *job = data;
  /* Closed: the owner and the helpers that joined copied everything. */
  if (!scavenge_phase_join(&job->copying)) return;
  atomic_fetch_add_explicit(&job->joined, 1, memory_order_relaxed);
  copy_chunks(job);
  atomic_fetch_sub(&job->copying, 1);
}

/* How many helpers the copies get: those asked for (compaction_threads),
 * as many as the pool could start, and none for fewer than two chunks. */
static unsigned helpers_for(compactor *c) {
  int wanted = ccgc_collector_compaction_threads(c->heap->base.collector);
  if (wanted <= 0 || c->moves->len < 2 * CHUNK_MOVES) return 0;
  ccgc_task_pool *pool = ccgc_collector_scavenge_pool(c->heap->base.collector);
  return ccgc_task_pool_ready(pool, (unsigned)wanted);
}

/* Copies every planned move; returns the threads that copied (the owner
 * and the helpers that joined). */
static unsigned copy_planned(compactor *c) {
  copy_job job = {.moves = (planned_move *)(void *)c->moves->data,
                  .count = c->moves->len};
  atomic_init(&job.next, 0);
  atomic_init(&job.copying, 1); /* the owner; helpers join as they start */
  atomic_init(&job.joined, 0);
  unsigned helpers = helpers_for(c);
  if (helpers == 0) {
    copy_chunks(&job);
    return 1;
  }
  ccgc_task_pool *pool = ccgc_collector_scavenge_pool(c->heap->base.collector);
  ccgc_task_pool_run(pool, helpers, copy_helper, &job);
  copy_chunks(&job);
  /* Every chunk is claimed: wait for the helpers still copying theirs, and
   * close the copies to the ones not started yet. */
  atomic_fetch_sub(&job.copying, 1);
  while (!scavenge_phase_closed(&job.copying)) sched_yield();
  /* Their copies happen before this returns (the pool's mutex). */
  ccgc_task_pool_wait(pool);
  CCGC_CHECK_DEBUG(atomic_load(&job.next) >= job.count,
                   ".inv.evacuation-one-copier");
  return 1 + atomic_load_explicit(&job.joined, memory_order_relaxed);
}

/* The rest of every target page becomes a filler (.inv.iterable-pages),
 * not listed: the sweep that follows frees it with the dead runs. */
static void seal_targets(compactor *c) {
  v8ish_heap *heap = c->heap;
  for (guint i = 0; i < c->targets->len; i++) {
    v8ish_page *page = g_ptr_array_index(c->targets, i);
    word_t *top = i < c->tops->len ? g_array_index(c->tops, word_t *, i)
                                   : (word_t *)c->lab.cursor;
    size_t rest = (size_t)(page->end - top) * 8;
    if (rest == 0) continue;
    top[0] = rest == 8 ? heap->one_word_filler_class : heap->filler_class;
    if (rest > 8) top[FILLER_SIZE] = rest;
  }
}

/* --- objects_moved ------------------------------------------------------------ */

/* ccgc_collector_relocated inside objects_moved, for an address of this
 * heap: an object of an evacuated page went where its forwarding word says
 * (.inv.compaction-forwarding), or died there; other pages did not move. */
static void *moved_to(void *address, void *data) {
  (void)data;
  if (!page_of(address)->evacuating) return address;
  return forwarded(address); /* NULL: dead, its page goes */
}

void v8ish_compactor_announce_moves(compactor *c) {
  /* Not for pages whose objects all died: nothing moved (ccgc-events.h). */
  if (c->evacuated_pages == 0 || c->moves->len == 0) return;
  ccgc_collector_announce_moves(c->heap->base.collector, c->heap->base.heap_id, moved_to,
                                c);
}

void v8ish_compactor_evacuate(compactor *c) {
  bool out_of_memory = false;
  /* Every move is planned before anything is copied: a candidate that
   * cannot be placed leaves nothing half-moved, and the copies can then be
   * shared out (.inv.compaction-no-half-move). */
  for (guint i = 0; i < c->candidates->len; i++) {
    candidate *cand = &g_array_index(c->candidates, candidate, i);
    if (out_of_memory || !plan(c, cand)) {
      /* Left in place, whole, with every later candidate. */
      out_of_memory = true;
      cand->page->evacuating = false;
      continue;
    }
    c->evacuated_pages++;
  }
  c->heap->evacuation_threads = c->moves->len > 0 ? copy_planned(c) : 0;
  seal_targets(c);
}
