/* test-trace-gc.c - the trace lines (marking/trace-gc.c, trace-gc-nvp.c)
 * read by the patterns of V8's tooling, for a mark-compact and a scavenge
 * of the script heap, with numbers that match the cycle's statistics. */
#include <glib.h>
#include <math.h>

#include "script-test.h"

/* The --trace-gc line as V8 prints it: GCTracer::Print in
 * src/heap/gc-tracer.cc (node 20's V8) has the format
 *   "[%d:%p] %8.0f ms: %s%s%s %.1f (%.1f) -> %.1f (%.1f) MB, "
 *   "%.2f / %.2f ms %s (average mu = %.3f, current mu = %.3f) %s; %s\n"
 * (type, " (reduce)", " (interleaved)", sizes, pause / external time, the
 * incremental parenthesis, mutator utilizations, reason; collector reason).
 * The pattern follows it field by field, as the parsers of node's lines do
 * (tools/bench/bench-v8.c reads node's by the same fields). */
#define V8_TRACE_GC                                                           \
  "^\\[(\\d+):(0x[0-9a-f]+)\\] +(\\d+) ms: (Scavenge|Mark-Compact)"           \
  "( \\(reduce\\))?( \\(interleaved\\))? "                                  \
  "([0-9.]+) \\(([0-9.]+)\\) -> ([0-9.]+) \\(([0-9.]+)\\) MB, "               \
  "([0-9.]+) / ([0-9.]+) ms +(\\(\\+ [^)]*\\) )?\\(average mu = ([0-9.]+), " \
  "current mu = ([0-9.]+)\\) ([a-z ]+); (.*)$"

/* V8's tools/gc_nvp_common.py (split_nvp), verbatim:
 *   re.findall(r"([._\w]+)=([-\w]+(?:\.[0-9]+)?)", s) */
#define V8_NVP_PAIR "([._\\w]+)=([-\\w]+(?:\\.[0-9]+)?)"

static double mb(size_t bytes) { return (double)bytes / (1024.0 * 1024.0); }

typedef struct trace_fields {
  char kind[16], reason[64];
  double used_before, committed_before, used_after, committed_after;
  double pause, external, average_mu, current_mu;
} trace_fields;

static trace_fields parse_trace(const char *line) {
  GRegex *regex = g_regex_new(V8_TRACE_GC, 0, 0, NULL);
  ck_assert_ptr_nonnull(regex);
  GMatchInfo *match = NULL;
  ck_assert_msg(g_regex_match(regex, line, 0, &match), "no match: %s", line);
  trace_fields fields = {0};
  char *text = g_match_info_fetch(match, 4);
  g_strlcpy(fields.kind, text, sizeof fields.kind);
  g_free(text);
  text = g_match_info_fetch(match, 16);
  g_strlcpy(fields.reason, text, sizeof fields.reason);
  g_free(text);
  double *numbers[] = {&fields.used_before, &fields.committed_before,
                       &fields.used_after,  &fields.committed_after,
                       &fields.pause,       &fields.external};
  for (int i = 0; i < 6; i++) {
    text = g_match_info_fetch(match, 7 + i);
    *numbers[i] = g_ascii_strtod(text, NULL);
    g_free(text);
  }
  text = g_match_info_fetch(match, 14);
  fields.average_mu = g_ascii_strtod(text, NULL);
  g_free(text);
  text = g_match_info_fetch(match, 15);
  fields.current_mu = g_ascii_strtod(text, NULL);
  g_free(text);
  g_match_info_free(match);
  g_regex_unref(regex);
  return fields;
}

/* name -> value (as text) of every pair split_nvp would find */
static GHashTable *parse_nvp(const char *line) {
  GHashTable *pairs = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
                                            g_free);
  GRegex *regex = g_regex_new(V8_NVP_PAIR, 0, 0, NULL);
  GMatchInfo *match = NULL;
  for (g_regex_match(regex, line, 0, &match); g_match_info_matches(match);
       g_match_info_next(match, NULL))
    g_hash_table_insert(pairs, g_match_info_fetch(match, 1),
                        g_match_info_fetch(match, 2));
  g_match_info_free(match);
  g_regex_unref(regex);
  return pairs;
}

static double nvp_number(GHashTable *pairs, const char *name) {
  const char *value = g_hash_table_lookup(pairs, name);
  ck_assert_msg(value != NULL, "no %s", name);
  return g_ascii_strtod(value, NULL);
}

