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
  /* The work. With marker threads: the objects the last cycle found live,
   * with room for the live set to have grown (CCGC_PACING_LIVE_GROWTH), at
   * most every object: counting every object, the dead included, made
   * marker threads that had marked everything live look behind the
   * schedule, and the owner's steps marked beside them. The owner alone
   * (and the first cycle) takes every object, an upper bound, so that its
   * steps finish marking within the budget however much the live set grew
   * (with threads, a live set that outgrew the estimate is marked by them
   * and, should the budget run out first, by the atomic pause). */
  pacing->work_objects = objects;
  if (collector->cycles && collector->concurrent.enabled > 0 &&
      collector->concurrent.thread_count > 0) {
    double live = 0;
    for (int i = 0; i < collector->last.heap_count; i++)
      live += (double)collector->last.heaps[i].marked_objects;
    double estimate = live * CCGC_PACING_LIVE_GROWTH;
    if (estimate < objects) pacing->work_objects = estimate;
  }
  pacing->finish_requested = false;
}

double ccgc_pacing_step_objects(const ccgc_pacing *pacing, double visited,
                                size_t step_bytes) {
  /* The even share: the work left over the steps left before the budget
   * is spent. Past the estimate with marking not complete, the live set
   * grew: the work is what has been visited and a share more. */
  double work = pacing->work_objects;
  if (visited >= work) work = visited * CCGC_PACING_LIVE_GROWTH;
  double left = work - visited;
  double steps_left =
      floor((pacing->budget_bytes - pacing->allocated) / (double)step_bytes);
  if (steps_left < 1) steps_left = 1;
  double objects = ceil(left / steps_left);
  /* The schedule (V8's ScheduleBytesToMark): by the next step, the share of
   * the work that the share of the budget spent by then is. Marker threads
   * ahead of it leave the step the minimum (which still finds marking
   * complete); behind it, the step marks the even share, never a catch-up
   * (a step is a pause). Without marker threads (visited never ahead of
   * the schedule) the step marks the even share. */
  double spent = (pacing->allocated + (double)step_bytes) / pacing->budget_bytes;
  if (spent > 1) spent = 1;
  double behind = ceil(work * spent - visited);
  if (behind < objects) objects = behind;
  if (!(objects >= CCGC_PACING_MIN_STEP_OBJECTS))
    objects = CCGC_PACING_MIN_STEP_OBJECTS;
  return objects;
}

void ccgc_pacing_step(ccgc_collector *collector) {
  ccgc_pacing *pacing = &collector->pacing;
  size_t step_bytes =
      collector->step_bytes ? collector->step_bytes : CCGC_DEFAULT_STEP_BYTES;
  pacing->allocated += collector->old_since_step;
  double visited = (double)collector->step_objects_visited +
                   (double)ccgc_concurrent_visited(&collector->concurrent);
  double objects = ccgc_pacing_step_objects(pacing, visited, step_bytes);
  bool done = ccgc_collector_marking_step(collector, CCGC_PACING_MAX_STEP_MS,
                                          (size_t)objects);
  if (done || pacing->allocated >= pacing->budget_bytes) {
    pacing->finish_requested = true;
    ccgc_collector_poll_set(collector);
  }
}

bool ccgc_pacing_safepoint(ccgc_collector *collector) {
  ccgc_pacing *pacing = &collector->pacing;
  /* An allocation failed at a hard limit: a whole collection now, as the
   * host retries (steps come from allocations, which fail). */
  if (atomic_load(&collector->limit_requested)) {
    atomic_store(&collector->gc_requested, false);
    if (collector->state == CCGC_STATE_MARKING)
      return ccgc_incremental_finish(collector) == CCGC_OK;
    return ccgc_collect(collector, CCGC_REASON_ALLOCATION_LIMIT) == CCGC_OK;
  }
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
