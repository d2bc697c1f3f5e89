/* hidden-class.c - hidden classes: creation, the descriptor array (property
 * names, shared along a transition chain), transitions, property lookup.
 *
 * A class's property i is named by names[i] (a String) for i < its property
 * count, and lives in in-object slot i while i < its in-object count, else in
 * the object's properties store at i - in-object count. The names array may
 * be longer than the count and shared: a class and every class reached from
 * it by transitions use one array as long as each appends into the free slot
 * just past its own count (V8's descriptor array sharing). A class never
 * reads past its count, so an append never changes what an existing class
 * (or a marker holding it) sees.
 */
#include <string.h>

#include "candidates.h"
#include "space-inl.h"

v8ish_value v8ish_new_class(v8ish_heap *heap, v8ish_instance_type type,
                            size_t words, size_t inobject_start,
                            size_t inobject_count, const char *call) {
  word_t *k = v8ish_allocate_class(heap, CLASS_SIZE_WORDS * 8, call);
  if (!k) return 0;
  v8ish_note_class(k); /* its page never moves */
  /* The meta class is its own class. */
  v8ish_store(heap, k, 0, heap->meta_class ? heap->meta_class : v8ish_tag(k));
  k[CLASS_TYPE] = v8ish_smi(type);
  k[CLASS_WORDS] = v8ish_smi((intptr_t)words);
  k[CLASS_INOBJECT_START] = v8ish_smi((intptr_t)inobject_start);
  k[CLASS_INOBJECT_COUNT] = v8ish_smi((intptr_t)inobject_count);
  k[CLASS_PROPERTY_COUNT] = v8ish_smi(0);
  k[CLASS_RAW_BITS] = v8ish_smi(0);
  /* During bootstrap the empty array does not exist yet: v8ish_heap_new
   * patches the first classes. */
  v8ish_value empty = heap->empty_fixed_array ? heap->empty_fixed_array : v8ish_smi(0);
  v8ish_store(heap, k, CLASS_NAMES, empty);
  v8ish_store(heap, k, CLASS_TRANSITIONS, empty);
  k[CLASS_BACK] = v8ish_smi(0);
  k[CLASS_NAME] = v8ish_smi(0);
  k[CLASS_SITE] = (word_t)k;
  k[CLASS_ALLOCATED] = k[CLASS_SURVIVED] = k[CLASS_PRETENURE] = v8ish_smi(0);
  v8ish_pretenuring_add_site(heap, k);
  v8ish_class_set_layout(heap, k);
  return v8ish_tag(k);
}

v8ish_value v8ish_clone_class(v8ish_heap *heap, v8ish_value klass,
                              const char *call) {
  word_t *k = v8ish_allocate_class(heap, CLASS_SIZE_WORDS * 8, call);
  if (!k) return 0;
  v8ish_note_class(k); /* its page never moves */
  const word_t *from = v8ish_untag(klass);
  for (size_t i = 0; i < CLASS_SIZE_WORDS; i++) v8ish_store(heap, k, i, from[i]);
  v8ish_store(heap, k, CLASS_TRANSITIONS, heap->empty_fixed_array);
  v8ish_store(heap, k, CLASS_BACK, klass);
  /* Its instances were allocated with the class it descends from: they
   * count in that one's site (copied above); its own counters stay 0. */
  k[CLASS_ALLOCATED] = k[CLASS_SURVIVED] = k[CLASS_PRETENURE] = v8ish_smi(0);
  return v8ish_tag(k);
}

/* --- names ----------------------------------------------------------------- */

/* FNV-1a: cheap, and good enough to skip most string compares. */
word_t v8ish_hash_bytes(const char *bytes, size_t len) {
  uint32_t hash = 2166136261u;
  for (size_t i = 0; i < len; i++) {
    hash ^= (uint8_t)bytes[i];
    hash *= 16777619u;
  }
  return hash;
}

const char *v8ish_string_bytes(v8ish_value string) {
  return (const char *)(v8ish_untag(string) + STRING_HEADER);
}

typedef struct name_key {
  const char *bytes;
  size_t len;
  word_t hash;
} name_key;

static name_key key_of(const char *name) {
  name_key key = {name, strlen(name), 0};
  key.hash = v8ish_hash_bytes(name, key.len);
  return key;
}

static bool string_is(v8ish_value string, const name_key *key) {
  if (!v8ish_is_ref(string)) return false;
  const word_t *s = v8ish_untag(string);
  return s[STRING_HASH] == key->hash &&
         (size_t)v8ish_smi_value(s[LENGTH]) == key->len &&
         memcmp(s + STRING_HEADER, key->bytes, key->len) == 0;
}

