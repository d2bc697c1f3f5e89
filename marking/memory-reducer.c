/* memory-reducer.c - the memory reducer's states (memory-reducer.h). */
#include "memory-reducer.h"

#include "collector-internal.h"

void ccgc_memory_reducer_init(ccgc_memory_reducer *reducer, double delay_ms) {
  reducer->state = CCGC_REDUCER_DONE;
  reducer->delay_ms = delay_ms == 0 ? CCGC_REDUCER_DEFAULT_DELAY_MS : delay_ms;
  reducer->gcs = 0;
  reducer->judge = false;
}

static size_t committed(struct ccgc_collector *collector) {
  ccgc_heap_totals sums;
  ccgc_collector_heap_totals(collector, &sums);
  return sums.committed_bytes;
}

/* Between the cycles of one episode: V8's short delay, or the host's delay
 * if that is shorter. */
static double short_delay(const ccgc_memory_reducer *reducer) {
  return reducer->delay_ms < CCGC_REDUCER_SHORT_DELAY_MS ? reducer->delay_ms
                                                         : CCGC_REDUCER_SHORT_DELAY_MS;
}

static void wait_from_now(struct ccgc_collector *collector, double delay_ms) {
  ccgc_memory_reducer *reducer = &collector->reducer;
  double now = ccgc_now_ms();
  reducer->state = CCGC_REDUCER_WAIT;
  reducer->next_check_ms = now + delay_ms;
  reducer->sample_ms = now;
  reducer->sample_bytes = collector->allocated_bytes;
}

void ccgc_memory_reducer_cycle_done(struct ccgc_collector *collector, int reason) {
  ccgc_memory_reducer *reducer = &collector->reducer;
  if (reducer->delay_ms < 0) return;
  if (reason == CCGC_REASON_MEMORY_REDUCER) {
    reducer->gcs++;
    /* Whether it released enough is judged once its sweep completed, at
     * the next check (after the short delay). */
    reducer->judge = true;
    wait_from_now(collector, short_delay(reducer));
    return;
  }
  /* Any other full collection: the host is busy again; a new episode. */
  reducer->gcs = 0;
  reducer->judge = false;
  wait_from_now(collector, reducer->delay_ms);
}

bool ccgc_memory_reducer_should_start(struct ccgc_collector *collector) {
  ccgc_memory_reducer *reducer = &collector->reducer;
  if (reducer->delay_ms < 0 || reducer->state != CCGC_REDUCER_WAIT) return false;
  double now = ccgc_now_ms();
  if (now < reducer->next_check_ms) return false;
  if (reducer->judge) {
    /* The last reducing cycle's sweep is complete (the caller's state is
     * IDLE): did it give back at least a tenth of the committed bytes? */
    reducer->judge = false;
    if (reducer->gcs >= CCGC_REDUCER_MAX_GCS ||
        committed(collector) * 10 > reducer->committed_before * 9) {
      reducer->state = CCGC_REDUCER_DONE;
      return false;
    }
  }
  double elapsed = now - reducer->sample_ms;
  double rate = elapsed > 0
                    ? (collector->allocated_bytes - reducer->sample_bytes) / elapsed
                    : 0;
  if (rate >= CCGC_REDUCER_LOW_ALLOCATION) {
    /* Not quiet: look again after another delay. */
    wait_from_now(collector, reducer->gcs ? short_delay(reducer) : reducer->delay_ms);
    return false;
  }
  reducer->state = CCGC_REDUCER_RUN;
  reducer->committed_before = committed(collector);
  return true;
}
