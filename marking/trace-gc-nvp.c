/* trace-gc-nvp.c - the key=value line of --trace-gc-nvp, in the shape of
 * V8's GCTracer::PrintNVP: the "[pid:isolate] N ms: " prefix of
 * PrintWithTimestamp, then name=value pairs, e.g.
 *
 * [4711:0x5581d0]      21 ms: pause=1.2 mutator=20.1 gc=ms reduce_memory=0
 *   mark=0.90 clear=0.10 sweep=0.20 ... background.mark=0.00
 *   total_size_before=5242880 total_size_after=4404019 ...
 *
 * (one line). V8's keys where ccgc measures the same quantity (gc=ms for a
 * mark-compact, gc=s for a scavenge, background.* for helper-thread time);
 * ccgc's own carry a "ccgc." prefix. Every value is a plain number (or the
 * gc kind) so that V8's tools/gc_nvp_common.py reads each one. V8 leaves out
 * the reason here; so does ccgc. */
#include "collector-internal.h"
#include "trace-gc-internal.h"

size_t ccgc_format_trace_nvp(const ccgc_collector *collector,
                             const ccgc_cycle_stats *stats, char *buf,
                             size_t size) {
  if (buf && size) buf[0] = '\0';
  if (!stats || !buf ||
      !ccgc_collector_enter(collector, "ccgc_format_trace_nvp"))
    return 0;
  ccgc_heap_stats before, after;
  ccgc_trace_totals(stats, &before, &after);
  size_t freed_objects = before.object_count > after.object_count
                             ? before.object_count - after.object_count
                             : 0;
  size_t used = ccgc_trace_prefix(collector, stats->start_ms, buf, size);
  used = ccgc_trace_append(
      buf, size, used,
      "pause=%.1f mutator=%.1f gc=ms reduce_memory=%d mark=%.2f clear=%.2f "
      "sweep=%.2f incremental=%.1f incremental_longest_step=%.1f "
      "incremental_steps_count=%zu incremental_walltime_duration=%.0f "
      "background.mark=%.2f total_size_before=%zu total_size_after=%zu "
      "ccgc.verify=%.2f ccgc.ephemeron_rounds=%zu "
      "ccgc.weak_slots_cleared=%zu ccgc.background.objects=%zu "
      "ccgc.objects_freed=%zu",
      stats->total_ms, stats->mutator_ms,
      ccgc_reason_reduces_memory(stats->reason), stats->mark_ms,
      stats->weak_ms, stats->reclaim_ms, stats->incremental_ms,
      stats->max_step_ms, stats->steps,
      stats->incremental ? stats->marking_wall_ms : 0.0, stats->concurrent_ms,
      before.used_bytes, after.used_bytes, stats->verify_ms,
      stats->ephemeron_rounds, stats->weak_slots_cleared,
      stats->concurrent_objects, freed_objects);
  /* the atomic pause by component (V8's scope names where they match) */
  used = ccgc_trace_append(
      buf, size, used,
      " mark.finish_incremental=%.2f mark.roots=%.2f mark.main=%.2f "
      "mark.weak_closure.ephemeron=%.2f clear.weak_references=%.2f "
      "ccgc.clear.heaps=%.2f ccgc.sweep.finalize=%.2f ccgc.sweep.free=%.2f "
      "ccgc.listeners=%.2f ccgc.other=%.2f",
      stats->pause_markers_ms, stats->roots_ms, stats->drain_ms,
      stats->ephemeron_ms, stats->weak_callbacks_ms, stats->heap_weakness_ms,
      stats->finalize_ms, stats->sweep_ms, stats->listeners_ms,
      stats->other_ms);
  /* the per-heap split, under ccgc.<heap>.* */
  for (int i = 0; i < stats->heap_count; i++) {
    const ccgc_cycle_heap_stats *heap = &stats->heaps[i];
    if (!heap->name) continue;
    used = ccgc_trace_append(
        buf, size, used,
        " ccgc.%s.size_before=%zu ccgc.%s.size_after=%zu "
        "ccgc.%s.committed_after=%zu",
        heap->name, heap->before.used_bytes, heap->name,
        heap->after.used_bytes, heap->name, heap->after.committed_bytes);
  }
  return used;
}

size_t ccgc_format_minor_trace_nvp(const ccgc_collector *collector,
                                   const ccgc_minor_stats *stats, char *buf,
                                   size_t size) {
  if (buf && size) buf[0] = '\0';
  if (!stats || !buf ||
      !ccgc_collector_enter(collector, "ccgc_format_minor_trace_nvp"))
    return 0;
  double promotion_ratio =
      stats->young_before_bytes
          ? 100.0 * (double)stats->promoted_bytes /
                (double)stats->young_before_bytes
          : 0.0;
  size_t used = ccgc_trace_prefix(collector, stats->start_ms, buf, size);
  return ccgc_trace_append(
      buf, size, used,
      "pause=%.1f mutator=%.1f gc=s reduce_memory=0 interleaved=%d "
      "scavenge=%.2f scavenge.roots=%.2f scavenge.weak=%.2f "
      "scavenge.parallel=%.2f background.scavenge.parallel=%.2f "
      "total_size_before=%zu total_size_after=%zu "
      "promoted=%zu new_space_survived=%zu nodes_copied_in_new=%zu "
      "nodes_promoted=%zu promotion_ratio=%.1f%% "
      "ccgc.threads=%d ccgc.remembered_slots=%zu ccgc.semi_space=%zu",
      stats->total_ms, stats->mutator_ms,
      stats->during_marking, stats->total_ms, stats->roots_ms, stats->weak_ms,
      stats->copy_ms, stats->background_ms, stats->used_before, stats->used_after,
      stats->promoted_bytes, stats->survived_bytes, stats->survived_objects,
      stats->promoted_objects, promotion_ratio, stats->threads,
      stats->remembered_slots, stats->semispace_bytes);
}
