/* test-reclamation-calls.c - script-heap and DOM-heap calls from the host
 * code a collection runs after its marks are final (issue 13, defect 1):
 * DOM pre-finalizers, finalizers, weak callbacks and external value
 * releases. A store of an object the collection found dead into a survivor
 * or a root is refused (.inv.no-resurrection), an allocation is refused
 * (.api.outside-collection), stores among survivors are allowed; the heaps
 * verify afterwards. Every scenario runs with the script heap created first
 * and with the DOM heap created first (the order of the heaps' phases).
 * Under lazy sweeping a finalizer runs after the pause: a script object
 * allocated since is alive, and storing it is no resurrection. */
#include <check.h>
#include <string.h>

#include "bridge.h"
#include "ccgc-test.h"
#include "misuse-log.h"

typedef enum { SCRIPT_FIRST, DOM_FIRST } heap_order;

typedef struct node {
  bridge_script_ref *callback; /* a script closure only this node holds */
  void *other;                 /* a member */
} node;

typedef struct world {
  ccgc_collector *collector;
  v8ish_heap *script;
  blinkish_heap *dom;
  bridge *bridge;
  blinkish_type_id node_type, cache_type;
  misuse_log log;
  v8ish_handle_scope scope;
  v8ish_global live, peer;     /* two surviving script objects */
  node *survivor;              /* a surviving DOM node */
  blinkish_persistent *survivor_root;
} world;

static world *W;
static ccgc_sweeping_mode open_sweeping = CCGC_SWEEP_ATOMIC;

/* What the host code attempted, recorded for the test body (no assertion
 * inside a collection). */
static struct {
  bool ran, wrapper_empty, global_null, script_alloc_empty, array_with_empty;
  ccgc_status dead_into_live, live_into_live, member_dead, member_live;
  bool dom_alloc_null;
} r;

typedef void (*action_fn)(node *dying);
static action_fn finalizer_action;

static void trace_node(ccgc_visitor *visitor, void *object) {
  node *self = object;
  bridge_trace_script_ref(visitor, self->callback, "callback");
  blinkish_trace_member(visitor, &self->other, "other");
}

static void finalize_node(void *object) {
  node *self = object;
  if (finalizer_action) finalizer_action(self);
  bridge_script_ref_free(W->bridge, self->callback);
  self->callback = NULL;
}

/* The calls every scenario makes, with `dead` a script value found dead by
 * the collection (a wrapper, a closure) and `dying` a dead DOM node (NULL
 * from a finalizer, which stores nothing in the DOM heap at all,
 * .inv.finalizer-no-store). */
static void attempt(v8ish_local dead, node *dying) {
  r.ran = true;
  r.wrapper_empty = v8ish_local_is_empty(dead);
  v8ish_local live = v8ish_global_get(W->script, W->live);
  r.dead_into_live = v8ish_object_set(W->script, live, "held", dead);
  r.global_null = v8ish_global_is_null(v8ish_global_new(W->script, dead, false));
  r.script_alloc_empty = v8ish_local_is_empty(v8ish_object_new(W->script));
  r.array_with_empty =
      v8ish_local_is_empty(v8ish_fixed_array_new_with(W->script, 1, &dead));
  v8ish_local peer = v8ish_global_get(W->script, W->peer);
  r.live_into_live = v8ish_object_set(W->script, live, "peer", peer);
  r.dom_alloc_null = blinkish_alloc(W->dom, W->node_type, sizeof(node)) == NULL;
  if (!dying) return;
  r.member_dead =
      blinkish_member_set(W->dom, W->survivor, &W->survivor->other, dying);
  r.member_live =
      blinkish_member_set(W->dom, W->survivor, &W->survivor->other, NULL);
}

