/* ccgc-inspect.h - the inspection library's view of the object graph: every
 * object and every edge of every heap, and what is known of one object. For
 * tools (Graphviz dumps, heap snapshots, statistics) and tests. Leak probes,
 * retaining paths and retained sizes are in ccgc-probe.h; memory accounting
 * by category in ccgc-accounting.h.
 *
 *   ccgc_walk_callbacks cb = {.object = on_object, .edge = on_edge, .data = d};
 *   ccgc_collector_walk(c, &cb);            between collections only
 *
 * Threading contract (ccgc.h): the collector's owner thread only; from any
 * other thread a call reports CCGC_E_WRONG_THREAD (.api.mutator-thread) and
 * returns it without reading the heaps. The walk is refused inside a
 * collection and from a finalizer, whether a pause, lazy or concurrent
 * sweeping or a heap's teardown runs it (CCGC_E_IN_COLLECTION,
 * recoverable); ccgc_collector_object_info
 * is a read, allowed in any context of the owner thread. The walk's
 * callbacks run on the owner thread in a read-only context (allocation and
 * stores refused, .api.no-heap-calls-in-callbacks).
 */
#ifndef CCGC_INSPECT_H
#define CCGC_INSPECT_H

#include <stddef.h>

#include "ccgc-export.h"
#include "ccgc.h"

/* The marker's colors as ccgc_object_info.color gives them. */
enum {
  CCGC_OBJECT_WHITE = 0, /* not marked (yet): dead if the cycle ends so */
  CCGC_OBJECT_GREY = 1,  /* marked, its references not traced yet */
  CCGC_OBJECT_BLACK = 2, /* marked and traced */
};

/* Public, heap-agnostic view of every heap. Must not be called during a
 * collection; the callbacks must not allocate or store. */
typedef struct ccgc_object_info {
  void *address;
  int heap_id;
  const char *heap_name; /* "script" / "dom" */
  const char *type_name;
  const char *space_name; /* the kind of page it is on: "normal" (size-classed
                           * or bump pages, the old generation), "large" (a
                           * page of its own), "young" (the script heap's
                           * nursery: it moves in the next minor collection,
                           * or becomes old where it is in a full one) or
                           * "young large" (promoted in place) */
  size_t size;
  int color;             /* CCGC_OBJECT_WHITE, _GREY or _BLACK: meaningful
                          * mid-cycle or after one */
} ccgc_object_info;

typedef struct ccgc_walk_callbacks {
  /* Every allocated object of every heap, first, in heap order. */
  void (*object)(const ccgc_object_info *info, void *data);
  /* Then every edge: from NULL for a root (edge.kind CCGC_EDGE_ROOT),
   * otherwise from an allocated object. */
  void (*edge)(void *from, void *to, ccgc_edge edge, void *data);
  void *data;
} ccgc_walk_callbacks;

CCGC_API
ccgc_status ccgc_collector_walk(ccgc_collector *collector,
                                const ccgc_walk_callbacks *callbacks);
/* Information on one object, or CCGC_E_FOREIGN_POINTER (recorded, info
 * untouched) unless address is the start of a live object of a heap of
 * collector: an interior pointer, free space or a reclaimed object is
 * refused, never decoded (.api.valid-object). */
CCGC_API
ccgc_status ccgc_collector_object_info(ccgc_collector *collector,
                                       const void *address,
                                       ccgc_object_info *info);

#endif /* CCGC_INSPECT_H */
