/* test-nursery.c - the nursery's recycled pages (v8ish/nursery.c): a page
 * taken from the pool again holds its former objects until it is cleared,
 * so the objects allocated there - by the inline v8ish_fixed_array_new, the
 * library's bump and its refill - must read as zero (.inv.lab-zeroed), and a
 * full collection that makes such a page old must leave nothing of a former
 * use past its top (old pages are walked to their end, which a zero word
 * ends: the sweep parsed a former array's elements as objects and crashed).
 * Each test first fills the nursery with arrays of a marker value that die,
 * so its pages hold that value wherever nothing cleared it. */
#include <check.h>

#include "ccgc-inspect.h"
#include "script-test.h"

#define MARK 0x5a5a5a5a
#define PAGE_WORDS (256 * 1024 / 8)

/* Fills about `bytes` of the nursery with arrays of MARK, all garbage, and
 * scavenges them away: the pool's pages are dirty from then on. */
static void dirty_the_pool(script_world *w, size_t bytes) {
  for (size_t done = 0; done < bytes; done += 66 * 8) {
    v8ish_handle_scope scope;
    v8ish_handle_scope_open(w->heap, &scope);
    v8ish_local array = v8ish_fixed_array_new(w->heap, 64);
    ck_assert(!v8ish_local_is_empty(array));
    v8ish_local mark = v8ish_integer(w->heap, MARK);
    for (size_t i = 0; i < 64; i++)
      ck_assert_int_eq(v8ish_array_set(w->heap, array, i, mark), CCGC_OK);
    v8ish_handle_scope_close(&scope);
    ccgc_collector_safepoint(w->collector); /* the nursery's scavenges */
  }
  ck_assert_int_eq(ccgc_collect_minor(w->collector, CCGC_REASON_TESTING), CCGC_OK);
}

/* Fills to-space pages with arrays of MARK: about 900 KB of them survive
 * one scavenge (copied into to-space pages, written to their end), then
 * die. Then a few small objects survive a scavenge, so a page whose former
 * use wrote it whole is a to-space page again with a low top, which the
 * scavenger does not clear (.inv.lab-zeroed): its bytes past the top are a
 * former use's arrays. Each round ends with that page a survivor page, its
 * list (returned, the last round's) alive. */
static v8ish_global dirty_the_to_space(script_world *w, int rounds) {
  v8ish_global list = {0, 0};
  for (int round = 0; round < rounds; round++) {
    if (round) v8ish_global_free(w->heap, list);
    v8ish_handle_scope scope;
    v8ish_handle_scope_open(w->heap, &scope);
    size_t count = (900u << 10) / (66 * 8);
    v8ish_local holder = v8ish_fixed_array_new(w->heap, count);
    ck_assert(!v8ish_local_is_empty(holder));
    v8ish_global held = v8ish_global_new(w->heap, holder, false);
    v8ish_local mark = v8ish_integer(w->heap, MARK);
    for (size_t i = 0; i < count; i++) {
      v8ish_handle_scope inner;
      v8ish_handle_scope_open(w->heap, &inner);
      v8ish_local array = v8ish_fixed_array_new(w->heap, 64);
      ck_assert(!v8ish_local_is_empty(array));
      for (size_t j = 0; j < 64; j++)
        ck_assert_int_eq(v8ish_array_set(w->heap, array, j, mark), CCGC_OK);
      ck_assert_int_eq(v8ish_array_set(w->heap, holder, i, array), CCGC_OK);
      v8ish_handle_scope_close(&inner);
    }
    v8ish_handle_scope_close(&scope);
    ck_assert_int_eq(ccgc_collect_minor(w->collector, CCGC_REASON_TESTING), CCGC_OK);
    v8ish_global_free(w->heap, held);
    ck_assert_int_eq(ccgc_collect_minor(w->collector, CCGC_REASON_TESTING), CCGC_OK);
    /* A few survivors, copied onto one of the pages just freed. */
    list = script_make_list(w, 100);
    ck_assert_int_eq(ccgc_collect_minor(w->collector, CCGC_REASON_TESTING), CCGC_OK);
  }
  return list;
}

typedef struct array_count {
  size_t big, cells; /* 64-element arrays, 2-element arrays */
} array_count;

