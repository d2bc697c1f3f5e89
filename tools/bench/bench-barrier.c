/* bench-barrier.c - `ccgc bench barrier`: the write barrier's fast path.
 * Three mutators, each compiled twice from one body: with ccgc_write_barrier
 * after every reference store (the code every heap runs) and with no barrier
 * code at all. Marking is off, as for most of a program's life. Printed:
 * both versions' times and throughput, and their ratio, per mutator.
 *
 *   store loop  nothing but stores (a load, a store, the loop: about two
 *               cycles a store), so every instruction of the barrier shows:
 *               the barrier's worst case, not a program.
 *   splay       V8's Octane Splay operations on a splay tree of heap
 *               objects: insert a random key, remove a neighbour (top-down
 *               splaying: every rotation and link is a reference store,
 *               about one store per five instructions, and most of them
 *               store NULL or a value the branch cannot predict).
 *   trees       GCBench's Populate and a walk: a tree built top-down from
 *               a pool of nodes (each node a bump and two stores), then
 *               walked to count it.
 *
 * The objects are real heap objects: the barrier reads the value's page
 * flags (is the value young, or is a cycle marking? only then is the
 * holder's page read), so plain malloc'd memory would not do. They are DOM
 * heap objects, which are never young: the stores are old-to-old, the
 * common case, and nothing is recorded. No collection runs during the
 * loops (the types trace nothing; nothing is allocated once they start). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "bench.h"
#include "ccgc-heap.h"

#define ALWAYS_INLINE static inline __attribute__((always_inline))

/* --- the store loop ------------------------------------------------------- */

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

/* --- the mutators' nodes and their stores --------------------------------- */

typedef struct bench_node {
  intptr_t key;
  struct bench_node *left, *right;
  intptr_t value;
} bench_node;

/* How a mutator's body stores a reference: plain, plain and barriered, or
 * plain and counted (an untimed run that counts the stores). */
typedef enum { STORE_PLAIN, STORE_BARRIER, STORE_COUNT } store_mode;

typedef struct mutator {
  ccgc_barrier *barrier;
  bench_node **pool; /* count nodes, in allocation order */
  size_t count;
  bench_node *root, *header;
  uint64_t rng;
  int pool_depth; /* the trees' depth: the pool holds one tree */
  size_t stores;  /* STORE_COUNT's tally */
} mutator;

ALWAYS_INLINE void store_ref(mutator *m, bench_node *holder, bench_node **slot,
                             bench_node *value, store_mode mode) {
  __atomic_store_n(slot, value, __ATOMIC_RELAXED);
  if (mode == STORE_BARRIER) ccgc_write_barrier(m->barrier, holder, slot, value);
  if (mode == STORE_COUNT) m->stores++;
}

#define SET_LEFT(m, n, v, mode) store_ref(m, n, &(n)->left, v, mode)
#define SET_RIGHT(m, n, v, mode) store_ref(m, n, &(n)->right, v, mode)

static inline intptr_t next_key(mutator *m) {
  m->rng = m->rng * 6364136223846793005ull + 1442695040888963407ull;
  return (intptr_t)(m->rng >> 33);
}

/* --- splay (Sleator and Tarjan's top-down splay, as Octane's Splay) -------- */

ALWAYS_INLINE bench_node *splay(mutator *m, bench_node *t, intptr_t key,
                                store_mode mode) {
  bench_node *n = m->header, *l = n, *r = n, *y;
  SET_LEFT(m, n, NULL, mode);
  SET_RIGHT(m, n, NULL, mode);
  for (;;) {
    if (key < t->key) {
      if (!t->left) break;
      if (key < t->left->key) { /* rotate right */
        y = t->left;
        SET_LEFT(m, t, y->right, mode);
        SET_RIGHT(m, y, t, mode);
        t = y;
        if (!t->left) break;
      }
      SET_LEFT(m, r, t, mode); /* link right */
      r = t;
      t = t->left;
    } else if (key > t->key) {
      if (!t->right) break;
      if (key > t->right->key) { /* rotate left */
        y = t->right;
        SET_RIGHT(m, t, y->left, mode);
        SET_LEFT(m, y, t, mode);
        t = y;
        if (!t->right) break;
      }
      SET_RIGHT(m, l, t, mode); /* link left */
      l = t;
      t = t->right;
    } else {
      break;
    }
  }
  SET_RIGHT(m, l, t->left, mode); /* assemble */
  SET_LEFT(m, r, t->right, mode);
  SET_LEFT(m, t, n->right, mode);
  SET_RIGHT(m, t, n->left, mode);
  return t;
}

