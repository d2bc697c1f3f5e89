/* ccgc-testing.h - switches that only tests and the stress driver may use.
 *
 * Each one breaks or pins down a part of the collector on purpose: the write
 * barrier, the shape-change protocol, the scheduling of incremental steps, the
 * interleaving of a marker thread with the mutator. They exist so that a test
 * can show that the stress driver and the leak suites *can* fail (the
 * product's promise: every mode has a switch that breaks it), and so that a
 * seeded run replays exactly. An embedder never needs them; nothing in the
 * library calls them.
 *
 * Legal call order: any time between ccgc_collector_new and
 * ccgc_collector_free, except where a function says "between cycles".
 *
 * Threading contract (ccgc.h): the collector's owner thread (another
 * thread: CCGC_E_WRONG_THREAD, .api.mutator-thread, nothing changed). The
 * snapshot hook itself runs on marker threads: it may not call the library.
 */
#ifndef CCGC_TESTING_H
#define CCGC_TESTING_H

#include <stdbool.h>
#include <stddef.h>

#include "ccgc-export.h"
#include "ccgc.h"

/* A shape protocol that protects nothing: the marker reads objects
 * unprotected and layouts change under it, so marking can follow raw bits as
 * pointers. Accepted by ccgc_collector_set_shape_protocol and
 * ccgc_collector_options.shape_protocol; shows the race the real protocols
 * exist for. */
#define CCGC_SHAPE_UNPROTECTED ((ccgc_shape_protocol)2)

/* Turns the write barrier's slow path into a no-op, so that incremental and
 * concurrent marking lose objects. */
CCGC_API
void ccgc_collector_disable_barrier(ccgc_collector *collector, bool disabled);

/* Called on a marker thread at a heap's snapshot point, to force
 * interleavings. A heap with visit_concurrent calls it after it read the
 * object's layout (its class) and before it reads the fields that layout
 * describes: under CCGC_SHAPE_SNAPSHOT before its grey->black CAS (the
 * object is grey in the hook), under CCGC_SHAPE_LOCK after it, only when
 * the marker won it, with the object's lock held (black in the hook;
 * _UNPROTECTED the same without a lock); for other heaps the marker calls
 * it before its CAS. NULL removes the hook. */
CCGC_API
void ccgc_collector_set_snapshot_hook(ccgc_collector *collector,
                                      void (*hook)(void *object, void *data),
                                      void *data);

/* If nonzero, every incremental step visits at most this many objects and
 * ignores time budgets: reproducible schedules for tests and stress. 0 (the
 * default) goes back to time budgets. */
CCGC_API
void ccgc_collector_set_step_objects(ccgc_collector *collector,
                                     size_t objects);

/* Minor collections ignore the remembered set (the old-to-young slots the
 * barrier recorded), so a young object referenced only from an old one is
 * lost: the stress driver then fails. */
CCGC_API
void ccgc_collector_disable_remembered_set(ccgc_collector *collector,
                                           bool disabled);
/* Minor collections ignore traced references (held by DOM objects) as roots,
 * so a young wrapper held only by its DOM object is lost. */
CCGC_API
void ccgc_collector_drop_traced_roots(ccgc_collector *collector, bool dropped);

/* Compaction (docs/compaction.md) updates the references held by roots, weak
 * tables and the objects it moved, but not the fields of objects that
 * stayed where they were (their recorded slots, the pages walked whole):
 * they keep the addresses of the old copies, which are released. The marking verifier, and so the stress
 * driver (--compact-every), then fails. */
CCGC_API
void ccgc_collector_skip_compaction_updates(ccgc_collector *collector,
                                            bool skipped);
/* TESTING ONLY. During a marking cycle that has evacuation candidates, no
 * old-to-old slot is recorded: not by the write barrier, not by the marker,
 * not by a scavenge (docs/compaction.md, .inv.compaction-slots-recorded).
 * The atomic pause then updates only the roots, the weak tables and the
 * young and moved objects: the fields of old objects that point into an
 * evacuated page keep the old copies' addresses, and the marking verifier,
 * and so the stress driver (--compact-every), fails. */
CCGC_API
void ccgc_collector_skip_slot_recording(ccgc_collector *collector,
                                        bool skipped);
/* Parallel scavenges (scavenger_threads > 0) install an evacuated object's
 * forwarding word with a plain store after a pause, instead of a
 * compare-and-swap: two threads that reach one object both copy it, and its
 * referrers end up split between two copies (the object's identity is
 * lost). No effect on a scavenge that runs on the owner thread alone. */
CCGC_API
void ccgc_collector_plain_forwarding(ccgc_collector *collector, bool plain);

/* Parallel pause marking (parallel_marking_threads > 0) with broken
 * termination: a helper leaves the pause's drain after visiting 64 objects,
 * dropping the grey objects it holds instead of publishing them, and the
 * owner ends the drain without looking for them
 * (.inv.parallel-termination broken): their referents stay white and are
 * swept while reachable; the verifier and the stress driver fail. No effect
 * when the owner marks alone. */
CCGC_API
void ccgc_collector_break_parallel_termination(ccgc_collector *collector,
                                               bool broken);

/* Lazy and concurrent sweeping (CCGC_SWEEP_LAZY, _CONCURRENT) keep the
 * script heap's free lists of the last cycle when the pause ends, so the
 * allocator hands out free blocks of pages that are not swept yet
 * (.inv.swept-before-allocation broken): their sweep then frees the new
 * objects, which the last cycle never marked, and the stress driver fails.
 * No effect in CCGC_SWEEP_ATOMIC mode. Only between cycles: while one runs
 * (sweeping included) it changes nothing and records CCGC_E_IN_COLLECTION. */
