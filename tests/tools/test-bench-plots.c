/* test-bench-plots.c - the plots of `ccgc bench --plot`: the files the
 * pauses benchmark writes (SVG and PNG, the pause CDF and the MMU plot),
 * and the layout (tools/bench/bench-plot.c) checked in process: the legend
 * and the labels never cover the data. */
#include <check.h>
#include <glib.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "bench-plot-checks.h"
#include "bench.h"
#include "ccgc-test.h"
#include "run-command.h"

/* The SVG of `bench pauses --plot` parses as XML (GMarkup), has the plot's
 * size, a curve per series and at least as many glyphs as the title, both
 * axis labels and the legend have characters; --plot FILE.png gives a PNG
 * of the same size; beside each, FILE-mmu.svg / FILE-mmu.png, the MMU plot. */
START_TEST(pauses_writes_svg_and_png_plots) {
  char *dir = make_temp_dir();
  char *svg = g_build_filename(dir, "pauses.svg", NULL);
  char *png = g_build_filename(dir, "pauses.png", NULL);
  for (int format = 0; format < 2; format++) {
    char *args = g_strdup_printf("bench pauses --quick --live-mb 8 --plot %s",
                                 format ? png : svg);
    command_result result = run_ccgc(args);
    ck_assert_msg(result.exit_code == 0, "exit %d\n%s", result.exit_code, result.err);
    ck_assert(strstr(result.out, "plot: "));
    command_result_free(&result);
    g_free(args);
  }
  int minimum = bench_inked("bench pauses: main-thread pauses") + bench_inked(BENCH_PLOT_X_LABEL) +
                bench_inked(BENCH_PLOT_Y_LABEL) + bench_inked("stop-the-world: 1 pauses, max 0.00 ms") +
                bench_inked("incremental: 1 pauses, max 0.00 ms");
  bench_check_svg_plot(svg, 2, minimum); /* stop-the-world, incremental */
  bench_check_png_plot(png);
  /* Beside each, the MMU plot: a curve per mode, its title, axis labels and
   * legend. */
  char *mmu_svg = g_build_filename(dir, "pauses-mmu.svg", NULL);
  char *mmu_png = g_build_filename(dir, "pauses-mmu.png", NULL);
  minimum = bench_inked("bench pauses: minimum mutator utilization") +
            bench_inked(BENCH_PLOT_MMU_X_LABEL) + bench_inked(BENCH_PLOT_MMU_Y_LABEL) +
            bench_inked("stop-the-world: MMU 1 / 10 / 100 ms 0.00 / 0.00 / 0.00, run 1 ms") +
            bench_inked("incremental: MMU 1 / 10 / 100 ms 0.00 / 0.00 / 0.00, run 1 ms");
  bench_check_svg_plot(mmu_svg, 2, minimum);
  bench_check_png_plot(mmu_png);
  remove(svg);
  remove(png);
  remove(mmu_svg);
  remove(mmu_png);
  remove(dir);
  g_free(svg);
  g_free(png);
  g_free(mmu_svg);
  g_free(mmu_png);
  free(dir);
}
END_TEST

static bool inside(bench_rect inner, bench_rect outer) {
  return inner.x >= outer.x - 1e-9 && inner.y >= outer.y - 1e-9 &&
         inner.x + inner.width <= outer.x + outer.width + 1e-9 &&
         inner.y + inner.height <= outer.y + outer.height + 1e-9;
}

/* The layout, for short and long legends, one to four series, spreads
 * from microseconds to seconds and no data: the legend and the axis labels
 * lie outside the plot area and the data's box, the data's box inside the
 * plot area, everything inside the figure. */
