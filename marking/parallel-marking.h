/* parallel-marking.h - the atomic pause's drain on the owner thread and
 * helper threads (options.parallel_marking_threads; docs/collection.md,
 * "Parallel marking in the pause").
 *
 * Legal call order (owner thread, inside the atomic pause, the marker
 * threads parked and merged, the mutator stopped):
 *   ccgc_parallel_drain(marker, stats)   returns with no grey object left
 *                                         and the helpers' findings merged
 * Synchronization is pthread (the task pool) and C11 atomics only.
 */
#ifndef CCGC_PARALLEL_MARKING_H
#define CCGC_PARALLEL_MARKING_H

#include "marker.h"

/* Drains every worklist to empty with the owner and
 * collector->parallel_marking_threads helpers (the owner alone when 0);
 * fills stats->pause_mark_threads and stats->pause_helpers_ms. Returns the
 * objects the helpers visited. */
size_t ccgc_parallel_drain(ccgc_marker *marker, ccgc_cycle_stats *stats);

#endif /* CCGC_PARALLEL_MARKING_H */
