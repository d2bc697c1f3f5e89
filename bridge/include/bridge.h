/* bridge.h - wrapper pairs and references from the DOM heap into the script
 * heap. The only module that knows both heaps.
 *
 * A wrappable DOM object gets its script wrapper lazily, at most one
 * (bridge_wrap). The wrapper points to the DOM object through its embedder
 * field; the DOM object points to the wrapper through a script reference kept
 * in its wrappable slot.
 *
 * A *script reference* (bridge_script_ref) is how any DOM object refers to a
 * script object (a listener to its closure, an element to its wrapper):
 *  - BRIDGE_MODE_UNIFIED: a traced reference, an ordinary marking edge that
 *    the holder's trace function reports (bridge_trace_script_ref), so cycles
 *    through both heaps are collected;
 *  - BRIDGE_MODE_BASELINE: a strong global handle, a root, as in the
 *    reference-counting era: every such cycle leaks. It exists to show, in
 *    tests and the demo, what cross-component tracing buys.
 *
 * Legal call order:
 *   bridge *b = bridge_new(collector, script, dom, BRIDGE_MODE_UNIFIED);
 *   v8ish_local w = bridge_wrap(b, element);          any time after
 *   bridge_script_ref *r = bridge_script_ref_new(b, closure);
 *     (store r in a DOM object; its trace reports it; its finalizer frees it)
 *   blinkish_heap_free(dom);    releases the DOM objects' script references
 *   bridge_free(b);             after the DOM heap, before the script heap
 *   v8ish_heap_free(script);
 * The order is checked (.api.bridge-order): bridge_free while the DOM heap
 * lives, or v8ish_heap_free while the bridge lives, is refused as misuse and
 * frees nothing.
 *
 * A script reference is a slot of the script heap's traced table: freed
 * twice or used after free it is reported (CCGC_E_DEAD_HANDLE,
 * .api.live-handle), never followed. A pair made by bridge_wrap or
 * bridge_attach_wrapper lasts while both sides live: the wrapper cannot be
 * re-pointed or cleared with v8ish_wrapper_set_embedder, so
 * bridge_wrapper_of and bridge_unwrap always agree on it (.api.one-wrapper).
 * A wrapper whose embedder the host set itself (v8ish_wrapper_set_embedder)
 * is no pair: bridge_unwrap reads its embedder, but bridge_wrapper_of and
 * bridge_wrap know only pairs, and bridge_wrap gives the object a wrapper
 * of its own - pair the host's wrapper with bridge_attach_wrapper first.
 *
 * Threading contract (ccgc.h, docs/errors.md): the bridge's calls run on the
 * collector's owner thread, under the rules of both heaps: from a trace
 * callback (any thread) only bridge_trace_script_ref; from a DOM
 * pre-finalizer, bridge_wrapper_of and bridge_script_ref_get, and from a
 * finalizer bridge_script_ref_get, read a wrapper or closure the collection
 * found dead only into a handle scope the callback opened itself, and
 * storing it anywhere that survives is refused (.inv.no-resurrection); in a
 * finalizer the object's pair is gone already (its wrapper slot is
 * released before its finalizer runs, blinkish.h), so bridge_wrapper_of
 * answers empty there; bridge_wrap of a new wrapper allocates and
 * is refused there (.api.outside-collection). bridge_new configures: not
 * from any callback. A NULL or freed bridge gives the neutral value,
 * nothing reported; an unknown mode is misuse (.api.argument).
 */
#ifndef BRIDGE_H
#define BRIDGE_H

#include "blinkish.h"
#include "ccgc-export.h"
#include "ccgc.h"
#include "v8ish.h"

typedef enum bridge_mode {
  BRIDGE_MODE_UNIFIED,
  BRIDGE_MODE_BASELINE,
} bridge_mode;

typedef struct bridge bridge;
typedef struct bridge_script_ref bridge_script_ref;

/* NULL when refused: an unknown mode, heaps of another collector, or a DOM
 * heap that has a bridge already (.api.one-bridge: one per DOM heap for its
 * life; a script heap may have one per DOM heap). */
CCGC_API
bridge *bridge_new(ccgc_collector *collector, v8ish_heap *script,
                   blinkish_heap *dom, bridge_mode mode);
CCGC_API
void bridge_free(bridge *bridge);
/* The mode the bridge was created with (BRIDGE_MODE_UNIFIED for a NULL or
 * freed bridge). */
CCGC_API
bridge_mode bridge_get_mode(const bridge *bridge);
/* "baseline" for BRIDGE_MODE_BASELINE, else "unified". Any thread. */
CCGC_API
const char *bridge_mode_name(bridge_mode mode);

