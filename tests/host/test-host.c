/* test-host.c - the host model: tree operations keep the structure, listeners
 * hold closures and can be removed, wrapper arrays, element names interned
 * (one copy per tag, lower-cased outside SVG, kept after its elements die),
 * the HTML loader builds the bundled page and reports bad files. */
#include <check.h>
#include <glib.h>
#include <stdlib.h>
#include <string.h>

#include "ccgc-probe.h"
#include "ccgc-test.h"
#include "host.h"
#include "run-command.h"

/* The bundled page, tools/host/default-page.html. */
#define DEFAULT_PAGE_ELEMENTS 40

static ccgc_host_world *new_world(void) {
  ccgc_collector_options options = {.verify = true};
  return ccgc_host_world_new(BRIDGE_MODE_UNIFIED, &options);
}

static ccgc_host_world *world_with_default_page(void) {
  ccgc_host_world *w = new_world();
  const char *page = ccgc_host_default_page();
  ck_assert_int_eq(ccgc_host_load_html_memory(w, page, strlen(page)), CCGC_OK);
  return w;
}

START_TEST(append_and_remove_keep_the_tree_consistent) {
  ccgc_host_world *w = new_world();
  ccgc_host_node *list = ccgc_host_create_element(w, "ul");
  ccgc_host_append_child(w, w->document, list);
  ccgc_host_node *items[3];
  for (int i = 0; i < 3; i++) {
    items[i] = ccgc_host_create_element(w, "li");
    ccgc_host_append_child(w, list, items[i]);
  }
  ck_assert_ptr_eq(list->first_child, items[0]);
  ck_assert_ptr_eq(list->last_child, items[2]);
  ck_assert_ptr_eq(items[1]->prev_sibling, items[0]);
  ck_assert_ptr_eq(items[1]->next_sibling, items[2]);
  ck_assert_ptr_eq(items[0]->parent, list);
  ccgc_host_remove_child(w, list, items[1]);
  ck_assert_ptr_eq(items[0]->next_sibling, items[2]);
  ck_assert_ptr_eq(items[2]->prev_sibling, items[0]);
  ck_assert_ptr_null(items[1]->parent);
  ck_assert_ptr_null(items[1]->next_sibling);
  ck_assert_ptr_null(items[1]->prev_sibling);
  ck_assert(!ccgc_host_is_attached(w, items[1]));
  ck_assert(ccgc_host_is_attached(w, items[2]));
  ck_assert_int_eq(ccgc_host_remove_child(w, list, items[1]), CCGC_E_INVALID_ARGUMENT);
  ck_assert(strstr(w->error, "not a child"));
  /* Appending a child that has a parent moves it. */
  ccgc_host_append_child(w, w->document, items[0]);
  ck_assert_ptr_eq(list->first_child, items[2]);
  ck_assert_ptr_eq(w->document->last_child, items[0]);
  ccgc_test_collect_verified(w->collector);
  ck_assert_uint_eq(ccgc_host_count_nodes(w->document, CCGC_HOST_ELEMENT), 3);
  ck_assert_str_eq(blinkish_type_name(w->dom, list), "HTMLUListElement");
  ck_assert_str_eq(blinkish_type_name(w->dom, items[0]), "HTMLLIElement");
  ck_assert_str_eq(blinkish_type_name(w->dom, w->document), "HTMLDocument");
  ccgc_host_world_free(w);
}
END_TEST

/* Attachedness is remembered between questions (host.c's memo) and
 * forgotten when the tree changes: asked, detached, asked again. */
