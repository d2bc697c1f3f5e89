/* test-scavenger-parallel.c - the parallel scavenger (v8ish/scavenge-task.c,
 * marking/task-pool.c): with 1 and 3 helper threads a scavenge of a nursery
 * of several MB with many survivors gives what the owner alone gives - the
 * object graph, handles and traced references followed, weak maps with
 * young keys, weak globals, finalization registries, the same survivor and
 * promotion counts - with the heap verifier clean after every scavenge;
 * threads racing for one object elect one copy (.inv.forwarding-cas), and
 * the testing switch that forwards without the CAS splits objects in two.
 * Labelled concurrent (the name matches "parallel"): the ThreadSanitizer
 * build runs it. */
#include <check.h>

#include "ccgc-testing.h"
#include "script-test.h"

enum {
  LISTS = 24,
  LENGTH = 3000,     /* 72,000 surviving cells, over 2 MB with the rest */
  HELD = 2000,       /* young objects held only by an old array */
  ENTRIES = 1500,    /* weak map entries with live keys (as many dead) */
  TARGETS = 300,     /* registry targets and weak globals (as many dead) */
  TRACED = 200,      /* traced references to young objects */
};

static void world_init_with(script_world *w, int helpers, bool adaptive) {
  ccgc_collector_options collector_options = {.verify = true,
                                              .scavenger_threads = helpers,
                                              .adaptive_threads = adaptive};
  w->collector = ccgc_collector_new(&collector_options);
  ck_assert_ptr_nonnull(w->collector);
  v8ish_heap_options options = {.young_min_bytes = 8 << 20,
                                .young_max_bytes = 8 << 20};
  w->heap = v8ish_heap_new(w->collector, &options);
  ck_assert_ptr_nonnull(w->heap);
  ccgc_test_capture_errors(w->collector, &w->errors);
  v8ish_handle_scope_open(w->heap, &w->scope);
}

static void world_init(script_world *w, int helpers) {
  world_init_with(w, helpers, false);
}

static const ccgc_minor_stats *minor_verified(script_world *w, int helpers) {
  ck_assert_int_eq(ccgc_collect_minor(w->collector, CCGC_REASON_TESTING),
                   CCGC_OK);
  const ccgc_minor_stats *stats = ccgc_collector_last_minor(w->collector);
  /* Helpers join when the system runs them: a short scavenge may finish
   * before one does. */
  ck_assert_int_ge(stats->threads, 1);
  ck_assert_int_le(stats->threads, 1 + helpers);
  /* Helper time is counted exactly when a helper took part. */
  if (stats->threads > 1)
    ck_assert(stats->background_ms > 0);
  else
    ck_assert(stats->background_ms == 0);
  ccgc_verify_report report;
  ck_assert_msg(ccgc_collector_verify_heap(w->collector, &report), "%s",
                report.first_error);
  return stats;
}

static v8ish_local cell(script_world *w, long value) {
  v8ish_local array = v8ish_fixed_array_new(w->heap, 2);
  v8ish_array_set(w->heap, array, 1, script_int(w, value));
  return array;
}

static long cell_value(script_world *w, v8ish_local array) {
  return v8ish_integer_value(w->heap, v8ish_array_get(w->heap, array, 1));
}

static long list_sum(script_world *w, v8ish_global global) {
  v8ish_handle_scope scope;
  v8ish_handle_scope_open(w->heap, &scope);
  long sum = 0;
  v8ish_local at = v8ish_global_get(w->heap, global);
  while (!v8ish_is_integer(w->heap, at)) {
    sum += cell_value(w, at);
    at = v8ish_array_get(w->heap, at, 0);
  }
  v8ish_handle_scope_close(&scope);
  return sum;
}

static int finalized, weak_callbacks;
static void count_finalized(v8ish_heap *heap, v8ish_local held, void *data) {
  (void)data;
  ck_assert_int_eq(v8ish_integer_value(heap, held), 9);
  finalized++;
}
static void count_weak(v8ish_heap *heap, v8ish_global global, void *data) {
  (void)data;
  weak_callbacks++;
  v8ish_global_free(heap, global);
}

/* What a run saw: equal for every number of helpers. */
typedef struct outcome {
  size_t survived[2], promoted[2], remembered[2];
  size_t map_size, registry_size;
  int finalized, weak_callbacks;
} outcome;

typedef struct graph {
  v8ish_global lists[LISTS];
  v8ish_global holder;            /* old, holds HELD young cells */
  v8ish_global map, keys;         /* weak map; its live keys */
  v8ish_global registry, kept;    /* registry; its live targets */
  v8ish_global weak[TARGETS];     /* weak globals to kept targets */
  v8ish_traced *traced[TRACED];
} graph;

