/* objects.c - plain objects and their named properties, contexts, closures
 * and wrappers (v8ish.h). Hidden classes and transitions: hidden-class.c.
 *
 * Object-like layouts start [map, properties store, elements store, ...]:
 *   Object   [.., in-object slots (V8ISH_INITIAL_SLACK of them, slack)]
 *   Closure  [.., context, name]
 *   Wrapper  [.., embedder (raw address, never tagged), in-object slots]
 * Context  [map, length, previous, slots...]
 */
#include <string.h>

#include "checks-inl.h"
#include "invariant-check.h"
#include "space-inl.h"

static word_t *new_object_like(v8ish_heap *heap, v8ish_value klass,
                               const char *call) {
  size_t words = (size_t)v8ish_smi_value(v8ish_untag(klass)[CLASS_WORDS]);
  word_t *o = v8ish_allocate_instance(heap, klass, words * 8, call);
  if (!o) return NULL;
  v8ish_store(heap, o, 0, klass);
  v8ish_store(heap, o, OBJ_PROPERTIES, heap->empty_fixed_array);
  v8ish_store(heap, o, OBJ_ELEMENTS, heap->empty_fixed_array);
  return o; /* other words: 0, the integer 0 */
}

v8ish_local v8ish_object_new(v8ish_heap *heap) {
  if (!v8ish_enter(heap, CCGC_CALL_READ, "v8ish_object_new"))
    return v8ish_local_empty();
  word_t *o = new_object_like(heap, heap->object_class, "v8ish_object_new");
  return o ? v8ish_local_push(heap, v8ish_tag(o), "v8ish_object_new")
           : v8ish_local_empty();
}

static bool is_unboxed(v8ish_value klass, long index) {
  const word_t *k = v8ish_untag(klass);
  return index < v8ish_smi_value(k[CLASS_INOBJECT_COUNT]) &&
         ((v8ish_smi_value(k[CLASS_RAW_BITS]) >> index) & 1);
}

/* Adds a property: the new class and any bigger properties store are
 * allocated first, so a heap limit changes nothing; then the value is
 * stored, then the class (a safe change: existing fields keep their place
 * and kind, and the new slot was not a field of the old class). */
static ccgc_status add_property(v8ish_heap *heap, word_t *o, v8ish_value klass,
                                const char *name, v8ish_value value) {
  const char *call = "v8ish_object_set";
  v8ish_value next = v8ish_class_add_property(heap, klass, name, call);
  if (!next) return v8ish_last_status(heap);
  const word_t *n = v8ish_untag(next);
  long index = v8ish_smi_value(n[CLASS_PROPERTY_COUNT]) - 1;
  long inobject = v8ish_smi_value(n[CLASS_INOBJECT_COUNT]);
  if (index >= inobject) {
    word_t *store = v8ish_untag(v8ish_load(o, OBJ_PROPERTIES));
    size_t have = (size_t)v8ish_smi_value(store[LENGTH]);
    if ((size_t)(index - inobject) >= have) {
      v8ish_value grown = v8ish_new_fixed_array(heap, have ? have * 2 : 4, call);
      if (!grown) return v8ish_last_status(heap);
      for (size_t i = 0; i < have; i++)
        v8ish_store(heap, v8ish_untag(grown), 2 + i, store[2 + i]);
      v8ish_store(heap, o, OBJ_PROPERTIES, grown);
    }
  }
  size_t slot;
  word_t *holder = v8ish_property_slot(o, next, index, &slot);
  v8ish_store(heap, holder, slot, value);
  v8ish_store(heap, o, 0, next);
  return CCGC_OK;
}

/* A property name: NULL is misuse, on reads as on stores (script-heap.md
 * "Errors": a bad name). */
bool v8ish_named(v8ish_heap *heap, const char *name, const char *call) {
  if (name) return true;
  CCGC_MISUSE(heap->base.errors, CCGC_E_INVALID_ARGUMENT, ".api.argument",
              "%s: NULL property name", call);
  return false;
}

