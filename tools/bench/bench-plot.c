/* bench-plot.c - cumulative distributions of pause times, drawn with cairo
 * (`ccgc bench pauses --plot`, `ccgc bench dom --plot`), and beside them
 * the minimum mutator utilization against the window size (bench-mmu.h;
 * the same axes, legend and layout, another x range and labels): SVG through
 * cairo's SVG surface, PNG through its image surface when the path ends in
 * ".png". A CDF rather than a histogram: it needs no bin width, shows p50,
 * p99 and max at a glance, and series of different counts stay comparable.
 * The x axis is logarithmic because the pauses of one run span orders of
 * magnitude (0.01 ms steps to 100 ms stop-the-world cycles).
 *
 * The layout is computed first (bench_plot_layout_of), from the text's
 * measured extents: the title on top, the y axis's label (turned) and tick
 * labels on the left, the x axis's tick labels and label below, and the
 * legend outside the plot area - on the right, or below the x axis's label
 * when its entries are too wide for the right. So the legend never covers
 * a curve, and the tests check that from the layout alone. */
#include <cairo-svg.h>
#include <cairo.h>
#include <errno.h>
#include <glib.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench-mmu.h"
#include "bench.h"

#define PAD 12.0
#define TITLE_SIZE 15.0
#define LABEL_SIZE 12.0
#define TICK_SIZE 11.0
#define LEGEND_SIZE 11.0
#define SWATCH 18.0
#define TICK_LENGTH 5.0
#define LEGEND_MAX_SHARE 0.35 /* of the width, on the right; wider goes below */
#define LEGEND_MAX_CHARS 64
#define MIN_PAUSE_MS 1e-4     /* the axis cannot show 0 on a log scale */
#define MMU_MIN_WINDOW_MS 0.1 /* the MMU plot's x axis starts here */
#define MMU_POINTS 240        /* window sizes per MMU curve, log-spaced */

/* What differs between the plots: the axes' labels, the x range, the
 * legend's lines and the data's bounding box. */
typedef struct plot_spec {
  const char *x_label, *y_label;
  double log_lo, log_hi;      /* the x axis: 10^log_lo .. 10^log_hi ms */
  size_t count;
  char **legends;             /* count lines (g_free each, then the array) */
  double x_lo, x_hi;          /* the data, in ms (NAN: no data) */
  double y_lo, y_hi;          /* the data, as fractions */
} plot_spec;

static void plot_spec_free(plot_spec *spec) {
  for (size_t i = 0; i < spec->count; i++) g_free(spec->legends[i]);
  g_free(spec->legends);
}

static const double colors[][3] = {
    {0.839, 0.153, 0.157}, {0.122, 0.467, 0.706}, {0.173, 0.627, 0.173}, {0.580, 0.404, 0.741}};

