/* test-finalizer.c - what a finalizer may and may not do: it runs with the
 * in-finalization flag set; stores into heap objects (.inv.finalizer-no-store)
 * and allocation are reported and change nothing; it may read its own
 * payload and release non-heap resources. A type registered with data
 * (blinkish_register_type_with_data) has its finalizer called with exactly
 * that pointer, per type, in collections and at heap teardown. */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>

#include "ccgc-probe.h"
#include "dom-test.h"

typedef struct resource_holder {
  void *malloced; /* a non-heap resource */
  long value;
} resource_holder;

static dom_world *current;
static dom_node *survivor;
static int finalizer_calls;
static int saw_flag;
static ccgc_status store_status;
static void *alloc_result;

static void finalize_releasing(void *object) {
  resource_holder *self = object;
  finalizer_calls++;
  saw_flag = blinkish_in_finalization(current->heap);
  free(self->malloced); /* LeakSanitizer checks this ran */
  self->malloced = NULL;
}

static void finalize_storing(void *object) {
  finalizer_calls++;
  store_status = blinkish_member_set(current->heap, survivor,
                                     (void **)&survivor->next, object);
}

static void finalize_storing_null(void *object) {
  (void)object;
  finalizer_calls++;
  store_status = blinkish_member_set(current->heap, survivor,
                                     (void **)&survivor->other, NULL);
}

static void finalize_allocating(void *object) {
  (void)object;
  finalizer_calls++;
  alloc_result = blinkish_alloc(current->heap, current->node_type, 16);
}

static void setup(dom_world *w) {
  dom_world_init(w, 0);
  current = w;
  finalizer_calls = 0;
  saw_flag = 0;
  store_status = CCGC_OK;
  alloc_result = (void *)1;
}

START_TEST(a_finalizer_runs_flagged_and_releases_its_resources) {
  dom_world w;
  setup(&w);
  blinkish_type_info info = {"Holder", NULL, finalize_releasing, 0};
  blinkish_type_id type = blinkish_register_type(w.heap, &info);
  for (int i = 0; i < 10; i++) {
    resource_holder *h = blinkish_alloc(w.heap, type, sizeof *h);
    h->malloced = malloc(100);
  }
  ck_assert(!blinkish_in_finalization(w.heap));
  ccgc_test_collect_verified(w.collector);
  ck_assert_int_eq(finalizer_calls, 10);
  ck_assert_int_eq(saw_flag, 1);
  ck_assert(!blinkish_in_finalization(w.heap));
  ck_assert_uint_eq(w.errors.count, 0);
  dom_world_free(&w);
}
END_TEST

START_TEST(a_store_from_a_finalizer_is_reported_and_not_done) {
  dom_world w;
  setup(&w);
  blinkish_type_info info = {"Resurrector", NULL, finalize_storing, 0};
  blinkish_type_id type = blinkish_register_type(w.heap, &info);
  survivor = dom_new_node(&w, 1);
  blinkish_persistent *root = blinkish_persistent_new(w.heap, survivor, false);
  blinkish_alloc(w.heap, type, 32);
  ccgc_test_collect_verified(w.collector);
  ck_assert_int_eq(finalizer_calls, 1);
  ck_assert_int_eq(store_status, CCGC_E_DEAD_OBJECT);
  dom_assert_error(&w, CCGC_E_DEAD_OBJECT, "blinkish_member_set: store during finalization");
  ck_assert_ptr_null(survivor->next); /* no resurrection */
  ccgc_verify_report report;
  ck_assert(ccgc_collector_verify_heap(w.collector, &report));
  blinkish_persistent_free(w.heap, root);
  dom_world_free(&w);
}
END_TEST

START_TEST(even_a_harmless_store_from_a_finalizer_is_refused) {
  dom_world w;
  setup(&w);
  blinkish_type_info info = {"Clearer", NULL, finalize_storing_null, 0};
  blinkish_type_id type = blinkish_register_type(w.heap, &info);
  survivor = dom_new_node(&w, 1);
  dom_node *other = dom_new_node(&w, 2);
  dom_link(&w, survivor, &survivor->other, other);
  blinkish_persistent *root = blinkish_persistent_new(w.heap, survivor, false);
  blinkish_alloc(w.heap, type, 32);
  ccgc_test_collect_verified(w.collector);
  ck_assert_int_eq(store_status, CCGC_E_DEAD_OBJECT);
  ck_assert_ptr_eq(survivor->other, other);
  blinkish_persistent_free(w.heap, root);
  dom_world_free(&w);
}
END_TEST