START_TEST(plot_layout_keeps_the_legend_off_the_data) {
  static const double tiny[] = {0.0001, 0.002, 0.004};
  static const double wide[] = {0.05, 3, 120, 2500, 0.3, 0.3};
  static const double one[] = {7};
  const char *long_name = "a series whose name is much longer than any legend on the "
                          "right of the plot could hold without squeezing the plot area";
  const struct {
    bench_series series[4];
    size_t count;
    bool below; /* where the legend must go */
  } cases[] = {
      {{{"stw", wide, G_N_ELEMENTS(wide)}}, 1, false},
      {{{"stop-the-world", wide, G_N_ELEMENTS(wide)}, {"incremental", tiny, G_N_ELEMENTS(tiny)}},
       2, true},
      {{{long_name, one, 1}, {"b", tiny, 3}, {"c", wide, 6}, {"d", one, 1}}, 4, true},
      {{{"empty", NULL, 0}}, 1, false},
      {{{"x", one, 1}, {"y", one, 1}}, 2, false},
  };
  bench_rect figure = {0, 0, BENCH_PLOT_WIDTH, BENCH_PLOT_HEIGHT};
  for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
    bench_plot_layout l;
    bench_plot_layout_of("title", cases[i].series, cases[i].count, &l);
    ck_assert_msg(l.plot.width > 200 && l.plot.height > 150, "case %zu: plot %.0fx%.0f", i,
                  l.plot.width, l.plot.height);
    ck_assert_msg(inside(l.data, l.plot), "case %zu: data outside the plot area", i);
    ck_assert_msg(!bench_rects_overlap(l.legend, l.plot), "case %zu: legend on the plot", i);
    ck_assert_msg(!bench_rects_overlap(l.legend, l.data), "case %zu: legend on the data", i);
    ck_assert_int_eq(l.legend_below, cases[i].below);
    ck_assert_msg(l.legend.height > 0 && l.legend.width > 0, "case %zu: no legend", i);
    const bench_rect *parts[] = {&l.plot, &l.legend, &l.title, &l.x_label, &l.y_label};
    for (size_t p = 0; p < G_N_ELEMENTS(parts); p++)
      ck_assert_msg(inside(*parts[p], figure), "case %zu: part %zu outside the figure", i, p);
    ck_assert(!bench_rects_overlap(l.x_label, l.plot) && l.x_label.y >= l.plot.y + l.plot.height);
    ck_assert(!bench_rects_overlap(l.y_label, l.plot) && l.y_label.x + l.y_label.width <= l.plot.x);
    ck_assert(!bench_rects_overlap(l.title, l.plot) && l.title.y + l.title.height <= l.plot.y);
    ck_assert(!bench_rects_overlap(l.legend, l.x_label) && !bench_rects_overlap(l.legend, l.y_label));
    /* Every value on the axis: the decades enclose the data. */
    for (size_t s = 0; s < cases[i].count; s++)
      for (size_t v = 0; v < cases[i].series[s].count; v++) {
        double value = cases[i].series[s].values[v];
        ck_assert(log10(value) >= l.log_lo - 1e-9 && log10(value) <= l.log_hi + 1e-9);
      }
  }
  /* The overlap test itself. */
  ck_assert(bench_rects_overlap((bench_rect){0, 0, 10, 10}, (bench_rect){5, 5, 10, 10}));
  ck_assert(!bench_rects_overlap((bench_rect){0, 0, 10, 10}, (bench_rect){10, 0, 10, 10}));
}
END_TEST

/* The MMU plot: its x axis runs from 0.1 ms to the longest run, the data
 * lies inside the plot area and off the legend, for one to three runs and
 * for none; where `--plot FILE` puts it. */
