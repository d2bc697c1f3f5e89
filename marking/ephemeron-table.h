/* ephemeron-table.h - the marker's pending ephemerons and the fixed point.
 *
 * Pairs whose key is not yet marked wait here. Two strategies, switched
 * automatically:
 *  - rounds: after each drain, scan every pending pair and release the
 *    values whose key got marked. Cheap while most pairs resolve early, but
 *    quadratic on a chain discovered in the worst order (one release per
 *    round).
 *  - indexed: once a round releases less than 1/CCGC_EPHEMERON_SWITCH_RATIO
 *    of the pending pairs, the pairs are indexed by key address
 *    (ephemeron-index.h); from then on the marker asks the index about every
 *    object it visits, and marking a key releases its values directly.
 *    Linear in the number of pairs. Pairs discovered after the switch go to
 *    a pointer map (pointer-set.h); when it outgrows the address index, both
 *    are merged into a new address index (doubling: linear overall).
 * Lua's convergeephemerons is the model for the first; V8's
 * "linear ephemeron marking" for the second. `ccgc bench ephemerons`
 * measures both on chains discovered in the worst order.
 */
#ifndef CCGC_EPHEMERON_TABLE_H
#define CCGC_EPHEMERON_TABLE_H

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>

#include "ephemeron-index.h"
#include "pointer-set.h"

#ifndef CCGC_EPHEMERON_SWITCH_RATIO
#define CCGC_EPHEMERON_SWITCH_RATIO 8
#endif

/* A value of a pair discovered after the switch, chained per key. */
typedef struct ccgc_late_value {
  void *value;
  size_t next; /* 1 + index of the key's previous value, 0: none */
} ccgc_late_value;

typedef struct ccgc_ephemeron_table {
  ccgc_pair_buffer pending;   /* round mode                                */
  bool indexed;
  ccgc_ephemeron_index index; /* indexed mode: pairs by key address        */
  /* Indexed mode, pairs discovered after the switch: key -> 1 + index of
   * its newest value in late_values. */
  ccgc_pointer_map late;
  GArray *late_values;        /* ccgc_late_value                           */
  size_t late_count;          /* values still waiting in late              */
  size_t rounds;
} ccgc_ephemeron_table;

/* cache (may be NULL) lends the big arrays (bulk-memory.h). */
void ccgc_ephemeron_table_init(ccgc_ephemeron_table *table,
                               ccgc_bulk_cache *cache);
void ccgc_ephemeron_table_destroy(ccgc_ephemeron_table *table);
/* Adds a pair whose key is not marked. */
void ccgc_ephemeron_table_add(ccgc_ephemeron_table *table, void *key,
                              void *value);
bool ccgc_ephemeron_table_is_empty(const ccgc_ephemeron_table *table);
/* Values waiting for their key, in either mode. */
size_t ccgc_ephemeron_table_pending_values(const ccgc_ephemeron_table *table);
/* Indexed mode only: object was just marked; release the values it keys. */
void ccgc_ephemeron_table_key_marked(ccgc_ephemeron_table *table, void *key,
                                     ccgc_ephemeron_release_fn release,
                                     void *data);
/* One round after a drain: releases the values of every pending pair whose key
 * is marked; switches to indexed mode when rounds stop paying off. Returns
 * the number of values released. */
size_t ccgc_ephemeron_table_round(ccgc_ephemeron_table *table,
                                  ccgc_ephemeron_release_fn release,
                                  void *data);

#endif /* CCGC_EPHEMERON_TABLE_H */
