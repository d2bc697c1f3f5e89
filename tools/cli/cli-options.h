/* cli-options.h - what the subcommands' option parsing shares: usage-error
 * messages, number parsing, output directories and the check of standard
 * output. Usage errors exit 2 (commands.h). Output files: atomic-file.h. */
#ifndef CCGC_TOOLS_CLI_OPTIONS_H
#define CCGC_TOOLS_CLI_OPTIONS_H

#include <stdbool.h>
#include <stdint.h>

/* Prints "COMMAND: " fmt (with arg) " (try 'COMMAND --help')" on stderr and
 * returns 2. command is the full name: "ccgc dot". */
int cli_usage_error(const char *command, const char *fmt, const char *arg);

/* The usage error of getopt_long run with opterr = 0 and an optstring that
 * starts with ':': option ':' is an option without its value, anything else
 * an unknown option (argv[optind - 1] names it). Returns 2. */
int cli_getopt_error(const char *command, int option, char **argv);

/* A whole number in [min, max] (decimal), or -1. */
long cli_parse_count(const char *text, long min, long max);

/* A number in [min, max] (strtod: "64", "1.5", "1e3"): true and *out. */
bool cli_parse_number(const char *text, double min, double max, double *out);

/* A non-negative whole number (decimal, no sign) up to UINT64_MAX: true and
 * *out. */
bool cli_parse_u64(const char *text, uint64_t *out);

/* Creates the directory path and its missing parents (mkdir -p): 0 if it
 * was created or already existed, -1 with errno otherwise. Does not check
 * that an existing path is a directory. */
int cli_make_dirs(const char *path);

/* Standard output at the end of a command, flushed and checked (a full
 * disk, /dev/full, a closed pipe): 0, or 1 after "COMMAND: cannot write to
 * standard output: REASON" on stderr. */
int cli_check_stdout(const char *command);

#endif
