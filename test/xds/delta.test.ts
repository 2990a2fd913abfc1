/**
 * The Delta (incremental) stream: first response with everything subscribed minus what the client
 * already has (initial_resource_versions), removed_resources for what is gone, ACK/NACK by nonce,
 * subscribe answered with just the new names, pushes with only changed resources.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TypeUrl } from '../../src/api/envoy/common.js';
import type { DeltaDiscoveryResponse } from '../../src/api/xds/discovery.js';
import { AdsServer } from '../../src/xds/server.js';
import { BASE, FakeClock, FakeSource, NODE_A, RecordingTransport, fakeGenerators, fakeSnapshot, recorder, type FakeData } from './fakes.js';

const CDS = TypeUrl.Cluster;
const EDS = TypeUrl.ClusterLoadAssignment;
const CA = 'outbound|8080||a.default.svc.cluster.local';
const CB = 'outbound|8080||b.default.svc.cluster.local';

function setup() {
  const clock = new FakeClock();
  const source = new FakeSource(fakeSnapshot('s1', structuredClone(BASE)));
  const rec = recorder();
  const server = new AdsServer({ source, clock, onEvent: rec.on, generators: fakeGenerators });
  const t = new RecordingTransport<DeltaDiscoveryResponse>();
  const s = server.openDeltaStream(t);
  const change = (mut: (d: FakeData) => void, kinds: string[], v: string) => {
    const d = structuredClone((source.current() as unknown as { data: FakeData }).data);
    mut(d);
    source.change(fakeSnapshot(v, d), kinds);
    clock.advance(100);
  };
  return { clock, server, t, s, rec, change };
}

const names = (r: DeltaDiscoveryResponse) => (r.resources ?? []).map((x) => x.name);

test('delta: wildcard first request, initial versions honoured, removals, ACK and NACK', async () => {
  const { server, t, s, rec, change } = setup();
  s.receive({ node: { id: NODE_A }, typeUrl: CDS });
  const [r1] = t.take();
  assert.deepEqual(names(r1!), [CA, CB]);
  assert.ok(r1!.resources!.every((x) => x.version && (x.resource as { '@type': string })['@type'] === CDS));
  s.receive({ typeUrl: CDS, responseNonce: r1!.nonce });
  assert.equal(server.statuses()[0]!.types[0]!.ackedVersion, r1!.systemVersionInfo);
  assert.equal(server.statuses()[0]!.delta, true);

  change((d) => { d.clusters = [CA, 'c']; }, ['ServiceEntry'], 's2');
  await server.idle();
  const [r2] = t.take();
  assert.deepEqual(names(r2!), ['c'], 'only the new cluster');
  assert.deepEqual(r2!.removedResources, [CB]);
  s.receive({ typeUrl: CDS, responseNonce: r2!.nonce, errorDetail: { message: 'bad cluster c' } });
  const st = server.statuses()[0]!.types[0]!;
  assert.equal(st.ackedVersion, r1!.systemVersionInfo);
  assert.equal(st.lastNack?.message, 'bad cluster c');
  assert.equal(rec.of('nack').length, 1);

  change(() => {}, ['VirtualService'], 's3');
  await server.idle();
  assert.deepEqual(t.take(), [], 'nothing changed: nothing sent');
});

test('delta: named subscription, initial_resource_versions, subscribe and unsubscribe', async () => {
  const { server, t, s, change } = setup();
  // the client already has CA at the version the server would send: it is not re-sent
  const probe = setup();
  probe.s.receive({ node: { id: NODE_A }, typeUrl: EDS, resourceNamesSubscribe: [CA] });
  const have = probe.t.take()[0]!.resources![0]!.version!;
  s.receive({ node: { id: NODE_A }, typeUrl: EDS, resourceNamesSubscribe: [CA], initialResourceVersions: { [CA]: have } });
  const [r1] = t.take();
  assert.deepEqual(names(r1!), []);
  s.receive({ typeUrl: EDS, responseNonce: r1!.nonce, resourceNamesSubscribe: [CB, 'missing'] });
  const [r2] = t.take();
  assert.deepEqual(names(r2!), [CB]);
  assert.deepEqual(r2!.removedResources, ['missing'], 'a name that does not exist is reported removed');
  s.receive({ typeUrl: EDS, responseNonce: r2!.nonce, resourceNamesUnsubscribe: [CB] });
  assert.deepEqual(t.take(), [], 'unsubscribing needs no answer');
  assert.deepEqual(server.statuses()[0]!.types[0]!.subscribed, ['missing', CA]);
  change((d) => { d.endpoints[CB] = ['1.1.1.1']; }, ['endpoints'], 's2');
  await server.idle();
  assert.deepEqual(t.take(), [], 'CB is no longer watched');
  change((d) => { d.endpoints[CA] = ['2.2.2.2']; }, ['endpoints'], 's3');
  await server.idle();
  assert.deepEqual(names(t.take()[0]!), [CA]);
});
