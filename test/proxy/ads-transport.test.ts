/**
 * The proxy's gRPC-over-node:http2 transport (src/proxy/bootstrap/ads-transport.ts):
 * - against the real Trellis ADS server (grpc-js): a CDS request gets the example's clusters,
 *   and the server's shutdown arrives as its status (UNAVAILABLE, its message);
 * - against a tiny node:http2 server on 127.0.0.1 for the edges: request headers and framing,
 *   messages split across DATA frames and several in one, a 3 MB message (flow control), a
 *   trailers-only error, RST_STREAM, GOAWAY, a non-200 answer, a compressed or oversized
 *   message, connect refused, an unanswered keepalive ping; and XdsClient's reconnect after the
 *   server is gone (backoff on a fake clock), converging on a new server on the same port.
 * Every call ends with exactly one onEnd.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import * as http2 from 'node:http2';
import * as net from 'node:net';
import type { AddressInfo } from 'node:net';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { TypeUrl } from '../../src/api/envoy/common.js';
import { encodeMessage } from '../../src/api/xds/codec.js';
import { decodeDiscoveryResponse, encodeDiscoveryRequest } from '../../src/api/xds/wire-discovery.js';
import { MemoryStore } from '../../src/config/store/memory.js';
import { startControlPlane } from '../../src/xds/control-plane.js';
import { ADS_PATH, GrpcCode, openGrpcCall, type GrpcCallOptions, type GrpcStatus } from '../../src/proxy/bootstrap/ads-transport.js';
import { frame } from '../../src/proxy/bootstrap/grpc-frames.js';
import { buildNode } from '../../src/proxy/bootstrap/node.js';
import { XdsClient, type XdsClientEvent } from '../../src/proxy/bootstrap/xds-client.js';
import { FakeClock } from '../helpers/fake-clock.js';
import { REPO_ROOT } from '../helpers/shared.js';

const CDS = TypeUrl.Cluster;

async function waitFor(what: string, pred: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

interface Recorded {
  messages: Buffer[];
  ends: GrpcStatus[];
  ended: Promise<GrpcStatus>;
}

function call(t: TestContext, address: string, options: GrpcCallOptions = {}) {
  const rec = { messages: [], ends: [] } as unknown as Recorded;
  let done!: (s: GrpcStatus) => void;
  rec.ended = new Promise((r) => (done = r));
  const c = openGrpcCall(address, {
    onMessage: (m) => rec.messages.push(Buffer.from(m)),
    onEnd: (s) => {
      rec.ends.push(s);
      done(s);
    },
  }, options);
  t.after(() => c.cancel());
  return { c, rec };
}

/** A tiny HTTP/2 server on 127.0.0.1 whose streams `handler` answers. */
async function h2(t: TestContext, handler: (stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders, session: http2.ServerHttp2Session) => void, port = 0) {
  const sessions = new Set<http2.ServerHttp2Session>();
  const server = http2.createServer();
  server.on('session', (s) => {
    sessions.add(s);
    s.on('close', () => sessions.delete(s));
    s.on('error', () => {});
  });
  server.on('stream', (stream, headers) => {
    stream.on('error', () => {});
    handler(stream, headers, stream.session as http2.ServerHttp2Session);
  });
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
  const stop = async () => {
    for (const s of sessions) s.destroy();
    await new Promise<void>((r) => server.close(() => r()));
  };
  t.after(stop);
  return { address: `127.0.0.1:${(server.address() as AddressInfo).port}`, port: (server.address() as AddressInfo).port, stop, sessions };
}

const GRPC_OK = { ':status': 200, 'content-type': 'application/grpc' };

test('transport: a CDS request to the real ADS server; its shutdown arrives as the status', { timeout: 20_000 }, async (t) => {
  const store = new MemoryStore();
  const example = join(REPO_ROOT, 'examples/001-sidecar-canary');
  for (const f of readdirSync(example).filter((n) => n.endsWith('.yaml')).sort()) store.applyText(f, readFileSync(join(example, f), 'utf8'));
  const cp = await startControlPlane({ store, xdsAddress: '127.0.0.1:0', ads: { debounceMs: 10, debounceMaxMs: 50 } });
  t.after(() => cp.close());
  const w = cp.snapshot().registry.workloads.find((x) => x.name === 'proxy')!;
  const node = buildNode({ type: 'sidecar', ip: w.address, name: w.podName, namespace: w.namespace, labels: w.labels, workloadName: w.name });
  const { c, rec } = call(t, cp.xdsAddress);
  c.write(encodeDiscoveryRequest({ node, typeUrl: CDS }));
  await waitFor('the CDS response', () => rec.messages.length > 0);
  const env = decodeDiscoveryResponse(rec.messages[0]!);
  assert.equal(env.typeUrl, CDS);
  assert.ok(env.resources.length >= 3 && env.resources.every((r) => r.typeUrl === CDS), `${env.resources.length} clusters`);
  c.write(encodeDiscoveryRequest({ typeUrl: CDS, versionInfo: env.versionInfo, responseNonce: env.nonce }));
  await cp.close();
  assert.deepEqual(await rec.ended, { code: GrpcCode.UNAVAILABLE, message: 'control plane shutting down' });
  assert.equal(rec.ends.length, 1);
});

