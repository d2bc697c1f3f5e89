/* shape-changes.c - the script heap's in-place layout changes
 * (docs/shape-changes.md). Each unsafe change first runs the collector's
 * protocol (ccgc_barrier_before_unsafe_change): while marking runs, the
 * mutator makes the object black and visits it with its *old* layout before
 * changing it, so no marker follows a word whose kind changed under it. */
#include <string.h>

#include "heap-internal.h"

/* The one place every unsafe change goes through. */
static void unsafe_change_begin(v8ish_heap *heap, word_t *object) {
  ccgc_barrier_before_unsafe_change(heap->barrier, object);
}

ccgc_status v8ish_object_unbox_double(v8ish_heap *heap, v8ish_local object,
                                      const char *name) {
  word_t *o = v8ish_checked_object_like(heap, object, "v8ish_object_unbox_double");
  if (!o) return CCGC_E_WRONG_TYPE;
  v8ish_value klass = v8ish_load(o, 0);
  long index = name ? v8ish_class_find(klass, name) : -1;
  word_t *k = v8ish_untag(klass);
  if (index < 0 || index >= v8ish_smi_value(k[CLASS_INOBJECT_COUNT]))
    return ccgc_error_misuse(heap->errors, CCGC_E_INVALID_ARGUMENT,
                             "v8ish_object_unbox_double: '%s' is not an "
                             "in-object property",
                             name ? name : "(null)");
  if ((v8ish_smi_value(k[CLASS_RAW_BITS]) >> index) & 1) return CCGC_OK;
  size_t slot = (size_t)(v8ish_smi_value(k[CLASS_INOBJECT_START]) + index);
  v8ish_value boxed = v8ish_load(o, slot);
  if (!v8ish_is_ref(boxed) ||
      v8ish_class_type(v8ish_load(v8ish_untag(boxed), 0)) != V8ISH_TYPE_HEAP_NUMBER)
    return ccgc_error_misuse(heap->errors, CCGC_E_WRONG_TYPE,
                             "v8ish_object_unbox_double: property '%s' does "
                             "not hold a boxed number",
                             name);
  /* The new class first (it may fail at the heap limit: nothing changed). */
  word_t *next = v8ish_allocate(heap, CLASS_SIZE_WORDS * 8,
                                "v8ish_object_unbox_double");
  if (!next) return CCGC_E_HEAP_LIMIT;
  k = v8ish_untag(v8ish_load(o, 0));
  for (size_t i = 0; i < CLASS_SIZE_WORDS; i++) v8ish_store(heap, next, i, k[i]);
  next[CLASS_RAW_BITS] =
      v8ish_smi(v8ish_smi_value(k[CLASS_RAW_BITS]) | ((intptr_t)1 << index));
  v8ish_store(heap, next, CLASS_TRANSITIONS, heap->empty_fixed_array);
  v8ish_store(heap, next, CLASS_BACK, v8ish_load(o, 0));
  double value;
  memcpy(&value, &v8ish_untag(boxed)[1], sizeof value);
  unsafe_change_begin(heap, o);
  word_t bits;
  memcpy(&bits, &value, sizeof bits);
  v8ish_store_raw(o, slot, bits);            /* a tagged slot now holds raw bits */
  v8ish_store(heap, o, 0, v8ish_tag(next));  /* ... and the class says so */
  return CCGC_OK;
}

double v8ish_object_get_double(v8ish_heap *heap, v8ish_local object,
                               const char *name) {
  word_t *o = v8ish_checked_object_like(heap, object, "v8ish_object_get_double");
  if (!o || !name) return 0;
  v8ish_value klass = v8ish_load(o, 0);
  long index = v8ish_class_find(klass, name);
  if (index < 0) return 0;
  word_t *k = v8ish_untag(klass);
  size_t slot;
  word_t *holder = v8ish_property_slot(o, klass, index, &slot);
  word_t word = v8ish_load(holder, slot);
  double value;
  if (index < v8ish_smi_value(k[CLASS_INOBJECT_COUNT]) &&
      (v8ish_smi_value(k[CLASS_RAW_BITS]) >> index) & 1) {
    memcpy(&value, &word, sizeof value);
    return value;
  }
  if (v8ish_is_ref(word) &&
      v8ish_class_type(v8ish_load(v8ish_untag(word), 0)) == V8ISH_TYPE_HEAP_NUMBER) {
    memcpy(&value, &v8ish_untag(word)[1], sizeof value);
    return value;
  }
  return v8ish_is_ref(word) ? 0 : (double)v8ish_smi_value(word);
}

/* Moves a fixed array's start forward by n words in place. The only
 * references to it must be the ones this function updates: the owning
 * array's elements field, handles, globals and traced references. */
