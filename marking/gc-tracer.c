/* gc-tracer.c - per-phase speed estimates (gc-tracer.h). */
#include "gc-tracer.h"

#include <math.h>
#include <string.h>

void ccgc_tracer_init(ccgc_tracer *tracer) {
  memset(tracer, 0, sizeof *tracer);
}

void ccgc_tracer_add(ccgc_tracer *tracer, ccgc_tracer_phase phase,
                     double bytes, double ms) {
  if ((unsigned)phase < CCGC_TRACER_PHASES)
    ccgc_tracer_ring_add(&tracer->rings[phase], bytes, ms);
}

void ccgc_tracer_ring_add(ccgc_tracer_ring *ring, double bytes, double ms) {
  if (!(bytes > 0) || !(ms >= 0) || !isfinite(bytes) || !isfinite(ms))
    return;
  ring->bytes[ring->next] = bytes;
  ring->ms[ring->next] = ms;
  ring->next = (ring->next + 1) % CCGC_TRACER_SAMPLES;
  if (ring->count < CCGC_TRACER_SAMPLES) ring->count++;
}

double ccgc_tracer_speed(const ccgc_tracer *tracer, ccgc_tracer_phase phase) {
  if ((unsigned)phase >= CCGC_TRACER_PHASES) return 0;
  return ccgc_tracer_ring_speed(&tracer->rings[phase]);
}

double ccgc_tracer_ring_speed(const ccgc_tracer_ring *ring) {
  double bytes = 0, ms = 0;
  for (int i = 0; i < ring->count; i++) {
    bytes += ring->bytes[i];
    ms += ring->ms[i];
  }
  if (ring->count == 0) return 0;
  return bytes / (ms > 1e-6 ? ms : 1e-6);
}

double ccgc_tracer_ring_average_ms(const ccgc_tracer_ring *ring) {
  double ms = 0;
  for (int i = 0; i < ring->count; i++) ms += ring->ms[i];
  return ring->count ? ms / ring->count : 0;
}

double ccgc_tracer_estimate_finish_ms(const ccgc_tracer *tracer,
                                      double heap_bytes, bool *known) {
  double atomic = ccgc_tracer_speed(tracer, CCGC_TRACER_ATOMIC);
  double sweep = ccgc_tracer_speed(tracer, CCGC_TRACER_SWEEP);
  *known = atomic > 0 && sweep > 0;
  if (!*known) return 0;
  if (!(heap_bytes > 0)) return 0;
  double estimate = heap_bytes / atomic + heap_bytes / sweep;
  return estimate < CCGC_TRACER_MAX_ESTIMATE_MS ? estimate
                                                : CCGC_TRACER_MAX_ESTIMATE_MS;
}