START_TEST(attachedness_follows_every_change_of_the_tree) {
  ccgc_host_world *w = new_world();
  ccgc_host_node *outer = ccgc_host_create_element(w, "div");
  ccgc_host_node *inner = ccgc_host_create_element(w, "span");
  ccgc_host_append_child(w, outer, inner);
  ck_assert(!ccgc_host_is_attached(w, inner));
  ccgc_host_append_child(w, w->document, outer);
  ck_assert(ccgc_host_is_attached(w, inner));
  ck_assert(ccgc_host_is_attached(w, outer));
  ccgc_host_remove_child(w, w->document, outer); /* the ancestor, not the node */
  ck_assert(!ccgc_host_is_attached(w, inner));
  ck_assert(!ccgc_host_is_attached(w, outer));
  ccgc_host_append_child(w, w->document, outer);
  ck_assert(ccgc_host_is_attached(w, inner));
  ccgc_host_world_free(w);
}
END_TEST

START_TEST(a_detached_subtree_keeps_its_structure) {
  ccgc_host_world *w = world_with_default_page();
  ccgc_host_node *widget = ccgc_host_get_element_by_id(w->document, "widget");
  ccgc_host_node *parent = widget->parent;
  size_t before = ccgc_host_count_nodes(w->document, CCGC_HOST_ELEMENT);
  size_t inside = ccgc_host_count_nodes(widget, CCGC_HOST_ELEMENT);
  ck_assert_uint_eq(inside, 4); /* div, span, two buttons */
  ck_assert_int_eq(ccgc_host_remove_child(w, parent, widget), CCGC_OK);
  ck_assert_uint_eq(ccgc_host_count_nodes(w->document, CCGC_HOST_ELEMENT), before - inside);
  ck_assert_uint_eq(ccgc_host_count_nodes(widget, CCGC_HOST_ELEMENT), inside);
  ck_assert_ptr_nonnull(ccgc_host_get_element_by_id(widget, "close"));
  ck_assert_ptr_null(ccgc_host_get_element_by_id(w->document, "close"));
  ck_assert(!ccgc_host_is_attached(w, ccgc_host_get_element_by_id(widget, "close")));
  /* Put back: attached again, found again. */
  ck_assert_int_eq(ccgc_host_append_child(w, parent, widget), CCGC_OK);
  ck_assert_ptr_nonnull(ccgc_host_get_element_by_id(w->document, "close"));
  ccgc_test_collect_verified(w->collector);
  ccgc_host_world_free(w);
}
END_TEST

START_TEST(element_names_are_interned) {
  ccgc_host_world *w = new_world();
  ccgc_host_node *a = ccgc_host_create_element(w, "DIV");
  ccgc_host_node *b = ccgc_host_create_element(w, "div");
  ccgc_host_node *svg = ccgc_host_create_element_ns(w, CCGC_HOST_NS_SVG, "foreignObject");
  ck_assert_str_eq(a->name, "div");
  ck_assert_ptr_eq(a->name, b->name); /* one copy per tag */
  ck_assert_str_eq(svg->name, "foreignObject"); /* SVG keeps its case */
  /* A long tag (past the lower-casing buffer) too. */
  char tag[200];
  memset(tag, 'X', sizeof tag - 1);
  tag[sizeof tag - 1] = '\0';
  ccgc_host_node *long1 = ccgc_host_create_element(w, tag);
  ccgc_host_node *long2 = ccgc_host_create_element(w, tag);
  ck_assert_ptr_eq(long1->name, long2->name);
  ck_assert_uint_eq(strlen(long1->name), sizeof tag - 1);
  ck_assert_int_eq(long1->name[0], 'x');
  /* The elements die (nothing holds them) and their finalizers run: the
   * shared name stays for the next element of the tag (ASan: no double
   * free, no use after free). */
  const char *shared = a->name;
  ccgc_collect(w->collector, CCGC_REASON_TESTING);
  ccgc_collector_finish_sweeping(w->collector);
  ccgc_host_node *c = ccgc_host_create_element(w, "div");
  ck_assert_ptr_eq(c->name, shared);
  ck_assert_str_eq(c->name, "div");
  ccgc_host_world_free(w);
}
END_TEST

