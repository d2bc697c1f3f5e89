/* host.h - a small host model on the public API (ccgc.h, v8ish.h,
 * blinkish.h, bridge.h): a Document with Elements and Text, event listeners
 * that hold script closures, wrappers, and an HTML loader (an HTML5 parser,
 * gumbo). Used by `ccgc demo`, the leak tests and the benchmarks.
 *
 *   ccgc_host_world *w = ccgc_host_world_new(BRIDGE_MODE_UNIFIED, &options);
 *   ccgc_host_load_html(w, "page.html");        builds the DOM under w->document
 *   v8ish_handle_scope scope; v8ish_handle_scope_open(w->script, &scope);
 *   v8ish_local closure = ccgc_host_make_closure(w, "onclick", &wrapper, 1);
 *   ccgc_host_add_event_listener(w, button, "click", closure);
 *   v8ish_handle_scope_close(&scope);
 *   ccgc_collect(w->collector, CCGC_REASON_HOST_REQUEST);
 *   ccgc_host_world_free(w);
 */
#ifndef CCGC_HOST_H
#define CCGC_HOST_H

#include <stdbool.h>
#include <stddef.h>

#include "bridge.h"
#include "ccgc-snapshot.h"

typedef enum ccgc_host_node_kind {
  CCGC_HOST_DOCUMENT,
  CCGC_HOST_ELEMENT,
  CCGC_HOST_TEXT,
} ccgc_host_node_kind;

/* The namespace of an element, as the HTML parser puts it: HTML, or SVG
 * and MathML for what it finds inside <svg> and <math>. */
typedef enum ccgc_host_namespace {
  CCGC_HOST_NS_HTML,
  CCGC_HOST_NS_SVG,
  CCGC_HOST_NS_MATHML,
} ccgc_host_namespace;

typedef struct ccgc_host_world ccgc_host_world;

/* A DOM node (a blinkish object). Members are set only through the host
 * functions (they go through blinkish_member_set). */
typedef struct ccgc_host_node {
  ccgc_host_node_kind kind;
  struct ccgc_host_node *parent;
  struct ccgc_host_node *first_child, *last_child;
  struct ccgc_host_node *next_sibling, *prev_sibling;
  void *listeners;        /* HeapVector of EventListener, or NULL */
  char *name;             /* tag name (elements: the world's interned copy,
                           * never freed with the node), text (text nodes) */
  char **attributes;      /* NULL-terminated name, value, name, value... */
  ccgc_host_namespace ns; /* elements: HTML unless the parser says SVG or MathML */
} ccgc_host_node;

struct ccgc_host_world {
  ccgc_collector *collector;
  v8ish_heap *script;
  blinkish_heap *dom;
  bridge *bridge;
  ccgc_host_node *document; /* held by a persistent */
  blinkish_persistent *document_root;
  blinkish_type_id document_type, text_type, listener_type;
  blinkish_type_id generic_type; /* HTMLUnknownElement (also tags past a full registry) */
  void *element_types;      /* GHashTable: "tag" / "svg:tag" / "math:tag" -> type id */
  void *tag_names;          /* GHashTable: the elements' names, interned (a
                             * tag name is shared as Blink's AtomicString is:
                             * no copy made or freed per element) */
  void *event_types;        /* GHashTable: the listeners' event types,
                             * interned as tag names are (Blink's event
                             * types are AtomicStrings) */
  void *node_types;         /* GHashTable: the type ids of nodes (a set) */
  char error[512];          /* the last error of a host call */
  /* Bumped by every change of a node's parent; ccgc_host_is_attached's
   * memo (host.c) is valid for one tree version and one collection count. */
  unsigned long tree_version;
  struct ccgc_host_attach_memo *attach_memo;
};

/* The host world's collector options: automatic incremental collection
 * (incremental_marking: a soft limit starts an incremental cycle at the
 * next safepoint, paced steps, docs/scheduling.md "Pacing"), concurrent
 * marking (one marker thread) and concurrent sweeping (CCGC_SWEEP_CONCURRENT, one sweeper
 * thread: DOM finalizers run on the host thread after the pause), what
 * `ccgc bench dom` and `ccgc demo` run with. */
