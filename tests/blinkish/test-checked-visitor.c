/* test-checked-visitor.c - what a host trace callback reports is checked
 * (blinkish/checked-visitor.c): a strong target, a weak slot's target or an
 * ephemeron key that no heap of the collector owns (a malloc'd block, a
 * stack address, another collector's object, written into a field with a
 * plain store) is reported as CCGC_E_FOREIGN_POINTER and dropped, and the
 * collection completes; a weak slot changed to such an address after it
 * was reported is caught when the marker clears weak slots and left alone.
 * Found by a misuse probe: these addresses crashed the collection (the
 * marker read the mark table of the page they claimed). */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>

#include "dom-test.h"

typedef struct rogue {
  void *strong;
  void *weak;
  void *key;
  void *value;
} rogue;

static void trace_rogue(ccgc_visitor *visitor, void *object) {
  rogue *self = object;
  blinkish_trace(visitor, self->strong, "strong");
  blinkish_trace_weak(visitor, &self->weak, "weak");
  ccgc_visit_ephemeron(visitor, self->key, self->value,
                       ccgc_edge_named(CCGC_EDGE_EPHEMERON, "pair"));
}

static rogue *new_rogue(dom_world *w, blinkish_persistent **root) {
  blinkish_type_info info = {"Rogue", trace_rogue, NULL, 0};
  blinkish_type_id type = blinkish_register_type(w->heap, &info);
  rogue *r = blinkish_alloc(w->heap, type, sizeof(rogue));
  ck_assert_ptr_nonnull(r);
  *root = blinkish_persistent_new(w->heap, r, false);
  return r;
}

START_TEST(foreign_addresses_from_a_trace_callback_are_dropped_and_reported) {
  dom_world w;
  dom_world_init(&w, 0);
  blinkish_persistent *root;
  rogue *r = new_rogue(&w, &root);
  void *block = malloc(64);
  int on_stack = 0;
  dom_node *value = dom_new_node(&w, 7);
  /* Plain stores: what a careless host writes. */
  r->strong = block;
  r->weak = &on_stack;
  r->key = block;
  r->value = value;
  ck_assert_int_eq(ccgc_collect(w.collector, CCGC_REASON_TESTING), CCGC_OK);
  ck_assert_uint_ge(w.errors.count, 3);
  dom_assert_error(&w, CCGC_E_FOREIGN_POINTER, "which no heap of this collector");
  ck_assert_ptr_eq(r->weak, &on_stack); /* left alone, not cleared */
  /* A real object as the strong target and the weak one: kept, as usual. */
  size_t reported = w.errors.count;
  r->strong = NULL;
  r->key = NULL;
  r->value = NULL;
  r->weak = NULL;
  dom_node *held = dom_new_node(&w, 8), *weakly = dom_new_node(&w, 9);
  ck_assert_int_eq(blinkish_member_set(w.heap, r, &r->strong, held), CCGC_OK);
  ck_assert_int_eq(blinkish_member_set(w.heap, r, &r->weak, weakly), CCGC_OK);
  ccgc_test_collect_verified(w.collector);
  ck_assert_uint_eq(w.errors.count, reported);
  ck_assert(blinkish_is_object(w.heap, held));
  ck_assert_ptr_null(r->weak); /* it died: only the weak slot held it */
  blinkish_persistent_free(w.heap, root);
  dom_world_free(&w);
  free(block);
}
END_TEST

START_TEST(another_collectors_object_is_foreign_too) {
  dom_world w, other;
  dom_world_init(&w, 0);
  dom_world_init(&other, 0);
  blinkish_persistent *root;
  rogue *r = new_rogue(&w, &root);
  dom_node *theirs = dom_new_node(&other, 1);
  blinkish_persistent *their_root =
      blinkish_persistent_new(other.heap, theirs, false);
  r->weak = theirs;
  r->key = theirs;
  r->value = theirs;
  ck_assert_int_eq(ccgc_collect(w.collector, CCGC_REASON_TESTING), CCGC_OK);
  dom_assert_error(&w, CCGC_E_FOREIGN_POINTER, "which no heap of this collector");
  ck_assert_ptr_eq(r->weak, theirs);
  ck_assert_uint_eq(other.errors.count, 0);
  blinkish_persistent_free(other.heap, their_root);
  blinkish_persistent_free(w.heap, root);
  dom_world_free(&other);
  dom_world_free(&w);
}
END_TEST

/* The weak slot held an object when the callback reported it; a plain
 * store puts a malloc'd block there before the pause clears weak slots. */
START_TEST(a_weak_slot_changed_after_it_was_reported_is_caught_at_clearing) {
  dom_world w;
  dom_world_init(&w, 0);
  /* The verifier would trace the object again after the store and report
   * it from the callback first. */
  ccgc_collector_set_verify(w.collector, false);
  blinkish_persistent *root;
  rogue *r = new_rogue(&w, &root);
  dom_node *target = dom_new_node(&w, 3);
  ck_assert_int_eq(blinkish_member_set(w.heap, r, &r->weak, target), CCGC_OK);
  ck_assert_int_eq(ccgc_incremental_start(w.collector, CCGC_REASON_TESTING),
                   CCGC_OK);
  while (!ccgc_incremental_step(w.collector, 100.0)) {
  }
  void *block = malloc(64);
  r->weak = block;
  ck_assert_int_eq(ccgc_incremental_finish(w.collector), CCGC_OK);
  dom_assert_error(&w, CCGC_E_FOREIGN_POINTER, "weak slot");
  ck_assert_ptr_eq(r->weak, block);
  r->weak = NULL;
  blinkish_persistent_free(w.heap, root);
  dom_world_free(&w);
  free(block);
}
END_TEST

int main(void) {
  Suite *suite = suite_create("blinkish-checked-visitor");
  TCase *tc = tcase_create("core");
  tcase_add_test(tc, foreign_addresses_from_a_trace_callback_are_dropped_and_reported);
  tcase_add_test(tc, another_collectors_object_is_foreign_too);
  tcase_add_test(tc, a_weak_slot_changed_after_it_was_reported_is_caught_at_clearing);
  suite_add_tcase(suite, tc);
  return ccgc_test_run(suite);
}
