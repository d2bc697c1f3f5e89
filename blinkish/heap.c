/* heap.c - the DOM heap: creation, types, allocation, checked member stores,
 * persistents, wrappable slots, the heap interface (blinkish.h), and the
 * resurrection check every store runs while the heap reclaims. */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "heap-internal.h"

_Static_assert(offsetof(blinkish_heap, base) == 0,
               "a blinkish_heap * is a ccgc_heap_base *");

/* --- validation (always on) -------------------------------------------- */

/* The header of a live object at address p of this heap, or NULL. Safe on
 * any pointer value: the registry is consulted before memory is read. */
static blinkish_header *live_header(blinkish_heap *heap, const void *p) {
  if (!p || ((uintptr_t)p & 7) != 0) return NULL;
  ccgc_page *base = ccgc_collector_find_page(heap->base.collector, p);
  if (!base || base->owner != heap) return NULL;
  blinkish_page *page = (blinkish_page *)base;
  const uint8_t *address = p;
  if (address < page->cells_start + 8 || address >= page->cells_end) return NULL;
  uint64_t before = *((const uint64_t *)p - 1);
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

bool blinkish_is_object(blinkish_heap *heap, const void *p) {
  return live_header(heap, p) != NULL;
}

bool blinkish_is_alive(blinkish_heap *heap, const void *object) {
  if (!object) return false;
  if (ccgc_collector_in_collection(heap->base.collector))
    return ccgc_collector_find_page(heap->base.collector, object) &&
           ccgc_is_marked(object);
  return blinkish_is_object(heap, object);
}

bool blinkish_check_object(blinkish_heap *heap, const void *object,
                           const char *call, const char *what) {
  if (live_header(heap, object)) return true;
  ccgc_page *page = ccgc_collector_find_page(heap->base.collector, object);
  bool ours = page && page->owner == heap;
  ccgc_error_misuse(heap->base.errors,
                    ours ? CCGC_E_DEAD_OBJECT : CCGC_E_FOREIGN_POINTER,
                    "%s: %s %p is %s", call, what, object,
                    ours ? "not a live object (freed or interior pointer)"
                         : "not an object of this DOM heap");
  return false;
}

const blinkish_type *blinkish_type_info_of(blinkish_heap *heap,
                                           const void *object) {
  return &heap->types[blinkish_header_type(blinkish_header_of(object))];
}

/* --- resurrection (.inv.no-resurrection) --------------------------------
 * Pre-finalizers and finalizers run after the collector decided who dies and
 * after every weak reference to the dead was cleared; the sweep that follows
 * frees the dead whatever happens meanwhile. A store that makes a dead object
 * reachable again from a survivor (or a root) would leave a dangling pointer
 * behind: the check below refuses it while the marks of that collection are
 * still valid. Stores between dead objects are harmless (both go). */

bool blinkish_is_dying(const blinkish_heap *heap, const void *object) {
  return heap->tearing_down || !ccgc_is_marked(object);
}

bool blinkish_refuse_resurrection(blinkish_heap *heap, const void *holder,
                                  const void *value, const char *call,
                                  const char *into) {
  if (!blinkish_in_reclamation(heap) || !value) return false;
  if (!blinkish_is_dying(heap, value)) return false;
  if (holder && blinkish_is_dying(heap, holder)) return false;
  const char *phase = heap->in_finalization ? "finalizer" : "pre-finalizer";
  if (holder)
    ccgc_error_misuse(heap->base.errors, CCGC_E_DEAD_OBJECT,
                      "%s: resurrection from a %s: %s %p was found dead by "
                      "this collection; storing it into live %s %p would "
                      "leave a dangling pointer (.inv.no-resurrection)",
                      call, phase, blinkish_type_info_of(heap, value)->name,
                      value, blinkish_type_info_of(heap, holder)->name,
                      holder);
  else
    ccgc_error_misuse(heap->base.errors, CCGC_E_DEAD_OBJECT,
                      "%s: resurrection from a %s: %s %p was found dead by "
                      "this collection; making it %s would leave a dangling "
                      "pointer (.inv.no-resurrection)",
                      call, phase, blinkish_type_info_of(heap, value)->name,
                      value, into);
  return true;
}

/* --- the heap interface ------------------------------------------------- */

static void prepare(void *data) {
  blinkish_heap *heap = data;
  g_ptr_array_set_size(heap->not_constructed, 0); /* markers are parked */
  blinkish_lab_seal(heap); /* pages iterable for sweeping and verification */
  ccgc_page_space_clear_marks(&heap->base.space);
}

static void trace_fields(blinkish_heap *heap, void *object,
                         blinkish_header *header, ccgc_visitor *visitor);

static void trace_roots(void *data, ccgc_visitor *visitor) {
  blinkish_heap *heap = data;
  for (blinkish_persistent *node = heap->persistents.next;
       node != &heap->persistents; node = node->next)
    if (!node->weak)
      ccgc_visit_strong(visitor, node->object,
                        ccgc_edge_named(CCGC_EDGE_ROOT, "persistent"));
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

static void trace_object(void *data, void *object, ccgc_visitor *visitor) {
  blinkish_heap *heap = data;
  blinkish_header *header = blinkish_header_of(object);
  if (defer_if_constructing(heap, object, header)) return;
  trace_fields(heap, object, header, visitor);
}

static void trace_fields(blinkish_heap *heap, void *object,
                         blinkish_header *header, ccgc_visitor *visitor) {
  if (blinkish_header_is_wrappable(header) && heap->wrappable_trace) {
    void *slot = __atomic_load_n((void **)object - 1, __ATOMIC_ACQUIRE);
    heap->wrappable_trace(visitor, object, slot, heap->wrappable_data);
  }
  const blinkish_type *type = &heap->types[blinkish_header_type(header)];
  if (type->trace) type->trace(visitor, object);
}

static void process_weakness(void *data) {
  blinkish_heap *heap = data;
  for (blinkish_persistent *node = heap->persistents.next;
       node != &heap->persistents; node = node->next)
    if (node->weak && node->object && !ccgc_is_marked(node->object))
      node->object = NULL; /* .inv.weak-before-finalizers */
  blinkish_weak_collections_process(heap);
}

/* Payload bytes of a known object (unchecked: the callers validated it). */
static size_t payload_size(const void *object) {
  blinkish_header *header = blinkish_header_of(object);
  return blinkish_header_cell_size(header) -
         blinkish_payload_offset(blinkish_header_is_wrappable(header));
}

static size_t object_size(void *data, const void *object) {
  (void)data;
  return payload_size(object);
}

static const char *type_name(void *data, const void *object) {
  return blinkish_type_info_of(data, object)->name;
}

static void for_each_object(void *data, void (*fn)(void *, void *),
                            void *fn_data) {
  blinkish_each_object(data, fn, fn_data);
}

static const ccgc_heap_ops dom_ops = {
    .name = "dom",
    .prepare = prepare,
    .trace_roots = trace_roots,
    .trace_object = trace_object,
    .process_weakness = process_weakness,
    .pre_reclaim = blinkish_run_prefinalizers,
    .reclaim = blinkish_sweep,
    .object_size = object_size,
    .type_name = type_name,
    .for_each_object = for_each_object,
    .stats = ccgc_heap_base_stats,
};

/* --- creation ----------------------------------------------------------- */

blinkish_heap *blinkish_heap_new(ccgc_collector *collector,
                                 const blinkish_heap_options *options) {
  blinkish_heap *heap =
      ccgc_heap_base_new(sizeof *heap, BLINKISH_SIG, collector, options);
  if (!heap) return NULL;
  heap->persistents.next = heap->persistents.prev = &heap->persistents;
  heap->not_constructed = g_ptr_array_new();
  pthread_mutex_init(&heap->not_constructed_lock, NULL);
  if (!ccgc_heap_base_attach(&heap->base, &dom_ops)) {
    g_ptr_array_free(heap->not_constructed, TRUE);
    pthread_mutex_destroy(&heap->not_constructed_lock);
    ccgc_heap_base_free(&heap->base);
    return NULL;
  }
  heap->types[0].name = strdup("(free)");
  blinkish_vector_register_types(heap);
  blinkish_weak_register_types(heap);
  return heap;
}

void blinkish_heap_free(blinkish_heap *heap) {
  if (!heap || heap->base.sig != BLINKISH_SIG) return;
  if (blinkish_in_reclamation(heap) || heap->tearing_down ||
      ccgc_collector_in_collection(heap->base.collector)) {
    ccgc_error_misuse(heap->base.errors, CCGC_E_IN_COLLECTION,
                      "blinkish_heap_free: called during a collection (from "
                      "a pre-finalizer, a finalizer or a collection "
                      "callback)");
    return;
  }
  /* The marker's worklists may hold objects of this heap: finish the cycle
   * before its pages go. */
  if (ccgc_collector_state(heap->base.collector) == CCGC_STATE_MARKING)
    ccgc_incremental_finish(heap->base.collector);
  blinkish_lab_seal(heap);
  /* Every object dies now, in the order a collection would reclaim them:
   * weak collections emptied (external values released), pre-finalizers
   * with everything readable, then finalizers. */
  heap->tearing_down = true;
  blinkish_weak_collections_teardown(heap);
  blinkish_prefinalizers_teardown(heap);
  blinkish_finalize_all(heap);
  blinkish_pages_release_all(heap);
  while (heap->persistents.next != &heap->persistents) {
    blinkish_persistent *node = heap->persistents.next;
    heap->persistents.next = node->next;
    free(node);
  }
  for (unsigned i = 0; i <= heap->type_count; i++) free(heap->types[i].name);
  g_ptr_array_free(heap->not_constructed, TRUE);
  pthread_mutex_destroy(&heap->not_constructed_lock);
  ccgc_heap_base_free(&heap->base);
}

ccgc_collector *blinkish_heap_collector(blinkish_heap *heap) {
  return heap->base.collector;
}

void blinkish_heap_stats(blinkish_heap *heap, ccgc_heap_stats *out) {
  ccgc_heap_base_stats(&heap->base, out);
}

/* --- types ---------------------------------------------------------------- */

blinkish_type_id blinkish_register_type(blinkish_heap *heap,
                                        const blinkish_type_info *info) {
  if (!info || !info->name || !*info->name) {
    ccgc_error_set(heap->base.errors, CCGC_E_INVALID_ARGUMENT,
                   "blinkish_register_type: a type needs a name");
    return 0;
  }
  if (info->flags & ~(unsigned)BLINKISH_TYPE_WRAPPABLE) {
    ccgc_error_set(heap->base.errors, CCGC_E_INVALID_ARGUMENT,
                   "blinkish_register_type: unknown flags 0x%x for '%s'",
                   info->flags & ~(unsigned)BLINKISH_TYPE_WRAPPABLE,
                   info->name);
    return 0;
  }
  if (heap->type_count + 1 >= BLINKISH_MAX_TYPES) {
    ccgc_error_set(heap->base.errors, CCGC_E_INVALID_ARGUMENT,
                   "blinkish_register_type: more than %d types (registering "
                   "'%s')",
                   BLINKISH_MAX_TYPES - 1, info->name);
    return 0;
  }
  blinkish_type_id id = ++heap->type_count;
  blinkish_type *type = &heap->types[id];
  type->name = strdup(info->name);
  type->trace = info->trace;
  type->finalize = info->finalize;
  type->flags = info->flags;
  return id;
}

blinkish_type_id blinkish_type_by_name(blinkish_heap *heap, const char *name) {
  for (unsigned i = 1; i <= heap->type_count; i++)
    if (!strcmp(heap->types[i].name, name)) return (blinkish_type_id)i;
  return 0;
}

/* --- allocation ------------------------------------------------------------ */

void *blinkish_alloc(blinkish_heap *heap, blinkish_type_id type, size_t size) {
  if (type == 0 || type > heap->type_count) {
    ccgc_error_misuse(heap->base.errors, CCGC_E_INVALID_ARGUMENT,
                      "blinkish_alloc: unknown type id %u", (unsigned)type);
    return NULL;
  }
  if (blinkish_in_reclamation(heap)) {
    ccgc_error_misuse(heap->base.errors, CCGC_E_IN_COLLECTION,
                      "blinkish_alloc: allocation from a %s",
                      heap->in_finalization ? "finalizer" : "pre-finalizer");
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
  void *object = blinkish_page_allocate(heap, cell_size, wrappable, type);
  if (!object) return NULL; /* limit or OS refusal, recorded by page.c */
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
  if (!blinkish_check_object(heap, object, "blinkish_alloc_commit", "object"))
    return;
  blinkish_header *header = blinkish_header_of(object);
  if (!blinkish_header_is_constructing(header)) {
    ccgc_error_misuse(heap->base.errors, CCGC_E_INVALID_ARGUMENT,
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
  if (!blinkish_is_object(heap, object)) return false;
  return blinkish_header_is_constructing(blinkish_header_of(object));
}

size_t blinkish_not_constructed_count(blinkish_heap *heap) {
  pthread_mutex_lock(&heap->not_constructed_lock);
  size_t count = heap->not_constructed->len;
  pthread_mutex_unlock(&heap->not_constructed_lock);
  return count;
}

/* --- members ------------------------------------------------------------------ */

ccgc_status blinkish_member_set(blinkish_heap *heap, void *holder, void **slot,
                                void *value) {
  /* .inv.member-store-checked */
  if (heap->in_finalization) { /* .inv.finalizer-no-store */
    /* Refused whatever the value; say so plainly when the store would also
     * have resurrected a dead object (.inv.no-resurrection). */
    if (value && live_header(heap, value) && blinkish_is_dying(heap, value))
      return ccgc_error_misuse(
          heap->base.errors, CCGC_E_DEAD_OBJECT,
          "blinkish_member_set: store during finalization: resurrection of "
          "dead %s %p (a finalizer must not write heap objects, "
          ".inv.finalizer-no-store, and never a dead object into another, "
          ".inv.no-resurrection)",
          blinkish_type_info_of(heap, value)->name, value);
    return ccgc_error_misuse(heap->base.errors, CCGC_E_DEAD_OBJECT,
                             "blinkish_member_set: store during finalization "
                             "(a finalizer must not write heap objects)");
  }
  if (!blinkish_check_object(heap, holder, "blinkish_member_set", "holder"))
    return heap->base.errors->last.code;
  size_t size = payload_size(holder);
  if ((uint8_t *)slot < (uint8_t *)holder ||
      (uint8_t *)slot + sizeof(void *) > (uint8_t *)holder + size ||
      ((uintptr_t)slot & (sizeof(void *) - 1)))
    return ccgc_error_misuse(heap->base.errors, CCGC_E_INVALID_ARGUMENT,
                             "blinkish_member_set: slot %p is not inside the "
                             "%zu-byte payload of %s %p",
                             (void *)slot, size,
                             blinkish_type_info_of(heap, holder)->name,
                             holder);
  if (value &&
      !blinkish_check_object(heap, value, "blinkish_member_set", "value"))
    return heap->base.errors->last.code;
  if (blinkish_refuse_resurrection(heap, holder, value, "blinkish_member_set",
                                   NULL)) /* .inv.no-resurrection */
    return CCGC_E_DEAD_OBJECT;
  __atomic_store_n(slot, value, __ATOMIC_RELEASE); /* read by marker threads */
  ccgc_write_barrier(heap->base.barrier, holder, slot,
                     value); /* .inv.no-black-to-white */
  return CCGC_OK;
}

/* --- persistents ---------------------------------------------------------------- */

blinkish_persistent *blinkish_persistent_new(blinkish_heap *heap, void *object,
                                             bool weak) {
  if (object &&
      !blinkish_check_object(heap, object, "blinkish_persistent_new", "object"))
    return NULL;
  /* Even a weak persistent: weak references were cleared already, so it
   * would dangle after the sweep (.inv.no-resurrection). */
  if (blinkish_refuse_resurrection(heap, NULL, object,
                                   "blinkish_persistent_new",
                                   weak ? "the target of a weak persistent"
                                        : "a root (persistent)"))
    return NULL;
  blinkish_persistent *node = calloc(1, sizeof *node);
  if (!node) {
    ccgc_error_set(heap->base.errors, CCGC_E_OUT_OF_MEMORY,
                   "blinkish_persistent_new: out of memory");
    return NULL;
  }
  node->object = object;
  node->weak = weak;
  node->next = heap->persistents.next;
  node->prev = &heap->persistents;
  heap->persistents.next->prev = node;
  heap->persistents.next = node;
  /* Persistents are roots, rescanned in the atomic pause: no barrier needed
   * for strong ones; a weak one must not keep its target alive. */
  return node;
}

void *blinkish_persistent_get(const blinkish_persistent *persistent) {
  return persistent ? persistent->object : NULL;
}

void blinkish_persistent_set(blinkish_heap *heap,
                             blinkish_persistent *persistent, void *object) {
  if (!persistent) return;
  if (object &&
      !blinkish_check_object(heap, object, "blinkish_persistent_set", "object"))
    return;
  if (blinkish_refuse_resurrection(heap, NULL, object,
                                   "blinkish_persistent_set",
                                   persistent->weak
                                       ? "the target of a weak persistent"
                                       : "a root (persistent)"))
    return; /* .inv.no-resurrection */
  persistent->object = object;
  if (!persistent->weak) /* a root: no holder */
    ccgc_write_barrier(heap->base.barrier, NULL, &persistent->object, object);
}

void blinkish_persistent_free(blinkish_heap *heap,
                              blinkish_persistent *persistent) {
  (void)heap;
  if (!persistent) return;
  persistent->prev->next = persistent->next;
  persistent->next->prev = persistent->prev;
  free(persistent);
}

/* --- wrappable objects ----------------------------------------------------------- */

void **blinkish_wrappable_slot(blinkish_heap *heap, void *object) {
  if (!blinkish_check_object(heap, object, "blinkish_wrappable_slot", "object"))
    return NULL;
  if (!blinkish_header_is_wrappable(blinkish_header_of(object))) {
    ccgc_error_misuse(heap->base.errors, CCGC_E_WRONG_TYPE,
                      "blinkish_wrappable_slot: type %s is not wrappable",
                      blinkish_type_info_of(heap, object)->name);
    return NULL;
  }
  return (void **)object - 1;
}

void blinkish_heap_set_wrappable_hooks(blinkish_heap *heap,
                                       blinkish_wrappable_trace_fn trace,
                                       blinkish_wrappable_release_fn release,
                                       void *data) {
  heap->wrappable_trace = trace;
  heap->wrappable_release = release;
  heap->wrappable_data = data;
}

/* --- introspection ------------------------------------------------------------------ */

/* The host may pass anything: checked, misuse answers NULL / 0. */
const char *blinkish_type_name(blinkish_heap *heap, const void *object) {
  if (!blinkish_check_object(heap, object, "blinkish_type_name", "object"))
    return NULL;
  return blinkish_type_info_of(heap, object)->name;
}

blinkish_type_id blinkish_type_of(blinkish_heap *heap, const void *object) {
  if (!blinkish_check_object(heap, object, "blinkish_type_of", "object"))
    return 0;
  return blinkish_header_type(blinkish_header_of(object));
}

size_t blinkish_object_size(blinkish_heap *heap, const void *object) {
  if (!blinkish_check_object(heap, object, "blinkish_object_size", "object"))
    return 0;
  return payload_size(object);
}

bool blinkish_in_finalization(blinkish_heap *heap) {
  return heap->in_finalization;
}
