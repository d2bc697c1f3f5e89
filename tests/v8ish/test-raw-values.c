/* test-raw-values.c - raw values (v8ish.h, "Raw values"; raw-values.c):
 * tagged values read without handles, valid until the heap's next
 * collection or left trim (.inv.raw-epoch, .api.raw-values).
 *
 * - A walk through raw values reads what the handle calls read: elements of
 *   FixedArrays and Arrays, lengths, the empty raw value past the end, and
 *   back to a local that names the same object.
 * - A minor collection, a full collection and a left trim each make every
 *   raw value read before it stale: each use is reported
 *   (CCGC_E_DEAD_HANDLE) and answers the empty raw value, never the moved
 *   or freed memory; a raw value read afterwards works.
 * - Another heap's raw value, the empty raw value, a dead local and values
 *   of the wrong kind are reported; an integer's bits stay readable.
 * - From a collector callback every raw call is refused
 *   (CCGC_E_IN_COLLECTION).
 */
#include <check.h>
#include <glib.h>

#include "script-test.h"

static unsigned reports(script_world *w) { return w->errors.count; }

/* [0, 1, [2, [3]], Array(7, 8)] */
static v8ish_local make_graph(script_world *w) {
  v8ish_heap *h = w->heap;
  v8ish_local root = v8ish_fixed_array_new(h, 4);
  v8ish_local inner = v8ish_fixed_array_new(h, 2);
  v8ish_local leaf = v8ish_fixed_array_new(h, 1);
  v8ish_local grow = v8ish_array_new(h);
  v8ish_array_set(h, leaf, 0, script_int(w, 3));
  v8ish_array_set(h, inner, 0, script_int(w, 2));
  v8ish_array_set(h, inner, 1, leaf);
  v8ish_array_set(h, root, 0, script_int(w, 0));
  v8ish_array_set(h, root, 1, script_int(w, 1));
  v8ish_array_set(h, root, 2, inner);
  v8ish_array_push(h, grow, script_int(w, 7));
  v8ish_array_push(h, grow, script_int(w, 8));
  v8ish_array_set(h, root, 3, grow);
  return root;
}

/* The sum of the integers reachable from a raw value (arrays walked). */
static intptr_t raw_sum(v8ish_heap *h, v8ish_raw value) {
  if (v8ish_raw_is_integer(value)) return v8ish_raw_integer_value(h, value);
  intptr_t sum = 0;
  size_t length = v8ish_raw_array_length(h, value);
  for (size_t i = 0; i < length; i++)
    sum += raw_sum(h, v8ish_raw_array_get(h, value, i));
  return sum;
}

START_TEST(a_raw_walk_reads_what_the_handles_read) {
  script_world w;
  script_world_init(&w, 0);
  v8ish_heap *h = w.heap;
  v8ish_local root = make_graph(&w);
  v8ish_raw raw = v8ish_raw_of(h, root);
  ck_assert(!v8ish_raw_is_empty(raw));
  ck_assert(!v8ish_raw_is_integer(raw));
  ck_assert_uint_eq(raw.value, v8ish_local_value(h, root));
  ck_assert_int_eq(raw_sum(h, raw), 0 + 1 + 2 + 3 + 7 + 8);
  ck_assert_uint_eq(v8ish_raw_array_length(h, raw), 4);
  /* Element by element, as v8ish_array_get reads them. */
  for (size_t i = 0; i < 4; i++) {
    v8ish_raw element = v8ish_raw_array_get(h, raw, i);
    ck_assert_uint_eq(element.value,
                      v8ish_local_value(h, v8ish_array_get(h, root, i)));
  }
  /* An Array (growable) through its store. */
  v8ish_raw grow = v8ish_raw_array_get(h, raw, 3);
  ck_assert_uint_eq(v8ish_raw_array_length(h, grow), 2);
  ck_assert_int_eq(v8ish_raw_integer_value(h, v8ish_raw_array_get(h, grow, 1)),
                   8);
  /* Past the end: the empty raw value, as v8ish_array_get's empty local. */
  ck_assert(v8ish_raw_is_empty(v8ish_raw_array_get(h, raw, 4)));
  ck_assert(v8ish_raw_is_empty(v8ish_raw_array_get(h, grow, 2)));
  ck_assert(!v8ish_raw_is_integer(v8ish_raw_array_get(h, raw, 4)));
  /* Back to a local that names the same object. */
  v8ish_local inner = v8ish_raw_to_local(h, v8ish_raw_array_get(h, raw, 2));
  ck_assert(v8ish_same(h, inner, v8ish_array_get(h, root, 2)));
  ck_assert_int_eq(v8ish_type_of(h, inner), V8ISH_TYPE_FIXED_ARRAY);
  /* The empty local is the empty raw value. */
  ck_assert(v8ish_raw_is_empty(v8ish_raw_of(h, v8ish_local_empty())));
  ck_assert_uint_eq(reports(&w), 0);
  script_world_free(&w);
}
END_TEST

