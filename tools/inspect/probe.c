/* probe.c - leak probes (ccgc-probe.h). Each collector's probes live in a
 * probe set, the data of one event listener (ccgc-events.h) that the first
 * probe adds: when marking is done, before any heap reclaims, a probe whose
 * object is white is marked collected and forgets the address (which the
 * heap is about to reuse). The collector never names a probe. */
#define _GNU_SOURCE /* asprintf */
#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ccgc-events.h"
#include "ccgc-heap.h"
#include "ccgc-probe.h"

struct ccgc_probe {
  void *address;
  char *label;
  bool collected;
};

typedef struct probe_set {
  GPtrArray *probes; /* ccgc_probe * */
} probe_set;

static void free_probe(ccgc_probe *probe) {
  free(probe->label);
  free(probe);
}

/* Liveness is final and no heap has reclaimed yet (ccgc-events.h). */
static void probes_marking_done(void *data) {
  probe_set *set = data;
  for (guint i = 0; i < set->probes->len; i++) {
    ccgc_probe *probe = g_ptr_array_index(set->probes, i);
    if (probe->collected || ccgc_is_marked(probe->address)) continue;
    probe->collected = true;
    probe->address = NULL;
  }
}

/* The collector goes: probes the host did not free go with it. */
static void probes_collector_freed(void *data) {
  probe_set *set = data;
  for (guint i = 0; i < set->probes->len; i++)
    free_probe(g_ptr_array_index(set->probes, i));
  g_ptr_array_free(set->probes, TRUE);
  free(set);
}

static const ccgc_event_listener probe_listener = {
    .marking_done = probes_marking_done,
    .collector_freed = probes_collector_freed,
};

static probe_set *probe_set_of(ccgc_collector *collector, bool create) {
  probe_set *set = ccgc_collector_listener_data(collector, &probe_listener);
  if (set || !create) return set;
  set = calloc(1, sizeof *set);
  if (!set) return NULL;
  set->probes = g_ptr_array_new();
  if (ccgc_collector_add_listener(collector, &probe_listener, set) != CCGC_OK) {
    g_ptr_array_free(set->probes, TRUE);
    free(set);
    return NULL;
  }
  return set;
}

ccgc_probe *ccgc_probe_new(ccgc_collector *collector, void *address,
                           const char *label) {
  if (!ccgc_collector_is_live(collector)) return NULL;
  /* .api.valid-object: a probe on an interior pointer or free space would
   * read the wrong mark byte and report a live object collected. */
  if (!ccgc_collector_is_object(collector, address, -1)) {
    ccgc_error_set(ccgc_collector_error_sink(collector),
                   CCGC_E_FOREIGN_POINTER,
                   "ccgc_probe_new: %p is not the start of a live object of "
                   "any heap",
                   address);
    return NULL;
  }
  probe_set *set = probe_set_of(collector, true);
  ccgc_probe *probe = set ? calloc(1, sizeof *probe) : NULL;
  if (!probe) {
    if (set) /* else the listener's refusal is recorded already */
      ccgc_error_set(ccgc_collector_error_sink(collector),
                     CCGC_E_OUT_OF_MEMORY, "ccgc_probe_new: out of memory");
    return NULL;
  }
  probe->address = address;
  probe->label = strdup(label ? label : "");
  g_ptr_array_add(set->probes, probe);
  return probe;
}

bool ccgc_probe_collected(const ccgc_probe *probe) { return probe->collected; }
const char *ccgc_probe_label(const ccgc_probe *probe) { return probe->label; }
void *ccgc_probe_address(const ccgc_probe *probe) { return probe->address; }

void ccgc_probe_free(ccgc_collector *collector, ccgc_probe *probe) {
  if (!probe) return;
  probe_set *set =
      ccgc_collector_is_live(collector) ? probe_set_of(collector, false) : NULL;
  if (set) g_ptr_array_remove_fast(set->probes, probe);
  free_probe(probe);
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