test('transport: headers and framing; messages split across DATA frames, several per frame, and 3 MB', { timeout: 20_000 }, async (t) => {
  let seen: http2.IncomingHttpHeaders | undefined;
  const big = Buffer.alloc(3 * 1024 * 1024, 7);
  const srv = await h2(t, (stream, headers) => {
    seen = headers;
    stream.respond(GRPC_OK, { waitForTrailers: true });
    const got: Buffer[] = [];
    stream.on('data', (d: Buffer) => got.push(d));
    stream.once('data', async () => {
      await new Promise((r) => setTimeout(r, 20)); // both client messages are in
      const echo = Buffer.concat(got);
      const m1 = frame(Buffer.from('hello, split'));
      for (let i = 0; i < m1.length; i += 3) {
        stream.write(m1.subarray(i, i + 3));
        await new Promise((r) => setImmediate(r));
      }
      stream.write(Buffer.concat([frame(Buffer.from('a')), frame(Buffer.alloc(0)), echo]));
      stream.write(frame(big));
      stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0' }));
      stream.end();
    });
  });
  const { c, rec } = call(t, srv.address);
  c.write(Buffer.from('one'));
  c.write(Buffer.from('two!'));
  assert.deepEqual(await rec.ended, { code: 0, message: '' });
  assert.equal(seen![':method'], 'POST');
  assert.equal(seen![':path'], ADS_PATH);
  assert.equal(seen!['content-type'], 'application/grpc');
  assert.equal(seen!['te'], 'trailers');
  assert.deepEqual(rec.messages.slice(0, 5).map((m) => m.toString()), ['hello, split', 'a', '', 'one', 'two!']);
  assert.equal(rec.messages.length, 6);
  assert.ok(rec.messages[5]!.equals(big));
});

