/* cmd-why.c - `ccgc why OBJ`: runs the demo host's scenario (demo-scenario.h)
 * and says why an object is alive: its shortest retaining path through both
 * heaps (ccgc_retaining_path) and its retained size (ccgc_retained_size,
 * dominators). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ccgc-probe.h"
#include "cli-options.h"
#include "commands.h"
#include "demo-scenario.h"
#include "graph-dump.h"

#define NAME "ccgc why"

static const char DESCRIPTION[] =
    "Runs the demo host's scenario (the one of 'ccgc snapshot') up to POINT\n"
    "and prints why OBJ is alive: the shortest path from a root to it through\n"
    "both heaps, one hop per line, and its retained size: the bytes and\n"
    "objects that it alone keeps alive (what it dominates), which would be\n"
    "freed if it became unreachable.\n"
    "\n"
    "OBJ is #ID, the element whose id attribute is ID (#modal, #menu,\n"
    "#document), or @N, the object labelled @N by 'ccgc dot' (same page,\n"
    "point and bridge). Exits 1 if no object has that name or it is not\n"
    "reachable (garbage, waiting for the next collection).\n";

static bool parse_point(const char *text, void *target, char *message, size_t size) {
  return demo_scenario_point_option(text, target, message, size);
}

static int usage_error(const char *fmt, const char *arg) {
  return cli_usage_error(NAME, fmt, arg);
}

int ccgc_cmd_why(int argc, char **argv) {
  const char *page = NULL;
  bool baseline = false;
  int at = DEMO_POINT_FINAL;
  const cli_option options_table[] = {
      CLI_OPT_CUSTOM("at", &at, parse_point, "POINT",
                     "baseline, target, final or 1..3 (default final, where app.modal keeps "
                     "the detached #modal: the leak)"),
      CLI_OPT_STRING("page", &page, "FILE", "load FILE instead of the bundled page"),
      CLI_OPT_FLAG("baseline", &baseline, "DOM-to-script references as global handles"),
      CLI_OPT_END};
  const cli_command command = {.name = NAME, .operands = "OBJ", .max_operands = 1,
                               .description = DESCRIPTION, .options = options_table};
  cli_parsed parsed;
  int code = cli_parse(&command, argc, argv, &parsed);
  const char *name = code < 0 && parsed.operand_count ? parsed.operands[0] : NULL;
  if (code < 0 && !name) code = usage_error("%s", "which object? (#ID or @N)");
  if (code < 0 && !graph_dump_name_is_well_formed(name))
    code = usage_error("'%s' is not an object name: #ID (an element's id) or @N (an index "
                       "shown by ccgc dot)", name);
  if (code >= 0) return code;
  code = 0;

  ccgc_collector_options options = {.verify = true};
  ccgc_host_world *w = demo_scenario_open(NAME, baseline, &options, page);
  if (!w) return 1;
  demo_scenario scenario = {.world = w};
  demo_scenario_run_to(&scenario, at);
  graph_snapshot *snapshot = graph_snapshot_take(w->collector, demo_scenario_describe, w);
  size_t index = 0;
  const snap_object *object = graph_dump_find_named(snapshot, name, &index);
  ccgc_path path = {0};
  if (!object) {
    fprintf(stderr, NAME ": no object %s in the heaps after '%s' (%zu objects)\n", name,
            demo_point_names[at], graph_snapshot_object_count(snapshot));
    code = 1;
  } else if (ccgc_retaining_path(w->collector, object->address, &path) != CCGC_OK) {
    fprintf(stderr, NAME ": %s (%s, @%zu) is not reachable from any root: garbage that "
                    "the next collection reclaims\n", name, object->type_name, index);
    code = 1;
  } else {
    size_t bytes = 0, objects = 0;
    ccgc_retained_size(w->collector, object->address, &bytes, &objects);
    char *text = ccgc_path_format(&path);
    printf("%s (%s, %s heap, @%zu) after '%s' is retained by:\n%s", name, object->type_name,
           object->heap_name, index, demo_point_names[at], text);
    printf("self size %zu bytes; retained size %zu bytes in %zu objects (what it dominates)\n",
           object->size, bytes, objects);
    free(text);
    ccgc_path_free(&path);
  }
  graph_snapshot_free(snapshot);
  demo_scenario_finish(&scenario);
  ccgc_host_world_free(w);
  return code;
}
