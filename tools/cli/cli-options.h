/* cli-options.h - the option layer of the `ccgc` command. Every subcommand
 * declares its options as a table (cli_option) and its usage as a
 * cli_command; cli_parse parses argv with GLib's option parser
 * (GOptionContext) and gives every command the same behaviour:
 *
 *  - `--help` (and -h) prints the help generated from the table: a usage
 *    line, the command's description, one wrapped paragraph per option;
 *  - `--version` prints "ccgc X.Y.Z", the text of `ccgc --version`;
 *  - a usage error is one line on stderr and exit status 2:
 *      ccgc stress: unknown option '--frob' (try 'ccgc stress --help')
 *    for an unknown option, an option without its value, a value that does
 *    not parse or is out of range (one number parser: cli_parse_count,
 *    cli_parse_number, cli_parse_size), an unknown choice, and an operand
 *    too many.
 *
 * The legal order: declare the table and the cli_command, call cli_parse,
 * use the targets and the operands. String values and operands point into
 * argv (they live as long as the process). Usage errors of a command's own
 * (a missing operand, options that exclude each other) go through
 * cli_usage_error, so that they read the same. Output files: atomic-file.h. */
#ifndef CCGC_TOOLS_CLI_OPTIONS_H
#define CCGC_TOOLS_CLI_OPTIONS_H

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "cli-numbers.h"

typedef enum cli_kind {
  CLI_FLAG,    /* bool *target = true */
  CLI_STRING,  /* const char **target = the value (not empty) */
  CLI_STRINGS, /* GPtrArray *target: each value appended (repeatable) */
  CLI_COUNT,   /* a whole number in [count_min, count_max] into an unsigned
                * integer (or int) of target_size bytes; the range must fit
                * the target's type */
  CLI_NUMBER,  /* double *target in [number_min, number_max] */
  CLI_SIZE,    /* a size in [count_min, count_max] units of `unit` bytes:
                * "512" (units), "1.5G", "64M", "4096k" (powers of 1024) */
  CLI_CHOICE,  /* int *target = the value of the named choice */
  CLI_CUSTOM,  /* parse(value, target, message): false with a message */
} cli_kind;

typedef struct cli_choice {
  const char *name;
  int value;
} cli_choice;

typedef bool (*cli_parse_fn)(const char *text, void *target, char *message,
                             size_t message_size);

typedef struct cli_option {
  const char *name; /* without "--"; NULL ends a table */
  char short_name;  /* 0: none */
  cli_kind kind;
  void *target;
  size_t target_size;           /* CLI_COUNT, CLI_SIZE: sizeof *target */
  const char *arg;              /* the value's name in the help: "N", "DIR" */
  const char *help;             /* one paragraph, wrapped by the help */
  uint64_t count_min, count_max; /* CLI_COUNT, CLI_SIZE (in units) */
  double number_min, number_max; /* CLI_NUMBER */
  uint64_t unit;                 /* CLI_SIZE: bytes per unit of the target */
  const cli_choice *choices;     /* CLI_CHOICE: ends with a NULL name */
  const char *noun;              /* CLI_CHOICE: "mode" in "unknown mode 'x'" */
  cli_parse_fn parse;            /* CLI_CUSTOM */
  bool *given;                   /* optional: set when the option is given */
} cli_option;

/* Table rows. T is the target's address; the help text is one paragraph. */
#define CLI_OPT_FLAG(NAME, T, HELP) \
  {.name = (NAME), .kind = CLI_FLAG, .target = (T), .help = (HELP)}
#define CLI_OPT_STRING(NAME, T, ARG, HELP) \
  {.name = (NAME), .kind = CLI_STRING, .target = (T), .arg = (ARG), .help = (HELP)}
#define CLI_OPT_STRINGS(NAME, T, ARG, HELP) \
  {.name = (NAME), .kind = CLI_STRINGS, .target = (T), .arg = (ARG), .help = (HELP)}
