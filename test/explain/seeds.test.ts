/**
 * The acceptance scenarios, through the explain engine's JSON: one request walked from a
 * workload through its compiled config with the data plane's matchers (seeds 000–003).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { explainRequest, type ExplainOptions } from '../../src/cli/explain/engine.js';
import type { Explanation } from '../../src/cli/explain/types.js';
import { compileProxy } from '../../src/compile/index.js';
import { proxyFor, snapshotFrom } from '../helpers/snapshot.js';
import { runCli } from '../helpers/cli.js';

const EX000 = 'examples/000-external-services';
const EX001 = 'examples/001-sidecar-canary';
const EX002 = 'examples/002-traffic-management';
const EX003 = 'examples/003-ingress-uri-routing';

function explain(paths: string[], who: string, url: string, opts?: ExplainOptions): Explanation {
  const snap = snapshotFrom(paths);
  return explainRequest(snap, proxyFor(snap, who), url, opts);
}

const V10 = 'outbound|8080|v10|demoapp.default.svc.cluster.local';
const V11 = 'outbound|8080|v11|demoapp.default.svc.cluster.local';

test('seed 001: proxy → demoapp:8080/canary goes to v11 rewritten to /', () => {
  const ex = explain([EX001], 'default/proxy', 'http://demoapp:8080/canary');
  assert.equal(ex.acceptedBy, 'virtualOutbound');
  assert.equal(ex.listener, '0.0.0.0_8080');
  assert.equal(ex.routeConfiguration, '8080');
  assert.equal(ex.virtualHost, 'demoapp.default.svc.cluster.local:8080');
  assert.equal(ex.route?.name, 'canary');
  assert.equal(ex.route?.source?.kind, 'VirtualService');
  assert.match(ex.route?.source?.file ?? '', /virtualservice-demoapp\.yaml$/);
  assert.equal(ex.outcome.kind, 'forwarded');
  assert.equal(ex.outcome.cluster, V11);
  assert.equal(ex.rewrite?.path, '/');
  assert.equal(ex.cluster?.subset, 'v11');
  assert.equal(ex.cluster?.destinationRule?.name, 'demoapp');
  assert.ok(ex.endpoints.length > 0 && ex.endpoints.every((e) => e.workload === 'demoappv11.default'));
});

test('seed 001: proxy → demoapp:8080/ goes to v10, saying why canary did not match', () => {
  const ex = explain([EX001], 'default/proxy', 'http://demoapp:8080/');
  assert.equal(ex.outcome.cluster, V10);
  assert.equal(ex.rewrite?.path, '/');
  assert.deepEqual(ex.skippedRoutes.map((s) => [s.name, s.reasons]), [['canary', ['prefix "/canary" does not match "/"']]]);
  assert.ok(ex.endpoints.every((e) => e.workload === 'demoappv10.default'));
});

test('seed 001 step 01: weight-based routing splits 90/10 and both outcomes occur', () => {
  const paths = [EX001, `${EX001}/steps/01-weight-based-routing`];
  const low = explain(paths, 'default/proxy', 'http://demoapp:8080/', { random: 0 });
  assert.deepEqual(low.weightedClusters?.clusters, [{ name: V10, weight: 90 }, { name: V11, weight: 10 }]);
  assert.equal(low.weightedClusters?.totalWeight, 100);
  assert.equal(low.outcome.cluster, V10);
  assert.equal(explain(paths, 'default/proxy', 'http://demoapp:8080/', { random: 89 }).outcome.cluster, V10);
  assert.equal(explain(paths, 'default/proxy', 'http://demoapp:8080/', { random: 95 }).outcome.cluster, V11);
  assert.equal(explain(paths, 'default/proxy', 'http://demoapp:8080/', { random: 190 }).outcome.cluster, V11);
  assert.ok(low.clusters.includes(V10) && low.clusters.includes(V11));
});

test('seed 001 step 02: REGISTRY_ONLY client has only 8080 + virtual listeners and proxy:80 is blocked', () => {
  const paths = [EX001, `${EX001}/steps/02-sidecar-registry-only`];
  const snap = snapshotFrom(paths);
  assert.deepEqual(compileProxy(snap, proxyFor(snap, 'default/client')).listeners.map((l) => l.name), ['0.0.0.0_8080', 'virtualOutbound', 'virtualInbound']);
  const ok = explain(paths, 'default/client', 'http://demoapp:8080/');
  assert.equal(ok.listener, '0.0.0.0_8080');
  assert.equal(ok.outcome.cluster, V10);
  const ex = explain(paths, 'default/client', 'http://proxy:80/');
  assert.equal(ex.acceptedBy, undefined);
  assert.equal(ex.listener, 'virtualOutbound');
  assert.equal(ex.outcome.kind, 'blocked');
  assert.equal(ex.outcome.cluster, 'BlackHoleCluster');
  assert.match(ex.outcome.message, /REGISTRY_ONLY/);
  assert.match(ex.outcome.message, /Sidecar default\/client \(.*sidecar-demo\.yaml:\d+/);
  assert.ok(ex.clusters.includes('BlackHoleCluster'));
  const blocked = ex.steps.find((s) => s.step === 'blocked');
  assert.equal(blocked?.source?.kind, 'Sidecar');
  assert.equal(blocked?.source?.name, 'client');
  // An external host gets a ServiceEntry suggestion.
  const ext = explain(paths, 'default/client', 'http://api.example.com:8080/');
  assert.equal(ext.outcome.kind, 'blocked');
  assert.equal(ext.virtualHost, 'block_all');
  assert.equal(ext.outcome.status, 502);
  assert.ok(ext.outcome.suggestions?.some((s) => s.includes('kind: ServiceEntry') && s.includes('- api.example.com') && s.includes('number: 8080')));
});

test('seed 001 step 03: ALLOW_ANY passes proxy:80 through', () => {
  const ex = explain([EX001, `${EX001}/steps/03-sidecar-allow-any`], 'default/client', 'http://proxy:80/');
  assert.equal(ex.listener, 'virtualOutbound');
  assert.equal(ex.outcome.kind, 'passthrough');
  assert.equal(ex.outcome.cluster, 'PassthroughCluster');
  assert.deepEqual(ex.endpoints.map((e) => e.port), [80]);
});

test('seed 003: the ingress gateway routes /simple/httpserver and /simple/nginx with rewrites', () => {
  const gw = 'istio-system/istio-ingressgateway';
  const a = explain([EX003], gw, 'http://simple.baihl.io/simple/httpserver');
  assert.equal(a.destination.port, 8080);
  assert.equal(a.listener, '0.0.0.0_8080');
  assert.equal(a.routeConfiguration, 'http.8080');
  assert.equal(a.virtualHost, 'simple.baihl.io:80');
  assert.equal(a.route?.match, 'path "/simple/httpserver"');
  assert.equal(a.outcome.cluster, 'outbound|80||simple.simple.svc.cluster.local');
  assert.equal(a.rewrite?.path, '/hello');
  const b = explain([EX003], gw, 'http://simple.baihl.io/simple/nginx/index.html');
  assert.equal(b.route?.match, 'prefix "/simple/nginx"');
  assert.equal(b.outcome.cluster, 'outbound|80||nginx.simple.svc.cluster.local');
  assert.equal(b.rewrite?.path, '//index.html');
  assert.equal(explain([EX003], gw, 'http://simple.baihl.io/simple/nginx').rewrite?.path, '/');
  // exact match: a longer path is a 404 naming the closest route
  const miss = explain([EX003], gw, 'http://simple.baihl.io/simple/httpserverx');
  assert.equal(miss.outcome.status, 404);
  assert.equal(miss.outcome.responseFlag, 'NR');
  assert.match(miss.outcome.message, /VirtualService simple\/simple/);
});

// Seed 000 has no client workload; add one (a Deployment in default).
const CLIENT = join(mkdtempSync(join(tmpdir(), 'trellis-explain-')), 'client.yaml');
writeFileSync(CLIENT, `apiVersion: apps/v1
kind: Deployment
metadata: {name: sleep, namespace: default}
spec:
  selector: {matchLabels: {app: sleep}}
  template:
    metadata: {labels: {app: sleep}}
    spec: {containers: [{name: sleep, image: curlimages/curl}]}
`);

test('seed 000: ServiceEntry ngx.hj.com STATIC with ring hash on x-user, circuit breakers and outlier detection', () => {
  const ex = explain([EX000, CLIENT], 'default/sleep', 'http://ngx.hj.com/', { headers: { 'x-user': 'u1' } });
  assert.equal(ex.destination.address, '127.0.0.25');
  assert.equal(ex.outcome.kind, 'forwarded');
  assert.equal(ex.outcome.cluster, 'outbound|80||ngx.hj.com');
  assert.equal(ex.cluster?.lbPolicy, 'RING_HASH');
  assert.deepEqual(ex.cluster?.hashPolicy, [{ header: { headerName: 'x-user' } }]);
  assert.equal(ex.cluster?.destinationRule?.name, 'ngx-dr');
  const cb = (ex.cluster?.circuitBreakers as { thresholds: { maxConnections?: number; maxRequests?: number }[] }).thresholds[0]!;
  assert.equal(cb.maxConnections, 10000);
  assert.equal(cb.maxRequests, 1000);
  const od = ex.cluster?.outlierDetection as Record<string, unknown>;
  assert.equal(od['consecutive5xx'], 5);
  assert.equal(od['interval'], '120s');
  assert.equal(od['baseEjectionTime'], '60s');
  assert.equal(od['maxEjectionPercent'], 50);
  assert.deepEqual(ex.endpoints.map((e) => `${e.address}:${e.port}`), ['127.0.0.25:80']);
});

test('seed 000 step 01: the WorkloadEntry variant routes to subset v10', () => {
  const ex = explain([EX000, `${EX000}/steps/01-workload-entry`, CLIENT], 'default/sleep', 'http://ngx.hj.com/');
  assert.equal(ex.outcome.kind, 'forwarded');
  assert.equal(ex.outcome.cluster, 'outbound|80|v10|ngx.hj.com');
  assert.equal(ex.cluster?.subset, 'v10');
  assert.deepEqual(ex.endpoints.map((e) => `${e.address}:${e.port}`), ['127.0.0.25:80']);
});

test('seed 000 step 02: sidecar → istio-egressgateway → ngx.hj.com', () => {
  const paths = [EX000, `${EX000}/steps/01-workload-entry`, `${EX000}/steps/02-egress-gateway`, CLIENT];
  const hop1 = explain(paths, 'default/sleep', 'http://ngx.hj.com/');
  assert.equal(hop1.outcome.cluster, 'outbound|80||istio-egressgateway.istio-system.svc.cluster.local');
  assert.ok(hop1.endpoints.length > 0);
  const gwIp = hop1.endpoints[0]!.address;
  const hop2 = explain(paths, 'istio-system/istio-egressgateway', 'http://ngx.hj.com/');
  assert.equal(hop2.workload.ip, gwIp);
  assert.equal(hop2.listener, '0.0.0.0_8080');
  assert.equal(hop2.routeConfiguration, 'http.8080');
  assert.equal(hop2.outcome.cluster, 'outbound|80|v10|ngx.hj.com');
  assert.deepEqual(hop2.endpoints.map((e) => `${e.address}:${e.port}`), ['127.0.0.25:80']);
});

const SEED002 = [EX002];
const REVIEWS_V2 = 'outbound|9080|v2|reviews.default.svc.cluster.local';
const REVIEWS_V3 = 'outbound|9080|v3|reviews.default.svc.cluster.local';

test('seed 002: end-user jason → reviews v2, others → v3 (subsets v2 and v3 from bookinfo-routing.yaml)', () => {
  const jason = explain(SEED002, 'default/productpage-v1', 'http://reviews:9080/reviews/1', { headers: { 'end-user': 'jason' } });
  assert.equal(jason.route?.match, 'prefix "/", header end-user exact "jason"');
  assert.ok(jason.clusters.includes(REVIEWS_V2));
  assert.equal(jason.outcome.cluster, REVIEWS_V2);
  const mike = explain(SEED002, 'default/productpage-v1', 'http://reviews:9080/reviews/1', { headers: { 'end-user': 'mike' } });
  assert.deepEqual(mike.skippedRoutes.map((s) => s.reasons), [['header end-user exact "jason": got "mike"']]);
  assert.equal(mike.outcome.cluster, REVIEWS_V3);
  // The guide's only reviews DestinationRule defines v1; bookinfo-routing.yaml adds v2 and v3 (README).
  assert.equal(mike.outcome.responseFlag, undefined);
  assert.equal(jason.outcome.responseFlag, undefined);
});

test('seed 002: timeout, retries and faults land in the ratings route', () => {
  const base = explain(SEED002, 'default/productpage-v1', 'http://ratings:9080/');
  const policy = (ex: Explanation) => ex.steps.filter((s) => s.step === 'policy').flatMap((s) => [s.decision, ...(s.details ?? [])]);
  assert.ok(policy(base).includes('timeout 10s'));
  const retries = explain([EX002, `${EX002}/steps/02-ratings-retries`], 'default/productpage-v1', 'http://ratings:9080/');
  assert.ok(policy(retries).some((p) => p.startsWith('retries: 3 on') && p.includes('perTryTimeout 2s')));
  const delay = explain([EX002, `${EX002}/steps/03-ratings-fault-delay`], 'default/productpage-v1', 'http://ratings:9080/');
  assert.ok(policy(delay).some((p) => p.startsWith('fault delay 5s')));
  const abort = explain([EX002, `${EX002}/steps/04-ratings-fault-abort`], 'default/productpage-v1', 'http://ratings:9080/');
  assert.ok(policy(abort).some((p) => p.startsWith('fault abort 500')));
  assert.equal(abort.outcome.cluster, 'outbound|9080|v1|ratings.default.svc.cluster.local');
});

test('a subset whose labels match no workload is 503 UH naming the subset and the workloads', () => {
  const dr = join(mkdtempSync(join(tmpdir(), 'trellis-explain-')), 'dr.yaml');
  writeFileSync(dr, `apiVersion: networking.istio.io/v1beta1
kind: DestinationRule
metadata: {name: demoapp, namespace: default}
spec:
  host: demoapp
  subsets:
  - {name: v10, labels: {version: v1.0}}
  - {name: v11, labels: {version: v9.9}}
`);
  const ex = explain([EX001, dr], 'default/proxy', 'http://demoapp:8080/canary');
  assert.equal(ex.outcome.status, 503);
  assert.equal(ex.outcome.responseFlag, 'UH');
  assert.match(ex.outcome.message, /subset v11 of DestinationRule default\/demoapp .* selects \{version=v9\.9\}/);
  assert.match(ex.outcome.message, /demoappv10/);
});

test('trellis explain -o json through the CLI', async () => {
  const r = await runCli(['explain', 'proxy', 'http://demoapp:8080/canary', '-f', EX001, '-o', 'json']);
  assert.equal(r.code, 0, r.err);
  const ex = JSON.parse(r.out) as Explanation;
  assert.equal(ex.outcome.cluster, V11);
  const text = await runCli(['explain', 'proxy', 'http://demoapp:8080/canry', '-f', `${EX001}/deploy-proxy.yaml`, '-f', `${EX001}/service-demoapp.yaml`,
    '-f', `${EX001}/virtualservice-demoapp.yaml`, '-f', `${EX001}/destinationrule-demoapp.yaml`, '-f', `${EX001}/deploy-demoapp-v10.yaml`]);
  assert.match(text.out, /skipped canary: prefix "\/canary" does not match "\/canry"/);
});
