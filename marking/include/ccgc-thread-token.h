/* ccgc-thread-token.h - the calling thread's token. Not API: what the
 * collector's gate compares (marking/gate.h: the owner thread, and whether
 * it runs host code outside every callback) and what the heaps' inline fast
 * paths compare the same way (v8ish-fast.h), so both must read the same
 * token.
 *
 * The token is the thread pointer (the %fs base on x86-64, TPIDR_EL0 on
 * AArch64): one load, no call, unique among the threads alive, in a shared
 * library as in a program. (A thread-local byte's address, the token before,
 * is a call to __tls_get_addr from code compiled into a host.) The library
 * is built with it (GCC 11 or later, Clang 14 or later); a host compiler
 * without it gets a token that never matches, so the inline calls always
 * take the library's path.
 */
#ifndef CCGC_THREAD_TOKEN_H
#define CCGC_THREAD_TOKEN_H

#include <stdint.h>

#if defined(__has_builtin)
#if __has_builtin(__builtin_thread_pointer) &&                          \
    (defined(__x86_64__) || defined(__aarch64__)) &&                     \
    (!defined(__clang__) || __clang_major__ >= 14)
#define CCGC_THREAD_POINTER 1
#endif
#endif

#if defined(CCGC_THREAD_POINTER)
static inline uintptr_t ccgc_thread_token(void) {
  return (uintptr_t)__builtin_thread_pointer();
}
#elif defined(CCGC_BUILDING_LIBRARY)
#error "ccgc needs __builtin_thread_pointer (GCC 11 or Clang 14, x86-64 or AArch64)"
#else
/* A host compiler without the builtin (or one that miscompiles it: Clang
 * before 14 on x86-64): a token no thread has (the gate's word is a thread
 * pointer or 0), so every inline call takes the library's path, which
 * compares the library's own token. Slower, never wrong. */
static inline uintptr_t ccgc_thread_token(void) { return 1; }
#endif

#endif /* CCGC_THREAD_TOKEN_H */
