/* cmd-demo.c - `ccgc demo`: the demo host. Loads a page into the DOM heap,
 * runs a script-like scenario that forms cycles through both heaps, detaches
 * subtrees, drops script references, collects three times (one V8-style trace
 * line each), says what was reclaimed, and draws the graph as it was before
 * the first collection with what each collection reclaimed marked, within a
 * node budget (graph-dump.h's max_nodes, graph-filter.c's order: what the
 * demo is about first), so that a page of any size lays out in seconds. */
#include <errno.h>
#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "atomic-file.h"
#include "ccgc-probe.h"
#include "cli-options.h"
#include "commands.h"
#include "demo-scenario.h"
#include "graph-dump.h"
#include "host.h"

/* The picture's node budget unless --max-nodes says otherwise: the bundled
 * page (about 130 object nodes) is drawn whole, and Graphviz lays out the
 * picture of a page of any size in about a second. */
#define DEFAULT_MAX_NODES 200

/* A subtree whose fate the demo reports. */
typedef struct tracked {
  const char *name;        /* "#tooltip" */
  const char *how;         /* how it is held */
  ccgc_probe *probe;
  unsigned expected;       /* unified mode: the GC that reclaims it */
  unsigned reclaimed_in;   /* 0: alive */
} tracked;

typedef struct demo {
  ccgc_host_world *w;
  bool baseline, quiet;
  v8ish_global app;        /* the script's global object */
  graph_snapshot *before;  /* the graph before the first collection */
  tracked subtrees[4];
  size_t subtree_count;
  unsigned collections;
  size_t verify_errors;
  ccgc_cycle_heap_stats first[CCGC_MAX_HEAPS], last[CCGC_MAX_HEAPS];
  int heap_count;
} demo;

static void say(const demo *d, const char *line) {
  if (!d->quiet) printf("%s\n", line);
}

static void track(demo *d, ccgc_host_node *node, const char *name, const char *how,
                  unsigned expected) {
  tracked *t = &d->subtrees[d->subtree_count++];
  *t = (tracked){name, how, ccgc_probe_new(d->w->collector, node, name),
                 d->baseline ? 0 : expected, 0};
}

static void set_app(demo *d, const char *property, v8ish_local value) {
  v8ish_object_set(d->w->script, v8ish_global_get(d->w->script, d->app), property, value);
}

/* Labels for the picture: an element's id (or tag when its interface does
 * not say), a text's first words. */
static char *describe(const ccgc_object_info *info, void *data) {
  const demo *d = data;
  if (info->heap_id != blinkish_heap_collector_id(d->w->dom)) return NULL;
  const ccgc_host_node *node = ccgc_host_node_at(d->w, info->address);
  if (!node) return NULL;
  if (node->kind == CCGC_HOST_ELEMENT) {
    const char *id = ccgc_host_get_attribute(node, "id");
    if (id) return g_strdup_printf("#%s", id);
    /* <header>, <nav>, <main>... share the interface HTMLElement. */
    return !strcmp(info->type_name, "HTMLElement") ? g_strdup_printf("<%s>", node->name)
                                                   : NULL;
  }
  if (node->kind != CCGC_HOST_TEXT) return NULL;
  /* Graphviz reads backslashes and quotes in labels: keep words only. */
  char *text = g_utf8_make_valid(node->name, -1);
  g_strdelimit(text, "\\\"\n\t\r", ' ');
  char *shown = g_utf8_strlen(text, -1) > 16 ? g_utf8_substring(text, 0, 15) : NULL;
  char *note = g_strdup_printf("'%s%s'", shown ? shown : text, shown ? "…" : "");
  g_free(shown);
  g_free(text);
  return note;
}

static void collect(demo *d) {
  ccgc_collector *c = d->w->collector;
  if (d->collections == 0) {
    d->before = graph_snapshot_take(c, describe, d);
    graph_snapshot_follow(d->before, c); /* young objects move in every GC */
  }
  ccgc_collect(c, CCGC_REASON_HOST_REQUEST); /* prints the trace line */
  /* The host world sweeps after the pause: the counts below are the swept
   * heaps' (ccgc_collector_last_cycle is completed when sweeping is). */
  ccgc_collector_finish_sweeping(c);
  unsigned n = ++d->collections;
  const ccgc_cycle_stats *stats = ccgc_collector_last_cycle(c);
  d->heap_count = stats->heap_count;
  GString *line = g_string_new(NULL);
  g_string_printf(line, "  GC %u:", n);
  for (int i = 0; i < stats->heap_count; i++) {
    if (n == 1) d->first[i] = stats->heaps[i];
    d->last[i] = stats->heaps[i];
    g_string_append_printf(line, "%s %s %zu -> %zu objects", i ? "," : "",
                           stats->heaps[i].name, stats->heaps[i].before.object_count,
                           stats->heaps[i].after.object_count);
  }
  const char *separator = "; reclaimed ";
  for (size_t i = 0; i < d->subtree_count; i++) {
    tracked *t = &d->subtrees[i];
    if (t->reclaimed_in || !ccgc_probe_collected(t->probe)) continue;
    t->reclaimed_in = n;
    g_string_append_printf(line, "%s%s", separator, t->name);
    separator = ", ";
  }
  printf("%s\n", line->str);
  g_string_free(line, TRUE);
  graph_snapshot *after = graph_snapshot_take(c, NULL, NULL);
  graph_snapshot_mark_reclaimed(d->before, after, n);
  graph_snapshot_free(after);
  d->verify_errors += ccgc_collector_last_verify(c)->errors;
}

