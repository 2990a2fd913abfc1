/**
 * SNI-DNAT clusters of AUTO_PASSTHROUGH gateways (Istio's buildOutboundSniDnatClusters): a gateway
 * with such a server gets `outbound_.PORT_.SUBSET_.HOST` for every in-mesh service port and
 * DestinationRule subset, shaped like the outbound cluster but without upstream TLS; EDS ones get
 * the same endpoints as their `outbound|…` twin; the east-west listener forwards to exactly them.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileClusters } from '../../src/compile/clusters/index.js';
import { compileEndpoints } from '../../src/compile/endpoints/index.js';
import { compileProxy } from '../../src/compile/index.js';
import { outboundCluster, serviceFqdn, sniDnatClusterName } from '../../src/api/names.js';
import type { Cluster } from '../../src/api/envoy/cluster.js';
import type { ClusterLoadAssignment } from '../../src/api/envoy/endpoint.js';
import { proxyFor, snapshotFrom } from '../helpers/snapshot.js';

const HTTPBIN = serviceFqdn('httpbin', 'bar');

const MESH = `
apiVersion: v1
kind: Service
metadata: {name: httpbin, namespace: bar}
spec:
  selector: {app: httpbin}
  ports: [{name: http, port: 8000, targetPort: 80}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: httpbin-v1, namespace: bar}
spec:
  replicas: 2
  selector: {matchLabels: {app: httpbin, version: v1}}
  template:
    metadata: {labels: {app: httpbin, version: v1}}
    spec: {containers: [{name: httpbin, image: httpbin}]}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: httpbin-v2, namespace: bar}
spec:
  selector: {matchLabels: {app: httpbin, version: v2}}
  template:
    metadata: {labels: {app: httpbin, version: v2}}
    spec: {containers: [{name: httpbin, image: httpbin}]}
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: httpbin, namespace: bar}
spec:
  host: httpbin.bar.svc.cluster.local
  trafficPolicy:
    loadBalancer: {simple: ROUND_ROBIN}
    tls: {mode: ISTIO_MUTUAL}
  subsets:
  - name: v1
    labels: {version: v1}
  - name: v2
    labels: {version: v2}
    trafficPolicy:
      loadBalancer: {simple: RANDOM}
---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: external, namespace: bar}
spec:
  hosts: [api.example.com]
  location: MESH_EXTERNAL
  resolution: DNS
  ports: [{number: 443, name: tls, protocol: TLS}]
`;

const EAST_WEST = `
---
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: cross-network, namespace: istio-system}
spec:
  selector: {istio: ingressgateway}
  servers:
  - port: {number: 15443, name: tls, protocol: TLS}
    tls: {mode: AUTO_PASSTHROUGH}
    hosts: ["*.local"]
`;

function named<T>(items: readonly T[], name: string, key: (t: T) => string): T {
  const hit = items.find((x) => key(x) === name);
  assert.ok(hit, `no ${name}; have:\n  ${items.map(key).join('\n  ')}`);
  return hit;
}
const cluster = (cs: readonly Cluster[], n: string): Cluster => named(cs, n, (c) => c.name);
const assignment = (as: readonly ClusterLoadAssignment[], n: string): ClusterLoadAssignment => named(as, n, (a) => a.clusterName);
const addresses = (a: ClusterLoadAssignment): string[] =>
  (a.endpoints ?? []).flatMap((g) => g.lbEndpoints.map((e) => `${e.endpoint?.address.socketAddress?.address}:${e.endpoint?.address.socketAddress?.portValue}`)).sort();

test('AUTO_PASSTHROUGH gateway: SNI-DNAT cluster beside the outbound one, same shape, no TLS', () => {
  const snap = snapshotFrom(MESH + EAST_WEST);
  const gw = proxyFor(snap, 'istio-system/istio-ingressgateway');
  const cs = compileClusters(snap, gw);
  const outbound = cluster(cs, outboundCluster(HTTPBIN, 8000));
  const sni = cluster(cs, sniDnatClusterName(HTTPBIN, 8000));
  assert.equal(sni.name, 'outbound_.8000_._.httpbin.bar.svc.cluster.local');
  assert.ok(outbound.transportSocket, 'the outbound cluster originates ISTIO_MUTUAL');
  assert.equal(sni.transportSocket, undefined, 'the SNI-DNAT cluster passes the client mTLS through');
  assert.equal(sni.type, 'EDS');
  assert.equal(sni.edsClusterConfig?.serviceName, sni.name);
  assert.equal(sni.lbPolicy, 'ROUND_ROBIN');
  assert.deepEqual(sni.circuitBreakers, outbound.circuitBreakers);
  assert.deepEqual(sni.metadata?.filterMetadata?.['istio']?.['config'], outbound.metadata?.filterMetadata?.['istio']?.['config']);
  // Istio appends them after BlackHoleCluster.
  const names = cs.map((c) => c.name);
  assert.ok(names.indexOf(sni.name) > names.indexOf('BlackHoleCluster'));
});

test('AUTO_PASSTHROUGH gateway: one SNI-DNAT cluster per subset, subset policy merged, no TLS', () => {
  const snap = snapshotFrom(MESH + EAST_WEST);
  const cs = compileClusters(snap, proxyFor(snap, 'istio-system/istio-ingressgateway'));
  const v1 = cluster(cs, sniDnatClusterName(HTTPBIN, 8000, 'v1'));
  const v2 = cluster(cs, sniDnatClusterName(HTTPBIN, 8000, 'v2'));
  assert.equal(v1.name, 'outbound_.8000_.v1_.httpbin.bar.svc.cluster.local');
  assert.equal(v1.lbPolicy, 'ROUND_ROBIN');
  assert.equal(v2.lbPolicy, 'RANDOM');
  assert.equal(v1.transportSocket, undefined);
  assert.equal(v2.transportSocket, undefined);
  assert.equal(v2.metadata?.filterMetadata?.['istio']?.['subset'], 'v2');
});

test('AUTO_PASSTHROUGH gateway: SNI-DNAT EDS clusters get the outbound twin\'s endpoints, subset-filtered', () => {
  const snap = snapshotFrom(MESH + EAST_WEST);
  const gw = proxyFor(snap, 'istio-system/istio-ingressgateway');
  const eds = compileEndpoints(snap, gw);
  const all = assignment(eds, sniDnatClusterName(HTTPBIN, 8000));
  assert.equal(addresses(all).length, 3);
  assert.deepEqual(addresses(all), addresses(assignment(eds, outboundCluster(HTTPBIN, 8000))));
  assert.equal(addresses(assignment(eds, sniDnatClusterName(HTTPBIN, 8000, 'v1'))).length, 2);
  assert.deepEqual(
    addresses(assignment(eds, sniDnatClusterName(HTTPBIN, 8000, 'v2'))),
    addresses(assignment(eds, outboundCluster(HTTPBIN, 8000, 'v2'))),
  );
  // Asked by name (as over ADS), and an unknown SNI-DNAT name answered empty, as Istio does.
  const unknown = sniDnatClusterName('gone.bar.svc.cluster.local', 80);
  const asked = compileEndpoints(snap, gw, [sniDnatClusterName(HTTPBIN, 8000, 'v1'), unknown]);
  assert.equal(addresses(assignment(asked, sniDnatClusterName(HTTPBIN, 8000, 'v1'))).length, 2);
  assert.deepEqual(assignment(asked, unknown), { clusterName: unknown });
});

test('SNI-DNAT clusters: none for mesh-external services, sidecars, or gateways without AUTO_PASSTHROUGH', () => {
  const snap = snapshotFrom(MESH + EAST_WEST);
  const gwNames = compileClusters(snap, proxyFor(snap, 'istio-system/istio-ingressgateway')).map((c) => c.name);
  assert.ok(gwNames.includes(outboundCluster('api.example.com', 443)));
  assert.ok(!gwNames.includes(sniDnatClusterName('api.example.com', 443)));
  const sidecar = compileClusters(snap, proxyFor(snap, 'bar/httpbin-v2')).map((c) => c.name);
  assert.ok(!sidecar.some((n) => n.startsWith('outbound_.')), 'sidecars get no SNI-DNAT clusters');
  const plain = snapshotFrom(MESH);
  const ingress = compileClusters(plain, proxyFor(plain, 'istio-system/istio-ingressgateway')).map((c) => c.name);
  assert.ok(!ingress.some((n) => n.startsWith('outbound_.')));
  assert.equal(compileEndpoints(plain, proxyFor(plain, 'istio-system/istio-ingressgateway')).filter((a) => a.clusterName.startsWith('outbound_.')).length, 0);
  // The egress gateway is not selected by the AUTO_PASSTHROUGH Gateway.
  const egress = compileClusters(snap, proxyFor(snap, 'istio-system/istio-egressgateway')).map((c) => c.name);
  assert.ok(!egress.some((n) => n.startsWith('outbound_.')));
});

test('AUTO_PASSTHROUGH listener chains forward to exactly the SNI-DNAT clusters of the hosts it serves', () => {
  const snap = snapshotFrom(MESH + EAST_WEST);
  const cfg = compileProxy(snap, proxyFor(snap, 'istio-system/istio-ingressgateway'));
  const l = named(cfg.listeners, '0.0.0.0_15443', (x) => x.name);
  const snis = (l.filterChains ?? []).map((c) => c.filterChainMatch?.serverNames?.[0]);
  // `*.local` covers the gateways' own Services too; httpbin's chains come in plan order.
  assert.deepEqual(snis.filter((n) => n?.endsWith(HTTPBIN)), [
    sniDnatClusterName(HTTPBIN, 8000), sniDnatClusterName(HTTPBIN, 8000, 'v1'), sniDnatClusterName(HTTPBIN, 8000, 'v2'),
  ]);
  const clusters = new Set(cfg.clusters.map((c) => c.name));
  for (const sni of snis) assert.ok(clusters.has(sni!), `missing cluster ${sni}`);
});

test('004 multicluster: cluster1 ingress gateway has outbound_.8000_._.httpbin.bar.global (DNS, no TLS)', () => {
  const snap = snapshotFrom(['examples/004-multicluster-gateways/cluster1']);
  const cs = compileClusters(snap, proxyFor(snap, 'istio-system/istio-ingressgateway'));
  const sni = cluster(cs, 'outbound_.8000_._.httpbin.bar.global');
  assert.equal(sni.type, 'STRICT_DNS');
  assert.equal(sni.transportSocket, undefined, 'the *.global ISTIO_MUTUAL rule does not apply to SNI-DNAT clusters');
  assert.ok(cluster(cs, outboundCluster('httpbin.bar.global', 8000)).transportSocket);
  const eps = sni.loadAssignment?.endpoints?.flatMap((g) => g.lbEndpoints.map((e) => e.endpoint?.address.socketAddress)) ?? [];
  assert.deepEqual(eps, [{ address: '127.0.0.2', portValue: 15443 }]);
});
