/* test-heap.c - the DOM heap: allocation, members, persistents, finalizers,
 * weak references, large objects, free-list reuse, limits and misuse. */
#include <check.h>
#include <string.h>

#include "blinkish.h"
#include "ccgc-page.h"
#include "ccgc-test.h"

typedef struct node {
  struct node *next;
  struct node *weak_next;
  int value;
} node;

static int finalized;

static void trace_node(ccgc_visitor *visitor, void *object) {
  node *self = object;
  blinkish_trace(visitor, self->next, "next");
  blinkish_trace_weak(visitor, (void **)&self->weak_next, "weak_next");
}

static void finalize_node(void *object) {
  (void)object;
  finalized++;
}

typedef struct world {
  ccgc_collector *collector;
  blinkish_heap *heap;
  blinkish_type_id node_type;
  ccgc_test_errors errors;
} world;

static world make_world(size_t limit) {
  world w;
  ccgc_collector_options options = {.verify = true};
  w.collector = ccgc_collector_new(&options);
  blinkish_heap_options heap_options = {.limit_bytes = limit};
  w.heap = blinkish_heap_new(w.collector, &heap_options);
  blinkish_type_info info = {"Node", trace_node, finalize_node, 0};
  w.node_type = blinkish_register_type(w.heap, &info);
  ccgc_test_capture_errors(w.collector, &w.errors);
  finalized = 0;
  return w;
}

static void free_world(world *w) {
  blinkish_heap_free(w->heap);
  ccgc_collector_free(w->collector);
}

static node *new_node(world *w, int value) {
  node *n = blinkish_alloc(w->heap, w->node_type, sizeof(node));
  ck_assert_ptr_nonnull(n);
  n->value = value;
  return n;
}

START_TEST(a_million_node_list_lives_through_a_persistent_then_dies) {
  world w = make_world(0);
  ccgc_test_capture_errors(w.collector, &w.errors);
  ccgc_collector_set_verify(w.collector, false);
  node *head = new_node(&w, 0), *tail = head;
  blinkish_persistent *root = blinkish_persistent_new(w.heap, head, false);
  for (int i = 1; i < 1000000; i++) {
    node *next = new_node(&w, i);
    blinkish_member_set(w.heap, tail, (void **)&tail->next, next);
    tail = next;
  }
  ccgc_collect(w.collector, CCGC_REASON_TESTING);
  ccgc_heap_stats stats;
  blinkish_heap_stats(w.heap, &stats);
  ck_assert_uint_eq(stats.object_count, 1000000 + 0);
  ck_assert_int_eq(finalized, 0);
  int count = 0;
  for (node *at = head; at; at = at->next) ck_assert_int_eq(at->value, count++);
  blinkish_persistent_free(w.heap, root);
  ccgc_collect(w.collector, CCGC_REASON_TESTING);
  blinkish_heap_stats(w.heap, &stats);
  ck_assert_uint_eq(stats.object_count, 0);
  ck_assert_int_eq(finalized, 1000000);
  ck_assert_uint_eq(stats.page_count, 0); /* empty pages went back to the OS */
  free_world(&w);
}
END_TEST

START_TEST(finalizers_run_once_for_dead_objects_only) {
  world w = make_world(0);
  ccgc_test_capture_errors(w.collector, &w.errors);
  node *live = new_node(&w, 1);
  blinkish_persistent *root = blinkish_persistent_new(w.heap, live, false);
  for (int i = 0; i < 100; i++) new_node(&w, i);
  ccgc_test_collect_verified(w.collector);
  ck_assert_int_eq(finalized, 100);
  ccgc_test_collect_verified(w.collector);
  ck_assert_int_eq(finalized, 100);
  ck_assert_int_eq(live->value, 1);
  blinkish_persistent_free(w.heap, root);
  free_world(&w);
  ck_assert_int_eq(finalized, 101); /* heap teardown finalizes the rest */
}
END_TEST

START_TEST(weak_members_and_weak_persistents_are_cleared_when_targets_die) {
  world w = make_world(0);
  ccgc_test_capture_errors(w.collector, &w.errors);
  node *holder = new_node(&w, 0), *target = new_node(&w, 1);
  blinkish_persistent *root = blinkish_persistent_new(w.heap, holder, false);
  blinkish_persistent *target_root = blinkish_persistent_new(w.heap, target, false);
  blinkish_persistent *watch = blinkish_persistent_new(w.heap, target, true);
  blinkish_member_set(w.heap, holder, (void **)&holder->weak_next, target);
  ccgc_test_collect_verified(w.collector);
  ck_assert_ptr_eq(holder->weak_next, target);
  ck_assert_ptr_eq(blinkish_persistent_get(watch), target);
  blinkish_persistent_free(w.heap, target_root);
  ccgc_test_collect_verified(w.collector);
  ck_assert_ptr_null(holder->weak_next);
  ck_assert_ptr_null(blinkish_persistent_get(watch));
  ck_assert_int_eq(finalized, 1);
  blinkish_persistent_free(w.heap, watch);
  blinkish_persistent_free(w.heap, root);
  free_world(&w);
}
END_TEST

