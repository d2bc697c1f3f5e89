/* cmd-snapshot.c - `ccgc snapshot`: Chrome DevTools heap snapshots of the
 * demo host (ccgc-snapshot.h, the library's call) at three points of a scenario that leaks, for
 * DevTools and memlab: baseline, target (after an action that leaks) and
 * final (after an action that should have cleaned up). With --series it also
 * writes expected.json, what the host knows (counts from its own walk, the
 * ids of its attached and detached DOM nodes, the leaked ones), for tests. */
#include <errno.h>
#include <stdarg.h>
#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "atomic-file.h"
#include "cli-options.h"
#include "commands.h"
#include "demo-scenario.h"
#include "ccgc-snapshot.h"
#include "json-writer.h"
#include "host.h"

enum {
  POINT_BASELINE = DEMO_POINT_BASELINE,
  POINT_TARGET = DEMO_POINT_TARGET,
  POINT_FINAL = DEMO_POINT_FINAL,
  POINT_COUNT = DEMO_POINT_COUNT
};
#define point_names demo_point_names

static const char DESCRIPTION[] =
    "Runs a scenario of the demo host on the page (default: the bundled page)\n"
    "and writes Chrome DevTools heap snapshots (.heapsnapshot) of both heaps:\n"
    "wrapper pairs merged into one native node, DOM detachedness, ids stable\n"
    "across snapshots (docs/tools.md). Each point is taken right after a\n"
    "collection, as V8 collects before it snapshots:\n"
    "\n"
    "  baseline  the page is loaded; app = {document}; every button has a click\n"
    "            listener whose closure captures its wrapper; app.buttons\n"
    "  target    after 'open': #menu removed from the page (its links keep\n"
    "            listeners), a detached #tooltip held only by its listeners'\n"
    "            cycles, a #modal dialog appended to the page and kept in\n"
    "            app.modal\n"
    "  final     after 'close': #modal removed from the page but still in\n"
    "            app.modal (the leak), app.buttons dropped\n"
    "\n"
    "Open a snapshot in Chrome DevTools (Memory, Load profile) or give the three\n"
    "to memlab (findLeaksBySnapshotFilePaths): the leak trace runs from a global\n"
    "handle through app to the detached #modal.\n";

/* A DOM node as the host sees it at one point. */
typedef struct dom_node {
  void *address, *parent; /* parent: its parent node's address, or NULL */
  uint32_t id, parent_id;
  bool attached;
  char *label; /* "#modal", "<nav>", "text" */
  const char *type_name;
} dom_node;

/* What one point's snapshot holds, by the host's own count. */
typedef struct point {
  bool written;
  char *path;
  ccgc_heap_snapshot_stats stats;
  double ms;
  size_t walk_objects, walk_edges, root_groups, wrapped, user_roots;
  GArray *dom;       /* dom_node */
  GHashTable *ids;   /* the ids of dom (set) */
} point;

typedef struct run {
  ccgc_host_world *w;
  ccgc_heap_snapshot_ids *ids;
  bool baseline, quiet;
  demo_scenario scenario;
  point points[POINT_COUNT + 1];
  const char *series_dir; /* or NULL */
  const char *out_path;
  atomic_file out_file; /* --out, opened before the scenario runs */
  int at;
  int exit_code;
} run;

