/**
 * httpbin's documented echoes (JSON shapes, Title-Cased sorted headers, origin from
 * X-Forwarded-For or the peer), method routes and 405s, `/status` with a seeded random pick,
 * `/delay` on an injected clock, the index page and the 404 page.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../../xds/fakes.js';
import { pickStatus } from '../../../src/run/apps/httpbin.js';
import { request, startApp } from './helpers.js';

test('httpbin: /get, /headers, /ip, /user-agent, /hostname echo the request', { timeout: 10_000 }, async (t) => {
  const app = await startApp(t, 'httpbin', { host: '127.0.0.41', podName: 'httpbin-74fb669cc6-x' });
  const get = await request(`${app.base}/get?b=2&a=1&a=3`, { headers: { 'x-b3-sampled': '1', 'user-agent': 'curl/8' }, localAddress: '127.0.0.42' });
  assert.equal(get.status, 200);
  assert.equal(get.headers['content-type'], 'application/json');
  assert.equal(get.headers['access-control-allow-origin'], '*');
  assert.ok(get.body.startsWith('{\n  "args": {\n    "a": [\n'), get.body);
  const g = JSON.parse(get.body);
  assert.deepEqual(Object.keys(g), ['args', 'headers', 'origin', 'url']);
  assert.deepEqual(g.args, { a: ['1', '3'], b: '2' });
  assert.equal(g.headers['X-B3-Sampled'], '1');
  assert.equal(g.headers['User-Agent'], 'curl/8');
  assert.deepEqual(Object.keys(g.headers), [...Object.keys(g.headers)].sort());
  assert.equal(g.origin, '127.0.0.42');
  assert.equal(g.url, `http://127.0.0.41:${app.address.port}/get?b=2&a=1&a=3`);

  assert.equal(JSON.parse((await request(`${app.base}/headers`, { headers: { 'end-user': 'jason' } })).body).headers['End-User'], 'jason');
  assert.deepEqual(JSON.parse((await request(`${app.base}/ip`, { headers: { 'x-forwarded-for': '10.1.2.3' } })).body), { origin: '10.1.2.3' });
  assert.deepEqual(JSON.parse((await request(`${app.base}/user-agent`, { headers: { 'user-agent': 'Chrome' } })).body), { 'user-agent': 'Chrome' });
  assert.deepEqual(JSON.parse((await request(`${app.base}/hostname`)).body), { hostname: 'httpbin-74fb669cc6-x' });
});

test('httpbin: /anything and the method routes echo bodies, forms and JSON; wrong methods get 405', { timeout: 10_000 }, async (t) => {
  const app = await startApp(t, 'httpbin');
  const a = JSON.parse((await request(`${app.base}/anything/x/y?q=1`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: '{"k":[1,2]}' })).body);
  assert.deepEqual(Object.keys(a), ['args', 'data', 'files', 'form', 'headers', 'json', 'method', 'origin', 'url']);
  assert.deepEqual([a.method, a.data, a.json, a.args], ['PUT', '{"k":[1,2]}', { k: [1, 2] }, { q: '1' }]);
  const f = JSON.parse((await request(`${app.base}/post`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'a=1&b=2' })).body);
  assert.deepEqual([f.form, f.data, f.json], [{ a: '1', b: '2' }, '', null]);
  const bad = await request(`${app.base}/post`);
  assert.equal(bad.status, 405);
  assert.match(String(bad.headers.allow), /POST/);
  assert.equal((await request(`${app.base}/get`, { method: 'DELETE' })).status, 405);
  assert.equal((await request(`${app.base}/delete`, { method: 'DELETE' })).status, 200);
  const head = await request(`${app.base}/get`, { method: 'HEAD' });
  assert.deepEqual([head.status, head.body], [200, '']);
});

test('httpbin: /status/CODE, a weighted pick among codes, the teapot, bad codes', { timeout: 10_000 }, async (t) => {
  const seq = [0.1, 0.95];
  const app = await startApp(t, 'httpbin', { random: () => seq.shift() ?? 0 });
  assert.equal((await request(`${app.base}/status/503`)).status, 503);
  assert.equal((await request(`${app.base}/status/200:0.9,503:0.1`)).status, 200);
  assert.equal((await request(`${app.base}/status/200%3A0.9%2C503%3A0.1`)).status, 503);
  const teapot = await request(`${app.base}/status/418`);
  assert.equal(teapot.status, 418);
  assert.match(teapot.body, /teapot/);
  const bad = await request(`${app.base}/status/2000`);
  assert.equal(bad.status, 400);
  assert.match(bad.body, /use 200 to 599/);
  assert.equal(pickStatus('200,503', () => 0.49), 200);
  assert.equal(pickStatus('200,503', () => 0.5), 503);
  assert.equal(pickStatus('200:0,503:0', () => 0.5), undefined);
  assert.equal(pickStatus('200:x', () => 0.5), undefined);
});

test('httpbin: /delay/N waits on the app clock, at most 10 s; / is a page; unknown paths 404', { timeout: 10_000 }, async (t) => {
  const clock = new FakeClock();
  const app = await startApp(t, 'httpbin', { clock });
  const pending = request(`${app.base}/delay/30`);
  while (clock.pendingTimers === 0) await new Promise((r) => setTimeout(r, 5));
  clock.advance(10_000);
  const d = await pending;
  assert.equal(d.status, 200);
  assert.deepEqual(Object.keys(JSON.parse(d.body)), ['args', 'data', 'files', 'form', 'headers', 'origin', 'url']);
  assert.equal((await request(`${app.base}/delay/soon`)).status, 400);
  const index = await request(`${app.base}/`);
  assert.equal(index.status, 200);
  assert.match(index.body, /<h1>httpbin<\/h1>/);
  assert.equal((await request(`${app.base}/nope`)).status, 404);
});
