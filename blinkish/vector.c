/* vector.c - heap vectors: a HeapVector object holds a member to its
 * HeapVectorBacking, which is replaced (not resized in place) when it grows,
 * so a concurrent marker never sees a store shrink under it. */
#include <string.h>

#include "heap-internal.h"
#include "invariant-check.h"

typedef struct vector_backing {
  blinkish_backing_prefix prefix; /* first: the owner slot (.inv.backing-owner) */
  size_t length; /* slots in use, traced */
  size_t capacity;
  void *items[];
} vector_backing;

typedef struct heap_vector {
  vector_backing *backing; /* first: the backing's owner slot */
} heap_vector;

static void trace_vector(ccgc_visitor *visitor, void *object) {
  heap_vector *vector = object;
  ccgc_visit_strong(visitor,
                    __atomic_load_n(&vector->backing, __ATOMIC_ACQUIRE),
                    ccgc_edge_named(CCGC_EDGE_INTERNAL, "backing"));
}

static void trace_backing(ccgc_visitor *visitor, void *object) {
  vector_backing *backing = object;
  size_t length = __atomic_load_n(&backing->length, __ATOMIC_ACQUIRE);
  for (size_t i = 0; i < length; i++)
    ccgc_visit_strong(visitor,
                      __atomic_load_n(&backing->items[i], __ATOMIC_ACQUIRE),
                      ccgc_edge_indexed(i));
}

void blinkish_vector_register_types(blinkish_heap *heap) {
  blinkish_type_info vector = {"HeapVector", trace_vector, NULL, 0};
  blinkish_type_info backing = {"HeapVectorBacking", trace_backing, NULL, 0};
  heap->vector_type = blinkish_register_type(heap, &vector);
  heap->backing_type = blinkish_register_type(heap, &backing);
}

static bool check_vector(blinkish_heap *heap, const void *vector,
                         const char *call) {
  if (!blinkish_check_object(heap, vector, call, "vector")) return false;
  if (blinkish_type_of(heap, vector) != heap->vector_type) {
    CCGC_MISUSE(heap->base.errors, CCGC_E_WRONG_TYPE, ".api.wrong-type",
                "%s: %p is a %s, not a HeapVector", call, vector,
                blinkish_type_name(heap, vector));
    return false;
  }
  return true;
}

static vector_backing *new_backing(blinkish_heap *heap, size_t capacity,
                                   const char *call) {
  if (capacity > (SIZE_MAX - sizeof(vector_backing)) / sizeof(void *)) {
    ccgc_error_set(heap->base.errors, CCGC_E_SIZE_OVERFLOW,
                   "%s: a capacity of %zu elements overflows", call, capacity);
    return NULL;
  }
  vector_backing *backing = blinkish_alloc_own(
      heap, heap->backing_type,
      sizeof(vector_backing) + capacity * sizeof(void *));
  if (backing) backing->capacity = capacity;
  return backing;
}

void *blinkish_vector_new(blinkish_heap *heap, size_t initial_capacity) {
  if (!blinkish_enter(heap, CCGC_CALL_ALLOCATE, "blinkish_vector_new"))
    return NULL;
  if (initial_capacity == 0) initial_capacity = 4;
  heap_vector *vector = blinkish_alloc_own(heap, heap->vector_type, sizeof *vector);
  if (!vector) return NULL;
  vector_backing *backing =
      new_backing(heap, initial_capacity, "blinkish_vector_new");
  if (!backing) return NULL; /* the vector is garbage, reclaimed later */
  blinkish_backing_install(heap, vector, backing);
  return vector;
}

size_t blinkish_vector_length(blinkish_heap *heap, const void *vector) {
  if (!blinkish_enter(heap, CCGC_CALL_READ, "blinkish_vector_length"))
    return 0;
  if (!check_vector(heap, vector, "blinkish_vector_length")) return 0;
  return ((const heap_vector *)vector)->backing->length;
}

void *blinkish_vector_get(blinkish_heap *heap, const void *vector, size_t i) {
  if (!blinkish_enter(heap, CCGC_CALL_READ, "blinkish_vector_get"))
    return NULL;
  if (!check_vector(heap, vector, "blinkish_vector_get")) return NULL;
  vector_backing *backing = ((const heap_vector *)vector)->backing;
  if (i >= backing->length) {
    CCGC_MISUSE(heap->base.errors, CCGC_E_INVALID_ARGUMENT, ".api.argument",
                "blinkish_vector_get: index %zu out of range (length "
                "%zu)",
                i, backing->length);
    return NULL;
  }
  return backing->items[i];
}

/* .inv.finalizer-no-store: a finalizer changes no vector. Refused before
 * anything is written, the report naming the call (a removal shifted the
 * elements through refused stores and shortened the vector anyway: the
 * wrong element went, and a one-element removal said nothing). */
static bool refuse_in_finalizer(blinkish_heap *heap, const char *call,
                                const void *value) {
  if (!heap->in_finalization) return false;
  blinkish_refuse_finalizer_store(heap, call, value, NULL);
  return true;
}

