/* test-handle-lifetimes.c - handles the host holds as pointers (persistents,
 * traced references, script references, probes) are slots of a table their
 * heap or collector owns: freed twice or used after free, they are reported
 * as misuse (.api.live-handle) and change nothing, even after their slot was
 * reused; a wrapper paired by the bridge cannot be re-pointed
 * (.api.one-wrapper); the script heap outlives the bridge and the bridge its
 * DOM heap (.api.bridge-order). Issue 13, defect 4: each of these was a
 * heap-use-after-free inside the library (ASan). Storing a dead script
 * object into a script reference from a pre-finalizer is refused
 * (.inv.no-resurrection), as for global handles. */
#include <check.h>
#include <string.h>

#include "bridge-world.h"
#include "ccgc-probe.h"
#include "ccgc-test.h"

typedef bridge_world world;

static void make_world(world *w, bridge_mode mode) { bridge_world_init(w, mode); }
static void free_world(world *w) { bridge_world_free(w); }

/* The last call was refused as misuse of rule `tag`, naming `call`. */
static void assert_refused(world *w, unsigned before, const char *call,
                           const char *tag) {
  ck_assert_msg(w->errors.count == before + 1, "%s was not refused", call);
  const ccgc_error *last = ccgc_collector_last_error(w->collector);
  ck_assert_msg(last->check && strcmp(last->check, tag) == 0,
                "%s: rule %s, not %s", call, last->check ? last->check : "-",
                tag);
  ck_assert_msg(strstr(last->message, call), "'%s' lacks '%s'", last->message,
                call);
}

START_TEST(persistents_freed_twice_or_used_after_free_are_refused) {
  world w;
  make_world(&w, BRIDGE_MODE_UNIFIED);
  void *n = blinkish_alloc(w.dom, w.type, 32);
  blinkish_persistent *p = blinkish_persistent_new(w.dom, n, false);
  blinkish_persistent *keep = blinkish_persistent_new(w.dom, n, false);
  blinkish_persistent_free(w.dom, p);
  /* The slot is reused by later persistents: p stays recognisably dead. */
  for (int round = 0; round < 3; round++) {
    blinkish_persistent *churn[700];
    for (int i = 0; i < 700; i++)
      churn[i] = blinkish_persistent_new(w.dom, n, i % 2);
    for (int i = 0; i < 700; i++) blinkish_persistent_free(w.dom, churn[i]);
  }
  unsigned before = w.errors.count;
  blinkish_persistent_free(w.dom, p);
  assert_refused(&w, before, "blinkish_persistent_free", ".api.live-handle");
  ck_assert_int_eq(w.errors.last_code, CCGC_E_DEAD_HANDLE);
  before = w.errors.count;
  ck_assert_ptr_null(blinkish_persistent_get(p));
  assert_refused(&w, before, "blinkish_persistent_get", ".api.live-handle");
  before = w.errors.count;
  blinkish_persistent_set(w.dom, p, n);
  assert_refused(&w, before, "blinkish_persistent_set", ".api.live-handle");
  /* A pointer that never was a persistent of this heap. */
  int local;
  before = w.errors.count;
  blinkish_persistent_free(w.dom, (blinkish_persistent *)&local);
  assert_refused(&w, before, "blinkish_persistent_free", ".api.live-handle");
  /* The live one still roots its object. */
  ccgc_test_collect_verified(w.collector);
  ck_assert_ptr_eq(blinkish_persistent_get(keep), n);
  ck_assert(blinkish_is_object(w.dom, n));
  blinkish_persistent_free(w.dom, keep);
  free_world(&w);
}
END_TEST

START_TEST(traced_references_freed_twice_or_used_after_free_are_refused) {
  world w;
  make_world(&w, BRIDGE_MODE_UNIFIED);
  v8ish_local o = v8ish_object_new(w.script);
  v8ish_traced *t = v8ish_traced_new(w.script, o);
  ck_assert_ptr_eq(v8ish_traced_target(t), v8ish_object_address(w.script, o));
  v8ish_traced_free(w.script, t);
  unsigned before = w.errors.count;
  v8ish_traced_free(w.script, t);
  assert_refused(&w, before, "v8ish_traced_free", ".api.live-handle");
  ck_assert_int_eq(w.errors.last_code, CCGC_E_DEAD_HANDLE);
  before = w.errors.count;
  ck_assert(v8ish_local_is_empty(v8ish_traced_get(w.script, t)));
  assert_refused(&w, before, "v8ish_traced_get", ".api.live-handle");
  before = w.errors.count;
  v8ish_traced_set(w.script, t, o);
  assert_refused(&w, before, "v8ish_traced_set", ".api.live-handle");
  before = w.errors.count;
  ck_assert_ptr_null(v8ish_traced_target(t));
  assert_refused(&w, before, "v8ish_traced_target", ".api.live-handle");
  ccgc_test_collect_verified(w.collector);
  free_world(&w);
}
END_TEST

