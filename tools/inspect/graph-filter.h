/* graph-filter.h - which objects a filtered Graphviz dump draws
 * (graph-dump.h: focus with a depth, retaining paths, detached subtrees). */
#ifndef CCGC_TOOLS_GRAPH_FILTER_H
#define CCGC_TOOLS_GRAPH_FILTER_H

#include <stdbool.h>

#include "graph-dump.h"

/* The indices (guint, into snapshot->objects) the filter keeps, in the
 * order a node budget should keep them (nearest first). Without a filter
 * but with a budget (options->max_nodes): every object, what the picture is
 * about first (the roots' objects, what was reclaimed, wrapper pairs and
 * the other references between the heaps), then what they reach, nearest
 * first, then the rest in walk order. folded[i] says that
 * object i is a backing store the picture folds into edges: it costs no
 * hop. NULL, with a message in error, when a target is missing or nothing
 * matches. */
GArray *graph_filter_select(const graph_snapshot *snapshot,
                            const graph_dump_options *options,
                            const bool *folded, char *error, size_t error_size);

#endif
