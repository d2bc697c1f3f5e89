/* test-concurrent-marking.c - the DOM heap under marker threads: the host
 * stores members, grows vectors, allocates and drops persistents while two
 * helper threads trace the same objects. The verifier checks every cycle.
 * Labelled "concurrent": the ThreadSanitizer build runs it too. */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>

#include "dom-test.h"

enum { NODES = 4000, ROOTS = 16 };

typedef struct churn {
  dom_world w;
  dom_node *nodes[NODES];
  blinkish_persistent *roots[ROOTS];
  void *vector;
  unsigned seed;
} churn;

static unsigned next_random(churn *c) {
  c->seed = c->seed * 1103515245u + 12345u;
  return c->seed >> 8;
}

static void churn_init(churn *c, int threads) {
  memset(c, 0, sizeof *c);
  ccgc_collector_options options = {.verify = true, .marker_threads = threads};
  c->w.collector = ccgc_collector_new(&options);
  ccgc_collector_set_step_objects(c->w.collector, 64);
  c->w.heap = blinkish_heap_new(c->w.collector, NULL);
  blinkish_type_info info = {"Node", dom_trace_node, dom_finalize_node, 0};
  c->w.node_type = blinkish_register_type(c->w.heap, &info);
  ccgc_test_capture_errors(c->w.collector, &c->w.errors);
  c->seed = 42;
  for (int i = 0; i < ROOTS; i++)
    c->roots[i] = blinkish_persistent_new(c->w.heap, NULL, false);
  c->vector = blinkish_vector_new(c->w.heap, 4);
  blinkish_persistent_set(c->w.heap, c->roots[0], c->vector);
}

/* Replaces dead entries of the table with fresh nodes, so every entry is a
 * live object (raw pointers are safe between safepoints). */
static void refill(churn *c) {
  for (int i = 0; i < NODES; i++)
    if (!c->nodes[i] || !blinkish_is_object(c->w.heap, c->nodes[i]))
      c->nodes[i] = dom_new_node(&c->w, i);
}

static void mutate(churn *c, int operations) {
  blinkish_heap *heap = c->w.heap;
  for (int op = 0; op < operations; op++) {
    dom_node *a = c->nodes[next_random(c) % NODES];
    dom_node *b = c->nodes[next_random(c) % NODES];
    switch (next_random(c) % 6) {
    case 0:
      blinkish_member_set(heap, a, (void **)&a->next, b);
      break;
    case 1:
      blinkish_member_set(heap, a, (void **)&a->other, next_random(c) % 3 ? b : NULL);
      break;
    case 2:
      blinkish_persistent_set(heap, c->roots[1 + next_random(c) % (ROOTS - 1)], a);
      break;
    case 3:
      if (blinkish_vector_length(heap, c->vector) < 2000)
        blinkish_vector_append(heap, c->vector, a);
      else
        blinkish_vector_remove(heap, c->vector, next_random(c) % 2000);
      break;
    case 4: {
      dom_node *fresh = dom_new_node(&c->w, -1); /* allocated black */
      blinkish_member_set(heap, fresh, (void **)&fresh->next, a);
      blinkish_member_set(heap, b, (void **)&b->other, fresh);
      break;
    }
    default:
      blinkish_member_set(heap, a, (void **)&a->weak, b);
      break;
    }
  }
}

static void run_cycles(int threads) {
  churn *c = calloc(1, sizeof *c);
  churn_init(c, threads);
  size_t visited_by_threads = 0;
  for (int cycle = 0; cycle < 6; cycle++) {
    refill(c);
    mutate(c, 2000);
    ck_assert_int_eq(ccgc_incremental_start(c->w.collector, CCGC_REASON_TESTING), CCGC_OK);
    for (int round = 0; round < 20; round++) {
      mutate(c, 200);
      ccgc_incremental_step(c->w.collector, 0.05);
    }
    ck_assert_int_eq(ccgc_incremental_finish(c->w.collector), CCGC_OK);
    const ccgc_verify_report *report = ccgc_collector_last_verify(c->w.collector);
    ck_assert_msg(report->errors == 0, "cycle %d: %s", cycle, report->first_error);
    visited_by_threads += ccgc_collector_last_cycle(c->w.collector)->concurrent_objects;
    ccgc_verify_report heap_report;
    ck_assert_msg(ccgc_collector_verify_heap(c->w.collector, &heap_report),
                  "cycle %d: %s", cycle, heap_report.first_error);
    /* Everything a root reaches survived with its contents. */
    size_t length = blinkish_vector_length(c->w.heap, c->vector);
    for (size_t i = 0; i < length; i++) {
      dom_node *n = blinkish_vector_get(c->w.heap, c->vector, i);
      ck_assert(blinkish_is_object(c->w.heap, n));
      if (n->next) ck_assert(blinkish_is_object(c->w.heap, n->next));
    }
  }
  ck_assert_uint_eq(c->w.errors.count, 0);
  if (threads == 0) ck_assert_uint_eq(visited_by_threads, 0);
  else ck_assert_uint_gt(visited_by_threads, 0); /* the threads did mark */
  for (int i = 0; i < ROOTS; i++) blinkish_persistent_free(c->w.heap, c->roots[i]);
  dom_world_free(&c->w);
  free(c);
}

START_TEST(the_dom_heap_marks_correctly_with_marker_threads) {
  run_cycles(2);
}
END_TEST

START_TEST(the_same_schedule_without_threads_agrees) {
  run_cycles(0);
}
END_TEST

int main(void) {
  Suite *suite = suite_create("blinkish-concurrent-marking");
  TCase *tc = tcase_create("core");
  tcase_set_timeout(tc, 120);
  tcase_add_test(tc, the_dom_heap_marks_correctly_with_marker_threads);
  tcase_add_test(tc, the_same_schedule_without_threads_agrees);
  suite_add_tcase(suite, tc);
  return ccgc_test_run(suite);
}
