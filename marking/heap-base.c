/* heap-base.c - a heap's life with the collector, its limits and its stats
 * (heap-base.h). */
#include "heap-base.h"

#include <stdlib.h>
#include <string.h>

#include "collector-internal.h"
#include "heap-controller.h"
#include "invariant-check.h"

/* The soft limit's floor: the host's, or 8 MiB - at most half a hard
 * limit, so that a collection is requested before allocation fails (a 4
 * MiB hard limit under the 8 MiB floor never asked for one: found by an
 * audit). */
static size_t configured_soft_limit(const ccgc_heap_options *options) {
  if (options->soft_limit_bytes) return options->soft_limit_bytes;
  size_t half = options->limit_bytes / 2;
  return options->limit_bytes && half < CCGC_DEFAULT_SOFT_LIMIT
             ? half
             : CCGC_DEFAULT_SOFT_LIMIT;
}

/* The committed old bytes past which a heap with a hard limit asks for a
 * full collection: half of the room the limit leaves beside what is
 * committed now (young pages included), and not below the soft limit's
 * floor. The soft limit measures objects, and a large object's page holds
 * its tail unused: 70 KB objects of a DOM heap each committed 256 KiB and
 * reached an 8 MiB hard limit with 2.2 MB of objects, the soft limit of 4
 * MiB never passed, no collection asked for (found by an audit). */
static size_t committed_trigger(const ccgc_heap_base *base) {
  size_t limit = base->options.limit_bytes;
  if (!limit) return SIZE_MAX;
  size_t old = ccgc_page_space_old_committed(&base->space);
  size_t committed = base->space.committed_bytes;
  size_t half_room = limit > committed ? (limit - committed) / 2 : 0;
  size_t trigger = old + half_room;
  size_t floor = configured_soft_limit(&base->options);
  return trigger > floor ? trigger : floor;
}

void *ccgc_heap_base_new(size_t size, uint32_t sig, ccgc_collector *collector,
                         const ccgc_heap_options *options, const char *call) {
  /* Creating a heap configures the collector: owner thread, outside any
   * collection or callback (the threading contract, ccgc.h). */
  if (!ccgc_collector_is_live(collector) ||
      ccgc_gate_check(collector, ccgc_collector_gate(collector),
                      CCGC_CALL_CONFIGURE, call) != CCGC_OK)
    return NULL;
  double max_factor = options ? options->max_growing_factor : 0;
  if (max_factor != 0 && !(max_factor >= CCGC_MIN_GROWING_FACTOR &&
                           max_factor <= 100)) {
    CCGC_MISUSE(ccgc_collector_error_sink(collector), CCGC_E_INVALID_ARGUMENT,
                ".api.argument",
                "%s: max_growing_factor %.10g is outside 1.1 to 100 (0: the "
                "default, 4)",
                call, max_factor);
    return NULL;
  }
  int pretenuring = options ? options->pretenuring : 0;
  if (pretenuring < CCGC_PRETENURING_AUTO || pretenuring > CCGC_PRETENURING_EAGER) {
    CCGC_MISUSE(ccgc_collector_error_sink(collector), CCGC_E_INVALID_ARGUMENT,
                ".api.argument",
                "%s: pretenuring %d is not a CCGC_PRETENURING_* value", call,
                pretenuring);
    return NULL;
  }
  int fast_promotion = options ? options->fast_promotion : 0;
  if (fast_promotion < CCGC_FAST_PROMOTION_AUTO ||
      fast_promotion > CCGC_FAST_PROMOTION_ALWAYS) {
    CCGC_MISUSE(ccgc_collector_error_sink(collector), CCGC_E_INVALID_ARGUMENT,
                ".api.argument",
                "%s: fast_promotion %d is not a CCGC_FAST_PROMOTION_* value",
                call, fast_promotion);
    return NULL;
  }
  int compaction = options ? options->compaction : 0;
  if (compaction < CCGC_COMPACTION_NEVER ||
      compaction > CCGC_COMPACTION_EVERY_FULL) {
    CCGC_MISUSE(ccgc_collector_error_sink(collector), CCGC_E_INVALID_ARGUMENT,
                ".api.argument",
                "%s: compaction %d is not a CCGC_COMPACTION_* value", call,
                compaction);
    return NULL;
  }
  ccgc_heap_base *base = calloc(1, size);
  if (!base) return NULL;
  base->sig = sig;
  base->collector = collector;
  base->barrier = ccgc_collector_barrier(collector);
  base->errors = ccgc_collector_error_sink(collector);
  base->gate = ccgc_collector_gate(collector);
  base->heap_id = -1;
  if (options) base->options = *options;
  base->soft_limit = configured_soft_limit(&base->options);
  base->gc_end_ms = ccgc_now_ms();
  ccgc_page_space_init(&base->space, base);
  base->committed_trigger = committed_trigger(base);
  return base;
}

bool ccgc_heap_base_attach(ccgc_heap_base *base, const ccgc_heap_ops *ops,
                           const char *call) {
  base->ops = ops;
  base->heap_id = ccgc_collector_attach_heap(base->collector, ops, base, call);
  if (base->heap_id >= 0) {
    base->collector->heaps[base->heap_id].base = base;
    /* Before its first sweep a heap commits up to its soft limit: the pool
     * keeps what it releases meanwhile (a nursery's trims) up to that. */
    ccgc_collector_set_headroom(base->collector, base->heap_id,
                                base->soft_limit);
    atomic_store_explicit(&base->gate_open,
                          atomic_load_explicit(&base->collector->gate.open,
                                               memory_order_relaxed),
                          memory_order_relaxed);
  }
  return base->heap_id >= 0;
}

