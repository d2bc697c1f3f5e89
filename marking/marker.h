/* marker.h - the unified tri-color marker's state, which lives in the
 * collector across the steps of an incremental cycle.
 *
 * Legal call order (one cycle):
 *   ccgc_marker_begin             worklists ready, nothing marked
 *   ccgc_marker_trace_roots       (again in the atomic pause: roots are not
 *                                  barriered)
 *   ccgc_marker_drain ...         any number of budgeted steps
 *   ccgc_marker_fixed_point       drain everything, ephemeron fixed point
 *   ccgc_marker_clear_weak_slots  (weak callbacks first)
 *   ccgc_marker_end
 */
#ifndef CCGC_MARKER_H
#define CCGC_MARKER_H

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ccgc.h"
#include "ccgc-layout.h"
#include "ccgc-visitor.h"
#include "ephemeron-table.h"
#include "worklist.h"

struct ccgc_collector;

/* One registration: fn(object), or with_data(object, data). */
typedef struct ccgc_weak_callback_entry {
  ccgc_weak_callback_fn fn;
  void *object;
  ccgc_weak_callback_data_fn with_data;
  void *data;
} ccgc_weak_callback_entry;

/* Runs one registration (ccgc_marker_clear_weak_slots). */
static inline void ccgc_weak_callback_run(const ccgc_weak_callback_entry *e) {
  if (e->with_data)
    e->with_data(e->object, e->data);
  else
    e->fn(e->object);
}

/* Ephemerons discovered while tracing wait here in small batches: the mark
 * bytes of their keys are prefetched on discovery and read when the batch is
 * full or the traced object is done, so a table of millions of entries does
 * not stall on one cache miss per key. */
#define CCGC_EPHEMERON_BATCH 16

typedef struct ccgc_discovered_ephemeron {
  void *key;
  void *value;
  ccgc_edge edge;
} ccgc_discovered_ephemeron;

/* The mark loop's two latency-hiding windows (docs/collection.md, "The mark
 * loop"): a reported edge waits in the edge window while the mark byte of its
 * target is prefetched, and is settled (white -> grey, pushed) when it falls
 * out; a popped grey object waits in the object window while its first
 * line is prefetched, and is visited when it falls out. Both are powers of
 * two and are empty whenever a ccgc_marker_* call returns
 * (.inv.marker-windows-empty). */
#define CCGC_EDGE_WINDOW 16u
#define CCGC_OBJECT_WINDOW 16u

/* An entry of either window: the address, and where its mark is, found
 * once from the page cache when it entered the window (the prefetch needed
 * it) and used again when it leaves (the color transition, the heap's
 * worklist or ops). Valid for the marker call only, as the page cache is:
 * the windows are empty when a call returns (.inv.marker-windows-empty). */
typedef struct ccgc_window_entry {
  void *address;
  /* Packed into one word, so that an entry moves as two: the address of
   * the byte that holds its two bits << 8 (a page's address has at most
   * 48 bits: the page registry refuses others; a 64-bit word, asserted),
   * the bits' shift in it (0, 2, 4 or 6) << 4, and its heap's id
   * (< CCGC_MAX_HEAPS <= 16). */
  uintptr_t mark;
} ccgc_window_entry;

/* The marker's page cache: what the mark loop needs of a page header (its
 * mark table, granule shift and heap), in a direct-mapped table indexed by
 * page number. Page headers all sit at CCGC_PAGE_SIZE-aligned addresses, so
 * they fall into the same few sets of every cache level and a different
 * TLB page each: read per edge they miss; the table's entries are
 * contiguous and stay cached. An entry is valid for one marker call: its
 * key is the page address with the call's epoch in the (zero) low bits, so
 * a page released and another mapped at its address between calls is read
 * afresh (.inv.marker-page-cache-current). */
#define CCGC_MARKER_PAGE_CACHE 16384u

/* 16 bytes: 16384 entries (256 KiB) cover 4 GiB of pages; 4096 of 24 bytes
 * collided at 1 GiB (`ccgc bench mark`: 5 % of the run refilling entries). */
typedef struct ccgc_marker_page {
  uintptr_t key;         /* page address | epoch; 0: empty           */
  uint32_t marks_offset; /* the page's mark table, from the page      */
  uint8_t mark_shift;
  uint8_t heap_id;
} ccgc_marker_page;

