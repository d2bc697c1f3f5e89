/* host.c - a host outside ccgc's source tree, as an embedder writes one:
 * only the installed headers (<ccgc/...>) and the library. One collector,
 * both heaps, the bridge; a DOM element held by a persistent and one held
 * by nothing, each paired with its script wrapper; one collection. The
 * rooted pair survives with its wrapper, the other pair (a cycle through
 * both heaps) is reclaimed and finalized; freeing the DOM heap finalizes the
 * other. A heap snapshot of both heaps goes to a temporary file
 * (ccgc-snapshot.h). Exit 0 when every check holds, 1 with the failed check
 * named on stderr. */
#include <stdio.h>
#include <string.h>

#include <ccgc/bridge.h>
#include <ccgc/ccgc-version.h>
#include <ccgc/ccgc.h>
#include <ccgc/ccgc-snapshot.h>

static int finalized;

static void count_finalized(void *object) {
  (void)object;
  finalized++;
}

#define CHECK(condition)                                          \
  do {                                                            \
    if (!(condition)) {                                           \
      fprintf(stderr, "host: check failed: %s\n", #condition);   \
      return 1;                                                   \
    }                                                             \
  } while (0)

static int run(ccgc_collector *collector, v8ish_heap *script,
               blinkish_heap *dom, bridge *bridge) {
  blinkish_type_info info = {"HTMLDivElement", NULL, count_finalized,
                             BLINKISH_TYPE_WRAPPABLE};
  blinkish_type_id div = blinkish_register_type(dom, &info);
  CHECK(div != 0);

  v8ish_handle_scope scope;
  v8ish_handle_scope_open(script, &scope);
  void *kept = blinkish_alloc(dom, div, 32);
  void *dropped = blinkish_alloc(dom, div, 32);
  CHECK(kept && dropped);
  blinkish_persistent *root = blinkish_persistent_new(dom, kept, false);
  CHECK(!v8ish_local_is_empty(bridge_wrap(bridge, kept)));
  CHECK(!v8ish_local_is_empty(bridge_wrap(bridge, dropped)));
  v8ish_handle_scope_close(&scope); /* no local holds a wrapper now */

  ccgc_heap_stats before;
  blinkish_heap_stats(dom, &before);
  CHECK(ccgc_collect(collector, CCGC_REASON_HOST_REQUEST) == CCGC_OK);
  ccgc_heap_stats after;
  blinkish_heap_stats(dom, &after);

  CHECK(ccgc_collector_cycle_count(collector) == 1);
  CHECK(finalized == 1);
  CHECK(after.object_count == before.object_count - 1);
  v8ish_handle_scope_open(script, &scope);
  v8ish_local wrapper = bridge_wrapper_of(bridge, kept);
  CHECK(!v8ish_local_is_empty(wrapper));
  CHECK(bridge_unwrap(bridge, wrapper) == kept);
  v8ish_handle_scope_close(&scope);
  /* The snapshot: one merged node for the surviving pair, the root and
   * "(GC roots)" among the rest; complete JSON in the file. */
  ccgc_heap_snapshot_ids *ids = ccgc_heap_snapshot_ids_new();
  ccgc_heap_snapshot_stats stats;
  FILE *out = tmpfile();
  CHECK(ids && out);
  CHECK(ccgc_heap_snapshot_write(collector, ids, out, NULL, &stats) == CCGC_OK);
  CHECK(stats.merged_pairs == 1 && stats.node_count == stats.walk_objects + 1 + stats.root_groups);
  char head[16] = "";
  rewind(out);
  CHECK(fread(head, 1, 12, out) == 12 && strcmp(head, "{\"snapshot\":") == 0);
  fclose(out);
  ccgc_heap_snapshot_ids_free(ids);
  blinkish_persistent_free(dom, root);
  CHECK(ccgc_collector_last_error(collector) == NULL ||
        ccgc_collector_last_error(collector)->code == CCGC_OK);
  printf("host: ccgc %s: the collection reclaimed 1 of 2 wrapped elements\n",
         ccgc_version());
  return 0;
}

int main(void) {
  if (strcmp(ccgc_version(), CCGC_VERSION_STRING) != 0) {
    fprintf(stderr, "host: library %s, header %s\n", ccgc_version(),
            CCGC_VERSION_STRING);
    return 1;
  }
  ccgc_collector_options options = {.verify = true};
  ccgc_collector *collector = ccgc_collector_new(&options);
  if (!collector) return 1;
  v8ish_heap *script = v8ish_heap_new(collector, NULL);
  blinkish_heap *dom = blinkish_heap_new(collector, NULL);
  bridge *bridge = bridge_new(collector, script, dom, BRIDGE_MODE_UNIFIED);
  int code = script && dom && bridge ? run(collector, script, dom, bridge) : 1;
  blinkish_heap_free(dom); /* the DOM heap, the bridge, the script heap */
  bridge_free(bridge);
  v8ish_heap_free(script);
  ccgc_collector_free(collector);
  /* The DOM heap's teardown finalized the rooted element too. */
  if (code == 0 && finalized != 2) {
    fprintf(stderr, "host: %d elements finalized, expected 2\n", finalized);
    code = 1;
  }
  return code;
}
