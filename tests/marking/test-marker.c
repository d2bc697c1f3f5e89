/* test-marker.c - the unified marker over two mock heaps: delegation across
 * heaps, cycles, long chains (no recursion), ephemerons with key and value in
 * different heaps, weak slots, and the verifier catching a marking bug. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "ccgc-test.h"
#include "mock-world.h"

typedef mock_world world;

static world make_world(void) {
  return mock_world_new(&(ccgc_collector_options){.verify = true});
}

static void free_world(world *w) { mock_world_free(w); }

START_TEST(unreachable_cycle_across_heaps_is_reclaimed) {
  world w = make_world();
  mock_object *x = mock_alloc(w.a, 1), *y = mock_alloc(w.b, 1);
  mock_set(w.a, x, 0, y);
  mock_set(w.b, y, 0, x);
  ccgc_test_collect_verified(w.collector);
  ck_assert(x->dead && y->dead);
  free_world(&w);
}
END_TEST

START_TEST(reachable_cycle_across_heaps_survives) {
  world w = make_world();
  mock_object *x = mock_alloc(w.a, 1), *y = mock_alloc(w.b, 1);
  mock_set(w.a, x, 0, y);
  mock_set(w.b, y, 0, x);
  mock_add_root(w.b, y);
  for (int i = 0; i < 3; i++) ccgc_test_collect_verified(w.collector);
  ck_assert(!x->dead && !y->dead);
  const ccgc_cycle_stats *stats = ccgc_collector_last_cycle(w.collector);
  ck_assert_uint_eq(stats->heaps[0].marked_objects, 1); /* delegated to alpha */
  ck_assert_uint_eq(stats->heaps[1].marked_objects, 1);
  mock_clear_roots(w.b);
  ccgc_test_collect_verified(w.collector);
  ck_assert(x->dead && y->dead);
  free_world(&w);
}
END_TEST

START_TEST(a_chain_of_two_million_alternating_objects_marks_iteratively) {
  world w = make_world();
  const int length = 2000000;
  mock_object *head = mock_alloc(w.a, 1), *tail = head;
  mock_add_root(w.a, head);
  for (int i = 1; i < length; i++) {
    mock_object *next = mock_alloc(i % 2 ? w.b : w.a, 1);
    mock_set(i % 2 ? w.a : w.b, tail, 0, next);
    tail = next;
  }
  ccgc_collector_set_verify(w.collector, false); /* keep the test fast */
  ck_assert_int_eq(ccgc_collect(w.collector, CCGC_REASON_TESTING), CCGC_OK);
  ck_assert_uint_eq(mock_live_count(w.a) + mock_live_count(w.b), length);
  const ccgc_cycle_stats *stats = ccgc_collector_last_cycle(w.collector);
  ck_assert_uint_eq(stats->heaps[0].marked_objects + stats->heaps[1].marked_objects,
                    length);
  mock_clear_roots(w.a);
  ck_assert_int_eq(ccgc_collect(w.collector, CCGC_REASON_TESTING), CCGC_OK);
  ck_assert_uint_eq(mock_live_count(w.a) + mock_live_count(w.b), 0);
  free_world(&w);
}
END_TEST

START_TEST(ephemeron_value_lives_only_while_key_lives) {
  world w = make_world();
  mock_object *table = mock_alloc(w.a, 0);
  mock_object *key = mock_alloc(w.b, 0);   /* key in the other heap */
  mock_object *value = mock_alloc(w.a, 0);
  table->eph_key = key;
  table->eph_value = value;
  mock_add_root(w.a, table);
  mock_add_root(w.b, key);
  ccgc_test_collect_verified(w.collector);
  ck_assert(!value->dead);
  mock_clear_roots(w.b); /* the key dies: the value goes with it */
  ccgc_test_collect_verified(w.collector);
  ck_assert(key->dead && value->dead && !table->dead);
  free_world(&w);
}
END_TEST

START_TEST(ephemeron_chain_discovered_late_reaches_fixed_point) {
  /* table holds pairs k0->k1, k1->k2, ..., stored so that each key is found
   * only after the previous value is marked: one release per round. */
  world w = make_world();
  enum { N = 50 };
  mock_object *keys[N + 1];
  for (int i = 0; i <= N; i++) keys[i] = mock_alloc(i % 2 ? w.a : w.b, 0);
  mock_object *tables[N];
  for (int i = 0; i < N; i++) {
    tables[i] = mock_alloc(w.a, 0);
    tables[i]->eph_key = keys[i];
    tables[i]->eph_value = keys[i + 1];
    mock_add_root(w.a, tables[i]);
  }
  mock_add_root(w.b, keys[0]);
  ccgc_test_collect_verified(w.collector);
  for (int i = 0; i <= N; i++) ck_assert(!keys[i]->dead);
  ck_assert_uint_ge(ccgc_collector_last_cycle(w.collector)->ephemeron_rounds, 1);
  free_world(&w);
}
END_TEST

