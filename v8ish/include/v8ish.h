/* v8ish.h - the script heap (V8-like), as the host sees it.
 *
 * The host never holds a script object across a collection: it holds
 * *handles*, slots owned by the heap that a moving collection updates (raw
 * values, below, serve read-only walks between collections). Local handles
 * live in handle scopes (LIFO); global handles live until freed; traced
 * references are slots for other heaps' objects (see bridge/), traced as
 * ordinary edges.
 *
 * Legal call order:
 *   v8ish_heap *h = v8ish_heap_new(collector, &options);
 *   v8ish_handle_scope scope; v8ish_handle_scope_open(h, &scope);
 *     v8ish_local o = v8ish_object_new(h);           ... locals valid here
 *     v8ish_global g = v8ish_global_new(h, o, false); outlives the scope
 *   v8ish_handle_scope_close(&scope);                  o is dead now
 *   v8ish_global_free(h, g);
 *   v8ish_heap_free(h);                                before the collector
 *
 * Values are tagged words (v8ish_value): low bit 1 = reference to a heap
 * object, low bit 0 = small integer (value << 1). Every object starts with a
 * tagged reference to its hidden class. Layouts: docs/script-heap.md.
 *
 * Errors: calls that allocate return an empty local and record
 * CCGC_E_HEAP_LIMIT / CCGC_E_SIZE_OVERFLOW (ccgc_collector_last_error).
 * Misuse (a dead handle, an object of the wrong kind) goes to the collector's
 * error handler (default: message and abort) and the call returns a neutral
 * value (empty local, 0, CCGC_E_...). A NULL or freed heap gives the neutral
 * value with nothing reported (no collector to report to).
 *
 * Threading contract (ccgc.h, docs/errors.md): every call runs on the
 * collector's owner thread (else CCGC_E_WRONG_THREAD, .api.mutator-thread);
 * a trace callback on a marker thread may only use v8ish_traced_target.
 * From a trace callback on the owner thread, a walk callback or a cycle
 * listener: reads (and handle scopes) are fine, allocation and stores are
 * refused (CCGC_E_IN_COLLECTION, .api.no-heap-calls-in-callbacks). From the
 * DOM heap's weak callbacks, external value releases, pre-finalizers and
 * finalizers (the collection's reclamation, every object of both heaps
 * still intact): reads and stores among survivors are fine; allocation is
 * refused (.api.outside-collection), and so is every store that would keep
 * an object the collection found dead - into a live object, a weak map, a
 * global handle, or a handle of a scope opened before the collection
 * (CCGC_E_DEAD_OBJECT, .inv.no-resurrection; open a handle scope in the
 * callback to read dead objects). FinalizationRegistry and weak global
 * callbacks run after the collection: anything goes there but freeing the
 * collector or a heap (refused, CCGC_E_IN_COLLECTION).
 */
#ifndef V8ISH_H
#define V8ISH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ccgc-export.h"
#include "ccgc-heap-options.h"
#include "ccgc.h"

typedef struct v8ish_heap v8ish_heap;
/* .limit_bytes (hard limit on committed bytes, 0 = none) and
 * .soft_limit_bytes (request a GC above this, 0 = automatic), as every heap. */
typedef ccgc_heap_options v8ish_heap_options;
typedef uintptr_t v8ish_value;

/* A local handle: index of a slot in the handle area, and the serial of the
 * scope that created it (checked on every use). index 0 = empty. Use the
 * locals the calls return and v8ish_local_empty(): a made-up pair is
 * checked like any other, and may name a live slot (or, as {0, 0xffffffff},
 * read as the integer 0 on the inline paths). */
typedef struct v8ish_local {
  uint32_t index;
  uint32_t scope_serial;
} v8ish_local;

/* A global handle: index in the global table and its generation. */
typedef struct v8ish_global {
  uint32_t index;
  uint32_t generation;
} v8ish_global;

/* A handle scope: a few words on the host's stack (as V8's HandleScope),
 * filled in by v8ish_handle_scope_open; the host only declares it. */
typedef struct v8ish_handle_scope {
  v8ish_heap *heap;
  uint64_t serial;        /* this opening's; 0: not open                */
  uint64_t parent_serial; /* the enclosing scope's; 0: the outermost    */
  uint32_t saved_top;     /* the handle area's top past its escape slot */
  uint32_t flags;
} v8ish_handle_scope;

