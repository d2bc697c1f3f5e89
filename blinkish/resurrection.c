/* resurrection.c - the one rule of the reclamation phases
 * (.inv.no-resurrection), checked by every store and every persistent.
 *
 * Pre-finalizers and finalizers run after the collector decided who dies and
 * after every weak reference to the dead was cleared; the sweep that follows
 * frees the dead whatever happens meanwhile. A store that makes a dead object
 * reachable again from a survivor (or a root) would leave a dangling pointer
 * behind: the check below refuses it while the marks of that collection are
 * still valid. Stores between dead objects are harmless (both go).
 */
#include "heap-internal.h"
#include "invariant-check.h"

bool blinkish_is_dying(const blinkish_heap *heap, const void *object) {
  return heap->tearing_down || !ccgc_is_marked(object);
}

bool blinkish_refuse_resurrection(blinkish_heap *heap, const void *holder,
                                  const void *value, const char *call,
                                  const char *into) {
  if (!blinkish_in_reclamation(heap) || !value) return false;
  if (!blinkish_is_dying(heap, value)) return false;
  if (holder && blinkish_is_dying(heap, holder)) return false;
  const char *phase = heap->in_finalization ? "finalizer" : "pre-finalizer";
  if (holder)
    CCGC_MISUSE(heap->base.errors, CCGC_E_DEAD_OBJECT, ".inv.no-resurrection",
                "%s: resurrection from a %s: %s %p was found dead by "
                "this collection; storing it into live %s %p would "
                "leave a dangling pointer (.inv.no-resurrection)",
                call, phase, blinkish_type_info_of(heap, value)->name, value,
                blinkish_type_info_of(heap, holder)->name, holder);
  else
    CCGC_MISUSE(heap->base.errors, CCGC_E_DEAD_OBJECT, ".inv.no-resurrection",
                "%s: resurrection from a %s: %s %p was found dead by "
                "this collection; making it %s would leave a dangling "
                "pointer (.inv.no-resurrection)",
                call, phase, blinkish_type_info_of(heap, value)->name, value,
                into);
  return true;
}

bool blinkish_in_finalization(blinkish_heap *heap) {
  return heap->in_finalization;
}
