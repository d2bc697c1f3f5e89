/* collector.c - the unified collector: attached heaps, the page registry, the
 * call order of one full collection (ccgc-heap.h). Requests and safepoints
 * are in safepoint.c. */
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ccgc-testing.h" /* CCGC_SHAPE_UNPROTECTED, a valid option */
#include "invariant-check.h"
#include "collector-internal.h"
#include "task-pool.h"

_Static_assert(sizeof(ccgc_collector) < CCGC_SIG_STRUCT_MAX, ".sig");

double ccgc_now_ms(void) {
  struct timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  return (double)now.tv_sec * 1e3 + (double)now.tv_nsec / 1e6;
}

static const char *const reason_names[CCGC_REASON_COUNT] = {
    [CCGC_REASON_TESTING] = "testing",
    [CCGC_REASON_ALLOCATION_LIMIT] = "allocation limit",
    [CCGC_REASON_HOST_REQUEST] = "host request",
    [CCGC_REASON_IDLE] = "idle",
    [CCGC_REASON_MEMORY_PRESSURE] = "memory pressure",
    [CCGC_REASON_TEARDOWN] = "teardown",
    /* V8's word for a full nursery. */
    [CCGC_REASON_ALLOCATION_FAILURE] = "allocation failure",
    [CCGC_REASON_MEMORY_REDUCER] = "memory reducer",
};

bool ccgc_collector_reducing_memory(const ccgc_collector *collector) {
  return ccgc_reason_reduces_memory(collector->current.reason);
}

const char *ccgc_gc_reason_name(ccgc_gc_reason reason) {
  if ((unsigned)reason >= CCGC_REASON_COUNT) return "unknown";
  return reason_names[reason];
}

/* NULL if options are valid, else why not. */
static const char *invalid_options(const ccgc_collector_options *options,
                                   char *buf, size_t size) {
  if (!options) return NULL;
  if (options->scavenger_threads < 0 ||
      options->scavenger_threads > CCGC_MAX_MARKER_THREADS) {
    snprintf(buf, size, "scavenger_threads %d is out of range (0 to %d)",
             options->scavenger_threads, CCGC_MAX_MARKER_THREADS);
    return buf;
  }
  if (options->parallel_marking_threads < 0 ||
      options->parallel_marking_threads > CCGC_MAX_MARKER_THREADS) {
    snprintf(buf, size,
             "parallel_marking_threads %d is out of range (0 to %d)",
             options->parallel_marking_threads, CCGC_MAX_MARKER_THREADS);
    return buf;
  }
  if (options->compaction_threads < 0 ||
      options->compaction_threads > CCGC_MAX_SWEEPER_THREADS) {
    snprintf(buf, size, "compaction_threads %d is out of range (0 to %d)",
             options->compaction_threads, CCGC_MAX_SWEEPER_THREADS);
    return buf;
  }
  if (options->marker_threads < 0 ||
      options->marker_threads > CCGC_MAX_MARKER_THREADS) {
    snprintf(buf, size, "marker_threads %d is out of range (0 to %d)",
             options->marker_threads, CCGC_MAX_MARKER_THREADS);
    return buf;
  }
  int protocol = (int)options->shape_protocol;
  if (protocol != CCGC_SHAPE_SNAPSHOT && protocol != CCGC_SHAPE_LOCK &&
      protocol != (int)CCGC_SHAPE_UNPROTECTED) {
    snprintf(buf, size, "unknown shape_protocol %d", protocol);
    return buf;
  }
  const char *sweeping = ccgc_sweeper_invalid_options(options, buf, size);
  if (sweeping) return sweeping;
  if (!(options->incremental_step_ms >= 0) ||
      isinf(options->incremental_step_ms)) {
    snprintf(buf, size, "incremental_step_ms %g is not a finite duration",
             options->incremental_step_ms);
    return buf;
  }
  if (!isfinite(options->memory_reducer_delay_ms)) {
    snprintf(buf, size, "memory_reducer_delay_ms %g is not a finite duration",
             options->memory_reducer_delay_ms);
    return buf;
  }
  return NULL;
}

/* ccgc_collector_new has no collector to report to yet: it says why on
 * stderr, in the format of the default error handler, and returns NULL. */