/* A traced reference: a slot owned by the script heap, held by a DOM object.
 * Not a root: the holder's trace function reports it. The slot lives as long
 * as the heap: freed twice or used after free, a traced reference is
 * reported as misuse (CCGC_E_DEAD_HANDLE, .api.live-handle), never read. */
typedef struct v8ish_traced v8ish_traced;

typedef enum v8ish_instance_type {
  V8ISH_TYPE_META_CLASS,   /* the class of hidden classes          */
  V8ISH_TYPE_HIDDEN_CLASS,
  V8ISH_TYPE_FILLER,       /* free space inside a page             */
  V8ISH_TYPE_HEAP_NUMBER,  /* a boxed double                       */
  V8ISH_TYPE_STRING,
  V8ISH_TYPE_FIXED_ARRAY,  /* tagged elements                      */
  V8ISH_TYPE_DOUBLE_ARRAY, /* raw doubles                          */
  V8ISH_TYPE_OBJECT,       /* plain object                         */
  V8ISH_TYPE_ARRAY,        /* object with a growable elements store */
  V8ISH_TYPE_CONTEXT,      /* captured variables of a closure      */
  V8ISH_TYPE_CLOSURE,
  V8ISH_TYPE_WRAPPER,      /* object with an embedder field        */
  V8ISH_TYPE_WEAK_MAP,     /* JS WeakMap: a handle on its table    */
  V8ISH_TYPE_WEAK_SET,     /* JS WeakSet                           */
  V8ISH_TYPE_EPHEMERON_TABLE, /* the hash table behind both       */
  V8ISH_TYPE_FINALIZATION_REGISTRY,
  V8ISH_TYPE_WEAK_CELLS,   /* the registrations of a registry      */
  V8ISH_TYPE_COUNT
} v8ish_instance_type;

/* NULL (misuse reported) if options are invalid or the host was compiled
 * against another version's inline calls (v8ish-fast.h). */
static inline v8ish_heap *v8ish_heap_new(ccgc_collector *collector,
                                         const v8ish_heap_options *options);
/* Frees the heap and all its objects. An incremental cycle that is marking
 * is finished first, and pending sweeping completed. */
CCGC_API
void v8ish_heap_free(v8ish_heap *heap);
/* The collector the heap was created with; NULL for a NULL or freed heap. */
CCGC_API
ccgc_collector *v8ish_heap_collector(v8ish_heap *heap);
CCGC_API
void v8ish_heap_stats(v8ish_heap *heap, ccgc_heap_stats *out);
/* The heap's id in its collector: the heap_id of ccgc_object_info, the index
 * of this heap in ccgc_cycle_stats.heaps[] and the id that
 * ccgc_collector_heap_name / ccgc_collector_heap_stats take. Fixed from
 * v8ish_heap_new to v8ish_heap_free (0 .. CCGC_MAX_HEAPS - 1; a freed heap's
 * id may go to a heap created later). How a host finds its heap in per-heap
 * records, instead of matching names. -1 for a NULL or freed heap (nothing
 * reported) or from another thread (CCGC_E_WRONG_THREAD). A read: any
 * context. */
CCGC_API
int v8ish_heap_collector_id(v8ish_heap *heap);
/* Whether address is the start of a live object of this heap: allocated and
 * not yet reclaimed (the untagged address v8ish_object_address gives, the
 * address of ccgc_object_info). Safe on any pointer value, never decodes
 * garbage: NULL, an interior pointer, free space, a reclaimed object, a
 * tagged value (the address + 1), another heap's object or memory no heap
 * owns all answer false. During incremental or concurrent marking (between
 * steps) an object the cycle will find dead still answers true until the
 * cycle's sweep frees it, and an object allocated during marking answers
 * true. An address is not an identity: once an object is freed or moved by a
 * minor collection (young objects move: never keep an address across a
 * collection), a later allocation may reuse its address. Only outside
 * collections: from inside one (a trace, walk or weak callback, a listener
 * other than cycle_end / minor_end, a pre-finalizer, a finalizer, a heap's
 * teardown) it answers false and records CCGC_E_IN_COLLECTION (recoverable;
 * blinkish_is_alive answers there). From another thread: false,
 * CCGC_E_WRONG_THREAD (misuse). Costs a page-registry lookup and a walk of
 * the page the first time it is asked after the heap changed; under lazy or
 * concurrent sweeping the first query after a collection's pause completes
 * sweeping first (running the DOM heap's finalizers left, as
 * ccgc_collector_finish_sweeping would). */