CCGC_API
void ccgc_collector_break_sweeping(ccgc_collector *collector, bool broken);

/* Scavenges while sweeping (docs/sweeping.md "Scavenges while sweeping"):
 * true forces the old behaviour, a minor collection first completes the
 * sweeping of every heap in its pause (V8's EnsureSweepingCompleted).
 * Default false: a scavenge parks the sweeper threads, runs beside the
 * unswept pages and resumes them. Any time outside a collection (else
 * CCGC_E_IN_COLLECTION is recorded and nothing changes). */
CCGC_API
void ccgc_collector_sweep_before_scavenge(ccgc_collector *collector,
                                          bool sweep_first);

/* Breaks scavenges while sweeping (lazy and concurrent sweeping): the
 * script heap's sweep_start keeps the last cycle's free lists aside and a
 * scavenge's promotion takes their blocks, which lie on unswept pages
 * (.inv.swept-before-allocation broken): the sweep of those pages then frees
 * the promoted objects and the stress driver fails (ccgc stress --mode stw
 * --seed 5 --ops 30000 --sweeping lazy --break-scavenge-sweeping). The
 * scavenger also takes the traced references stored before the last full
 * pause as roots again (.inv.stale-traced-skipped broken). Only between
 * cycles (as ccgc_collector_break_sweeping). */
CCGC_API
void ccgc_collector_break_scavenge_sweeping(ccgc_collector *collector,
                                            bool broken);

/* Breaks pretenuring (docs/script-heap.md "Pretenuring"): the next
 * scavenge forgets the remembered slots inside the objects the script heap
 * allocated old by pretenuring since the last one, so the young objects
 * that their stores pointed to move without those slots being updated
 * (.inv.old-to-young-recorded broken) and the stress driver fails
 * (ccgc stress --pretenuring always --break-pretenuring). Any time outside
 * a collection (else CCGC_E_IN_COLLECTION is recorded). */
CCGC_API
void ccgc_collector_break_pretenuring(ccgc_collector *collector, bool broken);

/* Breaks fast promotion (ccgc_heap_options.fast_promotion,
 * docs/script-heap.md): a scavenge that promotes the young pages in place
 * gives them back to the pool as if empty instead, so their objects are
 * lost and the stress driver fails (ccgc
 * stress --fast-promotion always --break-fast-promotion). Any time outside
 * a collection (else CCGC_E_IN_COLLECTION is recorded). */
CCGC_API
void ccgc_collector_break_fast_promotion(ccgc_collector *collector,
                                         bool broken);

/* Breaks concurrent finalization (BLINKISH_TYPE_CONCURRENT_FINALIZER,
 * .inv.concurrent-finalizers): sweeper threads run the finalizers of such
 * types for the live objects of the pages they sweep too, so that a live
 * object is finalized and the stress driver fails (ccgc stress --resources
 * --break-concurrent-finalizers). Any time outside a collection (else
 * CCGC_E_IN_COLLECTION is recorded). */
CCGC_API
void ccgc_collector_break_concurrent_finalizers(ccgc_collector *collector,
                                                bool broken);

/* Layout descriptors (docs/collection.md, "Layout descriptors"): with
 * skipped true the marker ignores them and traces every object through its
 * heap's callbacks, as before they existed (`ccgc bench mark` compares
 * both). Any time outside a collection (else CCGC_E_IN_COLLECTION is
 * recorded); marker threads are not affected (they never use them). */
CCGC_API
void ccgc_collector_skip_layouts(ccgc_collector *collector, bool skipped);

/* Breaks layout descriptors (.inv.layout-complete): the marker drops each
 * descriptor's array part (a script array's elements), its first
 * plain-address word (a DOM type's first declared member) and its last
 * tagged word past the class (a script object's last field), and the
 * marker ignores the wrapper a DOM object's slot names, so objects
 * reachable only through those words are freed while reachable and the
 * stress driver fails (ccgc stress --break-layouts). Any time outside a
 * collection (else CCGC_E_IN_COLLECTION is recorded). */
CCGC_API
void ccgc_collector_break_layouts(ccgc_collector *collector, bool broken);

/* Out of memory for marking, on demand: the marking worklists (the
 * marker's, the marker threads', the pause helpers' and the barrier's) may
 * hold at most `segments` segments of 510 entries (4 KiB) at once; 0 lifts
 * the limit. A push that finds no room drops its grey object and the marker
 * finds it again by walking the heaps, as when malloc refuses a segment
 * (docs/collection.md "When the mark worklist cannot grow"); the cycle's
 * statistics count the drops and walks. Any time, from the owner. */
CCGC_API
void ccgc_collector_limit_mark_segments(ccgc_collector *collector,
                                        size_t segments);

/* Breaks that recovery (.inv.grey-on-worklist): dropped grey objects are
 * never visited, so objects only they reach are freed while reachable and
 * the stress driver fails (ccgc stress --mark-segments N
 * --break-mark-overflow). Any time outside a collection (else
 * CCGC_E_IN_COLLECTION is recorded). */
CCGC_API
void ccgc_collector_break_mark_overflow(ccgc_collector *collector,
                                        bool broken);

#endif /* CCGC_TESTING_H */
