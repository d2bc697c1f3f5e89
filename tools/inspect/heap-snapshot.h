/* heap-snapshot.h - both heaps as one Chrome DevTools heap snapshot
 * (.heapsnapshot, the JSON that V8 writes and DevTools and memlab read),
 * taken with ccgc_collector_walk (public API only). docs/tools.md describes
 * the format as written.
 *
 *   ccgc_heap_snapshot_ids *ids = ccgc_heap_snapshot_ids_new();
 *   ccgc_heap_snapshot_options options = {
 *       .detachedness = ccgc_heap_snapshot_host_detachedness,
 *       .detachedness_data = world};
 *   ccgc_heap_snapshot_write(collector, ids, out, &options, NULL);
 *   ccgc_collect(collector, ...);
 *   ccgc_heap_snapshot_ids_refresh(ids, collector);  (see below)
 *   ... the host runs ...
 *   ccgc_heap_snapshot_write(collector, ids, out2, &options, NULL);
 *   ccgc_heap_snapshot_ids_free(ids);
 *
 * What is written:
 *  - node 0: the synthetic root (id 1); its children, one synthetic node per
 *    kind of root ("(Global handles)", "(Handle scope)", "(DOM persistents)",
 *    ...), each with an element edge per root it holds;
 *  - every object of every heap, in walk order, as one node, except that a
 *    wrapper pair (a script wrapper W whose CCGC_EDGE_WRAPPER edge points to
 *    a DOM object D that has a CCGC_EDGE_TRACED edge back to W) is ONE
 *    `native` node, as V8 merges a C++ object with its wrapper: D's name and
 *    id, the two sizes added, the edges of both except the two between them;
 *    edges to W lead to it;
 *  - node types: DOM objects `native`; script objects `object`, `closure`
 *    (Closure), `string` (String), `number` (HeapNumber), `array` (backing
 *    stores: FixedArray, DoubleArray...), `hidden` (hidden classes, fillers);
 *  - edge types: `element` (indexed, numeric name_or_index), `property`
 *    (named fields and properties, traced references), `internal` (hidden
 *    class, backing stores, context chain, an unpaired wrapper's embedder
 *    field, ephemeron values named as V8 names WeakMap entries), `weak`;
 *  - detachedness from options->detachedness (0 unknown, 1 attached, 2
 *    detached); names are plain: readers add "Detached ".
 *
 * Ids: the root is 1; script objects and synthetic nodes get odd ids,
 * DOM (native) objects even ids (as V8 gives embedder nodes), each new id 2
 * above the last of its kind. An id is kept in the ids table, keyed by the
 * object's address, for as long as the object lives: every write (and
 * ccgc_heap_snapshot_ids_refresh) walks the heaps, forgets the addresses of
 * objects that are gone, and gives a new id to an address now holding an
 * object of another heap or type. Young script objects move (in minor
 * collections and at the end of every full collection, when the nursery is
 * evacuated): from its first write or refresh on, the table follows its
 * collector's moves (a minor_done listener, ccgc-events.h, as V8's
 * HeapObjectsMap::MoveObject), so an id follows its object across every
 * kind of collection, and the id of a young object that died is dropped at
 * once. One case remains that the table cannot see: an OLD object that dies
 * in a full collection and whose address is reused by a new object of the
 * same type before the next walk would keep the dead object's id. A host
 * that allocates between a collection and the next snapshot calls
 * ccgc_heap_snapshot_ids_refresh right after each full collection, which
 * closes that gap (`ccgc snapshot` does). A table follows one collector at a
 * time: used with another, it forgets the first one's objects.
 */
#ifndef CCGC_TOOLS_HEAP_SNAPSHOT_H
#define CCGC_TOOLS_HEAP_SNAPSHOT_H

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "ccgc.h"

typedef enum ccgc_heap_snapshot_detachedness {
  CCGC_HEAP_SNAPSHOT_UNKNOWN = 0,
  CCGC_HEAP_SNAPSHOT_ATTACHED = 1, /* a DOM node reachable from the document */
  CCGC_HEAP_SNAPSHOT_DETACHED = 2, /* a DOM node outside the document        */
} ccgc_heap_snapshot_detachedness;

