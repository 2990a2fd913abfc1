// Batched writes on a real loopback socket: held to the end of the event-loop batch, in order,
// ended and flushed after what is held, and backpressure reported while a 'drain' is due.
import assert from 'node:assert/strict';
import net from 'node:net';
import { once } from 'node:events';
import { test } from 'node:test';
import { batchEnd, batchWrite, flushWrites } from '../../src/proxy/http1/write-batch.js';
import { directPending, directWrites, writeDirect } from '../../src/proxy/http1/direct-write.js';

async function pair(onread?: net.OnReadOpts): Promise<{ client: net.Socket; server: net.Socket; received: () => Buffer; ended: Promise<unknown>; close: () => void }> {
  const srv = net.createServer();
  srv.listen(0, '127.0.0.1');
  await once(srv, 'listening');
  const port = (srv.address() as net.AddressInfo).port;
  const client = net.connect({ port, host: '127.0.0.1', ...(onread ? { onread } : {}) });
  const [server] = (await once(srv, 'connection')) as [net.Socket];
  await once(client, 'connect');
  const chunks: Buffer[] = [];
  server.on('data', (c: Buffer) => chunks.push(c));
  const ended = once(server, 'end');
  return {
    client, server, ended,
    received: () => Buffer.concat(chunks),
    close: () => { client.destroy(); server.destroy(); srv.close(); },
  };
}

const tick = () => new Promise((r) => setImmediate(r));

/** `p`, or a failure after `ms` (the test then still reaches its cleanup). */
function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`${what}: nothing within ${ms} ms`)), ms); });
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}

test('writes in one batch are held until it ends, then go out in order', async () => {
  const p = await pair();
  try {
    batchWrite(p.client, 'GET / HTTP/1.1\r\n');
    batchWrite(p.client, 'host: a\r\n\r\n');
    batchWrite(p.client, Buffer.from('body-1'));
    batchWrite(p.client, 'café\r\n');
    assert.equal(p.client.bytesWritten, 0, 'nothing written before the batch ends');
    await tick();
    assert.equal(p.client.bytesWritten, 'GET / HTTP/1.1\r\nhost: a\r\n\r\nbody-1café\r\n'.length);
    batchWrite(p.client, Buffer.from('|second batch'));
    batchEnd(p.client, '|end');
    await within(p.ended, 5000, 'the peer sees the end');
    assert.equal(p.received().toString('latin1'), 'GET / HTTP/1.1\r\nhost: a\r\n\r\nbody-1café\r\n|second batch|end');
  } finally {
    p.close();
  }
});

test('flushWrites sends what is held at once, so a later direct write follows it', async () => {
  const p = await pair();
  try {
    batchWrite(p.client, 'first;');
    flushWrites(p.client);
    p.client.write('second;');
    await tick();
    p.client.end();
    await within(p.ended, 5000, 'the peer sees the end');
    assert.equal(p.received().toString(), 'first;second;');
  } finally {
    p.close();
  }
});

test('a destroyed socket drops what is held without throwing', async () => {
  const p = await pair();
  try {
    batchWrite(p.client, 'never sent');
    p.client.destroy();
    await tick();
    assert.equal(p.client.bytesWritten, 0);
  } finally {
    p.close();
  }
});

test('batchWrite reports backpressure while the socket owes a drain, and the drain comes', async () => {
  const p = await pair();
  try {
    p.server.pause();
    const big = Buffer.alloc(4 * 1024 * 1024, 1);
    assert.equal(batchWrite(p.client, big), true, 'nothing queued yet');
    await tick();
    // 4 MiB cannot all go into a paused peer's socket buffers: the socket is over its mark.
    assert.equal(p.client.writableNeedDrain, true);
    assert.equal(batchWrite(p.client, Buffer.from('x')), false);
    p.server.resume();
    await within(once(p.client, 'drain'), 5000, 'drain');
    assert.equal(batchWrite(p.client, Buffer.from('y')), true);
    await tick();
    batchEnd(p.client);
    await within(p.ended, 5000, 'the peer sees the end');
    assert.equal(p.received().length, big.length + 2);
  } finally {
    p.close();
  }
});

test('direct writes: a write the kernel cannot take whole completes later, and writes after it keep their order', { timeout: 10_000 }, async (t) => {
  if (!directWrites) return t.skip('this Node has no stream handle to write to directly');
  const p = await pair();
  try {
    p.server.pause();
    // 8 KiB pieces numbered in their first bytes, until one is left pending in the kernel's stead.
    const piece = (i: number) => { const b = Buffer.alloc(8192, 0x2e); b.writeUInt32BE(i, 0); return b; };
    let n = 0;
    while (directPending(p.client) === 0 && n < 10_000) assert.equal(writeDirect(p.client, piece(n++)), true);
    assert.ok(directPending(p.client) > 0, 'a direct write was left to complete later');
    // Now direct writes step aside, and the Writable queues behind the pending one.
    assert.equal(writeDirect(p.client, piece(n)), false);
    for (let k = 0; k < 3; k++) p.client.write(piece(n++));
    p.server.resume();
    p.client.end();
    await within(p.ended, 5000, 'the peer sees the end');
    const all = p.received();
    assert.equal(all.length, n * 8192);
    for (let i = 0; i < n; i++) assert.equal(all.readUInt32BE(i * 8192), i, `piece ${i} in place`);
    assert.equal(directPending(p.client), 0);
  } finally {
    p.close();
  }
});

test('direct writes: a write to a socket the peer reset destroys it with the errno error', { timeout: 10_000 }, async (t) => {
  if (!directWrites) return t.skip('this Node has no stream handle to write to directly');
  // Reading into its own buffer, a paused client stops reading at once (a plain one reads ahead).
  const p = await pair({ buffer: Buffer.alloc(1024), callback: () => true });
  try {
    const errored = once(p.client, 'error');
    // Not reading, the client learns of the reset from its next write, not from a read.
    p.client.pause();
    p.server.resetAndDestroy();
    await new Promise((r) => setTimeout(r, 20));
    // The first write may still be taken by the kernel; the reset shows on a following one.
    for (let i = 0; i < 5 && !p.client.destroyed; i++) {
      writeDirect(p.client, 'x'.repeat(100));
      await new Promise((r) => setTimeout(r, 10));
    }
    const [e] = (await within(errored, 3000, 'the write error')) as [NodeJS.ErrnoException];
    assert.match(String(e.code), /^(EPIPE|ECONNRESET)$/);
    assert.equal(e.syscall, 'write');
  } finally {
    p.close();
  }
});
