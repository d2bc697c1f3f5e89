/* ccgc-snapshot.h - a Chrome DevTools heap snapshot (.heapsnapshot, the JSON
 * that V8 writes and DevTools and memlab read) of every heap of a collector,
 * as one file. Part of libccgc (the inspection library; docs/heap-snapshots.md
 * describes the format as written).
 *
 *   ccgc_heap_snapshot_ids *ids = ccgc_heap_snapshot_ids_new();
 *   const void *user_roots[] = {document};          the page's globals
 *   ccgc_heap_snapshot_options options = {
 *       .detachedness = my_detachedness, .detachedness_data = host,
 *       .user_roots = user_roots, .user_root_count = 1};
 *   ccgc_heap_snapshot_write_file(collector, ids, "a.heapsnapshot", &options, NULL);
 *   ccgc_collect(collector, ...);
 *   ccgc_heap_snapshot_ids_refresh(ids, collector);  (see "Ids")
 *   ... the host runs ...
 *   ccgc_heap_snapshot_write_file(collector, ids, "b.heapsnapshot", &options, NULL);
 *   ccgc_heap_snapshot_ids_free(ids);
 *
 * Every call is made on the collector's owner thread, between collections
 * (CCGC_E_IN_COLLECTION from inside one, with the error recorded: the heaps'
 * object lists are in flux); the callbacks run inside the walk and may read
 * the heaps but must not allocate in them or store to them.
 *
 * What is written, as V8 writes it:
 *  - node 0: the synthetic root (id 1, name ""), with an element edge to
 *    "(GC roots)" (id 3), a shortcut edge to each user root the host names
 *    (options.user_roots: DevTools measures distances from them and marks
 *    what they reach as page-owned), and an element edge to
 *    "C++ Persistent roots" (the DOM heap's persistents, as V8 lists
 *    cppgc's);
 *  - "(GC roots)": an element edge to each category of script-heap root
 *    present: "(Handle scope)" (local handles), "(Global handles)" (global
 *    handles, and the baseline bridge's cross-heap roots, which are global
 *    handles), "(Strong roots)" (the script heap's own); each category has
 *    an internal edge ("1", "2", ...) per root;
 *  - every object, in walk order; a wrapper pair (a script wrapper W whose
 *    wrapper edge leads to a DOM object D that traces W back) is ONE native
 *    node, as V8 merges a C++ object into its wrapper: D's name, id and
 *    detachedness, both sizes, both objects' edges except the two between
 *    them;
 *  - names: a DOM object by its type (the heap's built-in collections,
 *    HeapVector and the like, as Blink names its unnamed internals:
 *    "InternalNode"), a closure by its function ("(anonymous)" without
 *    one), a string by its characters, others by type; options.name may
 *    rename any node.
 *
 * Ids: the root is 1, "(GC roots)" 3; script objects and synthetic nodes
 * get odd ids, DOM (native) objects even ids (as V8 gives embedder nodes),
 * each new id 2 above the last of its kind. An id is kept in the ids table,
 * keyed by the object's address, for as long as the object lives: every
 * write (and ccgc_heap_snapshot_ids_refresh) walks the heaps, forgets the
 * addresses of objects that are gone, and gives a new id to an address now
 * holding an object of another heap or type. Script objects move (young
 * ones in minor collections, old ones in compactions, an array's start in
 * a left trim): from its first write or refresh on, the table follows its
 * collector's moves (minor_done, objects_moved and object_moved listeners,
 * ccgc-events.h, as V8's HeapObjectsMap::MoveObject), so an id follows its
 * object across every kind of collection; and it forgets every object a
 * full collection found dead when marking is done (a marking_done
 * listener), so a new object at a dead one's address gets a new id. What it
 * cannot see: a heap freed and another made on the same collector before
 * the next full collection, whose objects may take the freed heap's
 * addresses and keep their ids (free the table with the heap). A table
 * follows one collector at a time: used with another, it forgets the first
 * one's objects.
 */
#ifndef CCGC_SNAPSHOT_H
#define CCGC_SNAPSHOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "ccgc-export.h"
#include "ccgc-inspect.h"
#include "ccgc.h"

/* V8's EmbedderGraph::Node::Detachedness, the node field "detachedness". */
typedef enum ccgc_heap_snapshot_detachedness {
  CCGC_HEAP_SNAPSHOT_UNKNOWN = 0,
  CCGC_HEAP_SNAPSHOT_ATTACHED = 1, /* a DOM node in the page's tree */
  CCGC_HEAP_SNAPSHOT_DETACHED = 2, /* a DOM node outside it          */
} ccgc_heap_snapshot_detachedness;

/* Called once per object during the walk (a merged pair's node takes its
 * DOM object's answer); a value other than the three above is written as
 * UNKNOWN.
 * DevTools and memlab then give the state to the native objects below a
 * node ("Detached HTMLDivElement"): a host answers for its DOM nodes and
 * returns UNKNOWN for the rest. */
typedef ccgc_heap_snapshot_detachedness (*ccgc_heap_snapshot_detachedness_fn)(
    const ccgc_object_info *info, void *data);

/* Called once per object during the walk (a merged pair's node takes its
 * DOM object's name): writes a NUL-terminated name of at most size bytes
 * into name and returns true (the writer cuts it at 1024 bytes, V8's
 * limit, on a character boundary), or returns false for the default name.
 * Readers add "Detached " themselves. */
