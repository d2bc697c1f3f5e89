/* probe.c - leak probes (ccgc-probe.h). Each collector's probes live in a
 * probe set, the data of one event listener (ccgc-events.h) that the first
 * probe adds, as slots of its handle table: when marking is done, before any
 * heap reclaims, a probe whose object is white is marked collected and
 * forgets the address (which the heap is about to reuse). The collector
 * never names a probe. */
#define _GNU_SOURCE /* asprintf */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ccgc-events.h"
#include "ccgc-heap.h"
#include "ccgc-probe.h"
#include "handle-table.h"
#include "invariant-check.h"

/* A probe is a slot of its collector's probe table (marking/handle-table.h):
 * a probe freed twice or used after free is reported (.api.live-handle),
 * never followed. */
typedef struct probe_slot {
  void *address;
  char *label;
  bool collected;
} probe_slot;

typedef struct probe_set {
  ccgc_handle_table probes; /* probe_slot */
} probe_set;

static void forget_if_dead(void *payload, void *data) {
  (void)data;
  probe_slot *probe = payload;
  if (probe->collected || ccgc_is_marked(probe->address)) return;
  probe->collected = true;
  probe->address = NULL;
}

/* Liveness is final and no heap has reclaimed yet (ccgc-events.h). */
static void probes_marking_done(void *data) {
  probe_set *set = data;
  ccgc_handle_table_each(&set->probes, forget_if_dead, NULL);
}

/* Objects moved (a minor collection, or a compaction: objects_moved):
 * follow them; one that died is collected. */
static void follow_or_forget(void *payload, void *data) {
  probe_slot *probe = payload;
  if (probe->collected) return;
  probe->address = ccgc_collector_relocated(data, probe->address);
  if (!probe->address) probe->collected = true;
}

static void probes_minor_done(void *data) {
  probe_set *set = data;
  ccgc_handle_table_each(&set->probes, follow_or_forget, set->probes.owner);
}

typedef struct start_move {
  const void *from;
  void *to;
} start_move;

static void follow_start(void *payload, void *data) {
  probe_slot *probe = payload;
  const start_move *move = data;
  if (!probe->collected && probe->address == move->from) probe->address = move->to;
}

/* A left trim moved an object's start: its probes follow. */
static void probes_object_moved(void *data, const void *from, void *to) {
  probe_set *set = data;
  start_move move = {from, to};
  ccgc_handle_table_each(&set->probes, follow_start, &move);
}

static void free_label(void *payload, void *data) {
  (void)data;
  free(((probe_slot *)payload)->label);
}

/* The collector goes: probes the host did not free go with it. */
static void probes_collector_freed(void *data) {
  probe_set *set = data;
  ccgc_handle_table_each(&set->probes, free_label, NULL);
  ccgc_handle_table_destroy(&set->probes);
  free(set);
}

/* A heap is being freed: probes on its objects are collected, before its
 * pages go (the next collection read a released large page's mark, and a
 * probe on a small object took the next heap's object at its address:
 * found by an audit). */
typedef struct freed_heap {
  ccgc_collector *collector;
  int heap_id;
} freed_heap;

static void forget_if_freed(void *payload, void *data) {
  probe_slot *probe = payload;
  const freed_heap *freed = data;
  if (probe->collected) return;
  const ccgc_page *page = ccgc_collector_find_page(freed->collector, probe->address);
  if (page && page->heap_id != freed->heap_id) return;
  probe->collected = true;
  probe->address = NULL;
}

static void probes_heap_freed(void *data, int heap_id) {
  probe_set *set = data;
  freed_heap freed = {set->probes.owner, heap_id};
  ccgc_handle_table_each(&set->probes, forget_if_freed, &freed);
}

static const ccgc_event_listener probe_listener = {
    .marking_done = probes_marking_done,
    .collector_freed = probes_collector_freed,
    .minor_done = probes_minor_done,
    .objects_moved = probes_minor_done, /* compaction, before marking_done */
    .object_moved = probes_object_moved, /* a left trim */
    .heap_freed = probes_heap_freed,
};

static probe_set *probe_set_of(ccgc_collector *collector, bool create) {
  probe_set *set = ccgc_collector_listener_data(collector, &probe_listener);
  if (set || !create) return set;
  set = calloc(1, sizeof *set);
  if (!set) return NULL;
  ccgc_handle_table_init(&set->probes, "probe",
                         ccgc_collector_error_sink(collector));
  set->probes.owner = collector; /* ccgc_probe_collected, _label, _address */
  if (ccgc_collector_add_listener(collector, &probe_listener, set) != CCGC_OK) {
    ccgc_handle_table_destroy(&set->probes);
    free(set);
    return NULL;
  }
  return set;
}

