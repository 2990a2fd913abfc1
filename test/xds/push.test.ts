/**
 * Pushes through the whole server with a fake clock and recording transports: debounced bursts
 * become one push per type; a full push goes CDS, EDS, LDS, RDS; an endpoints-only change pushes
 * EDS only; output identical to what a proxy last received is not sent (unaffected proxies get
 * nothing); convergence is reported after the ACKs; a reconnecting proxy gets the current set;
 * GENERATOR=grpc nodes use their own generators; the default generators serve a real snapshot.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TypeUrl } from '../../src/api/envoy/common.js';
import type { DiscoveryRequest, DiscoveryResponse } from '../../src/api/xds/discovery.js';
import { AdsServer } from '../../src/xds/server.js';
import { staticSource, type GeneratorSet, type SotwHandle } from '../../src/xds/types.js';
import { snapshotFrom, proxyFor } from '../helpers/snapshot.js';
import { assertEncodes } from '../helpers/xds.js';
import { BASE, FakeClock, FakeSource, NODE_A, NODE_B, RecordingTransport, fakeGenerators, fakeSnapshot, recorder, type FakeData } from './fakes.js';

const LDS = TypeUrl.Listener;
const CDS = TypeUrl.Cluster;
const RDS = TypeUrl.RouteConfiguration;
const EDS = TypeUrl.ClusterLoadAssignment;
const CA = 'outbound|8080||a.default.svc.cluster.local';
const CB = 'outbound|8080||b.default.svc.cluster.local';

interface Client { t: RecordingTransport<DiscoveryResponse>; s: SotwHandle; id: string }

function setup(extra: Partial<ConstructorParameters<typeof AdsServer>[0]> = {}) {
  const clock = new FakeClock();
  const source = new FakeSource(fakeSnapshot('s1', structuredClone(BASE)));
  const rec = recorder();
  const server = new AdsServer({ source, clock, onEvent: rec.on, generators: fakeGenerators, ...extra });
  /** ACKs every response the client got; returns them. */
  const ack = (c: Client): DiscoveryResponse[] => {
    const out: DiscoveryResponse[] = [];
    for (let batch = c.t.take(); batch.length; batch = c.t.take()) {
      out.push(...batch);
      for (const r of batch) c.s.receive({ typeUrl: r.typeUrl!, responseNonce: r.nonce!, versionInfo: r.versionInfo!, resourceNames: subs.get(c)?.get(r.typeUrl!) ?? [] });
    }
    return out;
  };
  const subs = new Map<Client, Map<string, string[]>>();
  const connect = (id: string, rds: string[], eds: string[], metadata: Record<string, unknown> = {}): Client => {
    const t = new RecordingTransport<DiscoveryResponse>();
    const s = server.openStream(t);
    const c = { t, s, id };
    subs.set(c, new Map([[RDS, rds], [EDS, eds]]));
    const reqs: DiscoveryRequest[] = [
      { node: { id, metadata }, typeUrl: CDS },
      { typeUrl: EDS, resourceNames: eds },
      { typeUrl: LDS },
      { typeUrl: RDS, resourceNames: rds },
    ];
    for (const r of reqs) s.receive(r);
    ack(c);
    return c;
  };
  const change = (mut: (d: FakeData) => void, kinds: string[], version: string): void => {
    const d = structuredClone((source.current() as unknown as { data: FakeData }).data);
    mut(d);
    source.change(fakeSnapshot(version, d), kinds);
  };
  return { clock, source, rec, server, connect, ack, change };
}

const types = (rs: DiscoveryResponse[]): string[] => rs.map((r) => r.typeUrl!.slice(r.typeUrl!.lastIndexOf('.') + 1));