static void open_world(world *w, heap_order order) {
  memset(w, 0, sizeof *w);
  memset(&r, 0, sizeof r);
  W = w;
  finalizer_action = NULL;
  ccgc_collector_options options = {.verify = true, .sweeping = open_sweeping};
  w->collector = ccgc_collector_new(&options);
  ck_assert_ptr_nonnull(w->collector);
  if (order == SCRIPT_FIRST) w->script = v8ish_heap_new(w->collector, NULL);
  w->dom = blinkish_heap_new(w->collector, NULL);
  if (order == DOM_FIRST) w->script = v8ish_heap_new(w->collector, NULL);
  ck_assert_ptr_nonnull(w->script);
  ck_assert_ptr_nonnull(w->dom);
  ck_assert_str_eq(ccgc_collector_heap_name(w->collector, 0),
                   order == SCRIPT_FIRST ? "script" : "dom");
  w->bridge = bridge_new(w->collector, w->script, w->dom, BRIDGE_MODE_UNIFIED);
  blinkish_type_info info = {"HTMLDivElement", trace_node, finalize_node,
                             BLINKISH_TYPE_WRAPPABLE};
  w->node_type = blinkish_register_type(w->dom, &info);
  misuse_log_install(w->collector, &w->log);
  v8ish_handle_scope_open(w->script, &w->scope);
  /* Survivors, with their properties in place (an overwrite allocates
   * nothing). */
  v8ish_local live = v8ish_object_new(w->script);
  v8ish_local peer = v8ish_object_new(w->script);
  ck_assert_int_eq(v8ish_object_set(w->script, live, "held", v8ish_integer(w->script, 0)),
                   CCGC_OK);
  ck_assert_int_eq(v8ish_object_set(w->script, live, "peer", v8ish_integer(w->script, 0)),
                   CCGC_OK);
  w->live = v8ish_global_new(w->script, live, false);
  w->peer = v8ish_global_new(w->script, peer, false);
  w->survivor = blinkish_alloc(w->dom, w->node_type, sizeof(node));
  w->survivor_root = blinkish_persistent_new(w->dom, w->survivor, false);
}

/* A node held by nothing, with a wrapper and a closure held only by it. */
static node *dying_node(world *w) {
  node *n = blinkish_alloc(w->dom, w->node_type, sizeof(node));
  ck_assert_ptr_nonnull(n);
  v8ish_handle_scope inner;
  v8ish_handle_scope_open(w->script, &inner);
  ck_assert(!v8ish_local_is_empty(bridge_wrap(w->bridge, n)));
  n->callback = bridge_script_ref_new(
      w->bridge, v8ish_closure_new(w->script, v8ish_local_empty(), "onclick"));
  ck_assert_ptr_nonnull(n->callback);
  v8ish_handle_scope_close(&inner);
  return n;
}