START_TEST(weak_slot_is_cleared_when_target_dies_and_kept_otherwise) {
  world w = make_world();
  mock_object *holder = mock_alloc(w.a, 0);
  mock_object *target = mock_alloc(w.b, 0);
  holder->weak = target;
  mock_add_root(w.a, holder);
  mock_add_root(w.b, target);
  ccgc_test_collect_verified(w.collector);
  ck_assert_ptr_eq(holder->weak, target);
  mock_clear_roots(w.b);
  ccgc_test_collect_verified(w.collector);
  ck_assert_ptr_null(holder->weak);
  ck_assert(target->dead);
  ck_assert_uint_eq(ccgc_collector_last_cycle(w.collector)->weak_slots_cleared, 1);
  free_world(&w);
}
END_TEST

START_TEST(verifier_catches_an_object_the_marker_missed) {
  world w = make_world();
  mock_object *holder = mock_alloc(w.a, 1), *hidden = mock_alloc(w.b, 0);
  mock_set(w.a, holder, 0, hidden);
  mock_add_root(w.a, holder);
  mock_heap_hide_first_slot(w.a, true); /* the marker will not see slot 0 */
  ck_assert_int_eq(ccgc_collect(w.collector, CCGC_REASON_TESTING), CCGC_OK);
  const ccgc_verify_report *report = ccgc_collector_last_verify(w.collector);
  ck_assert_uint_ge(report->errors, 1);
  ck_assert_msg(strstr(report->first_error, ".inv.reachable-black") ||
                    strstr(report->first_error, ".inv.no-black-to-white"),
                "%s", report->first_error);
  /* And the heap verifier sees the freed object still referenced. */
  ccgc_verify_report heap_report;
  ck_assert(!ccgc_collector_verify_heap(w.collector, &heap_report));
  ck_assert(strstr(heap_report.first_error, ".inv.reachable-allocated"));
  free_world(&w);
}
END_TEST

/* The mark loop's windows (docs/collection.md, "The mark loop"): a step
 * with an object budget ends with popped objects still in the object
 * window and edges in the edge window; they must go back to the worklists,
 * not be lost nor visited beyond the budget. A binary tree across both
 * heaps, with a random extra edge per object, marked 7 objects per step. */
START_TEST(budgeted_steps_visit_exactly_their_budget_and_lose_nothing) {
  world w = make_world();
  enum { count = 3001, budget = 7 };
  mock_object **all = malloc(count * sizeof *all);
  for (int i = 0; i < count; i++) all[i] = mock_alloc(i % 2 ? w.b : w.a, 3);
  unsigned long long z = 12345;
  for (int i = 0; i < count; i++) {
    mock_heap *owner = i % 2 ? w.b : w.a;
    if (2 * i + 1 < count) mock_set(owner, all[i], 0, all[2 * i + 1]);
    if (2 * i + 2 < count) mock_set(owner, all[i], 1, all[2 * i + 2]);
    z = z * 6364136223846793005ull + 1442695040888963407ull;
    mock_set(owner, all[i], 2, all[(z >> 33) % count]);
  }
  mock_add_root(w.a, all[0]);
  for (int i = 0; i < 50; i++) mock_alloc(w.b, 1); /* garbage */
  free(all);
  ccgc_collector_set_step_objects(w.collector, budget);
  ck_assert_int_eq(ccgc_incremental_start(w.collector, CCGC_REASON_TESTING),
                   CCGC_OK);
  int steps = 1;
  while (!ccgc_incremental_step(w.collector, 0)) steps++;
  /* Every step but the last visits exactly its budget: the objects the
   * windows held when the budget ran out were pushed back. */
  ck_assert_int_eq(steps, (count + budget - 1) / budget);
  ck_assert_int_eq(ccgc_incremental_finish(w.collector), CCGC_OK);
  const ccgc_verify_report *report = ccgc_collector_last_verify(w.collector);
  ck_assert_msg(report->errors == 0, "%s", report->first_error);
  const ccgc_cycle_stats *stats = ccgc_collector_last_cycle(w.collector);
  ck_assert_uint_eq(stats->heaps[0].marked_objects +
                        stats->heaps[1].marked_objects,
                    count);
  ck_assert_uint_eq(mock_live_count(w.a) + mock_live_count(w.b), count);
  ck_assert_uint_eq(mock_dead_count(w.b), 50);
  free_world(&w);
}
END_TEST

