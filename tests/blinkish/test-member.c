/* test-member.c - checked member stores (.inv.member-store-checked): what is
 * stored, the write barrier during incremental marking, and every misuse
 * case with its code, leaving the heap unchanged. Also wrappable slots. */
#include <check.h>
#include <stdint.h>

#include "dom-test.h"

START_TEST(a_store_links_objects_and_keeps_the_target_alive) {
  dom_world w;
  dom_world_init(&w, 0);
  dom_node *a = dom_new_node(&w, 1), *b = dom_new_node(&w, 2);
  blinkish_persistent *root = blinkish_persistent_new(w.heap, a, false);
  dom_link(&w, a, &a->next, b);
  dom_link(&w, b, &b->next, a); /* a cycle */
  ck_assert_ptr_eq(a->next, b);
  ccgc_test_collect_verified(w.collector);
  ck_assert_uint_eq(dom_stats(&w).object_count, 2);
  ck_assert_int_eq(a->next->value, 2);
  dom_link(&w, a, &a->next, NULL); /* NULL is a valid value */
  ccgc_test_collect_verified(w.collector);
  ck_assert_uint_eq(dom_stats(&w).object_count, 1);
  ck_assert_uint_eq(dom_finalized, 1);
  ck_assert_int_eq(dom_finalized_sum, 2);
  ck_assert_uint_eq(w.errors.count, 0);
  blinkish_persistent_free(w.heap, root);
  dom_world_free(&w);
}
END_TEST

START_TEST(the_barrier_shades_a_white_target_stored_into_a_black_holder) {
  /* Incremental marking: the holder is black; the target is held only by
   * the host's C local (no root), so it is white. Storing it into the black
   * holder must shade it (.inv.no-black-to-white) or the cycle frees a
   * reachable object; the verifier agrees. */
  dom_world w;
  dom_world_init(&w, 0);
  dom_node *holder = dom_new_node(&w, 1);
  blinkish_persistent *root = blinkish_persistent_new(w.heap, holder, false);
  dom_node *target = dom_new_node(&w, 2);
  dom_node *grandchild = dom_new_node(&w, 3);
  dom_link(&w, target, &target->next, grandchild);
  ck_assert_int_eq(ccgc_incremental_start(w.collector, CCGC_REASON_TESTING), CCGC_OK);
  while (!ccgc_incremental_step(w.collector, 100.0)) {
  }
  ck_assert_int_eq(ccgc_color_of(holder), CCGC_BLACK);
  ck_assert_int_eq(ccgc_color_of(target), CCGC_WHITE);
  dom_link(&w, holder, &holder->other, target);
  ck_assert_int_ne(ccgc_color_of(target), CCGC_WHITE);
  dom_node *late = dom_new_node(&w, 4); /* allocated black */
  ck_assert_int_eq(ccgc_color_of(late), CCGC_BLACK);
  dom_link(&w, target, &target->other, late);
  ck_assert_int_eq(ccgc_incremental_finish(w.collector), CCGC_OK);
  ck_assert_uint_eq(ccgc_collector_last_verify(w.collector)->errors, 0);
  ck_assert(blinkish_is_object(w.heap, target));
  ck_assert(blinkish_is_object(w.heap, grandchild));
  ck_assert(blinkish_is_object(w.heap, late));
  ck_assert_uint_eq(dom_stats(&w).object_count, 4);
  ck_assert_uint_eq(dom_finalized, 0);
  ck_assert_int_eq(holder->other->next->value, 3);
  blinkish_persistent_free(w.heap, root);
  dom_world_free(&w);
}
END_TEST

