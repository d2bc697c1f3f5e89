/* heap-snapshot-file.c - ccgc_heap_snapshot_write_file: a snapshot file
 * that is complete or not there (ccgc-snapshot.h). The snapshot goes to a
 * temporary ".NAME.XXXXXX" beside the destination (the same directory, so
 * that rename is atomic); every write, the flush, fsync and fclose are
 * checked, and only then is it renamed over the destination. On any failure
 * it is removed: a reader never finds a cut-off snapshot under the name it
 * asked for, and an older snapshot there stays as it was. A destination
 * that exists and is not a regular file (/dev/null, a FIFO) is written in
 * place, as renaming over it would replace the device. The same scheme as
 * the ccgc command's output files (tools/cli/atomic-file.c). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "heap-snapshot-file.h"
#include "inspect-internal.h"

static const char call[] = "ccgc_heap_snapshot_write_file";

static ccgc_status io_error(ccgc_collector *collector, const char *path, int code) {
  return ccgc_error_set(ccgc_collector_error_sink(collector), CCGC_E_IO,
                        "%s: cannot write '%s': %s", call, path,
                        code ? strerror(code) : "write error");
}

/* The mode a new file gets from open(2): 0666 less the umask (read without
 * changing it: umask(2) would, for a moment, for every thread); an existing
 * file keeps its own. */
static mode_t new_mode(const struct stat *existing, bool exists) {
  if (exists) return existing->st_mode & 07777;
  mode_t mask = 022;
  FILE *status = fopen("/proc/self/status", "re");
  if (status) {
    char line[128];
    unsigned value;
    while (fgets(line, sizeof line, status))
      if (sscanf(line, "Umask: %o", &value) == 1) mask = (mode_t)value;
    fclose(status);
  }
  return 0666 & ~mask;
}

/* Writes into an existing non-regular file (a device, a FIFO). */
static ccgc_status write_in_place(ccgc_collector *collector, ccgc_heap_snapshot_ids *ids,
                                  const char *path, const ccgc_heap_snapshot_options *options,
                                  ccgc_heap_snapshot_stats *stats) {
  FILE *out = fopen(path, "we");
  if (!out) return io_error(collector, path, errno);
  ccgc_status status = ccgc_heap_snapshot_write_stream(collector, ids, out, options, stats, call);
  int code = errno;
  if (fclose(out) != 0 && status == CCGC_OK) return io_error(collector, path, errno);
  if (status == CCGC_E_IO) return io_error(collector, path, code);
  return status;
}

/* Where a write to path lands, as open(2) would have it: the end of its
 * chain of symbolic links (a dangling one names the file to make); NULL
 * with errno ELOOP for a loop. */
static char *follow_links(const char *path) {
  char *current = g_strdup(path);
  for (int hops = 0;; hops++) {
    struct stat st;
    if (lstat(current, &st) != 0 || !S_ISLNK(st.st_mode)) return current;
    if (hops == 40) {
      g_free(current);
      errno = ELOOP;
      return NULL;
    }
    char *target = g_file_read_link(current, NULL);
    if (!target) return current;
    char *next = target;
    if (!g_path_is_absolute(target)) {
      char *dir = g_path_get_dirname(current);
      next = g_build_filename(dir, target, NULL);
      g_free(dir);
      g_free(target);
    }
    g_free(current);
    current = next;
  }
}

ccgc_status ccgc_heap_snapshot_write_file(
    ccgc_collector *collector, ccgc_heap_snapshot_ids *ids, const char *path,
    const ccgc_heap_snapshot_options *options, ccgc_heap_snapshot_stats *stats) {
  if (stats) memset(stats, 0, sizeof *stats);
  ccgc_status entered = ccgc_inspect_enter(collector, call);
  if (entered != CCGC_OK) return entered;
  if (!path || !path[0] || !ids)
    return ccgc_error_set(ccgc_collector_error_sink(collector), CCGC_E_INVALID_ARGUMENT,
                          "%s: %s", call, !ids ? "NULL ids" : "no path");
  struct stat info;
  bool exists = stat(path, &info) == 0;
  if (exists && !S_ISREG(info.st_mode))
    return write_in_place(collector, ids, path, options, stats);
  /* A symbolic link stays one: the temporary goes beside its target - a
   * dangling link's too, which is then made (it replaced the link). */
  char *linked = exists ? NULL : follow_links(path);
  if (!exists && !linked) return io_error(collector, path, errno);
  char *target = exists ? realpath(path, NULL) : NULL;
  const char *real = target ? target : linked ? linked : path;
  char *dir = g_path_get_dirname(real), *base = g_path_get_basename(real);
  char *temporary = g_strdup_printf("%s/.%s.XXXXXX", dir, base);
  g_free(dir);
  g_free(base);
  char *destination = g_strdup(real);
  free(target);
  g_free(linked);
  ccgc_status status = CCGC_OK;
  int fd = mkostemp(temporary, O_CLOEXEC);
  FILE *out = NULL;
  if (fd < 0 || fchmod(fd, new_mode(&info, exists)) != 0 || !(out = fdopen(fd, "w"))) {
    status = io_error(collector, path, errno);
    if (fd >= 0) {
      close(fd);
      unlink(temporary);
    }
    goto done;
  }
  status = ccgc_heap_snapshot_write_stream(collector, ids, out, options, stats, call);
  int code = errno;
  if (status == CCGC_OK && fsync(fileno(out)) != 0 && errno != EINVAL) {
    code = errno;
    status = CCGC_E_IO;
  }
  if (fclose(out) != 0 && status == CCGC_OK) {
    code = errno;
    status = CCGC_E_IO;
  }
  if (status == CCGC_OK && rename(temporary, destination) != 0) {
    code = errno;
    status = CCGC_E_IO;
  }
  if (status != CCGC_OK) {
    unlink(temporary);
    if (status == CCGC_E_IO) status = io_error(collector, path, code);
  }
done:
  g_free(temporary);
  g_free(destination);
  return status;
}
