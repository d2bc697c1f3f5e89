/* test-mutator-path.c - the script heap's mutator path (issue 18, item 7):
 * handle scopes, locals and checked accesses at V8's cost, misuse still
 * detected.
 *
 * - A local is {index, serial}, valid while index < top and the slot's
 *   serial equals its own (.inv.handle-valid): a closed scope's handles are
 *   dead whatever reused their slots since (the parent, a new scope, an
 *   escape slot), and an empty local reads as empty in every state.
 * - Every public call checks its entry (signature, thread, context) once:
 *   from a thread that does not own the collector each call is reported
 *   exactly once, naming itself, and changes nothing.
 * - the_mutator_path_costs times the hot calls (ns per call, printed, never
 *   asserted: the machine is shared). CCGC_MUTATOR_BENCH=N runs N calls per
 *   measurement instead of the default (docs/script-heap.md, "What the
 *   checks cost").
 */
#include <check.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include "script-test.h"

/* --- .inv.handle-valid --------------------------------------------------- */

static bool dead(script_world *w, v8ish_local local) {
  unsigned before = w->errors.count;
  v8ish_value value = v8ish_local_value(w->heap, local);
  return value == 0 && w->errors.count == before + 1 &&
         w->errors.last_code == CCGC_E_DEAD_HANDLE;
}

START_TEST(a_closed_scopes_locals_stay_dead_whoever_reuses_their_slots) {
  script_world w;
  script_world_init(&w, 0);
  v8ish_handle_scope inner;
  v8ish_handle_scope_open(w.heap, &inner);
  v8ish_local a = script_int(&w, 1), b = script_int(&w, 2);
  v8ish_handle_scope_close(&inner);
  /* Above top. */
  ck_assert(dead(&w, a));
  ck_assert(dead(&w, b));
  /* The enclosing scope takes the slots back. */
  v8ish_local p1 = script_int(&w, 3), p2 = script_int(&w, 4),
              p3 = script_int(&w, 5);
  ck_assert_uint_le(p1.index, a.index);
  ck_assert_uint_ge(p3.index, b.index);
  ck_assert(dead(&w, a));
  ck_assert(dead(&w, b));
  ck_assert_int_eq(v8ish_integer_value(w.heap, p2), 4);
  /* A new scope's escape slot and locals over a dead scope's slots. */
  v8ish_handle_scope again;
  v8ish_handle_scope_open(w.heap, &again);
  v8ish_local c = script_int(&w, 6);
  v8ish_handle_scope_close(&again);
  v8ish_handle_scope_open(w.heap, &again);
  v8ish_handle_scope nested;
  v8ish_handle_scope_open(w.heap, &nested); /* its escape slot is c's slot */
  ck_assert(dead(&w, c));
  v8ish_local escaped = v8ish_handle_scope_escape(&nested, script_int(&w, 7));
  ck_assert(dead(&w, c));
  v8ish_handle_scope_close(&nested);
  ck_assert_int_eq(v8ish_integer_value(w.heap, escaped), 7);
  v8ish_handle_scope_close(&again);
  ck_assert(dead(&w, escaped)); /* it belonged to `again` */
  ck_assert(dead(&w, c));
  ck_assert_int_eq(v8ish_integer_value(w.heap, p3), 5);
  script_world_free(&w);
}
END_TEST

START_TEST(the_empty_local_is_empty_in_every_state) {
  ccgc_collector *collector = ccgc_collector_new(NULL);
  v8ish_heap *heap = v8ish_heap_new(collector, NULL);
  ccgc_test_errors errors;
  ccgc_test_capture_errors(collector, &errors);
  v8ish_local empty = v8ish_local_empty();
  /* No scope was ever opened. */
  ck_assert_uint_eq(v8ish_local_value(heap, empty), 0);
  ck_assert_str_eq(v8ish_type_name(heap, empty), "empty");
  v8ish_handle_scope scope;
  v8ish_handle_scope_open(heap, &scope);
  ck_assert_str_eq(v8ish_type_name(heap, empty), "empty");
  ck_assert(!v8ish_is_integer(heap, empty));
  v8ish_handle_scope_close(&scope);
  /* Scopes were opened and all closed again. */
  ck_assert_str_eq(v8ish_type_name(heap, empty), "empty");
  ck_assert_uint_eq(errors.count, 0);
  v8ish_heap_free(heap);
  ccgc_collector_free(collector);
}
END_TEST

