/* test-bench-mmu.c - minimum mutator utilization (tools/bench/bench-mmu.h):
 * hand-computed cases, the definitions at the edges, and random runs
 * against a brute force over every window on a fine grid. */
#include <check.h>
#include <glib.h>
#include <math.h>
#include <stdlib.h>

#include "bench-mmu.h"
#include "ccgc-test.h"

#define EPS 1e-9

START_TEST(no_pauses_is_one) {
  ck_assert_double_eq_tol(bench_mmu(NULL, 0, 100, 1), 1, EPS);
  ck_assert_double_eq_tol(bench_mmu(NULL, 0, 100, 100), 1, EPS);
  ck_assert_double_eq_tol(bench_mmu(NULL, 0, 100, 1000), 1, EPS);
  /* A pause of length zero is no pause. */
  bench_pause empty = {50, 0};
  ck_assert_double_eq_tol(bench_mmu(&empty, 1, 100, 10), 1, EPS);
}
END_TEST

START_TEST(pause_longer_than_the_window_is_zero) {
  bench_pause p = {40, 20};
  ck_assert_double_eq_tol(bench_mmu(&p, 1, 100, 10), 0, EPS);
  ck_assert_double_eq_tol(bench_mmu(&p, 1, 100, 20), 0, EPS);
  /* Longer windows: 20 ms of pause in any window that holds it. */
  ck_assert_double_eq_tol(bench_mmu(&p, 1, 100, 40), 0.5, EPS);
  ck_assert_double_eq_tol(bench_mmu(&p, 1, 100, 50), 0.6, EPS);
}
END_TEST

/* Pauses [10, 13] and [15, 17]: 5 ms of pause in the 7 ms from 10 to 17. */
START_TEST(two_pauses_closer_than_the_window) {
  bench_pause p[] = {{10, 3}, {15, 2}};
  ck_assert_double_eq_tol(bench_mmu(p, 2, 100, 3), 0, EPS);
  /* w = 4: [10, 14] holds 3; [13, 17] holds 2; [12, 16] holds 1 + 1. */
  ck_assert_double_eq_tol(bench_mmu(p, 2, 100, 4), 0.25, EPS);
  /* w = 7: [10, 17] holds both, 5 ms. */
  ck_assert_double_eq_tol(bench_mmu(p, 2, 100, 7), 2.0 / 7, EPS);
  /* w = 10: still 5 ms at most. */
  ck_assert_double_eq_tol(bench_mmu(p, 2, 100, 10), 0.5, EPS);
  /* Order does not matter. */
  bench_pause q[] = {{15, 2}, {10, 3}};
  ck_assert_double_eq_tol(bench_mmu(q, 2, 100, 7), 2.0 / 7, EPS);
}
END_TEST

/* A pause at each edge of the run [0, 50]: [0, 4] and [47, 50]; windows
 * cannot reach outside the run. */
START_TEST(pauses_at_the_edges_of_the_run) {
  bench_pause p[] = {{0, 4}, {47, 3}};
  ck_assert_double_eq_tol(bench_mmu(p, 2, 50, 4), 0, EPS);
  ck_assert_double_eq_tol(bench_mmu(p, 2, 50, 8), 0.5, EPS);
  ck_assert_double_eq_tol(bench_mmu(p, 2, 50, 10), 0.6, EPS);
  /* w = 49: [0, 49] holds 4 + 2, [1, 50] holds 3 + 3. */
  ck_assert_double_eq_tol(bench_mmu(p, 2, 50, 49), 1 - 6.0 / 49, EPS);
  /* Parts outside the run are ignored: [-2, 4] counts as [0, 4]. */
  bench_pause outside[] = {{-2, 6}, {47, 10}};
  ck_assert_double_eq_tol(bench_mmu(outside, 2, 50, 10), 0.6, EPS);
  ck_assert_double_eq_tol(bench_mmu(outside, 2, 50, 50), 1 - 7.0 / 50, EPS);
}
END_TEST

/* w >= T: the utilization of the whole run. */
START_TEST(window_past_the_run_is_the_whole_run) {
  bench_pause p[] = {{2, 1}, {6, 2}};
  ck_assert_double_eq_tol(bench_mmu(p, 2, 10, 10), 0.7, EPS);
  ck_assert_double_eq_tol(bench_mmu(p, 2, 10, 11), 0.7, EPS);
  ck_assert_double_eq_tol(bench_mmu(p, 2, 10, 1e6), 0.7, EPS);
}
END_TEST

/* Overlapping pauses count once. */
START_TEST(overlapping_pauses_are_merged) {
  bench_pause p[] = {{10, 4}, {12, 4}, {11, 1}};
  ck_assert_double_eq_tol(bench_mmu(p, 3, 100, 6), 0, EPS);
  ck_assert_double_eq_tol(bench_mmu(p, 3, 100, 12), 0.5, EPS);
  ck_assert_double_eq_tol(bench_mmu(p, 3, 100, 100), 0.94, EPS);
}
END_TEST

/* 1 ms every 3 ms: MMU(3) = 2/3 but MMU(4) = 1/2 - not monotone - while
 * MMU(k w) >= MMU(w) for whole k (bench-mmu.h). */
