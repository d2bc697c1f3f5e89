/* handle-table.c - slots behind the handles a host holds as pointers
 * (handle-table.h). */
#include "handle-table.h"

#include <stdlib.h>
#include <string.h>

#include "gate.h"
#include "invariant-check.h" /* CCGC_MISUSE */

#define CHUNK_MAGIC 0x48534c54u /* "HSLT" */
#define OFFSET_MASK ((uintptr_t)CCGC_HANDLE_SLOT_BYTES - 1)
#define SLOTS_PER_CHUNK (CCGC_HANDLE_CHUNK_BYTES / CCGC_HANDLE_SLOT_BYTES)

/* Slot 0 of every chunk: the way back to the table for calls without it. */
typedef struct chunk_header {
  uint32_t magic;
  ccgc_handle_table *table;
} chunk_header;

_Static_assert(sizeof(chunk_header) <= CCGC_HANDLE_SLOT_BYTES,
               "the chunk header fits slot 0");

void ccgc_handle_table_init(ccgc_handle_table *table, const char *kind,
                            ccgc_error_sink *errors) {
  memset(table, 0, sizeof *table);
  table->kind = kind;
  table->errors = errors;
  table->chunks = g_hash_table_new(g_direct_hash, g_direct_equal);
  table->chunk_list = g_ptr_array_new();
}

void ccgc_handle_table_destroy(ccgc_handle_table *table) {
  if (!table->chunks) return;
  for (guint i = 0; i < table->chunk_list->len; i++) {
    chunk_header *header = g_ptr_array_index(table->chunk_list, i);
    header->magic = 0;
    free(header);
  }
  g_ptr_array_free(table->chunk_list, TRUE);
  g_hash_table_destroy(table->chunks);
  memset(table, 0, sizeof *table);
}

static bool add_chunk(ccgc_handle_table *table) {
  chunk_header *header =
      aligned_alloc(CCGC_HANDLE_CHUNK_BYTES, CCGC_HANDLE_CHUNK_BYTES);
  if (!header) return false;
  memset(header, 0, CCGC_HANDLE_CHUNK_BYTES);
  header->magic = CHUNK_MAGIC;
  header->table = table;
  g_hash_table_add(table->chunks, header);
  g_ptr_array_add(table->chunk_list, header);
  ccgc_handle_slot *slots = (ccgc_handle_slot *)header;
  table->fresh = slots + 1;
  table->fresh_end = slots + SLOTS_PER_CHUNK;
  return true;
}

/* A freed slot is reused only once CCGC_HANDLE_QUARANTINE others wait
 * behind it: until then its stale handles read "freed" whatever their
 * generation. */
static ccgc_handle_slot *take_slot(ccgc_handle_table *table) {
  if (table->free_count > CCGC_HANDLE_QUARANTINE) {
    ccgc_handle_slot *slot = table->free_head;
    table->free_head = slot->next_free;
    if (!table->free_head) table->free_tail = NULL;
    table->free_count--;
    slot->next_free = NULL;
    return slot;
  }
  if (table->fresh == table->fresh_end && !add_chunk(table)) return NULL;
  return table->fresh++;
}

void *ccgc_handle_new(ccgc_handle_table *table, void **handle) {
  ccgc_handle_slot *slot = take_slot(table);
  if (!slot) return NULL;
  uint32_t generation = slot->generation + 1;
  __atomic_store_n(&slot->generation, generation, __ATOMIC_RELAXED);
  __atomic_store_n(&slot->live, 1, __ATOMIC_RELEASE);
  table->live_count++;
  *handle = (char *)slot + ccgc_handle_offset(generation);
  return slot->payload;
}

/* The slot a handle names if the handle is live; else NULL, *ours telling
 * whether it is a (freed) handle of this table at all. */
