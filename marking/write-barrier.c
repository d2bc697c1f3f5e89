/* write-barrier.c - the slow paths of the write barrier (write-barrier.h):
 * shading a stored object, the mutator's half of the shape-change protocol,
 * and the barrier's settings (shape protocol, testing switches). */
#include "invariant-check.h"
#include "write-barrier.h"

#include "ccgc-testing.h"
#include "collector-internal.h"
#include "object-locks.h"

ccgc_barrier *ccgc_collector_barrier(ccgc_collector *collector) {
  return &collector->barrier;
}

void ccgc_collector_set_marking(ccgc_collector *collector, bool on) {
  /* The flag first when marking turns on, last when it turns off: no page
   * ever lacks it while the word says marking. */
  if (on)
    ccgc_page_registry_set_common_flags(&collector->registry,
                                        CCGC_PAGE_MARKING, true);
  atomic_store(&collector->barrier.marking, on ? 1 : 0);
  if (!on)
    ccgc_page_registry_set_common_flags(&collector->registry,
                                        CCGC_PAGE_MARKING, false);
  CCGC_CHECK_DEBUG(ccgc_page_registry_common_flags_hold(&collector->registry,
                                                        CCGC_PAGE_MARKING),
                   ".inv.marking-flag-on-every-page");
}

/* The barrier's third job (docs/write-barrier.md): while a marking cycle
 * has evacuation candidates, a store of a reference into a candidate is
 * recorded in the holder page's old-to-old set, so that the atomic pause
 * can update the slot after the move (.inv.compaction-slots-recorded).
 * Holders that need no record: roots (NULL: the heap updates its roots),
 * young holders and holders on a candidate (their pages are walked whole),
 * holders of another heap (the DOM heap reaches script objects through
 * traced references, roots of the script heap). */
static void record_slot(ccgc_barrier *barrier, const ccgc_page *value_page,
                        void *holder, void *slot) {
  if (!holder || barrier->no_slot_recording) return; /* testing only */
  ccgc_page *holder_page = ccgc_page_of(holder);
  if (holder_page->heap_id != value_page->heap_id ||
      (holder_page->flags &
       (CCGC_PAGE_YOUNG | CCGC_PAGE_EVACUATION_CANDIDATE)))
    return;
  ccgc_old_to_old_record(holder_page, slot);
}

void ccgc_write_barrier_slow(ccgc_barrier *barrier, void *holder, void *slot,
                             void *value) {
  ccgc_collector *collector = barrier->collector;
  if (barrier->disabled) return; /* testing only */
  ccgc_page *page = ccgc_collector_find_page(collector, value);
  /* Heaps validate a value before they store it, so this is a heap bug, not
   * a host's: report it rather than index a foreign page's mark table. */
  if (!page) {
    CCGC_MISUSE(&collector->errors, CCGC_E_FOREIGN_POINTER,
                ".inv.worklist-objects",
                "ccgc_write_barrier: %p is not in any heap", value);
    return;
  }
  if (__builtin_expect(ccgc_page_is_candidate(page), 0))
    record_slot(barrier, page, holder, slot);
  /* .inv.no-black-to-white: the stored object becomes grey before the holder
   * (possibly black) can be observed pointing to it. Only the winner of
   * white -> grey pushes, so an object is on at most one worklist. */
  if (ccgc_mark_white_to_grey(value)) {
    pthread_mutex_lock(&collector->barrier_lock);
    ccgc_worklist_push(&collector->mutator_locals[page->heap_id], value);
    pthread_mutex_unlock(&collector->barrier_lock);
  }
}

bool ccgc_barrier_before_unsafe_change(ccgc_barrier *barrier, void *object) {
  if (!ccgc_barrier_marking(barrier)) return false;
  switch ((int)ccgc_barrier_shape_protocol(barrier)) {
  case CCGC_SHAPE_LOCK:
    /* Markers visit under the same lock (.inv.lock-visit): they see the old
     * layout or the new one, never a mix. */
    ccgc_object_lock(object);
    return true;
  case CCGC_SHAPE_UNPROTECTED:
    return false; /* testing only: the race the protocols exist for */
  case CCGC_SHAPE_SNAPSHOT:
  default:
    ccgc_barrier_visit_before_move(barrier, object);
    return false;
  }
}

