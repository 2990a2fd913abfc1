/**
 * Istio's HTTP metadata exchange encoding (src/proxy/stats/peer-metadata.ts): a header value a
 * real Istio 1.14 sidecar sent (bookinfo reviews-v3 → ratings, the older, fuller Struct) decodes
 * to the workload's labels; what Trellis encodes round-trips and is byte for byte what the
 * protobufjs codec writes (the proxy no longer loads it: api/xds/wire-struct.ts); input that is
 * not base64 of a Struct is ignored, never an error.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeMessage, encodeMessage } from '../../src/api/xds/codec.js';
import { buildNode } from '../../src/proxy/bootstrap/node.js';
import { decodePeerMetadata, encodePeerMetadata, localExchange, PeerMetadataCache, peerLabelsOf } from '../../src/proxy/stats/peer-metadata.js';

// x-envoy-peer-metadata from Istio 1.14.5's reviews-v3 sidecar (a public write-up of metadata exchange).
const ISTIO_REVIEWS_V3 = 'ChsKDkFQUF9DT05UQUlORVJTEgkaB3Jldmlld3MKGgoKQ0xVU1RFUl9JRBIMGgpLdWJlcm5ldGVzCh4KDElOU1RBTkNFX0lQUxIOGgwxNzIuMTYuMC4xMzMKGQoNSVNUSU9fVkVSU0lPThIIGgYxLjE0LjUK0wEKBkxBQkVMUxLIASrFAQoQCgNhcHASCRoHcmV2aWV3cwofChFwb2QtdGVtcGxhdGUtaGFzaBIKGgg1OGI2NDc5YgokChlzZWN1cml0eS5pc3Rpby5pby90bHNNb2RlEgcaBWlzdGlvCiwKH3NlcnZpY2UuaXN0aW8uaW8vY2Fub25pY2FsLW5hbWUSCRoHcmV2aWV3cworCiNzZXJ2aWNlLmlzdGlvLmlvL2Nhbm9uaWNhbC1yZXZpc2lvbhIEGgJ2MwoPCgd2ZXJzaW9uEgQaAnYzChoKB01FU0hfSUQSDxoNY2x1c3Rlci5sb2NhbAojCgROQU1FEhsaGXJldmlld3MtdjMtNThiNjQ3OWItNjJydjUKFgoJTkFNRVNQQUNFEgkaB2RlZmF1bHQKTgoFT1dORVISRRpDa3ViZXJuZXRlczovL2FwaXMvYXBwcy92MS9uYW1lc3BhY2VzL2RlZmF1bHQvZGVwbG95bWVudHMvcmV2aWV3cy12MwoXChFQTEFURk9STV9NRVRBREFUQRICKgAKHQoNV09SS0xPQURfTkFNRRIMGgpyZXZpZXdzLXYz';

test('a header value sent by a real Istio sidecar decodes to its workload', { timeout: 10_000 }, () => {
  const m = decodePeerMetadata(ISTIO_REVIEWS_V3);
  assert.ok(m);
  assert.equal(m.name, 'reviews-v3-58b6479b-62rv5');
  assert.equal(m.namespace, 'default');
  assert.equal(m.workloadName, 'reviews-v3');
  assert.equal(m.clusterId, 'Kubernetes');
  assert.equal(m.labels['security.istio.io/tlsMode'], 'istio');
  assert.deepEqual(peerLabelsOf(m), {
    workload: 'reviews-v3', namespace: 'default', app: 'reviews', version: 'v3', cluster: 'Kubernetes',
    canonicalService: 'reviews', canonicalRevision: 'v3',
  });
});

test('what Trellis announces round-trips, with the canonical labels the injector would add', { timeout: 10_000 }, () => {
  const node = buildNode({ type: 'sidecar', ip: '127.0.0.9', name: 'web-1', namespace: 'shop', workloadName: 'web', labels: { app: 'web' } });
  const ex = localExchange(node);
  assert.equal(ex.id, 'sidecar~127.0.0.9~web-1.shop~shop.svc.cluster.local');
  assert.deepEqual(decodePeerMetadata(ex.value), {
    name: 'web-1', namespace: 'shop', workloadName: 'web', clusterId: 'Kubernetes',
    labels: { app: 'web', 'service.istio.io/canonical-name': 'web', 'service.istio.io/canonical-revision': 'latest' },
  });
  // Deterministic, as Istio serializes it.
  assert.equal(encodePeerMetadata({ namespace: 'a', labels: { b: '1', a: '2' } }), encodePeerMetadata({ namespace: 'a', labels: { a: '2', b: '1' } }));
});

test('values that are not base64 of a Struct are ignored', { timeout: 10_000 }, () => {
  for (const v of ['', '%%%', 'AAAA', Buffer.from('not a protobuf at all').toString('base64'), 'x'.repeat(20_000)]) {
    assert.equal(decodePeerMetadata(v), undefined, JSON.stringify(v.slice(0, 40)));
  }
  const cache = new PeerMetadataCache(2);
  assert.equal(cache.get('%%%'), undefined);
  assert.equal(cache.get(ISTIO_REVIEWS_V3)?.workloadName, 'reviews-v3');
  assert.equal(cache.get(ISTIO_REVIEWS_V3)?.workloadName, 'reviews-v3');
});

test('the header value is what the protobufjs codec writes and reads', { timeout: 10_000 }, () => {
  const m = { name: 'web-1', namespace: 'shop', workloadName: 'web', clusterId: 'Kubernetes', labels: { app: 'web', version: 'v2', 'service.istio.io/canonical-name': 'web' } };
  const value = encodePeerMetadata(m);
  const struct = decodeMessage('google.protobuf.Struct', Buffer.from(value, 'base64'))['value'];
  assert.equal(value, Buffer.from(encodeMessage('google.protobuf.Struct', { value: struct })).toString('base64'));
  assert.deepEqual(struct, { CLUSTER_ID: 'Kubernetes', LABELS: { app: 'web', 'service.istio.io/canonical-name': 'web', version: 'v2' }, NAME: 'web-1', NAMESPACE: 'shop', WORKLOAD_NAME: 'web' });
  const istio = decodeMessage('google.protobuf.Struct', Buffer.from(ISTIO_REVIEWS_V3, 'base64'))['value'] as Record<string, unknown>;
  assert.equal(decodePeerMetadata(ISTIO_REVIEWS_V3)?.name, istio['NAME']);
});
