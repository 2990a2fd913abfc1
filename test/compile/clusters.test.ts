/**
 * Cluster compiler, seed scenarios: for a request a proxy makes, find the cluster it would use
 * (by Istio's name) and assert the fields that decide its fate: discovery type, load balancer,
 * circuit breakers, outlier detection, subsets, special clusters, inbound clusters.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { snapshotFrom, proxyFor } from '../helpers/snapshot.js';
import { compileClusters, hashPolicyFor } from '../../src/compile/clusters/index.js';
import { compileEndpoints } from '../../src/compile/endpoints/index.js';
import {
  BLACKHOLE_CLUSTER, INBOUND_PASSTHROUGH_CLUSTER, PASSTHROUGH_CLUSTER, inboundCluster, outboundCluster, serviceFqdn,
} from '../../src/api/names.js';
import { HTTP_PROTOCOL_OPTIONS_KEY, type Cluster } from '../../src/api/envoy/cluster.js';

const EX000 = 'examples/000-external-services';
const EX001 = 'examples/001-sidecar-canary';
const MAX = 4294967295;

/** A client Deployment (a sidecar to ask for config as), written once to a temp file. */
const CLIENT = (() => {
  const dir = mkdtempSync(join(tmpdir(), 'trellis-clusters-'));
  const file = join(dir, 'client.yaml');
  writeFileSync(file, `apiVersion: apps/v1
kind: Deployment
metadata:
  name: sleep
  namespace: default
spec:
  replicas: 1
  selector:
    matchLabels: {app: sleep}
  template:
    metadata:
      labels: {app: sleep}
    spec:
      containers:
      - name: sleep
        image: curl
`);
  return file;
})();

function clusterNamed(clusters: readonly Cluster[], name: string): Cluster {
  const c = clusters.find((x) => x.name === name);
  assert.ok(c, `no cluster ${name}; have:\n  ${clusters.map((x) => x.name).join('\n  ')}`);
  return c;
}

test('000 base: ServiceEntry ngx.hj.com STATIC → EDS cluster shaped by DestinationRule ngx-dr', () => {
  const snap = snapshotFrom([`${EX000}/serviceentry-ngx.yaml`, `${EX000}/traffic-ngx.yaml`, CLIENT]);
  const proxy = proxyFor(snap, 'default/sleep');
  const c = clusterNamed(compileClusters(snap, proxy), outboundCluster('ngx.hj.com', 80));

  assert.equal(c.type, 'EDS');
  assert.equal(c.edsClusterConfig?.serviceName, c.name);
  assert.deepEqual(c.edsClusterConfig?.edsConfig.ads, {});
  // consistentHash → ring hash with Envoy's default minimum ring size.
  assert.equal(c.lbPolicy, 'RING_HASH');
  assert.equal(c.ringHashLbConfig?.minimumRingSize, '1024');
  // connectionPool → circuit breakers (unset ones at Istio's max), timeouts, keepalive, per-connection limit.
  assert.deepEqual(c.circuitBreakers?.thresholds, [{
    maxConnections: 10000, maxPendingRequests: MAX, maxRequests: 1000, maxRetries: MAX, trackRemaining: true,
  }]);
  assert.equal(c.connectTimeout, '0.010s');
  assert.deepEqual(c.upstreamConnectionOptions, { tcpKeepalive: { keepaliveTime: 7200, keepaliveInterval: 75 } });
  const http = c.typedExtensionProtocolOptions?.[HTTP_PROTOCOL_OPTIONS_KEY];
  assert.equal(http?.commonHttpProtocolOptions?.maxRequestsPerConnection, 10);
  assert.deepEqual(http?.explicitHttpConfig, { httpProtocolOptions: {} });
  // outlierDetection, as Istio enforces it.
  assert.deepEqual(c.outlierDetection, {
    enforcingSuccessRate: 0, consecutive5xx: 5, enforcingConsecutive5xx: 100,
    interval: '120s', baseEjectionTime: '60s', maxEjectionPercent: 50,
  });
  assert.deepEqual(c.commonLbConfig?.healthyPanicThreshold, { value: 40 });
  assert.equal(c.metadata?.filterMetadata?.['istio']?.['external'], true);

  // The hash key goes on the route.
  assert.deepEqual(hashPolicyFor(snap, proxy, 'ngx.hj.com', 80), [{ header: { headerName: 'x-user' } }]);

  // And the endpoint the cluster balances over is the ServiceEntry's.
  const [cla] = compileEndpoints(snap, proxy, [c.name]);
  const eps = cla?.endpoints?.flatMap((l) => l.lbEndpoints) ?? [];
  assert.deepEqual(eps.map((e) => e.endpoint.address.socketAddress), [{ address: '127.0.0.25', portValue: 80 }]);
});

