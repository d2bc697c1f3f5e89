/* object-graph.h - an independent traversal of every heap, with its own
 * visited set and stack (never the mark tables), for the verifiers
 * (verifier.c), and the set of every object the inspection library
 * (tools/inspect/: retaining paths, retained size) builds on. It sees the
 * heaps only through their ops. */
#ifndef CCGC_OBJECT_GRAPH_H
#define CCGC_OBJECT_GRAPH_H

#include <glib.h>

#include "ccgc-heap.h"
#include "object-index.h"
#include "pointer-set.h"

/* The set of every allocated object of every heap: address -> heap id + 1.
 * Free with ccgc_pointer_map_destroy. */
void ccgc_object_set_init(ccgc_pointer_map *set, ccgc_collector *collector);

typedef struct ccgc_traversal ccgc_traversal;
/* Called for every edge the traversal follows (root edges: from == NULL).
 * Return false to not follow the edge's target. */
typedef bool (*ccgc_traversal_edge_fn)(ccgc_traversal *traversal, void *from,
                                       void *to, ccgc_edge edge);

/* An object reached, not traced yet. */
typedef struct ccgc_traversal_entry {
  void *object;
  int heap_id;
} ccgc_traversal_entry;

struct ccgc_traversal {
  ccgc_visitor base;
  ccgc_collector *collector;
  /* ccgc_object_index_init; the traversal sets its reached bits, which
   * every followed edge finds anyway: one lookup per edge, none per push or
   * pop. */
  ccgc_object_index *objects;
  size_t reached;    /* how many objects are */
  GArray *stack;     /* ccgc_traversal_entry: reached, not traced yet */
  /* While on_edge runs (any edge): the target's heap id, -1 if it is not
   * an allocated object (on_edge reports it). */
  int target_heap;
  /* Ephemerons whose key is not visited yet wait in `waiting`, chained per
   * key (key -> 1 + index of its first entry in pending_ephemerons); visiting
   * the key moves them to `released`, which drain() follows before popping
   * the stack. Linear on chains, and no recursion on the C stack. */
  GArray *pending_ephemerons; /* (from, key, value, edge, next) */
  ccgc_pointer_map waiting;
  GArray *released;           /* indices into pending_ephemerons */
  void *current;              /* object being traced, NULL for roots */
  ccgc_traversal_edge_fn on_edge;
  void *data;
};

void ccgc_traversal_init(ccgc_traversal *traversal, ccgc_collector *collector,
                         ccgc_object_index *objects,
                         ccgc_traversal_edge_fn on_edge,
                         void *data);
/* Visits everything reachable from the roots, ephemerons included (a value is
 * reached once its key is). */
void ccgc_traversal_run(ccgc_traversal *traversal);
void ccgc_traversal_destroy(ccgc_traversal *traversal);
/* Traces one object of the object set with an arbitrary visitor. */
void ccgc_trace_one(ccgc_collector *collector, const ccgc_pointer_map *objects,
                    void *object, ccgc_visitor *visitor);

#endif /* CCGC_OBJECT_GRAPH_H */
