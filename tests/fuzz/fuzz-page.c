/* fuzz-page.c - the fuzz target of the page loader and a scripted host
 * scenario (docs/fuzzing.md). For one input:
 *
 *  1. ccgc_host_load_html_memory: CCGC_OK, or an error with a message (never
 *     a status without one, never a crash); the DOM is compared with
 *     gumbo's own tree of the same bytes, walked here on its own (elements,
 *     attributes, non-blank texts: nothing lost or cut) and its links
 *     checked node by node;
 *  2. a script scenario chosen by a hash of the input: wrappers and click
 *     listeners whose closures capture their own node's wrapper (cycles
 *     through both heaps), a subtree removed from the page (held then only
 *     by such cycles), a detached subtree held from script by a global
 *     handle;
 *  3. a full collection with the marking verifier and the heap verifier:
 *     no errors; leak probes (ccgc-probe.h) say the removed subtree was
 *     reclaimed and the page and the held subtree were not; every attached
 *     node is still a live node; then the global is dropped and the held
 *     subtree is reclaimed by the next collection;
 *  4. an incremental cycle with the scenario's stores in it (the write
 *     barrier), verified, and a last collection that reclaims what it
 *     removed.
 *
 * A failed check prints why and aborts: libFuzzer records the input. The
 * same entry point runs under libFuzzer (`make fuzz`) and, with the small
 * main of fuzz-replay.c, over the committed corpus in every build
 * (ctest fuzz/page-corpus). */
#include <glib.h>
#include <gumbo.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ccgc-probe.h"
#include "host.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(condition, ...)                                            \
  do {                                                                   \
    if (!(condition)) {                                                  \
      fprintf(stderr, "fuzz-page: check failed: %s: ", #condition);      \
      fprintf(stderr, __VA_ARGS__);                                      \
      fputc('\n', stderr);                                               \
      abort();                                                           \
    }                                                                    \
  } while (0)

typedef struct counts {
  size_t elements, texts, attributes;
} counts;

static bool blank(const char *text) {
  for (; *text; text++)
    if (!g_ascii_isspace(*text)) return false;
  return true;
}

/* gumbo's memory for the comparison parse, all freed at the end:
 * gumbo_destroy_output recurses once per level of the tree, which a deep
 * input turns into a stack overflow. */
static void *tracked_allocate(void *blocks, size_t size) {
  void *block = g_malloc(size ? size : 1);
  g_hash_table_add(blocks, block);
  return block;
}

static void tracked_deallocate(void *blocks, void *block) {
  if (block) g_hash_table_remove(blocks, block);
}

/* What the loader must have built: gumbo's tree of the same bytes, counted
 * as the loader keeps it (elements and templates, their attributes,
 * non-blank text and CDATA), walked without recursion. False when gumbo
 * gives no tree. */
static bool expected_counts(const uint8_t *data, size_t size, counts *out) {
  memset(out, 0, sizeof *out);
  GHashTable *blocks = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, g_free);
  GumboOptions options = kGumboDefaultOptions;
  options.allocator = tracked_allocate;
  options.deallocator = tracked_deallocate;
  options.userdata = blocks;
  options.max_errors = 0;
  GumboOutput *output = gumbo_parse_with_options(&options, (const char *)data, size);
  bool parsed = output && output->document && output->root;
  GPtrArray *stack = g_ptr_array_new();
  if (parsed) g_ptr_array_add(stack, output->document);
  while (stack->len) {
    const GumboNode *node = g_ptr_array_steal_index(stack, stack->len - 1);
    const GumboVector *children = NULL;
    switch (node->type) {
    case GUMBO_NODE_DOCUMENT:
      children = &node->v.document.children;
      break;
    case GUMBO_NODE_ELEMENT:
    case GUMBO_NODE_TEMPLATE:
      out->elements++;
      out->attributes += node->v.element.attributes.length;
      children = &node->v.element.children;
      break;
    case GUMBO_NODE_TEXT:
    case GUMBO_NODE_CDATA:
      out->texts += !blank(node->v.text.text);
      break;
    default:
      break;
    }
    for (unsigned i = 0; children && i < children->length; i++)
      g_ptr_array_add(stack, children->data[i]);
  }
  g_ptr_array_free(stack, TRUE);
  g_hash_table_destroy(blocks);
  return parsed;
}

