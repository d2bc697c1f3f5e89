/* bench-dom.c - `ccgc bench dom`: a host workload on the demo's model
 * (tools/host/host.h) rather than a synthetic graph.
 *
 *   load     a generated page: S sections, each a div with a heading and a
 *            list of items (li > a + button + text); loaded by the host's
 *            HTML loader into the DOM heap
 *   attach   a click listener on every button: a closure whose context
 *            captures the button's wrapper (node -> listener -> closure ->
 *            context -> wrapper -> node: a cycle through both heaps)
 *   churn    R rounds of: remove a random section (the subtree, its
 *            listeners, closures and wrappers become garbage held only by
 *            cycles), build a new one with the DOM API and listeners,
 *            replace the script's array of wrappers of a few sections (the
 *            old array dies; wrappers of live nodes stay), and some
 *            short-lived script objects
 *
 * Collections run when the heaps ask (their automatic soft limits; the host
 * world does not take heap limits; the script heap's nursery when it is
 * full), at the host's safepoint after every step. The host world marks
 * incrementally with a marker thread (ccgc_host_default_options: pacing,
 * docs/collection.md): a safepoint starts a cycle, its paced steps run
 * inside allocations, a later safepoint runs its atomic pause; whatever a
 * safepoint runs (a minor collection, a cycle's start or atomic pause) and
 * every marking step are pauses alike. The host world sweeps concurrently
 * (ccgc_host_default_options; --sweeping atomic|lazy|concurrent chooses):
 * while sweeping is left after a pause, each safepoint gives it a step of
 * SWEEP_STEP_MS (the idle task a browser posts), a pause too; the DOM
 * heap's finalizers run there, in the allocator, or when the next
 * collection finishes sweeping. Main-thread sweeping time is reported
 * beside the sweeper threads' time: in the pause (atomic), in steps and
 * finishing, and in the DOM allocator. Reported: total time, the share spent in collections, the peak
 * committed memory of both heaps and the collector's page pool against the peak live size (the largest
 * used size right after a collection), the pause distribution, and the
 * minimum mutator utilization of the run at 1, 10 and 100 ms windows
 * (bench-mmu.h; --plot FILE.svg also draws it in FILE-mmu.svg), and the
 * longest pause named by what made it, with the main thread's CPU time,
 * preemptions and page faults in it (bench-pause-clock.h). */
#include <glib.h>
#include <stdlib.h>
#include <string.h>

#include "bench-pause-clock.h"
#include "bench.h"
#include "ccgc-events.h"
#include "host.h"

/* The sweep step a safepoint gives sweeping left after a pause. */
#define SWEEP_STEP_MS 0.5

/* Sweeping time over the run (ms). */
typedef struct sweep_times {
  double in_pause;   /* finalize + sweep inside atomic pauses      */
  double after;      /* owner-thread sweeping calls after pauses   */
  double helpers;    /* sweeper threads                            */
} sweep_times;

typedef struct dom_run {
  ccgc_host_world *world;
  GArray *pauses;       /* ms, full and minor collections */
  GArray *timeline;     /* bench_pause of each, from run_start */
  double run_start;
  size_t minor_count;
  size_t peak_committed, peak_live;
  GRand *rand;
  GPtrArray *sections;  /* attached section divs */
  v8ish_global wrappers;
  sweep_times sweeping;
  bench_longest_pause longest; /* of the run, named by what made it */
  bench_pause_clock step_begun; /* of the marking step under way */
} dom_run;

static void record_pause(dom_run *r, bench_pause_clock begun, const char *kind);

/* The live size after a collection whose sweeping is complete. */
static void note_live(dom_run *r, const ccgc_cycle_stats *stats) {
  size_t live = 0;
  for (int i = 0; i < stats->heap_count; i++) live += stats->heaps[i].after.used_bytes;
  if (live > r->peak_live) r->peak_live = live;
}

/* The pause's own reclamation (all of it in CCGC_SWEEP_ATOMIC). */
static void on_pause_end(void *data, const ccgc_cycle_stats *stats) {
  dom_run *r = data;
  r->sweeping.in_pause += stats->finalize_ms + stats->sweep_ms;
  if (stats->sweeping_complete) note_live(r, stats);
}

/* An incremental marking step (the host world marks incrementally: its
 * steps run inside allocations) is a pause of the host. */
static void on_step_start(void *data) {
  dom_run *r = data;
  r->step_begun = bench_pause_begin();
}

static void on_step_end(void *data, double step_ms, bool complete) {
  (void)step_ms;
  dom_run *r = data;
  record_pause(r, r->step_begun, complete ? "last marking step" : "marking step");
}

