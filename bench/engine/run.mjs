// The tracker engine benchmark (issue 6), in one run: our engine through its wasm
// JavaScript API under Node, our native engine, npm @gorhill/ubo-core and npm
// @ghostery/adblocker, on the same requests and the same EasyList + EasyPrivacy.
//   make bench-engine      (builds the release and wasm presets, then runs this)
//   node bench/engine/run.mjs [--passes N] [--requests FILE.json[.gz]] [--json OUT]
// Prints each engine's figures, the agreement of our decisions with each peer, every
// kind of disagreement with ubo-core, and the bars: met or not (exit status 1).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import zlib from 'node:zlib';

import { createUbo, ghostery, ghosteryType, uboEngineClass, uboType } from './peers.mjs';

// Memory is measured after garbage collection: run again with it exposed.
if (typeof globalThis.gc !== 'function') {
  const child = spawnSync(process.execPath, ['--expose-gc', fileURLToPath(import.meta.url), ...process.argv.slice(2)],
    { stdio: 'inherit' });
  process.exit(child.status ?? 1);
}

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const shared = process.env.CONSENTRY_SHARED_DIR ?? path.resolve(root, '../shared');
const options = { passes: 3, requests: path.join(shared, 'testdata/requests/requests.json.gz'), json: null };
for (let i = 2; i < process.argv.length; i++) {
  const arg = process.argv[i];
  if (arg === '--passes') options.passes = Math.max(1, Number(process.argv[++i]));
  else if (arg === '--requests') options.requests = path.resolve(process.argv[++i]);
  else if (arg === '--json') options.json = path.resolve(process.argv[++i]);
  else {
    console.error('usage: node bench/engine/run.mjs [--passes N] [--requests FILE.json[.gz]] [--json OUT]');
    process.exit(2);
  }
}
const listPaths = ['easylist.txt', 'easyprivacy.txt'].map((name) => path.join(shared, 'testdata/lists', name));
const nativeBench = path.join(root, 'build/release/bin/consentry_engine_bench');
const wasmEngine = path.join(root, 'build/wasm/dist/engine.js');
for (const needed of [nativeBench, wasmEngine, options.requests, ...listPaths]) {
  if (!fs.existsSync(needed)) {
    console.error(`missing ${needed}: run \`make release wasm\` first (or \`make bench-engine\`)`);
    process.exit(2);
  }
}

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'consentry-bench-'));
const raw = fs.readFileSync(options.requests);
const requests = JSON.parse(options.requests.endsWith('.gz') ? zlib.gunzipSync(raw) : raw);
const lists = listPaths.map((file) => ({ name: path.basename(file), raw: fs.readFileSync(file, 'utf8') }));
const n = requests.length;
console.log(`${n} requests, ${lists.map((l) => l.name).join(' + ')}, ${options.passes} passes ` +
            `(each request's time is its fastest pass), Node ${process.version}, ${os.cpus().length} CPUs, ` +
            `load average ${os.loadavg().map((x) => x.toFixed(1)).join(' ')}\n`);

// ---- Measuring ---------------------------------------------------------------------

function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
}
function summarize(times) {
  const sorted = Float64Array.from(times).sort();
  let sum = 0;
  for (const t of times) sum += t;
  return { median_ns: percentile(sorted, 0.5), p99_ns: percentile(sorted, 0.99), mean_ns: sum / times.length };
}
function heapBytes() {
  globalThis.gc();
  globalThis.gc();
  const usage = process.memoryUsage();
  return usage.heapUsed + usage.external;
}
function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

/** Per-request times (fastest of `passes`) and decisions of `decide(request, i)`. */
function timeRequests(engines) {
  const results = engines.map(() => ({ best: new Float64Array(n).fill(Infinity), decisions: new Uint8Array(n),
                                        first_request_us: 0 }));
  // Passes alternate between engines, so that each meets the same machine.
  for (let pass = 0; pass < options.passes; pass++) {
    engines.forEach((engine, e) => {
      const { best, decisions } = results[e];
      for (let i = 0; i < n; i++) {
        const start = process.hrtime.bigint();
        const blocked = engine.decide(i);
        const ns = Number(process.hrtime.bigint() - start);
        if (ns < best[i]) best[i] = ns;
        if (pass === 0) {
          decisions[i] = blocked ? 1 : 0;
          if (i === 0) results[e].first_request_us = ns / 1000;
        }
      }
    });
  }
  return results.map((r) => {
    let blocked = 0;
    for (const d of r.decisions) blocked += d;
    return { ...summarize(r.best), blocked, decisions: r.decisions, first_request_us: r.first_request_us };
  });
}

