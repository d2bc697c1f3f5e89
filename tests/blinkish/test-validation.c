/* test-validation.c - the object check every DOM API call makes
 * (blinkish/validation.c): live objects pass, everything else is refused,
 * and the page the check remembers (marking/page-space.h checked_page) is
 * forgotten when it is released, so a pointer into a released page is
 * refused and not read through a stale page. */
#include <check.h>
#include <stdint.h>
#include <string.h>

#include "dom-test.h"

/* A large object's page is released when it dies: a check that remembered
 * the page must not answer from it afterwards. */
START_TEST(a_pointer_into_a_released_page_is_refused) {
  dom_world w;
  dom_world_init(&w, 0);
  for (int round = 0; round < 4; round++) {
    dom_node *big = blinkish_alloc(w.heap, w.node_type, 300000);
    ck_assert_ptr_nonnull(big);
    dom_node *small = dom_new_node(&w, round);
    blinkish_persistent *keep = blinkish_persistent_new(w.heap, small, false);
    ck_assert(blinkish_is_object(w.heap, small));
    ck_assert(blinkish_is_object(w.heap, big)); /* its page remembered */
    size_t before = dom_stats(&w).committed_bytes;
    ccgc_collect(w.collector, CCGC_REASON_TESTING);
    ck_assert_uint_lt(dom_stats(&w).committed_bytes, before); /* released */
    unsigned errors = w.errors.count;
    ck_assert(!blinkish_is_object(w.heap, big));
    ck_assert_int_ne(blinkish_member_set(w.heap, big, (void **)&big->next,
                                         NULL),
                     CCGC_OK);
    dom_assert_error(&w, CCGC_E_FOREIGN_POINTER, "blinkish_member_set");
    ck_assert_uint_eq(w.errors.count, errors + 1);
    ck_assert(blinkish_is_object(w.heap, small)); /* still there */
    ck_assert(!blinkish_is_object(w.heap, (void *)(uintptr_t)0x1000));
    blinkish_persistent_free(w.heap, keep);
  }
  dom_world_free(&w);
}
END_TEST

/* Objects of two pages in turn, interior pointers, headers and another
 * heap's objects: the remembered page changes, answers do not. */
START_TEST(checks_across_pages_and_heaps_agree_with_the_registry) {
  dom_world w;
  dom_world_init(&w, 0);
  blinkish_heap *other = blinkish_heap_new(w.collector, NULL);
  ck_assert_ptr_nonnull(other);
  blinkish_type_info info = {"Other", NULL, NULL, 0};
  blinkish_type_id other_type = blinkish_register_type(other, &info);
  enum { COUNT = 20000 }; /* several pages */
  static dom_node *nodes[COUNT];
  for (int i = 0; i < COUNT; i++) nodes[i] = dom_new_node(&w, i);
  void *foreign = blinkish_alloc(other, other_type, 32);
  ck_assert_ptr_nonnull(foreign);
  for (int i = 0; i < COUNT; i += 97) {
    dom_node *a = nodes[i], *b = nodes[COUNT - 1 - i];
    ck_assert(blinkish_is_object(w.heap, a));
    ck_assert(blinkish_is_object(w.heap, b));
    ck_assert(!blinkish_is_object(w.heap, (char *)a + 8)); /* interior */
    ck_assert(!blinkish_is_object(w.heap, (char *)b - 8)); /* a header */
    ck_assert(!blinkish_is_object(w.heap, foreign));
    ck_assert(blinkish_is_object(other, foreign));
    ck_assert(!blinkish_is_object(other, a));
  }
  ck_assert_uint_eq(w.errors.count, 0);
  blinkish_heap_free(other);
  dom_world_free(&w);
}
END_TEST

/* A low address has an aligned start of 0, which is also what "no page
 * remembered" reads as: on a fresh heap, and after a release forgot the
 * page, such addresses still go to the registry and are refused. */
