/* stress.h - the randomized stress driver behind `ccgc stress`.
 *
 * A seeded random host program mutates both heaps through the public API
 * (allocations, stores of every kind including across heaps, wrappers, shape
 * changes, dropped roots) and interleaves collections: full stop-the-world
 * ones, or incremental cycles whose steps fall at random points. A shadow
 * model of the object graph, kept by the driver and independent of the
 * collector, says which objects are reachable. After every cycle:
 *  - the marking verifier must have found nothing;
 *  - every object reachable in the model must still exist;
 *  - every object the model saw unreachable at the end of one cycle must be
 *    gone by the end of the next ("reclaimed within two cycles").
 * The driver watches every object through a weak handle (script) or a weak
 * persistent (DOM), so it never touches freed memory: a cleared weak
 * reference to a model-reachable object *is* the violation.
 *
 * Minor collections (scavenges of the script heap's nursery) run in every
 * mode: the ones the nursery requests at safepoints, and one the driver asks
 * for at random, on average every `scavenge_every` operations, from its own
 * random stream (so in incremental and concurrent mode many fall inside an
 * open marking cycle). Young objects move, so the driver never keeps an
 * address across a collection: it compares objects through handles
 * (v8ish_same) and the model's ids. After every minor collection, and every
 * full cycle too (which evacuates the nursery):
 *  - every object the model reaches still exists (its watch is not cleared);
 *  - every reference the model has - root handles and persistents,
 *    properties, elements, DOM members, traced script references, wrapper
 *    links, ephemeron entries of live keys - reads back the object of the
 *    model's id (or no object);
 *  - the heap verifier (ccgc_collector_verify_heap) finds nothing.
 *
 * From inside collections, pre-finalizers (registered on random nodes),
 * finalizers and weak callbacks (watchers of random nodes) try stores,
 * allocation and collection; each must be refused or accepted as the
 * contract and the model say (docs/errors.md "During reclamation"). They
 * draw from a second random stream, so a seed's main sequence is the same
 * with or without them.
 *
 * Files: stress.c (the run, the collections, the checks), stress-ops.c (the
 * random operations), stress-reclaim.c (the calls from inside collections),
 * shadow-model.{h,c} (the model), stress-driver.h (what the driver's files
 * share).
 */
#ifndef CCGC_TOOLS_STRESS_H
#define CCGC_TOOLS_STRESS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

typedef enum stress_mode {
  STRESS_MODE_STW,
  STRESS_MODE_INCREMENTAL,
  STRESS_MODE_CONCURRENT,
} stress_mode;

/* The collector's sweeping mode for the run (docs/sweeping.md); the zero
 * value, the default, is concurrent sweeping in every mode. */
typedef enum stress_sweeping {
  STRESS_SWEEP_CONCURRENT = 0,
  STRESS_SWEEP_ATOMIC,
  STRESS_SWEEP_LAZY,
} stress_sweeping;

/* `ccgc stress`'s default for stress_options.scavenge_every. */
#define STRESS_SCAVENGE_EVERY_DEFAULT 250

