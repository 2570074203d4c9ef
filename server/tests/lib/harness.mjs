// Test harness of the receipt server: starts servers on free ports, gives each
// test file a fresh database (a file, or a database of the shared test PostgreSQL),
// and speaks HTTP both politely (node:http) and rudely (raw sockets).
import { spawn, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

export const serverBinary = process.env.CONSENTRY_SERVER;
export const consentryBinary = process.env.CONSENTRY;
export const sourceDir = process.env.SOURCE_DIR;
export const backend = process.env.CONSENTRY_DB ?? 'sqlite';
export const policyDir = path.join(sourceDir, 'server/tests/fixtures/policy');

if (!serverBinary || !sourceDir) throw new Error('CONSENTRY_SERVER and SOURCE_DIR must be set (run through ctest)');

export function tempDir(tag) {
  return fs.mkdtempSync(path.join(os.tmpdir(), `consentry-server-${tag}-`));
}

function postgresState() {
  const file = process.env.POSTGRES_STATE;
  if (!file || !fs.existsSync(file)) throw new Error(`no test PostgreSQL: ${file} is missing (fixture server.postgres)`);
  return Object.fromEntries(
    fs.readFileSync(file, 'utf8').trim().split('\n').map((line) => line.split(/=(.*)/s).slice(0, 2)));
}

export function postgresAdminUrl() {
  return postgresState().url;
}

/// A database nobody else uses: `sqlite:<temp>/receipts.db`, or a new PostgreSQL database.
export function freshDatabase(tag, kind = backend) {
  if (kind === 'sqlite') return `sqlite:${path.join(tempDir(tag), 'receipts.db')}`;
  const { url } = postgresState();
  const name = `t_${tag.replace(/[^a-z0-9_]/gi, '_')}_${process.pid}_${Math.floor(Math.random() * 1e9)}`.toLowerCase();
  execFileSync('psql', [url, '-q', '-c', `CREATE DATABASE ${name}`], { stdio: ['ignore', 'ignore', 'inherit'] });
  return url.replace(/\/[^/]*$/, `/${name}`);
}

/// Runs a statement against a test database with psql or sqlite3; returns its output.
export function sql(db, statement) {
  if (db.startsWith('sqlite:')) return execFileSync('sqlite3', [db.slice(7), statement], { encoding: 'utf8' }).trim();
  return execFileSync('psql', [db, '-At', '-c', statement], { encoding: 'utf8' }).trim();
}

/// Starts consentry-server and resolves once it listens. `args` come after the defaults.
export async function startServer({ db, key, args = [], policy = [policyDir] } = {}) {
  const dir = tempDir('run');
  key ??= path.join(dir, 'server-key.pem');
  const argv = ['--listen', '127.0.0.1:0', '--db', db, '--key', key, '--policy', ...policy, ...args];
  const child = spawn(serverBinary, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (chunk) => { stderr += chunk; });
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  const port = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start in 20 s: ${stderr}`)), 20000);
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
      const match = /listening on http:\/\/[^:]+:(\d+)/.exec(stdout);
      if (match) { clearTimeout(timer); resolve(Number(match[1])); }
    });
    exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`server exited (${code ?? signal}) before listening: ${stderr}`));
    });
  });
  return {
    port,
    key,
    process: child,
    exited,
    stderr: () => stderr,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      return exited;
    },
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      return exited;
    },
  };
}

/// Runs the server expecting it to fail at start-up; resolves with its exit code and stderr.
export function runServer(argv, timeoutMs = 20000) {
  return new Promise((resolve, reject) => {
    const child = spawn(serverBinary, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => { stdout += c; });
    child.stderr.on('data', (c) => { stderr += c; });
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`still running: ${stdout}`)); }, timeoutMs);
    child.on('exit', (code) => { clearTimeout(timer); resolve({ code, stdout, stderr }); });
  });
}

/// One HTTP request; resolves with status, headers, body text and, for JSON, `json`.
export function request(port, { method = 'GET', path: target = '/', headers = {}, body, agent = false } = {}) {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method, path: target, headers, agent }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json;
        if (/json/.test(res.headers['content-type'] ?? '')) {
          try { json = JSON.parse(text); } catch { json = undefined; }
        }
        resolve({ status: res.statusCode, headers: res.headers, body: text, json });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}

export function postReceipt(port, jws, { contentType = 'application/jose', agent = false, headers = {} } = {}) {
  return request(port, { method: 'POST', path: '/v1/receipts', headers: { 'content-type': contentType, ...headers }, body: jws, agent });
}

/// Writes raw bytes on a fresh connection and collects everything until the server
/// closes it (or `timeoutMs`). Resolves with the text and whether the server closed.
export function rawExchange(port, chunks, { timeoutMs = 5000, gapMs = 0 } = {}) {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    let received = '';
    let done = false;
    const finish = (closed) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      resolve({ text: received, closed });
    };
    const timer = setTimeout(() => finish(false), timeoutMs);
    socket.on('data', (d) => { received += d.toString('latin1'); });
    socket.on('close', () => finish(true));
    socket.on('error', () => finish(true));
    socket.on('connect', async () => {
      for (const chunk of [].concat(chunks)) {
        if (done) return;
        socket.write(chunk);
        if (gapMs) await new Promise((r) => setTimeout(r, gapMs));
      }
    });
  });
}

/// The status code of the first response in a raw exchange.
export function rawStatus(text) {
  const match = /^HTTP\/1\.[01] (\d{3})/.exec(text);
  return match ? Number(match[1]) : undefined;
}

export function sleep(ms) {
  return new Promise((r) => setTimeout(r, ms));
}
