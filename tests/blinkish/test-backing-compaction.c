/* test-backing-compaction.c - compaction of the DOM heap's backing stores
 * (blinkish/compactor.c, docs/compaction.md "DOM backing stores"): the
 * backings of fragmented vectors and weak collections move to fresh pages,
 * the emptied pages go back, every owner reads back its exact contents; a
 * backing replaced while marking ran is never written through its stale
 * owner slot; at the hard limit everything stays in place, whole; the
 * testing switch leaves owners stale and the marking verifier says so; a
 * memory-reducing collection compacts unasked, and the verbose trace says
 * so. */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "ccgc-inspect.h"
#include "ccgc-probe.h"
#include "dom-test.h"

#define VECTORS 8000
#define ELEMENTS 12 /* capacity 16: 160-byte backings, 1600 per page */
#define KEEP 10     /* one vector in KEEP survives, scattered */

typedef struct fragmented {
  void *vectors[VECTORS];
  blinkish_persistent *roots[VECTORS];
  size_t kept;
} fragmented;

static long element_value(size_t vector, size_t i) {
  return (long)(vector * 100 + i);
}

/* count (at most VECTORS) vectors of ELEMENTS nodes; stops early (count in
 * *made) when the heap reaches its hard limit. */
static void build_count(dom_world *w, fragmented *f, size_t count, size_t *made) {
  size_t n = 0;
  for (; n < count; n++) {
    void *vector = blinkish_vector_new(w->heap, 16);
    if (!vector) break;
    bool full = false;
    for (size_t i = 0; i < ELEMENTS && !full; i++) {
      dom_node *node = blinkish_alloc(w->heap, w->node_type, sizeof(dom_node));
      if (!node) {
        full = true;
        break;
      }
      node->value = element_value(n, i);
      ck_assert_int_eq(blinkish_vector_append(w->heap, vector, node), CCGC_OK);
    }
    if (full) break;
    f->vectors[n] = vector;
    f->roots[n] = blinkish_persistent_new(w->heap, vector, false);
    ck_assert_ptr_nonnull(f->roots[n]);
  }
  *made = n;
  /* 90 % dropped, scattered over every page. */
  for (size_t i = 0; i < n; i++) {
    if (i % KEEP == 0) {
      f->kept++;
      continue;
    }
    blinkish_persistent_free(w->heap, f->roots[i]);
    f->roots[i] = NULL;
    f->vectors[i] = NULL;
  }
}

static void build(dom_world *w, fragmented *f, size_t *made) {
  build_count(w, f, VECTORS, made);
}

static void check_vectors(dom_world *w, const fragmented *f, size_t made) {
  for (size_t v = 0; v < made; v++) {
    if (!f->vectors[v]) continue;
    ck_assert_uint_eq(blinkish_vector_length(w->heap, f->vectors[v]), ELEMENTS);
    for (size_t i = 0; i < ELEMENTS; i++) {
      dom_node *node = blinkish_vector_get(w->heap, f->vectors[v], i);
      ck_assert_ptr_nonnull(node);
      ck_assert_int_eq(node->value, element_value(v, i));
    }
  }
}

static void free_roots(dom_world *w, fragmented *f, size_t made) {
  for (size_t v = 0; v < made; v++)
    if (f->roots[v]) blinkish_persistent_free(w->heap, f->roots[v]);
}

