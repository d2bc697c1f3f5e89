/* worklist.c - slow paths of the segmented worklist (worklist.h). */
#include "worklist.h"

#include <stdio.h>
#include <stdlib.h>

static ccgc_segment *segment_alloc(void) {
  ccgc_segment *segment = malloc(sizeof *segment);
  if (!segment) {
    /* Marking cannot continue without room for grey objects, and dropping one
     * would free a live object: fail loudly rather than corrupt the heap. */
    fprintf(stderr, "ccgc: out of memory for a marking worklist segment\n");
    abort();
  }
  segment->next = NULL;
  segment->count = 0;
  return segment;
}

/* A segment for the views of worklist: a spare one from its cache, or a
 * new one. */
static ccgc_segment *segment_new_for(ccgc_worklist *worklist) {
  ccgc_segment_cache *cache = worklist ? worklist->cache : NULL;
  if (cache) {
    pthread_mutex_lock(&cache->lock);
    ccgc_segment *segment = cache->head;
    if (segment) {
      cache->head = segment->next;
      cache->count--;
    }
    pthread_mutex_unlock(&cache->lock);
    if (segment) {
      segment->next = NULL;
      segment->count = 0;
      return segment;
    }
  }
  return segment_alloc();
}

static void segment_free_for(ccgc_worklist *worklist, ccgc_segment *segment) {
  ccgc_segment_cache *cache = worklist ? worklist->cache : NULL;
  if (cache && segment) {
    pthread_mutex_lock(&cache->lock);
    bool kept = cache->count < CCGC_SEGMENT_CACHE_MAX;
    if (kept) {
      segment->next = cache->head;
      cache->head = segment;
      cache->count++;
    }
    pthread_mutex_unlock(&cache->lock);
    if (kept) return;
  }
  free(segment);
}

void ccgc_segment_cache_init(ccgc_segment_cache *cache) {
  pthread_mutex_init(&cache->lock, NULL);
  cache->head = NULL;
  cache->count = 0;
}

void ccgc_segment_cache_destroy(ccgc_segment_cache *cache) {
  for (ccgc_segment *segment = cache->head, *next; segment; segment = next) {
    next = segment->next;
    free(segment);
  }
  cache->head = NULL;
  cache->count = 0;
  pthread_mutex_destroy(&cache->lock);
}

void ccgc_worklist_init(ccgc_worklist *worklist) {
  pthread_mutex_init(&worklist->lock, NULL);
  worklist->head = NULL;
  atomic_init(&worklist->segments, 0);
  worklist->cache = NULL;
}

void ccgc_worklist_init_cached(ccgc_worklist *worklist, ccgc_segment_cache *cache) {
  ccgc_worklist_init(worklist);
  worklist->cache = cache;
}

void ccgc_worklist_clear(ccgc_worklist *worklist) {
  pthread_mutex_lock(&worklist->lock);
  ccgc_segment *segment = worklist->head;
  worklist->head = NULL;
  atomic_store_explicit(&worklist->segments, 0, memory_order_relaxed);
  pthread_mutex_unlock(&worklist->lock);
  while (segment) {
    ccgc_segment *next = segment->next;
    segment_free_for(worklist, segment);
    segment = next;
  }
}

void ccgc_worklist_destroy(ccgc_worklist *worklist) {
  ccgc_worklist_clear(worklist);
  pthread_mutex_destroy(&worklist->lock);
}

bool ccgc_worklist_is_empty(ccgc_worklist *worklist) {
  return atomic_load_explicit(&worklist->segments, memory_order_acquire) == 0;
}

static void publish_segment(ccgc_worklist *worklist, ccgc_segment *segment) {
  pthread_mutex_lock(&worklist->lock);
  segment->next = worklist->head;
  worklist->head = segment;
  atomic_fetch_add_explicit(&worklist->segments, 1, memory_order_release);
  pthread_mutex_unlock(&worklist->lock);
}