/* The bump's limit follows the scopes: locals past any capacity, then none
 * once the last scope closed. */
START_TEST(locals_grow_the_area_and_need_an_open_scope) {
  script_world w;
  script_world_init(&w, 0);
  enum { N = 100000 };
  v8ish_handle_scope inner;
  v8ish_handle_scope_open(w.heap, &inner);
  static v8ish_local locals[N];
  for (int i = 0; i < N; i++) locals[i] = script_int(&w, i);
  for (int i = 0; i < N; i++)
    ck_assert_int_eq(v8ish_integer_value(w.heap, locals[i]), i);
  v8ish_handle_scope_close(&inner);
  ck_assert(dead(&w, locals[0]));
  ck_assert(dead(&w, locals[N - 1]));
  v8ish_handle_scope_close(&w.scope);
  unsigned before = w.errors.count;
  ck_assert(v8ish_local_is_empty(script_int(&w, 1)));
  ck_assert_uint_eq(w.errors.count, before + 1);
  script_assert_error(&w, CCGC_E_DEAD_HANDLE, "v8ish_integer: no handle scope is open");
  ck_assert(v8ish_local_is_empty(v8ish_fixed_array_new(w.heap, 2)));
  script_assert_error(&w, CCGC_E_DEAD_HANDLE,
                      "v8ish_fixed_array_new: no handle scope is open");
  v8ish_handle_scope_open(w.heap, &w.scope);
  ck_assert_int_eq(v8ish_integer_value(w.heap, script_int(&w, 9)), 9);
  script_world_free(&w);
}
END_TEST

/* --- the entry check, once per call ------------------------------------- */

typedef struct call_world {
  script_world w;
  v8ish_local object, array, fixed, doubles, context, closure, wrapper, number,
      string, integer, map, set, registry;
  v8ish_raw raw_fixed, raw_object;
  v8ish_global global;
  v8ish_traced *traced;
  v8ish_handle_scope scope; /* opened on the owner, used from the other */
} call_world;

typedef struct call_case {
  const char *name;
  void (*run)(call_world *c);
} call_case;

#define CALL(fn, body) \
  static void call_##fn(call_world *c) { body; }