START_TEST(append_rejects_what_would_not_be_a_tree) {
  ccgc_host_world *w = new_world();
  ccgc_host_node *outer = ccgc_host_create_element(w, "div");
  ccgc_host_node *inner = ccgc_host_create_element(w, "span");
  ccgc_host_node *text = ccgc_host_create_text(w, "hello");
  ccgc_host_append_child(w, outer, inner);
  ck_assert_int_eq(ccgc_host_append_child(w, inner, outer), CCGC_E_INVALID_ARGUMENT);
  ck_assert(strstr(w->error, "ancestors"));
  ck_assert_int_eq(ccgc_host_append_child(w, outer, outer), CCGC_E_INVALID_ARGUMENT);
  ck_assert_int_eq(ccgc_host_append_child(w, text, inner), CCGC_E_INVALID_ARGUMENT);
  ck_assert(strstr(w->error, "text node"));
  ck_assert_int_eq(ccgc_host_append_child(w, outer, w->document), CCGC_E_INVALID_ARGUMENT);
  ck_assert_ptr_eq(inner->parent, outer); /* unchanged */
  ck_assert_ptr_null(outer->parent);
  ccgc_host_world_free(w);
}
END_TEST

START_TEST(listeners_keep_their_closures) {
  ccgc_host_world *w = new_world();
  v8ish_handle_scope scope;
  v8ish_handle_scope_open(w->script, &scope);
  ccgc_host_node *button = ccgc_host_create_element(w, "button");
  ccgc_host_append_child(w, w->document, button);
  v8ish_local wrapper = ccgc_host_wrap(w, button);
  v8ish_local closure = ccgc_host_make_closure(w, "onclick", &wrapper, 1);
  ck_assert(v8ish_same(w->script, v8ish_context_get(w->script,
                                                    v8ish_closure_context(w->script, closure), 0),
                       wrapper));
  ccgc_host_add_event_listener(w, button, "click", closure);
  ck_assert_uint_eq(ccgc_host_listener_count(w, button), 1);
  ccgc_probe *probe = ccgc_probe_new(w->collector, v8ish_object_address(w->script, closure),
                                     "closure");
  v8ish_handle_scope_close(&scope);
  ccgc_test_collect_verified(w->collector);
  ck_assert(!ccgc_probe_collected(probe)); /* held by the attached button */
  v8ish_handle_scope_open(w->script, &scope);
  v8ish_local again = ccgc_host_wrap(w, button); /* the same, surviving wrapper */
  ck_assert_ptr_eq(bridge_unwrap(w->bridge, again), button);
  v8ish_handle_scope_close(&scope);
  ccgc_host_remove_all_listeners(w, button);
  ck_assert_uint_eq(ccgc_host_listener_count(w, button), 0);
  ccgc_test_collect_verified(w->collector);
  ck_assert(ccgc_probe_collected(probe)); /* nothing holds it any more */
  ccgc_probe_free(w->collector, probe);
  ccgc_host_world_free(w);
}
END_TEST

