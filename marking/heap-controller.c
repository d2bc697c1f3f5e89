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

size_t ccgc_heap_next_soft_limit(size_t live, size_t committed, double factor,
                                 size_t floor, size_t hard_limit) {
  double grow = (double)live * (factor - 1);
  size_t step = grow > (double)CCGC_MIN_GROWING_STEP
                    ? (grow < (double)SIZE_MAX / 2 ? (size_t)grow : SIZE_MAX / 2)
                    : CCGC_MIN_GROWING_STEP;
  size_t limit = committed > SIZE_MAX - step ? SIZE_MAX : committed + step;
  if (hard_limit && committed < hard_limit) {
    size_t halfway = committed + (hard_limit - committed) / 2;
    if (limit > halfway) limit = halfway;
  }
  return limit > floor ? limit : floor;
}
