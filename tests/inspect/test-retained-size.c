/* test-retained-size.c - dominator-based retained sizes (ccgc_retained_size)
 * over mock heaps: graphs where dominance differs from reachability (a
 * diamond, two roots, a cycle, a shortcut past a long chain), ephemerons
 * (the value is retained by the table once the key is reachable), weak
 * edges (retain nothing), errors; and random two-heap graphs checked against
 * the definition, computed independently: x's retained set is x plus every
 * object that no longer is reachable from the roots when x is removed. Large
 * graphs: a DOM-like sibling list of 100,000 children (the iterative
 * data-flow dominators once took a number of rounds that grows with the
 * list, each as long: cubic, hours for this list, so the test timed out)
 * and a chain of a million objects (a million-deep depth-first search: no
 * recursion on the C stack). No timing is asserted: a superlinear algorithm
 * fails by the check timeout. */
#include <check.h>
#include <glib.h>
#include <stdlib.h>
#include <string.h>

#include "ccgc-probe.h"
#include "ccgc-test.h"
#include "mock-world.h"

typedef mock_world world;

static world make_world(void) {
  return mock_world_new(&(ccgc_collector_options){.verify = true});
}

static void free_world(world *w) { mock_world_free(w); }

static size_t size_of(world *w, void *object) {
  ccgc_object_info info;
  ck_assert_int_eq(ccgc_collector_object_info(w->collector, object, &info), CCGC_OK);
  return info.size;
}

static void assert_retains(world *w, void *object, void *const *expected, size_t count) {
  size_t bytes = 0, objects = 0, want = 0;
  for (size_t i = 0; i < count; i++) want += size_of(w, expected[i]);
  ck_assert_int_eq(ccgc_retained_size(w->collector, object, &bytes, &objects), CCGC_OK);
  ck_assert_uint_eq(objects, count);
  ck_assert_uint_eq(bytes, want);
}

#define RETAINS(w, object, ...)                                                  \
  do {                                                                           \
    void *const expected_[] = {__VA_ARGS__};                                     \
    assert_retains(w, object, expected_, sizeof expected_ / sizeof expected_[0]); \
  } while (0)

START_TEST(diamond_is_dominated_by_neither_side) {
  world w = make_world();
  /* root -> a; a -> b, c (b in the other heap); b -> d, c -> d; d -> e */
  mock_object *a = mock_alloc(w.a, 2), *b = mock_alloc(w.b, 1), *c = mock_alloc(w.a, 1);
  mock_object *d = mock_alloc(w.b, 1), *e = mock_alloc(w.a, 0);
  mock_set(w.a, a, 0, b);
  mock_set(w.a, a, 1, c);
  mock_set(w.b, b, 0, d);
  mock_set(w.a, c, 0, d);
  mock_set(w.b, d, 0, e);
  mock_add_root(w.a, a);
  RETAINS(&w, a, a, b, c, d, e);
  RETAINS(&w, b, b); /* d is reachable through c: b alone keeps only itself */
  RETAINS(&w, c, c);
  RETAINS(&w, d, d, e);
  RETAINS(&w, e, e);
  /* Reachability says otherwise: d is reachable from b. */
  ccgc_path path;
  ck_assert_int_eq(ccgc_retaining_path(w.collector, d, &path), CCGC_OK);
  ck_assert_uint_eq(path.length, 3);
  ccgc_path_free(&path);
  size_t objects = 99;
  ck_assert_int_eq(ccgc_retained_size(w.collector, a, NULL, &objects), CCGC_OK);
  ck_assert_uint_eq(objects, 5);
  free_world(&w);
}
END_TEST