START_TEST(foreign_holders_and_values_are_reported) {
  dom_world w;
  dom_world_init(&w, 0);
  dom_node *holder = dom_new_node(&w, 0);
  dom_node stack_node = {0};
  ck_assert_int_eq(blinkish_member_set(w.heap, &stack_node, (void **)&stack_node.next, holder),
                   CCGC_E_FOREIGN_POINTER);
  dom_assert_error(&w, CCGC_E_FOREIGN_POINTER, "blinkish_member_set: holder");
  ck_assert_str_eq(ccgc_collector_last_error(w.collector)->check,
                   ".api.valid-object"); /* the rule, docs/invariants.md */
  ck_assert_ptr_null(stack_node.next);

  ck_assert_int_eq(blinkish_member_set(w.heap, holder, (void **)&holder->next, &stack_node),
                   CCGC_E_FOREIGN_POINTER);
  dom_assert_error(&w, CCGC_E_FOREIGN_POINTER, "blinkish_member_set: value");
  ck_assert_ptr_null(holder->next);

  /* An object of another DOM heap of the same collector is foreign too. */
  blinkish_heap *other = blinkish_heap_new(w.collector, NULL);
  blinkish_type_info info = {"Node", dom_trace_node, NULL, 0};
  dom_node *theirs = blinkish_alloc(other, blinkish_register_type(other, &info),
                                    sizeof(dom_node));
  ck_assert_int_eq(blinkish_member_set(w.heap, holder, (void **)&holder->next, theirs),
                   CCGC_E_FOREIGN_POINTER);
  ck_assert_int_eq(blinkish_member_set(w.heap, theirs, (void **)&theirs->next, holder),
                   CCGC_E_FOREIGN_POINTER);
  ck_assert_ptr_null(holder->next);
  ck_assert_ptr_null(theirs->next);
  blinkish_heap_free(other);

  ck_assert_int_eq(blinkish_member_set(w.heap, NULL, (void **)&holder->next, NULL),
                   CCGC_E_FOREIGN_POINTER);
  ck_assert_uint_eq(w.errors.count, 5);
  dom_world_free(&w);
}
END_TEST

START_TEST(stores_into_or_of_dead_objects_are_reported) {
  /* A dangling pointer to a freed object is safe to keep here: its page
   * still holds a live object, so the memory stays mapped. */
  dom_world w;
  dom_world_init(&w, 0);
  dom_node *holder = dom_new_node(&w, 0);
  blinkish_persistent *root = blinkish_persistent_new(w.heap, holder, false);
  dom_node *dead = dom_new_node(&w, 9);
  ccgc_test_collect_verified(w.collector);
  ck_assert_ptr_eq(ccgc_page_of(dead), ccgc_page_of(holder));
  ck_assert(!blinkish_is_object(w.heap, dead));

  ck_assert_int_eq(blinkish_member_set(w.heap, holder, (void **)&holder->next, dead),
                   CCGC_E_DEAD_OBJECT);
  dom_assert_error(&w, CCGC_E_DEAD_OBJECT, "blinkish_member_set: value");
  ck_assert(strstr(w.errors.last_message, "not a live object"));
  ck_assert_ptr_null(holder->next);

  ck_assert_int_eq(blinkish_member_set(w.heap, dead, (void **)&dead->next, holder),
                   CCGC_E_DEAD_OBJECT);
  dom_assert_error(&w, CCGC_E_DEAD_OBJECT, "blinkish_member_set: holder");

  /* An interior pointer is no object either. */
  ck_assert_int_eq(blinkish_member_set(w.heap, (uint8_t *)holder + 8,
                                       (void **)&holder->weak, NULL),
                   CCGC_E_DEAD_OBJECT);
  ck_assert_int_eq(blinkish_member_set(w.heap, holder, (void **)&holder->next,
                                       (uint8_t *)holder + 16),
                   CCGC_E_DEAD_OBJECT);
  ck_assert_ptr_null(holder->next);
  ck_assert_uint_eq(w.errors.count, 4);
  blinkish_persistent_free(w.heap, root);
  dom_world_free(&w);
}
END_TEST

/* The heap's own objects keep private words (a vector's backing, a weak
 * map's table): a host store into one is refused and changes nothing. */
