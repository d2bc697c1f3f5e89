/* test-compactor.c - the script heap's old-generation compaction
 * (v8ish/compactor.c, docs/compaction.md): objects of sparse pages move,
 * every reference follows (old objects' fields, locals, globals, weak
 * globals, traced references, weak map keys and values), the evacuated
 * pages go back to the OS, the permanent objects stay, a heap at its hard
 * limit leaves every page in place, and a heap that never asks does not
 * move. Candidates are chosen when marking starts (v8ish/candidates.c):
 * the slots into them that the write barrier and the marker record are
 * updated, nothing is allocated on them while marking runs, and a page
 * holding a hidden class is never one. The collector's marking verifier
 * runs in every collection here. */
#include "ccgc-events.h"
#include "ccgc-page.h"
#include "script-test.h"

#define COUNT 40000 /* about 1.3 MB of arrays: several pages */
#define KEEP 20 /* one array in KEEP survives: pages about 5% live */

typedef struct fragmented {
  v8ish_global holder;   /* FixedArray of the survivors (old object)   */
  v8ish_global first;    /* the first survivor, strong                */
  v8ish_global weak;     /* the second survivor, weak                 */
  v8ish_traced *traced;  /* the third survivor                        */
  v8ish_global map;      /* WeakMap: survivor i -> integer i          */
} fragmented;

/* COUNT fixed arrays [i, i * 3] on old pages; one in KEEP stays reachable
 * from the holder allocated first, the others die. */
static void build(script_world *w, fragmented *f) {
  v8ish_handle_scope scope;
  v8ish_handle_scope_open(w->heap, &scope);
  v8ish_local holder = v8ish_fixed_array_new(w->heap, COUNT / KEEP);
  v8ish_local map = v8ish_weak_map_new(w->heap);
  for (int i = 0; i < COUNT; i++) {
    v8ish_local array = v8ish_fixed_array_new(w->heap, 2);
    v8ish_array_set(w->heap, array, 0, script_int(w, i));
    v8ish_array_set(w->heap, array, 1, script_int(w, i * 3));
    if (i % KEEP) continue;
    v8ish_array_set(w->heap, holder, (size_t)(i / KEEP), array);
    ck_assert_int_eq(v8ish_weak_map_set(w->heap, map, array, script_int(w, i)), CCGC_OK);
    if (i == 0) f->first = v8ish_global_new(w->heap, array, false);
    if (i == KEEP) f->weak = v8ish_global_new(w->heap, array, true);
    if (i == 2 * KEEP) f->traced = v8ish_traced_new(w->heap, array);
  }
  f->holder = v8ish_global_new(w->heap, holder, false);
  f->map = v8ish_global_new(w->heap, map, false);
  v8ish_handle_scope_close(&scope);
}

/* Every survivor reads back through the holder, the handles and the weak
 * map. */
static void check(script_world *w, const fragmented *f) {
  v8ish_handle_scope scope;
  v8ish_handle_scope_open(w->heap, &scope);
  v8ish_local holder = v8ish_global_get(w->heap, f->holder);
  v8ish_local map = v8ish_global_get(w->heap, f->map);
  for (int k = 0; k < COUNT / KEEP; k++) {
    v8ish_local array = v8ish_array_get(w->heap, holder, (size_t)k);
    ck_assert_int_eq(v8ish_integer_value(w->heap, v8ish_array_get(w->heap, array, 0)),
                     k * KEEP);
    ck_assert_int_eq(v8ish_integer_value(w->heap, v8ish_array_get(w->heap, array, 1)),
                     k * KEEP * 3);
    ck_assert_int_eq(v8ish_integer_value(w->heap, v8ish_weak_map_get(w->heap, map, array)),
                     k * KEEP);
  }
  ck_assert(v8ish_same(w->heap, v8ish_global_get(w->heap, f->first),
                       v8ish_array_get(w->heap, holder, 0)));
  ck_assert(v8ish_same(w->heap, v8ish_global_get(w->heap, f->weak),
                       v8ish_array_get(w->heap, holder, 1)));
  ck_assert(v8ish_same(w->heap, v8ish_traced_get(w->heap, f->traced),
                       v8ish_array_get(w->heap, holder, 2)));
  v8ish_handle_scope_close(&scope);
  ck_assert_int_eq(w->errors.count, 0);
}

