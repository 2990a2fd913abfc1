/** Proxy identity: node ids for workloads and gateways, parsing node id + metadata, workloadByAddress. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { proxyFor, snapshotFrom } from '../helpers/snapshot.js';
import { parseNodeId, proxyFromNode } from '../../src/model/proxy.js';

test('proxyFor: Deployment → first replica, pod name, Pod, WorkloadEntry, gateways', () => {
  const s = snapshotFrom(['examples/001-sidecar-canary']);
  const p = proxyFor(s, 'default/demoappv10');
  assert.equal(p.podName, 'demoappv10-0');
  assert.equal(p.id, `sidecar~${p.ip}~demoappv10-0.default~default.svc.cluster.local`);
  assert.deepEqual([p.type, p.namespace, p.workloadName, p.labels.version, p.serviceAccount], ['sidecar', 'default', 'demoappv10', 'v1.0', 'default']);
  assert.equal(proxyFor(s, 'default/demoappv10-2').podName, 'demoappv10-2');
  assert.equal(proxyFor(s, 'default/client').labels.run, 'client');
  const gw = proxyFor(s, 'istio-system/istio-ingressgateway');
  assert.equal(gw.id, 'router~127.0.10.1~istio-ingressgateway-0.istio-system~istio-system.svc.cluster.local');
  assert.equal(s.workloadByAddress(p.ip)?.podName, 'demoappv10-0');
  assert.equal(s.workloadByAddress('127.0.10.2')?.name, 'istio-egressgateway');
  assert.throws(() => proxyFor(s, 'default/nope'), /no workload default\/nope/);
});

test('snapshots are deterministic: same input, same version and addresses', () => {
  const a = snapshotFrom(['examples/001-sidecar-canary']);
  const b = snapshotFrom(['examples/001-sidecar-canary']);
  assert.equal(a.version, b.version);
  assert.deepEqual(a.registry.workloads.map((w) => w.address), b.registry.workloads.map((w) => w.address));
  assert.deepEqual(a.registry.services.map((x) => x.addresses), b.registry.services.map((x) => x.addresses));
  assert.notEqual(snapshotFrom(['examples/001-sidecar-canary', 'examples/001-sidecar-canary/steps/01-weight-based-routing']).version, a.version);
});

test('proxyFromNode parses Istio node ids and metadata', () => {
  const p = proxyFromNode('sidecar~10.1.2.3~reviews-v1-abc.bookinfo~bookinfo.svc.cluster.local', {
    LABELS: { app: 'reviews', version: 'v1' }, WORKLOAD_NAME: 'reviews-v1', SERVICE_ACCOUNT: 'bookinfo-reviews',
    CLUSTER_ID: 'c1', NETWORK: 'n1', INTERCEPTION_MODE: 'NONE', GENERATOR: 'grpc',
  });
  assert.deepEqual(p, {
    id: 'sidecar~10.1.2.3~reviews-v1-abc.bookinfo~bookinfo.svc.cluster.local', type: 'sidecar', ip: '10.1.2.3',
    podName: 'reviews-v1-abc', namespace: 'bookinfo', labels: { app: 'reviews', version: 'v1' }, workloadName: 'reviews-v1',
    serviceAccount: 'bookinfo-reviews', clusterId: 'c1', network: 'n1', generator: 'grpc', interceptionMode: 'NONE',
  });
  const r = proxyFromNode('router~127.0.10.1~istio-ingressgateway-0.istio-system~istio-system.svc.cluster.local');
  assert.deepEqual([r.type, r.namespace, r.podName, r.clusterId, r.interceptionMode], ['router', 'istio-system', 'istio-ingressgateway-0', 'Kubernetes', 'REDIRECT']);
  assert.equal(parseNodeId('nope'), undefined);
  assert.throws(() => proxyFromNode('x~y'), /invalid node id/);
});

test('rebuildSnapshot reuses the registry when only routing kinds changed', async () => {
  const { loadPaths } = await import('../../src/config/load.js');
  const { buildSnapshot, rebuildSnapshot } = await import('../../src/model/snapshot.js');
  const objs = loadPaths(['examples/001-sidecar-canary/service-demoapp.yaml', 'examples/001-sidecar-canary/deploy-demoapp-v10.yaml']).objects.map((o) => o.raw);
  const vs = loadPaths(['examples/001-sidecar-canary/virtualservice-demoapp.yaml']).objects.map((o) => o.raw);
  const first = buildSnapshot(objs);
  const second = rebuildSnapshot(first, [...objs, ...vs], ['VirtualService']);
  assert.equal(second.registry, first.registry);
  assert.deepEqual(second.virtualServicesFor('mesh', 'default').map((v) => v.name), ['demoapp']);
  const third = rebuildSnapshot(second, objs, ['Service']);
  assert.notEqual(third.registry, first.registry);
});