START_TEST(two_roots_and_a_shortcut) {
  world w = make_world();
  /* root -> x -> z, root -> y -> z: z is dominated by the virtual root only.
   * root -> p -> q -> r -> t and root -> t: t is not p's, though the long
   * chain is found first in slot order. */
  mock_object *x = mock_alloc(w.a, 1), *y = mock_alloc(w.b, 1), *z = mock_alloc(w.a, 0);
  mock_object *p = mock_alloc(w.a, 1), *q = mock_alloc(w.b, 1), *r = mock_alloc(w.a, 1);
  mock_object *t = mock_alloc(w.b, 0);
  mock_set(w.a, x, 0, z);
  mock_set(w.b, y, 0, z);
  mock_set(w.a, p, 0, q);
  mock_set(w.b, q, 0, r);
  mock_set(w.a, r, 0, t);
  mock_add_root(w.a, x);
  mock_add_root(w.b, y);
  mock_add_root(w.a, p);
  RETAINS(&w, x, x);
  RETAINS(&w, y, y);
  RETAINS(&w, p, p, q, r, t);
  mock_add_root(w.b, t);
  RETAINS(&w, p, p, q, r);
  RETAINS(&w, t, t);
  free_world(&w);
}
END_TEST

START_TEST(cycles_are_retained_by_their_entry) {
  world w = make_world();
  mock_object *a = mock_alloc(w.a, 1), *b = mock_alloc(w.b, 2), *c = mock_alloc(w.a, 0);
  mock_set(w.a, a, 0, b);
  mock_set(w.b, b, 0, a);
  mock_set(w.b, b, 1, c);
  mock_add_root(w.a, a);
  RETAINS(&w, a, a, b, c);
  RETAINS(&w, b, b, c);
  free_world(&w);
}
END_TEST

START_TEST(ephemeron_values_count_once_the_key_is_reachable) {
  world w = make_world();
  /* table (root) holds key => value; key rooted separately */
  mock_object *table = mock_alloc(w.a, 0), *key = mock_alloc(w.b, 0);
  mock_object *value = mock_alloc(w.a, 1), *behind = mock_alloc(w.b, 0);
  table->eph_key = key;
  table->eph_value = value;
  mock_set(w.a, value, 0, behind);
  mock_add_root(w.a, table);
  /* key unreachable: the value is garbage, so is what it holds */
  RETAINS(&w, table, table);
  size_t bytes = 1, objects = 1;
  ck_assert_int_eq(ccgc_retained_size(w.collector, value, &bytes, &objects),
                   CCGC_E_INVALID_ARGUMENT);
  ck_assert_uint_eq(bytes, 0);
  ck_assert_uint_eq(objects, 0);
  mock_add_root(w.b, key);
  RETAINS(&w, table, table, value, behind);
  RETAINS(&w, key, key); /* the value hangs off the table's edge */
  RETAINS(&w, value, value, behind);
  free_world(&w);
}
END_TEST

START_TEST(weak_edges_retain_nothing) {
  world w = make_world();
  mock_object *a = mock_alloc(w.a, 1), *p = mock_alloc(w.b, 1), *q = mock_alloc(w.a, 0);
  mock_object *only_weak = mock_alloc(w.b, 0);
  mock_set(w.b, p, 0, q);
  a->weak = q;
  mock_add_root(w.a, a);
  mock_add_root(w.b, p);
  RETAINS(&w, p, p, q); /* a's weak slot to q does not share q */
  RETAINS(&w, a, a);
  a->weak = only_weak;
  ck_assert_int_eq(ccgc_retained_size(w.collector, only_weak, NULL, NULL),
                   CCGC_E_INVALID_ARGUMENT);
  int local;
  ck_assert_int_eq(ccgc_retained_size(w.collector, &local, NULL, NULL), CCGC_E_FOREIGN_POINTER);
  ck_assert(strstr(ccgc_collector_last_error(w.collector)->message, "ccgc_retained_size"));
  free_world(&w);
}
END_TEST

/* --- random graphs against the definition ----------------------------------------- */

#define NODES 48
#define SLOTS 3

/* Objects reachable from the roots in the test's own copy of the graph,
 * without `removed`. */
