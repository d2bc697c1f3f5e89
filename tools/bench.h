/* bench.h - what the benchmarks of `ccgc bench` share (cmd-bench.c runs
 * them; each benchmark that is more than a screen lives in its own file). */
#ifndef CCGC_TOOLS_BENCH_H
#define CCGC_TOOLS_BENCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

typedef struct bench_options {
  size_t live_mb;
  bool quick;
  FILE *json; /* one JSON line per benchmark, or NULL */
} bench_options;

/* bench-ephemerons.c */
int ccgc_bench_ephemerons(const bench_options *options);

#endif
