/* cli-options.c - what the subcommands' option parsing shares
 * (cli-options.h). */
#include "cli-options.h"

#include <errno.h>
#include <getopt.h>
#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int cli_usage_error(const char *command, const char *fmt, const char *arg) {
  fprintf(stderr, "%s: ", command);
  fprintf(stderr, fmt, arg);
  fprintf(stderr, " (try '%s --help')\n", command);
  return 2;
}

int cli_getopt_error(const char *command, int option, char **argv) {
  return cli_usage_error(command, option == ':' ? "option '%s' needs a value"
                                                : "unknown option '%s'",
                         argv[optind - 1]);
}

long cli_parse_count(const char *text, long min, long max) {
  char *end;
  errno = 0;
  long value = strtol(text, &end, 10);
  if (errno || end == text || *end || value < min || value > max) return -1;
  return value;
}

bool cli_parse_number(const char *text, double min, double max, double *out) {
  char *end;
  errno = 0;
  double value = strtod(text, &end);
  if (errno || end == text || *end || !(value >= min && value <= max)) return false;
  *out = value;
  return true;
}

bool cli_parse_u64(const char *text, uint64_t *out) {
  char *end;
  errno = 0;
  unsigned long long value = strtoull(text, &end, 10);
  if (errno || end == text || *end || text[0] == '-') return false;
  *out = value;
  return true;
}

int cli_make_dirs(const char *path) {
  char *copy = g_strdup(path);
  for (char *at = copy + 1; *at; at++) {
    if (*at != '/') continue;
    *at = '\0';
    mkdir(copy, 0755);
    *at = '/';
  }
  int result = mkdir(copy, 0755) == 0 || errno == EEXIST ? 0 : -1;
  g_free(copy);
  return result;
}

int cli_check_stdout(const char *command) {
  errno = 0;
  bool failed = ferror(stdout);
  int code = errno;
  if (fflush(stdout) != 0) {
    failed = true;
    code = errno;
  }
  if (!failed) return 0;
  /* The error stays on the stream: nothing more is written to it. */
  fprintf(stderr, "%s: cannot write to standard output: %s\n", command,
          code ? strerror(code) : "write error");
  return 1;
}
