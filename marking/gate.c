/* gate.c - the slow path of the threading and collection contract (gate.h):
 * which call is refused where, with which rule, and the collector's context.
 */
#include <pthread.h>

#include "collector-internal.h"
#include "heap-base.h"
#include "invariant-check.h"

/* Reports from threads that do not own the collector are serialized, so two
 * marker threads refused at once do not interleave in the error record. */
static pthread_mutex_t foreign_reports = PTHREAD_MUTEX_INITIALIZER;

const ccgc_gate *ccgc_collector_gate(ccgc_collector *collector) {
  return &collector->gate;
}

static const char *context_name(ccgc_call_context context) {
  switch (context) {
  case CCGC_CONTEXT_MARKING:
    return "a trace callback or cycle listener inside a collection";
  case CCGC_CONTEXT_WALK:
    return "a walk or trace callback of an inspection or heap verification, "
           "or a minor collection's droppable-wrapper handler";
  case CCGC_CONTEXT_RECLAIM:
    return "a collection's reclamation (a weak callback, an external value "
           "release, a pre-finalizer or a finalizer)";
  case CCGC_CONTEXT_TEARDOWN:
    return "a heap's teardown (its pre-finalizers, finalizers and external "
           "value releases)";
  case CCGC_CONTEXT_RELEASE:
    return "an external value's release (run from the host's own weak map "
           "set or delete)";
  case CCGC_CONTEXT_MUTATOR:
    break;
  }
  return "host code";
}

static const char *kind_name(ccgc_call_kind kind) {
  switch (kind) {
  case CCGC_CALL_STORE: return "store";
  case CCGC_CALL_ALLOCATE: return "allocation";
  case CCGC_CALL_CONFIGURE: return "call";
  case CCGC_CALL_READ: break;
  }
  return "read";
}

ccgc_status ccgc_collector_refuse_thread(ccgc_collector *collector,
                                         const char *call) {
  /* Recorded under the lock (foreign threads may report at once), reported
   * to the handler after it: a handler may not return (longjmp), and one
   * that did left the lock held, so that every later wrong-thread call of
   * any collector in the process waited forever. */
  pthread_mutex_lock(&foreign_reports);
  if (ccgc_on_marker_thread())
    ccgc_error_set(&collector->errors, CCGC_E_WRONG_THREAD,
                   "%s: called on a marker thread (from a trace callback or "
                   "an external value's target run concurrently); heap and "
                   "collector calls run on the collector's own thread only",
                   call);
  else
    ccgc_error_set(&collector->errors, CCGC_E_WRONG_THREAD,
                   "%s: called from a thread that does not own the collector "
                   "(its owner is the thread that created it, or that called "
                   "ccgc_collector_take_ownership)",
                   call);
  collector->errors.last.check = ".api.mutator-thread";
  ccgc_error report = collector->errors.last;
  ccgc_error_handler handler = collector->errors.handler;
  void *data = collector->errors.handler_data;
  pthread_mutex_unlock(&foreign_reports);
  if (handler) handler(&report, data);
  return CCGC_E_WRONG_THREAD;
}

ccgc_status ccgc_gate_refuse(ccgc_collector *collector, ccgc_call_kind kind,
                             const char *call) {
  if (!ccgc_gate_on_owner(&collector->gate))
    return ccgc_collector_refuse_thread(collector, call);
  ccgc_call_context context = collector->context;
  switch (context) {
  case CCGC_CONTEXT_MUTATOR:
    return CCGC_OK;
  case CCGC_CONTEXT_MARKING:
  case CCGC_CONTEXT_WALK:
    if (kind == CCGC_CALL_READ) return CCGC_OK;
    return CCGC_MISUSE(&collector->errors, CCGC_E_IN_COLLECTION,
                       ".api.no-heap-calls-in-callbacks",
                       "%s: %s from %s, which may only report references "
                       "and read",
                       call, kind_name(kind), context_name(context));
  case CCGC_CONTEXT_RECLAIM:
  case CCGC_CONTEXT_TEARDOWN:
  case CCGC_CONTEXT_RELEASE:
    if (kind == CCGC_CALL_READ || kind == CCGC_CALL_STORE) return CCGC_OK;
    return CCGC_MISUSE(&collector->errors, CCGC_E_IN_COLLECTION,
                       ".api.outside-collection",
                       "%s: %s from %s, which may not allocate, collect or "
                       "configure heaps",
                       call, kind_name(kind), context_name(context));
  }
  return CCGC_OK;
}

/* The gate's `open` word and its copy in each attached heap (heap-base.h,
 * for the heaps' inline fast paths). */
static void publish_open(ccgc_collector *collector, uintptr_t open) {
  atomic_store_explicit(&collector->gate.open, open, memory_order_relaxed);
  for (int id = 0; id < collector->heap_count; id++)
    if (collector->heaps[id].base)
      atomic_store_explicit(&collector->heaps[id].base->gate_open, open,
                            memory_order_relaxed);
}

static void set_context(ccgc_collector *collector, ccgc_call_context context) {
  collector->context = context;
  publish_open(collector,
               context == CCGC_CONTEXT_MUTATOR
                   ? atomic_load_explicit(&collector->gate.owner,
                                          memory_order_relaxed)
                   : 0);
}

ccgc_call_context ccgc_collector_enter_context(ccgc_collector *collector,
                                               ccgc_call_context context) {
  ccgc_call_context saved = collector->context;
  set_context(collector, context);
  return saved;
}

void ccgc_collector_leave_context(ccgc_collector *collector,
                                  ccgc_call_context saved) {
  set_context(collector, saved);
}

ccgc_call_context ccgc_collector_context(const ccgc_collector *collector) {
  return collector->context;
}

bool ccgc_collector_in_reclamation(const ccgc_collector *collector) {
  return collector->context == CCGC_CONTEXT_RECLAIM;
}

bool ccgc_collector_reclaiming_after_pause(const ccgc_collector *collector) {
  return collector->context == CCGC_CONTEXT_RECLAIM &&
         collector->state == CCGC_STATE_SWEEPING && !collector->in_atomic_pause;
}

const char *ccgc_collector_context_name(const ccgc_collector *collector) {
  return context_name(collector->context);
}

void ccgc_gate_init(ccgc_collector *collector) {
  atomic_init(&collector->gate.owner, ccgc_thread_token());
  atomic_init(&collector->gate.open, ccgc_thread_token());
  collector->context = CCGC_CONTEXT_MUTATOR;
}

ccgc_status ccgc_collector_take_ownership(ccgc_collector *collector) {
  if (!ccgc_collector_valid(collector)) return CCGC_E_INVALID_ARGUMENT;
  if (ccgc_on_marker_thread())
    return ccgc_collector_refuse_thread(collector,
                                        "ccgc_collector_take_ownership");
  /* The host ordered this call after the previous owner's last one. */
  if (collector->context != CCGC_CONTEXT_MUTATOR || collector->in_collection)
    return CCGC_MISUSE(&collector->errors, CCGC_E_IN_COLLECTION,
                       ".api.outside-collection",
                       "ccgc_collector_take_ownership: called from %s",
                       context_name(collector->context));
  atomic_store_explicit(&collector->gate.owner, ccgc_thread_token(),
                        memory_order_relaxed);
  publish_open(collector, ccgc_thread_token());
  return CCGC_OK;
}
