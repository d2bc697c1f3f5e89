/* trace-gc.c - one line per collection in the shape of V8's --trace-gc
 * (src/heap/gc-tracer.cc, GCTracer::Print, as in node 20's V8), e.g.
 *
 * [4711:0x5581d0]      21 ms: Mark-Compact 5.0 (6.0) -> 4.2 (7.0) MB,
 *   1.21 / 0.00 ms  (average mu = 0.998, current mu = 0.990) testing;
 * [4711:0x5581d0]      25 ms: Scavenge 5.1 (7.0) -> 4.3 (7.0) MB,
 *   0.40 / 0.00 ms  (average mu = 0.997, current mu = 0.950) allocation failure;
 *
 * (one line each, with a space after the ';' as V8 leaves for its empty
 * collector reason; wrapped here). The pair is the total of every attached
 * heap, used (committed) before -> after in MB, as V8 prints the total of its
 * spaces. Then the pause and, as V8's second figure, the time spent in the
 * embedder's GC callbacks ("external" time: ccgc has none yet, so 0.00);
 * for an incremental cycle V8's parenthesis with step time, step count,
 * biggest step and wall time; then the mutator utilization since creation
 * and since the previous collection; then the reason in V8's words.
 *
 * With --trace-gc-verbose, lines follow with the per-heap split and the
 * phases, including the time of the helper threads (V8's background scopes),
 * and the atomic pause by component ("pause: markers ... total ... ms").
 * With --trace-gc-nvp, a key=value line (GCTracer::PrintNVP) replaces the
 * line: trace-gc-nvp.c. */
#include <stdarg.h>
#include <stdio.h>
#include <unistd.h>

#include "collector-internal.h"
#include "trace-gc-internal.h"

static double mb(size_t bytes) { return (double)bytes / (1024.0 * 1024.0); }

size_t ccgc_trace_append(char *buf, size_t size, size_t used, const char *fmt,
                         ...) {
  /* As snprintf: the whole line's length even once buf is full (pieces
   * past the end are counted, not written), so a caller can size a buffer
   * from a first call. */
  va_list args;
  va_start(args, fmt);
  int written = used < size ? vsnprintf(buf + used, size - used, fmt, args)
                            : vsnprintf(NULL, 0, fmt, args);
  va_end(args);
  return written < 0 ? used : used + (size_t)written;
}

/* ccgc's reasons in V8's words (Heap::GarbageCollectionReasonToString), so
 * that tools counting V8's reasons count ours. ccgc_gc_reason_name keeps
 * ccgc's own words for its statistics. */
const char *ccgc_trace_v8_reason(ccgc_gc_reason reason) {
  switch (reason) {
  case CCGC_REASON_TESTING: return "testing";
  case CCGC_REASON_ALLOCATION_LIMIT: return "allocation limit";
  /* an explicit call of the embedder: V8's runtime-requested GC */
  case CCGC_REASON_HOST_REQUEST: return "runtime";
  case CCGC_REASON_IDLE: return "idle task";
  case CCGC_REASON_MEMORY_PRESSURE: return "memory pressure";
  /* the host drops its heaps, as an embedder disposing of a context */
  case CCGC_REASON_TEARDOWN: return "context disposal";
  case CCGC_REASON_ALLOCATION_FAILURE: return "allocation failure";
  case CCGC_REASON_MEMORY_REDUCER: return "memory reducer";
  case CCGC_REASON_COUNT: break;
  }
  return "unknown";
}

void ccgc_trace_totals(const ccgc_cycle_stats *stats, ccgc_heap_stats *before,
                       ccgc_heap_stats *after) {
  *before = (ccgc_heap_stats){0};
  *after = (ccgc_heap_stats){0};
  for (int i = 0; i < stats->heap_count; i++) {
    const ccgc_cycle_heap_stats *heap = &stats->heaps[i];
    if (!heap->name) continue;
    before->used_bytes += heap->before.used_bytes;
    before->committed_bytes += heap->before.committed_bytes;
    before->object_count += heap->before.object_count;
    after->used_bytes += heap->after.used_bytes;
    after->committed_bytes += heap->after.committed_bytes;
    after->object_count += heap->after.object_count;
  }
}

/* V8's mutator utilization of a pause that started start_ms after the
 * collector's creation and took total_ms: since creation (every
 * collection's time, marking steps included, against the time elapsed),
 * and since the end of the previous collection, minor or full (the pause
 * and the marking steps taken since then, as V8's RecordMutatorUtilization
 * counts a cycle's steps with its pause, against the time since then).
 * Called as the collection ends: collector->gc_total_ms counts it already;
 * the next window starts at end_ms, with no marking step in it yet. */
