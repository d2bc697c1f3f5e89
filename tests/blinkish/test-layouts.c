/* test-layouts.c - declared members (blinkish_type_declare_members,
 * blinkish/layouts.c): the mark loop traces them itself; the type's trace
 * callback reports the rest; tools see them named; the testing switch that
 * breaks descriptors loses the first member's target (so the marker used
 * the descriptor); declarations and allocations that would let the marker
 * read past an object are refused. */
#include <stddef.h>

#include "ccgc-inspect.h"
#include "ccgc-testing.h"
#include "dom-test.h"

typedef struct holder {
  void *a;
  long number; /* not a member: never followed */
  void *b;
  void *extra; /* reported by the trace callback */
} holder;

static const blinkish_member_info holder_members[] = {
    BLINKISH_MEMBER(holder, a), BLINKISH_MEMBER(holder, b)};

static void trace_holder_extra(ccgc_visitor *visitor, void *object) {
  holder *self = object;
  blinkish_trace_member(visitor, &self->extra, "extra");
}

static blinkish_type_id holder_type(dom_world *w, bool with_trace) {
  blinkish_type_info info = {"Holder", with_trace ? trace_holder_extra : NULL,
                             NULL, 0};
  blinkish_type_id type = blinkish_register_type(w->heap, &info);
  ck_assert_uint_ne(type, 0);
  ck_assert_int_eq(blinkish_type_declare_members(w->heap, type, holder_members, 2),
                   CCGC_OK);
  return type;
}

/* A weak persistent: NULL once its object died. */
static blinkish_persistent *watch(dom_world *w, void *object) {
  return blinkish_persistent_new(w->heap, object, true);
}

typedef struct graph {
  holder *h;
  blinkish_persistent *root, *watched[3];
} graph;

static void build(dom_world *w, graph *g, blinkish_type_id type) {
  g->h = blinkish_alloc(w->heap, type, sizeof(holder));
  ck_assert_ptr_nonnull(g->h);
  /* An odd "number" that would crash the marker if followed. */
  g->h->number = 0x3ff0000000000001;
  void **slots[] = {&g->h->a, &g->h->b, &g->h->extra};
  for (int i = 0; i < 3; i++) {
    dom_node *leaf = dom_new_node(w, i);
    ck_assert_int_eq(blinkish_member_set(w->heap, g->h, slots[i], leaf), CCGC_OK);
    g->watched[i] = watch(w, leaf);
  }
  g->root = blinkish_persistent_new(w->heap, g->h, false);
}

static void drop(dom_world *w, graph *g) {
  blinkish_persistent_free(w->heap, g->root);
  for (int i = 0; i < 3; i++) blinkish_persistent_free(w->heap, g->watched[i]);
}

START_TEST(members_and_the_callback_keep_their_targets) {
  dom_world w;
  dom_world_init(&w, 0);
  graph g;
  build(&w, &g, holder_type(&w, true));
  for (int round = 0; round < 3; round++) {
    ccgc_collect(w.collector, CCGC_REASON_TESTING);
    for (int i = 0; i < 3; i++)
      ck_assert_msg(blinkish_persistent_get(g.watched[i]), "round %d: %d died", round, i);
  }
  /* Skipped descriptors: the callback path reports the members too. */
  ccgc_collector_skip_layouts(w.collector, true);
  ccgc_collect(w.collector, CCGC_REASON_TESTING);
  for (int i = 0; i < 3; i++) ck_assert(blinkish_persistent_get(g.watched[i]));
  ccgc_collector_skip_layouts(w.collector, false);
  ck_assert_uint_eq(dom_finalized, 0);
  ck_assert_uint_eq(w.errors.count, 0);
  drop(&w, &g);
  dom_world_free(&w);
}
END_TEST

/* The switch drops each descriptor's first plain-address word: a, whose
 * target dies; b and the callback's extra survive. */
