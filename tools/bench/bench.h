/* bench.h - the benchmarks of `ccgc bench`, one per file, and what they
 * share (tools/cli/cmd-bench.c runs them; README.md says how to run and
 * read each). */
#ifndef CCGC_TOOLS_BENCH_H
#define CCGC_TOOLS_BENCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "bench-mmu.h"
#include "blinkish.h"
#include "ccgc.h"
#include "json-writer.h"
#include "progress.h"
#include "v8ish.h"

typedef struct bench_options {
  size_t live_mb;           /* pauses, mark: live size (0: the bench's default) */
  bool quick;
  ccgc_json_writer *json;   /* --json: each result is one object written
                             * into the document's "results" array (an
                             * element: no key), or NULL */
  double heap_multiplier;   /* 0: the bench's default set (full: 1.5, 2, 3) */
  int depth;                /* binary-trees N (0: 21; --quick: 16) */
  const char *plot;         /* SVG file for a distribution (pauses, dom); the
                             * MMU plot goes beside it (bench_plot_mmu_path) */
  const char *plot_write;   /* where the two plots are written: the command's
                             * temporaries, which it commits (and says
                             * "plot: ...") when the benchmark returns 0; */
  const char *mmu_write;    /* NULL: plot and its MMU path themselves */
  int scavenger_threads;    /* gcbench, binary-trees: helpers of the
                             * script heap's scavenges (-1: the default, 1) */
  int marking_threads;      /* gcbench, binary-trees: helpers that mark in
                             * each atomic pause (-1: the default, 1) */
  int sweeping;             /* --sweeping, a ccgc_sweeping_mode (-1: the
                             * default, concurrent): pauses, the incremental
                             * mode's (stop-the-world sweeps atomic); dom,
                             * the host world's; gcbench, binary-trees, the
                             * collector's */
  bool trace_gc;            /* dom: V8-style --trace-gc lines (verbose) of
                             * the host world's collections on stderr */
  FILE *progress;           /* where the benchmarks' progress meters go
                             * (`ccgc bench`: stderr), or NULL: none */
  progress_style progress_style; /* PROGRESS_AUTO: in place on a terminal */
} bench_options;

/* The MMU at BENCH_MMU_WINDOWS_MS (bench-mmu.h) as members of the object
 * being written: "mmu_1ms", "mmu_10ms", "mmu_100ms" (4 decimals; null
 * when it could not be computed). bench-mmu.c. */
void bench_write_mmu(ccgc_json_writer *json, const double mmu[BENCH_MMU_WINDOWS]);

/* bench-pauses.c */
int ccgc_bench_pauses(const bench_options *options);
/* bench-barrier.c */
int ccgc_bench_barrier(const bench_options *options);
/* bench-ephemerons.c */
int ccgc_bench_ephemerons(const bench_options *options);
/* bench-gcbench.c */
int ccgc_bench_gcbench(const bench_options *options);
/* bench-binary-trees.c */
int ccgc_bench_binary_trees(const bench_options *options);
/* bench-mark.c */
int ccgc_bench_mark(const bench_options *options);
/* bench-dom.c */
int ccgc_bench_dom(const bench_options *options);
/* bench-concurrent.c */
int ccgc_bench_concurrent(const bench_options *options);
/* bench-scavenge.c */
int ccgc_bench_scavenge(const bench_options *options);
/* bench-fragmentation.c */
int ccgc_bench_fragmentation(const bench_options *options);

/* --- bench-progress.c: progress of a long benchmark ----------------------------
 * Every benchmark that runs longer than a few seconds at full size shows its
 * progress on options->progress (stderr; never stdout, which carries the
 * tables) through the progress meter of tools/cli/progress.h: a meter per
 * phase, counting a unit of work that takes about the same time each
 * (cycles, MB built, tree nodes, rounds, links), so that the estimate of the
 * time left means something. On a terminal it is one line redrawn in place,
 * elsewhere a line per tenth of the phase.
 *
 *   bench_progress p;
 *   bench_progress_start(&p, options, "bench pauses", "cycles", total);
 *   ... between measured sections (or every N iterations, a cheap check):
 *   bench_progress_update(&p, done, "incremental");
 *   bench_progress_clear(&p); printf(...);   before any stdout line
 *   bench_progress_note(&p, "...\n");        any other stderr line
 *   bench_progress_finish(&p, done, NULL);   also before an early return
 *
 * The in-place line is never left pending when something else writes: a
 * table line (clear first), a message (note), or the next meter or the
 * `--quick` loop's line (finish ends it with a newline). Updates sit
 * between timed sections, except in a timing of a whole run (gcbench,
 * binary-trees, dom), where they come once per N iterations behind a
 * counter test: a clock read per 1024 trees or 64 rounds, a draw at most
 * every PROGRESS_REDRAW_MS, far below the timing noise. */
