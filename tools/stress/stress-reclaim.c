/* stress-reclaim.c - the stress driver's calls from inside collections
 * (stress-driver.h): pre-finalizers registered on random nodes, finalizers,
 * and weak callbacks of watchers (rooted objects that watch a random node
 * through a raw pointer) try allocation, collection and stores while a
 * collection reclaims. Each outcome is checked against the threading and
 * collection contract (docs/errors.md, "During reclamation") and the shadow
 * model (shadow_model_reclamation_store):
 *  - allocation in either heap: refused (.api.outside-collection);
 *  - ccgc_collect: CCGC_E_IN_COLLECTION;
 *  - the dying node (or its wrapper) into an object the model reaches, or
 *    into a global handle: refused (.inv.no-resurrection), nothing stored;
 *  - a store among objects the model reaches: accepted (it stores what the
 *    slot holds already, so the model is unchanged);
 *  - any DOM store from a finalizer: refused (.inv.finalizer-no-store).
 * An expected refusal arms the driver's error handler for exactly that code
 * and rule; anything else it reports is a violation, and so is a refusal
 * that does not come. Random choices come from reclaim_rand, never from the
 * main stream, so a seed's main operation sequence is unchanged. The node
 * type itself is registered here too (its finalizer is one of these calls).
 */
#include <stddef.h>
#include <string.h>

#include "stress-driver.h"

/* --- the node type ------------------------------------------------------- */

/* The slots and the resource are declared members and the script
 * reference a declared script reference (the type's layout descriptor,
 * traced by the mark loop itself: stress_register_node_type); the type has
 * no trace callback. */

static void finalize_node(void *object) {
  stress_node *node = object;
  stress_reclaim_finalizer(node); /* sometimes misbehaves: refused */
  bridge_script_ref_free(node->bridge, node->script);
}

blinkish_type_id stress_register_node_type(blinkish_heap *dom, bridge *b) {
  blinkish_type_info info = {"StressNode", NULL, finalize_node,
                             BLINKISH_TYPE_WRAPPABLE};
  blinkish_type_id type = blinkish_register_type(dom, &info);
  blinkish_member_info members[SHADOW_SLOT_COUNT + 1];
  static const char *const names[] = {"0", "1", "2", "3", "4", "5", "6", "7"};
  _Static_assert(SHADOW_SLOT_COUNT <= 8, "a name per slot");
  for (int i = 0; i < SHADOW_SLOT_COUNT; i++)
    members[i] = (blinkish_member_info){offsetof(stress_node, slots[i]), names[i]};
  members[SHADOW_SLOT_COUNT] =
      (blinkish_member_info)BLINKISH_MEMBER(stress_node, resource);
  static const blinkish_member_info refs[] = {BLINKISH_MEMBER(stress_node, script)};
  if (type && (blinkish_type_declare_members(dom, type, members,
                                             SHADOW_SLOT_COUNT + 1) != CCGC_OK ||
               bridge_type_declare_script_refs(b, type, refs, 1) != CCGC_OK))
    return 0; /* its nodes would hold nothing */
  return type;
}


#define OP_PERCENT 2     /* after this share of operations: a registration */
#define FINALIZER_ODDS 32 /* one finalizer in this many misbehaves */

static const char *const property_names[SHADOW_SLOT_COUNT] = {"p0", "p1", "p2", "p3"};

/* --- expected refusals ------------------------------------------------------ */

static void expect(stress_driver *d, ccgc_status code, const char *check) {
  d->expect_code = code;
  d->expect_check = check;
  d->expect_seen = 0;
}

static void settle(stress_driver *d, const char *what) {
  if (d->expect_seen == 0)
    stress_violation(d, "%s: the expected refusal (%s) was not reported", what,
                     d->expect_check);
  else
    d->result->refusals++;
  d->expect_check = NULL;
}

bool stress_expected_error(stress_driver *d, const ccgc_error *error) {
  if (!d->expect_check || error->code != d->expect_code || !error->check ||
      strcmp(error->check, d->expect_check) != 0)
    return false;
  d->expect_seen++;
  return true;
}

/* --- what the model says now ------------------------------------------------- */

static const guint8 *reachable_now(stress_driver *d) {
  if (!d->reachable) d->reachable = shadow_model_reachable(&d->model);
  return d->reachable;
}

/* A random object the model reaches: a DOM node, or a script object whose
 * properties p0..p3 can be stored to. -1 if a few tries find none. */
static int32_t pick_survivor(stress_driver *d, bool dom) {
  const guint8 *reachable = reachable_now(d);
  gint32 count = (gint32)shadow_model_count(&d->model);
  for (int tries = 0; tries < 16 && count > 0; tries++) {
    int32_t id = g_rand_int_range(d->reclaim_rand, 0, count);
    shadow_object *o = obj(d, id);
    if (!reachable[id] || o->gone) continue;
    if (dom ? o->kind == SHADOW_DOM
            : o->kind == SHADOW_SCRIPT || o->kind == SHADOW_WRAPPER)
      return id;
  }
  return -1;
}