static ccgc_collector *refuse_new(const char *why) {
  fprintf(stderr, "ccgc: ccgc_collector_new: %s (%s; .api.argument)\n", why,
          ccgc_status_name(CCGC_E_INVALID_ARGUMENT));
  fflush(stderr);
  return NULL;
}

/* Memory is short: said the same way, with its own status. */
static ccgc_collector *refuse_memory(const char *what) {
  fprintf(stderr, "ccgc: ccgc_collector_new: the system refused memory for %s (%s)\n",
          what, ccgc_status_name(CCGC_E_OUT_OF_MEMORY));
  fflush(stderr);
  return NULL;
}

ccgc_collector *ccgc_collector_new(const ccgc_collector_options *options) {
  char why[128];
  if (invalid_options(options, why, sizeof why)) return refuse_new(why);
  ccgc_collector *collector = calloc(1, sizeof *collector);
  if (!collector) return refuse_memory("the collector");
  if (ccgc_page_registry_init(&collector->registry) != 0) {
    free(collector);
    return refuse_memory("the page registry");
  }
  collector->sig = CCGC_COLLECTOR_SIG;
  ccgc_page_pool_init(&collector->page_pool);
  ccgc_error_sink_init(&collector->errors);
  ccgc_gate_init(collector); /* the calling thread owns the collector */
  atomic_init(&collector->barrier.marking, 0);
  collector->barrier.collector = collector;
  pthread_mutex_init(&collector->barrier_lock, NULL);
  ccgc_bulk_cache_init(&collector->bulk_cache);
  for (int i = 0; i < CCGC_MAX_HEAPS; i++) {
    ccgc_worklist_init_overflowing(&collector->worklists[i],
                                   &collector->mark_overflow);
    ccgc_worklist_local_init(&collector->mutator_locals[i],
                             &collector->worklists[i]);
  }
  atomic_init(&collector->gc_requested, false);
  atomic_init(&collector->limit_requested, false);
  ccgc_memory_reducer_init(&collector->reducer,
                           options ? options->memory_reducer_delay_ms : 0);
  if (options) {
    collector->verify = options->verify;
    collector->trace_gc = options->trace_gc;
    collector->trace_gc_verbose = options->trace_gc_verbose;
    collector->trace_gc_nvp = options->trace_gc_nvp;
    collector->step_bytes = options->incremental_step_bytes;
    collector->step_ms = options->incremental_step_ms;
    collector->pacing.automatic = options->incremental_marking;
    collector->scavenger_threads = options->scavenger_threads;
    collector->parallel_marking_threads = options->parallel_marking_threads;
    collector->compaction_threads = options->compaction_threads;
    atomic_store(&collector->barrier.shape_protocol,
                 (int)options->shape_protocol);
  }
  ccgc_sweeper_init(&collector->sweeper, options);
  collector->adaptive_threads = options && options->adaptive_threads;
  collector->sweeper.adaptive = collector->adaptive_threads;
  collector->steps = g_array_new(FALSE, FALSE, sizeof(double));
  collector->last_steps = g_array_new(FALSE, FALSE, sizeof(double));
  collector->state = CCGC_STATE_IDLE;
  ccgc_events_init(collector);
  int threads = options ? options->marker_threads : 0;
  if (ccgc_concurrent_init(&collector->concurrent, collector, threads) <
      threads) {
    snprintf(why, sizeof why, "only %d of %d marker threads could start",
             collector->concurrent.thread_count, threads);
    ccgc_collector_free(collector);
    return refuse_new(why);
  }
  ccgc_tracer_init(&collector->tracer);
  collector->created_ms = ccgc_now_ms();
  collector->last_gc_end_ms = collector->created_ms;
  return collector;
}

