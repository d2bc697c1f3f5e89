/* object-locks.c - the striped object lock table (object-locks.h). */
#include "object-locks.h"

#include <sched.h>

_Static_assert((CCGC_OBJECT_LOCK_STRIPES & (CCGC_OBJECT_LOCK_STRIPES - 1)) == 0,
               "stripes: a power of two");
_Static_assert(CCGC_OBJECT_LOCK_STRIPES == 1u << (64 - 54),
               "the hash keeps the top 10 bits");

/* Zero-initialized: every stripe starts free. */
ccgc_object_lock_stripe ccgc_object_lock_table[CCGC_OBJECT_LOCK_STRIPES];

#define SPINS_BEFORE_YIELD 64

void ccgc_object_lock_slow(ccgc_object_lock_stripe *stripe) {
  for (unsigned spins = 0;; spins++) {
    /* Test before test-and-set: waiters read the line shared. */
    if (atomic_load_explicit(&stripe->held, memory_order_relaxed) == 0) {
      int expected = 0;
      if (atomic_compare_exchange_weak_explicit(&stripe->held, &expected, 1,
                                                memory_order_acquire,
                                                memory_order_relaxed))
        return;
    }
    /* Holders hold for one object's visit; if one was preempted, give it
     * the core instead of burning ours. */
    if (spins >= SPINS_BEFORE_YIELD) sched_yield();
  }
}
