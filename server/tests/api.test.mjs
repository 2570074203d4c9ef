// Every status of the receipt API, against the backend named by CONSENTRY_DB
// (sqlite or postgresql): the same suite runs on both.
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { compactVerify, importJWK } from 'jose';

import { backend, freshDatabase, postReceipt, request, sleep, sql, startServer } from './lib/harness.mjs';
import { acceptedPolicy, b64u, canonical, issue, newDevice, receiptPayload, receiptType, signRaw, signRequest } from './lib/receipts.mjs';

const origin = 'https://shop.example';
let server;
let db;
let policy;

before(async () => {
  db = freshDatabase('api');
  server = await startServer({ db, args: ['--allow-origin', origin, '--device-rate', '0', '--client-rate', '0'] });
  policy = await acceptedPolicy(request, server.port);
});
after(async () => server?.stop());

async function verifyCountersignature(answer, jws) {
  const jwks = await request(server.port, { path: '/.well-known/jwks.json' });
  assert.equal(jwks.headers['content-type'], 'application/jwk-set+json');
  const [jwk] = jwks.json.keys;
  const { payload, protectedHeader } = await compactVerify(answer.countersignature, await importJWK(jwk, 'Ed25519'));
  assert.equal(protectedHeader.alg, 'Ed25519');
  assert.equal(protectedHeader.kid, jwk.kid);
  const body = JSON.parse(new TextDecoder().decode(payload));
  assert.equal(canonical(body), new TextDecoder().decode(payload), 'the countersigned payload is canonical');
  assert.deepEqual(Object.keys(body).sort(), ['receipt_hash', 'sequence', 'server_time']);
  assert.equal(body.receipt_hash, Buffer.from(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(jws))).toString('hex'));
  assert.equal(body.sequence, answer.sequence);
  assert.equal(body.server_time, answer.server_time);
}