/* Every use of a stale raw value is reported once and reads nothing. */
static void assert_stale(script_world *w, v8ish_raw raw) {
  v8ish_heap *h = w->heap;
  unsigned before = reports(w);
  ck_assert(v8ish_raw_is_empty(v8ish_raw_array_get(h, raw, 0)));
  script_assert_error(w, CCGC_E_DEAD_HANDLE,
                      "v8ish_raw_array_get: a raw value read before");
  ck_assert_uint_eq(v8ish_raw_array_length(h, raw), 0);
  script_assert_error(w, CCGC_E_DEAD_HANDLE, "v8ish_raw_array_length");
  ck_assert(v8ish_local_is_empty(v8ish_raw_to_local(h, raw)));
  script_assert_error(w, CCGC_E_DEAD_HANDLE, "v8ish_raw_to_local");
  ck_assert_str_eq(ccgc_collector_last_error(w->collector)->check,
                   ".api.raw-values");
  ck_assert_uint_eq(reports(w), before + 3);
}

START_TEST(a_minor_collection_makes_raw_values_stale) {
  script_world w;
  script_world_init(&w, 0);
  v8ish_heap *h = w.heap;
  v8ish_local root = make_graph(&w);
  v8ish_raw before = v8ish_raw_of(h, root);
  void *address = v8ish_object_address(h, root);
  ck_assert_int_eq(ccgc_collect_minor(w.collector, CCGC_REASON_TESTING),
                   CCGC_OK);
  /* The root moved: the raw value names its old place. */
  ck_assert_ptr_ne(v8ish_object_address(h, root), address);
  assert_stale(&w, before);
  /* Read again, it works. */
  ck_assert_int_eq(raw_sum(h, v8ish_raw_of(h, root)), 21);
  script_world_free(&w);
}
END_TEST

START_TEST(a_full_collection_makes_raw_values_stale) {
  script_world w;
  script_world_init(&w, 0);
  v8ish_heap *h = w.heap;
  v8ish_local root = make_graph(&w);
  v8ish_raw before = v8ish_raw_of(h, root);
  ck_assert_int_eq(ccgc_collect(w.collector, CCGC_REASON_TESTING), CCGC_OK);
  assert_stale(&w, before);
  ck_assert_int_eq(raw_sum(h, v8ish_raw_of(h, root)), 21);
  /* Raw values read while a cycle marks stay valid until its pause. */
  ck_assert_int_eq(ccgc_incremental_start(w.collector, CCGC_REASON_TESTING),
                   CCGC_OK);
  v8ish_raw marking = v8ish_raw_of(h, root);
  ck_assert_int_eq(raw_sum(h, marking), 21);
  ck_assert_uint_eq(reports(&w), 3);
  ck_assert_int_eq(ccgc_collect(w.collector, CCGC_REASON_TESTING), CCGC_OK);
  assert_stale(&w, marking);
  script_world_free(&w);
}
END_TEST

