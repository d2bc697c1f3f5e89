/* blinkish.h - the DOM heap (Oilpan-like), as the host sees it.
 *
 * Objects are C structs allocated on the heap with a registered type: a name,
 * a trace callback that reports every reference the object holds, and an
 * optional finalizer. Objects never move, so the host holds plain pointers:
 *  - a *member* is a `void *` field inside a heap object; every store goes
 *    through blinkish_member_set (checks, write barrier);
 *  - a *weak member* is a member reported with blinkish_trace_weak: cleared to
 *    NULL when its target dies;
 *  - a *persistent* is a root node owned by the host (strong or weak).
 * Raw pointers on the host's stack are safe between safepoints: collections
 * never run inside an allocation (ccgc.h).
 *
 * Legal call order:
 *   blinkish_heap *h = blinkish_heap_new(collector, &options);
 *   blinkish_type_id t = blinkish_register_type(h, &info);   before use
 *   Node *n = blinkish_alloc(h, t, sizeof(Node));            zeroed payload
 *   blinkish_member_set(h, n, (void **)&n->next, other);
 *   blinkish_persistent *root = blinkish_persistent_new(h, n, false);
 *   ... ccgc_collect(collector, ...) ...
 *   blinkish_persistent_free(h, root);
 *   blinkish_heap_free(h);                                   runs finalizers
 *
 * Finalizers run after the collector knows the object is dead, after every
 * weak reference to it was cleared. A finalizer may release the object's own
 * non-heap resources; it must not read members (their targets may be dead too)
 * nor store into an object of its own DOM heap (reported as misuse,
 * .inv.finalizer-no-store; another DOM heap's live objects it may store
 * into, as any reclamation callback); stores into surviving script objects are the
 * script heap's rule (v8ish.h: allowed, resurrection refused). Persistents are roots,
 * not heap objects: a finalizer may make, set and free them, to live objects
 * only (a dead target is refused as resurrection). Cleanup that needs to
 * read other objects belongs in a pre-finalizer (below). Layouts:
 * docs/dom-heap.md.
 *
 * When finalizers run depends on the collector's sweeping mode (ccgc.h):
 *  - CCGC_SWEEP_ATOMIC (the default): in the atomic pause, before any heap
 *    frees memory (.inv.finalize-before-sweep): dead objects of both heaps
 *    are still intact while they run;
 *  - CCGC_SWEEP_LAZY and CCGC_SWEEP_CONCURRENT: after the pause, on the
 *    owner thread only (.inv.finalizers-on-owner), never inside the pause
 *    nor on a sweeper thread (but see BLINKISH_TYPE_CONCURRENT_FINALIZER), in batches: in ccgc_sweep_step, idle time,
 *    ccgc_collector_finish_sweeping, and inside blinkish_alloc when it
 *    sweeps a page to find room (Oilpan's lazy sweeping on allocation).
 *    Oilpan's rule then holds strictly: a finalizer may not read any other
 *    heap object, of either heap: it may have been freed and its memory
 *    reused already. Pre-finalizers still run in the pause and may read
 *    everything. A finalizer runs in the same context as in the pause
 *    (no allocation, no DOM stores, no collection) and a finalizer run from
 *    blinkish_alloc runs before that allocation returns. The first
 *    blinkish_heap_contains, v8ish_heap_contains or ccgc_collector_contains
 *    after the pause completes sweeping (its answer needs the swept heap), so
 *    the finalizers left run there too.
 *
 * Resurrection (.inv.no-resurrection): while weak callbacks, external value
 * releases, pre-finalizers and finalizers run, any call that would store an
 * object this collection found dead into a surviving object or a weak
 * collection, or make it a persistent's target, is reported as misuse
 * (CCGC_E_DEAD_OBJECT, "resurrection") and stores nothing: the sweep frees
 * the dead regardless. The same holds for the script heap (v8ish.h).
 *
 * Threading contract (ccgc.h, docs/errors.md): every call below runs on the
 * collector's owner thread (else CCGC_E_WRONG_THREAD, .api.mutator-thread).
 * Trace callbacks may run on marker threads, concurrently with the host:
 * they use only blinkish_trace*, blinkish_member_load and the visitor, and
 * call nothing else here. From a trace callback on the owner thread, a walk
 * callback or a cycle listener, reads are fine and changes (allocation,
 * stores, persistents, registrations) are refused (CCGC_E_IN_COLLECTION,
 * .api.no-heap-calls-in-callbacks). Weak callbacks, external value releases,
 * pre-finalizers and finalizers - whether a collection or blinkish_heap_free
 * runs them - may read and store (finalizers: not into their own DOM heap's
 * objects), never
 * allocate, register, free a heap (.api.outside-collection) or resurrect;
 * ccgc_collect there returns CCGC_E_IN_COLLECTION. A NULL or freed heap
 * makes any call return its neutral value (NULL, 0, false,
 * CCGC_E_INVALID_ARGUMENT) with nothing reported: there is no collector to
 * report to.
 */
