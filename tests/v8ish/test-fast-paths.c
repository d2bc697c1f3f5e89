/* test-fast-paths.c - the inline calls of v8ish-fast.h answer exactly as the
 * library's whole calls do.
 *
 * Each inline call does the common case itself and falls back to its
 * *_slow function for everything else. For every call and a matrix of
 * operands - live integers, young and old fixed arrays, Arrays, objects,
 * the empty local, a dead local, another heap's local, indexes in and out
 * of range, every length - the inline call and the slow call run from the
 * same state and must return the same thing, report the same errors (count
 * and code) and account the same bytes. Then what the fast paths must
 * leave to the library: an old array given a young value (the remembered
 * slot), a store while a cycle marks (the value shaded), an allocation
 * while a cycle marks (black), scope misuse, a full handle area, a NULL
 * heap, a host compiled against another layout.
 */
#include <check.h>

#include "ccgc-page.h"
#include "script-test.h"

typedef struct operands {
  v8ish_local integer, big_integer, fixed, array, object, empty, dead,
      foreign;
} operands;

static void make_operands(script_world *w, script_world *other, operands *o) {
  o->integer = v8ish_integer(w->heap, 42);
  o->big_integer = v8ish_integer(w->heap, -((intptr_t)1 << 61));
  o->fixed = v8ish_fixed_array_new(w->heap, 3);
  v8ish_array_set(w->heap, o->fixed, 1, o->integer);
  v8ish_array_set(w->heap, o->fixed, 2, o->fixed);
  o->array = v8ish_array_new(w->heap);
  v8ish_array_push(w->heap, o->array, o->integer);
  o->object = v8ish_object_new(w->heap);
  o->empty = v8ish_local_empty();
  v8ish_handle_scope inner;
  v8ish_handle_scope_open(w->heap, &inner);
  o->dead = v8ish_fixed_array_new(w->heap, 1);
  v8ish_handle_scope_close(&inner);
  o->foreign = v8ish_fixed_array_new(other->heap, 1);
}

typedef struct outcome {
  unsigned reports;
  ccgc_status last_code;
  int64_t value; /* what the call returned, made comparable */
  bool is_empty;
  v8ish_value held; /* the value behind a returned local */
} outcome;

static outcome observe(script_world *w, unsigned before, int64_t value,
                       v8ish_local local) {
  outcome out = {w->errors.count - before,
                 w->errors.count > before ? w->errors.last_code : CCGC_OK,
                 value, v8ish_local_is_empty(local), 0};
  if (!v8ish_local_is_empty(local))
    out.held = v8ish_local_value(w->heap, local);
  return out;
}

static void assert_same(outcome a, outcome b, const char *what) {
  ck_assert_msg(a.reports == b.reports && a.last_code == b.last_code &&
                    a.value == b.value && a.is_empty == b.is_empty &&
                    a.held == b.held,
                "%s: inline %u reports (code %d), value %lld, empty %d, "
                "held %#llx; library %u reports (code %d), value %lld, "
                "empty %d, held %#llx",
                what, a.reports, (int)a.last_code, (long long)a.value,
                a.is_empty, (unsigned long long)a.held, b.reports,
                (int)b.last_code, (long long)b.value, b.is_empty,
                (unsigned long long)b.held);
}