START_TEST(a_left_trim_makes_raw_values_stale) {
  script_world w;
  script_world_init(&w, 0);
  v8ish_heap *h = w.heap;
  v8ish_local root = make_graph(&w);
  v8ish_raw before = v8ish_raw_of(h, root);
  ck_assert_int_eq(v8ish_array_left_trim(h, root, 1), CCGC_OK);
  /* The start moved by a word: the old start is filler now. */
  assert_stale(&w, before);
  v8ish_raw after = v8ish_raw_of(h, root);
  ck_assert_uint_eq(v8ish_raw_array_length(h, after), 3);
  ck_assert_int_eq(raw_sum(h, after), 21);
  script_world_free(&w);
}
END_TEST

START_TEST(misuse_is_reported_and_reads_nothing) {
  script_world w, other;
  script_world_init(&w, 0);
  script_world_init(&other, 0);
  v8ish_heap *h = w.heap;
  /* Another heap's raw value. */
  v8ish_raw foreign = v8ish_raw_of(other.heap, make_graph(&other));
  ck_assert(!v8ish_raw_is_empty(foreign));
  assert_stale(&w, foreign);
  /* The empty raw value. */
  ck_assert(v8ish_raw_is_empty(v8ish_raw_array_get(h, v8ish_raw_empty(), 0)));
  script_assert_error(&w, CCGC_E_DEAD_HANDLE, "the empty raw value");
  ck_assert_int_eq(v8ish_raw_integer_value(h, v8ish_raw_empty()), 0);
  script_assert_error(&w, CCGC_E_DEAD_HANDLE,
                      "v8ish_raw_integer_value: the empty raw value");
  /* A dead local. */
  v8ish_handle_scope inner;
  v8ish_handle_scope_open(h, &inner);
  v8ish_local dead = v8ish_fixed_array_new(h, 1);
  v8ish_handle_scope_close(&inner);
  unsigned before = reports(&w);
  ck_assert(v8ish_raw_is_empty(v8ish_raw_of(h, dead)));
  ck_assert_uint_eq(reports(&w), before + 1);
  ck_assert_int_eq(w.errors.last_code, CCGC_E_DEAD_HANDLE);
  /* The wrong kinds. */
  v8ish_raw integer = v8ish_raw_of(h, script_int(&w, 5));
  ck_assert(v8ish_raw_is_empty(v8ish_raw_array_get(h, integer, 0)));
  script_assert_error(&w, CCGC_E_WRONG_TYPE,
                      "v8ish_raw_array_get: expected an Array or a "
                      "FixedArray, got an integer");
  v8ish_raw object = v8ish_raw_of(h, v8ish_object_new(h));
  ck_assert_uint_eq(v8ish_raw_array_length(h, object), 0);
  script_assert_error(&w, CCGC_E_WRONG_TYPE, "got an Object");
  ck_assert_int_eq(v8ish_raw_integer_value(h, object), 0);
  script_assert_error(&w, CCGC_E_WRONG_TYPE,
                      "v8ish_raw_integer_value: expected an integer, got an "
                      "Object");
  /* An integer's bits stay readable after a collection: nothing to free. */
  ccgc_collect_minor(w.collector, CCGC_REASON_TESTING);
  before = reports(&w);
  ck_assert(v8ish_raw_is_integer(integer));
  ck_assert_int_eq(v8ish_raw_integer_value(h, integer), 5);
  ck_assert_uint_eq(reports(&w), before);
  /* A stale reference is named as one, not decoded. */
  ck_assert_int_eq(v8ish_raw_integer_value(h, object), 0);
  script_assert_error(&w, CCGC_E_WRONG_TYPE, "from an earlier epoch");
  script_world_free(&other);
  script_world_free(&w);
}
END_TEST

/* A large array's left trim copies it (a large object keeps its page's
 * start): raw values of the old copy are stale too. */
START_TEST(a_large_arrays_left_trim_makes_raw_values_stale) {
  script_world w;
  script_world_init(&w, 0);
  v8ish_heap *h = w.heap;
  v8ish_local big = v8ish_fixed_array_new(h, 200000);
  ck_assert(!v8ish_local_is_empty(big));
  v8ish_array_set(h, big, 199999, script_int(&w, 9));
  v8ish_raw before = v8ish_raw_of(h, big);
  ck_assert_int_eq(v8ish_array_left_trim(h, big, 10), CCGC_OK);
  assert_stale(&w, before);
  v8ish_raw after = v8ish_raw_of(h, big);
  ck_assert_uint_eq(v8ish_raw_array_length(h, after), 199990);
  ck_assert_int_eq(v8ish_raw_integer_value(h, v8ish_raw_array_get(h, after, 199989)), 9);
  script_world_free(&w);
}
END_TEST

