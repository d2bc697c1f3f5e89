/* checks-inl.h - what a local holds, checked, inline: the typed reads that
 * public calls start with. The fast path is the local's two compares
 * (handles-inl.h), a tag test and a type test on the object's class; every
 * other case - a dead handle, an integer, the empty local, another type -
 * is checks.c, which reports it (CCGC_E_DEAD_HANDLE, CCGC_E_WRONG_TYPE).
 *
 * Like handles-inl.h these do not check the entry: the public call did
 * (v8ish_enter, once). v8ish_checked* (heap-internal.h) do it themselves.
 *
 * The address comes from a handle, so it is trusted: an object of this
 * heap, alive (locals are roots). No page or registry lookup is needed.
 */
#ifndef V8ISH_CHECKS_INL_H
#define V8ISH_CHECKS_INL_H

#include "handles-inl.h"

/* The slow paths (checks.c): read again, report, NULL. */
word_t *v8ish_local_object_slow(v8ish_heap *heap, v8ish_local local,
                                v8ish_instance_type want, const char *call);
word_t *v8ish_local_object_like_slow(v8ish_heap *heap, v8ish_local local,
                                     const char *call);
word_t *v8ish_local_elements_slow(v8ish_heap *heap, v8ish_local array,
                                  size_t *length, word_t **owner,
                                  const char *call);

/* What a local holds, named for a message ("empty", "Integer", a type or
 * a wrapper's class name; "dead"), nothing reported: for calls that
 * checked their entry and are reporting something else. */
const char *v8ish_local_type_name(v8ish_heap *heap, v8ish_local value);
/* What a value is, for messages, with its article: "an " "integer",
 * "a " "String", a wrapper's class name (checks.c). */
const char *v8ish_value_noun(v8ish_heap *heap, v8ish_value value,
                             const char **article);

/* Whether object's class says its instances are of type: the class's type
 * word compared as the small integer it is, nothing decoded. (The meta
 * class's instances are hidden classes, so this is HIDDEN_CLASS for it.) */
static inline bool v8ish_has_type(const word_t *object,
                                  v8ish_instance_type type) {
  return v8ish_untag(v8ish_load(object, 0))[CLASS_TYPE] == v8ish_smi(type);
}

/* Objects with a properties store and named properties. */
#define V8ISH_OBJECT_LIKE_TYPES                                         \
  ((1u << V8ISH_TYPE_OBJECT) | (1u << V8ISH_TYPE_ARRAY) |               \
   (1u << V8ISH_TYPE_CLOSURE) | (1u << V8ISH_TYPE_WRAPPER))

static inline bool v8ish_is_object_like(const word_t *object) {
  word_t type = v8ish_untag(v8ish_load(object, 0))[CLASS_TYPE] >> 1;
  return type < 32 && ((V8ISH_OBJECT_LIKE_TYPES >> type) & 1);
}

/* The object a live local holds if it is of type want, else NULL after
 * reporting (v8ish_last_status is then the code). */
static inline word_t *v8ish_local_object(v8ish_heap *heap, v8ish_local local,
                                         v8ish_instance_type want,
                                         const char *call) {
  v8ish_value value;
  if (__builtin_expect(v8ish_local_peek(heap, local, &value) &&
                           v8ish_is_ref(value) &&
                           v8ish_has_type(v8ish_untag(value), want),
                       1))
    return v8ish_untag(value);
  return v8ish_local_object_slow(heap, local, want, call);
}

/* An Object, Array, Closure or Wrapper, else NULL after reporting. */
static inline word_t *v8ish_local_object_like(v8ish_heap *heap,
                                              v8ish_local local,
                                              const char *call) {
  v8ish_value value;
  if (__builtin_expect(v8ish_local_peek(heap, local, &value) &&
                           v8ish_is_ref(value) &&
                           v8ish_is_object_like(v8ish_untag(value)),
                       1))
    return v8ish_untag(value);
  return v8ish_local_object_like_slow(heap, local, call);
}

/* An Array's or a FixedArray's element store (tagged elements from index
 * 2) and its length; *owner is the Array holding the store, NULL for a
 * FixedArray. NULL (length 0) after reporting anything else. */
static inline word_t *v8ish_local_elements(v8ish_heap *heap, v8ish_local array,
                                           size_t *length, word_t **owner,
                                           const char *call) {
  v8ish_value value;
  if (__builtin_expect(v8ish_local_peek(heap, array, &value) &&
                           v8ish_is_ref(value),
                       1)) {
    word_t *a = v8ish_untag(value);
    if (__builtin_expect(v8ish_has_type(a, V8ISH_TYPE_FIXED_ARRAY), 1)) {
      *length = (size_t)v8ish_smi_value(v8ish_load(a, LENGTH));
      *owner = NULL;
      return a;
    }
    if (v8ish_has_type(a, V8ISH_TYPE_ARRAY)) {
      *length = (size_t)v8ish_smi_value(v8ish_load(a, ARRAY_LENGTH));
      *owner = a;
      return v8ish_untag(v8ish_load(a, OBJ_ELEMENTS));
    }
  }
  return v8ish_local_elements_slow(heap, array, length, owner, call);
}

#endif /* V8ISH_CHECKS_INL_H */
