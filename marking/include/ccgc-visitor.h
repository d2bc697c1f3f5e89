/* ccgc-visitor.h - how a heap hands the references of one object to whoever
 * is looking: the marker, the verifier, the graph walkers of tools/.
 *
 * A heap's trace functions call the visitor once per outgoing reference,
 * naming the edge. The marker ignores the names; the verifier, Graphviz
 * dumps, heap snapshots and retaining paths use them.
 *
 * All targets are *object addresses* as the owning heap defines them (never
 * tagged words): for the script heap the untagged object start, for the DOM
 * heap the payload pointer the host holds. A target of NULL is ignored.
 *
 * Names passed in an edge are valid only for the duration of the callback.
 *
 * Threading contract (ccgc.h): trace callbacks run on the collector's owner
 * thread or, while marking is concurrent, on marker threads at the same
 * time as the host. The ccgc_visit_* functions, ccgc_edge_* constructors
 * and ccgc_edge_kind_name may be called from any thread, inside a trace
 * callback, with the visitor it was given; a weak callback (either kind)
 * runs later on the owner thread, inside the collection (docs/errors.md,
 * "During reclamation"), whatever thread registered it.
 */
#ifndef CCGC_VISITOR_H
#define CCGC_VISITOR_H

#include <stddef.h>

#include "ccgc-export.h"

typedef enum ccgc_edge_kind {
  CCGC_EDGE_ROOT,      /* from a root set (name: "handle scope", "persistent") */
  CCGC_EDGE_FIELD,     /* a named in-object field or member                     */
  CCGC_EDGE_PROPERTY,  /* a named script property                               */
  CCGC_EDGE_ELEMENT,   /* an indexed element (array, vector, context slot)      */
  CCGC_EDGE_INTERNAL,  /* hidden class, backing store, context chain            */
  CCGC_EDGE_WRAPPER,   /* script wrapper -> its DOM object (embedder field)     */
  CCGC_EDGE_TRACED,    /* DOM object -> script object (traced reference)        */
  CCGC_EDGE_EPHEMERON, /* ephemeron: key keeps value alive                      */
  CCGC_EDGE_WEAK,      /* a weak slot: does not keep its target alive           */
  CCGC_EDGE_KIND_COUNT
} ccgc_edge_kind;

typedef struct ccgc_edge {
  ccgc_edge_kind kind;
  const char *name; /* field/property/root-set name, or NULL */
  size_t index;     /* element index for CCGC_EDGE_ELEMENT  */
} ccgc_edge;

static inline ccgc_edge ccgc_edge_named(ccgc_edge_kind kind, const char *name) {
  ccgc_edge edge = {kind, name, 0};
  return edge;
}

static inline ccgc_edge ccgc_edge_indexed(size_t index) {
  ccgc_edge edge = {CCGC_EDGE_ELEMENT, NULL, index};
  return edge;
}

CCGC_API
const char *ccgc_edge_kind_name(ccgc_edge_kind kind);

typedef struct ccgc_visitor ccgc_visitor;

/* Custom weakness (Oilpan's weak callbacks): called once per registration
 * after the ephemeron fixed point, before any weak slot is cleared and before
 * any heap processes weakness or finalizes (.inv.weak-before-finalizers). It
 * may ask blinkish_is_alive() of any object (of either heap) and drop its
 * own references to dead ones; it must not allocate, store references to unmarked objects or mark. */
typedef void (*ccgc_weak_callback_fn)(void *object);
/* The same with the host's data: fn(object, data) gets the data pointer given
 * at registration (ccgc_visit_weak_callback_with_data), unchanged. Same
 * rules, same place in the cycle; registrations of both kinds run in the
 * order they were made. */
typedef void (*ccgc_weak_callback_data_fn)(void *object, void *data);

typedef struct ccgc_visitor_ops {
  /* A strong reference: keeps target alive. */
  void (*strong)(ccgc_visitor *visitor, void *target, ccgc_edge edge);
  /* A weak slot holding a raw object address (or NULL). The marker records
   * the slot and clears it (stores NULL) after marking if its target died.
   * The slot must stay valid until the end of the collection (it lives in a
   * non-moving object or a node owned by a heap). */
  void (*weak)(ccgc_visitor *visitor, void **slot, ccgc_edge edge);
  /* An ephemeron: value is kept alive by the marker only while key is alive.
   * key and value are object addresses in any heap. */
  void (*ephemeron)(ccgc_visitor *visitor, void *key, void *value,
                    ccgc_edge edge);
  /* Optional (NULL: ignored). A weak reference that its own heap clears after
   * marking (a tagged slot, a weak hash-table key, a finalization target): it
   * does not keep target alive and the marker ignores it; walkers (graph
   * dumps, heap snapshots) show it as a weak edge. */
  void (*weak_target)(ccgc_visitor *visitor, void *target, ccgc_edge edge);
  /* Optional (NULL: ignored). Registers fn(object) to run after marking
   * (ccgc_weak_callback_fn). Only the marker implements it. */
  void (*weak_callback)(ccgc_visitor *visitor, ccgc_weak_callback_fn fn,
                        void *object);
  /* Optional (NULL: ignored). Registers fn(object, data) to run after
   * marking (ccgc_weak_callback_data_fn). Only the marker implements it.
   * New members come last: a visitor written for an older header leaves
   * them zero. */
  void (*weak_callback_with_data)(ccgc_visitor *visitor,
                                  ccgc_weak_callback_data_fn fn, void *object,
                                  void *data);
} ccgc_visitor_ops;

struct ccgc_visitor {
  const ccgc_visitor_ops *ops;
};

static inline void ccgc_visit_strong(ccgc_visitor *visitor, void *target,
                                     ccgc_edge edge) {
  if (target) visitor->ops->strong(visitor, target, edge);
}

static inline void ccgc_visit_weak(ccgc_visitor *visitor, void **slot,
                                   ccgc_edge edge) {
  visitor->ops->weak(visitor, slot, edge);
}

static inline void ccgc_visit_ephemeron(ccgc_visitor *visitor, void *key,
                                        void *value, ccgc_edge edge) {
  if (key && value) visitor->ops->ephemeron(visitor, key, value, edge);
}

static inline void ccgc_visit_weak_target(ccgc_visitor *visitor, void *target,
                                          ccgc_edge edge) {
  if (target && visitor->ops->weak_target)
    visitor->ops->weak_target(visitor, target, edge);
}

static inline void ccgc_visit_weak_callback(ccgc_visitor *visitor,
                                            ccgc_weak_callback_fn fn,
                                            void *object) {
  if (visitor->ops->weak_callback) visitor->ops->weak_callback(visitor, fn, object);
}

static inline void ccgc_visit_weak_callback_with_data(
    ccgc_visitor *visitor, ccgc_weak_callback_data_fn fn, void *object,
    void *data) {
  if (visitor->ops->weak_callback_with_data)
    visitor->ops->weak_callback_with_data(visitor, fn, object, data);
}

#endif /* CCGC_VISITOR_H */