void ccgc_collector_free(ccgc_collector *collector) {
  if (!ccgc_collector_enter(collector, "ccgc_collector_free")) return;
  if (ccgc_collector_refuse_free_in_callbacks(collector,
                                              "ccgc_collector_free") != CCGC_OK)
    return;
  if (ccgc_collector_busy(collector)) {
    CCGC_MISUSE(&collector->errors, CCGC_E_IN_COLLECTION,
                ".api.outside-collection",
                "ccgc_collector_free: called from %s",
                ccgc_collector_context_name(collector));
    return;
  }
  if (collector->state == CCGC_STATE_MARKING) {
    /* Abandon the cycle: nothing is freed by marking. */
    ccgc_concurrent_pause(&collector->concurrent);
    ccgc_concurrent_merge(&collector->concurrent, &collector->marker);
    ccgc_marker_end(&collector->marker);
    ccgc_collector_set_marking(collector, false);
    collector->state = CCGC_STATE_IDLE;
  }
  for (int i = 0; i < collector->heap_count; i++) {
    if (collector->heaps[i].heap) {
      /* Freeing the collector under a live heap would leave the heap with
       * dangling registry and barrier pointers. */
      CCGC_MISUSE(&collector->errors, CCGC_E_INVALID_ARGUMENT,
                  ".api.heaps-first",
                  "ccgc_collector_free: heap '%s' is still attached; free "
                  "the heaps first",
                  collector->heaps[i].ops->name);
      return;
    }
  }
  ccgc_concurrent_destroy(&collector->concurrent);
  ccgc_task_pool_free(collector->scavenge_pool); /* joins the helpers */
  ccgc_task_pool_free(collector->mark_pool);     /* joins the helpers */
  ccgc_sweeper_destroy(&collector->sweeper);     /* joins the sweepers */
  for (int i = 0; i < CCGC_MAX_HEAPS; i++) {
    ccgc_worklist_local_destroy(&collector->mutator_locals[i]);
    ccgc_worklist_destroy(&collector->worklists[i]);
  }
  pthread_mutex_destroy(&collector->barrier_lock);
  ccgc_bulk_cache_destroy(&collector->bulk_cache);
  g_array_free(collector->steps, TRUE);
  /* .sig: wiped before the collector_freed listeners run, so that a call
   * they make on it is refused as on a freed collector (its threads,
   * worklists and sweeper are gone: a collection from there ran on freed
   * state, and new marker threads read it after the free). */
  ccgc_sig_wipe(&collector->sig);
  ccgc_events_collector_freed(collector); /* e.g. the probe set */
  g_array_free(collector->last_steps, TRUE);
  ccgc_page_registry_destroy(&collector->registry);
  ccgc_page_pool_destroy(&collector->page_pool); /* after every heap's pages */
  free(collector);
}

int ccgc_collector_attach_heap(ccgc_collector *collector,
                               const ccgc_heap_ops *ops, void *heap,
                               const char *call) {
  if (!ccgc_collector_valid(collector) || !ops || !heap || !ops->trace_object ||
      !ops->reclaim || !ops->trace_roots || !ops->for_each_object) {
    if (ccgc_collector_valid(collector))
      ccgc_error_set(&collector->errors, CCGC_E_INVALID_ARGUMENT,
                     "ccgc_collector_attach_heap: incomplete heap operations");
    return -1;
  }
  for (int i = 0; i < CCGC_MAX_HEAPS; i++) {
    if (collector->heaps[i].heap) continue;
    collector->heaps[i].ops = ops;
    collector->heaps[i].heap = heap;
    if (i + 1 > collector->heap_count) collector->heap_count = i + 1;
    return i;
  }
  ccgc_error_set(&collector->errors, CCGC_E_INVALID_ARGUMENT,
                 "%s: the collector has %d heaps already, its most "
                 "(CCGC_MAX_HEAPS); free one first",
                 call, CCGC_MAX_HEAPS);
  return -1;
}

void ccgc_collector_detach_heap(ccgc_collector *collector, int heap_id) {
  if (!ccgc_collector_valid(collector) || heap_id < 0 ||
      heap_id >= CCGC_MAX_HEAPS)
    return;
  ccgc_sweeper_forget_heap(collector, heap_id);
  ccgc_collector_set_headroom(collector, heap_id, 0);
  collector->heaps[heap_id].heap = NULL;
  collector->heaps[heap_id].ops = NULL;
  collector->heaps[heap_id].base = NULL;
  while (collector->heap_count > 0 &&
         !collector->heaps[collector->heap_count - 1].heap)
    collector->heap_count--;
}

typedef struct object_search {
  const void *address;
  bool found;
} object_search;

static void find_object(void *object, void *data) {
  object_search *search = data;
  if (object == search->address) search->found = true;
}

