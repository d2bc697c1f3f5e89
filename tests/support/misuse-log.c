/* misuse-log.c - see misuse-log.h. */
#include "misuse-log.h"

#include <stdio.h>
#include <string.h>

static void record(const ccgc_error *error, void *data) {
  misuse_log *log = data;
  pthread_mutex_lock(&log->lock);
  if (log->count < MISUSE_LOG_MAX) {
    misuse_entry *entry = &log->entries[log->count];
    entry->code = error->code;
    snprintf(entry->check, sizeof entry->check, "%s",
             error->check ? error->check : "");
    snprintf(entry->message, sizeof entry->message, "%s", error->message);
  }
  log->count++;
  pthread_mutex_unlock(&log->lock);
}

void misuse_log_install(ccgc_collector *collector, misuse_log *log) {
  memset(log, 0, sizeof *log);
  pthread_mutex_init(&log->lock, NULL);
  ccgc_collector_set_error_handler(collector, record, log);
}

void misuse_log_clear(misuse_log *log) {
  pthread_mutex_lock(&log->lock);
  log->count = 0;
  memset(log->entries, 0, sizeof log->entries);
  pthread_mutex_unlock(&log->lock);
}

const misuse_entry *misuse_log_entry(misuse_log *log, unsigned i) {
  pthread_mutex_lock(&log->lock);
  const misuse_entry *entry =
      i < log->count && i < MISUSE_LOG_MAX ? &log->entries[i] : NULL;
  pthread_mutex_unlock(&log->lock);
  return entry;
}

const misuse_entry *misuse_log_find(misuse_log *log, const char *needle) {
  const misuse_entry *found = NULL;
  pthread_mutex_lock(&log->lock);
  for (unsigned i = 0; i < log->count && i < MISUSE_LOG_MAX && !found; i++)
    if (strstr(log->entries[i].message, needle)) found = &log->entries[i];
  pthread_mutex_unlock(&log->lock);
  return found;
}

unsigned misuse_log_count(misuse_log *log) {
  pthread_mutex_lock(&log->lock);
  unsigned count = log->count;
  pthread_mutex_unlock(&log->lock);
  return count;
}