void ccgc_trace_close_window(ccgc_collector *collector, double start_ms,
                             double total_ms, double end_ms, double *mutator_ms,
                             double *average, double *current) {
  double elapsed = start_ms + total_ms;
  *average = elapsed > 0 ? 1.0 - collector->gc_total_ms / elapsed : 1.0;
  double since = (collector->created_ms + start_ms) - collector->last_gc_end_ms;
  if (since < 0) since = 0;
  double steps = collector->step_ms_since_gc_end;
  double window = since + total_ms;
  *current = window > 0 ? 1.0 - (total_ms + steps) / window : 1.0;
  *mutator_ms = since; /* V8's spent_in_mutator: steps included */
  if (*average < 0) *average = 0;
  if (*current < 0) *current = 0;
  collector->last_gc_end_ms = end_ms;
  collector->step_ms_since_gc_end = 0;
}

/* "[pid:isolate] %8.0f ms: " - V8's prefix, with the collector for the
 * isolate. */
size_t ccgc_trace_prefix(const ccgc_collector *collector, double start_ms,
                         char *buf, size_t size) {
  return ccgc_trace_append(buf, size, 0, "[%d:%p] %8.0f ms: ", (int)getpid(),
                           (const void *)collector, start_ms);
}

/* "%.1f (%.1f) -> %.1f (%.1f) MB, %.2f / %.2f ms %s (average mu = %.3f,
 * current mu = %.3f) %s; %s" - the rest of GCTracer::Print's format. */
static size_t body(char *buf, size_t size, size_t used,
                   const ccgc_heap_stats *before, const ccgc_heap_stats *after,
                   double pause_ms, double average_mu, double current_mu,
                   const char *incremental, ccgc_gc_reason reason) {
  const double external_ms = 0.0; /* no embedder GC callbacks yet */
  return ccgc_trace_append(
      buf, size, used,
      "%.1f (%.1f) -> %.1f (%.1f) MB, %.2f / %.2f ms %s (average mu = %.3f, "
      "current mu = %.3f) %s; ",
      mb(before->used_bytes), mb(before->committed_bytes),
      mb(after->used_bytes), mb(after->committed_bytes), pause_ms,
      external_ms, incremental, average_mu, current_mu,
      ccgc_trace_v8_reason(reason));
}

size_t ccgc_format_trace_line(const ccgc_collector *collector,
                              const ccgc_cycle_stats *stats, char *buf,
                              size_t size) {
  if (buf && size) buf[0] = '\0';
  if (!stats || !buf ||
      !ccgc_collector_enter(collector, "ccgc_format_trace_line"))
    return 0;
  char incremental[192] = "";
  if (stats->incremental)
    snprintf(incremental, sizeof incremental,
             " (+ %.1f ms in %zu steps since start of marking, biggest step "
             "%.1f ms, walltime since start of marking %.0f ms)",
             stats->incremental_ms, stats->steps, stats->max_step_ms,
             stats->marking_wall_ms);
  ccgc_heap_stats before, after;
  ccgc_trace_totals(stats, &before, &after);
  size_t used = ccgc_trace_prefix(collector, stats->start_ms, buf, size);
  used = ccgc_trace_append(buf, size, used, "Mark-Compact ");
  return body(buf, size, used, &before, &after, stats->total_ms,
              stats->average_mu, stats->current_mu, incremental, stats->reason);
}

