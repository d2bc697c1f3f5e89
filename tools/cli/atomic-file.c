/* atomic-file.c - output files written completely or not at all
 * (atomic-file.h). */
#define _GNU_SOURCE
#include "atomic-file.h"
#include "cli-options.h"

#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void say(char *error, size_t error_size, const char *path, int code) {
  snprintf(error, error_size, "cannot write '%s': %s", path,
           code ? strerror(code) : "write error");
}

/* The temporaries open in this process, for the signal handler: a
 * process-wide table because a signal is (the one piece of global state of
 * the command; the library has none). The handler may run on any thread
 * (the library's marker and sweeper threads do not block signals), so each
 * slot holds its own copy of the path, never freed, and a flag set after the
 * copy is written and cleared before the slot is reused. */
#define PENDING_SLOTS 16
static char pending_path[PENDING_SLOTS][PATH_MAX];
static atomic_bool pending_used[PENDING_SLOTS];
static struct sigaction previous[3];
static const int caught[3] = {SIGINT, SIGTERM, SIGHUP};

static void remove_pending(int signo) {
  int saved = errno;
  for (int i = 0; i < PENDING_SLOTS; i++)
    if (atomic_load(&pending_used[i])) unlink(pending_path[i]); /* async-signal-safe */
  for (int i = 0; i < 3; i++)
    if (caught[i] == signo) sigaction(signo, &previous[i], NULL);
  raise(signo);
  errno = saved; /* a previous handler that returns */
}

static void track(char *path) {
  static bool installed;
  if (!installed) {
    installed = true;
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = remove_pending;
    sigemptyset(&action.sa_mask);
    for (int i = 0; i < 3; i++) {
      sigaction(caught[i], NULL, &previous[i]);
      /* A signal the shell told us to ignore stays ignored. */
      if (previous[i].sa_handler != SIG_IGN) sigaction(caught[i], &action, NULL);
    }
  }
  if (strlen(path) >= PATH_MAX) return;
  for (int i = 0; i < PENDING_SLOTS; i++)
    if (!atomic_load(&pending_used[i])) {
      strcpy(pending_path[i], path);
      atomic_store(&pending_used[i], true);
      return;
    }
}

static void untrack(const char *path) {
  for (int i = 0; path && i < PENDING_SLOTS; i++)
    if (atomic_load(&pending_used[i]) && !strcmp(pending_path[i], path))
      atomic_store(&pending_used[i], false);
}

static void clear(atomic_file *file) {
  untrack(file->write_path);
  g_free(file->path);
  if (file->target != file->path) g_free(file->target);
  if (file->write_path != file->path) g_free(file->write_path);
  memset(file, 0, sizeof *file);
}

/* The mode a new file gets from open(2): 0666 less the umask; an existing
 * file keeps its own. */
static mode_t new_mode(const struct stat *existing, bool exists) {
  if (exists) return existing->st_mode & 07777;
  mode_t mask = umask(0);
  umask(mask);
  return 0666 & ~mask;
}

