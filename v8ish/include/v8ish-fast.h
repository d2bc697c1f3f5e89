/* v8ish-fast.h - the hottest calls of v8ish.h, inline (included by v8ish.h;
 * docs/script-heap-checks.md).
 *
 * Each call below checks in place what the library checks first - a live
 * script heap, called on its owner thread outside every collector callback
 * (the gate's word against the thread's token, ccgc-thread-token.h), the
 * local's two compares (.inv.handle-valid), the value's tag and type - and
 * does the common case itself: opening or closing a scope is a few stores,
 * an element load a few loads and a bump, as V8's inline handle code is.
 * Everything else - a NULL or freed heap, another thread, a callback's
 * context, a dead or empty local, a value of another kind, an index out of
 * range, a full handle area - calls the library (the *_slow functions
 * declared here), which checks it all again and answers or reports exactly
 * as the call always did. The fast path never reports and never decides a
 * case the library would report.
 *
 * NOT API: the struct, the constants and the *_slow functions are this
 * version's private layout and entry points, which the inline code compiled
 * into a host depends on: a host is built against the headers of the
 * library it runs with, and v8ish_heap_new refuses a host compiled against
 * another layout (V8ISH_FAST_LAYOUT). Hosts call the functions of v8ish.h,
 * which stay what they were.
 */
#ifndef V8ISH_FAST_H
#define V8ISH_FAST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ccgc-export.h"
#include "ccgc-thread-token.h"

/* A linear allocation area: the mutator bumps cursor up to limit
 * (v8ish/space-inl.h); its bytes may be a former use's (a nursery page):
 * each allocation clears what it takes. */
typedef struct v8ish_fast_lab {
  uint8_t *cursor, *limit;
} v8ish_fast_lab;

/* What the inline calls read and write of a script heap, the owner thread
 * only. The handle area (handles.c; .inv.handle-valid): values[0 .. top)
 * with per slot the low 32 bits of the serial of the scope whose local or
 * escape slot it is; slot 0 is the empty local's once the area exists:
 * value 0, serial V8ISH_FAST_SLOT0_SERIAL. */
typedef struct v8ish_fast_state {
  v8ish_value *values;
  uint32_t *serials;
  size_t top, capacity;
  /* capacity while a scope is open, else 0: a new local is one compare
   * (top < limit) and a bump; no scope open takes the slow path. */
  size_t limit;
  /* The innermost open scope's serial (0: none is open); scope serials
   * never repeat; next_serial is the last one handed out. */
  uint64_t scope_serial, next_serial;
  /* The collector's barrier's `marking` word (marking/write-barrier.h):
   * nonzero while a marking cycle runs. */
  const int *marking;
  /* The mutator's allocation area (a nursery page while the young
   * generation is on, else old space), the heap's used bytes and object
   * count (bumped by every allocation), and the FixedArray class. */
  v8ish_fast_lab lab;
  size_t *used_bytes, *object_count;
  v8ish_value fixed_array_class;
  /* The innermost scope was opened by a callback of a collection's
   * reclamation: it closes before the sweep; its handles may name dead
   * objects. */
  bool reclaiming;
  /* The heap's raw-value epoch (raw-values.c): what every v8ish_raw read
   * now carries, advanced before anything moves or is freed (every
   * collection, a left trim); never 0 (the empty raw value's), random at
   * the start so another heap's raw values never match. */
  uint64_t raw_epoch;
} v8ish_fast_state;

/* The version of what follows: v8ish_heap_new passes the header's, and a
 * library with another refuses to make a heap (a host compiled against
 * another version's headers), instead of the inline calls misreading it. */
#define V8ISH_FAST_LAYOUT 5u /* 5: slot 0's serial */
/* Slot 0's serial: not the empty local's (0), and no other local has index
 * 0, so a live local's two compares refuse the empty local too. */
#define V8ISH_FAST_SLOT0_SERIAL 0xffffffffu

/* The heap's signature at offset 0 while it lives, its fast state's
 * address at offset 8, and at offset 16 a copy of the collector's gate's
 * `open` word (marking/gate.h): the owner's thread token while it runs host
 * code outside every callback, else 0 (marking/heap-base.h asserts all
 * three). */
