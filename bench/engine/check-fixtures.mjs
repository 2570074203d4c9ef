// Runs the tracker engine's fixtures (tests/fixtures/blocker/*.txt) through npm
// @gorhill/ubo-core, to show that their expected verdicts are uBlock Origin's too.
//   node bench/engine/check-fixtures.mjs
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createUbo, uboType } from './peers.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const folder = path.join(root, 'tests/fixtures/blocker');
const expected = { block: 1, exception: 2, allow: 0 };
let failures = 0;
let checked = 0;
let documented = 0;
for (const name of fs.readdirSync(folder).filter((f) => f.endsWith('.txt')).sort()) {
  const text = fs.readFileSync(path.join(folder, name), 'utf8');
  const rules = text.split('[rules]\n')[1].split('[requests]\n')[0];
  const requests = text.split('[requests]\n')[1].split('[counts]')[0];
  const ubo = await createUbo([{ name, raw: rules }]);
  let differs = false;
  for (const line of requests.split('\n')) {
    if (line.startsWith('# differs from ubo-core:')) differs = true;
    if (line.trim() === '' || line.startsWith('#')) continue;
    const [expect, type, url, page] = line.trim().split(/\s+/);
    if (differs) {
      differs = false;
      documented++;
      continue;
    }
    const got = ubo.matchRequest({ originURL: page, url, type: uboType(type) });
    checked++;
    if (got !== expected[expect]) {
      failures++;
      console.log(`${name}: ${expect} ${type} ${url} ${page}: ubo-core says ${got}`);
    }
  }
}
console.log(`${checked} requests, ${failures} where ubo-core disagrees; ${documented} documented differences skipped`);
process.exitCode = failures ? 1 : 0;