static void check_mb(double printed, size_t bytes) {
  ck_assert_msg(fabs(printed - mb(bytes)) <= 0.051, "%.1f MB for %zu bytes",
                printed, bytes);
}

static v8ish_heap_options young_options(void) {
  v8ish_heap_options options = {.young_min_bytes = 1 << 20,
                                .young_max_bytes = 1 << 20};
  return options;
}

/* some garbage and a list that survives */
static void allocate(script_world *w) {
  v8ish_handle_scope scope;
  v8ish_handle_scope_open(w->heap, &scope);
  for (int i = 0; i < 2000; i++) v8ish_fixed_array_new(w->heap, 8);
  v8ish_handle_scope_close(&scope);
}

START_TEST(mark_compact_line_reads_as_v8s) {
  v8ish_heap_options options = young_options();
  script_world w;
  script_world_init_with(&w, &options);
  script_make_list(&w, 20000);
  allocate(&w);
  ck_assert_int_eq(ccgc_collect(w.collector, CCGC_REASON_TESTING), CCGC_OK);
  const ccgc_cycle_stats *stats = ccgc_collector_last_cycle(w.collector);
  char line[2048];
  ck_assert_uint_gt(ccgc_format_trace_line(w.collector, stats, line,
                                           sizeof line), 0);
  trace_fields fields = parse_trace(line);
  ck_assert_str_eq(fields.kind, "Mark-Compact");
  ck_assert_str_eq(fields.reason, "testing");
  size_t used_before = 0, used_after = 0, committed_before = 0,
         committed_after = 0;
  for (int i = 0; i < stats->heap_count; i++) {
    used_before += stats->heaps[i].before.used_bytes;
    used_after += stats->heaps[i].after.used_bytes;
    committed_before += stats->heaps[i].before.committed_bytes;
    committed_after += stats->heaps[i].after.committed_bytes;
  }
  ck_assert_uint_gt(used_before, 1 << 19); /* a pair worth reading */
  check_mb(fields.used_before, used_before);
  check_mb(fields.committed_before, committed_before);
  check_mb(fields.used_after, used_after);
  check_mb(fields.committed_after, committed_after);
  ck_assert_msg(fabs(fields.pause - stats->total_ms) <= 0.0051, "%s", line);
  ck_assert(fields.external == 0.0);
  ck_assert(fields.average_mu >= 0 && fields.average_mu <= 1);
  ck_assert(fields.current_mu >= 0 && fields.current_mu <= 1);

  ck_assert_uint_gt(ccgc_format_trace_nvp(w.collector, stats, line,
                                          sizeof line), 0);
  GHashTable *pairs = parse_nvp(line);
  ck_assert_str_eq(g_hash_table_lookup(pairs, "gc"), "ms");
  ck_assert(fabs(nvp_number(pairs, "pause") - stats->total_ms) <= 0.051);
  ck_assert(nvp_number(pairs, "mutator") >= 0);
  ck_assert(fabs(nvp_number(pairs, "mark") - stats->mark_ms) <= 0.0051);
  ck_assert(fabs(nvp_number(pairs, "background.mark") -
                 stats->concurrent_ms) <= 0.0051);
  ck_assert(nvp_number(pairs, "total_size_before") == (double)used_before);
  ck_assert(nvp_number(pairs, "total_size_after") == (double)used_after);
  ck_assert(nvp_number(pairs, "ccgc.script.size_after") ==
            (double)stats->heaps[0].after.used_bytes);
  /* the atomic pause by component */
  struct {
    const char *key;
    double value;
  } parts[] = {{"mark.finish_incremental", stats->pause_markers_ms},
               {"mark.roots", stats->roots_ms},
               {"mark.main", stats->drain_ms},
               {"mark.weak_closure.ephemeron", stats->ephemeron_ms},
               {"clear.weak_references", stats->weak_callbacks_ms},
               {"ccgc.clear.heaps", stats->heap_weakness_ms},
               {"ccgc.sweep.finalize", stats->finalize_ms},
               {"ccgc.sweep.free", stats->sweep_ms},
               {"ccgc.listeners", stats->listeners_ms},
               {"ccgc.other", stats->other_ms}};
  double sum = nvp_number(pairs, "ccgc.verify");
  for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++) {
    double printed = nvp_number(pairs, parts[i].key);
    ck_assert_msg(printed >= 0 && fabs(printed - parts[i].value) <= 0.0051,
                  "%s=%g for %g", parts[i].key, printed, parts[i].value);
    sum += printed;
  }
  /* 11 values printed to 0.01: the sum is the pause within their rounding */
  ck_assert_msg(sum <= stats->total_ms + 11 * 0.0051 &&
                    sum >= stats->total_ms - 11 * 0.0051,
                "sum %g pause %g", sum, stats->total_ms);
  g_hash_table_unref(pairs);
  script_world_free(&w);
}
END_TEST

