/* cmd-stats.c - `ccgc stats`: memory of the demo host's heaps by category,
 * through the accounting module (ccgc-accounting.h), as a table, JSON or CSV;
 * optionally with the collector's V8-style --trace-gc lines.
 *
 * The heaps do not feed accounting per type (they count bytes and objects
 * per heap only: ccgc_collector_heap_stats), and a hook in the allocation
 * path would cost every allocation an atomic add for a report that is read
 * rarely. So the report is computed when asked: one ccgc_collector_walk adds
 * every object to its categories. Four views, each its own accounting table
 * so that each view's total is the heaps' total and nothing is counted twice:
 *   heap  "script", "dom"
 *   space "script/normal pages", "dom/large pages", ... (the kind of page an
 *         object lives on: ccgc_object_info.space_name)
 *   type  "script/Object", "dom/HTMLDivElement", ...
 *   host  the host's own: "host:listeners" (EventListener objects),
 *         "host:detached-dom" (detached Document/Element/Text nodes) - a
 *         subset, not a partition
 * The heap, space and type views' totals are checked against
 * ccgc_collector_heap_stats (used bytes, objects); a mismatch exits 1. The
 * walk gives payload sizes, the heaps count cells: a "<heap>/(headers+padding)"
 * category holds the difference, checked to be at most HEADER_SLACK bytes per
 * object. */
#include <glib.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ccgc-accounting.h"
#include "cli-options.h"
#include "commands.h"
#include "demo-scenario.h"
#include "accounting-json.h"
#include "json-writer.h"

#define NAME "ccgc stats"
/* Most bytes per object that a heap may count beyond its payload (a cell
 * header and allocation rounding). */
#define HEADER_SLACK 32

static const char DESCRIPTION[] =
    "Runs the demo host's scenario (the one of 'ccgc snapshot') up to POINT\n"
    "and reports memory by category, in four views whose categories are\n"
    "created by name at run time: per heap ('script', 'dom'), per space\n"
    "('script/normal pages', 'dom/large pages'), per type\n"
    "('dom/HTMLDivElement'), and the host's own ('host:listeners',\n"
    "'host:detached-dom'). The heap, space and type views' totals are checked\n"
    "against the heaps' own statistics (exit 1 if they differ).\n";

static const cli_choice FORMATS[] = {{"table", CCGC_REPORT_TABLE},
                                     {"json", CCGC_REPORT_JSON},
                                     {"csv", CCGC_REPORT_CSV},
                                     {NULL, 0}};

static bool parse_point(const char *text, void *target, char *message, size_t size) {
  return demo_scenario_point_option(text, target, message, size);
}

enum { VIEW_HEAP, VIEW_SPACE, VIEW_TYPE, VIEW_HOST, VIEW_COUNT };
static const char *const view_names[VIEW_COUNT] = {"heap", "space", "type", "host"};

typedef struct census {
  ccgc_host_world *w;
  ccgc_accounting *views[VIEW_COUNT];
  ccgc_category listeners, detached;
  int64_t payload[CCGC_MAX_HEAPS]; /* bytes the walk gave per heap, whatever the
                                      views' tables could name */
  GHashTable *type_categories;  /* "heap/type" -> category + 1 */
  GHashTable *space_categories; /* "heap/space" -> category + 1 */
} census;

/* The category of name in view, looked up once per name (the accounting
 * table's name lookup takes its lock; the adds after it do not). */
static ccgc_category cached_category(census *c, GHashTable *cache, int view,
                                     char *name) {
  gpointer found = g_hash_table_lookup(cache, name);
  if (!found) {
    found = GUINT_TO_POINTER(ccgc_accounting_category(c->views[view], name) + 1);
    g_hash_table_insert(cache, name, found);
  } else {
    g_free(name);
  }
  return GPOINTER_TO_UINT(found) - 1;
}

static void count_object(const ccgc_object_info *info, void *data) {
  census *c = data;
  if (info->heap_id >= 0 && info->heap_id < CCGC_MAX_HEAPS)
    c->payload[info->heap_id] += (int64_t)info->size;
  ccgc_accounting_add(c->views[VIEW_HEAP],
                      ccgc_accounting_category(c->views[VIEW_HEAP], info->heap_name),
                      (int64_t)info->size, 1);
  ccgc_category space = cached_category(
      c, c->space_categories, VIEW_SPACE,
      g_strdup_printf("%s/%s pages", info->heap_name, info->space_name));
  ccgc_accounting_add(c->views[VIEW_SPACE], space, (int64_t)info->size, 1);
  ccgc_category type = cached_category(
      c, c->type_categories, VIEW_TYPE,
      g_strdup_printf("%s/%s", info->heap_name, info->type_name));
  ccgc_accounting_add(c->views[VIEW_TYPE], type, (int64_t)info->size, 1);
  if (info->heap_id == blinkish_heap_collector_id(c->w->dom) &&
      !strcmp(info->type_name, "EventListener"))
    ccgc_accounting_add(c->views[VIEW_HOST], c->listeners, (int64_t)info->size, 1);
  ccgc_host_node *node = ccgc_host_node_at(c->w, info->address);
  if (node && !ccgc_host_is_attached(c->w, node))
    ccgc_accounting_add(c->views[VIEW_HOST], c->detached, (int64_t)info->size, 1);
}