START_TEST(allocation_from_a_finalizer_is_reported) {
  dom_world w;
  setup(&w);
  blinkish_type_info info = {"Allocator", NULL, finalize_allocating, 0};
  blinkish_type_id type = blinkish_register_type(w.heap, &info);
  blinkish_alloc(w.heap, type, 32);
  size_t before = dom_stats(&w).object_count;
  ccgc_test_collect_verified(w.collector);
  ck_assert_int_eq(finalizer_calls, 1);
  ck_assert_ptr_null(alloc_result);
  dom_assert_error(&w, CCGC_E_IN_COLLECTION, "blinkish_alloc");
  ck_assert_uint_eq(dom_stats(&w).object_count, before - 1);
  dom_world_free(&w);
}
END_TEST

static ccgc_status heap_free_status;
static void finalize_freeing_the_heap(void *object) {
  (void)object;
  finalizer_calls++;
  unsigned before = current->errors.count;
  blinkish_heap_free(current->heap);
  heap_free_status = current->errors.count > before ? current->errors.last_code
                                                   : CCGC_OK;
}

START_TEST(freeing_the_heap_from_a_finalizer_is_refused) {
  dom_world w;
  setup(&w);
  blinkish_type_info info = {"Saboteur", NULL, finalize_freeing_the_heap, 0};
  blinkish_type_id type = blinkish_register_type(w.heap, &info);
  dom_node *keep = dom_new_node(&w, 1);
  blinkish_persistent *root = blinkish_persistent_new(w.heap, keep, false);
  blinkish_alloc(w.heap, type, 16);
  heap_free_status = CCGC_OK;
  ccgc_test_collect_verified(w.collector);
  ck_assert_int_eq(finalizer_calls, 1);
  ck_assert_int_eq(heap_free_status, CCGC_E_IN_COLLECTION);
  dom_assert_error(&w, CCGC_E_IN_COLLECTION, "blinkish_heap_free");
  ck_assert_int_eq(keep->value, 1); /* the heap is still there */
  ck_assert_ptr_nonnull(dom_new_node(&w, 2));
  blinkish_persistent_free(w.heap, root);
  dom_world_free(&w);
}
END_TEST

START_TEST(teardown_finalizers_are_flagged_too) {
  dom_world w;
  setup(&w);
  blinkish_type_info info = {"Resurrector", NULL, finalize_storing, 0};
  blinkish_type_id type = blinkish_register_type(w.heap, &info);
  survivor = dom_new_node(&w, 1);
  blinkish_alloc(w.heap, type, 32);
  dom_world_free(&w); /* heap teardown: the store is refused as well */
  ck_assert_int_eq(finalizer_calls, 1);
  ck_assert_int_eq(store_status, CCGC_E_DEAD_OBJECT);
}
END_TEST

/* Per-type data: each call records the (object, data) pair it got. */
typedef struct finalized_with {
  void *objects[16];
  void *data[16];
  int count;
  bool flagged; /* blinkish_in_finalization during every call */
} finalized_with;

static void finalize_with_data(void *object, void *data) {
  finalized_with *log = *(finalized_with **)data; /* data: a per-type cell */
  log->flagged = blinkish_in_finalization(current->heap);
  log->objects[log->count] = object;
  log->data[log->count] = data;
  log->count++;
}

START_TEST(a_finalizer_with_data_gets_its_types_pointer_exactly) {
  dom_world w;
  setup(&w);
  finalized_with log = {.count = 0};
  /* Two types, two data pointers: each object's call carries its type's. */
  finalized_with *cell_a = &log, *cell_b = &log;
  blinkish_type_info a_info = {"WithDataA", NULL, NULL, 0};
  blinkish_type_info b_info = {"WithDataB", NULL, NULL, 0};
  blinkish_type_id a = blinkish_register_type_with_data(w.heap, &a_info, finalize_with_data, &cell_a);
  blinkish_type_id b = blinkish_register_type_with_data(w.heap, &b_info, finalize_with_data, &cell_b);
  ck_assert_uint_ne(a, 0);
  ck_assert_uint_ne(b, 0);
  ck_assert_str_eq(blinkish_type_name(w.heap, blinkish_alloc(w.heap, a, 8)), "WithDataA");
  void *dead_a = blinkish_alloc(w.heap, a, 8), *dead_b = blinkish_alloc(w.heap, b, 8);
  void *kept_b = blinkish_alloc(w.heap, b, 8);
  blinkish_persistent *root = blinkish_persistent_new(w.heap, kept_b, false);
  ccgc_test_collect_verified(w.collector);
  ck_assert_int_eq(log.count, 3); /* the named one above died too */
  ck_assert(log.flagged);
  bool saw_a = false, saw_b = false;
  for (int i = 0; i < log.count; i++) {
    ck_assert_ptr_ne(log.objects[i], kept_b);
    saw_a |= log.objects[i] == dead_a;
    saw_b |= log.objects[i] == dead_b;
    /* Type B's object got B's cell; both of type A got A's. */
    ck_assert_ptr_eq(log.data[i], log.objects[i] == dead_b ? (void *)&cell_b : (void *)&cell_a);
  }
  ck_assert(saw_a && saw_b);
  /* Teardown: the survivor's finalizer, with its type's data. */
  log.count = 0;
  blinkish_persistent_free(w.heap, root);
  dom_world_free(&w);
  ck_assert_int_eq(log.count, 1);
  ck_assert_ptr_eq(log.objects[0], kept_b);
  ck_assert_ptr_eq(log.data[0], &cell_b);
}
END_TEST

