// The crash test: under load, the server is killed with SIGKILL 20 times at random
// moments and restarted on the same database. Every receipt that was answered 2xx
// must then be stored, with the countersignature it was answered with, and verify.
import assert from 'node:assert/strict';
import http from 'node:http';
import { test } from 'node:test';
import { compactVerify, importJWK } from 'jose';

import { backend, freshDatabase, postReceipt, request, sleep, sql, startServer, tempDir } from './lib/harness.mjs';
import { acceptedPolicy, chains, receiptHash } from './lib/receipts.mjs';

const kills = Number(process.env.CRASH_KILLS ?? 20);
const workers = 24;

test(`${kills} kills under load on ${backend}: nothing acknowledged is lost`, async () => {
  const db = freshDatabase('crash');
  const key = `${tempDir('crash-key')}/server-key.pem`;
  const args = ['--device-rate', '0', '--client-rate', '0'];
  let server = await startServer({ db, key, args });
  const policy = await acceptedPolicy(request, server.port);
  const devices = await chains(policy, 240, 5);
  const acknowledged = new Map();  // receipt id → the answer's JSON
  const statuses = new Map();

  for (let round = 0; round < kills; round++) {
    if (round > 0) server = await startServer({ db, key, args });
    const agent = new http.Agent({ keepAlive: true, maxSockets: workers });
    let alive = true;
    // Each worker sends its devices' receipts in chain order, as a client's queue
    // does: the next only after the previous was acknowledged.
    const work = Array.from({ length: workers }, async (_, w) => {
      for (let d = w; d < devices.length && alive; d += workers) {
        const device = devices[d];
        device.next ??= 0;
        while (alive && device.next < device.receipts.length) {
          const receipt = device.receipts[device.next];
          let answer;
          try {
            answer = await postReceipt(server.port, receipt.jws, { agent });
          } catch {
            return;  // the server died under this request: retried next round
          }
          statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
          if (answer.status === 201 || answer.status === 200) {
            const earlier = acknowledged.get(receipt.id);
            if (earlier) assert.deepEqual(answer.json, earlier, 'a replay is answered as the first time');
            acknowledged.set(receipt.id, answer.json);
            device.next++;
          } else {
            assert.equal(answer.status, 503, `unexpected ${answer.status}: ${answer.body}`);
          }
        }
      }
    });
    await sleep(50 + Math.random() * 450);
    await server.kill();
    alive = false;
    await Promise.all(work);
    agent.destroy();
  }

  // Restart, and check every acknowledged receipt.
  server = await startServer({ db, key, args });
  try {
    const jwks = await request(server.port, { path: '/.well-known/jwks.json' });
    const serverKey = await importJWK(jwks.json.keys[0], 'Ed25519');
    const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
    assert.ok(acknowledged.size > 100, `only ${acknowledged.size} receipts were acknowledged`);
    const all = devices.flatMap((d) => d.receipts);
    for (const receipt of all) {
      const answer = acknowledged.get(receipt.id);
      if (!answer) continue;
      const stored = await request(server.port, { path: `/v1/receipts/${receipt.id}`, agent });
      assert.equal(stored.status, 200, `acknowledged receipt ${receipt.id} is missing`);
      assert.equal(stored.json.receipt, receipt.jws);
      assert.equal(stored.json.countersignature, answer.countersignature);
      const { payload } = await compactVerify(stored.json.countersignature, serverKey);
      const signed = JSON.parse(new TextDecoder().decode(payload));
      assert.equal(signed.receipt_hash, receiptHash(receipt.jws));
      assert.equal(signed.sequence, answer.sequence);
      const header = JSON.parse(Buffer.from(receipt.jws.split('.')[0], 'base64url'));
      await compactVerify(stored.json.receipt, await importJWK(header.jwk, 'Ed25519'));
    }
    agent.destroy();
    const count = Number(sql(db, 'SELECT count(*) FROM receipts'));
    assert.ok(count >= acknowledged.size, `${count} rows for ${acknowledged.size} acknowledged receipts`);
    // Each stored receipt's predecessor is stored (the chain holds in the database).
    assert.equal(sql(db, 'SELECT count(*) FROM receipts r WHERE r.previous_hash IS NOT NULL AND NOT EXISTS ' +
      '(SELECT 1 FROM receipts p WHERE p.device = r.device AND p.receipt_hash = r.previous_hash)'), '0');
    console.log(`acknowledged ${acknowledged.size} of ${all.length} receipts; ${count} stored; statuses ${JSON.stringify([...statuses])}`);
  } finally {
    await server.stop();
  }
  if (db.startsWith('sqlite:')) assert.equal(sql(db, 'PRAGMA integrity_check'), 'ok');
});
