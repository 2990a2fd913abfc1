/**
 * Outbound traffic policy REGISTRY_ONLY through the Trellis proxy (explicit mode): a registered
 * service is reachable, an unregistered host is answered 502, logged with its host name and
 * counted (stats.blockedHosts, `blackhole.requests`), whether on a port with a listener (the
 * block_all virtual host) or on one without (BlackHoleCluster), and CONNECT to it is refused.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { CLIENT_ENTRY, get, serviceYaml, startMesh, upstream, type Mesh, type Upstream } from './helpers/proxy-harness.js';

const IP = '127.0.63.1';
let mesh: Mesh;
let app: Upstream;

before(async () => {
  app = await upstream('app', '127.0.63.10');
  mesh = await startMesh([serviceYaml('app', 8080, [{ u: app, labels: {} }]), CLIENT_ENTRY(IP)].join('---\n'), { ip: IP, outboundTrafficPolicy: 'REGISTRY_ONLY' }, [app]);
});

after(async () => { await mesh?.close(); });

test('a registered service is reachable', async () => {
  const r = await get(mesh.explicit, 'http://app:8080/');
  assert.equal(r.status, 200);
  assert.equal(r.json?.name, 'app');
});

test('an unregistered host on a known port: 502, logged with the host, counted', async () => {
  const r = await get(mesh.explicit, 'http://www.example.com:8080/');
  assert.equal(r.status, 502);
  assert.ok(mesh.logs.some((l) => l.includes('blocked') && l.includes('www.example.com:8080')), mesh.logs.join('\n'));
  assert.equal(mesh.proxy.stats.blockedHosts.get('www.example.com:8080'), 1);
});

test('an unregistered host on an unknown port: 502 (BlackHoleCluster), counted', async () => {
  const r = await get(mesh.explicit, 'http://api.example.org:9999/x');
  assert.equal(r.status, 502);
  assert.ok(mesh.logs.some((l) => l.includes('api.example.org:9999')));
  assert.ok(mesh.proxy.stats.get('blackhole.requests') >= 2);
});

test('CONNECT to an unregistered host is refused with 502', async () => {
  const reply = await new Promise<string>((resolve, reject) => {
    const s = net.connect(mesh.explicit.port, mesh.explicit.ip, () => s.write('CONNECT secret.example.net:443 HTTP/1.1\r\nhost: secret.example.net:443\r\n\r\n'));
    let buf = '';
    s.on('data', (d) => { buf += d.toString(); if (buf.includes('\r\n\r\n')) { s.destroy(); resolve(buf); } });
    s.on('error', reject);
    setTimeout(() => { s.destroy(); resolve(buf); }, 3000).unref();
  });
  assert.match(reply, /^HTTP\/1\.1 502/);
  assert.ok(mesh.logs.some((l) => l.includes('secret.example.net:443')));
});
