/* heap-controller.c - the growing policy (heap-controller.h). */
#include "heap-controller.h"

#include <math.h>
#include <stdint.h>

double ccgc_heap_growing_factor(double gc_speed, double mutator_speed,
                                double max_factor) {
  if (!(max_factor >= CCGC_MIN_GROWING_FACTOR)) max_factor = CCGC_MAX_GROWING_FACTOR;
  if (!(gc_speed > 0) || !(mutator_speed > 0) || !isfinite(gc_speed) ||
      !isfinite(mutator_speed))
    return max_factor;
  const double target = CCGC_TARGET_MUTATOR_UTILIZATION;
  double ratio = gc_speed / mutator_speed;
  double a = ratio * (1 - target);
  double b = a - target;
  /* a / b, when b is large enough that the quotient stays below the
   * maximum (b <= 0: the collector cannot keep up, grow the most). */
  double factor = a < b * max_factor ? a / b : max_factor;
  if (factor > max_factor) factor = max_factor;
  if (factor < CCGC_MIN_GROWING_FACTOR) factor = CCGC_MIN_GROWING_FACTOR;
  return factor;
}

double ccgc_heap_concurrency_floor(double mutator_speed, double cycle_wall_ms,
                                   size_t live) {
  if (!(mutator_speed > 0) || !(cycle_wall_ms > 0) || live == 0 ||
      !isfinite(mutator_speed) || !isfinite(cycle_wall_ms))
    return 0;
  return 1 + mutator_speed * cycle_wall_ms / (double)live;
}

double ccgc_heap_choose_factor(double gc_speed, double mutator_speed,
                               double cycle_wall_ms, size_t live,
                               double max_factor) {
  if (!(max_factor >= CCGC_MIN_GROWING_FACTOR)) max_factor = CCGC_MAX_GROWING_FACTOR;
  double factor = ccgc_heap_growing_factor(gc_speed, mutator_speed, max_factor);
  double floor = ccgc_heap_concurrency_floor(mutator_speed, cycle_wall_ms, live);
  if (floor > factor) factor = floor < max_factor ? floor : max_factor;
  return factor;
}

size_t ccgc_heap_next_soft_limit(size_t live, size_t committed, double factor,
                                 size_t floor, size_t hard_limit) {
  double grow = (double)live * (factor - 1);
  size_t step = grow > (double)CCGC_MIN_GROWING_STEP
                    ? (grow < (double)SIZE_MAX / 2 ? (size_t)grow : SIZE_MAX / 2)
                    : CCGC_MIN_GROWING_STEP;
  size_t limit = live > SIZE_MAX - step ? SIZE_MAX : live + step;
  /* Allocation fills the free space of committed pages before it maps
   * more, so allowing half the headroom keeps the committed bytes at most
   * halfway to the hard limit when the collection is requested. */
  if (hard_limit) {
    size_t headroom = committed < hard_limit ? (hard_limit - committed) / 2 : 0;
    size_t most = live > SIZE_MAX - headroom ? SIZE_MAX : live + headroom;
    if (limit > most) limit = most;
  }
  return limit > floor ? limit : floor;
}
