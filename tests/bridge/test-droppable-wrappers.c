/* test-droppable-wrappers.c - what the script heap's droppable handler
 * (v8ish.h "Droppable wrappers", V8's EmbedderRootsHandler) may do while a
 * minor collection asks it, before anything moves: read the heap (what it
 * reads is intact; a local it makes is a root as every other: it kept the
 * from-space address), and ask the DOM heap whether
 * the wrapped object lives (a minor collection sets no DOM mark: a rooted
 * node answered "dead" and its wrapper was dropped). The wrapper pairs'
 * other tests: test-bridge.c. */
#include <check.h>
#include <string.h>

#include "bridge.h"
#include "ccgc-test.h"

/* A collector with the verifier on and a script heap. */
static v8ish_heap *script_heap(ccgc_collector **collector) {
  ccgc_collector_options options = {.verify = true};
  *collector = ccgc_collector_new(&options);
  v8ish_heap_options heap_options = {0};
  return v8ish_heap_new(*collector, &heap_options);
}

/* A traced reference to a new wrapper that nothing else holds. */
static v8ish_traced *unheld_wrapper(v8ish_heap *h) {
  v8ish_handle_scope inner;
  v8ish_handle_scope_open(h, &inner);
  v8ish_traced *traced = v8ish_traced_new(h, v8ish_wrapper_new(h, "Node"));
  v8ish_handle_scope_close(&inner);
  return traced;
}

/* --- a local made by the handler ------------------------------------------ */

static v8ish_local handler_local;

static bool read_and_drop(v8ish_heap *heap, const v8ish_traced *traced,
                          void *data) {
  (void)data;
  handler_local = v8ish_traced_get(heap, traced);
  return true;
}

START_TEST(a_local_the_handler_makes_follows_the_move) {
  ccgc_collector *c;
  v8ish_heap *h = script_heap(&c);
  v8ish_handle_scope scope;
  v8ish_handle_scope_open(h, &scope);
  v8ish_traced *traced = unheld_wrapper(h);
  handler_local = v8ish_local_empty();
  ck_assert_int_eq(v8ish_heap_set_droppable_handler(h, read_and_drop, NULL), CCGC_OK);
  ck_assert_int_eq(ccgc_collect_minor(c, CCGC_REASON_TESTING), CCGC_OK);
  ck_assert_int_eq(v8ish_heap_set_droppable_handler(h, NULL, NULL), CCGC_OK);
  ck_assert_int_eq(ccgc_collector_last_error(c)->code, CCGC_OK);
  ck_assert(!v8ish_local_is_empty(handler_local));
  /* The handler let the reference go, but its own local holds the wrapper:
   * it survived, moved, and both name its copy. */
  v8ish_local now = v8ish_traced_get(h, traced);
  ck_assert(!v8ish_local_is_empty(now));
  ck_assert(v8ish_same(h, now, handler_local));
  ck_assert_ptr_eq(v8ish_object_address(h, handler_local),
                   v8ish_object_address(h, now));
  ccgc_object_info info;
  ck_assert_int_eq(ccgc_collector_object_info(c, v8ish_object_address(h, now), &info),
                   CCGC_OK);
  ck_assert_str_eq(info.space_name, "young"); /* survived once: copied */
  /* The page it was copied from is reused: the local still reads it. */
  for (int i = 0; i < 50000; i++) {
    v8ish_handle_scope filler;
    v8ish_handle_scope_open(h, &filler);
    v8ish_fixed_array_new(h, 4);
    v8ish_handle_scope_close(&filler);
  }
  ck_assert_int_eq(ccgc_collect_minor(c, CCGC_REASON_TESTING), CCGC_OK);
  ck_assert_str_eq(v8ish_type_name(h, handler_local), "Node");
  v8ish_handle_scope_close(&scope);
  v8ish_traced_free(h, traced);
  v8ish_heap_free(h);
  ccgc_collector_free(c);
}
END_TEST

/* The handler is asked before anything moves: what it reads of the heap -
 * here another wrapper, which a host local also holds and which the locals'
 * scan would already have copied - is intact (it read a forwarding word as
 * a class: type "?"). */
static v8ish_traced *pair_refs[2];
static int handler_calls, handler_bad_reads;

static bool read_the_other(v8ish_heap *heap, const v8ish_traced *asked,
                           void *data) {
  (void)data;
  handler_calls++;
  for (int i = 0; i < 2; i++)
    if (pair_refs[i] != asked &&
        strcmp(v8ish_type_name(heap, v8ish_traced_get(heap, pair_refs[i])), "Node"))
      handler_bad_reads++;
  return false;
}

