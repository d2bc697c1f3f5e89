/* gc-tracer.h - per-phase speed estimates of full cycles, in the manner of
 * V8's GCTracer (src/heap/gc-tracer.h): each phase keeps a ring of its last
 * CCGC_TRACER_SAMPLES samples (bytes, milliseconds) and its speed is the sum
 * of the bytes over the sum of the times (GCTracer::AverageSpeed), so one
 * outlier weighs as one sample of N and leaves the ring after N cycles.
 *
 * The phases (docs/collection.md "Idle time"):
 *   marking  incremental marking steps: bytes marked on the owner thread
 *            (objects visited x the heaps' average object size) per ms
 *   atomic   the atomic pause up to sweeping (marker threads, roots, drain,
 *            ephemerons, weakness, verify, listeners): heap bytes at the
 *            pause's start per ms
 *   sweep    finalizers and reclaim: heap bytes at the pause's start per ms
 *   cycle    the owner thread's marking of a whole cycle: heap bytes at the
 *            pause's start per ms the owner spent marking in the cycle (the
 *            roots at its start, its steps, the atomic pause up to
 *            sweeping); marker threads marking beside the host make it
 *            faster than the marking phase: it is the speed the mutator
 *            sees, which the heap growing policy weighs (heap-controller.h)
 *
 * Legal call order: ccgc_tracer_init once, then any number of
 * ccgc_tracer_add and queries. Owner thread only; no allocation. */
#ifndef CCGC_GC_TRACER_H
#define CCGC_GC_TRACER_H

#include <stdbool.h>
#include <stddef.h>

#define CCGC_TRACER_SAMPLES 10
/* An estimated finishing pause is never more than this (V8's
 * kMaxFinalIncrementalMarkCompactTimeInMs). */
#define CCGC_TRACER_MAX_ESTIMATE_MS 1000.0

typedef enum ccgc_tracer_phase {
  CCGC_TRACER_MARKING,
  CCGC_TRACER_ATOMIC,
  CCGC_TRACER_SWEEP,
  CCGC_TRACER_CYCLE,
  CCGC_TRACER_PHASES
} ccgc_tracer_phase;

typedef struct ccgc_tracer_ring {
  double bytes[CCGC_TRACER_SAMPLES];
  double ms[CCGC_TRACER_SAMPLES];
  int count; /* samples held, at most CCGC_TRACER_SAMPLES */
  int next;  /* where the next sample goes */
} ccgc_tracer_ring;

typedef struct ccgc_tracer {
  ccgc_tracer_ring rings[CCGC_TRACER_PHASES];
} ccgc_tracer;

void ccgc_tracer_init(ccgc_tracer *tracer);
/* One ring on its own (the heap growing policy keeps one per heap:
 * heap-controller.h): adds a sample (ignored as ccgc_tracer_add ignores
 * it), and the speed over its samples (0 with none). */
void ccgc_tracer_ring_add(ccgc_tracer_ring *ring, double bytes, double ms);
double ccgc_tracer_ring_speed(const ccgc_tracer_ring *ring);
/* The average ms of the ring's samples (0 with none). */
double ccgc_tracer_ring_average_ms(const ccgc_tracer_ring *ring);
/* Records that phase processed bytes in ms. Samples without bytes or with a
 * negative or non-finite time are ignored. */
void ccgc_tracer_add(ccgc_tracer *tracer, ccgc_tracer_phase phase,
                     double bytes, double ms);
/* Bytes per ms over the ring; 0 when the phase has no sample yet. A phase
 * whose samples all took 0 ms (below the clock's resolution) counts as
 * 1 byte per nanosecond's worth: bytes / 1e-6 ms. */
double ccgc_tracer_speed(const ccgc_tracer *tracer, ccgc_tracer_phase phase);
/* The finishing pause (atomic part + sweep) of a heap of heap_bytes, from the
 * speeds; at most CCGC_TRACER_MAX_ESTIMATE_MS. *known is false (and the
 * result 0) while the atomic or the sweep phase has no sample. */
double ccgc_tracer_estimate_finish_ms(const ccgc_tracer *tracer,
                                      double heap_bytes, bool *known);

#endif /* CCGC_GC_TRACER_H */