/* The scenario, as a page's script would do it. */
static void run_scenario(demo *d) {
  ccgc_host_world *w = d->w;
  v8ish_handle_scope scope;
  v8ish_handle_scope_open(w->script, &scope);
  /* var app = {document: document} */
  v8ish_local app = v8ish_object_new(w->script);
  v8ish_object_set(w->script, app, "document", ccgc_host_wrap(w, w->document));
  d->app = v8ish_global_new(w->script, app, false);

  /* app.buttons = [...document.querySelectorAll("button")], each with a
   * click listener capturing its own wrapper: cycles, attached to the page. */
  unsigned button_count;
  set_app(d, "buttons", demo_scenario_listen_to_buttons(w, &button_count));
  char line[160];
  snprintf(line, sizeof line,
           "script: app.buttons = [%u button wrappers]; each button gets a click "
           "listener whose closure captures its wrapper",
           button_count);
  say(d, line);

  /* The navigation menu is removed from the page; its links keep listeners
   * whose closures capture their wrappers: only cross-heap cycles hold it. */
  ccgc_host_node *menu = demo_scenario_remove_menu(w);
  if (menu) {
    track(d, menu, "#menu", "removed from the page, cycles with its listeners", 1);
    say(d, "script: #menu.remove(); its links keep listeners capturing their wrappers");
  }
  /* A detached dialog that script still holds: survives until dropped. */
  ccgc_host_node *modal = demo_scenario_build_subtree(w, "modal", 3);
  set_app(d, "modal", ccgc_host_wrap(w, modal));
  track(d, modal, "#modal", "detached, held from script by app.modal", 2);
  say(d, "script: app.modal = a detached <div id=modal> with 3 buttons and listeners");
  /* A detached tooltip nobody holds but its own cycles. */
  ccgc_host_node *tooltip = demo_scenario_build_subtree(w, "tooltip", 2);
  track(d, tooltip, "#tooltip", "detached, held only by cycles through both heaps", 1);
  say(d, "script: a detached <div id=tooltip> with 2 buttons and listeners, not stored");
  /* The page's widget: detached after GC 2, one listener removed first. */
  ccgc_host_node *widget = ccgc_host_get_element_by_id(w->document, "widget");
  if (widget && widget->parent)
    track(d, widget, "#widget", "removed from the page after GC 2, cycles with its listeners", 3);
  v8ish_handle_scope_close(&scope);

  collect(d);

  v8ish_handle_scope_open(w->script, &scope);
  set_app(d, "modal", v8ish_integer(w->script, 0));
  set_app(d, "buttons", v8ish_integer(w->script, 0));
  say(d, "script: app.modal = 0; app.buttons = 0");
  v8ish_handle_scope_close(&scope);

  collect(d);

  v8ish_handle_scope_open(w->script, &scope);
  if (widget && widget->parent) {
    ccgc_host_node *open = ccgc_host_get_element_by_id(widget, "open");
    if (open && ccgc_host_listener_count(w, open))
      ccgc_host_remove_event_listener(w, open, ccgc_host_listener_type(w, open, 0),
                                      ccgc_host_listener_callback(w, open, 0));
    ccgc_host_remove_child(w, widget->parent, widget);
    say(d, "script: #open.removeEventListener(\"click\", onClick); #widget.remove()");
  }
  v8ish_handle_scope_close(&scope);

  collect(d);
}

