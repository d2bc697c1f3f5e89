/* bench-mark.c - `ccgc bench mark`: the stop-the-world mark of a live
 * cross-heap graph (1 GiB by default, --live-mb) against two references
 * measured in the same run on a graph of the same shape:
 *
 *   lower bound  a plain C copy of the graph in one malloc'd arena (same
 *                object sizes, same edges, same placement order), walked
 *                depth-first with an explicit stack and a side mark bitmap:
 *                what any tracing of these objects must at least do, with
 *                no collector bookkeeping (no page lookup, no per-heap
 *                dispatch, no trace callbacks, no worklist segments);
 *   Boehm GC     the same objects allocated with GC_MALLOC, timed
 *                GC_gcollect (a full collection, conservatively scanned).
 *
 * Why a parallel copy rather than walking the heaps: the public walk
 * (ccgc_collector_walk) reports names and edge kinds for tools and is far
 * heavier than a mark, so it would not bound anything.
 *
 * The graph, unit i of U (U chosen so the heaps hold --live-mb):
 *   DOM node D_i   members a = D_{2i+1}, b = D_{2i+2} (a tree through all
 *                  of them: everything is reachable from D_0), c = D_{h(i)}
 *                  (random), a traced script reference to S_i, and its
 *                  wrapper W_i in its wrappable slot
 *   wrapper W_i    (script heap) its hidden class, embedder field -> D_i
 *   array S_i      (script heap) a fixed array: its class, W_{h'(i)},
 *                  S_{h''(i)}
 * The root: one DOM persistent on D_0. The copy mirrors the edges listed
 * here, with one shared "class" object per script kind. */
#include <gc.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "bridge.h"
#include "ccgc-testing.h"

typedef struct mark_node {
  void *a, *b, *c;
  bridge_script_ref *script;
  bridge *bridge;
} mark_node;

/* a, b and c are declared members and script a declared script reference
 * (the type's layout descriptor: the mark loop traces them itself, and the
 * type needs no trace callback). */
static const blinkish_member_info mark_node_members[] = {
    BLINKISH_MEMBER(mark_node, a), BLINKISH_MEMBER(mark_node, b),
    BLINKISH_MEMBER(mark_node, c)};
static const blinkish_member_info mark_node_refs[] = {
    BLINKISH_MEMBER(mark_node, script)};

static void finalize_mark_node(void *object) {
  mark_node *node = object;
  if (node->script) bridge_script_ref_free(node->bridge, node->script);
}

/* Deterministic "random" targets, so all three graphs get the same edges. */
static size_t pick(size_t i, uint64_t salt, size_t n) {
  uint64_t z = i * 0x9e3779b97f4a7c15ull + salt;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return (size_t)((z ^ (z >> 31)) % n);
}
#define SALT_C 1
#define SALT_W 2
#define SALT_S 3

typedef struct ccgc_graph {
  ccgc_collector *collector;
  v8ish_heap *script;
  blinkish_heap *dom;
  bridge *bridge;
  blinkish_persistent *root;
  size_t d_size, w_size, s_size; /* object sizes (headers included) */
} ccgc_graph;

static size_t object_size(ccgc_graph *g, void *address) {
  ccgc_object_info info;
  return ccgc_collector_object_info(g->collector, address, &info) == CCGC_OK ? info.size : 0;
}

static void graph_open(ccgc_graph *g) {
  memset(g, 0, sizeof *g);
  g->collector = ccgc_collector_new(NULL);
  g->script = v8ish_heap_new(g->collector, NULL);
  g->dom = blinkish_heap_new(g->collector, NULL);
  g->bridge = bridge_new(g->collector, g->script, g->dom, BRIDGE_MODE_UNIFIED);
}

static void graph_close(ccgc_graph *g) {
  if (g->root) blinkish_persistent_free(g->dom, g->root);
  blinkish_heap_free(g->dom);
  bridge_free(g->bridge);
  v8ish_heap_free(g->script);
  ccgc_collector_free(g->collector);
}

