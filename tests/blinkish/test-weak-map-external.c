/* test-weak-map-external.c - HeapEphemeronMap with external values (what the
 * bridge uses for DOM key -> script value): the target keeps alive what the
 * value names, as an ephemeron; release runs exactly once per value in every
 * removal path (overwrite, delete, dead key, dead map, teardown), deferred to
 * the atomic pause while marking runs. The fake target is a DOM node. */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>

#include "ccgc-events.h"
#include "dom-test.h"

enum { VALUES = 64 };

/* An external value: names a target object, counts its releases. */
typedef struct ext_value {
  dom_node *target;
  int releases;
} ext_value;

static ext_value values[VALUES];
static int total_releases;
static int target_calls;
static int targets_after_release; /* target() asked about a released value */
static void *ops_data_seen;
static dom_world *world; /* for release functions that misbehave */
static void *misbehaving_map;

static void *ext_target(void *value, void *data) {
  ops_data_seen = data;
  target_calls++;
  if (((ext_value *)value)->releases) targets_after_release++;
  return ((ext_value *)value)->target;
}

static void ext_release(void *value, void *data) {
  (void)data;
  ((ext_value *)value)->releases++;
  total_releases++;
}

static const blinkish_external_value_ops ops = {.target = ext_target,
                                                 .release = ext_release};

static void setup(dom_world *w) {
  dom_world_init(w, 0);
  world = w;
  memset(values, 0, sizeof values);
  total_releases = target_calls = targets_after_release = 0;
  ops_data_seen = NULL;
}

static void *rooted_external_map(dom_world *w, blinkish_persistent **root) {
  void *map = blinkish_weak_map_new_external(w->heap, &ops, &values);
  ck_assert_ptr_nonnull(map);
  ck_assert_str_eq(blinkish_type_name(w->heap, map), "HeapEphemeronMap");
  *root = blinkish_persistent_new(w->heap, map, false);
  return map;
}

/* values[i] targets a fresh node of value 100 + i. */
static ext_value *value_with_target(dom_world *w, int i) {
  values[i].target = dom_new_node(w, 100 + i);
  return &values[i];
}

START_TEST(the_target_lives_while_the_key_lives) {
  dom_world w;
  setup(&w);
  blinkish_persistent *map_root;
  void *map = rooted_external_map(&w, &map_root);
  dom_node *key = dom_new_node(&w, 1);
  blinkish_persistent *key_root = blinkish_persistent_new(w.heap, key, false);
  ext_value *v = value_with_target(&w, 0);
  ck_assert_int_eq(blinkish_weak_map_set(w.heap, map, key, v), CCGC_OK);
  ccgc_test_collect_verified(w.collector);
  ck_assert(blinkish_is_object(w.heap, v->target));
  ck_assert_ptr_eq(blinkish_weak_map_get(w.heap, map, key), v);
  ck_assert_ptr_eq(ops_data_seen, &values);
  ck_assert_int_gt(target_calls, 0);
  ck_assert_int_eq(total_releases, 0);
  blinkish_persistent_free(w.heap, key_root);
  ccgc_test_collect_verified(w.collector); /* path: the key died */
  ck_assert(!blinkish_is_object(w.heap, v->target));
  ck_assert_int_eq(v->releases, 1);
  ck_assert_uint_eq(blinkish_weak_map_size(w.heap, map), 0);
  ccgc_test_collect_verified(w.collector);
  ck_assert_int_eq(total_releases, 1);
  blinkish_persistent_free(w.heap, map_root);
  dom_world_free(&w);
  ck_assert_int_eq(total_releases, 1);
}
END_TEST

/* The target points back at the key: still an ephemeron, still collected. */
START_TEST(a_target_that_refers_to_its_key_does_not_keep_the_entry) {
  dom_world w;
  setup(&w);
  blinkish_persistent *map_root;
  void *map = rooted_external_map(&w, &map_root);
  dom_node *key = dom_new_node(&w, 1);
  ext_value *v = value_with_target(&w, 0);
  dom_link(&w, v->target, &v->target->next, key);
  ck_assert_int_eq(blinkish_weak_map_set(w.heap, map, key, v), CCGC_OK);
  ccgc_test_collect_verified(w.collector);
  ck_assert_uint_eq(dom_finalized, 2);
  ck_assert_int_eq(v->releases, 1);
  blinkish_persistent_free(w.heap, map_root);
  dom_world_free(&w);
}
END_TEST