function timeLoads(load, count = 21) {
  const times = [];
  for (let k = 0; k < count; k++) {
    const start = performance.now();
    load();
    times.push(performance.now() - start);
  }
  return { first_load_ms: times[0], load_ms: median(times) };
}

// ---- Our engine, native ------------------------------------------------------------

const tsv = path.join(work, 'requests.tsv');
fs.writeFileSync(tsv, requests.map((r) => `${r.cpt}\t${r.url}\t${r.frameUrl}`).join('\n') + '\n');
const imagePath = path.join(work, 'rules.bin');
const decisionsPath = path.join(work, 'decisions.txt');
const nativeRun = spawnSync(nativeBench, ['--requests', tsv, ...listPaths.flatMap((l) => ['--list', l]),
                                          '--passes', String(options.passes), '--image', imagePath,
                                          '--decisions', decisionsPath], { encoding: 'utf8', maxBuffer: 1 << 26 });
if (nativeRun.status !== 0) {
  console.error(nativeRun.stderr);
  process.exit(1);
}
const native = JSON.parse(nativeRun.stdout);
native.decisions = Uint8Array.from(fs.readFileSync(decisionsPath, 'utf8'), (c) => (c === '1' ? 1 : 0));

// ---- Our engine through its wasm JavaScript API ------------------------------------

const { loadCore } = await import(pathToFileURL(wasmEngine).href);
const ours = { engine: 'consentry (wasm, JS API)', compile_ms: native.compile_ms };
{
  let before = heapBytes();
  let core = await loadCore();
  let image = new Uint8Array(fs.readFileSync(imagePath));
  let blocker = core.loadBlocker(image);
  image = null;
  ours.memory_bytes = heapBytes() - before;
  ours.wasm_memory_bytes = core.memoryBytes;
  ours.image_bytes = fs.statSync(imagePath).size;
  const bytes = new Uint8Array(fs.readFileSync(imagePath));
  Object.assign(ours, timeLoads(() => core.loadBlocker(bytes).dispose()));
  ours.blocker = blocker;
}

// ---- ubo-core ----------------------------------------------------------------------

const ubo = { engine: '@gorhill/ubo-core' };
let uboEngine;
{
  let start = performance.now();
  uboEngine = await createUbo(lists);
  ubo.compile_ms = performance.now() - start;
  const selfie = await uboEngine.serialize();
  const selfiePath = path.join(work, 'ubo.selfie');
  fs.writeFileSync(selfiePath, selfie);
  ubo.image_bytes = fs.statSync(selfiePath).size;
  await uboEngine.useLists([]);
  const before = heapBytes();
  let text = fs.readFileSync(selfiePath, 'utf8');
  await uboEngine.deserialize(text);
  text = null;
  ubo.memory_bytes = heapBytes() - before;
  const loads = [];
  for (let k = 0; k < 21; k++) {
    start = performance.now();
    await uboEngine.deserialize(selfie);
    loads.push(performance.now() - start);
  }
  ubo.first_load_ms = loads[0];
  ubo.load_ms = median(loads);
}

// ---- @ghostery/adblocker -----------------------------------------------------------