static void reach_without(mock_object **nodes, const bool *rooted, int removed, bool *seen) {
  int stack[NODES * (SLOTS + 1)], top = 0;
  memset(seen, 0, NODES * sizeof *seen);
  for (int i = 0; i < NODES; i++)
    if (rooted[i] && i != removed) {
      seen[i] = true;
      stack[top++] = i;
    }
  while (top) {
    mock_object *object = nodes[stack[--top]];
    for (unsigned s = 0; s < object->slot_count; s++)
      for (int j = 0; j < NODES; j++)
        if (object->slots[s] == nodes[j] && j != removed && !seen[j]) {
          seen[j] = true;
          stack[top++] = j;
        }
  }
}

START_TEST(random_graphs_match_the_definition) {
  for (unsigned seed = 1; seed <= 200; seed++) {
    world w = make_world();
    GRand *rand = g_rand_new_with_seed(seed);
    mock_object *nodes[NODES];
    bool rooted[NODES] = {false};
    for (int i = 0; i < NODES; i++)
      nodes[i] = mock_alloc(i % 2 ? w.b : w.a, (unsigned)g_rand_int_range(rand, 0, SLOTS + 1));
    for (int i = 0; i < NODES; i++) {
      for (unsigned s = 0; s < nodes[i]->slot_count; s++)
        if (g_rand_int_range(rand, 0, 4) != 0)
          mock_set(i % 2 ? w.b : w.a, nodes[i], s, nodes[g_rand_int_range(rand, 0, NODES)]);
      if (g_rand_int_range(rand, 0, 10) == 0) {
        rooted[i] = true;
        mock_add_root(i % 2 ? w.b : w.a, nodes[i]);
      }
    }
    bool all[NODES], without[NODES];
    reach_without(nodes, rooted, -1, all);
    for (int x = 0; x < NODES; x++) {
      size_t bytes = 0, objects = 0;
      ccgc_status status = ccgc_retained_size(w.collector, nodes[x], &bytes, &objects);
      if (!all[x]) {
        ck_assert_int_eq(status, CCGC_E_INVALID_ARGUMENT);
        continue;
      }
      ck_assert_int_eq(status, CCGC_OK);
      reach_without(nodes, rooted, x, without);
      size_t want_bytes = 0, want_objects = 0;
      for (int y = 0; y < NODES; y++)
        if (all[y] && (y == x || !without[y])) {
          want_bytes += size_of(&w, nodes[y]);
          want_objects++;
        }
      ck_assert_msg(objects == want_objects && bytes == want_bytes,
                    "seed %u object %d: %zu objects / %zu bytes, want %zu / %zu", seed, x,
                    objects, bytes, want_objects, want_bytes);
    }
    g_rand_free(rand);
    free_world(&w);
  }
}
END_TEST

/* --- large graphs ---------------------------------------------------------------------- */

#define CHILDREN 100000

/* A parent with firstChild and lastChild; each child has nextSibling,
 * previousSibling, parentNode and a text of its own (in the other heap). */
