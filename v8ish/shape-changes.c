/* shape-changes.c - the script heap's in-place layout changes
 * (docs/shape-changes.md).
 *
 * Each is unsafe for a concurrent marker that read the object's class and
 * then reads its fields, and each goes through v8ish_unsafe_shape_change_begin
 * right before the first word it changes. Everything that can fail (new
 * classes, copies) is allocated before that, so a failure changes nothing.
 */
#include <string.h>

#include "candidates.h"
#include "checks-inl.h"
#include "invariant-check.h"
#include "space-inl.h"
#include "sweeper.h"

/* The one entry of every unsafe shape change. It runs the collector's
 * protocol (ccgc_barrier_before_unsafe_change, docs/concurrent-marking.md):
 * snapshotting - the mutator wins the object's grey -> black CAS (or finds it
 * black) and visits it with its *old* layout first; a marker that
 * snapshotted the old layout then loses its CAS and drops the snapshot
 * (.inv.snapshot-before-cas). Locking - the object's lock is held until
 * v8ish_unsafe_shape_change_end, and markers visit under it
 * (.inv.lock-visit). No-op while marking is off. Returns the token for _end. */
bool v8ish_unsafe_shape_change_begin(v8ish_heap *heap, word_t *object) {
  /* A sweeper thread reads sizes on unswept pages (sweeper.c). */
  v8ish_sweep_ensure_page(heap, object);
  /* Its old-to-old records may describe the old layout: the compactor
   * drops them and walks it whole (.inv.compaction-slots-recorded). */
  v8ish_compaction_invalidate(heap, object);
  return ccgc_barrier_before_unsafe_change(heap->base.barrier, object);
}

void v8ish_unsafe_shape_change_end(v8ish_heap *heap, word_t *object,
                                   bool locked) {
  ccgc_barrier_after_unsafe_change(heap->base.barrier, object, locked);
}

/* --- double unboxing ------------------------------------------------------------ */

ccgc_status v8ish_object_unbox_double(v8ish_heap *heap, v8ish_local object,
                                      const char *name) {
  if (!v8ish_enter(heap, CCGC_CALL_STORE, "v8ish_object_unbox_double"))
    return v8ish_last_status(heap);
  const char *call = "v8ish_object_unbox_double";
  word_t *o = v8ish_local_object_like(heap, object, call);
  if (!o) return v8ish_last_status(heap);
  v8ish_value klass = v8ish_load(o, 0);
  long index = name ? v8ish_class_find(klass, name) : -1;
  word_t *k = v8ish_untag(klass);
  if (index < 0 || index >= v8ish_smi_value(k[CLASS_INOBJECT_COUNT]))
    return CCGC_MISUSE(heap->base.errors, CCGC_E_INVALID_ARGUMENT,
                       ".api.argument", "%s: '%s' is not an in-object property",
                       call, name ? name : "(null)");
  if ((v8ish_smi_value(k[CLASS_RAW_BITS]) >> index) & 1) return CCGC_OK;
  size_t slot = (size_t)(v8ish_smi_value(k[CLASS_INOBJECT_START]) + index);
  v8ish_value boxed = v8ish_load(o, slot);
  if (!v8ish_is_ref(boxed) ||
      v8ish_class_type(v8ish_load(v8ish_untag(boxed), 0)) != V8ISH_TYPE_HEAP_NUMBER)
    return CCGC_MISUSE(heap->base.errors, CCGC_E_WRONG_TYPE, ".api.wrong-type",
                       "%s: property '%s' does not hold a boxed number", call,
                       name);
  /* A private class: same properties, the field flipped to raw. */
  v8ish_value next = v8ish_clone_class(heap, klass, call);
  if (!next) return v8ish_last_status(heap);
  v8ish_untag(next)[CLASS_RAW_BITS] =
      v8ish_smi(v8ish_smi_value(k[CLASS_RAW_BITS]) | ((intptr_t)1 << index));
  v8ish_class_set_layout(heap, v8ish_untag(next));
  word_t bits;
  memcpy(&bits, &v8ish_untag(boxed)[1], sizeof bits);
  bool locked = v8ish_unsafe_shape_change_begin(heap, o);
  v8ish_store_raw(o, slot, bits);  /* a tagged slot now holds raw bits ... */
  /* ... which a minor collection must not read as a remembered reference
   * (the boxed number may have been young: .inv.old-to-young-recorded). */
  ccgc_page *page = ccgc_page_of(o);
  if (page->slot_set)
    ccgc_slot_set_clear_range(page, &o[slot], &o[slot + 1]);
  v8ish_store(heap, o, 0, next);   /* ... and the class says so */
  v8ish_unsafe_shape_change_end(heap, o, locked);
  return CCGC_OK;
}

