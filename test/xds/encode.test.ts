/**
 * Response encoding with cached resource bytes decodes to exactly what the plain codec gives:
 * for every type compiled for a sidecar and the ingress gateway of an example (route
 * configurations with many virtual hosts, listeners with many filter chains), for the same
 * resources sent twice (cached) and for a changed list; an invalid resource still throws
 * XdsCodecError; an envelope with fields the fast path does not write goes through the codec.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TypeUrl } from '../../src/api/envoy/common.js';
import { DiscoveryTypeUrl, XdsCodecError, decodeMessage, encodeMessage } from '../../src/api/xds/index.js';
import type { DiscoveryResponse } from '../../src/api/xds/discovery.js';
import { compileProxy } from '../../src/compile/index.js';
import { encodeDiscoveryResponse } from '../../src/xds/encode.js';
import { proxyFor, snapshotFrom } from '../helpers/snapshot.js';

const RESPONSE = DiscoveryTypeUrl.DiscoveryResponse;

function response(typeUrl: string, resources: object[], nonce: string): DiscoveryResponse {
  return {
    versionInfo: 'v1', typeUrl, nonce, controlPlane: { identifier: 'trellis' },
    resources: resources.map((r) => ({ '@type': typeUrl, ...r })),
  };
}

test('cached encoding decodes like the codec, first and second time, for every compiled type', () => {
  const snapshot = snapshotFrom(['examples/002-traffic-management']);
  let multiHost = false;
  for (const ref of ['default/productpage-v1', 'istio-system/istio-ingressgateway']) {
    const cfg = compileProxy(snapshot, proxyFor(snapshot, ref));
    const byType: [string, object[]][] = [
      [TypeUrl.Listener, cfg.listeners], [TypeUrl.RouteConfiguration, cfg.routes],
      [TypeUrl.Cluster, cfg.clusters], [TypeUrl.ClusterLoadAssignment, cfg.endpoints],
    ];
    for (const [typeUrl, resources] of byType) {
      const r = response(typeUrl, resources, `n-${ref}`);
      const want = decodeMessage(RESPONSE, encodeMessage(RESPONSE, r));
      assert.deepEqual(decodeMessage(RESPONSE, encodeDiscoveryResponse(r)), want, `${ref} ${typeUrl}`);
      // same objects again: from the caches, with another nonce
      const again = { ...r, nonce: 'other' };
      assert.deepEqual(decodeMessage(RESPONSE, encodeDiscoveryResponse(again)), { ...want, nonce: 'other' });
    }
    multiHost ||= cfg.routes.some((rc) => (rc.virtualHosts?.length ?? 0) > 1);
  }
  assert.ok(multiHost, 'a route configuration with several virtual hosts was among them');
});

test('a route configuration with one virtual host changed re-encodes to the new content', () => {
  const mk = (weight: number) => ({
    '@type': TypeUrl.RouteConfiguration,
    name: '9080',
    virtualHosts: ['a', 'b', 'c'].map((h) => ({
      name: `${h}:9080`, domains: [h],
      routes: [{ match: { prefix: '/' }, route: { weightedClusters: { clusters: [
        { name: `outbound|9080|v1|${h}`, weight: h === 'b' ? weight : 50 },
        { name: `outbound|9080|v2|${h}`, weight: h === 'b' ? 100 - weight : 50 },
      ] } } }],
    })),
  });
  for (const w of [90, 80, 90]) {
    const r: DiscoveryResponse = { versionInfo: String(w), typeUrl: TypeUrl.RouteConfiguration, nonce: String(w), resources: [mk(w)] };
    assert.deepEqual(decodeMessage(RESPONSE, encodeDiscoveryResponse(r)), decodeMessage(RESPONSE, encodeMessage(RESPONSE, r)));
  }
});

test('an invalid resource throws XdsCodecError; unknown envelope fields take the codec path', () => {
  const bad: DiscoveryResponse = { versionInfo: '1', typeUrl: TypeUrl.Cluster, nonce: '1', resources: [{ '@type': TypeUrl.Cluster, name: 'c', connectTimeout: 'soon' }] };
  assert.throws(() => encodeDiscoveryResponse(bad), XdsCodecError);
  const badHost: DiscoveryResponse = {
    versionInfo: '1', typeUrl: TypeUrl.RouteConfiguration, nonce: '1',
    resources: [{ '@type': TypeUrl.RouteConfiguration, name: 'r', virtualHosts: [{ name: 'a', domains: ['a'] }, { name: 'b', domains: ['b'], bogus: 1 }] }],
  };
  assert.throws(() => encodeDiscoveryResponse(badHost), XdsCodecError);
  const canary = { versionInfo: '1', typeUrl: TypeUrl.Cluster, nonce: '2', resources: [], canary: true } as DiscoveryResponse;
  assert.deepEqual(decodeMessage(RESPONSE, encodeDiscoveryResponse(canary)), decodeMessage(RESPONSE, encodeMessage(RESPONSE, canary)));
});
