/* layouts.c - the script heap's layout descriptors (marking/ccgc-layout.h):
 * every hidden class names, in its word CLASS_LAYOUT, a descriptor of its
 * instances' reference words, so the mark loop traces them with no call
 * (docs/collection.md, "Layout descriptors").
 *
 * A descriptor says what v8ish_trace_with_class (trace.c) reports to the
 * marker, minus the properties store's elements (the store is a fixed array
 * traced as an object of its own) and the edge names (the marker has no use
 * for them). Kinds whose tracing the words cannot express get none and keep
 * the callback: ephemeron tables and weak cells (weakness), objects with
 * reference words past CCGC_LAYOUT_MAX_WORDS. The descriptor of a class is
 * set when the class is made or changed, before any object has it
 * (v8ish_class_set_layout), and interned: classes with the same reference
 * words share one, which lives as long as the heap (.inv.layout-stable).
 */
#include "heap-internal.h"

static guint layout_hash(gconstpointer key) {
  const ccgc_layout *l = key;
  uint64_t h = l->refs * 0x9e3779b97f4a7c15ull ^ l->raw_refs ^
               ((uint64_t)l->length_word << 40) ^
               ((uint64_t)l->first_element << 20) ^ l->length_shift;
  return (guint)(h ^ (h >> 32));
}

static gboolean layout_equal(gconstpointer a, gconstpointer b) {
  const ccgc_layout *x = a, *y = b;
  return x->refs == y->refs && x->raw_refs == y->raw_refs &&
         x->length_word == y->length_word &&
         x->first_element == y->first_element &&
         x->length_shift == y->length_shift && x->rest == y->rest;
}

void v8ish_layouts_init(v8ish_heap *heap) {
  heap->layouts = g_hash_table_new_full(layout_hash, layout_equal, g_free, NULL);
  heap->layout_source = (ccgc_layout_source){
      .how = CCGC_LAYOUT_BY_CLASS,
      .tag = 1,
      .tag_mask = 1, /* v8ish_is_ref, v8ish_untag */
      .class_word = CLASS_LAYOUT,
  };
}

void v8ish_layouts_free(v8ish_heap *heap) {
  if (heap->layouts) g_hash_table_destroy(heap->layouts);
  heap->layouts = NULL;
}

/* The layouts op: none while the heap records old-to-old slots for
 * compaction (trace.c records them as it reports). */
const ccgc_layout_source *v8ish_layouts(void *data) {
  v8ish_heap *heap = data;
  return heap->recording_slots ? NULL : &heap->layout_source;
}

static bool set_word(ccgc_layout *layout, long index) {
  if (index < 0 || index >= (long)CCGC_LAYOUT_MAX_WORDS) return false;
  layout->refs |= (uint64_t)1 << index;
  return true;
}

/* What the class k's instances reference, in *layout; false when the words
 * cannot say it (the callback then). */
static bool describe(const word_t *k, ccgc_layout *layout) {
  if (!set_word(layout, 0)) return false; /* the class word */
  switch ((v8ish_instance_type)v8ish_smi_value(k[CLASS_TYPE])) {
  case V8ISH_TYPE_META_CLASS:
  case V8ISH_TYPE_HIDDEN_CLASS:
    return set_word(layout, CLASS_NAMES) && set_word(layout, CLASS_TRANSITIONS) &&
           set_word(layout, CLASS_BACK) && set_word(layout, CLASS_NAME);
  case V8ISH_TYPE_FIXED_ARRAY:
    layout->length_word = LENGTH;
    layout->first_element = 2;
    layout->length_shift = 1; /* a Smi */
    return true;
  case V8ISH_TYPE_CONTEXT:
    layout->length_word = LENGTH;
    layout->first_element = CONTEXT_HEADER;
    layout->length_shift = 1;
    return set_word(layout, CONTEXT_PREVIOUS);
  case V8ISH_TYPE_OBJECT:
  case V8ISH_TYPE_CLOSURE:
  case V8ISH_TYPE_WRAPPER:
  case V8ISH_TYPE_ARRAY: {
    v8ish_instance_type type = (v8ish_instance_type)v8ish_smi_value(k[CLASS_TYPE]);
    if (!set_word(layout, OBJ_PROPERTIES) || !set_word(layout, OBJ_ELEMENTS))
      return false;
    long count = v8ish_smi_value(k[CLASS_PROPERTY_COUNT]);
    long inobject = v8ish_smi_value(k[CLASS_INOBJECT_COUNT]);
    long raw_bits = v8ish_smi_value(k[CLASS_RAW_BITS]);
    long start = v8ish_smi_value(k[CLASS_INOBJECT_START]);
    long n = count < inobject ? count : inobject;
    for (long i = 0; i < n; i++)
      if (!((raw_bits >> i) & 1) && !set_word(layout, start + i)) return false;
    if (type == V8ISH_TYPE_CLOSURE)
      return set_word(layout, CLOSURE_CONTEXT) && set_word(layout, CLOSURE_NAME);
    if (type == V8ISH_TYPE_WRAPPER) /* a raw address into the DOM heap */
      layout->raw_refs |= (uint64_t)1 << WRAPPER_EMBEDDER;
    return true;
  }
  case V8ISH_TYPE_WEAK_MAP:
  case V8ISH_TYPE_WEAK_SET:
    return set_word(layout, WEAK_COLLECTION_TABLE);
  case V8ISH_TYPE_FINALIZATION_REGISTRY:
    return set_word(layout, REGISTRY_CELLS);
  case V8ISH_TYPE_EPHEMERON_TABLE: /* ephemerons */
  case V8ISH_TYPE_WEAK_CELLS:      /* weak targets */
    return false;
  default: /* numbers, strings, double arrays, fillers: the class only */
    return true;
  }
}

void v8ish_class_set_layout(v8ish_heap *heap, word_t *k) {
  ccgc_layout want;
  memset(&want, 0, sizeof want);
  const ccgc_layout *layout = NULL;
  if (describe(k, &want)) {
    layout = g_hash_table_lookup(heap->layouts, &want);
    if (!layout) {
      ccgc_layout *made = g_memdup2(&want, sizeof want);
      g_hash_table_add(heap->layouts, made);
      layout = made;
    }
  }
  /* Raw, never traced (8-aligned: a Smi to anything that looks). */
  __atomic_store_n(&k[CLASS_LAYOUT], (word_t)layout, __ATOMIC_RELEASE);
}