START_TEST(release_once_when_overwritten_or_deleted) {
  dom_world w;
  setup(&w);
  blinkish_persistent *map_root;
  void *map = rooted_external_map(&w, &map_root);
  dom_node *key = dom_new_node(&w, 1);
  blinkish_persistent *key_root = blinkish_persistent_new(w.heap, key, false);
  ext_value *a = value_with_target(&w, 0), *b = value_with_target(&w, 1);
  ck_assert_int_eq(blinkish_weak_map_set(w.heap, map, key, a), CCGC_OK);
  ck_assert_int_eq(blinkish_weak_map_set(w.heap, map, key, b), CCGC_OK);
  ck_assert_int_eq(a->releases, 1); /* overwritten */
  ck_assert_int_eq(b->releases, 0);
  ck_assert_int_eq(blinkish_weak_map_set(w.heap, map, key, b), CCGC_OK);
  ck_assert_int_eq(b->releases, 0); /* the same value again: not a removal */
  ccgc_test_collect_verified(w.collector);
  ck_assert(!blinkish_is_object(w.heap, a->target)); /* nothing holds it */
  ck_assert(blinkish_is_object(w.heap, b->target));
  ck_assert(blinkish_weak_map_delete(w.heap, map, key));
  ck_assert_int_eq(b->releases, 1); /* deleted */
  ck_assert(!blinkish_weak_map_delete(w.heap, map, key));
  ccgc_test_collect_verified(w.collector);
  ck_assert(!blinkish_is_object(w.heap, b->target));
  ck_assert_int_eq(total_releases, 2);
  blinkish_persistent_free(w.heap, key_root);
  blinkish_persistent_free(w.heap, map_root);
  dom_world_free(&w);
  ck_assert_int_eq(total_releases, 2);
}
END_TEST

START_TEST(release_once_when_the_map_dies) {
  dom_world w;
  setup(&w);
  void *map = blinkish_weak_map_new_external(w.heap, &ops, &values);
  dom_node *key = dom_new_node(&w, 1);
  blinkish_persistent *key_root = blinkish_persistent_new(w.heap, key, false);
  dom_node *other_keys[10];
  blinkish_persistent *other_roots[10];
  for (int i = 0; i < 10; i++) {
    other_keys[i] = dom_new_node(&w, 2 + i);
    other_roots[i] = blinkish_persistent_new(w.heap, other_keys[i], false);
    ck_assert_int_eq(blinkish_weak_map_set(w.heap, map, other_keys[i],
                                           value_with_target(&w, 1 + i)),
                     CCGC_OK);
  }
  ck_assert_int_eq(blinkish_weak_map_set(w.heap, map, key,
                                         value_with_target(&w, 0)),
                   CCGC_OK);
  ccgc_test_collect_verified(w.collector); /* the map was never rooted */
  ck_assert(!blinkish_is_object(w.heap, map));
  for (int i = 0; i <= 10; i++) {
    ck_assert_int_eq(values[i].releases, 1);
    ck_assert(!blinkish_is_object(w.heap, values[i].target));
  }
  ccgc_test_collect_verified(w.collector);
  ck_assert_int_eq(total_releases, 11);
  for (int i = 0; i < 10; i++) blinkish_persistent_free(w.heap, other_roots[i]);
  blinkish_persistent_free(w.heap, key_root);
  dom_world_free(&w);
  ck_assert_int_eq(total_releases, 11);
}
END_TEST

START_TEST(release_once_at_heap_teardown) {
  dom_world w;
  setup(&w);
  blinkish_persistent *map_root;
  void *map = rooted_external_map(&w, &map_root);
  dom_node *key = dom_new_node(&w, 1);
  blinkish_persistent *key_root = blinkish_persistent_new(w.heap, key, false);
  ck_assert_int_eq(
      blinkish_weak_map_set(w.heap, map, key, value_with_target(&w, 0)), CCGC_OK);
  ccgc_test_collect_verified(w.collector);
  ck_assert_int_eq(total_releases, 0);
  (void)key_root, (void)map_root; /* freed with the heap */
  dom_world_free(&w);
  ck_assert_int_eq(values[0].releases, 1);
  ck_assert_int_eq(total_releases, 1);
}
END_TEST

