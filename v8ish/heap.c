/* heap.c - the script heap: creation, the heap interface (roots, tracing,
 * weakness, reclamation), type checks and introspection (v8ish.h). */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "ccgc-testing.h" /* CCGC_SHAPE_UNPROTECTED: its visit */
#include "heap-internal.h"
#include "object-locks.h"

_Static_assert(offsetof(v8ish_heap, base) == 0,
               "a v8ish_heap * is a ccgc_heap_base *");

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

/* --- tracing (.inv.tagged-fields) ------------------------------------------ */

static void visit_value(ccgc_visitor *visitor, v8ish_value value,
                        ccgc_edge edge) {
  if (v8ish_is_ref(value)) ccgc_visit_strong(visitor, v8ish_untag(value), edge);
}

static void trace_properties(word_t *object, v8ish_value klass,
                             ccgc_visitor *visitor) {
  word_t *k = v8ish_untag(klass);
  long count = v8ish_smi_value(v8ish_load(k, CLASS_PROPERTY_COUNT));
  long inobject = v8ish_smi_value(v8ish_load(k, CLASS_INOBJECT_COUNT));
  long raw_bits = v8ish_smi_value(v8ish_load(k, CLASS_RAW_BITS));
  long start = v8ish_smi_value(v8ish_load(k, CLASS_INOBJECT_START));
  word_t *names = v8ish_untag(v8ish_load(k, CLASS_NAMES));
  word_t *store = v8ish_untag(v8ish_load(object, OBJ_PROPERTIES));
  long stored = v8ish_smi_value(v8ish_load(store, LENGTH));
  for (long i = 0; i < count; i++) {
    const char *name = v8ish_string_bytes(v8ish_load(names, 2 + (size_t)i));
    ccgc_edge edge = ccgc_edge_named(CCGC_EDGE_PROPERTY, name);
    if (i < inobject) {
      if ((raw_bits >> i) & 1) continue; /* an unboxed double: raw bits */
      visit_value(visitor, v8ish_load(object, (size_t)(start + i)), edge);
    } else if (i - inobject < stored) {
      visit_value(visitor, v8ish_load(store, (size_t)(2 + i - inobject)), edge);
    }
  }
}

/* Reads the class once, then only what that class says is tagged. Lengths
 * are clamped to the page, so a snapshot taken while the mutator changes the
 * object (then discarded, .inv.snapshot-before-cas) never reads past it. */
