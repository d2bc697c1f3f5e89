/* handle-table.h - the slots behind the handles a host holds as pointers
 * (persistents, traced references, script references, probes).
 *
 * A handle is the address of a slot in a chunk its table owns and never frees
 * while the table lives, plus the low bits of the slot's generation, so
 *  - a handle freed twice, used after it was freed or never handed out is
 *    recognised without reading freed memory (.api.live-handle);
 *  - a stale handle stays recognisable after its slot was reused: a freed
 *    slot waits in a FIFO quarantine behind CCGC_HANDLE_QUARANTINE others,
 *    and a handle only matches the generation it was made with (its low
 *    CCGC_HANDLE_GENERATION_BITS bits), so it is missed only after its slot
 *    was reused a multiple of 8 times, each behind 256 other frees.
 *
 *   chunk (CCGC_HANDLE_CHUNK_BYTES, aligned to its size)
 *   +-------------+---------+---------+-----
 *   | chunk header| slot 1  | slot 2  | ...   handle = slot + 8 * (gen & 7)
 *   +-------------+---------+---------+-----
 *   slot: generation, live, free-list link, then the payload (48 bytes)
 *
 * Handles stay 8-aligned, as pointers are (the DOM heap's wrappable slot
 * tells a handle from its header by bit 0).
 *
 * Tables are used by the mutator only; a marker thread may read a live
 * slot's payload (ccgc_handle_payload_unchecked) while the mutator makes or
 * frees other slots: chunks never move and are never freed before the table.
 */
#ifndef CCGC_HANDLE_TABLE_H
#define CCGC_HANDLE_TABLE_H

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ccgc-error.h"

#define CCGC_HANDLE_SLOT_BYTES 64
#define CCGC_HANDLE_GENERATION_BITS 3 /* offsets 0, 8, ... 56 in a slot */
#define CCGC_HANDLE_CHUNK_BYTES 16384
#define CCGC_HANDLE_PAYLOAD_BYTES 48
#define CCGC_HANDLE_QUARANTINE 256

typedef struct ccgc_handle_slot {
  /* Written by the mutator, read by any thread (atomic). */
  uint32_t generation; /* advanced on every allocation */
  uint32_t live;       /* 1 while handed out */
  struct ccgc_handle_slot *next_free;
  _Alignas(16) unsigned char payload[CCGC_HANDLE_PAYLOAD_BYTES];
} ccgc_handle_slot;

_Static_assert(sizeof(ccgc_handle_slot) == CCGC_HANDLE_SLOT_BYTES &&
                   (8u << CCGC_HANDLE_GENERATION_BITS) ==
                       CCGC_HANDLE_SLOT_BYTES,
               "a slot holds one 8-aligned handle per generation bit pattern");

/* The offset of a handle in its slot for a generation, and back. */
static inline uintptr_t ccgc_handle_offset(uint32_t generation) {
  return (uintptr_t)(generation & ((1u << CCGC_HANDLE_GENERATION_BITS) - 1))
         << 3;
}

typedef struct ccgc_handle_table {
  const char *kind;          /* "persistent", "probe": in messages */
  ccgc_error_sink *errors;   /* where misuse goes */
  GHashTable *chunks;        /* chunk addresses: a handle is ours if listed */
  GPtrArray *chunk_list;     /* the same, in order, for iteration */
  /* The chunk the last checked handle was found in (owner thread only,
   * like every checked call): chunks are never freed before the table, so
   * a handle in it is ours without the hash lookup. */
  uintptr_t last_chunk;
  ccgc_handle_slot *free_head, *free_tail; /* FIFO, the quarantine */
  size_t free_count;
  ccgc_handle_slot *fresh, *fresh_end; /* never used slots of the last chunk */
  size_t live_count;
  /* The collector whose threading contract the host's unowned reads keep
   * (ccgc_handle_read_unowned); NULL: none. */
  struct ccgc_collector *owner;
} ccgc_handle_table;

void ccgc_handle_table_init(ccgc_handle_table *table, const char *kind,
                            ccgc_error_sink *errors);
/* Frees every chunk: every handle of the table is dead after this. */
void ccgc_handle_table_destroy(ccgc_handle_table *table);

/* A new live slot: its payload, and its handle in *handle. NULL if memory
 * is short (nothing recorded: the caller says what it was making). The
 * payload is not cleared (a marker thread may read a reused slot through a
 * stale handle): the caller sets every field, atomically where marker threads
 * read it. */
void *ccgc_handle_new(ccgc_handle_table *table, void **handle);