void ccgc_host_default_options(ccgc_collector_options *options);
/* options NULL: ccgc_host_default_options. */
ccgc_host_world *ccgc_host_world_new(bridge_mode mode,
                                     const ccgc_collector_options *options);
void ccgc_host_world_free(ccgc_host_world *world);

/* An element of the HTML namespace (the tag is lower-cased); its type is
 * the interface ccgc_host_interface_name gives. */
ccgc_host_node *ccgc_host_create_element(ccgc_host_world *world,
                                         const char *tag);
/* An element of the given namespace; an SVG tag keeps its case
 * ("foreignObject"), others are lower-cased. */
ccgc_host_node *ccgc_host_create_element_ns(ccgc_host_world *world,
                                            ccgc_host_namespace ns,
                                            const char *tag);
/* The DOM interface of an element (static text), named as the HTML
 * standard's element index names it (interface-names.c): "HTMLDivElement",
 * "HTMLElement" for em, b, section... and for custom elements (a valid
 * custom element name: "my-widget"), "HTMLModElement" for del and ins,
 * "HTMLUnknownElement" for tags it does not define; "SVGSVGElement",
 * "SVGCircleElement"..., "SVGElement" for other SVG tags; "MathMLElement".
 * The tag as the parser gives it: lower case, SVG's camelCase names kept. */
const char *ccgc_host_interface_name(ccgc_host_namespace ns, const char *tag);
ccgc_host_node *ccgc_host_create_text(ccgc_host_world *world, const char *data);
/* Moves child (and its subtree) to the end of parent's children.
 * CCGC_E_INVALID_ARGUMENT (world->error says why) if parent is a text node or
 * child is parent or one of its ancestors, or child is the document. */
ccgc_status ccgc_host_append_child(ccgc_host_world *world,
                                   ccgc_host_node *parent,
                                   ccgc_host_node *child);
/* Detaches child (and its subtree) from parent. */
ccgc_status ccgc_host_remove_child(ccgc_host_world *world,
                                   ccgc_host_node *parent,
                                   ccgc_host_node *child);
ccgc_status ccgc_host_set_attribute(ccgc_host_world *world,
                                    ccgc_host_node *node, const char *name,
                                    const char *value);
const char *ccgc_host_get_attribute(const ccgc_host_node *node,
                                    const char *name);
ccgc_host_node *ccgc_host_get_element_by_id(ccgc_host_node *root,
                                            const char *id);
/* The first element with this tag under root (document order), or NULL. */
ccgc_host_node *ccgc_host_find_tag(ccgc_host_node *root, const char *tag);
/* The node after `node` in document order within root's subtree, or NULL. */
ccgc_host_node *ccgc_host_next_in_order(const ccgc_host_node *root,
                                        const ccgc_host_node *node);
/* The node at address if it is one (a Document, Element or Text of this
 * world's DOM heap), else NULL: for tools that walk the heaps. */
ccgc_host_node *ccgc_host_node_at(ccgc_host_world *world, void *address);
size_t ccgc_host_count_nodes(const ccgc_host_node *root,
                             ccgc_host_node_kind kind);
/* Whether node's ancestors reach the document. Owner thread. Remembered
 * until a parent changes, which happens only through append_child and
 * remove_child (never write a node's parent directly), or a collection
 * runs. */
bool ccgc_host_is_attached(const ccgc_host_world *world,
                           const ccgc_host_node *node);

/* The detachedness callback of a heap snapshot (ccgc-snapshot.h) for the
 * host model, data = the world: a Document, Element or Text is attached
 * when ccgc_host_is_attached says so (its ancestors reach the document),
 * detached otherwise; every other object (script objects, listeners, the
 * DOM heap's vectors) unknown, which DevTools and memlab then derive from
 * the node above. */
