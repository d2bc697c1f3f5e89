/* test-concurrent-weak-map.c - weak collections under marker threads: the
 * host grows and shrinks a DOM-valued map, a map with external values and a
 * weak set while two helper threads trace their tables (incremental start /
 * step / finish). Every cycle is verified; every rooted key keeps its value
 * with the right contents; every external value is released exactly once
 * (they are malloc'd and freed by release: ASan sees a marker reading one
 * after its release). Labelled "concurrent": ThreadSanitizer runs it too. */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>

#include "dom-test.h"

enum { NODES = 3000, CYCLES = 6, CHAIN = 20000 };

typedef struct ext_value {
  dom_node *target;
  long tag;
} ext_value;

static long ext_live; /* external values allocated and not yet released */

static void *ext_target(void *value, void *data) {
  (void)data;
  /* Written before the value was published (release store of the entry). */
  return ((ext_value *)value)->target;
}

static void ext_release(void *value, void *data) {
  (void)data;
  ext_live--;
  free(value);
}

static const blinkish_external_value_ops ext_ops = {.target = ext_target,
                                                     .release = ext_release};

/* The collections hang at the end of a long chain, so marker threads reach
 * their tables late in the cycle, while the host writes into them. */
typedef struct churn {
  dom_world w;
  dom_node *nodes[NODES];
  void *rooted_keys; /* HeapVector: these keys must keep their entries */
  void *map, *external_map, *set;
  blinkish_persistent *root; /* chain head -> ... -> holder vector */
  unsigned seed;
} churn;

static unsigned next_random(churn *c) {
  c->seed = c->seed * 1103515245u + 12345u;
  return c->seed >> 8;
}

static void churn_init(churn *c, int threads) {
  memset(c, 0, sizeof *c);
  ccgc_collector_options options = {.verify = true, .marker_threads = threads};
  c->w.collector = ccgc_collector_new(&options);
  ccgc_collector_set_step_objects(c->w.collector, 64);
  c->w.heap = blinkish_heap_new(c->w.collector, NULL);
  blinkish_type_info info = {"Node", dom_trace_node, dom_finalize_node, 0};
  c->w.node_type = blinkish_register_type(c->w.heap, &info);
  ccgc_test_capture_errors(c->w.collector, &c->w.errors);
  c->seed = 1234;
  blinkish_heap *heap = c->w.heap;
  c->rooted_keys = blinkish_vector_new(heap, 64);
  c->map = blinkish_weak_map_new(heap);
  c->external_map = blinkish_weak_map_new_external(heap, &ext_ops, NULL);
  c->set = blinkish_weak_set_new(heap);
  void *holder = blinkish_vector_new(heap, 4);
  void *held[4] = {c->rooted_keys, c->map, c->external_map, c->set};
  for (int i = 0; i < 4; i++)
    ck_assert_int_eq(blinkish_vector_append(heap, holder, held[i]), CCGC_OK);
  dom_node *link = dom_new_node(&c->w, -2);
  dom_link(&c->w, link, &link->other, holder);
  for (int i = 0; i < CHAIN; i++) {
    dom_node *before = dom_new_node(&c->w, -2);
    dom_link(&c->w, before, &before->next, link);
    link = before;
  }
  c->root = blinkish_persistent_new(heap, link, false);
}

static void refill(churn *c) {
  for (int i = 0; i < NODES; i++)
    if (!c->nodes[i] || !blinkish_is_object(c->w.heap, c->nodes[i]))
      c->nodes[i] = dom_new_node(&c->w, i);
}

/* Half the values (and targets) are fresh nodes, allocated black while
 * marking runs; the other half are nodes of the pool, maybe white, which only
 * the barrier keeps from being lost. External values carry their key's tag. */
static dom_node *some_value(churn *c) {
  return next_random(c) % 2 ? dom_new_node(&c->w, -1)
                            : c->nodes[next_random(c) % NODES];
}

static void put(churn *c, dom_node *key) {
  blinkish_heap *heap = c->w.heap;
  ck_assert_int_eq(blinkish_weak_map_set(heap, c->map, key, some_value(c)),
                   CCGC_OK);
  ext_value *ext = malloc(sizeof *ext);
  ext->target = some_value(c);
  ext->tag = key->value;
  ext_live++;
  ck_assert_int_eq(blinkish_weak_map_set(heap, c->external_map, key, ext),
                   CCGC_OK);
  ck_assert_int_eq(blinkish_weak_set_add(heap, c->set, key), CCGC_OK);
}

/* Right after the cycle starts: overwrite entries in place (no growth: the
 * same tables the marker threads are about to trace). */
static void overwrite_entries(churn *c) {
  blinkish_heap *heap = c->w.heap;
  for (int i = 0; i < NODES; i++) {
    dom_node *key = c->nodes[i];
    if (!blinkish_weak_map_has(heap, c->external_map, key)) continue;
    ck_assert_int_eq(blinkish_weak_map_set(heap, c->map, key, some_value(c)),
                     CCGC_OK);
    ext_value *ext = malloc(sizeof *ext);
    ext->target = some_value(c);
    ext->tag = key->value;
    ext_live++;
    ck_assert_int_eq(blinkish_weak_map_set(heap, c->external_map, key, ext),
                     CCGC_OK);
  }
}

