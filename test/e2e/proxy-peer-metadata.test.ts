/**
 * Istio's metadata exchange end to end: sidecar A (client, explicit outbound) → sidecar B's
 * inbound → the app. B runs as Istio runs a VM sidecar without iptables: a Sidecar resource's
 * ingress listener on the service port (bound on B's address) with `defaultEndpoint
 * 127.0.0.1:APP_PORT`, the app on its own port at the workload's address. A adds
 * `x-envoy-peer-metadata-id` and `x-envoy-peer-metadata` (base64 of a google.protobuf.Struct:
 * NAME, NAMESPACE, WORKLOAD_NAME, CLUSTER_ID, LABELS); B reads them, so that its
 * `reporter="destination"` series on :15090 carry A's workload labels instead of `unknown`, and
 * strips them before the app; B answers with its own pair, which A reads (its
 * `reporter="source"` series get B's app and version) and strips before A's client. A request
 * that reaches B without the headers is counted with source `unknown`, and B adds none to it.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { startAdminServers, type AdminServers } from '../../src/proxy/admin/index.js';
import { startProxy, type RunningProxy } from '../../src/proxy/server/proxy.js';
import { decodePeerMetadata, PEER_ID_HEADER, PEER_METADATA_HEADER } from '../../src/proxy/stats/peer-metadata.js';
import { get, send, startMesh, upstream, waitFor, type Mesh, type Upstream } from './helpers/proxy-harness.js';

const A_IP = '127.0.86.1';
const B_IP = '127.0.86.2';
const PORT = 18686;
let mesh: Mesh;
let b: RunningProxy;
let admin: AdminServers;
let app: Upstream;
const seenByApp: http.IncomingHttpHeaders[] = [];

before(async () => {
  app = await upstream('server-app', B_IP, (req) => { seenByApp.push(req.headers); return false; });
  const yaml = `apiVersion: v1
kind: Service
metadata: {name: server, namespace: default}
spec:
  ports: [{name: http, port: ${PORT}, targetPort: http}]
  selector: {app: server}
---
apiVersion: networking.istio.io/v1beta1
kind: WorkloadEntry
metadata: {name: server-0, namespace: default}
spec: {address: ${B_IP}, ports: {http: ${PORT}}, labels: {app: server, version: v2}}
---
apiVersion: networking.istio.io/v1beta1
kind: WorkloadEntry
metadata: {name: client-0, namespace: default}
spec: {address: ${A_IP}, labels: {app: client, version: v1}}
---
apiVersion: networking.istio.io/v1beta1
kind: Sidecar
metadata: {name: server, namespace: default}
spec:
  workloadSelector: {labels: {app: server}}
  ingress:
  - port: {number: ${PORT}, protocol: HTTP, name: http}
    defaultEndpoint: 127.0.0.1:${app.port}
`;
  mesh = await startMesh(yaml, { ip: A_IP, name: 'client-0', workloadName: 'client', labels: { app: 'client', version: 'v1' } }, [app]);
  b = await startProxy({
    xds: `127.0.0.1:${mesh.cp.xdsPort}`, type: 'sidecar', ip: B_IP, name: 'server-0', workloadName: 'server', namespace: 'default',
    labels: { app: 'server', version: 'v2' }, outbound: 'explicit',
    log: (l) => mesh.logs.push(`b: ${l}`),
  });
  admin = await startAdminServers({ ip: B_IP, adminPort: 0, healthPort: 0, prometheusPort: 0, snapshots: b.xds, isReady: () => true, stats: b.stats });
  await waitFor(`B's inbound port ${PORT} bound`, () => [...b.listeners.bound().values()].includes(`${B_IP}:${PORT}`))
    .catch((e: Error) => { throw new Error(`${e.message}: bound ${JSON.stringify([...b.listeners.bound()])}, listeners ${[...b.xds.current().listeners.keys()]}\n${mesh.logs.join('\n')}`); });
});

after(async () => {
  await admin?.close();
  await b?.close();
  await mesh?.close();
});

/** The istio_requests_total lines of a Prometheus text with the given reporter. */
function series(text: string, reporter: string): string[] {
  return text.split('\n').filter((l) => l.startsWith('istio_requests_total{') && l.includes(`reporter="${reporter}"`));
}