ccgc_heap_snapshot_detachedness ccgc_host_snapshot_detachedness(const ccgc_object_info *info,
                                                                void *world);

/* Event listeners: an EventListener object (type + a bridge script reference
 * to the callback) appended to the node's listener HeapVector. */
ccgc_status ccgc_host_add_event_listener(ccgc_host_world *world,
                                         ccgc_host_node *node,
                                         const char *type,
                                         v8ish_local callback);
/* Removes the first listener of this type whose callback is `callback` (the
 * same script object). Returns false if there was none, as the DOM's
 * removeEventListener ignores unknown listeners. */
bool ccgc_host_remove_event_listener(ccgc_host_world *world,
                                     ccgc_host_node *node, const char *type,
                                     v8ish_local callback);
size_t ccgc_host_listener_count(ccgc_host_world *world,
                                const ccgc_host_node *node);
/* The i-th listener's event type, and its callback (a local in the caller's
 * handle scope). NULL / empty when i is out of range. */
const char *ccgc_host_listener_type(ccgc_host_world *world,
                                    const ccgc_host_node *node, size_t i);
v8ish_local ccgc_host_listener_callback(ccgc_host_world *world,
                                        const ccgc_host_node *node, size_t i);
void ccgc_host_remove_all_listeners(ccgc_host_world *world,
                                    ccgc_host_node *node);

/* Script side: every result is a local of the caller's open handle scope. */
/* The node's wrapper, created on first use (one per node). */
v8ish_local ccgc_host_wrap(ccgc_host_world *world, ccgc_host_node *node);
/* A closure whose context captures the given values. */
v8ish_local ccgc_host_make_closure(ccgc_host_world *world, const char *name,
                                   const v8ish_local *captured, size_t count);
/* A script array of the nodes' wrappers, like a NodeList turned into an
 * Array (`[...document.querySelectorAll(...)]`). */
v8ish_local ccgc_host_wrapper_array(ccgc_host_world *world,
                                    ccgc_host_node *const *nodes,
                                    size_t count);

/* The most attributes one tag may have: the HTML parser (gumbo 0.10)
 * compares each attribute of a tag with every one before it, so the loader
 * refuses a page with a more crowded tag rather than take quadratic time. */
#define CCGC_HOST_MAX_ATTRIBUTES 1000

/* The largest page the loader reads: gumbo aborts (an assertion) past 10^9
 * tokens, one per character of text. */
#define CCGC_HOST_MAX_PAGE_BYTES (128 << 20)

/* Builds the DOM of an HTML file under the document (replacing nothing:
 * appends) with the HTML5 tree-building algorithm (gumbo): elements with
 * their namespace and attributes, and non-blank text (trimmed); implied
 * elements (html, head, body, tbody) are there, misnested tags repaired as
 * a browser repairs them, a template's contents are its children. The
 * whole page, however deep its nesting or long its text, or an error, never
 * a truncated page. CCGC_E_IO if the file cannot be read or is not a regular
 * file (a FIFO is refused, not waited on); CCGC_E_PARSE if it is empty,
 * binary, larger than CCGC_HOST_MAX_PAGE_BYTES (128 MiB), has a tag with more than
 * CCGC_HOST_MAX_ATTRIBUTES attributes, or the parser gives no document;
 * CCGC_E_OUT_OF_MEMORY or CCGC_E_HEAP_LIMIT if memory runs out (never an
 * abort); world->error then says which file and why. Each element's type is
 * its interface (ccgc_host_interface_name); should the DOM heap's type
 * registry be full, HTMLUnknownElement. */
ccgc_status ccgc_host_load_html(ccgc_host_world *world, const char *path);
ccgc_status ccgc_host_load_html_memory(ccgc_host_world *world,
                                       const char *html, size_t size);
/* The bundled default page (tools/host/default-page.html), embedded at build
 * time, NUL-terminated; and the path of its source file. */
const char *ccgc_host_default_page(void);
const char *ccgc_host_default_page_path(void);

#endif /* CCGC_HOST_H */