START_TEST(fragmented_vector_backings_move_and_their_pages_go_back) {
  dom_world w;
  dom_world_init(&w, 0);
  fragmented *f = calloc(1, sizeof *f);
  size_t made;
  build(&w, f, &made);
  ck_assert_uint_eq(made, VECTORS);
  ccgc_test_collect_verified(w.collector); /* sweeps the dead; no compaction */
  ccgc_heap_stats before = dom_stats(&w);
  ck_assert_uint_eq(before.evacuated_pages, 0); /* never asked */
  check_vectors(&w, f, made);

  ck_assert_int_eq(blinkish_heap_request_compaction(w.heap), CCGC_OK);
  ccgc_test_collect_verified(w.collector);
  ccgc_heap_stats after = dom_stats(&w);
  /* 8000 backings of 160 bytes: at least 4 backing pages, each 10 % live. */
  ck_assert_uint_ge(after.evacuated_pages, 4);
  ck_assert_uint_eq(after.evacuated_objects, f->kept);
  ck_assert_uint_eq(after.evacuated_bytes, f->kept * 160);
  ck_assert_uint_eq(after.evacuation_threads, 1); /* the owner copies */
  ck_assert_uint_eq(before.evacuation_threads, 0);
  /* One fresh page holds every survivor: the others went back. */
  ck_assert_uint_le(after.committed_bytes,
                    before.committed_bytes -
                        (after.evacuated_pages - 1) * CCGC_PAGE_SIZE);
  ck_assert_uint_eq(after.used_bytes, before.used_bytes);
  ck_assert_uint_eq(after.object_count, before.object_count);
  check_vectors(&w, f, made);
  /* Vectors grow and shrink on the moved backings as before. */
  for (size_t v = 0; v < made; v += KEEP) {
    ck_assert(blinkish_vector_remove_value(
        w.heap, f->vectors[v], blinkish_vector_get(w.heap, f->vectors[v], 0)));
    dom_node *node = dom_new_node(&w, element_value(v, 0));
    ck_assert_int_eq(blinkish_vector_append(w.heap, f->vectors[v], node),
                     CCGC_OK);
  }
  /* Unasked, the next collection does not compact. */
  ccgc_test_collect_verified(w.collector);
  ck_assert_uint_eq(dom_stats(&w).evacuated_pages, 0);
  ck_assert_uint_eq(dom_stats(&w).evacuation_threads, 0);
  ck_assert(dom_stats(&w).evacuation_ms == 0);
  for (size_t v = 0; v < made; v += KEEP) {
    dom_node *last = blinkish_vector_get(w.heap, f->vectors[v], ELEMENTS - 1);
    ck_assert_int_eq(last->value, element_value(v, 0));
  }
  free_roots(&w, f, made);
  ccgc_test_collect_verified(w.collector);
  ck_assert_uint_eq(dom_stats(&w).object_count, 0);
  free(f);
  dom_world_free(&w);
}
END_TEST

/* A probe on a backing follows it when compaction moves it, as one on a
 * script object does (ccgc-probe.h): it reported the backing collected
 * (found by an audit, 2026-12-07). */
START_TEST(a_probe_on_a_backing_follows_it) {
  dom_world w;
  dom_world_init(&w, 0);
  fragmented *f = calloc(1, sizeof *f);
  size_t made;
  build(&w, f, &made);
  ccgc_test_collect_verified(w.collector);
  void *vector = f->vectors[KEEP * 37];
  void *before = ccgc_test_edge_target(w.collector, vector);
  ck_assert_ptr_nonnull(before);
  ccgc_probe *probe = ccgc_probe_new(w.collector, before, "backing");
  ck_assert_ptr_nonnull(probe);
  ck_assert_int_eq(blinkish_heap_request_compaction(w.heap), CCGC_OK);
  ccgc_test_collect_verified(w.collector);
  ck_assert_uint_gt(dom_stats(&w).evacuated_objects, 0);
  void *after = ccgc_test_edge_target(w.collector, vector);
  ck_assert_ptr_ne(after, before); /* it moved */
  ck_assert(!ccgc_probe_collected(probe));
  ck_assert_ptr_eq(ccgc_probe_address(probe), after);
  ccgc_probe_free(w.collector, probe);
  free_roots(&w, f, made);
  free(f);
  dom_world_free(&w);
}
END_TEST

/* AUTO compacts once the backing pages are less than half live, and not
 * before; EVERY_FULL every time (nothing to move once dense). */