/* The last survivor: on a page of dead arrays, far from the permanent
 * objects' page. */
static void *address_of_last(script_world *w, const fragmented *f) {
  v8ish_handle_scope scope;
  v8ish_handle_scope_open(w->heap, &scope);
  void *address = v8ish_object_address(
      w->heap, v8ish_array_get(w->heap, v8ish_global_get(w->heap, f->holder),
                               COUNT / KEEP - 1));
  v8ish_handle_scope_close(&scope);
  return address;
}

START_TEST(objects_of_sparse_pages_move_and_every_reference_follows) {
  script_world w;
  script_world_init_old(&w, 0);
  fragmented f = {0};
  build(&w, &f);
  ck_assert_int_eq(ccgc_collect(w.collector, CCGC_REASON_TESTING), CCGC_OK);
  ccgc_heap_stats before = script_stats(&w);
  ck_assert_uint_eq(before.evacuated_pages, 0); /* never asked */
  void *old_address = address_of_last(&w, &f);
  check(&w, &f);

  ck_assert_int_eq(v8ish_heap_request_compaction(w.heap), CCGC_OK);
  ck_assert_int_eq(ccgc_collect(w.collector, CCGC_REASON_TESTING), CCGC_OK);
  ccgc_heap_stats after = script_stats(&w);
  ck_assert_uint_gt(after.evacuated_pages, 0);
  ck_assert_uint_gt(after.evacuated_bytes, 0);
  /* The survivors of the first page stay with the permanent objects. */
  ck_assert_uint_gt(after.evacuated_objects, COUNT / KEEP / 2);
  ck_assert_ptr_ne(address_of_last(&w, &f), old_address);
  ck_assert_uint_lt(after.committed_bytes, before.committed_bytes);
  ck_assert_uint_eq(after.used_bytes, before.used_bytes);
  ck_assert_uint_eq(after.object_count, before.object_count);
  check(&w, &f);

  /* The next collection does not compact again unasked, and the heap
   * verifier finds every reachable object allocated. */
  ck_assert_int_eq(ccgc_collect(w.collector, CCGC_REASON_TESTING), CCGC_OK);
  ck_assert_uint_eq(script_stats(&w).evacuated_pages, 0);
  ccgc_verify_report report;
  ck_assert_msg(ccgc_collector_verify_heap(w.collector, &report), "%s",
                report.first_error);
  check(&w, &f);
  script_world_free(&w);
}
END_TEST

/* AUTO compacts the fragmented pages into fewer, then leaves the result:
 * the survivors (about 96 KB) end on one page less than half live, which
 * every collection evacuated again onto a fresh page, gaining nothing
 * (docs/compaction.md: only a move that frees pages). */
START_TEST(auto_compacts_then_leaves_a_lone_sparse_page) {
  script_world w;
  v8ish_heap_options options = {.compaction = CCGC_COMPACTION_AUTO,
                                .no_young_generation = 1};
  script_world_init_with(&w, &options);
  fragmented f = {0};
  build(&w, &f);
  size_t moved = 0;
  for (int i = 0; i < 2; i++) { /* measured by the first, moved by the second */
    ck_assert_int_eq(ccgc_collect(w.collector, CCGC_REASON_TESTING), CCGC_OK);
    moved += script_stats(&w).evacuated_pages;
  }
  ck_assert_uint_ge(moved, 2);
  check(&w, &f);
  size_t committed = script_stats(&w).committed_bytes;
  for (int i = 0; i < 4; i++) {
    ck_assert_int_eq(ccgc_collect(w.collector, CCGC_REASON_TESTING), CCGC_OK);
    ck_assert_uint_eq(script_stats(&w).evacuated_pages, 0);
    ck_assert_uint_eq(script_stats(&w).committed_bytes, committed);
  }
  check(&w, &f);
  script_world_free(&w);
}
END_TEST

