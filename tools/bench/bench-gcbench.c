/* bench-gcbench.c - `ccgc bench gcbench`: Boehm's GCBench, written from its
 * published description, on the script heap, the DOM heap, Boehm GC and
 * malloc/free (bench-trees.c), with the time of each as a ratio to malloc
 * and to Boehm measured in the same run.
 *
 * The workload: a stretch tree of depth 18 built and dropped; a long-lived
 * tree of depth 16 and an array of 500,000 doubles kept to the end; then for
 * depth d = 4, 6, ..., 16, NumIters(d) = 2 * TreeSize(18) / TreeSize(d)
 * temporary trees built top-down (allocate the node, then populate its
 * children) and as many bottom-up (children first), each dropped at once.
 * TreeSize(d) = 2^(d+1) - 1. --quick: depths 16 / 14 / 4..14 and 125,000
 * doubles.
 *
 * Heap size: the peak live size is computed, not measured: the largest of
 * the stretch tree alone and long-lived tree + array + the largest
 * temporary tree, times the node size of that allocator. The ccgc heaps get
 * multiplier x that as their size (bench-world.c); Boehm starts at that
 * size (it may grow past it; its final heap is reported); malloc frees
 * explicitly and has no heap size.
 *
 * V8 beside them (bench-v8.c): when node is there, GCBench in JavaScript
 * with the same parameters under `node --trace-gc`; its iteration counts
 * and final checks are compared with what the C workload does. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench-trees.h"
#include "bench-v8.h"

typedef struct gcbench_shape {
  int stretch_depth, long_lived_depth, min_depth, max_depth;
  size_t array_size;
} gcbench_shape;

static long tree_size(int depth) { return (1L << (depth + 1)) - 1; }

static size_t peak_live(const gcbench_shape *s, size_t node_bytes) {
  size_t stretch = (size_t)tree_size(s->stretch_depth) * node_bytes;
  size_t steady = (size_t)(tree_size(s->long_lived_depth) + tree_size(s->max_depth)) *
                      node_bytes + s->array_size * sizeof(double);
  return stretch > steady ? stretch : steady;
}

typedef bench_tree_run gcbench_run;

/* The tree nodes one run allocates: the progress meter's unit (every depth
 * allocates about as many, 4 x TreeSize(stretch), so time goes with them). */
static uint64_t nodes_per_run(const gcbench_shape *s) {
  uint64_t nodes = (uint64_t)(tree_size(s->stretch_depth) + tree_size(s->long_lived_depth));
  for (int d = s->min_depth; d <= s->max_depth; d += 2)
    nodes += 2 * (uint64_t)(2 * tree_size(s->stretch_depth) / tree_size(d)) *
             (uint64_t)tree_size(d);
  return nodes;
}

/* Trees between two looks at the progress meter: a clock read per 1024
 * trees is far below the run's timing noise. */
#define TREES_PER_PROGRESS 1024

/* Progress: the tree nodes allocated, from *nodes (advanced); `what` names
 * the run in the meter's detail. */
