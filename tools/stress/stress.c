/* stress.c - the randomized stress driver (stress.h): setup, the run, the
 * collections, and the checks after every cycle of what the collector kept
 * against the shadow model (shadow-model.h). The operations are in
 * stress-ops.c. Public API only. */
#include "stress.h"

#include <glib.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "ccgc-events.h"
#include "ccgc-probe.h"
#include "ccgc-testing.h" /* the stress driver breaks modes on purpose */
#include "progress.h"
#include "stress-driver.h"

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
           "violation at operation %llu (seed %llu, mode %s, sweeping %s): %s",
           (unsigned long long)d->op, (unsigned long long)d->options->seed,
           stress_mode_name(d->options->mode),
           stress_sweeping_name(d->options->sweeping), detail);
}

const char *stress_sweeping_name(stress_sweeping sweeping) {
  switch (sweeping) {
  case STRESS_SWEEP_CONCURRENT: return "concurrent";
  case STRESS_SWEEP_ATOMIC: return "atomic";
  case STRESS_SWEEP_LAZY: return "lazy";
  }
  return "unknown";
}

static ccgc_sweeping_mode sweeping_mode(stress_sweeping sweeping) {
  return sweeping == STRESS_SWEEP_ATOMIC ? CCGC_SWEEP_ATOMIC
         : sweeping == STRESS_SWEEP_LAZY ? CCGC_SWEEP_LAZY
                                         : CCGC_SWEEP_CONCURRENT;
}

static void misuse_is_violation(const ccgc_error *error, void *data) {
  if (stress_expected_error(data, error)) return; /* stress-reclaim.c */
  stress_violation(data, "API error reported: %s", error->message);
}

/* --- the checks after a collection --------------------------------------- */

static const char *const property_names[SHADOW_SLOT_COUNT] = {"p0", "p1", "p2", "p3"};

/* Does got, a script value read back from the heaps, hold the object of
 * model id want (or no object, for -1)? Compared through handles: addresses
 * change in every collection that moves young objects. */
static bool holds_script(stress_driver *d, v8ish_local got, int32_t want) {
  if (want < 0) return v8ish_local_is_empty(got) || v8ish_is_integer(d->script, got);
  if (v8ish_local_is_empty(got)) return false;
  v8ish_local expected = v8ish_global_get(d->script, ref(d, want)->weak);
  return !v8ish_local_is_empty(expected) && v8ish_same(d->script, got, expected);
}

/* DOM nodes never move: the node of model id, or NULL for -1. */
static stress_node *dom_target(stress_driver *d, int32_t id) {
  return id < 0 ? NULL : ref(d, id)->node;
}

typedef struct id_text {
  char text[24];
} id_text;

static id_text describe(int32_t id) {
  id_text t;
  if (id < 0) snprintf(t.text, sizeof t.text, "no object");
  else snprintf(t.text, sizeof t.text, "#%d", id);
  return t;
}

/* Every entry whose key the model reaches holds its value. */
static void check_entries(stress_driver *d, const guint8 *reachable, const char *when) {
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
                  : holds_script(d, v8ish_weak_map_get(d->script, map, key_local), value);
    if (!ok)
      stress_violation(d, "%s: script WeakMap entry of live key #%d lost its value #%d",
                       when, key, value);
  }
  shadow_model_entries_begin(&d->model, SHADOW_DOM_MAP, &entries);
  while (!d->failed && shadow_model_entries_next(&entries, &key, &value)) {
    if (!reachable[key]) continue;
    v8ish_local got = bridge_weak_map_get(d->bridge, d->dom_map, ref(d, key)->node);
    if (!holds_script(d, got, value))
      stress_violation(d, "%s: DOM weak map entry of live key #%d lost its value #%d",
                       when, key, value);
  }
}

/* One object the model reaches (alive: checked before): every reference it
 * holds reads back the object of the model's id. */