START_TEST(vectors_grow_and_keep_their_elements_alive) {
  world w = make_world(0);
  ccgc_test_capture_errors(w.collector, &w.errors);
  void *vector = blinkish_vector_new(w.heap, 2);
  blinkish_persistent *root = blinkish_persistent_new(w.heap, vector, false);
  for (int i = 0; i < 1000; i++)
    ck_assert_int_eq(blinkish_vector_append(w.heap, vector, new_node(&w, i)), CCGC_OK);
  ccgc_test_collect_verified(w.collector);
  ck_assert_uint_eq(blinkish_vector_length(w.heap, vector), 1000);
  for (int i = 0; i < 1000; i++)
    ck_assert_int_eq(((node *)blinkish_vector_get(w.heap, vector, (size_t)i))->value, i);
  ck_assert_int_eq(finalized, 0);
  node *third = blinkish_vector_get(w.heap, vector, 3);
  ck_assert(blinkish_vector_remove_value(w.heap, vector, third));
  ck_assert_int_eq(blinkish_vector_remove(w.heap, vector, 0), CCGC_OK);
  ccgc_test_collect_verified(w.collector);
  ck_assert_int_eq(finalized, 2);
  ck_assert_uint_eq(blinkish_vector_length(w.heap, vector), 998);
  ck_assert_int_eq(((node *)blinkish_vector_get(w.heap, vector, 0))->value, 1);
  ck_assert_int_eq(((node *)blinkish_vector_get(w.heap, vector, 2))->value, 4);
  blinkish_persistent_free(w.heap, root);
  free_world(&w);
}
END_TEST

START_TEST(large_objects_get_their_own_pages) {
  world w = make_world(0);
  ccgc_test_capture_errors(w.collector, &w.errors);
  void *big = blinkish_alloc(w.heap, w.node_type, 1 << 20);
  ck_assert_ptr_nonnull(big);
  ck_assert(blinkish_is_object(w.heap, big));
  ck_assert_uint_ge(blinkish_object_size(w.heap, big), 1 << 20);
  ccgc_heap_stats stats;
  blinkish_heap_stats(w.heap, &stats);
  ck_assert_uint_eq(stats.page_count, 1);
  ck_assert_uint_ge(stats.committed_bytes, 1 << 20);
  ccgc_test_collect_verified(w.collector);
  blinkish_heap_stats(w.heap, &stats);
  ck_assert_uint_eq(stats.page_count, 0);
  ck_assert_uint_eq(stats.committed_bytes, 0);
  free_world(&w);
}
END_TEST

START_TEST(freed_cells_are_reused) {
  world w = make_world(0);
  ccgc_test_capture_errors(w.collector, &w.errors);
  node *keep = new_node(&w, 0);
  blinkish_persistent *root = blinkish_persistent_new(w.heap, keep, false);
  for (int i = 0; i < 10000; i++) new_node(&w, i);
  ccgc_test_collect_verified(w.collector);
  ccgc_heap_stats before, after;
  blinkish_heap_stats(w.heap, &before);
  for (int round = 0; round < 5; round++) {
    for (int i = 0; i < 10000; i++) new_node(&w, i);
    ccgc_test_collect_verified(w.collector);
  }
  blinkish_heap_stats(w.heap, &after);
  ck_assert_uint_le(after.committed_bytes, before.committed_bytes + CCGC_PAGE_SIZE);
  blinkish_persistent_free(w.heap, root);
  free_world(&w);
}
END_TEST

START_TEST(misuse_is_reported_and_changes_nothing) {
  world w = make_world(0);
  ccgc_test_capture_errors(w.collector, &w.errors);
  node *holder = new_node(&w, 0);
  blinkish_persistent *root = blinkish_persistent_new(w.heap, holder, false);
  node foreign = {0};
  ck_assert_int_eq(blinkish_member_set(w.heap, &foreign, (void **)&foreign.next, holder),
                   CCGC_E_FOREIGN_POINTER);
  ck_assert(strstr(w.errors.last_message, "blinkish_member_set: holder"));
  ck_assert_int_eq(blinkish_member_set(w.heap, holder, (void **)&holder->next, &foreign),
                   CCGC_E_FOREIGN_POINTER);
  ck_assert_ptr_null(holder->next);
  node *dead = new_node(&w, 9);
  ccgc_test_collect_verified(w.collector); /* dead is freed; its page lives */
  ck_assert_int_eq(blinkish_member_set(w.heap, holder, (void **)&holder->next, dead),
                   CCGC_E_DEAD_OBJECT);
  ck_assert(strstr(w.errors.last_message, "not a live object"));
  ck_assert_int_eq(blinkish_member_set(w.heap, dead, (void **)&dead->next, holder),
                   CCGC_E_DEAD_OBJECT);
  ck_assert_int_eq(blinkish_member_set(w.heap, holder, (void **)&foreign.next, NULL),
                   CCGC_E_INVALID_ARGUMENT); /* slot outside the holder */
  ck_assert_ptr_null(blinkish_alloc(w.heap, 999, 8));
  ck_assert_int_eq(w.errors.last_code, CCGC_E_INVALID_ARGUMENT);
  ck_assert_ptr_null(blinkish_alloc(w.heap, w.node_type, SIZE_MAX - 4));
  ck_assert_int_eq(ccgc_collector_last_error(w.collector)->code, CCGC_E_SIZE_OVERFLOW);
  blinkish_persistent_free(w.heap, root);
  free_world(&w);
}
END_TEST

