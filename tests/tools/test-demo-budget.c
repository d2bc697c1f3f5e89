/* test-demo-budget.c - `ccgc demo` on a page of a few thousand elements
 * (defect 7 of issue 13: the demo handed every object to Graphviz, whose
 * layout never finished on real pages). The picture has a node budget by
 * default: the DOT file, parsed back with libcgraph, has at most that many
 * object nodes; the objects past it are in summary nodes whose counts add
 * up to what the command says it left out; and what the picture is about
 * is still drawn: both roots nodes, wrapper pairs, the heads of the
 * reclaimed subtrees (#menu, #tooltip, #modal, #widget) marked with the
 * collection that reclaimed them. --max-nodes changes the budget. No timing
 * is asserted: without a budget the test runs into the check timeout. */
#include <check.h>
#include <glib.h>
#include <graphviz/cgraph.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ccgc-test.h"
#include "run-command.h"

/* The default budget, as docs/tools.md and `ccgc demo --help` state it. */
#define DEFAULT_BUDGET 200

static char *dir, *page;

/* A page with a #menu of 20 links, a #widget with an #open button, 60
 * sections of 10 rows (a div, a paragraph, a span, a link, text), one button
 * per section: 2,629 elements. */
static void setup(void) {
  dir = make_temp_dir();
  ck_assert_ptr_nonnull(dir);
  GString *html = g_string_new("<!DOCTYPE html><html><head><title>big</title></head><body>"
                               "<nav id=menu><ul>");
  for (int i = 0; i < 20; i++)
    g_string_append_printf(html, "<li><a href='#s%d'>section %d</a></li>", i, i);
  g_string_append(html, "</ul></nav><div id=widget><button id=open>Open</button>"
                        "<button id=close>Close</button></div>");
  for (int s = 0; s < 60; s++) {
    g_string_append_printf(html, "<section id=s%d><h2>Section %d</h2>", s, s);
    for (int r = 0; r < 10; r++)
      g_string_append_printf(html, "<div class=row><p>row %d <span>of</span> <a href='#'>"
                                   "section %d</a></p></div>", r, s);
    g_string_append(html, "<button>More</button></section>");
  }
  g_string_append(html, "</body></html>");
  page = g_build_filename(dir, "big.html", NULL);
  ck_assert(g_file_set_contents(page, html->str, (gssize)html->len, NULL));
  g_string_free(html, TRUE);
}

static void teardown(void) {
  char *command = g_strdup_printf("rm -rf '%s'", dir);
  ck_assert_int_eq(system(command), 0);
  g_free(command);
  g_free(page);
  free(dir);
}

static const char *attr(void *object, const char *name) {
  char *value = agget(object, (char *)name);
  return value ? value : "";
}

typedef struct picture {
  size_t objects;          /* object nodes: n<index> */
  size_t summarised;       /* the K of every "+K more T" */
  size_t summaries, bonds, reclaimed_summaries;
  size_t reclaimed[4];     /* object nodes labelled (reclaimed in GC 1..3) */
  bool roots_script, roots_dom;
  bool heads[4];           /* the node of heads[i] marked as reclaimed by it */
} picture;

/* The heads of the subtrees the demo tracks and the collection that
 * reclaims each. */
static const struct {
  const char *id;
  int gc;
} heads[4] = {{"#menu", 1}, {"#tooltip", 1}, {"#modal", 2}, {"#widget", 3}};

