/* ccgc-heap.h - the heap interface: what a heap (a "policy": v8ish, blinkish)
 * gives the collector, and what the collector gives a heap. Internal to the
 * library; hosts use ccgc.h and the heaps' own public headers.
 *
 * Call order of one full collection (docs/collection.md):
 *
 *   for each heap: prepare          clear mark tables, seal allocation areas
 *                                   (a compacting heap chooses its
 *                                   evacuation candidates here)
 *   for each heap: trace_roots      roots into the marker's visitor
 *   [atomic pause: for each heap: trace_unbarriered_roots, rescanned]
 *   drain: for each grey object     trace_object of the heap that owns it
 *   ephemeron fixed point           (drain again after each round)
 *   clear recorded weak slots whose target is white
 *   for each heap: process_weakness clear the heap's own weak references
 *   for each heap: compact          evacuate fragmented pages (optional)
 *   [verifier, when enabled]
 *   for each heap: pre_reclaim      pre-finalizers (dead neighbours readable)
 *   for each heap: finalize         finalizers (every heap still intact)
 *   for each heap: reclaim          sweep / compact: frees, runs no host code
 *   for each heap: after_collection callbacks that must run outside the GC
 *
 * With CCGC_SWEEP_LAZY or _CONCURRENT (docs/sweeping.md) a heap that has
 * sweep_start gets sweep_start instead of finalize + reclaim in the pause
 * (after every heap's pre_reclaim, after the finalize and reclaim of the
 * heaps without it); then, outside the pause, sweep_step on the owner thread
 * and sweep_concurrent on sweeper threads until sweep_step returns true. A
 * new cycle's prepare never comes before that (the collector finishes
 * sweeping first): the marks of unswept pages are the last cycle's.
 *
 * No heap is called re-entrantly, and no heap may allocate from its own
 * callbacks except after_collection.
 */
#ifndef CCGC_HEAP_H
#define CCGC_HEAP_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

#include "ccgc.h"
#include "ccgc-layout.h"
#include "ccgc-page.h"
#include "ccgc-visitor.h"
#include "gate.h"          /* every public call checks it */
#include "write-barrier.h" /* every store of a heap goes through it */