START_TEST(auto_compacts_a_fragmented_backing_arena_only) {
  dom_world w;
  ccgc_collector_options options = {.verify = true};
  w.collector = ccgc_collector_new(&options);
  blinkish_heap_options heap_options = {.compaction = CCGC_COMPACTION_AUTO};
  w.heap = blinkish_heap_new(w.collector, &heap_options);
  ck_assert_ptr_nonnull(w.heap);
  blinkish_type_info info = {"Node", dom_trace_node, NULL, 0};
  w.node_type = blinkish_register_type(w.heap, &info);
  fragmented *f = calloc(1, sizeof *f);
  size_t made;
  build(&w, f, &made);
  /* The dead backings still count this cycle: 10 % live, it compacts. */
  ccgc_test_collect_verified(w.collector);
  ck_assert_uint_ge(dom_stats(&w).evacuated_pages, 4);
  check_vectors(&w, f, made);
  /* Dense now: nothing to do. */
  ccgc_test_collect_verified(w.collector);
  ck_assert_uint_eq(dom_stats(&w).evacuated_pages, 0);
  check_vectors(&w, f, made);
  free_roots(&w, f, made);
  free(f);
  dom_world_free(&w);
}
END_TEST

/* AUTO moves pages only when that frees some: once the survivors sit on one
 * page less than half live, that page stays (every collection moved it to
 * a fresh page, gaining nothing; docs/compaction.md). */
START_TEST(auto_leaves_a_lone_sparse_page) {
  dom_world w;
  ccgc_collector_options options = {.verify = true};
  w.collector = ccgc_collector_new(&options);
  blinkish_heap_options heap_options = {.compaction = CCGC_COMPACTION_AUTO};
  w.heap = blinkish_heap_new(w.collector, &heap_options);
  blinkish_type_info info = {"Node", dom_trace_node, NULL, 0};
  w.node_type = blinkish_register_type(w.heap, &info);
  fragmented *f = calloc(1, sizeof *f);
  size_t made;
  build_count(&w, f, 6000, &made); /* 600 survivors: 96,000 bytes of backings */
  ccgc_test_collect_verified(w.collector);
  ck_assert_uint_ge(dom_stats(&w).evacuated_pages, 2); /* four pages into one */
  check_vectors(&w, f, made);
  size_t committed = dom_stats(&w).committed_bytes;
  for (int cycle = 0; cycle < 4; cycle++) {
    ccgc_test_collect_verified(w.collector);
    ck_assert_uint_eq(dom_stats(&w).evacuated_pages, 0);
    ck_assert_uint_eq(dom_stats(&w).committed_bytes, committed);
  }
  check_vectors(&w, f, made);
  free_roots(&w, f, made);
  free(f);
  dom_world_free(&w);
}
END_TEST

#define MAPS 3000
#define ENTRIES 3

/* Weak maps and weak sets: their tables move; every kept collection finds
 * its exact entries; keys still decide (an entry whose key dies after the
 * move goes). */