START_TEST(stores_into_the_heaps_own_objects_are_refused) {
  dom_world w;
  dom_world_init(&w, 0);
  dom_node *value = dom_new_node(&w, 1);
  blinkish_persistent *root = blinkish_persistent_new(w.heap, value, false);
  void *vector = blinkish_vector_new(w.heap, 4);
  blinkish_persistent *vector_root =
      blinkish_persistent_new(w.heap, vector, false);
  for (int i = 0; i < 10; i++)
    ck_assert_int_eq(blinkish_vector_append(w.heap, vector, value), CCGC_OK);
  ck_assert_int_eq(blinkish_member_set(w.heap, vector, (void **)vector, value),
                   CCGC_E_WRONG_TYPE);
  dom_assert_error(&w, CCGC_E_WRONG_TYPE, "the heap's own type");
  ck_assert_str_eq(ccgc_collector_last_error(w.collector)->check,
                   ".api.own-objects");
  ck_assert_uint_eq(blinkish_vector_length(w.heap, vector), 10);
  void *map = blinkish_weak_map_new(w.heap);
  blinkish_persistent *map_root = blinkish_persistent_new(w.heap, map, false);
  dom_node *key = dom_new_node(&w, 2);
  blinkish_persistent *key_root = blinkish_persistent_new(w.heap, key, false);
  ck_assert_int_eq(blinkish_weak_map_set(w.heap, map, key, value), CCGC_OK);
  ck_assert_int_eq(blinkish_member_set(w.heap, map, (void **)map, key),
                   CCGC_E_WRONG_TYPE);
  ck_assert_uint_eq(blinkish_weak_map_size(w.heap, map), 1);
  ck_assert_ptr_eq(blinkish_weak_map_get(w.heap, map, key), value);
  /* The calls of the collections themselves still store (appends grow
   * the backing through the heap's own store). */
  ck_assert_int_eq(blinkish_vector_append(w.heap, vector, key), CCGC_OK);
  ccgc_test_collect_verified(w.collector);
  ck_assert_uint_eq(blinkish_vector_length(w.heap, vector), 11);
  ck_assert_uint_eq(w.errors.count, 2);
  blinkish_persistent_free(w.heap, key_root);
  blinkish_persistent_free(w.heap, map_root);
  blinkish_persistent_free(w.heap, vector_root);
  blinkish_persistent_free(w.heap, root);
  dom_world_free(&w);
}
END_TEST

START_TEST(slots_must_be_aligned_fields_of_the_holder) {
  dom_world w;
  dom_world_init(&w, 0);
  dom_node *holder = dom_new_node(&w, 0), *value = dom_new_node(&w, 1);
  dom_node *neighbour = dom_new_node(&w, 2);
  /* Outside the payload: the neighbour's field, the header, past the end. */
  ck_assert_int_eq(blinkish_member_set(w.heap, holder, (void **)&neighbour->next, value),
                   CCGC_E_INVALID_ARGUMENT);
  dom_assert_error(&w, CCGC_E_INVALID_ARGUMENT, "blinkish_member_set: slot");
  ck_assert_int_eq(blinkish_member_set(w.heap, holder, (void **)holder - 1, value),
                   CCGC_E_INVALID_ARGUMENT);
  size_t size = blinkish_object_size(w.heap, holder);
  ck_assert_int_eq(blinkish_member_set(w.heap, holder,
                                       (void **)((uint8_t *)holder + size), value),
                   CCGC_E_INVALID_ARGUMENT);
  /* Misaligned. */
  ck_assert_int_eq(blinkish_member_set(w.heap, holder,
                                       (void **)((uint8_t *)holder + 4), value),
                   CCGC_E_INVALID_ARGUMENT);
  ck_assert_ptr_null(holder->next);
  ck_assert_ptr_null(neighbour->next);
  /* The last word of the payload is fine. */
  ck_assert_int_eq(blinkish_member_set(w.heap, holder,
                                       (void **)((uint8_t *)holder + size - 8), value),
                   CCGC_OK);
  ck_assert_uint_eq(w.errors.count, 4);
  dom_world_free(&w);
}
END_TEST

/* --- wrappable slots ------------------------------------------------------ */

typedef struct hook_log {
  int traced;      /* trace hook calls with a non-NULL slot */
  int released;    /* release hook calls */
  void *last_slot; /* value passed to the release hook */
  char order[16];  /* 'r' release, 'f' finalizer */
  int events;
} hook_log;

static hook_log *current_log;

static void trace_hook(ccgc_visitor *visitor, void *object, void *slot_value,
                       void *data) {
  (void)visitor, (void)object;
  hook_log *log = data;
  if (slot_value) log->traced++;
}

