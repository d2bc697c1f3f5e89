/* host.c - the host model's DOM and script helpers (host.h). */
#include "host.h"

#include <stddef.h>
#include <stdint.h>
#include <glib.h>
#include <stdio.h>
#include <string.h>

#include "host-internal.h"

typedef struct event_listener {
  const char *type; /* interned (world->event_types) */
  bridge_script_ref *callback;
  ccgc_host_world *world;
} event_listener;

/* Walks that ask of every node (stats, snapshots) would climb to the root
 * from each: quadratic on a deep page (40,000 nested elements took 7 s).
 * The answer of every node climbed through is kept until the tree changes
 * or a collection runs (a dead node's cell may then hold a new node). */
struct ccgc_host_attach_memo {
  GHashTable *known; /* node -> GINT_TO_POINTER(1 + attached) */
  unsigned long tree_version, cycles;
};

/* A node's references are all members: declared (the type's layout
 * descriptor: the collector's mark loop traces them without a call), no
 * trace callback. */
static const blinkish_member_info node_members[] = {
    {offsetof(ccgc_host_node, parent), "parentNode"},
    {offsetof(ccgc_host_node, first_child), "firstChild"},
    {offsetof(ccgc_host_node, last_child), "lastChild"},
    {offsetof(ccgc_host_node, next_sibling), "nextSibling"},
    {offsetof(ccgc_host_node, prev_sibling), "previousSibling"},
    {offsetof(ccgc_host_node, listeners), "listeners"},
};

/* Thread-safe (g_free) and reading only the node's own strings: a sweeper
 * thread may run it (BLINKISH_TYPE_CONCURRENT_FINALIZER, NODE_FLAGS). */
static void finalize_node(void *object) {
  ccgc_host_node *node = object;
  if (node->kind != CCGC_HOST_ELEMENT) g_free(node->name); /* else interned */
  g_strfreev(node->attributes);
}

/* Every node type: wrappable, finalized by finalize_node. */
#define NODE_FLAGS (BLINKISH_TYPE_WRAPPABLE | BLINKISH_TYPE_CONCURRENT_FINALIZER)

/* A node type (name copied), its members declared; 0 if the registry is
 * full or the declaration failed (out of memory). */
static blinkish_type_id register_node_type(ccgc_host_world *world,
                                           const char *name) {
  blinkish_type_info info = {name, NULL, finalize_node, NODE_FLAGS};
  blinkish_type_id id = blinkish_register_type(world->dom, &info);
  /* Without its members a node would hold nothing: not usable. */
  if (id && blinkish_type_declare_members(world->dom, id, node_members,
                                          sizeof node_members /
                                              sizeof node_members[0]) != CCGC_OK)
    return 0;
  return id;
}

static void trace_listener(ccgc_visitor *visitor, void *object) {
  event_listener *listener = object;
  bridge_trace_script_ref(visitor, listener->callback, "callback");
}

static void finalize_listener(void *object) {
  event_listener *listener = object;
  bridge_script_ref_free(listener->world->bridge, listener->callback);
}

char *ccgc_host_try_copy(ccgc_host_world *world, const char *text, size_t length,
                         const char *what) {
  char *copy = length < SIZE_MAX ? g_try_malloc(length + 1) : NULL;
  if (!copy) {
    snprintf(world->error, sizeof world->error, "out of memory: %s of %zu bytes", what,
             length);
    return NULL;
  }
  memcpy(copy, text, length);
  copy[length] = '\0';
  return copy;
}

static void add_node_type(ccgc_host_world *world, blinkish_type_id type) {
  g_hash_table_add(world->node_types, GUINT_TO_POINTER(type));
}

void ccgc_host_default_options(ccgc_collector_options *options) {
  memset(options, 0, sizeof *options);
  options->marker_threads = 1;
  options->incremental_marking = true;
  options->sweeping = CCGC_SWEEP_CONCURRENT;
  options->sweeper_threads = 1;
  /* At most those; each cycle uses what its heap size and the allocation
   * rate call for (docs/scheduling.md "Helper threads sized per cycle"). */
  options->adaptive_threads = true;
}