static void count_array(const ccgc_object_info *info, void *data) {
  array_count *count = data;
  if (strcmp(info->heap_name, "script") || strcmp(info->type_name, "FixedArray")) return;
  if (info->size == (2 + 64) * 8) count->big++;
  if (info->size == (2 + 2) * 8) count->cells++;
}

static void check_zero(script_world *w, v8ish_local array) {
  size_t length = v8ish_array_length(w->heap, array);
  for (size_t i = 0; i < length; i++)
    ck_assert_int_eq(v8ish_integer_value(w->heap, v8ish_array_get(w->heap, array, i)), 0);
}

START_TEST(objects_on_recycled_pages_are_zero) {
  v8ish_heap_options options = {.young_min_bytes = 1 << 20, .young_max_bytes = 1 << 20};
  script_world w;
  script_world_init_with(&w, &options);
  for (int round = 0; round < 3; round++) {
    dirty_the_pool(&w, 2u << 20);
    /* Enough to go through every page of the semi-space: inline arrays
     * (64 elements or fewer), the library's (longer), and refills. */
    for (int i = 0; i < 4000; i++) {
      v8ish_handle_scope scope;
      v8ish_handle_scope_open(w.heap, &scope);
      v8ish_local small = v8ish_fixed_array_new(w.heap, (size_t)(i % 64) + 1);
      v8ish_local longer = v8ish_fixed_array_new(w.heap, 100 + (size_t)(i % 7));
      ck_assert(!v8ish_local_is_empty(small) && !v8ish_local_is_empty(longer));
      check_zero(&w, small);
      check_zero(&w, longer);
      v8ish_local object = v8ish_object_new(w.heap);
      ck_assert(!v8ish_local_is_empty(object));
      ck_assert(v8ish_local_is_empty(v8ish_object_get(w.heap, object, "x")));
      v8ish_handle_scope_close(&scope);
    }
  }
  ck_assert_uint_eq(w.errors.count, 0);
  script_world_free(&w);
}
END_TEST

/* A to-space page is not cleared when the scavenger takes it (it writes
 * every byte below its top), so a page is cleared, when taken to allocate
 * in, as far as any former use wrote it, not only to its last top: with a
 * former to-space use below a full one, a clearing to the last top left
 * the full use's arrays where new objects were allocated. */
START_TEST(a_former_to_space_page_is_cleared_before_allocation) {
  v8ish_heap_options options = {.young_min_bytes = 1 << 20, .young_max_bytes = 1 << 20};
  script_world w;
  script_world_init_with(&w, &options);
  for (int round = 0; round < 2; round++) {
    v8ish_global list = dirty_the_to_space(&w, 3);
    v8ish_global_free(w.heap, list);
    /* The survivor pages go back to the pool with their low tops. */
    ck_assert_int_eq(ccgc_collect_minor(w.collector, CCGC_REASON_TESTING), CCGC_OK);
    for (int i = 0; i < 4000; i++) {
      v8ish_handle_scope scope;
      v8ish_handle_scope_open(w.heap, &scope);
      v8ish_local small = v8ish_fixed_array_new(w.heap, (size_t)(i % 64) + 1);
      v8ish_local longer = v8ish_fixed_array_new(w.heap, 100 + (size_t)(i % 7));
      ck_assert(!v8ish_local_is_empty(small) && !v8ish_local_is_empty(longer));
      check_zero(&w, small);
      check_zero(&w, longer);
      v8ish_handle_scope_close(&scope);
      ccgc_collector_safepoint(w.collector); /* every page in turn */
    }
  }
  ck_assert_uint_eq(w.errors.count, 0);
  script_world_free(&w);
}
END_TEST

/* A survivor page that was a to-space page holds a former use's bytes past
 * its top; a full collection that makes it old clears them (the sweep and
 * the walks of old pages end at a zero word). */
