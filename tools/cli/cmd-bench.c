/* cmd-bench.c - `ccgc bench NAME`: the command that runs the benchmarks of
 * tools/bench (one per file, bench.h; bench/benchmarks.md says what each
 * measures and how to read it): option parsing, the table of benchmarks,
 * dispatch. Every benchmark prints its comparisons as ratios measured in the
 * same run. `ccgc bench --quick` without a NAME runs every one in its small
 * configuration, each table under a "== bench NAME ==" line.
 */
#include <errno.h>
#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "atomic-file.h"
#include "bench.h"
#include "cli-options.h"
#include "commands.h"
#include "progress.h"

/* Every benchmark, in the order `ccgc bench --quick` runs them. */
typedef struct benchmark {
  const char *name;
  int (*run)(const bench_options *options);
  const char *help;
} benchmark;

/* The benchmarks that draw --plot's pictures. */
static bool plots(const benchmark *b) {
  return b->run == ccgc_bench_pauses || b->run == ccgc_bench_dom;
}

/* A plotting benchmark's two pictures: where they go, and the temporaries
 * they are written to until the benchmark succeeded (atomic-file.h). */
typedef struct plot_files {
  char *paths[2]; /* the distribution, the MMU plot */
  atomic_file files[2];
} plot_files;

static void plot_files_free(plot_files *p) {
  for (int i = 0; i < 2; i++) {
    if (p->files[i].path) atomic_file_abort(&p->files[i]);
    g_free(p->paths[i]);
  }
  memset(p, 0, sizeof *p);
}

/* Commits the pictures of a benchmark that returned `status`, or removes
 * them; the command's exit status after it. */
static int plot_files_finish(plot_files *p, int status) {
  char error[512];
  bool ok = atomic_file_commit_all(p->files, 2, status == 0, error, sizeof error);
  memset(p->files, 0, sizeof p->files);
  if (status == 0 && !ok) {
    fprintf(stderr, "ccgc bench: %s\n", error);
    status = 1;
  } else if (status == 0) {
    printf("plot: %s\nplot: %s\n", p->paths[0], p->paths[1]);
  }
  plot_files_free(p);
  return status;
}

/* Runs b with its pictures (if it draws any) in `plot` (files opened). */
static int run_benchmark(const benchmark *b, const bench_options *options, plot_files *plot) {
  bench_options run = *options;
  run.plot = plot && plot->paths[0] ? plot->paths[0] : NULL;
  run.plot_write = run.plot ? plot->files[0].write_path : NULL;
  run.mmu_write = run.plot ? plot->files[1].write_path : NULL;
  int status = b->run(&run);
  return run.plot ? plot_files_finish(plot, status) : status;
}

static const benchmark BENCHMARKS[] = {
    {"pauses", ccgc_bench_pauses,
     "main-thread pauses, stop-the-world vs incremental, on a live graph\n"
     "              across both heaps (--live-mb, default 1024) that a mutator\n"
     "              keeps changing: p50, p99, max, ratios, MMU at 1/10/100 ms;\n"
     "              --plot FILE.svg: CDF, and MMU in FILE-mmu.svg"},
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
     "              dropped and recreated): GC share, peak vs live, pauses, MMU"},
    {"concurrent", ccgc_bench_concurrent,
     "main-thread marking, incremental-only vs concurrent (1, 2 markers),\n"
     "              and total marking with no unsafe shape changes vs\n"
     "              snapshotting vs locking, on --live-mb (default 1024)"},
    {"scavenge", ccgc_bench_scavenge,
     "minor collections of an 8 MB nursery with 0, 1, 10, 50 % surviving,\n"
     "              1 and 2 threads: p50, p99, max pause, bytes copied, MB/s;\n"
     "              ratios 10%/1%, 0%/10%, 2 threads/1 thread"},
    {"fragmentation", ccgc_bench_fragmentation,
     "a 512 MiB script old generation (--quick: 32), 90 % freed scattered,\n"
     "              collected without then with compaction (1 and 2 threads):\n"
     "              committed/live, evacuation pause, MB moved/ms; Boehm GC and\n"
     "              a DOM heap of fragmented vectors beside it"},
};
#define BENCHMARK_COUNT (sizeof BENCHMARKS / sizeof BENCHMARKS[0])

