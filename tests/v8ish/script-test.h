/* script-test.h - a small world for the script heap suites: a collector with
 * the verifier on, one v8ish heap (optionally limited), an open outermost
 * handle scope and a recording error handler; plus graph helpers built on
 * ccgc_collector_walk. */
#ifndef SCRIPT_TEST_H
#define SCRIPT_TEST_H

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ccgc-page.h" /* ccgc_color_of */
#include "ccgc-test.h"
#include "v8ish.h"

typedef struct script_world {
  ccgc_collector *collector;
  v8ish_heap *heap;
  v8ish_handle_scope scope;
  ccgc_test_errors errors;
} script_world;

static inline void script_world_init_with(script_world *w,
                                          const v8ish_heap_options *options) {
  ccgc_collector_options collector_options = {.verify = true};
  w->collector = ccgc_collector_new(&collector_options);
  ck_assert_ptr_nonnull(w->collector);
  w->heap = v8ish_heap_new(w->collector, options);
  ck_assert_ptr_nonnull(w->heap);
  ccgc_test_capture_errors(w->collector, &w->errors);
  v8ish_handle_scope_open(w->heap, &w->scope);
}

static inline void script_world_init(script_world *w, size_t limit) {
  v8ish_heap_options options = {.limit_bytes = limit};
  script_world_init_with(w, &options);
}

/* A heap without a young generation: every object old, for the suites of
 * old space itself (allocation, sweeping, limits). */
static inline void script_world_init_old(script_world *w, size_t limit) {
  v8ish_heap_options options = {.limit_bytes = limit,
                                .no_young_generation = 1};
  script_world_init_with(w, &options);
}

/* A list of n fixed arrays [next, i] (the last holds i = 0), rooted in a
 * new strong global: survivors to follow through minor collections. */
static inline v8ish_global script_make_list(script_world *w, int n) {
  v8ish_handle_scope scope;
  v8ish_handle_scope_open(w->heap, &scope);
  v8ish_local head = v8ish_integer(w->heap, 0);
  for (int i = 0; i < n; i++) {
    v8ish_local cell = v8ish_fixed_array_new(w->heap, 2);
    v8ish_array_set(w->heap, cell, 0, head);
    v8ish_array_set(w->heap, cell, 1, v8ish_integer(w->heap, i));
    head = cell;
  }
  v8ish_global global = v8ish_global_new(w->heap, head, false);
  v8ish_handle_scope_close(&scope);
  return global;
}

/* Starts an incremental cycle after a full one, with a list of 64 cells
 * (script_make_list) in *list, and returns a cell no step has reached yet
 * (white): a value for the stores the barrier must shade. */
static inline v8ish_local script_white_cell_while_marking(script_world *w,
                                                          v8ish_global *list) {
  *list = script_make_list(w, 64);
  ck_assert_int_eq(ccgc_collect(w->collector, CCGC_REASON_TESTING), CCGC_OK);
  ck_assert_int_eq(ccgc_incremental_start(w->collector, CCGC_REASON_TESTING),
                   CCGC_OK);
  v8ish_local cell = v8ish_global_get(w->heap, *list);
  for (int i = 0; i < 32; i++) cell = v8ish_array_get(w->heap, cell, 0);
  ck_assert_int_eq(ccgc_color_of(v8ish_object_address(w->heap, cell)),
                   CCGC_WHITE);
  return cell;
}

static inline void script_world_free(script_world *w) {
  v8ish_handle_scope_close(&w->scope);
  v8ish_heap_free(w->heap);
  ccgc_collector_free(w->collector);
}

static inline ccgc_heap_stats script_stats(script_world *w) {
  ccgc_heap_stats stats;
  v8ish_heap_stats(w->heap, &stats);
  return stats;
}

static inline v8ish_local script_int(script_world *w, intptr_t value) {
  return v8ish_integer(w->heap, value);
}

static inline v8ish_local script_string(script_world *w, const char *text) {
  return v8ish_string_new(w->heap, text, strlen(text));
}

