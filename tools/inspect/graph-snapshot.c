/* graph-snapshot.c - see graph-snapshot.h. */
#include "graph-snapshot.h"

#include "ccgc-events.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static void on_object(const ccgc_object_info *info, void *data) {
  graph_snapshot *snapshot = data;
  snap_object object = {info->address, info->heap_id, g_strdup(info->heap_name),
                        g_strdup(info->type_name), info->size, info->color, 0,
                        snapshot->describe ? snapshot->describe(info, snapshot->describe_data)
                                           : NULL,
                        info->address, false};
  g_array_append_val(snapshot->objects, object);
  g_hash_table_insert(snapshot->index, info->address,
                      GSIZE_TO_POINTER(snapshot->objects->len));
}

static void on_edge(void *from, void *to, ccgc_edge edge, void *data) {
  graph_snapshot *snapshot = data;
  snap_edge copy = {from, to, edge.kind, edge.name ? g_strdup(edge.name) : NULL,
                    edge.index};
  g_array_append_val(snapshot->edges, copy);
}

graph_snapshot *graph_snapshot_take(ccgc_collector *collector,
                                    graph_describe_fn describe, void *data) {
  graph_snapshot *snapshot = g_new0(graph_snapshot, 1);
  snapshot->describe = describe;
  snapshot->describe_data = data;
  snapshot->objects = g_array_new(FALSE, FALSE, sizeof(snap_object));
  snapshot->edges = g_array_new(FALSE, FALSE, sizeof(snap_edge));
  snapshot->index = g_hash_table_new(g_direct_hash, g_direct_equal);
  ccgc_walk_callbacks callbacks = {on_object, on_edge, snapshot};
  ccgc_collector_walk(collector, &callbacks);
  return snapshot;
}

/* Inside minor_done: each object goes where it went, or died. */
static void follow_moves(void *data) {
  graph_snapshot *snapshot = data;
  for (guint i = 0; i < snapshot->objects->len; i++) {
    snap_object *object = &g_array_index(snapshot->objects, snap_object, i);
    if (object->died || object->reclaimed_in) continue;
    object->current = ccgc_collector_relocated(snapshot->following, object->current);
    object->died = object->current == NULL;
  }
}

/* Inside objects_moved (a compaction): each object of an evacuated page
 * goes where it went; one that died there is left to the cycle's reclaim,
 * as any object a full collection frees. */
static void follow_compaction(void *data) {
  graph_snapshot *snapshot = data;
  for (guint i = 0; i < snapshot->objects->len; i++) {
    snap_object *object = &g_array_index(snapshot->objects, snap_object, i);
    if (object->died || object->reclaimed_in) continue;
    void *to = ccgc_collector_relocated(snapshot->following, object->current);
    if (to) object->current = to;
  }
}

/* A left trim moved an object's start: it goes there. */
static void follow_start(void *data, const void *from, void *to) {
  graph_snapshot *snapshot = data;
  for (guint i = 0; i < snapshot->objects->len; i++) {
    snap_object *object = &g_array_index(snapshot->objects, snap_object, i);
    if (!object->died && !object->reclaimed_in && object->current == from)
      object->current = to;
  }
}

static void collector_gone(void *data) {
  ((graph_snapshot *)data)->following = NULL;
}

static const ccgc_event_listener follower = {
    .minor_done = follow_moves,
    .collector_freed = collector_gone,
    .objects_moved = follow_compaction,
    .object_moved = follow_start,
};

ccgc_status graph_snapshot_follow(graph_snapshot *snapshot, ccgc_collector *collector) {
  if (snapshot->following == collector) return CCGC_OK;
  if (snapshot->following) return CCGC_E_INVALID_ARGUMENT;
  ccgc_status status = ccgc_collector_add_listener(collector, &follower, snapshot);
  if (status == CCGC_OK) snapshot->following = collector;
  return status;
}

void graph_snapshot_free(graph_snapshot *snapshot) {
  if (!snapshot) return;
  if (snapshot->following)
    ccgc_collector_remove_listener(snapshot->following, &follower, snapshot);
  for (guint i = 0; i < snapshot->objects->len; i++) {
    snap_object *object = &g_array_index(snapshot->objects, snap_object, i);
    g_free(object->heap_name);
    g_free(object->type_name);
    g_free(object->note);
  }
  for (guint i = 0; i < snapshot->edges->len; i++)
    g_free(g_array_index(snapshot->edges, snap_edge, i).name);
  g_array_free(snapshot->objects, TRUE);
  g_array_free(snapshot->edges, TRUE);
  g_hash_table_destroy(snapshot->index);
  g_free(snapshot);
}

size_t graph_snapshot_object_count(const graph_snapshot *snapshot) {
  return snapshot->objects->len;
}

size_t graph_snapshot_heap_objects(const graph_snapshot *snapshot, int heap_id) {
  size_t count = 0;
  for (guint i = 0; i < snapshot->objects->len; i++)
    count += g_array_index(snapshot->objects, snap_object, i).heap_id == heap_id;
  return count;
}

const snap_object *graph_snapshot_find(const graph_snapshot *snapshot,
                                       const void *address, size_t *index) {
  size_t found = GPOINTER_TO_SIZE(g_hash_table_lookup(snapshot->index, address));
  if (!found) return NULL;
  if (index) *index = found - 1;
  return &g_array_index(snapshot->objects, snap_object, found - 1);
}

size_t graph_snapshot_mark_reclaimed(graph_snapshot *before,
                                     const graph_snapshot *after,
                                     unsigned collection) {
  size_t count = 0;
  for (guint i = 0; i < before->objects->len; i++) {
    snap_object *object = &g_array_index(before->objects, snap_object, i);
    if (object->reclaimed_in ||
        (!object->died && g_hash_table_contains(after->index, object->current)))
      continue;
    object->reclaimed_in = collection;
    count++;
  }
  return count;
}

bool graph_dump_name_is_well_formed(const char *name) {
  if (!name || (name[0] != '#' && name[0] != '@') || !name[1]) return false;
  if (name[0] == '#') return true;
  for (const char *c = name + 1; *c; c++)
    if (*c < '0' || *c > '9') return false;
  return true;
}

const snap_object *graph_dump_find_named(const graph_snapshot *snapshot, const char *name,
                                         size_t *index) {
  if (!name) return NULL;
  const GArray *objects = snapshot->objects;
  if (name[0] == '@') {
    char *end;
    errno = 0;
    unsigned long at = strtoul(name + 1, &end, 10);
    if (errno || end == name + 1 || *end || name[1] == '-' || at >= objects->len) return NULL;
    if (index) *index = at;
    return &g_array_index(objects, snap_object, at);
  }
  if (name[0] != '#') return NULL;
  for (guint i = 0; i < objects->len; i++) {
    const snap_object *object = &g_array_index(objects, snap_object, i);
    if (object->note && !strcmp(object->note, name)) {
      if (index) *index = i;
      return object;
    }
  }
  return NULL;
}
