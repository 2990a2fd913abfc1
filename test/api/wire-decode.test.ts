/**
 * The schema-driven decoder (src/api/xds/wire-decode.ts) against the protobufjs codec: for every
 * resource compiled for every workload and gateway of every example (each step overlaid too)
 * and of Istio's sample configs where they compile (../shared/conformance; skipped, saying so,
 * when absent), the JSON from WireDecoder.decodeResource is the JSON from codec.ts
 * decodeResource, same keys in the same order (compared as JSON text). Also: well-known types
 * and edge values (defaults with presence, unknown enums, 64-bit extremes, NaN, unknown Any
 * types, unknown fields, packed and unpacked repeated), the schema read back from JSON, and
 * malformed input (truncated anywhere, bad wire types) throwing WireError with type, offset and
 * field path.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import protobuf from 'protobufjs';
import { TypeUrl } from '../../src/api/envoy/common.js';
import { decodeMessage, decodeResource, encodeMessage, encodeResource, XdsCodecError } from '../../src/api/xds/codec.js';
import { protoRoot } from '../../src/api/xds/protos.js';
import { buildWireSchema } from '../../src/api/xds/wire-schema-build.js';
import { readBuiltWireSchema, WIRE_SCHEMA_FILE, WIRE_SCHEMA_FORMAT } from '../../src/api/xds/wire-schema.js';
import { WireDecoder } from '../../src/api/xds/wire-decode.js';
import { WireError } from '../../src/api/xds/wire-reader.js';
import { compileProxy } from '../../src/compile/index.js';
import { buildSnapshot } from '../../src/model/snapshot.js';
import { proxyForWorkload } from '../../src/model/proxy.js';
import type { Snapshot } from '../../src/model/types.js';
import { sampleInputs } from '../helpers/samples.js';
import { REPO_ROOT, sharedPath } from '../helpers/shared.js';
import { snapshotFrom } from '../helpers/snapshot.js';

// Through JSON, as the built file is read.
const decoder = new WireDecoder(JSON.parse(JSON.stringify(buildWireSchema(protoRoot()))));

const RESOURCE_TYPES = [TypeUrl.Cluster, TypeUrl.ClusterLoadAssignment, TypeUrl.Listener, TypeUrl.RouteConfiguration] as const;

interface Tally {
  resources: number;
  proxies: number;
  mismatches: string[];
}

/** Decodes `bytes` both ways and records a mismatch (with the first differing position). */
function compare(typeUrl: string, bytes: Uint8Array, label: string, tally: Tally): void {
  const want = JSON.stringify(decodeResource(typeUrl, bytes));
  let got: string;
  try {
    got = JSON.stringify(decoder.decodeResource(typeUrl, bytes));
  } catch (e) {
    tally.mismatches.push(`${label}: threw ${(e as Error).message}`);
    return;
  }
  tally.resources++;
  if (got !== want) {
    let i = 0;
    while (i < got.length && got[i] === want[i]) i++;
    tally.mismatches.push(`${label}: differs at ${i}:\n  protobufjs: …${want.slice(Math.max(0, i - 60), i + 60)}\n  wire:       …${got.slice(Math.max(0, i - 60), i + 60)}`);
  }
}

