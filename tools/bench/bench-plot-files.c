/* bench-plot-files.c - where `--plot` puts a run's pictures: the MMU
 * plot's name beside the distribution's (bench_plot_mmu_path), each
 * benchmark's in a run of all (bench_plot_suffixed_path), and the two
 * pictures of a run written where the command says (bench_plot_run). The
 * drawing is bench-plot.c's. */
#include <glib.h>
#include <stdio.h>
#include <string.h>

#include "bench.h"

char *bench_plot_suffixed_path(const char *path, const char *suffix) {
  if (!path) return NULL;
  const char *dot = strrchr(path, '.');
  const char *slash = strrchr(path, '/');
  if (dot && (!slash || dot > slash + 1) &&
      (!g_ascii_strcasecmp(dot, ".svg") || !g_ascii_strcasecmp(dot, ".png")))
    return g_strdup_printf("%.*s-%s%s", (int)(dot - path), path, suffix, dot);
  return g_strdup_printf("%s-%s.svg", path, suffix);
}

char *bench_plot_mmu_path(const char *path) { return bench_plot_suffixed_path(path, "mmu"); }

bool bench_plot_run(const bench_options *options, const char *cdf_title,
                    const bench_series *series, size_t count, const char *mmu_title,
                    const bench_mmu_series *mmu, size_t mmu_count) {
  char *mmu_path = bench_plot_mmu_path(options->plot);
  bool managed = options->plot_write && options->mmu_write;
  bool ok = bench_plot_cdf(managed ? options->plot_write : options->plot, options->plot,
                           cdf_title, series, count) &&
            bench_plot_mmu(managed ? options->mmu_write : mmu_path, mmu_path, mmu_title, mmu,
                           mmu_count);
  if (ok && !managed) printf("plot: %s\nplot: %s\n", options->plot, mmu_path);
  g_free(mmu_path);
  return ok;
}
