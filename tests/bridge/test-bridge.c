/* test-bridge.c - wrapper pairs and script references: lazy unique wrappers,
 * the embedder field pointing back, conflicts reported, a pair kept alive by
 * either side (unified mode) and collected together, and baseline mode
 * leaking the same pair. */
#include <check.h>
#include <malloc.h>
#include <setjmp.h>
#include <string.h>

#include "bridge.h"
#include "ccgc-probe.h"
#include "ccgc-test.h"
#include "ccgc-testing.h"

typedef struct node {
  struct node *next;
  bridge_script_ref *listener; /* a script closure held by this node */
} node;

typedef struct world {
  ccgc_collector *collector;
  v8ish_heap *script;
  blinkish_heap *dom;
  bridge *bridge;
  blinkish_type_id node_type, plain_type;
  ccgc_test_errors errors;
  v8ish_handle_scope scope;
} world;

static bridge *current_bridge; /* for the trace callback of this test type */

static void trace_node(ccgc_visitor *visitor, void *object) {
  node *self = object;
  blinkish_trace(visitor, self->next, "next");
  bridge_trace_script_ref(visitor, self->listener, "listener");
}

static void finalize_node(void *object) {
  node *self = object;
  bridge_script_ref_free(current_bridge, self->listener);
}

static world make_world(bridge_mode mode) {
  world w;
  ccgc_collector_options options = {.verify = true};
  w.collector = ccgc_collector_new(&options);
  w.script = v8ish_heap_new(w.collector, NULL);
  w.dom = blinkish_heap_new(w.collector, NULL);
  w.bridge = bridge_new(w.collector, w.script, w.dom, mode);
  current_bridge = w.bridge;
  blinkish_type_info info = {"HTMLDivElement", trace_node, finalize_node,
                             BLINKISH_TYPE_WRAPPABLE};
  w.node_type = blinkish_register_type(w.dom, &info);
  blinkish_type_info plain = {"Plain", NULL, NULL, 0};
  w.plain_type = blinkish_register_type(w.dom, &plain);
  ccgc_test_capture_errors(w.collector, &w.errors);
  v8ish_handle_scope_open(w.script, &w.scope);
  return w;
}

static void free_world(world *w) {
  v8ish_handle_scope_close(&w->scope);
  blinkish_heap_free(w->dom);
  bridge_free(w->bridge);
  v8ish_heap_free(w->script);
  ccgc_collector_free(w->collector);
}

START_TEST(wrap_is_lazy_unique_and_points_back) {
  world w = make_world(BRIDGE_MODE_UNIFIED);
  ccgc_test_capture_errors(w.collector, &w.errors);
  node *n = blinkish_alloc(w.dom, w.node_type, sizeof(node));
  ck_assert(v8ish_local_is_empty(bridge_wrapper_of(w.bridge, n)));
  v8ish_local first = bridge_wrap(w.bridge, n);
  ck_assert(!v8ish_local_is_empty(first));
  v8ish_local second = bridge_wrap(w.bridge, n);
  ck_assert(v8ish_same(w.script, first, second)); /* .inv.wrapper-unique */
  ck_assert_ptr_eq(bridge_unwrap(w.bridge, first), n);
  ck_assert_int_eq(v8ish_type_of(w.script, first), V8ISH_TYPE_WRAPPER);
  ck_assert_str_eq(v8ish_type_name(w.script, first), "HTMLDivElement");
  ck_assert_uint_eq(w.errors.count, 0);
  free_world(&w);
}
END_TEST

