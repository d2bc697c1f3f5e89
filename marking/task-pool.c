/* task-pool.c - persistent helper threads (task-pool.h). */
#include "task-pool.h"
#include "ccgc-heap.h" /* ccgc_on_helper_thread */

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define MAX_HELPERS 64

struct ccgc_task_pool {
  pthread_mutex_t lock;
  pthread_cond_t wake; /* a run started, or stop */
  pthread_cond_t done; /* running reached 0 */
  pthread_t threads[MAX_HELPERS];
  unsigned created;
  /* The present run: helpers 1 .. count call fn(data, index). A helper
   * takes part in each generation once. */
  unsigned long generation;
  unsigned count, running;
  unsigned taken;  /* helpers that called fn in this run */
  bool withdrawn;  /* the run's fn is not called any more (withdraw) */
  void (*fn)(void *data, unsigned index);
  void *data;
  bool stop;
};

typedef struct helper_start {
  ccgc_task_pool *pool;
  unsigned index;
  unsigned long seen; /* the generation when it was created: the next run is its first */
} helper_start;

/* Set on every pool thread for its life (ccgc_on_helper_thread). */
static _Thread_local bool on_helper_thread;

bool ccgc_on_helper_thread(void) { return on_helper_thread; }

static void *helper_main(void *arg) {
  helper_start start = *(helper_start *)arg;
  free(arg);
  on_helper_thread = true;
  ccgc_task_pool *pool = start.pool;
  unsigned long seen = start.seen;
  pthread_mutex_lock(&pool->lock);
  for (;;) {
    while (!pool->stop && pool->generation == seen)
      pthread_cond_wait(&pool->wake, &pool->lock);
    if (pool->stop) break;
    seen = pool->generation;
    /* Not in this run, or the run was withdrawn before this helper got to
     * it (ccgc_task_pool_withdraw counted it out of running). */
    if (start.index > pool->count || pool->withdrawn) continue;
    pool->taken++;
    void (*fn)(void *, unsigned) = pool->fn;
    void *data = pool->data;
    pthread_mutex_unlock(&pool->lock);
    fn(data, start.index);
    pthread_mutex_lock(&pool->lock);
    if (--pool->running == 0) pthread_cond_signal(&pool->done);
  }
  pthread_mutex_unlock(&pool->lock);
  return NULL;
}

ccgc_task_pool *ccgc_task_pool_new(void) {
  ccgc_task_pool *pool = calloc(1, sizeof *pool);
  if (!pool) return NULL;
  pthread_mutex_init(&pool->lock, NULL);
  pthread_cond_init(&pool->wake, NULL);
  pthread_cond_init(&pool->done, NULL);
  return pool;
}

unsigned ccgc_task_pool_ready(ccgc_task_pool *pool, unsigned wanted) {
  if (!pool) return 0;
  if (wanted > MAX_HELPERS) wanted = MAX_HELPERS;
  /* Only the owner creates and runs: no run is in progress here. */
  while (pool->created < wanted) {
    helper_start *start = malloc(sizeof *start);
    if (!start) break;
    *start = (helper_start){pool, pool->created + 1, pool->generation};
    if (pthread_create(&pool->threads[pool->created], NULL, helper_main,
                       start) != 0) {
      free(start);
      break;
    }
    pool->created++;
  }
  return pool->created < wanted ? pool->created : wanted;
}

void ccgc_task_pool_run(ccgc_task_pool *pool, unsigned count,
                        void (*fn)(void *data, unsigned index), void *data) {
  if (count == 0) return;
  pthread_mutex_lock(&pool->lock);
  pool->fn = fn;
  pool->data = data;
  pool->count = count;
  pool->running = count;
  pool->taken = 0;
  pool->withdrawn = false;
  pool->generation++;
  pthread_cond_broadcast(&pool->wake);
  pthread_mutex_unlock(&pool->lock);
}

void ccgc_task_pool_withdraw(ccgc_task_pool *pool) {
  if (!pool) return;
  pthread_mutex_lock(&pool->lock);
  if (!pool->withdrawn && pool->running > 0) {
    pool->withdrawn = true;
    pool->running -= pool->count - pool->taken;
    if (pool->running == 0) pthread_cond_signal(&pool->done);
  }
  pthread_mutex_unlock(&pool->lock);
}

void ccgc_task_pool_wait(ccgc_task_pool *pool) {
  if (!pool) return;
  pthread_mutex_lock(&pool->lock);
  while (pool->running) pthread_cond_wait(&pool->done, &pool->lock);
  pthread_mutex_unlock(&pool->lock);
}

void ccgc_task_pool_free(ccgc_task_pool *pool) {
  if (!pool) return;
  pthread_mutex_lock(&pool->lock);
  pool->stop = true;
  pthread_cond_broadcast(&pool->wake);
  pthread_mutex_unlock(&pool->lock);
  for (unsigned i = 0; i < pool->created; i++)
    pthread_join(pool->threads[i], NULL);
  pthread_cond_destroy(&pool->done);
  pthread_cond_destroy(&pool->wake);
  pthread_mutex_destroy(&pool->lock);
  free(pool);
}

void *ccgc_aligned_new(size_t count, size_t size) {
  if (count && size > SIZE_MAX / count) return NULL;
  size_t bytes = count * size;
  if (bytes == 0) bytes = CCGC_CACHE_LINE;
  bytes = (bytes + CCGC_CACHE_LINE - 1) & ~(size_t)(CCGC_CACHE_LINE - 1);
  void *memory = aligned_alloc(CCGC_CACHE_LINE, bytes);
  if (memory) memset(memory, 0, bytes);
  return memory;
}
