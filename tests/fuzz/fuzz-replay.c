/* fuzz-replay.c - a main for the fuzz target without libFuzzer: runs
 * LLVMFuzzerTestOneInput over every file named on the command line and
 * every regular file of the directories named (sorted), as libFuzzer does
 * when it replays a corpus. The gcc builds compile fuzz-page.c with it into
 * fuzz-page-replay, the ctest fuzz/page-corpus; a failed check aborts (the
 * file's name is printed first). Exits 1 when it found no input. */
#include <dirent.h>
#include <glib.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static size_t run_file(const char *path) {
  gchar *data = NULL;
  gsize size = 0;
  GError *error = NULL;
  if (!g_file_get_contents(path, &data, &size, &error)) {
    fprintf(stderr, "fuzz-replay: %s\n", error->message);
    exit(1);
  }
  printf("%s (%zu bytes)\n", path, (size_t)size);
  fflush(stdout);
  LLVMFuzzerTestOneInput((const uint8_t *)data, size);
  g_free(data);
  return 1;
}

static int compare_names(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

static size_t run_dir(const char *path) {
  DIR *dir = opendir(path);
  if (!dir) {
    perror(path);
    exit(1);
  }
  GPtrArray *files = g_ptr_array_new_with_free_func(g_free);
  for (struct dirent *entry; (entry = readdir(dir));) {
    char *file = g_build_filename(path, entry->d_name, NULL);
    struct stat info;
    if (entry->d_name[0] != '.' && stat(file, &info) == 0 && S_ISREG(info.st_mode))
      g_ptr_array_add(files, file);
    else
      g_free(file);
  }
  closedir(dir);
  g_ptr_array_sort(files, compare_names);
  size_t count = 0;
  for (guint i = 0; i < files->len; i++) count += run_file(files->pdata[i]);
  g_ptr_array_free(files, TRUE);
  return count;
}

int main(int argc, char **argv) {
  size_t count = 0;
  for (int i = 1; i < argc; i++) {
    struct stat info;
    if (stat(argv[i], &info) != 0) {
      perror(argv[i]);
      return 1;
    }
    count += S_ISDIR(info.st_mode) ? run_dir(argv[i]) : run_file(argv[i]);
  }
  if (!count) {
    fprintf(stderr, "usage: fuzz-page-replay FILE|DIR...: no input found\n");
    return 1;
  }
  printf("fuzz-replay: %zu inputs, every check passed\n", count);
  return 0;
}
