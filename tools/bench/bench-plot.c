/* bench-plot.c - a small hand-written SVG of cumulative distributions, for
 * pause times (`ccgc bench pauses --plot`, `ccgc bench dom --plot`). A CDF
 * rather than a histogram: it needs no bin width, shows p50/p99/max at a
 * glance, and series of different counts stay comparable. The x axis is
 * logarithmic because pauses of one run span orders of magnitude (0.01 ms
 * steps to 100 ms stop-the-world cycles). No plotting library: the file is
 * a few hundred lines of SVG any browser shows. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"

static int compare_doubles(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

/* Escapes the few characters XML cares about in a label. */
static void put_text(FILE *out, const char *text) {
  for (const char *c = text; *c; c++) {
    switch (*c) {
    case '<': fputs("&lt;", out); break;
    case '>': fputs("&gt;", out); break;
    case '&': fputs("&amp;", out); break;
    default: fputc(*c, out);
    }
  }
}

bool bench_plot_cdf(const char *path, const char *title,
                    const bench_series *series, size_t count) {
  static const char *colors[] = {"#d62728", "#1f77b4", "#2ca02c", "#9467bd"};
  const double width = 640, height = 400, left = 70, right = 20, top = 40,
               bottom = 50;
  double lo = INFINITY, hi = 0;
  for (size_t s = 0; s < count; s++)
    for (size_t i = 0; i < series[s].count; i++) {
      double v = series[s].values[i] > 1e-4 ? series[s].values[i] : 1e-4;
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
  if (!(hi > 0)) lo = 1e-3, hi = 1;
  double log_lo = floor(log10(lo)), log_hi = ceil(log10(hi));
  if (log_hi <= log_lo) log_hi = log_lo + 1;
  FILE *out = fopen(path, "w");
  if (!out) {
    fprintf(stderr, "ccgc bench: cannot write '%s'\n", path);
    return false;
  }
  double plot_w = width - left - right, plot_h = height - top - bottom;
#define X(v) (left + (log10(v) - log_lo) / (log_hi - log_lo) * plot_w)
#define Y(f) (top + (1 - (f)) * plot_h)
  fprintf(out,
          "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" "
          "font-family=\"sans-serif\" font-size=\"12\">\n"
          "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n"
          "<text x=\"%.0f\" y=\"22\" font-size=\"14\">",
          width, height, left);
  put_text(out, title);
  fputs(" (cumulative fraction of pauses)</text>\n", out);
  /* Axes, decade ticks, quartile grid lines. */
  fprintf(out, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
               "fill=\"none\" stroke=\"black\"/>\n", left, top, plot_w, plot_h);
  for (double e = log_lo; e <= log_hi; e++) {
    double x = X(pow(10, e));
    fprintf(out, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#ddd\"/>\n"
                 "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%g</text>\n",
            x, top, x, top + plot_h, x, top + plot_h + 16, pow(10, e));
  }
  for (int q = 0; q <= 4; q++) {
    double y = Y(q / 4.0);
    fprintf(out, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#ddd\"/>\n"
                 "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">%.2f</text>\n",
            left, y, left + plot_w, y, left - 6, y + 4, q / 4.0);
  }
  fprintf(out, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">pause (ms, log scale)</text>\n",
          left + plot_w / 2, height - 12);
  for (size_t s = 0; s < count; s++) {
    size_t n = series[s].count;
    const char *color = colors[s % 4];
    double *v = malloc((n ? n : 1) * sizeof *v);
    memcpy(v, series[s].values, n * sizeof *v);
    qsort(v, n, sizeof *v, compare_doubles);
    /* A step function; at most ~2000 points however many pauses. */
    fprintf(out, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"2\" points=\"", color);
    size_t stride = n > 2000 ? n / 2000 : 1;
    for (size_t i = 0; i < n; i += stride) {
      double x = X(v[i] > 1e-4 ? v[i] : 1e-4);
      fprintf(out, "%.1f,%.1f %.1f,%.1f ", x, Y((double)i / n), x, Y((double)(i + 1) / n));
    }
    if (n) fprintf(out, "%.1f,%.1f", X(v[n - 1] > 1e-4 ? v[n - 1] : 1e-4), Y(1.0));
    fputs("\"/>\n", out);
    fprintf(out, "<text x=\"%.1f\" y=\"%.1f\" fill=\"%s\">", left + 10, top + 18 + 16 * (double)s,
            color);
    put_text(out, series[s].name);
    fprintf(out, " (%zu pauses, max %.2f ms)</text>\n", n, n ? v[n - 1] : 0);
    free(v);
  }
#undef X
#undef Y
  fputs("</svg>\n", out);
  return fclose(out) == 0;
}