#ifndef BLINKISH_H
#define BLINKISH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ccgc-export.h"
#include "ccgc-heap-options.h"
#include "ccgc.h"
#include "ccgc-visitor.h"

typedef struct blinkish_heap blinkish_heap;
typedef uint16_t blinkish_type_id; /* 0 is never a valid type */

typedef void (*blinkish_trace_fn)(ccgc_visitor *visitor, void *object);
typedef void (*blinkish_finalize_fn)(void *object);
typedef void (*blinkish_prefinalizer_fn)(void *object);
/* The same with the host's data: data is the pointer given at registration
 * (blinkish_register_type_with_data, blinkish_register_prefinalizer_with_
 * data), passed unchanged. */
typedef void (*blinkish_finalize_data_fn)(void *object, void *data);
typedef void (*blinkish_prefinalizer_data_fn)(void *object, void *data);

enum {
  /* Objects of this type can have a script wrapper: the heap reserves one
   * pointer-sized slot before the payload (blinkish_wrappable_slot). */
  BLINKISH_TYPE_WRAPPABLE = 1u << 0,
  /* The type's finalizer is thread-safe and releases only non-heap
   * resources (free, close): under CCGC_SWEEP_CONCURRENT a sweeper thread
   * may run it as it sweeps the object's page, beside the host, instead of
   * listing the object for the owner (.inv.concurrent-finalizers). It may
   * call nothing of ccgc, v8ish, blinkish or bridge (refused there:
   * CCGC_E_WRONG_THREAD) and read nothing but the object's own non-member
   * fields. A wrappable object's release hook still runs on the owner,
   * after such a finalizer; with other sweeping modes everything runs on
   * the owner as for any type. */
  BLINKISH_TYPE_CONCURRENT_FINALIZER = 1u << 1,
};

typedef struct blinkish_type_info {
  const char *name;          /* copied; shown in tools ("HTMLDivElement") */
  /* NULL: the object holds no references (besides declared members). */
  blinkish_trace_fn trace;
  blinkish_finalize_fn finalize; /* NULL: nothing to release              */
  unsigned flags;
} blinkish_type_info;

/* .limit_bytes (hard limit on committed bytes, 0 = none) and
 * .soft_limit_bytes (request a GC above this, 0 = automatic), as every heap. */
typedef ccgc_heap_options blinkish_heap_options;

CCGC_API
blinkish_heap *blinkish_heap_new(ccgc_collector *collector,
                                 const blinkish_heap_options *options);
/* Runs the finalizers of every remaining object, then frees all pages. An
 * incremental cycle that is marking is finished first, and pending sweeping
 * completed. */
CCGC_API
void blinkish_heap_free(blinkish_heap *heap);
/* The collector the heap was created with; NULL for a NULL or freed heap. */
CCGC_API
ccgc_collector *blinkish_heap_collector(blinkish_heap *heap);
CCGC_API
void blinkish_heap_stats(blinkish_heap *heap, ccgc_heap_stats *out);
/* Milliseconds this heap's allocator spent sweeping pages itself since the
 * heap was created (CCGC_SWEEP_LAZY and _CONCURRENT: an allocation that
 * finds no free cell sweeps pages, finalizers included, before it maps a
 * new one): main-thread sweeping that the collector's cycle statistics
 * (ccgc_cycle_stats.lazy_sweep_ms) do not see. 0 for a NULL or freed heap. */
