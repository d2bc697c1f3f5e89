/* bench-binary-trees.c - `ccgc bench binary-trees`: the benchmarks game's
 * binary-trees on the script heap, the DOM heap, Boehm GC and malloc/free
 * (bench-trees.c), timed side by side, with the game's output lines (check
 * values) printed for each allocator.
 *
 * max_depth = max(6, N) (N = --depth, 21 by default, 16 with --quick);
 * a stretch tree of max_depth + 1, checked and dropped; a long-lived tree
 * of max_depth; for d = 4, 6, ..., max_depth: 1 << (max_depth - d + 4)
 * trees of depth d, each built bottom-up, checked and dropped; then the
 * long-lived tree's check. A tree's check is its node count.
 *
 * Peak live size (computed): the larger of the stretch tree alone and the
 * long-lived tree plus one tree of max_depth, times the allocator's node
 * size; heaps sized as for gcbench.
 *
 * V8 beside them (bench-v8.c): when node is there, the same program in
 * JavaScript under `node --trace-gc`, its output checked against the same
 * closed form. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "bench-trees.h"
#include "bench-v8.h"

static long tree_size(int depth) { return (1L << (depth + 1)) - 1; }

typedef bench_tree_run trees_run;

/* The tree nodes one run allocates: the progress meter's unit (every depth
 * allocates about as many nodes, 2^(max_depth + 5), so time goes with them). */
static uint64_t nodes_per_run(int max_depth) {
  uint64_t nodes = (uint64_t)(tree_size(max_depth + 1) + tree_size(max_depth));
  for (int d = 4; d <= max_depth; d += 2)
    nodes += (uint64_t)(1L << (max_depth - d + 4)) * (uint64_t)tree_size(d);
  return nodes;
}

/* Trees between two looks at the progress meter: a clock read per 1024
 * trees is far below the run's timing noise. */
#define TREES_PER_PROGRESS 1024

/* The game's output goes to `out` (NULL: none); the checks are compared
 * with their closed form so every allocator is verified, not only printed.
 * Progress: the tree nodes allocated, from *nodes (advanced). */
static trees_run run(bench_tree_kind kind, int n, size_t heap, bench_helpers helpers,
                     FILE *out, bench_progress *p, uint64_t *nodes, const char *what) {
  trees_run r = {0, {0}, true};
  int min_depth = 4, max_depth = n > min_depth + 2 ? n : min_depth + 2;
  double start = ccgc_time_ms();
  bench_trees *t = bench_trees_open(kind, false, heap, helpers);
  int stretch = max_depth + 1;
  bench_trees_build(t, 0, stretch, false);
  long check = bench_trees_check(t, 0);
  bench_trees_drop(t, 0);
  r.ok &= check == tree_size(stretch);
  *nodes += (uint64_t)tree_size(stretch);
  if (out) {
    bench_progress_clear(p);
    fprintf(out, "stretch tree of depth %d\t check: %ld\n", stretch, check);
  }
  bench_trees_build(t, 1, max_depth, false);
  *nodes += (uint64_t)tree_size(max_depth);
  for (int d = min_depth; d <= max_depth; d += 2) {
    long iterations = 1L << (max_depth - d + min_depth);
    check = 0;
    for (long i = 0; i < iterations; i++) {
      bench_trees_build(t, 0, d, false);
      check += bench_trees_check(t, 0);
      bench_trees_drop(t, 0);
      if (i % TREES_PER_PROGRESS == TREES_PER_PROGRESS - 1)
        bench_progress_update(p, *nodes + (uint64_t)(i + 1) * (uint64_t)tree_size(d),
                              "%s, depth %d", what, d);
    }
    *nodes += (uint64_t)iterations * (uint64_t)tree_size(d);
    bench_progress_update(p, *nodes, "%s, depth %d", what, d);
    r.ok &= check == iterations * tree_size(d);
    if (out) {
      bench_progress_clear(p);
      fprintf(out, "%ld\t trees of depth %d\t check: %ld\n", iterations, d, check);
    }
  }
  check = bench_trees_check(t, 1);
  r.ok &= check == tree_size(max_depth);
  if (out) {
    bench_progress_clear(p);
    fprintf(out, "long lived tree of depth %d\t check: %ld\n", max_depth, check);
  }
  bench_trees_close(t, &r.stats);
  r.ms = ccgc_time_ms() - start;
  return r;
}

/* The game's output for max_depth, from the closed form: what every run,
 * V8's included, must print. */
static void expected_output(int max_depth, char *text, size_t size) {
  int min_depth = 4, length = 0;
  length += snprintf(text + length, size - (size_t)length,
                     "stretch tree of depth %d\t check: %ld\n", max_depth + 1,
                     tree_size(max_depth + 1));
  for (int d = min_depth; d <= max_depth; d += 2) {
    long iterations = 1L << (max_depth - d + min_depth);
    length += snprintf(text + length, size - (size_t)length,
                       "%ld\t trees of depth %d\t check: %ld\n", iterations, d,
                       iterations * tree_size(d));
  }
  snprintf(text + length, size - (size_t)length,
           "long lived tree of depth %d\t check: %ld\n", max_depth, tree_size(max_depth));
}