void ccgc_barrier_after_unsafe_change(ccgc_barrier *barrier, void *object,
                                      bool locked) {
  (void)barrier;
  if (locked) ccgc_object_unlock(object);
}

void ccgc_barrier_visit_before_move(ccgc_barrier *barrier, void *object) {
  if (!ccgc_barrier_marking(barrier) ||
      ccgc_barrier_shape_protocol(barrier) == CCGC_SHAPE_UNPROTECTED)
    return;
  ccgc_collector *collector = barrier->collector;
  /* The mutator side of wait-free snapshotting: white -> grey, then try
   * grey -> black; the winner visits with the layout as it is *now*. A marker
   * that loses its own grey -> black CAS drops its snapshot
   * (.inv.snapshot-before-cas). */
  ccgc_mark_white_to_grey(object);
  if (ccgc_mark_grey_to_black(object))
    ccgc_marker_visit_now(&collector->marker, object);
}

/* --- settings ------------------------------------------------------------- */

const char *ccgc_shape_protocol_name(ccgc_shape_protocol protocol) {
  switch ((int)protocol) {
  case CCGC_SHAPE_SNAPSHOT: return "snapshot";
  case CCGC_SHAPE_LOCK: return "lock";
  case CCGC_SHAPE_UNPROTECTED: return "unprotected";
  }
  return "?";
}

ccgc_status ccgc_collector_set_shape_protocol(ccgc_collector *collector,
                                              ccgc_shape_protocol protocol) {
  if (!ccgc_collector_enter(collector, "ccgc_collector_set_shape_protocol"))
    return ccgc_collector_valid(collector) ? CCGC_E_WRONG_THREAD
                                           : CCGC_E_INVALID_ARGUMENT;
  if (protocol != CCGC_SHAPE_SNAPSHOT && protocol != CCGC_SHAPE_LOCK &&
      protocol != CCGC_SHAPE_UNPROTECTED)
    return CCGC_MISUSE(&collector->errors, CCGC_E_INVALID_ARGUMENT,
                       ".api.argument",
                       "ccgc_collector_set_shape_protocol: unknown protocol %d",
                       (int)protocol);
  /* Markers and mutator must agree for a whole cycle. Inside a collection
   * or its callbacks (a cycle_start listener sees the state still idle),
   * the collector's own refusal says from where. */
  if (ccgc_collector_busy(collector))
    return ccgc_collector_refuse_busy(collector,
                                      "ccgc_collector_set_shape_protocol");
  if (collector->state != CCGC_STATE_IDLE)
    return ccgc_error_set(&collector->errors, CCGC_E_IN_COLLECTION,
                          "ccgc_collector_set_shape_protocol: a cycle is in "
                          "progress (state: %s)",
                          ccgc_gc_state_name(collector->state));
  atomic_store(&collector->barrier.shape_protocol, (int)protocol);
  return CCGC_OK;
}

ccgc_shape_protocol ccgc_collector_shape_protocol(
    const ccgc_collector *collector) {
  if (!ccgc_collector_enter(collector, "ccgc_collector_shape_protocol"))
    return CCGC_SHAPE_SNAPSHOT;
  return (ccgc_shape_protocol)atomic_load(
      &((ccgc_collector *)collector)->barrier.shape_protocol);
}

/* --- testing switches (ccgc-testing.h) ------------------------------------ */

void ccgc_collector_disable_barrier(ccgc_collector *collector, bool disabled) {
  if (!ccgc_collector_enter(collector, "ccgc_collector_disable_barrier"))
    return;
  collector->barrier.disabled = disabled;
}

void ccgc_collector_disable_remembered_set(ccgc_collector *collector,
                                           bool disabled) {
  if (!ccgc_collector_enter(collector, "ccgc_collector_disable_remembered_set"))
    return;
  collector->barrier.no_remembered_set = disabled;
}