START_TEST(listeners_are_listed_and_removed_one_by_one) {
  ccgc_host_world *w = new_world();
  v8ish_handle_scope scope;
  v8ish_handle_scope_open(w->script, &scope);
  ccgc_host_node *input = ccgc_host_create_element(w, "input");
  ccgc_host_append_child(w, w->document, input);
  v8ish_local wrapper = ccgc_host_wrap(w, input);
  v8ish_local on_input = ccgc_host_make_closure(w, "onInput", &wrapper, 1);
  v8ish_local on_focus = ccgc_host_make_closure(w, "onFocus", NULL, 0);
  ccgc_host_add_event_listener(w, input, "input", on_input);
  ccgc_host_add_event_listener(w, input, "focus", on_focus);
  ccgc_host_add_event_listener(w, input, "blur", on_focus);
  ck_assert_uint_eq(ccgc_host_listener_count(w, input), 3);
  ck_assert_str_eq(ccgc_host_listener_type(w, input, 0), "input");
  ck_assert_str_eq(ccgc_host_listener_type(w, input, 2), "blur");
  ck_assert_ptr_null(ccgc_host_listener_type(w, input, 3));
  ck_assert(v8ish_same(w->script, ccgc_host_listener_callback(w, input, 1), on_focus));
  ck_assert(v8ish_local_is_empty(ccgc_host_listener_callback(w, input, 7)));
  /* Type and callback must both match, as removeEventListener wants. */
  ck_assert(!ccgc_host_remove_event_listener(w, input, "input", on_focus));
  ck_assert(!ccgc_host_remove_event_listener(w, input, "change", on_input));
  ck_assert(ccgc_host_remove_event_listener(w, input, "focus", on_focus));
  ck_assert_uint_eq(ccgc_host_listener_count(w, input), 2);
  ck_assert_str_eq(ccgc_host_listener_type(w, input, 0), "input");
  ck_assert_str_eq(ccgc_host_listener_type(w, input, 1), "blur");
  ck_assert(v8ish_same(w->script, ccgc_host_listener_callback(w, input, 1), on_focus));
  ccgc_probe *input_probe =
      ccgc_probe_new(w->collector, v8ish_object_address(w->script, on_input), "onInput");
  ck_assert(ccgc_host_remove_event_listener(w, input, "input", on_input));
  v8ish_handle_scope_close(&scope);
  ccgc_test_collect_verified(w->collector);
  ck_assert(ccgc_probe_collected(input_probe));
  ck_assert_uint_eq(ccgc_host_listener_count(w, input), 1);
  ccgc_probe_free(w->collector, input_probe);
  ccgc_host_world_free(w);
}
END_TEST

START_TEST(a_wrapper_array_holds_the_wrappers) {
  ccgc_host_world *w = world_with_default_page();
  ccgc_host_node *buttons[4];
  size_t count = 0;
  for (ccgc_host_node *node = w->document; node && count < 4;
       node = ccgc_host_next_in_order(w->document, node))
    if (node->kind == CCGC_HOST_ELEMENT && !strcmp(node->name, "button"))
      buttons[count++] = node;
  ck_assert_uint_eq(count, 4);
  v8ish_handle_scope scope;
  v8ish_handle_scope_open(w->script, &scope);
  v8ish_local array = ccgc_host_wrapper_array(w, buttons, count);
  ck_assert_uint_eq(v8ish_array_length(w->script, array), 4);
  for (size_t i = 0; i < count; i++) {
    v8ish_local element = v8ish_array_get(w->script, array, i);
    ck_assert_ptr_eq(bridge_unwrap(w->bridge, element), buttons[i]);
    ck_assert(v8ish_same(w->script, element, bridge_wrapper_of(w->bridge, buttons[i])));
  }
  v8ish_global held = v8ish_global_new(w->script, array, false);
  v8ish_handle_scope_close(&scope);
  /* Script holds the detached widget's buttons through the array. */
  ccgc_host_node *widget = ccgc_host_get_element_by_id(w->document, "widget");
  ccgc_host_remove_child(w, widget->parent, widget);
  ccgc_probe *probe = ccgc_probe_new(w->collector, widget, "widget");
  ccgc_test_collect_verified(w->collector);
  ck_assert(!ccgc_probe_collected(probe));
  v8ish_global_free(w->script, held);
  ccgc_test_collect_verified(w->collector);
  ck_assert(ccgc_probe_collected(probe));
  ccgc_probe_free(w->collector, probe);
  ccgc_host_world_free(w);
}
END_TEST

