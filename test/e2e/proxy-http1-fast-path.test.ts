/**
 * The proxy's HTTP/1.1 fast path end to end (explicit outbound port, real control plane, real
 * upstream): keep-alive connections to the upstream are reused; request and response bodies far
 * larger than the 1 MiB buffer limit stream through intact (Content-Length and chunked); a
 * retried request's body is replayed when it fits the limit, and past it the retry is skipped and
 * `retry_or_shadow_abandoned` counted, as Envoy does; pipelined requests are answered in order;
 * HTTP/1.0 closes; Expect: 100-continue is answered; malformed requests, request-smuggling
 * shapes and oversized heads get 400 / 431 and the connection is closed, and the proxy goes on
 * serving.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { CLIENT_ENTRY, serviceYaml, startMesh, type Mesh, type Upstream } from './helpers/proxy-harness.js';

const IP = '127.0.66.1';
const UP = '127.0.66.10';
let mesh: Mesh;
let up: Upstream;
let upstreamConnections = 0;
const attempts = new Map<string, string[]>();

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
function pattern(n: number, seed: number): Buffer {
  const b = Buffer.allocUnsafe(n);
  for (let i = 0; i < n; i++) b[i] = (i * 31 + seed) & 0xff;
  return b;
}

async function echoUpstream(): Promise<Upstream> {
  const server = http.createServer((req, res) => {
    up.hits++;
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname === '/echo') {
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      req.pipe(res);
      return;
    }
    if (url.pathname === '/conn-listed') {
      // What the upstream saw, and a field of its own that its Connection header lists.
      res.writeHead(200, { 'content-type': 'application/json', connection: 'X-Resp-Secret', 'x-resp-secret': '1', 'x-resp-kept': '1' });
      res.end(JSON.stringify(req.headers));
      return;
    }
    if (url.pathname === '/big') {
      // 5 MiB, chunked, written as fast as the proxy takes it.
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      let left = 80;
      const more = () => {
        while (left > 0) {
          left--;
          if (!res.write(pattern(64 * 1024, left))) { res.once('drain', more); return; }
        }
        res.end();
      };
      more();
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      if (url.pathname === '/fail-first') {
        const id = url.searchParams.get('id') ?? '';
        const seen = attempts.get(id) ?? [];
        seen.push(`${body.length}:${sha(body)}`);
        attempts.set(id, seen);
        res.writeHead(seen.length === 1 ? 503 : 200, { 'content-type': 'text/plain' });
        res.end(`attempt ${seen.length}`);
        return;
      }
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end(`${req.method} ${url.pathname} ${body.length}`);
    });
  });
  server.on('connection', () => { upstreamConnections++; });
  await new Promise<void>((r) => server.listen(0, UP, () => r()));
  return { name: 'echo', address: UP, port: (server.address() as AddressInfo).port, hits: 0, server };
}

before(async () => {
  up = await echoUpstream();
  const vs = `apiVersion: networking.istio.io/v1beta1
kind: VirtualService
metadata: {name: echo, namespace: default}
spec:
  hosts: [echo]
  http:
  - retries: {attempts: 2, retryOn: 5xx}
    route: [{destination: {host: echo}}]
`;
  mesh = await startMesh([serviceYaml('echo', 8080, [{ u: up, labels: {} }]), vs, CLIENT_ENTRY(IP)].join('---\n'), { ip: IP }, [up]);
});

after(async () => { await mesh?.close(); });

interface Res { status: number; headers: http.IncomingHttpHeaders; body: Buffer }

function request(path: string, o: { method?: string; body?: Buffer; chunked?: boolean; agent?: http.Agent; headers?: Record<string, string> } = {}): Promise<Res> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { host: 'echo:8080', ...o.headers };
    if (o.body && !o.chunked) headers['content-length'] = String(o.body.length);
    const req = http.request({ host: IP, port: 15001, method: o.method ?? 'GET', path: `http://echo:8080${path}`, headers, agent: o.agent ?? false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.setTimeout(15_000, () => req.destroy(new Error(`timeout: ${path}`)));
    if (o.body && o.chunked) {
      // Several writes, so that the body goes out chunked, in pieces.
      for (let i = 0; i < o.body.length; i += 256 * 1024) req.write(o.body.subarray(i, i + 256 * 1024));
      req.end();
    } else req.end(o.body);
  });
}

/** Raw bytes to the explicit port; resolves with everything read until the proxy closes (or `ms`). */
function raw(bytes: string | Buffer, ms = 3000): Promise<{ text: string; closed: boolean }> {
  return new Promise((resolve, reject) => {
    const s = net.connect(15001, IP, () => s.write(bytes));
    let text = '';
    const timer = setTimeout(() => { s.destroy(); resolve({ text, closed: false }); }, ms);
    s.on('data', (d) => { text += d.toString('latin1'); });
    s.on('end', () => { clearTimeout(timer); s.destroy(); resolve({ text, closed: true }); });
    s.on('error', reject);
  });
}

