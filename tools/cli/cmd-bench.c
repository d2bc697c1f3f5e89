/* cmd-bench.c - `ccgc bench NAME`: benchmarks that print their comparisons as
 * ratios measured in the same run.
 *
 *   pauses   a live graph across both heaps, a mutator that keeps mutating,
 *            main-thread pauses of stop-the-world versus incremental cycles
 *            (p50, p99, max)
 *   barrier  a store-heavy mutator loop with the write barrier compiled in and
 *            marking off, against the same loop with no barrier code
 *
 * The others live in bench-*.c (bench.h); BENCHMARKS below lists them all.
 * `ccgc bench --quick` without a NAME runs every one in its small
 * configuration, each table under a "== bench NAME ==" line.
 */
#include <errno.h>
#include <getopt.h>
#include <glib.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "bridge.h"
#include "ccgc-heap.h"
#include "commands.h"


/* --- a live graph across both heaps ---------------------------------------
 * Clusters of: a DOM node (members next + a script reference to a script
 * object), its wrapper, and a script object with 4 properties pointing into
 * other clusters. Roots: a DOM persistent to the first node of each chain. */

typedef struct bench_node {
  struct bench_node *next;
  bridge_script_ref *script;
  bridge *bridge;
  uint64_t payload[4];
} bench_node;

static void trace_bench_node(ccgc_visitor *visitor, void *object) {
  bench_node *node = object;
  blinkish_trace_member(visitor, (void *const *)&node->next, "next");
  bridge_trace_script_ref(visitor, node->script, "script");
}

static void finalize_bench_node(void *object) {
  bench_node *node = object;
  bridge_script_ref_free(node->bridge, node->script);
}

typedef struct bench_world {
  ccgc_collector *collector;
  v8ish_heap *script;
  blinkish_heap *dom;
  bridge *bridge;
  blinkish_type_id node_type;
  GPtrArray *chains; /* blinkish_persistent * */
  GPtrArray *nodes;  /* every node, for the mutator to pick from */
  GRand *rand;
} bench_world;

static bench_node *new_cluster(bench_world *b) {
  bench_node *node = blinkish_alloc(b->dom, b->node_type, sizeof *node);
  if (!node) return NULL;
  node->bridge = b->bridge;
  v8ish_local object = v8ish_object_new(b->script);
  v8ish_object_set(b->script, object, "a", v8ish_number_new(b->script, 1.5));
  v8ish_object_set(b->script, object, "b", v8ish_string_new(b->script, "cluster", 7));
  v8ish_object_set(b->script, object, "self", bridge_wrap(b->bridge, node));
  node->script = bridge_script_ref_new(b->bridge, object);
  return node;
}

static void build_world(bench_world *b, size_t live_bytes, int threads) {
  ccgc_collector_options options = {.incremental_step_ms = 1.0,
                                    .marker_threads = threads};
  b->collector = ccgc_collector_new(&options);
  b->script = v8ish_heap_new(b->collector, NULL);
  b->dom = blinkish_heap_new(b->collector, NULL);
  b->bridge = bridge_new(b->collector, b->script, b->dom, BRIDGE_MODE_UNIFIED);
  blinkish_type_info info = {"BenchNode", trace_bench_node, finalize_bench_node,
                             BLINKISH_TYPE_WRAPPABLE};
  b->node_type = blinkish_register_type(b->dom, &info);
  b->chains = g_ptr_array_new();
  b->nodes = g_ptr_array_new();
  b->rand = g_rand_new_with_seed(42);
  size_t used = 0;
  bench_node *tail = NULL;
  while (used < live_bytes) {
    v8ish_handle_scope scope;
    v8ish_handle_scope_open(b->script, &scope);
    for (int i = 0; i < 1000; i++) {
      bench_node *node = new_cluster(b);
      if (!node) break;
      g_ptr_array_add(b->nodes, node);
      if (!tail || b->nodes->len % 4096 == 0)
        g_ptr_array_add(b->chains, blinkish_persistent_new(b->dom, node, false));
      else
        blinkish_member_set(b->dom, tail, (void **)&tail->next, node);
      tail = node;
    }
    v8ish_handle_scope_close(&scope);
    ccgc_heap_stats script, dom;
    v8ish_heap_stats(b->script, &script);
    blinkish_heap_stats(b->dom, &dom);
    used = script.used_bytes + dom.used_bytes;
  }
}