test('000 step 01: WorkloadEntry behind the ServiceEntry, subset v10 inherits the policy', () => {
  const snap = snapshotFrom([
    `${EX000}/serviceentry-ngx.yaml`, `${EX000}/traffic-ngx.yaml`, `${EX000}/steps/01-workload-entry`, CLIENT,
  ]);
  const proxy = proxyFor(snap, 'default/sleep');
  const clusters = compileClusters(snap, proxy);
  const v10 = clusterNamed(clusters, outboundCluster('ngx.hj.com', 80, 'v10'));
  assert.equal(v10.type, 'EDS');
  assert.equal(v10.lbPolicy, 'RING_HASH');
  assert.equal(v10.circuitBreakers?.thresholds[0]?.maxConnections, 10000);
  assert.equal(v10.outlierDetection?.consecutive5xx, 5);
  assert.equal(v10.metadata?.filterMetadata?.['istio']?.['subset'], 'v10');
  assert.deepEqual(hashPolicyFor(snap, proxy, 'ngx.hj.com', 80, 'v10'), [{ header: { headerName: 'x-user' } }]);

  const [cla] = compileEndpoints(snap, proxy, [v10.name]);
  const eps = cla?.endpoints?.flatMap((l) => l.lbEndpoints) ?? [];
  assert.equal(eps.length, 1);
  assert.deepEqual(eps[0]?.endpoint.address.socketAddress, { address: '127.0.0.25', portValue: 80 });
  assert.equal(eps[0]?.healthStatus, 'HEALTHY');
  assert.equal(eps[0]?.loadBalancingWeight, 1);
});

test('001: subsets v10/v11 of demoapp are EDS clusters with label-filtered endpoints', () => {
  const snap = snapshotFrom([
    `${EX001}/deploy-demoapp-v10.yaml`, `${EX001}/deploy-demoapp-v11.yaml`, `${EX001}/deploy-proxy.yaml`,
    `${EX001}/service-demoapp.yaml`, `${EX001}/destinationrule-demoapp.yaml`, `${EX001}/virtualservice-demoapp.yaml`,
  ]);
  const proxy = proxyFor(snap, 'default/proxy');
  const host = serviceFqdn('demoapp', 'default');
  const clusters = compileClusters(snap, proxy);
  for (const name of [outboundCluster(host, 8080), outboundCluster(host, 8080, 'v10'), outboundCluster(host, 8080, 'v11')]) {
    const c = clusterNamed(clusters, name);
    assert.equal(c.type, 'EDS');
    assert.equal(c.lbPolicy, 'LEAST_REQUEST', 'Istio defaults to LEAST_REQUEST');
    assert.equal(c.connectTimeout, '10s');
  }
  const versionOf = new Map(snap.registry.workloads.map((w) => [w.address, w.labels['version']]));
  const cla = new Map(compileEndpoints(snap, proxy).map((a) => [a.clusterName, a]));
  const addrs = (name: string) => (cla.get(name)?.endpoints ?? []).flatMap((l) => l.lbEndpoints)
    .map((e) => e.endpoint.address.socketAddress!.address);
  assert.equal(addrs(outboundCluster(host, 8080)).length, 5);
  assert.equal(addrs(outboundCluster(host, 8080, 'v10')).length, 3);
  assert.equal(addrs(outboundCluster(host, 8080, 'v11')).length, 2);
  assert.ok(addrs(outboundCluster(host, 8080, 'v10')).every((a) => versionOf.get(a) === 'v1.0'));
  assert.ok(addrs(outboundCluster(host, 8080, 'v11')).every((a) => versionOf.get(a) === 'v1.1'));
  // Locality weight = sum of endpoint weights; endpoints carry Istio's tlsMode metadata.
  const v11 = cla.get(outboundCluster(host, 8080, 'v11'))!;
  assert.equal(v11.endpoints?.[0]?.loadBalancingWeight, 2);
  assert.deepEqual(v11.endpoints?.[0]?.lbEndpoints[0]?.metadata?.filterMetadata?.['envoy.transport_socket_match'], { tlsMode: 'istio' });
});

