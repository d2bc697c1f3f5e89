/* objects.c - hidden classes and the script heap's object kinds: numbers,
 * strings, fixed and double arrays, objects with properties and transitions,
 * growable arrays, contexts, closures, wrappers (v8ish.h). */
#include <string.h>

#include "heap-internal.h"

/* --- stores ------------------------------------------------------------- */

/* Every store of a value into a script object (.inv.script-store-barriered). */
void v8ish_store(v8ish_heap *heap, word_t *object, size_t index,
                 v8ish_value value) {
  v8ish_store_raw(object, index, value);
  if (v8ish_is_ref(value)) ccgc_barrier_write(heap->barrier, v8ish_untag(value));
}

/* --- classes -------------------------------------------------------------- */

v8ish_instance_type v8ish_class_type(v8ish_value klass) {
  return (v8ish_instance_type)v8ish_smi_value(v8ish_untag(klass)[CLASS_TYPE]);
}

v8ish_value v8ish_new_class(v8ish_heap *heap, v8ish_instance_type type,
                            size_t words, size_t inobject_start,
                            size_t inobject_count) {
  word_t *k = v8ish_allocate(heap, CLASS_SIZE_WORDS * 8, "v8ish (hidden class)");
  if (!k) return 0;
  v8ish_store(heap, k, 0, heap->meta_class ? heap->meta_class : v8ish_tag(k));
  k[CLASS_TYPE] = v8ish_smi(type);
  k[CLASS_WORDS] = v8ish_smi((intptr_t)words);
  k[CLASS_INOBJECT_START] = v8ish_smi((intptr_t)inobject_start);
  k[CLASS_INOBJECT_COUNT] = v8ish_smi((intptr_t)inobject_count);
  k[CLASS_PROPERTY_COUNT] = v8ish_smi(0);
  k[CLASS_RAW_BITS] = v8ish_smi(0);
  v8ish_value empty = heap->empty_fixed_array ? heap->empty_fixed_array : v8ish_smi(0);
  v8ish_store(heap, k, CLASS_NAMES, empty);
  v8ish_store(heap, k, CLASS_TRANSITIONS, empty);
  k[CLASS_BACK] = v8ish_smi(0);
  k[CLASS_NAME] = v8ish_smi(0);
  return v8ish_tag(k);
}

/* A copy of klass (same layout, properties, names) with its own identity. */
static v8ish_value clone_class(v8ish_heap *heap, v8ish_value klass) {
  word_t *k = v8ish_allocate(heap, CLASS_SIZE_WORDS * 8, "v8ish (hidden class)");
  if (!k) return 0;
  word_t *from = v8ish_untag(klass);
  for (size_t i = 0; i < CLASS_SIZE_WORDS; i++) v8ish_store(heap, k, i, from[i]);
  v8ish_store(heap, k, CLASS_TRANSITIONS, heap->empty_fixed_array);
  v8ish_store(heap, k, CLASS_BACK, klass);
  return v8ish_tag(k);
}

const char *v8ish_string_bytes(v8ish_value string) {
  return (const char *)(v8ish_untag(string) + 2);
}

long v8ish_class_find(v8ish_value klass, const char *name) {
  word_t *k = v8ish_untag(klass);
  word_t *names = v8ish_untag(k[CLASS_NAMES]);
  long count = v8ish_smi_value(k[CLASS_PROPERTY_COUNT]);
  for (long i = 0; i < count; i++)
    if (!strcmp(v8ish_string_bytes(names[2 + i]), name)) return i;
  return -1;
}

word_t *v8ish_property_slot(const word_t *object, v8ish_value klass, long i,
                            size_t *index) {
  word_t *k = v8ish_untag(klass);
  long inobject = v8ish_smi_value(k[CLASS_INOBJECT_COUNT]);
  if (i < inobject) {
    *index = (size_t)(v8ish_smi_value(k[CLASS_INOBJECT_START]) + i);
    return (word_t *)object;
  }
  *index = (size_t)(2 + i - inobject);
  return v8ish_untag(v8ish_load(object, OBJ_PROPERTIES));
}

/* --- strings, numbers, arrays ---------------------------------------------------- */