START_TEST(a_full_collection_clears_a_survivor_page_past_its_top) {
  v8ish_heap_options options = {.young_min_bytes = 1 << 20, .young_max_bytes = 1 << 20};
  script_world w;
  script_world_init_with(&w, &options);
  v8ish_global list = dirty_the_to_space(&w, 2);
  /* Small uses of the dirty pages, each a low top over a former full use:
   * a page keeps the furthest extent any use wrote, not its last top. */
  for (int cycle = 0; cycle < 6; cycle++) {
    v8ish_global_free(w.heap, list);
    list = script_make_list(&w, 100);
    ck_assert_int_eq(ccgc_collect_minor(w.collector, CCGC_REASON_TESTING), CCGC_OK);
  }
  ck_assert_int_eq(ccgc_collect(w.collector, CCGC_REASON_TESTING), CCGC_OK);
  ck_assert_uint_eq(w.errors.count, 0);
  array_count count = {0, 0};
  ccgc_walk_callbacks callbacks = {.object = count_array, .data = &count};
  ck_assert_int_eq(ccgc_collector_walk(w.collector, &callbacks), CCGC_OK);
  ck_assert_uint_eq(count.big, 0);
  ck_assert_uint_ge(count.cells, 100);
  ck_assert_uint_lt(script_stats(&w).used_bytes, 1u << 20);
  ck_assert_int_eq(ccgc_collect(w.collector, CCGC_REASON_TESTING), CCGC_OK);
  ck_assert_uint_eq(w.errors.count, 0);
  v8ish_global_free(w.heap, list);
  script_world_free(&w);
}
END_TEST

/* A full collection makes the nursery's pages old where they are; old pages
 * are walked to their end (the heap verifier, the sweep, the snapshot walk),
 * so the bytes past a page's top - a former use's arrays - must be gone:
 * the verifier (on in this world) and the walk's count say so. */
START_TEST(a_full_collection_leaves_no_former_bytes_past_the_top) {
  v8ish_heap_options options = {.young_min_bytes = 1 << 20, .young_max_bytes = 1 << 20};
  script_world w;
  script_world_init_with(&w, &options);
  /* Every page of the pool through the mutator's hands, a few times. */
  dirty_the_pool(&w, 16u << 20);
  /* A few survivors on a dirty page, then the page goes old. */
  v8ish_global list = script_make_list(&w, 100);
  ck_assert_int_eq(ccgc_collect(w.collector, CCGC_REASON_TESTING), CCGC_OK);
  ck_assert_uint_eq(w.errors.count, 0);
  /* The walk sees the list and nothing of the former arrays: no object of
   * 64 elements is left. */
  ccgc_heap_stats stats = script_stats(&w);
  ck_assert_uint_lt(stats.used_bytes, 1u << 20);
  array_count count = {0, 0};
  ccgc_walk_callbacks callbacks = {.object = count_array, .data = &count};
  ck_assert_int_eq(ccgc_collector_walk(w.collector, &callbacks), CCGC_OK);
  ck_assert_uint_eq(count.big, 0);
  ck_assert_uint_ge(count.cells, 100);
  ck_assert_int_eq(ccgc_collect(w.collector, CCGC_REASON_TESTING), CCGC_OK);
  ck_assert_uint_eq(w.errors.count, 0);
  v8ish_global_free(w.heap, list);
  script_world_free(&w);
}
END_TEST

/* A nursery page taken from the page pool is not cleared past its mark
 * table (marking/page-memory.c): it holds a former page's bytes throughout
 * - here an old page's dead arrays - so it is dirty to its end, and the
 * full collection that makes it old zeroes it past its top (without: the
 * walk finds the former arrays past the top, or crashes on them). */