CCGC_API
double blinkish_heap_allocation_sweep_ms(blinkish_heap *heap);
/* Backing-store compaction (docs/compaction.md, "DOM backing stores"). DOM
 * objects never move; their backing stores do: a HeapVector's elements and
 * a weak map's or weak set's table, which the host never sees (no call
 * returns their address). With options.compaction = CCGC_COMPACTION_AUTO a
 * full collection compacts them when the live bytes of their pages are
 * below half those pages' bytes (the pages at most half live move);
 * _EVERY_FULL, a memory-reducing collection and this call (for the next
 * full collection, or the one marking now) move every backing page that is
 * not entirely live, up to options.max_evacuation_bytes, and give the
 * emptied pages back to the OS. Objects, vectors and collections keep their
 * addresses; an address of a backing seen in a walk or a snapshot is valid
 * until the next collection only, and every store of it as a reference (a
 * member, a persistent, a vector element, a weak key or value, the target
 * of an external weak-map value) is refused
 * (CCGC_E_WRONG_TYPE, nothing stored). Owner thread, any context (a listener's
 * cycle_start may call it). The figures: ccgc_heap_stats.evacuated_* of the
 * DOM heap. CCGC_OK, or the entry check's status (a NULL or freed heap,
 * another thread). */
CCGC_API
ccgc_status blinkish_heap_request_compaction(blinkish_heap *heap);
/* The heap's id in its collector: the heap_id of ccgc_object_info, the index
 * of this heap in ccgc_cycle_stats.heaps[] and the id that
 * ccgc_collector_heap_name / ccgc_collector_heap_stats take. Fixed from
 * blinkish_heap_new to blinkish_heap_free (0 .. CCGC_MAX_HEAPS - 1; a freed
 * heap's id may go to a heap created later). How a host finds its heap in
 * per-heap records, instead of matching names. -1 for a NULL or freed heap
 * (nothing reported) or from another thread (CCGC_E_WRONG_THREAD). A read:
 * any context. */
CCGC_API
int blinkish_heap_collector_id(blinkish_heap *heap);
/* Whether address is the start of a live object of this heap: allocated and
 * not yet reclaimed (the payload address blinkish_alloc returned). Safe on
 * any pointer value, never decodes garbage: NULL, an interior pointer, free
 * space, a reclaimed object, another heap's object or memory no heap owns
 * all answer false. During incremental or concurrent marking (between steps)
 * an object the cycle will find dead still answers true until the cycle's
 * sweep frees it, and an object allocated during marking answers true. An
 * address is not an identity: once an object is freed, a later allocation
 * may reuse its address. Only outside collections: from inside one (a trace,
 * walk or weak callback, a listener other than cycle_end / minor_end, a
 * pre-finalizer, a finalizer, a heap's teardown) it answers false and
 * records CCGC_E_IN_COLLECTION (recoverable; blinkish_is_alive answers
 * there). From another thread: false, CCGC_E_WRONG_THREAD (misuse). Costs a
 * page-registry lookup and a read of the object-start bitmap, once sweeping
 * is complete: under lazy or concurrent sweeping (ccgc.h) the first query
 * after a collection's pause completes it first, running the finalizers
 * left (as ccgc_collector_finish_sweeping would). */
CCGC_API
bool blinkish_heap_contains(blinkish_heap *heap, const void *address);

/* Returns 0 and records an error if the table is full or info is invalid. */
CCGC_API
blinkish_type_id blinkish_register_type(blinkish_heap *heap,
                                        const blinkish_type_info *info);
/* The same, with a finalizer that gets the type's data: finalize(object,
 * data) for every object of the type, data unchanged (one pointer per
 * registered type, e.g. the host's per-document state). info->finalize must
 * be NULL: a type has one finalizer (else CCGC_E_INVALID_ARGUMENT, nothing
 * registered). finalize may be NULL (data then unused). Same rules as
 * info->finalize, at the same point of a collection or of
 * blinkish_heap_free. */
CCGC_API
blinkish_type_id blinkish_register_type_with_data(
    blinkish_heap *heap, const blinkish_type_info *info,
    blinkish_finalize_data_fn finalize, void *data);
CCGC_API
blinkish_type_id blinkish_type_by_name(blinkish_heap *heap, const char *name);

/* A member field (a strong reference to a DOM object, or NULL, stored with
 * blinkish_member_set) that the collector traces itself. BLINKISH_MEMBER(T,
 * f) describes field f of the payload struct T. */
