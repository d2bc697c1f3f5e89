/* cycle.c - the phases of one collection cycle, stop-the-world or
 * incremental (docs/collection.md):
 *
 *   start:   prepare heaps, begin the marker, barrier on, mark roots
 *   steps:   bounded drains interleaved with the host (host, idle, allocation)
 *   finish:  the atomic pause: rescan the roots that are not barriered
 *            (handle scopes, persistents), drain, ephemeron fixed point,
 *            barrier off, clear weak slots, process weakness, verify,
 *            pre_reclaim + finalize + reclaim in every heap (or, for
 *            lazily swept heaps, sweep_start: sweeping.c), after_collection.
 *
 * ccgc_collect is start + finish with no steps in between. The pause is
 * timed by component (ccgc_cycle_stats); each cycle feeds the per-phase
 * speeds (gc-tracer.h) from which ccgc_idle_notification estimates the
 * finishing pause.
 */
#include <math.h>
#include <stddef.h>
#include <string.h>

#include "collector-internal.h"
#include "invariant-check.h"
#include "parallel-marking.h"
#include "thread-sizing.h"
#include "trace-gc-internal.h"

#define PHASE(member) offsetof(ccgc_heap_ops, member)
#define DEFAULT_STEP_MS 1.0

static const char *const state_names[] = {
    [CCGC_STATE_IDLE] = "idle",
    [CCGC_STATE_MARKING] = "marking",
    [CCGC_STATE_ATOMIC_PAUSE] = "atomic pause",
    [CCGC_STATE_SWEEPING] = "sweeping",
};

const char *ccgc_gc_state_name(ccgc_gc_state state) {
  if ((unsigned)state > CCGC_STATE_SWEEPING) return "unknown";
  return state_names[state];
}

double ccgc_time_ms(void) { return ccgc_now_ms(); }

ccgc_gc_state ccgc_collector_state(const ccgc_collector *collector) {
  if (!ccgc_collector_enter(collector, "ccgc_collector_state"))
    return CCGC_STATE_IDLE;
  return collector->state;
}

const double *ccgc_collector_last_steps(const ccgc_collector *collector,
                                        size_t *count) {
  if (!count || !ccgc_collector_enter(collector, "ccgc_collector_last_steps")) {
    if (count) *count = 0;
    return NULL;
  }
  *count = collector->last_steps ? collector->last_steps->len : 0;
  return collector->last_steps ? (const double *)collector->last_steps->data
                               : NULL;
}

/* The marker threads this cycle's marking uses: all of them, or with
 * options.adaptive_threads as many as the heaps' size and the mutator's
 * allocation rate call for (thread-sizing.h; docs/collection.md "Helper
 * threads"). The rate is measured from one cycle's start to the next. */
static void size_marker_threads(ccgc_collector *collector, double used) {
  ccgc_concurrent_marker *cm = &collector->concurrent;
  double now = ccgc_now_ms();
  double rate = 0;
  if (collector->sizing_since_ms > 0 && now > collector->sizing_since_ms)
    rate = (collector->allocated_bytes - collector->sizing_allocated) /
           (now - collector->sizing_since_ms);
  collector->sizing_allocated = collector->allocated_bytes;
  collector->sizing_since_ms = now;
  if (!collector->adaptive_threads) {
    ccgc_concurrent_set_enabled(cm, cm->thread_count);
    return;
  }
  /* The budget pacing gives the cycle (pacing.h), without a hard limit's
   * cap: what the mutator may allocate while marking runs. */
  double budget = used / 2;
  if (budget < CCGC_PACING_MIN_BUDGET) budget = CCGC_PACING_MIN_BUDGET;
  ccgc_sizing_input in = {
      .work_bytes = used,
      .budget_bytes = budget,
      .allocation_rate = rate,
      .speed = ccgc_tracer_speed(&collector->tracer, CCGC_TRACER_MARKING),
      .bytes_per_thread = CCGC_SIZING_MARK_BYTES,
      .max_threads = cm->thread_count,
  };
  ccgc_concurrent_set_enabled(cm, ccgc_thread_sizing(&in));
}

