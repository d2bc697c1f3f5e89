/* test-concurrent-construction.c - DOM objects under construction while
 * marker threads run (.inv.construct-defer), and vectors that grow and
 * shrink while being marked. Labelled "concurrent": the TSan build runs it.
 *
 * A "Widget" is complete only when its `ready` flag is set; its trace
 * callback counts the times it was called on an incomplete widget. A
 * constructor allocates it with blinkish_alloc_begin, publishes it into a
 * rooted parent (as a constructor appending `this` to a parent does), and
 * only later sets its child and `ready`, then commits. Marking starts in
 * between, so a marker thread reaches the widget mid-construction. */
#include <check.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <time.h>

#include "dom-test.h"

typedef struct widget {
  dom_node *child;
  atomic_int ready;
} widget;

static atomic_int incomplete_traces; /* trace calls on an incomplete widget */
static atomic_int widget_traces;

static void trace_widget(ccgc_visitor *visitor, void *object) {
  widget *self = object;
  atomic_fetch_add(&widget_traces, 1);
  if (!atomic_load(&self->ready)) atomic_fetch_add(&incomplete_traces, 1);
  blinkish_trace_member(visitor, (void *const *)&self->child, "child");
}

static void sleep_ms(long ms) {
  struct timespec t = {ms / 1000, (ms % 1000) * 1000000L};
  nanosleep(&t, NULL);
}

typedef struct world {
  dom_world w;
  blinkish_type_id widget_type;
  blinkish_persistent *root;
  dom_node *parent;
} world;

static void world_init(world *x, int threads) {
  memset(x, 0, sizeof *x);
  ccgc_collector_options options = {.verify = true, .marker_threads = threads};
  x->w.collector = ccgc_collector_new(&options);
  ccgc_collector_set_step_objects(x->w.collector, 64);
  x->w.heap = blinkish_heap_new(x->w.collector, NULL);
  blinkish_type_info node = {"Node", dom_trace_node, dom_finalize_node, 0};
  x->w.node_type = blinkish_register_type(x->w.heap, &node);
  blinkish_type_info info = {"Widget", trace_widget, NULL, 0};
  x->widget_type = blinkish_register_type(x->w.heap, &info);
  ccgc_test_capture_errors(x->w.collector, &x->w.errors);
  x->parent = dom_new_node(&x->w, 0);
  x->root = blinkish_persistent_new(x->w.heap, x->parent, false);
  atomic_store(&incomplete_traces, 0);
  atomic_store(&widget_traces, 0);
}

static void world_free(world *x) {
  blinkish_persistent_free(x->w.heap, x->root);
  dom_world_free(&x->w);
}

/* Begins a widget and publishes it into the parent before marking starts.
 * two_phase false: a plain blinkish_alloc (the hazard, for contrast). */
static widget *begin_widget(world *x, bool two_phase) {
  widget *g = two_phase
                  ? blinkish_alloc_begin(x->w.heap, x->widget_type, sizeof *g)
                  : blinkish_alloc(x->w.heap, x->widget_type, sizeof *g);
  ck_assert_ptr_nonnull(g);
  ck_assert_int_eq(blinkish_member_set(x->w.heap, x->parent,
                                       (void **)&x->parent->other, g),
                   CCGC_OK);
  return g;
}

static void finish_widget(world *x, widget *g, bool commit) {
  dom_node *child = dom_new_node(&x->w, 7);
  ck_assert_int_eq(blinkish_member_set(x->w.heap, g, (void **)&g->child, child),
                   CCGC_OK);
  atomic_store(&g->ready, 1);
  if (commit) blinkish_alloc_commit(x->w.heap, g);
}

START_TEST(a_marker_defers_an_object_under_construction) {
  world x;
  world_init(&x, 1);
  widget *g = begin_widget(&x, true);
  ck_assert(blinkish_is_constructing(x.w.heap, g));
  ccgc_incremental_start(x.w.collector, CCGC_REASON_TESTING);
  /* The marker thread reaches it through parent.other and defers it. */
  for (int i = 0; i < 20000 && blinkish_not_constructed_count(x.w.heap) == 0; i++)
    sleep_ms(1);
  ck_assert_uint_eq(blinkish_not_constructed_count(x.w.heap), 1);
  ck_assert(ccgc_is_marked(g)); /* black: its fields wait for the pause */
  finish_widget(&x, g, true);
  ck_assert(!blinkish_is_constructing(x.w.heap, g));
  while (!ccgc_incremental_step(x.w.collector, 5.0)) {
  }
  ck_assert_int_eq(ccgc_incremental_finish(x.w.collector), CCGC_OK);
  ck_assert_uint_eq(ccgc_collector_last_verify(x.w.collector)->errors, 0);
  ck_assert_int_eq(atomic_load(&incomplete_traces), 0);
  ck_assert_int_ge(atomic_load(&widget_traces), 1); /* traced in the pause */
  ck_assert_uint_eq(blinkish_not_constructed_count(x.w.heap), 0);
  ck_assert(blinkish_is_object(x.w.heap, g->child));
  ck_assert_int_eq(g->child->value, 7);
  /* The next cycle traces the completed widget normally. */
  ccgc_test_collect_verified(x.w.collector);
  ck_assert(blinkish_is_object(x.w.heap, g->child));
  world_free(&x);
}
END_TEST

