/**
 * Sidecar scope and visible services: Istio's precedence (selector > namespace default > root
 * namespace), default egress and outboundTrafficPolicy, egress hosts (`ns/host`, `./host`,
 * `*\/host`, `~/*`, wildcards, ports), VirtualService destinations, exportTo.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { proxyFor, snapshotFrom } from '../helpers/snapshot.js';
import type { Proxy, Snapshot } from '../../src/model/types.js';

const base = 'examples/001-sidecar-canary';
const visible = (s: Snapshot, p: Proxy) => s.visibleServices(p).map((x) => `${x.hostname}:${x.ports.map((q) => q.port).join(',')}`);

test('examples/001 step 02: Sidecar client (run: client) is REGISTRY_ONLY and sees only port 8080 in default', () => {
  const s = snapshotFrom([base, `${base}/steps/02-sidecar-registry-only`]);
  const client = proxyFor(s, 'default/client');
  const scope = s.sidecarScope(client);
  assert.equal(scope.sidecar?.name, 'client');
  assert.equal(scope.outboundTrafficPolicy, 'REGISTRY_ONLY');
  assert.deepEqual(scope.egress, [{ port: { number: 8080, protocol: 'HTTP', name: 'demoapp' }, hosts: [{ namespace: 'default', host: '*' }] }]);
  assert.deepEqual(visible(s, client), [
    'demoappv10.default.svc.cluster.local:8080', 'demoappv11.default.svc.cluster.local:8080', 'demoapp.default.svc.cluster.local:8080',
  ]);
  // The Sidecar selects run=client only: the proxy workload keeps Istio's default scope.
  const proxy = proxyFor(s, 'default/proxy');
  assert.equal(s.sidecarScope(proxy).sidecar, undefined);
  assert.equal(s.sidecarScope(proxy).outboundTrafficPolicy, 'ALLOW_ANY');
  assert.deepEqual(s.sidecarScope(proxy).egress, [{ hosts: [{ namespace: '*', host: '*' }] }]);
  assert.ok(visible(s, proxy).includes('proxy.default.svc.cluster.local:80'));
  assert.ok(visible(s, proxy).includes('istio-ingressgateway.istio-system.svc.cluster.local:80,443,15443'));
});

test('examples/001 step 03: the same Sidecar with ALLOW_ANY', () => {
  const s = snapshotFrom([base, `${base}/steps/03-sidecar-allow-any`]);
  assert.equal(s.sidecarScope(proxyFor(s, 'default/client')).outboundTrafficPolicy, 'ALLOW_ANY');
});

const pods = `
apiVersion: v1
kind: Pod
metadata: {name: a, namespace: shop, labels: {app: a}}
spec: {containers: [{name: c, image: i}]}
---
apiVersion: v1
kind: Pod
metadata: {name: b, namespace: shop, labels: {app: b}}
spec: {containers: [{name: c, image: i}]}
---
apiVersion: v1
kind: Pod
metadata: {name: c, namespace: other, labels: {app: c}}
spec: {containers: [{name: c, image: i}]}
---`;
const sidecar = (name: string, ns: string, spec: string) => `
apiVersion: networking.istio.io/v1
kind: Sidecar
metadata: {name: ${name}, namespace: ${ns}}
spec:
${spec}
---`;

test('precedence: workloadSelector match > namespace default > root namespace default', () => {
  const s = snapshotFrom(pods +
    sidecar('root', 'istio-system', '  egress: [{hosts: ["./*"]}]\n  outboundTrafficPolicy: {mode: REGISTRY_ONLY}') +
    sidecar('shop-default', 'shop', '  egress: [{hosts: ["*/*"]}]') +
    sidecar('for-a', 'shop', '  workloadSelector: {labels: {app: a}}\n  egress: [{hosts: ["istio-system/*"]}]') +
    sidecar('for-nothing', 'shop', '  workloadSelector: {labels: {app: zzz}}\n  outboundTrafficPolicy: {mode: REGISTRY_ONLY}'));
  assert.equal(s.sidecarScope(proxyFor(s, 'shop/a')).sidecar?.name, 'for-a');
  assert.equal(s.sidecarScope(proxyFor(s, 'shop/b')).sidecar?.name, 'shop-default');
  const c = s.sidecarScope(proxyFor(s, 'other/c'));
  assert.equal(c.sidecar?.name, 'root');
  // `.` in the root Sidecar means the proxy's namespace.
  assert.deepEqual(c.egress[0]!.hosts, [{ namespace: 'other', host: '*' }]);
  assert.equal(c.outboundTrafficPolicy, 'REGISTRY_ONLY');
  // A Sidecar without outboundTrafficPolicy takes the mesh default.
  assert.equal(s.sidecarScope(proxyFor(s, 'shop/b')).outboundTrafficPolicy, 'ALLOW_ANY');
  // Gateways only get selector-less Sidecars (here: the root one, read in istio-system).
  const gw = s.sidecarScope(proxyFor(s, 'istio-system/istio-ingressgateway'));
  assert.equal(gw.sidecar?.name, 'root');
});