static int compare_doubles(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

static double clamp_pause(double v) {
  return v > MIN_PAUSE_MS ? v : MIN_PAUSE_MS;
}

bool bench_rects_overlap(bench_rect a, bench_rect b) {
  return a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height &&
         b.y < a.y + a.height;
}

/* --- text -------------------------------------------------------------------------- */

static void set_font(cairo_t *cr, double size, bool bold) {
  cairo_select_font_face(cr, "sans-serif", CAIRO_FONT_SLANT_NORMAL,
                         bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL);
  cairo_set_font_size(cr, size);
  /* Unhinted metrics: the same extents on the measuring surface, the SVG
   * and the PNG, so the layout holds for all. */
  cairo_font_options_t *font_options = cairo_font_options_create();
  cairo_font_options_set_hint_metrics(font_options, CAIRO_HINT_METRICS_OFF);
  cairo_font_options_set_hint_style(font_options, CAIRO_HINT_STYLE_NONE);
  cairo_set_font_options(cr, font_options);
  cairo_font_options_destroy(font_options);
}

static double text_width(cairo_t *cr, const char *text) {
  cairo_text_extents_t extents;
  cairo_text_extents(cr, text, &extents);
  return extents.x_advance;
}

/* Ascent + descent of the current font: a line's height. */
static double line_height(cairo_t *cr) {
  cairo_font_extents_t extents;
  cairo_font_extents(cr, &extents);
  return extents.ascent + extents.descent;
}

static double font_ascent(cairo_t *cr) {
  cairo_font_extents_t extents;
  cairo_font_extents(cr, &extents);
  return extents.ascent;
}

/* "NAME: N pauses, max X ms", the name cut to LEGEND_MAX_CHARS characters
 * (g_free it). */
static char *legend_text(const bench_series *series) {
  double max = 0;
  for (size_t i = 0; i < series->count; i++)
    if (series->values[i] > max) max = series->values[i];
  const char *name = series->name ? series->name : "";
  char *valid = g_utf8_make_valid(name, -1);
  char *cut = g_utf8_strlen(valid, -1) > LEGEND_MAX_CHARS
                  ? g_strdup_printf("%.*s...", (int)(g_utf8_offset_to_pointer(
                                                         valid, LEGEND_MAX_CHARS) - valid),
                                    valid)
                  : g_strdup(valid);
  char *text = g_strdup_printf("%s: %zu pauses, max %.2f ms", cut, series->count, max);
  g_free(cut);
  g_free(valid);
  return text;
}

static char *tick_text(double exponent) {
  return g_strdup_printf("%g", pow(10, exponent));
}

/* --- layout ------------------------------------------------------------------------ */

static void data_range(const bench_series *series, size_t count, double *log_lo,
                       double *log_hi, double *lo, double *hi) {
  *lo = INFINITY, *hi = 0;
  for (size_t s = 0; s < count; s++)
    for (size_t i = 0; i < series[s].count; i++) {
      double v = clamp_pause(series[s].values[i]);
      if (v < *lo) *lo = v;
      if (v > *hi) *hi = v;
    }
  if (!(*hi > 0)) *lo = *hi = NAN;
  double range_lo = isnan(*lo) ? 1e-3 : *lo, range_hi = isnan(*hi) ? 1 : *hi;
  *log_lo = floor(log10(range_lo));
  *log_hi = ceil(log10(range_hi));
  if (*log_hi <= *log_lo) *log_hi = *log_lo + 1;
}

static double x_of(const bench_plot_layout *l, double value) {
  return l->plot.x + (log10(clamp_pause(value)) - l->log_lo) / (l->log_hi - l->log_lo) *
                         l->plot.width;
}

static double y_of(const bench_plot_layout *l, double fraction) {
  return l->plot.y + (1 - fraction) * l->plot.height;
}

static plot_spec cdf_spec(const bench_series *series, size_t count) {
  plot_spec spec = {BENCH_PLOT_X_LABEL, BENCH_PLOT_Y_LABEL, 0, 0, count,
                    g_new0(char *, count ? count : 1), 0, 0, 0, 1};
  data_range(series, count, &spec.log_lo, &spec.log_hi, &spec.x_lo, &spec.x_hi);
  for (size_t s = 0; s < count; s++) spec.legends[s] = legend_text(&series[s]);
  return spec;
}

static void compute_layout(cairo_t *cr, const char *title, const plot_spec *spec,
                           bench_plot_layout *l) {
  memset(l, 0, sizeof *l);
  const double width = BENCH_PLOT_WIDTH, height = BENCH_PLOT_HEIGHT;
  size_t count = spec->count;
  double lo = spec->x_lo, hi = spec->x_hi;
  l->log_lo = spec->log_lo, l->log_hi = spec->log_hi;

  set_font(cr, TITLE_SIZE, true);
  double title_h = line_height(cr);
  l->title = (bench_rect){PAD, PAD, text_width(cr, title ? title : ""), title_h};

  set_font(cr, LABEL_SIZE, false);
  double label_h = line_height(cr);
  double x_label_w = text_width(cr, spec->x_label);
  double y_label_w = text_width(cr, spec->y_label);

  set_font(cr, TICK_SIZE, false);
  double tick_h = line_height(cr), y_tick_w = 0;
  for (int q = 0; q <= 4; q++) {
    char text[16];
    snprintf(text, sizeof text, "%.2f", q / 4.0);
    double w = text_width(cr, text);
    if (w > y_tick_w) y_tick_w = w;
  }

  set_font(cr, LEGEND_SIZE, false);
  double legend_line = line_height(cr) + 6, legend_text_w = 0;
  for (size_t s = 0; s < count; s++) {
    double w = text_width(cr, spec->legends[s]);
    if (w > legend_text_w) legend_text_w = w;
  }
  double legend_w = 8 + SWATCH + 6 + legend_text_w + 8;
  double legend_h = 8 + (double)count * legend_line + 2;
  if (legend_w > width - 2 * PAD) legend_w = width - 2 * PAD;

  double left = PAD + label_h + 8 + y_tick_w + 6 + TICK_LENGTH;
  double top = PAD + title_h + 12;
  double below_axis = TICK_LENGTH + 4 + tick_h + 6 + label_h; /* ticks, labels, x label */
  double right = width - PAD, bottom = height - PAD - below_axis;
  l->legend_below = legend_w > LEGEND_MAX_SHARE * width;
  if (l->legend_below) {
    bottom -= legend_h + 10;
    l->legend = (bench_rect){left, height - PAD - legend_h, legend_w, legend_h};
    if (l->legend.x + legend_w > width - PAD) l->legend.x = width - PAD - legend_w;
  } else {
    right -= legend_w + 16;
    l->legend = (bench_rect){width - PAD - legend_w, top, legend_w, legend_h};
  }
  l->plot = (bench_rect){left, top, right - left, bottom - top};
  double axis_bottom = l->plot.y + l->plot.height;
  l->x_label = (bench_rect){l->plot.x + (l->plot.width - x_label_w) / 2,
                            axis_bottom + TICK_LENGTH + 4 + tick_h + 6, x_label_w, label_h};
  l->y_label = (bench_rect){PAD, l->plot.y + (l->plot.height - y_label_w) / 2, label_h,
                            y_label_w};
  if (isnan(lo)) {
    l->data = (bench_rect){l->plot.x, l->plot.y, 0, 0};
  } else {
    double x0 = x_of(l, lo), x1 = x_of(l, hi);
    l->data = (bench_rect){x0, y_of(l, spec->y_hi), x1 - x0,
                           y_of(l, spec->y_lo) - y_of(l, spec->y_hi)};
  }
}

static void layout_of_spec(const char *title, const plot_spec *spec,
                           bench_plot_layout *layout) {
  cairo_surface_t *surface = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, 1, 1);
  cairo_t *cr = cairo_create(surface);
  compute_layout(cr, title, spec, layout);
  cairo_destroy(cr);
  cairo_surface_destroy(surface);
}