CCGC_API
bool v8ish_heap_contains(v8ish_heap *heap, const void *address);

/* --- Handles ------------------------------------------------------------ */
/* The hot calls of this header - scopes, integers, FixedArray element loads
 * - are inline (v8ish-fast.h): the common case costs a few loads and stores
 * with no call; every other case calls the library, which checks and reports
 * as before. */
static inline void v8ish_handle_scope_open(v8ish_heap *heap,
                                           v8ish_handle_scope *scope);
static inline void v8ish_handle_scope_close(v8ish_handle_scope *scope);
/* Copies value into the scope enclosing `scope` (which must be the innermost
 * open scope) and returns the new handle. */
static inline v8ish_local v8ish_handle_scope_escape(v8ish_handle_scope *scope,
                                                    v8ish_local value);

static inline bool v8ish_local_is_empty(v8ish_local local) {
  return local.index == 0;
}
static inline v8ish_local v8ish_local_empty(void) {
  v8ish_local local = {0, 0};
  return local;
}
/* The tagged value behind a handle (0 for an empty one). Valid until the next
 * collection: never keep it across a safepoint. */
CCGC_API
v8ish_value v8ish_local_value(v8ish_heap *heap, v8ish_local local);
CCGC_API
bool v8ish_same(v8ish_heap *heap, v8ish_local a, v8ish_local b);

CCGC_API
v8ish_global v8ish_global_new(v8ish_heap *heap, v8ish_local value, bool weak);
CCGC_API
v8ish_local v8ish_global_get(v8ish_heap *heap, v8ish_global global);
CCGC_API
void v8ish_global_set(v8ish_heap *heap, v8ish_global global, v8ish_local value);
CCGC_API
void v8ish_global_free(v8ish_heap *heap, v8ish_global global);
/* True if the global holds no object: made empty, set to an empty local,
 * or a weak global whose object died (and also, after reporting the misuse,
 * for a global freed or never made; and for a NULL or freed heap, with
 * nothing reported: the one call whose neutral answer is true). */
CCGC_API
bool v8ish_global_is_empty_slot(v8ish_heap *heap, v8ish_global global);
static inline bool v8ish_global_is_null(v8ish_global global) {
  return global.index == 0;
}

CCGC_API
v8ish_traced *v8ish_traced_new(v8ish_heap *heap, v8ish_local value);
CCGC_API
void v8ish_traced_set(v8ish_heap *heap, v8ish_traced *traced,
                      v8ish_local value);
CCGC_API
v8ish_local v8ish_traced_get(v8ish_heap *heap, const v8ish_traced *traced);
/* The untagged object address the traced reference holds, or NULL: for a
 * holder's trace function to pass to the visitor. */
CCGC_API
void *v8ish_traced_target(const v8ish_traced *traced);
CCGC_API
void v8ish_traced_free(v8ish_heap *heap, v8ish_traced *traced);

/* --- Values ------------------------------------------------------------- */
/* small int */
static inline v8ish_local v8ish_integer(v8ish_heap *heap, intptr_t value);
static inline bool v8ish_is_integer(v8ish_heap *heap, v8ish_local value);
static inline intptr_t v8ish_integer_value(v8ish_heap *heap,
                                           v8ish_local value);
CCGC_API
v8ish_local v8ish_number_new(v8ish_heap *heap, double value); /* boxed */
CCGC_API
double v8ish_number_value(v8ish_heap *heap, v8ish_local value);
CCGC_API
v8ish_local v8ish_string_new(v8ish_heap *heap, const char *bytes, size_t len);
/* Copies up to size-1 bytes and a NUL into buf; returns the string length. */
CCGC_API
size_t v8ish_string_copy(v8ish_heap *heap, v8ish_local string, char *buf,
                         size_t size);
/* The instance type of the object a local holds; V8ISH_TYPE_COUNT for an
 * integer, an empty local or a dead handle (reported as misuse). */
CCGC_API
v8ish_instance_type v8ish_type_of(v8ish_heap *heap, v8ish_local value);