/* With the young generation on, the survivors and the holder go through
 * the nursery first; every_full compacts each full collection. */
START_TEST(every_full_collection_compacts_with_a_nursery) {
  script_world w;
  v8ish_heap_options options = {.compaction = CCGC_COMPACTION_EVERY_FULL};
  script_world_init_with(&w, &options);
  fragmented f = {0};
  build(&w, &f);
  for (int i = 0; i < 3; i++) {
    ck_assert_int_eq(ccgc_collect(w.collector, CCGC_REASON_TESTING), CCGC_OK);
    check(&w, &f);
  }
  ccgc_verify_report report;
  ck_assert_msg(ccgc_collector_verify_heap(w.collector, &report), "%s",
                report.first_error);
  script_world_free(&w);
}
END_TEST

/* At the hard limit no target page can be mapped: every candidate stays
 * where it is, whole, and the heap is as correct as without compaction. */
START_TEST(at_the_hard_limit_every_page_stays_in_place) {
  /* The limit is the committed size once the arrays are built. */
  script_world w;
  fragmented f = {0};
  script_world_init_old(&w, 0);
  build(&w, &f);
  size_t committed = script_stats(&w).committed_bytes;
  script_world_free(&w);
  script_world_init_old(&w, committed);
  build(&w, &f);
  void *old_address = address_of_last(&w, &f);
  ck_assert_int_eq(v8ish_heap_request_compaction(w.heap), CCGC_OK);
  ck_assert_int_eq(ccgc_collect(w.collector, CCGC_REASON_TESTING), CCGC_OK);
  ck_assert_uint_eq(script_stats(&w).evacuated_pages, 0);
  ck_assert_ptr_eq(address_of_last(&w, &f), old_address);
  check(&w, &f);
  script_world_free(&w);
}
END_TEST

/* The permanent objects (the built-in classes) never move: the class of a
 * fresh object keeps its address. */
START_TEST(the_permanent_objects_stay) {
  script_world w;
  script_world_init_old(&w, 0);
  fragmented f = {0};
  build(&w, &f);
  v8ish_handle_scope scope;
  v8ish_handle_scope_open(w.heap, &scope);
  v8ish_global object = v8ish_global_new(w.heap, v8ish_object_new(w.heap), false);
  v8ish_local klass = v8ish_object_class(w.heap, v8ish_global_get(w.heap, object));
  void *class_address = v8ish_object_address(w.heap, klass);
  v8ish_handle_scope_close(&scope);
  /* Candidates are chosen by the live bytes of the last sweep. */
  ck_assert_int_eq(ccgc_collect(w.collector, CCGC_REASON_TESTING), CCGC_OK);
  ck_assert_int_eq(v8ish_heap_request_compaction(w.heap), CCGC_OK);
  ck_assert_int_eq(ccgc_collect(w.collector, CCGC_REASON_TESTING), CCGC_OK);
  ck_assert_uint_gt(script_stats(&w).evacuated_pages, 0);
  v8ish_handle_scope_open(w.heap, &scope);
  klass = v8ish_object_class(w.heap, v8ish_global_get(w.heap, object));
  ck_assert_ptr_eq(v8ish_object_address(w.heap, klass), class_address);
  v8ish_handle_scope_close(&scope);
  check(&w, &f);
  script_world_free(&w);
}
END_TEST

/* --- slots recorded during marking (.inv.compaction-slots-recorded) ------- */

/* A one-element FixedArray allocated first, beside the permanent objects,
 * whose page is never a candidate. */
static v8ish_global make_holder(script_world *w) {
  v8ish_handle_scope scope;
  v8ish_handle_scope_open(w->heap, &scope);
  v8ish_global holder =
      v8ish_global_new(w->heap, v8ish_fixed_array_new(w->heap, 1), false);
  v8ish_handle_scope_close(&scope);
  return holder;
}

static void *address_of_global(script_world *w, v8ish_global global) {
  v8ish_handle_scope scope;
  v8ish_handle_scope_open(w->heap, &scope);
  void *address = v8ish_object_address(w->heap, v8ish_global_get(w->heap, global));
  v8ish_handle_scope_close(&scope);
  return address;
}

