/* object-layout.h - the script heap's object layouts: word indices of every
 * kind, tagged values and small integers, and field access for marker
 * threads (docs/script-heap.md). Shared by the files of v8ish/ through
 * heap-internal.h.
 *
 * Every object is a sequence of 8-byte words, 8-aligned, at least 16 bytes,
 * and word 0 is the tagged reference to its hidden class:
 *
 *   HiddenClass  [map, type, words, inobject_start, inobject_count,
 *                 property_count, raw_bits, names, transitions, back,
 *                 class_name, layout (raw), pretenuring words (raw)]
 *   Object       [map, properties, elements, in-object slots...]
 *   Array        [map, properties, elements, length]
 *   Closure      [map, properties, elements, context, name]
 *   Wrapper      [map, properties, elements, embedder (raw), in-object...]
 *   HeapNumber   [map, double (raw)]
 *   String       [map, length, hash (raw), bytes... NUL]
 *   FixedArray   [map, length, tagged...]
 *   DoubleArray  [map, length, double (raw)...]
 *   Context      [map, length, previous, slots...]
 *   Filler       [map, size in bytes (raw), next free (raw, free lists)]
 *   OneWordFiller [map]
 *
 * Integers in lengths and class fields are small integers (tagged, low bit
 * 0). raw_bits has one bit per in-object slot: set means the slot holds raw
 * bits (an unboxed double) and is never followed (.inv.tagged-fields).
 */
#ifndef V8ISH_OBJECT_LAYOUT_H
#define V8ISH_OBJECT_LAYOUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "v8ish.h"

enum {
  CLASS_TYPE = 1, CLASS_WORDS, CLASS_INOBJECT_START, CLASS_INOBJECT_COUNT,
  CLASS_PROPERTY_COUNT, CLASS_RAW_BITS, CLASS_NAMES, CLASS_TRANSITIONS,
  CLASS_BACK, CLASS_NAME,
  /* Never traced: the instances' layout descriptor (layouts.c), a raw
   * const ccgc_layout * or 0. */
  CLASS_LAYOUT,
  /* Pretenuring, never traced (pretenuring.h says what each word holds). */
  CLASS_SITE, CLASS_ALLOCATED, CLASS_SURVIVED, CLASS_PRETENURE, CLASS_SIZE_WORDS
};
enum { OBJ_PROPERTIES = 1, OBJ_ELEMENTS = 2 };
enum { ARRAY_LENGTH = 3, ARRAY_WORDS = 4 };
enum { CLOSURE_CONTEXT = 3, CLOSURE_NAME = 4, CLOSURE_WORDS = 5 };
enum { WRAPPER_EMBEDDER = 3, WRAPPER_INOBJECT_START = 4 };
enum { LENGTH = 1 };                /* strings, arrays, contexts */
enum { STRING_HASH = 2, STRING_HEADER = 3 };
enum { CONTEXT_PREVIOUS = 2, CONTEXT_HEADER = 3 };
enum { FILLER_SIZE = 1, FILLER_NEXT = 2 };
/* WeakMap / WeakSet [map, table]; EphemeronHashTable [map, capacity, count,
 * deleted, entries: (key, value) * capacity]; FinalizationRegistry
 * [map, cells, record index]; WeakCells [map, capacity, count,
 * cells: (target, held, token) * capacity]. */
enum { WEAK_COLLECTION_TABLE = 1, WEAK_COLLECTION_WORDS = 2 };
enum { TABLE_CAPACITY = 1, TABLE_COUNT = 2, TABLE_DELETED = 3,
       TABLE_HEADER = 4, TABLE_ENTRY = 2 };
enum { REGISTRY_CELLS = 1, REGISTRY_RECORD = 2, REGISTRY_WORDS = 3 };
enum { CELLS_CAPACITY = 1, CELLS_COUNT = 2, CELLS_HEADER = 3, CELL_WORDS = 3 };

typedef uintptr_t word_t;

static inline bool v8ish_is_ref(v8ish_value value) { return value & 1; }
static inline word_t *v8ish_untag(v8ish_value value) {
  return (word_t *)(value - 1);
}
static inline v8ish_value v8ish_tag(const void *object) {
  return (v8ish_value)object | 1;
}
static inline v8ish_value v8ish_smi(intptr_t value) {
  return (v8ish_value)((uintptr_t)value << 1);
}
static inline intptr_t v8ish_smi_value(v8ish_value value) {
  return (intptr_t)value >> 1;
}

/* Field access for marker threads that read while the mutator writes
 * (docs/concurrent-marking.md): a store publishes with release, so a marker
 * that loads the reference with acquire also sees the initialized object
 * behind it (a new hidden class, a new backing store). Plain moves on x86. */
static inline word_t v8ish_load(const word_t *object, size_t index) {
  return __atomic_load_n(&object[index], __ATOMIC_ACQUIRE);
}
static inline void v8ish_store_raw(word_t *object, size_t index, word_t value) {
  __atomic_store_n(&object[index], value, __ATOMIC_RELEASE);
}

#endif /* V8ISH_OBJECT_LAYOUT_H */
