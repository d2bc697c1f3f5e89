#!/usr/bin/env node
// memlab-check.js - a real third-party reader of our heap snapshots: memlab
// (@memlab/heap-analysis, @memlab/api from the npm registry, installed by
// tools/install-deps.sh). For each bridge mode it runs
// `ccgc snapshot --series DIR`, then checks with memlab that
//  - every snapshot loads (getFullHeapFromFile) with the node and edge
//    counts the host counted with its own walk (DIR/expected.json);
//  - memlab finds exactly the detached DOM nodes the scenario created
//    (is_detached), and no attached DOM node is detached;
//  - findLeaksBySnapshotFilePaths(baseline, target, final) returns a leak
//    trace from the root through the script heap into a leaked, detached DOM
//    node of the DOM heap.
//
// usage: node memlab-check.js --ccgc PATH/TO/ccgc [--node-modules DIR]
//                             [--work DIR] [--keep]
// Exits 0 when every check passed; prints "N passed, M failed" last.
'use strict';

const assert = require('assert');
const childProcess = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');

function parseArgs(argv) {
  const args = {
    ccgc: null,
    nodeModules: path.resolve(__dirname, '../../build-node/node_modules'),
    work: null,
    keep: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const value = () => {
      if (i + 1 >= argv.length) throw new Error(`${argv[i]} needs a value`);
      return argv[++i];
    };
    switch (argv[i]) {
      case '--ccgc': args.ccgc = value(); break;
      case '--node-modules': args.nodeModules = value(); break;
      case '--work': args.work = value(); break;
      case '--keep': args.keep = true; break;
      default: throw new Error(`unknown argument '${argv[i]}'`);
    }
  }
  if (!args.ccgc) throw new Error('--ccgc PATH is required');
  return args;
}

function loadMemlab(nodeModules) {
  const load = name => {
    const where = path.join(nodeModules, name);
    try {
      return require(where);
    } catch (error) {
      throw new Error(`cannot load ${name} from ${nodeModules} (${error.code || error.message}); ` +
                      'run tools/install-deps.sh, which installs memlab there');
    }
  };
  const core = load('@memlab/core');
  core.config.muteConsole = true; // getFullHeapFromFile's progress lines
  return {
    heapAnalysis: load('@memlab/heap-analysis'),
    api: load('@memlab/api'),
    version: require(path.join(nodeModules, '@memlab/api/package.json')).version,
  };
}

let passed = 0;
let failed = 0;
async function check(name, body) {
  try {
    await body();
    passed++;
    console.log(`ok: ${name}`);
  } catch (error) {
    failed++;
    console.log(`FAILED: ${name}\n  ${String(error.stack || error).split('\n').join('\n  ')}`);
  }
}

// Names of DOM nodes (the host model's Document, Element and Text types), as
// opposed to the other DOM-heap objects (EventListener, HeapVector...).
const isDomNodeName = name => /^HTML.*Element$|^HTMLDocument$|^Text$/.test(name);
const scriptTypes = new Set(['object', 'closure', 'array', 'string', 'number', 'hidden']);

// A trace as memlab serializes it: keys "N:   --EDGE (TYPE)--->  [NAME](TYPE) @ID ...".
function traceSteps(trace) {
  const steps = [];
  for (const key of Object.keys(trace)) {
    const match = key.match(/^(\d+):\s+(?:--(.*?) \(([a-z]+)\)--->\s+)?\[(.*)\]\(([a-z ]+)\) @(\d+)(.*)$/s);
    if (!match) continue;
    steps[Number(match[1])] = {
      edge: match[2], edgeType: match[3], name: match[4], type: match[5],
      id: Number(match[6]), leaked: /\$memLabTag:leaked/.test(match[7]),
    };
  }
  return steps.filter(Boolean);
}

