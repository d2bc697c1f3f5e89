/* sweeping.c - the collector's sweeping phase after the atomic pause
 * (sweeping.h, docs/sweeping.md). */
#include <sched.h>

#include "sweeping.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "collector-internal.h"
#include "heap-base.h"
#include "invariant-check.h"
#include "ccgc-testing.h"
#include "task-pool.h"
#include "thread-sizing.h"

static const char *const mode_names[] = {
    [CCGC_SWEEP_ATOMIC] = "atomic",
    [CCGC_SWEEP_LAZY] = "lazy",
    [CCGC_SWEEP_CONCURRENT] = "concurrent",
};

const char *ccgc_sweeping_mode_name(ccgc_sweeping_mode mode) {
  if ((unsigned)mode > CCGC_SWEEP_CONCURRENT) return "unknown";
  return mode_names[mode];
}

static bool known_mode(ccgc_sweeping_mode mode) {
  return (unsigned)mode <= CCGC_SWEEP_CONCURRENT;
}

const char *ccgc_sweeper_invalid_options(const ccgc_collector_options *options,
                                         char *buf, size_t size) {
  if (!options) return NULL;
  if (!known_mode(options->sweeping)) {
    snprintf(buf, size, "unknown sweeping mode %d", (int)options->sweeping);
    return buf;
  }
  if (options->sweeper_threads < 0 ||
      options->sweeper_threads > CCGC_MAX_SWEEPER_THREADS) {
    snprintf(buf, size, "sweeper_threads %d is out of range (0 to %d)",
             options->sweeper_threads, CCGC_MAX_SWEEPER_THREADS);
    return buf;
  }
  return NULL;
}

void ccgc_sweeper_init(ccgc_sweeper *sweeper,
                       const ccgc_collector_options *options) {
  memset(sweeper, 0, sizeof *sweeper);
  atomic_init(&sweeper->stop, false);
  sweeper->mode = options ? options->sweeping : CCGC_SWEEP_ATOMIC;
  int threads = options ? options->sweeper_threads : 0;
  sweeper->threads = threads > 0 ? threads : 1;
}

/* Sweeper threads return and are waited for; their time is kept. */
static void stop_helpers(ccgc_sweeper *sweeper) {
  if (!sweeper->concurrent) return;
  atomic_store(&sweeper->stop, true);
  /* One not running yet would return at once: not waited for. */
  ccgc_task_pool_withdraw(sweeper->pool);
  ccgc_task_pool_wait(sweeper->pool);
  sweeper->concurrent = false;
}

static void unmap_list(ccgc_sweeper *sweeper) {
  if (sweeper->clearing_list)
    munmap(sweeper->clearing_list,
           sweeper->clearing_capacity * sizeof *sweeper->clearing_list);
  sweeper->clearing_list = NULL;
  sweeper->clearing_capacity = 0;
}

void ccgc_sweeper_destroy(ccgc_sweeper *sweeper) {
  stop_helpers(sweeper);
  ccgc_sweeper_finish_clearing(sweeper);
  ccgc_task_pool_free(sweeper->pool); /* joins the threads */
  sweeper->pool = NULL;
  unmap_list(sweeper);
}

/* Whether heap id is swept after the pause this cycle. */
static bool swept_lazily(const ccgc_collector *collector, int id) {
  const ccgc_heap_slot *slot = &collector->heaps[id];
  return collector->sweeper.mode != CCGC_SWEEP_ATOMIC && slot->heap &&
         slot->ops->sweep_start && slot->ops->sweep_step;
}

typedef void (*heap_phase_fn)(void *heap);

void ccgc_sweeper_call_in_pause(ccgc_collector *collector, size_t phase) {
  for (int id = 0; id < collector->heap_count; id++) {
    ccgc_heap_slot *slot = &collector->heaps[id];
    if (!slot->heap || swept_lazily(collector, id)) continue;
    heap_phase_fn fn;
    memcpy(&fn, (const char *)slot->ops + phase, sizeof fn);
    if (fn) fn(slot->heap);
  }
}

