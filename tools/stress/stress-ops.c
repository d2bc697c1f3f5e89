/* stress-ops.c - the stress driver's random operations on both heaps
 * (stress-driver.h): allocations, stores of every kind including across
 * heaps, wrappers, ephemeron entries, roots, shape changes. Each one made
 * in the heaps through the public API is mirrored in the shadow model. */
#include <string.h>

#include "stress-driver.h"

/* Above this many candidates the model is "crowded" and drops references
 * more often (script_value, dom_value), so the live set stays bounded. */
#define LIVE_SOFT_LIMIT 4000

static const char *const property_names[SHADOW_SLOT_COUNT] = {"p0", "p1", "p2", "p3"};

v8ish_local stress_script_local(stress_driver *d, int32_t id) {
  v8ish_local local = v8ish_global_get(d->script, ref(d, id)->weak);
  if (v8ish_local_is_empty(local))
    stress_violation(d, "script object #%d was reclaimed while the model still "
                        "reaches it", id);
  return local;
}

static stress_node *dom_node(stress_driver *d, int32_t id) {
  heap_ref *r = ref(d, id);
  if (!blinkish_persistent_get(r->watch)) {
    stress_violation(d, "DOM object #%d was reclaimed while the model still "
                        "reaches it", id);
    return NULL;
  }
  return r->node;
}

/* A new object in the model, reached in the heaps through r. */
static int32_t add_object(stress_driver *d, shadow_kind kind, const heap_ref *r) {
  int32_t id = shadow_model_add(&d->model, kind);
  g_array_append_val(d->refs, *r);
  g_array_append_val(d->candidates, id);
  g_array_append_val(d->tracked, id);
  d->result->objects_created++;
  return id;
}

static int32_t new_script(stress_driver *d, shadow_kind kind) {
  v8ish_local local = kind == SHADOW_ARRAY ? v8ish_array_new(d->script)
                                           : v8ish_object_new(d->script);
  if (v8ish_local_is_empty(local)) {
    stress_violation(d, "allocation failed: %s",
                     ccgc_collector_last_error(d->collector)->message);
    return -1;
  }
  heap_ref r = {.weak = v8ish_global_new(d->script, local, true)};
  return add_object(d, kind, &r);
}

static int32_t new_dom(stress_driver *d) {
  stress_node *node = blinkish_alloc(d->dom, d->node_type, sizeof *node);
  if (!node) {
    stress_violation(d, "allocation failed: %s",
                     ccgc_collector_last_error(d->collector)->message);
    return -1;
  }
  node->bridge = d->bridge;
  node->driver = d;
  node->script = bridge_script_ref_new(d->bridge, v8ish_integer(d->script, 0));
  heap_ref r = {.node = node};
  r.watch = blinkish_persistent_new(d->dom, node, true);
  node->id = add_object(d, SHADOW_DOM, &r);
  stress_resource_attach(d, node);
  return node->id;
}

/* The wrapper of DOM object id, created (with its model object) if absent. */
static int32_t wrapper_of(stress_driver *d, int32_t id) {
  if (obj(d, id)->partner >= 0) return obj(d, id)->partner;
  stress_node *node = dom_node(d, id);
  if (!node) return -1;
  v8ish_local wrapper = bridge_wrap(d->bridge, node);
  if (v8ish_local_is_empty(wrapper)) {
    stress_violation(d, "bridge_wrap failed");
    return -1;
  }
  heap_ref r = {.weak = v8ish_global_new(d->script, wrapper, true)};
  int32_t wid = add_object(d, SHADOW_WRAPPER, &r);
  shadow_model_pair(&d->model, id, wid);
  return wid;
}

static int32_t pick_candidate(stress_driver *d) {
  if (d->candidates->len == 0) return -1;
  guint at = (guint)g_rand_int_range(d->rand, 0, (gint32)d->candidates->len);
  return g_array_index(d->candidates, int32_t, at);
}

