/**
 * The upstream HTTP/1.1 pool on raw sockets, against a real node:http server on loopback:
 * keep-alive connections are reused (LIFO) instead of reopened; maxRequestsPerConnection sends
 * `Connection: close` on the last request and opens a new connection after it; the connection cap
 * queues requests in order; a refused connection fails the request with `connect-failure`; an
 * aborted attempt closes its connection; idle connections close after the idle timeout; a request
 * body streams with Content-Length or chunked, and a response body arrives in pieces.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { RequestBody, type BodySink } from '../../src/proxy/http1/body.js';
import { AttemptFailure, HttpPool, type PoolSettings, type UpstreamResponse } from '../../src/proxy/pool/http-pool.js';
import { makeHost, type Host } from '../../src/proxy/upstream/host.js';

let server: http.Server;
let host: Host;
let connections = 0;
const seen: { connection?: string; te?: string; cl?: string; body: number }[] = [];

before(async () => {
  server = http.createServer((req, res) => {
    let n = 0;
    req.on('data', (c: Buffer) => { n += c.length; });
    req.on('end', () => {
      seen.push({ connection: req.headers.connection, te: req.headers['transfer-encoding'], cl: req.headers['content-length'], body: n });
      if (req.url === '/slow') { setTimeout(() => res.end('slow'), 300); return; }
      if (req.url === '/pieces') {
        res.write('a'.repeat(1000));
        setTimeout(() => res.end('b'.repeat(1000)), 20);
        return;
      }
      res.end(`ok ${n}`);
    });
  });
  server.keepAliveTimeout = 60_000;
  server.on('connection', () => { connections++; });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  host = makeHost({ address: '127.0.0.1', port: (server.address() as AddressInfo).port });
});

after(async () => {
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
});

const settings = (o: Partial<PoolSettings> = {}): PoolSettings => ({ connectTimeoutMs: 2000, idleTimeoutMs: 0, maxRequestsPerConnection: 0, maxConnections: 100, ...o });

function read(res: UpstreamResponse): Promise<string> {
  if (!res.body) return Promise.resolve('');
  const chunks: Buffer[] = [];
  return new Promise((resolve, reject) => {
    const sink: BodySink = { write: (c) => { chunks.push(c); return true; }, end: () => resolve(Buffer.concat(chunks).toString()), abort: reject };
    res.body!.pipe(sink);
  });
}

async function get(pool: HttpPool, path = '/', body?: RequestBody): Promise<{ status: number; text: string }> {
  const res = await pool.request({ host, method: body ? 'POST' : 'GET', path, headers: { host: 'test' }, body }).response;
  return { status: res.status, text: await read(res) };
}

test('keep-alive connections are reused; maxRequestsPerConnection closes after the last', { timeout: 10_000 }, async () => {
  const pool = new HttpPool(settings());
  const before = connections;
  for (let i = 0; i < 20; i++) assert.deepEqual(await get(pool), { status: 200, text: 'ok 0' });
  assert.equal(connections - before, 1);
  assert.equal(host.activeConnections, 1);
  pool.close();
  const capped = new HttpPool(settings({ maxRequestsPerConnection: 3 }));
  const b2 = connections;
  seen.length = 0;
  for (let i = 0; i < 7; i++) await get(capped);
  assert.equal(connections - b2, 3);
  assert.deepEqual(seen.map((s) => s.connection ?? ''), ['', '', 'close', '', '', 'close', '']);
  capped.close();
});

test('at the connection cap requests wait, in order, for a released connection', { timeout: 10_000 }, async () => {
  const pool = new HttpPool(settings({ maxConnections: 2 }));
  const before = connections;
  const order: number[] = [];
  await Promise.all(Array.from({ length: 6 }, (_, i) => get(pool, '/slow').then(() => order.push(i))));
  assert.equal(connections - before, 2);
  assert.equal(pool.size, 2);
  assert.deepEqual(order, [0, 1, 2, 3, 4, 5]);
  pool.close();
});

test('a refused connection fails the attempt with connect-failure; an aborted one closes its connection', { timeout: 10_000 }, async () => {
  const free = await new Promise<number>((r) => { const s = net.createServer().listen(0, '127.0.0.1', () => { const p = (s.address() as AddressInfo).port; s.close(() => r(p)); }); });
  const pool = new HttpPool(settings());
  const refused = pool.request({ host: makeHost({ address: '127.0.0.1', port: free }), method: 'GET', path: '/', headers: {}, body: undefined });
  await assert.rejects(refused.response, (e: unknown) => e instanceof AttemptFailure && e.kind === 'connect-failure', 'refused');
  const slow = pool.request({ host, method: 'GET', path: '/slow', headers: { host: 'test' }, body: undefined });
  setTimeout(() => slow.abort(), 50);
  await assert.rejects(slow.response, (e: unknown) => e instanceof AttemptFailure && e.kind === 'aborted', 'aborted');
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(pool.size, 0);
  pool.close();
});

test('idle connections close after the idle timeout', { timeout: 10_000 }, async () => {
  const pool = new HttpPool(settings({ idleTimeoutMs: 100 }));
  await get(pool);
  assert.equal(pool.size, 1);
  const end = Date.now() + 3000;
  while (pool.size > 0 && Date.now() < end) await new Promise((r) => setTimeout(r, 25));
  assert.equal(pool.size, 0);
  pool.close();
});

test('request bodies go with Content-Length or chunked; response bodies arrive in pieces', { timeout: 10_000 }, async () => {
  const pool = new HttpPool(settings());
  seen.length = 0;
  assert.equal((await get(pool, '/', RequestBody.of(Buffer.alloc(5000, 1)))).text, 'ok 5000');
  const producer = { pauseBody() {}, resumeBody() {}, dropBody() {} };
  const streaming = new RequestBody(producer, -1);
  const p = get(pool, '/', streaming);
  streaming.push(Buffer.alloc(300, 2));
  setTimeout(() => { streaming.push(Buffer.alloc(700, 3)); streaming.end(); }, 30);
  assert.equal((await p).text, 'ok 1000');
  assert.deepEqual(seen.map((s) => [s.cl, s.te]), [['5000', undefined], [undefined, 'chunked']]);
  const pieces = await get(pool, '/pieces');
  assert.equal(pieces.text, `${'a'.repeat(1000)}${'b'.repeat(1000)}`);
  pool.close();
});
