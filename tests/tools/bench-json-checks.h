/* bench-json-checks.h - checks of the --json document of `ccgc bench` and
 * of the minimum mutator utilization rows its tables print
 * (bench-json-checks.c). */
#ifndef CCGC_TEST_BENCH_JSON_CHECKS_H
#define CCGC_TEST_BENCH_JSON_CHECKS_H

#include <glib.h>
#include <json-glib/json-glib.h>

/* A row of MMU at 1, 10 and 100 ms of a run of run_ms whose longest pause
 * is max_ms and whose pauses add up to total_ms (< 0: not known). */
void bench_check_mmu_row(const char *what, double run_ms, const double mmu[3],
                         double max_ms, double total_ms);
/* The MMU members of a result of `bench pauses` or `bench dom` (and none in
 * the others'). */
void bench_check_json_mmu(JsonObject *result);
/* The --json file at path is one well-formed document; benchmark: the name
 * run (NULL: the quick suite). Returns the set of bench names among the
 * results (free with g_hash_table_destroy). */
GHashTable *bench_check_json_document(const char *path, const char *benchmark);

#endif /* CCGC_TEST_BENCH_JSON_CHECKS_H */