v8ish_value v8ish_new_string(v8ish_heap *heap, const char *bytes, size_t len) {
  if (len > ((size_t)1 << 36)) {
    ccgc_error_set(heap->errors, CCGC_E_SIZE_OVERFLOW,
                   "v8ish_string_new: a string of %zu bytes is too long", len);
    return 0;
  }
  word_t *s = v8ish_allocate(heap, 2 * 8 + len + 1, "v8ish_string_new");
  if (!s) return 0;
  v8ish_store(heap, s, 0, heap->string_class);
  s[LENGTH] = v8ish_smi((intptr_t)len);
  memcpy(s + 2, bytes, len);
  return v8ish_tag(s);
}

v8ish_value v8ish_new_fixed_array(v8ish_heap *heap, size_t length,
                                  const char *call) {
  if (length > ((size_t)1 << 34)) {
    ccgc_error_set(heap->errors, CCGC_E_SIZE_OVERFLOW,
                   "%s: %zu elements overflow the script heap's array size",
                   call, length);
    return 0;
  }
  word_t *a = v8ish_allocate(heap, (2 + length) * 8, call);
  if (!a) return 0;
  v8ish_store(heap, a, 0, heap->fixed_array_class);
  a[LENGTH] = v8ish_smi((intptr_t)length);
  for (size_t i = 0; i < length; i++) a[2 + i] = v8ish_smi(0);
  return v8ish_tag(a);
}

static v8ish_local wrap_new(v8ish_heap *heap, v8ish_value value,
                            const char *call) {
  if (!value) return v8ish_local_empty();
  return v8ish_handle_new(heap, value, call);
}

v8ish_local v8ish_integer(v8ish_heap *heap, intptr_t value) {
  return v8ish_handle_new(heap, v8ish_smi(value), "v8ish_integer");
}

bool v8ish_is_integer(v8ish_heap *heap, v8ish_local value) {
  v8ish_value raw = v8ish_handle_value(heap, value, "v8ish_is_integer");
  return raw != 0 && !v8ish_is_ref(raw);
}

intptr_t v8ish_integer_value(v8ish_heap *heap, v8ish_local value) {
  v8ish_value raw = v8ish_handle_value(heap, value, "v8ish_integer_value");
  return v8ish_is_ref(raw) ? 0 : v8ish_smi_value(raw);
}

v8ish_local v8ish_number_new(v8ish_heap *heap, double value) {
  word_t *n = v8ish_allocate(heap, 16, "v8ish_number_new");
  if (!n) return v8ish_local_empty();
  v8ish_store(heap, n, 0, heap->number_class);
  memcpy(&n[1], &value, sizeof value);
  return v8ish_handle_new(heap, v8ish_tag(n), "v8ish_number_new");
}

double v8ish_number_value(v8ish_heap *heap, v8ish_local value) {
  v8ish_value raw = v8ish_handle_value(heap, value, "v8ish_number_value");
  if (!v8ish_is_ref(raw)) return (double)v8ish_smi_value(raw);
  word_t *n = v8ish_checked(heap, value, V8ISH_TYPE_HEAP_NUMBER,
                            "v8ish_number_value");
  if (!n) return 0;
  double result;
  memcpy(&result, &n[1], sizeof result);
  return result;
}

v8ish_local v8ish_string_new(v8ish_heap *heap, const char *bytes, size_t len) {
  return wrap_new(heap, v8ish_new_string(heap, bytes, len), "v8ish_string_new");
}

size_t v8ish_string_copy(v8ish_heap *heap, v8ish_local string, char *buf,
                         size_t size) {
  word_t *s = v8ish_checked(heap, string, V8ISH_TYPE_STRING, "v8ish_string_copy");
  if (!s) return 0;
  size_t len = (size_t)v8ish_smi_value(s[LENGTH]);
  if (size) {
    size_t n = len < size - 1 ? len : size - 1;
    memcpy(buf, s + 2, n);
    buf[n] = '\0';
  }
  return len;
}

v8ish_local v8ish_fixed_array_new(v8ish_heap *heap, size_t length) {
  return wrap_new(heap, v8ish_new_fixed_array(heap, length, "v8ish_fixed_array_new"),
                  "v8ish_fixed_array_new");
}