static void trace_with_class(word_t *object, v8ish_value klass,
                             ccgc_visitor *visitor) {
  visit_value(visitor, klass, ccgc_edge_named(CCGC_EDGE_INTERNAL, "map"));
  word_t *k = v8ish_untag(klass);
  size_t limit = v8ish_words_to_page_end(object);
  size_t length;
  switch (v8ish_class_type(klass)) {
  case V8ISH_TYPE_META_CLASS:
  case V8ISH_TYPE_HIDDEN_CLASS:
    visit_value(visitor, v8ish_load(object, CLASS_NAMES),
                ccgc_edge_named(CCGC_EDGE_INTERNAL, "descriptors"));
    visit_value(visitor, v8ish_load(object, CLASS_TRANSITIONS),
                ccgc_edge_named(CCGC_EDGE_INTERNAL, "transitions"));
    visit_value(visitor, v8ish_load(object, CLASS_BACK),
                ccgc_edge_named(CCGC_EDGE_INTERNAL, "back pointer"));
    visit_value(visitor, v8ish_load(object, CLASS_NAME),
                ccgc_edge_named(CCGC_EDGE_INTERNAL, "class name"));
    break;
  case V8ISH_TYPE_FIXED_ARRAY:
    length = (size_t)v8ish_smi_value(v8ish_load(object, LENGTH));
    if (length > limit - 2) length = limit - 2;
    for (size_t i = 0; i < length; i++)
      visit_value(visitor, v8ish_load(object, 2 + i), ccgc_edge_indexed(i));
    break;
  case V8ISH_TYPE_CONTEXT:
    visit_value(visitor, v8ish_load(object, CONTEXT_PREVIOUS),
                ccgc_edge_named(CCGC_EDGE_INTERNAL, "previous"));
    length = (size_t)v8ish_smi_value(v8ish_load(object, LENGTH));
    if (length > limit - CONTEXT_HEADER) length = limit - CONTEXT_HEADER;
    for (size_t i = 0; i < length; i++)
      visit_value(visitor, v8ish_load(object, CONTEXT_HEADER + i),
                  ccgc_edge_indexed(i));
    break;
  case V8ISH_TYPE_OBJECT:
  case V8ISH_TYPE_CLOSURE:
  case V8ISH_TYPE_WRAPPER:
  case V8ISH_TYPE_ARRAY:
    visit_value(visitor, v8ish_load(object, OBJ_PROPERTIES),
                ccgc_edge_named(CCGC_EDGE_INTERNAL, "properties"));
    visit_value(visitor, v8ish_load(object, OBJ_ELEMENTS),
                ccgc_edge_named(CCGC_EDGE_INTERNAL, "elements"));
    trace_properties(object, klass, visitor);
    if (v8ish_class_type(klass) == V8ISH_TYPE_CLOSURE) {
      visit_value(visitor, v8ish_load(object, CLOSURE_CONTEXT),
                  ccgc_edge_named(CCGC_EDGE_INTERNAL, "context"));
      visit_value(visitor, v8ish_load(object, CLOSURE_NAME),
                  ccgc_edge_named(CCGC_EDGE_INTERNAL, "shared name"));
    } else if (v8ish_class_type(klass) == V8ISH_TYPE_WRAPPER) {
      /* The embedder field is a raw address, never a tagged value. */
      ccgc_visit_strong(visitor, (void *)v8ish_load(object, WRAPPER_EMBEDDER),
                        ccgc_edge_named(CCGC_EDGE_WRAPPER, "embedder"));
    }
    break;
  case V8ISH_TYPE_WEAK_MAP:
  case V8ISH_TYPE_WEAK_SET:
    visit_value(visitor, v8ish_load(object, WEAK_COLLECTION_TABLE),
                ccgc_edge_named(CCGC_EDGE_INTERNAL, "table"));
    break;
  case V8ISH_TYPE_EPHEMERON_TABLE:
    v8ish_trace_ephemeron_table(object, limit, visitor);
    break;
  case V8ISH_TYPE_FINALIZATION_REGISTRY:
    visit_value(visitor, v8ish_load(object, REGISTRY_CELLS),
                ccgc_edge_named(CCGC_EDGE_INTERNAL, "cells"));
    break;
  case V8ISH_TYPE_WEAK_CELLS:
    v8ish_trace_weak_cells(object, limit, visitor);
    break;
  default: /* numbers, strings, double arrays, fillers: no references */
    break;
  }
  (void)k;
}

void v8ish_trace(v8ish_heap *heap, word_t *object, ccgc_visitor *visitor) {
  (void)heap;
  trace_with_class(object, v8ish_load(object, 0), visitor);
}

/* --- concurrent visiting: wait-free snapshotting ------------------------------ */

/* The snapshot lives on the marker's stack; an object with more references
 * than fit grows it on the heap for the one visit. An entry is a strong
 * target (value NULL) or an ephemeron pair (an EphemeronHashTable entry). */
#define SNAPSHOT_INLINE 64

typedef struct snapshot_entry {
  void *target; /* the strong target, or the ephemeron's key */
  void *value;  /* NULL for a strong target */
} snapshot_entry;

typedef struct snapshot_visitor {
  ccgc_visitor base;
  snapshot_entry *entries;
  size_t count, capacity;
  snapshot_entry inline_entries[SNAPSHOT_INLINE];
} snapshot_visitor;

static void snapshot_add(snapshot_visitor *snapshot, void *target,
                         void *value) {
  if (snapshot->count == snapshot->capacity) {
    size_t capacity = snapshot->capacity * 2;
    snapshot_entry *grown = malloc(capacity * sizeof *grown);
    if (!grown) abort(); /* dropping a reference would free a live object */
    memcpy(grown, snapshot->entries, snapshot->count * sizeof *grown);
    if (snapshot->entries != snapshot->inline_entries) free(snapshot->entries);
    snapshot->entries = grown;
    snapshot->capacity = capacity;
  }
  snapshot->entries[snapshot->count++] = (snapshot_entry){target, value};
}

