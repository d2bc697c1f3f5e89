/* heap-snapshot-graph.h - inside the heap-snapshot writer: the copy of the
 * object graph that one write makes (heap-snapshot-graph.c) and the JSON
 * writer reads (heap-snapshot.c). One ccgc_collector_walk fills it; then
 * wrapper pairs are found from the walk's edge kinds, root categories and
 * user roots resolved, and every object given its node.
 *
 * Nodes, in order: 0 the synthetic root, 1 "(GC roots)", 2.. the root
 * categories (groups) in the order the walk first reports them, then the
 * objects in walk order (a merged pair once, at its DOM half's place). */
#ifndef CCGC_TOOLS_HEAP_SNAPSHOT_GRAPH_H
#define CCGC_TOOLS_HEAP_SNAPSHOT_GRAPH_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "ccgc-snapshot.h"

/* Indexes into node_types and edge_types as written in the meta. */
enum snapshot_node_type {
  SNAPSHOT_NODE_HIDDEN = 0, SNAPSHOT_NODE_ARRAY = 1, SNAPSHOT_NODE_STRING = 2,
  SNAPSHOT_NODE_OBJECT = 3, SNAPSHOT_NODE_CLOSURE = 5, SNAPSHOT_NODE_NUMBER = 7,
  SNAPSHOT_NODE_NATIVE = 8, SNAPSHOT_NODE_SYNTHETIC = 9,
};
enum snapshot_edge_type {
  SNAPSHOT_EDGE_ELEMENT = 1, SNAPSHOT_EDGE_PROPERTY = 2, SNAPSHOT_EDGE_INTERNAL = 3,
  SNAPSHOT_EDGE_SHORTCUT = 5, SNAPSHOT_EDGE_WEAK = 6,
};

#define SNAPSHOT_NO_INDEX UINT32_MAX
#define SNAPSHOT_ROOT_NODE 0u
#define SNAPSHOT_GC_ROOTS_NODE 1u
#define SNAPSHOT_FIRST_GROUP_NODE 2u

typedef struct snapshot_object {
  void *address;
  size_t size;
  uint32_t id;
  uint32_t name;        /* string index */
  uint32_t node;        /* node index; a paired wrapper's is its DOM object's */
  uint32_t partner;     /* the other half of a wrapper pair, or NO_INDEX */
  uint32_t wraps;       /* the target of its wrapper edge, or NO_INDEX */
  uint8_t type;         /* enum snapshot_node_type */
  uint8_t detachedness;
  bool script;
  bool pair_edge_dropped; /* its edge to its partner was left out */
} snapshot_object;

typedef struct snapshot_edge {
  uint32_t from;  /* object index, or NO_INDEX for a root edge */
  uint32_t to;    /* object index */
  uint32_t name;  /* string index; element index; root group for a root edge */
  uint32_t key;   /* ephemeron: the key's object index, or NO_INDEX */
  uint8_t kind;   /* ccgc_edge_kind */
} snapshot_edge;

/* A root category: a subroot of "(GC roots)", or (embedder) a root node of
 * its own under the synthetic root, as V8 writes cppgc's persistents. */
typedef struct snapshot_group {
  uint32_t name; /* string index */
  uint32_t id;
  uint32_t edges;
  bool embedder;
} snapshot_group;

typedef struct snapshot_graph {
  ccgc_collector *collector;
  ccgc_heap_snapshot_ids *ids;
  const ccgc_heap_snapshot_options *options;
  GArray *objects;       /* snapshot_object */
  GArray *edges;         /* snapshot_edge */
  GArray *groups;        /* snapshot_group */
  GArray *user_roots;    /* uint32_t node indexes, no repeats */
  GHashTable *index;     /* address -> object index + 1 */
  GHashTable *strings;   /* string (owned by string_list) -> index + 1 */
  GPtrArray *string_list;
  GHashTable *group_of;  /* root name string index + 1 -> group index + 1 */
  size_t walk_edges, dropped_edges, merged_pairs;
  uint32_t subroot_groups, embedder_groups;
  uint32_t node_count;
} snapshot_graph;

/* Walks collector's heaps into graph and numbers its nodes. CCGC_OK, or the
 * walk's status, CCGC_E_SIZE_OVERFLOW (ids ran out) or
 * CCGC_E_FOREIGN_POINTER (a user root that is no object), recorded on the
 * collector with call named. The graph is to be freed either way. */
ccgc_status ccgc_snapshot_graph_build(snapshot_graph *graph, ccgc_collector *collector,
                                      ccgc_heap_snapshot_ids *ids,
                                      const ccgc_heap_snapshot_options *options,
                                      const char *call);
void ccgc_snapshot_graph_free(snapshot_graph *graph);
/* The index of text in the strings table, added if new. */
uint32_t ccgc_snapshot_graph_intern(snapshot_graph *graph, const char *text);
/* The same for text whose C0 80 pairs stand for NUL bytes (a script
 * string's label, names made of interned ones): interned as it is. */
uint32_t ccgc_snapshot_graph_intern_raw(snapshot_graph *graph, const char *text);
/* The object whose node o's edges and name stand for: its partner for a
 * paired wrapper, else o. */
const snapshot_object *ccgc_snapshot_graph_node_object(const snapshot_graph *graph,
                                                       const snapshot_object *o);

/* heap-snapshot-names.c: the node type and name of an object, as DevTools
 * names V8's and Blink's (options->name first). */
void ccgc_snapshot_graph_classify(snapshot_graph *graph, const ccgc_object_info *info,
                                  snapshot_object *o);

#endif