/* Whether a store (a slot, a root, an ephemeron value) writes "none"
 * instead of a reference: one time in eight, seven times in eight when the
 * model is crowded. The model's graph is a random graph fed by allocation:
 * with most slots set it has a giant component that the roots reach, and
 * the live set only grows (dropping half the references let it drift to
 * 29,000 objects in 600,000 operations; the run's checks then cost 3x as
 * much and varied from run to run with where collections fell). Seven in
 * eight makes the crowded graph sparse enough to fall apart, so the live set
 * stays below about the soft limit and every operation costs the same on any
 * run length. */
static bool drops_reference(stress_driver *d) {
  return d->crowded ? g_rand_int_range(d->rand, 0, 8) != 0
                    : g_rand_int_range(d->rand, 0, 8) == 0;
}

/* A value for a script-side slot: a script-side object (DOM nodes go by their
 * wrapper), or -1 for "none". */
static int32_t script_value(stress_driver *d) {
  int32_t id = pick_candidate(d);
  if (id < 0 || drops_reference(d)) return -1;
  return obj(d, id)->kind == SHADOW_DOM ? wrapper_of(d, id) : id;
}

static int32_t dom_value(stress_driver *d) {
  int32_t id = pick_candidate(d);
  if (id < 0 || drops_reference(d)) return -1;
  if (obj(d, id)->kind == SHADOW_DOM) return id;
  return obj(d, id)->kind == SHADOW_WRAPPER ? obj(d, id)->partner : -1;
}

static v8ish_local value_local(stress_driver *d, int32_t id) {
  return id < 0 ? v8ish_integer(d->script, 0) : stress_script_local(d, id);
}

/* A FixedArray of 1 to SHADOW_ARRAY_MAX elements made from locals in one
 * call (v8ish_fixed_array_new_with): script-side objects or integers. */
static int32_t new_fixed(stress_driver *d) {
  int length = g_rand_int_range(d->rand, 1, SHADOW_ARRAY_MAX + 1);
  int32_t values[SHADOW_ARRAY_MAX];
  v8ish_local elements[SHADOW_ARRAY_MAX];
  for (int i = 0; i < length; i++) {
    values[i] = script_value(d);
    elements[i] = value_local(d, values[i]);
  }
  if (d->failed) return -1;
  v8ish_local local =
      v8ish_fixed_array_new_with(d->script, (size_t)length, elements);
  if (v8ish_local_is_empty(local)) {
    stress_violation(d, "v8ish_fixed_array_new_with failed: %s",
                     ccgc_collector_last_error(d->collector)->message);
    return -1;
  }
  heap_ref r = {.weak = v8ish_global_new(d->script, local, true)};
  int32_t id = add_object(d, SHADOW_ARRAY, &r);
  shadow_object *o = obj(d, id);
  o->fixed = true;
  o->length = length;
  for (int i = 0; i < length; i++) o->slots[i] = values[i];
  return id;
}

static void store_script_slot(stress_driver *d, int32_t holder, int slot,
                              int32_t value) {
  v8ish_local target = stress_script_local(d, holder);
  v8ish_local v = value_local(d, value);
  if (d->failed) return;
  shadow_object *o = obj(d, holder);
  if (o->kind == SHADOW_ARRAY) {
    if (o->fixed && slot >= o->length) slot %= o->length;
    if (slot >= o->length) {
      if (o->length >= SHADOW_ARRAY_MAX) return;
      slot = o->length;
      if (v8ish_array_push(d->script, target, v) != CCGC_OK)
        return stress_violation(d, "v8ish_array_push failed");
      o->length++;
    } else if (v8ish_array_set(d->script, target, (size_t)slot, v) != CCGC_OK) {
      return stress_violation(d, "v8ish_array_set failed");
    }
  } else if (v8ish_object_set(d->script, target, property_names[slot], v) !=
             CCGC_OK) {
    return stress_violation(d, "v8ish_object_set failed");
  }
  obj(d, holder)->slots[slot] = value;
}