/* holder[0] = the last survivor. */
static void store_last(script_world *w, const fragmented *f, v8ish_global holder) {
  v8ish_handle_scope scope;
  v8ish_handle_scope_open(w->heap, &scope);
  v8ish_local last = v8ish_array_get(w->heap, v8ish_global_get(w->heap, f->holder),
                                     COUNT / KEEP - 1);
  v8ish_array_set(w->heap, v8ish_global_get(w->heap, holder), 0, last);
  v8ish_handle_scope_close(&scope);
}

/* holder[0] is still the last survivor (same object, read through it). */
static void check_holder(script_world *w, const fragmented *f, v8ish_global holder) {
  v8ish_handle_scope scope;
  v8ish_handle_scope_open(w->heap, &scope);
  v8ish_local last = v8ish_array_get(w->heap, v8ish_global_get(w->heap, f->holder),
                                     COUNT / KEEP - 1);
  v8ish_local held = v8ish_array_get(w->heap, v8ish_global_get(w->heap, holder), 0);
  ck_assert(v8ish_same(w->heap, held, last));
  ck_assert_int_eq(v8ish_integer_value(w->heap, v8ish_array_get(w->heap, held, 0)),
                   COUNT - KEEP);
  v8ish_handle_scope_close(&scope);
}

/* Builds the fragmented pages, lets a collection measure them (candidates
 * are chosen by the live bytes of the last sweep), asks for compaction and
 * starts incremental marking: the last survivor's page is a candidate, the
 * holder's is not. */
static void start_compacting_cycle(script_world *w, fragmented *f,
                                   v8ish_global holder) {
  build(w, f);
  ck_assert_int_eq(ccgc_collect(w->collector, CCGC_REASON_TESTING), CCGC_OK);
  ck_assert_int_eq(v8ish_heap_request_compaction(w->heap), CCGC_OK);
  ck_assert_int_eq(ccgc_incremental_start(w->collector, CCGC_REASON_TESTING), CCGC_OK);
  ck_assert(ccgc_page_is_candidate(ccgc_page_of(address_of_last(w, f))));
  ck_assert(!ccgc_page_is_candidate(ccgc_page_of(address_of_global(w, holder))));
}

/* Marking finished, holder black: only the barrier can record a store now. */
static void mark_everything(script_world *w, v8ish_global holder) {
  while (!ccgc_incremental_step(w->collector, 1000.0)) {
  }
  ck_assert_int_eq(ccgc_color_of(address_of_global(w, holder)), CCGC_BLACK);
}

/* The barrier's record: the holder was traced (black, nothing to record
 * then) before the store of a reference into a candidate. */
START_TEST(a_store_during_incremental_marking_is_updated) {
  script_world w;
  script_world_init_old(&w, 0);
  v8ish_global holder = make_holder(&w);
  fragmented f = {0};
  start_compacting_cycle(&w, &f, holder);
  mark_everything(&w, holder);
  void *old_address = address_of_last(&w, &f);
  store_last(&w, &f, holder);
  ck_assert_int_eq(ccgc_incremental_finish(w.collector), CCGC_OK);
  ck_assert_uint_gt(script_stats(&w).evacuated_pages, 0);
  ck_assert_ptr_ne(address_of_last(&w, &f), old_address);
  check_holder(&w, &f, holder);
  check(&w, &f);
  script_world_free(&w);
}
END_TEST

/* The marker's record: the reference was stored before marking started
 * (no barrier job then), the marker traces the holder. */