START_TEST(scavenge_line_reads_as_v8s) {
  v8ish_heap_options options = young_options();
  script_world w;
  script_world_init_with(&w, &options);
  script_make_list(&w, 5000);
  allocate(&w);
  ck_assert_int_eq(ccgc_collect_minor(w.collector,
                                      CCGC_REASON_ALLOCATION_FAILURE),
                   CCGC_OK);
  const ccgc_minor_stats *stats = ccgc_collector_last_minor(w.collector);
  char line[1024];
  ck_assert_uint_gt(ccgc_format_minor_trace_line(w.collector, stats, line,
                                                 sizeof line), 0);
  trace_fields fields = parse_trace(line);
  ck_assert_str_eq(fields.kind, "Scavenge");
  ck_assert_str_eq(fields.reason, "allocation failure");
  check_mb(fields.used_before, stats->used_before);
  check_mb(fields.committed_before, stats->committed_before);
  check_mb(fields.used_after, stats->used_after);
  check_mb(fields.committed_after, stats->committed_after);
  ck_assert_msg(fabs(fields.pause - stats->total_ms) <= 0.0051, "%s", line);

  ck_assert_uint_gt(ccgc_format_minor_trace_nvp(w.collector, stats, line,
                                                sizeof line), 0);
  GHashTable *pairs = parse_nvp(line);
  ck_assert_str_eq(g_hash_table_lookup(pairs, "gc"), "s");
  ck_assert(fabs(nvp_number(pairs, "scavenge") - stats->total_ms) <= 0.0051);
  ck_assert(nvp_number(pairs, "total_size_before") ==
            (double)stats->used_before);
  ck_assert(nvp_number(pairs, "total_size_after") ==
            (double)stats->used_after);
  ck_assert(nvp_number(pairs, "new_space_survived") ==
            (double)stats->survived_bytes);
  ck_assert(nvp_number(pairs, "nodes_copied_in_new") ==
            (double)stats->survived_objects);
  /* The semi-space as the scavenge left it (it adapts): the heap's. */
  ck_assert_uint_gt(stats->semispace_bytes, 0);
  ccgc_heap_stats heap_stats = script_stats(&w);
  ck_assert_uint_eq(stats->semispace_bytes, heap_stats.young_capacity_bytes);
  g_hash_table_unref(pairs);
  script_world_free(&w);
}
END_TEST

/* current mu: the share of the time since the previous collection that was
 * not the collection's own work, which for an incremental cycle is its
 * pause AND its marking steps (V8's RecordMutatorUtilization). The steps
 * were counted as mutator time: a cycle that did nothing but mark in steps
 * since the last one printed a current mu near 1. */
