/* stress.c - the randomized stress driver (stress.h): setup, the run, the
 * collections, and the checks after every cycle of what the collector kept
 * against the shadow model (shadow-model.h). The operations are in
 * stress-ops.c. Public API only. */
#include "stress.h"

#include <glib.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "ccgc-probe.h"
#include "ccgc-testing.h" /* the stress driver breaks modes on purpose */
#include "stress-driver.h"

static void trace_node(ccgc_visitor *visitor, void *object) {
  stress_node *node = object;
  for (int i = 0; i < SHADOW_SLOT_COUNT; i++)
    blinkish_trace_element(visitor, blinkish_member_load(&node->slots[i]),
                           (size_t)i);
  bridge_trace_script_ref(visitor, node->script, "script");
}

static void finalize_node(void *object) {
  stress_node *node = object;
  stress_reclaim_finalizer(node); /* sometimes misbehaves: refused */
  bridge_script_ref_free(node->bridge, node->script);
}

const char *stress_mode_name(stress_mode mode) {
  switch (mode) {
  case STRESS_MODE_STW: return "stw";
  case STRESS_MODE_INCREMENTAL: return "incremental";
  case STRESS_MODE_CONCURRENT: return "concurrent";
  }
  return "?";
}

void stress_violation(stress_driver *d, const char *fmt, ...) {
  if (d->failed) return;
  d->failed = true;
  d->result->ok = false;
  d->result->violation_op = d->op;
  char detail[1800];
  va_list args;
  va_start(args, fmt);
  vsnprintf(detail, sizeof detail, fmt, args);
  va_end(args);
  snprintf(d->result->message, sizeof d->result->message,
           "violation at operation %llu (seed %llu, mode %s): %s",
           (unsigned long long)d->op, (unsigned long long)d->options->seed,
           stress_mode_name(d->options->mode), detail);
}

static void misuse_is_violation(const ccgc_error *error, void *data) {
  if (stress_expected_error(data, error)) return; /* stress-reclaim.c */
  stress_violation(data, "API error reported: %s", error->message);
}

/* --- the checks after a cycle ---------------------------------------------- */

/* Every entry whose key the model reaches holds its value. */
static void check_entries(stress_driver *d, const guint8 *reachable) {
  v8ish_local map = v8ish_global_get(d->script, d->script_map);
  shadow_entries entries;
  int32_t key, value;
  shadow_model_entries_begin(&d->model, SHADOW_SCRIPT_MAP, &entries);
  while (!d->failed && shadow_model_entries_next(&entries, &key, &value)) {
    if (!reachable[key]) continue;
    v8ish_local key_local = stress_script_local(d, key);
    if (d->failed) return;
    bool ok = obj(d, value)->kind == SHADOW_DOM
                  ? v8ish_weak_map_get_embedder(d->script, map, key_local) ==
                        (void *)ref(d, value)->node
                  : v8ish_object_address(d->script,
                                         v8ish_weak_map_get(d->script, map, key_local)) ==
                        v8ish_object_address(d->script, stress_script_local(d, value));
    if (!ok)
      stress_violation(d, "script WeakMap entry of live key #%d lost its value #%d", key,
                       value);
  }
  shadow_model_entries_begin(&d->model, SHADOW_DOM_MAP, &entries);
  while (!d->failed && shadow_model_entries_next(&entries, &key, &value)) {
    if (!reachable[key]) continue;
    v8ish_local got = bridge_weak_map_get(d->bridge, d->dom_map, ref(d, key)->node);
    if (v8ish_object_address(d->script, got) !=
        v8ish_object_address(d->script, stress_script_local(d, value)))
      stress_violation(d, "DOM weak map entry of live key #%d lost its value #%d", key,
                       value);
  }
}

static bool watched_alive(stress_driver *d, int32_t id) {
  if (obj(d, id)->kind == SHADOW_DOM) return blinkish_persistent_get(ref(d, id)->watch) != NULL;
  return !v8ish_local_is_empty(v8ish_global_get(d->script, ref(d, id)->weak));
}

static void release_watch(stress_driver *d, int32_t id) {
  if (obj(d, id)->kind == SHADOW_DOM)
    blinkish_persistent_free(d->dom, ref(d, id)->watch);
  else
    v8ish_global_free(d->script, ref(d, id)->weak);
}

/* After every cycle: the marking verifier found nothing; every object the
 * model reaches still exists; every object the model saw unreachable at the
 * end of one cycle is gone by the end of the next. */
