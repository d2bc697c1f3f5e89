/* resurrection.c - the one rule of the reclamation phases
 * (.inv.no-resurrection), checked by every store and every persistent.
 *
 * Weak callbacks, external value releases, pre-finalizers and finalizers run
 * after the collector decided who dies (weak callbacks: before weak slots
 * are cleared; the others after every weak reference to the dead was
 * cleared); the sweep that follows frees the dead whatever happens
 * meanwhile. A store that makes a dead object reachable again from a
 * survivor (or a root) would leave a dangling pointer behind: the check
 * below refuses it while the marks of that collection are still valid.
 * Stores between dead objects are harmless (both go).
 */
#include "heap-internal.h"
#include "invariant-check.h"

bool blinkish_marks_final(const blinkish_heap *heap) {
  /* The mutator outside every callback: marks mean nothing. */
  if (__builtin_expect(ccgc_gate_open(heap->base.gate), 1)) return false;
  if (blinkish_in_reclamation(heap) || heap->tearing_down) return true;
  /* Another heap's reclamation: in the pause every heap's marks are final;
   * after it (lazy or concurrent sweeping) only while this heap's own sweep
   * runs - once it is done, its unmarked objects were allocated since, and
   * alive (a finalizer of another heap asking about them was told dead:
   * found by a review). */
  ccgc_collector *collector = heap->base.collector;
  return ccgc_collector_in_reclamation(collector) &&
         (!ccgc_collector_reclaiming_after_pause(collector) || heap->sweep.active);
}

bool blinkish_is_dying(const blinkish_heap *heap, const void *object) {
  if (heap->tearing_down) return true;
  if (ccgc_is_marked(object)) return false;
  /* A lazy sweep's finalizers: an unmarked object of a swept page was
   * allocated since the pause, alive (.inv.dom-unswept-dead). */
  if (!heap->sweep.active) return true;
  const blinkish_page *page = (const blinkish_page *)ccgc_page_of(object);
  return page->sweep_slot != NULL;
}

const char *blinkish_reclamation_phase(const blinkish_heap *heap) {
  if (heap->in_finalization) return "a finalizer";
  if (heap->in_prefinalization) return "a pre-finalizer";
  if (heap->in_external_release) return "an external value release";
  if (heap->tearing_down) return "heap teardown";
  return "a weak callback";
}

bool blinkish_refuse_resurrection_slow(blinkish_heap *heap, const void *holder,
                                       const void *value, const char *call,
                                       const char *into) {
  if (!value || !blinkish_marks_final(heap)) return false;
  if (!blinkish_is_dying(heap, value)) return false;
  if (holder && blinkish_is_dying(heap, holder)) return false;
  const char *phase = blinkish_reclamation_phase(heap);
  if (holder)
    CCGC_MISUSE(heap->base.errors, CCGC_E_DEAD_OBJECT, ".inv.no-resurrection",
                "%s: resurrection from %s: %s %p was found dead by "
                "this collection; storing it into live %s %p would "
                "leave a dangling pointer (.inv.no-resurrection)",
                call, phase, blinkish_type_info_of(heap, value)->name, value,
                blinkish_type_info_of(heap, holder)->name, holder);
  else
    CCGC_MISUSE(heap->base.errors, CCGC_E_DEAD_OBJECT, ".inv.no-resurrection",
                "%s: resurrection from %s: %s %p was found dead by "
                "this collection; making it %s would leave a dangling "
                "pointer (.inv.no-resurrection)",
                call, phase, blinkish_type_info_of(heap, value)->name, value,
                into);
  return true;
}

bool blinkish_in_finalization(blinkish_heap *heap) {
  if (!blinkish_enter(heap, CCGC_CALL_READ, "blinkish_in_finalization"))
    return false;
  return heap->in_finalization;
}

ccgc_status blinkish_refuse_finalizer_store(blinkish_heap *heap, const char *call,
                                            const void *value, const void *other) {
  const void *dead = NULL;
  if (value && blinkish_is_allocated(heap, value) && blinkish_is_dying(heap, value))
    dead = value;
  else if (other && blinkish_is_allocated(heap, other) &&
           blinkish_is_dying(heap, other))
    dead = other;
  if (dead)
    return CCGC_MISUSE(
        heap->base.errors, CCGC_E_DEAD_OBJECT, ".inv.no-resurrection",
        "%s: store during finalization: resurrection of dead %s %p (a "
        "finalizer must not write heap objects, .inv.finalizer-no-store, and "
        "never a dead object into another, .inv.no-resurrection)",
        call, blinkish_type_info_of(heap, dead)->name, dead);
  return CCGC_MISUSE(heap->base.errors, CCGC_E_DEAD_OBJECT,
                     ".inv.finalizer-no-store",
                     "%s: store during finalization (a finalizer must "
                     "not write heap objects)",
                     call);
}
