// The same number oracle as jcs_numbers.test.mjs, through the core compiled to wasm
// (build/wasm/tests/consentry_jcs_file.js), the build the browser runs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { edge_cases, random_doubles, short_decimals, number_document, describe_difference } from './jcs-numbers.mjs';

const entry = join(process.env.WASM_DIR ?? '', 'consentry_jcs_file.js');

test('the wasm core writes every double as String(x) does', () => {
  assert.ok(existsSync(entry), `${entry} is missing: build the wasm preset first`);
  const values = [...edge_cases(), ...random_doubles(1_000_000), ...short_decimals(200_000)];
  const { input, expected } = number_document(values);
  const work = mkdtempSync(join(tmpdir(), 'consentry-jcs-wasm-'));
  try {
    const file = join(work, 'numbers.json');
    const out = join(work, 'canonical.json');
    writeFileSync(file, input);
    const run = spawnSync(process.execPath, [entry, file, out], { encoding: 'utf8' });
    assert.equal(run.status, 0, run.stderr);
    const actual = readFileSync(out, 'utf8');
    assert.ok(actual === expected, describe_difference(values, actual, expected));
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
});

test('the wasm core canonicalises the six RFC 8785 vectors', () => {
  const work = mkdtempSync(join(tmpdir(), 'consentry-jcs-wasm-'));
  try {
    for (const name of ['arrays', 'french', 'structures', 'unicode', 'values', 'weird']) {
      const out = join(work, `${name}.json`);
      const run = spawnSync(process.execPath,
        [entry, join(process.env.SHARED_DIR, 'testdata/jcs/input', `${name}.json`), out], { encoding: 'utf8' });
      assert.equal(run.status, 0, run.stderr);
      assert.ok(readFileSync(out).equals(readFileSync(join(process.env.SHARED_DIR, 'testdata/jcs/output', `${name}.json`))), name);
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
});
