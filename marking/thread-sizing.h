/* thread-sizing.h - how many of the host's helper threads a cycle's
 * concurrent marking and its concurrent sweeping use, when the host lets the
 * collector choose (ccgc_collector_options.adaptive_threads;
 * docs/collection.md "Helper threads"). Internal to the library; pure
 * arithmetic.
 *
 * V8 sizes its concurrent marking and sweeping jobs by the work left
 * (JobTask::GetMaxConcurrency); ccgc decides once per cycle, from the heap
 * size and the allocation rate, at most the host's count:
 *
 *   by size   one helper per bytes_per_thread of work, rounded down: a
 *             heap smaller than that gets none (waking a thread costs more
 *             than it saves)
 *   by rate   the helpers needed for the work to be done, at the measured
 *             speed of one thread, before the mutator allocates the
 *             cycle's budget at its measured rate (at least 1; 1 when
 *             either is not measured yet)
 *   count     min(host maximum, by size, by rate)
 */
#ifndef CCGC_THREAD_SIZING_H
#define CCGC_THREAD_SIZING_H

/* Marking: a helper per 4 MiB of heap objects. */
#define CCGC_SIZING_MARK_BYTES ((double)4 * 1024 * 1024)
/* Sweeping: a helper per 16 MiB of committed pages to sweep. */
#define CCGC_SIZING_SWEEP_BYTES ((double)16 * 1024 * 1024)
/* Scavenges: a helper per 512 KiB the last scavenge copied (survivors and
 * promotions). Measured on this 2-core machine (`ccgc bench scavenge`, 8 MiB
 * nursery, p50): a helper costs a scavenge that copies 0.09 MB more than it
 * gains (0.114 against 0.076 ms: waking it), and shortens one that copies
 * 0.82 MB (0.55 against 0.69 ms) or 4 MB (2.8 against 4.1 ms). */
#define CCGC_SIZING_SCAVENGE_BYTES ((double)512 * 1024)

typedef struct ccgc_sizing_input {
  double work_bytes;       /* bytes to mark (heap objects) or to sweep    */
  double budget_bytes;     /* bytes the mutator may allocate meanwhile    */
  double allocation_rate;  /* bytes per ms the mutator allocates; 0: unknown */
  double speed;            /* bytes per ms one thread processes; 0: unknown */
  double bytes_per_thread; /* CCGC_SIZING_MARK_BYTES or _SWEEP_BYTES       */
  int max_threads;         /* the host's count                           */
} ccgc_sizing_input;

/* The helper threads to use, 0 to max_threads. */
int ccgc_thread_sizing(const ccgc_sizing_input *in);

/* For work done in a pause (a scavenge: the mutator is stopped, no rate
 * applies): by size alone, min(max_threads, floor(work / bytes_per_thread)). */
int ccgc_thread_sizing_pause(double work_bytes, double bytes_per_thread,
                             int max_threads);

#endif /* CCGC_THREAD_SIZING_H */