/* --- Objects and properties -------------------------------------------- */
CCGC_API
v8ish_local v8ish_object_new(v8ish_heap *heap);
/* Adds or overwrites a named property. Adding follows (or creates) a hidden
 * class transition: a safe shape change. In-object slots first, then the
 * out-of-object property store. */
CCGC_API
ccgc_status v8ish_object_set(v8ish_heap *heap, v8ish_local object,
                             const char *name, v8ish_local value);
/* The property's value, or the empty local if there is none. A property
 * holding an unboxed double (v8ish_object_unbox_double) is read as a new
 * HeapNumber: that read allocates, so it is refused where allocation is
 * (a callback's context: CCGC_E_IN_COLLECTION) and can fail at the heap
 * limit; v8ish_object_get_double reads it without allocating. */
CCGC_API
v8ish_local v8ish_object_get(v8ish_heap *heap, v8ish_local object,
                             const char *name);
CCGC_API
bool v8ish_object_has(v8ish_heap *heap, v8ish_local object, const char *name);
CCGC_API
size_t v8ish_object_property_count(v8ish_heap *heap, v8ish_local object);
/* The hidden class of an object (a new local in the current scope):
 * objects built with the same properties in the same order share it. A
 * value that is not an object is misuse (CCGC_E_WRONG_TYPE, .api.wrong-type:
 * the error handler runs, then an empty local). */
CCGC_API
v8ish_local v8ish_object_class(v8ish_heap *heap, v8ish_local object);

/* --- Arrays -------------------------------------------------------------- */
static inline v8ish_local v8ish_fixed_array_new(v8ish_heap *heap,
                                                size_t length);
/* A FixedArray of length elements whose element i is the value of
 * elements[i] (V8's Array::New(isolate, elements, length); a constructor
 * with arguments), in one call: the same as v8ish_fixed_array_new and a
 * v8ish_array_set per element, without the calls. Every element must be a
 * live local: a dead or made-up one is misuse (CCGC_E_DEAD_HANDLE, the
 * error handler runs) and nothing is allocated; elements NULL with length
 * above 0 too (CCGC_E_INVALID_ARGUMENT, .api.argument). The empty local (a
 * local of index 0) stores the integer 0, as in v8ish_array_set. Where
 * allocation is refused (a collection's callbacks: CCGC_E_IN_COLLECTION)
 * this call is too. The empty local on failure, as v8ish_fixed_array_new. */
static inline v8ish_local v8ish_fixed_array_new_with(
    v8ish_heap *heap, size_t length, const v8ish_local *elements);
CCGC_API
v8ish_local v8ish_array_new(v8ish_heap *heap); /* growable, like JS Array */
CCGC_API
size_t v8ish_array_length(v8ish_heap *heap, v8ish_local array);
static inline v8ish_local v8ish_array_get(v8ish_heap *heap, v8ish_local array,
                                          size_t i);
static inline ccgc_status v8ish_array_set(v8ish_heap *heap, v8ish_local array,
                                          size_t i,
                            v8ish_local value);
CCGC_API
ccgc_status v8ish_array_push(v8ish_heap *heap, v8ish_local array,
                             v8ish_local value);
CCGC_API
v8ish_local v8ish_double_array_new(v8ish_heap *heap, size_t length);
CCGC_API
double v8ish_double_array_get(v8ish_heap *heap, v8ish_local array, size_t i);
CCGC_API
ccgc_status v8ish_double_array_set(v8ish_heap *heap, v8ish_local array,
                                   size_t i, double value);

/* --- Closures -------------------------------------------------------------- */
CCGC_API
v8ish_local v8ish_context_new(v8ish_heap *heap, v8ish_local parent,
                              size_t slot_count);
CCGC_API
v8ish_local v8ish_context_get(v8ish_heap *heap, v8ish_local context, size_t i);
CCGC_API
ccgc_status v8ish_context_set(v8ish_heap *heap, v8ish_local context, size_t i,
                              v8ish_local value);
CCGC_API
v8ish_local v8ish_closure_new(v8ish_heap *heap, v8ish_local context,
                              const char *name);
CCGC_API
v8ish_local v8ish_closure_context(v8ish_heap *heap, v8ish_local closure);

