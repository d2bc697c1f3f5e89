/* test-sweeper.c - reclamation: finalizers exactly once per dead object and
 * never for live ones, weak references cleared before any finalizer,
 * dangling pointers recognised as dead, poisoning in debug builds, page
 * release and heap teardown. (The million-node list: test-heap.c.) */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>

#include "dom-test.h"

/* A type whose finalizer counts per object, by id stored in the payload. */
enum { TRACKED = 3000 };
static unsigned char finalized_count[TRACKED];

typedef struct tracked {
  long id;
  struct tracked *next;
} tracked;

static void trace_tracked(ccgc_visitor *visitor, void *object) {
  blinkish_trace_member(visitor, (void *const *)&((tracked *)object)->next, "next");
}

static void finalize_tracked(void *object) {
  long id = ((tracked *)object)->id;
  if (id >= 0 && id < TRACKED) finalized_count[id]++;
}

START_TEST(finalizers_run_exactly_once_and_only_for_dead_objects) {
  dom_world w;
  dom_world_init(&w, 0);
  memset(finalized_count, 0, sizeof finalized_count);
  blinkish_type_info info = {"Tracked", trace_tracked, finalize_tracked, 0};
  blinkish_type_id type = blinkish_register_type(w.heap, &info);
  static tracked *objects[TRACKED];
  void *vector = blinkish_vector_new(w.heap, 8);
  blinkish_persistent *root = blinkish_persistent_new(w.heap, vector, false);
  for (long i = 0; i < TRACKED; i++) {
    objects[i] = blinkish_alloc(w.heap, type, sizeof(tracked) + (size_t)(i % 5) * 40);
    objects[i]->id = i;
    if (i % 3 == 0) blinkish_vector_append(w.heap, vector, objects[i]);
  }
  for (int cycle = 0; cycle < 3; cycle++) {
    ccgc_test_collect_verified(w.collector);
    for (long i = 0; i < TRACKED; i++)
      ck_assert_msg(finalized_count[i] == (i % 3 == 0 ? 0 : 1),
                    "object %ld finalized %u times after cycle %d", i,
                    (unsigned)finalized_count[i], cycle);
  }
  blinkish_persistent_free(w.heap, root);
  ccgc_test_collect_verified(w.collector);
  for (long i = 0; i < TRACKED; i++) ck_assert_uint_eq(finalized_count[i], 1);
  dom_world_free(&w);
  for (long i = 0; i < TRACKED; i++) ck_assert_uint_eq(finalized_count[i], 1);
}
END_TEST

START_TEST(heap_teardown_finalizes_every_remaining_object_once) {
  dom_world w;
  dom_world_init(&w, 0);
  memset(finalized_count, 0, sizeof finalized_count);
  blinkish_type_info info = {"Tracked", trace_tracked, finalize_tracked, 0};
  blinkish_type_id type = blinkish_register_type(w.heap, &info);
  tracked *head = NULL;
  blinkish_persistent *root = blinkish_persistent_new(w.heap, NULL, false);
  for (long i = 0; i < 100; i++) {
    tracked *t = blinkish_alloc(w.heap, type, i == 50 ? CCGC_PAGE_SIZE : sizeof *t);
    t->id = i;
    if (i % 2) {
      blinkish_member_set(w.heap, t, (void **)&t->next, head);
      head = t;
      blinkish_persistent_set(w.heap, root, head);
    }
  }
  ccgc_test_collect_verified(w.collector); /* evens die, 50 (large) too */
  for (long i = 0; i < 100; i++) ck_assert_uint_eq(finalized_count[i], i % 2 ? 0 : 1);
  dom_world_free(&w); /* the odd ones, still alive, with the persistent */
  for (long i = 0; i < 100; i++) ck_assert_uint_eq(finalized_count[i], 1);
}
END_TEST

