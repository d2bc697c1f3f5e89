/* heap-base.h - what every heap is, whatever its objects: its identity with
 * the collector (signature, heap id, operations), the collector's barrier and
 * error sink it caches, its limits, and its pages (page-space.h). Internal to
 * the library.
 *
 * A heap's struct starts with its base (v8ish_heap, blinkish_heap), so a
 * pointer to the heap is a pointer to its base: that is the `void *heap` the
 * collector passes to the heap's operations and the owner of its pages.
 *
 * Legal call order, for a heap:
 *
 *   my_heap *h = ccgc_heap_base_new(sizeof *h, MY_SIG, collector, options,
 *                                   "my_heap_new");
 *   ... the heap's own fields ...
 *   if (!ccgc_heap_base_attach(&h->base, &my_ops, "my_heap_new")) ... undo, free ...
 *   ... allocate: ccgc_page_space_map(&h->base.space, ...), then
 *       ccgc_heap_base_poll(&h->base) ...
 *   ... after each sweep: ccgc_heap_base_grow_soft_limit(&h->base) ...
 *   ccgc_page_space_release_all(&h->base.space);
 *   ccgc_heap_base_free(&h->base);                       detaches, frees
 */
#ifndef CCGC_HEAP_BASE_H
#define CCGC_HEAP_BASE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ccgc-heap-options.h"
#include "ccgc-heap.h"
#include "gc-tracer.h"
#include "page-space.h"

/* The soft limit while the heap's options leave it 0 (automatic). */
#define CCGC_DEFAULT_SOFT_LIMIT ((size_t)8 * 1024 * 1024)

typedef struct ccgc_heap_base {
  uint32_t sig; /* the heap's own signature while it lives (.sig) */
  /* What the heap's inline fast paths in its public header read (NULL:
   * none), at offset 8 for them: the script heap's handle area
   * (v8ish-fast.h). */
  void *fast;
  /* At offset 16 for them too: a copy of the collector's gate's `open`
   * word (gate.c writes both; gate.h), so their check of the owner thread
   * in host code is one load beside the fast state's, not a chain of two. */
  _Atomic uintptr_t gate_open;
  ccgc_collector *collector;
  ccgc_barrier *barrier;   /* the collector's: every store reads it */
  ccgc_error_sink *errors; /* the collector's */
  const ccgc_gate *gate;   /* the collector's: every public call checks it */
  int heap_id;             /* the collector's index of it; -1: not attached */
  const ccgc_heap_ops *ops;
  ccgc_heap_options options;
  /* Request a full collection when the old generation's objects take more
   * than this many bytes (docs/heap-growth.md). */
  size_t soft_limit;
  /* With a hard limit: request a full collection when the old generation's
   * committed bytes pass this too (heap-base.c committed_trigger; SIZE_MAX
   * without a hard limit). Set when the heap is made and after each full
   * collection's sweep. */
  size_t committed_trigger;
  /* The bytes of the heap's old-generation objects (its soft limit's
   * measure), for a heap with a young generation; NULL: every object is
   * old, space.used_bytes. */
  size_t (*old_used)(const struct ccgc_heap_base *base);
  ccgc_page_space space;
  /* The growing policy (heap-controller.h): bytes the mutator allocated
   * into this heap per ms between collections (one sample per cycle), the
   * used bytes and the time when the last sweep ended, and the factor it
   * chose (0 before the first). */
  ccgc_tracer_ring allocation;
  size_t live_after_gc;
  double gc_end_ms;
  double growing_factor;
} ccgc_heap_base;

_Static_assert(offsetof(ccgc_heap_base, sig) == 0 &&
                   offsetof(ccgc_heap_base, fast) == 8 &&
                   offsetof(ccgc_heap_base, gate_open) == 16,
               "the public headers' inline fast paths read these offsets");

/* A zeroed heap struct of `size` bytes whose first member is a ccgc_heap_base,
 * filled in for collector: signature, the cached barrier and error sink,
 * options (NULL: none) and the soft limit they give, an empty page space. Not
 * attached yet. NULL if collector is NULL, memory is short, or call (the
 * public function creating the heap, named in the error) breaks the
 * threading contract. */
void *ccgc_heap_base_new(size_t size, uint32_t sig, ccgc_collector *collector,
                         const ccgc_heap_options *options, const char *call);