static void say(const run *r, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
static void say(const run *r, const char *fmt, ...) {
  if (r->quiet) return;
  va_list args;
  va_start(args, fmt);
  vprintf(fmt, args);
  va_end(args);
  putchar('\n');
}

/* --- the host's own count ------------------------------------------------------------ */

typedef struct census {
  run *r;
  size_t objects, edges;
  GHashTable *root_names; /* set of root edge names (owned) */
  GArray *dom;            /* dom_node */
} census;

static char *label_of(const ccgc_host_node *node) {
  if (node->kind == CCGC_HOST_DOCUMENT) return g_strdup("#document");
  if (node->kind == CCGC_HOST_TEXT) return g_strdup("text");
  const char *id = ccgc_host_get_attribute(node, "id");
  return id ? g_strdup_printf("#%s", id) : g_strdup_printf("<%s>", node->name);
}

static void census_object(const ccgc_object_info *info, void *data) {
  census *c = data;
  c->objects++;
  ccgc_host_node *node = ccgc_host_node_at(c->r->w, info->address);
  if (!node) return;
  dom_node d = {info->address, node->parent, 0, 0, ccgc_host_is_attached(c->r->w, node),
                label_of(node), g_intern_string(info->type_name)};
  g_array_append_val(c->dom, d);
}

static void census_edge(void *from, void *to, ccgc_edge edge, void *data) {
  census *c = data;
  (void)to;
  c->edges++;
  if (!from) g_hash_table_add(c->root_names, g_strdup(edge.name ? edge.name : ""));
}

/* Counts what the snapshot must hold from a walk of the host's own, and
 * which DOM nodes have a wrapper (a pair in unified mode). */
static void take_census(run *r, point *p) {
  census c = {r, 0, 0, g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL),
              g_array_new(FALSE, FALSE, sizeof(dom_node))};
  ccgc_walk_callbacks callbacks = {census_object, census_edge, &c};
  ccgc_collector_walk(r->w->collector, &callbacks);
  p->walk_objects = c.objects;
  p->walk_edges = c.edges;
  p->root_groups = g_hash_table_size(c.root_names);
  p->dom = c.dom;
  p->wrapped = 0;
  if (!r->baseline) { /* baseline: the wrapper is a root, nothing traces it back */
    v8ish_handle_scope scope;
    v8ish_handle_scope_open(r->w->script, &scope);
    for (guint i = 0; i < c.dom->len; i++)
      p->wrapped += !v8ish_local_is_empty(
          bridge_wrapper_of(r->w->bridge, g_array_index(c.dom, dom_node, i).address));
    v8ish_handle_scope_close(&scope);
  }
  g_hash_table_destroy(c.root_names);
}

/* --- writing ---------------------------------------------------------------------------- */

/* mkdir -p, and the path must be a directory. */
static int make_dir(const char *path) {
  int result = cli_make_dirs(path);
  struct stat info;
  if (result == 0 && (stat(path, &info) != 0 || !S_ISDIR(info.st_mode))) {
    errno = ENOTDIR;
    result = -1;
  }
  return result;
}

static bool wanted(const run *r, int at) {
  return r->series_dir ? true : r->at == at;
}

/* The page's user roots (ccgc-snapshot.h): app, the script's global
 * object (the page's window), and the document. */
static size_t user_roots(run *r, const void **roots) {
  size_t count = 0;
  if (r->scenario.has_app) {
    v8ish_handle_scope scope;
    v8ish_handle_scope_open(r->w->script, &scope);
    void *app = v8ish_object_address(r->w->script,
                                     v8ish_global_get(r->w->script, r->scenario.app));
    v8ish_handle_scope_close(&scope);
    if (app) roots[count++] = app; /* valid until the next collection */
  }
  roots[count++] = r->w->document;
  return count;
}

/* Writes the point's snapshot: into file (--out, opened before the
 * scenario ran) and commits it, or (--series) with the library's own
 * complete-or-absent file writer. Either way the file is complete, or not
 * there at all. */