long v8ish_class_find(v8ish_value klass, const char *name) {
  name_key key = key_of(name);
  const word_t *k = v8ish_untag(klass);
  const word_t *names = v8ish_untag(v8ish_load(k, CLASS_NAMES));
  long count = v8ish_smi_value(k[CLASS_PROPERTY_COUNT]);
  for (long i = 0; i < count; i++)
    if (string_is(names[2 + i], &key)) return i;
  return -1;
}

word_t *v8ish_property_slot(const word_t *object, v8ish_value klass, long i,
                            size_t *index) {
  const word_t *k = v8ish_untag(klass);
  long inobject = v8ish_smi_value(k[CLASS_INOBJECT_COUNT]);
  if (i < inobject) {
    *index = (size_t)(v8ish_smi_value(k[CLASS_INOBJECT_START]) + i);
    return (word_t *)object;
  }
  *index = (size_t)(2 + i - inobject);
  return v8ish_untag(v8ish_load(object, OBJ_PROPERTIES));
}

/* --- transitions ------------------------------------------------------------- */

/* The transitions array holds [name, class] pairs, then free pairs (smi 0)
 * up to its length; it doubles when full. */
static v8ish_value find_transition(const word_t *k, const name_key *key,
                                   size_t *free_pair) {
  const word_t *transitions = v8ish_untag(v8ish_load(k, CLASS_TRANSITIONS));
  size_t length = (size_t)v8ish_smi_value(transitions[LENGTH]);
  size_t i = 0;
  for (; i + 1 < length && transitions[2 + i] != v8ish_smi(0); i += 2)
    if (string_is(transitions[2 + i], key)) return transitions[2 + i + 1];
  *free_pair = i + 1 < length ? i : SIZE_MAX;
  return 0;
}

v8ish_value v8ish_class_add_property(v8ish_heap *heap, v8ish_value klass,
                                     const char *name, const char *call) {
  name_key key = key_of(name);
  size_t free_pair = SIZE_MAX;
  v8ish_value next = find_transition(v8ish_untag(klass), &key, &free_pair);
  if (next) return next; /* objects with the same property order share it */

  word_t *k = v8ish_untag(klass);
  size_t properties = (size_t)v8ish_smi_value(k[CLASS_PROPERTY_COUNT]);
  word_t *names = v8ish_untag(k[CLASS_NAMES]);
  size_t capacity = (size_t)v8ish_smi_value(names[LENGTH]);
  bool share = properties < capacity && names[2 + properties] == v8ish_smi(0);
  word_t *transitions = v8ish_untag(k[CLASS_TRANSITIONS]);
  size_t pairs_length = (size_t)v8ish_smi_value(transitions[LENGTH]);

  /* Allocate everything first: at the heap limit nothing has changed. */
  v8ish_value string = v8ish_new_string(heap, key.bytes, key.len, call);
  if (!string) return 0;
  v8ish_value grown_names = 0, grown_transitions = 0;
  if (!share) {
    size_t want = properties + 1 < 4 ? 4 : (properties + 1) * 2;
    if (!(grown_names = v8ish_new_fixed_array(heap, want, call))) return 0;
  }
  if (free_pair == SIZE_MAX &&
      !(grown_transitions = v8ish_new_fixed_array(
            heap, pairs_length ? pairs_length * 2 : 4, call)))
    return 0;
  if (!(next = v8ish_clone_class(heap, klass, call))) return 0;

  /* The new class: the names up to its count, one more property. */
  if (share) {
    v8ish_store(heap, names, 2 + properties, string);
  } else {
    word_t *copy = v8ish_untag(grown_names);
    for (size_t i = 0; i < properties; i++)
      v8ish_store(heap, copy, 2 + i, names[2 + i]);
    v8ish_store(heap, copy, 2 + properties, string);
    v8ish_store(heap, v8ish_untag(next), CLASS_NAMES, grown_names);
  }
  v8ish_untag(next)[CLASS_PROPERTY_COUNT] = v8ish_smi((intptr_t)properties + 1);
  v8ish_class_set_layout(heap, v8ish_untag(next));

  /* Record the transition: class first, then the name that makes it found. */
  if (grown_transitions) {
    word_t *copy = v8ish_untag(grown_transitions);
    for (size_t i = 0; i < pairs_length; i++)
      v8ish_store(heap, copy, 2 + i, transitions[2 + i]);
    v8ish_store(heap, k, CLASS_TRANSITIONS, grown_transitions);
    transitions = copy;
    free_pair = pairs_length;
  }
  v8ish_store(heap, transitions, 2 + free_pair + 1, next);
  v8ish_store(heap, transitions, 2 + free_pair, string);
  return next;
}
