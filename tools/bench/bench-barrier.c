/* bench-barrier.c - `ccgc bench barrier`: the write barrier's fast path.
 * The same store loop twice: with ccgc_write_barrier after every store (the
 * code every heap runs) and with no barrier code at all. Marking is off, as
 * for most of a program's life. Printed: both loops' times and store
 * throughput, and their ratio.
 *
 * The holder and the values are real heap objects: the barrier reads the
 * value's page header (its generational half: is the value young? only
 * then is the holder's page read), so plain malloc'd memory would not do. They are DOM heap
 * objects, which are never young: the stores are old-to-old, the common
 * case, and nothing is recorded. No collection runs during the loops (the
 * holder's type traces nothing). */
#include <stdio.h>
#include <stdlib.h>

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
  blinkish_heap_options heap_options = {.limit_bytes = 0};
  blinkish_heap *heap = blinkish_heap_new(collector, &heap_options);
  blinkish_type_id holder_type =
      blinkish_register_type(heap, &(blinkish_type_info){.name = "BarrierHolder"});
  blinkish_type_id value_type =
      blinkish_register_type(heap, &(blinkish_type_info){.name = "BarrierValue"});
  store_target t;
  t.count = 1 << 16;
  t.slots = blinkish_alloc(heap, holder_type, t.count * sizeof(void *));
  t.values = calloc(t.count, sizeof(void *));
  bool ok = t.slots && t.values;
  for (size_t i = 0; ok && i < t.count; i++)
    ok = (t.values[i] = blinkish_alloc(heap, value_type, 16)) != NULL;
  if (!ok) {
    fprintf(stderr, "ccgc bench barrier: cannot allocate the store targets\n");
    free(t.values);
    blinkish_heap_free(heap);
    ccgc_collector_free(collector);
    return 1;
  }
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
  if (options->json) {
    ccgc_json_writer *json = options->json;
    ccgc_json_writer_begin_object(json);
    ccgc_json_writer_member_string(json, "bench", "barrier");
    ccgc_json_writer_member_fixed(json, "no_barrier_ms", best_without, 3);
    ccgc_json_writer_member_fixed(json, "barrier_ms", best_with, 3);
    ccgc_json_writer_member_fixed(json, "throughput_ratio", best_without / best_with, 4);
    ccgc_json_writer_end_object(json);
  }
  free(t.values);
  blinkish_heap_free(heap);
  ccgc_collector_free(collector);
  return 0;
}
