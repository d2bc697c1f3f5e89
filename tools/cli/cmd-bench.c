/* cmd-bench.c - `ccgc bench NAME`: the command that runs the benchmarks of
 * tools/bench (one per file, bench.h; bench/README.md says what each
 * measures and how to read it): option parsing, the table of benchmarks,
 * dispatch. Every benchmark prints its comparisons as ratios measured in the
 * same run. `ccgc bench --quick` without a NAME runs every one in its small
 * configuration, each table under a "== bench NAME ==" line.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "atomic-file.h"
#include "bench.h"
#include "cli-options.h"
#include "commands.h"

/* Every benchmark, in the order `ccgc bench --quick` runs them. */
typedef struct benchmark {
  const char *name;
  int (*run)(const bench_options *options);
  const char *help;
} benchmark;

static const benchmark BENCHMARKS[] = {
    {"pauses", ccgc_bench_pauses,
     "main-thread pauses, stop-the-world vs incremental, on a live graph\n"
     "              across both heaps (--live-mb, default 1024) that a mutator\n"
     "              keeps changing: p50, p99, max, ratios; --plot FILE.svg: CDF"},
    {"barrier", ccgc_bench_barrier,
     "mutator store throughput with the barrier compiled in and marking\n"
     "              off, against no barrier code, as a ratio"},
    {"ephemerons", ccgc_bench_ephemerons,
     "marking time of ephemeron chains discovered in the worst order (n\n"
     "              and 2n pairs), the 2n/n ratio, and the ratio to a strong chain"},
    {"gcbench", ccgc_bench_gcbench,
     "Boehm's GCBench on the script heap, the DOM heap, Boehm GC and\n"
     "              malloc/free; times and ratios to malloc and to Boehm; V8\n"
     "              (node --trace-gc) beside them when node is on PATH"},
    {"binary-trees", ccgc_bench_binary_trees,
     "the benchmarks game's binary-trees (--depth N, default 21) on the\n"
     "              same four and V8; check values verified; ratios"},
    {"mark", ccgc_bench_mark,
     "a stop-the-world mark of a live cross-heap graph (--live-mb, default\n"
     "              1024) against a plain DFS with a bitmap (the lower bound)\n"
     "              and Boehm's full collection: MB/s, objects/s, ratios"},
    {"dom", ccgc_bench_dom,
     "a host workload (generated page, listeners, subtree churn, wrappers\n"
     "              dropped and recreated): GC share, peak vs live, pauses"},
    {"concurrent", ccgc_bench_concurrent,
     "main-thread marking, incremental-only vs concurrent (1, 2 markers),\n"
     "              and total marking with no unsafe shape changes vs\n"
     "              snapshotting vs locking, on --live-mb (default 1024)"},
    {"scavenge", ccgc_bench_scavenge,
     "minor collections of an 8 MB nursery with 0, 1, 10, 50 % surviving,\n"
     "              1 and 2 threads: p50, p99, max pause, bytes copied, MB/s;\n"
     "              ratios 10%/1%, 0%/10%, 2 threads/1 thread"},
};
#define BENCHMARK_COUNT (sizeof BENCHMARKS / sizeof BENCHMARKS[0])

static void usage(FILE *out) {
  fputs("usage: ccgc bench NAME [--quick] [--json FILE] [--heap-multiplier M]\n"
        "                  [--live-mb N] [--depth N] [--plot FILE.svg]\n"
        "                  [--scavenger-threads N]\n"
        "       ccgc bench --quick     every benchmark, small configurations\n"
        "\n",
        out);
  for (size_t i = 0; i < BENCHMARK_COUNT; i++) {
    /* Help lines continue at column 14; a longer name gets its own line. */
    if (strlen(BENCHMARKS[i].name) < 12)
      fprintf(out, "  %-12s%s\n", BENCHMARKS[i].name, BENCHMARKS[i].help);
    else
      fprintf(out, "  %s\n              %s\n", BENCHMARKS[i].name, BENCHMARKS[i].help);
  }
  fputs("\n"
        "  --quick              a small configuration (numbers are not meaningful)\n"
        "  --json FILE          also write the results, the machine, the commit and the\n"
        "                       configuration to FILE as one JSON document (replaced)\n"
        "  --heap-multiplier M  gcbench, binary-trees: heap = M x the computed peak\n"
        "                       live size (default: 1.5, 2 and 3; --quick: 2)\n"
        "  --live-mb N          pauses, mark: live size (default 1024; --quick: 64)\n"
        "  --depth N            binary-trees: N (default 21; --quick: 16)\n"
        "  --plot FILE.svg      pauses, dom: the pause distribution as an SVG CDF\n"
        "  --scavenger-threads N  gcbench, binary-trees: helper threads of the\n"
        "                       script heap's scavenges (default 1; 0: none)\n"
        "\n"
        "  CCGC_BENCH_NODE=PATH  the node that gcbench and binary-trees run V8 with\n"
        "                        (default: node or nodejs on PATH; empty: none)\n"
        "\n"
        "docs/benchmarks.md describes the method and the full-size commands.\n",
        out);
}

/* --json FILE: one document per run (bench-report.c), written completely
 * or not at all (atomic-file.h): it replaces what FILE held. A benchmark
 * that fails is in it with its exit status; a write error leaves FILE as it
 * was and fails the command. */
