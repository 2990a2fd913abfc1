/**
 * A downstream connection that starts on the HTTP/1.1 fast path (reading into the shared buffer,
 * http1/user-buffer.ts) and is then handed to node:http for a CONNECT tunnel: a keep-alive GET is
 * answered first, then CONNECT on the same connection opens a tunnel (ALLOW_ANY passthrough) and
 * bytes flow both ways through it, in several writes, intact.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { CLIENT_ENTRY, serviceYaml, startMesh, upstream, type Mesh, type Upstream } from './helpers/proxy-harness.js';

const IP = '127.0.65.1';
let mesh: Mesh;
let app: Upstream;
let echo: net.Server;
let echoPort = 0;

before(async () => {
  app = await upstream('app', '127.0.65.10');
  echo = net.createServer((s) => s.on('data', (d) => s.write(Buffer.from(d.toString('latin1').toUpperCase(), 'latin1'))));
  await new Promise<void>((r) => echo.listen(0, '127.0.65.20', r));
  echoPort = (echo.address() as net.AddressInfo).port;
  mesh = await startMesh([serviceYaml('app', 8080, [{ u: app, labels: {} }]), CLIENT_ENTRY(IP)].join('---\n'), { ip: IP, outboundTrafficPolicy: 'ALLOW_ANY' }, [app]);
});

after(async () => {
  await mesh?.close();
  await new Promise<void>((r) => echo?.close(() => r()));
});

test('GET on the fast path, then CONNECT on the same connection: the tunnel carries bytes both ways', { timeout: 15_000 }, async () => {
  const s = net.connect(mesh.explicit.port, mesh.explicit.ip);
  try {
    let buf = '';
    const until = (pred: (b: string) => boolean) => new Promise<void>((resolve, reject) => {
      const check = () => { if (pred(buf)) { s.off('data', onData); resolve(); } };
      const onData = (d: Buffer) => { buf += d.toString('latin1'); check(); };
      s.on('data', onData);
      s.once('error', reject);
      check();
    });
    await new Promise<void>((r) => s.once('connect', () => r()));
    s.write('GET http://app:8080/first HTTP/1.1\r\nhost: app:8080\r\n\r\n');
    await until((b) => /\r\n\r\n/.test(b) && /content-length: (\d+)/i.test(b) && b.length >= b.indexOf('\r\n\r\n') + 4 + Number(/content-length: (\d+)/i.exec(b)![1]));
    assert.match(buf, /^HTTP\/1\.1 200/);
    buf = '';
    s.write(`CONNECT 127.0.65.20:${echoPort} HTTP/1.1\r\nhost: 127.0.65.20:${echoPort}\r\n\r\n`);
    await until((b) => b.includes('\r\n\r\n'));
    assert.match(buf, /^HTTP\/1\.1 200/);
    buf = '';
    const parts = ['hello ', 'through ', 'the tunnel', ' '.repeat(70_000) + 'end'];
    for (const p of parts) s.write(p);
    const want = parts.join('').toUpperCase();
    await until((b) => b.length >= want.length);
    assert.equal(buf, want);
  } finally {
    s.destroy();
  }
});
