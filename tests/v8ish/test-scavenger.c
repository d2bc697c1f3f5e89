/* test-scavenger.c - the script heap's young generation and minor
 * collections (v8ish/nursery.c, v8ish/scavenger.c): survivors move and keep
 * their values, garbage goes, survivors of two scavenges are promoted, the
 * remembered set and the traced references are roots (and the testing
 * switches that drop them lose objects), weak maps, weak globals and
 * finalization registries keep their semantics, scavenges during
 * incremental marking, the trace line (droppable wrappers:
 * test-droppable-handler.c). */
#include <check.h>
#include <string.h>

#include "ccgc-events.h"
#include "ccgc-probe.h"
#include "ccgc-testing.h"
#include "heap-internal.h"
#include "remembered-set.h"
#include "script-test.h"

static v8ish_heap_options young_options(void) {
  v8ish_heap_options options = {.young_min_bytes = 1 << 20,
                                .young_max_bytes = 1 << 20};
  return options;
}

static void minor(script_world *w) {
  ck_assert_int_eq(ccgc_collect_minor(w->collector, CCGC_REASON_TESTING),
                   CCGC_OK);
}

static ccgc_probe *probe_of(script_world *w, v8ish_local value) {
  ccgc_probe *probe = ccgc_probe_new(
      w->collector, v8ish_object_address(w->heap, value), "probe");
  ck_assert_ptr_nonnull(probe);
  return probe;
}

static void check_list(script_world *w, v8ish_global global, int n) {
  v8ish_handle_scope scope;
  v8ish_handle_scope_open(w->heap, &scope);
  v8ish_local cell = v8ish_global_get(w->heap, global);
  for (int i = n - 1; i >= 0; i--) {
    ck_assert_int_eq(v8ish_type_of(w->heap, cell), V8ISH_TYPE_FIXED_ARRAY);
    ck_assert_int_eq(
        v8ish_integer_value(w->heap, v8ish_array_get(w->heap, cell, 1)), i);
    cell = v8ish_array_get(w->heap, cell, 0);
  }
  ck_assert(v8ish_is_integer(w->heap, cell));
  v8ish_handle_scope_close(&scope);
}

START_TEST(survivors_move_and_keep_their_values_garbage_goes) {
  v8ish_heap_options options = young_options();
  script_world w;
  script_world_init_with(&w, &options);
  v8ish_global list = script_make_list(&w, 1000);
  v8ish_local garbage_probe_target = v8ish_fixed_array_new(w.heap, 8);
  ccgc_probe *garbage = probe_of(&w, garbage_probe_target);
  /* Only the probe's address remains: the local goes with a fresh scope. */
  v8ish_handle_scope_close(&w.scope);
  v8ish_handle_scope_open(w.heap, &w.scope);
  v8ish_local head = v8ish_global_get(w.heap, list);
  void *before = v8ish_object_address(w.heap, head);
  ccgc_heap_stats young_before = script_stats(&w);
  ck_assert_uint_gt(young_before.young_used_bytes, 1000 * 32);
  minor(&w);
  const ccgc_minor_stats *stats = ccgc_collector_last_minor(w.collector);
  ck_assert_ptr_nonnull(stats);
  ck_assert_uint_eq(ccgc_collector_minor_count(w.collector), 1);
  ck_assert_uint_ge(stats->survived_objects, 1000);
  ck_assert_ptr_ne(v8ish_object_address(w.heap, head), before); /* moved */
  ck_assert(ccgc_probe_collected(garbage));
  check_list(&w, list, 1000);
  ccgc_verify_report report;
  ck_assert_msg(ccgc_collector_verify_heap(w.collector, &report), "%s",
                report.first_error);
  script_world_free(&w);
}
END_TEST