static void check_object(stress_driver *d, int32_t id, const char *when) {
  shadow_object *o = obj(d, id);
  if (o->kind == SHADOW_DOM) {
    stress_node *node = ref(d, id)->node;
    for (int i = 0; i < SHADOW_SLOT_COUNT; i++)
      if (blinkish_member_load(&node->slots[i]) != dom_target(d, o->slots[i]))
        return stress_violation(d, "%s: member %d of DOM object #%d does not hold %s",
                                when, i, id, describe(o->slots[i]).text);
    if (!holds_script(d, bridge_script_ref_get(d->bridge, node->script), o->script_slot))
      return stress_violation(d, "%s: the traced script reference of DOM object #%d "
                                 "does not hold %s",
                              when, id, describe(o->script_slot).text);
    if (!holds_script(d, bridge_wrapper_of(d->bridge, node), o->partner))
      return stress_violation(d, "%s: the wrapper of DOM object #%d is not %s", when,
                              id, describe(o->partner).text);
    stress_resource_check(d, id, when);
    return;
  }
  v8ish_local self = stress_script_local(d, id);
  if (d->failed) return;
  if (o->kind == SHADOW_ARRAY) {
    size_t length = v8ish_array_length(d->script, self);
    if (length != (size_t)o->length)
      return stress_violation(d, "%s: array #%d has length %zu, the model %d", when, id,
                              length, o->length);
    for (int i = 0; i < o->length; i++)
      if (!holds_script(d, v8ish_array_get(d->script, self, (size_t)i), o->slots[i]))
        return stress_violation(d, "%s: element %d of array #%d does not hold %s", when,
                                i, id, describe(o->slots[i]).text);
    return;
  }
  for (int i = 0; i < SHADOW_SLOT_COUNT; i++) {
    /* Empty: no such property, as good as no object (p0..p3 hold
     * references or small integers, never unboxed doubles). */
    v8ish_local got = v8ish_object_get(d->script, self, property_names[i]);
    if (!holds_script(d, got, o->slots[i]))
      return stress_violation(d, "%s: property %s of script object #%d does not hold %s",
                              when, property_names[i], id, describe(o->slots[i]).text);
  }
  if (o->kind == SHADOW_WRAPPER &&
      bridge_unwrap(d->bridge, self) != (void *)dom_target(d, o->partner))
    stress_violation(d, "%s: wrapper #%d does not unwrap to DOM object #%d", when, id,
                     o->partner);
}

/* Every reference of the model - the roots, the objects it reaches, the
 * ephemeron entries of live keys - reads back the object of the model's id. */
static void check_references(stress_driver *d, const guint8 *reachable, const char *when) {
  d->result->reference_checks++;
  for (int i = 0; i < SHADOW_ROOT_COUNT && !d->failed; i++) {
    v8ish_handle_scope scope;
    v8ish_handle_scope_open(d->script, &scope);
    if (!holds_script(d, v8ish_global_get(d->script, d->script_root_handles[i]),
                      d->model.script_roots[i]))
      stress_violation(d, "%s: script root %d does not hold %s", when, i,
                       describe(d->model.script_roots[i]).text);
    else if (blinkish_persistent_get(d->dom_root_handles[i]) !=
             (void *)dom_target(d, d->model.dom_roots[i]))
      stress_violation(d, "%s: DOM root %d does not hold %s", when, i,
                       describe(d->model.dom_roots[i]).text);
    v8ish_handle_scope_close(&scope);
  }
  guint count = shadow_model_count(&d->model);
  for (guint id = 0; id < count && !d->failed; id++) {
    if (!reachable[id]) continue;
    v8ish_handle_scope scope;
    v8ish_handle_scope_open(d->script, &scope);
    check_object(d, (int32_t)id, when);
    v8ish_handle_scope_close(&scope);
  }
  if (!d->failed) check_entries(d, reachable, when);
  if (!d->failed) stress_resources_check_once(d, when);
}

static bool watched_alive(stress_driver *d, int32_t id) {
  if (obj(d, id)->kind == SHADOW_DOM) return blinkish_persistent_get(ref(d, id)->watch) != NULL;
  return !v8ish_global_is_empty_slot(d->script, ref(d, id)->weak); /* no handle */
}

static void release_watch(stress_driver *d, int32_t id) {
  if (obj(d, id)->kind == SHADOW_DOM)
    blinkish_persistent_free(d->dom, ref(d, id)->watch);
  else
    v8ish_global_free(d->script, ref(d, id)->weak);
}

/* After every full cycle or minor collection (or both, since the last
 * check): the marking verifier found nothing (full cycles); every object the
 * model reaches still exists and every reference of the model reads back
 * the right object; the heap verifier finds nothing. After a full cycle
 * also: every object the model saw unreachable at the end of one cycle is
 * gone by the end of the next. Objects that are gone (a scavenge frees young
 * garbage) are confirmed and forgotten either way, and the candidates are
 * rebuilt from what the model reaches now. */