static void write_point(run *r, int at, atomic_file *file) {
  point *p = &r->points[at];
  take_census(r, p); /* the detached count of every point's line */
  const void *roots[2];
  ccgc_heap_snapshot_options options = {
      .detachedness = ccgc_host_snapshot_detachedness, .detachedness_data = r->w,
      .user_roots = roots, .user_root_count = user_roots(r, roots)};
  p->user_roots = options.user_root_count;
  double start = ccgc_time_ms();
  ccgc_status status =
      file ? ccgc_heap_snapshot_write(r->w->collector, r->ids, file->stream, &options, &p->stats)
           : ccgc_heap_snapshot_write_file(r->w->collector, r->ids, p->path, &options,
                                           &p->stats);
  p->ms = ccgc_time_ms() - start;
  char error[512];
  bool ok = status == CCGC_OK;
  if (ok && file) {
    ok = atomic_file_commit(file, error, sizeof error);
  } else if (!ok) {
    const ccgc_error *last = ccgc_collector_last_error(r->w->collector);
    int code = errno;
    if (file) atomic_file_abort(file);
    if (file && status == CCGC_E_IO)
      snprintf(error, sizeof error, "cannot write '%s': %s", p->path,
               strerror(code ? code : EIO));
    else if (!file && status == CCGC_E_IO && last && last->code == CCGC_E_IO &&
             strstr(last->message, ": cannot write"))
      snprintf(error, sizeof error, "%s", strstr(last->message, ": cannot write") + 2);
    else
      snprintf(error, sizeof error, "cannot write '%s': %s", p->path,
               last && last->code == status ? last->message : ccgc_status_name(status));
  }
  if (!ok) {
    fprintf(stderr, "ccgc snapshot: %s\n", error);
    r->exit_code = 1;
    return;
  }
  p->written = true;
  size_t detached = 0;
  if (p->dom)
    for (guint i = 0; i < p->dom->len; i++) {
      dom_node *d = &g_array_index(p->dom, dom_node, i);
      d->id = ccgc_heap_snapshot_ids_lookup(r->ids, d->address);
      d->parent_id = d->parent ? ccgc_heap_snapshot_ids_lookup(r->ids, d->parent) : 0;
      detached += !d->attached;
    }
  char detail[64] = "";
  if (p->dom) snprintf(detail, sizeof detail, ", %zu detached DOM nodes", detached);
  say(r, "  %-8s %zu nodes, %zu edges (%zu wrapper pairs merged)%s, %.1f KB in %.2f ms -> %s",
      point_names[at], p->stats.node_count, p->stats.edge_count, p->stats.merged_pairs,
      detail, p->stats.bytes / 1024.0, p->ms, p->path);
  if (!r->series_dir) return;
  /* The host's count and the writer's must agree: the root, "(GC roots)"
   * and a node per root category; an edge to "(GC roots)", to each
   * category, and a shortcut to each user root. */
  size_t nodes = p->walk_objects - p->wrapped + 2 + p->root_groups;
  size_t edges = p->walk_edges - 2 * p->wrapped + 1 + p->root_groups + p->user_roots;
  if (nodes != p->stats.node_count || edges != p->stats.edge_count || p->stats.dropped_edges) {
    fprintf(stderr,
            "ccgc snapshot: %s: the host counts %zu nodes and %zu edges, the snapshot has "
            "%zu and %zu (%zu edges dropped)\n",
            point_names[at], nodes, edges, p->stats.node_count, p->stats.edge_count,
            p->stats.dropped_edges);
    r->exit_code = 1;
  }
  p->ids = g_hash_table_new(g_direct_hash, g_direct_equal);
  for (guint i = 0; i < p->dom->len; i++)
    g_hash_table_add(p->ids, GUINT_TO_POINTER(g_array_index(p->dom, dom_node, i).id));
}

/* Right after each point's collection (demo-scenario.c collects, as V8 does
 * before a snapshot): writes the point's snapshot if it is wanted, else
 * refreshes the ids (the snapshots after it keep theirs). */
static bool checkpoint(demo_scenario *scenario, int at, void *data) {
  run *r = data;
  (void)scenario;
  if (!wanted(r, at)) {
    ccgc_heap_snapshot_ids_refresh(r->ids, r->w->collector);
    return true;
  }
  point *p = &r->points[at];
  p->path = r->series_dir ? g_strdup_printf("%s/%s.heapsnapshot", r->series_dir,
                                            point_names[at])
                          : g_strdup(r->out_path);
  write_point(r, at, r->series_dir ? NULL : &r->out_file);
  return !r->exit_code && (r->series_dir || r->at != at);
}

/* --- expected.json ------------------------------------------------------------------------- */

/* which: 1 attached, 2 detached, 3 leaked: detached, and new in target
 * since baseline (memlab's leak candidates are new in target, alive in
 * final). */
static void write_dom_list(ccgc_json_writer *json, const char *key, const run *r, int at,
                           int which) {
  const point *p = &r->points[at];
  const point *baseline = &r->points[POINT_BASELINE];
  const point *target = &r->points[POINT_TARGET];
  ccgc_json_writer_member_begin_array(json, key);
  for (guint i = 0; i < p->dom->len; i++) {
    const dom_node *d = &g_array_index(p->dom, dom_node, i);
    bool keep = which == 1 ? d->attached : !d->attached;
    if (which == 3)
      keep = keep && !g_hash_table_contains(baseline->ids, GUINT_TO_POINTER(d->id)) &&
             g_hash_table_contains(target->ids, GUINT_TO_POINTER(d->id));
    if (!keep) continue;
    ccgc_json_writer_begin_object(json);
    ccgc_json_writer_member_uint(json, "id", d->id);
    ccgc_json_writer_member_uint(json, "parent", d->parent_id);
    ccgc_json_writer_member_string(json, "name", d->type_name);
    ccgc_json_writer_member_string(json, "label", d->label);
    ccgc_json_writer_end_object(json);
  }
  ccgc_json_writer_end_array(json);
}

