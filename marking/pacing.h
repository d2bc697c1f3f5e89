/* pacing.h - automatic incremental collection
 * (ccgc_collector_options.incremental_marking, docs/collection.md
 * "Pacing"): a heap's soft limit starts an incremental cycle at the next
 * safepoint instead of a stop-the-world collection, allocation-driven
 * steps are sized so that marking finishes before the cycle's allocation
 * budget is spent, and the safepoint after marking completes (or after the
 * budget ran out) runs the atomic pause. Internal to the library; owner
 * thread only.
 *
 * The budget: the bytes the heaps may hand out to their old generations
 * while marking runs (nursery pages do not count:
 * ccgc_collector_notify_young_allocation), half of the heaps' used bytes
 * when the cycle starts (at least CCGC_PACING_MIN_BUDGET), at most half of
 * the smallest headroom to a heap's hard limit. The work: with marker
 * threads, the objects the last cycle marked times CCGC_PACING_LIVE_GROWTH
 * (growing with the visits once they pass it), at most the heaps' objects
 * when the cycle starts; the owner alone, or the first cycle: those objects
 * (an upper bound of what is live). Each step (every incremental_step_bytes of
 * allocation) marks the work left over the steps left before the budget is
 * spent, but no more than a schedule asks, as V8's ScheduleBytesToMark
 * does: by the next step the objects visited should be the share of the
 * work that the share of the budget spent by then is. At least
 * CCGC_PACING_MIN_STEP_OBJECTS objects, for at most CCGC_PACING_MAX_STEP_MS
 * (a step is a pause of the host; docs/scheduling.md "Pacing").
 * Marker threads mark beside the steps: the objects they visited count as
 * visited, so while they keep ahead of the schedule the owner's steps mark
 * the minimum only, and when they fall behind a step marks the even share
 * (never a catch-up: a step is a pause). */
#ifndef CCGC_PACING_H
#define CCGC_PACING_H

#include <stdbool.h>
#include <stddef.h>

#define CCGC_PACING_MIN_BUDGET ((double)8 * 1024 * 1024)
#define CCGC_PACING_MIN_STEP_OBJECTS 64
#define CCGC_PACING_MAX_STEP_MS 2.0
/* The work estimate's margin over the last cycle's live objects. */
#define CCGC_PACING_LIVE_GROWTH 1.25

typedef struct ccgc_pacing {
  bool automatic;       /* options.incremental_marking */
  double budget_bytes;  /* allocation allowed while this cycle marks */
  double allocated;     /* bytes handed out since it started */
  double work_objects;  /* objects it expects to visit (pacing_start) */
  bool finish_requested; /* marking complete or budget spent: next safepoint */
} ccgc_pacing;

struct ccgc_collector;

/* An automatic cycle just started (roots marked): budget and work. */
void ccgc_pacing_start(struct ccgc_collector *collector);
/* The objects a paced step marks, given the objects visited so far by the
 * owner's steps and the marker threads (pure: tested alone). */
double ccgc_pacing_step_objects(const ccgc_pacing *pacing, double visited,
                                size_t step_bytes);
/* Allocation crossed incremental_step_bytes while marking: one paced step.
 * When it finds marking complete, or the budget is spent, the next
 * safepoint finishes the cycle. */
void ccgc_pacing_step(struct ccgc_collector *collector);
/* ccgc_collector_safepoint with automatic incremental collection. */
bool ccgc_pacing_safepoint(struct ccgc_collector *collector);

#endif /* CCGC_PACING_H */
