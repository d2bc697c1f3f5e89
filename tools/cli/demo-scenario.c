/* demo-scenario.c - the demo host's leaking scenario (demo-scenario.h),
 * factored out of cmd-snapshot.c so that every command runs the same one. */
#include "demo-scenario.h"

#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const demo_point_names[DEMO_POINT_COUNT + 1] = {NULL, "baseline", "target",
                                                            "final"};

void demo_scenario_listen(ccgc_host_world *w, ccgc_host_node *node, const char *name) {
  v8ish_local wrapper = ccgc_host_wrap(w, node);
  v8ish_local closure = ccgc_host_make_closure(w, name, &wrapper, 1);
  ccgc_host_add_event_listener(w, node, "click", closure);
}

ccgc_host_node *demo_scenario_build_subtree(ccgc_host_world *w, const char *id, int items) {
  ccgc_host_node *root = ccgc_host_create_element(w, "div");
  ccgc_host_set_attribute(w, root, "id", id);
  for (int i = 0; i < items; i++) {
    ccgc_host_node *item = ccgc_host_create_element(w, "button");
    char text[48];
    snprintf(text, sizeof text, "%s item %d", id, i);
    ccgc_host_append_child(w, item, ccgc_host_create_text(w, text));
    ccgc_host_append_child(w, root, item);
    demo_scenario_listen(w, item, "onItemClick");
  }
  return root;
}

v8ish_local demo_scenario_listen_to_buttons(ccgc_host_world *w, unsigned *count) {
  GPtrArray *buttons = g_ptr_array_new();
  for (ccgc_host_node *node = w->document; node;
       node = ccgc_host_next_in_order(w->document, node))
    if (node->kind == CCGC_HOST_ELEMENT && !strcmp(node->name, "button")) {
      demo_scenario_listen(w, node, "onClick");
      g_ptr_array_add(buttons, node);
    }
  v8ish_local array =
      ccgc_host_wrapper_array(w, (ccgc_host_node *const *)buttons->pdata, buttons->len);
  if (count) *count = buttons->len;
  g_ptr_array_free(buttons, TRUE);
  return array;
}

ccgc_host_node *demo_scenario_remove_menu(ccgc_host_world *w) {
  ccgc_host_node *menu = ccgc_host_get_element_by_id(w->document, "menu");
  if (!menu || !menu->parent) return NULL;
  for (ccgc_host_node *node = menu; node; node = ccgc_host_next_in_order(menu, node))
    if (node->kind == CCGC_HOST_ELEMENT && !strcmp(node->name, "a"))
      demo_scenario_listen(w, node, "onNavigate");
  ccgc_host_remove_child(w, menu->parent, menu);
  return menu;
}

static void set_app(demo_scenario *s, const char *property, v8ish_local value) {
  v8ish_object_set(s->world->script, v8ish_global_get(s->world->script, s->app), property,
                   value);
}

static bool checkpoint_at(demo_scenario *s, int at, demo_checkpoint_fn checkpoint,
                          void *data) {
  if (s->scavenge) ccgc_collect_minor(s->world->collector, CCGC_REASON_HOST_REQUEST);
  ccgc_collect(s->world->collector, CCGC_REASON_HOST_REQUEST);
  return checkpoint ? checkpoint(s, at, data) : true;
}

void demo_scenario_run(demo_scenario *s, demo_checkpoint_fn checkpoint, void *data) {
  ccgc_host_world *w = s->world;
  v8ish_handle_scope scope;
  v8ish_handle_scope_open(w->script, &scope);
  /* var app = {document}; every button gets a click listener capturing its
   * wrapper; app.buttons = [...document.querySelectorAll("button")] */
  v8ish_local app = v8ish_object_new(w->script);
  v8ish_object_set(w->script, app, "document", ccgc_host_wrap(w, w->document));
  s->app = v8ish_global_new(w->script, app, false);
  s->has_app = true;
  set_app(s, "buttons", demo_scenario_listen_to_buttons(w, NULL));
  v8ish_handle_scope_close(&scope);
  if (!checkpoint_at(s, DEMO_POINT_BASELINE, checkpoint, data)) return;

  /* 'open': the menu leaves the page with its links' listeners; a tooltip
   * is built and dropped; a dialog opens and app.modal keeps it. */
  v8ish_handle_scope_open(w->script, &scope);
  demo_scenario_remove_menu(w);
  demo_scenario_build_subtree(w, "tooltip", 2);
  ccgc_host_node *modal = demo_scenario_build_subtree(w, "modal", 3);
  s->modal = modal;
  ccgc_host_node *body = ccgc_host_find_tag(w->document, "body");
  ccgc_host_append_child(w, body ? body : w->document, modal);
  set_app(s, "modal", ccgc_host_wrap(w, modal));
  v8ish_handle_scope_close(&scope);
  if (!checkpoint_at(s, DEMO_POINT_TARGET, checkpoint, data)) return;

  /* 'close': the dialog leaves the page, but app.modal still holds it. */
  v8ish_handle_scope_open(w->script, &scope);
  if (modal->parent) ccgc_host_remove_child(w, modal->parent, modal);
  set_app(s, "buttons", v8ish_integer(w->script, 0));
  v8ish_handle_scope_close(&scope);
  checkpoint_at(s, DEMO_POINT_FINAL, checkpoint, data);
}

