/* stress-resources.c - `ccgc stress --resources`: every DOM node of the run
 * owns a resource, a DOM object of type StressResource registered with
 * BLINKISH_TYPE_CONCURRENT_FINALIZER (blinkish.h): with concurrent sweeping
 * its finalizer runs on a sweeper thread. The finalizer only marks the
 * resource's entry in the driver's table finalized (atomically: any
 * thread). The checks (.inv.concurrent-finalizers):
 *  - after every collection, the resource of every DOM node the model
 *    reaches is not finalized, and its node still holds it;
 *  - no resource is finalized twice (checked after every collection);
 *  - at the end, once the DOM heap is torn down, every resource was
 *    finalized (a dead one that was freed unfinalized stays "alive").
 * The table is chunked: its chunks never move, so a sweeper thread writes
 * an entry while the owner adds chunks. Public API only. */
#include <stdatomic.h>
#include <stdlib.h>

#include "ccgc-testing.h"
#include "stress-driver.h"

#define CHUNK_SHIFT 16
#define CHUNK_IDS ((int32_t)1 << CHUNK_SHIFT)
#define CHUNKS 32768 /* ids below 2^31 */

enum { RESOURCE_NONE, RESOURCE_ALIVE, RESOURCE_FINALIZED };

struct stress_resources {
  _Atomic(_Atomic uint8_t *) chunks[CHUNKS];
  atomic_ulong finalized_twice;
  atomic_int twice_id; /* the last id finalized twice */
};

typedef struct stress_resource {
  int32_t id; /* its node's model id */
} stress_resource;

static _Atomic uint8_t *entry(stress_resources *table, int32_t id) {
  _Atomic uint8_t *chunk =
      atomic_load_explicit(&table->chunks[id >> CHUNK_SHIFT], memory_order_acquire);
  return chunk ? &chunk[id & (CHUNK_IDS - 1)] : NULL;
}

/* Any thread (a sweeper thread in concurrent sweeping). */
static void finalize_resource(void *object, void *data) {
  stress_resources *table = data;
  int32_t id = ((stress_resource *)object)->id;
  _Atomic uint8_t *state = entry(table, id);
  if (state && atomic_exchange_explicit(state, RESOURCE_FINALIZED,
                                        memory_order_relaxed) == RESOURCE_ALIVE)
    return;
  atomic_store_explicit(&table->twice_id, id, memory_order_relaxed);
  atomic_fetch_add_explicit(&table->finalized_twice, 1, memory_order_relaxed);
}

void stress_resources_setup(stress_driver *d) {
  if (!d->options->resources) return;
  d->resources = calloc(1, sizeof *d->resources);
  if (!d->resources) return stress_violation(d, "out of memory: the resource table");
  blinkish_type_info info = {"StressResource", NULL, NULL,
                             BLINKISH_TYPE_CONCURRENT_FINALIZER};
  d->resource_type = blinkish_register_type_with_data(d->dom, &info, finalize_resource,
                                                      d->resources);
  ccgc_collector_break_concurrent_finalizers(d->collector,
                                             d->options->break_concurrent_finalizers);
}

void stress_resource_attach(stress_driver *d, stress_node *node) {
  if (!d->resources || node->id < 0) return;
  size_t chunk = (size_t)node->id >> CHUNK_SHIFT;
  if (chunk >= CHUNKS) return stress_violation(d, "more DOM objects than the resource table");
  if (!atomic_load_explicit(&d->resources->chunks[chunk], memory_order_relaxed)) {
    _Atomic uint8_t *fresh = calloc(CHUNK_IDS, 1);
    if (!fresh) return stress_violation(d, "out of memory: the resource table");
    atomic_store_explicit(&d->resources->chunks[chunk], fresh, memory_order_release);
  }
  stress_resource *resource = blinkish_alloc(d->dom, d->resource_type, sizeof *resource);
  if (!resource)
    return stress_violation(d, "allocation failed: %s",
                            ccgc_collector_last_error(d->collector)->message);
  resource->id = node->id;
  atomic_store_explicit(entry(d->resources, node->id), RESOURCE_ALIVE, memory_order_relaxed);
  if (blinkish_member_set(d->dom, node, &node->resource, resource) != CCGC_OK)
    stress_violation(d, "storing the resource of DOM object #%d failed", node->id);
}

void stress_resource_check(stress_driver *d, int32_t id, const char *when) {
  if (!d->resources) return;
  stress_node *node = ref(d, id)->node;
  _Atomic uint8_t *state = entry(d->resources, id);
  if (!state || atomic_load_explicit(state, memory_order_relaxed) != RESOURCE_ALIVE)
    return stress_violation(d, "%s: the resource of DOM object #%d, which the model "
                               "reaches, was finalized",
                            when, id);
  /* An object first: a collector that freed it unfinalized is reported,
   * not read. */
  const stress_resource *resource = blinkish_member_load(&node->resource);
  if (!resource || !blinkish_is_object(d->dom, resource) || resource->id != id)
    stress_violation(d, "%s: DOM object #%d does not hold its resource", when, id);
}

void stress_resources_check_once(stress_driver *d, const char *when) {
  if (!d->resources) return;
  if (atomic_load_explicit(&d->resources->finalized_twice, memory_order_relaxed))
    stress_violation(d, "%s: the resource of DOM object #%d was finalized twice", when,
                     atomic_load_explicit(&d->resources->twice_id, memory_order_relaxed));
}

void stress_resources_teardown(stress_driver *d, int32_t ids) {
  if (!d->resources) return;
  stress_resources_check_once(d, "after the DOM heap's teardown");
  for (int32_t id = 0; id < ids && !d->failed; id++) {
    _Atomic uint8_t *state = entry(d->resources, id);
    if (state && atomic_load_explicit(state, memory_order_relaxed) == RESOURCE_ALIVE)
      stress_violation(d, "after the DOM heap's teardown: the resource of DOM object #%d "
                          "was never finalized",
                       id);
  }
  for (size_t chunk = 0; chunk < CHUNKS; chunk++)
    free((void *)atomic_load_explicit(&d->resources->chunks[chunk], memory_order_relaxed));
  free(d->resources);
  d->resources = NULL;
}