test('keep-alive connections to the upstream are reused', { timeout: 20_000 }, async () => {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const before = upstreamConnections;
  for (let i = 0; i < 30; i++) assert.equal((await request(`/n/${i}`, { agent })).status, 200);
  assert.ok(upstreamConnections - before <= 1, `30 sequential requests opened ${upstreamConnections - before} upstream connections`);
  const before2 = upstreamConnections;
  const wide = new http.Agent({ keepAlive: true, maxSockets: 8 });
  for (let round = 0; round < 5; round++) await Promise.all(Array.from({ length: 8 }, (_, i) => request(`/w/${round}/${i}`, { agent: wide })));
  assert.ok(upstreamConnections - before2 <= 8, `5 rounds of 8 concurrent requests opened ${upstreamConnections - before2} upstream connections`);
  agent.destroy();
  wide.destroy();
});

test('request bodies larger than the buffer limit stream through intact (Content-Length and chunked)', { timeout: 30_000 }, async () => {
  const body = pattern(3 * 1024 * 1024 + 17, 1);
  const a = await request('/echo', { method: 'POST', body });
  assert.equal(a.status, 200);
  assert.equal(a.body.length, body.length);
  assert.equal(sha(a.body), sha(body));
  const b = await request('/echo', { method: 'POST', body, chunked: true });
  assert.equal(b.status, 200);
  assert.equal(sha(b.body), sha(body));
});

test('a response body larger than the buffer limit streams back intact', { timeout: 30_000 }, async () => {
  const r = await request('/big');
  assert.equal(r.status, 200);
  const want = Buffer.concat(Array.from({ length: 80 }, (_, i) => pattern(64 * 1024, 79 - i)));
  assert.equal(r.body.length, want.length);
  assert.equal(sha(r.body), sha(want));
});

test('a retry replays a body within the limit; past it the retry is skipped and counted', { timeout: 30_000 }, async () => {
  const small = pattern(100 * 1024, 2);
  const a = await request('/fail-first?id=small', { method: 'POST', body: small });
  assert.equal(a.status, 200);
  assert.deepEqual(attempts.get('small'), [`${small.length}:${sha(small)}`, `${small.length}:${sha(small)}`]);
  const abandoned = () => mesh.proxy.stats.get('cluster.outbound|8080||echo.default.svc.cluster.local.retry_or_shadow_abandoned');
  const before = abandoned();
  const large = pattern(2 * 1024 * 1024, 3);
  const b = await request('/fail-first?id=large', { method: 'POST', body: large });
  assert.equal(b.status, 503);
  assert.deepEqual(attempts.get('large'), [`${large.length}:${sha(large)}`]);
  assert.equal(abandoned(), before + 1);
});

test('pipelined requests are answered in order on one connection', { timeout: 10_000 }, async () => {
  const req = (p: string) => `GET http://echo:8080${p} HTTP/1.1\r\nHost: echo:8080\r\n\r\n`;
  const r = await raw(`${req('/p/1')}${req('/p/2')}${req('/p/3')}GET http://echo:8080/p/4 HTTP/1.1\r\nHost: echo:8080\r\nConnection: close\r\n\r\n`);
  assert.equal(r.closed, true);
  const bodies = [...r.text.matchAll(/GET (\/p\/\d)/g)].map((m) => m[1]);
  assert.deepEqual(bodies, ['/p/1', '/p/2', '/p/3', '/p/4']);
});