/* While marking runs, a marker thread may be calling target() on a value the
 * host removes: the release waits for the atomic pause. */
START_TEST(a_value_removed_while_marking_is_released_in_the_pause) {
  dom_world w;
  setup(&w);
  blinkish_persistent *map_root;
  void *map = rooted_external_map(&w, &map_root);
  dom_node *key = dom_new_node(&w, 1), *key2 = dom_new_node(&w, 2);
  blinkish_persistent *key_root = blinkish_persistent_new(w.heap, key, false);
  blinkish_persistent *key2_root = blinkish_persistent_new(w.heap, key2, false);
  ck_assert_int_eq(
      blinkish_weak_map_set(w.heap, map, key, value_with_target(&w, 0)), CCGC_OK);
  ck_assert_int_eq(
      blinkish_weak_map_set(w.heap, map, key2, value_with_target(&w, 1)), CCGC_OK);
  ck_assert_int_eq(ccgc_incremental_start(w.collector, CCGC_REASON_TESTING),
                   CCGC_OK);
  ccgc_incremental_step(w.collector, 1.0);
  ck_assert(blinkish_weak_map_delete(w.heap, map, key));
  ck_assert_int_eq(
      blinkish_weak_map_set(w.heap, map, key2, value_with_target(&w, 2)), CCGC_OK);
  ck_assert_int_eq(total_releases, 0); /* deferred */
  ccgc_incremental_step(w.collector, 1.0);
  ck_assert_int_eq(total_releases, 0);
  ck_assert_int_eq(ccgc_incremental_finish(w.collector), CCGC_OK);
  ck_assert_uint_eq(ccgc_collector_last_verify(w.collector)->errors, 0);
  ck_assert_int_eq(values[0].releases, 1);
  ck_assert_int_eq(values[1].releases, 1);
  ck_assert_int_eq(values[2].releases, 0);
  ck_assert(blinkish_is_object(w.heap, values[2].target));
  /* Outside marking, at once again. */
  ck_assert(blinkish_weak_map_delete(w.heap, map, key2));
  ck_assert_int_eq(values[2].releases, 1);
  ccgc_test_collect_verified(w.collector);
  ck_assert_int_eq(total_releases, 3);
  blinkish_persistent_free(w.heap, key2_root);
  blinkish_persistent_free(w.heap, key_root);
  blinkish_persistent_free(w.heap, map_root);
  dom_world_free(&w);
  ck_assert_int_eq(total_releases, 3);
}
END_TEST

/* A heap torn down mid-cycle finishes it: deferred values are released. */
START_TEST(deferred_releases_survive_teardown_mid_cycle) {
  dom_world w;
  setup(&w);
  blinkish_persistent *map_root;
  void *map = rooted_external_map(&w, &map_root);
  dom_node *key = dom_new_node(&w, 1);
  blinkish_persistent *key_root = blinkish_persistent_new(w.heap, key, false);
  ck_assert_int_eq(
      blinkish_weak_map_set(w.heap, map, key, value_with_target(&w, 0)), CCGC_OK);
  ck_assert_int_eq(ccgc_incremental_start(w.collector, CCGC_REASON_TESTING),
                   CCGC_OK);
  ck_assert_int_eq(
      blinkish_weak_map_set(w.heap, map, key, value_with_target(&w, 1)), CCGC_OK);
  ck_assert_int_eq(total_releases, 0);
  (void)key_root, (void)map_root;
  dom_world_free(&w);
  ck_assert_int_eq(values[0].releases, 1);
  ck_assert_int_eq(values[1].releases, 1);
}
END_TEST

static void count_objects(const ccgc_object_info *info, void *data) {
  (void)info;
  ++*(size_t *)data;
}

static void ignore_edge(void *from, void *to, ccgc_edge edge, void *data) {
  (void)from, (void)to, (void)edge, (void)data;
}

/* Tables that outlive their use as floating garbage - one outgrown while
 * marking ran (black), one of a map that died after it grew while marking -
 * are traced again by the verifier and by ccgc_collector_walk, which visits
 * every allocated object. They must not hand released values to target(). */
