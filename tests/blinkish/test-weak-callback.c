/* test-weak-callback.c - custom weakness: a weak callback registered from a
 * trace callback runs after marking, sees which objects survive, clears its
 * object's non-owning pointer to a dead one, and does so before any finalizer
 * runs; also when the object was traced by marker threads. A weak callback
 * registered with data gets exactly that pointer, every cycle, whichever
 * thread traced its object. */
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

/* With data: each holder registers its own data pointer; the callback
 * checks it got the holder's and clears through it. */
typedef struct observer {
  void *subject;   /* non-owning, cleared by the weak callback */
  void *expected;  /* the data its trace passes */
} observer;

typedef struct observer_log {
  void *got_data[8];
  void *got_object[8];
  int count;
} observer_log;

static observer_log *the_log;

static void observer_weak(void *object, void *data) {
  observer *self = object;
  the_log->got_object[the_log->count] = object;
  the_log->got_data[the_log->count] = data;
  the_log->count++;
  /* data is the host's: here, where the observer keeps its subject. */
  void **subject = data;
  if (*subject && !blinkish_is_alive(current_heap, *subject)) *subject = NULL;
  (void)self;
}

static void trace_observer(ccgc_visitor *visitor, void *object) {
  observer *self = object;
  blinkish_trace_weak_callback_with_data(visitor, observer_weak, object, self->expected);
}

static void run_with_data(int marker_threads, bool incremental) {
  ccgc_collector_options options = {.verify = true, .marker_threads = marker_threads};
  ccgc_collector *collector = ccgc_collector_new(&options);
  blinkish_heap *heap = blinkish_heap_new(collector, NULL);
  current_heap = heap;
  observer_log log = {.count = 0};
  the_log = &log;
  blinkish_type_info observer_info = {"Observer", trace_observer, NULL, 0};
  blinkish_type_info entry_info = {"Entry", NULL, NULL, 0};
  blinkish_type_id observer_type = blinkish_register_type(heap, &observer_info);
  blinkish_type_id entry_type = blinkish_register_type(heap, &entry_info);
  observer *one = blinkish_alloc(heap, observer_type, sizeof(observer));
  observer *two = blinkish_alloc(heap, observer_type, sizeof(observer));
  blinkish_persistent *roots[] = {blinkish_persistent_new(heap, one, false),
                                  blinkish_persistent_new(heap, two, false)};
  entry *subject = blinkish_alloc(heap, entry_type, sizeof(entry));
  one->subject = subject;
  two->subject = subject;
  one->expected = &one->subject; /* each its own pointer */
  two->expected = &two->subject;

  if (incremental) {
    ck_assert_int_eq(ccgc_incremental_start(collector, CCGC_REASON_TESTING), CCGC_OK);
    while (!ccgc_incremental_step(collector, 1.0)) {
    }
    ck_assert_int_eq(ccgc_incremental_finish(collector), CCGC_OK);
  } else {
    ccgc_test_collect_verified(collector);
  }
  ck_assert_int_eq(log.count, 2);
  for (int i = 0; i < 2; i++) {
    observer *got = log.got_object[i];
    ck_assert(got == one || got == two);
    ck_assert_ptr_eq(log.got_data[i], got->expected);
  }
  ck_assert_ptr_ne(log.got_object[0], log.got_object[1]);
  ck_assert_ptr_null(one->subject); /* the subject died: cleared via data */
  ck_assert_ptr_null(two->subject);

  for (int i = 0; i < 2; i++) blinkish_persistent_free(heap, roots[i]);
  the_log = NULL;
  blinkish_heap_free(heap);
  ccgc_collector_free(collector);
}

START_TEST(a_weak_callback_with_data_gets_its_pointer_exactly) { run_with_data(0, false); }
END_TEST

START_TEST(a_weak_callback_with_data_from_marker_threads_too) { run_with_data(2, true); }
END_TEST

int main(void) {
  Suite *suite = suite_create("blinkish/weak-callback");
  TCase *tc = tcase_create("weak-callback");
  tcase_add_test(tc, a_weak_callback_clears_a_dead_pointer_before_finalizers);
  tcase_add_test(tc, a_weak_callback_registered_by_marker_threads_runs_too);
  tcase_add_test(tc, a_weak_callback_with_data_gets_its_pointer_exactly);
  tcase_add_test(tc, a_weak_callback_with_data_from_marker_threads_too);
  suite_add_tcase(suite, tc);
  return ccgc_test_run(suite);
}