START_TEST(current_mu_counts_an_incremental_cycles_steps_as_its_own) {
  script_world w;
  script_world_init(&w, 0);
  script_make_list(&w, 200000);
  ck_assert_int_eq(ccgc_collect(w.collector, CCGC_REASON_TESTING), CCGC_OK);
  const ccgc_cycle_stats *stats = ccgc_collector_last_cycle(w.collector);
  double previous_end = stats->start_ms + stats->total_ms;
  char *text = NULL;
  size_t size = 0;
  FILE *out = open_memstream(&text, &size);
  ccgc_collector_set_trace_gc(w.collector, out, false);
  ck_assert_int_eq(ccgc_incremental_start(w.collector, CCGC_REASON_TESTING), CCGC_OK);
  while (!ccgc_incremental_step(w.collector, 0.5)) {
  }
  ck_assert_int_eq(ccgc_incremental_finish(w.collector), CCGC_OK);
  ccgc_collector_set_trace_gc(w.collector, NULL, false);
  fclose(out);
  stats = ccgc_collector_last_cycle(w.collector);
  ck_assert(stats->incremental);
  ck_assert_ptr_nonnull(strchr(text, '\n'));
  *strchr(text, '\n') = '\0'; /* one line */
  trace_fields fields = parse_trace(text);
  double since = stats->start_ms + stats->total_ms - previous_end;
  ck_assert(since > 0);
  double expected = 1.0 - (stats->total_ms + stats->incremental_ms) / since;
  if (expected < 0) expected = 0;
  double steps_as_mutator = 1.0 - stats->total_ms / since;
  /* The last cycle ended a little after its stats' pause (its end is taken
   * after the pause's bookkeeping): a small tolerance. */
  ck_assert_msg(fabs(fields.current_mu - expected) <= 0.05,
                "current mu %.3f, expected %.3f (steps counted as the "
                "mutator's: %.3f): %s",
                fields.current_mu, expected, steps_as_mutator, text);
  /* Formatted again from the record, later: the same line (the figures
   * are the record's, taken as the cycle ended; they were read from the
   * collector's state, and a later call printed a current mu of 0). */
  ck_assert_int_eq(ccgc_collect_minor(w.collector, CCGC_REASON_TESTING), CCGC_OK);
  char again[2048];
  ck_assert_uint_gt(ccgc_format_trace_line(w.collector, stats, again, sizeof again), 0);
  ck_assert_str_eq(again, text);
  free(text);
  script_world_free(&w);
}
END_TEST

/* The same with a scavenge between the steps and the finish: the window
 * starts at the scavenge's end, and the steps before it are not in it (all
 * of them were counted: a cycle whose pause followed 20 ms of host work
 * printed a current mu of 0). */
START_TEST(current_mu_counts_only_the_steps_since_the_last_collection) {
  script_world w;
  script_world_init(&w, 0);
  script_make_list(&w, 200000);
  ck_assert_int_eq(ccgc_incremental_start(w.collector, CCGC_REASON_TESTING), CCGC_OK);
  while (!ccgc_incremental_step(w.collector, 0.5)) {
  }
  ck_assert_int_eq(ccgc_collect_minor(w.collector, CCGC_REASON_TESTING), CCGC_OK);
  const ccgc_minor_stats *minor = ccgc_collector_last_minor(w.collector);
  double previous_end = minor->start_ms + minor->total_ms;
  /* Host work: about 20 ms of it, by the clock (not asserted). */
  double until = ccgc_time_ms() + 20.0;
  while (ccgc_time_ms() < until) {
  }
  char *text = NULL;
  size_t size = 0;
  FILE *out = open_memstream(&text, &size);
  ccgc_collector_set_trace_gc(w.collector, out, false);
  ck_assert_int_eq(ccgc_incremental_finish(w.collector), CCGC_OK);
  ccgc_collector_set_trace_gc(w.collector, NULL, false);
  fclose(out);
  const ccgc_cycle_stats *stats = ccgc_collector_last_cycle(w.collector);
  ck_assert(stats->incremental && stats->incremental_ms > 0);
  ck_assert_ptr_nonnull(strchr(text, '\n'));
  *strchr(text, '\n') = '\0';
  trace_fields fields = parse_trace(text);
  double since = stats->start_ms + stats->total_ms - previous_end;
  ck_assert(since > 0);
  double expected = 1.0 - stats->total_ms / since; /* no step since */
  if (expected < 0) expected = 0;
  ck_assert_msg(fabs(fields.current_mu - expected) <= 0.05,
                "current mu %.3f, expected %.3f (%.2f ms of steps before the "
                "scavenge): %s",
                fields.current_mu, expected, stats->incremental_ms, text);
  free(text);
  script_world_free(&w);
}
END_TEST

/* Every ccgc_format_* call returns the whole line's length, as snprintf,
 * whatever the buffer's size, and the buffer holds the line's start (a
 * short buffer returned the length of the pieces before the first that did
 * not fit: a second call with that size cut the line again). */
