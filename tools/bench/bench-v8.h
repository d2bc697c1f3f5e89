/* bench-v8.h - V8 itself as a peer: a JavaScript version of a workload run
 * under node with --trace-gc in the same `ccgc bench` run (bench-v8.c), its
 * figures printed beside the script heap's (gcbench, binary-trees).
 *
 *   bench_v8_run run;
 *   bench_v8_run_workload(BENCH_V8_BINARY_TREES, args, 1, expected, &run);
 *   bench_v8_print_summary(&run);             "v8: ..." or "v8: skipped (...)"
 *   bench_v8_print_row(&run, malloc_ms);      a table row, if it ran
 *   bench_v8_print_ratios(&run, script_ms, script_gc_ms, suffix);
 *   bench_v8_json(json, &run, script_ms, script_gc_ms);  "v8_..." members
 *
 * Never fatal: node missing, failing or printing something unparseable
 * makes run.ran false with the reason; the benchmark carries on. */
#ifndef CCGC_TOOLS_BENCH_V8_H
#define CCGC_TOOLS_BENCH_V8_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "json-writer.h"

typedef enum bench_v8_workload {
  BENCH_V8_BINARY_TREES, /* args: N                                         */
  BENCH_V8_GCBENCH,      /* args: stretch, long-lived, min, max depth, doubles */
} bench_v8_workload;

typedef struct bench_v8_run {
  bool ran;               /* false: skipped, `reason` says why                */
  char reason[256];
  char version[96];       /* "node v20.20.2 (V8 11.3.244.8-node.33)"           */
  double total_ms;        /* the workload, timed inside the script            */
  double process_ms;      /* the node process, spawn to exit, wall            */
  double gc_ms;           /* sum of the --trace-gc pauses during the workload */
  double max_pause_ms;
  size_t scavenges;       /* Scavenge, Minor Mark-Sweep                       */
  size_t full_gcs;        /* Mark-Compact (also "(reduce)"), Mark-Sweep        */
  size_t other_gcs;       /* trace lines of another kind (summed in gc_ms)     */
  size_t outside_gcs;     /* trace lines before the start or after the end    */
} bench_v8_run;

/* The JavaScript of each workload (bench-v8-js.c): defines main(args). */
const char *bench_v8_workload_source(bench_v8_workload workload);
const char *bench_v8_workload_name(bench_v8_workload workload);

/* Runs the workload under node (CCGC_BENCH_NODE, else `node` or `nodejs` on
 * PATH) with integer args; `expected` is the exact output the workload must
 * print between its start and end lines (lines ending in '\n'), computed by
 * the caller from the closed form: any other output is a failed check. */
void bench_v8_run_workload(bench_v8_workload workload, const long *args,
                           size_t arg_count, const char *expected,
                           bench_v8_run *out);

/* Parses node's output (stdout and stderr together) into out (ran = true),
 * or sets out->reason (ran = false). Exposed for the tests' canned output. */
bool bench_v8_parse(const char *output, const char *expected, bench_v8_run *out);

void bench_v8_print_summary(const bench_v8_run *run);
/* "-      v8  ..." in the gcbench / binary-trees table (nothing if skipped). */
void bench_v8_print_row(const bench_v8_run *run, double malloc_ms);
/* "ratio script/v8 total<suffix>: X", "ratio script/v8 gc<suffix>: X". */
void bench_v8_print_ratios(const bench_v8_run *run, double script_ms,
                           double script_gc_ms, const char *suffix);
/* The v8_* members, script_vs_v8 and script_gc_vs_v8, written into the
 * open result object of json (json-writer.h). */
void bench_v8_json(ccgc_json_writer *json, const bench_v8_run *run, double script_ms,
                   double script_gc_ms);

#endif
