// `consentry jcs` against Node's String(x) on a million random doubles and the edge
// cases (RFC 8785 §3.2.2.3): every number must come out byte for byte as Node writes it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { edge_cases, random_doubles, short_decimals, number_document, describe_difference } from './jcs-numbers.mjs';

const consentry = process.env.CONSENTRY;

test('consentry jcs writes every double as String(x) does', () => {
  const values = [...edge_cases(), ...random_doubles(1_000_000), ...short_decimals(200_000)];
  const { input, expected } = number_document(values);
  const work = mkdtempSync(join(tmpdir(), 'consentry-jcs-'));
  try {
    const file = join(work, 'numbers.json');
    writeFileSync(file, input);
    const run = spawnSync(consentry, ['jcs', file], { maxBuffer: 256 << 20, encoding: 'utf8' });
    assert.equal(run.status, 0, run.stderr);
    const actual = run.stdout;
    assert.ok(actual === expected, describe_difference(values, actual, expected));
    assert.ok(values.length > 1_200_000);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
});

test('consentry jcs refuses what has no double', () => {
  for (const text of ['[1e309]', '[-1e400]', '[NaN]', '[Infinity]', '[-Infinity]']) {
    const run = spawnSync(consentry, ['jcs'], { input: text, encoding: 'utf8' });
    assert.equal(run.status, 1, text);
    assert.equal(run.stdout, '');
    assert.match(run.stderr, /^<stdin>:1:\d+: error: /, text);
  }
});