static void free_world(bench_world *b) {
  for (guint i = 0; i < b->chains->len; i++)
    blinkish_persistent_free(b->dom, g_ptr_array_index(b->chains, i));
  g_ptr_array_free(b->chains, TRUE);
  g_ptr_array_free(b->nodes, TRUE);
  blinkish_heap_free(b->dom);
  bridge_free(b->bridge);
  v8ish_heap_free(b->script);
  ccgc_collector_free(b->collector);
  g_rand_free(b->rand);
}

/* One mutator tick: replace the script object of a random live node with a
 * fresh one (the old one becomes garbage), allocate some short-lived
 * garbage. Nodes never die, so the live size stays put. */
static void mutate(bench_world *b, int stores) {
  v8ish_handle_scope scope;
  v8ish_handle_scope_open(b->script, &scope);
  for (int i = 0; i < stores; i++) {
    bench_node *node = g_ptr_array_index(
        b->nodes, (guint)g_rand_int_range(b->rand, 0, (gint32)b->nodes->len));
    v8ish_local object = v8ish_object_new(b->script);
    v8ish_object_set(b->script, object, "self", bridge_wrap(b->bridge, node));
    v8ish_object_set(b->script, object, "tick", v8ish_integer(b->script, i));
    bridge_script_ref_set(b->bridge, node->script, object);
    v8ish_string_new(b->script, "garbage", 7);
  }
  v8ish_handle_scope_close(&scope);
}

