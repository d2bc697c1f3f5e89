/* checks.c - what a handle holds, checked and named: the slow paths of the
 * typed reads every API call starts with (their fast paths are inline in
 * checks-inl.h; misuse reported as CCGC_E_DEAD_HANDLE or CCGC_E_WRONG_TYPE),
 * the same reads with the entry check (v8ish_checked*), and type names for
 * messages, tools and the host (v8ish.h). */
#include <string.h>

#include "checks-inl.h"
#include "invariant-check.h"

static const char *const type_names[V8ISH_TYPE_COUNT] = {
    [V8ISH_TYPE_META_CLASS] = "MetaClass",
    [V8ISH_TYPE_HIDDEN_CLASS] = "HiddenClass",
    [V8ISH_TYPE_FILLER] = "Filler",
    [V8ISH_TYPE_HEAP_NUMBER] = "HeapNumber",
    [V8ISH_TYPE_STRING] = "String",
    [V8ISH_TYPE_FIXED_ARRAY] = "FixedArray",
    [V8ISH_TYPE_DOUBLE_ARRAY] = "DoubleArray",
    [V8ISH_TYPE_OBJECT] = "Object",
    [V8ISH_TYPE_ARRAY] = "Array",
    [V8ISH_TYPE_CONTEXT] = "Context",
    [V8ISH_TYPE_CLOSURE] = "Closure",
    [V8ISH_TYPE_WRAPPER] = "Wrapper",
    [V8ISH_TYPE_WEAK_MAP] = "WeakMap",
    [V8ISH_TYPE_WEAK_SET] = "WeakSet",
    [V8ISH_TYPE_EPHEMERON_TABLE] = "EphemeronHashTable",
    [V8ISH_TYPE_FINALIZATION_REGISTRY] = "FinalizationRegistry",
    [V8ISH_TYPE_WEAK_CELLS] = "WeakCells",
};

/* The meta class is the one object that is its own class. */
static v8ish_instance_type object_type(const word_t *object) {
  v8ish_value klass = v8ish_load(object, 0);
  if (v8ish_untag(klass) == object) return V8ISH_TYPE_META_CLASS;
  return v8ish_class_type(klass);
}

const char *v8ish_object_type_name(void *heap, const void *object) {
  v8ish_value klass = v8ish_load(object, 0);
  v8ish_instance_type type = object_type(object);
  if (type == V8ISH_TYPE_WRAPPER) {
    v8ish_value name = v8ish_untag(klass)[CLASS_NAME];
    /* A dead wrapper's class name may have died with it on a page a
     * compaction gave back (read from a finalizer run after the pause). */
    if (v8ish_is_ref(name) &&
        (!heap || ccgc_collector_find_page(((v8ish_heap *)heap)->base.collector,
                                           v8ish_untag(name))))
      return v8ish_string_bytes(name);
  }
  return (unsigned)type < V8ISH_TYPE_COUNT ? type_names[type] : "?";
}

/* A string's bytes and length (its length word: NUL bytes may come before
 * the end). */
static const char *string_text(v8ish_value string, size_t *length) {
  *length = (size_t)v8ish_smi_value(v8ish_untag(string)[LENGTH]);
  return v8ish_string_bytes(string);
}

const char *v8ish_object_label(void *heap, const void *object, size_t *length) {
  (void)heap;
  *length = 0;
  switch (object_type(object)) {
  case V8ISH_TYPE_STRING: return string_text(v8ish_tag(object), length);
  case V8ISH_TYPE_CLOSURE: {
    v8ish_value name = v8ish_load(object, CLOSURE_NAME);
    return v8ish_is_ref(name) ? string_text(name, length) : "";
  }
  default: return NULL;
  }
}

/* What a value is, for messages: "an integer", "a String", ... */
static const char *article(const char *noun) {
  return noun[0] && strchr("AEIOUaeiou", noun[0]) ? "an " : "a ";
}

const char *v8ish_value_noun(v8ish_heap *heap, v8ish_value value,
                             const char **article_out) {
  const char *noun = v8ish_is_ref(value)
                         ? v8ish_object_type_name(heap, v8ish_untag(value))
                         : "integer";
  *article_out = article(noun);
  return noun;
}