START_TEST(weak_map_and_set_tables_move_with_their_entries) {
  dom_world w;
  dom_world_init(&w, 0);
  void **maps = calloc(MAPS, sizeof *maps), **sets = calloc(MAPS, sizeof *sets);
  blinkish_persistent **roots = calloc(2 * MAPS, sizeof *roots);
  dom_node *keys[ENTRIES];
  blinkish_persistent *key_roots[ENTRIES];
  for (int k = 0; k < ENTRIES; k++) {
    keys[k] = dom_new_node(&w, -k);
    key_roots[k] = blinkish_persistent_new(w.heap, keys[k], false);
  }
  for (size_t m = 0; m < MAPS; m++) {
    maps[m] = blinkish_weak_map_new(w.heap);
    sets[m] = blinkish_weak_set_new(w.heap);
    roots[2 * m] = blinkish_persistent_new(w.heap, maps[m], false);
    roots[2 * m + 1] = blinkish_persistent_new(w.heap, sets[m], false);
    for (int k = 0; k < ENTRIES; k++) {
      dom_node *value = dom_new_node(&w, (long)(m * 10 + (size_t)k));
      ck_assert_int_eq(blinkish_weak_map_set(w.heap, maps[m], keys[k], value),
                       CCGC_OK);
      if ((m + (size_t)k) % 2 == 0)
        ck_assert_int_eq(blinkish_weak_set_add(w.heap, sets[m], keys[k]),
                         CCGC_OK);
    }
  }
  size_t kept = 0;
  for (size_t m = 0; m < MAPS; m++) {
    if (m % KEEP == 0) {
      kept++;
      continue;
    }
    blinkish_persistent_free(w.heap, roots[2 * m]);
    blinkish_persistent_free(w.heap, roots[2 * m + 1]);
    roots[2 * m] = roots[2 * m + 1] = NULL;
  }
  ccgc_test_collect_verified(w.collector);
  ccgc_heap_stats before = dom_stats(&w);
  ck_assert_int_eq(blinkish_heap_request_compaction(w.heap), CCGC_OK);
  ccgc_test_collect_verified(w.collector);
  ccgc_heap_stats after = dom_stats(&w);
  ck_assert_uint_ge(after.evacuated_pages, 2);
  ck_assert_uint_eq(after.evacuated_objects, 2 * kept); /* a table each */
  ck_assert_uint_lt(after.committed_bytes, before.committed_bytes);
  ck_assert_uint_eq(after.object_count, before.object_count);
  for (size_t m = 0; m < MAPS; m += KEEP) {
    ck_assert_uint_eq(blinkish_weak_map_size(w.heap, maps[m]), ENTRIES);
    for (int k = 0; k < ENTRIES; k++) {
      dom_node *value = blinkish_weak_map_get(w.heap, maps[m], keys[k]);
      ck_assert_ptr_nonnull(value);
      ck_assert_int_eq(value->value, (long)(m * 10 + (size_t)k));
      ck_assert(blinkish_weak_set_has(w.heap, sets[m], keys[k]) ==
                ((m + (size_t)k) % 2 == 0));
    }
  }
  /* Key 0 dies after the move: its entries go from the moved tables. */
  blinkish_persistent_free(w.heap, key_roots[0]);
  ccgc_test_collect_verified(w.collector);
  for (size_t m = 0; m < MAPS; m += KEEP) {
    ck_assert_uint_eq(blinkish_weak_map_size(w.heap, maps[m]), ENTRIES - 1);
    ck_assert_uint_eq(blinkish_weak_set_size(w.heap, sets[m]),
                      (size_t)((m + 1) % 2 == 0) + (size_t)((m + 2) % 2 == 0));
    ck_assert_int_eq(
        ((dom_node *)blinkish_weak_map_get(w.heap, maps[m], keys[2]))->value,
        (long)(m * 10 + 2));
  }
  for (size_t r = 0; r < 2 * MAPS; r++)
    if (roots[r]) blinkish_persistent_free(w.heap, roots[r]);
  for (int k = 1; k < ENTRIES; k++) blinkish_persistent_free(w.heap, key_roots[k]);
  free(maps);
  free(sets);
  free(roots);
  dom_world_free(&w);
}
END_TEST

/* A vector's backing marked during incremental marking, then replaced by a
 * grown one: the old backing is marked but no longer owned. The compaction
 * moves the current backing only; the old one's back-pointer still names
 * the vector's slot and must never be written through. */
