/* main.c - `ccgc`: one command, subcommands, --help everywhere. */
#include <stdio.h>
#include <string.h>

#include "commands.h"

typedef struct command {
  const char *name;
  int (*run)(int argc, char **argv);
  const char *summary;
} command;

static const command commands[] = {
    {"demo", ccgc_cmd_demo,
     "load a page into the DOM heap, run a script scenario with cross-heap "
     "cycles, collect, draw the graph"},
    {"bench", ccgc_cmd_bench,
     "benchmarks with side-by-side ratios: pauses, barrier"},
    {"stress", ccgc_cmd_stress,
     "seeded random mutator against both heaps, checked by the verifier and a "
     "shadow model"},
};

static void usage(FILE *out) {
  fputs("usage: ccgc COMMAND [OPTIONS]\n\n"
        "ccgc is a cross-component garbage collector: one tri-color marker for a\n"
        "script heap and a DOM heap whose objects reference each other.\n\n"
        "commands:\n",
        out);
  for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
    fprintf(out, "  %-8s %s\n", commands[i].name, commands[i].summary);
  fputs("\n'ccgc COMMAND --help' describes a command.\n", out);
}

int main(int argc, char **argv) {
  if (argc < 2) {
    usage(stderr);
    return 2;
  }
  if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") ||
      !strcmp(argv[1], "help")) {
    if (argc > 2 && strcmp(argv[1], "help") == 0) {
      for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (!strcmp(argv[2], commands[i].name)) {
          char *help_argv[] = {argv[2], "--help", NULL};
          return commands[i].run(2, help_argv);
        }
    }
    usage(stdout);
    return 0;
  }
  for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
    if (!strcmp(argv[1], commands[i].name))
      return commands[i].run(argc - 1, argv + 1);
  fprintf(stderr, "ccgc: unknown command '%s' (try 'ccgc --help')\n", argv[1]);
  return 2;
}
