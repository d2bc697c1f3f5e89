/* test-prefinalizer.c - pre-finalizers and resurrection: a pre-finalizer runs
 * once when its object dies, after weak processing and before any finalizer,
 * with dead neighbours readable; it may store among survivors but not
 * allocate, register, or resurrect. Resurrection from a pre-finalizer or a
 * finalizer - a dead object stored into a survivor, a vector, a weak
 * collection or a persistent - is reported and stores nothing
 * (.inv.no-resurrection). A pre-finalizer registered with data gets exactly
 * that pointer (NULL too), with the plain kind in one registration order,
 * in collections and at teardown; one pre-finalizer per object whatever the
 * kind. */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dom-test.h"

static dom_world *world;
static int prefinalizer_calls;
static unsigned long finalized_before_prefinalizer;
static long seen_neighbour, seen_neighbour_next;
static void *seen_weak;
static void *seen_object;
static dom_node *live_holder;

static void setup(dom_world *w) {
  dom_world_init(w, 0);
  world = w;
  prefinalizer_calls = 0;
  finalized_before_prefinalizer = (unsigned long)-1;
  seen_neighbour = seen_neighbour_next = 0;
  seen_weak = (void *)1;
  seen_object = NULL;
}

static void counting_prefinalizer(void *object) {
  prefinalizer_calls++;
  seen_object = object;
}

static void reading_prefinalizer(void *object) {
  dom_node *self = object;
  prefinalizer_calls++;
  finalized_before_prefinalizer = dom_finalized;
  /* A dead neighbour, and one behind it: intact, not finalized yet. */
  seen_neighbour = self->next->value;
  seen_neighbour_next = self->next->next->value;
  /* Weak processing came first: a survivor's weak member to a dead object
   * is cleared. (A dead object's own weak members are not: it was never
   * traced. Their targets are intact all the same until the sweep.) */
  seen_weak = live_holder->weak;
}

START_TEST(it_runs_once_when_its_object_dies) {
  dom_world w;
  setup(&w);
  dom_node *node = dom_new_node(&w, 1);
  blinkish_persistent *root = blinkish_persistent_new(w.heap, node, false);
  ck_assert_int_eq(blinkish_register_prefinalizer(w.heap, node, counting_prefinalizer),
                   CCGC_OK);
  ccgc_test_collect_verified(w.collector);
  ck_assert_int_eq(prefinalizer_calls, 0); /* alive */
  blinkish_persistent_free(w.heap, root);
  ccgc_test_collect_verified(w.collector);
  ck_assert_int_eq(prefinalizer_calls, 1);
  ck_assert_ptr_eq(seen_object, node);
  ck_assert_uint_eq(dom_finalized, 1);
  ccgc_test_collect_verified(w.collector);
  ck_assert_int_eq(prefinalizer_calls, 1);
  dom_world_free(&w);
  ck_assert_int_eq(prefinalizer_calls, 1);
}
END_TEST

START_TEST(it_reads_dead_neighbours_before_any_finalizer_runs) {
  dom_world w;
  setup(&w);
  dom_node *self = dom_new_node(&w, 1);
  dom_node *neighbour = dom_new_node(&w, 42);
  dom_node *behind = dom_new_node(&w, 7);
  dom_node *weakly_held = dom_new_node(&w, 9);
  dom_link(&w, self, &self->next, neighbour);
  dom_link(&w, neighbour, &neighbour->next, behind);
  live_holder = dom_new_node(&w, 0);
  blinkish_persistent *holder_root = blinkish_persistent_new(w.heap, live_holder, false);
  dom_link(&w, live_holder, &live_holder->weak, weakly_held);
  ck_assert_int_eq(blinkish_register_prefinalizer(w.heap, self, reading_prefinalizer),
                   CCGC_OK);
  ccgc_test_collect_verified(w.collector);
  ck_assert_int_eq(prefinalizer_calls, 1);
  ck_assert_uint_eq(finalized_before_prefinalizer, 0);
  ck_assert_int_eq(seen_neighbour, 42);
  ck_assert_int_eq(seen_neighbour_next, 7);
  ck_assert_ptr_null(seen_weak); /* weak processing came first */
  ck_assert_uint_eq(dom_finalized, 4);
  ck_assert_uint_eq(w.errors.count, 0);
  blinkish_persistent_free(w.heap, holder_root);
  dom_world_free(&w);
}
END_TEST

