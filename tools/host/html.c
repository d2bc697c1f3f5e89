/* html.c - building the DOM from HTML with libxml2's HTML parser: a real,
 * error-recovering parser beats a hand-written one (docs/dependencies.md).
 *
 * A bad page gets a clear error or loads completely, in time linear in its
 * size (docs/host-model.md, "Loading HTML"):
 *  - only regular files are read: the path is checked, then opened without
 *    blocking and checked again, so a FIFO or a device is refused before
 *    anything is read;
 *  - XML_PARSE_HUGE lifts libxml2's nesting limit (256 levels) and its 10 MB
 *    limit on one text run, which otherwise stop the parser silently (what
 *    followed "did not exist"); a parser that stops early for any reason is
 *    an error, never a truncated page;
 *  - libxml2 2.9 checks each attribute of a start tag against the ones
 *    before it (quadratic): a linear scan refuses, before parsing, a start
 *    tag with more than CCGC_HOST_MAX_ATTRIBUTES attributes;
 *  - what grows with the page is allocated with g_try_malloc and libxml2's
 *    own checked allocation: a low memory limit gives CCGC_E_OUT_OF_MEMORY,
 *    not an abort in GLib. */
#define _GNU_SOURCE /* memmem */
#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <libxml/HTMLparser.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "host-internal.h"

#define PARSE_OPTIONS                                                          \
  (HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING | HTML_PARSE_RECOVER |           \
   HTML_PARSE_NONET | XML_PARSE_HUGE)

#ifndef CCGC_DEFAULT_PAGE
#error "CCGC_DEFAULT_PAGE: the path of tools/host/default-page.html (tools/CMakeLists.txt)"
#endif

/* tools/host/default-page.html, embedded by tools/CMakeLists.txt. */
static const char default_page[] = {
#include "default-page.inc"
    '\0'};

const char *ccgc_host_default_page(void) { return default_page; }

const char *ccgc_host_default_page_path(void) { return CCGC_DEFAULT_PAGE; }

/* --- the attribute scan ------------------------------------------------------- */

