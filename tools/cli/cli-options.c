/* cli-options.c - the option layer of the command (cli-options.h): argv
 * through GLib's GOptionContext into the commands' tables, and the usage
 * errors. The help: cli-help.c; numbers: cli-numbers.c. */
#include "cli-options.h"

#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "ccgc-version.h"

/* What the GLib callbacks see (the group's user data). */
typedef struct parse_state {
  const cli_command *command;
  char **original; /* argv before GLib reorders it (the strings stay) */
  int original_count;
  cli_parsed *parsed;
  bool help, version;
  char message[512]; /* the usage error, without the command and the hint */
} parse_state;

int cli_usage_error(const char *command, const char *fmt, const char *arg) {
  fprintf(stderr, "%s: ", command);
  fprintf(stderr, fmt, arg);
  fprintf(stderr, " (try '%s --help')\n", command);
  return 2;
}

/* The row of "--name" or "-n" (as GLib names it to a callback). */
static const cli_option *find_option(const cli_command *command, const char *name) {
  for (const cli_option *o = command->options; o->name; o++) {
    if (name[0] == '-' && name[1] == '-' && !strcmp(name + 2, o->name)) return o;
    if (name[0] == '-' && name[1] && !name[2] && name[1] == o->short_name) return o;
  }
  return NULL;
}

static void store_unsigned(const cli_option *o, uint64_t value) {
  switch (o->target_size) {
  case sizeof(uint8_t): *(uint8_t *)o->target = (uint8_t)value; break;
  case sizeof(uint16_t): *(uint16_t *)o->target = (uint16_t)value; break;
  case sizeof(uint32_t): *(uint32_t *)o->target = (uint32_t)value; break;
  default: *(uint64_t *)o->target = value; break;
  }
}

static bool parse_choice(const cli_option *o, const char *value, char *message, size_t size) {
  for (const cli_choice *c = o->choices; c->name; c++)
    if (!strcmp(c->name, value)) {
      *(int *)o->target = c->value;
      return true;
    }
  GString *names = g_string_new(NULL);
  for (const cli_choice *c = o->choices; c->name; c++)
    g_string_append_printf(names, "%s%s", c == o->choices ? "" : c[1].name ? ", " : " or ",
                           c->name);
  snprintf(message, size, "unknown %s '%s': --%s must be %s", o->noun, value, o->name,
           names->str);
  g_string_free(names, TRUE);
  return false;
}

/* GLib hands callbacks a copy of the value that it frees: the same text in
 * argv (an argument, or the end of "--out=DIR" or "-oDIR"), which lives as
 * long as the process. */
static const char *in_argv(const parse_state *state, const char *value) {
  size_t length = strlen(value);
  for (int i = 1; i < state->original_count; i++) {
    size_t arg_length = strlen(state->original[i]);
    if (arg_length >= length && !strcmp(state->original[i] + arg_length - length, value))
      return state->original[i] + arg_length - length;
  }
  return value; /* not reached: GLib's values come from argv */
}

/* One option's value into its target, or a message in state->message. */
static bool apply(parse_state *state, const cli_option *o, const char *value) {
  char range[256];
  uint64_t count;
  char *message = state->message;
  size_t size = sizeof state->message;
  if (o->given) *o->given = true;
  if (o->kind == CLI_FLAG) {
    *(bool *)o->target = true;
    return true;
  }
  if (!value || !*value) {
    snprintf(message, size, "option '--%s' needs a value", o->name);
    return false;
  }
  switch (o->kind) {
  case CLI_STRING:
  case CLI_STRINGS: {
    const char *kept = in_argv(state, value);
    if (o->kind == CLI_STRING) *(const char **)o->target = kept;
    else g_ptr_array_add(o->target, (char *)kept);
    return true;
  }
  case CLI_COUNT:
    if (cli_parse_count(value, o->count_min, o->count_max, &count, range, sizeof range)) {
      store_unsigned(o, count);
      return true;
    }
    break;
  case CLI_SIZE:
    if (cli_parse_size(value, o->unit, o->count_min, o->count_max, &count, range,
                       sizeof range)) {
      store_unsigned(o, count);
      return true;
    }
    break;
  case CLI_NUMBER:
    if (cli_parse_number(value, o->number_min, o->number_max, o->target, range,
                         sizeof range))
      return true;
    break;
  case CLI_CHOICE: return parse_choice(o, value, message, size);
  case CLI_CUSTOM: return o->parse(value, o->target, message, size);
  case CLI_FLAG: break;
  }
  snprintf(message, size, "--%s %s is out of range: %s", o->name, value, range);
  return false;
}