START_TEST(broken_descriptors_lose_the_first_member) {
  dom_world w;
  dom_world_init(&w, 0);
  blinkish_heap_free(w.heap);
  ccgc_collector_free(w.collector);
  ccgc_collector_options options = {.verify = false}; /* it would see it */
  w.collector = ccgc_collector_new(&options);
  w.heap = blinkish_heap_new(w.collector, NULL);
  blinkish_type_info info = {"Node", dom_trace_node, dom_finalize_node, 0};
  w.node_type = blinkish_register_type(w.heap, &info);
  graph g;
  build(&w, &g, holder_type(&w, true));
  ccgc_collector_break_layouts(w.collector, true);
  ccgc_collect(w.collector, CCGC_REASON_TESTING);
  ccgc_collector_break_layouts(w.collector, false);
  ck_assert_ptr_null(blinkish_persistent_get(g.watched[0]));
  ck_assert_ptr_nonnull(blinkish_persistent_get(g.watched[1]));
  ck_assert_ptr_nonnull(blinkish_persistent_get(g.watched[2]));
  drop(&w, &g);
  dom_world_free(&w);
}
END_TEST

typedef struct edges {
  void *from;
  int a, b, extra, other;
} edges;

static void on_object(const ccgc_object_info *info, void *data) {
  (void)info, (void)data;
}

static void on_edge(void *from, void *to, ccgc_edge edge, void *data) {
  edges *e = data;
  (void)to;
  if (from != e->from) return;
  if (edge.name && !strcmp(edge.name, "a")) e->a++;
  else if (edge.name && !strcmp(edge.name, "b")) e->b++;
  else if (edge.name && !strcmp(edge.name, "extra")) e->extra++;
  else e->other++;
}

START_TEST(tools_see_the_members_named) {
  dom_world w;
  dom_world_init(&w, 0);
  graph g;
  build(&w, &g, holder_type(&w, true));
  edges e = {.from = g.h};
  ccgc_walk_callbacks callbacks = {on_object, on_edge, &e};
  ck_assert_int_eq(ccgc_collector_walk(w.collector, &callbacks), CCGC_OK);
  ck_assert_int_eq(e.a, 1);
  ck_assert_int_eq(e.b, 1);
  ck_assert_int_eq(e.extra, 1);
  ck_assert_int_eq(e.other, 0);
  drop(&w, &g);
  dom_world_free(&w);
}
END_TEST