START_TEST(a_backing_replaced_while_marking_is_never_written_through) {
  dom_world w;
  dom_world_init(&w, 0);
  void *vector = blinkish_vector_new(w.heap, 4);
  blinkish_persistent *root = blinkish_persistent_new(w.heap, vector, false);
  for (long i = 0; i < 4; i++)
    blinkish_vector_append(w.heap, vector, dom_new_node(&w, i));
  /* Garbage backings around it: its page is not entirely live. */
  for (int i = 0; i < 100; i++) ck_assert_ptr_nonnull(blinkish_vector_new(w.heap, 4));
  ck_assert_int_eq(ccgc_incremental_start(w.collector, CCGC_REASON_TESTING),
                   CCGC_OK);
  while (!ccgc_incremental_step(w.collector, 100.0)) {
  }
  /* Marked: the vector and its backing. The append replaces the backing. */
  ck_assert_int_eq(blinkish_vector_append(w.heap, vector, dom_new_node(&w, 4)),
                   CCGC_OK);
  ck_assert_int_eq(blinkish_heap_request_compaction(w.heap), CCGC_OK);
  ck_assert_int_eq(ccgc_incremental_finish(w.collector), CCGC_OK);
  const ccgc_verify_report *report = ccgc_collector_last_verify(w.collector);
  ck_assert_msg(report->errors == 0, "%s", report->first_error);
  ccgc_heap_stats stats = dom_stats(&w);
  /* The grown backing moved (its page held the dead ones); the replaced
   * one, marked but not owned, went with its page, unmoved. */
  ck_assert_uint_ge(stats.evacuated_pages, 1);
  ck_assert_uint_eq(stats.evacuated_objects, 1);
  ck_assert_uint_eq(blinkish_vector_length(w.heap, vector), 5);
  for (size_t i = 0; i < 5; i++)
    ck_assert_int_eq(((dom_node *)blinkish_vector_get(w.heap, vector, i))->value,
                     (long)i);
  ccgc_test_collect_verified(w.collector);
  ck_assert_uint_eq(blinkish_vector_length(w.heap, vector), 5);
  blinkish_persistent_free(w.heap, root);
  dom_world_free(&w);
}
END_TEST

/* A weak map whose table is rebuilt (grown) while marking runs: the same. */
START_TEST(a_table_rebuilt_while_marking_is_never_written_through) {
  dom_world w;
  dom_world_init(&w, 0);
  void *map = blinkish_weak_map_new(w.heap);
  blinkish_persistent *root = blinkish_persistent_new(w.heap, map, false);
  dom_node *keys[20];
  blinkish_persistent *key_roots[20];
  for (int k = 0; k < 20; k++) {
    keys[k] = dom_new_node(&w, k);
    key_roots[k] = blinkish_persistent_new(w.heap, keys[k], false);
  }
  for (int k = 0; k < 3; k++)
    blinkish_weak_map_set(w.heap, map, keys[k], keys[k]);
  for (int i = 0; i < 50; i++) ck_assert_ptr_nonnull(blinkish_weak_set_new(w.heap));
  ck_assert_int_eq(ccgc_incremental_start(w.collector, CCGC_REASON_TESTING),
                   CCGC_OK);
  while (!ccgc_incremental_step(w.collector, 100.0)) {
  }
  for (int k = 3; k < 20; k++) /* grows: new tables, the old ones retired */
    ck_assert_int_eq(blinkish_weak_map_set(w.heap, map, keys[k], keys[k]),
                     CCGC_OK);
  ck_assert_int_eq(blinkish_heap_request_compaction(w.heap), CCGC_OK);
  ck_assert_int_eq(ccgc_incremental_finish(w.collector), CCGC_OK);
  const ccgc_verify_report *report = ccgc_collector_last_verify(w.collector);
  ck_assert_msg(report->errors == 0, "%s", report->first_error);
  ck_assert_uint_eq(dom_stats(&w).evacuated_objects, 1); /* the current one */
  ck_assert_uint_eq(blinkish_weak_map_size(w.heap, map), 20);
  for (int k = 0; k < 20; k++)
    ck_assert_ptr_eq(blinkish_weak_map_get(w.heap, map, keys[k]), keys[k]);
  ccgc_test_collect_verified(w.collector);
  ck_assert_uint_eq(blinkish_weak_map_size(w.heap, map), 20);
  for (int k = 0; k < 20; k++) blinkish_persistent_free(w.heap, key_roots[k]);
  blinkish_persistent_free(w.heap, root);
  dom_world_free(&w);
}
END_TEST

