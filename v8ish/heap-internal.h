/* heap-internal.h - the script heap's internal state (docs/script-heap.md).
 * Shared by the files of v8ish/.
 *
 * The object layouts and tagged values are in object-layout.h.
 */
#ifndef V8ISH_HEAP_INTERNAL_H
#define V8ISH_HEAP_INTERNAL_H

#include <glib.h>
#include <pthread.h>
#include <stdint.h>

#include "handle-table.h"
#include "worklist.h"
#include "heap-base.h"
#include "object-layout.h"
#include "space-types.h"
#include "v8ish-bridge.h"
#include "v8ish.h"

#define V8ISH_SIG 0x56384953u /* "V8IS" (.sig) */
/* What the public calls' inline fast paths assume (v8ish-fast.h). */
_Static_assert(V8ISH_SIG == V8ISH_FAST_SIG && CLASS_TYPE == V8ISH_FAST_CLASS_TYPE &&
                   LENGTH == V8ISH_FAST_LENGTH &&
                   V8ISH_FAST_ELEMENTS == LENGTH + 1, /* arrays.c: 2 + i */
               "v8ish-fast.h reads the signature and these words");
_Static_assert(V8ISH_FAST_PAGE_SIZE == CCGC_PAGE_SIZE &&
                   offsetof(ccgc_page, flags) == V8ISH_FAST_PAGE_FLAGS_OFFSET &&
                   sizeof(((ccgc_page *)0)->flags) == 2 &&
                   CCGC_PAGE_YOUNG == V8ISH_FAST_PAGE_YOUNG,
               "v8ish-fast.h reads a page's young flag");
#define V8ISH_BUCKETS 14      /* free lists: 16 << i bytes */
#define V8ISH_LARGE_THRESHOLD (CCGC_PAGE_SIZE / 4)
#define V8ISH_INITIAL_SLACK 4 /* in-object slots of a fresh object */
/* The largest object: every length is checked against it before any size
 * arithmetic, so no size computation can overflow (CCGC_E_SIZE_OVERFLOW). */
#define V8ISH_MAX_OBJECT_BYTES ((size_t)1 << 32)
#define V8ISH_MAX_ELEMENTS (V8ISH_MAX_OBJECT_BYTES / 8 - 4)


/* has_value separates "holds the integer 0" (word 0) from "holds nothing"
 * (made from an empty local, or a weak global whose target died). */
typedef struct global_node {
  v8ish_value value;
  uint32_t generation;
  uint32_t next_free;
  bool in_use, weak, has_value;
  v8ish_weak_callback_fn callback; /* weak globals only, or NULL */
  void *callback_data;
} global_node;

/* A finalization registry's host callback (the registry object keeps its
 * index in this table as a small integer). */
typedef struct registry_record {
  word_t *registry; /* NULL: slot free */
  v8ish_finalization_fn callback;
  void *data;
  /* Advanced when the registry dies (v8ish_registry_record_free): a
   * queued callback of a registry that died since is not run. */
  uint32_t generation;
} registry_record;
/* A registry died: its record's slot is free, its queued callbacks void. */
static inline void v8ish_registry_record_free(registry_record *record) {
  *record = (registry_record){.generation = record->generation + 1};
}

/* Work queued by weak processing for after the collection. The held values
 * of finalizations are roots until their callback ran. */
typedef struct pending_callback {
  v8ish_value held;            /* finalization: the held value     */
  v8ish_global global;         /* weak callback: the emptied handle */
  v8ish_finalization_fn finalize;
  v8ish_weak_callback_fn weak;
  void *data;
  /* finalization: its registry's record, which must still be this
   * registry's (alive) when the callback's turn comes */
  uint32_t registry_index, registry_generation;
} pending_callback;

/* The payload of a traced reference's slot in the heap's handle table: a
 * v8ish_traced * (and a bridge's script reference) is a handle of that table
 * (marking/handle-table.h). */
