/* bridge-internal.h - the bridge's state, shared by its files. */
#ifndef BRIDGE_INTERNAL_H
#define BRIDGE_INTERNAL_H

#include "bridge.h"

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

#endif /* BRIDGE_INTERNAL_H */