START_TEST(the_inline_calls_answer_as_the_library_does) {
  script_world w, other;
  script_world_init(&w, 0);
  script_world_init(&other, 0);
  operands o;
  make_operands(&w, &other, &o);
  const v8ish_local locals[] = {o.integer, o.big_integer, o.fixed, o.array,
                                o.object,  o.empty,       o.dead,  o.foreign};
  const char *names[] = {"integer", "big integer", "fixed array", "Array",
                         "object",  "empty",       "dead",        "foreign"};
  const size_t indexes[] = {0, 1, 2, 3, (size_t)-1};
  char what[96];
  for (size_t l = 0; l < sizeof locals / sizeof locals[0]; l++) {
    v8ish_local x = locals[l];
    unsigned before;
    outcome fast, slow;

    before = w.errors.count;
    fast = observe(&w, before, v8ish_is_integer(w.heap, x), o.empty);
    before = w.errors.count;
    slow = observe(&w, before, v8ish_is_integer_slow(w.heap, x), o.empty);
    snprintf(what, sizeof what, "v8ish_is_integer(%s)", names[l]);
    assert_same(fast, slow, what);

    before = w.errors.count;
    fast = observe(&w, before, v8ish_integer_value(w.heap, x), o.empty);
    before = w.errors.count;
    slow = observe(&w, before, v8ish_integer_value_slow(w.heap, x), o.empty);
    snprintf(what, sizeof what, "v8ish_integer_value(%s)", names[l]);
    assert_same(fast, slow, what);

    for (size_t i = 0; i < sizeof indexes / sizeof indexes[0]; i++) {
      before = w.errors.count;
      fast = observe(&w, before, 0, v8ish_array_get(w.heap, x, indexes[i]));
      before = w.errors.count;
      slow = observe(&w, before, 0, v8ish_array_get_slow(w.heap, x, indexes[i]));
      snprintf(what, sizeof what, "v8ish_array_get(%s, %lld)", names[l],
               (long long)indexes[i]);
      assert_same(fast, slow, what);
    }

    /* Escaping it from a fresh inner scope, each way. */
    v8ish_handle_scope inner;
    v8ish_handle_scope_open(w.heap, &inner);
    before = w.errors.count;
    fast = observe(&w, before, 0, v8ish_handle_scope_escape(&inner, x));
    v8ish_handle_scope_close(&inner);
    v8ish_handle_scope_open(w.heap, &inner);
    before = w.errors.count;
    slow = observe(&w, before, 0, v8ish_handle_scope_escape_slow(&inner, x));
    v8ish_handle_scope_close(&inner);
    snprintf(what, sizeof what, "v8ish_handle_scope_escape(%s)", names[l]);
    assert_same(fast, slow, what);
  }
  const intptr_t integers[] = {0, -1, V8ISH_FAST_SMI_MAX, V8ISH_FAST_SMI_MIN,
                               INTPTR_MAX, INTPTR_MIN};
  for (size_t i = 0; i < sizeof integers / sizeof integers[0]; i++) {
    unsigned before = w.errors.count;
    outcome fast = observe(&w, before, 0, v8ish_integer(w.heap, integers[i]));
    before = w.errors.count;
    outcome slow =
        observe(&w, before, 0, v8ish_integer_slow(w.heap, integers[i]));
    snprintf(what, sizeof what, "v8ish_integer(%jd)", (intmax_t)integers[i]);
    assert_same(fast, slow, what);
  }
  /* And the slow path did report them: a dead local is misuse. */
  unsigned before = w.errors.count;
  ck_assert(!v8ish_is_integer(w.heap, o.dead));
  ck_assert_uint_eq(w.errors.count, before + 1);
  ck_assert_int_eq(w.errors.last_code, CCGC_E_DEAD_HANDLE);
  script_world_free(&other);
  script_world_free(&w);
}
END_TEST

/* v8ish_array_set on every pair of operands, each way: the same status,
 * the same reports, the same element after. */
START_TEST(stores_answer_as_the_library_does) {
  script_world w, other;
  script_world_init(&w, 0);
  script_world_init(&other, 0);
  /* Old operands: a full collection promotes the nursery in place. */
  v8ish_local old_fixed = v8ish_fixed_array_new(w.heap, 3);
  v8ish_local old_object = v8ish_object_new(w.heap);
  ck_assert_int_eq(ccgc_collect(w.collector, CCGC_REASON_TESTING), CCGC_OK);
  operands o;
  make_operands(&w, &other, &o);
  const v8ish_local locals[] = {o.integer, o.fixed, old_fixed, o.array,
                                o.object,  old_object, o.empty, o.dead,
                                o.foreign};
  const char *names[] = {"integer", "fixed array", "old fixed array",
                         "Array",   "object",      "old object",
                         "empty",   "dead",        "foreign"};
  const size_t count = sizeof locals / sizeof locals[0];
  const size_t indexes[] = {0, 2, 3};
  char what[96];
  for (size_t a = 0; a < count; a++)
    for (size_t v = 0; v < count; v++)
      for (size_t i = 0; i < sizeof indexes / sizeof indexes[0]; i++) {
        outcome out[2];
        for (int slow = 0; slow < 2; slow++) {
          v8ish_array_set_slow(w.heap, locals[a], indexes[i] % 3, o.empty);
          unsigned before = w.errors.count;
          ccgc_status status =
              slow ? v8ish_array_set_slow(w.heap, locals[a], indexes[i], locals[v])
                   : v8ish_array_set(w.heap, locals[a], indexes[i], locals[v]);
          unsigned reports = w.errors.count - before;
          ccgc_status code = reports ? w.errors.last_code : CCGC_OK;
          out[slow] = observe(&w, w.errors.count, status,
                              v8ish_array_get_slow(w.heap, locals[a], indexes[i] % 3));
          out[slow].reports = reports;
          out[slow].last_code = code;
        }
        snprintf(what, sizeof what, "v8ish_array_set(%s, %zu, %s)", names[a],
                 indexes[i], names[v]);
        assert_same(out[0], out[1], what);
      }
  script_world_free(&other);
  script_world_free(&w);
}
END_TEST

