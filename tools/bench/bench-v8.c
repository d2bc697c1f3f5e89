/* bench-v8.c - V8 as a peer (bench-v8.h): runs a workload's JavaScript
 * (bench-v8-js.c) under `node --trace-gc` and reads its figures from
 * node's output.
 *
 * The script is written to a temporary file (TMPDIR, else /tmp) and removed
 * after the run; node is started with posix_spawn, a fixed argv, stdin from
 * /dev/null, stdout and stderr into one pipe, and the environment without
 * NODE_OPTIONS (which could add flags to the measured process). Its output:
 *
 *   ccgc-v8: node v20.20.2 v8 11.3.244.8-node.33
 *   ccgc-v8: begin
 *   [pid:0x...]    21 ms: Scavenge 3.8 (4.0) -> 3.4 (5.0) MB, 1.21 / 0.00 ms  (...) allocation failure;
 *   ...the workload's own lines, checked against the expected text...
 *   [pid:0x...]   301 ms: Mark-Compact 25.0 (47.5) -> 2.9 (37.5) MB, 1.47 / 0.00 ms  (...)
 *   ccgc-v8: end 670.243
 *
 * A trace line's pause is the first number after "MB, " (main-thread time;
 * V8's helper threads scavenge in parallel and mark concurrently beside
 * it). V8 flushes each trace line and node writes console.log to a pipe
 * synchronously, so the lines arrive in order: only those between begin and
 * end are the workload's; the others (a collection when node exits) are
 * counted apart. */
#define _GNU_SOURCE
#include "bench-v8.h"

#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ccgc.h"

extern char **environ;

/* Printed after the workload's main(args): the protocol the parser reads. */
static const char RUNNER_JS[] =
    "const ccgcArgs = process.argv.slice(2).map(Number);\n"
    "console.log(`ccgc-v8: node ${process.version} v8 ${process.versions.v8}`);\n"
    "console.log('ccgc-v8: begin');\n"
    "const ccgcStart = performance.now();\n"
    "main(ccgcArgs);\n"
    "console.log(`ccgc-v8: end ${(performance.now() - ccgcStart).toFixed(3)}`);\n";

static void v8_fail(bench_v8_run *out, const char *format, ...) {
  va_list args;
  va_start(args, format);
  vsnprintf(out->reason, sizeof out->reason, format, args);
  va_end(args);
  out->ran = false;
}

/* --- finding node ---------------------------------------------------------- */

static bool v8_executable(const char *path) {
  struct stat info;
  return stat(path, &info) == 0 && S_ISREG(info.st_mode) && access(path, X_OK) == 0;
}

/* CCGC_BENCH_NODE if set (empty: do not run node), else node or nodejs on
 * PATH. False with out->reason set when there is none. */
static bool v8_find_node(char *path, size_t size, bench_v8_run *out) {
  const char *forced = getenv("CCGC_BENCH_NODE");
  if (forced) {
    if (!*forced) {
      v8_fail(out, "CCGC_BENCH_NODE is empty");
      return false;
    }
    if (!v8_executable(forced) || strlen(forced) >= size) {
      v8_fail(out, "node not found: CCGC_BENCH_NODE=%s", forced);
      return false;
    }
    strcpy(path, forced);
    return true;
  }
  const char *search = getenv("PATH");
  if (!search) search = "/usr/local/bin:/usr/bin:/bin";
  static const char *const names[] = {"node", "nodejs"};
  for (size_t n = 0; n < 2; n++) {
    for (const char *dir = search;; dir++) {
      const char *end = strchr(dir, ':');
      size_t length = end ? (size_t)(end - dir) : strlen(dir);
      int written = length ? snprintf(path, size, "%.*s/%s", (int)length, dir, names[n])
                            : snprintf(path, size, "%s", names[n]);
      if (written > 0 && (size_t)written < size && v8_executable(path)) return true;
      if (!end) break;
      dir = end;
    }
  }
  v8_fail(out, "node not found");
  return false;
}

/* --- running it ------------------------------------------------------------ */

/* The script in a fresh temporary file; false with the reason on failure. */
static bool v8_write_script(const char *source, char *path, size_t size,
                            bench_v8_run *out) {
  const char *dir = getenv("TMPDIR");
  if (!dir || !*dir) dir = "/tmp";
  /* .cjs: CommonJS whatever package.json lies above the directory. */
  int written = snprintf(path, size, "%s/ccgc-bench-v8-XXXXXX.cjs", dir);
  if (written < 0 || (size_t)written >= size) {
    v8_fail(out, "temporary directory path too long");
    return false;
  }
  int fd = mkstemps(path, 4);
  if (fd < 0) {
    v8_fail(out, "cannot create a temporary script in %s: %s", dir, strerror(errno));
    return false;
  }
  bool ok = true;
  const char *parts[] = {"'use strict';\n", source, RUNNER_JS};
  for (size_t i = 0; i < 3 && ok; i++) {
    size_t left = strlen(parts[i]);
    const char *at = parts[i];
    while (left && ok) {
      ssize_t n = write(fd, at, left);
      if (n < 0 && errno == EINTR) continue;
      ok = n > 0;
      if (ok) at += n, left -= (size_t)n;
    }
  }
  if (close(fd) != 0) ok = false;
  if (!ok) {
    v8_fail(out, "cannot write the temporary script %s: %s", path, strerror(errno));
    unlink(path);
  }
  return ok;
}