static const char *describe(v8ish_heap *heap, v8ish_local local,
                            v8ish_value value, const char **article_out) {
  if (!v8ish_local_is_empty(local))
    return v8ish_value_noun(heap, value, article_out);
  *article_out = article("empty handle");
  return "empty handle";
}

/* --- the slow paths of checks-inl.h: read again, report ------------------ */

word_t *v8ish_local_object_slow(v8ish_heap *heap, v8ish_local local,
                                v8ish_instance_type want, const char *call) {
  v8ish_value value;
  if (!v8ish_local_read(heap, local, call, &value)) return NULL; /* reported */
  if (v8ish_is_ref(value) && v8ish_has_type(v8ish_untag(value), want))
    return v8ish_untag(value);
  const char *got_article;
  const char *got = describe(heap, local, value, &got_article);
  CCGC_MISUSE(heap->base.errors, CCGC_E_WRONG_TYPE, ".api.wrong-type",
              "%s: expected %s%s, got %s%s", call, article(type_names[want]),
              type_names[want], got_article, got);
  return NULL;
}

word_t *v8ish_local_object_like_slow(v8ish_heap *heap, v8ish_local local,
                                     const char *call) {
  v8ish_value value;
  if (!v8ish_local_read(heap, local, call, &value)) return NULL; /* reported */
  if (v8ish_is_ref(value) && v8ish_is_object_like(v8ish_untag(value)))
    return v8ish_untag(value);
  const char *got_article;
  const char *got = describe(heap, local, value, &got_article);
  CCGC_MISUSE(heap->base.errors, CCGC_E_WRONG_TYPE, ".api.wrong-type",
              "%s: expected an object, got %s%s", call, got_article, got);
  return NULL;
}

word_t *v8ish_local_elements_slow(v8ish_heap *heap, v8ish_local array,
                                  size_t *length, word_t **owner,
                                  const char *call) {
  v8ish_value value;
  *length = 0;
  *owner = NULL;
  if (!v8ish_local_read(heap, array, call, &value)) return NULL; /* reported */
  if (v8ish_is_ref(value)) {
    word_t *a = v8ish_untag(value);
    if (v8ish_has_type(a, V8ISH_TYPE_FIXED_ARRAY)) {
      *length = (size_t)v8ish_smi_value(v8ish_load(a, LENGTH));
      return a;
    }
    if (v8ish_has_type(a, V8ISH_TYPE_ARRAY)) {
      *length = (size_t)v8ish_smi_value(v8ish_load(a, ARRAY_LENGTH));
      *owner = a;
      return v8ish_untag(v8ish_load(a, OBJ_ELEMENTS));
    }
  }
  const char *got_article;
  const char *got = describe(heap, array, value, &got_article);
  CCGC_MISUSE(heap->base.errors, CCGC_E_WRONG_TYPE, ".api.wrong-type",
              "%s: expected an Array or a FixedArray, got %s%s", call,
              got_article, got);
  return NULL;
}

/* --- the same with the entry check, for calls that did not check it ------- */

word_t *v8ish_checked(v8ish_heap *heap, v8ish_local local,
                      v8ish_instance_type want, const char *call) {
  if (!v8ish_enter(heap, CCGC_CALL_READ, call)) return NULL;
  return v8ish_local_object(heap, local, want, call);
}

word_t *v8ish_checked_object_like(v8ish_heap *heap, v8ish_local local,
                                  const char *call) {
  if (!v8ish_enter(heap, CCGC_CALL_READ, call)) return NULL;
  return v8ish_local_object_like(heap, local, call);
}

word_t *v8ish_checked_elements(v8ish_heap *heap, v8ish_local array,
                               size_t *length, word_t **owner,
                               const char *call) {
  *length = 0;
  *owner = NULL;
  if (!v8ish_enter(heap, CCGC_CALL_READ, call)) return NULL;
  return v8ish_local_elements(heap, array, length, owner, call);
}

/* --- introspection (v8ish.h) ---------------------------------------------- */