START_TEST(conflicting_wrappers_are_reported) {
  world w = make_world(BRIDGE_MODE_UNIFIED);
  ccgc_test_capture_errors(w.collector, &w.errors);
  node *a = blinkish_alloc(w.dom, w.node_type, sizeof(node));
  node *b = blinkish_alloc(w.dom, w.node_type, sizeof(node));
  v8ish_local wrapper_a = bridge_wrap(w.bridge, a);
  v8ish_local other = v8ish_wrapper_new(w.script, "HTMLDivElement");
  ck_assert_int_eq(bridge_attach_wrapper(w.bridge, a, other),
                   CCGC_E_WRAPPER_CONFLICT);
  ck_assert(strstr(w.errors.last_message, "bridge_attach_wrapper"));
  ck_assert_int_eq(bridge_attach_wrapper(w.bridge, b, wrapper_a),
                   CCGC_E_WRAPPER_CONFLICT);
  ck_assert_int_eq(bridge_attach_wrapper(w.bridge, a, wrapper_a), CCGC_OK);
  ck_assert_int_eq(bridge_attach_wrapper(w.bridge, b, other), CCGC_OK);
  ck_assert_ptr_eq(bridge_unwrap(w.bridge, other), b);
  /* A DOM object that is not wrappable: the status returned is the error
   * recorded (it was CCGC_E_FOREIGN_POINTER beside a recorded WRONG_TYPE). */
  blinkish_type_info plain_info = {"PlainNode", NULL, NULL, 0};
  blinkish_type_id plain_type = blinkish_register_type(w.dom, &plain_info);
  void *plain = blinkish_alloc(w.dom, plain_type, sizeof(node));
  ck_assert_ptr_nonnull(plain);
  v8ish_local third = v8ish_wrapper_new(w.script, "HTMLDivElement");
  ccgc_status status = bridge_attach_wrapper(w.bridge, plain, third);
  ck_assert_int_ne(status, CCGC_OK);
  ck_assert_int_eq(status, w.errors.last_code);
  ck_assert_int_eq(status, CCGC_E_WRONG_TYPE);
  int local;
  ck_assert_int_eq(bridge_attach_wrapper(w.bridge, &local, third),
                   CCGC_E_FOREIGN_POINTER);
  ck_assert_int_eq(w.errors.last_code, CCGC_E_FOREIGN_POINTER);
  free_world(&w);
}
END_TEST

/* A DOM object the collector freed, and an interior pointer of a live one,
 * are reported as the DOM heap's own calls report them (dead object), not
 * as foreign pointers (which they were before; a pointer outside the heap
 * still is one). */
START_TEST(dead_and_interior_dom_objects_are_reported_as_dead) {
  world w = make_world(BRIDGE_MODE_UNIFIED);
  ccgc_test_capture_errors(w.collector, &w.errors); /* w was copied */
  void *live = blinkish_alloc(w.dom, w.node_type, sizeof(node));
  blinkish_persistent *root = blinkish_persistent_new(w.dom, live, false);
  void *dead = blinkish_alloc(w.dom, w.node_type, sizeof(node));
  ck_assert_ptr_nonnull(dead);
  ccgc_test_collect_verified(w.collector);
  ck_assert(!blinkish_is_object(w.dom, dead));
  void *bad[] = {dead, (char *)live + 8};
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    ck_assert(v8ish_local_is_empty(bridge_wrap(w.bridge, bad[i])));
    ck_assert_int_eq(w.errors.last_code, CCGC_E_DEAD_OBJECT);
    ck_assert(strstr(w.errors.last_message, "bridge_wrap"));
    ck_assert(v8ish_local_is_empty(bridge_wrapper_of(w.bridge, bad[i])));
    ck_assert_int_eq(w.errors.last_code, CCGC_E_DEAD_OBJECT);
    ck_assert(strstr(w.errors.last_message, "bridge_wrapper_of"));
    v8ish_local wrapper = v8ish_wrapper_new(w.script, "HTMLDivElement");
    ck_assert_int_eq(bridge_attach_wrapper(w.bridge, bad[i], wrapper),
                     CCGC_E_DEAD_OBJECT);
    ck_assert_int_eq(w.errors.last_code, CCGC_E_DEAD_OBJECT);
  }
  int outside = 0;
  ck_assert(v8ish_local_is_empty(bridge_wrap(w.bridge, &outside)));
  ck_assert_int_eq(w.errors.last_code, CCGC_E_FOREIGN_POINTER);
  ck_assert(!v8ish_local_is_empty(bridge_wrap(w.bridge, live)));
  blinkish_persistent_free(w.dom, root);
  free_world(&w);
}
END_TEST