bool ccgc_sweeper_start(ccgc_collector *collector) {
  ccgc_sweeper *sweeper = &collector->sweeper;
  bool concurrent = sweeper->mode == CCGC_SWEEP_CONCURRENT;
  bool any = false;
  sweeper->heap_count = collector->heap_count;
  for (int id = 0; id < collector->heap_count; id++) {
    sweeper->pending[id] = swept_lazily(collector, id);
    sweeper->ops[id] = collector->heaps[id].ops;
    sweeper->heaps[id] = collector->heaps[id].heap;
    if (!sweeper->pending[id]) continue;
    /* No host code here: the finalizers run after the pause, on the owner
     * (.inv.finalizers-on-owner). */
    sweeper->ops[id]->sweep_start(sweeper->heaps[id], concurrent);
    any = true;
  }
  sweeper->owner_ms = 0;
  sweeper->steps = 0;
  sweeper->scavenges = 0;
  memset(sweeper->helper_ms, 0, sizeof sweeper->helper_ms);
  return any;
}

/* A sweeper thread (task-pool.h index 1..helpers): every heap's
 * sweep_concurrent until nothing is left or completion says stop. */
static void sweep_on_helper(void *data, unsigned index) {
  ccgc_sweeper *sweeper = data;
  double start = ccgc_now_ms();
  for (int id = 0; id < sweeper->heap_count; id++) {
    if (atomic_load(&sweeper->stop)) break;
    if (sweeper->helped[id])
      sweeper->ops[id]->sweep_concurrent(sweeper->heaps[id], &sweeper->stop);
  }
  /* Added: a scavenge may have parked and restarted the threads. */
  sweeper->helper_ms[index] += ccgc_now_ms() - start;
}

/* The sweeper threads this sweeping uses: all of them, or with
 * options.adaptive_threads one per CCGC_SIZING_SWEEP_BYTES of the committed
 * pages the threads would sweep, more than one only if the sweep speed
 * measured in pauses and the mutator's allocation rate call for it
 * (thread-sizing.h). */
static int sized_threads(ccgc_collector *collector) {
  ccgc_sweeper *sweeper = &collector->sweeper;
  if (!sweeper->adaptive) return sweeper->threads;
  double committed = 0, used = 0;
  for (int id = 0; id < sweeper->heap_count; id++) {
    if (!sweeper->helped[id] || !sweeper->ops[id]->stats) continue;
    ccgc_heap_stats stats;
    memset(&stats, 0, sizeof stats);
    sweeper->ops[id]->stats(sweeper->heaps[id], &stats);
    committed += (double)stats.committed_bytes;
    used += (double)stats.used_bytes;
  }
  double budget = used / 2;
  if (budget < CCGC_PACING_MIN_BUDGET) budget = CCGC_PACING_MIN_BUDGET;
  double since = collector->sizing_since_ms, now = ccgc_now_ms();
  double rate = since > 0 && now > since
                    ? (collector->allocated_bytes - collector->sizing_allocated) /
                          (now - since)
                    : 0;
  ccgc_sizing_input in = {
      .work_bytes = committed,
      .budget_bytes = budget,
      .allocation_rate = rate,
      .speed = ccgc_tracer_speed(&collector->tracer, CCGC_TRACER_SWEEP),
      .bytes_per_thread = CCGC_SIZING_SWEEP_BYTES,
      .max_threads = sweeper->threads,
  };
  return ccgc_thread_sizing(&in);
}

void ccgc_sweeper_after_pause(ccgc_collector *collector) {
  ccgc_sweeper *sweeper = &collector->sweeper;
  sweeper->pause_end_ms = ccgc_now_ms();
  if (sweeper->mode != CCGC_SWEEP_CONCURRENT) return;
  bool helped = false;
  for (int id = 0; id < sweeper->heap_count; id++) {
    sweeper->helped[id] =
        sweeper->pending[id] && sweeper->ops[id]->sweep_concurrent;
    helped |= sweeper->helped[id];
  }
  if (!helped) return;
  int wanted = sized_threads(collector);
  if (wanted == 0) return; /* lazily on the owner alone */
  if (!sweeper->pool) sweeper->pool = ccgc_task_pool_new();
  if (!sweeper->pool) return; /* lazily on the owner alone */
  unsigned count = ccgc_task_pool_ready(sweeper->pool, (unsigned)wanted);
  if (count == 0) return;
  atomic_store(&sweeper->stop, false);
  sweeper->helpers = count;
  sweeper->concurrent = true;
  ccgc_task_pool_run(sweeper->pool, count, sweep_on_helper, sweeper);
}