static void snapshot_strong(ccgc_visitor *visitor, void *target, ccgc_edge edge) {
  (void)edge;
  snapshot_add((snapshot_visitor *)visitor, target, NULL);
}
static void snapshot_weak(ccgc_visitor *visitor, void **slot, ccgc_edge edge) {
  (void)visitor, (void)slot, (void)edge; /* the script heap has no raw weak slots */
}
static void snapshot_ephemeron(ccgc_visitor *visitor, void *key, void *value,
                               ccgc_edge edge) {
  (void)edge;
  snapshot_add((snapshot_visitor *)visitor, key, value);
}
static const ccgc_visitor_ops snapshot_ops = {
    .strong = snapshot_strong,
    .weak = snapshot_weak,
    .ephemeron = snapshot_ephemeron,
};

static void follow_snapshot(snapshot_visitor *snapshot, ccgc_visitor *visitor) {
  for (size_t i = 0; i < snapshot->count; i++) {
    snapshot_entry entry = snapshot->entries[i];
    if (entry.value)
      ccgc_visit_ephemeron(visitor, entry.target, entry.value,
                           ccgc_edge_named(CCGC_EDGE_EPHEMERON, NULL));
    else
      ccgc_visit_strong(visitor, entry.target,
                        ccgc_edge_named(CCGC_EDGE_INTERNAL, NULL));
  }
}

/* The marker half of wait-free snapshotting (docs/concurrent-marking.md):
 * copy the class and the tagged fields, then try grey -> black; follow the
 * copy only if this thread won. A mutator's unsafe change that raced with the
 * copy first won the CAS itself, so a corrupt copy is always dropped. */
static bool visit_snapshot(v8ish_heap *heap, word_t *object,
                           ccgc_visitor *visitor) {
  snapshot_visitor snapshot;
  snapshot.base.ops = &snapshot_ops;
  snapshot.entries = snapshot.inline_entries;
  snapshot.count = 0;
  snapshot.capacity = SNAPSHOT_INLINE;
  v8ish_value klass = v8ish_load(object, 0);
  ccgc_barrier_snapshot_point(heap->base.barrier, object); /* testing only */
  trace_with_class(object, klass, &snapshot.base);
  bool won = ccgc_mark_grey_to_black(object); /* .inv.snapshot-before-cas */
  if (won) follow_snapshot(&snapshot, visitor);
  if (snapshot.entries != snapshot.inline_entries) free(snapshot.entries);
  return won;
}

/* The marker half of the lock-based protocol: under the object's lock no
 * unsafe change runs (.inv.lock-visit), so the marker wins grey -> black and
 * traces the object in place, no copy. The visitor only pushes to worklists
 * (.inv.object-lock-leaf). */
static bool visit_locked(v8ish_heap *heap, word_t *object,
                         ccgc_visitor *visitor) {
  ccgc_object_lock(object);
  bool won = ccgc_mark_grey_to_black(object);
  if (won) {
    v8ish_value klass = v8ish_load(object, 0);
    ccgc_barrier_snapshot_point(heap->base.barrier, object); /* testing only */
    trace_with_class(object, klass, visitor);
  }
  ccgc_object_unlock(object);
  return won;
}

/* TESTING ONLY (CCGC_SHAPE_UNPROTECTED): trace in place with no protocol, the
 * race the two protocols prevent. Loads are relaxed atomics (v8ish_load), so
 * the race is on the meaning of the words, not a C data race. */
static bool visit_unprotected(v8ish_heap *heap, word_t *object,
                              ccgc_visitor *visitor) {
  if (!ccgc_mark_grey_to_black(object)) return false;
  v8ish_value klass = v8ish_load(object, 0);
  ccgc_barrier_snapshot_point(heap->base.barrier, object); /* testing only */
  trace_with_class(object, klass, visitor);
  return true;
}

static bool visit_concurrent(void *data, void *object, ccgc_visitor *visitor) {
  v8ish_heap *heap = data;
  /* One predictable branch per visit selects the protocol (the protocol
   * changes only between cycles). */
  switch ((int)ccgc_barrier_shape_protocol(heap->base.barrier)) {
  case CCGC_SHAPE_LOCK: return visit_locked(heap, object, visitor);
  case CCGC_SHAPE_UNPROTECTED: return visit_unprotected(heap, object, visitor);
  default: return visit_snapshot(heap, object, visitor);
  }
}