START_TEST(a_left_over_table_never_hands_out_released_values) {
  dom_world w;
  setup(&w);
  blinkish_persistent *map_root;
  void *map = rooted_external_map(&w, &map_root);
  void *doomed = blinkish_weak_map_new_external(w.heap, &ops, &values);
  enum { KEYS = 20 };
  dom_node *keys[KEYS];
  blinkish_persistent *roots[KEYS];
  for (int i = 0; i < KEYS; i++) {
    keys[i] = dom_new_node(&w, i);
    roots[i] = blinkish_persistent_new(w.heap, keys[i], false);
  }
  ck_assert_int_eq(
      blinkish_weak_map_set(w.heap, map, keys[0], value_with_target(&w, 0)), CCGC_OK);
  ck_assert_int_eq(ccgc_incremental_start(w.collector, CCGC_REASON_TESTING),
                   CCGC_OK);
  while (!ccgc_incremental_step(w.collector, 1.0)) {
  }
  /* The rooted map's table is black now; growing replaces it. */
  for (int i = 1; i < KEYS; i++)
    ck_assert_int_eq(blinkish_weak_map_set(w.heap, map, keys[i],
                                           value_with_target(&w, i)),
                     CCGC_OK);
  for (int i = 0; i < KEYS; i++) blinkish_weak_map_delete(w.heap, map, keys[i]);
  /* The unrooted map grows into a black table, then dies with it. */
  for (int i = 0; i < KEYS; i++)
    ck_assert_int_eq(blinkish_weak_map_set(w.heap, doomed, keys[i],
                                           value_with_target(&w, KEYS + i)),
                     CCGC_OK);
  ck_assert_int_eq(ccgc_incremental_finish(w.collector), CCGC_OK);
  ck_assert_uint_eq(ccgc_collector_last_verify(w.collector)->errors, 0);
  ck_assert_int_eq(total_releases, 2 * KEYS);
  size_t objects = 0;
  ccgc_walk_callbacks callbacks = {count_objects, ignore_edge, &objects};
  ck_assert_int_eq(ccgc_collector_walk(w.collector, &callbacks), CCGC_OK);
  ck_assert_uint_gt(objects, 0);
  ck_assert_int_eq(targets_after_release, 0);
  ccgc_test_collect_verified(w.collector);
  ck_assert_int_eq(ccgc_collector_walk(w.collector, &callbacks), CCGC_OK);
  ck_assert_int_eq(targets_after_release, 0);
  for (int i = 0; i < KEYS; i++) blinkish_persistent_free(w.heap, roots[i]);
  blinkish_persistent_free(w.heap, map_root);
  dom_world_free(&w);
  ck_assert_int_eq(total_releases, 2 * KEYS);
}
END_TEST

static int null_target_calls;
static void *null_target(void *value, void *data) {
  (void)value, (void)data;
  null_target_calls++;
  return NULL;
}

START_TEST(a_value_without_target_keeps_nothing_alive) {
  dom_world w;
  setup(&w);
  null_target_calls = 0;
  blinkish_external_value_ops no_release = {.target = null_target};
  void *map = blinkish_weak_map_new_external(w.heap, &no_release, NULL);
  blinkish_persistent *map_root = blinkish_persistent_new(w.heap, map, false);
  dom_node *key = dom_new_node(&w, 1);
  blinkish_persistent *key_root = blinkish_persistent_new(w.heap, key, false);
  int opaque;
  ck_assert_int_eq(blinkish_weak_map_set(w.heap, map, key, &opaque), CCGC_OK);
  ccgc_test_collect_verified(w.collector);
  ck_assert_ptr_eq(blinkish_weak_map_get(w.heap, map, key), &opaque);
  ck_assert_int_gt(null_target_calls, 0);
  ck_assert(blinkish_weak_map_delete(w.heap, map, key)); /* no release: fine */
  blinkish_persistent_free(w.heap, key_root);
  blinkish_persistent_free(w.heap, map_root);
  dom_world_free(&w);
}
END_TEST

static void *foreign_target(void *value, void *data) {
  (void)data;
  return value; /* the value itself: here a stack address */
}

