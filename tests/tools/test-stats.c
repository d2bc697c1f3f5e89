/* test-stats.c - `ccgc stats`: the JSON report parsed with json-glib and the
 * CSV report parsed field by field; in both, the heap and type views' totals
 * equal the heaps' own statistics (ccgc_collector_heap_stats) of an
 * in-process run of the same scenario, and per-type counts equal a walk of
 * it; the host's categories; the fallback category when the table is full;
 * --trace-gc lines; tables too small for the heaps' names (everything in
 * "other", totals still checked); bad input. */
#include <check.h>
#include <math.h>
#include <glib.h>
#include <json-glib/json-glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ccgc-test.h"
#include "demo-scenario.h"
#include "run-command.h"

/* The heaps after the scenario's final point, by the API. */
typedef struct expected {
  size_t used, objects;            /* both heaps */
  size_t heap_used[2], heap_objects[2], heap_soft_limit[2];
  double heap_factor[2];
  size_t buttons, listeners;       /* dom/HTMLButtonElement, dom/EventListener objects */
} expected;

static void count_type(const ccgc_object_info *info, void *data) {
  expected *e = data;
  if (strcmp(info->heap_name, "dom")) return;
  e->buttons += !strcmp(info->type_name, "HTMLButtonElement");
  e->listeners += !strcmp(info->type_name, "EventListener");
}

static void ignore_edge(void *from, void *to, ccgc_edge edge, void *data) {
  (void)from, (void)to, (void)edge, (void)data;
}

static expected in_process(void) {
  expected e = {0};
  ccgc_collector_options options = {.verify = true};
  ccgc_host_world *w = demo_scenario_open("test", false, &options, NULL);
  ck_assert_ptr_nonnull(w);
  demo_scenario s = {.world = w};
  demo_scenario_run_to(&s, DEMO_POINT_FINAL);
  ck_assert_int_eq(ccgc_collector_heap_count(w->collector), 2);
  for (int h = 0; h < 2; h++) {
    ccgc_heap_stats stats;
    ccgc_collector_heap_stats(w->collector, h, &stats);
    e.heap_used[h] = stats.used_bytes;
    e.heap_objects[h] = stats.object_count;
    e.heap_soft_limit[h] = stats.soft_limit_bytes;
    e.heap_factor[h] = stats.growing_factor;
    e.used += stats.used_bytes;
    e.objects += stats.object_count;
  }
  ccgc_walk_callbacks callbacks = {count_type, ignore_edge, &e};
  ccgc_collector_walk(w->collector, &callbacks);
  demo_scenario_finish(&s);
  ccgc_host_world_free(w);
  ck_assert_uint_gt(e.buttons, 0);
  return e;
}

/* Sums a JSON view's categories; *count_of gets the count of `name`. */
static void sum_view(JsonObject *view, const char *name, gint64 *bytes, gint64 *count,
                     gint64 *count_of) {
  JsonArray *categories = json_object_get_array_member(view, "categories");
  *bytes = *count = 0;
  if (count_of) *count_of = -1;
  for (guint i = 0; i < json_array_get_length(categories); i++) {
    JsonObject *category = json_array_get_object_element(categories, i);
    *bytes += json_object_get_int_member(category, "bytes");
    *count += json_object_get_int_member(category, "count");
    if (count_of && !strcmp(json_object_get_string_member(category, "name"), name))
      *count_of = json_object_get_int_member(category, "count");
  }
  JsonObject *total = json_object_get_object_member(view, "total");
  ck_assert_int_eq(json_object_get_int_member(total, "bytes"), *bytes);
  ck_assert_int_eq(json_object_get_int_member(total, "count"), *count);
}