/* Sweeping after the pause completed: its owner and helper time. */
static void on_sweep_end(void *data) {
  dom_run *r = data;
  /* Atomic sweeping ends inside the pause, before the cycle's record is
   * the last one (ccgc-events.h; NULL in the first cycle): on_pause_end
   * counted it. */
  if (ccgc_collector_sweeping(r->world->collector) == CCGC_SWEEP_ATOMIC) return;
  const ccgc_cycle_stats *last = ccgc_collector_last_cycle(r->world->collector);
  if (!last || last->sweeping == CCGC_SWEEP_ATOMIC) return;
  note_live(r, last);
  r->sweeping.after += last->lazy_sweep_ms;
  r->sweeping.helpers += last->concurrent_sweep_ms;
}

static const ccgc_event_listener sweep_listener = {
    .atomic_pause_end = on_pause_end, .sweep_end = on_sweep_end,
    .incremental_step_start = on_step_start, .incremental_step_end = on_step_end};

/* A pause that began at begun ends now; kind says what made it. */
static void record_pause(dom_run *r, bench_pause_clock begun, const char *kind) {
  double pause = bench_pause_end(&r->longest, kind, begun);
  g_array_append_val(r->pauses, pause);
  bench_pause at = {begun.start - r->run_start, pause};
  g_array_append_val(r->timeline, at);
}

/* What a safepoint that found the collector in state before and left it in
 * state after ran (minor: a minor collection ran). */
static const char *safepoint_kind(ccgc_gc_state before, ccgc_gc_state after,
                                  bool minor) {
  if (before == CCGC_STATE_MARKING && after != CCGC_STATE_MARKING)
    return minor ? "minor collection and atomic pause" : "atomic pause";
  if (after == CCGC_STATE_MARKING && before != CCGC_STATE_MARKING)
    return minor ? "minor collection and cycle start" : "cycle start";
  if (minor) return "minor collection";
  return "full collection";
}

static void sample(dom_run *r) {
  ccgc_heap_stats script, dom;
  v8ish_heap_stats(r->world->script, &script);
  blinkish_heap_stats(r->world->dom, &dom);
  /* Pages the collector keeps for reuse are resident too. */
  size_t committed = script.committed_bytes + dom.committed_bytes +
                     ccgc_collector_pooled_bytes(r->world->collector);
  if (committed > r->peak_committed) r->peak_committed = committed;
}

/* The host's safepoint: every node the host holds raw is attached. */
static void safepoint(dom_run *r) {
  ccgc_collector *collector = r->world->collector;
  if (ccgc_collector_state(collector) == CCGC_STATE_SWEEPING &&
      !ccgc_collector_gc_requested(collector)) {
    bench_pause_clock begun = bench_pause_begin();
    ccgc_sweep_step(collector, SWEEP_STEP_MS);
    record_pause(r, begun, "sweep step");
  }
  /* Whatever the safepoint runs is a pause: a minor collection, the start
   * of an incremental cycle (its roots), the atomic pause of one whose
   * marking is complete, or a stop-the-world collection. */
  sample(r);
  /* Most safepoints run nothing: the pause clock (system calls for the
   * thread's CPU time and counters) starts only at those that will, so
   * that the bench's own bookkeeping is not in the host's time (it was an
   * eighth of the main thread's samples). */
  if (!ccgc_collector_safepoint_due(collector)) return;
  unsigned long minors = ccgc_collector_minor_count(collector);
  ccgc_gc_state before = ccgc_collector_state(collector);
  bench_pause_clock begun = bench_pause_begin();
  if (ccgc_collector_safepoint(collector)) {
    bool minor = ccgc_collector_minor_count(collector) != minors;
    record_pause(r, begun, safepoint_kind(before, ccgc_collector_state(collector), minor));
    if (minor) r->minor_count++;
  }
}

static GString *generate_page(size_t sections, size_t items) {
  GString *html = g_string_new("<!DOCTYPE html><html><head><title>bench</title>"
                               "</head><body>\n");
  for (size_t s = 0; s < sections; s++) {
    g_string_append_printf(html, "<div id=\"s%zu\" class=\"section\"><h2>Section %zu</h2><ul>",
                           s, s);
    for (size_t i = 0; i < items; i++)
      g_string_append_printf(html, "<li class=\"item\"><a href=\"#i%zu\">item %zu</a>"
                                   "<button id=\"b%zu-%zu\">open</button></li>",
                             i, i, s, i);
    g_string_append(html, "</ul></div>\n");
  }
  g_string_append(html, "</body></html>\n");
  return html;
}

