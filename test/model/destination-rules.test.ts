/**
 * DestinationRule lookup and merge as Istio's PushContext: proxy namespace, then the service's
 * namespace (exported rules), then the root namespace; exact host before wildcards; several
 * rules for one host in a namespace merge (subsets concatenated, first trafficPolicy wins);
 * workloadSelector rules only for the proxies they select in their namespace.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { proxyFor, snapshotFrom } from '../helpers/snapshot.js';

const world = `
apiVersion: v1
kind: Pod
metadata: {name: client, namespace: app, labels: {app: client}}
spec: {containers: [{name: c, image: i}]}
---
apiVersion: v1
kind: Pod
metadata: {name: special, namespace: app, labels: {app: special}}
spec: {containers: [{name: c, image: i}]}
---
apiVersion: v1
kind: Pod
metadata: {name: far, namespace: far, labels: {app: far}}
spec: {containers: [{name: c, image: i}]}
---
apiVersion: v1
kind: Service
metadata: {name: svc, namespace: backend}
spec: {ports: [{name: http, port: 80}]}
---`;
const dr = (name: string, ns: string, body: string) => `
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: ${name}, namespace: ${ns}}
spec:
${body}
---`;
const HOST = 'svc.backend.svc.cluster.local';

test('lookup order: proxy namespace, then the service namespace, then the root namespace', () => {
  const s = snapshotFrom(world +
    dr('in-root', 'istio-system', `  host: ${HOST}\n  subsets: [{name: root, labels: {v: r}}]`) +
    dr('in-backend', 'backend', '  host: svc\n  subsets: [{name: backend, labels: {v: b}}]') +
    dr('in-app', 'app', `  host: ${HOST}\n  subsets: [{name: app, labels: {v: a}}]`));
  assert.deepEqual(s.destinationRule(HOST, proxyFor(s, 'app/client'))?.subsets.map((x) => x.name), ['app']);
  assert.deepEqual(s.destinationRule(HOST, proxyFor(s, 'far/far'))?.subsets.map((x) => x.name), ['backend']);
  const onlyRoot = snapshotFrom(world + dr('in-root', 'istio-system', `  host: ${HOST}\n  subsets: [{name: root, labels: {v: r}}]`));
  assert.deepEqual(onlyRoot.destinationRule(HOST, proxyFor(onlyRoot, 'far/far'))?.subsets.map((x) => x.name), ['root']);
  assert.equal(snapshotFrom(world).destinationRule(HOST, proxyFor(onlyRoot, 'far/far')), undefined);
});

test('exportTo: a private rule in the service namespace is not seen from elsewhere', () => {
  const s = snapshotFrom(world + dr('private', 'backend', '  host: svc\n  exportTo: ["."]\n  subsets: [{name: p, labels: {v: p}}]') +
    dr('to-app', 'istio-system', `  host: ${HOST}\n  exportTo: [app]\n  subsets: [{name: r, labels: {v: r}}]`));
  assert.deepEqual(s.destinationRule(HOST, proxyFor(s, 'app/client'))?.subsets.map((x) => x.name), ['r']);
  assert.equal(s.destinationRule(HOST, proxyFor(s, 'far/far')), undefined);
});

test('the exact host beats a wildcard; the most specific wildcard wins', () => {
  const s = snapshotFrom(world +
    dr('all', 'app', '  host: "*.svc.cluster.local"\n  trafficPolicy: {loadBalancer: {simple: RANDOM}}') +
    dr('backend', 'app', '  host: "*.backend.svc.cluster.local"\n  trafficPolicy: {loadBalancer: {simple: LEAST_REQUEST}}'));
  const p = proxyFor(s, 'app/client');
  assert.equal(s.destinationRule(HOST, p)?.trafficPolicy?.loadBalancer?.simple, 'LEAST_REQUEST');
  assert.equal(s.destinationRule(HOST, p)?.host, '*.backend.svc.cluster.local');
  assert.equal(s.destinationRule('x.other.svc.cluster.local', p)?.trafficPolicy?.loadBalancer?.simple, 'RANDOM');
  const exact = snapshotFrom(world + dr('all', 'app', '  host: "*.svc.cluster.local"\n  trafficPolicy: {loadBalancer: {simple: RANDOM}}') +
    dr('exact', 'app', `  host: ${HOST}\n  subsets: [{name: s, labels: {v: s}}]`));
  const e = exact.destinationRule(HOST, proxyFor(exact, 'app/client'));
  assert.deepEqual([e?.host, e?.trafficPolicy, e?.subsets.map((x) => x.name)], [HOST, undefined, ['s']], 'no inheritance from the wildcard');
});

test('merge: subsets concatenated (first of a name wins), first trafficPolicy wins, sources in order', () => {
  const s = snapshotFrom(world +
    dr('one', 'backend', '  host: svc\n  subsets: [{name: v1, labels: {v: "1"}}]') +
    dr('two', 'backend', `  host: ${HOST}\n  trafficPolicy: {loadBalancer: {simple: RANDOM}}\n  subsets: [{name: v1, labels: {v: dup}}, {name: v2, labels: {v: "2"}}]`) +
    dr('three', 'backend', '  host: svc\n  trafficPolicy: {loadBalancer: {simple: ROUND_ROBIN}}'));
  const e = s.destinationRule(HOST, proxyFor(s, 'app/client'))!;
  assert.deepEqual(e.subsets.map((x) => `${x.name}:${x.labels?.v}`), ['v1:1', 'v2:2']);
  assert.equal(e.trafficPolicy?.loadBalancer?.simple, 'RANDOM');
  assert.deepEqual(e.sources.map((x) => x.name), ['one', 'two', 'three']);
});

test('workloadSelector: applies to the selected proxies of its own namespace only', () => {
  const s = snapshotFrom(world +
    dr('general', 'app', `  host: ${HOST}\n  trafficPolicy: {loadBalancer: {simple: RANDOM}}`) +
    dr('special', 'app', `  host: ${HOST}\n  workloadSelector: {matchLabels: {app: special}}\n  trafficPolicy: {loadBalancer: {simple: LEAST_REQUEST}}`));
  assert.equal(s.destinationRule(HOST, proxyFor(s, 'app/special'))?.trafficPolicy?.loadBalancer?.simple, 'LEAST_REQUEST');
  assert.equal(s.destinationRule(HOST, proxyFor(s, 'app/client'))?.trafficPolicy?.loadBalancer?.simple, 'RANDOM');
});

test('examples/001 and 000: subsets for demoapp; ngx.hj.com traffic policy and the WorkloadEntry subset', () => {
  const s = snapshotFrom('examples/001-sidecar-canary');
  const e = s.destinationRule('demoapp.default.svc.cluster.local', proxyFor(s, 'default/proxy'));
  assert.deepEqual(e?.subsets.map((x) => [x.name, x.labels?.version]), [['v10', 'v1.0'], ['v11', 'v1.1']]);
  const x = snapshotFrom('examples/000-external-services');
  const ngx = x.destinationRule('ngx.hj.com', proxyFor(x, 'istio-system/istio-ingressgateway'));
  assert.equal(ngx?.trafficPolicy?.loadBalancer?.consistentHash?.httpHeaderName, 'x-user');
  assert.equal(ngx?.trafficPolicy?.outlierDetection?.consecutive5xxErrors, 5);
  const we = snapshotFrom(['examples/000-external-services', 'examples/000-external-services/steps/01-workload-entry']);
  const p = proxyFor(we, 'default/ngx-we');
  assert.deepEqual(we.destinationRule('ngx.hj.com', p)?.subsets.map((x) => x.name), ['v10']);
  assert.equal(p.type, 'sidecar');
});