ccgc_host_world *ccgc_host_world_new(bridge_mode mode,
                                     const ccgc_collector_options *options) {
  ccgc_host_world *world = g_new0(ccgc_host_world, 1);
  ccgc_collector_options defaults;
  if (!options) {
    ccgc_host_default_options(&defaults);
    options = &defaults;
  }
  world->collector = ccgc_collector_new(options);
  /* A page's wrappers, listeners' closures and contexts live as long as
   * their nodes and come in bursts (loading, building a section): eager
   * pretenuring allocates them old after the first scavenge that sees them
   * survive, instead of copying them twice in the scavenges of a growing
   * semi-space (docs/script-heap.md "Pretenuring"). */
  v8ish_heap_options script_options = {.pretenuring = CCGC_PRETENURING_EAGER};
  world->script = v8ish_heap_new(world->collector, &script_options);
  world->dom = blinkish_heap_new(world->collector, NULL);
  world->bridge = bridge_new(world->collector, world->script, world->dom, mode);
  world->element_types = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
  world->tag_names = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
  world->event_types = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
  world->node_types = g_hash_table_new(g_direct_hash, g_direct_equal);
  world->attach_memo = g_new0(struct ccgc_host_attach_memo, 1);
  world->attach_memo->known = g_hash_table_new(g_direct_hash, g_direct_equal);
  blinkish_type_info listener = {"EventListener", trace_listener,
                                 finalize_listener, 0};
  world->document_type = register_node_type(world, "HTMLDocument");
  world->text_type = register_node_type(world, "Text");
  world->listener_type = blinkish_register_type(world->dom, &listener);
  /* The interface of tags the HTML standard does not define, and the type
   * of every element should the registry ever be full (the interfaces are
   * about 200): registered first so that there is room for it. */
  world->generic_type = register_node_type(world, "HTMLUnknownElement");
  add_node_type(world, world->document_type);
  add_node_type(world, world->text_type);
  add_node_type(world, world->generic_type);
  world->document = blinkish_alloc(world->dom, world->document_type,
                                   sizeof(ccgc_host_node));
  world->document->kind = CCGC_HOST_DOCUMENT;
  world->document->name = g_strdup("#document");
  world->document_root = blinkish_persistent_new(world->dom, world->document, false);
  return world;
}

void ccgc_host_world_free(ccgc_host_world *world) {
  if (!world) return;
  if (ccgc_collector_state(world->collector) == CCGC_STATE_MARKING)
    ccgc_incremental_finish(world->collector);
  blinkish_persistent_free(world->dom, world->document_root);
  blinkish_heap_free(world->dom); /* finalizers release script references */
  bridge_free(world->bridge);
  v8ish_heap_free(world->script);
  ccgc_collector_free(world->collector);
  g_hash_table_destroy(world->element_types);
  g_hash_table_destroy(world->tag_names); /* after the heap: names of elements */
  g_hash_table_destroy(world->event_types);
  g_hash_table_destroy(world->node_types);
  g_hash_table_destroy(world->attach_memo->known);
  g_free(world->attach_memo);
  g_free(world);
}

/* The element type cache's key: the tag, prefixed by its namespace outside
 * HTML ("svg:a" is not "a"). g_try_malloc: NULL when malloc refuses. */
static char *type_key(ccgc_host_namespace ns, const char *tag) {
  const char *prefix = ns == CCGC_HOST_NS_SVG ? "svg:" : ns == CCGC_HOST_NS_MATHML ? "math:" : "";
  size_t size = strlen(prefix) + strlen(tag) + 1;
  char *key = g_try_malloc(size);
  if (key) snprintf(key, size, "%s%s", prefix, tag);
  return key;
}

/* The type of an element with this tag in this namespace: its interface
 * (interface-names.c), one DOM heap type per interface, registered on first
 * use; HTMLUnknownElement should the registry be full. 0 with world->error
 * set only when malloc refuses. */