/* One operation: a random key is inserted and a node removed, as Splay's
 * insert-then-remove keeps its tree's size; here the removed node (the
 * key's neighbour, which the splay brought to the root) is the one that
 * takes the new key, so nothing is allocated. */
ALWAYS_INLINE void splay_ops(mutator *m, size_t ops, store_mode mode) {
  bench_node *root = m->root;
  for (size_t i = 0; i < ops; i++) {
    intptr_t key = next_key(m);
    root = splay(m, root, key, mode);
    if (root->key == key) continue;
    bench_node *moved = root, *rest = moved->right;
    if (moved->left) {
      rest = splay(m, moved->left, moved->key, mode); /* its largest key */
      SET_RIGHT(m, rest, moved->right, mode);
    }
    moved->key = key;
    moved->value++;
    if (rest) {
      rest = splay(m, rest, key, mode);
      if (key < rest->key) {
        SET_LEFT(m, moved, rest->left, mode);
        SET_RIGHT(m, moved, rest, mode);
        SET_LEFT(m, rest, NULL, mode);
      } else {
        SET_RIGHT(m, moved, rest->right, mode);
        SET_LEFT(m, moved, rest, mode);
        SET_RIGHT(m, rest, NULL, mode);
      }
    } else {
      SET_LEFT(m, moved, NULL, mode);
      SET_RIGHT(m, moved, NULL, mode);
    }
    root = moved;
  }
  m->root = root;
}

/* --- trees (GCBench's Populate, then a walk) ------------------------------ */

#define TREE_STACK 64 /* deeper than any tree here */

ALWAYS_INLINE bench_node *tree_take(mutator *m, size_t *next) {
  bench_node *node = m->pool[(*next)++];
  node->key = (intptr_t)*next;
  return node;
}

/* The walk is one function for both versions (it stores nothing): the
 * compiler cannot lay it out differently in each. */
__attribute__((noinline)) static size_t tree_walk(const bench_node *root) {
  const bench_node *walk[TREE_STACK];
  int top = 0;
  size_t count = 0;
  walk[top++] = root;
  while (top > 0) {
    const bench_node *node = walk[--top];
    count++;
    if (node->left) {
      walk[top++] = node->right;
      walk[top++] = node->left;
    }
  }
  return count;
}

/* A complete tree of `depth` from the pool, built top-down (each node's
 * children taken and stored, then built), then walked: its node count. */
ALWAYS_INLINE size_t tree_build_and_walk(mutator *m, int depth, store_mode mode) {
  struct {
    bench_node *node;
    int depth;
  } stack[TREE_STACK];
  int top = 0;
  size_t next = 0;
  bench_node *root = tree_take(m, &next);
  stack[top].node = root;
  stack[top++].depth = depth;
  while (top > 0) {
    bench_node *node = stack[--top].node;
    int d = stack[top].depth;
    if (d == 0) {
      SET_LEFT(m, node, NULL, mode);
      SET_RIGHT(m, node, NULL, mode);
      continue;
    }
    bench_node *left = tree_take(m, &next), *right = tree_take(m, &next);
    SET_LEFT(m, node, left, mode);
    SET_RIGHT(m, node, right, mode);
    stack[top].node = right;
    stack[top++].depth = d - 1;
    stack[top].node = left;
    stack[top++].depth = d - 1;
  }
  return tree_walk(root);
}

ALWAYS_INLINE size_t trees_run(mutator *m, int depth, size_t trees,
                               store_mode mode) {
  size_t nodes = 0;
  for (size_t i = 0; i < trees; i++) nodes += tree_build_and_walk(m, depth, mode);
  return nodes;
}

/* --- the timed versions ---------------------------------------------------- */

#define TIMED(name, body)                                                      \
  __attribute__((noinline)) static double name(mutator *m, size_t n,         \
                                               size_t *result) {              \
    double start = ccgc_time_ms();                                             \
    *result = body;                                                            \
    return ccgc_time_ms() - start;                                             \
  }

static inline size_t splay_result(mutator *m) { return (size_t)m->root->key; }

TIMED(splay_plain, (splay_ops(m, n, STORE_PLAIN), splay_result(m)))
TIMED(splay_barrier, (splay_ops(m, n, STORE_BARRIER), splay_result(m)))
TIMED(splay_count, (splay_ops(m, n, STORE_COUNT), splay_result(m)))
TIMED(trees_plain, trees_run(m, m->pool_depth, n, STORE_PLAIN))
TIMED(trees_barrier, trees_run(m, m->pool_depth, n, STORE_BARRIER))
TIMED(trees_count, trees_run(m, m->pool_depth, n, STORE_COUNT))

/* --- setup and checks ------------------------------------------------------ */

