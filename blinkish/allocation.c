/* allocation.c - new DOM objects (blinkish.h): the checked entry of the
 * allocator in page.c, its accounting and barrier coloring, and two-phase
 * allocation for objects under construction (.inv.construct-defer). */
#include "heap-internal.h"
#include "invariant-check.h"

static void *allocate(blinkish_heap *heap, blinkish_type_id type,
                      size_t size);

void *blinkish_alloc(blinkish_heap *heap, blinkish_type_id type, size_t size) {
  if (!blinkish_enter(heap, CCGC_CALL_READ, "blinkish_alloc"))
    return NULL;
  if (type == 0 || type > heap->type_count) {
    CCGC_MISUSE(heap->base.errors, CCGC_E_INVALID_ARGUMENT, ".api.argument",
                "blinkish_alloc: unknown type id %u", (unsigned)type);
    return NULL;
  }
  /* The heap's own types (vectors, weak maps and sets, their backings)
   * are made by their own calls, which set them up: a bare one crashed
   * the calls that read it, and a backing's address would be out. */
  if (type < heap->host_types_from) {
    CCGC_MISUSE(heap->base.errors, CCGC_E_WRONG_TYPE, ".api.own-objects",
                "blinkish_alloc: %s is the heap's own type, made only by its "
                "own calls (blinkish_vector_new, blinkish_weak_map_new, ...)",
                heap->types[type].name);
    return NULL;
  }
  return allocate(heap, type, size);
}

void *blinkish_alloc_own(blinkish_heap *heap, blinkish_type_id type,
                         size_t size) {
  if (!blinkish_enter(heap, CCGC_CALL_READ, "blinkish_alloc"))
    return NULL;
  return allocate(heap, type, size);
}

/* After the entry and type checks. */
static void *allocate(blinkish_heap *heap, blinkish_type_id type,
                      size_t size) {
  /* One branch while the mutator runs: the gate is open (gate.h). */
  if (__builtin_expect(!ccgc_gate_open(heap->base.gate), 0)) {
    if (blinkish_in_reclamation(heap)) {
      CCGC_MISUSE(heap->base.errors, CCGC_E_IN_COLLECTION,
                  ".api.outside-collection",
                  "blinkish_alloc: allocation from a %s",
                  heap->in_finalization ? "finalizer" : "pre-finalizer");
      return NULL;
    }
    if (ccgc_gate_refuse(heap->base.collector, CCGC_CALL_ALLOCATE,
                         "blinkish_alloc") != CCGC_OK)
      return NULL;
  }
  /* The marker reads the declared members' words (.inv.layout-complete). */
  if (__builtin_expect(size < heap->types[type].member_bytes, 0)) {
    CCGC_MISUSE(heap->base.errors, CCGC_E_INVALID_ARGUMENT, ".api.argument",
                "blinkish_alloc: %zu bytes of %s do not hold its declared "
                "members (%zu bytes)",
                size, heap->types[type].name, heap->types[type].member_bytes);
    return NULL;
  }
  bool wrappable = heap->types[type].flags & BLINKISH_TYPE_WRAPPABLE;
  bool overflow;
  size_t cell_size = blinkish_cell_size_for(size, wrappable, &overflow);
  /* The header holds the cell size in 32 bits (object-header.h). */
  if (overflow || cell_size > UINT32_MAX) {
    ccgc_error_set(heap->base.errors, CCGC_E_SIZE_OVERFLOW,
                   "blinkish_alloc: %zu bytes of %s exceed the largest "
                   "object (%zu bytes)",
                   size, heap->types[type].name,
                   (size_t)UINT32_MAX - blinkish_payload_offset(wrappable) -
                       (CCGC_GRANULE - 1));
    return NULL;
  }
  /* Host code when it dies: the host-code arena, whose pages only the
   * owner thread sweeps (.inv.dom-arena). */
  const blinkish_type *info = &heap->types[type];
  bool host_code = wrappable || info->finalize || info->finalize_with_data;
  /* Backing stores in an arena of their own, which the compact op may
   * empty (.inv.dom-backing-arena; their types run no host code). */
  int arena = host_code                            ? BLINKISH_ARENA_HOST_CODE
              : blinkish_type_is_backing(heap, type) ? BLINKISH_ARENA_BACKING
                                                   : BLINKISH_ARENA_PLAIN;
  void *object =
      blinkish_page_allocate(heap, cell_size, wrappable, arena, type);
  if (!object) return NULL; /* limit or OS refusal, recorded by page.c */
  /* No members declared from now on. Stored once: sweeper threads read
   * the type's other fields, on the same line, all the time. */
  if (__builtin_expect(!heap->types[type].allocated, 0))
    heap->types[type].allocated = true;
  heap->base.space.used_bytes +=
      blinkish_header_cell_size(blinkish_header_of(object));
  heap->base.space.object_count++;
  /* .inv.allocate-black */
  ccgc_barrier_on_allocate(heap->base.barrier, object);
  ccgc_heap_base_poll(&heap->base); /* .inv.no-gc-in-allocation */
  return object;
}

void *blinkish_alloc_begin(blinkish_heap *heap, blinkish_type_id type,
                           size_t size) {
  void *object = blinkish_alloc(heap, type, size);
  /* Before anyone can reach it: no marker has read this header yet. */
  if (object) blinkish_header_set_constructing(blinkish_header_of(object));
  return object;
}

void blinkish_alloc_commit(blinkish_heap *heap, void *object) {
  if (!blinkish_enter(heap, CCGC_CALL_STORE, "blinkish_alloc_commit"))
    return;
  if (!blinkish_check_object(heap, object, "blinkish_alloc_commit", "object"))
    return;
  blinkish_header *header = blinkish_header_of(object);
  if (!blinkish_header_is_constructing(header)) {
    CCGC_MISUSE(heap->base.errors, CCGC_E_INVALID_ARGUMENT, ".api.argument",
                "blinkish_alloc_commit: %p is not under construction "
                "(committed twice, or not from blinkish_alloc_begin)",
                object);
    return;
  }
  /* Release: the constructor's stores happen-before a marker that sees the
   * bit clear. A marker that deferred it traces it in the pause anyway. */
  blinkish_header_commit(header);
}

bool blinkish_is_constructing(blinkish_heap *heap, const void *object) {
  if (!blinkish_enter(heap, CCGC_CALL_READ, "blinkish_is_constructing"))
    return false;
  if (!blinkish_is_allocated(heap, object)) return false;
  return blinkish_header_is_constructing(blinkish_header_of(object));
}

size_t blinkish_not_constructed_count(blinkish_heap *heap) {
  if (!blinkish_enter(heap, CCGC_CALL_READ, "blinkish_not_constructed_count"))
    return 0;
  pthread_mutex_lock(&heap->not_constructed_lock);
  size_t count = heap->not_constructed->len;
  pthread_mutex_unlock(&heap->not_constructed_lock);
  return count;
}