static blinkish_type_id element_type(ccgc_host_world *world, ccgc_host_namespace ns,
                                     const char *tag) {
  char *key = type_key(ns, tag);
  if (!key) {
    snprintf(world->error, sizeof world->error,
             "out of memory: the type of <%.64s> elements", tag);
    return 0;
  }
  gpointer found = g_hash_table_lookup(world->element_types, key);
  if (found) {
    g_free(key);
    return (blinkish_type_id)GPOINTER_TO_UINT(found);
  }
  const char *name = ccgc_host_interface_name(ns, tag);
  blinkish_type_id id = blinkish_type_by_name(world->dom, name);
  if (!id) id = register_node_type(world, name);
  if (!id) id = world->generic_type; /* the registry is full */
  g_hash_table_insert(world->element_types, key, GUINT_TO_POINTER(id));
  add_node_type(world, id);
  return id;
}

/* kind CCGC_HOST_ELEMENT: name is interned (tag_names) and kept as it is;
 * else a copy of its length bytes is made. */
static ccgc_status new_node(ccgc_host_world *world, blinkish_type_id type,
                            ccgc_host_node_kind kind, const char *name, size_t length,
                            ccgc_host_node **out) {
  *out = NULL;
  if (!type) return CCGC_E_OUT_OF_MEMORY;
  ccgc_host_node *node = blinkish_alloc(world->dom, type, sizeof *node);
  if (!node) {
    const ccgc_error *error = ccgc_collector_last_error(world->collector);
    snprintf(world->error, sizeof world->error, "%s", error->message);
    return error->code == CCGC_E_HEAP_LIMIT ? CCGC_E_HEAP_LIMIT : CCGC_E_OUT_OF_MEMORY;
  }
  node->kind = kind;
  if (kind == CCGC_HOST_ELEMENT) {
    node->name = (char *)name;
  } else {
    /* Unreachable if the copy fails: the next collection takes it. */
    node->name = ccgc_host_try_copy(world, name, length,
                                    kind == CCGC_HOST_TEXT ? "a text" : "a name");
    if (!node->name) return CCGC_E_OUT_OF_MEMORY;
  }
  *out = node;
  return CCGC_OK;
}

/* The world's one copy of text in table (a set of strings it owns),
 * made on first use; NULL with world->error set when malloc refuses. */
static const char *interned(ccgc_host_world *world, void *table, const char *text,
                            const char *what) {
  char *copy = g_hash_table_lookup(table, text);
  if (!copy) {
    copy = ccgc_host_try_copy(world, text, strlen(text), what);
    if (copy) g_hash_table_add(table, copy);
  }
  return copy;
}

/* The world's copy of a tag name, lower-cased outside SVG (SVG keeps its
 * camelCase names; the parser lower-cased the rest); NULL with
 * world->error set when malloc refuses. */
static const char *interned_tag(ccgc_host_world *world, ccgc_host_namespace ns,
                                const char *tag) {
  char small[64];
  size_t length = strlen(tag);
  char *name = length < sizeof small ? small
                                     : ccgc_host_try_copy(world, tag, length, "a tag name");
  if (!name) return NULL;
  for (size_t i = 0; i <= length; i++)
    name[i] = ns != CCGC_HOST_NS_SVG ? g_ascii_tolower(tag[i]) : tag[i];
  const char *copy = interned(world, world->tag_names, name, "a tag name");
  if (name != small) g_free(name);
  return copy;
}

ccgc_status ccgc_host_new_element(ccgc_host_world *world, ccgc_host_namespace ns,
                                  const char *tag, ccgc_host_node **node) {
  const char *name = interned_tag(world, ns, tag);
  if (!name) {
    *node = NULL;
    return CCGC_E_OUT_OF_MEMORY;
  }
  ccgc_status status = new_node(world, element_type(world, ns, name), CCGC_HOST_ELEMENT,
                                name, strlen(name), node);
  if (*node) (*node)->ns = ns;
  return status;
}

ccgc_status ccgc_host_new_text(ccgc_host_world *world, const char *data, size_t length,
                               ccgc_host_node **node) {
  return new_node(world, world->text_type, CCGC_HOST_TEXT, data, length, node);
}