void ccgc_collector_drop_traced_roots(ccgc_collector *collector,
                                      bool dropped) {
  if (!ccgc_collector_enter(collector, "ccgc_collector_drop_traced_roots"))
    return;
  collector->barrier.no_traced_roots = dropped;
}

void ccgc_collector_skip_compaction_updates(ccgc_collector *collector,
                                            bool skipped) {
  if (!ccgc_collector_enter(collector,
                            "ccgc_collector_skip_compaction_updates"))
    return;
  collector->barrier.no_compaction_updates = skipped;
}

void ccgc_collector_skip_slot_recording(ccgc_collector *collector,
                                        bool skipped) {
  if (!ccgc_collector_enter(collector, "ccgc_collector_skip_slot_recording"))
    return;
  collector->barrier.no_slot_recording = skipped;
}

void ccgc_collector_break_pretenuring(ccgc_collector *collector, bool broken) {
  if (!ccgc_collector_enter(collector, "ccgc_collector_break_pretenuring"))
    return;
  if (ccgc_collector_refuse_busy(collector, "ccgc_collector_break_pretenuring"))
    return;
  collector->barrier.break_pretenuring = broken;
}

void ccgc_collector_break_fast_promotion(ccgc_collector *collector,
                                         bool broken) {
  if (!ccgc_collector_enter(collector, "ccgc_collector_break_fast_promotion"))
    return;
  if (ccgc_collector_refuse_busy(collector,
                                 "ccgc_collector_break_fast_promotion"))
    return;
  collector->barrier.break_fast_promotion = broken;
}

void ccgc_collector_break_concurrent_finalizers(ccgc_collector *collector,
                                                bool broken) {
  if (!ccgc_collector_enter(collector, "ccgc_collector_break_concurrent_finalizers"))
    return;
  if (ccgc_collector_refuse_busy(collector,
                                 "ccgc_collector_break_concurrent_finalizers"))
    return;
  /* Sweeper threads read it for each page they sweep. */
  __atomic_store_n(&collector->barrier.break_concurrent_finalizers, broken,
                   __ATOMIC_RELAXED);
}

void ccgc_collector_skip_layouts(ccgc_collector *collector, bool skipped) {
  if (!ccgc_collector_enter(collector, "ccgc_collector_skip_layouts")) return;
  if (ccgc_collector_refuse_busy(collector, "ccgc_collector_skip_layouts"))
    return;
  collector->barrier.no_layouts = skipped;
}

void ccgc_collector_break_layouts(ccgc_collector *collector, bool broken) {
  if (!ccgc_collector_enter(collector, "ccgc_collector_break_layouts")) return;
  if (ccgc_collector_refuse_busy(collector, "ccgc_collector_break_layouts"))
    return;
  collector->barrier.break_layouts = broken;
}

void ccgc_collector_plain_forwarding(ccgc_collector *collector, bool plain) {
  if (!ccgc_collector_enter(collector, "ccgc_collector_plain_forwarding"))
    return;
  collector->barrier.plain_forwarding = plain;
}

void ccgc_collector_set_snapshot_hook(ccgc_collector *collector,
                                      void (*hook)(void *object, void *data),
                                      void *data) {
  if (!ccgc_collector_enter(collector, "ccgc_collector_set_snapshot_hook"))
    return;
  /* Markers may be running: the data first, then the hook with release (a
   * marker that sees the hook sees its data). Clearing keeps the data. */
  if (hook)
    __atomic_store_n(&collector->barrier.snapshot_hook_data, data,
                     __ATOMIC_RELAXED);
  __atomic_store_n(&collector->barrier.snapshot_hook, hook, __ATOMIC_RELEASE);
}

void ccgc_collector_set_step_objects(ccgc_collector *collector,
                                     size_t objects) {
  if (!ccgc_collector_enter(collector, "ccgc_collector_set_step_objects"))
    return;
  collector->step_objects = objects;
}