START_TEST(json_totals_match_the_heap_statistics) {
  expected e = in_process();
  command_result result = run_ccgc("stats --format json");
  ck_assert_msg(result.exit_code == 0, "%s", result.err);
  JsonParser *parser = json_parser_new();
  GError *error = NULL;
  ck_assert_msg(json_parser_load_from_data(parser, result.out, -1, &error), "%s",
                error ? error->message : "");
  JsonObject *root = json_node_get_object(json_parser_get_root(parser));
  /* One document, one line, exactly the documented members (docs/tools.md). */
  ck_assert(g_str_has_suffix(result.out, "}\n") && strchr(result.out, '\n')[1] == '\0');
  static const char *const members[] = {"point", "views", "heap_stats", "collections",
                                        "minor_collections", "totals_match_heap_stats"};
  ck_assert_uint_eq(json_object_get_size(root), G_N_ELEMENTS(members));
  for (size_t i = 0; i < G_N_ELEMENTS(members); i++)
    ck_assert_msg(json_object_has_member(root, members[i]), "no member %s", members[i]);
  ck_assert_int_eq(json_object_get_int_member(root, "collections"), 3);
  ck_assert_str_eq(json_object_get_string_member(root, "point"), "final");
  ck_assert(json_object_get_boolean_member(root, "totals_match_heap_stats"));
  JsonObject *views = json_object_get_object_member(root, "views");
  gint64 bytes, count, of;
  sum_view(json_object_get_object_member(views, "heap"), "dom", &bytes, &count, NULL);
  ck_assert_int_eq(bytes, (gint64)e.used);
  ck_assert_int_eq(count, (gint64)e.objects);
  sum_view(json_object_get_object_member(views, "type"), "dom/HTMLButtonElement", &bytes,
           &count, &of);
  ck_assert_int_eq(bytes, (gint64)e.used);
  ck_assert_int_eq(count, (gint64)e.objects);
  ck_assert_int_eq(of, (gint64)e.buttons);
  sum_view(json_object_get_object_member(views, "space"), "dom/normal pages", &bytes,
           &count, &of);
  ck_assert_int_eq(bytes, (gint64)e.used);
  ck_assert_int_eq(count, (gint64)e.objects);
  ck_assert_int_gt(of, 0);
  sum_view(json_object_get_object_member(views, "host"), "host:listeners", &bytes, &count, &of);
  ck_assert_int_eq(of, (gint64)e.listeners);
  /* the report's own copy of the heap statistics agrees with the API's */
  JsonArray *heaps = json_object_get_array_member(root, "heap_stats");
  ck_assert_uint_eq(json_array_get_length(heaps), 2);
  for (guint h = 0; h < 2; h++) {
    JsonObject *heap = json_array_get_object_element(heaps, h);
    ck_assert_int_eq(json_object_get_int_member(heap, "used_bytes"), (gint64)e.heap_used[h]);
    ck_assert_int_eq(json_object_get_int_member(heap, "object_count"),
                     (gint64)e.heap_objects[h]);
    /* the growing policy's limit and factor (docs/heap-growth.md): the
     * factor follows measured speeds, so two processes need not agree on
     * it; both lie in the policy's range and the limit is above the live
     * size in both. */
    double factor = json_object_get_double_member(heap, "growing_factor");
    /* Both heaps report their last compaction (docs/compaction.md). */
    ck_assert(json_object_has_member(heap, "evacuated_pages"));
    ck_assert(json_object_has_member(heap, "evacuation_ms"));
    ck_assert(e.heap_factor[h] >= 1.1 && e.heap_factor[h] <= 4.0);
    ck_assert_msg(factor >= 1.1 && factor <= 4.0, "factor %g", factor);
    ck_assert(e.heap_soft_limit[h] > e.heap_used[h]);
    ck_assert_int_gt(json_object_get_int_member(heap, "soft_limit_bytes"),
                     (gint64)e.heap_used[h]);
  }
  g_object_unref(parser);
  command_result_free(&result);
}
END_TEST

START_TEST(csv_totals_match_the_heap_statistics) {
  expected e = in_process();
  command_result result = run_ccgc("stats --format csv");
  ck_assert_msg(result.exit_code == 0, "%s", result.err);
  /* Our category names hold no comma or quote: then CSV is plain fields. */
  ck_assert_ptr_null(strchr(result.out, '"'));
  char **lines = g_strsplit(result.out, "\n", -1);
  ck_assert_str_eq(lines[0], "view,category,bytes,count,peak_bytes,allocations");
  gint64 bytes[4] = {0}, counts[4] = {0}, buttons = -1, stats_used = 0, stats_objects = 0;
  size_t rows = 0;
  for (size_t i = 1; lines[i] && lines[i][0]; i++, rows++) {
    char **fields = g_strsplit(lines[i], ",", -1);
    ck_assert_uint_eq(g_strv_length(fields), 6);
    char *end;
    gint64 b = g_ascii_strtoll(fields[2], &end, 10);
    ck_assert(*end == '\0' && end != fields[2]);
    gint64 c = g_ascii_strtoll(fields[3], &end, 10);
    ck_assert(*end == '\0' && end != fields[3]);
    const char *views[] = {"heap", "space", "type", "host"};
    bool known = false;
    for (int v = 0; v < 4; v++)
      if (!strcmp(fields[0], views[v])) {
        bytes[v] += b;
        counts[v] += c;
        known = true;
      }
    if (!strcmp(fields[0], "heap-stats")) {
      stats_used += b;
      stats_objects += c;
      known = true;
    }
    ck_assert_msg(known, "row %s", lines[i]);
    if (!strcmp(fields[1], "dom/HTMLButtonElement")) buttons = c;
    g_strfreev(fields);
  }
  ck_assert_uint_gt(rows, 20);
  for (int v = 0; v < 3; v++) { /* heap, space, type: partitions */
    ck_assert_int_eq(bytes[v], (gint64)e.used);
    ck_assert_int_eq(counts[v], (gint64)e.objects);
  }
  ck_assert_int_eq(stats_used, (gint64)e.used);
  ck_assert_int_eq(stats_objects, (gint64)e.objects);
  ck_assert_int_eq(buttons, (gint64)e.buttons);
  g_strfreev(lines);
  command_result_free(&result);
}
END_TEST