/* --- the heap interface ------------------------------------------------------------ */

static void prepare(void *data) { v8ish_space_prepare(data); }

static void trace_roots(void *data, ccgc_visitor *visitor) {
  v8ish_heap *heap = data;
  v8ish_trace_handles(heap, visitor);
  v8ish_trace_pending(heap, visitor);
  const v8ish_value internals[] = {
      heap->meta_class, heap->filler_class, heap->one_word_filler_class,
      heap->number_class, heap->string_class, heap->fixed_array_class,
      heap->double_array_class, heap->context_class, heap->object_class,
      heap->array_class, heap->closure_class, heap->empty_fixed_array,
      heap->weak_map_class, heap->weak_set_class, heap->ephemeron_table_class,
      heap->registry_class, heap->weak_cells_class};
  for (size_t i = 0; i < sizeof internals / sizeof internals[0]; i++)
    visit_value(visitor, internals[i],
                ccgc_edge_named(CCGC_EDGE_ROOT, "script internals"));
  GHashTableIter iter;
  gpointer klass;
  g_hash_table_iter_init(&iter, heap->wrapper_classes);
  while (g_hash_table_iter_next(&iter, NULL, &klass))
    visit_value(visitor, (v8ish_value)klass,
                ccgc_edge_named(CCGC_EDGE_ROOT, "script internals"));
}

static void trace_object(void *data, void *object, ccgc_visitor *visitor) {
  v8ish_trace(data, object, visitor);
}

/* .inv.weak-before-finalizers: weak globals, weak-table entries and
 * finalization targets are settled before any heap reclaims. */
static void process_weakness(void *data) {
  v8ish_clear_dead_weak_globals(data);
  v8ish_weak_collections_prune(data);
  v8ish_finalization_prune(data);
}

static void after_collection(void *data) { v8ish_run_pending_callbacks(data); }

static void reclaim(void *data) { v8ish_space_sweep(data); }

static size_t object_size(void *data, const void *object) {
  (void)data;
  return v8ish_size_of(object);
}

static v8ish_instance_type object_type(const word_t *object) {
  v8ish_value klass = v8ish_load(object, 0);
  if (v8ish_untag(klass) == object) return V8ISH_TYPE_META_CLASS;
  return v8ish_class_type(klass);
}

static const char *object_type_name(v8ish_heap *heap, const word_t *object) {
  (void)heap;
  v8ish_value klass = v8ish_load(object, 0);
  v8ish_instance_type type = object_type(object);
  if (type == V8ISH_TYPE_WRAPPER) {
    v8ish_value name = v8ish_untag(klass)[CLASS_NAME];
    if (v8ish_is_ref(name)) return v8ish_string_bytes(name);
  }
  return (unsigned)type < V8ISH_TYPE_COUNT ? type_names[type] : "?";
}

static const char *type_name(void *data, const void *object) {
  return object_type_name(data, object);
}

static void for_each_object(void *data, void (*fn)(void *, void *),
                            void *fn_data) {
  v8ish_each_object(data, fn, fn_data);
}

static const ccgc_heap_ops script_ops = {
    .name = "script",
    .prepare = prepare,
    .trace_roots = trace_roots,
    .trace_object = trace_object,
    .visit_concurrent = visit_concurrent,
    .process_weakness = process_weakness,
    .reclaim = reclaim,
    .after_collection = after_collection,
    .object_size = object_size,
    .type_name = type_name,
    .for_each_object = for_each_object,
    .stats = ccgc_heap_base_stats,
};

/* --- creation -------------------------------------------------------------------- */