async function checkMode(memlab, args, work, mode) {
  const dir = path.join(work, mode);
  const command = ['snapshot', '--series', dir, '--quiet'];
  if (mode === 'baseline') command.push('--baseline');
  await check(`${mode}: ccgc ${command.join(' ')}`, () => {
    childProcess.execFileSync(args.ccgc, command, {stdio: ['ignore', 'inherit', 'inherit']});
  });
  const expectedPath = path.join(dir, 'expected.json');
  if (!fs.existsSync(expectedPath)) {
    failed++;
    console.log(`FAILED: ${mode}: no ${expectedPath}`);
    return;
  }
  const expected = JSON.parse(fs.readFileSync(expectedPath, 'utf8'));
  const files = {};
  for (const [point, info] of Object.entries(expected.snapshots)) {
    files[point] = path.join(dir, info.file);
    await check(`${mode}/${point}: memlab loads it with the host's counts and detachedness`, async () => {
      const heap = await memlab.heapAnalysis.getFullHeapFromFile(files[point]);
      assert.strictEqual(heap.nodes.length, info.node_count, 'node count');
      assert.strictEqual(heap.edges.length, info.edge_count, 'edge count');
      assert.strictEqual(info.node_count,
                         info.walk_objects - info.wrapper_pairs + 1 + info.root_groups);
      const root = heap.nodes.get(0);
      assert.strictEqual(root.id, 1, 'the root is node 0 with id 1');
      assert.strictEqual(root.type, 'synthetic');
      for (const node of info.attached) {
        const found = heap.getNodeById(node.id);
        assert.ok(found, `attached ${node.label} @${node.id} is in the snapshot`);
        assert.strictEqual(found.type, 'native');
        assert.strictEqual(found.name, node.name, `@${node.id}: ${found.name}`);
        assert.ok(!found.is_detached, `attached ${node.label} @${node.id} is not detached`);
      }
      for (const node of info.detached) {
        const found = heap.getNodeById(node.id);
        assert.ok(found, `detached ${node.label} @${node.id} is in the snapshot`);
        assert.ok(found.is_detached, `memlab sees ${node.label} @${node.id} as detached`);
        assert.strictEqual(found.name, `Detached ${node.name}`, 'memlab adds the prefix once');
      }
      // memlab's detached DOM nodes are exactly the host's; it also marks
      // the other native objects under them (listener vectors) detached.
      const expectedDetached = new Set(info.detached.map(node => node.id));
      const seen = [];
      heap.nodes.forEach(node => {
        if (!node.is_detached) return;
        assert.strictEqual(node.type, 'native', `detached @${node.id} ${node.name} is native`);
        if (isDomNodeName(node.name.replace(/^Detached /, ''))) seen.push(node.id);
      });
      assert.deepStrictEqual(seen.sort((a, b) => a - b),
                             [...expectedDetached].sort((a, b) => a - b),
                             'the detached DOM nodes memlab finds');
    });
  }
  await check(`${mode}: the scenario leaves detached DOM nodes that memlab must report`, () => {
    assert.ok(expected.snapshots.final.detached.length > 0, 'detached DOM nodes in final');
    assert.ok(expected.leaked.length > 0, 'leaked DOM nodes (new in target, alive in final)');
    assert.ok(expected.leaked.some(node => node.label === '#modal'), '#modal leaks');
    if (mode === 'baseline')
      assert.ok(expected.leaked.some(node => node.label === '#tooltip'), '#tooltip leaks');
  });
  await check(`${mode}: findLeaksBySnapshotFilePaths finds a leak trace through both heaps`, async () => {
    const workDir = fs.mkdtempSync(path.join(work, `memlab-${mode}-`));
    const traces = await memlab.api.findLeaksBySnapshotFilePaths(
        files.baseline, files.target, files.final, {workDir, consoleMode: 'SILENT'});
    assert.ok(Array.isArray(traces) && traces.length > 0, 'memlab reports at least one leak');
    const final = await memlab.heapAnalysis.getFullHeapFromFile(files.final);
    const leaked = new Set(expected.leaked.map(node => node.id));
    const stepLists = traces.map(traceSteps);
    const crosses = steps => {
      if (steps.length < 3 || steps[0].id !== 1) return false;
      const leakAt = steps.findIndex(step => step.leaked && leaked.has(step.id));
      if (leakAt < 0) return false;
      const leakNode = final.getNodeById(steps[leakAt].id);
      if (!leakNode || leakNode.type !== 'native' || !leakNode.is_detached) return false;
      // the path reaches the DOM node from a script-heap object
      return steps.slice(1, leakAt).some(step => scriptTypes.has(step.type) &&
                                                 final.getNodeById(step.id).type === step.type);
    };
    const shown = stepLists.map(steps => steps.map(step =>
        `${step.edge ? `--${step.edge}--> ` : ''}${step.name}(${step.type})@${step.id}`).join(' '));
    const crossing = stepLists.findIndex(crosses);
    assert.ok(crossing >= 0, 'no trace from the root through the script heap to a leaked ' +
                             `DOM node; traces:\n${shown.join('\n')}`);
    console.log(`  ${mode}: ${traces.length} leak trace(s), e.g. ${shown[crossing]}`);
  });
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const memlab = loadMemlab(args.nodeModules);
  const work = args.work || fs.mkdtempSync(path.join(os.tmpdir(), 'ccgc-memlab-'));
  fs.mkdirSync(work, {recursive: true});
  // A --work dir is kept for inspection; start it afresh (only what we make).
  for (const entry of fs.readdirSync(work))
    if (/^(unified|baseline|memlab-(unified|baseline)-.*)$/.test(entry))
      fs.rmSync(path.join(work, entry), {recursive: true, force: true});
  console.log(`memlab ${memlab.version}, node ${process.version}, work dir ${work}`);
  for (const mode of ['unified', 'baseline']) await checkMode(memlab, args, work, mode);
  if (!args.keep && !args.work) fs.rmSync(work, {recursive: true, force: true});
  console.log(`${passed} passed, ${failed} failed`);
  process.exitCode = failed ? 1 : 0;
}

main().catch(error => {
  console.log(`FAILED: ${error.message}`);
  console.log(`${passed} passed, ${failed + 1} failed`);
  process.exitCode = 1;
});
