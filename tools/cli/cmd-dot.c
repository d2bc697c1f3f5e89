/* cmd-dot.c - `ccgc dot`: a Graphviz picture of both heaps after a point of
 * the demo host's scenario (demo-scenario.h), with the filters of
 * graph-dump.h: focus with a depth, retaining paths, detached subtrees, a
 * node budget. */
#include <errno.h>
#include <glib.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "atomic-file.h"
#include "ccgc-testing.h" /* a reproducible mid-cycle step */
#include "cli-options.h"
#include "commands.h"
#include "demo-scenario.h"
#include "graph-dump.h"

#define NAME "ccgc dot"

/* The node budget when the picture is rendered in process and no
 * --max-nodes was given (docs/tools.md). */
#define DOT_RENDER_DEFAULT_MAX_NODES 1000

typedef struct dot_args {
  const char *out, *svg, *png, *page, *focus;
  GPtrArray *paths;
  bool detached, all, baseline, mid_cycle, depth_given;
  bool out_given; /* --out was given (else the default path) */
  int depth, at;
  size_t max_nodes;
} dot_args;

static int usage_error(const char *fmt, const char *arg) {
  return cli_usage_error(NAME, fmt, arg);
}


static const char DESCRIPTION[] =
    "Runs the demo host's scenario (the one of 'ccgc snapshot': #menu and\n"
    "#tooltip detached and held by their listeners' cycles, #modal detached\n"
    "and kept by app.modal) up to POINT and draws both heaps with Graphviz:\n"
    "one cluster per heap, wrapper pairs bonded, roots, weak edges dashed,\n"
    "ephemeron edges dotted (docs/tools.md).\n"
    "\n"
    "OBJ names an object: #ID is the element whose id attribute is ID (#menu,\n"
    "#modal, also #document); @N is the object labelled @N in a picture (its\n"
    "index in the walk; the same for the same page, point and options).\n";

static bool parse_point(const char *text, void *target, char *message, size_t size) {
  return demo_scenario_point_option(text, target, message, size);
}

/* Options; returns -1 to go on, else the exit code. */
static int parse(int argc, char **argv, dot_args *a) {
  const cli_option options[] = {
      CLI_OPT_STRING("out", &a->out, "FILE.dot",
                     "the DOT file (default $XDG_CACHE_HOME/ccgc/demo/heap.dot, that is "
                     "~/.cache/ccgc/demo/heap.dot)"),
      CLI_OPT_STRING("svg", &a->svg, "FILE", "also render SVG in process (libgvc)"),
      CLI_OPT_STRING("png", &a->png, "FILE", "also render PNG in process"),
      CLI_OPT_STRING("focus", &a->focus, "OBJ",
                     "only OBJ and what lies within --depth hops of it"),
      CLI_OPT_STRINGS("path", a->paths, "OBJ",
                      "only the shortest retaining path of OBJ from a root (repeat for "
                      "several objects)"),
      CLI_OPT_FLAG("detached", &a->detached,
                   "only detached DOM nodes and what they reach within --depth hops, "
                   "attached nodes excluded"),
      {.name = "depth", .kind = CLI_COUNT, .target = &a->depth, .target_size = sizeof a->depth,
       .count_min = 1, .count_max = 1000, .arg = "N", .given = &a->depth_given,
       .help = "hops for --focus (default 2) and --detached (default 1); backing stores "
               "folded into edges cost none (1 to 1000)"},
      CLI_OPT_COUNT("max-nodes", &a->max_nodes, 1, 1000000, "N",
                    "at most N object nodes; the rest become summary nodes per heap and "
                    "type ('+12 more HTMLButtonElement') (1 to 1000000; default: all, or "
                    "1000 with --svg or --png)"),
      CLI_OPT_CUSTOM("at", &a->at, parse_point, "POINT",
                     "baseline, target, final or 1..3 (default final)"),
      CLI_OPT_FLAG("mid-cycle", &a->mid_cycle,
                   "draw during incremental marking (after one bounded step): nodes filled "
                   "by mark color"),
      CLI_OPT_FLAG("all", &a->all, "also draw hidden classes, strings and backing stores"),
      CLI_OPT_STRING("page", &a->page, "FILE", "load FILE instead of the bundled page"),
      CLI_OPT_FLAG("baseline", &a->baseline, "DOM-to-script references as global handles"),
      CLI_OPT_END};
  const cli_command command = {.name = NAME, .extra_hint = "a page is given with --page",
                               .description = DESCRIPTION, .options = options};
  cli_parsed parsed;
  int code = cli_parse(&command, argc, argv, &parsed);
  if (code >= 0) return code;
  int filters = (a->focus != NULL) + (a->paths->len > 0) + a->detached;
  if (filters > 1)
    return usage_error("%s", "--focus, --path and --detached exclude each other");
  if (a->depth_given && !a->focus && !a->detached)
    return usage_error("%s", "--depth goes with --focus or --detached");
  return -1;
}

