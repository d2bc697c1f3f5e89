/* test-output-errors.c - the commands that write files or standard output
 * when writing fails (issue 13, defect 9): a missing directory, /dev/full, a
 * full disk (a file size limit: the shell ignores SIGXFSZ, so a write past
 * `ulimit -f` fails with EFBIG as on a full disk), a full standard output.
 * Each exits non-zero with a message naming the file, leaves no truncated
 * or empty file behind, and keeps what was there before. */
#include <check.h>
#include <dirent.h>
#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ccgc-test.h"
#include "run-command.h"

static command_result run(const char *prefix, const char *args, const char *stdout_target) {
  return run_ccgc_with(prefix, args, stdout_target);
}

static int compare_names(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The names in dir, sorted, joined by spaces ("" when empty). */
static char *listing(const char *dir) {
  GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
  DIR *d = opendir(dir);
  ck_assert_ptr_nonnull(d);
  for (struct dirent *entry; (entry = readdir(d));)
    if (strcmp(entry->d_name, ".") && strcmp(entry->d_name, ".."))
      g_ptr_array_add(names, g_strdup(entry->d_name));
  closedir(d);
  g_ptr_array_sort(names, compare_names);
  GString *joined = g_string_new(NULL);
  for (guint i = 0; i < names->len; i++)
    g_string_append_printf(joined, "%s%s", i ? " " : "", (char *)names->pdata[i]);
  g_ptr_array_free(names, TRUE);
  return g_string_free(joined, FALSE);
}

static void assert_listing(const char *dir, const char *expected) {
  char *names = listing(dir);
  ck_assert_msg(!strcmp(names, expected), "%s holds '%s', expected '%s'", dir, names,
                expected);
  g_free(names);
}

static char *read_text(const char *dir, const char *name) {
  char *path = g_build_filename(dir, name, NULL);
  gchar *text = NULL;
  ck_assert_msg(g_file_get_contents(path, &text, NULL, NULL), "no %s", path);
  g_free(path);
  return text;
}

static void write_text(const char *dir, const char *name, const char *text) {
  char *path = g_build_filename(dir, name, NULL);
  ck_assert(g_file_set_contents(path, text, -1, NULL));
  g_free(path);
}

static void remove_dir(const char *dir) {
  char *cleanup = g_strdup_printf("rm -rf '%s'", dir);
  ck_assert_int_eq(system(cleanup), 0);
  g_free(cleanup);
}

static void assert_failed(command_result *result, const char *what, const char *message) {
  ck_assert_msg(result->exit_code == 1, "%s: exit %d, stderr: %s", what, result->exit_code,
                result->err);
  ck_assert_msg(strstr(result->err, message), "%s: stderr '%s' lacks '%s'", what,
                result->err, message);
  command_result_free(result);
}

START_TEST(dot_into_a_missing_directory_fails) {
  char *dir = make_temp_dir();
  char *args = g_strdup_printf("dot --out %s/heap.dot --svg /nonexistent/x.svg", dir);
  command_result result = run(NULL, args, NULL);
  /* Before the fix: exit 0, "...; /nonexistent/x.svg" as if written. */
  ck_assert_msg(!strstr(result.out, "x.svg"), "claims to have written: %s", result.out);
  assert_failed(&result, "--svg /nonexistent/x.svg",
                "ccgc dot: cannot write '/nonexistent/x.svg': No such file or directory");
  assert_listing(dir, ""); /* not even the DOT file: all or nothing */
  g_free(args);
  args = g_strdup("dot --out /nonexistent/heap.dot");
  result = run(NULL, args, NULL);
  assert_failed(&result, "--out /nonexistent/heap.dot", "cannot write '/nonexistent/heap.dot'");
  g_free(args);
  remove_dir(dir);
  free(dir);
}
END_TEST

START_TEST(dot_to_dev_full_fails_with_a_message) {
  char *dir = make_temp_dir();
  static const char *const options[] = {"--svg", "--png"};
  for (int i = 0; i < 2; i++) {
    char *args = g_strdup_printf("dot --out %s/heap.dot %s /dev/full", dir, options[i]);
    command_result result = run(NULL, args, NULL);
    /* Before the fix: Graphviz exits from inside its writer. */
    assert_failed(&result, args, "ccgc dot: cannot write '/dev/full': No space left on device");
    assert_listing(dir, "");
    g_free(args);
  }
  command_result result = run(NULL, "dot --out /dev/full", NULL);
  assert_failed(&result, "--out /dev/full", "cannot write '/dev/full'");
  struct stat info;
  ck_assert_int_eq(stat("/dev/full", &info), 0);
  ck_assert_msg(S_ISCHR(info.st_mode), "/dev/full is no longer a device");
  remove_dir(dir);
  free(dir);
}
END_TEST

START_TEST(a_failed_dot_keeps_the_old_files) {
  char *dir = make_temp_dir();
  write_text(dir, "heap.dot", "old dot");
  write_text(dir, "heap.svg", "old svg");
  char *args = g_strdup_printf("dot --out %s/heap.dot --svg %s/heap.svg --png /dev/full", dir,
                               dir);
  command_result result = run(NULL, args, NULL);
  assert_failed(&result, args, "cannot write '/dev/full'");
  /* Before the fix: both overwritten before the PNG failed. */
  char *dot = read_text(dir, "heap.dot"), *svg = read_text(dir, "heap.svg");
  ck_assert_str_eq(dot, "old dot");
  ck_assert_str_eq(svg, "old svg");
  g_free(dot);
  g_free(svg);
  assert_listing(dir, "heap.dot heap.svg");
  g_free(args);
  /* And when nothing fails, both are replaced, with the usual mode. */
  args = g_strdup_printf("dot --out %s/heap.dot --svg %s/heap.svg", dir, dir);
  result = run(NULL, args, NULL);
  ck_assert_msg(result.exit_code == 0, "%s", result.err);
  command_result_free(&result);
  svg = read_text(dir, "heap.svg");
  ck_assert(strstr(svg, "<svg"));
  g_free(svg);
  assert_listing(dir, "heap.dot heap.svg");
  mode_t mask = umask(0);
  umask(mask);
  char *path = g_build_filename(dir, "heap.svg", NULL);
  struct stat info;
  ck_assert_int_eq(stat(path, &info), 0);
  ck_assert_uint_eq(info.st_mode & 0777, 0666 & ~mask);
  g_free(path);
  g_free(args);
  remove_dir(dir);
  free(dir);
}
END_TEST

/* A full disk: past 4 blocks (2 KB in dash, 4 KB in bash) a write fails
 * with EFBIG. */
#define FULL_DISK "trap '' XFSZ; ulimit -f 4;"

START_TEST(a_full_disk_leaves_no_partial_file) {
  char *dir = make_temp_dir();
  char *args = g_strdup_printf("snapshot --quiet --out %s/heap.heapsnapshot", dir);
  command_result result = run(FULL_DISK, args, NULL);
  assert_failed(&result, args, "cannot write");
  /* Before the fix: a truncated heap.heapsnapshot stays. */
  assert_listing(dir, "");
  g_free(args);
  args = g_strdup_printf("dot --out %s/heap.dot --svg %s/heap.svg", dir, dir);
  result = run(FULL_DISK, args, NULL);
  assert_failed(&result, args, "cannot write");
  assert_listing(dir, "");
  g_free(args);
  args = g_strdup_printf("demo --quiet --out %s/demo", dir);
  result = run(FULL_DISK, args, NULL);
  assert_failed(&result, args, "cannot write");
  char *demo = g_build_filename(dir, "demo", NULL);
  assert_listing(demo, "");
  g_free(demo);
  g_free(args);
  remove_dir(dir);
  free(dir);
}
END_TEST

START_TEST(a_full_standard_output_fails) {
  char *dir = make_temp_dir();
  char *demo = g_strdup_printf("demo --quiet --out %s", dir);
  const char *commands[] = {"why '#modal'", "stress --ops 300 --quiet", demo,
                            "dot --out /dev/null", "snapshot --out /dev/null", "stats",
                            "stats --format csv"};
  for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) {
    command_result result = run(NULL, commands[i], "/dev/full");
    /* Before the fix: exit 0 (why, stress, demo). */
    assert_failed(&result, commands[i], "cannot write to standard output: No space left on device");
  }
  g_free(demo);
  remove_dir(dir);
  free(dir);
}
END_TEST