static bool stop_after(demo_scenario *s, int at, void *data) {
  (void)s;
  return at < *(const int *)data;
}

void demo_scenario_run_to(demo_scenario *s, int stop_at) {
  demo_scenario_run(s, stop_after, &stop_at);
}

void demo_scenario_finish(demo_scenario *s) {
  if (s->has_app) v8ish_global_free(s->world->script, s->app);
  s->has_app = false;
}

ccgc_status demo_scenario_load(ccgc_host_world *w, const char *page) {
  const char *bundled = ccgc_host_default_page();
  return page ? ccgc_host_load_html(w, page)
              : ccgc_host_load_html_memory(w, bundled, strlen(bundled));
}

char *demo_scenario_describe(const ccgc_object_info *info, void *data) {
  ccgc_host_world *w = data;
  if (info->heap_id != blinkish_heap_collector_id(w->dom)) return NULL;
  const ccgc_host_node *node = ccgc_host_node_at(w, info->address);
  if (!node) return NULL;
  if (node->kind == CCGC_HOST_DOCUMENT) return g_strdup("#document");
  if (node->kind == CCGC_HOST_ELEMENT) {
    const char *id = ccgc_host_get_attribute(node, "id");
    if (id) return g_strdup_printf("#%s", id);
    return !strcmp(info->type_name, "HTMLElement") ? g_strdup_printf("<%s>", node->name) : NULL;
  }
  /* Graphviz reads backslashes and quotes in labels: keep words only. */
  char *text = g_utf8_make_valid(node->name, -1);
  g_strdelimit(text, "\\\"\n\t\r", ' ');
  char *shown = g_utf8_strlen(text, -1) > 16 ? g_utf8_substring(text, 0, 15) : NULL;
  char *note = g_strdup_printf("'%s%s'", shown ? shown : text, shown ? "..." : "");
  g_free(shown);
  g_free(text);
  return note;
}

int demo_scenario_detachedness(const snap_object *object, void *data) {
  ccgc_host_world *w = data;
  ccgc_host_node *node = ccgc_host_node_at(w, object->address);
  if (!node) return 0;
  return ccgc_host_is_attached(w, node) ? 1 : 2;
}

ccgc_host_world *demo_scenario_open(const char *command, bool baseline,
                                    const ccgc_collector_options *options, const char *page) {
  ccgc_host_world *w =
      ccgc_host_world_new(baseline ? BRIDGE_MODE_BASELINE : BRIDGE_MODE_UNIFIED, options);
  if (demo_scenario_load(w, page) != CCGC_OK) {
    fprintf(stderr, "%s: %s\n", command, w->error);
    ccgc_host_world_free(w);
    return NULL;
  }
  return w;
}

bool demo_scenario_point_option(const char *text, int *at, char *message,
                                size_t size) {
  *at = demo_scenario_parse_point(text);
  if (*at == -1)
    snprintf(message, size,
             "--at %s is out of range: the points are 1 (baseline), 2 (target) "
             "and 3 (final)", text);
  else if (*at == 0)
    snprintf(message, size,
             "unknown point '%s': baseline, target, final, or 1 to 3", text);
  return *at > 0;
}

int demo_scenario_parse_point(const char *text) {
  for (int at = DEMO_POINT_BASELINE; at <= DEMO_POINT_FINAL; at++)
    if (!strcmp(text, demo_point_names[at])) return at;
  /* A number is decimal digits only, as every count of the command
   * (cli-numbers.h): no sign, no blanks. */
  if (!*text || strspn(text, "0123456789") != strlen(text)) return 0;
  size_t digits = strspn(text, "0");
  if (strlen(text + digits) > 2) return -1; /* far out of range */
  long value = strtol(text, NULL, 10);
  return value >= DEMO_POINT_BASELINE && value <= DEMO_POINT_FINAL ? (int)value : -1;
}
