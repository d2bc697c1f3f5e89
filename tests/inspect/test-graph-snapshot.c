/* test-graph-snapshot.c - a graph snapshot kept across collections follows
 * its objects (tools/inspect/graph-snapshot.c, graph_snapshot_follow): a
 * young object copied by a minor collection, one that died there, and an
 * array whose start a left trim moved (object_moved, ccgc-events.h). The
 * pictures drawn from snapshots: tools/test-dot.c. */
#include <check.h>

#include "graph-snapshot.h"
#include "script-test.h"

START_TEST(a_followed_snapshot_tracks_moves_deaths_and_trims) {
  script_world w;
  script_world_init(&w, 0);
  v8ish_heap *h = w.heap;
  v8ish_handle_scope scope;
  v8ish_handle_scope_open(h, &scope);
  v8ish_global kept = v8ish_global_new(h, v8ish_object_new(h), false);
  v8ish_global dropped = v8ish_global_new(h, v8ish_object_new(h), false);
  v8ish_global array = v8ish_global_new(h, v8ish_fixed_array_new(h, 10), false);
  void *kept_at = v8ish_object_address(h, v8ish_global_get(h, kept));
  void *dropped_at = v8ish_object_address(h, v8ish_global_get(h, dropped));
  v8ish_handle_scope_close(&scope);

  graph_snapshot *snapshot = graph_snapshot_take(w.collector, NULL, NULL);
  ck_assert_ptr_nonnull(snapshot);
  ck_assert_int_eq(graph_snapshot_follow(snapshot, w.collector), CCGC_OK);
  v8ish_global_free(h, dropped);
  ck_assert_int_eq(ccgc_collect_minor(w.collector, CCGC_REASON_TESTING), CCGC_OK);

  v8ish_handle_scope_open(h, &scope);
  void *kept_now = v8ish_object_address(h, v8ish_global_get(h, kept));
  ck_assert_ptr_ne(kept_now, kept_at); /* copied */
  const snap_object *o = graph_snapshot_find(snapshot, kept_at, NULL);
  ck_assert_ptr_nonnull(o);
  ck_assert_ptr_eq(o->current, kept_now);
  ck_assert(!o->died);
  o = graph_snapshot_find(snapshot, dropped_at, NULL);
  ck_assert_ptr_nonnull(o);
  ck_assert(o->died);

  /* The array: its start moves in a left trim. */
  void *array_at = v8ish_object_address(h, v8ish_global_get(h, array));
  graph_snapshot_free(snapshot);
  snapshot = graph_snapshot_take(w.collector, NULL, NULL);
  ck_assert_int_eq(graph_snapshot_follow(snapshot, w.collector), CCGC_OK);
  ck_assert_int_eq(v8ish_array_left_trim(h, v8ish_global_get(h, array), 3), CCGC_OK);
  void *trimmed_at = v8ish_object_address(h, v8ish_global_get(h, array));
  ck_assert_ptr_ne(trimmed_at, array_at);
  o = graph_snapshot_find(snapshot, array_at, NULL);
  ck_assert_ptr_nonnull(o);
  ck_assert_ptr_eq(o->current, trimmed_at);
  ck_assert(!o->died);
  v8ish_handle_scope_close(&scope);

  graph_snapshot_free(snapshot);
  v8ish_global_free(h, kept);
  v8ish_global_free(h, array);
  script_world_free(&w);
}
END_TEST

static Suite *suite(void) {
  Suite *s = suite_create("graph-snapshot");
  TCase *tc = tcase_create("core");
  tcase_add_test(tc, a_followed_snapshot_tracks_moves_deaths_and_trims);
  suite_add_tcase(s, tc);
  return s;
}

int main(void) { return ccgc_test_run(suite()); }
