/* test-weak-collections.c - WeakMap and WeakSet: ephemeron semantics (a value
 * lives only while its key does), pruning of dead keys, chains discovered in
 * the worst order, tombstones and growth, stores while marking runs. */
#include <check.h>

#include "ccgc-probe.h"
#include "ccgc-testing.h"
#include "heap-internal.h"
#include "script-test.h"

static ccgc_probe *probe_of(script_world *w, v8ish_local value,
                            const char *label) {
  ccgc_probe *probe =
      ccgc_probe_new(w->collector, v8ish_object_address(w->heap, value), label);
  ck_assert_ptr_nonnull(probe);
  return probe;
}

START_TEST(a_value_lives_while_its_key_is_rooted_and_dies_with_it) {
  script_world w;
  script_world_init(&w, 0);
  v8ish_global map = v8ish_global_new(w.heap, v8ish_weak_map_new(w.heap), false);
  v8ish_global key;
  ccgc_probe *value_probe, *key_probe;
  {
    v8ish_handle_scope scope; /* locals are roots: keep them short-lived */
    v8ish_handle_scope_open(w.heap, &scope);
    key = v8ish_global_new(w.heap, v8ish_object_new(w.heap), false);
    v8ish_local value = v8ish_object_new(w.heap);
    v8ish_object_set(w.heap, value, "n", script_int(&w, 42));
    ck_assert_int_eq(v8ish_weak_map_set(w.heap, v8ish_global_get(w.heap, map),
                                        v8ish_global_get(w.heap, key), value),
                     CCGC_OK);
    value_probe = probe_of(&w, value, "value");
    key_probe = probe_of(&w, v8ish_global_get(w.heap, key), "key");
    v8ish_handle_scope_close(&scope);
  }
  for (int i = 0; i < 2; i++) ccgc_test_collect_verified(w.collector);
  ck_assert(!ccgc_probe_collected(value_probe));
  {
    v8ish_handle_scope scope; /* locals are roots: keep them short-lived */
    v8ish_handle_scope_open(w.heap, &scope);
    v8ish_local m = v8ish_global_get(w.heap, map);
    v8ish_local got = v8ish_weak_map_get(w.heap, m, v8ish_global_get(w.heap, key));
    ck_assert_int_eq(
        v8ish_integer_value(w.heap, v8ish_object_get(w.heap, got, "n")), 42);
    ck_assert_uint_eq(v8ish_weak_map_size(w.heap, m), 1);
    v8ish_handle_scope_close(&scope);
  }

  v8ish_global_free(w.heap, key);
  ccgc_test_collect_verified(w.collector);
  ck_assert_msg(ccgc_probe_collected(key_probe), "%s",
                ccgc_probe_explain(w.collector, key_probe));
  ck_assert(ccgc_probe_collected(value_probe));
  ck_assert_uint_eq(v8ish_weak_map_size(w.heap, v8ish_global_get(w.heap, map)), 0);
  ck_assert_uint_gt(ccgc_collector_last_cycle(w.collector)->ephemeron_rounds, 0);
  ccgc_probe_free(w.collector, value_probe);
  ccgc_probe_free(w.collector, key_probe);
  script_world_free(&w);
}
END_TEST

START_TEST(a_value_that_refers_to_its_own_key_does_not_keep_the_entry) {
  script_world w;
  script_world_init(&w, 0);
  v8ish_global map = v8ish_global_new(w.heap, v8ish_weak_map_new(w.heap), false);
  ccgc_probe *key_probe, *value_probe;
  {
    v8ish_handle_scope scope;
    v8ish_handle_scope_open(w.heap, &scope);
    v8ish_local key = v8ish_object_new(w.heap);
    v8ish_local value = v8ish_object_new(w.heap);
    v8ish_object_set(w.heap, value, "owner", key); /* value -> key */
    v8ish_weak_map_set(w.heap, v8ish_global_get(w.heap, map), key, value);
    key_probe = probe_of(&w, key, "key");
    value_probe = probe_of(&w, value, "value");
    v8ish_handle_scope_close(&scope);
  }
  ccgc_test_collect_verified(w.collector);
  /* Under strong semantics (a Map) the pair would keep itself alive forever. */
  ck_assert(ccgc_probe_collected(key_probe));
  ck_assert(ccgc_probe_collected(value_probe));
  ck_assert_uint_eq(v8ish_weak_map_size(w.heap, v8ish_global_get(w.heap, map)), 0);
  ccgc_probe_free(w.collector, key_probe);
  ccgc_probe_free(w.collector, value_probe);
  script_world_free(&w);
}
END_TEST