static void check_after_collections(stress_driver *d) {
  unsigned long cycles = ccgc_collector_cycle_count(d->collector);
  unsigned long minors = ccgc_collector_minor_count(d->collector);
  bool full = cycles != d->checked_cycles;
  if (!full && minors == d->checked_minors) return;
  d->checked_cycles = cycles;
  d->checked_minors = minors;
  char when[96];
  if (full)
    snprintf(when, sizeof when, "after cycle %lu", cycles);
  else
    snprintf(when, sizeof when, "after minor collection %lu", minors);
  v8ish_handle_scope scope; /* watched_alive makes handles */
  v8ish_handle_scope_open(d->script, &scope);
  const ccgc_verify_report *report = ccgc_collector_last_verify(d->collector);
  if (full && d->options->verify && report->errors) {
    v8ish_handle_scope_close(&scope);
    return stress_violation(d, "marking verifier: %s", report->first_error);
  }
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
        stress_violation(d, "%s: object #%u (%s) reachable in the model was reclaimed",
                         when, id, o->kind == SHADOW_DOM ? "DOM" : "script");
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
    if (!full) continue; /* a scavenge leaves old garbage alone */
    if (o->unreachable_since < 0) {
      o->unreachable_since = (long)cycles;
    } else if ((long)cycles > o->unreachable_since) {
      /* Say why the collector kept it: the retaining path it sees (the
       * address is read now and used at once: no collection in between). */
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
  if (!d->failed) check_references(d, reachable, when);
  /* The heap verifier finishes sweeping: after a full cycle it waits until
   * the driver's steps, the allocator or the next cycle completed it
   * (verify_after_sweeping), so that sweeping runs beside the mutator. */
  if (!d->failed && d->options->verify) { /* --no-verify: the model only */
    if (ccgc_collector_state(d->collector) == CCGC_STATE_SWEEPING) {
      d->verify_after_sweeping = true;
    } else {
      ccgc_verify_report heap_report;
      if (!ccgc_collector_verify_heap(d->collector, &heap_report))
        stress_violation(d, "%s: heap verifier: %s", when, heap_report.first_error);
    }
  }
  g_free(reachable);
  v8ish_handle_scope_close(&scope);
}

/* --- collections ------------------------------------------------------------ */

/* The heap verifier of a full cycle whose sweeping has completed. */
static void verify_after_sweeping(stress_driver *d) {
  if (!d->verify_after_sweeping || d->failed ||
      ccgc_collector_state(d->collector) == CCGC_STATE_SWEEPING)
    return;
  d->verify_after_sweeping = false;
  ccgc_verify_report report;
  if (!ccgc_collector_verify_heap(d->collector, &report))
    stress_violation(d, "after sweeping cycle %lu: heap verifier: %s",
                     ccgc_collector_cycle_count(d->collector), report.first_error);
}

/* Sweeping after the pause: steps of one page per heap (a zero budget:
 * deterministic with lazy sweeping), now and then finished at once. */
static bool op_sweep(stress_driver *d) {
  ccgc_collector *c = d->collector;
  if (ccgc_collector_state(c) != CCGC_STATE_SWEEPING) return false;
  int dice = g_rand_int_range(d->rand, 0, 100);
  if (dice < 10)
    ccgc_sweep_step(c, 0);
  else if (dice == 10)
    ccgc_collector_finish_sweeping(c);
  else if (dice == 11) /* a new cycle finishes sweeping first */
    d->options->mode == STRESS_MODE_STW
        ? ccgc_collect(c, CCGC_REASON_TESTING)
        : ccgc_incremental_start(c, CCGC_REASON_TESTING);
  return ccgc_collector_state(c) == CCGC_STATE_SWEEPING;
}

static void op_collect(stress_driver *d) {
  ccgc_collector *c = d->collector;
  if (op_sweep(d)) return;
  if (d->options->mode == STRESS_MODE_STW) {
    if (g_rand_int_range(d->rand, 0, 1500) == 0)
      ccgc_collect(c, CCGC_REASON_TESTING);
    return;
  }
  if (ccgc_collector_state(c) != CCGC_STATE_MARKING) {
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

/* A minor collection the driver asks for, after an operation with odds
 * 1/scavenge_every from its own stream: in incremental and concurrent mode
 * often in the middle of a marking cycle, which op_collect keeps open across
 * operations. The nursery's own requests run at the safepoint before. */
static void op_scavenge(stress_driver *d) {
  uint64_t every = d->options->scavenge_every;
  if (every == 0) return;
  gint32 odds = every > G_MAXINT32 ? G_MAXINT32 : (gint32)every;
  if (g_rand_int_range(d->scavenge_rand, 0, odds) != 0) return;
  d->result->minor_requested++;
  ccgc_status status = ccgc_collect_minor(d->collector, CCGC_REASON_TESTING);
  if (status != CCGC_OK)
    stress_violation(d, "ccgc_collect_minor: %s (%s)", ccgc_status_name(status),
                     ccgc_collector_last_error(d->collector)->message);
}

/* Counts the minor collections, and those inside a marking cycle. */
static void on_minor_end(void *data, const ccgc_minor_stats *stats) {
  stress_driver *d = data;
  d->result->minor_collections++;
  if (stats->during_marking) d->result->minor_during_marking++;
  if (stats->during_sweeping) d->result->minor_during_sweeping++;
  if (stats->fast_promotion) d->result->fast_promotions++;
}

/* Every compact_every-th full cycle asks for compaction as it starts (before
 * the heaps' prepare, which chooses the candidates: docs/compaction.md), and
 * counts what it moved. */
static void on_cycle_start(void *data, ccgc_gc_reason reason, bool incremental) {
  (void)reason;
  (void)incremental;
  stress_driver *d = data;
  uint64_t every = d->options->compact_every;
  if (every && ++d->full_cycles_started % every == 0)
    v8ish_heap_request_compaction(d->script);
}

static void on_cycle_end(void *data, const ccgc_cycle_stats *stats) {
  stress_driver *d = data;
  for (int i = 0; i < stats->heap_count; i++) {
    const ccgc_heap_stats *after = &stats->heaps[i].after;
    if (after->evacuated_pages == 0) continue;
    d->result->compactions++;
    d->result->evacuated_pages += after->evacuated_pages;
    d->result->evacuated_bytes += after->evacuated_bytes;
  }
}

static const ccgc_event_listener minor_listener = {
    .minor_end = on_minor_end,
    .cycle_start = on_cycle_start,
    .cycle_end = on_cycle_end,
};

/* The DOM heap's backing stores (the bridge weak map's table) compact on
 * the same cycles as the script heap's old generation (blinkish/compactor.c,
 * docs/compaction.md "DOM backing stores"). Listeners run in registration
 * order: this one is added after minor_listener, whose cycle_start counted
 * the cycle already. */
static void on_cycle_start_dom(void *data, ccgc_gc_reason reason,
                               bool incremental) {
  (void)reason;
  (void)incremental;
  stress_driver *d = data;
  uint64_t every = d->options->compact_every;
  if (every && d->full_cycles_started % every == 0)
    blinkish_heap_request_compaction(d->dom);
}

static const ccgc_event_listener dom_compaction_listener = {
    .cycle_start = on_cycle_start_dom,
};

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
      .scavenger_threads = d->options->scavenger_threads,
      .parallel_marking_threads = d->options->mark_threads,
      .compaction_threads = d->options->compaction_threads,
      .sweeping = sweeping_mode(d->options->sweeping),
      .sweeper_threads = 2,
  };
  d->collector = ccgc_collector_new(&options);
  /* Work-bounded steps: a seed replays the same schedule (not in concurrent
   * mode or with concurrent sweeping: threads race there by design). */
  ccgc_collector_set_step_objects(d->collector, 200);
  ccgc_collector_set_error_handler(d->collector, misuse_is_violation, d);
  ccgc_collector_disable_barrier(d->collector, d->options->disable_barrier);
  ccgc_collector_disable_remembered_set(d->collector, d->options->no_remembered_set);
  ccgc_collector_drop_traced_roots(d->collector, d->options->drop_traced_roots);
  ccgc_collector_plain_forwarding(d->collector, d->options->plain_forwarding);
  ccgc_collector_break_parallel_termination(
      d->collector, d->options->break_parallel_termination);
  ccgc_collector_break_sweeping(d->collector, d->options->break_sweeping);
  ccgc_collector_break_scavenge_sweeping(d->collector,
                                         d->options->break_scavenge_sweeping);
  ccgc_collector_skip_compaction_updates(d->collector,
                                         d->options->skip_compaction_updates);
  ccgc_collector_skip_slot_recording(d->collector,
                                     d->options->skip_slot_recording);
  ccgc_collector_break_pretenuring(d->collector, d->options->break_pretenuring);
  ccgc_collector_break_fast_promotion(d->collector,
                                      d->options->break_fast_promotion);
  ccgc_collector_break_layouts(d->collector, d->options->break_layouts);
  ccgc_collector_limit_mark_segments(d->collector,
                                     (size_t)d->options->mark_segments);
  ccgc_collector_break_mark_overflow(d->collector,
                                     d->options->break_mark_overflow);
  ccgc_collector_add_listener(d->collector, &minor_listener, d);
  ccgc_collector_add_listener(d->collector, &dom_compaction_listener, d);
  d->scavenge_rand = g_rand_new_with_seed(
      (guint32)(d->options->seed ^ (d->options->seed >> 32) ^ 0x85ebca6bu));
  v8ish_heap_options script_options = {
      .no_young_generation = d->options->no_young_generation,
      .pretenuring = d->options->pretenuring,
      .fast_promotion = d->options->fast_promotion};
  d->script = v8ish_heap_new(d->collector, &script_options);
  d->dom = blinkish_heap_new(d->collector, NULL);
  d->bridge = bridge_new(d->collector, d->script, d->dom, BRIDGE_MODE_UNIFIED);
  d->node_type = stress_register_node_type(d->dom, d->bridge);
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
  stress_resources_setup(d);
}

static void teardown(stress_driver *d) {
  ccgc_heap_stats script_stats;
  v8ish_heap_stats(d->script, &script_stats);
  d->result->pretenured_objects = script_stats.pretenured_objects;
  ccgc_collector_remove_listener(d->collector, &minor_listener, d);
  ccgc_collector_remove_listener(d->collector, &dom_compaction_listener, d);
  g_rand_free(d->scavenge_rand);
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
  stress_resources_teardown(d, (int32_t)shadow_model_count(&d->model));
  bridge_free(d->bridge);
  v8ish_heap_free(d->script);
  ccgc_collector_free(d->collector);
  shadow_model_clear(&d->model);
  g_array_free(d->refs, TRUE);
  g_array_free(d->candidates, TRUE);
  g_array_free(d->tracked, TRUE);
}

/* What the progress line says beside the operations. */
static void progress_detail(stress_driver *d, char *text, size_t size) {
  snprintf(text, size, "%lu cycles, %lu scavenges, %u objects tracked",
           ccgc_collector_cycle_count(d->collector), d->result->minor_collections,
           shadow_model_count(&d->model));
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
  /* Progress on stderr: one line in place on a terminal, else a line per
   * tenth of the operations (progress.h). */
  progress_meter meter;
  if (options->progress)
    progress_start(&meter, options->progress, PROGRESS_AUTO, "ccgc stress", "ops",
                   options->ops, progress_now_ms());
  char detail[96];
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
    ccgc_collector_safepoint(d.collector); /* the nursery's scavenges */
    op_collect(&d);
    op_scavenge(&d);
    check_after_collections(&d);
    verify_after_sweeping(&d);
    double now = options->progress ? progress_now_ms() : 0;
    if (options->progress && progress_due(&meter, d.op + 1, now)) {
      progress_detail(&d, detail, sizeof detail);
      progress_draw(&meter, d.op + 1, detail, now);
    }
  }
  if (options->progress) {
    progress_detail(&d, detail, sizeof detail);
    progress_finish(&meter, d.op, detail, progress_now_ms());
  }
  /* Two final cycles: everything unreachable must be gone by then. */
  if (!d.failed) {
    if (ccgc_collector_state(d.collector) == CCGC_STATE_MARKING)
      ccgc_incremental_finish(d.collector);
    check_after_collections(&d);
    for (int i = 0; i < 2 && !d.failed; i++) {
      ccgc_collect(d.collector, CCGC_REASON_TESTING);
      check_after_collections(&d);
    }
    ccgc_collector_finish_sweeping(d.collector);
    verify_after_sweeping(&d);
  }
  result->ops_done = d.op;
  result->cycles = ccgc_collector_cycle_count(d.collector);
  teardown(&d);
  g_rand_free(d.rand);
}