static void check_verdict(stress_driver *d, shadow_verdict verdict,
                          ccgc_status status, const char *what) {
  if (verdict == SHADOW_ACCEPTED && status != CCGC_OK)
    stress_violation(d, "%s: a store among survivors was refused (%s)", what,
                     ccgc_status_name(status));
  if (verdict == SHADOW_REFUSED && status == CCGC_OK)
    stress_violation(d, "%s: a resurrection was accepted", what);
}

/* --- the calls ------------------------------------------------------------------ */

static void try_allocation(stress_driver *d, const char *where) {
  expect(d, CCGC_E_IN_COLLECTION, ".api.outside-collection");
  bool got = g_rand_boolean(d->reclaim_rand)
                 ? !v8ish_local_is_empty(v8ish_object_new(d->script))
                 : blinkish_alloc(d->dom, d->node_type, sizeof(stress_node)) !=
                       NULL;
  if (got) stress_violation(d, "%s: an allocation succeeded", where);
  settle(d, where);
}

static void try_collect(stress_driver *d, const char *where) {
  ccgc_status status = ccgc_collect(d->collector, CCGC_REASON_TESTING);
  if (status != CCGC_E_IN_COLLECTION)
    stress_violation(d, "%s: ccgc_collect returned %s", where,
                     ccgc_status_name(status));
  else
    d->result->refusals++;
  ccgc_collector_clear_error(d->collector);
}

/* A DOM store into a survivor: the dying node (refused), or what the slot
 * holds (accepted; from a finalizer refused too). */
static void try_dom_store(stress_driver *d, stress_node *dying, bool finalizer,
                          const char *where) {
  int32_t holder = pick_survivor(d, true);
  if (holder < 0) return;
  stress_node *node = ref(d, holder)->node;
  int slot = g_rand_int_range(d->reclaim_rand, 0, SHADOW_SLOT_COUNT);
  void *before = node->slots[slot];
  bool resurrect = dying && g_rand_boolean(d->reclaim_rand);
  int32_t value = resurrect ? -1 : obj(d, holder)->slots[slot];
  shadow_verdict verdict =
      finalizer ? SHADOW_REFUSED
                : shadow_model_reclamation_store(reachable_now(d), holder, value,
                                                 resurrect);
  if (verdict == SHADOW_REFUSED)
    expect(d, CCGC_E_DEAD_OBJECT,
           finalizer ? ".inv.finalizer-no-store" : ".inv.no-resurrection");
  ccgc_status status = blinkish_member_set(
      d->dom, node, &node->slots[slot], resurrect ? (void *)dying : before);
  check_verdict(d, verdict, status, where);
  if (verdict == SHADOW_REFUSED) settle(d, where);
  if (node->slots[slot] != before)
    stress_violation(d, "%s: a refused store changed DOM node #%d", where, holder);
}

/* The dying node's wrapper into a survivor or a global handle (refused), or
 * a survivor's own property stored again (accepted). No wrapper yet: making
 * one allocates (refused). */
static void try_script_store(stress_driver *d, stress_node *dying,
                             const char *where) {
  v8ish_local wrapper = bridge_wrapper_of(d->bridge, dying);
  if (v8ish_local_is_empty(wrapper)) {
    expect(d, CCGC_E_IN_COLLECTION, ".api.outside-collection");
    if (!v8ish_local_is_empty(bridge_wrap(d->bridge, dying)))
      stress_violation(d, "%s: bridge_wrap made a wrapper", where);
    return settle(d, where);
  }
  if (g_rand_int_range(d->reclaim_rand, 0, 4) == 0) {
    expect(d, CCGC_E_DEAD_OBJECT, ".inv.no-resurrection");
    bool weak = g_rand_boolean(d->reclaim_rand);
    if (!v8ish_global_is_null(v8ish_global_new(d->script, wrapper, weak)))
      stress_violation(d, "%s: a global handle to a dead wrapper", where);
    return settle(d, where);
  }
  int32_t holder = pick_survivor(d, false);
  if (holder < 0) return;
  v8ish_local target = stress_script_local(d, holder);
  const char *name =
      property_names[g_rand_int_range(d->reclaim_rand, 0, SHADOW_SLOT_COUNT)];
  if (d->failed || !v8ish_object_has(d->script, target, name)) return;
  bool resurrect = g_rand_boolean(d->reclaim_rand);
  v8ish_local value =
      resurrect ? wrapper : v8ish_object_get(d->script, target, name);
  shadow_verdict verdict = shadow_model_reclamation_store(
      reachable_now(d), holder, -1, resurrect);
  if (verdict == SHADOW_REFUSED)
    expect(d, CCGC_E_DEAD_OBJECT, ".inv.no-resurrection");
  ccgc_status status = v8ish_object_set(d->script, target, name, value);
  check_verdict(d, verdict, status, where);
  if (verdict == SHADOW_REFUSED) settle(d, where);
}

