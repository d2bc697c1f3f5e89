/* graph-render.c - the pictures of a DOT graph (graph-render.h). */
#include "graph-render.h"

#include <errno.h>
#include <graphviz/cgraph.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

int graph_render_close_output(FILE *out, bool ok, const char *path, char *error, size_t size) {
  int code = errno;
  if (out && fclose(out) != 0 && ok) ok = false, code = errno;
  if (!ok) snprintf(error, size, "cannot write '%s': %s", path, strerror(code));
  return ok ? 0 : -1;
}

int graph_render_pictures(GVC_t *gvc, const char *dot_text, const char *dot_path,
                          const char *svg_path, const char *png_path, char *error,
                          size_t error_size) {
  Agraph_t *read_back = agmemread(dot_text);
  if (!read_back || gvLayout(gvc, read_back, "dot") != 0) {
    snprintf(error, error_size, "Graphviz could not lay out '%s'", dot_path);
    return -1;
  }
  const char *paths[] = {svg_path, png_path}, *formats[] = {"svg", "png"};
  for (int i = 0; i < 2; i++) {
    char *data = NULL;
    unsigned length = 0;
    if (!paths[i]) continue;
    if (gvRenderData(gvc, read_back, formats[i], &data, &length) != 0) {
      snprintf(error, error_size, "Graphviz could not render '%s'", paths[i]);
      return -1;
    }
    FILE *out = fopen(paths[i], "w");
    bool ok = out && fwrite(data, 1, length, out) == length;
    gvFreeRenderData(data); /* glibc's free keeps errno */
    if (graph_render_close_output(out, ok, paths[i], error, error_size) != 0) return -1;
  }
  /* No gvFreeLayout/agclose: in Graphviz 2.42 the dot layout double-frees
   * there on graphs with clusters and edge labels (seen under
   * AddressSanitizer). The `dot` command never frees it either; the layout
   * is left to process exit (tests/lsan.supp, docs/dependencies.md). */
  return 0;
}