static void listen(dom_run *r, ccgc_host_node *button) {
  ccgc_host_world *w = r->world;
  v8ish_handle_scope scope;
  v8ish_handle_scope_open(w->script, &scope);
  v8ish_local wrapper = ccgc_host_wrap(w, button);
  v8ish_local closure = ccgc_host_make_closure(w, "onclick", &wrapper, 1);
  ccgc_host_add_event_listener(w, button, "click", closure);
  v8ish_handle_scope_close(&scope);
}

/* Progress: the listeners attached, looked at every PROGRESS_EVERY. */
#define PROGRESS_EVERY 64
static void attach_all(dom_run *r, ccgc_host_node *root, bench_progress *p) {
  uint64_t attached = 0;
  for (ccgc_host_node *n = root; n; n = ccgc_host_next_in_order(root, n)) {
    if (n->kind == CCGC_HOST_ELEMENT && !strcmp(n->name, "button")) {
      listen(r, n);
      safepoint(r); /* n stays attached: the walk may continue */
      if (++attached % PROGRESS_EVERY == 0) bench_progress_update(p, attached, NULL);
    }
  }
  bench_progress_finish(p, attached, NULL);
}

static ccgc_host_node *build_section(dom_run *r, size_t id, size_t items) {
  ccgc_host_world *w = r->world;
  ccgc_host_node *div = ccgc_host_create_element(w, "div");
  char text[64];
  snprintf(text, sizeof text, "n%zu", id);
  ccgc_host_set_attribute(w, div, "id", text);
  ccgc_host_set_attribute(w, div, "class", "section");
  ccgc_host_node *h2 = ccgc_host_create_element(w, "h2");
  ccgc_host_append_child(w, div, h2);
  snprintf(text, sizeof text, "Section %zu", id);
  ccgc_host_append_child(w, h2, ccgc_host_create_text(w, text));
  ccgc_host_node *ul = ccgc_host_create_element(w, "ul");
  ccgc_host_append_child(w, div, ul);
  for (size_t i = 0; i < items; i++) {
    ccgc_host_node *li = ccgc_host_create_element(w, "li");
    ccgc_host_append_child(w, ul, li);
    ccgc_host_node *a = ccgc_host_create_element(w, "a");
    ccgc_host_append_child(w, li, a);
    snprintf(text, sizeof text, "item %zu", i);
    ccgc_host_append_child(w, a, ccgc_host_create_text(w, text));
    ccgc_host_node *button = ccgc_host_create_element(w, "button");
    ccgc_host_append_child(w, li, button);
    listen(r, button);
  }
  return div;
}

/* `const wrappers = [...section.querySelectorAll('button')]` for a few
 * sections: the previous array becomes garbage. */
static void replace_wrapper_array(dom_run *r, size_t sections) {
  ccgc_host_world *w = r->world;
  GPtrArray *nodes = g_ptr_array_new();
  for (size_t s = 0; s < sections && r->sections->len; s++) {
    ccgc_host_node *section = g_ptr_array_index(
        r->sections, (guint)g_rand_int_range(r->rand, 0, (gint32)r->sections->len));
    for (ccgc_host_node *n = section; n; n = ccgc_host_next_in_order(section, n))
      if (n->kind == CCGC_HOST_ELEMENT && !strcmp(n->name, "button")) g_ptr_array_add(nodes, n);
  }
  v8ish_handle_scope scope;
  v8ish_handle_scope_open(w->script, &scope);
  v8ish_local array = ccgc_host_wrapper_array(w, (ccgc_host_node *const *)nodes->pdata,
                                              nodes->len);
  v8ish_global_set(w->script, r->wrappers, array);
  for (int i = 0; i < 200; i++) { /* the script's own short-lived objects */
    v8ish_local o = v8ish_object_new(w->script);
    v8ish_object_set(w->script, o, "x", v8ish_integer(w->script, i));
  }
  v8ish_handle_scope_close(&scope);
  g_ptr_array_free(nodes, TRUE);
}