void ccgc_sweeper_park(ccgc_sweeper *sweeper) {
  sweeper->scavenges++;
  /* sweep_concurrent returns at stop once its page is measured; waiting
   * for the pool makes their writes visible here (task-pool.h). */
  sweeper->parked = sweeper->concurrent;
  stop_helpers(sweeper);
}

/* Whether every pending heap says its sweep is complete (sweep_done): no
 * page is left for a sweeper thread. */
static bool nothing_left(const ccgc_sweeper *sweeper) {
  for (int id = 0; id < sweeper->heap_count; id++) {
    if (!sweeper->pending[id]) continue;
    const ccgc_heap_ops *ops = sweeper->ops[id];
    if (!ops->sweep_done || !ops->sweep_done(sweeper->heaps[id])) return false;
  }
  return true;
}

void ccgc_sweeper_unpark(ccgc_sweeper *sweeper) {
  if (!sweeper->parked) return;
  sweeper->parked = false;
  /* The scavenge's promotion swept the last pages (a heap with none
   * completed at the pause): the threads stay stopped, and the next
   * scavenges neither park nor start them. Sweeping stays pending until
   * the host's next step or cycle completes it, as before. */
  if (nothing_left(sweeper)) return;
  /* The same threads, the same count (helper_ms stays by index). */
  atomic_store(&sweeper->stop, false);
  sweeper->concurrent = true;
  ccgc_task_pool_run(sweeper->pool, sweeper->helpers, sweep_on_helper,
                     sweeper);
}

/* --- clearing the marks ------------------------------------------------ */

static void clear_claimed(ccgc_sweeper *sweeper) {
  for (;;) {
    size_t i = atomic_fetch_add_explicit(&sweeper->clearing_next, 1,
                                         memory_order_relaxed);
    if (i >= sweeper->clearing_count) return;
    /* Nothing writes a mark between cycles (ccgc_barrier_on_allocate
     * writes only while marking runs). */
    memset(sweeper->clearing[i], 0, CCGC_MARK_TABLE_BYTES);
  }
}

static void clear_on_helper(void *data, unsigned index) {
  (void)index;
  clear_claimed(data);
}

void ccgc_sweeper_start_clearing(ccgc_collector *collector) {
  ccgc_sweeper *sweeper = &collector->sweeper;
  if (sweeper->mode != CCGC_SWEEP_CONCURRENT || sweeper->clearing ||
      sweeper->marks_clear)
    return;
  if (!sweeper->pool) sweeper->pool = ccgc_task_pool_new();
  if (!sweeper->pool) return; /* the next start clears them */
  size_t count = 0;
  for (int id = 0; id < collector->heap_count; id++) {
    ccgc_heap_base *base = collector->heaps[id].base;
    if (!base) continue;
    count += base->space.normal_page_count + base->space.large_page_count;
  }
  /* The thread gets the normal pages' tables only (it reads no page
   * header, which the owner may write meanwhile); a large page's one mark
   * is cleared here. */
  if (count == 0) return;
  if (count > sweeper->clearing_capacity) {
    /* Mapped, not malloc'd: see clearing_list (sweeping.h). */
    size_t capacity = sweeper->clearing_capacity ? sweeper->clearing_capacity
                                                 : 512; /* 4 KiB */
    while (capacity < count) capacity *= 2;
    void *grown = mmap(NULL, capacity * sizeof(uint8_t *),
                       PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
                       -1, 0);
    if (grown == MAP_FAILED) return; /* the next start clears them */
    unmap_list(sweeper);
    sweeper->clearing_list = grown;
    sweeper->clearing_capacity = capacity;
  }
  uint8_t **pages = sweeper->clearing_list;
  uint32_t epoch = sweeper->clear_epoch + 1;
  if (epoch == 0) epoch = 1; /* 0: no clearing yet */
  size_t n = 0;
  for (int id = 0; id < collector->heap_count; id++) {
    ccgc_heap_base *base = collector->heaps[id].base;
    if (!base) continue;
    for (ccgc_space_page *p = base->space.pages; p && n < count; p = p->next) {
      pages[n++] = (uint8_t *)p->page.marks;
      p->page.clear_stamp = epoch;
    }
    for (ccgc_space_page *p = base->space.large_pages; p; p = p->next)
      if (!(p->page.flags & CCGC_PAGE_YOUNG)) {
        ccgc_page_clear_marks(&p->page);
        p->page.clear_stamp = epoch;
      }
  }
  sweeper->clear_epoch = epoch;
  if (ccgc_task_pool_ready(sweeper->pool, 1) < 1) return;
  sweeper->clearing = pages;
  sweeper->clearing_count = n;
  atomic_store_explicit(&sweeper->clearing_next, 0, memory_order_relaxed);
  ccgc_task_pool_run(sweeper->pool, 1, clear_on_helper, sweeper);
}