START_TEST(foreign_and_unwrappable_objects_are_rejected) {
  world w = make_world(BRIDGE_MODE_UNIFIED);
  ccgc_test_capture_errors(w.collector, &w.errors);
  int local = 0;
  ck_assert(v8ish_local_is_empty(bridge_wrap(w.bridge, &local)));
  ck_assert_int_eq(w.errors.last_code, CCGC_E_FOREIGN_POINTER);
  ck_assert(strstr(w.errors.last_message, "bridge_wrap"));
  void *plain = blinkish_alloc(w.dom, w.plain_type, 32);
  unsigned before = w.errors.count;
  ck_assert(v8ish_local_is_empty(bridge_wrap(w.bridge, plain)));
  ck_assert_uint_gt(w.errors.count, before);
  free_world(&w);
}
END_TEST

/* wrapper -> node -> listener closure -> context -> wrapper: a cycle through
 * both heaps, rooted only by a global handle that the test drops. */
static bool cycle_is_collected(bridge_mode mode) {
  world w = make_world(mode);
  ccgc_test_capture_errors(w.collector, &w.errors);
  node *n = blinkish_alloc(w.dom, w.node_type, sizeof(node));
  v8ish_local wrapper = bridge_wrap(w.bridge, n);
  v8ish_local context = v8ish_context_new(w.script, v8ish_local_empty(), 1);
  v8ish_context_set(w.script, context, 0, wrapper);
  v8ish_local closure = v8ish_closure_new(w.script, context, "onclick");
  n->listener = bridge_script_ref_new(w.bridge, closure);
  v8ish_global root = v8ish_global_new(w.script, wrapper, false);
  ccgc_probe *dom_probe = ccgc_probe_new(w.collector, n, "node");
  ccgc_probe *closure_probe =
      ccgc_probe_new(w.collector, v8ish_object_address(w.script, closure),
                     "closure");
  v8ish_handle_scope_close(&w.scope);
  ccgc_test_collect_verified(w.collector);
  ck_assert(!ccgc_probe_collected(dom_probe)); /* rooted: survives */
  ck_assert(!ccgc_probe_collected(closure_probe));
  v8ish_global_free(w.script, root);
  ccgc_test_collect_verified(w.collector);
  bool collected =
      ccgc_probe_collected(dom_probe) && ccgc_probe_collected(closure_probe);
  ccgc_probe_free(w.collector, dom_probe);
  ccgc_probe_free(w.collector, closure_probe);
  v8ish_handle_scope_open(w.script, &w.scope);
  free_world(&w);
  return collected;
}

START_TEST(unified_mode_collects_the_cycle) {
  ck_assert(cycle_is_collected(BRIDGE_MODE_UNIFIED));
}
END_TEST

START_TEST(baseline_mode_leaks_the_cycle) {
  ck_assert(!cycle_is_collected(BRIDGE_MODE_BASELINE));
}
END_TEST

/* A wrappable object's slot names its wrapper through a script reference
 * (a traced handle): the mark loop follows it itself for a type with a
 * layout descriptor (docs/collection.md "Layout descriptors"), as the
 * bridge's hook does otherwise; with the descriptors broken on purpose
 * (ccgc_collector_break_layouts, which also drops the slot's handle) the
 * wrapper is lost, so the inline path is what kept it. */
