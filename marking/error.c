/* error.c - status names and the error sink (ccgc-error.h). */
#include "ccgc-error.h"
#include "invariant-check.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const status_names[CCGC_STATUS_COUNT] = {
    [CCGC_OK] = "ok",
    [CCGC_E_INVALID_ARGUMENT] = "invalid argument",
    [CCGC_E_FOREIGN_POINTER] = "foreign pointer",
    [CCGC_E_DEAD_HANDLE] = "dead handle",
    [CCGC_E_DEAD_OBJECT] = "dead object",
    [CCGC_E_WRAPPER_CONFLICT] = "wrapper conflict",
    [CCGC_E_SIZE_OVERFLOW] = "size overflow",
    [CCGC_E_HEAP_LIMIT] = "heap limit reached",
    [CCGC_E_OUT_OF_MEMORY] = "out of memory",
    [CCGC_E_WRONG_TYPE] = "wrong type",
    [CCGC_E_IN_COLLECTION] = "illegal during a collection",
    [CCGC_E_PARSE] = "parse error",
    [CCGC_E_IO] = "input/output error",
    [CCGC_E_WRONG_THREAD] = "wrong thread",
};

const char *ccgc_status_name(ccgc_status status) {
  if ((unsigned)status >= CCGC_STATUS_COUNT) return "unknown status";
  return status_names[status];
}

void ccgc_error_sink_init(ccgc_error_sink *sink) {
  memset(sink, 0, sizeof *sink);
  sink->handler = ccgc_error_abort_handler;
}

void ccgc_error_clear(ccgc_error_sink *sink) {
  sink->last.code = CCGC_OK;
  sink->last.message[0] = '\0';
  sink->last.check = NULL; /* not misuse: ccgc-error.h */
}

static void record(ccgc_error_sink *sink, ccgc_status code, const char *check,
                   const char *fmt, va_list args) {
  sink->last.code = code;
  sink->last.check = check;
  vsnprintf(sink->last.message, sizeof sink->last.message, fmt, args);
  sink->count++;
}

ccgc_status ccgc_error_set(ccgc_error_sink *sink, ccgc_status code,
                           const char *fmt, ...) {
  va_list args;
  va_start(args, fmt);
  record(sink, code, NULL, fmt, args);
  va_end(args);
  return code;
}

static ccgc_status report(ccgc_error_sink *sink, ccgc_status code,
                          const char *check, const char *fmt, va_list args) {
  record(sink, code, check, fmt, args);
  if (sink->handler) sink->handler(&sink->last, sink->handler_data);
  return code;
}

ccgc_status ccgc_error_refuse(ccgc_error_sink *sink, ccgc_status code,
                              const char *check, const char *fmt, ...) {
  va_list args;
  va_start(args, fmt);
  ccgc_status status = report(sink, code, check, fmt, args);
  va_end(args);
  return status;
}

ccgc_status ccgc_error_misuse(ccgc_error_sink *sink, ccgc_status code,
                              const char *fmt, ...) {
  va_list args;
  va_start(args, fmt);
  ccgc_status status = report(sink, code, NULL, fmt, args);
  va_end(args);
  return status;
}

void ccgc_error_abort_handler(const ccgc_error *error, void *data) {
  (void)data;
  if (error->check)
    fprintf(stderr, "ccgc: %s (%s; %s)\n", error->message,
            ccgc_status_name(error->code), error->check);
  else
    fprintf(stderr, "ccgc: %s (%s)\n", error->message,
            ccgc_status_name(error->code));
  fflush(stderr);
  abort();
}

_Noreturn void ccgc_check_failed(const char *tag, const char *condition,
                                 const char *file, int line) {
  fprintf(stderr, "ccgc: internal check %s failed: %s (%s:%d)\n", tag,
          condition, file, line);
  fflush(stderr);
  abort();
}