typedef struct ccgc_heap_ops {
  const char *name; /* "script" / "dom": used in trace lines and tools */

  void (*prepare)(void *heap);
  void (*trace_roots)(void *heap, ccgc_visitor *visitor);
  /* Optional: the roots the atomic pause rescans, those whose stores are
   * not barriered (handle scopes, objects under construction); every other
   * root store goes through the write barrier (.inv.roots-barriered).
   * Without it the pause rescans trace_roots. */
  void (*trace_unbarriered_roots)(void *heap, ccgc_visitor *visitor);
  /* Reports every outgoing reference of one live object of this heap. Must
   * not allocate, must not recurse into other objects. With parallel
   * marking it runs on several threads at once in the atomic pause (on
   * different objects, the mutator stopped): what it changes besides
   * reporting must be safe for that (docs/collection.md). */
  void (*trace_object)(void *heap, void *object, ccgc_visitor *visitor);
  /* Optional: visits a grey object on a concurrent marker thread while the
   * mutator runs. The heap reads what it needs into a snapshot first, then
   * must itself win ccgc_mark_grey_to_black(object) before it reports the
   * snapshot's references; if it loses, it reports nothing
   * (.inv.snapshot-before-cas). Returns whether it won. Without this op a
   * marker thread does the CAS and calls trace_object, which must then be safe
   * against concurrent mutation of the object. */
  bool (*visit_concurrent)(void *heap, void *object, ccgc_visitor *visitor);
  /* Optional: a hint from the mark loop, on the thread that will trace the
   * object, a few objects before it calls trace_object on it (its first
   * line and the word before it were prefetched a few objects earlier:
   * docs/collection.md, "The mark loop"). The heap may prefetch what
   * trace_object will read next (what the object's fields point to). Only
   * reads the object, never faults, changes nothing. */
  void (*prefetch_object)(void *heap, const void *object);
  /* Whether tracing an object reads the word before it (a header there):
   * the mark loop's object window prefetches that word's line too. */
  bool header_before_object;
  /* Optional: the heap's layout descriptors (ccgc-layout.h) for one call
   * of the marker, asked at the start of every marker call, on the owner
   * thread or a pause helper (nothing changes while helpers run);
   * NULL: every object of the heap through trace_object during that call
   * (the script heap while it records slots for compaction). */
  const ccgc_layout_source *(*layouts)(void *heap);
  /* After marking: clear weak references to dead objects (liveness:
   * ccgc_is_marked). Optional. */
  void (*process_weakness)(void *heap);
  /* Optional: after every heap's process_weakness, before the verifier and
   * pre_reclaim, every full collection: the heap may move marked objects
   * (keeping them marked), update every reference to them (its roots,
   * its objects' fields, its weak tables) and release the pages it emptied
   * (docs/compaction.md). Marks are final, marker threads parked, no
   * sweeping in progress; runs no host code, never calls the collector. */
  void (*compact)(void *heap);
  void (*pre_reclaim)(void *heap);      /* optional */
  /* Optional: runs the heap's finalizers. Every heap's finalize runs before
   * any heap's reclaim, so whatever order the heaps were attached in, host
   * code never sees memory another heap already freed
   * (.inv.finalize-before-sweep). */
  void (*finalize)(void *heap);
  void (*reclaim)(void *heap);          /* required; runs no host code */
  void (*after_collection)(void *heap); /* optional */

  /* Introspection for the verifier, stats and tools. */
  size_t (*object_size)(void *heap, const void *object);
  const char *(*type_name)(void *heap, const void *object);
  /* Optional: what names this object itself rather than its type, for heap
   * snapshots (a string's characters, a closure's function name, as V8
   * names them), NUL-terminated and valid until the heap changes, its length
   * in *length (a script string may hold NUL bytes before its end); NULL
   * when the object has none. Walk context: reads only. */
  const char *(*label)(void *heap, const void *object, size_t *length);
  /* Calls fn for every allocated (not free) object of the heap. The
   * collector finishes sweeping before it calls this op from the owner
   * thread's mutator context (walks, snapshots); called while sweeping is
   * in progress (from a callback), it skips the dead (unmarked) objects of
   * unswept pages. */
  void (*for_each_object)(void *heap, void (*fn)(void *object, void *data),
                          void *data);
  void (*stats)(void *heap, ccgc_heap_stats *out);
  /* Whether address is the start of an allocated (not free) object of this
   * heap: not inside an object, not free space, not a reclaimed object
   * (while sweeping: not a dead object of an unswept page either; answered
   * without sweeping).
   * Safe on any pointer value; for the library's boundary
   * (ccgc_collector_is_object), never called by the marker. Optional:
   * without it the collector walks for_each_object. */
  bool (*is_object)(void *heap, const void *address);
  /* Optional: whether an object of this heap (is_object true) is private -
   * one only its owner may reference, as the DOM heap's backing stores
   * (compaction moves one with its one owner slot): another heap's store
   * of it is refused (ccgc_collector_is_private). */
  bool (*is_private)(void *heap, const void *object);

  /* A heap with a young generation (docs/collection.md, "Minor
   * collections"). All three or none. minor_collect copies the survivors
   * of the young generation, updates every reference to them and adds its
   * figures to stats; the old copies stay readable until minor_release, and
   * in between relocated(heap, address) says where an object that was young
   * went (NULL: died; address itself: did not move). Marker threads are
   * parked throughout; a full marking cycle may be in progress (colors are
   * kept, the collector then fixes the marker's worklists with relocated). */
  void (*minor_collect)(void *heap, ccgc_minor_stats *stats);
  void *(*relocated)(void *heap, const void *address);
  void (*minor_release)(void *heap);
  /* Optional: after a minor collection, outside it (weak callbacks). */
  void (*after_minor)(void *heap);

  /* Lazy and concurrent sweeping (docs/sweeping.md). Optional, all three or
   * sweep_start and sweep_step alone (no sweeper-thread help); a heap
   * without them is swept in the pause by finalize + reclaim in every mode.
   *
   * In the atomic pause, instead of finalize + reclaim when the mode is
   * LAZY or CONCURRENT (pre_reclaim still runs in the pause, before it): the
   * heap seals its allocation areas, empties its free lists and marks every
   * page that holds objects "unswept". Frees nothing, runs no host code,
   * O(pages) at most. concurrent: sweeper threads will call
   * sweep_concurrent. */
  void (*sweep_start)(void *heap, bool concurrent);
  /* Owner thread, outside the pause (context RECLAIM): sweeps pages
   * (running their finalizers) until ccgc_time_ms() >= deadline_ms
   * (deadline_ms <= 0: until done). Returns true when the heap has no
   * unswept page, no page being swept by a sweeper thread and no pending
   * finalizer left (.inv.finalizers-on-owner). */
  bool (*sweep_step)(void *heap, double deadline_ms);
  /* Optional, owner thread: whether the heap's sweep is complete already
   * (its scavenges' promotion or its allocation finished it: sweep_step
   * would return true at once, doing nothing). After a scavenge that
   * leaves every heap's sweep complete the sweeper threads are not
   * started again (nothing is left for them). */
  bool (*sweep_done)(void *heap);
  /* A sweeper thread: sweeps pages whose dead objects need no host code
   * until none is left or *stop is true. Thread-safe against sweep_step and
   * against the heap's allocator, which may sweep pages itself: every page
   * is claimed by one atomic state change (unswept -> sweeping -> swept),
   * and free lists built by sweeper threads are merged on the owner thread
   * (never a lock around the allocation fast path). Never runs host code,
   * never calls the collector. */
  void (*sweep_concurrent)(void *heap, const atomic_bool *stop);
} ccgc_heap_ops;