void ccgc_trace_gc_emit(ccgc_collector *collector,
                        const ccgc_cycle_stats *stats) {
  if (!collector->trace_gc) return;
  char line[2048];
  if (collector->trace_gc_nvp)
    ccgc_format_trace_nvp(collector, stats, line, sizeof line);
  else
    ccgc_format_trace_line(collector, stats, line, sizeof line);
  fprintf(collector->trace_gc, "%s\n", line);
  if (collector->trace_gc_verbose) {
    /* the per-heap split of the line's total pair */
    for (int i = 0; i < stats->heap_count; i++) {
      const ccgc_cycle_heap_stats *heap = &stats->heaps[i];
      if (!heap->name) continue;
      size_t available = heap->after.committed_bytes > heap->after.used_bytes
                             ? heap->after.committed_bytes -
                                   heap->after.used_bytes
                             : 0;
      fprintf(collector->trace_gc,
              "%s heap: %.1f (%.1f) -> %.1f (%.1f) MB, used: %zu KB, "
              "available: %zu KB, committed: %zu KB, objects: %zu, "
              "marked: %zu\n",
              heap->name, mb(heap->before.used_bytes),
              mb(heap->before.committed_bytes), mb(heap->after.used_bytes),
              mb(heap->after.committed_bytes), heap->after.used_bytes / 1024,
              available / 1024, heap->after.committed_bytes / 1024,
              heap->after.object_count, heap->marked_objects);
      if (heap->after.evacuated_pages) /* docs/compaction.md */
        fprintf(collector->trace_gc,
                "%s heap compacted: %zu pages evacuated, %zu KB moved "
                "(%zu objects), evacuation %.2f ms\n",
                heap->name, heap->after.evacuated_pages,
                heap->after.evacuated_bytes / 1024,
                heap->after.evacuated_objects, heap->after.evacuation_ms);
    }
    fprintf(collector->trace_gc,
            "phases: mark %.2f ms, weak %.2f ms, verify %.2f ms, reclaim %.2f "
            "ms, ephemeron rounds %zu, weak slots cleared %zu, helper "
            "threads %.2f ms (%zu objects)\n",
            stats->mark_ms, stats->weak_ms, stats->verify_ms, stats->reclaim_ms,
            stats->ephemeron_rounds, stats->weak_slots_cleared,
            stats->concurrent_ms, stats->concurrent_objects);
    fprintf(collector->trace_gc,
            "pause marking: %d threads, helpers %.2f ms (%zu objects)\n",
            stats->pause_mark_threads, stats->pause_helpers_ms,
            stats->pause_helper_objects);
    if (stats->mark_entries_dropped)
      fprintf(collector->trace_gc,
              "mark worklist overflow: %zu grey objects dropped, %d heap "
              "walks\n",
              stats->mark_entries_dropped, stats->mark_overflow_walks);
    /* the atomic pause by component, adding up to the pause */
    fprintf(collector->trace_gc,
            "pause: markers %.2f ms, roots %.2f ms, drain %.2f ms, "
            "ephemerons %.2f ms, weak callbacks %.2f ms, heap weakness %.2f "
            "ms, verify %.2f ms, finalize %.2f ms, sweep %.2f ms, listeners "
            "%.2f ms, other %.2f ms, total %.2f ms\n",
            stats->pause_markers_ms, stats->roots_ms, stats->drain_ms,
            stats->ephemeron_ms, stats->weak_callbacks_ms,
            stats->heap_weakness_ms, stats->verify_ms, stats->finalize_ms,
            stats->sweep_ms, stats->listeners_ms, stats->other_ms,
            stats->total_ms);
  }
  fflush(collector->trace_gc);
}

void ccgc_trace_gc_emit_sweeping(ccgc_collector *collector,
                                 const ccgc_cycle_stats *stats) {
  if (!collector->trace_gc || !collector->trace_gc_verbose) return;
  /* After the cycle's lines, when its lazy sweeping completed
   * (docs/sweeping.md): the owner's and the sweeper threads' share. */
  fprintf(collector->trace_gc,
          "sweeping: cycle %lu, %s, %zu steps, main thread %.2f ms, sweeper "
          "threads %.2f ms, completed %.2f ms after the pause\n",
          stats->cycle, ccgc_sweeping_mode_name(stats->sweeping),
          stats->sweep_steps, stats->lazy_sweep_ms, stats->concurrent_sweep_ms,
          stats->sweeping_wall_ms);
  fflush(collector->trace_gc);
}

size_t ccgc_format_minor_trace_line(const ccgc_collector *collector,
                                    const ccgc_minor_stats *stats, char *buf,
                                    size_t size) {
  if (buf && size) buf[0] = '\0';
  if (!stats || !buf ||
      !ccgc_collector_enter(collector, "ccgc_format_minor_trace_line"))
    return 0;
  ccgc_heap_stats before = {.used_bytes = stats->used_before,
                            .committed_bytes = stats->committed_before};
  ccgc_heap_stats after = {.used_bytes = stats->used_after,
                           .committed_bytes = stats->committed_after};
  size_t used = ccgc_trace_prefix(collector, stats->start_ms, buf, size);
  used = ccgc_trace_append(buf, size, used, "Scavenge ");
  return body(buf, size, used, &before, &after, stats->total_ms,
              stats->average_mu, stats->current_mu, "", stats->reason);
}

void ccgc_trace_gc_emit_minor(ccgc_collector *collector,
                              const ccgc_minor_stats *stats) {
  if (!collector->trace_gc) return;
  char line[1024];
  if (collector->trace_gc_nvp)
    ccgc_format_minor_trace_nvp(collector, stats, line, sizeof line);
  else
    ccgc_format_minor_trace_line(collector, stats, line, sizeof line);
  fprintf(collector->trace_gc, "%s\n", line);
  if (collector->trace_gc_verbose)
    fprintf(collector->trace_gc,
            "scavenge: roots %.2f ms, copy %.2f ms, weak %.2f ms, threads %d, "
            "survived %zu KB (%zu objects), promoted %zu KB (%zu objects), "
            "remembered slots %zu, semi-space %zu KB, classes pretenured %zu%s\n",
            stats->roots_ms, stats->copy_ms, stats->weak_ms, stats->threads,
            stats->survived_bytes / 1024, stats->survived_objects,
            stats->promoted_bytes / 1024, stats->promoted_objects,
            stats->remembered_slots, stats->semispace_bytes / 1024,
            stats->pretenured_classes,
            stats->during_marking ? ", during marking"
            : stats->during_sweeping ? ", during sweeping"
                                     : "");
  fflush(collector->trace_gc);
}
