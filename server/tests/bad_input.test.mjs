// The bad-input corpus: every answer is the documented status (server/README.md),
// never a 2xx, and the server keeps serving afterwards.
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { after, before, describe, test } from 'node:test';

import { backend, freshDatabase, postReceipt, rawExchange, rawStatus, request, sleep, startServer } from './lib/harness.mjs';
import { acceptedPolicy, b64u, canonical, issue, newDevice, receiptPayload, receiptType, signRaw } from './lib/receipts.mjs';

let server;
let policy;
const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });

before(async () => {
  server = await startServer({
    db: freshDatabase('bad'),
    args: ['--device-rate', '0', '--client-rate', '0', '--request-timeout', '1000', '--max-connections', '64'],
  });
  policy = await acceptedPolicy(request, server.port);
});
after(async () => {
  agent.destroy();
  await server?.stop();
  assert.equal(server.process.exitCode, 0, `the server ended badly: ${server.stderr()}`);
});

async function assertHealthy() {
  assert.equal((await request(server.port, { path: '/healthz' })).status, 200);
}

function assertProblem(answer, statuses, label) {
  assert.ok(statuses.includes(answer.status), `${label}: got ${answer.status} ${answer.body}`);
  assert.equal(answer.headers['content-type'], 'application/problem+json', label);
  assert.equal(answer.json.status, answer.status, label);
  assert.match(answer.json.type, /^urn:consentry:problem:[a-z-]+$/, label);
}

