// Scale-out: two server processes on one PostgreSQL receive the same receipts at
// the same time. The database's constraints, not the servers' memory, decide: one
// row per receipt, one 201 and one 200 with identical bodies, one winner per fork.
import assert from 'node:assert/strict';
import http from 'node:http';
import { test } from 'node:test';

import { freshDatabase, postReceipt, request, sql, startServer, tempDir } from './lib/harness.mjs';
import { acceptedPolicy, chains, issue } from './lib/receipts.mjs';

test('two servers, one PostgreSQL, the same receipts at once', async () => {
  const db = freshDatabase('two', 'postgresql');
  const key = `${tempDir('two-key')}/server-key.pem`;
  const args = ['--device-rate', '0', '--client-rate', '0'];
  const servers = [await startServer({ db, key, args }), await startServer({ db, key, args })];
  try {
    const agents = servers.map(() => new http.Agent({ keepAlive: true, maxSockets: 32 }));
    const policy = await acceptedPolicy(request, servers[0].port);
    const devices = await chains(policy, 150, 3);
    for (let position = 0; position < 3; position++) {
      await Promise.all(devices.map(async ({ receipts }) => {
        const receipt = receipts[position];
        const answers = await Promise.all(servers.map((s, i) => postReceipt(s.port, receipt.jws, { agent: agents[i] })));
        assert.deepEqual(answers.map((a) => a.status).sort(), [200, 201], answers.map((a) => a.body).join('\n'));
        assert.deepEqual(answers[0].json, answers[1].json);
      }));
    }
    assert.equal(sql(db, 'SELECT count(*) FROM receipts'), '450');
    assert.equal(sql(db, 'SELECT count(DISTINCT receipt_id) FROM receipts'), '450');

    // Both servers read the same rows.
    for (const { receipts } of devices.slice(0, 20)) {
      const reads = await Promise.all(servers.map((s) => request(s.port, { path: `/v1/receipts/${receipts[2].id}` })));
      assert.deepEqual(reads[0].json, reads[1].json);
    }

    // Forks at once: two different successors of one receipt, one to each server.
    for (const { device, receipts } of devices.slice(0, 50)) {
      const last = receipts[2].hash;
      const left = await issue(device, { policy, previous: last, advance: false });
      const right = await issue(device, { policy, previous: last, advance: false });
      const answers = await Promise.all([postReceipt(servers[0].port, left.jws, { agent: agents[0] }),
        postReceipt(servers[1].port, right.jws, { agent: agents[1] })]);
      assert.deepEqual(answers.map((a) => a.status).sort(), [201, 422]);
      assert.equal(answers.find((a) => a.status === 422).json.type, 'urn:consentry:problem:chain-fork');
    }
    assert.equal(sql(db, 'SELECT count(*) FROM receipts'), '500');
    agents.forEach((a) => a.destroy());
  } finally {
    await Promise.all(servers.map((s) => s.stop()));
  }
});
