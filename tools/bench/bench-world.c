/* bench-world.c - heaps sized as a multiple of a live size, and the
 * collect-when-asked / collect-and-retry discipline the sized benchmarks
 * (gcbench, binary-trees) share. See bench.h. */
#include <math.h>
#include <stdlib.h>

#include "bench.h"

size_t bench_limit_for(size_t live_bytes, double multiplier) {
  size_t limit = (size_t)ceil((double)live_bytes * multiplier);
  /* 256 KiB pages: below a few pages the limit measures page granularity,
   * not the collector. */
  size_t floor = (size_t)8 << 18;
  return limit < floor ? floor : limit;
}

bench_helpers bench_helpers_for(const bench_options *options) {
  bench_helpers helpers = {
      options->scavenger_threads >= 0 ? options->scavenger_threads : 1,
      options->marking_threads >= 0 ? options->marking_threads : 1,
      options->sweeping >= 0 ? options->sweeping : CCGC_SWEEP_CONCURRENT};
  return helpers;
}

void bench_heaps_open(bench_heaps *h, size_t script_limit, size_t dom_limit,
                      bench_helpers helpers) {
  *h = (bench_heaps){0};
  /* Scavenger helpers are a maximum: each scavenge is offered one per 512 KiB
   * the previous one copied (adaptive_threads, docs/collection.md). */
  ccgc_collector_options options = {.scavenger_threads = helpers.scavenger,
                                    .adaptive_threads = true,
                                    .parallel_marking_threads = helpers.marking,
                                    .sweeping = (ccgc_sweeping_mode)helpers.sweeping,
                                    .sweeper_threads = 1};
  h->collector = ccgc_collector_new(&options);
  /* The soft limit is the heap size itself: the collector asks for a
   * collection when the heap is full (the next safepoint runs it), and an
   * allocation that cannot wait for a safepoint fails at the hard limit,
   * a little above (room for the pages of the size classes in use). */
  /* The nursery: at most an eighth of the heap size, between 1 and 16 MiB
   * (V8's default semi-space is 1 to 16 MiB); it starts at the heap's
   * default minimum (1 MiB) and adapts to survival, as V8's does: in
   * binary-trees' phases of small trees a 1 MiB nursery stays in the cache
   * and the mutator ran about 15 % faster than with a fixed 16 MiB one.
   * The heap's limits cover the maximum and its to-space reserve, which
   * are added to the old generation's size. */
  size_t young = script_limit / 8;
  if (young < ((size_t)1 << 20)) young = (size_t)1 << 20;
  if (young > ((size_t)16 << 20)) young = (size_t)16 << 20;
  size_t allowance = script_limit ? 2 * young : 0;
  v8ish_heap_options script = {
      .limit_bytes = script_limit ? script_limit + allowance + ((size_t)4 << 18) : 0,
      .soft_limit_bytes = script_limit,
      .young_max_bytes = young};
  blinkish_heap_options dom = {
      .limit_bytes = dom_limit ? dom_limit + ((size_t)4 << 18) : 0,
      .soft_limit_bytes = dom_limit};
  h->script_limit = script.limit_bytes;
  h->dom_limit = dom.limit_bytes;
  h->script = v8ish_heap_new(h->collector, &script);
  h->dom = blinkish_heap_new(h->collector, &dom);
}

void bench_heaps_close(bench_heaps *h) {
  blinkish_heap_free(h->dom);
  v8ish_heap_free(h->script);
  ccgc_collector_free(h->collector);
}

size_t bench_heaps_committed(bench_heaps *h) {
  ccgc_heap_stats script, dom;
  v8ish_heap_stats(h->script, &script);
  blinkish_heap_stats(h->dom, &dom);
  return script.committed_bytes + dom.committed_bytes;
}

static void count_pause(bench_heaps *h, double pause) {
  h->gc_ms += pause;
  h->gc_count++;
  if (pause > h->max_pause_ms) h->max_pause_ms = pause;
}

void bench_heaps_collect(bench_heaps *h, ccgc_gc_reason reason) {
  size_t committed = bench_heaps_committed(h);
  if (committed > h->peak_committed) h->peak_committed = committed;
  double start = ccgc_time_ms();
  ccgc_collect(h->collector, reason);
  count_pause(h, ccgc_time_ms() - start);
}

void bench_heaps_count_safepoint(bench_heaps *h) {
  unsigned long minors = ccgc_collector_minor_count(h->collector);
  double pause;
  if (minors != h->minor_count) {
    const ccgc_minor_stats *stats = ccgc_collector_last_minor(h->collector);
    h->minor_count = minors;
    pause = stats ? stats->total_ms : 0;
  } else {
    const ccgc_cycle_stats *stats = ccgc_collector_last_cycle(h->collector);
    if (!stats) return;
    size_t committed = 0;
    for (int i = 0; i < stats->heap_count; i++)
      committed += stats->heaps[i].before.committed_bytes;
    if (committed > h->peak_committed) h->peak_committed = committed;
    pause = stats->total_ms;
  }
  count_pause(h, pause);
}

bool bench_heaps_retry(bench_heaps *h) {
  const ccgc_error *error = ccgc_collector_last_error(h->collector);
  if (!error || error->code != CCGC_E_HEAP_LIMIT) return false;
  ccgc_collector_clear_error(h->collector);
  bench_heaps_collect(h, CCGC_REASON_ALLOCATION_LIMIT);
  return true;
}

static int compare_doubles(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

double bench_percentile(double *values, size_t n, double p) {
  if (!n) return 0;
  qsort(values, n, sizeof *values, compare_doubles);
  size_t rank = (size_t)ceil(p / 100.0 * (double)n);
  if (rank < 1) rank = 1;
  return values[rank - 1];
}
