/* ccgc-error.h - status codes and API-misuse reporting shared by every module.
 *
 * Two kinds of failure reach the host:
 *  - recoverable conditions (heap limit, size overflow, out of memory, a
 *    call made during a collection where docs/errors.md says so): the call
 *    returns NULL / a status and records the error, which the host reads
 *    with ccgc_collector_last_error();
 *  - misuse (a handle used after its scope closed, a store into a dead
 *    object, a pointer no heap of the collector owns, an unknown type id;
 *    the table in docs/errors.md lists every case): the call reports through the
 *    collector's error handler. The default handler prints the message to
 *    stderr and aborts (documented in docs/errors.md). A host that installs its
 *    own handler gets control back and the call returns a neutral value without
 *    touching the heap.
 *
 * Every message names the API call and the problem, e.g.
 *   "v8ish_object_get: handle used after its scope closed".
 *
 * Threading contract: ccgc_status_name, from any thread. A sink (the
 * collector's: ccgc_collector_last_error) is written by the calls of its
 * collector, on the owner thread, and by refused calls from other threads,
 * serialized among themselves; the handler runs on the thread of the
 * refused call. The sink functions below are for the library and for
 * hosts' own sinks: one thread at a time per sink.
 */
#ifndef CCGC_ERROR_H
#define CCGC_ERROR_H

#include <stdarg.h>

#include "ccgc-export.h"

typedef enum ccgc_status {
  CCGC_OK = 0,
  CCGC_E_INVALID_ARGUMENT,  /* NULL where an object is required, bad option  */
  CCGC_E_FOREIGN_POINTER,   /* a pointer that no heap of this collector owns */
  CCGC_E_DEAD_HANDLE,       /* a handle used after its scope/global died     */
  CCGC_E_DEAD_OBJECT,       /* a store into / read of a reclaimed object     */
  CCGC_E_WRAPPER_CONFLICT,  /* a second, different wrapper for a DOM object  */
  CCGC_E_SIZE_OVERFLOW,     /* a requested size overflows                    */
  CCGC_E_HEAP_LIMIT,        /* the heap reached its configured limit         */
  CCGC_E_OUT_OF_MEMORY,     /* the operating system refused memory           */
  CCGC_E_WRONG_TYPE,        /* an object of the wrong kind for this call     */
  CCGC_E_IN_COLLECTION,     /* a call that is illegal during a collection    */
  CCGC_E_PARSE,             /* malformed input file                          */
  CCGC_E_IO,                /* input file unreadable                         */
  CCGC_E_WRONG_THREAD,      /* called from a thread that does not own the
                               collector (a marker thread, another thread)   */
  CCGC_STATUS_COUNT
} ccgc_status;

#define CCGC_ERROR_MESSAGE_MAX 256

typedef struct ccgc_error {
  ccgc_status code;
  char message[CCGC_ERROR_MESSAGE_MAX];
  /* For misuse: the tag of the API rule or invariant the call broke, as
   * docs/invariants.md writes it (".api.live-handle"); NULL otherwise. */
  const char *check;
} ccgc_error;

/* A handler receives every reported error. It may return (the failing call
 * then returns its neutral value) or not return (abort, longjmp). Jumping
 * out is safe for a call the host made itself; for misuse inside a
 * collection or a callback of one (a finalizer, a listener, a weak
 * callback) it leaves the collection unfinished and the collector busy for
 * good: return from those, or abort. */
typedef void (*ccgc_error_handler)(const ccgc_error *error, void *data);

/* The sink an error goes to: one per collector, shared by its heaps. */
typedef struct ccgc_error_sink {
  ccgc_error last;
  ccgc_error_handler handler; /* NULL: record only (recoverable errors) */
  void *handler_data;
  unsigned long count;        /* errors reported since creation */
} ccgc_error_sink;

CCGC_API
const char *ccgc_status_name(ccgc_status status);

/* Records a recoverable error: stored in sink->last, returned code. Does not
 * call the handler. */
CCGC_API
ccgc_status ccgc_error_set(ccgc_error_sink *sink, ccgc_status code,
                           const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Reports API misuse: records it and calls the handler (default: print and
 * abort). Returns the code if the handler returned. check is the tag of the
 * rule broken (docs/invariants.md); the library calls it through
 * CCGC_MISUSE. ccgc_error_misuse is the same without a tag. */
CCGC_API
ccgc_status ccgc_error_refuse(ccgc_error_sink *sink, ccgc_status code,
                              const char *check, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
CCGC_API
ccgc_status ccgc_error_misuse(ccgc_error_sink *sink, ccgc_status code,
                              const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* A sink with no error (code CCGC_OK), count 0 and the default handler
 * (ccgc_error_abort_handler); set sink->handler to NULL to record only. */
CCGC_API
void ccgc_error_sink_init(ccgc_error_sink *sink);
/* Forgets the last error (code CCGC_OK, empty message, check NULL); count
 * stays. */
CCGC_API
void ccgc_error_clear(ccgc_error_sink *sink);

/* The default handler: prints "ccgc: <message> (<status>; <check>)" to
 * stderr and aborts. */
CCGC_API
void ccgc_error_abort_handler(const ccgc_error *error, void *data);

#endif /* CCGC_ERROR_H */
