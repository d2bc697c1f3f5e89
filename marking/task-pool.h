/* task-pool.h - a small pool of persistent helper threads for the
 * collector's parallel phases (the parallel scavenger: v8ish/scavenge-task.c,
 * docs/collection.md "Minor collections"). Internal to the library.
 *
 * The threads are created lazily, the first time a phase asks for them,
 * sleep on a condition variable between phases and are joined when the pool
 * is freed (with its collector). pthread and C11 atomics only, so that
 * ThreadSanitizer sees every synchronization.
 *
 * Legal call order (one caller thread, the collector's owner):
 *   pool = ccgc_task_pool_new();
 *   n = ccgc_task_pool_ready(pool, wanted);   creates up to wanted threads
 *   ccgc_task_pool_run(pool, n, fn, data);    fn(data, 1) .. fn(data, n) start
 *   ... the caller works too ...
 *   ccgc_task_pool_withdraw(pool);            optional: no fn starts now
 *   ccgc_task_pool_wait(pool);                every fn returned
 *   ccgc_task_pool_free(pool);                threads joined
 */
#ifndef CCGC_TASK_POOL_H
#define CCGC_TASK_POOL_H

#include "ccgc.h"

typedef struct ccgc_task_pool ccgc_task_pool;

/* What each thread of a parallel phase writes for itself (a scavenge task,
 * a helper's marker) starts on a cache line of its own and fills whole
 * lines (_Alignas(CCGC_CACHE_LINE) on its first member; allocated with
 * ccgc_aligned_new): two threads' per-object counters in one line made a
 * 2-thread scavenge twice as slow whenever an unrelated allocation moved
 * the array's start (`ccgc bench scavenge`, 50 %: p50 2.3-3.1 ms or 5.5-6.1
 * ms depending on where malloc put it). */
#define CCGC_CACHE_LINE 64
/* count objects of size bytes (a multiple of CCGC_CACHE_LINE), zeroed, at
 * a CCGC_CACHE_LINE boundary; NULL if memory is short. Freed with free(). */
void *ccgc_aligned_new(size_t count, size_t size);

ccgc_task_pool *ccgc_task_pool_new(void);
/* Makes sure `wanted` helper threads exist; returns how many do (fewer if
 * the system refused a thread: the phase then runs with fewer). */
unsigned ccgc_task_pool_ready(ccgc_task_pool *pool, unsigned wanted);
/* Wakes helpers 1 .. count (count <= ccgc_task_pool_ready's answer): each
 * calls fn(data, its index) once. Returns at once. */
void ccgc_task_pool_run(ccgc_task_pool *pool, unsigned count,
                        void (*fn)(void *data, unsigned index), void *data);
/* The helpers of the last run that have not called fn yet never will (a
 * helper not scheduled yet is not waited for: the caller did the work
 * itself). Those that did are still waited for by ccgc_task_pool_wait. */
void ccgc_task_pool_withdraw(ccgc_task_pool *pool);
/* Waits until every fn of the last run returned: what they wrote happens
 * before the return. */
void ccgc_task_pool_wait(ccgc_task_pool *pool);
void ccgc_task_pool_free(ccgc_task_pool *pool);

/* The collector's pool of scavenger helpers (minor-cycle.c), created on
 * first use with no thread yet; freed with the collector. */
ccgc_task_pool *ccgc_collector_scavenge_pool(ccgc_collector *collector);

#endif /* CCGC_TASK_POOL_H */
