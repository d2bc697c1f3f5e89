/* html.c - building the DOM from HTML with an HTML5 parser (gumbo): the
 * tree-building algorithm of the HTML standard, as browsers run it (implied
 * tbody, template contents, SVG and MathML namespaces, misnested tags
 * repaired), beats an HTML 4 parser and a hand-written one
 * (docs/dependencies.md).
 *
 * A bad page gets a clear error or loads completely (docs/host-model.md,
 * "Loading HTML"):
 *  - only regular files are read: the path is checked, then opened without
 *    blocking and checked again, so a FIFO or a device is refused before
 *    anything is read;
 *  - gumbo has no nesting or text limit, so nothing is cut; it builds the
 *    whole tree, which the loader walks without recursion;
 *  - gumbo checks each attribute of a tag against the ones before it
 *    (quadratic): a linear scan (attribute-scan.c) refuses, before parsing,
 *    a tag with more than CCGC_HOST_MAX_ATTRIBUTES attributes;
 *  - gumbo takes its memory from the loader (GumboOptions' allocator): each
 *    block from g_try_malloc, on a list, so that when one is refused the
 *    parse is abandoned (longjmp) and every block freed: a low memory limit
 *    gives CCGC_E_OUT_OF_MEMORY, not a crash in the parser, which does not
 *    check its allocations. The same list frees the tree after the walk,
 *    without gumbo_destroy_output, which recurses once per level. */
#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <gumbo.h>
#include <limits.h>
#include <setjmp.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "host-internal.h"

#ifndef CCGC_DEFAULT_PAGE
#error "CCGC_DEFAULT_PAGE: the path of tools/host/default-page.html (tools/CMakeLists.txt)"
#endif

/* tools/host/default-page.html, embedded by tools/CMakeLists.txt. */
static const char default_page[] = {
#include "default-page.inc"
    '\0'};

const char *ccgc_host_default_page(void) { return default_page; }

const char *ccgc_host_default_page_path(void) { return CCGC_DEFAULT_PAGE; }

/* gumbo asserts that it handles fewer than 10^9 tokens (an abort, not an
 * error), and a text is one token per character, some handled twice: the
 * loader reads at most CCGC_HOST_MAX_PAGE_BYTES. */
#define TOO_LARGE "more than 128 MiB, the most the loader reads"

/* --- the parser's memory -------------------------------------------------------- */

/* Every block gumbo holds, on a doubly linked list behind a header that
 * keeps the block's alignment. */
typedef union block_header {
  struct {
    union block_header *prev, *next;
  } links;
  max_align_t align;
} block_header;

typedef struct parser_memory {
  block_header blocks; /* the list's head */
  jmp_buf refused;     /* where an allocation that failed returns to */
  size_t failed_size;
} parser_memory;

static void *parser_allocate(void *userdata, size_t size) {
  parser_memory *memory = userdata;
  block_header *block =
      size <= SIZE_MAX - sizeof *block ? g_try_malloc(sizeof *block + size) : NULL;
  if (!block) {
    memory->failed_size = size;
    longjmp(memory->refused, 1);
  }
  block->links.prev = &memory->blocks;
  block->links.next = memory->blocks.links.next;
  memory->blocks.links.next->links.prev = block;
  memory->blocks.links.next = block;
  return block + 1;
}

static void parser_deallocate(void *userdata, void *pointer) {
  (void)userdata;
  if (!pointer) return;
  block_header *block = (block_header *)pointer - 1;
  block->links.prev->links.next = block->links.next;
  block->links.next->links.prev = block->links.prev;
  g_free(block);
}

static void parser_memory_init(parser_memory *memory) {
  memory->blocks.links.prev = memory->blocks.links.next = &memory->blocks;
  memory->failed_size = 0;
}

static void parser_memory_free(parser_memory *memory) {
  for (block_header *block = memory->blocks.links.next; block != &memory->blocks;) {
    block_header *next = block->links.next;
    g_free(block);
    block = next;
  }
  parser_memory_init(memory);
}

/* --- building the DOM ---------------------------------------------------------- */

/* (gumbo node, DOM parent) pairs, grown with g_try_realloc. */
typedef struct work_stack {
  void **items;
  size_t length, capacity;
} work_stack;

