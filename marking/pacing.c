/* pacing.c - automatic incremental collection and its step sizes
 * (pacing.h). */
#include "pacing.h"

#include <math.h>
#include <stdint.h>

#include "collector-internal.h"

void ccgc_pacing_start(ccgc_collector *collector) {
  ccgc_pacing *pacing = &collector->pacing;
  ccgc_heap_totals sums;
  ccgc_collector_heap_totals(collector, &sums);
  double used = (double)sums.used_bytes, objects = (double)sums.object_count;
  double headroom = sums.headroom_bytes == SIZE_MAX ? INFINITY
                                                    : (double)sums.headroom_bytes;
  double budget = used / 2;
  if (budget < CCGC_PACING_MIN_BUDGET) budget = CCGC_PACING_MIN_BUDGET;
  if (budget > headroom / 2) budget = headroom / 2;
  pacing->budget_bytes = budget;
  pacing->allocated = 0;
  pacing->work_objects = objects;
  pacing->finish_requested = false;
}

void ccgc_pacing_step(ccgc_collector *collector) {
  ccgc_pacing *pacing = &collector->pacing;
  size_t step_bytes =
      collector->step_bytes ? collector->step_bytes : CCGC_DEFAULT_STEP_BYTES;
  pacing->allocated += collector->allocated_since_step;
  /* The work left: the owner's steps and the marker threads both count
   * (V8 subtracts concurrently marked bytes from its step size too), so
   * with marker threads the owner marks only what they do not. */
  double left = pacing->work_objects -
                (double)collector->step_objects_visited -
                (double)ccgc_concurrent_visited(&collector->concurrent);
  double steps_left =
      floor((pacing->budget_bytes - pacing->allocated) / (double)step_bytes);
  if (steps_left < 1) steps_left = 1;
  double objects = ceil(left / steps_left);
  if (objects < CCGC_PACING_MIN_STEP_OBJECTS)
    objects = CCGC_PACING_MIN_STEP_OBJECTS;
  bool done = ccgc_collector_marking_step(collector, CCGC_PACING_MAX_STEP_MS,
                                          (size_t)objects);
  if (done || pacing->allocated >= pacing->budget_bytes)
    pacing->finish_requested = true;
}

bool ccgc_pacing_safepoint(ccgc_collector *collector) {
  ccgc_pacing *pacing = &collector->pacing;
  if (collector->state == CCGC_STATE_MARKING) {
    /* The heaps keep asking while they grow past their soft limits: the
     * cycle in progress answers them. */
    atomic_store(&collector->gc_requested, false);
    if (pacing->finish_requested)
      return ccgc_incremental_finish(collector) == CCGC_OK;
  } else if (atomic_load(&collector->gc_requested)) {
    /* Idle, or sweeping the last cycle (ccgc_incremental_start finishes
     * that first). */
    ccgc_gc_reason reason = collector->requested_reason;
    atomic_store(&collector->gc_requested, false);
    if (ccgc_incremental_start(collector, reason) != CCGC_OK) return false;
    return true;
  }
  if (atomic_load(&collector->minor_requested))
    return ccgc_collect_minor(collector, CCGC_REASON_ALLOCATION_FAILURE) ==
           CCGC_OK;
  return false;
}
