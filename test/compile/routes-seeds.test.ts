/**
 * The route compiler on the seed scenarios (examples/001, 002, 003): requests simulated through
 * the compiled RouteConfigurations land on the clusters, rewrites and policies the guides show.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileRoutes } from '../../src/compile/routes/index.js';
import type { RouteConfiguration } from '../../src/api/envoy/route.js';
import type { Proxy, Snapshot } from '../../src/model/types.js';
import { proxyFor, snapshotFrom } from '../helpers/snapshot.js';
import { simulate, target } from './proxy-adapters.js';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const EX001 = 'examples/001-sidecar-canary';
const EX002 = 'examples/002-traffic-management';
const EX003 = 'examples/003-ingress-uri-routing';

function routeConfig(snap: Snapshot, proxy: Proxy, name: string): RouteConfiguration {
  const rc = compileRoutes(snap, proxy).find((r) => r.name === name);
  assert.ok(rc, `route configuration ${name} among ${compileRoutes(snap, proxy).map((r) => r.name).join(', ')}`);
  return rc;
}

test('seed 001: /canary goes to subset v11 rewritten to /, the rest to v10', () => {
  const snap = snapshotFrom([EX001]);
  const rc = routeConfig(snap, proxyFor(snap, 'default/proxy'), '8080');
  const canary = simulate(rc, { host: 'demoapp:8080', path: '/canary' });
  assert.equal(canary.virtualHost?.name, 'demoapp.default.svc.cluster.local:8080');
  assert.equal(target(canary.route), 'outbound|8080|v11|demoapp.default.svc.cluster.local');
  assert.equal(canary.route?.route?.prefixRewrite, '/');
  assert.equal(canary.route?.name, 'canary');
  assert.equal(canary.route?.metadata?.filterMetadata?.istio?.config, '/apis/networking.istio.io/v1/namespaces/default/virtual-service/demoapp');
  const root = simulate(rc, { host: 'demoapp', path: '/' });
  assert.equal(target(root.route), 'outbound|8080|v10|demoapp.default.svc.cluster.local');
  assert.equal(root.route?.route?.prefixRewrite, undefined);
  // every Host form Istio generates reaches the same virtual host
  for (const host of ['demoapp.default.svc.cluster.local', 'demoapp.default.svc.cluster.local.', 'demoapp.default', 'demoapp.default.svc:8080']) {
    assert.equal(simulate(rc, { host, path: '/x' }).virtualHost?.name, 'demoapp.default.svc.cluster.local:8080', host);
  }
  // unknown hosts pass through (ALLOW_ANY)
  const other = simulate(rc, { host: 'example.com', path: '/' });
  assert.equal(other.virtualHost?.name, 'allow_any');
  assert.equal(target(other.route), 'PassthroughCluster');
});

test('seed 001 step 01: the weight-based VirtualService splits 90/10', () => {
  const snap = snapshotFrom([EX001, `${EX001}/steps/01-weight-based-routing`]);
  const rc = routeConfig(snap, proxyFor(snap, 'default/proxy'), '8080');
  const r = simulate(rc, { host: 'demoapp:8080', path: '/anything' }).route;
  assert.deepEqual(r?.route?.weightedClusters?.clusters.map((c) => [c.name, c.weight]), [
    ['outbound|8080|v10|demoapp.default.svc.cluster.local', 90],
    ['outbound|8080|v11|demoapp.default.svc.cluster.local', 10],
  ]);
  assert.equal(r?.decorator?.operation, 'demoapp:8080/*');
});

test('seed 001 steps 02/03: the client Sidecar keeps only 8080; REGISTRY_ONLY blocks, ALLOW_ANY passes', () => {
  const blocked = snapshotFrom([EX001, `${EX001}/steps/02-sidecar-registry-only`]);
  const client = proxyFor(blocked, 'default/client');
  assert.deepEqual(compileRoutes(blocked, client).map((r) => r.name), ['8080']);
  const rc = routeConfig(blocked, client, '8080');
  assert.equal(target(simulate(rc, { host: 'demoapp:8080', path: '/canary' }).route), 'outbound|8080|v11|demoapp.default.svc.cluster.local');
  const other = simulate(rc, { host: 'proxy', path: '/' });
  assert.equal(other.virtualHost?.name, 'block_all');
  assert.equal(target(other.route), 'direct:502');

  const open = snapshotFrom([EX001, `${EX001}/steps/03-sidecar-allow-any`]);
  const rc2 = routeConfig(open, proxyFor(open, 'default/client'), '8080');
  assert.equal(simulate(rc2, { host: 'proxy', path: '/' }).virtualHost?.name, 'allow_any');
});

test('seed 001: the ingress gateway publishes fe.toptops.top on http.8080', () => {
  const snap = snapshotFrom([EX001]);
  const rc = routeConfig(snap, proxyFor(snap, 'istio-system/istio-ingressgateway'), 'http.8080');
  const res = simulate(rc, { host: 'fe.toptops.top', path: '/' });
  assert.equal(res.virtualHost?.name, 'fe.toptops.top:80');
  assert.equal(target(res.route), 'outbound|80||proxy.default.svc.cluster.local');
});

test('seed 003: http.8080, virtual host simple.baihl.io:80, URI routes with rewrites', () => {
  const snap = snapshotFrom([EX003]);
  const gw = proxyFor(snap, 'istio-system/istio-ingressgateway');
  const all = compileRoutes(snap, gw);
  assert.deepEqual(all.map((r) => r.name), ['http.8080']);
  const rc = all[0]!;
  assert.equal(rc.ignorePortInHostMatching, true);
  assert.deepEqual(rc.virtualHosts?.map((v) => [v.name, v.domains]), [['simple.baihl.io:80', ['simple.baihl.io']]]);

  const httpserver = simulate(rc, { host: 'simple.baihl.io', path: '/simple/httpserver' }).route;
  assert.equal(httpserver?.match.path, '/simple/httpserver');
  assert.equal(target(httpserver), 'outbound|80||simple.simple.svc.cluster.local');
  assert.equal(httpserver?.route?.prefixRewrite, '/hello');
  // exact match: a longer path does not match it
  assert.equal(simulate(rc, { host: 'simple.baihl.io', path: '/simple/httpserver/x' }).route, undefined);

  const nginx = simulate(rc, { host: 'simple.baihl.io:80', path: '/simple/nginx/index.html' }).route;
  assert.equal(nginx?.match.prefix, '/simple/nginx');
  assert.equal(target(nginx), 'outbound|80||nginx.simple.svc.cluster.local');
  assert.equal(nginx?.route?.prefixRewrite, '/');
  assert.equal(nginx?.decorator?.operation, 'nginx.simple.svc.cluster.local:80/simple/nginx*');
  assert.equal(nginx?.metadata?.filterMetadata?.istio?.config, '/apis/networking.istio.io/v1/namespaces/simple/virtual-service/simple');

  assert.equal(simulate(rc, { host: 'other.io', path: '/simple/nginx' }).virtualHost, undefined);
});

// The guide shows no Bookinfo workloads; its VirtualServices assume them, so add the Services.
const BOOKINFO = `
apiVersion: v1
kind: Service
metadata: {name: reviews, namespace: default}
spec:
  selector: {app: reviews}
  ports: [{name: http, port: 9080}]
---
apiVersion: v1
kind: Service
metadata: {name: ratings, namespace: default}
spec:
  selector: {app: ratings}
  ports: [{name: http, port: 9080}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: productpage, namespace: default}
spec:
  selector: {matchLabels: {app: productpage}}
  template:
    metadata: {labels: {app: productpage}}
    spec: {containers: [{name: app, image: productpage}]}
`;

// snapshotFrom takes YAML text or paths; the Bookinfo objects go in a temporary file.
const BOOKINFO_FILE = join(mkdtempSync(join(tmpdir(), 'trellis-routes-')), 'bookinfo.yaml');
writeFileSync(BOOKINFO_FILE, BOOKINFO);

function seed002(step?: string): { snap: Snapshot; rc: RouteConfiguration } {
  const snap = snapshotFrom([EX002, ...(step ? [`${EX002}/steps/${step}`] : []), BOOKINFO_FILE]);
  return { snap, rc: routeConfig(snap, proxyFor(snap, 'default/productpage'), '9080') };
}

test('seed 002: header end-user: jason goes to reviews v2, everyone else to v3', () => {
  const { rc } = seed002();
  const jason = simulate(rc, { host: 'reviews:9080', path: '/reviews/1', headers: { 'end-user': 'jason' } });
  assert.equal(jason.virtualHost?.name, 'reviews.default.svc.cluster.local:9080');
  assert.deepEqual(jason.route?.match.headers, [{ name: 'end-user', stringMatch: { exact: 'jason' } }]);
  assert.equal(target(jason.route), 'outbound|9080|v2|reviews.default.svc.cluster.local');
  const other = simulate(rc, { host: 'reviews', path: '/reviews/1', headers: { 'end-user': 'mike' } });
  assert.equal(target(other.route), 'outbound|9080|v3|reviews.default.svc.cluster.local');
  // ratings: 10 s timeout
  const ratings = simulate(rc, { host: 'ratings', path: '/' }).route;
  assert.equal(target(ratings), 'outbound|9080|v1|ratings.default.svc.cluster.local');
  assert.equal(ratings?.route?.timeout, '10s');
  assert.equal(ratings?.route?.maxGrpcTimeout, '10s');
});

test('seed 002 step 01: jason → v2, /reviews → 90/10 v1/v2, rest → v3', () => {
  const { rc } = seed002('01-reviews-weighted');
  assert.equal(target(simulate(rc, { host: 'reviews', path: '/reviews', headers: { 'end-user': 'jason' } }).route),
    'outbound|9080|v2|reviews.default.svc.cluster.local');
  assert.equal(target(simulate(rc, { host: 'reviews', path: '/reviews/2' }).route),
    'outbound|9080|v1|reviews.default.svc.cluster.local=90,outbound|9080|v2|reviews.default.svc.cluster.local=10');
  assert.equal(target(simulate(rc, { host: 'reviews', path: '/health' }).route), 'outbound|9080|v3|reviews.default.svc.cluster.local');
});

test('seed 002 step 02: retries land in the route', () => {
  const { rc } = seed002('02-ratings-retries');
  const r = simulate(rc, { host: 'ratings', path: '/' }).route;
  assert.equal(r?.route?.retryPolicy?.numRetries, 3);
  assert.equal(r?.route?.retryPolicy?.perTryTimeout, '2s');
  assert.equal(r?.route?.retryPolicy?.retryOn, 'connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes');
  assert.equal(r?.route?.timeout, '0s');
});

test('seed 002 steps 03/04: fault delay and abort land in the route', () => {
  const delay = simulate(seed002('03-ratings-fault-delay').rc, { host: 'ratings', path: '/' }).route;
  assert.deepEqual(delay?.typedPerFilterConfig?.['envoy.filters.http.fault'], {
    '@type': 'type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault',
    delay: { fixedDelay: '5s', percentage: { numerator: 500000, denominator: 'MILLION' } },
  });
  const abort = simulate(seed002('04-ratings-fault-abort').rc, { host: 'ratings', path: '/' }).route;
  assert.deepEqual(abort?.typedPerFilterConfig?.['envoy.filters.http.fault'], {
    '@type': 'type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault',
    abort: { httpStatus: 500, percentage: { numerator: 1000000, denominator: 'MILLION' } },
  });
});

test('seed 002: demo-gateway redirects port 80 to HTTPS and serves 443 as plain HTTP', () => {
  const { snap } = seed002();
  const gw = proxyFor(snap, 'istio-system/istio-ingressgateway');
  const names = compileRoutes(snap, gw).map((r) => r.name);
  assert.deepEqual(names, ['http.8080', 'http.8443']);
  const rc80 = routeConfig(snap, gw, 'http.8080');
  const vh = simulate(rc80, { host: 'anything.example', path: '/' }).virtualHost;
  assert.equal(vh?.name, '*:80');
  assert.equal(vh?.requireTls, 'ALL');
  // VirtualService bookinfo (bookinfo-routing.yaml, added for Bookinfo) is bound to demo-gateway: 443 serves productpage
  const rc443 = routeConfig(snap, gw, 'http.8443');
  assert.deepEqual(rc443.virtualHosts?.map((v) => [v.name, v.domains]), [['*:443', ['*']]]);
  assert.equal(target(simulate(rc443, { host: 'anything.example', path: '/' }).route), 'outbound|9080||productpage.default.svc.cluster.local');
});