static word_t *trim_fixed_array(v8ish_heap *heap, word_t *array, size_t n) {
  size_t length = (size_t)v8ish_smi_value(v8ish_load(array, LENGTH));
  unsafe_change_begin(heap, array);
  ccgc_color color = ccgc_color_of(array);
  word_t *moved = array + n;
  v8ish_store_raw(moved, LENGTH, v8ish_smi((intptr_t)(length - n)));
  v8ish_store_raw(moved, 0, heap->fixed_array_class);
  v8ish_write_filler(heap, array, n * 8);
  /* The object now starts elsewhere: its mark state moves with it. */
  if (ccgc_mark_byte(moved) != ccgc_mark_byte(array)) ccgc_mark_set(moved, color);
  heap->used_bytes -= n * 8;
  v8ish_handles_relocate(heap, v8ish_tag(array), v8ish_tag(moved));
  return moved;
}

ccgc_status v8ish_array_left_trim(v8ish_heap *heap, v8ish_local array,
                                  size_t n) {
  v8ish_value raw = v8ish_handle_value(heap, array, "v8ish_array_left_trim");
  if (!v8ish_is_ref(raw))
    return ccgc_error_misuse(heap->errors, CCGC_E_WRONG_TYPE,
                             "v8ish_array_left_trim: not an array");
  word_t *a = v8ish_untag(raw);
  v8ish_instance_type type = v8ish_class_type(v8ish_load(a, 0));
  if (type == V8ISH_TYPE_ARRAY) {
    size_t length = (size_t)v8ish_smi_value(a[ARRAY_LENGTH]);
    word_t *elements = v8ish_untag(v8ish_load(a, OBJ_ELEMENTS));
    if (n > length)
      return ccgc_error_misuse(heap->errors, CCGC_E_INVALID_ARGUMENT,
                               "v8ish_array_left_trim: %zu > length %zu", n, length);
    if (n == 0) return CCGC_OK;
    if (elements == v8ish_untag(heap->empty_fixed_array)) return CCGC_OK;
    /* Keep at least the header's two words plus one in the trimmed store. */
    size_t capacity = (size_t)v8ish_smi_value(v8ish_load(elements, LENGTH));
    if (capacity - n < 1) {
      v8ish_store(heap, a, OBJ_ELEMENTS, heap->empty_fixed_array);
    } else {
      word_t *moved = trim_fixed_array(heap, elements, n);
      v8ish_store(heap, a, OBJ_ELEMENTS, v8ish_tag(moved));
    }
    a[ARRAY_LENGTH] = v8ish_smi((intptr_t)(length - n));
    return CCGC_OK;
  }
  if (type == V8ISH_TYPE_FIXED_ARRAY) {
    size_t length = (size_t)v8ish_smi_value(v8ish_load(a, LENGTH));
    if (n >= length)
      return ccgc_error_misuse(heap->errors, CCGC_E_INVALID_ARGUMENT,
                               "v8ish_array_left_trim: cannot trim %zu of %zu "
                               "elements (at least one must stay)",
                               n, length);
    if (n) trim_fixed_array(heap, a, n);
    return CCGC_OK;
  }
  return ccgc_error_misuse(heap->errors, CCGC_E_WRONG_TYPE,
                           "v8ish_array_left_trim: not an array");
}

ccgc_status v8ish_object_shrink_slack(v8ish_heap *heap, v8ish_local object) {
  word_t *o = v8ish_checked_object_like(heap, object, "v8ish_object_shrink_slack");
  if (!o) return CCGC_E_WRONG_TYPE;
  v8ish_value klass = v8ish_load(o, 0);
  word_t *k = v8ish_untag(klass);
  long inobject = v8ish_smi_value(k[CLASS_INOBJECT_COUNT]);
  long used = v8ish_smi_value(k[CLASS_PROPERTY_COUNT]);
  if (used >= inobject) return CCGC_OK; /* no slack left */
  long start = v8ish_smi_value(k[CLASS_INOBJECT_START]);
  size_t old_words = (size_t)v8ish_smi_value(k[CLASS_WORDS]);
  size_t new_words = (size_t)(start + used);
  if (new_words < 2) new_words = 2; /* .inv.one-byte-per-object: >= 16 bytes */
  if (new_words >= old_words) return CCGC_OK;
  word_t *next = v8ish_allocate(heap, CLASS_SIZE_WORDS * 8,
                                "v8ish_object_shrink_slack");
  if (!next) return CCGC_E_HEAP_LIMIT;
  k = v8ish_untag(v8ish_load(o, 0));
  for (size_t i = 0; i < CLASS_SIZE_WORDS; i++) v8ish_store(heap, next, i, k[i]);
  next[CLASS_WORDS] = v8ish_smi((intptr_t)new_words);
  next[CLASS_INOBJECT_COUNT] = v8ish_smi((intptr_t)(new_words - (size_t)start));
  v8ish_store(heap, next, CLASS_TRANSITIONS, heap->empty_fixed_array);
  v8ish_store(heap, next, CLASS_BACK, v8ish_load(o, 0));
  unsafe_change_begin(heap, o);
  v8ish_store(heap, o, 0, v8ish_tag(next)); /* the size shrinks ... */
  v8ish_write_filler(heap, o + new_words, (old_words - new_words) * 8);
  heap->used_bytes -= (old_words - new_words) * 8; /* ... the tail is free */
  return CCGC_OK;
}
