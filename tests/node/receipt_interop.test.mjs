// Receipts and the rest of the JOSE world: what Consentry issues verifies with npm
// `jose`; what WebCrypto (the browser path, a non-extractable key) and `jose` sign
// verifies with `consentry receipt verify`; no single-byte change of a receipt verifies;
// a payload that is valid JSON but not canonical is refused.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, writeFileSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as jose from 'jose';

const consentry = process.env.CONSENTRY;
const policy = join(process.env.SOURCE_DIR, 'tests/fixtures/policies/example');
const work = mkdtempSync(join(tmpdir(), 'consentry-receipts-'));
after(() => rmSync(work, { recursive: true, force: true }));

const type = 'consent-receipt+jws';
const algorithms = ['Ed25519', 'EdDSA', 'ES256'];
const b64u = (bytes) => Buffer.from(bytes).toString('base64url');
const text = (bytes) => new TextDecoder().decode(bytes);

function run(args, input) {
  return spawnSync(consentry, args, { encoding: 'utf8', input, maxBuffer: 64 << 20 });
}

let files = 0;
function write(contents) {
  const file = join(work, `r${++files}.jws`);
  writeFileSync(file, contents);
  return file;
}

function verify(...paths) {
  return run(['receipt', 'verify', ...paths]);
}

/** A receipt issued by `consentry receipt issue` with a new key of `alg`. */
function issue(alg) {
  const key = join(work, `${alg}-${++files}.pem`);
  const made = run(['key', 'generate', '--alg', alg, '-o', key]);
  assert.equal(made.status, 0, made.stderr);
  const decision = join(work, `decision-${files}.json`);
  writeFileSync(decision, JSON.stringify({
    time: '2025-03-02T10:00:00.000Z',
    act: { action: 'accept_all', method: 'banner', language: 'fr' },
  }));
  const issued = run(['receipt', 'issue', '--key', key, '--policy', policy, '--decision', decision]);
  assert.equal(issued.status, 0, issued.stderr);
  return issued.stdout;
}

/** The RFC 8785 form, from the Consentry core (`consentry jcs`), as the browser gets it from wasm. */
function canonical(value) {
  const result = run(['jcs'], JSON.stringify(value));
  assert.equal(result.status, 0, result.stderr);
  return result.stdout;
}

/** A receipt payload for the device key `jwk`: the issued receipt's content, as this device's first receipt. */
async function payload_for(jwk, template) {
  const receipt = JSON.parse(text(jose.base64url.decode(template.split('.')[1])));
  receipt.pii_principal_id = await jose.calculateJwkThumbprint(jwk, 'sha256');
  receipt.consent_receipt_id = crypto.randomUUID();
  delete receipt.previous_receipt_hash;
  return receipt;
}

const public_members = ({ kty, crv, x, y }) => (y === undefined ? { kty, crv, x } : { kty, crv, x, y });

test('a receipt from consentry receipt issue verifies with jose', async () => {
  for (const alg of ['Ed25519', 'ES256']) {
    const jws = issue(alg);
    const { payload, protectedHeader } = await jose.compactVerify(jws, jose.EmbeddedJWK, { algorithms });
    assert.equal(protectedHeader.alg, alg);
    assert.equal(protectedHeader.typ, type);
    const receipt = JSON.parse(text(payload));
    assert.equal(receipt.pii_principal_id, await jose.calculateJwkThumbprint(protectedHeader.jwk, 'sha256'));
    assert.equal(text(payload), canonical(receipt), 'the payload is canonical');
    assert.equal(receipt.services[0].purposes.find((p) => p.purpose === 'analytics').status, 'granted');
    assert.equal(verify(write(jws)).status, 0);
  }
});

test('receipts signed with WebCrypto and a non-extractable key verify with jose and with consentry', async () => {
  const template = issue('Ed25519');
  const cases = [
    { alg: 'Ed25519', generate: { name: 'Ed25519' }, sign: { name: 'Ed25519' } },
    { alg: 'ES256', generate: { name: 'ECDSA', namedCurve: 'P-256' }, sign: { name: 'ECDSA', hash: 'SHA-256' } },
  ];
  for (const c of cases) {
    const { privateKey, publicKey } = await crypto.subtle.generateKey(c.generate, false, ['sign', 'verify']);
    assert.equal(privateKey.extractable, false);
    const exported = await crypto.subtle.exportKey('jwk', publicKey);  // has ext and key_ops too
    const jwk = public_members(exported);
    const payload = canonical(await payload_for(jwk, template));
    for (const header_jwk of [jwk, exported]) {
      const header = canonical({ alg: c.alg, jwk: header_jwk, typ: type });
      const input = `${b64u(header)}.${b64u(payload)}`;
      const signature = await crypto.subtle.sign(c.sign, privateKey, new TextEncoder().encode(input));
      assert.equal(signature.byteLength, 64);
      const jws = `${input}.${b64u(signature)}`;
      await jose.compactVerify(jws, jose.EmbeddedJWK, { algorithms });
      const checked = verify(write(jws));
      assert.equal(checked.status, 0, `${c.alg}: ${checked.stdout}${checked.stderr}`);
    }
  }
});