static void start_cycle(ccgc_collector *collector, ccgc_gc_reason reason,
                        bool incremental) {
  collector->in_collection = true; /* heaps' prepare/trace_roots run now */
  /* Listeners and trace callbacks run inside marking from here. */
  ccgc_call_context outer =
      ccgc_collector_enter_context(collector, CCGC_CONTEXT_MARKING);
  ccgc_cycle_stats *stats = &collector->current;
  memset(stats, 0, sizeof *stats);
  stats->cycle = collector->cycles + 1;
  stats->reason = reason;
  stats->incremental = incremental;
  /* A memory-reducing cycle gives the pooled pages back to the OS (and
   * every page it releases, page-memory.c). */
  if (ccgc_reason_reduces_memory(reason))
    ccgc_page_pool_drain(&collector->page_pool);
  collector->cycle_start_ms = ccgc_now_ms();
  ccgc_collector_snapshot_stats(collector, true, stats);
  g_array_set_size(collector->steps, 0);
  size_t used = 0, objects = 0;
  for (int i = 0; i < stats->heap_count; i++) {
    used += stats->heaps[i].before.used_bytes;
    objects += stats->heaps[i].before.object_count;
  }
  collector->object_bytes = objects ? (double)used / (double)objects : 0;
  collector->step_objects_visited = 0;
  /* The marker threads are parked between cycles: their counts start at
   * zero (a cycle abandoned at collector teardown never took them). */
  (void)ccgc_concurrent_take_visited(&collector->concurrent);
  collector->idle_refusals = 0;

  ccgc_events_cycle_start(collector, reason, incremental);
  /* The marks: cleared by a sweeper thread after the last sweep, or by
   * the heaps' prepare now (sweeping.h). */
  ccgc_sweeper_finish_clearing(&collector->sweeper);
  ccgc_collector_call_phase(collector, PHASE(prepare));
  collector->sweeper.marks_clear = false; /* marking writes them from now */
  ccgc_marker_begin(&collector->marker, collector);
  /* Barrier on before the roots are read: a store racing with root marking
   * is shaded (.inv.no-black-to-white). Allocation is black from now on
   * (.inv.allocate-black). */
  ccgc_collector_set_marking(collector, true);
  ccgc_marker_trace_roots(&collector->marker);
  collector->state = CCGC_STATE_MARKING;
  size_marker_threads(collector, (double)used);
  if (incremental && collector->concurrent.thread_count > 0) {
    stats->marker_threads_used = collector->concurrent.enabled;
    /* The roots' work becomes stealable; helper threads start marking. */
    ccgc_marker_publish(&collector->marker);
    ccgc_concurrent_resume(&collector->concurrent);
  }
  collector->allocated_since_step = 0;
  collector->old_since_step = 0;
  if (incremental) ccgc_pacing_start(collector);
  collector->start_pause_ms = ccgc_now_ms() - collector->cycle_start_ms;
  collector->in_collection = false;
  ccgc_collector_leave_context(collector, outer);
}

/* The reason of a collection the host asks for (.api.argument). */
static bool known_reason(ccgc_collector *collector, ccgc_gc_reason reason,
                         const char *call) {
  if ((unsigned)reason < CCGC_REASON_COUNT) return true;
  CCGC_MISUSE(&collector->errors, CCGC_E_INVALID_ARGUMENT, ".api.argument",
              "%s: unknown reason %d", call, (int)reason);
  return false;
}

void ccgc_collector_finish_for_heap_free(ccgc_collector *collector) {
  collector->heap_frees++;
  if (collector->state == CCGC_STATE_MARKING)
    ccgc_incremental_finish(collector);
  ccgc_collector_finish_sweeping(collector);
  collector->heap_frees--;
}

/* New cycles while a heap's free finishes the last one: refused. */
static ccgc_status refuse_during_heap_free(ccgc_collector *collector,
                                          const char *call) {
  if (!collector->heap_frees) return CCGC_OK;
  return ccgc_error_set(&collector->errors, CCGC_E_IN_COLLECTION,
                        "%s: a heap is being freed (called from a callback "
                        "of the collection its free finishes)",
                        call);
}

