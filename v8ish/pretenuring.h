/* pretenuring.h - allocation-site pretenuring keyed by hidden class
 * (docs/script-heap.md "Pretenuring"): V8's pretenuring handler
 * (src/heap/pretenuring-handler.cc) decides per allocation site, from the
 * share of the site's young objects that survive a scavenge, whether its
 * objects should be allocated old at once; the script heap has no
 * allocation sites, so the class an object is allocated with stands for
 * one: each wrapper class (one per DOM interface), the classes of
 * closures, contexts, strings and arrays, and the empty object's class
 * for plain objects. A class made by adding a property descends from one
 * of those and names it as its site (CLASS_SITE), so an object counts
 * where it was allocated whatever shape it has now.
 *
 *   allocation   v8ish_allocate_instance (space-inl.h) counts a young
 *                instance in its site (CLASS_ALLOCATED), or allocates an
 *                instance of a TENURED site old (v8ish_allocate_pretenured)
 *   scavenge     every object copied out of an allocating page (its first
 *                survival) counts in its site (CLASS_SURVIVED); a site's
 *                first survivor lists it for the digest
 *   digest       after the scavenge, each listed site is decided and its
 *                counts start over: TENURED when at least 100 instances
 *                were counted and 85 percent or more survived (V8's
 *                kPretenureMinimumCreated and kPretenureRatio), and the
 *                semi-space was at its maximum (V8 decides only then: a
 *                small semi-space gives objects no time to die)
 *   full pause   dead classes leave the tenured list; a memory-reducing
 *                collection undoes every decision (V8 resets its sites
 *                under memory pressure); when the pause promotes the
 *                nursery in place, every site's counts start over: the
 *                objects they counted are old now, decided by a full
 *                collection, not by a scavenge (counted still, a burst of
 *                objects that all survive looks like a site that lets a
 *                third die, and stays in the nursery to be copied twice)
 *
 * The class words: CLASS_SITE (a raw address: the class itself for one
 * made by v8ish_new_class, else its parent's site), CLASS_ALLOCATED and
 * CLASS_SURVIVED (Smi counts since the site's last decision) and
 * CLASS_PRETENURE (a Smi, V8ISH_PRETENURE_*); the tracer never visits them.
 *
 * A decision is kept until then (V8's kTenure is sticky too). Owner
 * thread, except the survivor counts (any scavenge task).
 * Internal to v8ish/. */
#ifndef V8ISH_PRETENURING_H
#define V8ISH_PRETENURING_H

#include "heap-internal.h"

enum { V8ISH_PRETENURE_UNDECIDED = 0, V8ISH_PRETENURE_TENURED = 1 };

/* V8's thresholds. */
#define V8ISH_PRETENURE_MIN_ALLOCATED 100
#define V8ISH_PRETENURE_PERCENT 85

typedef struct v8ish_pretenuring {
  int mode;            /* CCGC_PRETENURING_* */
  GPtrArray *feedback; /* classes with first survivors in this scavenge */
  pthread_mutex_t lock; /* feedback, from parallel scavenge tasks */
  GPtrArray *tenured;  /* the TENURED classes (pruned in full pauses) */
  GPtrArray *sites;    /* every site (v8ish_new_class): roots, never die */
  size_t bytes, objects; /* allocated old by pretenuring, ever */
  size_t decided;      /* classes the last digest tenured */
  /* TESTING ONLY (ccgc_collector_break_pretenuring): pretenured objects
   * since the last scavenge, as (object, bytes); that scavenge forgets the
   * remembered slots inside them. */
  GArray *unrecorded;
} v8ish_pretenuring;

bool v8ish_pretenuring_init(v8ish_heap *heap);
void v8ish_pretenuring_free(v8ish_heap *heap);

/* A scavenge task's survivor counts, per site, before they go to the
 * sites' CLASS_SURVIVED words: a direct-mapped cache (V8's scavenger keeps
 * its pretenuring feedback in a local map per task and merges it at the
 * end). An atomic add per survivor on the site's word made parallel
 * scavenges of objects of one class slower than one thread: each add moved
 * the line between the cores. Zeroed when its task starts. */
#define V8ISH_SURVIVOR_SITE_BITS 5
#define V8ISH_SURVIVOR_SITES (1 << V8ISH_SURVIVOR_SITE_BITS)
typedef struct v8ish_survivor_cache {
  word_t *site[V8ISH_SURVIVOR_SITES];
  word_t count[V8ISH_SURVIVOR_SITES];
} v8ish_survivor_cache;

/* Adds count survivors to site k (any scavenge task): the first lists it
 * for the digest. */
void v8ish_pretenuring_add_survivors(v8ish_heap *heap, word_t *k, word_t count);

/* A scavenge task copied an instance of klass out of an allocating page. */
static inline void v8ish_pretenuring_note_survivor(v8ish_heap *heap,
                                                   v8ish_survivor_cache *cache,
                                                   v8ish_value klass) {
  word_t *k = (word_t *)v8ish_untag(klass)[CLASS_SITE];
  size_t i = (size_t)(((uintptr_t)k >> 3) * UINT64_C(0x9E3779B97F4A7C15) >>
                      (64 - V8ISH_SURVIVOR_SITE_BITS)); /* Fibonacci hashing */
  if (__builtin_expect(cache->site[i] != k, 0)) {
    if (cache->site[i])
      v8ish_pretenuring_add_survivors(heap, cache->site[i], cache->count[i]);
    cache->site[i] = k;
    cache->count[i] = 0;
  }
  cache->count[i]++;
}

/* The task's counts go to their sites; before the digest (any task). */
void v8ish_pretenuring_flush_survivors(v8ish_heap *heap,
                                       v8ish_survivor_cache *cache);

/* Owner, at a scavenge's start: TESTING ONLY, forgets the slots of the
 * objects pretenured since the last one (when broken). */
void v8ish_pretenuring_scavenge_start(v8ish_heap *heap);
/* Owner, after a scavenge's copies: decides the listed classes; returns
 * how many it tenured. */
size_t v8ish_pretenuring_digest(v8ish_heap *heap);
/* The pause of a full collection, marks valid (sweep_start): dead classes
 * leave the tenured list; a memory-reducing collection undoes every
 * decision. */
void v8ish_pretenuring_full_pause(v8ish_heap *heap);
/* The same pause promoted the nursery in place (nursery.c): every site's
 * counts start over. */
void v8ish_pretenuring_nursery_promoted(v8ish_heap *heap);
/* k, made by v8ish_new_class, is a site (hidden-class.c). */
void v8ish_pretenuring_add_site(v8ish_heap *heap, word_t *k);
/* An instance of a TENURED class: bytes of old space, otherwise as
 * v8ish_allocate (space.c). */
word_t *v8ish_allocate_pretenured(v8ish_heap *heap, size_t bytes,
                                  const char *call);
/* The instance was allocated old by pretenuring (space.c). */
void v8ish_pretenuring_allocated(v8ish_heap *heap, word_t *object, size_t bytes);
/* Stats: classes tenured now, bytes and objects pretenured. */
void v8ish_pretenuring_stats(const v8ish_heap *heap, ccgc_heap_stats *out);

#endif /* V8ISH_PRETENURING_H */