test('receipts signed by jose verify with consentry', async () => {
  const template = issue('ES256');
  for (const alg of ['EdDSA', 'Ed25519', 'ES256']) {
    const { privateKey, publicKey } = await jose.generateKeyPair(alg);
    const jwk = public_members(await jose.exportJWK(publicKey));
    const payload = canonical(await payload_for(jwk, template));
    const jws = await new jose.CompactSign(new TextEncoder().encode(payload))
      .setProtectedHeader({ alg, jwk, typ: type })
      .sign(privateKey);
    const checked = verify(write(jws));
    assert.equal(checked.status, 0, `${alg}: ${checked.stdout}${checked.stderr}`);
    assert.match(checked.stdout, /^1 receipt verified$/m);
  }
});

test('no single-byte change of an issued receipt verifies (every byte, one verify call)', () => {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  for (const alg of ['Ed25519', 'ES256']) {
    const jws = issue(alg);
    const folder = join(work, `bytes-${alg}`);
    mkdirSync(folder);
    const original = join(folder, 'original.jws');
    writeFileSync(original, jws);
    const changed = [];
    for (let i = 0; i < jws.length; ++i) {
      const c = jws[i];
      // The next letter of the base64url alphabet (still valid base64url), and one bit flipped.
      const replacements = [c === '.' ? 'A' : alphabet[(alphabet.indexOf(c) + 1) % 64],
        String.fromCharCode(c.charCodeAt(0) ^ 1)];
      replacements.forEach((r, k) => {
        const file = join(folder, `${i}-${k}.jws`);
        writeFileSync(file, jws.slice(0, i) + r + jws.slice(i + 1));
        changed.push(file);
      });
    }
    const result = verify(original, ...changed);
    assert.equal(result.status, 1);
    const failing = result.stdout.trim().split('\n').map((line) => line.slice(0, line.indexOf(': error: ')));
    assert.equal(failing.length, changed.length, `${alg}: one line per changed receipt`);
    assert.deepEqual(new Set(failing), new Set(changed), `${alg}: every changed receipt fails, the original does not`);
    assert.equal(verify(original).status, 0);
  }
});

test('a payload that is valid JSON but not canonical is refused, though its signature holds', async () => {
  const template = issue('Ed25519');
  const { privateKey, publicKey } = await jose.generateKeyPair('Ed25519');
  const jwk = public_members(await jose.exportJWK(publicKey));
  const receipt = await payload_for(jwk, template);
  const reordered = Object.fromEntries(Object.entries(receipt).reverse());
  for (const payload of [JSON.stringify(receipt, null, 2), JSON.stringify(reordered), `${canonical(receipt)}\n`]) {
    const jws = await new jose.CompactSign(new TextEncoder().encode(payload))
      .setProtectedHeader({ alg: 'Ed25519', jwk, typ: type })
      .sign(privateKey);
    await jose.compactVerify(jws, jose.EmbeddedJWK, { algorithms });  // a valid JWS all the same
    const result = verify(write(jws));
    assert.equal(result.status, 1);
    assert.match(result.stdout, /: error: the payload is not in RFC 8785 canonical form/);
  }
});

test('alg none and algorithms outside the allow-list are refused', async () => {
  const template = issue('Ed25519');
  const { publicKey } = await jose.generateKeyPair('Ed25519');
  const jwk = public_members(await jose.exportJWK(publicKey));
  const payload = canonical(await payload_for(jwk, template));
  const unsigned = `${b64u(JSON.stringify({ alg: 'none', jwk, typ: type }))}.${b64u(payload)}.`;
  let result = verify(write(unsigned));
  assert.equal(result.status, 1);
  assert.match(result.stdout, /an empty part/);
  const none_with_signature = `${b64u(JSON.stringify({ alg: 'none', jwk, typ: type }))}.${b64u(payload)}.${template.split('.')[2]}`;
  result = verify(write(none_with_signature));
  assert.match(result.stdout, /algorithm "none" is not accepted/);
  const secret = new Uint8Array(32).fill(7);
  const hmac = await new jose.CompactSign(new TextEncoder().encode(payload))
    .setProtectedHeader({ alg: 'HS256', jwk, typ: type })
    .sign(secret);
  result = verify(write(hmac));
  assert.equal(result.status, 1);
  assert.match(result.stdout, /algorithm "HS256" is not accepted/);
});
