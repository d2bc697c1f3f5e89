/* host-internal.h - what html.c needs of host.c beyond host.h: node
 * creation that says why it failed (the heap's limit, or malloc), a text
 * node from a byte range (the loader trims libxml2's text without copying it
 * twice), and a checked copy. */
#ifndef CCGC_HOST_INTERNAL_H
#define CCGC_HOST_INTERNAL_H

#include <stddef.h>

#include "host.h"

/* CCGC_OK and *node; or CCGC_E_HEAP_LIMIT / CCGC_E_OUT_OF_MEMORY (the DOM
 * heap's status) with world->error set and *node NULL. */
ccgc_status ccgc_host_new_element(ccgc_host_world *world, const char *tag,
                                  ccgc_host_node **node);
/* A text node holding data[0 .. length) (copied). */
ccgc_status ccgc_host_new_text(ccgc_host_world *world, const char *data, size_t length,
                               ccgc_host_node **node);

/* A copy of text[0 .. length), NUL-terminated, from g_try_malloc (free with
 * g_free), or NULL with "out of memory: WHAT of N bytes" in world->error. */
char *ccgc_host_try_copy(ccgc_host_world *world, const char *text, size_t length,
                         const char *what);

#endif /* CCGC_HOST_INTERNAL_H */
