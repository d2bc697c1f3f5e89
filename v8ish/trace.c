/* trace.c - what a script object and the script heap's roots reference, told
 * to a visitor (.inv.tagged-fields): the one description of the layouts that
 * the marker, the concurrent visit, the verifiers and the tools all use.
 *
 * While a marking cycle has evacuation candidates the same walk records, in
 * the holder page's old-to-old set, every strong slot of the object that
 * points into a candidate (.inv.compaction-slots-recorded): on the owner
 * thread and on marker threads (the concurrent visit records while it
 * snapshots, before its grey -> black CAS), atomically. */
#include "candidates.h"
#include "heap-internal.h"

/* A walk of one object: the visitor, and the page whose old-to-old set
 * records the object's slots (NULL: none). */
typedef struct tracer {
  ccgc_visitor *visitor;
  ccgc_page *record;
} tracer;

static void visit_value(ccgc_visitor *visitor, v8ish_value value,
                        ccgc_edge edge) {
  if (v8ish_is_ref(value)) ccgc_visit_strong(visitor, v8ish_untag(value), edge);
}

/* A slot of the object itself: visited, and recorded if it points into a
 * candidate. */
static void visit_slot(const tracer *t, const word_t *object, size_t index,
                       ccgc_edge edge) {
  v8ish_value value = v8ish_load(object, index);
  if (!v8ish_is_ref(value)) return;
  if (__builtin_expect(t->record != NULL, 0))
    v8ish_record_slot(t->record, &object[index], value);
  ccgc_visit_strong(t->visitor, v8ish_untag(value), edge);
}

/* A fixed field of an object's layout, named in the edge. */
static void visit_field(const tracer *t, const word_t *object, size_t index,
                        const char *name) {
  visit_slot(t, object, index, ccgc_edge_named(CCGC_EDGE_INTERNAL, name));
}

/* The properties store's slots are not recorded here: the store is an
 * object of its own, whose trace records them. */
static void trace_properties(const tracer *t, word_t *object,
                             v8ish_value klass) {
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
      visit_slot(t, object, (size_t)(start + i), edge);
    } else if (i - inobject < stored) {
      visit_value(t->visitor, v8ish_load(store, (size_t)(2 + i - inobject)),
                  edge);
    }
  }
}

/* Reads the class once, then only what that class says is tagged. Lengths
 * are clamped to the page, so a snapshot taken while the mutator changes the
 * object (then discarded, .inv.snapshot-before-cas) never reads past it.
 * The class word itself is never recorded: classes never move
 * (.inv.compaction-classes-stay). */
