// Start-up: a bad flag, an unreadable key or an unreachable database is one clear
// line and a non-zero exit; a missing key is created with mode 0600. And --static.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { test } from 'node:test';

import { freshDatabase, policyDir, postReceipt, rawExchange, rawStatus, request, runServer, sql, startServer, tempDir } from './lib/harness.mjs';
import { acceptedPolicy, issue, newDevice } from './lib/receipts.mjs';

const base = () => {
  const dir = tempDir('start');
  return { dir, argv: ['--listen', '127.0.0.1:0', '--db', `sqlite:${dir}/r.db`, '--key', `${dir}/key.pem`, '--policy', policyDir] };
};

async function closedPort() {
  const server = net.createServer();
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address();
  await new Promise((r) => server.close(r));
  return port;
}

test('bad flags: exit 2 naming the flag', async () => {
  const { argv } = base();
  const cases = [
    [['--frobnicate'], /unknown option "--frobnicate"/],
    [['--listen', 'localhost'], /--listen expects HOST:PORT/],
    [['--listen', '127.0.0.1:99999'], /not a port number/],
    [['--db', 'mysql://x'], /--db expects sqlite:PATH or postgresql/],
    [['--threads', '0'], /--threads expects a whole number of at least 1/],
    [['--device-rate', '-1'], /--device-rate expects a rate/],
    [['--allow-origin', 'shop.example'], /--allow-origin expects an origin/],
    [['--key'], /--key expects a value/],
  ];
  for (const [extra, message] of cases) {
    const result = await runServer([...argv, ...extra]);
    assert.equal(result.code, 2, extra.join(' '));
    assert.match(result.stderr, message);
  }
  const noPolicy = await runServer(['--db', 'sqlite:/tmp/x.db']);
  assert.equal(noPolicy.code, 2);
  assert.match(noPolicy.stderr, /--policy DIR is required/);
  const help = await runServer(['--help']);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /--policy DIR\.\.\./);
});

test('a missing key is created with mode 0600 and kept across restarts', async () => {
  const dir = tempDir('key');
  const key = path.join(dir, 'nested', 'server-key.pem');
  const s1 = await startServer({ db: freshDatabase('key', 'sqlite'), key });
  const jwks1 = (await request(s1.port, { path: '/.well-known/jwks.json' })).json;
  await s1.stop();
  assert.equal(fs.statSync(key).mode & 0o777, 0o600);
  assert.match(fs.readFileSync(key, 'utf8'), /^-----BEGIN PRIVATE KEY-----/);
  const s2 = await startServer({ db: freshDatabase('key2', 'sqlite'), key });
  assert.deepEqual((await request(s2.port, { path: '/.well-known/jwks.json' })).json, jwks1);
  await s2.stop();
  assert.equal(jwks1.keys[0].kty, 'OKP');
  assert.equal(jwks1.keys[0].crv, 'Ed25519');
  assert.equal(jwks1.keys[0].d, undefined, 'no private part');
});

test('an unreadable key, a policy that does not load, an unreachable database: exit 1 with the reason', async () => {
  const { dir, argv } = base();
  const garbage = path.join(dir, 'garbage.pem');
  fs.writeFileSync(garbage, 'not a key');
  const rsa = path.join(dir, 'rsa.pem');
  execFileSync('openssl', ['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:1024', '-out', rsa], { stdio: 'ignore' });
  const port = await closedPort();
  const cases = [
    [['--key', dir], /cannot read the key file .*is a directory/],
    [['--key', garbage], /does not hold a PEM private key/],
    [['--key', rsa], /holds a RSA key; the server signs with Ed25519/],
    [['--policy', path.join(dir, 'nowhere')], /cannot load the policy in .*nowhere/],
    [['--db', `postgresql://postgres@127.0.0.1:${port}/receipts`], /cannot connect to PostgreSQL at postgresql:\/\/postgres@127\.0\.0\.1:\d+\/receipts/],
    [['--db', 'postgresql://user:secret@127.0.0.1:' + port + '/x'], /user:\*\*\*@/],
    [['--db', 'sqlite:/proc/no/such/receipts.db'], /cannot open the SQLite database/],
    [['--static', path.join(dir, 'nowhere')], /--static .*not a readable folder/],
  ];
  for (const [extra, message] of cases) {
    const result = await runServer([...argv, ...extra]);
    assert.equal(result.code, 1, `${extra.join(' ')}: ${result.stderr}`);
    assert.match(result.stderr, message);
    assert.doesNotMatch(result.stderr, /secret/);
    assert.equal(result.stderr.trim().split('\n').length, 1, `one line: ${result.stderr}`);
  }
  const busy = net.createServer();
  await new Promise((r) => busy.listen(0, '127.0.0.1', r));
  const inUse = await runServer([...argv.slice(2), '--listen', `127.0.0.1:${busy.address().port}`]);
  busy.close();
  assert.equal(inUse.code, 1);
  assert.match(inUse.stderr, /cannot listen on 127\.0\.0\.1:\d+: Address already in use/);
});