/* The classic use: an observer tells its live subject it goes. The subject's
 * bookkeeping is updated through stores among survivors, which are allowed;
 * so is a store into the dead observer itself. */
static void *subject_list; /* a live HeapVector of the subject */
static void *observed_map;
static dom_node *survivor_b;
static ccgc_status statuses_seen[3];
static bool removed, map_entry_already_gone;

static void unregistering_prefinalizer(void *object) {
  dom_node *self = object;
  dom_node *subject = self->next; /* a live member, read in a pre-finalizer */
  prefinalizer_calls++;
  subject->value--; /* one observer less */
  removed = blinkish_vector_remove_value(world->heap, subject_list, subject->other);
  /* Weak collections were pruned before pre-finalizers. */
  map_entry_already_gone =
      !blinkish_weak_map_has(world->heap, observed_map, object);
  statuses_seen[0] = blinkish_member_set(world->heap, subject,
                                         (void **)&subject->other, survivor_b);
  statuses_seen[1] =
      blinkish_member_set(world->heap, self, (void **)&self->next, NULL);
  statuses_seen[2] = blinkish_vector_append(world->heap, subject_list, survivor_b);
}

START_TEST(it_may_update_live_objects) {
  dom_world w;
  setup(&w);
  dom_node *subject = dom_new_node(&w, 1);
  blinkish_persistent *subject_root = blinkish_persistent_new(w.heap, subject, false);
  subject_list = blinkish_vector_new(w.heap, 4);
  dom_link(&w, subject, &subject->next, subject_list);
  dom_node *registered = dom_new_node(&w, 2);
  ck_assert_int_eq(blinkish_vector_append(w.heap, subject_list, registered), CCGC_OK);
  dom_link(&w, subject, &subject->other, registered);
  survivor_b = dom_new_node(&w, 3);
  blinkish_persistent *b_root = blinkish_persistent_new(w.heap, survivor_b, false);
  observed_map = blinkish_weak_map_new(w.heap);
  blinkish_persistent *map_root = blinkish_persistent_new(w.heap, observed_map, false);
  dom_node *observer = dom_new_node(&w, 4);
  dom_link(&w, observer, &observer->next, subject);
  ck_assert_int_eq(blinkish_weak_map_set(w.heap, observed_map, observer, NULL),
                   CCGC_OK);
  ck_assert_int_eq(
      blinkish_register_prefinalizer(w.heap, observer, unregistering_prefinalizer),
      CCGC_OK);
  ccgc_test_collect_verified(w.collector);
  ck_assert_int_eq(prefinalizer_calls, 1);
  ck_assert_int_eq(subject->value, 0);
  ck_assert(removed);
  ck_assert(map_entry_already_gone);
  for (int i = 0; i < 3; i++) ck_assert_int_eq(statuses_seen[i], CCGC_OK);
  ck_assert_ptr_eq(subject->other, survivor_b);
  ck_assert_uint_eq(blinkish_vector_length(w.heap, subject_list), 1);
  ck_assert_ptr_eq(blinkish_vector_get(w.heap, subject_list, 0), survivor_b);
  ck_assert_uint_eq(w.errors.count, 0);
  ck_assert_uint_eq(dom_finalized, 1); /* the observer only */
  /* What the pre-finalizer unlinked is garbage now, and goes next time. */
  ccgc_test_collect_verified(w.collector);
  ck_assert(!blinkish_is_object(w.heap, registered));
  ck_assert_uint_eq(dom_finalized, 2);
  blinkish_persistent_free(w.heap, map_root);
  blinkish_persistent_free(w.heap, b_root);
  blinkish_persistent_free(w.heap, subject_root);
  dom_world_free(&w);
}
END_TEST

