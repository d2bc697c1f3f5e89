/* heap-snapshot-ids.h - inside the heap-snapshot writer (ccgc-snapshot.h):
 * the snapshot-id table's side that the writer uses while it walks
 * (heap-snapshot-ids.c), and what both files share.
 *
 * One walk over the heaps is one generation: ccgc_heap_snapshot_ids_begin before
 * it, an id asked for every object it reports, ccgc_heap_snapshot_ids_purge
 * after it forgets the objects the walk did not see.
 */
#ifndef CCGC_TOOLS_HEAP_SNAPSHOT_IDS_H
#define CCGC_TOOLS_HEAP_SNAPSHOT_IDS_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "ccgc-snapshot.h"

/* The synthetic root's id and "(GC roots)"' id, as V8 numbers them. */
#define HEAP_SNAPSHOT_ROOT_ID 1u
#define HEAP_SNAPSHOT_GC_ROOTS_ID 3u

/* True for an object of the script heap (odd ids), false for the DOM heap
 * (native nodes, even ids). */
static inline bool heap_snapshot_is_script(const ccgc_object_info *info) {
  return info->heap_name && !strcmp(info->heap_name, "script");
}

/* Follows collector's moves from now on (a minor_done and objects_moved
 * listener; a table
 * that followed another collector forgets its objects). Before a walk. */
ccgc_status ccgc_heap_snapshot_ids_follow(ccgc_heap_snapshot_ids *ids,
                                          ccgc_collector *collector);
/* A new generation: before a walk. */
void ccgc_heap_snapshot_ids_begin(ccgc_heap_snapshot_ids *ids);
/* The object's id: the one it had if the same object (same address, heap
 * and type) was seen before, else a new one; 0 once ids ran out. */
uint32_t ccgc_heap_snapshot_object_id(ccgc_heap_snapshot_ids *ids, const ccgc_object_info *info);
/* The id of a synthetic node (a root group) by name, the same every time. */
uint32_t ccgc_heap_snapshot_synthetic_id(ccgc_heap_snapshot_ids *ids, const char *name);
/* After a walk: forgets the objects this generation did not see. */
void ccgc_heap_snapshot_ids_purge(ccgc_heap_snapshot_ids *ids);
/* After a write's walk: the object at address is shown in the node whose id
 * is node_id (a merged pair's wrapper: its DOM object's), which
 * ccgc_heap_snapshot_ids_lookup answers for it until the next write says
 * otherwise. */
void ccgc_heap_snapshot_ids_set_node(ccgc_heap_snapshot_ids *ids,
                                     const void *address, uint32_t node_id);
/* True once ids ran out (2^32): the write or refresh fails. */
bool ccgc_heap_snapshot_ids_exhausted(const ccgc_heap_snapshot_ids *ids);

#endif
