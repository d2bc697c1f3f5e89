/* bridge.c - wrapper pairs and script references (bridge.h). */
#include "bridge-internal.h"
#include "invariant-check.h"

#include <stddef.h>
#include <stdlib.h>

#include "ccgc-heap.h"
#include "blinkish-bridge.h"
#include "object-header.h" /* the DOM heap's layout: wrappable or not */

#define BRIDGE_SIG 0x42524447u /* "BRDG" (.sig) */
_Static_assert(sizeof(struct bridge) < CCGC_SIG_STRUCT_MAX, ".sig");

static ccgc_error_sink *errors_of(bridge *self) {
  return ccgc_collector_error_sink(self->collector);
}

ccgc_status bridge_check(const bridge *self, ccgc_call_kind kind,
                         const char *call) {
  if (!self || self->sig != BRIDGE_SIG) return CCGC_E_INVALID_ARGUMENT;
  return ccgc_gate_check(self->collector, ccgc_collector_gate(self->collector),
                         kind, call);
}

/* DOM heap hook: a wrappable object's trace reports its wrapper. */
static void trace_wrapper_slot(ccgc_visitor *visitor, void *object,
                               void *slot_value, void *data) {
  (void)object, (void)data;
  if (slot_value) bridge_trace_script_ref(visitor, slot_value, "wrapper");
}

/* DOM heap hook: a declared script reference field (non-NULL), named. */
static void trace_declared_ref(ccgc_visitor *visitor, const void *handle,
                               const char *name) {
  bridge_trace_script_ref(visitor, handle, name);
}

/* DOM heap hook: a dead wrappable object releases its script reference. In
 * a collection the wrapper is dead too: it kept the DOM object alive
 * through its embedder field, so a live wrapper implies a live DOM object.
 * When the DOM heap is freed its objects die under live wrappers, which
 * let go of them: a wrapper that kept the freed address was traced into
 * the freed page by the next collection (a crash), unwrapped to whatever
 * object a new heap put there and kept it alive (found by an audit). */
static void release_wrapper_slot(void *object, void *slot_value, void *data) {
  bridge *self = data;
  if (!slot_value) return;
  if (blinkish_heap_tearing_down(self->dom))
    v8ish_wrapper_forget_embedder(
        self->script, v8ish_traced_object(bridge_ref_slot(slot_value)),
        object);
  bridge_script_ref_free(self, slot_value);
}

/* The wrapper (its address) that dom_object is paired with, or NULL: a
 * wrappable live object of the bridge's DOM heap whose slot holds a script
 * reference. No misuse reported. */
static void *paired_wrapper(bridge *self, void *dom_object) {
  if (!bridge_dom_lives(self) || !blinkish_is_allocated(self->dom, dom_object) ||
      !blinkish_header_is_wrappable(blinkish_header_of(dom_object)))
    return NULL;
  const bridge_script_ref *ref = *((void **)dom_object - 1);
  return ref ? v8ish_traced_object(bridge_ref_slot(ref)) : NULL;
}

/* The script heap asks before a wrapper's embedder changes
 * (.api.one-wrapper): a pair lasts while both live, so that
 * bridge_wrapper_of and bridge_unwrap always agree. */
static ccgc_status embedder_change(v8ish_bridge_link *link,
                                   const void *wrapper, void *current,
                                   void *next, const char *call) {
  bridge *self = (bridge *)((char *)link - offsetof(bridge, link));
  if (current && paired_wrapper(self, current) == wrapper)
    return CCGC_MISUSE(errors_of(self), CCGC_E_WRAPPER_CONFLICT,
                       ".api.one-wrapper",
                       "%s: the wrapper is paired with %s %p by the bridge "
                       "for as long as both live",
                       call, blinkish_type_name(self->dom, current), current);
  void *other = next ? paired_wrapper(self, next) : NULL;
  if (other && other != wrapper)
    return CCGC_MISUSE(errors_of(self), CCGC_E_WRAPPER_CONFLICT,
                       ".api.one-wrapper",
                       "%s: %s %p already has another wrapper", call,
                       blinkish_type_name(self->dom, next), next);
  return CCGC_OK;
}