/* map[k0] = k1, map[k1] = k2, ... inserted last pair first, so that simple
 * rounds release one pair per round: the marker must switch to its key index
 * to stay linear. Everything lives exactly as long as k0 does. */
static void chain_lives_exactly_as_long_as_its_head(size_t length) {
  script_world w;
  script_world_init(&w, 0);
  ccgc_collector_set_verify(w.collector, length <= 1000);
  v8ish_global map = v8ish_global_new(w.heap, v8ish_weak_map_new(w.heap), false);
  v8ish_global head;
  ccgc_probe *last_probe;
  {
    v8ish_handle_scope scope;
    v8ish_handle_scope_open(w.heap, &scope);
    v8ish_local keys = v8ish_fixed_array_new(w.heap, length + 1);
    for (size_t i = 0; i <= length; i++) {
      v8ish_handle_scope inner;
      v8ish_handle_scope_open(w.heap, &inner);
      v8ish_array_set(w.heap, keys, i, v8ish_object_new(w.heap));
      v8ish_handle_scope_close(&inner);
    }
    v8ish_local m = v8ish_global_get(w.heap, map);
    for (size_t i = length; i-- > 0;) {
      v8ish_handle_scope inner;
      v8ish_handle_scope_open(w.heap, &inner);
      ck_assert_int_eq(v8ish_weak_map_set(w.heap, m,
                                          v8ish_array_get(w.heap, keys, i),
                                          v8ish_array_get(w.heap, keys, i + 1)),
                       CCGC_OK);
      v8ish_handle_scope_close(&inner);
    }
    head = v8ish_global_new(w.heap, v8ish_array_get(w.heap, keys, 0), false);
    last_probe = probe_of(&w, v8ish_array_get(w.heap, keys, length), "last");
    v8ish_handle_scope_close(&scope); /* the array of keys is garbage now */
  }
  ccgc_test_collect_verified(w.collector);
  ck_assert(!ccgc_probe_collected(last_probe));
  ck_assert_uint_eq(v8ish_weak_map_size(w.heap, v8ish_global_get(w.heap, map)),
                    length);
  /* The last key is retained by the table, through an ephemeron. */
  ccgc_path path;
  ck_assert_int_eq(ccgc_retaining_path(w.collector,
                                       ccgc_probe_address(last_probe), &path),
                   CCGC_OK);
  ck_assert_uint_ge(path.length, 2);
  ck_assert_int_eq(path.hops[path.length - 1].edge_kind, CCGC_EDGE_EPHEMERON);
  ck_assert_str_eq(path.hops[path.length - 2].type_name, "EphemeronHashTable");
  ccgc_path_free(&path);
  v8ish_global_free(w.heap, head);
  ccgc_test_collect_verified(w.collector);
  ck_assert(ccgc_probe_collected(last_probe));
  ck_assert_uint_eq(v8ish_weak_map_size(w.heap, v8ish_global_get(w.heap, map)), 0);
  ccgc_probe_free(w.collector, last_probe);
  script_world_free(&w);
}

START_TEST(a_chain_of_one) { chain_lives_exactly_as_long_as_its_head(1); }
END_TEST
START_TEST(a_chain_of_ten) { chain_lives_exactly_as_long_as_its_head(10); }
END_TEST
START_TEST(a_chain_of_a_hundred_thousand) {
  chain_lives_exactly_as_long_as_its_head(100000);
}
END_TEST

