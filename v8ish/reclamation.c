/* reclamation.c - the script heap under the threading and collection
 * contract (marking/gate.h): allocation refused outside the mutator, and
 * the one rule of the reclamation phases, .inv.no-resurrection.
 *
 * The script heap runs no host code inside a collection, but the DOM heap
 * does (weak callbacks, external value releases, pre-finalizers,
 * finalizers), and that code may call this heap. In the pause every heap's
 * finalizers run before any heap sweeps (.inv.finalize-before-sweep), so
 * during those callbacks every object of this heap is intact and its mark
 * is the collection's verdict, whichever heap was created first. After the
 * pause (lazy sweeping: the DOM heap's finalizers run in sweep steps) an
 * unmarked object is dead only on a page this heap has not swept yet;
 * anywhere else it was allocated since the pause. A store that made
 * an unmarked object reachable from a marked one (or from a root: a global
 * handle, a handle in a scope opened before the collection) would dangle
 * once the sweep frees it: refused. Stores among survivors, and into dead
 * objects, are harmless.
 */
#include "invariant-check.h"
#include "space-inl.h"
#include "sweeper.h"

/* Marked by this collection, on a page that still lives. After the pause
 * (the DOM heap's lazy finalizers, docs/sweeping.md) also an object
 * allocated since: on a young page (the pause promoted every young page
 * of the collection) or on a page this heap has swept since (or mapped
 * since, or with this heap's sweep complete): there an unmarked object is
 * one the sweep did not free, allocated after it (.inv.no-resurrection). */
static bool survives(v8ish_heap *heap, const void *object) {
  if (!ccgc_collector_find_page(heap->base.collector, object)) return false;
  if (ccgc_is_marked(object)) return true;
  if (!ccgc_collector_reclaiming_after_pause(heap->base.collector)) return false;
  const v8ish_page *page = (const v8ish_page *)ccgc_page_of(object);
  return ccgc_page_is_young(&page->base.page) || v8ish_page_swept(heap, page);
}

static const char *name_of(v8ish_heap *heap, const void *object) {
  if (!ccgc_collector_find_page(heap->base.collector, object)) return "object";
  ccgc_page *page = ccgc_page_of(object);
  if (page->heap_id != heap->base.heap_id) return "object of another heap";
  return v8ish_object_type_name(heap, object);
}

bool v8ish_refuse_resurrection_slow(v8ish_heap *heap, const word_t *holder,
                                    v8ish_value value, const char *call,
                                    const char *into) {
  if (!ccgc_collector_in_reclamation(heap->base.collector)) return false;
  const word_t *target = v8ish_untag(value);
  if (survives(heap, target)) return false;
  if (holder && !survives(heap, holder)) return false; /* both die */
  if (holder)
    CCGC_MISUSE(heap->base.errors, CCGC_E_DEAD_OBJECT, ".inv.no-resurrection",
                "%s: resurrection during reclamation (from a weak "
                "callback, a pre-finalizer or a finalizer): %s %p was "
                "found dead by this collection; storing it into live %s %p "
                "would leave a dangling pointer (.inv.no-resurrection)",
                call, name_of(heap, target), (const void *)target,
                name_of(heap, holder), (const void *)holder);
  else
    CCGC_MISUSE(heap->base.errors, CCGC_E_DEAD_OBJECT, ".inv.no-resurrection",
                "%s: resurrection during reclamation (from a weak "
                "callback, a pre-finalizer or a finalizer): %s %p was "
                "found dead by this collection; making it %s would leave a "
                "dangling pointer (.inv.no-resurrection)",
                call, name_of(heap, target), (const void *)target, into);
  return true;
}

bool v8ish_reclaiming_now(v8ish_heap *heap) {
  return !ccgc_gate_open(heap->base.gate) &&
         ccgc_collector_in_reclamation(heap->base.collector);
}

word_t *v8ish_allocate_gated(v8ish_heap *heap, size_t bytes,
                             const char *call) {
  if (ccgc_gate_refuse(heap->base.collector, CCGC_CALL_ALLOCATE, call) !=
      CCGC_OK)
    return NULL;
  return v8ish_allocate_slow(heap, bytes, call);
}
