/* arrays.c - fixed arrays (tagged elements), double arrays (raw doubles) and
 * growable arrays (an object whose elements store is a FixedArray that
 * doubles when full) (v8ish.h).
 *
 * Every length is checked against V8ISH_MAX_ELEMENTS before any size
 * arithmetic (CCGC_E_SIZE_OVERFLOW). Fresh memory is zero, and zero is the
 * small integer 0, so new elements need no initialising loop.
 */
#include <string.h>

#include "checks-inl.h"
#include "invariant-check.h"
#include "space-inl.h"

static bool length_fits(v8ish_heap *heap, size_t length, const char *call) {
  if (length <= V8ISH_MAX_ELEMENTS) return true;
  ccgc_error_set(heap->base.errors, CCGC_E_SIZE_OVERFLOW,
                 "%s: %zu elements overflow the largest object (%zu elements)",
                 call, length, (size_t)V8ISH_MAX_ELEMENTS);
  return false;
}

v8ish_value v8ish_new_fixed_array(v8ish_heap *heap, size_t length,
                                  const char *call) {
  if (!length_fits(heap, length, call)) return 0;
  word_t *a = v8ish_allocate(heap, (2 + length) * 8, call);
  if (!a) return 0;
  v8ish_store(heap, a, 0, heap->fixed_array_class);
  a[LENGTH] = v8ish_smi((intptr_t)length); /* elements: 0, the integer 0 */
  return v8ish_tag(a);
}

v8ish_local v8ish_fixed_array_new_slow(v8ish_heap *heap, size_t length) {
  const char *call = "v8ish_fixed_array_new";
  if (!v8ish_enter(heap, CCGC_CALL_READ, call)) return v8ish_local_empty();
  v8ish_value array = v8ish_new_fixed_array(heap, length, call);
  if (!array) return v8ish_local_empty();
  return v8ish_local_push(heap, array, call);
}

v8ish_local v8ish_fixed_array_new_with_slow(v8ish_heap *heap, size_t length,
                                            const v8ish_local *elements) {
  const char *call = "v8ish_fixed_array_new_with";
  if (!v8ish_enter(heap, CCGC_CALL_READ, call)) return v8ish_local_empty();
  if (length > 0 && !elements) {
    CCGC_MISUSE(heap->base.errors, CCGC_E_INVALID_ARGUMENT, ".api.argument",
                "%s: elements is NULL with length %zu", call, length);
    return v8ish_local_empty();
  }
  if (!length_fits(heap, length, call)) return v8ish_local_empty();
  /* Every local is checked before anything is allocated. */
  v8ish_value raw;
  for (size_t i = 0; i < length; i++)
    if (!v8ish_local_read(heap, elements[i], call, &raw))
      return v8ish_local_empty();
  v8ish_value array = v8ish_new_fixed_array(heap, length, call);
  if (!array) return v8ish_local_empty();
  /* An allocation runs no collection (ccgc.h): the locals read the same.
   * No resurrection to refuse: the allocation needed the open gate (host
   * code outside every collection), where nothing is dead. */
  word_t *a = v8ish_untag(array);
  for (size_t i = 0; i < length; i++) {
    (void)v8ish_local_read(heap, elements[i], call, &raw);
    v8ish_store(heap, a, 2 + i, raw);
  }
  return v8ish_local_push(heap, array, call);
}

/* --- double arrays ------------------------------------------------------------- */

v8ish_local v8ish_double_array_new(v8ish_heap *heap, size_t length) {
  const char *call = "v8ish_double_array_new";
  if (!v8ish_enter(heap, CCGC_CALL_READ, call)) return v8ish_local_empty();
  if (!length_fits(heap, length, call)) return v8ish_local_empty();
  word_t *a = v8ish_allocate(heap, (2 + length) * 8, call);
  if (!a) return v8ish_local_empty();
  v8ish_store(heap, a, 0, heap->double_array_class);
  a[LENGTH] = v8ish_smi((intptr_t)length); /* elements: 0.0 */
  return v8ish_local_push(heap, v8ish_tag(a), call);
}

double v8ish_double_array_get(v8ish_heap *heap, v8ish_local array, size_t i) {
  const char *call = "v8ish_double_array_get";
  if (!v8ish_enter(heap, CCGC_CALL_READ, call)) return 0;
  word_t *a = v8ish_local_object(heap, array, V8ISH_TYPE_DOUBLE_ARRAY, call);
  if (!a || i >= (size_t)v8ish_smi_value(a[LENGTH])) return 0;
  double value;
  memcpy(&value, &a[2 + i], sizeof value);
  return value;
}

ccgc_status v8ish_double_array_set(v8ish_heap *heap, v8ish_local array,
                                   size_t i, double value) {
  if (!v8ish_enter(heap, CCGC_CALL_STORE, "v8ish_double_array_set"))
    return v8ish_last_status(heap);
  word_t *a = v8ish_local_object(heap, array, V8ISH_TYPE_DOUBLE_ARRAY,
                                 "v8ish_double_array_set");
  if (!a) return v8ish_last_status(heap);
  size_t length = (size_t)v8ish_smi_value(a[LENGTH]);
  if (i >= length)
    return CCGC_MISUSE(heap->base.errors, CCGC_E_INVALID_ARGUMENT,
                       ".api.argument",
                       "v8ish_double_array_set: index %zu out of range "
                       "(length %zu)",
                       i, length);
  memcpy(&a[2 + i], &value, sizeof value); /* raw: no barrier */
  return CCGC_OK;
}