describe(`bad input on ${backend}`, () => {
  test('truncated JWS: 400 when its form breaks, 422 when only the signature is cut', async () => {
    const receipt = await issue(await newDevice(), { policy, advance: false });
    const [h, p] = receipt.jws.split('.');
    for (let cut = 1; cut < receipt.jws.length; cut += 3) {
      const truncated = receipt.jws.slice(0, cut);
      const answer = await postReceipt(server.port, truncated, { agent });
      const intoSignature = cut > h.length + p.length + 1;
      assertProblem(answer, intoSignature ? [400, 422] : [400], `cut at ${cut}`);
    }
    await assertHealthy();
  });

  test('bad base64url: padding, the standard alphabet, spaces, stray bits: 400', async () => {
    const receipt = await issue(await newDevice(), { policy, advance: false });
    const [h, p, s] = receipt.jws.split('.');
    const bodies = [
      `${h}=.${p}.${s}`,
      `${h}.${p}.${s}==`,
      `${h}.${p.replace(/-/g, '+').replace(/_/g, '/')}+/.${s}`,
      `${h}.${p.slice(0, 10)} ${p.slice(10)}.${s}`,
      `${h}.${p}.${s.slice(0, -1)}\u00e9`,
      `${h}.${p}x.${s}`,          // a length of 1 modulo 4
      `${h.slice(0, -1)}.${p}.${s}`,
    ];
    for (const body of bodies) {
      const answer = await postReceipt(server.port, body, { agent });
      assertProblem(answer, [400, 422], body.slice(0, 40));
    }
    for (const body of bodies.slice(0, 5)) assert.equal((await postReceipt(server.port, body, { agent })).status, 400);
  });

  test('wrong or none algorithm, key and thumbprint mismatch: 422', async () => {
    const device = await newDevice();
    const payload = Buffer.from(canonical(receiptPayload(device, { policy })));
    const signature = (await signRaw(device, { alg: 'Ed25519', jwk: device.jwk, typ: receiptType }, payload)).split('.')[2];
    const headers = [
      { alg: 'none', jwk: device.jwk, typ: receiptType },
      { alg: 'none', typ: receiptType },
      { alg: 'HS256', jwk: device.jwk, typ: receiptType },
      { alg: 'RS256', jwk: device.jwk, typ: receiptType },
      { alg: 'ES512', jwk: device.jwk, typ: receiptType },
      { alg: 'ed25519', jwk: device.jwk, typ: receiptType },
    ];
    for (const header of headers) {
      for (const sig of ['', signature]) {
        const answer = await postReceipt(server.port, `${b64u(JSON.stringify(header))}.${b64u(payload)}.${sig}`, { agent });
        assertProblem(answer, [422], header.alg);
        assert.equal(answer.json.type, 'urn:consentry:problem:algorithm-not-allowed', header.alg);
      }
    }
    const other = await newDevice();
    const es = await newDevice('ES256');
    const answers = [
      // the header key signs, but the receipt names another device
      [await signRaw(other, { alg: 'Ed25519', jwk: other.jwk, typ: receiptType }, payload), 'key-mismatch'],
      // the receipt's device signed, but the header carries another key
      [`${b64u(JSON.stringify({ alg: 'Ed25519', jwk: other.jwk, typ: receiptType }))}.${b64u(payload)}.${signature}`, 'invalid-signature'],
      // an ES256 key under an Ed25519 algorithm
      [await signRaw(es, { alg: 'ES256', jwk: es.jwk, typ: receiptType }, payload).then((j) => `${b64u(JSON.stringify({ alg: 'Ed25519', jwk: es.jwk, typ: receiptType }))}.${j.split('.').slice(1).join('.')}`), 'bad-key'],
      // a private key in the header
      [`${b64u(JSON.stringify({ alg: 'Ed25519', jwk: { ...device.jwk, d: b64u(Buffer.alloc(32)) }, typ: receiptType }))}.${b64u(payload)}.${signature}`, 'bad-key'],
    ];
    for (const [jws, kind] of answers) {
      const answer = await postReceipt(server.port, jws, { agent });
      assertProblem(answer, [422], kind);
      assert.equal(answer.json.type, `urn:consentry:problem:${kind}`, answer.body);
    }
  });

  test('a replay with changed bytes: every single-byte change of a stored receipt is refused', async () => {
    const receipt = await issue(await newDevice(), { policy, advance: false });
    assert.equal((await postReceipt(server.port, receipt.jws, { agent })).status, 201);
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const seen = new Map();
    for (let i = 0; i < receipt.jws.length; i++) {
      const c = receipt.jws[i];
      const replacement = c === '.' ? 'A' : alphabet[(alphabet.indexOf(c) + 1) % 64];
      const changed = receipt.jws.slice(0, i) + replacement + receipt.jws.slice(i + 1);
      const answer = await postReceipt(server.port, changed, { agent });
      assertProblem(answer, [400, 409, 422], `byte ${i}`);
      seen.set(answer.status, (seen.get(answer.status) ?? 0) + 1);
    }
    assert.ok(seen.get(422) > receipt.jws.length / 2, JSON.stringify([...seen]));
    // The original is still the one stored.
    assert.equal((await postReceipt(server.port, receipt.jws, { agent })).status, 200);
  });

  test('JSON that is not a receipt: 400 or 422, never a crash', async () => {
    const device = await newDevice();
    const payloads = ['[]', '"x"', '{}', '{"receipt_id":1}', '['.repeat(5000), '{"a":1,"a":2}', '{"consent_timestamp":1e400}',
      `{"receipt_id":"${'x'.repeat(60000)}"}`, '\u0000', '{"s":"\ud800"}'];
    for (const text of payloads) {
      const jws = await signRaw(device, { alg: 'Ed25519', jwk: device.jwk }, Buffer.from(text));
      const answer = await postReceipt(server.port, jws, { agent });
      assertProblem(answer, [400, 413, 422], text.slice(0, 20));
    }
    await assertHealthy();
  });

  test('oversized bodies: 413, whether declared, chunked or with Expect: 100-continue', async () => {
    const declared = await rawExchange(server.port,
      'POST /v1/receipts HTTP/1.1\r\nHost: x\r\nContent-Type: application/jose\r\nContent-Length: 10000000\r\n\r\n');
    assert.equal(rawStatus(declared.text), 413);
    const chunk = 'a'.repeat(16 * 1024);
    const chunks = ['POST /v1/receipts HTTP/1.1\r\nHost: x\r\nContent-Type: application/jose\r\nTransfer-Encoding: chunked\r\n\r\n'];
    for (let i = 0; i < 6; i++) chunks.push(`${chunk.length.toString(16)}\r\n${chunk}\r\n`);
    const chunked = await rawExchange(server.port, chunks);
    assert.equal(rawStatus(chunked.text), 413);
    const expect = await rawExchange(server.port,
      'POST /v1/receipts HTTP/1.1\r\nHost: x\r\nContent-Type: application/jose\r\nContent-Length: 70000\r\nExpect: 100-continue\r\n\r\n');
    assert.equal(rawStatus(expect.text), 413);
    const exact = await postReceipt(server.port, 'a'.repeat(64 * 1024), { agent });
    assert.equal(exact.status, 400, 'exactly 64 KiB is read, and is not a JWS');
    await assertHealthy();
  });

  test('headers too large: 431; not HTTP: 400', async () => {
    const big = await rawExchange(server.port, `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Filler: ${'a'.repeat(16 * 1024)}\r\n\r\n`);
    assert.equal(rawStatus(big.text), 431);
    const garbage = await rawExchange(server.port, 'HELLO THERE\r\n\r\n');
    assert.equal(rawStatus(garbage.text), 400);
    const binary = await rawExchange(server.port, Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc, 0x03, 0x03, 0x0d, 0x0a, 0x0d, 0x0a]));
    assert.equal(rawStatus(binary.text), 400);
    await assertHealthy();
  });

  test('slow headers: the connection is closed when the request time runs out', async () => {
    const started = Date.now();
    const bytes = 'GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ' + 'a'.repeat(100);
    const slow = rawExchange(server.port, bytes.split(''), { gapMs: 50, timeoutMs: 8000 });
    await assertHealthy();  // others are served meanwhile
    const result = await slow;
    assert.ok(result.closed, 'the server closed the slow connection');
    assert.equal(result.text, '', 'no answer to a request that never finished');
    const elapsed = Date.now() - started;
    assert.ok(elapsed >= 900 && elapsed < 4000, `closed after ${elapsed} ms with a 1000 ms limit`);
    // A slow body, likewise.
    const body = await rawExchange(server.port,
      ['POST /v1/receipts HTTP/1.1\r\nHost: x\r\nContent-Type: application/jose\r\nContent-Length: 100\r\n\r\n', 'a', 'b'],
      { gapMs: 2000, timeoutMs: 8000 });
    assert.ok(body.closed);
  });

  test('a flood of connections: those over the limit get 503 and the server stays up', async () => {
    const sockets = await Promise.all(Array.from({ length: 200 }, () => new Promise((resolve) => {
      const socket = net.connect(server.port, '127.0.0.1');
      let text = '';
      socket.on('data', (d) => { text += d; });
      socket.on('error', () => {});
      socket.on('connect', () => resolve({ socket, text: () => text }));
      socket.on('close', () => resolve({ socket, text: () => text }));
    })));
    await sleep(300);
    const refused = sockets.filter((s) => rawStatus(s.text()) === 503);
    assert.ok(refused.length >= 200 - 64, `${refused.length} of 200 refused with 503`);
    assert.match(refused[0].text(), /too-many-connections/);
    for (const s of sockets) s.socket.destroy();
    await sleep(300);
    await assertHealthy();
    const metrics = await request(server.port, { path: '/metrics' });
    assert.match(metrics.body, /^consentry_connections_refused_total [1-9]\d*$/m);
  });
});
