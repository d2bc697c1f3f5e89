/* bench-concurrent.c - `ccgc bench concurrent`: what concurrent marking buys
 * the main thread, and what the shape-change protocols cost.
 *
 * One live graph of --live-mb (default 1024) across both heaps: script
 * objects with two boxed-double properties, an integer and a link, all held
 * by one Array; DOM nodes in rooted chains. Each configuration marks it in
 * one incremental cycle while a mutator runs between the steps: a work unit
 * of ~1 ms (a fixed number of unsafe shape changes - double unboxing of a
 * not yet unboxed field of an old, so white or grey, object - then safe
 * stores and DOM member stores until the millisecond is over), then a
 * main-thread step of 0.5 ms, until marking is done; then the atomic pause.
 *
 *   main-thread marking = incremental steps (host and allocation driven)
 *                         + the marking part of the atomic pause
 *   total marking       = main-thread marking + the marker threads' busy time
 *
 * Printed side by side: main-thread marking, incremental-only against
 * concurrent (1 and 2 marker threads), as a reduction; total marking with no
 * unsafe changes (snapshot protocol, safe stores only) against snapshotting
 * and locking under unsafe changes, as ratios. Progress on stderr, the table
 * on stdout, one JSON line with --json. On a shared or busy machine the
 * numbers are noise: run it alone. */
#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"

#define WORK_UNIT_MS 1.0
#define STEP_MS 0.5
#define UNSAFE_PER_UNIT 64
#define DOM_CHAIN 1024

typedef struct bnode {
  struct bnode *next;
  struct bnode *other;
  long value;
} bnode;

static void trace_bnode(ccgc_visitor *visitor, void *object) {
  bnode *self = object;
  blinkish_trace_member(visitor, (void *const *)&self->next, "next");
  blinkish_trace_member(visitor, (void *const *)&self->other, "other");
}

typedef struct cworld {
  ccgc_collector *collector;
  v8ish_heap *script;
  blinkish_heap *dom;
  blinkish_type_id node_type;
  v8ish_global all;      /* Array of every script object */
  size_t script_objects;
  GPtrArray *chains;     /* blinkish_persistent * per DOM chain */
  bnode **sample;        /* raw pointers to DOM nodes (all rooted) */
  size_t sample_count;
  size_t dom_nodes;
  size_t cursor;         /* next script object to unbox */
  unsigned seed;
} cworld;

static unsigned next_random(cworld *w) {
  w->seed = w->seed * 1103515245u + 12345u;
  return w->seed >> 8;
}

static size_t used(cworld *w, int heap) {
  ccgc_heap_stats stats;
  if (heap == 0) v8ish_heap_stats(w->script, &stats);
  else blinkish_heap_stats(w->dom, &stats);
  return stats.used_bytes;
}

