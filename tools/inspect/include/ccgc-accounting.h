/* ccgc-accounting.h - memory accounting by category, in the spirit of
 * HotSpot's Native Memory Tracking.
 *
 * Categories are created at run time by name ("script/old-space",
 * "dom/type/HTMLDivElement", or the host's own "host/image-cache"); each has
 * lock-free counters on a cache line of its own (no false sharing between
 * categories updated by different threads). A name-to-category table maps
 * names to small integer ids; when it is full, or memory runs out, new names
 * fall back to the "other" category instead of failing.
 *
 *   ccgc_accounting *acct = ccgc_accounting_new(256);
 *   ccgc_category cat = ccgc_accounting_category(acct, "host/cache");
 *   ccgc_accounting_add(acct, cat, +4096, +1);     allocation
 *   ccgc_accounting_add(acct, cat, -4096, -1);     release
 *   ccgc_accounting_write(acct, stdout, CCGC_REPORT_JSON);
 *   ccgc_accounting_free(acct);
 *
 * Threading contract: a table belongs to no collector and may be shared by
 * threads. ccgc_accounting_category and _find take the table's lock; _add,
 * _set, _get, _total_bytes, _category_count and _write use atomic counters
 * (a report taken while others add is a mix of moments, each counter
 * exact); any thread, any time, also from a collector's callbacks.
 * ccgc_accounting_free only once no other thread uses the table.
 *
 * A NULL table (or NULL stats, NULL stream) is not a table: the call does
 * nothing and returns its neutral value (CCGC_CATEGORY_OTHER, 0, false,
 * -1).
 */
#ifndef CCGC_ACCOUNTING_H
#define CCGC_ACCOUNTING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "ccgc-export.h"

typedef struct ccgc_accounting ccgc_accounting;
typedef uint32_t ccgc_category;

#define CCGC_CATEGORY_OTHER ((ccgc_category)0) /* always exists: "other" */

typedef struct ccgc_category_stats {
  const char *name;
  int64_t bytes;        /* current */
  int64_t count;        /* current number of blocks/objects */
  int64_t peak_bytes;
  uint64_t total_allocations; /* positive adds */
} ccgc_category_stats;

typedef enum ccgc_report_format {
  CCGC_REPORT_TABLE,
  CCGC_REPORT_JSON,
  CCGC_REPORT_CSV,
} ccgc_report_format;

/* capacity: how many categories the table can hold, "other" included (at
 * least 1). */
CCGC_API
ccgc_accounting *ccgc_accounting_new(size_t capacity);
CCGC_API
void ccgc_accounting_free(ccgc_accounting *accounting);
/* The category of that name, created if new; CCGC_CATEGORY_OTHER when the
 * table is full or name is NULL/empty. Takes a lock: call once and keep the
 * id. */
CCGC_API
ccgc_category ccgc_accounting_category(ccgc_accounting *accounting,
                                       const char *name);
/* The id of an existing category, or CCGC_CATEGORY_OTHER. */
CCGC_API
ccgc_category ccgc_accounting_find(ccgc_accounting *accounting,
                                   const char *name);
/* Categories created so far, `other` included (ids 0 to count - 1). */
CCGC_API
size_t ccgc_accounting_category_count(const ccgc_accounting *accounting);
/* Lock-free, any thread. */
CCGC_API
void ccgc_accounting_add(ccgc_accounting *accounting, ccgc_category category,
                         int64_t bytes, int64_t count);
/* Sets a category's bytes and count (a gauge filled from a walk), raising
 * its peak if bytes is above it; the allocation count is unchanged. An
 * unknown id counts in `other`, as for add. Lock-free, any thread. */
CCGC_API
void ccgc_accounting_set(ccgc_accounting *accounting, ccgc_category category,
                         int64_t bytes, int64_t count);
/* Fills stats for category (name stays valid while accounting lives). */
CCGC_API
bool ccgc_accounting_get(const ccgc_accounting *accounting,
                         ccgc_category category, ccgc_category_stats *stats);
/* The sum of every category's bytes. */
CCGC_API
int64_t ccgc_accounting_total_bytes(const ccgc_accounting *accounting);
/* Writes a report: a human table, JSON ({"categories":[...],"total":{...}})
 * or CSV (header category,bytes,count,peak_bytes,allocations). Categories
 * in creation order; "other" first. Returns 0, or -1 on a write error (or
 * a NULL table or stream). */
CCGC_API
int ccgc_accounting_write(const ccgc_accounting *accounting, FILE *out,
                          ccgc_report_format format);

#endif /* CCGC_ACCOUNTING_H */