START_TEST(survivors_of_two_scavenges_are_promoted) {
  v8ish_heap_options options = young_options();
  script_world w;
  script_world_init_with(&w, &options);
  v8ish_global list = script_make_list(&w, 500);
  minor(&w);
  ck_assert_uint_eq(ccgc_collector_last_minor(w.collector)->promoted_objects, 0);
  minor(&w);
  ck_assert_uint_ge(ccgc_collector_last_minor(w.collector)->promoted_objects,
                    500);
  ck_assert_uint_eq(ccgc_collector_last_minor(w.collector)->survived_objects, 0);
  check_list(&w, list, 500);
  /* Old now: a third scavenge copies nothing of it. */
  minor(&w);
  ck_assert_uint_eq(ccgc_collector_last_minor(w.collector)->survived_objects, 0);
  check_list(&w, list, 500);
  script_world_free(&w);
}
END_TEST

/* An old array points at a young object that nothing else holds: only the
 * remembered set keeps it. */
static bool old_to_young_survives(bool disable_remembered_set) {
  v8ish_heap_options options = young_options();
  script_world w;
  script_world_init_with(&w, &options);
  v8ish_global holder =
      v8ish_global_new(w.heap, v8ish_fixed_array_new(w.heap, 1), false);
  minor(&w);
  minor(&w); /* promoted */
  ccgc_probe *probe;
  {
    v8ish_handle_scope scope;
    v8ish_handle_scope_open(w.heap, &scope);
    v8ish_local young = v8ish_fixed_array_new(w.heap, 3);
    v8ish_array_set(w.heap, young, 2, script_int(&w, 77));
    v8ish_array_set(w.heap, v8ish_global_get(w.heap, holder), 0, young);
    probe = probe_of(&w, young);
    v8ish_handle_scope_close(&scope);
  }
  ccgc_collector_disable_remembered_set(w.collector, disable_remembered_set);
  minor(&w);
  bool survived = !ccgc_probe_collected(probe);
  if (survived) {
    v8ish_local young =
        v8ish_array_get(w.heap, v8ish_global_get(w.heap, holder), 0);
    ck_assert_int_eq(
        v8ish_integer_value(w.heap, v8ish_array_get(w.heap, young, 2)), 77);
  }
  ccgc_collector_disable_remembered_set(w.collector, false);
  /* Without the remembered set the old array dangles: the world is freed
   * without another collection (freeing a heap walks nothing). */
  script_world_free(&w);
  return survived;
}

START_TEST(the_remembered_set_keeps_young_objects_of_old_holders) {
  ck_assert(old_to_young_survives(false));
  ck_assert(!old_to_young_survives(true)); /* the switch breaks it */
}
END_TEST

/* A scavenge walks the space's list of pages with a slot set, not every
 * page (marking/remembered-set.h): an incomplete list (its array could not
 * grow) makes it walk every page and rebuild the list - the young object
 * only the old holder's slot keeps survives that - and a set the scavenges
 * emptied is freed, its page off the list. */