void bench_plot_layout_of(const char *title, const bench_series *series, size_t count,
                          bench_plot_layout *layout) {
  plot_spec spec = cdf_spec(series, count);
  layout_of_spec(title, &spec, layout);
  plot_spec_free(&spec);
}

/* --- drawing ----------------------------------------------------------------------- */

static void draw_text(cairo_t *cr, double x, double baseline, const char *text) {
  cairo_move_to(cr, x, baseline);
  cairo_show_text(cr, text);
}

static void draw_axes(cairo_t *cr, const bench_plot_layout *l, const plot_spec *spec) {
  const bench_rect *p = &l->plot;
  cairo_set_line_width(cr, 1);
  /* Grid: decades and quartiles in light grey, minor decades lighter. */
  for (double e = l->log_lo; e < l->log_hi; e++)
    for (int m = 2; m <= 9; m++) {
      double x = x_of(l, m * pow(10, e));
      cairo_move_to(cr, x, p->y), cairo_line_to(cr, x, p->y + p->height);
    }
  cairo_set_source_rgb(cr, 0.94, 0.94, 0.94);
  cairo_stroke(cr);
  for (double e = l->log_lo; e <= l->log_hi; e++) {
    double x = x_of(l, pow(10, e));
    cairo_move_to(cr, x, p->y), cairo_line_to(cr, x, p->y + p->height);
  }
  for (int q = 1; q < 4; q++)
    cairo_move_to(cr, p->x, y_of(l, q / 4.0)), cairo_line_to(cr, p->x + p->width, y_of(l, q / 4.0));
  cairo_set_source_rgb(cr, 0.85, 0.85, 0.85);
  cairo_stroke(cr);
  /* The frame and the ticks. */
  cairo_set_source_rgb(cr, 0, 0, 0);
  cairo_rectangle(cr, p->x, p->y, p->width, p->height);
  for (double e = l->log_lo; e <= l->log_hi; e++) {
    double x = x_of(l, pow(10, e));
    cairo_move_to(cr, x, p->y + p->height), cairo_line_to(cr, x, p->y + p->height + TICK_LENGTH);
  }
  for (int q = 0; q <= 4; q++)
    cairo_move_to(cr, p->x - TICK_LENGTH, y_of(l, q / 4.0)), cairo_line_to(cr, p->x, y_of(l, q / 4.0));
  cairo_stroke(cr);
  /* Tick labels. */
  set_font(cr, TICK_SIZE, false);
  double ascent = font_ascent(cr);
  for (double e = l->log_lo; e <= l->log_hi; e++) {
    char *text = tick_text(e);
    draw_text(cr, x_of(l, pow(10, e)) - text_width(cr, text) / 2,
              p->y + p->height + TICK_LENGTH + 4 + ascent, text);
    g_free(text);
  }
  for (int q = 0; q <= 4; q++) {
    char text[16];
    snprintf(text, sizeof text, "%.2f", q / 4.0);
    draw_text(cr, p->x - TICK_LENGTH - 4 - text_width(cr, text), y_of(l, q / 4.0) + ascent / 2 - 1,
              text);
  }
  /* Axis labels: x centred below, y turned a quarter left. */
  set_font(cr, LABEL_SIZE, false);
  ascent = font_ascent(cr);
  draw_text(cr, l->x_label.x, l->x_label.y + ascent, spec->x_label);
  cairo_save(cr);
  cairo_translate(cr, l->y_label.x + ascent, l->y_label.y + l->y_label.height);
  cairo_rotate(cr, -M_PI / 2);
  draw_text(cr, 0, 0, spec->y_label);
  cairo_restore(cr);
}