START_TEST(the_mark_loop_follows_wrapper_slots) {
  world w = make_world(BRIDGE_MODE_UNIFIED);
  /* No trace callback, no members: an empty descriptor. */
  blinkish_type_info info = {"HTMLSpanElement", NULL, NULL, BLINKISH_TYPE_WRAPPABLE};
  void *div = blinkish_alloc(w.dom, blinkish_register_type(w.dom, &info), 16);
  blinkish_persistent *root = blinkish_persistent_new(w.dom, div, false);
  v8ish_handle_scope scope;
  v8ish_handle_scope_open(w.script, &scope);
  v8ish_local wrapper = bridge_wrap(w.bridge, div);
  ccgc_probe *probe =
      ccgc_probe_new(w.collector, v8ish_object_address(w.script, wrapper), "wrapper");
  v8ish_handle_scope_close(&scope);
  ccgc_collect(w.collector, CCGC_REASON_TESTING);
  ck_assert(!ccgc_probe_collected(probe));
  ccgc_collector_skip_layouts(w.collector, true); /* the hook's path */
  ccgc_collect(w.collector, CCGC_REASON_TESTING);
  ck_assert(!ccgc_probe_collected(probe));
  ccgc_collector_skip_layouts(w.collector, false);
  ck_assert_uint_eq(w.errors.count, 0);
  ccgc_collector_break_layouts(w.collector, true);
  ccgc_collect(w.collector, CCGC_REASON_TESTING); /* the verifier objects */
  ccgc_collector_break_layouts(w.collector, false);
  ck_assert(ccgc_probe_collected(probe));
  ccgc_probe_free(w.collector, probe);
  blinkish_persistent_free(w.dom, root);
  free_world(&w);
}
END_TEST

/* .api.one-bridge: a second bridge on the same DOM heap is refused (it took
 * over the wrappable hooks, so the first bridge's wrappers were traced and
 * released through the second); the first keeps working. A script heap may
 * have a bridge per DOM heap. */
static bool drop_every_wrapper(v8ish_heap *heap, const v8ish_traced *traced,
                               void *data) {
  (void)heap, (void)traced;
  (*(int *)data)++;
  return true;
}

/* The wrap of a DOM object, in a scope of its own: no local keeps it. */
static bool wrap_unheld(world *w, void *dom_object) {
  v8ish_handle_scope scope;
  v8ish_handle_scope_open(w->script, &scope);
  bool made = !v8ish_local_is_empty(bridge_wrap(w->bridge, dom_object));
  v8ish_handle_scope_close(&scope);
  return made;
}

/* v8ish.h "Droppable wrappers": a minor collection drops an unmodified young
 * wrapper the handler lets go, emptying its reference, and the host
 * recreates it on demand. Through the bridge the emptied reference in the
 * wrappable slot read as a pairing: bridge_wrap answered the empty local
 * for ever and bridge_attach_wrapper a conflict. */
START_TEST(a_dropped_wrapper_is_recreated_on_demand) {
  world w = make_world(BRIDGE_MODE_UNIFIED);
  ccgc_test_capture_errors(w.collector, &w.errors); /* w was copied */
  int asked = 0;
  ck_assert_int_eq(v8ish_heap_set_droppable_handler(w.script, drop_every_wrapper, &asked),
                   CCGC_OK);
  void *div = blinkish_alloc(w.dom, w.node_type, sizeof(node));
  blinkish_persistent *root = blinkish_persistent_new(w.dom, div, false);
  ck_assert(wrap_unheld(&w, div));
  ck_assert_int_eq(ccgc_collect_minor(w.collector, CCGC_REASON_TESTING), CCGC_OK);
  ck_assert_int_gt(asked, 0);
  ck_assert(v8ish_local_is_empty(bridge_wrapper_of(w.bridge, div))); /* dropped */
  unsigned before = w.errors.count;
  v8ish_handle_scope inner;
  v8ish_handle_scope_open(w.script, &inner);
  v8ish_local again = bridge_wrap(w.bridge, div);
  ck_assert(!v8ish_local_is_empty(again));
  ck_assert_ptr_eq(bridge_unwrap(w.bridge, again), div);
  ck_assert(v8ish_same(w.script, bridge_wrapper_of(w.bridge, div), again));
  ck_assert(v8ish_same(w.script, bridge_wrap(w.bridge, div), again)); /* unique */
  v8ish_handle_scope_close(&inner);
  /* Dropped again (no local holds it), then a wrapper of the host's own
   * attached in its place. */
  ck_assert_int_eq(ccgc_collect_minor(w.collector, CCGC_REASON_TESTING), CCGC_OK);
  ck_assert(v8ish_local_is_empty(bridge_wrapper_of(w.bridge, div)));
  v8ish_local mine = v8ish_wrapper_new(w.script, "HTMLDivElement");
  ck_assert_int_eq(bridge_attach_wrapper(w.bridge, div, mine), CCGC_OK);
  ck_assert(v8ish_same(w.script, bridge_wrapper_of(w.bridge, div), mine));
  ck_assert_ptr_eq(bridge_unwrap(w.bridge, mine), div);
  ck_assert_uint_eq(w.errors.count, before);
  /* The recreated pair is a pair: the wrapper lives as long as the div. */
  ccgc_test_collect_verified(w.collector);
  ck_assert_ptr_eq(bridge_unwrap(w.bridge, bridge_wrap(w.bridge, div)), div);
  blinkish_persistent_free(w.dom, root);
  free_world(&w);
}
END_TEST