test('transport: trailers-only errors, RST_STREAM, GOAWAY and non-gRPC answers end the call with a code', { timeout: 20_000 }, async (t) => {
  const cases: [string, (s: http2.ServerHttp2Stream, session: http2.ServerHttp2Session) => void, GrpcStatus | RegExp, number][] = [
    ['trailers-only', (s) => s.respond({ ...GRPC_OK, 'grpc-status': '12', 'grpc-message': 'unknown%20method %E2%9C%93' }, { endStream: true }), { code: 12, message: 'unknown method ✓' }, 12],
    ['status in trailers', (s) => {
      s.respond(GRPC_OK, { waitForTrailers: true });
      s.on('wantTrailers', () => s.sendTrailers({ 'grpc-status': '3', 'grpc-message': 'bad' }));
      s.end(frame(Buffer.from('x')));
    }, { code: 3, message: 'bad' }, 3],
    ['no grpc-status', (s) => { s.respond(GRPC_OK, { waitForTrailers: true }); s.on('wantTrailers', () => s.sendTrailers({ other: '1' })); s.end(); }, /sent no grpc-status/, GrpcCode.UNKNOWN],
    ['RST_STREAM REFUSED_STREAM', (s) => s.close(http2.constants.NGHTTP2_REFUSED_STREAM), /RST_STREAM code 7/, GrpcCode.UNAVAILABLE],
    ['RST_STREAM CANCEL', (s) => { s.respond(GRPC_OK); s.close(http2.constants.NGHTTP2_CANCEL); }, /RST_STREAM code 8/, GrpcCode.CANCELLED],
    ['GOAWAY, then the connection closes', (s, session) => { s.respond(GRPC_OK); session.goaway(http2.constants.NGHTTP2_NO_ERROR, 0); setTimeout(() => session.destroy(), 20); }, /GOAWAY \(code 0\)/, GrpcCode.UNAVAILABLE],
    ['HTTP 503', (s) => s.respond({ ':status': 503 }, { endStream: true }), /HTTP 503/, GrpcCode.UNAVAILABLE],
    ['HTTP 404', (s) => s.respond({ ':status': 404 }, { endStream: true }), /HTTP 404/, GrpcCode.UNIMPLEMENTED],
    ['not gRPC', (s) => s.respond({ ':status': 200, 'content-type': 'text/html' }), /content-type "text\/html"/, GrpcCode.UNKNOWN],
    ['compressed', (s) => { s.respond(GRPC_OK); const f = frame(Buffer.from('zz')); f[0] = 1; s.write(f); }, /compressed message/, GrpcCode.INTERNAL],
    ['oversized', (s) => { s.respond(GRPC_OK); s.write(frame(Buffer.alloc(100))); }, /100 bytes, over the limit of 64/, GrpcCode.RESOURCE_EXHAUSTED],
    ['ends inside a message', (s) => {
      s.respond(GRPC_OK, { waitForTrailers: true });
      s.on('wantTrailers', () => s.sendTrailers({ 'grpc-status': '0' }));
      s.end(frame(Buffer.from('abcdef')).subarray(0, 7));
    }, /ended inside a message \(2 bytes/, GrpcCode.INTERNAL],
  ];
  for (const [name, answer, want, code] of cases) {
    const logs: string[] = [];
    const srv = await h2(t, (s, _h, session) => answer(s, session));
    const { rec } = call(t, srv.address, { maxMessageBytes: 64, log: (l) => logs.push(l) });
    const got = await rec.ended;
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(rec.ends.length, 1, `${name}: one ending`);
    if (want instanceof RegExp) {
      assert.equal(got.code, code, `${name}: ${JSON.stringify(got)}`);
      assert.match(got.message, want, name);
    } else assert.deepEqual(got, want, name);
    if (name.startsWith('GOAWAY')) assert.match(logs.join('\n'), /GOAWAY from 127\.0\.0\.1:\d+ \(code 0, last stream \d+\)/);
    await srv.stop();
  }
});

test('transport: connect refused, an unparsable address, and a keepalive ping nobody answers end as UNAVAILABLE', { timeout: 20_000 }, async (t) => {
  const free = net.createServer();
  await new Promise<void>((r) => free.listen(0, '127.0.0.1', r));
  const port = (free.address() as AddressInfo).port;
  await new Promise<void>((r) => free.close(() => r()));
  const refused = call(t, `127.0.0.1:${port}`);
  const st = await refused.rec.ended;
  assert.equal(st.code, GrpcCode.UNAVAILABLE);
  assert.match(st.message, /ECONNREFUSED/);

  const unparsable = call(t, '[::1');
  assert.deepEqual(await unparsable.rec.ended, { code: GrpcCode.UNAVAILABLE, message: 'cannot connect to "[::1": Invalid URL' });

  // A TCP server that accepts and says nothing: HTTP/2 pings go unanswered.
  const sockets = new Set<net.Socket>();
  const silent = net.createServer((sock) => { sockets.add(sock); sock.on('error', () => {}); });
  await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
  t.after(() => { for (const s of sockets) s.destroy(); silent.close(); });
  const logs: string[] = [];
  const quiet = call(t, `127.0.0.1:${(silent.address() as AddressInfo).port}`, { keepaliveMs: 50, keepaliveTimeoutMs: 100, log: (l) => logs.push(l) });
  const ka = await quiet.rec.ended;
  assert.deepEqual(ka, { code: GrpcCode.UNAVAILABLE, message: 'keepalive ping not answered within 100 ms' });
  assert.match(logs.join('\n'), /keepalive ping to .* not answered/);
});

test('xds client over the transport: server gone → backoff (fake clock) → reconnects to a new server on the same port', { timeout: 20_000 }, async (t) => {
  // A minimal ADS: answers each CDS request without a nonce with an empty CDS response.
  let requests = 0;
  const ads = (stream: http2.ServerHttp2Stream) => {
    stream.respond(GRPC_OK);
    stream.on('data', () => {
      requests++;
      stream.write(frame(encodeMessage('envoy.service.discovery.v3.DiscoveryResponse', { versionInfo: `v${requests}`, typeUrl: CDS, nonce: String(requests), resources: [] })));
    });
  };
  const first = await h2(t, ads);
  const clock = new FakeClock();
  const events: XdsClientEvent[] = [];
  const node = buildNode({ type: 'sidecar', ip: '127.0.0.5', name: 'p', namespace: 'default' });
  const client = new XdsClient({ address: first.address, node, clock, random: () => 0.5, onEvent: (e) => events.push(e) });
  t.after(() => client.close());
  client.start();
  await waitFor('connected', () => events.some((e) => e.type === 'connected'));
  await waitFor('applied', () => events.some((e) => e.type === 'applied'));

  await first.stop();
  const disconnects = () => events.filter((e): e is Extract<XdsClientEvent, { type: 'disconnected' }> => e.type === 'disconnected');
  await waitFor('the disconnect', () => disconnects().length === 1);
  assert.equal(disconnects()[0]!.wasConnected, true);
  assert.equal(disconnects()[0]!.code, GrpcCode.UNAVAILABLE);
  assert.equal(disconnects()[0]!.retryInMs, 250);
  clock.advance(250);
  await waitFor('attempt 2 refused', () => disconnects().length === 2);
  assert.match(disconnects()[1]!.message, /ECONNREFUSED/);
  assert.equal(disconnects()[1]!.retryInMs, 500);

  await h2(t, ads, first.port);
  clock.advance(500);
  await waitFor('reconnected', () => events.filter((e) => e.type === 'connected').length === 2);
  assert.deepEqual(events.filter((e) => e.type === 'connected').map((e) => (e as { attempt: number }).attempt), [1, 3]);
  assert.ok(client.isConnected);
});