START_TEST(the_remembered_pages_are_listed_rebuilt_and_dropped_when_empty) {
  v8ish_heap_options options = young_options();
  script_world w;
  script_world_init_with(&w, &options);
  v8ish_global holder =
      v8ish_global_new(w.heap, v8ish_fixed_array_new(w.heap, 1), false);
  minor(&w);
  minor(&w); /* promoted */
  ccgc_probe *probe;
  {
    v8ish_handle_scope scope;
    v8ish_handle_scope_open(w.heap, &scope);
    v8ish_local young = v8ish_fixed_array_new(w.heap, 3);
    v8ish_array_set(w.heap, young, 2, script_int(&w, 77));
    v8ish_array_set(w.heap, v8ish_global_get(w.heap, holder), 0, young);
    probe = probe_of(&w, young);
    v8ish_handle_scope_close(&scope);
  }
  ccgc_remembered_pages *list = &w.heap->base.space.remembered;
  ccgc_page *page = ccgc_page_of(
      v8ish_object_address(w.heap, v8ish_global_get(w.heap, holder)));
  ck_assert_uint_ne(page->remembered_index, 0);
  ck_assert_ptr_eq(list->pages[page->remembered_index - 1], page);
  /* As if the array had not grown: nothing listed, the list incomplete. */
  ccgc_remembered_pages_reset(list);
  list->overflow = true;
  minor(&w);
  ck_assert(!ccgc_probe_collected(probe));
  v8ish_local young =
      v8ish_array_get(w.heap, v8ish_global_get(w.heap, holder), 0);
  ck_assert_int_eq(
      v8ish_integer_value(w.heap, v8ish_array_get(w.heap, young, 2)), 77);
  ck_assert(!list->overflow);
  ck_assert_uint_ne(page->remembered_index, 0); /* rebuilt */
  /* The second scavenge promotes the young object (its slot's bit goes);
   * the third frees the empty set. */
  minor(&w);
  ck_assert(!ccgc_probe_collected(probe));
  ck_assert(ccgc_slot_set_empty(page));
  minor(&w);
  ck_assert_ptr_null(page->slot_set);
  ck_assert_uint_eq(page->remembered_index, 0);
  ccgc_verify_report report;
  ck_assert_msg(ccgc_collector_verify_heap(w.collector, &report), "%s",
                report.first_error);
  ccgc_probe_free(w.collector, probe);
  script_world_free(&w);
}
END_TEST

START_TEST(traced_references_are_roots_unless_dropped_by_the_switch) {
  for (int drop = 0; drop < 2; drop++) {
    v8ish_heap_options options = young_options();
    script_world w;
    script_world_init_with(&w, &options);
    v8ish_local object = v8ish_object_new(w.heap);
    v8ish_traced *traced = v8ish_traced_new(w.heap, object);
    ccgc_probe *probe = probe_of(&w, object);
    v8ish_handle_scope_close(&w.scope);
    v8ish_handle_scope_open(w.heap, &w.scope);
    ccgc_collector_drop_traced_roots(w.collector, drop);
    minor(&w);
    ck_assert(ccgc_probe_collected(probe) == (bool)drop);
    if (!drop)
      ck_assert_ptr_eq(v8ish_traced_target(traced),
                       ccgc_probe_address(probe)); /* followed the move */
    /* Dropped, the reference dangles: freed without another collection. */
    v8ish_traced_free(w.heap, traced);
    ccgc_collector_drop_traced_roots(w.collector, false);
    script_world_free(&w);
  }
}
END_TEST

START_TEST(weak_maps_drop_dead_young_keys_and_rehash_moved_ones) {
  v8ish_heap_options options = young_options();
  script_world w;
  script_world_init_with(&w, &options);
  v8ish_global map = v8ish_global_new(w.heap, v8ish_weak_map_new(w.heap), false);
  v8ish_global live_key =
      v8ish_global_new(w.heap, v8ish_object_new(w.heap), false);
  {
    v8ish_handle_scope scope;
    v8ish_handle_scope_open(w.heap, &scope);
    v8ish_local m = v8ish_global_get(w.heap, map);
    for (int i = 0; i < 50; i++) /* dead keys, values only through them */
      v8ish_weak_map_set(w.heap, m, v8ish_object_new(w.heap),
                         v8ish_fixed_array_new(w.heap, 4));
    v8ish_weak_map_set(w.heap, m, v8ish_global_get(w.heap, live_key),
                       script_int(&w, 5));
    ck_assert_uint_eq(v8ish_weak_map_size(w.heap, m), 51);
    v8ish_handle_scope_close(&scope);
  }
  v8ish_handle_scope_close(&w.scope);
  v8ish_handle_scope_open(w.heap, &w.scope);
  minor(&w);
  v8ish_local m = v8ish_global_get(w.heap, map);
  ck_assert_uint_eq(v8ish_weak_map_size(w.heap, m), 1);
  v8ish_local got = v8ish_weak_map_get(w.heap, m, v8ish_global_get(w.heap, live_key));
  ck_assert_int_eq(v8ish_integer_value(w.heap, got), 5);
  script_world_free(&w);
}
END_TEST

