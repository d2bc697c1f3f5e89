/* test-dot.c - `ccgc dot`: the DOT output parsed back with libcgraph
 * (clusters, bond edges, node counts against an in-process run of the same
 * scenario, summary nodes under a budget, focus depth, retaining paths,
 * detached subtrees), `dot -Tsvg` renders it, the in-process PNG is a PNG,
 * and bad input exits 1 or 2 with a message. */
#include <check.h>
#include <glib.h>
#include <graphviz/cgraph.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ccgc-test.h"
#include "demo-scenario.h"
#include "run-command.h"

static char *dir;

static void setup(void) { dir = make_temp_dir(); }
static void teardown(void) {
  char *command = g_strdup_printf("rm -rf '%s'", dir);
  ck_assert_int_eq(system(command), 0);
  g_free(command);
  free(dir);
}

/* Runs `ccgc dot --out DIR/NAME.dot ARGS` and parses the file. */
static Agraph_t *dot(const char *name, const char *args, command_result *out) {
  char *command = g_strdup_printf("dot --out '%s/%s.dot' %s", dir, name, args);
  command_result result = run_ccgc(command);
  g_free(command);
  ck_assert_msg(result.exit_code == 0, "ccgc dot %s: %d: %s", args, result.exit_code,
                result.err);
  char *path = g_strdup_printf("%s/%s.dot", dir, name);
  FILE *file = fopen(path, "r");
  ck_assert_msg(file != NULL, "no %s", path);
  Agraph_t *graph = agread(file, NULL);
  fclose(file);
  ck_assert_msg(graph != NULL, "%s does not parse", path);
  g_free(path);
  if (out) *out = result;
  else command_result_free(&result);
  return graph;
}

static const char *attr(void *object, const char *name) {
  char *value = agget(object, (char *)name);
  return value ? value : "";
}

/* Object nodes ("n<index>") of a graph or cluster, with a label part. */
static size_t object_nodes(Agraph_t *graph, const char *label_part) {
  size_t count = 0;
  for (Agnode_t *node = agfstnode(graph); node; node = agnxtnode(graph, node))
    count += agnameof(node)[0] == 'n' && (!label_part || strstr(attr(node, "label"), label_part));
  return count;
}

static size_t edges_of_class(Agraph_t *graph, const char *class) {
  size_t count = 0;
  for (Agnode_t *node = agfstnode(graph); node; node = agnxtnode(graph, node))
    for (Agedge_t *edge = agfstout(graph, node); edge; edge = agnxtout(graph, edge))
      count += !strcmp(attr(edge, "class"), class);
  return count;
}

/* --- the same scenario in process, for independent counts ---------------------------- */

typedef struct census {
  size_t drawn;      /* objects the default picture draws (not internals) */
  GHashTable *wrapper, *traced; /* "from:to" */
} census;

static const char *const hidden[] = {"MetaClass", "HiddenClass", "String", "HeapNumber",
                                     "Filler", "FixedArray", "DoubleArray", "HeapVector",
                                     "HeapVectorBacking", NULL};

static void census_object(const ccgc_object_info *info, void *data) {
  census *c = data;
  for (size_t i = 0; hidden[i]; i++)
    if (!strcmp(info->type_name, hidden[i])) return;
  c->drawn++;
}

static void census_edge(void *from, void *to, ccgc_edge edge, void *data) {
  census *c = data;
  if (edge.kind == CCGC_EDGE_WRAPPER)
    g_hash_table_add(c->wrapper, g_strdup_printf("%p:%p", from, to));
  if (edge.kind == CCGC_EDGE_TRACED)
    g_hash_table_add(c->traced, g_strdup_printf("%p:%p", to, from));
}

/* Objects drawn by default and wrapper pairs (W -> D wrapper edge, D -> W
 * traced edge) after the scenario's final point. */