/* Progress: MiB built (script, then DOM), after each batch. */
static bool build(cworld *w, size_t live_bytes, bench_progress *p) {
  ccgc_collector_options options = {.marker_threads = 0};
  w->collector = ccgc_collector_new(&options);
  /* No collection while building: nothing is garbage yet. */
  v8ish_heap_options script_options = {.soft_limit_bytes = (size_t)1 << 46};
  blinkish_heap_options dom_options = {.soft_limit_bytes = (size_t)1 << 46};
  w->script = v8ish_heap_new(w->collector, &script_options);
  w->dom = blinkish_heap_new(w->collector, &dom_options);
  if (!w->script || !w->dom) return false;
  blinkish_type_info info = {"BenchNode", trace_bnode, NULL, 0};
  w->node_type = blinkish_register_type(w->dom, &info);
  w->seed = 12345;

  size_t half = live_bytes / 2, total_mb = live_bytes >> 20;
  v8ish_handle_scope outer;
  v8ish_handle_scope_open(w->script, &outer);
  v8ish_local all = v8ish_array_new(w->script);
  w->all = v8ish_global_new(w->script, all, false);
  v8ish_handle_scope_close(&outer);
  while (used(w, 0) < half) {
    v8ish_handle_scope scope;
    v8ish_handle_scope_open(w->script, &scope);
    all = v8ish_global_get(w->script, w->all);
    v8ish_local prev = v8ish_object_new(w->script);
    for (int i = 0; i < 1024; i++) {
      v8ish_local o = v8ish_object_new(w->script);
      if (v8ish_local_is_empty(o)) return false;
      v8ish_object_set(w->script, o, "x", v8ish_number_new(w->script, i + 0.5));
      v8ish_object_set(w->script, o, "y", v8ish_number_new(w->script, i + 0.25));
      v8ish_object_set(w->script, o, "n", v8ish_integer(w->script, i));
      v8ish_object_set(w->script, o, "link", prev);
      v8ish_array_push(w->script, all, o);
      prev = o;
      w->script_objects++;
    }
    v8ish_handle_scope_close(&scope);
    bench_progress_update(p, used(w, 0) >> 20, "script heap");
  }
  size_t script_mb = used(w, 0) >> 20;
  w->chains = g_ptr_array_new();
  size_t sample_capacity = 65536;
  w->sample = malloc(sample_capacity * sizeof *w->sample);
  while (used(w, 1) < half) {
    bnode *head = NULL;
    blinkish_persistent *root = blinkish_persistent_new(w->dom, NULL, false);
    g_ptr_array_add(w->chains, root);
    for (int i = 0; i < DOM_CHAIN; i++) {
      bnode *n = blinkish_alloc(w->dom, w->node_type, sizeof *n);
      if (!n) return false;
      n->value = i;
      blinkish_member_set(w->dom, n, (void **)&n->next, head);
      head = n;
      blinkish_persistent_set(w->dom, root, head);
      w->dom_nodes++;
      if (w->sample_count < sample_capacity && next_random(w) % 64 == 0)
        w->sample[w->sample_count++] = n;
    }
    size_t built = script_mb + (used(w, 1) >> 20);
    bench_progress_update(p, built < total_mb ? built : total_mb, "DOM heap");
  }
  return w->sample_count > 1;
}

static void destroy(cworld *w) {
  v8ish_global_free(w->script, w->all);
  for (guint i = 0; i < w->chains->len; i++)
    blinkish_persistent_free(w->dom, g_ptr_array_index(w->chains, i));
  g_ptr_array_free(w->chains, TRUE);
  free(w->sample);
  blinkish_heap_free(w->dom);
  v8ish_heap_free(w->script);
  ccgc_collector_free(w->collector);
}

/* ~WORK_UNIT_MS of mutator work; returns the unsafe changes it attempted. */
static size_t work_unit(cworld *w, bool unsafe) {
  double until = ccgc_time_ms() + WORK_UNIT_MS;
  size_t changes = 0;
  v8ish_handle_scope scope;
  v8ish_handle_scope_open(w->script, &scope);
  v8ish_local all = v8ish_global_get(w->script, w->all);
  if (unsafe)
    for (int i = 0; i < UNSAFE_PER_UNIT; i++) {
      size_t index = w->cursor++ % (2 * w->script_objects);
      v8ish_local o = v8ish_array_get(w->script, all, index / 2);
      /* Each field is unboxed once; after a wrap-around these are no-ops. */
      v8ish_object_unbox_double(w->script, o, index % 2 ? "y" : "x");
      changes++;
    }
  for (int ops = 0; ccgc_time_ms() < until; ops++) {
    if (ops % 16 == 0) { /* a scope per batch keeps handles bounded */
      v8ish_handle_scope_close(&scope);
      v8ish_handle_scope_open(w->script, &scope);
      all = v8ish_global_get(w->script, w->all);
    }
    size_t index = next_random(w) % w->script_objects;
    v8ish_local o = v8ish_array_get(w->script, all, index);
    v8ish_object_set(w->script, o, "n", v8ish_integer(w->script, ops));
    bnode *a = w->sample[next_random(w) % w->sample_count];
    bnode *b = w->sample[next_random(w) % w->sample_count];
    blinkish_member_set(w->dom, a, (void **)&a->other, b);
  }
  v8ish_handle_scope_close(&scope);
  return changes;
}

