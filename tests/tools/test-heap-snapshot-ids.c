/* test-heap-snapshot-ids.c - the heap-snapshot writer's id table
 * (tools/inspect/heap-snapshot-ids.c) while script objects move: a
 * snapshot, then minor collections and a full one, then another snapshot:
 * the surviving objects keep their ids, the ids of those that died are gone
 * (a new object at a dead one's address gets a new id); a compaction of the
 * old generation and a left trim keep the moved objects' ids too, and a
 * merged wrapper answers its node's id. The listener that follows the moves goes
 * with the table or with the collector, whichever goes first. The rest of
 * the writer: test-heap-snapshot.c. */
#define _GNU_SOURCE /* open_memstream */
#include <check.h>
#include <glib.h>
#include <json-glib/json-glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ccgc-test.h"
#include "heap-snapshot.h"
#include "ccgc-probe.h"
#include "host.h"

#define KEEP 8
#define DROP 8
#define NODE_FIELDS 7
#define F_ID 2

typedef struct world {
  ccgc_host_world *w;
  v8ish_global app;   /* {k0: {}, ..., k7: {}} */
  v8ish_global trash; /* {d0: {}, ..., d7: {}}, freed to let them die */
} world;

static void world_open(world *t) {
  ccgc_collector_options options = {.verify = true};
  t->w = ccgc_host_world_new(BRIDGE_MODE_UNIFIED, &options);
  v8ish_heap *h = t->w->script;
  v8ish_handle_scope scope;
  v8ish_handle_scope_open(h, &scope);
  v8ish_local app = v8ish_object_new(h), trash = v8ish_object_new(h);
  for (int i = 0; i < KEEP; i++) {
    char name[32];
    snprintf(name, sizeof name, "k%d", i);
    v8ish_object_set(h, app, name, v8ish_object_new(h));
    snprintf(name, sizeof name, "d%d", i);
    v8ish_object_set(h, trash, name, v8ish_object_new(h));
  }
  t->app = v8ish_global_new(h, app, false);
  t->trash = v8ish_global_new(h, trash, false);
  v8ish_handle_scope_close(&scope);
}

static void world_close(world *t) {
  v8ish_global_free(t->w->script, t->app);
  ccgc_host_world_free(t->w);
}

/* The current address of holder.<prefix><i>. */
static void *address_of(world *t, v8ish_global holder, const char *prefix, int i) {
  v8ish_heap *h = t->w->script;
  v8ish_handle_scope scope;
  v8ish_handle_scope_open(h, &scope);
  char name[32];
  snprintf(name, sizeof name, "%s%d", prefix, i);
  void *address =
      v8ish_object_address(h, v8ish_object_get(h, v8ish_global_get(h, holder), name));
  v8ish_handle_scope_close(&scope);
  return address;
}

/* Writes a snapshot and returns the set of its nodes' ids. */
static GHashTable *snapshot_ids(world *t, ccgc_heap_snapshot_ids *ids) {
  char *text = NULL;
  size_t size = 0;
  FILE *out = open_memstream(&text, &size);
  ck_assert_int_eq(ccgc_heap_snapshot_write(t->w->collector, ids, out, NULL, NULL), CCGC_OK);
  fclose(out);
  JsonParser *parser = json_parser_new();
  ck_assert(json_parser_load_from_data(parser, text, (gssize)size, NULL));
  JsonArray *nodes =
      json_object_get_array_member(json_node_get_object(json_parser_get_root(parser)), "nodes");
  GHashTable *set = g_hash_table_new(g_direct_hash, g_direct_equal);
  for (guint i = F_ID; i < json_array_get_length(nodes); i += NODE_FIELDS)
    g_hash_table_add(set, GUINT_TO_POINTER((guint)json_array_get_int_element(nodes, i)));
  g_object_unref(parser);
  free(text);
  return set;
}