static world *finalizer_world;
static node *finalizer_target;
static void storing_finalizer(void *object) {
  node *self = object;
  blinkish_member_set(finalizer_world->heap, finalizer_target,
                      (void **)&finalizer_target->next, self);
}

START_TEST(a_store_from_a_finalizer_is_reported) {
  world w = make_world(0);
  ccgc_test_capture_errors(w.collector, &w.errors);
  blinkish_type_info info = {"Resurrector", NULL, storing_finalizer, 0};
  blinkish_type_id type = blinkish_register_type(w.heap, &info);
  finalizer_world = &w;
  finalizer_target = new_node(&w, 0);
  blinkish_persistent *root = blinkish_persistent_new(w.heap, finalizer_target, false);
  blinkish_alloc(w.heap, type, 16);
  ccgc_test_collect_verified(w.collector);
  ck_assert_int_eq(w.errors.last_code, CCGC_E_DEAD_OBJECT);
  ck_assert(strstr(w.errors.last_message, "during finalization"));
  ck_assert_ptr_null(finalizer_target->next); /* nothing was stored */
  blinkish_persistent_free(w.heap, root);
  free_world(&w);
}
END_TEST

START_TEST(the_heap_limit_is_an_error_and_the_heap_stays_usable) {
  world w = make_world(4 * CCGC_PAGE_SIZE);
  ccgc_test_capture_errors(w.collector, &w.errors);
  blinkish_persistent *root = blinkish_persistent_new(w.heap, NULL, false);
  node *head = NULL;
  int allocated = 0;
  for (;;) {
    node *n = blinkish_alloc(w.heap, w.node_type, sizeof(node));
    if (!n) break;
    blinkish_member_set(w.heap, n, (void **)&n->next, head);
    head = n;
    blinkish_persistent_set(w.heap, root, head);
    allocated++;
  }
  ck_assert_int_gt(allocated, 1000);
  ck_assert_int_eq(ccgc_collector_last_error(w.collector)->code, CCGC_E_HEAP_LIMIT);
  ck_assert(strstr(ccgc_collector_last_error(w.collector)->message, "blinkish_alloc"));
  blinkish_persistent_set(w.heap, root, NULL);
  ccgc_test_collect_verified(w.collector);
  ck_assert_ptr_nonnull(new_node(&w, 1)); /* room again after collecting */
  blinkish_persistent_free(w.heap, root);
  free_world(&w);
}
END_TEST

/* The collector's last heap slot taken: the next heap is refused, recorded
 * under the constructor's name, and the heaps made before are unharmed. */
START_TEST(a_heap_past_the_collectors_most_is_refused_by_name) {
  ccgc_collector *collector = ccgc_collector_new(NULL);
  blinkish_heap *heaps[CCGC_MAX_HEAPS];
  for (int i = 0; i < CCGC_MAX_HEAPS; i++) {
    heaps[i] = blinkish_heap_new(collector, NULL);
    ck_assert_ptr_nonnull(heaps[i]);
  }
  ck_assert_ptr_null(blinkish_heap_new(collector, NULL));
  const ccgc_error *error = ccgc_collector_last_error(collector);
  ck_assert_int_eq(error->code, CCGC_E_INVALID_ARGUMENT);
  ck_assert_msg(strstr(error->message, "blinkish_heap_new") != NULL, "%s",
                error->message);
  ck_assert_int_eq(ccgc_collect(collector, CCGC_REASON_TESTING), CCGC_OK);
  for (int i = CCGC_MAX_HEAPS - 1; i >= 0; i--) blinkish_heap_free(heaps[i]);
  ccgc_collector_free(collector);
}
END_TEST

int main(void) {
  Suite *suite = suite_create("blinkish-heap");
  TCase *tc = tcase_create("core");
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, a_million_node_list_lives_through_a_persistent_then_dies);
  tcase_add_test(tc, a_heap_past_the_collectors_most_is_refused_by_name);
  tcase_add_test(tc, finalizers_run_once_for_dead_objects_only);
  tcase_add_test(tc, weak_members_and_weak_persistents_are_cleared_when_targets_die);
  tcase_add_test(tc, vectors_grow_and_keep_their_elements_alive);
  tcase_add_test(tc, large_objects_get_their_own_pages);
  tcase_add_test(tc, freed_cells_are_reused);
  tcase_add_test(tc, misuse_is_reported_and_changes_nothing);
  tcase_add_test(tc, a_store_from_a_finalizer_is_reported);
  tcase_add_test(tc, the_heap_limit_is_an_error_and_the_heap_stays_usable);
  suite_add_tcase(suite, tc);
  return ccgc_test_run(suite);
}