/* Runs `ccgc demo --quiet --out DIR/NAME ARGS PAGE`, parses the DOT file. */
static picture run_demo(const char *name, const char *args, command_result *out) {
  char *command = g_strdup_printf("demo --quiet --out '%s/%s' %s '%s'", dir, name, args, page);
  command_result result = run_ccgc(command);
  g_free(command);
  ck_assert_msg(result.exit_code == 0, "demo %s: exit %d: %s%s", args, result.exit_code,
                result.out, result.err);
  ck_assert_msg(strstr(result.out, ": 2629 elements"), "%s", result.out);
  char *path = g_strdup_printf("%s/%s/heap.dot", dir, name);
  FILE *file = fopen(path, "r");
  ck_assert_msg(file != NULL, "no %s", path);
  Agraph_t *graph = agread(file, NULL);
  fclose(file);
  ck_assert_msg(graph != NULL, "%s does not parse", path);
  g_free(path);
  picture p = {0};
  for (Agnode_t *node = agfstnode(graph); node; node = agnxtnode(graph, node)) {
    const char *label = attr(node, "label");
    if (!strcmp(attr(node, "class"), "summary")) {
      unsigned count;
      ck_assert_msg(sscanf(label, "+%u more ", &count) == 1, "label %s", label);
      p.summarised += count;
      p.summaries++;
      p.reclaimed_summaries += strstr(label, "(reclaimed in GC ") != NULL;
    } else if (agnameof(node)[0] == 'n') {
      p.objects++;
      for (int gc = 1; gc <= 3; gc++) {
        char mark[32];
        snprintf(mark, sizeof mark, "(reclaimed in GC %d)", gc);
        p.reclaimed[gc] += strstr(label, mark) != NULL;
      }
      for (int h = 0; h < 4; h++) {
        char named[32], mark[32];
        snprintf(named, sizeof named, " %s\\n@", heads[h].id); /* "HTMLElement #menu\n@12" */
        snprintf(mark, sizeof mark, "(reclaimed in GC %d)", heads[h].gc);
        p.heads[h] = p.heads[h] || (strstr(label, named) && strstr(label, mark));
      }
    }
    for (Agedge_t *edge = agfstout(graph, node); edge; edge = agnxtout(graph, edge))
      p.bonds += !strcmp(attr(edge, "class"), "bond");
  }
  p.roots_script = agnode(graph, (char *)"roots_script", 0) != NULL;
  p.roots_dom = agnode(graph, (char *)"roots_dom", 0) != NULL;
  agclose(graph);
  if (out) *out = result;
  else command_result_free(&result);
  return p;
}

static void assert_what_matters_is_drawn(const char *name, const picture *p) {
  ck_assert(p->roots_script && p->roots_dom);
  ck_assert_uint_ge(p->bonds, 1);
  ck_assert_uint_ge(p->reclaimed[1], 2);
  ck_assert_uint_ge(p->reclaimed[2], 1);
  ck_assert_uint_ge(p->reclaimed[3], 1);
  for (int h = 0; h < 4; h++)
    ck_assert_msg(p->heads[h], "%s: no %s reclaimed in GC %d", name, heads[h].id, heads[h].gc);
}

START_TEST(default_budget_bounds_the_picture) {
  command_result result;
  picture p = run_demo("default", "", &result);
  ck_assert_msg(p.objects <= DEFAULT_BUDGET, "%zu object nodes", p.objects);
  ck_assert_uint_eq(p.objects, DEFAULT_BUDGET); /* the page has many more */
  ck_assert_uint_gt(p.summaries, 0);
  ck_assert_uint_gt(p.summarised, 2629);
  char *line = g_strdup_printf("picture: %zu of ", p.objects);
  ck_assert_msg(strstr(result.out, line), "%s", result.out);
  g_free(line);
  line = g_strdup_printf(", %zu in %zu summary nodes (--max-nodes %d)", p.summarised,
                         p.summaries, DEFAULT_BUDGET);
  ck_assert_msg(strstr(result.out, line), "want '%s' in %s", line, result.out);
  g_free(line);
  assert_what_matters_is_drawn("default", &p);
  /* the summary stays checked: every subtree reclaimed when it should be */
  ck_assert(strstr(result.out, "verifier: 0 errors in 3 collections"));
  command_result_free(&result);
}
END_TEST

START_TEST(max_nodes_sets_the_budget) {
  picture small = run_demo("small", "--max-nodes 40", NULL);
  ck_assert_uint_eq(small.objects, 40);
  ck_assert_uint_gt(small.reclaimed_summaries, 0); /* more was reclaimed than fits */
  assert_what_matters_is_drawn("small", &small);
  picture large = run_demo("large", "--max-nodes 100", NULL);
  ck_assert_uint_eq(large.objects, 100);
  ck_assert_uint_eq(large.objects + large.summarised, small.objects + small.summarised);
  assert_what_matters_is_drawn("large", &large);
  command_result result = run_ccgc("demo --max-nodes 0");
  ck_assert_int_eq(result.exit_code, 2);
  ck_assert_msg(strstr(result.err, "ccgc demo: --max-nodes 0 is out of range"), "%s",
                result.err);
  command_result_free(&result);
  result = run_ccgc("demo --help");
  ck_assert_int_eq(result.exit_code, 0);
  ck_assert(strstr(result.out, "--max-nodes N") && strstr(result.out, "default 200"));
  command_result_free(&result);
}
END_TEST

int main(void) {
  Suite *suite = suite_create("demo-budget");
  TCase *tc = tcase_create("core");
  tcase_set_timeout(tc, 60);
  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_add_test(tc, default_budget_bounds_the_picture);
  tcase_add_test(tc, max_nodes_sets_the_budget);
  suite_add_tcase(suite, tc);
  return ccgc_test_run(suite);
}