START_TEST(ids_follow_objects_that_move) {
  world t;
  world_open(&t);
  ccgc_heap_snapshot_ids *ids = ccgc_heap_snapshot_ids_new();
  GHashTable *first = snapshot_ids(&t, ids);
  void *keep_at[KEEP], *drop_at[DROP];
  uint32_t keep_id[KEEP], drop_id[DROP];
  for (int i = 0; i < KEEP; i++) {
    keep_at[i] = address_of(&t, t.app, "k", i);
    keep_id[i] = ccgc_heap_snapshot_ids_lookup(ids, keep_at[i]);
    ck_assert_uint_ne(keep_id[i], 0);
    ck_assert(g_hash_table_contains(first, GUINT_TO_POINTER(keep_id[i])));
  }
  for (int i = 0; i < DROP; i++) {
    drop_at[i] = address_of(&t, t.trash, "d", i);
    drop_id[i] = ccgc_heap_snapshot_ids_lookup(ids, drop_at[i]);
    ck_assert_uint_ne(drop_id[i], 0);
  }
  v8ish_global_free(t.w->script, t.trash);

  /* A scavenge copies the survivors: no walk since, yet the table already
   * knows them at their new addresses, and has dropped the dead. */
  ck_assert_int_eq(ccgc_collect_minor(t.w->collector, CCGC_REASON_TESTING), CCGC_OK);
  int moved = 0;
  for (int i = 0; i < KEEP; i++) {
    void *now = address_of(&t, t.app, "k", i);
    moved += now != keep_at[i];
    ck_assert_uint_eq(ccgc_heap_snapshot_ids_lookup(ids, now), keep_id[i]);
    keep_at[i] = now;
  }
  ck_assert_int_eq(moved, KEEP); /* the test is about moves: they happened */
  for (int i = 0; i < DROP; i++)
    ck_assert_uint_eq(ccgc_heap_snapshot_ids_lookup(ids, drop_at[i]), 0);

  /* A second scavenge promotes them, a full collection evacuates whatever
   * is young: the second snapshot has the same ids for the same objects. */
  ck_assert_int_eq(ccgc_collect_minor(t.w->collector, CCGC_REASON_TESTING), CCGC_OK);
  ccgc_test_collect_verified(t.w->collector);
  GHashTable *second = snapshot_ids(&t, ids);
  for (int i = 0; i < KEEP; i++) {
    void *now = address_of(&t, t.app, "k", i);
    ck_assert_uint_eq(ccgc_heap_snapshot_ids_lookup(ids, now), keep_id[i]);
    ck_assert(g_hash_table_contains(second, GUINT_TO_POINTER(keep_id[i])));
  }
  for (int i = 0; i < DROP; i++)
    ck_assert(!g_hash_table_contains(second, GUINT_TO_POINTER(drop_id[i])));
  /* The app object and the root groups too: every survivor's id is kept. */
  void *app_at = NULL;
  {
    v8ish_handle_scope scope;
    v8ish_handle_scope_open(t.w->script, &scope);
    app_at = v8ish_object_address(t.w->script, v8ish_global_get(t.w->script, t.app));
    v8ish_handle_scope_close(&scope);
  }
  ck_assert(g_hash_table_contains(first,
                                  GUINT_TO_POINTER(ccgc_heap_snapshot_ids_lookup(ids, app_at))));
  g_hash_table_destroy(first);
  g_hash_table_destroy(second);
  ccgc_heap_snapshot_ids_free(ids);
  world_close(&t);
}
END_TEST

/* Old objects move when a full collection compacts (objects_moved,
 * ccgc-events.h): two snapshots around the compaction give each moved
 * object the same id, and the table knows it at its new address at once. */
