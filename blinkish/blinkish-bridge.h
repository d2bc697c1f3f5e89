/* blinkish-bridge.h - what the DOM heap offers the bridge (bridge/) and no
 * one else. Internal to the library. */
#ifndef BLINKISH_BRIDGE_H
#define BLINKISH_BRIDGE_H

#include "blinkish.h"
#include "ccgc-layout.h"

/* After blinkish_heap_set_wrappable_hooks: the wrappable slots hold traced
 * handles of this kind (the bridge's script references), which the mark
 * loop follows itself for objects with a layout descriptor instead of
 * calling the trace hook (docs/collection.md, "Layout descriptors"). Owner
 * thread, outside a marker call. */
void blinkish_heap_set_slot_handles(blinkish_heap *heap,
                                    const ccgc_layout_handles *handles);

#endif /* BLINKISH_BRIDGE_H */
