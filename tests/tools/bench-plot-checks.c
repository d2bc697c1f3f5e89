/* bench-plot-checks.c - what the tests of `ccgc bench --plot` check of a
 * plot file (bench-plot-checks.h): shared by test-bench.c (the dom
 * benchmark's MMU plot) and test-bench-plots.c. */
#include "bench-plot-checks.h"

#include <check.h>
#include <glib.h>
#include <string.h>

#include "bench.h"

/* GMarkup's view of an SVG file: the root's size and the elements. */
typedef struct svg_census {
  int elements;
  char *root;
  char *width, *height;
  int glyph_uses;   /* <use> of a glyph symbol: cairo draws text as glyphs */
  int curves;       /* paths stroked 2 wide: the series' curves */
} svg_census;

static void svg_start(GMarkupParseContext *context, const char *name, const char **names,
                      const char **values, gpointer data, GError **error) {
  svg_census *census = data;
  if (census->elements++ == 0) {
    census->root = g_strdup(name);
    for (size_t i = 0; names[i]; i++) {
      if (!strcmp(names[i], "width")) census->width = g_strdup(values[i]);
      if (!strcmp(names[i], "height")) census->height = g_strdup(values[i]);
    }
  }
  for (size_t i = 0; names[i]; i++) {
    if (!strcmp(name, "use") && !strcmp(names[i], "xlink:href") &&
        g_str_has_prefix(values[i], "#glyph"))
      census->glyph_uses++;
    if (!strcmp(name, "path") && !strcmp(names[i], "style") &&
        strstr(values[i], "stroke-width:2;"))
      census->curves++;
  }
}

/* Characters that draw something (not spaces): each is a glyph <use>. */
int bench_inked(const char *text) {
  int count = 0;
  for (const char *c = text; *c; c++) count += *c != ' ';
  return count;
}

/* An SVG plot parses as XML (GMarkup), has the plot's size, `curves`
 * curves and at least `minimum` glyphs. */
void bench_check_svg_plot(const char *path, int curves, int minimum) {
  gchar *text = NULL;
  gsize size = 0;
  ck_assert_msg(g_file_get_contents(path, &text, &size, NULL), "no %s", path);
  svg_census census = {0};
  GMarkupParser parser = {.start_element = svg_start};
  GMarkupParseContext *context = g_markup_parse_context_new(&parser, 0, &census, NULL);
  GError *error = NULL;
  ck_assert_msg(g_markup_parse_context_parse(context, text, (gssize)size, &error) &&
                    g_markup_parse_context_end_parse(context, &error),
                "%s is not XML: %s", path, error ? error->message : "");
  g_markup_parse_context_free(context);
  ck_assert_str_eq(census.root, "svg");
  char *expected_width = g_strdup_printf("%dpt", BENCH_PLOT_WIDTH);
  char *expected_height = g_strdup_printf("%dpt", BENCH_PLOT_HEIGHT);
  ck_assert_str_eq(census.width, expected_width);
  ck_assert_str_eq(census.height, expected_height);
  ck_assert_msg(census.curves == curves, "%s: %d curves, want %d", path, census.curves, curves);
  ck_assert_msg(census.glyph_uses >= minimum, "%s: %d glyphs, fewer than the %d characters "
                "of the labels", path, census.glyph_uses, minimum);
  g_free(text);
  g_free(expected_width);
  g_free(expected_height);
  g_free(census.root);
  g_free(census.width);
  g_free(census.height);
}

/* A PNG plot: its signature and its IHDR's width and height (big-endian). */
void bench_check_png_plot(const char *path) {
  gchar *text = NULL;
  gsize size = 0;
  ck_assert_msg(g_file_get_contents(path, &text, &size, NULL), "no %s", path);
  ck_assert_uint_gt(size, 24);
  ck_assert(memcmp(text, "\x89PNG\r\n\x1a\n", 8) == 0);
  const unsigned char *header = (const unsigned char *)text + 16;
  ck_assert_int_eq(header[0] << 24 | header[1] << 16 | header[2] << 8 | header[3],
                   BENCH_PLOT_WIDTH);
  ck_assert_int_eq(header[4] << 24 | header[5] << 16 | header[6] << 8 | header[7],
                   BENCH_PLOT_HEIGHT);
  g_free(text);
}
