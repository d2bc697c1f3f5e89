/* test-weak-callback.c - custom weakness: a weak callback registered from a
 * trace callback runs after marking, sees which objects survive, clears its
 * object's non-owning pointer to a dead one, and does so before any finalizer
 * runs; also when the object was traced by marker threads. */
#include <check.h>

#include "dom-test.h"

typedef struct cache {
  void *entry; /* non-owning: not traced, cleared by the weak callback */
  unsigned callbacks;
} cache;

typedef struct entry {
  long value;
} entry;

static cache *the_cache; /* the entry finalizer looks at it */
static bool cleared_before_finalizer;
static blinkish_heap *current_heap;

static void cache_weak(void *object) {
  cache *self = object;
  self->callbacks++;
  if (self->entry && !blinkish_is_alive(current_heap, self->entry)) self->entry = NULL;
}

static void trace_cache(ccgc_visitor *visitor, void *object) {
  blinkish_trace_weak_callback(visitor, cache_weak, object);
}

static void finalize_entry(void *object) {
  (void)object;
  if (the_cache) cleared_before_finalizer = the_cache->entry == NULL;
}

static void run(int marker_threads, bool incremental) {
  ccgc_collector_options options = {.verify = true, .marker_threads = marker_threads};
  ccgc_collector *collector = ccgc_collector_new(&options);
  blinkish_heap *heap = blinkish_heap_new(collector, NULL);
  current_heap = heap;
  blinkish_type_info cache_info = {"Cache", trace_cache, NULL, 0};
  blinkish_type_info entry_info = {"Entry", NULL, finalize_entry, 0};
  blinkish_type_id cache_type = blinkish_register_type(heap, &cache_info);
  blinkish_type_id entry_type = blinkish_register_type(heap, &entry_info);
  the_cache = blinkish_alloc(heap, cache_type, sizeof(cache));
  blinkish_persistent *cache_root = blinkish_persistent_new(heap, the_cache, false);
  entry *e = blinkish_alloc(heap, entry_type, sizeof(entry));
  blinkish_persistent *entry_root = blinkish_persistent_new(heap, e, false);
  the_cache->entry = e; /* a raw, non-owning pointer */
  cleared_before_finalizer = false;

  ccgc_test_collect_verified(collector);
  ck_assert_ptr_eq(the_cache->entry, e); /* alive: kept */
  ck_assert_uint_eq(the_cache->callbacks, 1);

  blinkish_persistent_free(heap, entry_root);
  if (incremental) {
    ck_assert_int_eq(ccgc_incremental_start(collector, CCGC_REASON_TESTING), CCGC_OK);
    while (!ccgc_incremental_step(collector, 1.0)) {
    }
    ck_assert_int_eq(ccgc_incremental_finish(collector), CCGC_OK);
  } else {
    ccgc_test_collect_verified(collector);
  }
  ck_assert_ptr_null(the_cache->entry);
  ck_assert(cleared_before_finalizer); /* .inv.weak-before-finalizers */
  ck_assert_uint_eq(the_cache->callbacks, 2);

  blinkish_persistent_free(heap, cache_root);
  the_cache = NULL;
  blinkish_heap_free(heap);
  ccgc_collector_free(collector);
}

START_TEST(a_weak_callback_clears_a_dead_pointer_before_finalizers) { run(0, false); }
END_TEST

START_TEST(a_weak_callback_registered_by_marker_threads_runs_too) { run(2, true); }
END_TEST

int main(void) {
  Suite *suite = suite_create("blinkish/weak-callback");
  TCase *tc = tcase_create("weak-callback");
  tcase_add_test(tc, a_weak_callback_clears_a_dead_pointer_before_finalizers);
  tcase_add_test(tc, a_weak_callback_registered_by_marker_threads_runs_too);
  suite_add_tcase(suite, tc);
  return ccgc_test_run(suite);
}