START_TEST(node_at_knows_the_host_nodes) {
  ccgc_host_world *w = world_with_default_page();
  ccgc_host_node *send = ccgc_host_get_element_by_id(w->document, "send");
  ck_assert_ptr_eq(ccgc_host_node_at(w, send), send);
  ck_assert_ptr_eq(ccgc_host_node_at(w, w->document), w->document);
  ck_assert_ptr_eq(ccgc_host_node_at(w, send->first_child), send->first_child);
  int local;
  ck_assert_ptr_null(ccgc_host_node_at(w, &local));
  v8ish_handle_scope scope;
  v8ish_handle_scope_open(w->script, &scope);
  ccgc_host_add_event_listener(w, send, "click", ccgc_host_make_closure(w, "f", NULL, 0));
  v8ish_handle_scope_close(&scope);
  ck_assert_ptr_null(ccgc_host_node_at(w, send->listeners)); /* a HeapVector */
  ccgc_host_world_free(w);
}
END_TEST

START_TEST(the_default_page_loads) {
  ccgc_host_world *w = world_with_default_page();
  ck_assert_uint_eq(ccgc_host_count_nodes(w->document, CCGC_HOST_ELEMENT),
                    DEFAULT_PAGE_ELEMENTS);
  ck_assert_uint_gt(ccgc_host_count_nodes(w->document, CCGC_HOST_TEXT), 15);
  static const char *const ids[] = {"top", "menu", "intro", "heaps", "diagram", "cycles",
                                    "widget", "open", "close", "contact", "email",
                                    "message", "send", "reset", "footer"};
  for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++)
    ck_assert_msg(ccgc_host_get_element_by_id(w->document, ids[i]), "#%s", ids[i]);
  ccgc_host_node *widget = ccgc_host_get_element_by_id(w->document, "widget");
  ck_assert_str_eq(widget->name, "div");
  ck_assert_str_eq(ccgc_host_get_attribute(widget, "class"), "card");
  ck_assert_str_eq(ccgc_host_get_attribute(ccgc_host_get_element_by_id(w->document, "send"),
                                           "type"),
                   "submit");
  ck_assert_ptr_null(ccgc_host_get_element_by_id(w->document, "nope"));
  ccgc_host_node *title = ccgc_host_find_tag(w->document, "title");
  ck_assert_str_eq(title->first_child->name, "ccgc demo page");
  ck_assert_uint_eq(ccgc_host_count_nodes(ccgc_host_find_tag(w->document, "ul"),
                                          CCGC_HOST_ELEMENT),
                    9); /* ul, 4 li, 4 a */
  ck_assert_str_eq(blinkish_type_name(w->dom, ccgc_host_find_tag(w->document, "nav")),
                   "HTMLElement");
  ck_assert_str_eq(blinkish_type_name(w->dom, ccgc_host_find_tag(w->document, "p")),
                   "HTMLParagraphElement");
  ck_assert_str_eq(blinkish_type_name(w->dom, ccgc_host_find_tag(w->document, "button")),
                   "HTMLButtonElement");
  ccgc_test_collect_verified(w->collector);
  ck_assert_uint_eq(ccgc_host_count_nodes(w->document, CCGC_HOST_ELEMENT),
                    DEFAULT_PAGE_ELEMENTS);
  ccgc_host_world_free(w);
}
END_TEST

START_TEST(the_embedded_page_is_the_file) {
  gchar *text = NULL;
  gsize length = 0;
  ck_assert_msg(g_file_get_contents(ccgc_host_default_page_path(), &text, &length, NULL),
                "%s", ccgc_host_default_page_path());
  ck_assert_uint_eq(length, strlen(ccgc_host_default_page()));
  ck_assert(memcmp(text, ccgc_host_default_page(), length) == 0);
  g_free(text);
  ccgc_host_world *w = new_world();
  ck_assert_int_eq(ccgc_host_load_html(w, ccgc_host_default_page_path()), CCGC_OK);
  ck_assert_uint_eq(ccgc_host_count_nodes(w->document, CCGC_HOST_ELEMENT),
                    DEFAULT_PAGE_ELEMENTS);
  ccgc_host_world_free(w);
}
END_TEST

