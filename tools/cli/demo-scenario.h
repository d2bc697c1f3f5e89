/* demo-scenario.h - the demo host's leaking scenario, shared by `ccgc
 * snapshot`, `ccgc dot`, `ccgc why` and `ccgc stats`: three points, each
 * right after a collection (docs/tools.md, "ccgc snapshot").
 *
 *   baseline  page loaded; app = {document}; every button has a click
 *             listener whose closure captures its wrapper; app.buttons
 *   target    'open': #menu removed (its links keep listeners), a detached
 *             #tooltip held only by its cycles, #modal appended, app.modal
 *   final     'close': #modal removed but still in app.modal (the leak),
 *             app.buttons dropped
 *
 *   demo_scenario s = {.world = w};
 *   demo_scenario_run(&s, checkpoint, data);   checkpoint after each point
 *   demo_scenario_finish(&s);                  frees app's global handle
 */
#ifndef CCGC_TOOLS_DEMO_SCENARIO_H
#define CCGC_TOOLS_DEMO_SCENARIO_H

#include <stdbool.h>

#include "graph-snapshot.h"
#include "host.h"

enum { DEMO_POINT_BASELINE = 1, DEMO_POINT_TARGET, DEMO_POINT_FINAL, DEMO_POINT_COUNT = 3 };

/* The point names, indexed 1..3 ([0] is NULL). */
extern const char *const demo_point_names[DEMO_POINT_COUNT + 1];

typedef struct demo_scenario {
  ccgc_host_world *world;
  v8ish_global app;       /* the script's global object */
  bool has_app;
  ccgc_host_node *modal;  /* #modal once built */
  /* A minor collection (a scavenge, reason "host request") before each
   * point's full collection: the young objects move twice per point. */
  bool scavenge;
} demo_scenario;

/* Called right after the collection that ends point `at`. Return false to
 * stop the scenario there. */
typedef bool (*demo_checkpoint_fn)(demo_scenario *scenario, int at, void *data);

/* closure -> context -> wrapper -> element -> listener -> closure */
void demo_scenario_listen(ccgc_host_world *w, ccgc_host_node *node, const char *name);
/* <div id=ID><button>ID item i</button>...</div>, a listener on each button. */
ccgc_host_node *demo_scenario_build_subtree(ccgc_host_world *w, const char *id, int items);
/* Every <button> of the document gets a click listener capturing its
 * wrapper; returns their wrappers as an Array (app.buttons) and, if count
 * is not NULL, how many. */
v8ish_local demo_scenario_listen_to_buttons(ccgc_host_world *w, unsigned *count);
/* #menu, if it is in the page, leaves it after its links get listeners
 * capturing their wrappers; returns it, or NULL. */
ccgc_host_node *demo_scenario_remove_menu(ccgc_host_world *w);
/* Runs the points in order, collecting (CCGC_REASON_HOST_REQUEST) at the
 * end of each and calling checkpoint (which may be NULL). */
void demo_scenario_run(demo_scenario *scenario, demo_checkpoint_fn checkpoint, void *data);
/* The last point after stop_at's collection: runs up to it and stops. */
void demo_scenario_run_to(demo_scenario *scenario, int stop_at);
void demo_scenario_finish(demo_scenario *scenario);
/* Loads PAGE, or the bundled page when page is NULL: CCGC_OK, or the host's
 * status with world->error saying why. */
ccgc_status demo_scenario_load(ccgc_host_world *w, const char *page);

/* A world with PAGE (NULL: the bundled page) loaded, or NULL after a message
 * "COMMAND: why" on stderr. */
ccgc_host_world *demo_scenario_open(const char *command, bool baseline,
                                    const ccgc_collector_options *options, const char *page);
/* "baseline", "target", "final" or 1..3; 0 unknown, -1 a number out of range. */
int demo_scenario_parse_point(const char *text);
/* The --at option of every command that runs the scenario: true and *at, or
 * false with the usage message (no trailing newline) in message. */
bool demo_scenario_point_option(const char *text, int *at, char *message,
                                size_t size);
/* graph_describe_fn for a snapshot of the world (data): "#ID" for an element
 * with an id attribute and "#document" (how users name objects), "<tag>"
 * for a plain HTMLElement, the first words of a text. */
char *demo_scenario_describe(const ccgc_object_info *info, void *data);
/* graph_dump_options.detachedness for the world (data): 0 not a DOM node,
 * 1 attached, 2 detached. */
int demo_scenario_detachedness(const snap_object *object, void *data);

#endif