/* .api.bridge-order frees the DOM heap before the bridge: in between, a
 * bridge call on a DOM pointer is refused from the freed heap's signature,
 * not by reading the freed heap. */
START_TEST(the_bridge_refuses_objects_of_its_freed_dom_heap) {
  world w = make_world(BRIDGE_MODE_UNIFIED);
  ccgc_test_capture_errors(w.collector, &w.errors); /* w was copied */
  void *div = blinkish_alloc(w.dom, w.node_type, sizeof(node));
  v8ish_handle_scope_close(&w.scope);
  blinkish_heap_free(w.dom);
  v8ish_handle_scope_open(w.script, &w.scope);
  ck_assert(v8ish_local_is_empty(bridge_wrap(w.bridge, div)));
  ck_assert_int_eq(w.errors.last_code, CCGC_E_FOREIGN_POINTER);
  ck_assert_msg(strstr(w.errors.last_message, "the bridge's DOM heap was freed"), "%s",
                w.errors.last_message);
  ck_assert(v8ish_local_is_empty(bridge_wrapper_of(w.bridge, div)));
  v8ish_handle_scope_close(&w.scope);
  bridge_free(w.bridge);
  v8ish_heap_free(w.script);
  ccgc_collector_free(w.collector);
}
END_TEST

/* A dying holder whose finalizer attaches the wrapper it held (dead with
 * it) to a DOM object whose wrapper was dropped: the store into the
 * emptied reference is refused (resurrection), and the attach must say so
 * and leave no half pair (it answered CCGC_OK with the wrapper's embedder
 * set and the slot still empty: bridge_unwrap and bridge_wrapper_of
 * disagreed). */
static struct {
  world *w;
  void *div, *fresh; /* its wrapper dropped; never wrapped */
  ccgc_status status, fresh_status;
  bool ran;
  bool unwrap_empty, wrapper_of_empty, fresh_unwrap_empty, fresh_wrapper_of_empty;
  /* The host set the wrapper's embedder to fresh itself, then attached. */
  ccgc_status own_set_status, own_status;
  void *own_unwrap;
} late;

typedef struct holder {
  bridge_script_ref *held;
} holder;

static void trace_holder(ccgc_visitor *visitor, void *object) {
  bridge_trace_script_ref(visitor, ((holder *)object)->held, "held");
}

static void finalize_holder(void *object) {
  holder *self = object;
  v8ish_handle_scope scope;
  v8ish_handle_scope_open(late.w->script, &scope);
  v8ish_local wrapper = bridge_script_ref_get(late.w->bridge, self->held);
  if (!v8ish_local_is_empty(wrapper)) {
    late.status = bridge_attach_wrapper(late.w->bridge, late.div, wrapper);
    late.ran = true;
    late.unwrap_empty = bridge_unwrap(late.w->bridge, wrapper) == NULL;
    late.wrapper_of_empty =
        v8ish_local_is_empty(bridge_wrapper_of(late.w->bridge, late.div));
    /* A first pairing refused the same way said "out of memory". */
    late.fresh_status = bridge_attach_wrapper(late.w->bridge, late.fresh, wrapper);
    late.fresh_unwrap_empty = bridge_unwrap(late.w->bridge, wrapper) == NULL;
    late.fresh_wrapper_of_empty =
        v8ish_local_is_empty(bridge_wrapper_of(late.w->bridge, late.fresh));
    /* A refused call changes nothing: an embedder the host set itself
     * stays (the refusal set it to NULL). */
    late.own_set_status =
        v8ish_wrapper_set_embedder(late.w->script, wrapper, late.fresh);
    late.own_status = bridge_attach_wrapper(late.w->bridge, late.fresh, wrapper);
    late.own_unwrap = bridge_unwrap(late.w->bridge, wrapper);
  }
  v8ish_handle_scope_close(&scope);
  bridge_script_ref_free(late.w->bridge, self->held);
}