static gboolean on_option(const gchar *name, const gchar *value, gpointer data,
                          GError **error) {
  parse_state *state = data;
  if (!strcmp(name, "--help") || !strcmp(name, "-h")) {
    state->help = true;
    return TRUE;
  }
  if (!strcmp(name, "--version")) {
    state->version = true;
    return TRUE;
  }
  const cli_option *o = find_option(state->command, name);
  if (o && apply(state, o, value)) return TRUE;
  if (!o) snprintf(state->message, sizeof state->message, "unknown option '%s'", name);
  g_set_error_literal(error, G_OPTION_ERROR, G_OPTION_ERROR_FAILED, state->message);
  return FALSE;
}

/* GLib's own error is a value missing at the end of argv: the last
 * argument names the option ("--out", or "-o" last in "-qo"). */
static void name_missing_value(parse_state *state, int argc, char **argv) {
  const char *last = argc > 1 ? argv[argc - 1] : "";
  if (last[0] == '-' && last[1] == '-') {
    snprintf(state->message, sizeof state->message, "option '%s' needs a value", last);
    return;
  }
  for (const char *c = last + 1; *c; c++) {
    char short_name[3] = {'-', *c, '\0'};
    const cli_option *o = find_option(state->command, short_name);
    if (o && o->kind != CLI_FLAG) {
      snprintf(state->message, sizeof state->message, "option '--%s' needs a value", o->name);
      return;
    }
  }
  snprintf(state->message, sizeof state->message, "option '%s' needs a value", last);
}

/* GLib drops the value of "--quiet=3" silently: a flag given a value is a
 * usage error here, before GLib sees it. */
static bool flags_without_values(parse_state *state, int argc, char **argv) {
  for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++) {
    const char *equals = argv[i][0] == '-' && argv[i][1] == '-' ? strchr(argv[i], '=') : NULL;
    if (!equals) continue;
    char *name = g_strndup(argv[i], (size_t)(equals - argv[i]));
    const cli_option *o = find_option(state->command, name);
    bool flag = (o && o->kind == CLI_FLAG) || !strcmp(name, "--help") ||
                !strcmp(name, "--version");
    if (flag)
      snprintf(state->message, sizeof state->message, "option '%s' takes no value", name);
    g_free(name);
    if (flag) return false;
  }
  return true;
}

/* GLib takes a short option's value from the next argument only: "-ofoo"
 * would be read as the options -o -f -o -o, the first taking the argument
 * after it. A value joined to its short option is a usage error here,
 * before GLib sees it ("-qo DIR" is fine: the value comes apart). */
static bool short_values_apart(parse_state *state, int argc, char **argv) {
  for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++) {
    const char *arg = argv[i];
    if (arg[0] != '-' || arg[1] == '-' || !arg[1] || !arg[2]) continue;
    for (const char *c = arg + 1; c[1]; c++) {
      char short_name[3] = {'-', *c, '\0'};
      const cli_option *o = find_option(state->command, short_name);
      if (o && o->kind != CLI_FLAG) {
        snprintf(state->message, sizeof state->message,
                 "option '-%c' takes its value as the next argument ('-%c VALUE')", *c, *c);
        return false;
      }
    }
  }
  return true;
}

static GOptionEntry *entries_of(const cli_command *command) {
  size_t count = 0;
  while (command->options[count].name) count++;
  GOptionEntry *entries = g_new0(GOptionEntry, count + 3);
  for (size_t i = 0; i < count; i++) {
    const cli_option *o = &command->options[i];
    entries[i] = (GOptionEntry){o->name, o->short_name,
                                G_OPTION_FLAG_FILENAME |
                                    (o->kind == CLI_FLAG ? G_OPTION_FLAG_NO_ARG : 0),
                                G_OPTION_ARG_CALLBACK, (gpointer)on_option, NULL, NULL};
  }
  entries[count] = (GOptionEntry){"help", 'h', G_OPTION_FLAG_NO_ARG, G_OPTION_ARG_CALLBACK,
                                  (gpointer)on_option, NULL, NULL};
  entries[count + 1] = (GOptionEntry){"version", 0, G_OPTION_FLAG_NO_ARG,
                                      G_OPTION_ARG_CALLBACK, (gpointer)on_option, NULL, NULL};
  return entries;
}

/* What GLib left in argv: operands, "--" and what follows it (operands
 * too), and the options it did not know. Moves the operands to the front
 * of argv + 1; an unknown option is a usage error. */