test('a Sidecar without egress imports */*; the first matching selector Sidecar wins (input order)', () => {
  const s = snapshotFrom(pods +
    sidecar('first', 'shop', '  workloadSelector: {labels: {app: a}}\n  outboundTrafficPolicy: {}') +
    sidecar('second', 'shop', '  workloadSelector: {labels: {app: a}}\n  egress: [{hosts: ["~/*"]}]'));
  const a = s.sidecarScope(proxyFor(s, 'shop/a'));
  assert.equal(a.sidecar?.name, 'first');
  assert.deepEqual(a.egress, [{ hosts: [{ namespace: '*', host: '*' }] }]);
  assert.equal(a.outboundTrafficPolicy, 'REGISTRY_ONLY', 'an outboundTrafficPolicy without mode is REGISTRY_ONLY (proto default)');
  assert.equal(s.sidecarScope(proxyFor(s, 'shop/b')).sidecar, undefined);
});

const services = `
apiVersion: v1
kind: Service
metadata: {name: web, namespace: shop}
spec: {selector: {app: a}, ports: [{name: http, port: 80}, {name: tcp-admin, port: 9000}]}
---
apiVersion: v1
kind: Service
metadata: {name: db, namespace: other}
spec: {selector: {app: c}, ports: [{name: tcp, port: 5432}]}
---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: ext, namespace: shop}
spec: {hosts: [api.example.com, "*.wild.com"], ports: [{number: 443, name: tls, protocol: TLS}], resolution: NONE}
---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: private, namespace: other}
spec: {hosts: [private.example.com], ports: [{number: 80, name: http, protocol: HTTP}], resolution: DNS, exportTo: ["."]}
---`;

const visibleFor = (egress: string, extra = '') => {
  const s = snapshotFrom(pods + services + extra + sidecar('sc', 'shop', `  workloadSelector: {labels: {app: b}}\n  egress:\n${egress}`), { builtinGateways: false });
  return s.visibleServices(proxyFor(s, 'shop/b')).map((x) => `${x.hostname}:${x.ports.map((p) => p.port).join(',')}`);
};

test('egress hosts: ./*, ns/host, */host, ~/*, wildcard hosts, and ports', () => {
  assert.deepEqual(visibleFor('  - hosts: ["./*"]'), ['web.shop.svc.cluster.local:80,9000', 'api.example.com:443', '*.wild.com:443']);
  assert.deepEqual(visibleFor('  - hosts: ["other/*"]'), ['db.other.svc.cluster.local:5432']);
  assert.deepEqual(visibleFor('  - hosts: ["*/db.other.svc.cluster.local"]'), ['db.other.svc.cluster.local:5432']);
  assert.deepEqual(visibleFor('  - hosts: ["~/*"]'), []);
  assert.deepEqual(visibleFor('  - hosts: ["*/*.example.com"]'), ['api.example.com:443']);
  assert.deepEqual(visibleFor('  - hosts: ["*/*.com"]'), ['api.example.com:443', '*.wild.com:443']);
  assert.deepEqual(visibleFor('  - hosts: ["*/x.wild.com"]'), [], 'a wildcard service is not a subset of one name');
  assert.deepEqual(visibleFor('  - port: {number: 9000, protocol: TCP, name: admin}\n    hosts: ["*/*"]'), ['web.shop.svc.cluster.local:9000']);
  assert.deepEqual(visibleFor('  - port: {number: 80, protocol: HTTP, name: h}\n    hosts: ["./*"]\n  - hosts: ["./web.shop.svc.cluster.local"]'),
    ['web.shop.svc.cluster.local:80,9000'], 'ports of one service merge across listeners');
  // exportTo: the private ServiceEntry of namespace other is invisible from shop even with */*.
  assert.ok(!visibleFor('  - hosts: ["*/*"]').some((h) => h.startsWith('private.example.com')));
});

test('destinations of imported VirtualServices are visible too', () => {
  const vs = `
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: web, namespace: shop}
spec:
  hosts: [web]
  http: [{route: [{destination: {host: db.other.svc.cluster.local}}]}]
---`;
  assert.deepEqual(visibleFor('  - hosts: ["./web.shop.svc.cluster.local"]', vs), ['web.shop.svc.cluster.local:80,9000', 'db.other.svc.cluster.local:5432']);
  assert.deepEqual(visibleFor('  - hosts: ["./api.example.com"]', vs), ['api.example.com:443']);
});

test('default scope: every exported service, one per hostname, own namespace first for service()', () => {
  const dup = `
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: dup, namespace: other}
spec: {hosts: [api.example.com], ports: [{number: 443, name: tls, protocol: TLS}], resolution: NONE}
---`;
  const s = snapshotFrom(pods + dup + services, { builtinGateways: false });
  const b = proxyFor(s, 'shop/b');
  assert.equal(s.servicesByHost('api.example.com').length, 2);
  assert.equal(s.service('api.example.com', 'shop')?.namespace, 'shop');
  assert.equal(s.service('api.example.com', 'other')?.namespace, 'other');
  assert.equal(s.service('private.example.com', 'shop'), undefined);
  assert.equal(s.service('private.example.com', 'other')?.name, 'private');
  const hosts = s.visibleServices(b).map((x) => `${x.namespace}/${x.hostname}`);
  assert.deepEqual(hosts, ['other/api.example.com', 'shop/web.shop.svc.cluster.local', 'other/db.other.svc.cluster.local', 'shop/*.wild.com']);
});