/* Every link of the tree under root agrees with its neighbours; counts. */
static counts check_tree(ccgc_host_world *w, ccgc_host_node *root) {
  counts c = {0, 0, 0};
  for (ccgc_host_node *node = root; node; node = ccgc_host_next_in_order(root, node)) {
    CHECK(ccgc_host_node_at(w, node) == node, "%p is not a live node", (void *)node);
    CHECK(node->name != NULL, "a node without a name");
    if (node->kind == CCGC_HOST_ELEMENT) {
      c.elements++;
      size_t own = 0;
      for (size_t i = 0; node->attributes && node->attributes[i]; i += 2) {
        CHECK(node->attributes[i + 1] != NULL, "attribute '%s' has no value",
              node->attributes[i]);
        own++;
      }
      /* The attribute scan let the page through: it counted no tag past
       * the limit, and never counts fewer than the parser keeps. */
      CHECK(own <= CCGC_HOST_MAX_ATTRIBUTES, "<%s> has %zu attributes, past the scan's limit",
            node->name, own);
      c.attributes += own;
    } else if (node->kind == CCGC_HOST_TEXT) {
      c.texts++;
      CHECK(node->first_child == NULL, "a text node has children");
      CHECK(*node->name && !g_ascii_isspace(node->name[0]), "an untrimmed text");
    }
    CHECK(!node->first_child || node->first_child->prev_sibling == NULL, "first child");
    CHECK(!node->last_child || node->last_child->next_sibling == NULL, "last child");
    CHECK(!node->first_child == !node->last_child, "first and last child");
    for (ccgc_host_node *child = node->first_child; child; child = child->next_sibling) {
      CHECK(child->parent == node, "a child whose parent is another node");
      CHECK(!child->next_sibling || child->next_sibling->prev_sibling == child, "siblings");
      CHECK(child->next_sibling || node->last_child == child, "the last child");
    }
  }
  return c;
}

static void collect_verified(ccgc_host_world *w, const char *when) {
  CHECK(ccgc_collect(w->collector, CCGC_REASON_TESTING) == CCGC_OK, "%s", when);
  const ccgc_verify_report *report = ccgc_collector_last_verify(w->collector);
  CHECK(report->errors == 0, "%s: marking verifier: %s", when, report->first_error);
  ccgc_verify_report heap;
  CHECK(ccgc_collector_verify_heap(w->collector, &heap), "%s: heap verifier: %s", when,
        heap.first_error);
}

/* The input's hash: which nodes the scenario picks. */
static uint64_t hash_of(const uint8_t *data, size_t size) {
  uint64_t hash = 1469598103934665603u;
  for (size_t i = 0; i < size; i++) hash = (hash ^ data[i]) * 1099511628211u;
  return hash;
}

/* closure -> context -> wrapper -> node -> listener -> closure */
static void add_listener(ccgc_host_world *w, ccgc_host_node *node) {
  v8ish_local wrapper = ccgc_host_wrap(w, node);
  v8ish_local closure = ccgc_host_make_closure(w, "onclick", &wrapper, 1);
  CHECK(ccgc_host_add_event_listener(w, node, "click", closure) == CCGC_OK, "%s", w->error);
}

typedef struct scenario {
  ccgc_host_world *w;
  uint64_t hash;
  GPtrArray *elements;  /* the page's elements, document order */
  ccgc_host_node *removed;
  counts removed_counts;
  GPtrArray *gone;      /* probes that must be reclaimed */
  GPtrArray *kept;      /* probes that must survive */
  ccgc_probe *held_probe;
  v8ish_global held;
} scenario;

static void probe(scenario *s, GPtrArray *into, ccgc_host_node *node, const char *label) {
  ccgc_probe *p = ccgc_probe_new(s->w->collector, node, label);
  CHECK(p != NULL, "a probe on %s", label);
  g_ptr_array_add(into, p);
}

/* A subtree of the page to remove: an element below another element,
 * picked by the hash; NULL when the page has none. */
static ccgc_host_node *pick_subtree(scenario *s) {
  size_t n = s->elements->len;
  for (size_t k = 0; k < n; k++) {
    ccgc_host_node *node = s->elements->pdata[(s->hash + k) % n];
    if (node->parent && node->parent->kind == CCGC_HOST_ELEMENT) return node;
  }
  return NULL;
}