bool ccgc_collector_is_object(ccgc_collector *collector, const void *address,
                              int heap_id) {
  ccgc_page *page = ccgc_collector_find_page(collector, address);
  if (!page || (heap_id >= 0 && page->heap_id != heap_id) ||
      page->heap_id >= collector->heap_count)
    return false;
  ccgc_heap_slot *slot = &collector->heaps[page->heap_id];
  if (!slot->heap) return false;
  if (slot->ops->is_object) return slot->ops->is_object(slot->heap, address);
  object_search search = {address, false}; /* a heap without the op */
  ccgc_collector_for_each_object(collector, page->heap_id, find_object,
                                 &search);
  return search.found;
}

bool ccgc_collector_is_private(ccgc_collector *collector, const void *address) {
  ccgc_page *page = ccgc_collector_find_page(collector, address);
  if (!page || page->heap_id >= collector->heap_count) return false;
  ccgc_heap_slot *slot = &collector->heaps[page->heap_id];
  return slot->heap && slot->ops->is_private &&
         slot->ops->is_private(slot->heap, address);
}

/* Where a refused call came from, for its message: a walk, a verification
 * or a release run from the host's own weak map call is no collection. */
static const char *called_where(const ccgc_collector *collector) {
  return collector->in_collection ||
                 (collector->context != CCGC_CONTEXT_WALK &&
                  collector->context != CCGC_CONTEXT_RELEASE)
             ? "during a collection, from"
             : "from";
}

bool ccgc_collector_contains_checked(ccgc_collector *collector,
                                     const void *address, int heap_id,
                                     const char *call) {
  /* Inside a collection a heap's pages are being swept or moved: the answer
   * would be neither the old nor the new truth (blinkish_is_alive and
   * ccgc_is_marked answer there). */
  if (ccgc_collector_in_collection_context(collector)) {
    ccgc_error_set(&collector->errors, CCGC_E_IN_COLLECTION,
                   "%s: called %s %s; a callback asks liveness with "
                   "blinkish_is_alive",
                   call, called_where(collector),
                   ccgc_collector_context_name(collector));
    return false;
  }
  /* From an external value's release (no collection runs): the answer is
   * the heaps' as they stand, unless pages wait to be swept - sweeping
   * them would run finalizers inside the host's weak map call. */
  if (collector->context == CCGC_CONTEXT_RELEASE &&
      collector->state == CCGC_STATE_SWEEPING) {
    ccgc_error_set(&collector->errors, CCGC_E_IN_COLLECTION,
                   "%s: called from %s while sweeping is pending (sweeping "
                   "would run finalizers there); ask after the call returns",
                   call, ccgc_collector_context_name(collector));
    return false;
  }
  /* The answer of the heaps after the last cycle, as if it had swept in
   * its pause. */
  ccgc_collector_ensure_swept(collector);
  return ccgc_collector_is_object(collector, address, heap_id);
}

ccgc_status ccgc_collector_refuse_free_in_callbacks(ccgc_collector *collector,
                                                    const char *call) {
  if (!collector->after_callbacks) return CCGC_OK;
  return CCGC_MISUSE(&collector->errors, CCGC_E_IN_COLLECTION,
                     ".api.outside-collection",
                     "%s: called from a callback after a collection (a "
                     "cycle_end or minor_end listener, a FinalizationRegistry "
                     "or weak callback): the collection call has not "
                     "returned; free after it returns",
                     call);
}

ccgc_status ccgc_collector_refuse_busy(ccgc_collector *collector, const char *call) {
  if (!ccgc_collector_busy(collector)) return CCGC_OK;
  return ccgc_error_set(&collector->errors, CCGC_E_IN_COLLECTION,
                        "%s: called %s %s, which may not collect, sweep or "
                        "configure the collector",
                        call, called_where(collector),
                        ccgc_collector_context_name(collector));
}

bool ccgc_collector_refuse_duration(ccgc_collector *collector, const char *call,
                                    const char *what, double ms) {
  /* NaN compares false both ways: a NaN deadline is never reached. */
  if (ms >= 0) return false;
  CCGC_MISUSE(&collector->errors, CCGC_E_INVALID_ARGUMENT, ".api.argument",
              "%s: %s %g ms is not a duration", call, what, ms);
  return true;
}

bool ccgc_collector_contains(ccgc_collector *collector, const void *address) {
  if (!ccgc_collector_enter(collector, "ccgc_collector_contains")) return false;
  return ccgc_collector_contains_checked(collector, address, -1,
                                         "ccgc_collector_contains");
}