typedef struct ccgc_marker {
  ccgc_visitor base; /* first: the visitor is the marker */
  struct ccgc_collector *collector;
  bool active;
  /* True while no other thread can change a mark byte (no marker thread is
   * running): the marker's color transitions are then a plain load and
   * store instead of a compare-and-swap. Set on entry to every ccgc_marker_*
   * call that marks. */
  bool exclusive;
  /* True while parallel pause helpers mark beside this marker
   * (parallel-marking.c): exclusive is then false. */
  bool shared;
  /* TESTING ONLY: a step that stops early drops its grey objects instead of
   * publishing them (ccgc_collector_break_parallel_termination). */
  bool testing_drop_work;
  /* The edge window, a ring that is always full: a slot with no edge holds
   * the idle entry (address NULL, a mark that reads black), which settles
   * as nothing, so an edge's way through needs no count and no branch. */
  ccgc_window_entry edges[CCGC_EDGE_WINDOW];
  unsigned edge_next;            /* where the next edge goes       */
  ccgc_window_entry objects[CCGC_OBJECT_WINDOW]; /* the object window */
  unsigned object_next;
  unsigned object_count;
  uintptr_t epoch; /* 1 .. CCGC_PAGE_SIZE - 1: this call's page cache epoch */
  ccgc_marker_page *pages; /* CCGC_MARKER_PAGE_CACHE, from the marker's begin */
  /* Per heap, for the current call: its layout descriptors, or NULL
   * (every object through its trace_object). */
  const ccgc_layout_source *layouts[CCGC_MAX_HEAPS];
  bool break_layouts; /* TESTING ONLY: ccgc_collector_break_layouts */
  /* Per heap: ccgc_heap_ops.header_before_object (the object window
   * prefetches the word before an object only then). */
  bool header_before[CCGC_MAX_HEAPS];
  /* Per heap, for the current call: ccgc_heap_ops.prefetch_object (NULL:
   * none, or no heap) and its heap, read from here by the object window
   * instead of through the heap's slot and ops. */
  void (*prefetch_object[CCGC_MAX_HEAPS])(void *heap, const void *object);
  void *prefetch_heap[CCGC_MAX_HEAPS];
  ccgc_worklist_local locals[CCGC_MAX_HEAPS];
  GArray *weak_slots;            /* void **, recorded while tracing   */
  GArray *weak_callbacks;        /* ccgc_weak_callback_entry          */
  ccgc_ephemeron_table ephemerons; /* pairs whose key is not marked */
  ccgc_discovered_ephemeron discovered[CCGC_EPHEMERON_BATCH];
  int discovered_count;
  size_t marked[CCGC_MAX_HEAPS];
  /* This cycle's walks of the heaps for grey objects a full worklist
   * dropped (marker-overflow.c). */
  int overflow_walks;
} ccgc_marker;

void ccgc_marker_begin(ccgc_marker *marker, struct ccgc_collector *collector);
void ccgc_marker_trace_roots(ccgc_marker *marker);
/* The atomic pause's rescan: each heap's trace_unbarriered_roots (its
 * trace_roots when it has none), .inv.roots-barriered. */
void ccgc_marker_rescan_roots(ccgc_marker *marker);
/* Visits grey objects until none is left, or the monotonic clock passes
 * deadline_ms (checked every few hundred objects; <= 0: no deadline), or
 * max_objects were visited (0: no limit). Returns the number visited. */
size_t ccgc_marker_drain(ccgc_marker *marker, double deadline_ms,
                         size_t max_objects);
/* True when no grey object waits anywhere (marker, pools, mutator). */
bool ccgc_marker_has_no_work(ccgc_marker *marker);
/* Drains completely and runs the ephemeron fixed point. */
void ccgc_marker_fixed_point(ccgc_marker *marker);
/* Runs the registered weak callbacks (custom weakness), then clears every
 * recorded weak slot whose target is white. Returns the slots cleared. */
size_t ccgc_marker_clear_weak_slots(ccgc_marker *marker);
void ccgc_marker_end(ccgc_marker *marker);
/* Settles the edges waiting in the edge window (white targets turn grey and
 * are pushed), then the ephemerons discovered but not looked at yet (a
 * marked key's value is marked, the others wait in the table). Every path
 * that traces into the marker ends with it. */
void ccgc_marker_flush_ephemerons(ccgc_marker *marker);
/* The atomic pause's helper threads mark with markers of their own
 * (parallel-marking.c): begin_helper makes one that shares the collector's
 * worklists and marks with compare-and-swaps; merge_helper moves what it
 * found besides grey objects (weak slots, weak callbacks, ephemerons whose
 * key was white, mark counts) into the owner's marker, on the owner thread
 * with the helper stopped; end_helper frees it. */
void ccgc_marker_begin_helper(ccgc_marker *marker,
                              struct ccgc_collector *collector);
void ccgc_marker_merge_helper(ccgc_marker *helper, ccgc_marker *owner);
/* Owner thread, the finder stopped: what another thread's marking found
 * besides grey objects joins marker. weak_slots and weak_callbacks are
 * appended and emptied, each ephemeron pair goes through the marker's
 * ephemeron visitor (a key marked by now pushes its value), marked is added
 * and zeroed. Serves merge_helper and the concurrent marker threads'
 * ccgc_helper_visitor_merge. */
void ccgc_marker_adopt(ccgc_marker *marker, GArray *weak_slots,
                       GArray *weak_callbacks,
                       const ccgc_ephemeron_pair *pairs, size_t pair_count,
                       size_t marked[CCGC_MAX_HEAPS]);
void ccgc_marker_end_helper(ccgc_marker *marker);
/* Makes the marker's local work stealable by marker threads. */
void ccgc_marker_publish(ccgc_marker *marker);
/* When a marking worklist dropped entries for want of memory: walks every
 * heap and pushes its grey objects onto the marker's views; true if it
 * pushed any. The owner's marker only, from its drain, on the thread that
 * owns the heaps (marker-overflow.c, .inv.grey-on-worklist). */
bool ccgc_marker_recover_overflow(ccgc_marker *marker);
/* Whether entries were dropped since the last walk. */
bool ccgc_marker_overflowed(const ccgc_marker *marker);
/* Visits one object on the calling (mutator) thread: used by the protocol
 * that precedes an unsafe shape change. */
void ccgc_marker_visit_now(ccgc_marker *marker, void *object);

#endif /* CCGC_MARKER_H */
