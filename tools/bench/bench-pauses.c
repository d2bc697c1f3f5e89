/* bench-pauses.c - `ccgc bench pauses`: main-thread pauses of
 * stop-the-world versus incremental cycles, side by side, on a live graph
 * across both heaps (--live-mb, default 1024) that a mutator keeps changing:
 * p50, p99, max and total per mode, the ratios of max and p99, the
 * minimum mutator utilization of each mode's run at 1, 10 and 100 ms
 * windows (bench-mmu.h), and with --plot FILE.svg the two pause
 * distributions as a CDF and, in FILE-mmu.svg, MMU against the window size
 * (bench-plot.c). The longest pause of each mode is named (a full
 * collection, the start, a step, the finishing pause, a sweep step or the
 * last one, which completes the cycle) with
 * the main thread's CPU time in it, how often the kernel preempted the
 * thread there and the page faults it took: wall time far above CPU time
 * with preemptions is the machine's, not the collector's; CPU time with
 * many faults is fresh memory being touched. */
#include <glib.h>
#include <math.h>
#include <stdio.h>

#include "bench-pause-clock.h"
#include "bench.h"
#include "bridge.h"

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

/* Progress: MB built (of the live size), after each batch of clusters. */
static void build_world(bench_world *b, size_t live_bytes, int threads, bench_progress *p) {
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
    bench_progress_update(p, (used < live_bytes ? used : live_bytes) >> 20, NULL);
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

/* A mode's run on the clock: it starts before the first mutator tick and
 * ends after the last pause; every pause, timed around the call that makes
 * it, with its start from the run's start (for the MMU). */
typedef struct pause_timeline {
  double run_start, run_ms;
  GArray *pauses; /* bench_pause, in order */
  double mmu[BENCH_MMU_WINDOWS];
  bench_longest_pause longest;
} pause_timeline;

static void record_pause(GArray *pauses, pause_timeline *timeline, bench_pause_clock begun,
                         const char *kind) {
  double pause = bench_pause_end(&timeline->longest, kind, begun);
  g_array_append_val(pauses, pause);
  bench_pause at = {begun.start - timeline->run_start, pause};
  g_array_append_val(timeline->pauses, at);
}

/* Owner-thread sweeping of a mode's cycles (docs/sweeping.md): in the
 * pauses (reclaim_ms), after them (lazy_sweep_ms), and the sweeper
 * threads' time. */
typedef struct sweep_time {
  double main_ms, pause_ms, threads_ms;
} sweep_time;

static void add_sweep_time(sweep_time *sweep, ccgc_collector *collector) {
  const ccgc_cycle_stats *last = ccgc_collector_last_cycle(collector);
  sweep->pause_ms += last->reclaim_ms;
  sweep->main_ms += last->reclaim_ms + last->lazy_sweep_ms;
  sweep->threads_ms += last->concurrent_sweep_ms;
}

/* Runs `cycles` collections while the mutator works; records every
 * main-thread pause (full collections, or steps plus final pauses) and, in
 * timeline, when each started and how long the run took.
 * Progress: cycles done (from cycles_done), drawn between the cycles. */
static pause_stats run_pauses(bench_world *b, bool incremental, int cycles,
                              double *mutator_ms, GArray **keep, pause_timeline *timeline,
                              sweep_time *sweep, bench_progress *p, uint64_t cycles_done) {
  const char *mode = incremental ? "incremental" : "stop-the-world";
  GArray *pauses = g_array_new(FALSE, FALSE, sizeof(double));
  timeline->pauses = g_array_new(FALSE, FALSE, sizeof(bench_pause));
  bench_longest_pause_init(&timeline->longest);
  timeline->run_start = ccgc_time_ms();
  double mutator = 0;
  for (int cycle = 0; cycle < cycles; cycle++) {
    bench_progress_update(p, cycles_done + (uint64_t)cycle, "%s", mode);
    double start = ccgc_time_ms();
    mutate(b, 2000);
    mutator += ccgc_time_ms() - start;
    if (!incremental) {
      bench_pause_clock t = bench_pause_begin();
      ccgc_collect(b->collector, CCGC_REASON_TESTING);
      record_pause(pauses, timeline, t, "full collection");
      add_sweep_time(sweep, b->collector);
      continue;
    }
    /* The start is a pause too: the roots are marked in it. */
    bench_pause_clock begin = bench_pause_begin();
    ccgc_incremental_start(b->collector, CCGC_REASON_TESTING);
    record_pause(pauses, timeline, begin, "start");
    for (;;) {
      bench_pause_clock t = bench_pause_begin();
      bool done = ccgc_incremental_step(b->collector, 1.0);
      record_pause(pauses, timeline, t, "step");
      double m = ccgc_time_ms();
      mutate(b, 200); /* the host keeps mutating between steps */
      mutator += ccgc_time_ms() - m;
      if (done) break;
    }
    bench_pause_clock t = bench_pause_begin();
    ccgc_incremental_finish(b->collector);
    record_pause(pauses, timeline, t, "finishing pause");
    /* Lazy or concurrent sweeping: steps between mutator ticks, each a
     * main-thread pause, until the heaps are swept. */
    while (ccgc_collector_state(b->collector) == CCGC_STATE_SWEEPING) {
      bench_pause_clock s = bench_pause_begin();
      ccgc_sweep_step(b->collector, 1.0);
      /* The step that completes sweeping also ends the cycle. */
      bool last = ccgc_collector_state(b->collector) != CCGC_STATE_SWEEPING;
      record_pause(pauses, timeline, s, last ? "last sweep step" : "sweep step");
      double m = ccgc_time_ms();
      mutate(b, 200);
      mutator += ccgc_time_ms() - m;
    }
    add_sweep_time(sweep, b->collector);
  }
  timeline->run_ms = ccgc_time_ms() - timeline->run_start;
  const double windows[BENCH_MMU_WINDOWS] = BENCH_MMU_WINDOWS_MS;
  bench_mmu_curve((const bench_pause *)timeline->pauses->data, timeline->pauses->len,
                  timeline->run_ms, windows, BENCH_MMU_WINDOWS, timeline->mmu);
  pause_stats stats = summarize(pauses);
  if (keep)
    *keep = pauses; /* sorted */
  else
    g_array_free(pauses, TRUE);
  if (mutator_ms) *mutator_ms = mutator;
  return stats;
}

int ccgc_bench_pauses(const bench_options *options) {
  size_t live = options->live_mb * 1024 * 1024;
  int cycles = options->quick ? 2 : 3;
  bench_world b;
  bench_progress p;
  bench_progress_start(&p, options, "bench pauses", "MB built across both heaps",
                       options->live_mb);
  build_world(&b, live, 0, &p);
  ccgc_collect(b.collector, CCGC_REASON_TESTING);
  bench_progress_finish(&p, options->live_mb, NULL);
  ccgc_heap_stats script, dom;
  v8ish_heap_stats(b.script, &script);
  blinkish_heap_stats(b.dom, &dom);
  printf("live: script %.1f MB (%zu objects), dom %.1f MB (%zu objects)\n",
         script.used_bytes / 1048576.0, script.object_count,
         dom.used_bytes / 1048576.0, dom.object_count);
  /* Stop-the-world cycles, then as many incremental ones. */
  bench_progress_start(&p, options, "bench pauses", "cycles", 2 * (uint64_t)cycles);
  GArray *stw_pauses, *inc_pauses;
  pause_timeline stw_time, inc_time;
  sweep_time sweeps[2] = {{0}};
  ccgc_sweeping_mode inc_sweeping = options->sweeping >= 0
                                        ? (ccgc_sweeping_mode)options->sweeping
                                        : CCGC_SWEEP_CONCURRENT;
  ccgc_collector_set_sweeping(b.collector, CCGC_SWEEP_ATOMIC, 0);
  pause_stats stw =
      run_pauses(&b, false, cycles, NULL, &stw_pauses, &stw_time, &sweeps[0], &p, 0);
  ccgc_collector_set_sweeping(b.collector, inc_sweeping, 1);
  /* One incremental cycle untimed (warm-up): the switch from stop-the-world
   * cycles starts the marker and sweeper threads, and the first start
   * would wait for the clearing of the stop-the-world cycles' marks
   * (docs/sweeping.md "Clearing the marks"), a cost of the switch. */
  pause_timeline warm_time;
  sweep_time warm_sweep = {0};
  run_pauses(&b, true, 1, NULL, NULL, &warm_time, &warm_sweep, &p, (uint64_t)cycles);
  g_array_free(warm_time.pauses, TRUE);
  pause_stats inc = run_pauses(&b, true, cycles, NULL, &inc_pauses, &inc_time, &sweeps[1],
                               &p, (uint64_t)cycles);
  bench_progress_finish(&p, 2 * (uint64_t)cycles, NULL);
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
  /* Minimum mutator utilization of each mode's run (bench-mmu.h). */
  printf("%-16s %12s %10s %10s %10s\n", "mode", "run ms", "MMU 1 ms", "MMU 10 ms",
         "MMU 100 ms");
  const pause_timeline *timelines[] = {&stw_time, &inc_time};
  const char *const mode_names[] = {"stop-the-world", "incremental"};
  for (int m = 0; m < 2; m++)
    printf("%-16s %12.1f %10.3f %10.3f %10.3f\n", mode_names[m], timelines[m]->run_ms,
           timelines[m]->mmu[0], timelines[m]->mmu[1], timelines[m]->mmu[2]);
  /* The longest pause of each mode, on both clocks. */
  for (int m = 0; m < 2; m++) {
    const bench_longest_pause *l = &timelines[m]->longest;
    printf("longest %s pause: %s, %.2f ms, main thread on the CPU %.2f ms, preempted %ld "
           "times, blocked %ld times, %ld page faults\n",
           mode_names[m], l->kind, l->ms, l->cpu_ms, l->preempted, l->blocked, l->faults);
  }
  /* Where the sweep ran: main thread (in pauses and in sweep steps after
   * them), sweeper threads. */
  const ccgc_sweeping_mode sweep_modes[] = {CCGC_SWEEP_ATOMIC, inc_sweeping};
  printf("%-16s %-10s %12s %12s %12s\n", "mode", "sweeping", "main ms", "in pauses ms",
         "threads ms");
  for (int m = 0; m < 2; m++)
    printf("%-16s %-10s %12.1f %12.1f %12.1f\n", mode_names[m],
           ccgc_sweeping_mode_name(sweep_modes[m]), sweeps[m].main_ms, sweeps[m].pause_ms,
           sweeps[m].threads_ms);
  printf("ratio main-thread sweep %s / atomic: %.2f\n",
         ccgc_sweeping_mode_name(inc_sweeping),
         sweeps[0].main_ms > 0 ? sweeps[1].main_ms / sweeps[0].main_ms : 0);
  if (options->json) {
    ccgc_json_writer *json = options->json;
    ccgc_json_writer_begin_object(json);
    ccgc_json_writer_member_string(json, "bench", "pauses");
    ccgc_json_writer_member_uint(json, "live_mb", options->live_mb);
    const char *const names[] = {"stw", "incremental"};
    const pause_stats *modes[] = {&stw, &inc};
    for (int m = 0; m < 2; m++) {
      ccgc_json_writer_member_begin_object(json, names[m]);
      ccgc_json_writer_member_uint(json, "count", modes[m]->count);
      ccgc_json_writer_member_fixed(json, "p50", modes[m]->p50, 3);
      ccgc_json_writer_member_fixed(json, "p99", modes[m]->p99, 3);
      ccgc_json_writer_member_fixed(json, "max", modes[m]->max, 3);
      ccgc_json_writer_member_string(json, "max_kind", timelines[m]->longest.kind);
      ccgc_json_writer_member_fixed(json, "max_cpu_ms", timelines[m]->longest.cpu_ms, 3);
      ccgc_json_writer_member_int(json, "max_preempted", timelines[m]->longest.preempted);
      ccgc_json_writer_member_int(json, "max_blocked", timelines[m]->longest.blocked);
      ccgc_json_writer_member_int(json, "max_page_faults", timelines[m]->longest.faults);
      ccgc_json_writer_member_fixed(json, "run_ms", timelines[m]->run_ms, 3);
      bench_write_mmu(json, timelines[m]->mmu);
      ccgc_json_writer_member_string(json, "sweeping",
                                     ccgc_sweeping_mode_name(sweep_modes[m]));
      ccgc_json_writer_member_fixed(json, "sweep_main_ms", sweeps[m].main_ms, 3);
      ccgc_json_writer_member_fixed(json, "sweep_threads_ms", sweeps[m].threads_ms, 3);
      ccgc_json_writer_end_object(json);
    }
    ccgc_json_writer_end_object(json);
  }
  bool plotted = true;
  if (options->plot) {
    bench_series series[] = {
        {"stop-the-world", (const double *)stw_pauses->data, stw_pauses->len},
        {"incremental", (const double *)inc_pauses->data, inc_pauses->len}};
    bench_mmu_series mmu_series[] = {
        {"stop-the-world", (const bench_pause *)stw_time.pauses->data, stw_time.pauses->len,
         stw_time.run_ms},
        {"incremental", (const bench_pause *)inc_time.pauses->data, inc_time.pauses->len,
         inc_time.run_ms}};
    plotted = bench_plot_run(options, "bench pauses: main-thread pauses", series, 2,
                             "bench pauses: minimum mutator utilization", mmu_series, 2);
  }
  g_array_free(stw_time.pauses, TRUE);
  g_array_free(inc_time.pauses, TRUE);
  g_array_free(stw_pauses, TRUE);
  g_array_free(inc_pauses, TRUE);
  free_world(&b);
  return plotted ? 0 : 1;
}