int ccgc_bench_binary_trees(const bench_options *options) {
  int n = options->depth ? options->depth : options->quick ? 16 : 21;
  int max_depth = n > 6 ? n : 6;
  static const double full[] = {1.5, 2, 3};
  double one = options->heap_multiplier ? options->heap_multiplier : 2;
  const double *multipliers = options->heap_multiplier || options->quick ? &one : full;
  size_t multiplier_count = multipliers == full ? 3 : 1;
  printf("binary-trees: N = %d\n", n);
  bench_trees_print_config(options);
  size_t live[BENCH_TREE_KIND_COUNT];
  for (int k = 0; k < BENCH_TREE_KIND_COUNT; k++) {
    size_t node = bench_trees_node_bytes((bench_tree_kind)k, false);
    long a = tree_size(max_depth + 1), b = 2 * tree_size(max_depth);
    live[k] = (size_t)(a > b ? a : b) * node;
    printf("peak live %-6s: %.1f MB (%zu-byte nodes)\n",
           bench_tree_kind_name((bench_tree_kind)k), live[k] / 1048576.0, node);
  }
  /* One meter over the runs here (V8's, in its own process, is not
   * counted: it shows as the detail while it runs). */
  bench_progress p;
  uint64_t nodes = 0;
  bench_progress_start(&p, options, "bench binary-trees", "tree nodes allocated",
                       nodes_per_run(max_depth) * (1 + 3 * (uint64_t)multiplier_count));
  bench_progress_update(&p, 0, "malloc");
  /* The game's output once (malloc's run); every run checks its values. */
  trees_run malloc_run = run(BENCH_TREE_MALLOC, n, 0, (bench_helpers){0, 0, CCGC_SWEEP_ATOMIC}, stdout, &p, &nodes, "malloc");
  bool ok = malloc_run.ok;
  bench_progress_update(&p, nodes, "v8 (node)");
  char expected[2048];
  expected_output(max_depth, expected, sizeof expected);
  bench_v8_run v8;
  bench_v8_run_workload(BENCH_V8_BINARY_TREES, &(long){n}, 1, expected, &v8);
  bench_progress_clear(&p);
  bench_v8_print_summary(&v8);
  printf("%-6s %-7s %9s %10s %6s %9s %10s %10s\n", "heap", "backend",
         "limit MB", "time ms", "GCs", "GC ms", "vs malloc", "vs boehm");
  printf("%-6s %-7s %9s %10.1f %6s %9s %10.2f %10s\n", "-", "malloc", "-",
         malloc_run.ms, "-", "-", 1.0, "-");
  bench_v8_print_row(&v8, malloc_run.ms);
  static const bench_tree_kind order[] = {BENCH_TREE_BOEHM, BENCH_TREE_SCRIPT,
                                          BENCH_TREE_DOM};
  for (size_t m = 0; m < multiplier_count; m++) {
    double mult = multipliers[m];
    trees_run runs[3];
    for (int i = 0; i < 3; i++) {
      char what[48];
      snprintf(what, sizeof what, "%s at %.1fx", bench_tree_kind_name(order[i]), mult);
      runs[i] = run(order[i], n, bench_limit_for(live[order[i]], mult),
                    bench_helpers_for(options), NULL, &p, &nodes, what);
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
      ccgc_json_writer_member_string(json, "bench", "binary-trees");
      ccgc_json_writer_member_int(json, "n", n);
      ccgc_json_writer_member_fixed(json, "heap_multiplier", mult, 2);
      ccgc_json_writer_member_fixed(json, "malloc_ms", malloc_run.ms, 3);
      ccgc_json_writer_member_fixed(json, "boehm_ms", runs[0].ms, 3);
      ccgc_json_writer_member_fixed(json, "script_ms", runs[1].ms, 3);
      ccgc_json_writer_member_fixed(json, "dom_ms", runs[2].ms, 3);
      ccgc_json_writer_member_uint(json, "script_gcs", runs[1].stats.gc_count);
      ccgc_json_writer_member_uint(json, "dom_gcs", runs[2].stats.gc_count);
      ccgc_json_writer_member_fixed(json, "script_vs_malloc", runs[1].ms / malloc_run.ms, 4);
      ccgc_json_writer_member_fixed(json, "dom_vs_malloc", runs[2].ms / malloc_run.ms, 4);
      ccgc_json_writer_member_fixed(json, "script_vs_boehm", runs[1].ms / runs[0].ms, 4);
      ccgc_json_writer_member_fixed(json, "dom_vs_boehm", runs[2].ms / runs[0].ms, 4);
      ccgc_json_writer_member_bool(json, "checks_ok", ok);
      ccgc_json_writer_member_fixed(json, "script_gc_ms", runs[1].stats.gc_ms, 3);
      bench_v8_json(json, &v8, runs[1].ms, runs[1].stats.gc_ms);
      ccgc_json_writer_end_object(json);
    }
  }
  bench_progress_finish(&p, nodes, NULL);
  printf("check values (all allocators): %s\n", ok ? "ok" : "FAILED");
  return ok ? 0 : 1;
}