static void check_after_cycle(stress_driver *d) {
  unsigned long cycles = ccgc_collector_cycle_count(d->collector);
  if (cycles == d->checked_cycles) return;
  d->checked_cycles = cycles;
  v8ish_handle_scope scope; /* watched_alive makes handles */
  v8ish_handle_scope_open(d->script, &scope);
  const ccgc_verify_report *report = ccgc_collector_last_verify(d->collector);
  if (d->options->verify && report->errors)
    return stress_violation(d, "marking verifier: %s", report->first_error);
  guint8 *reachable = shadow_model_reachable(&d->model);
  g_array_set_size(d->candidates, 0);
  guint kept = 0;
  for (guint at = 0; at < d->tracked->len && !d->failed; at++) {
    guint id = (guint)g_array_index(d->tracked, int32_t, at);
    shadow_object *o = obj(d, (int32_t)id);
    if (!o->gone) g_array_index(d->tracked, int32_t, kept++) = (int32_t)id;
    bool alive = watched_alive(d, (int32_t)id);
    if (reachable[id]) {
      o->unreachable_since = -1;
      if (!alive)
        stress_violation(d, "object #%u (%s) reachable in the model was reclaimed",
                         id, o->kind == SHADOW_DOM ? "DOM" : "script");
      int32_t candidate = (int32_t)id;
      g_array_append_val(d->candidates, candidate);
      continue;
    }
    if (!alive) {
      shadow_model_forget(&d->model, (int32_t)id); /* gone, with its entries */
      kept--; /* confirmed: no need to look at it again */
      d->result->objects_reclaimed++;
      release_watch(d, (int32_t)id);
      continue;
    }
    if (o->unreachable_since < 0) {
      o->unreachable_since = (long)cycles;
    } else if ((long)cycles > o->unreachable_since) {
      /* Say why the collector kept it: the retaining path it sees. */
      heap_ref *r = ref(d, (int32_t)id);
      void *address = o->kind == SHADOW_DOM
                          ? r->node
                          : v8ish_object_address(
                                d->script, v8ish_global_get(d->script, r->weak));
      ccgc_path path;
      char *why = NULL;
      if (ccgc_retaining_path(d->collector, address, &path) == CCGC_OK) {
        why = ccgc_path_format(&path);
        ccgc_path_free(&path);
      }
      stress_violation(d, "object #%u (%s) unreachable since cycle %ld survived "
                          "cycle %lu; retained by:\n%s",
                       id, o->kind == SHADOW_DOM ? "DOM" : "script",
                       o->unreachable_since, cycles, why ? why : "(no path: floating)\n");
      free(why);
    }
  }
  if (!d->failed) g_array_set_size(d->tracked, kept);
  if (!d->failed) check_entries(d, reachable);
  g_free(reachable);
  v8ish_handle_scope_close(&scope);
}

/* --- collections ------------------------------------------------------------ */

static void op_collect(stress_driver *d) {
  ccgc_collector *c = d->collector;
  if (d->options->mode == STRESS_MODE_STW) {
    if (g_rand_int_range(d->rand, 0, 1500) == 0)
      ccgc_collect(c, CCGC_REASON_TESTING);
    return;
  }
  if (ccgc_collector_state(c) == CCGC_STATE_IDLE) {
    if (g_rand_int_range(d->rand, 0, 400) == 0)
      ccgc_incremental_start(c, CCGC_REASON_TESTING);
    return;
  }
  int dice = g_rand_int_range(d->rand, 0, 100);
  if (dice < 10)
    ccgc_incremental_step(c, 0.1);
  else if (dice == 10)
    ccgc_incremental_finish(c);
}

/* --- the run ------------------------------------------------------------------ */