/* --- Wrappers ---------------------------------------------------------------
 * A wrapper is an object with one embedder field: the address of an object
 * of another heap (a DOM object), traced as a CCGC_EDGE_WRAPPER edge. On
 * store the address must be the start of a live object of another heap of
 * the collector (.api.valid-object: no interior pointer, free space,
 * reclaimed or script object; a DOM backing store, which only its owner
 * may reference, is CCGC_E_WRONG_TYPE), and a wrapper wraps one object
 * (.api.one-wrapper): it cannot be re-pointed to another; a pair made by a
 * bridge cannot be undone, nor a paired DOM object given a second wrapper
 * (CCGC_E_WRAPPER_CONFLICT). NULL clears an embedder no bridge paired. */
CCGC_API
v8ish_local v8ish_wrapper_new(v8ish_heap *heap, const char *class_name);
CCGC_API
ccgc_status v8ish_wrapper_set_embedder(v8ish_heap *heap, v8ish_local wrapper,
                                       void *object);
CCGC_API
void *v8ish_wrapper_embedder(v8ish_heap *heap, v8ish_local wrapper);

/* --- Shape changes (docs/shape-changes.md) ---------------------------------
 * Safe: adding a property (v8ish_object_set). Unsafe for a concurrent marker,
 * each changes an object's layout in place: */
/* The property `name` holds a boxed number: store the raw double in the
 * in-object field itself and flip the field to raw in a new hidden class. */
CCGC_API
ccgc_status v8ish_object_unbox_double(v8ish_heap *heap, v8ish_local object,
                                      const char *name);
CCGC_API
double v8ish_object_get_double(v8ish_heap *heap, v8ish_local object,
                               const char *name);
/* Removes the first n elements of a fixed array (or an array's store) by
 * moving the object start forward in place; the freed prefix becomes filler
 * (a large store, 64 KiB or more, is copied instead). Handles, globals and
 * traced references to the array follow it; a field of another heap object
 * does not (as in V8): trim only a FixedArray no other object references,
 * or a v8ish_array's store (docs/shape-changes.md, "Restriction"). */
CCGC_API
ccgc_status v8ish_array_left_trim(v8ish_heap *heap, v8ish_local array,
                                  size_t n);
/* Ends slack tracking: the object's unused in-object slots are cut off, the
 * instance size shrinks, the tail becomes filler. */
CCGC_API
ccgc_status v8ish_object_shrink_slack(v8ish_heap *heap, v8ish_local object);

/* --- Weak maps and weak sets (docs/script-heap.md, "Weakness") ---------------
 * Ephemeron hash tables: an entry's value is kept alive by the collector only
 * while its key is alive; entries whose key died are gone after the
 * collection, before any finalizer runs (.inv.weak-before-finalizers). Keys
 * are script objects (an integer key is CCGC_E_INVALID_ARGUMENT, as JS throws
 * a TypeError). A value is a script value, or an *embedder value*: the
 * address of an object of another heap of the collector (a DOM object, not
 * a backing store: checked as a wrapper's embedder is), so a pair can have
 * its key in the script heap and its value in the DOM heap. */
CCGC_API
v8ish_local v8ish_weak_map_new(v8ish_heap *heap);
CCGC_API
ccgc_status v8ish_weak_map_set(v8ish_heap *heap, v8ish_local map,
                               v8ish_local key, v8ish_local value);
CCGC_API
ccgc_status v8ish_weak_map_set_embedder(v8ish_heap *heap, v8ish_local map,
                                        v8ish_local key, void *object);
/* The script value for key; empty if absent or if the value is an embedder
 * value. */
CCGC_API
v8ish_local v8ish_weak_map_get(v8ish_heap *heap, v8ish_local map,
                               v8ish_local key);
/* The embedder value for key, or NULL. */
CCGC_API
void *v8ish_weak_map_get_embedder(v8ish_heap *heap, v8ish_local map,
                                  v8ish_local key);
CCGC_API
bool v8ish_weak_map_has(v8ish_heap *heap, v8ish_local map, v8ish_local key);
CCGC_API
bool v8ish_weak_map_delete(v8ish_heap *heap, v8ish_local map, v8ish_local key);
/* Entries, including ones whose key is unreachable but not yet collected. */
CCGC_API
size_t v8ish_weak_map_size(v8ish_heap *heap, v8ish_local map);

CCGC_API
v8ish_local v8ish_weak_set_new(v8ish_heap *heap);
CCGC_API
ccgc_status v8ish_weak_set_add(v8ish_heap *heap, v8ish_local set,
                               v8ish_local key);