/* A chain k0 -> k1 -> ... through one weak map (each key's value is the
 * next key), entered last link first: the fixed point must release one
 * key after another (linearly: each value waits once for its key). */
START_TEST(an_ephemeron_chain_in_worst_order_survives_a_scavenge) {
  enum { N = 20000 };
  v8ish_heap_options options = {.young_min_bytes = 8 << 20,
                                .young_max_bytes = 8 << 20};
  script_world w;
  script_world_init_with(&w, &options);
  v8ish_global map = v8ish_global_new(w.heap, v8ish_weak_map_new(w.heap), false);
  v8ish_global first;
  {
    v8ish_handle_scope scope;
    v8ish_handle_scope_open(w.heap, &scope);
    v8ish_local keys = v8ish_fixed_array_new(w.heap, N + 1);
    for (int i = 0; i <= N; i++)
      v8ish_array_set(w.heap, keys, i, v8ish_object_new(w.heap));
    v8ish_local m = v8ish_global_get(w.heap, map);
    for (int i = N - 1; i >= 0; i--)
      v8ish_weak_map_set(w.heap, m, v8ish_array_get(w.heap, keys, i),
                         v8ish_array_get(w.heap, keys, i + 1));
    /* Garbage beside it: a dead key whose value is a dead chain. */
    v8ish_weak_map_set(w.heap, m, v8ish_object_new(w.heap),
                       v8ish_array_get(w.heap, keys, N));
    first = v8ish_global_new(w.heap, v8ish_array_get(w.heap, keys, 0), false);
    v8ish_handle_scope_close(&scope);
  }
  v8ish_handle_scope_close(&w.scope);
  v8ish_handle_scope_open(w.heap, &w.scope);
  minor(&w);
  v8ish_local m = v8ish_global_get(w.heap, map);
  ck_assert_uint_eq(v8ish_weak_map_size(w.heap, m), N);
  v8ish_local key = v8ish_global_get(w.heap, first);
  for (int i = 0; i < N; i++) {
    ck_assert(v8ish_weak_map_has(w.heap, m, key));
    key = v8ish_weak_map_get(w.heap, m, key);
  }
  ck_assert(!v8ish_weak_map_has(w.heap, m, key)); /* the last key */
  script_world_free(&w);
}
END_TEST

static int weak_callbacks;
static void count_weak(v8ish_heap *heap, v8ish_global global, void *data) {
  (void)data;
  weak_callbacks++;
  v8ish_global_free(heap, global);
}

static int finalized;
static void count_finalized(v8ish_heap *heap, v8ish_local held, void *data) {
  (void)data;
  ck_assert_int_eq(v8ish_integer_value(heap, held), 9);
  finalized++;
}

START_TEST(weak_globals_and_registries_see_young_objects_die) {
  v8ish_heap_options options = young_options();
  script_world w;
  script_world_init_with(&w, &options);
  weak_callbacks = finalized = 0;
  v8ish_global registry = v8ish_global_new(
      w.heap, v8ish_finalization_registry_new(w.heap, count_finalized, NULL),
      false);
  v8ish_global kept = v8ish_global_new(w.heap, v8ish_object_new(w.heap), false);
  v8ish_global weak_kept;
  {
    v8ish_handle_scope scope;
    v8ish_handle_scope_open(w.heap, &scope);
    v8ish_local doomed = v8ish_object_new(w.heap);
    v8ish_global weak = v8ish_global_new(w.heap, doomed, true);
    v8ish_global_set_weak_callback(w.heap, weak, count_weak, NULL);
    weak_kept = v8ish_global_new(w.heap, v8ish_global_get(w.heap, kept), true);
    v8ish_finalization_registry_register(
        w.heap, v8ish_global_get(w.heap, registry), doomed, script_int(&w, 9),
        v8ish_local_empty());
    v8ish_finalization_registry_register(
        w.heap, v8ish_global_get(w.heap, registry),
        v8ish_global_get(w.heap, kept), script_int(&w, 1), v8ish_local_empty());
    v8ish_handle_scope_close(&scope);
  }
  v8ish_handle_scope_close(&w.scope);
  v8ish_handle_scope_open(w.heap, &w.scope);
  minor(&w);
  ck_assert_int_eq(weak_callbacks, 1);
  ck_assert_int_eq(finalized, 1);
  ck_assert_uint_eq(v8ish_finalization_registry_size(
                        w.heap, v8ish_global_get(w.heap, registry)),
                    1);
  ck_assert(v8ish_same(w.heap, v8ish_global_get(w.heap, weak_kept),
                       v8ish_global_get(w.heap, kept)));
  script_world_free(&w);
}
END_TEST

