/**
 * demoapp as the guides show it: the `/` line byte for byte (ClientIP is the TCP peer, here a
 * second loopback address), `/hostname`, `/user-agent`, `/headers`, the livez/readyz switch the
 * outlier-detection guides flip, `/status/CODE`, `/delay/N` on an injected clock, 404s, and the
 * shared HTTP plumbing (keep-alive, HEAD, bodies drained, bad input answered, close ends waits).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { FakeClock } from '../../xds/fakes.js';
import { rawExchange, request, startApp } from './helpers.js';

test('demoapp: / answers the guides\' line with the tag, the peer, the pod name and IP', { timeout: 10_000 }, async (t) => {
  const app = await startApp(t, 'demoapp', { host: '127.0.0.21', version: 'v1.1', podName: 'demoappv11-7984f579f5-dbhd9', podIp: '10.220.158.81' });
  const r = await request(`${app.base}/`, { localAddress: '127.0.0.22' });
  assert.equal(r.status, 200);
  assert.equal(r.headers['content-type'], 'text/html; charset=utf-8');
  assert.equal(r.body, 'iKubernetes demoapp v1.1 !! ClientIP: 127.0.0.22, ServerName: demoappv11-7984f579f5-dbhd9, ServerIP: 10.220.158.81!\n');
  assert.equal(Number(r.headers['content-length']), Buffer.byteLength(r.body));
});

test('demoapp: /hostname, /user-agent, /headers, 404', { timeout: 10_000 }, async (t) => {
  const app = await startApp(t, 'demoapp', { podName: 'demoappv10-6ff964cbff-84kqr' });
  assert.equal((await request(`${app.base}/hostname`)).body, 'ServerName: demoappv10-6ff964cbff-84kqr\n');
  assert.equal((await request(`${app.base}/hostname/`)).body, 'ServerName: demoappv10-6ff964cbff-84kqr\n');
  assert.equal((await request(`${app.base}/user-agent`, { headers: { 'user-agent': 'Chrome' } })).body, 'User-Agent: Chrome\n');
  const h = await request(`${app.base}/headers?x=1`, { headers: { 'x-canary': 'true', 'End-User': 'jason' } });
  assert.match(h.body, /^X-Canary: true$/m);
  assert.match(h.body, /^End-User: jason$/m);
  assert.match(h.body, /^Host: 127\.0\.0\.1:\d+$/m);
  const nf = await request(`${app.base}/canary`);
  assert.equal(nf.status, 404);
  assert.match(nf.body, /<title>404 Not Found<\/title>/);
});

test('demoapp: POST livez=FAIL turns /livez into 506 FAIL until livez=OK; readyz likewise', { timeout: 10_000 }, async (t) => {
  const app = await startApp(t, 'demoapp');
  const form = { 'content-type': 'application/x-www-form-urlencoded' };
  assert.deepEqual([(await request(`${app.base}/livez`)).status, (await request(`${app.base}/livez`)).body], [200, 'OK']);
  assert.equal((await request(`${app.base}/livez`, { method: 'POST', headers: form, body: 'livez=FAIL' })).status, 200);
  const bad = await request(`${app.base}/livez`);
  assert.deepEqual([bad.status, bad.body], [506, 'FAIL']);
  assert.equal((await request(`${app.base}/readyz`)).status, 200, 'readyz is separate');
  assert.equal((await request(`${app.base}/`)).status, 200, '/ still answers');
  await request(`${app.base}/livez`, { method: 'POST', headers: form, body: 'livez=OK' });
  assert.equal((await request(`${app.base}/livez`)).status, 200);
  await request(`${app.base}/readyz`, { method: 'POST', headers: form, body: 'readyz=ERROR' });
  assert.deepEqual([(await request(`${app.base}/readyz`)).status, (await request(`${app.base}/readyz`)).body], [506, 'ERROR']);
  const missing = await request(`${app.base}/livez`, { method: 'POST', headers: form, body: 'nothing=1' });
  assert.equal(missing.status, 400);
  assert.match(missing.body, /give livez=VALUE/);
});

test('demoapp: /status/CODE answers that status; bad codes get 400 saying what is valid', { timeout: 10_000 }, async (t) => {
  const app = await startApp(t, 'demoapp');
  assert.equal((await request(`${app.base}/status/555`)).status, 555);
  assert.equal((await request(`${app.base}/status/503`)).status, 503);
  const bad = await request(`${app.base}/status/abc`);
  assert.equal(bad.status, 400);
  assert.match(bad.body, /use 200 to 599/);
  assert.equal((await request(`${app.base}/status/99`)).status, 400);
});

test('demoapp: /delay/N waits N seconds on the app\'s clock (capped at 10)', { timeout: 10_000 }, async (t) => {
  const clock = new FakeClock();
  const app = await startApp(t, 'demoapp', { clock });
  let answered = false;
  const pending = request(`${app.base}/delay/3`).then((r) => { answered = true; return r; });
  while (clock.pendingTimers === 0) await new Promise((r) => setTimeout(r, 5));
  clock.advance(2_999);
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(answered, false);
  clock.advance(1);
  const r = await pending;
  assert.equal(r.status, 200);
  assert.match(r.body, /delayed 3 seconds/);
  const capped = request(`${app.base}/delay/99`);
  while (clock.pendingTimers === 0) await new Promise((r) => setTimeout(r, 5));
  clock.advance(10_000);
  assert.match((await capped).body, /delayed 10 seconds/);
  assert.equal((await request(`${app.base}/delay/-1`)).status, 400);
});

test('plumbing: keep-alive, HEAD, drained bodies, bad request lines, close() ends waiting requests', { timeout: 15_000 }, async (t) => {
  const app = await startApp(t, 'demoapp');
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  t.after(() => agent.destroy());
  const ports = new Set<number>();
  agent.on('free', (s) => ports.add(s.localPort ?? 0));
  await request(`${app.base}/`, { agent, method: 'POST', body: Buffer.alloc(256 * 1024, 'x') });
  await request(`${app.base}/hostname`, { agent });
  await request(`${app.base}/`, { agent });
  assert.equal(ports.size, 1, 'one connection carried all three requests');

  const head = await request(`${app.base}/`, { method: 'HEAD' });
  assert.equal(head.status, 200);
  assert.equal(head.body, '');
  assert.ok(Number(head.headers['content-length']) > 50);

  const raw = await rawExchange(app.address.host, app.address.port, 'NOT A REQUEST\r\n\r\n');
  assert.match(raw, /^HTTP\/1\.1 400 /);
  const odd = await rawExchange(app.address.host, app.address.port, 'GET http://elsewhere:9/hostname?q HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
  assert.match(odd, /ServerName: demoapp-pod/);
  assert.equal((await request(`${app.base}/`)).status, 200, 'still serving');

  const waiting = request(`${app.base}/delay/10`).then(() => 'answered', () => 'cut');
  await new Promise((r) => setTimeout(r, 100));
  const t0 = Date.now();
  await app.close();
  assert.equal(await waiting, 'cut');
  assert.ok(Date.now() - t0 < 5_000, 'close does not wait for the delay');
});