/* The splay tree: keys spread over the key range in a random order of the
 * nodes (so neighbours in key order are not neighbours in memory), built
 * balanced. */
static bench_node *splay_build(mutator *m, size_t lo, size_t hi, intptr_t step,
                               bench_node **by_key) {
  if (lo >= hi) return NULL;
  size_t mid = lo + (hi - lo) / 2;
  bench_node *node = by_key[mid];
  node->key = (intptr_t)mid * step;
  node->left = splay_build(m, lo, mid, step, by_key);
  node->right = splay_build(m, mid + 1, hi, step, by_key);
  return node;
}

/* The splay tree's nodes in key order, counted: still every node, in order? */
static bool splay_valid(const mutator *m, size_t expected) {
  bench_node **stack = malloc((expected + 1) * sizeof *stack);
  if (!stack) return false;
  size_t top = 0, count = 0;
  bool ordered = true, first = true;
  intptr_t last = 0;
  bench_node *node = m->root;
  while ((node || top) && count <= expected) {
    while (node && top <= expected) {
      stack[top++] = node;
      node = node->left;
    }
    if (top == 0) break;
    node = stack[--top];
    if (!first && node->key <= last) ordered = false;
    first = false;
    last = node->key;
    count++;
    node = node->right;
  }
  free(stack);
  return ordered && count == expected;
}

typedef struct pair_result {
  double plain_ms, barrier_ms; /* best of the trials */
  double stores_per_op;
  bool ok;
} pair_result;

typedef double (*timed_fn)(mutator *, size_t, size_t *);

/* Best of `trials` runs of each version, alternating which goes first;
 * every run's result must be `expected` (0: not checked here). */
static void time_pair(mutator *m, timed_fn plain, timed_fn barrier, size_t n,
                      int trials, size_t expected, pair_result *out) {
  out->plain_ms = out->barrier_ms = 1e300;
  out->ok = true;
  for (int trial = 0; trial < trials; trial++) {
    size_t a, b;
    double p, w;
    if (trial % 2) {
      w = barrier(m, n, &b);
      p = plain(m, n, &a);
    } else {
      p = plain(m, n, &a);
      w = barrier(m, n, &b);
    }
    if (expected && (a != expected || b != expected)) out->ok = false;
    if (p < out->plain_ms) out->plain_ms = p;
    if (w < out->barrier_ms) out->barrier_ms = w;
  }
}

static void print_pair(const char *name, const pair_result *r) {
  printf("%-34s %9.1f %13.1f %12.1f %7.3f\n", name, r->stores_per_op,
         r->plain_ms, r->barrier_ms, r->plain_ms / r->barrier_ms);
}

static void json_pair(ccgc_json_writer *json, const char *prefix,
                      const pair_result *r) {
  char name[64];
  snprintf(name, sizeof name, "%s_no_barrier_ms", prefix);
  ccgc_json_writer_member_fixed(json, name, r->plain_ms, 3);
  snprintf(name, sizeof name, "%s_barrier_ms", prefix);
  ccgc_json_writer_member_fixed(json, name, r->barrier_ms, 3);
  snprintf(name, sizeof name, "%s_ratio", prefix);
  ccgc_json_writer_member_fixed(json, name, r->plain_ms / r->barrier_ms, 4);
  snprintf(name, sizeof name, "%s_stores_per_op", prefix);
  ccgc_json_writer_member_fixed(json, name, r->stores_per_op, 2);
}

/* --- the benchmark --------------------------------------------------------- */

static void **alloc_all(blinkish_heap *heap, blinkish_type_id type,
                        size_t count, size_t size) {
  void **objects = calloc(count, sizeof *objects);
  for (size_t i = 0; objects && i < count; i++)
    if (!(objects[i] = blinkish_alloc(heap, type, size))) {
      free(objects);
      return NULL;
    }
  return objects;
}