v8ish_local v8ish_double_array_new(v8ish_heap *heap, size_t length) {
  if (length > ((size_t)1 << 34)) {
    ccgc_error_set(heap->errors, CCGC_E_SIZE_OVERFLOW,
                   "v8ish_double_array_new: %zu elements overflow", length);
    return v8ish_local_empty();
  }
  word_t *a = v8ish_allocate(heap, (2 + length) * 8, "v8ish_double_array_new");
  if (!a) return v8ish_local_empty();
  v8ish_store(heap, a, 0, heap->double_array_class);
  a[LENGTH] = v8ish_smi((intptr_t)length);
  return v8ish_handle_new(heap, v8ish_tag(a), "v8ish_double_array_new");
}

double v8ish_double_array_get(v8ish_heap *heap, v8ish_local array, size_t i) {
  word_t *a = v8ish_checked(heap, array, V8ISH_TYPE_DOUBLE_ARRAY,
                            "v8ish_double_array_get");
  if (!a || i >= (size_t)v8ish_smi_value(a[LENGTH])) return 0;
  double value;
  memcpy(&value, &a[2 + i], sizeof value);
  return value;
}

ccgc_status v8ish_double_array_set(v8ish_heap *heap, v8ish_local array,
                                   size_t i, double value) {
  word_t *a = v8ish_checked(heap, array, V8ISH_TYPE_DOUBLE_ARRAY,
                            "v8ish_double_array_set");
  if (!a) return CCGC_E_WRONG_TYPE;
  if (i >= (size_t)v8ish_smi_value(a[LENGTH]))
    return ccgc_error_misuse(heap->errors, CCGC_E_INVALID_ARGUMENT,
                             "v8ish_double_array_set: index %zu out of range", i);
  memcpy(&a[2 + i], &value, sizeof value);
  return CCGC_OK;
}

/* --- objects and properties ----------------------------------------------------- */

static word_t *new_object_like(v8ish_heap *heap, v8ish_value klass,
                               const char *call) {
  size_t words = (size_t)v8ish_smi_value(v8ish_untag(klass)[CLASS_WORDS]);
  word_t *o = v8ish_allocate(heap, words * 8, call);
  if (!o) return NULL;
  v8ish_store(heap, o, 0, klass);
  v8ish_store(heap, o, OBJ_PROPERTIES, heap->empty_fixed_array);
  v8ish_store(heap, o, OBJ_ELEMENTS, heap->empty_fixed_array);
  for (size_t i = 3; i < words; i++) o[i] = v8ish_smi(0);
  return o;
}

v8ish_local v8ish_object_new(v8ish_heap *heap) {
  word_t *o = new_object_like(heap, heap->object_class, "v8ish_object_new");
  return o ? v8ish_handle_new(heap, v8ish_tag(o), "v8ish_object_new")
           : v8ish_local_empty();
}

/* The class after adding `name` to klass: an existing transition, or a new
 * class recorded as one (a safe shape change: existing fields keep their
 * place and kind). */
static v8ish_value transition(v8ish_heap *heap, v8ish_value klass,
                              const char *name) {
  word_t *k = v8ish_untag(klass);
  word_t *transitions = v8ish_untag(k[CLASS_TRANSITIONS]);
  size_t count = (size_t)v8ish_smi_value(transitions[LENGTH]);
  for (size_t i = 0; i + 1 < count; i += 2)
    if (!strcmp(v8ish_string_bytes(transitions[2 + i]), name))
      return transitions[2 + i + 1];
  size_t properties = (size_t)v8ish_smi_value(k[CLASS_PROPERTY_COUNT]);
  v8ish_value key = v8ish_new_string(heap, name, strlen(name));
  v8ish_value names = key ? v8ish_new_fixed_array(heap, properties + 1,
                                                  "v8ish_object_set")
                          : 0;
  v8ish_value grown = names ? v8ish_new_fixed_array(heap, count + 2,
                                                    "v8ish_object_set")
                            : 0;
  v8ish_value next = grown ? clone_class(heap, klass) : 0;
  if (!next) return 0;
  k = v8ish_untag(klass); /* (allocation never moves objects; re-read anyway) */
  word_t *old_names = v8ish_untag(k[CLASS_NAMES]);
  word_t *new_names = v8ish_untag(names);
  for (size_t i = 0; i < properties; i++)
    v8ish_store(heap, new_names, 2 + i, old_names[2 + i]);
  v8ish_store(heap, new_names, 2 + properties, key);
  word_t *n = v8ish_untag(next);
  v8ish_store(heap, n, CLASS_NAMES, names);
  n[CLASS_PROPERTY_COUNT] = v8ish_smi((intptr_t)properties + 1);
  word_t *t = v8ish_untag(grown);
  transitions = v8ish_untag(k[CLASS_TRANSITIONS]);
  for (size_t i = 0; i < count; i++) v8ish_store(heap, t, 2 + i, transitions[2 + i]);
  v8ish_store(heap, t, 2 + count, key);
  v8ish_store(heap, t, 2 + count + 1, next);
  v8ish_store(heap, k, CLASS_TRANSITIONS, grown);
  return next;
}