ccgc_host_node *ccgc_host_create_element(ccgc_host_world *world,
                                         const char *tag) {
  return ccgc_host_create_element_ns(world, CCGC_HOST_NS_HTML, tag);
}

ccgc_host_node *ccgc_host_create_element_ns(ccgc_host_world *world,
                                            ccgc_host_namespace ns,
                                            const char *tag) {
  ccgc_host_node *node;
  ccgc_host_new_element(world, ns, tag, &node);
  return node;
}

ccgc_host_node *ccgc_host_create_text(ccgc_host_world *world, const char *data) {
  ccgc_host_node *node;
  ccgc_host_new_text(world, data, strlen(data), &node);
  return node;
}

static ccgc_status set(ccgc_host_world *world, ccgc_host_node *holder,
                       ccgc_host_node **slot, void *value) {
  return blinkish_member_set(world->dom, holder, (void **)slot, value);
}

/* The DOM's HierarchyRequestError cases: a tree stays a tree. */
static bool can_append(ccgc_host_world *world, const ccgc_host_node *parent,
                       const ccgc_host_node *child) {
  const char *problem = NULL;
  if (parent->kind == CCGC_HOST_TEXT)
    problem = "a text node cannot have children";
  else if (child->kind == CCGC_HOST_DOCUMENT)
    problem = "the document cannot be a child";
  else if (child == parent)
    problem = "the child is the parent or one of its ancestors";
  /* Only a node with children can be a proper ancestor: appending a leaf
   * (every node the loader appends) costs no walk up a deep tree. */
  for (const ccgc_host_node *up = parent; child->first_child && up && !problem; up = up->parent)
    if (up == child) problem = "the child is the parent or one of its ancestors";
  if (problem)
    snprintf(world->error, sizeof world->error, "ccgc_host_append_child: %s",
             problem);
  return problem == NULL;
}

ccgc_status ccgc_host_append_child(ccgc_host_world *world,
                                   ccgc_host_node *parent,
                                   ccgc_host_node *child) {
  if (!can_append(world, parent, child)) return CCGC_E_INVALID_ARGUMENT;
  if (child->parent) ccgc_host_remove_child(world, child->parent, child);
  world->tree_version++;
  ccgc_status status = set(world, child, &child->parent, parent);
  if (status != CCGC_OK) return status;
  set(world, child, &child->prev_sibling, parent->last_child);
  if (parent->last_child)
    set(world, parent->last_child, &parent->last_child->next_sibling, child);
  else
    set(world, parent, &parent->first_child, child);
  return set(world, parent, &parent->last_child, child);
}

ccgc_status ccgc_host_remove_child(ccgc_host_world *world,
                                   ccgc_host_node *parent,
                                   ccgc_host_node *child) {
  if (child->parent != parent) {
    snprintf(world->error, sizeof world->error,
             "ccgc_host_remove_child: the node is not a child of this parent");
    return CCGC_E_INVALID_ARGUMENT;
  }
  if (child->prev_sibling)
    set(world, child->prev_sibling, &child->prev_sibling->next_sibling,
        child->next_sibling);
  else
    set(world, parent, &parent->first_child, child->next_sibling);
  if (child->next_sibling)
    set(world, child->next_sibling, &child->next_sibling->prev_sibling,
        child->prev_sibling);
  else
    set(world, parent, &parent->last_child, child->prev_sibling);
  world->tree_version++;
  set(world, child, &child->parent, NULL);
  set(world, child, &child->prev_sibling, NULL);
  return set(world, child, &child->next_sibling, NULL);
}