ccgc_status v8ish_object_set(v8ish_heap *heap, v8ish_local object,
                             const char *name, v8ish_local value) {
  const char *call = "v8ish_object_set";
  if (!v8ish_enter(heap, CCGC_CALL_STORE, call)) return v8ish_last_status(heap);
  word_t *o = v8ish_local_object_like(heap, object, call);
  if (!o) return v8ish_last_status(heap);
  if (!v8ish_named(heap, name, call)) return CCGC_E_INVALID_ARGUMENT;
  v8ish_value raw; /* an empty local stores the integer 0 */
  if (!v8ish_local_read(heap, value, call, &raw)) return CCGC_E_DEAD_HANDLE;
  if (v8ish_refuse_resurrection(heap, o, raw, call, NULL))
    return CCGC_E_DEAD_OBJECT;
  v8ish_value klass = v8ish_load(o, 0);
  long index = v8ish_class_find(klass, name);
  if (index < 0) return add_property(heap, o, klass, name, raw);
  if (is_unboxed(klass, index))
    return CCGC_MISUSE(heap->base.errors, CCGC_E_WRONG_TYPE, ".api.wrong-type",
                       "v8ish_object_set: property '%s' holds an unboxed "
                       "double",
                       name);
  size_t slot;
  word_t *holder = v8ish_property_slot(o, klass, index, &slot);
  v8ish_store(heap, holder, slot, raw); /* overwrite: same kind of word */
  return CCGC_OK;
}

v8ish_local v8ish_object_get(v8ish_heap *heap, v8ish_local object,
                             const char *name) {
  const char *call = "v8ish_object_get";
  if (!v8ish_enter(heap, CCGC_CALL_READ, call)) return v8ish_local_empty();
  word_t *o = v8ish_local_object_like(heap, object, call);
  if (!o || !v8ish_named(heap, name, call)) return v8ish_local_empty();
  v8ish_value klass = v8ish_load(o, 0);
  long index = v8ish_class_find(klass, name);
  if (index < 0) return v8ish_local_empty();
  if (is_unboxed(klass, index)) /* box a copy for the caller: allocates */
    return v8ish_box_double(heap, v8ish_object_get_double(heap, object, name), call);
  size_t slot;
  word_t *holder = v8ish_property_slot(o, klass, index, &slot);
  return v8ish_local_push(heap, v8ish_load(holder, slot), call);
}

bool v8ish_object_has(v8ish_heap *heap, v8ish_local object, const char *name) {
  word_t *o = v8ish_checked_object_like(heap, object, "v8ish_object_has");
  return o && v8ish_named(heap, name, "v8ish_object_has") &&
         v8ish_class_find(v8ish_load(o, 0), name) >= 0;
}

size_t v8ish_object_property_count(v8ish_heap *heap, v8ish_local object) {
  word_t *o = v8ish_checked_object_like(heap, object, "v8ish_object_property_count");
  if (!o) return 0;
  return (size_t)v8ish_smi_value(v8ish_untag(v8ish_load(o, 0))[CLASS_PROPERTY_COUNT]);
}

v8ish_local v8ish_object_class(v8ish_heap *heap, v8ish_local object) {
  const char *call = "v8ish_object_class";
  if (!v8ish_enter(heap, CCGC_CALL_READ, call)) return v8ish_local_empty();
  word_t *o = v8ish_local_object_like(heap, object, call);
  if (!o) return v8ish_local_empty();
  return v8ish_local_push(heap, v8ish_load(o, 0), call);
}

/* --- contexts and closures --------------------------------------------------- */

/* An optional Context argument: true and its value (0 if empty), or false
 * after reporting a dead handle or a value of another kind. */
static bool optional_context(v8ish_heap *heap, v8ish_local local,
                             const char *call, v8ish_value *out) {
  if (!v8ish_local_read(heap, local, call, out)) return false;
  if (v8ish_local_is_empty(local)) return true;
  if (v8ish_is_ref(*out) &&
      v8ish_has_type(v8ish_untag(*out), V8ISH_TYPE_CONTEXT))
    return true;
  CCGC_MISUSE(heap->base.errors, CCGC_E_WRONG_TYPE, ".api.wrong-type",
              "%s: expected a Context or an empty handle, got %s", call,
              v8ish_local_type_name(heap, local));
  return false;
}