static bool collect_operands(parse_state *state, int argc, char **argv) {
  cli_parsed *parsed = state->parsed;
  parsed->operands = argv + 1;
  bool options_end = false;
  for (int i = 1; i < argc; i++) {
    char *arg = argv[i];
    if (!options_end && !strcmp(arg, "--")) {
      options_end = true;
      continue;
    }
    if (!options_end && arg[0] == '-' && arg[1]) {
      char *equals = strchr(arg, '=');
      int length = equals ? (int)(equals - arg) : (int)strlen(arg);
      snprintf(state->message, sizeof state->message, "unknown option '%.*s'", length, arg);
      return false;
    }
    parsed->operands[parsed->operand_count++] = arg;
  }
  if (parsed->operand_count > state->command->max_operands) {
    const char *extra = parsed->operands[state->command->max_operands];
    const char *hint = state->command->extra_hint;
    snprintf(state->message, sizeof state->message, "unexpected argument '%s'%s%s%s", extra,
             hint ? " (" : "", hint ? hint : "", hint ? ")" : "");
    return false;
  }
  return true;
}

/* The first --help, -h or --version of the line (before "--", and not the
 * value of the option before it): it answers whatever else the line holds,
 * a bad or missing value too (docs/tools.md). 'h', 'v' or 0. */
static char help_or_version(const cli_command *command, int argc, char **argv) {
  for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++) {
    const char *arg = argv[i];
    if (!strcmp(arg, "--help") || !strcmp(arg, "-h")) return 'h';
    if (!strcmp(arg, "--version")) return 'v';
    if (arg[0] == '-' && arg[1] && arg[1] != '-') {
      /* Short options, grouped or not ("-ho x"): an h before the first
       * value-taking one is the help; one last in the group takes the next
       * argument. */
      for (const char *c = arg + 1; *c; c++) {
        if (*c == 'h') return 'h';
        char short_name[3] = {'-', *c, '\0'};
        const cli_option *o = find_option(command, short_name);
        if (o && o->kind != CLI_FLAG) {
          if (!c[1]) i++;
          break;
        }
      }
      continue;
    }
    /* A value-taking option written apart from its value: skip the value. */
    const cli_option *o = arg[0] == '-' && !strchr(arg, '=') ? find_option(command, arg) : NULL;
    if (o && o->kind != CLI_FLAG) i++;
  }
  return 0;
}

int cli_parse(const cli_command *command, int argc, char **argv, cli_parsed *parsed) {
  *parsed = (cli_parsed){0};
  switch (help_or_version(command, argc, argv)) {
  case 'h':
    cli_print_help(command, stdout);
    return 0;
  case 'v':
    printf("ccgc %s\n", ccgc_version());
    return 0;
  default:
    break;
  }
  char **original = g_memdup2(argv, sizeof *argv * (size_t)argc);
  parse_state state = {.command = command, .original = original, .original_count = argc,
                       .parsed = parsed};
  GOptionEntry *entries = entries_of(command);
  GOptionContext *context = g_option_context_new(NULL);
  /* The help is generated here (cli-help.c), in the commands' own layout;
   * options GLib does not know stay in argv to be named in the error. */
  g_option_context_set_help_enabled(context, FALSE);
  g_option_context_set_ignore_unknown_options(context, TRUE);
  GOptionGroup *group = g_option_group_new("options", "", "", &state, NULL);
  g_option_group_add_entries(group, entries);
  g_option_context_set_main_group(context, group);
  GError *error = NULL;
  bool ok = flags_without_values(&state, argc, argv) &&
            short_values_apart(&state, argc, argv) &&
            g_option_context_parse(context, &argc, &argv, &error);
  if (!ok && !state.message[0]) name_missing_value(&state, argc, argv);
  g_clear_error(&error);
  g_option_context_free(context);
  g_free(entries);
  g_free(original);
  if (ok && !state.help && !state.version) ok = collect_operands(&state, argc, argv);
  if (state.help && ok) {
    cli_print_help(command, stdout);
    return 0;
  }
  if (state.version && ok) {
    printf("ccgc %s\n", ccgc_version());
    return 0;
  }
  return ok ? -1 : cli_usage_error(command->name, "%s", state.message);
}

/* The path with its directory resolved ("./a.svg" and "a.svg" alike, a
 * file that does not exist yet too). g_free it. */