START_TEST(ids_follow_a_compaction) {
  world t;
  world_open(&t);
  ccgc_heap_snapshot_ids *ids = ccgc_heap_snapshot_ids_new();
  v8ish_global_free(t.w->script, t.trash); /* holes between the kept objects */
  /* Promoted: every kept object is old before the first snapshot. */
  ck_assert_int_eq(ccgc_collect_minor(t.w->collector, CCGC_REASON_TESTING), CCGC_OK);
  ck_assert_int_eq(ccgc_collect_minor(t.w->collector, CCGC_REASON_TESTING), CCGC_OK);
  ccgc_test_collect_verified(t.w->collector);
  GHashTable *first = snapshot_ids(&t, ids);
  void *keep_at[KEEP];
  uint32_t keep_id[KEEP];
  for (int i = 0; i < KEEP; i++) {
    keep_at[i] = address_of(&t, t.app, "k", i);
    keep_id[i] = ccgc_heap_snapshot_ids_lookup(ids, keep_at[i]);
    ck_assert(g_hash_table_contains(first, GUINT_TO_POINTER(keep_id[i])));
  }
  ck_assert_int_eq(v8ish_heap_request_compaction(t.w->script), CCGC_OK);
  ccgc_test_collect_verified(t.w->collector);
  ccgc_heap_stats stats;
  v8ish_heap_stats(t.w->script, &stats);
  ck_assert_uint_gt(stats.evacuated_objects, 0);
  int moved = 0;
  for (int i = 0; i < KEEP; i++) {
    void *now = address_of(&t, t.app, "k", i);
    moved += now != keep_at[i];
    ck_assert_uint_eq(ccgc_heap_snapshot_ids_lookup(ids, now), keep_id[i]);
  }
  ck_assert_int_gt(moved, 0); /* the test is about moves: they happened */
  GHashTable *second = snapshot_ids(&t, ids);
  for (int i = 0; i < KEEP; i++) {
    void *now = address_of(&t, t.app, "k", i);
    ck_assert_uint_eq(ccgc_heap_snapshot_ids_lookup(ids, now), keep_id[i]);
    ck_assert(g_hash_table_contains(second, GUINT_TO_POINTER(keep_id[i])));
  }
  g_hash_table_destroy(first);
  g_hash_table_destroy(second);
  ccgc_heap_snapshot_ids_free(ids);
  world_close(&t);
}
END_TEST

/* Young objects allocated after a snapshot die in a scavenge without ever
 * having had an id; the ones that had one keep it; a refresh agrees. */
START_TEST(scavenges_between_refreshes) {
  world t;
  world_open(&t);
  ccgc_heap_snapshot_ids *ids = ccgc_heap_snapshot_ids_new();
  ck_assert_int_eq(ccgc_heap_snapshot_ids_refresh(ids, t.w->collector), CCGC_OK);
  uint32_t id = ccgc_heap_snapshot_ids_lookup(ids, address_of(&t, t.app, "k", 0));
  ck_assert_uint_ne(id, 0);
  for (int round = 0; round < 3; round++) {
    v8ish_handle_scope scope;
    v8ish_handle_scope_open(t.w->script, &scope);
    for (int i = 0; i < 100; i++) v8ish_object_new(t.w->script); /* garbage */
    v8ish_handle_scope_close(&scope);
    ck_assert_int_eq(ccgc_collect_minor(t.w->collector, CCGC_REASON_TESTING), CCGC_OK);
    ck_assert_uint_eq(ccgc_heap_snapshot_ids_lookup(ids, address_of(&t, t.app, "k", 0)), id);
  }
  size_t followed = ccgc_heap_snapshot_ids_count(ids);
  ck_assert_int_eq(ccgc_heap_snapshot_ids_refresh(ids, t.w->collector), CCGC_OK);
  /* The refresh found nothing the table had not followed (trash died in no
   * collection yet: it is still there, as before). */
  ck_assert_uint_eq(ccgc_heap_snapshot_ids_count(ids), followed);
  ck_assert_uint_eq(ccgc_heap_snapshot_ids_lookup(ids, address_of(&t, t.app, "k", 0)), id);
  v8ish_global_free(t.w->script, t.trash);
  ccgc_heap_snapshot_ids_free(ids);
  world_close(&t);
}
END_TEST

