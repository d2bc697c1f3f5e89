/* invariant-check.h - the one family of checks in the library. Each names the tag of
 * the invariant or API rule it enforces, written once in docs/invariants.md
 * (MPS's check.h and design tags are the model).
 *
 *   CCGC_CHECK(cond, ".inv.tag")        always on. An internal invariant cheap
 *                                       enough for every build; off hot paths.
 *                                       Failure is a library bug: prints the
 *                                       tag, the condition and the place, and
 *                                       aborts.
 *   CCGC_CHECK_DEBUG(cond, ".inv.tag")  CCGC_DEBUG builds only (the sanitizer
 *                                       builds, -DCCGC_DEBUG_CHECKS=ON): costly
 *                                       checks and checks on hot paths
 *                                       (allocation, barrier, mark loop,
 *                                       sweep). Elsewhere the condition is
 *                                       type-checked but never evaluated.
 *   CCGC_MISUSE(sink, code, ".api.tag", fmt, ...)
 *                                       always on. The host broke the API
 *                                       contract: the error (code, message,
 *                                       tag) goes to the collector's error
 *                                       handler (abort by default; a host
 *                                       handler gets control back) and the
 *                                       expression's value is code, so the
 *                                       call can return it. No hidden return.
 *   CCGC_DEBUG_ENABLED                  1 in CCGC_DEBUG builds, else 0: debug
 *                                       work (poisoning freed memory) is
 *                                       written `if (CCGC_DEBUG_ENABLED) ...`,
 *                                       never as #ifdef inside a function.
 *
 * Recoverable conditions (heap limit, out of memory, a foreign pointer where
 * a status can say so) are not checks: ccgc_error_set records them.
 */
#ifndef CCGC_INVARIANT_CHECK_H
#define CCGC_INVARIANT_CHECK_H

#include <stdint.h>

#include "ccgc-error.h"

#ifdef CCGC_DEBUG
#define CCGC_DEBUG_ENABLED 1
#else
#define CCGC_DEBUG_ENABLED 0
#endif

/* Prints "ccgc: internal check <tag> failed: <condition> (file:line)" and
 * aborts. */
_Noreturn void ccgc_check_failed(const char *tag, const char *condition,
                                 const char *file, int line);

#define CCGC_CHECK(cond, tag)                                         \
  (__builtin_expect(!!(cond), 1)                                      \
       ? (void)0                                                      \
       : ccgc_check_failed(tag, #cond, __FILE__, __LINE__))

#if CCGC_DEBUG_ENABLED
#define CCGC_CHECK_DEBUG(cond, tag) CCGC_CHECK(cond, tag)
#else
#define CCGC_CHECK_DEBUG(cond, tag) ((void)sizeof(!(cond)))
#endif

#define CCGC_MISUSE(sink, code, tag, ...) \
  ccgc_error_refuse((sink), (code), (tag), __VA_ARGS__)

/* .sig: a structure handed to the host stays well below malloc's mmap
 * threshold (glibc's default: 128 KiB, for the request plus malloc's header,
 * and it only rises), so with glibc's defaults freeing it leaves the memory
 * mapped and a later call reads the wiped signature instead of faulting (best
 * effort: a program that lowers the threshold loses it). */
#define CCGC_SIG_STRUCT_MAX ((size_t)120 * 1024)

/* .sig: wipes a signature before its structure is freed. A plain store just
 * before free() is a dead store the compiler removes (GCC did: a freed heap
 * kept its signature and a second free was followed). */
static inline void ccgc_sig_wipe(uint32_t *sig) { *(volatile uint32_t *)sig = 0; }

#endif /* CCGC_INVARIANT_CHECK_H */