void v8ish_trace_with_class(v8ish_heap *heap, word_t *object,
                            v8ish_value klass, ccgc_visitor *visitor) {
  tracer t = {visitor, v8ish_recording_page(heap, object)};
  visit_value(visitor, klass, ccgc_edge_named(CCGC_EDGE_INTERNAL, "map"));
  size_t limit, length;
  switch (v8ish_class_type(klass)) {
  case V8ISH_TYPE_META_CLASS:
  case V8ISH_TYPE_HIDDEN_CLASS:
    visit_field(&t, object, CLASS_NAMES, "descriptors");
    visit_field(&t, object, CLASS_TRANSITIONS, "transitions");
    visit_field(&t, object, CLASS_BACK, "back pointer");
    visit_field(&t, object, CLASS_NAME, "class name");
    break;
  case V8ISH_TYPE_FIXED_ARRAY:
    length = (size_t)v8ish_smi_value(v8ish_load(object, LENGTH));
    limit = ccgc_page_words_to_end(object, 2 + length);
    if (length > limit - 2) length = limit - 2;
    for (size_t i = 0; i < length; i++)
      visit_slot(&t, object, 2 + i, ccgc_edge_indexed(i));
    break;
  case V8ISH_TYPE_CONTEXT:
    visit_field(&t, object, CONTEXT_PREVIOUS, "previous");
    length = (size_t)v8ish_smi_value(v8ish_load(object, LENGTH));
    limit = ccgc_page_words_to_end(object, CONTEXT_HEADER + length);
    if (length > limit - CONTEXT_HEADER) length = limit - CONTEXT_HEADER;
    for (size_t i = 0; i < length; i++)
      visit_slot(&t, object, CONTEXT_HEADER + i, ccgc_edge_indexed(i));
    break;
  case V8ISH_TYPE_OBJECT:
  case V8ISH_TYPE_CLOSURE:
  case V8ISH_TYPE_WRAPPER:
  case V8ISH_TYPE_ARRAY:
    visit_field(&t, object, OBJ_PROPERTIES, "properties");
    visit_field(&t, object, OBJ_ELEMENTS, "elements");
    trace_properties(&t, object, klass);
    if (v8ish_class_type(klass) == V8ISH_TYPE_CLOSURE) {
      visit_field(&t, object, CLOSURE_CONTEXT, "context");
      visit_field(&t, object, CLOSURE_NAME, "shared name");
    } else if (v8ish_class_type(klass) == V8ISH_TYPE_WRAPPER) {
      /* The embedder field is a raw address, never a tagged value. */
      ccgc_visit_strong(visitor, (void *)v8ish_load(object, WRAPPER_EMBEDDER),
                        ccgc_edge_named(CCGC_EDGE_WRAPPER, "embedder"));
    }
    break;
  case V8ISH_TYPE_WEAK_MAP:
  case V8ISH_TYPE_WEAK_SET:
    visit_field(&t, object, WEAK_COLLECTION_TABLE, "table");
    break;
  case V8ISH_TYPE_FINALIZATION_REGISTRY:
    visit_field(&t, object, REGISTRY_CELLS, "cells");
    break;
  /* Weak tables record nothing: the compactor updates every table and
   * registry's cells through the heap's lists (keys rehashed). */
  case V8ISH_TYPE_EPHEMERON_TABLE: /* ephemerons (weak-collections.c) */
    v8ish_trace_ephemeron_table(object, v8ish_words_to_page_end(object),
                                visitor);
    break;
  case V8ISH_TYPE_WEAK_CELLS: /* weak targets (finalization.c) */
    v8ish_trace_weak_cells(object, v8ish_words_to_page_end(object), visitor);
    break;
  default: /* numbers, strings, double arrays, fillers: no references */
    break;
  }
}

void v8ish_trace_object(void *heap, void *object, ccgc_visitor *visitor) {
  v8ish_trace_with_class(heap, object, v8ish_load(object, 0), visitor);
}

/* The heap's own roots: handles, the held values of pending finalizations,
 * and its permanent objects (the classes and the empty array). */
/* The heap's own objects (classes, the empty array): set at creation, or
 * allocated black while marking; a few words. */
