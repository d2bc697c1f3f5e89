/* bench-plot-checks.h - checks of the plot files `ccgc bench --plot`
 * writes (tools/bench/bench-plot.c draws them with cairo). */
#ifndef CCGC_TEST_BENCH_PLOT_CHECKS_H
#define CCGC_TEST_BENCH_PLOT_CHECKS_H

/* Characters that draw something (not spaces): each is a glyph <use> in
 * cairo's SVG. */
int bench_inked(const char *text);
/* An SVG plot parses as XML (GMarkup), has the plot's size, `curves`
 * curves and at least `minimum` glyphs. */
void bench_check_svg_plot(const char *path, int curves, int minimum);
/* A PNG plot: its signature and the plot's width and height. */
void bench_check_png_plot(const char *path);

#endif /* CCGC_TEST_BENCH_PLOT_CHECKS_H */