START_TEST(a_weak_set_forgets_dead_members) {
  script_world w;
  script_world_init(&w, 0);
  v8ish_local set = v8ish_weak_set_new(w.heap);
  v8ish_global kept = v8ish_global_new(w.heap, v8ish_object_new(w.heap), false);
  v8ish_weak_set_add(w.heap, set, v8ish_global_get(w.heap, kept));
  {
    v8ish_handle_scope scope;
    v8ish_handle_scope_open(w.heap, &scope);
    for (int i = 0; i < 50; i++) v8ish_weak_set_add(w.heap, set, v8ish_object_new(w.heap));
    v8ish_handle_scope_close(&scope);
  }
  ck_assert_uint_eq(v8ish_weak_set_size(w.heap, set), 51);
  ccgc_test_collect_verified(w.collector);
  ck_assert_uint_eq(v8ish_weak_set_size(w.heap, set), 1);
  ck_assert(v8ish_weak_set_has(w.heap, set, v8ish_global_get(w.heap, kept)));
  ck_assert(v8ish_weak_set_delete(w.heap, set, v8ish_global_get(w.heap, kept)));
  ck_assert(!v8ish_weak_set_has(w.heap, set, v8ish_global_get(w.heap, kept)));
  ck_assert_uint_eq(v8ish_weak_set_size(w.heap, set), 0);
  script_world_free(&w);
}
END_TEST

START_TEST(lookups_stay_right_through_growth_and_tombstones) {
  script_world w;
  script_world_init(&w, 0);
  v8ish_local map = v8ish_weak_map_new(w.heap);
  enum { N = 2000 };
  v8ish_local keys = v8ish_fixed_array_new(w.heap, N);
  for (int i = 0; i < N; i++) {
    v8ish_handle_scope scope;
    v8ish_handle_scope_open(w.heap, &scope);
    v8ish_local key = v8ish_object_new(w.heap);
    v8ish_array_set(w.heap, keys, (size_t)i, key);
    ck_assert_int_eq(v8ish_weak_map_set(w.heap, map, key, script_int(&w, i)), CCGC_OK);
    if (i % 3 == 0) ck_assert(v8ish_weak_map_delete(w.heap, map, key));
    v8ish_handle_scope_close(&scope);
  }
  ccgc_test_collect_verified(w.collector);
  size_t present = 0;
  for (int i = 0; i < N; i++) {
    v8ish_handle_scope scope;
    v8ish_handle_scope_open(w.heap, &scope);
    v8ish_local key = v8ish_array_get(w.heap, keys, (size_t)i);
    bool has = v8ish_weak_map_has(w.heap, map, key);
    ck_assert(has == (i % 3 != 0));
    if (has) {
      present++;
      ck_assert_int_eq(v8ish_integer_value(w.heap, v8ish_weak_map_get(w.heap, map, key)), i);
      /* Overwrite keeps one entry. */
      v8ish_weak_map_set(w.heap, map, key, script_int(&w, -i));
      ck_assert_int_eq(v8ish_integer_value(w.heap, v8ish_weak_map_get(w.heap, map, key)), -i);
    }
    v8ish_handle_scope_close(&scope);
  }
  ck_assert_uint_eq(present, N - (N + 2) / 3);
  ck_assert_uint_eq(v8ish_weak_map_size(w.heap, map), present);
  script_world_free(&w);
}
END_TEST

