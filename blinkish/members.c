/* members.c - the reference slots inside DOM objects: members, stored only
 * through the checked, barriered blinkish_member_set
 * (.inv.member-store-checked), and the wrappable slot that bridge/ owns. */
#include "heap-internal.h"
#include "invariant-check.h"

/* Who stores: the host (blinkish_member_set: the holder is an object of a
 * type the host registered), the heap into its own objects (a vector's
 * backing), or blinkish_backing_install (the value is a backing store,
 * which every other store refuses). */
typedef enum member_store_kind {
  STORE_HOST,
  STORE_HEAP,
  STORE_BACKING,
} member_store_kind;

static ccgc_status member_store(blinkish_heap *heap, void *holder, void **slot,
                                void *value, member_store_kind kind) {
  bool backing = kind == STORE_BACKING;
  if (!blinkish_enter(heap, CCGC_CALL_STORE, "blinkish_member_set"))
    return blinkish_refusal(heap);
  /* .inv.member-store-checked */
  if (heap->in_finalization) /* .inv.finalizer-no-store */
    return blinkish_refuse_finalizer_store(heap, "blinkish_member_set", value, NULL);
  /* A vector's backing on a page the compact op evacuated: the vector is
   * dead (a live one's backing moved), its backing intact until the sweep
   * releases the page, and a pre-finalizer may store into a dead object
   * (docs/errors.md, "During reclamation"); walks and queries skip the
   * page, so the holder check would call it freed. */
  bool dead_backing = kind == STORE_HEAP && blinkish_on_evacuated_page(holder);
  if (!dead_backing &&
      !blinkish_check_object(heap, holder, "blinkish_member_set", "holder"))
    return heap->base.errors->last.code;
  /* The heap's own objects (vectors, weak maps and sets, their backings)
   * keep private words the host's stores would overwrite: only their own
   * calls change them. */
  blinkish_type_id type = blinkish_header_type(blinkish_header_of(holder));
  if (kind == STORE_HOST && type < heap->host_types_from)
    return CCGC_MISUSE(
        heap->base.errors, CCGC_E_WRONG_TYPE, ".api.own-objects",
        "blinkish_member_set: holder %p is a %s, the heap's own type, whose "
        "words only its own calls change (blinkish_vector_*, "
        "blinkish_weak_map_*, ...)",
        holder, heap->types[type].name);
  /* A word declared as a script reference (bridge_type_declare_script_refs)
   * holds a traced handle: an address stored there would be read as one,
   * and its object never marked. */
  size_t word = (size_t)((uint8_t *)slot - (uint8_t *)holder) / 8;
  if (kind == STORE_HOST && (uint8_t *)slot >= (uint8_t *)holder &&
      word < CCGC_LAYOUT_MAX_WORDS &&
      (heap->types[type].layout.handles >> word & 1))
    return CCGC_MISUSE(
        heap->base.errors, CCGC_E_INVALID_ARGUMENT, ".api.argument",
        "blinkish_member_set: slot %p is word %zu of %s %p, declared as a "
        "script reference (bridge_script_ref_set stores there), not a member",
        (void *)slot, word, heap->types[type].name, holder);
  size_t size = blinkish_payload_size(holder);
  if ((uint8_t *)slot < (uint8_t *)holder ||
      (uint8_t *)slot + sizeof(void *) > (uint8_t *)holder + size ||
      ((uintptr_t)slot & (sizeof(void *) - 1)))
    return CCGC_MISUSE(
        heap->base.errors, CCGC_E_INVALID_ARGUMENT, ".api.argument",
        "blinkish_member_set: slot %p is not inside the "
        "%zu-byte payload of %s %p",
        (void *)slot, size, blinkish_type_info_of(heap, holder)->name, holder);
  if (value && !(backing ? blinkish_check_object(heap, value,
                                                  "blinkish_member_set", "value")
                          : blinkish_check_reference(heap, value,
                                                     "blinkish_member_set",
                                                     "value")))
    return heap->base.errors->last.code;
  if (blinkish_refuse_resurrection(heap, holder, value, "blinkish_member_set",
                                   NULL)) /* .inv.no-resurrection */
    return CCGC_E_DEAD_OBJECT;
  __atomic_store_n(slot, value, __ATOMIC_RELEASE); /* read by marker threads */
  ccgc_write_barrier(heap->base.barrier, holder, slot,
                     value); /* .inv.no-black-to-white */
  return CCGC_OK;
}

ccgc_status blinkish_member_set(blinkish_heap *heap, void *holder, void **slot,
                                void *value) {
  return member_store(heap, holder, slot, value, STORE_HOST);
}

ccgc_status blinkish_member_store_own(blinkish_heap *heap, void *holder,
                                      void **slot, void *value) {
  return member_store(heap, holder, slot, value, STORE_HEAP);
}

ccgc_status blinkish_backing_install(blinkish_heap *heap, void *owner,
                                     void *backing) {
  /* .inv.backing-owner: the owner slot is the owner's first payload word;
   * the back-pointer is written before the store publishes the backing. */
  ((blinkish_backing_prefix *)backing)->owner_slot = (void **)owner;
  return member_store(heap, owner, (void **)owner, backing, STORE_BACKING);
}

void **blinkish_wrappable_slot(blinkish_heap *heap, void *object) {
  if (!blinkish_enter(heap, CCGC_CALL_READ, "blinkish_wrappable_slot"))
    return NULL;
  if (!blinkish_check_object(heap, object, "blinkish_wrappable_slot", "object"))
    return NULL;
  if (!blinkish_header_is_wrappable(blinkish_header_of(object))) {
    CCGC_MISUSE(heap->base.errors, CCGC_E_WRONG_TYPE, ".api.wrong-type",
                "blinkish_wrappable_slot: type %s is not wrappable",
                blinkish_type_info_of(heap, object)->name);
    return NULL;
  }
  return (void **)object - 1;
}

bool blinkish_heap_has_wrappable_hooks(const blinkish_heap *heap) {
  return heap->wrappable_trace || heap->wrappable_release;
}

bool blinkish_heap_tearing_down(const blinkish_heap *heap) {
  return heap->tearing_down;
}

ccgc_status blinkish_heap_set_wrappable_hooks(
    blinkish_heap *heap, blinkish_wrappable_trace_fn trace,
    blinkish_wrappable_release_fn release, void *data) {
  if (!blinkish_enter(heap, CCGC_CALL_CONFIGURE,
                      "blinkish_heap_set_wrappable_hooks"))
    return blinkish_refusal(heap);
  /* Once: clearing them would let a second bridge take over the first
   * one's wrappers as well. */
  if (blinkish_heap_has_wrappable_hooks(heap))
    return CCGC_MISUSE(heap->base.errors, CCGC_E_INVALID_ARGUMENT,
                       ".api.one-bridge",
                       "blinkish_heap_set_wrappable_hooks: the heap's "
                       "wrappable hooks are set already (a DOM heap takes "
                       "one bridge for its life)");
  heap->wrappable_trace = trace;
  heap->wrappable_data = data;
  /* The mark loop's descriptors: the hook runs for every wrappable object,
   * as trace_object calls it (until the bridge says the marker follows the
   * slots itself: blinkish_heap_set_slot_handles). */
  if (trace) heap->layout_source.rest_bits = BLINKISH_HEADER_WRAPPABLE;
  /* A sweeper thread may read it meanwhile (concurrent finalizers,
   * sweeper.c): an object it finalized there with no hook set leaves its
   * wrapper slot, which nothing released before the hooks existed. */
  __atomic_store_n(&heap->wrappable_release, release, __ATOMIC_RELAXED);
  return CCGC_OK;
}
