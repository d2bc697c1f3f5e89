/* dom-test.h - a small world for the DOM heap suites: a collector with the
 * verifier on, one blinkish heap, a recording error handler and a "Node" type
 * (two strong members, one weak member, a value) whose finalizer counts. */
#ifndef DOM_TEST_H
#define DOM_TEST_H

#include <check.h>
#include <string.h>

#include "blinkish.h"
#include "ccgc-page.h"
#include "ccgc-test.h"

typedef struct dom_node {
  struct dom_node *next;
  struct dom_node *other;
  struct dom_node *weak; /* weak member */
  long value;
} dom_node;

typedef struct dom_world {
  ccgc_collector *collector;
  blinkish_heap *heap;
  blinkish_type_id node_type;
  ccgc_test_errors errors;
} dom_world;

/* Finalizer bookkeeping of the Node type (finalizers get no context). */
static unsigned long dom_finalized;
static long dom_finalized_sum; /* sum of the values of finalized nodes */

static inline void dom_trace_node(ccgc_visitor *visitor, void *object) {
  dom_node *self = object;
  blinkish_trace_member(visitor, (void *const *)&self->next, "next");
  blinkish_trace_member(visitor, (void *const *)&self->other, "other");
  blinkish_trace_weak(visitor, (void **)&self->weak, "weak");
}

static inline void dom_finalize_node(void *object) {
  dom_finalized++;
  dom_finalized_sum += ((dom_node *)object)->value;
}

static inline void dom_world_init(dom_world *w, size_t limit) {
  ccgc_collector_options options = {.verify = true};
  w->collector = ccgc_collector_new(&options);
  ck_assert_ptr_nonnull(w->collector);
  blinkish_heap_options heap_options = {.limit_bytes = limit};
  w->heap = blinkish_heap_new(w->collector, &heap_options);
  ck_assert_ptr_nonnull(w->heap);
  blinkish_type_info info = {"Node", dom_trace_node, dom_finalize_node, 0};
  w->node_type = blinkish_register_type(w->heap, &info);
  ck_assert_uint_ne(w->node_type, 0);
  ccgc_test_capture_errors(w->collector, &w->errors);
  dom_finalized = 0;
  dom_finalized_sum = 0;
}

static inline void dom_world_free(dom_world *w) {
  blinkish_heap_free(w->heap);
  ccgc_collector_free(w->collector);
}

static inline dom_node *dom_new_node(dom_world *w, long value) {
  dom_node *n = blinkish_alloc(w->heap, w->node_type, sizeof(dom_node));
  ck_assert_ptr_nonnull(n);
  n->value = value;
  return n;
}

static inline void dom_link(dom_world *w, dom_node *holder, dom_node **slot,
                            dom_node *value) {
  ck_assert_int_eq(
      blinkish_member_set(w->heap, holder, (void **)slot, value), CCGC_OK);
}

static inline ccgc_heap_stats dom_stats(dom_world *w) {
  ccgc_heap_stats stats;
  blinkish_heap_stats(w->heap, &stats);
  return stats;
}

/* Asserts that the last reported error has this code and mentions `text`. */
#define dom_assert_error(w, code, text)                                      \
  do {                                                                       \
    ck_assert_int_eq((w)->errors.last_code, (code));                         \
    ck_assert_msg(strstr((w)->errors.last_message, (text)) != NULL,          \
                  "error message '%s' lacks '%s'", (w)->errors.last_message, \
                  (text));                                                   \
  } while (0)

#endif /* DOM_TEST_H */
