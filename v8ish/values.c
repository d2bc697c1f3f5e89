/* values.c - small integers, boxed numbers and strings (v8ish.h).
 *
 * A small integer is a tagged word with low bit 0 (value << 1): 63 bits of
 * range, no allocation. A HeapNumber is [map, raw double]; a String is
 * [map, length, hash (raw), bytes..., NUL]. Neither has a field the tracer
 * follows besides the map (.inv.tagged-fields).
 */
#include <string.h>

#include "checks-inl.h"
#include "invariant-check.h"
#include "space-inl.h"

v8ish_local v8ish_integer_slow(v8ish_heap *heap, intptr_t value) {
  if (!v8ish_enter(heap, CCGC_CALL_READ, "v8ish_integer"))
    return v8ish_local_empty();
  if (value > V8ISH_FAST_SMI_MAX || value < V8ISH_FAST_SMI_MIN) {
    CCGC_MISUSE(heap->base.errors, CCGC_E_INVALID_ARGUMENT, ".api.argument",
                "v8ish_integer: %jd does not fit a small integer (63 "
                "bits); use v8ish_number_new",
                (intmax_t)value);
    return v8ish_local_empty();
  }
  return v8ish_local_push(heap, v8ish_smi(value), "v8ish_integer");
}

bool v8ish_is_integer_slow(v8ish_heap *heap, v8ish_local value) {
  const char *call = "v8ish_is_integer";
  v8ish_value raw;
  /* Word 0 is the integer 0: only the empty local is not an integer. */
  return v8ish_enter(heap, CCGC_CALL_READ, call) &&
         v8ish_local_read(heap, value, call, &raw) &&
         !v8ish_local_is_empty(value) && !v8ish_is_ref(raw);
}

intptr_t v8ish_integer_value_slow(v8ish_heap *heap, v8ish_local value) {
  const char *call = "v8ish_integer_value";
  v8ish_value raw;
  if (!v8ish_enter(heap, CCGC_CALL_READ, call) ||
      !v8ish_local_read(heap, value, call, &raw))
    return 0;
  if (v8ish_local_is_empty(value) || v8ish_is_ref(raw)) {
    CCGC_MISUSE(heap->base.errors, CCGC_E_WRONG_TYPE, ".api.wrong-type",
                "v8ish_integer_value: expected an integer, got %s",
                v8ish_local_type_name(heap, value));
    return 0;
  }
  return v8ish_smi_value(raw);
}

v8ish_local v8ish_box_double(v8ish_heap *heap, double value, const char *call) {
  word_t *n = v8ish_allocate(heap, 16, call);
  if (!n) return v8ish_local_empty();
  v8ish_store(heap, n, 0, heap->number_class);
  memcpy(&n[1], &value, sizeof value); /* raw: never traced */
  return v8ish_local_push(heap, v8ish_tag(n), call);
}

v8ish_local v8ish_number_new(v8ish_heap *heap, double value) {
  if (!v8ish_enter(heap, CCGC_CALL_READ, "v8ish_number_new"))
    return v8ish_local_empty();
  return v8ish_box_double(heap, value, "v8ish_number_new");
}

double v8ish_number_value(v8ish_heap *heap, v8ish_local value) {
  const char *call = "v8ish_number_value";
  v8ish_value raw;
  if (!v8ish_enter(heap, CCGC_CALL_READ, call) ||
      !v8ish_local_read(heap, value, call, &raw))
    return 0;
  if (!v8ish_local_is_empty(value) && !v8ish_is_ref(raw))
    return (double)v8ish_smi_value(raw);
  word_t *n = v8ish_local_object(heap, value, V8ISH_TYPE_HEAP_NUMBER, call);
  if (!n) return 0;
  double result;
  memcpy(&result, &n[1], sizeof result);
  return result;
}

v8ish_value v8ish_new_string(v8ish_heap *heap, const char *bytes, size_t len,
                             const char *call) {
  if (len > V8ISH_MAX_OBJECT_BYTES - STRING_HEADER * 8 - 1) {
    ccgc_error_set(heap->base.errors, CCGC_E_SIZE_OVERFLOW,
                   "%s: a string of %zu bytes overflows the largest object",
                   call, len);
    return 0;
  }
  word_t *s = v8ish_allocate_instance(heap, heap->string_class,
                                      STRING_HEADER * 8 + len + 1, call);
  if (!s) return 0;
  v8ish_store(heap, s, 0, heap->string_class);
  s[LENGTH] = v8ish_smi((intptr_t)len);
  s[STRING_HASH] = v8ish_hash_bytes(bytes, len); /* raw */
  if (len) memcpy(s + STRING_HEADER, bytes, len); /* NUL: zeroed memory */
  return v8ish_tag(s);
}

v8ish_local v8ish_string_new(v8ish_heap *heap, const char *bytes, size_t len) {
  if (!v8ish_enter(heap, CCGC_CALL_READ, "v8ish_string_new"))
    return v8ish_local_empty();
  if (!bytes && len) {
    CCGC_MISUSE(heap->base.errors, CCGC_E_INVALID_ARGUMENT, ".api.argument",
                "v8ish_string_new: NULL bytes for a string of %zu bytes", len);
    return v8ish_local_empty();
  }
  v8ish_value string = v8ish_new_string(heap, bytes, len, "v8ish_string_new");
  if (!string) return v8ish_local_empty();
  return v8ish_local_push(heap, string, "v8ish_string_new");
}

size_t v8ish_string_copy(v8ish_heap *heap, v8ish_local string, char *buf,
                         size_t size) {
  const char *call = "v8ish_string_copy";
  if (!v8ish_enter(heap, CCGC_CALL_READ, call)) {
    if (size && buf) buf[0] = '\0';
    return 0;
  }
  if (size && !buf) {
    CCGC_MISUSE(heap->base.errors, CCGC_E_INVALID_ARGUMENT, ".api.argument",
                "v8ish_string_copy: NULL buffer of %zu bytes", size);
    return 0;
  }
  word_t *s = v8ish_local_object(heap, string, V8ISH_TYPE_STRING, call);
  if (!s) {
    if (size) buf[0] = '\0';
    return 0;
  }
  size_t len = (size_t)v8ish_smi_value(s[LENGTH]);
  if (size) {
    size_t n = len < size - 1 ? len : size - 1;
    memcpy(buf, s + STRING_HEADER, n);
    buf[n] = '\0';
  }
  return len;
}
