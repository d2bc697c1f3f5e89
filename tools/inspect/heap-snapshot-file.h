/* heap-snapshot-file.h - inside the heap-snapshot writer: the stream writer
 * both public calls share (heap-snapshot.c), which the file writer
 * (heap-snapshot-file.c) calls on its temporary file. */
#ifndef CCGC_TOOLS_HEAP_SNAPSHOT_FILE_H
#define CCGC_TOOLS_HEAP_SNAPSHOT_FILE_H

#include <stdio.h>

#include "ccgc-snapshot.h"

/* ccgc_heap_snapshot_write, its errors naming call. */
ccgc_status ccgc_heap_snapshot_write_stream(ccgc_collector *collector, ccgc_heap_snapshot_ids *ids,
                                            FILE *out, const ccgc_heap_snapshot_options *options,
                                            ccgc_heap_snapshot_stats *stats, const char *call);

#endif