const ghost = { engine: '@ghostery/adblocker' };
const { FiltersEngine, Request } = await ghostery();
let ghostEngine;
{
  // Network rules only: the image of ours holds no cosmetic rules either.
  const config = { loadCosmeticFilters: false, loadNetworkFilters: true };
  let start = performance.now();
  ghostEngine = FiltersEngine.parse(lists.map((l) => l.raw).join('\n'), config);
  ghost.compile_ms = performance.now() - start;
  const serialized = ghostEngine.serialize();
  const serializedPath = path.join(work, 'ghostery.bin');
  fs.writeFileSync(serializedPath, serialized);
  ghost.image_bytes = serialized.length;
  ghostEngine = null;
  const before = heapBytes();
  let bytes = new Uint8Array(fs.readFileSync(serializedPath));
  ghostEngine = FiltersEngine.deserialize(bytes);
  bytes = null;
  ghost.memory_bytes = heapBytes() - before;
  Object.assign(ghost, timeLoads(() => FiltersEngine.deserialize(serialized)));
}

// ---- Per-request times -------------------------------------------------------------

const uboDetails = requests.map((r) => ({ originURL: r.frameUrl, url: r.url, type: uboType(r.cpt) }));
const ghostTypes = requests.map((r) => ghosteryType(r.cpt));
const blocker = ours.blocker;
delete ours.blocker;
const [oursTimes, uboTimes, ghostTimes] = timeRequests([
  { decide: (i) => blocker.match(requests[i].url, requests[i].cpt, requests[i].frameUrl).verdict !== 'allow' },
  { decide: (i) => uboEngine.matchRequest(uboDetails[i]) === 1 },
  { decide: (i) => ghostEngine.match(Request.fromRawDetails({ url: requests[i].url, sourceUrl: requests[i].frameUrl,
                                                             type: ghostTypes[i] })).match },
]);
Object.assign(ours, oursTimes);
Object.assign(ubo, uboTimes);
Object.assign(ghost, ghostTimes);

// ---- Agreement ---------------------------------------------------------------------

function agreement(a, b) {
  let same = 0;
  for (let i = 0; i < n; i++) same += a[i] === b[i] ? 1 : 0;
  return same / n;
}
ours.agreement_ubo = agreement(ours.decisions, ubo.decisions);
ours.agreement_ghostery = agreement(ours.decisions, ghost.decisions);
native.agreement_ubo = agreement(native.decisions, ubo.decisions);
native.agreement_ghostery = agreement(native.decisions, ghost.decisions);
const nativeWasmSame = agreement(native.decisions, ours.decisions);

// Every kind of disagreement with ubo-core: by which side blocks, with which rule.
const kinds = new Map();
for (let i = 0; i < n; i++) {
  if (ours.decisions[i] === ubo.decisions[i]) continue;
  const r = requests[i];
  const verdict = blocker.match(r.url, r.cpt, r.frameUrl);
  const ourRule = verdict.verdict === 'allow' && !verdict.exception ? '' : blocker.lastFilter();
  const uboResult = uboEngine.matchRequest(uboDetails[i]);
  const uboRule = uboResult !== 0 ? uboEngine.toLogData().raw : '';
  const key = `${ours.decisions[i] ? 'ours blocks' : 'ubo blocks'} | ours: ${ourRule || '-'} | ubo: ${uboRule || '-'}`;
  const entry = kinds.get(key) ?? { count: 0, example: `${r.cpt} ${r.url} (page ${r.frameUrl})` };
  entry.count++;
  kinds.set(key, entry);
}

// ---- Report ------------------------------------------------------------------------