static bool bootstrap(v8ish_heap *heap) {
  const char *call = "v8ish_heap_new";
  /* A class's instance type is its instances' type: the meta class's
   * instances are hidden classes. The meta class itself is recognised as
   * the object that is its own class (object_type). */
  heap->meta_class = v8ish_new_class(heap, V8ISH_TYPE_HIDDEN_CLASS,
                                     CLASS_SIZE_WORDS, 0, 0, call);
  if (!heap->meta_class) return false;
  heap->fixed_array_class =
      v8ish_new_class(heap, V8ISH_TYPE_FIXED_ARRAY, 0, 0, 0, call);
  heap->empty_fixed_array = v8ish_new_fixed_array(heap, 0, call);
  if (!heap->fixed_array_class || !heap->empty_fixed_array) return false;
  /* The first two classes were made before the empty array existed. */
  v8ish_value first[] = {heap->meta_class, heap->fixed_array_class};
  for (int i = 0; i < 2; i++) {
    v8ish_store(heap, v8ish_untag(first[i]), CLASS_NAMES, heap->empty_fixed_array);
    v8ish_store(heap, v8ish_untag(first[i]), CLASS_TRANSITIONS,
                heap->empty_fixed_array);
  }
  /* Classes of objects without properties: words 0 = size from the object. */
  heap->filler_class = v8ish_new_class(heap, V8ISH_TYPE_FILLER, 0, 0, 0, call);
  heap->one_word_filler_class =
      v8ish_new_class(heap, V8ISH_TYPE_FILLER, 1, 0, 0, call);
  heap->number_class =
      v8ish_new_class(heap, V8ISH_TYPE_HEAP_NUMBER, 2, 0, 0, call);
  heap->string_class = v8ish_new_class(heap, V8ISH_TYPE_STRING, 0, 0, 0, call);
  heap->double_array_class =
      v8ish_new_class(heap, V8ISH_TYPE_DOUBLE_ARRAY, 0, 0, 0, call);
  heap->context_class = v8ish_new_class(heap, V8ISH_TYPE_CONTEXT, 0, 0, 0, call);
  heap->object_class = v8ish_new_class(heap, V8ISH_TYPE_OBJECT,
                                       3 + V8ISH_INITIAL_SLACK, 3,
                                       V8ISH_INITIAL_SLACK, call);
  heap->array_class = v8ish_new_class(heap, V8ISH_TYPE_ARRAY, ARRAY_WORDS,
                                      ARRAY_WORDS, 0, call);
  heap->closure_class = v8ish_new_class(heap, V8ISH_TYPE_CLOSURE, CLOSURE_WORDS,
                                        CLOSURE_WORDS, 0, call);
  if (!v8ish_weak_collections_init(heap) || !v8ish_finalization_init(heap))
    return false;
  return heap->filler_class && heap->one_word_filler_class && heap->number_class &&
         heap->string_class && heap->double_array_class && heap->context_class &&
         heap->object_class && heap->array_class && heap->closure_class;
}

v8ish_heap *v8ish_heap_new(ccgc_collector *collector,
                           const v8ish_heap_options *options) {
  v8ish_heap *heap =
      ccgc_heap_base_new(sizeof *heap, V8ISH_SIG, collector, options);
  if (!heap) return NULL;
  heap->traced.next = heap->traced.prev = &heap->traced;
  heap->wrapper_classes = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
  if (!ccgc_heap_base_attach(&heap->base, &script_ops) || !bootstrap(heap)) {
    v8ish_space_release_all(heap); /* what bootstrap allocated */
    g_hash_table_destroy(heap->wrapper_classes);
    v8ish_weakness_free(heap);
    ccgc_heap_base_free(&heap->base);
    return NULL;
  }
  return heap;
}

void v8ish_heap_free(v8ish_heap *heap) {
  if (!heap || heap->base.sig != V8ISH_SIG) return;
  ccgc_collector_pause_markers(heap->base.collector);
  v8ish_space_release_all(heap);
  v8ish_handles_free(heap);
  g_hash_table_destroy(heap->wrapper_classes);
  v8ish_weakness_free(heap);
  ccgc_heap_base_free(&heap->base);
}

ccgc_collector *v8ish_heap_collector(v8ish_heap *heap) {
  return heap->base.collector;
}

void v8ish_heap_stats(v8ish_heap *heap, ccgc_heap_stats *out) {
  ccgc_heap_base_stats(&heap->base, out);
}

/* --- checks and introspection ---------------------------------------------- */

/* What a value is, for messages: "an integer", "a String", ... */
static const char *article(const char *noun) {
  return noun[0] && strchr("AEIOUaeiou", noun[0]) ? "an " : "a ";
}