ccgc_status ccgc_incremental_start(ccgc_collector *collector,
                                   ccgc_gc_reason reason) {
  if (!ccgc_collector_enter(collector, "ccgc_incremental_start"))
    return ccgc_collector_valid(collector) ? CCGC_E_WRONG_THREAD
                                           : CCGC_E_INVALID_ARGUMENT;
  if (!known_reason(collector, reason, "ccgc_incremental_start"))
    return CCGC_E_INVALID_ARGUMENT;
  if (refuse_during_heap_free(collector, "ccgc_incremental_start") != CCGC_OK ||
      ccgc_collector_refuse_busy(collector, "ccgc_incremental_start") != CCGC_OK)
    return CCGC_E_IN_COLLECTION;
  /* The last cycle's sweeping completes first: prepare clears the marks
   * that unswept pages still need (.inv.marks-until-swept). */
  if (!ccgc_collector_ensure_swept(collector) ||
      collector->state != CCGC_STATE_IDLE)
    return ccgc_error_set(&collector->errors, CCGC_E_IN_COLLECTION,
                          "ccgc_incremental_start: a cycle is already in "
                          "progress (state: %s)",
                          ccgc_gc_state_name(collector->state));
  start_cycle(collector, reason, true);
  return CCGC_OK;
}

static double step_budget(const ccgc_collector *collector) {
  return collector->step_ms > 0 ? collector->step_ms : DEFAULT_STEP_MS;
}

/* A step of the cycle that marks, if one does and no collection runs (the
 * library's own calls: nothing recorded). */
static bool marking_step(ccgc_collector *collector, double budget_ms) {
  if (collector->state != CCGC_STATE_MARKING || ccgc_collector_busy(collector))
    return false;
  /* With a work budget (ccgc_collector_set_step_objects) a step is
   * deterministic, so a seeded host program replays exactly. */
  if (collector->step_objects)
    return ccgc_collector_marking_step(collector, 0, collector->step_objects);
  return ccgc_collector_marking_step(collector, budget_ms, 0);
}

bool ccgc_incremental_step(ccgc_collector *collector, double budget_ms) {
  if (!ccgc_collector_enter(collector, "ccgc_incremental_step") ||
      ccgc_collector_refuse_duration(collector, "ccgc_incremental_step",
                                     "budget", budget_ms) ||
      ccgc_collector_refuse_busy(collector, "ccgc_incremental_step"))
    return false;
  return marking_step(collector, budget_ms);
}

/* The step's overrun tracked as its 99.5th percentile (a quantile by
 * stochastic approximation: up by STEP_OVERRUN_RATE x 0.995 ms when a step
 * overran the estimate, down by STEP_OVERRUN_RATE x 0.005 ms when not, so
 * that 1 step in 200 overruns it at equilibrium). An average let a quarter
 * of the steps of `ccgc bench pauses` (1 GiB) end past their budget and the
 * slowest 1 percent 50 us past it. */
#define STEP_OVERRUN_QUANTILE 0.995
#define STEP_OVERRUN_RATE 0.01

static void track_overrun(ccgc_collector *collector, double overrun_ms) {
  double *q = &collector->step_tail_ms;
  if (overrun_ms > *q)
    *q += STEP_OVERRUN_RATE * STEP_OVERRUN_QUANTILE;
  else
    *q -= STEP_OVERRUN_RATE * (1 - STEP_OVERRUN_QUANTILE);
  if (*q < 0) *q = 0;
}

bool ccgc_collector_marking_step(ccgc_collector *collector, double budget_ms,
                                 size_t max_objects) {
  double entry = ccgc_now_ms();
  collector->in_collection = true;
  ccgc_call_context outer =
      ccgc_collector_enter_context(collector, CCGC_CONTEXT_MARKING);
  ccgc_events_step_start(collector);
  double start = ccgc_now_ms();
  /* The drain stops early enough for the step's overrun (its own last
   * batch, and the work after it) to fit the budget. */
  double drain_budget = budget_ms - collector->step_tail_ms;
  if (drain_budget < budget_ms / 2) drain_budget = budget_ms / 2;
  size_t visited = ccgc_marker_drain(
      &collector->marker, max_objects && budget_ms <= 0 ? 0 : start + drain_budget,
      max_objects);
  bool done = ccgc_marker_has_no_work(&collector->marker) &&
              ccgc_concurrent_idle(&collector->concurrent);
  /* Whoever stepped - an allocation, the host, an idle notification - a
   * paced cycle whose marking is complete is finished by the next
   * safepoint (ccgc.h, docs/scheduling.md). */
  if (done && collector->pacing.automatic) {
    collector->pacing.finish_requested = true;
    ccgc_collector_poll_set(collector);
  }
  double took = ccgc_now_ms() - start;
  collector->step_objects_visited += visited;
  /* The marking speed: bytes the owner marked per ms of step. */
  ccgc_tracer_add(&collector->tracer, CCGC_TRACER_MARKING,
                  (double)visited * collector->object_bytes, took);
  ccgc_cycle_stats *stats = &collector->current;
  stats->steps++;
  stats->incremental_ms += took;
  if (took > stats->max_step_ms) stats->max_step_ms = took;
  g_array_append_val(collector->steps, took);
  collector->step_ms_since_gc_end += took;
  ccgc_events_step_end(collector, took, done);
  collector->allocated_since_step = 0;
  collector->old_since_step = 0;
  collector->in_collection = false;
  ccgc_collector_leave_context(collector, outer);
  /* The overrun: what the whole step took beyond its drain's budget, learnt
   * from steps that stopped on their deadline only (not paced steps, which
   * stop at an object count, nor steps that ran out of work). */
  if (budget_ms > 0 && !max_objects && !done)
    track_overrun(collector, (ccgc_now_ms() - entry) - drain_budget);
  return done;
}