START_TEST(sloppy_html_is_recovered) {
  ccgc_host_world *w = new_world();
  const char *html = "<div id=a><p>one<p>two<div id=b class=x>three</div>";
  ck_assert_int_eq(ccgc_host_load_html_memory(w, html, strlen(html)), CCGC_OK);
  ccgc_host_node *a = ccgc_host_get_element_by_id(w->document, "a");
  ccgc_host_node *b = ccgc_host_get_element_by_id(w->document, "b");
  ck_assert_ptr_nonnull(a);
  ck_assert_ptr_nonnull(b);
  ck_assert_str_eq(ccgc_host_get_attribute(b, "class"), "x");
  ck_assert_uint_eq(ccgc_host_count_nodes(a, CCGC_HOST_TEXT), 3);
  ck_assert_ptr_nonnull(ccgc_host_find_tag(w->document, "html")); /* implied */
  ccgc_test_collect_verified(w->collector);
  ccgc_host_world_free(w);
}
END_TEST

START_TEST(bad_files_get_clear_errors) {
  ccgc_host_world *w = new_world();
  ck_assert_int_eq(ccgc_host_load_html(w, "/nonexistent.html"), CCGC_E_IO);
  ck_assert_str_eq(w->error, "cannot read '/nonexistent.html': No such file or directory");
  char *dir = make_temp_dir();
  char *empty = g_build_filename(dir, "empty.html", NULL);
  g_file_set_contents(empty, "", 0, NULL);
  ck_assert_int_eq(ccgc_host_load_html(w, empty), CCGC_E_PARSE);
  ck_assert(strstr(w->error, "cannot parse '") && strstr(w->error, "empty"));
  char *binary = g_build_filename(dir, "binary.html", NULL);
  g_file_set_contents(binary, "\x7f" "ELF\0\0\0\1", 8, NULL);
  ck_assert_int_eq(ccgc_host_load_html(w, binary), CCGC_E_PARSE);
  ck_assert(strstr(w->error, "binary"));
  ck_assert_int_eq(ccgc_host_load_html(w, dir), CCGC_E_IO);
  ck_assert(strstr(w->error, "not a regular file"));
  ck_assert_int_eq(ccgc_host_load_html_memory(w, "", 0), CCGC_E_PARSE);
  char *garbage = g_build_filename(dir, "junk.html", NULL);
  g_file_set_contents(garbage, "<<<>>> not really <html", -1, NULL);
  /* The recovering parser accepts junk text; it must not crash. */
  ccgc_status status = ccgc_host_load_html(w, garbage);
  ck_assert(status == CCGC_OK || status == CCGC_E_PARSE);
  ck_assert_uint_eq(ccgc_host_count_nodes(w->document, CCGC_HOST_ELEMENT) > 0,
                    status == CCGC_OK);
  remove(empty);
  remove(binary);
  remove(garbage);
  remove(dir);
  g_free(empty);
  g_free(binary);
  g_free(garbage);
  free(dir);
  ccgc_host_world_free(w);
}
END_TEST

int main(void) {
  Suite *suite = suite_create("host");
  TCase *tc = tcase_create("core");
  tcase_add_test(tc, attachedness_follows_every_change_of_the_tree);
  tcase_add_test(tc, append_and_remove_keep_the_tree_consistent);
  tcase_add_test(tc, a_detached_subtree_keeps_its_structure);
  tcase_add_test(tc, append_rejects_what_would_not_be_a_tree);
  tcase_add_test(tc, element_names_are_interned);
  tcase_add_test(tc, listeners_keep_their_closures);
  tcase_add_test(tc, listeners_are_listed_and_removed_one_by_one);
  tcase_add_test(tc, a_wrapper_array_holds_the_wrappers);
  tcase_add_test(tc, node_at_knows_the_host_nodes);
  tcase_add_test(tc, the_default_page_loads);
  tcase_add_test(tc, the_embedded_page_is_the_file);
  tcase_add_test(tc, sloppy_html_is_recovered);
  tcase_add_test(tc, bad_files_get_clear_errors);
  suite_add_tcase(suite, tc);
  return ccgc_test_run(suite);
}
