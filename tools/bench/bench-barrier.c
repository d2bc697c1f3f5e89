/* bench-barrier.c - `ccgc bench barrier`: the write barrier's fast path.
 * The same store loop twice: with ccgc_write_barrier after every store (the
 * code every heap runs) and with no barrier code at all. Marking is off, as
 * for most of a program's life. Printed: both loops' times and store
 * throughput, and their ratio. */
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>

#include "bench.h"
#include "ccgc-heap.h"

typedef struct store_target {
  void **slots;
  void **values;
  size_t count; /* a power of two: the value index is a mask, because a
                 * division per store (it was a modulo) costs more than the
                 * barrier's load and branch and hid them */
} store_target;

__attribute__((noinline)) static double loop_with_barrier(ccgc_barrier *barrier,
                                                          store_target *t,
                                                          size_t rounds) {
  double start = ccgc_time_ms();
  for (size_t r = 0; r < rounds; r++)
    for (size_t i = 0; i < t->count; i++) {
      void *value = t->values[(i * 7 + r) & (t->count - 1)];
      __atomic_store_n(&t->slots[i], value, __ATOMIC_RELAXED);
      ccgc_write_barrier(barrier, t->slots, &t->slots[i], value);
    }
  return ccgc_time_ms() - start;
}

__attribute__((noinline)) static double loop_without_barrier(store_target *t,
                                                             size_t rounds) {
  double start = ccgc_time_ms();
  for (size_t r = 0; r < rounds; r++)
    for (size_t i = 0; i < t->count; i++) {
      void *value = t->values[(i * 7 + r) & (t->count - 1)];
      __atomic_store_n(&t->slots[i], value, __ATOMIC_RELAXED);
    }
  return ccgc_time_ms() - start;
}

int ccgc_bench_barrier(const bench_options *options) {
  ccgc_collector *collector = ccgc_collector_new(NULL);
  ccgc_barrier *barrier = ccgc_collector_barrier(collector);
  store_target t;
  /* The barrier reads the page headers of holder and value (the
   * generational job): both arrays live in page-aligned memory whose first
   * bytes are a zeroed header, an old page's flags. */
  t.count = 1 << 14;
  uint8_t *pages = ccgc_memory_map_aligned(2 * CCGC_PAGE_SIZE, CCGC_PAGE_SIZE);
  if (!pages) return 1;
  t.slots = (void **)(pages + 4096);
  t.values = (void **)(pages + CCGC_PAGE_SIZE + 4096);
  for (size_t i = 0; i < t.count; i++) t.values[i] = &t.values[i];
  size_t rounds = options->quick ? 200 : 2000;
  double best_with = 1e300, best_without = 1e300;
  for (int trial = 0; trial < 5; trial++) {
    double with = loop_with_barrier(barrier, &t, rounds);
    double without = loop_without_barrier(&t, rounds);
    if (with < best_with) best_with = with;
    if (without < best_without) best_without = without;
  }
  double stores = (double)rounds * (double)t.count;
  printf("%-28s %12s %14s\n", "store loop (marking off)", "ms", "Mstores/s");
  printf("%-28s %12.1f %14.1f\n", "no barrier code", best_without,
         stores / best_without / 1e3);
  printf("%-28s %12.1f %14.1f\n", "Dijkstra barrier compiled in", best_with,
         stores / best_with / 1e3);
  printf("ratio throughput with barrier / without: %.3f\n",
         best_without / best_with);
  if (options->json)
    fprintf(options->json,
            "{\"bench\":\"barrier\",\"no_barrier_ms\":%.3f,\"barrier_ms\":%.3f,"
            "\"throughput_ratio\":%.4f}\n",
            best_without, best_with, best_without / best_with);
  munmap(pages, 2 * CCGC_PAGE_SIZE);
  ccgc_collector_free(collector);
  return 0;
}