static int finish_json(bench_options *options, atomic_file *file, const bench_run *runs,
                       size_t count, int result, double elapsed_ms) {
  char error[512];
  errno = 0;
  ccgc_status status = bench_report_end(options->json, runs, count, result, elapsed_ms / 1000);
  int code = errno; /* of the failed write or flush, if one failed */
  if (status != CCGC_OK) {
    snprintf(error, sizeof error, "cannot write '%s': %s", file->path,
             status == CCGC_E_IO && code ? strerror(code) : ccgc_json_writer_error(options->json));
    atomic_file_abort(file);
  }
  ccgc_json_writer_free(options->json);
  options->json = NULL;
  if (status == CCGC_OK && atomic_file_commit(file, error, sizeof error)) return 0;
  fprintf(stderr, "ccgc bench: %s\n", error);
  return 1;
}

int ccgc_cmd_bench(int argc, char **argv) {
  bench_options options = {.live_mb = 0, .scavenger_threads = -1};
  const char *json_path = NULL;
  static const struct option long_options[] = {
      {"live-mb", required_argument, NULL, 'l'},
      {"quick", no_argument, NULL, 'q'},
      {"json", required_argument, NULL, 'j'},
      {"heap-multiplier", required_argument, NULL, 'm'},
      {"depth", required_argument, NULL, 'd'},
      {"plot", required_argument, NULL, 'p'},
      {"scavenger-threads", required_argument, NULL, 's'},
      {"help", no_argument, NULL, 'h'},
      {NULL, 0, NULL, 0}};
  optind = 1;
  int option;
  double value;
  while ((option = getopt_long(argc, argv, "h", long_options, NULL)) != -1) {
    switch (option) {
    case 'l':
      if (!cli_parse_number(optarg, 1, 65536, &value) || value != (size_t)value) {
        fprintf(stderr, "ccgc bench: --live-mb must be 1 to 65536, got '%s'\n", optarg);
        return 2;
      }
      options.live_mb = (size_t)value;
      break;
    case 'm':
      if (!cli_parse_number(optarg, 1.05, 100, &value)) {
        fprintf(stderr, "ccgc bench: --heap-multiplier must be 1.05 to 100, got '%s'\n",
                optarg);
        return 2;
      }
      options.heap_multiplier = value;
      break;
    case 'd':
      if (!cli_parse_number(optarg, 1, 26, &value) || value != (int)value) {
        fprintf(stderr, "ccgc bench: --depth must be 1 to 26, got '%s'\n", optarg);
        return 2;
      }
      options.depth = (int)value;
      break;
    case 's':
      if (!cli_parse_number(optarg, 0, 8, &value) || value != (int)value) {
        fprintf(stderr, "ccgc bench: --scavenger-threads must be 0 to 8, got '%s'\n",
                optarg);
        return 2;
      }
      options.scavenger_threads = (int)value;
      break;
    case 'p': options.plot = optarg; break;
    case 'q': options.quick = true; break;
    case 'j': json_path = optarg; break;
    case 'h': usage(stdout); return 0;
    default: usage(stderr); return 2;
    }
  }
  if (optind >= argc && !options.quick) {
    usage(stderr);
    return 2;
  }
  const benchmark *chosen = NULL;
  if (optind < argc) {
    for (size_t i = 0; i < BENCHMARK_COUNT; i++)
      if (!strcmp(argv[optind], BENCHMARKS[i].name)) chosen = &BENCHMARKS[i];
    if (!chosen) {
      fprintf(stderr, "ccgc bench: unknown benchmark '%s' (", argv[optind]);
      for (size_t i = 0; i < BENCHMARK_COUNT; i++)
        fprintf(stderr, "%s%s", i ? ", " : "", BENCHMARKS[i].name);
      fputs(")\n", stderr);
      return 2;
    }
  }
  if (!options.live_mb) options.live_mb = options.quick ? 64 : 1024;
  atomic_file json_file;
  if (json_path) {
    char error[512];
    if (!atomic_file_open(&json_file, json_path, true, error, sizeof error)) {
      fprintf(stderr, "ccgc bench: %s\n", error);
      return 1;
    }
    options.json = bench_report_begin(json_file.stream, &options, chosen ? chosen->name : NULL);
  }
  int result = 0;
  bench_run runs[BENCHMARK_COUNT];
  size_t run_count = 0;
  double start = ccgc_time_ms();
  if (chosen) {
    result = chosen->run(&options);
    runs[run_count++] = (bench_run){chosen->name, result, (ccgc_time_ms() - start) / 1000};
  } else {
    for (size_t i = 0; i < BENCHMARK_COUNT; i++) {
      fprintf(stderr, "ccgc bench --quick: %s (%zu of %zu, %.0f s so far)\n",
              BENCHMARKS[i].name, i + 1, BENCHMARK_COUNT,
              (ccgc_time_ms() - start) / 1000);
      printf("== bench %s ==\n", BENCHMARKS[i].name);
      fflush(stdout);
      double bench_start = ccgc_time_ms();
      int status = BENCHMARKS[i].run(&options);
      runs[run_count++] =
          (bench_run){BENCHMARKS[i].name, status, (ccgc_time_ms() - bench_start) / 1000};
      fflush(stdout);
      if (status && !result) result = status;
      if (status) fprintf(stderr, "ccgc bench: %s failed (exit %d)\n", BENCHMARKS[i].name, status);
    }
    printf("== all benchmarks: %.1f s ==\n", (ccgc_time_ms() - start) / 1000);
  }
  if (options.json &&
      finish_json(&options, &json_file, runs, run_count, result, ccgc_time_ms() - start) != 0 &&
      !result)
    result = 1;
  return result;
}