test('a burst of changes is debounced into one push per changed type, in CDS, EDS, LDS, RDS order', async () => {
  const { clock, server, connect, ack, change, rec } = setup();
  const a = connect(NODE_A, ['8080'], [CA, CB]);
  // an isolated change is pushed at once (leading edge) ...
  change((d) => d.routes['8080'] = 'v1b', ['VirtualService'], 's1b');
  clock.advance(0);
  await server.idle();
  assert.deepEqual(types(ack(a)), ['RouteConfiguration']);
  // ... and a burst right after it is coalesced into one trailing push after the quiet period
  change((d) => d.routes['8080'] = 'v2', ['VirtualService'], 's2');
  clock.advance(50);
  change((d) => { d.clusters.push('c'); d.listeners.push('0.0.0.0_9090'); }, ['ServiceEntry'], 's3');
  clock.advance(50);
  change((d) => d.endpoints[CA] = ['10.0.0.9'], ['endpoints'], 's4');
  clock.advance(99);
  assert.deepEqual(a.t.sent, [], 'nothing before the quiet period');
  clock.advance(1);
  await server.idle();
  const pushed = ack(a);
  assert.deepEqual(types(pushed), ['Cluster', 'ClusterLoadAssignment', 'Listener', 'RouteConfiguration']);
  assert.equal(rec.of('debounced').length, 2);
  assert.equal(rec.of('debounced')[1]!.changes, 3);
  assert.equal(server.statuses()[0]!.snapshotVersion, 's4');
});

test('an endpoints-only change pushes EDS only', async () => {
  const { clock, server, connect, ack, change } = setup();
  const a = connect(NODE_A, ['8080'], [CA]);
  // listener data changes too, but the change says only endpoints changed: only EDS is generated
  change((d) => { d.endpoints[CA] = ['10.0.0.7', '10.0.0.8']; d.listeners = ['other']; }, ['endpoints'], 's2');
  clock.advance(100);
  await server.idle();
  const pushed = ack(a);
  assert.deepEqual(types(pushed), ['ClusterLoadAssignment']);
  assert.equal((pushed[0]!.resources![0] as { endpoints: { lbEndpoints: unknown[] }[] }).endpoints[0]!.lbEndpoints.length, 2);
});

test('unchanged output is not pushed: unaffected proxies get nothing', async () => {
  const { clock, server, connect, ack, change, rec } = setup();
  const a = connect(NODE_A, ['8080'], [CA]);
  const b = connect(NODE_B, ['9090'], [CB]);
  change((d) => d.routes['8080'] = 'v2', ['VirtualService'], 's2');
  clock.advance(100);
  await server.idle();
  assert.deepEqual(types(ack(a)), ['RouteConfiguration']);
  assert.deepEqual(ack(b), [], 'B does not use route 8080');
  assert.ok(rec.of('push-skipped').filter((e) => e.proxyId === NODE_B).length === 4);
  change((d) => d.endpoints[CB] = ['10.0.0.5'], ['endpoints'], 's3');
  clock.advance(100);
  await server.idle();
  assert.deepEqual(ack(a), [], 'A does not watch cluster b');
  assert.deepEqual(types(ack(b)), ['ClusterLoadAssignment']);
});

test('convergence: per proxy after its last ACK, and for the round after the last proxy', async () => {
  const { clock, server, connect, ack, change, rec } = setup();
  const a = connect(NODE_A, ['8080'], [CA]);
  const b = connect(NODE_B, ['8080'], [CB]);
  change((d) => d.routes['8080'] = 'v3', ['VirtualService'], 's2');
  clock.advance(100);
  await server.idle();
  clock.advance(5);
  ack(a);
  assert.equal(rec.of('proxy-converged').length, 1);
  assert.equal(rec.of('proxy-converged')[0]!.ms, 105);
  assert.equal(rec.of('converged').length, 0);
  clock.advance(20);
  ack(b);
  const [conv] = rec.of('converged');
  assert.deepEqual(conv, { type: 'converged', ms: 125, proxies: 2, snapshotVersion: 's2' });
  // a round that changes nothing converges at once with no proxies
  change(() => {}, ['VirtualService'], 's3');
  clock.advance(100);
  await server.idle();
  assert.equal(rec.of('converged').at(-1)!.proxies, 0);
  // a proxy that leaves before answering does not hold the round
  change((d) => d.routes['8080'] = 'v4', ['VirtualService'], 's4');
  clock.advance(100);
  await server.idle();
  ack(a);
  b.s.closed();
  assert.equal(rec.of('converged').at(-1)!.snapshotVersion, 's4');
  assert.equal(rec.of('converged').at(-1)!.proxies, 2);
});