test('--static serves files safely, with their content types and a CSP', async () => {
  const dir = tempDir('static');
  const site = path.join(dir, 'site');
  fs.mkdirSync(path.join(site, 'sub'), { recursive: true });
  fs.writeFileSync(path.join(site, 'index.html'), '<!doctype html><title>demo</title>');
  fs.writeFileSync(path.join(site, 'app.js'), 'export const x = 1;');
  fs.writeFileSync(path.join(site, 'core.wasm'), Buffer.from([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]));
  fs.writeFileSync(path.join(site, 'sub', 'index.html'), 'sub');
  fs.writeFileSync(path.join(site, 'sub', 'a b.txt'), 'spaced');
  fs.writeFileSync(path.join(site, '.env'), 'SECRET=1');
  fs.writeFileSync(path.join(dir, 'outside.txt'), 'outside');
  fs.symlinkSync(path.join(dir, 'outside.txt'), path.join(site, 'escape.txt'));
  fs.symlinkSync('/etc', path.join(site, 'etc'));
  const s = await startServer({ db: freshDatabase('static', 'sqlite'), args: ['--static', site] });
  try {
    const index = await request(s.port, { path: '/' });
    assert.equal(index.status, 200);
    assert.equal(index.headers['content-type'], 'text/html; charset=utf-8');
    assert.match(index.headers['content-security-policy'], /default-src 'self'/);
    assert.match(index.headers['content-security-policy'], /'wasm-unsafe-eval'/);
    assert.equal(index.headers['x-content-type-options'], 'nosniff');
    assert.equal((await request(s.port, { path: '/app.js' })).headers['content-type'], 'text/javascript; charset=utf-8');
    const wasm = await request(s.port, { path: '/core.wasm' });
    assert.equal(wasm.headers['content-type'], 'application/wasm');
    assert.equal(wasm.headers['content-length'], '8');
    assert.equal((await request(s.port, { path: '/sub/a%20b.txt' })).body, 'spaced');
    const folder = await request(s.port, { path: '/sub' });
    assert.equal(folder.status, 301);
    assert.equal(folder.headers.location, '/sub/');
    assert.equal((await request(s.port, { path: '/sub/' })).body, 'sub');
    const head = await request(s.port, { method: 'HEAD', path: '/app.js' });
    assert.equal(head.status, 200);
    assert.equal(head.headers['content-length'], '19');
    assert.equal(head.body, '');
    for (const target of ['/../outside.txt', '/sub/../../outside.txt', '/%2e%2e/outside.txt', '/%2E%2E%2Foutside.txt',
      '/escape.txt', '/etc/passwd', '/.env', '/sub/%2e%2e/.env', '/nothing.html', '/..%5coutside.txt']) {
      const raw = await rawExchange(s.port, `GET ${target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
      const status = rawStatus(raw.text);
      assert.ok(status === 404 || status === 400, `${target}: ${status}`);
      assert.doesNotMatch(raw.text, /outside|SECRET|root:/, target);
    }
    assert.equal((await request(s.port, { path: '/%zz' })).status, 400);
    assert.equal((await request(s.port, { method: 'POST', path: '/index.html', body: 'x' })).status, 405);
    assert.equal((await request(s.port, { path: '/healthz' })).status, 200, 'the API is still the API');
  } finally {
    await s.stop();
  }
  assert.equal(s.process.exitCode, 0, 'SIGTERM ends the server cleanly');
});

/// The receipts table as servers before chain_position made it (chain_link unique, and a
/// foreign key to a unique (device, receipt_hash)), with or without receipt parts.
const chainLinkReceipts = ({ parts }) => `CREATE TABLE receipts (
  sequence_number  INTEGER PRIMARY KEY,
  receipt_id       TEXT NOT NULL UNIQUE,
  device           TEXT NOT NULL,
  receipt_hash     TEXT NOT NULL,
  previous_hash    TEXT,
  chain_link       TEXT NOT NULL UNIQUE,
  policy_id        TEXT NOT NULL,
  policy_hash      TEXT NOT NULL,
  server_time      TEXT NOT NULL,
  jws              TEXT NOT NULL,
  countersignature TEXT NOT NULL,${parts ? `
  part             INTEGER REFERENCES receipt_parts (id),
  part_at          INTEGER,` : ''}
  UNIQUE (device, receipt_hash),
  FOREIGN KEY (device, previous_hash) REFERENCES receipts (device, receipt_hash),
  CHECK (chain_link = coalesce(previous_hash, 'first:' || device))
);`;

// A database written before receipts shared their services (the table without `part`
// and `part_at`, 16 KB pages) is opened as it is: its receipts are answered byte for
// byte, its chains go on, and new receipts keep their shared part once.
test('a SQLite database of the schema before receipt parts is used as it is, and gains them', async () => {
  const dir = tempDir('migrate');
  const current = `sqlite:${dir}/current.db`;
  const older = `${dir}/older.db`;
  const s1 = await startServer({ db: current, key: `${dir}/key.pem`, args: ['--device-rate', '0', '--client-rate', '0'] });
  const policy = await acceptedPolicy(request, s1.port);
  const device = await newDevice();
  const stored = [];
  for (let i = 0; i < 2; i++) {
    const receipt = await issue(device, { policy });
    const answer = await postReceipt(s1.port, receipt.jws);
    assert.equal(answer.status, 201, answer.body);
    stored.push({ receipt, answer: answer.json });
  }
  await s1.stop();
  // The same receipts as an older server stored them: whole JWS in the row.
  execFileSync('sqlite3', [older], {
    input: `PRAGMA page_size=16384;
PRAGMA journal_mode=WAL;
${chainLinkReceipts({ parts: false })}
ATTACH '${dir}/current.db' AS current;
INSERT INTO receipts SELECT sequence_number, receipt_id, device, receipt_hash, previous_hash,
  coalesce(previous_hash, 'first:' || device), policy_id, policy_hash, server_time, jws, countersignature
  FROM current.receipts_whole;
`,
    encoding: 'utf8',
  });
  assert.equal(sql(`sqlite:${older}`, "SELECT count(*) FROM pragma_table_info('receipts') WHERE name = 'part'"), '0');
  assert.equal(sql(`sqlite:${older}`, 'SELECT sum(length(jws)) FROM receipts'),
               String(stored.reduce((n, s) => n + s.receipt.jws.length, 0)));

  const s2 = await startServer({ db: `sqlite:${older}`, key: `${dir}/key.pem`, args: ['--device-rate', '0', '--client-rate', '0'] });
  for (const { receipt, answer } of stored) {
    const got = await request(s2.port, { path: `/v1/receipts/${receipt.id}` });
    assert.equal(got.status, 200);
    assert.equal(got.json.receipt, receipt.jws);
    assert.equal(got.json.countersignature, answer.countersignature);
    const replay = await postReceipt(s2.port, receipt.jws);
    assert.equal(replay.status, 200);
    assert.deepEqual(replay.json, answer);
  }
  const third = await issue(device, { policy });
  const answer = await postReceipt(s2.port, third.jws);
  assert.equal(answer.status, 201, answer.body);
  assert.equal((await request(s2.port, { path: `/v1/receipts/${third.id}` })).json.receipt, third.jws);
  await s2.stop();
  const db = `sqlite:${older}`;
  assert.equal(sql(db, 'SELECT count(*) FROM receipts WHERE part IS NULL'), '2', 'the older rows stay whole');
  assert.equal(sql(db, 'SELECT count(*) FROM receipts WHERE part IS NOT NULL'), '1', 'the new one shares its part');
  assert.ok(Number(sql(db, `SELECT length(jws) FROM receipts WHERE receipt_id = '${third.id}'`)) < third.jws.length - 256);
  assert.equal(sql(db, 'PRAGMA integrity_check'), 'ok');
  assert.equal(sql(db, 'PRAGMA foreign_key_check'), '');
});

// A database of the schema before chain positions (chain_link, unique, and a foreign
// key to a unique (device, receipt_hash)) gains them when first opened, in one
// transaction: its receipts are answered as before, its chains go on, and a fork is
// still refused. A row in no chain (the old foreign key was off) stops the server and
// leaves the file as it was.
test('a SQLite database of the schema before chain positions gains them, and its chains go on', async () => {
  const dir = tempDir('chains');
  const args = ['--device-rate', '0', '--client-rate', '0'];
  const s1 = await startServer({ db: `sqlite:${dir}/current.db`, key: `${dir}/key.pem`, args });
  const policy = await acceptedPolicy(request, s1.port);
  const [a, b] = [await newDevice(), await newDevice()];
  const stored = [];
  for (const device of [a, a, b, a]) {
    const receipt = await issue(device, { policy });
    const answer = await postReceipt(s1.port, receipt.jws);
    assert.equal(answer.status, 201, answer.body);
    stored.push({ receipt, answer: answer.json });
  }
  await s1.stop();
  const older = `${dir}/older.db`;
  execFileSync('sqlite3', [older], {
    input: `PRAGMA page_size=8192;
PRAGMA journal_mode=WAL;
CREATE TABLE receipt_parts (id INTEGER PRIMARY KEY, fingerprint INTEGER NOT NULL, text TEXT NOT NULL);
CREATE INDEX receipt_parts_by_fingerprint ON receipt_parts (fingerprint);
${chainLinkReceipts({ parts: true })}
ATTACH '${dir}/current.db' AS current;
INSERT INTO receipt_parts SELECT * FROM current.receipt_parts;
INSERT INTO receipts SELECT sequence_number, receipt_id, device, receipt_hash, previous_hash,
  coalesce(previous_hash, 'first:' || device), policy_id, policy_hash, server_time, jws, countersignature, part, part_at
  FROM current.receipts;
`,
    encoding: 'utf8',
  });
  const olderDb = `sqlite:${older}`;
  assert.equal(sql(olderDb, "SELECT count(*) FROM pragma_table_info('receipts') WHERE name = 'chain_position'"), '0');

  // The same file with one more row whose previous receipt is nowhere.
  const broken = `${dir}/broken.db`;
  fs.copyFileSync(older, broken);
  execFileSync('sqlite3', [broken], {
    input: `INSERT INTO receipts SELECT 99, 'orphan', device, 'h', 'nowhere', 'nowhere', policy_id, policy_hash, server_time,
  jws, countersignature, part, part_at FROM receipts WHERE sequence_number = 1;`,
    encoding: 'utf8',
  });
  const refused = await runServer(['--listen', '127.0.0.1:0', '--db', `sqlite:${broken}`, '--key', `${dir}/key.pem`,
                                   '--policy', policyDir]);
  assert.equal(refused.code, 1, refused.stderr);
  assert.match(refused.stderr, /cannot give the receipts their chain positions: 1 of 5 are in no device's chain; the database is left as it was/);
  assert.equal(sql(`sqlite:${broken}`, 'SELECT count(*) FROM receipts'), '5');
  assert.equal(sql(`sqlite:${broken}`, "SELECT count(*) FROM pragma_table_info('receipts') WHERE name = 'chain_link'"), '1');

  const s2 = await startServer({ db: olderDb, key: `${dir}/key.pem`, args });
  for (const { receipt, answer } of stored) {
    const got = await request(s2.port, { path: `/v1/receipts/${receipt.id}` });
    assert.equal(got.status, 200);
    assert.equal(got.json.receipt, receipt.jws);
    assert.equal(got.json.countersignature, answer.countersignature);
    assert.deepEqual((await postReceipt(s2.port, receipt.jws)).json, answer);
  }
  const fork = await issue(a, { policy, previous: stored[0].receipt.hash, advance: false });
  assert.equal((await postReceipt(s2.port, fork.jws)).json.type, 'urn:consentry:problem:chain-fork');
  for (const device of [a, b]) {
    const next = await issue(device, { policy });
    const answer = await postReceipt(s2.port, next.jws);
    assert.equal(answer.status, 201, answer.body);
  }
  await s2.stop();
  assert.equal(sql(olderDb, 'SELECT group_concat(chain_position) FROM (SELECT chain_position FROM receipts ORDER BY sequence_number)'),
               '0,1,0,2,3,1');
  assert.equal(sql(olderDb, "SELECT count(*) FROM pragma_table_info('receipts') WHERE name = 'chain_link'"), '0');
  assert.equal(sql(olderDb, 'PRAGMA integrity_check'), 'ok');
  assert.equal(sql(olderDb, 'PRAGMA foreign_key_check'), '');
});