START_TEST(scavenges_during_incremental_marking_keep_the_invariant) {
  v8ish_heap_options options = young_options();
  script_world w;
  script_world_init_with(&w, &options);
  ccgc_collector_set_step_objects(w.collector, 50);
  v8ish_global a = script_make_list(&w, 2000);
  ck_assert_int_eq(ccgc_incremental_start(w.collector, CCGC_REASON_TESTING),
                   CCGC_OK);
  ccgc_incremental_step(w.collector, 1);
  v8ish_global b = script_make_list(&w, 2000); /* black: allocated while marking */
  minor(&w);
  ck_assert(ccgc_collector_last_minor(w.collector)->during_marking);
  ccgc_incremental_step(w.collector, 1);
  v8ish_global c = script_make_list(&w, 300);
  minor(&w);
  while (!ccgc_incremental_step(w.collector, 1)) continue;
  ck_assert_int_eq(ccgc_incremental_finish(w.collector), CCGC_OK);
  ck_assert_uint_eq(ccgc_collector_last_verify(w.collector)->errors, 0);
  check_list(&w, a, 2000);
  check_list(&w, b, 2000);
  check_list(&w, c, 300);
  ccgc_collect(w.collector, CCGC_REASON_TESTING);
  check_list(&w, a, 2000);
  script_world_free(&w);
}
END_TEST

/* A young large object reached by a scavenge is promoted in place: its
 * references to objects that stay young (copied to to-space) must go into
 * the remembered set, or the next scavenge frees them under it. And a
 * young array trimmed from the left leaves a filler that old space must
 * never allocate in: a promotion there would be freed with the page. */
START_TEST(a_large_object_promoted_in_place_remembers_its_young_slots) {
  v8ish_heap_options options = young_options();
  script_world w;
  script_world_init_with(&w, &options);
  v8ish_local large = v8ish_fixed_array_new(w.heap, 9000); /* 72 KB: large */
  ck_assert(!v8ish_local_is_empty(large));
  v8ish_local element = v8ish_fixed_array_new(w.heap, 2);
  v8ish_array_set(w.heap, element, 1, v8ish_integer(w.heap, 42));
  v8ish_array_set(w.heap, large, 5, element);
  v8ish_global global = v8ish_global_new(w.heap, large, false);
  v8ish_handle_scope_close(&w.scope);
  v8ish_handle_scope_open(w.heap, &w.scope);
  minor(&w); /* large: promoted in place; element: copied, still young */
  minor(&w); /* element: reached only through the large array's slot */
  ccgc_verify_report report;
  ck_assert_msg(ccgc_collector_verify_heap(w.collector, &report), "%s",
                report.first_error);
  v8ish_local kept = v8ish_array_get(w.heap, v8ish_global_get(w.heap, global), 5);
  ck_assert_int_eq(v8ish_type_of(w.heap, kept), V8ISH_TYPE_FIXED_ARRAY);
  ck_assert_int_eq(v8ish_integer_value(w.heap, v8ish_array_get(w.heap, kept, 1)),
                   42);
  v8ish_global_free(w.heap, global);
  script_world_free(&w);
}
END_TEST