CCGC_API
bool v8ish_weak_set_has(v8ish_heap *heap, v8ish_local set, v8ish_local key);
CCGC_API
bool v8ish_weak_set_delete(v8ish_heap *heap, v8ish_local set, v8ish_local key);
CCGC_API
size_t v8ish_weak_set_size(v8ish_heap *heap, v8ish_local set);

/* --- Finalization and weak callbacks ---------------------------------------------
 * Both run on the mutator, after the collection that found the target dead
 * has finished (never inside it), inside a handle scope of their own; they
 * may allocate, store and even collect. Neither ever sees the dead target,
 * so neither can resurrect it. */

/* JS FinalizationRegistry: register(target, held, token) queues
 * callback(heap, held, data) once target dies. held is kept alive by the
 * registry; target and token are weak. A dead registry calls nothing: nor
 * does one that dies after its callbacks were queued (in a collection an
 * earlier callback runs) - its callbacks still queued are dropped. */
typedef void (*v8ish_finalization_fn)(v8ish_heap *heap, v8ish_local held,
                                      void *data);
CCGC_API
v8ish_local v8ish_finalization_registry_new(v8ish_heap *heap,
                                            v8ish_finalization_fn callback,
                                            void *data);
/* token may be empty (no unregistration). target must be an object and not
 * the same as held (CCGC_E_INVALID_ARGUMENT, as JS). */
CCGC_API
ccgc_status v8ish_finalization_registry_register(v8ish_heap *heap,
                                                 v8ish_local registry,
                                                 v8ish_local target,
                                                 v8ish_local held,
                                                 v8ish_local token);
/* Removes every registration made with token whose target has not died;
 * returns how many. A callback already queued for a registration whose
 * target died still runs. */
CCGC_API
size_t v8ish_finalization_registry_unregister(v8ish_heap *heap,
                                              v8ish_local registry,
                                              v8ish_local token);
/* Registrations whose target has not died yet. */
CCGC_API
size_t v8ish_finalization_registry_size(v8ish_heap *heap, v8ish_local registry);

/* Makes a global handle weak with a callback (V8's SetWeak): when its target
 * dies the handle is emptied, before any finalizer runs, and after the
 * collection callback(heap, global, data) runs once. The handle stays
 * allocated: the callback (or the host) frees it. A global freed before its
 * callback ran (by an earlier callback of the same queue) cancels the
 * callback, which would get a freed handle. */
typedef void (*v8ish_weak_callback_fn)(v8ish_heap *heap, v8ish_global global,
                                       void *data);
CCGC_API
ccgc_status v8ish_global_set_weak_callback(v8ish_heap *heap,
                                           v8ish_global global,
                                           v8ish_weak_callback_fn callback,
                                           void *data);

/* --- Droppable wrappers (V8's EmbedderRootsHandler) -------------------------
 * In a minor collection a traced reference to a young *unmodified* wrapper
 * (no property added, no elements; a class change that adds none, such as
 * v8ish_object_shrink_slack, leaves it unmodified) is asked about before it
 * is taken as a root: if the handler
 * returns true, the reference is not a root, and if nothing else reaches the
 * wrapper it dies and the reference is emptied (v8ish_traced_get then
 * returns the empty local): the host recreates the wrapper on demand. The
 * handler is asked about each such reference before anything moves. It
 * runs inside the collection: it may only read (its own data, the
 * script heap's reads - a local it makes is a root of this collection like
 * every other - and blinkish_is_alive, which answers whether a DOM object
 * lives), never change the heaps. NULL removes it. */
typedef bool (*v8ish_droppable_fn)(v8ish_heap *heap, const v8ish_traced *traced,
                                   void *data);
CCGC_API
ccgc_status v8ish_heap_set_droppable_handler(v8ish_heap *heap,
                                             v8ish_droppable_fn handler,
                                             void *data);

/* --- Compaction ---------------------------------------------------------------- */
/* Asks the next full collection that starts marking (not one marking now:
 * candidates are chosen as marking starts) to compact the old generation as
 * options.compaction = CCGC_COMPACTION_EVERY_FULL does: every movable normal
 * old page that its last sweep did not find entirely live is evacuated, up
 * to options.max_evacuation_bytes (docs/compaction.md). Objects move; handles,
 * globals and traced references follow them; an address from
 * v8ish_object_address does not. Owner thread, any context (a listener's
 * cycle_start may call it). The figures: ccgc_heap_stats.evacuated_*. */
