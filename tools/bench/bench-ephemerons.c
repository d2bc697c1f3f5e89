/* bench-ephemerons.c - `ccgc bench ephemerons`: is the ephemeron fixed point
 * linear on adversarial input?
 *
 * A chain of n pairs map[k0] = k1, map[k1] = k2, ... is inserted last pair
 * first, so that a marker that iterates "drain, scan every pending pair,
 * release the ones whose key is marked" releases one pair per round: n rounds
 * over up to n pairs, quadratic. The marker must notice and switch to its key
 * index (marking/ephemeron-table.h). For n and 2n pairs the benchmark prints
 * the marking time of a full collection and the 2n/n ratio (linear: about
 * 2), and, as the lower bound, the marking time of the same objects chained
 * by strong properties instead.
 *
 * Two shapes:
 *   script  every key and value in the script heap (one WeakMap)
 *   cross   the chain alternates heaps: script key -> DOM object (an embedder
 *           value of a script WeakMap), DOM key -> script object (a DOM
 *           HeapEphemeronMap value held through a traced reference)
 */
#include <glib.h>
#include <stdio.h>
#include <stdlib.h>

#include "bench.h"
#include "bridge.h"

typedef struct chain_world {
  ccgc_collector *collector;
  v8ish_heap *script;
  blinkish_heap *dom;
  bridge *bridge;
  blinkish_type_id node_type;
  v8ish_global root;       /* k0 (ephemeron chain) or the first object */
  v8ish_global map;        /* the script WeakMap                       */
  blinkish_persistent *dom_map;
} chain_world;

typedef struct chain_node {
  void *unused; /* a DOM key: no references of its own */
} chain_node;

static void world_open(chain_world *w) {
  ccgc_collector_options options = {0};
  w->collector = ccgc_collector_new(&options);
  w->script = v8ish_heap_new(w->collector, NULL);
  w->dom = blinkish_heap_new(w->collector, NULL);
  w->bridge = bridge_new(w->collector, w->script, w->dom, BRIDGE_MODE_UNIFIED);
  blinkish_type_info info = {"ChainNode", NULL, NULL, 0};
  w->node_type = blinkish_register_type(w->dom, &info);
  w->dom_map = NULL;
}

static void world_close(chain_world *w) {
  v8ish_global_free(w->script, w->root);
  if (!v8ish_global_is_null(w->map)) v8ish_global_free(w->script, w->map);
  if (w->dom_map) blinkish_persistent_free(w->dom, w->dom_map);
  blinkish_heap_free(w->dom);
  bridge_free(w->bridge);
  v8ish_heap_free(w->script);
  ccgc_collector_free(w->collector);
}

typedef enum chain_shape { CHAIN_SCRIPT, CHAIN_CROSS, CHAIN_STRONG } chain_shape;

/* Builds n links of the shape; returns false at an allocation failure. */
static bool build(chain_world *w, chain_shape shape, size_t n) {
  v8ish_heap *h = w->script;
  v8ish_handle_scope scope;
  v8ish_handle_scope_open(h, &scope);
  v8ish_local map = v8ish_weak_map_new(h);
  w->map = v8ish_global_new(h, map, false);
  void *dom_map = NULL;
  if (shape == CHAIN_CROSS) {
    dom_map = bridge_weak_map_new(w->bridge);
    w->dom_map = blinkish_persistent_new(w->dom, dom_map, false);
  }
  /* Script keys first (held by an array until the chain holds them). */
  size_t script_keys = shape == CHAIN_CROSS ? n / 2 + 1 : n + 1;
  v8ish_local keys = v8ish_fixed_array_new(h, script_keys);
  if (v8ish_local_is_empty(keys)) return false;
  for (size_t i = 0; i < script_keys; i++) {
    v8ish_handle_scope inner;
    v8ish_handle_scope_open(h, &inner);
    v8ish_array_set(h, keys, i, v8ish_object_new(h));
    v8ish_handle_scope_close(&inner);
  }
  /* DOM keys: raw pointers are safe, no collection runs in between. */
  void **dom_keys = NULL;
  if (shape == CHAIN_CROSS) {
    dom_keys = malloc((n / 2 + 1) * sizeof *dom_keys);
    for (size_t i = 0; i <= n / 2; i++)
      dom_keys[i] = blinkish_alloc(w->dom, w->node_type, sizeof(chain_node));
  }
  /* The links, last first: the worst discovery order. */
  for (size_t i = n; i-- > 0;) {
    v8ish_handle_scope inner;
    v8ish_handle_scope_open(h, &inner);
    ccgc_status status = CCGC_OK;
    if (shape == CHAIN_SCRIPT) {
      status = v8ish_weak_map_set(h, map, v8ish_array_get(h, keys, i),
                                  v8ish_array_get(h, keys, i + 1));
    } else if (shape == CHAIN_STRONG) {
      status = v8ish_object_set(h, v8ish_array_get(h, keys, i), "next",
                                v8ish_array_get(h, keys, i + 1));
    } else if (i % 2 == 0) { /* script key i/2 -> DOM key i/2 */
      status = v8ish_weak_map_set_embedder(h, map, v8ish_array_get(h, keys, i / 2),
                                           dom_keys[i / 2]);
    } else { /* DOM key i/2 -> script key i/2 + 1 */
      status = bridge_weak_map_set(w->bridge, dom_map, dom_keys[i / 2],
                                   v8ish_array_get(h, keys, i / 2 + 1));
    }
    v8ish_handle_scope_close(&inner);
    if (status != CCGC_OK) return false;
  }
  w->root = v8ish_global_new(h, v8ish_array_get(h, keys, 0), false);
  free(dom_keys);
  v8ish_handle_scope_close(&scope);
  return true;
}