/* Attaches the heap to its collector with ops (which must outlive it); false
 * with the collector's error recorded, named as call, if it refused (full,
 * incomplete ops). */
bool ccgc_heap_base_attach(ccgc_heap_base *base, const ccgc_heap_ops *ops,
                           const char *call);
/* Detaches the heap if attached, clears its signature and frees the struct.
 * Its pages must be released and its own fields freed first. */
void ccgc_heap_base_free(ccgc_heap_base *base);

/* The bytes of the heap's old-generation objects: what its soft limit
 * measures. A nursery is collected by minor collections, and its
 * semi-spaces are committed whatever is live. */
static inline size_t ccgc_heap_base_old_used(const ccgc_heap_base *base) {
  return base->old_used ? base->old_used(base) : base->space.used_bytes;
}

/* After every allocation into the old generation (new objects, refills of
 * an allocation area, promotions): above the soft limit a collection is
 * requested, never run (.inv.no-gc-in-allocation). The measure is the
 * objects' bytes, not the committed pages: free space in a page the last
 * sweep left is reused before the heap grows, and counting it as used
 * let every cycle allocate that free space on top of the growth the
 * policy allowed (committed bytes ratcheted up). With a hard limit the
 * committed old bytes have a trigger too (committed_trigger): a large
 * object's page tail is never reused, and heaps of large objects reached
 * the hard limit under the soft one. */
static inline void ccgc_heap_base_poll(ccgc_heap_base *base) {
  if (ccgc_heap_base_old_used(base) > base->soft_limit ||
      ccgc_page_space_old_committed(&base->space) > base->committed_trigger)
    ccgc_collector_request_gc(base->collector, CCGC_REASON_ALLOCATION_LIMIT);
}
/* After a sweep (the heap's used bytes are its live bytes): records the
 * heap's allocation rate since its last sweep, picks the growing factor
 * and sets the next soft limit (heap-controller.h), never below the
 * configured or default soft limit. */
void ccgc_heap_base_grow_soft_limit(ccgc_heap_base *base);

/* A lazy sweep starts (its sweep_start, in the pause): nothing is freed
 * yet, so the old bytes that crossed the soft limit are all still counted
 * (the unswept dead), and the first allocation after the pause would
 * request the next collection at once. Until the sweep completes (and
 * ccgc_heap_base_grow_soft_limit sets the policy's limit) the soft limit
 * is at least twice the old generation's used bytes at the pause, and the
 * committed trigger lets the heap commit half the room left beside what
 * is committed at the pause. */
void ccgc_heap_base_hold_soft_limit(ccgc_heap_base *base);

/* The stats operation of every heap (heap: its base). */
void ccgc_heap_base_stats(void *heap, ccgc_heap_stats *out);

/* The check at the entry of a heap's public calls (gate.h): base is a live
 * heap with signature sig (NULL or freed: false, nothing to report to, the
 * caller returns its neutral value), called in a way the contract allows
 * for a call of this kind (else misuse reported, false). One branch when
 * the call is allowed. A STORE allowed during reclamation must still pass
 * the heap's resurrection check. */
static inline bool ccgc_heap_base_enter(const ccgc_heap_base *base,
                                        uint32_t sig, ccgc_call_kind kind,
                                        const char *call) {
  if (__builtin_expect(!base || base->sig != sig, 0)) return false;
  return ccgc_gate_check(base->collector, base->gate, kind, call) == CCGC_OK;
}

/* The public <heap>_heap_collector and <heap>_heap_stats of every heap:
 * the entry check, then the base's collector / statistics (out zeroed when
 * the check fails). */
ccgc_collector *ccgc_heap_base_public_collector(const ccgc_heap_base *base,
                                               uint32_t sig, const char *call);
void ccgc_heap_base_public_stats(const ccgc_heap_base *base, uint32_t sig,
                                 ccgc_heap_stats *out, const char *call);
/* The public <heap>_heap_collector_id: the heap's id, or -1 when the entry
 * check fails. */
int ccgc_heap_base_public_id(const ccgc_heap_base *base, uint32_t sig,
                             const char *call);
/* The public <heap>_heap_contains: the entry check (a read), then
 * ccgc_collector_contains_checked for this heap's id. */
bool ccgc_heap_base_public_contains(const ccgc_heap_base *base, uint32_t sig,
                                    const void *address, const char *call);

#endif /* CCGC_HEAP_BASE_H */