ccgc_status ccgc_host_set_attribute(ccgc_host_world *world,
                                    ccgc_host_node *node, const char *name,
                                    const char *value) {
  size_t count = 0;
  for (; node->attributes && node->attributes[count]; count += 2)
    if (!strcmp(node->attributes[count], name)) break;
  bool found = node->attributes && node->attributes[count];
  char *name_copy = found ? NULL : ccgc_host_try_copy(world, name, strlen(name), "an attribute name");
  char *value_copy = ccgc_host_try_copy(world, value, strlen(value), "an attribute value");
  char **grown = found || !name_copy || !value_copy
                     ? NULL
                     : g_try_renew(char *, node->attributes, count + 3);
  if (!value_copy || (!found && !grown)) {
    if (!found && name_copy && value_copy)
      snprintf(world->error, sizeof world->error, "out of memory: %zu attributes",
               count / 2 + 1);
    g_free(name_copy);
    g_free(value_copy);
    return CCGC_E_OUT_OF_MEMORY;
  }
  if (found) {
    g_free(node->attributes[count + 1]);
    node->attributes[count + 1] = value_copy;
    return CCGC_OK;
  }
  node->attributes = grown;
  node->attributes[count] = name_copy;
  node->attributes[count + 1] = value_copy;
  node->attributes[count + 2] = NULL;
  return CCGC_OK;
}

const char *ccgc_host_get_attribute(const ccgc_host_node *node,
                                    const char *name) {
  for (size_t i = 0; node->attributes && node->attributes[i]; i += 2)
    if (!strcmp(node->attributes[i], name)) return node->attributes[i + 1];
  return NULL;
}

/* Document-order walk without recursion. */
ccgc_host_node *ccgc_host_next_in_order(const ccgc_host_node *root,
                                        const ccgc_host_node *node) {
  if (node->first_child) return node->first_child;
  while (node && node != root) {
    if (node->next_sibling) return node->next_sibling;
    node = node->parent;
  }
  return NULL;
}

ccgc_host_node *ccgc_host_get_element_by_id(ccgc_host_node *root,
                                            const char *id) {
  for (ccgc_host_node *node = root; node; node = ccgc_host_next_in_order(root, node)) {
    const char *value = ccgc_host_get_attribute(node, "id");
    if (value && !strcmp(value, id)) return node;
  }
  return NULL;
}

ccgc_host_node *ccgc_host_find_tag(ccgc_host_node *root, const char *tag) {
  for (ccgc_host_node *node = root; node; node = ccgc_host_next_in_order(root, node))
    if (node->kind == CCGC_HOST_ELEMENT && !strcmp(node->name, tag)) return node;
  return NULL;
}

ccgc_host_node *ccgc_host_node_at(ccgc_host_world *world, void *address) {
  if (!blinkish_is_object(world->dom, address)) return NULL;
  blinkish_type_id type = blinkish_type_of(world->dom, address);
  return g_hash_table_contains(world->node_types, GUINT_TO_POINTER(type)) ? address : NULL;
}

size_t ccgc_host_count_nodes(const ccgc_host_node *root,
                             ccgc_host_node_kind kind) {
  size_t count = 0;
  for (const ccgc_host_node *node = root; node; node = ccgc_host_next_in_order(root, node))
    count += node->kind == kind;
  return count;
}

bool ccgc_host_is_attached(const ccgc_host_world *world,
                           const ccgc_host_node *node) {
  struct ccgc_host_attach_memo *memo = world->attach_memo;
  unsigned long cycles = ccgc_collector_cycle_count(world->collector);
  if (memo->tree_version != world->tree_version || memo->cycles != cycles) {
    g_hash_table_remove_all(memo->known);
    memo->tree_version = world->tree_version;
    memo->cycles = cycles;
  }
  const ccgc_host_node *up = node;
  int answer = 0;
  while (!(answer = GPOINTER_TO_INT(g_hash_table_lookup(memo->known, up))) && up->parent)
    up = up->parent;
  if (!answer) answer = 1 + (up == world->document);
  for (const ccgc_host_node *at = node; at != up; at = at->parent)
    g_hash_table_insert(memo->known, (gpointer)at, GINT_TO_POINTER(answer));
  g_hash_table_insert(memo->known, (gpointer)up, GINT_TO_POINTER(answer));
  return answer == 2;
}

