/* sweeper.h - the script heap's sweep: the reclaim op (the whole sweep, in
 * the pause) and the sweep ops of lazy and concurrent sweeping (sweeper.c,
 * ccgc-heap.h, docs/sweeping.md). Internal to v8ish/. */
#ifndef V8ISH_SWEEPER_H
#define V8ISH_SWEEPER_H

#include <stdatomic.h>

#include "heap-internal.h"

void v8ish_space_sweep(void *heap);
void v8ish_sweep_start(void *heap, bool concurrent);
bool v8ish_sweep_step(void *heap, double deadline_ms);
/* Whether the last pause's sweep is complete (the sweep_done op). */
bool v8ish_sweep_done(void *heap);
void v8ish_sweep_concurrent(void *heap, const atomic_bool *stop);
void v8ish_sweep_init(v8ish_heap *heap);
void v8ish_sweep_free(v8ish_heap *heap);
/* Owner: the page of object is swept and merged when this returns (sweeps
 * it now, or waits for the sweeper thread that has it): before a change of
 * an object's size or start (shape changes), and before a page walk. */
void v8ish_sweep_ensure_page(v8ish_heap *heap, const void *object);
/* Owner, allocation: merges what sweeper threads finished and sweeps one
 * more page; false when no page is left to sweep. */
bool v8ish_sweep_for_allocation(v8ish_heap *heap);
/* Owner, allocation at the hard limit: completes the sweep, waiting for the
 * pages sweeper threads still measure (CCGC_E_HEAP_LIMIT only when nothing
 * is left to sweep, docs/sweeping.md); false if no sweep was in progress or
 * a scavenge's promotion asks (it never sweeps). */
bool v8ish_sweep_finish_for_allocation(v8ish_heap *heap);
/* Whether the normal page is swept and merged (no sweeping in progress, a
 * page mapped after the pause, or one merged). */
bool v8ish_page_swept(const v8ish_heap *heap, const v8ish_page *page);

#endif
