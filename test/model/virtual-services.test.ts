/**
 * VirtualService binding (`gateways`: none = mesh, short name, ns/name, ./name, legacy FQDN,
 * explicit mesh), exportTo and Istio's order (private, exported to the namespace, public);
 * Gateway servers by selector; the seed examples' bindings.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { proxyFor, snapshotFrom } from '../helpers/snapshot.js';
import { resolveGatewayName, virtualServiceGateways } from '../../src/model/gateway-names.js';

test('gateway references resolve as Istio resolves them', () => {
  assert.equal(resolveGatewayName('mesh', 'ns'), 'mesh');
  assert.equal(resolveGatewayName('gw', 'ns'), 'ns/gw');
  assert.equal(resolveGatewayName('other/gw', 'ns'), 'other/gw');
  assert.equal(resolveGatewayName('./gw', 'ns'), 'ns/gw');
  assert.equal(resolveGatewayName('gw.other.svc.cluster.local', 'ns'), 'other/gw');
  assert.equal(resolveGatewayName('gw.other', 'ns'), 'other/gw');
  assert.deepEqual(virtualServiceGateways({}, 'ns'), ['mesh']);
  assert.deepEqual(virtualServiceGateways({ gateways: ['gw', 'mesh'] }, 'ns'), ['ns/gw', 'mesh']);
});

const vs = (name: string, ns: string, extra: string) => `
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: ${name}, namespace: ${ns}}
spec:
  hosts: [${name}.example.com]
${extra}
  http: [{route: [{destination: {host: ${name}.example.com}}]}]
---`;

test('virtualServicesFor: gateway binding, exportTo, Istio order', () => {
  const s = snapshotFrom(
    vs('public', 'a', '') +
    vs('to-b', 'a', '  exportTo: [b]') +
    vs('private', 'b', '  exportTo: ["."]') +
    vs('on-gw', 'a', '  gateways: [gw]') +
    vs('on-gw-and-mesh', 'a', '  gateways: [a/gw, mesh]'));
  const names = (gw: string, ns: string) => s.virtualServicesFor(gw, ns).map((x) => x.name);
  assert.deepEqual(names('mesh', 'b'), ['private', 'to-b', 'public', 'on-gw-and-mesh']);
  assert.deepEqual(names('mesh', 'a'), ['public', 'on-gw-and-mesh']);
  assert.deepEqual(names('mesh', 'c'), ['public', 'on-gw-and-mesh']);
  assert.deepEqual(names('a/gw', 'istio-system'), ['on-gw', 'on-gw-and-mesh']);
  assert.deepEqual(names('b/gw', 'istio-system'), []);
});

test('examples/001: VirtualService proxy binds to istio-system/proxy-gateway only; demoapp to mesh', () => {
  const s = snapshotFrom('examples/001-sidecar-canary');
  assert.deepEqual(s.virtualServicesFor('mesh', 'default').map((x) => x.name), ['demoapp']);
  assert.deepEqual(s.virtualServicesFor('istio-system/proxy-gateway', 'istio-system').map((x) => x.name), ['proxy']);
  const gw = proxyFor(s, 'istio-system/istio-ingressgateway');
  assert.deepEqual(s.gatewayServers(gw).map((g) => [g.gateway.namespace, g.gateway.name, g.index, g.server.port?.number]), [['istio-system', 'proxy-gateway', 0, 80]]);
  assert.deepEqual(s.gatewayServers(proxyFor(s, 'istio-system/istio-egressgateway')), []);
  assert.deepEqual(s.gatewayServers(proxyFor(s, 'default/proxy')), [], 'sidecars have no gateway servers');
});

test('examples/003: Gateway simple/simple selects istio: ingressgateway; VS simple binds by short name', () => {
  const s = snapshotFrom('examples/003-ingress-uri-routing');
  const gw = proxyFor(s, 'istio-system/istio-ingressgateway');
  assert.equal(gw.type, 'router');
  assert.deepEqual(s.gatewayServers(gw).map((g) => `${g.gateway.namespace}/${g.gateway.name}:${g.server.port?.number}:${g.server.hosts}`), ['simple/simple:80:simple.baihl.io']);
  assert.deepEqual(s.virtualServicesFor('simple/simple', gw.namespace).map((x) => x.name), ['simple']);
  assert.deepEqual(s.virtualServicesFor('mesh', 'simple'), []);
  for (const h of ['simple.simple.svc.cluster.local', 'nginx.simple.svc.cluster.local']) {
    const svc = s.service(h, 'istio-system');
    assert.ok(svc, h);
    assert.equal(s.endpoints(h, 'simple', 80).length, 1);
  }
});

test('examples/000 step 02: egress gateway Gateway and a VS bound to both mesh and the gateway', () => {
  const s = snapshotFrom(['examples/000-external-services', 'examples/000-external-services/steps/01-workload-entry',
    'examples/000-external-services/steps/02-egress-gateway']);
  const eg = proxyFor(s, 'istio-system/istio-egressgateway');
  assert.deepEqual(s.gatewayServers(eg).map((g) => g.gateway.name), ['ngx-egress-gw']);
  assert.deepEqual(s.gatewayServers(proxyFor(s, 'istio-system/istio-ingressgateway')), []);
  assert.deepEqual(s.virtualServicesFor('istio-system/ngx-egress-gw', 'istio-system').map((x) => x.name), ['ngx-vs']);
  assert.deepEqual(s.virtualServicesFor('mesh', 'default').map((x) => x.name), ['ngx-vs']);
  const egressSvc = s.service('istio-egressgateway.istio-system.svc.cluster.local', 'default')!;
  assert.deepEqual(s.endpoints(egressSvc.hostname, 'istio-system', 80).map((e) => `${e.address}:${e.port}`), ['127.0.10.2:8080']);
});

test('delegation: root routes with delegate are replaced by the merged delegate routes', () => {
  const s = snapshotFrom(`
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: root, namespace: front}
spec:
  hosts: [shop.example.com]
  gateways: [istio-system/gw]
  http:
  - name: api
    match: [{uri: {prefix: /api}}]
    timeout: 5s
    delegate: {name: api, namespace: back}
  - name: missing
    delegate: {name: nope}
  - route: [{destination: {host: web.front.svc.cluster.local}}]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: api, namespace: back}
spec:
  http:
  - name: v2
    match: [{uri: {prefix: /api/v2}, headers: {x: {exact: y}}}]
    route: [{destination: {host: api-v2.back.svc.cluster.local}}]
  - name: outside
    match: [{uri: {prefix: /other}}]
    route: [{destination: {host: other.back.svc.cluster.local}}]
  - name: rest
    route: [{destination: {host: api.back.svc.cluster.local}}]
`);
  const [root] = s.virtualServicesFor('istio-system/gw', 'istio-system');
  assert.equal(root?.name, 'root');
  const http = root!.spec.http!;
  assert.deepEqual(http.map((r) => r?.name), ['api-v2', 'api-rest', undefined]);
  assert.deepEqual(http[0]!.match, [{ uri: { prefix: '/api/v2' }, headers: { x: { exact: 'y' } } }]);
  assert.equal(http[0]!.timeout, '5s', 'root fields fill the delegate route');
  assert.deepEqual(http[1]!.match, [{ uri: { prefix: '/api' } }], 'a delegate route without match takes the root match');
  assert.equal(http[0]!.delegate, undefined);
  assert.deepEqual(s.virtualServicesFor('mesh', 'back'), [], 'delegates are not bound by themselves');
  assert.equal(s.virtualServices.length, 2, 'snapshot.virtualServices keeps the objects as written');
});