test('002: reviews circuit breaker applies to subset v1 only', () => {
  const snap = snapshotFrom(`
apiVersion: v1
kind: Service
metadata: {name: reviews, namespace: default}
spec:
  selector: {app: reviews}
  ports: [{name: http, port: 9080}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: reviews-v1, namespace: default}
spec:
  selector: {matchLabels: {app: reviews, version: v1}}
  template:
    metadata: {labels: {app: reviews, version: v1}}
    spec: {containers: [{name: reviews, image: reviews}]}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: reviews-v2, namespace: default}
spec:
  selector: {matchLabels: {app: reviews, version: v2}}
  template:
    metadata: {labels: {app: reviews, version: v2}}
    spec: {containers: [{name: reviews, image: reviews}]}
---
${readExample('examples/002-traffic-management/destinationrule-reviews.yaml')}`);
  const proxy = proxyFor(snap, 'default/reviews-v2');
  const host = serviceFqdn('reviews', 'default');
  const clusters = compileClusters(snap, proxy);
  assert.equal(clusterNamed(clusters, outboundCluster(host, 9080, 'v1')).circuitBreakers?.thresholds[0]?.maxConnections, 100);
  assert.equal(clusterNamed(clusters, outboundCluster(host, 9080)).circuitBreakers?.thresholds[0]?.maxConnections, MAX);
});

test('002: DNS ServiceEntry ext-svc.example.com → STRICT_DNS with the host as its endpoint', () => {
  const snap = snapshotFrom(['examples/002-traffic-management/serviceentry-ext-svc.yaml', CLIENT]);
  const proxy = proxyFor(snap, 'default/sleep');
  const c = clusterNamed(compileClusters(snap, proxy), outboundCluster('ext-svc.example.com', 443));
  assert.equal(c.type, 'STRICT_DNS');
  assert.equal(c.edsClusterConfig, undefined);
  assert.equal(c.dnsLookupFamily, 'V4_ONLY');
  assert.equal(c.respectDnsTtl, true);
  const eps = c.loadAssignment?.endpoints?.flatMap((l) => l.lbEndpoints) ?? [];
  assert.deepEqual(eps.map((e) => e.endpoint.address.socketAddress), [{ address: 'ext-svc.example.com', portValue: 443 }]);
  // DNS clusters are not served over EDS.
  assert.equal(compileEndpoints(snap, proxy).some((a) => a.clusterName === c.name), false);
});

test('resolution NONE → ORIGINAL_DST for sidecars, EDS for gateways; DNS_ROUND_ROBIN → LOGICAL_DNS', () => {
  const snap = snapshotFrom(`
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: any-db, namespace: default}
spec:
  hosts: [db.example.com]
  addresses: [10.10.0.0/16]
  ports: [{number: 5432, name: tcp, protocol: TCP}]
  location: MESH_EXTERNAL
  resolution: NONE
---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: rr, namespace: default}
spec:
  hosts: [rr.example.com]
  ports: [{number: 80, name: http, protocol: HTTP}]
  location: MESH_EXTERNAL
  resolution: DNS_ROUND_ROBIN
---
${readExample(CLIENT)}`);
  const sidecar = compileClusters(snap, proxyFor(snap, 'default/sleep'));
  const none = clusterNamed(sidecar, outboundCluster('db.example.com', 5432));
  assert.equal(none.type, 'ORIGINAL_DST');
  assert.equal(none.lbPolicy, 'CLUSTER_PROVIDED');
  const rr = clusterNamed(sidecar, outboundCluster('rr.example.com', 80));
  assert.equal(rr.type, 'LOGICAL_DNS');
  const gw = compileClusters(snap, proxyFor(snap, 'istio-system/istio-egressgateway'));
  assert.equal(clusterNamed(gw, outboundCluster('db.example.com', 5432)).type, 'EDS');
});

