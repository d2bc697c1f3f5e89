/* host-internal.h - what html.c needs of host.c and attribute-scan.c beyond host.h: node
 * creation that says why it failed (the heap's limit, or malloc), a text
 * node from a byte range (the loader trims the parser's text without copying it
 * twice), and a checked copy. */
#ifndef CCGC_HOST_INTERNAL_H
#define CCGC_HOST_INTERNAL_H

#include <stddef.h>

#include "host.h"

/* CCGC_OK and *node; or CCGC_E_HEAP_LIMIT / CCGC_E_OUT_OF_MEMORY (the DOM
 * heap's status) with world->error set and *node NULL. */
ccgc_status ccgc_host_new_element(ccgc_host_world *world, ccgc_host_namespace ns,
                                  const char *tag, ccgc_host_node **node);
/* A text node holding data[0 .. length) (copied). */
ccgc_status ccgc_host_new_text(ccgc_host_world *world, const char *data, size_t length,
                               ccgc_host_node **node);

/* A copy of text[0 .. length), NUL-terminated, from g_try_malloc (free with
 * g_free), or NULL with "out of memory: WHAT of N bytes" in world->error. */
char *ccgc_host_try_copy(ccgc_host_world *world, const char *text, size_t length,
                         const char *what);

/* The line (from 1) of the first tag with more than
 * CCGC_HOST_MAX_ATTRIBUTES attributes, or 0 (attribute-scan.c): one linear
 * pass, never counting fewer attributes than the HTML parser compares. */
size_t ccgc_host_crowded_tag_line(const char *html, size_t size);

#endif /* CCGC_HOST_INTERNAL_H */
