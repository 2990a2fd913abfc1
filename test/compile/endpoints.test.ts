/**
 * Endpoint compiler (EDS): which endpoints a cluster balances over, with what weight, health,
 * locality and priority; and the answer for names that are not EDS clusters of the proxy.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { snapshotFrom, proxyFor } from '../helpers/snapshot.js';
import { compileEndpoints } from '../../src/compile/endpoints/index.js';
import { compileClusters } from '../../src/compile/clusters/index.js';
import { outboundCluster } from '../../src/api/names.js';
import type { ClusterLoadAssignment } from '../../src/api/envoy/endpoint.js';

const MESH = `
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: pay, namespace: default}
spec:
  hosts: [pay.example.com]
  ports: [{number: 80, name: http, protocol: HTTP}]
  location: MESH_INTERNAL
  resolution: STATIC
  endpoints:
  - {address: 10.0.0.1, labels: {version: v1}, weight: 3}
  - {address: 10.0.0.2, labels: {version: v2}, locality: us-east/zone-a, weight: 1}
  - {address: 10.0.0.3, labels: {version: v2}, locality: us-east/zone-b}
  - {address: 10.0.0.4, labels: {version: v2}, locality: eu-west/zone-a/rack-1}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: client, namespace: default}
spec:
  selector: {matchLabels: {app: client}}
  template:
    metadata: {labels: {app: client}}
    spec: {containers: [{name: c, image: c}]}
`;

function rule(spec: string): string {
  return `---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: pay, namespace: default}
spec:
  host: pay.example.com
${spec.replace(/^\n/, '').split('\n').map((l) => '  ' + l).join('\n')}
`;
}

function addresses(cla: ClusterLoadAssignment | undefined): string[] {
  return (cla?.endpoints ?? []).flatMap((l) => l.lbEndpoints).map((e) => e.endpoint.address.socketAddress!.address);
}

test('endpoints are grouped by locality (sorted), weighted, and parsed into region/zone/subzone', () => {
  const snap = snapshotFrom(MESH);
  const proxy = proxyFor(snap, 'default/client');
  const [cla] = compileEndpoints(snap, proxy, [outboundCluster('pay.example.com', 80)]);
  assert.ok(cla);
  assert.deepEqual(cla.endpoints?.map((l) => l.locality), [
    {}, { region: 'eu-west', zone: 'zone-a', subZone: 'rack-1' }, { region: 'us-east', zone: 'zone-a' }, { region: 'us-east', zone: 'zone-b' },
  ]);
  assert.deepEqual(cla.endpoints?.map((l) => l.loadBalancingWeight), [3, 1, 1, 1]);
  assert.equal(cla.endpoints?.[0]?.lbEndpoints[0]?.loadBalancingWeight, 3);
  assert.equal(cla.endpoints?.some((l) => l.priority !== undefined), false, 'no outlier detection → no failover');
});

test('subset endpoints are filtered by labels; unknown names get an empty assignment; DNS clusters none', () => {
  const snap = snapshotFrom(MESH + rule(`
subsets:
- {name: v1, labels: {version: v1}}
- {name: v2, labels: {version: v2}}
- {name: none, labels: {version: v9}}
`));
  const proxy = proxyFor(snap, 'default/client');
  const all = compileEndpoints(snap, proxy);
  const byName = new Map(all.map((a) => [a.clusterName, a]));
  assert.deepEqual(addresses(byName.get(outboundCluster('pay.example.com', 80, 'v1'))), ['10.0.0.1']);
  assert.deepEqual(addresses(byName.get(outboundCluster('pay.example.com', 80, 'v2'))).sort(), ['10.0.0.2', '10.0.0.3', '10.0.0.4']);
  assert.deepEqual(byName.get(outboundCluster('pay.example.com', 80, 'none')), { clusterName: outboundCluster('pay.example.com', 80, 'none') });
  // Every EDS cluster of CDS has its assignment, and nothing else.
  const eds = compileClusters(snap, proxy).filter((c) => c.type === 'EDS').map((c) => c.name);
  assert.deepEqual(all.map((a) => a.clusterName), eds);

  const asked = compileEndpoints(snap, proxy, [outboundCluster('gone.example.com', 80), 'not-a-cluster']);
  assert.deepEqual(asked, [{ clusterName: outboundCluster('gone.example.com', 80) }]);
});

test('outlier detection turns on locality failover relative to the proxy locality', () => {
  const snap = snapshotFrom(MESH + rule(`
trafficPolicy:
  outlierDetection: {consecutive5xxErrors: 1}
`));
  const proxy = proxyFor(snap, 'default/client');
  const [cla] = compileEndpoints(snap, proxy, [outboundCluster('pay.example.com', 80)]);
  // The client has no locality: the locality-less endpoint is local (priority 0), the rest next.
  assert.deepEqual(cla?.endpoints?.map((l) => l.priority ?? 0), [0, 1, 1, 1]);
});

test('distribute rewrites locality weights and empties localities it does not send to', () => {
  const snap = snapshotFrom(MESH + rule(`
trafficPolicy:
  loadBalancer:
    localityLbSetting:
      distribute:
      - from: "*"
        to: {"us-east/*": 80, "eu-west/zone-a": 20}
`));
  const proxy = proxyFor(snap, 'default/client');
  const [cla] = compileEndpoints(snap, proxy, [outboundCluster('pay.example.com', 80)]);
  const byRegion = (cla?.endpoints ?? []).map((l) => [l.locality?.region ?? '', l.loadBalancingWeight, l.lbEndpoints.length]);
  assert.deepEqual(byRegion, [['', 3, 0], ['eu-west', 20, 1], ['us-east', 40, 1], ['us-east', 40, 1]]);
});

test('locality LB can be switched off per rule', () => {
  const snap = snapshotFrom(MESH + rule(`
trafficPolicy:
  outlierDetection: {consecutive5xxErrors: 1}
  loadBalancer: {localityLbSetting: {enabled: false}}
`));
  const [cla] = compileEndpoints(snap, proxyFor(snap, 'default/client'), [outboundCluster('pay.example.com', 80)]);
  assert.equal(cla?.endpoints?.some((l) => l.priority !== undefined), false);
});