static void ignore_edge(void *from, void *to, ccgc_edge edge, void *data) {
  (void)from, (void)to, (void)edge, (void)data;
}

/* An accounting report as a string, without its final newline. */
static char *report_of(const ccgc_accounting *accounting, ccgc_report_format format) {
  char *text = NULL;
  size_t size = 0;
  FILE *out = open_memstream(&text, &size);
  ccgc_accounting_write(accounting, out, format);
  fclose(out);
  if (size && text[size - 1] == '\n') text[size - 1] = '\0';
  return text;
}

static int64_t view_total(const ccgc_accounting *accounting, bool count) {
  int64_t total = 0;
  ccgc_category_stats stats;
  for (size_t i = 0; i < ccgc_accounting_category_count(accounting); i++) {
    ccgc_accounting_get(accounting, (ccgc_category)i, &stats);
    total += count ? stats.count : stats.bytes;
  }
  return total;
}

/* --format json: one document on stdout, through the one JSON writer
 * (names escaped and made valid UTF-8). False on a write error. */
static bool write_json_report(const census *c, const char *point, const ccgc_heap_stats *heaps,
                              int heap_count, bool match) {
  ccgc_json_writer *json = ccgc_json_writer_new_file(stdout, 0);
  ccgc_json_writer_begin_object(json);
  ccgc_json_writer_member_string(json, "point", point);
  ccgc_json_writer_member_begin_object(json, "views");
  for (int v = 0; v < VIEW_COUNT; v++) {
    ccgc_json_writer_key(json, view_names[v]);
    ccgc_accounting_write_json_view(json, c->views[v]);
  }
  ccgc_json_writer_end_object(json);
  ccgc_json_writer_member_begin_array(json, "heap_stats");
  for (int h = 0; h < heap_count; h++) {
    ccgc_json_writer_begin_object(json);
    ccgc_json_writer_member_string(json, "heap", ccgc_collector_heap_name(c->w->collector, h));
    ccgc_json_writer_member_uint(json, "used_bytes", heaps[h].used_bytes);
    ccgc_json_writer_member_uint(json, "object_count", heaps[h].object_count);
    ccgc_json_writer_member_uint(json, "committed_bytes", heaps[h].committed_bytes);
    ccgc_json_writer_member_uint(json, "page_count", heaps[h].page_count);
    ccgc_json_writer_member_uint(json, "young_used_bytes", heaps[h].young_used_bytes);
    ccgc_json_writer_member_uint(json, "young_committed_bytes", heaps[h].young_committed_bytes);
    ccgc_json_writer_member_uint(json, "young_capacity_bytes", heaps[h].young_capacity_bytes);
    ccgc_json_writer_member_uint(json, "limit_bytes", heaps[h].limit_bytes);
    ccgc_json_writer_member_uint(json, "soft_limit_bytes", heaps[h].soft_limit_bytes);
    ccgc_json_writer_member_double(json, "growing_factor", heaps[h].growing_factor);
    /* The last full collection's compaction (docs/compaction.md): the script
     * heap's old pages, the DOM heap's backing pages. */
    ccgc_json_writer_member_uint(json, "evacuated_pages", heaps[h].evacuated_pages);
    ccgc_json_writer_member_uint(json, "evacuated_bytes", heaps[h].evacuated_bytes);
    ccgc_json_writer_member_uint(json, "evacuated_objects", heaps[h].evacuated_objects);
    ccgc_json_writer_member_double(json, "evacuation_ms", heaps[h].evacuation_ms);
    ccgc_json_writer_end_object(json);
  }
  ccgc_json_writer_end_array(json);
  ccgc_json_writer_member_uint(json, "collections", ccgc_collector_cycle_count(c->w->collector));
  ccgc_json_writer_member_uint(json, "minor_collections",
                               ccgc_collector_minor_count(c->w->collector));
  ccgc_json_writer_member_bool(json, "totals_match_heap_stats", match);
  ccgc_json_writer_end_object(json);
  ccgc_status status = ccgc_json_writer_finish(json);
  if (status != CCGC_OK && status != CCGC_E_IO)
    fprintf(stderr, NAME ": %s\n", ccgc_json_writer_error(json));
  ccgc_json_writer_free(json);
  return status == CCGC_OK;
}

