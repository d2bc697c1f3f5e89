/* object-locks.h - a striped table of per-object locks for the lock-based
 * shape-change protocol (docs/concurrent-marking.md, "Lock-based
 * alternative").
 *
 * Objects have no header word to spare for a lock, so an object's lock is
 * the stripe its address hashes to: two objects may share a stripe (then
 * they serialize needlessly, never incorrectly). Heap-agnostic: any address.
 *
 *   ccgc_object_lock(object);     mutator around an unsafe change, or a
 *   ... change / visit ...        marker around its visit
 *   ccgc_object_unlock(object);
 *
 * Rules (.inv.object-lock-leaf): a holder takes no other object lock and
 * never waits for a marker to park (no pause, no safepoint) while holding
 * one; it may push to worklists (their locks are taken after, never before).
 * Each stripe is a C11 atomic spinlock with acquire/release ordering, which
 * ThreadSanitizer models; contended waiters yield the CPU, so a preempted
 * holder on a 2-core machine costs a yield, not a spin storm. */
#ifndef CCGC_OBJECT_LOCKS_H
#define CCGC_OBJECT_LOCKS_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#define CCGC_OBJECT_LOCK_STRIPES 1024u /* a power of two */

typedef struct ccgc_object_lock_stripe {
  atomic_int held;
  char pad[64 - sizeof(atomic_int)]; /* one cache line per stripe */
} ccgc_object_lock_stripe;

extern ccgc_object_lock_stripe ccgc_object_lock_table[CCGC_OBJECT_LOCK_STRIPES];

static inline ccgc_object_lock_stripe *ccgc_object_lock_stripe_of(
    const void *object) {
  /* Objects are 8-aligned: drop those bits, then Fibonacci hashing spreads
   * neighbours over the table. */
  uint64_t key = (uint64_t)(uintptr_t)object >> 3;
  return &ccgc_object_lock_table[(key * 0x9E3779B97F4A7C15ull) >> 54];
}

void ccgc_object_lock_slow(ccgc_object_lock_stripe *stripe);

static inline void ccgc_object_lock(const void *object) {
  ccgc_object_lock_stripe *stripe = ccgc_object_lock_stripe_of(object);
  int expected = 0;
  if (!atomic_compare_exchange_strong_explicit(&stripe->held, &expected, 1,
                                               memory_order_acquire,
                                               memory_order_relaxed))
    ccgc_object_lock_slow(stripe);
}

static inline bool ccgc_object_try_lock(const void *object) {
  int expected = 0;
  return atomic_compare_exchange_strong_explicit(
      &ccgc_object_lock_stripe_of(object)->held, &expected, 1,
      memory_order_acquire, memory_order_relaxed);
}

static inline void ccgc_object_unlock(const void *object) {
  atomic_store_explicit(&ccgc_object_lock_stripe_of(object)->held, 0,
                        memory_order_release);
}

/* Testing: whether the stripe of object is held by anyone. */
static inline bool ccgc_object_lock_held(const void *object) {
  return atomic_load_explicit(&ccgc_object_lock_stripe_of(object)->held,
                              memory_order_relaxed) != 0;
}

#endif /* CCGC_OBJECT_LOCKS_H */