typedef struct blinkish_member_info {
  size_t offset;    /* from the payload's start; a multiple of 8 */
  const char *name; /* the edge's name in tools; NULL: "member" */
} blinkish_member_info;
#define BLINKISH_MEMBER(type, field) {offsetof(type, field), #field}
/* The most members a type declares; their offsets lie below
 * BLINKISH_MEMBER_MAX * 8 bytes. */
#define BLINKISH_MEMBER_MAX 64

/* Declares the strong members of a type (its layout descriptor,
 * docs/dom-heap.md "Declared members"), copied. The mark loop then traces
 * them with an inlined loop, with no call per object or per edge, and calls
 * the type's trace callback (if any) for the rest only: the callback must
 * not report them again (it may, at a cost: nothing breaks). Tools and
 * every other visitor see them as the type's edges, before the callback's.
 * Weak members and collections stay in the callback, and script
 * references too unless declared (bridge_type_declare_script_refs).
 * Once per type, before the first object of the type is allocated; a
 * configuration call (owner thread, outside a collection: refused as
 * blinkish_register_type is otherwise). CCGC_E_OUT_OF_MEMORY if the
 * names cannot be copied. CCGC_E_INVALID_ARGUMENT (nothing declared): an
 * unknown type, one of the
 * heap's own types (HeapVector and the others it registers), a second
 * declaration or one after an allocation, count 0 or above
 * BLINKISH_MEMBER_MAX, members NULL, an offset not a multiple of 8 or not
 * below BLINKISH_MEMBER_MAX * 8, two members at one offset, an offset
 * declared as a script reference. Afterwards an object of the type smaller
 * than its last member's end is refused at allocation
 * (CCGC_E_INVALID_ARGUMENT). */
CCGC_API
ccgc_status blinkish_type_declare_members(blinkish_heap *heap,
                                          blinkish_type_id type,
                                          const blinkish_member_info *members,
                                          size_t count);

/* A zeroed object of `size` payload bytes, or NULL with CCGC_E_HEAP_LIMIT,
 * CCGC_E_SIZE_OVERFLOW or CCGC_E_OUT_OF_MEMORY recorded. An unknown type id
 * (0 or not registered) is misuse (CCGC_E_INVALID_ARGUMENT, .api.argument),
 * so is one of the heap's own types - HeapVector, the weak maps and sets,
 * their backings, which only their own calls make (CCGC_E_WRONG_TYPE,
 * .api.own-objects) - and so is a call from a finalizer
 * (CCGC_E_IN_COLLECTION): the error
 * handler runs, then NULL. Objects larger than a page fraction go to a large
 * page of their own. */
CCGC_API
void *blinkish_alloc(blinkish_heap *heap, blinkish_type_id type, size_t size);

/* Two-phase allocation, for constructors that may reach a safepoint (or
 * publish the object) before its fields are set - Oilpan's
 * MakeGarbageCollected with the in-construction bit:
 *   n = blinkish_alloc_begin(h, t, size);   zeroed, "under construction"
 *   ... fill fields (blinkish_member_set), maybe safepoints ...
 *   blinkish_alloc_commit(h, n);            complete
 * While marking runs, a marker that reaches an object under construction
 * does not trace it but defers it to the heap's not-fully-constructed list,
 * traced in the atomic pause (.inv.construct-defer). */
CCGC_API
void *blinkish_alloc_begin(blinkish_heap *heap, blinkish_type_id type,
                           size_t size);
CCGC_API
void blinkish_alloc_commit(blinkish_heap *heap, void *object);
/* True between blinkish_alloc_begin and blinkish_alloc_commit of
 * object; false for a committed object or a pointer that is not a live
 * object of this heap. */
CCGC_API
bool blinkish_is_constructing(blinkish_heap *heap, const void *object);
/* Objects deferred in the current cycle, not yet traced (tests). */
CCGC_API
size_t blinkish_not_constructed_count(blinkish_heap *heap);

/* The checked store: holder must be a live object of this heap, of a type
 * the host registered (not a vector, weak map or weak set of the heap's own,
 * whose words only their calls change: CCGC_E_WRONG_TYPE), and slot must
 * lie inside its payload, not on a word declared as a script reference
 * (bridge_type_declare_script_refs: CCGC_E_INVALID_ARGUMENT); value must be
 * NULL or a live object of this heap. Misuse is reported (foreign pointer,
 * dead object, wrong type) and nothing is stored. Runs the write barrier. */
