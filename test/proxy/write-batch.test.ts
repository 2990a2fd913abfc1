// Batched writes on a real loopback socket: held to the end of the event-loop batch, in order,
// ended and flushed after what is held, and backpressure reported while a 'drain' is due.
import assert from 'node:assert/strict';
import net from 'node:net';
import { once } from 'node:events';
import { test } from 'node:test';
import { batchEnd, batchWrite, flushWrites } from '../../src/proxy/http1/write-batch.js';

async function pair(): Promise<{ client: net.Socket; server: net.Socket; received: () => Buffer; ended: Promise<unknown>; close: () => void }> {
  const srv = net.createServer();
  srv.listen(0, '127.0.0.1');
  await once(srv, 'listening');
  const port = (srv.address() as net.AddressInfo).port;
  const client = net.connect(port, '127.0.0.1');
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
    await p.ended;
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
    await p.ended;
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
    await once(p.client, 'drain');
    assert.equal(batchWrite(p.client, Buffer.from('y')), true);
    await tick();
    batchEnd(p.client);
    await p.ended;
    assert.equal(p.received().length, big.length + 2);
  } finally {
    p.close();
  }
});
