/**
 * The fast SotW request decoder gives exactly what the codec gives: ACKs with and without names,
 * empty strings, and, through the codec itself, first requests with a node, NACKs with an
 * error_detail, and bytes it cannot read.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DiscoveryTypeUrl, decodeMessage, encodeMessage } from '../../src/api/xds/index.js';
import type { DiscoveryRequest } from '../../src/api/xds/discovery.js';
import { decodeSotwRequest } from '../../src/xds/decode-request.js';

const REQ = DiscoveryTypeUrl.DiscoveryRequest;
const general = (b: Uint8Array): DiscoveryRequest => decodeMessage(REQ, b) as DiscoveryRequest;

test('decodes like the codec, falling back to it for nodes, NACKs and bad bytes', { timeout: 10_000 }, () => {
  const cases: DiscoveryRequest[] = [
    { typeUrl: 'type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment', versionInfo: 'abc', responseNonce: 'e-1-2', resourceNames: ['outbound|80||a', 'outbound|80|v1|a'] },
    { typeUrl: 'type.googleapis.com/envoy.config.listener.v3.Listener', versionInfo: '', responseNonce: 'n' },
    { typeUrl: 'type.googleapis.com/envoy.config.cluster.v3.Cluster' },
    { node: { id: 'sidecar~10.0.0.1~a.default~default.svc.cluster.local', metadata: { NAMESPACE: 'default' }, locality: { region: 'r1' } }, typeUrl: 'x', resourceNames: ['a'] },
    { typeUrl: 'x', versionInfo: 'v', responseNonce: 'n', errorDetail: { code: 3, message: 'rejected' } },
    {},
  ];
  for (const c of cases) {
    const bytes = encodeMessage(REQ, c);
    assert.deepEqual(decodeSotwRequest(bytes, general), general(bytes), JSON.stringify(c));
  }
  let fellBack = false;
  const bad = new Uint8Array([0x22, 0x7f, 0x41]); // type_url claims 127 bytes, has 1
  assert.throws(() => decodeSotwRequest(bad, (b) => { fellBack = true; return general(b); }));
  assert.ok(fellBack, 'unreadable bytes go to the codec, which throws');
});