/* The allocation-driven steps one report of allocation runs at most. */
#define MAX_STEPS_PER_REPORT 8

static void notify_allocation(ccgc_collector *collector, size_t bytes,
                              bool old) {
  collector->allocated_bytes += (double)bytes; /* the memory reducer's */
  if (collector->state != CCGC_STATE_MARKING || collector->in_collection)
    return;
  collector->allocated_since_step += (double)bytes;
  if (old) collector->old_since_step += (double)bytes;
  size_t step_bytes =
      collector->step_bytes ? collector->step_bytes : CCGC_DEFAULT_STEP_BYTES;
  if (collector->allocated_since_step < (double)step_bytes) return;
  /* Inside the heap's allocation: its newest object may not be iterable
   * yet, so this step leaves a heap walk to the next (marker-overflow.c). */
  collector->in_allocation_step = true;
  if (collector->pacing.automatic) {
    ccgc_pacing_step(collector); /* sized to finish in time (pacing.h) */
  } else {
    /* A step for every step_bytes (ccgc.h): a heap that reports more at
     * once (the DOM heap reports a page of about 250 KB as it hands it
     * out) gets as many steps, each within its budget, and the rest
     * counts toward the next; it was one step, the count reset, half the
     * promised rate at the default and a quarter at 64 KiB (found by an
     * audit). At most MAX_STEPS_PER_REPORT at once: a large object's
     * report would otherwise be one long pause; the steps it is owed
     * follow at the next reports. Marking that completes owes none. */
    double due = collector->allocated_since_step;
    size_t steps = (size_t)(due / (double)step_bytes);
    if (steps > MAX_STEPS_PER_REPORT) steps = MAX_STEPS_PER_REPORT;
    double rest = due - (double)steps * (double)step_bytes;
    bool done = false;
    for (size_t i = 0; i < steps && !done; i++) {
      done = marking_step(collector, step_budget(collector));
      /* Only the marker threads have work: more steps would find none. */
      if (i + 1 < steps && ccgc_marker_has_no_work(&collector->marker)) break;
    }
    collector->allocated_since_step = done ? 0 : rest;
  }
  collector->in_allocation_step = false;
}

void ccgc_collector_notify_allocation(ccgc_collector *collector,
                                      size_t bytes) {
  notify_allocation(collector, bytes, true);
}

void ccgc_collector_notify_young_allocation(ccgc_collector *collector,
                                            size_t bytes) {
  notify_allocation(collector, bytes, false);
}

/* The heaps' used bytes now (the sum of their statistics). */
static double heap_bytes(ccgc_collector *collector) {
  ccgc_heap_totals sums;
  ccgc_collector_heap_totals(collector, &sums);
  return (double)sums.used_bytes;
}

