/* graph-dump.h - a picture of the cross-heap graph (graph-snapshot.h) drawn
 * with Graphviz: one cluster per heap (cluster_script, cluster_dom), a roots
 * node per heap, wrapper pairs bonded, mark colors, weak and ephemeron edges
 * styled apart, reclaimed objects marked; filters for real heaps (focus with a
 * depth, retaining paths, detached subtrees; graph-filter.c) and a node
 * budget with summary nodes. docs/tools.md explains how to read it.
 *
 *   graph_dump_options options = {.title = "before the first collection"};
 *   graph_dump_write(before, &options, "heap.dot", "heap.svg", err, sizeof err);
 */
#ifndef CCGC_TOOLS_GRAPH_DUMP_H
#define CCGC_TOOLS_GRAPH_DUMP_H

#include <stdbool.h>
#include <stddef.h>

#include "graph-snapshot.h"

/* Which objects to draw; the rest are left out with their edges. */
typedef enum graph_dump_filter {
  GRAPH_DUMP_ALL,      /* every object */
  GRAPH_DUMP_FOCUS,    /* targets[0] and what lies within `depth` hops of it,
                          either direction */
  GRAPH_DUMP_PATHS,    /* the shortest retaining path of each target */
  GRAPH_DUMP_DETACHED, /* detached DOM nodes (the `detachedness` callback)
                          and what they reach within `depth` hops, stopping
                          at attached nodes */
} graph_dump_filter;

/* What the filters and the budget left (graph_dump_options.result). */
typedef struct graph_dump_result {
  size_t selected;      /* objects the filter kept (drawn or folded) */
  size_t drawn;         /* object nodes in the picture */
  size_t collapsed;     /* objects folded into summary nodes */
  size_t summary_nodes; /* "+N more TYPE" nodes */
} graph_dump_result;

typedef struct graph_dump_options {
  /* Draw hidden classes, strings, heap numbers and backing stores too. By
   * default hidden classes, strings and numbers are left out with their
   * edges, and backing stores (FixedArray, HeapVector...) are folded into
   * the edges that lead through them. */
  bool show_internals;
  /* Fill nodes by mark color, when the snapshot has a non-white object
   * (taken during a cycle or right after one). */
  bool show_colors;
  const char *title;
  graph_dump_filter filter;
  const void *const *targets; /* addresses: FOCUS uses targets[0] */
  size_t target_count;
  /* Hops for FOCUS (default 2 when 0) and DETACHED (default 1 when 0);
   * negative: no limit. Folded backing stores cost no hop. */
  int depth;
  /* 0 not a DOM node, 1 attached, 2 detached: needed by DETACHED. */
  int (*detachedness)(const snap_object *object, void *data);
  void *detachedness_data;
  /* At most this many object nodes (0: no budget). The rest, chosen last
   * in the filter's order (nearest first for FOCUS and DETACHED, root first
   * along each path for PATHS; for ALL the roots' objects, what was
   * reclaimed, wrapper pairs and the other cross-heap references first, then
   * what they reach, nearest first: graph-filter.h), become one summary
   * node per heap, type and reclaiming collection ("+123 more
   * HTMLDivElement"), with an edge from every drawn node that references
   * one of them. A picture so cut leaves out sibling references
   * (nextSibling, previousSibling), whose chains of ranks made Graphviz's
   * layout take minutes. */
  size_t max_nodes;
  const char *png_path; /* also render PNG in process (libgvc), or NULL */
  graph_dump_result *result; /* filled when not NULL */
} graph_dump_options;

/* Writes DOT to dot_path and, when svg_path (options->png_path) is not NULL,
 * renders SVG (PNG) in process with libgvc. Returns 0, or -1 with a message
 * in error: a file that cannot be written, a target that is not in the
 * snapshot or unreachable, a filter that keeps nothing. Node names are
 * "n<index in snapshot->objects>", and labels say "@<index>": how a user
 * names an object (docs/tools.md). */
int graph_dump_write(const graph_snapshot *snapshot,
                     const graph_dump_options *options, const char *dot_path,
                     const char *svg_path, char *error, size_t error_size);

#endif
