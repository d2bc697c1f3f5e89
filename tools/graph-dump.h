/* graph-dump.h - a picture of the cross-heap graph: a snapshot of both heaps
 * (ccgc_collector_walk) drawn with Graphviz, one cluster per heap, wrapper
 * pairs bonded, roots, mark colors, weak and ephemeron edges styled apart. */
#ifndef CCGC_TOOLS_GRAPH_DUMP_H
#define CCGC_TOOLS_GRAPH_DUMP_H

#include <stdbool.h>
#include <stddef.h>

#include "ccgc.h"

typedef struct graph_snapshot graph_snapshot;

graph_snapshot *graph_snapshot_take(ccgc_collector *collector);
void graph_snapshot_free(graph_snapshot *snapshot);
size_t graph_snapshot_object_count(const graph_snapshot *snapshot);
/* Marks every object of `before` that is not in `after` as reclaimed. */
size_t graph_snapshot_mark_reclaimed(graph_snapshot *before,
                                     const graph_snapshot *after);

typedef struct graph_dump_options {
  bool show_internals; /* hidden classes, strings, backing stores... */
  bool show_colors;    /* fill nodes by mark color */
  const char *title;
} graph_dump_options;

/* Writes DOT to dot_path and, when svg_path is not NULL, renders SVG in
 * process with libgvc. Returns 0, or -1 with a message in error. */
int graph_dump_write(const graph_snapshot *snapshot,
                     const graph_dump_options *options, const char *dot_path,
                     const char *svg_path, char *error, size_t error_size);

#endif