START_TEST(format_calls_return_the_whole_length_as_snprintf) {
  v8ish_heap_options options = young_options();
  script_world w;
  script_world_init_with(&w, &options);
  ck_assert_int_eq(ccgc_collect(w.collector, CCGC_REASON_TESTING), CCGC_OK);
  ck_assert_int_eq(ccgc_collect_minor(w.collector, CCGC_REASON_TESTING), CCGC_OK);
  const ccgc_cycle_stats *cycle = ccgc_collector_last_cycle(w.collector);
  const ccgc_minor_stats *minor = ccgc_collector_last_minor(w.collector);
  for (int kind = 0; kind < 4; kind++) {
    char full[4096], part[4096];
    size_t length = 0;
    for (size_t size = sizeof full; size >= 1; size = size == sizeof full ? length + 1 : size - 1) {
      char *buf = size == sizeof full ? full : part;
      size_t got = kind == 0   ? ccgc_format_trace_line(w.collector, cycle, buf, size)
                   : kind == 1 ? ccgc_format_trace_nvp(w.collector, cycle, buf, size)
                   : kind == 2 ? ccgc_format_minor_trace_line(w.collector, minor, buf, size)
                               : ccgc_format_minor_trace_nvp(w.collector, minor, buf, size);
      if (buf == full) {
        length = got;
        ck_assert_uint_gt(length, 20);
        ck_assert_uint_eq(strlen(full), length);
        continue;
      }
      ck_assert_msg(got == length, "kind %d, size %zu: %zu, not %zu", kind, size, got, length);
      ck_assert_uint_eq(strlen(part), size - 1 < length ? size - 1 : length);
      ck_assert(!strncmp(part, full, strlen(part)));
    }
  }
  script_world_free(&w);
}
END_TEST

/* The collector option: the key=value line replaces the --trace-gc line,
 * and the verbose mode adds the per-heap split. */
START_TEST(nvp_option_replaces_the_line_and_verbose_splits_per_heap) {
  char *text = NULL;
  size_t size = 0;
  FILE *out = open_memstream(&text, &size);
  ccgc_collector_options options = {.trace_gc = out, .trace_gc_nvp = true};
  ccgc_collector *collector = ccgc_collector_new(&options);
  v8ish_heap_options heap_options = young_options();
  v8ish_heap *heap = v8ish_heap_new(collector, &heap_options);
  ccgc_collect(collector, CCGC_REASON_TESTING);
  ccgc_collect_minor(collector, CCGC_REASON_TESTING);
  ccgc_collector_set_trace_gc_nvp(collector, false);
  ccgc_collector_set_trace_gc(collector, out, true);
  ccgc_collect(collector, CCGC_REASON_IDLE);
  fflush(out);
  ck_assert_msg(strstr(text, " ms: pause=") && strstr(text, " gc=ms ") &&
                    strstr(text, " gc=s ") &&
                    strstr(text, " ms: Mark-Compact ") &&
                    strstr(text, ") idle task; \nscript heap: ") &&
                    strstr(text, "helper threads "),
                "%s", text);
  /* verbose: the atomic pause by component, on a line of its own */
  const char *pause = strstr(text, "\npause: markers ");
  ck_assert_msg(pause != NULL, "%s", text);
  const ccgc_cycle_stats *stats = ccgc_collector_last_cycle(collector);
  double total = -1;
  const char *total_at = strstr(pause, ", total ");
  ck_assert_ptr_nonnull(total_at);
  ck_assert_int_eq(sscanf(total_at, ", total %lf ms\n", &total), 1);
  ck_assert(fabs(total - stats->total_ms) <= 0.0051);
  double markers = -1, roots = -1;
  ck_assert_int_eq(sscanf(pause, "\npause: markers %lf ms, roots %lf ms, ",
                          &markers, &roots),
                   2);
  ck_assert(fabs(markers - stats->pause_markers_ms) <= 0.0051);
  ck_assert(fabs(roots - stats->roots_ms) <= 0.0051);
  ck_assert_ptr_null(strstr(text, "Scavenge"));
  v8ish_heap_free(heap);
  ccgc_collector_free(collector);
  fclose(out);
  free(text);
}
END_TEST

static Suite *trace_gc_suite(void) {
  Suite *suite = suite_create("trace-gc");
  TCase *tc = tcase_create("core");
  tcase_set_timeout(tc, 30);
  tcase_add_test(tc, mark_compact_line_reads_as_v8s);
  tcase_add_test(tc, scavenge_line_reads_as_v8s);
  tcase_add_test(tc, current_mu_counts_an_incremental_cycles_steps_as_its_own);
  tcase_add_test(tc, current_mu_counts_only_the_steps_since_the_last_collection);
  tcase_add_test(tc, format_calls_return_the_whole_length_as_snprintf);
  tcase_add_test(tc, nvp_option_replaces_the_line_and_verbose_splits_per_heap);
  suite_add_tcase(suite, tc);
  return suite;
}

int main(void) { return ccgc_test_run(trace_gc_suite()); }
