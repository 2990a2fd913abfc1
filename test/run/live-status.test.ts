/**
 * `trellis up`'s live status line: access log lines counted once per request (client side
 * only), failures (5xx, no response), blocked requests from the proxies' log lines, and the
 * control plane's connections, push rounds and NACKs.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LiveStatus, parseAccessLine, parseBlocked } from '../../src/run/live-status.js';

const OUTBOUND = '[2026-11-23T03:13:04.818Z] "GET / HTTP/1.1" 200 - - - "-" 0 99 21 - "-" "curl/7.88.1" "1c7d" "demoapp:8080" "127.1.171.72:8080" outbound|8080|v10|demoapp.default.svc.cluster.local - 127.1.154.128:15001 127.2.154.128:46795 - default';
const INBOUND = '[2026-11-23T03:13:04.823Z] "GET / HTTP/1.1" 200 - - - "-" 0 99 10 - "-" "curl/7.88.1" "1c7d" "demoapp:8080" "127.2.171.72:8080" inbound|8080|| - 127.1.171.72:8080 127.0.0.1:48938 - default';
const FAILED = '[2026-11-23T03:05:40.942Z] "GET / HTTP/1.1" 503 URX,UF - - "-" 0 91 70 - "-" "curl/7.88.1" "-" "fe.toptops.top" "127.1.154.128:8080" outbound|80||proxy.default.svc.cluster.local - 127.0.10.1:8080 127.0.0.1:46496 - default';

test('access lines: code and direction; other lines are not requests', () => {
  assert.deepEqual(parseAccessLine(OUTBOUND), { code: 200, inbound: false });
  assert.deepEqual(parseAccessLine(INBOUND), { code: 200, inbound: true });
  assert.deepEqual(parseAccessLine(FAILED), { code: 503, inbound: false });
  assert.equal(parseAccessLine('applied CDS version 38b4 (14 resources)'), undefined);
  assert.equal(parseBlocked('outbound traffic policy REGISTRY_ONLY: blocked request to host proxy (GET /)'), 'proxy');
  assert.equal(parseBlocked('outbound traffic policy REGISTRY_ONLY: blocked CONNECT to host example.com:443'), 'example.com:443');
  assert.equal(parseBlocked(OUTBOUND), undefined);
});

test('status line: proxies, pushes, requests and failures, blocked, rejected configs, crashes', () => {
  const s = new LiveStatus(() => 3);
  assert.equal(s.line(), 'status: proxies 0/3 connected · pushes 0 · requests 0 (failed 0)');
  s.onAds({ type: 'connect', proxyId: 'a', connectionId: '1', at: 0, delta: false });
  s.onAds({ type: 'connect', proxyId: 'b', connectionId: '2', at: 0, delta: false });
  s.onAds({ type: 'disconnect', proxyId: 'b', connectionId: '2', at: 0, connectedMs: 5 });
  s.onAds({ type: 'debounced', changes: 2, waitedMs: 100, endpointsOnly: false, snapshotVersion: 'x' });
  s.onAds({ type: 'nack', proxyId: 'a', connectionId: '1', typeUrl: 't', version: 'v', nonce: 'n', message: 'bad' });
  for (const l of [OUTBOUND, INBOUND, FAILED, 'outbound traffic policy REGISTRY_ONLY: blocked request to host proxy (GET /)']) s.onProxyLine(l);
  s.crashes = 1;
  assert.equal(s.line(), 'status: proxies 1/3 connected · pushes 1 · requests 2 (failed 1) · rejected configs 1 · blocked 1 · crashes 1');
});
