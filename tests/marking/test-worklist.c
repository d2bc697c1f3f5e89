/* test-worklist.c - segmented worklists: LIFO within a view, publish and
 * steal across views, segment boundaries, many entries; views that allocate
 * nothing before their first push; a worklist that drops and flags an
 * entry when it cannot grow. */
#include <check.h>
#include <stdatomic.h>
#include <stdint.h>

#include "ccgc-test.h"
#include "worklist.h"

START_TEST(push_pop_order_within_a_view) {
  ccgc_worklist shared;
  ccgc_worklist_init(&shared);
  ccgc_worklist_local local;
  ccgc_worklist_local_init(&local, &shared);
  for (uintptr_t i = 1; i <= 10; i++) ccgc_worklist_push(&local, (void *)(i * 16));
  void *entry;
  for (uintptr_t i = 10; i >= 1; i--) {
    ck_assert(ccgc_worklist_pop(&local, &entry));
    ck_assert_ptr_eq(entry, (void *)(i * 16));
  }
  ck_assert(!ccgc_worklist_pop(&local, &entry));
  ck_assert(ccgc_worklist_local_is_empty(&local));
  ccgc_worklist_local_destroy(&local);
  ccgc_worklist_destroy(&shared);
}
END_TEST

START_TEST(full_segments_are_published_and_stolen) {
  ccgc_worklist shared;
  ccgc_worklist_init(&shared);
  ccgc_worklist_local producer, consumer;
  ccgc_worklist_local_init(&producer, &shared);
  ccgc_worklist_local_init(&consumer, &shared);
  const size_t count = CCGC_SEGMENT_CAPACITY * 5 + 7;
  for (uintptr_t i = 0; i < count; i++) ccgc_worklist_push(&producer, (void *)(i + 1));
  /* Five full segments went to the pool; seven entries stay local. */
  ck_assert(!ccgc_worklist_is_empty(&shared));
  ccgc_worklist_local_publish(&producer);
  ck_assert(ccgc_worklist_local_is_empty(&producer));
  size_t seen = 0;
  uintptr_t sum = 0;
  void *entry;
  while (ccgc_worklist_pop(&consumer, &entry)) {
    seen++;
    sum += (uintptr_t)entry;
  }
  ck_assert_uint_eq(seen, count);
  ck_assert_uint_eq(sum, (uintptr_t)count * (count + 1) / 2);
  ck_assert(ccgc_worklist_is_empty(&shared));
  ccgc_worklist_local_destroy(&producer);
  ccgc_worklist_local_destroy(&consumer);
  ccgc_worklist_destroy(&shared);
}
END_TEST

START_TEST(publish_of_empty_view_publishes_nothing) {
  ccgc_worklist shared;
  ccgc_worklist_init(&shared);
  ccgc_worklist_local local;
  ccgc_worklist_local_init(&local, &shared);
  ccgc_worklist_local_publish(&local);
  ck_assert(ccgc_worklist_is_empty(&shared));
  ccgc_worklist_push(&local, (void *)16);
  ccgc_worklist_local_clear(&local);
  void *entry;
  ck_assert(!ccgc_worklist_pop(&local, &entry));
  ccgc_worklist_local_destroy(&local);
  ccgc_worklist_destroy(&shared);
}
END_TEST

START_TEST(clear_drops_published_segments) {
  ccgc_worklist shared;
  ccgc_worklist_init(&shared);
  ccgc_worklist_local local;
  ccgc_worklist_local_init(&local, &shared);
  for (uintptr_t i = 0; i < CCGC_SEGMENT_CAPACITY * 3; i++)
    ccgc_worklist_push(&local, (void *)(i + 1));
  ccgc_worklist_local_publish(&local);
  ccgc_worklist_clear(&shared);
  ck_assert(ccgc_worklist_is_empty(&shared));
  void *entry;
  ck_assert(!ccgc_worklist_pop(&local, &entry));
  ccgc_worklist_local_destroy(&local);
  ccgc_worklist_destroy(&shared);
}
END_TEST

