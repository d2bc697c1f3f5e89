/* heap-base.c - a heap's life with the collector, its limits and its stats
 * (heap-base.h). */
#include "heap-base.h"

#include <stdlib.h>
#include <string.h>

static size_t configured_soft_limit(const ccgc_heap_options *options) {
  return options->soft_limit_bytes ? options->soft_limit_bytes
                                   : CCGC_DEFAULT_SOFT_LIMIT;
}

void *ccgc_heap_base_new(size_t size, uint32_t sig, ccgc_collector *collector,
                         const ccgc_heap_options *options, const char *call) {
  /* Creating a heap configures the collector: owner thread, outside any
   * collection or callback (the threading contract, ccgc.h). */
  if (!ccgc_collector_is_live(collector) ||
      ccgc_gate_check(collector, ccgc_collector_gate(collector),
                      CCGC_CALL_CONFIGURE, call) != CCGC_OK)
    return NULL;
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
  ccgc_page_space_init(&base->space, base);
  return base;
}

bool ccgc_heap_base_attach(ccgc_heap_base *base, const ccgc_heap_ops *ops) {
  base->ops = ops;
  base->heap_id = ccgc_collector_attach_heap(base->collector, ops, base);
  return base->heap_id >= 0;
}

void ccgc_heap_base_free(ccgc_heap_base *base) {
  if (base->heap_id >= 0)
    ccgc_collector_detach_heap(base->collector, base->heap_id);
  base->sig = 0;
  free(base);
}

void ccgc_heap_base_grow_soft_limit(ccgc_heap_base *base) {
  size_t target = ccgc_page_space_old_committed(&base->space) * 2;
  size_t floor = configured_soft_limit(&base->options);
  base->soft_limit = target > floor ? target : floor;
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
