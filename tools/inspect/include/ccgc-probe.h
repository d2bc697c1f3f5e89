/* ccgc-probe.h - leak probes and retaining paths, for leak-cycle regression
 * tests and for tools.
 *
 *   ccgc_probe *probe = ccgc_probe_new(c, address, "detached <div>");
 *   ... drop the host's references ...
 *   ccgc_collect(c, CCGC_REASON_TESTING);
 *   if (!ccgc_probe_collected(probe)) {
 *     char *why = ccgc_probe_explain(c, probe);   retaining path as text
 *     ck_abort_msg("%s", why);
 *   }
 *   ccgc_probe_free(c, probe);
 *
 * A probe does not keep its object alive. Addresses come from the heaps:
 * v8ish_object_address() for a script object, the pointer itself for a DOM
 * object.
 *
 * Threading contract (ccgc.h): the collector's owner thread only (another
 * thread: CCGC_E_WRONG_THREAD, .api.mutator-thread, nothing done, NULL /
 * false / the status returned); retaining paths and retained sizes are
 * refused inside a collection (CCGC_E_IN_COLLECTION). ccgc_probe_collected,
 * _label and _address are reads, allowed in any context of the owner
 * thread (docs/errors.md).
 */
#ifndef CCGC_PROBE_H
#define CCGC_PROBE_H

#include <stdbool.h>
#include <stddef.h>

#include "ccgc-export.h"
#include "ccgc.h"

typedef struct ccgc_probe ccgc_probe;

/* NULL with CCGC_E_FOREIGN_POINTER recorded unless address is the start of
 * a live object of a heap of collector (.api.valid-object: an interior
 * pointer or free space would read the wrong mark byte; from a finalizer,
 * pre-finalizer or weak callback, an object the collection found dead is
 * not live). The collector's
 * first probe registers a listener, so it cannot be made during a
 * collection or its callbacks (a finalizer, say): NULL with
 * CCGC_E_IN_COLLECTION recorded; later probes can. A probe is a slot of
 * the collector's probe table: freed twice or used after free (by any call
 * below) it is reported as misuse (CCGC_E_DEAD_HANDLE, .api.live-handle)
 * and the call returns false / NULL. */
CCGC_API
ccgc_probe *ccgc_probe_new(ccgc_collector *collector, void *address,
                           const char *label);
/* True once a collection found the object dead, or its heap was freed
 * (heap_freed, ccgc-events.h). A probe follows its object
 * when it moves (a minor collection, a compaction, a left trim's new start:
 * ccgc_probe_address says where it is now). */
CCGC_API
bool ccgc_probe_collected(const ccgc_probe *probe);
CCGC_API
const char *ccgc_probe_label(const ccgc_probe *probe);
CCGC_API
void *ccgc_probe_address(const ccgc_probe *probe); /* NULL once collected */
/* Probes the host does not free are freed by ccgc_collector_free. */
CCGC_API
void ccgc_probe_free(ccgc_collector *collector, ccgc_probe *probe);

/* One hop of a retaining path: the edge that leads *to* object. */
typedef struct ccgc_path_hop {
  void *object;
  const char *heap_name;
  const char *type_name;
  ccgc_edge_kind edge_kind; /* CCGC_EDGE_ROOT for the first hop */
  char *edge_name;          /* owned copy, or NULL */
  size_t edge_index;
} ccgc_path_hop;

typedef struct ccgc_path {
  size_t length;
  ccgc_path_hop *hops; /* hops[0] is reached from a root; last is the target */
} ccgc_path;

/* The shortest path from a root to target through both heaps (breadth-first,
 * ephemerons followed once their key is reached, weak edges never). Returns
 * CCGC_OK and fills path, CCGC_E_FOREIGN_POINTER, or CCGC_E_INVALID_ARGUMENT
 * when the target is unreachable (path->length == 0) or path is NULL (recorded,
 * nothing done); CCGC_E_IN_COLLECTION
 * inside a collection or from a finalizer. The path owns its hops and their
 * edge names until ccgc_path_free. */
CCGC_API
ccgc_status ccgc_retaining_path(ccgc_collector *collector, void *target,
                                ccgc_path *path);
/* Frees what the path owns and leaves it empty (length 0, hops NULL): a
 * second call (or NULL) does nothing. Any thread; no collector needed. */
CCGC_API
void ccgc_path_free(ccgc_path *path);
/* Text, one hop per line:
 *   root (global handle) -> Closure (script heap) 0x5555...
 *     --property 'listener'--> EventListener (dom heap) 0x...
 * Returns a string the caller frees with free(); NULL for a NULL path. */
CCGC_API
char *ccgc_path_format(const ccgc_path *path);
/* ccgc_retaining_path + ccgc_path_format for a probe's object; a collected
 * probe's explanation says so. Caller frees with free(). */
CCGC_API
char *ccgc_probe_explain(ccgc_collector *collector, const ccgc_probe *probe);

/* The retained size of object: its own size plus that of every object it
 * dominates in the graph from a virtual root to all roots (strong edges;
 * an ephemeron value once its key is reachable, from the table holding it;
 * weak edges never): what would be freed if object became unreachable,
 * except ephemeron values, which count for the table that holds them, not
 * for their key (a key's retained size leaves out its map values).
 * Lengauer-Tarjan dominators (retained-size.c). Either out pointer
 * may be NULL. CCGC_OK; CCGC_E_FOREIGN_POINTER if no heap owns object;
 * CCGC_E_INVALID_ARGUMENT (zeros) if object is unreachable;
 * CCGC_E_IN_COLLECTION inside a collection or from a finalizer. */
CCGC_API
ccgc_status ccgc_retained_size(ccgc_collector *collector, void *object,
                               size_t *bytes, size_t *objects);

#endif /* CCGC_PROBE_H */