ccgc_error_sink *ccgc_collector_error_sink(ccgc_collector *collector) {
  return &collector->errors;
}


const ccgc_error *ccgc_collector_last_error(const ccgc_collector *collector) {
  static const ccgc_error invalid = {CCGC_E_INVALID_ARGUMENT,
                                     "ccgc_collector_last_error: no collector",
                                     ".api.argument"};
  /* The record is the owner's: another thread gets one saying so, not "no
   * collector" (the call itself is reported, .api.mutator-thread). */
  static const ccgc_error foreign = {
      CCGC_E_WRONG_THREAD,
      "ccgc_collector_last_error: called from a thread that does not own "
      "the collector (its errors are the owner's)",
      ".api.mutator-thread"};
  if (!ccgc_collector_enter(collector, "ccgc_collector_last_error"))
    return ccgc_collector_valid(collector) ? &foreign : &invalid;
  return &collector->errors.last;
}

void ccgc_collector_clear_error(ccgc_collector *collector) {
  if (!ccgc_collector_enter(collector, "ccgc_collector_clear_error")) return;
  ccgc_error_clear(&collector->errors);
}

void ccgc_collector_set_error_handler(ccgc_collector *collector,
                                      ccgc_error_handler handler, void *data) {
  if (!ccgc_collector_enter(collector, "ccgc_collector_set_error_handler"))
    return;
  collector->errors.handler = handler ? handler : ccgc_error_abort_handler;
  collector->errors.handler_data = data;
}

void ccgc_collector_set_verify(ccgc_collector *collector, bool verify) {
  if (!ccgc_collector_enter(collector, "ccgc_collector_set_verify")) return;
  collector->verify = verify;
}

void ccgc_collector_set_trace_gc(ccgc_collector *collector, FILE *out,
                                 bool verbose) {
  if (!ccgc_collector_enter(collector, "ccgc_collector_set_trace_gc")) return;
  collector->trace_gc = out;
  collector->trace_gc_verbose = verbose;
}

void ccgc_collector_set_trace_gc_nvp(ccgc_collector *collector, bool nvp) {
  if (!ccgc_collector_enter(collector, "ccgc_collector_set_trace_gc_nvp"))
    return;
  collector->trace_gc_nvp = nvp;
}

bool ccgc_collector_in_minor_collection(const ccgc_collector *collector) {
  return collector->in_minor;
}

bool ccgc_collector_in_collection(const ccgc_collector *collector) {
  if (!ccgc_collector_enter(collector, "ccgc_collector_in_collection"))
    return false;
  return collector->in_collection;
}

const ccgc_cycle_stats *ccgc_collector_last_cycle(const ccgc_collector *c) {
  if (!ccgc_collector_enter(c, "ccgc_collector_last_cycle")) return NULL;
  return c->cycles ? &c->last : NULL;
}

unsigned long ccgc_collector_cycle_count(const ccgc_collector *collector) {
  if (!ccgc_collector_enter(collector, "ccgc_collector_cycle_count")) return 0;
  return collector->cycles;
}

const ccgc_verify_report *ccgc_collector_last_verify(const ccgc_collector *c) {
  if (!ccgc_collector_enter(c, "ccgc_collector_last_verify")) return NULL;
  return &c->last_verify;
}

int ccgc_collector_heap_count(const ccgc_collector *collector) {
  if (!ccgc_collector_enter(collector, "ccgc_collector_heap_count")) return 0;
  return collector->heap_count;
}

const char *ccgc_collector_heap_name(const ccgc_collector *collector, int id) {
  if (!ccgc_collector_enter(collector, "ccgc_collector_heap_name")) return NULL;
  if (id < 0 || id >= collector->heap_count || !collector->heaps[id].heap)
    return NULL;
  return collector->heaps[id].ops->name;
}

void ccgc_collector_heap_stats(ccgc_collector *collector, int heap_id,
                               ccgc_heap_stats *out) {
  if (!out) return;
  memset(out, 0, sizeof *out);
  if (!ccgc_collector_enter(collector, "ccgc_collector_heap_stats")) return;
  if (heap_id < 0 || heap_id >= collector->heap_count) return;
  ccgc_heap_slot *slot = &collector->heaps[heap_id];
  if (slot->heap && slot->ops->stats) slot->ops->stats(slot->heap, out);
}

