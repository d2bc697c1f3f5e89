/* run-command.c - see run-command.h. */
#define _GNU_SOURCE
#include "run-command.h"

#include <check.h>
#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

static char *slurp(const char *path) {
  gchar *text = NULL;
  if (!g_file_get_contents(path, &text, NULL, NULL)) return strdup("");
  char *copy = strdup(text);
  g_free(text);
  return copy;
}

command_result run_ccgc_with(const char *prefix, const char *args,
                             const char *stdout_target) {
  const char *dir = getenv("CCGC_BINARY_DIR");
  command_result result = {-1, NULL, NULL};
  char *tmp = make_temp_dir();
  char *out = g_build_filename(tmp, "out", NULL);
  char *err = g_build_filename(tmp, "err", NULL);
  char *command = g_strdup_printf("%s %s/tools/ccgc %s >%s 2>%s",
                                  prefix ? prefix : "", dir ? dir : ".", args,
                                  stdout_target ? stdout_target : out, err);
  int status = system(command);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  result.out = slurp(out);
  result.err = slurp(err);
  remove(out);
  remove(err);
  remove(tmp);
  g_free(command);
  g_free(out);
  g_free(err);
  free(tmp);
  return result;
}

command_result run_ccgc(const char *args) {
  return run_ccgc_with(NULL, args, NULL);
}

void command_result_free(command_result *result) {
  free(result->out);
  free(result->err);
}

char *make_temp_dir(void) {
  char *path = strdup("/tmp/ccgc-test-XXXXXX");
  if (!mkdtemp(path)) {
    free(path);
    return NULL;
  }
  return path;
}

void run_ccgc_expect_stress_violation(const char *args,
                                      const char *const *needles) {
  command_result result = run_ccgc(args);
  ck_assert_msg(result.exit_code == 1, "ccgc %s: exit %d (expected 1)\n%s%s",
                args, result.exit_code, result.out, result.err);
  ck_assert_msg(strstr(result.err, "violation at operation"), "ccgc %s:\n%s",
                args, result.err);
  for (const char *const *needle = needles; *needle; needle++)
    ck_assert_msg(strstr(result.err, *needle), "ccgc %s: no '%s' in\n%s", args,
                  *needle, result.err);
  command_result_free(&result);
}

void run_ccgc_expect_stress_ok(const char *args) {
  command_result result = run_ccgc(args);
  ck_assert_msg(result.exit_code == 0, "ccgc %s: exit %d\n%s%s", args,
                result.exit_code, result.out, result.err);
  ck_assert(strstr(result.out, "stress ok"));
  command_result_free(&result);
}