static const char *describe(v8ish_heap *heap, v8ish_local local,
                            v8ish_value value, const char **article_out) {
  const char *noun = v8ish_local_is_empty(local) ? "empty handle"
                     : !v8ish_is_ref(value)      ? "integer"
                                 : object_type_name(heap, v8ish_untag(value));
  *article_out = article(noun);
  return noun;
}

word_t *v8ish_checked(v8ish_heap *heap, v8ish_local local,
                      v8ish_instance_type want, const char *call) {
  v8ish_value value;
  if (!v8ish_handle_read(heap, local, call, &value)) return NULL; /* reported */
  if (v8ish_is_ref(value)) {
    word_t *object = v8ish_untag(value);
    if (v8ish_class_type(v8ish_load(object, 0)) == want) return object;
  }
  const char *got_article;
  const char *got = describe(heap, local, value, &got_article);
  ccgc_error_misuse(heap->base.errors, CCGC_E_WRONG_TYPE,
                    "%s: expected %s%s, got %s%s", call,
                    article(type_names[want]), type_names[want], got_article,
                    got);
  return NULL;
}

word_t *v8ish_checked_object_like(v8ish_heap *heap, v8ish_local local,
                                  const char *call) {
  v8ish_value value;
  if (!v8ish_handle_read(heap, local, call, &value)) return NULL; /* reported */
  if (v8ish_is_ref(value)) {
    word_t *object = v8ish_untag(value);
    switch (v8ish_class_type(v8ish_load(object, 0))) {
    case V8ISH_TYPE_OBJECT:
    case V8ISH_TYPE_ARRAY:
    case V8ISH_TYPE_CLOSURE:
    case V8ISH_TYPE_WRAPPER:
      return object;
    default:
      break;
    }
  }
  const char *got_article;
  const char *got = describe(heap, local, value, &got_article);
  ccgc_error_misuse(heap->base.errors, CCGC_E_WRONG_TYPE,
                    "%s: expected an object, got %s%s", call, got_article, got);
  return NULL;
}

word_t *v8ish_checked_elements(v8ish_heap *heap, v8ish_local array,
                               size_t *length, word_t **owner,
                               const char *call) {
  v8ish_value value;
  *length = 0;
  *owner = NULL;
  if (!v8ish_handle_read(heap, array, call, &value)) return NULL; /* reported */
  if (v8ish_is_ref(value)) {
    word_t *a = v8ish_untag(value);
    v8ish_instance_type type = v8ish_class_type(v8ish_load(a, 0));
    if (type == V8ISH_TYPE_FIXED_ARRAY) {
      *length = (size_t)v8ish_smi_value(v8ish_load(a, LENGTH));
      return a;
    }
    if (type == V8ISH_TYPE_ARRAY) {
      *length = (size_t)v8ish_smi_value(v8ish_load(a, ARRAY_LENGTH));
      *owner = a;
      return v8ish_untag(v8ish_load(a, OBJ_ELEMENTS));
    }
  }
  const char *got_article;
  const char *got = describe(heap, array, value, &got_article);
  ccgc_error_misuse(heap->base.errors, CCGC_E_WRONG_TYPE,
                    "%s: expected an Array or a FixedArray, got %s%s", call,
                    got_article, got);
  return NULL;
}

v8ish_instance_type v8ish_type_of(v8ish_heap *heap, v8ish_local value) {
  v8ish_value raw = v8ish_handle_value(heap, value, "v8ish_type_of");
  if (!v8ish_is_ref(raw)) return V8ISH_TYPE_COUNT; /* integer or empty */
  return object_type(v8ish_untag(raw));
}

const char *v8ish_type_name(v8ish_heap *heap, v8ish_local value) {
  v8ish_value raw;
  if (!v8ish_handle_read(heap, value, "v8ish_type_name", &raw)) return "dead";
  if (v8ish_local_is_empty(value)) return "empty";
  if (!v8ish_is_ref(raw)) return "Integer";
  return object_type_name(heap, v8ish_untag(raw));
}

void *v8ish_object_address(v8ish_heap *heap, v8ish_local value) {
  v8ish_value raw = v8ish_handle_value(heap, value, "v8ish_object_address");
  return v8ish_is_ref(raw) ? v8ish_untag(raw) : NULL;
}