/* The environment minus NODE_OPTIONS; the array is malloc'd, not the strings. */
static char **v8_environment(void) {
  size_t count = 0;
  while (environ && environ[count]) count++;
  char **env = calloc(count + 1, sizeof *env);
  if (!env) return NULL;
  size_t kept = 0;
  for (size_t i = 0; i < count; i++)
    if (strncmp(environ[i], "NODE_OPTIONS=", 13)) env[kept++] = environ[i];
  return env;
}

/* Reads fd to EOF into a malloc'd, NUL-terminated buffer (NULL: no memory). */
static char *v8_read_all(int fd) {
  size_t size = 0, capacity = 1 << 16;
  char *buffer = malloc(capacity);
  while (buffer) {
    if (capacity - size < 4096) {
      char *grown = realloc(buffer, capacity * 2);
      if (!grown) {
        free(buffer);
        return NULL;
      }
      buffer = grown;
      capacity *= 2;
    }
    ssize_t n = read(fd, buffer + size, capacity - size - 1);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    size += (size_t)n;
  }
  if (buffer) buffer[size] = '\0';
  return buffer;
}

/* The last non-empty line of text, cut to fit, for a failure message. */
static void v8_last_line(const char *text, char *line, size_t size) {
  const char *end = text + strlen(text);
  while (end > text && (end[-1] == '\n' || end[-1] == '\r' || end[-1] == ' ')) end--;
  const char *start = end;
  while (start > text && start[-1] != '\n') start--;
  snprintf(line, size, "%.*s", (int)(end - start), start);
}

/* Spawns node on the script; its output in *output (malloc'd). */
static bool v8_spawn(const char *node, const char *script, const long *args,
                     size_t arg_count, char **output, bench_v8_run *out) {
  enum { MAX_ARGS = 8 };
  char numbers[MAX_ARGS][24];
  char *argv[MAX_ARGS + 4];
  size_t argc = 0;
  argv[argc++] = (char *)node;
  argv[argc++] = "--trace-gc";
  argv[argc++] = (char *)script;
  for (size_t i = 0; i < arg_count && i < MAX_ARGS; i++) {
    snprintf(numbers[i], sizeof numbers[i], "%ld", args[i]);
    argv[argc++] = numbers[i];
  }
  argv[argc] = NULL;

  int pipe_fds[2];
  if (pipe2(pipe_fds, O_CLOEXEC) != 0) {
    v8_fail(out, "cannot create a pipe: %s", strerror(errno));
    return false;
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], 1);
  posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], 2);
  char **env = v8_environment();
  double start = ccgc_time_ms();
  pid_t pid;
  int error = env ? posix_spawn(&pid, node, &actions, NULL, argv, env) : ENOMEM;
  posix_spawn_file_actions_destroy(&actions);
  free(env);
  close(pipe_fds[1]);
  if (error) {
    close(pipe_fds[0]);
    v8_fail(out, "cannot start %s: %s", node, strerror(error));
    return false;
  }
  *output = v8_read_all(pipe_fds[0]);
  close(pipe_fds[0]);
  int status;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
  out->process_ms = ccgc_time_ms() - start;
  if (!*output) {
    v8_fail(out, "out of memory reading node's output");
    return false;
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    char last[160];
    v8_last_line(*output, last, sizeof last);
    if (WIFSIGNALED(status))
      v8_fail(out, "node failed: killed by signal %d: %s", WTERMSIG(status), last);
    else
      v8_fail(out, "node failed: exit %d: %s", WEXITSTATUS(status), last);
    return false;
  }
  return true;
}

void bench_v8_run_workload(bench_v8_workload workload, const long *args,
                           size_t arg_count, const char *expected,
                           bench_v8_run *out) {
  *out = (bench_v8_run){0};
  char node[4096], script[4096];
  if (!v8_find_node(node, sizeof node, out)) return;
  if (!v8_write_script(bench_v8_workload_source(workload), script, sizeof script, out))
    return;
  char *output = NULL;
  double process_ms = 0;
  if (v8_spawn(node, script, args, arg_count, &output, out)) {
    process_ms = out->process_ms;
    bench_v8_parse(output, expected, out);
    out->process_ms = process_ms;
  }
  free(output);
  unlink(script);
}

