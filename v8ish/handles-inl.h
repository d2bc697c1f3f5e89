/* handles-inl.h - the locals' fast paths, inline: a new local is a bump in
 * the handle area, a read is two compares (docs/script-heap.md, "Handles";
 * the rest - scopes, growth, globals, traced references - is handles.c).
 *
 * Legal use, inside a public call of the script heap:
 *
 *   if (!v8ish_enter(heap, kind, call)) return ...;   the entry check, once
 *   v8ish_value v;
 *   if (!v8ish_local_read(heap, local, call, &v)) return ...;  dead: reported
 *   ...
 *   return v8ish_local_push(heap, result, call);
 *
 * Neither checks the entry again: the caller did (signature, thread,
 * context). A call that did not uses v8ish_handle_read / v8ish_handle_new
 * (heap-internal.h), which do.
 *
 * .inv.handle-valid: a local {index, serial} is valid while index < top and
 * the slot's serial is its own. Slot 0 holds 0 once the area exists, with a
 * serial no local has (V8ISH_FAST_SLOT0_SERIAL): the empty local {0, 0}
 * fails the two compares and takes the slow read, which answers it (0).
 */
#ifndef V8ISH_HANDLES_INL_H
#define V8ISH_HANDLES_INL_H

#include "heap-internal.h"

/* The slow paths (handles.c). */
bool v8ish_local_read_slow(v8ish_heap *heap, v8ish_local local,
                           const char *call, v8ish_value *out);
v8ish_local v8ish_local_push_slow(v8ish_heap *heap, v8ish_value value,
                                  const char *call);

/* True and the value if local is live (or empty); false, nothing reported,
 * otherwise. For fast paths whose slow path reads again and reports. */
static inline bool v8ish_local_peek(const v8ish_heap *heap, v8ish_local local,
                                    v8ish_value *out) {
  if (__builtin_expect(local.index < heap->fast.top &&
                           heap->fast.serials[local.index] ==
                               local.scope_serial,
                       1)) {
    *out = heap->fast.values[local.index];
    return true;
  }
  return false;
}

/* True and the local's value (0 for the empty local), or false and 0 after
 * reporting a dead handle (CCGC_E_DEAD_HANDLE, .api.live-handle). Calls that
 * store a value read it first, so a dead handle changes nothing. */
static inline bool v8ish_local_read(v8ish_heap *heap, v8ish_local local,
                                    const char *call, v8ish_value *out) {
  if (__builtin_expect(v8ish_local_peek(heap, local, out), 1)) return true;
  return v8ish_local_read_slow(heap, local, call, out);
}

/* A new local of the innermost scope holding value, or the empty local
 * after reporting: no scope open (CCGC_E_DEAD_HANDLE), a handle to an
 * object found dead in a scope opened before the collection
 * (.inv.no-resurrection, CCGC_E_DEAD_OBJECT), no memory for the area
 * (recorded). The fast path: room below the limit (which is 0 while no
 * scope is open) and the mutator outside every collector callback (the
 * gate is open, so nothing can be resurrected). */
static inline v8ish_local v8ish_local_push(v8ish_heap *heap, v8ish_value value,
                                           const char *call) {
  if (__builtin_expect(ccgc_gate_open(heap->base.gate), 1)) {
    v8ish_local local = v8ish_fast_push(&heap->fast, value); /* v8ish-fast.h */
    if (__builtin_expect(local.index != 0, 1)) return local;
  }
  return v8ish_local_push_slow(heap, value, call);
}

#endif /* V8ISH_HANDLES_INL_H */
