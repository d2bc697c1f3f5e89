/* bench-pause-clock.h - a pause on two clocks: wall time, and the main
 * thread's CPU time, involuntary context switches (preemptions) and page
 * faults inside it; and the longest pause of a run, named by what made it.
 *
 *   bench_pause_clock begun = bench_pause_begin();
 *   ... the call that pauses the mutator ...
 *   double ms = bench_pause_end(&longest, "atomic pause", begun);
 *
 * Wall time far above CPU time with preemptions is the machine's, not the
 * collector's; with the thread blocked instead, it waited for another
 * thread (a lock held by a descheduled helper); CPU time with many faults
 * is fresh memory being touched. */
#ifndef CCGC_TOOLS_BENCH_PAUSE_CLOCK_H
#define CCGC_TOOLS_BENCH_PAUSE_CLOCK_H

/* The calling thread's CPU time (ms), preemptions (involuntary context
 * switches), times it blocked (voluntary ones: a lock, a condition, I/O)
 * and page faults. */
typedef struct bench_thread_clock {
  double cpu_ms;
  long preempted, blocked, faults;
} bench_thread_clock;

/* When a pause began, on both clocks. */
typedef struct bench_pause_clock {
  double start; /* ccgc_time_ms() */
  bench_thread_clock thread;
} bench_pause_clock;

/* The longest pause of a run: what made it, its main-thread CPU time, the
 * preemptions, blocking waits and page faults in it. kind is a static
 * string. */
typedef struct bench_longest_pause {
  const char *kind;
  double ms, cpu_ms;
  long preempted, blocked, faults;
} bench_longest_pause;

/* No pause yet: kind "none", zeros. */
void bench_longest_pause_init(bench_longest_pause *longest);

/* Now, on both clocks. The counters are read outside the wall-clock window
 * and the CPU clock inside it, so a pause's CPU time never exceeds its wall
 * time by more than the two clocks' rates differ. */
bench_pause_clock bench_pause_begin(void);

/* The pause that began at begun ends now: returns its wall time (ms) and,
 * when it is longer than *longest, makes it the longest (kind). */
double bench_pause_end(bench_longest_pause *longest, const char *kind, bench_pause_clock begun);

#endif