typedef struct traced_slot {
  v8ish_value value; /* read by marker threads: atomic */
  bool root;         /* a root, not an edge (baseline bridge): atomic */
  bool has_value;    /* mutator only */
  /* In heap->young_traced (owner thread only). Kept through the slot's
   * free and reuse (the table never clears a payload), so a slot is listed
   * at most once: .inv.young-traced-listed. */
  bool young_listed;
  /* During a scavenge: the droppable handler let this reference go (owner
   * thread; set before any root is scanned, cleared with the drop). */
  bool dropping;
  /* heap->full_epoch when the mutator last stored the value: a slot stored
   * before the last full pause holds no young target (the pause promoted
   * the nursery in place), so a scavenge skips it; its holder may be a dead
   * DOM object not swept yet whose stale value points into reused memory
   * (.inv.stale-traced-skipped). */
  uint32_t epoch;
} traced_slot;

struct v8ish_heap {
  /* First: signature, collector, barrier, errors, limits, the page space
   * (marking/heap-base.h); a v8ish_heap * is a ccgc_heap_base *. */
  ccgc_heap_base base;

  /* Allocation (space.c, nursery.c). The fast path bumps fast.lab: through
   * a nursery page while the young generation is on, else through old space.
   * old_lab: old-space allocation beside a nursery (promotion, fallbacks).
   * class_lab: hidden classes, always old, bumped through fresh pages of
   * their own (V8's map space), so that the few pages that hold classes,
   * which never move (.inv.compaction-classes-stay), hold little else. */
  v8ish_lab old_lab, class_lab; /* the mutator's own: fast.lab */
  bool booted; /* the permanent objects exist: classes use class_lab */
  bool freeing; /* v8ish_heap_free runs: no object of it is live */
  word_t *free_lists[V8ISH_BUCKETS];
  /* TESTING ONLY (ccgc_collector_break_scavenge_sweeping): the free lists
   * of the last cycle, kept by sweep_start for the scavenges' promotion. */
  word_t *stale_free_lists[V8ISH_BUCKETS];
  v8ish_nursery nursery;
  v8ish_sweep sweep; /* lazy sweeping after a full collection (sweeper.c) */
  /* Bytes and objects in old pages (the rest of space.used_bytes and
   * space.object_count is young), kept while the nursery is on. */
  size_t old_used_bytes, old_objects;
  size_t scavenge_survived, scavenge_young_before; /* for the flip */
  /* Survivors the last scavenge could not promote (old space at the hard
   * limit): copied within the nursery again; a full collection is due. */
  size_t scavenge_unpromoted;
  size_t scavenge_promoted; /* bytes the last scavenge promoted */
  bool scavenge_fast; /* the last one promoted in place (nursery.c) */
  struct v8ish_pretenuring *pretenuring; /* pretenuring.c */
  ccgc_segment_cache scavenge_segments; /* kept between scavenges */
  v8ish_droppable_fn droppable; /* v8ish_heap_set_droppable_handler */
  void *droppable_data;

  /* The handle area and the mutator's allocation area (handles.c, space.c;
   * the locals' fast paths: handles-inl.h; the public calls' inline ones,
   * v8ish-fast.h, which find this struct through base.fast). The scopes
   * themselves are the hosts' v8ish_handle_scope structs. */
  v8ish_fast_state fast;
  /* Full collections so far (v8ish_nursery_promote_in_place): the epoch of
   * traced_slot. */
  uint32_t full_epoch;
  uint32_t global_generation_base; /* a new node's first generation, mixed */
  global_node *globals;
  size_t global_count, global_capacity;
  uint32_t global_free;
  ccgc_handle_table traced;   /* traced_slot: traced references */
  size_t traced_roots; /* live slots made as roots (v8ish_trace_handles) */
  /* traced_slot *: every traced slot whose value may be young (V8's young
   * nodes of its traced handles), the scavenger's roots among the traced
   * references instead of the whole table (.inv.young-traced-listed). */
  GPtrArray *young_traced;
  struct v8ish_bridge_link *bridges; /* joined bridges (v8ish-bridge.h) */

