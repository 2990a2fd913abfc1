/**
 * The per-stream SotW state machine, driven directly through the transport seam (no gRPC):
 * first request → response; ACK records the acked version; NACK keeps it, is recorded, logged
 * and reported; stale nonces are ignored; resource_names changes are answered; wildcard rules;
 * versions are content hashes and nonces unique; node identity and metadata; bad first requests.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TypeUrl } from '../../src/api/envoy/common.js';
import type { DiscoveryRequest, DiscoveryResponse } from '../../src/api/xds/discovery.js';
import { AdsServer } from '../../src/xds/server.js';
import { StreamStatus } from '../../src/xds/types.js';
import { BASE, FakeClock, FakeSource, NODE_A, RecordingTransport, fakeGenerators, fakeSnapshot, memoryLogger, recorder } from './fakes.js';

const LDS = TypeUrl.Listener;
const CDS = TypeUrl.Cluster;
const RDS = TypeUrl.RouteConfiguration;
const EDS = TypeUrl.ClusterLoadAssignment;
const CLUSTER_A = 'outbound|8080||a.default.svc.cluster.local';

function setup() {
  const clock = new FakeClock();
  const source = new FakeSource(fakeSnapshot('s1', structuredClone(BASE)));
  const rec = recorder();
  const logger = memoryLogger();
  const server = new AdsServer({ source, clock, logger, onEvent: rec.on, generators: fakeGenerators });
  const t = new RecordingTransport<DiscoveryResponse>();
  const stream = server.openStream(t);
  const node = { id: NODE_A, metadata: { NAMESPACE: 'default', LABELS: { app: 'a', version: 'v1' }, CLUSTER_ID: 'Kubernetes', INTERCEPTION_MODE: 'REDIRECT' } };
  const send = (req: DiscoveryRequest): DiscoveryResponse[] => {
    stream.receive(req);
    return t.take();
  };
  return { clock, source, rec, logger, server, t, stream, node, send };
}

const names = (r: DiscoveryResponse): string[] =>
  (r.resources ?? []).map((x) => String((x as { name?: string; clusterName?: string }).name ?? (x as { clusterName?: string }).clusterName));

test('first request: response with every resource, @type, version and nonce; identity from the node', () => {
  const { send, node, server, rec } = setup();
  const [r] = send({ node, typeUrl: CDS });
  assert.ok(r);
  assert.equal(r.typeUrl, CDS);
  assert.deepEqual(names(r), ['outbound|8080||a.default.svc.cluster.local', 'outbound|8080||b.default.svc.cluster.local']);
  assert.ok((r.resources ?? []).every((x) => (x as { '@type': string })['@type'] === CDS));
  assert.match(r.versionInfo ?? '', /^[0-9a-f]{16}$/);
  assert.ok(r.nonce);
  const [st] = server.statuses();
  assert.equal(st?.id, NODE_A);
  assert.equal(st?.proxy.namespace, 'default');
  assert.deepEqual(st?.proxy.labels, { app: 'a', version: 'v1' });
  assert.equal(st?.proxy.ip, '10.0.0.1');
  assert.equal(st?.types[0]?.subscribed, '*');
  assert.equal(st?.types[0]?.sentVersion, r.versionInfo);
  assert.equal(st?.types[0]?.ackedVersion, undefined);
  assert.equal(rec.of('connect').length, 1);
});

test('ACK records the acked version; NACK keeps it, records the error and counts', () => {
  const { send, node, server, rec, logger, source, clock, t } = setup();
  const [r1] = send({ node, typeUrl: CDS });
  assert.deepEqual(send({ typeUrl: CDS, versionInfo: r1!.versionInfo, responseNonce: r1!.nonce }), [], 'an ACK gets no response');
  assert.equal(server.statuses()[0]!.types[0]!.ackedVersion, r1!.versionInfo);
  assert.equal(rec.of('ack').length, 1);

  // a config change pushes a new version, which the client rejects
  const data = structuredClone(BASE);
  data.clusters.push('outbound|8080||c.default.svc.cluster.local');
  source.change(fakeSnapshot('s2', data), ['ServiceEntry']);
  clock.advance(100);
  const [r2] = t.take();
  assert.ok(r2);
  assert.notEqual(r2.versionInfo, r1!.versionInfo);
  assert.notEqual(r2.nonce, r1!.nonce);
  assert.deepEqual(
    send({ typeUrl: CDS, versionInfo: r1!.versionInfo, responseNonce: r2.nonce, errorDetail: { code: 3, message: 'cluster c: bad' } }),
    [], 'a NACK gets no response',
  );
  const st = server.statuses()[0]!.types[0]!;
  assert.equal(st.ackedVersion, r1!.versionInfo, 'the last accepted version stays');
  assert.equal(st.sentVersion, r2.versionInfo);
  assert.deepEqual(st.lastNack, { version: r2.versionInfo, nonce: r2.nonce, message: 'cluster c: bad', code: 3, at: clock.now() });
  assert.equal(rec.of('nack').length, 1);
  assert.equal(rec.of('nack')[0]!.message, 'cluster c: bad');
  assert.ok(logger.lines.some((l) => l.level === 'warn' && l.msg.includes('NACK') && l.fields?.error === 'cluster c: bad'));
  // the same content again is not re-pushed to this proxy (it would be rejected again)
  source.change(fakeSnapshot('s3', data), ['VirtualService']);
  clock.advance(100);
  assert.deepEqual(t.take(), []);
});

test('stale nonces are ignored: neither ACK nor NACK', () => {
  const { send, node, server, rec } = setup();
  const [r1] = send({ node, typeUrl: LDS });
  assert.deepEqual(send({ typeUrl: LDS, responseNonce: 'not-a-nonce-we-sent', versionInfo: 'x' }), []);
  assert.deepEqual(send({ typeUrl: LDS, responseNonce: 'old', errorDetail: { message: 'stale' } }), []);
  const st = server.statuses()[0]!.types[0]!;
  assert.equal(st.ackedVersion, undefined);
  assert.equal(st.lastNack, undefined);
  assert.equal(rec.of('ack').length + rec.of('nack').length, 0);
  send({ typeUrl: LDS, responseNonce: r1!.nonce, versionInfo: r1!.versionInfo });
  assert.equal(server.statuses()[0]!.types[0]!.ackedVersion, r1!.versionInfo);
});

test('named RDS/EDS: only requested names; a change of names is answered with the new set', () => {
  const { send, node, server } = setup();
  const [e1] = send({ node, typeUrl: EDS, resourceNames: [CLUSTER_A] });
  assert.deepEqual(names(e1!), [CLUSTER_A]);
  const [e2] = send({
    typeUrl: EDS, responseNonce: e1!.nonce, versionInfo: e1!.versionInfo,
    resourceNames: [CLUSTER_A, 'outbound|8080||b.default.svc.cluster.local'],
  });
  assert.deepEqual(names(e2!), [CLUSTER_A, 'outbound|8080||b.default.svc.cluster.local'], 'SotW: every subscribed resource');
  assert.notEqual(e2!.versionInfo, e1!.versionInfo);
  const st = server.statuses()[0]!.types[0]!;
  assert.equal(st.ackedVersion, e1!.versionInfo, 'the request that changed names also ACKed the first response');
  assert.deepEqual(st.subscribed, [CLUSTER_A, 'outbound|8080||b.default.svc.cluster.local']);
  // an ACK with the same names: no response
  assert.deepEqual(send({ typeUrl: EDS, responseNonce: e2!.nonce, versionInfo: e2!.versionInfo, resourceNames: ['outbound|8080||b.default.svc.cluster.local', CLUSTER_A] }), []);
  // unsubscribing from everything: an empty response
  const [e3] = send({ typeUrl: EDS, responseNonce: e2!.nonce, versionInfo: e2!.versionInfo, resourceNames: [] });
  assert.deepEqual(e3!.resources, []);
  const [r] = send({ typeUrl: RDS, resourceNames: ['9090', 'nope'] });
  assert.deepEqual(names(r!), ['9090']);
});

test('wildcard: an empty first request; later empty lists keep it; "*" explicit; names end it', () => {
  const { send, node, server } = setup();
  const [l1] = send({ node, typeUrl: LDS });
  assert.deepEqual(names(l1!), ['0.0.0.0_8080', 'virtualOutbound']);
  assert.deepEqual(send({ typeUrl: LDS, responseNonce: l1!.nonce, versionInfo: l1!.versionInfo, resourceNames: [] }), []);
  assert.equal(server.statuses()[0]!.types[0]!.subscribed, '*');
  const [l2] = send({ typeUrl: LDS, responseNonce: l1!.nonce, versionInfo: l1!.versionInfo, resourceNames: ['virtualOutbound'] });
  assert.deepEqual(names(l2!), ['virtualOutbound']);
  const [l3] = send({ typeUrl: LDS, responseNonce: l2!.nonce, versionInfo: l2!.versionInfo, resourceNames: ['*', 'virtualOutbound'] });
  assert.deepEqual(names(l3!), ['0.0.0.0_8080', 'virtualOutbound']);
  assert.equal(server.statuses()[0]!.types[0]!.subscribed, '*');
});

test('versions are content hashes (equal content, equal version); nonces are unique', () => {
  const { send, node } = setup();
  const [a] = send({ node, typeUrl: CDS });
  const [b] = send({ typeUrl: CDS }); // empty nonce again: a fresh request, answered
  assert.equal(a!.versionInfo, b!.versionInfo);
  assert.notEqual(a!.nonce, b!.nonce);
  const second = setup();
  const [c] = second.send({ node: second.node, typeUrl: CDS });
  assert.equal(c!.versionInfo, a!.versionInfo, 'same content on another stream: same version');
});

test('a reconnecting client that names a nonce of the previous stream gets a full response', () => {
  const { send, node } = setup();
  const [r] = send({ node, typeUrl: CDS, responseNonce: 'abc-1-7', versionInfo: 'deadbeef' });
  assert.ok(r);
  assert.equal(r.resources?.length, 2);
});

test('the first request must carry a valid node id', () => {
  const a = setup();
  a.stream.receive({ typeUrl: CDS });
  assert.equal(a.t.ended?.code, StreamStatus.INVALID_ARGUMENT);
  assert.equal(a.server.statuses().length, 0);
  const b = setup();
  b.stream.receive({ node: { id: 'not-an-istio-id' }, typeUrl: CDS });
  assert.equal(b.t.ended?.code, StreamStatus.INVALID_ARGUMENT);
  assert.match(b.t.ended?.message ?? '', /invalid node id/);
});

test('unknown type URLs are not answered; a failing send is reported and not recorded', () => {
  const { send, node, server, rec, t } = setup();
  assert.deepEqual(send({ node, typeUrl: 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.Secret' }), []);
  t.failNext = true;
  assert.deepEqual(send({ typeUrl: CDS }), []);
  assert.equal(rec.of('error').length, 1);
  const st = server.statuses()[0]!.types.find((x) => x.typeUrl === CDS)!;
  assert.equal(st.sentVersion, undefined);
});

test('disconnect removes the proxy; configDump shows what was last sent and whether it was acked', () => {
  const { send, node, server, stream, rec } = setup();
  const [r] = send({ node, typeUrl: CDS });
  let dump = server.configDump(NODE_A)!;
  assert.equal(dump.types[0]!.acked, false);
  assert.equal(dump.types[0]!.resources.length, 2);
  send({ typeUrl: CDS, responseNonce: r!.nonce, versionInfo: r!.versionInfo });
  dump = server.configDump(NODE_A)!;
  assert.equal(dump.types[0]!.acked, true);
  assert.equal(dump.types[0]!.version, r!.versionInfo);
  stream.closed();
  stream.closed();
  assert.equal(server.statuses().length, 0);
  assert.equal(server.configDump(NODE_A), undefined);
  assert.equal(rec.of('disconnect').length, 1);
});