/** Every resource of every workload with a sidecar and every gateway of a snapshot. */
function compareSnapshot(snap: Snapshot, label: string, tally: Tally, onePerDeployment = false): void {
  const seen = new Set<string>();
  for (const w of snap.registry.workloads) {
    if (!w.sidecar && w.kind !== 'Gateway') continue;
    if (onePerDeployment && seen.has(`${w.namespace}/${w.name}`)) continue;
    seen.add(`${w.namespace}/${w.name}`);
    const cfg = compileProxy(snap, proxyForWorkload(w, snap));
    const byType: Record<string, readonly object[]> = {
      [TypeUrl.Cluster]: cfg.clusters, [TypeUrl.ClusterLoadAssignment]: cfg.endpoints, [TypeUrl.Listener]: cfg.listeners, [TypeUrl.RouteConfiguration]: cfg.routes,
    };
    for (const t of RESOURCE_TYPES) {
      for (const r of byType[t]!) {
        let bytes: Uint8Array;
        try {
          bytes = encodeResource(r, t);
        } catch (e) {
          if (e instanceof XdsCodecError) continue; // not encodable: never sent (other tests own that)
          throw e;
        }
        const name = (r as { name?: string; clusterName?: string }).name ?? (r as { clusterName?: string }).clusterName;
        compare(t, bytes, `${label} ${w.namespace}/${w.podName} ${t.slice(t.lastIndexOf('.') + 1)} ${name}`, tally);
      }
    }
    tally.proxies++;
  }
}

