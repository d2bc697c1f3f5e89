/* v8ish-bridge.h - what the script heap offers the bridge (bridge/) and no
 * one else: script references as slots of the heap's traced table, the
 * bridge's join (the heap is not freed while a bridge is joined:
 * .api.bridge-order) and the bridge's say on wrappers' embedders
 * (.api.one-wrapper). Internal to the library. */
#ifndef V8ISH_BRIDGE_H
#define V8ISH_BRIDGE_H

#include "ccgc-layout.h"
#include "v8ish.h"

/* --- script references: slots of the traced table -------------------------
 * call names the public call in messages, what the kind of handle ("script
 * reference"; NULL: "traced reference"). root: a strong root, traced with
 * the heap's roots, instead of an edge its holder reports. */
v8ish_traced *v8ish_traced_make(v8ish_heap *heap, v8ish_local value,
                                bool root, const char *call);
void v8ish_traced_store(v8ish_heap *heap, v8ish_traced *traced,
                        v8ish_local value, const char *call, const char *what);
v8ish_local v8ish_traced_load(v8ish_heap *heap, const v8ish_traced *traced,
                              const char *call, const char *what);
void v8ish_traced_release(v8ish_heap *heap, v8ish_traced *traced,
                          const char *call, const char *what);
/* CCGC_OK if traced is a live slot of this heap's traced table, else the
 * misuse reported (CCGC_E_DEAD_HANDLE, .api.live-handle). Safe on any
 * pointer value. Mutator, inside a call that checked its entry. */
ccgc_status v8ish_traced_check(v8ish_heap *heap, const v8ish_traced *traced,
                               const char *call, const char *what);
/* The object an edge slot holds, NULL for a root slot, an integer or a
 * freed slot (reported on the mutator). Any thread, no lookup: for trace
 * callbacks. */
void *v8ish_traced_edge_target(const v8ish_traced *traced, const char *call);
/* The object a live slot holds, edge or root; NULL for an integer, an empty
 * or a freed slot (not reported). Mutator. */
void *v8ish_traced_object(const v8ish_traced *traced);
/* How a traced handle's payload holds its value, for the mark loop's
 * layout descriptors (marking/ccgc-layout.h). */
void v8ish_traced_describe(ccgc_layout_handles *out);

/* --- the bridge's join ------------------------------------------------------
 * A bridge embeds a link and joins the heap with it for its life. */
typedef struct v8ish_bridge_link {
  struct v8ish_bridge_link *next; /* the heap's list */
  /* Asked before a wrapper's embedder changes from current to next (either
   * may be NULL; never equal): CCGC_OK, or the code of the misuse it
   * reported (naming call). wrapper is the wrapper's address. */
  ccgc_status (*embedder_change)(struct v8ish_bridge_link *link,
                                 const void *wrapper, void *current,
                                 void *next, const char *call);
} v8ish_bridge_link;

/* The DOM heap that holds object is being freed: if wrapper (any address:
 * a traced reference of a DOM object that died unswept may name a script
 * object collected since) is a live wrapper of heap whose embedder is
 * object, its embedder becomes NULL, as if unwrapped (no embedder_change
 * asked). Mutator, the DOM heap's teardown. */
void v8ish_wrapper_forget_embedder(v8ish_heap *heap, void *wrapper,
                                   const void *object);

void v8ish_heap_join_bridge(v8ish_heap *heap, v8ish_bridge_link *link);
void v8ish_heap_leave_bridge(v8ish_heap *heap, v8ish_bridge_link *link);

#endif /* V8ISH_BRIDGE_H */
