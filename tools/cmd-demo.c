/* cmd-demo.c - `ccgc demo`: the demo host. Loads a page into the DOM heap,
 * runs a script-like scenario that forms cycles through both heaps, collects,
 * and draws the cross-heap graph before collection with what the collection
 * reclaimed marked. */
#include <errno.h>
#include <getopt.h>
#include <glib.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "ccgc-probe.h"
#include "commands.h"
#include "graph-dump.h"
#include "host.h"

static void usage(FILE *out) {
  fputs("usage: ccgc demo [--out DIR] [--baseline] [--all] [--quiet] [PAGE]\n"
        "\n"
        "Loads PAGE (default: a bundled page) into the DOM heap, runs a script\n"
        "scenario that wraps elements, adds listeners whose closures capture\n"
        "wrappers, and detaches subtrees; collects, prints one V8-style trace\n"
        "line per collection, and writes DIR/heap.dot and DIR/heap.svg (the\n"
        "graph before the first collection, reclaimed objects marked).\n"
        "\n"
        "  --out DIR     where to write the pictures (default build/demo)\n"
        "  --baseline    DOM-to-script references as global handles (the\n"
        "                reference-counting era): the cycles leak\n"
        "  --all         also draw hidden classes, strings and backing stores\n"
        "  --quiet       only the trace lines and the summary\n",
        out);
}

typedef struct tracked {
  const char *what;
  ccgc_probe *probe;
  bool expect_reclaimed; /* in unified mode */
} tracked;

/* closure -> context -> wrapper -> element -> listener -> closure */
static void listen(ccgc_host_world *w, ccgc_host_node *node, const char *type,
                   const char *name) {
  v8ish_local wrapper = ccgc_host_wrap(w, node);
  v8ish_local closure = ccgc_host_make_closure(w, name, &wrapper, 1);
  ccgc_host_add_event_listener(w, node, type, closure);
}

static ccgc_host_node *build_subtree(ccgc_host_world *w, const char *id,
                                     int items) {
  ccgc_host_node *root = ccgc_host_create_element(w, "div");
  ccgc_host_set_attribute(w, root, "id", id);
  for (int i = 0; i < items; i++) {
    ccgc_host_node *item = ccgc_host_create_element(w, "button");
    char label[32];
    snprintf(label, sizeof label, "%s item %d", id, i);
    ccgc_host_append_child(w, item, ccgc_host_create_text(w, label));
    ccgc_host_append_child(w, root, item);
    listen(w, item, "click", "onItemClick");
  }
  return root;
}

static int make_dir(const char *path) {
  char *copy = g_strdup(path);
  for (char *at = copy + 1; *at; at++) {
    if (*at != '/') continue;
    *at = '\0';
    mkdir(copy, 0755);
    *at = '/';
  }
  int result = mkdir(copy, 0755) == 0 || errno == EEXIST ? 0 : -1;
  g_free(copy);
  return result;
}

