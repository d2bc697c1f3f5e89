/* bridge-internal.h - the bridge's state, shared by its files. */
#ifndef BRIDGE_INTERNAL_H
#define BRIDGE_INTERNAL_H

#include "bridge.h"
#include "v8ish-bridge.h"
#include "gate.h"

struct bridge {
  uint32_t sig;
  ccgc_collector *collector;
  v8ish_heap *script;
  blinkish_heap *dom;
  bridge_mode mode;
  v8ish_bridge_link link; /* joined to the script heap while the bridge lives */
};

/* A script reference is a slot of the script heap's traced table
 * (v8ish-bridge.h): unified, an edge its holder's trace reports; baseline, a
 * strong root, as a global handle is. The slot outlives every misuse of the
 * reference: freed twice or used after free it is reported
 * (.api.live-handle), never followed. */
static inline v8ish_traced *bridge_ref_slot(const bridge_script_ref *ref) {
  return (v8ish_traced *)ref;
}

/* A reference's value and a new reference, for the bridge's calls: their
 * reports name `call`, the public call the host made (bridge_wrap,
 * bridge_wrapper_of, bridge_weak_map_get...), and `what` the reference. */
static inline v8ish_local bridge_ref_load(const bridge *self,
                                          const bridge_script_ref *ref,
                                          const char *call, const char *what) {
  if (!ref) return v8ish_local_empty(); /* a member never set */
  return v8ish_traced_load(self->script, bridge_ref_slot(ref), call, what);
}
static inline bridge_script_ref *bridge_ref_make(const bridge *self,
                                                 v8ish_local value,
                                                 const char *call) {
  return (bridge_script_ref *)v8ish_traced_make(
      self->script, value, self->mode == BRIDGE_MODE_BASELINE, call);
}

/* The entry check of the bridge's public calls: CCGC_OK for a live bridge
 * used on its collector's thread, in a context that allows a call of this
 * kind (gate.h); else CCGC_E_INVALID_ARGUMENT for NULL or a freed bridge
 * (nothing to report to) or the code of the misuse reported. */
/* Whether the bridge's DOM heap is still attached (.api.bridge-order frees
 * it before the bridge: in between nothing of it is read, not even its
 * signature), and the misuse, naming call, if it is not. */
bool bridge_dom_lives(const bridge *self);
ccgc_status bridge_check_dom(bridge *self, const char *call);
ccgc_status bridge_check(const bridge *self, ccgc_call_kind kind,
                         const char *call);

#endif /* BRIDGE_INTERNAL_H */
