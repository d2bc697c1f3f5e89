/* trace-gc-internal.h - what trace-gc.c shares with trace-gc-nvp.c. */
#ifndef CCGC_TRACE_GC_INTERNAL_H
#define CCGC_TRACE_GC_INTERNAL_H

#include <stddef.h>

#include "ccgc.h"

/* Appends a formatted string at buf + used; returns the new length (which
 * may exceed size: the text was cut). */
size_t ccgc_trace_append(char *buf, size_t size, size_t used, const char *fmt,
                         ...) __attribute__((format(printf, 4, 5)));
/* "[pid:collector] %8.0f ms: ", V8's prefix of every trace line. */
size_t ccgc_trace_prefix(const ccgc_collector *collector, double start_ms,
                         char *buf, size_t size);
/* ccgc's reason in V8's words ("allocation failure", "idle task", ...). */
const char *ccgc_trace_v8_reason(ccgc_gc_reason reason);
/* The sum of every heap's statistics before and after a cycle (used,
 * committed, objects). */
void ccgc_trace_totals(const ccgc_cycle_stats *stats, ccgc_heap_stats *before,
                       ccgc_heap_stats *after);
/* The trace figures of a collection that started start_ms after the
 * collector's creation, took total_ms and ended at end_ms (the clock's
 * time): the time since the previous collection (V8's spent_in_mutator,
 * marking steps included) and the two mutator utilizations; then the next
 * collection's window starts at end_ms. Every collection calls it once. */
void ccgc_trace_close_window(ccgc_collector *collector, double start_ms,
                             double total_ms, double end_ms, double *mutator_ms,
                             double *average, double *current);

#endif