/* Builds U units; no safepoint runs while raw pointers are held.
 * Progress (p, or NULL): objects built, 3 per unit (the DOM nodes, the
 * script arrays, the wrappers), every 64K. */
#define BUILD_PROGRESS_EVERY 65536
static bool graph_build(ccgc_graph *g, size_t units, bench_progress *p) {
  blinkish_type_info info = {"MarkNode", NULL, finalize_mark_node,
                             BLINKISH_TYPE_WRAPPABLE};
  blinkish_type_id type = blinkish_register_type(g->dom, &info);
  if (blinkish_type_declare_members(g->dom, type, mark_node_members, 3) != CCGC_OK ||
      bridge_type_declare_script_refs(g->bridge, type, mark_node_refs, 1) != CCGC_OK)
    return false;
  mark_node **d = malloc(units * sizeof *d);
  for (size_t i = 0; i < units; i++) {
    d[i] = blinkish_alloc(g->dom, type, sizeof(mark_node));
    if (!d[i]) return free(d), false;
    d[i]->bridge = g->bridge;
    if (p && i % BUILD_PROGRESS_EVERY == 0) bench_progress_update(p, i, "DOM nodes");
  }
  for (size_t i = 0; i < units; i++) {
    if (2 * i + 1 < units) blinkish_member_set(g->dom, d[i], &d[i]->a, d[2 * i + 1]);
    if (2 * i + 2 < units) blinkish_member_set(g->dom, d[i], &d[i]->b, d[2 * i + 2]);
    blinkish_member_set(g->dom, d[i], &d[i]->c, d[pick(i, SALT_C, units)]);
  }
  v8ish_handle_scope scope;
  for (size_t i = 0; i < units; i++) {
    if (i % 1024 == 0) {
      if (i) v8ish_handle_scope_close(&scope);
      v8ish_handle_scope_open(g->script, &scope);
    }
    if (p && i % BUILD_PROGRESS_EVERY == 0) bench_progress_update(p, units + i, "script arrays");
    v8ish_local s = v8ish_fixed_array_new(g->script, 2);
    if (v8ish_local_is_empty(s)) return free(d), false;
    v8ish_array_set(g->script, s, 0, bridge_wrap(g->bridge, d[pick(i, SALT_W, units)]));
    d[i]->script = bridge_script_ref_new(g->bridge, s);
  }
  for (size_t i = 0; i < units; i++) {
    if (i % 1024 == 0) {
      v8ish_handle_scope_close(&scope);
      v8ish_handle_scope_open(g->script, &scope);
    }
    if (p && i % BUILD_PROGRESS_EVERY == 0) bench_progress_update(p, 2 * units + i, "wrappers");
    bridge_wrap(g->bridge, d[i]); /* every node has its wrapper */
    v8ish_array_set(g->script, bridge_script_ref_get(g->bridge, d[i]->script), 1,
                    bridge_script_ref_get(g->bridge, d[pick(i, SALT_S, units)]->script));
  }
  g->d_size = object_size(g, d[0]);
  g->w_size = object_size(g, v8ish_object_address(g->script, bridge_wrap(g->bridge, d[0])));
  g->s_size = object_size(g, v8ish_object_address(
                                 g->script, bridge_script_ref_get(g->bridge, d[0]->script)));
  v8ish_handle_scope_close(&scope);
  g->root = blinkish_persistent_new(g->dom, d[0], false);
  free(d);
  return true;
}

/* --- the plain copy and Boehm's --------------------------------------------------
 * A plain object: an edge count and the edges, padded to the size of the
 * object it mirrors. Placement follows the heaps': all D first, then script
 * objects in creation order (S_i, and W_j when S_i first named it). */
typedef struct plain_object {
  uint64_t count;
  struct plain_object *edges[];
} plain_object;

typedef void *(*plain_alloc_fn)(size_t size, void *data);

typedef struct plain_graph {
  plain_object *root;
  size_t objects, bytes;
} plain_graph;