CALL(v8ish_handle_scope_open, v8ish_handle_scope scope; v8ish_handle_scope_open(c->w.heap, &scope))
CALL(v8ish_handle_scope_close, v8ish_handle_scope_close(&c->scope))
CALL(v8ish_handle_scope_escape, v8ish_handle_scope_escape(&c->scope, c->integer))
CALL(v8ish_local_value, v8ish_local_value(c->w.heap, c->object))
CALL(v8ish_same, v8ish_same(c->w.heap, c->object, c->array))
CALL(v8ish_global_new, v8ish_global_new(c->w.heap, c->object, false))
CALL(v8ish_global_get, v8ish_global_get(c->w.heap, c->global))
CALL(v8ish_global_set, v8ish_global_set(c->w.heap, c->global, c->integer))
CALL(v8ish_traced_new, v8ish_traced_new(c->w.heap, c->object))
CALL(v8ish_traced_get, v8ish_traced_get(c->w.heap, c->traced))
CALL(v8ish_traced_set, v8ish_traced_set(c->w.heap, c->traced, c->integer))
CALL(v8ish_integer, v8ish_integer(c->w.heap, 5))
CALL(v8ish_is_integer, v8ish_is_integer(c->w.heap, c->integer))
CALL(v8ish_integer_value, v8ish_integer_value(c->w.heap, c->integer))
CALL(v8ish_number_new, v8ish_number_new(c->w.heap, 1.5))
CALL(v8ish_number_value, v8ish_number_value(c->w.heap, c->number))
CALL(v8ish_string_new, v8ish_string_new(c->w.heap, "x", 1))
CALL(v8ish_string_copy, char buf[8]; v8ish_string_copy(c->w.heap, c->string, buf, sizeof buf))
CALL(v8ish_type_of, v8ish_type_of(c->w.heap, c->object))
CALL(v8ish_type_name, v8ish_type_name(c->w.heap, c->object))
CALL(v8ish_object_address, v8ish_object_address(c->w.heap, c->object))
CALL(v8ish_object_new, v8ish_object_new(c->w.heap))
CALL(v8ish_object_set, v8ish_object_set(c->w.heap, c->object, "a", c->integer))
CALL(v8ish_object_get, v8ish_object_get(c->w.heap, c->object, "a"))
CALL(v8ish_object_has, v8ish_object_has(c->w.heap, c->object, "a"))
CALL(v8ish_object_property_count, v8ish_object_property_count(c->w.heap, c->object))
CALL(v8ish_object_class, v8ish_object_class(c->w.heap, c->object))
CALL(v8ish_fixed_array_new, v8ish_fixed_array_new(c->w.heap, 2))
CALL(v8ish_array_new, v8ish_array_new(c->w.heap))
CALL(v8ish_array_length, v8ish_array_length(c->w.heap, c->array))
CALL(v8ish_array_get, v8ish_array_get(c->w.heap, c->fixed, 0))
CALL(v8ish_array_set, v8ish_array_set(c->w.heap, c->fixed, 0, c->object))
CALL(v8ish_array_push, v8ish_array_push(c->w.heap, c->array, c->object))
CALL(v8ish_double_array_new, v8ish_double_array_new(c->w.heap, 2))
CALL(v8ish_double_array_get, v8ish_double_array_get(c->w.heap, c->doubles, 0))
CALL(v8ish_double_array_set, v8ish_double_array_set(c->w.heap, c->doubles, 0, 2.5))
CALL(v8ish_context_new, v8ish_context_new(c->w.heap, c->context, 1))
CALL(v8ish_context_get, v8ish_context_get(c->w.heap, c->context, 0))
CALL(v8ish_context_set, v8ish_context_set(c->w.heap, c->context, 0, c->object))
CALL(v8ish_closure_new, v8ish_closure_new(c->w.heap, c->context, "f"))
CALL(v8ish_closure_context, v8ish_closure_context(c->w.heap, c->closure))
CALL(v8ish_wrapper_new, v8ish_wrapper_new(c->w.heap, "Node"))
CALL(v8ish_wrapper_embedder, v8ish_wrapper_embedder(c->w.heap, c->wrapper))
CALL(v8ish_weak_map_new, v8ish_weak_map_new(c->w.heap))
CALL(v8ish_weak_map_set, v8ish_weak_map_set(c->w.heap, c->map, c->object, c->integer))
CALL(v8ish_weak_map_get, v8ish_weak_map_get(c->w.heap, c->map, c->object))
CALL(v8ish_weak_map_has, v8ish_weak_map_has(c->w.heap, c->map, c->object))
CALL(v8ish_weak_map_delete, v8ish_weak_map_delete(c->w.heap, c->map, c->object))
CALL(v8ish_weak_map_size, v8ish_weak_map_size(c->w.heap, c->map))
CALL(v8ish_weak_set_new, v8ish_weak_set_new(c->w.heap))
CALL(v8ish_weak_set_add, v8ish_weak_set_add(c->w.heap, c->set, c->object))
CALL(v8ish_weak_set_has, v8ish_weak_set_has(c->w.heap, c->set, c->object))
CALL(v8ish_weak_set_delete, v8ish_weak_set_delete(c->w.heap, c->set, c->object))
CALL(v8ish_weak_set_size, v8ish_weak_set_size(c->w.heap, c->set))
CALL(v8ish_finalization_registry_register,
     v8ish_finalization_registry_register(c->w.heap, c->registry, c->object,
                                          c->integer, v8ish_local_empty()))
CALL(v8ish_finalization_registry_unregister,
     v8ish_finalization_registry_unregister(c->w.heap, c->registry, c->object))
CALL(v8ish_finalization_registry_size,
     v8ish_finalization_registry_size(c->w.heap, c->registry))
CALL(v8ish_object_unbox_double, v8ish_object_unbox_double(c->w.heap, c->object, "a"))
CALL(v8ish_object_get_double, v8ish_object_get_double(c->w.heap, c->object, "a"))
CALL(v8ish_array_left_trim, v8ish_array_left_trim(c->w.heap, c->fixed, 1))
CALL(v8ish_object_shrink_slack, v8ish_object_shrink_slack(c->w.heap, c->object))
CALL(v8ish_raw_of, v8ish_raw_of(c->w.heap, c->fixed))
CALL(v8ish_raw_array_get, v8ish_raw_array_get(c->w.heap, c->raw_fixed, 0))
CALL(v8ish_raw_array_length, v8ish_raw_array_length(c->w.heap, c->raw_fixed))
CALL(v8ish_raw_to_local, v8ish_raw_to_local(c->w.heap, c->raw_fixed))
/* (An integer's value is the raw value's own bits, read on any thread: the
 * call reaches the heap only for anything else.) */
