/* types.c - the DOM heap's type registry (names, trace callbacks,
 * finalizers, flags) and what type an object has (blinkish.h). */
#include <stdlib.h>
#include <string.h>

#include "heap-internal.h"

/* with_data: blinkish_register_type_with_data (whose info->finalize must
 * be NULL, whether or not it passes a finalizer of its own). */
static blinkish_type_id register_type(blinkish_heap *heap,
                                      const blinkish_type_info *info,
                                      blinkish_finalize_data_fn finalize,
                                      void *data, bool with_data,
                                      const char *call) {
  if (!blinkish_enter(heap, CCGC_CALL_CONFIGURE, call)) return 0;
  if (!info || !info->name || !*info->name) {
    ccgc_error_set(heap->base.errors, CCGC_E_INVALID_ARGUMENT,
                   "%s: a type needs a name", call);
    return 0;
  }
  const unsigned known =
      BLINKISH_TYPE_WRAPPABLE | BLINKISH_TYPE_CONCURRENT_FINALIZER;
  if (info->flags & ~known) {
    ccgc_error_set(heap->base.errors, CCGC_E_INVALID_ARGUMENT,
                   "%s: unknown flags 0x%x for '%s'", call, info->flags & ~known,
                   info->name);
    return 0;
  }
  if (info->finalize && with_data) {
    ccgc_error_set(heap->base.errors, CCGC_E_INVALID_ARGUMENT,
                   "%s: '%s' has a finalizer in its info: it takes the one with data "
                   "(a type has one finalizer)",
                   call, info->name);
    return 0;
  }
  if (heap->type_count + 1 >= BLINKISH_MAX_TYPES) {
    ccgc_error_set(heap->base.errors, CCGC_E_INVALID_ARGUMENT,
                   "%s: more than %d types (registering '%s')", call,
                   BLINKISH_MAX_TYPES - 1, info->name);
    return 0;
  }
  blinkish_type_id id = ++heap->type_count;
  blinkish_type *type = &heap->types[id];
  type->name = strdup(info->name);
  type->trace = info->trace;
  type->finalize = info->finalize;
  type->flags = info->flags;
  type->finalize_with_data = finalize;
  type->finalize_data = data;
  blinkish_type_publish_layout(heap, id); /* last: the marker may look */
  return id;
}

blinkish_type_id blinkish_register_type(blinkish_heap *heap,
                                        const blinkish_type_info *info) {
  return register_type(heap, info, NULL, NULL, false, "blinkish_register_type");
}

blinkish_type_id blinkish_register_type_with_data(
    blinkish_heap *heap, const blinkish_type_info *info,
    blinkish_finalize_data_fn finalize, void *data) {
  return register_type(heap, info, finalize, data, true,
                       "blinkish_register_type_with_data");
}

blinkish_type_id blinkish_type_by_name(blinkish_heap *heap, const char *name) {
  if (!blinkish_enter(heap, CCGC_CALL_READ, "blinkish_type_by_name"))
    return 0;
  if (!name) {
    ccgc_error_set(heap->base.errors, CCGC_E_INVALID_ARGUMENT,
                   "blinkish_type_by_name: name is NULL");
    return 0;
  }
  for (unsigned i = 1; i <= heap->type_count; i++)
    if (!strcmp(heap->types[i].name, name)) return (blinkish_type_id)i;
  return 0;
}

const blinkish_type *blinkish_type_info_of(blinkish_heap *heap,
                                           const void *object) {
  return &heap->types[blinkish_header_type(blinkish_header_of(object))];
}

const char *blinkish_object_type_name(void *heap, const void *object) {
  return blinkish_type_info_of(heap, object)->name;
}

/* The host may pass anything: checked, misuse answers NULL / 0. */
const char *blinkish_type_name(blinkish_heap *heap, const void *object) {
  if (!blinkish_enter(heap, CCGC_CALL_READ, "blinkish_type_name"))
    return NULL;
  if (!blinkish_check_object(heap, object, "blinkish_type_name", "object"))
    return NULL;
  return blinkish_type_info_of(heap, object)->name;
}

blinkish_type_id blinkish_type_of(blinkish_heap *heap, const void *object) {
  if (!blinkish_enter(heap, CCGC_CALL_READ, "blinkish_type_of"))
    return 0;
  if (!blinkish_check_object(heap, object, "blinkish_type_of", "object"))
    return 0;
  return blinkish_header_type(blinkish_header_of(object));
}

size_t blinkish_object_size(blinkish_heap *heap, const void *object) {
  if (!blinkish_enter(heap, CCGC_CALL_READ, "blinkish_object_size"))
    return 0;
  if (!blinkish_check_object(heap, object, "blinkish_object_size", "object"))
    return 0;
  return blinkish_payload_size(object);
}