static void finish_cycle(ccgc_collector *collector) {
  collector->in_collection = true;
  ccgc_call_context outer =
      ccgc_collector_enter_context(collector, CCGC_CONTEXT_MARKING);
  collector->state = CCGC_STATE_ATOMIC_PAUSE;
  collector->in_atomic_pause = true;
  ccgc_cycle_stats *stats = &collector->current;
  ccgc_events_atomic_pause_start(collector); /* V8's GC prologue */
  double pause_bytes = heap_bytes(collector); /* the speeds' unit of work */
  /* Each component of the pause is the time between two consecutive clock
   * readings, so that they add up to the pause (ccgc_cycle_stats). */
  double start = ccgc_now_ms();

  /* Marker threads stop and hand over what they found. */
  ccgc_concurrent_pause(&collector->concurrent);
  ccgc_concurrent_merge(&collector->concurrent, &collector->marker);
  stats->concurrent_ms = ccgc_concurrent_take_busy_ms(&collector->concurrent);
  /* This cycle's: the counts are taken (reset) once per cycle, here. */
  stats->concurrent_objects =
      ccgc_concurrent_take_visited(&collector->concurrent);
  double markers_end = ccgc_now_ms();
  stats->pause_markers_ms = markers_end - start;

  /* Roots that are not barriered (handle scopes, objects under
   * construction, the finalization queue) are scanned again; global handles,
   * traced references and persistents are not: their stores are barriered
   * (.inv.roots-barriered). Marked ones cost a CAS each. */
  ccgc_marker_rescan_roots(&collector->marker);
  double roots_end = ccgc_now_ms();
  stats->roots_ms = roots_end - markers_end;
  /* Owner and parallel_marking_threads helpers (parallel-marking.h). */
  ccgc_parallel_drain(&collector->marker, stats);
  double drain_end = ccgc_now_ms();
  stats->drain_ms = drain_end - roots_end;
  ccgc_marker_fixed_point(&collector->marker); /* nothing grey: ephemerons */
  ccgc_collector_set_marking(collector, false);
  /* Marks are final: from the weak callbacks to the last finalizer, host
   * code may not allocate nor resurrect (.inv.no-resurrection). */
  ccgc_collector_enter_context(collector, CCGC_CONTEXT_RECLAIM);
  double mark_end = ccgc_now_ms();
  stats->ephemeron_ms = mark_end - drain_end;
  stats->mark_ms = mark_end - start;
  stats->ephemeron_rounds = collector->marker.ephemerons.rounds;
  stats->mark_overflow_walks = collector->marker.overflow_walks;
  stats->mark_entries_dropped = atomic_exchange_explicit(
      &collector->mark_overflow.dropped, 0, memory_order_relaxed);
  for (int id = 0; id < collector->heap_count; id++)
    stats->heaps[id].marked_objects = collector->marker.marked[id];

  /* .inv.weak-before-finalizers: weak slots and the heaps' own weak
   * references are cleared before any heap runs a finalizer. */
  stats->weak_slots_cleared =
      ccgc_marker_clear_weak_slots(&collector->marker);
  double slots_end = ccgc_now_ms();
  stats->weak_callbacks_ms = slots_end - mark_end;
  ccgc_collector_call_phase(collector, PHASE(process_weakness));
  ccgc_collector_call_phase(collector, PHASE(compact)); /* docs/compaction.md */
  double weakness_end = ccgc_now_ms();
  stats->heap_weakness_ms = weakness_end - slots_end;
  ccgc_collector_enter_context(collector, CCGC_CONTEXT_MARKING);
  ccgc_events_marking_done(collector); /* liveness is final: probes */
  ccgc_collector_enter_context(collector, CCGC_CONTEXT_WALK);
  double weak_end = ccgc_now_ms();
  stats->listeners_ms = weak_end - weakness_end;
  stats->weak_ms = weak_end - mark_end;

  if (collector->verify)
    ccgc_verify_marking(collector, &collector->last_verify);
  double verify_end = ccgc_now_ms();
  if (collector->verify)
    stats->verify_ms = verify_end - weak_end;
  else
    stats->other_ms = verify_end - weak_end;
  ccgc_marker_end(&collector->marker);
  double marker_end = ccgc_now_ms();
  stats->other_ms += marker_end - verify_end;

  collector->state = CCGC_STATE_SWEEPING;
  ccgc_collector_enter_context(collector, CCGC_CONTEXT_MARKING);
  ccgc_events_sweep_start(collector); /* read only: marks final, dead intact */
  ccgc_collector_enter_context(collector, CCGC_CONTEXT_RECLAIM);
  double reclaim_start = ccgc_now_ms();
  stats->listeners_ms += reclaim_start - marker_end;
  /* .inv.finalize-before-sweep: every heap's pre-finalizers, and the
   * finalizers of the heaps swept in the pause, run before any heap frees
   * memory, whatever the heaps' order. A heap swept after the pause
   * (CCGC_SWEEP_LAZY, _CONCURRENT: sweeping.h) runs its finalizers then, on
   * the owner thread (.inv.finalizers-on-owner). */
  ccgc_collector_headroom_for_sweeps(collector);
  ccgc_collector_call_phase(collector, PHASE(pre_reclaim));
  ccgc_sweeper_call_in_pause(collector, PHASE(finalize));
  double finalize_end = ccgc_now_ms();
  stats->finalize_ms = finalize_end - reclaim_start;
  ccgc_sweeper_call_in_pause(collector, PHASE(reclaim));
  bool sweeping = ccgc_sweeper_start(collector);
  /* The heaps emptied their nurseries in reclaim or sweep_start (promotion
   * in place). */
  atomic_store(&collector->minor_requested, false);
  double end = ccgc_now_ms();
  stats->sweep_ms = end - finalize_end;
  stats->reclaim_ms = end - reclaim_start;
  stats->total_ms = end - start;
  stats->marking_wall_ms = end - collector->cycle_start_ms;
  stats->start_ms = start - collector->created_ms;
  stats->sweeping = collector->sweeper.mode;
  stats->sweeping_complete = !sweeping;
  if (!sweeping)
    ccgc_tracer_ring_add(&collector->cycle_wall, 1,
                         ccgc_collector_mutator_marking_ms(stats));
  /* The speeds of the idle-time estimate (gc-tracer.h), per heap byte at the
   * start of the pause. */
  ccgc_tracer_add(&collector->tracer, CCGC_TRACER_ATOMIC, pause_bytes,
                  reclaim_start - start);
  ccgc_tracer_add(&collector->tracer, CCGC_TRACER_SWEEP, pause_bytes,
                  end - reclaim_start);
  ccgc_tracer_add(&collector->tracer, CCGC_TRACER_CYCLE, pause_bytes,
                  collector->start_pause_ms + stats->incremental_ms +
                      (reclaim_start - start));
  ccgc_collector_snapshot_stats(collector, false, stats);
  for (int i = 0; i < stats->heap_count; i++)
    stats->heaps[i].marked_bytes = stats->heaps[i].after.used_bytes;
  /* The record is complete before any listener sees it (ccgc-events.h):
   * the mutator utilization too, which counts this cycle's time. */
  collector->gc_total_ms += stats->total_ms + stats->incremental_ms;
  ccgc_trace_close_window(collector, stats->start_ms, stats->total_ms, end,
                          &stats->mutator_ms, &stats->average_mu,
                          &stats->current_mu);
  /* Listeners of the pause's end read only; their time is not the pause's. */
  ccgc_collector_enter_context(collector, CCGC_CONTEXT_MARKING);
  /* Swept after the pause: sweep_end comes when sweeping completes. */
  if (!sweeping) ccgc_events_sweep_end(collector);
  ccgc_events_atomic_pause_end(collector, stats); /* V8's GC epilogue */

  collector->state = sweeping ? CCGC_STATE_SWEEPING : CCGC_STATE_IDLE;
  collector->in_atomic_pause = false;
  collector->in_collection = false;
  ccgc_collector_leave_context(collector, outer);
  atomic_store(&collector->gc_requested, false);
  atomic_store(&collector->limit_requested, false);
  collector->cycles++;
  ccgc_memory_reducer_cycle_done(collector, (int)stats->reason);
  collector->last = *stats;
  GArray *swap = collector->last_steps;
  collector->last_steps = collector->steps;
  collector->steps = swap;
  ccgc_trace_gc_emit(collector, stats);
  if (sweeping)
    ccgc_sweeper_after_pause(collector); /* sweeper threads */
  else
    ccgc_sweeper_start_clearing(collector); /* swept in the pause */

  /* Outside the collection: callbacks that may allocate. */
  collector->after_callbacks++;
  /* This cycle's record: an after-collection callback (a Finalization-
   * Registry's) may collect again, which replaces collector->last. */
  ccgc_cycle_stats record = collector->last;
  ccgc_collector_call_phase(collector, PHASE(after_collection));
  ccgc_events_cycle_end(collector, &record);
  collector->after_callbacks--;
}

