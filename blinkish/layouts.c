/* layouts.c - the DOM heap's layout descriptors (marking/ccgc-layout.h): a
 * type's declared members (blinkish_type_declare_members) and script
 * references (blinkish_type_declare_handles, which serves
 * bridge_type_declare_script_refs) become a descriptor in the heap's type
 * table, which the mark loop finds from the object's
 * header and traces with no call (docs/dom-heap.md, "Declared members").
 *
 * The descriptor names the members' words (plain addresses or NULL); its
 * `rest` is set when the type has a trace callback; the marker follows a
 * set wrappable slot itself when the bridge described its handles
 * (blinkish_heap_set_slot_handles), else the slot (or, while a host's own
 * hook is set, the wrappable bit: rest_bits) sends the object to
 * blinkish_trace_rest for the hook. Objects under
 * construction take the callback (their header's C bit is a slow bit), which
 * defers them (.inv.construct-defer). Every other visitor (tools, verifier,
 * marker threads) gets the members from trace_object, named, before the
 * type's own edges (.inv.layout-complete).
 */
#include "blinkish-bridge.h"
#include "heap-internal.h"

#include <stdarg.h>
#include <stdio.h>

void blinkish_layouts_init(blinkish_heap *heap) {
  heap->layout_source = (ccgc_layout_source){
      .how = CCGC_LAYOUT_BY_HEADER,
      .tag = 0,
      .tag_mask = 0, /* members are plain addresses: raw_refs only */
      .header_tag = BLINKISH_HEADER_TAG,
      .slow_bits = BLINKISH_HEADER_CONSTRUCTING,
      .type_shift = BLINKISH_HEADER_TYPE_SHIFT,
      .type_mask = BLINKISH_MAX_TYPES - 1, /* ids are below it */
      .types = (const ccgc_layout *const *)heap->layout_table,
      .trace_rest = blinkish_trace_rest,
  };
}

void blinkish_heap_set_slot_handles(blinkish_heap *heap,
                                    const ccgc_layout_handles *handles,
                                    blinkish_handle_trace_fn trace) {
  heap->layout_source.slot_handles = *handles;
  heap->handle_trace = trace;
  /* The bridge's hook reports nothing for an empty slot. */
  heap->layout_source.rest_bits = 0;
}

/* The layouts op. */
const ccgc_layout_source *blinkish_layouts(void *data) {
  blinkish_heap *heap = data;
  return &heap->layout_source;
}