const engines = [ours, native, ubo, ghost];
const fmt = {
  ms: (x) => (x === undefined ? '-' : x < 10 ? x.toFixed(2) : x.toFixed(0)),
  bytes: (x) => (x === undefined ? '-' : `${(x / 1048576).toFixed(2)} MiB`),
  ns: (x) => (x === undefined ? '-' : `${Math.round(x)}`),
  pct: (x) => (x === undefined ? '-' : `${(100 * x).toFixed(3)} %`),
};
const rows = [
  ['compile/parse (ms)', (e) => fmt.ms(e.compile_ms)],
  ['serialised size', (e) => fmt.bytes(e.image_bytes)],
  ['load, median of 21 (ms)', (e) => fmt.ms(e.load_ms)],
  ['first load (ms)', (e) => fmt.ms(e.first_load_ms)],
  ['memory after load', (e) => fmt.bytes(e.memory_bytes)],
  ['median per request (ns)', (e) => fmt.ns(e.median_ns)],
  ['p99 per request (ns)', (e) => fmt.ns(e.p99_ns)],
  ['mean per request (ns)', (e) => fmt.ns(e.mean_ns)],
  ['first request (µs)', (e) => (e.first_request_us === undefined ? '-' : e.first_request_us.toFixed(1))],
  ['requests blocked', (e) => String(e.blocked)],
  ['agreement with ubo-core', (e) => (e === ubo ? '-' : fmt.pct(e.agreement_ubo))],
  ['agreement with ghostery', (e) => (e === ghost ? '-' : fmt.pct(e.agreement_ghostery))],
];
const header = ['', ...engines.map((e) => e.engine)];
const table = [header, ...rows.map(([label, f]) => [label, ...engines.map(f)])];
const widths = header.map((_, c) => Math.max(...table.map((row) => row[c].length)));
const line = (row) => `| ${row.map((cell, c) => cell.padEnd(widths[c])).join(' | ')} |`;
console.log(line(table[0]));
console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
for (const row of table.slice(1)) console.log(line(row));
console.log(`\nwasm memory of our module after loading: ${fmt.bytes(ours.wasm_memory_bytes)}; ` +
            `native and wasm decisions identical on ${fmt.pct(nativeWasmSame)} of requests`);

console.log(`\nDisagreements with ubo-core: ${[...kinds.values()].reduce((a, k) => a + k.count, 0)} requests, ` +
            `${kinds.size} kinds`);
for (const [key, { count, example }] of [...kinds.entries()].sort((a, b) => b[1].count - a[1].count)) {
  console.log(`  ${String(count).padStart(6)}  ${key}\n          e.g. ${example}`);
}

const bars = [
  ['median per request (wasm) ≤ 0.6 × ubo-core', ours.median_ns <= 0.6 * ubo.median_ns,
   `${fmt.ns(ours.median_ns)} ns ≤ ${fmt.ns(0.6 * ubo.median_ns)} ns`],
  ['p99 per request (wasm) ≤ 1.0 × ubo-core', ours.p99_ns <= ubo.p99_ns,
   `${fmt.ns(ours.p99_ns)} ns ≤ ${fmt.ns(ubo.p99_ns)} ns`],
  ['loading the image ≤ 2 ms', ours.load_ms <= 2, `${fmt.ms(ours.load_ms)} ms (median of 21; first ${fmt.ms(ours.first_load_ms)} ms)`],
  ['image ≤ ghostery\'s', ours.image_bytes <= ghost.image_bytes,
   `${fmt.bytes(ours.image_bytes)} ≤ ${fmt.bytes(ghost.image_bytes)}`],
  ['memory ≤ ghostery\'s', ours.memory_bytes <= ghost.memory_bytes,
   `${fmt.bytes(ours.memory_bytes)} ≤ ${fmt.bytes(ghost.memory_bytes)}`],
  ['agreement with ubo-core ≥ 99.5 %', ours.agreement_ubo >= 0.995, fmt.pct(ours.agreement_ubo)],
];
console.log('\nBars (issue 6):');
for (const [name, met, detail] of bars) console.log(`  ${met ? 'met    ' : 'NOT MET'}  ${name}: ${detail}`);

const result = {
  date: new Date().toISOString(), node: process.version, cpus: os.cpus().length, load_average: os.loadavg(),
  requests: n, passes: options.passes,
  engines: engines.map(({ decisions, ...rest }) => rest),
  native_wasm_agreement: nativeWasmSame,
  disagreements_with_ubo: [...kinds.entries()].map(([kind, v]) => ({ kind, ...v })),
  bars: bars.map(([name, met, detail]) => ({ name, met, detail })),
};
const jsonPath = options.json ?? path.join(root, 'build/bench/engine.json');
fs.mkdirSync(path.dirname(jsonPath), { recursive: true });
fs.writeFileSync(jsonPath, JSON.stringify(result, null, 2) + '\n');
console.log(`\nresults: ${path.relative(process.cwd(), jsonPath)}`);
fs.rmSync(work, { recursive: true, force: true });
process.exitCode = bars.every(([, met]) => met) ? 0 : 1;
