/* test-own-objects.c - the DOM heap's own objects (vectors, weak maps and
 * sets, their backings: .api.own-objects, .inv.backing-owner) against the
 * calls that could break them: blinkish_alloc of their types (a bare one
 * crashed the calls that read it), a finalizer's vector change (a removal
 * shifted the elements through refused stores and shortened the vector
 * anyway), a weak callback's removals (the table's shrink allocated: the
 * default handler aborted), a pre-finalizer on a backing (it ran when the
 * backing moved). */
#include <check.h>
#include <string.h>

#include "blinkish.h"
#include "ccgc-inspect.h"
#include "ccgc-test.h"

typedef struct world {
  ccgc_collector *collector;
  blinkish_heap *heap;
  blinkish_type_id plain;
  ccgc_test_errors errors;
} world;

static world open_world(int compaction) {
  world w = {0};
  ccgc_collector_options options = {0};
  w.collector = ccgc_collector_new(&options);
  blinkish_heap_options heap_options = {.compaction = compaction};
  w.heap = blinkish_heap_new(w.collector, &heap_options);
  blinkish_type_info info = {"Plain", NULL, NULL, 0};
  w.plain = blinkish_register_type(w.heap, &info);
  return w;
}

static void close_world(world *w) {
  blinkish_heap_free(w->heap);
  ccgc_collector_free(w->collector);
}

START_TEST(the_heaps_own_types_are_not_for_blinkish_alloc) {
  world w = open_world(CCGC_COMPACTION_AUTO);
  ccgc_test_capture_errors(w.collector, &w.errors);
  const char *own[] = {"HeapVector", "HeapVectorBacking"};
  for (size_t i = 0; i < sizeof own / sizeof own[0]; i++) {
    blinkish_type_id type = blinkish_type_by_name(w.heap, own[i]);
    ck_assert_uint_ne(type, 0);
    unsigned before = w.errors.count;
    ck_assert_ptr_null(blinkish_alloc(w.heap, type, 64));
    ck_assert_uint_eq(w.errors.count, before + 1);
    ck_assert_int_eq(w.errors.last_code, CCGC_E_WRONG_TYPE);
    ck_assert_msg(strstr(w.errors.last_message, own[i]), "%s", w.errors.last_message);
  }
  /* Their own calls still make them; host types still allocate. */
  void *vector = blinkish_vector_new(w.heap, 4);
  ck_assert_ptr_nonnull(vector);
  ck_assert_uint_eq(blinkish_vector_length(w.heap, vector), 0);
  ck_assert_ptr_nonnull(blinkish_alloc(w.heap, w.plain, 16));
  close_world(&w);
}
END_TEST

/* --- a finalizer's vector change -------------------------------------------- */

static struct {
  blinkish_heap *heap;
  void *vector, *element;
  ccgc_status remove_status, set_status, append_status;
  bool remove_value;
  bool ran;
} finalizing;

static void change_the_vector(void *object) {
  (void)object;
  finalizing.ran = true;
  finalizing.remove_status = blinkish_vector_remove(finalizing.heap, finalizing.vector, 0);
  finalizing.set_status =
      blinkish_vector_set(finalizing.heap, finalizing.vector, 0, finalizing.element);
  finalizing.append_status =
      blinkish_vector_append(finalizing.heap, finalizing.vector, finalizing.element);
  finalizing.remove_value = blinkish_vector_remove_value(finalizing.heap, finalizing.vector,
                                                         finalizing.element);
}