static void script_refs_in_mode(bridge_mode mode) {
  world w;
  make_world(&w, mode);
  v8ish_local o = v8ish_object_new(w.script);
  bridge_script_ref *ref = bridge_script_ref_new(w.bridge, o);
  ck_assert(v8ish_same(w.script, bridge_script_ref_get(w.bridge, ref), o));
  bridge_script_ref_free(w.bridge, ref);
  unsigned before = w.errors.count;
  bridge_script_ref_free(w.bridge, ref);
  assert_refused(&w, before, "bridge_script_ref_free", ".api.live-handle");
  before = w.errors.count;
  ck_assert(v8ish_local_is_empty(bridge_script_ref_get(w.bridge, ref)));
  assert_refused(&w, before, "bridge_script_ref_get", ".api.live-handle");
  before = w.errors.count;
  bridge_script_ref_set(w.bridge, ref, o);
  assert_refused(&w, before, "bridge_script_ref_set", ".api.live-handle");
  ccgc_test_collect_verified(w.collector);
  free_world(&w);
}

START_TEST(script_references_freed_twice_or_used_after_free_are_refused) {
  script_refs_in_mode(BRIDGE_MODE_UNIFIED);
  script_refs_in_mode(BRIDGE_MODE_BASELINE);
}
END_TEST

START_TEST(probes_freed_twice_or_used_after_free_are_refused) {
  world w;
  make_world(&w, BRIDGE_MODE_UNIFIED);
  void *n = blinkish_alloc(w.dom, w.type, 32);
  ccgc_probe *probe = ccgc_probe_new(w.collector, n, "node");
  ccgc_probe *other = ccgc_probe_new(w.collector, n, "other");
  ccgc_probe_free(w.collector, probe);
  unsigned before = w.errors.count;
  ccgc_probe_free(w.collector, probe);
  assert_refused(&w, before, "ccgc_probe_free", ".api.live-handle");
  before = w.errors.count;
  ck_assert(!ccgc_probe_collected(probe));
  assert_refused(&w, before, "ccgc_probe_collected", ".api.live-handle");
  before = w.errors.count;
  ck_assert_ptr_null(ccgc_probe_label(probe));
  assert_refused(&w, before, "ccgc_probe_label", ".api.live-handle");
  before = w.errors.count;
  ck_assert_ptr_null(ccgc_probe_explain(w.collector, probe));
  assert_refused(&w, before, "ccgc_probe_explain", ".api.live-handle");
  ccgc_collect(w.collector, CCGC_REASON_TESTING);
  ck_assert(ccgc_probe_collected(other));
  ccgc_probe_free(w.collector, other);
  free_world(&w);
}
END_TEST

/* bridge_wrapper_of and bridge_unwrap always agree: a paired wrapper keeps
 * its DOM object, a paired DOM object keeps its wrapper. */
START_TEST(paired_wrappers_cannot_be_repointed) {
  world w;
  make_world(&w, BRIDGE_MODE_UNIFIED);
  void *a = blinkish_alloc(w.dom, w.type, 32);
  void *b = blinkish_alloc(w.dom, w.type, 32);
  v8ish_local wrapper = bridge_wrap(w.bridge, a);
  unsigned before = w.errors.count;
  ck_assert_int_eq(v8ish_wrapper_set_embedder(w.script, wrapper, b),
                   CCGC_E_WRAPPER_CONFLICT);
  assert_refused(&w, before, "v8ish_wrapper_set_embedder", ".api.one-wrapper");
  before = w.errors.count;
  ck_assert_int_eq(v8ish_wrapper_set_embedder(w.script, wrapper, NULL),
                   CCGC_E_WRAPPER_CONFLICT);
  assert_refused(&w, before, "v8ish_wrapper_set_embedder", ".api.one-wrapper");
  v8ish_local second = v8ish_wrapper_new(w.script, "HTMLDivElement");
  before = w.errors.count;
  ck_assert_int_eq(v8ish_wrapper_set_embedder(w.script, second, a),
                   CCGC_E_WRAPPER_CONFLICT);
  assert_refused(&w, before, "v8ish_wrapper_set_embedder", ".api.one-wrapper");
  ck_assert_ptr_eq(bridge_unwrap(w.bridge, wrapper), a);
  ck_assert(v8ish_same(w.script, bridge_wrapper_of(w.bridge, a), wrapper));
  ck_assert_ptr_null(bridge_unwrap(w.bridge, second));
  ck_assert(v8ish_local_is_empty(bridge_wrapper_of(w.bridge, b)));
  /* The same pair again is no change. */
  ck_assert_int_eq(v8ish_wrapper_set_embedder(w.script, wrapper, a), CCGC_OK);
  ccgc_test_collect_verified(w.collector);
  free_world(&w);
}
END_TEST

/* bridge.h's order: the DOM heap, the bridge, the script heap. Freeing the
 * script heap first was a use-after-free in the next collection. */