typedef bool (*ccgc_heap_snapshot_name_fn)(const ccgc_object_info *info,
                                           char *name, size_t size,
                                           void *data);

typedef struct ccgc_heap_snapshot_options {
  /* NULL: every node's detachedness is 0 (unknown). */
  ccgc_heap_snapshot_detachedness_fn detachedness;
  void *detachedness_data;
  /* NULL: the default names (above). */
  ccgc_heap_snapshot_name_fn name;
  void *name_data;
  /* The page's user roots (a window-like global object, the document):
   * start addresses of live objects of the collector's heaps, each given a
   * shortcut edge from the root (a second address of the same node, such
   * as both halves of a wrapper pair, adds none). NULL with count 0: none.
   * An address that is not the start of a live object:
   * CCGC_E_FOREIGN_POINTER, nothing written. */
  const void *const *user_roots;
  size_t user_root_count;
  /* Write a wrapper and its DOM object as two nodes (default: merged). */
  bool keep_wrappers_apart;
} ccgc_heap_snapshot_options;

typedef struct ccgc_heap_snapshot_stats {
  size_t walk_objects;  /* objects ccgc_collector_walk reported            */
  size_t walk_edges;    /* edges it reported, root edges included          */
  size_t merged_pairs;  /* wrapper pairs written as one node               */
  size_t root_groups;   /* root categories: under "(GC roots)", and
                           "C++ Persistent roots"                          */
  size_t user_roots;    /* shortcut edges from the root                    */
  size_t node_count;    /* walk_objects - merged_pairs + 2 + root_groups   */
  size_t edge_count;    /* walk_edges - 2 * merged_pairs + 1 + root_groups
                           + user_roots - dropped_edges                    */
  size_t dropped_edges; /* edges to an address that is not an object (0)   */
  size_t string_count;
  size_t bytes;         /* bytes written                                   */
} ccgc_heap_snapshot_stats;

/* The snapshot-id table a host keeps across the snapshots of one
 * collector's heaps ("Ids" above). */
typedef struct ccgc_heap_snapshot_ids ccgc_heap_snapshot_ids;

CCGC_API
ccgc_heap_snapshot_ids *ccgc_heap_snapshot_ids_new(void);
/* Before or after the collector is freed, but not from inside one of its
 * callbacks (it removes the table's listener). NULL is ignored. */
CCGC_API
void ccgc_heap_snapshot_ids_free(ccgc_heap_snapshot_ids *ids);
/* Walks the heaps: forgets the addresses of objects that are gone, numbers
 * new objects. CCGC_E_INVALID_ARGUMENT for a NULL or freed collector or a
 * NULL ids, CCGC_E_IN_COLLECTION during a collection, CCGC_E_SIZE_OVERFLOW
 * once ids ran out (2^32). */
CCGC_API
ccgc_status ccgc_heap_snapshot_ids_refresh(ccgc_heap_snapshot_ids *ids,
                                           ccgc_collector *collector);
/* The id of the node of the object at address as of the last write or
 * refresh (for a merged pair, the DOM object's id is the node's), or 0. */
CCGC_API
uint32_t ccgc_heap_snapshot_ids_lookup(const ccgc_heap_snapshot_ids *ids,
                                       const void *address);
/* Objects in the table. */
CCGC_API
size_t ccgc_heap_snapshot_ids_count(const ccgc_heap_snapshot_ids *ids);

/* Writes the snapshot to out. options and stats may be NULL (defaults; no
 * figures). CCGC_OK; CCGC_E_INVALID_ARGUMENT for a NULL or freed collector,
 * a NULL ids or out, or user roots counted but NULL; CCGC_E_FOREIGN_POINTER
 * for a user root that is no object (nothing written); CCGC_E_IN_COLLECTION
 * during a collection; CCGC_E_IO if writing failed (out's error indicator
 * is set; nothing is closed; what reached out is a cut-off JSON text that no
 * reader takes for a snapshot); CCGC_E_SIZE_OVERFLOW if ids ran out (2^32).
 * Errors on a live collector are also recorded (ccgc_collector_last_error)
 * with the call named. */
CCGC_API
ccgc_status ccgc_heap_snapshot_write(ccgc_collector *collector,
                                     ccgc_heap_snapshot_ids *ids, FILE *out,
                                     const ccgc_heap_snapshot_options *options,
                                     ccgc_heap_snapshot_stats *stats);

/* The same into the file at path, complete or not at all: the snapshot goes
 * to a temporary file beside it (".NAME.XXXXXX"), which is flushed, synced
 * and renamed over path only when every write succeeded; otherwise it is
 * removed and path keeps what it held (or stays absent). A path that
 * exists and is not a regular file (/dev/null, a FIFO) is written in place.
 * CCGC_E_IO (recorded with the system's reason) when the temporary cannot
 * be made, a write fails (a full disk) or the rename fails;
 * CCGC_E_INVALID_ARGUMENT for a NULL or empty path; otherwise as
 * ccgc_heap_snapshot_write. */
CCGC_API
ccgc_status ccgc_heap_snapshot_write_file(
    ccgc_collector *collector, ccgc_heap_snapshot_ids *ids, const char *path,
    const ccgc_heap_snapshot_options *options, ccgc_heap_snapshot_stats *stats);

#endif /* CCGC_SNAPSHOT_H */