START_TEST(registration_misuse_is_reported) {
  dom_world w;
  setup(&w);
  dom_node *node = dom_new_node(&w, 1);
  int local;
  ck_assert_int_eq(blinkish_register_prefinalizer(w.heap, node, NULL),
                   CCGC_E_INVALID_ARGUMENT);
  dom_assert_error(&w, CCGC_E_INVALID_ARGUMENT, "blinkish_register_prefinalizer: no function");
  ck_assert_int_eq(blinkish_register_prefinalizer(w.heap, &local, counting_prefinalizer),
                   CCGC_E_FOREIGN_POINTER);
  ck_assert_int_eq(blinkish_register_prefinalizer(w.heap, node, counting_prefinalizer),
                   CCGC_OK);
  ck_assert_int_eq(blinkish_register_prefinalizer(w.heap, node, reading_prefinalizer),
                   CCGC_E_INVALID_ARGUMENT);
  dom_assert_error(&w, CCGC_E_INVALID_ARGUMENT, "already has a pre-finalizer");
  ck_assert_uint_eq(w.errors.count, 3);
  ccgc_test_collect_verified(w.collector);
  ck_assert_int_eq(prefinalizer_calls, 1); /* the first registration only */
  dom_world_free(&w);
}
END_TEST

static void *alloc_result;
static ccgc_status register_result;
static char first_message[CCGC_ERROR_MESSAGE_MAX];

static void allocating_prefinalizer(void *object) {
  prefinalizer_calls++;
  alloc_result = blinkish_alloc(world->heap, world->node_type, 16);
  snprintf(first_message, sizeof first_message, "%s", world->errors.last_message);
  register_result =
      blinkish_register_prefinalizer(world->heap, object, counting_prefinalizer);
}

START_TEST(it_may_not_allocate_nor_register) {
  dom_world w;
  setup(&w);
  alloc_result = (void *)1;
  dom_node *node = dom_new_node(&w, 1);
  ck_assert_int_eq(blinkish_register_prefinalizer(w.heap, node, allocating_prefinalizer),
                   CCGC_OK);
  ccgc_test_collect_verified(w.collector);
  ck_assert_int_eq(prefinalizer_calls, 1);
  ck_assert_ptr_null(alloc_result);
  ck_assert_msg(strstr(first_message, "blinkish_alloc: allocation from a pre-finalizer"),
                "%s", first_message);
  ck_assert_int_eq(register_result, CCGC_E_IN_COLLECTION);
  dom_assert_error(&w, CCGC_E_IN_COLLECTION, "called from a pre-finalizer");
  ck_assert_uint_eq(dom_stats(&w).object_count, 0);
  dom_world_free(&w);
}
END_TEST

/* --- resurrection ------------------------------------------------------------ */

enum { ATTEMPTS = 13 };
static struct {
  dom_node *survivor;
  void *vector, *map, *set, *external_map, *dead_map;
  blinkish_persistent *persistent;
  dom_node *dead_target; /* a dead node an external value names */
} live;
static ccgc_status statuses[ATTEMPTS];
static char messages[ATTEMPTS][CCGC_ERROR_MESSAGE_MAX];
static unsigned errors_before[ATTEMPTS];
static int attempts;

static void *value_target(void *value, void *data) {
  (void)data;
  return value; /* the value names a DOM node directly */
}

static void record(ccgc_status status) {
  statuses[attempts] = status;
  snprintf(messages[attempts], sizeof messages[attempts], "%s",
           world->errors.last_message);
  errors_before[attempts] = world->errors.count;
  attempts++;
}