CALL(v8ish_raw_integer_value, v8ish_raw_integer_value(c->w.heap, c->raw_object))
#undef CALL

#define CASE(fn) {#fn, call_##fn}
static const call_case calls[] = {
    CASE(v8ish_handle_scope_open), CASE(v8ish_handle_scope_close),
    CASE(v8ish_handle_scope_escape), CASE(v8ish_local_value), CASE(v8ish_same),
    CASE(v8ish_global_new), CASE(v8ish_global_get), CASE(v8ish_global_set),
    CASE(v8ish_traced_new), CASE(v8ish_traced_get), CASE(v8ish_traced_set),
    CASE(v8ish_integer), CASE(v8ish_is_integer), CASE(v8ish_integer_value),
    CASE(v8ish_number_new), CASE(v8ish_number_value), CASE(v8ish_string_new),
    CASE(v8ish_string_copy), CASE(v8ish_type_of), CASE(v8ish_type_name),
    CASE(v8ish_object_address), CASE(v8ish_object_new), CASE(v8ish_object_set),
    CASE(v8ish_object_get), CASE(v8ish_object_has),
    CASE(v8ish_object_property_count), CASE(v8ish_object_class),
    CASE(v8ish_fixed_array_new), CASE(v8ish_array_new), CASE(v8ish_array_length),
    CASE(v8ish_array_get), CASE(v8ish_array_set), CASE(v8ish_array_push),
    CASE(v8ish_double_array_new), CASE(v8ish_double_array_get),
    CASE(v8ish_double_array_set), CASE(v8ish_context_new),
    CASE(v8ish_context_get), CASE(v8ish_context_set), CASE(v8ish_closure_new),
    CASE(v8ish_closure_context), CASE(v8ish_wrapper_new),
    CASE(v8ish_wrapper_embedder), CASE(v8ish_weak_map_new),
    CASE(v8ish_weak_map_set), CASE(v8ish_weak_map_get), CASE(v8ish_weak_map_has),
    CASE(v8ish_weak_map_delete), CASE(v8ish_weak_map_size),
    CASE(v8ish_weak_set_new), CASE(v8ish_weak_set_add), CASE(v8ish_weak_set_has),
    CASE(v8ish_weak_set_delete), CASE(v8ish_weak_set_size),
    CASE(v8ish_finalization_registry_register),
    CASE(v8ish_finalization_registry_unregister),
    CASE(v8ish_finalization_registry_size), CASE(v8ish_object_unbox_double),
    CASE(v8ish_object_get_double), CASE(v8ish_array_left_trim),
    CASE(v8ish_object_shrink_slack), CASE(v8ish_raw_of),
    CASE(v8ish_raw_array_get), CASE(v8ish_raw_array_length),
    CASE(v8ish_raw_to_local), CASE(v8ish_raw_integer_value),
};
#undef CASE

static void on_finalize(v8ish_heap *heap, v8ish_local held, void *data) {
  (void)heap;
  (void)held;
  (void)data;
}

static void call_world_init(call_world *c) {
  script_world_init(&c->w, 0);
  v8ish_heap *h = c->w.heap;
  c->object = v8ish_object_new(h);
  v8ish_object_set(h, c->object, "a", v8ish_number_new(h, 0.5));
  c->array = v8ish_array_new(h);
  c->fixed = v8ish_fixed_array_new(h, 4);
  c->doubles = v8ish_double_array_new(h, 2);
  c->context = v8ish_context_new(h, v8ish_local_empty(), 2);
  c->closure = v8ish_closure_new(h, c->context, "f");
  c->wrapper = v8ish_wrapper_new(h, "Node");
  c->number = v8ish_number_new(h, 1.5);
  c->string = script_string(&c->w, "text");
  c->integer = script_int(&c->w, 42);
  c->map = v8ish_weak_map_new(h);
  c->set = v8ish_weak_set_new(h);
  c->registry = v8ish_finalization_registry_new(h, on_finalize, NULL);
  c->global = v8ish_global_new(h, c->object, false);
  c->traced = v8ish_traced_new(h, c->object);
  c->raw_fixed = v8ish_raw_of(h, c->fixed);
  c->raw_object = v8ish_raw_of(h, c->object);
  v8ish_handle_scope_open(h, &c->scope);
  ck_assert_uint_eq(c->w.errors.count, 0);
}