v8ish_instance_type v8ish_type_of(v8ish_heap *heap, v8ish_local value) {
  const char *call = "v8ish_type_of";
  v8ish_value raw;
  if (!v8ish_enter(heap, CCGC_CALL_READ, call) ||
      !v8ish_local_read(heap, value, call, &raw) || !v8ish_is_ref(raw))
    return V8ISH_TYPE_COUNT; /* dead, integer or empty */
  return object_type(v8ish_untag(raw));
}

/* The name of what a live local holds. */
static const char *name_of(v8ish_heap *heap, v8ish_local value,
                           v8ish_value raw) {
  if (v8ish_local_is_empty(value)) return "empty";
  if (!v8ish_is_ref(raw)) return "Integer";
  return v8ish_object_type_name(heap, v8ish_untag(raw));
}

const char *v8ish_type_name(v8ish_heap *heap, v8ish_local value) {
  const char *call = "v8ish_type_name";
  v8ish_value raw;
  if (!v8ish_enter(heap, CCGC_CALL_READ, call) ||
      !v8ish_local_read(heap, value, call, &raw))
    return "dead";
  return name_of(heap, value, raw);
}

const char *v8ish_local_type_name(v8ish_heap *heap, v8ish_local value) {
  v8ish_value raw;
  /* The empty local first: its slot's serial is no local's
   * (V8ISH_FAST_SLOT0_SERIAL), and before the first scope it has no slot. */
  if (v8ish_local_is_empty(value)) return "empty";
  if (!v8ish_local_peek(heap, value, &raw)) return "dead";
  return name_of(heap, value, raw);
}

void *v8ish_object_address(v8ish_heap *heap, v8ish_local value) {
  const char *call = "v8ish_object_address";
  v8ish_value raw;
  if (!v8ish_enter(heap, CCGC_CALL_READ, call) ||
      !v8ish_local_read(heap, value, call, &raw))
    return NULL;
  return v8ish_is_ref(raw) ? v8ish_untag(raw) : NULL;
}

ccgc_status v8ish_check_embedder(v8ish_heap *heap, const void *object,
                                 const char *call) {
  ccgc_collector *collector = heap->base.collector;
  ccgc_page *page = ccgc_collector_find_page(collector, object);
  if (!page)
    return CCGC_MISUSE(heap->base.errors, CCGC_E_FOREIGN_POINTER,
                       ".api.valid-object",
                       "%s: %p is not an object of any heap of this "
                       "collector",
                       call, object);
  if (page->heap_id == heap->base.heap_id)
    return CCGC_MISUSE(heap->base.errors, CCGC_E_INVALID_ARGUMENT,
                       ".api.valid-object",
                       "%s: %p is in the script heap itself; an embedder is "
                       "an object of another heap",
                       call, object);
  /* Another script heap's object moves as that heap scavenges and
   * compacts, and no embedder word follows it (a page's owner is its heap,
   * the heap's base first). */
  const ccgc_heap_base *owner = page->owner;
  if (owner && owner->sig == V8ISH_SIG)
    return CCGC_MISUSE(heap->base.errors, CCGC_E_INVALID_ARGUMENT,
                       ".api.valid-object",
                       "%s: %p is an object of another script heap, which "
                       "moves it; an embedder is an object of a heap of "
                       "another kind (a DOM object)",
                       call, object);
  if (!ccgc_collector_is_object(collector, object, page->heap_id)) {
    const char *name = ccgc_collector_heap_name(collector, page->heap_id);
    return CCGC_MISUSE(heap->base.errors, CCGC_E_DEAD_OBJECT,
                       ".api.valid-object",
                       "%s: %p is not a live object of the %s heap (an "
                       "interior pointer, free space or a reclaimed object)",
                       call, object, name ? name : "other");
  }
  /* .inv.backing-owner: a DOM backing store moves with its one owner slot;
   * an embedder word would keep its old address. */
  if (ccgc_collector_is_private(collector, object))
    return CCGC_MISUSE(heap->base.errors, CCGC_E_WRONG_TYPE,
                       ".inv.backing-owner",
                       "%s: %p is a backing store of the %s heap, which only "
                       "its owner may reference (compaction moves it)",
                       call, object,
                       ccgc_collector_heap_name(collector, page->heap_id)
                           ? ccgc_collector_heap_name(collector, page->heap_id)
                           : "other");
  return CCGC_OK;
}
