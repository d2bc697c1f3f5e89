/* test-object-header.c - the cell layout (blinkish/object-header.h): header
 * encoding, where the header sits for plain and wrappable objects, granule
 * alignment and one mark byte per object. */
#include <check.h>
#include <stdint.h>

#include "dom-test.h"
#include "object-header.h"

START_TEST(a_header_word_round_trips_type_size_and_flags) {
  uint64_t plain = blinkish_header_make(42, 48, false, false);
  blinkish_header h = {plain};
  ck_assert_uint_eq(blinkish_header_type(&h), 42);
  ck_assert_uint_eq(blinkish_header_cell_size(&h), 48);
  ck_assert(!blinkish_header_is_wrappable(&h));
  ck_assert(!blinkish_header_is_free(&h));
  ck_assert(blinkish_word_is_header(h.word));

  h.word = blinkish_header_make(0xffff, CCGC_PAGE_SIZE * 3, true, false);
  ck_assert_uint_eq(blinkish_header_type(&h), 0xffff);
  ck_assert_uint_eq(blinkish_header_cell_size(&h), CCGC_PAGE_SIZE * 3);
  ck_assert(blinkish_header_is_wrappable(&h));
  ck_assert(!blinkish_header_is_free(&h));

  h.word = blinkish_header_make(0, 16, false, true);
  ck_assert(blinkish_header_is_free(&h));
  ck_assert_uint_eq(blinkish_header_cell_size(&h), 16);
  ck_assert_uint_eq(blinkish_payload_offset(false), 8);
  ck_assert_uint_eq(blinkish_payload_offset(true), 16);
}
END_TEST

START_TEST(the_header_precedes_the_payload_or_the_wrappable_slot) {
  dom_world w;
  dom_world_init(&w, 0);
  blinkish_type_info info = {"Wrappable", NULL, NULL, BLINKISH_TYPE_WRAPPABLE};
  blinkish_type_id wrappable_type = blinkish_register_type(w.heap, &info);

  dom_node *plain = dom_new_node(&w, 1);
  blinkish_header *h = blinkish_header_of(plain);
  ck_assert_ptr_eq((uint8_t *)h, (uint8_t *)plain - 8);
  ck_assert_uint_eq((uintptr_t)h % CCGC_GRANULE, 0);
  ck_assert_uint_eq(blinkish_header_type(h), w.node_type);
  ck_assert(!blinkish_header_is_wrappable(h));

  void *wrapped = blinkish_alloc(w.heap, wrappable_type, 24);
  ck_assert_ptr_nonnull(wrapped);
  h = blinkish_header_of(wrapped);
  ck_assert_ptr_eq((uint8_t *)h, (uint8_t *)wrapped - 16);
  ck_assert_uint_eq((uintptr_t)h % CCGC_GRANULE, 0);
  ck_assert(blinkish_header_is_wrappable(h));
  void **slot = blinkish_wrappable_slot(w.heap, wrapped);
  ck_assert_ptr_eq(slot, (void **)wrapped - 1);
  ck_assert_ptr_null(*slot);

  /* A slot holding a pointer does not hide the header. */
  static long referent;
  *slot = &referent;
  ck_assert_ptr_eq((uint8_t *)blinkish_header_of(wrapped),
                   (uint8_t *)wrapped - 16);
  ck_assert_uint_eq(blinkish_type_of(w.heap, wrapped), wrappable_type);
  ck_assert(blinkish_is_object(w.heap, wrapped));
  *slot = NULL;
  dom_world_free(&w);
}
END_TEST

START_TEST(cells_are_whole_granules_and_hold_at_least_one_word) {
  dom_world w;
  dom_world_init(&w, 0);
  blinkish_type_info raw = {"Raw", NULL, NULL, 0};
  blinkish_type_id raw_type = blinkish_register_type(w.heap, &raw);
  for (size_t size = 0; size <= 200; size++) {
    void *object = blinkish_alloc(w.heap, raw_type, size);
    ck_assert_ptr_nonnull(object);
    blinkish_header *h = blinkish_header_of(object);
    size_t cell = blinkish_header_cell_size(h);
    ck_assert_uint_eq(cell % CCGC_GRANULE, 0);
    ck_assert_uint_ge(blinkish_object_size(w.heap, object), size);
    ck_assert_uint_ge(blinkish_object_size(w.heap, object), 8);
    ck_assert_uint_lt(cell - 8 - size, CCGC_GRANULE + 8); /* little waste */
  }
  dom_world_free(&w);
}
END_TEST

START_TEST(each_object_owns_its_mark_bits) {
  /* .inv.one-mark-per-object: the smallest objects, plain and wrappable,
   * back to back, never share mark bits (a byte, maybe, at another shift). */
  dom_world w;
  dom_world_init(&w, 0);
  blinkish_type_info info = {"W", NULL, NULL, BLINKISH_TYPE_WRAPPABLE};
  blinkish_type_id wrappable_type = blinkish_register_type(w.heap, &info);
  blinkish_type_info raw = {"Raw", NULL, NULL, 0};
  blinkish_type_id raw_type = blinkish_register_type(w.heap, &raw);
  enum { N = 2000 };
  static void *objects[N];
  for (int i = 0; i < N; i++) {
    objects[i] = blinkish_alloc(w.heap, i % 3 ? raw_type : wrappable_type,
                                (size_t)(i % 2));
    ck_assert_ptr_nonnull(objects[i]);
  }
  for (int i = 1; i < N; i++) {
    if (ccgc_page_of(objects[i]) != ccgc_page_of(objects[i - 1])) continue;
    ccgc_mark_ref a = ccgc_mark_of(objects[i]), b = ccgc_mark_of(objects[i - 1]);
    ck_assert(a.byte != b.byte || a.shift != b.shift);
  }
  /* Marking one leaves its neighbours white. */
  blinkish_persistent *root = blinkish_persistent_new(w.heap, objects[N / 2], false);
  ccgc_test_collect_verified(w.collector);
  ck_assert(blinkish_is_object(w.heap, objects[N / 2]));
  ck_assert(!blinkish_is_object(w.heap, objects[N / 2 - 1]));
  ck_assert(!blinkish_is_object(w.heap, objects[N / 2 + 1]));
  ck_assert_uint_eq(dom_stats(&w).object_count, 1);
  blinkish_persistent_free(w.heap, root);
  dom_world_free(&w);
}
END_TEST

int main(void) {
  Suite *suite = suite_create("blinkish-object-header");
  TCase *tc = tcase_create("core");
  tcase_add_test(tc, a_header_word_round_trips_type_size_and_flags);
  tcase_add_test(tc, the_header_precedes_the_payload_or_the_wrappable_slot);
  tcase_add_test(tc, cells_are_whole_granules_and_hold_at_least_one_word);
  tcase_add_test(tc, each_object_owns_its_mark_bits);
  suite_add_tcase(suite, tc);
  return ccgc_test_run(suite);
}