/* The refusals every scenario expects, then a clean heap. */
static void check_outcome(world *w, bool with_member) {
  ck_assert_msg(r.ran, "the host code did not run");
  ck_assert_msg(!r.wrapper_empty, "the dead script object was not readable");
  ck_assert_int_eq(r.dead_into_live, CCGC_E_DEAD_OBJECT);
  ck_assert_msg(r.global_null, "a global handle was made for a dead object");
  ck_assert_msg(r.script_alloc_empty, "a script object was allocated");
  ck_assert_msg(r.array_with_empty, "an array holding a dead object was made");
  ck_assert_int_eq(r.live_into_live, CCGC_OK);
  ck_assert_msg(r.dom_alloc_null, "a DOM object was allocated");
  if (with_member) {
    ck_assert_int_eq(r.member_dead, CCGC_E_DEAD_OBJECT);
    ck_assert_int_eq(r.member_live, CCGC_OK);
    const misuse_entry *m =
        misuse_log_find(&w->log, "blinkish_member_set: resurrection");
    ck_assert_msg(m, "no resurrection reported for blinkish_member_set");
    ck_assert_str_eq(m->check, ".inv.no-resurrection");
  }

  const misuse_entry *e = misuse_log_find(&w->log, "v8ish_object_set: resurrection");
  ck_assert_msg(e, "no resurrection reported for v8ish_object_set");
  ck_assert_str_eq(e->check, ".inv.no-resurrection");
  e = misuse_log_find(&w->log, "v8ish_global_new: resurrection");
  ck_assert_msg(e, "no resurrection reported for v8ish_global_new");
  ck_assert_str_eq(e->check, ".inv.no-resurrection");
  e = misuse_log_find(&w->log, "v8ish_object_new");
  ck_assert_msg(e, "no refusal reported for v8ish_object_new");
  ck_assert_int_eq(e->code, CCGC_E_IN_COLLECTION);
  ck_assert_str_eq(e->check, ".api.outside-collection");
  e = misuse_log_find(&w->log, "v8ish_fixed_array_new_with");
  ck_assert_msg(e, "no refusal reported for v8ish_fixed_array_new_with");
  ck_assert_int_eq(e->code, CCGC_E_IN_COLLECTION);
  e = misuse_log_find(&w->log, "blinkish_alloc");
  ck_assert_msg(e, "no refusal reported for blinkish_alloc");
  ck_assert_str_eq(e->check, ".api.outside-collection");

  /* Nothing dangles: both verifiers, twice, and the survivor's fields. */
  finalizer_action = NULL;
  ccgc_test_collect_verified(w->collector);
  ccgc_test_collect_verified(w->collector);
  v8ish_local live = v8ish_global_get(w->script, w->live);
  ck_assert(v8ish_is_integer(w->script, v8ish_object_get(w->script, live, "held")));
  ck_assert(v8ish_same(w->script, v8ish_object_get(w->script, live, "peer"),
                       v8ish_global_get(w->script, w->peer)));
  ck_assert_ptr_null(w->survivor->other);
}

static void close_world(world *w) {
  finalizer_action = NULL;
  v8ish_global_free(w->script, w->live);
  v8ish_global_free(w->script, w->peer);
  blinkish_persistent_free(w->dom, w->survivor_root);
  v8ish_handle_scope_close(&w->scope);
  blinkish_heap_free(w->dom);
  bridge_free(w->bridge);
  v8ish_heap_free(w->script);
  ccgc_collector_free(w->collector);
  W = NULL;
}

/* --- a pre-finalizer: the dying node's own wrapper ---------------------- */

static void prefinalize(void *object) {
  node *self = object;
  v8ish_handle_scope scope;
  v8ish_handle_scope_open(W->script, &scope);
  attempt(bridge_wrapper_of(W->bridge, self), self);
  v8ish_handle_scope_close(&scope);
}

static void prefinalizer_case(heap_order order) {
  world w;
  open_world(&w, order);
  node *n = dying_node(&w);
  ck_assert_int_eq(blinkish_register_prefinalizer(w.dom, n, prefinalize), CCGC_OK);
  ccgc_test_collect_verified(w.collector);
  check_outcome(&w, true);
  close_world(&w);
}

START_TEST(from_a_prefinalizer_script_first) { prefinalizer_case(SCRIPT_FIRST); }
END_TEST
START_TEST(from_a_prefinalizer_dom_first) { prefinalizer_case(DOM_FIRST); }
END_TEST

/* --- a finalizer: the dying node's closure ------------------------------ */

static void finalizer_calls(node *self) {
  v8ish_handle_scope scope;
  v8ish_handle_scope_open(W->script, &scope);
  attempt(bridge_script_ref_get(W->bridge, self->callback), NULL);
  v8ish_handle_scope_close(&scope);
}

static void finalizer_case(heap_order order) {
  world w;
  open_world(&w, order);
  dying_node(&w);
  finalizer_action = finalizer_calls;
  ccgc_test_collect_verified(w.collector);
  check_outcome(&w, false);
  close_world(&w);
}

START_TEST(from_a_finalizer_script_first) { finalizer_case(SCRIPT_FIRST); }
END_TEST
START_TEST(from_a_finalizer_dom_first) { finalizer_case(DOM_FIRST); }
END_TEST

/* --- a lazy finalizer: after the pause, with the host allocating -------- */

