/* bench-trees.c - binary trees of {left, right} (and, for GCBench, two ints)
 * on four allocators, for bench-gcbench.c and bench-binary-trees.c:
 *
 *   script  the script heap: a node is a fixed array (left, right[, i, j]),
 *           held through local handles in handle scopes while trees are
 *           built (allocation may collect and move them), walked through
 *           raw values when checked (nothing allocates then), as a host's
 *           compiled code would hold them; trees in global handles
 *   dom     the DOM heap: a registered node type with two members; the
 *           host has no conservative stack scan, so a subtree waiting for
 *           its sibling is rooted in a per-depth persistent, and a tree in
 *           a persistent
 *   boehm   Boehm GC (GC_MALLOC; the stack and the roots array below are
 *           scanned conservatively)
 *   malloc  malloc and explicit frees of every node (no collector at all)
 *
 * The collected heaps run safepoints before every allocation (every live
 * node is rooted there) and collect-and-retry at the hard limit
 * (bench-world.c). A tree lives in one of BENCH_TREE_SLOTS slots. */
#include <gc.h>
#include <malloc.h>
#include <stdlib.h>
#include <string.h>

#include "bench-trees.h"

typedef struct plain_node {
  struct plain_node *left, *right;
  int i, j;
} plain_node;

typedef struct dom_node {
  void *left, *right;
  int i, j;
} dom_node;

struct bench_trees {
  bench_tree_kind kind;
  bool with_ints;
  bench_heaps heaps;
  blinkish_type_id node_type, doubles_type;
  v8ish_global script_slots[BENCH_TREE_SLOTS];
  blinkish_persistent *dom_slots[BENCH_TREE_SLOTS];
  blinkish_persistent *dom_left[BENCH_TREE_MAX_DEPTH + 1];
  blinkish_persistent *dom_right[BENCH_TREE_MAX_DEPTH + 1];
  void *plain_slots[BENCH_TREE_SLOTS];
  size_t boehm_gc_start;
  v8ish_local script_zero; /* the integer 0, live while a build runs */
};

/* Boehm does not scan malloc'd memory: its trees are rooted here (static
 * data is a root). One Boehm backend is open at a time. */
static void *boehm_roots[BENCH_TREE_SLOTS];
static bool boehm_ready;

const char *bench_tree_kind_name(bench_tree_kind kind) {
  static const char *names[] = {"script", "dom", "boehm", "malloc"};
  return names[kind];
}

static void trace_dom_node(ccgc_visitor *visitor, void *object) {
  dom_node *node = object;
  blinkish_trace_member(visitor, &node->left, "left");
  blinkish_trace_member(visitor, &node->right, "right");
}

static void die(bench_trees *t, const char *what) {
  const ccgc_error *error =
      t->heaps.collector ? ccgc_collector_last_error(t->heaps.collector) : NULL;
  fprintf(stderr, "ccgc bench: %s heap: %s failed: %s\n",
          bench_tree_kind_name(t->kind), what,
          error && error->code ? error->message : "out of memory");
  exit(1);
}

/* --- script heap ----------------------------------------------------------- */

/* A node: the safepoint poll and the allocation inline (ccgc-fast.h,
 * v8ish-fast.h), as a host's allocation site is; an allocation that fails
 * (at the hard limit) retries out of line. */
static v8ish_local script_node_retry(bench_trees *t) {
  v8ish_heap *h = t->heaps.script;
  for (;;) {
    if (!bench_heaps_retry(&t->heaps)) die(t, "allocating a node");
    bench_heaps_safepoint(&t->heaps);
    v8ish_local node = v8ish_fixed_array_new(h, t->with_ints ? 4 : 2);
    if (!v8ish_local_is_empty(node)) return node;
  }
}

static inline __attribute__((always_inline)) v8ish_local
script_node(bench_trees *t) {
  bench_heaps_safepoint(&t->heaps);
  v8ish_local node = v8ish_fixed_array_new(t->heaps.script, t->with_ints ? 4 : 2);
  if (__builtin_expect(!v8ish_local_is_empty(node), 1)) return node;
  return script_node_retry(t);
}

/* A node made with its children (and GCBench's two integers, 0) in one
 * call, as a constructor with arguments: new Node(left, right). */