static void count_in_process(size_t *drawn, size_t *pairs) {
  ccgc_collector_options options = {.verify = true};
  ccgc_host_world *w = demo_scenario_open("test", false, &options, NULL);
  ck_assert_ptr_nonnull(w);
  demo_scenario s = {.world = w};
  demo_scenario_run_to(&s, DEMO_POINT_FINAL);
  census c = {0, g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL),
              g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL)};
  ccgc_walk_callbacks callbacks = {census_object, census_edge, &c};
  ck_assert_int_eq(ccgc_collector_walk(w->collector, &callbacks), CCGC_OK);
  *drawn = c.drawn;
  *pairs = 0;
  GHashTableIter iter;
  gpointer key;
  g_hash_table_iter_init(&iter, c.wrapper);
  while (g_hash_table_iter_next(&iter, &key, NULL)) *pairs += g_hash_table_contains(c.traced, key);
  g_hash_table_destroy(c.wrapper);
  g_hash_table_destroy(c.traced);
  demo_scenario_finish(&s);
  ccgc_host_world_free(w);
}

START_TEST(whole_graph_has_clusters_bonds_and_every_object) {
  command_result result;
  char *args = g_strdup_printf("--svg '%s/all.svg' --png '%s/all.png'", dir, dir);
  Agraph_t *graph = dot("all", args, &result);
  g_free(args);
  size_t drawn, pairs;
  count_in_process(&drawn, &pairs);
  ck_assert_uint_gt(pairs, 3);
  Agraph_t *script = agsubg(graph, (char *)"cluster_script", 0);
  Agraph_t *dom = agsubg(graph, (char *)"cluster_dom", 0);
  ck_assert_ptr_nonnull(script);
  ck_assert_ptr_nonnull(dom);
  ck_assert_uint_eq(object_nodes(graph, NULL), drawn);
  ck_assert_uint_eq(object_nodes(script, NULL) + object_nodes(dom, NULL), drawn);
  ck_assert_ptr_nonnull(agnode(script, (char *)"roots_script", 0));
  ck_assert_ptr_nonnull(agnode(dom, (char *)"roots_dom", 0));
  /* one bold two-headed bond per wrapper pair, none else */
  ck_assert_uint_eq(edges_of_class(graph, "bond"), pairs);
  ck_assert_uint_eq(object_nodes(dom, "HTMLDivElement #modal"), 1);
  ck_assert_uint_eq(object_nodes(graph, "MetaClass"), 0);
  char *summary = g_strdup_printf("%zu of", drawn);
  ck_assert_msg(strstr(result.out, summary), "%s", result.out);
  g_free(summary);
  command_result_free(&result);
  agclose(graph);

  /* `dot` renders it, and the in-process files are SVG and PNG */
  char *command = g_strdup_printf("dot -Tsvg '%s/all.dot' -o '%s/dot.svg'", dir, dir);
  ck_assert_int_eq(system(command), 0);
  g_free(command);
  const char *svgs[] = {"dot.svg", "all.svg"};
  for (int i = 0; i < 2; i++) {
    char *path = g_strdup_printf("%s/%s", dir, svgs[i]), *text = NULL;
    ck_assert(g_file_get_contents(path, &text, NULL, NULL));
    ck_assert_msg(strstr(text, "<svg") && strstr(text, "cluster_dom"), "%s", path);
    g_free(text);
    g_free(path);
  }
  char *path = g_strdup_printf("%s/all.png", dir), *png = NULL;
  gsize size = 0;
  ck_assert(g_file_get_contents(path, &png, &size, NULL));
  ck_assert_uint_gt(size, 1000);
  ck_assert_int_eq(memcmp(png, "\x89PNG\r\n\x1a\n", 8), 0);
  g_free(png);
  g_free(path);
}
END_TEST