START_TEST(a_pooled_nursery_page_is_dirty_to_its_end) {
  v8ish_heap_options options = {.young_min_bytes = 1 << 20, .young_max_bytes = 1 << 20};
  script_world w;
  script_world_init_with(&w, &options);
  for (int round = 0; round < 3; round++) {
    /* About 3 MB of arrays of MARK, old after a full collection, then
     * dead: their pages go back to the pool unchanged. */
    v8ish_handle_scope scope;
    v8ish_handle_scope_open(w.heap, &scope);
    size_t count = (3u << 20) / (66 * 8);
    v8ish_local holder = v8ish_fixed_array_new(w.heap, count);
    ck_assert(!v8ish_local_is_empty(holder));
    v8ish_global held = v8ish_global_new(w.heap, holder, false);
    v8ish_local mark = v8ish_integer(w.heap, MARK);
    for (size_t i = 0; i < count; i++) {
      v8ish_handle_scope inner;
      v8ish_handle_scope_open(w.heap, &inner);
      v8ish_local array = v8ish_fixed_array_new(w.heap, 64);
      ck_assert(!v8ish_local_is_empty(array));
      for (size_t j = 0; j < 64; j++)
        ck_assert_int_eq(v8ish_array_set(w.heap, array, j, mark), CCGC_OK);
      ck_assert_int_eq(v8ish_array_set(w.heap, holder, i, array), CCGC_OK);
      v8ish_handle_scope_close(&inner);
      ccgc_collector_safepoint(w.collector);
    }
    v8ish_handle_scope_close(&scope);
    ck_assert_int_eq(ccgc_collect(w.collector, CCGC_REASON_TESTING), CCGC_OK);
    v8ish_global_free(w.heap, held);
    ck_assert_int_eq(ccgc_collect(w.collector, CCGC_REASON_TESTING), CCGC_OK);
    /* Garbage past the semi-space with no safepoint (the nursery overflows
     * into pages it maps now: the pool's), then a few survivors on the
     * last of them, which then go old. */
    for (size_t done = 0; done < (3u << 19); done += 66 * 8) {
      v8ish_handle_scope inner;
      v8ish_handle_scope_open(w.heap, &inner);
      ck_assert(!v8ish_local_is_empty(v8ish_fixed_array_new(w.heap, 64)));
      v8ish_handle_scope_close(&inner);
    }
    v8ish_global list = script_make_list(&w, 100);
    ck_assert_int_eq(ccgc_collect(w.collector, CCGC_REASON_TESTING), CCGC_OK);
    array_count found = {0, 0};
    ccgc_walk_callbacks callbacks = {.object = count_array, .data = &found};
    ck_assert_int_eq(ccgc_collector_walk(w.collector, &callbacks), CCGC_OK);
    ck_assert_uint_eq(found.big, 0);
    ck_assert_uint_ge(found.cells, 100);
    v8ish_global_free(w.heap, list);
  }
  ck_assert_int_eq(ccgc_collect(w.collector, CCGC_REASON_TESTING), CCGC_OK);
  ck_assert_uint_eq(w.errors.count, 0);
  script_world_free(&w);
}
END_TEST

/* Young large objects count against the semi-space: a host allocating only
 * large garbage gets scavenges (each large object is its own page, never an
 * allocating page of the nursery), not a hard-limit failure with every
 * object dead (docs/heap-growth.md). */
START_TEST(young_large_objects_fill_the_semi_space_and_request_a_scavenge) {
  ccgc_collector_options options = {0};
  ccgc_collector *collector = ccgc_collector_new(&options);
  v8ish_heap_options heap_options = {.limit_bytes = 8 << 20};
  v8ish_heap *heap = v8ish_heap_new(collector, &heap_options);
  for (int i = 0; i < 300; i++) {
    v8ish_handle_scope scope;
    v8ish_handle_scope_open(heap, &scope);
    v8ish_local array = v8ish_fixed_array_new(heap, 20000); /* 160 KB */
    ck_assert_msg(!v8ish_local_is_empty(array), "%d: %s", i,
                  ccgc_collector_last_error(collector)->message);
    v8ish_handle_scope_close(&scope);
    ccgc_collector_safepoint(collector);
  }
  ck_assert_uint_gt(ccgc_collector_minor_count(collector), 0);
  v8ish_heap_free(heap);
  ccgc_collector_free(collector);
}
END_TEST

static Suite *suite(void) {
  Suite *s = suite_create("v8ish/nursery");
  TCase *tc = tcase_create("core");
  tcase_add_test(tc, objects_on_recycled_pages_are_zero);
  tcase_add_test(tc, a_pooled_nursery_page_is_dirty_to_its_end);
  tcase_add_test(tc, a_full_collection_leaves_no_former_bytes_past_the_top);
  tcase_add_test(tc, a_former_to_space_page_is_cleared_before_allocation);
  tcase_add_test(tc, a_full_collection_clears_a_survivor_page_past_its_top);
  tcase_add_test(tc, young_large_objects_fill_the_semi_space_and_request_a_scavenge);
  suite_add_tcase(s, tc);
  return s;
}

int main(void) { return ccgc_test_run(suite()); }