START_TEST(publish_all_hands_over_the_pop_segment_too) {
  ccgc_worklist shared;
  ccgc_worklist_init(&shared);
  ccgc_worklist_local owner, thief;
  ccgc_worklist_local_init(&owner, &shared);
  ccgc_worklist_local_init(&thief, &shared);
  for (uintptr_t i = 1; i <= 3; i++) ccgc_worklist_push(&owner, (void *)i);
  void *entry;
  ck_assert(ccgc_worklist_pop(&owner, &entry)); /* entries move to pop side */
  ccgc_worklist_local_publish(&owner);
  ck_assert(ccgc_worklist_is_empty(&shared)); /* pop side stays local */
  ccgc_worklist_local_publish_all(&owner);
  ck_assert(ccgc_worklist_local_is_empty(&owner));
  size_t stolen = 0;
  while (ccgc_worklist_pop(&thief, &entry)) stolen++;
  ck_assert_uint_eq(stolen, 2);
  ccgc_worklist_local_destroy(&owner);
  ccgc_worklist_local_destroy(&thief);
  ccgc_worklist_destroy(&shared);
}
END_TEST

START_TEST(a_view_allocates_nothing_until_it_pushes) {
  ccgc_worklist_overflow overflow = {0};
  ccgc_worklist shared;
  ccgc_worklist_init_overflowing(&shared, &overflow);
  ccgc_worklist_local local;
  ccgc_worklist_local_init(&local, &shared);
  ck_assert_uint_eq(atomic_load(&overflow.live), 0);
  ck_assert(ccgc_worklist_local_is_empty(&local));
  void *entry;
  ck_assert(!ccgc_worklist_pop(&local, &entry));
  ccgc_worklist_local_publish_all(&local); /* nothing to hand over */
  ck_assert(ccgc_worklist_is_empty(&shared));
  ccgc_worklist_push(&local, (void *)16);
  ck_assert_uint_eq(atomic_load(&overflow.live), 1);
  ccgc_worklist_local_clear(&local);
  ccgc_worklist_local_destroy(&local);
  ck_assert_uint_eq(atomic_load(&overflow.live), 0); /* freed, counted */
  ccgc_worklist_destroy(&shared);
}
END_TEST

/* One segment allowed: the 511th push finds no room and is dropped
 * (flagged, counted); the full segment is still published; popped room
 * takes pushes again without a new segment. */
START_TEST(an_overflowing_worklist_drops_and_flags) {
  ccgc_worklist_overflow overflow = {0};
  atomic_store(&overflow.limit, 1);
  ccgc_worklist shared;
  ccgc_worklist_init_overflowing(&shared, &overflow);
  ccgc_worklist_local local;
  ccgc_worklist_local_init(&local, &shared);
  for (uintptr_t i = 1; i <= CCGC_SEGMENT_CAPACITY; i++)
    ck_assert(ccgc_worklist_try_push(&local, (void *)i));
  ck_assert(!atomic_load(&overflow.overflowed));
  ck_assert(!ccgc_worklist_try_push(&local, (void *)9999));
  ck_assert(atomic_load(&overflow.overflowed));
  ck_assert_uint_eq(atomic_load(&overflow.dropped), 1);
  ck_assert(!ccgc_worklist_is_empty(&shared)); /* the full one went there */
  ck_assert_uint_eq(atomic_load(&overflow.live), 1);
  void *entry;
  ck_assert(ccgc_worklist_pop(&local, &entry));
  ck_assert_ptr_eq(entry, (void *)(uintptr_t)CCGC_SEGMENT_CAPACITY);
  ck_assert(ccgc_worklist_try_push(&local, (void *)7777)); /* popped room */
  ck_assert(ccgc_worklist_pop(&local, &entry));
  ck_assert_ptr_eq(entry, (void *)7777);
  size_t popped = 1;
  while (ccgc_worklist_pop(&local, &entry)) popped++;
  ck_assert_uint_eq(popped, CCGC_SEGMENT_CAPACITY); /* only 9999 was lost */
  ck_assert_uint_eq(atomic_load(&overflow.live), 1);
  ccgc_worklist_local_destroy(&local);
  ck_assert_uint_eq(atomic_load(&overflow.live), 0);
  ccgc_worklist_destroy(&shared);
}
END_TEST

int main(void) {
  Suite *suite = suite_create("worklist");
  TCase *tc = tcase_create("core");
  tcase_add_test(tc, push_pop_order_within_a_view);
  tcase_add_test(tc, full_segments_are_published_and_stolen);
  tcase_add_test(tc, publish_of_empty_view_publishes_nothing);
  tcase_add_test(tc, clear_drops_published_segments);
  tcase_add_test(tc, publish_all_hands_over_the_pop_segment_too);
  tcase_add_test(tc, a_view_allocates_nothing_until_it_pushes);
  tcase_add_test(tc, an_overflowing_worklist_drops_and_flags);
  suite_add_tcase(suite, tc);
  return ccgc_test_run(suite);
}
