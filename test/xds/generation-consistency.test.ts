/**
 * The generation cache never changes what a proxy gets: over a sequence of config changes
 * (VirtualService, DestinationRule, Sidecar, a Sidecar with a workload selector, WorkloadEntry
 * added, moved and removed, Deployment scaled, a Service added, a proxy's own workload changed),
 * for sidecars of several workloads (some sharing a workload, some told apart only by labels:
 * a sourceLabels match, a Sidecar's selector), a WorkloadEntry proxy, the ingress gateway and a proxyless gRPC
 * client, every type's output through the cache (sharing between proxies, reuse across
 * snapshots, incremental EDS) equals what the generators produce directly, and the cache did
 * share, reuse and regenerate incrementally along the way.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TypeUrl } from '../../src/api/envoy/common.js';
import { MemoryStore } from '../../src/config/store/memory.js';
import { edsNames, rdsNames } from '../../src/compile/index.js';
import type { Cluster } from '../../src/api/envoy/cluster.js';
import type { Listener } from '../../src/api/envoy/listener.js';
import { grpcGenerators, grpcRdsNames } from '../../src/compile/grpc/index.js';
import type { GrpcListener } from '../../src/compile/grpc/types.js';
import { buildSnapshot, rebuildSnapshot } from '../../src/model/snapshot.js';
import { proxyForWorkload, proxyFromNode } from '../../src/model/proxy.js';
import type { Proxy, Snapshot } from '../../src/model/types.js';
import { pushChange } from '../../src/xds/control-plane-changes.js';
import { GenerationCache, listVersion, namesKey, type Basis } from '../../src/xds/generation-cache.js';
import { defaultGenerators, resourceName } from '../../src/xds/generators.js';
import type { GeneratorSet } from '../../src/xds/types.js';

const svc = (name: string, ns: string, port = 9080, portName = 'http') => `apiVersion: v1
kind: Service
metadata: {name: ${name}, namespace: ${ns}}
spec:
  selector: {app: ${name}}
  ports: [{name: ${portName}, port: ${port}, targetPort: ${port}}]
`;
const deploy = (name: string, ns: string, version: string, replicas: number, port = 9080) => `apiVersion: apps/v1
kind: Deployment
metadata: {name: ${name}-${version}, namespace: ${ns}}
spec:
  replicas: ${replicas}
  selector: {matchLabels: {app: ${name}, version: ${version}}}
  template:
    metadata: {labels: {app: ${name}, version: ${version}}}
    spec: {containers: [{name: app, image: x, ports: [{containerPort: ${port}}]}]}
`;
const vs = (w: number) => `apiVersion: networking.istio.io/v1beta1
kind: VirtualService
metadata: {name: reviews, namespace: a}
spec:
  hosts: [reviews]
  http:
  - match: [{sourceLabels: {app: ratings}}]
    route: [{destination: {host: reviews, subset: v2}}]
  - route:
    - {destination: {host: reviews, subset: v1}, weight: ${w}}
    - {destination: {host: reviews, subset: v2}, weight: ${100 - w}}
`;
const dr = (extraSubset: boolean) => `apiVersion: networking.istio.io/v1beta1
kind: DestinationRule
metadata: {name: reviews, namespace: a}
spec:
  host: reviews.a.svc.cluster.local
  trafficPolicy:
    outlierDetection: {consecutive5xxErrors: 3, interval: 5s, baseEjectionTime: 30s}
  subsets:
  - {name: v1, labels: {version: v1}}
  - {name: v2, labels: {version: v2}}
${extraSubset ? '  - {name: v3, labels: {version: v3}}\n' : ''}`;
const sidecar = (hosts: string[]) => `apiVersion: networking.istio.io/v1beta1
kind: Sidecar
metadata: {name: default, namespace: b}
spec:
  egress:
  - hosts: [${hosts.map((h) => JSON.stringify(h)).join(', ')}]
`;
const selectedSidecar = `apiVersion: networking.istio.io/v1beta1
kind: Sidecar
metadata: {name: details, namespace: a}
spec:
  workloadSelector: {labels: {app: reviews, version: v2}}
  egress:
  - hosts: ["./reviews.a.svc.cluster.local"]
`;
const registryOnlySidecar = `apiVersion: networking.istio.io/v1beta1
kind: Sidecar
metadata: {name: details, namespace: a}
spec:
  workloadSelector: {labels: {app: reviews, version: v2}}
  outboundTrafficPolicy: {mode: REGISTRY_ONLY}
  egress:
  - hosts: ["*/*"]