START_TEST(table_trace_and_fallback) {
  command_result result = run_ccgc("stats --trace-gc");
  ck_assert_msg(result.exit_code == 0, "%s", result.err);
  /* three collections, one V8-style line each, then the table */
  size_t traces = 0;
  for (const char *at = result.out; (at = strstr(at, "Mark-Compact")); at++) traces++;
  ck_assert_uint_eq(traces, 3);
  ck_assert(strstr(result.out, "[host]") && strstr(result.out, "host:listeners"));
  ck_assert(strstr(result.out, "totals match the heap statistics: yes"));
  command_result_free(&result);
  /* JSON keeps stdout clean: the trace lines go to stderr */
  result = run_ccgc("stats --format json --trace-gc-verbose");
  ck_assert_int_eq(result.exit_code, 0);
  ck_assert_ptr_null(strstr(result.out, "Mark-Compact"));
  ck_assert(strstr(result.err, "Mark-Compact"));
  command_result_free(&result);
  /* a full table: new names fall back to "other", totals still match */
  result = run_ccgc("stats --max-categories 4 --format csv");
  ck_assert_msg(result.exit_code == 0, "%s", result.err);
  ck_assert(strstr(result.out, "type,other,"));
  ck_assert_ptr_null(strstr(result.out, "type,other,0,0"));
  command_result_free(&result);
}
END_TEST

/* Tables smaller than the views' names (defect 10 of issue 13): the heaps'
 * own names, their types and the (headers+padding) rows overflow into
 * "other", and the totals still match the heap statistics. */
/* V8's --trace-gc line of a scavenge: "[pid:isolate]  N ms: Scavenge
 * used (committed) -> used (committed) MB, pause / external ms  (average mu =
 * ..., current mu = ...) reason; " */
#define SCAVENGE_LINE                                                                  \
  "^\\[\\d+:0x[0-9a-f]+\\] +\\d+ ms: Scavenge [0-9.]+ \\([0-9.]+\\) -> [0-9.]+ "          \
  "\\([0-9.]+\\) MB, [0-9.]+ / [0-9.]+ ms  \\(average mu = [0-9.]+, current mu = [0-9.]+\\) " \
  "runtime; $"

static size_t count_lines(const char *pattern, const char *text) {
  GRegex *regex = g_regex_new(pattern, G_REGEX_MULTILINE, 0, NULL);
  GMatchInfo *match = NULL;
  size_t count = 0;
  for (g_regex_match(regex, text, 0, &match); g_match_info_matches(match);
       g_match_info_next(match, NULL))
    count++;
  g_match_info_free(match);
  g_regex_unref(regex);
  return count;
}

/* --scavenge: a minor collection before each point's full one; --trace-gc
 * prints V8's Scavenge line for each, and the report counts them and shows
 * the young generation. */
START_TEST(scavenges_are_traced_and_counted) {
  command_result result = run_ccgc("stats --scavenge --trace-gc");
  ck_assert_msg(result.exit_code == 0, "%s", result.err);
  ck_assert_msg(count_lines(SCAVENGE_LINE, result.out) == 3, "%s", result.out);
  ck_assert_uint_eq(count_lines("^\\[\\d+:0x[0-9a-f]+\\] +\\d+ ms: Mark-Compact ", result.out), 3);
  ck_assert(strstr(result.out, "collections: 3 full, 3 minor (scavenges)"));
  ck_assert_uint_eq(count_lines("^  script +young generation: \\d+ bytes used, [1-9]\\d* bytes "
                                "committed, [1-9]\\d* bytes capacity$", result.out), 1);
  ck_assert(strstr(result.out, "totals match the heap statistics: yes"));
  command_result_free(&result);
  /* without --scavenge: none */
  result = run_ccgc("stats --trace-gc");
  ck_assert_int_eq(result.exit_code, 0);
  ck_assert_ptr_null(strstr(result.out, "Scavenge"));
  ck_assert(strstr(result.out, "collections: 3 full, 0 minor (scavenges)"));
  command_result_free(&result);
  /* JSON: the counts and the young generation's bytes */
  result = run_ccgc("stats --scavenge --at target --format json");
  ck_assert_msg(result.exit_code == 0, "%s", result.err);
  JsonParser *parser = json_parser_new();
  ck_assert(json_parser_load_from_data(parser, result.out, -1, NULL));
  JsonObject *root = json_node_get_object(json_parser_get_root(parser));
  ck_assert_int_eq(json_object_get_int_member(root, "minor_collections"), 2);
  ck_assert_int_eq(json_object_get_int_member(root, "collections"), 2);
  JsonArray *heaps = json_object_get_array_member(root, "heap_stats");
  bool young = false;
  for (guint h = 0; h < json_array_get_length(heaps); h++) {
    JsonObject *heap = json_array_get_object_element(heaps, h);
    gint64 capacity = json_object_get_int_member(heap, "young_capacity_bytes");
    if (!strcmp(json_object_get_string_member(heap, "heap"), "script")) {
      young = capacity > 0;
      ck_assert_int_ge(json_object_get_int_member(heap, "committed_bytes"),
                       json_object_get_int_member(heap, "young_committed_bytes"));
    } else {
      ck_assert_int_eq(capacity, 0); /* the DOM heap has no young generation */
    }
  }
  ck_assert(young);
  g_object_unref(parser);
  command_result_free(&result);
}
END_TEST

