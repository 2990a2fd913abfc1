/**
 * What lets the ADS server do one generation for many proxies, on real snapshots through the
 * whole server (recording transports, fake clock): a proxy's locality is the node's, else its
 * workload's, resolved once per snapshot, so proxies of one locality share their EDS output and
 * a proxy whose workload moves gets endpoints prioritised from its new locality; LDS and CDS are
 * generated in two parts, so a VirtualService edit regenerates the shared outbound side once per
 * namespace and keeps every proxy's inbound side; `endpointsAt` indexes a proxy's own endpoints.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TypeUrl } from '../../src/api/envoy/common.js';
import type { ClusterLoadAssignment } from '../../src/api/envoy/endpoint.js';
import type { DiscoveryResponse, Node } from '../../src/api/xds/discovery.js';
import { compileClusters, compileListeners } from '../../src/compile/index.js';
import { loadTexts } from '../../src/config/load.js';
import { localityLabel, proxyFromNode, withLocality } from '../../src/model/proxy.js';
import { rebuildSnapshot } from '../../src/model/snapshot.js';
import type { Snapshot } from '../../src/model/types.js';
import { pushChange } from '../../src/xds/control-plane-changes.js';
import { AdsServer } from '../../src/xds/server.js';
import type { SnapshotChange, SnapshotSource } from '../../src/xds/types.js';
import { snapshotFrom } from '../helpers/snapshot.js';
import { FakeClock, RecordingTransport } from './fakes.js';

const CDS = TypeUrl.Cluster;
const EDS = TypeUrl.ClusterLoadAssignment;
const LDS = TypeUrl.Listener;
const REVIEWS = 'outbound|9080||reviews.a.svc.cluster.local';

const we = (name: string, ns: string, app: string, address: string, locality: string): string => `apiVersion: networking.istio.io/v1beta1
kind: WorkloadEntry
metadata: {name: ${name}, namespace: ${ns}}
spec: {address: ${address}, locality: ${locality}, labels: {app: ${app}}}
---
`;
const mesh = (client1Locality: string, weight = 90): string => `apiVersion: v1
kind: Service
metadata: {name: reviews, namespace: a}
spec:
  selector: {app: reviews}
  ports: [{name: http, port: 9080, targetPort: 9080}]
---
apiVersion: v1
kind: Service
metadata: {name: client, namespace: a}
spec:
  selector: {app: client}
  ports: [{name: http, port: 8000, targetPort: 8000}]
---
apiVersion: networking.istio.io/v1beta1
kind: DestinationRule
metadata: {name: reviews, namespace: a}
spec:
  host: reviews.a.svc.cluster.local
  trafficPolicy: {outlierDetection: {consecutive5xxErrors: 3, interval: 5s, baseEjectionTime: 30s}}
---
apiVersion: networking.istio.io/v1beta1
kind: VirtualService
metadata: {name: reviews, namespace: a}
spec:
  hosts: [reviews]
  http: [{route: [{destination: {host: reviews}, weight: ${weight}}, {destination: {host: reviews}, weight: ${100 - weight}}]}]
---
${we('reviews-1', 'a', 'reviews', '10.0.0.1', 'r1/z1')}${we('reviews-2', 'a', 'reviews', '10.0.0.2', 'r2/z2')}${we('client-1', 'a', 'client', '10.1.0.1', client1Locality)}${we('client-2', 'a', 'client', '10.1.0.2', 'r1/z1')}${we('client-3', 'a', 'client', '10.1.0.3', 'r2/z2')}`;

/** The snapshot after `text` replaced `prev`'s input, a change of `kinds` (the registry kept when they allow). */
const rebuilt = (prev: Snapshot, text: string, kinds: string[]): Snapshot =>
  rebuildSnapshot(prev, loadTexts([{ file: 'inline.yaml', text }]).objects.map((o) => o.raw), kinds);

