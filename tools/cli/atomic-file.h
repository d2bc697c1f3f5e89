/* atomic-file.h - an output file that is either written completely or left
 * as it was. The data goes to a temporary file beside the destination
 * (".NAME.XXXXXX" in the same directory, so that rename is atomic); every
 * write, fflush, fsync and fclose is checked, and the temporary is renamed
 * over the destination only when all succeeded; otherwise it is removed and
 * the destination keeps its old content (or stays absent). A destination that
 * exists and is not a regular file (/dev/null, /dev/full, a FIFO, a
 * terminal) is written in place: renaming over it would replace the device.
 *
 *   atomic_file out;
 *   char error[256];
 *   if (!atomic_file_open(&out, "build/demo/heap.json", true, error, sizeof error))
 *     ... error: "cannot write 'build/demo/heap.json': No such file or directory"
 *   fputs(text, out.stream);
 *   if (!atomic_file_commit(&out, error, sizeof error)) ... nothing left behind
 *
 * Writers that open a path themselves (graph_dump_write) get out.write_path
 * from atomic_file_open(..., false, ...); the commit then only renames.
 *
 * A symbolic link stays one: the temporary goes beside the link's target
 * and is renamed onto it. SIGINT, SIGTERM and SIGHUP remove the temporaries
 * still open (the first atomic_file_open installs the handler; the signal
 * then does what it did before: by default, ends the process). */
#ifndef CCGC_TOOLS_ATOMIC_FILE_H
#define CCGC_TOOLS_ATOMIC_FILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

typedef struct atomic_file {
  char *path;       /* the destination, as given */
  char *target;     /* what the temporary replaces: path, or its link's target */
  char *write_path; /* where the data goes: the temporary, or path itself */
  FILE *stream;     /* open for writing on write_path, or NULL */
  bool in_place;    /* the destination is not a regular file */
} atomic_file;

/* Creates the temporary (or opens a non-regular destination when `stream`
 * is true). False with "cannot write 'PATH': REASON" in error. */
bool atomic_file_open(atomic_file *file, const char *path, bool stream, char *error,
                      size_t error_size);

/* Flushes, syncs and closes the stream (if any), then renames the temporary
 * over the destination. False with the reason in error and the temporary
 * removed. Frees the file's strings either way. */
bool atomic_file_commit(atomic_file *file, char *error, size_t error_size);

/* Closes and removes the temporary: the destination is untouched. */
void atomic_file_abort(atomic_file *file);

/* Commits files[0 .. count) in order, or aborts all when `ok` is false;
 * after a failed commit the rest are aborted. True when all were committed;
 * error says why not, unless `ok` was false. */
bool atomic_file_commit_all(atomic_file *files, size_t count, bool ok, char *error,
                            size_t error_size);

/* Replaces each temporary path in message (a writer's error) by its
 * destination, so that the user reads the name they gave. */
void atomic_file_name_in_message(const atomic_file *files, size_t count, char *message,
                                 size_t message_size);

#endif
