#!/usr/bin/env node
// memlab-check.js - a real third-party reader of our heap snapshots: memlab
// (@memlab/heap-analysis, @memlab/api from the npm registry, installed by
// tools/install-deps.sh). For each bridge mode it runs
// `ccgc snapshot --series DIR`, then checks with memlab that
//  - every snapshot loads (getFullHeapFromFile) with the node and edge
//    counts the host counted with its own walk (DIR/expected.json), V8's
//    roots ("(GC roots)" id 3, the user roots as shortcuts from the root);
//  - memlab finds exactly the detached DOM nodes the scenario created
//    (is_detached), and no attached DOM node is detached;
//  - findLeaksBySnapshotFilePaths(baseline, target, final) returns a leak
//    trace from the root through the script heap into the leaked, detached
//    #modal div and on into one of its buttons, never ending at an
//    InternalNode (the DOM heap's vectors, which memlab does not count as
//    leaks);
//  - the heap analysis behind `memlab analyze detached-DOM`
//    (DetachedDOMElementAnalysis) lists the detached #modal div and every
//    button in it, and what it prints lies inside that subtree.
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
    core,
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
const isDomNodeName = name => /^HTML.*Element$|^HTMLDocument$|^Text$|^SVG.*Element$|^MathMLElement$/.test(name);
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
      // + the root and "(GC roots)"; + an edge to "(GC roots)", one to
      // each root category, a shortcut to each user root.
      assert.strictEqual(info.node_count,
                         info.walk_objects - info.wrapper_pairs + 2 + info.root_groups);
      assert.strictEqual(info.edge_count, info.walk_edges - 2 * info.wrapper_pairs + 1 +
                                          info.root_groups + info.user_roots);
      const root = heap.nodes.get(0);
      assert.strictEqual(root.id, 1, 'the root is node 0 with id 1');
      assert.strictEqual(root.type, 'synthetic');
      const gcRoots = heap.nodes.get(1);
      assert.strictEqual(gcRoots.name, '(GC roots)');
      assert.strictEqual(gcRoots.id, 3);
      assert.ok(gcRoots.references.some(edge => edge.toNode.name === '(Global handles)'),
                '(Global handles) under (GC roots)');
      // User roots: app (the page's global object) and the document.
      const shortcuts = root.references.filter(edge => edge.type === 'shortcut')
                                       .map(edge => edge.toNode);
      assert.strictEqual(shortcuts.length, info.user_roots, 'a shortcut per user root');
      const document = info.attached.find(node => node.label === '#document');
      assert.ok(shortcuts.some(node => node.id === document.id), 'the document is a user root');
      assert.ok(shortcuts.some(node => node.type === 'object' && node.name === 'Object'),
                'app is a user root');
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
  // The leaked #modal div and its buttons (the host's own account).
  const modal = expected.leaked.find(node => node.label === '#modal');
  const modalButtons = expected.snapshots.final.detached
      .filter(node => node.parent === (modal && modal.id) && node.name === 'HTMLButtonElement');
  await check(`${mode}: the #modal div and its buttons leak`, () => {
    assert.ok(modal, '#modal leaks');
    assert.ok(modalButtons.length >= 3, `#modal holds buttons (${modalButtons.length})`);
    const leaked = new Set(expected.leaked.map(node => node.id));
    modalButtons.forEach(node => assert.ok(leaked.has(node.id), `button @${node.id} leaks`));
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
    // memlab reports the #modal subtree: a trace runs through the leaked
    // #modal div into one of its leaked buttons; no trace ends at an
    // InternalNode (memlab's leak filter skips those, as in Chrome).
    const buttonIds = new Set(modalButtons.map(node => node.id));
    const throughModal = stepLists.findIndex(steps =>
        steps.some(step => step.id === modal.id && step.leaked) &&
        steps.some(step => buttonIds.has(step.id) && step.leaked));
    assert.ok(throughModal >= 0, `no trace through #modal @${modal.id} into one of its buttons; ` +
                                 `traces:\n${shown.join('\n')}`);
    for (const steps of stepLists)
      assert.ok(!/InternalNode/.test(steps[steps.length - 1].name),
                `a trace ends at an InternalNode: ${shown.join('\n')}`);
    console.log(`  ${mode}: ${traces.length} leak trace(s), e.g. ${shown[throughModal]}`);
  });
  await check(`${mode}: analyze detached-DOM lists the #modal div and its buttons`, async () => {
    // What `memlab analyze detached-DOM --snapshot final.heapsnapshot` runs.
    const analysis = new memlab.heapAnalysis.DetachedDOMElementAnalysis();
    const workDir = fs.mkdtempSync(path.join(work, `memlab-${mode}-detached-`));
    const {analysisOutputFile} = await analysis.analyzeSnapshotFromFile(files.final, {workDir});
    const listed = analysis.getDetachedElements();
    const listedIds = new Set(listed.map(node => node.id));
    assert.ok(listedIds.has(modal.id), `#modal @${modal.id} is not listed: ` +
              listed.map(node => `${node.name}@${node.id}`).join(', '));
    for (const button of modalButtons)
      assert.ok(listedIds.has(button.id), `button @${button.id} of #modal is not listed`);
    const div = listed.find(node => node.id === modal.id);
    assert.strictEqual(div.name, 'Detached HTMLDivElement');
    assert.ok(!listed.some(node => /HeapVector/.test(node.name)),
              'the DOM heap\'s vectors are InternalNode');
    // Its printout keeps, of the listed nodes, those that are no listed
    // node's immediate dominator (memlab's filterOutDominators: a parent
    // retaining less than 500 KB beyond its listed children is dropped), so
    // it shows the leaves: what it prints lies in the host's detached
    // subtrees (in final: #modal; with --baseline also #menu, #tooltip).
    const printed = [...fs.readFileSync(analysisOutputFile, 'utf8').matchAll(/@(\d+)/g)]
        .map(match => Number(match[1]));
    assert.ok(printed.length > 0, 'the analysis prints detached nodes');
    const detachedIds = new Set(expected.snapshots.final.detached.map(node => node.id));
    const final = await memlab.heapAnalysis.getFullHeapFromFile(files.final);
    for (const id of printed) {
      let node = final.getNodeById(id);
      const seen = new Set();
      while (node && !detachedIds.has(node.id) && !seen.has(node.id)) {
        seen.add(node.id);
        node = node.dominatorNode;
      }
      assert.ok(node && detachedIds.has(node.id), `printed @${id} is in no detached subtree`);
    }
    console.log(`  ${mode}: detached-DOM lists ${listed.length} nodes: ` +
                listed.map(node => `${node.name}@${node.id}`).join(', '));
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