static void op_store(stress_driver *d) {
  int32_t holder = pick_candidate(d);
  if (holder < 0) return;
  int slot = g_rand_int_range(d->rand, 0, SHADOW_SLOT_COUNT);
  switch (obj(d, holder)->kind) {
  case SHADOW_SCRIPT:
  case SHADOW_WRAPPER:
    store_script_slot(d, holder, slot, script_value(d));
    break;
  case SHADOW_ARRAY:
    store_script_slot(d, holder, g_rand_int_range(d->rand, 0, SHADOW_ARRAY_MAX),
                      script_value(d));
    break;
  case SHADOW_DOM: {
    stress_node *node = dom_node(d, holder);
    if (!node) return;
    if (g_rand_boolean(d->rand)) {
      int32_t value = dom_value(d);
      stress_node *target = value >= 0 ? dom_node(d, value) : NULL;
      if (d->failed) return;
      if (blinkish_member_set(d->dom, node, &node->slots[slot], target) !=
          CCGC_OK)
        return stress_violation(d, "blinkish_member_set failed");
      obj(d, holder)->slots[slot] = value;
    } else {
      int32_t value = script_value(d);
      v8ish_local v = value_local(d, value);
      if (d->failed) return;
      bridge_script_ref_set(d->bridge, node->script, v);
      obj(d, holder)->script_slot = value;
    }
    break;
  }
  }
}

static void op_alloc(stress_driver *d) {
  int kind = g_rand_int_range(d->rand, 0, 10);
  int32_t id = kind < 4    ? new_script(d, SHADOW_SCRIPT)
               : kind == 4 ? new_script(d, SHADOW_ARRAY)
               : kind == 5 ? new_fixed(d)
                           : new_dom(d);
  if (id < 0) return;
  /* Link it somewhere most of the time; sometimes leave it as garbage. */
  if (g_rand_int_range(d->rand, 0, 5) == 0) return;
  for (int tries = 0; tries < 4; tries++) {
    int32_t holder = pick_candidate(d);
    if (holder < 0 || holder == id) continue;
    int slot = g_rand_int_range(d->rand, 0, SHADOW_SLOT_COUNT);
    shadow_object *h = obj(d, holder);
    if (h->kind == SHADOW_DOM && obj(d, id)->kind == SHADOW_DOM) {
      stress_node *node = dom_node(d, holder);
      if (!node) return;
      blinkish_member_set(d->dom, node, &node->slots[slot], ref(d, id)->node);
      h->slots[slot] = id;
      return;
    }
    if (h->kind != SHADOW_DOM) {
      int32_t value = obj(d, id)->kind == SHADOW_DOM ? wrapper_of(d, id) : id;
      store_script_slot(d, holder, slot, value);
      return;
    }
  }
}

static void op_root(stress_driver *d) {
  int i = g_rand_int_range(d->rand, 0, SHADOW_ROOT_COUNT);
  if (g_rand_boolean(d->rand)) {
    int32_t value = script_value(d);
    v8ish_local v = value_local(d, value);
    if (d->failed) return;
    v8ish_global_set(d->script, d->script_root_handles[i], v);
    d->model.script_roots[i] = value;
  } else {
    int32_t value = dom_value(d);
    stress_node *node = value >= 0 ? dom_node(d, value) : NULL;
    if (d->failed) return;
    blinkish_persistent_set(d->dom, d->dom_root_handles[i], node);
    d->model.dom_roots[i] = value;
  }
}

/* Sets or deletes an entry of one of the two tables: a script key (DOM
 * objects go by their wrapper) with a script value or, one time in three, a
 * DOM object as an embedder value; or a DOM key with a script value. A value
 * of -1 deletes the entry. */