typedef struct bench_progress {
  progress_meter meter;
  bool on;     /* options->progress was set */
  FILE *notes; /* the meter's stream, else stderr */
} bench_progress;

void bench_progress_start(bench_progress *p, const bench_options *options, const char *label,
                          const char *unit, uint64_t total);
/* Draws when due (in place: every PROGRESS_REDRAW_MS; lines: each tenth);
 * detail (a printf format, formatted only when drawn) or NULL. */
void bench_progress_update(bench_progress *p, uint64_t done, const char *detail, ...)
    __attribute__((format(printf, 3, 4)));
/* Erases the in-place line: call before writing to stdout. */
void bench_progress_clear(bench_progress *p);
/* A line of its own on stderr (the meter's stream), above the meter;
 * written also when the meter is off. */
void bench_progress_note(bench_progress *p, const char *format, ...)
    __attribute__((format(printf, 2, 3)));
void bench_progress_finish(bench_progress *p, uint64_t done, const char *detail, ...)
    __attribute__((format(printf, 3, 4)));

/* --- bench-report.c: the --json document ----------------------------------------
 * One JSON document per run (README.md, "The JSON document"): the format,
 * the start time, the machine, the commit and the configuration, then
 * "results" (what the benchmarks write into options->json), then one entry
 * per benchmark run with its exit status and time, and the run's status.
 *
 *   options.json = bench_report_begin(file, &options, "pauses");
 *   ... ccgc_bench_pauses(&options) writes its result objects ...
 *   if (bench_report_end(options.json, runs, n, status, seconds) != CCGC_OK) ...
 *   ccgc_json_writer_free(options.json);
 */
#define BENCH_REPORT_FORMAT_VERSION 1

typedef struct bench_run {
  const char *name;
  int exit_status;
  double seconds;
} bench_run;

/* benchmark: the name given, or NULL for every benchmark (--quick). */
ccgc_json_writer *bench_report_begin(FILE *out, const bench_options *options,
                                     const char *benchmark);
/* Closes "results", writes the runs and the status; finishes the writer
 * (not freed). */
ccgc_status bench_report_end(ccgc_json_writer *json, const bench_run *runs, size_t count,
                             int exit_status, double elapsed_s);

/* --- bench-world.c: heaps sized as a multiple of a live size ----------------
 * The usual method: the peak live size of a workload is computed
 * analytically, the heap gets a hard limit of a multiple of it, and the
 * workload collects when the collector asks (soft limit crossed, at a
 * safepoint the workload chooses) or when an allocation fails at the hard
 * limit (collect, retry once). Every collection the driver runs is timed. */
typedef struct bench_heaps {
  ccgc_collector *collector;
  v8ish_heap *script;
  blinkish_heap *dom;
  size_t script_limit, dom_limit; /* hard limits, 0 = none */
  double gc_ms, max_pause_ms;     /* every collection, full and minor */
  size_t gc_count;                /* every collection, full and minor */
  size_t minor_count;             /* of which minor (scavenges)       */
  size_t peak_committed;          /* both heaps, sampled at each full collection */
} bench_heaps;

/* The hard limit for a live size: multiplier * live, at least 8 pages (a
 * heap needs pages for each size class in use). */
size_t bench_limit_for(size_t live_bytes, double multiplier);
/* The collector's helper threads: ccgc_collector_options.scavenger_threads
 * (with adaptive_threads) and parallel_marking_threads; and its sweeping
 * mode (a ccgc_sweeping_mode; concurrent: one sweeper thread). */
typedef struct bench_helpers {
  int scavenger, marking;
  int sweeping;
} bench_helpers;
void bench_heaps_open(bench_heaps *h, size_t script_limit, size_t dom_limit,
                      bench_helpers helpers);
/* The helpers a sized benchmark's collector uses: --scavenger-threads, or
 * 1 (V8 scavenges in parallel by default; this machine has 2 cores),
 * --marking-threads, or 1 (V8 marks with helper threads too), and
 * --sweeping, or concurrent with one sweeper thread (V8 sweeps on helper
 * threads too). */
bench_helpers bench_helpers_for(const bench_options *options);
void bench_heaps_close(bench_heaps *h);
void bench_heaps_collect(bench_heaps *h, ccgc_gc_reason reason);
/* Counts and times the collection a safepoint just ran: a minor one, or a
 * full one (its pause and the committed size before it, from the cycle's
 * statistics). */
