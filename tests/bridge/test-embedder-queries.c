/* test-embedder-queries.c - what an embedder asks of both heaps
 * (docs/embedding.md): each heap's id in its collector (the index of its
 * per-heap records, whatever order the heaps were made in); whether an
 * address is a live object of a heap or of the collector (safe on garbage,
 * what it answers mid-cycle and after objects move, refused inside a
 * collection); and the threading contract of the public headers: a call
 * from a thread that does not own the collector, on each heap, the bridge
 * the collector and the inspection library, returns its documented neutral
 * value and reports CCGC_E_WRONG_THREAD, changing and reading nothing. */
#include <check.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "bridge-world.h"
#include "ccgc-events.h"

static void *new_object(bridge_world *w) {
  return v8ish_object_address(w->script, v8ish_object_new(w->script));
}

/* --- Heap ids ---------------------------------------------------------- */

static size_t dom_objects_in(const ccgc_cycle_stats *stats, int id) {
  return stats->heaps[id].after.object_count;
}

START_TEST(each_heap_gives_its_id_in_the_collectors_records) {
  /* The DOM heap made first this time: ids follow creation, not names. */
  ccgc_collector *collector = ccgc_collector_new(NULL);
  blinkish_heap *dom = blinkish_heap_new(collector, NULL);
  v8ish_heap *script = v8ish_heap_new(collector, NULL);
  int dom_id = blinkish_heap_collector_id(dom);
  int script_id = v8ish_heap_collector_id(script);
  ck_assert_int_eq(dom_id, 0);
  ck_assert_int_eq(script_id, 1);
  ck_assert_str_eq(ccgc_collector_heap_name(collector, dom_id), "dom");
  ck_assert_str_eq(ccgc_collector_heap_name(collector, script_id), "script");

  blinkish_type_info info = {"Leaf", NULL, NULL, 0};
  blinkish_type_id type = blinkish_register_type(dom, &info);
  void *leaf = blinkish_alloc(dom, type, 16);
  blinkish_persistent *root = blinkish_persistent_new(dom, leaf, false);
  blinkish_alloc(dom, type, 16); /* garbage */
  ccgc_object_info object;
  ck_assert_int_eq(ccgc_collector_object_info(collector, leaf, &object), CCGC_OK);
  ck_assert_int_eq(object.heap_id, dom_id);
  ck_assert_int_eq(ccgc_collect(collector, CCGC_REASON_TESTING), CCGC_OK);
  const ccgc_cycle_stats *stats = ccgc_collector_last_cycle(collector);
  ccgc_heap_stats now;
  blinkish_heap_stats(dom, &now);
  ck_assert_uint_eq(dom_objects_in(stats, dom_id), now.object_count);
  ck_assert_uint_eq(stats->heaps[dom_id].before.object_count, now.object_count + 1);
  ccgc_heap_stats by_id;
  ccgc_collector_heap_stats(collector, dom_id, &by_id);
  ck_assert_uint_eq(by_id.object_count, now.object_count);

  blinkish_persistent_free(dom, root);
  blinkish_heap_free(dom);
  /* No heap: -1, nothing reported (no collector to report to). */
  ck_assert_int_eq(blinkish_heap_collector_id(NULL), -1);
  ck_assert_int_eq(v8ish_heap_collector_id(NULL), -1);
  ck_assert_int_eq(v8ish_heap_collector_id(script), script_id); /* unchanged */
  v8ish_heap_free(script);
  ccgc_collector_free(collector);
}
END_TEST

/* --- Liveness ------------------------------------------------------------- */