CCGC_API
ccgc_status blinkish_member_set(blinkish_heap *heap, void *holder, void **slot,
                                void *value);

/* Reads a member inside a trace callback. Marker threads trace while the
 * host stores (blinkish_member_set publishes with release): a trace callback
 * must read members through this (acquire), not as plain fields. */
static inline void *blinkish_member_load(void *const *slot) {
  return __atomic_load_n(slot, __ATOMIC_ACQUIRE);
}

/* For trace callbacks: blinkish_trace_member(visitor, &self->next, "next"). */
static inline void blinkish_trace(ccgc_visitor *visitor, void *target,
                                  const char *field) {
  ccgc_visit_strong(visitor, target, ccgc_edge_named(CCGC_EDGE_FIELD, field));
}
static inline void blinkish_trace_member(ccgc_visitor *visitor,
                                         void *const *slot,
                                         const char *field) {
  blinkish_trace(visitor, blinkish_member_load(slot), field);
}
static inline void blinkish_trace_element(ccgc_visitor *visitor, void *target,
                                          size_t index) {
  ccgc_visit_strong(visitor, target, ccgc_edge_indexed(index));
}
static inline void blinkish_trace_weak(ccgc_visitor *visitor, void **slot,
                                       const char *field) {
  ccgc_visit_weak(visitor, slot, ccgc_edge_named(CCGC_EDGE_WEAK, field));
}

/* Custom weakness (Oilpan's weak callbacks). From a trace callback,
 * blinkish_trace_weak_callback(visitor, fn, self) registers fn(self) to run
 * once marking is complete, before any weak member is cleared and before any
 * pre-finalizer or finalizer runs (.inv.weak-before-finalizers). In fn,
 * blinkish_is_alive() tells whether an object survives this collection; fn
 * may clear its own fields that refer to dead objects (plain stores: marking
 * is over), and must not allocate, store references or touch dead objects'
 * contents. It suits structures the visitor cannot express, e.g. a field that
 * holds a non-owning pointer to another heap object. */
static inline void blinkish_trace_weak_callback(ccgc_visitor *visitor,
                                                ccgc_weak_callback_fn fn,
                                                void *object) {
  ccgc_visit_weak_callback(visitor, fn, object);
}
/* The same with the host's data: fn(object, data) runs with the data given
 * here, unchanged (one registration per trace, as above). Registrations of
 * both kinds run in the order they were made. */
static inline void blinkish_trace_weak_callback_with_data(
    ccgc_visitor *visitor, ccgc_weak_callback_data_fn fn, void *object,
    void *data) {
  ccgc_visit_weak_callback_with_data(visitor, fn, object, data);
}
/* In a weak callback or pre-finalizer of a full collection: true if object
 * (of any heap) was marked by this collection. Outside a collection, and
 * inside a minor collection (which collects no DOM object: the script
 * heap's droppable handler asks here): true if object is a live object of
 * this heap. During blinkish_heap_free (its finalizers, pre-finalizers and
 * weak-collection releases): false, every object of the heap is dying. */
CCGC_API
bool blinkish_is_alive(blinkish_heap *heap, const void *object);

/* --- Persistents: roots held by the host ----------------------------------
 * A persistent is a slot the heap owns until it is freed: freed twice or
 * used after free it is reported (CCGC_E_DEAD_HANDLE, .api.live-handle) and
 * changes nothing; _get then returns NULL. _get takes no heap: it trusts
 * that the pointer is a persistent some live heap made (freed or not);
 * _set and _free, given the heap, also refuse a pointer it never made. */
typedef struct blinkish_persistent blinkish_persistent;
CCGC_API
blinkish_persistent *blinkish_persistent_new(blinkish_heap *heap, void *object,
                                             bool weak);
CCGC_API
void *blinkish_persistent_get(const blinkish_persistent *persistent);
CCGC_API
void blinkish_persistent_set(blinkish_heap *heap,
                             blinkish_persistent *persistent, void *object);
CCGC_API
void blinkish_persistent_free(blinkish_heap *heap,
                              blinkish_persistent *persistent);