static void build_scenario(scenario *s) {
  ccgc_host_world *w = s->w;
  size_t n = s->elements->len;
  /* Listeners on up to 64 elements, spread over the page. */
  size_t step = n > 64 ? n / 64 : 1;
  for (size_t i = (s->hash >> 8) % step; i < n; i += step) add_listener(w, s->elements->pdata[i]);
  s->removed = pick_subtree(s);
  if (s->removed) {
    s->removed_counts = check_tree(w, s->removed);
    /* Every node of the subtree gets a listener: only cycles hold it. */
    size_t probes = 0;
    for (ccgc_host_node *node = s->removed; node;
         node = ccgc_host_next_in_order(s->removed, node)) {
      if (node->kind == CCGC_HOST_ELEMENT && !ccgc_host_listener_count(w, node)) add_listener(w, node);
      if (probes++ < 8) probe(s, s->gone, node, "a node of the removed subtree");
    }
    CHECK(ccgc_host_remove_child(w, s->removed->parent, s->removed) == CCGC_OK, "%s",
          w->error);
    CHECK(!ccgc_host_is_attached(w, s->removed), "the removed subtree is attached");
  }
  /* What must stay: the document's first element and the page's last
   * element if still attached. */
  probe(s, s->kept, w->document->first_child, "the root element");
  ccgc_host_node *last = s->elements->pdata[n - 1];
  if (ccgc_host_is_attached(w, last)) probe(s, s->kept, last, "the last element");
  /* app.dialog: a detached <div><button>...</button></div> held from
   * script, its button listening. */
  ccgc_host_node *dialog = ccgc_host_create_element(w, "div");
  ccgc_host_node *button = ccgc_host_create_element(w, "button");
  CHECK(dialog && button, "%s", w->error);
  ccgc_host_append_child(w, dialog, button);
  ccgc_host_append_child(w, button, ccgc_host_create_text(w, "close"));
  add_listener(w, button);
  s->held = v8ish_global_new(w->script, ccgc_host_wrap(w, dialog), false);
  s->held_probe = ccgc_probe_new(w->collector, dialog, "the held dialog");
  CHECK(s->held_probe != NULL, "a probe on the dialog");
}

static void check_probes(scenario *s, const char *when) {
  for (guint i = 0; i < s->gone->len; i++) {
    ccgc_probe *p = s->gone->pdata[i];
    char *why = ccgc_probe_collected(p) ? NULL : ccgc_probe_explain(s->w->collector, p);
    CHECK(why == NULL, "%s: %s survived: %s", when, ccgc_probe_label(p), why);
  }
  for (guint i = 0; i < s->kept->len; i++)
    CHECK(!ccgc_probe_collected(s->kept->pdata[i]), "%s: %s was reclaimed", when,
          ccgc_probe_label(s->kept->pdata[i]));
}

/* Does the subtree of node hold an object a kept probe watches? */
static bool holds_kept(const scenario *s, const ccgc_host_node *node) {
  for (guint i = 0; i < s->kept->len; i++)
    for (const ccgc_host_node *up = ccgc_probe_address(s->kept->pdata[i]); up; up = up->parent)
      if (up == node) return true;
  return false;
}

/* An incremental cycle with stores in it: an element moved within the page,
 * a listener added, another subtree removed (reclaimed by the next cycle at
 * the latest: it may float through this one). */
static void incremental_cycle(scenario *s, const counts *page) {
  ccgc_host_world *w = s->w;
  CHECK(ccgc_incremental_start(w->collector, CCGC_REASON_TESTING) == CCGC_OK, "start");
  ccgc_incremental_step(w->collector, 0.01);
  v8ish_handle_scope scope;
  v8ish_handle_scope_open(w->script, &scope);
  ccgc_host_node *root = w->document->first_child;
  ccgc_host_node *moved = ccgc_host_next_in_order(root, root);
  if (moved && moved->kind == CCGC_HOST_ELEMENT && moved != root->last_child)
    CHECK(ccgc_host_append_child(w, root, moved) == CCGC_OK, "%s", w->error);
  add_listener(w, root);
  ccgc_host_node *second = NULL;
  for (ccgc_host_node *node = root; node && !second; node = ccgc_host_next_in_order(root, node))
    if (node != root && node->kind == CCGC_HOST_ELEMENT && node->parent != root &&
        (s->hash >> 16) % 3 == 0 && !holds_kept(s, node))
      second = node;
  ccgc_probe *second_probe = second ? ccgc_probe_new(w->collector, second, "second") : NULL;
  if (second) ccgc_host_remove_child(w, second->parent, second);
  v8ish_handle_scope_close(&scope);
  while (!ccgc_incremental_step(w->collector, 0.01)) {
  }
  CHECK(ccgc_incremental_finish(w->collector) == CCGC_OK, "finish");
  CHECK(ccgc_collector_last_verify(w->collector)->errors == 0, "incremental: %s",
        ccgc_collector_last_verify(w->collector)->first_error);
  collect_verified(w, "after the incremental cycle");
  counts now = check_tree(w, w->document);
  CHECK(second || now.elements == page->elements, "elements %zu, expected %zu",
        now.elements, page->elements);
  if (second_probe) {
    CHECK(ccgc_probe_collected(second_probe), "the second removed subtree survived");
    ccgc_probe_free(w->collector, second_probe);
  }
  check_probes(s, "after the incremental cycle");
}