/* A step function; at most about 2000 steps however many pauses. */
static void draw_series(cairo_t *cr, const bench_plot_layout *l, const bench_series *series,
                        const double *color) {
  size_t n = series->count;
  if (!n) return;
  double *v = malloc(n * sizeof *v);
  if (!v) return;
  memcpy(v, series->values, n * sizeof *v);
  qsort(v, n, sizeof *v, compare_doubles);
  size_t stride = n > 2000 ? n / 2000 : 1;
  cairo_move_to(cr, x_of(l, v[0]), y_of(l, 0));
  for (size_t i = 0; i < n; i += stride) {
    double x = x_of(l, v[i]);
    cairo_line_to(cr, x, y_of(l, (double)i / n));
    cairo_line_to(cr, x, y_of(l, (double)(i + 1) / n));
  }
  cairo_line_to(cr, x_of(l, v[n - 1]), y_of(l, 1));
  cairo_set_source_rgb(cr, color[0], color[1], color[2]);
  cairo_set_line_width(cr, 2);
  cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);
  cairo_stroke(cr);
  free(v);
}

static void draw_legend(cairo_t *cr, const bench_plot_layout *l, const plot_spec *spec) {
  size_t count = spec->count;
  const bench_rect *box = &l->legend;
  cairo_rectangle(cr, box->x, box->y, box->width, box->height);
  cairo_set_source_rgb(cr, 1, 1, 1);
  cairo_fill_preserve(cr);
  cairo_set_source_rgb(cr, 0.6, 0.6, 0.6);
  cairo_set_line_width(cr, 1);
  cairo_stroke(cr);
  set_font(cr, LEGEND_SIZE, false);
  double line = line_height(cr) + 6, ascent = font_ascent(cr);
  cairo_save(cr);
  cairo_rectangle(cr, box->x, box->y, box->width, box->height);
  cairo_clip(cr);
  for (size_t s = 0; s < count; s++) {
    const double *color = colors[s % G_N_ELEMENTS(colors)];
    double top = box->y + 8 + (double)s * line;
    cairo_set_source_rgb(cr, color[0], color[1], color[2]);
    cairo_set_line_width(cr, 3);
    cairo_move_to(cr, box->x + 8, top + ascent / 2 + 1);
    cairo_line_to(cr, box->x + 8 + SWATCH, top + ascent / 2 + 1);
    cairo_stroke(cr);
    cairo_set_source_rgb(cr, 0, 0, 0);
    draw_text(cr, box->x + 8 + SWATCH + 6, top + ascent, spec->legends[s]);
  }
  cairo_restore(cr);
}