#define V8ISH_FAST_SIG 0x56384953u
#define V8ISH_FAST_AREA_OFFSET 8
#define V8ISH_FAST_GATE_OFFSET 16
/* v8ish_handle_scope.flags */
#define V8ISH_FAST_SCOPE_ESCAPED 1u /* its escape slot holds a value */
#define V8ISH_FAST_SCOPE_PARENT_RECLAIMING 2u /* the enclosing scope's */
/* Object layout (v8ish/object-layout.h asserts these): word 0 of an object
 * is its hidden class, tagged; word 1 of a class is its instances' type as
 * a small integer; word 1 of a FixedArray is its length as a small integer,
 * its elements follow from word 2. Tagged values: bit 0 set, a reference
 * (the address + 1); clear, a small integer (the value << 1). */
#define V8ISH_FAST_CLASS_TYPE 1
#define V8ISH_FAST_LENGTH 1
#define V8ISH_FAST_ELEMENTS 2
/* Pages (marking/ccgc-page.h asserts these): every object's page header is
 * at its address rounded down to the page size (an object starts in its
 * page's first chunk); the header's 16-bit flags word has the young bit for
 * a page of the young generation. */
#define V8ISH_FAST_PAGE_SIZE ((uintptr_t)1 << 18)
#define V8ISH_FAST_PAGE_FLAGS_OFFSET 6
#define V8ISH_FAST_PAGE_YOUNG 2u
/* FixedArrays of up to this many elements are allocated inline. */
#define V8ISH_FAST_ARRAY_MAX 64
#define V8ISH_FAST_SMI_MAX ((intptr_t)(UINTPTR_MAX >> 2))
#define V8ISH_FAST_SMI_MIN (-V8ISH_FAST_SMI_MAX - 1)

/* The fast paths are a few instructions each: inlined even where the
 * compiler's heuristics would not (a recursive caller, -Os). */
#define V8ISH_FAST_INLINE static inline __attribute__((always_inline))

/* The library's full calls, which the inline ones fall back to. */
CCGC_API
v8ish_heap *v8ish_heap_new_layout(ccgc_collector *collector,
                                  const v8ish_heap_options *options,
                                  unsigned layout);
CCGC_API
void v8ish_handle_scope_open_slow(v8ish_heap *heap, v8ish_handle_scope *scope);
CCGC_API
void v8ish_handle_scope_close_slow(v8ish_handle_scope *scope);
CCGC_API
v8ish_local v8ish_handle_scope_escape_slow(v8ish_handle_scope *scope,
                                           v8ish_local value);
CCGC_API
v8ish_local v8ish_integer_slow(v8ish_heap *heap, intptr_t value);
CCGC_API
bool v8ish_is_integer_slow(v8ish_heap *heap, v8ish_local value);
CCGC_API
intptr_t v8ish_integer_value_slow(v8ish_heap *heap, v8ish_local value);
CCGC_API
ccgc_status v8ish_array_set_slow(v8ish_heap *heap, v8ish_local array, size_t i,
                                 v8ish_local value);
CCGC_API
v8ish_local v8ish_fixed_array_new_slow(v8ish_heap *heap, size_t length);
CCGC_API
v8ish_local v8ish_fixed_array_new_with_slow(v8ish_heap *heap, size_t length,
                                            const v8ish_local *elements);
CCGC_API
v8ish_local v8ish_array_get_slow(v8ish_heap *heap, v8ish_local array,
                                 size_t i);
CCGC_API
v8ish_raw v8ish_raw_of_slow(v8ish_heap *heap, v8ish_local local);
/* (A raw value's two words pass separately: as one aggregate GCC keeps the
 * inline caller's copy in memory, two stores and a wide load per call.) */
CCGC_API
v8ish_raw v8ish_raw_array_get_slow(v8ish_heap *heap, v8ish_value array,
                                   uint64_t epoch, size_t i);
CCGC_API
v8ish_local v8ish_raw_to_local_slow(v8ish_heap *heap, v8ish_value value,
                                    uint64_t epoch);
CCGC_API
intptr_t v8ish_raw_integer_value_slow(v8ish_heap *heap, v8ish_value value,
                                      uint64_t epoch);

/* The heap's fast state if heap is a live script heap and the caller its
 * owner thread running host code outside every callback (every call is
 * allowed then), else NULL. */
