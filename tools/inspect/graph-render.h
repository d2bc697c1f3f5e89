/* graph-render.h - the pictures of a DOT graph, and the checked closing of
 * an output file, for graph_dump_write (graph-dump.h). */
#ifndef CCGC_TOOLS_GRAPH_RENDER_H
#define CCGC_TOOLS_GRAPH_RENDER_H

#include <graphviz/gvc.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* Closes out (NULL: not opened) after writes that went `ok`; 0, or -1 with
 * "cannot write 'PATH': REASON" in error. */
int graph_render_close_output(FILE *out, bool ok, const char *path, char *error, size_t size);

/* Lays out the graph as written (the DOT text, parsed again, as `dot` would
 * read the file: never the destination itself, which may be a FIFO or a
 * terminal); renders SVG and/or PNG (NULL: not wanted) from that one layout
 * into memory (gvRenderFilename exits on write errors) and writes them. 0,
 * or -1 with why in error (dot_path names the graph there). gvc was made
 * before the graph (graph_dump_write says why). */
int graph_render_pictures(GVC_t *gvc, const char *dot_text, const char *dot_path,
                          const char *svg_path, const char *png_path, char *error,
                          size_t error_size);

#endif