  /* Permanent objects, roots of the heap itself. */
  v8ish_value meta_class, filler_class, one_word_filler_class;
  v8ish_value number_class, string_class, fixed_array_class,
      double_array_class, context_class, object_class, array_class,
      closure_class, empty_fixed_array;
  GHashTable *wrapper_classes; /* class name -> v8ish_value, roots */
  /* layouts.c: interned descriptors (owner thread), and how the marker
   * finds them. */
  GHashTable *layouts;
  ccgc_layout_source layout_source;
  v8ish_value weak_map_class, weak_set_class, ephemeron_table_class,
      registry_class, weak_cells_class;

  /* Object starts of normal pages, each built by one walk of its page when
   * an address entering the library must be checked (object-map.c), all
   * dropped when the key (collections, objects, bytes) changes. */
  GHashTable *object_starts; /* v8ish_page * -> bitmap, a bit per word */
  unsigned long starts_cycles;
  size_t starts_objects, starts_bytes;

  /* Weakness (weak-collections.c, finalization.c). */
  GPtrArray *weak_collections;  /* word_t *: every WeakMap and WeakSet   */
  GArray *registries;           /* registry_record                       */
  GArray *pending;              /* pending_callback, run after the GC    */
  guint pending_head;           /* entries before it have run            */

  /* Compaction (compactor.c, docs/compaction.md): asked of the next full
   * collection (v8ish_heap_request_compaction), and the last full
   * collection's figures (the stats op reports them). */
  bool compaction_requested;
  /* The evacuation candidates chosen when this marking cycle started
   * (v8ish_page *, candidates.c; NULL outside a cycle that has some), and
   * whether the marker and the scavenger record old-to-old slots now
   * (.inv.compaction-slots-recorded; read by marker threads, written only
   * while none runs). invalidated: word_t *, objects whose layout changed
   * in place while recording (their records are dropped and they are
   * walked whole in the pause). */
  GPtrArray *candidates;
  bool recording_slots;
  GPtrArray *invalidated;
  GPtrArray *evacuated; /* v8ish_page *: released by the sweep, or NULL */
  size_t evacuated_pages, evacuated_bytes, evacuated_objects;
  double evacuation_ms;
  unsigned evacuation_threads; /* that copied (evacuation.c) */
};

/* space.c (the fast path is v8ish_allocate in space-inl.h) */
word_t *v8ish_allocate_slow(v8ish_heap *heap, size_t bytes, const char *call);
/* A hidden class of bytes (zeroed, black while marking runs): old, on a page
 * of classes (class_lab); errors and gating as v8ish_allocate. */
word_t *v8ish_allocate_class(v8ish_heap *heap, size_t bytes, const char *call);
/* Old space without side effects (no color, no accounting, no step, no
 * error), for promotion: through lab, a scavenger task's promotion area
 * (the owner's is heap->old_lab; scavenge-task.c): its bump, else a refill
 * from the free lists or a new page, which the caller serializes. NULL at
 * the limit. */
word_t *v8ish_old_allocate_lab(v8ish_heap *heap, v8ish_lab *lab, size_t size);
/* A fresh normal old page (or a large one for `bytes`), listed in the page
 * space, or NULL with *why (the hard limit, or the OS). */
v8ish_page *v8ish_space_map_page(v8ish_heap *heap, size_t bytes, bool large,
                                 ccgc_status *why);
/* Seals the allocation areas so that pages are iterable. */
void v8ish_seal_labs(v8ish_heap *heap);
/* The same but for the class area, for a scavenge: the class area bumps
 * through a page mapped fresh, so its unallocated rest is zero, which every
 * walk reads as the untouched end of the page; only a sweep, which would
 * list that rest as free, needs it closed (the full collection's paths close
 * it). Left open, the next class does not map a page of its own after every
 * scavenge. */
void v8ish_seal_object_labs(v8ish_heap *heap);
void v8ish_space_prepare(void *heap); /* the prepare op */

