/* sweeping.h - the collector's sweeping phase after the atomic pause
 * (CCGC_SWEEP_LAZY, CCGC_SWEEP_CONCURRENT; docs/sweeping.md). Internal to
 * marking/.
 *
 * In the pause (cycle.c) every heap's pre_reclaim runs; then the heaps
 * without sweep ops are finalized and reclaimed there, and the others get
 * sweep_start (ccgc-heap.h). The state stays CCGC_STATE_SWEEPING until every
 * such heap's sweep_step returned true; meanwhile the sweeper threads (a task
 * pool, task-pool.h) call the heaps' sweep_concurrent. Completion stops the
 * threads, fills in the cycle's sweeping statistics, announces sweep_end and
 * moves the state to CCGC_STATE_IDLE.
 */
#ifndef CCGC_SWEEPING_H
#define CCGC_SWEEPING_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ccgc.h"

struct ccgc_heap_ops;
struct ccgc_task_pool;

#define CCGC_MAX_SWEEPER_THREADS 8

typedef struct ccgc_sweeper {
  ccgc_sweeping_mode mode; /* for the next pauses                      */
  int threads;             /* sweeper threads in CONCURRENT mode (>= 1) */
  struct ccgc_task_pool *pool; /* the sweeper threads, created lazily   */
  /* The sweeping in progress (state SWEEPING): the heaps that still have
   * unswept pages, as they were when the pause ended. */
  bool pending[CCGC_MAX_HEAPS];
  const struct ccgc_heap_ops *ops[CCGC_MAX_HEAPS];
  void *heaps[CCGC_MAX_HEAPS];
  int heap_count;
  bool helped[CCGC_MAX_HEAPS]; /* what the sweeper threads sweep: fixed
                                  while they run (pending changes)      */
  bool concurrent;      /* this sweeping has sweeper threads running    */
  unsigned helpers;     /* how many were started                        */
  atomic_bool stop;     /* completion: sweeper threads return           */
  double helper_ms[CCGC_MAX_SWEEPER_THREADS + 1]; /* by thread index   */
  double pause_end_ms;  /* when the pause ended                        */
  double owner_ms;      /* owner-thread time in sweeping calls          */
  size_t steps;         /* those calls                                  */
  bool broken;          /* TESTING ONLY: ccgc_collector_break_sweeping  */
  bool sweep_first;     /* TESTING: ccgc_collector_sweep_before_scavenge */
  bool scavenge_broken; /* TESTING ONLY: ..._break_scavenge_sweeping   */
  size_t scavenges;     /* scavenges during this sweeping              */
  bool parked;          /* helpers stopped for a scavenge, to restart  */
  bool adaptive;        /* options.adaptive_threads: threads sized     */
  /* Mark clearing (docs/sweeping.md "Clearing the marks"): after a
   * concurrent sweep completes, a sweeper thread clears the mark tables of
   * the normal pages the heaps had then (clearing: their tables,
   * clearing_count; claimed by index), so that the next cycle's start need
   * not. */
  uint8_t **clearing; /* while a clearing runs: = clearing_list */
  size_t clearing_count;
  /* The list's memory, kept between clearings, mapped and grown by
   * doubling: a malloc of a few KiB when sweeping completes made glibc
   * consolidate its fast bins, 8 to 12 ms of the main thread after a
   * host's finalizers had freed their strings (ccgc bench dom). */
  uint8_t **clearing_list;
  size_t clearing_capacity;
  atomic_size_t clearing_next;
  /* The last clearing's number: a page stamped with it (clear_stamp) at
   * the clearing's start, or mapped since while nothing marked, has white
   * marks once marks_clear is set; prepare skips those. */
  uint32_t clear_epoch;
  bool marks_clear;     /* the last clearing finished: prepare skips     */
} ccgc_sweeper;

/* Sets the sweeper up from the collector's options (NULL: defaults). */
void ccgc_sweeper_init(ccgc_sweeper *sweeper,
                       const ccgc_collector_options *options);
/* Stops and joins the sweeper threads (ccgc_collector_free). */
void ccgc_sweeper_destroy(ccgc_sweeper *sweeper);
/* NULL if the options' sweeping mode and threads are valid, else why not
 * (written into buf). */
const char *ccgc_sweeper_invalid_options(const ccgc_collector_options *options,
                                         char *buf, size_t size);

/* In the pause, after every heap's pre_reclaim: calls the phase (offset of
 * finalize or reclaim in ccgc_heap_ops) of every heap that is swept in the
 * pause this cycle: all of them in ATOMIC mode, else those without
 * sweep_start. */
void ccgc_sweeper_call_in_pause(ccgc_collector *collector, size_t phase);
/* In the pause, after the in-pause heaps reclaimed: sweep_start of every
 * heap swept after the pause. Returns whether there is one (the state then
 * becomes SWEEPING at the pause's end). */
bool ccgc_sweeper_start(ccgc_collector *collector);
/* At the pause's end, state already SWEEPING: starts the sweeper threads
 * (CONCURRENT mode). */
void ccgc_sweeper_after_pause(ccgc_collector *collector);

/* If the state is SWEEPING and the owner may run host code (not busy):
 * completes sweeping. Returns whether the state is not SWEEPING (any more).
 * V8's EnsureSweepingCompleted: new cycles, walks (minor collections only
 * under ccgc_collector_sweep_before_scavenge),
 * contains, verify_heap call it. */
bool ccgc_collector_ensure_swept(ccgc_collector *collector);
/* Sweeps until sweeping is complete or deadline_ms passes (idle time:
 * owner-thread steps repeated while sweeper threads hold pages). The
 * caller checked the context; state SWEEPING. True when complete. */
bool ccgc_collector_sweep_until(ccgc_collector *collector, double deadline_ms);

/* A scavenge during sweeping (minor-cycle.c): the sweeper threads finish
 * the page each holds and return, before the scavenge; started again after
 * it, if anything is left for them (a heap's sweep_done). */
void ccgc_sweeper_park(ccgc_sweeper *sweeper);
void ccgc_sweeper_unpark(ccgc_sweeper *sweeper);

/* Owner, when sweeping completed (after the pause, or in it): in
 * CCGC_SWEEP_CONCURRENT mode, a sweeper thread clears the marks of every
 * page the heaps have now (young pages hold none: the pause promoted the
 * nursery, and a page taken for it since was cleared then; a page mapped
 * since is zero). Nothing reads a mark in the IDLE state, and no page
 * that may be in the list is released, before
 * ccgc_sweeper_finish_clearing. */
void ccgc_sweeper_start_clearing(ccgc_collector *collector);
/* Owner: the mark clearing after the last sweep, if it still runs, is
 * finished (the owner clears what is left, then waits for the thread).
 * Before anything reads or writes marks or releases a page again: a
 * cycle's start, ccgc_collector_ensure_swept, ccgc_page_destroy, the
 * sweeper's destruction. */
void ccgc_sweeper_finish_clearing(ccgc_sweeper *sweeper);

/* A heap is detached (its teardown finished sweeping): forget it. */
void ccgc_sweeper_forget_heap(ccgc_collector *collector, int heap_id);

#endif /* CCGC_SWEEPING_H */