static bool push(ccgc_host_world *world, work_stack *stack, void *parsed, void *parent) {
  if (stack->length + 2 > stack->capacity) {
    size_t capacity = stack->capacity ? 2 * stack->capacity : 64;
    void **items = g_try_realloc_n(stack->items, capacity, sizeof *items);
    if (!items) {
      snprintf(world->error, sizeof world->error,
               "out of memory: the loader's stack of %zu nodes", capacity / 2);
      return false;
    }
    stack->items = items;
    stack->capacity = capacity;
  }
  stack->items[stack->length++] = parsed;
  stack->items[stack->length++] = parent;
  return true;
}

/* The element's attributes as one vector, made at once: the parser has
 * dropped duplicates already (the first one stays), so no per-attribute
 * search. Names as the parser gives them (lower case, SVG's camelCase
 * attributes such as viewBox), with their namespace's prefix for xlink:,
 * xml: and xmlns:. */
static ccgc_status copy_attributes(ccgc_host_world *world, ccgc_host_node *node,
                                   const GumboElement *element) {
  size_t count = element->attributes.length;
  if (!count) return CCGC_OK;
  char **vector = g_try_new0(char *, 2 * count + 1);
  if (!vector) {
    snprintf(world->error, sizeof world->error, "out of memory: %zu attributes", count);
    return CCGC_E_OUT_OF_MEMORY;
  }
  for (size_t i = 0; i < count; i++) {
    const GumboAttribute *attribute = element->attributes.data[i];
    static const char *const prefixes[] = {"", "xlink:", "xml:", "xmlns:"};
    const char *prefix = attribute->attr_namespace < 4 ? prefixes[attribute->attr_namespace] : "";
    if (!strcmp(attribute->name, "xmlns")) prefix = ""; /* xmlns itself */
    size_t length = strlen(prefix) + strlen(attribute->name);
    char *name = g_try_malloc(length + 1);
    if (name) snprintf(name, length + 1, "%s%s", prefix, attribute->name);
    else snprintf(world->error, sizeof world->error, "out of memory: an attribute name");
    vector[2 * i] = name;
    if (!name || !(vector[2 * i + 1] = ccgc_host_try_copy(world, attribute->value,
                                                          strlen(attribute->value),
                                                          "an attribute value"))) {
      g_strfreev(vector);
      return CCGC_E_OUT_OF_MEMORY;
    }
  }
  g_strfreev(node->attributes);
  node->attributes = vector;
  return CCGC_OK;
}

/* The element's tag as the HTML parser names it: the standard's name for
 * the tags gumbo knows (which covers every element it implies: html, head,
 * body, tbody...), else the source's tag, lower-cased, and in SVG with the
 * camelCase the standard restores ("clippath" -> "clipPath"). NULL and
 * world->error when malloc refuses. */
static char *tag_name(ccgc_host_world *world, const GumboElement *element) {
  GumboStringPiece piece = element->original_tag;
  if (element->tag != GUMBO_TAG_UNKNOWN || !piece.data || !piece.length) {
    const char *known = gumbo_normalized_tagname(element->tag);
    if (element->tag_namespace == GUMBO_NAMESPACE_SVG && piece.data && piece.length)
      gumbo_tag_from_original_text(&piece);
    else
      piece = (GumboStringPiece){known, strlen(known)};
  } else {
    gumbo_tag_from_original_text(&piece);
  }
  if (!piece.length) piece = (GumboStringPiece){"unknown", strlen("unknown")};
  char *name = ccgc_host_try_copy(world, piece.data, piece.length, "a tag name");
  if (!name) return NULL;
  for (char *at = name; *at; at++) *at = g_ascii_tolower(*at);
  if (element->tag_namespace == GUMBO_NAMESPACE_SVG) {
    GumboStringPiece lower = {name, strlen(name)};
    const char *fixed = gumbo_normalize_svg_tagname(&lower);
    if (fixed) {
      char *copy = ccgc_host_try_copy(world, fixed, strlen(fixed), "a tag name");
      g_free(name);
      name = copy;
    }
  }
  return name;
}

static ccgc_host_namespace namespace_of(const GumboElement *element) {
  switch (element->tag_namespace) {
  case GUMBO_NAMESPACE_SVG: return CCGC_HOST_NS_SVG;
  case GUMBO_NAMESPACE_MATHML: return CCGC_HOST_NS_MATHML;
  default: return CCGC_HOST_NS_HTML;
  }
}