/* Still under construction at the atomic pause: traced there (the mutator
 * is stopped), so what its constructor stored so far survives. */
START_TEST(still_constructing_at_the_pause_is_traced_there) {
  world x;
  world_init(&x, 1);
  widget *g = begin_widget(&x, true);
  ccgc_incremental_start(x.w.collector, CCGC_REASON_TESTING);
  for (int i = 0; i < 20000 && blinkish_not_constructed_count(x.w.heap) == 0; i++)
    sleep_ms(1);
  finish_widget(&x, g, false); /* child stored, not committed */
  ck_assert_int_eq(ccgc_incremental_finish(x.w.collector), CCGC_OK);
  ck_assert_uint_eq(ccgc_collector_last_verify(x.w.collector)->errors, 0);
  ck_assert(blinkish_is_object(x.w.heap, g->child));
  /* Stop-the-world collections trace it directly (no deferral). */
  ccgc_test_collect_verified(x.w.collector);
  ck_assert(blinkish_is_object(x.w.heap, g->child));
  blinkish_alloc_commit(x.w.heap, g);
  blinkish_alloc_commit(x.w.heap, g); /* twice: misuse, reported */
  ck_assert_int_eq(x.w.errors.last_code, CCGC_E_INVALID_ARGUMENT);
  world_free(&x);
}
END_TEST

/* Contrast: a plain allocation published early is traced by the marker
 * thread while incomplete - what the two-phase allocation prevents. Not
 * under sanitizers: the widget's trace races with its constructor. */
START_TEST(without_two_phase_allocation_a_marker_traces_it_incomplete) {
  const char *sanitized = getenv("CCGC_SANITIZED");
  if (sanitized && *sanitized) return;
  world x;
  world_init(&x, 1);
  widget *g = begin_widget(&x, false);
  ccgc_incremental_start(x.w.collector, CCGC_REASON_TESTING);
  for (int i = 0; i < 20000 && atomic_load(&widget_traces) == 0; i++)
    sleep_ms(1);
  ck_assert_int_ge(atomic_load(&incomplete_traces), 1);
  finish_widget(&x, g, false);
  ck_assert_int_eq(ccgc_incremental_finish(x.w.collector), CCGC_OK);
  world_free(&x);
}
END_TEST

/* Heap vectors grow (new backing, copy) and shrink while marker threads
 * trace them: the backing is a heap object, replaced through a barriered
 * member store, so a marker sees the old backing or the new one, whole. */
START_TEST(vectors_resize_while_markers_run) {
  world x;
  world_init(&x, 2);
  void *vectors[4];
  blinkish_persistent *roots[4];
  for (int v = 0; v < 4; v++) {
    vectors[v] = blinkish_vector_new(x.w.heap, 1);
    roots[v] = blinkish_persistent_new(x.w.heap, vectors[v], false);
  }
  unsigned seed = 7;
  for (int cycle = 0; cycle < 6; cycle++) {
    ccgc_incremental_start(x.w.collector, CCGC_REASON_TESTING);
    for (int op = 0; op < 3000; op++) {
      seed = seed * 1103515245u + 12345u;
      void *vector = vectors[(seed >> 8) % 4];
      size_t length = blinkish_vector_length(x.w.heap, vector);
      if ((seed >> 12) % 3 && length < 600)
        blinkish_vector_append(x.w.heap, vector, dom_new_node(&x.w, op));
      else if (length)
        blinkish_vector_remove(x.w.heap, vector, (seed >> 4) % length);
      if (op % 500 == 0) ccgc_incremental_step(x.w.collector, 0.2);
    }
    ck_assert_int_eq(ccgc_incremental_finish(x.w.collector), CCGC_OK);
    ck_assert_uint_eq(ccgc_collector_last_verify(x.w.collector)->errors, 0);
    for (int v = 0; v < 4; v++)
      for (size_t i = 0; i < blinkish_vector_length(x.w.heap, vectors[v]); i++)
        ck_assert(blinkish_is_object(x.w.heap,
                                     blinkish_vector_get(x.w.heap, vectors[v], i)));
  }
  for (int v = 0; v < 4; v++) blinkish_persistent_free(x.w.heap, roots[v]);
  world_free(&x);
}
END_TEST

int main(void) {
  Suite *suite = suite_create("concurrent-construction");
  TCase *tc = tcase_create("core");
  tcase_set_timeout(tc, 120);
  tcase_add_test(tc, a_marker_defers_an_object_under_construction);
  tcase_add_test(tc, still_constructing_at_the_pause_is_traced_there);
  tcase_add_test(tc, without_two_phase_allocation_a_marker_traces_it_incomplete);
  tcase_add_test(tc, vectors_resize_while_markers_run);
  suite_add_tcase(suite, tc);
  return ccgc_test_run(suite);
}
