/* bridge-internal.h - the bridge's state, shared by its files. */
#ifndef BRIDGE_INTERNAL_H
#define BRIDGE_INTERNAL_H

#include "bridge.h"
#include "gate.h"

struct bridge {
  uint32_t sig;
  ccgc_collector *collector;
  v8ish_heap *script;
  blinkish_heap *dom;
  bridge_mode mode;
};

struct bridge_script_ref {
  bridge_mode mode;
  v8ish_heap *script;
  v8ish_traced *traced; /* unified: an edge, not a root */
  v8ish_global global;  /* baseline: a strong root     */
};

/* The entry check of the bridge's public calls: CCGC_OK for a live bridge
 * used on its collector's thread, in a context that allows a call of this
 * kind (gate.h); else CCGC_E_INVALID_ARGUMENT for NULL or a freed bridge
 * (nothing to report to) or the code of the misuse reported. */
ccgc_status bridge_check(const bridge *self, ccgc_call_kind kind,
                         const char *call);

#endif /* BRIDGE_INTERNAL_H */