static void run_scenario(ccgc_host_world *w, uint64_t hash, const counts *page) {
  scenario s = {.w = w, .hash = hash, .elements = g_ptr_array_new(),
                .gone = g_ptr_array_new(), .kept = g_ptr_array_new()};
  for (ccgc_host_node *node = w->document; node; node = ccgc_host_next_in_order(w->document, node))
    if (node->kind == CCGC_HOST_ELEMENT) g_ptr_array_add(s.elements, node);
  v8ish_handle_scope scope;
  v8ish_handle_scope_open(w->script, &scope);
  build_scenario(&s);
  v8ish_handle_scope_close(&scope);

  collect_verified(w, "the first collection");
  check_probes(&s, "the first collection");
  CHECK(!ccgc_probe_collected(s.held_probe), "the dialog held from script was reclaimed");
  counts now = check_tree(w, w->document);
  CHECK(now.elements == page->elements - s.removed_counts.elements &&
            now.texts == page->texts - s.removed_counts.texts,
        "the page has %zu elements and %zu texts, expected %zu and %zu", now.elements,
        now.texts, page->elements - s.removed_counts.elements,
        page->texts - s.removed_counts.texts);

  v8ish_global_free(w->script, s.held);
  collect_verified(w, "the second collection");
  CHECK(ccgc_probe_collected(s.held_probe), "the dialog dropped by script survived");
  check_probes(&s, "the second collection");

  incremental_cycle(&s, &now);

  ccgc_probe_free(w->collector, s.held_probe);
  for (guint i = 0; i < s.gone->len; i++) ccgc_probe_free(w->collector, s.gone->pdata[i]);
  for (guint i = 0; i < s.kept->len; i++) ccgc_probe_free(w->collector, s.kept->pdata[i]);
  g_ptr_array_free(s.gone, TRUE);
  g_ptr_array_free(s.kept, TRUE);
  g_ptr_array_free(s.elements, TRUE);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size > (1u << 22)) return 0; /* 4 MB: beyond it the run says nothing new */
  ccgc_collector_options options = {.verify = true};
  ccgc_host_world *w = ccgc_host_world_new(BRIDGE_MODE_UNIFIED, &options);
  ccgc_status status = ccgc_host_load_html_memory(w, (const char *)data, size);
  if (status != CCGC_OK) {
    CHECK(w->error[0] != '\0', "%s without a message", ccgc_status_name(status));
    CHECK(status == CCGC_E_PARSE || status == CCGC_E_OUT_OF_MEMORY ||
              status == CCGC_E_HEAP_LIMIT,
          "%s: %s", ccgc_status_name(status), w->error);
    collect_verified(w, "after a refused page");
    ccgc_host_world_free(w);
    return 0;
  }
  counts page = check_tree(w, w->document), expected;
  CHECK(expected_counts(data, size, &expected), "loaded, but gumbo gives no tree");
  CHECK(page.elements == expected.elements && page.texts == expected.texts &&
            page.attributes == expected.attributes,
        "the DOM has %zu elements, %zu texts, %zu attributes; gumbo's tree %zu, %zu, %zu",
        page.elements, page.texts, page.attributes, expected.elements, expected.texts,
        expected.attributes);
  CHECK(page.elements > 0, "a loaded page without elements");
  run_scenario(w, hash_of(data, size), &page);
  ccgc_host_world_free(w);
  return 0;
}