int ccgc_cmd_demo(int argc, char **argv) {
  const char *out_dir = "build/demo";
  bool baseline = false, all = false, quiet = false;
  static const struct option long_options[] = {
      {"out", required_argument, NULL, 'o'}, {"baseline", no_argument, NULL, 'b'},
      {"all", no_argument, NULL, 'a'},       {"quiet", no_argument, NULL, 'q'},
      {"help", no_argument, NULL, 'h'},      {NULL, 0, NULL, 0}};
  optind = 1;
  int option;
  while ((option = getopt_long(argc, argv, "o:h", long_options, NULL)) != -1) {
    switch (option) {
    case 'o': out_dir = optarg; break;
    case 'b': baseline = true; break;
    case 'a': all = true; break;
    case 'q': quiet = true; break;
    case 'h': usage(stdout); return 0;
    default: usage(stderr); return 2;
    }
  }
  if (argc - optind > 1) {
    fprintf(stderr, "ccgc demo: one page at most, got '%s' and '%s'\n",
            argv[optind], argv[optind + 1]);
    return 2;
  }
  const char *page = optind < argc ? argv[optind] : NULL;

  ccgc_collector_options options = {.verify = true, .trace_gc = stdout};
  ccgc_host_world *w = ccgc_host_world_new(
      baseline ? BRIDGE_MODE_BASELINE : BRIDGE_MODE_UNIFIED, &options);
  ccgc_status status =
      page ? ccgc_host_load_html(w, page)
           : ccgc_host_load_html_memory(w, ccgc_host_default_page(),
                                        strlen(ccgc_host_default_page()));
  if (status != CCGC_OK) {
    fprintf(stderr, "ccgc demo: %s\n", w->error);
    ccgc_host_world_free(w);
    return 1;
  }
  size_t elements = ccgc_host_count_nodes(w->document, CCGC_HOST_ELEMENT);
  printf("ccgc demo: %s, %zu elements, %zu text nodes, bridge mode %s\n",
         page ? page : "bundled page", elements,
         ccgc_host_count_nodes(w->document, CCGC_HOST_TEXT),
         baseline ? "baseline (global handles)" : "unified (traced references)");

  tracked probes[8];
  size_t probe_count = 0;
  v8ish_handle_scope scope;
  v8ish_handle_scope_open(w->script, &scope);
  /* The script's global state: app = { document: <wrapper> }. */
  v8ish_local app = v8ish_object_new(w->script);
  v8ish_object_set(w->script, app, "document", ccgc_host_wrap(w, w->document));
  v8ish_global app_root = v8ish_global_new(w->script, app, false);

  /* 1. Every button of the page gets a click listener capturing its wrapper:
   * attached cycles, reachable from the document. */
  size_t listeners = 0;
  for (ccgc_host_node *node = w->document; node;
       node = ccgc_host_next_in_order(w->document, node)) {
    if (node->kind == CCGC_HOST_ELEMENT && !strcmp(node->name, "button")) {
      listen(w, node, "click", "onClick");
      listeners++;
    }
  }
  /* 2. A detached subtree still referenced from script: survives. */
  ccgc_host_node *modal = build_subtree(w, "modal", 3);
  v8ish_object_set(w->script, app, "modal", ccgc_host_wrap(w, modal));
  /* 3. A detached subtree kept only by its own cycle with its wrappers. */
  ccgc_host_node *tooltip = build_subtree(w, "tooltip", 2);
  /* 4. A part of the page removed from the document, its listeners' closures
   * capturing the removed elements' wrappers. */
  ccgc_host_node *menu = ccgc_host_get_element_by_id(w->document, "menu");
  if (menu) {
    for (ccgc_host_node *node = menu; node; node = ccgc_host_next_in_order(menu, node))
      if (node->kind == CCGC_HOST_ELEMENT && !strcmp(node->name, "a"))
        listen(w, node, "click", "onNavigate");
    ccgc_host_remove_child(w, menu->parent, menu);
  }
  probes[probe_count++] = (tracked){"detached #modal (held by app.modal)",
                                    ccgc_probe_new(w->collector, modal, "modal"), false};
  probes[probe_count++] = (tracked){"detached #tooltip (only its own cycle)",
                                    ccgc_probe_new(w->collector, tooltip, "tooltip"), true};
  if (menu)
    probes[probe_count++] = (tracked){"removed #menu (cycles with listeners)",
                                      ccgc_probe_new(w->collector, menu, "menu"), true};
  printf("scenario: %zu page listeners, detached subtrees #modal, #tooltip%s\n",
         listeners, menu ? ", removed #menu" : "");
  v8ish_handle_scope_close(&scope);

  graph_snapshot *before = graph_snapshot_take(w->collector);
  ccgc_collect(w->collector, CCGC_REASON_HOST_REQUEST);
  graph_snapshot *after = graph_snapshot_take(w->collector);
  size_t reclaimed = graph_snapshot_mark_reclaimed(before, after);
  printf("first collection: %zu of %zu objects reclaimed\n", reclaimed,
         graph_snapshot_object_count(before));

  int exit_code = 0;
  for (size_t i = 0; i < probe_count; i++) {
    bool gone = ccgc_probe_collected(probes[i].probe);
    printf("  %-42s %s\n", probes[i].what, gone ? "reclaimed" : "alive");
    if (!quiet && !gone && probes[i].expect_reclaimed) {
      char *why = ccgc_probe_explain(w->collector, probes[i].probe);
      printf("    %s", why ? why : "");
      g_free(why);
    }
    if (!baseline && gone != probes[i].expect_reclaimed) exit_code = 1;
  }
  /* The script drops app.modal: the next collection takes the subtree. */
  v8ish_handle_scope_open(w->script, &scope);
  v8ish_object_set(w->script, v8ish_global_get(w->script, app_root), "modal",
                   v8ish_integer(w->script, 0));
  v8ish_handle_scope_close(&scope);
  ccgc_collect(w->collector, CCGC_REASON_HOST_REQUEST);
  printf("  after app.modal = 0: #modal %s\n",
         ccgc_probe_collected(probes[0].probe) ? "reclaimed" : "alive");
  if (!baseline && !ccgc_probe_collected(probes[0].probe)) exit_code = 1;
  const ccgc_verify_report *report = ccgc_collector_last_verify(w->collector);
  printf("verifier: %zu errors%s%s\n", report->errors, report->errors ? ": " : "",
         report->first_error);
  if (report->errors) exit_code = 1;

  if (make_dir(out_dir) != 0) {
    fprintf(stderr, "ccgc demo: cannot create '%s': %s\n", out_dir, strerror(errno));
    exit_code = 1;
  } else {
    char *dot = g_build_filename(out_dir, "heap.dot", NULL);
    char *svg = g_build_filename(out_dir, "heap.svg", NULL);
    char error[256];
    graph_dump_options dump = {.show_internals = all, .show_colors = false,
                               .title = baseline
                                            ? "ccgc demo, baseline bridge: before the first collection"
                                            : "ccgc demo, unified tracing: before the first collection"};
    if (graph_dump_write(before, &dump, dot, svg, error, sizeof error) != 0) {
      fprintf(stderr, "ccgc demo: %s\n", error);
      exit_code = 1;
    } else {
      printf("wrote %s and %s\n", dot, svg);
    }
    g_free(dot);
    g_free(svg);
  }
  graph_snapshot_free(before);
  graph_snapshot_free(after);
  for (size_t i = 0; i < probe_count; i++) ccgc_probe_free(w->collector, probes[i].probe);
  v8ish_global_free(w->script, app_root);
  ccgc_host_world_free(w);
  return exit_code;
}
