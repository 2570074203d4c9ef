// SQLite under steady load: the WAL stays bounded. A writer starts the WAL over only
// when it finds every frame copied into the database, which a checkpointer running
// beside a busy writer never achieves by itself: before the server made it happen
// (sqlite_backend.cpp, maintain and catch_up), the WAL grew without end for as long
// as receipts kept coming (this test: 441 MiB). Thousands of receipts, sent without a
// pause, all stored, and the WAL never much larger than the 64 MiB at which the writer
// catches up (69 MiB).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import { test } from 'node:test';

import { freshDatabase, postReceipt, request, sql, startServer } from './lib/harness.mjs';
import { acceptedPolicy, issue, newDevice } from './lib/receipts.mjs';

const receipts = Number(process.env.WAL_RECEIPTS ?? 12000);
const workers = 48;
const bound = 96 * 1024 * 1024;  // 64 MiB, and what comes in while the writer catches up

test(`${receipts} receipts without a pause: all stored, the WAL bounded`, async () => {
  const db = freshDatabase('wal');
  const wal = `${db.slice('sqlite:'.length)}-wal`;
  const server = await startServer({ db, args: ['--device-rate', '0', '--client-rate', '0'] });
  const policy = await acceptedPolicy(request, server.port);
  const bodies = [];
  for (let i = 0; i < receipts; i++) bodies.push((await issue(await newDevice(), { policy })).jws);

  let largest = 0;
  const sample = () => {
    if (fs.existsSync(wal)) largest = Math.max(largest, fs.statSync(wal).size);
  };
  const sampler = setInterval(sample, 20);
  const agent = new http.Agent({ keepAlive: true, maxSockets: workers });
  let next = 0;
  const statuses = new Map();
  await Promise.all(Array.from({ length: workers }, async () => {
    while (next < bodies.length) {
      const answer = await postReceipt(server.port, bodies[next++], { agent });
      statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
    }
  }));
  clearInterval(sampler);
  sample();
  agent.destroy();

  assert.deepEqual([...statuses], [[201, receipts]]);
  assert.equal(Number(sql(db, 'SELECT count(*) FROM receipts')), receipts);
  // One policy, one set of choices: every receipt shares its services, kept once per
  // place they fall among the base64url groups (three), and each JWS is whole again.
  assert.equal(sql(db, 'SELECT count(*) FROM receipts WHERE part IS NULL'), '0');
  assert.ok(Number(sql(db, 'SELECT count(*) FROM receipt_parts')) <= 3, sql(db, 'SELECT count(*) FROM receipt_parts'));
  assert.equal(Number(sql(db, 'SELECT sum(length(jws)) FROM receipts_whole')), bodies.reduce((n, b) => n + b.length, 0));
  const sent = new Set(bodies);
  const sampled = sql(db, 'SELECT jws FROM receipts_whole ORDER BY random() LIMIT 50').split('\n');
  assert.ok(sampled.every((jws) => sent.has(jws)), 'a stored JWS is not one that was sent');
  assert.ok(largest <= bound, `the WAL reached ${(largest / 2 ** 20).toFixed(1)} MiB`);
  await server.stop();
  assert.equal(sql(db, 'PRAGMA integrity_check'), 'ok');
  console.log(`the WAL's largest size: ${(largest / 2 ** 20).toFixed(1)} MiB`);
});
