/**
 * The fast path's incremental HTTP/1.x parser: requests and responses split at every byte give
 * the same messages; pipelined requests wait for resume(); Content-Length, chunked (extensions,
 * trailers) and close-delimited bodies; and the strictness that keeps request smuggling out —
 * Content-Length with Transfer-Encoding, conflicting lengths, bare LF, obs-fold, whitespace
 * before the colon, non-final chunked — each rejected with its status; oversized heads → 431.
 * Random input never throws.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Http1Parser, type Http1Head, type HttpParseError } from '../../src/proxy/http1/parser.js';

interface Msg { head: Http1Head; body: string; ended: boolean }

function collect(kind: 'request' | 'response', opts: { pause?: boolean; limits?: { maxHeadBytes: number; maxHeaders: number }; head?: boolean } = {}) {
  const msgs: Msg[] = [];
  const errors: HttpParseError[] = [];
  const p = new Http1Parser(kind, {
    onHead: (head) => msgs.push({ head, body: '', ended: false }),
    onBody: (c) => { msgs.at(-1)!.body += c.toString('latin1'); },
    onEnd: () => { msgs.at(-1)!.ended = true; },
    onError: (e) => errors.push(e),
  }, opts.limits);
  p.pauseAfterMessage = opts.pause === true;
  p.noBodyExpected = opts.head === true;
  return { p, msgs, errors };
}

function feedSplit(p: Http1Parser, text: string, at: number[]): void {
  const b = Buffer.from(text, 'latin1');
  let prev = 0;
  for (const i of [...at, b.length]) {
    p.execute(b.subarray(prev, i));
    prev = i;
  }
}

function statusOf(text: string, kind: 'request' | 'response' = 'request'): number | undefined {
  const c = collect(kind);
  c.p.execute(Buffer.from(text, 'latin1'));
  c.p.finish();
  return c.errors[0]?.status;
}

const CHUNKED_REQ = 'POST /upload?x=1 HTTP/1.1\r\nHost: a.example\r\nTransfer-Encoding: chunked\r\nX-Two: 1\r\nx-two: 2\r\n\r\n' +
  '5;ext=1\r\nhello\r\n0000a\r\n, world!!!\r\n0\r\nTrailer-A: x\r\n\r\n';

test('a request split at every byte gives the same head and body', { timeout: 10_000 }, () => {
  const whole = collect('request');
  whole.p.execute(Buffer.from(CHUNKED_REQ, 'latin1'));
  assert.equal(whole.errors.length, 0);
  assert.equal(whole.msgs.length, 1);
  const m = whole.msgs[0]!;
  assert.equal(m.head.method, 'POST');
  assert.equal(m.head.target, '/upload?x=1');
  assert.deepEqual(m.head.names, ['host', 'transfer-encoding', 'x-two', 'x-two']);
  assert.equal(m.head.chunked, true);
  assert.equal(m.body, 'hello, world!!!');
  assert.equal(m.ended, true);
  for (let i = 1; i < CHUNKED_REQ.length; i++) {
    for (const j of [i + 1, i + 7]) {
      const c = collect('request');
      feedSplit(c.p, CHUNKED_REQ, j < CHUNKED_REQ.length ? [i, j] : [i]);
      assert.equal(c.errors.length, 0, `split at ${i},${j}: ${c.errors[0]?.message}`);
      assert.equal(c.msgs[0]?.body, 'hello, world!!!', `split at ${i},${j}`);
      assert.equal(c.msgs[0]?.ended, true);
    }
  }
});

test('Content-Length bodies, keep-alive by version and Connection, Expect and Upgrade', { timeout: 5000 }, () => {
  const c = collect('request');
  c.p.execute(Buffer.from('PUT /x HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\nExpect: 100-continue\r\n\r\nabc'));
  assert.equal(c.msgs[0]!.head.contentLength, 3);
  assert.equal(c.msgs[0]!.head.expectContinue, true);
  assert.equal(c.msgs[0]!.body, 'abc');
  assert.equal(c.msgs[0]!.head.keepAlive, true);
  const d = collect('request');
  d.p.execute(Buffer.from('GET / HTTP/1.0\r\n\r\nGET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\nGET /ws HTTP/1.1\r\nHost: h\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n'));
  assert.deepEqual(d.msgs.map((m) => m.head.keepAlive), [false, true, true]);
  assert.equal(d.msgs[2]!.head.upgrade, true);
  assert.equal(d.msgs[0]!.head.minor, 0);
});

test('pipelined requests: with pauseAfterMessage the next waits for resume()', { timeout: 5000 }, () => {
  const c = collect('request', { pause: true });
  c.p.execute(Buffer.from('GET /1 HTTP/1.1\r\nHost: h\r\n\r\nGET /2 HTTP/1.1\r\nHost: h\r\n\r\nGET /3 HTTP/1.1\r\nHo'));
  assert.deepEqual(c.msgs.map((m) => m.head.target), ['/1']);
  assert.equal(c.p.isPaused, true);
  c.p.resume();
  assert.deepEqual(c.msgs.map((m) => m.head.target), ['/1', '/2']);
  c.p.resume();
  c.p.execute(Buffer.from('st: h\r\n\r\n'));
  assert.deepEqual(c.msgs.map((m) => m.head.target), ['/1', '/2', '/3']);
  // Resumed from inside the head callback (the response was written at once): no pause after it.
  const targets: string[] = [];
  const p2: Http1Parser = new Http1Parser('request', { onHead: (h) => { targets.push(h.target); p2.resume(); }, onBody() {}, onEnd() {}, onError() {} });
  p2.pauseAfterMessage = true;
  p2.execute(Buffer.from('GET /a HTTP/1.1\r\nHost: h\r\n\r\nGET /b HTTP/1.1\r\nHost: h\r\n\r\n'));
  assert.deepEqual(targets, ['/a', '/b']);
  assert.equal(p2.isPaused, false);
});

test('request smuggling guards and malformed requests are rejected with their status', { timeout: 5000 }, () => {
  const cases: [string, number][] = [
    ['POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n', 400],
    ['POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n', 400],
    ['POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\n', 400],
    ['POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3, 4\r\n\r\n', 400],
    ['POST / HTTP/1.1\r\nHost: h\r\nContent-Length: -1\r\n\r\n', 400],
    ['POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 0x10\r\n\r\n', 400],
    ['POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip\r\n\r\n', 400],
    ['POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked, gzip\r\n\r\n', 400],
    ['POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip, chunked\r\n\r\n', 501],
    ['POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n', 400],
    ['GET / HTTP/1.1\r\nHost : h\r\n\r\n', 400],
    ['GET / HTTP/1.1\r\nHost: h\r\n folded\r\n\r\n', 400],
    ['GET / HTTP/1.1\nHost: h\n\n', 400],
    ['GET / HTTP/1.1\r\nHost: h\rX: y\r\n\r\n', 400],
    ['GET / HTTP/1.1\r\nX: a\u0000b\r\n\r\n', 400],
    ['GET /a b HTTP/1.1\r\nHost: h\r\n\r\n', 400],
    ['G(T / HTTP/1.1\r\nHost: h\r\n\r\n', 400],
    ['GET / HTTP/2.0\r\nHost: h\r\n\r\n', 505],
    ['GET / HTTX/1.1\r\nHost: h\r\n\r\n', 400],
    ['GET /\r\n\r\n', 400],
    ['POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n', 400],
    ['POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabcX\r\n', 400],
    ['POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\nfffffffffffffffff\r\n', 400],
    ['POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 10\r\n\r\nabc', 400], // closed early
  ];
  for (const [text, status] of cases) assert.equal(statusOf(text), status, JSON.stringify(text));
  // The same value repeated is one length.
  assert.equal(statusOf('POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\nab'), undefined);
});

test('oversized heads and too many fields → 431', { timeout: 5000 }, () => {
  const big = `GET / HTTP/1.1\r\nHost: h\r\nX-Big: ${'a'.repeat(70 * 1024)}\r\n\r\n`;
  assert.equal(statusOf(big), 431);
  // Also when it arrives a little at a time (no terminator yet).
  const c = collect('request');
  for (let i = 0; i < 80 && c.errors.length === 0; i++) c.p.execute(Buffer.from(`X-${i}: ${'b'.repeat(1000)}\r\n`));
  assert.equal(c.errors[0]?.status, 431);
  const many = `GET / HTTP/1.1\r\n${Array.from({ length: 101 }, (_, i) => `X-${i}: v\r\n`).join('')}\r\n`;
  assert.equal(statusOf(many), 431);
  const small = collect('request', { limits: { maxHeadBytes: 64, maxHeaders: 100 } });
  small.p.execute(Buffer.from(`GET / HTTP/1.1\r\nHost: h\r\nX: ${'c'.repeat(64)}\r\n\r\n`));
  assert.equal(small.errors[0]?.status, 431);
});

test('responses: Content-Length, chunked, close-delimited, 204/304, HEAD, interim 100 skipped', { timeout: 5000 }, () => {
  const a = collect('response');
  a.p.execute(Buffer.from('HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokHTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nhi\r\n0\r\n\r\n'));
  assert.deepEqual(a.msgs.map((m) => [m.head.status, m.body, m.ended]), [[200, 'ok', true], [201, 'hi', true]]);
  const b = collect('response');
  b.p.execute(Buffer.from('HTTP/1.0 200 OK\r\n\r\nsome'));
  b.p.execute(Buffer.from(' bytes'));
  assert.equal(b.msgs[0]!.ended, false);
  assert.equal(b.msgs[0]!.head.keepAlive, false);
  b.p.finish();
  assert.deepEqual([b.msgs[0]!.body, b.msgs[0]!.ended], ['some bytes', true]);
  const c = collect('response');
  c.p.execute(Buffer.from('HTTP/1.1 204 No Content\r\n\r\nHTTP/1.1 304 Not Modified\r\nContent-Length: 10\r\n\r\n'));
  assert.deepEqual(c.msgs.map((m) => [m.head.status, m.head.hasBody, m.ended]), [[204, false, true], [304, false, true]]);
  const d = collect('response', { head: true });
  d.p.execute(Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n'));
  assert.deepEqual([d.msgs[0]!.head.hasBody, d.msgs[0]!.ended, d.msgs[0]!.head.contentLength], [false, true, 1000]);
  assert.equal(statusOf('HTTP/1.1 2000 OK\r\n\r\n', 'response'), 400);
  assert.equal(statusOf('HTTP/1.1 200 OK\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n', 'response'), 400);
  assert.equal(statusOf('HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nab', 'response'), 400);
});

test('random and mutated input never throws', { timeout: 20_000 }, () => {
  let seed = 7;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const alphabet = 'GET POST / HTTP/1.1\r\n:Host, chunked Transfer-Encoding Content-Length 0123456789abcdef;\t\u0000\u007f\u00ff';
  for (let n = 0; n < 3000; n++) {
    const base = n % 2 ? CHUNKED_REQ : 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nabcd\r\n0\r\n\r\n';
    const chars = [...base];
    for (let k = 0; k < 1 + Math.floor(rnd() * 4); k++) chars[Math.floor(rnd() * chars.length)] = alphabet[Math.floor(rnd() * alphabet.length)]!;
    const text = chars.join('');
    for (const kind of ['request', 'response'] as const) {
      const c = collect(kind, { pause: rnd() < 0.5 });
      const cuts = [Math.floor(rnd() * text.length)].sort((x, y) => x - y);
      feedSplit(c.p, text, cuts);
      c.p.resume();
      c.p.finish();
      for (const e of c.errors) assert.ok([400, 431, 501, 505].includes(e.status));
    }
  }
});

test('reuseHead: one head object refilled per response reads each response as a fresh parser does', () => {
  const text = [
    'HTTP/1.1 200 OK\r\nContent-Length: 3\r\nX-A: 1\r\nX-B: 2\r\n\r\nabc',
    'HTTP/1.1 100 Continue\r\n\r\n',
    'HTTP/1.0 404 Not Found\r\nTransfer-Encoding: chunked\r\nConnection: keep-alive\r\n\r\n2\r\nhi\r\n0\r\n\r\n',
    'HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n',
  ].join('');
  const snapshot = (h: Http1Head) => JSON.parse(JSON.stringify(h)) as Http1Head;
  const fresh: Http1Head[] = [];
  const a = new Http1Parser('response', { onHead: (h) => fresh.push(snapshot(h)), onBody() {}, onEnd() {}, onError: (e) => assert.fail(e.message) });
  a.execute(Buffer.from(text, 'latin1'));
  const reused: Http1Head[] = [];
  const objects = new Set<Http1Head>();
  const b = new Http1Parser('response', { onHead: (h) => { objects.add(h); reused.push(snapshot(h)); }, onBody() {}, onEnd() {}, onError: (e) => assert.fail(e.message) });
  b.reuseHead = true;
  b.execute(Buffer.from(text, 'latin1'));
  assert.equal(fresh.length, 3);
  assert.deepEqual(reused, fresh);
  assert.equal(objects.size, 1, 'the same head object every time');
});