START_TEST(freeing_the_heap_while_marking_finishes_the_cycle_first) {
  /* The marker's worklists hold objects of the heap: teardown must not pull
   * the pages from under them. The other heap's garbage is reclaimed. */
  dom_world w;
  dom_world_init(&w, 0);
  blinkish_heap *other = blinkish_heap_new(w.collector, NULL);
  blinkish_type_info info = {"Node", dom_trace_node, dom_finalize_node, 0};
  blinkish_type_id other_node = blinkish_register_type(other, &info);
  dom_node *head = NULL;
  for (long i = 0; i < 2000; i++) {
    dom_node *n = blinkish_alloc(other, other_node, sizeof *n);
    blinkish_member_set(other, n, (void **)&n->next, head);
    head = n;
  }
  blinkish_persistent *root = blinkish_persistent_new(other, head, false);
  for (long i = 0; i < 100; i++) dom_new_node(&w, i); /* garbage in w.heap */
  ck_assert_int_eq(ccgc_incremental_start(w.collector, CCGC_REASON_TESTING), CCGC_OK);
  ccgc_incremental_step(w.collector, 0.001);
  unsigned long cycles = ccgc_collector_cycle_count(w.collector);
  blinkish_heap_free(other); /* finishes the cycle, then frees */
  ck_assert_int_eq(ccgc_collector_state(w.collector), CCGC_STATE_IDLE);
  ck_assert_uint_eq(ccgc_collector_cycle_count(w.collector), cycles + 1);
  ck_assert_uint_eq(ccgc_collector_last_verify(w.collector)->errors, 0);
  ck_assert_uint_eq(dom_stats(&w).object_count, 0);
  ck_assert_uint_eq(dom_finalized, 100 + 2000); /* w's garbage, other's all */
  (void)root;
  dom_world_free(&w);
}
END_TEST

/* Finalizers observe the weak references to their object already cleared
 * (.inv.weak-before-finalizers). */
static blinkish_persistent *observed_watch;
static dom_node *observed_holder;
static int observed_cleared = -1;

static void finalize_observer(void *object) {
  (void)object;
  observed_cleared = blinkish_persistent_get(observed_watch) == NULL &&
                     observed_holder->weak == NULL;
}

START_TEST(weak_references_are_cleared_before_finalizers_run) {
  dom_world w;
  dom_world_init(&w, 0);
  blinkish_type_info info = {"Observed", NULL, finalize_observer, 0};
  blinkish_type_id type = blinkish_register_type(w.heap, &info);
  observed_holder = dom_new_node(&w, 0);
  blinkish_persistent *root = blinkish_persistent_new(w.heap, observed_holder, false);
  void *target = blinkish_alloc(w.heap, type, 16);
  observed_watch = blinkish_persistent_new(w.heap, target, true);
  dom_link(&w, observed_holder, &observed_holder->weak, target);
  observed_cleared = -1;
  ccgc_test_collect_verified(w.collector);
  ck_assert_int_eq(observed_cleared, 1);
  ck_assert_ptr_null(observed_holder->weak);
  blinkish_persistent_free(w.heap, observed_watch);
  blinkish_persistent_free(w.heap, root);
  dom_world_free(&w);
}
END_TEST

START_TEST(weak_members_are_cleared_only_when_their_target_dies) {
  dom_world w;
  dom_world_init(&w, 0);
  dom_node *holder = dom_new_node(&w, 0);
  dom_node *alive = dom_new_node(&w, 1), *dying = dom_new_node(&w, 2);
  dom_node *holder2 = dom_new_node(&w, 3);
  blinkish_persistent *root = blinkish_persistent_new(w.heap, holder, false);
  dom_link(&w, holder, &holder->next, alive);
  dom_link(&w, holder, &holder->other, holder2);
  dom_link(&w, holder, &holder->weak, alive);
  dom_link(&w, holder2, &holder2->weak, dying);
  ccgc_test_collect_verified(w.collector);
  ck_assert_ptr_eq(holder->weak, alive);
  ck_assert_ptr_null(holder2->weak);
  ck_assert_uint_eq(dom_finalized, 1);
  ck_assert_int_eq(dom_finalized_sum, 2);
  blinkish_persistent_free(w.heap, root);
  dom_world_free(&w);
}
END_TEST

