/* event-listener.c - the collector's listeners (ccgc-events.h): a list of
 * (listener, data) pairs and the calls that announce each phase. */
#include <string.h>

#include "invariant-check.h"
#include "collector-internal.h"

typedef struct listener_entry {
  const ccgc_event_listener *listener;
  void *data;
} listener_entry;

#define ENTRY(collector, i) \
  (&g_array_index((collector)->listeners, listener_entry, (i)))

void ccgc_events_init(ccgc_collector *collector) {
  collector->listeners = g_array_new(FALSE, FALSE, sizeof(listener_entry));
}

ccgc_status ccgc_collector_add_listener(ccgc_collector *collector,
                                        const ccgc_event_listener *listener,
                                        void *data) {
  if (!ccgc_collector_enter(collector, "ccgc_collector_add_listener"))
    return ccgc_collector_valid(collector) ? CCGC_E_WRONG_THREAD
                                           : CCGC_E_INVALID_ARGUMENT;
  if (!listener)
    return CCGC_MISUSE(&collector->errors, CCGC_E_INVALID_ARGUMENT,
                       ".api.argument",
                       "ccgc_collector_add_listener: NULL listener");
  /* The list is read while a cycle runs: it changes only between cycles'
   * callbacks. */
  if (ccgc_collector_in_collection_context(collector))
    return ccgc_error_set(&collector->errors, CCGC_E_IN_COLLECTION,
                          "ccgc_collector_add_listener: called during a "
                          "collection (from %s)",
                          ccgc_collector_context_name(collector));
  for (guint i = 0; i < collector->listeners->len; i++)
    if (ENTRY(collector, i)->listener == listener &&
        ENTRY(collector, i)->data == data)
      return CCGC_MISUSE(&collector->errors, CCGC_E_INVALID_ARGUMENT,
                         ".api.argument",
                         "ccgc_collector_add_listener: this listener and "
                         "data were added already");
  listener_entry entry = {listener, data};
  g_array_append_val(collector->listeners, entry);
  return CCGC_OK;
}

bool ccgc_collector_remove_listener(ccgc_collector *collector,
                                    const ccgc_event_listener *listener,
                                    void *data) {
  if (!ccgc_collector_enter(collector, "ccgc_collector_remove_listener"))
    return false;
  /* The list is being walked by a cycle's announcement. */
  if (ccgc_collector_in_collection_context(collector)) {
    CCGC_MISUSE(&collector->errors, CCGC_E_IN_COLLECTION,
                ".api.outside-collection",
                "ccgc_collector_remove_listener: called from %s",
                ccgc_collector_context_name(collector));
    return false;
  }
  for (guint i = 0; i < collector->listeners->len; i++) {
    if (ENTRY(collector, i)->listener == listener &&
        ENTRY(collector, i)->data == data) {
      g_array_remove_index(collector->listeners, i); /* keeps the order */
      return true;
    }
  }
  return false;
}

void *ccgc_collector_listener_data(const ccgc_collector *collector,
                                   const ccgc_event_listener *listener) {
  if (!ccgc_collector_enter(collector, "ccgc_collector_listener_data"))
    return NULL;
  for (guint i = 0; i < collector->listeners->len; i++)
    if (ENTRY(collector, i)->listener == listener)
      return ENTRY(collector, i)->data;
  return NULL;
}

/* Each announcement walks a copy of the list as it was when the
 * announcement began: a callback that may run outside the collection
 * (cycle_end, minor_end) may add a listener, which then hears the next
 * event on, not this one, or remove one - itself or another - which is not
 * called once removed, while every other listener of the copy still is
 * (walking the list itself by index, a listener that removed itself made
 * the next one slide into its slot and miss the event). Lists are short:
 * a copy of up to 16 entries on the stack, more on the heap. */
#define ANNOUNCE_STACK 16

static listener_entry *announce_begin(const ccgc_collector *collector,
                                      listener_entry *stack, guint *count) {
  *count = collector->listeners->len;
  listener_entry *copy =
      *count <= ANNOUNCE_STACK ? stack : g_new(listener_entry, *count);
  if (*count)
    memcpy(copy, collector->listeners->data, *count * sizeof *copy);
  return copy;
}

static bool still_listening(const ccgc_collector *collector,
                            const listener_entry *entry) {
  for (guint i = 0; i < collector->listeners->len; i++)
    if (ENTRY(collector, i)->listener == entry->listener &&
        ENTRY(collector, i)->data == entry->data)
      return true;
  return false;
}