void ccgc_sweeper_finish_clearing(ccgc_sweeper *sweeper) {
  if (!sweeper->clearing) return;
  clear_claimed(sweeper);
  /* Every page is claimed: a helper not running yet has nothing to do, and
   * waiting for the scheduler to run it stalled the next cycle's start
   * (14.5 ms with 1.8 ms on the CPU in `ccgc bench pauses`). */
  ccgc_task_pool_withdraw(sweeper->pool);
  ccgc_task_pool_wait(sweeper->pool);
  sweeper->clearing = NULL;
  sweeper->clearing_count = 0;
  sweeper->marks_clear = true;
}

/* Every heap is swept: threads stopped, the cycle's record completed
 * (ccgc_collector_last_cycle), sweep_end announced, state IDLE. */
static void complete(ccgc_collector *collector) {
  ccgc_sweeper *sweeper = &collector->sweeper;
  stop_helpers(sweeper);
  ccgc_cycle_stats *last = &collector->last;
  double helper_ms = 0, helper_span_ms = 0;
  for (unsigned i = 1; i <= sweeper->helpers; i++) {
    helper_ms += sweeper->helper_ms[i];
    if (sweeper->helper_ms[i] > helper_span_ms) helper_span_ms = sweeper->helper_ms[i];
  }
  last->sweeping_complete = true;
  last->sweep_steps = sweeper->steps;
  last->lazy_sweep_ms = sweeper->owner_ms;
  last->concurrent_sweep_ms = helper_ms;
  last->sweeper_threads_used = (int)sweeper->helpers;
  last->sweeping_wall_ms = ccgc_now_ms() - sweeper->pause_end_ms;
  /* The sweeper threads start at the pause's end and sweep until no page
   * is left: the longest one's time is the span they worked beside the
   * host (not the wall time to completion, which waits for the host's own
   * steps: a host that gives none would see it stretch to its next cycle). */
  ccgc_tracer_ring_add(&collector->cycle_wall, 1,
                       ccgc_collector_mutator_marking_ms(last) + helper_span_ms);
  collector->gc_total_ms += sweeper->owner_ms;
  /* The heaps' figures after the cycle are the swept ones: the cycle's
   * heaps only (those of its pause, still attached), never a heap attached
   * since, whose objects the cycle never saw (it took ids past the record's
   * count, or a freed heap's id: then that heap keeps its pause figures). */
  for (int i = 0; i < last->heap_count && i < sweeper->heap_count; i++) {
    ccgc_heap_slot *slot = &collector->heaps[i];
    if (!slot->heap || slot->heap != sweeper->heaps[i] || !slot->ops->stats)
      continue;
    memset(&last->heaps[i].after, 0, sizeof last->heaps[i].after);
    slot->ops->stats(slot->heap, &last->heaps[i].after);
    last->heaps[i].marked_bytes = last->heaps[i].after.used_bytes;
  }
  sweeper->helpers = 0;
  collector->in_collection = true;
  ccgc_call_context outer =
      ccgc_collector_enter_context(collector, CCGC_CONTEXT_MARKING);
  ccgc_events_sweep_end(collector); /* read only */
  collector->state = CCGC_STATE_IDLE;
  collector->in_collection = false;
  ccgc_collector_leave_context(collector, outer);
  ccgc_trace_gc_emit_sweeping(collector, last);
  ccgc_sweeper_start_clearing(collector);
}

/* Owner thread, state SWEEPING, not busy: every pending heap's sweep_step
 * until deadline_ms (<= 0: until done). Returns whether sweeping completed. */
