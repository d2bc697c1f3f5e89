/* concurrent-marker.c - marker threads (concurrent-marker.h). */
#include "concurrent-marker.h"

#include <errno.h>
#include <string.h>
#include <time.h>

#include "collector-internal.h"

#define STOP_CHECK_INTERVAL 64u
#define IDLE_WAIT_NS 200000L /* re-check the shared pools every 0.2 ms */

static void visit(ccgc_marker_thread *self, ccgc_heap_slot *slot, int id,
                  void *object) {
  ccgc_concurrent_marker *cm = self->owner;
  if (slot->ops->visit_concurrent) {
    /* The heap calls the snapshot hook itself, at its snapshot point
     * (ccgc_barrier_snapshot_point), and applies the shape protocol. */
    if (!slot->ops->visit_concurrent(slot->heap, object, &self->v.base)) return;
  } else {
    ccgc_barrier_snapshot_point(&cm->collector->barrier, object);
    if (!ccgc_mark_grey_to_black(object)) return;
    slot->ops->trace_object(slot->heap, object, &self->v.base);
  }
  self->v.marked[id]++;
  atomic_store_explicit(
      &self->visited,
      atomic_load_explicit(&self->visited, memory_order_relaxed) + 1,
      memory_order_relaxed);
}

/* Drains until no work is left anywhere or a pause is requested. Returns
 * true if it did any work. */
static bool drain(ccgc_marker_thread *self) {
  ccgc_collector *collector = self->owner->collector;
  bool any = false, progress;
  size_t count = 0;
  do {
    progress = false;
    for (int id = 0; id < collector->heap_count; id++) {
      ccgc_heap_slot *slot = &collector->heaps[id];
      if (!slot->heap) continue;
      void *object;
      while (ccgc_worklist_pop(&self->v.locals[id], &object)) {
        progress = any = true;
        visit(self, slot, id, object);
        if (++count % STOP_CHECK_INTERVAL == 0 &&
            atomic_load_explicit(&self->owner->stop, memory_order_acquire))
          return any;
      }
    }
  } while (progress);
  return any;
}

static void publish_all(ccgc_marker_thread *self) {
  for (int id = 0; id < CCGC_MAX_HEAPS; id++)
    ccgc_worklist_local_publish_all(&self->v.locals[id]);
}

static _Thread_local bool on_marker_thread;

bool ccgc_on_marker_thread(void) { return on_marker_thread; }

static void *thread_main(void *arg) {
  ccgc_marker_thread *self = arg;
  on_marker_thread = true;
  ccgc_concurrent_marker *cm = self->owner;
  int index = (int)(self - cm->threads);
  pthread_mutex_lock(&cm->lock);
  while (!cm->shutdown) {
    if (!cm->running || atomic_load(&cm->stop) || index >= cm->enabled) {
      pthread_cond_wait(&cm->wake, &cm->lock);
      continue;
    }
    cm->active++;
    pthread_mutex_unlock(&cm->lock);
    double start = ccgc_now_ms();
    bool worked = drain(self);
    publish_all(self);
    double took = ccgc_now_ms() - start;
    pthread_mutex_lock(&cm->lock);
    self->busy_ms += took;
    cm->active--;
    pthread_cond_broadcast(&cm->parked);
    if (!worked && !cm->shutdown && !atomic_load(&cm->stop)) {
      /* Nothing to steal: wait for the mutator's barrier or the main thread
       * to publish more, or for a pause. */
      struct timespec until;
      clock_gettime(CLOCK_REALTIME, &until);
      until.tv_nsec += IDLE_WAIT_NS;
      if (until.tv_nsec >= 1000000000L) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000L;
      }
      pthread_cond_timedwait(&cm->wake, &cm->lock, &until);
    }
  }
  pthread_mutex_unlock(&cm->lock);
  return NULL;
}

