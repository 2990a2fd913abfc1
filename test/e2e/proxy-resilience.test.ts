/**
 * Resilience through the Trellis proxy, real control plane and real upstreams: retries turning an
 * upstream that fails one request in three into all successes, a route timeout answering 504
 * with flag UT, fault injection (abort 100% → that status with FI; delay 50% observed on about
 * half), consistent hashing on x-user, outlier detection ejecting an always-500 endpoint after
 * consecutive5xxErrors and returning it after baseEjectionTime, and circuit-breaker overflow
 * answering 503 with flag UO.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { CLIENT_ENTRY, get, serviceYaml, startMesh, upstream, type Mesh, type Upstream } from './helpers/proxy-harness.js';

const IP = '127.0.62.1';
let mesh: Mesh;
const ups: Record<string, Upstream> = {};

function vs(host: string, http: string): string {
  return `apiVersion: networking.istio.io/v1beta1
kind: VirtualService
metadata: {name: ${host}, namespace: default}
spec:
  hosts: [${host}]
  http:
${http}`;
}

function dr(host: string, trafficPolicy: string): string {
  return `apiVersion: networking.istio.io/v1beta1
kind: DestinationRule
metadata: {name: ${host}, namespace: default}
spec:
  host: ${host}
  trafficPolicy:
${trafficPolicy}`;
}

const slow = (ms: number) => (_req: unknown, res: { end(s: string): void }) => { setTimeout(() => res.end('slow'), ms); return true; };

before(async () => {
  ups.flaky = await upstream('flaky', '127.0.62.10', (_q, res, n) => { if (n % 3 === 0) { res.statusCode = 503; res.end('boom'); return true; } });
  ups.slow = await upstream('slow', '127.0.62.11', slow(600));
  ups.faulty = await upstream('faulty', '127.0.62.12');
  ups.h1 = await upstream('h1', '127.0.62.13');
  ups.h2 = await upstream('h2', '127.0.62.14');
  ups.h3 = await upstream('h3', '127.0.62.15');
  ups.good = await upstream('good', '127.0.62.16');
  ups.bad = await upstream('bad', '127.0.62.17', (_q, res) => { res.statusCode = 500; res.end('always 500'); return true; });
  ups.cb = await upstream('cb', '127.0.62.18', slow(300));
  const yaml = [
    serviceYaml('flaky', 8081, [{ u: ups.flaky, labels: {} }]),
    vs('flaky', '  - retries: {attempts: 3, retryOn: 5xx}\n    route: [{destination: {host: flaky}}]\n'),
    serviceYaml('slow', 8082, [{ u: ups.slow, labels: {} }]),
    vs('slow', '  - timeout: 0.1s\n    route: [{destination: {host: slow}}]\n'),
    serviceYaml('faulty', 8083, [{ u: ups.faulty, labels: {} }]),
    vs('faulty', [
      '  - match: [{uri: {prefix: /abort}}]',
      '    fault: {abort: {httpStatus: 418, percentage: {value: 100}}}',
      '    route: [{destination: {host: faulty}}]',
      '  - match: [{uri: {prefix: /delay}}]',
      '    fault: {delay: {fixedDelay: 0.3s, percentage: {value: 50}}}',
      '    route: [{destination: {host: faulty}}]',
      '',
    ].join('\n')),
    serviceYaml('hashy', 8084, [{ u: ups.h1, labels: {} }, { u: ups.h2, labels: {} }, { u: ups.h3, labels: {} }]),
    dr('hashy', '    loadBalancer: {consistentHash: {httpHeaderName: x-user}}\n'),
    serviceYaml('ejecty', 8085, [{ u: ups.good, labels: {} }, { u: ups.bad, labels: {} }]),
    dr('ejecty', '    loadBalancer: {simple: ROUND_ROBIN}\n    outlierDetection: {consecutive5xxErrors: 3, interval: 0.1s, baseEjectionTime: 1s, maxEjectionPercent: 100}\n'),
    serviceYaml('breaker', 8086, [{ u: ups.cb, labels: {} }]),
    dr('breaker', '    connectionPool:\n      tcp: {maxConnections: 1}\n      http: {http1MaxPendingRequests: 1, maxRequestsPerConnection: 1}\n'),
    CLIENT_ENTRY(IP),
  ].join('---\n');
  mesh = await startMesh(yaml, { ip: IP }, Object.values(ups));
});

after(async () => { await mesh?.close(); });

test('retries (attempts 3, retryOn 5xx) turn a one-in-three failing upstream into all successes', async () => {
  for (let i = 0; i < 30; i++) {
    const r = await get(mesh.explicit, 'http://flaky:8081/');
    assert.equal(r.status, 200, `request ${i}: ${r.body}`);
  }
  assert.equal(ups.flaky!.hits, 44, '30 successes and 14 failed attempts (every third one), each retried');
  assert.equal(mesh.proxy.stats.get('cluster.outbound|8081||flaky.default.svc.cluster.local.upstream_rq_retry'), 14);
});

test('route timeout 0.1s → 504 with response flag UT', async () => {
  const t0 = Date.now();
  const r = await get(mesh.explicit, 'http://slow:8082/');
  assert.equal(r.status, 504);
  assert.equal(r.body, 'upstream request timeout');
  assert.ok(Date.now() - t0 < 500);
  assert.ok(mesh.access.some((l) => l.includes('"slow:8082"') && / 504 UT /.test(l)), mesh.access.join('\n'));
});

test('fault abort 100% answers that status (FI); delay 50% slows about half', async () => {
  const before = ups.faulty!.hits;
  const r = await get(mesh.explicit, 'http://faulty:8083/abort');
  assert.equal(r.status, 418);
  assert.equal(r.body, 'fault filter abort');
  assert.equal(ups.faulty!.hits, before, 'the upstream is not called');
  assert.ok(mesh.access.some((l) => / 418 FI /.test(l)));
  const times = await Promise.all(Array.from({ length: 40 }, async () => {
    const t0 = Date.now();
    const x = await get(mesh.explicit, 'http://faulty:8083/delay');
    assert.equal(x.status, 200);
    return Date.now() - t0;
  }));
  const delayed = times.filter((t) => t >= 280).length;
  assert.ok(delayed >= 8 && delayed <= 32, `delayed ${delayed} of 40`);
});

test('consistent hash on x-user: same user same endpoint, users spread', async () => {
  const seen = new Map<string, string>();
  for (let u = 0; u < 30; u++) {
    const first = await get(mesh.explicit, 'http://hashy:8084/', { 'x-user': `user-${u}` });
    for (let i = 0; i < 3; i++) {
      const again = await get(mesh.explicit, 'http://hashy:8084/', { 'x-user': `user-${u}` });
      assert.equal(again.json?.name, first.json?.name);
    }
    seen.set(`user-${u}`, first.json!.name);
  }
  assert.ok(new Set(seen.values()).size >= 2, `spread: ${[...new Set(seen.values())]}`);
});

test('outlier detection ejects the always-500 endpoint and returns it after baseEjectionTime', async () => {
  let fives = 0;
  for (let i = 0; i < 10; i++) if ((await get(mesh.explicit, 'http://ejecty:8085/')).status === 500) fives++;
  assert.equal(fives, 3, 'ejected after 3 consecutive 5xx');
  for (let i = 0; i < 10; i++) assert.equal((await get(mesh.explicit, 'http://ejecty:8085/')).status, 200);
  await new Promise((r) => setTimeout(r, 1300));
  let back = 0;
  for (let i = 0; i < 6; i++) if ((await get(mesh.explicit, 'http://ejecty:8085/')).status === 500) back++;
  assert.ok(back >= 1, 'the host takes traffic again');
});

test('circuit breaker: maxConnections 1 + 1 pending → overflow answers 503 UO', async () => {
  const rs = await Promise.all(Array.from({ length: 6 }, () => get(mesh.explicit, 'http://breaker:8086/')));
  const ok = rs.filter((r) => r.status === 200).length;
  const uo = rs.filter((r) => r.status === 503 && r.headers['x-envoy-overloaded'] === 'true').length;
  assert.equal(ok + uo, 6);
  assert.ok(ok >= 1 && ok <= 2, `ok ${ok}`);
  assert.ok(uo >= 4, `overflowed ${uo}`);
  assert.ok(mesh.access.some((l) => / 503 UO /.test(l)));
});