/* Two outputs on one path: the second would replace the first. Checked
 * once the DOT file's path is known (the default one too: --svg naming
 * it replaced the DOT file with the picture). */
static int outputs_clash(const dot_args *a) {
  const char *outputs[] = {a->out, a->svg, a->png};
  for (int i = 0; i < 3; i++)
    for (int j = i + 1; j < 3; j++)
      if (outputs[i] && outputs[j] && cli_same_file(outputs[i], outputs[j]))
        return usage_error(a->out_given ? "'%s' is given for two outputs (--out, --svg, --png)"
                                        : "'%s' is given for two outputs (--out by default, "
                                          "--svg, --png)",
                           outputs[j]);
  return -1;
}

/* Resolves OBJ, or says why not: exit 1 (the name is well formed but
 * matches nothing), 2 (not a name). */
static int resolve(const graph_snapshot *snapshot, const char *name, const void **address) {
  if (!graph_dump_name_is_well_formed(name))
    return usage_error("'%s' is not an object name: #ID (an element's id) or @N (an index "
                       "shown in labels)", name);
  const snap_object *object = graph_dump_find_named(snapshot, name, NULL);
  if (!object) {
    fprintf(stderr, NAME ": no object %s in the heaps (%u objects)\n", name,
            snapshot->objects->len);
    return 1;
  }
  *address = object->address;
  return 0;
}

/* The DOT file and the pictures, all written or none (atomic-file.h): a
 * failed SVG or PNG leaves the old DOT file too. */
static bool write_files(const dot_args *a, const graph_snapshot *snapshot,
                        graph_dump_options *options, char *error, size_t error_size) {
  const char *paths[] = {a->out, a->svg, a->png};
  atomic_file files[3] = {{0}};
  bool ok = true;
  for (int i = 0; i < 3 && ok; i++)
    if (paths[i]) ok = atomic_file_open(&files[i], paths[i], false, error, error_size);
  if (ok) {
    options->png_path = a->png ? files[2].write_path : NULL;
    ok = graph_dump_write(snapshot, options, files[0].write_path,
                          a->svg ? files[1].write_path : NULL, error, error_size) == 0;
    if (!ok) atomic_file_name_in_message(files, 3, error, error_size);
  }
  return atomic_file_commit_all(files, 3, ok, error, error_size);
}