static void release_hook(void *object, void *slot_value, void *data) {
  (void)object;
  hook_log *log = data;
  log->released++;
  log->last_slot = slot_value;
  if (log->events < 15) log->order[log->events++] = 'r';
}

static void finalize_wrappable(void *object) {
  (void)object;
  if (current_log->events < 15) current_log->order[current_log->events++] = 'f';
}

START_TEST(wrappable_slots_are_traced_and_released_before_finalizers) {
  dom_world w;
  dom_world_init(&w, 0);
  hook_log log = {0};
  current_log = &log;
  blinkish_heap_set_wrappable_hooks(w.heap, trace_hook, release_hook, &log);
  blinkish_type_info info = {"HTMLElement", dom_trace_node, finalize_wrappable,
                             BLINKISH_TYPE_WRAPPABLE};
  blinkish_type_id type = blinkish_register_type(w.heap, &info);
  dom_node *kept = blinkish_alloc(w.heap, type, sizeof(dom_node));
  dom_node *dies = blinkish_alloc(w.heap, type, sizeof(dom_node));
  dom_node *unwrapped = blinkish_alloc(w.heap, type, sizeof(dom_node));
  static long wrapper_a, wrapper_b;
  *blinkish_wrappable_slot(w.heap, kept) = &wrapper_a;
  *blinkish_wrappable_slot(w.heap, dies) = &wrapper_b;
  blinkish_persistent *root = blinkish_persistent_new(w.heap, kept, false);
  /* Members work in a wrappable object's payload as in any other. */
  dom_node *child = dom_new_node(&w, 1);
  dom_link(&w, kept, &kept->next, child);

  ccgc_test_collect_verified(w.collector);
  ck_assert_int_ge(log.traced, 1);        /* kept's slot was traced */
  ck_assert_int_eq(log.released, 1);      /* only dies had a slot value */
  ck_assert_ptr_eq(log.last_slot, &wrapper_b);
  ck_assert_str_eq(log.order, "rff");     /* dies: release, finalize; unwrapped: finalize */
  ck_assert(!blinkish_is_object(w.heap, unwrapped));
  ck_assert(blinkish_is_object(w.heap, child));
  ck_assert_ptr_eq(*blinkish_wrappable_slot(w.heap, kept), &wrapper_a);

  blinkish_persistent_free(w.heap, root);
  dom_world_free(&w); /* teardown releases kept's slot too */
  ck_assert_int_eq(log.released, 2);
  ck_assert_ptr_eq(log.last_slot, &wrapper_a);
}
END_TEST

START_TEST(the_wrappable_slot_of_a_plain_object_is_misuse) {
  dom_world w;
  dom_world_init(&w, 0);
  dom_node *plain = dom_new_node(&w, 0);
  ck_assert_ptr_null(blinkish_wrappable_slot(w.heap, plain));
  dom_assert_error(&w, CCGC_E_WRONG_TYPE, "blinkish_wrappable_slot");
  dom_node stack_node;
  ck_assert_ptr_null(blinkish_wrappable_slot(w.heap, &stack_node));
  dom_assert_error(&w, CCGC_E_FOREIGN_POINTER, "blinkish_wrappable_slot");
  dom_world_free(&w);
}
END_TEST

int main(void) {
  Suite *suite = suite_create("blinkish-member");
  TCase *tc = tcase_create("core");
  tcase_add_test(tc, a_store_links_objects_and_keeps_the_target_alive);
  tcase_add_test(tc, the_barrier_shades_a_white_target_stored_into_a_black_holder);
  tcase_add_test(tc, foreign_holders_and_values_are_reported);
  tcase_add_test(tc, stores_into_or_of_dead_objects_are_reported);
  tcase_add_test(tc, slots_must_be_aligned_fields_of_the_holder);
  tcase_add_test(tc, stores_into_the_heaps_own_objects_are_refused);
  tcase_add_test(tc, wrappable_slots_are_traced_and_released_before_finalizers);
  tcase_add_test(tc, the_wrappable_slot_of_a_plain_object_is_misuse);
  suite_add_tcase(suite, tc);
  return ccgc_test_run(suite);
}
