/* run-command.h - running the built `ccgc` binary from a test. */
#ifndef CCGC_RUN_COMMAND_H
#define CCGC_RUN_COMMAND_H

typedef struct command_result {
  int exit_code;
  char *out; /* stdout, NUL-terminated; free() */
  char *err; /* stderr */
} command_result;

/* Runs "$CCGC_BINARY_DIR/tools/ccgc ARGS" through the shell. */
command_result run_ccgc(const char *args);
/* Runs "PREFIX $CCGC_BINARY_DIR/tools/ccgc ARGS >STDOUT" (PREFIX NULL: none,
 * e.g. "ulimit -f 8;"; stdout_target NULL: captured in out, else the
 * command's standard output goes there, e.g. /dev/full). */
command_result run_ccgc_with(const char *prefix, const char *args,
                             const char *stdout_target);
void command_result_free(command_result *result);
/* Runs `ccgc ARGS` (a stress run) and fails the check test unless it exits
 * 0 and prints "stress ok". */
void run_ccgc_expect_stress_ok(const char *args);
/* Runs `ccgc ARGS` (a stress run with a testing switch on) and fails the
 * check test unless it exits 1 and its stderr reports a violation ("violation
 * at operation") with every one of needles (NULL-terminated: the seed and
 * mode, the check that caught it, ...). */
void run_ccgc_expect_stress_violation(const char *args,
                                      const char *const *needles);
/* A fresh temporary directory (freed by the caller with free()). */
char *make_temp_dir(void);

#endif
