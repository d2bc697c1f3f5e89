/* compaction-threads.c - the helpers of a compaction's copies
 * (options.compaction_threads, ccgc.h; the copies: v8ish/evacuation.c,
 * docs/compaction.md). */
#include "collector-internal.h"
#include "invariant-check.h"

int ccgc_collector_compaction_threads(const ccgc_collector *collector) {
  return collector->compaction_threads;
}

ccgc_status ccgc_collector_set_compaction_threads(ccgc_collector *collector,
                                                  int threads) {
  if (!ccgc_collector_enter(collector, "ccgc_collector_set_compaction_threads"))
    return ccgc_collector_valid(collector) ? CCGC_E_WRONG_THREAD
                                           : CCGC_E_INVALID_ARGUMENT;
  if (threads < 0 || threads > CCGC_MAX_SWEEPER_THREADS)
    return CCGC_MISUSE(&collector->errors, CCGC_E_INVALID_ARGUMENT,
                       ".api.argument",
                       "ccgc_collector_set_compaction_threads: %d threads is "
                       "out of range (0 to %d)",
                       threads, CCGC_MAX_SWEEPER_THREADS);
  /* Inside a collection or any callback (a release, a walk, a teardown's
   * finalizer too: only in_collection was tested, found by an audit). */
  if (ccgc_collector_refuse_busy(collector, "ccgc_collector_set_compaction_threads") !=
      CCGC_OK)
    return CCGC_E_IN_COLLECTION;
  collector->compaction_threads = threads;
  return CCGC_OK;
}