`;
const we = (name: string, ns: string, app: string, address: string, locality: string) => `apiVersion: networking.istio.io/v1beta1
kind: WorkloadEntry
metadata: {name: ${name}, namespace: ${ns}}
spec: {address: ${address}, locality: ${locality}, labels: {app: ${app}, version: v1}}
`;
const gateway = `apiVersion: networking.istio.io/v1beta1
kind: Gateway
metadata: {name: gw, namespace: istio-system}
spec:
  selector: {istio: ingressgateway}
  servers: [{port: {number: 80, name: http, protocol: HTTP}, hosts: ["*"]}]
---
apiVersion: networking.istio.io/v1beta1
kind: VirtualService
metadata: {name: ingress, namespace: istio-system}
spec:
  hosts: ["*"]
  gateways: [gw]
  http: [{route: [{destination: {host: reviews.a.svc.cluster.local, port: {number: 9080}}}]}]
`;

interface Step {
  name: string;
  apply(store: MemoryStore): void;
}

const STEPS: Step[] = [
  { name: 'VirtualService weight', apply: (s) => s.applyText('vs.yaml', vs(80)) },
  { name: 'WorkloadEntry added to reviews', apply: (s) => s.applyText('we-r.yaml', we('vm-r', 'a', 'reviews', '10.9.0.1', 'r1/z1')) },
  { name: 'WorkloadEntry of ratings moved', apply: (s) => s.applyText('we-1.yaml', we('vm-1', 'b', 'ratings', '10.8.0.9', 'r1/z1')) },
  { name: 'WorkloadEntry removed', apply: (s) => s.removeFile('we-r.yaml') },
  { name: 'DestinationRule subset added', apply: (s) => s.applyText('dr.yaml', dr(true)) },
  { name: 'Sidecar narrowed', apply: (s) => s.applyText('sidecar.yaml', sidecar(['./*'])) },
  { name: 'Sidecar for reviews v2 only', apply: (s) => s.applyText('sidecar-details.yaml', selectedSidecar) },
  { name: 'Sidecar for reviews v2: every host, REGISTRY_ONLY', apply: (s) => s.applyText('sidecar-details.yaml', registryOnlySidecar) },
  { name: 'details scaled', apply: (s) => s.applyText('details.yaml', deploy('details', 'a', 'v1', 3)) },
  { name: 'VirtualService weight back', apply: (s) => s.applyText('vs.yaml', vs(50)) },
  { name: 'Service added', apply: (s) => s.applyText('new.yaml', svc('productpage', 'a') + '---\n' + deploy('productpage', 'a', 'v1', 1)) },
  { name: 'own WorkloadEntry locality changed', apply: (s) => s.applyText('we-2.yaml', we('vm-2', 'b', 'ratings', '10.8.0.2', 'r2/z9')) },
  { name: 'WorkloadEntry added to ratings', apply: (s) => s.applyText('we-3.yaml', we('vm-3', 'b', 'ratings', '10.8.0.3', 'r1/z2')) },
];

function initialStore(): MemoryStore {
  const store = new MemoryStore();
  const files: Record<string, string> = {
    'reviews.yaml': svc('reviews', 'a') + '---\n' + deploy('reviews', 'a', 'v1', 2) + '---\n' + deploy('reviews', 'a', 'v2', 1),
    'details.yaml': deploy('details', 'a', 'v1', 2),
    'details-svc.yaml': svc('details', 'a'),
    'ratings.yaml': svc('ratings', 'b') + '---\n' + deploy('ratings', 'b', 'v1', 1),
    'client.yaml': deploy('client', 'b', 'v1', 1),
    'grpc.yaml': svc('echo', 'b', 7070, 'grpc'),
    'vs.yaml': vs(90),
    'dr.yaml': dr(false),
    'sidecar.yaml': sidecar(['./*', 'a/reviews.a.svc.cluster.local']),
    'we-1.yaml': we('vm-1', 'b', 'ratings', '10.8.0.1', 'r1/z1'),
    'we-2.yaml': we('vm-2', 'b', 'ratings', '10.8.0.2', 'r1/z2'),
    'gateway.yaml': gateway,
  };
  for (const [f, t] of Object.entries(files)) {
    const e = store.applyText(f, t);
    const errors = e.problems.filter((p) => p.severity === 'error');
    assert.deepEqual(errors, [], `${f} is valid`);
  }
  return store;
}

interface Client {
  label: string;
  proxy: Proxy;
  gens: GeneratorSet;
  basis: Map<string, Basis>;
}

/** The names a client of this kind subscribes to for RDS and EDS, from its LDS and CDS. */
function namesFor(c: Client, snapshot: Snapshot): Map<string, readonly string[] | undefined> {
  const g = c.gens;
  const grpc = c.proxy.generator === 'grpc';
  const listeners = g[TypeUrl.Listener]!(snapshot, c.proxy, grpc ? ['echo.b.svc.cluster.local:7070'] : undefined);
  const clusters = g[TypeUrl.Cluster]!(snapshot, c.proxy, undefined) as Cluster[];
  const rds = grpc ? grpcRdsNames(listeners as GrpcListener[]) : rdsNames(listeners as Listener[]);
  return new Map<string, readonly string[] | undefined>([
    [TypeUrl.Listener, grpc ? ['echo.b.svc.cluster.local:7070'] : undefined],
    [TypeUrl.Cluster, undefined],
    [TypeUrl.RouteConfiguration, [...new Set(rds)].sort()],
    [TypeUrl.ClusterLoadAssignment, [...new Set(edsNames(clusters))].sort()],
  ]);
}

/** What the stream would send without the cache: the generator's output, filtered and typed. */
function direct(gens: GeneratorSet, typeUrl: string, snapshot: Snapshot, proxy: Proxy, names: readonly string[] | undefined): string {
  const wanted = names && new Set(names);
  const out = gens[typeUrl]!(snapshot, proxy, names)
    .filter((r) => !wanted || wanted.has(resourceName(r)))
    .map((r) => ('@type' in r ? r : { '@type': typeUrl, ...r }));
  return JSON.stringify(out);
}

for (const recordTries of [16, 1]) test(`cached, shared, reused and incremental output equals direct generation at every step (recordTries ${recordTries})`, () => {
  const store = initialStore();
  let snapshot = buildSnapshot(store.list().map((o) => o.raw));
  const cache = new GenerationCache(true, recordTries);
  const workloads = snapshot.registry.workloads;
  const clients: Client[] = [];
  for (const w of workloads) {
    clients.push({ label: `${w.kind} ${w.namespace}/${w.podName}`, proxy: proxyForWorkload(w, snapshot), gens: defaultGenerators, basis: new Map() });
  }
  // a second sidecar of the first reviews pod (same workload, own pod name)
  const r0 = workloads.find((w) => w.name === 'reviews-v1')!;
  clients.push({
    label: 'second sidecar of reviews-v1-0',
    proxy: proxyFromNode(`sidecar~${r0.address}~reviews-v1-0-x.a~a.svc.cluster.local`, { NAMESPACE: 'a', LABELS: { ...r0.labels } }),
    gens: defaultGenerators, basis: new Map(),
  });
  clients.push({
    label: 'proxyless gRPC client in b',
    proxy: proxyFromNode('sidecar~10.7.0.1~grpc-client.b~b.svc.cluster.local', { NAMESPACE: 'b', GENERATOR: 'grpc', LABELS: { app: 'client' } }),
    gens: grpcGenerators, basis: new Map(),
  });
  assert.ok(clients.some((c) => c.proxy.type === 'router'), 'the ingress gateway is among the proxies');
  assert.ok(clients.some((c) => c.proxy.ip === '10.8.0.2'), 'a WorkloadEntry proxy whose locality changes later');

  const check = (stepName: string): void => {
    for (const c of clients) {
      for (const [typeUrl, names] of namesFor(c, snapshot)) {
        const basis = c.basis.get(typeUrl);
        const got = cache.generate(snapshot, typeUrl, c.gens[typeUrl]!, c.proxy, names, basis);
        c.basis.set(typeUrl, { generated: got, validAt: snapshot.version, names: namesKey(names) });
        const want = direct(c.gens, typeUrl, snapshot, c.proxy, names);
        assert.equal(JSON.stringify(got.resources), want, `${stepName}: ${c.label}: ${typeUrl.slice(typeUrl.lastIndexOf('.') + 1)}`);
        assert.equal(got.version, listVersion(got.resources));
      }
    }
  };

  check('initial');
  for (const step of STEPS) {
    const before = snapshot;
    let event: { changed: ReadonlySet<string> } | undefined;
    const unsubscribe = store.subscribe((e) => { event = e; });
    step.apply(store);
    unsubscribe();
    assert.ok(event && event.changed.size > 0, `${step.name}: the store accepted the change`);
    snapshot = rebuildSnapshot(before, store.list().map((o) => o.raw), event.changed);
    const change = pushChange(event.changed, before, snapshot);
    cache.noteTransition(before, snapshot, change.changedKinds, change.endpoints);
    check(step.name);
  }
  const s = cache.stats;
  assert.ok(s.shared > 0, `outputs were shared (${JSON.stringify(s)})`);
  assert.ok(s.reused > 0, `outputs were reused across snapshots (${JSON.stringify(s)})`);
  assert.ok(s.incremental > 0, `EDS was regenerated incrementally (${JSON.stringify(s)})`);
  if (recordTries === 1) assert.ok(s.unshareable > 0, `some runs were not recorded (${JSON.stringify(s)})`);
});
