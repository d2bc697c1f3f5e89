/* accounting-json.h - an accounting view as JSON, through the one JSON
 * writer: what ccgc_accounting_write writes for CCGC_REPORT_JSON, and what
 * `ccgc stats --format json` writes for each view inside its document.
 * Internal to libccgc (not exported; the tools reach it through the static
 * library, as they reach json-writer.h). */
#ifndef CCGC_ACCOUNTING_JSON_H
#define CCGC_ACCOUNTING_JSON_H

#include "ccgc-accounting.h"
#include "json-writer.h"

/* One JSON object: {"categories":[{"name","bytes","count","peak_bytes",
 * "allocations"}...],"total":{"bytes","count"}}, as the next value of json. */
void ccgc_accounting_write_json_view(ccgc_json_writer *json,
                                     const ccgc_accounting *accounting);

#endif /* CCGC_ACCOUNTING_JSON_H */
