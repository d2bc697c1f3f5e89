/* graph-dump.h - a picture of the cross-heap graph (graph-snapshot.h) drawn
 * with Graphviz: one cluster per heap (cluster_script, cluster_dom), a roots
 * node per heap, wrapper pairs bonded, mark colors, weak and ephemeron edges
 * styled apart, reclaimed objects marked. docs/tools.md explains how to read
 * it.
 *
 *   graph_dump_options options = {.title = "before the first collection"};
 *   graph_dump_write(before, &options, "heap.dot", "heap.svg", err, sizeof err);
 */
#ifndef CCGC_TOOLS_GRAPH_DUMP_H
#define CCGC_TOOLS_GRAPH_DUMP_H

#include <stdbool.h>
#include <stddef.h>

#include "graph-snapshot.h"

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
} graph_dump_options;

/* Writes DOT to dot_path and, when svg_path is not NULL, renders SVG in
 * process with libgvc. Returns 0, or -1 with a message in error. */
int graph_dump_write(const graph_snapshot *snapshot,
                     const graph_dump_options *options, const char *dot_path,
                     const char *svg_path, char *error, size_t error_size);

#endif