#define CLI_OPT_COUNT(NAME, T, MIN, MAX, ARG, HELP)                                      \
  {.name = (NAME), .kind = CLI_COUNT, .target = (T), .target_size = sizeof *(T),        \
   .count_min = (MIN), .count_max = (MAX), .arg = (ARG), .help = (HELP)}
#define CLI_OPT_NUMBER(NAME, T, MIN, MAX, ARG, HELP)                                     \
  {.name = (NAME), .kind = CLI_NUMBER, .target = (T), .number_min = (MIN),             \
   .number_max = (MAX), .arg = (ARG), .help = (HELP)}
#define CLI_OPT_SIZE(NAME, T, UNIT, MIN, MAX, ARG, HELP)                                 \
  {.name = (NAME), .kind = CLI_SIZE, .target = (T), .target_size = sizeof *(T),         \
   .unit = (UNIT), .count_min = (MIN), .count_max = (MAX), .arg = (ARG), .help = (HELP)}
#define CLI_OPT_CHOICE(NAME, T, CHOICES, NOUN, ARG, HELP)                                \
  {.name = (NAME), .kind = CLI_CHOICE, .target = (T), .choices = (CHOICES),             \
   .noun = (NOUN), .arg = (ARG), .help = (HELP)}
#define CLI_OPT_CUSTOM(NAME, T, PARSE, ARG, HELP)                                        \
  {.name = (NAME), .kind = CLI_CUSTOM, .target = (T), .parse = (PARSE), .arg = (ARG),   \
   .help = (HELP)}
#define CLI_OPT_END {.name = NULL}

/* A command's usage. */
typedef struct cli_command {
  const char *name;       /* "ccgc demo" */
  const char *operands;   /* after the options in the usage line: "[PAGE]",
                           * "OBJ"; NULL: none */
  int max_operands;       /* more is a usage error */
  const char *extra_hint; /* added to "unexpected argument 'X'", e.g. "a page
                           * is given with --page" */
  const char *more_usage; /* further usage lines (each "ccgc ..."), or NULL */
  const char *description; /* after the usage lines (paragraphs, as is) */
  const char *epilogue;    /* after the options, or NULL */
  const cli_option *options; /* ends with CLI_OPT_END */
} cli_command;

typedef struct cli_parsed {
  char **operands; /* the arguments that are not options, in order */
  int operand_count;
} cli_parsed;

/* Parses argv (argv[0] is the subcommand's name; argv's array is reordered)
 * into the targets. Returns -1 when the command should run (operands in
 * *parsed), or the exit code it should return: 0 after --help or
 * --version (printed on stdout), 2 after a usage error (one line on
 * stderr). */
int cli_parse(const cli_command *command, int argc, char **argv, cli_parsed *parsed);

/* The generated help of a command. */
void cli_print_help(const cli_command *command, FILE *out);

/* Prints "COMMAND: " fmt (with arg) " (try 'COMMAND --help')" on stderr and
 * returns 2. command is the full name: "ccgc dot". */
int cli_usage_error(const char *command, const char *fmt, const char *arg);

/* Where commands write when no output is named: $XDG_CACHE_HOME/ccgc/demo
 * (~/.cache/ccgc/demo), never a folder relative to the current directory.
 * g_free the result. */
char *cli_default_output_dir(void);
/* Whether two output paths name one file: the same string, or two names of
 * one existing regular file (a link, "./x"). */
bool cli_same_file(const char *a, const char *b);
/* The path a write to path lands on: every symbolic link followed, each
 * target relative to its link's directory, even a dangling last one (the
 * write creates what it names), at most 40 (the kernel's limit; more, a
 * loop: NULL, errno ELOOP). g_free. */
char *cli_write_target(const char *path);

/* Creates the directory path and its missing parents (mkdir -p): 0 if it
 * was created or already existed as a directory, -1 with errno otherwise
 * (ENOTDIR for an existing path that is not a directory). */
int cli_make_dirs(const char *path);

/* Standard output at the end of a command, flushed and checked (a full
 * disk, /dev/full, a closed pipe): 0, or 1 after "COMMAND: cannot write to
 * standard output: REASON" on stderr. */
int cli_check_stdout(const char *command);

#endif