static ccgc_status refuse(blinkish_heap *heap, const char *call,
                          const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static ccgc_status refuse(blinkish_heap *heap, const char *call,
                          const char *fmt, ...) {
  char message[256];
  va_list args;
  va_start(args, fmt);
  vsnprintf(message, sizeof message, fmt, args);
  va_end(args);
  return CCGC_MISUSE(heap->base.errors, CCGC_E_INVALID_ARGUMENT,
                     ".api.argument", "%s: %s", call, message);
}

/* Declares words of a type's payload: plain-address members
 * (blinkish_type_declare_members) or, handles set, traced handles in the
 * slot handles' format (blinkish_type_declare_handles). One name table
 * serves both: a word is one or the other. */
static ccgc_status declare(blinkish_heap *heap, blinkish_type_id id,
                           const blinkish_member_info *members, size_t count,
                           bool handles, const char *call) {
  if (!blinkish_enter(heap, CCGC_CALL_CONFIGURE, call))
    return blinkish_refusal(heap);
  if (id == 0 || id > heap->type_count)
    return refuse(heap, call, "unknown type id %u", (unsigned)id);
  if (id < heap->host_types_from)
    return refuse(heap, call, "'%s' is the heap's own type", heap->types[id].name);
  blinkish_type *type = &heap->types[id];
  const char *what = handles ? "script references" : "members";
  if (handles ? type->layout.handles : type->layout.raw_refs)
    return refuse(heap, call, "'%s' declared its %s already", type->name, what);
  if (type->allocated) /* .inv.layout-stable */
    return refuse(heap, call, "'%s' has objects already", type->name);
  if (handles && !heap->layout_source.slot_handles.enabled)
    return refuse(heap, call, "the heap has no bridge");
  if (!members || count == 0 || count > BLINKISH_MEMBER_MAX)
    return refuse(heap, call, "'%s': %zu %s at %p (1 to %d)", type->name, count,
                  what, (const void *)members, BLINKISH_MEMBER_MAX);
  uint64_t bits = 0;
  size_t bytes = type->member_bytes;
  for (size_t i = 0; i < count; i++) {
    size_t offset = members[i].offset;
    if (offset % sizeof(void *) || offset >= BLINKISH_MEMBER_MAX * sizeof(void *))
      return refuse(heap, call,
                    "'%s' %s %zu at offset %zu: not a multiple of 8 below %d",
                    type->name, what, i, offset,
                    BLINKISH_MEMBER_MAX * (int)sizeof(void *));
    uint64_t bit = (uint64_t)1 << (offset / sizeof(void *));
    if (bits & bit)
      return refuse(heap, call, "'%s' has two %s at offset %zu", type->name,
                    what, offset);
    if ((type->layout.raw_refs | type->layout.handles) & bit)
      return refuse(heap, call, "'%s' declared offset %zu as a %s already",
                    type->name, offset,
                    handles ? "member" : "script reference");
    bits |= bit;
    if (offset + sizeof(void *) > bytes) bytes = offset + sizeof(void *);
  }
  bool fresh = !type->member_names;
  if (fresh) type->member_names = calloc(BLINKISH_MEMBER_MAX, sizeof(char *));
  bool copied = type->member_names != NULL;
  for (size_t i = 0; copied && i < count; i++) {
    const char *name = members[i].name ? members[i].name : handles ? "script" : "member";
    copied = (type->member_names[members[i].offset / sizeof(void *)] =
                  strdup(name)) != NULL;
  }
  if (!copied) { /* nothing declared */
    if (fresh) {
      blinkish_type_free_members(type);
    } else {
      for (size_t i = 0; i < count; i++) {
        char **name = &type->member_names[members[i].offset / sizeof(void *)];
        free(*name);
        *name = NULL;
      }
    }
    ccgc_error_set(heap->base.errors, CCGC_E_OUT_OF_MEMORY,
                   "%s: out of memory", call);
    return CCGC_E_OUT_OF_MEMORY;
  }
  type->member_bytes = bytes;
  if (handles)
    type->layout.handles = bits;
  else
    type->layout.raw_refs = bits;
  type->layout.rest = type->trace != NULL;
  blinkish_type_publish_layout(heap, id);
  return CCGC_OK;
}

ccgc_status blinkish_type_declare_members(blinkish_heap *heap,
                                          blinkish_type_id id,
                                          const blinkish_member_info *members,
                                          size_t count) {
  return declare(heap, id, members, count, false,
                 "blinkish_type_declare_members");
}

ccgc_status blinkish_type_declare_handles(blinkish_heap *heap,
                                          blinkish_type_id id,
                                          const blinkish_member_info *handles,
                                          size_t count, const char *call) {
  return declare(heap, id, handles, count, true, call);
}

/* At registration and at a declaration: a type with members, or with no
 * references at all, gets a descriptor; one with only a trace callback
 * keeps the callback (no descriptor would save anything). */
void blinkish_type_publish_layout(blinkish_heap *heap, blinkish_type_id id) {
  blinkish_type *type = &heap->types[id];
  if (type->layout.raw_refs || type->layout.handles || !type->trace)
    __atomic_store_n(&heap->layout_table[id], &type->layout, __ATOMIC_RELEASE);
}

void blinkish_type_free_members(blinkish_type *type) {
  if (!type->member_names) return;
  for (size_t i = 0; i < BLINKISH_MEMBER_MAX; i++) free(type->member_names[i]);
  free(type->member_names);
  type->member_names = NULL;
}

/* The declared members and handles, named, for every visitor but the mark
 * loop's descriptor path (trace.c's trace_fields): a handle through the
 * bridge's hook, which reports a handle that is not live as misuse. */
void blinkish_trace_members(const blinkish_heap *heap,
                            const blinkish_type *type, void *object,
                            ccgc_visitor *visitor) {
  uint64_t bits = type->layout.raw_refs;
  void *const *words = object;
  while (bits) {
    unsigned i = (unsigned)__builtin_ctzll(bits);
    bits &= bits - 1;
    ccgc_visit_strong(visitor, __atomic_load_n(&words[i], __ATOMIC_ACQUIRE),
                      ccgc_edge_named(CCGC_EDGE_FIELD, type->member_names[i]));
  }
  bits = type->layout.handles;
  while (bits) {
    unsigned i = (unsigned)__builtin_ctzll(bits);
    bits &= bits - 1;
    void *handle = __atomic_load_n(&words[i], __ATOMIC_ACQUIRE);
    if (handle) heap->handle_trace(visitor, handle, type->member_names[i]);
  }
}