static bool sweep(ccgc_collector *collector, double deadline_ms) {
  ccgc_sweeper *sweeper = &collector->sweeper;
  collector->in_collection = true;
  /* Finalizers run here: RECLAIM, as in the pause (gate.h). */
  ccgc_call_context outer =
      ccgc_collector_enter_context(collector, CCGC_CONTEXT_RECLAIM);
  double start = ccgc_now_ms();
  bool done = true, called = false;
  for (int id = 0; id < sweeper->heap_count; id++) {
    if (!sweeper->pending[id]) continue;
    /* The first pending heap always gets its step (progress). */
    if (called && deadline_ms > 0 && ccgc_now_ms() >= deadline_ms) {
      done = false;
      break;
    }
    called = true;
    if (sweeper->ops[id]->sweep_step(sweeper->heaps[id], deadline_ms))
      sweeper->pending[id] = false;
    else
      done = false;
  }
  sweeper->owner_ms += ccgc_now_ms() - start;
  sweeper->steps++;
  collector->in_collection = false;
  ccgc_collector_leave_context(collector, outer);
  if (done) complete(collector);
  return done;
}

bool ccgc_collector_sweep_until(ccgc_collector *collector, double deadline_ms) {
  bool done = sweep(collector, deadline_ms);
  /* A step returns early while sweeper threads hold the pages left
   * (docs/sweeping.md "A bounded sweep step while sweeper threads run"):
   * the rest of the period goes to further steps, each running the
   * finalizers of what the threads finished, yielding to them between. */
  while (!done && collector->state == CCGC_STATE_SWEEPING &&
         ccgc_now_ms() < deadline_ms) {
    sched_yield();
    done = sweep(collector, deadline_ms);
  }
  return done;
}

bool ccgc_collector_ensure_swept(ccgc_collector *collector) {
  if (collector->state != CCGC_STATE_SWEEPING) {
    ccgc_sweeper_finish_clearing(&collector->sweeper);
    return true;
  }
  if (ccgc_collector_busy(collector)) return false;
  return sweep(collector, 0);
}

void ccgc_sweeper_forget_heap(ccgc_collector *collector, int heap_id) {
  ccgc_sweeper *sweeper = &collector->sweeper;
  if (heap_id < 0 || heap_id >= sweeper->heap_count) return;
  if (!sweeper->pending[heap_id]) return;
  /* Its teardown should have finished sweeping: no sweeper thread may
   * touch it once it is gone. */
  stop_helpers(sweeper);
  sweeper->pending[heap_id] = false;
  for (int id = 0; id < sweeper->heap_count; id++)
    if (sweeper->pending[id]) return;
  /* The last one gone: nothing is left to sweep (no sweep_end: the heap
   * that should have had its memory freed is no more). */
  collector->state = CCGC_STATE_IDLE;
}

bool ccgc_sweep_step(ccgc_collector *collector, double budget_ms) {
  if (!ccgc_collector_enter(collector, "ccgc_sweep_step")) return false;
  if (ccgc_collector_refuse_duration(collector, "ccgc_sweep_step", "budget",
                                     budget_ms))
    return false;
  /* Refused inside a collection whether or not sweeping is pending, so the
   * answer does not depend on the sweeping mode. */
  if (ccgc_collector_refuse_busy(collector, "ccgc_sweep_step")) return false;
  if (collector->state != CCGC_STATE_SWEEPING) return false;
  /* A zero budget still sweeps: every heap's step makes progress. */
  return sweep(collector, ccgc_now_ms() + (budget_ms > 0 ? budget_ms : 1e-9));
}

ccgc_status ccgc_collector_finish_sweeping(ccgc_collector *collector) {
  if (!ccgc_collector_enter(collector, "ccgc_collector_finish_sweeping"))
    return ccgc_collector_valid(collector) ? CCGC_E_WRONG_THREAD
                                           : CCGC_E_INVALID_ARGUMENT;
  ccgc_status busy =
      ccgc_collector_refuse_busy(collector, "ccgc_collector_finish_sweeping");
  if (busy != CCGC_OK) return busy;
  if (collector->state != CCGC_STATE_SWEEPING) return CCGC_OK;
  sweep(collector, 0);
  return CCGC_OK;
}