class Source implements SnapshotSource {
  private fns = new Set<(c: SnapshotChange) => void>();
  constructor(public snap: Snapshot) {}
  current(): Snapshot {
    return this.snap;
  }
  subscribe(fn: (c: SnapshotChange) => void): () => void {
    this.fns.add(fn);
    return () => this.fns.delete(fn);
  }
  change(next: Snapshot, kinds: string[]): void {
    const c = pushChange(new Set(kinds), this.snap, next);
    this.snap = next;
    for (const fn of this.fns) fn({ snapshot: next, changedKinds: c.changedKinds, ...(c.endpoints ? { endpoints: c.endpoints } : {}) });
  }
}

function connect(server: AdsServer, node: Node): { t: RecordingTransport<DiscoveryResponse>; ack: () => DiscoveryResponse[] } {
  const t = new RecordingTransport<DiscoveryResponse>();
  const s = server.openStream(t);
  const ack = (): DiscoveryResponse[] => {
    const out = t.take();
    for (const r of out) s.receive({ typeUrl: r.typeUrl!, responseNonce: r.nonce!, versionInfo: r.versionInfo!, resourceNames: r.typeUrl === EDS ? [REVIEWS] : [] });
    return out;
  };
  s.receive({ node, typeUrl: CDS });
  s.receive({ typeUrl: EDS, resourceNames: [REVIEWS] });
  s.receive({ typeUrl: LDS });
  ack();
  return { t, ack };
}

const sidecar = (ip: string, pod: string, locality?: Node['locality']): Node => ({
  id: `sidecar~${ip}~${pod}.a~a.svc.cluster.local`, metadata: { NAMESPACE: 'a', LABELS: { app: 'client' } }, ...(locality ? { locality } : {}),
});

/** Priority of each endpoint address in the last EDS dump of a proxy. */
function priorities(server: AdsServer, id: string): Record<string, number> {
  const cla = server.configDump(id)!.types.find((x) => x.typeUrl === EDS)!.resources[0] as ClusterLoadAssignment;
  const out: Record<string, number> = {};
  for (const l of cla.endpoints ?? []) for (const e of l.lbEndpoints ?? []) out[e.endpoint!.address!.socketAddress!.address!] = l.priority ?? 0;
  return out;
}

test('the node locality, else the workload\'s, resolved per snapshot', { timeout: 10_000 }, () => {
  assert.equal(localityLabel({ region: 'r1', zone: 'z1' }), 'r1/z1');
  assert.equal(localityLabel({ region: 'r1', subZone: 's' }), 'r1//s');
  assert.equal(localityLabel({}), undefined);
  const snap = snapshotFrom(mesh('r1/z1'));
  const fromNode = proxyFromNode('sidecar~10.1.0.1~c.a~a.svc.cluster.local', {}, { region: 'r9' });
  assert.equal(fromNode.locality, 'r9');
  assert.equal(withLocality(fromNode, snap, true), fromNode);
  const bare = proxyFromNode('sidecar~10.1.0.1~c.a~a.svc.cluster.local');
  assert.equal(bare.locality, undefined);
  const resolved = withLocality(bare, snap, false);
  assert.equal(resolved.locality, 'r1/z1');
  assert.equal(withLocality(resolved, snap, false), resolved, 'unchanged: the same object');
  assert.equal(withLocality(proxyFromNode('sidecar~10.9.9.9~x.a~a.svc.cluster.local'), snap, false).locality, '');
  assert.deepEqual(snap.endpointsAt('10.0.0.2').map((e) => `${e.hostname}:${e.servicePort}`), ['reviews.a.svc.cluster.local:9080']);
  assert.deepEqual(snap.endpointsAt('10.9.9.9'), []);
});

