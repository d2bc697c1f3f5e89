/* probe.c - leak probes (ccgc-probe.h). The collector keeps its probes in a
 * list; after marking, before any heap reclaims, a probe whose object is white
 * is marked collected and forgets the address (which the heap is about to
 * reuse). */
#define _GNU_SOURCE /* asprintf */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ccgc-probe.h"
#include "collector-internal.h"

struct ccgc_probe {
  void *address;
  char *label;
  bool collected;
};

ccgc_probe *ccgc_probe_new(ccgc_collector *collector, void *address,
                           const char *label) {
  if (!ccgc_collector_find_page(collector, address)) {
    ccgc_error_set(&collector->errors, CCGC_E_FOREIGN_POINTER,
                   "ccgc_probe_new: %p is not in any heap", address);
    return NULL;
  }
  ccgc_probe *probe = calloc(1, sizeof *probe);
  if (!probe) return NULL;
  probe->address = address;
  probe->label = strdup(label ? label : "");
  g_ptr_array_add(collector->probes, probe);
  return probe;
}

bool ccgc_probe_collected(const ccgc_probe *probe) { return probe->collected; }
const char *ccgc_probe_label(const ccgc_probe *probe) { return probe->label; }
void *ccgc_probe_address(const ccgc_probe *probe) { return probe->address; }

void ccgc_probe_free(ccgc_collector *collector, ccgc_probe *probe) {
  if (!probe) return;
  g_ptr_array_remove_fast(collector->probes, probe);
  free(probe->label);
  free(probe);
}

void ccgc_probes_after_marking(ccgc_collector *collector) {
  for (guint i = 0; i < collector->probes->len; i++) {
    ccgc_probe *probe = g_ptr_array_index(collector->probes, i);
    if (probe->collected || ccgc_is_marked(probe->address)) continue;
    probe->collected = true;
    probe->address = NULL;
  }
}

char *ccgc_probe_explain(ccgc_collector *collector, const ccgc_probe *probe) {
  char *text = NULL;
  if (probe->collected) {
    if (asprintf(&text, "probe '%s': collected\n", probe->label) < 0) return NULL;
    return text;
  }
  ccgc_path path;
  ccgc_status status = ccgc_retaining_path(collector, probe->address, &path);
  if (status != CCGC_OK) {
    if (asprintf(&text, "probe '%s': alive but not reachable from a root "
                        "(collect first)\n", probe->label) < 0)
      return NULL;
    return text;
  }
  char *hops = ccgc_path_format(&path);
  if (asprintf(&text, "probe '%s' is retained by:\n%s", probe->label, hops) < 0)
    text = NULL;
  free(hops);
  ccgc_path_free(&path);
  return text;
}
