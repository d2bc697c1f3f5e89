/* minor-cycle.c - minor collections (ccgc.h, docs/collection.md "Minor
 * collections"): the collector's half. The heaps with a young generation
 * copy their survivors (minor_collect); the collector stops the marker
 * threads first if a full marking cycle is in progress, fixes every address
 * the marker holds afterwards (.inv.worklists-current), announces the
 * events, keeps the statistics and prints the trace line.
 *
 *   minor_start listeners
 *   [marking: park marker threads, merge their state into the marker]
 *   [sweeping: park the sweeper threads (each finishes its page)]
 *   for each heap: minor_collect     copy, update references; old copies
 *                                    still readable
 *   [marking: ccgc_marker_relocate through the heaps' relocated op]
 *   minor_done listeners             ccgc_collector_relocated answers
 *   for each heap: minor_release     from-space reused
 *   [sweeping: the sweeper threads resume]
 *   [marking: publish, marker threads resume]
 *   for each heap: after_minor       weak callbacks (outside the collection)
 *   minor_end listeners
 */
#include <string.h>

#include "collector-internal.h"
#include "invariant-check.h"
#include "trace-gc-internal.h"
#include "task-pool.h"
#include "thread-sizing.h"

static bool has_young_generation(const ccgc_collector *collector) {
  for (int id = 0; id < collector->heap_count; id++)
    if (collector->heaps[id].heap && collector->heaps[id].ops->minor_collect)
      return true;
  return false;
}

static void totals(ccgc_collector *collector, size_t *used, size_t *committed,
                   size_t *semispace) {
  ccgc_heap_totals sums;
  ccgc_collector_heap_totals(collector, &sums);
  *used = sums.used_bytes;
  *committed = sums.committed_bytes;
  if (semispace) *semispace = sums.young_capacity_bytes;
}

/* The heap of a page by its header: the marker's entries are objects of
 * registered pages (.inv.worklist-objects), so no registry walk. */
static void *relocate_entry(void *address, void *data) {
  ccgc_collector *collector = data;
  ccgc_page *page = ccgc_page_of(address);
  if (!ccgc_page_is_young(page)) return address;
  ccgc_heap_slot *slot = &collector->heaps[page->heap_id];
  return slot->ops->relocated ? slot->ops->relocated(slot->heap, address)
                              : address;
}

void *ccgc_collector_relocated(ccgc_collector *collector,
                               const void *address) {
  if (!ccgc_collector_enter(collector, "ccgc_collector_relocated") || !address)
    return (void *)address;
  if (collector->moves_relocated) /* objects_moved: a compaction */
    return ccgc_events_moved_to(collector, address);
  if (!collector->relocating) return (void *)address;
  ccgc_page *page = ccgc_collector_find_page(collector, address);
  if (!page || !ccgc_page_is_young(page)) return (void *)address;
  return relocate_entry((void *)address, collector);
}

static void call_minor_phase(ccgc_collector *collector, size_t offset) {
  for (int id = 0; id < collector->heap_count; id++) {
    ccgc_heap_slot *slot = &collector->heaps[id];
    if (!slot->heap) continue;
    void (*fn)(void *) = *(void (**)(void *))((const char *)slot->ops + offset);
    if (fn) fn(slot->heap);
  }
}

/* The helpers this scavenge may use: all of scavenger_threads, or with
 * adaptive_threads one per CCGC_SIZING_SCAVENGE_BYTES the last scavenge
 * copied, the best guess of what this one will copy (none before the
 * first: docs/scheduling.md "Helper threads sized per cycle"). */
static int scavenge_helpers(const ccgc_collector *collector) {
  if (!collector->adaptive_threads) return collector->scavenger_threads;
  const ccgc_minor_stats *last = &collector->last_minor;
  double copied = collector->minor_count
                      ? (double)last->survived_bytes + (double)last->promoted_bytes
                      : 0;
  return ccgc_thread_sizing_pause(copied, CCGC_SIZING_SCAVENGE_BYTES,
                                  collector->scavenger_threads);
}