static int draw(dot_args *a, ccgc_host_world *w) {
  graph_snapshot *snapshot = graph_snapshot_take(w->collector, demo_scenario_describe, w);
  GPtrArray *targets = g_ptr_array_new();
  int code = 0;
  if (a->focus) {
    const void *address = NULL;
    code = resolve(snapshot, a->focus, &address);
    if (!code) g_ptr_array_add(targets, (void *)address);
  }
  for (guint i = 0; i < a->paths->len && !code; i++) {
    const void *address = NULL;
    code = resolve(snapshot, a->paths->pdata[i], &address);
    if (!code) g_ptr_array_add(targets, (void *)address);
  }
  if (!code) {
    char title[128];
    snprintf(title, sizeof title, "ccgc dot: the demo host after '%s'%s",
             demo_point_names[a->at], a->mid_cycle ? ", during incremental marking" : "");
    graph_dump_result result;
    graph_dump_options options = {
        .show_internals = a->all,
        /* After a collection every survivor is black: colors say something
         * only mid-cycle. */
        .show_colors = a->mid_cycle,
        .title = title,
        .filter = a->focus      ? GRAPH_DUMP_FOCUS
                  : a->paths->len ? GRAPH_DUMP_PATHS
                  : a->detached ? GRAPH_DUMP_DETACHED
                                : GRAPH_DUMP_ALL,
        .targets = (const void *const *)targets->pdata,
        .target_count = targets->len,
        .depth = a->depth,
        .detachedness = demo_scenario_detachedness,
        .detachedness_data = w,
        /* Rendering in process (--svg, --png) has a default budget:
         * Graphviz lays 37,000 nodes out for minutes (a real page). */
        .max_nodes = a->max_nodes ? a->max_nodes
                     : (a->svg || a->png) ? DOT_RENDER_DEFAULT_MAX_NODES
                                          : 0,
        .result = &result};
    char error[512];
    if (!write_files(a, snapshot, &options, error, sizeof error)) {
      fprintf(stderr, NAME ": %s\n", error);
      code = 1;
    } else {
      printf("%s: %zu of %zu objects drawn", a->out, result.drawn,
             graph_snapshot_object_count(snapshot));
      if (result.summary_nodes)
        printf(", %zu in %zu summary nodes", result.collapsed, result.summary_nodes);
      printf("%s%s%s%s\n", a->svg ? "; " : "", a->svg ? a->svg : "", a->png ? "; " : "",
             a->png ? a->png : "");
    }
  }
  g_ptr_array_free(targets, TRUE);
  graph_snapshot_free(snapshot);
  return code;
}

int ccgc_cmd_dot(int argc, char **argv) {
  dot_args a = {.at = DEMO_POINT_FINAL, .paths = g_ptr_array_new()};
  int code = parse(argc, argv, &a);
  /* No --out: the folder of the demo's pictures, never one relative to the
   * current directory (cli_default_output_dir). */
  char *default_out = NULL;
  a.out_given = a.out != NULL;
  if (code < 0 && !a.out) {
    char *dir = cli_default_output_dir();
    default_out = g_build_filename(dir, "heap.dot", NULL);
    a.out = default_out;
    if (cli_make_dirs(dir) != 0) {
      fprintf(stderr, NAME ": cannot create '%s': %s\n", dir, strerror(errno));
      code = 1;
    }
    g_free(dir);
  }
  if (code < 0) code = outputs_clash(&a);
  if (code >= 0) {
    g_ptr_array_free(a.paths, TRUE);
    g_free(default_out);
    return code;
  }
  ccgc_collector_options options = {.verify = true};
  ccgc_host_world *w = demo_scenario_open(NAME, a.baseline, &options, a.page);
  if (!w) {
    g_ptr_array_free(a.paths, TRUE);
    g_free(default_out);
    return 1;
  }
  /* A step of 40 objects leaves grey and white objects to draw, the same
   * ones on every run (a time budget would not): the one testing switch a
   * tool uses, for a reproducible picture. */
  ccgc_collector_set_step_objects(w->collector, 40);
  demo_scenario scenario = {.world = w};
  demo_scenario_run_to(&scenario, a.at);
  if (a.mid_cycle) {
    ccgc_incremental_start(w->collector, CCGC_REASON_TESTING);
    ccgc_incremental_step(w->collector, 1.0);
  }
  code = draw(&a, w);
  if (a.mid_cycle) ccgc_incremental_finish(w->collector);
  demo_scenario_finish(&scenario);
  ccgc_host_world_free(w);
  g_ptr_array_free(a.paths, TRUE);
  g_free(default_out);
  return code;
}