/* Heaps made after the host seeded GLib's generator alike still start
 * their epochs (and handle serials) apart: the kernel's bits, not GLib's
 * (found by a review, 2026-12-07: the second heap took the first's raw
 * values for its own). */
START_TEST(a_hosts_seed_does_not_make_two_heaps_alike) {
  script_world a, b;
  g_random_set_seed(42);
  script_world_init(&a, 0);
  g_random_set_seed(42);
  script_world_init(&b, 0);
  v8ish_local fixed = v8ish_fixed_array_new(a.heap, 4);
  v8ish_raw raw = v8ish_raw_of(a.heap, fixed);
  ck_assert_uint_ne(raw.epoch, v8ish_raw_of(b.heap, v8ish_fixed_array_new(b.heap, 1)).epoch);
  assert_stale(&b, raw);
  /* A local of a is refused by b as well. */
  unsigned before = b.errors.count;
  ck_assert_uint_eq(v8ish_local_value(b.heap, fixed), 0);
  ck_assert_uint_eq(b.errors.count, before + 1);
  ck_assert_int_eq(b.errors.last_code, CCGC_E_DEAD_HANDLE);
  script_world_free(&b);
  script_world_free(&a);
}
END_TEST

/* The inline calls answer as the library's slow calls do, on every kind of
 * operand (as tests/v8ish/test-fast-paths.c does for the handle calls):
 * same value, same reports. */
START_TEST(the_inline_raw_calls_answer_as_the_library_does) {
  script_world w, other;
  script_world_init(&w, 0);
  script_world_init(&other, 0);
  v8ish_heap *h = w.heap;
  v8ish_local fixed = v8ish_fixed_array_new(h, 3);
  v8ish_array_set(h, fixed, 1, fixed);
  v8ish_local array = v8ish_array_new(h);
  v8ish_array_push(h, array, script_int(&w, 4));
  v8ish_raw stale = v8ish_raw_of(h, v8ish_fixed_array_new(h, 1));
  v8ish_array_left_trim(h, v8ish_fixed_array_new(h, 2), 1); /* stale now */
  const v8ish_raw operands[] = {
      v8ish_raw_of(h, fixed), v8ish_raw_of(h, array),
      v8ish_raw_of(h, v8ish_object_new(h)), v8ish_raw_of(h, script_int(&w, 7)),
      v8ish_raw_empty(), stale,
      v8ish_raw_of(other.heap, v8ish_fixed_array_new(other.heap, 2))};
  for (size_t o = 0; o < sizeof operands / sizeof operands[0]; o++) {
    v8ish_raw raw = operands[o];
    for (size_t i = 0; i < 4; i++) {
      unsigned before = w.errors.count;
      v8ish_raw fast = v8ish_raw_array_get(h, raw, i);
      unsigned fast_reports = w.errors.count - before;
      ccgc_status fast_code = fast_reports ? w.errors.last_code : CCGC_OK;
      before = w.errors.count;
      v8ish_raw slow = v8ish_raw_array_get_slow(h, raw.value, raw.epoch, i);
      unsigned slow_reports = w.errors.count - before;
      ccgc_status slow_code = slow_reports ? w.errors.last_code : CCGC_OK;
      ck_assert_msg(fast.value == slow.value && fast.epoch == slow.epoch &&
                        fast_reports == slow_reports && fast_code == slow_code,
                    "operand %zu, index %zu: inline %#lx/%d reports (%d), library "
                    "%#lx/%d reports (%d)",
                    o, i, (unsigned long)fast.value, fast_reports, fast_code,
                    (unsigned long)slow.value, slow_reports, slow_code);
    }
    unsigned before = w.errors.count;
    v8ish_local fast = v8ish_raw_to_local(h, raw);
    unsigned fast_reports = w.errors.count - before;
    before = w.errors.count;
    v8ish_local slow = v8ish_raw_to_local_slow(h, raw.value, raw.epoch);
    ck_assert_uint_eq(fast_reports, w.errors.count - before);
    ck_assert_int_eq(v8ish_local_is_empty(fast), v8ish_local_is_empty(slow));
    if (!v8ish_local_is_empty(fast)) ck_assert(v8ish_same(h, fast, slow));
    before = w.errors.count;
    intptr_t fast_int = v8ish_raw_integer_value(h, raw);
    fast_reports = w.errors.count - before;
    before = w.errors.count;
    intptr_t slow_int = v8ish_raw_integer_value_slow(h, raw.value, raw.epoch);
    /* The inline call answers an integer's own bits without the library. */
    if (!v8ish_raw_is_integer(raw)) ck_assert_uint_eq(fast_reports, w.errors.count - before);
    ck_assert_int_eq(fast_int, slow_int);
  }
  script_world_free(&other);
  script_world_free(&w);
}
END_TEST

