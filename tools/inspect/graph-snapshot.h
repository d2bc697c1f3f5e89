/* graph-snapshot.h - a copy of the cross-heap object graph, taken with
 * ccgc_collector_walk (public API), for pictures and before/after diffs.
 *
 *   graph_snapshot *before = graph_snapshot_take(c, NULL, NULL);
 *   ccgc_collect(c, ...);
 *   graph_snapshot *after = graph_snapshot_take(c, NULL, NULL);
 *   graph_snapshot_mark_reclaimed(before, after, 1);
 */
#ifndef CCGC_TOOLS_GRAPH_SNAPSHOT_H
#define CCGC_TOOLS_GRAPH_SNAPSHOT_H

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>

#include "ccgc.h"

/* The host's short description of an object ("#menu", "\"Send\""), or NULL;
 * called during the walk, so it may read the object but must not allocate in
 * or store to the heaps. The snapshot frees the string with g_free. */
typedef char *(*graph_describe_fn)(const ccgc_object_info *info, void *data);

typedef struct snap_object {
  void *address;
  int heap_id;
  char *heap_name;
  char *type_name;
  size_t size;
  int color;                /* ccgc_color at the time of the walk */
  unsigned reclaimed_in;    /* the collection that reclaimed it, or 0 */
  char *note;               /* the host's words for it ("#menu"), or NULL */
  /* Where it is now, if the snapshot follows moves (graph_snapshot_follow;
   * else address), and whether it died in a minor collection since. */
  void *current;
  bool died;
} snap_object;

typedef struct snap_edge {
  void *from, *to; /* from NULL: a root edge */
  ccgc_edge_kind kind;
  char *name;
  size_t index;
} snap_edge;

typedef struct graph_snapshot {
  graph_describe_fn describe;
  void *describe_data;
  GArray *objects;   /* snap_object, in walk order */
  GArray *edges;     /* snap_edge, in walk order */
  GHashTable *index; /* address -> 1 + index in objects */
  ccgc_collector *following; /* graph_snapshot_follow's collector, or NULL */
} graph_snapshot;

/* describe may be NULL. */
graph_snapshot *graph_snapshot_take(ccgc_collector *collector,
                                    graph_describe_fn describe, void *data);
void graph_snapshot_free(graph_snapshot *snapshot);
size_t graph_snapshot_object_count(const graph_snapshot *snapshot);
/* Objects of one heap in the snapshot. */
size_t graph_snapshot_heap_objects(const graph_snapshot *snapshot, int heap_id);
/* The object at address, or NULL; *index gets its position in objects. */
const snap_object *graph_snapshot_find(const graph_snapshot *snapshot,
                                       const void *address, size_t *index);
/* Young script objects move in minor collections, old ones when a full one
 * compacts, an array's start when the host left-trims it: a snapshot kept
 * across them follows from this call on (a minor_done, objects_moved and
 * object_moved listener, removed by graph_snapshot_free or gone with the
 * collector), updating each object's `current` and (minor collections)
 * `died`. Its addresses,
 * index and edges stay those of the walk. Not inside a collection. */
ccgc_status graph_snapshot_follow(graph_snapshot *snapshot, ccgc_collector *collector);
/* Marks every object of `before` that is not in `after` (and not marked yet)
 * as reclaimed by collection number `collection` (1, 2, ...): one that died
 * in a minor collection, or whose current address (address, unless `before`
 * follows moves) holds no object in `after`. Without graph_snapshot_follow,
 * an object that moved counts as reclaimed. Returns how many it marked. */
size_t graph_snapshot_mark_reclaimed(graph_snapshot *before,
                                     const graph_snapshot *after,
                                     unsigned collection);

/* Resolves a user's name for an object: "@N" (the index shown in the
 * pictures' labels, graph-dump.h) or "#ID" (an object whose host note is
 * "#ID": an element's id attribute). Returns the object or NULL. */
const snap_object *graph_dump_find_named(const graph_snapshot *snapshot,
                                         const char *name, size_t *index);
/* Whether name is one: "#" and an id, or "@" and decimal digits only. */
bool graph_dump_name_is_well_formed(const char *name);

#endif