START_TEST(a_young_trimmed_arrays_filler_is_not_old_free_space) {
  v8ish_heap_options options = young_options();
  script_world w;
  script_world_init_with(&w, &options);
  /* A young array trimmed by 64 elements: a 512-byte filler in the nursery. */
  v8ish_local array = v8ish_array_new(w.heap);
  for (int i = 0; i < 100; i++)
    v8ish_array_push(w.heap, array, v8ish_integer(w.heap, i));
  ck_assert_int_eq(v8ish_array_left_trim(w.heap, array, 64), CCGC_OK);
  /* Survivors of one scavenge are promoted by the next; none may land in
   * the trimmed array's page. */
  v8ish_global list = script_make_list(&w, 200);
  v8ish_handle_scope_close(&w.scope);
  v8ish_handle_scope_open(w.heap, &w.scope);
  minor(&w);
  minor(&w);
  minor(&w);
  check_list(&w, list, 200);
  ccgc_verify_report report;
  ck_assert_msg(ccgc_collector_verify_heap(w.collector, &report), "%s",
                report.first_error);
  script_world_free(&w);
}
END_TEST

START_TEST(the_nursery_requests_a_scavenge_and_a_safepoint_runs_it) {
  v8ish_heap_options options = young_options();
  script_world w;
  script_world_init_with(&w, &options);
  char *line = NULL;
  size_t size = 0;
  FILE *trace = open_memstream(&line, &size);
  ccgc_collector_set_trace_gc(w.collector, trace, false);
  for (int i = 0; i < 200000 && ccgc_collector_minor_count(w.collector) == 0;
       i++) {
    v8ish_handle_scope scope;
    v8ish_handle_scope_open(w.heap, &scope);
    v8ish_fixed_array_new(w.heap, 4);
    v8ish_handle_scope_close(&scope);
    ccgc_collector_safepoint(w.collector);
  }
  ck_assert_uint_eq(ccgc_collector_minor_count(w.collector), 1);
  ck_assert_uint_eq(ccgc_collector_cycle_count(w.collector), 0);
  ck_assert_int_eq(ccgc_collector_last_minor(w.collector)->reason,
                   CCGC_REASON_ALLOCATION_FAILURE);
  fflush(trace);
  ck_assert_msg(strstr(line, "Scavenge") && strstr(line, "allocation failure"),
                "%s", line);
  ccgc_collector_set_trace_gc(w.collector, NULL, false);
  fclose(trace);
  free(line);
  script_world_free(&w);
}
END_TEST

/* A host that allocates without a safepoint: the nursery overflows its
 * semi-space by one more at most, then objects go old; the safepoint runs
 * the requested scavenge and the young generation takes new objects
 * again. */
