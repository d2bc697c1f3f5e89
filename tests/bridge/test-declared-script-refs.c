/* test-declared-script-refs.c - script references declared as fields of a
 * DOM type (bridge_type_declare_script_refs): the mark loop follows them
 * itself (the testing switch that breaks descriptors loses the first one's
 * target, so the marker used the descriptor), the callback path reports
 * them too, a cycle through them is reclaimed, tools see them named, a
 * freed reference in a declared field is reported, and bad declarations
 * are refused. */
#include <stddef.h>
#include <string.h>

#include "declared-holder.h"
#include "ccgc-inspect.h"

typedef struct graph {
  holder *h;
  blinkish_persistent *root;
  v8ish_global watched[2]; /* weak: empty once the target died */
} graph;

/* A rooted holder whose two references name objects only it keeps. */
static void build(bridge_world *w, graph *g, blinkish_type_id type) {
  finalized = 0;
  g->h = blinkish_alloc(w->dom, type, sizeof(holder));
  ck_assert_ptr_nonnull(g->h);
  g->h->bridge = w->bridge;
  g->h->number = 0x3ff0000000000001; /* would crash the marker if followed */
  v8ish_handle_scope scope;
  v8ish_handle_scope_open(w->script, &scope);
  for (int i = 0; i < 2; i++) {
    v8ish_local target = v8ish_object_new(w->script);
    bridge_script_ref *ref = bridge_script_ref_new(w->bridge, target);
    ck_assert_ptr_nonnull(ref);
    if (i == 0) g->h->first = ref; else g->h->second = ref;
    g->watched[i] = v8ish_global_new(w->script, target, true);
  }
  v8ish_handle_scope_close(&scope);
  g->root = blinkish_persistent_new(w->dom, g->h, false);
}

static bool alive(bridge_world *w, graph *g, int i) {
  return !v8ish_global_is_empty_slot(w->script, g->watched[i]);
}

static void drop(bridge_world *w, graph *g) {
  blinkish_persistent_free(w->dom, g->root);
  for (int i = 0; i < 2; i++) v8ish_global_free(w->script, g->watched[i]);
}

START_TEST(declared_references_keep_their_targets) {
  for (int mode = 0; mode < 2; mode++) {
    bridge_world w;
    bridge_world_init(&w, mode ? BRIDGE_MODE_BASELINE : BRIDGE_MODE_UNIFIED);
    graph g;
    build(&w, &g, holder_type(&w));
    for (int round = 0; round < 3; round++) {
      ccgc_test_collect_verified(w.collector);
      for (int i = 0; i < 2; i++)
        ck_assert_msg(alive(&w, &g, i), "mode %d round %d: %d died", mode, round, i);
    }
    /* Skipped descriptors: the DOM heap reports them through the bridge. */
    ccgc_collector_skip_layouts(w.collector, true);
    ccgc_test_collect_verified(w.collector);
    ck_assert(alive(&w, &g, 0) && alive(&w, &g, 1));
    ccgc_collector_skip_layouts(w.collector, false);
    ck_assert_uint_eq(finalized, 0);
    ck_assert_uint_eq(w.errors.count, 0);
    /* Unrooted, the holder dies, and with it what its references named
     * (baseline: they are roots until the finalizer frees them). */
    drop(&w, &g);
    v8ish_handle_scope scope;
    v8ish_handle_scope_open(w.script, &scope);
    g.watched[0] = v8ish_global_new(w.script, bridge_script_ref_get(w.bridge, g.h->first), true);
    v8ish_handle_scope_close(&scope);
    ccgc_test_collect_verified(w.collector);
    ck_assert_uint_eq(finalized, 1);
    ccgc_test_collect_verified(w.collector);
    ck_assert(!alive(&w, &g, 0));
    v8ish_global_free(w.script, g.watched[0]);
    bridge_world_free(&w);
  }
}
END_TEST