static void run_minor(ccgc_collector *collector, ccgc_gc_reason reason) {
  collector->in_collection = true;
  collector->in_minor = true;
  ccgc_call_context outer =
      ccgc_collector_enter_context(collector, CCGC_CONTEXT_MARKING);
  ccgc_minor_stats stats;
  memset(&stats, 0, sizeof stats);
  stats.scavenge = collector->minor_count + 1;
  stats.reason = reason;
  /* Each heap with a young generation is asked for wanted threads and says
   * how many it offered work to and how many joined (threads, in and out:
   * scavenger.c); with several such heaps the figures are the largest, with
   * none (no nursery) those wanted. */
  int wanted = 1 + scavenge_helpers(collector);
  int threads = 0, offered = 0;
  bool marking = collector->state == CCGC_STATE_MARKING;
  bool sweeping = collector->state == CCGC_STATE_SWEEPING;
  stats.during_marking = marking;
  stats.during_sweeping = sweeping;
  double start = ccgc_now_ms();
  stats.start_ms = start - collector->created_ms;
  totals(collector, &stats.used_before, &stats.committed_before, NULL);
  ccgc_events_minor_start(collector, reason);

  if (marking) {
    /* Marker threads park and hand over what they hold, so that every
     * address the marker keeps is in the marker's own structures. */
    ccgc_concurrent_pause(&collector->concurrent);
    ccgc_concurrent_merge(&collector->concurrent, &collector->marker);
    ccgc_marker_flush_ephemerons(&collector->marker);
  }
  /* Sweeper threads finish the page each holds and return: the scavenge
   * writes slots of live objects on pages they measure. */
  if (sweeping) ccgc_sweeper_park(&collector->sweeper);
  /* Host callbacks inside (the droppable-wrapper handler) may only read. */
  ccgc_collector_enter_context(collector, CCGC_CONTEXT_WALK);
  for (int id = 0; id < collector->heap_count; id++) {
    ccgc_heap_slot *slot = &collector->heaps[id];
    if (!slot->heap || !slot->ops->minor_collect) continue;
    stats.threads = wanted;
    stats.threads_offered = 0; /* stays 0 if the heap had nothing to do */
    slot->ops->minor_collect(slot->heap, &stats);
    if (stats.threads_offered == 0) continue;
    if (stats.threads > threads) threads = stats.threads;
    if (stats.threads_offered > offered) offered = stats.threads_offered;
  }
  stats.threads = offered ? threads : wanted;
  stats.threads_offered = offered ? offered : wanted;
  if (marking)
    ccgc_marker_relocate(&collector->marker, relocate_entry, collector);
  collector->relocating = true;
  ccgc_collector_enter_context(collector, CCGC_CONTEXT_MARKING);
  ccgc_events_minor_done(collector);
  collector->relocating = false;
  call_minor_phase(collector, offsetof(ccgc_heap_ops, minor_release));
  if (sweeping) ccgc_sweeper_unpark(&collector->sweeper);

  double end = ccgc_now_ms();
  stats.total_ms = end - start;
  /* After minor_release: the semi-space as the flip sized it. */
  totals(collector, &stats.used_after, &stats.committed_after,
         &stats.semispace_bytes);
  if (marking) {
    ccgc_marker_publish(&collector->marker);
    ccgc_concurrent_resume(&collector->concurrent);
    /* Promotions grow the old generation: they spend the cycle's pacing
     * budget as old-generation allocation does (pacing.h). */
    collector->old_since_step += (double)stats.promoted_bytes;
  }
  collector->in_collection = false;
  collector->in_minor = false;
  ccgc_collector_leave_context(collector, outer);
  atomic_store(&collector->minor_requested, false);
  collector->minor_count++;
  collector->minor_total_ms += stats.total_ms;
  collector->gc_total_ms += stats.total_ms;
  ccgc_trace_close_window(collector, stats.start_ms, stats.total_ms, end,
                          &stats.mutator_ms, &stats.average_mu,
                          &stats.current_mu);
  collector->last_minor = stats;
  ccgc_trace_gc_emit_minor(collector, &collector->last_minor);

  /* Outside the collection: callbacks that may allocate. */
  collector->after_callbacks++;
  call_minor_phase(collector, offsetof(ccgc_heap_ops, after_minor));
  /* This collection's record: a callback above (a FinalizationRegistry's)
   * may have collected again, which replaced last_minor. */
  ccgc_events_minor_end(collector, &stats);
  collector->after_callbacks--;
}

ccgc_status ccgc_collect_minor(ccgc_collector *collector,
                               ccgc_gc_reason reason) {
  if (!ccgc_collector_enter(collector, "ccgc_collect_minor"))
    return ccgc_collector_valid(collector) ? CCGC_E_WRONG_THREAD
                                           : CCGC_E_INVALID_ARGUMENT;
  if ((unsigned)reason >= CCGC_REASON_COUNT)
    return CCGC_MISUSE(&collector->errors, CCGC_E_INVALID_ARGUMENT,
                       ".api.argument", "ccgc_collect_minor: unknown reason %d",
                       (int)reason);
  if (ccgc_collector_refuse_busy(collector, "ccgc_collect_minor") != CCGC_OK)
    return CCGC_E_IN_COLLECTION;
  /* A scavenge runs beside unswept pages (docs/sweeping.md "Scavenges
   * while sweeping"): promotion takes only swept memory, the remembered set
   * and the traced references skip dead holders. TESTING: the old way,
   * everything swept first (V8's EnsureSweepingCompleted). */
  if (collector->sweeper.sweep_first) ccgc_collector_ensure_swept(collector);
  if (collector->state != CCGC_STATE_IDLE &&
      collector->state != CCGC_STATE_MARKING &&
      collector->state != CCGC_STATE_SWEEPING)
    return ccgc_error_set(&collector->errors, CCGC_E_IN_COLLECTION,
                          "ccgc_collect_minor: a cycle is in its %s",
                          ccgc_gc_state_name(collector->state));
  /* Without a young generation there is nothing to collect: not an error
   * (a host may scavenge whatever heaps it attached). */
  if (has_young_generation(collector)) run_minor(collector, reason);
  atomic_store(&collector->minor_requested, false);
  return CCGC_OK;
}

void ccgc_collector_request_minor(ccgc_collector *collector) {
  if (!ccgc_collector_enter(collector, "ccgc_collector_request_minor")) return;
  atomic_store(&collector->minor_requested, true);
  ccgc_collector_poll_set(collector);
}

/* The helpers of parallel scavenges (scavenger_threads): one pool per
 * collector, its threads created by the first scavenge that wants them and
 * joined by ccgc_collector_free. */
ccgc_task_pool *ccgc_collector_scavenge_pool(ccgc_collector *collector) {
  if (!collector->scavenge_pool)
    collector->scavenge_pool = ccgc_task_pool_new();
  return collector->scavenge_pool;
}

const ccgc_minor_stats *ccgc_collector_last_minor(const ccgc_collector *c) {
  if (!ccgc_collector_enter(c, "ccgc_collector_last_minor")) return NULL;
  return c->minor_count ? &c->last_minor : NULL;
}

unsigned long ccgc_collector_minor_count(const ccgc_collector *collector) {
  if (!ccgc_collector_enter(collector, "ccgc_collector_minor_count")) return 0;
  return collector->minor_count;
}
