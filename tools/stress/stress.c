/* stress.c - the randomized stress driver (stress.h). Public API only. */
#include "stress.h"

#include <glib.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "bridge.h"
#include "ccgc-probe.h"
#include "ccgc.h"
#include "ccgc-testing.h" /* the stress driver breaks modes on purpose */

#define SLOT_COUNT 4
#define ARRAY_MAX 8
#define ROOT_COUNT 8
#define LIVE_SOFT_LIMIT 4000

typedef enum obj_kind { OBJ_SCRIPT, OBJ_ARRAY, OBJ_DOM, OBJ_WRAPPER } obj_kind;

typedef struct stress_node {
  void *slots[SLOT_COUNT];   /* members: DOM nodes */
  bridge_script_ref *script; /* DOM -> script      */
  bridge *bridge;
} stress_node;

typedef struct sobj {
  obj_kind kind;
  bool gone;                /* the collector reclaimed it (confirmed) */
  long unreachable_since;   /* cycle count when first seen unreachable */
  int32_t slots[ARRAY_MAX]; /* model edges: ids or -1 */
  int32_t length;           /* arrays */
  int32_t script_slot;      /* DOM: target of its script reference */
  int32_t partner;          /* DOM: its wrapper; wrapper: its DOM node */
  bool has_number, unboxed, shrunk;
  v8ish_global weak;          /* script side: weak watch */
  blinkish_persistent *watch; /* DOM side: weak watch    */
  stress_node *node;          /* DOM side: the object    */
} sobj;

typedef struct driver {
  const stress_options *options;
  stress_result *result;
  GRand *rand;
  uint64_t op;
  ccgc_collector *collector;
  v8ish_heap *script;
  blinkish_heap *dom;
  bridge *bridge;
  blinkish_type_id node_type;
  GArray *objects;     /* sobj */
  GArray *candidates;  /* int32_t ids the driver may use as holders/values */
  GArray *tracked;     /* int32_t ids not yet confirmed reclaimed */
  int32_t script_roots[ROOT_COUNT];
  int32_t dom_roots[ROOT_COUNT];
  v8ish_global script_root_handles[ROOT_COUNT];
  blinkish_persistent *dom_root_handles[ROOT_COUNT];
  bool failed;
  bool crowded; /* the model reaches more than LIVE_SOFT_LIMIT objects */
  unsigned long checked_cycles;
  /* Ephemeron tables, rooted for the whole run: a script WeakMap (script
   * keys; script or DOM values) and a DOM weak map (DOM keys, script values).
   * The model: key id + 1 -> value id + 1 (an entry keeps its value only
   * while its key is reachable). */
  v8ish_global script_map;
  void *dom_map;
  blinkish_persistent *dom_map_root;
  GHashTable *script_entries, *dom_entries;
} driver;

static const char *const property_names[SLOT_COUNT] = {"p0", "p1", "p2", "p3"};

static void trace_node(ccgc_visitor *visitor, void *object) {
  stress_node *node = object;
  for (int i = 0; i < SLOT_COUNT; i++)
    blinkish_trace_element(visitor, blinkish_member_load(&node->slots[i]),
                           (size_t)i);
  bridge_trace_script_ref(visitor, node->script, "script");
}

static void finalize_node(void *object) {
  stress_node *node = object;
  bridge_script_ref_free(node->bridge, node->script);
}

const char *stress_mode_name(stress_mode mode) {
  switch (mode) {
  case STRESS_MODE_STW: return "stw";
  case STRESS_MODE_INCREMENTAL: return "incremental";
  case STRESS_MODE_CONCURRENT: return "concurrent";
  }
  return "?";
}

static sobj *obj(driver *d, int32_t id) {
  return &g_array_index(d->objects, sobj, id);
}