ccgc_status v8ish_object_set(v8ish_heap *heap, v8ish_local object,
                             const char *name, v8ish_local value) {
  word_t *o = v8ish_checked_object_like(heap, object, "v8ish_object_set");
  if (!o) return CCGC_E_WRONG_TYPE;
  if (!name)
    return ccgc_error_misuse(heap->errors, CCGC_E_INVALID_ARGUMENT,
                             "v8ish_object_set: NULL property name");
  v8ish_value raw = v8ish_handle_value(heap, value, "v8ish_object_set");
  v8ish_value klass = v8ish_load(o, 0);
  long index = v8ish_class_find(klass, name);
  if (index >= 0) {
    word_t *k = v8ish_untag(klass);
    long inobject = v8ish_smi_value(k[CLASS_INOBJECT_COUNT]);
    if (index < inobject && (v8ish_smi_value(k[CLASS_RAW_BITS]) >> index) & 1)
      return ccgc_error_misuse(heap->errors, CCGC_E_WRONG_TYPE,
                               "v8ish_object_set: property '%s' holds an "
                               "unboxed double",
                               name);
    size_t slot;
    word_t *holder = v8ish_property_slot(o, klass, index, &slot);
    v8ish_store(heap, holder, slot, raw);
    return CCGC_OK;
  }
  /* Adding: allocate everything first, so a heap limit changes nothing. */
  v8ish_value next = transition(heap, klass, name);
  if (!next) return ccgc_collector_last_error(heap->collector)->code;
  word_t *n = v8ish_untag(next);
  long count = v8ish_smi_value(n[CLASS_PROPERTY_COUNT]);
  long inobject = v8ish_smi_value(n[CLASS_INOBJECT_COUNT]);
  index = count - 1;
  if (index >= inobject) {
    word_t *store = v8ish_untag(v8ish_load(o, OBJ_PROPERTIES));
    size_t have = (size_t)v8ish_smi_value(store[LENGTH]);
    size_t need = (size_t)(index - inobject + 1);
    if (need > have) {
      v8ish_value grown =
          v8ish_new_fixed_array(heap, have ? have * 2 : 4, "v8ish_object_set");
      if (!grown) return CCGC_E_HEAP_LIMIT;
      store = v8ish_untag(v8ish_load(o, OBJ_PROPERTIES));
      for (size_t i = 0; i < have; i++)
        v8ish_store(heap, v8ish_untag(grown), 2 + i, store[2 + i]);
      v8ish_store(heap, o, OBJ_PROPERTIES, grown);
    }
  }
  size_t slot;
  word_t *holder = v8ish_property_slot(o, next, index, &slot);
  v8ish_store(heap, holder, slot, raw);
  v8ish_store(heap, o, 0, next); /* appending: safe for concurrent markers */
  return CCGC_OK;
}