START_TEST(node_budget_collapses_the_rest_into_summary_nodes) {
  size_t drawn, pairs;
  count_in_process(&drawn, &pairs);
  Agraph_t *graph = dot("budget", "--max-nodes 10", NULL);
  ck_assert_uint_eq(object_nodes(graph, NULL), 10);
  size_t summaries = 0, summarised = 0;
  for (Agnode_t *node = agfstnode(graph); node; node = agnxtnode(graph, node)) {
    if (strcmp(attr(node, "class"), "summary")) continue;
    summaries++;
    const char *label = attr(node, "label");
    unsigned count = 0;
    char type[128];
    ck_assert_msg(sscanf(label, "+%u more %127s", &count, type) == 2, "label %s", label);
    ck_assert_uint_gt(count, 0);
    summarised += count;
  }
  ck_assert_uint_gt(summaries, 1);
  ck_assert_uint_eq(summarised, drawn - 10);
  /* drawn nodes reference the summaries */
  size_t to_summary = 0;
  for (Agnode_t *node = agfstnode(graph); node; node = agnxtnode(graph, node))
    for (Agedge_t *edge = agfstout(graph, node); edge; edge = agnxtout(graph, edge))
      to_summary += !strncmp(agnameof(aghead(edge)), "summary", 7);
  ck_assert_uint_gt(to_summary, 0);
  agclose(graph);
}
END_TEST

START_TEST(focus_keeps_what_lies_within_the_depth) {
  /* #modal (detached) at depth 1: its wrapper (both ways: the bond) and its
   * three buttons (firstChild, lastChild, and every child's parentNode); the
   * buttons' texts are two hops away. */
  Agraph_t *graph = dot("focus1", "--focus '#modal' --depth 1", NULL);
  Agraph_t *dom = agsubg(graph, (char *)"cluster_dom", 0);
  Agraph_t *script = agsubg(graph, (char *)"cluster_script", 0);
  ck_assert_uint_eq(object_nodes(graph, NULL), 5);
  ck_assert_uint_eq(object_nodes(dom, "#modal"), 1);
  ck_assert_uint_eq(object_nodes(dom, "HTMLButtonElement"), 3);
  ck_assert_uint_eq(object_nodes(script, "HTMLDivElement"), 1);
  ck_assert_uint_eq(object_nodes(graph, "Text"), 0);
  ck_assert_uint_eq(edges_of_class(graph, "bond"), 1);
  size_t targets = 0;
  for (Agnode_t *node = agfstnode(graph); node; node = agnxtnode(graph, node))
    targets += !strcmp(attr(node, "class"), "target");
  ck_assert_uint_eq(targets, 1);
  ck_assert_ptr_null(agnode(graph, (char *)"roots_dom", 0)); /* #modal is detached */
  /* The legend counts what is drawn, as the command's line does (it
   * counted folded objects too: 23 against 14 drawn for some focus). */
  const char *legend = agget(graph, (char *)"label");
  ck_assert_msg(legend && strstr(legend, "focus on the orange object: 5 of ") &&
                    strstr(legend, " objects drawn"),
                "%s", legend ? legend : "(no label)");
  agclose(graph);
  graph = dot("focus2", "--focus '#modal' --depth 2", NULL);
  ck_assert_uint_eq(object_nodes(graph, "Text"), 3);
  ck_assert_uint_gt(object_nodes(graph, "EventListener"), 0);
  ck_assert_uint_gt(object_nodes(graph, NULL), 5);
  agclose(graph);
}
END_TEST

START_TEST(paths_keep_only_the_retaining_paths) {
  /* app (a global handle) --modal--> wrapper <=> #modal */
  Agraph_t *graph = dot("path", "--path '#modal'", NULL);
  ck_assert_uint_eq(object_nodes(graph, NULL), 3);
  ck_assert_uint_eq(object_nodes(graph, "Object"), 1);
  ck_assert_uint_eq(object_nodes(graph, "#modal"), 1);
  ck_assert_uint_eq(edges_of_class(graph, "bond"), 1);
  agclose(graph);
  /* and the document's: a persistent holds it */
  graph = dot("paths", "--path '#modal' --path '#document'", NULL);
  ck_assert_uint_eq(object_nodes(graph, NULL), 4);
  ck_assert_ptr_nonnull(agnode(graph, (char *)"roots_dom", 0));
  agclose(graph);
}
END_TEST