/* args: the callback's arguments, the listener's data as data_. */
#define ANNOUNCE(collector, member, args)                                   \
  do {                                                                      \
    listener_entry stack_[ANNOUNCE_STACK];                                  \
    guint count_;                                                           \
    listener_entry *copy_ = announce_begin((collector), stack_, &count_);   \
    for (guint i_ = 0; i_ < count_; i_++) {                                 \
      listener_entry entry_ = copy_[i_];                                    \
      void *data_ = entry_.data;                                            \
      if (entry_.listener->member &&                                        \
          (i_ == 0 || still_listening((collector), &entry_)))               \
        entry_.listener->member args;                                       \
    }                                                                       \
    if (copy_ != stack_) g_free(copy_);                                     \
  } while (0)

void ccgc_events_cycle_start(ccgc_collector *collector, ccgc_gc_reason reason,
                             bool incremental) {
  ANNOUNCE(collector, cycle_start, (data_, reason, incremental));
}

void ccgc_events_marking_done(ccgc_collector *collector) {
  ANNOUNCE(collector, marking_done, (data_));
}

void ccgc_events_cycle_end(ccgc_collector *collector,
                           const ccgc_cycle_stats *stats) {
  ANNOUNCE(collector, cycle_end, (data_, stats));
}

void ccgc_events_minor_start(ccgc_collector *collector,
                             ccgc_gc_reason reason) {
  ANNOUNCE(collector, minor_start, (data_, reason));
}

void ccgc_events_minor_done(ccgc_collector *collector) {
  ANNOUNCE(collector, minor_done, (data_));
}

void ccgc_collector_announce_moves(ccgc_collector *collector, int heap_id,
                                   void *(*relocated)(void *address, void *data),
                                   void *data) {
  collector->moves_relocated = relocated;
  collector->moves_data = data;
  collector->moves_heap_id = heap_id;
  /* Listeners read only, as at marking_done. */
  ccgc_call_context outer =
      ccgc_collector_enter_context(collector, CCGC_CONTEXT_MARKING);
  ANNOUNCE(collector, objects_moved, (data_));
  ccgc_collector_enter_context(collector, outer);
  collector->moves_relocated = NULL;
  collector->moves_data = NULL;
}

void ccgc_collector_announce_object_moved(ccgc_collector *collector,
                                          const void *from, void *to) {
  /* Listeners read only, as at objects_moved. */
  ccgc_call_context outer =
      ccgc_collector_enter_context(collector, CCGC_CONTEXT_MARKING);
  ANNOUNCE(collector, object_moved, (data_, from, to));
  ccgc_collector_enter_context(collector, outer);
}

void ccgc_collector_announce_heap_freed(ccgc_collector *collector, int heap_id) {
  if (heap_id < 0) return; /* never attached: nothing of it was seen */
  /* Listeners read only, as in a heap's teardown: walks, snapshots and new
   * probes are refused there too (they would see the dying heap). */
  ccgc_call_context outer =
      ccgc_collector_enter_context(collector, CCGC_CONTEXT_TEARDOWN);
  ANNOUNCE(collector, heap_freed, (data_, heap_id));
  ccgc_collector_enter_context(collector, outer);
}

void *ccgc_events_moved_to(ccgc_collector *collector, const void *address) {
  ccgc_page *page = ccgc_collector_find_page(collector, address);
  if (!page || page->heap_id != collector->moves_heap_id) return (void *)address;
  return collector->moves_relocated((void *)address, collector->moves_data);
}

void ccgc_events_minor_end(ccgc_collector *collector,
                           const ccgc_minor_stats *stats) {
  ANNOUNCE(collector, minor_end, (data_, stats));
}

void ccgc_events_step_start(ccgc_collector *collector) {
  ANNOUNCE(collector, incremental_step_start, (data_));
}

void ccgc_events_step_end(ccgc_collector *collector, double step_ms,
                          bool marking_complete) {
  ANNOUNCE(collector, incremental_step_end, (data_, step_ms, marking_complete));
}

void ccgc_events_atomic_pause_start(ccgc_collector *collector) {
  ANNOUNCE(collector, atomic_pause_start, (data_));
}

void ccgc_events_sweep_start(ccgc_collector *collector) {
  ANNOUNCE(collector, sweep_start, (data_));
}

void ccgc_events_sweep_end(ccgc_collector *collector) {
  ANNOUNCE(collector, sweep_end, (data_));
}

void ccgc_events_atomic_pause_end(ccgc_collector *collector,
                                  const ccgc_cycle_stats *stats) {
  ANNOUNCE(collector, atomic_pause_end, (data_, stats));
}

void ccgc_events_collector_freed(ccgc_collector *collector) {
  /* Last added, first freed: a listener added on top of another's state
   * goes first. */
  for (guint i = collector->listeners->len; i-- > 0;) {
    listener_entry entry = *ENTRY(collector, i);
    if (entry.listener->collector_freed)
      entry.listener->collector_freed(entry.data);
  }
  g_array_free(collector->listeners, TRUE);
  collector->listeners = NULL;
}
