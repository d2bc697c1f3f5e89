/* test-retaining-path.c - probes and retaining paths over mock heaps: a probe
 * reports collection, a retained object's path is the shortest one, through
 * both heaps, with correct hops; ephemerons count as retainers once their key
 * is reached; weak edges never do. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "ccgc-probe.h"
#include "ccgc-test.h"
#include "mock-world.h"

typedef mock_world world;

static world make_world(void) {
  return mock_world_new(&(ccgc_collector_options){.verify = true});
}

static void free_world(world *w) { mock_world_free(w); }

START_TEST(probe_reports_collection) {
  world w = make_world();
  mock_object *x = mock_alloc(w.a, 1), *y = mock_alloc(w.b, 1);
  mock_set(w.a, x, 0, y);
  mock_set(w.b, y, 0, x);
  mock_add_root(w.a, x);
  ccgc_probe *probe = ccgc_probe_new(w.collector, y, "y");
  ccgc_test_collect_verified(w.collector);
  ck_assert(!ccgc_probe_collected(probe));
  mock_clear_roots(w.a);
  ccgc_test_collect_verified(w.collector);
  ck_assert(ccgc_probe_collected(probe));
  ck_assert_ptr_null(ccgc_probe_address(probe));
  char *text = ccgc_probe_explain(w.collector, probe);
  ck_assert(strstr(text, "collected"));
  free(text);
  ccgc_probe_free(w.collector, probe);
  free_world(&w);
}
END_TEST

START_TEST(path_is_shortest_and_names_each_hop) {
  world w = make_world();
  /* root -> r[0] -> long chain ... -> t, and root -> r -> m[1] -> t */
  mock_object *r = mock_alloc(w.a, 2), *m = mock_alloc(w.b, 2);
  mock_object *t = mock_alloc(w.a, 0);
  mock_object *c1 = mock_alloc(w.b, 1), *c2 = mock_alloc(w.a, 1);
  mock_set(w.a, r, 0, c1);
  mock_set(w.b, c1, 0, c2);
  mock_set(w.a, c2, 0, t);
  mock_set(w.a, r, 1, m);
  mock_set(w.b, m, 1, t);
  mock_add_root(w.a, r);
  ccgc_path path;
  ck_assert_int_eq(ccgc_retaining_path(w.collector, t, &path), CCGC_OK);
  ck_assert_uint_eq(path.length, 3);
  ck_assert_ptr_eq(path.hops[0].object, r);
  ck_assert_int_eq(path.hops[0].edge_kind, CCGC_EDGE_ROOT);
  ck_assert_str_eq(path.hops[0].edge_name, "mock root");
  ck_assert_ptr_eq(path.hops[1].object, m);
  ck_assert_str_eq(path.hops[1].heap_name, "beta");
  ck_assert_int_eq(path.hops[1].edge_kind, CCGC_EDGE_ELEMENT);
  ck_assert_uint_eq(path.hops[1].edge_index, 1);
  ck_assert_ptr_eq(path.hops[2].object, t);
  ck_assert_str_eq(path.hops[2].type_name, "MockObject");
  char *text = ccgc_path_format(&path);
  ck_assert_msg(strstr(text, "root (mock root) -> MockObject (alpha heap)") &&
                    strstr(text, "--element [1]--> MockObject (beta heap)"),
                "%s", text);
  free(text);
  ccgc_path_free(&path);
  free_world(&w);
}
END_TEST

START_TEST(ephemeron_retains_only_through_a_reached_key) {
  world w = make_world();
  mock_object *table = mock_alloc(w.a, 0), *key = mock_alloc(w.b, 0);
  mock_object *value = mock_alloc(w.a, 0);
  table->eph_key = key;
  table->eph_value = value;
  table->weak = value; /* a weak edge must not count */
  mock_add_root(w.a, table);
  ccgc_path path;
  ck_assert_int_ne(ccgc_retaining_path(w.collector, value, &path), CCGC_OK);
  ck_assert_uint_eq(path.length, 0);
  mock_add_root(w.b, key);
  ck_assert_int_eq(ccgc_retaining_path(w.collector, value, &path), CCGC_OK);
  ck_assert_uint_eq(path.length, 2);
  ck_assert_int_eq(path.hops[1].edge_kind, CCGC_EDGE_EPHEMERON);
  ccgc_path_free(&path);
  free_world(&w);
}
END_TEST

START_TEST(foreign_pointers_are_rejected) {
  world w = make_world();
  int local;
  ccgc_path path;
  ck_assert_int_eq(ccgc_retaining_path(w.collector, &local, &path),
                   CCGC_E_FOREIGN_POINTER);
  ck_assert_ptr_null(ccgc_probe_new(w.collector, &local, "x"));
  ck_assert_int_eq(ccgc_collector_last_error(w.collector)->code,
                   CCGC_E_FOREIGN_POINTER);
  ck_assert(strstr(ccgc_collector_last_error(w.collector)->message,
                   "ccgc_probe_new"));
  free_world(&w);
}
END_TEST

int main(void) {
  Suite *suite = suite_create("retaining-path");
  TCase *tc = tcase_create("core");
  tcase_add_test(tc, probe_reports_collection);
  tcase_add_test(tc, path_is_shortest_and_names_each_hop);
  tcase_add_test(tc, ephemeron_retains_only_through_a_reached_key);
  tcase_add_test(tc, foreign_pointers_are_rejected);
  suite_add_tcase(suite, tc);
  return ccgc_test_run(suite);
}
