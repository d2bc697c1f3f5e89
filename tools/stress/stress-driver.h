/* stress-driver.h - inside the stress driver (stress.h): its state and what
 * its two files share. stress.c runs it (setup, collections, the checks
 * after every cycle); stress-ops.c makes the random operations on both
 * heaps, each mirrored in the shadow model (shadow-model.h). Public API of
 * the collector and the heaps only.
 */
#ifndef CCGC_TOOLS_STRESS_DRIVER_H
#define CCGC_TOOLS_STRESS_DRIVER_H

#include <glib.h>

#include "bridge.h"
#include "ccgc.h"
#include "shadow-model.h"
#include "stress.h"

/* The DOM heap's object type of the run (StressNode). */
struct stress_driver;

typedef struct stress_node {
  void *slots[SHADOW_SLOT_COUNT]; /* members: DOM nodes */
  bridge_script_ref *script;      /* DOM -> script      */
  bridge *bridge;
  struct stress_driver *driver;   /* for its pre-finalizer and finalizer */
  int32_t id;                     /* its model id */
  void *resource; /* member: its StressResource (--resources), or NULL */
} stress_node;

/* --resources: the table of the resources' states (stress-resources.c). */
typedef struct stress_resources stress_resources;

#define STRESS_WATCHERS 4

/* A rooted DOM object with a weak callback (stress-reclaim.c): it watches
 * one node through a raw, non-owning pointer, and misbehaves when the node
 * dies. */
typedef struct stress_watcher {
  stress_node *watched;
  struct stress_driver *driver;
} stress_watcher;

/* The driver's side of model object id: how it reaches the real object. It
 * watches every object through a weak handle (script) or a weak persistent
 * (DOM), so it never touches freed memory. */
typedef struct heap_ref {
  v8ish_global weak;          /* script side: weak watch */
  blinkish_persistent *watch; /* DOM side: weak watch    */
  stress_node *node;          /* DOM side: the object    */
  bool has_number, unboxed, shrunk; /* the shape changes made to it */
  bool prefinalized;                /* DOM: has a pre-finalizer */
} heap_ref;

typedef struct stress_driver {
  const stress_options *options;
  stress_result *result;
  GRand *rand;
  uint64_t op;
  ccgc_collector *collector;
  v8ish_heap *script;
  blinkish_heap *dom;
  bridge *bridge;
  blinkish_type_id node_type;
  shadow_model model;  /* what must be alive                          */
  GArray *refs;        /* heap_ref, indexed by the model's ids        */
  GArray *candidates;  /* int32_t ids the driver may use as holders/values */
  GArray *tracked;     /* int32_t ids not yet confirmed reclaimed     */
  v8ish_global script_root_handles[SHADOW_ROOT_COUNT];
  blinkish_persistent *dom_root_handles[SHADOW_ROOT_COUNT];
  bool failed;
  bool crowded; /* the model reaches more than the live set's soft limit */
  unsigned long checked_cycles;
  unsigned long checked_minors;
  /* The heap verifier of the last full cycle waits for its sweeping. */
  bool verify_after_sweeping;
  unsigned long full_cycles_started; /* for compact_every */
  /* The driver's own minor collections: their own random stream, so that
   * the main stream's draws do not depend on them. */
  GRand *scavenge_rand;
  /* The ephemeron tables (shadow_table), rooted for the whole run. */
  v8ish_global script_map;
  void *dom_map;
  blinkish_persistent *dom_map_root;
  /* Calls from inside collections (stress-reclaim.c): their own random
   * stream, the watchers, the model's reachability as the collection found
   * it (computed once per collection), and the refusal expected now. */
  GRand *reclaim_rand;
  blinkish_type_id watcher_type;
  stress_watcher *watchers[STRESS_WATCHERS];
  blinkish_persistent *watcher_roots[STRESS_WATCHERS];
  guint8 *reachable;
  bool tearing_down;
  const char *expect_check; /* NULL: no refusal expected */
  ccgc_status expect_code;
  unsigned expect_seen;
  /* --resources (stress-resources.c): NULL without. */
  stress_resources *resources;
  blinkish_type_id resource_type;
} stress_driver;

static inline shadow_object *obj(stress_driver *d, int32_t id) {
  return shadow_model_object(&d->model, id);
}

static inline heap_ref *ref(stress_driver *d, int32_t id) {
  return &g_array_index(d->refs, heap_ref, id);
}

/* Records the first violation (later ones are ignored) and fails the run. */
void stress_violation(stress_driver *d, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* stress-ops.c: a handle to a live script-side object; empty (and a
 * violation) if the collector freed it. */
v8ish_local stress_script_local(stress_driver *d, int32_t id);
/* stress-ops.c: one random operation (allocation, store, ephemeron entry,
 * root, shape change), inside the caller's handle scope. */
void stress_random_op(stress_driver *d);

/* stress-reclaim.c */
/* Setup and teardown of the watchers and the second random stream. */
void stress_reclaim_setup(stress_driver *d);
void stress_reclaim_teardown(stress_driver *d);
/* After every operation: sometimes registers a pre-finalizer or points a
 * watcher at a random node; forgets the reachability of the last
 * collection (the model changed). */
void stress_reclaim_op(stress_driver *d);
/* From the StressNode finalizer: sometimes misbehaves (allocation,
 * collection, a store: all refused). */
void stress_reclaim_finalizer(stress_node *node);
/* stress-reclaim.c: registers the node type (its slots and resource
 * declared as members, its script reference as a declared script
 * reference); 0 if refused. */
blinkish_type_id stress_register_node_type(blinkish_heap *dom, bridge *b);
/* The error handler's question: is this the refusal expected now? */
bool stress_expected_error(stress_driver *d, const ccgc_error *error);

/* stress-resources.c (each does nothing without --resources) */
/* Registers StressResource and sets the testing switch. */
void stress_resources_setup(stress_driver *d);
/* A new node (its id set) gets its resource. */
void stress_resource_attach(stress_driver *d, stress_node *node);
/* The node of id, which the model reaches, holds its unfinalized resource. */
void stress_resource_check(stress_driver *d, int32_t id, const char *when);
/* No resource was finalized twice. */
void stress_resources_check_once(stress_driver *d, const char *when);
/* After the DOM heap's teardown: every resource of the ids below ids was
 * finalized, once; frees the table. */
void stress_resources_teardown(stress_driver *d, int32_t ids);

#endif /* CCGC_TOOLS_STRESS_DRIVER_H */
