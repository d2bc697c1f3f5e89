/* raw-values.c - raw values: tagged values read without handles for
 * read-only walks, valid until the heap's next collection or object move
 * (v8ish.h, "Raw values"; docs/raw-values.md).
 *
 * The epoch (heap->fast.raw_epoch) is the whole mechanism. Every raw value
 * carries the epoch it was read in; the heap advances its epoch before
 * anything of it moves or is freed - at the start of a minor collection,
 * in a full collection's pause before weak references are cleared and
 * pages compacted or swept, and by a left trim - so a raw value that
 * passes the compare names an object that has been live and in place since
 * it was read (.inv.raw-epoch). Raw values are made and used only by host
 * code outside collector callbacks (the gate open), so none names an
 * object a collection already found dead: those are visible only from the
 * reclamation's callbacks.
 *
 * This file is the inline calls' slow side (v8ish-fast.h): it checks
 * everything again and reports what the fast path left.
 */
#include <sys/random.h>
#include <time.h>

#include "checks-inl.h"
#include "invariant-check.h"

uint64_t v8ish_heap_random(const v8ish_heap *heap) {
  uint64_t bits;
  if (getrandom(&bits, sizeof bits, GRND_NONBLOCK) == (ssize_t)sizeof bits)
    return bits;
  struct timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  bits = (uint64_t)now.tv_nsec ^ (uint64_t)now.tv_sec << 30 ^
         (uint64_t)(uintptr_t)heap;
  return bits * 0x9E3779B97F4A7C15u;
}

void v8ish_raw_epoch_init(v8ish_heap *heap) {
  /* Random, so a raw value of another heap (or of a freed one) matches
   * this heap's epoch only by a 2^-63 chance. */
  heap->fast.raw_epoch = v8ish_heap_random(heap) | 1;
}

void v8ish_raw_epoch_advance(v8ish_heap *heap) {
  heap->fast.raw_epoch += 1;
  heap->fast.raw_epoch += heap->fast.raw_epoch == 0; /* 0 is the empty one's */
}

/* The entry check of every raw call: the owner thread (else
 * CCGC_E_WRONG_THREAD) outside every collector callback. */
static bool raw_enter(v8ish_heap *heap, const char *call) {
  if (!v8ish_enter(heap, CCGC_CALL_READ, call)) return false;
  if (__builtin_expect(ccgc_gate_open(heap->base.gate), 1)) return true;
  CCGC_MISUSE(heap->base.errors, CCGC_E_IN_COLLECTION, ".api.raw-values",
              "%s: raw values are for host code outside collector "
              "callbacks, not %s (use handles there)",
              call, ccgc_collector_context_name(heap->base.collector));
  return false;
}

/* .inv.raw-epoch: the raw value was read in this heap's current epoch. */
static bool raw_current(v8ish_heap *heap, v8ish_raw raw, const char *call) {
  if (__builtin_expect(raw.epoch == heap->fast.raw_epoch, 1)) return true;
  if (raw.epoch == 0)
    CCGC_MISUSE(heap->base.errors, CCGC_E_DEAD_HANDLE, ".api.raw-values",
                "%s: the empty raw value", call);
  else
    CCGC_MISUSE(heap->base.errors, CCGC_E_DEAD_HANDLE, ".api.raw-values",
                "%s: a raw value read before the heap's last collection or "
                "left trim, or of another heap: read it again from a handle",
                call);
  return false;
}

/* A FixedArray's or an Array's element store and length, else NULL after
 * reporting. */
static word_t *raw_elements(v8ish_heap *heap, v8ish_raw array, size_t *length,
                            const char *call) {
  *length = 0;
  if (!raw_enter(heap, call) || !raw_current(heap, array, call)) return NULL;
  if (v8ish_is_ref(array.value)) {
    word_t *a = v8ish_untag(array.value);
    if (v8ish_has_type(a, V8ISH_TYPE_FIXED_ARRAY)) {
      *length = (size_t)v8ish_smi_value(v8ish_load(a, LENGTH));
      return a;
    }
    if (v8ish_has_type(a, V8ISH_TYPE_ARRAY)) {
      *length = (size_t)v8ish_smi_value(v8ish_load(a, ARRAY_LENGTH));
      return v8ish_untag(v8ish_load(a, OBJ_ELEMENTS));
    }
  }
  const char *got_article;
  const char *got = v8ish_value_noun(heap, array.value, &got_article);
  CCGC_MISUSE(heap->base.errors, CCGC_E_WRONG_TYPE, ".api.wrong-type",
              "%s: expected an Array or a FixedArray, got %s%s", call,
              got_article, got);
  return NULL;
}

v8ish_raw v8ish_raw_of_slow(v8ish_heap *heap, v8ish_local local) {
  const char *call = "v8ish_raw_of";
  v8ish_value value;
  if (!raw_enter(heap, call) || !v8ish_local_read(heap, local, call, &value) ||
      v8ish_local_is_empty(local))
    return v8ish_raw_empty();
  v8ish_raw raw = {value, heap->fast.raw_epoch};
  return raw;
}

v8ish_raw v8ish_raw_array_get_slow(v8ish_heap *heap, v8ish_value value,
                                   uint64_t epoch, size_t i) {
  v8ish_raw array = {value, epoch};
  size_t length;
  word_t *elements = raw_elements(heap, array, &length, "v8ish_raw_array_get");
  if (!elements || i >= length) return v8ish_raw_empty();
  v8ish_raw element = {v8ish_load(elements, 2 + i), array.epoch};
  return element;
}

size_t v8ish_raw_array_length(v8ish_heap *heap, v8ish_raw array) {
  size_t length;
  raw_elements(heap, array, &length, "v8ish_raw_array_length");
  return length;
}

v8ish_local v8ish_raw_to_local_slow(v8ish_heap *heap, v8ish_value value,
                                    uint64_t epoch) {
  v8ish_raw raw = {value, epoch};
  const char *call = "v8ish_raw_to_local";
  if (!raw_enter(heap, call) || !raw_current(heap, raw, call))
    return v8ish_local_empty();
  return v8ish_local_push(heap, raw.value, call);
}

intptr_t v8ish_raw_integer_value_slow(v8ish_heap *heap, v8ish_value value,
                                      uint64_t epoch) {
  v8ish_raw raw = {value, epoch};
  const char *call = "v8ish_raw_integer_value";
  if (!raw_enter(heap, call)) return 0;
  if (raw.epoch == 0) {
    CCGC_MISUSE(heap->base.errors, CCGC_E_DEAD_HANDLE, ".api.raw-values",
                "%s: the empty raw value", call);
    return 0;
  }
  if (!v8ish_is_ref(raw.value)) return (intptr_t)raw.value >> 1;
  /* Named only while current: a stale reference's object may be gone. */
  const char *got_article = "a ", *got = "reference from an earlier epoch";
  if (raw.epoch == heap->fast.raw_epoch)
    got = v8ish_value_noun(heap, raw.value, &got_article);
  CCGC_MISUSE(heap->base.errors, CCGC_E_WRONG_TYPE, ".api.wrong-type",
              "%s: expected an integer, got %s%s", call, got_article, got);
  return 0;
}