static v8ish_local script_node_with_retry(bench_trees *t,
                                          const v8ish_local *elements) {
  v8ish_heap *h = t->heaps.script;
  for (;;) {
    if (!bench_heaps_retry(&t->heaps)) die(t, "allocating a node");
    bench_heaps_safepoint(&t->heaps);
    v8ish_local node =
        v8ish_fixed_array_new_with(h, t->with_ints ? 4 : 2, elements);
    if (!v8ish_local_is_empty(node)) return node;
  }
}

static inline __attribute__((always_inline)) v8ish_local
script_node_with(bench_trees *t, v8ish_local left, v8ish_local right) {
  const v8ish_local elements[4] = {left, right, t->script_zero,
                                   t->script_zero};
  bench_heaps_safepoint(&t->heaps);
  v8ish_local node = v8ish_fixed_array_new_with(
      t->heaps.script, t->with_ints ? 4 : 2, elements);
  if (__builtin_expect(!v8ish_local_is_empty(node), 1)) return node;
  return script_node_with_retry(t, elements);
}

/* A scope per inner node: a subtree's locals die when it returns, so a
 * build holds a few locals per level. A leaf opens none: its one local
 * goes into its parent's scope (three locals then), as a V8 embedder's
 * helper that returns one new Local does without a scope of its own. An
 * inner node is made from its children in one call
 * (v8ish_fixed_array_new_with, V8's Array::New with elements). */
static v8ish_local script_bottom_up(bench_trees *t, int depth) {
  if (depth <= 0) return script_node(t);
  v8ish_heap *h = t->heaps.script;
  v8ish_handle_scope scope;
  v8ish_handle_scope_open(h, &scope);
  v8ish_local left = script_bottom_up(t, depth - 1);
  v8ish_local right = script_bottom_up(t, depth - 1);
  v8ish_local node = script_node_with(t, left, right);
  node = v8ish_handle_scope_escape(&scope, node);
  v8ish_handle_scope_close(&scope);
  return node;
}

/* The nodes of the last level are linked as they are made, in the caller's
 * scope (two locals more there), with no scope of their own. */
static void script_populate(bench_trees *t, int depth, v8ish_local node) {
  if (depth <= 0) return;
  v8ish_heap *h = t->heaps.script;
  if (depth == 1) {
    v8ish_array_set(h, node, 0, script_node(t));
    v8ish_array_set(h, node, 1, script_node(t));
    return;
  }
  v8ish_handle_scope scope;
  v8ish_handle_scope_open(h, &scope);
  v8ish_local left = script_node(t);
  v8ish_array_set(h, node, 0, left);
  v8ish_local right = script_node(t);
  v8ish_array_set(h, node, 1, right);
  script_populate(t, depth - 1, left);
  script_populate(t, depth - 1, right);
  v8ish_handle_scope_close(&scope);
}

/* The check allocates nothing, so nothing moves while it runs: it walks the
 * tree through raw values (v8ish.h, "Raw values"), as compiled code reads
 * fields between safepoints, with no handle scope or local per node. Each
 * read still checks the heap's entry, the raw value's epoch, the class and
 * the bound. */
static long script_check(v8ish_heap *h, v8ish_raw node) {
  v8ish_raw left = v8ish_raw_array_get(h, node, 0);
  if (v8ish_raw_is_integer(left)) return 1;
  return 1 + script_check(h, left) +
         script_check(h, v8ish_raw_array_get(h, node, 1));
}

/* --- DOM heap ----------------------------------------------------------------- */

static dom_node *dom_alloc_retry(bench_trees *t) {
  for (;;) {
    if (!bench_heaps_retry(&t->heaps)) die(t, "allocating a node");
    bench_heaps_safepoint(&t->heaps);
    dom_node *node = blinkish_alloc(t->heaps.dom, t->node_type, sizeof *node);
    if (node) return node;
  }
}

static inline __attribute__((always_inline)) dom_node *dom_alloc(bench_trees *t) {
  bench_heaps_safepoint(&t->heaps);
  dom_node *node = blinkish_alloc(t->heaps.dom, t->node_type, sizeof *node);
  if (__builtin_expect(node != NULL, 1)) return node;
  return dom_alloc_retry(t);
}