/* layouts.c: layout descriptors (marking/ccgc-layout.h). */
void v8ish_layouts_init(v8ish_heap *heap);
void v8ish_layouts_free(v8ish_heap *heap);
const ccgc_layout_source *v8ish_layouts(void *heap); /* the layouts op */
/* Sets class k's CLASS_LAYOUT from its other words: after any of them is
 * set, before an object has the class (.inv.layout-stable). */
void v8ish_class_set_layout(v8ish_heap *heap, word_t *k);


void v8ish_space_release_all(v8ish_heap *heap);
void v8ish_write_filler(v8ish_heap *heap, word_t *at, size_t bytes);
/* The for_each_object op: fn for every object, fillers skipped. */
void v8ish_each_object(void *heap, void (*fn)(void *, void *), void *data);
size_t v8ish_size_of(const word_t *object);
/* The size of object as its class word klass describes it: for a reader
 * that loaded the class word once while another thread may overwrite it
 * (a parallel scavenge's forwarding, .inv.forwarding-cas). */
size_t v8ish_size_with_class(const word_t *object, v8ish_value klass);
/* The same, a FixedArray's inline (a scavenge's copies are mostly arrays
 * and objects of a few words: no call for them). */
static inline size_t v8ish_size_with_class_inline(const word_t *object,
                                                  v8ish_value klass) {
  const word_t *k = v8ish_untag(klass);
  if (k[CLASS_TYPE] == v8ish_smi(V8ISH_TYPE_FIXED_ARRAY))
    return (2 + (size_t)v8ish_smi_value(v8ish_load(object, LENGTH))) * 8;
  return v8ish_size_with_class(object, klass);
}
size_t v8ish_object_size(void *heap, const void *object); /* the op */
/* Words readable from object to the end of its page (bounds for snapshots). */
size_t v8ish_words_to_page_end(const word_t *object);

/* object-map.c: the is_object op. Whether address is the start of an
 * allocated object (not free space, not inside an object) of this heap.
 * Safe on any pointer value; a page walk the first time a page is asked
 * after the heap changed: for the library's boundary, never a hot path. */
bool v8ish_is_object(void *heap, const void *address);
void v8ish_object_map_free(v8ish_heap *heap);

/* scavenger.c: the minor collection ops (ccgc-heap.h). */
void v8ish_minor_collect(void *heap, ccgc_minor_stats *stats);
void *v8ish_relocated(void *heap, const void *address);
void v8ish_minor_release(void *heap);
/* The slots of an object's strong references in a minor collection, by
 * layout (.inv.tagged-fields): fn(slot) for each; weak tables' entries are
 * not reported (the scavenger treats them itself). */
void v8ish_each_strong_slot(word_t *object,
                            void (*fn)(word_t *slot, void *data), void *data);

/* stores.c: every store of a reference, barriered
 * (.inv.script-store-barriered). */
/* object[index] = value (a tagged field). Inline: every element and
 * property store and every allocation's class word pays it. */
static inline void v8ish_store(v8ish_heap *heap, word_t *object, size_t index,
                               v8ish_value value) {
  v8ish_store_raw(object, index, value);
  if (v8ish_is_ref(value))
    ccgc_write_barrier(heap->base.barrier, object, &object[index],
                       v8ish_untag(value));
}
/* A wrapper's embedder field = object (a raw DOM address, or NULL). */
void v8ish_store_embedder(v8ish_heap *heap, word_t *wrapper, void *object);
/* After a root slot (global handle, traced reference) was set to value: no
 * holder object, the slot is the root's own word. */
void v8ish_root_barrier(v8ish_heap *heap, v8ish_value *slot,
                        v8ish_value value);
/* object[index] = value where object is a weak table (ephemeron table, weak
 * cells) that minor collections find through the heap's lists: the marking
 * barrier only, never the remembered set (its entries are weak). */
void v8ish_store_weak_table(v8ish_heap *heap, word_t *object, size_t index,
                            v8ish_value value);