typedef struct config {
  const char *name;
  int threads;
  ccgc_shape_protocol protocol;
  bool unsafe;
  /* results */
  double main_ms, total_ms, concurrent_ms, wall_ms, pause_ms;
  size_t steps, changes;
} config;

static void run_config(cworld *w, config *c, bench_progress *p) {
  ccgc_collector_set_marker_threads(w->collector, c->threads);
  ccgc_collector_set_shape_protocol(w->collector, c->protocol);
  ccgc_collect(w->collector, CCGC_REASON_TESTING); /* sweep the last one's garbage */
  ccgc_incremental_start(w->collector, CCGC_REASON_HOST_REQUEST);
  c->changes = 0;
  for (;;) {
    c->changes += work_unit(w, c->unsafe);
    if (ccgc_incremental_step(w->collector, STEP_MS)) break;
  }
  ccgc_incremental_finish(w->collector);
  const ccgc_cycle_stats *s = ccgc_collector_last_cycle(w->collector);
  c->main_ms = s->incremental_ms + s->mark_ms;
  c->concurrent_ms = s->concurrent_ms;
  c->total_ms = c->main_ms + s->concurrent_ms;
  c->wall_ms = s->marking_wall_ms;
  c->pause_ms = s->total_ms;
  c->steps = s->steps;
  bench_progress_note(p,
                      "  %-22s main %8.1f ms  markers %8.1f ms  wall %8.1f ms  pause "
                      "%6.1f ms  %zu steps, %zu unsafe changes\n",
                      c->name, c->main_ms, c->concurrent_ms, c->wall_ms, c->pause_ms,
                      c->steps, c->changes);
}

static double reduction(double from, double to) {
  return from > 0 ? 100.0 * (1.0 - to / from) : 0;
}