/* An old array given a young value: the inline store declines and the
 * library records the slot, so a minor collection keeps the value (held by
 * nothing else) and updates the element to its new address. */
START_TEST(an_old_holder_of_a_young_value_is_remembered) {
  script_world w;
  script_world_init(&w, 0);
  v8ish_local holder = v8ish_fixed_array_new(w.heap, 1);
  ck_assert_int_eq(ccgc_collect(w.collector, CCGC_REASON_TESTING), CCGC_OK);
  void *before = v8ish_object_address(w.heap, holder);
  for (int round = 0; round < 3; round++) {
    v8ish_handle_scope scope;
    v8ish_handle_scope_open(w.heap, &scope);
    v8ish_local value = v8ish_fixed_array_new(w.heap, 1);
    v8ish_array_set(w.heap, value, 0, v8ish_integer(w.heap, 7 + round));
    ck_assert_int_eq(v8ish_array_set(w.heap, holder, 0, value), CCGC_OK);
    void *young = v8ish_object_address(w.heap, value);
    v8ish_handle_scope_close(&scope);
    ck_assert_int_eq(ccgc_collect_minor(w.collector, CCGC_REASON_TESTING),
                     CCGC_OK);
    v8ish_local kept = v8ish_array_get(w.heap, holder, 0);
    /* Evacuated through the remembered slot: the element follows it. */
    ck_assert_ptr_ne(v8ish_object_address(w.heap, kept), young);
    ck_assert_int_eq(v8ish_integer_value(w.heap, v8ish_array_get(w.heap, kept, 0)),
                     7 + round);
  }
  ck_assert_ptr_eq(v8ish_object_address(w.heap, holder), before); /* old */
  ck_assert_uint_eq(w.errors.count, 0);
  script_world_free(&w);
}
END_TEST

/* v8ish_fixed_array_new, each way, for lengths inline and not. */
START_TEST(allocations_answer_as_the_library_does) {
  script_world w;
  script_world_init(&w, 0);
  const size_t lengths[] = {0, 1, 2, V8ISH_FAST_ARRAY_MAX,
                            V8ISH_FAST_ARRAY_MAX + 1, 100000, (size_t)1 << 40,
                            SIZE_MAX};
  for (size_t l = 0; l < sizeof lengths / sizeof lengths[0]; l++) {
    outcome out[2];
    size_t length[2] = {0, 0}, used[2] = {0, 0}, objects[2] = {0, 0};
    for (int slow = 0; slow < 2; slow++) {
      v8ish_handle_scope scope;
      v8ish_handle_scope_open(w.heap, &scope);
      unsigned before = w.errors.count;
      ccgc_heap_stats stats_before, stats_after;
      v8ish_heap_stats(w.heap, &stats_before);
      v8ish_local array = slow ? v8ish_fixed_array_new_slow(w.heap, lengths[l])
                               : v8ish_fixed_array_new(w.heap, lengths[l]);
      v8ish_heap_stats(w.heap, &stats_after);
      used[slow] = stats_after.used_bytes - stats_before.used_bytes;
      objects[slow] = stats_after.object_count - stats_before.object_count;
      out[slow] = observe(&w, before, 0, array);
      out[slow].held = 0; /* two objects: compare their contents instead */
      const ccgc_error *error = ccgc_collector_last_error(w.collector);
      out[slow].value = error ? error->code : 0;
      ccgc_collector_clear_error(w.collector);
      if (!v8ish_local_is_empty(array)) {
        length[slow] = v8ish_array_length(w.heap, array);
        ck_assert_str_eq(v8ish_type_name(w.heap, array), "FixedArray");
        for (size_t i = 0; i < length[slow] && i < 100; i++)
          ck_assert_int_eq(v8ish_integer_value(w.heap, v8ish_array_get(w.heap, array, i)), 0);
      }
      v8ish_handle_scope_close(&scope);
    }
    char what[64];
    snprintf(what, sizeof what, "v8ish_fixed_array_new(%zu)", lengths[l]);
    assert_same(out[0], out[1], what);
    ck_assert_uint_eq(length[0], length[1]);
    ck_assert_uint_eq(used[0], used[1]);
    ck_assert_uint_eq(objects[0], objects[1]);
  }
  script_world_free(&w);
}
END_TEST