static void release_that_deletes(void *value, void *data) {
  (void)value, (void)data;
  total_releases++;
  blinkish_weak_map_delete(world->heap, misbehaving_map, value);
}

START_TEST(misuse_is_reported_and_nothing_is_stored) {
  dom_world w;
  setup(&w);
  ck_assert_ptr_null(blinkish_weak_map_new_external(w.heap, NULL, NULL));
  dom_assert_error(&w, CCGC_E_INVALID_ARGUMENT, "the ops need a target function");
  blinkish_external_value_ops incomplete = {.release = ext_release};
  ck_assert_ptr_null(blinkish_weak_map_new_external(w.heap, &incomplete, NULL));

  blinkish_external_value_ops foreign = {.target = foreign_target,
                                         .release = ext_release};
  void *map = blinkish_weak_map_new_external(w.heap, &foreign, NULL);
  blinkish_persistent *map_root = blinkish_persistent_new(w.heap, map, false);
  dom_node *key = dom_new_node(&w, 1);
  blinkish_persistent *key_root = blinkish_persistent_new(w.heap, key, false);
  ext_value local;
  ck_assert_int_eq(blinkish_weak_map_set(w.heap, map, key, &local),
                   CCGC_E_FOREIGN_POINTER);
  dom_assert_error(&w, CCGC_E_FOREIGN_POINTER, "not in any heap of this collector");
  ck_assert_uint_eq(blinkish_weak_map_size(w.heap, map), 0);
  ck_assert_int_eq(total_releases, 0); /* not taken: not released */

  /* A release function may not change weak collections. */
  blinkish_external_value_ops reentrant = {.target = ext_target,
                                           .release = release_that_deletes};
  misbehaving_map = blinkish_weak_map_new_external(w.heap, &reentrant, NULL);
  blinkish_persistent *bad_root =
      blinkish_persistent_new(w.heap, misbehaving_map, false);
  ck_assert_int_eq(blinkish_weak_map_set(w.heap, misbehaving_map, key,
                                         value_with_target(&w, 0)),
                   CCGC_OK);
  ck_assert_int_eq(blinkish_weak_map_set(w.heap, misbehaving_map, key,
                                         value_with_target(&w, 1)),
                   CCGC_OK);
  ck_assert_int_eq(total_releases, 1);
  dom_assert_error(&w, CCGC_E_IN_COLLECTION,
                   "blinkish_weak_map_delete: called from an external value's "
                   "release function");
  ck_assert_ptr_eq(blinkish_weak_map_get(w.heap, misbehaving_map, key),
                   &values[1]);
  ck_assert_uint_eq(w.errors.count, 4);
  ccgc_test_collect_verified(w.collector);
  blinkish_persistent_free(w.heap, bad_root);
  blinkish_persistent_free(w.heap, key_root);
  blinkish_persistent_free(w.heap, map_root);
  dom_world_free(&w);
}
END_TEST

/* A release run from the host's own delete (or overwrite) may read and
 * store, never free the heap, collect or allocate, as no release may
 * (blinkish.h): it freed the heap the delete went on using, or collected
 * inside the table's update (found by an audit, 2026-12-07). */
static ccgc_status collected_in_release;
static bool allocated_in_release, stored_in_release;
static dom_node *store_holder, *store_value;

static bool contained_in_release, listener_removed_in_release;
static const ccgc_event_listener no_listener = {0};

static void release_that_misbehaves(void *value, void *data) {
  (void)value, (void)data;
  total_releases++;
  /* Reads and the listener list are fine: no collection runs (both were
   * refused when the release got its own context; found by a review). */
  contained_in_release = blinkish_heap_contains(world->heap, store_value) &&
                         ccgc_collector_contains(world->collector, store_value);
  listener_removed_in_release =
      ccgc_collector_remove_listener(world->collector, &no_listener, NULL);
  blinkish_heap_free(world->heap); /* refused */
  collected_in_release = ccgc_collect(world->collector, CCGC_REASON_TESTING);
  allocated_in_release =
      blinkish_alloc(world->heap, world->node_type, sizeof(dom_node)) != NULL;
  stored_in_release = blinkish_member_set(world->heap, store_holder,
                                          (void **)&store_holder->other,
                                          store_value) == CCGC_OK;
}

