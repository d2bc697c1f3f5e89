/* bench-v8-js.c - the JavaScript versions of the tree workloads that
 * bench-v8.c runs under node, embedded so that `ccgc bench` needs no file
 * beside the binary. Each defines main(args) (integers from the command
 * line) and prints only the lines the C side expects; the runner appended
 * by bench-v8.c prints node's version, "ccgc-v8: begin", calls main and
 * prints "ccgc-v8: end MS" (performance.now() around main).
 *
 * They mirror the C workloads (bench-binary-trees.c, bench-gcbench.c)
 * exactly: same depths, same iteration counts, same build orders. */
#include "bench-v8.h"

/* The benchmarks game's binary-trees: nodes are {left, right} objects built
 * bottom-up; a tree's check is its node count. */
static const char BINARY_TREES_JS[] =
    "class TreeNode {\n"
    "  constructor(left, right) { this.left = left; this.right = right; }\n"
    "}\n"
    "function bottomUpTree(depth) {\n"
    "  return depth > 0 ? new TreeNode(bottomUpTree(depth - 1), bottomUpTree(depth - 1))\n"
    "                   : new TreeNode(null, null);\n"
    "}\n"
    "function itemCheck(node) {\n"
    "  return node.left === null ? 1 : 1 + itemCheck(node.left) + itemCheck(node.right);\n"
    "}\n"
    "function main([n]) {\n"
    "  const minDepth = 4, maxDepth = Math.max(minDepth + 2, n);\n"
    "  const stretchDepth = maxDepth + 1;\n"
    "  console.log(`stretch tree of depth ${stretchDepth}\\t check: ` +\n"
    "              `${itemCheck(bottomUpTree(stretchDepth))}`);\n"
    "  const longLived = bottomUpTree(maxDepth);\n"
    "  for (let depth = minDepth; depth <= maxDepth; depth += 2) {\n"
    "    const iterations = 1 << (maxDepth - depth + minDepth);\n"
    "    let check = 0;\n"
    "    for (let i = 0; i < iterations; i++) check += itemCheck(bottomUpTree(depth));\n"
    "    console.log(`${iterations}\\t trees of depth ${depth}\\t check: ${check}`);\n"
    "  }\n"
    "  console.log(`long lived tree of depth ${maxDepth}\\t check: ${itemCheck(longLived)}`);\n"
    "}\n";

/* Boehm's GCBench: nodes {left, right, i, j}; a stretch tree built
 * bottom-up and dropped; a long-lived tree built top-down and an array of
 * doubles (a[i] = 1/i for the first half) kept to the end; for each depth,
 * NumIters trees built top-down and as many bottom-up, each dropped. */
static const char GCBENCH_JS[] =
    "class Node {\n"
    "  constructor(left, right) { this.left = left; this.right = right; this.i = 0; this.j = 0; }\n"
    "}\n"
    "function treeSize(depth) { return (1 << (depth + 1)) - 1; }\n"
    "function populate(depth, node) {\n"
    "  if (depth <= 0) return;\n"
    "  depth--;\n"
    "  node.left = new Node(null, null);\n"
    "  node.right = new Node(null, null);\n"
    "  populate(depth, node.left);\n"
    "  populate(depth, node.right);\n"
    "}\n"
    "function makeTree(depth) {\n"
    "  return depth <= 0 ? new Node(null, null)\n"
    "                    : new Node(makeTree(depth - 1), makeTree(depth - 1));\n"
    "}\n"
    "function countNodes(node) {\n"
    "  return node === null ? 0 : 1 + countNodes(node.left) + countNodes(node.right);\n"
    "}\n"
    "function main([stretchDepth, longLivedDepth, minDepth, maxDepth, arraySize]) {\n"
    "  let temp = makeTree(stretchDepth);\n"
    "  temp = null;\n"
    "  const longLived = new Node(null, null);\n"
    "  populate(longLivedDepth, longLived);\n"
    "  const array = new Array(arraySize).fill(0.0);\n"
    "  for (let i = 0; i < arraySize / 2; i++) array[i] = 1.0 / i;\n"
    "  for (let depth = minDepth; depth <= maxDepth; depth += 2) {\n"
    "    const iters = Math.floor(2 * treeSize(stretchDepth) / treeSize(depth));\n"
    "    for (let i = 0; i < iters; i++) {\n"
    "      const tree = new Node(null, null);\n"
    "      populate(depth, tree);\n"
    "    }\n"
    "    for (let i = 0; i < iters; i++) makeTree(depth);\n"
    "    console.log(`${2 * iters} trees of depth ${depth}`);\n"
    "  }\n"
    "  console.log(`long-lived tree nodes: ${countNodes(longLived)}`);\n"
    "  console.log(`array[1000] = 1/1000: ${arraySize <= 1000 || array[1000] === 1.0 / 1000}`);\n"
    "}\n";

const char *bench_v8_workload_source(bench_v8_workload workload) {
  return workload == BENCH_V8_GCBENCH ? GCBENCH_JS : BINARY_TREES_JS;
}

const char *bench_v8_workload_name(bench_v8_workload workload) {
  return workload == BENCH_V8_GCBENCH ? "gcbench" : "binary-trees";
}