START_TEST(small_tables_overflow_into_other) {
  expected e = in_process();
  for (int capacity = 1; capacity <= 3; capacity++) {
    char *args = g_strdup_printf("stats --max-categories %d --format json", capacity);
    command_result result = run_ccgc(args);
    ck_assert_msg(result.exit_code == 0, "%s: exit %d: %s", args, result.exit_code,
                  result.err);
    JsonParser *parser = json_parser_new();
    GError *error = NULL;
    ck_assert_msg(json_parser_load_from_data(parser, result.out, -1, &error), "%s: %s", args,
                  error ? error->message : "");
    JsonObject *root = json_node_get_object(json_parser_get_root(parser));
    ck_assert_msg(json_object_get_boolean_member(root, "totals_match_heap_stats"), "%s", args);
    JsonObject *views = json_object_get_object_member(root, "views");
    const char *partitions[] = {"heap", "space", "type"};
    for (int v = 0; v < 3; v++) {
      JsonObject *view = json_object_get_object_member(views, partitions[v]);
      JsonArray *categories = json_object_get_array_member(view, "categories");
      ck_assert_int_le(json_array_get_length(categories), capacity);
      gint64 bytes, count, other;
      sum_view(view, "other", &bytes, &count, &other);
      ck_assert_int_eq(bytes, (gint64)e.used);
      ck_assert_int_eq(count, (gint64)e.objects);
      if (capacity == 1) ck_assert_int_eq(other, (gint64)e.objects); /* all of it */
      else ck_assert_int_ge(other, 0);
    }
    g_object_unref(parser);
    command_result_free(&result);
    g_free(args);
  }
  /* the table and CSV formats say the same */
  command_result result = run_ccgc("stats --max-categories 1");
  ck_assert_msg(result.exit_code == 0, "%s", result.err);
  ck_assert(strstr(result.out, "totals match the heap statistics: yes"));
  command_result_free(&result);
  result = run_ccgc("stats --max-categories 2 --format csv");
  ck_assert_msg(result.exit_code == 0, "%s", result.err);
  ck_assert(strstr(result.out, "heap,other,"));
  command_result_free(&result);
}
END_TEST

static void expect(const char *args, int code, const char *message) {
  command_result result = run_ccgc(args);
  ck_assert_msg(result.exit_code == code, "%s: exit %d, want %d: %s", args, result.exit_code,
                code, result.err);
  ck_assert_msg(strstr(result.err, message), "%s: %s", args, result.err);
  command_result_free(&result);
}

START_TEST(bad_input_says_so) {
  command_result result = run_ccgc("stats --help");
  ck_assert_int_eq(result.exit_code, 0);
  ck_assert(strstr(result.out, "usage: ccgc stats"));
  command_result_free(&result);
  expect("stats --format xml", 2, "unknown format 'xml'");
  expect("stats --max-categories 0", 2, "--max-categories 0 is out of range");
  expect("stats --at 9", 2, "--at 9 is out of range");
  expect("stats --format", 2, "needs a value");
  expect("stats --bogus", 2, "unknown option '--bogus'");
  expect("stats extra", 2, "unexpected argument 'extra'");
  expect("stats --page /no/such/page.html", 1, "/no/such/page.html");
}
END_TEST

int main(void) {
  Suite *suite = suite_create("stats");
  TCase *tc = tcase_create("core");
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, json_totals_match_the_heap_statistics);
  tcase_add_test(tc, csv_totals_match_the_heap_statistics);
  tcase_add_test(tc, table_trace_and_fallback);
  tcase_add_test(tc, scavenges_are_traced_and_counted);
  tcase_add_test(tc, small_tables_overflow_into_other);
  tcase_add_test(tc, bad_input_says_so);
  suite_add_tcase(suite, tc);
  return ccgc_test_run(suite);
}