static void trace_internals(v8ish_heap *heap, ccgc_visitor *visitor) {
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

void v8ish_trace_roots(void *data, ccgc_visitor *visitor) {
  v8ish_heap *heap = data;
  v8ish_trace_handles(heap, visitor);
  v8ish_trace_pending(heap, visitor);
  trace_internals(heap, visitor);
}

/* The atomic pause's rescan (.inv.roots-barriered): handle scopes (a local
 * is a bump, no barrier), the finalization queue (a minor collection during
 * marking may queue a held value the marker has not reached) and the
 * internals. */
void v8ish_trace_unbarriered_roots(void *data, ccgc_visitor *visitor) {
  v8ish_heap *heap = data;
  v8ish_trace_local_handles(heap, visitor);
  v8ish_trace_pending(heap, visitor);
  trace_internals(heap, visitor);
}

/* --- slots, for minor collections ------------------------------------------ */

static void each_property_slot(word_t *object, v8ish_value klass,
                               void (*fn)(word_t *, void *), void *data) {
  word_t *k = v8ish_untag(klass);
  long count = v8ish_smi_value(k[CLASS_PROPERTY_COUNT]);
  long inobject = v8ish_smi_value(k[CLASS_INOBJECT_COUNT]);
  long raw_bits = v8ish_smi_value(k[CLASS_RAW_BITS]);
  long start = v8ish_smi_value(k[CLASS_INOBJECT_START]);
  long n = count < inobject ? count : inobject;
  for (long i = 0; i < n; i++)
    if (!((raw_bits >> i) & 1)) /* an unboxed double is raw bits */
      fn(&object[start + i], data);
}

/* The strong slots of object as its class describes them
 * (.inv.tagged-fields), the class word first. The class is read through
 * the slot after fn ran on it, so fn may forward it (its old copy keeps its
 * fields: a minor collection overwrites only the first word). */
void v8ish_each_strong_slot(word_t *object,
                            void (*fn)(word_t *slot, void *data), void *data) {
  word_t old_klass = object[0];
  fn(&object[0], data);
  /* The old copy of a class that moved still holds its fields. */
  v8ish_value klass = old_klass;
  size_t length;
  switch (v8ish_class_type(klass)) {
  case V8ISH_TYPE_META_CLASS:
  case V8ISH_TYPE_HIDDEN_CLASS:
    fn(&object[CLASS_NAMES], data);
    fn(&object[CLASS_TRANSITIONS], data);
    fn(&object[CLASS_BACK], data);
    fn(&object[CLASS_NAME], data);
    break;
  case V8ISH_TYPE_FIXED_ARRAY:
    length = (size_t)v8ish_smi_value(object[LENGTH]);
    for (size_t i = 0; i < length; i++) fn(&object[2 + i], data);
    break;
  case V8ISH_TYPE_CONTEXT:
    fn(&object[CONTEXT_PREVIOUS], data);
    length = (size_t)v8ish_smi_value(object[LENGTH]);
    for (size_t i = 0; i < length; i++) fn(&object[CONTEXT_HEADER + i], data);
    break;
  case V8ISH_TYPE_OBJECT:
  case V8ISH_TYPE_CLOSURE:
  case V8ISH_TYPE_WRAPPER:
  case V8ISH_TYPE_ARRAY:
    fn(&object[OBJ_PROPERTIES], data);
    fn(&object[OBJ_ELEMENTS], data);
    each_property_slot(object, klass, fn, data);
    if (v8ish_class_type(klass) == V8ISH_TYPE_CLOSURE) {
      fn(&object[CLOSURE_CONTEXT], data);
      fn(&object[CLOSURE_NAME], data);
    } /* a wrapper's embedder field is a raw address: never a slot */
    break;
  case V8ISH_TYPE_WEAK_MAP:
  case V8ISH_TYPE_WEAK_SET:
    fn(&object[WEAK_COLLECTION_TABLE], data);
    break;
  case V8ISH_TYPE_FINALIZATION_REGISTRY:
    fn(&object[REGISTRY_CELLS], data);
    break;
  default:
    /* Numbers, strings, double arrays, fillers: no references. Ephemeron
     * tables and weak cells: the scavenger reaches them through the
     * heap's lists of weak collections and registries. */
    break;
  }
}

/* --- slots of a promoted copy, for compaction --------------------------------- */

static void record_if_candidate(word_t *slot, void *page) {
  v8ish_record_slot(page, slot, *slot);
}

/* The caller knows the object is old, or about to be (a young large object
 * promoted in place, still flagged young until the scavenge's flip). */
void v8ish_record_slots_of(v8ish_heap *heap, word_t *object) {
  if (__builtin_expect(!heap->recording_slots, 1)) return;
  ccgc_page *page = ccgc_page_of(object);
  if (!ccgc_page_is_candidate(page))
    v8ish_each_strong_slot(object, record_if_candidate, page);
}