START_TEST(without_a_safepoint_the_nursery_overflows_one_semi_space) {
  v8ish_heap_options options = young_options();
  script_world w;
  script_world_init_with(&w, &options);
  v8ish_global kept = v8ish_global_new(
      w.heap, v8ish_fixed_array_new(w.heap, 1), false);
  /* About eight semi-spaces of objects, every 16th kept. */
  enum { COUNT = 8 * (1 << 20) / 48 };
  v8ish_local list = v8ish_fixed_array_new(w.heap, COUNT / 16 + 1);
  v8ish_global_set(w.heap, kept, list);
  /* Each array holds the one before it: the first ones allocated old hold
   * young ones (old-to-young slots the barrier records). */
  v8ish_global prev = v8ish_global_new(w.heap, v8ish_integer(w.heap, -1), false);
  for (int i = 0; i < COUNT; i++) {
    v8ish_handle_scope scope;
    v8ish_handle_scope_open(w.heap, &scope);
    v8ish_local array = v8ish_fixed_array_new(w.heap, 4);
    v8ish_array_set(w.heap, array, 0, v8ish_integer(w.heap, i));
    v8ish_array_set(w.heap, array, 1, v8ish_global_get(w.heap, prev));
    v8ish_global_set(w.heap, prev, array);
    if (i % 16 == 0) v8ish_array_set(w.heap, list, (size_t)(i / 16), array);
    v8ish_handle_scope_close(&scope);
  }
  v8ish_global_free(w.heap, prev);
  ck_assert_uint_eq(ccgc_collector_minor_count(w.collector), 0);
  ccgc_heap_stats stats = script_stats(&w);
  ck_assert_uint_gt(stats.young_used_bytes, stats.young_capacity_bytes);
  /* Two semi-spaces, and the list (a young large object). */
  ck_assert_uint_le(stats.young_used_bytes,
                    2 * stats.young_capacity_bytes + COUNT / 16 * 8 + 64);
  /* Young pages and their reserve, about two semi-spaces each, a spare
   * page per helper and the list's large page (18 semi-spaces without
   * the bound). */
  ck_assert_uint_le(stats.young_committed_bytes, 6 * stats.young_capacity_bytes);
  ccgc_collector_safepoint(w.collector);
  /* A minor collection, not a full one (the old objects stay under the
   * default soft limit). */
  ck_assert_uint_eq(ccgc_collector_minor_count(w.collector), 1);
  ck_assert_uint_eq(ccgc_collector_cycle_count(w.collector), 0);
  ccgc_verify_report report;
  ck_assert_msg(ccgc_collector_verify_heap(w.collector, &report), "%s",
                report.first_error);
  list = v8ish_global_get(w.heap, kept);
  for (int i = 0; i < COUNT; i += 16) {
    v8ish_local array = v8ish_array_get(w.heap, list, (size_t)(i / 16));
    ck_assert_int_eq(
        v8ish_integer_value(w.heap, v8ish_array_get(w.heap, array, 0)), i);
    if (i == 0) continue;
    v8ish_local before = v8ish_array_get(w.heap, array, 1);
    ck_assert_int_eq(
        v8ish_integer_value(w.heap, v8ish_array_get(w.heap, before, 0)), i - 1);
  }
  /* New objects are young again. */
  size_t young = script_stats(&w).young_used_bytes;
  v8ish_fixed_array_new(w.heap, 4);
  ck_assert_uint_gt(script_stats(&w).young_used_bytes, young);
  ck_assert_int_eq(w.errors.count, 0);
  v8ish_global_free(w.heap, kept);
  script_world_free(&w);
}
END_TEST

static Suite *scavenger_suite(void) {
  Suite *s = suite_create("scavenger");
  TCase *tc = tcase_create("core");
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, survivors_move_and_keep_their_values_garbage_goes);
  tcase_add_test(tc, survivors_of_two_scavenges_are_promoted);
  tcase_add_test(tc, the_remembered_set_keeps_young_objects_of_old_holders);
  tcase_add_test(tc, the_remembered_pages_are_listed_rebuilt_and_dropped_when_empty);
  tcase_add_test(tc, traced_references_are_roots_unless_dropped_by_the_switch);
  tcase_add_test(tc, weak_maps_drop_dead_young_keys_and_rehash_moved_ones);
  tcase_add_test(tc, an_ephemeron_chain_in_worst_order_survives_a_scavenge);
  tcase_add_test(tc, weak_globals_and_registries_see_young_objects_die);
  tcase_add_test(tc, scavenges_during_incremental_marking_keep_the_invariant);
  tcase_add_test(tc, the_nursery_requests_a_scavenge_and_a_safepoint_runs_it);
  tcase_add_test(tc, without_a_safepoint_the_nursery_overflows_one_semi_space);
  tcase_add_test(tc, a_large_object_promoted_in_place_remembers_its_young_slots);
  tcase_add_test(tc, a_young_trimmed_arrays_filler_is_not_old_free_space);
  suite_add_tcase(s, tc);
  return s;
}

int main(void) { return ccgc_test_run(scavenger_suite()); }