START_TEST(a_reference_traced_by_the_marker_is_updated) {
  script_world w;
  script_world_init_old(&w, 0);
  v8ish_global holder = make_holder(&w);
  fragmented f = {0};
  build(&w, &f);
  store_last(&w, &f, holder);
  ck_assert_int_eq(ccgc_collect(w.collector, CCGC_REASON_TESTING), CCGC_OK);
  ck_assert_int_eq(v8ish_heap_request_compaction(w.heap), CCGC_OK);
  void *old_address = address_of_last(&w, &f);
  ck_assert_int_eq(ccgc_incremental_start(w.collector, CCGC_REASON_TESTING), CCGC_OK);
  ck_assert(ccgc_page_is_candidate(ccgc_page_of(old_address)));
  ck_assert(!ccgc_page_is_candidate(ccgc_page_of(address_of_global(&w, holder))));
  mark_everything(&w, holder);
  ck_assert_int_eq(ccgc_incremental_finish(w.collector), CCGC_OK);
  ck_assert_uint_gt(script_stats(&w).evacuated_pages, 0);
  ck_assert_ptr_ne(address_of_last(&w, &f), old_address);
  check_holder(&w, &f, holder);
  check(&w, &f);
  script_world_free(&w);
}
END_TEST

/* While marking runs no object is allocated on a candidate: their free
 * blocks left the free lists (.inv.compaction-candidates-unlisted). */
START_TEST(candidates_receive_no_allocation_during_marking) {
  script_world w;
  script_world_init_old(&w, 0);
  v8ish_global holder = make_holder(&w);
  fragmented f = {0};
  start_compacting_cycle(&w, &f, holder);
  v8ish_handle_scope scope;
  v8ish_handle_scope_open(w.heap, &scope);
  v8ish_local keep = v8ish_fixed_array_new(w.heap, COUNT);
  for (int i = 0; i < COUNT; i++) {
    v8ish_local array = v8ish_fixed_array_new(w.heap, 2);
    ck_assert(!ccgc_page_is_candidate(
        ccgc_page_of(v8ish_object_address(w.heap, array))));
    if (i % 2) v8ish_array_set(w.heap, keep, (size_t)i, array);
    if (i % 1000 == 0) ccgc_incremental_step(w.collector, 0.1);
  }
  ck_assert_int_eq(ccgc_incremental_finish(w.collector), CCGC_OK);
  ck_assert_uint_gt(script_stats(&w).evacuated_pages, 0);
  v8ish_handle_scope_close(&scope);
  check(&w, &f);
  script_world_free(&w);
}
END_TEST

/* A sparse page that holds a hidden class is never a candidate
 * (.inv.compaction-classes-stay); the other sparse pages are. */
START_TEST(a_page_holding_a_hidden_class_is_never_a_candidate) {
  script_world w;
  script_world_init_old(&w, 0);
  fragmented f = {0};
  build(&w, &f);
  v8ish_handle_scope scope;
  v8ish_handle_scope_open(w.heap, &scope);
  /* Garbage, then an object with a property of a name no class has yet (a
   * new class beside it), then garbage: its page is about as sparse. */
  for (int i = 0; i < COUNT / 4; i++) v8ish_fixed_array_new(w.heap, 2);
  v8ish_local object = v8ish_object_new(w.heap);
  ck_assert_int_eq(v8ish_object_set(w.heap, object, "only-here", script_int(&w, 7)),
                   CCGC_OK);
  v8ish_global kept = v8ish_global_new(w.heap, object, false);
  void *class_address = v8ish_object_address(w.heap, v8ish_object_class(w.heap, object));
  for (int i = 0; i < COUNT / 4; i++) v8ish_fixed_array_new(w.heap, 2);
  v8ish_handle_scope_close(&scope);
  ck_assert_int_eq(ccgc_collect(w.collector, CCGC_REASON_TESTING), CCGC_OK);
  ck_assert_int_eq(v8ish_heap_request_compaction(w.heap), CCGC_OK);
  ck_assert_int_eq(ccgc_incremental_start(w.collector, CCGC_REASON_TESTING), CCGC_OK);
  ck_assert(!ccgc_page_is_candidate(ccgc_page_of(class_address)));
  ck_assert(ccgc_page_is_candidate(ccgc_page_of(address_of_last(&w, &f))));
  ck_assert_int_eq(ccgc_incremental_finish(w.collector), CCGC_OK);
  ck_assert_uint_gt(script_stats(&w).evacuated_pages, 0);
  v8ish_handle_scope_open(w.heap, &scope);
  object = v8ish_global_get(w.heap, kept);
  ck_assert_ptr_eq(v8ish_object_address(w.heap, v8ish_object_class(w.heap, object)),
                   class_address);
  ck_assert_int_eq(v8ish_integer_value(w.heap, v8ish_object_get(w.heap, object, "only-here")),
                   7);
  v8ish_handle_scope_close(&scope);
  check(&w, &f);
  script_world_free(&w);
}
END_TEST