static dom_node *dom_bottom_up(bench_trees *t, int depth) {
  if (depth <= 0) return dom_alloc(t);
  blinkish_heap *h = t->heaps.dom;
  dom_node *left = dom_bottom_up(t, depth - 1);
  blinkish_persistent_set(h, t->dom_left[depth], left);
  dom_node *right = dom_bottom_up(t, depth - 1);
  blinkish_persistent_set(h, t->dom_right[depth], right);
  dom_node *node = dom_alloc(t);
  blinkish_member_set(h, node, &node->left, left);
  blinkish_member_set(h, node, &node->right, right);
  return node;
}

/* node is reachable from a slot: each child is linked before the next
 * allocation, so a collection there finds the whole partial tree. */
static void dom_populate(bench_trees *t, int depth, dom_node *node) {
  if (depth <= 0) return;
  blinkish_heap *h = t->heaps.dom;
  dom_node *left = dom_alloc(t);
  blinkish_member_set(h, node, &node->left, left);
  dom_node *right = dom_alloc(t);
  blinkish_member_set(h, node, &node->right, right);
  dom_populate(t, depth - 1, left);
  dom_populate(t, depth - 1, right);
}

static long dom_check(const dom_node *node) {
  if (!node->left) return 1;
  return 1 + dom_check(node->left) + dom_check(node->right);
}

/* --- Boehm and malloc: the plain node ---------------------------------------- */

/* Inline, as the other heaps' allocation sites are. */
static inline __attribute__((always_inline)) plain_node *
plain_alloc(bench_trees *t) {
  plain_node *node;
  if (t->kind == BENCH_TREE_BOEHM) {
    node = GC_MALLOC(sizeof *node); /* zeroed */
  } else {
    node = malloc(sizeof *node);
    if (node) node->left = node->right = NULL;
  }
  if (__builtin_expect(!node, 0)) die(t, "allocating a node");
  return node;
}

static plain_node *plain_bottom_up(bench_trees *t, int depth) {
  if (depth <= 0) return plain_alloc(t);
  plain_node *left = plain_bottom_up(t, depth - 1);
  plain_node *right = plain_bottom_up(t, depth - 1);
  plain_node *node = plain_alloc(t);
  node->left = left;
  node->right = right;
  return node;
}

static void plain_populate(bench_trees *t, int depth, plain_node *node) {
  if (depth <= 0) return;
  node->left = plain_alloc(t);
  node->right = plain_alloc(t);
  plain_populate(t, depth - 1, node->left);
  plain_populate(t, depth - 1, node->right);
}

static long plain_check(const plain_node *node) {
  if (!node->left) return 1;
  return 1 + plain_check(node->left) + plain_check(node->right);
}

static void plain_free(plain_node *node) {
  if (!node) return;
  plain_free(node->left);
  plain_free(node->right);
  free(node);
}

/* --- the interface ------------------------------------------------------------ */

static void boehm_init(void) {
  if (boehm_ready) return;
  GC_INIT();
  boehm_ready = true;
}

/* gc.h declares this only for a client built with GC_THREADS; the library
 * exports it either way (0 when it marks on the calling thread alone). */
GC_API int GC_CALL GC_get_parallel(void);

void bench_trees_print_config(const bench_options *options) {
  bench_helpers helpers = bench_helpers_for(options);
  boehm_init();
  static const char *sweepings[] = {"atomic (in the pause)",
                                    "lazy (after the pause, by allocation)",
                                    "concurrent (one sweeper thread beside "
                                    "lazy sweeping)"};
  printf("script heap: nursery from 1 MiB, adapting to survival up to an "
         "eighth of the heap (at most 16 MiB), on top of it, "
         "up to %d scavenger helper thread(s) (one per 512 KiB the last "
         "scavenge copied), %d helper thread(s) marking in each full "
         "collection's pause; both heaps' sweeping %s; Boehm GC: %d marker "
         "thread(s) as built here\n",
         helpers.scavenger, helpers.marking,
         sweepings[helpers.sweeping >= 0 && helpers.sweeping <= 2 ? helpers.sweeping : 0],
         GC_get_parallel() + 1);
}

