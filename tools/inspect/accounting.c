/* accounting.c - categories with lock-free, cache-line-sized counters
 * (ccgc-accounting.h). */
#include <glib.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "accounting-json.h"
#include "ccgc-accounting.h"
#include "json-writer.h"

#define CACHE_LINE 64

typedef struct category_counters {
  _Atomic int64_t bytes;
  _Atomic int64_t count;
  _Atomic int64_t peak_bytes;
  _Atomic uint64_t allocations;
} __attribute__((aligned(CACHE_LINE))) category_counters;

_Static_assert(sizeof(category_counters) == CACHE_LINE,
               "one category per cache line");

struct ccgc_accounting {
  category_counters *counters; /* capacity entries, cache-line aligned */
  char **names;                /* capacity entries */
  size_t capacity;
  _Atomic size_t count;        /* categories in use */
  GHashTable *by_name;         /* name -> id + 1, under lock */
  pthread_mutex_t lock;
};

ccgc_accounting *ccgc_accounting_new(size_t capacity) {
  if (capacity == 0) capacity = 1;
  ccgc_accounting *accounting = calloc(1, sizeof *accounting);
  if (!accounting) return NULL;
  accounting->counters = aligned_alloc(CACHE_LINE, capacity * CACHE_LINE);
  accounting->names = calloc(capacity, sizeof(char *));
  if (!accounting->counters || !accounting->names) {
    free(accounting->counters);
    free(accounting->names);
    free(accounting);
    return NULL;
  }
  memset(accounting->counters, 0, capacity * CACHE_LINE);
  accounting->capacity = capacity;
  accounting->by_name = g_hash_table_new(g_str_hash, g_str_equal);
  pthread_mutex_init(&accounting->lock, NULL);
  accounting->names[0] = strdup("other");
  g_hash_table_insert(accounting->by_name, accounting->names[0],
                      GSIZE_TO_POINTER(1));
  atomic_init(&accounting->count, 1);
  return accounting;
}

void ccgc_accounting_free(ccgc_accounting *accounting) {
  if (!accounting) return;
  size_t count = atomic_load(&accounting->count);
  for (size_t i = 0; i < count; i++) free(accounting->names[i]);
  free(accounting->names);
  free(accounting->counters);
  g_hash_table_destroy(accounting->by_name);
  pthread_mutex_destroy(&accounting->lock);
  free(accounting);
}

ccgc_category ccgc_accounting_find(ccgc_accounting *accounting,
                                   const char *name) {
  if (!accounting || !name) return CCGC_CATEGORY_OTHER;
  pthread_mutex_lock(&accounting->lock);
  size_t found = GPOINTER_TO_SIZE(g_hash_table_lookup(accounting->by_name, name));
  pthread_mutex_unlock(&accounting->lock);
  return found ? (ccgc_category)(found - 1) : CCGC_CATEGORY_OTHER;
}

ccgc_category ccgc_accounting_category(ccgc_accounting *accounting,
                                       const char *name) {
  if (!accounting || !name || !*name) return CCGC_CATEGORY_OTHER;
  pthread_mutex_lock(&accounting->lock);
  size_t found = GPOINTER_TO_SIZE(g_hash_table_lookup(accounting->by_name, name));
  if (found) {
    pthread_mutex_unlock(&accounting->lock);
    return (ccgc_category)(found - 1);
  }
  size_t id = atomic_load(&accounting->count);
  char *copy = id < accounting->capacity ? strdup(name) : NULL;
  if (!copy) { /* full, or out of memory: fall back, never fail */
    pthread_mutex_unlock(&accounting->lock);
    return CCGC_CATEGORY_OTHER;
  }
  accounting->names[id] = copy;
  g_hash_table_insert(accounting->by_name, copy, GSIZE_TO_POINTER(id + 1));
  atomic_store_explicit(&accounting->count, id + 1, memory_order_release);
  pthread_mutex_unlock(&accounting->lock);
  return (ccgc_category)id;
}

size_t ccgc_accounting_category_count(const ccgc_accounting *accounting) {
  if (!accounting) return 0;
  return atomic_load_explicit(&((ccgc_accounting *)accounting)->count,
                              memory_order_acquire);
}

static category_counters *counters_of(ccgc_accounting *accounting,
                                      ccgc_category category) {
  if (category >= ccgc_accounting_category_count(accounting))
    category = CCGC_CATEGORY_OTHER;
  return &accounting->counters[category];
}

static void raise_peak(category_counters *counters, int64_t now) {
  int64_t peak = atomic_load_explicit(&counters->peak_bytes, memory_order_relaxed);
  while (now > peak &&
         !atomic_compare_exchange_weak_explicit(&counters->peak_bytes, &peak, now,
                                                memory_order_relaxed,
                                                memory_order_relaxed)) {
  }
}

void ccgc_accounting_add(ccgc_accounting *accounting, ccgc_category category,
                         int64_t bytes, int64_t count) {
  if (!accounting) return;
  category_counters *counters = counters_of(accounting, category);
  int64_t now = atomic_fetch_add_explicit(&counters->bytes, bytes,
                                          memory_order_relaxed) + bytes;
  atomic_fetch_add_explicit(&counters->count, count, memory_order_relaxed);
  if (bytes > 0) {
    atomic_fetch_add_explicit(&counters->allocations, 1, memory_order_relaxed);
    raise_peak(counters, now);
  }
}

