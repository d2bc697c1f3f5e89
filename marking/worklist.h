/* worklist.h - segmented marking worklists.
 *
 * A worklist is a shared pool of full segments (each a fixed array of object
 * addresses) plus, per thread, a *local view* holding a push segment and a pop
 * segment. Push and pop touch only the local view; a full push segment is
 * published to the pool, an empty pop segment is refilled from the local push
 * segment or stolen from the pool. So threads synchronize once per segment,
 * not per object. Entries are object addresses (.inv.worklist-objects).
 *
 * Legal call order:
 *   ccgc_worklist_init(&shared);
 *   ccgc_worklist_local_init(&local, &shared);       one per thread
 *   ccgc_worklist_push(&local, obj); ccgc_worklist_pop(&local, &obj);
 *   ccgc_worklist_local_publish(&local);              make local work stealable
 *   ccgc_worklist_local_destroy(&local);              local must be empty
 *   ccgc_worklist_destroy(&shared);
 */
#ifndef CCGC_WORKLIST_H
#define CCGC_WORKLIST_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

#define CCGC_SEGMENT_CAPACITY 510u /* a segment is 4 KiB */

typedef struct ccgc_segment {
  struct ccgc_segment *next;
  size_t count;
  void *entries[CCGC_SEGMENT_CAPACITY];
} ccgc_segment;

/* Spare segments kept between uses of short-lived worklists (a scavenge's),
 * so a pause mallocs no segment: a 4 KiB malloc is a large request to
 * glibc, which first consolidates every small chunk the host freed since
 * (measured: 13 to 18 ms in the first scavenge after a full collection of
 * `ccgc bench dom`, whose DOM finalizers free the host's strings). At most
 * CCGC_SEGMENT_CACHE_MAX are kept; the rest are freed. */
#define CCGC_SEGMENT_CACHE_MAX 64u
typedef struct ccgc_segment_cache {
  pthread_mutex_t lock;
  ccgc_segment *head;
  size_t count;
} ccgc_segment_cache;

/* What a worklist does when a new segment cannot be had (malloc failed, or
 * the budget below is spent). A worklist without one aborts: its entries
 * cannot be found again (a scavenge's). The marking worklists share the
 * collector's: an entry that finds no room is dropped and `overflowed` set.
 * A dropped entry is a grey object, and grey objects can be found again by
 * walking the heaps: the owner's marker does so before marking may end
 * (docs/collection.md "When the mark worklist cannot grow",
 * .inv.grey-on-worklist). */
typedef struct ccgc_worklist_overflow {
  _Atomic bool overflowed;   /* an entry was dropped since the last walk */
  _Atomic size_t live;       /* segments allocated and not freed */
  /* TESTING ONLY (ccgc_collector_limit_mark_segments): at most this many
   * live segments, 0: no limit. */
  _Atomic size_t limit;
  _Atomic size_t dropped;    /* entries dropped, ever (statistics) */
} ccgc_worklist_overflow;

typedef struct ccgc_worklist {
  pthread_mutex_t lock;
  ccgc_segment *head;       /* published segments */
  _Atomic size_t segments;  /* how many are published (racy hint when read) */
  ccgc_segment_cache *cache; /* where segments come from and go, or NULL */
  ccgc_worklist_overflow *overflow; /* see above; NULL: abort */
} ccgc_worklist;

void ccgc_segment_cache_init(ccgc_segment_cache *cache);
void ccgc_segment_cache_destroy(ccgc_segment_cache *cache);

typedef struct ccgc_worklist_local {
  ccgc_worklist *shared;
  ccgc_segment *push_segment;
  ccgc_segment *pop_segment;
} ccgc_worklist_local;

void ccgc_worklist_init(ccgc_worklist *worklist);
/* As ccgc_worklist_init, with segments taken from and given back to cache
 * (which outlives the worklist). */
void ccgc_worklist_init_cached(ccgc_worklist *worklist, ccgc_segment_cache *cache);
/* As ccgc_worklist_init, dropping entries into overflow when no segment can
 * be had (which outlives the worklist). */
void ccgc_worklist_init_overflowing(ccgc_worklist *worklist,
                                    ccgc_worklist_overflow *overflow);
void ccgc_worklist_destroy(ccgc_worklist *worklist);
bool ccgc_worklist_is_empty(ccgc_worklist *worklist);
/* Drops every published entry (abandoned cycle). */
void ccgc_worklist_clear(ccgc_worklist *worklist);

/* A view starts with no segment of its own (two static placeholders that
 * send the first push and pop to the slow paths): it allocates nothing. */
void ccgc_worklist_local_init(ccgc_worklist_local *local,
                              ccgc_worklist *shared);
void ccgc_worklist_local_destroy(ccgc_worklist_local *local);
/* Publishes the push segment (the pop segment stays local). */
void ccgc_worklist_local_publish(ccgc_worklist_local *local);
/* Publishes everything the view holds: for a thread that stops. */
void ccgc_worklist_local_publish_all(ccgc_worklist_local *local);
bool ccgc_worklist_local_is_empty(const ccgc_worklist_local *local);
void ccgc_worklist_local_clear(ccgc_worklist_local *local);

/* After a minor collection moved objects, with every thread of the
 * worklist stopped: each entry becomes relocate(entry, data), or goes if
 * that is NULL (.inv.worklists-current). */
void ccgc_worklist_relocate(ccgc_worklist *worklist,
                            void *(*relocate)(void *, void *), void *data);
void ccgc_worklist_local_relocate(ccgc_worklist_local *local,
                                  void *(*relocate)(void *, void *),
                                  void *data);

/* Slow paths. push_slow returns false if it dropped the entry (an
 * overflowing worklist found no room). */
bool ccgc_worklist_push_slow(ccgc_worklist_local *local, void *entry);
bool ccgc_worklist_pop_slow(ccgc_worklist_local *local, void **entry);

/* Pushes entry; false if an overflowing worklist found no room and dropped
 * it. */
static inline bool ccgc_worklist_try_push(ccgc_worklist_local *local,
                                          void *entry) {
  ccgc_segment *segment = local->push_segment;
  if (__builtin_expect(segment->count < CCGC_SEGMENT_CAPACITY, 1)) {
    segment->entries[segment->count++] = entry;
    return true;
  }
  return ccgc_worklist_push_slow(local, entry);
}

/* A marking worklist may drop the entry (the walk finds it again); any
 * other aborts rather than drop one. */
static inline void ccgc_worklist_push(ccgc_worklist_local *local,
                                      void *entry) {
  (void)ccgc_worklist_try_push(local, entry);
}

static inline bool ccgc_worklist_pop(ccgc_worklist_local *local,
                                     void **entry) {
  ccgc_segment *segment = local->pop_segment;
  if (__builtin_expect(segment->count > 0, 1)) {
    *entry = segment->entries[--segment->count];
    return true;
  }
  return ccgc_worklist_pop_slow(local, entry);
}

#endif /* CCGC_WORKLIST_H */