typedef struct chain_time {
  double mark_ms;  /* best of the timed collections */
  size_t rounds;
  size_t marked;
} chain_time;

static bool measure(chain_shape shape, size_t n, int repeats, chain_time *out) {
  chain_world w = {0};
  world_open(&w);
  bool ok = build(&w, shape, n);
  if (ok) {
    ccgc_collect(w.collector, CCGC_REASON_TESTING); /* the key array goes */
    out->mark_ms = 1e300;
    for (int r = 0; r < repeats; r++) {
      ccgc_collect(w.collector, CCGC_REASON_TESTING);
      const ccgc_cycle_stats *stats = ccgc_collector_last_cycle(w.collector);
      if (stats->mark_ms < out->mark_ms) out->mark_ms = stats->mark_ms;
      out->rounds = stats->ephemeron_rounds;
      out->marked = 0;
      for (int i = 0; i < stats->heap_count; i++)
        out->marked += stats->heaps[i].marked_objects;
    }
  }
  world_close(&w);
  return ok;
}

static const char *shape_name(chain_shape shape) {
  return shape == CHAIN_SCRIPT ? "script" : shape == CHAIN_CROSS ? "cross" : "strong";
}

int ccgc_bench_ephemerons(const bench_options *options) {
  static const size_t full_sizes[] = {10000, 100000, 1000000};
  static const size_t quick_sizes[] = {10000, 50000};
  const size_t *sizes = options->quick ? quick_sizes : full_sizes;
  size_t size_count = options->quick ? 2 : 3;
  /* Best of several collections: a millisecond-long small chain needs more
   * tries than a large one to find a run the machine did not disturb. */
  int repeats_small = options->quick ? 2 : 21, repeats_large = options->quick ? 2 : 5;
  double worst_ratio = 0;
  /* Progress: links built and marked, 6n per chain length n (n and 2n
   * links of the chain, as many strong ones), drawn between the worlds. */
  uint64_t total = 0, done = 0;
  for (size_t i = 0; i < size_count; i++) total += 2 * 6 * (uint64_t)sizes[i];
  bench_progress p;
  bench_progress_start(&p, options, "bench ephemerons", "links", total);
  printf("%-7s %9s %11s %11s %7s %11s %10s %12s %10s\n", "chain", "n",
         "mark n ms", "mark 2n ms", "rounds", "2n/n ratio", "strong ms",
         "strong 2n/n", "vs strong");
  for (int s = CHAIN_SCRIPT; s <= CHAIN_CROSS; s++) {
    for (size_t i = 0; i < size_count; i++) {
      size_t n = sizes[i];
      int repeats = n < 100000 ? repeats_small : repeats_large;
      const char *name = shape_name((chain_shape)s);
      chain_time one, two, strong, strong_two;
      /* The four worlds: the chain of n and 2n links, the strong ones. */
      const struct {
        chain_shape shape;
        size_t links;
        chain_time *out;
      } worlds[] = {{(chain_shape)s, n, &one}, {(chain_shape)s, 2 * n, &two},
                    {CHAIN_STRONG, n, &strong}, {CHAIN_STRONG, 2 * n, &strong_two}};
      for (size_t k = 0; k < G_N_ELEMENTS(worlds); k++) {
        bench_progress_update(&p, done, "%s chain, n = %zu, %s of %zu links", name, n,
                              shape_name(worlds[k].shape), worlds[k].links);
        if (!measure(worlds[k].shape, worlds[k].links, repeats, worlds[k].out)) {
          bench_progress_finish(&p, done, "failed");
          fprintf(stderr, "ccgc bench ephemerons: could not build a chain of %zu\n",
                  worlds[k].links);
          return 1;
        }
        done += worlds[k].links;
      }
      double ratio = one.mark_ms > 0 ? two.mark_ms / one.mark_ms : 0;
      double versus = strong.mark_ms > 0 ? one.mark_ms / strong.mark_ms : 0;
      double strong_ratio =
          strong.mark_ms > 0 ? strong_two.mark_ms / strong.mark_ms : 0;
      if (ratio > worst_ratio) worst_ratio = ratio;
      bench_progress_clear(&p);
      printf("%-7s %9zu %11.2f %11.2f %7zu %11.2f %10.2f %12.2f %10.2f\n",
             shape_name((chain_shape)s), n, one.mark_ms, two.mark_ms, two.rounds,
             ratio, strong.mark_ms, strong_ratio, versus);
      if (options->json) {
        ccgc_json_writer *json = options->json;
        ccgc_json_writer_begin_object(json);
        ccgc_json_writer_member_string(json, "bench", "ephemerons");
        ccgc_json_writer_member_string(json, "chain", shape_name((chain_shape)s));
        ccgc_json_writer_member_uint(json, "n", n);
        ccgc_json_writer_member_fixed(json, "mark_n_ms", one.mark_ms, 3);
        ccgc_json_writer_member_fixed(json, "mark_2n_ms", two.mark_ms, 3);
        ccgc_json_writer_member_uint(json, "rounds_2n", two.rounds);
        ccgc_json_writer_member_fixed(json, "ratio_2n_n", ratio, 3);
        ccgc_json_writer_member_fixed(json, "strong_n_ms", strong.mark_ms, 3);
        ccgc_json_writer_member_fixed(json, "strong_ratio_2n_n", strong_ratio, 3);
        ccgc_json_writer_member_fixed(json, "ratio_vs_strong", versus, 3);
        ccgc_json_writer_end_object(json);
      }
    }
  }
  bench_progress_finish(&p, done, NULL);
  printf("worst 2n/n ratio: %.2f (linear: about 2; quadratic: about 4)\n",
         worst_ratio);
  return 0;
}