START_TEST(detached_keeps_detached_subtrees_only) {
  Agraph_t *graph = dot("detached", "--detached", NULL);
  ck_assert_uint_eq(object_nodes(graph, "#modal"), 1);
  ck_assert_uint_eq(object_nodes(graph, "#document"), 0);
  ck_assert_uint_eq(object_nodes(graph, "HTMLBodyElement"), 0);
  Agraph_t *dom = agsubg(graph, (char *)"cluster_dom", 0);
  ck_assert_uint_ge(object_nodes(dom, "Text"), 3); /* the buttons' labels */
  agclose(graph);
}
END_TEST

START_TEST(mid_cycle_dump_has_mark_colors) {
  Agraph_t *graph = dot("mid", "--mid-cycle", NULL);
  size_t grey_or_black = 0;
  for (Agnode_t *node = agfstnode(graph); node; node = agnxtnode(graph, node))
    grey_or_black += !strcmp(attr(node, "fillcolor"), "#e0e0e0") ||
                     !strcmp(attr(node, "fillcolor"), "#b8b8b8");
  ck_assert_uint_gt(grey_or_black, 0);
  ck_assert(strstr(attr(graph, "label"), "mark color"));
  agclose(graph);
}
END_TEST

static void expect(const char *args, int code, const char *message) {
  command_result result = run_ccgc(args);
  ck_assert_msg(result.exit_code == code, "%s: exit %d, want %d: %s", args, result.exit_code,
                code, result.err);
  if (message) ck_assert_msg(strstr(result.err, message), "%s: %s", args, result.err);
  command_result_free(&result);
}

START_TEST(bad_input_says_so) {
  command_result result = run_ccgc("dot --help");
  ck_assert_int_eq(result.exit_code, 0);
  ck_assert(strstr(result.out, "usage: ccgc dot") && strstr(result.out, "#ID"));
  command_result_free(&result);
  char *out = g_strdup_printf("dot --out '%s/x.dot'", dir);
  char *args;
#define EXPECT(extra, code, message)                 \
  args = g_strdup_printf("%s %s", out, extra);        \
  expect(args, code, message);                        \
  g_free(args)
  EXPECT("--focus '#nothing'", 1, "no object #nothing");
  EXPECT("--path '@999999'", 1, "no object @999999");
  EXPECT("--focus menu", 2, "not an object name");
  EXPECT("--focus '@abc'", 2, "not an object name");
  EXPECT("--path '@-1'", 2, "not an object name");
  EXPECT("--path '@'", 2, "not an object name");
  EXPECT("--svg same.svg --png same.svg", 2, "given for two outputs");
  /* A string is folded, never a node: a focus on it draws nothing (it
   * wrote an empty picture whose label claimed 5 objects). */
  EXPECT("--focus '@0'", 1, "the filter matches no object that is drawn");
  EXPECT("--depth 0 --focus '#modal'", 2, "--depth 0 is out of range");
  EXPECT("--depth 3", 2, "--depth goes with --focus or --detached");
  EXPECT("--max-nodes many", 2, "--max-nodes many is out of range");
  EXPECT("--focus '#modal' --detached", 2, "exclude each other");
  EXPECT("--at 4", 2, "--at 4 is out of range");
  EXPECT("--bogus", 2, "unknown option '--bogus'");
  EXPECT("--focus", 2, "needs a value");
  EXPECT("stray", 2, "unexpected argument 'stray'");
  EXPECT("--page /no/such/page.html", 1, "/no/such/page.html");
#undef EXPECT
  g_free(out);
  expect("dot --out /no/such/dir/x.dot", 1, "cannot write '/no/such/dir/x.dot'");
  /* A dangling link to the DOT file: the picture would replace it. */
  char *link = g_strdup_printf("%s/link.dot", dir), *target = g_strdup_printf("%s/zz.dot", dir);
  ck_assert_int_eq(symlink(target, link), 0);
  args = g_strdup_printf("dot --out '%s' --svg '%s'", target, link);
  expect(args, 2, "given for two outputs");
  g_free(args);
  ck_assert(!g_file_test(target, G_FILE_TEST_EXISTS));
  /* A chain of dangling links: the picture is made where the last one
   * points, as open(2) would make it (the writer followed one link and
   * replaced the second with the picture). */
  char *first = g_strdup_printf("%s/first.svg", dir), *second = g_strdup_printf("%s/second.svg", dir),
       *last = g_strdup_printf("%s/last.svg", dir);
  ck_assert_int_eq(symlink(second, first), 0);
  ck_assert_int_eq(symlink(last, second), 0);
  args = g_strdup_printf("dot --out '%s/chain.dot' --svg '%s'", dir, first);
  expect(args, 0, NULL);
  g_free(args);
  ck_assert(g_file_test(last, G_FILE_TEST_IS_REGULAR));
  ck_assert(g_file_test(second, G_FILE_TEST_IS_SYMLINK));
  ck_assert(g_file_test(first, G_FILE_TEST_IS_SYMLINK));
  /* A loop of links: refused as open(2) refuses it (ELOOP), and the links
   * stay links (one was replaced with the picture). */
  char *loop_a = g_strdup_printf("%s/loop-a.dot", dir), *loop_b = g_strdup_printf("%s/loop-b.dot", dir);
  ck_assert_int_eq(symlink(loop_b, loop_a), 0);
  ck_assert_int_eq(symlink(loop_a, loop_b), 0);
  args = g_strdup_printf("dot --out '%s'", loop_a);
  expect(args, 1, "Too many levels of symbolic links");
  g_free(args);
  ck_assert(g_file_test(loop_a, G_FILE_TEST_IS_SYMLINK));
  ck_assert(g_file_test(loop_b, G_FILE_TEST_IS_SYMLINK));
  g_free(loop_a);
  g_free(loop_b);
  g_free(first);
  g_free(second);
  g_free(last);
  g_free(link);
  g_free(target);
  /* #tooltip is built after the baseline point and reclaimed by the
   * collection that ends the next one: at final it matches nothing */
  args = g_strdup_printf("dot --path '#tooltip' --out '%s/t.dot'", dir);
  expect(args, 1, "no object #tooltip");
  g_free(args);
}
END_TEST