static void build(script_world *w, graph *g, int helpers) {
  g->holder = v8ish_global_new(w->heap, v8ish_fixed_array_new(w->heap, HELD),
                               false);
  g->map = v8ish_global_new(w->heap, v8ish_weak_map_new(w->heap), false);
  g->registry = v8ish_global_new(
      w->heap, v8ish_finalization_registry_new(w->heap, count_finalized, NULL),
      false);
  minor_verified(w, helpers);
  minor_verified(w, helpers); /* holder, map and registry are old now */
  for (int i = 0; i < LISTS; i++) g->lists[i] = script_make_list(w, LENGTH);
  v8ish_handle_scope scope;
  v8ish_handle_scope_open(w->heap, &scope);
  v8ish_local holder = v8ish_global_get(w->heap, g->holder);
  for (int i = 0; i < HELD; i++)
    v8ish_array_set(w->heap, holder, i, cell(w, i)); /* remembered slots */
  v8ish_local map = v8ish_global_get(w->heap, g->map);
  v8ish_local keys = v8ish_fixed_array_new(w->heap, ENTRIES);
  for (int i = 0; i < ENTRIES; i++) {
    v8ish_local key = v8ish_object_new(w->heap);
    v8ish_array_set(w->heap, keys, i, key);
    v8ish_weak_map_set(w->heap, map, key, cell(w, i));
    v8ish_weak_map_set(w->heap, map, v8ish_object_new(w->heap), cell(w, -i));
  }
  g->keys = v8ish_global_new(w->heap, keys, false);
  v8ish_local registry = v8ish_global_get(w->heap, g->registry);
  v8ish_local kept = v8ish_fixed_array_new(w->heap, TARGETS);
  for (int i = 0; i < TARGETS; i++) {
    v8ish_local target = cell(w, i);
    v8ish_array_set(w->heap, kept, i, target);
    v8ish_finalization_registry_register(w->heap, registry, target,
                                         script_int(w, 1), v8ish_local_empty());
    g->weak[i] = v8ish_global_new(w->heap, target, true);
    v8ish_local doomed = cell(w, -i);
    v8ish_finalization_registry_register(w->heap, registry, doomed,
                                         script_int(w, 9), v8ish_local_empty());
    v8ish_global_set_weak_callback(
        w->heap, v8ish_global_new(w->heap, doomed, true), count_weak, NULL);
  }
  g->kept = v8ish_global_new(w->heap, kept, false);
  for (int i = 0; i < TRACED; i++)
    g->traced[i] = v8ish_traced_new(w->heap, cell(w, 1000 + i));
  v8ish_handle_scope_close(&scope);
}

/* traced: whether the traced references are checked too (a full
 * collection takes them as edges of DOM objects, and none holds them). */
static void check(script_world *w, graph *g, bool traced) {
  for (int i = 0; i < LISTS; i++)
    ck_assert_int_eq(list_sum(w, g->lists[i]), (long)LENGTH * (LENGTH - 1) / 2);
  v8ish_handle_scope scope;
  v8ish_handle_scope_open(w->heap, &scope);
  v8ish_local holder = v8ish_global_get(w->heap, g->holder);
  for (int i = 0; i < HELD; i++)
    ck_assert_int_eq(cell_value(w, v8ish_array_get(w->heap, holder, i)), i);
  v8ish_local map = v8ish_global_get(w->heap, g->map);
  v8ish_local keys = v8ish_global_get(w->heap, g->keys);
  for (int i = 0; i < ENTRIES; i++)
    ck_assert_int_eq(
        cell_value(w, v8ish_weak_map_get(w->heap, map,
                                         v8ish_array_get(w->heap, keys, i))),
        i);
  v8ish_local kept = v8ish_global_get(w->heap, g->kept);
  for (int i = 0; i < TARGETS; i++)
    ck_assert(v8ish_same(w->heap, v8ish_global_get(w->heap, g->weak[i]),
                         v8ish_array_get(w->heap, kept, i)));
  for (int i = 0; traced && i < TRACED; i++) {
    v8ish_local target = v8ish_traced_get(w->heap, g->traced[i]);
    ck_assert_int_eq(cell_value(w, target), 1000 + i);
    ck_assert_ptr_eq(v8ish_object_address(w->heap, target),
                     v8ish_traced_target(g->traced[i]));
  }
  v8ish_handle_scope_close(&scope);
}