/* One call from a callback about `dying`, a node the collection found dead
 * (NULL from a finalizer). */
static void misbehave(stress_driver *d, stress_node *dying, bool finalizer,
                      const char *where) {
  if (d->failed || d->tearing_down) return;
  d->result->reclamation_calls++;
  v8ish_handle_scope scope; /* its own: it reads dead objects */
  v8ish_handle_scope_open(d->script, &scope);
  switch (g_rand_int_range(d->reclaim_rand, 0, finalizer ? 3 : 5)) {
  case 0: try_allocation(d, where); break;
  case 1: try_collect(d, where); break;
  case 2: try_dom_store(d, dying, finalizer, where); break;
  default: try_script_store(d, dying, where); break;
  }
  v8ish_handle_scope_close(&scope);
}

/* --- the callbacks ---------------------------------------------------------- */

static void prefinalize(void *object) {
  stress_node *node = object;
  stress_driver *d = node->driver;
  if (d->tearing_down) return;
  if (reachable_now(d)[node->id])
    return stress_violation(d, "the pre-finalizer of DOM object #%d ran while "
                               "the model reaches it", node->id);
  misbehave(d, node, false, "pre-finalizer");
}

void stress_reclaim_finalizer(stress_node *node) {
  stress_driver *d = node->driver;
  if (d->tearing_down || d->failed ||
      g_rand_int_range(d->reclaim_rand, 0, FINALIZER_ODDS) != 0)
    return;
  misbehave(d, NULL, true, "finalizer");
}

static void watcher_weak(void *object) {
  stress_watcher *self = object;
  stress_driver *d = self->driver;
  if (!self->watched || blinkish_is_alive(d->dom, self->watched)) return;
  if (reachable_now(d)[self->watched->id])
    stress_violation(d, "a weak callback saw DOM object #%d dead while the "
                        "model reaches it", self->watched->id);
  else
    misbehave(d, self->watched, false, "weak callback");
  self->watched = NULL;
}

static void trace_watcher(ccgc_visitor *visitor, void *object) {
  blinkish_trace_weak_callback(visitor, watcher_weak, object);
}

/* --- registration ------------------------------------------------------------ */

void stress_reclaim_op(stress_driver *d) {
  g_clear_pointer(&d->reachable, g_free); /* the model may have changed */
  if (g_rand_int_range(d->reclaim_rand, 0, 100) >= OP_PERCENT) return;
  if (d->candidates->len == 0) return;
  guint at = (guint)g_rand_int_range(d->reclaim_rand, 0,
                                     (gint32)d->candidates->len);
  int32_t id = g_array_index(d->candidates, int32_t, at);
  heap_ref *r = ref(d, id);
  if (obj(d, id)->kind != SHADOW_DOM || !blinkish_persistent_get(r->watch))
    return;
  if (g_rand_boolean(d->reclaim_rand)) {
    int i = g_rand_int_range(d->reclaim_rand, 0, STRESS_WATCHERS);
    d->watchers[i]->watched = r->node; /* a raw pointer: not a store */
    return;
  }
  if (r->prefinalized) return;
  if (blinkish_register_prefinalizer(d->dom, r->node, prefinalize) != CCGC_OK)
    return stress_violation(d, "blinkish_register_prefinalizer failed");
  r->prefinalized = true;
}

void stress_reclaim_setup(stress_driver *d) {
  d->reclaim_rand = g_rand_new_with_seed(
      (guint32)(d->options->seed ^ (d->options->seed >> 32) ^ 0x9e3779b9u));
  blinkish_type_info info = {"StressWatcher", trace_watcher, NULL, 0};
  d->watcher_type = blinkish_register_type(d->dom, &info);
  for (int i = 0; i < STRESS_WATCHERS; i++) {
    d->watchers[i] =
        blinkish_alloc(d->dom, d->watcher_type, sizeof(stress_watcher));
    d->watchers[i]->driver = d;
    d->watcher_roots[i] = blinkish_persistent_new(d->dom, d->watchers[i], false);
  }
}

void stress_reclaim_teardown(stress_driver *d) {
  d->tearing_down = true;
  for (int i = 0; i < STRESS_WATCHERS; i++)
    blinkish_persistent_free(d->dom, d->watcher_roots[i]);
  g_clear_pointer(&d->reachable, g_free);
  g_rand_free(d->reclaim_rand);
}
