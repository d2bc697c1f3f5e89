/* worklist.c - slow paths of the segmented worklist (worklist.h). */
#include "worklist.h"

#include <stdio.h>
#include <stdlib.h>

/* The placeholders of a view without segments of its own (from
 * ccgc_worklist_local_init, after a publish, or when no segment could be
 * had):
 * the push one looks full and the pop one empty, so the inline fast paths
 * send every push and pop here and never write either. */
static ccgc_segment full_placeholder = {.next = NULL,
                                        .count = CCGC_SEGMENT_CAPACITY};
static ccgc_segment empty_placeholder = {.next = NULL, .count = 0};

static inline bool is_placeholder(const ccgc_segment *segment) {
  return segment == &full_placeholder || segment == &empty_placeholder;
}

/* Entries in a view's push segment (a placeholder holds none). */
static inline size_t push_count(const ccgc_worklist_local *local) {
  return local->push_segment == &full_placeholder ? 0
                                                  : local->push_segment->count;
}

/* A new segment, or NULL when the worklist drops entries and none can be
 * had (malloc refused, or the testing budget is spent). */
static ccgc_segment *segment_alloc(ccgc_worklist *worklist) {
  ccgc_worklist_overflow *overflow = worklist ? worklist->overflow : NULL;
  if (overflow) {
    size_t limit = atomic_load_explicit(&overflow->limit, memory_order_relaxed);
    size_t live =
        atomic_fetch_add_explicit(&overflow->live, 1, memory_order_relaxed);
    if (limit && live >= limit) {
      atomic_fetch_sub_explicit(&overflow->live, 1, memory_order_relaxed);
      return NULL;
    }
  }
  ccgc_segment *segment = malloc(sizeof *segment);
  if (!segment) {
    if (overflow) {
      atomic_fetch_sub_explicit(&overflow->live, 1, memory_order_relaxed);
      return NULL;
    }
    /* A worklist whose entries cannot be found again (a scavenge's): fail
     * loudly rather than lose a live object (docs/errors.md). */
    fprintf(stderr, "ccgc: out of memory for a worklist segment\n");
    abort();
  }
  segment->next = NULL;
  segment->count = 0;
  return segment;
}

/* An entry found no room: it is dropped, and the owner's marker will find
 * it again by walking the heaps (.inv.grey-on-worklist). */
static void drop_entry(ccgc_worklist *worklist) {
  ccgc_worklist_overflow *overflow = worklist->overflow;
  atomic_fetch_add_explicit(&overflow->dropped, 1, memory_order_relaxed);
  /* A read-modify-write: the walk's acquire then sees every dropper's
   * marks, not only the last one's (a release sequence). */
  atomic_exchange_explicit(&overflow->overflowed, true, memory_order_acq_rel);
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
  return segment_alloc(worklist);
}

static void segment_free_for(ccgc_worklist *worklist, ccgc_segment *segment) {
  if (!segment || is_placeholder(segment)) return;
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
  if (worklist && worklist->overflow)
    atomic_fetch_sub_explicit(&worklist->overflow->live, 1,
                              memory_order_relaxed);
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
  worklist->overflow = NULL;
}

void ccgc_worklist_init_cached(ccgc_worklist *worklist, ccgc_segment_cache *cache) {
  ccgc_worklist_init(worklist);
  worklist->cache = cache;
}

void ccgc_worklist_init_overflowing(ccgc_worklist *worklist,
                                    ccgc_worklist_overflow *overflow) {
  ccgc_worklist_init(worklist);
  worklist->overflow = overflow;
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
  local->push_segment = &full_placeholder;
  local->pop_segment = &empty_placeholder;
}

void ccgc_worklist_local_destroy(ccgc_worklist_local *local) {
  segment_free_for(local->shared, local->push_segment);
  segment_free_for(local->shared, local->pop_segment);
  local->push_segment = &full_placeholder;
  local->pop_segment = &empty_placeholder;
}

void ccgc_worklist_local_clear(ccgc_worklist_local *local) {
  if (!is_placeholder(local->push_segment)) local->push_segment->count = 0;
  if (!is_placeholder(local->pop_segment)) local->pop_segment->count = 0;
}

/* A published segment is replaced by the placeholder: the next push
 * allocates, so a view that publishes and goes idle (a parked marker
 * thread) holds no empty segment meanwhile. */
void ccgc_worklist_local_publish(ccgc_worklist_local *local) {
  if (push_count(local) == 0) return;
  publish_segment(local->shared, local->push_segment);
  local->push_segment = &full_placeholder;
}

void ccgc_worklist_local_publish_all(ccgc_worklist_local *local) {
  ccgc_worklist_local_publish(local);
  if (local->pop_segment->count == 0) {
    /* Empty: given back too (an idle view holds nothing). */
    segment_free_for(local->shared, local->pop_segment);
    local->pop_segment = &empty_placeholder;
    return;
  }
  publish_segment(local->shared, local->pop_segment);
  local->pop_segment = &empty_placeholder;
}

bool ccgc_worklist_local_is_empty(const ccgc_worklist_local *local) {
  return push_count(local) == 0 && local->pop_segment->count == 0;
}

bool ccgc_worklist_push_slow(ccgc_worklist_local *local, void *entry) {
  ccgc_segment *fresh = segment_new_for(local->shared);
  if (!fresh) {
    /* Out of segments. The pop segment is a stack too: room there keeps
     * the entry. */
    ccgc_segment *pop = local->pop_segment;
    if (pop != &empty_placeholder && pop->count < CCGC_SEGMENT_CAPACITY) {
      pop->entries[pop->count++] = entry;
      return true;
    }
    /* The full one (if any) is still published, so the view keeps none
     * and only this entry is dropped. */
    if (!is_placeholder(local->push_segment))
      publish_segment(local->shared, local->push_segment);
    local->push_segment = &full_placeholder;
    drop_entry(local->shared);
    return false;
  }
  if (!is_placeholder(local->push_segment))
    publish_segment(local->shared, local->push_segment);
  local->push_segment = fresh;
  fresh->entries[fresh->count++] = entry;
  return true;
}

bool ccgc_worklist_pop_slow(ccgc_worklist_local *local, void **entry) {
  if (push_count(local) > 0) {
    /* Swap: the (empty) pop segment becomes the push segment. */
    ccgc_segment *empty = local->pop_segment;
    local->pop_segment = local->push_segment;
    local->push_segment = empty == &empty_placeholder ? &full_placeholder
                                                      : empty;
  } else {
    /* A published segment may be empty: a minor collection dropped its
     * entries (ccgc_worklist_relocate). */
    do {
      ccgc_segment *stolen = steal_segment(local->shared);
      if (!stolen) return false;
      ccgc_segment *empty = local->pop_segment;
      local->pop_segment = stolen;
      /* A view without a push segment keeps the empty one for pushes:
       * after an overflow, no allocation is needed to go on. */
      if (local->push_segment == &full_placeholder &&
          empty != &empty_placeholder) {
        empty->count = 0;
        local->push_segment = empty;
      } else {
        segment_free_for(local->shared, empty);
      }
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
  if (!is_placeholder(local->push_segment))
    relocate_segment(local->push_segment, relocate, data);
  if (!is_placeholder(local->pop_segment))
    relocate_segment(local->pop_segment, relocate, data);
}