bench_trees *bench_trees_open(bench_tree_kind kind, bool with_ints,
                              size_t heap_bytes, bench_helpers helpers) {
  bench_trees *t = calloc(1, sizeof *t);
  t->kind = kind;
  t->with_ints = with_ints;
  if (kind == BENCH_TREE_SCRIPT || kind == BENCH_TREE_DOM) {
    bench_heaps_open(&t->heaps, kind == BENCH_TREE_SCRIPT ? heap_bytes : 0,
                     kind == BENCH_TREE_DOM ? heap_bytes : 0, helpers);
    blinkish_type_info node = {"TreeNode", trace_dom_node, NULL, 0};
    t->node_type = blinkish_register_type(t->heaps.dom, &node);
    blinkish_type_info doubles = {"DoubleArray", NULL, NULL, 0};
    t->doubles_type = blinkish_register_type(t->heaps.dom, &doubles);
    if (kind == BENCH_TREE_DOM) {
      for (int i = 0; i < BENCH_TREE_SLOTS; i++)
        t->dom_slots[i] = blinkish_persistent_new(t->heaps.dom, NULL, false);
      for (int d = 0; d <= BENCH_TREE_MAX_DEPTH; d++) {
        t->dom_left[d] = blinkish_persistent_new(t->heaps.dom, NULL, false);
        t->dom_right[d] = blinkish_persistent_new(t->heaps.dom, NULL, false);
      }
    } else {
      v8ish_handle_scope scope;
      v8ish_handle_scope_open(t->heaps.script, &scope);
      for (int i = 0; i < BENCH_TREE_SLOTS; i++)
        t->script_slots[i] =
            v8ish_global_new(t->heaps.script, v8ish_integer(t->heaps.script, 0), false);
      v8ish_handle_scope_close(&scope);
    }
  } else if (kind == BENCH_TREE_BOEHM) {
    boehm_init();
    /* The same method where Boehm allows it: start with the sized heap.
     * Boehm grows past it when it must (its heap size is reported). */
    size_t now = GC_get_heap_size();
    if (heap_bytes > now) GC_expand_hp(heap_bytes - now);
    t->boehm_gc_start = GC_get_gc_no();
  }
  return t;
}

void bench_trees_build(bench_trees *t, int slot, int depth, bool top_down) {
  if (depth > BENCH_TREE_MAX_DEPTH) depth = BENCH_TREE_MAX_DEPTH;
  switch (t->kind) {
  case BENCH_TREE_SCRIPT: {
    v8ish_heap *h = t->heaps.script;
    v8ish_handle_scope scope;
    v8ish_handle_scope_open(h, &scope);
    v8ish_local root;
    if (top_down) {
      root = script_node(t);
      script_populate(t, depth, root);
    } else {
      t->script_zero = v8ish_integer(h, 0);
      root = script_bottom_up(t, depth);
    }
    v8ish_global_set(h, t->script_slots[slot], root);
    v8ish_handle_scope_close(&scope);
    break;
  }
  case BENCH_TREE_DOM: {
    blinkish_heap *h = t->heaps.dom;
    if (top_down) {
      dom_node *root = dom_alloc(t);
      blinkish_persistent_set(h, t->dom_slots[slot], root);
      dom_populate(t, depth, root);
    } else {
      blinkish_persistent_set(h, t->dom_slots[slot], dom_bottom_up(t, depth));
      for (int d = 0; d <= depth; d++) { /* no stale subtrees kept alive */
        blinkish_persistent_set(h, t->dom_left[d], NULL);
        blinkish_persistent_set(h, t->dom_right[d], NULL);
      }
    }
    break;
  }
  default: {
    plain_node *root;
    if (top_down) {
      root = plain_alloc(t);
      plain_populate(t, depth, root);
    } else {
      root = plain_bottom_up(t, depth);
    }
    if (t->kind == BENCH_TREE_BOEHM)
      boehm_roots[slot] = root;
    else
      t->plain_slots[slot] = root;
  }
  }
}