test('proxies of one locality share EDS; a proxy whose workload moves follows its new locality', { timeout: 10_000 }, async () => {
  const clock = new FakeClock();
  const source = new Source(snapshotFrom(mesh('r1/z1')));
  const server = new AdsServer({ source, clock });
  const c1 = connect(server, sidecar('10.1.0.1', 'client-1'));
  const runs = server.generationStats.generated;
  const c2 = connect(server, sidecar('10.1.0.2', 'client-2'));
  // client-2 got client-1's EDS and the outbound sides of its LDS and CDS: only its inbound sides ran
  assert.equal(server.generationStats.generated - runs, 2, `generator runs ${JSON.stringify(server.generationStats)}`);
  const c3 = connect(server, sidecar('10.1.0.3', 'client-3'));
  const pinned = connect(server, sidecar('10.1.0.2', 'client-2b', { region: 'r2', zone: 'z2' }));
  void c2; void c3; void pinned;
  const id = (pod: string, ip: string) => `sidecar~${ip}~${pod}.a~a.svc.cluster.local`;
  assert.deepEqual(priorities(server, id('client-1', '10.1.0.1')), { '10.0.0.1': 0, '10.0.0.2': 1 });
  assert.deepEqual(priorities(server, id('client-2', '10.1.0.2')), { '10.0.0.1': 0, '10.0.0.2': 1 });
  assert.deepEqual(priorities(server, id('client-3', '10.1.0.3')), { '10.0.0.1': 1, '10.0.0.2': 0 });
  assert.deepEqual(priorities(server, id('client-2b', '10.1.0.2')), { '10.0.0.1': 1, '10.0.0.2': 0 }, 'the node\'s locality wins over its workload\'s');

  // client-1's own WorkloadEntry moves to r2/z2: an endpoints-only change for the server
  source.change(rebuilt(source.snap, mesh('r2/z2'), ['WorkloadEntry']), ['WorkloadEntry']);
  clock.advance(100);
  await server.idle();
  const pushed = c1.ack();
  assert.deepEqual(pushed.map((r) => r.typeUrl), [EDS]);
  assert.deepEqual(priorities(server, id('client-1', '10.1.0.1')), { '10.0.0.1': 1, '10.0.0.2': 0 });
  assert.deepEqual(priorities(server, id('client-2', '10.1.0.2')), { '10.0.0.1': 0, '10.0.0.2': 1 });
  await server.close();
});

test('a VirtualService edit regenerates the outbound side of LDS once per namespace and keeps inbound sides', { timeout: 10_000 }, async () => {
  const clock = new FakeClock();
  const source = new Source(snapshotFrom(mesh('r1/z1')));
  const server = new AdsServer({ source, clock });
  const clients = [connect(server, sidecar('10.1.0.1', 'client-1')), connect(server, sidecar('10.1.0.2', 'client-2')), connect(server, sidecar('10.1.0.3', 'client-3'))];
  const before = { ...server.generationStats };
  const next = rebuilt(source.snap, mesh('r1/z1', 70), ['VirtualService']);
  source.change(next, ['VirtualService']);
  clock.advance(100);
  await server.idle();
  for (const c of clients) c.ack();
  const s = server.generationStats;
  // one outbound LDS side (shared by the namespace); CDS and EDS do not read VirtualServices
  assert.equal(s.generated - before.generated, 1, `generator runs: ${JSON.stringify({ before, after: s })}`);
  assert.equal(s.reused - before.reused, 3 * 4, 'the inbound side of LDS and the rest are reused by all three');
  for (const [pod, ip] of [['client-1', '10.1.0.1'], ['client-3', '10.1.0.3']] as const) {
    const dump = server.configDump(`sidecar~${ip}~${pod}.a~a.svc.cluster.local`)!;
    const proxy = { ...dump.proxy };
    const lds = dump.types.find((x) => x.typeUrl === LDS)!.resources;
    const cds = dump.types.find((x) => x.typeUrl === CDS)!.resources;
    const strip = (rs: readonly object[]) => JSON.stringify(rs.map((r) => { const { ['@type']: _t, ...rest } = r as Record<string, unknown>; return rest; }));
    assert.equal(strip(lds), JSON.stringify(compileListeners(next, proxy)), `${pod}: LDS from parts equals compileListeners`);
    assert.equal(strip(cds), JSON.stringify(compileClusters(next, proxy)), `${pod}: CDS from parts equals compileClusters`);
  }
  await server.close();
});
