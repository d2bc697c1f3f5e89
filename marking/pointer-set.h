/* pointer-set.h - open-addressing sets and maps keyed by object addresses,
 * for the independent traversals (object-graph.c and its users), which probe
 * them once or twice per edge.
 *
 * Keys are non-NULL addresses; objects are 16-byte aligned, so the slot is a
 * Fibonacci hash of (address >> 4) (any other non-NULL address works too,
 * it just shares a hash with its aligned neighbours). Linear probing in a
 * power-of-two table kept at most half full; removal shifts the following
 * run back (no tombstones), so a lookup stops at the first empty slot. A map
 * stores a uint32_t per key in a parallel array, which a set does without.
 * Lookups accept NULL (never found); inserting NULL is an error. Iteration
 * order is slot order: unspecified, and invalidated by any insert or remove.
 * Not thread-safe. */
#ifndef CCGC_POINTER_SET_H
#define CCGC_POINTER_SET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct ccgc_pointer_map {
  void **keys;      /* `capacity` slots, NULL: empty */
  uint32_t *values; /* parallel to keys; NULL in a set */
  size_t capacity;  /* a power of two, at least 2 * size */
  size_t size;
  unsigned shift;   /* 64 - log2(capacity) */
} ccgc_pointer_map;

typedef struct ccgc_pointer_set {
  ccgc_pointer_map map; /* values == NULL */
} ccgc_pointer_set;

/* The home slot of `key` in a table whose capacity is 1 << (64 - shift). */
static inline size_t ccgc_pointer_map_home(const void *key, unsigned shift) {
  return (size_t)((((uint64_t)(uintptr_t)key >> 4) *
                   UINT64_C(0x9E3779B97F4A7C15)) >> shift);
}

/* The slot holding `key`, or SIZE_MAX. */
static inline size_t ccgc_pointer_map_find(const ccgc_pointer_map *map,
                                           const void *key) {
  size_t mask = map->capacity - 1;
  for (size_t i = ccgc_pointer_map_home(key, map->shift);; i = (i + 1) & mask) {
    const void *slot = map->keys[i];
    if (!slot) return SIZE_MAX;
    if (slot == key) return i;
  }
}

/* --- maps: address -> uint32_t ------------------------------------------ */

/* Room for `expected` keys before the first growth (0: a small default). */
void ccgc_pointer_map_init(ccgc_pointer_map *map, size_t expected);
void ccgc_pointer_map_destroy(ccgc_pointer_map *map);
/* Sets key's value; true if the key is new, false if its value was replaced. */
bool ccgc_pointer_map_insert(ccgc_pointer_map *map, void *key, uint32_t value);
/* Removes key; true (and *value, if value) if it was there. */
bool ccgc_pointer_map_steal(ccgc_pointer_map *map, const void *key,
                            uint32_t *value);
void ccgc_pointer_map_clear(ccgc_pointer_map *map);

static inline bool ccgc_pointer_map_remove(ccgc_pointer_map *map,
                                           const void *key) {
  return ccgc_pointer_map_steal(map, key, NULL);
}

static inline bool ccgc_pointer_map_contains(const ccgc_pointer_map *map,
                                             const void *key) {
  return ccgc_pointer_map_find(map, key) != SIZE_MAX;
}

/* True (and *value, if value) if key is there. */
static inline bool ccgc_pointer_map_lookup(const ccgc_pointer_map *map,
                                           const void *key, uint32_t *value) {
  size_t at = ccgc_pointer_map_find(map, key);
  if (at == SIZE_MAX) return false;
  if (value) *value = map->values[at];
  return true;
}

/* key's value, 0 if absent (for maps whose values are never 0). */
static inline uint32_t ccgc_pointer_map_get(const ccgc_pointer_map *map,
                                            const void *key) {
  size_t at = ccgc_pointer_map_find(map, key);
  return at == SIZE_MAX ? 0 : map->values[at];
}

static inline size_t ccgc_pointer_map_size(const ccgc_pointer_map *map) {
  return map->size;
}

/* Iteration: size_t cursor = 0; while (ccgc_pointer_map_next(map, &cursor,
 * &key, &value)) ...; key or value may be NULL. */
static inline bool ccgc_pointer_map_next(const ccgc_pointer_map *map,
                                         size_t *cursor, void **key,
                                         uint32_t *value) {
  for (size_t i = *cursor; i < map->capacity; i++) {
    if (!map->keys[i]) continue;
    if (key) *key = map->keys[i];
    if (value && map->values) *value = map->values[i];
    *cursor = i + 1;
    return true;
  }
  *cursor = map->capacity;
  return false;
}

/* --- sets of addresses -------------------------------------------------- */

void ccgc_pointer_set_init(ccgc_pointer_set *set, size_t expected);

static inline void ccgc_pointer_set_destroy(ccgc_pointer_set *set) {
  ccgc_pointer_map_destroy(&set->map);
}

/* Adds key; true if it is new. */
static inline bool ccgc_pointer_set_add(ccgc_pointer_set *set, void *key) {
  return ccgc_pointer_map_insert(&set->map, key, 0);
}

static inline bool ccgc_pointer_set_remove(ccgc_pointer_set *set,
                                           const void *key) {
  return ccgc_pointer_map_steal(&set->map, key, NULL);
}

static inline void ccgc_pointer_set_clear(ccgc_pointer_set *set) {
  ccgc_pointer_map_clear(&set->map);
}

static inline bool ccgc_pointer_set_contains(const ccgc_pointer_set *set,
                                             const void *key) {
  return ccgc_pointer_map_find(&set->map, key) != SIZE_MAX;
}

static inline size_t ccgc_pointer_set_size(const ccgc_pointer_set *set) {
  return set->map.size;
}

static inline bool ccgc_pointer_set_next(const ccgc_pointer_set *set,
                                         size_t *cursor, void **key) {
  return ccgc_pointer_map_next(&set->map, cursor, key, NULL);
}

#endif /* CCGC_POINTER_SET_H */