/* A heap at its hard limit cannot map a target page: every backing stays
 * where it is, whole, and the heap is as correct as without compaction. */
START_TEST(at_the_hard_limit_every_backing_stays_in_place) {
  dom_world w;
  dom_world_init(&w, 12 * CCGC_PAGE_SIZE);
  fragmented *f = calloc(1, sizeof *f);
  size_t made;
  build(&w, f, &made);
  ck_assert_uint_lt(made, VECTORS); /* it ran into the limit */
  ck_assert_uint_gt(made, VECTORS / 4);
  ccgc_test_collect_verified(w.collector);
  ccgc_heap_stats before = dom_stats(&w);
  ck_assert_uint_gt(before.committed_bytes + CCGC_PAGE_SIZE,
                    12 * CCGC_PAGE_SIZE);
  ck_assert_int_eq(blinkish_heap_request_compaction(w.heap), CCGC_OK);
  ccgc_test_collect_verified(w.collector);
  ccgc_heap_stats after = dom_stats(&w);
  ck_assert_uint_eq(after.evacuated_objects, 0);
  ck_assert_uint_le(after.committed_bytes, before.committed_bytes);
  ck_assert_uint_eq(after.used_bytes, before.used_bytes);
  ck_assert_uint_eq(after.object_count, before.object_count);
  check_vectors(&w, f, made);
  free_roots(&w, f, made);
  free(f);
  dom_world_free(&w);
}
END_TEST

/* TESTING ONLY: ccgc_collector_skip_compaction_updates leaves the owner
 * slots at the old copies; the marking verifier reports the edge. */
START_TEST(without_owner_updates_the_verifier_reports_the_stale_slot) {
  dom_world w;
  dom_world_init(&w, 0);
  void *vector = blinkish_vector_new(w.heap, 4);
  blinkish_persistent *root = blinkish_persistent_new(w.heap, vector, false);
  for (int i = 0; i < 100; i++) ck_assert_ptr_nonnull(blinkish_vector_new(w.heap, 4));
  ccgc_test_collect_verified(w.collector);
  ccgc_collector_skip_compaction_updates(w.collector, true);
  ck_assert_int_eq(blinkish_heap_request_compaction(w.heap), CCGC_OK);
  ck_assert_int_eq(ccgc_collect(w.collector, CCGC_REASON_TESTING), CCGC_OK);
  const ccgc_verify_report *report = ccgc_collector_last_verify(w.collector);
  ck_assert_uint_gt(report->errors, 0);
  ck_assert_msg(strstr(report->first_error, "HeapVector") &&
                    strstr(report->first_error, "not an allocated object"),
                "%s", report->first_error);
  /* The vector's slot dangles now: only teardown, which reads no backing. */
  (void)root;
  dom_world_free(&w);
}
END_TEST

/* A memory-reducing collection compacts as if asked (option NEVER), and the
 * verbose trace prints the DOM heap's compaction line. */