/* The switch drops each descriptor's first handle word: first, whose target
 * dies; second survives. */
START_TEST(broken_descriptors_lose_the_first_reference) {
  bridge_world w;
  bridge_world_init_verified(&w, BRIDGE_MODE_UNIFIED, false);
  graph g;
  build(&w, &g, holder_type(&w));
  ccgc_collector_break_layouts(w.collector, true);
  ccgc_collect(w.collector, CCGC_REASON_TESTING);
  ccgc_collector_break_layouts(w.collector, false);
  ck_assert(!alive(&w, &g, 0));
  ck_assert(alive(&w, &g, 1));
  drop(&w, &g);
  bridge_world_free(&w);
}
END_TEST

/* holder -> (declared reference) object -> (property) the holder's wrapper
 * -> (embedder) holder: a cycle through both heaps with no root. */
START_TEST(a_cycle_through_declared_references_is_reclaimed) {
  bridge_world w;
  bridge_world_init(&w, BRIDGE_MODE_UNIFIED);
  blinkish_type_info info = {"Node", NULL, finalize_holder,
                             BLINKISH_TYPE_WRAPPABLE};
  blinkish_type_id type = blinkish_register_type(w.dom, &info);
  ck_assert_int_eq(bridge_type_declare_script_refs(w.bridge, type, holder_refs, 2),
                   CCGC_OK);
  finalized = 0;
  holder *h = blinkish_alloc(w.dom, type, sizeof(holder));
  h->bridge = w.bridge;
  v8ish_handle_scope scope;
  v8ish_handle_scope_open(w.script, &scope);
  v8ish_local object = v8ish_object_new(w.script);
  ck_assert_int_eq(v8ish_object_set(w.script, object, "owner",
                                    bridge_wrap(w.bridge, h)),
                   CCGC_OK);
  h->second = bridge_script_ref_new(w.bridge, object);
  v8ish_global watched = v8ish_global_new(w.script, object, true);
  v8ish_handle_scope_close(&scope);
  blinkish_persistent *root = blinkish_persistent_new(w.dom, h, false);
  ccgc_test_collect_verified(w.collector);
  ck_assert(!v8ish_global_is_empty_slot(w.script, watched));
  ck_assert_uint_eq(finalized, 0);
  blinkish_persistent_free(w.dom, root);
  ccgc_test_collect_verified(w.collector);
  ck_assert_uint_eq(finalized, 1);
  ck_assert(v8ish_global_is_empty_slot(w.script, watched));
  ck_assert_uint_eq(w.errors.count, 0);
  v8ish_global_free(w.script, watched);
  bridge_world_free(&w);
}
END_TEST

typedef struct edges {
  void *from;
  int member, first, second, other;
} edges;

static void on_object(const ccgc_object_info *info, void *data) {
  (void)info, (void)data;
}

static void on_edge(void *from, void *to, ccgc_edge edge, void *data) {
  edges *e = data;
  (void)to;
  if (from != e->from) return;
  if (edge.name && !strcmp(edge.name, "member")) e->member++;
  else if (edge.kind == CCGC_EDGE_TRACED && edge.name && !strcmp(edge.name, "first"))
    e->first++;
  else if (edge.kind == CCGC_EDGE_TRACED && edge.name && !strcmp(edge.name, "second"))
    e->second++;
  else e->other++;
}

START_TEST(tools_see_the_references_named) {
  bridge_world w;
  bridge_world_init(&w, BRIDGE_MODE_UNIFIED);
  blinkish_type_id type = holder_type(&w);
  graph g;
  build(&w, &g, type);
  holder *other = blinkish_alloc(w.dom, type, sizeof(holder));
  other->bridge = w.bridge;
  ck_assert_int_eq(blinkish_member_set(w.dom, g.h, &g.h->member, other), CCGC_OK);
  edges e = {.from = g.h};
  ccgc_walk_callbacks callbacks = {on_object, on_edge, &e};
  ck_assert_int_eq(ccgc_collector_walk(w.collector, &callbacks), CCGC_OK);
  ck_assert_int_eq(e.member, 1);
  ck_assert_int_eq(e.first, 1);
  ck_assert_int_eq(e.second, 1);
  ck_assert_int_eq(e.other, 0);
  drop(&w, &g);
  bridge_world_free(&w);
}
END_TEST