START_TEST(bad_keys_and_values_get_clear_errors) {
  script_world w;
  script_world_init(&w, 0);
  v8ish_local map = v8ish_weak_map_new(w.heap);
  ck_assert_int_eq(v8ish_weak_map_set(w.heap, map, script_int(&w, 3),
                                      v8ish_object_new(w.heap)),
                   CCGC_E_INVALID_ARGUMENT);
  script_assert_last_error(&w, CCGC_E_INVALID_ARGUMENT, "only objects can be held weakly");
  ck_assert(!v8ish_weak_map_has(w.heap, map, script_int(&w, 3)));
  /* A foreign pointer as an embedder value. */
  int not_in_a_heap;
  ck_assert_int_eq(v8ish_weak_map_set_embedder(w.heap, map, v8ish_object_new(w.heap),
                                               &not_in_a_heap),
                   CCGC_E_FOREIGN_POINTER);
  script_assert_error(&w, CCGC_E_FOREIGN_POINTER, "v8ish_weak_map_set_embedder");
  /* A set is not a map. */
  v8ish_local set = v8ish_weak_set_new(w.heap);
  ck_assert_int_eq(v8ish_weak_map_set(w.heap, set, v8ish_object_new(w.heap),
                                      script_int(&w, 1)),
                   CCGC_E_WRONG_TYPE);
  script_assert_error(&w, CCGC_E_WRONG_TYPE, "expected a WeakMap, got a WeakSet");
  ck_assert_uint_eq(v8ish_weak_map_size(w.heap, map), 0);
  script_world_free(&w);
}
END_TEST

START_TEST(entries_stored_while_marking_runs_are_never_lost) {
  script_world w;
  script_world_init(&w, 0);
  v8ish_global map = v8ish_global_new(w.heap, v8ish_weak_map_new(w.heap), false);
  v8ish_global key = v8ish_global_new(w.heap, v8ish_object_new(w.heap), false);
  ck_assert_int_eq(ccgc_incremental_start(w.collector, CCGC_REASON_TESTING), CCGC_OK);
  ccgc_incremental_step(w.collector, 100); /* the map and its table are black */
  ccgc_probe *value_probe;
  {
    v8ish_handle_scope scope;
    v8ish_handle_scope_open(w.heap, &scope);
    v8ish_local m = v8ish_global_get(w.heap, map);
    /* Enough entries to grow the table while marking (a black new table). */
    for (int i = 0; i < 100; i++) {
      v8ish_handle_scope inner;
      v8ish_handle_scope_open(w.heap, &inner);
      v8ish_weak_map_set(w.heap, m, v8ish_object_new(w.heap), v8ish_object_new(w.heap));
      v8ish_handle_scope_close(&inner);
    }
    v8ish_local value = v8ish_string_new(w.heap, "late", 4);
    v8ish_weak_map_set(w.heap, m, v8ish_global_get(w.heap, key), value);
    value_probe = probe_of(&w, value, "late value");
    v8ish_handle_scope_close(&scope);
  }
  ck_assert_int_eq(ccgc_incremental_finish(w.collector), CCGC_OK);
  ck_assert_uint_eq(ccgc_collector_last_verify(w.collector)->errors, 0);
  ck_assert(!ccgc_probe_collected(value_probe));
  /* The next full cycle drops the floating garbage: only the rooted key stays. */
  ccgc_test_collect_verified(w.collector);
  v8ish_local m = v8ish_global_get(w.heap, map);
  ck_assert_uint_eq(v8ish_weak_map_size(w.heap, m), 1);
  char text[8];
  v8ish_string_copy(w.heap, v8ish_weak_map_get(w.heap, m, v8ish_global_get(w.heap, key)),
                    text, sizeof text);
  ck_assert_str_eq(text, "late");
  ccgc_probe_free(w.collector, value_probe);
  script_world_free(&w);
}
END_TEST

/* A table that grows while marking runs must not keep the dead keys it
 * copies: the new table is traced, not shaded (.inv.unpublished-white). */