START_TEST(a_refused_re_pairing_leaves_no_half_pair) {
  world w = make_world(BRIDGE_MODE_UNIFIED);
  ccgc_test_capture_errors(w.collector, &w.errors); /* w was copied */
  int asked = 0;
  ck_assert_int_eq(v8ish_heap_set_droppable_handler(w.script, drop_every_wrapper, &asked),
                   CCGC_OK);
  void *div = blinkish_alloc(w.dom, w.node_type, sizeof(node));
  blinkish_persistent *root = blinkish_persistent_new(w.dom, div, false);
  ck_assert(wrap_unheld(&w, div));
  ck_assert_int_eq(ccgc_collect_minor(w.collector, CCGC_REASON_TESTING), CCGC_OK);
  ck_assert(v8ish_local_is_empty(bridge_wrapper_of(w.bridge, div))); /* dropped */
  ck_assert_int_eq(v8ish_heap_set_droppable_handler(w.script, NULL, NULL), CCGC_OK);
  blinkish_type_info info = {"Holder", trace_holder, finalize_holder, 0};
  blinkish_type_id holder_type = blinkish_register_type(w.dom, &info);
  v8ish_handle_scope scope;
  v8ish_handle_scope_open(w.script, &scope);
  holder *dying = blinkish_alloc(w.dom, holder_type, sizeof(holder));
  dying->held = bridge_script_ref_new(w.bridge, v8ish_wrapper_new(w.script, "HTMLDivElement"));
  v8ish_handle_scope_close(&scope);
  void *fresh = blinkish_alloc(w.dom, w.node_type, sizeof(node));
  blinkish_persistent *fresh_root = blinkish_persistent_new(w.dom, fresh, false);
  late.w = &w;
  late.div = div;
  late.fresh = fresh;
  late.ran = false;
  unsigned before = w.errors.count;
  ccgc_collect(w.collector, CCGC_REASON_TESTING);
  ck_assert_int_eq(ccgc_collector_finish_sweeping(w.collector), CCGC_OK);
  ck_assert(late.ran); /* the finalizer reads its dead wrapper */
  ck_assert_int_ne(late.status, CCGC_OK);
  ck_assert_uint_gt(w.errors.count, before);
  ck_assert_int_eq(late.status, w.errors.last_code);
  ck_assert(late.unwrap_empty);
  ck_assert(late.wrapper_of_empty);
  ck_assert_int_eq(late.fresh_status, CCGC_E_DEAD_OBJECT);
  ck_assert(late.fresh_unwrap_empty);
  ck_assert(late.fresh_wrapper_of_empty);
  ck_assert_int_eq(late.own_set_status, CCGC_OK);
  ck_assert_int_eq(late.own_status, CCGC_E_DEAD_OBJECT);
  ck_assert_ptr_eq(late.own_unwrap, fresh);
  /* Both still take a wrapper. */
  ck_assert(wrap_unheld(&w, div));
  ck_assert(wrap_unheld(&w, fresh));
  blinkish_persistent_free(w.dom, fresh_root);
  blinkish_persistent_free(w.dom, root);
  free_world(&w);
}
END_TEST

/* A handler that does not return (longjmp) out of a second bridge's
 * refusal: the refused bridge was allocated before the report and lost. */
static jmp_buf refusal_escape;

