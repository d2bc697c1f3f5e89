/* mock-world.c - two mock heaps under one collector (mock-world.h). */
#include "mock-world.h"

#include <check.h>

mock_world mock_world_new(const ccgc_collector_options *options) {
  ccgc_collector_options verified = {.verify = true};
  mock_world world;
  world.collector = ccgc_collector_new(options ? options : &verified);
  ck_assert_ptr_nonnull(world.collector);
  world.a = mock_heap_new(world.collector, "alpha");
  world.b = mock_heap_new(world.collector, "beta");
  ck_assert_int_eq(mock_heap_id(world.a), 0);
  ck_assert_int_eq(mock_heap_id(world.b), 1);
  return world;
}

void mock_world_free(mock_world *world) {
  mock_heap_free(world->a);
  mock_heap_free(world->b);
  ccgc_collector_free(world->collector);
}

mock_object *mock_world_tree(mock_world *world, int depth) {
  mock_object *node = mock_alloc(depth % 2 ? world->a : world->b, 4);
  if (depth > 0)
    for (unsigned i = 0; i < 4; i++)
      mock_set(world->a, node, i, mock_world_tree(world, depth - 1));
  return node;
}
