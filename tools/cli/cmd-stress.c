/* cmd-stress.c - `ccgc stress`: the randomized stress driver (stress.h). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli-options.h"
#include "commands.h"
#include "stress.h"

static void usage(FILE *out) {
  fputs("usage: ccgc stress [--seed S] [--ops N] [--mode stw|incremental|concurrent]\n"
        "                   [--threads T] [--scavenger-threads N] [--shapes snapshot|lock|unprotected]\n"
        "                   [--scavenge-every N] [--unsafe-shapes] [--no-verify]\n"
        "                   [--disable-barrier] [--no-remembered-set]\n"
        "                   [--drop-traced-roots] [--quiet]\n"
        "\n"
        "Runs a seeded random host program against both heaps and checks, after\n"
        "every collection, the marking verifier and a shadow model of the object\n"
        "graph: reachable objects survive, unreachable ones are reclaimed within\n"
        "two cycles. After every minor collection (scavenge) and every cycle, each\n"
        "root, property, element, member, traced reference, wrapper link and\n"
        "ephemeron entry the model has must read back the model's object, and the\n"
        "heap verifier must pass. Exits 1 with the seed and the operation index on\n"
        "a violation.\n"
        "\n"
        "  --seed S            random seed (default 1)\n"
        "  --ops N             operations to run (default 100000)\n"
        "  --mode M            stw, incremental (default) or concurrent\n"
        "  --threads T         marker threads in concurrent mode (default 2)\n"
        "  --scavenger-threads N  helper threads of every minor collection, beside\n"
        "                      the owner (0 to 8, default 0)\n"
        "  --shapes P          shape-change protocol of concurrent marking:\n"
        "                      snapshot (default, wait-free) or lock (per-object)\n"
        "  --unsafe-shapes     TESTING ONLY: --shapes unprotected, neither protocol;\n"
        "                      markers race with unsafe shape changes\n"
        "  --scavenge-every N  also run a minor collection after an operation with\n"
        "                      odds 1/N, drawn from the seed (default 250; 0: only\n"
        "                      the scavenges the nursery requests at safepoints)\n"
        "  --no-verify         skip the marking verifier, and the heap verifier\n"
        "                      after cycles and scavenges (faster)\n"
        "  --check-every-op    run the heap verifier after every operation (slow;\n"
        "                      pinpoints the operation that broke the heap)\n"
        "  --disable-barrier   TESTING ONLY: turn the write barrier off; a\n"
        "                      violation is expected in incremental mode\n"
        "  --plain-forwarding  TESTING ONLY: parallel scavenges forward without a\n"
        "                      compare-and-swap (needs --scavenger-threads)\n"
        "  --no-remembered-set TESTING ONLY: minor collections ignore the\n"
        "                      remembered set; a violation is expected\n"
        "  --drop-traced-roots TESTING ONLY: minor collections ignore traced\n"
        "                      references as roots; a violation is expected\n"
        "  --quiet             no progress lines\n",
        out);
}

int ccgc_cmd_stress(int argc, char **argv) {
  stress_options options = {.seed = 1, .ops = 100000,
                            .mode = STRESS_MODE_INCREMENTAL, .verify = true,
                            .marker_threads = 2, .progress = stderr,
                            .scavenge_every = STRESS_SCAVENGE_EVERY_DEFAULT};
  static const struct option long_options[] = {
      {"seed", required_argument, NULL, 's'},
      {"ops", required_argument, NULL, 'n'},
      {"mode", required_argument, NULL, 'm'},
      {"threads", required_argument, NULL, 't'},
      {"scavenger-threads", required_argument, NULL, 'H'},
      {"plain-forwarding", no_argument, NULL, 'F'},
      {"no-verify", no_argument, NULL, 'V'},
      {"check-every-op", no_argument, NULL, 'C'},
      {"disable-barrier", no_argument, NULL, 'B'},
      {"no-remembered-set", no_argument, NULL, 'R'},
      {"drop-traced-roots", no_argument, NULL, 'T'},
      {"scavenge-every", required_argument, NULL, 'S'},
      {"shapes", required_argument, NULL, 'P'},
      {"unsafe-shapes", no_argument, NULL, 'U'},
      {"quiet", no_argument, NULL, 'q'},
      {"help", no_argument, NULL, 'h'},
      {NULL, 0, NULL, 0},
  };
  optind = 1;
  int option;
  uint64_t threads;
  while ((option = getopt_long(argc, argv, "h", long_options, NULL)) != -1) {
    switch (option) {
    case 's':
      if (!cli_parse_u64(optarg, &options.seed)) {
        fprintf(stderr, "ccgc stress: --seed wants a non-negative integer, got '%s'\n", optarg);
        return 2;
      }
      break;
    case 'n':
      if (!cli_parse_u64(optarg, &options.ops) || options.ops == 0) {
        fprintf(stderr, "ccgc stress: --ops wants a positive integer, got '%s'\n", optarg);
        return 2;
      }
      break;
    case 'm':
      if (!strcmp(optarg, "stw")) options.mode = STRESS_MODE_STW;
      else if (!strcmp(optarg, "incremental")) options.mode = STRESS_MODE_INCREMENTAL;
      else if (!strcmp(optarg, "concurrent")) options.mode = STRESS_MODE_CONCURRENT;
      else {
        fprintf(stderr, "ccgc stress: --mode must be stw, incremental or concurrent, got '%s'\n", optarg);
        return 2;
      }
      break;
    case 't':
      if (!cli_parse_u64(optarg, &threads) || threads < 1 || threads > 8) {
        fprintf(stderr, "ccgc stress: --threads must be 1 to 8, got '%s'\n", optarg);
        return 2;
      }
      options.marker_threads = (int)threads;
      break;
    case 'H':
      if (!cli_parse_u64(optarg, &threads) || threads > 8) {
        fprintf(stderr, "ccgc stress: --scavenger-threads must be 0 to 8, got '%s'\n", optarg);
        return 2;
      }
      options.scavenger_threads = (int)threads;
      break;
    case 'F': options.plain_forwarding = true; break;
    case 'V': options.verify = false; break;
    case 'C': options.check_every_op = true; break;
    case 'B': options.disable_barrier = true; break;
    case 'R': options.no_remembered_set = true; break;
    case 'T': options.drop_traced_roots = true; break;
    case 'S':
      if (!cli_parse_u64(optarg, &options.scavenge_every)) {
        fprintf(stderr, "ccgc stress: --scavenge-every wants a non-negative integer, got '%s'\n", optarg);
        return 2;
      }
      break;
    case 'P':
      if (!strcmp(optarg, "snapshot")) options.shape_protocol = 0;
      else if (!strcmp(optarg, "lock")) options.shape_protocol = 1;
      else if (!strcmp(optarg, "unprotected")) options.shape_protocol = 2;
      else {
        fprintf(stderr, "ccgc stress: --shapes must be snapshot, lock or unprotected, got '%s'\n", optarg);
        return 2;
      }
      break;
    case 'U': options.shape_protocol = 2; break;
    case 'q': options.progress = NULL; break;
    case 'h': usage(stdout); return 0;
    default: usage(stderr); return 2;
    }
  }
  if (optind < argc) {
    fprintf(stderr, "ccgc stress: unexpected argument '%s'\n", argv[optind]);
    return 2;
  }
  stress_result result;
  stress_run(&options, &result);
  if (!result.ok) {
    fprintf(stderr, "ccgc stress: %s\n", result.message);
    return 1;
  }
  printf("stress ok: seed %llu, mode %s, %llu ops, %lu cycles, %lu minor "
         "collections (%lu during marking, %lu asked for by the driver), %llu objects "
         "created, %llu reclaimed\n",
         (unsigned long long)options.seed, stress_mode_name(options.mode),
         (unsigned long long)result.ops_done, result.cycles,
         result.minor_collections, result.minor_during_marking, result.minor_requested,
         (unsigned long long)result.objects_created,
         (unsigned long long)result.objects_reclaimed);
  return 0;
}