/* Owner thread, while sweeping: whether sweeper threads are sweeping now
 * (started after the pause and not parked by a scavenge). A bounded
 * sweep_step may leave them the pages they can sweep only while this
 * holds: with none running (CCGC_SWEEP_LAZY, adaptive sizing chose none,
 * no threads to be had, a scavenge in progress) the owner sweeps alone. */
bool ccgc_collector_sweepers_running(const ccgc_collector *collector);

/* TESTING ONLY (ccgc_collector_break_sweeping, ccgc-testing.h): a heap's
 * sweep_start keeps its free lists, so its allocator takes free blocks of
 * unswept pages (.inv.swept-before-allocation broken on purpose). */
bool ccgc_collector_sweeping_broken(const ccgc_collector *collector);
/* TESTING ONLY: ccgc_collector_break_scavenge_sweeping (ccgc-testing.h). */
bool ccgc_collector_scavenge_sweeping_broken(const ccgc_collector *collector);

/* Attaches a heap to the collector; returns its heap id (stored in each of its
 * pages) or -1 with an error recorded if the collector is full (named as the
 * host's call, the heap's constructor). */
int ccgc_collector_attach_heap(ccgc_collector *collector,
                               const ccgc_heap_ops *ops, void *heap,
                               const char *call);
void ccgc_collector_detach_heap(ccgc_collector *collector, int heap_id);
/* Freeing the collector or a heap: refused (misuse CCGC_E_IN_COLLECTION,
 * .api.outside-collection, returned) while the callbacks after a collection
 * run (after_collection / after_minor ops, cycle_end and minor_end
 * listeners): the collection call has not returned. CCGC_OK otherwise. */
ccgc_status ccgc_collector_refuse_free_in_callbacks(ccgc_collector *collector,
                                                    const char *call);
/* A heap's free, before its pages go: finishes the marking cycle and the
 * sweeping in progress, with new cycles refused meanwhile (a cycle_end
 * listener or a FinalizationRegistry callback that the finish runs may not
 * start one: its roots would hold the heap's objects). */
void ccgc_collector_finish_for_heap_free(ccgc_collector *collector);

/* Page registry: every page of every heap is registered while it lives, so an
 * arbitrary pointer can be validated (.inv.registered-pages). Lookups are two
 * loads from a radix table, lock-free; registration takes a lock. */
ccgc_status ccgc_collector_register_page(ccgc_collector *collector,
                                         ccgc_page *page);