test('special clusters: sidecars always get BlackHole and Passthrough (REGISTRY_ONLY or ALLOW_ANY); gateways only BlackHole', () => {
  for (const step of ['02-sidecar-registry-only', '03-sidecar-allow-any']) {
    const snap = snapshotFrom([
      `${EX001}/deploy-demoapp-v10.yaml`, `${EX001}/deploy-demoapp-v11.yaml`, `${EX001}/deploy-proxy.yaml`,
      `${EX001}/service-demoapp.yaml`, `${EX001}/destinationrule-demoapp.yaml`, `${EX001}/client-pod.yaml`,
      `${EX001}/steps/${step}`,
    ]);
    const clusters = compileClusters(snap, proxyFor(snap, 'default/client'));
    const bh = clusterNamed(clusters, BLACKHOLE_CLUSTER);
    assert.equal(bh.type, 'STATIC');
    assert.equal(bh.loadAssignment, undefined);
    const pt = clusterNamed(clusters, PASSTHROUGH_CLUSTER);
    assert.equal(pt.type, 'ORIGINAL_DST');
    assert.equal(pt.lbPolicy, 'CLUSTER_PROVIDED');
    clusterNamed(clusters, INBOUND_PASSTHROUGH_CLUSTER);
    // The Sidecar scopes egress to ./*: gateways in istio-system are out of reach.
    assert.equal(clusters.some((c) => c.name.endsWith('istio-system.svc.cluster.local')), false, step);
    clusterNamed(clusters, outboundCluster(serviceFqdn('demoapp', 'default'), 8080, 'v10'));
  }
  const snap = snapshotFrom([`${EX000}/serviceentry-ngx.yaml`]);
  const gw = compileClusters(snap, proxyFor(snap, 'istio-system/istio-ingressgateway'));
  clusterNamed(gw, BLACKHOLE_CLUSTER);
  assert.equal(gw.some((c) => c.name === PASSTHROUGH_CLUSTER || c.name === INBOUND_PASSTHROUGH_CLUSTER), false);
  assert.equal(gw.some((c) => c.name.startsWith('inbound|')), false);
  clusterNamed(gw, outboundCluster('ngx.hj.com', 80));
});

test('inbound: a Deployment behind a Service gets inbound|TARGET_PORT|| to its own loopback IP', () => {
  const snap = snapshotFrom(`
apiVersion: v1
kind: Service
metadata: {name: web, namespace: shop}
spec:
  selector: {app: web}
  ports: [{name: http-web, port: 80, targetPort: 8080}, {name: grpc-api, port: 9000, targetPort: 9090}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: web, image: web}]}
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: web, namespace: shop}
spec:
  host: web.shop.svc.cluster.local
  trafficPolicy:
    connectionPool: {tcp: {maxConnections: 7}}
    outlierDetection: {consecutive5xxErrors: 2}
`);
  const proxy = proxyFor(snap, 'shop/web');
  const clusters = compileClusters(snap, proxy);
  const http = clusterNamed(clusters, inboundCluster(8080));
  assert.equal(http.type, 'STATIC');
  assert.deepEqual(http.loadAssignment?.endpoints?.[0]?.lbEndpoints[0]?.endpoint.address.socketAddress,
    { address: proxy.ip, portValue: 8080 });
  assert.deepEqual(http.upstreamBindConfig?.sourceAddress, { address: '127.0.0.6', portValue: 0 });
  // Only the connection pool of the DestinationRule applies inbound.
  assert.equal(http.circuitBreakers?.thresholds[0]?.maxConnections, 7);
  assert.equal(http.outlierDetection, undefined);
  assert.equal(http.lbPolicy, undefined);
  // gRPC port → HTTP/2 upstream.
  const grpc = clusterNamed(clusters, inboundCluster(9090));
  assert.deepEqual(grpc.typedExtensionProtocolOptions?.[HTTP_PROTOCOL_OPTIONS_KEY]?.explicitHttpConfig, { http2ProtocolOptions: {} });
  assert.equal(clusters.some((c) => c.name === inboundCluster(80)), false, 'named by target port, not service port');
});

test('cluster names are unique and the order is stable', () => {
  const snap = snapshotFrom([`${EX000}/serviceentry-ngx.yaml`, `${EX000}/traffic-ngx.yaml`, CLIENT]);
  const proxy = proxyFor(snap, 'default/sleep');
  const a = compileClusters(snap, proxy).map((c) => c.name);
  assert.equal(new Set(a).size, a.length);
  assert.deepEqual(compileClusters(snap, proxy).map((c) => c.name), a);
});

function readExample(path: string): string {
  return readFileSync(path, 'utf8');
}
