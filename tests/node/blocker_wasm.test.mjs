// The tracker engine through its wasm JavaScript API (build/wasm/dist/engine.js), on a
// bundle the native `consentry build` wrote: verdicts, consent, refusals, and the hot
// path's buffer handling (long and non-ASCII URLs, pages changing).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const dist = join(process.env.WASM_DIR ?? '', '..', 'dist');
const engineFile = join(dist, 'engine.js');
const policy = join(process.env.SOURCE_DIR ?? '', 'tests/fixtures/policies/trackers');

const list = [
  '||hotjar.test^$third-party',
  '||ads.example.com^',
  '@@||ads.example.com/ok/',
  '/pixel.gif?',
  '||xn--bcher-kva.test^',
  '',
].join('\n');

function buildImage() {
  const work = mkdtempSync(join(tmpdir(), 'consentry-blocker-wasm-'));
  try {
    writeFileSync(join(work, 'list.txt'), list);
    const run = spawnSync(process.env.CONSENTRY, ['build', policy, '--list', join(work, 'list.txt'), '-o',
                                                  join(work, 'out')], { encoding: 'utf8' });
    assert.equal(run.status, 0, run.stderr);
    return new Uint8Array(readFileSync(join(work, 'out', 'rules.bin')));
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

async function setUp() {
  assert.ok(existsSync(engineFile), `${engineFile} is missing: build the wasm preset first`);
  const api = await import(pathToFileURL(engineFile).href);
  const core = await api.loadCore();
  const image = buildImage();
  return { api, core, image, blocker: core.loadBlocker(image) };
}

const page = 'https://www.clinic.example/';

test('verdicts: vendor, undisclosed, exception, allow', async () => {
  const { blocker } = await setUp();
  const ga = blocker.match('https://www.google-analytics.com/g/collect?v=2', 'ping', page);
  assert.equal(ga.verdict, 'block');
  assert.equal(ga.vendor.id, 'google_analytics');
  assert.equal(ga.vendor.name, 'Google Analytics');
  assert.deepEqual(ga.purposes, ['analytics']);
  assert.ok(Object.isFrozen(ga));

  const hidden = blocker.match('https://static.hotjar.test/c.js', 'script', page);
  assert.deepEqual(hidden, { verdict: 'undisclosed', host: 'static.hotjar.test' });
  assert.equal(blocker.lastFilter(), '||hotjar.test^$third-party');

  assert.deepEqual(blocker.match('https://ads.example.com/ok/a.js', 'script', page), { verdict: 'allow', exception: true });
  assert.deepEqual(blocker.match('https://www.clinic.example/site.css', 'stylesheet', page),
    { verdict: 'allow', exception: false });
  // webRequest type names
  assert.equal(blocker.match('https://cdn.test/pixel.gif?x', 'main_frame', page).verdict, 'allow');
  assert.equal(blocker.match('https://cdn.test/pixel.gif?x', 'sub_frame', page).verdict, 'undisclosed');
  assert.throws(() => blocker.match('https://a.test/', 'pigeon', page), TypeError);
});

test('consent: allows() applies granted purposes; non-consent purposes count as granted', async () => {
  const { blocker } = await setUp();
  const ga = 'https://www.google-analytics.com/analytics.js';
  assert.equal(blocker.allows(ga, 'script', page, []), false);
  assert.equal(blocker.allows(ga, 'script', page, ['advertising']), false);
  assert.equal(blocker.allows(ga, 'script', page, ['analytics']), true);
  const granted = blocker.purposeSet(['analytics']);
  assert.equal(blocker.allows(ga, 'script', page, granted), true);
  assert.equal(blocker.allows('https://maps.example.org/t.png', 'image', page, []), true);
  assert.equal(blocker.allows('https://static.hotjar.test/c.js', 'script', page, blocker.purposes.map((p) => p.id)),
    false);
  assert.equal(blocker.allows('https://www.clinic.example/', 'image', page, []), true);
  assert.throws(() => blocker.purposeSet(['no-such-purpose']), RangeError);
  assert.deepEqual(blocker.vendors.map((v) => v.id), ['google_analytics', 'adnet', 'maps']);
  assert.deepEqual(blocker.purposes.find((p) => p.id === 'service'), { id: 'service', basis: 'contract' });
  assert.equal(blocker.blocks(ga, 'script', page), true);
  assert.equal(blocker.blocks('https://www.clinic.example/', 'script', page), false);
});

test('the hot path: long and non-ASCII URLs, pages that change, the same answers', async () => {
  const { blocker } = await setUp();
  const long = `https://ads.example.com/${'a'.repeat(20000)}.js`;
  assert.equal(blocker.match(long, 'script', page).verdict, 'undisclosed');
  const longPage = `https://www.clinic.example/${'p'.repeat(30000)}`;
  assert.equal(blocker.match('https://static.hotjar.test/c.js', 'script', longPage).verdict, 'undisclosed');
  // The same host, first-party now: the page was re-read, not the previous one reused.
  assert.equal(blocker.match('https://static.hotjar.test/c.js', 'script', 'https://www.hotjar.test/').verdict, 'allow');
  assert.equal(blocker.match('https://static.hotjar.test/c.js', 'script', page).verdict, 'undisclosed');
  // Non-ASCII in the path and the host (the list's host is in its A-label form).
  assert.equal(blocker.match('https://cdn.test/é/pixel.gif?ü=1', 'image', page).verdict, 'undisclosed');
  assert.equal(blocker.match('https://xn--bcher-kva.test/x', 'image', page).verdict, 'undisclosed');
  assert.equal(blocker.match('https://cdn.test/pixel.gif', 'image', 'https://bücher.test/é').verdict, 'allow');
  for (let i = 0; i < 1000; i++) {
    const p = i % 2 ? 'https://www.hotjar.test/' : page;
    assert.equal(blocker.match('https://static.hotjar.test/c.js', 'script', p).verdict, i % 2 ? 'allow' : 'undisclosed');
  }
});

test('refusals: damaged, truncated and foreign images are ImageErrors with their code', async () => {
  const { api, core, image } = await setUp();
  const damaged = image.slice();
  damaged[200] ^= 1;
  assert.throws(() => core.loadBlocker(damaged), (e) => e instanceof api.ImageError && e.code === 'bad_checksum');
  assert.throws(() => core.loadBlocker(image.slice(0, image.length - 1)),
    (e) => e instanceof api.ImageError && e.code === 'truncated');
  assert.throws(() => core.loadBlocker(new TextEncoder().encode('{"not": "an image"}'.padEnd(64))),
    (e) => e instanceof api.ImageError && e.code === 'bad_magic');
  const newer = image.slice();
  newer[8] += 1;
  assert.throws(() => core.loadBlocker(newer), (e) => e instanceof api.ImageError && e.code === 'unsupported_version');
  assert.throws(() => core.loadBlocker('not bytes'), TypeError);
  // Loading and freeing many images leaves memory where it was.
  const blocker = core.loadBlocker(image);
  blocker.dispose();
  const memory = core.memoryBytes;
  for (let i = 0; i < 50; i++) core.loadBlocker(image).dispose();
  assert.equal(core.memoryBytes, memory);
  assert.throws(() => blocker.match('https://a.test/', 'script', page), /disposed/);
});
