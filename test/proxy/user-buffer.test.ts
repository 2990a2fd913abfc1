/**
 * Downstream reading into the shared buffer (src/proxy/http1/user-buffer.ts) and its fallback:
 * the same keep-alive requests, pipelined requests and request bodies come through the HTTP/1.1
 * fast path whether the socket reads into the shared buffer (this Node) or, when the handle has
 * no user-buffer support (as on a Node without it), through 'data' events.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { Http1ServerConnection } from '../../src/proxy/http1/server-connection.js';
import { readIntoShared } from '../../src/proxy/http1/user-buffer.js';
import type { Downstream } from '../../src/proxy/server/http-handler.js';

/** A server whose fast path answers each request with its method, target and body length. */
async function server(disableUserBuffer: boolean): Promise<{ port: number; close: () => Promise<void>; shared: boolean[] }> {
  const shared: boolean[] = [];
  const srv = net.createServer((socket) => {
    if (disableUserBuffer) {
      const h = (socket as unknown as { _handle: Record<string, unknown> })._handle;
      Object.defineProperty(h, 'useUserBuffer', { value: undefined });
    }
    const conn = new Http1ServerConnection(socket, {
      serve: async (d: Downstream) => {
        const chunks: Buffer[] = [];
        await new Promise<void>((resolve) => {
          if (d.body.empty) return resolve();
          d.body.attach({ write: (c: Buffer) => { chunks.push(Buffer.from(c)); return true; }, end: () => resolve(), abort: () => resolve() });
        });
        const body = Buffer.concat(chunks);
        await d.respond({ status: 200, headers: { 'x-sum': String(body.reduce((a, b) => (a + b) % 65521, 0)) }, body: `${d.method} ${d.url} ${body.length}` });
      },
      fallback: (s) => s.destroy(),
      log: () => {},
    });
    shared.push((conn as unknown as { shared: boolean }).shared);
    conn.start();
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  return { port: (srv.address() as net.AddressInfo).port, shared, close: () => new Promise((r) => srv.close(() => r())) };
}

/** How many complete responses (head + Content-Length body) `text` holds. */
function completeResponses(text: string): number {
  let n = 0;
  let at = 0;
  for (;;) {
    const end = text.indexOf('\r\n\r\n', at);
    if (end < 0) return n;
    const len = Number(/content-length: (\d+)/i.exec(text.slice(at, end))?.[1] ?? 0);
    if (text.length < end + 4 + len) return n;
    n++;
    at = end + 4 + len;
  }
}

/** Sends `payload` on one connection and reads until `responses` complete responses are in. */
function exchange(port: number, payload: Buffer, responses: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1', () => s.write(payload));
    let got = '';
    const timer = setTimeout(() => { s.destroy(); reject(new Error(`only ${completeResponses(got)} responses: ${got.slice(0, 300)}`)); }, 5000);
    s.on('data', (d) => {
      got += d.toString('latin1');
      if (completeResponses(got) >= responses) { clearTimeout(timer); s.destroy(); resolve(got); }
    });
    s.on('error', (e) => { clearTimeout(timer); reject(e); });
  });
}

for (const disable of [false, true]) {
  test(`fast path ${disable ? 'through data events (no user-buffer support)' : 'reading into the shared buffer'}: pipelined requests and bodies intact`, { timeout: 15_000 }, async () => {
    const srv = await server(disable);
    try {
      const body = Buffer.alloc(200_000, 0);
      for (let i = 0; i < body.length; i++) body[i] = (i * 31 + 7) & 0xff;
      const sum = body.reduce((a, b) => (a + b) % 65521, 0);
      const req = Buffer.concat([
        Buffer.from('GET /one HTTP/1.1\r\nhost: a\r\n\r\nGET /two HTTP/1.1\r\nhost: a\r\n\r\n'),
        Buffer.from(`POST /body HTTP/1.1\r\nhost: a\r\ncontent-length: ${body.length}\r\n\r\n`), body,
      ]);
      const out = await exchange(srv.port, req, 3);
      assert.match(out, /GET \/one 0/);
      assert.match(out, /GET \/two 0/);
      assert.ok(out.includes(`x-sum: ${sum}`), out.slice(0, 500));
      assert.match(out, new RegExp(`POST /body ${body.length}`));
      assert.ok(out.indexOf('/one') < out.indexOf('/two') && out.indexOf('/two') < out.indexOf('/body'));
      assert.deepEqual(srv.shared, [!disable]);
    } finally {
      await srv.close();
    }
  });
}

test('readIntoShared declines a socket without a handle', () => {
  const s = new net.Socket();
  assert.equal(readIntoShared(s, () => true), false);
  s.destroy();
});
