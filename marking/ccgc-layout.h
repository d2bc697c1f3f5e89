/* ccgc-layout.h - layout descriptors: how a heap describes its common object
 * layouts to the mark loop, so that the marker traces those objects with an
 * inlined loop over their words, with no call per object and none per edge
 * (docs/collection.md, "Layout descriptors"). Internal to the library: the
 * heaps fill these in; hosts describe DOM types through blinkish_type_info.
 *
 * A descriptor (ccgc_layout) says which words of an object hold references:
 * a bitmap of words holding a reference in the heap's encoding (a tagged
 * value), a bitmap of words holding a plain address or NULL, and optionally
 * an array part (a count word and elements, all in the heap's encoding). An
 * object whose descriptor has `rest` set, or that has no descriptor, goes to
 * the heap's callbacks as before: trace_rest after the words, trace_object
 * instead of them.
 *
 * How the marker finds an object's descriptor without a call
 * (ccgc_layout_source):
 *   CCGC_LAYOUT_BY_CLASS   word 0 of the object is a reference (in the
 *                          heap's encoding) to its class; word `class_word`
 *                          of the class holds a `const ccgc_layout *` (NULL:
 *                          the callback). The script heap's hidden classes.
 *   CCGC_LAYOUT_BY_HEADER  the object's header is the word before it if that
 *                          word has `header_tag` set, else the word before
 *                          that one (an embedder slot lies between them: a
 *                          non-zero slot sends the object to trace_rest too,
 *                          after its words); a header with any `slow_bits`
 *                          set uses the callback; else the descriptor is
 *                          `types[(header >> type_shift) & type_mask]`, and
 *                          any `rest_bits` set add trace_rest. The DOM
 *                          heap's object headers and its type table.
 *
 * Descriptors are read by the owner thread and by the pause's helper threads
 * while the mutator is stopped or is the marking thread itself: an object's
 * descriptor and its words are consistent then. Concurrent marker threads
 * never use them (they visit through visit_concurrent's snapshots). A
 * descriptor, once reachable from a class or a type table, never changes and
 * lives as long as its heap (.inv.layout-stable).
 */
#ifndef CCGC_LAYOUT_H
#define CCGC_LAYOUT_H

#include <stdbool.h>
#include <stdint.h>

/* Words are counted from the object's address (the payload for the DOM
 * heap), 0 .. CCGC_LAYOUT_MAX_WORDS - 1. */
#define CCGC_LAYOUT_MAX_WORDS 64u

typedef struct ccgc_layout {
  uint64_t refs;     /* bit i: word i holds a value in the heap's encoding */
  uint64_t raw_refs; /* bit i: word i holds an address or NULL            */
  /* bit i: word i holds a traced handle or NULL, in the source's
   * slot_handles format (the DOM heap's declared script references); the
   * marker follows a live one itself, and sends the object to trace_object
   * if one is not live (whose callbacks report the misuse). */
  uint64_t handles;
  /* The array part: 0 for none; else the word holding the element count
   * (count = (intptr_t)word >> length_shift; the elements run from word
   * first_element, clamped to the object's page). */
  uint16_t length_word;
  uint16_t first_element;
  uint8_t length_shift;
  /* After the words above, the heap's trace_rest reports the rest. */
  bool rest;
} ccgc_layout;

typedef enum ccgc_layout_lookup {
  CCGC_LAYOUT_BY_CLASS = 1,
  CCGC_LAYOUT_BY_HEADER = 2,
} ccgc_layout_lookup;

struct ccgc_visitor;

/* Words that name a traced handle: NULL, or a handle of a ccgc handle table
 * (marking/handle-table.h) whose payload holds, value_offset bytes in, a
 * reference in the encoding (tag, tag_mask), and skip_offset bytes in a
 * byte that is non-zero when the handle is a root rather than an edge of
 * its holder. A handle that is not live sends its holder to trace_object,
 * whose callbacks report the misuse; trace_rest leaves such slots alone. */
typedef struct ccgc_layout_handles {
  bool enabled;
  uintptr_t tag, tag_mask;
  uint16_t value_offset, skip_offset;
} ccgc_layout_handles;

typedef struct ccgc_layout_source {
  ccgc_layout_lookup how;
  /* The heap's encoding: a word w is a reference iff (w & tag_mask) == tag,
   * to address w - tag. */
  uintptr_t tag, tag_mask;
  /* CCGC_LAYOUT_BY_CLASS */
  unsigned class_word;
  /* CCGC_LAYOUT_BY_HEADER */
  uintptr_t header_tag, slow_bits, type_mask;
  unsigned type_shift;
  const ccgc_layout *const *types; /* type_mask + 1 entries, NULL: callback */
  /* The embedder slot (the word between header and object), when set and
   * slot_handles.enabled, names a traced handle the marker follows itself
   * (else the slot sends the object to trace_rest); a descriptor's
   * `handles` words name handles of the same format. */
  ccgc_layout_handles slot_handles;
  /* Header bits that send the object to trace_rest too (the DOM heap: the
   * wrappable bit while a host's own wrappable hook is set, which is called
   * for every wrappable object, slot set or not). */
  uintptr_t rest_bits;
  /* Reports what a descriptor with `rest` (or a set embedder slot) leaves
   * out, as trace_object would, minus the words the descriptor covers. */
  void (*trace_rest)(void *heap, void *object, struct ccgc_visitor *visitor);
} ccgc_layout_source;

/* The descriptor of object, or NULL for the heap's trace_object; *rest is
 * set when trace_rest must run after the words, *handle to the embedder
 * slot's traced handle the marker follows itself (0: none). */
static inline const ccgc_layout *
ccgc_layout_of(const ccgc_layout_source *source, const void *object,
               bool *rest, uintptr_t *handle) {
  const uintptr_t *words = object;
  if (source->how == CCGC_LAYOUT_BY_CLASS) {
    uintptr_t klass = __atomic_load_n(&words[0], __ATOMIC_RELAXED);
    if ((klass & source->tag_mask) != source->tag) return NULL;
    const ccgc_layout *const *k = (const ccgc_layout *const *)(klass - source->tag);
    const ccgc_layout *layout =
        __atomic_load_n(&k[source->class_word], __ATOMIC_ACQUIRE);
    *rest = layout && layout->rest;
    *handle = 0;
    return layout;
  }
  uintptr_t header = __atomic_load_n(&words[-1], __ATOMIC_ACQUIRE);
  uintptr_t slot = 0;
  if (!(header & source->header_tag)) {
    slot = header; /* the embedder slot: 0, or set */
    header = __atomic_load_n(&words[-2], __ATOMIC_RELAXED);
  }
  if (header & source->slow_bits) return NULL;
  const ccgc_layout *layout = __atomic_load_n(
      &source->types[(header >> source->type_shift) & source->type_mask],
      __ATOMIC_ACQUIRE);
  if (!layout) return NULL;
  bool own_slot = slot && source->slot_handles.enabled;
  *handle = own_slot ? slot : 0;
  *rest = layout->rest || (header & source->rest_bits) || (slot && !own_slot);
  return layout;
}

#endif /* CCGC_LAYOUT_H */
