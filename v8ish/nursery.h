/* nursery.h - the script heap's young generation: its pages, the bump
 * allocation's refills, the to-space reserve and the semi-space's size
 * (nursery.c, docs/script-heap.md "Young generation"). Internal to v8ish/. */
#ifndef V8ISH_NURSERY_H
#define V8ISH_NURSERY_H

#include <pthread.h>

#include "heap-internal.h"

void v8ish_nursery_init(v8ish_heap *heap);
/* The mutator's lab is exhausted: a fresh nursery page for an object of
 * size bytes, or NULL if the young generation cannot grow (off, the hard
 * limit, or a full semi-space overflowed by one more while its scavenge
 * waits for a safepoint: the caller allocates old). Requests a minor
 * collection when the semi-space is full. */
word_t *v8ish_nursery_refill(v8ish_heap *heap, size_t size);
/* After a refill failed: at the hard limit, old space needs the pages, so
 * the pool shrinks to the reserve of the present from-space
 * (.inv.to-space-reserve holds); at the overflow's bound, nothing. */
void v8ish_nursery_yield_to_old(v8ish_heap *heap);
/* A young large page for one object, or NULL (limit: *why). */
word_t *v8ish_nursery_allocate_large(v8ish_heap *heap, size_t size,
                                     ccgc_status *why);
/* Where the young objects of page end (its top; the lab's cursor for the
 * page the mutator allocates in). */
word_t *v8ish_young_top(v8ish_heap *heap, v8ish_page *page);
/* A full collection's sweep, first: every young page with objects becomes
 * an old page where it is (its dead objects are then swept like old ones),
 * so the nursery is empty after every full collection; nothing moves. */
void v8ish_nursery_promote_in_place(v8ish_heap *heap);
/* Fast promotion (docs/script-heap.md): whether the next scavenge makes
 * every young page old where it is (the heap's option, the last copying
 * scavenge's survival, no marking cycle running); that promotion, copying
 * nothing (v8ish_minor_collect, after sealing the mutator's area); and a
 * copying scavenge's survival, which decides the next. */
bool v8ish_nursery_fast_promotion_due(v8ish_heap *heap);
void v8ish_nursery_promote_all(v8ish_heap *heap);
void v8ish_nursery_note_survival(v8ish_heap *heap, size_t young_before,
                                 size_t kept);
/* A cycle's start: clears the mark tables of the young pages that hold
 * objects (old and large pages: ccgc_page_space_clear_marks). */
void v8ish_nursery_clear_marks(v8ish_heap *heap);
/* The to-space of a minor collection: a FREE page becomes COPY. NULL only
 * if the reserve was broken (a bug: .inv.to-space-reserve). The threads of
 * a parallel scavenge pass their lock (NULL: the owner alone). */
v8ish_page *v8ish_nursery_take_copy_page(v8ish_heap *heap,
                                         pthread_mutex_t *lock);
/* Before a parallel scavenge: one spare FREE page beyond the reserve for
 * each helper (each thread leaves a to-space page partly filled,
 * .inv.to-space-reserve). Returns how many helpers the pool could reserve
 * for (fewer at the hard limit); the spare pages stay in the pool. */
size_t v8ish_nursery_reserve_helpers(v8ish_heap *heap, size_t helpers);
/* After a minor collection: from-space becomes FREE, COPY becomes SURVIVOR,
 * the semi-space adapts to the survival rate, dead young large pages go. */
void v8ish_nursery_flip(v8ish_heap *heap, size_t survived_bytes,
                        size_t young_before_bytes, bool adapt);
bool v8ish_page_is_from_space(const v8ish_page *page);
void v8ish_nursery_stats(v8ish_heap *heap, ccgc_heap_stats *out);
/* The old generation's used bytes (heap-base.h: the soft limit's measure). */
size_t v8ish_nursery_old_used(const ccgc_heap_base *base);

#endif