int ccgc_concurrent_init(ccgc_concurrent_marker *cm, ccgc_collector *collector,
                         int threads) {
  memset(cm, 0, sizeof *cm);
  cm->collector = collector;
  if (threads < 0) threads = 0;
  if (threads > CCGC_MAX_MARKER_THREADS) threads = CCGC_MAX_MARKER_THREADS;
  pthread_mutex_init(&cm->lock, NULL);
  pthread_cond_init(&cm->wake, NULL);
  pthread_cond_init(&cm->parked, NULL);
  atomic_init(&cm->stop, false);
  for (int i = 0; i < threads; i++) {
    ccgc_marker_thread *self = &cm->threads[i];
    ccgc_helper_visitor_init(&self->v, collector->worklists);
    self->owner = cm;
    if (pthread_create(&self->thread, NULL, thread_main, self) != 0) {
      ccgc_helper_visitor_destroy(&self->v);
      break;
    }
    cm->thread_count++;
  }
  cm->enabled = cm->thread_count;
  return cm->thread_count;
}

void ccgc_concurrent_destroy(ccgc_concurrent_marker *cm) {
  pthread_mutex_lock(&cm->lock);
  cm->shutdown = true;
  cm->running = false;
  atomic_store(&cm->stop, true);
  pthread_cond_broadcast(&cm->wake);
  pthread_mutex_unlock(&cm->lock);
  for (int i = 0; i < cm->thread_count; i++) {
    ccgc_marker_thread *self = &cm->threads[i];
    pthread_join(self->thread, NULL);
    ccgc_helper_visitor_destroy(&self->v);
  }
  pthread_cond_destroy(&cm->wake);
  pthread_cond_destroy(&cm->parked);
  pthread_mutex_destroy(&cm->lock);
  cm->thread_count = 0;
}

void ccgc_concurrent_set_enabled(ccgc_concurrent_marker *cm, int threads) {
  if (threads < 0) threads = 0;
  if (threads > cm->thread_count) threads = cm->thread_count;
  pthread_mutex_lock(&cm->lock);
  cm->enabled = threads;
  pthread_mutex_unlock(&cm->lock);
}

void ccgc_concurrent_resume(ccgc_concurrent_marker *cm) {
  /* No thread takes part this cycle: marking stays the owner's alone, so
   * its mark updates stay plain (marker.c refresh_exclusive). */
  if (cm->thread_count == 0 || cm->enabled == 0) return;
  pthread_mutex_lock(&cm->lock);
  cm->running = true;
  atomic_store(&cm->stop, false);
  pthread_cond_broadcast(&cm->wake);
  pthread_mutex_unlock(&cm->lock);
}

void ccgc_concurrent_pause(ccgc_concurrent_marker *cm) {
  if (cm->thread_count == 0) return;
  pthread_mutex_lock(&cm->lock);
  atomic_store(&cm->stop, true);
  while (cm->active > 0) pthread_cond_wait(&cm->parked, &cm->lock);
  pthread_mutex_unlock(&cm->lock);
}

void ccgc_concurrent_merge(ccgc_concurrent_marker *cm, ccgc_marker *marker) {
  pthread_mutex_lock(&cm->lock);
  cm->running = false;
  for (int i = 0; i < cm->thread_count; i++)
    ccgc_helper_visitor_merge(&cm->threads[i].v, marker);
  pthread_mutex_unlock(&cm->lock);
}

double ccgc_concurrent_take_busy_ms(ccgc_concurrent_marker *cm) {
  double total = 0;
  pthread_mutex_lock(&cm->lock);
  for (int i = 0; i < cm->thread_count; i++) {
    total += cm->threads[i].busy_ms;
    cm->threads[i].busy_ms = 0;
  }
  pthread_mutex_unlock(&cm->lock);
  return total;
}

size_t ccgc_concurrent_visited(const ccgc_concurrent_marker *cm) {
  size_t total = 0;
  for (int i = 0; i < cm->thread_count; i++)
    total += atomic_load_explicit(&cm->threads[i].visited, memory_order_relaxed);
  return total;
}

size_t ccgc_concurrent_take_visited(ccgc_concurrent_marker *cm) {
  size_t total = ccgc_concurrent_visited(cm);
  for (int i = 0; i < cm->thread_count; i++)
    atomic_store_explicit(&cm->threads[i].visited, 0, memory_order_relaxed);
  return total;
}

bool ccgc_concurrent_idle(ccgc_concurrent_marker *cm) {
  if (cm->thread_count == 0) return true;
  pthread_mutex_lock(&cm->lock);
  bool idle = cm->active == 0;
  pthread_mutex_unlock(&cm->lock);
  return idle;
}