static void setup(stress_driver *d) {
  ccgc_collector_options options = {
      .verify = d->options->verify,
      .incremental_step_bytes = 64 * 1024,
      .incremental_step_ms = 0.05,
      .marker_threads = d->options->mode == STRESS_MODE_CONCURRENT
                            ? (d->options->marker_threads > 0
                                   ? d->options->marker_threads
                                   : 2)
                            : 0,
      .shape_protocol = (ccgc_shape_protocol)d->options->shape_protocol,
  };
  d->collector = ccgc_collector_new(&options);
  /* Work-bounded steps: a seed replays the same schedule (not in concurrent
   * mode, where threads race by design). */
  ccgc_collector_set_step_objects(d->collector, 200);
  ccgc_collector_set_error_handler(d->collector, misuse_is_violation, d);
  ccgc_collector_disable_barrier(d->collector, d->options->disable_barrier);
  d->script = v8ish_heap_new(d->collector, NULL);
  d->dom = blinkish_heap_new(d->collector, NULL);
  d->bridge = bridge_new(d->collector, d->script, d->dom, BRIDGE_MODE_UNIFIED);
  blinkish_type_info info = {"StressNode", trace_node, finalize_node,
                             BLINKISH_TYPE_WRAPPABLE};
  d->node_type = blinkish_register_type(d->dom, &info);
  shadow_model_init(&d->model);
  d->refs = g_array_new(FALSE, TRUE, sizeof(heap_ref));
  d->candidates = g_array_new(FALSE, FALSE, sizeof(int32_t));
  d->tracked = g_array_new(FALSE, FALSE, sizeof(int32_t));
  v8ish_handle_scope scope;
  v8ish_handle_scope_open(d->script, &scope);
  for (int i = 0; i < SHADOW_ROOT_COUNT; i++) {
    d->script_root_handles[i] =
        v8ish_global_new(d->script, v8ish_integer(d->script, 0), false);
    d->dom_root_handles[i] = blinkish_persistent_new(d->dom, NULL, false);
  }
  d->script_map = v8ish_global_new(d->script, v8ish_weak_map_new(d->script), false);
  d->dom_map = bridge_weak_map_new(d->bridge);
  d->dom_map_root = blinkish_persistent_new(d->dom, d->dom_map, false);
  v8ish_handle_scope_close(&scope);
  stress_reclaim_setup(d);
}

static void teardown(stress_driver *d) {
  if (ccgc_collector_state(d->collector) == CCGC_STATE_MARKING)
    ccgc_incremental_finish(d->collector);
  for (guint id = 0; id < shadow_model_count(&d->model); id++)
    if (!obj(d, (int32_t)id)->gone) release_watch(d, (int32_t)id);
  for (int i = 0; i < SHADOW_ROOT_COUNT; i++) {
    v8ish_global_free(d->script, d->script_root_handles[i]);
    blinkish_persistent_free(d->dom, d->dom_root_handles[i]);
  }
  v8ish_global_free(d->script, d->script_map);
  blinkish_persistent_free(d->dom, d->dom_map_root);
  stress_reclaim_teardown(d);
  blinkish_heap_free(d->dom);
  bridge_free(d->bridge);
  v8ish_heap_free(d->script);
  ccgc_collector_free(d->collector);
  shadow_model_clear(&d->model);
  g_array_free(d->refs, TRUE);
  g_array_free(d->candidates, TRUE);
  g_array_free(d->tracked, TRUE);
}

void stress_run(const stress_options *options, stress_result *result) {
  memset(result, 0, sizeof *result);
  result->ok = true;
  stress_driver d;
  memset(&d, 0, sizeof d);
  d.options = options;
  d.result = result;
  d.rand = g_rand_new_with_seed((guint32)(options->seed ^ (options->seed >> 32)));
  setup(&d);
  uint64_t progress_every = options->ops >= 100 ? options->ops / 20 : 1;
  for (d.op = 0; d.op < options->ops && !d.failed; d.op++) {
    v8ish_handle_scope scope;
    v8ish_handle_scope_open(d.script, &scope);
    stress_random_op(&d);
    v8ish_handle_scope_close(&scope);
    stress_reclaim_op(&d); /* calls from inside the next collections */
    if (options->check_every_op) {
      ccgc_verify_report report;
      if (!ccgc_collector_verify_heap(d.collector, &report))
        stress_violation(&d, "heap verifier after the operation: %s", report.first_error);
    }
    ccgc_collector_safepoint(d.collector);
    op_collect(&d);
    check_after_cycle(&d);
    if (options->progress && (d.op + 1) % progress_every == 0)
      fprintf(options->progress,
              "stress: %llu/%llu ops, %lu cycles, %u objects tracked\n",
              (unsigned long long)(d.op + 1), (unsigned long long)options->ops,
              ccgc_collector_cycle_count(d.collector), shadow_model_count(&d.model));
  }
  /* Two final cycles: everything unreachable must be gone by then. */
  if (!d.failed) {
    if (ccgc_collector_state(d.collector) == CCGC_STATE_MARKING)
      ccgc_incremental_finish(d.collector);
    check_after_cycle(&d);
    for (int i = 0; i < 2 && !d.failed; i++) {
      ccgc_collect(d.collector, CCGC_REASON_TESTING);
      check_after_cycle(&d);
    }
  }
  result->ops_done = d.op;
  result->cycles = ccgc_collector_cycle_count(d.collector);
  teardown(&d);
  g_rand_free(d.rand);
}
