/* verifier.c - the marking verifier and the heap verifier.
 *
 * Both traverse the graph independently of the marker (object-graph.c: own
 * visited set, own stack, never the mark tables; object-index.h: the
 * allocated objects as the heaps list them) and compare.
 *  - The marking verifier runs inside a collection, after marking and weak
 *    processing, before any heap reclaims: every object reachable from the
 *    roots is black (.inv.reachable-black) and no black object has a strong
 *    edge to a white one (.inv.no-black-to-white); no weak slot still points
 *    to a white object (.inv.weak-before-finalizers).
 *  - The heap verifier runs between collections: every reachable object, and
 *    every weak slot's target, is an allocated object of a registered page
 *    (.inv.reachable-allocated).
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "collector-internal.h"
#include "object-graph.h"

typedef struct verify_state {
  ccgc_collector *collector;
  ccgc_verify_report *report;
  bool check_colors;
} verify_state;

static void fail(verify_state *state, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void fail(verify_state *state, const char *fmt, ...) {
  if (state->report->errors++ == 0) {
    va_list args;
    va_start(args, fmt);
    vsnprintf(state->report->first_error, sizeof state->report->first_error,
              fmt, args);
    va_end(args);
  }
}

static const char *type_of(ccgc_collector *collector,
                           const ccgc_object_index *objects,
                           const void *object) {
  int id = ccgc_object_index_heap(objects, object);
  if (id < 0) return "(not an object)";
  ccgc_heap_slot *slot = &collector->heaps[id];
  return slot->ops->type_name ? slot->ops->type_name(slot->heap, object) : "?";
}

static bool verify_edge(ccgc_traversal *traversal, void *from, void *to,
                        ccgc_edge edge) {
  verify_state *state = traversal->data;
  ccgc_collector *collector = state->collector;
  const char *name = edge.name ? edge.name : "";
  if (traversal->target_heap < 0) {
    fail(state,
         "%s edge '%s' from %s %p to %p, which is not an allocated object "
         "(.inv.reachable-allocated)",
         ccgc_edge_kind_name(edge.kind), name,
         from ? type_of(collector, traversal->objects, from) : "root", from,
         to);
    return false;
  }
  if (state->check_colors && ccgc_color_of(to) != CCGC_BLACK) {
    if (edge.kind == CCGC_EDGE_WEAK) {
      fail(state,
           "weak slot '%s' of %s %p still points to dead %s %p "
           "(.inv.weak-before-finalizers)",
           name, from ? type_of(collector, traversal->objects, from) : "root",
           from, type_of(collector, traversal->objects, to), to);
    } else {
      fail(state,
           "reachable %s %p is not black after marking (%s edge '%s' from %s "
           "%p) (.inv.reachable-black)",
           type_of(collector, traversal->objects, to), to,
           ccgc_edge_kind_name(edge.kind), name,
           from ? type_of(collector, traversal->objects, from) : "root", from);
    }
  }
  return edge.kind != CCGC_EDGE_WEAK;
}

/* --- no black object points to a white one -------------------------- */
typedef struct black_check {
  ccgc_visitor base;
  verify_state *state;
  const ccgc_object_index *objects;
  void *holder;
  ccgc_heap_slot *heap; /* the holder's */
} black_check;

static void black_strong(ccgc_visitor *visitor, void *target, ccgc_edge edge) {
  black_check *check = (black_check *)visitor;
  if (ccgc_object_index_heap(check->objects, target) < 0) return; /* reported */
  if (ccgc_color_of(target) == CCGC_WHITE)
    fail(check->state,
         "black %s %p points to white %s %p through %s edge '%s' "
         "(.inv.no-black-to-white)",
         type_of(check->state->collector, check->objects, check->holder),
         check->holder,
         type_of(check->state->collector, check->objects, target), target,
         ccgc_edge_kind_name(edge.kind), edge.name ? edge.name : "");
}

static void black_weak(ccgc_visitor *visitor, void **slot, ccgc_edge edge) {
  (void)visitor, (void)slot, (void)edge; /* weak edges may point to white */
}

static void black_ephemeron(ccgc_visitor *visitor, void *key, void *value,
                            ccgc_edge edge) {
  black_check *check = (black_check *)visitor;
  if (ccgc_object_index_heap(check->objects, key) >= 0 &&
      ccgc_color_of(key) != CCGC_WHITE)
    black_strong(visitor, value, edge);
}

static const ccgc_visitor_ops black_check_ops = {
    .strong = black_strong,
    .weak = black_weak,
    .ephemeron = black_ephemeron,
};

static void black_check_object(void *object, void *data) {
  black_check *check = data;
  if (ccgc_color_of(object) != CCGC_BLACK) return;
  check->holder = object;
  check->heap->ops->trace_object(check->heap->heap, object, &check->base);
}

static void verify(ccgc_collector *collector, ccgc_verify_report *report,
                   bool check_colors) {
  memset(report, 0, sizeof *report);
  verify_state state = {collector, report, check_colors};
  ccgc_object_index objects;
  ccgc_object_index_init(&objects, collector);
  ccgc_traversal traversal;
  ccgc_traversal_init(&traversal, collector, &objects, verify_edge, &state);
  ccgc_traversal_run(&traversal);
  report->reachable_objects = traversal.reached;
  ccgc_traversal_destroy(&traversal);

  if (check_colors) {
    /* In the heaps' own order, page by page, not the object set's hash
     * order: the first error reported does not depend on addresses. */
    black_check check = {{&black_check_ops}, &state, &objects, NULL, NULL};
    for (int id = 0; id < collector->heap_count; id++) {
      check.heap = &collector->heaps[id];
      ccgc_collector_for_each_object(collector, id, black_check_object, &check);
    }
  }
  ccgc_object_index_destroy(&objects);
}

void ccgc_verify_marking(ccgc_collector *collector,
                         ccgc_verify_report *report) {
  verify(collector, report, true);
}

bool ccgc_collector_verify_heap(ccgc_collector *collector,
                                ccgc_verify_report *report) {
  ccgc_verify_report local;
  if (!report) report = &local;
  memset(report, 0, sizeof *report);
  if (!ccgc_collector_enter(collector, "ccgc_collector_verify_heap") ||
      ccgc_collector_busy(collector)) {
    report->errors = 1;
    snprintf(report->first_error, sizeof report->first_error,
             "ccgc_collector_verify_heap: %s",
             !ccgc_collector_valid(collector) ? "no collector"
             : !ccgc_gate_on_owner(&collector->gate)
                 ? "called from a thread that does not own the collector"
                 : "called during a collection or from a callback");
    return false;
  }
  ccgc_collector_ensure_swept(collector); /* docs/sweeping.md */
  /* Trace callbacks run: they may read, not change the heaps. */
  ccgc_call_context outer =
      ccgc_collector_enter_context(collector, CCGC_CONTEXT_WALK);
  verify(collector, report, false);
  ccgc_collector_leave_context(collector, outer);
  return report->errors == 0;
}