double v8ish_object_get_double(v8ish_heap *heap, v8ish_local object,
                               const char *name) {
  word_t *o = v8ish_checked_object_like(heap, object, "v8ish_object_get_double");
  if (!o || !v8ish_named(heap, name, "v8ish_object_get_double")) return 0;
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

/* --- left-trimming -------------------------------------------------------------- */

/* Removes the first n elements of a fixed array. Restriction (as in V8): the
 * only references to it must be the ones updated here - the owning Array's
 * elements field (the caller's), handles, globals and traced references. A
 * reference from any other heap object would be left pointing at a filler;
 * the verifier reports that (.inv.reachable-allocated). Returns the array's
 * new start, or NULL at the heap limit (nothing changed). */
/* bytes at the end or start of object became a filler: they leave the
 * heap's used bytes, and the old generation's too if object is old (young
 * bytes are used less old: leaving them there made the young figure short
 * and the next scavenge's used bytes long, for good). */
static void freed_in_place(v8ish_heap *heap, const word_t *object, size_t bytes) {
  heap->base.space.used_bytes -= bytes;
  if (heap->nursery.enabled && !ccgc_page_is_young(ccgc_page_of(object)))
    heap->old_used_bytes -= bytes;
}

static word_t *trim_fixed_array(v8ish_heap *heap, word_t *array, size_t n,
                                const char *call) {
  size_t length = (size_t)v8ish_smi_value(v8ish_load(array, LENGTH));
  if (ccgc_page_of(array)->flags & CCGC_PAGE_LARGE) {
    /* A large object must start in its page's first CCGC_PAGE_SIZE bytes
     * (.inv.page-aligned; the registry and the sweeper know only that
     * start): copy instead. Copying is a safe change. */
    v8ish_value copy = v8ish_new_fixed_array(heap, length - n, call);
    if (!copy) return NULL;
    for (size_t i = 0; i < length - n; i++)
      v8ish_store(heap, v8ish_untag(copy), 2 + i, v8ish_load(array, 2 + n + i));
    v8ish_handles_relocate(heap, v8ish_tag(array), copy);
    v8ish_raw_epoch_advance(heap); /* .inv.raw-epoch: raw values name the old */
    ccgc_collector_announce_object_moved(heap->base.collector, array,
                                         v8ish_untag(copy));
    return v8ish_untag(copy);
  }
  /* The start moves, and the markers' worklists name the old start: under
   * either protocol the object is finished (black, visited) first, so no
   * marker visits the moved array through its old address
   * (.inv.trim-visited-first). Under locking the lock also keeps a marker
   * that already won the old start out until the new header is written. */
  bool locked = v8ish_unsafe_shape_change_begin(heap, array);
  if (locked) ccgc_barrier_visit_before_move(heap->base.barrier, array);
  /* The mark state moves with the start while a cycle reads marks (marking,
   * or sweeping: the sweeper keeps a black start). Between cycles the marks
   * are dead, and a sweeper thread may be clearing this page's table
   * (.inv.marks-clear-after-sweep): nothing is read or written then (the
   * new start's granule keeps whatever it held - white, or the old start's
   * stale mark when they share a granule - until the next cycle's start
   * or the clearing). */
  bool carry_mark =
      ccgc_collector_state(heap->base.collector) != CCGC_STATE_IDLE;
  ccgc_color color = carry_mark ? ccgc_color_of(array) : CCGC_WHITE;
  word_t *moved = array + n;
  v8ish_store_raw(moved, LENGTH, v8ish_smi((intptr_t)(length - n)));
  v8ish_store_raw(moved, 0, heap->fixed_array_class);
  v8ish_write_filler(heap, array, n * 8); /* .inv.iterable-pages */
  /* The new start may share the old start's granule: then it is the same
   * byte. */
  if (carry_mark) ccgc_mark_set(moved, color);
  v8ish_unsafe_shape_change_end(heap, array, locked);
  freed_in_place(heap, array, n * 8);
  v8ish_handles_relocate(heap, v8ish_tag(array), v8ish_tag(moved));
  v8ish_raw_epoch_advance(heap); /* .inv.raw-epoch: raw values name the old */
  /* Probes and snapshot ids follow it too (V8's left trim tells its heap
   * profiler: MoveObject). */
  ccgc_collector_announce_object_moved(heap->base.collector, array, moved);
  return moved;
}

ccgc_status v8ish_array_left_trim(v8ish_heap *heap, v8ish_local array,
                                  size_t n) {
  if (!v8ish_enter(heap, CCGC_CALL_STORE, "v8ish_array_left_trim"))
    return v8ish_last_status(heap);
  const char *call = "v8ish_array_left_trim";
  size_t length;
  word_t *owner;
  word_t *elements = v8ish_local_elements(heap, array, &length, &owner, call);
  if (!elements) return v8ish_last_status(heap);
  if (n > length)
    return CCGC_MISUSE(heap->base.errors, CCGC_E_INVALID_ARGUMENT,
                       ".api.argument", "%s: cannot trim %zu of %zu elements",
                       call, n, length);
  if (n == 0) return CCGC_OK;
  if (!owner) { /* a FixedArray held by handles */
    if (elements == v8ish_untag(heap->empty_fixed_array))
      return CCGC_OK; /* unreachable: n <= length == 0 */
    return trim_fixed_array(heap, elements, n, call) ? CCGC_OK
                                                     : v8ish_last_status(heap);
  }
  /* An Array: trim its store, which only the Array references. */
  size_t capacity = (size_t)v8ish_smi_value(v8ish_load(elements, LENGTH));
  if (capacity == n) {
    v8ish_store(heap, owner, OBJ_ELEMENTS, heap->empty_fixed_array);
  } else {
    word_t *moved = trim_fixed_array(heap, elements, n, call);
    if (!moved) return v8ish_last_status(heap);
    v8ish_store(heap, owner, OBJ_ELEMENTS, v8ish_tag(moved));
  }
  owner[ARRAY_LENGTH] = v8ish_smi((intptr_t)(length - n));
  return CCGC_OK;
}

/* --- slack tracking ---------------------------------------------------------------- */

ccgc_status v8ish_object_shrink_slack(v8ish_heap *heap, v8ish_local object) {
  if (!v8ish_enter(heap, CCGC_CALL_STORE, "v8ish_object_shrink_slack"))
    return v8ish_last_status(heap);
  const char *call = "v8ish_object_shrink_slack";
  word_t *o = v8ish_local_object_like(heap, object, call);
  if (!o) return v8ish_last_status(heap);
  v8ish_value klass = v8ish_load(o, 0);
  word_t *k = v8ish_untag(klass);
  long inobject = v8ish_smi_value(k[CLASS_INOBJECT_COUNT]);
  long used = v8ish_smi_value(k[CLASS_PROPERTY_COUNT]);
  if (used >= inobject) return CCGC_OK; /* no slack left */
  long start = v8ish_smi_value(k[CLASS_INOBJECT_START]);
  size_t old_words = (size_t)v8ish_smi_value(k[CLASS_WORDS]);
  size_t new_words = (size_t)(start + used); /* start >= 3: >= 16 bytes */
  if (new_words >= old_words) return CCGC_OK;
  v8ish_value next = v8ish_clone_class(heap, klass, call);
  if (!next) return v8ish_last_status(heap);
  v8ish_untag(next)[CLASS_WORDS] = v8ish_smi((intptr_t)new_words);
  v8ish_untag(next)[CLASS_INOBJECT_COUNT] = v8ish_smi(used);
  v8ish_class_set_layout(heap, v8ish_untag(next));
  bool locked = v8ish_unsafe_shape_change_begin(heap, o);
  v8ish_store(heap, o, 0, next); /* the size shrinks ... */
  v8ish_write_filler(heap, o + new_words, (old_words - new_words) * 8);
  v8ish_unsafe_shape_change_end(heap, o, locked);
  /* ... the tail is free */
  freed_in_place(heap, o, (old_words - new_words) * 8);
  return CCGC_OK;
}