START_TEST(growing_while_marking_does_not_resurrect_dead_keys) {
  script_world w;
  script_world_init(&w, 0);
  v8ish_global map = v8ish_global_new(w.heap, v8ish_weak_map_new(w.heap), false);
  v8ish_global keys = v8ish_global_new(w.heap, v8ish_fixed_array_new(w.heap, 64), false);
  ccgc_probe *dead_probe;
  {
    v8ish_handle_scope scope;
    v8ish_handle_scope_open(w.heap, &scope);
    v8ish_local dead = v8ish_object_new(w.heap);
    v8ish_weak_map_set(w.heap, v8ish_global_get(w.heap, map), dead, v8ish_object_new(w.heap));
    dead_probe = probe_of(&w, dead, "dead key");
    v8ish_handle_scope_close(&scope);
  }
  ck_assert_int_eq(ccgc_incremental_start(w.collector, CCGC_REASON_TESTING), CCGC_OK);
  while (!ccgc_incremental_step(w.collector, 100)) {
  } /* map and table black; the dead key white */
  {
    v8ish_handle_scope scope;
    v8ish_handle_scope_open(w.heap, &scope);
    v8ish_local m = v8ish_global_get(w.heap, map);
    v8ish_local k = v8ish_global_get(w.heap, keys);
    for (size_t i = 0; i < 64; i++) { /* live keys: the table grows */
      v8ish_handle_scope inner;
      v8ish_handle_scope_open(w.heap, &inner);
      v8ish_local key = v8ish_object_new(w.heap);
      v8ish_array_set(w.heap, k, i, key);
      v8ish_weak_map_set(w.heap, m, key, script_int(&w, (intptr_t)i));
      v8ish_handle_scope_close(&inner);
    }
    v8ish_handle_scope_close(&scope);
  }
  ck_assert_int_eq(ccgc_incremental_finish(w.collector), CCGC_OK);
  ck_assert_uint_eq(ccgc_collector_last_verify(w.collector)->errors, 0);
  ck_assert_msg(ccgc_probe_collected(dead_probe), "%s",
                ccgc_probe_explain(w.collector, dead_probe));
  {
    v8ish_handle_scope scope;
    v8ish_handle_scope_open(w.heap, &scope);
    ck_assert_uint_eq(v8ish_weak_map_size(w.heap, v8ish_global_get(w.heap, map)), 64);
    v8ish_handle_scope_close(&scope);
  }
  ccgc_probe_free(w.collector, dead_probe);
  script_world_free(&w);
}
END_TEST

START_TEST(the_walk_shows_weak_keys_and_ephemeron_values) {
  script_world w;
  script_world_init(&w, 0);
  v8ish_local map = v8ish_weak_map_new(w.heap);
  v8ish_local key = v8ish_object_new(w.heap);
  v8ish_local value = v8ish_object_new(w.heap);
  v8ish_weak_map_set(w.heap, map, key, value);
  script_graph *graph = malloc(sizeof *graph);
  script_graph_take(&w, graph);
  void *table = script_graph_target(graph, v8ish_object_address(w.heap, map),
                                    CCGC_EDGE_INTERNAL, "table");
  ck_assert_ptr_nonnull(table);
  ck_assert_uint_eq(script_graph_count(graph, table, CCGC_EDGE_EPHEMERON, "value",
                                       v8ish_object_address(w.heap, value)),
                    1);
  ck_assert_uint_eq(script_graph_count(graph, table, CCGC_EDGE_WEAK, NULL,
                                       v8ish_object_address(w.heap, key)),
                    1);
  free(graph);
  script_world_free(&w);
}
END_TEST

/* A table that a grown one replaced while marking runs may be grey in the
 * marker; no scavenge updates it, so after one its young keys and values
 * would name freed memory (.inv.replaced-weak-emptied): the marker must
 * find it empty. Without that the cycle's end followed them (a crash). */
static void add_young_entry(script_world *w, v8ish_global map,
                            v8ish_global keys, int i) {
  v8ish_handle_scope scope;
  v8ish_handle_scope_open(w->heap, &scope);
  v8ish_local key = v8ish_object_new(w->heap);
  v8ish_array_set(w->heap, v8ish_global_get(w->heap, keys), (size_t)i, key);
  v8ish_local value = v8ish_fixed_array_new(w->heap, 1);
  v8ish_array_set(w->heap, value, 0, script_int(w, i));
  ck_assert_int_eq(v8ish_weak_map_set(w->heap, v8ish_global_get(w->heap, map),
                                      key, value),
                   CCGC_OK);
  v8ish_handle_scope_close(&scope);
}