/* The table freed first removes its listener (a later scavenge does not
 * touch it: ASan would say); the collector freed first leaves the table
 * usable for lookups and freeing - which find nothing of the freed heaps
 * (heap_freed: their objects are dead, and another heap may reuse their
 * addresses). */
START_TEST(table_and_collector_part_in_either_order) {
  world t;
  world_open(&t);
  ccgc_heap_snapshot_ids *ids = ccgc_heap_snapshot_ids_new();
  ck_assert_int_eq(ccgc_heap_snapshot_ids_refresh(ids, t.w->collector), CCGC_OK);
  ccgc_heap_snapshot_ids_free(ids);
  ck_assert_int_eq(ccgc_collect_minor(t.w->collector, CCGC_REASON_TESTING), CCGC_OK);

  ids = ccgc_heap_snapshot_ids_new();
  ck_assert_int_eq(ccgc_heap_snapshot_ids_refresh(ids, t.w->collector), CCGC_OK);
  ck_assert_int_eq(ccgc_heap_snapshot_ids_refresh(ids, t.w->collector), CCGC_OK); /* once */
  void *k0 = address_of(&t, t.app, "k", 0);
  uint32_t id = ccgc_heap_snapshot_ids_lookup(ids, k0);
  ck_assert_uint_ne(id, 0);
  v8ish_global_free(t.w->script, t.trash);
  world_close(&t);
  ck_assert_uint_eq(ccgc_heap_snapshot_ids_lookup(ids, k0), 0);
  ccgc_heap_snapshot_ids_free(ids);
}
END_TEST

/* One table, then another collector: the first one's objects are forgotten
 * and the second one's moves followed. */
START_TEST(a_table_follows_one_collector_at_a_time) {
  world a, b;
  world_open(&a);
  world_open(&b);
  ccgc_heap_snapshot_ids *ids = ccgc_heap_snapshot_ids_new();
  ck_assert_int_eq(ccgc_heap_snapshot_ids_refresh(ids, a.w->collector), CCGC_OK);
  void *in_a = address_of(&a, a.app, "k", 0);
  ck_assert_uint_ne(ccgc_heap_snapshot_ids_lookup(ids, in_a), 0);
  ck_assert_int_eq(ccgc_heap_snapshot_ids_refresh(ids, b.w->collector), CCGC_OK);
  ck_assert_uint_eq(ccgc_heap_snapshot_ids_lookup(ids, in_a), 0);
  uint32_t id = ccgc_heap_snapshot_ids_lookup(ids, address_of(&b, b.app, "k", 0));
  ck_assert_uint_ne(id, 0);
  ck_assert_int_eq(ccgc_collect_minor(a.w->collector, CCGC_REASON_TESTING), CCGC_OK);
  ck_assert_int_eq(ccgc_collect_minor(b.w->collector, CCGC_REASON_TESTING), CCGC_OK);
  ck_assert_uint_eq(ccgc_heap_snapshot_ids_lookup(ids, address_of(&b, b.app, "k", 0)), id);
  ccgc_heap_snapshot_ids_free(ids);
  v8ish_global_free(a.w->script, a.trash);
  v8ish_global_free(b.w->script, b.trash);
  world_close(&a);
  world_close(&b);
}
END_TEST

/* A young object that dies in a full collection dies where it is (its page
 * becomes old there), and the nursery reuses its address at once: the
 * table drops it when marking is done, so the new object there gets a new
 * id (it got the dead one's). */