ccgc_status ccgc_incremental_finish(ccgc_collector *collector) {
  if (!ccgc_collector_enter(collector, "ccgc_incremental_finish"))
    return ccgc_collector_valid(collector) ? CCGC_E_WRONG_THREAD
                                           : CCGC_E_INVALID_ARGUMENT;
  if (ccgc_collector_refuse_busy(collector, "ccgc_incremental_finish") != CCGC_OK)
    return CCGC_E_IN_COLLECTION;
  if (collector->state != CCGC_STATE_MARKING)
    return ccgc_error_set(&collector->errors, CCGC_E_IN_COLLECTION,
                          "ccgc_incremental_finish: no incremental marking in "
                          "progress (state: %s)",
                          ccgc_gc_state_name(collector->state));
  finish_cycle(collector);
  return CCGC_OK;
}

ccgc_status ccgc_collect(ccgc_collector *collector, ccgc_gc_reason reason) {
  /* A marker thread that collected would wait for itself to park. */
  if (!ccgc_collector_enter(collector, "ccgc_collect"))
    return ccgc_collector_valid(collector) ? CCGC_E_WRONG_THREAD
                                           : CCGC_E_INVALID_ARGUMENT;
  if (!known_reason(collector, reason, "ccgc_collect"))
    return CCGC_E_INVALID_ARGUMENT;
  if (ccgc_collector_refuse_busy(collector, "ccgc_collect") != CCGC_OK)
    return CCGC_E_IN_COLLECTION;
  if (refuse_during_heap_free(collector, "ccgc_collect") != CCGC_OK)
    return CCGC_E_IN_COLLECTION;
  /* V8's EnsureSweepingCompleted (.inv.marks-until-swept). */
  ccgc_collector_ensure_swept(collector);
  if (collector->state == CCGC_STATE_IDLE) start_cycle(collector, reason, false);
  finish_cycle(collector);
  return CCGC_OK;
}

