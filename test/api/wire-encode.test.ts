/**
 * The hand-written encoders and envelope decoder (src/api/xds/wire-discovery.ts, wire-struct.ts)
 * against the protobufjs codec: DiscoveryRequests (first request with the proxy's node and its
 * metadata Struct, ACKs, NACKs with error_detail, empty and unicode strings, locality, client
 * features) and Structs come out byte for byte as codec.ts `encodeMessage` writes them and read
 * back identical through protobufjs; Structs and DiscoveryResponse envelopes decode as protobufjs
 * decodes them; what cannot be written throws naming the field.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TypeUrl } from '../../src/api/envoy/common.js';
import { decodeMessage, encodeMessage } from '../../src/api/xds/codec.js';
import type { DiscoveryRequest } from '../../src/api/xds/discovery.js';
import { decodeDiscoveryResponse, encodeDiscoveryRequest } from '../../src/api/xds/wire-discovery.js';
import { decodeStruct, encodeStruct } from '../../src/api/xds/wire-struct.js';
import { WireError } from '../../src/api/xds/wire-reader.js';
import { buildNode } from '../../src/proxy/bootstrap/node.js';

const REQUEST = 'envoy.service.discovery.v3.DiscoveryRequest';
const RESPONSE = 'envoy.service.discovery.v3.DiscoveryResponse';

const node = buildNode({
  type: 'sidecar', ip: '127.1.0.5', name: 'proxy-1', namespace: 'default', labels: { app: 'proxy', version: 'v1', 'ünï': 'cødé ✓' },
  serviceAccount: 'proxy-sa', workloadName: 'proxy', outbound: 'transparent', version: '',
});

const requests: DiscoveryRequest[] = [
  { node, typeUrl: TypeUrl.Cluster, versionInfo: '', responseNonce: '', resourceNames: [] },
  { typeUrl: TypeUrl.ClusterLoadAssignment, versionInfo: '2024-01-01T00:00:00Z/3', responseNonce: 'n-17', resourceNames: ['outbound|8080|v10|demoapp.default.svc.cluster.local', 'b'] },
  { typeUrl: TypeUrl.RouteConfiguration, versionInfo: 'v1', responseNonce: 'n-18', resourceNames: ['8080'], errorDetail: { code: 3, message: 'route configuration 8080: invalid RE2 regex "(?=x)"' } },
  { typeUrl: TypeUrl.Listener, errorDetail: { code: -2, message: '' } },
  { typeUrl: TypeUrl.Listener, errorDetail: {} },
  {
    node: {
      id: 'router~127.0.0.9~gw.istio-system~istio-system.svc.cluster.local', cluster: '', userAgentName: 'trellis', userAgentVersion: '',
      locality: { region: 'r1', zone: '', subZone: 'sz' }, clientFeatures: ['envoy.lb.does_not_support_overprovisioning', ''],
      metadata: { n: 1.5, neg: -0, big: 1e300, t: true, f: false, z: null, s: '', list: [1, 'a', null, [], {}, [{ x: {} }]], nested: { a: { b: { c: 'd' } } }, skipped: undefined, '': 'empty key' },
    },
    typeUrl: TypeUrl.Cluster,
  },
  {},
];

test('DiscoveryRequest: byte for byte what the protobufjs codec writes, and read back identical', { timeout: 10_000 }, () => {
  for (const req of requests) {
    const mine = encodeDiscoveryRequest(req);
    const theirs = Buffer.from(encodeMessage(REQUEST, req));
    assert.equal(mine.toString('hex'), theirs.toString('hex'), JSON.stringify(req));
    assert.deepEqual(decodeMessage(REQUEST, mine), decodeMessage(REQUEST, theirs));
  }
  // What the control plane reads back is what was sent (minus what proto3 does not keep).
  const back = decodeMessage(REQUEST, encodeDiscoveryRequest(requests[0]!));
  assert.deepEqual(back['node'], JSON.parse(JSON.stringify(node)));
});

test('DiscoveryRequest: what cannot be written throws, naming the field', { timeout: 10_000 }, () => {
  const bad: [DiscoveryRequest, RegExp][] = [
    [{ typeUrl: 'x', bogus: 1 } as DiscoveryRequest, /^Error: DiscoveryRequest\.bogus: not a field .* it takes versionInfo, node, /],
    [{ node: { id: 'a', metadata: { x: Number.NaN } } }, /^Error: node\.metadata\.x: a google\.protobuf\.Value number must be finite/],
    [{ node: { metadata: { l: [1, undefined] } } }, /^Error: node\.metadata\.l\[1\]: expected a JSON value/],
    [{ node: { metadata: { f: () => 1 } } }, /^Error: node\.metadata\.f: expected a JSON value .* got function/],
    [{ node: { id: 5 as unknown as string } }, /^Error: node\.id: expected a string, got number/],
    [{ node: { locality: { region: 'r', planet: 'x' } as never } }, /^Error: node\.locality\.planet: not a field/],
    [{ resourceNames: ['a', 7 as unknown as string] }, /^Error: resourceNames\[1\]: expected a string/],
    [{ errorDetail: { code: 1.5 } }, /^Error: errorDetail\.code: expected an int32/],
    [{ errorDetail: { details: [{ '@type': 'x' }] } }, /^Error: errorDetail\.details: the proxy sends no details/],
  ];
  for (const [req, re] of bad) assert.throws(() => encodeDiscoveryRequest(req), re, JSON.stringify(req));
});

test('Struct: encodes as the protobufjs codec does and decodes as to-json.ts does', { timeout: 10_000 }, () => {
  const structs: Record<string, unknown>[] = [
    {},
    { NAME: 'web-1', LABELS: { app: 'web', 'service.istio.io/canonical-revision': 'latest' }, z: null, n: [0, -1.25, 'x', true, { deep: [[]] }] },
    { '10': 'numeric keys first', b: 1, a: 2, '2': 'then', __proto__x: 'not special' },
  ];
  for (const s of structs) {
    const mine = encodeStruct(s);
    assert.equal(mine.toString('hex'), Buffer.from(encodeMessage('google.protobuf.Struct', { value: s })).toString('hex'));
    assert.equal(JSON.stringify(decodeStruct(mine)), JSON.stringify(decodeMessage('google.protobuf.Struct', new Uint8Array(mine))['value']));
  }
  // "__proto__" is an ordinary key on the wire; it must stay one (and not change the prototype).
  const proto = decodeStruct(encodeStruct(JSON.parse('{"__proto__": {"polluted": true}}')));
  assert.deepEqual(Object.keys(proto), ['__proto__']);
  assert.equal(({} as Record<string, unknown>)['polluted'], undefined);
  assert.throws(() => decodeStruct(Buffer.from([0x0a, 0x05, 0x0a])), (e: unknown) => e instanceof WireError && /runs past/.test(e.message));
});

test('DiscoveryResponse: the envelope as protobufjs decodes it, resources left packed', { timeout: 10_000 }, () => {
  const cluster = { '@type': TypeUrl.Cluster, name: 'a', type: 'STATIC' };
  const bytes = encodeMessage(RESPONSE, { versionInfo: 'v9', typeUrl: TypeUrl.Cluster, nonce: '42', canary: true, resources: [cluster, cluster], controlPlane: { identifier: 'trellis-1' } });
  const env = decodeDiscoveryResponse(bytes);
  assert.deepEqual({ ...env, resources: env.resources.map((r) => ({ typeUrl: r.typeUrl, value: Buffer.from(r.value).toString('hex') })) }, {
    versionInfo: 'v9', typeUrl: TypeUrl.Cluster, nonce: '42', canary: true, controlPlane: 'trellis-1',
    resources: [0, 1].map(() => ({ typeUrl: TypeUrl.Cluster, value: Buffer.from(encodeMessage(TypeUrl.Cluster, cluster)).toString('hex') })),
  });
  assert.deepEqual(decodeDiscoveryResponse(encodeMessage(RESPONSE, {})), { versionInfo: '', typeUrl: '', nonce: '', resources: [] });
  assert.throws(() => decodeDiscoveryResponse(Buffer.from([0x22, 0x01])), /^WireError: cannot decode envoy\.service\.discovery\.v3\.DiscoveryResponse: length 1 runs past the end of its message \(0 bytes left\) at byte 1$/);
  assert.throws(() => decodeDiscoveryResponse(Buffer.from([0x20, 0x01])), /type_url has wire type 0, expected 2/);
});