/* Pages whose objects all died in the compacting cycle are released, but
 * nothing moves: no objects_moved, no copying thread (the announcement
 * came anyway; found by an audit, 2026-12-07). */
static void count_moves(void *data) { (*(int *)data)++; }

START_TEST(a_compaction_that_moves_nothing_announces_nothing) {
  script_world w;
  script_world_init_old(&w, 0);
  fragmented f = {0};
  build(&w, &f);
  ck_assert_int_eq(ccgc_collect(w.collector, CCGC_REASON_TESTING), CCGC_OK);
  /* Every survivor dies. */
  v8ish_handle_scope scope;
  v8ish_handle_scope_open(w.heap, &scope);
  v8ish_local holder = v8ish_global_get(w.heap, f.holder);
  for (int k = 0; k < COUNT / KEEP; k++)
    v8ish_array_set(w.heap, holder, (size_t)k, script_int(&w, 0));
  v8ish_handle_scope_close(&scope);
  v8ish_global_free(w.heap, f.first);
  v8ish_traced_free(w.heap, f.traced);
  int moves = 0;
  ccgc_event_listener listener = {.objects_moved = count_moves};
  ck_assert_int_eq(ccgc_collector_add_listener(w.collector, &listener, &moves), CCGC_OK);
  ck_assert_int_eq(v8ish_heap_request_compaction(w.heap), CCGC_OK);
  ck_assert_int_eq(ccgc_collect(w.collector, CCGC_REASON_TESTING), CCGC_OK);
  ccgc_heap_stats after = script_stats(&w);
  ck_assert_uint_gt(after.evacuated_pages, 0);
  ck_assert_uint_eq(after.evacuated_objects, 0);
  ck_assert_uint_eq(after.evacuation_threads, 0);
  ck_assert_int_eq(moves, 0);
  ccgc_collector_remove_listener(w.collector, &listener, &moves);
  script_world_free(&w);
}
END_TEST

START_TEST(an_unknown_compaction_mode_is_refused) {
  ccgc_collector *collector = ccgc_collector_new(NULL);
  ccgc_test_errors errors;
  ccgc_test_capture_errors(collector, &errors);
  v8ish_heap_options options = {.compaction = 7};
  ck_assert_ptr_null(v8ish_heap_new(collector, &options));
  ck_assert_int_eq(ccgc_collector_last_error(collector)->code, CCGC_E_INVALID_ARGUMENT);
  ck_assert_uint_eq(errors.count, 1);
  ccgc_collector_free(collector);
}
END_TEST

int main(void) {
  Suite *suite = suite_create("v8ish-compactor");
  TCase *tc = tcase_create("core");
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, objects_of_sparse_pages_move_and_every_reference_follows);
  tcase_add_test(tc, every_full_collection_compacts_with_a_nursery);
  tcase_add_test(tc, auto_compacts_then_leaves_a_lone_sparse_page);
  tcase_add_test(tc, at_the_hard_limit_every_page_stays_in_place);
  tcase_add_test(tc, the_permanent_objects_stay);
  tcase_add_test(tc, a_store_during_incremental_marking_is_updated);
  tcase_add_test(tc, a_reference_traced_by_the_marker_is_updated);
  tcase_add_test(tc, candidates_receive_no_allocation_during_marking);
  tcase_add_test(tc, a_page_holding_a_hidden_class_is_never_a_candidate);
  tcase_add_test(tc, an_unknown_compaction_mode_is_refused);
  tcase_add_test(tc, a_compaction_that_moves_nothing_announces_nothing);
  suite_add_tcase(suite, tc);
  return ccgc_test_run(suite);
}