static v8ish_global fresh_global;
static ccgc_status fresh_into_live, old_into_live;

static void lazy_finalizer_calls(node *self) {
  (void)self; /* its closure may be freed already: not read */
  v8ish_handle_scope scope;
  v8ish_handle_scope_open(W->script, &scope);
  v8ish_local live = v8ish_global_get(W->script, W->live);
  fresh_into_live = v8ish_object_set(W->script, live, "held",
                                     v8ish_global_get(W->script, fresh_global));
  old_into_live = v8ish_object_set(W->script, live, "peer",
                                   v8ish_global_get(W->script, W->peer));
  v8ish_handle_scope_close(&scope);
}

static void lazy_finalizer_case(heap_order order) {
  world w;
  open_sweeping = CCGC_SWEEP_LAZY;
  open_world(&w, order);
  open_sweeping = CCGC_SWEEP_ATOMIC;
  dying_node(&w);
  finalizer_action = lazy_finalizer_calls;
  fresh_into_live = old_into_live = CCGC_E_INVALID_ARGUMENT; /* not run */
  ck_assert_int_eq(ccgc_collect(w.collector, CCGC_REASON_TESTING), CCGC_OK);
  ck_assert_int_eq(ccgc_collector_state(w.collector), CCGC_STATE_SWEEPING);
  /* The host allocates after the pause: white, and alive. */
  fresh_global = v8ish_global_new(w.script, v8ish_object_new(w.script), false);
  ck_assert_int_eq(ccgc_collector_finish_sweeping(w.collector), CCGC_OK);
  ck_assert_int_eq(fresh_into_live, CCGC_OK);
  ck_assert_int_eq(old_into_live, CCGC_OK);
  ck_assert_ptr_null(misuse_log_find(&w.log, "resurrection"));
  /* Nothing dangles: the verifiers, and the stored object is there. */
  finalizer_action = NULL;
  ccgc_test_collect_verified(w.collector);
  v8ish_local live = v8ish_global_get(w.script, w.live);
  ck_assert(v8ish_same(w.script, v8ish_object_get(w.script, live, "held"),
                       v8ish_global_get(w.script, fresh_global)));
  v8ish_global_free(w.script, fresh_global);
  close_world(&w);
}

START_TEST(from_a_lazy_finalizer_script_first) { lazy_finalizer_case(SCRIPT_FIRST); }
END_TEST
START_TEST(from_a_lazy_finalizer_dom_first) { lazy_finalizer_case(DOM_FIRST); }
END_TEST

/* --- a weak callback: a raw pointer to a dying node --------------------- */

typedef struct cache {
  node *entry; /* non-owning, cleared by the weak callback */
} cache;

static void cache_weak(void *object) {
  cache *self = object;
  if (!self->entry || blinkish_is_alive(W->dom, self->entry)) return;
  v8ish_handle_scope scope;
  v8ish_handle_scope_open(W->script, &scope);
  attempt(bridge_wrapper_of(W->bridge, self->entry), self->entry);
  v8ish_handle_scope_close(&scope);
  self->entry = NULL;
}

static void trace_cache(ccgc_visitor *visitor, void *object) {
  blinkish_trace_weak_callback(visitor, cache_weak, object);
}

static void weak_callback_case(heap_order order) {
  world w;
  open_world(&w, order);
  blinkish_type_info info = {"Cache", trace_cache, NULL, 0};
  blinkish_type_id cache_type = blinkish_register_type(w.dom, &info);
  cache *c = blinkish_alloc(w.dom, cache_type, sizeof(cache));
  blinkish_persistent *root = blinkish_persistent_new(w.dom, c, false);
  c->entry = dying_node(&w);
  ccgc_test_collect_verified(w.collector);
  ck_assert_ptr_null(c->entry);
  check_outcome(&w, true);
  blinkish_persistent_free(w.dom, root);
  close_world(&w);
}