static plain_object *plain_new(plain_alloc_fn alloc, void *data, size_t size,
                               size_t edges, plain_graph *g) {
  size_t need = sizeof(plain_object) + edges * sizeof(void *);
  if (size < need) size = need;
  plain_object *o = alloc(size, data);
  if (!o) return NULL;
  o->count = edges;
  g->objects++;
  g->bytes += size;
  return o;
}

/* objects: a scratch array of 3U + 2 pointers (caller-owned: Boehm must not
 * see it as a root while timing). */
static bool plain_build(plain_graph *g, size_t units, const ccgc_graph *sizes,
                        plain_alloc_fn alloc, void *data, plain_object **all) {
  memset(g, 0, sizeof *g);
  plain_object **d = all, **w = all + units, **s = all + 2 * units;
  plain_object *w_class = plain_new(alloc, data, 64, 0, g);
  plain_object *s_class = plain_new(alloc, data, 64, 0, g);
  all[3 * units] = w_class, all[3 * units + 1] = s_class;
  for (size_t i = 0; i < units; i++) {
    size_t edges = 3 + (2 * i + 1 < units) + (2 * i + 2 < units);
    if (!(d[i] = plain_new(alloc, data, sizes->d_size, edges, g))) return false;
  }
  for (size_t i = 0; i < units; i++) w[i] = NULL;
  for (size_t i = 0; i < units; i++) {
    if (!(s[i] = plain_new(alloc, data, sizes->s_size, 3, g))) return false;
    size_t j = pick(i, SALT_W, units);
    if (!w[j] && !(w[j] = plain_new(alloc, data, sizes->w_size, 2, g))) return false;
  }
  for (size_t i = 0; i < units; i++)
    if (!w[i] && !(w[i] = plain_new(alloc, data, sizes->w_size, 2, g))) return false;
  for (size_t i = 0; i < units; i++) {
    size_t e = 0;
    if (2 * i + 1 < units) d[i]->edges[e++] = d[2 * i + 1];
    if (2 * i + 2 < units) d[i]->edges[e++] = d[2 * i + 2];
    d[i]->edges[e++] = d[pick(i, SALT_C, units)];
    d[i]->edges[e++] = s[i];
    d[i]->edges[e++] = w[i];
    w[i]->edges[0] = w_class;
    w[i]->edges[1] = d[i];
    s[i]->edges[0] = s_class;
    s[i]->edges[1] = w[pick(i, SALT_W, units)];
    s[i]->edges[2] = s[pick(i, SALT_S, units)];
  }
  g->root = d[0];
  return true;
}

typedef struct arena {
  char *base;
  size_t used, size;
} arena;

static void *arena_alloc(size_t size, void *data) {
  arena *a = data;
  size = (size + 15) & ~(size_t)15;
  if (a->used + size > a->size) return NULL;
  void *p = a->base + a->used;
  a->used += size;
  return p;
}

static void *boehm_alloc(size_t size, void *data) {
  (void)data;
  return GC_MALLOC(size);
}

/* The lower bound: DFS, explicit stack, one bit per 16-byte granule. */
static size_t plain_traverse(arena *a, plain_object *root, uint64_t *bitmap,
                             plain_object **stack) {
  size_t marked = 0, top = 0;
  uintptr_t base = (uintptr_t)a->base;
#define TEST_AND_SET(o)                                                        \
  ({                                                                           \
    size_t bit = ((uintptr_t)(o) - base) >> 4;                                 \
    uint64_t mask = 1ull << (bit & 63), old = bitmap[bit >> 6];                \
    bitmap[bit >> 6] = old | mask;                                             \
    !(old & mask);                                                             \
  })
  TEST_AND_SET(root);
  stack[top++] = root;
  while (top) {
    plain_object *o = stack[--top];
    marked++;
    for (uint64_t e = 0; e < o->count; e++) {
      plain_object *t = o->edges[e];
      if (TEST_AND_SET(t)) stack[top++] = t;
    }
  }
#undef TEST_AND_SET
  return marked;
}

static plain_object *boehm_root; /* static data: a Boehm root */