static void resurrecting_prefinalizer(void *object) {
  blinkish_heap *heap = world->heap;
  dom_node *self = object;
  prefinalizer_calls++;
  record(blinkish_member_set(heap, live.survivor, (void **)&live.survivor->next, self));
  record(blinkish_member_set(heap, live.survivor, (void **)&live.survivor->other,
                             self->next)); /* a dead neighbour */
  record(blinkish_vector_append(heap, live.vector, self));
  record(blinkish_vector_set(heap, live.vector, 0, self));
  record(blinkish_persistent_new(heap, self, false) ? CCGC_OK : world->errors.last_code);
  record(blinkish_persistent_new(heap, self, true) ? CCGC_OK : world->errors.last_code);
  world->errors.last_code = CCGC_OK;
  blinkish_persistent_set(heap, live.persistent, self);
  record(world->errors.last_code);
  record(blinkish_weak_map_set(heap, live.map, self, live.survivor));
  record(blinkish_weak_map_set(heap, live.map, live.survivor, self));
  record(blinkish_weak_set_add(heap, live.set, self));
  record(blinkish_weak_map_set(heap, live.external_map, live.survivor,
                               live.dead_target));
  record(blinkish_weak_map_set(heap, live.dead_map, live.survivor, NULL));
  /* Not resurrection: a survivor into a survivor. */
  record(blinkish_weak_map_set(heap, live.map, live.survivor, NULL));
}

START_TEST(resurrection_from_a_prefinalizer_is_refused) {
  dom_world w;
  setup(&w);
  attempts = 0;
  live.survivor = dom_new_node(&w, 1);
  blinkish_persistent *roots[6];
  roots[0] = blinkish_persistent_new(w.heap, live.survivor, false);
  live.vector = blinkish_vector_new(w.heap, 2);
  dom_node *element = dom_new_node(&w, 2);
  ck_assert_int_eq(blinkish_vector_append(w.heap, live.vector, element), CCGC_OK);
  roots[1] = blinkish_persistent_new(w.heap, live.vector, false);
  live.map = blinkish_weak_map_new(w.heap);
  roots[2] = blinkish_persistent_new(w.heap, live.map, false);
  live.set = blinkish_weak_set_new(w.heap);
  roots[3] = blinkish_persistent_new(w.heap, live.set, false);
  blinkish_external_value_ops ops = {.target = value_target};
  live.external_map = blinkish_weak_map_new_external(w.heap, &ops, NULL);
  roots[4] = blinkish_persistent_new(w.heap, live.external_map, false);
  live.persistent = roots[5] = blinkish_persistent_new(w.heap, element, false);
  live.dead_map = blinkish_weak_map_new(w.heap); /* unrooted: dies */
  live.dead_target = dom_new_node(&w, 3);
  dom_node *dying = dom_new_node(&w, 4);
  dom_link(&w, dying, &dying->next, dom_new_node(&w, 5));
  ck_assert_int_eq(blinkish_register_prefinalizer(w.heap, dying, resurrecting_prefinalizer),
                   CCGC_OK);

  ccgc_test_collect_verified(w.collector);
  ck_assert_int_eq(prefinalizer_calls, 1);
  ck_assert_int_eq(attempts, ATTEMPTS);
  static const char *const expected[ATTEMPTS - 1] = {
      "blinkish_member_set: resurrection from a pre-finalizer",
      "blinkish_member_set: resurrection from a pre-finalizer",
      "blinkish_vector_append: resurrection from a pre-finalizer",
      "blinkish_vector_set: resurrection from a pre-finalizer",
      "blinkish_persistent_new: resurrection from a pre-finalizer",
      "blinkish_persistent_new: resurrection from a pre-finalizer",
      "blinkish_persistent_set: resurrection from a pre-finalizer",
      "blinkish_weak_map_set: resurrection from a pre-finalizer",
      "blinkish_weak_map_set: resurrection from a pre-finalizer",
      "blinkish_weak_set_add: resurrection from a pre-finalizer",
      "blinkish_weak_map_set: resurrection from a pre-finalizer",
      "found dead by this collection and takes no new entries",
  };
  for (int i = 0; i < ATTEMPTS - 1; i++) {
    ck_assert_msg(statuses[i] == CCGC_E_DEAD_OBJECT, "attempt %d: status %d", i,
                  statuses[i]);
    ck_assert_msg(strstr(messages[i], expected[i]), "attempt %d: '%s' lacks '%s'",
                  i, messages[i], expected[i]);
    ck_assert_uint_eq(errors_before[i], (unsigned)i + 1); /* one report each */
  }
  ck_assert_int_eq(statuses[ATTEMPTS - 1], CCGC_OK);
  /* Nothing was stored. */
  ck_assert_ptr_null(live.survivor->next);
  ck_assert_ptr_null(live.survivor->other);
  ck_assert_uint_eq(blinkish_vector_length(w.heap, live.vector), 1);
  ck_assert_ptr_eq(blinkish_vector_get(w.heap, live.vector, 0), element);
  ck_assert_ptr_eq(blinkish_persistent_get(live.persistent), element);
  ck_assert_uint_eq(blinkish_weak_map_size(w.heap, live.map), 1);
  ck_assert_ptr_null(blinkish_weak_map_get(w.heap, live.map, live.survivor));
  ck_assert_uint_eq(blinkish_weak_set_size(w.heap, live.set), 0);
  ck_assert_uint_eq(blinkish_weak_map_size(w.heap, live.external_map), 0);
  ck_assert_uint_eq(w.errors.count, ATTEMPTS - 1);
  ccgc_verify_report report;
  ck_assert_msg(ccgc_collector_verify_heap(w.collector, &report), "%s",
                report.first_error);
  ccgc_test_collect_verified(w.collector);
  for (int i = 0; i < 6; i++) blinkish_persistent_free(w.heap, roots[i]);
  dom_world_free(&w);
}
END_TEST