ccgc_status ccgc_host_add_event_listener(ccgc_host_world *world,
                                         ccgc_host_node *node,
                                         const char *type,
                                         v8ish_local callback) {
  if (!node->listeners) {
    void *vector = blinkish_vector_new(world->dom, 2);
    if (!vector) return CCGC_E_HEAP_LIMIT;
    blinkish_member_set(world->dom, node, &node->listeners, vector);
  }
  const char *event_type = interned(world, world->event_types, type, "an event type");
  if (!event_type) return CCGC_E_OUT_OF_MEMORY;
  event_listener *listener =
      blinkish_alloc(world->dom, world->listener_type, sizeof *listener);
  if (!listener) return CCGC_E_HEAP_LIMIT;
  listener->world = world;
  listener->type = event_type;
  listener->callback = bridge_script_ref_new(world->bridge, callback);
  return blinkish_vector_append(world->dom, node->listeners, listener);
}

size_t ccgc_host_listener_count(ccgc_host_world *world,
                                const ccgc_host_node *node) {
  return node->listeners ? blinkish_vector_length(world->dom, node->listeners) : 0;
}

static event_listener *listener_at(ccgc_host_world *world,
                                   const ccgc_host_node *node, size_t i) {
  if (i >= ccgc_host_listener_count(world, node)) return NULL;
  return blinkish_vector_get(world->dom, node->listeners, i);
}

const char *ccgc_host_listener_type(ccgc_host_world *world,
                                    const ccgc_host_node *node, size_t i) {
  event_listener *listener = listener_at(world, node, i);
  return listener ? listener->type : NULL;
}

v8ish_local ccgc_host_listener_callback(ccgc_host_world *world,
                                        const ccgc_host_node *node, size_t i) {
  event_listener *listener = listener_at(world, node, i);
  return listener ? bridge_script_ref_get(world->bridge, listener->callback)
                  : v8ish_local_empty();
}

bool ccgc_host_remove_event_listener(ccgc_host_world *world,
                                     ccgc_host_node *node, const char *type,
                                     v8ish_local callback) {
  size_t count = ccgc_host_listener_count(world, node);
  for (size_t i = 0; i < count; i++) {
    event_listener *listener = listener_at(world, node, i);
    if (strcmp(listener->type, type) != 0) continue;
    v8ish_local held = bridge_script_ref_get(world->bridge, listener->callback);
    if (!v8ish_same(world->script, held, callback)) continue;
    /* The listener object is now garbage; its finalizer frees the script
     * reference (in baseline mode a global handle, released only then). */
    blinkish_vector_remove(world->dom, node->listeners, i);
    return true;
  }
  return false;
}

void ccgc_host_remove_all_listeners(ccgc_host_world *world,
                                    ccgc_host_node *node) {
  if (node->listeners)
    while (blinkish_vector_length(world->dom, node->listeners))
      blinkish_vector_remove(world->dom, node->listeners, 0);
}

v8ish_local ccgc_host_wrap(ccgc_host_world *world, ccgc_host_node *node) {
  return bridge_wrap(world->bridge, node);
}

v8ish_local ccgc_host_make_closure(ccgc_host_world *world, const char *name,
                                   const v8ish_local *captured, size_t count) {
  v8ish_local context =
      v8ish_context_new(world->script, v8ish_local_empty(), count);
  for (size_t i = 0; i < count; i++)
    v8ish_context_set(world->script, context, i, captured[i]);
  return v8ish_closure_new(world->script, context, name);
}

v8ish_local ccgc_host_wrapper_array(ccgc_host_world *world,
                                    ccgc_host_node *const *nodes,
                                    size_t count) {
  v8ish_local array = v8ish_array_new(world->script);
  for (size_t i = 0; i < count && !v8ish_local_is_empty(array); i++)
    v8ish_array_push(world->script, array, ccgc_host_wrap(world, nodes[i]));
  return array;
}

/* --- heap snapshots ---------------------------------------------------------- */

ccgc_heap_snapshot_detachedness ccgc_host_snapshot_detachedness(const ccgc_object_info *info,
                                                                void *data) {
  ccgc_host_world *world = data;
  const ccgc_host_node *node = world ? ccgc_host_node_at(world, info->address) : NULL;
  if (!node) return CCGC_HEAP_SNAPSHOT_UNKNOWN;
  return ccgc_host_is_attached(world, node) ? CCGC_HEAP_SNAPSHOT_ATTACHED
                                            : CCGC_HEAP_SNAPSHOT_DETACHED;
}