static void write_report(const census *c, ccgc_report_format format, const char *point,
                         const ccgc_heap_stats *heaps, int heap_count, bool match) {
  if (format == CCGC_REPORT_JSON) {
    write_json_report(c, point, heaps, heap_count, match);
    return;
  }
  if (format == CCGC_REPORT_CSV) {
    /* One table: the view first, then the accounting module's columns;
     * heap-stats rows carry used bytes and objects in bytes and count. */
    puts("view,category,bytes,count,peak_bytes,allocations");
    for (int v = 0; v < VIEW_COUNT; v++) {
      char *text = report_of(c->views[v], format);
      char **lines = g_strsplit(text, "\n", -1);
      for (size_t i = 1; lines[i]; i++) printf("%s,%s\n", view_names[v], lines[i]);
      g_strfreev(lines);
      free(text);
    }
    for (int h = 0; h < heap_count; h++)
      printf("heap-stats,%s,%zu,%zu,,\n", ccgc_collector_heap_name(c->w->collector, h),
             heaps[h].used_bytes, heaps[h].object_count);
    return;
  }
  printf("memory after '%s', by category\n", point);
  for (int v = 0; v < VIEW_COUNT; v++) {
    char *text = report_of(c->views[v], format);
    printf("\n[%s]%s\n%s\n", view_names[v],
           v == VIEW_HOST ? " (the host's own categories: a subset, not a partition)" : "",
           text);
    free(text);
  }
  printf("\nheap statistics (ccgc_collector_heap_stats):\n");
  for (int h = 0; h < heap_count; h++)
    printf("  %-8s %10zu bytes used %8zu objects %10zu bytes committed %4zu pages\n",
           ccgc_collector_heap_name(c->w->collector, h), heaps[h].used_bytes,
           heaps[h].object_count, heaps[h].committed_bytes, heaps[h].page_count);
  for (int h = 0; h < heap_count; h++)
    if (heaps[h].young_capacity_bytes)
      printf("  %-8s young generation: %zu bytes used, %zu bytes committed, %zu bytes "
             "capacity\n",
             ccgc_collector_heap_name(c->w->collector, h), heaps[h].young_used_bytes,
             heaps[h].young_committed_bytes, heaps[h].young_capacity_bytes);
  for (int h = 0; h < heap_count; h++) {
    char hard[48] = "none";
    if (heaps[h].limit_bytes)
      snprintf(hard, sizeof hard, "%zu bytes committed", heaps[h].limit_bytes);
    printf("  %-8s limits: next collection above %zu bytes of old objects (growing factor "
           "%.2f), hard limit %s\n",
           ccgc_collector_heap_name(c->w->collector, h), heaps[h].soft_limit_bytes,
           heaps[h].growing_factor, hard);
  }
  /* Both heaps compact (docs/compaction.md): the script heap's old pages,
   * the DOM heap's backing pages; the last full collection's figures. */
  for (int h = 0; h < heap_count; h++)
    printf("  %-8s last compaction: %zu pages evacuated, %zu bytes moved (%zu objects), "
           "%.2f ms\n",
           ccgc_collector_heap_name(c->w->collector, h), heaps[h].evacuated_pages,
           heaps[h].evacuated_bytes, heaps[h].evacuated_objects, heaps[h].evacuation_ms);
  printf("collections: %lu full, %lu minor (scavenges)\n", ccgc_collector_cycle_count(c->w->collector),
         ccgc_collector_minor_count(c->w->collector));
  printf("totals match the heap statistics: %s\n", match ? "yes" : "NO");
}