START_TEST(low_addresses_are_refused_with_no_page_remembered) {
  dom_world w;
  dom_world_init(&w, 0);
  const uintptr_t low[] = {8, 0x1000, 0x3fff8};
  for (size_t i = 0; i < sizeof low / sizeof low[0]; i++) {
    void *p = (void *)low[i];
    ck_assert(!blinkish_is_object(w.heap, p));
    ck_assert_int_eq(blinkish_member_set(w.heap, p, (void **)p, NULL),
                     CCGC_E_FOREIGN_POINTER);
    dom_assert_error(&w, CCGC_E_FOREIGN_POINTER, "not an object of this DOM heap");
  }
  dom_world_free(&w);
}
END_TEST

/* blinkish.h: once a collection found an object dead, blinkish_is_object
 * answers false for it, also inside its pre-finalizer and its finalizer,
 * with every sweeping mode; a survivor still answers true there. */
static struct {
  blinkish_heap *heap;
  void *survivor;
  int finalizer_self, finalizer_survivor, prefinalizer_self;
  int finalized, prefinalized;
} seen;

static void record_finalize(void *object) {
  if (((dom_node *)object)->value != 7) return;
  seen.finalized++;
  seen.finalizer_self = blinkish_is_object(seen.heap, object);
  seen.finalizer_survivor = blinkish_is_object(seen.heap, seen.survivor);
}

static void record_prefinalize(void *object) {
  seen.prefinalized++;
  seen.prefinalizer_self = blinkish_is_object(seen.heap, object);
}

static void check_dying_in_mode(ccgc_sweeping_mode mode) {
  ccgc_collector_options options = {.verify = true, .sweeping = mode};
  ccgc_collector *collector = ccgc_collector_new(&options);
  ck_assert_ptr_nonnull(collector);
  blinkish_heap *heap = blinkish_heap_new(collector, NULL);
  ck_assert_ptr_nonnull(heap);
  ccgc_test_errors errors;
  ccgc_test_capture_errors(collector, &errors);
  blinkish_type_info info = {"Dying", NULL, record_finalize, 0};
  blinkish_type_id type = blinkish_register_type(heap, &info);
  dom_node *survivor = blinkish_alloc(heap, type, sizeof(dom_node));
  dom_node *dying = blinkish_alloc(heap, type, sizeof(dom_node));
  ck_assert_ptr_nonnull(survivor);
  ck_assert_ptr_nonnull(dying);
  survivor->value = 1;
  dying->value = 7;
  blinkish_persistent *keep = blinkish_persistent_new(heap, survivor, false);
  ck_assert_int_eq(blinkish_register_prefinalizer(heap, dying, record_prefinalize),
                   CCGC_OK);
  memset(&seen, 0, sizeof seen);
  seen.heap = heap;
  seen.survivor = survivor;
  seen.finalizer_self = seen.finalizer_survivor = seen.prefinalizer_self = -1;
  ccgc_collect(collector, CCGC_REASON_TESTING);
  ccgc_collector_finish_sweeping(collector);
  ck_assert_int_eq(seen.prefinalized, 1);
  ck_assert_int_eq(seen.finalized, 1);
  ck_assert_int_eq(seen.prefinalizer_self, 0);
  ck_assert_int_eq(seen.finalizer_self, 0);
  ck_assert_int_eq(seen.finalizer_survivor, 1);
  ck_assert(blinkish_is_object(heap, survivor));
  ck_assert_uint_eq(errors.count, 0);
  blinkish_persistent_free(heap, keep);
  blinkish_heap_free(heap);
  ccgc_collector_free(collector);
}

START_TEST(a_dying_object_is_not_an_object_inside_its_finalizers) {
  check_dying_in_mode(CCGC_SWEEP_ATOMIC);
  check_dying_in_mode(CCGC_SWEEP_LAZY);
  check_dying_in_mode(CCGC_SWEEP_CONCURRENT);
}
END_TEST

int main(void) {
  Suite *suite = suite_create("blinkish-validation");
  TCase *tc = tcase_create("core");
  tcase_add_test(tc, a_pointer_into_a_released_page_is_refused);
  tcase_add_test(tc, checks_across_pages_and_heaps_agree_with_the_registry);
  tcase_add_test(tc, low_addresses_are_refused_with_no_page_remembered);
  tcase_add_test(tc, a_dying_object_is_not_an_object_inside_its_finalizers);
  suite_add_tcase(suite, tc);
  return ccgc_test_run(suite);
}