START_TEST(a_dead_young_objects_id_goes_with_it) {
  world t;
  world_open(&t);
  v8ish_heap *h = t.w->script;
  ccgc_heap_snapshot_ids *ids = ccgc_heap_snapshot_ids_new();
  v8ish_handle_scope scope;
  v8ish_handle_scope_open(h, &scope);
  v8ish_global held = v8ish_global_new(h, v8ish_object_new(h), false);
  void *dead = v8ish_object_address(h, v8ish_global_get(h, held));
  v8ish_handle_scope_close(&scope);
  g_hash_table_unref(snapshot_ids(&t, ids));
  uint32_t dead_id = ccgc_heap_snapshot_ids_lookup(ids, dead);
  ck_assert_uint_ne(dead_id, 0);
  v8ish_global_free(h, held);
  ck_assert_int_eq(ccgc_collect(t.w->collector, CCGC_REASON_TESTING), CCGC_OK);
  ck_assert_uint_eq(ccgc_heap_snapshot_ids_lookup(ids, dead), 0);
  /* A new object at the dead one's address (the nursery's next cell). */
  v8ish_handle_scope_open(h, &scope);
  v8ish_global reused = {0};
  for (int i = 0; i < 100000 && v8ish_global_is_null(reused); i++) {
    v8ish_local object = v8ish_object_new(h);
    if (v8ish_object_address(h, object) == dead)
      reused = v8ish_global_new(h, object, false);
  }
  v8ish_handle_scope_close(&scope);
  ck_assert_msg(!v8ish_global_is_null(reused), "the address was not reused");
  GHashTable *nodes = snapshot_ids(&t, ids);
  uint32_t id = ccgc_heap_snapshot_ids_lookup(ids, dead);
  ck_assert_uint_ne(id, 0);
  ck_assert_uint_ne(id, dead_id);
  ck_assert(g_hash_table_contains(nodes, GUINT_TO_POINTER(id)));
  g_hash_table_unref(nodes);
  v8ish_global_free(h, reused);
  ccgc_heap_snapshot_ids_free(ids);
  v8ish_global_free(h, t.trash);
  world_close(&t);
}
END_TEST

/* A left trim moves an array's start (the handles follow): its snapshot id
 * and a probe on it follow too (the probe said "collected" at the next
 * collection, the array alive; the id was a new one). */
START_TEST(ids_and_probes_follow_a_left_trim) {
  world t;
  world_open(&t);
  v8ish_heap *h = t.w->script;
  ccgc_collector *c = t.w->collector;
  v8ish_handle_scope scope;
  v8ish_handle_scope_open(h, &scope);
  v8ish_global array = v8ish_global_new(h, v8ish_fixed_array_new(h, 10), false);
  v8ish_handle_scope_close(&scope);
  for (int i = 0; i < 2; i++) /* promoted: old, trimmed in place */
    ck_assert_int_eq(ccgc_collect_minor(c, CCGC_REASON_TESTING), CCGC_OK);
  v8ish_handle_scope_open(h, &scope);
  void *before = v8ish_object_address(h, v8ish_global_get(h, array));
  ccgc_object_info info;
  ck_assert_int_eq(ccgc_collector_object_info(c, before, &info), CCGC_OK);
  ck_assert_str_ne(info.space_name, "young");
  ccgc_probe *probe = ccgc_probe_new(c, before, "array");
  ccgc_heap_snapshot_ids *ids = ccgc_heap_snapshot_ids_new();
  g_hash_table_unref(snapshot_ids(&t, ids));
  uint32_t id = ccgc_heap_snapshot_ids_lookup(ids, before);
  ck_assert_uint_ne(id, 0);
  ck_assert_int_eq(v8ish_array_left_trim(h, v8ish_global_get(h, array), 3), CCGC_OK);
  void *after = v8ish_object_address(h, v8ish_global_get(h, array));
  ck_assert_ptr_ne(after, before); /* the test is about a move */
  ck_assert_ptr_eq(ccgc_probe_address(probe), after);
  ck_assert_uint_eq(ccgc_heap_snapshot_ids_lookup(ids, after), id);
  ck_assert_uint_eq(ccgc_heap_snapshot_ids_lookup(ids, before), 0);
  v8ish_handle_scope_close(&scope);
  ck_assert_int_eq(ccgc_collect(c, CCGC_REASON_TESTING), CCGC_OK);
  ck_assert(!ccgc_probe_collected(probe));
  GHashTable *nodes = snapshot_ids(&t, ids);
  ck_assert_uint_eq(ccgc_heap_snapshot_ids_lookup(ids, after), id);
  ck_assert(g_hash_table_contains(nodes, GUINT_TO_POINTER(id)));
  g_hash_table_unref(nodes);
  ccgc_probe_free(c, probe);
  ccgc_heap_snapshot_ids_free(ids);
  v8ish_global_free(h, array);
  v8ish_global_free(h, t.trash);
  world_close(&t);
}
END_TEST

