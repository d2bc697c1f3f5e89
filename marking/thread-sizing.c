/* thread-sizing.c - helper-thread counts per cycle (thread-sizing.h). */
#include "thread-sizing.h"

#include <math.h>

int ccgc_thread_sizing_pause(double work_bytes, double bytes_per_thread,
                             int max_threads) {
  if (max_threads <= 0 || !(work_bytes > 0) || !(bytes_per_thread > 0))
    return 0;
  double by_size = floor(work_bytes / bytes_per_thread);
  return by_size < max_threads ? (int)by_size : max_threads;
}

int ccgc_thread_sizing(const ccgc_sizing_input *in) {
  int count = ccgc_thread_sizing_pause(in->work_bytes, in->bytes_per_thread,
                                       in->max_threads);
  double by_rate = 1;
  if (in->allocation_rate > 0 && in->speed > 0 && in->budget_bytes > 0) {
    /* ms of work on one thread over ms until the budget is allocated */
    double work_ms = in->work_bytes / in->speed;
    double time_ms = in->budget_bytes / in->allocation_rate;
    by_rate = ceil(work_ms / time_ms);
    if (!(by_rate >= 1)) by_rate = 1;
  }
  return by_rate < count ? (int)by_rate : count;
}