/* The background, the title, the axes and the legend; the caller draws
 * the curves, clipped to l->plot, between frame_begin and frame_end. */
static void frame_begin(cairo_t *cr, const char *title, const plot_spec *spec,
                        bench_plot_layout *l) {
  layout_of_spec(title, spec, l);
  cairo_set_source_rgb(cr, 1, 1, 1);
  cairo_paint(cr);
  cairo_set_source_rgb(cr, 0, 0, 0);
  set_font(cr, TITLE_SIZE, true);
  draw_text(cr, l->title.x, l->title.y + font_ascent(cr), title ? title : "");
  draw_axes(cr, l, spec);
  cairo_save(cr);
  cairo_rectangle(cr, l->plot.x, l->plot.y, l->plot.width, l->plot.height);
  cairo_clip(cr);
}

static void frame_end(cairo_t *cr, const bench_plot_layout *l, const plot_spec *spec) {
  cairo_restore(cr);
  draw_legend(cr, l, spec);
}

typedef struct plot_job plot_job;
typedef void plot_draw_fn(cairo_t *cr, const plot_job *job);
struct plot_job {
  const char *title;
  const plot_spec *spec;
  const bench_series *series;          /* the CDF's */
  const double *const *mmu;            /* the MMU's curves, MMU_POINTS each */
  const double *windows;               /* MMU_POINTS window sizes, ms */
  const size_t *points;                /* per curve: how many windows fit its run */
};

static void draw_cdf(cairo_t *cr, const plot_job *job) {
  bench_plot_layout l;
  frame_begin(cr, job->title, job->spec, &l);
  for (size_t s = 0; s < job->spec->count; s++)
    draw_series(cr, &l, &job->series[s], colors[s % G_N_ELEMENTS(colors)]);
  frame_end(cr, &l, job->spec);
}

static cairo_status_t append_bytes(void *closure, const unsigned char *data,
                                   unsigned int length) {
  g_byte_array_append(closure, data, length);
  return CAIRO_STATUS_SUCCESS;
}

/* Draws the plot into memory, then writes it to `path` (the name the user
 * gave is `shown`, for messages: path may be the command's temporary), with
 * every write checked, so a failure says why (errno), not cairo's "error
 * while writing to output stream". A path ending in ".png" (any case) gives
 * a PNG, as bench_plot_mmu_path decides. */