ccgc_status blinkish_vector_set(blinkish_heap *heap, void *vector, size_t i,
                                void *value) {
  if (!blinkish_enter(heap, CCGC_CALL_STORE, "blinkish_vector_set"))
    return blinkish_refusal(heap);
  if (!check_vector(heap, vector, "blinkish_vector_set"))
    return heap->base.errors->last.code;
  if (refuse_in_finalizer(heap, "blinkish_vector_set", value))
    return heap->base.errors->last.code;
  vector_backing *backing = ((heap_vector *)vector)->backing;
  if (i >= backing->length)
    return CCGC_MISUSE(heap->base.errors, CCGC_E_INVALID_ARGUMENT,
                       ".api.argument",
                       "blinkish_vector_set: index %zu out of range "
                       "(length %zu)",
                       i, backing->length);
  if (value &&
      !blinkish_check_reference(heap, value, "blinkish_vector_set", "value"))
    return heap->base.errors->last.code;
  /* Checked here too (blinkish_member_set would) so the report names this
   * call (.inv.no-resurrection). */
  if (blinkish_refuse_resurrection(heap, vector, value, "blinkish_vector_set",
                                   NULL))
    return CCGC_E_DEAD_OBJECT;
  return blinkish_member_store_own(heap, backing, &backing->items[i], value);
}

ccgc_status blinkish_vector_append(blinkish_heap *heap, void *vector,
                                   void *value) {
  if (!blinkish_enter(heap, CCGC_CALL_STORE, "blinkish_vector_append"))
    return blinkish_refusal(heap);
  if (!check_vector(heap, vector, "blinkish_vector_append"))
    return heap->base.errors->last.code;
  if (refuse_in_finalizer(heap, "blinkish_vector_append", value))
    return heap->base.errors->last.code;
  if (value &&
      !blinkish_check_reference(heap, value, "blinkish_vector_append", "value"))
    return heap->base.errors->last.code;
  if (blinkish_refuse_resurrection(heap, vector, value,
                                   "blinkish_vector_append", NULL))
    return CCGC_E_DEAD_OBJECT; /* .inv.no-resurrection */
  heap_vector *self = vector;
  vector_backing *backing = self->backing;
  if (backing->length == backing->capacity) {
    /* Growing allocates: not from a collector callback (the report named
     * blinkish_alloc). */
    if (!ccgc_gate_open(heap->base.gate))
      return CCGC_MISUSE(heap->base.errors, CCGC_E_IN_COLLECTION,
                         ".api.outside-collection",
                         "blinkish_vector_append: the vector must grow, which "
                         "allocates, and a collector callback must not "
                         "allocate");
    vector_backing *grown =
        new_backing(heap, backing->capacity * 2, "blinkish_vector_append");
    if (!grown) return heap->base.errors->last.code;
    backing = self->backing; /* unchanged: allocation never collects */
    for (size_t i = 0; i < backing->length; i++)
      blinkish_member_store_own(heap, grown, &grown->items[i],
                                backing->items[i]);
    __atomic_store_n(&grown->length, backing->length, __ATOMIC_RELEASE);
    blinkish_backing_install(heap, self, grown);
    backing = grown;
  }
  /* Store the element before publishing the length: a concurrent marker that
   * reads the new length finds the element (release/acquire). */
  ccgc_status status =
      blinkish_member_store_own(heap, backing,
                                &backing->items[backing->length], value);
  if (status != CCGC_OK) return status;
  __atomic_store_n(&backing->length, backing->length + 1, __ATOMIC_RELEASE);
  return CCGC_OK;
}

ccgc_status blinkish_vector_remove(blinkish_heap *heap, void *vector, size_t i) {
  if (!blinkish_enter(heap, CCGC_CALL_STORE, "blinkish_vector_remove"))
    return blinkish_refusal(heap);
  if (!check_vector(heap, vector, "blinkish_vector_remove"))
    return heap->base.errors->last.code;
  if (refuse_in_finalizer(heap, "blinkish_vector_remove", NULL))
    return heap->base.errors->last.code;
  vector_backing *backing = ((heap_vector *)vector)->backing;
  if (i >= backing->length)
    return CCGC_MISUSE(heap->base.errors, CCGC_E_INVALID_ARGUMENT,
                       ".api.argument",
                       "blinkish_vector_remove: index %zu out of range "
                       "(length %zu)",
                       i, backing->length);
  /* Shifting down stores values already in the vector: no new edges, but run
   * the checked path anyway so every member store has one shape. */
  for (size_t j = i; j + 1 < backing->length; j++)
    blinkish_member_store_own(heap, backing, &backing->items[j], backing->items[j + 1]);
  __atomic_store_n(&backing->length, backing->length - 1, __ATOMIC_RELEASE);
  __atomic_store_n(&backing->items[backing->length], NULL, __ATOMIC_RELEASE);
  return CCGC_OK;
}

bool blinkish_vector_remove_value(blinkish_heap *heap, void *vector,
                                  void *value) {
  if (!blinkish_enter(heap, CCGC_CALL_STORE, "blinkish_vector_remove_value"))
    return false;
  if (!check_vector(heap, vector, "blinkish_vector_remove_value")) return false;
  if (refuse_in_finalizer(heap, "blinkish_vector_remove_value", NULL))
    return false;
  vector_backing *backing = ((heap_vector *)vector)->backing;
  for (size_t i = 0; i < backing->length; i++) {
    if (backing->items[i] == value) {
      blinkish_vector_remove(heap, vector, i);
      return true;
    }
  }
  return false;
}