static int summarize(demo *d) {
  int exit_code = 0;
  printf("summary, %s:\n", d->baseline ? "baseline bridge (DOM-to-script references "
                                         "are global handles)"
                                       : "unified tracing through both heaps");
  for (int i = 0; i < d->heap_count; i++) {
    char heap[32];
    snprintf(heap, sizeof heap, "%s heap:", d->first[i].name);
    printf("  %-12s %4zu objects before GC 1, %4zu after GC %u\n", heap,
           d->first[i].before.object_count, d->last[i].after.object_count,
           d->collections);
  }
  size_t leaked = 0;
  for (size_t i = 0; i < d->subtree_count; i++) {
    tracked *t = &d->subtrees[i];
    char fate[48];
    if (t->reclaimed_in)
      snprintf(fate, sizeof fate, "reclaimed in GC %u", t->reclaimed_in);
    else
      snprintf(fate, sizeof fate, "alive%s", d->baseline ? " (leak)" : "");
    printf("  %-9s %-62s %s\n", t->name, t->how, fate);
    leaked += !t->reclaimed_in;
    if (t->reclaimed_in != t->expected) exit_code = 1;
  }
  const tracked *cycle_only = NULL, *held = NULL;
  for (size_t i = 0; i < d->subtree_count; i++) {
    if (!strcmp(d->subtrees[i].name, "#tooltip")) cycle_only = &d->subtrees[i];
    if (!strcmp(d->subtrees[i].name, "#modal")) held = &d->subtrees[i];
  }
  if (cycle_only)
    printf("  detached subtree held only through cross-heap cycles reclaimed: %s\n",
           cycle_only->reclaimed_in ? "yes" : "no");
  if (held)
    printf("  detached subtree held from script reclaimed once script dropped it: %s\n",
           held->reclaimed_in ? "yes" : "no");
  if (d->baseline && leaked) {
    printf("leak: %zu detached subtrees survive all %u collections: global handles are "
           "roots, so every cycle through both heaps is kept (run without --baseline)\n",
           leaked, d->collections);
    /* The retaining path is part of the summary: printed with --quiet too. */
    for (size_t i = 0; i < d->subtree_count; i++) {
      if (strcmp(d->subtrees[i].name, "#tooltip") != 0) continue;
      char *why = ccgc_probe_explain(d->w->collector, d->subtrees[i].probe);
      char **lines = g_strsplit(why ? why : "", "\n", -1);
      for (char **l = lines; *l; l++)
        if (**l) printf("    %s\n", *l);
      g_strfreev(lines);
      free(why);
    }
  }
  printf("verifier: %zu errors in %u collections\n", d->verify_errors, d->collections);
  if (d->verify_errors) exit_code = 1;
  return exit_code;
}

static int draw(const demo *d, const char *out_dir, bool all, size_t max_nodes) {
  if (cli_make_dirs(out_dir) != 0) {
    fprintf(stderr, "ccgc demo: cannot create '%s': %s\n", out_dir, strerror(errno));
    return 1;
  }
  char *dot = g_build_filename(out_dir, "heap.dot", NULL);
  char *svg = g_build_filename(out_dir, "heap.svg", NULL);
  char title[160], error[512];
  snprintf(title, sizeof title, "ccgc demo, %s: both heaps before GC 1",
           d->baseline ? "baseline bridge" : "unified tracing");
  graph_dump_result result = {0};
  graph_dump_options options = {.show_internals = all, .show_colors = true, .title = title,
                                .max_nodes = max_nodes, .result = &result};
  /* Both files or neither, each complete or left as it was (atomic-file.h). */
  atomic_file files[2] = {{0}};
  bool ok = atomic_file_open(&files[0], dot, false, error, sizeof error) &&
            atomic_file_open(&files[1], svg, false, error, sizeof error);
  if (ok && graph_dump_write(d->before, &options, files[0].write_path, files[1].write_path,
                             error, sizeof error) != 0) {
    atomic_file_name_in_message(files, 2, error, sizeof error);
    ok = false;
  }
  ok = atomic_file_commit_all(files, 2, ok, error, sizeof error);
  int exit_code = 0;
  if (!ok) {
    fprintf(stderr, "ccgc demo: %s\n", error);
    exit_code = 1;
  } else {
    printf("wrote %s and %s\n", dot, svg);
    if (result.summary_nodes)
      printf("picture: %zu of %zu objects drawn, %zu in %zu summary nodes (--max-nodes %zu)\n",
             result.drawn, graph_snapshot_object_count(d->before), result.collapsed,
             result.summary_nodes, max_nodes);
  }
  g_free(dot);
  g_free(svg);
  return exit_code;
}

static const char DESCRIPTION[] =
    "Loads the page (--page FILE, or PAGE: the same; default: the bundled page,\n"
    "tools/host/default-page.html) into the DOM heap and runs a script scenario:\n"
    "wrappers for elements, listeners whose closures capture wrappers (closure ->\n"
    "context -> wrapper -> element -> listener -> closure), subtrees detached\n"
    "while script still holds them or held only by such cycles, script\n"
    "references dropped. Collects three times, printing one V8-style trace line\n"
    "per collection and what was reclaimed, and writes DIR/heap.dot and\n"
    "DIR/heap.svg: both heaps before the first collection, what the collections\n"
    "reclaimed in red (docs/tools.md explains the picture). Without --out, DIR\n"
    "is $XDG_CACHE_HOME/ccgc/demo (~/.cache/ccgc/demo); the command prints\n"
    "where it wrote. The picture has a node budget: past it, objects become one\n"
    "summary node per heap and type ('+120 more HTMLDivElement'); the roots'\n"
    "objects, what was reclaimed and the wrapper pairs are drawn first.\n"
    "Exits 1 if a subtree is not reclaimed when it should be, the verifiers\n"
    "found errors, the page cannot be read or a file cannot be written.\n";