/* --- Heap vectors: growable arrays of members ---------------------------------
 * A vector is a heap object ("HeapVector") holding a member to its backing
 * store ("HeapVectorBacking"), which is replaced when it grows. */
CCGC_API
void *blinkish_vector_new(blinkish_heap *heap, size_t initial_capacity);
CCGC_API
size_t blinkish_vector_length(blinkish_heap *heap, const void *vector);
CCGC_API
void *blinkish_vector_get(blinkish_heap *heap, const void *vector, size_t i);
CCGC_API
ccgc_status blinkish_vector_set(blinkish_heap *heap, void *vector, size_t i,
                                void *value);
CCGC_API
ccgc_status blinkish_vector_append(blinkish_heap *heap, void *vector,
                                   void *value);
/* Removes element i, shifting the rest down. */
CCGC_API
ccgc_status blinkish_vector_remove(blinkish_heap *heap, void *vector, size_t i);
/* Removes the first element equal to value; returns true if found. */
CCGC_API
bool blinkish_vector_remove_value(blinkish_heap *heap, void *vector,
                                  void *value);

/* --- Weak collections ---------------------------------------------------------
 * Heap objects whose keys are held weakly; entries whose key dies are gone
 * after the collection that found it dead, before any pre-finalizer or
 * finalizer runs (.inv.weak-before-finalizers). Keys are live DOM objects of
 * this heap, checked on insertion (misuse otherwise: nothing stored); lookups
 * and deletions accept any pointer (a non-key is simply absent).
 *
 * HeapEphemeronMap: a value is kept alive by the map only while its key is
 * alive (an ephemeron), so a value that refers back to its own key does not
 * keep the entry alive. Values of a plain map are NULL or live DOM objects.
 * While incremental or concurrent marking runs, a store runs the write
 * barrier on key and value: both survive that cycle (floating garbage).
 * Storing a key again replaces its value. */
CCGC_API
void *blinkish_weak_map_new(blinkish_heap *heap);
CCGC_API
ccgc_status blinkish_weak_map_set(blinkish_heap *heap, void *map, void *key,
                                  void *value);
/* The value of key, or NULL if key is absent (or mapped to NULL). */
CCGC_API
void *blinkish_weak_map_get(blinkish_heap *heap, const void *map,
                            const void *key);
CCGC_API
bool blinkish_weak_map_has(blinkish_heap *heap, const void *map,
                           const void *key);
/* Removes key's entry; returns true if there was one. */
CCGC_API
bool blinkish_weak_map_delete(blinkish_heap *heap, void *map, const void *key);
CCGC_API
size_t blinkish_weak_map_size(blinkish_heap *heap, const void *map);

/* A map with external values (the bridge's): values are opaque to this heap.
 *  - target(value, data) returns the object, in any heap of the collector
 *    (or NULL), that the entry keeps alive while its key lives. It is called
 *    on marker threads while the host runs: it must only read, with acquire
 *    loads where the host may write;
 *  - release(value, data), optional, is called exactly once for every value
 *    that leaves the map: overwritten by another value, deleted, its key
 *    found dead, the map found dead, or heap teardown. Removed while marking
 *    runs, a value is released in that cycle's atomic pause instead (a marker
 *    thread may be asking its target); otherwise at once, from the host's
 *    own set or delete call, in a context of its own. Wherever it runs it
 *    may read and store (inside a collection: among survivors), and may
 *    not allocate, register or free a heap (misuse, CCGC_E_IN_COLLECTION,
 *    .api.outside-collection) nor collect (CCGC_E_IN_COLLECTION,
 *    recorded), nor store into or delete from a weak
 *    collection of its own heap (CCGC_E_IN_COLLECTION: its tables are in
 *    the middle of a change); reading one is fine, and so is changing
 *    another DOM heap's where that needs no growth (growing allocates).
 * A value a failed set did not take is not released. */