static void resurrecting_finalizer(void *object) {
  blinkish_heap *heap = world->heap;
  record(blinkish_member_set(heap, live.survivor, (void **)&live.survivor->next,
                             object));
  record(blinkish_weak_map_set(heap, live.map, object, NULL));
  record(blinkish_persistent_new(heap, object, false) ? CCGC_OK
                                                      : world->errors.last_code);
}

START_TEST(resurrection_from_a_finalizer_is_named_as_such) {
  dom_world w;
  setup(&w);
  attempts = 0;
  blinkish_type_info info = {"Resurrector", NULL, resurrecting_finalizer, 0};
  blinkish_type_id type = blinkish_register_type(w.heap, &info);
  live.survivor = dom_new_node(&w, 1);
  blinkish_persistent *root = blinkish_persistent_new(w.heap, live.survivor, false);
  live.map = blinkish_weak_map_new(w.heap);
  blinkish_persistent *map_root = blinkish_persistent_new(w.heap, live.map, false);
  blinkish_alloc(w.heap, type, 16);
  ccgc_test_collect_verified(w.collector);
  ck_assert_int_eq(attempts, 3);
  ck_assert_int_eq(statuses[0], CCGC_E_DEAD_OBJECT);
  ck_assert_msg(strstr(messages[0], "blinkish_member_set: store during "
                                    "finalization: resurrection of dead "
                                    "Resurrector"),
                "%s", messages[0]);
  ck_assert_int_eq(statuses[1], CCGC_E_DEAD_OBJECT);
  ck_assert_msg(strstr(messages[1], "blinkish_weak_map_set: store during "
                                    "finalization: resurrection"),
                "%s", messages[1]);
  ck_assert_int_eq(statuses[2], CCGC_E_DEAD_OBJECT);
  ck_assert_msg(strstr(messages[2], "blinkish_persistent_new: resurrection "
                                    "from a finalizer"),
                "%s", messages[2]);
  ck_assert_ptr_null(live.survivor->next);
  ck_assert_uint_eq(blinkish_weak_map_size(w.heap, live.map), 0);
  blinkish_persistent_free(w.heap, map_root);
  blinkish_persistent_free(w.heap, root);
  dom_world_free(&w);
}
END_TEST

static void teardown_prefinalizer(void *object) {
  (void)object;
  prefinalizer_calls++;
  finalized_before_prefinalizer = dom_finalized;
}