ccgc_status ccgc_collector_set_sweeping(ccgc_collector *collector,
                                        ccgc_sweeping_mode mode, int threads) {
  if (!ccgc_collector_enter(collector, "ccgc_collector_set_sweeping"))
    return ccgc_collector_valid(collector) ? CCGC_E_WRONG_THREAD
                                           : CCGC_E_INVALID_ARGUMENT;
  if (!known_mode(mode))
    return CCGC_MISUSE(&collector->errors, CCGC_E_INVALID_ARGUMENT,
                       ".api.argument",
                       "ccgc_collector_set_sweeping: unknown mode %d",
                       (int)mode);
  if (threads < 0 || threads > CCGC_MAX_SWEEPER_THREADS)
    return CCGC_MISUSE(&collector->errors, CCGC_E_INVALID_ARGUMENT,
                       ".api.argument",
                       "ccgc_collector_set_sweeping: %d threads is out of "
                       "range (0 to %d)",
                       threads, CCGC_MAX_SWEEPER_THREADS);
  if (ccgc_collector_refuse_busy(collector, "ccgc_collector_set_sweeping") !=
      CCGC_OK)
    return CCGC_E_IN_COLLECTION;
  if (collector->state != CCGC_STATE_IDLE &&
      collector->state != CCGC_STATE_SWEEPING)
    return ccgc_error_set(&collector->errors, CCGC_E_IN_COLLECTION,
                          "ccgc_collector_set_sweeping: a cycle is in "
                          "progress (state: %s)",
                          ccgc_gc_state_name(collector->state));
  ccgc_collector_ensure_swept(collector);
  ccgc_sweeper *sweeper = &collector->sweeper;
  sweeper->mode = mode;
  sweeper->threads = threads > 0 ? threads : 1;
  /* Into CONCURRENT after cycles swept otherwise: their marks are cleared
   * now, not by the next start. */
  if (collector->cycles > 0) ccgc_sweeper_start_clearing(collector);
  return CCGC_OK;
}

ccgc_sweeping_mode ccgc_collector_sweeping(const ccgc_collector *collector) {
  if (!ccgc_collector_enter(collector, "ccgc_collector_sweeping"))
    return CCGC_SWEEP_ATOMIC;
  return collector->sweeper.mode;
}

/* --- testing switch (ccgc-testing.h) ------------------------------------- */

void ccgc_collector_break_sweeping(ccgc_collector *collector, bool broken) {
  if (!ccgc_collector_enter(collector, "ccgc_collector_break_sweeping"))
    return;
  /* Sweeper threads read it, and a page's two halves must agree: only
   * between cycles. */
  if (ccgc_collector_busy(collector) || collector->state != CCGC_STATE_IDLE) {
    ccgc_error_set(&collector->errors, CCGC_E_IN_COLLECTION,
                   "ccgc_collector_break_sweeping: a cycle is in progress "
                   "(state: %s)",
                   ccgc_gc_state_name(collector->state));
    return;
  }
  collector->sweeper.broken = broken;
}

bool ccgc_collector_sweeping_broken(const ccgc_collector *collector) {
  return collector->sweeper.broken;
}

bool ccgc_collector_sweepers_running(const ccgc_collector *collector) {
  return collector->sweeper.concurrent;
}

void ccgc_collector_sweep_before_scavenge(ccgc_collector *collector,
                                          bool sweep_first) {
  if (!ccgc_collector_enter(collector, "ccgc_collector_sweep_before_scavenge"))
    return;
  if (ccgc_collector_refuse_busy(collector, "ccgc_collector_sweep_before_scavenge"))
    return;
  collector->sweeper.sweep_first = sweep_first;
}

void ccgc_collector_break_scavenge_sweeping(ccgc_collector *collector,
                                            bool broken) {
  if (!ccgc_collector_enter(collector,
                            "ccgc_collector_break_scavenge_sweeping"))
    return;
  if (ccgc_collector_busy(collector) || collector->state != CCGC_STATE_IDLE) {
    ccgc_error_set(&collector->errors, CCGC_E_IN_COLLECTION,
                   "ccgc_collector_break_scavenge_sweeping: a cycle is in "
                   "progress (state: %s)",
                   ccgc_gc_state_name(collector->state));
    return;
  }
  collector->sweeper.scavenge_broken = broken;
}

bool ccgc_collector_scavenge_sweeping_broken(const ccgc_collector *collector) {
  return collector && collector->sweeper.scavenge_broken;
}