static void escape_handler(const ccgc_error *error, void *data) {
  (void)error;
  (*(int *)data)++;
  longjmp(refusal_escape, 1);
}

static bool jumped_out_of_bridge_new(world *w) {
  if (setjmp(refusal_escape)) return true;
  bridge_new(w->collector, w->script, w->dom, BRIDGE_MODE_UNIFIED);
  return false;
}

START_TEST(a_refused_bridge_leaves_nothing_when_a_handler_jumps_out) {
  world w = make_world(BRIDGE_MODE_UNIFIED);
  int reports = 0;
  ccgc_collector_set_error_handler(w.collector, escape_handler, &reports);
  ck_assert(jumped_out_of_bridge_new(&w)); /* warm-up */
  size_t in_use = mallinfo2().uordblks;
  for (int i = 0; i < 256; i++) ck_assert(jumped_out_of_bridge_new(&w));
  size_t grown = mallinfo2().uordblks - in_use;
  ck_assert_msg(grown < 2048, "%zu bytes still allocated", grown);
  ck_assert_int_eq(reports, 257);
  ccgc_collector_set_error_handler(w.collector, NULL, NULL);
  ck_assert_str_eq(ccgc_collector_last_error(w.collector)->check,
                   ".api.one-bridge");
  free_world(&w);
}
END_TEST

START_TEST(a_dom_heap_takes_one_bridge) {
  world w = make_world(BRIDGE_MODE_UNIFIED);
  ccgc_test_capture_errors(w.collector, &w.errors); /* w was copied */
  void *div = blinkish_alloc(w.dom, w.node_type, sizeof(node));
  blinkish_persistent *root = blinkish_persistent_new(w.dom, div, false);
  v8ish_local wrapper = bridge_wrap(w.bridge, div);
  unsigned before = w.errors.count;
  ck_assert_ptr_null(
      bridge_new(w.collector, w.script, w.dom, BRIDGE_MODE_BASELINE));
  ck_assert_uint_eq(w.errors.count, before + 1);
  ck_assert_int_eq(w.errors.last_code, CCGC_E_INVALID_ARGUMENT);
  ck_assert_str_eq(ccgc_collector_last_error(w.collector)->check,
                   ".api.one-bridge");
  /* The first bridge still traces its wrapper: it survives with the div. */
  ccgc_probe *probe = ccgc_probe_new(
      w.collector, v8ish_object_address(w.script, wrapper), "wrapper");
  ccgc_test_collect_verified(w.collector);
  ck_assert(!ccgc_probe_collected(probe));
  ck_assert(v8ish_same(w.script, bridge_wrap(w.bridge, div), wrapper));
  /* Another DOM heap on the same script heap takes its own bridge. */
  blinkish_heap *dom2 = blinkish_heap_new(w.collector, NULL);
  bridge *second = bridge_new(w.collector, w.script, dom2, BRIDGE_MODE_UNIFIED);
  ck_assert_ptr_nonnull(second);
  ck_assert_uint_eq(w.errors.count, before + 1);
  blinkish_heap_free(dom2);
  bridge_free(second);
  ccgc_probe_free(w.collector, probe);
  blinkish_persistent_free(w.dom, root);
  free_world(&w);
}
END_TEST

START_TEST(script_ref_set_and_get) {
  world w = make_world(BRIDGE_MODE_UNIFIED);
  ccgc_test_capture_errors(w.collector, &w.errors);
  v8ish_local one = v8ish_object_new(w.script);
  v8ish_local two = v8ish_object_new(w.script);
  bridge_script_ref *ref = bridge_script_ref_new(w.bridge, one);
  ck_assert(v8ish_same(w.script, bridge_script_ref_get(w.bridge, ref), one));
  bridge_script_ref_set(w.bridge, ref, two);
  ck_assert(v8ish_same(w.script, bridge_script_ref_get(w.bridge, ref), two));
  bridge_script_ref_free(w.bridge, ref);
  /* No reference (NULL) reads as empty and reports nothing, as
   * v8ish_traced_get(NULL) (it reported a dead handle, which aborts by
   * default); a freed one is still misuse. */
  unsigned before = w.errors.count;
  ck_assert(v8ish_local_is_empty(bridge_script_ref_get(w.bridge, NULL)));
  bridge_script_ref_free(w.bridge, NULL);
  ck_assert_uint_eq(w.errors.count, before);
  ck_assert(v8ish_local_is_empty(bridge_script_ref_get(w.bridge, ref)));
  ck_assert_uint_eq(w.errors.count, before + 1);
  ck_assert_int_eq(w.errors.last_code, CCGC_E_DEAD_HANDLE);
  free_world(&w);
}
END_TEST