/* An estimate halved below this (ms) finishes the cycle in any period. */
#define CCGC_IDLE_ESTIMATE_FLOOR_MS 1e-3

double ccgc_collector_estimate_finish_ms(ccgc_collector *collector,
                                         bool *known) {
  double estimate = ccgc_tracer_estimate_finish_ms(
      &collector->tracer, heap_bytes(collector), known);
  /* Each idle period refused with marking complete halves the estimate: an
   * outlier sample can delay finishing by a bounded number of periods, never
   * for ever (docs/collection.md "Idle time"). */
  unsigned halvings = collector->idle_refusals < 64 ? collector->idle_refusals
                                                    : 64;
  return ldexp(estimate, -(int)halvings);
}

bool ccgc_idle_notification(ccgc_collector *collector, double idle_ms) {
  if (!ccgc_collector_enter(collector, "ccgc_idle_notification") ||
      ccgc_collector_refuse_busy(collector, "ccgc_idle_notification"))
    return false;
  if (ccgc_collector_refuse_duration(collector, "ccgc_idle_notification",
                                     "idle time", idle_ms))
    return false;
  double deadline = ccgc_now_ms() + idle_ms;
  /* Sweeping left from the last cycle comes first, until the deadline. */
  if (collector->state == CCGC_STATE_SWEEPING &&
      !ccgc_collector_sweep_until(collector, idle_ms > 0 ? deadline : deadline + 1e-9))
    return false;
  if (collector->state == CCGC_STATE_IDLE) {
    if (collector->heap_frees) return false; /* no new cycle now */
    if (atomic_load(&collector->gc_requested))
      start_cycle(collector, CCGC_REASON_IDLE, true);
    else if (ccgc_memory_reducer_should_start(collector))
      start_cycle(collector, CCGC_REASON_MEMORY_REDUCER, true);
    else
      return false;
  }
  /* Mark for what fits: the rest of the idle period (or the deterministic
   * step budget); the step stops early when no grey object is left. */
  bool done = marking_step(collector, deadline - ccgc_now_ms());
  if (!done) return false;
  /* Marking is complete: finish when the finishing pause estimated from the
   * per-phase speeds and the heaps' size now fits in what is left (with no
   * speed sample yet, finish anyway). */
  bool known;
  double estimate = ccgc_collector_estimate_finish_ms(collector, &known);
  double remaining = deadline - ccgc_now_ms();
  /* Halved below a microsecond the estimate no longer refuses: periods
   * shorter than the step itself (an idle_ms of 0, 1e-4) left `remaining`
   * negative, below every halving, and the cycle marked for ever (found by
   * an audit). */
  if (!known || remaining >= estimate || estimate < CCGC_IDLE_ESTIMATE_FLOOR_MS) {
    finish_cycle(collector);
    return true;
  }
  collector->idle_refusals++;
  return false;
}