/* A FIFO as the DOT destination, with a picture: written in place, and the
 * layout is made from the DOT text, not read back from the destination
 * (which hung: the reader had taken the data). */
START_TEST(dot_into_a_fifo_with_a_picture) {
  char *dir = make_temp_dir();
  char *prefix = g_strdup_printf("mkfifo %s/ff && (cat %s/ff > %s/fifo.out &) && timeout 60",
                                 dir, dir, dir);
  char *args = g_strdup_printf("dot --out %s/ff --svg %s/y.svg --max-nodes 5", dir, dir);
  command_result result = run(prefix, args, NULL);
  ck_assert_msg(result.exit_code == 0, "exit %d: %s", result.exit_code, result.err);
  command_result_free(&result);
  char *svg = read_text(dir, "y.svg");
  ck_assert(strstr(svg, "<svg"));
  g_free(svg);
  /* The reader got the whole DOT file (cat may still be finishing). */
  char *text = NULL;
  for (int i = 0; i < 100; i++) {
    g_free(text);
    text = read_text(dir, "fifo.out");
    if (strstr(text, "}")) break;
    g_usleep(50 * 1000);
  }
  ck_assert_msg(g_str_has_prefix(text, "digraph") && strstr(text, "}"), "%.80s", text);
  g_free(text);
  assert_listing(dir, "ff fifo.out y.svg");
  g_free(prefix);
  g_free(args);
  remove_dir(dir);
  free(dir);
}
END_TEST