static void op_ephemeron(stress_driver *d) {
  int32_t key = pick_candidate(d);
  if (key < 0) return;
  bool dom_table = g_rand_boolean(d->rand);
  if (dom_table) {
    shadow_object *k = obj(d, key);
    if (k->kind == SHADOW_WRAPPER) key = k->partner;
    else if (k->kind != SHADOW_DOM) return;
    stress_node *node = dom_node(d, key);
    int32_t value = script_value(d);
    if (!node || d->failed) return;
    if (value < 0) {
      blinkish_weak_map_delete(d->dom, d->dom_map, node);
      shadow_model_set_entry(&d->model, SHADOW_DOM_MAP, key, -1);
      return;
    }
    if (bridge_weak_map_set(d->bridge, d->dom_map, node, stress_script_local(d, value)) !=
        CCGC_OK)
      return stress_violation(d, "bridge_weak_map_set failed");
    shadow_model_set_entry(&d->model, SHADOW_DOM_MAP, key, value);
    return;
  }
  if (obj(d, key)->kind == SHADOW_DOM) key = wrapper_of(d, key);
  if (key < 0) return;
  v8ish_local map = v8ish_global_get(d->script, d->script_map);
  v8ish_local key_local = stress_script_local(d, key);
  bool embedder = g_rand_int_range(d->rand, 0, 3) == 0;
  int32_t value = embedder ? dom_value(d) : script_value(d);
  if (d->failed) return;
  if (value < 0) {
    v8ish_weak_map_delete(d->script, map, key_local);
    shadow_model_set_entry(&d->model, SHADOW_SCRIPT_MAP, key, -1);
    return;
  }
  ccgc_status status;
  if (embedder) {
    stress_node *node = dom_node(d, value);
    if (!node) return;
    status = v8ish_weak_map_set_embedder(d->script, map, key_local, node);
  } else {
    status = v8ish_weak_map_set(d->script, map, key_local, stress_script_local(d, value));
  }
  if (status != CCGC_OK) return stress_violation(d, "v8ish_weak_map_set failed");
  shadow_model_set_entry(&d->model, SHADOW_SCRIPT_MAP, key, value);
}

/* Shape changes: a boxed number property, its unboxing (unsafe), slack
 * shrinking (unsafe), left-trimming an array (unsafe). */
static void op_shape(stress_driver *d) {
  int32_t id = pick_candidate(d);
  if (id < 0) return;
  shadow_object *o = obj(d, id);
  if (o->kind == SHADOW_ARRAY) {
    if (o->length == 0 || o->fixed) return; /* trims Arrays only */
    v8ish_local array = stress_script_local(d, id);
    if (d->failed) return;
    if (v8ish_array_left_trim(d->script, array, 1) != CCGC_OK)
      return stress_violation(d, "v8ish_array_left_trim failed");
    shadow_model_left_trim(&d->model, id);
    return;
  }
  if (o->kind == SHADOW_DOM) return;
  v8ish_local object = stress_script_local(d, id);
  if (d->failed) return;
  heap_ref *r = ref(d, id);
  if (!r->has_number) {
    /* Only while it lands in an in-object slot: only those can be unboxed. */
    if (v8ish_object_property_count(d->script, object) >= 4) {
      r->has_number = r->unboxed = true;
      return;
    }
    v8ish_object_set(d->script, object, "n",
                     v8ish_number_new(d->script, (double)d->op + 0.5));
    r->has_number = true;
  } else if (!r->unboxed) {
    if (v8ish_object_unbox_double(d->script, object, "n") != CCGC_OK)
      return stress_violation(d, "v8ish_object_unbox_double failed");
    r->unboxed = true;
  } else if (!r->shrunk) {
    if (v8ish_object_shrink_slack(d->script, object) != CCGC_OK)
      return stress_violation(d, "v8ish_object_shrink_slack failed");
    r->shrunk = true;
  }
}

void stress_random_op(stress_driver *d) {
  int dice = g_rand_int_range(d->rand, 0, 100);
  d->crowded = d->candidates->len > LIVE_SOFT_LIMIT;
  if (dice < (d->crowded ? 10 : 30))
    op_alloc(d);
  else if (dice < 74)
    op_store(d);
  else if (dice < 80)
    op_ephemeron(d);
  else if (dice < 88)
    op_root(d);
  else
    op_shape(d);
}