int ccgc_cmd_stats(int argc, char **argv) {
  int format = CCGC_REPORT_TABLE;
  const char *page = NULL;
  bool baseline = false, trace = false, verbose = false, scavenge = false, nvp = false;
  int at = DEMO_POINT_FINAL;
  size_t capacity = 256;
  const cli_option table[] = {
      CLI_OPT_CHOICE("format", &format, FORMATS, "format", "F",
                     "table (default), json or csv"),
      CLI_OPT_CUSTOM("at", &at, parse_point, "POINT",
                     "baseline, target, final or 1..3 (default final)"),
      CLI_OPT_COUNT("max-categories", &capacity, 1, 65536, "N",
                    "the name-to-category table's size per view (default 256, 1 to 65536); "
                    "names past it go to 'other'"),
      CLI_OPT_FLAG("trace-gc", &trace, "a V8-style line per collection of the scenario"),
      CLI_OPT_FLAG("trace-gc-verbose", &verbose, "also per-heap detail lines"),
      CLI_OPT_FLAG("trace-gc-nvp", &nvp,
                   "V8's key=value line instead of the --trace-gc line (on stdout with "
                   "table, on stderr with json and csv, so that the report stays "
                   "parseable)"),
      CLI_OPT_FLAG("scavenge", &scavenge,
                   "a minor collection (a scavenge) before each point's full collection"),
      CLI_OPT_STRING("page", &page, "FILE", "load FILE instead of the bundled page"),
      CLI_OPT_FLAG("baseline", &baseline, "DOM-to-script references as global handles"),
      CLI_OPT_END};
  const cli_command command = {.name = NAME, .extra_hint = "a page is given with --page",
                               .description = DESCRIPTION, .options = table};
  cli_parsed parsed;
  int parsed_code = cli_parse(&command, argc, argv, &parsed);
  if (parsed_code >= 0) return parsed_code;
  trace = trace || verbose || nvp;

  ccgc_collector_options options = {
      .verify = true,
      .trace_gc = trace ? (format == CCGC_REPORT_TABLE ? stdout : stderr) : NULL,
      .trace_gc_verbose = verbose, .trace_gc_nvp = nvp};
  ccgc_host_world *w = demo_scenario_open(NAME, baseline, &options, page);
  if (!w) return 1;
  demo_scenario scenario = {.world = w, .scavenge = scavenge};
  demo_scenario_run_to(&scenario, at);
  fflush(stdout);

  census c = {.w = w,
              .type_categories = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL),
              .space_categories = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL)};
  for (int v = 0; v < VIEW_COUNT; v++) c.views[v] = ccgc_accounting_new((size_t)capacity);
  c.listeners = ccgc_accounting_category(c.views[VIEW_HOST], "host:listeners");
  c.detached = ccgc_accounting_category(c.views[VIEW_HOST], "host:detached-dom");
  ccgc_walk_callbacks callbacks = {count_object, ignore_edge, &c};
  ccgc_collector_walk(w->collector, &callbacks);

  ccgc_heap_stats heaps[CCGC_MAX_HEAPS];
  int heap_count = ccgc_collector_heap_count(w->collector);
  size_t used = 0, objects = 0;
  for (int h = 0; h < heap_count; h++) {
    ccgc_collector_heap_stats(w->collector, h, &heaps[h]);
    used += heaps[h].used_bytes;
    objects += heaps[h].object_count;
  }
  /* ccgc_object_info.size is an object's payload; a heap's used bytes count
   * its cells (the DOM heap's headers and rounding). The difference gets a
   * category of its own per heap, with no objects, and must stay within a
   * cell header and rounding (at most HEADER_SLACK bytes) per object. The
   * payload is the walk's own sum per heap, not a category's: with a small
   * --max-categories a heap's name may have gone to "other" with others. */
  bool match = true;
  for (int h = 0; h < heap_count; h++) {
    const char *heap = ccgc_collector_heap_name(w->collector, h);
    int64_t slack = (int64_t)heaps[h].used_bytes - c.payload[h];
    if (slack < 0 || slack > (int64_t)(HEADER_SLACK * heaps[h].object_count)) match = false;
    if (slack <= 0) continue;
    char name[96];
    snprintf(name, sizeof name, "%s/(headers+padding)", heap);
    for (int v = VIEW_HEAP; v <= VIEW_TYPE; v++)
      ccgc_accounting_add(c.views[v], ccgc_accounting_category(c.views[v], name), slack, 0);
  }
  for (int v = VIEW_HEAP; v <= VIEW_TYPE; v++)
    match = match && view_total(c.views[v], false) == (int64_t)used &&
            view_total(c.views[v], true) == (int64_t)objects;
  write_report(&c, format, demo_point_names[at], heaps, heap_count, match);
  /* A report that could not be written: main says so, once, as for
   * every command (cli_check_stdout), and the exit status is 1. */
  int code = 0;
  if (!match) {
    fprintf(stderr, NAME ": the categories' totals differ from the heap statistics "
                    "(%zu bytes, %zu objects)\n", used, objects);
    code = 1;
  }
  for (int v = 0; v < VIEW_COUNT; v++) ccgc_accounting_free(c.views[v]);
  g_hash_table_destroy(c.type_categories);
  g_hash_table_destroy(c.space_categories);
  demo_scenario_finish(&scenario);
  ccgc_host_world_free(w);
  return code;
}