START_TEST(heap_teardown_runs_the_rest_before_the_finalizers) {
  dom_world w;
  setup(&w);
  for (int i = 0; i < 3; i++) {
    dom_node *node = dom_new_node(&w, i);
    blinkish_persistent_new(w.heap, node, false); /* freed with the heap */
    ck_assert_int_eq(blinkish_register_prefinalizer(w.heap, node, teardown_prefinalizer),
                     CCGC_OK);
  }
  ccgc_test_collect_verified(w.collector);
  ck_assert_int_eq(prefinalizer_calls, 0);
  dom_world_free(&w);
  ck_assert_int_eq(prefinalizer_calls, 3);
  ck_assert_uint_eq(finalized_before_prefinalizer, 0);
  ck_assert_uint_eq(dom_finalized, 3);
}
END_TEST

/* Each call records (object, data, a neighbour's value read then). */
typedef struct data_call {
  void *object;
  void *data;
  long next_value;
} data_call;
static data_call data_calls[8];
static int data_call_count;
static char order[32];

static void data_prefinalizer(void *object, void *data) {
  dom_node *self = object;
  data_calls[data_call_count++] =
      (data_call){object, data, self->next ? self->next->value : -1};
  strcat(order, "D");
}

static void plain_prefinalizer(void *object) {
  (void)object;
  prefinalizer_calls++;
  strcat(order, "P");
}

START_TEST(a_prefinalizer_with_data_gets_its_pointer_exactly) {
  dom_world w;
  setup(&w);
  data_call_count = 0;
  order[0] = 0;
  int first_data, second_data;
  dom_node *a = dom_new_node(&w, 1), *b = dom_new_node(&w, 2), *c = dom_new_node(&w, 3);
  dom_node *neighbour = dom_new_node(&w, 42);
  dom_link(&w, a, &a->next, neighbour);
  blinkish_persistent *keep_c = blinkish_persistent_new(w.heap, c, false);
  ck_assert_int_eq(blinkish_register_prefinalizer_with_data(w.heap, a, data_prefinalizer, &first_data),
                   CCGC_OK);
  ck_assert_int_eq(blinkish_register_prefinalizer(w.heap, b, plain_prefinalizer), CCGC_OK);
  ck_assert_int_eq(blinkish_register_prefinalizer_with_data(w.heap, c, data_prefinalizer, NULL),
                   CCGC_OK);
  /* One per object, whatever the kind. */
  ck_assert_int_eq(blinkish_register_prefinalizer_with_data(w.heap, b, data_prefinalizer, &second_data),
                   CCGC_E_INVALID_ARGUMENT);
  dom_assert_error(&w, CCGC_E_INVALID_ARGUMENT,
                   "blinkish_register_prefinalizer_with_data: Node");
  ck_assert_int_eq(blinkish_register_prefinalizer_with_data(w.heap, neighbour, NULL, &second_data),
                   CCGC_E_INVALID_ARGUMENT);
  ck_assert_uint_eq(w.errors.count, 2);
  ccgc_test_collect_verified(w.collector);
  ck_assert_str_eq(order, "DP"); /* registration order, both kinds */
  ck_assert_int_eq(data_call_count, 1);
  ck_assert_ptr_eq(data_calls[0].object, a);
  ck_assert_ptr_eq(data_calls[0].data, &first_data);
  ck_assert_int_eq(data_calls[0].next_value, 42); /* a dead neighbour, intact */
  /* Teardown runs the survivor's, with NULL as given. */
  blinkish_persistent_free(w.heap, keep_c);
  dom_world_free(&w);
  ck_assert_int_eq(data_call_count, 2);
  ck_assert_ptr_eq(data_calls[1].object, c);
  ck_assert_ptr_null(data_calls[1].data);
  ck_assert_str_eq(order, "DPD");
}
END_TEST

/* With compaction on, a dead vector's backing may lie on a page the compact
 * op evacuated (a live backing moved off it): the page stays mapped until
 * the sweep, and a pre-finalizer's store into the dead vector is allowed as
 * without compaction (it was refused as a store into a freed holder, named
 * blinkish_member_set: the default handler aborted; found by an audit). */
static struct {
  blinkish_heap *heap;
  dom_node *leaf;
  ccgc_status set, append;
  void *read;
} dead_vector;