START_TEST(a_release_from_the_hosts_delete_may_not_free_collect_or_allocate) {
  dom_world w;
  setup(&w);
  blinkish_external_value_ops bad = {.target = ext_target,
                                     .release = release_that_misbehaves};
  void *map = blinkish_weak_map_new_external(w.heap, &bad, NULL);
  blinkish_persistent *map_root = blinkish_persistent_new(w.heap, map, false);
  dom_node *key = dom_new_node(&w, 1);
  blinkish_persistent *key_root = blinkish_persistent_new(w.heap, key, false);
  store_holder = key;
  store_value = dom_new_node(&w, 2);
  ck_assert_int_eq(ccgc_collector_add_listener(w.collector, &no_listener, NULL), CCGC_OK);
  ck_assert_int_eq(blinkish_weak_map_set(w.heap, map, key, value_with_target(&w, 0)),
                   CCGC_OK);
  unsigned long cycles = ccgc_collector_cycle_count(w.collector);
  unsigned before = w.errors.count;
  ck_assert(blinkish_weak_map_delete(w.heap, map, key));
  ck_assert_int_eq(total_releases, 1);
  ck_assert_int_eq(collected_in_release, CCGC_E_IN_COLLECTION);
  ck_assert_uint_eq(ccgc_collector_cycle_count(w.collector), cycles);
  ck_assert(!allocated_in_release);
  ck_assert(stored_in_release); /* among live objects: fine */
  ck_assert(contained_in_release);
  ck_assert(listener_removed_in_release);
  ck_assert_ptr_eq(key->other, store_value);
  ck_assert_uint_ge(w.errors.count, before + 2); /* the free, the allocation */
  /* The heap lives on, the map too. */
  ck_assert_uint_eq(blinkish_weak_map_size(w.heap, map), 0);
  ck_assert_int_eq(blinkish_weak_map_set(w.heap, map, key, value_with_target(&w, 1)),
                   CCGC_OK);
  ck_assert_ptr_nonnull(dom_new_node(&w, 3));
  ccgc_test_collect_verified(w.collector);
  blinkish_persistent_free(w.heap, key_root);
  blinkish_persistent_free(w.heap, map_root);
  dom_world_free(&w);
}
END_TEST

/* A seeded mix of every removal path, stop-the-world and incremental: at the
 * end every value that entered the map was released exactly once, and no
 * other. */
START_TEST(every_value_is_released_exactly_once) {
  dom_world w;
  setup(&w);
  blinkish_persistent *map_root;
  void *map = rooted_external_map(&w, &map_root);
  enum { KEYS = 16 };
  dom_node *keys[KEYS];
  blinkish_persistent *roots[KEYS];
  for (int i = 0; i < KEYS; i++) {
    keys[i] = dom_new_node(&w, i);
    roots[i] = blinkish_persistent_new(w.heap, keys[i], false);
  }
  bool entered[VALUES] = {false};
  unsigned seed = 7;
  int next = 0;
  for (int round = 0; round < 8 && next < VALUES; round++) {
    bool incremental = round % 2 == 1;
    if (incremental)
      ck_assert_int_eq(ccgc_incremental_start(w.collector, CCGC_REASON_TESTING),
                       CCGC_OK);
    for (int op = 0; op < 12 && next < VALUES; op++) {
      seed = seed * 1103515245u + 12345u;
      int k = (int)((seed >> 8) % KEYS);
      if (!roots[k]) continue; /* that key was let go */
      switch ((seed >> 16) % 4) {
      case 0:
      case 1:
        entered[next] = true;
        ck_assert_int_eq(blinkish_weak_map_set(w.heap, map, keys[k],
                                               value_with_target(&w, next)),
                         CCGC_OK);
        next++;
        break;
      case 2:
        blinkish_weak_map_delete(w.heap, map, keys[k]);
        break;
      default: /* let the key die: its entry goes in the next collection */
        blinkish_persistent_free(w.heap, roots[k]);
        roots[k] = NULL;
        break;
      }
      if (incremental) ccgc_incremental_step(w.collector, 0.1);
    }
    if (incremental)
      ck_assert_int_eq(ccgc_incremental_finish(w.collector), CCGC_OK);
    else
      ccgc_test_collect_verified(w.collector);
    ck_assert_uint_eq(ccgc_collector_last_verify(w.collector)->errors, 0);
    for (int i = 0; i < next; i++) ck_assert_int_le(values[i].releases, 1);
  }
  ck_assert_int_gt(next, 10);
  (void)map_root; /* the rest goes with the heap */
  dom_world_free(&w);
  for (int i = 0; i < VALUES; i++)
    ck_assert_int_eq(values[i].releases, entered[i] ? 1 : 0);
}
END_TEST

