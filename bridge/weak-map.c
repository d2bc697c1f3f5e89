/* weak-map.c - DOM weak maps whose values are script objects (bridge.h).
 *
 * A HeapEphemeronMap of the DOM heap with external values
 * (blinkish_weak_map_new_external): each value is a script reference. The
 * map reports each entry to the marker as an ephemeron (DOM key, script
 * object), so the script object lives exactly while the DOM key does: a pair
 * whose key and value live in different heaps, resolved by the marker's one
 * fixed point. The DOM heap releases a value (frees its script reference)
 * when it leaves the map: overwritten, deleted, key or map found dead.
 *
 * In baseline mode a script reference is a strong global handle, so every
 * value stays alive whatever its key does: the leak the mode exists to show.
 */
#include "bridge-internal.h"

static void *value_target(void *value, void *data) {
  (void)data;
  /* Called on marker threads: loads with acquire, no lookup; NULL for a
   * baseline (root) slot. */
  return v8ish_traced_edge_target(bridge_ref_slot(value),
                                  "bridge weak map value");
}

static void value_prefetch(const void *value, void *data) {
  (void)data;
  __builtin_prefetch(value); /* the slot: target's one load */
}

static void value_release(void *value, void *data) {
  bridge_script_ref_free(data, value);
}

/* A set's value must be a live traced reference of the bridge's script
 * heap (its script references are; others of that heap pass too, and the
 * map then owns and frees them): target
 * follows it without a lookup (it runs on marker threads). A value from
 * blinkish_weak_map_set on this map is checked here; bridge_weak_map_set's
 * own references always pass. */
static ccgc_status value_check(void *value, void *data) {
  bridge *self = data;
  return v8ish_traced_check(self->script, bridge_ref_slot(value),
                            "blinkish_weak_map_set", "script reference");
}

static const blinkish_external_value_ops script_values = {
    .target = value_target,
    .release = value_release,
    .prefetch = value_prefetch,
    .check = value_check,
};

void *bridge_weak_map_new(bridge *self) {
  if (bridge_check(self, CCGC_CALL_READ, "bridge_weak_map_new") != CCGC_OK ||
      bridge_check_dom(self, "bridge_weak_map_new") != CCGC_OK)
    return NULL;
  return blinkish_weak_map_new_external(self->dom, &script_values, self);
}

ccgc_status bridge_weak_map_set(bridge *self, void *map, void *key,
                                v8ish_local value) {
  ccgc_status entered =
      bridge_check(self, CCGC_CALL_STORE, "bridge_weak_map_set");
  if (entered == CCGC_OK) entered = bridge_check_dom(self, "bridge_weak_map_set");
  if (entered != CCGC_OK) return entered;
  bridge_script_ref *ref = bridge_ref_make(self, value, "bridge_weak_map_set");
  if (!ref) return ccgc_collector_last_error(self->collector)->code;
  ccgc_status status = blinkish_weak_map_set(self->dom, map, key, ref);
  if (status != CCGC_OK) bridge_script_ref_free(self, ref); /* not taken */
  return status;
}

v8ish_local bridge_weak_map_get(bridge *self, const void *map,
                                const void *key) {
  if (bridge_check(self, CCGC_CALL_READ, "bridge_weak_map_get") != CCGC_OK ||
      bridge_check_dom(self, "bridge_weak_map_get") != CCGC_OK)
    return v8ish_local_empty();
  const bridge_script_ref *ref = blinkish_weak_map_get(self->dom, map, key);
  return bridge_ref_load(self, ref, "bridge_weak_map_get", "script reference");
}
