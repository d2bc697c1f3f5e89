/* weak-table.h - the backing store of the DOM heap's weak collections
 * (weak-collections.c): an open-addressing hash table of {key, value}
 * entries keyed by object address, itself a heap object
 * ("HeapEphemeronMapBacking" / "HeapWeakSetBacking").
 *
 * Why a heap object and not malloc'd memory: marker threads trace a table
 * while the host grows or shrinks it. A grown table is a *new* object; the old
 * one stays allocated, unchanged, until a sweep finds it dead, so a marker
 * that still reads it never reads freed memory (like HeapVectorBacking).
 *
 *   +-------+----------+------+------+--------+---------+--------------+---------+
 *   | owner | capacity | live | used | is_set | retired | target, data | entries |
 *   +-------+----------+------+------+--------+---------+--------------+---------+
 *   owner: the collection's table member, where the table is installed
 *   (heap-internal.h, .inv.backing-owner); the compact op may move a table
 *   and rewrites that member (compactor.c)
 *   entry: { key, value }, 16 bytes
 *
 * capacity is a power of two, fixed for the table's life. DOM objects never
 * move, so the key's address is its hash (Fibonacci hashing of the granule
 * index). Linear probing. Entry states:
 *
 *   free        {NULL, NULL}         ends every probe sequence
 *   live        {key,  value}        key != NULL (value may be NULL in a map)
 *   tombstone   {NULL, TOMBSTONE}    removed; probe sequences run across it
 *   cleared     {NULL, old key}      weak sets only, only inside the atomic
 *                                    pause: the marker cleared the key (the
 *                                    set reports it as a weak slot); the
 *                                    prune turns it into a tombstone
 *
 * A weak set stores each key in both words, so that an entry whose key the
 * marker cleared still tells "occupied" apart from "free".
 *
 * Tombstones live in the value word, never in the key word: the marker may
 * read a recorded weak slot (a set key) at any time up to the end of the
 * cycle and must only ever find NULL or an object there.
 *
 * Retired tables: a table replaced by a bigger or smaller one, or whose
 * collection died, is flagged retired and its trace reports nothing from
 * then on. Its entries are in the new table (or leave with the dead
 * collection), and the values the host removes later get released: a table
 * that lingers as floating garbage must not hand them to a marker, the
 * verifier or ccgc_collector_walk (which traces every allocated object) after
 * their release. A trace that started before the flag was set reads values
 * that stay valid until the atomic pause (releases are deferred while marking
 * runs), when no such trace is left.
 *
 * Concurrency: the host publishes an entry value first, key second, both with
 * release stores; a trace reads key, then value, with acquire loads. A trace
 * racing with a removal may read the old key with the tombstone value: it
 * skips the entry (the removal is the host's newer view; an inserted or
 * overwritten value went through the barrier instead). Only the host and the
 * atomic pause write; capacity, is_set, target and data never change after
 * the table is published, and retired only goes from false to true.
 */
#ifndef BLINKISH_WEAK_TABLE_H
#define BLINKISH_WEAK_TABLE_H

#include <stdbool.h>
#include <stddef.h>

#include "heap-internal.h"

#define BLINKISH_WEAK_TABLE_MIN_CAPACITY 8

/* The tombstone: the address of a private byte, so that no host value (maps
 * with external values store any pointer) can be mistaken for it. */
extern const char blinkish_weak_tombstone_mark;
#define BLINKISH_WEAK_TOMBSTONE ((void *)&blinkish_weak_tombstone_mark)

/* value -> the object (of any heap) it keeps alive, or NULL. */
typedef void *(*blinkish_weak_target_fn)(void *value, void *data);

typedef struct blinkish_weak_entry {
  void *key;
  void *value;
} blinkish_weak_entry;

typedef struct blinkish_weak_table {
  blinkish_backing_prefix prefix; /* first: the owner slot (.inv.backing-owner) */
  size_t capacity; /* power of two, >= BLINKISH_WEAK_TABLE_MIN_CAPACITY */
  size_t live;     /* live entries (and, in the pause, cleared ones)     */
  size_t used;     /* entries that are not free: what probes run across */
  bool is_set;     /* HeapWeakSetBacking: value mirrors key             */
  bool retired;    /* replaced, or its collection died: traces nothing  */
  blinkish_weak_target_fn target; /* NULL: the value is the object      */
  void (*prefetch)(const void *value, void *data); /* optional, external */
  void *target_data;
  blinkish_weak_entry entries[];
} blinkish_weak_table;

static inline bool blinkish_weak_entry_is_free(const blinkish_weak_entry *e) {
  return !e->key && !e->value;
}

/* The smallest capacity that holds `live` entries at most half full. Returns
 * 0 if that capacity would overflow. */
size_t blinkish_weak_table_capacity_for(size_t live);

/* A new, empty table (allocated black while marking runs), or NULL with the
 * allocation's error recorded. */
blinkish_weak_table *blinkish_weak_table_new(blinkish_heap *heap,
                                             size_t capacity, bool is_set,
                                             blinkish_weak_target_fn target,
                                             void *target_data,
                                             const char *call);

/* The live entry of key, or NULL. Any pointer value is fine. */
blinkish_weak_entry *blinkish_weak_table_find(const blinkish_weak_table *table,
                                              const void *key);

/* True if one more insertion keeps the table at most 3/4 used. */
bool blinkish_weak_table_has_room(const blinkish_weak_table *table);

/* The object value keeps alive (external maps ask their target function). */
static inline void *blinkish_weak_table_target(const blinkish_weak_table *table,
                                               void *value) {
  if (!value || table->is_set) return NULL;
  return table->target ? table->target(value, table->target_data) : value;
}

/* Inserts an absent key (the caller looked it up) into a table with room,
 * then runs the write barrier on key and target (.inv.no-black-to-white). */
void blinkish_weak_table_insert(blinkish_heap *heap, blinkish_weak_table *table,
                                void *key, void *value);
/* Replaces the value of a live entry, then runs the barrier on key and the
 * new value's target. */
void blinkish_weak_table_replace_value(blinkish_heap *heap,
                                       blinkish_weak_table *table,
                                       blinkish_weak_entry *entry,
                                       void *value);
/* Turns a live (or cleared) entry into a tombstone. */
void blinkish_weak_table_remove(blinkish_weak_table *table,
                                blinkish_weak_entry *entry);
/* Copies every live entry of from into the empty table to, without the
 * barrier: the caller then publishes `to` white (ccgc_barrier_unmark_
 * unpublished), so the marker traces it and its entries keep their weak
 * semantics (.inv.unpublished-white). */
void blinkish_weak_table_copy(blinkish_heap *heap, blinkish_weak_table *to,
                              const blinkish_weak_table *from);

/* No trace reports anything from this table any more (see above). */
static inline void blinkish_weak_table_retire(blinkish_weak_table *table) {
  __atomic_store_n(&table->retired, true, __ATOMIC_RELEASE);
}

/* Trace callbacks of the two backing types. */
void blinkish_weak_trace_map_table(ccgc_visitor *visitor, void *object);
void blinkish_weak_trace_set_table(ccgc_visitor *visitor, void *object);

#endif /* BLINKISH_WEAK_TABLE_H */
