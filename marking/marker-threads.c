/* marker-threads.c - the collector's marker threads as the host and the
 * heaps drive them (options.marker_threads, ccgc.h; the threads themselves:
 * concurrent-marker.c, docs/concurrent-marking.md). */
#include "collector-internal.h"
#include "invariant-check.h"

void ccgc_collector_pause_markers(ccgc_collector *collector) {
  if (collector->state == CCGC_STATE_MARKING)
    ccgc_concurrent_pause(&collector->concurrent);
}

void ccgc_collector_resume_markers(ccgc_collector *collector) {
  if (collector->state == CCGC_STATE_MARKING)
    ccgc_concurrent_resume(&collector->concurrent);
}

ccgc_status ccgc_collector_set_marker_threads(ccgc_collector *collector,
                                              int threads) {
  if (!ccgc_collector_enter(collector, "ccgc_collector_set_marker_threads"))
    return ccgc_collector_valid(collector) ? CCGC_E_WRONG_THREAD
                                           : CCGC_E_INVALID_ARGUMENT;
  if (threads < 0 || threads > CCGC_MAX_MARKER_THREADS)
    return CCGC_MISUSE(&collector->errors, CCGC_E_INVALID_ARGUMENT,
                       ".api.argument",
                       "ccgc_collector_set_marker_threads: %d threads is "
                       "out of range (0 to %d)",
                       threads, CCGC_MAX_MARKER_THREADS);
  /* Marker threads have no part in sweeping: allowed while it runs. */
  if (ccgc_collector_refuse_busy(collector, "ccgc_collector_set_marker_threads") !=
      CCGC_OK)
    return CCGC_E_IN_COLLECTION;
  if (collector->state != CCGC_STATE_IDLE && collector->state != CCGC_STATE_SWEEPING)
    return ccgc_error_set(&collector->errors, CCGC_E_IN_COLLECTION,
                          "ccgc_collector_set_marker_threads: a cycle is in "
                          "progress (state: %s)",
                          ccgc_gc_state_name(collector->state));
  /* Idle: every thread is parked outside a drain, their worklists empty. */
  ccgc_concurrent_destroy(&collector->concurrent);
  if (ccgc_concurrent_init(&collector->concurrent, collector, threads) <
      threads)
    return ccgc_error_set(&collector->errors, CCGC_E_OUT_OF_MEMORY,
                          "ccgc_collector_set_marker_threads: only %d of %d "
                          "threads could start",
                          collector->concurrent.thread_count, threads);
  return CCGC_OK;
}
