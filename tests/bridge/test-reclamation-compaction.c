/* test-reclamation-compaction.c - a DOM pre-finalizer reads a script
 * object that died on a page the same collection's compaction evacuated.
 * Pre-finalizers may read any dead object (blinkish.h), so the evacuated
 * pages stay mapped until the heaps' sweeps start, after every
 * pre-finalizer (.inv.finalize-before-sweep, docs/compaction.md "Release").
 * Released earlier (the pre_reclaim op of the script heap, which ran before
 * the DOM heap's pre-finalizers), the read below was a read of unmapped
 * memory: `ccgc stress --seed 3 --compact-every 3` crashed that way. Run
 * with the script heap created first and with the DOM heap first. */
#include <check.h>

#include "blinkish.h"
#include "ccgc-test.h"
#include "v8ish.h"

#define COUNT 20000 /* arrays, several pages */
#define KEEP 10     /* one in KEEP survives */
#define DEAD 15005  /* the array that dies with the node, late in the heap */
#define NEXT 15010  /* a survivor allocated right after it */

typedef struct node {
  v8ish_traced *peer; /* not traced: the peer dies with the node */
} node;

static struct {
  v8ish_heap *script;
  bool ran;
  intptr_t seen;
} pre;

static void prefinalize(void *object) {
  node *self = object;
  pre.ran = true;
  v8ish_handle_scope scope;
  v8ish_handle_scope_open(pre.script, &scope);
  v8ish_local peer = v8ish_traced_get(pre.script, self->peer);
  pre.seen = v8ish_integer_value(pre.script, v8ish_array_get(pre.script, peer, 0));
  v8ish_handle_scope_close(&scope);
}

static void *address(v8ish_heap *script, v8ish_global holder, size_t i) {
  v8ish_handle_scope scope;
  v8ish_handle_scope_open(script, &scope);
  v8ish_local h = v8ish_global_get(script, holder);
  void *at = v8ish_object_address(script, v8ish_array_get(script, h, i));
  v8ish_handle_scope_close(&scope);
  return at;
}

static void run(bool script_first) {
  ccgc_collector *collector =
      ccgc_collector_new(&(ccgc_collector_options){.verify = true});
  ccgc_heap_options old_only = {.no_young_generation = 1};
  v8ish_heap *script = NULL;
  blinkish_heap *dom = NULL;
  if (script_first) script = v8ish_heap_new(collector, &old_only);
  dom = blinkish_heap_new(collector, NULL);
  if (!script_first) script = v8ish_heap_new(collector, &old_only);
  ck_assert_ptr_nonnull(script);
  ck_assert_ptr_nonnull(dom);
  pre.script = script;
  pre.ran = false;
  pre.seen = 0;
  blinkish_type_info info = {"Node", NULL, NULL, 0};
  blinkish_type_id type = blinkish_register_type(dom, &info);

  v8ish_global holder, dead_root;
  node *n = blinkish_alloc(dom, type, sizeof(node));
  ck_assert_ptr_nonnull(n);
  blinkish_persistent *n_root = blinkish_persistent_new(dom, n, false);
  {
    v8ish_handle_scope scope;
    v8ish_handle_scope_open(script, &scope);
    v8ish_local kept = v8ish_fixed_array_new(script, COUNT / KEEP);
    for (int i = 0; i < COUNT; i++) {
      v8ish_local array = v8ish_fixed_array_new(script, 3);
      v8ish_array_set(script, array, 0, v8ish_integer(script, i == DEAD ? 4242 : i));
      if (i % KEEP == 0) v8ish_array_set(script, kept, (size_t)(i / KEEP), array);
      if (i == DEAD) {
        dead_root = v8ish_global_new(script, array, false);
        n->peer = v8ish_traced_new(script, array);
      }
    }
    holder = v8ish_global_new(script, kept, false);
    v8ish_handle_scope_close(&scope);
  }
  ck_assert_ptr_nonnull(n->peer);
  ck_assert_int_eq(blinkish_register_prefinalizer(dom, n, prefinalize), CCGC_OK);
  /* The sweep measures the pages: candidates come from it. */
  ccgc_test_collect_verified(collector);
  ck_assert(!pre.ran);
  void *next_before = address(script, holder, NEXT / KEEP);

  /* The node and its peer die in the collection that compacts. */
  v8ish_global_free(script, dead_root);
  blinkish_persistent_free(dom, n_root);
  ck_assert_int_eq(v8ish_heap_request_compaction(script), CCGC_OK);
  ccgc_test_collect_verified(collector);
  ck_assert(pre.ran);
  ck_assert_int_eq(pre.seen, 4242);
  /* The dead peer's page was evacuated: its neighbour moved. */
  ck_assert_ptr_ne(address(script, holder, NEXT / KEEP), next_before);
  ccgc_heap_stats stats;
  v8ish_heap_stats(script, &stats);
  ck_assert_uint_gt(stats.evacuated_pages, 0);

  v8ish_global_free(script, holder);
  blinkish_heap_free(dom);
  v8ish_heap_free(script);
  ccgc_collector_free(collector);
}

START_TEST(script_heap_first) { run(true); }
END_TEST
START_TEST(dom_heap_first) { run(false); }
END_TEST

static Suite *reclamation_compaction_suite(void) {
  Suite *s = suite_create("reclamation after compaction");
  TCase *tc = tcase_create("core");
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, script_heap_first);
  tcase_add_test(tc, dom_heap_first);
  suite_add_tcase(s, tc);
  return s;
}

int main(void) { return ccgc_test_run(reclamation_compaction_suite()); }