v8ish_local v8ish_context_new(v8ish_heap *heap, v8ish_local parent,
                              size_t slot_count) {
  const char *call = "v8ish_context_new";
  if (!v8ish_enter(heap, CCGC_CALL_READ, call)) return v8ish_local_empty();
  v8ish_value previous;
  if (!optional_context(heap, parent, call, &previous)) return v8ish_local_empty();
  if (slot_count > V8ISH_MAX_ELEMENTS) {
    ccgc_error_set(heap->base.errors, CCGC_E_SIZE_OVERFLOW,
                   "v8ish_context_new: %zu slots overflow the largest object",
                   slot_count);
    return v8ish_local_empty();
  }
  word_t *c = v8ish_allocate_instance(heap, heap->context_class,
                                      (CONTEXT_HEADER + slot_count) * 8, call);
  if (!c) return v8ish_local_empty();
  v8ish_store(heap, c, 0, heap->context_class);
  c[LENGTH] = v8ish_smi((intptr_t)slot_count);
  v8ish_store(heap, c, CONTEXT_PREVIOUS, previous ? previous : v8ish_smi(0));
  return v8ish_local_push(heap, v8ish_tag(c), call);
}

v8ish_local v8ish_context_get(v8ish_heap *heap, v8ish_local context, size_t i) {
  const char *call = "v8ish_context_get";
  if (!v8ish_enter(heap, CCGC_CALL_READ, call)) return v8ish_local_empty();
  word_t *c = v8ish_local_object(heap, context, V8ISH_TYPE_CONTEXT, call);
  if (!c || i >= (size_t)v8ish_smi_value(c[LENGTH])) return v8ish_local_empty();
  return v8ish_local_push(heap, v8ish_load(c, CONTEXT_HEADER + i), call);
}

ccgc_status v8ish_context_set(v8ish_heap *heap, v8ish_local context, size_t i,
                              v8ish_local value) {
  const char *call = "v8ish_context_set";
  if (!v8ish_enter(heap, CCGC_CALL_STORE, call)) return v8ish_last_status(heap);
  word_t *c = v8ish_local_object(heap, context, V8ISH_TYPE_CONTEXT, call);
  if (!c) return v8ish_last_status(heap);
  v8ish_value raw;
  if (!v8ish_local_read(heap, value, call, &raw)) return CCGC_E_DEAD_HANDLE;
  size_t length = (size_t)v8ish_smi_value(c[LENGTH]);
  if (i >= length)
    return CCGC_MISUSE(heap->base.errors, CCGC_E_INVALID_ARGUMENT,
                       ".api.argument",
                       "v8ish_context_set: slot %zu out of range (%zu "
                       "slots)",
                       i, length);
  if (v8ish_refuse_resurrection(heap, c, raw, call, NULL))
    return CCGC_E_DEAD_OBJECT;
  v8ish_store(heap, c, CONTEXT_HEADER + i, raw);
  return CCGC_OK;
}

v8ish_local v8ish_closure_new(v8ish_heap *heap, v8ish_local context,
                              const char *name) {
  const char *call = "v8ish_closure_new";
  if (!v8ish_enter(heap, CCGC_CALL_READ, call)) return v8ish_local_empty();
  v8ish_value ctx;
  if (!optional_context(heap, context, call, &ctx)) return v8ish_local_empty();
  const char *text = name ? name : "";
  v8ish_value string = v8ish_new_string(heap, text, strlen(text), call);
  if (!string) return v8ish_local_empty();
  word_t *f = new_object_like(heap, heap->closure_class, call);
  if (!f) return v8ish_local_empty();
  v8ish_store(heap, f, CLOSURE_CONTEXT, ctx ? ctx : v8ish_smi(0));
  v8ish_store(heap, f, CLOSURE_NAME, string);
  return v8ish_local_push(heap, v8ish_tag(f), call);
}

v8ish_local v8ish_closure_context(v8ish_heap *heap, v8ish_local closure) {
  const char *call = "v8ish_closure_context";
  if (!v8ish_enter(heap, CCGC_CALL_READ, call)) return v8ish_local_empty();
  word_t *f = v8ish_local_object(heap, closure, V8ISH_TYPE_CLOSURE, call);
  if (!f || !v8ish_is_ref(f[CLOSURE_CONTEXT])) return v8ish_local_empty();
  return v8ish_local_push(heap, f[CLOSURE_CONTEXT], call);
}

/* --- wrappers ------------------------------------------------------------------ */

