/* heap-snapshot-fixture.h - what the heap-snapshot tests share
 * (test-heap-snapshot*.c): a host world with something of everything, a
 * snapshot written and parsed back with a real JSON parser (json-glib), and
 * readers of its nodes and edges. */
#ifndef CCGC_TESTS_HEAP_SNAPSHOT_FIXTURE_H
#define CCGC_TESTS_HEAP_SNAPSHOT_FIXTURE_H

#include <glib.h>
#include <json-glib/json-glib.h>
#include <stdio.h>

#include "ccgc-snapshot.h"
#include "host.h"

#define NODE_FIELDS 7
enum { F_TYPE, F_NAME, F_ID, F_SIZE, F_EDGES, F_TRACE, F_DETACHED };

typedef struct fixture {
  ccgc_host_world *w;
  v8ish_global app;
  ccgc_host_node *button;   /* attached, wrapped, with a listener */
  ccgc_host_node *detached; /* <div id=gone><p>..</p></div>, held by app.gone */
  ccgc_host_node *inner;    /* its <p> */
} fixture;

typedef struct snapshot {
  char *text;
  size_t size;
  JsonParser *parser;
  JsonObject *root, *meta;
  JsonArray *nodes, *edges, *strings;
  guint node_count, edge_count;
  guint *first_edge; /* per node, index of its first edge (in edges, /3) */
  GHashTable *by_id; /* id -> node index + 1 */
  ccgc_heap_snapshot_stats stats;
} snapshot;

typedef struct count {
  fixture *f;
  size_t objects, edges;
  GHashTable *root_names;
  GPtrArray *dom_nodes;
} count;

v8ish_local app_object(fixture *f);
void fixture_open(fixture *f, bridge_mode mode);
void fixture_close(fixture *f);
snapshot *take(fixture *f, ccgc_heap_snapshot_ids *ids,
                      const ccgc_heap_snapshot_options *options);
void snapshot_free(snapshot *s);
gint64 field(const snapshot *s, guint node, guint f);
const char *string_at(const snapshot *s, gint64 index);
const char *type_list(const snapshot *s, const char *member, guint i);
const char *node_type(const snapshot *s, guint node);
const char *node_name(const snapshot *s, guint node);
int node_of_id(const snapshot *s, guint id);
guint node_of(const snapshot *s, const ccgc_heap_snapshot_ids *ids, const void *address);
const char *edge_type(const snapshot *s, guint e);
gint64 edge_name_or_index(const snapshot *s, guint e);
guint edge_to(const snapshot *s, guint e);
int named_edge(const snapshot *s, guint node, const char *name);
void *script_address(fixture *f, const char *property);
void *app_address(fixture *f);
void *wrapper_address(fixture *f, ccgc_host_node *node);
const ccgc_heap_snapshot_options *host_options(fixture *f);
void count_object(const ccgc_object_info *info, void *data);
void count_edge(void *from, void *to, ccgc_edge edge, void *data);
void count_walk(fixture *f, size_t *objects, size_t *edges, size_t *groups,
                       size_t *wrapped);

#endif
