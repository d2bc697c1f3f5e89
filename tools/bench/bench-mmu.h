/* bench-mmu.h - minimum mutator utilization (Cheng & Blelloch, PLDI 2001)
 * of a run, computed exactly from its pauses.
 *
 * A run is the interval [0, T] (run_ms = T); the pauses are intervals
 * [start_ms, start_ms + duration_ms] in it. For a window size w, MMU(w) is
 * the minimum, over every window [s, s + w] with 0 <= s <= T - w, of the
 * fraction of the window in which the mutator ran (was not in a pause).
 *
 *   bench_pause pauses[] = {{.start_ms = 2, .duration_ms = 1}, ...};
 *   double mmu10 = bench_mmu(pauses, n, run_ms, 10.0);
 *
 * Definitions at the edges (README.md, "Minimum mutator utilization"):
 *   - w >= T: the utilization of the whole run, 1 - (pause time) / T (there
 *     is no window of length w in the run; the whole run is the largest);
 *   - no pauses: 1;
 *   - pauses need not be sorted and may overlap (their union counts once);
 *     parts outside [0, T] are ignored;
 *   - invalid input (w or T not a positive finite number, a negative or
 *     non-finite pause, pauses NULL with count > 0): NAN.
 *
 * MMU is not monotone in w in general (pauses of 1 ms every 3 ms: MMU(3) =
 * 2/3, MMU(4) = 1/2), but MMU(k w) >= MMU(w) for every integer k >= 1 with
 * k w <= T: a window of k w is k windows of w. So MMU at 1, 10 and 100 ms
 * is non-decreasing when the run is at least 100 ms long. */
#ifndef CCGC_TOOLS_BENCH_MMU_H
#define CCGC_TOOLS_BENCH_MMU_H

#include <stdbool.h>
#include <stddef.h>

typedef struct bench_pause {
  double start_ms;    /* from the start of the run */
  double duration_ms;
} bench_pause;

/* MMU(window_ms), in [0, 1], or NAN for invalid input (above). Exact:
 * O(n log n) for n pauses. */
double bench_mmu(const bench_pause *pauses, size_t count, double run_ms, double window_ms);

/* MMU at each of n window sizes (out[i] for windows_ms[i]), sharing one
 * normalization of the pauses. False (out filled with NAN) on invalid input
 * or when memory runs out. */
bool bench_mmu_curve(const bench_pause *pauses, size_t count, double run_ms,
                      const double *windows_ms, size_t n, double *out);

/* The window sizes the benchmarks print and write: 1, 10 and 100 ms. */
#define BENCH_MMU_WINDOWS 3
#define BENCH_MMU_WINDOWS_MS {1.0, 10.0, 100.0}

#endif