int ccgc_cmd_demo(int argc, char **argv) {
  const char *out_dir = NULL, *page = NULL;
  bool all = false;
  size_t max_nodes = DEFAULT_MAX_NODES;
  demo d = {0};
  const cli_option options_table[] = {
      {.name = "out", .short_name = 'o', .kind = CLI_STRING, .target = &out_dir,
       .arg = "DIR",
       .help = "where to write the pictures (default $XDG_CACHE_HOME/ccgc/demo, that is "
               "~/.cache/ccgc/demo)"},
      CLI_OPT_STRING("page", &page, "FILE",
                     "load FILE instead of the bundled page (PAGE, an operand, is the "
                     "same)"),
      CLI_OPT_FLAG("baseline", &d.baseline,
                   "DOM-to-script references as global handles (the reference-counting "
                   "era): the cycles leak"),
      CLI_OPT_FLAG("all", &all, "also draw hidden classes, strings and backing stores"),
      CLI_OPT_COUNT("max-nodes", &max_nodes, 1, 1000000, "N",
                    "at most N object nodes in the picture (default 200, 1 to 1000000)"),
      CLI_OPT_FLAG("quiet", &d.quiet,
                   "no narration: only the page's line, the trace lines, the summary "
                   "and where it wrote"),
      CLI_OPT_END};
  const cli_command command = {.name = "ccgc demo", .operands = "[PAGE]", .max_operands = 1,
                               .extra_hint = "one page at most",
                               .description = DESCRIPTION, .options = options_table};
  cli_parsed parsed;
  int parsed_code = cli_parse(&command, argc, argv, &parsed);
  if (parsed_code < 0 && parsed.operand_count == 1) {
    if (page)
      parsed_code = cli_usage_error("ccgc demo", "the page is given twice: --page and '%s'",
                                    parsed.operands[0]);
    page = parsed.operands[0];
  }
  if (parsed_code >= 0) return parsed_code;
  char *default_dir = out_dir ? NULL : cli_default_output_dir();
  if (!out_dir) out_dir = default_dir;
  /* Before the scenario runs: a directory that cannot be made (or a path
   * that is a file) fails at once, not after the whole demo. */
  if (cli_make_dirs(out_dir) != 0) {
    fprintf(stderr, "ccgc demo: cannot create '%s': %s\n", out_dir, strerror(errno));
    g_free(default_dir);
    return 1;
  }

  ccgc_collector_options options;
  ccgc_host_default_options(&options); /* concurrent marking and sweeping */
  options.verify = true;
  d.w = ccgc_host_world_new(d.baseline ? BRIDGE_MODE_BASELINE : BRIDGE_MODE_UNIFIED,
                            &options);
  ccgc_collector_set_trace_gc(d.w->collector, stdout, false);
  const char *bundled = ccgc_host_default_page();
  ccgc_status status = page ? ccgc_host_load_html(d.w, page)
                            : ccgc_host_load_html_memory(d.w, bundled, strlen(bundled));
  if (status != CCGC_OK) {
    fprintf(stderr, "ccgc demo: %s\n", d.w->error);
    ccgc_host_world_free(d.w);
    g_free(default_dir);
    return 1;
  }
  char *source = page ? g_strdup(page)
                      /* Its source file's path only where it is (an installed
                       * ccgc does not name the build machine's tree). */
                      : g_file_test(ccgc_host_default_page_path(), G_FILE_TEST_IS_REGULAR)
                          ? g_strdup_printf("bundled page (%s)", ccgc_host_default_page_path())
                          : g_strdup("bundled page (built in)");
  printf("ccgc demo: %s: %zu elements, %zu text nodes; bridge: %s\n", source,
         ccgc_host_count_nodes(d.w->document, CCGC_HOST_ELEMENT),
         ccgc_host_count_nodes(d.w->document, CCGC_HOST_TEXT),
         d.baseline ? "baseline (global handles)" : "unified (traced references)");
  g_free(source);
  run_scenario(&d);
  int exit_code = summarize(&d);
  if (draw(&d, out_dir, all, max_nodes) != 0) exit_code = 1;

  graph_snapshot_free(d.before);
  for (size_t i = 0; i < d.subtree_count; i++) ccgc_probe_free(d.w->collector, d.subtrees[i].probe);
  v8ish_global_free(d.w->script, d.app);
  ccgc_host_world_free(d.w);
  g_free(default_dir);
  return exit_code;
}