START_TEST(the_handler_reads_objects_before_they_move) {
  ccgc_collector *c;
  v8ish_heap *h = script_heap(&c);
  v8ish_handle_scope scope;
  v8ish_handle_scope_open(h, &scope);
  pair_refs[0] = unheld_wrapper(h);
  v8ish_local held = v8ish_wrapper_new(h, "Node"); /* a local holds the second */
  pair_refs[1] = v8ish_traced_new(h, held);
  handler_calls = handler_bad_reads = 0;
  ck_assert_int_eq(v8ish_heap_set_droppable_handler(h, read_the_other, NULL), CCGC_OK);
  ck_assert_int_eq(ccgc_collect_minor(c, CCGC_REASON_TESTING), CCGC_OK);
  ck_assert_int_eq(v8ish_heap_set_droppable_handler(h, NULL, NULL), CCGC_OK);
  ck_assert_int_eq(handler_calls, 2);
  ck_assert_int_eq(handler_bad_reads, 0);
  ck_assert(v8ish_same(h, v8ish_traced_get(h, pair_refs[1]), held));
  v8ish_handle_scope_close(&scope);
  v8ish_traced_free(h, pair_refs[0]);
  v8ish_traced_free(h, pair_refs[1]);
  v8ish_heap_free(h);
  ccgc_collector_free(c);
}
END_TEST

/* --- the DOM heap's liveness query ---------------------------------------- */

static struct {
  blinkish_heap *dom;
  void *node;
  int alive, asked;
} probe;

static bool drop_if_dead(v8ish_heap *heap, const v8ish_traced *traced,
                         void *data) {
  (void)heap;
  (void)traced;
  (void)data;
  probe.asked++;
  probe.alive = blinkish_is_alive(probe.dom, probe.node);
  return !probe.alive;
}

START_TEST(the_handler_sees_a_rooted_node_alive) {
  ccgc_collector_options options = {0};
  ccgc_collector *c = ccgc_collector_new(&options);
  v8ish_heap_options script_options = {0};
  v8ish_heap *h = v8ish_heap_new(c, &script_options);
  blinkish_heap_options dom_options = {0};
  blinkish_heap *dom = blinkish_heap_new(c, &dom_options);
  bridge *b = bridge_new(c, h, dom, BRIDGE_MODE_UNIFIED);
  blinkish_type_info info = {"Div", NULL, NULL, BLINKISH_TYPE_WRAPPABLE};
  blinkish_type_id type = blinkish_register_type(dom, &info);
  void *nodes[2] = {blinkish_alloc(dom, type, 16), blinkish_alloc(dom, type, 16)};
  blinkish_persistent *roots[2] = {blinkish_persistent_new(dom, nodes[0], false),
                                   blinkish_persistent_new(dom, nodes[1], false)};
  probe.dom = dom;
  /* Before any full collection (no mark ever set), then after one (its
   * marks left over), each time a node with a new, young wrapper: the same
   * answer, from the DOM heap itself. */
  for (int round = 0; round < 2; round++) {
    void *node = probe.node = nodes[round];
    if (round == 1)
      ck_assert_int_eq(ccgc_collect(c, CCGC_REASON_TESTING), CCGC_OK);
    v8ish_handle_scope scope;
    v8ish_handle_scope_open(h, &scope);
    ck_assert(!v8ish_local_is_empty(bridge_wrap(b, node)));
    v8ish_handle_scope_close(&scope);
    probe.asked = 0;
    probe.alive = -1;
    ck_assert_int_eq(v8ish_heap_set_droppable_handler(h, drop_if_dead, NULL), CCGC_OK);
    ck_assert_int_eq(ccgc_collect_minor(c, CCGC_REASON_TESTING), CCGC_OK);
    ck_assert_int_eq(v8ish_heap_set_droppable_handler(h, NULL, NULL), CCGC_OK);
    ck_assert_int_eq(probe.asked, 1);
    ck_assert_msg(probe.alive == 1, "round %d: a rooted node answered dead", round);
    v8ish_handle_scope_open(h, &scope);
    ck_assert(!v8ish_local_is_empty(bridge_wrapper_of(b, node))); /* kept */
    v8ish_handle_scope_close(&scope);
  }
  blinkish_persistent_free(dom, roots[0]);
  blinkish_persistent_free(dom, roots[1]);
  blinkish_heap_free(dom);
  bridge_free(b);
  v8ish_heap_free(h);
  ccgc_collector_free(c);
}
END_TEST

static Suite *suite(void) {
  Suite *s = suite_create("droppable-wrappers");
  TCase *tc = tcase_create("core");
  tcase_add_test(tc, a_local_the_handler_makes_follows_the_move);
  tcase_add_test(tc, the_handler_reads_objects_before_they_move);
  tcase_add_test(tc, the_handler_sees_a_rooted_node_alive);
  suite_add_tcase(s, tc);
  return s;
}

int main(void) { return ccgc_test_run(suite()); }