/* The help's text around the options: the benchmarks, then the environment. */
static char *describe_benchmarks(void) {
  GString *text = g_string_new(NULL);
  for (size_t i = 0; i < BENCHMARK_COUNT; i++) {
    /* Help lines continue at column 14; a longer name gets its own line. */
    if (strlen(BENCHMARKS[i].name) < 12)
      g_string_append_printf(text, "  %-12s%s\n", BENCHMARKS[i].name, BENCHMARKS[i].help);
    else
      g_string_append_printf(text, "  %s\n              %s\n", BENCHMARKS[i].name,
                             BENCHMARKS[i].help);
  }
  return g_string_free(text, FALSE);
}

static const char EPILOGUE[] =
    "  CCGC_BENCH_NODE=PATH  the node that gcbench and binary-trees run V8 with\n"
    "                        (default: node or nodejs on PATH; empty: none)\n"
    "\n"
    "docs/benchmarks.md describes the method and the full-size commands.\n";

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
  bench_options options = {.live_mb = 0, .scavenger_threads = -1,
                           .marking_threads = -1, .sweeping = -1,
                           .progress = stderr};
  static const cli_choice sweepings[] = {{"atomic", CCGC_SWEEP_ATOMIC},
                                         {"lazy", CCGC_SWEEP_LAZY},
                                         {"concurrent", CCGC_SWEEP_CONCURRENT},
                                         {NULL, 0}};
  const char *json_path = NULL;
  const cli_option table[] = {
      CLI_OPT_FLAG("quick", &options.quick,
                   "a small configuration (numbers are not meaningful)"),
      CLI_OPT_STRING("json", &json_path, "FILE",
                     "also write the results, the machine, the commit and the "
                     "configuration to FILE as one JSON document (replaced)"),
      CLI_OPT_NUMBER("heap-multiplier", &options.heap_multiplier, 1.05, 100, "M",
                     "gcbench, binary-trees: heap = M x the computed peak live size (1.05 "
                     "to 100; default: 1.5, 2 and 3; --quick: 2)"),
      CLI_OPT_SIZE("live-mb", &options.live_mb, 1u << 20, 1, 65536, "N",
                   "pauses, mark, concurrent: live size in MiB, or with a unit: 512M, 2G "
                   "(1 MiB to 64 GiB; default 1024; --quick: 64)"),
      CLI_OPT_COUNT("depth", &options.depth, 1, 26, "N",
                    "binary-trees: N (1 to 26; default 21; --quick: 16)"),
      CLI_OPT_STRING("plot", &options.plot, "FILE.svg",
                     "pauses, dom: the pause distribution as a CDF (SVG; PNG for a .png "
                     "path), and the minimum mutator utilization against the window in "
                     "FILE-mmu.svg; with every benchmark, FILE-pauses.svg and "
                     "FILE-dom.svg"),
      CLI_OPT_COUNT("scavenger-threads", &options.scavenger_threads, 0, 8, "N",
                    "gcbench, binary-trees: at most this many helper threads in "
                    "the script heap's scavenges, one per 512 KiB the last scavenge "
                    "copied (0 to 8; default 1; 0: none)"),
      CLI_OPT_COUNT("marking-threads", &options.marking_threads, 0, 8, "N",
                    "gcbench, binary-trees: helper threads that mark beside the "
                    "owner in each full collection's atomic pause (0 to 8; "
                    "default 1; 0: none)"),
      CLI_OPT_CHOICE("sweeping", &options.sweeping, sweepings, "sweeping mode", "S",
                     "pauses: how the incremental mode sweeps; dom: how the host world "
                     "sweeps; gcbench, binary-trees: how both heaps sweep: atomic (in "
                     "the pause), lazy (after it, in steps) or concurrent (default: "
                     "lazy plus a sweeper thread); stop-the-world pauses always sweep "
                     "in their pause"),
      CLI_OPT_FLAG("trace-gc", &options.trace_gc,
                   "dom: print a V8-style --trace-gc line, with its per-heap and "
                   "per-phase detail lines, for every collection of the host world on stderr"),
      CLI_OPT_END};
  char *description = describe_benchmarks();
  const cli_command command = {
      .name = "ccgc bench", .operands = "NAME", .max_operands = 1,
      .more_usage = "ccgc bench --quick     every benchmark, small configurations",
      .description = description, .epilogue = EPILOGUE, .options = table};
  cli_parsed parsed;
  int code = cli_parse(&command, argc, argv, &parsed);
  g_free(description);
  const char *name = code < 0 && parsed.operand_count ? parsed.operands[0] : NULL;
  if (code < 0 && !name && !options.quick)
    code = cli_usage_error("ccgc bench", "%s",
                           "which benchmark? (a NAME, or --quick for every one)");
  const benchmark *chosen = NULL;
  if (code < 0 && name) {
    for (size_t i = 0; i < BENCHMARK_COUNT; i++)
      if (!strcmp(name, BENCHMARKS[i].name)) chosen = &BENCHMARKS[i];
    if (!chosen) {
      GString *message = g_string_new(NULL);
      g_string_printf(message, "unknown benchmark '%s': ", name);
      for (size_t i = 0; i < BENCHMARK_COUNT; i++)
        g_string_append_printf(message, "%s%s", i ? ", " : "", BENCHMARKS[i].name);
      code = cli_usage_error("ccgc bench", "%s", message->str);
      g_string_free(message, TRUE);
    }
  }
  if (code < 0 && chosen && options.plot && !plots(chosen))
    code = cli_usage_error("ccgc bench", "--plot goes with %s", "pauses or dom");
  /* The pictures: FILE for the benchmark chosen; in a run of every one,
   * FILE-pauses.svg and FILE-dom.svg (each with its -mmu picture). */
  plot_files plot[BENCHMARK_COUNT];
  memset(plot, 0, sizeof plot);
  for (size_t i = 0; code < 0 && options.plot && i < BENCHMARK_COUNT; i++) {
    if ((chosen && chosen != &BENCHMARKS[i]) || !plots(&BENCHMARKS[i])) continue;
    char *path = chosen ? g_strdup(options.plot)
                        : bench_plot_suffixed_path(options.plot, BENCHMARKS[i].name);
    plot[i].paths[0] = path;
    plot[i].paths[1] = bench_plot_mmu_path(path);
    for (int k = 0; k < 2 && code < 0; k++)
      if (json_path && cli_same_file(json_path, plot[i].paths[k]))
        code = cli_usage_error("ccgc bench", "'%s' is given for --json and --plot",
                               plot[i].paths[k]);
  }
  /* Opened before anything runs: a missing directory fails at once. */
  for (size_t i = 0; code < 0 && i < BENCHMARK_COUNT; i++)
    for (int k = 0; k < 2 && code < 0 && plot[i].paths[k]; k++) {
      char error[512];
      if (!atomic_file_open(&plot[i].files[k], plot[i].paths[k], false, error, sizeof error)) {
        fprintf(stderr, "ccgc bench: %s\n", error);
        code = 1;
      }
    }
  if (code >= 0) {
    for (size_t i = 0; i < BENCHMARK_COUNT; i++) plot_files_free(&plot[i]);
    return code;
  }
  if (!options.live_mb) options.live_mb = options.quick ? 64 : 1024;
  atomic_file json_file;
  if (json_path) {
    char error[512];
    if (!atomic_file_open(&json_file, json_path, true, error, sizeof error)) {
      fprintf(stderr, "ccgc bench: %s\n", error);
      for (size_t i = 0; i < BENCHMARK_COUNT; i++) plot_files_free(&plot[i]);
      return 1;
    }
    options.json = bench_report_begin(json_file.stream, &options, chosen ? chosen->name : NULL);
  }
  int result = 0;
  bench_run runs[BENCHMARK_COUNT];
  size_t run_count = 0;
  double start = ccgc_time_ms();
  if (chosen) {
    result = run_benchmark(chosen, &options, &plot[chosen - BENCHMARKS]);
    runs[run_count++] = (bench_run){chosen->name, result, (ccgc_time_ms() - start) / 1000};
  } else {
    /* A line per benchmark, with the time elapsed and left (progress.h),
     * never in place: the benchmarks draw meters of their own (bench.h),
     * each ended with a newline before the benchmark returns, so this line
     * always starts a line of its own. */
    progress_meter meter;
    progress_start(&meter, stderr, PROGRESS_LINES, "ccgc bench --quick", "benchmarks",
                   BENCHMARK_COUNT, progress_now_ms());
    for (size_t i = 0; i < BENCHMARK_COUNT; i++) {
      char next[64];
      snprintf(next, sizeof next, "now %s", BENCHMARKS[i].name);
      progress_draw(&meter, i, next, progress_now_ms());
      printf("== bench %s ==\n", BENCHMARKS[i].name);
      fflush(stdout);
      double bench_start = ccgc_time_ms();
      int status = run_benchmark(&BENCHMARKS[i], &options, &plot[i]);
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