/* The node for one parsed node: CCGC_OK and *node, which is NULL for what
 * the DOM here leaves out (comments, blank text); or an error with
 * world->error set. */
static ccgc_status make_node(ccgc_host_world *world, const GumboNode *parsed,
                             ccgc_host_node **node) {
  *node = NULL;
  if (parsed->type == GUMBO_NODE_ELEMENT || parsed->type == GUMBO_NODE_TEMPLATE) {
    const GumboElement *element = &parsed->v.element;
    char *name = tag_name(world, element);
    if (!name) return CCGC_E_OUT_OF_MEMORY;
    ccgc_status status = ccgc_host_new_element(world, namespace_of(element), name, node);
    g_free(name);
    return status == CCGC_OK ? copy_attributes(world, *node, element) : status;
  }
  if (parsed->type != GUMBO_NODE_TEXT && parsed->type != GUMBO_NODE_CDATA) return CCGC_OK;
  const char *text = parsed->v.text.text;
  size_t length = strlen(text);
  while (length && g_ascii_isspace(text[length - 1])) length--;
  while (length && g_ascii_isspace(*text)) text++, length--;
  return length ? ccgc_host_new_text(world, text, length, node) : CCGC_OK;
}

/* Depth-first over the parsed tree without recursion: an explicit stack of
 * (parsed node, DOM parent) pairs. A template's contents (a
 * DocumentFragment in a browser) are its children here, as gumbo has them. */
static ccgc_status build(ccgc_host_world *world, const GumboOutput *output) {
  const GumboVector *top = &output->document->v.document.children;
  work_stack stack = {0};
  ccgc_status status = CCGC_OK;
  for (size_t i = top->length; i-- > 0 && status == CCGC_OK;)
    if (!push(world, &stack, top->data[i], world->document)) status = CCGC_E_OUT_OF_MEMORY;
  while (stack.length && status == CCGC_OK) {
    ccgc_host_node *parent = stack.items[stack.length - 1];
    const GumboNode *parsed = stack.items[stack.length - 2];
    stack.length -= 2;
    ccgc_host_node *node;
    status = make_node(world, parsed, &node);
    if (status != CCGC_OK || !node) continue;
    status = ccgc_host_append_child(world, parent, node);
    if (status != CCGC_OK || node->kind != CCGC_HOST_ELEMENT) continue;
    /* Children in reverse so they pop in document order. */
    const GumboVector *children = &parsed->v.element.children;
    for (size_t i = children->length; i-- > 0 && status == CCGC_OK;)
      if (!push(world, &stack, children->data[i], node)) status = CCGC_E_OUT_OF_MEMORY;
  }
  g_free(stack.items);
  return status;
}

/* --- parsing ------------------------------------------------------------------- */

/* Parses and builds; the parser's memory is freed on every path. gumbo
 * records no parse errors (max_errors 0): a browser reports none either,
 * and every input gives a document. */
static ccgc_status parse_and_build(ccgc_host_world *world, const char *html, size_t size) {
  parser_memory memory;
  parser_memory_init(&memory);
  GumboOptions options = kGumboDefaultOptions;
  options.allocator = parser_allocate;
  options.deallocator = parser_deallocate;
  options.userdata = &memory;
  options.max_errors = 0;
  if (setjmp(memory.refused)) {
    /* An allocation failed inside gumbo: its state is abandoned with its
     * memory (nothing else refers to it). */
    size_t failed = memory.failed_size;
    parser_memory_free(&memory);
    snprintf(world->error, sizeof world->error,
             "out of memory while parsing (a block of %zu bytes for the HTML parser)", failed);
    return CCGC_E_OUT_OF_MEMORY;
  }
  GumboOutput *output = gumbo_parse_with_options(&options, html, size);
  ccgc_status status = CCGC_OK;
  if (!output || !output->document || !output->root) {
    snprintf(world->error, sizeof world->error, "the HTML parser gave no document");
    status = CCGC_E_PARSE;
  } else {
    status = build(world, output);
  }
  parser_memory_free(&memory);
  return status;
}