static void call_world_free(call_world *c) {
  v8ish_handle_scope_close(&c->scope);
  v8ish_traced_free(c->w.heap, c->traced);
  v8ish_global_free(c->w.heap, c->global);
  script_world_free(&c->w);
}

typedef struct foreign_call {
  call_world *world;
  const call_case *call;
} foreign_call;

static void *run_foreign(void *data) {
  foreign_call *f = data;
  f->call->run(f->world);
  return NULL;
}

START_TEST(every_call_checks_its_entry_once) {
  call_world c;
  call_world_init(&c);
  for (size_t i = 0; i < sizeof calls / sizeof calls[0]; i++) {
    unsigned before = c.w.errors.count;
    foreign_call f = {&c, &calls[i]};
    pthread_t thread;
    ck_assert_int_eq(pthread_create(&thread, NULL, run_foreign, &f), 0);
    ck_assert_int_eq(pthread_join(thread, NULL), 0);
    ck_assert_msg(c.w.errors.count == before + 1,
                  "%s from another thread: %u reports, expected 1",
                  calls[i].name, c.w.errors.count - before);
    ck_assert_int_eq(c.w.errors.last_code, CCGC_E_WRONG_THREAD);
    ck_assert_msg(strstr(c.w.errors.last_message, calls[i].name) ==
                      c.w.errors.last_message,
                  "%s: the report names another call: %s", calls[i].name,
                  c.w.errors.last_message);
  }
  /* Nothing changed: the scope is still the innermost, the values intact. */
  ck_assert_int_eq(v8ish_integer_value(c.w.heap, c.integer), 42);
  ck_assert_uint_eq(v8ish_array_length(c.w.heap, c.array), 0);
  ck_assert_uint_eq(v8ish_object_property_count(c.w.heap, c.object), 1);
  ck_assert_uint_eq(c.w.errors.count, sizeof calls / sizeof calls[0]);
  call_world_free(&c);
}
END_TEST

/* --- what the calls cost -------------------------------------------------- */

static long bench_calls(void) {
  const char *env = getenv("CCGC_MUTATOR_BENCH");
  long n = env ? atol(env) : 0;
  return n > 0 ? n : 1 << 16;
}

typedef struct bench_world {
  ccgc_collector *collector;
  v8ish_heap *heap;
  v8ish_local fixed, value;
} bench_world;

/* Keeps a node's escape (as binary-trees does): a scope per level. */
static v8ish_local bench_tree(v8ish_heap *h, int depth) {
  v8ish_handle_scope scope;
  v8ish_handle_scope_open(h, &scope);
  v8ish_local node = v8ish_fixed_array_new(h, 2);
  if (depth > 0) {
    v8ish_local left = bench_tree(h, depth - 1);
    v8ish_local right = bench_tree(h, depth - 1);
    v8ish_array_set(h, node, 0, left);
    v8ish_array_set(h, node, 1, right);
  }
  node = v8ish_handle_scope_escape(&scope, node);
  v8ish_handle_scope_close(&scope);
  return node;
}

static long bench_check(v8ish_heap *h, v8ish_local node) {
  v8ish_handle_scope scope;
  v8ish_handle_scope_open(h, &scope);
  long count = 1;
  v8ish_local left = v8ish_array_get(h, node, 0);
  if (!v8ish_is_integer(h, left))
    count += bench_check(h, left) + bench_check(h, v8ish_array_get(h, node, 1));
  v8ish_handle_scope_close(&scope);
  return count;
}

typedef enum {
  OP_SCOPE,
  OP_SCOPE_LOCALS,
  OP_READ,
  OP_ELEMENT_LOAD,
  OP_ELEMENT_STORE,
  OP_ALLOCATE,
  OP_TREE,
  OP_COUNT
} bench_op;

static const char *const op_names[OP_COUNT] = {
    "scope open + close", "scope + 3 locals", "local read (integer_value)",
    "element load (array_get)", "element store (array_set)",
    "allocate (fixed_array_new 2)", "tree node (build + check)"};