START_TEST(mmu_is_not_monotone_but_grows_by_whole_multiples) {
  bench_pause p[40];
  for (int i = 0; i < 40; i++) p[i] = (bench_pause){3.0 * i, 1};
  ck_assert_double_eq_tol(bench_mmu(p, 40, 120, 1), 0, EPS);
  ck_assert_double_eq_tol(bench_mmu(p, 40, 120, 3), 2.0 / 3, EPS);
  ck_assert_double_eq_tol(bench_mmu(p, 40, 120, 4), 0.5, EPS);
  ck_assert_double_ge(bench_mmu(p, 40, 120, 8), bench_mmu(p, 40, 120, 4));
}
END_TEST

START_TEST(invalid_input_is_nan) {
  bench_pause p = {1, 1};
  ck_assert(isnan(bench_mmu(&p, 1, 10, 0)));
  ck_assert(isnan(bench_mmu(&p, 1, 10, -1)));
  ck_assert(isnan(bench_mmu(&p, 1, 10, NAN)));
  ck_assert(isnan(bench_mmu(&p, 1, 0, 1)));
  ck_assert(isnan(bench_mmu(&p, 1, INFINITY, 1)));
  ck_assert(isnan(bench_mmu(NULL, 1, 10, 1)));
  bench_pause negative = {1, -1};
  ck_assert(isnan(bench_mmu(&negative, 1, 10, 1)));
  double windows[] = {1, 0}, out[2] = {5, 5};
  ck_assert(!bench_mmu_curve(&p, 1, 10, windows, 2, out));
  ck_assert(isnan(out[0]) && isnan(out[1]));
}
END_TEST

/* Brute force on a grid of ticks: every pause and window on the grid, every
 * window start on the grid (the exact minimum is at a grid point then, as
 * the candidates are). */
static double brute_force(const bool *paused, int ticks, int window) {
  if (window >= ticks) window = ticks;
  int run = 0, worst;
  for (int t = 0; t < window; t++) run += paused[t];
  worst = run;
  for (int s = 1; s + window <= ticks; s++) {
    run += paused[s + window - 1] - paused[s - 1];
    if (run > worst) worst = run;
  }
  return 1 - (double)worst / window;
}

START_TEST(random_runs_match_the_brute_force) {
  GRand *rand = g_rand_new_with_seed(2001);
  const double tick = 0.01; /* ms */
  for (int trial = 0; trial < 300; trial++) {
    int ticks = g_rand_int_range(rand, 50, 3000);
    int count = g_rand_int_range(rand, 0, 40);
    bench_pause *pauses = g_new0(bench_pause, count ? count : 1);
    bool *paused = g_new0(bool, ticks);
    for (int i = 0; i < count; i++) {
      int start = g_rand_int_range(rand, -20, ticks);
      int length = g_rand_int_range(rand, 0, trial % 3 ? 30 : 300);
      pauses[i] = (bench_pause){start * tick, length * tick};
      for (int t = start; t < start + length; t++)
        if (t >= 0 && t < ticks) paused[t] = true;
    }
    int windows[] = {1, 7, g_rand_int_range(rand, 1, ticks), ticks / 2 + 1, ticks, ticks + 5};
    for (size_t w = 0; w < G_N_ELEMENTS(windows); w++) {
      double want = brute_force(paused, ticks, windows[w]);
      double got = bench_mmu(pauses, (size_t)count, ticks * tick, windows[w] * tick);
      ck_assert_msg(fabs(got - want) < 1e-6, "trial %d, %d pauses, T %d, w %d ticks: %.9f, "
                    "brute force %.9f", trial, count, ticks, windows[w], got, want);
      ck_assert(got >= 0 && got <= 1);
    }
    /* Whole multiples within the run never lower the MMU. */
    double base = bench_mmu(pauses, (size_t)count, ticks * tick, 3 * tick);
    for (int k = 2; k * 3 <= ticks && k < 50; k++)
      ck_assert_double_ge(bench_mmu(pauses, (size_t)count, ticks * tick, 3 * k * tick) + 1e-9,
                          base);
    g_free(pauses);
    g_free(paused);
  }
  g_rand_free(rand);
}
END_TEST

/* The curve is the same as one call per window. */
START_TEST(curve_matches_single_calls) {
  bench_pause p[] = {{0.5, 0.2}, {3, 1.5}, {9, 0.1}, {9.05, 0.3}};
  double windows[] = {0.1, 0.5, 1, 2, 5, 10, 20}, out[7];
  ck_assert(bench_mmu_curve(p, 4, 12, windows, 7, out));
  for (int i = 0; i < 7; i++)
    ck_assert_double_eq_tol(out[i], bench_mmu(p, 4, 12, windows[i]), EPS);
}
END_TEST

int main(void) {
  Suite *suite = suite_create("bench-mmu");
  TCase *tc = tcase_create("core");
  tcase_add_test(tc, no_pauses_is_one);
  tcase_add_test(tc, pause_longer_than_the_window_is_zero);
  tcase_add_test(tc, two_pauses_closer_than_the_window);
  tcase_add_test(tc, pauses_at_the_edges_of_the_run);
  tcase_add_test(tc, window_past_the_run_is_the_whole_run);
  tcase_add_test(tc, overlapping_pauses_are_merged);
  tcase_add_test(tc, mmu_is_not_monotone_but_grows_by_whole_multiples);
  tcase_add_test(tc, invalid_input_is_nan);
  tcase_add_test(tc, random_runs_match_the_brute_force);
  tcase_add_test(tc, curve_matches_single_calls);
  suite_add_tcase(suite, tc);
  return ccgc_test_run(suite);
}
