/* inspect-internal.h - what the files of the inspection library share: the
 * check every entry point makes before it walks the heaps. The library sees
 * the collector only through ccgc-heap.h (the heaps' ops) and ccgc-events.h,
 * never its internals. */
#ifndef CCGC_INSPECT_INTERNAL_H
#define CCGC_INSPECT_INTERNAL_H

#include "ccgc-heap.h"

/* CCGC_OK if call may walk collector's heaps now: a live collector, no
 * collection running (the heaps' object lists and roots are in flux), not
 * from a finalizer that sweeping or a heap's teardown runs (the heap is
 * half swept or half freed, and a walk would sweep it again). */
static inline ccgc_status ccgc_inspect_enter(ccgc_collector *collector,
                                             const char *call) {
  if (!ccgc_collector_is_live(collector)) return CCGC_E_INVALID_ARGUMENT;
  /* .api.mutator-thread: another thread is refused before any read. */
  ccgc_status thread = ccgc_gate_refuse(collector, CCGC_CALL_READ, call);
  if (thread != CCGC_OK) return thread;
  if (ccgc_collector_in_collection(collector))
    return ccgc_error_set(ccgc_collector_error_sink(collector),
                          CCGC_E_IN_COLLECTION,
                          "%s: called during a collection", call);
  ccgc_call_context context = ccgc_collector_context(collector);
  if (context == CCGC_CONTEXT_RECLAIM || context == CCGC_CONTEXT_TEARDOWN)
    return ccgc_error_set(ccgc_collector_error_sink(collector),
                          CCGC_E_IN_COLLECTION, "%s: called from %s", call,
                          ccgc_collector_context_name(collector));
  return CCGC_OK;
}

#endif /* CCGC_INSPECT_INTERNAL_H */
