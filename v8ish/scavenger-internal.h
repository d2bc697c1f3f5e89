/* scavenger-internal.h - what the two halves of the script heap's minor
 * collection share: scavenger.c (the collection: roots, the weak fixed
 * point, weakness, the ops) and scavenge-task.c (one thread's part:
 * evacuation, its allocation areas, the drains, the remembered set walk).
 * docs/script-heap.md "Young generation".
 *
 * A scavenge runs on the owner thread alone (scavenger_threads 0) or on the
 * owner and helper threads (marking/task-pool.h), each a scavenge_task:
 *
 *   owner                                  helpers
 *   whole-page remembered sets (alone)
 *   wake helpers -----------------------> (task-pool.h)
 *   roots; remembered pages                remembered pages (atomic index)
 *   ---- every thread has walked: .inv.remembered-walk-first ------------
 *   drain, stealing                        drain, stealing
 *   ---- termination: no thread active, no segment published ------------
 *   wait for helpers <-------------------- return to the pool
 *   weak fixed point, weakness (alone, its own task's areas)
 */
#ifndef V8ISH_SCAVENGER_INTERNAL_H
#define V8ISH_SCAVENGER_INTERNAL_H

#include <stdatomic.h>

#include "pretenuring.h"
#include "space-inl.h"
#include "task-pool.h"
#include "worklist.h"

#define FORWARDED 2u

typedef struct scavenger scavenger;

/* One thread's part of a scavenge: lines of its own (task-pool.h). */
typedef struct scavenge_task {
  _Alignas(CCGC_CACHE_LINE) scavenger *s;
  v8ish_heap *heap;
  bool marking;   /* a full marking runs: copies keep colors */
  bool parallel;  /* other threads may race: forwarding by CAS */
  bool plain_forwarding; /* TESTING ONLY (ccgc_collector_plain_forwarding) */
  bool feedback;  /* first survivors count for pretenuring (pretenuring.h) */
  v8ish_survivor_cache survivors; /* their counts, flushed at the finish */
  ccgc_worklist_local work; /* evacuated, not scanned yet */
  v8ish_lab copy;           /* to-space: a COPY page of its own */
  v8ish_page *copy_page;
  v8ish_lab *promotion;     /* old space: the owner's heap->old_lab, a
                             * helper's own_promotion */
  v8ish_lab own_promotion;
  size_t survived_bytes, survived_objects;
  size_t promoted_bytes, promoted_objects;
  size_t remembered;
  size_t unpromoted;        /* survivors old space had no room for */
  size_t scanned;           /* objects scanned: when to share work */
  double busy_ms;           /* a helper's time in this scavenge */
  /* Slots whose young target was prefetched, visited SCAVENGE_FIFO slots
   * later: the misses of reading from-space objects overlap instead of
   * following each other (the prefetch FIFO of Boehm GC's mark stack and
   * of the prefetching literature). record: the holder's page if the slot
   * is recorded once it stays young, else NULL. */
  struct scavenge_deferred {
    word_t *slot;
    ccgc_page *record;
  } fifo[16];
  unsigned fifo_head, fifo_count;
  ccgc_page *holder_page;   /* the page of the old object being scanned:
                             * a large object's slots lie past its first
                             * CCGC_PAGE_SIZE bytes, so not ccgc_page_of(slot) */
} scavenge_task;

struct scavenger {
  v8ish_heap *heap;
  ccgc_worklist work;       /* the published segments, stolen from */
  pthread_mutex_t lock;     /* parallel: copy pages, old-space refills */
  scavenge_task *tasks;     /* [0] the owner's; task_count of them */
  unsigned task_count;
  /* The remembered set: old pages with a bitmap, claimed by index. */
  ccgc_page **pages;
  size_t page_count;
  atomic_size_t next_page;
  /* Phases (scavenge_phase_join): the threads in them, or
   * SCAVENGE_PHASE_CLOSED. */
  atomic_uint walking;      /* threads still walking the remembered set */
  atomic_uint active;       /* threads that may still publish work */
  atomic_uint joined;       /* helpers that took part */
  GArray *dropped;          /* traced_slot *: wrappers the handler let go */
  /* The ephemeron fixed point (owner alone), linear: entries whose young
   * key is not reached yet wait here by key (old address -> GPtrArray of
   * value slots); evacuating a key moves its slots to ready. */
  GHashTable *pending;
  GPtrArray *ready;
};

static inline bool scavenge_is_forwarded(word_t first) {
  return (first & 3u) == FORWARDED;
}

static inline bool scavenge_young(const void *address) {
  return ccgc_page_is_young(ccgc_page_of(address));
}

/* scavenge-task.c */
void scavenge_task_init(scavenge_task *task, scavenger *s, bool owner);
/* Closes the task's areas: its to-space page's top, a helper's promotion
 * area back to the free lists (pages stay iterable). */
void scavenge_task_finish(scavenge_task *task);
/* A slot that may hold a young reference: evacuate, update. Returns whether
 * it points at a young object now. */
bool scavenge_update_slot(scavenge_task *task, word_t *slot);
/* scavenge_update_slot as a slot callback (data: the task); records
 * nothing (roots, weak tables' values). */
void scavenge_young_slot(word_t *slot, void *task);
/* Scans until the task's worklist and the ready values are empty (one
 * thread: the owner alone, or the weak fixed point). */
void scavenge_drain(scavenge_task *task);
/* The remembered set: the old pages whose set is "every slot" are walked
 * whole by the owner before any helper runs; the others go to s->pages,
 * which scavenge_walk_pages claims one by one. */
void scavenge_collect_pages(scavenger *s, scavenge_task *owner);
void scavenge_walk_pages(scavenge_task *task);
/* The parallel phase of one task after its own roots: the remembered
 * pages and the wait for every walker (.inv.remembered-walk-first), then
 * the stealing drain until no task has work (.inv.scavenge-termination). */
void scavenge_walk_and_wait(scavenge_task *task, bool joined);
void scavenge_drain_parallel(scavenge_task *task);
/* The two phases' counters (s->walking, s->active) start at 1, the owner:
 * a helper joins each when it starts (false: the phase closed, the
 * scavenge is past it), so a helper not scheduled yet holds nobody up. */
#define SCAVENGE_PHASE_CLOSED 0x80000000u
bool scavenge_phase_join(atomic_uint *phase);
bool scavenge_phase_closed(atomic_uint *phase);
/* The pool's entry for helper `index` (task-pool.h): data is the
 * scavenger. */
void scavenge_helper(void *data, unsigned index);

#endif /* V8ISH_SCAVENGER_INTERNAL_H */