/* Through the one JSON writer (json-writer.h). */
static int write_expected(run *r, const char *page) {
  GString *text = g_string_new(NULL);
  ccgc_json_writer *json = ccgc_json_writer_new_string(text, 0);
  ccgc_json_writer_begin_object(json);
  ccgc_json_writer_member_string(json, "bridge", r->baseline ? "baseline" : "unified");
  ccgc_json_writer_member_string(json, "page", page ? page : "bundled");
  ccgc_json_writer_member_begin_object(json, "snapshots");
  for (int at = POINT_BASELINE; at <= POINT_FINAL; at++) {
    const point *p = &r->points[at];
    char *base = g_path_get_basename(p->path);
    ccgc_json_writer_member_begin_object(json, point_names[at]);
    ccgc_json_writer_member_string(json, "file", base);
    g_free(base);
    /* node_count and edge_count by the host's own walk, not the writer's */
    ccgc_json_writer_member_uint(json, "node_count",
                                 p->walk_objects - p->wrapped + 2 + p->root_groups);
    ccgc_json_writer_member_uint(
        json, "edge_count",
        p->walk_edges - 2 * p->wrapped + 1 + p->root_groups + p->user_roots);
    ccgc_json_writer_member_uint(json, "walk_objects", p->walk_objects);
    ccgc_json_writer_member_uint(json, "walk_edges", p->walk_edges);
    ccgc_json_writer_member_uint(json, "root_groups", p->root_groups);
    ccgc_json_writer_member_uint(json, "user_roots", p->user_roots);
    ccgc_json_writer_member_uint(json, "wrapper_pairs", p->wrapped);
    ccgc_json_writer_member_uint(json, "bytes", p->stats.bytes);
    ccgc_json_writer_member_fixed(json, "ms", p->ms, 3);
    write_dom_list(json, "attached", r, at, 1);
    write_dom_list(json, "detached", r, at, 2);
    ccgc_json_writer_end_object(json);
  }
  ccgc_json_writer_end_object(json);
  write_dom_list(json, "leaked", r, POINT_FINAL, 3);
  ccgc_json_writer_end_object(json);
  if (ccgc_json_writer_finish(json) != CCGC_OK) {
    fprintf(stderr, "ccgc snapshot: expected.json: %s\n", ccgc_json_writer_error(json));
    ccgc_json_writer_free(json);
    g_string_free(text, TRUE);
    return 1;
  }
  ccgc_json_writer_free(json);
  g_string_append_c(text, '\n');
  GString *json_text = text;
  char *path = g_build_filename(r->series_dir, "expected.json", NULL);
  /* Written as every output file is (docs/tools.md): complete or not at
   * all, a device or FIFO in place, a symbolic link kept (it was replaced,
   * and a write to /dev/full through one reported success). */
  char error[512];
  int exit_code = 0;
  atomic_file out;
  if (!atomic_file_open(&out, path, true, error, sizeof error)) {
    fprintf(stderr, "ccgc snapshot: %s\n", error);
    exit_code = 1;
  } else {
    fwrite(json_text->str, 1, json_text->len, out.stream);
    if (!atomic_file_commit(&out, error, sizeof error)) {
      fprintf(stderr, "ccgc snapshot: %s\n", error);
      exit_code = 1;
    } else {
      say(r, "wrote %s", path);
    }
  }
  g_free(path);
  g_string_free(json_text, TRUE);
  return exit_code;
}

/* --- options -------------------------------------------------------------------------------- */

static bool parse_point(const char *text, void *target, char *message, size_t size) {
  return demo_scenario_point_option(text, target, message, size);
}

static int parse(int argc, char **argv, run *r, const char **page) {
  bool out_given = false, at_given = false;
  const cli_option options[] = {
      {.name = "out", .short_name = 'o', .kind = CLI_STRING, .target = &r->out_path,
       .arg = "FILE", .given = &out_given,
       .help = "the snapshot at POINT (default $XDG_CACHE_HOME/ccgc/demo/heap.heapsnapshot, "
               "that is ~/.cache/ccgc/demo/heap.heapsnapshot)"},
      {.name = "at", .kind = CLI_CUSTOM, .target = &r->at, .parse = parse_point,
       .arg = "POINT", .given = &at_given,
       .help = "baseline, target or final, or 1, 2, 3 (default final)"},
      CLI_OPT_STRING("series", &r->series_dir, "DIR",
                     "all three: DIR/baseline.heapsnapshot, DIR/target.heapsnapshot, "
                     "DIR/final.heapsnapshot, and DIR/expected.json (the host's counts, its "
                     "attached, detached and leaked DOM nodes)"),
      CLI_OPT_FLAG("baseline", &r->baseline,
                   "DOM-to-script references as global handles (the reference-counting "
                   "era): #menu and #tooltip leak too"),
      CLI_OPT_STRING("page", page, "FILE", "load FILE instead of the bundled page"),
      CLI_OPT_FLAG("quiet", &r->quiet, "no progress lines"),
      CLI_OPT_END};
  const cli_command command = {.name = "ccgc snapshot",
                               .extra_hint = "a page is given with --page",
                               .description = DESCRIPTION, .options = options};
  cli_parsed parsed;
  int code = cli_parse(&command, argc, argv, &parsed);
  if (code >= 0) return code;
  if (r->series_dir && (out_given || at_given))
    return cli_usage_error("ccgc snapshot", "%s",
                           "--series writes every point; it takes neither --out nor --at");
  return -1;
}