/* A symbolic link stays one: the file it names gets the new content. */
START_TEST(a_symlinked_output_stays_a_link) {
  char *dir = make_temp_dir();
  char *sub = g_build_filename(dir, "real", NULL);
  ck_assert_int_eq(mkdir(sub, 0755), 0);
  write_text(sub, "target.dot", "old");
  char *link = g_build_filename(dir, "link.dot", NULL);
  ck_assert_int_eq(symlink("real/target.dot", link), 0);
  char *args = g_strdup_printf("dot --max-nodes 3 --out %s", link);
  command_result result = run(NULL, args, NULL);
  ck_assert_msg(result.exit_code == 0, "exit %d: %s", result.exit_code, result.err);
  command_result_free(&result);
  struct stat info;
  ck_assert_int_eq(lstat(link, &info), 0);
  ck_assert_msg(S_ISLNK(info.st_mode), "link.dot was replaced by a regular file");
  char *text = read_text(sub, "target.dot");
  ck_assert(g_str_has_prefix(text, "digraph"));
  g_free(text);
  assert_listing(sub, "target.dot");
  g_free(args);
  g_free(link);
  g_free(sub);
  remove_dir(dir);
  free(dir);
}
END_TEST

/* SIGTERM while the temporary is open: it goes with the process. */
START_TEST(a_terminated_command_leaves_no_temporary) {
  char *dir = make_temp_dir();
  /* A deep page: gumbo takes a while, the temporary of --out is open. */
  GString *page = g_string_new(NULL);
  for (int i = 0; i < 30000; i++) g_string_append(page, "<div>");
  write_text(dir, "deep.html", page->str);
  g_string_free(page, TRUE);
  write_text(dir, "y.heapsnapshot", "old");
  char *script = g_strdup_printf(
      "cd %s && %s/tools/ccgc snapshot --out y.heapsnapshot --page deep.html "
      ">/dev/null 2>&1 & p=$!; cd %s; i=0; "
      "while ! ls .y.heapsnapshot.* >/dev/null 2>&1 && [ $i -lt 2000 ]; do i=$((i+1)); "
      "sleep 0.005; done; kill -TERM $p; wait $p; echo $? > status",
      dir, getenv("CCGC_BINARY_DIR"), dir);
  ck_assert_int_eq(system(script), 0);
  char *status = read_text(dir, "status");
  ck_assert_msg(atoi(status) == 143, "not killed while writing: exit %s", status);
  g_free(status);
  assert_listing(dir, "deep.html status y.heapsnapshot");
  char *old = read_text(dir, "y.heapsnapshot");
  ck_assert_str_eq(old, "old");
  g_free(old);
  g_free(script);
  remove_dir(dir);
  free(dir);
}
END_TEST

/* A relative $XDG_CACHE_HOME is ignored (the XDG specification): nothing
 * is written into the current directory. */
START_TEST(a_relative_cache_home_is_ignored) {
  char *dir = make_temp_dir();
  char *prefix = g_strdup_printf("cd %s && HOME=%s/home XDG_CACHE_HOME=relcache", dir, dir);
  command_result result = run(prefix, "dot --max-nodes 3", NULL);
  ck_assert_msg(result.exit_code == 0, "exit %d: %s", result.exit_code, result.err);
  ck_assert_msg(strstr(result.out, "/home/.cache/ccgc/demo/heap.dot"), "%s", result.out);
  command_result_free(&result);
  assert_listing(dir, "home");
  g_free(prefix);
  remove_dir(dir);
  free(dir);
}
END_TEST

int main(void) {
  Suite *suite = suite_create("output-errors");
  TCase *tc = tcase_create("writing");
  tcase_set_timeout(tc, 120);
  tcase_add_test(tc, dot_into_a_missing_directory_fails);
  tcase_add_test(tc, dot_to_dev_full_fails_with_a_message);
  tcase_add_test(tc, a_failed_dot_keeps_the_old_files);
  tcase_add_test(tc, a_full_disk_leaves_no_partial_file);
  tcase_add_test(tc, a_full_standard_output_fails);
  tcase_add_test(tc, dot_into_a_fifo_with_a_picture);
  tcase_add_test(tc, a_symlinked_output_stays_a_link);
  tcase_add_test(tc, a_terminated_command_leaves_no_temporary);
  tcase_add_test(tc, a_relative_cache_home_is_ignored);
  suite_add_tcase(suite, tc);
  return ccgc_test_run(suite);
}
