/**
 * The discovery protocol's envelopes on the wire, hand-written for the proxy (no schema, no
 * protobufjs): DiscoveryRequest (version_info, node {id, cluster, metadata Struct, locality,
 * user_agent_name, user_agent_version, client_features}, resource_names, type_url,
 * response_nonce, error_detail {code, message}) encoded byte for byte as codec.ts
 * `encodeMessage` encodes it (fields in number order, proto3 defaults left out, oneof members
 * and messages written when set); and DiscoveryResponse decoded down to its envelope, each
 * resource left as its packed Any bytes (a view into the response) for wire-decode.ts. Fields
 * the encoder does not know throw an Error naming them and the ones it takes.
 */
import type { DiscoveryRequest, Node, Status } from './discovery.js';
import { WIRE_LEN, WIRE_VARINT, WireError, WireReader } from './wire-reader.js';
import { writeStruct } from './wire-struct.js';
import { WireWriter } from './wire-writer.js';

// ── DiscoveryRequest ────────────────────────────────────────────────────────────────────────

const REQUEST_KEYS = ['versionInfo', 'node', 'resourceNames', 'typeUrl', 'responseNonce', 'errorDetail'];
const NODE_KEYS = ['id', 'cluster', 'metadata', 'locality', 'userAgentName', 'userAgentVersion', 'clientFeatures'];
const LOCALITY_KEYS = ['region', 'zone', 'subZone'];
const STATUS_KEYS = ['code', 'message', 'details'];

function set(v: unknown): boolean {
  return v !== undefined && v !== null;
}

function checkKeys(obj: object, allowed: readonly string[], what: string): void {
  for (const k of Object.keys(obj)) {
    if (!allowed.includes(k) && set((obj as Record<string, unknown>)[k])) {
      throw new Error(`${what}.${k}: not a field the proxy's DiscoveryRequest encoder writes; it takes ${allowed.join(', ')}`);
    }
  }
}

function str(v: unknown, path: string): string {
  if (typeof v !== 'string') throw new Error(`${path}: expected a string, got ${v === null ? 'null' : typeof v}`);
  return v;
}

/** A proto3 string without presence: written unless empty. */
function plain(w: WireWriter, field: number, v: unknown, path: string): void {
  if (set(v) && str(v, path) !== '') w.string(field, v as string);
}

function strings(w: WireWriter, field: number, v: unknown, path: string): void {
  if (!set(v)) return;
  if (!Array.isArray(v)) throw new Error(`${path}: expected an array of strings`);
  v.forEach((s, i) => w.string(field, str(s, `${path}[${i}]`)));
}

function node(n: Node): WireWriter {
  checkKeys(n, NODE_KEYS, 'node');
  const w = new WireWriter();
  plain(w, 1, n.id, 'node.id');
  plain(w, 2, n.cluster, 'node.cluster');
  if (set(n.metadata)) {
    if (typeof n.metadata !== 'object' || Array.isArray(n.metadata)) throw new Error('node.metadata: expected an object (google.protobuf.Struct)');
    w.message(3, writeStruct(new WireWriter(), n.metadata!, 'node.metadata'));
  }
  if (set(n.locality)) {
    const l = n.locality as unknown as Record<string, unknown>;
    checkKeys(l, LOCALITY_KEYS, 'node.locality');
    const lw = new WireWriter();
    plain(lw, 1, l['region'], 'node.locality.region');
    plain(lw, 2, l['zone'], 'node.locality.zone');
    plain(lw, 3, l['subZone'], 'node.locality.subZone');
    w.message(4, lw);
  }
  plain(w, 6, n.userAgentName, 'node.userAgentName');
  if (set(n.userAgentVersion)) w.string(7, str(n.userAgentVersion, 'node.userAgentVersion')); // a oneof member: written even when empty
  strings(w, 10, n.clientFeatures, 'node.clientFeatures');
  return w;
}