START_TEST(memory_pressure_compacts_and_the_verbose_trace_says_so) {
  char *text = NULL;
  size_t size = 0;
  FILE *out = open_memstream(&text, &size);
  dom_world w;
  dom_world_init(&w, 0);
  fragmented *f = calloc(1, sizeof *f);
  size_t made;
  build(&w, f, &made);
  ccgc_test_collect_verified(w.collector);
  ccgc_heap_stats before = dom_stats(&w);
  ck_assert_uint_eq(before.evacuated_pages, 0);
  ccgc_collector_set_trace_gc(w.collector, out, true);
  ck_assert_int_eq(ccgc_collect(w.collector, CCGC_REASON_MEMORY_PRESSURE),
                   CCGC_OK);
  ccgc_collector_set_trace_gc(w.collector, NULL, false);
  fflush(out);
  ccgc_heap_stats after = dom_stats(&w);
  ck_assert_uint_ge(after.evacuated_pages, 4);
  ck_assert_uint_eq(after.evacuated_objects, f->kept);
  ck_assert_uint_lt(after.committed_bytes, before.committed_bytes);
  char expected[128];
  snprintf(expected, sizeof expected,
           "dom heap compacted: %zu pages evacuated, %zu KB moved (%zu objects)",
           after.evacuated_pages, after.evacuated_bytes / 1024,
           after.evacuated_objects);
  ck_assert_msg(strstr(text, expected), "%s", text);
  check_vectors(&w, f, made);
  free_roots(&w, f, made);
  free(f);
  dom_world_free(&w);
  fclose(out);
  free(text);
}
END_TEST

static void *identity_target(void *value, void *data) {
  (void)data;
  return value;
}

/* .inv.backing-owner is checked where a host could add a second reference
 * to a backing (an address seen in a walk; here read out of the vector's
 * first word): every store refuses it and stores nothing - an external
 * weak-map value whose target is the backing too (it was stored, and the
 * map's entry kept the old address after compaction moved the backing:
 * found by an audit). */
START_TEST(a_backing_is_refused_as_a_reference) {
  dom_world w;
  dom_world_init(&w, 0);
  void *vector = blinkish_vector_new(w.heap, 4);
  blinkish_persistent *root = blinkish_persistent_new(w.heap, vector, false);
  void *map = blinkish_weak_map_new(w.heap);
  blinkish_persistent *map_root = blinkish_persistent_new(w.heap, map, false);
  dom_node *holder = dom_new_node(&w, 1);
  blinkish_persistent *holder_root = blinkish_persistent_new(w.heap, holder, false);
  void *backing = *(void **)vector; /* the vector's member (blinkish.h hides it) */
  ck_assert(blinkish_is_object(w.heap, backing));
  ck_assert_int_eq(blinkish_member_set(w.heap, holder, (void **)&holder->next,
                                       backing),
                   CCGC_E_WRONG_TYPE);
  ck_assert_ptr_null(holder->next);
  ck_assert_msg(strstr(w.errors.last_message, "HeapVectorBacking"), "%s",
                w.errors.last_message);
  ck_assert_ptr_null(blinkish_persistent_new(w.heap, backing, false));
  ck_assert_int_eq(blinkish_vector_append(w.heap, vector, backing),
                   CCGC_E_WRONG_TYPE);
  ck_assert_int_eq(blinkish_weak_map_set(w.heap, map, backing, holder),
                   CCGC_E_WRONG_TYPE);
  ck_assert_int_eq(blinkish_weak_map_set(w.heap, map, holder, backing),
                   CCGC_E_WRONG_TYPE);
  blinkish_external_value_ops identity = {.target = identity_target};
  void *external = blinkish_weak_map_new_external(w.heap, &identity, NULL);
  blinkish_persistent *external_root = blinkish_persistent_new(w.heap, external, false);
  ck_assert_int_eq(blinkish_weak_map_set(w.heap, external, holder, backing),
                   CCGC_E_WRONG_TYPE);
  ck_assert_msg(strstr(w.errors.last_message, "the target of value") &&
                    strstr(w.errors.last_message, "HeapVectorBacking"),
                "%s", w.errors.last_message);
  ck_assert_uint_eq(blinkish_weak_map_size(w.heap, external), 0);
  ck_assert_int_eq(blinkish_weak_map_set(w.heap, external, holder, holder), CCGC_OK);
  blinkish_persistent_free(w.heap, external_root);
  ck_assert_uint_eq(blinkish_vector_length(w.heap, vector), 0);
  ck_assert_uint_eq(blinkish_weak_map_size(w.heap, map), 0);
  ck_assert_int_eq(blinkish_heap_request_compaction(w.heap), CCGC_OK);
  ccgc_test_collect_verified(w.collector);
  ck_assert_int_eq(blinkish_vector_append(w.heap, vector, holder), CCGC_OK);
  ck_assert_ptr_eq(blinkish_vector_get(w.heap, vector, 0), holder);
  blinkish_persistent_free(w.heap, root);
  blinkish_persistent_free(w.heap, map_root);
  blinkish_persistent_free(w.heap, holder_root);
  dom_world_free(&w);
}
END_TEST