test('HTTP/1.0 closes after the response; Expect: 100-continue is answered', { timeout: 10_000 }, async () => {
  const a = await raw('GET http://echo:8080/old HTTP/1.0\r\nHost: echo:8080\r\n\r\n');
  assert.match(a.text, /^HTTP\/1\.0 200/);
  assert.match(a.text, /GET \/old 0/);
  assert.equal(a.closed, true);
  const b = await raw('POST http://echo:8080/cont HTTP/1.1\r\nHost: echo:8080\r\nContent-Length: 5\r\nExpect: 100-continue\r\nConnection: close\r\n\r\nhello');
  assert.match(b.text, /^HTTP\/1\.1 100 Continue\r\n\r\nHTTP\/1\.1 200 OK/);
  assert.match(b.text, /POST \/cont 5/);
});

test('malformed requests and smuggling shapes get 400, oversized heads 431; the connection closes', { timeout: 20_000 }, async () => {
  const cases: [string, number][] = [
    ['GET http://echo:8080/ HTTP/1.1\r\nHost : echo:8080\r\n\r\n', 400],
    ['POST http://echo:8080/ HTTP/1.1\r\nHost: echo:8080\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n', 400],
    ['POST http://echo:8080/ HTTP/1.1\r\nHost: echo:8080\r\nContent-Length: 4\r\nContent-Length: 5\r\n\r\nabcd', 400],
    ['GET http://echo:8080/ HTTP/1.1\r\nHost: echo:8080\r\n folded\r\n\r\n', 400],
    ['GET / HTTP/1.1\r\n\r\n', 400],
    ['\u0016\u0003\u0001\u0002\u0000\u0001\u0000\u0001\u00fc\u0003\u0003\r\n\r\n', 400],
    [`GET http://echo:8080/ HTTP/1.1\r\nHost: echo:8080\r\nX-Big: ${'x'.repeat(70 * 1024)}\r\n\r\n`, 431],
  ];
  for (const [bytes, status] of cases) {
    const r = await raw(Buffer.from(bytes, 'latin1'));
    assert.match(r.text, new RegExp(`^HTTP/1\\.1 ${status} `), JSON.stringify(bytes.slice(0, 60)));
    assert.equal(r.closed, true, `closed after ${status}`);
  }
  // A chunked body that goes wrong half-way: 400 (flag DPE), and the connection closes.
  const half = await raw('POST http://echo:8080/echo HTTP/1.1\r\nHost: echo:8080\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\nzz\r\n');
  assert.match(half.text, /^HTTP\/1\.1 400 /);
  assert.equal(half.closed, true);
  // A smuggled second request inside a rejected one never reaches the upstream.
  const hits = up.hits;
  await raw('POST http://echo:8080/ HTTP/1.1\r\nHost: echo:8080\r\nTransfer-Encoding: chunked\r\nContent-Length: 60\r\n\r\n0\r\n\r\nGET http://echo:8080/smuggled HTTP/1.1\r\nHost: echo:8080\r\n\r\n');
  assert.equal(up.hits, hits);
  assert.equal((await request('/after')).status, 200);
});

test('fields a Connection header lists are dropped both ways, with the hop-by-hop ones; the rest pass', { timeout: 10_000 }, async () => {
  const r = await request('/conn-listed', { headers: { connection: 'X-Secret, keep-alive', 'x-secret': '1', 'x-other': '1', 'keep-alive': 'timeout=5' } });
  assert.equal(r.status, 200);
  const seen = JSON.parse(r.body.toString()) as Record<string, string>;
  assert.equal(seen['x-secret'], undefined);
  assert.equal(seen['keep-alive'], undefined);
  assert.equal(seen['x-other'], '1');
  assert.equal(r.headers['x-resp-secret'], undefined);
  assert.equal(r.headers['x-resp-kept'], '1');
});
