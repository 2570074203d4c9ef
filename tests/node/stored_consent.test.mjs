// The stored consent format "c1" read as the page's bootstrap reads it: synchronously,
// in plain JavaScript, without the wasm core (core/include/consentry/consent.hpp). The
// reader below is the reference for the bootstrap; the golden value comes from the core.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

// ---- the reference reader: what a bootstrap needs, nothing more -------------------
function crc32(text) {
  let crc = -1;
  for (let i = 0; i < text.length; i++) {
    crc ^= text.charCodeAt(i);
    for (let k = 0; k < 8; k++) crc = (crc >>> 1) ^ (0xedb88320 & -(crc & 1));
  }
  return ((crc ^ -1) >>> 0).toString(16).padStart(8, '0');
}

/** The stored state as its positional array, or null: never a grant on doubt. */
function readStoredConsent(value) {
  const match = /^c1\.([A-Za-z0-9_-]*)\.([0-9a-f]{8})$/.exec(value || '');
  if (!match || crc32('c1.' + match[1]) !== match[2]) return null;
  try {
    const binary = atob(match[1].replace(/-/g, '+').replace(/_/g, '/'));
    const text = new TextDecoder('utf-8', { fatal: true }).decode(Uint8Array.from(binary, (c) => c.charCodeAt(0)));
    const state = JSON.parse(text);
    return Array.isArray(state) && state.length === 11 ? state : null;
  } catch {
    return null;
  }
}

/** Whether the bootstrap may let a purpose's scripts run before the core has loaded. */
function mayRun(state, purposeId, now, { materialHash, gpc } = {}) {
  if (!state) return false;
  const [policy, , , , expiresMs, purposes, signals, , underAge, parental] = state;
  if (materialHash && policy[3] !== materialHash) return false;
  if (gpc && !signals[0]) return false; // a new signal: wait for the core to apply it
  if (!Object.hasOwn(purposes, purposeId)) return false;
  const [status, basis] = purposes[purposeId];
  if (basis >= 2 && basis <= 4) return true; // contract, legal obligation, vital interest
  if (basis === 5) return status !== 3; // legitimate interest, unless objected
  return status === 1 && now < expiresMs && !(underAge && !parental); // consent, granted
}
// -----------------------------------------------------------------------------------

const sourceDir = process.env.SOURCE_DIR ?? join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const golden = readFileSync(join(sourceDir, 'tests/fixtures/consent/stored-v1.txt'), 'utf8').trim();
const goldenState = JSON.parse(readFileSync(join(sourceDir, 'tests/fixtures/consent/stored-v1.json'), 'utf8'));
const decided = goldenState[3];
const expires = goldenState[4];

test('the reader reads the core’s golden value as the documented array', () => {
  assert.deepEqual(readStoredConsent(golden), goldenState);
});

test('the bootstrap lets run what the person allowed, and nothing else', () => {
  const state = readStoredConsent(golden);
  const now = decided + 86400000;
  const expected = {
    service: true, // contract
    bookkeeping: true, // legal obligation
    analytics: true, // granted
    advertising: true, // granted by the person over Global Privacy Control
    personalisation: false, // denied
    'health-matching': true, // granted by its explicit act
    'service-news': false, // objected
    'partner-sharing': false, // objected by Global Privacy Control
    'unknown-purpose': false,
  };
  for (const [purpose, allowed] of Object.entries(expected)) {
    assert.equal(mayRun(state, purpose, now, { gpc: true, materialHash: 'material-hash-1' }), allowed, purpose);
  }
});

test('after expiry, after a material change, or under a new signal, consent purposes wait', () => {
  const state = readStoredConsent(golden);
  assert.equal(mayRun(state, 'analytics', expires), false);
  assert.equal(mayRun(state, 'service', expires), true);
  assert.equal(mayRun(state, 'analytics', decided, { materialHash: 'material-hash-2' }), false);
  const withoutSignal = structuredClone(state);
  withoutSignal[6] = [0, 0];
  assert.equal(mayRun(withoutSignal, 'analytics', decided, { gpc: true }), false);
  assert.equal(mayRun(withoutSignal, 'analytics', decided, { gpc: false }), true);
  const child = structuredClone(state);
  child[8] = 1;
  assert.equal(mayRun(child, 'analytics', decided), false);
});

test('every single-character change of the value is refused (CRC-32)', () => {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.';
  for (let i = 0; i < golden.length; i++) {
    const replacement = alphabet[(alphabet.indexOf(golden[i]) + 1 + (i % 60)) % alphabet.length];
    const changed = golden.slice(0, i) + replacement + golden.slice(i + 1);
    assert.equal(readStoredConsent(changed), null, `position ${i}`);
  }
});

test('foreign, future-version and damaged values are no decision', () => {
  for (const value of [undefined, '', 'GA1.2.3.4', 'c2' + golden.slice(2), golden.slice(0, -1), golden + '0',
                       golden.slice(0, 40) + golden.slice(41)]) {
    assert.equal(readStoredConsent(value), null, String(value).slice(0, 20));
    assert.equal(mayRun(readStoredConsent(value), 'service', decided), false);
  }
});
