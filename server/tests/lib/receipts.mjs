// Receipts for the server tests, signed in Node with jose exactly as a browser
// signs them with WebCrypto: distinct devices, chains, and deliberately broken ones.
import { consentryBinary, policyDir } from './harness.mjs';
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CompactSign, calculateJwkThumbprint, exportJWK, generateKeyPair } from 'jose';

/// RFC 8785: ECMAScript serialisation of primitives, members sorted by UTF-16 code units.
export function canonical(value) {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  const keys = Object.keys(value).filter((k) => value[k] !== undefined).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonical(value[k])}`).join(',')}}`;
}

export const b64u = (bytes) => Buffer.from(bytes).toString('base64url');
export const sha256 = (bytes) => crypto.createHash('sha256').update(bytes).digest();

/// What the next receipt of the same device names as its previous one: the hex
/// SHA-256 of the compact JWS (consentry/receipt.hpp, `receipt_hash`).
export function receiptHash(jws) {
  return sha256(Buffer.from(jws, 'ascii')).toString('hex');
}

export const receiptType = 'consent-receipt+jws';

/// A receipt issued by `consentry receipt issue` for the test policy: every receipt
/// the tests make is this one with another id, device, time and previous hash.
let templatePayload;
export function template() {
  if (templatePayload) return templatePayload;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'consentry-template-'));
  const key = path.join(dir, 'key.pem');
  const decision = path.join(dir, 'decision.json');
  execFileSync(consentryBinary, ['key', 'generate', '--alg', 'Ed25519', '-o', key]);
  fs.writeFileSync(decision, JSON.stringify({ time: '2025-03-02T10:00:00.000Z', act: { action: 'accept_all', method: 'banner', language: 'en' } }));
  const jws = execFileSync(consentryBinary, ['receipt', 'issue', '--key', key, '--policy', policyDir, '--decision', decision], { encoding: 'utf8' }).trim();
  templatePayload = JSON.parse(Buffer.from(jws.split('.')[1], 'base64url').toString('utf8'));
  fs.rmSync(dir, { recursive: true, force: true });
  return templatePayload;
}

export async function newDevice(alg = 'Ed25519') {
  const { publicKey, privateKey } = await generateKeyPair(alg === 'ES256' ? 'ES256' : 'Ed25519', { extractable: true });
  const full = await exportJWK(publicKey);
  const jwk = alg === 'ES256'
    ? { kty: full.kty, crv: full.crv, x: full.x, y: full.y }
    : { kty: full.kty, crv: full.crv, x: full.x };
  return { alg, privateKey, jwk, thumbprint: await calculateJwkThumbprint(jwk), head: null };
}

/// The receipt payload for `device`: the template with a fresh id, this device, the
/// time (`timestamp`, seconds; now by default) and the previous receipt's hash.
/// `policy` ({id, hash}) overrides the notice's policy id and hash.
export function receiptPayload(device, { policy, previous = device.head, id = crypto.randomUUID(), timestamp } = {}) {
  const payload = structuredClone(template());
  const ms = timestamp === undefined ? Date.now() - 1000 : timestamp * 1000;
  const from = Date.parse(payload.validity.from);
  payload.consent_receipt_id = id;
  payload.pii_principal_id = device.thumbprint;
  payload.event_time = new Date(ms).toISOString();
  payload.consent_timestamp = Math.floor(ms / 1000);
  if (payload.validity.until) payload.validity.until = new Date(ms + Date.parse(payload.validity.until) - from).toISOString();
  payload.validity.from = payload.event_time;
  if (previous) payload.previous_receipt_hash = previous;
  else delete payload.previous_receipt_hash;
  if (policy) {
    payload.notice.id = policy.id;
    payload.notice.policy_hash = policy.hash;
  }
  return payload;
}

/// Signs any header and payload bytes with the device key (for broken receipts too).
export async function signRaw(device, header, payloadBytes) {
  return new CompactSign(payloadBytes).setProtectedHeader(header).sign(device.privateKey);
}

/// Issues the device's next receipt and moves its chain head.
export async function issue(device, options) {
  const payload = receiptPayload(device, options);
  const jws = await signRaw(device, { alg: device.alg, jwk: device.jwk, typ: receiptType }, new TextEncoder().encode(canonical(payload)));
  const hash = receiptHash(jws);
  if (options?.advance !== false) device.head = hash;
  return { jws, id: payload.consent_receipt_id, hash, device: device.thumbprint, payload };
}

/// `devices` devices with `length` receipts each, in chain order per device.
export async function chains(policy, devices, length) {
  const out = [];
  for (let d = 0; d < devices; d++) {
    const device = await newDevice();
    const list = [];
    for (let i = 0; i < length; i++) list.push(await issue(device, { policy }));
    out.push({ device, receipts: list });
  }
  return out;
}

/// A request signature for GET /v1/devices/{thumbprint}/receipts (server/README.md).
export async function signRequest(device, method, target, iat = Math.floor(Date.now() / 1000)) {
  const payload = new TextEncoder().encode(JSON.stringify({ method, path: target, iat }));
  return `Consentry-Signature ${await signRaw(device, { alg: device.alg, jwk: device.jwk, typ: 'consentry-request+jws' }, payload)}`;
}

export async function acceptedPolicy(request, port) {
  const answer = await request(port, { path: '/v1/policies' });
  return answer.json.policies[0];
}