/* --- parsing its output ---------------------------------------------------- */

/* A --trace-gc line: "[pid:0x...]  21 ms: KIND ... MB, PAUSE / ...". 1: one
 * (kind and pause filled), 0: not a trace line, -1: looks like one but has
 * no pause. */
static int v8_trace_line(const char *line, size_t length, char *kind, size_t kind_size,
                         double *pause) {
  if (length == 0 || line[0] != '[') return 0;
  char copy[512];
  snprintf(copy, sizeof copy, "%.*s", (int)length, line);
  const char *close = strchr(copy, ']');
  const char *at = close ? strstr(close, " ms: ") : NULL;
  if (!at) return 0;
  at += 5;
  const char *mb = strstr(at, " MB, ");
  if (!mb) return -1;
  snprintf(kind, kind_size, "%.*s", (int)(mb - at), at);
  char *end;
  errno = 0;
  *pause = strtod(mb + 5, &end);
  if (end == mb + 5 || errno || *pause < 0) return -1;
  return 1;
}

static void v8_count(bench_v8_run *out, const char *kind, double pause) {
  if (!strncmp(kind, "Scavenge", 8) || !strncmp(kind, "Minor ", 6))
    out->scavenges++;
  else if (!strncmp(kind, "Mark-", 5))
    out->full_gcs++;
  else
    out->other_gcs++;
  out->gc_ms += pause;
  if (pause > out->max_pause_ms) out->max_pause_ms = pause;
}

/* The first line where got differs from expected, for the message. */
static void v8_first_difference(const char *expected, const char *got, bench_v8_run *out) {
  size_t line = 1;
  while (*expected && *got) {
    const char *e = strchr(expected, '\n'), *g = strchr(got, '\n');
    size_t el = e ? (size_t)(e - expected) : strlen(expected);
    size_t gl = g ? (size_t)(g - got) : strlen(got);
    if (el != gl || memcmp(expected, got, el)) break;
    expected += el + (e != NULL);
    got += gl + (g != NULL);
    line++;
  }
  int el = (int)strcspn(expected, "\n"), gl = (int)strcspn(got, "\n");
  if (!*got)
    v8_fail(out, "its output differs: line %zu: expected '%.*s', got nothing", line,
            el > 80 ? 80 : el, expected);
  else if (!*expected)
    v8_fail(out, "its output differs: line %zu: an extra line '%.*s'", line,
            gl > 80 ? 80 : gl, got);
  else
    v8_fail(out, "its output differs: line %zu: expected '%.*s', got '%.*s'", line,
            el > 80 ? 80 : el, expected, gl > 80 ? 80 : gl, got);
}

bool bench_v8_parse(const char *output, const char *expected, bench_v8_run *out) {
  enum { BEFORE, DURING, AFTER } state = BEFORE;
  /* The workload's lines, kept up to a little more than expected (enough
   * to show an extra line). */
  size_t capacity = strlen(expected) + 512;
  char *got = malloc(capacity + 1);
  size_t got_length = 0;
  out->ran = false;
  if (!got) {
    v8_fail(out, "out of memory");
    return false;
  }
  for (const char *line = output; *line;) {
    const char *newline = strchr(line, '\n');
    size_t length = newline ? (size_t)(newline - line) : strlen(line);
    const char *next = newline ? newline + 1 : line + length;
    if (length && line[length - 1] == '\r') length--;
    char kind[64];
    double pause;
    int trace = v8_trace_line(line, length, kind, sizeof kind, &pause);
    if (trace < 0) {
      v8_fail(out, "cannot parse node's output: a --trace-gc line without a pause: '%.*s'",
              (int)(length > 120 ? 120 : length), line);
      free(got);
      return false;
    }
    if (trace > 0) {
      if (state == DURING)
        v8_count(out, kind, pause);
      else
        out->outside_gcs++;
    } else if (length >= 8 && !strncmp(line, "ccgc-v8:", 8)) {
      if (!strncmp(line, "ccgc-v8: node ", 14)) {
        const char *v8 = strstr(line, " v8 ");
        int node_length = v8 ? (int)(v8 - line - 14) : (int)length - 14;
        if (v8)
          snprintf(out->version, sizeof out->version, "node %.*s (V8 %.*s)", node_length,
                   line + 14, (int)(length - (size_t)(v8 + 4 - line)), v8 + 4);
        else
          snprintf(out->version, sizeof out->version, "node %.*s", node_length, line + 14);
      } else if (length == 14 && !strncmp(line, "ccgc-v8: begin", 14)) {
        state = DURING;
      } else if (length > 13 && !strncmp(line, "ccgc-v8: end ", 13) && state == DURING) {
        char *end;
        out->total_ms = strtod(line + 13, &end);
        if (end == line + 13 || out->total_ms < 0) {
          v8_fail(out, "cannot parse node's output: bad end line '%.*s'", (int)length, line);
          free(got);
          return false;
        }
        state = AFTER;
      }
    } else if (state == DURING && (length || newline)) {
      if (got_length + length + 1 <= capacity) {
        memcpy(got + got_length, line, length);
        got_length += length;
        got[got_length++] = '\n';
      }
    }
    line = next;
  }
  got[got_length] = '\0';
  bool ok = false;
  if (state == BEFORE)
    v8_fail(out, "cannot parse node's output: no 'ccgc-v8: begin' line");
  else if (state == DURING)
    v8_fail(out, "cannot parse node's output: no 'ccgc-v8: end' line");
  else if (strcmp(got, expected))
    v8_first_difference(expected, got, out);
  else if (out->scavenges + out->full_gcs + out->other_gcs == 0 && out->outside_gcs > 0)
    v8_fail(out, "cannot parse node's output: every --trace-gc line came outside the "
                 "workload (output out of order?)");
  else
    ok = true;
  out->ran = ok;
  free(got);
  return ok;
}

