/* ccgc-thread-token.h - the calling thread's token. Not API: what the
 * collector's gate compares (marking/gate.h: the owner thread, and whether
 * it runs host code outside every callback) and what the heaps' inline fast
 * paths compare the same way (v8ish-fast.h), so both must read the same
 * token.
 *
 * The token is the thread pointer (the %fs base on x86-64, TPIDR_EL0 on
 * AArch64): one load, no call, unique among the threads alive, in a shared
 * library as in a program. (A thread-local byte's address, the token before,
 * is a call to __tls_get_addr from code compiled into a host.)
 */
#ifndef CCGC_THREAD_TOKEN_H
#define CCGC_THREAD_TOKEN_H

#include <stdint.h>

static inline uintptr_t ccgc_thread_token(void) {
  return (uintptr_t)__builtin_thread_pointer();
}

#endif /* CCGC_THREAD_TOKEN_H */