void ccgc_collector_heap_totals(ccgc_collector *collector,
                                ccgc_heap_totals *out) {
  memset(out, 0, sizeof *out);
  out->headroom_bytes = SIZE_MAX;
  for (int id = 0; id < collector->heap_count; id++) {
    ccgc_heap_slot *slot = &collector->heaps[id];
    if (!slot->heap || !slot->ops->stats) continue;
    ccgc_heap_stats stats;
    memset(&stats, 0, sizeof stats);
    slot->ops->stats(slot->heap, &stats);
    out->used_bytes += stats.used_bytes;
    out->committed_bytes += stats.committed_bytes;
    out->object_count += stats.object_count;
    out->young_capacity_bytes += stats.young_capacity_bytes;
    if (stats.limit_bytes) {
      size_t room = stats.limit_bytes > stats.committed_bytes
                        ? stats.limit_bytes - stats.committed_bytes
                        : 0;
      if (room < out->headroom_bytes) out->headroom_bytes = room;
    }
  }
}

void ccgc_collector_snapshot_stats(ccgc_collector *collector, bool before,
                                   ccgc_cycle_stats *stats) {
  stats->heap_count = collector->heap_count;
  for (int i = 0; i < collector->heap_count; i++) {
    ccgc_cycle_heap_stats *heap_stats = &stats->heaps[i];
    ccgc_heap_slot *slot = &collector->heaps[i];
    heap_stats->name = slot->heap ? slot->ops->name : NULL;
    ccgc_heap_stats *out = before ? &heap_stats->before : &heap_stats->after;
    memset(out, 0, sizeof *out);
    if (slot->heap && slot->ops->stats) slot->ops->stats(slot->heap, out);
  }
}

typedef void (*heap_phase_fn)(void *heap);

/* Calls one optional phase of every attached heap, in heap order; the phase
 * is named by its offset in ccgc_heap_ops. */
void ccgc_collector_call_phase(ccgc_collector *collector, size_t phase_offset) {
  for (int id = 0; id < collector->heap_count; id++) {
    ccgc_heap_slot *slot = &collector->heaps[id];
    if (!slot->heap) continue;
    heap_phase_fn phase;
    memcpy(&phase, (const char *)slot->ops + phase_offset, sizeof phase);
    if (phase) phase(slot->heap);
  }
}

bool ccgc_collector_is_live(const ccgc_collector *collector) {
  return ccgc_collector_valid(collector);
}

void *ccgc_collector_heap(const ccgc_collector *collector, int heap_id,
                          const ccgc_heap_ops **ops) {
  if (heap_id < 0 || heap_id >= collector->heap_count ||
      !collector->heaps[heap_id].heap)
    return NULL;
  *ops = collector->heaps[heap_id].ops;
  return collector->heaps[heap_id].heap;
}

void ccgc_collector_for_each_object(ccgc_collector *collector, int heap_id,
                                    void (*fn)(void *object, void *data),
                                    void *data) {
  if (heap_id < 0 || heap_id >= collector->heap_count) return;
  /* Walks see the heaps swept (when the owner may run finalizers now;
   * else the heap skips the dead objects of unswept pages). */
  ccgc_collector_ensure_swept(collector);
  ccgc_heap_slot *slot = &collector->heaps[heap_id];
  if (!slot->heap) return;
  /* fn is host code (walk callbacks) or reaches it: it may read the heaps,
   * never change them (.api.no-heap-calls-in-callbacks). */
  ccgc_call_context outer =
      ccgc_collector_enter_context(collector, CCGC_CONTEXT_WALK);
  slot->ops->for_each_object(slot->heap, fn, data);
  ccgc_collector_leave_context(collector, outer);
}

void ccgc_collector_trace_all_roots(ccgc_collector *collector,
                                    ccgc_visitor *visitor) {
  /* The inspection library's visitors call host code (walk callbacks). */
  ccgc_call_context outer =
      ccgc_collector_enter_context(collector, CCGC_CONTEXT_WALK);
  for (int id = 0; id < collector->heap_count; id++) {
    ccgc_heap_slot *slot = &collector->heaps[id];
    if (slot->heap) slot->ops->trace_roots(slot->heap, visitor);
  }
  ccgc_collector_leave_context(collector, outer);
}