static bool write_plot(const char *path, const char *shown, plot_draw_fn *draw_fn,
                       const plot_job *job) {
  const char *dot = strrchr(shown, '.');
  bool png = dot && !g_ascii_strcasecmp(dot, ".png");
  GByteArray *bytes = g_byte_array_new();
  cairo_surface_t *surface =
      png ? cairo_image_surface_create(CAIRO_FORMAT_RGB24, BENCH_PLOT_WIDTH, BENCH_PLOT_HEIGHT)
          : cairo_svg_surface_create_for_stream(append_bytes, bytes, BENCH_PLOT_WIDTH,
                                                BENCH_PLOT_HEIGHT);
  cairo_t *cr = cairo_create(surface);
  draw_fn(cr, job);
  cairo_status_t status = cairo_status(cr);
  cairo_destroy(cr);
  if (status == CAIRO_STATUS_SUCCESS && png)
    status = cairo_surface_write_to_png_stream(surface, append_bytes, bytes);
  cairo_surface_finish(surface);
  if (status == CAIRO_STATUS_SUCCESS) status = cairo_surface_status(surface);
  cairo_surface_destroy(surface);
  const char *reason = status != CAIRO_STATUS_SUCCESS ? cairo_status_to_string(status) : NULL;
  if (!reason) {
    FILE *out = fopen(path, "wb");
    bool ok = out && fwrite(bytes->data, 1, bytes->len, out) == bytes->len;
    int code = errno;
    if (out && fclose(out) != 0 && ok) ok = false, code = errno;
    if (!ok) reason = strerror(code ? code : EIO);
  }
  g_byte_array_free(bytes, TRUE);
  if (reason) {
    fprintf(stderr, "ccgc bench: cannot write '%s': %s\n", shown, reason);
    return false;
  }
  return true;
}

bool bench_plot_cdf(const char *path, const char *shown, const char *title,
                    const bench_series *series, size_t count) {
  if (!path || (count && !series)) return false;
  plot_spec spec = cdf_spec(series, count);
  plot_job job = {.title = title, .spec = &spec, .series = series};
  bool ok = write_plot(path, shown ? shown : path, draw_cdf, &job);
  plot_spec_free(&spec);
  return ok;
}

/* --- minimum mutator utilization ------------------------------------------------------ */

/* MMU_POINTS window sizes from MMU_MIN_WINDOW_MS to longest, log-spaced. */
static void mmu_windows(double longest, double *windows) {
  double lo = log10(MMU_MIN_WINDOW_MS), hi = log10(longest);
  if (!(hi > lo)) hi = lo + 1;
  for (int i = 0; i < MMU_POINTS; i++)
    windows[i] = pow(10, lo + (hi - lo) * i / (MMU_POINTS - 1));
}

static double longest_run(const bench_mmu_series *series, size_t count) {
  double longest = 0;
  for (size_t s = 0; s < count; s++)
    if (isfinite(series[s].run_ms) && series[s].run_ms > longest) longest = series[s].run_ms;
  return longest;
}

/* "NAME: MMU 1 / 10 / 100 ms 0.12 / 0.50 / 0.91, run 812 ms" */
static char *mmu_legend_text(const bench_mmu_series *series) {
  const double windows[BENCH_MMU_WINDOWS] = BENCH_MMU_WINDOWS_MS;
  double mmu[BENCH_MMU_WINDOWS];
  bench_mmu_curve(series->pauses, series->count, series->run_ms, windows, BENCH_MMU_WINDOWS,
                  mmu);
  const char *name = series->name ? series->name : "";
  char *valid = g_utf8_make_valid(name, -1);
  char *cut = g_utf8_strlen(valid, -1) > LEGEND_MAX_CHARS
                  ? g_strdup_printf("%.*s...", (int)(g_utf8_offset_to_pointer(
                                                         valid, LEGEND_MAX_CHARS) - valid),
                                    valid)
                  : g_strdup(valid);
  char *text = g_strdup_printf("%s: MMU 1 / 10 / 100 ms %.2f / %.2f / %.2f, run %.0f ms", cut,
                               mmu[0], mmu[1], mmu[2], series->run_ms);
  g_free(cut);
  g_free(valid);
  return text;
}

/* The spec and the curves (curves[s][i]: MMU at windows[i], NAN past the
 * run of series s). */
