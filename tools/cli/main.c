/* main.c - `ccgc`: one command, subcommands; --help and --version
 * everywhere (the option layer of every subcommand: cli-options.h). */
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "ccgc-version.h"
#include "cli-options.h"
#include "commands.h"

typedef struct command {
  const char *name;
  int (*run)(int argc, char **argv);
  const char *summary;
} command;

static const command commands[] = {
    {"demo", ccgc_cmd_demo,
     "load a page into the DOM heap, run a script scenario with cross-heap\n"
     "           cycles, collect, draw both heaps (Graphviz)"},
    {"stress", ccgc_cmd_stress,
     "seeded random mutator against both heaps, checked by the verifier and\n"
     "           a shadow model"},
    {"bench", ccgc_cmd_bench,
     "benchmarks with side-by-side ratios: pauses, barrier, ephemerons,\n"
     "           gcbench, binary-trees, mark, dom, concurrent, scavenge,\n"
     "           fragmentation"},
    {"snapshot", ccgc_cmd_snapshot,
     "Chrome DevTools heap snapshots of both heaps (baseline, target, final)\n"
     "           for DevTools and memlab"},
    {"dot", ccgc_cmd_dot, "Graphviz picture of both heaps, with filters (focus, paths, detached)"},
    {"why", ccgc_cmd_why, "why an object is alive: its retaining path and retained size"},
    {"stats", ccgc_cmd_stats, "memory by category (heap, type, host) as a table, JSON or CSV"},
};
#define COMMAND_COUNT (sizeof commands / sizeof commands[0])

static void usage(FILE *out) {
  fputs("usage: ccgc COMMAND [OPTIONS]\n"
        "       ccgc help [COMMAND]\n"
        "       ccgc --version\n\n"
        "ccgc is a cross-component garbage collector: one tri-color marker for a\n"
        "script heap and a DOM heap whose objects reference each other.\n\n"
        "commands:\n",
        out);
  for (size_t i = 0; i < COMMAND_COUNT; i++)
    fprintf(out, "  %-8s %s\n", commands[i].name, commands[i].summary);
  fputs("\n'ccgc COMMAND --help' describes a command.\n", out);
}

static const command *find(const char *name) {
  for (size_t i = 0; i < COMMAND_COUNT; i++)
    if (!strcmp(name, commands[i].name)) return &commands[i];
  return NULL;
}

static int unknown(const char *name) {
  if (name[0] == '-')
    fprintf(stderr, "ccgc: unknown option '%s' (try 'ccgc --help')\n", name);
  else
    fprintf(stderr, "ccgc: unknown command '%s' (try 'ccgc --help')\n", name);
  return 2;
}

int main(int argc, char **argv) {
  /* A file size limit (ulimit -f) makes a write fail with EFBIG, reported
   * and cleaned up as a full disk is, instead of killing the process with
   * its temporaries left behind (SIGXFSZ's default action). */
  signal(SIGXFSZ, SIG_IGN);
  if (argc < 2) {
    usage(stderr);
    return 2;
  }
  const char *name = argv[1];
  if (!strcmp(name, "--help") || !strcmp(name, "-h") || !strcmp(name, "help")) {
    bool topic_given = argc > 2 && !strcmp(name, "help");
    if (argc > (topic_given ? 3 : 2)) {
      fprintf(stderr, "ccgc: unexpected argument '%s' (try 'ccgc --help')\n",
              argv[topic_given ? 3 : 2]);
      return 2;
    }
    /* `ccgc help --version` is the version, as every command's. */
    if (topic_given && !strcmp(argv[2], "--version")) {
      printf("ccgc %s\n", ccgc_version());
      return cli_check_stdout("ccgc");
    }
    /* `ccgc help help` (and `ccgc help --help`) is the list of commands. */
    if (topic_given && strcmp(argv[2], "help") != 0 && strcmp(argv[2], "--help") != 0 &&
        strcmp(argv[2], "-h") != 0) {
      const command *topic = find(argv[2]);
      if (!topic) return unknown(argv[2]);
      char *help_argv[] = {argv[2], "--help", NULL};
      int code = topic->run(2, help_argv);
      return cli_check_stdout("ccgc") && !code ? 1 : code;
    }
    usage(stdout);
    return cli_check_stdout("ccgc");
  }
  if (!strcmp(name, "--version")) {
    if (argc > 2) {
      fprintf(stderr, "ccgc: unexpected argument '%s' (try 'ccgc --help')\n", argv[2]);
      return 2;
    }
    printf("ccgc %s\n", ccgc_version());
    return cli_check_stdout("ccgc");
  }
  const command *chosen = find(name);
  if (!chosen) return unknown(name);
  char full_name[64];
  snprintf(full_name, sizeof full_name, "ccgc %s", chosen->name);
  int code = chosen->run(argc - 1, argv + 1);
  /* A command that wrote its report to a full disk did not succeed. */
  return cli_check_stdout(full_name) && !code ? 1 : code;
}
