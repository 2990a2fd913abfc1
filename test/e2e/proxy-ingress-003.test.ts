/**
 * Seed 003 (ingress host and URI routing with rewrites), end to end: the example's files as they
 * are in examples/003-ingress-uri-routing, served by the real control plane to a Trellis proxy
 * running as the ingress gateway (`router`, labels `istio: ingressgateway`); Gateway server port
 * 80 is the gateway's listener 8080 (the built-in Service maps 80 → 8080, as the guide's
 * `0.0.0.0 8080 ALL Route: http.8080`). Two small HTTP servers stand in for the apps at the
 * workload addresses the registry gives `simple-0` and `nginx-deployment-0` (port 80). The
 * guide's curls: `Host: simple.baihl.io` `/simple/httpserver` reaches the httpserver as `/hello`,
 * `/simple/nginx` reaches nginx as `/`; other hosts and URIs get 404 (NR).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../helpers/shared.js';
import { send, startMesh, upstream, waitFor, type Mesh, type Upstream } from './helpers/proxy-harness.js';

const EXAMPLE = join(REPO_ROOT, 'examples/003-ingress-uri-routing');
// A gateway address of its own (the built-in one, 127.0.10.1, is what `trellis up` binds).
const GW_IP = '127.0.83.1';
let mesh: Mesh;
const apps: Upstream[] = [];

before(async () => {
  const yaml = readdirSync(EXAMPLE).filter((f) => f.endsWith('.yaml')).sort()
    .map((f) => readFileSync(join(EXAMPLE, f), 'utf8')).join('\n---\n');
  mesh = await startMesh(yaml, {
    ip: GW_IP, type: 'router', name: 'istio-ingressgateway-0', namespace: 'istio-system', workloadName: 'istio-ingressgateway',
    labels: { app: 'istio-ingressgateway', istio: 'ingressgateway' }, serviceAccount: 'istio-ingressgateway-service-account',
  });
  const workloads = mesh.cp.snapshot().registry.workloads;
  for (const [pod, name] of [['simple-0', 'httpserver'], ['nginx-deployment-0', 'nginx']] as const) {
    const w = workloads.find((x) => x.namespace === 'simple' && x.podName === pod);
    assert.ok(w, `the registry has no workload ${pod}: ${workloads.map((x) => `${x.namespace}/${x.podName}`).join(', ')}`);
    apps.push(await upstream(name, w.address, undefined, 80));
  }
  await waitFor('listener 0.0.0.0_8080 bound', () => mesh.proxy.listeners.bound().get('0.0.0.0_8080') === `${GW_IP}:8080`);
});

after(async () => {
  await mesh?.close();
  await Promise.all(apps.map((u) => new Promise<void>((r) => { u.server.closeAllConnections(); u.server.close(() => r()); })));
});

/** The guide's `curl -H "Host: simple.baihl.io" $INGRESS_IP/PATH`. */
const curl = (path: string, host = 'simple.baihl.io') => send({ ip: GW_IP, port: 8080 }, path, { headers: { host }, fresh: true });

test('seed 003: /simple/httpserver (exact) reaches the httpserver as /hello', { timeout: 10_000 }, async () => {
  const r = await curl('/simple/httpserver');
  assert.equal(r.status, 200, `${r.body}\n${mesh.access.join('\n')}`);
  assert.equal(r.json?.name, 'httpserver');
  assert.equal(r.json?.path, '/hello');
  assert.equal(r.json?.headers['host'], 'simple.baihl.io');
  assert.equal(r.json?.headers['x-envoy-original-path'], '/simple/httpserver');
  // The gateway's virtual host sets includeRequestAttemptCount (the guide's route dump).
  assert.equal(r.json?.headers['x-envoy-attempt-count'], '1');
  const line = mesh.access.find((l) => l.includes('"GET /simple/httpserver HTTP/1.1" 200'));
  assert.ok(line?.includes('outbound|80||simple.simple.svc.cluster.local'), `access log: ${mesh.access.join('\n')}`);
  assert.ok(line?.includes(`${apps[0]!.address}:80`), line);
});

test('seed 003: the exact match does not take longer paths; the port in Host is ignored', { timeout: 10_000 }, async () => {
  const longer = await curl('/simple/httpserver/x');
  assert.equal(longer.status, 404);
  const withPort = await curl('/simple/httpserver', 'simple.baihl.io:80');
  assert.equal(withPort.status, 200);
  assert.equal(withPort.json?.path, '/hello');
});

test('seed 003: /simple/nginx (prefix) reaches nginx with the prefix rewritten to /', { timeout: 10_000 }, async () => {
  const r = await curl('/simple/nginx');
  assert.equal(r.status, 200, r.body);
  assert.equal(r.json?.name, 'nginx');
  assert.equal(r.json?.path, '/');
  assert.equal(r.json?.headers['x-envoy-original-path'], '/simple/nginx');
  const q = await curl('/simple/nginx?x=1');
  assert.equal(q.json?.path, '/?x=1');
  // Envoy's prefix_rewrite replaces exactly the matched prefix: the rest is kept as it is.
  const sub = await curl('/simple/nginx/index.html');
  assert.equal(sub.json?.name, 'nginx');
  assert.equal(sub.json?.path, '//index.html');
  const suffix = await curl('/simple/nginxfoo');
  assert.equal(suffix.json?.name, 'nginx', 'a prefix match is a string prefix, not a path segment');
  assert.equal(suffix.json?.path, '/foo');
});

test('seed 003: other URIs and other hosts get 404 with flag NR', { timeout: 10_000 }, async () => {
  assert.equal((await curl('/')).status, 404);
  assert.equal((await curl('/simple')).status, 404);
  assert.equal((await curl('/simple/nginx', 'other.baihl.io')).status, 404);
  await waitFor('the NR line', () => mesh.access.some((l) => l.includes('"GET /simple HTTP/1.1" 404 NR')), 2000)
    .catch(() => assert.fail(mesh.access.join('\n')));
  assert.equal(apps[0]!.hits + apps[1]!.hits, 6, 'only the routed requests reached the apps');
});