bridge *bridge_new(ccgc_collector *collector, v8ish_heap *script,
                   blinkish_heap *dom, bridge_mode mode) {
  if (!ccgc_collector_is_live(collector) ||
      ccgc_gate_check(collector, ccgc_collector_gate(collector),
                      CCGC_CALL_CONFIGURE, "bridge_new") != CCGC_OK)
    return NULL;
  if (mode != BRIDGE_MODE_UNIFIED && mode != BRIDGE_MODE_BASELINE) {
    CCGC_MISUSE(ccgc_collector_error_sink(collector), CCGC_E_INVALID_ARGUMENT,
                ".api.argument", "bridge_new: unknown mode %d", (int)mode);
    return NULL;
  }
  if (!script || !dom ||
      v8ish_heap_collector(script) != collector ||
      blinkish_heap_collector(dom) != collector) {
    if (collector)
      ccgc_error_set(ccgc_collector_error_sink(collector),
                     CCGC_E_INVALID_ARGUMENT,
                     "bridge_new: both heaps must belong to this collector");
    return NULL;
  }
  /* .api.one-bridge, refused before anything is allocated: a handler that
   * does not return (longjmp) leaks nothing. */
  if (blinkish_heap_has_wrappable_hooks(dom)) {
    CCGC_MISUSE(ccgc_collector_error_sink(collector), CCGC_E_INVALID_ARGUMENT,
                ".api.one-bridge",
                "bridge_new: the DOM heap has a bridge already (a DOM heap "
                "takes one bridge for its life)");
    return NULL;
  }
  bridge *result = calloc(1, sizeof *result);
  if (!result) return NULL;
  result->sig = BRIDGE_SIG;
  result->collector = collector;
  result->script = script;
  result->dom = dom;
  result->mode = mode;
  /* .api.one-bridge: refused when the DOM heap has a bridge already. */
  if (blinkish_heap_set_wrappable_hooks(dom, trace_wrapper_slot,
                                        release_wrapper_slot,
                                        result) != CCGC_OK) {
    free(result);
    return NULL;
  }
  /* The slots hold script references: the mark loop follows them itself
   * (trace_wrapper_slot's edge, without the call). */
  ccgc_layout_handles handles;
  v8ish_traced_describe(&handles);
  blinkish_heap_set_slot_handles(dom, &handles, trace_declared_ref);
  result->link.embedder_change = embedder_change;
  v8ish_heap_join_bridge(script, &result->link); /* .api.bridge-order */
  return result;
}

/* Whether the bridge's DOM heap is still attached to the collector: its
 * objects hold the bridge's script references and its hooks name the
 * bridge. */
bool bridge_dom_lives(const bridge *self) {
  for (int id = 0; id < ccgc_collector_heap_count(self->collector); id++) {
    const ccgc_heap_ops *ops;
    if (ccgc_collector_heap(self->collector, id, &ops) == (void *)self->dom)
      return true;
  }
  return false;
}

void bridge_free(bridge *self) {
  if (bridge_check(self, CCGC_CALL_CONFIGURE, "bridge_free") != CCGC_OK)
    return;
  if (bridge_dom_lives(self)) {
    CCGC_MISUSE(errors_of(self), CCGC_E_INVALID_ARGUMENT, ".api.bridge-order",
                "bridge_free: its DOM heap still lives; free the DOM heap, "
                "then the bridge, then the script heap");
    return;
  }
  v8ish_heap_leave_bridge(self->script, &self->link);
  ccgc_sig_wipe(&self->sig);
  free(self);
}

ccgc_status bridge_check_dom(bridge *self, const char *call) {
  if (bridge_dom_lives(self)) return CCGC_OK;
  return CCGC_MISUSE(errors_of(self), CCGC_E_INVALID_ARGUMENT,
                     ".api.bridge-order",
                     "%s: the bridge's DOM heap was freed (only bridge_free "
                     "is left to call)",
                     call);
}

bridge_mode bridge_get_mode(const bridge *self) {
  if (bridge_check(self, CCGC_CALL_READ, "bridge_get_mode") != CCGC_OK)
    return BRIDGE_MODE_UNIFIED;
  return self->mode;
}

const char *bridge_mode_name(bridge_mode mode) {
  return mode == BRIDGE_MODE_BASELINE ? "baseline" : "unified";
}

/* The wrappable slot of a live DOM object, or NULL with *status the error
 * recorded (the caller's name in the message): CCGC_E_DEAD_OBJECT or
 * CCGC_E_FOREIGN_POINTER as the DOM heap's calls report a pointer that is
 * not one of its objects, CCGC_E_WRONG_TYPE for a type that is not
 * wrappable. */
static void **checked_slot(bridge *self, void *dom_object, const char *call,
                           ccgc_status *status) {
  /* .api.bridge-order frees the DOM heap before the bridge: in between,
   * nothing of the freed heap is read (not even its signature). */
  if (!bridge_dom_lives(self)) {
    *status = CCGC_MISUSE(errors_of(self), CCGC_E_FOREIGN_POINTER, ".api.valid-object",
                          "%s: %p is no object: the bridge's DOM heap was freed", call,
                          dom_object);
    return NULL;
  }
  *status = blinkish_check_allocated(self->dom, dom_object, call, "DOM object");
  if (*status != CCGC_OK) return NULL;
  void **slot = blinkish_wrappable_slot(self->dom, dom_object);
  if (!slot) *status = CCGC_E_WRONG_TYPE; /* recorded there */
  return slot;
}

