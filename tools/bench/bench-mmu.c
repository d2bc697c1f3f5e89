/* bench-mmu.c - minimum mutator utilization, exactly (bench-mmu.h).
 *
 * Let P(t) be the pause time in [0, t]: piecewise linear and
 * non-decreasing, with slope 1 inside a pause and 0 outside. The pause time
 * of the window [s, s + w] is G(s) = P(s + w) - P(s), itself piecewise
 * linear in s, with breakpoints where s or s + w crosses a pause's start or
 * end. A piecewise linear function on [0, T - w] reaches its maximum at a
 * breakpoint or at an end, so the candidates
 *
 *   s in {0, T - w} and {a_i, b_i, a_i - w, b_i - w} for each pause [a_i, b_i]
 *
 * (clamped to [0, T - w]) contain a window of maximal pause time, and
 * MMU(w) = 1 - max G / w. The pauses are first clipped to [0, T], sorted
 * and merged where they overlap, with prefix sums of their lengths, so that
 * P(t) is a binary search: O(n log n) for n pauses. */
#include "bench-mmu.h"

#include <math.h>
#include <stdlib.h>

#include "bench.h"

typedef struct mmu_run {
  double *start, *end; /* disjoint pauses, sorted */
  double *before;      /* pause time before pause i */
  size_t count;
  double run_ms;
} mmu_run;

static int compare_pauses(const void *a, const void *b) {
  double x = ((const bench_pause *)a)->start_ms, y = ((const bench_pause *)b)->start_ms;
  return x < y ? -1 : x > y;
}

static bool valid_length(double v) {
  return isfinite(v) && v > 0;
}

static void mmu_run_free(mmu_run *r) {
  free(r->start);
  free(r->end);
  free(r->before);
}

/* Clips, sorts and merges; false on invalid input or out of memory. */
static bool mmu_run_init(mmu_run *r, const bench_pause *pauses, size_t count, double run_ms) {
  *r = (mmu_run){.run_ms = run_ms};
  if (!valid_length(run_ms) || (count && !pauses)) return false;
  for (size_t i = 0; i < count; i++)
    if (!isfinite(pauses[i].start_ms) || !isfinite(pauses[i].duration_ms) ||
        pauses[i].duration_ms < 0)
      return false;
  if (!count) return true;
  bench_pause *sorted = malloc(count * sizeof *sorted);
  r->start = malloc(count * sizeof *r->start);
  r->end = malloc(count * sizeof *r->end);
  r->before = malloc(count * sizeof *r->before);
  if (!sorted || !r->start || !r->end || !r->before) {
    free(sorted);
    mmu_run_free(r);
    return false;
  }
  for (size_t i = 0; i < count; i++) sorted[i] = pauses[i];
  qsort(sorted, count, sizeof *sorted, compare_pauses);
  double total = 0;
  for (size_t i = 0; i < count; i++) {
    double start = fmax(sorted[i].start_ms, 0);
    double end = fmin(sorted[i].start_ms + sorted[i].duration_ms, run_ms);
    if (!(end > start)) continue; /* empty, or outside the run */
    if (r->count && start <= r->end[r->count - 1]) { /* overlaps the previous: merge */
      double last = r->end[r->count - 1];
      if (end > last) {
        total += end - last;
        r->end[r->count - 1] = end;
      }
      continue;
    }
    r->start[r->count] = start;
    r->end[r->count] = end;
    r->before[r->count] = total;
    total += end - start;
    r->count++;
  }
  free(sorted);
  return true;
}

/* P(t): the pause time in [0, t]. */
static double paused_until(const mmu_run *r, double t) {
  size_t lo = 0, hi = r->count; /* the first pause starting after t */
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (r->start[mid] <= t)
      lo = mid + 1;
    else
      hi = mid;
  }
  if (!lo) return 0;
  size_t i = lo - 1;
  return r->before[i] + fmin(t, r->end[i]) - r->start[i];
}

static double clamp01(double v) {
  return v < 0 ? 0 : v > 1 ? 1 : v;
}

static double mmu_of(const mmu_run *r, double w) {
  double run = r->run_ms;
  if (w >= run) return clamp01(1 - paused_until(r, run) / run);
  double last = run - w, worst = 0;
  for (size_t i = 0; i <= r->count; i++) {
    /* Index count stands for the run's two ends. */
    double candidates[4];
    if (i == r->count)
      candidates[0] = 0, candidates[1] = last, candidates[2] = 0, candidates[3] = last;
    else
      candidates[0] = r->start[i], candidates[1] = r->end[i],
      candidates[2] = r->start[i] - w, candidates[3] = r->end[i] - w;
    for (int c = 0; c < 4; c++) {
      double s = fmin(fmax(candidates[c], 0), last);
      double paused = paused_until(r, s + w) - paused_until(r, s);
      if (paused > worst) worst = paused;
    }
  }
  return clamp01(1 - worst / w);
}

bool bench_mmu_curve(const bench_pause *pauses, size_t count, double run_ms,
                     const double *windows_ms, size_t n, double *out) {
  if (n && !out) return false;
  for (size_t i = 0; i < n; i++) out[i] = NAN;
  if (n && !windows_ms) return false;
  for (size_t i = 0; i < n; i++)
    if (!valid_length(windows_ms[i])) return false;
  mmu_run r;
  if (!mmu_run_init(&r, pauses, count, run_ms)) return false;
  for (size_t i = 0; i < n; i++) out[i] = mmu_of(&r, windows_ms[i]);
  mmu_run_free(&r);
  return true;
}

double bench_mmu(const bench_pause *pauses, size_t count, double run_ms, double window_ms) {
  double out;
  bench_mmu_curve(pauses, count, run_ms, &window_ms, 1, &out);
  return out;
}

void bench_write_mmu(ccgc_json_writer *json, const double mmu[BENCH_MMU_WINDOWS]) {
  static const char *const keys[BENCH_MMU_WINDOWS] = {"mmu_1ms", "mmu_10ms", "mmu_100ms"};
  for (int i = 0; i < BENCH_MMU_WINDOWS; i++)
    ccgc_json_writer_member_fixed(json, keys[i], mmu[i], 4);
}