typedef struct in_walk {
  script_world *w;
  v8ish_local root;
  v8ish_raw raw;
  bool asked;
  unsigned reports;
  ccgc_status codes[3];
} in_walk;

static void walk_object(const ccgc_object_info *info, void *data) {
  (void)info;
  in_walk *walk = data;
  if (walk->asked) return;
  walk->asked = true;
  v8ish_heap *h = walk->w->heap;
  unsigned before = walk->w->errors.count;
  ck_assert(v8ish_raw_is_empty(v8ish_raw_of(h, walk->root)));
  walk->codes[0] = walk->w->errors.last_code;
  ck_assert(v8ish_raw_is_empty(v8ish_raw_array_get(h, walk->raw, 0)));
  walk->codes[1] = walk->w->errors.last_code;
  ck_assert(v8ish_local_is_empty(v8ish_raw_to_local(h, walk->raw)));
  walk->codes[2] = walk->w->errors.last_code;
  walk->reports = walk->w->errors.count - before;
}

START_TEST(raw_calls_are_refused_in_collector_callbacks) {
  script_world w;
  script_world_init(&w, 0);
  in_walk walk = {.w = &w, .root = make_graph(&w)};
  walk.raw = v8ish_raw_of(w.heap, walk.root);
  ccgc_walk_callbacks callbacks = {walk_object, NULL, &walk};
  ck_assert_int_eq(ccgc_collector_walk(w.collector, &callbacks), CCGC_OK);
  ck_assert(walk.asked);
  ck_assert_uint_eq(walk.reports, 3);
  for (int i = 0; i < 3; i++)
    ck_assert_int_eq(walk.codes[i], CCGC_E_IN_COLLECTION);
  ck_assert_msg(strstr(w.errors.last_message, "outside collector callbacks"),
                "%s", w.errors.last_message);
  /* Back in host code the raw value still works. */
  ck_assert_int_eq(raw_sum(w.heap, walk.raw), 21);
  script_world_free(&w);
}
END_TEST

int main(void) {
  Suite *s = suite_create("raw-values");
  TCase *t = tcase_create("raw-values");
  tcase_add_test(t, a_raw_walk_reads_what_the_handles_read);
  tcase_add_test(t, a_minor_collection_makes_raw_values_stale);
  tcase_add_test(t, a_full_collection_makes_raw_values_stale);
  tcase_add_test(t, a_left_trim_makes_raw_values_stale);
  tcase_add_test(t, misuse_is_reported_and_reads_nothing);
  tcase_add_test(t, a_large_arrays_left_trim_makes_raw_values_stale);
  tcase_add_test(t, a_hosts_seed_does_not_make_two_heaps_alike);
  tcase_add_test(t, the_inline_raw_calls_answer_as_the_library_does);
  tcase_add_test(t, raw_calls_are_refused_in_collector_callbacks);
  suite_add_tcase(s, t);
  return ccgc_test_run(s);
}
