/* concurrent-marker.h - helper threads that drain the shared worklists of
 * both heaps while the host runs (docs/concurrent-marking.md).
 *
 * Legal call order (collector-internal, driven by cycle.c):
 *   ccgc_concurrent_init(cm, collector, threads)     at collector creation
 *   ccgc_concurrent_set_enabled(cm, n)  before a cycle: n threads take part
 *   ccgc_concurrent_resume(cm)      a cycle's marking starts: threads work
 *   ccgc_concurrent_pause(cm)       safepoint: returns when every thread has
 *                                   published its work and parked
 *   ccgc_concurrent_merge(cm, m)    (paused) weak slots, ephemerons, weak
 *                                   callbacks, counts
 *                                   move into the main marker
 *   ccgc_concurrent_destroy(cm)     joins the threads
 * Synchronization is pthread mutexes/condition variables and C11 atomics, so
 * ThreadSanitizer sees all of it.
 */
#ifndef CCGC_CONCURRENT_MARKER_H
#define CCGC_CONCURRENT_MARKER_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

#include "helper-visitor.h"
#include "marker.h"
#include "task-pool.h"

#define CCGC_MAX_MARKER_THREADS 8

struct ccgc_collector;
typedef struct ccgc_concurrent_marker ccgc_concurrent_marker;

typedef struct ccgc_marker_thread {
  ccgc_helper_visitor v; /* first: its visitor, worklists, finds */
  ccgc_concurrent_marker *owner;
  pthread_t thread;
  /* Objects this thread visited since the last take: written by the
   * thread alone (a relaxed load and store, no locked instruction), read by
   * the owner while marking runs (pacing), reset in the pause. */
  _Atomic size_t visited;
  double busy_ms;      /* time spent draining, this cycle */
  /* A line between this thread's counter (written per object) and the next
   * thread's worklist views (or the pool's stop flag, which every thread
   * polls): no two threads write one line (task-pool.h). */
  char gap[CCGC_CACHE_LINE];
} ccgc_marker_thread;

struct ccgc_concurrent_marker {
  struct ccgc_collector *collector;
  int thread_count;
  ccgc_marker_thread threads[CCGC_MAX_MARKER_THREADS];
  pthread_mutex_t lock;
  pthread_cond_t wake;   /* threads wait here for work / resume */
  pthread_cond_t parked; /* pause waits here for active == 0 */
  _Atomic bool stop;     /* pause requested: leave the drain loop */
  bool running;          /* a cycle's marking is on */
  bool shutdown;
  int active;            /* threads inside a drain */
  /* Threads that work this cycle (the first `enabled`; the rest wait):
   * thread_count, or fewer when the collector sizes them
   * (ccgc_concurrent_set_enabled). Changed only while no cycle marks. */
  int enabled;
};

int ccgc_concurrent_init(ccgc_concurrent_marker *cm,
                         struct ccgc_collector *collector, int threads);
void ccgc_concurrent_destroy(ccgc_concurrent_marker *cm);
/* How many threads the next cycle's marking uses (clamped to 0 ..
 * thread_count); 0: the owner marks alone, no thread is woken. Only between
 * cycles (before the resume that starts a cycle's marking). */
void ccgc_concurrent_set_enabled(ccgc_concurrent_marker *cm, int threads);
void ccgc_concurrent_resume(ccgc_concurrent_marker *cm);
void ccgc_concurrent_pause(ccgc_concurrent_marker *cm);
void ccgc_concurrent_merge(ccgc_concurrent_marker *cm, ccgc_marker *marker);
/* True when no marker thread is inside a drain (a hint while running). */
bool ccgc_concurrent_idle(ccgc_concurrent_marker *cm);
/* Sum of the threads' busy time this cycle, then reset. */
double ccgc_concurrent_take_busy_ms(ccgc_concurrent_marker *cm);
/* Objects the threads visited since the last take (owner, any time: a
 * snapshot while they run). */
size_t ccgc_concurrent_visited(const ccgc_concurrent_marker *cm);
/* The same, then reset to zero: only while the threads are parked
 * (ccgc_concurrent_pause). */
size_t ccgc_concurrent_take_visited(ccgc_concurrent_marker *cm);

#endif /* CCGC_CONCURRENT_MARKER_H */