static char *canonical_path(const char *path) {
  char *dir = g_path_get_dirname(path), *base = g_path_get_basename(path);
  char *real = realpath(dir, NULL);
  char *result = real ? g_build_filename(real, base, NULL) : g_strdup(path);
  free(real);
  g_free(dir);
  g_free(base);
  return result;
}

/* The path a write to `path` lands on: its symbolic links followed, each
 * target relative to its link's directory, even when the last one names
 * nothing yet (a dangling link: stat fails, the write creates the target).
 * At most 40 links, as the kernel's limit: still a link after them (a
 * loop), NULL with errno ELOOP, as open(2) fails. */
char *cli_write_target(const char *path) {
  char *current = g_strdup(path);
  for (int hops = 0;; hops++) {
    struct stat st;
    if (lstat(current, &st) != 0 || !S_ISLNK(st.st_mode)) break;
    if (hops == 40) {
      g_free(current);
      errno = ELOOP;
      return NULL;
    }
    char *target = g_file_read_link(current, NULL);
    if (!target) break;
    char *next;
    if (g_path_is_absolute(target)) {
      next = target;
    } else {
      char *dir = g_path_get_dirname(current);
      next = g_build_filename(dir, target, NULL);
      g_free(dir);
      g_free(target);
    }
    g_free(current);
    current = next;
  }
  return current;
}

bool cli_same_file(const char *a, const char *b) {
  if (!strcmp(a, b)) return true;
  struct stat sa, sb;
  if (stat(a, &sa) == 0 && stat(b, &sb) == 0)
    return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino && S_ISREG(sa.st_mode);
  char *ta = cli_write_target(a), *tb = cli_write_target(b);
  if (!ta || !tb) { /* a loop of links: no write lands there (ELOOP) */
    g_free(ta);
    g_free(tb);
    return false;
  }
  char *ca = canonical_path(ta), *cb = canonical_path(tb);
  g_free(ta);
  g_free(tb);
  bool same = !strcmp(ca, cb);
  g_free(ca);
  g_free(cb);
  return same;
}

/* The home directory, absolute: $HOME when it is an absolute path, else the
 * password database's entry (an empty or relative $HOME made the default
 * output land in the current directory), else the temporary directory. */
static char *absolute_home(void) {
  const char *home = g_getenv("HOME");
  if (home && g_path_is_absolute(home)) return g_strdup(home);
  struct passwd *entry = getpwuid(getuid());
  if (entry && entry->pw_dir && g_path_is_absolute(entry->pw_dir))
    return g_strdup(entry->pw_dir);
  return g_strdup(g_get_tmp_dir());
}

char *cli_default_output_dir(void) {
  /* A relative or empty $XDG_CACHE_HOME is invalid (the XDG Base Directory
   * specification): ignored, as if unset. */
  const char *xdg = g_getenv("XDG_CACHE_HOME");
  if (xdg && g_path_is_absolute(xdg))
    return g_build_filename(xdg, "ccgc", "demo", NULL);
  char *home = absolute_home();
  char *dir = g_build_filename(home, ".cache", "ccgc", "demo", NULL);
  g_free(home);
  return dir;
}

int cli_make_dirs(const char *path) {
  char *copy = g_strdup(path);
  /* A parent that cannot be made says why (EACCES, EROFS, ENOSPC...): the
   * last mkdir's ENOENT hid it. */
  int parent_error = 0;
  for (char *at = copy + 1; *at; at++) {
    if (*at != '/') continue;
    *at = '\0';
    if (mkdir(copy, 0755) != 0 && errno != EEXIST && !parent_error) parent_error = errno;
    *at = '/';
  }
  int result = mkdir(copy, 0755) == 0 || errno == EEXIST ? 0 : -1;
  if (result != 0 && errno == ENOENT && parent_error) errno = parent_error;
  /* Something that exists but is no directory (a file, /dev/full) is not
   * one to write into: ENOTDIR, not success. */
  struct stat st;
  if (result == 0 && (stat(copy, &st) != 0 || !S_ISDIR(st.st_mode))) {
    errno = ENOTDIR;
    result = -1;
  }
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
  /* A write that failed earlier left no errno behind; a write of nothing
   * asks the file again: a full device (/dev/full) says ENOSPC; a regular
   * file or a pipe answers 0, and the message says "write error". */
  if (!code && write(fileno(stdout), "", 0) < 0) code = errno;
  /* The error stays on the stream: nothing more is written to it. */
  fprintf(stderr, "%s: cannot write to standard output: %s\n", command,
          code ? strerror(code) : "write error");
  return 1;
}