function status(s: Status): WireWriter {
  checkKeys(s, STATUS_KEYS, 'errorDetail');
  if (s.details?.length) throw new Error('errorDetail.details: the proxy sends no details (packed Any messages); leave it out');
  const w = new WireWriter();
  if (set(s.code)) {
    if (!Number.isInteger(s.code) || s.code! < -(2 ** 31) || s.code! >= 2 ** 31) throw new Error(`errorDetail.code: expected an int32, got ${String(s.code)}`);
    if (s.code !== 0) w.tag(1, WIRE_VARINT).int32(s.code!);
  }
  plain(w, 2, s.message, 'errorDetail.message');
  return w;
}

/** A DiscoveryRequest's bytes. Throws an Error naming the field when one cannot be written. */
export function encodeDiscoveryRequest(req: DiscoveryRequest): Buffer {
  checkKeys(req, REQUEST_KEYS, 'DiscoveryRequest');
  const w = new WireWriter();
  plain(w, 1, req.versionInfo, 'versionInfo');
  if (set(req.node)) w.message(2, node(req.node!));
  strings(w, 3, req.resourceNames, 'resourceNames');
  plain(w, 4, req.typeUrl, 'typeUrl');
  plain(w, 5, req.responseNonce, 'responseNonce');
  if (set(req.errorDetail)) w.message(6, status(req.errorDetail!));
  return w.finish();
}

// ── DiscoveryResponse ───────────────────────────────────────────────────────────────────────

/** A resource as it came off the wire: its Any's type URL and packed bytes. */
export interface PackedResource {
  typeUrl: string;
  value: Uint8Array;
}

/** A DiscoveryResponse with its resources still packed. */
export interface DiscoveryEnvelope {
  versionInfo: string;
  typeUrl: string;
  nonce: string;
  resources: PackedResource[];
  canary?: boolean;
  /** control_plane.identifier, when set. */
  controlPlane?: string;
}

function readAny(r: WireReader, end: number): PackedResource {
  const any: PackedResource = { typeUrl: '', value: new Uint8Array() };
  r.fields(end, (id, wt) => {
    if (id === 1) {
      r.expect(wt, WIRE_LEN, 'resources.type_url');
      any.typeUrl = r.string();
    } else if (id === 2) {
      r.expect(wt, WIRE_LEN, 'resources.value');
      any.value = r.bytes();
    } else r.skip(wt);
  });
  return any;
}

function readIdentifier(r: WireReader, end: number): string {
  let id = '';
  r.fields(end, (n, wt) => {
    if (n !== 1) return r.skip(wt);
    r.expect(wt, WIRE_LEN, 'control_plane.identifier');
    id = r.string();
  });
  return id;
}

/** A DiscoveryResponse's envelope; throws WireError (with the byte offset) on malformed input. */
export function decodeDiscoveryResponse(bytes: Uint8Array): DiscoveryEnvelope {
  try {
    return readResponse(new WireReader(bytes));
  } catch (e) {
    if (e instanceof WireError) e.inType('envoy.service.discovery.v3.DiscoveryResponse');
    throw e;
  }
}

function readResponse(r: WireReader): DiscoveryEnvelope {
  const out: DiscoveryEnvelope = { versionInfo: '', typeUrl: '', nonce: '', resources: [] };
  r.fields(r.end, (id, wt) => {
    switch (id) {
      case 1:
        r.expect(wt, WIRE_LEN, 'version_info');
        out.versionInfo = r.string();
        return;
      case 2:
        r.expect(wt, WIRE_LEN, 'resources');
        out.resources.push(readAny(r, r.span()));
        return;
      case 3:
        r.expect(wt, WIRE_VARINT, 'canary');
        r.varint64();
        out.canary = r.lo !== 0 || r.hi !== 0;
        return;
      case 4:
        r.expect(wt, WIRE_LEN, 'type_url');
        out.typeUrl = r.string();
        return;
      case 5:
        r.expect(wt, WIRE_LEN, 'nonce');
        out.nonce = r.string();
        return;
      case 6: {
        r.expect(wt, WIRE_LEN, 'control_plane');
        const identifier = readIdentifier(r, r.span());
        if (identifier) out.controlPlane = identifier;
        else delete out.controlPlane;
        return;
      }
      default:
        r.skip(wt);
    }
  });
  return out;
}
