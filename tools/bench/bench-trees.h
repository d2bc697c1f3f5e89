/* bench-trees.h - binary trees on the script heap, the DOM heap, Boehm GC and
 * malloc, for the GCBench and binary-trees workloads (bench-trees.c). */
#ifndef CCGC_TOOLS_BENCH_TREES_H
#define CCGC_TOOLS_BENCH_TREES_H

#include <stdbool.h>
#include <stddef.h>

#include "bench.h"

typedef enum bench_tree_kind {
  BENCH_TREE_SCRIPT,
  BENCH_TREE_DOM,
  BENCH_TREE_BOEHM,
  BENCH_TREE_MALLOC,
  BENCH_TREE_KIND_COUNT
} bench_tree_kind;

#define BENCH_TREE_SLOTS 4
#define BENCH_TREE_DOUBLES_SLOT 3
#define BENCH_TREE_MAX_DEPTH 30

typedef struct bench_trees bench_trees;

typedef struct bench_tree_stats {
  size_t gc_count;        /* collections (Boehm: its own count)     */
  double gc_ms;           /* time in them (ccgc heaps only)         */
  size_t peak_heap_bytes; /* committed (Boehm: heap size), 0 malloc */
  size_t limit_bytes;     /* the hard limit (ccgc heaps)            */
} bench_tree_stats;

const char *bench_tree_kind_name(bench_tree_kind kind);
/* Prints the script heap's configuration (nursery, the collector's helper
 * threads) and Boehm GC's marker threads, as the runs will use them. */
void bench_trees_print_config(const bench_options *options);
/* Heap bytes of one node, as the allocator lays it out. */
size_t bench_trees_node_bytes(bench_tree_kind kind, bool with_ints);
/* heap_bytes: the heap size (ccgc: soft limit; Boehm: initial heap); 0 none. */
bench_trees *bench_trees_open(bench_tree_kind kind, bool with_ints,
                              size_t heap_bytes, bench_helpers helpers);
/* A tree of `depth` (2^(depth+1) - 1 nodes) into slot (0..2), replacing it. */
void bench_trees_build(bench_trees *t, int slot, int depth, bool top_down);
/* Nodes of the tree in slot (the binary-trees check value). */
long bench_trees_check(bench_trees *t, int slot);
void bench_trees_drop(bench_trees *t, int slot);
/* n doubles, a[i] = 1/i for the first half, in BENCH_TREE_DOUBLES_SLOT;
 * false if a[1000] reads back wrong (GCBench's check). */
bool bench_trees_doubles(bench_trees *t, size_t n);
void bench_trees_close(bench_trees *t, bench_tree_stats *out);

/* One measured run of a tree workload on one allocator. */
typedef struct bench_tree_run {
  double ms;
  bench_tree_stats stats;
  bool ok;
} bench_tree_run;

/* The table rows and ratio lines of one heap multiplier: runs[0..2] on
 * order[0..2] (order[0] is Boehm, the ratios' second baseline), against
 * malloc_run. Shared by gcbench and binary-trees. */
void bench_trees_print_rows(double mult, const bench_tree_kind order[3],
                            const bench_tree_run runs[3],
                            const bench_tree_run *malloc_run);

#endif
