/* test-why.c - `ccgc why`: the retaining path of the scenario's leak (#modal,
 * kept by app.modal through its wrapper) hop by hop, a DOM-only path, the
 * baseline bridge's roots; the retained size it prints equals one computed
 * here by the definition on an in-process run of the same scenario (what is
 * no longer reachable once the object is gone) and ccgc_retained_size; bad
 * input. */
#include <check.h>
#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ccgc-probe.h"
#include "ccgc-test.h"
#include "demo-scenario.h"
#include "run-command.h"

static char **lines_of(const command_result *result) {
  return g_strsplit(result->out, "\n", -1);
}

START_TEST(modal_is_retained_by_app_through_its_wrapper) {
  command_result result = run_ccgc("why '#modal'");
  ck_assert_msg(result.exit_code == 0, "%s", result.err);
  char **lines = lines_of(&result);
  ck_assert_msg(g_str_has_prefix(lines[0], "#modal (HTMLDivElement, dom heap, @"), "%s",
                lines[0]);
  ck_assert_msg(g_str_has_prefix(lines[1], "root (global handle) -> Object (script heap) 0x"),
                "%s", lines[1]);
  ck_assert_msg(g_str_has_prefix(lines[2],
                                 "  --property 'modal'--> HTMLDivElement (script heap) 0x"),
                "%s", lines[2]);
  ck_assert_msg(g_str_has_prefix(lines[3],
                                 "  --wrapper 'embedder'--> HTMLDivElement (dom heap) 0x"),
                "%s", lines[3]);
  ck_assert_msg(g_str_has_prefix(lines[4], "self size 80 bytes; retained size "), "%s",
                lines[4]);
  g_strfreev(lines);
  command_result_free(&result);
}
END_TEST

START_TEST(an_attached_element_has_a_dom_only_path) {
  command_result result = run_ccgc("why --at baseline '#menu'");
  ck_assert_msg(result.exit_code == 0, "%s", result.err);
  char **lines = lines_of(&result);
  ck_assert(g_str_has_prefix(lines[1], "root (persistent) -> HTMLDocument (dom heap)"));
  ck_assert(g_str_has_prefix(lines[2], "  --field 'firstChild'--> HTMLHtmlElement (dom heap)"));
  ck_assert(g_str_has_prefix(lines[3], "  --field 'lastChild'--> HTMLBodyElement (dom heap)"));
  g_strfreev(lines);
  command_result_free(&result);
  /* baseline bridge: every wrapper is a root, so a detached button's parent
   * retains only itself */
  result = run_ccgc("why --baseline '#tooltip'");
  ck_assert_msg(result.exit_code == 0, "%s", result.err);
  ck_assert(strstr(result.out, "root (global handle) -> HTMLButtonElement (script heap)"));
  ck_assert(strstr(result.out, "--field 'parentNode'--> HTMLDivElement (dom heap)"));
  ck_assert(strstr(result.out, "retained size 80 bytes in 1 objects"));
  command_result_free(&result);
}
END_TEST

/* --- the retained size by the definition ------------------------------------------------ */

typedef struct graph {
  GHashTable *size;  /* object -> size */
  GArray *from, *to; /* strong edges (from NULL: a root) */
  size_t ephemerons;
} graph;

static void on_object(const ccgc_object_info *info, void *data) {
  graph *g = data;
  g_hash_table_insert(g->size, info->address, GSIZE_TO_POINTER(info->size));
}

static void on_edge(void *from, void *to, ccgc_edge edge, void *data) {
  graph *g = data;
  if (edge.kind == CCGC_EDGE_WEAK) return;
  g->ephemerons += edge.kind == CCGC_EDGE_EPHEMERON;
  g_array_append_val(g->from, from);
  g_array_append_val(g->to, to);
}

/* Objects reachable from the roots without passing through `removed`. */
static GHashTable *reachable(const graph *g, void *removed) {
  GHashTable *seen = g_hash_table_new(g_direct_hash, g_direct_equal);
  for (bool grew = true; grew;) { /* a fixed point: simple, and the graph is small */
    grew = false;
    for (guint i = 0; i < g->from->len; i++) {
      void *from = g_array_index(g->from, void *, i), *to = g_array_index(g->to, void *, i);
      if (to == removed || g_hash_table_contains(seen, to)) continue;
      if (from && !g_hash_table_contains(seen, from)) continue;
      g_hash_table_add(seen, to);
      grew = true;
    }
  }
  return seen;
}

