/* bridge-world.h - the fixture of the bridge suites that check misuse: one
 * collector (verifier on unless asked otherwise) with a script heap, a DOM heap, a bridge in the
 * given mode, a wrappable "HTMLDivElement" type, errors recorded instead of
 * aborting, and an open handle scope. */
#ifndef CCGC_BRIDGE_WORLD_H
#define CCGC_BRIDGE_WORLD_H

#include "bridge.h"
#include "ccgc-test.h"

typedef struct bridge_world {
  ccgc_collector *collector;
  v8ish_heap *script;
  blinkish_heap *dom;
  bridge *bridge;
  blinkish_type_id type;
  ccgc_test_errors errors;
  v8ish_handle_scope scope;
} bridge_world;

/* verify false: for tests that break the collector on purpose (the
 * verifier would see what they lose) or leave misuse in the heap. */
static inline void bridge_world_init_verified(bridge_world *w, bridge_mode mode,
                                              bool verify) {
  ccgc_collector_options options = {.verify = verify};
  w->collector = ccgc_collector_new(&options);
  w->script = v8ish_heap_new(w->collector, NULL);
  w->dom = blinkish_heap_new(w->collector, NULL);
  w->bridge = bridge_new(w->collector, w->script, w->dom, mode);
  blinkish_type_info info = {"HTMLDivElement", NULL, NULL,
                             BLINKISH_TYPE_WRAPPABLE};
  w->type = blinkish_register_type(w->dom, &info);
  ccgc_test_capture_errors(w->collector, &w->errors);
  v8ish_handle_scope_open(w->script, &w->scope);
}

static inline void bridge_world_init(bridge_world *w, bridge_mode mode) {
  bridge_world_init_verified(w, mode, true);
}

/* In the order the API requires: DOM heap, bridge, script heap. */
static inline void bridge_world_free(bridge_world *w) {
  v8ish_handle_scope_close(&w->scope);
  blinkish_heap_free(w->dom);
  bridge_free(w->bridge);
  v8ish_heap_free(w->script);
  ccgc_collector_free(w->collector);
}

#endif
