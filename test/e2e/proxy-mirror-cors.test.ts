/**
 * Request mirroring and CORS through the Trellis proxy, end to end (real control plane, real
 * upstreams):
 * - `mirror` (+ `mirrorPercentage`): the mirror upstream receives a copy (method, path, body,
 *   headers); the client gets only the primary's answer; a slow, resetting or unreachable mirror
 *   never delays or fails the client. Istio compiles mirrors with
 *   `disableShadowHostSuffixAppend: true` (DISABLE_SHADOW_HOST_SUFFIX, on by default in current
 *   Istio), so the copy keeps the Host; with the flag off (Envoy's default), the data path
 *   suffixes the host name with `-shadow` before the port, as Envoy's shadowAppendedHost does.
 * - `corsPolicy`: preflights answered by the proxy as Envoy's CORS filter answers them
 *   (allowOrigins exact/prefix/regex, `*`, allowMethods/allowHeaders with `*` echoing the
 *   request's, maxAge, allowCredentials), unmatched preflights forwarded or, with
 *   `unmatchedPreflights: IGNORE`, answered without an allow-origin; simple requests get
 *   allow-origin, expose-headers and credentials on the upstream's response.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { TypeUrl } from '../../src/api/envoy/common.js';
import type { RouteConfiguration } from '../../src/api/envoy/route.js';
import { startDataPlane, type RunningDataPlane } from '../../src/proxy/server/proxy.js';
import { ProxyStats } from '../../src/proxy/stats/index.js';
import { CLIENT_ENTRY, get, send, serviceYaml, startMesh, upstream, waitFor, type Mesh, type Upstream } from './helpers/proxy-harness.js';

const IP = '127.0.85.1';
let mesh: Mesh;
const u: Record<string, Upstream> = {};
const seen: Record<string, { path: string; host: string; method: string; body: string; at: number }[]> = { shadow: [], slow: [], broken: [] };

const record = (name: string, then?: (res: http.ServerResponse) => void) => (req: http.IncomingMessage, res: http.ServerResponse, _n: number, body: Buffer) => {
  seen[name]!.push({ path: req.url ?? '', host: req.headers.host ?? '', method: req.method ?? '', body: body.toString(), at: Date.now() });
  if (then) then(res);
  else res.end(`${name} answer`);
  return true;
};

const VS = `apiVersion: networking.istio.io/v1beta1
kind: VirtualService
metadata: {name: web, namespace: default}
spec:
  hosts: [web]
  http:
  - match: [{uri: {prefix: /all}}]
    route: [{destination: {host: web}}]
    mirror: {host: shadow}
  - match: [{uri: {prefix: /quarter}}]
    route: [{destination: {host: web}}]
    mirror: {host: shadow}
    mirrorPercentage: {value: 25}
  - match: [{uri: {prefix: /slow}}]
    route: [{destination: {host: web}}]
    mirror: {host: slow}
  - match: [{uri: {prefix: /broken}}]
    route: [{destination: {host: web}}]
    mirror: {host: broken}
  - match: [{uri: {prefix: /down}}]
    route: [{destination: {host: web}}]
    mirror: {host: down}
  - route: [{destination: {host: web}}]
---
apiVersion: networking.istio.io/v1beta1
kind: VirtualService
metadata: {name: api, namespace: default}
spec:
  hosts: [api]
  http:
  - match: [{uri: {prefix: /strict}}]
    corsPolicy:
      allowOrigins:
      - {exact: "https://app.example.com"}
      - {prefix: "https://dev."}
      - {regex: "https://[a-z]+\\\\.corp\\\\.example"}
      allowMethods: [GET, POST, PATCH]
      allowHeaders: [authorization, x-custom]
      exposeHeaders: [x-trace, x-total]
      maxAge: 24h
      allowCredentials: true
    route: [{destination: {host: api}}]
  - match: [{uri: {prefix: /any}}]
    corsPolicy:
      allowOrigins: [{exact: "*"}]
      allowMethods: ["*"]
      allowHeaders: ["*"]
    route: [{destination: {host: api}}]
  - match: [{uri: {prefix: /ignore}}]
    corsPolicy:
      allowOrigins: [{exact: "https://app.example.com"}]
      allowMethods: [GET]
      unmatchedPreflights: IGNORE
    route: [{destination: {host: api}}]
`;

before(async () => {
  u.web = await upstream('web', '127.0.85.10');
  u.shadow = await upstream('shadow', '127.0.85.11', record('shadow'));
  u.slow = await upstream('slow', '127.0.85.12', record('slow', (res) => setTimeout(() => res.end('late'), 3000)));
  u.broken = await upstream('broken', '127.0.85.13', record('broken', (res) => res.socket?.destroy()));
  u.api = await upstream('api', '127.0.85.14', (_req, res) => { res.setHeader('x-trace', 't-1'); return false; });
  // `down`: a WorkloadEntry on a port nothing listens on (connection refused).
  const down = await upstream('down', '127.0.85.15');
  const downPort = down.port;
  await new Promise<void>((r) => down.server.close(() => r()));
  const yaml = [
    serviceYaml('web', 8080, [{ u: u.web, labels: {} }]),
    serviceYaml('shadow', 8080, [{ u: u.shadow, labels: {} }]),
    serviceYaml('slow', 8080, [{ u: u.slow, labels: {} }]),
    serviceYaml('broken', 8080, [{ u: u.broken, labels: {} }]),
    serviceYaml('down', 8080, [{ u: { ...down, port: downPort }, labels: {} }]),
    serviceYaml('api', 8080, [{ u: u.api, labels: {} }]),
    VS, CLIENT_ENTRY(IP),
  ].join('---\n');
  mesh = await startMesh(yaml, { ip: IP }, Object.values(u));
});

after(async () => {
  await mesh?.close();
});

test('mirror: the copy reaches the mirror, the client gets the primary\'s answer', { timeout: 10_000 }, async () => {
  const r = await send(mesh.explicit, 'http://web:8080/all/items?q=1', { method: 'POST', headers: { 'content-type': 'text/plain', 'x-mark': 'm1' }, body: 'payload-1', fresh: true });
  assert.equal(r.status, 200);
  const j = JSON.parse(r.body) as { name: string; path: string; body: string };
  assert.equal(j.name, 'web', 'the client sees the primary only');
  assert.equal(j.body, 'payload-1');
  await waitFor('the mirrored copy', () => seen.shadow!.length === 1, 3000);
  const copy = seen.shadow![0]!;
  assert.equal(copy.method, 'POST');
  assert.equal(copy.path, '/all/items?q=1');
  assert.equal(copy.body, 'payload-1');
  // Istio's compiled mirror policy keeps the Host (disableShadowHostSuffixAppend: true).
  assert.equal(copy.host, 'web:8080');
  assert.ok(mesh.proxy.stats.get('cluster.outbound|8080||shadow.default.svc.cluster.local.upstream_rq_shadow') >= 1 ||
    mesh.proxy.stats.store.get('cluster.outbound|8080||shadow.default.svc.cluster.local.upstream_rq_shadow') !== undefined);
});

test('mirrorPercentage 25: about a quarter of the requests are mirrored, all answered by the primary', { timeout: 15_000 }, async () => {
  const before = seen.shadow!.length;
  const n = 200;
  for (let i = 0; i < n; i += 20) {
    const batch = await Promise.all(Array.from({ length: 20 }, (_, k) => get(mesh.explicit, `http://web:8080/quarter/${i + k}`)));
    for (const r of batch) {
      assert.equal(r.status, 200);
      assert.equal(r.json?.name, 'web');
    }
  }
  await new Promise((r) => setTimeout(r, 300));
  const mirrored = seen.shadow!.length - before;
  assert.ok(mirrored >= 25 && mirrored <= 80, `mirrored ${mirrored} of ${n}`);
});

test('a slow, resetting or unreachable mirror never delays or fails the client', { timeout: 15_000 }, async () => {
  for (const path of ['/slow/1', '/broken/1', '/down/1', '/slow/2', '/broken/2', '/down/2']) {
    const t0 = Date.now();
    const r = await get(mesh.explicit, `http://web:8080${path}`);
    const ms = Date.now() - t0;
    assert.equal(r.status, 200, `${path}: ${r.body}`);
    assert.equal(r.json?.name, 'web');
    assert.equal(r.json?.path, path);
    assert.ok(ms < 1000, `${path} took ${ms} ms (the slow mirror answers after 3 s)`);
  }
  await waitFor('the slow and broken mirrors to get their copies', () => seen.slow!.length === 2 && seen.broken!.length === 2, 3000);
  // The proxy is still healthy afterwards.
  assert.equal((await get(mesh.explicit, 'http://web:8080/after')).status, 200);
});

test('Envoy\'s default (disableShadowHostSuffixAppend false): the mirror gets the host suffixed -shadow before the port', { timeout: 10_000 }, async () => {
  // The same compiled config with the flag turned off, served by a second data path.
  const cur = mesh.proxy.xds.current();
  const rc = JSON.parse(JSON.stringify(cur.routes.get('8080')!.config)) as RouteConfiguration;
  let patched = 0;
  for (const vh of rc.virtualHosts ?? []) {
    for (const r of vh.routes ?? []) {
      for (const m of r.route?.requestMirrorPolicies ?? []) { m.disableShadowHostSuffixAppend = false; patched++; }
    }
  }
  assert.ok(patched > 0);
  const applied = cur.apply({ typeUrl: TypeUrl.RouteConfiguration, versionInfo: 'suffix', resources: [rc] });
  assert.ok(applied.ok, applied.ok ? '' : applied.error);
  const snap = applied.snapshot;
  const ip = '127.0.85.2';
  const dp: RunningDataPlane = await startDataPlane({
    type: 'sidecar', ip, outbound: 'explicit', stats: new ProxyStats(), log: () => {},
    xds: { current: () => snap, onSwap: () => () => {}, ready: () => Promise.resolve() },
  });
  try {
    await dp.started;
    const before = seen.shadow!.length;
    const r = await get({ ip, port: 15001 }, 'http://web:8080/all/suffix');
    assert.equal(r.json?.name, 'web');
    await waitFor('the copy', () => seen.shadow!.length === before + 1, 3000);
    assert.equal(seen.shadow!.at(-1)!.host, 'web-shadow:8080');
  } finally {
    await dp.close();
  }
});

const request = (method: string, path: string, headers: Record<string, string>) => send(mesh.explicit, `http://api:8080${path}`, { method, headers, fresh: true });

const preflight = (path: string, origin: string, method = 'PATCH', extra: Record<string, string> = {}) =>
  request('OPTIONS', path, { origin, 'access-control-request-method': method, ...extra });

test('CORS preflight from allowed origins (exact, prefix, regex) is answered by the proxy', { timeout: 10_000 }, async () => {
  const hits = u.api!.hits;
  for (const origin of ['https://app.example.com', 'https://dev.example.org', 'https://team.corp.example']) {
    const r = await preflight('/strict/x', origin, 'PATCH', { 'access-control-request-headers': 'x-custom' });
    assert.equal(r.status, 200, `${origin}: ${r.body}`);
    assert.equal(r.headers['access-control-allow-origin'], origin);
    assert.equal(r.headers['access-control-allow-methods'], 'GET,POST,PATCH');
    assert.equal(r.headers['access-control-allow-headers'], 'authorization,x-custom');
    assert.equal(r.headers['access-control-max-age'], '86400');
    assert.equal(r.headers['access-control-allow-credentials'], 'true');
    assert.equal(r.headers['access-control-expose-headers'], undefined, 'expose-headers is for actual responses');
    assert.equal(r.body, '');
  }
  assert.equal(u.api!.hits, hits, 'preflights are not forwarded');
});

test('CORS preflight from an origin that does not match is forwarded, without CORS headers', { timeout: 10_000 }, async () => {
  for (const origin of ['https://evil.example.com', 'https://team.corp.example.com', 'http://app.example.com']) {
    const hits = u.api!.hits;
    const r = await preflight('/strict/x', origin);
    assert.equal(u.api!.hits, hits + 1, `${origin} was forwarded`);
    assert.equal(r.status, 200);
    assert.equal(JSON.parse(r.body).name, 'api');
    assert.equal(r.headers['access-control-allow-origin'], undefined, origin);
    assert.equal(r.headers['access-control-allow-methods'], undefined, origin);
  }
});

test('CORS with unmatchedPreflights IGNORE: an unmatched preflight is answered here, without allow-origin', { timeout: 10_000 }, async () => {
  const hits = u.api!.hits;
  const r = await preflight('/ignore/x', 'https://evil.example.com', 'GET');
  assert.equal(r.status, 200);
  assert.equal(u.api!.hits, hits, 'not forwarded');
  assert.equal(r.headers['access-control-allow-origin'], undefined);
  assert.equal(r.headers['access-control-allow-methods'], 'GET');
  const ok = await preflight('/ignore/x', 'https://app.example.com', 'GET');
  assert.equal(ok.headers['access-control-allow-origin'], 'https://app.example.com');
});

test('CORS with "*": any origin is allowed and echoed; methods and headers echo the request', { timeout: 10_000 }, async () => {
  const r = await preflight('/any/x', 'https://whoever.example', 'DELETE', { 'access-control-request-headers': 'x-a,x-b' });
  assert.equal(r.status, 200);
  assert.equal(r.headers['access-control-allow-origin'], 'https://whoever.example');
  assert.equal(r.headers['access-control-allow-methods'], 'DELETE');
  assert.equal(r.headers['access-control-allow-headers'], 'x-a,x-b');
  assert.equal(r.headers['access-control-allow-credentials'], undefined);
  const simple = await request('GET', '/any/y', { origin: 'https://whoever.example' });
  assert.equal(simple.headers['access-control-allow-origin'], 'https://whoever.example');
});

test('CORS simple requests: allow-origin, expose-headers and credentials on the upstream\'s response', { timeout: 10_000 }, async () => {
  const r = await request('GET', '/strict/data', { origin: 'https://app.example.com' });
  assert.equal(r.status, 200);
  assert.equal(JSON.parse(r.body).name, 'api');
  assert.equal(r.headers['x-trace'], 't-1');
  assert.equal(r.headers['access-control-allow-origin'], 'https://app.example.com');
  assert.equal(r.headers['access-control-expose-headers'], 'x-trace,x-total');
  assert.equal(r.headers['access-control-allow-credentials'], 'true');
  assert.equal(r.headers['access-control-allow-methods'], undefined);
  assert.equal(r.headers['access-control-max-age'], undefined);
  // An OPTIONS request that is not a preflight (no Access-Control-Request-Method) is a simple one.
  const opt = await request('OPTIONS', '/strict/data', { origin: 'https://app.example.com' });
  assert.equal(JSON.parse(opt.body).name, 'api');
  assert.equal(opt.headers['access-control-allow-origin'], 'https://app.example.com');
  const bad = await request('GET', '/strict/data', { origin: 'https://evil.example.com' });
  assert.equal(bad.status, 200);
  assert.equal(bad.headers['access-control-allow-origin'], undefined);
  assert.equal(bad.headers['access-control-expose-headers'], undefined);
  const none = await request('GET', '/strict/data', {});
  assert.equal(none.headers['access-control-allow-origin'], undefined);
});