START_TEST(contains_answers_for_live_objects_and_refuses_garbage) {
  bridge_world w;
  bridge_world_init(&w, BRIDGE_MODE_UNIFIED);
  void *element = blinkish_alloc(w.dom, w.type, 32);
  uint8_t *script_object = new_object(&w);
  ck_assert(blinkish_heap_contains(w.dom, element));
  ck_assert(!v8ish_heap_contains(w.script, element));
  ck_assert(ccgc_collector_contains(w.collector, element));
  ck_assert(v8ish_heap_contains(w.script, script_object));
  ck_assert(!blinkish_heap_contains(w.dom, script_object));
  ck_assert(ccgc_collector_contains(w.collector, script_object));
  /* Never decodes garbage: all false, nothing reported. */
  int local;
  void *malloced = malloc(64);
  const void *garbage[] = {NULL, &local, malloced, (uint8_t *)element + 8,
                           (uint8_t *)element - 8, script_object + 1 /* tagged */,
                           script_object + 8, (void *)(uintptr_t)0x10};
  for (size_t i = 0; i < sizeof garbage / sizeof *garbage; i++) {
    ck_assert_msg(!blinkish_heap_contains(w.dom, garbage[i]), "dom: garbage %zu", i);
    ck_assert_msg(!v8ish_heap_contains(w.script, garbage[i]), "script: garbage %zu", i);
    ck_assert_msg(!ccgc_collector_contains(w.collector, garbage[i]), "collector: %zu", i);
  }
  free(malloced);
  ck_assert_uint_eq(w.errors.count, 0);
  ck_assert_int_eq(ccgc_collector_last_error(w.collector)->code, CCGC_OK);
  /* Unreachable, then collected: no longer an object. */
  ccgc_test_collect_verified(w.collector);
  ck_assert(!blinkish_heap_contains(w.dom, element));
  ck_assert(!ccgc_collector_contains(w.collector, element));
  bridge_world_free(&w);
}
END_TEST

START_TEST(a_moved_script_object_is_found_at_its_new_address_only) {
  bridge_world w;
  bridge_world_init(&w, BRIDGE_MODE_UNIFIED);
  v8ish_local object = v8ish_object_new(w.script);
  void *before = v8ish_object_address(w.script, object);
  ck_assert(v8ish_heap_contains(w.script, before));
  ck_assert_int_eq(ccgc_collect_minor(w.collector, CCGC_REASON_TESTING), CCGC_OK);
  void *after = v8ish_object_address(w.script, object); /* the handle followed */
  ck_assert_ptr_ne(before, after);
  ck_assert(v8ish_heap_contains(w.script, after));
  ck_assert(!v8ish_heap_contains(w.script, before));
  ck_assert(!ccgc_collector_contains(w.collector, before));
  bridge_world_free(&w);
}
END_TEST

START_TEST(mid_cycle_an_object_is_live_until_its_sweep) {
  bridge_world w;
  bridge_world_init(&w, BRIDGE_MODE_UNIFIED);
  void *doomed = blinkish_alloc(w.dom, w.type, 32); /* no root */
  void *kept = blinkish_alloc(w.dom, w.type, 32);
  blinkish_persistent *root = blinkish_persistent_new(w.dom, kept, false);
  ck_assert_int_eq(ccgc_incremental_start(w.collector, CCGC_REASON_TESTING), CCGC_OK);
  ccgc_incremental_step(w.collector, 100.0);
  ck_assert_int_eq(ccgc_collector_state(w.collector), CCGC_STATE_MARKING);
  /* Dead to this cycle, but allocated: live until the sweep. */
  ck_assert(blinkish_heap_contains(w.dom, doomed));
  void *newborn = blinkish_alloc(w.dom, w.type, 32); /* allocated black */
  void *script_newborn = new_object(&w);
  ck_assert(blinkish_heap_contains(w.dom, newborn));
  ck_assert(v8ish_heap_contains(w.script, script_newborn));
  ck_assert_int_eq(ccgc_incremental_finish(w.collector), CCGC_OK);
  ck_assert(!blinkish_heap_contains(w.dom, doomed));
  ck_assert(blinkish_heap_contains(w.dom, kept));
  ck_assert(blinkish_heap_contains(w.dom, newborn)); /* survives its first cycle */
  ck_assert_uint_eq(w.errors.count, 0);
  blinkish_persistent_free(w.dom, root);
  bridge_world_free(&w);
}
END_TEST

/* Inside a collection: false, CCGC_E_IN_COLLECTION recorded. */
static bridge_world *asking;
static void *asked;
static int answers[3];
static ccgc_status codes[3];
static void ask_all(void) {
  ccgc_collector_clear_error(asking->collector);
  answers[0] = blinkish_heap_contains(asking->dom, asked);
  codes[0] = ccgc_collector_last_error(asking->collector)->code;
  ccgc_collector_clear_error(asking->collector);
  answers[1] = v8ish_heap_contains(asking->script, asked);
  codes[1] = ccgc_collector_last_error(asking->collector)->code;
  ccgc_collector_clear_error(asking->collector);
  answers[2] = ccgc_collector_contains(asking->collector, asked);
  codes[2] = ccgc_collector_last_error(asking->collector)->code;
}
static void ask_at_pause(void *data) { (void)data, ask_all(); }
static const ccgc_event_listener asker = {.atomic_pause_start = ask_at_pause};
static void ask_in_finalizer(void *object, void *data) { (void)object, (void)data, ask_all(); }

