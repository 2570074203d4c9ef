// Receipts for the server tests, signed in Node with jose exactly as a browser
// signs them with WebCrypto: distinct devices, chains, and deliberately broken ones.
import crypto from 'node:crypto';
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

/// What the next receipt of the same device names as its previous one.
export function receiptHash(jws) {
  return b64u(sha256(Buffer.from(jws, 'ascii')));
}

export async function newDevice(alg = 'Ed25519') {
  const { publicKey, privateKey } = await generateKeyPair(alg === 'ES256' ? 'ES256' : 'Ed25519', { extractable: true });
  const full = await exportJWK(publicKey);
  const jwk = alg === 'ES256'
    ? { kty: full.kty, crv: full.crv, x: full.x, y: full.y }
    : { kty: full.kty, crv: full.crv, x: full.x };
  return { alg, privateKey, jwk, thumbprint: await calculateJwkThumbprint(jwk), head: null };
}

/// The receipt payload the server expects for `policy` ({id, hash}).
export function receiptPayload(device, { policy, previous = device.head, id = crypto.randomUUID(), timestamp } = {}) {
  const payload = {
    receipt_id: id,
    principal_id: device.thumbprint,
    policy_id: policy.id,
    policy_hash: policy.hash,
    consent_timestamp: timestamp ?? Math.floor(Date.now() / 1000),
  };
  if (previous) payload.previous_receipt_hash = previous;
  return payload;
}

/// Signs any header and payload bytes with the device key (for broken receipts too).
export async function signRaw(device, header, payloadBytes) {
  return new CompactSign(payloadBytes).setProtectedHeader(header).sign(device.privateKey);
}

/// Issues the device's next receipt and moves its chain head.
export async function issue(device, options) {
  const payload = receiptPayload(device, options);
  const jws = await signRaw(device, { alg: device.alg, jwk: device.jwk }, new TextEncoder().encode(canonical(payload)));
  const hash = receiptHash(jws);
  if (options?.advance !== false) device.head = hash;
  return { jws, id: payload.receipt_id, hash, device: device.thumbprint, payload };
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
  return `Consentry-Signature ${await signRaw(device, { alg: device.alg, jwk: device.jwk }, payload)}`;
}

export async function acceptedPolicy(request, port) {
  const answer = await request(port, { path: '/v1/policies' });
  return answer.json.policies[0];
}
