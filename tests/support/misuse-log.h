/* misuse-log.h - an error handler for the threading and reclamation suites:
 * records every report (code, rule tag, message) instead of aborting, from
 * any thread (a mutex orders the marker threads' reports), for the test to
 * read once the collector is quiet. */
#ifndef MISUSE_LOG_H
#define MISUSE_LOG_H

#include <pthread.h>

#include "ccgc.h"

#define MISUSE_LOG_MAX 32

typedef struct misuse_entry {
  ccgc_status code;
  char check[48]; /* "" for errors without a rule */
  char message[CCGC_ERROR_MESSAGE_MAX];
} misuse_entry;

typedef struct misuse_log {
  pthread_mutex_t lock;
  unsigned count; /* reports, also past MISUSE_LOG_MAX */
  misuse_entry entries[MISUSE_LOG_MAX];
} misuse_log;

/* Installs the recording handler on collector (log zeroed first). */
void misuse_log_install(ccgc_collector *collector, misuse_log *log);
/* Forgets every report so far. */
void misuse_log_clear(misuse_log *log);
/* Entry i (0: the first report), or NULL. */
const misuse_entry *misuse_log_entry(misuse_log *log, unsigned i);
/* The first report whose message contains `needle`, or NULL. */
const misuse_entry *misuse_log_find(misuse_log *log, const char *needle);
unsigned misuse_log_count(misuse_log *log);

#endif