void bench_heaps_count_safepoint(bench_heaps *h);
/* Runs a requested collection: call only where every live object is rooted.
 * One public call when nothing is requested: ccgc_collector_safepoint runs
 * a requested full collection, else a requested minor one (the script
 * heap's nursery is full: left unserved, the nursery would grow until the
 * hard limit). */
static inline void bench_heaps_safepoint(bench_heaps *h) {
  if (__builtin_expect(ccgc_collector_safepoint(h->collector), 0))
    bench_heaps_count_safepoint(h);
}
/* After a failed allocation: true (and the error cleared, a collection run)
 * if it failed at the hard limit, so the caller retries; false otherwise. */
bool bench_heaps_retry(bench_heaps *h);
/* Committed bytes of both heaps now. */
size_t bench_heaps_committed(bench_heaps *h);

/* --- bench-plot.c ---------------------------------------------------------------
 * Cumulative distributions drawn with cairo (x: pause in ms, log scale; y:
 * fraction of pauses at or below), one curve per series, with a title,
 * axis labels, tick labels and a legend outside the plot area. Values need
 * not be sorted. SVG, or PNG when path ends in ".png". */
typedef struct bench_series {
  const char *name;
  const double *values;
  size_t count;
} bench_series;
/* Written to path; shown is its name in messages (NULL: path). */
bool bench_plot_cdf(const char *path, const char *shown, const char *title,
                    const bench_series *series, size_t count);

#define BENCH_PLOT_WIDTH 720  /* SVG points, PNG pixels */
#define BENCH_PLOT_HEIGHT 450
#define BENCH_PLOT_X_LABEL "pause (ms, log scale)"
#define BENCH_PLOT_Y_LABEL "fraction of pauses at or below"

typedef struct bench_rect {
  double x, y, width, height; /* from the top left corner, y downwards */
} bench_rect;

/* Where bench_plot_cdf draws what, from the text's measured extents. */
typedef struct bench_plot_layout {
  bench_rect plot;      /* the axes' frame: the curves are drawn (clipped) in it */
  bench_rect data;      /* the curves' bounding box, inside plot (empty: no data) */
  bench_rect legend;    /* outside plot: on its right, or below the x label */
  bench_rect title, x_label, y_label;
  bool legend_below;
  double log_lo, log_hi; /* the x axis: 10^log_lo .. 10^log_hi ms */
} bench_plot_layout;
void bench_plot_layout_of(const char *title, const bench_series *series, size_t count,
                          bench_plot_layout *layout);
bool bench_rects_overlap(bench_rect a, bench_rect b);

/* Minimum mutator utilization against the window size (bench-mmu.h), one
 * curve per run: x from 0.1 ms to the longest run (log scale), y the MMU
 * (0 to 1); each curve ends at its own run's length. The legend gives each
 * run's MMU at 1, 10 and 100 ms and its length. Same size, fonts and layout
 * rules as bench_plot_cdf. */
typedef struct bench_mmu_series {
  const char *name;
  const bench_pause *pauses;
  size_t count;
  double run_ms; /* the run is [0, run_ms] */
} bench_mmu_series;
bool bench_plot_mmu(const char *path, const char *shown, const char *title,
                    const bench_mmu_series *series, size_t count);
void bench_plot_mmu_layout_of(const char *title, const bench_mmu_series *series, size_t count,
                              bench_plot_layout *layout);
#define BENCH_PLOT_MMU_X_LABEL "window (ms, log scale)"
#define BENCH_PLOT_MMU_Y_LABEL "minimum mutator utilization"
/* Where `--plot FILE` puts the MMU plot: FILE with "-mmu" before a ".svg"
 * or ".png" extension (pauses.svg -> pauses-mmu.svg), else FILE-mmu.svg
 * (g_free it). */
char *bench_plot_mmu_path(const char *path);
/* path with "-SUFFIX" before a ".svg" or ".png" extension, else
 * PATH-SUFFIX.svg (g_free it): bench_plot_mmu_path's rule; `ccgc bench
 * --quick --plot FILE` names each benchmark's plots so (FILE-pauses.svg). */
char *bench_plot_suffixed_path(const char *path, const char *suffix);
/* A run's two plots where options say (plot_write / mmu_write, else plot
 * and bench_plot_mmu_path(plot)), named in messages as the user gave them.
 * False, said on stderr, when one could not be drawn or written: the
 * benchmark then fails. */
bool bench_plot_run(const bench_options *options, const char *cdf_title,
                    const bench_series *series, size_t count, const char *mmu_title,
                    const bench_mmu_series *mmu, size_t mmu_count);

/* Percentile p (0..100) of n values, sorted in place. */
double bench_percentile(double *values, size_t n, double p);

#endif
