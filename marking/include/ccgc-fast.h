/* ccgc-fast.h - ccgc_collector_safepoint inline (included by ccgc.h;
 * docs/scheduling.md "Polling").
 *
 * A host polls a safepoint in every allocation loop, and nearly every poll
 * finds nothing to run: the poll below is then three loads and three
 * compares in place - a live collector, its owner thread running host code
 * outside every callback (the gate's word against the thread's token,
 * ccgc-thread-token.h), and its poll word clear - as V8's interrupt check
 * is one load and a compare. The poll word is set whenever a collection, a
 * minor collection or an incremental cycle's pause is requested, and
 * cleared by the library's safepoint once nothing is
 * (.inv.safepoint-poll); anything else - a request, a NULL or freed
 * collector, another thread, a callback's context - calls the library
 * (ccgc_collector_safepoint_slow), which checks it all again and answers or
 * reports exactly as the call always did.
 *
 * NOT API: the constants and ccgc_collector_safepoint_slow are this
 * version's private layout and entry point, which the inline code compiled
 * into a host depends on. The signature below names the layout: a library
 * with another layout has another signature, so a host compiled against
 * other headers always takes the library's path - slower, never wrong.
 */
#ifndef CCGC_FAST_H
#define CCGC_FAST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ccgc-export.h"
#include "ccgc-thread-token.h"

/* The layout's version, in the collector's signature: a live collector's
 * 32-bit word at offset 0 ("CCG" and the version). */
#define CCGC_FAST_LAYOUT 1u
#define CCGC_FAST_SIG (0x43434700u | CCGC_FAST_LAYOUT)
/* The poll word (32 bits, nonzero: something may be due) and the gate's
 * `open` word (the owner's thread token while it runs host code outside
 * every callback, else 0); marking/collector.c asserts both offsets. */
#define CCGC_FAST_POLL_OFFSET 4
#define CCGC_FAST_GATE_OPEN_OFFSET 16

struct ccgc_collector;

CCGC_API
bool ccgc_collector_safepoint_slow(struct ccgc_collector *collector);

/* Runs a requested collection, if any (ccgc.h documents it). */
static inline __attribute__((always_inline)) bool
ccgc_collector_safepoint(struct ccgc_collector *collector) {
  const char *base = (const char *)(const void *)collector;
  if (__builtin_expect(
          base != NULL &&
              *(const uint32_t *)(const void *)base == CCGC_FAST_SIG &&
              __atomic_load_n((const uint32_t *)(const void *)(
                                  base + CCGC_FAST_POLL_OFFSET),
                              __ATOMIC_RELAXED) == 0 &&
              __atomic_load_n((const uintptr_t *)(const void *)(
                                  base + CCGC_FAST_GATE_OPEN_OFFSET),
                              __ATOMIC_RELAXED) == ccgc_thread_token(),
          1))
    return false;
  return ccgc_collector_safepoint_slow(collector);
}

#endif /* CCGC_FAST_H */