int ccgc_bench_barrier(const bench_options *options) {
  ccgc_collector *collector = ccgc_collector_new(NULL);
  ccgc_barrier *barrier = ccgc_collector_barrier(collector);
  blinkish_heap_options heap_options = {.limit_bytes = 0};
  blinkish_heap *heap = blinkish_heap_new(collector, &heap_options);
  blinkish_type_id holder_type =
      blinkish_register_type(heap, &(blinkish_type_info){.name = "BarrierHolder"});
  blinkish_type_id value_type =
      blinkish_register_type(heap, &(blinkish_type_info){.name = "BarrierValue"});
  blinkish_type_id node_type =
      blinkish_register_type(heap, &(blinkish_type_info){.name = "BarrierNode"});
  bool quick = options->quick;
  store_target t;
  t.count = 1 << 16;
  t.slots = blinkish_alloc(heap, holder_type, t.count * sizeof(void *));
  t.values = alloc_all(heap, value_type, t.count, 16);
  /* The splay tree and the trees' pool are the same nodes: the trees run
   * after the splay tree is checked. */
  int depth = quick ? 14 : 16;
  size_t splay_nodes = quick ? (size_t)1 << 14 : (size_t)1 << 16;
  size_t tree_nodes = ((size_t)2 << depth) - 1;
  size_t node_count = (splay_nodes > tree_nodes ? splay_nodes : tree_nodes) + 1;
  mutator m = {.barrier = barrier, .rng = 0x5eed, .pool_depth = depth};
  m.pool = (bench_node **)alloc_all(heap, node_type, node_count, sizeof(bench_node));
  bench_node **by_key = malloc(splay_nodes * sizeof *by_key);
  if (!t.slots || !t.values || !m.pool || !by_key) {
    fprintf(stderr, "ccgc bench barrier: cannot allocate the store targets\n");
    free(t.values);
    free(m.pool);
    free(by_key);
    blinkish_heap_free(heap);
    ccgc_collector_free(collector);
    return 1;
  }
  m.header = m.pool[node_count - 1];
  m.count = node_count - 1;
  for (size_t i = 0; i < splay_nodes; i++) by_key[i] = m.pool[i];
  for (size_t i = 0; i + 1 < splay_nodes; i++) { /* shuffle */
    size_t j = i + (size_t)next_key(&m) % (splay_nodes - i);
    bench_node *swap = by_key[i];
    by_key[i] = by_key[j];
    by_key[j] = swap;
  }
  m.root = splay_build(&m, 0, splay_nodes, ((intptr_t)1 << 31) / (intptr_t)splay_nodes,
                       by_key);
  free(by_key);

  size_t rounds = quick ? 200 : 2000;
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

  /* Many short trials, alternated: the best of each version is the one a
   * noisy machine disturbed least. */
  int trials = quick ? 5 : 25;
  size_t splay_ops_n = quick ? 20000 : 100000, trees = quick ? 2 : 10;
  size_t result;
  pair_result splay_r = {0}, trees_r = {0};
  m.stores = 0;
  splay_count(&m, splay_ops_n, &result);
  splay_r.stores_per_op = (double)m.stores / (double)splay_ops_n;
  time_pair(&m, splay_plain, splay_barrier, splay_ops_n, trials, 0, &splay_r);
  splay_r.ok = splay_valid(&m, splay_nodes);
  m.stores = 0;
  trees_count(&m, 1, &result);
  trees_r.stores_per_op = (double)m.stores / (double)tree_nodes;
  bool counted = result == tree_nodes;
  time_pair(&m, trees_plain, trees_barrier, trees, trials, trees * tree_nodes, &trees_r);
  trees_r.ok = trees_r.ok && counted;
  printf("\n%-34s %9s %13s %12s %7s\n", "mutator (marking off)", "stores/op",
         "no barrier ms", "barrier ms", "ratio");
  char name[64];
  snprintf(name, sizeof name, "splay (%zu nodes, %zu ops)", splay_nodes, splay_ops_n);
  print_pair(name, &splay_r);
  snprintf(name, sizeof name, "trees (depth %d, %zu trees)", depth, trees);
  print_pair(name, &trees_r);
  printf("(stores/op: reference stores per splay operation, per tree node; "
         "best of %d trials each)\n", trials);
  printf("ratio splay with barrier / without: %.3f\n",
         splay_r.plain_ms / splay_r.barrier_ms);
  printf("ratio trees with barrier / without: %.3f\n",
         trees_r.plain_ms / trees_r.barrier_ms);
  bool ok = splay_r.ok && trees_r.ok;
  printf("checks (the splay tree holds every node in key order; every tree "
         "counts its nodes): %s\n", ok ? "ok" : "FAILED");
  if (options->json) {
    ccgc_json_writer *json = options->json;
    ccgc_json_writer_begin_object(json);
    ccgc_json_writer_member_string(json, "bench", "barrier");
    ccgc_json_writer_member_fixed(json, "no_barrier_ms", best_without, 3);
    ccgc_json_writer_member_fixed(json, "barrier_ms", best_with, 3);
    ccgc_json_writer_member_fixed(json, "throughput_ratio", best_without / best_with, 4);
    json_pair(json, "splay", &splay_r);
    json_pair(json, "trees", &trees_r);
    ccgc_json_writer_end_object(json);
  }
  free(t.values);
  free(m.pool);
  blinkish_heap_free(heap);
  ccgc_collector_free(collector);
  if (!ok) fprintf(stderr, "ccgc bench barrier: a mutator's check failed\n");
  return ok ? 0 : 1;
}
