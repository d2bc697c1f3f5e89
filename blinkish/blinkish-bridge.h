/* blinkish-bridge.h - what the DOM heap offers the bridge (bridge/) and no
 * one else. Internal to the library. */
#ifndef BLINKISH_BRIDGE_H
#define BLINKISH_BRIDGE_H

#include "blinkish.h"
#include "ccgc-layout.h"

/* blinkish_is_object without its answer for objects a collection found dead
 * (allocated and not yet freed by a sweep): what the library's own checks,
 * the collector's is_object op and the bridge's pairing ask. */
bool blinkish_is_allocated(blinkish_heap *heap, const void *p);
/* The same question for a call of the bridge (on the owner thread, entry
 * checks done, the heap known to live: the bridge asks the collector, as
 * it outlives the heap, .api.bridge-order), reported as the DOM heap's own
 * calls report it (misuse, ".api.valid-object", naming call and what):
 * CCGC_OK, CCGC_E_DEAD_OBJECT for an address on one of this heap's pages
 * that is no allocated object (freed, or an interior pointer),
 * CCGC_E_FOREIGN_POINTER for any other. */
ccgc_status blinkish_check_allocated(blinkish_heap *heap, const void *object,
                                     const char *call, const char *what);

/* Whether the heap's wrappable hooks are set (a bridge took it,
 * .api.one-bridge): bridge_new asks before it allocates anything. */
bool blinkish_heap_has_wrappable_hooks(const blinkish_heap *heap);
/* Whether the heap is being freed (blinkish_heap_free: its finalizers and
 * releases run, every object dying while other heaps live on). */
bool blinkish_heap_tearing_down(const blinkish_heap *heap);

/* Reports a non-NULL handle word a type declared
 * (blinkish_type_declare_handles) to every visitor but the mark loop's
 * descriptor path, named; a handle that is not live is misuse. */
typedef void (*blinkish_handle_trace_fn)(ccgc_visitor *visitor,
                                         const void *handle, const char *name);

/* After blinkish_heap_set_wrappable_hooks: the wrappable slots hold traced
 * handles of this kind (the bridge's script references), which the mark
 * loop follows itself for objects with a layout descriptor instead of
 * calling the trace hook (docs/collection.md, "Layout descriptors"); trace
 * reports declared handle words to the other visitors. Owner thread,
 * outside a marker call. */
void blinkish_heap_set_slot_handles(blinkish_heap *heap,
                                    const ccgc_layout_handles *handles,
                                    blinkish_handle_trace_fn trace);

/* Declares words of a type's payload that hold a handle of the slots'
 * kind or NULL (bridge_type_declare_script_refs, which passes its name as
 * call): the mark loop follows them itself (ccgc_layout.handles), every
 * other visitor gets them from the trace hook above. Refused as
 * blinkish_type_declare_members refuses, and when no slot handles were
 * set; a word may not be declared twice, as a member or a handle. */
ccgc_status blinkish_type_declare_handles(blinkish_heap *heap,
                                          blinkish_type_id type,
                                          const blinkish_member_info *handles,
                                          size_t count, const char *call);

#endif /* BLINKISH_BRIDGE_H */