/* With a prefetch op, entries are traced in batches: every live value is
 * prefetched before its target is asked for, and the ephemeron semantics
 * hold across batch boundaries (entries of dead keys interleaved). */
static int prefetch_calls;
static int prefetched_without_target; /* prefetch of a value target never saw */

static void ext_prefetch(const void *value, void *data) {
  (void)data;
  prefetch_calls++;
  if (!((const ext_value *)value)->target) prefetched_without_target++;
}

START_TEST(prefetching_ops_keep_the_semantics_across_batches) {
  dom_world w;
  setup(&w);
  prefetch_calls = prefetched_without_target = 0;
  blinkish_external_value_ops with_prefetch = {
      .target = ext_target, .release = ext_release, .prefetch = ext_prefetch};
  void *map = blinkish_weak_map_new_external(w.heap, &with_prefetch, &values);
  blinkish_persistent *map_root = blinkish_persistent_new(w.heap, map, false);
  blinkish_persistent *keys[VALUES];
  for (int i = 0; i < VALUES; i++) {
    dom_node *key = dom_new_node(&w, i);
    keys[i] = blinkish_persistent_new(w.heap, key, false);
    ck_assert_int_eq(
        blinkish_weak_map_set(w.heap, map, key, value_with_target(&w, i)), CCGC_OK);
  }
  for (int i = 0; i < VALUES; i += 2) blinkish_persistent_set(w.heap, keys[i], NULL);
  ccgc_test_collect_verified(w.collector);
  ck_assert_int_ge(prefetch_calls, VALUES); /* every value, in the first trace */
  ck_assert_int_eq(prefetched_without_target, 0);
  for (int i = 0; i < VALUES; i++) {
    bool live = i % 2 == 1;
    ck_assert_int_eq(values[i].releases, live ? 0 : 1);
    if (live) {
      ck_assert(blinkish_is_object(w.heap, values[i].target));
      ck_assert_ptr_eq(blinkish_weak_map_get(w.heap, map,
                                             blinkish_persistent_get(keys[i])),
                       &values[i]);
    }
  }
  ck_assert_uint_eq(blinkish_weak_map_size(w.heap, map), VALUES / 2);
  for (int i = 0; i < VALUES; i++) blinkish_persistent_free(w.heap, keys[i]);
  blinkish_persistent_free(w.heap, map_root);
  dom_world_free(&w);
}
END_TEST

int main(void) {
  Suite *suite = suite_create("blinkish-weak-map-external");
  TCase *tc = tcase_create("core");
  tcase_add_test(tc, the_target_lives_while_the_key_lives);
  tcase_add_test(tc, prefetching_ops_keep_the_semantics_across_batches);
  tcase_add_test(tc, a_target_that_refers_to_its_key_does_not_keep_the_entry);
  tcase_add_test(tc, release_once_when_overwritten_or_deleted);
  tcase_add_test(tc, release_once_when_the_map_dies);
  tcase_add_test(tc, release_once_at_heap_teardown);
  tcase_add_test(tc, a_value_removed_while_marking_is_released_in_the_pause);
  tcase_add_test(tc, deferred_releases_survive_teardown_mid_cycle);
  tcase_add_test(tc, a_left_over_table_never_hands_out_released_values);
  tcase_add_test(tc, a_value_without_target_keeps_nothing_alive);
  tcase_add_test(tc, misuse_is_reported_and_nothing_is_stored);
  tcase_add_test(tc, every_value_is_released_exactly_once);
  tcase_add_test(tc, a_release_from_the_hosts_delete_may_not_free_collect_or_allocate);
  suite_add_tcase(suite, tc);
  return ccgc_test_run(suite);
}