/* libxml2's IS_BLANK_CH. */
static bool blank(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

/* libxml2's HTML name characters (htmlParseHTMLName). */
static bool name_char(char c) {
  return g_ascii_isalnum(c) || c == '_' || c == ':' || c == '.' || c == '-';
}

static size_t find(const char *html, size_t size, size_t from, const char *what) {
  const char *at = memmem(html + from, size - from, what, strlen(what));
  return at ? (size_t)(at - html) : size;
}

/* After a start tag of script or style, libxml2 (recovering) reads raw text
 * up to "</" followed by the element's name, in any case. */
static size_t skip_raw_text(const char *html, size_t size, size_t from, const char *name) {
  size_t length = strlen(name);
  for (size_t at = find(html, size, from, "</"); at < size; at = find(html, size, at + 2, "</"))
    if (size - at - 2 >= length && !g_ascii_strncasecmp(html + at + 2, name, length))
      return at;
  return size;
}

/* Reads the attributes of the start tag whose name starts at `at` as libxml2
 * does (a name, then maybe '=' and a value, quoted or up to a blank or '>'),
 * counting every token, so never fewer than libxml2 keeps. Returns where
 * the tag ends; *crowded when it has more than the limit. */
static size_t scan_start_tag(const char *html, size_t size, size_t at, bool *crowded) {
  size_t i = at;
  while (i < size && name_char(html[i])) i++;
  size_t name_end = i, count = 0;
  for (;;) {
    while (i < size && blank(html[i])) i++;
    if (i >= size || html[i] == '>' || (html[i] == '/' && i + 1 < size && html[i + 1] == '>'))
      break;
    while (i < size && !blank(html[i]) && html[i] != '>' && html[i] != '=') i++;
    if (++count > CCGC_HOST_MAX_ATTRIBUTES) {
      *crowded = true;
      return i;
    }
    while (i < size && blank(html[i])) i++;
    if (i >= size || html[i] != '=') continue;
    i++;
    while (i < size && blank(html[i])) i++;
    if (i < size && (html[i] == '"' || html[i] == '\'')) {
      const char *close = memchr(html + i + 1, html[i], size - i - 1);
      i = close ? (size_t)(close - html) + 1 : size;
    } else {
      while (i < size && !blank(html[i]) && html[i] != '>') i++;
    }
  }
  if (i < size && html[i] == '>') {
    static const char *const raw[] = {"script", "style"};
    for (size_t r = 0; r < 2; r++)
      if (name_end - at == strlen(raw[r]) && !g_ascii_strncasecmp(html + at, raw[r], name_end - at))
        return skip_raw_text(html, size, i + 1, raw[r]);
  }
  return i;
}

/* The offset of the first start tag with more than CCGC_HOST_MAX_ATTRIBUTES
 * attributes, or SIZE_MAX. One pass: comments and the raw text of script
 * and style are skipped as libxml2 skips them. */
static size_t crowded_start_tag(const char *html, size_t size) {
  size_t at = 0;
  while (at < size) {
    const char *open = memchr(html + at, '<', size - at);
    if (!open) break;
    size_t tag = (size_t)(open - html);
    if (size - tag >= 4 && !memcmp(open, "<!--", 4)) {
      at = find(html, size, tag + 4, "-->");
      continue;
    }
    if (tag + 1 >= size || !g_ascii_isalpha(html[tag + 1])) {
      at = tag + 1;
      continue;
    }
    bool crowded = false;
    at = scan_start_tag(html, size, tag + 1, &crowded);
    if (crowded) return tag;
  }
  return SIZE_MAX;
}

static size_t line_of(const char *html, size_t offset) {
  size_t line = 1;
  for (const char *at = html; (at = memchr(at, '\n', offset - (size_t)(at - html)));
       at++)
    line++;
  return line;
}

/* --- building the DOM ---------------------------------------------------------- */

/* (xml node, DOM parent) pairs, grown with g_try_realloc. */
typedef struct work_stack {
  void **items;
  size_t length, capacity;
} work_stack;

static bool push(ccgc_host_world *world, work_stack *stack, void *xml, void *parent) {
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
  stack->items[stack->length++] = xml;
  stack->items[stack->length++] = parent;
  return true;
}

/* An attribute's value as libxml2's HTML parser stores it: one text child
 * (or none, for `<input disabled>`); anything else through xmlNodeGetContent. */
static char *attribute_value(ccgc_host_world *world, xmlAttrPtr attr) {
  xmlNodePtr child = attr->children;
  if (!child) return ccgc_host_try_copy(world, "", 0, "an attribute value");
  if (!child->next && child->type == XML_TEXT_NODE && child->content)
    return ccgc_host_try_copy(world, (const char *)child->content,
                              strlen((const char *)child->content), "an attribute value");
  xmlChar *content = xmlNodeGetContent((xmlNodePtr)attr);
  if (!content) {
    snprintf(world->error, sizeof world->error, "out of memory: an attribute value");
    return NULL;
  }
  char *copy = ccgc_host_try_copy(world, (const char *)content,
                                  strlen((const char *)content), "an attribute value");
  xmlFree(content);
  return copy;
}

/* The element's attributes as one vector, made at once: libxml2 has
 * dropped duplicates already, so no per-attribute search (which made 200,000
 * attributes quadratic). */
static ccgc_status copy_attributes(ccgc_host_world *world, ccgc_host_node *node,
                                   xmlNodePtr xml) {
  size_t count = 0;
  for (xmlAttrPtr attr = xml->properties; attr; attr = attr->next) count++;
  if (!count) return CCGC_OK;
  char **vector = g_try_new0(char *, 2 * count + 1);
  if (!vector) {
    snprintf(world->error, sizeof world->error, "out of memory: %zu attributes", count);
    return CCGC_E_OUT_OF_MEMORY;
  }
  size_t at = 0;
  for (xmlAttrPtr attr = xml->properties; attr; attr = attr->next) {
    const char *name = (const char *)attr->name;
    vector[at] = ccgc_host_try_copy(world, name, strlen(name), "an attribute name");
    if (!vector[at] || !(vector[at + 1] = attribute_value(world, attr))) {
      g_strfreev(vector);
      return CCGC_E_OUT_OF_MEMORY;
    }
    at += 2;
  }
  g_strfreev(node->attributes);
  node->attributes = vector;
  return CCGC_OK;
}

/* The node for one libxml2 node: CCGC_OK and *node, which is NULL for
 * what the DOM leaves out (comments, blank text, script contents); or an
 * error with world->error set. */
static ccgc_status make_node(ccgc_host_world *world, xmlNodePtr xml, ccgc_host_node **node) {
  *node = NULL;
  if (xml->type == XML_ELEMENT_NODE) {
    ccgc_status status = ccgc_host_new_element(world, (const char *)xml->name, node);
    return status == CCGC_OK ? copy_attributes(world, *node, xml) : status;
  }
  const char *text = xml->type == XML_TEXT_NODE ? (const char *)xml->content : NULL;
  size_t length = text ? strlen(text) : 0;
  while (length && g_ascii_isspace(text[length - 1])) length--;
  while (length && g_ascii_isspace(*text)) text++, length--;
  return length ? ccgc_host_new_text(world, text, length, node) : CCGC_OK;
}

/* Depth-first over the libxml2 tree without recursion: an explicit stack of
 * (xml node, DOM parent) pairs. */
static ccgc_status build(ccgc_host_world *world, htmlDocPtr doc) {
  xmlNodePtr root = xmlDocGetRootElement(doc);
  if (!root) {
    snprintf(world->error, sizeof world->error, "the document has no root element");
    return CCGC_E_PARSE;
  }
  work_stack stack = {0};
  ccgc_status status = push(world, &stack, root, world->document) ? CCGC_OK
                                                                 : CCGC_E_OUT_OF_MEMORY;
  while (stack.length && status == CCGC_OK) {
    ccgc_host_node *parent = stack.items[stack.length - 1];
    xmlNodePtr xml = stack.items[stack.length - 2];
    stack.length -= 2;
    ccgc_host_node *node;
    status = make_node(world, xml, &node);
    if (status != CCGC_OK || !node) continue;
    status = ccgc_host_append_child(world, parent, node);
    if (status != CCGC_OK || xml->type != XML_ELEMENT_NODE) continue;
    /* Children in reverse so they pop in document order. */
    for (xmlNodePtr child = xml->last; child && status == CCGC_OK; child = child->prev)
      if (!push(world, &stack, child, node)) status = CCGC_E_OUT_OF_MEMORY;
  }
  g_free(stack.items);
  return status;
}

/* --- parsing ------------------------------------------------------------------- */

/* What libxml2 reported while parsing, through a structured error handler
 * (which also keeps its buffer errors off stderr). */
typedef struct parse_errors {
  bool out_of_memory;
} parse_errors;

static void on_parse_error(void *data, xmlErrorPtr error) {
  parse_errors *errors = data;
  if (error && error->code == XML_ERR_NO_MEMORY) errors->out_of_memory = true;
}

/* libxml2 stops a recovering parse only when it cannot go on (out of
 * memory, or a limit XML_PARSE_HUGE does not lift): what it built so far is
 * a truncated page, reported as an error. */
static ccgc_status parse(ccgc_host_world *world, const char *html, size_t size,
                         htmlDocPtr *out) {
  *out = NULL;
  parse_errors errors = {false};
  xmlStructuredErrorFunc saved_handler = xmlStructuredError;
  void *saved_data = xmlStructuredErrorContext;
  xmlSetStructuredErrorFunc(&errors, on_parse_error);
  htmlParserCtxtPtr ctxt = htmlNewParserCtxt();
  htmlDocPtr doc = ctxt ? htmlCtxtReadMemory(ctxt, html, (int)size, NULL, "UTF-8",
                                             PARSE_OPTIONS)
                        : NULL;
  xmlSetStructuredErrorFunc(saved_data, saved_handler);
  ccgc_status status = CCGC_OK;
  if (!ctxt || errors.out_of_memory || ctxt->errNo == XML_ERR_NO_MEMORY) {
    snprintf(world->error, sizeof world->error, "out of memory while parsing (libxml2%s)",
             ctxt ? "" : ", no parser");
    status = CCGC_E_OUT_OF_MEMORY;
  } else if (ctxt->disableSAX) {
    const char *message = ctxt->lastError.message ? ctxt->lastError.message : "";
    int length = (int)strcspn(message, "\n");
    snprintf(world->error, sizeof world->error,
             "the HTML parser stopped at line %d: %.*s", ctxt->lastError.line, length,
             message);
    status = CCGC_E_PARSE;
  } else if (!doc) {
    snprintf(world->error, sizeof world->error, "the HTML parser rejected the document");
    status = CCGC_E_PARSE;
  }
  if (status != CCGC_OK && doc) {
    xmlFreeDoc(doc);
    doc = NULL;
  }
  if (ctxt) htmlFreeParserCtxt(ctxt);
  *out = doc;
  return status;
}

ccgc_status ccgc_host_load_html_memory(ccgc_host_world *world,
                                       const char *html, size_t size) {
  const char *problem = NULL;
  if (size == 0)
    problem = "the document is empty";
  else if (size > INT_MAX)
    problem = "more than 2 GiB, the most the HTML parser reads";
  else if (memchr(html, '\0', size))
    problem = "binary data (NUL bytes), not HTML";
  if (problem) {
    snprintf(world->error, sizeof world->error, "%s", problem);
    return CCGC_E_PARSE;
  }
  size_t crowded = crowded_start_tag(html, size);
  if (crowded != SIZE_MAX) {
    snprintf(world->error, sizeof world->error,
             "an element at line %zu has more than %d attributes, the loader's limit",
             line_of(html, crowded), CCGC_HOST_MAX_ATTRIBUTES);
    return CCGC_E_PARSE;
  }
  htmlDocPtr doc;
  ccgc_status status = parse(world, html, size, &doc);
  if (status == CCGC_OK) status = build(world, doc);
  if (doc) xmlFreeDoc(doc);
  return status;
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
  if (info.st_size > INT_MAX)
    return read_error(world, path, fd, CCGC_E_PARSE,
                      "more than 2 GiB, the most the HTML parser reads");
  /* st_size + 1 reads the file and sees its end in one go; a file that
   * grows meanwhile (or says 0, as /proc does) grows the buffer. */
  size_t capacity = (size_t)info.st_size + 1, length = 0;
  if (capacity < 4096) capacity = 4096;
  char *buffer = g_try_malloc(capacity);
  for (;;) {
    if (buffer && length + 1 == capacity) {
      if (capacity > INT_MAX) {
        g_free(buffer);
        return read_error(world, path, fd, CCGC_E_PARSE,
                          "more than 2 GiB, the most the HTML parser reads");
      }
      char *grown = g_try_realloc(buffer, 2 * capacity);
      if (!grown) g_free(buffer);
      buffer = grown;
      capacity *= 2;
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
