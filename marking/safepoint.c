/* safepoint.c - collection requests and the safepoints that run them
 * (docs/scheduling.md): a heap above its soft limit,
 * or the host, requests a full collection; the nursery requests a minor
 * one; the next ccgc_collector_safepoint runs what is due, or the pacing
 * schedule decides while an incremental cycle marks (pacing.c). */
#include "collector-internal.h"
#include "invariant-check.h"

void ccgc_collector_request_gc(ccgc_collector *collector,
                               ccgc_gc_reason reason) {
  if (!ccgc_collector_enter(collector, "ccgc_collector_request_gc")) return;
  if ((unsigned)reason >= CCGC_REASON_COUNT) {
    CCGC_MISUSE(&collector->errors, CCGC_E_INVALID_ARGUMENT, ".api.argument",
                "ccgc_collector_request_gc: unknown reason %d", (int)reason);
    return;
  }
  if (!atomic_exchange(&collector->gc_requested, true))
    collector->requested_reason = reason;
  ccgc_collector_poll_set(collector);
}

void ccgc_collector_request_gc_at_limit(ccgc_collector *collector) {
  atomic_store(&collector->limit_requested, true);
  if (!atomic_exchange(&collector->gc_requested, true))
    collector->requested_reason = CCGC_REASON_ALLOCATION_LIMIT;
  ccgc_collector_poll_set(collector);
}

bool ccgc_collector_gc_requested(const ccgc_collector *collector) {
  if (!ccgc_collector_enter(collector, "ccgc_collector_gc_requested"))
    return false;
  return atomic_load(&collector->gc_requested);
}

bool ccgc_collector_safepoint_due(const ccgc_collector *collector) {
  if (!ccgc_collector_enter(collector, "ccgc_collector_safepoint_due") ||
      ccgc_collector_busy(collector))
    return false;
  if (atomic_load(&collector->minor_requested)) return true;
  /* As ccgc_pacing_safepoint decides: while a cycle marks, requests are
   * its own and only its finishing is due. */
  if (collector->pacing.automatic && collector->state == CCGC_STATE_MARKING)
    return collector->pacing.finish_requested ||
           atomic_load(&collector->limit_requested);
  return atomic_load(&collector->gc_requested);
}

bool ccgc_collector_safepoint_slow(ccgc_collector *collector) {
  /* The inline poll's words (ccgc-fast.h) are these. */
  _Static_assert(offsetof(ccgc_collector, safepoint_poll) == CCGC_FAST_POLL_OFFSET,
                 "ccgc-fast.h reads the poll word there");
  _Static_assert(offsetof(ccgc_collector, gate.open) == CCGC_FAST_GATE_OPEN_OFFSET,
                 "ccgc-fast.h reads the gate's word there");
  /* The owner thread in host code (the gate open) and nothing requested:
   * the poll word was set by a request since answered (or by one another
   * call already ran); clear it, so the next polls stay inline
   * (.inv.safepoint-poll: requests come from the owner thread, or from a
   * pause's helper threads while no safepoint runs, so none comes between
   * the reads and the clearing). What follows would return
   * false then too, busy or not; anything else - a request, a callback's
   * context, another thread, a bad collector - takes it. */
  if (__builtin_expect(
          ccgc_collector_valid(collector) && ccgc_gate_open(&collector->gate) &&
              !atomic_load_explicit(&collector->gc_requested,
                                    memory_order_relaxed) &&
              !atomic_load_explicit(&collector->minor_requested,
                                    memory_order_relaxed) &&
              !collector->pacing.finish_requested,
          1)) {
    atomic_store_explicit(&collector->safepoint_poll, 0, memory_order_relaxed);
    return false;
  }
  if (!ccgc_collector_enter(collector, "ccgc_collector_safepoint"))
    return false;
  if (ccgc_collector_busy(collector)) return false;
  if (collector->pacing.automatic) return ccgc_pacing_safepoint(collector);
  /* A full collection collects the young generation too. */
  if (atomic_load(&collector->gc_requested))
    return ccgc_collect(collector, collector->requested_reason) == CCGC_OK;
  if (atomic_load(&collector->minor_requested))
    return ccgc_collect_minor(collector, CCGC_REASON_ALLOCATION_FAILURE) ==
           CCGC_OK;
  return false;
}