static ccgc_segment *steal_segment(ccgc_worklist *worklist) {
  if (ccgc_worklist_is_empty(worklist)) return NULL;
  pthread_mutex_lock(&worklist->lock);
  ccgc_segment *segment = worklist->head;
  if (segment) {
    worklist->head = segment->next;
    atomic_fetch_sub_explicit(&worklist->segments, 1, memory_order_release);
  }
  pthread_mutex_unlock(&worklist->lock);
  return segment;
}

void ccgc_worklist_local_init(ccgc_worklist_local *local,
                              ccgc_worklist *shared) {
  local->shared = shared;
  local->push_segment = segment_new_for(shared);
  local->pop_segment = segment_new_for(shared);
}

void ccgc_worklist_local_destroy(ccgc_worklist_local *local) {
  segment_free_for(local->shared, local->push_segment);
  segment_free_for(local->shared, local->pop_segment);
  local->push_segment = local->pop_segment = NULL;
}

void ccgc_worklist_local_clear(ccgc_worklist_local *local) {
  local->push_segment->count = 0;
  local->pop_segment->count = 0;
}

void ccgc_worklist_local_publish(ccgc_worklist_local *local) {
  if (local->push_segment->count == 0) return;
  publish_segment(local->shared, local->push_segment);
  local->push_segment = segment_new_for(local->shared);
}

void ccgc_worklist_local_publish_all(ccgc_worklist_local *local) {
  ccgc_worklist_local_publish(local);
  if (local->pop_segment->count == 0) return;
  publish_segment(local->shared, local->pop_segment);
  local->pop_segment = segment_new_for(local->shared);
}

bool ccgc_worklist_local_is_empty(const ccgc_worklist_local *local) {
  return local->push_segment->count == 0 && local->pop_segment->count == 0;
}

void ccgc_worklist_push_slow(ccgc_worklist_local *local, void *entry) {
  publish_segment(local->shared, local->push_segment);
  local->push_segment = segment_new_for(local->shared);
  local->push_segment->entries[local->push_segment->count++] = entry;
}

bool ccgc_worklist_pop_slow(ccgc_worklist_local *local, void **entry) {
  if (local->push_segment->count > 0) {
    /* Swap: the (empty) pop segment becomes the push segment. */
    ccgc_segment *empty = local->pop_segment;
    local->pop_segment = local->push_segment;
    local->push_segment = empty;
  } else {
    /* A published segment may be empty: a minor collection dropped its
     * entries (ccgc_worklist_relocate). */
    do {
      ccgc_segment *stolen = steal_segment(local->shared);
      if (!stolen) return false;
      segment_free_for(local->shared, local->pop_segment);
      local->pop_segment = stolen;
    } while (local->pop_segment->count == 0);
  }
  *entry = local->pop_segment->entries[--local->pop_segment->count];
  return true;
}

/* Rewrites the entries of one segment; entries mapped to NULL go. */
static void relocate_segment(ccgc_segment *segment,
                             void *(*relocate)(void *, void *), void *data) {
  size_t kept = 0;
  for (size_t i = 0; i < segment->count; i++) {
    void *moved = relocate(segment->entries[i], data);
    if (moved) segment->entries[kept++] = moved;
  }
  segment->count = kept;
}

void ccgc_worklist_relocate(ccgc_worklist *worklist,
                            void *(*relocate)(void *, void *), void *data) {
  /* Only with every thread of the worklist stopped: no lock contention, but
   * the lock orders this with the threads' last publish. Empty segments stay
   * (a pop finds them empty and takes the next). */
  pthread_mutex_lock(&worklist->lock);
  for (ccgc_segment *segment = worklist->head; segment;
       segment = segment->next)
    relocate_segment(segment, relocate, data);
  pthread_mutex_unlock(&worklist->lock);
}

void ccgc_worklist_local_relocate(ccgc_worklist_local *local,
                                  void *(*relocate)(void *, void *),
                                  void *data) {
  if (local->push_segment) relocate_segment(local->push_segment, relocate, data);
  if (local->pop_segment) relocate_segment(local->pop_segment, relocate, data);
}