START_TEST(long_sibling_lists) {
  world w = make_world();
  mock_object *parent = mock_alloc(w.b, 2);
  mock_object **child = g_new(mock_object *, CHILDREN);
  for (int i = 0; i < CHILDREN; i++) {
    child[i] = mock_alloc(w.b, 4);
    mock_set(w.b, child[i], 2, parent);
    mock_set(w.b, child[i], 3, mock_alloc(w.a, 0));
    if (i) {
      mock_set(w.b, child[i - 1], 0, child[i]);
      mock_set(w.b, child[i], 1, child[i - 1]);
    }
  }
  mock_set(w.b, parent, 0, child[0]);
  mock_set(w.b, parent, 1, child[CHILDREN - 1]);
  mock_add_root(w.b, parent);
  size_t pair = size_of(&w, child[0]) + size_of(&w, child[0]->slots[3]);
  size_t bytes, objects;
  ck_assert_int_eq(ccgc_retained_size(w.collector, parent, &bytes, &objects), CCGC_OK);
  ck_assert_uint_eq(objects, 1 + 2 * (size_t)CHILDREN);
  ck_assert_uint_eq(bytes, size_of(&w, parent) + CHILDREN * pair);
  /* reachable from both ends: each child keeps only itself and its text */
  const int probes[] = {0, CHILDREN / 2, CHILDREN - 1};
  for (size_t p = 0; p < G_N_ELEMENTS(probes); p++) {
    ck_assert_int_eq(ccgc_retained_size(w.collector, child[probes[p]], &bytes, &objects),
                     CCGC_OK);
    ck_assert_msg(objects == 2 && bytes == pair, "child %d: %zu objects, %zu bytes",
                  probes[p], objects, bytes);
  }
  /* without lastChild, the list hangs from its first child: each child
   * keeps the rest of the list */
  mock_set(w.b, parent, 1, NULL);
  for (size_t p = 0; p < G_N_ELEMENTS(probes); p++) {
    size_t rest = (size_t)(CHILDREN - probes[p]);
    ck_assert_int_eq(ccgc_retained_size(w.collector, child[probes[p]], &bytes, &objects),
                     CCGC_OK);
    ck_assert_msg(objects == 2 * rest && bytes == rest * pair,
                  "child %d: %zu objects, %zu bytes, want %zu", probes[p], objects, bytes,
                  2 * rest);
  }
  g_free(child);
  free_world(&w);
}
END_TEST

#define CHAIN 1000000

/* A million objects in a chain, each pointing at the next and back at the
 * previous one, alternating heaps; then a second root in its middle. */
START_TEST(a_million_object_chain) {
  world w = make_world();
  mock_object **node = g_new(mock_object *, CHAIN);
  for (int i = 0; i < CHAIN; i++) {
    node[i] = mock_alloc(i % 2 ? w.b : w.a, 2);
    if (i) {
      mock_set(i % 2 ? w.a : w.b, node[i - 1], 0, node[i]);
      mock_set(i % 2 ? w.b : w.a, node[i], 1, node[i - 1]);
    }
  }
  mock_add_root(w.a, node[0]);
  size_t each = size_of(&w, node[0]), bytes, objects;
  ck_assert_int_eq(ccgc_retained_size(w.collector, node[CHAIN / 2], &bytes, &objects), CCGC_OK);
  ck_assert_uint_eq(objects, CHAIN - CHAIN / 2);
  ck_assert_uint_eq(bytes, (CHAIN - CHAIN / 2) * each);
  /* a second root past the middle: the first half is reachable backwards
   * from it, the second half only through it */
  mock_add_root(w.b, node[CHAIN / 2 + 1]);
  ck_assert_int_eq(ccgc_retained_size(w.collector, node[CHAIN / 2 + 1], &bytes, &objects),
                   CCGC_OK);
  ck_assert_uint_eq(objects, CHAIN - (CHAIN / 2 + 1));
  g_free(node);
  free_world(&w);
}
END_TEST

int main(void) {
  Suite *suite = suite_create("retained-size");
  TCase *tc = tcase_create("core");
  tcase_add_test(tc, diamond_is_dominated_by_neither_side);
  tcase_add_test(tc, two_roots_and_a_shortcut);
  tcase_add_test(tc, cycles_are_retained_by_their_entry);
  tcase_add_test(tc, ephemeron_values_count_once_the_key_is_reachable);
  tcase_add_test(tc, weak_edges_retain_nothing);
  tcase_add_test(tc, random_graphs_match_the_definition);
  suite_add_tcase(suite, tc);
  /* Near-linear code takes about half a second per computation on the
   * million objects and a few on the siblings; the cubic one took hours on
   * the siblings. 10 s (CK_TIMEOUT_MULTIPLIER scales it: 20 s here, 100 s
   * in sanitizer builds) leaves room for a loaded two-core machine. */
  TCase *large = tcase_create("large");
  tcase_set_timeout(large, 10);
  tcase_add_test(large, long_sibling_lists);
  tcase_add_test(large, a_million_object_chain);
  suite_add_tcase(suite, large);
  return ccgc_test_run(suite);
}