v8ish_local v8ish_object_get(v8ish_heap *heap, v8ish_local object,
                             const char *name) {
  word_t *o = v8ish_checked_object_like(heap, object, "v8ish_object_get");
  if (!o || !name) return v8ish_local_empty();
  v8ish_value klass = v8ish_load(o, 0);
  long index = v8ish_class_find(klass, name);
  if (index < 0) return v8ish_local_empty();
  word_t *k = v8ish_untag(klass);
  if (index < v8ish_smi_value(k[CLASS_INOBJECT_COUNT]) &&
      (v8ish_smi_value(k[CLASS_RAW_BITS]) >> index) & 1) {
    double value = v8ish_object_get_double(heap, object, name);
    return v8ish_number_new(heap, value);
  }
  size_t slot;
  word_t *holder = v8ish_property_slot(o, klass, index, &slot);
  return v8ish_handle_new(heap, v8ish_load(holder, slot), "v8ish_object_get");
}

bool v8ish_object_has(v8ish_heap *heap, v8ish_local object, const char *name) {
  word_t *o = v8ish_checked_object_like(heap, object, "v8ish_object_has");
  return o && name && v8ish_class_find(v8ish_load(o, 0), name) >= 0;
}

size_t v8ish_object_property_count(v8ish_heap *heap, v8ish_local object) {
  word_t *o = v8ish_checked_object_like(heap, object, "v8ish_object_property_count");
  if (!o) return 0;
  return (size_t)v8ish_smi_value(v8ish_untag(v8ish_load(o, 0))[CLASS_PROPERTY_COUNT]);
}

v8ish_local v8ish_object_class(v8ish_heap *heap, v8ish_local object) {
  word_t *o = v8ish_checked_object_like(heap, object, "v8ish_object_class");
  if (!o) return v8ish_local_empty();
  return v8ish_handle_new(heap, v8ish_load(o, 0), "v8ish_object_class");
}

/* --- growable arrays ----------------------------------------------------------- */

v8ish_local v8ish_array_new(v8ish_heap *heap) {
  word_t *a = new_object_like(heap, heap->array_class, "v8ish_array_new");
  if (!a) return v8ish_local_empty();
  a[ARRAY_LENGTH] = v8ish_smi(0);
  return v8ish_handle_new(heap, v8ish_tag(a), "v8ish_array_new");
}

/* Arrays and fixed arrays: the element store and the length. */
static word_t *elements_of(v8ish_heap *heap, v8ish_local array, size_t *length,
                           word_t **owner, const char *call) {
  v8ish_value raw = v8ish_handle_value(heap, array, call);
  if (v8ish_is_ref(raw)) {
    word_t *a = v8ish_untag(raw);
    v8ish_instance_type type = v8ish_class_type(v8ish_load(a, 0));
    if (type == V8ISH_TYPE_FIXED_ARRAY) {
      *length = (size_t)v8ish_smi_value(v8ish_load(a, LENGTH));
      *owner = NULL;
      return a;
    }
    if (type == V8ISH_TYPE_ARRAY) {
      *length = (size_t)v8ish_smi_value(v8ish_load(a, ARRAY_LENGTH));
      *owner = a;
      return v8ish_untag(v8ish_load(a, OBJ_ELEMENTS));
    }
  }
  ccgc_error_misuse(heap->errors, CCGC_E_WRONG_TYPE,
                    "%s: the value is not an array", call);
  return NULL;
}

size_t v8ish_array_length(v8ish_heap *heap, v8ish_local array) {
  size_t length = 0;
  word_t *owner;
  elements_of(heap, array, &length, &owner, "v8ish_array_length");
  return length;
}

v8ish_local v8ish_array_get(v8ish_heap *heap, v8ish_local array, size_t i) {
  size_t length;
  word_t *owner;
  word_t *elements = elements_of(heap, array, &length, &owner, "v8ish_array_get");
  if (!elements || i >= length) return v8ish_local_empty();
  return v8ish_handle_new(heap, v8ish_load(elements, 2 + i), "v8ish_array_get");
}

ccgc_status v8ish_array_set(v8ish_heap *heap, v8ish_local array, size_t i,
                            v8ish_local value) {
  size_t length;
  word_t *owner;
  word_t *elements = elements_of(heap, array, &length, &owner, "v8ish_array_set");
  if (!elements) return CCGC_E_WRONG_TYPE;
  if (i >= length)
    return ccgc_error_misuse(heap->errors, CCGC_E_INVALID_ARGUMENT,
                             "v8ish_array_set: index %zu out of range (length "
                             "%zu)",
                             i, length);
  v8ish_store(heap, elements, 2 + i,
              v8ish_handle_value(heap, value, "v8ish_array_set"));
  return CCGC_OK;
}

