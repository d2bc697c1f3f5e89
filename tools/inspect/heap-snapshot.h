/* heap-snapshot.h - inside the heap-snapshot writer (ccgc-snapshot.h, the
 * public call): the JSON string escaper the writer uses, which the ccgc
 * command also uses for the JSON it writes beside a snapshot (it links the
 * static library). Not installed. */
#ifndef CCGC_TOOLS_HEAP_SNAPSHOT_H
#define CCGC_TOOLS_HEAP_SNAPSHOT_H

#include <glib.h>

#include "ccgc-snapshot.h"

/* Appends text as a JSON string literal (quotes, escapes; invalid UTF-8
 * replaced by U+FFFD): for tools that write JSON next to a snapshot. */
void ccgc_heap_snapshot_append_json_string(GString *json, const char *text);

#endif
