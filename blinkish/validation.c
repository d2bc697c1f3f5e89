/* validation.c - whether a pointer is a live object of this DOM heap: safe
 * on any pointer value and always on. Every API call that takes an object
 * checks it here first; blinkish_check_object reports misuse. */
#include "heap-internal.h"
#include "invariant-check.h"

/* The header of a live object at address p of this heap, or NULL. Safe on
 * any pointer value: the registry is consulted before memory is read. */
static inline __attribute__((always_inline)) blinkish_header *live_header(
    blinkish_heap *heap, const void *p) {
  if (!p || ((uintptr_t)p & 7) != 0) return NULL;
  /* An object starts in its page's first CCGC_PAGE_SIZE bytes: on the page
   * the last check found, p is ours without the registry (cleared when a
   * page is released, marking/page-space.h). With none remembered (NULL),
   * an address below CCGC_PAGE_SIZE has start 0 too: the registry decides. */
  ccgc_page *start = ccgc_page_of(p); /* not read: p may be anything */
  ccgc_page *base =
      __atomic_load_n(&heap->base.space.checked_page, __ATOMIC_RELAXED);
  if (!base || base != start) { /* another page, or none */
    base = ccgc_collector_find_page(heap->base.collector, p);
    if (!base || base->owner != heap) return NULL;
    if (base == start)
      __atomic_store_n(&heap->base.space.checked_page, base, __ATOMIC_RELAXED);
  }
  blinkish_page *page = (blinkish_page *)base;
  if (page->evacuated) return NULL; /* compactor.c: nothing lives there */
  const uint8_t *address = p;
  if (address < page->cells_start + 8 || address >= page->cells_end) return NULL;
  /* A page a lazy sweep has not reached (or a sweeper thread is sweeping):
   * an unmarked object is dead, whatever its header still says; answered
   * before its memory is read (.inv.dom-unswept-dead). */
  if (page->sweep_slot && !ccgc_is_marked(p)) return NULL;
  uint64_t before = __atomic_load_n((const uint64_t *)p - 1, __ATOMIC_RELAXED);
  const uint8_t *cell = blinkish_word_is_header(before) ? address - 8
                                                        : address - 16;
  if (cell < page->cells_start || ((uintptr_t)cell & (CCGC_GRANULE - 1)))
    return NULL;
  if (!blinkish_page_cell_is_start(page, cell)) return NULL;
  blinkish_header *header = (blinkish_header *)cell;
  if (!blinkish_word_is_header(blinkish_header_word(header)) ||
      blinkish_header_is_free(header))
    return NULL;
  if (cell + blinkish_payload_offset(blinkish_header_is_wrappable(header)) !=
      address)
    return NULL;
  return header;
}

bool blinkish_is_allocated(blinkish_heap *heap, const void *p) {
  if (!blinkish_enter(heap, CCGC_CALL_READ, "blinkish_is_object"))
    return false;
  return live_header(heap, p) != NULL;
}

bool blinkish_is_object(blinkish_heap *heap, const void *p) {
  if (!blinkish_is_allocated(heap, p)) return false;
  /* blinkish.h: an object the collection found dead answers false before
   * the sweep frees it - on a page a lazy sweep has not reached
   * (live_header) and, while marks are final (weak callbacks,
   * pre-finalizers, finalizers, where nothing is allocated), inside its
   * own pre-finalizer or finalizer. */
  return !(blinkish_marks_final(heap) && !heap->tearing_down &&
           blinkish_is_dying(heap, p));
}

bool blinkish_is_alive(blinkish_heap *heap, const void *object) {
  if (!blinkish_enter(heap, CCGC_CALL_READ, "blinkish_is_alive"))
    return false;
  if (!object) return false;
  /* blinkish_heap_free: every object of the heap is dying, finalized now
   * (docs/errors.md: every DOM object counts as dead there). */
  if (heap->tearing_down) return false;
  /* A minor collection collects no DOM object and sets no mark: the DOM
   * heap's objects are alive as outside a collection (the droppable
   * handler asks, v8ish.h). */
  if (ccgc_collector_in_collection(heap->base.collector) &&
      !ccgc_collector_in_minor_collection(heap->base.collector))
    return ccgc_collector_find_page(heap->base.collector, object) &&
           ccgc_is_marked(object);
  return blinkish_is_object(heap, object);
}

bool blinkish_check_target(blinkish_heap *heap, const ccgc_page *page,
                           const void *target, const void *value,
                           const char *call) {
  blinkish_heap *owner = page->owner;
  /* A page's owner is its heap (page-space.c), the heap's base first: a
   * DOM heap's signature says which heaps have backings. */
  if (!owner || owner->base.sig != BLINKISH_SIG) return true;
  blinkish_header *header = live_header(owner, target);
  if (!header) return true;
  blinkish_type_id type = blinkish_header_type(header);
  if (!blinkish_type_is_backing(owner, type)) return true;
  /* .inv.backing-owner: the map's entry would not follow a move. */
  CCGC_MISUSE(heap->base.errors, CCGC_E_WRONG_TYPE, ".inv.backing-owner",
              "%s: the target of value %p is %p, a %s, a backing store that "
              "only its owner may reference (compaction moves it)",
              call, value, target, owner->types[type].name);
  return false;
}

bool blinkish_check_reference(blinkish_heap *heap, const void *object,
                              const char *call, const char *what) {
  if (!blinkish_check_object(heap, object, call, what)) return false;
  blinkish_type_id type = blinkish_header_type(blinkish_header_of(object));
  if (!blinkish_type_is_backing(heap, type)) return true;
  /* .inv.backing-owner: a second reference would not follow a move. */
  CCGC_MISUSE(heap->base.errors, CCGC_E_WRONG_TYPE, ".inv.backing-owner",
              "%s: %s %p is a %s, a backing store that only its owner may "
              "reference (compaction moves it)",
              call, what, object, heap->types[type].name);
  return false;
}

/* The misuse report of blinkish_check_object, out of its line: the check
 * itself needs no frame for the message. */
__attribute__((noinline, cold)) static ccgc_status report_invalid(
    blinkish_heap *heap, const void *object, const char *call,
    const char *what) {
  ccgc_page *page = ccgc_collector_find_page(heap->base.collector, object);
  bool ours = page && page->owner == heap;
  return CCGC_MISUSE(heap->base.errors,
                     ours ? CCGC_E_DEAD_OBJECT : CCGC_E_FOREIGN_POINTER,
                     ".api.valid-object", "%s: %s %p is %s", call, what, object,
                     ours ? "not a live object (freed or interior pointer)"
                          : "not an object of this DOM heap");
}

bool blinkish_check_object(blinkish_heap *heap, const void *object,
                           const char *call, const char *what) {
  if (__builtin_expect(live_header(heap, object) != NULL, 1)) return true;
  report_invalid(heap, object, call, what);
  return false;
}

ccgc_status blinkish_check_allocated(blinkish_heap *heap, const void *object,
                                     const char *call, const char *what) {
  if (live_header(heap, object)) return CCGC_OK;
  return report_invalid(heap, object, call, what);
}