/* Every report names the call the host made: with no handle scope open the
 * bridge's reads of a wrapper or a weak map's value reported as
 * bridge_script_ref_get (found by an audit, 2026-12-07). */
START_TEST(reports_name_the_call_the_host_made) {
  world w = make_world(BRIDGE_MODE_UNIFIED);
  ccgc_test_capture_errors(w.collector, &w.errors); /* w was copied */
  node *n = blinkish_alloc(w.dom, w.node_type, sizeof(node));
  blinkish_persistent *keep = blinkish_persistent_new(w.dom, n, false);
  void *map = bridge_weak_map_new(w.bridge);
  blinkish_persistent *keep_map = blinkish_persistent_new(w.dom, map, false);
  ck_assert(!v8ish_local_is_empty(bridge_wrap(w.bridge, n)));
  ck_assert_int_eq(bridge_weak_map_set(w.bridge, map, n, v8ish_object_new(w.script)),
                   CCGC_OK);
  v8ish_handle_scope_close(&w.scope); /* no scope open: each read refused */
  static const char *const calls[] = {"bridge_wrapper_of", "bridge_wrap",
                                      "bridge_weak_map_get"};
  for (int i = 0; i < 3; i++) {
    unsigned before = w.errors.count;
    v8ish_local got = i == 0   ? bridge_wrapper_of(w.bridge, n)
                      : i == 1 ? bridge_wrap(w.bridge, n)
                               : bridge_weak_map_get(w.bridge, map, n);
    ck_assert(v8ish_local_is_empty(got));
    ck_assert_uint_eq(w.errors.count, before + 1);
    ck_assert_msg(strncmp(w.errors.last_message, calls[i], strlen(calls[i])) == 0 &&
                      w.errors.last_message[strlen(calls[i])] == ':',
                  "%s reported as: %s", calls[i], w.errors.last_message);
  }
  v8ish_handle_scope_open(w.script, &w.scope);
  blinkish_persistent_free(w.dom, keep_map);
  blinkish_persistent_free(w.dom, keep);
  free_world(&w);
}
END_TEST

int main(void) {
  Suite *suite = suite_create("bridge");
  TCase *tc = tcase_create("core");
  tcase_add_test(tc, wrap_is_lazy_unique_and_points_back);
  tcase_add_test(tc, conflicting_wrappers_are_reported);
  tcase_add_test(tc, foreign_and_unwrappable_objects_are_rejected);
  tcase_add_test(tc, dead_and_interior_dom_objects_are_reported_as_dead);
  tcase_add_test(tc, unified_mode_collects_the_cycle);
  tcase_add_test(tc, the_mark_loop_follows_wrapper_slots);
  tcase_add_test(tc, baseline_mode_leaks_the_cycle);
  tcase_add_test(tc, script_ref_set_and_get);
  tcase_add_test(tc, a_dom_heap_takes_one_bridge);
  tcase_add_test(tc, a_dropped_wrapper_is_recreated_on_demand);
  tcase_add_test(tc, a_refused_re_pairing_leaves_no_half_pair);
  tcase_add_test(tc, the_bridge_refuses_objects_of_its_freed_dom_heap);
  tcase_add_test(tc, a_refused_bridge_leaves_nothing_when_a_handler_jumps_out);
  tcase_add_test(tc, reports_name_the_call_the_host_made);
  suite_add_tcase(suite, tc);
  return ccgc_test_run(suite);
}