V8ISH_FAST_INLINE v8ish_fast_state *v8ish_fast_enter(const v8ish_heap *heap) {
  const char *base = (const char *)(const void *)heap;
  if (__builtin_expect(
          base != NULL &&
              *(const uint32_t *)(const void *)base == V8ISH_FAST_SIG &&
              __atomic_load_n((const uintptr_t *)(const void *)(
                                  base + V8ISH_FAST_GATE_OFFSET),
                              __ATOMIC_RELAXED) == ccgc_thread_token(),
          1)) {
    v8ish_fast_state *area = (v8ish_fast_state *)*(void *const *)(
        const void *)(base + V8ISH_FAST_AREA_OFFSET);
    /* A script heap's fast state is set before v8ish_heap_new hands the
     * heap out and never cleared (a freed heap's signature is wiped): the
     * callers' test of the answer is the check's alone. */
    if (area == NULL) __builtin_unreachable();
    return area;
  }
  return NULL;
}

/* Whether local is a live, non-empty local of the area (the empty local
 * {0, 0} fails the serial compare: V8ISH_FAST_SLOT0_SERIAL). */
V8ISH_FAST_INLINE bool v8ish_fast_live(const v8ish_fast_state *area,
                                   v8ish_local local) {
  return local.index < area->top &&
         area->serials[local.index] == local.scope_serial;
}

/* A new local holding value if the innermost scope has room, else the empty
 * local (the caller then takes its slow path). */
V8ISH_FAST_INLINE v8ish_local v8ish_fast_push(v8ish_fast_state *area,
                                          v8ish_value value) {
  size_t index = area->top;
  v8ish_local local = {0, 0};
  if (__builtin_expect(index < area->limit, 1)) {
    uint32_t serial = (uint32_t)area->scope_serial;
    area->values[index] = value;
    area->serials[index] = serial;
    area->top = index + 1;
    local.index = (uint32_t)index;
    local.scope_serial = serial;
  }
  return local;
}

/* Opens scope at the top of the area (room for one slot there): its escape
 * slot, popped again on close if unused, then its own locals. A serial's low
 * 32 bits are never 0 (slot 0's and an unused escape slot's). The library's
 * slow path opens scopes with this too. */
V8ISH_FAST_INLINE void v8ish_fast_push_scope(v8ish_fast_state *area,
                                         v8ish_heap *heap,
                                         v8ish_handle_scope *scope,
                                         bool reclaiming) {
  size_t top = area->top;
  uint64_t serial = area->next_serial + 1;
  serial += (uint32_t)serial == 0;
  area->next_serial = serial;
  area->values[top] = 0;
  area->serials[top] = 0;
  scope->heap = heap;
  scope->serial = serial;
  scope->parent_serial = area->scope_serial;
  scope->saved_top = (uint32_t)top + 1;
  scope->flags = area->reclaiming ? V8ISH_FAST_SCOPE_PARENT_RECLAIMING : 0;
  area->scope_serial = serial;
  area->reclaiming = reclaiming;
  area->top = top + 1;
  area->limit = area->capacity;
}

/* Whether scope is the innermost open scope of area: its serial is the
 * heap's (serial 0: never opened), its saved top not above top. */
V8ISH_FAST_INLINE bool v8ish_fast_innermost(const v8ish_fast_state *area,
                                        const v8ish_handle_scope *scope) {
  return scope->serial == area->scope_serial && scope->serial != 0 &&
         scope->saved_top <= area->top;
}

/* Whether a tagged value refers to a FixedArray - then *object and its
 * *length are set (a bool, not a pointer or NULL: callers test it once):
 * its class word is the heap's FixedArray class (every FixedArray has that one
 * class, which the fast state tracks when it moves), one load and a compare
 * with a value already at hand, where reading the class's type word was a
 * second dependent load on every element access. */
V8ISH_FAST_INLINE bool v8ish_fast_fixed_array(const v8ish_fast_state *area,
                                              v8ish_value raw,
                                              v8ish_value **object,
                                              size_t *length) {
  if (__builtin_expect(!(raw & 1), 0)) return false;
  v8ish_value *o = (v8ish_value *)(raw - 1);
  if (__builtin_expect(__atomic_load_n(&o[0], __ATOMIC_ACQUIRE) !=
                           area->fixed_array_class,
                       0))
    return false;
  *object = o;
  *length = (size_t)((intptr_t)__atomic_load_n(&o[V8ISH_FAST_LENGTH],
                                               __ATOMIC_ACQUIRE) >>
                     1);
  return true;
}

/* --- The inline calls (v8ish.h documents them) ---------------------------- */

static inline v8ish_heap *v8ish_heap_new(ccgc_collector *collector,
                                         const v8ish_heap_options *options) {
  return v8ish_heap_new_layout(collector, options, V8ISH_FAST_LAYOUT);
}

