/* helper-visitor.h - the visitor of a thread that marks beside the owner
 * while the mutator runs: the concurrent marker threads
 * (concurrent-marker.c; the atomic pause's parallel helpers run the owner's
 * mark loop on markers of their own instead, parallel-marking.c). Grey
 * objects go to the thread's own
 * local views of the heaps' worklists (published for stealing); what only
 * the owner's marker may handle (weak slots, ephemerons whose key is still
 * white, weak callbacks) waits in the thread's arrays until
 * ccgc_helper_visitor_merge hands it to the owner's marker, with the
 * threads parked. Internal to the library. */
#ifndef CCGC_HELPER_VISITOR_H
#define CCGC_HELPER_VISITOR_H

#include <glib.h>

#include "marker.h"

typedef struct ccgc_helper_visitor {
  ccgc_visitor base; /* first: the visitor the heaps' trace calls get */
  ccgc_worklist_local locals[CCGC_MAX_HEAPS];
  GArray *weak_slots;     /* void ** */
  GArray *ephemerons;     /* ccgc_ephemeron_pair */
  GArray *weak_callbacks; /* ccgc_weak_callback_entry */
  size_t marked[CCGC_MAX_HEAPS];
} ccgc_helper_visitor;

/* Local views of the collector's worklists, empty arrays. */
void ccgc_helper_visitor_init(ccgc_helper_visitor *v, ccgc_worklist *worklists);
void ccgc_helper_visitor_destroy(ccgc_helper_visitor *v);
/* Owner thread, the helper parked: its weak slots, ephemerons (through the
 * marker's own ephemeron op: a key marked by now pushes its value), weak
 * callbacks and mark counts move into marker; the arrays are left empty. */
void ccgc_helper_visitor_merge(ccgc_helper_visitor *v, ccgc_marker *marker);

#endif /* CCGC_HELPER_VISITOR_H */