static gcbench_run run(bench_tree_kind kind, const gcbench_shape *s, size_t heap,
                       bench_helpers helpers, bench_progress *p, uint64_t *nodes, const char *what) {
  gcbench_run r = {0};
  double start = ccgc_time_ms();
  bench_trees *t = bench_trees_open(kind, true, heap, helpers);
  bench_trees_build(t, 0, s->stretch_depth, false);
  bench_trees_drop(t, 0);
  bench_trees_build(t, 1, s->long_lived_depth, true); /* long-lived */
  *nodes += (uint64_t)(tree_size(s->stretch_depth) + tree_size(s->long_lived_depth));
  r.ok = bench_trees_doubles(t, s->array_size);
  for (int d = s->min_depth; d <= s->max_depth; d += 2) {
    long iters = 2 * tree_size(s->stretch_depth) / tree_size(d);
    uint64_t size = (uint64_t)tree_size(d);
    for (long i = 0; i < iters; i++) {
      bench_trees_build(t, 0, d, true);
      bench_trees_drop(t, 0);
      if (i % TREES_PER_PROGRESS == TREES_PER_PROGRESS - 1)
        bench_progress_update(p, *nodes + (uint64_t)(i + 1) * size, "%s, depth %d", what, d);
    }
    *nodes += (uint64_t)iters * size;
    for (long i = 0; i < iters; i++) {
      bench_trees_build(t, 0, d, false);
      bench_trees_drop(t, 0);
      if (i % TREES_PER_PROGRESS == TREES_PER_PROGRESS - 1)
        bench_progress_update(p, *nodes + (uint64_t)(i + 1) * size, "%s, depth %d", what, d);
    }
    *nodes += (uint64_t)iters * size;
    bench_progress_update(p, *nodes, "%s, depth %d", what, d);
  }
  /* GCBench's check that the long-lived data survived. */
  if (bench_trees_check(t, 1) != tree_size(s->long_lived_depth)) r.ok = false;
  bench_trees_close(t, &r.stats);
  r.ms = ccgc_time_ms() - start;
  return r;
}

/* What the JavaScript version must print (bench-v8-js.c). */
static void expected_output(const gcbench_shape *s, char *text, size_t size) {
  int length = 0;
  for (int d = s->min_depth; d <= s->max_depth; d += 2)
    length += snprintf(text + length, size - (size_t)length, "%ld trees of depth %d\n",
                       2 * (2 * tree_size(s->stretch_depth) / tree_size(d)), d);
  snprintf(text + length, size - (size_t)length,
           "long-lived tree nodes: %ld\narray[1000] = 1/1000: true\n",
           tree_size(s->long_lived_depth));
}

static void run_v8(const gcbench_shape *s, bench_v8_run *v8, bench_progress *p,
                   uint64_t nodes) {
  bench_progress_update(p, nodes, "v8 (node)");
  char expected[1024];
  expected_output(s, expected, sizeof expected);
  long args[] = {s->stretch_depth, s->long_lived_depth, s->min_depth, s->max_depth,
                 (long)s->array_size};
  bench_v8_run_workload(BENCH_V8_GCBENCH, args, 5, expected, v8);
  bench_progress_clear(p);
  bench_v8_print_summary(v8);
}