START_TEST(heaps_and_bridge_go_in_order) {
  world w;
  make_world(&w, BRIDGE_MODE_UNIFIED);
  void *n = blinkish_alloc(w.dom, w.type, 32);
  blinkish_persistent *root = blinkish_persistent_new(w.dom, n, false);
  v8ish_local wrapper = bridge_wrap(w.bridge, n);
  ck_assert(!v8ish_local_is_empty(wrapper));
  unsigned before = w.errors.count;
  v8ish_heap_free(w.script);
  assert_refused(&w, before, "v8ish_heap_free", ".api.bridge-order");
  before = w.errors.count;
  bridge_free(w.bridge);
  assert_refused(&w, before, "bridge_free", ".api.bridge-order");
  /* Nothing was freed: both heaps and the pair still work. */
  ccgc_test_collect_verified(w.collector);
  ck_assert(v8ish_same(w.script, bridge_wrapper_of(w.bridge, n), wrapper));
  ck_assert_ptr_eq(bridge_unwrap(w.bridge, wrapper), n);
  blinkish_persistent_free(w.dom, root);
  free_world(&w);
}
END_TEST

/* --- script references stored from a pre-finalizer ------------------------ */

typedef struct holder {
  bridge_script_ref *ref; /* a closure only this holder keeps */
} holder;

static world *current;
static holder *survivor;
static struct {
  bool ran, made_null;
  unsigned refusals;
} stored;

static void trace_holder(ccgc_visitor *visitor, void *object) {
  bridge_trace_script_ref(visitor, ((holder *)object)->ref, "ref");
}

static void finalize_holder(void *object) {
  holder *self = object;
  bridge_script_ref_free(current->bridge, self->ref);
}

/* The dying holder's closure was found dead: storing it into a reference
 * that survives would leave it dangling after the sweep. */
static void store_dead_closure(void *object) {
  holder *dying = object;
  v8ish_handle_scope scope; /* its own: reading the dead closure is fine */
  v8ish_handle_scope_open(current->script, &scope);
  v8ish_local dead = bridge_script_ref_get(current->bridge, dying->ref);
  unsigned before = current->errors.count;
  bridge_script_ref_set(current->bridge, survivor->ref, dead);
  stored.made_null = bridge_script_ref_new(current->bridge, dead) == NULL;
  stored.refusals = current->errors.count - before;
  stored.ran = true;
  v8ish_handle_scope_close(&scope);
}

START_TEST(script_references_refuse_resurrection) {
  for (int mode = 0; mode < 2; mode++) {
    world w;
    make_world(&w, mode ? BRIDGE_MODE_BASELINE : BRIDGE_MODE_UNIFIED);
    current = &w;
    memset(&stored, 0, sizeof stored);
    blinkish_type_info info = {"Holder", trace_holder, finalize_holder, 0};
    blinkish_type_id type = blinkish_register_type(w.dom, &info);
    survivor = blinkish_alloc(w.dom, type, sizeof(holder));
    blinkish_persistent *root = blinkish_persistent_new(w.dom, survivor, false);
    v8ish_local kept = v8ish_object_new(w.script);
    survivor->ref = bridge_script_ref_new(w.bridge, kept);
    holder *dying = blinkish_alloc(w.dom, type, sizeof(holder));
    v8ish_handle_scope inner;
    v8ish_handle_scope_open(w.script, &inner);
    dying->ref = bridge_script_ref_new(
        w.bridge, v8ish_closure_new(w.script, v8ish_local_empty(), "f"));
    v8ish_handle_scope_close(&inner);
    ck_assert_int_eq(
        blinkish_register_prefinalizer(w.dom, dying, store_dead_closure),
        CCGC_OK);
    /* Baseline: the dying holder's closure is a root and stays alive. */
    ccgc_test_collect_verified(w.collector);
    ck_assert(stored.ran);
    if (mode == 0) {
      ck_assert_uint_eq(stored.refusals, 2);
      ck_assert(stored.made_null);
      ck_assert_str_eq(ccgc_collector_last_error(w.collector)->check,
                       ".inv.no-resurrection");
      ck_assert(v8ish_same(w.script,
                           bridge_script_ref_get(w.bridge, survivor->ref),
                           kept));
    } else {
      ck_assert_uint_eq(stored.refusals, 0);
    }
    ccgc_test_collect_verified(w.collector);
    blinkish_persistent_free(w.dom, root);
    free_world(&w);
  }
}
END_TEST

int main(void) {
  Suite *suite = suite_create("handle-lifetimes");
  TCase *tc = tcase_create("core");
  tcase_add_test(tc, persistents_freed_twice_or_used_after_free_are_refused);
  tcase_add_test(tc,
                 traced_references_freed_twice_or_used_after_free_are_refused);
  tcase_add_test(tc,
                 script_references_freed_twice_or_used_after_free_are_refused);
  tcase_add_test(tc, probes_freed_twice_or_used_after_free_are_refused);
  tcase_add_test(tc, paired_wrappers_cannot_be_repointed);
  tcase_add_test(tc, heaps_and_bridge_go_in_order);
  tcase_add_test(tc, script_references_refuse_resurrection);
  suite_add_tcase(suite, tc);
  return ccgc_test_run(suite);
}