test('A → B inbound → app: B reports A\'s workload, the app never sees the exchange headers', { timeout: 15_000 }, async () => {
  const r = await get(mesh.explicit, `http://server:${PORT}/hello`);
  assert.equal(r.status, 200, `${r.body}\n${mesh.logs.join('\n')}`);
  assert.equal(r.json?.name, 'server-app');
  // Neither the app nor A's client sees the exchange.
  const h = seenByApp.at(-1)!;
  assert.equal(h[PEER_ID_HEADER], undefined, JSON.stringify(h));
  assert.equal(h[PEER_METADATA_HEADER], undefined, JSON.stringify(h));
  assert.equal(r.headers[PEER_ID_HEADER], undefined);
  assert.equal(r.headers[PEER_METADATA_HEADER], undefined);

  const text = await (await fetch(`http://${B_IP}:${admin.prometheusPort}/stats/prometheus`)).text();
  const dst = series(text, 'destination');
  const line = dst.find((l) => l.includes('response_code="200"'));
  assert.ok(line, text.slice(0, 3000));
  for (const label of [
    'source_workload="client"', 'source_workload_namespace="default"', 'source_app="client"', 'source_version="v1"',
    'source_cluster="Kubernetes"', 'source_canonical_service="client"', 'source_canonical_revision="v1"',
    'destination_workload="server"', 'destination_app="server"', 'destination_version="v2"',
  ]) assert.ok(line.includes(label), `${label} missing in ${line}`);
});

test('B answers with its own metadata: A\'s reporter="source" series carry B\'s app and version', { timeout: 10_000 }, async () => {
  await get(mesh.explicit, `http://server:${PORT}/again`);
  const src = mesh.proxy.stats.istio.httpSeries().map((s) => Object.fromEntries(s.labels)).filter((l) => l['reporter'] === 'source' && l['response_code'] === '200');
  const s = src.find((l) => l['destination_service'] === `server.default.svc.cluster.local`);
  assert.ok(s, JSON.stringify(src));
  assert.equal(s['destination_workload'], 'server');
  assert.equal(s['destination_workload_namespace'], 'default');
  assert.equal(s['destination_app'], 'server');
  assert.equal(s['destination_version'], 'v2');
  assert.equal(s['destination_canonical_service'], 'server');
  assert.equal(s['source_workload'], 'client');
});

test('the pair A sends is Istio\'s: the node id and a Struct with NAME, NAMESPACE, WORKLOAD_NAME, CLUSTER_ID, LABELS', { timeout: 10_000 }, async () => {
  // A sends to a plain upstream (no sidecar), which sees the headers as they are on the wire.
  const seen: http.IncomingHttpHeaders[] = [];
  const raw = await upstream('raw', '127.0.86.30', (req) => { seen.push(req.headers); return false; });
  try {
    mesh.store.applyText('raw.yaml', `apiVersion: v1
kind: Service
metadata: {name: raw, namespace: default}
spec:
  ports: [{name: http, port: 8080, targetPort: http}]
  selector: {app: raw}
---
apiVersion: networking.istio.io/v1beta1
kind: WorkloadEntry
metadata: {name: raw, namespace: default}
spec: {address: 127.0.86.30, ports: {http: ${raw.port}}, labels: {app: raw}}
`);
    await waitFor('the raw service', async () => (await get(mesh.explicit, 'http://raw:8080/x')).status === 200);
    const h = seen.at(-1)!;
    assert.equal(h[PEER_ID_HEADER], `sidecar~${A_IP}~client-0.default~default.svc.cluster.local`);
    const m = decodePeerMetadata(String(h[PEER_METADATA_HEADER]));
    assert.deepEqual(m, {
      name: 'client-0', namespace: 'default', workloadName: 'client', clusterId: 'Kubernetes',
      labels: { app: 'client', version: 'v1', 'service.istio.io/canonical-name': 'client', 'service.istio.io/canonical-revision': 'v1' },
    });
    // Not sent to destinations outside the mesh (PassthroughCluster under ALLOW_ANY).
    const before = seen.length;
    const direct = await get(mesh.explicit, `http://127.0.86.30:${raw.port}/out`);
    assert.equal(direct.status, 200);
    assert.equal(seen.length, before + 1);
    assert.equal(seen.at(-1)![PEER_METADATA_HEADER], undefined, 'no metadata to PassthroughCluster');
  } finally {
    raw.server.closeAllConnections();
    raw.server.close();
  }
});

test('a request reaching B without the exchange is counted with source unknown and gets no metadata back', { timeout: 10_000 }, async () => {
  const r = await send({ ip: B_IP, port: PORT }, '/direct', { headers: { host: 'server' }, fresh: true });
  assert.equal(r.status, 200);
  assert.equal(r.headers[PEER_METADATA_HEADER], undefined);
  const text = await (await fetch(`http://${B_IP}:${admin.prometheusPort}/stats/prometheus`)).text();
  assert.ok(series(text, 'destination').some((l) => l.includes('source_workload="unknown"') && l.includes('destination_workload="server"')), text.slice(0, 3000));
  // A peer header that is not base64 of a Struct is ignored (and still stripped), never an error.
  const bad = await send({ ip: B_IP, port: PORT }, '/bad', { headers: { host: 'server', [PEER_METADATA_HEADER]: '%%%not-base64', [PEER_ID_HEADER]: 'x' }, fresh: true });
  assert.equal(bad.status, 200);
  assert.equal(seenByApp.at(-1)![PEER_METADATA_HEADER], undefined);
});