START_TEST(inside_a_collection_the_query_is_refused) {
  bridge_world w;
  bridge_world_init(&w, BRIDGE_MODE_UNIFIED);
  asking = &w;
  asked = blinkish_alloc(w.dom, w.type, 32);
  blinkish_persistent *root = blinkish_persistent_new(w.dom, asked, false);
  /* From a listener (read-only context)... */
  ccgc_collector_add_listener(w.collector, &asker, NULL);
  ccgc_test_collect_verified(w.collector);
  for (int i = 0; i < 3; i++) {
    ck_assert_msg(!answers[i], "query %d answered inside the collection", i);
    ck_assert_int_eq(codes[i], CCGC_E_IN_COLLECTION);
  }
  ccgc_collector_remove_listener(w.collector, &asker, NULL);
  /* ... and from a finalizer (reclamation). */
  blinkish_type_info info = {"Asker", NULL, NULL, 0};
  blinkish_type_id type = blinkish_register_type_with_data(w.dom, &info, ask_in_finalizer, NULL);
  blinkish_alloc(w.dom, type, 8);
  memset(answers, 0xff, sizeof answers);
  ccgc_test_collect_verified(w.collector);
  for (int i = 0; i < 3; i++) {
    ck_assert_int_eq(answers[i], 0);
    ck_assert_int_eq(codes[i], CCGC_E_IN_COLLECTION);
  }
  ck_assert_uint_eq(w.errors.count, 0); /* recoverable: no handler call */
  ccgc_collector_clear_error(w.collector);
  ck_assert(blinkish_heap_contains(w.dom, asked)); /* outside again: fine */
  ck_assert_int_eq(ccgc_collector_last_error(w.collector)->code, CCGC_OK);
  blinkish_persistent_free(w.dom, root);
  bridge_world_free(&w);
}
END_TEST

/* --- The threading contract, from a thread that does not own the
 * collector ------------------------------------------------------------- */

typedef struct intruder {
  bridge_world *w;
  void *element;
  void *script_object;
  /* what each call returned there */
  void *dom_alloc;
  int dom_id, script_id;
  bool dom_contains, script_contains, collector_contains;
  bool wrapper_empty;
  ccgc_status collect, prefinalizer, listener, walk, info;
  void *relocated;
  size_t script_objects;
  int walked; /* walk callbacks run */
} intruder;

static void count_walked(const ccgc_object_info *info, void *data) {
  (void)info;
  ((intruder *)data)->walked++;
}

static void on_data_prefinalizer(void *object, void *data) { (void)object, (void)data; }
static const ccgc_event_listener nothing = {.cycle_end = NULL};

static void *intrude(void *arg) {
  intruder *in = arg;
  bridge_world *w = in->w;
  in->dom_alloc = blinkish_alloc(w->dom, w->type, 16);
  in->dom_id = blinkish_heap_collector_id(w->dom);
  in->script_id = v8ish_heap_collector_id(w->script);
  in->dom_contains = blinkish_heap_contains(w->dom, in->element);
  in->script_contains = v8ish_heap_contains(w->script, in->script_object);
  in->collector_contains = ccgc_collector_contains(w->collector, in->element);
  in->wrapper_empty = v8ish_local_is_empty(bridge_wrap(w->bridge, in->element));
  in->collect = ccgc_collect(w->collector, CCGC_REASON_TESTING);
  in->prefinalizer = blinkish_register_prefinalizer_with_data(w->dom, in->element,
                                                              on_data_prefinalizer, NULL);
  in->listener = ccgc_collector_add_listener(w->collector, &nothing, NULL);
  ccgc_walk_callbacks walk = {.object = count_walked, .data = in};
  in->walk = ccgc_collector_walk(w->collector, &walk);
  ccgc_object_info info;
  in->info = ccgc_collector_object_info(w->collector, in->element, &info);
  ccgc_collector_request_minor(w->collector);
  in->relocated = ccgc_collector_relocated(w->collector, in->element);
  ccgc_heap_stats stats;
  v8ish_heap_stats(w->script, &stats);
  in->script_objects = stats.object_count;
  return NULL;
}