/* The inline allocation clears elements two at a time, an odd-length
 * array's last pair one word past its end: it takes the inline path only
 * with that word in its area too. An odd array that fills the area exactly
 * goes through the library, and nothing past the area is written. */
START_TEST(an_odd_array_filling_its_area_goes_through_the_library) {
  script_world w;
  script_world_init(&w, 0);
  const v8ish_fast_state *area =
      *(v8ish_fast_state *const *)((const char *)w.heap + V8ISH_FAST_AREA_OFFSET);
  for (int round = 0; round < 3; round++) {
    v8ish_handle_scope scope;
    v8ish_handle_scope_open(w.heap, &scope);
    /* A fresh area, then arrays until its room is a 1-element array's 24
     * bytes plus a filling array's. */
    ck_assert(!v8ish_local_is_empty(v8ish_fixed_array_new(w.heap, 2)));
    size_t room = (size_t)(area->lab.limit - area->lab.cursor);
    while (room > 24 + 8 * (2 + V8ISH_FAST_ARRAY_MAX)) {
      v8ish_handle_scope inner;
      v8ish_handle_scope_open(w.heap, &inner);
      ck_assert(!v8ish_local_is_empty(v8ish_fixed_array_new(w.heap, V8ISH_FAST_ARRAY_MAX)));
      v8ish_handle_scope_close(&inner);
      room = (size_t)(area->lab.limit - area->lab.cursor);
    }
    ck_assert_uint_ge(room, 24 + 16);
    ck_assert_uint_eq(room % 8, 0);
    v8ish_fixed_array_new(w.heap, (room - 24) / 8 - 2);
    ck_assert_uint_eq((size_t)(area->lab.limit - area->lab.cursor), 24);
    const uint8_t *limit = area->lab.limit;
    v8ish_local odd = v8ish_fixed_array_new(w.heap, 1);
    ck_assert(!v8ish_local_is_empty(odd));
    ck_assert_int_eq(v8ish_integer_value(w.heap, v8ish_array_get(w.heap, odd, 0)), 0);
    /* The library took the area's last 24 bytes: the cursor is at its limit. */
    ck_assert_ptr_eq(area->lab.cursor, limit);
    v8ish_handle_scope_close(&scope);
    ccgc_test_collect_verified(w.collector);
  }
  ck_assert_uint_eq(w.errors.count, 0);
  script_world_free(&w);
}
END_TEST

/* While a cycle marks, a new object is black (.inv.allocate-black): the
 * inline allocation declines and the library colors it. */
START_TEST(an_allocation_while_marking_is_black) {
  script_world w;
  script_world_init(&w, 0);
  ck_assert_int_eq(ccgc_incremental_start(w.collector, CCGC_REASON_TESTING),
                   CCGC_OK);
  /* The first may refill the area; the rest bump it. */
  for (int i = 0; i < 16; i++) {
    v8ish_local array = v8ish_fixed_array_new(w.heap, 2);
    ck_assert_int_eq(ccgc_color_of(v8ish_object_address(w.heap, array)),
                     CCGC_BLACK);
  }
  ck_assert_int_eq(ccgc_incremental_finish(w.collector), CCGC_OK);
  v8ish_local after = v8ish_fixed_array_new(w.heap, 2);
  ck_assert_int_eq(ccgc_color_of(v8ish_object_address(w.heap, after)),
                   CCGC_WHITE);
  ck_assert_uint_eq(w.errors.count, 0);
  script_world_free(&w);
}
END_TEST