START_TEST(dangling_pointers_are_recognised_and_poisoned_in_debug_builds) {
  dom_world w;
  dom_world_init(&w, 0);
  blinkish_type_info info = {"Raw", NULL, NULL, 0};
  blinkish_type_id raw = blinkish_register_type(w.heap, &info);
  /* Same arena as the dead one (no finalizer): the same page. */
  void *keep = blinkish_alloc(w.heap, raw, 16);
  blinkish_persistent *root = blinkish_persistent_new(w.heap, keep, false);
  uint8_t *dead = blinkish_alloc(w.heap, raw, 256);
  memset(dead, 0x11, 256);
  ck_assert(blinkish_is_object(w.heap, dead));
  ccgc_test_collect_verified(w.collector);
  ck_assert(!blinkish_is_object(w.heap, dead));
  ck_assert_ptr_eq(ccgc_page_of(dead), ccgc_page_of(keep)); /* still mapped */
#ifdef CCGC_DEBUG
  /* Past the free-list link, the freed bytes carry the poison. */
  for (size_t i = 16; i < 256; i++) ck_assert_uint_eq(dead[i], 0xdb);
#endif
  blinkish_persistent_free(w.heap, root);
  dom_world_free(&w);
}
END_TEST

START_TEST(pages_with_survivors_stay_and_empty_ones_go) {
  dom_world w;
  dom_world_init(&w, 0);
  blinkish_type_info info = {"Raw", NULL, NULL, 0};
  blinkish_type_id raw = blinkish_register_type(w.heap, &info);
  blinkish_persistent *roots[8];
  int rooted = 0;
  void *first_on_page = NULL;
  /* Eight pages' worth; root the first object of every other page. */
  while (dom_stats(&w).page_count < 9) {
    size_t pages = dom_stats(&w).page_count;
    void *object = blinkish_alloc(w.heap, raw, 1000);
    if (dom_stats(&w).page_count != pages) first_on_page = object;
    if (object == first_on_page && pages % 2 == 0 && rooted < 8)
      roots[rooted++] = blinkish_persistent_new(w.heap, object, false);
  }
  ck_assert_int_ge(rooted, 4);
  ccgc_test_collect_verified(w.collector);
  ccgc_heap_stats stats = dom_stats(&w);
  ck_assert_uint_eq(stats.page_count, (size_t)rooted);
  ck_assert_uint_eq(stats.object_count, (size_t)rooted);
  ck_assert_uint_eq(stats.committed_bytes, (size_t)rooted * CCGC_PAGE_SIZE);
  for (int i = 0; i < rooted; i++) blinkish_persistent_free(w.heap, roots[i]);
  ccgc_test_collect_verified(w.collector);
  ck_assert_uint_eq(dom_stats(&w).page_count, 0);
  dom_world_free(&w);
}
END_TEST

int main(void) {
  Suite *suite = suite_create("blinkish-sweeper");
  TCase *tc = tcase_create("core");
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, finalizers_run_exactly_once_and_only_for_dead_objects);
  tcase_add_test(tc, heap_teardown_finalizes_every_remaining_object_once);
  tcase_add_test(tc, freeing_the_heap_while_marking_finishes_the_cycle_first);
  tcase_add_test(tc, weak_references_are_cleared_before_finalizers_run);
  tcase_add_test(tc, weak_members_are_cleared_only_when_their_target_dies);
  tcase_add_test(tc, dangling_pointers_are_recognised_and_poisoned_in_debug_builds);
  tcase_add_test(tc, pages_with_survivors_stay_and_empty_ones_go);
  suite_add_tcase(suite, tc);
  return ccgc_test_run(suite);
}