CCGC_API
ccgc_status v8ish_heap_request_compaction(v8ish_heap *heap);

/* --- Introspection ------------------------------------------------------------ */
CCGC_API
const char *v8ish_type_name(v8ish_heap *heap, v8ish_local value);
/* The untagged object address behind a handle, or NULL for an integer: for
 * probes and tools that key on addresses. Valid until the next collection. */
CCGC_API
void *v8ish_object_address(v8ish_heap *heap, v8ish_local value);

/* --- Raw values (docs/raw-values.md) ---------------------------
 * A read-only walk - counting a tree, searching an array - needs no handle
 * per object: nothing moves or dies until the next collection, and a walk
 * that allocates nothing triggers none. A raw value is a tagged value read
 * without a handle (as V8's compiled code holds one between safepoints, or
 * a SpiderMonkey embedder under JS::AutoCheckCannotGC), stamped with the
 * heap's epoch. It is valid until the heap's next collection (minor or
 * full) or v8ish_array_left_trim, whichever comes first; every use that
 * reads the heap compares its stamp with the heap's (one compare) and
 * refuses a raw value from before then, from another heap or never made
 * (CCGC_E_DEAD_HANDLE, .api.raw-values) instead of reading freed or moved
 * memory. Raw values are for host code on the owner thread outside every
 * collector callback: from a callback each call is refused
 * (CCGC_E_IN_COLLECTION), from another thread CCGC_E_WRONG_THREAD. A raw
 * value is no root: to keep a value across an allocation, make it a local
 * again (v8ish_raw_to_local). After a reported misuse the calls return the
 * empty raw value (v8ish_raw_is_empty), 0, or the empty local. */
typedef struct v8ish_raw {
  v8ish_value value; /* the tagged value, as v8ish_local_value gives it */
  uint64_t epoch;    /* the heap's epoch when read; 0: the empty raw value */
} v8ish_raw;

static inline v8ish_raw v8ish_raw_empty(void) {
  v8ish_raw raw = {0, 0};
  return raw;
}
static inline bool v8ish_raw_is_empty(v8ish_raw raw) { return raw.epoch == 0; }
/* The value a local holds, as a raw value; the empty raw value for the
 * empty local (nothing reported); a dead local is misuse
 * (CCGC_E_DEAD_HANDLE, .api.live-handle). */
static inline v8ish_raw v8ish_raw_of(v8ish_heap *heap, v8ish_local local);
/* Element i of a FixedArray or an Array, as v8ish_array_get reads it: the
 * empty raw value past the end (nothing reported); an integer or an object
 * of another kind is misuse (CCGC_E_WRONG_TYPE). The fast path - a
 * FixedArray - is inline: the entry check, the stamp's compare, the class
 * compare, the bound and the load. */
static inline v8ish_raw v8ish_raw_array_get(v8ish_heap *heap, v8ish_raw array,
                                            size_t i);
/* The length of a FixedArray or an Array (0 after reporting misuse). */
CCGC_API
size_t v8ish_raw_array_length(v8ish_heap *heap, v8ish_raw array);
/* A new local of the innermost scope holding the raw value (checked as
 * every use is): the way back to the handle world, to keep a value across
 * an allocation or to call the rest of this API on it. */
static inline v8ish_local v8ish_raw_to_local(v8ish_heap *heap, v8ish_raw raw);
/* Whether the raw value is a small integer. Reads the raw value's own bits,
 * never the heap: any time, any thread, stale or not (the empty raw value
 * answers false). */
static inline bool v8ish_raw_is_integer(v8ish_raw raw) {
  return raw.epoch != 0 && !(raw.value & 1);
}
/* The small integer's value (the raw value's own bits, stale or not);
 * anything else is misuse (CCGC_E_WRONG_TYPE; the empty raw value:
 * CCGC_E_DEAD_HANDLE) and answers 0. */
static inline intptr_t v8ish_raw_integer_value(v8ish_heap *heap,
                                               v8ish_raw raw);

/* The calls above declared static inline, and what they read. */
#include "v8ish-fast.h"

#endif /* V8ISH_H */