V8ISH_FAST_INLINE void v8ish_handle_scope_open(v8ish_heap *heap,
                                           v8ish_handle_scope *scope) {
  v8ish_fast_state *area = v8ish_fast_enter(heap);
  if (__builtin_expect(area && scope && area->top < area->capacity, 1)) {
    v8ish_fast_push_scope(area, heap, scope, false);
    return;
  }
  v8ish_handle_scope_open_slow(heap, scope);
}

V8ISH_FAST_INLINE void v8ish_handle_scope_close(v8ish_handle_scope *scope) {
  v8ish_fast_state *area;
  if (__builtin_expect(scope && (area = v8ish_fast_enter(scope->heap)) &&
                           v8ish_fast_innermost(area, scope),
                       1)) {
    /* Its locals die at once (at or above the new top); an escaped value
     * stays, as a handle of the enclosing scope; an unused escape slot
     * goes. */
    area->top = scope->saved_top - !(scope->flags & V8ISH_FAST_SCOPE_ESCAPED);
    area->scope_serial = scope->parent_serial;
    area->reclaiming = (scope->flags & V8ISH_FAST_SCOPE_PARENT_RECLAIMING) != 0;
    area->limit = scope->parent_serial ? area->capacity : 0;
    return;
  }
  v8ish_handle_scope_close_slow(scope);
}

V8ISH_FAST_INLINE v8ish_local v8ish_handle_scope_escape(v8ish_handle_scope *scope,
                                                    v8ish_local value) {
  v8ish_fast_state *area;
  /* With the gate open nothing is being reclaimed: nothing to refuse. */
  if (__builtin_expect(scope && (area = v8ish_fast_enter(scope->heap)) &&
                           v8ish_fast_innermost(area, scope) &&
                           scope->parent_serial != 0 &&
                           !(scope->flags & V8ISH_FAST_SCOPE_ESCAPED) &&
                           v8ish_fast_live(area, value),
                       1)) {
    size_t slot = scope->saved_top - 1;
    uint32_t serial = (uint32_t)scope->parent_serial;
    area->values[slot] = area->values[value.index];
    area->serials[slot] = serial;
    scope->flags |= V8ISH_FAST_SCOPE_ESCAPED;
    v8ish_local escaped = {(uint32_t)slot, serial};
    return escaped;
  }
  return v8ish_handle_scope_escape_slow(scope, value);
}

V8ISH_FAST_INLINE v8ish_local v8ish_integer(v8ish_heap *heap, intptr_t value) {
  v8ish_fast_state *area = v8ish_fast_enter(heap);
  if (__builtin_expect(area && value <= V8ISH_FAST_SMI_MAX &&
                           value >= V8ISH_FAST_SMI_MIN,
                       1)) {
    v8ish_local local = v8ish_fast_push(area, (v8ish_value)value << 1);
    if (__builtin_expect(local.index != 0, 1)) return local;
  }
  return v8ish_integer_slow(heap, value);
}

V8ISH_FAST_INLINE bool v8ish_is_integer(v8ish_heap *heap, v8ish_local value) {
  v8ish_fast_state *area = v8ish_fast_enter(heap);
  if (__builtin_expect(area && v8ish_fast_live(area, value), 1))
    return !(area->values[value.index] & 1);
  return v8ish_is_integer_slow(heap, value);
}

V8ISH_FAST_INLINE intptr_t v8ish_integer_value(v8ish_heap *heap,
                                           v8ish_local value) {
  v8ish_fast_state *area = v8ish_fast_enter(heap);
  if (__builtin_expect(area && v8ish_fast_live(area, value), 1)) {
    v8ish_value raw = area->values[value.index];
    if (__builtin_expect(!(raw & 1), 1)) return (intptr_t)raw >> 1;
  }
  return v8ish_integer_value_slow(heap, value);
}

/* A FixedArray's element inline; an Array's (and everything else) through
 * the library. */
V8ISH_FAST_INLINE v8ish_local v8ish_array_get(v8ish_heap *heap,
                                             v8ish_local array, size_t i) {
  v8ish_fast_state *area = v8ish_fast_enter(heap);
  size_t length;
  v8ish_value *object;
  if (__builtin_expect(area && v8ish_fast_live(area, array), 1) &&
      v8ish_fast_fixed_array(area, area->values[array.index], &object, &length) &&
      __builtin_expect(i < length, 1)) {
    v8ish_local local = v8ish_fast_push(
        area, __atomic_load_n(&object[V8ISH_FAST_ELEMENTS + i],
                              __ATOMIC_ACQUIRE));
    if (__builtin_expect(local.index != 0, 1)) return local;
  }
  return v8ish_array_get_slow(heap, array, i);
}