static int compare_doubles(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

typedef struct pause_stats {
  size_t count;
  double p50, p99, max, total;
} pause_stats;

static pause_stats summarize(GArray *pauses) {
  pause_stats stats = {pauses->len, 0, 0, 0, 0};
  if (!pauses->len) return stats;
  g_array_sort(pauses, compare_doubles);
  double *v = (double *)pauses->data;
  stats.p50 = v[(pauses->len - 1) / 2];
  stats.p99 = v[(size_t)ceil(0.99 * (double)pauses->len) - 1];
  stats.max = v[pauses->len - 1];
  for (guint i = 0; i < pauses->len; i++) stats.total += v[i];
  return stats;
}

/* Runs `cycles` collections while the mutator works; records every
 * main-thread pause (full collections, or steps plus final pauses). */
static pause_stats run_pauses(bench_world *b, bool incremental, int cycles,
                              double *mutator_ms, GArray **keep) {
  GArray *pauses = g_array_new(FALSE, FALSE, sizeof(double));
  double mutator = 0;
  for (int cycle = 0; cycle < cycles; cycle++) {
    double start = ccgc_time_ms();
    mutate(b, 2000);
    mutator += ccgc_time_ms() - start;
    if (!incremental) {
      double t = ccgc_time_ms();
      ccgc_collect(b->collector, CCGC_REASON_TESTING);
      double pause = ccgc_time_ms() - t;
      g_array_append_val(pauses, pause);
      continue;
    }
    ccgc_incremental_start(b->collector, CCGC_REASON_TESTING);
    for (;;) {
      double t = ccgc_time_ms();
      bool done = ccgc_incremental_step(b->collector, 1.0);
      double pause = ccgc_time_ms() - t;
      g_array_append_val(pauses, pause);
      double m = ccgc_time_ms();
      mutate(b, 200); /* the host keeps mutating between steps */
      mutator += ccgc_time_ms() - m;
      if (done) break;
    }
    double t = ccgc_time_ms();
    ccgc_incremental_finish(b->collector);
    double pause = ccgc_time_ms() - t;
    g_array_append_val(pauses, pause);
  }
  pause_stats stats = summarize(pauses);
  if (keep)
    *keep = pauses; /* sorted */
  else
    g_array_free(pauses, TRUE);
  if (mutator_ms) *mutator_ms = mutator;
  return stats;
}

static int bench_pauses(const bench_options *options) {
  size_t live = options->live_mb * 1024 * 1024;
  int cycles = options->quick ? 2 : 3;
  bench_world b;
  fprintf(stderr, "bench pauses: building %zu MB live across both heaps...\n",
          options->live_mb);
  build_world(&b, live, 0);
  ccgc_collect(b.collector, CCGC_REASON_TESTING);
  ccgc_heap_stats script, dom;
  v8ish_heap_stats(b.script, &script);
  blinkish_heap_stats(b.dom, &dom);
  printf("live: script %.1f MB (%zu objects), dom %.1f MB (%zu objects)\n",
         script.used_bytes / 1048576.0, script.object_count,
         dom.used_bytes / 1048576.0, dom.object_count);
  fprintf(stderr, "bench pauses: stop-the-world cycles...\n");
  GArray *stw_pauses, *inc_pauses;
  pause_stats stw = run_pauses(&b, false, cycles, NULL, &stw_pauses);
  fprintf(stderr, "bench pauses: incremental cycles...\n");
  pause_stats inc = run_pauses(&b, true, cycles, NULL, &inc_pauses);
  printf("%-16s %8s %10s %10s %10s %12s\n", "mode", "pauses", "p50 ms",
         "p99 ms", "max ms", "total ms");
  printf("%-16s %8zu %10.2f %10.2f %10.2f %12.1f\n", "stop-the-world", stw.count,
         stw.p50, stw.p99, stw.max, stw.total);
  printf("%-16s %8zu %10.2f %10.2f %10.2f %12.1f\n", "incremental", inc.count,
         inc.p50, inc.p99, inc.max, inc.total);
  printf("ratio max pause stop-the-world / incremental: %.1f\n",
         inc.max > 0 ? stw.max / inc.max : 0);
  printf("ratio p99 pause stop-the-world / incremental: %.1f\n",
         inc.p99 > 0 ? stw.p99 / inc.p99 : 0);
  if (options->json)
    fprintf(options->json,
            "{\"bench\":\"pauses\",\"live_mb\":%zu,\"stw\":{\"count\":%zu,\"p50\":%.3f,"
            "\"p99\":%.3f,\"max\":%.3f},\"incremental\":{\"count\":%zu,\"p50\":%.3f,"
            "\"p99\":%.3f,\"max\":%.3f}}\n",
            options->live_mb, stw.count, stw.p50, stw.p99, stw.max, inc.count,
            inc.p50, inc.p99, inc.max);
  if (options->plot) {
    bench_series series[] = {
        {"stop-the-world", (const double *)stw_pauses->data, stw_pauses->len},
        {"incremental", (const double *)inc_pauses->data, inc_pauses->len}};
    if (bench_plot_cdf(options->plot, "bench pauses: main-thread pauses", series, 2))
      printf("plot: %s\n", options->plot);
  }
  g_array_free(stw_pauses, TRUE);
  g_array_free(inc_pauses, TRUE);
  free_world(&b);
  return 0;
}

/* --- the barrier's fast path --------------------------------------------------
 * The same store loop twice: with ccgc_write_barrier after every store (the
 * code every heap runs) and with no barrier code at all. Marking is off, as
 * for most of a program's life. */

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

static int bench_barrier(const bench_options *options) {
  ccgc_collector *collector = ccgc_collector_new(NULL);
  ccgc_barrier *barrier = ccgc_collector_barrier(collector);
  store_target t;
  t.count = 1 << 16;
  t.slots = calloc(t.count, sizeof(void *));
  t.values = calloc(t.count, sizeof(void *));
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
  free(t.slots);
  free(t.values);
  ccgc_collector_free(collector);
  return 0;
}

/* Every benchmark, in the order `ccgc bench --quick` runs them. */
typedef struct benchmark {
  const char *name;
  int (*run)(const bench_options *options);
  const char *help;
} benchmark;

static const benchmark BENCHMARKS[] = {
    {"pauses", bench_pauses,
     "main-thread pauses, stop-the-world vs incremental, on a live graph\n"
     "              across both heaps (--live-mb, default 1024) that a mutator\n"
     "              keeps changing: p50, p99, max, ratios; --plot FILE.svg: CDF"},
    {"barrier", bench_barrier,
     "mutator store throughput with the barrier compiled in and marking\n"
     "              off, against no barrier code, as a ratio"},
    {"ephemerons", ccgc_bench_ephemerons,
     "marking time of ephemeron chains discovered in the worst order (n\n"
     "              and 2n pairs), the 2n/n ratio, and the ratio to a strong chain"},
    {"gcbench", ccgc_bench_gcbench,
     "Boehm's GCBench on the script heap, the DOM heap, Boehm GC and\n"
     "              malloc/free; times and ratios to malloc and to Boehm"},
    {"binary-trees", ccgc_bench_binary_trees,
     "the benchmarks game's binary-trees (--depth N, default 21) on the\n"
     "              same four; check values verified; ratios"},
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
};
#define BENCHMARK_COUNT (sizeof BENCHMARKS / sizeof BENCHMARKS[0])

static void usage(FILE *out) {
  fputs("usage: ccgc bench NAME [--quick] [--json FILE] [--heap-multiplier M]\n"
        "                  [--live-mb N] [--depth N] [--plot FILE.svg]\n"
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
        "  --json FILE          also append one JSON line per result to FILE\n"
        "  --heap-multiplier M  gcbench, binary-trees: heap = M x the computed peak\n"
        "                       live size (default: 1.5, 2 and 3; --quick: 2)\n"
        "  --live-mb N          pauses, mark: live size (default 1024; --quick: 64)\n"
        "  --depth N            binary-trees: N (default 21; --quick: 16)\n"
        "  --plot FILE.svg      pauses, dom: the pause distribution as an SVG CDF\n"
        "\n"
        "docs/benchmarks.md describes the method and the full-size commands.\n",
        out);
}

static bool parse_number(const char *text, double min, double max, double *out) {
  char *end;
  errno = 0;
  double value = strtod(text, &end);
  if (errno || end == text || *end || !(value >= min && value <= max)) return false;
  *out = value;
  return true;
}

int ccgc_cmd_bench(int argc, char **argv) {
  bench_options options = {.live_mb = 0};
  const char *json_path = NULL;
  static const struct option long_options[] = {
      {"live-mb", required_argument, NULL, 'l'},
      {"quick", no_argument, NULL, 'q'},
      {"json", required_argument, NULL, 'j'},
      {"heap-multiplier", required_argument, NULL, 'm'},
      {"depth", required_argument, NULL, 'd'},
      {"plot", required_argument, NULL, 'p'},
      {"help", no_argument, NULL, 'h'},
      {NULL, 0, NULL, 0}};
  optind = 1;
  int option;
  double value;
  while ((option = getopt_long(argc, argv, "h", long_options, NULL)) != -1) {
    switch (option) {
    case 'l':
      if (!parse_number(optarg, 1, 65536, &value) || value != (size_t)value) {
        fprintf(stderr, "ccgc bench: --live-mb must be 1 to 65536, got '%s'\n", optarg);
        return 2;
      }
      options.live_mb = (size_t)value;
      break;
    case 'm':
      if (!parse_number(optarg, 1.05, 100, &value)) {
        fprintf(stderr, "ccgc bench: --heap-multiplier must be 1.05 to 100, got '%s'\n",
                optarg);
        return 2;
      }
      options.heap_multiplier = value;
      break;
    case 'd':
      if (!parse_number(optarg, 1, 26, &value) || value != (int)value) {
        fprintf(stderr, "ccgc bench: --depth must be 1 to 26, got '%s'\n", optarg);
        return 2;
      }
      options.depth = (int)value;
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
  if (json_path) {
    options.json = fopen(json_path, "a");
    if (!options.json) {
      fprintf(stderr, "ccgc bench: cannot write '%s': %s\n", json_path, strerror(errno));
      return 1;
    }
  }
  int result = 0;
  if (chosen) {
    result = chosen->run(&options);
  } else {
    double start = ccgc_time_ms();
    for (size_t i = 0; i < BENCHMARK_COUNT; i++) {
      fprintf(stderr, "ccgc bench --quick: %s (%zu of %zu, %.0f s so far)\n",
              BENCHMARKS[i].name, i + 1, BENCHMARK_COUNT,
              (ccgc_time_ms() - start) / 1000);
      printf("== bench %s ==\n", BENCHMARKS[i].name);
      fflush(stdout);
      int status = BENCHMARKS[i].run(&options);
      fflush(stdout);
      if (status && !result) result = status;
      if (status) fprintf(stderr, "ccgc bench: %s failed (exit %d)\n", BENCHMARKS[i].name, status);
    }
    printf("== all benchmarks: %.1f s ==\n", (ccgc_time_ms() - start) / 1000);
  }
  if (options.json) fclose(options.json);
  return result;
}
