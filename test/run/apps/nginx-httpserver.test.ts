/**
 * Seed 003's two backends: nginx's welcome page (615 bytes, as the guide's curl counts it), its
 * 404 and 405 pages and `Server: nginx`; cncamp's httpserver answering `/hello` (the rewrite
 * target of `/simple/httpserver`) with the request headers as Go prints them, `/healthz` and
 * `/metrics`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request, startApp } from './helpers.js';

test('nginx: the welcome page on / and /index.html, nginx\'s 404 and 405, Server: nginx', { timeout: 10_000 }, async (t) => {
  const app = await startApp(t, 'nginx');
  const r = await request(`${app.base}/`);
  assert.equal(r.status, 200);
  assert.equal(r.headers.server, 'nginx');
  assert.equal(r.headers['content-type'], 'text/html');
  assert.match(r.body, /<title>Welcome to nginx!<\/title>/);
  assert.equal(Buffer.byteLength(r.body), 615);
  assert.equal((await request(`${app.base}/index.html`)).body, r.body);
  const nf = await request(`${app.base}/simple/nginx`);
  assert.equal(nf.status, 404);
  assert.equal(nf.headers.server, 'nginx');
  assert.match(nf.body, /<center><h1>404 Not Found<\/h1><\/center>\n<hr><center>nginx<\/center>/);
  assert.equal((await request(`${app.base}/`, { method: 'POST', body: 'x' })).status, 405);
  const head = await request(`${app.base}/`, { method: 'HEAD' });
  assert.deepEqual([head.status, head.body, head.headers['content-length']], [200, '', '615']);
});

test('httpserver: /hello greets the stranger and lists the request headers Go-style', { timeout: 10_000 }, async (t) => {
  const app = await startApp(t, 'httpserver');
  const r = await request(`${app.base}/hello`, { headers: { 'x-b3-traceid': 'abc', 'user-agent': 'curl/7.68.0', accept: '*/*' } });
  assert.equal(r.status, 200);
  assert.equal(r.headers['content-type'], 'text/plain; charset=utf-8');
  const lines = r.body.split('\n');
  assert.equal(lines[0], 'hello [stranger]');
  assert.equal(lines[1], '===================Details of the http request header:============');
  assert.ok(lines.includes('X-B3-Traceid=[abc]'), r.body);
  assert.ok(lines.includes('User-Agent=[curl/7.68.0]'), r.body);
  assert.ok(!lines.some((l) => l.startsWith('Host=')), 'Go leaves Host out of r.Header');
  assert.equal((await request(`${app.base}/hello?user=jason`)).body.split('\n')[0], 'hello [jason]');
  assert.deepEqual([(await request(`${app.base}/healthz`)).body], ['ok\n']);
  const m = await request(`${app.base}/metrics`);
  assert.match(m.body, /^httpserver_execution_latency_seconds_count\{step="total"\} 2$/m);
});