START_TEST(bad_declarations_are_refused) {
  dom_world w;
  dom_world_init(&w, 0);
  blinkish_type_info info = {"Plain", NULL, NULL, 0};
  blinkish_type_id type = blinkish_register_type(w.heap, &info);
  blinkish_member_info odd[] = {{4, "odd"}};
  blinkish_member_info far[] = {{BLINKISH_MEMBER_MAX * 8, "far"}};
  blinkish_member_info twice[] = {{8, "x"}, {8, "y"}};
  blinkish_member_info many[BLINKISH_MEMBER_MAX + 1];
  for (int i = 0; i <= BLINKISH_MEMBER_MAX; i++) many[i] = (blinkish_member_info){0, NULL};
  struct {
    blinkish_type_id type;
    const blinkish_member_info *members;
    size_t count;
    const char *text;
  } cases[] = {
      {999, holder_members, 2, "unknown type"},
      {blinkish_type_by_name(w.heap, "HeapVector"), holder_members, 2,
       "the heap's own type"},
      {type, NULL, 2, "members"},
      {type, holder_members, 0, "members"},
      {type, many, BLINKISH_MEMBER_MAX + 1, "members"},
      {type, odd, 1, "not a multiple of 8"},
      {type, far, 1, "not a multiple of 8 below"},
      {type, twice, 2, "two members at offset 8"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    ck_assert_int_eq(blinkish_type_declare_members(w.heap, cases[i].type,
                                                   cases[i].members, cases[i].count),
                     CCGC_E_INVALID_ARGUMENT);
    dom_assert_error(&w, CCGC_E_INVALID_ARGUMENT, cases[i].text);
  }
  /* Nothing was declared by the refusals: a good one still goes in, once. */
  ck_assert_int_eq(blinkish_type_declare_members(w.heap, type, holder_members, 2),
                   CCGC_OK);
  ck_assert_int_eq(blinkish_type_declare_members(w.heap, type, holder_members, 2),
                   CCGC_E_INVALID_ARGUMENT);
  dom_assert_error(&w, CCGC_E_INVALID_ARGUMENT, "declared its members already");
  /* Objects too small for the members are refused; big enough ones go. */
  ck_assert_ptr_null(blinkish_alloc(w.heap, type, offsetof(holder, b)));
  dom_assert_error(&w, CCGC_E_INVALID_ARGUMENT, "do not hold its declared members");
  ck_assert_ptr_nonnull(blinkish_alloc(w.heap, type, offsetof(holder, b) + 8));
  /* After an allocation a type's members are fixed. */
  blinkish_type_info later_info = {"Later", NULL, NULL, 0};
  blinkish_type_id later = blinkish_register_type(w.heap, &later_info);
  ck_assert_ptr_nonnull(blinkish_alloc(w.heap, later, 8));
  ck_assert_int_eq(blinkish_type_declare_members(w.heap, later, holder_members, 1),
                   CCGC_E_INVALID_ARGUMENT);
  dom_assert_error(&w, CCGC_E_INVALID_ARGUMENT, "has objects already");
  dom_world_free(&w);
}
END_TEST

/* Members in a deep chain of wrappable-free holders, collected while
 * objects are under construction (two-phase allocation): the construction
 * bit sends such an object to the callback path, which defers it. */
START_TEST(objects_under_construction_take_the_callback) {
  dom_world w;
  dom_world_init(&w, 0);
  blinkish_type_id type = holder_type(&w, false);
  holder *h = blinkish_alloc_begin(w.heap, type, sizeof(holder));
  ck_assert_ptr_nonnull(h);
  blinkish_persistent *root = blinkish_persistent_new(w.heap, h, false);
  dom_node *leaf = dom_new_node(&w, 7);
  ck_assert_int_eq(blinkish_member_set(w.heap, h, &h->a, leaf), CCGC_OK);
  blinkish_persistent *watched = watch(&w, leaf);
  ccgc_collect(w.collector, CCGC_REASON_TESTING);
  ck_assert_ptr_nonnull(blinkish_persistent_get(watched));
  blinkish_alloc_commit(w.heap, h);
  ccgc_collect(w.collector, CCGC_REASON_TESTING);
  ck_assert_ptr_nonnull(blinkish_persistent_get(watched));
  ck_assert_uint_eq(w.errors.count, 0);
  blinkish_persistent_free(w.heap, root);
  blinkish_persistent_free(w.heap, watched);
  dom_world_free(&w);
}
END_TEST

/* A wrappable hook the host set itself (no bridge) is called for every
 * wrappable object, slot set or not, as trace_object calls it: here it
 * reports a side object that nothing else references. The type has a
 * descriptor (no callback, no members), so the mark loop's path must call
 * the hook too. */
static void *side_object;

static void host_hook(ccgc_visitor *visitor, void *object, void *slot_value,
                      void *data) {
  (void)object, (void)slot_value, (void)data;
  blinkish_trace(visitor, side_object, "side");
}

START_TEST(a_host_hook_runs_for_empty_slots) {
  dom_world w;
  dom_world_init(&w, 0);
  ck_assert_int_eq(blinkish_heap_set_wrappable_hooks(w.heap, host_hook, NULL, NULL),
                   CCGC_OK);
  blinkish_type_info info = {"Wrappable", NULL, NULL, BLINKISH_TYPE_WRAPPABLE};
  blinkish_type_id type = blinkish_register_type(w.heap, &info);
  void *object = blinkish_alloc(w.heap, type, 16);
  blinkish_persistent *root = blinkish_persistent_new(w.heap, object, false);
  side_object = dom_new_node(&w, 1);
  blinkish_persistent *watched = watch(&w, side_object);
  for (int round = 0; round < 2; round++) {
    ccgc_collect(w.collector, CCGC_REASON_TESTING);
    ck_assert_ptr_nonnull(blinkish_persistent_get(watched));
  }
  ck_assert_uint_eq(dom_finalized, 0);
  ck_assert_uint_eq(w.errors.count, 0);
  blinkish_persistent_free(w.heap, root);
  blinkish_persistent_free(w.heap, watched);
  dom_world_free(&w);
}
END_TEST

int main(void) {
  Suite *suite = suite_create("blinkish-layouts");
  TCase *tc = tcase_create("core");
  tcase_add_test(tc, members_and_the_callback_keep_their_targets);
  tcase_add_test(tc, broken_descriptors_lose_the_first_member);
  tcase_add_test(tc, tools_see_the_members_named);
  tcase_add_test(tc, bad_declarations_are_refused);
  tcase_add_test(tc, objects_under_construction_take_the_callback);
  tcase_add_test(tc, a_host_hook_runs_for_empty_slots);
  suite_add_tcase(suite, tc);
  return ccgc_test_run(suite);
}
