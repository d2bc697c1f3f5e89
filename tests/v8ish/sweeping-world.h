/* sweeping-world.h - the script heap under lazy and concurrent sweeping,
 * for test-lazy-sweeping.c and test-concurrent-sweeper.c: a world whose
 * collector sweeps in a given mode, a garbage-rich heap over many pages,
 * and the heap's view of whether a page is swept (heap-internal.h). */
#ifndef SWEEPING_WORLD_H
#define SWEEPING_WORLD_H

#include "heap-internal.h"
#include "script-test.h"
#include "sweeper.h"

static inline void sweeping_world_init(script_world *w, ccgc_sweeping_mode mode,
                                       int threads, bool young) {
  ccgc_collector_options options = {
      .verify = true, .sweeping = mode, .sweeper_threads = threads};
  w->collector = ccgc_collector_new(&options);
  ck_assert_ptr_nonnull(w->collector);
  v8ish_heap_options heap_options = {.no_young_generation = young ? 0 : 1};
  w->heap = v8ish_heap_new(w->collector, &heap_options);
  ck_assert_ptr_nonnull(w->heap);
  ccgc_test_capture_errors(w->collector, &w->errors);
  v8ish_handle_scope_open(w->heap, &w->scope);
}

/* `count` arrays of `length` elements, every `keep`-th rooted in the
 * returned array (itself in a new global), the rest garbage: live objects
 * spread over every page. Each kept array holds its index. */
static inline v8ish_global sweeping_fill(script_world *w, int count,
                                         int length, int keep) {
  v8ish_handle_scope scope;
  v8ish_handle_scope_open(w->heap, &scope);
  v8ish_local kept = v8ish_fixed_array_new(w->heap, (size_t)(count / keep + 1));
  for (int i = 0; i < count; i++) {
    v8ish_handle_scope inner;
    v8ish_handle_scope_open(w->heap, &inner);
    v8ish_local array = v8ish_fixed_array_new(w->heap, (size_t)length);
    v8ish_array_set(w->heap, array, 0, v8ish_integer(w->heap, i));
    if (i % keep == 0) v8ish_array_set(w->heap, kept, (size_t)(i / keep), array);
    v8ish_handle_scope_close(&inner);
  }
  v8ish_global global = v8ish_global_new(w->heap, kept, false);
  v8ish_handle_scope_close(&scope);
  return global;
}

/* Every kept array still holds its index. */
static inline void sweeping_check(script_world *w, v8ish_global kept_global,
                                  int count, int keep) {
  v8ish_handle_scope scope;
  v8ish_handle_scope_open(w->heap, &scope);
  v8ish_local kept = v8ish_global_get(w->heap, kept_global);
  for (int i = 0; i < count; i += keep) {
    v8ish_local array = v8ish_array_get(w->heap, kept, (size_t)(i / keep));
    ck_assert_int_eq(
        v8ish_integer_value(w->heap, v8ish_array_get(w->heap, array, 0)), i);
  }
  v8ish_handle_scope_close(&scope);
}

/* Whether the page of the object value is swept (merged). */
static inline bool sweeping_on_swept_page(script_world *w, v8ish_local value) {
  word_t *object = v8ish_object_address(w->heap, value);
  return v8ish_page_swept(w->heap, (v8ish_page *)ccgc_page_of(object));
}

/* Normal pages of the sweep in progress not merged yet. */
static inline size_t sweeping_unswept_pages(script_world *w) {
  const v8ish_sweep *sweep = &w->heap->sweep;
  return sweep->active ? sweep->page_count - sweep->merged : 0;
}

#endif