ccgc_status v8ish_array_push(v8ish_heap *heap, v8ish_local array,
                             v8ish_local value) {
  word_t *a = v8ish_checked(heap, array, V8ISH_TYPE_ARRAY, "v8ish_array_push");
  if (!a) return CCGC_E_WRONG_TYPE;
  v8ish_value raw = v8ish_handle_value(heap, value, "v8ish_array_push");
  size_t length = (size_t)v8ish_smi_value(a[ARRAY_LENGTH]);
  word_t *elements = v8ish_untag(v8ish_load(a, OBJ_ELEMENTS));
  size_t capacity = (size_t)v8ish_smi_value(v8ish_load(elements, LENGTH));
  if (length == capacity) {
    v8ish_value grown = v8ish_new_fixed_array(heap, capacity ? capacity * 2 : 4,
                                              "v8ish_array_push");
    if (!grown) return CCGC_E_HEAP_LIMIT;
    elements = v8ish_untag(v8ish_load(a, OBJ_ELEMENTS));
    for (size_t i = 0; i < length; i++)
      v8ish_store(heap, v8ish_untag(grown), 2 + i, v8ish_load(elements, 2 + i));
    v8ish_store(heap, a, OBJ_ELEMENTS, grown);
    elements = v8ish_untag(grown);
  }
  v8ish_store(heap, elements, 2 + length, raw);
  a[ARRAY_LENGTH] = v8ish_smi((intptr_t)length + 1);
  return CCGC_OK;
}

/* --- closures ------------------------------------------------------------------- */

v8ish_local v8ish_context_new(v8ish_heap *heap, v8ish_local parent,
                              size_t slot_count) {
  v8ish_value previous = v8ish_handle_value(heap, parent, "v8ish_context_new");
  if (slot_count > ((size_t)1 << 30)) {
    ccgc_error_set(heap->errors, CCGC_E_SIZE_OVERFLOW,
                   "v8ish_context_new: %zu slots overflow", slot_count);
    return v8ish_local_empty();
  }
  word_t *c = v8ish_allocate(heap, (CONTEXT_HEADER + slot_count) * 8,
                             "v8ish_context_new");
  if (!c) return v8ish_local_empty();
  v8ish_store(heap, c, 0, heap->context_class);
  c[LENGTH] = v8ish_smi((intptr_t)slot_count);
  v8ish_store(heap, c, CONTEXT_PREVIOUS, previous ? previous : v8ish_smi(0));
  for (size_t i = 0; i < slot_count; i++) c[CONTEXT_HEADER + i] = v8ish_smi(0);
  return v8ish_handle_new(heap, v8ish_tag(c), "v8ish_context_new");
}

v8ish_local v8ish_context_get(v8ish_heap *heap, v8ish_local context, size_t i) {
  word_t *c = v8ish_checked(heap, context, V8ISH_TYPE_CONTEXT, "v8ish_context_get");
  if (!c || i >= (size_t)v8ish_smi_value(c[LENGTH])) return v8ish_local_empty();
  return v8ish_handle_new(heap, v8ish_load(c, CONTEXT_HEADER + i),
                          "v8ish_context_get");
}

ccgc_status v8ish_context_set(v8ish_heap *heap, v8ish_local context, size_t i,
                              v8ish_local value) {
  word_t *c = v8ish_checked(heap, context, V8ISH_TYPE_CONTEXT, "v8ish_context_set");
  if (!c) return CCGC_E_WRONG_TYPE;
  if (i >= (size_t)v8ish_smi_value(c[LENGTH]))
    return ccgc_error_misuse(heap->errors, CCGC_E_INVALID_ARGUMENT,
                             "v8ish_context_set: slot %zu out of range", i);
  v8ish_store(heap, c, CONTEXT_HEADER + i,
              v8ish_handle_value(heap, value, "v8ish_context_set"));
  return CCGC_OK;
}