START_TEST(mmu_plot_layout_and_path) {
  static const bench_pause some[] = {{1, 0.5}, {10, 3}, {40, 0.2}};
  static const bench_pause late[] = {{2000, 50}};
  const struct {
    bench_mmu_series series[3];
    size_t count;
    double longest;
  } cases[] = {
      {{{"stop-the-world", some, 3, 50}}, 1, 50},
      {{{"stop-the-world", some, 3, 50}, {"incremental", late, 1, 4000}}, 2, 4000},
      {{{"a", NULL, 0, 20}, {"b", some, 3, 45}, {"c", late, 1, 2100}}, 3, 2100},
      {{{"empty", NULL, 0, 0}}, 1, 1}, /* no run: one decade from 0.1 ms */
  };
  for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
    bench_plot_layout l;
    bench_plot_mmu_layout_of("title", cases[i].series, cases[i].count, &l);
    ck_assert_double_eq_tol(l.log_lo, -1, 1e-9);
    ck_assert_double_eq_tol(l.log_hi, log10(cases[i].longest), 1e-9);
    ck_assert_msg(inside(l.data, l.plot), "case %zu: data outside the plot area", i);
    ck_assert_msg(!bench_rects_overlap(l.legend, l.plot), "case %zu: legend on the plot", i);
    ck_assert_msg(l.legend.height > 0 && l.legend.width > 0, "case %zu: no legend", i);
    ck_assert(!bench_rects_overlap(l.x_label, l.plot) && !bench_rects_overlap(l.y_label, l.plot));
  }
  char *path = bench_plot_mmu_path("out/pauses.svg");
  ck_assert_str_eq(path, "out/pauses-mmu.svg");
  g_free(path);
  path = bench_plot_mmu_path("p.PNG");
  ck_assert_str_eq(path, "p-mmu.PNG");
  g_free(path);
  path = bench_plot_mmu_path("dir.v2/plot");
  ck_assert_str_eq(path, "dir.v2/plot-mmu.svg");
  g_free(path);
}
END_TEST

/* The pictures are output files like any other: a write that fails exits 1
 * and keeps the old file (it exited 0 and left a truncated SVG), a missing
 * directory fails before the benchmark runs, a path given twice or --plot
 * with a benchmark that draws nothing is a usage error. */
START_TEST(a_failed_plot_fails_the_run) {
  char *dir = make_temp_dir();
  char *old = g_build_filename(dir, "q.svg", NULL);
  ck_assert(g_file_set_contents(old, "old", -1, NULL));
  char *args = g_strdup_printf("bench pauses --quick --live-mb 8 --plot %s", old);
  command_result result = run_ccgc_with("trap '' XFSZ; ulimit -f 40;", args, NULL);
  ck_assert_msg(result.exit_code == 1, "exit %d\n%s", result.exit_code, result.err);
  ck_assert_msg(strstr(result.err, "cannot write") && strstr(result.err, "File too large"), "%s",
                result.err);
  ck_assert_msg(!strstr(result.out, "plot: "), "%s", result.out);
  command_result_free(&result);
  gchar *text = NULL;
  ck_assert(g_file_get_contents(old, &text, NULL, NULL));
  ck_assert_str_eq(text, "old");
  g_free(text);
  char *mmu = g_build_filename(dir, "q-mmu.svg", NULL);
  ck_assert_msg(!g_file_test(mmu, G_FILE_TEST_EXISTS), "a partial %s is left", mmu);
  g_free(args);
  args = g_strdup_printf("bench pauses --quick --live-mb 8 --plot %s/no/such/p.svg", dir);
  result = run_ccgc(args);
  ck_assert_int_eq(result.exit_code, 1);
  ck_assert_msg(strstr(result.err, "No such file or directory"), "%s", result.err);
  ck_assert_str_eq(result.out, ""); /* before the benchmark ran */
  command_result_free(&result);
  g_free(args);
  const char *usage[] = {"bench pauses --quick --plot same.svg --json same.svg",
                         "bench pauses --quick --plot same.svg --json same-mmu.svg",
                         "bench barrier --quick --plot x.svg"};
  for (size_t i = 0; i < 3; i++) {
    result = run_ccgc(usage[i]);
    ck_assert_msg(result.exit_code == 2, "%s: exit %d", usage[i], result.exit_code);
    command_result_free(&result);
  }
  g_free(mmu);
  g_free(old);
  char *cleanup = g_strdup_printf("rm -rf '%s'", dir);
  ck_assert_int_eq(system(cleanup), 0);
  g_free(cleanup);
  free(dir);
}
END_TEST

int main(void) {
  Suite *suite = suite_create("bench-plots");
  TCase *tc = tcase_create("core");
  tcase_set_timeout(tc, 120);
  tcase_add_test(tc, pauses_writes_svg_and_png_plots);
  tcase_add_test(tc, a_failed_plot_fails_the_run);
  tcase_add_test(tc, mmu_plot_layout_and_path);
  tcase_add_test(tc, plot_layout_keeps_the_legend_off_the_data);
  suite_add_tcase(suite, tc);
  return ccgc_test_run(suite);
}