int ccgc_bench_gcbench(const bench_options *options) {
  gcbench_shape s = options->quick ? (gcbench_shape){16, 14, 4, 14, 125000}
                                   : (gcbench_shape){18, 16, 4, 16, 500000};
  static const double full[] = {1.5, 2, 3};
  double one = options->heap_multiplier ? options->heap_multiplier : 2;
  const double *multipliers = options->heap_multiplier || options->quick ? &one : full;
  size_t multiplier_count = multipliers == full ? 3 : 1;

  printf("gcbench: stretch depth %d, long-lived depth %d, %zu doubles, "
         "depths %d..%d\n", s.stretch_depth, s.long_lived_depth, s.array_size,
         s.min_depth, s.max_depth);
  bench_trees_print_config(options);
  size_t live[BENCH_TREE_KIND_COUNT];
  for (int k = 0; k < BENCH_TREE_KIND_COUNT; k++) {
    size_t node = bench_trees_node_bytes((bench_tree_kind)k, true);
    live[k] = peak_live(&s, node);
    printf("peak live %-6s: %.1f MB (%zu-byte nodes)\n",
           bench_tree_kind_name((bench_tree_kind)k), live[k] / 1048576.0, node);
  }
  /* One meter over the runs here (V8's, in its own process, is not
   * counted: it shows as the detail while it runs). */
  bench_progress p;
  uint64_t nodes = 0;
  bench_progress_start(&p, options, "bench gcbench", "tree nodes allocated",
                       nodes_per_run(&s) * (1 + 3 * (uint64_t)multiplier_count));
  bench_progress_update(&p, 0, "malloc");
  gcbench_run malloc_run = run(BENCH_TREE_MALLOC, &s, 0, (bench_helpers){0, 0, CCGC_SWEEP_ATOMIC}, &p, &nodes, "malloc");
  bench_v8_run v8;
  run_v8(&s, &v8, &p, nodes);
  printf("%-6s %-7s %9s %10s %6s %9s %10s %10s\n", "heap", "backend",
         "limit MB", "time ms", "GCs", "GC ms", "vs malloc", "vs boehm");
  printf("%-6s %-7s %9s %10.1f %6s %9s %10.2f %10s\n", "-", "malloc", "-",
         malloc_run.ms, "-", "-", 1.0, "-");
  bench_v8_print_row(&v8, malloc_run.ms);
  bool ok = malloc_run.ok;
  for (size_t m = 0; m < multiplier_count; m++) {
    double mult = multipliers[m];
    gcbench_run runs[3];
    /* Boehm first: the ratios of the others are against it. */
    static const bench_tree_kind order[] = {BENCH_TREE_BOEHM, BENCH_TREE_SCRIPT,
                                            BENCH_TREE_DOM};
    for (int i = 0; i < 3; i++) {
      bench_tree_kind kind = order[i];
      char what[48];
      snprintf(what, sizeof what, "%s at %.1fx", bench_tree_kind_name(kind), mult);
      runs[i] = run(kind, &s, bench_limit_for(live[kind], mult),
                    bench_helpers_for(options), &p, &nodes, what);
      ok = ok && runs[i].ok;
    }
    bench_progress_clear(&p);
    bench_trees_print_rows(mult, order, runs, &malloc_run);
    char suffix[24] = "";
    if (multiplier_count > 1) snprintf(suffix, sizeof suffix, " at %.1fx", mult);
    bench_v8_print_ratios(&v8, runs[1].ms, runs[1].stats.gc_ms, suffix);
    if (options->json) {
      ccgc_json_writer *json = options->json;
      ccgc_json_writer_begin_object(json);
      ccgc_json_writer_member_string(json, "bench", "gcbench");
      ccgc_json_writer_member_bool(json, "quick", options->quick);
      ccgc_json_writer_member_fixed(json, "heap_multiplier", mult, 2);
      ccgc_json_writer_member_fixed(json, "malloc_ms", malloc_run.ms, 3);
      ccgc_json_writer_member_fixed(json, "boehm_ms", runs[0].ms, 3);
      ccgc_json_writer_member_fixed(json, "script_ms", runs[1].ms, 3);
      ccgc_json_writer_member_fixed(json, "dom_ms", runs[2].ms, 3);
      ccgc_json_writer_member_uint(json, "script_gcs", runs[1].stats.gc_count);
      ccgc_json_writer_member_uint(json, "dom_gcs", runs[2].stats.gc_count);
      ccgc_json_writer_member_fixed(json, "script_gc_ms", runs[1].stats.gc_ms, 3);
      ccgc_json_writer_member_fixed(json, "dom_gc_ms", runs[2].stats.gc_ms, 3);
      ccgc_json_writer_member_fixed(json, "script_vs_malloc", runs[1].ms / malloc_run.ms, 4);
      ccgc_json_writer_member_fixed(json, "dom_vs_malloc", runs[2].ms / malloc_run.ms, 4);
      ccgc_json_writer_member_fixed(json, "script_vs_boehm", runs[1].ms / runs[0].ms, 4);
      ccgc_json_writer_member_fixed(json, "dom_vs_boehm", runs[2].ms / runs[0].ms, 4);
      bench_v8_json(json, &v8, runs[1].ms, runs[1].stats.gc_ms);
      ccgc_json_writer_end_object(json);
    }
  }
  bench_progress_finish(&p, nodes, NULL);
  printf("checks (long-lived tree and array intact): %s\n", ok ? "ok" : "FAILED");
  return ok ? 0 : 1;
}