void ccgc_collector_unregister_page(ccgc_collector *collector, ccgc_page *page);
/* The live page that contains address as an object start, or NULL. Safe on
 * any pointer value. */
ccgc_page *ccgc_collector_find_page(const ccgc_collector *collector,
                                    const void *address);

/* Whether address is the start of an allocated object of the heap attached
 * as heap_id (-1: of any heap): its page in the registry, then the heap's
 * is_object op (.api.valid-object). Safe on any pointer value; on the
 * mutator, at the library's boundary (a page walk may answer it). */
bool ccgc_collector_is_object(ccgc_collector *collector, const void *address,
                              int heap_id);

/* An allocation of a heap failed at its hard limit (owner thread, in the
 * allocation; .inv.no-gc-in-allocation: only requested here): the next
 * safepoint runs a full collection to its end - with automatic incremental
 * marking too, where a request otherwise starts a cycle or, while one
 * marks, waits for its steps, which a host whose allocations fail never
 * runs (it retried for ever; found by an audit). */
void ccgc_collector_request_gc_at_limit(ccgc_collector *collector);

/* Whether address, an object of a heap of collector, is private to it
 * (the heap's is_private op; false without one): another heap refuses to
 * store it. */
bool ccgc_collector_is_private(ccgc_collector *collector, const void *address);

/* The public liveness queries (ccgc_collector_contains, <heap>_heap_contains:
 * ccgc.h): ccgc_collector_is_object(collector, address, heap_id) on the
 * owner thread outside every collection and callback. Inside one: false,
 * CCGC_E_IN_COLLECTION recorded (recoverable), call named. */
bool ccgc_collector_contains_checked(ccgc_collector *collector,
                                     const void *address, int heap_id,
                                     const char *call);

ccgc_error_sink *ccgc_collector_error_sink(ccgc_collector *collector);

/* True while the marks of the collection being reclaimed are final and host
 * callbacks run (weak callbacks, external value releases, pre-finalizers,
 * finalizers: context RECLAIM, gate.h): an unmarked object is dead, and no
 * heap may store it into a marked holder or a root (.inv.no-resurrection).
 * Meaningful on the owner thread. */
bool ccgc_collector_in_reclamation(const ccgc_collector *collector);
/* In reclamation after the pause (lazy or concurrent sweeping: finalizers
 * run in sweep steps while the host allocates between them): an object
 * allocated since the pause is white and alive; only unmarked objects the
 * sweep has not freed yet are dead. */
bool ccgc_collector_reclaiming_after_pause(const ccgc_collector *collector);

/* --- For the verifier and the inspection library ------------------------
 * They see the heaps only through their ops, as the marker does. */
/* Whether collector points to a live collector (its signature, .sig). */
bool ccgc_collector_is_live(const ccgc_collector *collector);
/* The heap attached as heap_id and its ops, or NULL for a free slot or an
 * id out of range (ccgc_collector_heap_count bounds the ids). */
void *ccgc_collector_heap(const ccgc_collector *collector, int heap_id,
                          const ccgc_heap_ops **ops);
/* Calls fn for every object of heap heap_id (for_each_object) in the walk
 * context: fn may read the heaps, never change them. */
void ccgc_collector_for_each_object(ccgc_collector *collector, int heap_id,
                                    void (*fn)(void *object, void *data),
                                    void *data);
/* Reports the roots of every attached heap to visitor, in heap order. */
void ccgc_collector_trace_all_roots(ccgc_collector *collector,
                                    ccgc_visitor *visitor);

/* Maps, initializes and registers a page for a heap: `reservation` bytes
 * (a multiple of CCGC_PAGE_SIZE for large pages), the ccgc_page prefix filled
 * in, the mark table at `marks_offset` bytes from the page start (normal
 * pages) or the prefix's large_mark byte (large pages). A fresh normal
 * page is populated at once when a collection maps it, or when `young`
 * says a pause will write it first (a nursery page: a scavenge copies into
 * it); otherwise it faults in as it is written (docs/heap-growth.md "The
 * page pool"). A page from the pool reads as zero, except a young one's
 * object area (past its mark table), which is a former page's
 * (CCGC_PAGE_STALE set then; .inv.lab-zeroed). Returns NULL if the OS
 * refuses memory or the registry cannot grow. */
