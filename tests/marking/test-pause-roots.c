/* test-pause-roots.c - the atomic pause rescans only the roots whose stores
 * are not barriered (.inv.roots-barriered): a global handle, a traced
 * reference or a persistent made or set while marking runs, pointing at an
 * object the marker has not reached and whose last other reference is then
 * deleted, keeps it alive with no rescan of those roots. Each case fails
 * (the object is freed, the verifier reports a reachable white object) if
 * that root store loses its barrier. */
#include <check.h>

#include "blinkish.h"
#include "ccgc-page.h"
#include "ccgc-test.h"
#include "v8ish.h"

typedef struct node {
  struct node *next;
} node;

static void trace_node(ccgc_visitor *visitor, void *object) {
  blinkish_trace_member(visitor, (void *const *)&((node *)object)->next, "next");
}

typedef struct dom {
  ccgc_collector *collector;
  blinkish_heap *heap;
  blinkish_type_id type;
  blinkish_persistent *holder_root;
  node *holder, *target;
} dom;

/* holder (a root) -> target; marking started: holder grey, target white. */
static void dom_open(dom *d) {
  /* No marking step on allocation: the marker reaches nothing before the
   * pause but the roots. */
  ccgc_collector_options options = {.verify = true,
                                    .incremental_step_bytes = (size_t)1 << 40};
  d->collector = ccgc_collector_new(&options);
  d->heap = blinkish_heap_new(d->collector, NULL);
  blinkish_type_info info = {"Node", trace_node, NULL, 0};
  d->type = blinkish_register_type(d->heap, &info);
  d->holder = blinkish_alloc(d->heap, d->type, sizeof(node));
  d->target = blinkish_alloc(d->heap, d->type, sizeof(node));
  d->holder_root = blinkish_persistent_new(d->heap, d->holder, false);
  ck_assert_int_eq(blinkish_member_set(d->heap, d->holder, (void **)&d->holder->next,
                                       d->target),
                   CCGC_OK);
  ck_assert_int_eq(ccgc_incremental_start(d->collector, CCGC_REASON_TESTING), CCGC_OK);
  ck_assert_int_eq(ccgc_color_of(d->target), CCGC_WHITE);
}

/* The holder lets go of target; the pause finishes; target must live. */
static void dom_finish(dom *d) {
  ck_assert_int_eq(blinkish_member_set(d->heap, d->holder, (void **)&d->holder->next, NULL),
                   CCGC_OK);
  ck_assert_int_eq(ccgc_incremental_finish(d->collector), CCGC_OK);
  ck_assert_uint_eq(ccgc_collector_last_verify(d->collector)->errors, 0);
  ck_assert(blinkish_is_object(d->heap, d->target));
  blinkish_heap_free(d->heap);
  ccgc_collector_free(d->collector);
}

START_TEST(a_persistent_made_while_marking_needs_no_rescan) {
  dom d;
  dom_open(&d);
  blinkish_persistent_new(d.heap, d.target, false);
  dom_finish(&d);
}
END_TEST

START_TEST(a_persistent_set_while_marking_needs_no_rescan) {
  dom d;
  blinkish_persistent *later = NULL;
  dom_open(&d);
  later = blinkish_persistent_new(d.heap, NULL, false);
  blinkish_persistent_set(d.heap, later, d.target);
  dom_finish(&d);
}
END_TEST

typedef struct script {
  ccgc_collector *collector;
  v8ish_heap *heap;
  v8ish_handle_scope outer;
  v8ish_global holder;
  void *target; /* its address */
} script;

/* A holder object (held by a global) -> "f" -> target; marking started. The
 * locals that made them are gone (their scope closed), so only the holder
 * reaches target. */
static void script_open(script *s) {
  /* No marking step on allocation: the marker reaches nothing before the
   * pause but the roots. */
  ccgc_collector_options options = {.verify = true,
                                    .incremental_step_bytes = (size_t)1 << 40};
  s->collector = ccgc_collector_new(&options);
  v8ish_heap_options heap_options = {.no_young_generation = 1};
  s->heap = v8ish_heap_new(s->collector, &heap_options);
  v8ish_handle_scope_open(s->heap, &s->outer);
  v8ish_handle_scope scope;
  v8ish_handle_scope_open(s->heap, &scope);
  v8ish_local holder = v8ish_object_new(s->heap);
  v8ish_local target = v8ish_object_new(s->heap);
  ck_assert_int_eq(v8ish_object_set(s->heap, holder, "f", target), CCGC_OK);
  s->holder = v8ish_global_new(s->heap, holder, false);
  s->target = v8ish_object_address(s->heap, target);
  v8ish_handle_scope_close(&scope);
  ck_assert_int_eq(ccgc_incremental_start(s->collector, CCGC_REASON_TESTING), CCGC_OK);
  ck_assert_int_eq(ccgc_color_of(s->target), CCGC_WHITE);
}

/* Reads target through the holder in a scope of its own, gives it to
 * store (which roots it), then the holder's field is overwritten and the
 * scope closed; the pause finishes; target must live. */
static void script_store_and_finish(script *s,
                                    void (*store)(script *, v8ish_local target)) {
  v8ish_handle_scope scope;
  v8ish_handle_scope_open(s->heap, &scope);
  v8ish_local holder = v8ish_global_get(s->heap, s->holder);
  v8ish_local target = v8ish_object_get(s->heap, holder, "f");
  store(s, target);
  ck_assert_int_eq(v8ish_object_set(s->heap, holder, "f", v8ish_object_new(s->heap)),
                   CCGC_OK);
  v8ish_handle_scope_close(&scope);
  /* only the new root reaches target now */
  ck_assert_int_eq(ccgc_incremental_finish(s->collector), CCGC_OK);

  ck_assert_uint_eq(ccgc_collector_last_verify(s->collector)->errors, 0);
  ck_assert(v8ish_heap_contains(s->heap, s->target));
  v8ish_handle_scope_close(&s->outer);
  v8ish_heap_free(s->heap);
  ccgc_collector_free(s->collector);
}

static void make_global(script *s, v8ish_local target) {
  v8ish_global_new(s->heap, target, false);
}

static void set_global(script *s, v8ish_local target) {
  v8ish_global later = v8ish_global_new(s->heap, v8ish_local_empty(), false);
  v8ish_global_set(s->heap, later, target);
}

START_TEST(a_global_made_while_marking_needs_no_rescan) {
  script s;
  script_open(&s);
  script_store_and_finish(&s, make_global);
}
END_TEST

START_TEST(a_global_set_while_marking_needs_no_rescan) {
  script s;
  script_open(&s);
  script_store_and_finish(&s, set_global);
}
END_TEST

int main(void) {
  Suite *suite = suite_create("pause-roots");
  TCase *tc = tcase_create("core");
  tcase_add_test(tc, a_persistent_made_while_marking_needs_no_rescan);
  tcase_add_test(tc, a_persistent_set_while_marking_needs_no_rescan);
  tcase_add_test(tc, a_global_made_while_marking_needs_no_rescan);
  tcase_add_test(tc, a_global_set_while_marking_needs_no_rescan);
  suite_add_tcase(suite, tc);
  return ccgc_test_run(suite);
}