START_TEST(every_heap_refuses_a_thread_that_does_not_own_it) {
  bridge_world w;
  bridge_world_init(&w, BRIDGE_MODE_UNIFIED);
  intruder in = {.w = &w};
  in.element = blinkish_alloc(w.dom, w.type, 32);
  in.script_object = new_object(&w);
  blinkish_persistent *root = blinkish_persistent_new(w.dom, in.element, false);
  ccgc_heap_stats dom_before;
  blinkish_heap_stats(w.dom, &dom_before);
  pthread_t thread;
  ck_assert_int_eq(pthread_create(&thread, NULL, intrude, &in), 0);
  pthread_join(thread, NULL);

  /* Each call: its neutral value... */
  ck_assert_ptr_null(in.dom_alloc);
  ck_assert_int_eq(in.dom_id, -1);
  ck_assert_int_eq(in.script_id, -1);
  ck_assert(!in.dom_contains && !in.script_contains && !in.collector_contains);
  ck_assert(in.wrapper_empty);
  ck_assert_int_eq(in.collect, CCGC_E_WRONG_THREAD);
  ck_assert_int_eq(in.prefinalizer, CCGC_E_WRONG_THREAD);
  ck_assert_int_eq(in.listener, CCGC_E_WRONG_THREAD);
  ck_assert_int_eq(in.walk, CCGC_E_WRONG_THREAD);
  ck_assert_int_eq(in.info, CCGC_E_WRONG_THREAD);
  ck_assert_ptr_eq(in.relocated, in.element); /* the address, unchanged */
  ck_assert_int_eq(in.walked, 0); /* refused before any read */
  ck_assert_uint_eq(in.script_objects, 0); /* stats zeroed, not read */
  /* ... each reported as misuse (the handler ran on that thread) ... */
  ck_assert_uint_eq(w.errors.count, 15);
  ck_assert_int_eq(w.errors.last_code, CCGC_E_WRONG_THREAD);
  ck_assert_msg(strstr(w.errors.last_message, "v8ish_heap_stats") == w.errors.last_message,
                "the last report names another call: %s", w.errors.last_message);
  ck_assert_str_eq(ccgc_collector_last_error(w.collector)->check, ".api.mutator-thread");
  /* ... and nothing changed. */
  ccgc_heap_stats dom_after;
  blinkish_heap_stats(w.dom, &dom_after);
  ck_assert_uint_eq(dom_after.object_count, dom_before.object_count);
  ck_assert_uint_eq(ccgc_collector_cycle_count(w.collector), 0);
  ck_assert(v8ish_local_is_empty(bridge_wrapper_of(w.bridge, in.element)));
  ck_assert(!ccgc_collector_remove_listener(w.collector, &nothing, NULL));
  /* The refused request left no minor collection for the next safepoint. */
  unsigned long minors = ccgc_collector_minor_count(w.collector);
  ccgc_collector_safepoint(w.collector);
  ck_assert_uint_eq(ccgc_collector_minor_count(w.collector), minors);
  /* The owner's calls still work. */
  ck_assert_int_eq(blinkish_heap_collector_id(w.dom), 1);
  ck_assert_int_eq(v8ish_heap_collector_id(w.script), 0);
  ck_assert(blinkish_heap_contains(w.dom, in.element));
  blinkish_persistent_free(w.dom, root);
  bridge_world_free(&w);
}
END_TEST

int main(void) {
  Suite *suite = suite_create("bridge/embedder-queries");
  TCase *tc = tcase_create("core");
  tcase_add_test(tc, each_heap_gives_its_id_in_the_collectors_records);
  tcase_add_test(tc, contains_answers_for_live_objects_and_refuses_garbage);
  tcase_add_test(tc, a_moved_script_object_is_found_at_its_new_address_only);
  tcase_add_test(tc, mid_cycle_an_object_is_live_until_its_sweep);
  tcase_add_test(tc, inside_a_collection_the_query_is_refused);
  tcase_add_test(tc, every_heap_refuses_a_thread_that_does_not_own_it);
  suite_add_tcase(suite, tc);
  return ccgc_test_run(suite);
}
