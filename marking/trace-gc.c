/* trace-gc.c - one V8-style --trace-gc line per collection, e.g.
 *
 * [4711:0x5581d0]      21 ms: Mark-Sweep script 3.8 (4.0) -> 3.4 (5.0) MB,
 *   dom 1.2 (2.0) -> 0.8 (2.0) MB, 1.21 / 0.00 ms (average mu = 0.998,
 *   current mu = 0.990) testing;
 *
 * (one line; wrapped here). Per heap: used (committed) before -> after in MB;
 * then the pause and the time spent in incremental steps (for an incremental
 * cycle, V8's parenthesis with step count, biggest step and wall time); then the mutator
 * utilization since creation and since the previous collection. With
 * --trace-gc-verbose, one line per heap follows, as V8 prints per space. */
#include <stdarg.h>
#include <stdio.h>
#include <unistd.h>

#include "collector-internal.h"

static double mb(size_t bytes) { return (double)bytes / (1024.0 * 1024.0); }

static size_t append(char *buf, size_t size, size_t used, const char *fmt,
                     ...) __attribute__((format(printf, 4, 5)));

static size_t append(char *buf, size_t size, size_t used, const char *fmt,
                     ...) {
  if (used >= size) return used;
  va_list args;
  va_start(args, fmt);
  int written = vsnprintf(buf + used, size - used, fmt, args);
  va_end(args);
  return written < 0 ? used : used + (size_t)written;
}

/* V8's mutator utilization of a pause that started start_ms after the
 * collector's creation and took total_ms: since creation, and since the end
 * of the previous collection (minor or full). */
static void utilization(const ccgc_collector *collector, double start_ms,
                        double total_ms, double *average, double *current) {
  double elapsed = start_ms + total_ms;
  *average = elapsed > 0 ? 1.0 - collector->gc_total_ms / elapsed : 1.0;
  double since_last = (collector->created_ms + start_ms) -
                      collector->last_gc_end_ms + total_ms;
  *current = since_last > 0 ? 1.0 - total_ms / since_last : 1.0;
  if (*average < 0) *average = 0;
  if (*current < 0) *current = 0;
}

size_t ccgc_format_trace_line(const ccgc_collector *collector,
                              const ccgc_cycle_stats *stats, char *buf,
                              size_t size) {
  if (buf && size) buf[0] = '\0';
  if (!stats || !buf ||
      !ccgc_collector_enter(collector, "ccgc_format_trace_line"))
    return 0;
  size_t used = 0;
  double average_mu, current_mu;
  utilization(collector, stats->start_ms, stats->total_ms, &average_mu,
              &current_mu);
  used = append(buf, size, used, "[%d:%p] %8.0f ms: Mark-Sweep", (int)getpid(),
                (const void *)collector, stats->start_ms);
  for (int i = 0; i < stats->heap_count; i++) {
    const ccgc_cycle_heap_stats *heap = &stats->heaps[i];
    if (!heap->name) continue;
    used = append(buf, size, used, "%s %s %.1f (%.1f) -> %.1f (%.1f) MB",
                  i == 0 ? "" : ",", heap->name, mb(heap->before.used_bytes),
                  mb(heap->before.committed_bytes), mb(heap->after.used_bytes),
                  mb(heap->after.committed_bytes));
  }
  used = append(buf, size, used, ", %.2f / %.2f ms ", stats->total_ms,
                stats->incremental_ms);
  if (stats->incremental)
    used = append(buf, size, used,
                  "(+ %.1f ms in %zu steps since start of marking, biggest "
                  "step %.1f ms, walltime since start of marking %.0f ms) ",
                  stats->incremental_ms, stats->steps, stats->max_step_ms,
                  stats->marking_wall_ms);
  used = append(buf, size, used,
                "(average mu = %.3f, current mu = %.3f) %s;", average_mu,
                current_mu, ccgc_gc_reason_name(stats->reason));
  return used;
}

void ccgc_trace_gc_emit(ccgc_collector *collector,
                        const ccgc_cycle_stats *stats) {
  if (!collector->trace_gc) return;
  char line[1024];
  ccgc_format_trace_line(collector, stats, line, sizeof line);
  fprintf(collector->trace_gc, "%s\n", line);
  if (collector->trace_gc_verbose) {
    for (int i = 0; i < stats->heap_count; i++) {
      const ccgc_cycle_heap_stats *heap = &stats->heaps[i];
      if (!heap->name) continue;
      size_t available = heap->after.committed_bytes > heap->after.used_bytes
                             ? heap->after.committed_bytes -
                                   heap->after.used_bytes
                             : 0;
      fprintf(collector->trace_gc,
              "%s heap, used: %zu KB, available: %zu KB, committed: %zu KB, "
              "objects: %zu, marked: %zu\n",
              heap->name, heap->after.used_bytes / 1024, available / 1024,
              heap->after.committed_bytes / 1024, heap->after.object_count,
              heap->marked_objects);
    }
    fprintf(collector->trace_gc,
            "phases: mark %.2f ms, weak %.2f ms, verify %.2f ms, reclaim %.2f "
            "ms, ephemeron rounds %zu, weak slots cleared %zu\n",
            stats->mark_ms, stats->weak_ms, stats->verify_ms, stats->reclaim_ms,
            stats->ephemeron_rounds, stats->weak_slots_cleared);
  }
  fflush(collector->trace_gc);
}

/* V8's scavenge line: "Scavenge 3.8 (4.0) -> 3.4 (5.0) MB, 1.21 / 0.00 ms
 * (average mu = ..., current mu = ...) allocation failure;" with the used
 * (committed) totals of every heap. */
size_t ccgc_format_minor_trace_line(const ccgc_collector *collector,
                                    const ccgc_minor_stats *stats, char *buf,
                                    size_t size) {
  if (buf && size) buf[0] = '\0';
  if (!stats || !buf ||
      !ccgc_collector_enter(collector, "ccgc_format_minor_trace_line"))
    return 0;
  double average_mu, current_mu;
  utilization(collector, stats->start_ms, stats->total_ms, &average_mu,
              &current_mu);
  return append(buf, size, 0,
                "[%d:%p] %8.0f ms: Scavenge %.1f (%.1f) -> %.1f (%.1f) MB, "
                "%.2f / %.2f ms (average mu = %.3f, current mu = %.3f) %s;",
                (int)getpid(), (const void *)collector, stats->start_ms,
                mb(stats->used_before), mb(stats->committed_before),
                mb(stats->used_after), mb(stats->committed_after),
                stats->total_ms, 0.0, average_mu, current_mu,
                ccgc_gc_reason_name(stats->reason));
}

void ccgc_trace_gc_emit_minor(ccgc_collector *collector,
                              const ccgc_minor_stats *stats) {
  if (!collector->trace_gc) return;
  char line[512];
  ccgc_format_minor_trace_line(collector, stats, line, sizeof line);
  fprintf(collector->trace_gc, "%s\n", line);
  if (collector->trace_gc_verbose)
    fprintf(collector->trace_gc,
            "scavenge: roots %.2f ms, copy %.2f ms, weak %.2f ms, threads %d, "
            "survived %zu KB (%zu objects), promoted %zu KB (%zu objects), "
            "remembered slots %zu, semi-space %zu KB%s\n",
            stats->roots_ms, stats->copy_ms, stats->weak_ms, stats->threads,
            stats->survived_bytes / 1024, stats->survived_objects,
            stats->promoted_bytes / 1024, stats->promoted_objects,
            stats->remembered_slots, stats->semispace_bytes / 1024,
            stats->during_marking ? ", during marking" : "");
  fflush(collector->trace_gc);
}