int ccgc_bench_dom(const bench_options *options) {
  size_t sections = options->quick ? 300 : 3000, items = 10;
  size_t rounds = options->quick ? 3000 : 30000;
  dom_run r = {0};
  double start = ccgc_time_ms();
  r.run_start = start;
  r.timeline = g_array_new(FALSE, FALSE, sizeof(bench_pause));
  bench_longest_pause_init(&r.longest);
  ccgc_collector_options world_options;
  ccgc_host_default_options(&world_options);
  if (options->sweeping >= 0) world_options.sweeping = options->sweeping;
  if (options->trace_gc) {
    world_options.trace_gc = stderr;
    world_options.trace_gc_verbose = true;
  }
  r.world = ccgc_host_world_new(BRIDGE_MODE_UNIFIED, &world_options);
  ccgc_collector_add_listener(r.world->collector, &sweep_listener, &r);
  r.pauses = g_array_new(FALSE, FALSE, sizeof(double));
  r.rand = g_rand_new_with_seed(7);
  r.sections = g_ptr_array_new();
  ccgc_host_world *w = r.world;
  fprintf(stderr, "bench dom: loading a page of %zu sections...\n", sections);
  GString *html = generate_page(sections, items);
  if (ccgc_host_load_html_memory(w, html->str, html->len) != CCGC_OK) {
    fprintf(stderr, "ccgc bench dom: %s\n", w->error);
    return 1;
  }
  g_string_free(html, TRUE);
  size_t elements = ccgc_host_count_nodes(w->document, CCGC_HOST_ELEMENT);
  ccgc_host_node *body = ccgc_host_find_tag(w->document, "body");
  for (ccgc_host_node *n = body->first_child; n; n = n->next_sibling)
    if (n->kind == CCGC_HOST_ELEMENT) g_ptr_array_add(r.sections, n);
  safepoint(&r);
  bench_progress p;
  bench_progress_start(&p, options, "bench dom", "listeners attached", sections * items);
  attach_all(&r, w->document, &p);
  {
    v8ish_handle_scope scope;
    v8ish_handle_scope_open(w->script, &scope);
    r.wrappers = v8ish_global_new(w->script, v8ish_integer(w->script, 0), false);
    v8ish_handle_scope_close(&scope);
  }
  bench_progress_start(&p, options, "bench dom", "churn rounds", rounds);
  for (size_t round = 0; round < rounds; round++) {
    if (round % PROGRESS_EVERY == 0)
      bench_progress_update(&p, round, "%u pauses", r.pauses->len);
    guint victim = (guint)g_rand_int_range(r.rand, 0, (gint32)r.sections->len);
    ccgc_host_remove_child(w, body, g_ptr_array_index(r.sections, victim));
    g_ptr_array_remove_index_fast(r.sections, victim);
    safepoint(&r); /* the removed section is held by nothing now */
    ccgc_host_node *fresh = build_section(&r, round, items);
    ccgc_host_append_child(w, body, fresh);
    g_ptr_array_add(r.sections, fresh);
    safepoint(&r);
    replace_wrapper_array(&r, 3);
    safepoint(&r);
  }
  double work_ms = ccgc_time_ms() - start;
  bench_progress_finish(&p, rounds, "%u pauses", r.pauses->len);
  /* Sweeping left from the run's last collection counts as the run's. */
  ccgc_collector_finish_sweeping(w->collector);
  double allocator_sweep_ms = blinkish_heap_allocation_sweep_ms(w->dom);
  sweep_times sweeping = r.sweeping;
  double main_sweep_ms = sweeping.in_pause + sweeping.after + allocator_sweep_ms;
  /* One more collection, not counted: the live size at the end, so that a
   * run with few collections still has a peak-live figure. */
  sample(&r);
  ccgc_collect(w->collector, CCGC_REASON_TESTING);
  ccgc_collector_finish_sweeping(w->collector); /* the swept figures */
  const ccgc_cycle_stats *last = ccgc_collector_last_cycle(w->collector);
  size_t live = 0;
  for (int i = 0; i < last->heap_count; i++) live += last->heaps[i].after.used_bytes;
  if (live > r.peak_live) r.peak_live = live;
  double gc_ms = 0;
  for (guint i = 0; i < r.pauses->len; i++) gc_ms += g_array_index(r.pauses, double, i);
  size_t count = r.pauses->len;
  double *v = (double *)r.pauses->data;
  double p50 = bench_percentile(v, count, 50), p99 = bench_percentile(v, count, 99),
         max = count ? v[count - 1] : 0;
  size_t final_elements = ccgc_host_count_nodes(w->document, CCGC_HOST_ELEMENT);
  printf("dom: %zu sections of %zu items (%zu elements), %zu churn rounds; "
         "%zu elements at the end\n", sections, items, elements, rounds, final_elements);
  printf("%-10s %8s %8s %8s %8s %10s %10s %8s %8s\n", "total ms", "GC ms", "GC %",
         "pauses", "p50 ms", "p99 ms", "max ms", "peak MB", "live MB");
  printf("%-10.1f %8.1f %8.1f %8zu %8.2f %10.2f %10.2f %8.1f %8.1f\n", work_ms, gc_ms,
         100 * gc_ms / work_ms, count, p50, p99, max, r.peak_committed / 1048576.0,
         r.peak_live / 1048576.0);
  /* Minimum mutator utilization of the run, [0, total ms] (bench-mmu.h). */
  const double windows[BENCH_MMU_WINDOWS] = BENCH_MMU_WINDOWS_MS;
  double mmu[BENCH_MMU_WINDOWS];
  bench_mmu_curve((const bench_pause *)r.timeline->data, r.timeline->len, work_ms, windows,
                  BENCH_MMU_WINDOWS, mmu);
  printf("ratio GC time / total time: %.3f\n", gc_ms / work_ms);
  printf("ratio peak committed / peak live: %.2f\n",
         r.peak_live ? (double)r.peak_committed / (double)r.peak_live : 0);
  printf("%-10s %10s %10s %10s\n", "run ms", "MMU 1 ms", "MMU 10 ms", "MMU 100 ms");
  printf("%-10.1f %10.3f %10.3f %10.3f\n", work_ms, mmu[0], mmu[1], mmu[2]);
  printf("longest pause: %s, %.2f ms, main thread on the CPU %.2f ms, preempted %ld times, "
         "blocked %ld times, %ld page faults\n", r.longest.kind, r.longest.ms, r.longest.cpu_ms,
         r.longest.preempted, r.longest.blocked, r.longest.faults);
  printf("sweeping (%s): main thread %.1f ms (in pauses %.1f, after them %.1f, "
         "in the DOM allocator %.1f), sweeper threads %.1f ms\n",
         ccgc_sweeping_mode_name(world_options.sweeping), main_sweep_ms,
         sweeping.in_pause, sweeping.after, allocator_sweep_ms, sweeping.helpers);
  if (options->json) {
    ccgc_json_writer *json = options->json;
    ccgc_json_writer_begin_object(json);
    ccgc_json_writer_member_string(json, "bench", "dom");
    ccgc_json_writer_member_uint(json, "elements", elements);
    ccgc_json_writer_member_uint(json, "rounds", rounds);
    ccgc_json_writer_member_fixed(json, "total_ms", work_ms, 3);
    ccgc_json_writer_member_fixed(json, "gc_ms", gc_ms, 3);
    ccgc_json_writer_member_fixed(json, "gc_share", gc_ms / work_ms, 4);
    ccgc_json_writer_member_uint(json, "pauses", count);
    ccgc_json_writer_member_fixed(json, "p50_ms", p50, 3);
    ccgc_json_writer_member_fixed(json, "p99_ms", p99, 3);
    ccgc_json_writer_member_fixed(json, "max_ms", max, 3);
    ccgc_json_writer_member_string(json, "max_kind", r.longest.kind);
    ccgc_json_writer_member_fixed(json, "max_cpu_ms", r.longest.cpu_ms, 3);
    ccgc_json_writer_member_int(json, "max_preempted", r.longest.preempted);
    ccgc_json_writer_member_int(json, "max_blocked", r.longest.blocked);
    ccgc_json_writer_member_int(json, "max_page_faults", r.longest.faults);
    ccgc_json_writer_member_fixed(json, "peak_committed_mb", r.peak_committed / 1048576.0, 3);
    ccgc_json_writer_member_fixed(json, "peak_live_mb", r.peak_live / 1048576.0, 3);
    ccgc_json_writer_member_uint(json, "minor_pauses", r.minor_count);
    ccgc_json_writer_member_string(json, "sweeping",
                                   ccgc_sweeping_mode_name(world_options.sweeping));
    ccgc_json_writer_member_fixed(json, "main_thread_sweep_ms", main_sweep_ms, 3);
    ccgc_json_writer_member_fixed(json, "sweeper_threads_ms", sweeping.helpers, 3);
    bench_write_mmu(json, mmu);
    ccgc_json_writer_end_object(json);
  }
  bool plotted = true;
  if (options->plot) {
    bench_series series = {"dom workload collections", v, count};
    bench_mmu_series mmu_series = {"dom workload", (const bench_pause *)r.timeline->data,
                                   r.timeline->len, work_ms};
    plotted = bench_plot_run(options, "bench dom: collection pauses", &series, 1,
                             "bench dom: minimum mutator utilization", &mmu_series, 1);
  }
  v8ish_global_free(w->script, r.wrappers);
  g_ptr_array_free(r.sections, TRUE);
  g_array_free(r.pauses, TRUE);
  g_array_free(r.timeline, TRUE);
  g_rand_free(r.rand);
  ccgc_host_world_free(w);
  return final_elements == elements && plotted ? 0 : 1;
}