START_TEST(a_finalizer_changes_no_vector) {
  world w = open_world(CCGC_COMPACTION_AUTO);
  ccgc_test_capture_errors(w.collector, &w.errors);
  blinkish_type_info info = {"Finalized", NULL, change_the_vector, 0};
  blinkish_type_id finalized = blinkish_register_type(w.heap, &info);
  void *vector = blinkish_vector_new(w.heap, 4);
  blinkish_persistent *root = blinkish_persistent_new(w.heap, vector, false);
  void *items[3];
  blinkish_persistent *held[3];
  for (int i = 0; i < 3; i++) {
    items[i] = blinkish_alloc(w.heap, w.plain, 8);
    held[i] = blinkish_persistent_new(w.heap, items[i], false);
    ck_assert_int_eq(blinkish_vector_append(w.heap, vector, items[i]), CCGC_OK);
  }
  finalizing.heap = w.heap;
  finalizing.vector = vector;
  finalizing.element = items[2];
  finalizing.ran = false;
  ck_assert_ptr_nonnull(blinkish_alloc(w.heap, finalized, 8)); /* garbage */
  unsigned before = w.errors.count;
  ck_assert_int_eq(ccgc_collect(w.collector, CCGC_REASON_TESTING), CCGC_OK);
  ck_assert_int_eq(ccgc_collector_finish_sweeping(w.collector), CCGC_OK);
  ck_assert(finalizing.ran);
  ck_assert_int_eq(finalizing.remove_status, CCGC_E_DEAD_OBJECT);
  ck_assert_int_eq(finalizing.set_status, CCGC_E_DEAD_OBJECT);
  ck_assert_int_eq(finalizing.append_status, CCGC_E_DEAD_OBJECT);
  ck_assert(!finalizing.remove_value);
  ck_assert_uint_eq(w.errors.count, before + 4); /* one report a call */
  ck_assert_msg(strstr(w.errors.last_message, "blinkish_vector_remove_value"), "%s",
                w.errors.last_message);
  /* Nothing changed. */
  ck_assert_uint_eq(blinkish_vector_length(w.heap, vector), 3);
  for (size_t i = 0; i < 3; i++)
    ck_assert_ptr_eq(blinkish_vector_get(w.heap, vector, i), items[i]);
  for (int i = 0; i < 3; i++) blinkish_persistent_free(w.heap, held[i]);
  blinkish_persistent_free(w.heap, root);
  close_world(&w);
}
END_TEST

/* --- a weak callback's removals ------------------------------------------- */

#define KEYS 40
static struct {
  blinkish_heap *heap;
  void *map, *keys[KEYS];
  int removed;
} weak_removals;

static void remove_every_key(void *object) {
  (void)object;
  for (int i = 0; i < KEYS; i++)
    weak_removals.removed +=
        blinkish_weak_map_delete(weak_removals.heap, weak_removals.map, weak_removals.keys[i]);
}

static void trace_watcher(ccgc_visitor *visitor, void *object) {
  blinkish_trace_weak_callback(visitor, remove_every_key, object);
}

START_TEST(a_weak_callback_removes_without_shrinking) {
  world w = open_world(CCGC_COMPACTION_AUTO);
  /* The default handler: a report would abort the test. */
  blinkish_type_info info = {"Watcher", trace_watcher, NULL, 0};
  blinkish_type_id watcher = blinkish_register_type(w.heap, &info);
  blinkish_persistent *watched =
      blinkish_persistent_new(w.heap, blinkish_alloc(w.heap, watcher, 8), false);
  weak_removals.heap = w.heap;
  weak_removals.map = blinkish_weak_map_new(w.heap);
  weak_removals.removed = 0;
  blinkish_persistent *map_root = blinkish_persistent_new(w.heap, weak_removals.map, false);
  blinkish_persistent *held[KEYS];
  for (int i = 0; i < KEYS; i++) {
    weak_removals.keys[i] = blinkish_alloc(w.heap, w.plain, 8);
    held[i] = blinkish_persistent_new(w.heap, weak_removals.keys[i], false);
    ck_assert_int_eq(blinkish_weak_map_set(w.heap, weak_removals.map, weak_removals.keys[i], NULL),
                     CCGC_OK);
  }
  ck_assert_int_eq(ccgc_collect(w.collector, CCGC_REASON_TESTING), CCGC_OK);
  ck_assert_int_eq(weak_removals.removed, KEYS);
  ck_assert_uint_eq(blinkish_weak_map_size(w.heap, weak_removals.map), 0);
  ck_assert_int_eq(ccgc_collector_last_error(w.collector)->code, CCGC_OK);
  /* Outside the callback the map is whole and usable. */
  ck_assert_int_eq(blinkish_weak_map_set(w.heap, weak_removals.map, weak_removals.keys[0], NULL),
                   CCGC_OK);
  ck_assert_uint_eq(blinkish_weak_map_size(w.heap, weak_removals.map), 1);
  for (int i = 0; i < KEYS; i++) blinkish_persistent_free(w.heap, held[i]);
  blinkish_persistent_free(w.heap, map_root);
  blinkish_persistent_free(w.heap, watched);
  close_world(&w);
}
END_TEST

/* A vector that must grow to take an element in a weak callback is refused
 * naming the call (growing allocates; the report named blinkish_alloc). */