describe(`receipts on ${backend}`, () => {
  test('201: a valid receipt is stored and countersigned; 200: the same bytes again, the same answer', async () => {
    const device = await newDevice();
    const receipt = await issue(device, { policy });
    const first = await postReceipt(server.port, receipt.jws);
    assert.equal(first.status, 201, first.body);
    assert.equal(first.headers.location, `/v1/receipts/${receipt.id}`);
    assert.equal(first.json.receipt_id, receipt.id);
    await verifyCountersignature(first.json, receipt.jws);

    const again = await postReceipt(server.port, receipt.jws);
    assert.equal(again.status, 200);
    assert.deepEqual(again.json, first.json);

    const stored = await request(server.port, { path: `/v1/receipts/${receipt.id}` });
    assert.equal(stored.status, 200);
    assert.equal(stored.json.receipt, receipt.jws);
    assert.equal(stored.json.countersignature, first.json.countersignature);
    assert.equal(stored.json.device, device.thumbprint);
    assert.equal(stored.json.previous_hash, null);

    const next = await issue(device, { policy });
    const second = await postReceipt(server.port, next.jws, { contentType: 'text/plain;charset=UTF-8' });
    assert.equal(second.status, 201, second.body);
    assert.ok(second.json.sequence > first.json.sequence);
  });

  test('ES256 (browsers without Ed25519) and EdDSA (the older name) are accepted too', async () => {
    for (const alg of ['ES256', 'EdDSA']) {
      const device = await newDevice(alg);
      for (let i = 0; i < 2; i++) {
        const receipt = await issue(device, { policy });
        const answer = await postReceipt(server.port, receipt.jws);
        assert.equal(answer.status, 201, `${alg}: ${answer.body}`);
        await verifyCountersignature(answer.json, receipt.jws);
      }
    }
  });

  test('409: other bytes under a stored receipt id', async () => {
    const device = await newDevice();
    const receipt = await issue(device, { policy, advance: false });
    assert.equal((await postReceipt(server.port, receipt.jws)).status, 201);
    const other = await issue(device, { policy, id: receipt.id, timestamp: receipt.payload.consent_timestamp - 5, advance: false });
    const answer = await postReceipt(server.port, other.jws);
    assert.equal(answer.status, 409);
    assert.equal(answer.headers['content-type'], 'application/problem+json');
    assert.equal(answer.json.type, 'urn:consentry:problem:receipt-id-conflict');
    assert.equal(answer.json.status, 409);
    assert.match(answer.json.detail, /already stored/);
  });

  test('422: a chain gap and a chain fork', async () => {
    const device = await newDevice();
    const first = await issue(device, { policy });
    const second = await issue(device, { policy });
    const gap = await postReceipt(server.port, second.jws);
    assert.equal(gap.status, 422);
    assert.equal(gap.json.type, 'urn:consentry:problem:chain-gap');
    assert.equal((await postReceipt(server.port, first.jws)).status, 201);
    assert.equal((await postReceipt(server.port, second.jws)).status, 201);
    // A gap where the device has receipts: this one follows a receipt never sent.
    await issue(device, { policy });
    const beyond = await issue(device, { policy });
    const later = await postReceipt(server.port, beyond.jws);
    assert.equal(later.status, 422);
    assert.equal(later.json.type, 'urn:consentry:problem:chain-gap');
    // Another receipt that also follows `first`: a fork.
    const fork = await issue(device, { policy, previous: first.hash });
    const forked = await postReceipt(server.port, fork.jws);
    assert.equal(forked.status, 422);
    assert.equal(forked.json.type, 'urn:consentry:problem:chain-fork');
    // A second first receipt of the same device: a fork as well.
    const again = await issue(device, { policy, previous: null });
    assert.equal((await postReceipt(server.port, again.jws)).json.type, 'urn:consentry:problem:chain-fork');
  });

  test('422: signature, algorithm, key, policy and time window', async () => {
    const device = await newDevice();
    const good = await issue(device, { policy, advance: false });
    const [h, p, s] = good.jws.split('.');
    const flipped = `${h}.${p}.${s.slice(0, 10)}${s[10] === 'A' ? 'B' : 'A'}${s.slice(11)}`;
    const cases = [
      ['invalid-signature', flipped],
      ['algorithm-not-allowed', `${b64u(JSON.stringify({ alg: 'none', jwk: device.jwk }))}.${p}.`],
      ['algorithm-not-allowed', `${b64u(JSON.stringify({ alg: 'HS256', jwk: device.jwk }))}.${p}.${b64u(crypto.getRandomValues(new Uint8Array(32)))}`],
      ['algorithm-not-allowed', `${b64u(JSON.stringify({ alg: 'RS256', jwk: device.jwk }))}.${p}.${s}`],
      ['unknown-policy', (await issue(device, { policy: { id: policy.id, hash: '0'.repeat(64) }, advance: false })).jws],
      ['unknown-policy', (await issue(device, { policy: { id: 'other', hash: policy.hash }, advance: false })).jws],
      ['timestamp-out-of-window', (await issue(device, { policy, timestamp: Math.floor(Date.now() / 1000) + 3600, advance: false })).jws],
      ['timestamp-out-of-window', (await issue(device, { policy, timestamp: Math.floor(Date.now() / 1000) - 90 * 86400, advance: false })).jws],
    ];
    for (const [kind, jws] of cases) {
      const answer = await postReceipt(server.port, jws);
      assert.equal(answer.status, 422, `${kind}: ${answer.body}`);
      assert.equal(answer.json.type, `urn:consentry:problem:${kind}`, answer.body);
      assert.ok(answer.json.detail.length > 10);
    }
    // Signed by one key, claiming another device.
    const other = await newDevice();
    const mismatch = await signRaw(other, { alg: 'Ed25519', jwk: other.jwk, typ: receiptType }, Buffer.from(canonical(receiptPayload(device, { policy }))));
    const answer = await postReceipt(server.port, mismatch);
    assert.equal(answer.status, 422);
    assert.equal(answer.json.type, 'urn:consentry:problem:key-mismatch');
  });

  test('200 for a late replay of a stored receipt that is now older than the window', async () => {
    // The window is checked before storing, but a stored receipt is answered whatever its age.
    const device = await newDevice();
    const receipt = await issue(device, { policy, timestamp: Math.floor(Date.now() / 1000) - 29 * 86400 });
    assert.equal((await postReceipt(server.port, receipt.jws)).status, 201);
  });

  test('400 malformed, 413 too large, 415 wrong content type', async () => {
    for (const body of ['', 'not a jws', 'a.b', 'a.b.c.d', '!!!.e30.AA', `${b64u('{not json')}.${b64u('{}')}.AA`]) {
      const answer = await postReceipt(server.port, body);
      assert.equal(answer.status, 400, `${JSON.stringify(body)}: ${answer.body}`);
      assert.equal(answer.json.status, 400);
    }
    const large = await postReceipt(server.port, 'a'.repeat(65 * 1024));
    assert.equal(large.status, 413);
    assert.equal(large.json.type, 'urn:consentry:problem:body-too-large');
    for (const type of ['application/json', 'application/x-www-form-urlencoded', '']) {
      const answer = await request(server.port, { method: 'POST', path: '/v1/receipts', headers: type ? { 'content-type': type } : {}, body: 'x.y.z' });
      assert.equal(answer.status, 415, type);
      assert.equal(answer.headers['accept-post'], 'application/jose, text/plain');
    }
  });

  test('GET a receipt: 200, 404, 400; unknown API 404; wrong method 405', async () => {
    assert.equal((await request(server.port, { path: '/v1/receipts/00000000-0000-4000-8000-000000000000' })).status, 404);
    assert.equal((await request(server.port, { path: `/v1/receipts/${'x'.repeat(300)}` })).status, 400);
    assert.equal((await request(server.port, { path: '/v1/nothing' })).status, 404);
    const wrong = await request(server.port, { method: 'DELETE', path: '/v1/receipts' });
    assert.equal(wrong.status, 405);
    assert.equal(wrong.headers.allow, 'POST, OPTIONS');
    assert.equal((await request(server.port, { method: 'GET', path: '/v1/receipts' })).status, 405);
  });

  test("a device's chain, only for a request signed by that device", async () => {
    const device = await newDevice();
    const ids = [];
    for (let i = 0; i < 3; i++) {
      const r = await issue(device, { policy });
      assert.equal((await postReceipt(server.port, r.jws)).status, 201);
      ids.push(r.id);
    }
    const target = `/v1/devices/${device.thumbprint}/receipts`;
    const unsigned = await request(server.port, { path: target });
    assert.equal(unsigned.status, 401);
    assert.equal(unsigned.headers['www-authenticate'], 'Consentry-Signature');

    const stranger = await newDevice();
    const foreign = await request(server.port, { path: target, headers: { authorization: await signRequest(stranger, 'GET', target) } });
    assert.equal(foreign.status, 403);

    const stale = await request(server.port, { path: target, headers: { authorization: await signRequest(device, 'GET', target, Math.floor(Date.now() / 1000) - 3600) } });
    assert.equal(stale.status, 401);
    assert.equal(stale.json.type, 'urn:consentry:problem:stale-signature');

    const otherPath = await request(server.port, { path: target, headers: { authorization: await signRequest(device, 'GET', `${target}?limit=1`) } });
    assert.equal(otherPath.status, 401);

    const signed = await request(server.port, { path: target, headers: { authorization: await signRequest(device, 'GET', target) } });
    assert.equal(signed.status, 200, signed.body);
    assert.deepEqual(signed.json.receipts.map((r) => r.receipt_id), ids);
    assert.equal(signed.json.receipts[1].previous_hash, signed.json.receipts[0].receipt_hash);

    const paged = `${target}?limit=2`;
    const page = await request(server.port, { path: paged, headers: { authorization: await signRequest(device, 'GET', paged) } });
    assert.deepEqual(page.json.receipts.map((r) => r.receipt_id), ids.slice(0, 2));
    const rest = `${target}?after=${page.json.next_after}`;
    const tail = await request(server.port, { path: rest, headers: { authorization: await signRequest(device, 'GET', rest) } });
    assert.deepEqual(tail.json.receipts.map((r) => r.receipt_id), ids.slice(2));
  });

  test('reports: counts by host and page path; no query strings', async () => {
    const report = { policy_id: policy.id, trackers: [{ host: 'tracker.example', page_path: '/shop', count: 3 }] };
    const post = (body, type = 'application/json') => request(server.port, { method: 'POST', path: '/v1/reports', headers: { 'content-type': type }, body });
    const ok = await post(JSON.stringify(report));
    assert.equal(ok.status, 200, ok.body);
    assert.equal(ok.json.stored, 1);
    assert.equal((await post(JSON.stringify(report), 'text/plain')).status, 200);
    assert.equal(sql(db, "SELECT count FROM tracker_reports WHERE host = 'tracker.example'"), '6');
    assert.equal((await post('{"policy_id":')).status, 400);
    assert.equal((await post(JSON.stringify(report), 'application/xml')).status, 415);
    const invalid = [
      { ...report, trackers: [{ host: 'tracker.example', page_path: '/shop?email=a@b.example', count: 1 }] },
      { ...report, trackers: [{ host: 'Tracker Example', page_path: '/', count: 1 }] },
      { ...report, trackers: [{ host: 'tracker.example', page_path: '/', count: 0 }] },
      { ...report, policy_id: 'unknown' },
      { ...report, ip: '192.0.2.1' },
    ];
    for (const body of invalid) {
      const answer = await post(JSON.stringify(body));
      assert.equal(answer.status, 422, JSON.stringify(body));
    }
  });

  test('CORS only for the allowed origins', async () => {
    const device = await newDevice();
    const receipt = await issue(device, { policy });
    const allowed = await postReceipt(server.port, receipt.jws, { headers: { origin } });
    assert.equal(allowed.headers['access-control-allow-origin'], origin);
    const other = await postReceipt(server.port, receipt.jws, { headers: { origin: 'https://evil.example' } });
    assert.equal(other.headers['access-control-allow-origin'], undefined);
    const preflight = (from) => request(server.port, { method: 'OPTIONS', path: '/v1/receipts', headers: { origin: from, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' } });
    const yes = await preflight(origin);
    assert.equal(yes.status, 204);
    assert.equal(yes.headers['access-control-allow-origin'], origin);
    assert.match(yes.headers['access-control-allow-methods'], /POST/);
    assert.equal((await preflight('https://evil.example')).status, 403);
  });

  test('/healthz, /metrics, JWKS', async () => {
    const health = await request(server.port, { path: '/healthz' });
    assert.equal(health.status, 200);
    const metrics = await request(server.port, { path: '/metrics' });
    assert.equal(metrics.status, 200);
    assert.match(metrics.headers['content-type'], /^text\/plain; version=0\.0\.4/);
    assert.match(metrics.body, /^consentry_http_requests_total\{status="201"\} \d+$/m);
    assert.match(metrics.body, /^consentry_http_requests_total\{status="422"\} \d+$/m);
    assert.match(metrics.body, /^consentry_http_request_duration_seconds_bucket\{le="\+Inf"\} \d+$/m);
    assert.match(metrics.body, /^consentry_receipts_stored_total [1-9]\d*$/m);
    assert.match(metrics.body, /^consentry_storage_errors_total \d+$/m);
    assert.match(metrics.body, /^consentry_receipt_check_cache_misses_total [1-9]\d*$/m);
    assert.match(metrics.body, /^consentry_receipt_check_cache_hits_total \d+$/m);
  });
});

describe(`rate limits on ${backend}`, () => {
  test('429 per device and per client, with Retry-After', async () => {
    const limited = await startServer({ db: freshDatabase('limits'), args: ['--device-rate', '1', '--client-rate', '0'] });
    try {
      const device = await newDevice();
      const statuses = [];
      for (let i = 0; i < 12; i++) statuses.push((await postReceipt(limited.port, (await issue(device, { policy })).jws)).status);
      assert.deepEqual(statuses.slice(0, 10), Array(10).fill(201));
      assert.equal(statuses[10], 429);
      const answer = await postReceipt(limited.port, (await issue(device, { policy, advance: false })).jws);
      assert.equal(answer.status, 429);
      assert.ok(Number(answer.headers['retry-after']) >= 1);
      assert.equal(answer.json.type, 'urn:consentry:problem:rate-limited');
      // Another device is not limited by the first one.
      assert.equal((await postReceipt(limited.port, (await issue(await newDevice(), { policy })).jws)).status, 201);
    } finally {
      await limited.stop();
    }
    const clientLimited = await startServer({ db: freshDatabase('limits2'), args: ['--client-rate', '1'] });
    try {
      const statuses = [];
      for (let i = 0; i < 25; i++) statuses.push((await postReceipt(clientLimited.port, (await issue(await newDevice(), { policy })).jws)).status);
      assert.deepEqual(statuses.slice(0, 20), Array(20).fill(201));
      assert.ok(statuses.slice(20).includes(429));
    } finally {
      await clientLimited.stop();
    }
  });
});

describe(`storage unavailable on ${backend}`, () => {
  test('503 while the database cannot be written, never a 2xx; back to 201 after', async () => {
    const unavailableDb = freshDatabase('down');
    const s = await startServer({ db: unavailableDb, args: ['--busy-timeout', '300'] });
    const device = await newDevice();
    const first = await issue(device, { policy });
    assert.equal((await postReceipt(s.port, first.jws)).status, 201);
    let release;
    if (unavailableDb.startsWith('sqlite:')) {
      // Another process holds the write lock longer than the server waits for it.
      const holder = spawn('sqlite3', [unavailableDb.slice(7)], { stdio: ['pipe', 'ignore', 'inherit'] });
      holder.stdin.write('BEGIN IMMEDIATE;\nINSERT INTO tracker_reports VALUES (1,1,1,1,1);\n');
      await sleep(300);
      release = async () => { holder.stdin.end('ROLLBACK;\n'); await new Promise((r) => holder.on('exit', r)); };
    } else {
      // The database refuses connections, and the server's are cut.
      const name = new URL(unavailableDb).pathname.slice(1);
      const admin = unavailableDb.replace(/\/[^/]*$/, '/postgres');
      execFileSync('psql', [admin, '-q', '-c', `ALTER DATABASE ${name} ALLOW_CONNECTIONS false`, '-c', `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '${name}'`], { stdio: 'ignore' });
      release = async () => execFileSync('psql', [admin, '-q', '-c', `ALTER DATABASE ${name} ALLOW_CONNECTIONS true`], { stdio: 'ignore' });
    }
    try {
      const second = await issue(device, { policy });
      const answer = await postReceipt(s.port, second.jws);
      assert.equal(answer.status, 503, answer.body);
      assert.equal(answer.json.type, 'urn:consentry:problem:storage-unavailable');
      assert.ok(answer.headers['retry-after']);
      const health = await request(s.port, { path: '/healthz' });
      if (!unavailableDb.startsWith('sqlite:')) assert.equal(health.status, 503);
      await release();
      release = null;
      const retried = await postReceipt(s.port, second.jws);
      assert.equal(retried.status, 201, retried.body);
      const metrics = await request(s.port, { path: '/metrics' });
      assert.match(metrics.body, /^consentry_storage_errors_total [1-9]/m);
    } finally {
      if (release) await release();
      await s.stop();
    }
  });
});