long bench_trees_check(bench_trees *t, int slot) {
  switch (t->kind) {
  case BENCH_TREE_SCRIPT: {
    v8ish_heap *h = t->heaps.script;
    v8ish_handle_scope scope;
    v8ish_handle_scope_open(h, &scope);
    v8ish_local root = v8ish_global_get(h, t->script_slots[slot]);
    long count = v8ish_is_integer(h, root) ? 0
                                           : script_check(h, v8ish_raw_of(h, root));
    v8ish_handle_scope_close(&scope);
    return count;
  }
  case BENCH_TREE_DOM: {
    dom_node *root = blinkish_persistent_get(t->dom_slots[slot]);
    return root ? dom_check(root) : 0;
  }
  case BENCH_TREE_BOEHM:
    return boehm_roots[slot] ? plain_check(boehm_roots[slot]) : 0;
  default:
    return t->plain_slots[slot] ? plain_check(t->plain_slots[slot]) : 0;
  }
}

void bench_trees_drop(bench_trees *t, int slot) {
  switch (t->kind) {
  case BENCH_TREE_SCRIPT: {
    v8ish_handle_scope scope;
    v8ish_handle_scope_open(t->heaps.script, &scope);
    v8ish_global_set(t->heaps.script, t->script_slots[slot],
                     v8ish_integer(t->heaps.script, 0));
    v8ish_handle_scope_close(&scope);
    break;
  }
  case BENCH_TREE_DOM: blinkish_persistent_set(t->heaps.dom, t->dom_slots[slot], NULL); break;
  case BENCH_TREE_BOEHM: boehm_roots[slot] = NULL; break;
  default:
    /* Slot 3 holds the doubles (a single block); the others trees. */
    if (slot == BENCH_TREE_DOUBLES_SLOT)
      free(t->plain_slots[slot]);
    else
      plain_free(t->plain_slots[slot]);
    t->plain_slots[slot] = NULL;
  }
}

bool bench_trees_doubles(bench_trees *t, size_t n) {
  int slot = BENCH_TREE_DOUBLES_SLOT;
  switch (t->kind) {
  case BENCH_TREE_SCRIPT: {
    v8ish_heap *h = t->heaps.script;
    v8ish_handle_scope scope;
    v8ish_handle_scope_open(h, &scope);
    v8ish_local array;
    for (;;) {
      bench_heaps_safepoint(&t->heaps);
      array = v8ish_double_array_new(h, n);
      if (!v8ish_local_is_empty(array)) break;
      if (!bench_heaps_retry(&t->heaps)) die(t, "allocating the doubles");
    }
    for (size_t i = 0; i < n / 2; i++)
      v8ish_double_array_set(h, array, i, 1.0 / (double)i);
    v8ish_global_set(h, t->script_slots[slot], array);
    bool ok = n <= 1000 || v8ish_double_array_get(h, array, 1000) == 1.0 / 1000;
    v8ish_handle_scope_close(&scope);
    return ok;
  }
  case BENCH_TREE_DOM: {
    double *array;
    for (;;) {
      bench_heaps_safepoint(&t->heaps);
      array = blinkish_alloc(t->heaps.dom, t->doubles_type, n * sizeof(double));
      if (array) break;
      if (!bench_heaps_retry(&t->heaps)) die(t, "allocating the doubles");
    }
    blinkish_persistent_set(t->heaps.dom, t->dom_slots[slot], array);
    for (size_t i = 0; i < n / 2; i++) array[i] = 1.0 / (double)i;
    return n <= 1000 || array[1000] == 1.0 / 1000;
  }
  default: {
    double *array = t->kind == BENCH_TREE_BOEHM ? GC_MALLOC_ATOMIC(n * sizeof(double))
                                                : malloc(n * sizeof(double));
    if (!array) die(t, "allocating the doubles");
    for (size_t i = 0; i < n / 2; i++) array[i] = 1.0 / (double)i;
    if (t->kind == BENCH_TREE_BOEHM)
      boehm_roots[slot] = array;
    else
      t->plain_slots[slot] = array;
    return n <= 1000 || array[1000] == 1.0 / 1000;
  }
  }
}