static outcome run(int helpers) {
  outcome out = {0};
  finalized = weak_callbacks = 0;
  script_world w;
  world_init(&w, helpers);
  graph g;
  build(&w, &g, helpers);
  /* Only the globals and traced references hold the graph now. */
  v8ish_handle_scope_close(&w.scope);
  v8ish_handle_scope_open(w.heap, &w.scope);
  for (int round = 0; round < 2; round++) { /* copied, then promoted */
    const ccgc_minor_stats *stats = minor_verified(&w, helpers);
    out.survived[round] = stats->survived_objects;
    out.promoted[round] = stats->promoted_objects;
    out.remembered[round] = stats->remembered_slots;
    check(&w, &g, true);
  }
  ck_assert_uint_ge(out.survived[0], LISTS * LENGTH);
  ck_assert_uint_ge(out.promoted[1], LISTS * LENGTH);
  ck_assert_uint_ge(out.remembered[0], HELD);
  out.map_size = v8ish_weak_map_size(w.heap, v8ish_global_get(w.heap, g.map));
  out.registry_size = v8ish_finalization_registry_size(
      w.heap, v8ish_global_get(w.heap, g.registry));
  out.finalized = finalized;
  out.weak_callbacks = weak_callbacks;
  ck_assert_int_eq(ccgc_collect(w.collector, CCGC_REASON_TESTING), CCGC_OK);
  ck_assert_uint_eq(ccgc_collector_last_verify(w.collector)->errors, 0);
  check(&w, &g, false);
  for (int i = 0; i < TRACED; i++) v8ish_traced_free(w.heap, g.traced[i]);
  script_world_free(&w);
  return out;
}

START_TEST(helpers_give_what_the_owner_alone_gives) {
  outcome alone = run(0);
  ck_assert_uint_eq(alone.map_size, ENTRIES);
  ck_assert_uint_eq(alone.registry_size, TARGETS);
  ck_assert_int_eq(alone.finalized, TARGETS);
  ck_assert_int_eq(alone.weak_callbacks, TARGETS);
  const int helpers[] = {1, 3};
  for (size_t h = 0; h < 2; h++) {
    outcome parallel = run(helpers[h]);
    for (int round = 0; round < 2; round++) {
      ck_assert_uint_eq(parallel.survived[round], alone.survived[round]);
      ck_assert_uint_eq(parallel.promoted[round], alone.promoted[round]);
      ck_assert_uint_eq(parallel.remembered[round], alone.remembered[round]);
    }
    ck_assert_uint_eq(parallel.map_size, alone.map_size);
    ck_assert_uint_eq(parallel.registry_size, alone.registry_size);
    ck_assert_int_eq(parallel.finalized, alone.finalized);
    ck_assert_int_eq(parallel.weak_callbacks, alone.weak_callbacks);
  }
}
END_TEST

/* Old arrays on pages of their own (large), each holding the same young
 * hubs in the same order: the tasks walk their remembered sets at once and
 * race for every hub, in a scavenge that copies them and in one that
 * promotes them (the switch only in the second: objects copied twice could
 * overrun the to-space reserve). Returns how many hubs ended up split (an
 * array's element not the same object as the first array's). */
enum { HOLDERS = 4, HUBS = 9000 }; /* 9000 slots: a large array */

static int split_hubs(bool plain_forwarding) {
  script_world w;
  world_init(&w, 3);
  v8ish_global holders[HOLDERS];
  for (int j = 0; j < HOLDERS; j++)
    holders[j] = v8ish_global_new(w.heap, v8ish_fixed_array_new(w.heap, HUBS),
                                  false);
  minor_verified(&w, 3); /* young large pages: promoted in place */
  {
    v8ish_handle_scope scope;
    v8ish_handle_scope_open(w.heap, &scope);
    for (int i = 0; i < HUBS; i++) {
      v8ish_local hub = cell(&w, i);
      for (int j = 0; j < HOLDERS; j++)
        v8ish_array_set(w.heap, v8ish_global_get(w.heap, holders[j]), i, hub);
    }
    v8ish_handle_scope_close(&scope);
  }
  ck_assert_uint_eq(minor_verified(&w, 3)->survived_objects, HUBS);
  ccgc_collector_plain_forwarding(w.collector, plain_forwarding);
  ck_assert_int_eq(ccgc_collect_minor(w.collector, CCGC_REASON_TESTING),
                   CCGC_OK);
  ccgc_collector_plain_forwarding(w.collector, false);
  int split = 0;
  v8ish_handle_scope scope;
  v8ish_handle_scope_open(w.heap, &scope);
  v8ish_local first = v8ish_global_get(w.heap, holders[0]);
  for (int i = 0; i < HUBS; i++) {
    v8ish_local hub = v8ish_array_get(w.heap, first, i);
    ck_assert_int_eq(cell_value(&w, hub), i); /* each copy is whole */
    for (int j = 1; j < HOLDERS; j++) {
      v8ish_local other =
          v8ish_array_get(w.heap, v8ish_global_get(w.heap, holders[j]), i);
      if (!v8ish_same(w.heap, hub, other)) {
        split++;
        break;
      }
    }
  }
  v8ish_handle_scope_close(&scope);
  if (!split) {
    const ccgc_minor_stats *stats = ccgc_collector_last_minor(w.collector);
    ck_assert_uint_eq(stats->promoted_objects, HUBS);
    ccgc_verify_report report;
    ck_assert_msg(ccgc_collector_verify_heap(w.collector, &report), "%s",
                  report.first_error);
  }
  script_world_free(&w);
  return split;
}