START_TEST(barrier_shades_stored_target_while_marking) {
  world w = make_world();
  mock_object *holder = mock_alloc(w.a, 1), *target = mock_alloc(w.b, 0);
  ccgc_barrier *barrier = ccgc_collector_barrier(w.collector);
  ck_assert(!ccgc_barrier_marking(barrier));
  mock_set(w.a, holder, 0, target); /* marking off: nothing happens */
  ck_assert_int_eq(ccgc_color_of(target), CCGC_WHITE);
  ccgc_collector_set_marking(w.collector, true);
  mock_object *fresh = mock_alloc(w.b, 0);
  ck_assert_int_eq(ccgc_color_of(fresh), CCGC_BLACK); /* .inv.allocate-black */
  mock_set(w.a, holder, 0, target);
  ck_assert_int_eq(ccgc_color_of(target), CCGC_GREY); /* .inv.no-black-to-white */
  ccgc_collector_set_marking(w.collector, false);
  /* The grey object waits on the mutator's worklist; the next collection
   * drains it (and, unrooted, everything dies). */
  ccgc_test_collect_verified(w.collector);
  ck_assert(holder->dead && target->dead && fresh->dead);
  free_world(&w);
}
END_TEST

/* .inv.marking-flag-on-every-page: the barrier's fast path reads only the
 * value's page flags, so a page made while marking runs must carry the
 * marking flag too. A white object on such a page (as a scavenge's copy of
 * a white survivor is) stored into a black holder is shaded. */
START_TEST(a_page_made_while_marking_carries_the_marking_flag) {
  world w = make_world();
  mock_object *old = mock_alloc(w.b, 0);
  ccgc_page *old_page = ccgc_page_of(old);
  ck_assert_uint_eq(old_page->flags & CCGC_PAGE_MARKING, 0);
  ccgc_collector_set_marking(w.collector, true);
  ck_assert_uint_ne(old_page->flags & CCGC_PAGE_MARKING, 0);
  mock_object *holder = mock_alloc(w.a, 1);
  mock_object *value = NULL;
  for (int i = 0; i < 100000 && (!value || ccgc_page_of(value) == old_page);
       i++)
    value = mock_alloc(w.b, 0);
  ck_assert_ptr_ne(ccgc_page_of(value), old_page); /* a page made now */
  ck_assert_uint_ne(ccgc_page_of(value)->flags & CCGC_PAGE_MARKING, 0);
  ccgc_mark_set(value, CCGC_WHITE);
  mock_set(w.a, holder, 0, value);
  ck_assert_int_eq(ccgc_color_of(value), CCGC_GREY); /* .inv.no-black-to-white */
  ccgc_collector_set_marking(w.collector, false);
  ck_assert_uint_eq(old_page->flags & CCGC_PAGE_MARKING, 0);
  ck_assert_uint_eq(ccgc_page_of(value)->flags & CCGC_PAGE_MARKING, 0);
  ck_assert_uint_eq(ccgc_page_of(holder)->flags & CCGC_PAGE_MARKING, 0);
  ccgc_test_collect_verified(w.collector);
  ck_assert(holder->dead && value->dead && old->dead);
  free_world(&w);
}
END_TEST

int main(void) {
  Suite *suite = suite_create("marker");
  TCase *tc = tcase_create("core");
  tcase_set_timeout(tc, 30);
  tcase_add_test(tc, unreachable_cycle_across_heaps_is_reclaimed);
  tcase_add_test(tc, reachable_cycle_across_heaps_survives);
  tcase_add_test(tc, a_chain_of_two_million_alternating_objects_marks_iteratively);
  tcase_add_test(tc, ephemeron_value_lives_only_while_key_lives);
  tcase_add_test(tc, ephemeron_chain_discovered_late_reaches_fixed_point);
  tcase_add_test(tc, weak_slot_is_cleared_when_target_dies_and_kept_otherwise);
  tcase_add_test(tc, verifier_catches_an_object_the_marker_missed);
  tcase_add_test(tc, barrier_shades_stored_target_while_marking);
  tcase_add_test(tc, a_page_made_while_marking_carries_the_marking_flag);
  tcase_add_test(tc, budgeted_steps_visit_exactly_their_budget_and_lose_nothing);
  suite_add_tcase(suite, tc);
  return ccgc_test_run(suite);
}