void bench_trees_close(bench_trees *t, bench_tree_stats *out) {
  *out = (bench_tree_stats){0};
  for (int i = 0; i < BENCH_TREE_SLOTS; i++) bench_trees_drop(t, i);
  switch (t->kind) {
  case BENCH_TREE_SCRIPT:
  case BENCH_TREE_DOM: {
    out->gc_count = t->heaps.gc_count;
    out->gc_ms = t->heaps.gc_ms;
    size_t committed = bench_heaps_committed(&t->heaps);
    out->peak_heap_bytes =
        committed > t->heaps.peak_committed ? committed : t->heaps.peak_committed;
    out->limit_bytes = t->kind == BENCH_TREE_SCRIPT ? t->heaps.script_limit
                                                    : t->heaps.dom_limit;
    if (t->kind == BENCH_TREE_DOM) {
      for (int i = 0; i < BENCH_TREE_SLOTS; i++)
        blinkish_persistent_free(t->heaps.dom, t->dom_slots[i]);
      for (int d = 0; d <= BENCH_TREE_MAX_DEPTH; d++) {
        blinkish_persistent_free(t->heaps.dom, t->dom_left[d]);
        blinkish_persistent_free(t->heaps.dom, t->dom_right[d]);
      }
    } else {
      for (int i = 0; i < BENCH_TREE_SLOTS; i++)
        v8ish_global_free(t->heaps.script, t->script_slots[i]);
    }
    bench_heaps_close(&t->heaps);
    break;
  }
  case BENCH_TREE_BOEHM:
    out->gc_count = GC_get_gc_no() - t->boehm_gc_start;
    out->peak_heap_bytes = GC_get_heap_size();
    break;
  default: break;
  }
  free(t);
}

size_t bench_trees_node_bytes(bench_tree_kind kind, bool with_ints) {
  switch (kind) {
  case BENCH_TREE_SCRIPT:
  case BENCH_TREE_DOM: {
    /* Measured, not assumed: the used bytes one node adds (header and
     * size-class rounding included). */
    bench_trees *t = bench_trees_open(kind, with_ints, 0, (bench_helpers){0, 0, CCGC_SWEEP_ATOMIC});
    ccgc_heap_stats before, after;
    if (kind == BENCH_TREE_SCRIPT) {
      v8ish_heap_stats(t->heaps.script, &before);
      v8ish_handle_scope scope;
      v8ish_handle_scope_open(t->heaps.script, &scope);
      script_node(t);
      v8ish_handle_scope_close(&scope);
      v8ish_heap_stats(t->heaps.script, &after);
    } else {
      blinkish_heap_stats(t->heaps.dom, &before);
      dom_alloc(t);
      blinkish_heap_stats(t->heaps.dom, &after);
    }
    bench_tree_stats ignored;
    bench_trees_close(t, &ignored);
    return after.used_bytes - before.used_bytes;
  }
  case BENCH_TREE_BOEHM: {
    boehm_init();
    void *p = GC_MALLOC(sizeof(plain_node));
    return GC_size(p);
  }
  default: {
    void *p = malloc(sizeof(plain_node));
    size_t size = malloc_usable_size(p) + sizeof(size_t); /* + its header */
    free(p);
    return size;
  }
  }
}

void bench_trees_print_rows(double mult, const bench_tree_kind order[3],
                            const bench_tree_run runs[3],
                            const bench_tree_run *malloc_run) {
  char label[16];
  snprintf(label, sizeof label, "%.1fx", mult);
  for (int i = 0; i < 3; i++) {
    const bench_tree_run *r = &runs[i];
    double limit = (order[i] == BENCH_TREE_BOEHM ? r->stats.peak_heap_bytes
                                                 : r->stats.limit_bytes) / 1048576.0;
    char gc_ms[16] = "-";
    if (order[i] != BENCH_TREE_BOEHM) snprintf(gc_ms, sizeof gc_ms, "%.1f", r->stats.gc_ms);
    printf("%-6s %-7s %9.1f %10.1f %6zu %9s %10.2f %10.2f\n", label,
           bench_tree_kind_name(order[i]), limit, r->ms, r->stats.gc_count, gc_ms,
           r->ms / malloc_run->ms, r->ms / runs[0].ms);
  }
  for (int i = 0; i < 3; i++) {
    printf("ratio %s / malloc at %.1fx: %.2f\n", bench_tree_kind_name(order[i]), mult,
           runs[i].ms / malloc_run->ms);
    if (i)
      printf("ratio %s / boehm at %.1fx: %.2f\n", bench_tree_kind_name(order[i]), mult,
             runs[i].ms / runs[0].ms);
  }
}