/* A FixedArray allocated inline while no cycle marks (a new object is white
 * then, with no store: .inv.allocate-black) by a bump of the mutator's
 * allocation area, whose bytes may be a former use's (a nursery page is
 * not cleared when taken, .inv.lab-zeroed): its class, length and elements
 * (the integer 0) are stored here. A full area, a long array, and
 * everything the library checks go through the library, which may refill
 * the area. */
V8ISH_FAST_INLINE v8ish_local v8ish_fixed_array_new(v8ish_heap *heap,
                                                   size_t length) {
  v8ish_fast_state *area = v8ish_fast_enter(heap);
  if (__builtin_expect(area && length <= V8ISH_FAST_ARRAY_MAX &&
                           area->top < area->limit && area->fixed_array_class &&
                           __atomic_load_n(area->marking, __ATOMIC_RELAXED) == 0,
                       1)) {
    size_t bytes = (V8ISH_FAST_ELEMENTS + length) * sizeof(v8ish_value);
    uint8_t *cursor = area->lab.cursor;
    /* (A word more than the object: the elements are cleared two at a
     * time, the last pair's second word past an odd-length array's end, in
     * the area still.) */
    if (__builtin_expect(
            (size_t)(area->lab.limit - cursor) >= bytes + sizeof(v8ish_value),
            1)) {
      v8ish_value *object = (v8ish_value *)(void *)cursor;
      area->lab.cursor = cursor + bytes;
      *area->used_bytes += bytes;
      *area->object_count += 1;
      object[V8ISH_FAST_LENGTH] = (v8ish_value)length << 1;
      v8ish_value *elements = object + V8ISH_FAST_ELEMENTS;
      for (size_t i = 0; i < length; i += 2) {
        elements[i] = 0;
        elements[i + 1] = 0;
      }
      __atomic_store_n(&object[0], area->fixed_array_class, __ATOMIC_RELEASE);
      return v8ish_fast_push(area, (v8ish_value)object | 1);
    }
  }
  return v8ish_fixed_array_new_slow(heap, length);
}

/* A FixedArray initialized from locals, inline while no cycle marks, as
 * v8ish_fixed_array_new: every element a live local, then a bump and the
 * stores of the class, the length and each element. No remembered slot is
 * needed (.inv.old-to-young-recorded): the allocation area is a nursery
 * page whenever the young generation is on, so the new array is young, and
 * with it off no object is young. Everything else through the library. */
V8ISH_FAST_INLINE v8ish_local v8ish_fixed_array_new_with(
    v8ish_heap *heap, size_t length, const v8ish_local *elements) {
  v8ish_fast_state *area = v8ish_fast_enter(heap);
  if (__builtin_expect(area && length <= V8ISH_FAST_ARRAY_MAX &&
                           (elements || length == 0) &&
                           area->top < area->limit && area->fixed_array_class &&
                           __atomic_load_n(area->marking, __ATOMIC_RELAXED) == 0,
                       1)) {
    bool live = true;
    for (size_t i = 0; i < length; i++)
      live &= v8ish_fast_live(area, elements[i]);
    size_t bytes = (V8ISH_FAST_ELEMENTS + length) * sizeof(v8ish_value);
    uint8_t *cursor = area->lab.cursor;
    if (__builtin_expect(
            live && (size_t)(area->lab.limit - cursor) >= bytes, 1)) {
      v8ish_value *object = (v8ish_value *)(void *)cursor;
      area->lab.cursor = cursor + bytes;
      *area->used_bytes += bytes;
      *area->object_count += 1;
      object[V8ISH_FAST_LENGTH] = (v8ish_value)length << 1;
      for (size_t i = 0; i < length; i++)
        object[V8ISH_FAST_ELEMENTS + i] = area->values[elements[i].index];
      __atomic_store_n(&object[0], area->fixed_array_class, __ATOMIC_RELEASE);
      return v8ish_fast_push(area, (v8ish_value)object | 1);
    }
  }
  return v8ish_fixed_array_new_with_slow(heap, length, elements);
}