static struct {
  blinkish_heap *heap;
  void *vector, *element;
  ccgc_status status;
} growing;

static void append_to_full(void *object) {
  (void)object;
  growing.status = blinkish_vector_append(growing.heap, growing.vector, growing.element);
}

static void trace_appender(ccgc_visitor *visitor, void *object) {
  blinkish_trace_weak_callback(visitor, append_to_full, object);
}

START_TEST(a_weak_callback_cannot_grow_a_vector) {
  world w = open_world(CCGC_COMPACTION_AUTO);
  ccgc_test_capture_errors(w.collector, &w.errors);
  blinkish_type_info info = {"Appender", trace_appender, NULL, 0};
  blinkish_type_id appender = blinkish_register_type(w.heap, &info);
  blinkish_persistent *watched =
      blinkish_persistent_new(w.heap, blinkish_alloc(w.heap, appender, 8), false);
  growing.heap = w.heap;
  growing.vector = blinkish_vector_new(w.heap, 1);
  blinkish_persistent *root = blinkish_persistent_new(w.heap, growing.vector, false);
  growing.element = blinkish_alloc(w.heap, w.plain, 8);
  blinkish_persistent *held = blinkish_persistent_new(w.heap, growing.element, false);
  ck_assert_int_eq(blinkish_vector_append(w.heap, growing.vector, growing.element), CCGC_OK);
  growing.status = CCGC_OK;
  ck_assert_int_eq(ccgc_collect(w.collector, CCGC_REASON_TESTING), CCGC_OK);
  ck_assert_int_eq(growing.status, CCGC_E_IN_COLLECTION);
  ck_assert_msg(strstr(w.errors.last_message, "blinkish_vector_append"), "%s",
                w.errors.last_message);
  ck_assert_uint_eq(blinkish_vector_length(w.heap, growing.vector), 1);
  blinkish_persistent_free(w.heap, held);
  blinkish_persistent_free(w.heap, root);
  blinkish_persistent_free(w.heap, watched);
  close_world(&w);
}
END_TEST

/* --- a pre-finalizer on a backing ------------------------------------------ */

static void *found_backing;
static int prefinalized;

static void find_backing(const ccgc_object_info *info, void *data) {
  (void)data;
  if (!strcmp(info->type_name, "HeapVectorBacking")) found_backing = info->address;
}

static void count_prefinalizer(void *object) {
  (void)object;
  prefinalized++;
}

START_TEST(a_backing_gets_no_prefinalizer) {
  world w = open_world(CCGC_COMPACTION_EVERY_FULL);
  ccgc_test_capture_errors(w.collector, &w.errors);
  void *vector = blinkish_vector_new(w.heap, 4);
  blinkish_persistent *root = blinkish_persistent_new(w.heap, vector, false);
  found_backing = NULL;
  ccgc_walk_callbacks callbacks = {.object = find_backing};
  ck_assert_int_eq(ccgc_collector_walk(w.collector, &callbacks), CCGC_OK);
  ck_assert_ptr_nonnull(found_backing);
  prefinalized = 0;
  unsigned before = w.errors.count;
  ck_assert_int_eq(blinkish_register_prefinalizer(w.heap, found_backing, count_prefinalizer),
                   CCGC_E_WRONG_TYPE);
  ck_assert_uint_eq(w.errors.count, before + 1);
  ck_assert_int_eq(ccgc_collect(w.collector, CCGC_REASON_TESTING), CCGC_OK);
  ck_assert_int_eq(prefinalized, 0);
  ck_assert_uint_eq(blinkish_vector_length(w.heap, vector), 0);
  blinkish_persistent_free(w.heap, root);
  close_world(&w);
}
END_TEST

static Suite *suite(void) {
  Suite *s = suite_create("own-objects");
  TCase *tc = tcase_create("core");
  tcase_add_test(tc, the_heaps_own_types_are_not_for_blinkish_alloc);
  tcase_add_test(tc, a_finalizer_changes_no_vector);
  tcase_add_test(tc, a_weak_callback_removes_without_shrinking);
  tcase_add_test(tc, a_weak_callback_cannot_grow_a_vector);
  tcase_add_test(tc, a_backing_gets_no_prefinalizer);
  suite_add_tcase(s, tc);
  return s;
}

int main(void) { return ccgc_test_run(suite()); }
