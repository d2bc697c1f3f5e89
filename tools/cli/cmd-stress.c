/* cmd-stress.c - `ccgc stress`: the randomized stress driver (stress.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ccgc-heap-options.h"
#include "cli-options.h"
#include "commands.h"
#include "stress.h"

#define NAME "ccgc stress"

static const char DESCRIPTION[] =
    "Runs a seeded random host program against both heaps and checks, after\n"
    "every collection, the marking verifier and a shadow model of the object\n"
    "graph: reachable objects survive, unreachable ones are reclaimed within\n"
    "two cycles. After every minor collection (scavenge) and every cycle, each\n"
    "root, property, element, member, traced reference, wrapper link and\n"
    "ephemeron entry the model has must read back the model's object, and the\n"
    "heap verifier must pass. Exits 1 with the seed and the operation index on\n"
    "a violation. Progress goes to stderr: one line updated in place on a\n"
    "terminal, else a line every 10 % of the operations, each with the time\n"
    "elapsed and an estimate of the time left.\n";

static const cli_choice MODES[] = {{"stw", STRESS_MODE_STW},
                                   {"incremental", STRESS_MODE_INCREMENTAL},
                                   {"concurrent", STRESS_MODE_CONCURRENT},
                                   {NULL, 0}};
static const cli_choice SWEEPINGS[] = {{"concurrent", STRESS_SWEEP_CONCURRENT},
                                       {"atomic", STRESS_SWEEP_ATOMIC},
                                       {"lazy", STRESS_SWEEP_LAZY},
                                       {NULL, 0}};
static const cli_choice PRETENURINGS[] = {{"auto", CCGC_PRETENURING_AUTO},
                                          {"never", CCGC_PRETENURING_NEVER},
                                          {"always", CCGC_PRETENURING_ALWAYS},
                                          {"eager", CCGC_PRETENURING_EAGER},
                                          {NULL, 0}};
static const cli_choice FAST_PROMOTIONS[] = {
    {"auto", CCGC_FAST_PROMOTION_AUTO},
    {"never", CCGC_FAST_PROMOTION_NEVER},
    {"always", CCGC_FAST_PROMOTION_ALWAYS},
    {NULL, 0}};
static const cli_choice SHAPES[] = {{"snapshot", 0}, {"lock", 1}, {"unprotected", 2}, {NULL, 0}};

int ccgc_cmd_stress(int argc, char **argv) {
  stress_options options = {.seed = 1, .ops = 100000,
                            .mode = STRESS_MODE_INCREMENTAL, .verify = true,
                            .marker_threads = 2, .progress = stderr,
                            .scavenge_every = STRESS_SCAVENGE_EVERY_DEFAULT};
  int mode = (int)options.mode, sweeping = (int)options.sweeping;
  bool no_verify = false, unsafe_shapes = false, quiet = false;
  const cli_option table[] = {
      CLI_OPT_COUNT("seed", &options.seed, 0, UINT64_MAX, "S", "random seed (0 or more, default 1)"),
      CLI_OPT_COUNT("ops", &options.ops, 1, UINT64_MAX, "N",
                    "operations to run (1 or more, default 100000)"),
      CLI_OPT_CHOICE("mode", &mode, MODES, "mode", "M",
                     "stw, incremental (default) or concurrent"),
      CLI_OPT_COUNT("threads", &options.marker_threads, 1, 8, "T",
                    "marker threads in concurrent mode (1 to 8, default 2)"),
      CLI_OPT_COUNT("scavenger-threads", &options.scavenger_threads, 0, 8, "N",
                    "helper threads of every minor collection, beside the owner (0 to 8, "
                    "default 0)"),
      CLI_OPT_COUNT("compaction-threads", &options.compaction_threads, 0, 8, "N",
                    "helper threads that copy beside the owner in every compaction "
                    "(compaction_threads, 0 to 8, default 0; with --compact-every)"),
      CLI_OPT_COUNT("mark-threads", &options.mark_threads, 0, 8, "N",
                    "helper threads that drain beside the owner in every atomic pause "
                    "(parallel_marking_threads, 0 to 8, default 0)"),
      CLI_OPT_CHOICE("shapes", &options.shape_protocol, SHAPES, "shape protocol", "P",
                     "shape-change protocol of concurrent marking: snapshot (default, "
                     "wait-free), lock (per-object) or unprotected (TESTING ONLY, as --unsafe-shapes)"),
      CLI_OPT_FLAG("unsafe-shapes", &unsafe_shapes,
                   "TESTING ONLY: --shapes unprotected, neither protocol; markers race with "
                   "unsafe shape changes"),
      CLI_OPT_COUNT("scavenge-every", &options.scavenge_every, 0, UINT64_MAX, "N",
                    "also run a minor collection after an operation with odds 1/N, drawn "
                    "from the seed (0 or more, default 250; 0: only the scavenges the nursery "
                    "requests at safepoints)"),
      CLI_OPT_CHOICE("sweeping", &sweeping, SWEEPINGS, "sweeping mode", "S",
                     "atomic (in the pause), lazy (after it, on the owner) or concurrent "
                     "(default: lazy plus two sweeper threads), in every mode"),
      CLI_OPT_FLAG("no-young", &options.no_young_generation,
                   "the script heap without a young generation: every object is "
                   "allocated old, beside sweeping"),
      CLI_OPT_COUNT("compact-every", &options.compact_every, 0, UINT64_MAX, "N",
                    "every Nth full cycle compacts the script heap's old generation "
                    "and the DOM heap's backing stores (0 or more, default 0: never; "
                    "docs/compaction.md)"),
      CLI_OPT_FLAG("skip-compaction-updates", &options.skip_compaction_updates,
                   "TESTING ONLY: compaction leaves the fields of objects that did not "
                   "move unchanged; a violation is expected with --compact-every"),
      CLI_OPT_FLAG("skip-slot-recording", &options.skip_slot_recording,
                   "TESTING ONLY: marking records no slot that points into an "
                   "evacuation candidate (barrier, marker, scavenges); a violation is "
                   "expected with --compact-every"),
      CLI_OPT_CHOICE("pretenuring", &options.pretenuring, PRETENURINGS, "pretenuring",
                     "P",
                     "the script heap's pretenuring: auto (default: allocation sites whose "
                     "young instances survive are allocated old), eager (the same at any "
                     "semi-space size), never, or always (every site with a survivor, at "
                     "once)"),
      CLI_OPT_FLAG("break-pretenuring", &options.break_pretenuring,
                   "TESTING ONLY: scavenges forget the remembered slots of pretenured "
                   "objects; a violation is expected with --pretenuring always"),
      CLI_OPT_CHOICE("fast-promotion", &options.fast_promotion, FAST_PROMOTIONS,
                     "fast promotion", "F",
                     "the script heap's fast promotion: auto (default: after a scavenge "
                     "that kept nine tenths of a full semi-space, up to three make the "
                     "young pages old in place), never, or always (every scavenge outside "
                     "marking)"),
      CLI_OPT_FLAG("break-fast-promotion", &options.break_fast_promotion,
                   "TESTING ONLY: a fast promotion drops the young pages' objects; a "
                   "violation is expected with --fast-promotion always"),
      CLI_OPT_FLAG("resources", &options.resources,
                   "every DOM node owns a resource whose type has a concurrent finalizer "
                   "(run on the sweeper threads): checked never finalized while its node "
                   "lives, and finalized once"),
      CLI_OPT_FLAG("break-concurrent-finalizers", &options.break_concurrent_finalizers,
                   "TESTING ONLY: sweeper threads finalize live resources too; a violation "
                   "is expected with --resources and concurrent sweeping"),
      CLI_OPT_FLAG("break-layouts", &options.break_layouts,
                   "TESTING ONLY: the marker drops words of the layout descriptors "
                   "(declared members, array elements); a violation is expected"),
      CLI_OPT_COUNT("mark-segments", &options.mark_segments, 0, UINT64_MAX, "N",
                    "TESTING ONLY: the marking worklists hold at most N segments of 510 "
                    "entries (default 0: no limit), as if memory ran out: marking drops "
                    "grey objects and walks the heaps for them"),
      CLI_OPT_FLAG("break-mark-overflow", &options.break_mark_overflow,
                   "TESTING ONLY: marking never walks the heaps for the grey objects it "
                   "dropped; a violation is expected with --mark-segments"),
      CLI_OPT_FLAG("break-sweeping", &options.break_sweeping,
                   "TESTING ONLY: the allocator takes free blocks of unswept pages; a "
                   "violation is expected with lazy or concurrent sweeping and --no-young "
                   "(with a nursery new objects rarely reach those blocks)"),
      CLI_OPT_FLAG("break-scavenge-sweeping", &options.break_scavenge_sweeping,
                   "TESTING ONLY: scavenges during sweeping promote into free blocks of "
                   "unswept pages and take the traced references of DOM objects not swept "
                   "yet as roots (stale values); a violation is expected with lazy "
                   "sweeping"),
      CLI_OPT_FLAG("no-verify", &no_verify,
                   "skip the marking verifier, and the heap verifier after cycles and "
                   "scavenges (faster)"),
      CLI_OPT_FLAG("check-every-op", &options.check_every_op,
                   "run the heap verifier after every operation (slow; pinpoints the "
                   "operation that broke the heap)"),
      CLI_OPT_FLAG("disable-barrier", &options.disable_barrier,
                   "TESTING ONLY: turn the write barrier off; a violation is expected in "
                   "incremental mode"),
      CLI_OPT_FLAG("plain-forwarding", &options.plain_forwarding,
                   "TESTING ONLY: parallel scavenges forward without a compare-and-swap "
                   "(no effect without --scavenger-threads)"),
      CLI_OPT_FLAG("break-parallel-termination", &options.break_parallel_termination,
                   "TESTING ONLY: pause helpers leave holding grey objects (no effect "
                   "without --mark-threads)"),
      CLI_OPT_FLAG("no-remembered-set", &options.no_remembered_set,
                   "TESTING ONLY: minor collections ignore the remembered set; a violation "
                   "is expected"),
      CLI_OPT_FLAG("drop-traced-roots", &options.drop_traced_roots,
                   "TESTING ONLY: minor collections ignore traced references as roots; a "
                   "violation is expected"),
      CLI_OPT_FLAG("quiet", &quiet, "no progress"),
      CLI_OPT_END};
  const cli_command command = {.name = NAME, .description = DESCRIPTION, .options = table};
  cli_parsed parsed;
  int code = cli_parse(&command, argc, argv, &parsed);
  if (code >= 0) return code;
  options.mode = (stress_mode)mode;
  options.sweeping = (stress_sweeping)sweeping;
  if (no_verify) options.verify = false;
  if (unsafe_shapes) options.shape_protocol = 2;
  if (quiet) options.progress = NULL;

  stress_result result;
  stress_run(&options, &result);
  if (!result.ok) {
    fprintf(stderr, NAME ": %s\n", result.message);
    return 1;
  }
  printf("stress ok: seed %llu, mode %s, %llu ops, %lu cycles, %lu minor "
         "collections (%lu during marking, %lu during sweeping, %lu asked for by the "
         "driver), %llu objects created, %llu reclaimed, %lu compactions (%llu pages "
         "evacuated, %llu bytes moved), %llu objects pretenured, %lu fast promotions\n",
         (unsigned long long)options.seed, stress_mode_name(options.mode),
         (unsigned long long)result.ops_done, result.cycles,
         result.minor_collections, result.minor_during_marking,
         result.minor_during_sweeping, result.minor_requested,
         (unsigned long long)result.objects_created,
         (unsigned long long)result.objects_reclaimed, result.compactions,
         (unsigned long long)result.evacuated_pages,
         (unsigned long long)result.evacuated_bytes,
         (unsigned long long)result.pretenured_objects, result.fast_promotions);
  return 0;
}