START_TEST(a_type_has_one_finalizer) {
  dom_world w;
  setup(&w);
  finalized_with log = {.count = 0};
  finalized_with *cell = &log;
  blinkish_type_info both = {"Both", NULL, finalize_releasing, 0};
  ck_assert_uint_eq(blinkish_register_type_with_data(w.heap, &both, finalize_with_data, &cell), 0);
  ck_assert_int_eq(ccgc_collector_last_error(w.collector)->code, CCGC_E_INVALID_ARGUMENT);
  ck_assert_uint_eq(blinkish_type_by_name(w.heap, "Both"), 0);
  /* info->finalize must be NULL even with no finalizer passed beside it. */
  blinkish_type_info in_info = {"InInfo", NULL, finalize_releasing, 0};
  ccgc_collector_clear_error(w.collector);
  ck_assert_uint_eq(blinkish_register_type_with_data(w.heap, &in_info, NULL, &cell), 0);
  ck_assert_int_eq(ccgc_collector_last_error(w.collector)->code, CCGC_E_INVALID_ARGUMENT);
  ck_assert_uint_eq(blinkish_type_by_name(w.heap, "InInfo"), 0);
  /* No finalizer at all is fine; the data is then unused. */
  blinkish_type_info none = {"None", NULL, NULL, 0};
  blinkish_type_id type = blinkish_register_type_with_data(w.heap, &none, NULL, &cell);
  ck_assert_uint_ne(type, 0);
  blinkish_alloc(w.heap, type, 8);
  ccgc_test_collect_verified(w.collector);
  ck_assert_int_eq(log.count, 0);
  dom_world_free(&w);
}
END_TEST

/* The collector's first probe registers a listener, which a collection's
 * callbacks may not: from a finalizer it is refused under its own name. */
static ccgc_probe *probe_from_finalizer;
static ccgc_status probe_status;
static void finalize_with_probe(void *object) {
  (void)object;
  probe_from_finalizer = ccgc_probe_new(current->collector, survivor, "late");
  probe_status = ccgc_collector_last_error(current->collector)->code;
}

START_TEST(the_first_probe_from_a_finalizer_is_refused_by_name) {
  dom_world w;
  dom_world_init(&w, 0);
  current = &w;
  survivor = dom_new_node(&w, 1);
  blinkish_persistent *root = blinkish_persistent_new(w.heap, survivor, false);
  blinkish_type_info info = {"Prober", NULL, finalize_with_probe, 0};
  blinkish_type_id type = blinkish_register_type(w.heap, &info);
  ck_assert_ptr_nonnull(blinkish_alloc(w.heap, type, 16)); /* garbage */
  probe_from_finalizer = (ccgc_probe *)&probe_status;
  ccgc_test_collect_verified(w.collector);
  ck_assert_ptr_null(probe_from_finalizer);
  ck_assert_int_eq(probe_status, CCGC_E_IN_COLLECTION);
  const char *message = ccgc_collector_last_error(w.collector)->message;
  ck_assert_msg(strstr(message, "ccgc_probe_new:") == message, "%s", message);
  /* Outside the collection it can be made. */
  ccgc_probe *probe = ccgc_probe_new(w.collector, survivor, "now");
  ck_assert_ptr_nonnull(probe);
  ccgc_probe_free(w.collector, probe);
  blinkish_persistent_free(w.heap, root);
  dom_world_free(&w);
}
END_TEST

int main(void) {
  Suite *suite = suite_create("blinkish-finalizer");
  TCase *tc = tcase_create("core");
  tcase_add_test(tc, a_finalizer_runs_flagged_and_releases_its_resources);
  tcase_add_test(tc, a_store_from_a_finalizer_is_reported_and_not_done);
  tcase_add_test(tc, even_a_harmless_store_from_a_finalizer_is_refused);
  tcase_add_test(tc, allocation_from_a_finalizer_is_reported);
  tcase_add_test(tc, freeing_the_heap_from_a_finalizer_is_refused);
  tcase_add_test(tc, teardown_finalizers_are_flagged_too);
  tcase_add_test(tc, a_finalizer_with_data_gets_its_types_pointer_exactly);
  tcase_add_test(tc, a_type_has_one_finalizer);
  tcase_add_test(tc, the_first_probe_from_a_finalizer_is_refused_by_name);
  suite_add_tcase(suite, tc);
  return ccgc_test_run(suite);
}