START_TEST(request_refuses_a_null_heap) {
  ck_assert_int_eq(blinkish_heap_request_compaction(NULL),
                   CCGC_E_INVALID_ARGUMENT);
}
END_TEST

/* A compaction that only releases pages whose backings all died copies
 * nothing: evacuated_pages counts the pages, and evacuation_threads is 0
 * (ccgc-stats.h), as in the script heap. */
START_TEST(a_compaction_that_copies_nothing_reports_no_thread) {
  ccgc_collector_options options = {0};
  ccgc_collector *collector = ccgc_collector_new(&options);
  blinkish_heap_options heap_options = {.compaction =
                                            CCGC_COMPACTION_EVERY_FULL};
  blinkish_heap *heap = blinkish_heap_new(collector, &heap_options);
  void *keep = blinkish_vector_new(heap, 4);
  blinkish_persistent *root = blinkish_persistent_new(heap, keep, false);
  for (int i = 0; i < 3000; i++) {
    void *v = blinkish_vector_new(heap, 32);
    if (i % 10 == 0) blinkish_vector_append(heap, keep, v);
    for (int k = 0; k < 20; k++) blinkish_vector_append(heap, v, keep);
  }
  ccgc_collect(collector, CCGC_REASON_TESTING);
  ccgc_heap_stats stats;
  blinkish_heap_stats(heap, &stats);
  ck_assert_uint_gt(stats.evacuated_objects, 0);
  ck_assert_uint_eq(stats.evacuation_threads, 1);
  blinkish_persistent_free(heap, root); /* every backing dies */
  ccgc_collect(collector, CCGC_REASON_TESTING);
  blinkish_heap_stats(heap, &stats);
  ck_assert_uint_gt(stats.evacuated_pages, 0);
  ck_assert_uint_eq(stats.evacuated_objects, 0);
  ck_assert_uint_eq(stats.evacuated_bytes, 0);
  ck_assert_uint_eq(stats.evacuation_threads, 0);
  blinkish_heap_free(heap);
  ccgc_collector_free(collector);
}
END_TEST

int main(void) {
  Suite *suite = suite_create("backing-compaction");
  TCase *tc = tcase_create("core");
  tcase_set_timeout(tc, 120);
  tcase_add_test(tc, fragmented_vector_backings_move_and_their_pages_go_back);
  tcase_add_test(tc, a_probe_on_a_backing_follows_it);
  tcase_add_test(tc, auto_compacts_a_fragmented_backing_arena_only);
  tcase_add_test(tc, auto_leaves_a_lone_sparse_page);
  tcase_add_test(tc, weak_map_and_set_tables_move_with_their_entries);
  tcase_add_test(tc, a_backing_replaced_while_marking_is_never_written_through);
  tcase_add_test(tc, a_table_rebuilt_while_marking_is_never_written_through);
  tcase_add_test(tc, at_the_hard_limit_every_backing_stays_in_place);
  tcase_add_test(tc, without_owner_updates_the_verifier_reports_the_stale_slot);
  tcase_add_test(tc, memory_pressure_compacts_and_the_verbose_trace_says_so);
  tcase_add_test(tc, a_backing_is_refused_as_a_reference);
  tcase_add_test(tc, request_refuses_a_null_heap);
  tcase_add_test(tc, a_compaction_that_copies_nothing_reports_no_thread);
  suite_add_tcase(suite, tc);
  return ccgc_test_run(suite);
}