/* A merged pair is one node, its DOM object's: the wrapper's lookup answers
 * that node's id (it answered an id no node had); written apart, each has
 * its own. */
START_TEST(a_merged_wrappers_lookup_is_its_nodes_id) {
  world t;
  world_open(&t);
  v8ish_heap *h = t.w->script;
  ccgc_host_node *div = ccgc_host_create_element(t.w, "div");
  ck_assert_ptr_nonnull(div);
  blinkish_persistent *root = blinkish_persistent_new(t.w->dom, div, false);
  v8ish_handle_scope scope;
  v8ish_handle_scope_open(h, &scope);
  v8ish_local wrapper = bridge_wrap(t.w->bridge, div);
  ck_assert(!v8ish_local_is_empty(wrapper));
  v8ish_global held = v8ish_global_new(h, wrapper, false);
  void *wrapper_at = v8ish_object_address(h, wrapper);
  v8ish_handle_scope_close(&scope);
  ccgc_heap_snapshot_ids *ids = ccgc_heap_snapshot_ids_new();
  GHashTable *nodes = snapshot_ids(&t, ids);
  uint32_t dom_id = ccgc_heap_snapshot_ids_lookup(ids, div);
  ck_assert_uint_ne(dom_id, 0);
  ck_assert(g_hash_table_contains(nodes, GUINT_TO_POINTER(dom_id)));
  ck_assert_uint_eq(ccgc_heap_snapshot_ids_lookup(ids, wrapper_at), dom_id);
  g_hash_table_unref(nodes);
  /* Apart: the wrapper is a node of its own. */
  char *text = NULL;
  size_t size = 0;
  FILE *out = open_memstream(&text, &size);
  ccgc_heap_snapshot_options apart = {.keep_wrappers_apart = true};
  ck_assert_int_eq(ccgc_heap_snapshot_write(t.w->collector, ids, out, &apart, NULL), CCGC_OK);
  fclose(out);
  free(text);
  uint32_t own = ccgc_heap_snapshot_ids_lookup(ids, wrapper_at);
  ck_assert_uint_ne(own, 0);
  ck_assert_uint_ne(own, dom_id);
  ck_assert_uint_eq(own % 2, 1); /* a script object's */
  ccgc_heap_snapshot_ids_free(ids);
  v8ish_global_free(h, held);
  blinkish_persistent_free(t.w->dom, root);
  v8ish_global_free(h, t.trash);
  world_close(&t);
}
END_TEST

static Suite *suite(void) {
  Suite *s = suite_create("heap-snapshot-ids");
  TCase *tc = tcase_create("core");
  tcase_add_test(tc, ids_follow_objects_that_move);
  tcase_add_test(tc, ids_follow_a_compaction);
  tcase_add_test(tc, scavenges_between_refreshes);
  tcase_add_test(tc, table_and_collector_part_in_either_order);
  tcase_add_test(tc, a_table_follows_one_collector_at_a_time);
  tcase_add_test(tc, a_dead_young_objects_id_goes_with_it);
  tcase_add_test(tc, ids_and_probes_follow_a_left_trim);
  tcase_add_test(tc, a_merged_wrappers_lookup_is_its_nodes_id);
  suite_add_tcase(s, tc);
  return s;
}

int main(void) { return ccgc_test_run(suite()); }