/* The wrapper of a wrappable DOM object, created on first use with the DOM
 * type's name as its class name, and created again after a minor collection
 * dropped it (v8ish.h "Droppable wrappers": bridge_wrapper_of is empty until
 * then; bridge_attach_wrapper may pair another one instead). Empty local +
 * error for a foreign pointer or a type that is not wrappable. */
CCGC_API
v8ish_local bridge_wrap(bridge *bridge, void *dom_object);
/* The wrapper if one exists, else an empty local. */
CCGC_API
v8ish_local bridge_wrapper_of(bridge *bridge, void *dom_object);
/* Associates an existing wrapper object (v8ish_wrapper_new) with a DOM object.
 * CCGC_E_WRAPPER_CONFLICT if either side is already paired with another;
 * CCGC_E_DEAD_OBJECT for an address on the DOM heap's pages that is no live
 * object (freed, or an interior pointer), CCGC_E_FOREIGN_POINTER for any
 * other pointer that is not a DOM object, CCGC_E_WRONG_TYPE for one whose
 * type is not wrappable or a wrapper that is not a wrapper (each also
 * recorded; bridge_wrap and bridge_wrapper_of record the same for their
 * dom_object). */
CCGC_API
ccgc_status bridge_attach_wrapper(bridge *bridge, void *dom_object,
                                  v8ish_local wrapper);
/* The DOM object of a wrapper, or NULL. */
CCGC_API
void *bridge_unwrap(bridge *bridge, v8ish_local wrapper);

CCGC_API
bridge_script_ref *bridge_script_ref_new(bridge *bridge, v8ish_local value);
CCGC_API
void bridge_script_ref_set(bridge *bridge, bridge_script_ref *ref,
                           v8ish_local value);
/* The value, or the empty local for a reference emptied by a collection or
 * for NULL (no reference: silent, as v8ish_traced_get(NULL)); a freed or
 * never-made reference is misuse (CCGC_E_DEAD_HANDLE). */
CCGC_API
v8ish_local bridge_script_ref_get(bridge *bridge, const bridge_script_ref *ref);
/* NULL: nothing (as free(NULL)). */
CCGC_API
void bridge_script_ref_free(bridge *bridge, bridge_script_ref *ref);
/* For a DOM trace callback: reports the reference as a CCGC_EDGE_TRACED edge
 * (unified mode); does nothing in baseline mode, where it is a root. */
CCGC_API
void bridge_trace_script_ref(ccgc_visitor *visitor,
                             const bridge_script_ref *ref, const char *name);
/* Declares the fields of a DOM type that hold a bridge_script_ref * or NULL
 * (docs/embedding.md "Declaring a DOM type's members", docs/dom-heap.md
 * "Declared members"), as blinkish_type_declare_members declares Member
 * fields: the mark loop then
 * follows them itself, with no call per object, and every other visitor
 * (tools, the verifier, marker threads) sees each as the CCGC_EDGE_TRACED
 * edge that bridge_trace_script_ref would report, named as declared (NULL:
 * "script"). The type's trace callback must not report them again (it may,
 * at a cost: nothing breaks); its finalizer still frees them. A field that
 * holds a freed reference is reported as bridge_trace_script_ref reports it
 * (CCGC_E_DEAD_HANDLE; unreported when a marker thread or a pause helper
 * finds it, docs/errors.md). Once per type, before its first object, beside
 * or instead of a members declaration; a configuration call (owner thread,
 * outside a collection). CCGC_E_INVALID_ARGUMENT (nothing declared): a NULL
 * or freed bridge, an unknown type or one of the DOM heap's own, a second
 * declaration or one after an allocation, count 0 or above
 * BLINKISH_MEMBER_MAX, refs NULL, an offset not a multiple of 8 or not below
 * BLINKISH_MEMBER_MAX * 8, an offset named twice or declared as a member.
 * CCGC_E_OUT_OF_MEMORY if the names cannot be copied. Afterwards an object
 * of the type smaller than its last declared field's end is refused at
 * allocation. */
CCGC_API
ccgc_status bridge_type_declare_script_refs(bridge *bridge,
                                            blinkish_type_id type,
                                            const blinkish_member_info *refs,
                                            size_t count);

/* --- DOM weak maps with script values ------------------------------------------
 * A DOM HeapEphemeronMap (blinkish.h) whose keys are DOM objects and whose
 * values are script values: the value lives while its key does (unified
 * mode), a pair across the two heaps. blinkish_weak_map_has/_delete/_size
 * work on it as on any DOM weak map. */
CCGC_API
void *bridge_weak_map_new(bridge *bridge);
CCGC_API
ccgc_status bridge_weak_map_set(bridge *bridge, void *map, void *key,
                                v8ish_local value);
/* The value of key, or an empty local. */
CCGC_API
v8ish_local bridge_weak_map_get(bridge *bridge, const void *map,
                                const void *key);

#endif /* BRIDGE_H */