/* Called during the walk once per object (for a merged pair, with the DOM
 * object); may read the object, must not allocate in or store to the heaps. */
typedef ccgc_heap_snapshot_detachedness (*ccgc_heap_snapshot_detachedness_fn)(
    const ccgc_object_info *info, void *data);

typedef struct ccgc_heap_snapshot_options {
  /* NULL: every node's detachedness is 0 (unknown). */
  ccgc_heap_snapshot_detachedness_fn detachedness;
  void *detachedness_data;
  /* Write a wrapper and its DOM object as two nodes (default: merged). */
  bool keep_wrappers_apart;
} ccgc_heap_snapshot_options;

/* For the host model (tools/host/host.h), data = the ccgc_host_world *:
 * a Document, Element or Text is attached when ccgc_host_is_attached says
 * so (its ancestors reach the document), detached otherwise; every other
 * object is unknown. */
ccgc_heap_snapshot_detachedness ccgc_heap_snapshot_host_detachedness(
    const ccgc_object_info *info, void *world);

typedef struct ccgc_heap_snapshot_stats {
  size_t walk_objects;  /* objects ccgc_collector_walk reported           */
  size_t walk_edges;    /* edges it reported, root edges included         */
  size_t merged_pairs;  /* wrapper pairs written as one node              */
  size_t root_groups;   /* synthetic root-group nodes                     */
  size_t node_count;    /* walk_objects - merged_pairs + 1 + root_groups  */
  size_t edge_count;    /* walk_edges - 2 * merged_pairs + root_groups - dropped_edges */
  size_t dropped_edges; /* edges to an address that is not an object (0)  */
  size_t string_count;
  size_t bytes;         /* bytes written                                  */
} ccgc_heap_snapshot_stats;

/* The snapshot-id table a host keeps across the snapshots of one
 * collector's heaps. */
typedef struct ccgc_heap_snapshot_ids ccgc_heap_snapshot_ids;

ccgc_heap_snapshot_ids *ccgc_heap_snapshot_ids_new(void);
/* Before or after the collector is freed, but not from inside one of its
 * callbacks (it removes the table's listener). */
void ccgc_heap_snapshot_ids_free(ccgc_heap_snapshot_ids *ids);
/* Walks the heaps: forgets the addresses of objects that are gone, numbers
 * new objects. CCGC_E_IN_COLLECTION during a collection. */
ccgc_status ccgc_heap_snapshot_ids_refresh(ccgc_heap_snapshot_ids *ids,
                                           ccgc_collector *collector);
/* The id of the object at address as of the last write or refresh (for a
 * merged pair, the DOM object's id is the node's), or 0. */
uint32_t ccgc_heap_snapshot_ids_lookup(const ccgc_heap_snapshot_ids *ids,
                                       const void *address);
/* Objects in the table. */
size_t ccgc_heap_snapshot_ids_count(const ccgc_heap_snapshot_ids *ids);

/* Writes the snapshot. options may be NULL (defaults), stats may be NULL.
 * Returns CCGC_OK; CCGC_E_INVALID_ARGUMENT for a NULL collector, ids or
 * out; CCGC_E_IN_COLLECTION during a collection; CCGC_E_IO if writing failed
 * (out's error indicator is set; nothing is closed); CCGC_E_SIZE_OVERFLOW if
 * ids ran out (2^32). */
ccgc_status ccgc_heap_snapshot_write(ccgc_collector *collector,
                                     ccgc_heap_snapshot_ids *ids, FILE *out,
                                     const ccgc_heap_snapshot_options *options,
                                     ccgc_heap_snapshot_stats *stats);

/* Appends text as a JSON string literal (quotes, escapes; invalid UTF-8
 * replaced by U+FFFD): for tools that write JSON next to a snapshot. */
void ccgc_heap_snapshot_append_json_string(GString *json, const char *text);

#endif
