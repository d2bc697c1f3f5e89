/* checked-visitor.c - what a host trace callback reports is checked before
 * any visitor acts on it. The heaps trust their own tracing (every store
 * through the API is checked: .inv.member-store-checked), but a trace
 * callback may report any word of its object: a field written with a plain
 * store, a pointer into the host's memory, another collector's object. The
 * marker reads the mark table of the page an address claims to be on, so
 * such an address would crash a collection or write someone else's memory.
 * Every address a callback reports (a strong target, a weak slot's target,
 * an ephemeron's key and value) must be on a page of one of the collector's
 * heaps (the page registry: safe on any value); one that is not is reported
 * as misuse (CCGC_E_FOREIGN_POINTER, .api.valid-object) and dropped: the
 * collection goes on as if the callback had not reported it. Marker and
 * helper threads drop without reporting (the error record is the owner's).
 * docs/dom-heap.md "References". */
#include "heap-internal.h"
#include "invariant-check.h"

/* The report of an address no heap owns (out of line: misuse). */
static bool __attribute__((noinline))
foreign(blinkish_checked_visitor *self, const void *target, ccgc_edge edge) {
  blinkish_heap *heap = self->heap;
  if (ccgc_collector_find_page(heap->base.collector, target)) {
    self->page = (uintptr_t)ccgc_page_of(target);
    return true;
  }
  if (!ccgc_on_marker_thread() && !ccgc_on_helper_thread())
    CCGC_MISUSE(heap->base.errors, CCGC_E_FOREIGN_POINTER, ".api.valid-object",
                "trace callback of %s %p: %s edge '%s' points to %p, which no "
                "heap of this collector owns (dropped)",
                blinkish_type_info_of(heap, self->object)->name, self->object,
                ccgc_edge_kind_name(edge.kind), edge.name ? edge.name : "",
                target);
  return false;
}

/* Most targets share a page with the object traced or the last target (a
 * page cannot go while a trace runs): that page is not looked up again. */
static inline bool valid(blinkish_checked_visitor *self, const void *target,
                         ccgc_edge edge) {
  if ((uintptr_t)ccgc_page_of(target) == self->page)
    return true;
  return foreign(self, target, edge);
}

static void checked_strong(ccgc_visitor *visitor, void *target,
                           ccgc_edge edge) {
  blinkish_checked_visitor *self = (blinkish_checked_visitor *)visitor;
  if (valid(self, target, edge))
    self->inner->ops->strong(self->inner, target, edge);
}

/* The slot's target now; the marker reads it again with the world stopped
 * and checks it then too (ccgc_marker_clear_weak_slots). */
static void checked_weak(ccgc_visitor *visitor, void **slot, ccgc_edge edge) {
  blinkish_checked_visitor *self = (blinkish_checked_visitor *)visitor;
  void *target = __atomic_load_n(slot, __ATOMIC_ACQUIRE);
  if (!target || valid(self, target, edge))
    self->inner->ops->weak(self->inner, slot, edge);
}

static void checked_ephemeron(ccgc_visitor *visitor, void *key, void *value,
                              ccgc_edge edge) {
  blinkish_checked_visitor *self = (blinkish_checked_visitor *)visitor;
  if (valid(self, key, edge) && valid(self, value, edge))
    self->inner->ops->ephemeron(self->inner, key, value, edge);
}

static void checked_weak_target(ccgc_visitor *visitor, void *target,
                                ccgc_edge edge) {
  blinkish_checked_visitor *self = (blinkish_checked_visitor *)visitor;
  if (self->inner->ops->weak_target && valid(self, target, edge))
    self->inner->ops->weak_target(self->inner, target, edge);
}

static void checked_weak_callback(ccgc_visitor *visitor,
                                  ccgc_weak_callback_fn fn, void *object) {
  blinkish_checked_visitor *self = (blinkish_checked_visitor *)visitor;
  if (self->inner->ops->weak_callback)
    self->inner->ops->weak_callback(self->inner, fn, object);
}

static void checked_weak_callback_with_data(ccgc_visitor *visitor,
                                            ccgc_weak_callback_data_fn fn,
                                            void *object, void *data) {
  blinkish_checked_visitor *self = (blinkish_checked_visitor *)visitor;
  if (self->inner->ops->weak_callback_with_data)
    self->inner->ops->weak_callback_with_data(self->inner, fn, object, data);
}

static const ccgc_visitor_ops checked_ops = {
    .strong = checked_strong,
    .weak = checked_weak,
    .ephemeron = checked_ephemeron,
    .weak_target = checked_weak_target,
    .weak_callback = checked_weak_callback,
    .weak_callback_with_data = checked_weak_callback_with_data,
};

const ccgc_visitor_ops *const blinkish_checked_visitor_ops = &checked_ops;