START_TEST(from_a_weak_callback_script_first) { weak_callback_case(SCRIPT_FIRST); }
END_TEST
START_TEST(from_a_weak_callback_dom_first) { weak_callback_case(DOM_FIRST); }
END_TEST

/* --- an external value's release: its key died -------------------------- */

static void *value_target(void *value, void *data) {
  (void)data;
  return value; /* the value is the key node itself: no extra edge */
}

static void value_release(void *value, void *data) {
  (void)data;
  node *key = value;
  v8ish_handle_scope scope;
  v8ish_handle_scope_open(W->script, &scope);
  attempt(bridge_wrapper_of(W->bridge, key), key);
  v8ish_handle_scope_close(&scope);
}

static const blinkish_external_value_ops release_ops = {
    .target = value_target, .release = value_release};

static void release_case(heap_order order) {
  world w;
  open_world(&w, order);
  void *map = blinkish_weak_map_new_external(w.dom, &release_ops, NULL);
  blinkish_persistent *root = blinkish_persistent_new(w.dom, map, false);
  node *key = dying_node(&w);
  ck_assert_int_eq(blinkish_weak_map_set(w.dom, map, key, key), CCGC_OK);
  ccgc_test_collect_verified(w.collector);
  ck_assert_uint_eq(blinkish_weak_map_size(w.dom, map), 0);
  check_outcome(&w, true);
  blinkish_persistent_free(w.dom, root);
  close_world(&w);
}

START_TEST(from_an_external_release_script_first) { release_case(SCRIPT_FIRST); }
END_TEST
START_TEST(from_an_external_release_dom_first) { release_case(DOM_FIRST); }
END_TEST

/* --- handles: a dead object in a scope that outlives the collection ----- */

static void handle_into_outer_scope(void *object) {
  /* No scope of its own: the host's scope, opened before ccgc_collect,
   * would keep (and trace) the handle after the sweep. */
  r.ran = true;
  r.wrapper_empty = v8ish_local_is_empty(bridge_wrapper_of(W->bridge, object));
}

START_TEST(a_handle_to_a_dead_object_in_an_outer_scope_is_refused) {
  for (int order = SCRIPT_FIRST; order <= DOM_FIRST; order++) {
    world w;
    open_world(&w, (heap_order)order);
    node *n = dying_node(&w);
    ck_assert_int_eq(
        blinkish_register_prefinalizer(w.dom, n, handle_into_outer_scope),
        CCGC_OK);
    ccgc_test_collect_verified(w.collector);
    ck_assert(r.ran);
    ck_assert_msg(r.wrapper_empty, "a handle to a dead wrapper outlives the "
                                   "collection in the host's scope");
    const misuse_entry *e = misuse_log_find(&w.log, "bridge_wrapper_of: resurrection");
    ck_assert_msg(e, "no resurrection reported");
    ck_assert_str_eq(e->check, ".inv.no-resurrection");
    ccgc_test_collect_verified(w.collector);
    close_world(&w);
  }
}
END_TEST

int main(void) {
  Suite *suite = suite_create("reclamation-calls");
  TCase *tc = tcase_create("core");
  tcase_add_test(tc, from_a_prefinalizer_script_first);
  tcase_add_test(tc, from_a_prefinalizer_dom_first);
  tcase_add_test(tc, from_a_finalizer_script_first);
  tcase_add_test(tc, from_a_finalizer_dom_first);
  tcase_add_test(tc, from_a_weak_callback_script_first);
  tcase_add_test(tc, from_a_weak_callback_dom_first);
  tcase_add_test(tc, from_an_external_release_script_first);
  tcase_add_test(tc, from_an_external_release_dom_first);
  tcase_add_test(tc, a_handle_to_a_dead_object_in_an_outer_scope_is_refused);
  tcase_add_test(tc, from_a_lazy_finalizer_script_first);
  tcase_add_test(tc, from_a_lazy_finalizer_dom_first);
  suite_add_tcase(suite, tc);
  return ccgc_test_run(suite);
}
