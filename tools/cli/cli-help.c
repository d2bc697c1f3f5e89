/* cli-help.c - the `--help` of every command, generated from its option
 * table (cli-options.h):
 *
 *   usage: ccgc demo [--out DIR] [--page FILE] ... [PAGE]
 *
 *   DESCRIPTION
 *
 *     --out DIR      HELP, wrapped at 79 columns under its column
 *     ...
 *     --help         this text
 *     --version      the version: ccgc X.Y.Z
 *
 *   EPILOGUE
 */
#include <stdio.h>
#include <string.h>

#include "cli-options.h"

#define WIDTH 79
/* The help column, unless every name is shorter; longer names put their
 * help on the next line. */
#define MAX_NAME_COLUMN 26

static const cli_option help_option = {.name = "help", .short_name = 'h', .help = "this text"};
static const cli_option version_option = {.name = "version",
                                          .help = "the version: ccgc X.Y.Z, as 'ccgc --version'"};

/* "-o, --out DIR" */
static void name_of(const cli_option *o, char *text, size_t size) {
  char short_part[8] = "";
  if (o->short_name) snprintf(short_part, sizeof short_part, "-%c, ", o->short_name);
  snprintf(text, size, "%s--%s%s%s", short_part, o->name, o->arg ? " " : "",
           o->arg ? o->arg : "");
}

/* Words of text from column `at` (where the cursor is) to WIDTH, further
 * lines indented to `indent`. */
static void wrap(FILE *out, const char *text, int at, int indent) {
  int column = at;
  bool first = true;
  while (*text) {
    size_t word = strcspn(text, " ");
    if (!first && column + 1 + (int)word > WIDTH) {
      fprintf(out, "\n%*s", indent, "");
      column = indent;
      first = true;
    }
    if (!first) {
      fputc(' ', out);
      column++;
    }
    fwrite(text, 1, word, out);
    column += (int)word;
    first = false;
    text += word;
    while (*text == ' ') text++;
  }
  fputc('\n', out);
}

static void print_usage_line(const cli_command *command, FILE *out) {
  GString *line = g_string_new(NULL);
  for (const cli_option *o = command->options; o->name; o++)
    g_string_append_printf(line, "%s[--%s%s%s]%s", line->len ? " " : "", o->name,
                           o->arg ? " " : "", o->arg ? o->arg : "",
                           o->kind == CLI_STRINGS ? "..." : "");
  if (command->operands)
    g_string_append_printf(line, "%s%s", line->len ? " " : "", command->operands);
  /* Break between bracketed groups only: each stays whole. */
  int indent = (int)strlen("usage: ") + (int)strlen(command->name) + 1;
  fprintf(out, "usage: %s ", command->name);
  int column = indent;
  const char *at = line->str;
  bool first = true;
  while (*at) {
    const char *end = at;
    int depth = 0;
    while (*end && (depth > 0 || *end != ' ')) {
      depth += *end == '[' ? 1 : *end == ']' ? -1 : 0;
      end++;
    }
    int length = (int)(end - at);
    if (!first && column + 1 + length > WIDTH) {
      fprintf(out, "\n%*s", indent, "");
      column = indent;
    } else if (!first) {
      fputc(' ', out);
      column++;
    }
    fwrite(at, 1, (size_t)length, out);
    column += length;
    first = false;
    at = *end ? end + 1 : end;
  }
  fputc('\n', out);
  g_string_free(line, TRUE);
}

static void print_option(const cli_option *o, int name_column, FILE *out) {
  char name[96];
  name_of(o, name, sizeof name);
  int length = (int)strlen(name) + 2;
  fprintf(out, "  %s", name);
  if (length + 2 > name_column) fprintf(out, "\n%*s", name_column, "");
  else fprintf(out, "%*s", name_column - length, "");
  wrap(out, o->help ? o->help : "", name_column, name_column);
}

void cli_print_help(const cli_command *command, FILE *out) {
  print_usage_line(command, out);
  if (command->more_usage) {
    const char *line = command->more_usage;
    while (*line) {
      size_t length = strcspn(line, "\n");
      fprintf(out, "       %.*s\n", (int)length, line);
      line += length + (line[length] == '\n');
    }
  }
  if (command->description) fprintf(out, "\n%s", command->description);
  fputc('\n', out);
  int name_column = 0;
  char name[96];
  for (const cli_option *o = command->options; o->name; o++) {
    name_of(o, name, sizeof name);
    int column = (int)strlen(name) + 4;
    if (column <= MAX_NAME_COLUMN && column > name_column) name_column = column;
  }
  name_of(&version_option, name, sizeof name);
  if (name_column < (int)strlen(name) + 4) name_column = (int)strlen(name) + 4;
  for (const cli_option *o = command->options; o->name; o++) print_option(o, name_column, out);
  print_option(&help_option, name_column, out);
  print_option(&version_option, name_column, out);
  if (command->epilogue) fprintf(out, "\n%s", command->epilogue);
}