ccgc_page *ccgc_page_create(ccgc_collector *collector, int heap_id,
                            void *owner, size_t reservation, bool large,
                            size_t marks_offset, bool young);
/* Unregisters the page, wipes its signature and returns it to the OS. */
void ccgc_page_destroy(ccgc_collector *collector, ccgc_page *page);
/* Clears a page's mark table for a new cycle. */
void ccgc_page_clear_marks(ccgc_page *page);
/* Whether every mark of page is white (debug checks). */
bool ccgc_page_marks_clear(const ccgc_page *page);

/* Heaps call this from their allocation slow path (not the inline fast path)
 * with the bytes handed out since the last call: while incremental marking
 * runs, enough allocation triggers a marking step. Marking steps never free
 * anything, so this is safe inside an allocation (.inv.no-gc-in-allocation). */
void ccgc_collector_notify_allocation(ccgc_collector *collector, size_t bytes);
/* The same for a young generation's allocation (nursery pages): it drives
 * steps and counts as the mutator's activity, but not against the pacing
 * budget of the cycle in progress, which is the heaps' growth while marking
 * runs (pacing.h): young objects die in scavenges or come back as
 * promotions, whose bytes a scavenge during marking adds to it. */
void ccgc_collector_notify_young_allocation(ccgc_collector *collector,
                                            size_t bytes);
/* A memory-reducing collection (CCGC_REASON_MEMORY_PRESSURE, _MEMORY_REDUCER:
 * docs/heap-growth.md "Memory reducer"): heaps give back what they can.
 * Whether the cycle in progress, or the last one until the next starts, is
 * one. */
static inline bool ccgc_reason_reduces_memory(ccgc_gc_reason reason) {
  return reason == CCGC_REASON_MEMORY_PRESSURE ||
         reason == CCGC_REASON_MEMORY_REDUCER;
}
bool ccgc_collector_reducing_memory(const ccgc_collector *collector);
/* Inside a minor collection (the droppable handler, minor_start and
 * minor_done listeners): no DOM object is collected, no mark is set. */
bool ccgc_collector_in_minor_collection(const ccgc_collector *collector);
/* The helpers a compaction's copies may use (options.compaction_threads,
 * ccgc_collector_set_compaction_threads). */
int ccgc_collector_compaction_threads(const ccgc_collector *collector);
/* A heap's compact op announces the objects it moved (objects_moved
 * listeners, ccgc-events.h), after every reference is updated and before
 * the old pages go: during the call ccgc_collector_relocated answers for
 * addresses of the heap heap_id with relocated(address, data) (the new
 * address, or NULL for an object that died there). */
void ccgc_collector_announce_moves(ccgc_collector *collector, int heap_id,
                                   void *(*relocated)(void *address, void *data),
                                   void *data);
/* A heap moved one object's start outside any collection (a left trim):
 * object_moved listeners (ccgc-events.h) hear from -> to. */
void ccgc_collector_announce_object_moved(ccgc_collector *collector,
                                          const void *from, void *to);
/* A heap's free, before its pages go: heap_freed listeners
 * (ccgc-events.h) hear its id. */
void ccgc_collector_announce_heap_freed(ccgc_collector *collector, int heap_id);


/* A safepoint for heap operations that need the heap still while concurrent
 * markers may run (releasing pages, heap teardown): pause returns once every
 * marker thread has parked; resume lets them go on. Nestable calls are not
 * supported; no-ops without marker threads. */
void ccgc_collector_pause_markers(ccgc_collector *collector);
/* True on a concurrent marker thread (where the mutator may be running and
 * the collector's own state must not be read). */
bool ccgc_on_marker_thread(void);
/* True on a helper thread of the collector's task pools (the pause's
 * parallel markers, scavenger helpers; task-pool.h): it works while the
 * owner waits for it, and, like a marker thread, never reports misuse (the
 * error record and the host's handler are the owner's). */
bool ccgc_on_helper_thread(void);
void ccgc_collector_resume_markers(ccgc_collector *collector);

#endif /* CCGC_HEAP_H */