void ccgc_heap_base_free(ccgc_heap_base *base) {
  if (base->heap_id >= 0)
    ccgc_collector_detach_heap(base->collector, base->heap_id);
  ccgc_sig_wipe(&base->sig);
  free(base);
}

void ccgc_heap_base_grow_soft_limit(ccgc_heap_base *base) {
  ccgc_collector *collector = base->collector;
  size_t live = ccgc_heap_base_old_used(base);
  /* The mutator's speed: what this heap grew by between the end of its
   * last sweep and the start of this cycle (its used bytes then, in the
   * cycle's statistics), per ms of that time. A quiet period counts as one
   * byte, so that it lowers the average instead of being dropped. */
  if (base->heap_id >= 0 && base->heap_id < collector->current.heap_count) {
    size_t before = collector->current.heaps[base->heap_id].before.used_bytes;
    double allocated =
        before > base->live_after_gc ? (double)(before - base->live_after_gc) : 1;
    ccgc_tracer_ring_add(&base->allocation, allocated,
                         collector->cycle_start_ms - base->gc_end_ms);
  }
  /* The collector's speed as the mutator sees it: heap bytes per ms of
   * the owner thread's marking in a whole cycle (gc-tracer.h "cycle":
   * marker threads' work is not the mutator's time) combined with the
   * pause's reclaim (1 / sum of 1 / speed, as V8 combines its phases).
   * Sweeping and finalizing after the pause are left out, as V8's heap
   * controller leaves them out: most of it is one finalizer per dead
   * object however often cycles come (though each costs more in a tight,
   * fragmented heap: docs/benchmarks-history-early.md, tenth session). */
  static const ccgc_tracer_phase phases[] = {CCGC_TRACER_CYCLE, CCGC_TRACER_SWEEP};
  double inverse = 0;
  for (size_t i = 0; i < sizeof phases / sizeof *phases; i++) {
    double speed = ccgc_tracer_speed(&collector->tracer, phases[i]);
    if (speed > 0) inverse += 1 / speed;
  }
  double gc_speed = inverse > 0 ? 1 / inverse : 0;
  /* A memory-reducing cycle keeps the heap tightest (V8: ShouldReduceMemory
   * takes its minimum growing factor). */
  base->growing_factor =
      ccgc_collector_reducing_memory(collector)
          ? CCGC_MIN_GROWING_FACTOR
          : ccgc_heap_choose_factor(
                gc_speed, ccgc_tracer_ring_speed(&base->allocation),
                ccgc_tracer_ring_average_ms(&collector->cycle_wall), live,
                base->options.max_growing_factor);
  base->soft_limit = ccgc_heap_next_soft_limit(
      live, ccgc_page_space_old_committed(&base->space), base->growing_factor,
      configured_soft_limit(&base->options), base->options.limit_bytes);
  base->committed_trigger = committed_trigger(base);
  base->live_after_gc = live;
  base->gc_end_ms = ccgc_now_ms();
  /* What this heap may commit again before its next full collection: the
   * page pool keeps up to that many released pages (page-pool.h). */
  size_t committed = ccgc_page_space_old_committed(&base->space);
  ccgc_collector_set_headroom(
      collector, base->heap_id,
      base->soft_limit > committed ? base->soft_limit - committed : 0);
}

void ccgc_heap_base_hold_soft_limit(ccgc_heap_base *base) {
  size_t used = ccgc_heap_base_old_used(base);
  size_t held = used > SIZE_MAX / 2 ? SIZE_MAX : 2 * used;
  if (base->soft_limit < held) base->soft_limit = held;
  size_t trigger = committed_trigger(base);
  if (base->committed_trigger < trigger) base->committed_trigger = trigger;
}

void ccgc_heap_base_stats(void *heap, ccgc_heap_stats *out) {
  const ccgc_heap_base *base = heap;
  memset(out, 0, sizeof *out);
  out->used_bytes = base->space.used_bytes;
  out->committed_bytes = base->space.committed_bytes;
  out->object_count = base->space.object_count;
  out->page_count = base->space.normal_page_count +
                    base->space.large_page_count + base->space.young_page_count;
  out->young_committed_bytes = base->space.young_committed_bytes;
  out->limit_bytes = base->options.limit_bytes;
  out->soft_limit_bytes = base->soft_limit;
  out->growing_factor = base->growing_factor;
}

ccgc_collector *ccgc_heap_base_public_collector(const ccgc_heap_base *base,
                                               uint32_t sig, const char *call) {
  return ccgc_heap_base_enter(base, sig, CCGC_CALL_READ, call) ? base->collector
                                                               : NULL;
}

void ccgc_heap_base_public_stats(const ccgc_heap_base *base, uint32_t sig,
                                 ccgc_heap_stats *out, const char *call) {
  if (!out) return;
  memset(out, 0, sizeof *out);
  if (ccgc_heap_base_enter(base, sig, CCGC_CALL_READ, call))
    base->ops->stats((void *)base, out);
}

int ccgc_heap_base_public_id(const ccgc_heap_base *base, uint32_t sig,
                             const char *call) {
  return ccgc_heap_base_enter(base, sig, CCGC_CALL_READ, call) ? base->heap_id
                                                               : -1;
}

bool ccgc_heap_base_public_contains(const ccgc_heap_base *base, uint32_t sig,
                                    const void *address, const char *call) {
  if (!ccgc_heap_base_enter(base, sig, CCGC_CALL_READ, call)) return false;
  return ccgc_collector_contains_checked(base->collector, address,
                                         base->heap_id, call);
}