static void drop(churn *c, dom_node *key) {
  blinkish_weak_map_delete(c->w.heap, c->map, key);
  blinkish_weak_map_delete(c->w.heap, c->external_map, key);
  blinkish_weak_set_delete(c->w.heap, c->set, key);
}

static void mutate(churn *c, int operations) {
  blinkish_heap *heap = c->w.heap;
  for (int op = 0; op < operations; op++) {
    dom_node *key = c->nodes[next_random(c) % NODES];
    switch (next_random(c) % 8) {
    case 0: /* a burst of insertions: the tables grow */
      for (int i = 0; i < 50; i++) put(c, c->nodes[next_random(c) % NODES]);
      break;
    case 1: /* a burst of deletions: they shrink */
      for (int i = 0; i < 80; i++) drop(c, c->nodes[next_random(c) % NODES]);
      break;
    case 2:
      if (blinkish_vector_length(heap, c->rooted_keys) < 400)
        blinkish_vector_append(heap, c->rooted_keys, key);
      else
        blinkish_vector_remove(heap, c->rooted_keys, next_random(c) % 400);
      break;
    case 3:
      drop(c, key);
      break;
    default:
      put(c, key);
      break;
    }
  }
}

static void check_survivors(churn *c, int cycle) {
  blinkish_heap *heap = c->w.heap;
  size_t length = blinkish_vector_length(heap, c->rooted_keys);
  for (size_t i = 0; i < length; i++) {
    dom_node *key = blinkish_vector_get(heap, c->rooted_keys, i);
    if (!blinkish_weak_map_has(heap, c->map, key)) continue; /* dropped */
    /* Nothing was allocated since the collection: a freed value's address
     * is still free, and fails this. */
    dom_node *value = blinkish_weak_map_get(heap, c->map, key);
    ck_assert_msg(blinkish_is_object(heap, value), "cycle %d: value freed", cycle);
    ext_value *ext = blinkish_weak_map_get(heap, c->external_map, key);
    ck_assert_ptr_nonnull(ext);
    ck_assert_int_eq(ext->tag, key->value);
    ck_assert_msg(blinkish_is_object(heap, ext->target), "cycle %d: target freed",
                  cycle);
    ck_assert(blinkish_weak_set_has(heap, c->set, key));
  }
  /* The three collections were changed together: same keys, same size. */
  ck_assert_uint_eq(blinkish_weak_map_size(heap, c->map),
                    blinkish_weak_map_size(heap, c->external_map));
  ck_assert_uint_eq(blinkish_weak_map_size(heap, c->map),
                    blinkish_weak_set_size(heap, c->set));
  ck_assert_int_eq((long)blinkish_weak_map_size(heap, c->external_map), ext_live);
}

static void run_cycles(int threads) {
  churn *c = calloc(1, sizeof *c);
  ext_live = 0;
  churn_init(c, threads);
  size_t visited_by_threads = 0;
  for (int cycle = 0; cycle < CYCLES; cycle++) {
    refill(c);
    mutate(c, 300);
    ck_assert_int_eq(ccgc_incremental_start(c->w.collector, CCGC_REASON_TESTING),
                     CCGC_OK);
    overwrite_entries(c);
    for (int round = 0; round < 20; round++) {
      mutate(c, 30);
      ccgc_incremental_step(c->w.collector, 0.05);
    }
    ck_assert_int_eq(ccgc_incremental_finish(c->w.collector), CCGC_OK);
    const ccgc_verify_report *report = ccgc_collector_last_verify(c->w.collector);
    ck_assert_msg(report->errors == 0, "cycle %d: %s", cycle, report->first_error);
    visited_by_threads +=
        ccgc_collector_last_cycle(c->w.collector)->concurrent_objects;
    ccgc_verify_report heap_report;
    ck_assert_msg(ccgc_collector_verify_heap(c->w.collector, &heap_report),
                  "cycle %d: %s", cycle, heap_report.first_error);
    check_survivors(c, cycle);
  }
  /* A stop-the-world collection after the churn still agrees. */
  ccgc_test_collect_verified(c->w.collector);
  check_survivors(c, CYCLES);
  ck_assert_uint_eq(c->w.errors.count, 0);
  if (threads == 0) ck_assert_uint_eq(visited_by_threads, 0);
  else ck_assert_uint_gt(visited_by_threads, 0); /* the threads did mark */
  blinkish_persistent_free(c->w.heap, c->root);
  dom_world_free(&c->w);
  ck_assert_int_eq(ext_live, 0); /* every external value released, once */
  free(c);
}

START_TEST(weak_collections_change_while_marker_threads_trace_them) {
  run_cycles(2);
}
END_TEST

START_TEST(the_same_schedule_without_threads_agrees) { run_cycles(0); }
END_TEST

int main(void) {
  Suite *suite = suite_create("blinkish-concurrent-weak-map");
  TCase *tc = tcase_create("core");
  tcase_set_timeout(tc, 120);
  tcase_add_test(tc, weak_collections_change_while_marker_threads_trace_them);
  tcase_add_test(tc, the_same_schedule_without_threads_agrees);
  suite_add_tcase(suite, tc);
  return ccgc_test_run(suite);
}