/* While a cycle marks, a store shades a white value (.inv.no-black-to-white):
 * the inline store declines and the library's barrier runs. The holder is
 * new (black: allocated while marking); the value is a list cell no step
 * has reached (white), read through the list. */
START_TEST(a_store_while_marking_shades_the_value) {
  script_world w;
  script_world_init(&w, 0);
  v8ish_global list;
  v8ish_local cell = script_white_cell_while_marking(&w, &list);
  v8ish_local holder = v8ish_fixed_array_new(w.heap, 1);
  ck_assert_int_eq(ccgc_color_of(v8ish_object_address(w.heap, holder)),
                   CCGC_BLACK);
  void *value = v8ish_object_address(w.heap, cell);
  ck_assert_int_eq(ccgc_color_of(value), CCGC_WHITE);
  ck_assert_int_eq(v8ish_array_set(w.heap, holder, 0, cell), CCGC_OK);
  ck_assert_int_ne(ccgc_color_of(value), CCGC_WHITE);
  ck_assert_int_eq(ccgc_incremental_finish(w.collector), CCGC_OK);
  v8ish_global_free(w.heap, list);
  ck_assert_uint_eq(w.errors.count, 0);
  script_world_free(&w);
}
END_TEST

/* Misuse of scopes: each way, the same reports, the same state after. */
START_TEST(scope_misuse_is_reported_by_both_paths) {
  script_world w;
  script_world_init(&w, 0);
  for (int slow = 0; slow < 2; slow++) {
    unsigned before = w.errors.count;
    v8ish_handle_scope outer, inner;
    v8ish_handle_scope_open(w.heap, &outer);
    v8ish_handle_scope_open(w.heap, &inner);
    /* Closing the outer scope while the inner is open: not innermost. */
    if (slow)
      v8ish_handle_scope_close_slow(&outer);
    else
      v8ish_handle_scope_close(&outer);
    ck_assert_uint_eq(w.errors.count, before + 1);
    ck_assert_int_eq(w.errors.last_code, CCGC_E_DEAD_HANDLE);
    v8ish_local one = v8ish_integer(w.heap, 1);
    /* Escaping twice: the second is misuse. */
    v8ish_local first = slow ? v8ish_handle_scope_escape_slow(&inner, one)
                             : v8ish_handle_scope_escape(&inner, one);
    ck_assert(!v8ish_local_is_empty(first));
    v8ish_local second = slow ? v8ish_handle_scope_escape_slow(&inner, one)
                              : v8ish_handle_scope_escape(&inner, one);
    ck_assert(v8ish_local_is_empty(second));
    ck_assert_uint_eq(w.errors.count, before + 2);
    ck_assert_int_eq(w.errors.last_code, CCGC_E_INVALID_ARGUMENT);
    if (slow)
      v8ish_handle_scope_close_slow(&inner);
    else
      v8ish_handle_scope_close(&inner);
    /* The escaped value lives in outer; closing inner twice is misuse. */
    ck_assert_int_eq(v8ish_integer_value(w.heap, first), 1);
    v8ish_handle_scope_close(&inner);
    ck_assert_uint_eq(w.errors.count, before + 3);
    ck_assert_int_eq(w.errors.last_code, CCGC_E_DEAD_HANDLE);
    v8ish_handle_scope_close(&outer);
    ck_assert_uint_eq(w.errors.count, before + 3);
    /* outer's local is dead now, and the world's scope is innermost. */
    ck_assert(!v8ish_is_integer(w.heap, first));
    ck_assert_uint_eq(w.errors.count, before + 4);
    /* Escaping from the outermost scope (the world's) is misuse too. */
    v8ish_handle_scope_close(&w.scope);
    v8ish_handle_scope top;
    v8ish_handle_scope_open(w.heap, &top);
    v8ish_local two = v8ish_integer(w.heap, 2);
    ck_assert(v8ish_local_is_empty(slow ? v8ish_handle_scope_escape_slow(&top, two)
                                        : v8ish_handle_scope_escape(&top, two)));
    ck_assert_uint_eq(w.errors.count, before + 5);
    v8ish_handle_scope_close(&top);
    /* No scope open: a new local is misuse, each way. */
    ck_assert(v8ish_local_is_empty(slow ? v8ish_integer_slow(w.heap, 3)
                                        : v8ish_integer(w.heap, 3)));
    ck_assert_uint_eq(w.errors.count, before + 6);
    v8ish_handle_scope_open(w.heap, &w.scope);
  }
  script_world_free(&w);
}
END_TEST

