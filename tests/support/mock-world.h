/* mock-world.h - the fixture of the marking and inspection suites: one
 * collector with two mock heaps, "alpha" (heap id 0) and "beta" (heap id 1),
 * so every test can build graphs that cross heaps. */
#ifndef CCGC_MOCK_WORLD_H
#define CCGC_MOCK_WORLD_H

#include "ccgc.h"
#include "mock-heap.h"

typedef struct mock_world {
  ccgc_collector *collector;
  mock_heap *a, *b;
} mock_world;

/* options NULL: the verifier on, nothing else. */
mock_world mock_world_new(const ccgc_collector_options *options);
void mock_world_free(mock_world *world);
/* A tree with fan-out 4, its levels alternating between the heaps (the
 * root in beta for an even depth): (4^(depth+1) - 1) / 3 objects, 87381
 * for depth 8. Not rooted. */
mock_object *mock_world_tree(mock_world *world, int depth);

#endif