/* hidden-class.c, values.c, arrays.c, objects.c */
static inline v8ish_instance_type v8ish_class_type(v8ish_value klass) {
  return (v8ish_instance_type)v8ish_smi_value(v8ish_untag(klass)[CLASS_TYPE]);
}
v8ish_value v8ish_new_class(v8ish_heap *heap, v8ish_instance_type type,
                            size_t words, size_t inobject_start,
                            size_t inobject_count, const char *call);
/* A new HeapNumber holding value, as a local of the innermost scope; for
 * the API call `call` (named in errors: it allocates, values.c), which
 * entered already. Empty after a recorded refusal or limit. */
v8ish_local v8ish_box_double(v8ish_heap *heap, double value, const char *call);
/* A copy of klass (same layout and properties) with its own identity, no
 * transitions, back pointer klass: the private class of an unsafe change. */
v8ish_value v8ish_clone_class(v8ish_heap *heap, v8ish_value klass,
                              const char *call);
v8ish_value v8ish_new_string(v8ish_heap *heap, const char *bytes, size_t len,
                             const char *call);
v8ish_value v8ish_new_fixed_array(v8ish_heap *heap, size_t length,
                                  const char *call);
/* The hash stored in a string's raw hash word. */
word_t v8ish_hash_bytes(const char *bytes, size_t len);
const char *v8ish_string_bytes(v8ish_value string);
/* Index of property name in klass, or -1. */
long v8ish_class_find(v8ish_value klass, const char *name);
/* The class after adding property `name` to klass: its transition, made and
 * recorded if new (a safe shape change). 0 with an error recorded at the
 * heap limit, nothing changed. */
v8ish_value v8ish_class_add_property(v8ish_heap *heap, v8ish_value klass,
                                     const char *name, const char *call);
/* The word array and index holding property i of object. */
word_t *v8ish_property_slot(const word_t *object, v8ish_value klass, long i,
                            size_t *index);

/* handles.c. These three do the entry check (v8ish_enter, a read) first:
 * a public call that checked its entry already uses the inline fast paths
 * of handles-inl.h (v8ish_local_push, v8ish_local_read) instead. */
v8ish_local v8ish_handle_new(v8ish_heap *heap, v8ish_value value,
                             const char *call);
/* Reads a local: true and its value (0 for the empty local), or false after
 * reporting a dead handle (.inv.handle-valid). Calls that store a value read
 * it with this first, so a dead handle changes nothing. */
bool v8ish_handle_read(v8ish_heap *heap, v8ish_local local, const char *call,
                       v8ish_value *out);
/* The value of a live local, or reports misuse and returns 0. */
v8ish_value v8ish_handle_value(v8ish_heap *heap, v8ish_local local,
                               const char *call);
void v8ish_trace_handles(v8ish_heap *heap, ccgc_visitor *visitor);
/* Only the handle scopes' locals (the atomic pause's rescan). */
void v8ish_trace_local_handles(v8ish_heap *heap, ccgc_visitor *visitor);
void v8ish_clear_dead_weak_globals(v8ish_heap *heap);
/* Rewrites every handle, global and traced reference equal to from. */
void v8ish_handles_relocate(v8ish_heap *heap, v8ish_value from,
                            v8ish_value to);
void v8ish_handles_free(v8ish_heap *heap);
/* The traced slots that may hold a young object (young-traced.c): record
 * after a store into slot; fn on each one that is live; after a scavenge,
 * prune drops those whose object is no longer young (promoted, died) and
 * those freed. Owner thread. */
void v8ish_young_traced_record(v8ish_heap *heap, traced_slot *slot);
void v8ish_young_traced_each(v8ish_heap *heap, void (*fn)(void *payload, void *data),
                             void *data);
void v8ish_young_traced_prune(v8ish_heap *heap);

/* weak-collections.c */
bool v8ish_weak_collections_init(v8ish_heap *heap);
void v8ish_trace_ephemeron_table(word_t *table, size_t limit,
                                 ccgc_visitor *visitor);