static void storing_prefinalizer(void *object) {
  dom_node *self = object;
  prefinalizer_calls++;
  dead_vector.set = blinkish_vector_set(dead_vector.heap, self->other, 0,
                                        dead_vector.leaf);
  dead_vector.append = blinkish_vector_append(dead_vector.heap, self->other,
                                              dead_vector.leaf);
  dead_vector.read = blinkish_vector_get(dead_vector.heap, self->other, 1);
}

static void *backing_of(dom_world *w, void *vector) {
  return ccgc_test_edge_target(w->collector, vector);
}

START_TEST(a_prefinalizer_stores_into_a_dead_vector_on_an_evacuated_page) {
  dom_world w;
  ccgc_collector_options options = {.verify = true};
  w.collector = ccgc_collector_new(&options);
  blinkish_heap_options heap_options = {.compaction = CCGC_COMPACTION_EVERY_FULL};
  w.heap = blinkish_heap_new(w.collector, &heap_options);
  blinkish_type_info info = {"Node", dom_trace_node, dom_finalize_node, 0};
  w.node_type = blinkish_register_type(w.heap, &info);
  ccgc_test_capture_errors(w.collector, &w.errors);
  prefinalizer_calls = 0;
  dead_vector.heap = w.heap;
  dead_vector.leaf = dom_new_node(&w, 7);
  blinkish_persistent *leaf_root = blinkish_persistent_new(w.heap, dead_vector.leaf, false);
  /* The dead vector's backing first, a live one's beside it on its page. */
  dom_node *owner = dom_new_node(&w, 1);
  void *vector = blinkish_vector_new(w.heap, 4);
  dom_link(&w, owner, &owner->other, vector);
  ck_assert_int_eq(blinkish_vector_append(w.heap, vector, dead_vector.leaf), CCGC_OK);
  ck_assert_int_eq(blinkish_register_prefinalizer(w.heap, owner, storing_prefinalizer),
                   CCGC_OK);
  void *kept = blinkish_vector_new(w.heap, 4);
  blinkish_persistent *live_root = blinkish_persistent_new(w.heap, kept, false);
  ck_assert_int_eq(blinkish_vector_append(w.heap, kept, dead_vector.leaf), CCGC_OK);
  void *before = backing_of(&w, kept);
  ck_assert_int_eq(ccgc_collect(w.collector, CCGC_REASON_TESTING), CCGC_OK);
  ck_assert_int_eq(prefinalizer_calls, 1);
  ck_assert_ptr_ne(backing_of(&w, kept), before); /* its page was evacuated */
  ck_assert_int_eq(dead_vector.set, CCGC_OK);
  ck_assert_int_eq(dead_vector.append, CCGC_OK);
  ck_assert_ptr_eq(dead_vector.read, dead_vector.leaf);
  ck_assert_uint_eq(w.errors.count, 0);
  ck_assert_ptr_eq(blinkish_vector_get(w.heap, kept, 0), dead_vector.leaf);
  ccgc_test_collect_verified(w.collector);
  blinkish_persistent_free(w.heap, live_root);
  blinkish_persistent_free(w.heap, leaf_root);
  dom_world_free(&w);
}
END_TEST

int main(void) {
  Suite *suite = suite_create("blinkish-prefinalizer");
  TCase *tc = tcase_create("core");
  tcase_add_test(tc, it_runs_once_when_its_object_dies);
  tcase_add_test(tc, it_reads_dead_neighbours_before_any_finalizer_runs);
  tcase_add_test(tc, it_may_update_live_objects);
  tcase_add_test(tc, registration_misuse_is_reported);
  tcase_add_test(tc, it_may_not_allocate_nor_register);
  tcase_add_test(tc, resurrection_from_a_prefinalizer_is_refused);
  tcase_add_test(tc, resurrection_from_a_finalizer_is_named_as_such);
  tcase_add_test(tc, heap_teardown_runs_the_rest_before_the_finalizers);
  tcase_add_test(tc, a_prefinalizer_with_data_gets_its_pointer_exactly);
  tcase_add_test(tc, a_prefinalizer_stores_into_a_dead_vector_on_an_evacuated_page);
  suite_add_tcase(suite, tc);
  return ccgc_test_run(suite);
}