static ccgc_handle_slot *live_slot(ccgc_handle_table *table,
                                   const void *handle, bool *ours) {
  uintptr_t address = (uintptr_t)handle;
  uintptr_t chunk = address & ~(uintptr_t)(CCGC_HANDLE_CHUNK_BYTES - 1);
  /* last_chunk 0 (none yet) would match any address below the chunk size:
   * chunk 0 always takes the lookup. */
  if (chunk != table->last_chunk || !chunk) {
    *ours = handle && table->chunks &&
            g_hash_table_contains(table->chunks, (void *)chunk);
    if (!*ours) return NULL;
    table->last_chunk = chunk;
  }
  *ours = address - chunk >= CCGC_HANDLE_SLOT_BYTES;
  if (!*ours) return NULL;
  ccgc_handle_slot *slot = (ccgc_handle_slot *)(address & ~OFFSET_MASK);
  if (!slot->live ||
      ccgc_handle_offset(slot->generation) != (address & OFFSET_MASK))
    return NULL;
  return slot;
}

static void *checked(ccgc_handle_table *table, const void *handle,
                     const char *call, const char *what, bool release) {
  bool ours;
  ccgc_handle_slot *slot = live_slot(table, handle, &ours);
  if (!slot) {
    CCGC_MISUSE(table->errors, CCGC_E_DEAD_HANDLE, ".api.live-handle",
                "%s: %s %p %s", call, what ? what : table->kind, handle,
                ours ? "was freed (a double free or a use after free)"
                     : "was never made by this heap");
    return NULL;
  }
  if (release) {
    __atomic_store_n(&slot->live, 0, __ATOMIC_RELEASE);
    table->live_count--;
    if (table->free_tail)
      table->free_tail->next_free = slot;
    else
      table->free_head = slot;
    table->free_tail = slot;
    table->free_count++;
  }
  return slot->payload;
}

void *ccgc_handle_get(ccgc_handle_table *table, const void *handle,
                      const char *call, const char *what) {
  return checked(table, handle, call, what, false);
}

bool ccgc_handle_free(ccgc_handle_table *table, const void *handle,
                      const char *call, const char *what) {
  return checked(table, handle, call, what, true) != NULL;
}

void *ccgc_handle_release(ccgc_handle_table *table, const void *handle,
                          const char *call, const char *what) {
  return checked(table, handle, call, what, true);
}

void *ccgc_handle_get_unowned(const void *handle, const char *call,
                              const char *what,
                              ccgc_handle_table **table_out) {
  if (table_out) *table_out = NULL;
  if (!handle) return NULL;
  const chunk_header *header =
      (const chunk_header *)((uintptr_t)handle &
                             ~(uintptr_t)(CCGC_HANDLE_CHUNK_BYTES - 1));
  if (header->magic != CHUNK_MAGIC) return NULL; /* no table to report to */
  if (table_out) *table_out = header->table;
  return checked(header->table, handle, call, what, false);
}

void *ccgc_handle_read_unowned(const void *handle, const char *call,
                               const char *what) {
  if (!handle) return NULL;
  const chunk_header *header =
      (const chunk_header *)((uintptr_t)handle &
                             ~(uintptr_t)(CCGC_HANDLE_CHUNK_BYTES - 1));
  if (header->magic != CHUNK_MAGIC) return NULL; /* no table to report to */
  /* The chunk header never changes while the table lives: reading it is
   * safe on any thread; the slot is read only on the owner's. */
  ccgc_collector *owner = header->table->owner;
  if (owner && ccgc_gate_check(owner, ccgc_collector_gate(owner),
                               CCGC_CALL_READ, call) != CCGC_OK)
    return NULL;
  return checked(header->table, handle, call, what, false);
}

void ccgc_handle_table_each(ccgc_handle_table *table,
                            void (*fn)(void *payload, void *data),
                            void *data) {
  if (!table->chunk_list) return;
  for (guint i = 0; i < table->chunk_list->len; i++) {
    ccgc_handle_slot *slots = g_ptr_array_index(table->chunk_list, i);
    for (size_t s = 1; s < SLOTS_PER_CHUNK; s++)
      if (slots[s].live) fn(slots[s].payload, data);
  }
}