static plot_spec mmu_spec(const bench_mmu_series *series, size_t count, double *windows,
                          double **curves, size_t *points) {
  double longest = longest_run(series, count);
  mmu_windows(longest > MMU_MIN_WINDOW_MS ? longest : MMU_MIN_WINDOW_MS * 10, windows);
  plot_spec spec = {BENCH_PLOT_MMU_X_LABEL, BENCH_PLOT_MMU_Y_LABEL, log10(MMU_MIN_WINDOW_MS),
                    log10(windows[MMU_POINTS - 1]), count, g_new0(char *, count ? count : 1),
                    NAN, NAN, 1, 0};
  for (size_t s = 0; s < count; s++) {
    spec.legends[s] = mmu_legend_text(&series[s]);
    points[s] = 0;
    while (points[s] < MMU_POINTS && windows[points[s]] <= series[s].run_ms * (1 + 1e-12))
      points[s]++;
    if (!bench_mmu_curve(series[s].pauses, series[s].count, series[s].run_ms, windows,
                         points[s], curves[s]))
      points[s] = 0;
    for (size_t i = 0; i < points[s]; i++) {
      if (isnan(spec.x_lo) || windows[i] < spec.x_lo) spec.x_lo = windows[i];
      if (isnan(spec.x_hi) || windows[i] > spec.x_hi) spec.x_hi = windows[i];
      if (curves[s][i] < spec.y_lo) spec.y_lo = curves[s][i];
      if (curves[s][i] > spec.y_hi) spec.y_hi = curves[s][i];
    }
  }
  if (isnan(spec.x_lo)) spec.y_lo = 0, spec.y_hi = 1;
  return spec;
}

static void draw_mmu(cairo_t *cr, const plot_job *job) {
  bench_plot_layout l;
  frame_begin(cr, job->title, job->spec, &l);
  for (size_t s = 0; s < job->spec->count; s++) {
    if (!job->points[s]) continue;
    const double *color = colors[s % G_N_ELEMENTS(colors)];
    for (size_t i = 0; i < job->points[s]; i++) {
      double x = x_of(&l, job->windows[i]), y = y_of(&l, job->mmu[s][i]);
      if (i)
        cairo_line_to(cr, x, y);
      else
        cairo_move_to(cr, x, y);
    }
    cairo_set_source_rgb(cr, color[0], color[1], color[2]);
    cairo_set_line_width(cr, 2);
    cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);
    cairo_stroke(cr);
  }
  frame_end(cr, &l, job->spec);
}

typedef struct mmu_curves {
  double windows[MMU_POINTS];
  double **curves;
  size_t *points;
  size_t count;
} mmu_curves;

static void mmu_curves_init(mmu_curves *c, size_t count) {
  c->count = count;
  c->curves = g_new0(double *, count ? count : 1);
  c->points = g_new0(size_t, count ? count : 1);
  for (size_t s = 0; s < count; s++) c->curves[s] = g_new0(double, MMU_POINTS);
}

static void mmu_curves_free(mmu_curves *c) {
  for (size_t s = 0; s < c->count; s++) g_free(c->curves[s]);
  g_free(c->curves);
  g_free(c->points);
}

void bench_plot_mmu_layout_of(const char *title, const bench_mmu_series *series, size_t count,
                              bench_plot_layout *layout) {
  mmu_curves c;
  mmu_curves_init(&c, count);
  plot_spec spec = mmu_spec(series, count, c.windows, c.curves, c.points);
  layout_of_spec(title, &spec, layout);
  plot_spec_free(&spec);
  mmu_curves_free(&c);
}

bool bench_plot_mmu(const char *path, const char *shown, const char *title,
                    const bench_mmu_series *series, size_t count) {
  if (!path || (count && !series)) return false;
  mmu_curves c;
  mmu_curves_init(&c, count);
  plot_spec spec = mmu_spec(series, count, c.windows, c.curves, c.points);
  plot_job job = {.title = title, .spec = &spec, .mmu = (const double *const *)c.curves,
                  .windows = c.windows, .points = c.points};
  bool ok = write_plot(path, shown ? shown : path, draw_mmu, &job);
  plot_spec_free(&spec);
  mmu_curves_free(&c);
  return ok;
}