int ccgc_cmd_snapshot(int argc, char **argv) {
  run r = {.at = POINT_FINAL};
  const char *page = NULL;
  int parsed = parse(argc, argv, &r, &page);
  if (parsed >= 0) return parsed;
  /* No --out: beside the demo's pictures, never relative to the current
   * directory (cli_default_output_dir). */
  char *default_dir = cli_default_output_dir();
  char *default_out = g_build_filename(default_dir, "heap.heapsnapshot", NULL);
  g_free(default_dir);
  if (!r.out_path) r.out_path = default_out;
  if (r.series_dir && make_dir(r.series_dir) != 0) {
    fprintf(stderr, "ccgc snapshot: cannot create '%s': %s\n", r.series_dir, strerror(errno));
    g_free(default_out);
    return 1;
  }
  if (!r.series_dir) { /* fail before the scenario runs, not after */
    char *dir = g_path_get_dirname(r.out_path), error[512];
    bool made = make_dir(dir) == 0;
    g_free(dir);
    if (!made)
      snprintf(error, sizeof error, "cannot write '%s': %s", r.out_path, strerror(errno));
    if (!made || !atomic_file_open(&r.out_file, r.out_path, true, error, sizeof error)) {
      fprintf(stderr, "ccgc snapshot: %s\n", error);
      g_free(default_out);
      return 1;
    }
  }

  ccgc_collector_options options = {.verify = true};
  r.w = ccgc_host_world_new(r.baseline ? BRIDGE_MODE_BASELINE : BRIDGE_MODE_UNIFIED, &options);
  ccgc_status status = demo_scenario_load(r.w, page);
  if (status != CCGC_OK) {
    fprintf(stderr, "ccgc snapshot: %s\n", r.w->error);
    if (r.out_file.path) atomic_file_abort(&r.out_file);
    ccgc_host_world_free(r.w);
    g_free(default_out);
    return 1;
  }
  say(&r, "ccgc snapshot: %s: %zu elements, %zu text nodes; bridge: %s",
      page ? page : "bundled page",
      ccgc_host_count_nodes(r.w->document, CCGC_HOST_ELEMENT),
      ccgc_host_count_nodes(r.w->document, CCGC_HOST_TEXT),
      r.baseline ? "baseline (global handles)" : "unified (traced references)");
  r.ids = ccgc_heap_snapshot_ids_new();
  r.scenario.world = r.w;
  demo_scenario_run(&r.scenario, checkpoint, &r);
  if (ccgc_collector_last_verify(r.w->collector)->errors) {
    fprintf(stderr, "ccgc snapshot: the marking verifier found errors: %s\n",
            ccgc_collector_last_verify(r.w->collector)->first_error);
    r.exit_code = 1;
  }
  if (r.series_dir && r.exit_code == 0) r.exit_code = write_expected(&r, page);

  for (int at = POINT_BASELINE; at <= POINT_FINAL; at++) {
    point *p = &r.points[at];
    g_free(p->path);
    if (p->dom) {
      for (guint i = 0; i < p->dom->len; i++) g_free(g_array_index(p->dom, dom_node, i).label);
      g_array_free(p->dom, TRUE);
    }
    if (p->ids) g_hash_table_destroy(p->ids);
  }
  if (r.out_file.path) {
    atomic_file_abort(&r.out_file); /* the point never came */
  } else if (r.exit_code == 0 && r.quiet && !r.series_dir && r.out_path == default_out) {
    /* Written where the user did not say: where, even with --quiet (as
     * demo --quiet says; docs/tools.md "Where output goes"). */
    printf("wrote %s\n", default_out);
  }
  ccgc_heap_snapshot_ids_free(r.ids);
  demo_scenario_finish(&r.scenario);
  ccgc_host_world_free(r.w);
  g_free(default_out);
  return r.exit_code;
}