/* Weak processing: entries whose key died leave every live table. */
void v8ish_weak_collections_prune(v8ish_heap *heap);
/* Minor collections (scavenger.c): fn(key, value slot) for every entry of
 * table; after the fixed point, entries whose key did not survive go
 * (relocate(key) NULL) and moved keys are rehashed. */
void v8ish_weak_table_each_entry(word_t *table,
                                 void (*fn)(word_t *key, word_t *value_slot,
                                            void *data),
                                 void *data);
void v8ish_weak_table_after_scavenge(v8ish_heap *heap, word_t *table,
                                     void *(*relocate)(void *, void *),
                                     void *data);
/* Empties a table no collection names any more: one a grown one replaced,
 * or the old table of a young collection a scavenge found dead
 * (.inv.replaced-weak-emptied). */
void v8ish_weak_table_empty(word_t *table);

/* finalization.c */
bool v8ish_finalization_init(v8ish_heap *heap);
void v8ish_trace_weak_cells(word_t *cells, size_t limit, ccgc_visitor *visitor);
void v8ish_trace_pending(v8ish_heap *heap, ccgc_visitor *visitor);
/* Weak processing: dead targets of live registries and weak globals with a
 * callback queue their callbacks. */
void v8ish_finalization_prune(v8ish_heap *heap);
/* Minor collections: scan(held slot) for every cell; after the fixed
 * point, cells of targets that did not survive queue their callbacks, dead
 * tokens are forgotten, moved targets and tokens followed. */
void v8ish_weak_cells_scavenge_held(word_t *cells,
                                    void (*scan)(word_t *, void *),
                                    void *data);
void v8ish_finalization_after_scavenge(v8ish_heap *heap,
                                       registry_record *record,
                                       void *(*relocate)(void *, void *),
                                       void *data);
/* Queues the callback of weak global `index`, just emptied. */
void v8ish_queue_weak_callback(v8ish_heap *heap, uint32_t index);
/* After the collection, on the mutator: runs the queued callbacks. */
void v8ish_run_pending_callbacks(v8ish_heap *heap);
void v8ish_weakness_free(v8ish_heap *heap);

/* shape-changes.c: the one entry and exit of every unsafe change; pass
 * _begin's result to _end. */
bool v8ish_unsafe_shape_change_begin(v8ish_heap *heap, word_t *object);
void v8ish_unsafe_shape_change_end(v8ish_heap *heap, word_t *object,
                                   bool locked);

/* trace.c (.inv.tagged-fields): the trace_roots and trace_object ops, and
 * the description of a layout the concurrent visit shares. */
void v8ish_trace_roots(void *heap, ccgc_visitor *visitor);
void v8ish_trace_unbarriered_roots(void *heap, ccgc_visitor *visitor);
void v8ish_trace_object(void *heap, void *object, ccgc_visitor *visitor);
/* Reports object's references as its class klass (read once by the caller)
 * describes them; lengths clamped to the page (snapshots may be torn).
 * Records the slots into evacuation candidates while heap records them. */
void v8ish_trace_with_class(v8ish_heap *heap, word_t *object,
                            v8ish_value klass, ccgc_visitor *visitor);

/* concurrent-visit.c: the visit_concurrent op. */
bool v8ish_visit_concurrent(void *heap, void *object, ccgc_visitor *visitor);

/* objects.c: a property name for call, or misuse (NULL). */
bool v8ish_named(v8ish_heap *heap, const char *name, const char *call);

/* checks.c */
/* The type_name op: a wrapper's class name, else its type's name. */
const char *v8ish_object_type_name(void *heap, const void *object);
/* Raw values (raw-values.c): the heap's epoch, random at creation, and its
 * advance before anything of the heap moves or is freed (.inv.raw-epoch):
 * a minor collection's start, a full collection's process_weakness, a left
 * trim. */
