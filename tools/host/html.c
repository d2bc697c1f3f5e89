/* html.c - building the DOM from HTML with libxml2's HTML parser: a real,
 * error-recovering parser beats a hand-written one (docs/dependencies.md). */
#include <errno.h>
#include <glib.h>
#include <libxml/HTMLparser.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "host.h"

#define PARSE_OPTIONS \
  (HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING | HTML_PARSE_RECOVER | HTML_PARSE_NONET)

#ifndef CCGC_DEFAULT_PAGE
#error "CCGC_DEFAULT_PAGE: the path of tools/host/default-page.html (tools/CMakeLists.txt)"
#endif

/* tools/host/default-page.html, embedded by tools/CMakeLists.txt. */
static const char default_page[] = {
#include "default-page.inc"
    '\0'};

const char *ccgc_host_default_page(void) { return default_page; }

const char *ccgc_host_default_page_path(void) { return CCGC_DEFAULT_PAGE; }

static bool blank(const char *text) {
  for (; *text; text++)
    if (!strchr(" \t\r\n", *text)) return false;
  return true;
}

/* Depth-first over the libxml2 tree without recursion: an explicit stack of
 * (xml node, DOM parent) pairs. */
static ccgc_status build(ccgc_host_world *world, htmlDocPtr doc) {
  xmlNodePtr root = xmlDocGetRootElement(doc);
  if (!root) {
    snprintf(world->error, sizeof world->error, "the document has no root element");
    return CCGC_E_PARSE;
  }
  GPtrArray *stack = g_ptr_array_new();
  g_ptr_array_add(stack, root);
  g_ptr_array_add(stack, world->document);
  ccgc_status status = CCGC_OK;
  while (stack->len && status == CCGC_OK) {
    ccgc_host_node *parent = g_ptr_array_index(stack, stack->len - 1);
    xmlNodePtr xml = g_ptr_array_index(stack, stack->len - 2);
    g_ptr_array_set_size(stack, stack->len - 2);
    ccgc_host_node *node = NULL;
    if (xml->type == XML_ELEMENT_NODE) {
      node = ccgc_host_create_element(world, (const char *)xml->name);
      for (xmlAttrPtr attr = xml->properties; node && attr; attr = attr->next) {
        xmlChar *value = xmlNodeGetContent((xmlNodePtr)attr);
        ccgc_host_set_attribute(world, node, (const char *)attr->name,
                                value ? (const char *)value : "");
        xmlFree(value);
      }
    } else if (xml->type == XML_TEXT_NODE && xml->content &&
               !blank((const char *)xml->content)) {
      char *text = g_strstrip(g_strdup((const char *)xml->content));
      node = ccgc_host_create_text(world, text);
      g_free(text);
    } else {
      continue;
    }
    if (!node) {
      status = CCGC_E_HEAP_LIMIT;
      break;
    }
    status = ccgc_host_append_child(world, parent, node);
    /* Children in reverse so they pop in document order. */
    xmlNodePtr last = xml->children;
    while (last && last->next) last = last->next;
    for (xmlNodePtr child = last; child; child = child->prev) {
      g_ptr_array_add(stack, child);
      g_ptr_array_add(stack, node);
    }
  }
  g_ptr_array_free(stack, TRUE);
  return status;
}

ccgc_status ccgc_host_load_html_memory(ccgc_host_world *world,
                                       const char *html, size_t size) {
  if (size == 0 || size > INT32_MAX) {
    snprintf(world->error, sizeof world->error, "empty or oversized document");
    return CCGC_E_PARSE;
  }
  htmlDocPtr doc = htmlReadMemory(html, (int)size, NULL, "UTF-8", PARSE_OPTIONS);
  if (!doc) {
    snprintf(world->error, sizeof world->error, "the HTML parser rejected the document");
    return CCGC_E_PARSE;
  }
  ccgc_status status = build(world, doc);
  xmlFreeDoc(doc);
  return status;
}

ccgc_status ccgc_host_load_html(ccgc_host_world *world, const char *path) {
  FILE *file = fopen(path, "rb");
  if (!file) {
    g_snprintf(world->error, sizeof world->error, "cannot read '%s': %s", path,
               strerror(errno));
    return CCGC_E_IO;
  }
  struct stat info;
  if (fstat(fileno(file), &info) != 0 || !S_ISREG(info.st_mode)) {
    fclose(file);
    snprintf(world->error, sizeof world->error, "cannot read '%s': not a regular file",
             path);
    return CCGC_E_IO;
  }
  GString *content = g_string_new(NULL);
  char buffer[65536];
  size_t got;
  while ((got = fread(buffer, 1, sizeof buffer, file)) > 0)
    g_string_append_len(content, buffer, (gssize)got);
  bool failed = ferror(file);
  fclose(file);
  if (failed) {
    g_string_free(content, TRUE);
    snprintf(world->error, sizeof world->error, "cannot read '%s': read error", path);
    return CCGC_E_IO;
  }
  ccgc_status status = CCGC_OK;
  if (content->len == 0 || memchr(content->str, '\0', content->len)) {
    g_snprintf(world->error, sizeof world->error,
             "cannot parse '%s': %s", path,
             content->len ? "binary data (NUL bytes), not HTML" : "the file is empty");
    status = CCGC_E_PARSE;
  } else {
    status = ccgc_host_load_html_memory(world, content->str, content->len);
    if (status == CCGC_E_PARSE) {
      char *reason = g_strdup(world->error);
      g_snprintf(world->error, sizeof world->error, "cannot parse '%s': %s", path, reason);
      g_free(reason);
    }
  }
  g_string_free(content, TRUE);
  return status;
}