v8ish_local v8ish_closure_new(v8ish_heap *heap, v8ish_local context,
                              const char *name) {
  v8ish_value ctx = v8ish_handle_value(heap, context, "v8ish_closure_new");
  if (ctx && (!v8ish_is_ref(ctx) ||
              v8ish_class_type(v8ish_load(v8ish_untag(ctx), 0)) != V8ISH_TYPE_CONTEXT)) {
    ccgc_error_misuse(heap->errors, CCGC_E_WRONG_TYPE,
                      "v8ish_closure_new: the context is not a Context");
    return v8ish_local_empty();
  }
  const char *text = name ? name : "";
  v8ish_value string = v8ish_new_string(heap, text, strlen(text));
  if (!string) return v8ish_local_empty();
  word_t *f = new_object_like(heap, heap->closure_class, "v8ish_closure_new");
  if (!f) return v8ish_local_empty();
  v8ish_store(heap, f, CLOSURE_CONTEXT, ctx ? ctx : v8ish_smi(0));
  v8ish_store(heap, f, CLOSURE_NAME, string);
  return v8ish_handle_new(heap, v8ish_tag(f), "v8ish_closure_new");
}

v8ish_local v8ish_closure_context(v8ish_heap *heap, v8ish_local closure) {
  word_t *f = v8ish_checked(heap, closure, V8ISH_TYPE_CLOSURE,
                            "v8ish_closure_context");
  if (!f || !v8ish_is_ref(f[CLOSURE_CONTEXT])) return v8ish_local_empty();
  return v8ish_handle_new(heap, f[CLOSURE_CONTEXT], "v8ish_closure_context");
}

/* --- wrappers --------------------------------------------------------------------- */

static v8ish_value wrapper_class(v8ish_heap *heap, const char *class_name) {
  v8ish_value klass =
      (v8ish_value)g_hash_table_lookup(heap->wrapper_classes, class_name);
  if (klass) return klass;
  v8ish_value name = v8ish_new_string(heap, class_name, strlen(class_name));
  if (!name) return 0;
  klass = v8ish_new_class(heap, V8ISH_TYPE_WRAPPER,
                          WRAPPER_INOBJECT_START + V8ISH_INITIAL_SLACK,
                          WRAPPER_INOBJECT_START, V8ISH_INITIAL_SLACK);
  if (!klass) return 0;
  v8ish_store(heap, v8ish_untag(klass), CLASS_NAME, name);
  g_hash_table_insert(heap->wrapper_classes, g_strdup(class_name),
                      (gpointer)klass);
  return klass;
}

v8ish_local v8ish_wrapper_new(v8ish_heap *heap, const char *class_name) {
  v8ish_value klass = wrapper_class(heap, class_name ? class_name : "Object");
  if (!klass) return v8ish_local_empty();
  word_t *w = new_object_like(heap, klass, "v8ish_wrapper_new");
  if (!w) return v8ish_local_empty();
  w[WRAPPER_EMBEDDER] = 0; /* raw: no DOM object yet */
  return v8ish_handle_new(heap, v8ish_tag(w), "v8ish_wrapper_new");
}

ccgc_status v8ish_wrapper_set_embedder(v8ish_heap *heap, v8ish_local wrapper,
                                       void *object) {
  word_t *w = v8ish_checked(heap, wrapper, V8ISH_TYPE_WRAPPER,
                            "v8ish_wrapper_set_embedder");
  if (!w) return CCGC_E_WRONG_TYPE;
  if (object && !ccgc_collector_find_page(heap->collector, object))
    return ccgc_error_misuse(heap->errors, CCGC_E_FOREIGN_POINTER,
                             "v8ish_wrapper_set_embedder: %p is not an object "
                             "of any heap",
                             object);
  v8ish_store_raw(w, WRAPPER_EMBEDDER, (word_t)object);
  ccgc_barrier_write(heap->barrier, object); /* .inv.script-store-barriered */
  return CCGC_OK;
}

void *v8ish_wrapper_embedder(v8ish_heap *heap, v8ish_local wrapper) {
  word_t *w = v8ish_checked(heap, wrapper, V8ISH_TYPE_WRAPPER,
                            "v8ish_wrapper_embedder");
  return w ? (void *)v8ish_load(w, WRAPPER_EMBEDDER) : NULL;
}