v8ish_local bridge_wrapper_of(bridge *self, void *dom_object) {
  if (bridge_check(self, CCGC_CALL_READ, "bridge_wrapper_of") != CCGC_OK)
    return v8ish_local_empty();
  ccgc_status status;
  void **slot = checked_slot(self, dom_object, "bridge_wrapper_of", &status);
  if (!slot || !*slot) return v8ish_local_empty();
  return bridge_ref_load(self, *slot, "bridge_wrapper_of", "wrapper reference");
}

/* Whether the wrappable slot pairs its object with a wrapper: it holds a
 * script reference that a minor collection has not emptied. An emptied one
 * is a wrapper the script heap dropped (v8ish.h "Droppable wrappers"): the
 * object has no wrapper, and the next one takes that reference. */
static bool slot_paired(void *const *slot) {
  const bridge_script_ref *ref = *slot;
  return ref && v8ish_traced_object(bridge_ref_slot(ref)) != NULL;
}

/* The status a refusal just recorded (the script heap records every
 * refusal of the calls pair makes), or fallback. */
static ccgc_status recorded_refusal(bridge *self, ccgc_status fallback) {
  const ccgc_error *error = ccgc_collector_last_error(self->collector);
  return error && error->code != CCGC_OK ? error->code : fallback;
}

/* Pairs dom_object (its wrappable slot: slot) with wrapper, whose embedder
 * was `previous` (NULL, or dom_object set by the host itself): a refusal
 * puts that back, so a refused call changes nothing. */
static ccgc_status pair(bridge *self, void *dom_object, void **slot,
                        v8ish_local wrapper, void *previous, const char *call) {
  ccgc_status status =
      v8ish_wrapper_set_embedder(self->script, wrapper, dom_object);
  if (status != CCGC_OK) return status;
  if (*slot) { /* a dropped wrapper's emptied reference: re-pointed */
    v8ish_traced_store(self->script, bridge_ref_slot(*slot), wrapper, call,
                       "wrapper reference");
    if (slot_paired(slot)) return CCGC_OK;
    /* Refused (recorded: a wrapper a collection found dead, stored from
     * its reclamation): no pair, so the wrapper wraps nothing either. */
    v8ish_wrapper_set_embedder(self->script, wrapper, previous);
    return recorded_refusal(self, CCGC_E_DEAD_OBJECT);
  }
  /* Refused as the store above (every refusal of a new reference is
   * recorded: a dead wrapper stored from reclamation, out of memory). */
  bridge_script_ref *ref = bridge_ref_make(self, wrapper, call);
  if (!ref) {
    v8ish_wrapper_set_embedder(self->script, wrapper, previous);
    return recorded_refusal(self, CCGC_E_OUT_OF_MEMORY);
  }
  /* Release: a marker thread tracing the DOM object sees the initialized
   * reference. The ref's own store ran the barrier on the wrapper. */
  __atomic_store_n(slot, ref, __ATOMIC_RELEASE);
  return CCGC_OK;
}

v8ish_local bridge_wrap(bridge *self, void *dom_object) {
  if (bridge_check(self, CCGC_CALL_READ, "bridge_wrap") != CCGC_OK)
    return v8ish_local_empty();
  ccgc_status status;
  void **slot = checked_slot(self, dom_object, "bridge_wrap", &status);
  if (!slot) return v8ish_local_empty();
  /* .inv.wrapper-unique; a dropped wrapper is recreated on demand. */
  if (slot_paired(slot))
    return bridge_ref_load(self, *slot, "bridge_wrap", "wrapper reference");
  v8ish_local wrapper = v8ish_wrapper_new(
      self->script, blinkish_type_name(self->dom, dom_object));
  if (v8ish_local_is_empty(wrapper)) return wrapper; /* heap limit recorded */
  if (pair(self, dom_object, slot, wrapper, NULL, "bridge_wrap") != CCGC_OK)
    return v8ish_local_empty();
  return wrapper;
}