/* An id with backslashes is drawn as written: Graphviz reads "\\N" in a
 * label as the node's name and "\\l" as a line break unless escaped. */
START_TEST(labels_keep_backslashes) {
  char *page = g_strdup_printf("%s/bs.html", dir);
  ck_assert(g_file_set_contents(page, "<html><body><div id=\"a\\Nb\\lc\"></div></body></html>",
                                -1, NULL));
  char *args = g_strdup_printf("--page '%s' --focus '#a\\Nb\\lc' --depth 1", page);
  Agraph_t *graph = dot("bs", args, NULL);
  size_t found = 0;
  for (Agnode_t *node = agfstnode(graph); node; node = agnxtnode(graph, node))
    found += strstr(attr(node, "label"), "#a\\\\Nb\\\\lc") != NULL;
  ck_assert_msg(found == 1, "%zu labels with the escaped id", found);
  agclose(graph);
  g_free(args);
  g_free(page);
}
END_TEST

int main(void) {
  Suite *suite = suite_create("dot");
  TCase *tc = tcase_create("core");
  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, whole_graph_has_clusters_bonds_and_every_object);
  tcase_add_test(tc, node_budget_collapses_the_rest_into_summary_nodes);
  tcase_add_test(tc, focus_keeps_what_lies_within_the_depth);
  tcase_add_test(tc, paths_keep_only_the_retaining_paths);
  tcase_add_test(tc, detached_keeps_detached_subtrees_only);
  tcase_add_test(tc, mid_cycle_dump_has_mark_colors);
  tcase_add_test(tc, bad_input_says_so);
  tcase_add_test(tc, labels_keep_backslashes);
  suite_add_tcase(suite, tc);
  return ccgc_test_run(suite);
}
