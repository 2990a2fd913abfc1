/**
 * Partial SotW pushes (src/xds/partial.ts): a push of EDS or RDS carries only the resources whose
 * content changed, with the version of the full list; LDS and CDS pushes carry everything; a
 * response to a request (first, changed subscription, empty nonce, reconnect) carries the full
 * set; after a NACK the next push carries the full set; the config dump and the ACKed version
 * name the full set. Fake clock, recording transports, no sockets.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TypeUrl } from '../../src/api/envoy/common.js';
import type { DiscoveryRequest, DiscoveryResponse } from '../../src/api/xds/discovery.js';
import { listVersion } from '../../src/xds/generation-cache.js';
import { resourceName } from '../../src/xds/generators.js';
import { changedResources } from '../../src/xds/partial.js';
import { AdsServer } from '../../src/xds/server.js';
import { BASE, FakeClock, FakeSource, NODE_A, RecordingTransport, fakeGenerators, fakeSnapshot, type FakeData } from './fakes.js';

const LDS = TypeUrl.Listener;
const CDS = TypeUrl.Cluster;
const RDS = TypeUrl.RouteConfiguration;
const EDS = TypeUrl.ClusterLoadAssignment;
const CA = 'outbound|8080||a.default.svc.cluster.local';
const CB = 'outbound|8080||b.default.svc.cluster.local';

function setup() {
  const clock = new FakeClock();
  const data: FakeData = { ...structuredClone(BASE), routes: { '8080': 'r1', '9090': 'r2' }, endpoints: { [CA]: ['10.0.0.1'], [CB]: ['10.0.0.2'] } };
  const source = new FakeSource(fakeSnapshot('s1', data));
  const server = new AdsServer({ source, clock, generators: fakeGenerators });
  const t = new RecordingTransport<DiscoveryResponse>();
  const s = server.openStream(t);
  const names = new Map<string, string[]>([[RDS, ['8080', '9090']], [EDS, [CA, CB]]]);
  const ack = (rs: DiscoveryResponse[], extra: Partial<DiscoveryRequest> = {}): void => {
    for (const r of rs) s.receive({ typeUrl: r.typeUrl!, responseNonce: r.nonce!, versionInfo: r.versionInfo!, resourceNames: names.get(r.typeUrl!) ?? [], ...extra });
  };
  s.receive({ node: { id: NODE_A }, typeUrl: CDS });
  s.receive({ typeUrl: EDS, resourceNames: names.get(EDS)! });
  s.receive({ typeUrl: LDS });
  s.receive({ typeUrl: RDS, resourceNames: names.get(RDS)! });
  const first = t.take();
  ack(first);
  let n = 1;
  const change = async (mut: (d: FakeData) => void, kinds: string[]): Promise<DiscoveryResponse[]> => {
    const d = structuredClone((source.current() as unknown as { data: FakeData }).data);
    mut(d);
    source.change(fakeSnapshot(`s${++n}`, d), kinds);
    clock.advance(100);
    await server.idle();
    return t.take();
  };
  return { server, s, t, first, ack, change, names };
}

const named = (r: DiscoveryResponse | undefined): string[] => (r?.resources ?? []).map(resourceName);
const byType = (rs: DiscoveryResponse[], typeUrl: string): DiscoveryResponse | undefined => rs.find((r) => r.typeUrl === typeUrl);

test('an EDS push carries only the changed assignments, with the version of the full list', { timeout: 10_000 }, async () => {
  const { server, first, change, ack } = setup();
  assert.deepEqual(named(byType(first, EDS)), [CA, CB], 'a first request gets every assignment');
  const pushed = await change((d) => { d.endpoints[CB] = ['10.0.0.7', '10.0.0.8']; }, ['endpoints']);
  assert.deepEqual(pushed.map((r) => r.typeUrl), [EDS]);
  const eds = pushed[0]!;
  assert.deepEqual(named(eds), [CB]);
  const dump = server.configDump(NODE_A)!.types.find((x) => x.typeUrl === EDS)!;
  assert.deepEqual(dump.resources.map(resourceName), [CA, CB], 'the dump is the full set the client now has');
  assert.equal(eds.versionInfo, listVersion(dump.resources), 'the version names the full list');
  ack(pushed);
  const st = server.statuses()[0]!.types.find((x) => x.typeUrl === EDS)!;
  assert.equal(st.ackedVersion, eds.versionInfo);
  assert.equal(st.sentCount, 1, 'sync status counts what the response carried');
});

test('an RDS push is partial too; LDS and CDS pushes carry every resource', { timeout: 10_000 }, async () => {
  const { change } = setup();
  const pushed = await change((d) => {
    d.routes['9090'] = 'r3';
    d.listeners.push('0.0.0.0_9090');
    d.clusters.push('extra');
  }, ['VirtualService', 'ServiceEntry']);
  assert.deepEqual(named(byType(pushed, RDS)), ['9090']);
  assert.deepEqual(named(byType(pushed, LDS)), [...BASE.listeners, '0.0.0.0_9090']);
  assert.deepEqual(named(byType(pushed, CDS)), [...BASE.clusters, 'extra']);
});

test('after a NACK the next push carries the full set; then partial again', { timeout: 10_000 }, async () => {
  const { change, ack } = setup();
  const p1 = await change((d) => { d.endpoints[CA] = ['10.0.0.3']; }, ['endpoints']);
  assert.deepEqual(named(p1[0]), [CA]);
  ack(p1, { errorDetail: { code: 3, message: 'rejected' } });
  const p2 = await change((d) => { d.endpoints[CB] = ['10.0.0.4']; }, ['endpoints']);
  assert.deepEqual(named(p2[0]), [CA, CB], 'the client may have kept older assignments: resend all');
  ack(p2);
  const p3 = await change((d) => { d.endpoints[CB] = ['10.0.0.5']; }, ['endpoints']);
  assert.deepEqual(named(p3[0]), [CB]);
});

test('a NACK of an earlier response (stale nonce) also makes the next push full', { timeout: 10_000 }, async () => {
  const { change, s, ack } = setup();
  const p1 = await change((d) => { d.endpoints[CA] = ['10.0.0.3']; }, ['endpoints']);
  const p2 = await change((d) => { d.endpoints[CB] = ['10.0.0.4']; }, ['endpoints']);
  assert.deepEqual(named(p2[0]), [CB], 'pushed before the answer to p1: partial');
  s.receive({ typeUrl: EDS, responseNonce: p1[0]!.nonce!, versionInfo: '', resourceNames: [CA, CB], errorDetail: { code: 3, message: 'bad' } });
  ack(p2);
  const p3 = await change((d) => { d.endpoints[CB] = ['10.0.0.6']; }, ['endpoints']);
  assert.deepEqual(named(p3[0]), [CA, CB]);
});

test('requests get the full set: a changed subscription and an empty nonce', { timeout: 10_000 }, async () => {
  const { change, s, t, ack, names } = setup();
  const p1 = await change((d) => { d.endpoints[CA] = ['10.0.0.3']; }, ['endpoints']);
  names.set(EDS, [CA]);
  ack(p1); // the ACK narrows the subscription: answered with the new set
  assert.deepEqual(named(t.take()[0]), [CA]);
  names.set(EDS, [CA, CB]);
  s.receive({ typeUrl: EDS, resourceNames: [CA, CB] }); // empty nonce: a fresh request
  assert.deepEqual(named(t.take()[0]), [CA, CB]);
});

test('changedResources: by name and content, in the new order; equal content is unchanged', { timeout: 10_000 }, () => {
  const a1 = { clusterName: 'a', v: 1 };
  const b1 = { clusterName: 'b', v: 1 };
  const b1copy = { clusterName: 'b', v: 1 };
  const b2 = { clusterName: 'b', v: 2 };
  const c1 = { clusterName: 'c', v: 1 };
  const prev = [a1, b1];
  assert.deepEqual(changedResources(prev, [a1, b1copy]), []);
  const next = [a1, b2, c1];
  assert.deepEqual(changedResources(prev, next), [b2, c1]);
  assert.equal(changedResources(prev, next), changedResources(prev, next), 'memoized: one list for every proxy with the same pair');
  const all = [b2, c1];
  assert.equal(changedResources(prev, all), all, 'everything changed: the new list itself');
});