/* The payload of a live handle of this table. Otherwise reports misuse
 * (CCGC_E_DEAD_HANDLE, .api.live-handle: "<call>: <what> <handle> was freed"
 * or "is not a <what> of this heap") and returns NULL. Safe on any pointer
 * value: memory is read only once the chunk is known to be the table's.
 * what NULL: the table's kind. */
void *ccgc_handle_get(ccgc_handle_table *table, const void *handle,
                      const char *call, const char *what);
/* As ccgc_handle_get, then frees the slot; false if refused. The payload is
 * left as it is: the caller clears what marker threads may still read. */
bool ccgc_handle_free(ccgc_handle_table *table, const void *handle,
                      const char *call, const char *what);
/* As ccgc_handle_free, with one check, returning the freed slot's payload
 * (NULL if refused) for the caller to clear: a freed slot is not reused
 * before CCGC_HANDLE_QUARANTINE others, so the payload stays the caller's
 * until it returns. */
void *ccgc_handle_release(ccgc_handle_table *table, const void *handle,
                          const char *call, const char *what);

/* For calls that are not given the table (blinkish_persistent_get,
 * ccgc_probe_collected): as ccgc_handle_get, with the table found from the
 * handle's chunk. Safe on every pointer the table ever handed out while the
 * table lives, not on arbitrary pointers (one that is not in a table's chunk
 * yields NULL, reported nowhere: there is no table to report to).
 * *table_out (may be NULL) is the table, or NULL then. */
void *ccgc_handle_get_unowned(const void *handle, const char *call,
                              const char *what,
                              ccgc_handle_table **table_out);

/* For the host's reads that are given neither heap nor collector
 * (blinkish_persistent_get, ccgc_probe_collected, _label, _address): the
 * table is found from the handle's chunk, then its owner's threading
 * contract is checked (a read: the owner thread, any context; otherwise
 * misuse, CCGC_E_WRONG_THREAD, .api.mutator-thread) before the slot is read,
 * then the handle as ccgc_handle_get does. NULL when refused. */
void *ccgc_handle_read_unowned(const void *handle, const char *call,
                               const char *what);

/* The payload of the slot a handle names, unchecked: for marker threads and
 * trace callbacks, on a handle that was handed out while the table lives (a
 * freed slot's payload is zero). */
static inline void *ccgc_handle_payload_unchecked(const void *handle) {
  uintptr_t slot = (uintptr_t)handle & ~(uintptr_t)(CCGC_HANDLE_SLOT_BYTES - 1);
  return ((ccgc_handle_slot *)slot)->payload;
}

/* Whether the slot of a payload (ccgc_handle_new's result) is handed out
 * now. Owner thread. */
static inline bool ccgc_handle_payload_live(const void *payload) {
  uintptr_t slot = (uintptr_t)payload & ~(uintptr_t)(CCGC_HANDLE_SLOT_BYTES - 1);
  return ((const ccgc_handle_slot *)slot)->live != 0;
}

/* Whether a handle that was handed out while its table lives is live now:
 * two loads, on any thread, no table lookup (for marker threads and trace
 * callbacks; the mutator's calls use ccgc_handle_get). */
static inline bool ccgc_handle_live_unchecked(const void *handle) {
  uintptr_t address = (uintptr_t)handle;
  const ccgc_handle_slot *slot =
      (const ccgc_handle_slot *)(address &
                                 ~(uintptr_t)(CCGC_HANDLE_SLOT_BYTES - 1));
  return __atomic_load_n(&slot->live, __ATOMIC_ACQUIRE) &&
         ccgc_handle_offset(__atomic_load_n(&slot->generation,
                                            __ATOMIC_RELAXED)) ==
             (address & (CCGC_HANDLE_SLOT_BYTES - 1));
}

/* The handle of a live slot, from its payload (in ccgc_handle_table_each). */
static inline void *ccgc_handle_of_payload(const void *payload) {
  ccgc_handle_slot *slot =
      (ccgc_handle_slot *)((uintptr_t)payload -
                           offsetof(ccgc_handle_slot, payload));
  return (void *)((uintptr_t)slot + ccgc_handle_offset(slot->generation));
}

/* fn(payload, data) for every live slot. fn must not make or free slots. */
void ccgc_handle_table_each(ccgc_handle_table *table,
                            void (*fn)(void *payload, void *data), void *data);

static inline size_t ccgc_handle_table_live(const ccgc_handle_table *table) {
  return table->live_count;
}

#endif /* CCGC_HANDLE_TABLE_H */