void v8ish_raw_epoch_init(v8ish_heap *heap);
/* 64 random bits from the kernel (getrandom), for each heap's handle
 * serials, global generations and raw epoch: not GLib's global generator,
 * which a host may seed (g_random_set_seed), making two heaps start alike
 * and each take the other's handles and raw values for its own. The clock
 * and the heap's address if the kernel refuses. */
uint64_t v8ish_heap_random(const v8ish_heap *heap);
void v8ish_raw_epoch_advance(v8ish_heap *heap);
/* The label op: a String's characters, a Closure's function name ("" for
 * an anonymous one), NULL for every other object. */
const char *v8ish_object_label(void *heap, const void *object, size_t *length);
/* The object of a handle if it is of the wanted type, else reports misuse
 * (dead handle or wrong type) and returns NULL; v8ish_last_status is then
 * the reported code. These three do the entry check (a read) first; a call
 * that checked its entry already uses checks-inl.h (v8ish_local_object,
 * _object_like, _elements). */
word_t *v8ish_checked(v8ish_heap *heap, v8ish_local local,
                      v8ish_instance_type want, const char *call);
word_t *v8ish_checked_object_like(v8ish_heap *heap, v8ish_local local,
                                  const char *call);
/* Arrays and fixed arrays: the element store and the length, else misuse.
 * *owner is the Array holding the store, or NULL for a FixedArray. */
word_t *v8ish_checked_elements(v8ish_heap *heap, v8ish_local array,
                               size_t *length, word_t **owner,
                               const char *call);
/* .api.valid-object: object (not NULL) is the start of a live object of
 * another heap of the collector (a wrapper's embedder, a weak map's embedder
 * value); CCGC_OK, or the code of the misuse reported. */
ccgc_status v8ish_check_embedder(v8ish_heap *heap, const void *object,
                                 const char *call);
static inline ccgc_status v8ish_last_status(v8ish_heap *heap) {
  return heap && heap->base.sig == V8ISH_SIG ? heap->base.errors->last.code
                                             : CCGC_E_INVALID_ARGUMENT;
}

/* reclamation.c: the threading and collection contract (gate.h) and
 * .inv.no-resurrection for the script heap. */
/* The entry check of every public call: a live script heap (NULL or freed:
 * false, nothing reported), on its collector's thread, in a context that
 * allows a call of this kind (else misuse, false). */
static inline bool v8ish_enter(const v8ish_heap *heap, ccgc_call_kind kind,
                               const char *call) {
  return ccgc_heap_base_enter((const ccgc_heap_base *)heap, V8ISH_SIG, kind,
                              call);
}
bool v8ish_refuse_resurrection_slow(v8ish_heap *heap, const word_t *holder,
                                    v8ish_value value, const char *call,
                                    const char *into);
/* .inv.no-resurrection: while a collection's marks are final and host
 * callbacks run (ccgc_collector_in_reclamation: weak callbacks, external
 * value releases, pre-finalizers and finalizers of the DOM heap), reports a
 * store of an object that collection found dead (value) into a holder that
 * survives it (holder NULL: a root, `into` names it) and returns true; the
 * caller stores nothing. False otherwise: one branch while the mutator runs
 * (the gate is open). */
static inline bool v8ish_refuse_resurrection(v8ish_heap *heap,
                                             const word_t *holder,
                                             v8ish_value value,
                                             const char *call,
                                             const char *into) {
  if (__builtin_expect(ccgc_gate_open(heap->base.gate), 1) ||
      !v8ish_is_ref(value))
    return false;
  return v8ish_refuse_resurrection_slow(heap, holder, value, call, into);
}
/* True inside a reclamation callback: a scope opened now is marked
 * reclaiming (heap->fast.reclaiming), for the handle area's own
 * resurrection check. */
bool v8ish_reclaiming_now(v8ish_heap *heap);
/* The allocation fast path's slow branch when the gate is closed: refused
 * (misuse reported, NULL) unless the contract allows it. */
word_t *v8ish_allocate_gated(v8ish_heap *heap, size_t bytes, const char *call);

#endif /* V8ISH_HEAP_INTERNAL_H */