ccgc_status bridge_attach_wrapper(bridge *self, void *dom_object,
                                  v8ish_local wrapper) {
  ccgc_status entered =
      bridge_check(self, CCGC_CALL_STORE, "bridge_attach_wrapper");
  if (entered != CCGC_OK) return entered;
  ccgc_status status;
  void **slot = checked_slot(self, dom_object, "bridge_attach_wrapper", &status);
  if (!slot) return status; /* as recorded */
  if (v8ish_type_of(self->script, wrapper) != V8ISH_TYPE_WRAPPER)
    return CCGC_MISUSE(errors_of(self), CCGC_E_WRONG_TYPE, ".api.wrong-type",
                       "bridge_attach_wrapper: the script value is a %s, "
                       "not a wrapper object",
                       v8ish_type_name(self->script, wrapper));
  void *current = v8ish_wrapper_embedder(self->script, wrapper);
  if (slot_paired(slot)) {
    /* .inv.wrapper-unique: asking again with the same pair is fine. */
    if (current == dom_object &&
        v8ish_same(self->script,
                   bridge_ref_load(self, *slot, "bridge_attach_wrapper",
                                   "wrapper reference"),
                   wrapper))
      return CCGC_OK;
    return CCGC_MISUSE(errors_of(self), CCGC_E_WRAPPER_CONFLICT,
                       ".api.one-wrapper",
                       "bridge_attach_wrapper: %s %p already has "
                       "another wrapper",
                       blinkish_type_name(self->dom, dom_object), dom_object);
  }
  if (current && current != dom_object)
    return CCGC_MISUSE(errors_of(self), CCGC_E_WRAPPER_CONFLICT,
                       ".api.one-wrapper",
                       "bridge_attach_wrapper: the wrapper already wraps "
                       "another DOM object (%p)",
                       current);
  return pair(self, dom_object, slot, wrapper, current, "bridge_attach_wrapper");
}

void *bridge_unwrap(bridge *self, v8ish_local wrapper) {
  if (bridge_check(self, CCGC_CALL_READ, "bridge_unwrap") != CCGC_OK)
    return NULL;
  if (v8ish_type_of(self->script, wrapper) != V8ISH_TYPE_WRAPPER) return NULL;
  return v8ish_wrapper_embedder(self->script, wrapper);
}

bridge_script_ref *bridge_script_ref_new(bridge *self, v8ish_local value) {
  if (bridge_check(self, CCGC_CALL_STORE, "bridge_script_ref_new") != CCGC_OK)
    return NULL;
  return bridge_ref_make(self, value, "bridge_script_ref_new");
}

void bridge_script_ref_set(bridge *self, bridge_script_ref *ref,
                           v8ish_local value) {
  if (bridge_check(self, CCGC_CALL_STORE, "bridge_script_ref_set") != CCGC_OK)
    return;
  v8ish_traced_store(self->script, bridge_ref_slot(ref), value,
                     "bridge_script_ref_set", "script reference");
}

v8ish_local bridge_script_ref_get(bridge *self, const bridge_script_ref *ref) {
  if (bridge_check(self, CCGC_CALL_READ, "bridge_script_ref_get") != CCGC_OK)
    return v8ish_local_empty();
  /* No reference (a member never set): empty, as v8ish_traced_get(NULL). */
  return bridge_ref_load(self, ref, "bridge_script_ref_get", "script reference");
}

void bridge_script_ref_free(bridge *self, bridge_script_ref *ref) {
  if (!ref ||
      bridge_check(self, CCGC_CALL_STORE, "bridge_script_ref_free") != CCGC_OK)
    return;
  v8ish_traced_release(self->script, bridge_ref_slot(ref),
                       "bridge_script_ref_free", "script reference");
}

ccgc_status bridge_type_declare_script_refs(bridge *self,
                                            blinkish_type_id type,
                                            const blinkish_member_info *refs,
                                            size_t count) {
  ccgc_status status = bridge_check(self, CCGC_CALL_CONFIGURE,
                                    "bridge_type_declare_script_refs");
  if (status == CCGC_OK)
    status = bridge_check_dom(self, "bridge_type_declare_script_refs");
  if (status != CCGC_OK) return status;
  return blinkish_type_declare_handles(self->dom, type, refs, count,
                                       "bridge_type_declare_script_refs");
}

void bridge_trace_script_ref(ccgc_visitor *visitor,
                             const bridge_script_ref *ref, const char *name) {
  /* Baseline: the slot is a root of the script heap; reporting it here too
   * would change nothing, and the point of the mode is that the DOM side
   * cannot release it (v8ish_traced_edge_target is NULL for a root). */
  if (!ref) return;
  ccgc_visit_strong(visitor,
                    v8ish_traced_edge_target(bridge_ref_slot(ref),
                                             "bridge_trace_script_ref"),
                    ccgc_edge_named(CCGC_EDGE_TRACED, name));
}