void ccgc_accounting_set(ccgc_accounting *accounting, ccgc_category category,
                         int64_t bytes, int64_t count) {
  if (!accounting) return;
  category_counters *counters = counters_of(accounting, category);
  atomic_store_explicit(&counters->bytes, bytes, memory_order_relaxed);
  atomic_store_explicit(&counters->count, count, memory_order_relaxed);
  raise_peak(counters, bytes);
}

bool ccgc_accounting_get(const ccgc_accounting *accounting,
                         ccgc_category category, ccgc_category_stats *stats) {
  if (!accounting || !stats ||
      category >= ccgc_accounting_category_count(accounting))
    return false;
  category_counters *counters = &accounting->counters[category];
  stats->name = accounting->names[category];
  stats->bytes = atomic_load_explicit(&counters->bytes, memory_order_relaxed);
  stats->count = atomic_load_explicit(&counters->count, memory_order_relaxed);
  stats->peak_bytes =
      atomic_load_explicit(&counters->peak_bytes, memory_order_relaxed);
  stats->total_allocations =
      atomic_load_explicit(&counters->allocations, memory_order_relaxed);
  return true;
}

int64_t ccgc_accounting_total_bytes(const ccgc_accounting *accounting) {
  int64_t total = 0;
  if (!accounting) return 0;
  size_t count = ccgc_accounting_category_count(accounting);
  for (size_t i = 0; i < count; i++)
    total += atomic_load_explicit(&accounting->counters[i].bytes,
                                  memory_order_relaxed);
  return total;
}

static void write_csv_field(FILE *out, const char *text) {
  if (!strpbrk(text, ",\"\n\r")) {
    fputs(text, out);
    return;
  }
  fputc('"', out);
  for (const char *at = text; *at; at++) {
    if (*at == '"') fputc('"', out);
    fputc(*at, out);
  }
  fputc('"', out);
}

void ccgc_accounting_write_json_view(ccgc_json_writer *json,
                                     const ccgc_accounting *accounting) {
  int64_t total_bytes = 0, total_count = 0;
  ccgc_category_stats stats;
  ccgc_json_writer_begin_object(json);
  ccgc_json_writer_member_begin_array(json, "categories");
  for (size_t i = 0; i < ccgc_accounting_category_count(accounting); i++) {
    ccgc_accounting_get(accounting, (ccgc_category)i, &stats);
    total_bytes += stats.bytes;
    total_count += stats.count;
    ccgc_json_writer_begin_object(json);
    ccgc_json_writer_member_string(json, "name", stats.name);
    ccgc_json_writer_member_int(json, "bytes", stats.bytes);
    ccgc_json_writer_member_int(json, "count", stats.count);
    ccgc_json_writer_member_int(json, "peak_bytes", stats.peak_bytes);
    ccgc_json_writer_member_uint(json, "allocations", stats.total_allocations);
    ccgc_json_writer_end_object(json);
  }
  ccgc_json_writer_end_array(json);
  ccgc_json_writer_member_begin_object(json, "total");
  ccgc_json_writer_member_int(json, "bytes", total_bytes);
  ccgc_json_writer_member_int(json, "count", total_count);
  ccgc_json_writer_end_object(json);
  ccgc_json_writer_end_object(json);
}

int ccgc_accounting_write(const ccgc_accounting *accounting, FILE *out,
                          ccgc_report_format format) {
  if (!accounting || !out) return -1;
  size_t count = ccgc_accounting_category_count(accounting);
  int64_t total_bytes = 0, total_count = 0;
  ccgc_category_stats stats;
  switch (format) {
  case CCGC_REPORT_TABLE:
    fprintf(out, "%-40s %14s %10s %14s %12s\n", "category", "bytes", "count",
            "peak bytes", "allocations");
    for (size_t i = 0; i < count; i++) {
      ccgc_accounting_get(accounting, (ccgc_category)i, &stats);
      total_bytes += stats.bytes;
      total_count += stats.count;
      fprintf(out, "%-40s %14" PRId64 " %10" PRId64 " %14" PRId64 " %12" PRIu64 "\n",
              stats.name, stats.bytes, stats.count, stats.peak_bytes,
              stats.total_allocations);
    }
    fprintf(out, "%-40s %14" PRId64 " %10" PRId64 "\n", "total", total_bytes,
            total_count);
    break;
  case CCGC_REPORT_JSON: {
    /* Through the one JSON writer (json-writer.h): names are escaped and
     * made valid UTF-8, whatever bytes a host gave. */
    ccgc_json_writer *json = ccgc_json_writer_new_file(out, 0);
    ccgc_accounting_write_json_view(json, accounting);
    ccgc_status status = ccgc_json_writer_finish(json);
    ccgc_json_writer_free(json);
    if (status != CCGC_OK) return -1;
    break;
  }
  case CCGC_REPORT_CSV:
    fputs("category,bytes,count,peak_bytes,allocations\n", out);
    for (size_t i = 0; i < count; i++) {
      ccgc_accounting_get(accounting, (ccgc_category)i, &stats);
      write_csv_field(out, stats.name);
      fprintf(out, ",%" PRId64 ",%" PRId64 ",%" PRId64 ",%" PRIu64 "\n",
              stats.bytes, stats.count, stats.peak_bytes,
              stats.total_allocations);
    }
    break;
  }
  /* Flushed: on a buffered stream a failed write shows only then (the
   * table and CSV said 0 on /dev/full: found by an audit). */
  return fflush(out) != 0 || ferror(out) ? -1 : 0;
}