/* A reference freed while its holder still names it: the collection
 * reports it, as bridge_trace_script_ref does, and goes on. */
START_TEST(a_freed_reference_in_a_declared_field_is_reported) {
  bridge_world w;
  bridge_world_init_verified(&w, BRIDGE_MODE_UNIFIED, false);
  graph g;
  build(&w, &g, holder_type(&w));
  bridge_script_ref_free(w.bridge, g.h->first);
  unsigned before = w.errors.count;
  ccgc_collect(w.collector, CCGC_REASON_TESTING);
  ck_assert_uint_gt(w.errors.count, before);
  ck_assert_int_eq(w.errors.last_code, CCGC_E_DEAD_HANDLE);
  ck_assert(alive(&w, &g, 1)); /* the other one was followed */
  g.h->first = NULL;          /* so that the finalizer does not free it again */
  drop(&w, &g);
  bridge_world_free(&w);
}
END_TEST

START_TEST(bad_declarations_are_refused) {
  bridge_world w;
  bridge_world_init(&w, BRIDGE_MODE_UNIFIED);
  blinkish_type_info info = {"Plain", NULL, NULL, 0};
  blinkish_type_id type = blinkish_register_type(w.dom, &info);
  ck_assert_int_eq(blinkish_type_declare_members(w.dom, type, holder_members, 1),
                   CCGC_OK);
  blinkish_member_info odd[] = {{4, "odd"}};
  blinkish_member_info far[] = {{BLINKISH_MEMBER_MAX * 8, "far"}};
  blinkish_member_info twice[] = {{8, "x"}, {8, "y"}};
  blinkish_member_info on_member[] = {{offsetof(holder, member), "m"}};
  struct {
    blinkish_type_id type;
    const blinkish_member_info *refs;
    size_t count;
    const char *text;
  } cases[] = {
      {999, holder_refs, 2, "unknown type"},
      {blinkish_type_by_name(w.dom, "HeapVector"), holder_refs, 2,
       "the heap's own type"},
      {type, NULL, 2, "script references"},
      {type, holder_refs, 0, "script references"},
      {type, odd, 1, "not a multiple of 8"},
      {type, far, 1, "not a multiple of 8 below"},
      {type, twice, 2, "two script references at offset 8"},
      {type, on_member, 1, "as a member already"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    unsigned before = w.errors.count;
    ck_assert_int_eq(bridge_type_declare_script_refs(w.bridge, cases[i].type,
                                                     cases[i].refs, cases[i].count),
                     CCGC_E_INVALID_ARGUMENT);
    ck_assert_uint_eq(w.errors.count, before + 1);
    ck_assert_msg(strstr(w.errors.last_message, cases[i].text),
                  "case %zu: '%s' lacks '%s'", i, w.errors.last_message,
                  cases[i].text);
    ck_assert_msg(strstr(w.errors.last_message, "bridge_type_declare_script_refs"),
                  "case %zu: '%s'", i, w.errors.last_message);
  }
  ck_assert_int_eq(bridge_type_declare_script_refs(NULL, type, holder_refs, 2),
                   CCGC_E_INVALID_ARGUMENT);
  /* Nothing was declared by the refusals: a good one goes in, once. */
  ck_assert_int_eq(bridge_type_declare_script_refs(w.bridge, type, holder_refs, 2),
                   CCGC_OK);
  ck_assert_int_eq(bridge_type_declare_script_refs(w.bridge, type, holder_refs, 2),
                   CCGC_E_INVALID_ARGUMENT);
  ck_assert(strstr(w.errors.last_message, "declared its script references already"));
  /* A member on a declared reference's word is refused too. */
  blinkish_type_info refs_first_info = {"RefsFirst", NULL, NULL, 0};
  blinkish_type_id refs_first = blinkish_register_type(w.dom, &refs_first_info);
  ck_assert_int_eq(bridge_type_declare_script_refs(w.bridge, refs_first, holder_refs, 2),
                   CCGC_OK);
  blinkish_member_info member_on_ref[] = {{offsetof(holder, second), "s"}};
  ck_assert_int_eq(blinkish_type_declare_members(w.dom, refs_first, member_on_ref, 1),
                   CCGC_E_INVALID_ARGUMENT);
  ck_assert(strstr(w.errors.last_message, "as a script reference already"));
  /* Objects too small for the references are refused; big enough ones go. */
  ck_assert_ptr_null(blinkish_alloc(w.dom, type, offsetof(holder, second)));
  ck_assert_ptr_nonnull(blinkish_alloc(w.dom, type, offsetof(holder, second) + 8));
  /* After an allocation a type's references are fixed. */
  blinkish_type_info later_info = {"Later", NULL, NULL, 0};
  blinkish_type_id later = blinkish_register_type(w.dom, &later_info);
  ck_assert_ptr_nonnull(blinkish_alloc(w.dom, later, 32));
  ck_assert_int_eq(bridge_type_declare_script_refs(w.bridge, later, holder_refs, 1),
                   CCGC_E_INVALID_ARGUMENT);
  ck_assert(strstr(w.errors.last_message, "has objects already"));
  bridge_world_free(&w);
}
END_TEST

/* A declared script reference is no member: blinkish_member_set refuses a
 * DOM object for it (the marker would read the address as a handle and
 * never mark the object, which the sweep then freed under the word, with
 * no report; found by an audit), and stores nothing. */
START_TEST(a_member_store_into_a_declared_reference_is_refused) {
  bridge_world w;
  bridge_world_init(&w, BRIDGE_MODE_UNIFIED);
  blinkish_type_id type = holder_type(&w);
  graph g;
  build(&w, &g, type);
  holder *other = blinkish_alloc(w.dom, type, sizeof(holder));
  ck_assert_ptr_nonnull(other);
  other->bridge = w.bridge;
  bridge_script_ref *before = g.h->first;
  ck_assert_int_eq(blinkish_member_set(w.dom, g.h, (void **)&g.h->first, other),
                   CCGC_E_INVALID_ARGUMENT);
  ck_assert_ptr_eq(g.h->first, before);
  ck_assert_uint_eq(w.errors.count, 1);
  ck_assert_ptr_nonnull(strstr(w.errors.last_message, "script reference"));
  /* The declared member is one. */
  ck_assert_int_eq(blinkish_member_set(w.dom, g.h, &g.h->member, other), CCGC_OK);
  ccgc_test_collect_verified(w.collector);
  ck_assert(alive(&w, &g, 0) && alive(&w, &g, 1));
  ck_assert(blinkish_heap_contains(w.dom, other));
  ck_assert_uint_eq(w.errors.count, 1);
  drop(&w, &g);
  bridge_world_free(&w);
}
END_TEST

int main(void) {
  Suite *suite = suite_create("declared-script-refs");
  TCase *tc = tcase_create("core");
  tcase_add_test(tc, declared_references_keep_their_targets);
  tcase_add_test(tc, broken_descriptors_lose_the_first_reference);
  tcase_add_test(tc, a_cycle_through_declared_references_is_reclaimed);
  tcase_add_test(tc, tools_see_the_references_named);
  tcase_add_test(tc, a_freed_reference_in_a_declared_field_is_reported);
  tcase_add_test(tc, bad_declarations_are_refused);
  tcase_add_test(tc, a_member_store_into_a_declared_reference_is_refused);
  suite_add_tcase(suite, tc);
  return ccgc_test_run(suite);
}