/* --- printing ---------------------------------------------------------------- */

void bench_v8_print_summary(const bench_v8_run *run) {
  if (!run->ran) {
    printf("v8: skipped (%s)\n", run->reason);
    return;
  }
  printf("v8: %s with --trace-gc; heap: V8's default sizing (no --max-old-space-size)\n",
         run->version[0] ? run->version : "node");
  printf("v8: workload %.1f ms (node process %.1f ms); GC %.1f ms in %zu scavenges "
         "and %zu full GCs", run->total_ms, run->process_ms, run->gc_ms, run->scavenges,
         run->full_gcs);
  if (run->other_gcs) printf(" and %zu others", run->other_gcs);
  printf(", longest pause %.2f ms", run->max_pause_ms);
  if (run->outside_gcs)
    printf(" (%zu outside the workload, not counted)", run->outside_gcs);
  printf("\n");
}

void bench_v8_print_row(const bench_v8_run *run, double malloc_ms) {
  if (!run->ran) return;
  char vs_malloc[16] = "-";
  if (malloc_ms > 0) snprintf(vs_malloc, sizeof vs_malloc, "%.2f", run->total_ms / malloc_ms);
  printf("%-6s %-7s %9s %10.1f %6zu %9.1f %10s %10s\n", "-", "v8", "-", run->total_ms,
         run->scavenges + run->full_gcs + run->other_gcs, run->gc_ms, vs_malloc, "-");
}

void bench_v8_print_ratios(const bench_v8_run *run, double script_ms,
                           double script_gc_ms, const char *suffix) {
  if (!run->ran) return;
  if (run->total_ms > 0)
    printf("ratio script/v8 total%s: %.2f\n", suffix, script_ms / run->total_ms);
  if (run->gc_ms > 0)
    printf("ratio script/v8 gc%s: %.2f\n", suffix, script_gc_ms / run->gc_ms);
  else
    printf("v8 spent no measurable time in GC: no gc ratio%s\n", suffix);
}

void bench_v8_json(ccgc_json_writer *json, const bench_v8_run *run, double script_ms,
                   double script_gc_ms) {
  if (!run->ran) {
    ccgc_json_writer_member_bool(json, "v8_ran", false);
    ccgc_json_writer_member_string(json, "v8_skipped", run->reason);
    return;
  }
  ccgc_json_writer_member_bool(json, "v8_ran", true);
  ccgc_json_writer_member_string(json, "v8_version", run->version);
  ccgc_json_writer_member_string(json, "v8_heap", "default");
  ccgc_json_writer_member_fixed(json, "v8_ms", run->total_ms, 3);
  ccgc_json_writer_member_fixed(json, "v8_process_ms", run->process_ms, 3);
  ccgc_json_writer_member_fixed(json, "v8_gc_ms", run->gc_ms, 3);
  ccgc_json_writer_member_uint(json, "v8_scavenges", run->scavenges);
  ccgc_json_writer_member_uint(json, "v8_full_gcs", run->full_gcs);
  ccgc_json_writer_member_uint(json, "v8_other_gcs", run->other_gcs);
  ccgc_json_writer_member_fixed(json, "v8_max_pause_ms", run->max_pause_ms, 3);
  if (run->total_ms > 0)
    ccgc_json_writer_member_fixed(json, "script_vs_v8", script_ms / run->total_ms, 4);
  else
    ccgc_json_writer_member_null(json, "script_vs_v8");
  if (run->gc_ms > 0)
    ccgc_json_writer_member_fixed(json, "script_gc_vs_v8", script_gc_ms / run->gc_ms, 4);
  else
    ccgc_json_writer_member_null(json, "script_gc_vs_v8");
}
