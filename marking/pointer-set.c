/* pointer-set.c - open-addressing address sets and maps (pointer-set.h). */
#include "invariant-check.h"
#include "pointer-set.h"

#include <glib.h>
#include <string.h>

enum { MIN_CAPACITY = 16 };

static void allocate(ccgc_pointer_map *map, size_t capacity, bool values) {
  unsigned bits = 0;
  while (((size_t)1 << bits) < capacity) bits++;
  map->capacity = (size_t)1 << bits;
  map->shift = 64 - bits;
  map->keys = g_new0(void *, map->capacity);
  map->values = values ? g_new(uint32_t, map->capacity) : NULL;
  map->size = 0;
}

static size_t capacity_for(size_t expected) {
  size_t capacity = MIN_CAPACITY;
  while (capacity / 2 < expected) capacity *= 2;
  return capacity;
}

void ccgc_pointer_map_init(ccgc_pointer_map *map, size_t expected) {
  allocate(map, capacity_for(expected), true);
}

void ccgc_pointer_set_init(ccgc_pointer_set *set, size_t expected) {
  allocate(&set->map, capacity_for(expected), false);
}

void ccgc_pointer_map_destroy(ccgc_pointer_map *map) {
  g_free(map->keys);
  g_free(map->values);
  memset(map, 0, sizeof *map);
}

void ccgc_pointer_map_clear(ccgc_pointer_map *map) {
  memset(map->keys, 0, map->capacity * sizeof *map->keys);
  map->size = 0;
}

/* The first empty slot of key's run (key known absent). */
static size_t free_slot(const ccgc_pointer_map *map, const void *key) {
  size_t mask = map->capacity - 1;
  size_t i = ccgc_pointer_map_home(key, map->shift);
  while (map->keys[i]) i = (i + 1) & mask;
  return i;
}

static void grow(ccgc_pointer_map *map) {
  ccgc_pointer_map old = *map;
  allocate(map, old.capacity * 2, old.values != NULL);
  for (size_t i = 0; i < old.capacity; i++) {
    if (!old.keys[i]) continue;
    size_t at = free_slot(map, old.keys[i]);
    map->keys[at] = old.keys[i];
    if (map->values) map->values[at] = old.values[i];
  }
  map->size = old.size;
  g_free(old.keys);
  g_free(old.values);
}

bool ccgc_pointer_map_insert(ccgc_pointer_map *map, void *key, uint32_t value) {
  CCGC_CHECK_DEBUG(key != NULL, ".inv.pointer-map-keys"); /* NULL: free */
  size_t mask = map->capacity - 1;
  size_t i = ccgc_pointer_map_home(key, map->shift);
  for (; map->keys[i]; i = (i + 1) & mask) {
    if (map->keys[i] != key) continue;
    if (map->values) map->values[i] = value;
    return false;
  }
  if ((map->size + 1) * 2 > map->capacity) {
    grow(map);
    i = free_slot(map, key);
  }
  map->keys[i] = key;
  if (map->values) map->values[i] = value;
  map->size++;
  return true;
}

bool ccgc_pointer_map_steal(ccgc_pointer_map *map, const void *key,
                            uint32_t *value) {
  size_t hole = ccgc_pointer_map_find(map, key);
  if (hole == SIZE_MAX) return false;
  if (value) *value = map->values ? map->values[hole] : 0;
  /* Backward shift: an entry of the run after the hole moves into it unless
   * its home slot lies cyclically in (hole, j], where a lookup for it would
   * stop at the hole before reaching it. */
  size_t mask = map->capacity - 1;
  for (size_t j = (hole + 1) & mask; map->keys[j]; j = (j + 1) & mask) {
    size_t home = ccgc_pointer_map_home(map->keys[j], map->shift);
    if (((j - home) & mask) < ((j - hole) & mask)) continue;
    map->keys[hole] = map->keys[j];
    if (map->values) map->values[hole] = map->values[j];
    hole = j;
  }
  map->keys[hole] = NULL;
  map->size--;
  return true;
}