/* Whether the object at address is on a page of the young generation. */
V8ISH_FAST_INLINE bool v8ish_fast_young(uintptr_t address) {
  const char *page = (const char *)(address & ~(V8ISH_FAST_PAGE_SIZE - 1));
  return (*(const uint16_t *)(const void *)(page + V8ISH_FAST_PAGE_FLAGS_OFFSET) &
          V8ISH_FAST_PAGE_YOUNG) != 0;
}

/* A FixedArray's element stored inline while no marking cycle runs and the
 * store needs no remembered slot - an integer, an old value, or a young
 * holder (.inv.old-to-young-recorded) - which is the write barrier's whole
 * fast path then (marking/write-barrier.h); everything else through the
 * library, barrier and all. */
V8ISH_FAST_INLINE ccgc_status v8ish_array_set(v8ish_heap *heap,
                                             v8ish_local array, size_t i,
                                             v8ish_local value) {
  v8ish_fast_state *area = v8ish_fast_enter(heap);
  size_t length;
  v8ish_value *object;
  if (__builtin_expect(area && v8ish_fast_live(area, array) &&
                           v8ish_fast_live(area, value) &&
                           __atomic_load_n(area->marking, __ATOMIC_RELAXED) == 0,
                       1)) {
    v8ish_value raw = area->values[array.index];
    v8ish_value stored = area->values[value.index];
    if (v8ish_fast_fixed_array(area, raw, &object, &length) &&
        __builtin_expect(i < length && (!(stored & 1) || v8ish_fast_young(raw) ||
                                        !v8ish_fast_young(stored)),
                         1)) {
      __atomic_store_n(&object[V8ISH_FAST_ELEMENTS + i], stored,
                       __ATOMIC_RELEASE);
      return CCGC_OK;
    }
  }
  return v8ish_array_set_slow(heap, array, i, value);
}

/* --- Raw values (v8ish.h, "Raw values") ------------------------------------ */

V8ISH_FAST_INLINE v8ish_raw v8ish_raw_of(v8ish_heap *heap, v8ish_local local) {
  v8ish_fast_state *area = v8ish_fast_enter(heap);
  if (__builtin_expect(area && v8ish_fast_live(area, local), 1)) {
    v8ish_raw raw = {area->values[local.index], area->raw_epoch};
    return raw;
  }
  return v8ish_raw_of_slow(heap, local);
}

/* The epoch compare is the whole staleness check: a raw value of this heap
 * read since its last collection names a live object where it was read
 * (.inv.raw-epoch). */
V8ISH_FAST_INLINE v8ish_raw v8ish_raw_array_get(v8ish_heap *heap,
                                               v8ish_raw array, size_t i) {
  v8ish_fast_state *area = v8ish_fast_enter(heap);
  v8ish_value value = array.value;
  uint64_t epoch = array.epoch;
  size_t length;
  v8ish_value *object;
  if (__builtin_expect(area && epoch == area->raw_epoch, 1) &&
      v8ish_fast_fixed_array(area, value, &object, &length) &&
      __builtin_expect(i < length, 1)) {
    v8ish_raw element;
    element.value =
        __atomic_load_n(&object[V8ISH_FAST_ELEMENTS + i], __ATOMIC_ACQUIRE);
    element.epoch = epoch;
    return element;
  }
  return v8ish_raw_array_get_slow(heap, value, epoch, i);
}

V8ISH_FAST_INLINE v8ish_local v8ish_raw_to_local(v8ish_heap *heap,
                                                v8ish_raw raw) {
  v8ish_fast_state *area = v8ish_fast_enter(heap);
  v8ish_value value = raw.value;
  uint64_t epoch = raw.epoch;
  if (__builtin_expect(area && epoch == area->raw_epoch, 1)) {
    v8ish_local local = v8ish_fast_push(area, value);
    if (__builtin_expect(local.index != 0, 1)) return local;
  }
  return v8ish_raw_to_local_slow(heap, value, epoch);
}

V8ISH_FAST_INLINE intptr_t v8ish_raw_integer_value(v8ish_heap *heap,
                                                  v8ish_raw raw) {
  v8ish_value value = raw.value;
  uint64_t epoch = raw.epoch;
  if (__builtin_expect(epoch != 0 && !(value & 1), 1))
    return (intptr_t)value >> 1;
  return v8ish_raw_integer_value_slow(heap, value, epoch);
}

#endif /* V8ISH_FAST_H */
