/**
 * The proxy app against a real demoapp: `Proxying value: … - Took N milliseconds.` as the guides
 * print it, the request's path appended to PROXYURL, upstream statuses and routing headers passed
 * on, through a forward proxy named by HTTP_PROXY (absolute-form request line, Host = the target)
 * or directly (no HTTP_PROXY, or NO_PROXY), https through a CONNECT tunnel, and failures
 * answered 502/503 with a message instead of crashing.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request, startApp, startForwardProxy } from './helpers.js';

const PROXYING = /^Proxying value: (.*) - Took \d+ milliseconds\.\n$/s;

test('proxy: fetches PROXYURL + path directly and wraps the body as the guides show', { timeout: 15_000 }, async (t) => {
  const demo = await startApp(t, 'demoapp', { host: '127.0.0.31', podName: 'demoappv10-5c497c6f7c-l9pnf', podIp: '172.20.135.157' });
  const proxy = await startApp(t, 'proxy', { host: '127.0.0.32', env: { PROXYURL: demo.base } });
  const root = await request(`${proxy.base}/`);
  assert.equal(root.status, 200);
  assert.match(root.body, PROXYING);
  assert.equal(PROXYING.exec(root.body)![1], 'iKubernetes demoapp v1.0 !! ClientIP: 127.0.0.32, ServerName: demoappv10-5c497c6f7c-l9pnf, ServerIP: 172.20.135.157!\n');
  const host = await request(`${proxy.base}/hostname`);
  assert.match(host.body, /^Proxying value: ServerName: demoappv10-5c497c6f7c-l9pnf\n - Took \d+ milliseconds\.\n$/);
});

test('proxy: passes on upstream statuses and the headers routing relies on, not Envoy\'s own', { timeout: 15_000 }, async (t) => {
  const demo = await startApp(t, 'demoapp');
  const proxy = await startApp(t, 'proxy', { env: { PROXYURL: `${demo.base}/` } });
  const fault = await request(`${proxy.base}/status/555`);
  assert.equal(fault.status, 555);
  assert.match(fault.body, PROXYING);
  const h = await request(`${proxy.base}/headers`, {
    headers: { 'x-canary': 'true', 'end-user': 'jason', 'x-b3-traceid': 'abc', traceparent: '00-1-2-01', 'x-envoy-attempt-count': '3', 'x-forwarded-for': '1.2.3.4', 'accept-encoding': 'gzip' },
  });
  const body = PROXYING.exec(h.body)![1]!;
  for (const line of ['X-Canary: true', 'End-User: jason', 'X-B3-Traceid: abc', 'Traceparent: 00-1-2-01']) assert.ok(body.includes(`${line}\n`), `${line} in\n${body}`);
  for (const name of ['X-Envoy-Attempt-Count', 'X-Forwarded-For', 'Accept-Encoding']) assert.ok(!body.includes(`${name}:`), `${name} not forwarded`);
  assert.match(body, new RegExp(`^Host: 127\\.0\\.0\\.1:${demo.address.port}$`, 'm'));
});

test('proxy: goes through HTTP_PROXY with an absolute-form request, unless NO_PROXY exempts the host', { timeout: 15_000 }, async (t) => {
  const demo = await startApp(t, 'demoapp', { host: '127.0.0.33', podName: 'demoapp-a' });
  const fwd = await startForwardProxy(t);
  const target = `http://127.0.0.33:${demo.address.port}`;
  const proxy = await startApp(t, 'proxy', { env: { PROXYURL: target, HTTP_PROXY: fwd.url } });
  const r = await request(`${proxy.base}/hostname?x=1`, { headers: { 'x-canary': 'true' } });
  assert.equal(r.body.split('\n')[0], 'Proxying value: ServerName: demoapp-a');
  assert.equal(fwd.seen.length, 1);
  assert.equal(fwd.seen[0]!.method, 'GET');
  assert.equal(fwd.seen[0]!.url, `${target}/hostname?x=1`);
  assert.equal(fwd.seen[0]!.headers.host, `127.0.0.33:${demo.address.port}`);
  assert.equal(fwd.seen[0]!.headers['x-canary'], 'true');

  const lower = await startApp(t, 'proxy', { env: { PROXYURL: target, http_proxy: fwd.url.replace('http://', ''), HTTP_PROXY: 'http://127.0.0.1:1' } });
  assert.match((await request(`${lower.base}/`)).body, PROXYING);
  assert.equal(fwd.seen.length, 2, 'http_proxy (without a scheme) wins over HTTP_PROXY');

  for (const noProxy of ['127.0.0.33', '127.0.0.0/8', `localhost, 127.0.0.33:${demo.address.port}`, '*']) {
    const direct = await startApp(t, 'proxy', { env: { PROXYURL: target, HTTP_PROXY: fwd.url, NO_PROXY: noProxy } });
    assert.match((await request(`${direct.base}/`)).body, PROXYING, noProxy);
    await direct.close();
  }
  assert.equal(fwd.seen.length, 2, 'NO_PROXY hosts went direct');
});

test('proxy: https upstreams go through a CONNECT tunnel on HTTPS_PROXY', { timeout: 20_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'trellis-proxy-tls-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  try {
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1', '-subj', '/CN=upstream.test',
      '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { stdio: 'ignore' });
  } catch {
    t.skip('openssl is not available to make a test certificate');
    return;
  }
  const tlsServer = https.createServer({ key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) }, (_req, res) => res.end('secret'));
  await new Promise<void>((r) => tlsServer.listen(0, '127.0.0.1', r));
  t.after(() => new Promise<void>((r) => { tlsServer.close(() => r()); tlsServer.closeAllConnections(); }));
  const fwd = await startForwardProxy(t);
  const port = (tlsServer.address() as AddressInfo).port;
  const proxy = await startApp(t, 'proxy', { env: { PROXYURL: `https://127.0.0.1:${port}`, HTTPS_PROXY: fwd.url, HTTP_PROXY: 'http://127.0.0.1:1' } });
  const r = await request(`${proxy.base}/`);
  assert.deepEqual(fwd.seen.map((s) => `${s.method} ${s.url}`), [`CONNECT 127.0.0.1:${port}`]);
  assert.equal(r.status, 502, 'the self-signed certificate is refused, after the tunnel and handshake');
  assert.match(r.body, /^proxy: GET https:\/\/127\.0\.0\.1:\d+\/ failed: .*certificate.* - Took \d+ milliseconds\.\n$/);
});

test('proxy: unreachable upstream → 502 naming the error; no PROXYURL or a bad one → 503 saying what to give', { timeout: 15_000 }, async (t) => {
  const closed = await startApp(t, 'nginx');
  const port = closed.address.port;
  await closed.close();
  const down = await startApp(t, 'proxy', { env: { PROXYURL: `http://127.0.0.1:${port}` } });
  const r = await request(`${down.base}/`);
  assert.equal(r.status, 502);
  assert.match(r.body, /^proxy: GET http:\/\/127\.0\.0\.1:\d+\/ failed: connect ECONNREFUSED 127\.0\.0\.1:\d+ - Took \d+ milliseconds\.\n$/);
  const viaDead = await startApp(t, 'proxy', { env: { PROXYURL: 'http://demoapp:8080', HTTP_PROXY: `127.0.0.1:${port}` } });
  assert.equal((await request(`${viaDead.base}/`)).status, 502);

  const none = await startApp(t, 'proxy');
  const n = await request(`${none.base}/`);
  assert.equal(n.status, 503);
  assert.match(n.body, /PROXYURL is not set: give the container env PROXYURL, e\.g\. http:\/\/demoapp:8080/);
  for (const bad of ['not a url', 'ftp://x/']) {
    const b = await startApp(t, 'proxy', { env: { PROXYURL: bad } });
    const res = await request(`${b.base}/`);
    assert.equal(res.status, 503, bad);
    assert.match(res.body, /PROXYURL ".*" is not/);
  }
  assert.equal((await request(`${down.base}/`)).status, 502, 'still serving after failures');
});
