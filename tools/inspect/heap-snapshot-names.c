/* heap-snapshot-names.c - what each node of a heap snapshot is called and
 * typed (heap-snapshot-graph.h), as V8 and Blink write theirs: DevTools
 * groups its Summary by these names and memlab matches some of them
 * ("InternalNode", "system / Context"). The host's name callback comes
 * first. A string's characters and a closure's function name come from the
 * script heap's label op (ccgc-heap.h), the library's only look inside an
 * object here. */
#include <string.h>

#include "heap-snapshot-graph.h"
#include "heap-snapshot-ids.h"
#include "inspect-internal.h"

/* V8 cuts a node name at 1024 bytes (StringsStorage's limit). */
#define NAME_MAX_BYTES 1024

static const char *const hidden_types[] = {"MetaClass", "HiddenClass", "Filler", NULL};
static const char *const array_types[] = {"FixedArray", "DoubleArray", "EphemeronHashTable",
                                          "WeakCells", NULL};
/* The DOM heap's own collections (blinkish/vector.c, weak-collections.c):
 * Blink's HeapVector, HeapHashMap... have no name of their own in a
 * snapshot, which calls them InternalNode (memlab skips those in leak
 * traces). */
static const char *const internal_native_types[] = {
    "HeapVector", "HeapVectorBacking", "HeapEphemeronMap", "HeapEphemeronMapBacking",
    "HeapWeakSet", "HeapWeakSetBacking", NULL};

static bool listed(const char *name, const char *const *list) {
  for (size_t i = 0; list[i]; i++)
    if (!strcmp(name, list[i])) return true;
  return false;
}

/* The bytes of the UTF-8 sequence a lead byte starts (1 for any other). */
static size_t sequence_length(unsigned char lead) {
  return lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1;
}

/* Cuts text at NAME_MAX_BYTES at most, and before a last character whose
 * sequence does not end by then: one cut there, or one the text itself
 * ends in (a namer's snprintf stops inside a character; that lead byte
 * was kept and written as U+FFFD: found by an audit). */
static void cut(char *text, size_t size) {
  size_t len = strnlen(text, size - 1);
  if (len > NAME_MAX_BYTES) len = NAME_MAX_BYTES;
  size_t start = len; /* the last character's first byte, or len */
  while (start > 0 && len - start < 3 && ((unsigned char)text[start - 1] & 0xC0) == 0x80)
    start--;
  if (start > 0) {
    unsigned char lead = (unsigned char)text[start - 1];
    if (lead >= 0xC0 && start - 1 + sequence_length(lead) > len) len = start - 1;
  }
  text[len] = '\0';
}

static uint32_t intern_cut(snapshot_graph *graph, const char *text) {
  if (strlen(text) <= NAME_MAX_BYTES) return ccgc_snapshot_graph_intern_raw(graph, text);
  char *copy = g_strndup(text, NAME_MAX_BYTES + 4);
  cut(copy, NAME_MAX_BYTES + 5);
  uint32_t index = ccgc_snapshot_graph_intern_raw(graph, copy);
  g_free(copy);
  return index;
}

/* The script heap's label of the object (a string's characters, a
 * closure's name) as a C string the caller frees, or NULL: a NUL byte of
 * the text becomes the pair C0 80 (Java's modified UTF-8), which the
 * strings table writes as \u0000 (ccgc_json_writer_escape_mutf8), so a
 * string with NUL bytes is not cut at the first. */
static char *label_of(const snapshot_graph *graph, const ccgc_object_info *info) {
  const ccgc_heap_ops *ops = NULL;
  void *heap = ccgc_collector_heap(graph->collector, info->heap_id, &ops);
  size_t length = 0;
  const char *text = heap && ops && ops->label ? ops->label(heap, info->address, &length) : NULL;
  if (!text) return NULL;
  /* Only the first bytes can be written (intern_cut). */
  if (length > NAME_MAX_BYTES + 8) length = NAME_MAX_BYTES + 8;
  GString *copy = g_string_sized_new(length + 1);
  for (size_t i = 0; i < length; i++) {
    if (!text[i]) g_string_append(copy, "\xc0\x80");
    else if (text[i] == '\xc0') g_string_append(copy, "\xef\xbf\xbd"); /* U+FFFD */
    else g_string_append_c(copy, text[i]);
  }
  return g_string_free(copy, FALSE);
}

static void classify_script(snapshot_graph *graph, const ccgc_object_info *info,
                            snapshot_object *o, const char *type) {
  if (listed(type, hidden_types)) {
    char *name = g_strdup_printf("system / %s", type);
    o->type = SNAPSHOT_NODE_HIDDEN;
    o->name = ccgc_snapshot_graph_intern(graph, name);
    g_free(name);
  } else if (!strcmp(type, "Context")) {
    o->type = SNAPSHOT_NODE_OBJECT;
    o->name = ccgc_snapshot_graph_intern(graph, "system / Context");
  } else if (!strcmp(type, "String")) {
    char *text = label_of(graph, info);
    o->type = SNAPSHOT_NODE_STRING; /* V8: the node's name is the string */
    o->name = intern_cut(graph, text ? text : "");
    g_free(text);
  } else if (!strcmp(type, "HeapNumber")) {
    o->type = SNAPSHOT_NODE_NUMBER;
    o->name = ccgc_snapshot_graph_intern(graph, "heap number");
  } else if (!strcmp(type, "Closure")) {
    char *name = label_of(graph, info);
    o->type = SNAPSHOT_NODE_CLOSURE; /* V8: the function's name */
    o->name = intern_cut(graph, name && name[0] ? name : "(anonymous)");
    g_free(name);
  } else {
    o->type = listed(type, array_types) ? SNAPSHOT_NODE_ARRAY : SNAPSHOT_NODE_OBJECT;
    o->name = ccgc_snapshot_graph_intern(graph, type); /* Object, Array, a wrapper's class */
  }
}

void ccgc_snapshot_graph_classify(snapshot_graph *graph, const ccgc_object_info *info,
                                  snapshot_object *o) {
  const char *type = info->type_name ? info->type_name : "?";
  if (o->script) {
    classify_script(graph, info, o, type);
  } else {
    o->type = SNAPSHOT_NODE_NATIVE;
    o->name = ccgc_snapshot_graph_intern(graph, listed(type, internal_native_types) ? "InternalNode"
                                                                                : type);
  }
  const ccgc_heap_snapshot_options *options = graph->options;
  if (!options->name) return;
  char name[NAME_MAX_BYTES + 1];
  name[0] = '\0';
  if (!options->name(info, name, sizeof name, options->name_data)) return;
  name[sizeof name - 1] = '\0';
  cut(name, sizeof name);
  o->name = ccgc_snapshot_graph_intern(graph, name);
}