START_TEST(a_table_replaced_while_marking_is_not_followed_after_a_scavenge) {
  enum { N = 13 };
  v8ish_heap_options options = {.young_min_bytes = 1 << 20,
                                .young_max_bytes = 1 << 20};
  script_world w;
  script_world_init_with(&w, &options);
  ccgc_collector_set_step_objects(w.collector, 1);
  v8ish_global keys =
      v8ish_global_new(w.heap, v8ish_fixed_array_new(w.heap, N), false);
  v8ish_global map = v8ish_global_new(w.heap, v8ish_weak_map_new(w.heap), false);
  for (int i = 0; i < 2; i++)
    ck_assert_int_eq(ccgc_collect_minor(w.collector, CCGC_REASON_TESTING),
                     CCGC_OK); /* the map, its table, the keys: old */
  for (int i = 0; i < 3; i++) add_young_entry(&w, map, keys, i);
  ck_assert_int_eq(ccgc_incremental_start(w.collector, CCGC_REASON_TESTING),
                   CCGC_OK);
  ccgc_incremental_step(w.collector, 0);
  ccgc_incremental_step(w.collector, 0); /* the old table is grey */
  for (int i = 3; i < N; i++) add_young_entry(&w, map, keys, i); /* grows */
  ck_assert_int_eq(ccgc_collect_minor(w.collector, CCGC_REASON_TESTING),
                   CCGC_OK);
  script_allocate_garbage(&w, 20000); /* over the freed pages */
  ck_assert_int_eq(ccgc_collect_minor(w.collector, CCGC_REASON_TESTING),
                   CCGC_OK);
  while (!ccgc_incremental_step(w.collector, 0)) continue;
  ck_assert_int_eq(ccgc_incremental_finish(w.collector), CCGC_OK);
  ck_assert_int_eq(ccgc_collect(w.collector, CCGC_REASON_TESTING), CCGC_OK);
  for (int i = 0; i < N; i++) {
    v8ish_local key =
        v8ish_array_get(w.heap, v8ish_global_get(w.heap, keys), (size_t)i);
    v8ish_local value =
        v8ish_weak_map_get(w.heap, v8ish_global_get(w.heap, map), key);
    ck_assert_int_eq(
        v8ish_integer_value(w.heap, v8ish_array_get(w.heap, value, 0)), i);
  }
  ck_assert_int_eq(w.errors.count, 0);
  script_world_free(&w);
}
END_TEST

/* A young map whose table grew while the nursery overflowed into old space
 * has an old table; when the map dies in a scavenge during marking, that
 * table - grey in the marker, its young keys moved by the scavenge - must
 * be found empty too (.inv.replaced-weak-emptied). */