START_TEST(racing_threads_elect_one_copy) {
  ck_assert_int_eq(split_hubs(false), 0);
}
END_TEST

/* The switch breaks it: without the CAS some hubs are copied twice. A race
 * is a race, and a helper joins only when the system runs it (on a loaded
 * machine the owner may walk every set alone), so up to 20 tries. */
START_TEST(without_the_cas_objects_split) {
  int split = 0;
  for (int attempt = 0; attempt < 20 && !split; attempt++)
    split = split_hubs(true);
  ck_assert_int_gt(split, 0);
}
END_TEST

START_TEST(helper_threads_persist_across_scavenges) {
  script_world w;
  world_init(&w, 2);
  v8ish_global list = script_make_list(&w, 1000);
  int took_part = 0; /* helper participations */
  /* 20 scavenges at least; more until a helper took part: a helper joins
   * only when the system runs it, and on a loaded machine (the suite in
   * parallel beside another build) the owner may finish 20 small
   * scavenges alone. */
  for (int i = 0; i < 20 || (took_part == 0 && i < 400); i++) {
    v8ish_global more = script_make_list(&w, 500);
    const ccgc_minor_stats *stats = minor_verified(&w, 2);
    ck_assert_int_eq(stats->threads_offered, 3); /* without adaptive_threads */
    took_part += stats->threads - 1;
    ck_assert_int_eq(list_sum(&w, more), 500L * 499 / 2);
    v8ish_global_free(w.heap, more);
  }
  ck_assert_int_eq(list_sum(&w, list), 1000L * 999 / 2);
  ck_assert_int_gt(took_part, 0); /* the helpers did scavenge */
  script_world_free(&w); /* joins the helpers */
}
END_TEST

/* adaptive_threads: each scavenge offers work to one helper per 512 KiB
 * the previous one copied (marking/minor-cycle.c), at most the two of
 * scavenger_threads. A list of 3.2 MB is copied within the nursery by one
 * scavenge and promoted by the next; the scavenges after each of those are
 * offered both helpers, the others none. Fails if every scavenge is
 * offered all helpers or none, or if the count is not capped. */
START_TEST(adaptive_scavenges_offer_a_helper_per_512_kib_copied) {
  script_world w;
  world_init_with(&w, 2, true);
  const ccgc_minor_stats *stats = minor_verified(&w, 2);
  ck_assert_int_eq(stats->threads_offered, 1); /* nothing copied before */
  v8ish_global list = script_make_list(&w, 100000);
  int offered[4];
  for (int i = 0; i < 4; i++) {
    size_t copied = stats->survived_bytes + stats->promoted_bytes;
    size_t helpers = copied / (512u << 10);
    if (helpers > 2) helpers = 2;
    stats = minor_verified(&w, 2);
    offered[i] = stats->threads_offered;
    ck_assert_int_eq(offered[i], 1 + (int)helpers);
    ck_assert_int_le(stats->threads, stats->threads_offered);
  }
  ck_assert_int_eq(offered[0], 1); /* after the empty scavenge */
  ck_assert_int_eq(offered[1], 3); /* after the list's survival: capped */
  ck_assert_int_eq(offered[2], 3); /* after its promotion */
  ck_assert_int_eq(offered[3], 1); /* after a scavenge of nothing */
  ck_assert_int_eq(list_sum(&w, list), 100000L * 99999 / 2);
  script_world_free(&w);
}
END_TEST

int main(void) {
  Suite *suite = suite_create("scavenger-parallel");
  TCase *tc = tcase_create("core");
  tcase_set_timeout(tc, 300);
  tcase_add_test(tc, helpers_give_what_the_owner_alone_gives);
  tcase_add_test(tc, racing_threads_elect_one_copy);
  tcase_add_test(tc, without_the_cas_objects_split);
  tcase_add_test(tc, helper_threads_persist_across_scavenges);
  tcase_add_test(tc, adaptive_scavenges_offer_a_helper_per_512_kib_copied);
  suite_add_tcase(suite, tc);
  return ccgc_test_run(suite);
}