static void violation(driver *d, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void violation(driver *d, const char *fmt, ...) {
  if (d->failed) return;
  d->failed = true;
  d->result->ok = false;
  d->result->violation_op = d->op;
  char detail[1800];
  va_list args;
  va_start(args, fmt);
  vsnprintf(detail, sizeof detail, fmt, args);
  va_end(args);
  snprintf(d->result->message, sizeof d->result->message,
           "violation at operation %llu (seed %llu, mode %s): %s",
           (unsigned long long)d->op, (unsigned long long)d->options->seed,
           stress_mode_name(d->options->mode), detail);
}

static void misuse_is_violation(const ccgc_error *error, void *data) {
  violation(data, "API error reported: %s", error->message);
}

/* A handle to a live script-side object; empty (and a violation) if the
 * collector freed it. */
static v8ish_local script_local(driver *d, int32_t id) {
  v8ish_local local = v8ish_global_get(d->script, obj(d, id)->weak);
  if (v8ish_local_is_empty(local))
    violation(d, "script object #%d was reclaimed while the model still "
                 "reaches it", id);
  return local;
}

static stress_node *dom_node(driver *d, int32_t id) {
  sobj *o = obj(d, id);
  if (!blinkish_persistent_get(o->watch)) {
    violation(d, "DOM object #%d was reclaimed while the model still "
                 "reaches it", id);
    return NULL;
  }
  return o->node;
}

static int32_t add_object(driver *d, sobj *o) {
  for (int i = 0; i < ARRAY_MAX; i++) o->slots[i] = -1;
  o->script_slot = o->partner = -1;
  o->unreachable_since = -1;
  g_array_append_val(d->objects, *o);
  int32_t id = (int32_t)d->objects->len - 1;
  g_array_append_val(d->candidates, id);
  g_array_append_val(d->tracked, id);
  d->result->objects_created++;
  return id;
}

static int32_t new_script(driver *d, obj_kind kind) {
  v8ish_local local = kind == OBJ_ARRAY ? v8ish_array_new(d->script)
                                        : v8ish_object_new(d->script);
  if (v8ish_local_is_empty(local)) {
    violation(d, "allocation failed: %s",
              ccgc_collector_last_error(d->collector)->message);
    return -1;
  }
  sobj o = {.kind = kind};
  o.weak = v8ish_global_new(d->script, local, true);
  return add_object(d, &o);
}

static int32_t new_dom(driver *d) {
  stress_node *node = blinkish_alloc(d->dom, d->node_type, sizeof *node);
  if (!node) {
    violation(d, "allocation failed: %s",
              ccgc_collector_last_error(d->collector)->message);
    return -1;
  }
  node->bridge = d->bridge;
  node->script = bridge_script_ref_new(d->bridge, v8ish_integer(d->script, 0));
  sobj o = {.kind = OBJ_DOM, .node = node};
  o.watch = blinkish_persistent_new(d->dom, node, true);
  return add_object(d, &o);
}

/* The wrapper of DOM object id, created (with its model object) if absent. */
static int32_t wrapper_of(driver *d, int32_t id) {
  if (obj(d, id)->partner >= 0) return obj(d, id)->partner;
  stress_node *node = dom_node(d, id);
  if (!node) return -1;
  v8ish_local wrapper = bridge_wrap(d->bridge, node);
  if (v8ish_local_is_empty(wrapper)) {
    violation(d, "bridge_wrap failed");
    return -1;
  }
  sobj o = {.kind = OBJ_WRAPPER};
  o.weak = v8ish_global_new(d->script, wrapper, true);
  int32_t wid = add_object(d, &o);
  obj(d, wid)->partner = id;
  obj(d, id)->partner = wid;
  return wid;
}

static int32_t pick_candidate(driver *d) {
  if (d->candidates->len == 0) return -1;
  guint at = (guint)g_rand_int_range(d->rand, 0, (gint32)d->candidates->len);
  return g_array_index(d->candidates, int32_t, at);
}

/* A value for a script-side slot: a script-side object (DOM nodes go by their
 * wrapper), or -1 for "none". */
static int32_t script_value(driver *d) {
  int32_t id = pick_candidate(d);
  /* A crowded model drops references more often, so the live set stays
   * bounded and a run of any length costs the same per operation. */
  if (id < 0 || g_rand_int_range(d->rand, 0, d->crowded ? 2 : 8) == 0) return -1;
  return obj(d, id)->kind == OBJ_DOM ? wrapper_of(d, id) : id;
}

static int32_t dom_value(driver *d) {
  int32_t id = pick_candidate(d);
  if (id < 0 || g_rand_int_range(d->rand, 0, d->crowded ? 2 : 8) == 0) return -1;
  if (obj(d, id)->kind == OBJ_DOM) return id;
  return obj(d, id)->kind == OBJ_WRAPPER ? obj(d, id)->partner : -1;
}

static v8ish_local value_local(driver *d, int32_t id) {
  return id < 0 ? v8ish_integer(d->script, 0) : script_local(d, id);
}

static void store_script_slot(driver *d, int32_t holder, int slot,
                              int32_t value) {
  v8ish_local target = script_local(d, holder);
  v8ish_local v = value_local(d, value);
  if (d->failed) return;
  sobj *o = obj(d, holder);
  if (o->kind == OBJ_ARRAY) {
    if (slot >= o->length) {
      if (o->length >= ARRAY_MAX) return;
      slot = o->length;
      if (v8ish_array_push(d->script, target, v) != CCGC_OK)
        return violation(d, "v8ish_array_push failed");
      o->length++;
    } else if (v8ish_array_set(d->script, target, (size_t)slot, v) != CCGC_OK) {
      return violation(d, "v8ish_array_set failed");
    }
  } else if (v8ish_object_set(d->script, target, property_names[slot], v) !=
             CCGC_OK) {
    return violation(d, "v8ish_object_set failed");
  }
  obj(d, holder)->slots[slot] = value;
}

static void op_store(driver *d) {
  int32_t holder = pick_candidate(d);
  if (holder < 0) return;
  int slot = g_rand_int_range(d->rand, 0, SLOT_COUNT);
  switch (obj(d, holder)->kind) {
  case OBJ_SCRIPT:
  case OBJ_WRAPPER:
    store_script_slot(d, holder, slot, script_value(d));
    break;
  case OBJ_ARRAY:
    store_script_slot(d, holder, g_rand_int_range(d->rand, 0, ARRAY_MAX),
                      script_value(d));
    break;
  case OBJ_DOM: {
    stress_node *node = dom_node(d, holder);
    if (!node) return;
    if (g_rand_boolean(d->rand)) {
      int32_t value = dom_value(d);
      stress_node *target = value >= 0 ? dom_node(d, value) : NULL;
      if (d->failed) return;
      if (blinkish_member_set(d->dom, node, &node->slots[slot], target) !=
          CCGC_OK)
        return violation(d, "blinkish_member_set failed");
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

static void op_alloc(driver *d) {
  int kind = g_rand_int_range(d->rand, 0, 10);
  int32_t id = kind < 4   ? new_script(d, OBJ_SCRIPT)
               : kind < 6 ? new_script(d, OBJ_ARRAY)
                          : new_dom(d);
  if (id < 0) return;
  /* Link it somewhere most of the time; sometimes leave it as garbage. */
  if (g_rand_int_range(d->rand, 0, 5) == 0) return;
  for (int tries = 0; tries < 4; tries++) {
    int32_t holder = pick_candidate(d);
    if (holder < 0 || holder == id) continue;
    int slot = g_rand_int_range(d->rand, 0, SLOT_COUNT);
    sobj *h = obj(d, holder);
    if (h->kind == OBJ_DOM && obj(d, id)->kind == OBJ_DOM) {
      stress_node *node = dom_node(d, holder);
      if (!node) return;
      blinkish_member_set(d->dom, node, &node->slots[slot], obj(d, id)->node);
      h->slots[slot] = id;
      return;
    }
    if (h->kind != OBJ_DOM) {
      int32_t value = obj(d, id)->kind == OBJ_DOM ? wrapper_of(d, id) : id;
      store_script_slot(d, holder, slot, value);
      return;
    }
  }
}

static void op_root(driver *d) {
  int i = g_rand_int_range(d->rand, 0, ROOT_COUNT);
  if (g_rand_boolean(d->rand)) {
    int32_t value = script_value(d);
    v8ish_local v = value_local(d, value);
    if (d->failed) return;
    v8ish_global_set(d->script, d->script_root_handles[i], v);
    d->script_roots[i] = value;
  } else {
    int32_t value = dom_value(d);
    stress_node *node = value >= 0 ? dom_node(d, value) : NULL;
    if (d->failed) return;
    blinkish_persistent_set(d->dom, d->dom_root_handles[i], node);
    d->dom_roots[i] = value;
  }
}

/* --- ephemeron tables ----------------------------------------------------- */

static int32_t entry_of(GHashTable *entries, int32_t key) {
  return GPOINTER_TO_INT(g_hash_table_lookup(entries, GINT_TO_POINTER(key + 1))) - 1;
}

/* Sets or deletes an entry of one of the two tables: a script key (DOM
 * objects go by their wrapper) with a script value or, one time in three, a
 * DOM object as an embedder value; or a DOM key with a script value. A value
 * of -1 deletes the entry. */
static void op_ephemeron(driver *d) {
  int32_t key = pick_candidate(d);
  if (key < 0) return;
  bool dom_table = g_rand_boolean(d->rand);
  if (dom_table) {
    sobj *k = obj(d, key);
    if (k->kind == OBJ_WRAPPER) key = k->partner;
    else if (k->kind != OBJ_DOM) return;
    stress_node *node = dom_node(d, key);
    int32_t value = script_value(d);
    if (!node || d->failed) return;
    if (value < 0) {
      blinkish_weak_map_delete(d->dom, d->dom_map, node);
      g_hash_table_remove(d->dom_entries, GINT_TO_POINTER(key + 1));
      return;
    }
    if (bridge_weak_map_set(d->bridge, d->dom_map, node, script_local(d, value)) !=
        CCGC_OK)
      return violation(d, "bridge_weak_map_set failed");
    g_hash_table_insert(d->dom_entries, GINT_TO_POINTER(key + 1),
                        GINT_TO_POINTER(value + 1));
    return;
  }
  if (obj(d, key)->kind == OBJ_DOM) key = wrapper_of(d, key);
  if (key < 0) return;
  v8ish_local map = v8ish_global_get(d->script, d->script_map);
  v8ish_local key_local = script_local(d, key);
  bool embedder = g_rand_int_range(d->rand, 0, 3) == 0;
  int32_t value = embedder ? dom_value(d) : script_value(d);
  if (d->failed) return;
  if (value < 0) {
    v8ish_weak_map_delete(d->script, map, key_local);
    g_hash_table_remove(d->script_entries, GINT_TO_POINTER(key + 1));
    return;
  }
  ccgc_status status;
  if (embedder) {
    stress_node *node = dom_node(d, value);
    if (!node) return;
    status = v8ish_weak_map_set_embedder(d->script, map, key_local, node);
  } else {
    status = v8ish_weak_map_set(d->script, map, key_local, script_local(d, value));
  }
  if (status != CCGC_OK) return violation(d, "v8ish_weak_map_set failed");
  g_hash_table_insert(d->script_entries, GINT_TO_POINTER(key + 1),
                      GINT_TO_POINTER(value + 1));
}

/* After a cycle: every entry whose key the model reaches holds its value. */
static void check_entries(driver *d, const guint8 *reachable) {
  v8ish_local map = v8ish_global_get(d->script, d->script_map);
  GHashTableIter iter;
  gpointer key_p, value_p;
  g_hash_table_iter_init(&iter, d->script_entries);
  while (!d->failed && g_hash_table_iter_next(&iter, &key_p, &value_p)) {
    int32_t key = GPOINTER_TO_INT(key_p) - 1, value = GPOINTER_TO_INT(value_p) - 1;
    if (!reachable[key]) continue;
    v8ish_local key_local = script_local(d, key);
    if (d->failed) return;
    bool ok = obj(d, value)->kind == OBJ_DOM
                  ? v8ish_weak_map_get_embedder(d->script, map, key_local) ==
                        (void *)obj(d, value)->node
                  : v8ish_object_address(d->script,
                                         v8ish_weak_map_get(d->script, map, key_local)) ==
                        v8ish_object_address(d->script, script_local(d, value));
    if (!ok)
      violation(d, "script WeakMap entry of live key #%d lost its value #%d", key,
                value);
  }
  g_hash_table_iter_init(&iter, d->dom_entries);
  while (!d->failed && g_hash_table_iter_next(&iter, &key_p, &value_p)) {
    int32_t key = GPOINTER_TO_INT(key_p) - 1, value = GPOINTER_TO_INT(value_p) - 1;
    if (!reachable[key]) continue;
    v8ish_local got = bridge_weak_map_get(d->bridge, d->dom_map, obj(d, key)->node);
    if (v8ish_object_address(d->script, got) !=
        v8ish_object_address(d->script, script_local(d, value)))
      violation(d, "DOM weak map entry of live key #%d lost its value #%d", key,
                value);
  }
}

/* Shape changes: a boxed number property, its unboxing (unsafe), slack
 * shrinking (unsafe), left-trimming an array (unsafe). */
static void op_shape(driver *d) {
  int32_t id = pick_candidate(d);
  if (id < 0) return;
  sobj *o = obj(d, id);
  if (o->kind == OBJ_ARRAY) {
    if (o->length == 0) return;
    v8ish_local array = script_local(d, id);
    if (d->failed) return;
    if (v8ish_array_left_trim(d->script, array, 1) != CCGC_OK)
      return violation(d, "v8ish_array_left_trim failed");
    o = obj(d, id);
    memmove(o->slots, o->slots + 1, sizeof(int32_t) * (ARRAY_MAX - 1));
    o->slots[ARRAY_MAX - 1] = -1;
    o->length--;
    return;
  }
  if (o->kind == OBJ_DOM) return;
  v8ish_local object = script_local(d, id);
  if (d->failed) return;
  if (!o->has_number) {
    /* Only while it lands in an in-object slot: only those can be unboxed. */
    if (v8ish_object_property_count(d->script, object) >= 4) {
      obj(d, id)->has_number = obj(d, id)->unboxed = true;
      return;
    }
    v8ish_object_set(d->script, object, "n",
                     v8ish_number_new(d->script, (double)d->op + 0.5));
    obj(d, id)->has_number = true;
  } else if (!o->unboxed) {
    if (v8ish_object_unbox_double(d->script, object, "n") != CCGC_OK)
      return violation(d, "v8ish_object_unbox_double failed");
    obj(d, id)->unboxed = true;
  } else if (!o->shrunk) {
    if (v8ish_object_shrink_slack(d->script, object) != CCGC_OK)
      return violation(d, "v8ish_object_shrink_slack failed");
    obj(d, id)->shrunk = true;
  }
}

/* --- the shadow model's reachability and the checks ---------------------- */

static void reach(GArray *stack, guint8 *seen, int32_t id) {
  if (id < 0 || seen[id]) return;
  seen[id] = 1;
  g_array_append_val(stack, id);
}

static guint8 *model_reachable(driver *d) {
  guint8 *seen = g_malloc0(d->objects->len + 1);
  GArray *stack = g_array_new(FALSE, FALSE, sizeof(int32_t));
  for (int i = 0; i < ROOT_COUNT; i++) {
    reach(stack, seen, d->script_roots[i]);
    reach(stack, seen, d->dom_roots[i]);
  }
  while (stack->len) {
    int32_t id = g_array_index(stack, int32_t, stack->len - 1);
    g_array_set_size(stack, stack->len - 1);
    sobj *o = obj(d, id);
    int slots = o->kind == OBJ_ARRAY ? o->length : SLOT_COUNT;
    for (int i = 0; i < slots; i++) reach(stack, seen, o->slots[i]);
    reach(stack, seen, o->partner); /* wrapper <-> DOM: both directions */
    if (o->kind == OBJ_DOM) reach(stack, seen, o->script_slot);
    /* The tables are roots; an entry's value is reached with its key. */
    reach(stack, seen, entry_of(d->script_entries, id));
    reach(stack, seen, entry_of(d->dom_entries, id));
  }
  g_array_free(stack, TRUE);
  return seen;
}

static bool watched_alive(driver *d, sobj *o) {
  if (o->kind == OBJ_DOM) return blinkish_persistent_get(o->watch) != NULL;
  return !v8ish_local_is_empty(v8ish_global_get(d->script, o->weak));
}

static void release_watch(driver *d, sobj *o) {
  if (o->kind == OBJ_DOM)
    blinkish_persistent_free(d->dom, o->watch);
  else
    v8ish_global_free(d->script, o->weak);
}

static void check_after_cycle(driver *d) {
  unsigned long cycles = ccgc_collector_cycle_count(d->collector);
  if (cycles == d->checked_cycles) return;
  d->checked_cycles = cycles;
  v8ish_handle_scope scope; /* watched_alive makes handles */
  v8ish_handle_scope_open(d->script, &scope);
  const ccgc_verify_report *report = ccgc_collector_last_verify(d->collector);
  if (d->options->verify && report->errors)
    return violation(d, "marking verifier: %s", report->first_error);
  guint8 *reachable = model_reachable(d);
  g_array_set_size(d->candidates, 0);
  guint kept = 0;
  for (guint at = 0; at < d->tracked->len && !d->failed; at++) {
    guint id = (guint)g_array_index(d->tracked, int32_t, at);
    sobj *o = obj(d, (int32_t)id);
    if (!o->gone) g_array_index(d->tracked, int32_t, kept++) = (int32_t)id;
    bool alive = watched_alive(d, o);
    if (reachable[id]) {
      o->unreachable_since = -1;
      if (!alive)
        violation(d, "object #%u (%s) reachable in the model was reclaimed",
                  id, o->kind == OBJ_DOM ? "DOM" : "script");
      int32_t candidate = (int32_t)id;
      g_array_append_val(d->candidates, candidate);
      continue;
    }
    if (!alive) {
      o->gone = true;
      /* Its entries went with it (the collector pruned them). */
      g_hash_table_remove(d->script_entries, GINT_TO_POINTER((int32_t)id + 1));
      g_hash_table_remove(d->dom_entries, GINT_TO_POINTER((int32_t)id + 1));
      kept--; /* confirmed: no need to look at it again */
      d->result->objects_reclaimed++;
      release_watch(d, o);
      continue;
    }
    if (o->unreachable_since < 0) {
      o->unreachable_since = (long)cycles;
    } else if ((long)cycles > o->unreachable_since) {
      /* Say why the collector kept it: the retaining path it sees. */
      void *address = o->kind == OBJ_DOM
                          ? o->node
                          : v8ish_object_address(
                                d->script, v8ish_global_get(d->script, o->weak));
      ccgc_path path;
      char *why = NULL;
      if (ccgc_retaining_path(d->collector, address, &path) == CCGC_OK) {
        why = ccgc_path_format(&path);
        ccgc_path_free(&path);
      }
      violation(d, "object #%u (%s) unreachable since cycle %ld survived "
                   "cycle %lu; retained by:\n%s",
                id, o->kind == OBJ_DOM ? "DOM" : "script",
                o->unreachable_since, cycles, why ? why : "(no path: floating)\n");
      free(why);
    }
  }
  if (!d->failed) g_array_set_size(d->tracked, kept);
  if (!d->failed) check_entries(d, reachable);
  g_free(reachable);
  v8ish_handle_scope_close(&scope);
}

/* --- collections ------------------------------------------------------------ */

static void op_collect(driver *d) {
  ccgc_collector *c = d->collector;
  if (d->options->mode == STRESS_MODE_STW) {
    if (g_rand_int_range(d->rand, 0, 1500) == 0)
      ccgc_collect(c, CCGC_REASON_TESTING);
    return;
  }
  if (ccgc_collector_state(c) == CCGC_STATE_IDLE) {
    if (g_rand_int_range(d->rand, 0, 400) == 0)
      ccgc_incremental_start(c, CCGC_REASON_TESTING);
    return;
  }
  int dice = g_rand_int_range(d->rand, 0, 100);
  if (dice < 10)
    ccgc_incremental_step(c, 0.1);
  else if (dice == 10)
    ccgc_incremental_finish(c);
}

static void setup(driver *d) {
  ccgc_collector_options options = {
      .verify = d->options->verify,
      .incremental_step_bytes = 64 * 1024,
      .incremental_step_ms = 0.05,
      .marker_threads = d->options->mode == STRESS_MODE_CONCURRENT
                            ? (d->options->marker_threads > 0
                                   ? d->options->marker_threads
                                   : 2)
                            : 0,
      .shape_protocol = (ccgc_shape_protocol)d->options->shape_protocol,
  };
  d->collector = ccgc_collector_new(&options);
  /* Work-bounded steps: a seed replays the same schedule (not in concurrent
   * mode, where threads race by design). */
  ccgc_collector_set_step_objects(d->collector, 200);
  ccgc_collector_set_error_handler(d->collector, misuse_is_violation, d);
  ccgc_collector_disable_barrier(d->collector, d->options->disable_barrier);
  d->script = v8ish_heap_new(d->collector, NULL);
  d->dom = blinkish_heap_new(d->collector, NULL);
  d->bridge = bridge_new(d->collector, d->script, d->dom, BRIDGE_MODE_UNIFIED);
  blinkish_type_info info = {"StressNode", trace_node, finalize_node,
                             BLINKISH_TYPE_WRAPPABLE};
  d->node_type = blinkish_register_type(d->dom, &info);
  d->objects = g_array_new(FALSE, TRUE, sizeof(sobj));
  d->candidates = g_array_new(FALSE, FALSE, sizeof(int32_t));
  d->tracked = g_array_new(FALSE, FALSE, sizeof(int32_t));
  v8ish_handle_scope scope;
  v8ish_handle_scope_open(d->script, &scope);
  for (int i = 0; i < ROOT_COUNT; i++) {
    d->script_roots[i] = d->dom_roots[i] = -1;
    d->script_root_handles[i] =
        v8ish_global_new(d->script, v8ish_integer(d->script, 0), false);
    d->dom_root_handles[i] = blinkish_persistent_new(d->dom, NULL, false);
  }
  d->script_map = v8ish_global_new(d->script, v8ish_weak_map_new(d->script), false);
  d->dom_map = bridge_weak_map_new(d->bridge);
  d->dom_map_root = blinkish_persistent_new(d->dom, d->dom_map, false);
  d->script_entries = g_hash_table_new(g_direct_hash, g_direct_equal);
  d->dom_entries = g_hash_table_new(g_direct_hash, g_direct_equal);
  v8ish_handle_scope_close(&scope);
}

static void teardown(driver *d) {
  if (ccgc_collector_state(d->collector) == CCGC_STATE_MARKING)
    ccgc_incremental_finish(d->collector);
  for (guint id = 0; id < d->objects->len; id++) {
    sobj *o = obj(d, (int32_t)id);
    if (!o->gone) release_watch(d, o);
  }
  for (int i = 0; i < ROOT_COUNT; i++) {
    v8ish_global_free(d->script, d->script_root_handles[i]);
    blinkish_persistent_free(d->dom, d->dom_root_handles[i]);
  }
  v8ish_global_free(d->script, d->script_map);
  blinkish_persistent_free(d->dom, d->dom_map_root);
  g_hash_table_destroy(d->script_entries);
  g_hash_table_destroy(d->dom_entries);
  blinkish_heap_free(d->dom);
  bridge_free(d->bridge);
  v8ish_heap_free(d->script);
  ccgc_collector_free(d->collector);
  g_array_free(d->objects, TRUE);
  g_array_free(d->candidates, TRUE);
  g_array_free(d->tracked, TRUE);
}

void stress_run(const stress_options *options, stress_result *result) {
  memset(result, 0, sizeof *result);
  result->ok = true;
  driver d;
  memset(&d, 0, sizeof d);
  d.options = options;
  d.result = result;
  d.rand = g_rand_new_with_seed((guint32)(options->seed ^ (options->seed >> 32)));
  setup(&d);
  uint64_t progress_every = options->ops >= 100 ? options->ops / 20 : 1;
  for (d.op = 0; d.op < options->ops && !d.failed; d.op++) {
    v8ish_handle_scope scope;
    v8ish_handle_scope_open(d.script, &scope);
    int dice = g_rand_int_range(d.rand, 0, 100);
    d.crowded = d.candidates->len > LIVE_SOFT_LIMIT;
    if (dice < (d.crowded ? 10 : 30))
      op_alloc(&d);
    else if (dice < 74)
      op_store(&d);
    else if (dice < 80)
      op_ephemeron(&d);
    else if (dice < 88)
      op_root(&d);
    else
      op_shape(&d);
    v8ish_handle_scope_close(&scope);
    if (options->check_every_op) {
      ccgc_verify_report report;
      if (!ccgc_collector_verify_heap(d.collector, &report))
        violation(&d, "heap verifier after the operation: %s", report.first_error);
    }
    ccgc_collector_safepoint(d.collector);
    op_collect(&d);
    check_after_cycle(&d);
    if (options->progress && (d.op + 1) % progress_every == 0)
      fprintf(options->progress,
              "stress: %llu/%llu ops, %lu cycles, %u objects tracked\n",
              (unsigned long long)(d.op + 1), (unsigned long long)options->ops,
              ccgc_collector_cycle_count(d.collector), d.objects->len);
  }
  /* Two final cycles: everything unreachable must be gone by then. */
  if (!d.failed) {
    if (ccgc_collector_state(d.collector) == CCGC_STATE_MARKING)
      ccgc_incremental_finish(d.collector);
    check_after_cycle(&d);
    for (int i = 0; i < 2 && !d.failed; i++) {
      ccgc_collect(d.collector, CCGC_REASON_TESTING);
      check_after_cycle(&d);
    }
  }
  result->ops_done = d.op;
  result->cycles = ccgc_collector_cycle_count(d.collector);
  teardown(&d);
  g_rand_free(d.rand);
}
