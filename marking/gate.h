/* gate.h - the threading and collection contract every public call checks
 * (docs/errors.md, "Threading contract" and "During reclamation"). Internal
 * to the library; heaps reach it through ccgc-heap.h.
 *
 * A collector belongs to one thread, its owner: the thread that created it
 * (or took it over with ccgc_collector_take_ownership). Every public call of
 * the collector, its heaps and the bridge runs there (.api.mutator-thread).
 * Host code that the collector calls back - trace callbacks, walk callbacks,
 * cycle listeners, weak callbacks, external value releases, pre-finalizers,
 * finalizers - runs inside a *context* that says what it may do:
 *
 *   context   who runs in it                        allocate store  read
 *   MUTATOR   host code outside every callback        yes      yes    yes
 *   MARKING   trace callbacks, cycle listeners         no       no     yes
 *             inside a cycle (1)
 *   WALK      walk callbacks, trace callbacks of the   no       no     yes
 *             inspection library and verifiers (1)
 *   RECLAIM   marks are final: weak callbacks,         no     (2)     yes
 *             external value releases, pre-
 *             finalizers, finalizers
 *   TEARDOWN  a heap being freed runs its pre-         no      yes     yes
 *             finalizers, finalizers, releases
 *   RELEASE   an external value's release run from     no      yes     yes
 *             the host's own weak map set or delete:
 *             no collection runs (contains and the
 *             listener list answer as in MUTATOR)
 *
 *   (1) .api.no-heap-calls-in-callbacks. Reads: not the contains queries
 *       (ccgc_collector_contains and the heaps' own) outside MUTATOR and
 *       RELEASE: a collection's pages may be mid-sweep or mid-move
 *       (blinkish_is_alive answers there)
 *   (2) only if it resurrects nothing (.inv.no-resurrection); allocation
 *       here is .api.outside-collection
 *
 * Collecting (ccgc_collect and the incremental calls), sweeping and the
 * collector's setters are refused outside MUTATOR as a recoverable
 * CCGC_E_IN_COLLECTION; configuring heaps (heaps, types, hooks, callbacks)
 * is refused as misuse; adding a listener is refused (recoverable) and
 * removing one is misuse, except in RELEASE, where both are allowed.
 *
 * The cost on a hot path is one predictable branch: the gate's `open` word
 * holds the owner's thread token exactly while the owner runs in MUTATOR, so
 * ccgc_gate_open() compares it with the caller's token (the thread pointer,
 * ccgc-thread-token.h; the script heap's inline fast paths read a copy of
 * it that gate.c keeps in each attached heap, heap-base.h and v8ish-fast.h)
 * and only a mismatch takes the slow path, which tells
 * the wrong thread from the context that refuses. Nothing in the mark loop.
 */
#ifndef CCGC_GATE_H
#define CCGC_GATE_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "ccgc-thread-token.h"
#include "ccgc.h"

typedef struct ccgc_gate {
  _Atomic uintptr_t owner; /* the owner thread's token                   */
  _Atomic uintptr_t open;  /* owner's token in MUTATOR context, else 0   */
} ccgc_gate;

/* The caller is the owner thread (any context). */
static inline bool ccgc_gate_on_owner(const ccgc_gate *gate) {
  return atomic_load_explicit(&gate->owner, memory_order_relaxed) ==
         ccgc_thread_token();
}

/* The caller is the owner thread running host code outside every callback
 * of the collector: every call is allowed. */
static inline bool ccgc_gate_open(const ccgc_gate *gate) {
  return atomic_load_explicit(&gate->open, memory_order_relaxed) ==
         ccgc_thread_token();
}

typedef enum ccgc_call_kind {
  CCGC_CALL_READ,      /* reads: the owner thread, any context           */
  CCGC_CALL_STORE,     /* changes objects, roots or collections          */
  CCGC_CALL_ALLOCATE,  /* allocates in a heap                            */
  CCGC_CALL_CONFIGURE, /* heaps, types, hooks, listeners, callbacks      */
} ccgc_call_kind;

typedef enum ccgc_call_context {
  CCGC_CONTEXT_MUTATOR,
  CCGC_CONTEXT_MARKING,
  CCGC_CONTEXT_WALK, /* also a minor collection's droppable handler */
  CCGC_CONTEXT_RECLAIM,
  CCGC_CONTEXT_TEARDOWN,
  /* An external value's release run at once from the host's own weak map
   * set or delete (blinkish.h): as TEARDOWN - reads and stores, no
   * allocation, registration, heap free or collection - with nothing
   * found dead (no resurrection check). */
  CCGC_CONTEXT_RELEASE,
} ccgc_call_context;

/* The collector's gate, for heaps to cache (heap-base.h). */
const ccgc_gate *ccgc_collector_gate(ccgc_collector *collector);

/* The slow path of every check: reports the misuse and returns its code if
 * a call of this kind may not run on this thread or in the current context;
 * CCGC_OK if it may. A STORE allowed during reclamation must still pass the
 * heap's resurrection check (ccgc_collector_in_reclamation). */
ccgc_status ccgc_gate_refuse(ccgc_collector *collector, ccgc_call_kind kind,
                             const char *call);

/* The check itself: one branch when the call is allowed. */
static inline ccgc_status ccgc_gate_check(ccgc_collector *collector,
                                          const ccgc_gate *gate,
                                          ccgc_call_kind kind,
                                          const char *call) {
  bool allowed = kind == CCGC_CALL_READ ? ccgc_gate_on_owner(gate)
                                        : ccgc_gate_open(gate);
  if (__builtin_expect(allowed, 1)) return CCGC_OK;
  return ccgc_gate_refuse(collector, kind, call);
}

/* The collector (and a heap tearing itself down) enters a context around
 * host callbacks; leave restores what enter returned. Owner thread only. */
ccgc_call_context ccgc_collector_enter_context(ccgc_collector *collector,
                                               ccgc_call_context context);
void ccgc_collector_leave_context(ccgc_collector *collector,
                                  ccgc_call_context saved);
ccgc_call_context ccgc_collector_context(const ccgc_collector *collector);
/* Who runs in the current context, for messages ("a trace callback or
 * cycle listener inside a collection", ...). */
const char *ccgc_collector_context_name(const ccgc_collector *collector);

#endif /* CCGC_GATE_H */