/* A full area: the inline open and the inline local decline, the library
 * grows the area; every local stays readable. */
START_TEST(a_full_area_grows_through_the_library) {
  script_world w;
  script_world_init(&w, 0);
  enum { N = 5000 };
  static v8ish_local locals[N];
  v8ish_handle_scope scopes[64];
  for (int i = 0; i < N; i++) {
    if (i % 100 == 0 && i / 100 < 64) v8ish_handle_scope_open(w.heap, &scopes[i / 100]);
    locals[i] = v8ish_integer(w.heap, i);
  }
  for (int i = 0; i < N; i++)
    ck_assert_int_eq(v8ish_integer_value(w.heap, locals[i]), i);
  for (int s = 49; s >= 0; s--) v8ish_handle_scope_close(&scopes[s]);
  ck_assert_uint_eq(w.errors.count, 0);
  ck_assert(!v8ish_is_integer(w.heap, locals[0])); /* dead: reported */
  ck_assert_uint_eq(w.errors.count, 1);
  script_world_free(&w);
}
END_TEST

/* A NULL heap: the fast path declines, the library answers neutrally and
 * reports nothing (there is no collector to report to). */
START_TEST(a_null_heap_is_declined) {
  v8ish_handle_scope scope;
  v8ish_handle_scope_open(NULL, &scope);
  ck_assert_ptr_null(scope.heap);
  v8ish_handle_scope_close(&scope);
  ck_assert(!v8ish_is_integer(NULL, v8ish_local_empty()));
  ck_assert(v8ish_local_is_empty(v8ish_integer(NULL, 1)));
  ck_assert_int_eq(v8ish_integer_value(NULL, v8ish_local_empty()), 0);
  ck_assert(v8ish_local_is_empty(v8ish_array_get(NULL, v8ish_local_empty(), 0)));
}
END_TEST

/* A host compiled against another version's inline calls gets no heap:
 * its inline code would misread it. */
START_TEST(a_host_of_another_layout_is_refused) {
  ccgc_collector *collector = ccgc_collector_new(NULL);
  ccgc_test_errors errors = {0};
  ccgc_test_capture_errors(collector, &errors);
  ck_assert_ptr_null(
      v8ish_heap_new_layout(collector, NULL, V8ISH_FAST_LAYOUT + 1));
  ck_assert_uint_eq(errors.count, 1);
  ck_assert_int_eq(errors.last_code, CCGC_E_INVALID_ARGUMENT);
  ck_assert_ptr_nonnull(strstr(errors.last_message, "rebuild"));
  v8ish_heap *heap = v8ish_heap_new(collector, NULL); /* this header's */
  ck_assert_ptr_nonnull(heap);
  ck_assert_uint_eq(errors.count, 1);
  v8ish_heap_free(heap);
  ccgc_collector_free(collector);
}
END_TEST

static Suite *fast_paths_suite(void) {
  Suite *s = suite_create("v8ish fast paths");
  TCase *t = tcase_create("core");
  tcase_add_test(t, the_inline_calls_answer_as_the_library_does);
  tcase_add_test(t, stores_answer_as_the_library_does);
  tcase_add_test(t, an_old_holder_of_a_young_value_is_remembered);
  tcase_add_test(t, allocations_answer_as_the_library_does);
  tcase_add_test(t, an_odd_array_filling_its_area_goes_through_the_library);
  tcase_add_test(t, an_allocation_while_marking_is_black);
  tcase_add_test(t, a_store_while_marking_shades_the_value);
  tcase_add_test(t, scope_misuse_is_reported_by_both_paths);
  tcase_add_test(t, a_full_area_grows_through_the_library);
  tcase_add_test(t, a_null_heap_is_declined);
  tcase_add_test(t, a_host_of_another_layout_is_refused);
  suite_add_tcase(s, t);
  return s;
}

int main(void) {
  SRunner *runner = srunner_create(fast_paths_suite());
  srunner_run_all(runner, CK_NORMAL);
  int failed = srunner_ntests_failed(runner);
  srunner_free(runner);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
