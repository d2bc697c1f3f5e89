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
  if (ccgc_collector_busy(collector))
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
  if (ccgc_collector_busy(collector)) {
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

/* Each announcement walks the list by index: a cycle_end callback may add a
 * listener (it runs outside the collection), which then hears the next cycle
 * on, not this one. */

void ccgc_events_cycle_start(ccgc_collector *collector, ccgc_gc_reason reason,
                             bool incremental) {
  guint count = collector->listeners->len;
  for (guint i = 0; i < count; i++) {
    listener_entry entry = *ENTRY(collector, i);
    if (entry.listener->cycle_start)
      entry.listener->cycle_start(entry.data, reason, incremental);
  }
}

void ccgc_events_marking_done(ccgc_collector *collector) {
  guint count = collector->listeners->len;
  for (guint i = 0; i < count; i++) {
    listener_entry entry = *ENTRY(collector, i);
    if (entry.listener->marking_done) entry.listener->marking_done(entry.data);
  }
}

void ccgc_events_cycle_end(ccgc_collector *collector,
                           const ccgc_cycle_stats *stats) {
  guint count = collector->listeners->len;
  for (guint i = 0; i < count && i < collector->listeners->len; i++) {
    listener_entry entry = *ENTRY(collector, i);
    if (entry.listener->cycle_end) entry.listener->cycle_end(entry.data, stats);
  }
}

void ccgc_events_minor_start(ccgc_collector *collector,
                             ccgc_gc_reason reason) {
  guint count = collector->listeners->len;
  for (guint i = 0; i < count && i < collector->listeners->len; i++) {
    listener_entry entry = *ENTRY(collector, i);
    if (entry.listener->minor_start)
      entry.listener->minor_start(entry.data, reason);
  }
}

void ccgc_events_minor_done(ccgc_collector *collector) {
  guint count = collector->listeners->len;
  for (guint i = 0; i < count && i < collector->listeners->len; i++) {
    listener_entry entry = *ENTRY(collector, i);
    if (entry.listener->minor_done) entry.listener->minor_done(entry.data);
  }
}

void ccgc_events_minor_end(ccgc_collector *collector,
                           const ccgc_minor_stats *stats) {
  guint count = collector->listeners->len;
  for (guint i = 0; i < count && i < collector->listeners->len; i++) {
    listener_entry entry = *ENTRY(collector, i);
    if (entry.listener->minor_end) entry.listener->minor_end(entry.data, stats);
  }
}

void ccgc_events_step_start(ccgc_collector *collector) {
  guint count = collector->listeners->len;
  for (guint i = 0; i < count; i++) {
    listener_entry entry = *ENTRY(collector, i);
    if (entry.listener->incremental_step_start)
      entry.listener->incremental_step_start(entry.data);
  }
}

void ccgc_events_step_end(ccgc_collector *collector, double step_ms,
                          bool marking_complete) {
  guint count = collector->listeners->len;
  for (guint i = 0; i < count; i++) {
    listener_entry entry = *ENTRY(collector, i);
    if (entry.listener->incremental_step_end)
      entry.listener->incremental_step_end(entry.data, step_ms,
                                           marking_complete);
  }
}

void ccgc_events_atomic_pause_start(ccgc_collector *collector) {
  guint count = collector->listeners->len;
  for (guint i = 0; i < count; i++) {
    listener_entry entry = *ENTRY(collector, i);
    if (entry.listener->atomic_pause_start)
      entry.listener->atomic_pause_start(entry.data);
  }
}

void ccgc_events_sweep_start(ccgc_collector *collector) {
  guint count = collector->listeners->len;
  for (guint i = 0; i < count; i++) {
    listener_entry entry = *ENTRY(collector, i);
    if (entry.listener->sweep_start) entry.listener->sweep_start(entry.data);
  }
}

void ccgc_events_sweep_end(ccgc_collector *collector) {
  guint count = collector->listeners->len;
  for (guint i = 0; i < count; i++) {
    listener_entry entry = *ENTRY(collector, i);
    if (entry.listener->sweep_end) entry.listener->sweep_end(entry.data);
  }
}

void ccgc_events_atomic_pause_end(ccgc_collector *collector,
                                  const ccgc_cycle_stats *stats) {
  guint count = collector->listeners->len;
  for (guint i = 0; i < count; i++) {
    listener_entry entry = *ENTRY(collector, i);
    if (entry.listener->atomic_pause_end)
      entry.listener->atomic_pause_end(entry.data, stats);
  }
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