int ccgc_bench_mark(const bench_options *options) {
  size_t live = options->live_mb * (size_t)1048576;
  ccgc_graph g;
  /* A probe world for the object sizes, to size U. */
  graph_open(&g);
  graph_build(&g, 16, NULL);
  size_t unit = g.d_size + g.w_size + g.s_size;
  graph_close(&g);
  size_t units = live / unit;
  if (units < 16) units = 16;
  bench_progress p;
  bench_progress_start(&p, options, "bench mark", "objects built", 3 * (uint64_t)units);
  graph_open(&g);
  if (!graph_build(&g, units, &p)) {
    bench_progress_finish(&p, 0, "failed");
    fprintf(stderr, "ccgc bench mark: could not build the graph\n");
    return 1;
  }
  bench_progress_finish(&p, 3 * (uint64_t)units, "%zu units, %zu MB", units, options->live_mb);
  int repeats = options->quick ? 2 : 3;
  /* The measurements, one step each: the ccgc collections (a warm-up and
   * the repeats), the plain copy and its traversals, the Boehm graph and
   * its collections (a warm-up and the repeats). */
  uint64_t steps = 4 * (uint64_t)repeats + 4, step = 0;
  bench_progress_start(&p, options, "bench mark", "steps", steps);
  double ccgc_mark = 1e300, ccgc_pause = 1e300;
  size_t ccgc_objects = 0, ccgc_bytes = 0;
  bench_progress_update(&p, step, "ccgc warm-up collection");
  ccgc_collect(g.collector, CCGC_REASON_TESTING); /* warm-up */
  step++;
  /* Each repeat: a collection with the layout descriptors, then one with
   * them skipped (every object through its heap's callbacks: what the
   * descriptors save), alternated so that the machine's drift hits both. */
  double ccgc_mark_callbacks = 1e300;
  for (int r = 0; r < repeats; r++) {
    bench_progress_update(&p, step, "ccgc collection %d of %d", r + 1, repeats);
    ccgc_collector_skip_layouts(g.collector, true);
    ccgc_collect(g.collector, CCGC_REASON_TESTING);
    ccgc_collector_skip_layouts(g.collector, false);
    double callbacks_ms = ccgc_collector_last_cycle(g.collector)->mark_ms;
    if (callbacks_ms < ccgc_mark_callbacks) ccgc_mark_callbacks = callbacks_ms;
    ccgc_collect(g.collector, CCGC_REASON_TESTING);
    step++;
    const ccgc_cycle_stats *st = ccgc_collector_last_cycle(g.collector);
    if (st->mark_ms < ccgc_mark) ccgc_mark = st->mark_ms;
    if (st->total_ms < ccgc_pause) ccgc_pause = st->total_ms;
    ccgc_objects = ccgc_bytes = 0;
    for (int i = 0; i < st->heap_count; i++) {
      ccgc_objects += st->heaps[i].marked_objects;
      ccgc_bytes += st->heaps[i].marked_bytes;
    }
  }
  /* The same collections with the pause's drain on two threads (the owner
   * and one helper, options.parallel_marking_threads). */
  double ccgc_mark2 = 1e300, ccgc_pause2 = 1e300;
  int mark_threads2 = 1;
  double helper_share2 = 0; /* of the objects visited in the fastest pause */
  ccgc_collector_set_parallel_marking_threads(g.collector, 1);
  for (int r = 0; r < repeats; r++) {
    bench_progress_update(&p, step, "ccgc 2-thread collection %d of %d", r + 1,
                          repeats);
    ccgc_collect(g.collector, CCGC_REASON_TESTING);
    step++;
    const ccgc_cycle_stats *st = ccgc_collector_last_cycle(g.collector);
    if (st->mark_ms < ccgc_mark2) {
      ccgc_mark2 = st->mark_ms;
      size_t objects = 0;
      for (int i = 0; i < st->heap_count; i++)
        objects += st->heaps[i].marked_objects;
      helper_share2 = objects ? (double)st->pause_helper_objects / objects : 0;
    }
    if (st->total_ms < ccgc_pause2) ccgc_pause2 = st->total_ms;
    mark_threads2 = st->pause_mark_threads;
  }
  ccgc_collector_set_parallel_marking_threads(g.collector, 0);
  ccgc_graph sizes = g;
  graph_close(&g);

  /* The lower bound. */
  bench_progress_update(&p, step, "plain copy");
  plain_object **all = malloc((3 * units + 2) * sizeof *all);
  arena a = {NULL, 0, (ccgc_bytes ? ccgc_bytes : live) * 2 + ((size_t)1 << 20)};
  a.base = malloc(a.size);
  plain_graph plain;
  if (!a.base || !all || !plain_build(&plain, units, &sizes, arena_alloc, &a, all)) {
    bench_progress_finish(&p, step, "failed");
    fprintf(stderr, "ccgc bench mark: could not build the plain copy\n");
    return 1;
  }
  step++;
  size_t bitmap_words = (a.used >> 4) / 64 + 1;
  uint64_t *bitmap = malloc(bitmap_words * 8);
  plain_object **stack = malloc((plain.objects + 1) * sizeof *stack);
  double plain_ms = 1e300;
  size_t plain_marked = 0;
  for (int r = 0; r < repeats; r++) {
    bench_progress_update(&p, step, "plain traversal %d of %d", r + 1, repeats);
    memset(bitmap, 0, bitmap_words * 8); /* not timed: a lower bound */
    double start = ccgc_time_ms();
    plain_marked = plain_traverse(&a, plain.root, bitmap, stack);
    double ms = ccgc_time_ms() - start;
    if (ms < plain_ms) plain_ms = ms;
    step++;
  }
  free(stack);
  free(bitmap);
  free(a.base);

  /* Boehm: the same graph, one full collection timed. */
  bench_progress_update(&p, step, "Boehm graph");
  GC_INIT();
  GC_disable(); /* building is not measured */
  plain_graph boehm;
  if (!plain_build(&boehm, units, &sizes, boehm_alloc, NULL, all)) {
    bench_progress_finish(&p, step, "failed");
    fprintf(stderr, "ccgc bench mark: Boehm could not build the graph\n");
    return 1;
  }
  step++;
  boehm_root = boehm.root;
  /* The scratch array is malloc'd, so Boehm never sees it as a root. */
  memset(all, 0, (3 * units + 2) * sizeof *all);
  free(all);
  GC_enable();
  double boehm_ms = 1e300;
  bench_progress_update(&p, step, "Boehm warm-up collection");
  GC_gcollect(); /* warm-up: the first one also sizes its mark stack */
  step++;
  for (int r = 0; r < repeats; r++) {
    bench_progress_update(&p, step, "Boehm collection %d of %d", r + 1, repeats);
    double start = ccgc_time_ms();
    GC_gcollect();
    double ms = ccgc_time_ms() - start;
    if (ms < boehm_ms) boehm_ms = ms;
    step++;
  }
  size_t boehm_heap = GC_get_heap_size();
  boehm_root = NULL;
  GC_gcollect(); /* let Boehm reuse the memory for later benchmarks */
  bench_progress_finish(&p, step, NULL);

  double mb = ccgc_bytes / 1048576.0;
  printf("mark: %zu units; ccgc marked %zu objects, %.1f MB (plain copy: %zu "
         "objects, %.1f MB; Boehm heap %.1f MB)\n",
         units, ccgc_objects, mb, plain_marked, plain.bytes / 1048576.0,
         boehm_heap / 1048576.0);
  printf("%-26s %10s %10s %12s\n", "marker", "ms", "MB/s", "Mobjects/s");
  printf("%-26s %10.1f %10.0f %12.2f\n", "ccgc stop-the-world mark", ccgc_mark,
         mb / (ccgc_mark / 1000), ccgc_objects / ccgc_mark / 1000);
  printf("%-26s %10.1f %10.0f %12.2f\n", "ccgc whole pause", ccgc_pause,
         mb / (ccgc_pause / 1000), ccgc_objects / ccgc_pause / 1000);
  printf("%-26s %10.1f %10.0f %12.2f\n", "ccgc mark, no descriptors",
         ccgc_mark_callbacks, mb / (ccgc_mark_callbacks / 1000),
         ccgc_objects / ccgc_mark_callbacks / 1000);
  printf("%-26s %10.1f %10.0f %12.2f\n", "ccgc mark, 2 threads", ccgc_mark2,
         mb / (ccgc_mark2 / 1000), ccgc_objects / ccgc_mark2 / 1000);
  printf("%-26s %10.1f %10.0f %12.2f\n", "ccgc whole pause, 2 threads",
         ccgc_pause2, mb / (ccgc_pause2 / 1000),
         ccgc_objects / ccgc_pause2 / 1000);
  printf("%-26s %10.1f %10.0f %12.2f\n", "plain DFS + bitmap", plain_ms,
         plain.bytes / 1048576.0 / (plain_ms / 1000), plain_marked / plain_ms / 1000);
  printf("%-26s %10.1f %10.0f %12.2f\n", "Boehm GC_gcollect", boehm_ms,
         boehm.bytes / 1048576.0 / (boehm_ms / 1000), boehm.objects / boehm_ms / 1000);
  printf("ratio ccgc mark / plain DFS: %.2f\n", ccgc_mark / plain_ms);
  printf("ratio ccgc mark with / without layout descriptors: %.2f\n",
         ccgc_mark / ccgc_mark_callbacks);
  printf("ratio ccgc mark / Boehm collection: %.2f\n", ccgc_mark / boehm_ms);
  printf("threads that marked in the 2-thread pauses: %d (helpers visited "
         "%.0f %% of the objects in the fastest)\n",
         mark_threads2, 100 * helper_share2);
  printf("ratio ccgc mark 2 threads / plain DFS: %.2f\n", ccgc_mark2 / plain_ms);
  if (options->json) {
    ccgc_json_writer *json = options->json;
    ccgc_json_writer_begin_object(json);
    ccgc_json_writer_member_string(json, "bench", "mark");
    ccgc_json_writer_member_uint(json, "live_mb", options->live_mb);
    ccgc_json_writer_member_uint(json, "objects", ccgc_objects);
    ccgc_json_writer_member_fixed(json, "marked_mb", mb, 3);
    ccgc_json_writer_member_fixed(json, "ccgc_mark_ms", ccgc_mark, 3);
    ccgc_json_writer_member_fixed(json, "ccgc_pause_ms", ccgc_pause, 3);
    ccgc_json_writer_member_fixed(json, "ccgc_mark_no_descriptors_ms",
                                  ccgc_mark_callbacks, 3);
    ccgc_json_writer_member_fixed(json, "plain_ms", plain_ms, 3);
    ccgc_json_writer_member_fixed(json, "boehm_ms", boehm_ms, 3);
    ccgc_json_writer_member_fixed(json, "ratio_vs_plain", ccgc_mark / plain_ms, 4);
    ccgc_json_writer_member_fixed(json, "ratio_vs_boehm", ccgc_mark / boehm_ms, 4);
    ccgc_json_writer_member_fixed(json, "ccgc_mark_2_threads_ms", ccgc_mark2, 3);
    ccgc_json_writer_member_fixed(json, "ccgc_pause_2_threads_ms", ccgc_pause2, 3);
    ccgc_json_writer_member_fixed(json, "ratio_2_threads_vs_plain",
                                  ccgc_mark2 / plain_ms, 4);
    ccgc_json_writer_end_object(json);
  }
  if (plain_marked != plain.objects || ccgc_objects + 2 < plain.objects) {
    printf("graph check: FAILED (plain reached %zu of %zu, ccgc marked %zu)\n",
           plain_marked, plain.objects, ccgc_objects);
    return 1;
  }
  printf("graph check: ok (every object reachable in all three)\n");
  return 0;
}
