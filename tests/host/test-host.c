/* test-host.c - the host model: tree operations keep the structure, listeners
 * hold closures, the HTML loader builds the page and reports bad files. */
#include <check.h>
#include <glib.h>
#include <stdlib.h>
#include <string.h>

#include "ccgc-test.h"
#include "host.h"
#include "run-command.h"

static ccgc_host_world *new_world(void) {
  ccgc_collector_options options = {.verify = true};
  return ccgc_host_world_new(BRIDGE_MODE_UNIFIED, &options);
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
  ccgc_host_remove_child(w, list, items[1]);
  ck_assert_ptr_eq(items[0]->next_sibling, items[2]);
  ck_assert_ptr_eq(items[2]->prev_sibling, items[0]);
  ck_assert_ptr_null(items[1]->parent);
  ck_assert(!ccgc_host_is_attached(w, items[1]));
  ck_assert(ccgc_host_is_attached(w, items[2]));
  ck_assert_int_eq(ccgc_host_remove_child(w, list, items[1]), CCGC_E_INVALID_ARGUMENT);
  ccgc_test_collect_verified(w->collector);
  ck_assert_uint_eq(ccgc_host_count_nodes(w->document, CCGC_HOST_ELEMENT), 3);
  ck_assert_str_eq(blinkish_type_name(w->dom, list), "HTMLUListElement");
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
  ccgc_host_add_event_listener(w, button, "click", closure);
  ck_assert_uint_eq(ccgc_host_listener_count(w, button), 1);
  v8ish_handle_scope_close(&scope);
  ccgc_test_collect_verified(w->collector);
  ccgc_heap_stats script;
  v8ish_heap_stats(w->script, &script);
  v8ish_handle_scope_open(w->script, &scope);
  v8ish_local again = ccgc_host_wrap(w, button); /* the same, surviving wrapper */
  ck_assert_ptr_eq(bridge_unwrap(w->bridge, again), button);
  v8ish_handle_scope_close(&scope);
  ccgc_host_remove_all_listeners(w, button);
  ck_assert_uint_eq(ccgc_host_listener_count(w, button), 0);
  ccgc_test_collect_verified(w->collector);
  ccgc_heap_stats after;
  v8ish_heap_stats(w->script, &after);
  ck_assert_uint_lt(after.object_count, script.object_count); /* closure gone */
  ccgc_host_world_free(w);
}
END_TEST

START_TEST(the_default_page_loads) {
  ccgc_host_world *w = new_world();
  const char *page = ccgc_host_default_page();
  ck_assert_int_eq(ccgc_host_load_html_memory(w, page, strlen(page)), CCGC_OK);
  ck_assert_uint_eq(ccgc_host_count_nodes(w->document, CCGC_HOST_ELEMENT), 37);
  ccgc_host_node *widget = ccgc_host_get_element_by_id(w->document, "widget");
  ck_assert_ptr_nonnull(widget);
  ck_assert_str_eq(widget->name, "div");
  ck_assert_str_eq(ccgc_host_get_attribute(widget, "class"), "card");
  ck_assert_ptr_nonnull(ccgc_host_get_element_by_id(w->document, "send"));
  ck_assert_ptr_null(ccgc_host_get_element_by_id(w->document, "nope"));
  ccgc_host_node *title = ccgc_host_find_tag(w->document, "title");
  ck_assert_str_eq(title->first_child->name, "ccgc demo page");
  ccgc_test_collect_verified(w->collector);
  ck_assert_uint_eq(ccgc_host_count_nodes(w->document, CCGC_HOST_ELEMENT), 37);
  ccgc_host_world_free(w);
}
END_TEST

START_TEST(bad_files_get_clear_errors) {
  ccgc_host_world *w = new_world();
  ck_assert_int_eq(ccgc_host_load_html(w, "/nonexistent.html"), CCGC_E_IO);
  ck_assert(strstr(w->error, "cannot read '/nonexistent.html'"));
  char *dir = make_temp_dir();
  char *empty = g_build_filename(dir, "empty.html", NULL);
  g_file_set_contents(empty, "", 0, NULL);
  ck_assert_int_eq(ccgc_host_load_html(w, empty), CCGC_E_PARSE);
  ck_assert(strstr(w->error, "empty"));
  ck_assert_int_eq(ccgc_host_load_html(w, dir), CCGC_E_IO);
  char *garbage = g_build_filename(dir, "junk.html", NULL);
  g_file_set_contents(garbage, "<<<>>> not really <html", -1, NULL);
  /* The recovering parser accepts junk text; it must not crash. */
  ccgc_status status = ccgc_host_load_html(w, garbage);
  ck_assert(status == CCGC_OK || status == CCGC_E_PARSE);
  remove(empty);
  remove(garbage);
  remove(dir);
  g_free(empty);
  g_free(garbage);
  free(dir);
  ccgc_host_world_free(w);
}
END_TEST

int main(void) {
  Suite *suite = suite_create("host");
  TCase *tc = tcase_create("core");
  tcase_add_test(tc, append_and_remove_keep_the_tree_consistent);
  tcase_add_test(tc, listeners_keep_their_closures);
  tcase_add_test(tc, the_default_page_loads);
  tcase_add_test(tc, bad_files_get_clear_errors);
  suite_add_tcase(suite, tc);
  return ccgc_test_run(suite);
}