/* ns per call of op over n calls (per node for OP_TREE). */
static double bench_run(bench_world *b, bench_op op, long n) {
  v8ish_heap *h = b->heap;
  long units = n;
  double start = ccgc_time_ms();
  switch (op) {
  case OP_SCOPE:
    for (long i = 0; i < n; i++) {
      v8ish_handle_scope scope;
      v8ish_handle_scope_open(h, &scope);
      v8ish_handle_scope_close(&scope);
    }
    break;
  case OP_SCOPE_LOCALS:
    for (long i = 0; i < n; i++) {
      v8ish_handle_scope scope;
      v8ish_handle_scope_open(h, &scope);
      v8ish_integer(h, i);
      v8ish_integer(h, i + 1);
      v8ish_integer(h, i + 2);
      v8ish_handle_scope_close(&scope);
    }
    break;
  case OP_READ: {
    intptr_t sum = 0;
    for (long i = 0; i < n; i++) sum += v8ish_integer_value(h, b->value);
    ck_assert_int_eq(sum, 7 * n);
    break;
  }
  case OP_ELEMENT_LOAD:
  case OP_ELEMENT_STORE:
  case OP_ALLOCATE:
    for (long i = 0; i < n;) {
      v8ish_handle_scope scope;
      v8ish_handle_scope_open(h, &scope);
      for (long j = 0; j < 256 && i < n; j++, i++) {
        if (op == OP_ELEMENT_LOAD)
          v8ish_array_get(h, b->fixed, (size_t)i & 1);
        else if (op == OP_ELEMENT_STORE)
          v8ish_array_set(h, b->fixed, (size_t)i & 1, b->value);
        else
          v8ish_fixed_array_new(h, 2);
      }
      v8ish_handle_scope_close(&scope);
    }
    break;
  case OP_TREE: {
    int depth = 10;
    long per_tree = (2L << depth) - 1, trees = n / per_tree + 1;
    units = 0;
    for (long t = 0; t < trees; t++) {
      v8ish_handle_scope scope;
      v8ish_handle_scope_open(h, &scope);
      v8ish_local root = bench_tree(h, depth);
      units += bench_check(h, root);
      v8ish_handle_scope_close(&scope);
    }
    ck_assert_int_eq(units, trees * per_tree);
    break;
  }
  default:
    break;
  }
  double ms = ccgc_time_ms() - start;
  /* Collections run between measurements, never inside one. */
  ck_assert_int_eq(ccgc_collect(b->collector, CCGC_REASON_TESTING), CCGC_OK);
  return ms * 1e6 / (double)units;
}

START_TEST(the_mutator_path_costs) {
  bench_world b;
  b.collector = ccgc_collector_new(NULL);
  /* No collection requested while a measurement runs. */
  v8ish_heap_options options = {.soft_limit_bytes = (size_t)1 << 40};
  b.heap = v8ish_heap_new(b.collector, &options);
  v8ish_handle_scope outer;
  v8ish_handle_scope_open(b.heap, &outer);
  b.fixed = v8ish_fixed_array_new(b.heap, 2);
  b.value = v8ish_integer(b.heap, 7);
  long n = bench_calls();
  printf("mutator path, %ld calls per measurement, best of 5 (ns per call):\n",
         n);
  for (int op = 0; op < OP_COUNT; op++) {
    double best = 0;
    for (int round = 0; round < 5; round++) {
      double ns = bench_run(&b, (bench_op)op, n);
      if (round == 0 || ns < best) best = ns;
    }
    printf("  %-30s %8.2f\n", op_names[op], best);
  }
  fflush(stdout);
  v8ish_handle_scope_close(&outer);
  v8ish_heap_free(b.heap);
  ccgc_collector_free(b.collector);
}
END_TEST

static Suite *mutator_path_suite(void) {
  Suite *s = suite_create("v8ish mutator path");
  TCase *t = tcase_create("core");
  tcase_set_timeout(t, 120);
  tcase_add_test(t, a_closed_scopes_locals_stay_dead_whoever_reuses_their_slots);
  tcase_add_test(t, the_empty_local_is_empty_in_every_state);
  tcase_add_test(t, locals_grow_the_area_and_need_an_open_scope);
  tcase_add_test(t, every_call_checks_its_entry_once);
  tcase_add_test(t, the_mutator_path_costs);
  suite_add_tcase(s, t);
  return s;
}

int main(void) { return ccgc_test_run(mutator_path_suite()); }
