/* test-pointer-set.c - the open-addressing address sets and maps of the
 * independent traversals: collisions, wrap-around, growth, backward-shift
 * deletion, and long random runs against a GHashTable. */
#include <check.h>
#include <glib.h>
#include <stdint.h>

#include "ccgc-test.h"
#include "pointer-set.h"

#define ADDRESS(i) ((void *)(uintptr_t)(0x10000 + (uintptr_t)(i) * 16))

/* ck_assert reports a mark point on every success, a pipe write in fork
 * mode; the hot loops check quietly and fail loudly. */
#define EXPECT(cond)                                                    \
  do {                                                                  \
    if (!(cond))                                                        \
      ck_abort_msg("%s:%d: failed: %s", __FILE__, __LINE__, #cond);     \
  } while (0)

/* The linear-probing invariant: every entry is found from its home slot
 * without crossing an empty one, and size counts the entries. */
static void check_invariant(const ccgc_pointer_map *map) {
  size_t mask = map->capacity - 1, count = 0;
  EXPECT((map->capacity & mask) == 0);
  EXPECT(map->capacity >= 2 * map->size);
  for (size_t i = 0; i < map->capacity; i++) {
    if (!map->keys[i]) continue;
    count++;
    for (size_t at = ccgc_pointer_map_home(map->keys[i], map->shift); at != i;
         at = (at + 1) & mask)
      EXPECT(map->keys[at]);
    EXPECT(ccgc_pointer_map_find(map, map->keys[i]) == i);
  }
  EXPECT(count == map->size);
}

/* `count` distinct addresses whose home slot in `map` is `home`. */
static void colliding(const ccgc_pointer_map *map, size_t home, void **keys,
                      size_t count) {
  size_t found = 0;
  for (uintptr_t i = 0; found < count; i++)
    if (ccgc_pointer_map_home(ADDRESS(i), map->shift) == home)
      keys[found++] = ADDRESS(i);
}

START_TEST(insert_lookup_remove_with_collisions) {
  ccgc_pointer_map map;
  ccgc_pointer_map_init(&map, 0);
  size_t capacity = map.capacity;
  void *keys[5];
  colliding(&map, 3, keys, 5);
  for (uint32_t i = 0; i < 5; i++)
    ck_assert(ccgc_pointer_map_insert(&map, keys[i], 100 + i));
  ck_assert_uint_eq(map.capacity, capacity); /* no growth hid the collisions */
  ck_assert_uint_eq(ccgc_pointer_map_size(&map), 5);
  for (size_t i = 0; i < 5; i++) ck_assert_ptr_eq(map.keys[3 + i], keys[i]);
  check_invariant(&map);
  /* Replacing keeps the size. */
  ck_assert(!ccgc_pointer_map_insert(&map, keys[2], 7));
  ck_assert_uint_eq(ccgc_pointer_map_get(&map, keys[2]), 7);
  ck_assert_uint_eq(ccgc_pointer_map_size(&map), 5);
  /* Remove from the middle of the run: the rest shifts back. */
  uint32_t value = 0;
  ck_assert(ccgc_pointer_map_steal(&map, keys[1], &value));
  ck_assert_uint_eq(value, 101);
  ck_assert(!ccgc_pointer_map_contains(&map, keys[1]));
  ck_assert(!ccgc_pointer_map_steal(&map, keys[1], &value));
  ck_assert_uint_eq(ccgc_pointer_map_size(&map), 4);
  ck_assert_ptr_null(map.keys[3 + 4]);
  check_invariant(&map);
  ck_assert_uint_eq(ccgc_pointer_map_get(&map, keys[0]), 100);
  ck_assert_uint_eq(ccgc_pointer_map_get(&map, keys[2]), 7);
  ck_assert_uint_eq(ccgc_pointer_map_get(&map, keys[3]), 103);
  ck_assert_uint_eq(ccgc_pointer_map_get(&map, keys[4]), 104);
  /* NULL and absent keys are never found. */
  ck_assert(!ccgc_pointer_map_contains(&map, NULL));
  ck_assert(!ccgc_pointer_map_lookup(&map, ADDRESS(1u << 20), &value));
  ck_assert_uint_eq(ccgc_pointer_map_get(&map, NULL), 0);
  /* Unaligned addresses share a home with their aligned neighbour. */
  void *odd = (char *)keys[0] + 8;
  ck_assert(!ccgc_pointer_map_contains(&map, odd));
  ck_assert(ccgc_pointer_map_insert(&map, odd, 9));
  ck_assert_uint_eq(ccgc_pointer_map_get(&map, odd), 9);
  ck_assert_uint_eq(ccgc_pointer_map_get(&map, keys[0]), 100);
  ck_assert(ccgc_pointer_map_remove(&map, odd));
  for (size_t i = 0; i < 5; i++)
    if (i != 1) ck_assert(ccgc_pointer_map_remove(&map, keys[i]));
  ck_assert_uint_eq(ccgc_pointer_map_size(&map), 0);
  for (size_t i = 0; i < map.capacity; i++) ck_assert_ptr_null(map.keys[i]);
  ccgc_pointer_map_destroy(&map);
}
END_TEST

/* A run that wraps past the last slot, and a key homed in slot 0 behind it:
 * removals must shift across the wrap, and not move the slot-0 key before
 * its home. */
START_TEST(backward_shift_across_the_wrap) {
  ccgc_pointer_map map;
  ccgc_pointer_map_init(&map, 0);
  size_t last = map.capacity - 1;
  void *tail[3], *zero[1], *one[1];
  colliding(&map, last, tail, 3);
  colliding(&map, 0, zero, 1);
  colliding(&map, 1, one, 1);
  for (size_t i = 0; i < 3; i++) ck_assert(ccgc_pointer_map_insert(&map, tail[i], 1));
  ck_assert(ccgc_pointer_map_insert(&map, zero[0], 2));
  ck_assert(ccgc_pointer_map_insert(&map, one[0], 3));
  /* [last] tail0, [0] tail1, [1] tail2, [2] zero, [3] one */
  ck_assert_ptr_eq(map.keys[last], tail[0]);
  ck_assert_ptr_eq(map.keys[0], tail[1]);
  ck_assert_ptr_eq(map.keys[1], tail[2]);
  ck_assert_ptr_eq(map.keys[2], zero[0]);
  ck_assert_ptr_eq(map.keys[3], one[0]);
  ck_assert(ccgc_pointer_map_remove(&map, tail[0]));
  ck_assert_ptr_eq(map.keys[last], tail[1]);
  ck_assert_ptr_eq(map.keys[0], tail[2]);
  ck_assert_ptr_eq(map.keys[1], zero[0]);
  ck_assert_ptr_eq(map.keys[2], one[0]);
  ck_assert_ptr_null(map.keys[3]);
  check_invariant(&map);
  ck_assert(ccgc_pointer_map_remove(&map, tail[2]));
  ck_assert_ptr_eq(map.keys[0], zero[0]);
  ck_assert_ptr_eq(map.keys[1], one[0]);
  check_invariant(&map);
  /* zero sits at its home: removing tail1 must leave it there. */
  ck_assert(ccgc_pointer_map_remove(&map, tail[1]));
  ck_assert_ptr_null(map.keys[last]);
  ck_assert_ptr_eq(map.keys[0], zero[0]);
  ck_assert_ptr_eq(map.keys[1], one[0]);
  check_invariant(&map);
  ck_assert_uint_eq(ccgc_pointer_map_get(&map, zero[0]), 2);
  ck_assert_uint_eq(ccgc_pointer_map_get(&map, one[0]), 3);
  ccgc_pointer_map_destroy(&map);
}
END_TEST

START_TEST(growth_keeps_every_entry) {
  ccgc_pointer_map map;
  ccgc_pointer_map_init(&map, 0);
  const uint32_t count = 100000;
  size_t capacity = map.capacity, growths = 0;
  for (uint32_t i = 0; i < count; i++) {
    EXPECT(ccgc_pointer_map_insert(&map, ADDRESS(i), i + 1));
    EXPECT(map.capacity >= 2 * map.size);
    if (map.capacity != capacity) {
      EXPECT(map.capacity == 2 * capacity);
      capacity = map.capacity;
      growths++;
    }
  }
  EXPECT(growths > 10);
  EXPECT(ccgc_pointer_map_size(&map) == count);
  check_invariant(&map);
  for (uint32_t i = 0; i < count; i++)
    EXPECT(ccgc_pointer_map_get(&map, ADDRESS(i)) == i + 1);
  EXPECT(!ccgc_pointer_map_contains(&map, ADDRESS(count)));
  /* Iteration visits each entry once, with its value. */
  uint8_t *seen = g_new0(uint8_t, count);
  size_t cursor = 0, visited = 0;
  void *key;
  uint32_t value = 0;
  while (ccgc_pointer_map_next(&map, &cursor, &key, &value)) {
    size_t i = ((uintptr_t)key - 0x10000) / 16;
    EXPECT(i < count);
    EXPECT(value == i + 1);
    EXPECT(seen[i]++ == 0);
    visited++;
  }
  EXPECT(visited == count);
  EXPECT(!ccgc_pointer_map_next(&map, &cursor, &key, &value));
  g_free(seen);
  /* A presized map does not grow. */
  ccgc_pointer_map sized;
  ccgc_pointer_map_init(&sized, count);
  capacity = sized.capacity;
  for (uint32_t i = 0; i < count; i++) ccgc_pointer_map_insert(&sized, ADDRESS(i), 1);
  EXPECT(sized.capacity == capacity);
  ccgc_pointer_map_clear(&sized);
  EXPECT(ccgc_pointer_map_size(&sized) == 0);
  EXPECT(!ccgc_pointer_map_contains(&sized, ADDRESS(0)));
  ccgc_pointer_map_destroy(&sized);
  ccgc_pointer_map_destroy(&map);
}
END_TEST

static void *random_key(GRand *rand, uint32_t space) {
  /* Mostly dense aligned addresses (long runs, many collisions), some
   * scattered ones, a few unaligned. */
  uint32_t pick = g_rand_int_range(rand, 0, 16);
  if (pick == 0) return (void *)(uintptr_t)(0x7f0000000000 + 16 * (uintptr_t)g_rand_int(rand));
  if (pick == 1) return (char *)ADDRESS(g_rand_int_range(rand, 0, (gint32)space)) + 8;
  return ADDRESS(g_rand_int_range(rand, 0, (gint32)space));
}

static void compare_map(const ccgc_pointer_map *map, GHashTable *reference) {
  EXPECT(ccgc_pointer_map_size(map) == g_hash_table_size(reference));
  size_t cursor = 0;
  void *key;
  uint32_t value = 0;
  while (ccgc_pointer_map_next(map, &cursor, &key, &value)) {
    gpointer expected;
    EXPECT(g_hash_table_lookup_extended(reference, key, NULL, &expected));
    EXPECT(value == GPOINTER_TO_UINT(expected));
  }
  check_invariant(map);
}

START_TEST(random_map_operations_match_ghashtable) {
  GRand *rand = g_rand_new_with_seed(20240611);
  GHashTable *reference = g_hash_table_new(g_direct_hash, g_direct_equal);
  ccgc_pointer_map map;
  ccgc_pointer_map_init(&map, 0);
  const int operations = 400000;
  /* The key space grows then shrinks so the map grows, fills and empties. */
  for (int op = 0; op < operations; op++) {
    uint32_t space = op < operations / 2 ? 64 + (uint32_t)op / 8 : 2000;
    void *key = random_key(rand, space);
    uint32_t choice = g_rand_int_range(rand, 0, 10);
    if (op > operations * 3 / 4) choice = choice < 7 ? 9 : choice; /* drain */
    if (choice < 4) {
      uint32_t value = g_rand_int(rand) | 1;
      bool fresh = !g_hash_table_contains(reference, key);
      g_hash_table_insert(reference, key, GUINT_TO_POINTER(value));
      EXPECT(ccgc_pointer_map_insert(&map, key, value) == fresh);
    } else if (choice < 7) {
      gpointer expected;
      bool present = g_hash_table_lookup_extended(reference, key, NULL, &expected);
      uint32_t value = 0;
      EXPECT(ccgc_pointer_map_lookup(&map, key, &value) == present);
      EXPECT(ccgc_pointer_map_contains(&map, key) == present);
      if (present) EXPECT(value == GPOINTER_TO_UINT(expected));
    } else {
      gpointer expected;
      bool present = g_hash_table_lookup_extended(reference, key, NULL, &expected);
      uint32_t value = 0;
      EXPECT(ccgc_pointer_map_steal(&map, key, &value) == present);
      if (present) {
        EXPECT(value == GPOINTER_TO_UINT(expected));
        g_hash_table_remove(reference, key);
      }
      EXPECT(!ccgc_pointer_map_contains(&map, key));
    }
    EXPECT(ccgc_pointer_map_size(&map) == g_hash_table_size(reference));
    if (op % 4096 == 0) compare_map(&map, reference);
  }
  compare_map(&map, reference);
  ccgc_pointer_map_destroy(&map);
  g_hash_table_destroy(reference);
  g_rand_free(rand);
}
END_TEST

START_TEST(random_set_operations_match_ghashtable) {
  GRand *rand = g_rand_new_with_seed(7);
  GHashTable *reference = g_hash_table_new(g_direct_hash, g_direct_equal);
  ccgc_pointer_set set;
  ccgc_pointer_set_init(&set, 0);
  ck_assert_ptr_null(set.map.values);
  for (int op = 0; op < 300000; op++) {
    void *key = random_key(rand, 5000);
    uint32_t choice = g_rand_int_range(rand, 0, 3);
    bool present = g_hash_table_contains(reference, key);
    if (choice == 0) {
      EXPECT(ccgc_pointer_set_add(&set, key) == !present);
      g_hash_table_add(reference, key);
    } else if (choice == 1) {
      EXPECT(ccgc_pointer_set_contains(&set, key) == present);
    } else {
      EXPECT(ccgc_pointer_set_remove(&set, key) == present);
      g_hash_table_remove(reference, key);
    }
    EXPECT(ccgc_pointer_set_size(&set) == g_hash_table_size(reference));
  }
  size_t cursor = 0, count = 0;
  void *key;
  while (ccgc_pointer_set_next(&set, &cursor, &key)) {
    EXPECT(g_hash_table_contains(reference, key));
    count++;
  }
  EXPECT(count == g_hash_table_size(reference));
  check_invariant(&set.map);
  ccgc_pointer_set_clear(&set);
  EXPECT(ccgc_pointer_set_size(&set) == 0);
  EXPECT(!ccgc_pointer_set_next(&set, &(size_t){0}, &key));
  ccgc_pointer_set_destroy(&set);
  g_hash_table_destroy(reference);
  g_rand_free(rand);
}
END_TEST

int main(void) {
  Suite *suite = suite_create("pointer-set");
  TCase *tc = tcase_create("core");
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, insert_lookup_remove_with_collisions);
  tcase_add_test(tc, backward_shift_across_the_wrap);
  tcase_add_test(tc, growth_keeps_every_entry);
  tcase_add_test(tc, random_map_operations_match_ghashtable);
  tcase_add_test(tc, random_set_operations_match_ghashtable);
  suite_add_tcase(suite, tc);
  return ccgc_test_run(suite);
}