test('a proxy that disconnects and comes back gets a consistent full set from the snapshot in effect', async () => {
  const { clock, server, connect, change } = setup();
  const a = connect(NODE_A, ['8080'], [CA]);
  a.s.closed();
  assert.equal(server.statuses().length, 0);
  change((d) => { d.routes['8080'] = 'v9'; d.clusters = [CA]; }, ['VirtualService'], 's2');
  // before the debounce fires, a (re)connecting proxy is served the snapshot still in effect
  const early = connect(NODE_A, ['8080'], [CA]);
  assert.equal(server.statuses()[0]!.snapshotVersion, 's1');
  early.s.closed();
  clock.advance(100);
  await server.idle();
  const t = new RecordingTransport<DiscoveryResponse>();
  const s = server.openStream(t);
  s.receive({ node: { id: NODE_A }, typeUrl: CDS });
  s.receive({ typeUrl: EDS, resourceNames: [CA] });
  s.receive({ typeUrl: LDS });
  s.receive({ typeUrl: RDS, resourceNames: ['8080'] });
  const [cds, eds, lds, rds] = t.take();
  assert.equal(cds!.resources!.length, 1);
  assert.equal(eds!.resources!.length, 1);
  assert.equal(lds!.resources!.length, 2);
  assert.equal((rds!.resources![0] as { virtualHosts: { name: string }[] }).virtualHosts[0]!.name, 'v9');
  assert.equal(server.statuses()[0]!.snapshotVersion, 's2');
  assert.equal(server.statuses().length, 1);
});

test('nodes with GENERATOR=grpc use the generator set registered under that name', () => {
  const grpcGen: GeneratorSet = { [LDS]: () => [{ name: 'echo.default.svc.cluster.local:7070' }] };
  const { connect, server } = setup({ generatorsByName: { grpc: grpcGen } });
  const g = connect('sidecar~10.0.0.3~g-1.default~default.svc.cluster.local', [], [], { GENERATOR: 'grpc' });
  void g;
  const st = server.statuses()[0]!;
  assert.equal(st.proxy.generator, 'grpc');
  // only LDS is served by this set: the other types are not answered
  assert.deepEqual(st.types.map((x) => x.typeUrl), [LDS]);
  assert.deepEqual(server.configDump(st.id)!.types[0]!.resources, [{ '@type': LDS, name: 'echo.default.svc.cluster.local:7070' }]);
});

test('the default generators serve a compiled snapshot whose resources encode', () => {
  const snapshot = snapshotFrom(['examples/001-sidecar-canary']);
  const proxy = proxyFor(snapshot, 'default/proxy');
  const server = new AdsServer({ source: staticSource(snapshot), clock: new FakeClock() });
  const t = new RecordingTransport<DiscoveryResponse>();
  const s = server.openStream(t);
  s.receive({ node: { id: proxy.id, metadata: { LABELS: { ...proxy.labels }, NAMESPACE: proxy.namespace } }, typeUrl: CDS });
  s.receive({ typeUrl: LDS });
  const [cds, lds] = t.take();
  const clusters = cds!.resources!.map((c) => (c as { name: string }).name);
  assert.ok(clusters.some((n) => n.startsWith('outbound|')), clusters.join());
  const eds = clusters.filter((n) => n.startsWith('outbound|'));
  s.receive({ typeUrl: EDS, resourceNames: eds });
  s.receive({ typeUrl: RDS, resourceNames: ['80', '8080'] });
  const [e, r] = t.take();
  assert.ok(e!.resources!.length > 0);
  assert.ok(r!.resources!.length > 0);
  assertEncodes(cds!.resources!);
  assertEncodes(lds!.resources!);
  assertEncodes(e!.resources!);
  assertEncodes(r!.resources!);
});