START_TEST(a_dead_young_maps_old_table_is_not_followed_after_a_scavenge) {
  enum { N = 13 };
  v8ish_heap_options options = {.young_min_bytes = 1 << 20,
                                .young_max_bytes = 1 << 20};
  script_world w;
  script_world_init_with(&w, &options);
  ccgc_collector_set_step_objects(w.collector, 1);
  v8ish_handle_scope outer;
  v8ish_handle_scope_open(w.heap, &outer);
  v8ish_global keys =
      v8ish_global_new(w.heap, v8ish_fixed_array_new(w.heap, N), false);
  v8ish_global map = v8ish_global_new(w.heap, v8ish_weak_map_new(w.heap), false);
  for (int i = 0; i < N; i++)
    v8ish_array_set(w.heap, v8ish_global_get(w.heap, keys), (size_t)i,
                    v8ish_object_new(w.heap));
  v8ish_handle_scope_close(&outer);
  /* No safepoint: past two semi-spaces new objects go old. */
  script_allocate_garbage(&w, 100000);
  ck_assert_int_eq(ccgc_incremental_start(w.collector, CCGC_REASON_TESTING),
                   CCGC_OK);
  for (int i = 0; i < N; i++) {
    v8ish_handle_scope scope;
    v8ish_handle_scope_open(w.heap, &scope);
    v8ish_local key =
        v8ish_array_get(w.heap, v8ish_global_get(w.heap, keys), (size_t)i);
    ck_assert_int_eq(v8ish_weak_map_set(w.heap, v8ish_global_get(w.heap, map),
                                        key, script_int(&w, i)),
                     CCGC_OK);
    v8ish_handle_scope_close(&scope);
  }
  v8ish_local probe_map = v8ish_global_get(w.heap, map);
  void *map_address = v8ish_object_address(w.heap, probe_map);
  ck_assert(ccgc_page_is_young(ccgc_page_of(map_address)));
  word_t *table = v8ish_untag(((word_t *)map_address)[WEAK_COLLECTION_TABLE]);
  ck_assert(!ccgc_page_is_young(ccgc_page_of(table))); /* grown while old */
  while (!ccgc_is_marked(table))
    ck_assert(!ccgc_incremental_step(w.collector, 0)); /* until it is reached */
  ck_assert_int_eq(ccgc_color_of(table), CCGC_GREY); /* not visited yet */
  v8ish_global_free(w.heap, map);
  v8ish_handle_scope_close(&w.scope);
  v8ish_handle_scope_open(w.heap, &w.scope);
  ck_assert_int_eq(ccgc_collect_minor(w.collector, CCGC_REASON_TESTING),
                   CCGC_OK); /* the map dies, the keys move */
  /* Its table, grey in the marker, names none of them now. */
  ck_assert_uint_eq(table[TABLE_COUNT], v8ish_smi(0));
  size_t capacity = (size_t)v8ish_smi_value(table[TABLE_CAPACITY]);
  for (size_t i = 0; i < 2 * capacity; i++)
    ck_assert(!v8ish_is_ref(table[TABLE_HEADER + i]));
  script_allocate_garbage(&w, 20000); /* over the freed pages */
  ck_assert_int_eq(ccgc_collect_minor(w.collector, CCGC_REASON_TESTING),
                   CCGC_OK);
  while (!ccgc_incremental_step(w.collector, 0)) continue;
  ck_assert_int_eq(ccgc_incremental_finish(w.collector), CCGC_OK);
  ck_assert_int_eq(ccgc_collect(w.collector, CCGC_REASON_TESTING), CCGC_OK);
  ck_assert_int_eq(w.errors.count, 0);
  v8ish_global_free(w.heap, keys);
  script_world_free(&w);
}
END_TEST

int main(void) {
  Suite *suite = suite_create("v8ish/weak-collections");
  TCase *tc = tcase_create("weak-collections");
  tcase_set_timeout(tc, 30);
  tcase_add_test(tc, a_value_lives_while_its_key_is_rooted_and_dies_with_it);
  tcase_add_test(tc, a_value_that_refers_to_its_own_key_does_not_keep_the_entry);
  tcase_add_test(tc, a_chain_of_one);
  tcase_add_test(tc, a_chain_of_ten);
  tcase_add_test(tc, a_chain_of_a_hundred_thousand);
  tcase_add_test(tc, a_weak_set_forgets_dead_members);
  tcase_add_test(tc, lookups_stay_right_through_growth_and_tombstones);
  tcase_add_test(tc, bad_keys_and_values_get_clear_errors);
  tcase_add_test(tc, entries_stored_while_marking_runs_are_never_lost);
  tcase_add_test(tc, growing_while_marking_does_not_resurrect_dead_keys);
  tcase_add_test(tc, the_walk_shows_weak_keys_and_ephemeron_values);
  tcase_add_test(tc, a_table_replaced_while_marking_is_not_followed_after_a_scavenge);
  tcase_add_test(tc, a_dead_young_maps_old_table_is_not_followed_after_a_scavenge);
  suite_add_tcase(suite, tc);
  return ccgc_test_run(suite);
}