START_TEST(retained_size_matches_the_definition) {
  ccgc_collector_options options = {.verify = true};
  ccgc_host_world *w = demo_scenario_open("test", false, &options, NULL);
  ck_assert_ptr_nonnull(w);
  demo_scenario s = {.world = w};
  demo_scenario_run_to(&s, DEMO_POINT_FINAL);
  graph g = {g_hash_table_new(g_direct_hash, g_direct_equal),
             g_array_new(FALSE, FALSE, sizeof(void *)), g_array_new(FALSE, FALSE, sizeof(void *)),
             0};
  ccgc_walk_callbacks callbacks = {on_object, on_edge, &g};
  ck_assert_int_eq(ccgc_collector_walk(w->collector, &callbacks), CCGC_OK);
  ck_assert_uint_eq(g.ephemerons, 0); /* so plain reachability is the marker's */
  GHashTable *all = reachable(&g, NULL), *without = reachable(&g, s.modal);
  size_t bytes = 0, objects = 0;
  GHashTableIter iter;
  gpointer object;
  g_hash_table_iter_init(&iter, all);
  while (g_hash_table_iter_next(&iter, &object, NULL))
    if (object == s.modal || !g_hash_table_contains(without, object)) {
      bytes += GPOINTER_TO_SIZE(g_hash_table_lookup(g.size, object));
      objects++;
    }
  /* the subtree: the div, 3 buttons, 3 texts, each button's listener vector,
   * backing, listener, closure, context and wrapper, at the least */
  ck_assert_uint_ge(objects, 1 + 3 * 8);
  size_t api_bytes = 0, api_objects = 0;
  ck_assert_int_eq(ccgc_retained_size(w->collector, s.modal, &api_bytes, &api_objects), CCGC_OK);
  ck_assert_uint_eq(api_bytes, bytes);
  ck_assert_uint_eq(api_objects, objects);

  command_result result = run_ccgc("why '#modal'");
  char *expected = g_strdup_printf("retained size %zu bytes in %zu objects", bytes, objects);
  ck_assert_msg(strstr(result.out, expected), "want '%s' in:\n%s", expected, result.out);
  g_free(expected);
  command_result_free(&result);
  g_hash_table_destroy(all);
  g_hash_table_destroy(without);
  g_hash_table_destroy(g.size);
  g_array_free(g.from, TRUE);
  g_array_free(g.to, TRUE);
  demo_scenario_finish(&s);
  ccgc_host_world_free(w);
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
  command_result result = run_ccgc("why --help");
  ck_assert_int_eq(result.exit_code, 0);
  ck_assert(strstr(result.out, "usage: ccgc why"));
  command_result_free(&result);
  expect("why", 2, "which object?");
  expect("why modal", 2, "'modal' is not an object name");
  expect("why '#modal' '#menu'", 2, "unexpected argument '#menu'");
  expect("why --at 0 '#modal'", 2, "--at 0 is out of range");
  expect("why --at soon '#modal'", 2, "unknown point 'soon'");
  expect("why --bogus '#modal'", 2, "unknown option '--bogus'");
  expect("why '#nothing'", 1, "no object #nothing");
  expect("why '@100000'", 1, "no object @100000");
  /* reclaimed by the first collection (only its own cycles hold it) */
  expect("why --at target '#tooltip'", 1, "no object #tooltip");
  expect("why --page /no/such/page.html '#modal'", 1, "/no/such/page.html");
}
END_TEST

int main(void) {
  Suite *suite = suite_create("why");
  TCase *tc = tcase_create("core");
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, modal_is_retained_by_app_through_its_wrapper);
  tcase_add_test(tc, an_attached_element_has_a_dom_only_path);
  tcase_add_test(tc, retained_size_matches_the_definition);
  tcase_add_test(tc, bad_input_says_so);
  suite_add_tcase(suite, tc);
  return ccgc_test_run(suite);
}
