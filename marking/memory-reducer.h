/* memory-reducer.h - collections that give memory back when the host goes
 * quiet (V8's MemoryReducer, src/heap/memory-reducer.cc), driven by the
 * host's idle time (ccgc_idle_notification). Internal to the library; owner
 * thread only. docs/heap-growth.md "Memory reducer" says what hosts see.
 *
 *   DONE --(a full collection the reducer did not start)--> WAIT
 *   WAIT --(idle, the delay passed, allocation quiet)--> a memory-reducing
 *          incremental cycle (CCGC_REASON_MEMORY_REDUCER) --> RUN
 *   WAIT --(idle, the delay passed, allocation not quiet)--> WAIT (again)
 *   RUN  --(its cycle ended)--> WAIT (short delay: 500 ms, or the host's
 *          delay if shorter) while fewer than
 *          CCGC_REDUCER_MAX_GCS ran and the last one released at least a
 *          tenth of the committed bytes; else DONE
 *
 * "Quiet": fewer than CCGC_REDUCER_LOW_ALLOCATION bytes per ms allocated
 * into the heaps (allocation areas and pages handed out) since the last
 * check, V8's kLowAllocationThroughput. A memory-reducing cycle (this one,
 * or one the host asks for with CCGC_REASON_MEMORY_PRESSURE) sets each
 * heap's next soft limit with the smallest growing factor and shrinks the
 * script heap's nursery to its minimum, releasing its free pages. */
#ifndef CCGC_MEMORY_REDUCER_H
#define CCGC_MEMORY_REDUCER_H

#include <stdbool.h>
#include <stddef.h>

#define CCGC_REDUCER_DEFAULT_DELAY_MS 8000.0 /* V8's kLongDelayMs */
#define CCGC_REDUCER_SHORT_DELAY_MS 500.0    /* V8's kShortDelayMs */
#define CCGC_REDUCER_MAX_GCS 3               /* V8's kMaxNumberOfGCs */
#define CCGC_REDUCER_LOW_ALLOCATION 1000.0   /* bytes per ms */

typedef enum ccgc_reducer_state {
  CCGC_REDUCER_DONE,
  CCGC_REDUCER_WAIT,
  CCGC_REDUCER_RUN,
} ccgc_reducer_state;

typedef struct ccgc_memory_reducer {
  ccgc_reducer_state state;
  double delay_ms;        /* the long delay; < 0: the reducer is off */
  double next_check_ms;   /* WAIT: no start before this */
  double sample_ms;       /* the allocation counter's last reading, and when */
  double sample_bytes;
  int gcs;                /* memory-reducing cycles in this episode */
  size_t committed_before; /* at the start of the last one */
  bool judge;             /* WAIT after a reducing cycle: judge it first */
} ccgc_memory_reducer;

struct ccgc_collector;

/* options.memory_reducer_delay_ms: 0 means the default. */
void ccgc_memory_reducer_init(ccgc_memory_reducer *reducer, double delay_ms);
/* A full cycle ended (its pause; reason: why it ran). */
void ccgc_memory_reducer_cycle_done(struct ccgc_collector *collector, int reason);
/* ccgc_idle_notification with no cycle in progress, sweeping complete and
 * no collection requested: whether to start a memory-reducing cycle now
 * (the caller starts it; the reducer counts it as started). */
bool ccgc_memory_reducer_should_start(struct ccgc_collector *collector);

#endif /* CCGC_MEMORY_REDUCER_H */