test('wire decoder: every resource of every example workload and gateway decodes as protobufjs + to-json', { timeout: 120_000 }, (t) => {
  const tally: Tally = { resources: 0, proxies: 0, mismatches: [] };
  const examples = readdirSync(join(REPO_ROOT, 'examples'), { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => join('examples', d.name)).sort();
  for (const dir of examples) {
    const inputs: string[][] = [[dir]];
    const steps = join(REPO_ROOT, dir, 'steps');
    try {
      for (const s of readdirSync(steps, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort()) inputs.push([dir, join(dir, 'steps', s)]);
    } catch {
      /* no steps */
    }
    for (const paths of inputs) compareSnapshot(snapshotFrom(paths), paths.map((p) => relative('examples', p)).join('+'), tally);
  }
  assert.deepEqual(tally.mismatches.slice(0, 5), []);
  t.diagnostic(`${tally.resources} resources of ${tally.proxies} proxies`);
  assert.ok(tally.proxies >= 10 && tally.resources >= 500, `compared ${tally.resources} resources of ${tally.proxies} proxies`);
});

const samples = sharedPath('conformance', 'istio-samples');

test('wire decoder: Istio sample configs compile to resources that decode as protobufjs + to-json', { skip: samples.skip, timeout: 300_000 }, (t) => {
  const tally: Tally = { resources: 0, proxies: 0, mismatches: [] };
  let files = 0;
  for (const { label, objects } of sampleInputs(samples.path, 'trellis-wire-probe')) {
    let snap: Snapshot;
    try {
      snap = buildSnapshot(objects);
    } catch {
      continue; // where they compile
    }
    compareSnapshot(snap, label, tally, true);
    files++;
  }
  assert.ok(files > 10, `only ${files} sample files compiled`);
  assert.deepEqual(tally.mismatches.slice(0, 5), []);
  t.diagnostic(`${tally.resources} resources of ${tally.proxies} proxies from ${files} files`);
  assert.ok(tally.resources > 1000, `compared ${tally.resources} resources`);
});

/**
 * Both decoders on the same bytes of a message, as JSON text. The bytes go in as a plain
 * Uint8Array: over a Buffer, protobufjs clamps a string that runs past the end of its message
 * instead of failing (the wire decoder always fails).
 */
function both(name: string, bytes: Uint8Array): [string, string] {
  const plain = new Uint8Array(bytes);
  return [JSON.stringify(decoder.decodeMessage(name, plain)), JSON.stringify(decodeMessage(name, plain))];
}

function raw(name: string, fields: Record<string, unknown>): Uint8Array {
  const t = protoRoot().lookupType(name);
  return t.encode(t.fromObject(fields)).finish();
}

test('wire decoder: well-known types, presence, enums, 64-bit and float extremes, Any', { timeout: 30_000 }, () => {
  const cases: [string, Uint8Array][] = [
    // Durations, wrappers with default values (presence), an unknown enum number, a map.
    ['envoy.config.cluster.v3.Cluster', encodeMessage('envoy.config.cluster.v3.Cluster', {
      name: 'c', connectTimeout: '0.000000001s', perConnectionBufferLimitBytes: 0, type: 'STRICT_DNS', lbPolicy: 'ROUND_ROBIN',
      commonLbConfig: { healthyPanicThreshold: { value: 0 } }, metadata: { filterMetadata: { 'a.b': { x: [1, 'two', null, true, { y: {} }] } } },
    })],
    ['envoy.config.cluster.v3.Cluster', raw('envoy.config.cluster.v3.Cluster', { name: 'e', type: 77, lb_policy: 0, connect_timeout: { seconds: '-5', nanos: -1000 } })],
    // 64-bit extremes and negatives; float32 printing; NaN/Infinity doubles.
    ['envoy.config.cluster.v3.Cluster', raw('envoy.config.cluster.v3.Cluster', {
      name: 'n', per_connection_buffer_limit_bytes: { value: 4294967295 },
      common_lb_config: { healthy_panic_threshold: { value: Number.NaN } },
      lb_subset_config: { subset_selectors: [{ keys: ['a', 'b'] }] },
    })],
    ['google.protobuf.Int64Value', raw('google.protobuf.Int64Value', { value: '-9223372036854775808' })],
    ['google.protobuf.UInt64Value', raw('google.protobuf.UInt64Value', { value: '18446744073709551615' })],
    ['google.protobuf.Int64Value', raw('google.protobuf.Int64Value', { value: '-1' })],
    ['google.protobuf.UInt64Value', raw('google.protobuf.UInt64Value', { value: '9007199254740993' })],
    ['google.protobuf.FloatValue', raw('google.protobuf.FloatValue', { value: 0.1 })],
    ['google.protobuf.FloatValue', raw('google.protobuf.FloatValue', { value: Number.POSITIVE_INFINITY })],
    ['google.protobuf.DoubleValue', raw('google.protobuf.DoubleValue', { value: Number.NaN })],
    ['google.protobuf.DoubleValue', raw('google.protobuf.DoubleValue', {})],
    ['google.protobuf.BytesValue', raw('google.protobuf.BytesValue', { value: Buffer.from([0, 255, 1]) })],
    ['google.protobuf.Int32Value', raw('google.protobuf.Int32Value', { value: -7 })],
    ['google.protobuf.Timestamp', raw('google.protobuf.Timestamp', { seconds: '1714557600', nanos: 500_000_000 })],
    ['google.protobuf.Duration', raw('google.protobuf.Duration', {})],
    ['google.protobuf.Struct', raw('google.protobuf.Struct', { fields: { b: { number_value: Number.NaN }, '1': { string_value: '' }, a: { struct_value: { fields: {} } }, c: { list_value: { values: [{ null_value: 0 }, { bool_value: false }] } } } })],
    ['google.protobuf.Value', raw('google.protobuf.Value', {})],
    ['google.protobuf.ListValue', raw('google.protobuf.ListValue', {})],
    ['google.protobuf.Empty', new Uint8Array()],
    // Any: known (ordinary and well-known payloads), unknown type, no type, bytes that do not decode.
    ['google.protobuf.Any', raw('google.protobuf.Any', { type_url: 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router', value: raw('envoy.extensions.filters.http.router.v3.Router', { suppress_envoy_headers: true }) })],
    ['google.protobuf.Any', raw('google.protobuf.Any', { type_url: 'type.googleapis.com/google.protobuf.StringValue', value: raw('google.protobuf.StringValue', { value: 'x' }) })],
    ['google.protobuf.Any', raw('google.protobuf.Any', { type_url: 'type.googleapis.com/no.such.Type', value: Buffer.from('abc') })],
    ['google.protobuf.Any', raw('google.protobuf.Any', { value: Buffer.from('abc') })],
    ['google.protobuf.Any', raw('google.protobuf.Any', { type_url: 'type.googleapis.com/envoy.config.cluster.v3.Cluster', value: Buffer.from([0x0a, 0x7f]) })],
    // Repeated enums, packed by protobufjs; strings with multi-byte UTF-8.
    ['envoy.config.route.v3.RetryPolicy', raw('envoy.config.route.v3.RetryPolicy', { retry_on: 'ünïcødé ✓', retriable_status_codes: [500, 503], num_retries: { value: 0 } })],
    ['envoy.config.core.v3.HealthStatusSet', raw('envoy.config.core.v3.HealthStatusSet', { statuses: [0, 1, 99, 5] })],
  ];
  for (const [name, bytes] of cases) {
    const [got, want] = both(name, bytes);
    assert.equal(got, want, `${name} ${Buffer.from(bytes).toString('hex')}`);
  }
  // An unknown type with no bytes (to-json.ts throws a TypeError on it: its bytes default is an Array).
  const noValue = raw('google.protobuf.Any', { type_url: 'type.googleapis.com/envoy.config.cluster.v3.Cluster/' });
  assert.deepEqual(decoder.decodeMessage('google.protobuf.Any', noValue), { value: { '@type': 'type.googleapis.com/envoy.config.cluster.v3.Cluster/', value: '' } });
  // Unpacked repeated scalars and enums decode like packed ones; unknown fields are skipped.
  const unpacked = Buffer.from([0x38, 0xf4, 0x03, 0x38, 0xf7, 0x03, 0xa8, 0x1f, 0x01, 0xb2, 0x1f, 0x00]); // retriable_status_codes (#7) 500, 503 unpacked; unknown #501 varint, #502 empty LEN
  const [u1, u2] = both('envoy.config.route.v3.RetryPolicy', unpacked);
  assert.equal(u1, u2);
  assert.match(u1, /"retriableStatusCodes":\[500,503\]/);
});

test('wire decoder: malformed input throws WireError with the type, offset and field path', { timeout: 30_000 }, () => {
  const snap = snapshotFrom(['examples/001-sidecar-canary']);
  const w = snap.registry.workloads.find((x) => x.name === 'proxy')!;
  const cfg = compileProxy(snap, proxyForWorkload(w, snap));
  const listener = encodeResource(cfg.listeners.find((l) => l.name === 'virtualOutbound') ?? cfg.listeners[0]!, TypeUrl.Listener);
  // Cutting it anywhere either throws WireError or (at a field boundary) decodes a prefix: never another error.
  let threw = 0;
  for (let cut = 0; cut < listener.length; cut++) {
    try {
      decoder.decodeResource(TypeUrl.Listener, listener.subarray(0, cut));
    } catch (e) {
      assert.ok(e instanceof WireError, `cut at ${cut}: ${(e as Error).stack}`);
      assert.match(e.message, /^cannot decode envoy\.config\.listener\.v3\.Listener: .* at byte \d+/);
      threw++;
    }
  }
  assert.ok(threw > listener.length / 2, `${threw} of ${listener.length} cuts threw`);

  // Random byte changes (a seeded generator): decoded, or a WireError; never another error.
  let seed = 42;
  const rand = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) % n);
  for (let i = 0; i < 3000; i++) {
    const bytes = Buffer.from(listener);
    for (let k = 1 + rand(3); k > 0; k--) bytes[rand(bytes.length)] = rand(256);
    try {
      decoder.decodeResource(TypeUrl.Listener, bytes);
    } catch (e) {
      assert.ok(e instanceof WireError, `mutation ${i}: ${(e as Error).stack}`);
    }
  }

  const cluster = encodeResource(cfg.clusters[0]!, TypeUrl.Cluster);
  const cut = cluster.subarray(0, cluster.length - 1);
  assert.throws(() => decoder.decodeResource(TypeUrl.Cluster, cut), (e: unknown) => e instanceof WireError && /truncated|runs past/.test(e.message));

  // A string field (Cluster.name, #1) sent as a varint; an invalid wire type; a field in a nested message.
  assert.throws(() => decoder.decodeMessage('envoy.config.cluster.v3.Cluster', Buffer.from([0x08, 0x01])), /field name has wire type 0, expected 2 at byte 1 in field name$/);
  assert.throws(() => decoder.decodeMessage('envoy.config.cluster.v3.Cluster', Buffer.from([0x0f])), /invalid wire type 7 at byte 1$/);
  const nested = Buffer.from([0x8a, 0x02, 0x04, 0x12, 0x02, 0x12, 0x05]); // load_assignment (#33) { endpoints [ { lb_endpoints: truncated } ] }
  assert.throws(() => decoder.decodeMessage('envoy.config.cluster.v3.Cluster', nested), /in field loadAssignment\.endpoints\[0\]\.lbEndpoints\[0\]$/);
  assert.throws(() => decoder.decodeMessage('no.such.Message', new Uint8Array()), /unknown message type/);
});

test('wire decoder: a FieldMask (not in the Envoy protos loaded today) prints as to-json.ts prints it', { timeout: 10_000 }, () => {
  const d = new WireDecoder({
    format: 1,
    messages: { 'google.protobuf.FieldMask': { fields: [{ id: 1, name: 'paths', json: 'paths', kind: 'scalar', type: 'string', repeated: true }] } },
    enums: {},
  });
  const bytes = Buffer.from([0x0a, 0x07, ...Buffer.from('a_b.c_d'), 0x0a, 0x01, 0x78]);
  assert.deepEqual(d.decodeMessage('google.protobuf.FieldMask', bytes), { value: 'aB.cD,x' });
});

test('wire schema: every message of the Root, fields in declaration order with what decoding needs', { timeout: 30_000 }, () => {
  const root = protoRoot();
  const schema = buildWireSchema(root);
  const cluster = schema.messages['envoy.config.cluster.v3.Cluster']!;
  const type = root.lookupType('envoy.config.cluster.v3.Cluster');
  assert.deepEqual(cluster.fields.map((f) => f.name), type.fieldsArray.map((f) => f.name));
  const byName = new Map(cluster.fields.map((f) => [f.name, f]));
  assert.deepEqual(byName.get('type'), { id: 2, name: 'type', json: 'type', kind: 'enum', type: 'envoy.config.cluster.v3.Cluster.DiscoveryType', oneof: 'cluster_discovery_type', presence: true });
  assert.deepEqual(byName.get('typed_extension_protocol_options'), { id: 36, name: 'typed_extension_protocol_options', json: 'typedExtensionProtocolOptions', kind: 'message', type: 'google.protobuf.Any', mapKey: 'string' });
  assert.equal(schema.enums['envoy.config.cluster.v3.Cluster.DiscoveryType']!['1'], 'STRICT_DNS');
  let messages = 0;
  (function walk(ns: protobuf.NamespaceBase) {
    for (const n of ns.nestedArray) {
      if (n instanceof protobuf.Type) {
        messages++;
        assert.ok(schema.messages[n.fullName.slice(1)], n.fullName);
      }
      if (n instanceof protobuf.Namespace || n instanceof protobuf.Type) walk(n as protobuf.NamespaceBase);
    }
  })(root);
  assert.equal(Object.keys(schema.messages).length, messages);
});

test('wire schema: the built file is read back; a missing, damaged or other-format file is not used', { timeout: 10_000 }, (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'trellis-wire-schema-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, WIRE_SCHEMA_FILE);
  assert.equal(readBuiltWireSchema(file), undefined, 'missing');
  const schema = buildWireSchema(protoRoot());
  writeFileSync(file, JSON.stringify(schema));
  assert.deepEqual(readBuiltWireSchema(file), JSON.parse(JSON.stringify(schema)));
  writeFileSync(file, JSON.stringify(schema).slice(0, 1000));
  assert.equal(readBuiltWireSchema(file), undefined, 'damaged');
  writeFileSync(file, JSON.stringify({ ...schema, format: WIRE_SCHEMA_FORMAT + 1 }));
  assert.equal(readBuiltWireSchema(file), undefined, 'another format');
});