int ccgc_bench_concurrent(const bench_options *options) {
  size_t live_mb = options->live_mb ? options->live_mb
                                    : options->quick ? 32 : 1024;
  cworld w;
  memset(&w, 0, sizeof w);
  bench_progress p;
  bench_progress_start(&p, options, "bench concurrent", "MiB built across both heaps",
                       live_mb);
  if (!build(&w, live_mb << 20, &p)) {
    bench_progress_finish(&p, 0, "failed");
    fprintf(stderr, "bench concurrent: could not build the heap\n");
    return 1;
  }
  size_t script_mb = used(&w, 0) >> 20, dom_mb = used(&w, 1) >> 20;
  bench_progress_finish(&p, live_mb, NULL);
  bench_progress_note(&p, "  built: script %zu MiB (%zu objects), dom %zu MiB (%zu nodes)\n",
                      script_mb, w.script_objects, dom_mb, w.dom_nodes);
  config configs[] = {
      {.name = "incremental-only", .threads = 0, .protocol = CCGC_SHAPE_SNAPSHOT, .unsafe = true},
      {.name = "concurrent-1", .threads = 1, .protocol = CCGC_SHAPE_SNAPSHOT, .unsafe = true},
      {.name = "concurrent-2", .threads = 2, .protocol = CCGC_SHAPE_SNAPSHOT, .unsafe = true},
      {.name = "no-unsafe-changes-1", .threads = 1, .protocol = CCGC_SHAPE_SNAPSHOT, .unsafe = false},
      {.name = "lock-1", .threads = 1, .protocol = CCGC_SHAPE_LOCK, .unsafe = true},
  };
  enum { INC, CON1, CON2, NONE, LOCK, COUNT };
  bench_progress_start(&p, options, "bench concurrent", "configurations", COUNT);
  for (int i = 0; i < COUNT; i++) {
    bench_progress_update(&p, (uint64_t)i, "%s", configs[i].name);
    run_config(&w, &configs[i], &p);
  }
  bench_progress_finish(&p, COUNT, NULL);
  destroy(&w);

  config *inc = &configs[INC], *con1 = &configs[CON1], *con2 = &configs[CON2];
  config *none = &configs[NONE], *lock = &configs[LOCK];
  printf("concurrent marking: %zu MiB live (script %zu, dom %zu), mutator with "
         "%d unsafe shape changes per %.1f ms unit, %.1f ms steps\n",
         script_mb + dom_mb, script_mb, dom_mb, UNSAFE_PER_UNIT, WORK_UNIT_MS,
         STEP_MS);
  printf("\nmain-thread marking (ms)    incremental-only  concurrent-1  concurrent-2\n");
  printf("  time                      %16.1f  %12.1f  %12.1f\n", inc->main_ms,
         con1->main_ms, con2->main_ms);
  printf("  reduction vs incremental  %16s  %11.1f%%  %11.1f%%   (published: 60-70%%)\n",
         "-", reduction(inc->main_ms, con1->main_ms),
         reduction(inc->main_ms, con2->main_ms));
  printf("\ntotal marking, all threads, 1 marker (ms)   no-unsafe  snapshot      lock\n");
  printf("  time                                      %9.1f  %8.1f  %8.1f\n",
         none->total_ms, con1->total_ms, lock->total_ms);
  printf("  ratio to no-unsafe                        %9.2f  %8.2f  %8.2f\n",
         1.0, none->total_ms > 0 ? con1->total_ms / none->total_ms : 0,
         none->total_ms > 0 ? lock->total_ms / none->total_ms : 0);
  printf("  lock / snapshot                           %9s  %8s  %8.2f\n", "", "",
         con1->total_ms > 0 ? lock->total_ms / con1->total_ms : 0);
  printf("\n(numbers from a shared or busy machine are unreliable)\n");
  if (options->json) {
    ccgc_json_writer *json = options->json;
    ccgc_json_writer_begin_object(json);
    ccgc_json_writer_member_string(json, "bench", "concurrent");
    ccgc_json_writer_member_uint(json, "live_mb", script_mb + dom_mb);
    ccgc_json_writer_member_uint(json, "script_mb", script_mb);
    ccgc_json_writer_member_uint(json, "dom_mb", dom_mb);
    for (int i = 0; i < COUNT; i++) {
      ccgc_json_writer_member_begin_object(json, configs[i].name);
      ccgc_json_writer_member_int(json, "threads", configs[i].threads);
      ccgc_json_writer_member_string(json, "protocol",
                                     ccgc_shape_protocol_name(configs[i].protocol));
      ccgc_json_writer_member_bool(json, "unsafe", configs[i].unsafe);
      ccgc_json_writer_member_fixed(json, "main_ms", configs[i].main_ms, 3);
      ccgc_json_writer_member_fixed(json, "markers_ms", configs[i].concurrent_ms, 3);
      ccgc_json_writer_member_fixed(json, "total_ms", configs[i].total_ms, 3);
      ccgc_json_writer_member_fixed(json, "wall_ms", configs[i].wall_ms, 3);
      ccgc_json_writer_member_fixed(json, "pause_ms", configs[i].pause_ms, 3);
      ccgc_json_writer_member_uint(json, "steps", configs[i].steps);
      ccgc_json_writer_member_uint(json, "unsafe_changes", configs[i].changes);
      ccgc_json_writer_end_object(json);
    }
    ccgc_json_writer_member_fixed(json, "main_reduction_pct_1",
                                  reduction(inc->main_ms, con1->main_ms), 2);
    ccgc_json_writer_member_fixed(json, "main_reduction_pct_2",
                                  reduction(inc->main_ms, con2->main_ms), 2);
    ccgc_json_writer_member_fixed(json, "snapshot_vs_none",
                                  none->total_ms > 0 ? con1->total_ms / none->total_ms : 0, 3);
    ccgc_json_writer_member_fixed(json, "lock_vs_none",
                                  none->total_ms > 0 ? lock->total_ms / none->total_ms : 0, 3);
    ccgc_json_writer_end_object(json);
  }
  return 0;
}
