/* heap-controller.h - how far a heap may grow before its next full
 * collection: the growing policy of V8's heap controller
 * (src/heap/heap-controller.cc), per heap. Internal to the library;
 * docs/heap-growth.md says what hosts see.
 *
 * After each sweep a heap picks a growing factor from two speeds: how fast
 * the collector processes heap bytes as the mutator sees it (heap bytes per
 * ms of the owner's marking in a cycle, gc-tracer.h's cycle phase, combined
 * with the pause's reclaim) and how fast the mutator allocates into this heap (bytes
 * allocated between the end of its last sweep and the start of this cycle,
 * per ms, averaged over the last CCGC_TRACER_SAMPLES cycles). The factor
 * keeps the mutator's utilization at CCGC_TARGET_MUTATOR_UTILIZATION when
 * the collector is fast enough, between CCGC_MIN_GROWING_FACTOR and the
 * host's maximum (ccgc_heap_options.max_growing_factor, default
 * CCGC_MAX_GROWING_FACTOR), and never below the concurrency floor (room
 * for what the mutator allocates while a cycle's helper threads work).
 * The next soft limit lets the heap's
 * old-generation objects grow to live x factor (by at least
 * CCGC_MIN_GROWING_STEP), never below the configured soft limit, and with
 * a hard limit by at most half the headroom of committed bytes left.
 * Owner thread; pure arithmetic besides the heap's own fields. */
#ifndef CCGC_HEAP_CONTROLLER_H
#define CCGC_HEAP_CONTROLLER_H

#include <stdbool.h>
#include <stddef.h>

#define CCGC_MIN_GROWING_FACTOR 1.1
#define CCGC_MAX_GROWING_FACTOR 4.0
#define CCGC_TARGET_MUTATOR_UTILIZATION 0.97
#define CCGC_MIN_GROWING_STEP ((size_t)1024 * 1024)

/* V8's DynamicGrowingFactor: max_factor when either speed is unknown (0) or
 * the collector is too slow for the target; else a / b with a = ratio x
 * (1 - target), b = a - target, ratio = gc_speed / mutator_speed; clamped
 * to [CCGC_MIN_GROWING_FACTOR, max_factor]. */
double ccgc_heap_growing_factor(double gc_speed, double mutator_speed,
                                double max_factor);

/* The least factor that leaves the heap room for what its mutator allocates
 * (mutator_speed, bytes per ms) while a cycle's work is spread over
 * cycle_wall_ms (the time the host runs and allocates while a cycle's
 * helper threads work: an incremental cycle's marking with marker threads,
 * from its start to its atomic pause, and the sweeper threads' span after
 * any pause; the owner's own steps and a stop-the-world pause count none):
 * 1 + mutator_speed x
 * cycle_wall_ms / live. Below it the next cycle would be requested before
 * the helper threads finished this one, and the host would do their work in
 * its steps. 0 (no floor) while a figure is unknown (0). */
double ccgc_heap_concurrency_floor(double mutator_speed, double cycle_wall_ms,
                                   size_t live);

/* The factor a heap takes: ccgc_heap_growing_factor, raised to the
 * concurrency floor when that is higher, within max_factor (0 or outside
 * [CCGC_MIN_GROWING_FACTOR, ...): CCGC_MAX_GROWING_FACTOR). */
double ccgc_heap_choose_factor(double gc_speed, double mutator_speed,
                               double cycle_wall_ms, size_t live,
                               double max_factor);

/* The next soft limit (bytes of old-generation objects that request a
 * collection): live + max(live x (factor - 1), CCGC_MIN_GROWING_STEP), so
 * live x factor for all but small heaps; with a hard limit (0: none) at most
 * live + half the headroom from committed to hard_limit; never below floor. */
size_t ccgc_heap_next_soft_limit(size_t live, size_t committed, double factor,
                                 size_t floor, size_t hard_limit);

#endif /* CCGC_HEAP_CONTROLLER_H */