typedef struct stress_options {
  uint64_t seed;
  uint64_t ops;
  stress_mode mode;
  bool disable_barrier; /* testing only: must produce a violation */
  /* Testing only (ccgc-testing.h): minor collections ignore the remembered
   * set, or traced references as roots; both must produce a violation. */
  bool no_remembered_set;
  bool drop_traced_roots;
  /* A driver-requested minor collection after an operation with odds
   * 1/scavenge_every (0: only those the nursery requests). */
  uint64_t scavenge_every;
  bool verify;          /* run the marking verifier in every cycle, and the
                         * heap verifier after every cycle and scavenge */
  bool check_every_op;  /* run the heap verifier after every operation (slow) */
  int marker_threads;   /* concurrent mode */
  int scavenger_threads; /* helpers of every minor collection (any mode) */
  /* Testing only (ccgc_collector_plain_forwarding): parallel scavenges may
   * copy an object twice; must produce a violation. */
  bool plain_forwarding;
  int mark_threads; /* helpers of every atomic pause's drain (any mode) */
  int compaction_threads; /* helpers that copy in every compaction */
  /* Testing only (ccgc_collector_break_parallel_termination): helpers leave
   * the pause's drain holding grey objects; must produce a violation. */
  bool break_parallel_termination;
  /* ccgc_shape_protocol: 0 snapshot (default), 1 lock, 2 unprotected
   * (testing only: snapshotting and locking off, a violation may show). */
  int shape_protocol;
  FILE *progress;       /* progress (progress.h: one line in place on a
                         * terminal), or NULL */
  /* Sweeping after the pause (default concurrent, 2 sweeper threads): the
   * driver sweeps in steps, finishes it at random, and starts cycles while
   * it runs; the heap verifier of a full cycle runs when its sweeping has
   * completed. */
  stress_sweeping sweeping;
  /* Testing only (ccgc_collector_break_sweeping): the allocator takes free
   * blocks of unswept pages; must produce a violation (lazy or concurrent
   * sweeping). */
  bool break_sweeping;
  /* Testing only (ccgc_collector_break_scavenge_sweeping): scavenges take
   * traced references stored before the last full pause as roots. */
  bool break_scavenge_sweeping;
  /* The script heap without a young generation: every object is old, so
   * allocation meets sweeping (and no scavenge finishes it). */
  bool no_young_generation;
  /* Every compact_every-th full cycle compacts the script heap's old
   * generation (v8ish_heap_request_compaction; 0: none): objects move, and
   * the checks after the cycle see them through handles and traced
   * references (docs/compaction.md). */
  uint64_t compact_every;
  /* Testing only (ccgc_collector_skip_compaction_updates): compaction
   * leaves the fields of objects that stayed unchanged; must produce a
   * violation (with compact_every). */
  bool skip_compaction_updates;
  /* Testing only (ccgc_collector_skip_slot_recording): marking records no
   * old-to-old slot; must produce a violation (with compact_every). */
  bool skip_slot_recording;
  /* The script heap's pretenuring (ccgc_heap_options.pretenuring: auto,
   * never, always; docs/script-heap.md "Pretenuring"). */
  int pretenuring;
  /* Testing only (ccgc_collector_break_pretenuring): scavenges forget the
   * remembered slots of pretenured objects; must produce a violation (with
   * pretenuring always). */
  bool break_pretenuring;
  /* The script heap's fast promotion (ccgc_heap_options.fast_promotion:
   * auto, never, always), and its testing switch
   * (ccgc_collector_break_fast_promotion): survivor pages are dropped. */
  int fast_promotion;
  bool break_fast_promotion;
  /* Every DOM node owns a resource whose type has a concurrent finalizer
   * (BLINKISH_TYPE_CONCURRENT_FINALIZER; stress-resources.c). */
  bool resources;
  /* Testing only (ccgc_collector_break_concurrent_finalizers): sweeper
   * threads finalize live resources too; must produce a violation (with
   * resources and concurrent sweeping). */
  bool break_concurrent_finalizers;
  /* Testing only (ccgc_collector_break_layouts): the marker drops words of
   * the layout descriptors (the DOM nodes' declared members, script
   * arrays' elements); must produce a violation. */
  bool break_layouts;
  /* Testing only (ccgc_collector_limit_mark_segments): the marking
   * worklists hold at most this many segments (0: no limit), so marking
   * drops grey objects and walks the heaps for them. */
  uint64_t mark_segments;
  /* Testing only (ccgc_collector_break_mark_overflow): no walk after a
   * drop; must produce a violation (with mark_segments). */
  bool break_mark_overflow;
} stress_options;

typedef struct stress_result {
  bool ok;
  uint64_t ops_done;
  uint64_t violation_op; /* operation index of the first violation */
  unsigned long cycles;
  /* Minor collections (every one, the nursery's and the driver's), those
   * that ran inside a marking cycle, and those the driver asked for. */
  unsigned long minor_collections;
  unsigned long minor_during_marking;
  unsigned long minor_during_sweeping;
  unsigned long minor_requested;
  unsigned long fast_promotions; /* minor collections that copied nothing */
  /* Full cycles that compacted, the pages they evacuated, the bytes moved. */
  unsigned long compactions;
  uint64_t evacuated_pages, evacuated_bytes;
  uint64_t pretenured_objects; /* allocated old by pretenuring */
  /* Checks of every reference of the model against the heaps (after minor
   * collections and full cycles). */
  unsigned long reference_checks;
  uint64_t objects_created;
  uint64_t objects_reclaimed;
  /* Calls made from inside collections (pre-finalizers, finalizers, weak
   * callbacks) and the refusals among them that the contract and the
   * shadow model expected and the library reported. */
  uint64_t reclamation_calls;
  uint64_t refusals;
  char message[2048];
} stress_result;

void stress_run(const stress_options *options, stress_result *result);
const char *stress_mode_name(stress_mode mode);
/* "concurrent", "atomic", "lazy". */
const char *stress_sweeping_name(stress_sweeping sweeping);

#endif /* CCGC_TOOLS_STRESS_H */
