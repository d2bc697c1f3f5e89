/* trace.c - the DOM heap's marking operations (marking/ccgc-heap.h): a new
 * cycle's mark tables, the roots, an object's references (its wrappable slot
 * through bridge/'s hook, then its type's trace callback), the deferral of
 * objects under construction to the atomic pause, and weakness. */
#include "heap-internal.h"

void blinkish_prepare(void *data) {
  blinkish_heap *heap = data;
  g_ptr_array_set_size(heap->not_constructed, 0); /* markers are parked */
  blinkish_lab_seal(heap); /* pages iterable for sweeping and verification */
  ccgc_page_space_clear_marks(&heap->base.space);
}

/* Everything, in this order: the wrapper (bridge/'s hook), the declared
 * members and script references (named), the type's trace callback.
 * for_marker: what the mark loop's descriptor path leaves to the heap
 * (trace_rest, layouts.c): no members nor declared references, and no hook
 * when the marker follows the slots itself. */
static void trace_fields_of(blinkish_heap *heap, void *object,
                            blinkish_header *header, bool for_marker,
                            ccgc_visitor *visitor) {
  bool with_members = !for_marker;
  bool with_hook = !for_marker || !heap->layout_source.slot_handles.enabled;
  if (with_hook && blinkish_header_is_wrappable(header) && heap->wrappable_trace) {
    void *slot = __atomic_load_n((void **)object - 1, __ATOMIC_ACQUIRE);
    heap->wrappable_trace(visitor, object, slot, heap->wrappable_data);
  }
  const blinkish_type *type = &heap->types[blinkish_header_type(header)];
  if (with_members && type->member_names)
    blinkish_trace_members(heap, type, object, visitor);
  if (type->trace) {
    /* The host's code: what it reports is checked (checked-visitor.c). */
    blinkish_checked_visitor checked;
    blinkish_checked_visitor_init(&checked, heap, object, visitor);
    type->trace(&checked.base, object);
  }
}

static void trace_fields(blinkish_heap *heap, void *object,
                         blinkish_header *header, ccgc_visitor *visitor) {
  trace_fields_of(heap, object, header, false, visitor);
}

/* The layouts' trace_rest (ccgc-layout.h): the marker traced the members
 * (and the slot's handle, when it follows them). */
void blinkish_trace_rest(void *data, void *object, ccgc_visitor *visitor) {
  trace_fields_of(data, object, blinkish_header_of(object), true, visitor);
}

void blinkish_trace_roots(void *data, ccgc_visitor *visitor) {
  blinkish_heap *heap = data;
  blinkish_trace_persistents(heap, visitor);
  blinkish_trace_unbarriered_roots(heap, visitor);
}

void blinkish_trace_unbarriered_roots(void *data, ccgc_visitor *visitor) {
  blinkish_heap *heap = data;
  /* The atomic pause re-reads the roots after the markers parked: now the
   * objects deferred under construction are traced, complete or not - the
   * mutator is stopped and their payload (zeroed, then written only through
   * checked stores) holds NULL or live objects (.inv.construct-defer). */
  if (ccgc_collector_state(heap->base.collector) != CCGC_STATE_ATOMIC_PAUSE)
    return;
  pthread_mutex_lock(&heap->not_constructed_lock);
  GPtrArray *deferred = heap->not_constructed;
  heap->not_constructed = g_ptr_array_new();
  pthread_mutex_unlock(&heap->not_constructed_lock);
  for (guint i = 0; i < deferred->len; i++) {
    void *object = g_ptr_array_index(deferred, i);
    trace_fields(heap, object, blinkish_header_of(object), visitor);
  }
  g_ptr_array_free(deferred, TRUE);
}

/* .inv.construct-defer: an object under construction is not traced while the
 * mutator runs (a marker thread, or a main-thread incremental step that
 * interrupted its constructor); it is black already (the caller won the
 * CAS), so it is remembered and traced in the atomic pause. Stores into it
 * meanwhile go through the barrier. */
static bool defer_if_constructing(blinkish_heap *heap, void *object,
                                  blinkish_header *header) {
  if (__builtin_expect(!blinkish_header_is_constructing(header), 1))
    return false;
  /* On a marker thread the collector's state is not read (the main thread
   * writes it); there the mutator runs by definition. */
  if (!ccgc_on_marker_thread() &&
      ccgc_collector_state(heap->base.collector) != CCGC_STATE_MARKING)
    return false; /* the atomic pause: the mutator is stopped */
  pthread_mutex_lock(&heap->not_constructed_lock);
  g_ptr_array_add(heap->not_constructed, object);
  pthread_mutex_unlock(&heap->not_constructed_lock);
  return true;
}

/* The mark loop's hint (ccgc_heap_ops.prefetch_object): what tracing the
 * object will read through its words. A type whose descriptor covers it
 * all (no trace callback): the handles of its declared script references
 * and of its wrappable slot, which the marker reads (a member's target is
 * only its mark byte to the marker, which the edge window prefetches).
 * Otherwise the words of the payload's first line and the slot, which the
 * trace callback and bridge/'s hook may follow. A prefetch never faults,
 * so a word that is not an address costs nothing but the prefetch. */
#define PREFETCH_WORDS 4u
void blinkish_prefetch_object(void *data, const void *object) {
  const blinkish_heap *heap = data;
  void *const *words = object;
  /* blinkish_header_of and blinkish_payload_size, with each word loaded
   * once: the word before the payload is the header, or the wrappable
   * slot with the header before it. Called for every DOM object the mark
   * loop visits. */
  const uint64_t *before = (const uint64_t *)object - 1;
  uint64_t first = __atomic_load_n(before, __ATOMIC_RELAXED);
  uint64_t header =
      first & BLINKISH_HEADER_TAG ? first
                                  : __atomic_load_n(before - 1, __ATOMIC_RELAXED);
  bool wrappable = (header & BLINKISH_HEADER_WRAPPABLE) != 0;
  if (wrappable && first) __builtin_prefetch((const void *)(uintptr_t)first);
  const ccgc_layout *layout = __atomic_load_n(
      &heap->layout_table[(header >> BLINKISH_HEADER_TYPE_SHIFT) &
                          (BLINKISH_MAX_TYPES - 1)],
      __ATOMIC_ACQUIRE);
  if (layout && !layout->rest) {
    uint64_t bits = layout->handles;
    while (bits) {
      unsigned i = (unsigned)__builtin_ctzll(bits);
      bits &= bits - 1;
      void *word = __atomic_load_n(&words[i], __ATOMIC_RELAXED);
      if (word) __builtin_prefetch(word);
    }
    return;
  }
  size_t count =
      ((size_t)(header >> 32) - blinkish_payload_offset(wrappable)) /
      sizeof(void *);
  if (count > PREFETCH_WORDS) count = PREFETCH_WORDS;
  for (size_t i = 0; i < count; i++) {
    void *word = __atomic_load_n(&words[i], __ATOMIC_RELAXED);
    if (word) __builtin_prefetch(word);
  }
}

void blinkish_trace_object(void *data, void *object, ccgc_visitor *visitor) {
  blinkish_heap *heap = data;
  blinkish_header *header = blinkish_header_of(object);
  if (defer_if_constructing(heap, object, header)) return;
  trace_fields(heap, object, header, visitor);
}

void blinkish_process_weakness(void *data) {
  blinkish_heap *heap = data;
  blinkish_clear_dead_weak_persistents(heap);
  blinkish_weak_collections_process(heap);
}