/* The slot of a live probe of collector, else misuse reported. */
static probe_slot *checked_probe(ccgc_collector *collector,
                                 const ccgc_probe *probe, const char *call) {
  /* .api.mutator-thread first: from another thread the one report is that,
   * and the probe table is not read. */
  if (ccgc_gate_refuse(collector, CCGC_CALL_READ, call) != CCGC_OK) return NULL;
  probe_set *set = probe_set_of(collector, false);
  if (!set) {
    CCGC_MISUSE(ccgc_collector_error_sink(collector), CCGC_E_DEAD_HANDLE,
                ".api.live-handle", "%s: probe %p was never made by this "
                "collector", call, (const void *)probe);
    return NULL;
  }
  return ccgc_handle_get(&set->probes, probe, call, NULL);
}

ccgc_probe *ccgc_probe_new(ccgc_collector *collector, void *address,
                           const char *label) {
  if (!ccgc_collector_is_live(collector) ||
      ccgc_gate_refuse(collector, CCGC_CALL_READ, "ccgc_probe_new") != CCGC_OK)
    return NULL;
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
  /* The first probe registers the probes' listener, which a collection
   * and its callbacks may not do: said again under this call's name. */
  if (!set && ccgc_collector_last_error(collector)->code == CCGC_E_IN_COLLECTION) {
    ccgc_error_set(ccgc_collector_error_sink(collector), CCGC_E_IN_COLLECTION,
                   "ccgc_probe_new: the collector's first probe cannot be made "
                   "during a collection or its callbacks");
    return NULL;
  }
  void *handle = NULL;
  probe_slot *probe = set ? ccgc_handle_new(&set->probes, &handle) : NULL;
  char *copy = probe ? strdup(label ? label : "") : NULL;
  if (!copy) {
    if (probe) ccgc_handle_free(&set->probes, handle, "ccgc_probe_new", NULL);
    if (set) /* else the listener's refusal is recorded already */
      ccgc_error_set(ccgc_collector_error_sink(collector),
                     CCGC_E_OUT_OF_MEMORY, "ccgc_probe_new: out of memory");
    return NULL;
  }
  probe->address = address;
  probe->label = copy;
  probe->collected = false;
  return handle;
}

bool ccgc_probe_collected(const ccgc_probe *probe) {
  const probe_slot *slot =
      ccgc_handle_read_unowned(probe, "ccgc_probe_collected", "probe");
  return slot && slot->collected;
}

const char *ccgc_probe_label(const ccgc_probe *probe) {
  const probe_slot *slot =
      ccgc_handle_read_unowned(probe, "ccgc_probe_label", "probe");
  return slot ? slot->label : NULL;
}

void *ccgc_probe_address(const ccgc_probe *probe) {
  const probe_slot *slot =
      ccgc_handle_read_unowned(probe, "ccgc_probe_address", "probe");
  return slot ? slot->address : NULL;
}

void ccgc_probe_free(ccgc_collector *collector, ccgc_probe *probe) {
  if (!probe || !ccgc_collector_is_live(collector)) return;
  probe_slot *slot = checked_probe(collector, probe, "ccgc_probe_free");
  if (!slot) return;
  free(slot->label);
  slot->label = NULL;
  ccgc_handle_free(&probe_set_of(collector, false)->probes, probe,
                   "ccgc_probe_free", NULL);
}

char *ccgc_probe_explain(ccgc_collector *collector,
                         const ccgc_probe *handle) {
  if (!ccgc_collector_is_live(collector)) return NULL;
  const probe_slot *probe =
      checked_probe(collector, handle, "ccgc_probe_explain");
  if (!probe) return NULL;
  char *text = NULL;
  if (probe->collected) {
    if (asprintf(&text, "probe '%s': collected\n", probe->label) < 0) return NULL;
    return text;
  }
  ccgc_path path;
  ccgc_status status = ccgc_retaining_path(collector, probe->address, &path);
  /* Refused (inside a collection: recorded there), not an answer. */
  if (status == CCGC_E_IN_COLLECTION || status == CCGC_E_WRONG_THREAD)
    return NULL;
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
