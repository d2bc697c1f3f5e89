/* bench-pause-clock.c - pauses on the wall clock and the thread's clocks
 * (bench-pause-clock.h). */
#define _GNU_SOURCE /* RUSAGE_THREAD */
#include "bench-pause-clock.h"

#include <sys/resource.h>
#include <time.h>

#include "ccgc.h"

static double thread_cpu_ms(void) {
  struct timespec ts;
  if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) != 0) return 0;
  return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void thread_counters(bench_thread_clock *now) {
  struct rusage usage;
  if (getrusage(RUSAGE_THREAD, &usage) == 0) {
    now->preempted = usage.ru_nivcsw;
    now->blocked = usage.ru_nvcsw;
    now->faults = usage.ru_minflt + usage.ru_majflt;
  }
}

void bench_longest_pause_init(bench_longest_pause *longest) {
  *longest = (bench_longest_pause){"none", 0, 0, 0, 0, 0};
}

bench_pause_clock bench_pause_begin(void) {
  bench_pause_clock clock = {0, {0, 0, 0, 0}};
  thread_counters(&clock.thread);
  clock.start = ccgc_time_ms();
  clock.thread.cpu_ms = thread_cpu_ms();
  return clock;
}

double bench_pause_end(bench_longest_pause *longest, const char *kind, bench_pause_clock begun) {
  bench_thread_clock now = {thread_cpu_ms(), 0, 0, 0};
  double pause = ccgc_time_ms() - begun.start;
  thread_counters(&now);
  if (pause > longest->ms)
    *longest = (bench_longest_pause){kind, pause, now.cpu_ms - begun.thread.cpu_ms,
                                     now.preempted - begun.thread.preempted,
                                     now.blocked - begun.thread.blocked,
                                     now.faults - begun.thread.faults};
  return pause;
}