/* One class per class name, cached by name. The cache is a root set of the
 * heap (trace_roots, "script internals"), so a cached class never dies. */
static v8ish_value wrapper_class(v8ish_heap *heap, const char *class_name,
                                 const char *call) {
  v8ish_value klass =
      (v8ish_value)g_hash_table_lookup(heap->wrapper_classes, class_name);
  if (klass) return klass;
  v8ish_value name = v8ish_new_string(heap, class_name, strlen(class_name), call);
  if (!name) return 0;
  klass = v8ish_new_class(heap, V8ISH_TYPE_WRAPPER,
                          WRAPPER_INOBJECT_START + V8ISH_INITIAL_SLACK,
                          WRAPPER_INOBJECT_START, V8ISH_INITIAL_SLACK, call);
  if (!klass) return 0;
  v8ish_store(heap, v8ish_untag(klass), CLASS_NAME, name);
  g_hash_table_insert(heap->wrapper_classes, g_strdup(class_name),
                      (gpointer)klass);
  return klass;
}

v8ish_local v8ish_wrapper_new(v8ish_heap *heap, const char *class_name) {
  const char *call = "v8ish_wrapper_new";
  if (!v8ish_enter(heap, CCGC_CALL_ALLOCATE, call)) return v8ish_local_empty();
  v8ish_value klass = wrapper_class(heap, class_name ? class_name : "Object", call);
  if (!klass) return v8ish_local_empty();
  word_t *w = new_object_like(heap, klass, call);
  if (!w) return v8ish_local_empty();
  /* w[WRAPPER_EMBEDDER] is 0: no DOM object yet. */
  return v8ish_local_push(heap, v8ish_tag(w), call);
}

ccgc_status v8ish_wrapper_set_embedder(v8ish_heap *heap, v8ish_local wrapper,
                                       void *object) {
  const char *call = "v8ish_wrapper_set_embedder";
  if (!v8ish_enter(heap, CCGC_CALL_STORE, call)) return v8ish_last_status(heap);
  word_t *w = v8ish_local_object(heap, wrapper, V8ISH_TYPE_WRAPPER, call);
  if (!w) return v8ish_last_status(heap);
  /* .api.valid-object: the start of a live object of another heap. */
  ccgc_status status = object ? v8ish_check_embedder(heap, object, call)
                              : CCGC_OK;
  if (status != CCGC_OK) return status;
  void *current = (void *)v8ish_load(w, WRAPPER_EMBEDDER);
  if (object == current) return CCGC_OK;
  /* .api.one-wrapper: a wrapper wraps one DOM object for its life (it may
   * let go of one it was never paired with by a bridge). */
  if (current && object)
    return CCGC_MISUSE(heap->base.errors, CCGC_E_WRAPPER_CONFLICT,
                       ".api.one-wrapper",
                       "%s: the wrapper already wraps %p; it cannot wrap %p "
                       "too",
                       call, current, object);
  for (v8ish_bridge_link *link = heap->bridges; link; link = link->next) {
    status = link->embedder_change(link, w, current, object, call);
    if (status != CCGC_OK) return status;
  }
  v8ish_store_embedder(heap, w, object); /* .inv.script-store-barriered */
  return CCGC_OK;
}

void v8ish_wrapper_forget_embedder(v8ish_heap *heap, void *wrapper,
                                   const void *object) {
  word_t *w = wrapper;
  if (!w || !v8ish_is_object(heap, w) ||
      v8ish_class_type(v8ish_load(w, 0)) != V8ISH_TYPE_WRAPPER ||
      (const void *)v8ish_load(w, WRAPPER_EMBEDDER) != object)
    return;
  /* NULL needs no barrier; a release store for a concurrent marker. */
  v8ish_store_raw(w, WRAPPER_EMBEDDER, 0);
}

void *v8ish_wrapper_embedder(v8ish_heap *heap, v8ish_local wrapper) {
  const char *call = "v8ish_wrapper_embedder";
  if (!v8ish_enter(heap, CCGC_CALL_READ, call)) return NULL;
  word_t *w = v8ish_local_object(heap, wrapper, V8ISH_TYPE_WRAPPER, call);
  return w ? (void *)v8ish_load(w, WRAPPER_EMBEDDER) : NULL;
}