ccgc_status ccgc_host_load_html_memory(ccgc_host_world *world,
                                       const char *html, size_t size) {
  const char *problem = NULL;
  if (size == 0)
    problem = "the document is empty";
  else if (size > CCGC_HOST_MAX_PAGE_BYTES)
    problem = TOO_LARGE;
  else if (memchr(html, '\0', size))
    problem = "binary data (NUL bytes), not HTML";
  if (problem) {
    snprintf(world->error, sizeof world->error, "%s", problem);
    return CCGC_E_PARSE;
  }
  size_t line = ccgc_host_crowded_tag_line(html, size);
  if (line) {
    snprintf(world->error, sizeof world->error,
             "an element at line %zu has more than %d attributes, the loader's limit", line,
             CCGC_HOST_MAX_ATTRIBUTES);
    return CCGC_E_PARSE;
  }
  return parse_and_build(world, html, size);
}

/* --- reading a file ------------------------------------------------------------ */

static ccgc_status read_error(ccgc_host_world *world, const char *path, int fd,
                              ccgc_status status, const char *reason) {
  if (fd >= 0) close(fd);
  g_snprintf(world->error, sizeof world->error, "cannot read '%s': %s", path, reason);
  return status;
}

/* The whole file, NUL-terminated, from g_try_malloc. Only a regular file:
 * the path is checked first, so nothing else is opened, then the open file
 * (O_NONBLOCK: a FIFO swapped in meanwhile does not block the open). */
static ccgc_status read_page(ccgc_host_world *world, const char *path, char **out,
                             size_t *size) {
  struct stat info;
  if (stat(path, &info) != 0) return read_error(world, path, -1, CCGC_E_IO, strerror(errno));
  if (!S_ISREG(info.st_mode))
    return read_error(world, path, -1, CCGC_E_IO, "not a regular file");
  int fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
  if (fd < 0) return read_error(world, path, -1, CCGC_E_IO, strerror(errno));
  if (fstat(fd, &info) != 0 || !S_ISREG(info.st_mode))
    return read_error(world, path, fd, CCGC_E_IO, "not a regular file");
  if (info.st_size > CCGC_HOST_MAX_PAGE_BYTES)
    return read_error(world, path, fd, CCGC_E_PARSE, TOO_LARGE);
  /* st_size + 2: the file, its end seen by a read that returns 0 with room
   * to spare, and the NUL; a file that grows meanwhile (or says 0, as /proc
   * does) grows the buffer, up to one byte past the limit. */
  size_t capacity = (size_t)info.st_size + 2, length = 0;
  if (capacity < 4096) capacity = 4096;
  char *buffer = g_try_malloc(capacity);
  for (;;) {
    if (buffer && length + 1 == capacity) {
      if (length > CCGC_HOST_MAX_PAGE_BYTES) {
        g_free(buffer);
        return read_error(world, path, fd, CCGC_E_PARSE, TOO_LARGE);
      }
      size_t grown_capacity = 2 * capacity;
      if (grown_capacity > (size_t)CCGC_HOST_MAX_PAGE_BYTES + 2)
        grown_capacity = (size_t)CCGC_HOST_MAX_PAGE_BYTES + 2;
      char *grown = g_try_realloc(buffer, grown_capacity);
      if (!grown) g_free(buffer);
      buffer = grown;
      capacity = grown_capacity;
    }
    if (!buffer) {
      char reason[64];
      snprintf(reason, sizeof reason, "out of memory (%zu bytes)", capacity);
      return read_error(world, path, fd, CCGC_E_OUT_OF_MEMORY, reason);
    }
    ssize_t got = read(fd, buffer + length, capacity - 1 - length);
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) {
      int error = errno;
      g_free(buffer);
      return read_error(world, path, fd, CCGC_E_IO, strerror(error));
    }
    if (got == 0) break;
    length += (size_t)got;
  }
  close(fd);
  buffer[length] = '\0';
  *out = buffer;
  *size = length;
  return CCGC_OK;
}

ccgc_status ccgc_host_load_html(ccgc_host_world *world, const char *path) {
  char *content = NULL;
  size_t size = 0;
  ccgc_status status = read_page(world, path, &content, &size);
  if (status != CCGC_OK) return status;
  status = ccgc_host_load_html_memory(world, content, size);
  g_free(content);
  if (status != CCGC_OK) {
    char reason[sizeof world->error];
    snprintf(reason, sizeof reason, "%s", world->error);
    g_snprintf(world->error, sizeof world->error, "cannot %s '%s': %s",
               status == CCGC_E_PARSE ? "parse" : "load", path, reason);
  }
  return status;
}