/* --- growable arrays and element access --------------------------------------- */

v8ish_local v8ish_array_new(v8ish_heap *heap) {
  if (!v8ish_enter(heap, CCGC_CALL_READ, "v8ish_array_new"))
    return v8ish_local_empty();
  word_t *a = v8ish_allocate_instance(heap, heap->array_class, ARRAY_WORDS * 8,
                                      "v8ish_array_new");
  if (!a) return v8ish_local_empty();
  v8ish_store(heap, a, 0, heap->array_class);
  v8ish_store(heap, a, OBJ_PROPERTIES, heap->empty_fixed_array);
  v8ish_store(heap, a, OBJ_ELEMENTS, heap->empty_fixed_array);
  a[ARRAY_LENGTH] = v8ish_smi(0);
  return v8ish_local_push(heap, v8ish_tag(a), "v8ish_array_new");
}

size_t v8ish_array_length(v8ish_heap *heap, v8ish_local array) {
  const char *call = "v8ish_array_length";
  size_t length;
  word_t *owner;
  if (!v8ish_enter(heap, CCGC_CALL_READ, call) ||
      !v8ish_local_elements(heap, array, &length, &owner, call))
    return 0;
  return length;
}

v8ish_local v8ish_array_get_slow(v8ish_heap *heap, v8ish_local array,
                                 size_t i) {
  const char *call = "v8ish_array_get";
  size_t length;
  word_t *owner;
  if (!v8ish_enter(heap, CCGC_CALL_READ, call)) return v8ish_local_empty();
  word_t *elements = v8ish_local_elements(heap, array, &length, &owner, call);
  if (!elements || i >= length) return v8ish_local_empty();
  return v8ish_local_push(heap, v8ish_load(elements, 2 + i), call);
}

ccgc_status v8ish_array_set_slow(v8ish_heap *heap, v8ish_local array,
                                 size_t i, v8ish_local value) {
  const char *call = "v8ish_array_set";
  if (!v8ish_enter(heap, CCGC_CALL_STORE, call)) return v8ish_last_status(heap);
  size_t length;
  word_t *owner;
  word_t *elements = v8ish_local_elements(heap, array, &length, &owner, call);
  if (!elements) return v8ish_last_status(heap);
  v8ish_value raw;
  if (!v8ish_local_read(heap, value, call, &raw)) return CCGC_E_DEAD_HANDLE;
  if (i >= length)
    return CCGC_MISUSE(heap->base.errors, CCGC_E_INVALID_ARGUMENT,
                       ".api.argument",
                       "v8ish_array_set: index %zu out of range (length "
                       "%zu)",
                       i, length);
  if (v8ish_refuse_resurrection(heap, elements, raw, "v8ish_array_set", NULL))
    return CCGC_E_DEAD_OBJECT;
  v8ish_store(heap, elements, 2 + i, raw);
  return CCGC_OK;
}

ccgc_status v8ish_array_push(v8ish_heap *heap, v8ish_local array,
                             v8ish_local value) {
  const char *call = "v8ish_array_push";
  if (!v8ish_enter(heap, CCGC_CALL_STORE, call)) return v8ish_last_status(heap);
  word_t *a = v8ish_local_object(heap, array, V8ISH_TYPE_ARRAY, call);
  if (!a) return v8ish_last_status(heap);
  v8ish_value raw;
  if (!v8ish_local_read(heap, value, call, &raw)) return CCGC_E_DEAD_HANDLE;
  if (v8ish_refuse_resurrection(heap, a, raw, call, NULL))
    return CCGC_E_DEAD_OBJECT;
  size_t length = (size_t)v8ish_smi_value(a[ARRAY_LENGTH]);
  word_t *elements = v8ish_untag(v8ish_load(a, OBJ_ELEMENTS));
  size_t capacity = (size_t)v8ish_smi_value(v8ish_load(elements, LENGTH));
  if (length == capacity) {
    /* Growing is a safe change: the new store is filled, then published. */
    v8ish_value grown = v8ish_new_fixed_array(heap, capacity ? capacity * 2 : 4,
                                              call);
    if (!grown) return v8ish_last_status(heap); /* the array is unchanged */
    for (size_t i = 0; i < length; i++)
      v8ish_store(heap, v8ish_untag(grown), 2 + i, v8ish_load(elements, 2 + i));
    v8ish_store(heap, a, OBJ_ELEMENTS, grown);
    elements = v8ish_untag(grown);
  }
  v8ish_store(heap, elements, 2 + length, raw);
  a[ARRAY_LENGTH] = v8ish_smi((intptr_t)length + 1);
  return CCGC_OK;
}