typedef struct blinkish_external_value_ops {
  void *(*target)(void *value, void *data);
  void (*release)(void *value, void *data);
  /* Optional: start loading what target will read beyond the value itself
   * (value is already in cache). Marking a map of millions of entries in
   * batches then overlaps those cache misses instead of taking them one by
   * one. Must not write, may run on marker threads. */
  void (*prefetch)(const void *value, void *data);
  /* Optional: asked by every set, on the host's thread, before target or
   * anything else reads value: CCGC_OK if value is one this map's values
   * may be, else the code of the misuse it reported (the set then returns
   * that code and takes nothing). Without it the values are trusted: a
   * pointer target cannot read is undefined behaviour. */
  ccgc_status (*check)(void *value, void *data);
} blinkish_external_value_ops;
CCGC_API
void *blinkish_weak_map_new_external(blinkish_heap *heap,
                                     const blinkish_external_value_ops *ops,
                                     void *data);

/* HeapWeakSet: a set of weakly held keys. */
CCGC_API
void *blinkish_weak_set_new(blinkish_heap *heap);
CCGC_API
ccgc_status blinkish_weak_set_add(blinkish_heap *heap, void *set, void *key);
CCGC_API
bool blinkish_weak_set_has(blinkish_heap *heap, const void *set,
                           const void *key);
CCGC_API
bool blinkish_weak_set_delete(blinkish_heap *heap, void *set, const void *key);
CCGC_API
size_t blinkish_weak_set_size(blinkish_heap *heap, const void *set);

/* --- Pre-finalizers -------------------------------------------------------------
 * fn(object) runs once, when a collection finds object dead: after weak
 * processing, before any heap sweeps, so every dead object is still intact
 * (or at heap teardown, before the finalizers). At most one per object. A
 * pre-finalizer:
 *  - may read the object's members and what they reach, even dead objects;
 *  - may store among surviving objects (e.g. remove itself from a live
 *    object's vector or weak map);
 *  - must not allocate (refused, CCGC_E_IN_COLLECTION);
 *  - must not resurrect: a dead object stored into a survivor, a weak
 *    collection or a persistent is refused (CCGC_E_DEAD_OBJECT).
 * Registering from a pre-finalizer or finalizer is refused. */
CCGC_API
ccgc_status blinkish_register_prefinalizer(blinkish_heap *heap, void *object,
                                           blinkish_prefinalizer_fn fn);
/* The same with the host's data: fn(object, data) runs with data unchanged
 * (NULL allowed). Same rules; one pre-finalizer per object, of either
 * kind. */
CCGC_API
ccgc_status blinkish_register_prefinalizer_with_data(
    blinkish_heap *heap, void *object, blinkish_prefinalizer_data_fn fn,
    void *data);

/* --- Wrappable objects (used by bridge/) ------------------------------------
 * The slot is opaque to this heap; hooks installed by the bridge trace it and
 * release it when the object dies (before its finalizer runs). */
CCGC_API
void **blinkish_wrappable_slot(blinkish_heap *heap, void *object);
typedef void (*blinkish_wrappable_trace_fn)(ccgc_visitor *visitor,
                                            void *object, void *slot_value,
                                            void *data);
typedef void (*blinkish_wrappable_release_fn)(void *object, void *slot_value,
                                              void *data);
/* Once per heap, for its life: once hooks are set, every later call (NULL
 * hooks too) is misuse, CCGC_E_INVALID_ARGUMENT (.api.one-bridge: a DOM heap
 * takes one bridge for its life; a second would take over the first's
 * wrappers). */
CCGC_API
ccgc_status blinkish_heap_set_wrappable_hooks(
    blinkish_heap *heap, blinkish_wrappable_trace_fn trace,
    blinkish_wrappable_release_fn release, void *data);

/* --- Introspection --------------------------------------------------------- */
/* True if p is the payload address of an allocated object of this heap
 * (not yet freed by a sweep), in any context: the library's own check.
 * After a collection found an object dead it answers false for it, even
 * before the sweep of its page (lazy sweeping) and inside its finalizer.
 * Hosts ask blinkish_heap_contains (outside collections) or
 * blinkish_is_alive (inside them). */
CCGC_API
bool blinkish_is_object(blinkish_heap *heap, const void *p);
CCGC_API
const char *blinkish_type_name(blinkish_heap *heap, const void *object);
CCGC_API
blinkish_type_id blinkish_type_of(blinkish_heap *heap, const void *object);
CCGC_API
size_t blinkish_object_size(blinkish_heap *heap, const void *object);
/* True while finalizers run (stores are illegal then). */
CCGC_API
bool blinkish_in_finalization(blinkish_heap *heap);

#endif /* BLINKISH_H */
