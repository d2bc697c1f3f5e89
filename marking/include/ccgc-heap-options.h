/* ccgc-heap-options.h - the options every heap takes when it is created
 * (v8ish_heap_options and blinkish_heap_options are this struct). Public:
 * hosts fill it in; the heaps keep it in their ccgc_heap_base (heap-base.h).
 * Plain data, no functions: read once by v8ish_heap_new / blinkish_heap_new
 * (owner thread, ccgc.h), never after.
 */
#ifndef CCGC_HEAP_OPTIONS_H
#define CCGC_HEAP_OPTIONS_H

#include <stddef.h>

typedef struct ccgc_heap_options {
  size_t limit_bytes;      /* hard limit on committed bytes; 0 = none  */
  /* Request a full collection when the old generation's objects take more
   * bytes than this (docs/heap-growth.md); 0 = automatic (8 MiB, or half
   * of limit_bytes when that is less, then the growing policy; a nonzero
   * value is the policy's floor). */
  size_t soft_limit_bytes;
  /* The script heap's young generation (docs/script-heap.md): bounds of
   * one semi-space, between which its size adapts to survival (0: the
   * defaults, 1 MiB and 16 MiB; a max of 0 is at least the min, a min of 0
   * at most the max), rounded up
   * to whole pages of object area (a 256 KiB page less its header: the
   * bytes fit, and young_capacity_bytes may say more); each at most 1 GiB
   * and min not above a nonzero max, else v8ish_heap_new refuses them
   * (CCGC_E_INVALID_ARGUMENT); the heap's limits cover both generations:
   * under a hard limit (limit_bytes) the semi-space keeps to an eighth of
   * it as object area, rounded up to whole pages (at least one: an 8 MiB
   * limit gives 5 pages, 1.25 MiB mapped), lowering both bounds to that if they
   * are above (nothing reported; young_capacity_bytes says what holds).
   * no_young_generation: every object is allocated old (no scavenges). The
   * DOM heap has no young generation and ignores these. */
  size_t young_min_bytes, young_max_bytes;
  int no_young_generation;
  /* The heap's growing factor (docs/heap-growth.md): after each full
   * collection the soft limit lets the old generation grow to live x factor,
   * the factor chosen between 1.1 and this maximum from the collector's
   * speed and the heap's allocation rate (V8's heap controller). 0: 4.0;
   * otherwise at least 1.1 and at most 100 (else the heap is refused:
   * CCGC_E_INVALID_ARGUMENT). */
  double max_growing_factor;
  /* Compaction (docs/compaction.md): the script heap's old generation, the
   * DOM heap's backing stores. CCGC_COMPACTION_NEVER (0, the default), _AUTO
   * (a full collection evacuates the normal old pages its last sweep found
   * at most half live; the DOM heap's backing pages at most half live, when
   * the backing pages' live bytes are below half their bytes; in both, only
   * when their survivors fit in fewer pages than they are) or
   * _EVERY_FULL (every full collection evacuates every movable normal old
   * page the last sweep did not find entirely live, or backing page that is
   * not entirely live); the script heap chooses its pages when the
   * collection's marking starts, the DOM heap in the pause.
   * v8ish_heap_request_compaction and blinkish_heap_request_compaction ask
   * it of the next full collection in any mode. max_evacuation_bytes caps
   * the live bytes one collection moves (0: 64 MiB). */
  int compaction;
  size_t max_evacuation_bytes;
  /* Pretenuring (docs/script-heap.md "Pretenuring"; the script heap only):
   * CCGC_PRETENURING_AUTO (0, the default: an allocation site - the class
   * objects are allocated with: a wrapper class, the class of closures,
   * contexts, strings or arrays, the empty object's class - whose young
   * objects survive their first scavenge at 85 percent or more, counted
   * over at least 100 of them while the semi-space is at its maximum, has
   * its new objects allocated old: V8's allocation-site pretenuring), _EAGER (the same thresholds at any semi-space size: for
   * hosts whose long-lived objects come in bursts, such as a page's
   * wrappers and listeners while it loads; medium-lived objects may then
   * be allocated old, which costs throughput: docs/script-heap.md),
   * _NEVER (every new object is young), or _ALWAYS (any site with an
   * object surviving a scavenge is pretenured at once: for tests and
   * `ccgc stress --pretenuring always`). Other values: the heap is refused
   * (CCGC_E_INVALID_ARGUMENT). */
  int pretenuring;
  /* Fast promotion (docs/script-heap.md "Fast promotion"; the script heap
   * only): CCGC_FAST_PROMOTION_AUTO (0, the default: after a scavenge of a
   * full semi-space that kept 90 percent or more of its bytes, the next
   * scavenges - up to three in a row, then a copying one measures again -
   * make every young page old where it is, copying nothing, unless a
   * marking cycle runs), _NEVER (every scavenge copies), or _ALWAYS (every
   * scavenge outside marking promotes in place: for tests and `ccgc stress
   * --fast-promotion always`). Other values: the heap is refused
   * (CCGC_E_INVALID_ARGUMENT). */
  int fast_promotion;
} ccgc_heap_options;

enum {
  CCGC_FAST_PROMOTION_AUTO = 0,
  CCGC_FAST_PROMOTION_NEVER = 1,
  CCGC_FAST_PROMOTION_ALWAYS = 2,
};

enum {
  CCGC_COMPACTION_NEVER = 0,
  CCGC_COMPACTION_AUTO = 1,
  CCGC_COMPACTION_EVERY_FULL = 2,
};

enum {
  CCGC_PRETENURING_AUTO = 0,
  CCGC_PRETENURING_NEVER = 1,
  CCGC_PRETENURING_ALWAYS = 2,
  CCGC_PRETENURING_EAGER = 3,
};

#endif /* CCGC_HEAP_OPTIONS_H */