bool atomic_file_open(atomic_file *file, const char *path, bool stream, char *error,
                      size_t error_size) {
  memset(file, 0, sizeof *file);
  file->path = g_strdup(path);
  /* A symbolic link stays one: the temporary goes beside its target. */
  char *target = realpath(path, NULL);
  struct stat info;
  bool exists = stat(path, &info) == 0;
  if (exists && !S_ISREG(info.st_mode)) {
    free(target);
    file->in_place = true;
    file->target = file->path;
    file->write_path = file->path;
    if (stream && !(file->stream = fopen(path, "w"))) {
      say(error, error_size, path, errno);
      clear(file);
      return false;
    }
    return true;
  }
  file->target = exists && target ? g_strdup(target) : file->path;
  free(target);
  /* A dangling link (or a chain of them): the file the last one names is
   * made, where it says, as open(2) would (the clash checks follow the
   * same chain, cli_same_file). */
  struct stat link_info;
  if (!exists && lstat(path, &link_info) == 0 && S_ISLNK(link_info.st_mode)) {
    char *named = cli_write_target(path);
    if (!named) { /* a loop of links: refused as open(2) refuses it */
      say(error, error_size, path, ELOOP);
      clear(file);
      return false;
    }
    file->target = g_strdup(named);
    g_free(named);
  }
  char *dir = g_path_get_dirname(file->target), *base = g_path_get_basename(file->target);
  file->write_path = g_strdup_printf("%s/.%s.XXXXXX", dir, base);
  g_free(dir);
  g_free(base);
  /* Blocked on this thread while the temporary is made and listed: a signal
   * here between the two would leave it. (A thread of the library may still
   * take one in that window of microseconds.) */
  sigset_t block, old;
  sigemptyset(&block);
  for (int i = 0; i < 3; i++) sigaddset(&block, caught[i]);
  pthread_sigmask(SIG_BLOCK, &block, &old);
  int fd = mkostemp(file->write_path, O_CLOEXEC);
  if (fd >= 0) track(file->write_path);
  pthread_sigmask(SIG_SETMASK, &old, NULL);
  if (fd < 0) {
    say(error, error_size, path, errno);
    clear(file);
    return false;
  }
  if (fchmod(fd, new_mode(&info, exists)) != 0 ||
      (stream && !(file->stream = fdopen(fd, "w")))) {
    int code = errno;
    close(fd);
    unlink(file->write_path);
    say(error, error_size, path, code);
    clear(file);
    return false;
  }
  if (!stream) close(fd);
  return true;
}

bool atomic_file_commit(atomic_file *file, char *error, size_t error_size) {
  int code = errno; /* a failed fwrite's, if ferror says it failed */
  bool ok = true;
  if (file->stream) {
    if (fflush(file->stream) != 0) {
      ok = false;
      code = errno;
    } else if (ferror(file->stream)) {
      ok = false;
    } else if (!file->in_place && fsync(fileno(file->stream)) != 0 && errno != EINVAL) {
      ok = false;
      code = errno;
    }
    if (fclose(file->stream) != 0 && ok) {
      ok = false;
      code = errno;
    }
    file->stream = NULL;
  } else if (!file->in_place) {
    /* Written by path (a library drew it: Graphviz, cairo): made durable
     * through a descriptor of its own before it replaces the target. */
    int fd = open(file->write_path, O_RDONLY | O_CLOEXEC);
    if (fd < 0 || (fsync(fd) != 0 && errno != EINVAL)) {
      ok = false;
      code = errno;
    }
    if (fd >= 0) close(fd);
  }
  if (ok && !file->in_place && rename(file->write_path, file->target) != 0) {
    ok = false;
    code = errno;
  }
  if (!ok) {
    say(error, error_size, file->path, code);
    if (!file->in_place) unlink(file->write_path);
  }
  clear(file);
  return ok;
}

void atomic_file_abort(atomic_file *file) {
  if (file->stream) fclose(file->stream);
  if (file->write_path && !file->in_place) unlink(file->write_path);
  clear(file);
}

bool atomic_file_commit_all(atomic_file *files, size_t count, bool ok, char *error,
                            size_t error_size) {
  for (size_t i = 0; i < count; i++) {
    if (!files[i].path) continue; /* not opened */
    if (ok)
      ok = atomic_file_commit(&files[i], error, error_size);
    else
      atomic_file_abort(&files[i]);
  }
  return ok;
}

void atomic_file_name_in_message(const atomic_file *files, size_t count, char *message,
                                 size_t message_size) {
  GString *text = g_string_new(message);
  for (size_t i = 0; i < count; i++)
    if (files[i].path && !files[i].in_place)
      g_string_replace(text, files[i].write_path, files[i].path, 0);
  snprintf(message, message_size, "%s", text->str);
  g_string_free(text, TRUE);
}