/* count garbage arrays of three elements, written (in a scope of their
 * own): they fill the nursery (past two semi-spaces without a safepoint,
 * the rest goes old) or write over the pages a scavenge freed. */
static inline void script_allocate_garbage(script_world *w, int count) {
  v8ish_handle_scope scope;
  v8ish_handle_scope_open(w->heap, &scope);
  for (int i = 0; i < count; i++) {
    v8ish_local junk = v8ish_fixed_array_new(w->heap, 3);
    v8ish_array_set(w->heap, junk, 0, v8ish_integer(w->heap, -1));
  }
  v8ish_handle_scope_close(&scope);
}

/* Asserts that the last reported error has this code and mentions `text`. */
#define script_assert_error(w, expected, text)                                   \
  do {                                                                       \
    ck_assert_int_eq((w)->errors.last_code, (expected));                         \
    ck_assert_msg(strstr((w)->errors.last_message, (text)) != NULL,          \
                  "error message '%s' lacks '%s'", (w)->errors.last_message, \
                  (text));                                                   \
  } while (0)

/* Asserts that the last recoverable error has this code and mentions text. */
#define script_assert_last_error(w, expected, text)                               \
  do {                                                                        \
    const ccgc_error *last_ = ccgc_collector_last_error((w)->collector);      \
    ck_assert_int_eq(last_->code, (expected));                                    \
    ck_assert_msg(strstr(last_->message, (text)) != NULL,                     \
                  "error message '%s' lacks '%s'", last_->message, (text));   \
  } while (0)

/* --- the graph, as the collector's walk reports it -------------------------- */

typedef struct script_edge {
  void *from, *to;
  ccgc_edge_kind kind;
  char name[64];
  size_t index;
} script_edge;

typedef struct script_graph {
  script_edge edges[4096];
  size_t edge_count;
  size_t object_count;
  size_t filler_count; /* objects typed "Filler": must stay 0 */
} script_graph;

static inline void script_graph_object(const ccgc_object_info *info,
                                       void *data) {
  script_graph *graph = data;
  graph->object_count++;
  if (strcmp(info->type_name, "Filler") == 0) graph->filler_count++;
}

static inline void script_graph_edge(void *from, void *to, ccgc_edge edge,
                                     void *data) {
  script_graph *graph = data;
  if (graph->edge_count == sizeof graph->edges / sizeof graph->edges[0])
    return;
  script_edge *e = &graph->edges[graph->edge_count++];
  e->from = from;
  e->to = to;
  e->kind = edge.kind;
  e->index = edge.index;
  snprintf(e->name, sizeof e->name, "%s", edge.name ? edge.name : "");
}

/* Walks the whole graph into *graph (heap allocated by the caller). */
static inline void script_graph_take(script_world *w, script_graph *graph) {
  memset(graph, 0, sizeof *graph);
  ccgc_walk_callbacks callbacks = {script_graph_object, script_graph_edge,
                                   graph};
  ck_assert_int_eq(ccgc_collector_walk(w->collector, &callbacks), CCGC_OK);
}

/* Counts the edges from `from` (NULL: roots) of a kind, with a name (NULL:
 * any) and, for elements, to a target (NULL: any). */
static inline size_t script_graph_count(const script_graph *graph, void *from,
                                        ccgc_edge_kind kind, const char *name,
                                        void *to) {
  size_t count = 0;
  for (size_t i = 0; i < graph->edge_count; i++) {
    const script_edge *e = &graph->edges[i];
    if (e->from == from && e->kind == kind &&
        (!name || strcmp(e->name, name) == 0) && (!to || e->to == to))
      count++;
  }
  return count;
}

/* The target of the first edge from `from` of that kind and name, or NULL. */
static inline void *script_graph_target(const script_graph *graph, void *from,
                                        ccgc_edge_kind kind, const char *name) {
  for (size_t i = 0; i < graph->edge_count; i++) {
    const script_edge *e = &graph->edges[i];
    if (e->from == from && e->kind == kind && strcmp(e->name, name) == 0)
      return e->to;
  }
  return NULL;
}

#endif /* SCRIPT_TEST_H */
